/*
 * attach.c - an attachment (IAttach : IMAPIProp), transacted: SaveChanges hands its working
 * copy to its message, whose own SaveChanges stores it (imessage-createattach.md,
 * iattachimapiprop.md). ATTACH_EMBEDDED_MSG content is opened with
 * OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage).
 */
#include "store.h"

typedef struct attach
{
    IAttach IAttach_iface;
    LONG ref;
    td_transacted tr;           /* the IMAPIProp part shared with messages (transact.c) */
    td_store *s;                /* AddRef'd */
    IMessage *owner;            /* AddRef'd: the message the attachment belongs to */
    CRITICAL_SECTION lock;      /* guards work */
    BOOL writable;
    td_attdata *work;
    mc_last_error err;
} attach;

static const IAttachVtbl attach_vtbl;

static inline attach *impl_from_IAttach(IAttach *iface)
{
    return CONTAINING_RECORD(iface, attach, IAttach_iface);
}

static BOOL is_computed(ULONG tag)
{
    switch (PROP_ID(tag))
    {
    case PROP_ID(PR_ATTACH_NUM): case PROP_ID(PR_OBJECT_TYPE): case PROP_ID(PR_RECORD_KEY):
    case PROP_ID(PR_STORE_ENTRYID): case PROP_ID(PR_STORE_RECORD_KEY): case PROP_ID(PR_STORE_SUPPORT_MASK):
    case PROP_ID(PR_MDB_PROVIDER): case PROP_ID(PR_ACCESS_LEVEL): case PROP_ID(PR_ATTACH_SIZE):
        return TRUE;
    }
    return FALSE;
}

static SCODE check_set(ULONG tag, void *ctx)
{
    (void)ctx;
    if (is_computed(tag)) return MAPI_E_COMPUTED;
    if (PROP_TYPE(tag) == PT_OBJECT) return MAPI_E_INVALID_TYPE;
    return S_OK;
}

static inline attach *impl_from_transacted(td_transacted *t)
{
    return CONTAINING_RECORD(t, attach, tr);
}

static mc_propbag *work(td_transacted *t, td_bigvals **big)
{
    attach *This = impl_from_transacted(t);
    *big = &This->work->big;
    return This->work->props;
}

static void computed(td_transacted *t, td_vals *vals)
{
    attach *This = impl_from_transacted(t);
    ULONG size = 0, i;

    td_vals_long(vals, PR_OBJECT_TYPE, MAPI_ATTACH);
    td_vals_long(vals, PR_ATTACH_NUM, (LONG)This->work->num);
    td_vals_bin(vals, PR_RECORD_KEY, &This->work->num, sizeof(This->work->num), FALSE);
    td_vals_bin(vals, PR_STORE_ENTRYID, This->s->wrapped, This->s->cb_wrapped, FALSE);
    td_vals_bin(vals, PR_STORE_RECORD_KEY, This->s->record_key, sizeof(This->s->record_key), FALSE);
    td_vals_long(vals, PR_STORE_SUPPORT_MASK, (LONG)td_store_support_mask(This->s));
    td_vals_long(vals, PR_ACCESS_LEVEL, This->writable ? MAPI_MODIFY : 0);
    for (i = 0; i < mc_propbag_count(This->work->props); i++)
        size += sizeof(SPropValue) + mc_prop_payload_size(mc_propbag_at(This->work->props, i));
    size += td_bigvals_size(&This->work->big);
    if (This->work->embedded) size += td_msgdata_size(This->work->embedded);
    td_vals_long(vals, PR_ATTACH_SIZE, (LONG)size);
    if (!mc_propbag_get(This->work->props, PR_RENDERING_POSITION)) td_vals_long(vals, PR_RENDERING_POSITION, -1);
}

