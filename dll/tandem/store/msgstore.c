/*
 * msgstore.c - the message store object (IMsgStore : IMAPIProp) and ITandemStore on it.
 * Docs: imsgstoreimapiprop.md and imsgstore-*.md; store properties per spi-digest §4.4.
 * The store is nontransacted: SetProps applies at once (PR_DISPLAY_NAME is written to the
 * database). Two flavours share this code: the client's store (from Logon) and the spooler's
 * (from SpoolerLogon, DECISIONS 4); the spooler-only methods refuse a client store with
 * MAPI_E_NO_SUPPORT as their pages say.
 */
#include "submit.h"

typedef struct msgstore
{
    IMsgStore IMsgStore_iface;
    ITandemStore ITandemStore_iface;
    LONG ref;
    td_store *state;            /* AddRef'd */
    IMAPISupport *sup;          /* AddRef'd: the support object of this logon */
    BOOL spooler;
    LONG logoff_done;           /* StoreLogoffTransports called (DECISIONS 6); interlocked */
    mc_last_error err;
} msgstore;

static const IMsgStoreVtbl msgstore_vtbl;
static const ITandemStoreVtbl tandemstore_vtbl;

static inline msgstore *impl_from_IMsgStore(IMsgStore *iface)
{
    return CONTAINING_RECORD(iface, msgstore, IMsgStore_iface);
}

static inline msgstore *impl_from_ITandemStore(ITandemStore *iface)
{
    return CONTAINING_RECORD(iface, msgstore, ITandemStore_iface);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static BOOL is_computed(ULONG tag)
{
    switch (PROP_ID(tag))
    {
    case PROP_ID(PR_OBJECT_TYPE):
    case PROP_ID(PR_STORE_SUPPORT_MASK):
    case PROP_ID(PR_STORE_STATE):
    case PROP_ID(PR_MDB_PROVIDER):
    case PROP_ID(PR_RECORD_KEY):
    case PROP_ID(PR_STORE_RECORD_KEY):
    case PROP_ID(PR_ENTRYID):
    case PROP_ID(PR_STORE_ENTRYID):
    case PROP_ID(PR_IPM_SUBTREE_ENTRYID):
    case PROP_ID(PR_IPM_OUTBOX_ENTRYID):
    case PROP_ID(PR_IPM_SENTMAIL_ENTRYID):
    case PROP_ID(PR_IPM_WASTEBASKET_ENTRYID):
    case PROP_ID(PR_VALID_FOLDER_MASK):
        return TRUE;
    }
    return FALSE;
}

static SCODE check_set(ULONG tag, void *ctx)
{
    msgstore *This = ctx;

    if (is_computed(tag)) return MAPI_E_COMPUTED;
    if (PROP_ID(tag) == PROP_ID(PR_DISPLAY_NAME_W))
    {
        if (PROP_TYPE(tag) != PT_UNICODE && PROP_TYPE(tag) != PT_STRING8) return MAPI_E_UNEXPECTED_TYPE;
        return This->state->writable ? S_OK : MAPI_E_NO_ACCESS;
    }
    /* Arbitrary store properties are persisted with the object model (next issue); until
     * then refuse them rather than pretend to keep them. */
    MC_FIXME("store property %#lx not kept yet", (unsigned long)tag);
    return MAPI_E_NO_ACCESS;
}

static SCODE check_delete(ULONG tag, void *ctx)
{
    if (is_computed(tag)) return MAPI_E_COMPUTED;
    if (PROP_ID(tag) == PROP_ID(PR_DISPLAY_NAME_W)) return MAPI_E_NO_ACCESS;   /* a store has a name */
    return S_OK;
}

/* Call StoreLogoffTransports once per store shutdown (DECISIONS 6); client stores only: the
 * spooler's store object belongs to the spooler, which logs its transports off itself. */
static HRESULT logoff_transports(msgstore *This, ULONG *flags)
{
    if (This->spooler || InterlockedExchange(&This->logoff_done, TRUE)) return S_OK;
    EnterCriticalSection(&This->state->lock);
    This->state->logged_off = TRUE;
    LeaveCriticalSection(&This->state->lock);
    return This->sup->lpVtbl->StoreLogoffTransports(This->sup, flags);
}

BOOL msgstore_try_addref(IMsgStore *iface)
{
    msgstore *This = impl_from_IMsgStore(iface);
    LONG ref;

    do
    {
        ref = This->ref;
        if (ref <= 0) return FALSE;
    } while (InterlockedCompareExchange(&This->ref, ref + 1, ref) != ref);
    return TRUE;
}

td_store *msgstore_state(IMsgStore *iface)
{
    msgstore *This;

    if (!iface || iface->lpVtbl != &msgstore_vtbl) return NULL;
    This = impl_from_IMsgStore(iface);
    td_store_addref(This->state);
    return This->state;
}

HRESULT msgstore_create(td_store *s, IMAPISupport *sup, BOOL spooler, IMsgStore **out)
{
    msgstore *This;

    if (!s || !sup || !out) return MAPI_E_INVALID_PARAMETER;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMsgStore_iface.lpVtbl = (IMsgStoreVtbl *)&msgstore_vtbl;   /* the headers declare lpVtbl non-const */
    This->ITandemStore_iface.lpVtbl = (ITandemStoreVtbl *)&tandemstore_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    td_store_addref(s);
    This->state = s;
    sup->lpVtbl->AddRef(sup);
    This->sup = sup;
    This->spooler = spooler;
    if (!spooler) td_store_set_support(s, sup);
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IMsgStore_iface;
    return S_OK;
}

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE msgstore_QueryInterface(IMsgStore *iface, REFIID riid, void **out)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPIProp) ||
        IsEqualGUID(riid, &IID_IMsgStore))
        *out = &This->IMsgStore_iface;
    else if (IsEqualGUID(riid, &IID_ITandemStore))
        *out = &This->ITandemStore_iface;
    else
    {
        *out = NULL;
        return E_NOINTERFACE;
    }
    iface->lpVtbl->AddRef(iface);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE msgstore_AddRef(IMsgStore *iface)
{
    msgstore *This = impl_from_IMsgStore(iface);
    return InterlockedIncrement(&This->ref);
}

