/*
 * mslogon.c - the message store logon object (IMSLogon), MAPI's handle on an open store.
 * Docs: imslogoniunknown.md, imslogon-*.md; spi-digest §4.2. Created and freed together with
 * the client's store object (imsprovider-logon.md); both share the td_store.
 */
#include "store.h"

typedef struct mslogon
{
    IMSLogon IMSLogon_iface;
    LONG ref;
    td_store *state;            /* AddRef'd */
    mc_last_error err;
} mslogon;

static const IMSLogonVtbl mslogon_vtbl;

static inline mslogon *impl_from_IMSLogon(IMSLogon *iface)
{
    return CONTAINING_RECORD(iface, mslogon, IMSLogon_iface);
}

HRESULT mslogon_create(td_store *s, IMSLogon **out)
{
    mslogon *This;

    if (!s || !out) return MAPI_E_INVALID_PARAMETER;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMSLogon_iface.lpVtbl = (IMSLogonVtbl *)&mslogon_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    td_store_addref(s);
    This->state = s;
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IMSLogon_iface;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE mslogon_QueryInterface(IMSLogon *iface, REFIID riid, void **out)
{
    MC_TRACE("store", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMSLogon))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE mslogon_AddRef(IMSLogon *iface)
{
    mslogon *This = impl_from_IMSLogon(iface);
    return InterlockedIncrement(&This->ref);
}

static ULONG STDMETHODCALLTYPE mslogon_Release(IMSLogon *iface)
{
    mslogon *This = impl_from_IMSLogon(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    MC_TRACE("store", "%p -> %lu", iface, (unsigned long)ref);
    if (!ref)
    {
        td_store_release(This->state);
        mc_last_error_destroy(&This->err);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE mslogon_GetLastError(IMSLogon *iface, HRESULT hResult,
        ULONG ulFlags, LPMAPIERROR *lppMAPIError)
{
    mslogon *This = impl_from_IMSLogon(iface);

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)hResult);
    if (!lppMAPIError) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_last_error_get(&This->err, &This->state->alloc, TD_COMPONENT, hResult, ulFlags,
                             lppMAPIError);
}

static HRESULT STDMETHODCALLTYPE mslogon_Logoff(IMSLogon *iface, ULONG *lpulFlags)
{
    mslogon *This = impl_from_IMSLogon(iface);

    MC_TRACE("store", "%p", iface);
    if (!lpulFlags) return MAPI_E_INVALID_PARAMETER;
    /* Nothing is open below the store yet (folders and messages come next); objects handed
     * to clients keep their own references and die with their last Release. */
    EnterCriticalSection(&This->state->lock);
    This->state->logged_off = TRUE;
    LeaveCriticalSection(&This->state->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE mslogon_OpenEntry(IMSLogon *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
        LPUNKNOWN *lppUnk)
{
    mslogon *This = impl_from_IMSLogon(iface);
    td_eid dec;
    HRESULT hr;

    MC_TRACE("store", "%p cb %lu flags %#lx", iface, (unsigned long)cbEntryID, (unsigned long)ulFlags);
    memset(&dec, 0, sizeof(dec));
    if (!lpulObjType || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    /* Bad IDs are refused, IDs of another Tandem store are not ours (MAPI_E_NOT_FOUND, so that
     * MAPI may try the next logon with our UID). */
    if (lpEntryID && FAILED(hr = td_store_resolve_eid(This->state, cbEntryID, lpEntryID, &dec)))
        goto done;
    if (lpEntryID && dec.kind == TD_EID_STORE) { hr = MAPI_E_NO_SUPPORT; goto done; }   /* MAPI opens stores itself */
    hr = td_store_open_entry(This->state, cbEntryID, lpEntryID, lpInterface, ulFlags, lpulObjType, lppUnk);
done:
    td_eid_clear(&dec);
    return hr;
}

static HRESULT STDMETHODCALLTYPE mslogon_CompareEntryIDs(IMSLogon *iface, ULONG cbEntryID1,
        LPENTRYID lpEntryID1, ULONG cbEntryID2, LPENTRYID lpEntryID2, ULONG ulFlags,
        ULONG *lpulResult)
{
    mslogon *This = impl_from_IMSLogon(iface);

    MC_TRACE("store", "%p", iface);
    return td_store_compare_entryids(This->state, cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2,
                                     ulFlags, lpulResult);
}

static HRESULT STDMETHODCALLTYPE mslogon_Advise(IMSLogon *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, ULONG ulEventMask, LPMAPIADVISESINK lpAdviseSink,
        ULONG *lpulConnection)
{
    mslogon *This = impl_from_IMSLogon(iface);

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulEventMask);
    return td_store_advise(This->state, cbEntryID, lpEntryID, ulEventMask, lpAdviseSink,
                           lpulConnection);
}

static HRESULT STDMETHODCALLTYPE mslogon_Unadvise(IMSLogon *iface, ULONG ulConnection)
{
    mslogon *This = impl_from_IMSLogon(iface);

    MC_TRACE("store", "%p %lu", iface, (unsigned long)ulConnection);
    return td_store_unadvise(This->state, ulConnection);
}

static HRESULT STDMETHODCALLTYPE mslogon_OpenStatusEntry(IMSLogon *iface, LPCIID lpInterface,
        ULONG ulFlags, ULONG *lpulObjType, LPVOID *lppEntry)
{
    mslogon *This = impl_from_IMSLogon(iface);
    IMAPIStatus *status = NULL;
    HRESULT hr;

    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpulObjType || !lppEntry) return MAPI_E_INVALID_PARAMETER;
    *lppEntry = NULL;
    if (ulFlags & ~MAPI_MODIFY) return MAPI_E_UNKNOWN_FLAGS;
    if (lpInterface && !IsEqualGUID(lpInterface, &IID_IMAPIStatus) &&
        !IsEqualGUID(lpInterface, &IID_IMAPIProp) && !IsEqualGUID(lpInterface, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    /* MAPI_MODIFY: the status object is read-only; imslogon-openstatusentry.md lets us
     * succeed read-only. */
    if (FAILED(hr = mapistatus_create(iface, This->state, &status))) return hr;
    *lpulObjType = MAPI_STATUS;
    *lppEntry = status;
    return S_OK;
}

static const IMSLogonVtbl mslogon_vtbl =
{
    mslogon_QueryInterface,
    mslogon_AddRef,
    mslogon_Release,
    mslogon_GetLastError,
    mslogon_Logoff,
    mslogon_OpenEntry,
    mslogon_CompareEntryIDs,
    mslogon_Advise,
    mslogon_Unadvise,
    mslogon_OpenStatusEntry,
};
