/*
 * profadmin.c - IProfAdmin, the profile administration object, and MAPIAdminProfiles
 * (mapiadminprofiles.md, iprofadminiunknown.md, iprofadmin-*.md).
 * Profiles live in the registry (profile.c). Passwords are not supported: they are ignored
 * where MAPI says they must be NULL, and ChangeProfilePassword returns MAPI_E_NO_SUPPORT.
 */
#include "minimapi_private.h"

typedef struct profadmin
{
    IProfAdmin IProfAdmin_iface;
    LONG ref;
    mc_last_error err;
} profadmin;

static inline profadmin *impl_from_IProfAdmin(IProfAdmin *iface)
{
    return CONTAINING_RECORD(iface, profadmin, IProfAdmin_iface);
}

/* Give a profile its MUID_PROFILE_INSTANCE section: a unique PR_SEARCH_KEY and its name. */
static HRESULT write_instance_section(const WCHAR *name)
{
    SPropValue v[2];
    MAPIUID key;
    HRESULT hr;

    if (FAILED(hr = mm_new_uid(&key))) return hr;
    memset(v, 0, sizeof(v));
    v[0].ulPropTag = PR_SEARCH_KEY;
    v[0].Value.bin.cb = sizeof(key);
    v[0].Value.bin.lpb = key.ab;
    v[1].ulPropTag = PR_PROFILE_NAME_W;
    v[1].Value.lpszW = (WCHAR *)name;
    return mm_section_write(name, &mm_muid_profile_instance, 2, v);
}

/* Add the services of [Default Services] (iprofadmin-createprofile.md). */
static HRESULT add_default_services(profadmin *This, const WCHAR *name, ULONG_PTR ui, ULONG flags)
{
    mm_inf *inf = NULL;
    const mm_inf_section *defaults;
    WCHAR *why = NULL;
    HRESULT hr;
    ULONG i;

    if (FAILED(hr = mm_inf_load_default(&inf, &why)))
    {
        mc_last_error_set(&This->err, hr, L"%ls", why ? why : L"MAPISVC.INF cannot be read");
        mc_free(why);
        return hr;
    }
    defaults = mm_inf_section_find(inf, L"Default Services");
    for (i = 0; defaults && i < defaults->count; i++)
    {
        MAPIUID uid;
        ULONG entry_flags = (flags & MAPI_DIALOG) ? SERVICE_UI_ALLOWED : 0;
        if (FAILED(hr = mm_service_create_sections(name, defaults->entries[i].key,
                                                   defaults->entries[i].value, &uid, &This->err)))
            break;
        hr = mm_service_call_entry(name, &uid, ui, entry_flags, MSG_SERVICE_CREATE, 0, NULL,
                                   FALSE, &This->err, NULL);
        if (FAILED(hr) && !entry_flags)
        {
            /* Without UI a service may refuse MSG_SERVICE_CREATE and expect
             * ConfigureMsgService later (spi-digest §5.1): tolerated. */
            MC_TRACE(MM_CH, "MSG_SERVICE_CREATE of %ls returned %#lx, tolerated\n",
                     defaults->entries[i].key, hr);
            hr = S_OK;
        }
        if (FAILED(hr)) break;
    }
    mm_inf_free(inf);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profadmin_QueryInterface(IProfAdmin *iface, REFIID iid, void **out)
{
    profadmin *This = impl_from_IProfAdmin(iface);

    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IProfAdmin))
    {
        *out = &This->IProfAdmin_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(iid, &IID_IMiniMapiDiagnostics))
        return mm_diag_create((IUnknown *)iface, (IUnknown **)out);
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE profadmin_AddRef(IProfAdmin *iface)
{
    return InterlockedIncrement(&impl_from_IProfAdmin(iface)->ref);
}

static ULONG STDMETHODCALLTYPE profadmin_Release(IProfAdmin *iface)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        mc_last_error_destroy(&This->err);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE profadmin_GetLastError(IProfAdmin *iface, HRESULT hr, ULONG flags,
                                                        LPMAPIERROR *out)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx, %#lx)\n", This, hr, flags);
    return mc_last_error_get(&This->err, &mm_alloc, MM_COMPONENT, hr, flags, out);
}

