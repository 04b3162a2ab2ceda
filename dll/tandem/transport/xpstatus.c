/*
 * xpstatus.c - the transport's status object (IMAPIStatus : IMAPIProp), from
 * IXPLogon::OpenStatusEntry. Docs: ixplogon-openstatusentry.md, imapistatusimapiprop.md,
 * imapistatus-validatestate.md, imapistatus-flushqueues.md, status-object-implementation.md;
 * spi-digest §3.8, §3.10, §4.11. Read-only; its properties are the logon's status row as it is
 * at each GetProps. SettingsDialog and ChangePassword are MAPI_E_NO_SUPPORT (no UI, no
 * password: PR_RESOURCE_METHODS says so).
 */
#include "xp.h"

typedef struct xpstatus
{
    IMAPIStatus IMAPIStatus_iface;
    LONG ref;
    IXPLogon *logon;            /* AddRef'd: the parent */
    mc_alloc alloc;
    mc_last_error err;
} xpstatus;

static const IMAPIStatusVtbl xpstatus_vtbl;

static inline xpstatus *impl_from_IMAPIStatus(IMAPIStatus *iface)
{
    return CONTAINING_RECORD(iface, xpstatus, IMAPIStatus_iface);
}

HRESULT td_xpstatus_create(IXPLogon *logon, const mc_alloc *alloc, IMAPIStatus **out)
{
    xpstatus *This;

    if (!logon || !alloc || !out) return MAPI_E_INVALID_PARAMETER;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPIStatus_iface.lpVtbl = (IMAPIStatusVtbl *)&xpstatus_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    This->alloc = *alloc;
    mc_last_error_init(&This->err);
    logon->lpVtbl->AddRef(logon);
    This->logon = logon;
    mc_object_created();
    *out = &This->IMAPIStatus_iface;
    return S_OK;
}

/* The row now, plus PR_OBJECT_TYPE, as a bag (internal memory). */
static HRESULT snapshot(xpstatus *This, mc_propbag **out)
{
    SPropValue *v = NULL, type, res;
    mc_propbag *b;
    ULONG n = 0, i;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = td_xplogon_status_props(td_xplogon_from_iface(This->logon), mc_heap_alloc(), &n, &v))) return hr;
    if (!(b = mc_propbag_new())) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < n && SUCCEEDED(hr); i++) hr = mc_propbag_set(b, &v[i]);
    type.ulPropTag = PR_OBJECT_TYPE;
    type.Value.l = MAPI_STATUS;
    if (SUCCEEDED(hr)) hr = mc_propbag_set(b, &type);
    /* required on every status object (spi-digest §4.11) */
    res.ulPropTag = PR_RESOURCE_TYPE;
    res.Value.l = MAPI_TRANSPORT_PROVIDER;
    if (SUCCEEDED(hr)) hr = mc_propbag_set(b, &res);
    if (v) mc_heap_alloc()->free_buffer(v);
    if (FAILED(hr)) { mc_propbag_free(b); return hr; }
    *out = b;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE xpstatus_QueryInterface(IMAPIStatus *iface, REFIID riid, void **out)
{
    MC_TRACE("transport", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPIProp) || IsEqualGUID(riid, &IID_IMAPIStatus))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE xpstatus_AddRef(IMAPIStatus *iface)
{
    return InterlockedIncrement(&impl_from_IMAPIStatus(iface)->ref);
}