static ULONG STDMETHODCALLTYPE msgstore_Release(IMsgStore *iface)
{
    msgstore *This = impl_from_IMsgStore(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    MC_TRACE("store", "%p -> %lu", iface, (unsigned long)ref);
    if (ref) return ref;

    if (!This->spooler)
    {
        ULONG flags = LOGOFF_ABORT;   /* the client never called StoreLogoff */
        logoff_transports(This, &flags);
        msprovider_forget_store(This->state->provider, iface);
        td_store_set_support(This->state, NULL);
    }
    This->sup->lpVtbl->Release(This->sup);
    td_store_release(This->state);
    mc_last_error_destroy(&This->err);
    mc_free(This);
    mc_object_destroyed();
    return 0;
}

/* ---- IMAPIProp --------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE msgstore_GetLastError(IMsgStore *iface, HRESULT hResult,
        ULONG ulFlags, LPMAPIERROR *lppMAPIError)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)hResult);
    if (!lppMAPIError) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_last_error_get(&This->err, &This->state->alloc, TD_COMPONENT, hResult, ulFlags,
                             lppMAPIError);
}

static HRESULT STDMETHODCALLTYPE msgstore_SaveChanges(IMsgStore *iface, ULONG ulFlags)
{
    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    return S_OK;   /* nontransacted: every change is already stored */
}