static HRESULT STDMETHODCALLTYPE profadmin_GetProfileTable(IProfAdmin *iface, ULONG flags,
                                                           LPMAPITABLE *out)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    static const ULONG columns[] = {PR_DISPLAY_NAME_W, PR_DEFAULT_PROFILE};
    BOOL unicode = (flags & MAPI_UNICODE) != 0;
    SPropTagArray *cols = NULL;
    WCHAR **names = NULL, *def = NULL;
    ULONG n = 0, i;
    mc_table *t = NULL;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(cols = mm_columns(columns, ARRAYSIZE(columns), unicode))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = mc_table_new(&mm_alloc, PR_INSTANCE_KEY, cols, &t))) goto done;
    if (FAILED(hr = mm_profile_list(&names, &n))) goto done;
    mm_profile_get_default(&def);
    for (i = 0; i < n; i++)
    {
        mm_row row;
        ULONG key = i + 1;
        mm_row_init(&row, unicode);
        mm_row_add_bin(&row, PR_INSTANCE_KEY, &key, sizeof(key));
        mm_row_add_str(&row, PROP_ID(PR_DISPLAY_NAME_W), names[i]);
        mm_row_add_bool(&row, PR_DEFAULT_PROFILE, def && !lstrcmpiW(def, names[i]));
        hr = mc_table_modify_row(t, row.n, row.v);
        mm_row_free(&row);
        if (FAILED(hr)) goto done;
    }
    hr = mc_table_open_view(t, NULL, NULL, out);
done:
    if (t) mc_table_release(t);
    mm_free_strings(names, n);
    mc_free(def);
    mc_free(cols);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profadmin_CreateProfile(IProfAdmin *iface, LPTSTR name_in,
                                                         LPTSTR password, ULONG_PTR ui, ULONG flags)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    WCHAR *name = NULL;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, name_in, flags);
    if (flags & ~(MAPI_DEFAULT_SERVICES | MAPI_DIALOG | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (!name_in) return MAPI_E_INVALID_PARAMETER;
    if (!(name = mm_str_in(name_in, (flags & MAPI_UNICODE) != 0))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = mm_profile_check_name(name)))
    {
        mc_last_error_set(&This->err, hr, L"\"%ls\" is not a valid profile name", name);
        goto done;
    }
    mm_profile_lock();
    hr = mm_profile_create(name);
    if (SUCCEEDED(hr) && FAILED(hr = write_instance_section(name))) mm_profile_delete(name);
    mm_profile_unlock();
    if (hr == MAPI_E_NO_ACCESS)
    {
        mc_last_error_set(&This->err, hr, L"the profile %ls already exists", name);
        goto done;
    }
    if (FAILED(hr)) goto done;
    if ((flags & MAPI_DEFAULT_SERVICES) && FAILED(hr = add_default_services(This, name, ui, flags)))
        mm_profile_delete(name);
done:
    mc_free(name);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profadmin_DeleteProfile(IProfAdmin *iface, LPTSTR name_in,
                                                         ULONG flags)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    WCHAR *name = NULL;
    MAPIUID *services = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, name_in, flags);
    if (!name_in) return MAPI_E_INVALID_PARAMETER;
    if (!(name = mm_str_in(name_in, (flags & MAPI_UNICODE) != 0))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!mm_profile_exists(name))
    {
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"no profile named %ls", name);
        goto done;
    }
    /* Each service hears MSG_SERVICE_DELETE before its sections go. Sessions still using the
     * profile keep working on what they loaded; the profile is not kept for them. */
    if (SUCCEEDED(mm_profile_services(name, &services, &n)))
        for (i = 0; i < n; i++)
            mm_service_call_entry(name, &services[i], 0, 0, MSG_SERVICE_DELETE, 0, NULL, FALSE, NULL,
                                  NULL);
    hr = mm_profile_delete(name);
done:
    mc_free(services);
    mc_free(name);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profadmin_ChangeProfilePassword(IProfAdmin *iface, LPTSTR name,
                                                                 LPTSTR old_password,
                                                                 LPTSTR new_password, ULONG flags)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    MC_FIXME("(%p): profiles have no passwords\n", This);
    return mc_last_error_set(&This->err, MAPI_E_NO_SUPPORT, L"profiles have no passwords here");
}