static ULONG STDMETHODCALLTYPE xpstatus_Release(IMAPIStatus *iface)
{
    xpstatus *This = impl_from_IMAPIStatus(iface);
    ULONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        This->logon->lpVtbl->Release(This->logon);
        mc_last_error_destroy(&This->err);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE xpstatus_GetLastError(IMAPIStatus *iface, HRESULT hResult, ULONG ulFlags,
        LPMAPIERROR *lppMAPIError)
{
    xpstatus *This = impl_from_IMAPIStatus(iface);
    if (!lppMAPIError) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_last_error_get(&This->err, &This->alloc, TD_COMPONENT, hResult, ulFlags, lppMAPIError);
}

static HRESULT STDMETHODCALLTYPE xpstatus_SaveChanges(IMAPIStatus *iface, ULONG ulFlags)
{
    return S_OK;    /* nontransacted and read-only */
}

static HRESULT STDMETHODCALLTYPE xpstatus_GetProps(IMAPIStatus *iface, LPSPropTagArray lpPropTagArray, ULONG ulFlags,
        ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    xpstatus *This = impl_from_IMAPIStatus(iface);
    mc_propbag *b;
    HRESULT hr;

    MC_TRACE("transport", "%p", iface);
    if (!lpcValues || !lppPropArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (FAILED(hr = snapshot(This, &b))) return hr;
    hr = mc_getprops(&This->alloc, b, NULL, 0, lpPropTagArray, ulFlags, NULL, lpcValues, lppPropArray);
    mc_propbag_free(b);
    return hr;
}

static HRESULT STDMETHODCALLTYPE xpstatus_GetPropList(IMAPIStatus *iface, ULONG ulFlags, LPSPropTagArray *lppPropTagArray)
{
    xpstatus *This = impl_from_IMAPIStatus(iface);
    mc_propbag *b;
    HRESULT hr;

    if (!lppPropTagArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (FAILED(hr = snapshot(This, &b))) return hr;
    hr = mc_getproplist(&This->alloc, b, NULL, 0, NULL, ulFlags, NULL, lppPropTagArray);
    mc_propbag_free(b);
    return hr;
}

static HRESULT STDMETHODCALLTYPE xpstatus_OpenProperty(IMAPIStatus *iface, ULONG ulPropTag, LPCIID lpiid,
        ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    if (!lpiid || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    return MAPI_E_NO_SUPPORT;   /* no object properties on a status object */
}

static HRESULT STDMETHODCALLTYPE xpstatus_SetProps(IMAPIStatus *iface, ULONG cValues, LPSPropValue lpPropArray,
        LPSPropProblemArray *lppProblems)
{
    if (lppProblems) *lppProblems = NULL;
    return MAPI_E_NO_ACCESS;    /* read-only (status-object-implementation.md) */
}

static HRESULT STDMETHODCALLTYPE xpstatus_DeleteProps(IMAPIStatus *iface, LPSPropTagArray lpPropTagArray,
        LPSPropProblemArray *lppProblems)
{
    if (lppProblems) *lppProblems = NULL;
    return MAPI_E_NO_ACCESS;
}

static HRESULT STDMETHODCALLTYPE xpstatus_CopyTo(IMAPIStatus *iface, ULONG ciidExclude, LPCIID rgiidExclude,
        LPSPropTagArray lpExcludeProps, ULONG ulUIParam, LPMAPIPROGRESS lpProgress, LPCIID lpInterface,
        LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE xpstatus_CopyProps(IMAPIStatus *iface, LPSPropTagArray lpIncludeProps,
        ULONG ulUIParam, LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
        LPSPropProblemArray *lppProblems)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE xpstatus_GetNamesFromIDs(IMAPIStatus *iface, LPSPropTagArray *lppPropTags,
        LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames, LPMAPINAMEID **lpppPropNames)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE xpstatus_GetIDsFromNames(IMAPIStatus *iface, ULONG cPropNames,
        LPMAPINAMEID *lppPropNames, ULONG ulFlags, LPSPropTagArray *lppPropTags)
{
    return MAPI_E_NO_SUPPORT;
}

#define VALIDATE_STATE_FLAGS (SUPPRESS_UI | REFRESH_XP_HEADER_CACHE | PROCESS_XP_HEADER_CACHE | \
                              FORCE_XP_CONNECT | FORCE_XP_DISCONNECT | CONFIG_CHANGED | \
                              ABORT_XP_HEADER_OPERATION | SHOW_XP_SESSION_UI)

static HRESULT STDMETHODCALLTYPE xpstatus_ValidateState(IMAPIStatus *iface, ULONG ulUIParam, ULONG ulFlags)
{
    xpstatus *This = impl_from_IMAPIStatus(iface);
    MC_TRACE("transport", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~VALIDATE_STATE_FLAGS) return MAPI_E_UNKNOWN_FLAGS;
    return td_xplogon_validate_state(td_xplogon_from_iface(This->logon), ulFlags);
}

static HRESULT STDMETHODCALLTYPE xpstatus_SettingsDialog(IMAPIStatus *iface, ULONG ulUIParam, ULONG ulFlags)
{
    return MAPI_E_NO_SUPPORT;   /* no UI; STATUS_SETTINGS_DIALOG is clear in PR_RESOURCE_METHODS */
}

static HRESULT STDMETHODCALLTYPE xpstatus_ChangePassword(IMAPIStatus *iface, LPTSTR lpOldPass, LPTSTR lpNewPass,
        ULONG ulFlags)
{
    return MAPI_E_NO_SUPPORT;   /* the drop directory has no password */
}

static HRESULT STDMETHODCALLTYPE xpstatus_FlushQueues(IMAPIStatus *iface, ULONG ulUIParam, ULONG cbTargetTransport,
        LPENTRYID lpTargetTransport, ULONG ulFlags)
{
    xpstatus *This = impl_from_IMAPIStatus(iface);
    MC_TRACE("transport", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(FLUSH_UPLOAD | FLUSH_DOWNLOAD | FLUSH_FORCE | FLUSH_NO_UI | FLUSH_ASYNC_OK))
        return MAPI_E_UNKNOWN_FLAGS;
    /* returns when the flush is done unless FLUSH_ASYNC_OK (imapistatus-flushqueues.md) */
    return td_xplogon_flush(td_xplogon_from_iface(This->logon), ulFlags, !(ulFlags & FLUSH_ASYNC_OK));
}

static const IMAPIStatusVtbl xpstatus_vtbl =
{
    xpstatus_QueryInterface,
    xpstatus_AddRef,
    xpstatus_Release,
    xpstatus_GetLastError,
    xpstatus_SaveChanges,
    xpstatus_GetProps,
    xpstatus_GetPropList,
    xpstatus_OpenProperty,
    xpstatus_SetProps,
    xpstatus_DeleteProps,
    xpstatus_CopyTo,
    xpstatus_CopyProps,
    xpstatus_GetNamesFromIDs,
    xpstatus_GetIDsFromNames,
    xpstatus_ValidateState,
    xpstatus_SettingsDialog,
    xpstatus_ChangePassword,
    xpstatus_FlushQueues,
};
