/*
 * svcadmin.c - IMsgServiceAdmin, the message service administration object of one profile
 * (imsgserviceadminiunknown.md, imsgserviceadmin-*.md; spi-digest §5). Obtained from
 * IProfAdmin::AdminServices or IMAPISession::AdminServices; holds a reference on that parent.
 */
#include "minimapi_private.h"

#ifndef SERVICE_NO_RESTART_WARNING
#define SERVICE_NO_RESTART_WARNING 0x00000080   /* imsgserviceadmin-createmsgservice.md */
#endif

typedef struct svcadmin
{
    IMsgServiceAdmin IMsgServiceAdmin_iface;
    LONG ref;
    WCHAR *profile;
    IUnknown *parent;
    mc_last_error err;
} svcadmin;

static inline svcadmin *impl_from_IMsgServiceAdmin(IMsgServiceAdmin *iface)
{
    return CONTAINING_RECORD(iface, svcadmin, IMsgServiceAdmin_iface);
}

static BOOL is_service(svcadmin *This, const MAPIUID *uid)
{
    mc_propbag *b;
    BOOL result;
    if (FAILED(mm_section_load(This->profile, uid, &b))) return FALSE;
    result = mm_bag_is_service(b, uid);
    mc_propbag_free(b);
    return result;
}

static HRESULT STDMETHODCALLTYPE svcadmin_QueryInterface(IMsgServiceAdmin *iface, REFIID iid,
                                                         void **out)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);

    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMsgServiceAdmin))
    {
        *out = &This->IMsgServiceAdmin_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE svcadmin_AddRef(IMsgServiceAdmin *iface)
{
    return InterlockedIncrement(&impl_from_IMsgServiceAdmin(iface)->ref);
}

static ULONG STDMETHODCALLTYPE svcadmin_Release(IMsgServiceAdmin *iface)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
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

static HRESULT STDMETHODCALLTYPE svcadmin_GetLastError(IMsgServiceAdmin *iface, HRESULT hr,
                                                       ULONG flags, LPMAPIERROR *out)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx, %#lx)\n", This, hr, flags);
    return mc_last_error_get(&This->err, &mm_alloc, MM_COMPONENT, hr, flags, out);
}

static HRESULT STDMETHODCALLTYPE svcadmin_GetMsgServiceTable(IMsgServiceAdmin *iface, ULONG flags,
                                                             LPMAPITABLE *out)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    return mm_service_table(This->profile, flags, out);
}

static HRESULT STDMETHODCALLTYPE svcadmin_CreateMsgService(IMsgServiceAdmin *iface, LPTSTR service_in,
                                                           LPTSTR display_in, ULONG_PTR ui,
                                                           ULONG flags)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    const ULONG ui_flags = SERVICE_UI_ALLOWED | SERVICE_UI_ALWAYS;
    BOOL unicode = (flags & MAPI_UNICODE) != 0, called;
    WCHAR *service = NULL, *display = NULL;
    MAPIUID uid;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %p, %#lx)\n", This, service_in, display_in, flags);
    if (!service_in) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(MAPI_UNICODE | ui_flags | SERVICE_NO_RESTART_WARNING)) return MAPI_E_UNKNOWN_FLAGS;
    service = mm_str_in(service_in, unicode);
    display = mm_str_in(display_in, unicode);
    if (!service || (display_in && !display)) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (!*service)
    {
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"empty service name");
        goto done;
    }
    if (FAILED(hr = mm_service_create_sections(This->profile, service, display, &uid, &This->err)))
        goto done;
    hr = mm_service_call_entry(This->profile, &uid, ui, flags & (ui_flags | MAPI_UNICODE),
                               MSG_SERVICE_CREATE, 0, NULL, FALSE, &This->err, &called);
    if (FAILED(hr) && called && !(flags & ui_flags))
    {
        /* Without UI a service may decline MSG_SERVICE_CREATE and wait for
         * ConfigureMsgService (spi-digest §5.1): tolerated. */
        MC_TRACE(MM_CH, "MSG_SERVICE_CREATE of %ls returned %#lx, tolerated\n", service, hr);
        hr = S_OK;
    }
    if (FAILED(hr)) mm_service_delete_sections(This->profile, &uid);
done:
    mc_free(service);
    mc_free(display);
    return hr;
}

static HRESULT STDMETHODCALLTYPE svcadmin_DeleteMsgService(IMsgServiceAdmin *iface, LPMAPIUID uid)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p)\n", This, uid);
    if (!uid) return MAPI_E_INVALID_PARAMETER;
    if (!is_service(This, uid))
        return mc_last_error_set(&This->err, MAPI_E_NOT_FOUND,
                                 L"no message service with that MAPIUID in profile %ls", This->profile);
    /* The service hears MSG_SERVICE_DELETE first; its answer does not stop the deletion. */
    hr = mm_service_call_entry(This->profile, uid, 0, 0, MSG_SERVICE_DELETE, 0, NULL, FALSE,
                               NULL, NULL);
    if (FAILED(hr)) MC_TRACE(MM_CH, "MSG_SERVICE_DELETE returned %#lx\n", hr);
    return mm_service_delete_sections(This->profile, uid);
}