static HRESULT STDMETHODCALLTYPE msgstore_GetProps(IMsgStore *iface, LPSPropTagArray lpPropTagArray,
        ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    msgstore *This = impl_from_IMsgStore(iface);
    td_store *s = This->state;
    SPropValue computed[TD_STORE_MAX_COMPUTED];
    HRESULT hr;
    ULONG n;

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpcValues || !lppPropArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&s->lock);
    n = td_store_computed(s, computed, ARRAYSIZE(computed));
    hr = mc_getprops(&s->alloc, s->props, computed, n, lpPropTagArray, ulFlags, NULL,
                     lpcValues, lppPropArray);
    LeaveCriticalSection(&s->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_GetPropList(IMsgStore *iface, ULONG ulFlags,
        LPSPropTagArray *lppPropTagArray)
{
    msgstore *This = impl_from_IMsgStore(iface);
    td_store *s = This->state;
    SPropValue computed[TD_STORE_MAX_COMPUTED];
    HRESULT hr;
    ULONG n;

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lppPropTagArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&s->lock);
    n = td_store_computed(s, computed, ARRAYSIZE(computed));
    hr = mc_getproplist(&s->alloc, s->props, computed, n, NULL, ulFlags, NULL, lppPropTagArray);
    LeaveCriticalSection(&s->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_OpenProperty(IMsgStore *iface, ULONG ulPropTag,
        LPCIID lpiid, ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulPropTag);
    if (!lpiid || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    if (PROP_TYPE(ulPropTag) == PT_UNSPECIFIED) return MAPI_E_INVALID_PARAMETER;
    MC_FIXME("OpenProperty %#lx: no object properties on the store yet", (unsigned long)ulPropTag);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_SetProps(IMsgStore *iface, ULONG cValues,
        LPSPropValue lpPropArray, LPSPropProblemArray *lppProblems)
{
    msgstore *This = impl_from_IMsgStore(iface);
    td_store *s = This->state;
    WCHAR *before = NULL, *after = NULL;
    HRESULT hr;

    MC_TRACE("store", "%p %lu", iface, (unsigned long)cValues);
    if (lppProblems) *lppProblems = NULL;
    if (!lpPropArray && cValues) return MAPI_E_INVALID_PARAMETER;

    EnterCriticalSection(&s->lock);
    before = mc_propbag_get_wstr(s->props, PROP_ID(PR_DISPLAY_NAME_W));
    hr = mc_setprops(&s->alloc, s->props, cValues, lpPropArray, check_set, This, lppProblems);
    if (FAILED(hr)) goto done;
    after = mc_propbag_get_wstr(s->props, PROP_ID(PR_DISPLAY_NAME_W));
    if (after && (!before || wcscmp(before, after)))
    {
        SPropValue v;
        HRESULT hr2 = td_db_set_display_name(s->db, after);

        v.ulPropTag = PR_DISPLAY_NAME_W;
        v.Value.lpszW = SUCCEEDED(hr2) ? after : before;   /* keep it Unicode; undo on failure */
        if (v.Value.lpszW) mc_propbag_set(s->props, &v);
        if (FAILED(hr2))
        {
            if (lppProblems && *lppProblems) { s->alloc.free_buffer(*lppProblems); *lppProblems = NULL; }
            hr = mc_last_error_set(&This->err, hr2, L"The store's display name could not be saved");
        }
    }
done:
    LeaveCriticalSection(&s->lock);
    mc_free(before);
    mc_free(after);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_DeleteProps(IMsgStore *iface,
        LPSPropTagArray lpPropTagArray, LPSPropProblemArray *lppProblems)
{
    msgstore *This = impl_from_IMsgStore(iface);
    td_store *s = This->state;
    HRESULT hr;

    MC_TRACE("store", "%p", iface);
    if (lppProblems) *lppProblems = NULL;
    if (!lpPropTagArray) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&s->lock);
    hr = mc_deleteprops(&s->alloc, s->props, lpPropTagArray, check_delete, This, lppProblems);
    LeaveCriticalSection(&s->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_CopyTo(IMsgStore *iface, ULONG ciidExclude,
        LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps, ULONG ulUIParam,
        LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
        LPSPropProblemArray *lppProblems)
{
    MC_FIXME("%p CopyTo", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_CopyProps(IMsgStore *iface,
        LPSPropTagArray lpIncludeProps, ULONG ulUIParam, LPMAPIPROGRESS lpProgress,
        LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    MC_FIXME("%p CopyProps", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_GetNamesFromIDs(IMsgStore *iface,
        LPSPropTagArray *lppPropTags, LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames,
        LPMAPINAMEID **lpppPropNames)
{
    msgstore *This = impl_from_IMsgStore(iface);
    MC_TRACE("store", "%p", iface);
    return td_store_get_names_from_ids(This->state, lppPropTags, lpPropSetGuid, ulFlags, lpcPropNames,
                                       lpppPropNames);
}

static HRESULT STDMETHODCALLTYPE msgstore_GetIDsFromNames(IMsgStore *iface, ULONG cPropNames,
        LPMAPINAMEID *lppPropNames, ULONG ulFlags, LPSPropTagArray *lppPropTags)
{
    msgstore *This = impl_from_IMsgStore(iface);
    MC_TRACE("store", "%p %lu", iface, (unsigned long)cPropNames);
    return td_store_get_ids_from_names(This->state, cPropNames, lppPropNames, ulFlags, lppPropTags);
}

/* ---- IMsgStore --------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE msgstore_Advise(IMsgStore *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
        ULONG *lpulConnection)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulEventMask);
    return td_store_advise(This->state, cbEntryID, lpEntryID, ulEventMask, lpAdviseSink,
                           lpulConnection);
}

static HRESULT STDMETHODCALLTYPE msgstore_Unadvise(IMsgStore *iface, ULONG ulConnection)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p %lu", iface, (unsigned long)ulConnection);
    return td_store_unadvise(This->state, ulConnection);
}

static HRESULT STDMETHODCALLTYPE msgstore_CompareEntryIDs(IMsgStore *iface, ULONG cbEntryID1,
        LPENTRYID lpEntryID1, ULONG cbEntryID2, LPENTRYID lpEntryID2, ULONG ulFlags,
        ULONG *lpulResult)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p", iface);
    return td_store_compare_entryids(This->state, cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2,
                                     ulFlags, lpulResult);
}

static HRESULT STDMETHODCALLTYPE msgstore_OpenEntry(IMsgStore *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
        LPUNKNOWN *lppUnk)
{
    msgstore *This = impl_from_IMsgStore(iface);
    const ENTRYID *eid = lpEntryID;
    td_eid dec;
    HRESULT hr;

    MC_TRACE("store", "%p cb %lu flags %#lx", iface, (unsigned long)cbEntryID, (unsigned long)ulFlags);
    memset(&dec, 0, sizeof(dec));
    if (!lpulObjType || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    if (!lpEntryID)   /* the root folder */
        return td_store_open_entry(This->state, 0, NULL, lpInterface, ulFlags, lpulObjType, lppUnk);
    if (FAILED(hr = td_store_resolve_eid(This->state, cbEntryID, eid, &dec))) goto done;
    if (dec.kind == TD_EID_STORE)
    {
        /* the store itself */
        hr = msgstore_QueryInterface(iface, lpInterface ? lpInterface : &IID_IMsgStore, (void **)lppUnk);
        if (FAILED(hr)) hr = MAPI_E_INTERFACE_NOT_SUPPORTED;
        else *lpulObjType = MAPI_STORE;
        goto done;
    }
    if (This->spooler && dec.kind == TD_EID_MESSAGE)
    {
        /* the spooler opens queued and locked messages read/write (DECISIONS 4) */
        if (lpInterface && !IsEqualGUID(lpInterface, &IID_IMessage) && !IsEqualGUID(lpInterface, &IID_IMAPIProp) &&
            !IsEqualGUID(lpInterface, &IID_IUnknown))
            hr = MAPI_E_INTERFACE_NOT_SUPPORTED;
        else if (ulFlags & ~(ULONG)(MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS | SHOW_SOFT_DELETES))
            hr = MAPI_E_UNKNOWN_FLAGS;
        else if (SUCCEEDED(hr = td_submit_open_for_spooler(This->state, dec.object_id, (IMessage **)lppUnk)))
            *lpulObjType = MAPI_MESSAGE;
        goto done;
    }
    hr = td_store_open_entry(This->state, cbEntryID, eid, lpInterface, ulFlags, lpulObjType, lppUnk);
done:
    td_eid_clear(&dec);
    return hr;
}

/* A message class argument as UTF-16 (internal memory); NULL stays "" (the default). */
static WCHAR *class_arg(LPTSTR cls, ULONG flags)
{
    if (!cls) return mc_wcsdup(L"");
    return (flags & MAPI_UNICODE) ? mc_wcsdup((WCHAR *)cls) : mc_a2w((char *)cls);
}

static HRESULT STDMETHODCALLTYPE msgstore_SetReceiveFolder(IMsgStore *iface,
        LPTSTR lpszMessageClass, ULONG ulFlags, ULONG cbEntryID, LPENTRYID lpEntryID)
{
    msgstore *This = impl_from_IMsgStore(iface);
    td_store *s = This->state;
    WCHAR *cls = NULL;
    td_eid dec;
    td_obj_info info;
    HRESULT hr;

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    memset(&dec, 0, sizeof(dec));
    if (ulFlags & ~(ULONG)MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (!s->writable) return MAPI_E_NO_ACCESS;
    if (!(cls = class_arg(lpszMessageClass, ulFlags))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!lpEntryID)
    {
        /* removing the default puts the Inbox back: the default always exists (§2.6) */
        hr = td_db_receive_set(s->db, cls, cls[0] ? 0 : s->special[TD_ROLE_INBOX]);
        goto done;
    }
    if (FAILED(hr = td_store_resolve_eid(s, cbEntryID, lpEntryID, &dec))) goto done;
    if (dec.kind != TD_EID_FOLDER) { hr = MAPI_E_INVALID_ENTRYID; goto done; }
    if (FAILED(hr = td_db_object_get(s->db, dec.object_id, &info))) goto done;
    if (info.type != MAPI_FOLDER) { hr = MAPI_E_NOT_FOUND; goto done; }
    hr = td_db_receive_set(s->db, cls, dec.object_id);
done:
    td_eid_clear(&dec);
    mc_free(cls);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_GetReceiveFolder(IMsgStore *iface,
        LPTSTR lpszMessageClass, ULONG ulFlags, ULONG *lpcbEntryID, LPENTRYID *lppEntryID,
        LPTSTR *lppszExplicitClass)
{
    msgstore *This = impl_from_IMsgStore(iface);
    td_store *s = This->state;
    WCHAR *cls = NULL, *matched = NULL;
    ENTRYID *eid = NULL, *out = NULL;
    ULONGLONG folder = 0;
    ULONG cb = 0;
    HRESULT hr;

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpcbEntryID || !lppEntryID) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (!(cls = class_arg(lpszMessageClass, ulFlags))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_store_receive_folder(s, cls, &folder, &matched))) goto done;
    if (FAILED(hr = td_store_object_eid(s, TD_EID_FOLDER, folder, &cb, &eid))) goto done;
    if (FAILED(hr = mc_alloc_more(&s->alloc, NULL, cb, (void **)&out))) goto done;
    memcpy(out, eid, cb);
    if (lppszExplicitClass)
    {
        /* a second root block (spi-digest §6) */
        void *root = NULL;
        if (ulFlags & MAPI_UNICODE)
        {
            ULONG len = (ULONG)(wcslen(matched) + 1) * sizeof(WCHAR);
            if (SUCCEEDED(hr = mc_alloc_more(&s->alloc, NULL, len, &root))) memcpy(root, matched, len);
        }
        else
        {
            char *a = mc_w2a(matched);
            if (!a) hr = MAPI_E_NOT_ENOUGH_MEMORY;
            else if (SUCCEEDED(hr = mc_alloc_more(&s->alloc, NULL, (ULONG)strlen(a) + 1, &root)))
                memcpy(root, a, strlen(a) + 1);
            mc_free(a);
        }
        if (FAILED(hr)) goto done;
        *lppszExplicitClass = root;
    }
    *lpcbEntryID = cb;
    *lppEntryID = out;
    out = NULL;
done:
    if (out) s->alloc.free_buffer(out);
    mc_free(eid);
    mc_free(cls);
    mc_free(matched);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_GetReceiveFolderTable(IMsgStore *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    static const SizedSPropTagArray(4, columns) = {4, {PR_INSTANCE_KEY, PR_ENTRYID, PR_MESSAGE_CLASS_W, PR_RECORD_KEY}};
    msgstore *This = impl_from_IMsgStore(iface);
    td_store *s = This->state;
    WCHAR **classes = NULL;
    ULONGLONG *folders = NULL;
    SPropValue *rows = NULL, **rowp = NULL;
    ENTRYID **eids = NULL;
    ULONG n = 0, i, *counts = NULL;
    HRESULT hr;

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lppTable) return MAPI_E_INVALID_PARAMETER;
    *lppTable = NULL;
    if (ulFlags & ~(ULONG)(MAPI_DEFERRED_ERRORS | MAPI_UNICODE)) return MAPI_E_UNKNOWN_FLAGS;
    if (FAILED(hr = td_db_receive_list(s->db, &n, &classes, &folders))) return hr;
    rows = mc_calloc((SIZE_T)n * 4 + 1, sizeof(*rows));
    rowp = mc_calloc(n + 1, sizeof(*rowp));
    counts = mc_calloc(n + 1, sizeof(*counts));
    eids = mc_calloc(n + 1, sizeof(*eids));
    if (!rows || !rowp || !counts || !eids) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < n; i++)
    {
        ULONG cb = 0;
        SPropValue *r = &rows[i * 4];
        if (FAILED(hr = td_store_object_eid(s, TD_EID_FOLDER, folders[i], &cb, &eids[i]))) goto done;
        r[0].ulPropTag = PR_ROWID;
        r[0].Value.l = (LONG)i;
        r[1].ulPropTag = PR_ENTRYID;
        r[1].Value.bin.cb = cb;
        r[1].Value.bin.lpb = (BYTE *)eids[i];
        r[2].ulPropTag = PR_RECORD_KEY;    /* the folder's record key (its entry ID bytes) */
        r[2].Value.bin.cb = cb;
        r[2].Value.bin.lpb = (BYTE *)eids[i];
        r[3].ulPropTag = PR_MESSAGE_CLASS_W;
        r[3].Value.lpszW = classes[i];
        rowp[i] = r;
        counts[i] = 4;
    }
    hr = td_table_strings(s, ulFlags, td_snapshot_table(s, PR_ROWID, (SPropTagArray *)&columns, n, counts, rowp,
                          lppTable), lppTable);
done:
    for (i = 0; i < n; i++) { mc_free(classes[i]); if (eids) mc_free(eids[i]); }
    mc_free(classes);
    mc_free(folders);
    mc_free(rows);
    mc_free(rowp);
    mc_free(counts);
    mc_free(eids);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_StoreLogoff(IMsgStore *iface, ULONG *lpulFlags)
{
    msgstore *This = impl_from_IMsgStore(iface);
    ULONG flags;
    HRESULT hr;

    MC_TRACE("store", "%p", iface);
    if (!lpulFlags) return MAPI_E_INVALID_PARAMETER;
    flags = *lpulFlags;
    hr = logoff_transports(This, &flags);
    if (SUCCEEDED(hr)) *lpulFlags = flags;
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_AbortSubmit(IMsgStore *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, ULONG ulFlags)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p", iface);
    if (!lpEntryID || !cbEntryID) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags) return MAPI_E_UNKNOWN_FLAGS;     /* reserved (imsgstore-abortsubmit.md) */
    return td_submit_abort(This->state, cbEntryID, lpEntryID);
}

/* The spooler-only methods: "the MAPI spooler is the only client that calls" them; a client
 * store answers MAPI_E_NO_SUPPORT (imsgstore-getoutgoingqueue.md, -setlockstate.md,
 * -finishedmsg.md, -notifynewmail.md). */
static HRESULT STDMETHODCALLTYPE msgstore_GetOutgoingQueue(IMsgStore *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    if (!lppTable) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags) return MAPI_E_UNKNOWN_FLAGS;     /* reserved */
    return td_submit_outgoing_queue(This->state, This->sup, lppTable);
}

static HRESULT STDMETHODCALLTYPE msgstore_SetLockState(IMsgStore *iface, LPMESSAGE lpMessage,
        ULONG ulLockState)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p %p %lu", iface, lpMessage, (unsigned long)ulLockState);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    return td_submit_set_lock(This->state, lpMessage, ulLockState);
}

static HRESULT STDMETHODCALLTYPE msgstore_FinishedMsg(IMsgStore *iface, ULONG ulFlags,
        ULONG cbEntryID, LPENTRYID lpEntryID)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    if (!lpEntryID || !cbEntryID) return MAPI_E_INVALID_PARAMETER;
    return td_submit_finished(This->state, This->sup, cbEntryID, lpEntryID);
}

static HRESULT STDMETHODCALLTYPE msgstore_NotifyNewMail(IMsgStore *iface,
        LPNOTIFICATION lpNotification)
{
    msgstore *This = impl_from_IMsgStore(iface);

    MC_TRACE("store", "%p", iface);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    if (!lpNotification) return MAPI_E_INVALID_PARAMETER;
    return td_submit_notify_new_mail(This->state, This->sup, lpNotification);
}

static const IMsgStoreVtbl msgstore_vtbl =
{
    msgstore_QueryInterface,
    msgstore_AddRef,
    msgstore_Release,
    msgstore_GetLastError,
    msgstore_SaveChanges,
    msgstore_GetProps,
    msgstore_GetPropList,
    msgstore_OpenProperty,
    msgstore_SetProps,
    msgstore_DeleteProps,
    msgstore_CopyTo,
    msgstore_CopyProps,
    msgstore_GetNamesFromIDs,
    msgstore_GetIDsFromNames,
    msgstore_Advise,
    msgstore_Unadvise,
    msgstore_CompareEntryIDs,
    msgstore_OpenEntry,
    msgstore_SetReceiveFolder,
    msgstore_GetReceiveFolder,
    msgstore_GetReceiveFolderTable,
    msgstore_StoreLogoff,
    msgstore_AbortSubmit,
    msgstore_GetOutgoingQueue,
    msgstore_SetLockState,
    msgstore_FinishedMsg,
    msgstore_NotifyNewMail,
};

/* ---- ITandemStore ------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE tandemstore_QueryInterface(ITandemStore *iface, REFIID riid, void **out)
{
    msgstore *This = impl_from_ITandemStore(iface);
    return msgstore_QueryInterface(&This->IMsgStore_iface, riid, out);
}

static ULONG STDMETHODCALLTYPE tandemstore_AddRef(ITandemStore *iface)
{
    msgstore *This = impl_from_ITandemStore(iface);
    return msgstore_AddRef(&This->IMsgStore_iface);
}

static ULONG STDMETHODCALLTYPE tandemstore_Release(ITandemStore *iface)
{
    msgstore *This = impl_from_ITandemStore(iface);
    return msgstore_Release(&This->IMsgStore_iface);
}

static HRESULT STDMETHODCALLTYPE tandemstore_GetDatabasePath(ITandemStore *iface, ULONG cch,
        WCHAR *path, ULONG *needed)
{
    msgstore *This = impl_from_ITandemStore(iface);
    const WCHAR *p = td_db_path(This->state->db);
    ULONG len = (ULONG)wcslen(p) + 1;

    MC_TRACE("store", "%p %lu", iface, (unsigned long)cch);
    if (!needed) return MAPI_E_INVALID_PARAMETER;
    *needed = len;
    if (!path || cch < len) return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(path, p, len * sizeof(WCHAR));
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE tandemstore_GetSchemaVersion(ITandemStore *iface, ULONG *version)
{
    msgstore *This = impl_from_ITandemStore(iface);

    MC_TRACE("store", "%p", iface);
    if (!version) return MAPI_E_INVALID_PARAMETER;
    *version = td_db_schema_version(This->state->db);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE tandemstore_CheckIntegrity(ITandemStore *iface, ULONG flags, ULONG *problems)
{
    msgstore *This = impl_from_ITandemStore(iface);

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)flags);
    if (!problems) return MAPI_E_INVALID_PARAMETER;
    if (flags) return MAPI_E_UNKNOWN_FLAGS;
    return td_db_check_integrity(This->state->db, problems);
}

static const ITandemStoreVtbl tandemstore_vtbl =
{
    tandemstore_QueryInterface,
    tandemstore_AddRef,
    tandemstore_Release,
    tandemstore_GetDatabasePath,
    tandemstore_GetSchemaVersion,
    tandemstore_CheckIntegrity,
};