static HRESULT copy_profile(profadmin *This, LPTSTR old_in, LPTSTR new_in, ULONG flags, BOOL rename)
{
    BOOL unicode = (flags & MAPI_UNICODE) != 0;
    WCHAR *old_name = NULL, *new_name = NULL, *def = NULL;
    HRESULT hr;

    if (!old_in || !new_in) return MAPI_E_INVALID_PARAMETER;
    old_name = mm_str_in(old_in, unicode);
    new_name = mm_str_in(new_in, unicode);
    if (!old_name || !new_name) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (!mm_profile_exists(old_name))
    {
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"no profile named %ls", old_name);
        goto done;
    }
    if (FAILED(hr = mm_profile_check_name(new_name)))
    {
        mc_last_error_set(&This->err, hr, L"\"%ls\" is not a valid profile name", new_name);
        goto done;
    }
    mm_profile_lock();
    hr = mm_profile_copy(old_name, new_name);
    if (SUCCEEDED(hr) && FAILED(hr = write_instance_section(new_name))) mm_profile_delete(new_name);
    if (SUCCEEDED(hr) && rename)
    {
        BOOL was_default = SUCCEEDED(mm_profile_get_default(&def)) && !lstrcmpiW(def, old_name);
        hr = mm_profile_delete(old_name);
        if (SUCCEEDED(hr) && was_default) mm_profile_set_default(new_name);
    }
    mm_profile_unlock();
    if (hr == MAPI_E_NO_ACCESS)
        mc_last_error_set(&This->err, hr, L"the profile %ls already exists", new_name);
done:
    mc_free(def);
    mc_free(old_name);
    mc_free(new_name);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profadmin_CopyProfile(IProfAdmin *iface, LPTSTR old_name,
                                                       LPTSTR old_password, LPTSTR new_name,
                                                       ULONG_PTR ui, ULONG flags)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    return copy_profile(This, old_name, new_name, flags, FALSE);
}

static HRESULT STDMETHODCALLTYPE profadmin_RenameProfile(IProfAdmin *iface, LPTSTR old_name,
                                                         LPTSTR old_password, LPTSTR new_name,
                                                         ULONG_PTR ui, ULONG flags)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    return copy_profile(This, old_name, new_name, flags, TRUE);
}

static HRESULT STDMETHODCALLTYPE profadmin_SetDefaultProfile(IProfAdmin *iface, LPTSTR name_in,
                                                             ULONG flags)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    WCHAR *name = NULL;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, name_in, flags);
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (name_in && !(name = mm_str_in(name_in, (flags & MAPI_UNICODE) != 0)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (name && !mm_profile_exists(name))
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"no profile named %ls", name);
    else
        hr = mm_profile_set_default(name);
    mc_free(name);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profadmin_AdminServices(IProfAdmin *iface, LPTSTR name_in,
                                                         LPTSTR password, ULONG_PTR ui,
                                                         ULONG flags, LPSERVICEADMIN *out)
{
    profadmin *This = impl_from_IProfAdmin(iface);
    WCHAR *name = NULL;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, name_in, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!name_in) return MAPI_E_INVALID_PARAMETER;
    if (!(name = mm_str_in(name_in, (flags & MAPI_UNICODE) != 0))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!mm_profile_exists(name))
        hr = mc_last_error_set(&This->err, MAPI_E_LOGON_FAILED, L"no profile named %ls", name);
    else
        hr = mm_svcadmin_create(name, (IUnknown *)iface, out);
    mc_free(name);
    return hr;
}

static const IProfAdminVtbl profadmin_vtbl =
{
    profadmin_QueryInterface,
    profadmin_AddRef,
    profadmin_Release,
    profadmin_GetLastError,
    profadmin_GetProfileTable,
    profadmin_CreateProfile,
    profadmin_DeleteProfile,
    profadmin_ChangeProfilePassword,
    profadmin_CopyProfile,
    profadmin_RenameProfile,
    profadmin_SetDefaultProfile,
    profadmin_AdminServices,
};

HRESULT mm_profadmin_create(IProfAdmin **out)
{
    profadmin *This;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IProfAdmin_iface.lpVtbl = &profadmin_vtbl;
    This->ref = 1;
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IProfAdmin_iface;
    return S_OK;
}

HRESULT WINAPI MAPIAdminProfiles(ULONG flags, LPPROFADMIN *out)
{
    MC_TRACE(MM_CH, "(%#lx, %p)\n", flags, out);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!mm_initialized()) return MAPI_E_NOT_INITIALIZED;
    return mm_profadmin_create(out);
}