HRESULT attach_open(td_store *s, IMessage *owner, td_attdata *data, BOOL writable, BOOL is_new, IAttach **out)
{
    attach *This;

    (void)is_new;
    if (!(This = mc_calloc(1, sizeof(*This)))) { td_attdata_free(data); return MAPI_E_NOT_ENOUGH_MEMORY; }
    This->IAttach_iface.lpVtbl = (IAttachVtbl *)&attach_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    td_store_addref(s);
    This->s = s;
    owner->lpVtbl->AddRef(owner);
    This->owner = owner;
    This->writable = writable;
    This->work = data;
    InitializeCriticalSection(&This->lock);
    This->tr.s = s;
    This->tr.lock = &This->lock;
    This->tr.work = work;
    This->tr.computed = computed;
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IAttach_iface;
    return S_OK;
}

void attach_set_embedded(IAttach *iface, td_msgdata *data)
{
    attach *This = impl_from_IAttach(iface);
    EnterCriticalSection(&This->lock);
    td_msgdata_free(This->work->embedded);
    This->work->embedded = data;
    LeaveCriticalSection(&This->lock);
}

static HRESULT commit_stream(IUnknown *owner, ULONG tag, const BYTE *data, ULONG cb)
{
    return td_transacted_commit_stream(&impl_from_IAttach((IAttach *)owner)->tr, tag, data, cb);
}

static HRESULT commit_stream_big(IUnknown *owner, ULONG tag, ULONG size, LONGLONG stage)
{
    return td_transacted_commit_stream_big(&impl_from_IAttach((IAttach *)owner)->tr, tag, size, stage);
}

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE attach_QueryInterface(IAttach *iface, REFIID riid, void **out)
{
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPIProp) || IsEqualGUID(riid, &IID_IAttachment))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE attach_AddRef(IAttach *iface)
{
    return InterlockedIncrement(&impl_from_IAttach(iface)->ref);
}

