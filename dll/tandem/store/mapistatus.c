/*
 * mapistatus.c - the store's status object (IMAPIStatus : IMAPIProp), from
 * IMSLogon::OpenStatusEntry. Docs: imapistatusimapiprop.md, imapistatus-validatestate.md,
 * status-object-implementation.md; spi-digest §4.11. Read-only: its properties are a snapshot
 * of the store's status row taken when it is opened.
 */
#include "store.h"

typedef struct mapistatus
{
    IMAPIStatus IMAPIStatus_iface;
    LONG ref;
    IMSLogon *logon;            /* AddRef'd: the parent */
    mc_alloc alloc;
    mc_propbag *props;          /* immutable after creation: no lock needed */
    mc_last_error err;
} mapistatus;

static const IMAPIStatusVtbl mapistatus_vtbl;

static inline mapistatus *impl_from_IMAPIStatus(IMAPIStatus *iface)
{
    return CONTAINING_RECORD(iface, mapistatus, IMAPIStatus_iface);
}

static void mapistatus_destroy(mapistatus *This)
{
    if (This->props) mc_propbag_free(This->props);
    if (This->logon) This->logon->lpVtbl->Release(This->logon);
    mc_last_error_destroy(&This->err);
    mc_free(This);
    mc_object_destroyed();
}

HRESULT mapistatus_create(IMSLogon *logon, td_store *s, IMAPIStatus **out)
{
    SPropValue vals[TD_STORE_MAX_STATUS_PROPS + 1];
    mapistatus *This;
    WCHAR *name;
    HRESULT hr = S_OK;
    ULONG n, i;

    if (!logon || !s || !out) return MAPI_E_INVALID_PARAMETER;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPIStatus_iface.lpVtbl = (IMAPIStatusVtbl *)&mapistatus_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    This->alloc = s->alloc;
    mc_last_error_init(&This->err);
    logon->lpVtbl->AddRef(logon);
    This->logon = logon;
    mc_object_created();

    name = td_store_display_name(s);
    n = td_store_status_props(s, name, vals, TD_STORE_MAX_STATUS_PROPS);
    vals[n].ulPropTag = PR_OBJECT_TYPE;
    vals[n++].Value.l = MAPI_STATUS;
    if (!(This->props = mc_propbag_new())) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < n && SUCCEEDED(hr); i++) hr = mc_propbag_set(This->props, &vals[i]);
    mc_free(name);
    if (FAILED(hr))
    {
        mapistatus_destroy(This);
        return hr;
    }
    *out = &This->IMAPIStatus_iface;
    return S_OK;
}

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE mapistatus_QueryInterface(IMAPIStatus *iface, REFIID riid, void **out)
{
    MC_TRACE("store", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPIProp) ||
        IsEqualGUID(riid, &IID_IMAPIStatus))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE mapistatus_AddRef(IMAPIStatus *iface)
{
    mapistatus *This = impl_from_IMAPIStatus(iface);
    return InterlockedIncrement(&This->ref);
}

static ULONG STDMETHODCALLTYPE mapistatus_Release(IMAPIStatus *iface)
{
    mapistatus *This = impl_from_IMAPIStatus(iface);
    ULONG ref = InterlockedDecrement(&This->ref);
    if (!ref) mapistatus_destroy(This);
    return ref;
}

/* ---- IMAPIProp (read-only) --------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE mapistatus_GetLastError(IMAPIStatus *iface, HRESULT hResult,
        ULONG ulFlags, LPMAPIERROR *lppMAPIError)
{
    mapistatus *This = impl_from_IMAPIStatus(iface);

    if (!lppMAPIError) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_last_error_get(&This->err, &This->alloc, TD_COMPONENT, hResult, ulFlags, lppMAPIError);
}

static HRESULT STDMETHODCALLTYPE mapistatus_SaveChanges(IMAPIStatus *iface, ULONG ulFlags)
{
    return S_OK;   /* nontransacted and read-only: nothing to save */
}

