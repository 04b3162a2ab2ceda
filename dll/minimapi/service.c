/*
 * service.c - message services in a profile: copying a service from MAPISVC.INF into profile
 * sections, removing it, calling its entry point, and the message service and provider tables
 * (imsgserviceadmin-createmsgservice.md, imsgserviceadmin-deletemsgservice.md,
 * imsgserviceadmin-configuremsgservice.md, msgserviceentry.md, message-service-tables.md,
 * provider-tables.md; spi-digest §5).
 *
 * How sections are told apart: a service section carries PR_SERVICE_UID equal to its own UID
 * and no PR_PROVIDER_UID; a provider section carries PR_PROVIDER_UID equal to its own UID and
 * the PR_SERVICE_UID of its service. The order of services is the profile's Services list.
 */
#include "minimapi_private.h"

BOOL mm_bag_uid(const mc_propbag *b, ULONG tag, MAPIUID *uid)
{
    const SBinary *bin = mc_propbag_get_bin(b, tag);
    if (!bin || bin->cb != sizeof(MAPIUID)) return FALSE;
    memcpy(uid, bin->lpb, sizeof(MAPIUID));
    return TRUE;
}

BOOL mm_bag_is_service(const mc_propbag *b, const MAPIUID *uid)
{
    MAPIUID u;
    if (mc_propbag_get(b, PR_PROVIDER_UID)) return FALSE;
    return mm_bag_uid(b, PR_SERVICE_UID, &u) && !memcmp(&u, uid, sizeof(u));
}

BOOL mm_bag_is_provider(const mc_propbag *b, const MAPIUID *uid)
{
    MAPIUID u;
    return mm_bag_uid(b, PR_PROVIDER_UID, &u) && !memcmp(&u, uid, sizeof(u));
}

/* Every section of a profile with its properties. */
typedef struct sections
{
    MAPIUID *uids;
    mc_propbag **bags;
    ULONG count;
} sections;

static void sections_free(sections *s)
{
    ULONG i;
    for (i = 0; i < s->count; i++) mc_propbag_free(s->bags[i]);
    mc_free(s->bags);
    mc_free(s->uids);
    memset(s, 0, sizeof(*s));
}