static ULONG STDMETHODCALLTYPE attach_Release(IAttach *iface)
{
    attach *This = impl_from_IAttach(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    if (ref) return ref;
    td_attdata_free(This->work);
    This->owner->lpVtbl->Release(This->owner);
    td_store_release(This->s);
    DeleteCriticalSection(&This->lock);
    mc_last_error_destroy(&This->err);
    mc_free(This);
    mc_object_destroyed();
    return 0;
}

/* ---- IMAPIProp --------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE attach_GetLastError(IAttach *iface, HRESULT hResult,
        ULONG ulFlags, LPMAPIERROR *lppMAPIError)
{
    attach *This = impl_from_IAttach(iface);
    if (!lppMAPIError) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_last_error_get(&This->err, &This->s->alloc, TD_COMPONENT, hResult, ulFlags, lppMAPIError);
}

static HRESULT STDMETHODCALLTYPE attach_SaveChanges(IAttach *iface, ULONG ulFlags)
{
    attach *This = impl_from_IAttach(iface);
    td_attdata *copy;

    MC_TRACE("attach", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(ULONG)(KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE | FORCE_SAVE | MAPI_DEFERRED_ERRORS))
        return MAPI_E_UNKNOWN_FLAGS;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    EnterCriticalSection(&This->lock);
    copy = td_attdata_dup(This->work);
    LeaveCriticalSection(&This->lock);
    if (!copy) return MAPI_E_NOT_ENOUGH_MEMORY;
    message_put_attach(This->owner, copy);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE attach_GetProps(IAttach *iface, LPSPropTagArray lpPropTagArray,
        ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    attach *This = impl_from_IAttach(iface);
    return td_transacted_getprops(&This->tr, lpPropTagArray, ulFlags, lpcValues, lppPropArray);
}

static HRESULT STDMETHODCALLTYPE attach_GetPropList(IAttach *iface, ULONG ulFlags,
        LPSPropTagArray *lppPropTagArray)
{
    attach *This = impl_from_IAttach(iface);
    SizedSPropTagArray(1, obj) = {1, {PR_ATTACH_DATA_OBJ}};
    HRESULT hr;

    EnterCriticalSection(&This->lock);
    hr = td_transacted_getproplist(&This->tr, This->work->embedded ? (SPropTagArray *)&obj : NULL, ulFlags,
                                   lppPropTagArray);
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE attach_OpenProperty(IAttach *iface, ULONG ulPropTag,
        LPCIID lpiid, ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    attach *This = impl_from_IAttach(iface);
    ULONG type = PROP_TYPE(ulPropTag);
    HRESULT hr;

    MC_TRACE("attach", "%p %#lx %#lx", iface, (unsigned long)ulPropTag, (unsigned long)ulFlags);
    if (!lpiid || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    if (type == PT_UNSPECIFIED) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_CREATE | MAPI_MODIFY | MAPI_DEFERRED_ERRORS | STGM_DIRECT | STGM_TRANSACTED))
        return MAPI_E_UNKNOWN_FLAGS;
    if ((ulFlags & MAPI_CREATE) && !(ulFlags & MAPI_MODIFY)) return MAPI_E_INVALID_PARAMETER;
    if ((ulFlags & MAPI_MODIFY) && !This->writable) return MAPI_E_NO_ACCESS;

    if (PROP_ID(ulPropTag) == PROP_ID(PR_ATTACH_DATA_OBJ) && IsEqualGUID(lpiid, &IID_IMessage))
    {
        td_msgdata *copy;
        EnterCriticalSection(&This->lock);
        if (This->work->embedded && !(ulFlags & MAPI_CREATE)) copy = td_msgdata_dup(This->work->embedded);
        else if (ulFlags & MAPI_CREATE) copy = td_msgdata_new();
        else copy = NULL;
        hr = copy ? S_OK : (This->work->embedded || (ulFlags & MAPI_CREATE)) ? MAPI_E_NOT_ENOUGH_MEMORY : MAPI_E_NOT_FOUND;
        if (copy && (ulFlags & MAPI_CREATE))
        {
            SPropValue m;
            m.ulPropTag = PR_ATTACH_METHOD;
            m.Value.l = ATTACH_EMBEDDED_MSG;
            mc_propbag_set(This->work->props, &m);
            m.ulPropTag = PR_MESSAGE_FLAGS;
            m.Value.l = MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED;
            mc_propbag_set(copy->props, &m);
        }
        LeaveCriticalSection(&This->lock);
        if (FAILED(hr)) return hr;
        return message_embedded(This->s, iface, copy, (ulFlags & MAPI_MODIFY) != 0, (IMessage **)lppUnk);
    }
    if (!IsEqualGUID(lpiid, &IID_IStream)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (type != PT_BINARY && type != PT_STRING8 && type != PT_UNICODE) return MAPI_E_NO_SUPPORT;
    return td_transacted_open_stream(&This->tr, (IUnknown *)iface, commit_stream, commit_stream_big, ulPropTag,
                                     ulFlags, FALSE, (IStream **)lppUnk);
}

static HRESULT STDMETHODCALLTYPE attach_SetProps(IAttach *iface, ULONG cValues,
        LPSPropValue lpPropArray, LPSPropProblemArray *lppProblems)
{
    attach *This = impl_from_IAttach(iface);
    HRESULT hr;

    if (lppProblems) *lppProblems = NULL;
    if (!lpPropArray) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    EnterCriticalSection(&This->lock);
    hr = mc_setprops(&This->s->alloc, This->work->props, cValues, lpPropArray, check_set, This, lppProblems);
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE attach_DeleteProps(IAttach *iface,
        LPSPropTagArray lpPropTagArray, LPSPropProblemArray *lppProblems)
{
    attach *This = impl_from_IAttach(iface);
    HRESULT hr;

    if (lppProblems) *lppProblems = NULL;
    if (!lpPropTagArray) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    EnterCriticalSection(&This->lock);
    hr = td_transacted_deleteprops(&This->tr, lpPropTagArray, check_set, This, lppProblems);
    if (SUCCEEDED(hr) && mc_tags_contain(lpPropTagArray, PR_ATTACH_DATA_OBJ))
    {
        td_msgdata_free(This->work->embedded);
        This->work->embedded = NULL;
    }
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT copy_common(attach *This, const SPropTagArray *exclude, const SPropTagArray *include,
                           LPCIID iid, void *dest_obj, ULONG flags, SPropProblemArray **problems)
{
    IMAPIProp *dest = NULL;
    mc_propbag *snap;
    td_msgdata *emb = NULL;
    HRESULT hr;

    if (FAILED(hr = td_dest_prop(iid, dest_obj, &dest))) return hr;
    if (!(snap = mc_propbag_new())) { dest->lpVtbl->Release(dest); return MAPI_E_NOT_ENOUGH_MEMORY; }
    EnterCriticalSection(&This->lock);
    hr = mc_propbag_copy(snap, This->work->props);
    if (This->work->embedded) emb = td_msgdata_dup(This->work->embedded);
    LeaveCriticalSection(&This->lock);
    if (SUCCEEDED(hr))
        hr = td_transacted_copy(&This->tr, (IMAPIProp *)&This->IAttach_iface, snap, exclude, include, dest, flags,
                                problems);
    if (SUCCEEDED(hr) && emb && !(exclude && mc_tags_contain(exclude, PR_ATTACH_DATA_OBJ)) &&
        (!include || mc_tags_contain(include, PR_ATTACH_DATA_OBJ)))
    {
        /* the embedded message: into the destination's PR_ATTACH_DATA_OBJ */
        IMessage *src = NULL, *dst = NULL;
        if (SUCCEEDED(hr = message_embedded(This->s, &This->IAttach_iface, emb, FALSE, &src)))
        {
            emb = NULL;
            if (SUCCEEDED(hr = dest->lpVtbl->OpenProperty(dest, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0,
                                                          MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&dst)))
            {
                hr = src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMessage, dst, 0, NULL);
                if (SUCCEEDED(hr)) hr = dst->lpVtbl->SaveChanges(dst, 0);
                dst->lpVtbl->Release(dst);
            }
            src->lpVtbl->Release(src);
        }
    }
    td_msgdata_free(emb);
    mc_propbag_free(snap);
    dest->lpVtbl->Release(dest);
    return hr;
}