static HRESULT STDMETHODCALLTYPE svcadmin_CopyMsgService(IMsgServiceAdmin *iface, LPMAPIUID uid,
                                                         LPTSTR display, LPCIID iid_copy,
                                                         LPCIID iid_dest, LPVOID dest,
                                                         ULONG_PTR ui, ULONG flags)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    MC_FIXME("(%p): copying services between profiles is not implemented\n", This);
    return mc_last_error_set(&This->err, MAPI_E_NO_SUPPORT, L"CopyMsgService is not implemented");
}

static HRESULT STDMETHODCALLTYPE svcadmin_RenameMsgService(IMsgServiceAdmin *iface, LPMAPIUID uid,
                                                           ULONG flags, LPTSTR display_in)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    SPropValue v;
    WCHAR *display;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, uid, flags);
    if (!uid || !display_in) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (!is_service(This, uid))
        return mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"no message service with that MAPIUID");
    if (!(display = mm_str_in(display_in, (flags & MAPI_UNICODE) != 0))) return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PR_DISPLAY_NAME_W;
    v.Value.lpszW = display;
    hr = mm_section_write(This->profile, uid, 1, &v);
    mc_free(display);
    return hr;
}

static HRESULT STDMETHODCALLTYPE svcadmin_ConfigureMsgService(IMsgServiceAdmin *iface, LPMAPIUID uid,
                                                              ULONG_PTR ui, ULONG flags,
                                                              ULONG n, LPSPropValue props)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);

    MC_TRACE(MM_CH, "(%p, %p, %#lx, %lu)\n", This, uid, flags, n);
    if (!uid || (n && !props)) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(MAPI_UNICODE | MSG_SERVICE_UI_READ_ONLY | SERVICE_UI_ALLOWED | SERVICE_UI_ALWAYS))
        return MAPI_E_UNKNOWN_FLAGS;
    if (!is_service(This, uid))
        return mc_last_error_set(&This->err, MAPI_E_NOT_FOUND,
                                 L"no message service with that MAPIUID in profile %ls", This->profile);
    return mm_service_call_entry(This->profile, uid, ui, flags, MSG_SERVICE_CONFIGURE, n, props,
                                 TRUE, &This->err, NULL);
}

static HRESULT STDMETHODCALLTYPE svcadmin_OpenProfileSection(IMsgServiceAdmin *iface, LPMAPIUID uid,
                                                             LPCIID iid, ULONG flags,
                                                             LPPROFSECT *out)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, uid, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!uid) return MAPI_E_INVALID_PARAMETER;
    return mm_profsect_open_for(MM_SECTION_ADMIN, This->profile, uid, iid, flags,
                                (IUnknown *)iface, &This->err, out);
}

static HRESULT STDMETHODCALLTYPE svcadmin_MsgServiceTransportOrder(IMsgServiceAdmin *iface,
                                                                   ULONG count, LPMAPIUID uids,
                                                                   ULONG flags)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    MC_FIXME("(%p, %lu): transport order is not implemented\n", This, count);
    return mc_last_error_set(&This->err, MAPI_E_NO_SUPPORT,
                             L"MsgServiceTransportOrder is not implemented");
}

static HRESULT STDMETHODCALLTYPE svcadmin_AdminProviders(IMsgServiceAdmin *iface, LPMAPIUID uid,
                                                         ULONG flags, LPPROVIDERADMIN *out)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, uid, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!uid) return MAPI_E_INVALID_PARAMETER;
    if (!is_service(This, uid))
        return mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"no message service with that MAPIUID");
    return mm_provadmin_create(This->profile, uid, (IUnknown *)iface, out);
}

static HRESULT STDMETHODCALLTYPE svcadmin_SetPrimaryIdentity(IMsgServiceAdmin *iface, LPMAPIUID uid,
                                                             ULONG flags)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    MC_FIXME("(%p): identities are not implemented\n", This);
    return mc_last_error_set(&This->err, MAPI_E_NO_SUPPORT, L"SetPrimaryIdentity is not implemented");
}

static HRESULT STDMETHODCALLTYPE svcadmin_GetProviderTable(IMsgServiceAdmin *iface, ULONG flags,
                                                           LPMAPITABLE *out)
{
    svcadmin *This = impl_from_IMsgServiceAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    return mm_provider_table(This->profile, NULL, flags, out);
}

static const IMsgServiceAdminVtbl svcadmin_vtbl =
{
    svcadmin_QueryInterface,
    svcadmin_AddRef,
    svcadmin_Release,
    svcadmin_GetLastError,
    svcadmin_GetMsgServiceTable,
    svcadmin_CreateMsgService,
    svcadmin_DeleteMsgService,
    svcadmin_CopyMsgService,
    svcadmin_RenameMsgService,
    svcadmin_ConfigureMsgService,
    svcadmin_OpenProfileSection,
    svcadmin_MsgServiceTransportOrder,
    svcadmin_AdminProviders,
    svcadmin_SetPrimaryIdentity,
    svcadmin_GetProviderTable,
};

HRESULT mm_svcadmin_create(const WCHAR *profile, IUnknown *parent, IMsgServiceAdmin **out)
{
    svcadmin *This;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!(This->profile = mc_wcsdup(profile)))
    {
        mc_free(This);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    This->IMsgServiceAdmin_iface.lpVtbl = &svcadmin_vtbl;
    This->ref = 1;
    This->parent = parent;
    if (parent) parent->lpVtbl->AddRef(parent);
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IMsgServiceAdmin_iface;
    return S_OK;
}
