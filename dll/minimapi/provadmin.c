/*
 * provadmin.c - IProviderAdmin, the provider administration object of one message service
 * (iprovideradminiunknown.md, iprovideradmin-*.md; spi-digest §5.2). Handed to the service's
 * entry point by minimapi (no parent) or obtained by a client through
 * IMsgServiceAdmin::AdminProviders (holds a reference on that parent).
 */
#include "minimapi_private.h"

typedef struct provadmin
{
    IProviderAdmin IProviderAdmin_iface;
    LONG ref;
    WCHAR *profile;
    MAPIUID service;
    IUnknown *parent;       /* NULL: given to the service's own entry point */
    mc_last_error err;
} provadmin;

static inline provadmin *impl_from_IProviderAdmin(IProviderAdmin *iface)
{
    return CONTAINING_RECORD(iface, provadmin, IProviderAdmin_iface);
}

/* Is `uid` a provider section of this service? */
static BOOL own_provider(provadmin *This, const MAPIUID *uid)
{
    mc_propbag *b;
    MAPIUID svc;
    BOOL result = FALSE;
    if (FAILED(mm_section_load(This->profile, uid, &b))) return FALSE;
    if (mm_bag_is_provider(b, uid) && mm_bag_uid(b, PR_SERVICE_UID, &svc))
        result = !memcmp(&svc, &This->service, sizeof(svc));
    mc_propbag_free(b);
    return result;
}

static HRESULT STDMETHODCALLTYPE provadmin_QueryInterface(IProviderAdmin *iface, REFIID iid,
                                                          void **out)
{
    provadmin *This = impl_from_IProviderAdmin(iface);

    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IProviderAdmin))
    {
        *out = &This->IProviderAdmin_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE provadmin_AddRef(IProviderAdmin *iface)
{
    return InterlockedIncrement(&impl_from_IProviderAdmin(iface)->ref);
}

static ULONG STDMETHODCALLTYPE provadmin_Release(IProviderAdmin *iface)
{
    provadmin *This = impl_from_IProviderAdmin(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        if (This->parent) This->parent->lpVtbl->Release(This->parent);
        mc_last_error_destroy(&This->err);
        mc_free(This->profile);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE provadmin_GetLastError(IProviderAdmin *iface, HRESULT hr,
                                                        ULONG flags, LPMAPIERROR *out)
{
    provadmin *This = impl_from_IProviderAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx, %#lx)\n", This, hr, flags);
    return mc_last_error_get(&This->err, &mm_alloc, MM_COMPONENT, hr, flags, out);
}

static HRESULT STDMETHODCALLTYPE provadmin_GetProviderTable(IProviderAdmin *iface, ULONG flags,
                                                            LPMAPITABLE *out)
{
    provadmin *This = impl_from_IProviderAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    return mm_provider_table(This->profile, &This->service, flags, out);
}

static HRESULT STDMETHODCALLTYPE provadmin_CreateProvider(IProviderAdmin *iface, LPTSTR name_in,
                                                          ULONG n, LPSPropValue props, ULONG ui,
                                                          ULONG flags, MAPIUID *uid)
{
    provadmin *This = impl_from_IProviderAdmin(iface);
    WCHAR *name;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %lu, %#lx)\n", This, name_in, n, flags);
    if (!name_in || !uid || (n && !props)) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(MAPI_DIALOG | MAPI_UNICODE)) return MAPI_E_UNKNOWN_FLAGS;
    if (!(name = mm_str_in(name_in, (flags & MAPI_UNICODE) != 0))) return MAPI_E_NOT_ENOUGH_MEMORY;
    hr = mm_service_add_provider(This->profile, &This->service, name, n, props, uid, &This->err);
    mc_free(name);
    return hr;
}

static HRESULT STDMETHODCALLTYPE provadmin_DeleteProvider(IProviderAdmin *iface, LPMAPIUID uid)
{
    provadmin *This = impl_from_IProviderAdmin(iface);

    MC_TRACE(MM_CH, "(%p, %p)\n", This, uid);
    if (!uid) return MAPI_E_INVALID_PARAMETER;
    if (!own_provider(This, uid))
        return mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"no provider with that MAPIUID in this service");
    return mm_section_delete(This->profile, uid);
}

static HRESULT STDMETHODCALLTYPE provadmin_OpenProfileSection(IProviderAdmin *iface, LPMAPIUID uid,
                                                              LPCIID iid, ULONG flags,
                                                              LPPROFSECT *out)
{
    provadmin *This = impl_from_IProviderAdmin(iface);

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, uid, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!uid)
    {
        /* NULL is for the service's entry point only: its own service section. */
        if (This->parent) return MAPI_E_INVALID_PARAMETER;
        uid = &This->service;
    }
    /* The service's entry point configures its own providers; a client is a client. */
    return mm_profsect_open_for(This->parent ? MM_SECTION_ADMIN : MM_SECTION_PROVIDER,
                                This->profile, uid, iid, flags, (IUnknown *)iface, &This->err, out);
}

static const IProviderAdminVtbl provadmin_vtbl =
{
    provadmin_QueryInterface,
    provadmin_AddRef,
    provadmin_Release,
    provadmin_GetLastError,
    provadmin_GetProviderTable,
    provadmin_CreateProvider,
    provadmin_DeleteProvider,
    provadmin_OpenProfileSection,
};

HRESULT mm_provadmin_create(const WCHAR *profile, const MAPIUID *service, IUnknown *parent,
                            IProviderAdmin **out)
{
    provadmin *This;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!(This->profile = mc_wcsdup(profile)))
    {
        mc_free(This);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    This->IProviderAdmin_iface.lpVtbl = &provadmin_vtbl;
    This->ref = 1;
    This->service = *service;
    This->parent = parent;
    if (parent) parent->lpVtbl->AddRef(parent);
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IProviderAdmin_iface;
    return S_OK;
}
