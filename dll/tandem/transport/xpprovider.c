/*
 * xpprovider.c - the transport provider object (IXPProvider) and XPProviderInit.
 * Docs: xpproviderinit.md, ixpprovideriunknown.md, ixpprovider-transportlogon.md,
 * ixpprovider-shutdown.md; spi-digest §3.1/3.3. One provider object serves any number of
 * logons (xplogon.c); each logon holds a reference on it.
 */
#include "xp.h"

typedef struct xpprovider
{
    IXPProvider IXPProvider_iface;
    LONG ref;
    CRITICAL_SECTION lock;
    mc_alloc alloc;
    BOOL shut_down;             /* (lock) */
} xpprovider;

static const IXPProviderVtbl xpprovider_vtbl;

static inline xpprovider *impl_from_IXPProvider(IXPProvider *iface)
{
    return CONTAINING_RECORD(iface, xpprovider, IXPProvider_iface);
}

static HRESULT STDMETHODCALLTYPE xpprovider_QueryInterface(IXPProvider *iface, REFIID riid, void **out)
{
    MC_TRACE("transport", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IXPProvider))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE xpprovider_AddRef(IXPProvider *iface)
{
    xpprovider *This = impl_from_IXPProvider(iface);
    return InterlockedIncrement(&This->ref);
}

static ULONG STDMETHODCALLTYPE xpprovider_Release(IXPProvider *iface)
{
    xpprovider *This = impl_from_IXPProvider(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    if (!ref)
    {
        DeleteCriticalSection(&This->lock);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE xpprovider_Shutdown(IXPProvider *iface, ULONG *lpulFlags)
{
    xpprovider *This = impl_from_IXPProvider(iface);

    MC_TRACE("transport", "%p", iface);
    if (!lpulFlags) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    This->shut_down = TRUE;
    LeaveCriticalSection(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE xpprovider_TransportLogon(IXPProvider *iface, LPMAPISUP lpMAPISup,
        ULONG ulUIParam, LPTSTR lpszProfileName, ULONG *lpulFlags, LPMAPIERROR *lppMAPIError,
        LPXPLOGON *lppXPLogon)
{
    xpprovider *This = impl_from_IXPProvider(iface);
    WCHAR *profile = NULL, *why = NULL;
    ULONG in_flags;
    HRESULT hr;

    MC_TRACE("transport", "%p sup %p", iface, lpMAPISup);
    if (lppMAPIError) *lppMAPIError = NULL;
    if (!lpMAPISup || !lpulFlags || !lppXPLogon) return MAPI_E_INVALID_PARAMETER;
    *lppXPLogon = NULL;
    in_flags = *lpulFlags;
    EnterCriticalSection(&This->lock);
    hr = This->shut_down ? MAPI_E_CALL_FAILED : S_OK;
    LeaveCriticalSection(&This->lock);
    if (FAILED(hr)) return hr;
    if (lpszProfileName)
        profile = (in_flags & MAPI_UNICODE) ? mc_wcsdup((const WCHAR *)lpszProfileName)
                                             : mc_a2w((const char *)lpszProfileName);
    hr = td_xplogon_create(iface, &This->alloc, lpMAPISup, profile, lpulFlags, lppXPLogon, &why);
    mc_free(profile);
    if (FAILED(hr))
    {
        *lpulFlags = in_flags;
        /* MAPI_E_FAILONEPROVIDER, not the cause: for most other errors MAPI disables the whole
         * service, store included, for the session (ixpprovider-transportlogon.md) */
        if (hr != MAPI_E_UNCONFIGURED && hr != MAPI_E_USER_CANCEL) hr = MAPI_E_FAILONEPROVIDER;
        if (lppMAPIError)
            mc_make_mapierror(&This->alloc, in_flags & MAPI_UNICODE, TD_COMPONENT,
                              why ? why : L"The Tandem transport could not log on", 0, lppMAPIError);
    }
    mc_free(why);
    return hr;
}

static const IXPProviderVtbl xpprovider_vtbl =
{
    xpprovider_QueryInterface,
    xpprovider_AddRef,
    xpprovider_Release,
    xpprovider_Shutdown,
    xpprovider_TransportLogon,
};

HRESULT __cdecl XPProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
        LPALLOCATEBUFFER lpAllocateBuffer, LPALLOCATEMORE lpAllocateMore,
        LPFREEBUFFER lpFreeBuffer, ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
        LPXPPROVIDER *lppXPProvider)
{
    xpprovider *This;

    MC_TRACE("transport", "flags %#lx ver %#lx", (unsigned long)ulFlags, (unsigned long)ulMAPIVer);
    if (!lpulProviderVer || !lppXPProvider) return MAPI_E_INVALID_PARAMETER;
    *lppXPProvider = NULL;
    *lpulProviderVer = CURRENT_SPI_VERSION;
    if (ulMAPIVer < CURRENT_SPI_VERSION) return MAPI_E_VERSION;
    if (!lpAllocateBuffer || !lpAllocateMore || !lpFreeBuffer) return MAPI_E_INVALID_PARAMETER;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IXPProvider_iface.lpVtbl = (IXPProviderVtbl *)&xpprovider_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    InitializeCriticalSection(&This->lock);
    This->alloc.allocate_buffer = lpAllocateBuffer;
    This->alloc.allocate_more = lpAllocateMore;
    This->alloc.free_buffer = lpFreeBuffer;
    mc_object_created();
    *lppXPProvider = &This->IXPProvider_iface;
    return S_OK;
}