static HRESULT STDMETHODCALLTYPE mapistatus_GetProps(IMAPIStatus *iface,
        LPSPropTagArray lpPropTagArray, ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    mapistatus *This = impl_from_IMAPIStatus(iface);

    MC_TRACE("store", "%p", iface);
    if (!lpcValues || !lppPropArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_getprops(&This->alloc, This->props, NULL, 0, lpPropTagArray, ulFlags, NULL,
                       lpcValues, lppPropArray);
}

static HRESULT STDMETHODCALLTYPE mapistatus_GetPropList(IMAPIStatus *iface, ULONG ulFlags,
        LPSPropTagArray *lppPropTagArray)
{
    mapistatus *This = impl_from_IMAPIStatus(iface);

    if (!lppPropTagArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_getproplist(&This->alloc, This->props, NULL, 0, NULL, ulFlags, NULL, lppPropTagArray);
}

static HRESULT STDMETHODCALLTYPE mapistatus_OpenProperty(IMAPIStatus *iface, ULONG ulPropTag,
        LPCIID lpiid, ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    if (!lpiid || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    return MAPI_E_NO_SUPPORT;   /* no object properties on a status object */
}

static HRESULT STDMETHODCALLTYPE mapistatus_SetProps(IMAPIStatus *iface, ULONG cValues,
        LPSPropValue lpPropArray, LPSPropProblemArray *lppProblems)
{
    if (lppProblems) *lppProblems = NULL;
    return MAPI_E_NO_ACCESS;    /* read-only (status-object-implementation.md) */
}

static HRESULT STDMETHODCALLTYPE mapistatus_DeleteProps(IMAPIStatus *iface,
        LPSPropTagArray lpPropTagArray, LPSPropProblemArray *lppProblems)
{
    if (lppProblems) *lppProblems = NULL;
    return MAPI_E_NO_ACCESS;
}

static HRESULT STDMETHODCALLTYPE mapistatus_CopyTo(IMAPIStatus *iface, ULONG ciidExclude,
        LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps, ULONG ulUIParam,
        LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
        LPSPropProblemArray *lppProblems)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE mapistatus_CopyProps(IMAPIStatus *iface,
        LPSPropTagArray lpIncludeProps, ULONG ulUIParam, LPMAPIPROGRESS lpProgress,
        LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE mapistatus_GetNamesFromIDs(IMAPIStatus *iface,
        LPSPropTagArray *lppPropTags, LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames,
        LPMAPINAMEID **lpppPropNames)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE mapistatus_GetIDsFromNames(IMAPIStatus *iface, ULONG cPropNames,
        LPMAPINAMEID *lppPropNames, ULONG ulFlags, LPSPropTagArray *lppPropTags)
{
    return MAPI_E_NO_SUPPORT;
}

/* ---- IMAPIStatus ------------------------------------------------------------------------- */

#define VALIDATE_STATE_FLAGS (SUPPRESS_UI | REFRESH_XP_HEADER_CACHE | PROCESS_XP_HEADER_CACHE | \
                              FORCE_XP_CONNECT | FORCE_XP_DISCONNECT | CONFIG_CHANGED | \
                              ABORT_XP_HEADER_OPERATION | SHOW_XP_SESSION_UI)

static HRESULT STDMETHODCALLTYPE mapistatus_ValidateState(IMAPIStatus *iface, ULONG ulUIParam,
        ULONG ulFlags)
{
    MC_TRACE("store", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~VALIDATE_STATE_FLAGS) return MAPI_E_UNKNOWN_FLAGS;
    /* The store's state is its open database; the transport flags do not apply to a store. */
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE mapistatus_SettingsDialog(IMAPIStatus *iface, ULONG ulUIParam,
        ULONG ulFlags)
{
    return MAPI_E_NO_SUPPORT;   /* no UI; STATUS_SETTINGS_DIALOG is clear in PR_RESOURCE_METHODS */
}

static HRESULT STDMETHODCALLTYPE mapistatus_ChangePassword(IMAPIStatus *iface, LPTSTR lpOldPass,
        LPTSTR lpNewPass, ULONG ulFlags)
{
    return MAPI_E_NO_SUPPORT;   /* the store has no password */
}

static HRESULT STDMETHODCALLTYPE mapistatus_FlushQueues(IMAPIStatus *iface, ULONG ulUIParam,
        ULONG cbTargetTransport, LPENTRYID lpTargetTransport, ULONG ulFlags)
{
    return MAPI_E_NO_SUPPORT;   /* a transport method */
}

static const IMAPIStatusVtbl mapistatus_vtbl =
{
    mapistatus_QueryInterface,
    mapistatus_AddRef,
    mapistatus_Release,
    mapistatus_GetLastError,
    mapistatus_SaveChanges,
    mapistatus_GetProps,
    mapistatus_GetPropList,
    mapistatus_OpenProperty,
    mapistatus_SetProps,
    mapistatus_DeleteProps,
    mapistatus_CopyTo,
    mapistatus_CopyProps,
    mapistatus_GetNamesFromIDs,
    mapistatus_GetIDsFromNames,
    mapistatus_ValidateState,
    mapistatus_SettingsDialog,
    mapistatus_ChangePassword,
    mapistatus_FlushQueues,
};
