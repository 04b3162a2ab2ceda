/*
 * msgstore.c - the message store object (IMsgStore : IMAPIProp) and ITandemStore on it.
 * Docs: imsgstoreimapiprop.md and imsgstore-*.md; store properties per spi-digest §4.4.
 * The store is nontransacted: SetProps applies at once (PR_DISPLAY_NAME is written to the
 * database). Two flavours share this code: the client's store (from Logon) and the spooler's
 * (from SpoolerLogon, DECISIONS 4); the spooler-only methods refuse a client store with
 * MAPI_E_NO_SUPPORT as their pages say.
 */
#include "store.h"

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
    MC_FIXME("%p GetNamesFromIDs: named properties come with the object model", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_GetIDsFromNames(IMsgStore *iface, ULONG cPropNames,
        LPMAPINAMEID *lppPropNames, ULONG ulFlags, LPSPropTagArray *lppPropTags)
{
    MC_FIXME("%p GetIDsFromNames: named properties come with the object model", iface);
    return MAPI_E_NO_SUPPORT;
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
    if (!lpEntryID)
    {
        MC_FIXME("%p OpenEntry(root folder): folders come with the object model", iface);
        return MAPI_E_NO_SUPPORT;
    }
    if (FAILED(hr = td_store_resolve_eid(This->state, cbEntryID, eid, &dec))) goto done;
    if (dec.kind == TD_EID_STORE)
    {
        /* the store itself */
        hr = msgstore_QueryInterface(iface, lpInterface ? lpInterface : &IID_IMsgStore, (void **)lppUnk);
        if (FAILED(hr)) hr = MAPI_E_INTERFACE_NOT_SUPPORTED;
        else *lpulObjType = MAPI_STORE;
        goto done;
    }
    MC_FIXME("%p OpenEntry kind %u: folders and messages come with the object model", iface, dec.kind);
    hr = MAPI_E_NO_SUPPORT;
done:
    td_eid_clear(&dec);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msgstore_SetReceiveFolder(IMsgStore *iface,
        LPTSTR lpszMessageClass, ULONG ulFlags, ULONG cbEntryID, LPENTRYID lpEntryID)
{
    MC_FIXME("%p SetReceiveFolder", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_GetReceiveFolder(IMsgStore *iface,
        LPTSTR lpszMessageClass, ULONG ulFlags, ULONG *lpcbEntryID, LPENTRYID *lppEntryID,
        LPTSTR *lppszExplicitClass)
{
    MC_FIXME("%p GetReceiveFolder", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_GetReceiveFolderTable(IMsgStore *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    MC_FIXME("%p GetReceiveFolderTable", iface);
    return MAPI_E_NO_SUPPORT;
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
    MC_FIXME("%p AbortSubmit", iface);
    return MAPI_E_NO_SUPPORT;
}

/* The spooler-only methods: "the MAPI spooler is the only client that calls" them; a client
 * store answers MAPI_E_NO_SUPPORT (imsgstore-getoutgoingqueue.md, -setlockstate.md,
 * -finishedmsg.md, -notifynewmail.md). */
static HRESULT STDMETHODCALLTYPE msgstore_GetOutgoingQueue(IMsgStore *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    msgstore *This = impl_from_IMsgStore(iface);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    MC_FIXME("%p GetOutgoingQueue", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_SetLockState(IMsgStore *iface, LPMESSAGE lpMessage,
        ULONG ulLockState)
{
    msgstore *This = impl_from_IMsgStore(iface);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    MC_FIXME("%p SetLockState", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_FinishedMsg(IMsgStore *iface, ULONG ulFlags,
        ULONG cbEntryID, LPENTRYID lpEntryID)
{
    msgstore *This = impl_from_IMsgStore(iface);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    MC_FIXME("%p FinishedMsg", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE msgstore_NotifyNewMail(IMsgStore *iface,
        LPNOTIFICATION lpNotification)
{
    msgstore *This = impl_from_IMsgStore(iface);
    if (!This->spooler) return MAPI_E_NO_SUPPORT;
    MC_FIXME("%p NotifyNewMail", iface);
    return MAPI_E_NO_SUPPORT;
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

static const ITandemStoreVtbl tandemstore_vtbl =
{
    tandemstore_QueryInterface,
    tandemstore_AddRef,
    tandemstore_Release,
    tandemstore_GetDatabasePath,
    tandemstore_GetSchemaVersion,
};