static HRESULT STDMETHODCALLTYPE attach_CopyTo(IAttach *iface, ULONG ciidExclude,
        LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps, ULONG ulUIParam,
        LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
        LPSPropProblemArray *lppProblems)
{
    attach *This = impl_from_IAttach(iface);
    if (lppProblems) *lppProblems = NULL;
    if (!lpDestObj || (ciidExclude && !rgiidExclude)) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (td_iid_excluded(ciidExclude, rgiidExclude, &IID_IAttachment)) return S_OK;
    return copy_common(This, lpExcludeProps, NULL, lpInterface, lpDestObj, ulFlags, lppProblems);
}

static HRESULT STDMETHODCALLTYPE attach_CopyProps(IAttach *iface,
        LPSPropTagArray lpIncludeProps, ULONG ulUIParam, LPMAPIPROGRESS lpProgress,
        LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    attach *This = impl_from_IAttach(iface);
    if (lppProblems) *lppProblems = NULL;
    if (!lpDestObj || !lpIncludeProps) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    return copy_common(This, NULL, lpIncludeProps, lpInterface, lpDestObj, ulFlags, lppProblems);
}

static HRESULT STDMETHODCALLTYPE attach_GetNamesFromIDs(IAttach *iface,
        LPSPropTagArray *lppPropTags, LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames,
        LPMAPINAMEID **lpppPropNames)
{
    attach *This = impl_from_IAttach(iface);
    return td_store_get_names_from_ids(This->s, lppPropTags, lpPropSetGuid, ulFlags, lpcPropNames, lpppPropNames);
}

static HRESULT STDMETHODCALLTYPE attach_GetIDsFromNames(IAttach *iface, ULONG cPropNames,
        LPMAPINAMEID *lppPropNames, ULONG ulFlags, LPSPropTagArray *lppPropTags)
{
    attach *This = impl_from_IAttach(iface);
    return td_store_get_ids_from_names(This->s, cPropNames, lppPropNames, ulFlags, lppPropTags);
}

static const IAttachVtbl attach_vtbl =
{
    attach_QueryInterface,
    attach_AddRef,
    attach_Release,
    attach_GetLastError,
    attach_SaveChanges,
    attach_GetProps,
    attach_GetPropList,
    attach_OpenProperty,
    attach_SetProps,
    attach_DeleteProps,
    attach_CopyTo,
    attach_CopyProps,
    attach_GetNamesFromIDs,
    attach_GetIDsFromNames,
};