static HRESULT sections_load(const WCHAR *profile, sections *s)
{
    HRESULT hr;
    ULONG i;

    memset(s, 0, sizeof(*s));
    if (FAILED(hr = mm_section_list(profile, &s->uids, &s->count))) return hr;
    if (s->count && !(s->bags = mc_calloc(s->count, sizeof(*s->bags))))
    {
        sections_free(s);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (i = 0; i < s->count; i++)
    {
        hr = mm_section_load(profile, &s->uids[i], &s->bags[i]);
        if (FAILED(hr) && !(s->bags[i] = mc_propbag_new()))
        {
            sections_free(s);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
    }
    return S_OK;
}

HRESULT mm_service_providers(const WCHAR *profile, const MAPIUID *service, MAPIUID **uids,
                             ULONG *count)
{
    sections all;
    MAPIUID *list = NULL, svc;
    LONG *ordinals = NULL;
    ULONG i, j, n = 0;
    HRESULT hr;

    *uids = NULL;
    *count = 0;
    if (FAILED(hr = sections_load(profile, &all))) return hr;
    if (all.count && (!(list = mc_calloc(all.count, sizeof(*list)))
                      || !(ordinals = mc_calloc(all.count, sizeof(*ordinals)))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    for (i = 0; i < all.count; i++)
    {
        LONG ord;
        if (!mm_bag_is_provider(all.bags[i], &all.uids[i])) continue;
        if (service && (!mm_bag_uid(all.bags[i], PR_SERVICE_UID, &svc)
                        || memcmp(&svc, service, sizeof(svc))))
            continue;
        ord = mc_propbag_get_long(all.bags[i], PR_PROVIDER_ORDINAL, 0x7fffffff);
        /* insertion sort by ordinal */
        for (j = n; j > 0 && ordinals[j - 1] > ord; j--)
        {
            ordinals[j] = ordinals[j - 1];
            list[j] = list[j - 1];
        }
        ordinals[j] = ord;
        list[j] = all.uids[i];
        n++;
    }
    *uids = list;
    *count = n;
    list = NULL;
done:
    mc_free(list);
    mc_free(ordinals);
    sections_free(&all);
    return hr;
}

static HRESULT set_uid(mc_propbag *b, ULONG tag, const MAPIUID *uid)
{
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = tag;
    v.Value.bin.cb = sizeof(MAPIUID);
    v.Value.bin.lpb = (BYTE *)uid;
    return mc_propbag_set(b, &v);
}

static HRESULT set_long(mc_propbag *b, ULONG tag, LONG value)
{
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = tag;
    v.Value.l = value;
    return mc_propbag_set(b, &v);
}

static HRESULT set_wstr(mc_propbag *b, ULONG id, const WCHAR *s)
{
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PROP_TAG(PT_UNICODE, id);
    v.Value.lpszW = (WCHAR *)s;
    return mc_propbag_set(b, &v);
}

static HRESULT why_error(mc_last_error *err, HRESULT hr, WCHAR *why, const WCHAR *fallback)
{
    if (err) mc_last_error_set(err, hr, L"%ls", why ? why : fallback);
    mc_free(why);
    return hr;
}

/* The sections to write for a provider: its INF properties plus what MAPI adds. */
static HRESULT provider_bag(const mm_inf *inf, const WCHAR *section_name, const WCHAR *service_name,
                            const MAPIUID *service_uid, const MAPIUID *uid, LONG ordinal,
                            ULONG n, const SPropValue *extra, mc_propbag **out,
                            mc_last_error *err)
{
    const mm_inf_section *s = mm_inf_section_find(inf, section_name);
    mc_propbag *b;
    WCHAR *why = NULL, *display;
    HRESULT hr;
    ULONG i;

    *out = NULL;
    if (!s)
    {
        if (err) mc_last_error_set(err, MAPI_E_CORRUPT_DATA,
                                   L"%ls: service %ls lists provider [%ls], which has no section",
                                   inf->path ? inf->path : L"MAPISVC.INF", service_name, section_name);
        return MAPI_E_CORRUPT_DATA;
    }
    if (!(b = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = mm_inf_section_props(s, b, &why)))
    {
        mc_propbag_free(b);
        return why_error(err, hr, why, L"MAPISVC.INF: bad provider section");
    }
    for (i = 0; i < n; i++)
        if (PROP_TYPE(extra[i].ulPropTag) != PT_ERROR && extra[i].ulPropTag != PR_NULL
            && FAILED(hr = mc_propbag_set(b, &extra[i])))
            goto fail;
    if (FAILED(hr = set_uid(b, PR_SERVICE_UID, service_uid))) goto fail;
    if (FAILED(hr = set_uid(b, PR_PROVIDER_UID, uid))) goto fail;
    if (FAILED(hr = set_wstr(b, PROP_ID(PR_SERVICE_NAME_W), service_name))) goto fail;
    if (FAILED(hr = set_long(b, PR_PROVIDER_ORDINAL, ordinal))) goto fail;
    if (!mc_propbag_get(b, PR_RESOURCE_FLAGS) && FAILED(hr = set_long(b, PR_RESOURCE_FLAGS, 0)))
        goto fail;
    if (!mc_propbag_get(b, PR_RESOURCE_TYPE) || !mc_propbag_get(b, PR_PROVIDER_DLL_NAME_W))
    {
        if (err) mc_last_error_set(err, MAPI_E_CORRUPT_DATA,
                                   L"%ls: provider section [%ls] lacks PR_RESOURCE_TYPE or PR_PROVIDER_DLL_NAME",
                                   inf->path ? inf->path : L"MAPISVC.INF", section_name);
        hr = MAPI_E_CORRUPT_DATA;
        goto fail;
    }
    if (!(display = mc_propbag_get_wstr(b, PROP_ID(PR_DISPLAY_NAME_W))))
    {
        display = mc_propbag_get_wstr(b, PROP_ID(PR_PROVIDER_DISPLAY_W));
        hr = set_wstr(b, PROP_ID(PR_DISPLAY_NAME_W), display ? display : section_name);
        if (FAILED(hr)) { mc_free(display); goto fail; }
    }
    if (!mc_propbag_get(b, PR_PROVIDER_DISPLAY_W))
        hr = set_wstr(b, PROP_ID(PR_PROVIDER_DISPLAY_W), display);
    mc_free(display);
    if (FAILED(hr)) goto fail;
    *out = b;
    return S_OK;
fail:
    mc_propbag_free(b);
    return hr;
}

/* The profile's next provider ordinal, and whether it has a default store already. */
static void profile_provider_facts(const WCHAR *profile, LONG *next_ordinal, BOOL *has_default)
{
    sections all;
    ULONG i;

    *next_ordinal = 0;
    *has_default = FALSE;
    if (FAILED(sections_load(profile, &all))) return;
    for (i = 0; i < all.count; i++)
    {
        LONG ord;
        if (!mm_bag_is_provider(all.bags[i], &all.uids[i])) continue;
        ord = mc_propbag_get_long(all.bags[i], PR_PROVIDER_ORDINAL, -1);
        if (ord >= *next_ordinal) *next_ordinal = ord + 1;
        if (mc_propbag_get_long(all.bags[i], PR_RESOURCE_TYPE, 0) == MAPI_STORE_PROVIDER
            && (mc_propbag_get_long(all.bags[i], PR_RESOURCE_FLAGS, 0) & STATUS_DEFAULT_STORE))
            *has_default = TRUE;
    }
    sections_free(&all);
}

/* Find the [Services] entry (case-insensitive); its key is the canonical service name. */
static const mm_inf_entry *find_service(const mm_inf *inf, const WCHAR *name)
{
    const mm_inf_section *services = mm_inf_section_find(inf, L"Services");
    ULONG i;
    if (!services) return NULL;
    for (i = 0; i < services->count; i++)
        if (!lstrcmpiW(services->entries[i].key, name)) return &services->entries[i];
    return NULL;
}

static HRESULT load_inf(mm_inf **inf, mc_last_error *err)
{
    WCHAR *why = NULL;
    HRESULT hr = mm_inf_load_default(inf, &why);
    if (FAILED(hr))
        return why_error(err, hr, why, L"MAPISVC.INF cannot be read");
    return S_OK;
}

HRESULT mm_service_create_sections(const WCHAR *profile, const WCHAR *service,
                                   const WCHAR *display, MAPIUID *service_uid,
                                   mc_last_error *err)
{
    mm_inf *inf = NULL;
    const mm_inf_entry *entry;
    const mm_inf_section *svc_section;
    WCHAR **providers = NULL, **extra = NULL, *why = NULL;
    ULONG n_providers = 0, n_extra = 0, i, n_services = 0, n_written = 0;
    mc_propbag *svc_bag = NULL, **prov_bags = NULL, **extra_bags = NULL;
    MAPIUID uid, *prov_uids = NULL, *extra_uids = NULL, *services = NULL, *grown;
    LONG ordinal;
    BOOL has_default;
    HRESULT hr;

    mm_profile_lock();
    if (FAILED(hr = load_inf(&inf, err)))
    {
        /* No MAPISVC.INF means no service of that name in [Services]. */
        if (hr == MAPI_E_NO_ACCESS) hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    if (!(entry = find_service(inf, service)))
    {
        hr = MAPI_E_NOT_FOUND;
        if (err) mc_last_error_set(err, hr, L"the service %ls is not in [Services] of %ls",
                                   service, inf->path);
        goto done;
    }
    if (!(svc_section = mm_inf_section_find(inf, entry->key)))
    {
        hr = MAPI_E_CORRUPT_DATA;
        if (err) mc_last_error_set(err, hr, L"%ls: [Services] names %ls but there is no [%ls] section",
                                   inf->path, entry->key, entry->key);
        goto done;
    }
    if (FAILED(hr = mm_inf_split_list(mm_inf_value(svc_section, L"Providers"), &providers,
                                      &n_providers)))
        goto done;
    if (!n_providers)
    {
        hr = MAPI_E_CORRUPT_DATA;
        if (err) mc_last_error_set(err, hr, L"%ls: [%ls] has no Providers= entry", inf->path,
                                   entry->key);
        goto done;
    }
    if (FAILED(hr = mm_inf_split_list(mm_inf_value(svc_section, L"Sections"), &extra, &n_extra)))
        goto done;

    /* Everything is parsed before anything is written: a bad INF leaves no trace. */
    if (FAILED(hr = mm_new_uid(&uid))) goto done;
    if (!(svc_bag = mc_propbag_new())) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (FAILED(hr = mm_inf_section_props(svc_section, svc_bag, &why)))
    {
        hr = why_error(err, hr, why, L"MAPISVC.INF: bad service section");
        goto done;
    }
    if (FAILED(hr = set_uid(svc_bag, PR_SERVICE_UID, &uid))) goto done;
    if (FAILED(hr = set_wstr(svc_bag, PROP_ID(PR_SERVICE_NAME_W), entry->key))) goto done;
    /* lpszDisplayName is ignored when MAPISVC.INF sets PR_DISPLAY_NAME. */
    if (!mc_propbag_get(svc_bag, PR_DISPLAY_NAME_W)
        && FAILED(hr = set_wstr(svc_bag, PROP_ID(PR_DISPLAY_NAME_W),
                                display && *display ? display : entry->value)))
        goto done;
    if (!mc_propbag_get(svc_bag, PR_RESOURCE_FLAGS) && FAILED(hr = set_long(svc_bag, PR_RESOURCE_FLAGS, 0)))
        goto done;

    profile_provider_facts(profile, &ordinal, &has_default);
    if (!(prov_bags = mc_calloc(n_providers, sizeof(*prov_bags)))
        || !(prov_uids = mc_calloc(n_providers, sizeof(*prov_uids))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    for (i = 0; i < n_providers; i++)
    {
        if (FAILED(hr = mm_new_uid(&prov_uids[i]))) goto done;
        if (FAILED(hr = provider_bag(inf, providers[i], entry->key, &uid, &prov_uids[i],
                                     ordinal + (LONG)i, 0, NULL, &prov_bags[i], err)))
            goto done;
        if (mc_propbag_get_long(prov_bags[i], PR_RESOURCE_TYPE, 0) == MAPI_STORE_PROVIDER)
        {
            LONG flags = mc_propbag_get_long(prov_bags[i], PR_RESOURCE_FLAGS, 0);
            /* One default store per profile: a second one joins as an ordinary store. */
            if (flags & STATUS_DEFAULT_STORE)
            {
                if (has_default) set_long(prov_bags[i], PR_RESOURCE_FLAGS, flags & ~STATUS_DEFAULT_STORE);
                has_default = TRUE;
            }
        }
    }
    if (n_extra)
    {
        if (!(extra_bags = mc_calloc(n_extra, sizeof(*extra_bags)))
            || !(extra_uids = mc_calloc(n_extra, sizeof(*extra_uids))))
        {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto done;
        }
        for (i = 0; i < n_extra; i++)
        {
            const mm_inf_section *s = mm_inf_section_find(inf, extra[i]);
            const WCHAR *guid;
            if (!s)
            {
                hr = MAPI_E_CORRUPT_DATA;
                if (err) mc_last_error_set(err, hr, L"%ls: [%ls] lists section [%ls], which does not exist",
                                           inf->path, entry->key, extra[i]);
                goto done;
            }
            guid = mm_inf_value(s, L"SectionGUID");
            if (guid ? !mm_uid_from_hex(guid, &extra_uids[i]) : FAILED(mm_new_uid(&extra_uids[i])))
            {
                hr = MAPI_E_CORRUPT_DATA;
                if (err) mc_last_error_set(err, hr, L"%ls: [%ls] has a bad SectionGUID", inf->path, extra[i]);
                goto done;
            }
            if (!(extra_bags[i] = mc_propbag_new())) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
            if (FAILED(hr = mm_inf_section_props(s, extra_bags[i], &why)))
            {
                hr = why_error(err, hr, why, L"MAPISVC.INF: bad section");
                goto done;
            }
        }
        {
            SPropValue v;
            memset(&v, 0, sizeof(v));
            v.ulPropTag = PR_SERVICE_EXTRA_UIDS;
            v.Value.bin.cb = n_extra * sizeof(MAPIUID);
            v.Value.bin.lpb = (BYTE *)extra_uids;
            if (FAILED(hr = mc_propbag_set(svc_bag, &v))) goto done;
        }
    }

    /* Write: service section, providers, extra sections, then the Services list. */
    if (FAILED(hr = mm_section_write_bag(profile, &uid, svc_bag))) goto rollback;
    for (i = 0; i < n_providers; i++, n_written++)
        if (FAILED(hr = mm_section_write_bag(profile, &prov_uids[i], prov_bags[i]))) goto rollback;
    for (i = 0; i < n_extra; i++)
        if (FAILED(hr = mm_section_write_bag(profile, &extra_uids[i], extra_bags[i]))) goto rollback;
    if (FAILED(hr = mm_profile_services(profile, &services, &n_services))) goto rollback;
    if (!(grown = mc_realloc(services, (n_services + 1) * sizeof(*grown))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto rollback;
    }
    services = grown;
    services[n_services++] = uid;
    if (FAILED(hr = mm_profile_set_services(profile, services, n_services))) goto rollback;
    if (service_uid) *service_uid = uid;
    hr = S_OK;
    goto done;

rollback:
    mm_section_delete(profile, &uid);
    for (i = 0; i < n_written; i++) mm_section_delete(profile, &prov_uids[i]);
    if (err) mc_last_error_set(err, hr, L"writing the service %ls into profile %ls failed",
                               service, profile);
done:
    mm_profile_unlock();
    mc_free(services);
    if (prov_bags)
        for (i = 0; i < n_providers; i++) mc_propbag_free(prov_bags[i]);
    if (extra_bags)
        for (i = 0; i < n_extra; i++) mc_propbag_free(extra_bags[i]);
    mc_free(prov_bags);
    mc_free(extra_bags);
    mc_free(prov_uids);
    mc_free(extra_uids);
    if (svc_bag) mc_propbag_free(svc_bag);
    mm_free_strings(providers, n_providers);
    mm_free_strings(extra, n_extra);
    mm_inf_free(inf);
    return hr;
}

HRESULT mm_service_add_provider(const WCHAR *profile, const MAPIUID *service,
                                const WCHAR *inf_section, ULONG n, const SPropValue *props,
                                MAPIUID *provider_uid, mc_last_error *err)
{
    mm_inf *inf = NULL;
    mc_propbag *svc = NULL, *b = NULL;
    WCHAR *name = NULL;
    MAPIUID uid;
    LONG ordinal;
    BOOL has_default;
    HRESULT hr;

    mm_profile_lock();
    if (FAILED(hr = mm_section_load(profile, service, &svc)) || !mm_bag_is_service(svc, service))
    {
        hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    if (FAILED(hr = load_inf(&inf, err))) goto done;
    name = mc_propbag_get_wstr(svc, PROP_ID(PR_SERVICE_NAME_W));
    profile_provider_facts(profile, &ordinal, &has_default);
    if (FAILED(hr = mm_new_uid(&uid))) goto done;
    if (FAILED(hr = provider_bag(inf, inf_section, name ? name : L"", service, &uid, ordinal, n,
                                 props, &b, err)))
    {
        if (hr == MAPI_E_CORRUPT_DATA && !mm_inf_section_find(inf, inf_section)) hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    if (has_default && (mc_propbag_get_long(b, PR_RESOURCE_FLAGS, 0) & STATUS_DEFAULT_STORE))
        set_long(b, PR_RESOURCE_FLAGS, mc_propbag_get_long(b, PR_RESOURCE_FLAGS, 0) & ~STATUS_DEFAULT_STORE);
    if (FAILED(hr = mm_section_write_bag(profile, &uid, b))) goto done;
    if (provider_uid) *provider_uid = uid;
done:
    mm_profile_unlock();
    mc_free(name);
    if (b) mc_propbag_free(b);
    if (svc) mc_propbag_free(svc);
    mm_inf_free(inf);
    return hr;
}

HRESULT mm_service_delete_sections(const WCHAR *profile, const MAPIUID *service)
{
    mc_propbag *svc = NULL;
    MAPIUID *providers = NULL, *services = NULL;
    ULONG n_providers = 0, n_services = 0, i, j;
    const SBinary *extra;
    HRESULT hr;

    mm_profile_lock();
    if (FAILED(hr = mm_section_load(profile, service, &svc)) || !mm_bag_is_service(svc, service))
    {
        hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    if (FAILED(hr = mm_service_providers(profile, service, &providers, &n_providers))) goto done;
    for (i = 0; i < n_providers; i++) mm_section_delete(profile, &providers[i]);
    if ((extra = mc_propbag_get_bin(svc, PR_SERVICE_EXTRA_UIDS)))
        for (i = 0; i + sizeof(MAPIUID) <= extra->cb; i += sizeof(MAPIUID))
            mm_section_delete(profile, (const MAPIUID *)(extra->lpb + i));
    mm_section_delete(profile, service);
    if (SUCCEEDED(mm_profile_services(profile, &services, &n_services)))
    {
        for (i = j = 0; i < n_services; i++)
            if (memcmp(&services[i], service, sizeof(MAPIUID))) services[j++] = services[i];
        mm_profile_set_services(profile, services, j);
    }
    hr = S_OK;
done:
    mm_profile_unlock();
    mc_free(services);
    mc_free(providers);
    if (svc) mc_propbag_free(svc);
    return hr;
}

HRESULT mm_service_call_entry(const WCHAR *profile, const MAPIUID *service, ULONG_PTR ui,
                              ULONG flags, ULONG context, ULONG n, SPropValue *props,
                              BOOL require_entry, mc_last_error *err, BOOL *called)
{
    mc_propbag *svc = NULL;
    WCHAR *dll = NULL, *entry_w = NULL;
    char *entry = NULL;
    HMODULE mod = NULL;
    MSGSERVICEENTRY *fn;
    mm_support *sup = NULL;
    IProviderAdmin *provadmin = NULL;
    MAPIERROR *mapierror = NULL;
    HRESULT hr;

    if (called) *called = FALSE;
    if (FAILED(hr = mm_section_load(profile, service, &svc)) || !mm_bag_is_service(svc, service))
    {
        hr = MAPI_E_NOT_FOUND;
        if (err) mc_last_error_set(err, hr, L"no message service with that MAPIUID in profile %ls", profile);
        goto done;
    }
    dll = mc_propbag_get_wstr(svc, PROP_ID(PR_SERVICE_DLL_NAME_W));
    entry_w = mc_propbag_get_wstr(svc, PROP_ID(PR_SERVICE_ENTRY_NAME));
    if (!dll || !entry_w)
    {
        hr = require_entry ? MAPI_E_NOT_INITIALIZED : S_OK;
        if (err && FAILED(hr))
            mc_last_error_set(err, hr, L"the message service has no entry point (PR_SERVICE_DLL_NAME, PR_SERVICE_ENTRY_NAME)");
        goto done;
    }
    if (!(entry = mc_w2a(entry_w))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (!(mod = mm_dll_load(dll)))
    {
        DWORD e = GetLastError();
        WCHAR *real = mm_dll_real_name(dll);
        hr = MAPI_E_NOT_FOUND;
        if (err) mc_last_error_set(err, hr, L"cannot load the service DLL %ls (from %ls): error %lu",
                                   real ? real : dll, dll, e);
        mc_free(real);
        goto done;
    }
    if (!(fn = (MSGSERVICEENTRY *)(void *)GetProcAddress(mod, entry)))
    {
        WCHAR *real = mm_dll_real_name(dll);
        hr = MAPI_E_NOT_INITIALIZED;
        if (err) mc_last_error_set(err, hr, L"the service DLL %ls has no entry point %hs",
                                   real ? real : dll, entry);
        mc_free(real);
        goto done;
    }
    if (FAILED(hr = mm_support_create(NULL, profile, NULL, service, NULL, &sup))) goto done;
    if (FAILED(hr = mm_provadmin_create(profile, service, NULL, &provadmin))) goto done;
    if (called) *called = TRUE;
    MC_TRACE(MM_CH, "calling %ls!%hs context %lu flags %#lx, %lu props\n", dll, entry, context, flags, n);
    hr = fn(mod, mm_get_malloc(), mm_support_iface(sup), (ULONG)ui, flags, context, n, props,
            provadmin, &mapierror);
    MC_TRACE(MM_CH, "%ls!%hs returned %#lx\n", dll, entry, hr);
    if (err && (FAILED(hr) || mapierror))
    {
        if (mapierror && mapierror->lpszError)
        {
            if (flags & MAPI_UNICODE)
                mc_last_error_set(err, hr, L"%ls", (WCHAR *)mapierror->lpszError);
            else
                mc_last_error_set(err, hr, L"%hs", (char *)mapierror->lpszError);
        }
        else
            mc_last_error_set(err, hr, L"%ls!%hs (context %lu) returned %#lx", dll, entry, context, hr);
    }
    MAPIFreeBuffer(mapierror);
done:
    if (provadmin) provadmin->lpVtbl->Release(provadmin);
    if (sup) mm_support_iface(sup)->lpVtbl->Release(mm_support_iface(sup));
    if (mod) mm_dll_unload(mod);
    mc_free(entry);
    mc_free(entry_w);
    mc_free(dll);
    if (svc) mc_propbag_free(svc);
    return hr;
}

static const ULONG service_columns[] =
{
    PR_DISPLAY_NAME_W, PR_INSTANCE_KEY, PR_RESOURCE_FLAGS, PR_SERVICE_DLL_NAME_W,
    PR_SERVICE_ENTRY_NAME, PR_SERVICE_NAME_W, PR_SERVICE_SUPPORT_FILES_W, PR_SERVICE_UID,
};

HRESULT mm_service_table(const WCHAR *profile, ULONG flags, IMAPITable **out)
{
    BOOL unicode = (flags & MAPI_UNICODE) != 0;
    SPropTagArray *cols = mm_columns(service_columns, ARRAYSIZE(service_columns), unicode);
    MAPIUID *services = NULL;
    ULONG n = 0, i;
    mc_table *t = NULL;
    HRESULT hr;

    if (!cols) return MAPI_E_NOT_ENOUGH_MEMORY;
    /* PR_SERVICE_ENTRY_NAME is PT_STRING8 whatever the width (pidtagserviceentryname). */
    cols->aulPropTag[4] = PR_SERVICE_ENTRY_NAME;
    if (FAILED(hr = mc_table_new(&mm_alloc, PR_INSTANCE_KEY, cols, &t))) goto done;
    if (FAILED(hr = mm_profile_services(profile, &services, &n))) goto done;
    for (i = 0; i < n; i++)
    {
        mc_propbag *b;
        mm_row row;
        if (FAILED(mm_section_load(profile, &services[i], &b))) continue;
        mm_row_init(&row, unicode);
        mm_row_add_bin(&row, PR_INSTANCE_KEY, &services[i], sizeof(MAPIUID));
        mm_row_add_from_bag(&row, b, PR_DISPLAY_NAME_W);
        mm_row_add_from_bag(&row, b, PR_RESOURCE_FLAGS);
        mm_row_add_from_bag(&row, b, PR_SERVICE_DLL_NAME_W);
        mm_row_add_from_bag(&row, b, PR_SERVICE_NAME_W);
        mm_row_add_from_bag(&row, b, PR_SERVICE_SUPPORT_FILES_W);
        mm_row_add_from_bag(&row, b, PR_SERVICE_UID);
        {
            /* always ANSI */
            BOOL u = row.unicode;
            row.unicode = FALSE;
            mm_row_add_from_bag(&row, b, PR_SERVICE_ENTRY_NAME);
            row.unicode = u;
        }
        hr = mc_table_modify_row(t, row.n, row.v);
        mm_row_free(&row);
        mc_propbag_free(b);
        if (FAILED(hr)) goto done;
    }
    hr = mc_table_open_view(t, NULL, NULL, out);
done:
    if (t) mc_table_release(t);
    mc_free(services);
    mc_free(cols);
    return hr;
}

static const ULONG provider_columns[] =
{
    PR_INSTANCE_KEY, PR_DISPLAY_NAME_W, PR_PROVIDER_DISPLAY_W, PR_PROVIDER_DLL_NAME_W,
    PR_PROVIDER_ORDINAL, PR_PROVIDER_UID, PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE,
    PR_SERVICE_NAME_W, PR_SERVICE_UID,
};

HRESULT mm_provider_table(const WCHAR *profile, const MAPIUID *service, ULONG flags,
                          IMAPITable **out)
{
    BOOL unicode = (flags & MAPI_UNICODE) != 0;
    SPropTagArray *cols = mm_columns(provider_columns, ARRAYSIZE(provider_columns), unicode);
    MAPIUID *uids = NULL;
    ULONG n = 0, i, j;
    mc_table *t = NULL;
    HRESULT hr;

    if (!cols) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = mc_table_new(&mm_alloc, PR_INSTANCE_KEY, cols, &t))) goto done;
    if (FAILED(hr = mm_service_providers(profile, service, &uids, &n))) goto done;
    for (i = 0; i < n; i++)
    {
        mc_propbag *b;
        mm_row row;
        if (FAILED(mm_section_load(profile, &uids[i], &b))) continue;
        mm_row_init(&row, unicode);
        mm_row_add_bin(&row, PR_INSTANCE_KEY, &uids[i], sizeof(MAPIUID));
        for (j = 1; j < ARRAYSIZE(provider_columns); j++)
            mm_row_add_from_bag(&row, b, provider_columns[j]);
        hr = mc_table_modify_row(t, row.n, row.v);
        mm_row_free(&row);
        mc_propbag_free(b);
        if (FAILED(hr)) goto done;
    }
    hr = mc_table_open_view(t, NULL, NULL, out);
done:
    if (t) mc_table_release(t);
    mc_free(uids);
    mc_free(cols);
    return hr;
}
