/*
 * service.c - the message service entry point (ServiceEntry, MSGSERVICEENTRY).
 * Docs: msgserviceentry.md, supporting-message-service-configuration.md,
 * iprovideradmin-openprofilesection.md, iprovideradmin-getprovidertable.md,
 * imapisupport-wrapstoreentryid.md; spi-digest §5.1/5.2. No UI: Tandem configures only
 * programmatically (the Profile Wizard path), whatever the UI flags say.
 *
 * CONFIGURE writes the configuration (tandem_private.h) into the SERVICE's section, gives a
 * new store its identity (a GUID; an existing store file keeps its own), and publishes the
 * wrapped store entry ID in the store provider's section so the message store table shows it
 * before the first logon. Values not passed keep what the profile has, else the defaults:
 * %LOCALAPPDATA%\Tandem\<profile>.tandem, the profile name, <profile>@localhost,
 * %ProgramData%\Tandem\drop.
 */
#include <shlobj.h>
#include "store/store.h"
#include "transport/netcfg.h"

typedef struct service_ctx
{
    IMAPISupport *sup;          /* may be NULL */
    IProviderAdmin *admin;
    mc_alloc alloc;
    BOOL have_alloc;            /* only with a support object (GetMemAllocRoutines) */
    ULONG flags;
    WCHAR *why;                 /* failure text (internal memory) */
} service_ctx;

/* ---- helpers ----------------------------------------------------------------------------- */

static HRESULT fail(service_ctx *c, HRESULT hr, WCHAR *text)
{
    mc_free(c->why);
    c->why = text;
    return hr;
}

/* PR_PROFILE_NAME from MAPI's profile instance section, or NULL. */
static WCHAR *profile_name(service_ctx *c)
{
    SizedSPropTagArray(1, tags) = { 1, { PR_PROFILE_NAME_W } };
    IProfSect *sect = NULL;
    SPropValue *v = NULL;
    ULONG n = 0;
    WCHAR *name = NULL;

    if (!c->have_alloc) return NULL;
    if (FAILED(c->admin->lpVtbl->OpenProfileSection(c->admin, (LPMAPIUID)&MUID_PROFILE_INSTANCE,
                                                    NULL, 0, &sect)) &&
        (!c->sup || FAILED(c->sup->lpVtbl->OpenProfileSection(c->sup, (LPMAPIUID)&MUID_PROFILE_INSTANCE,
                                                              0, &sect))))
        return NULL;
    if (SUCCEEDED(sect->lpVtbl->GetProps(sect, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &v)) && v)
    {
        name = td_props_get_wstr(n, v, PROP_ID(PR_PROFILE_NAME_W));
        c->alloc.free_buffer(v);
    }
    sect->lpVtbl->Release(sect);
    return name;
}

/* A profile name made safe as a file name. */
static void sanitize_file_name(WCHAR *s)
{
    for (; *s; s++)
        if (*s < 32 || wcschr(L"\\/:*?\"<>|", *s)) *s = L'_';
}

static WCHAR *known_folder(const WCHAR *env, int csidl)
{
    WCHAR buf[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(env, buf, ARRAYSIZE(buf));

    if (n && n < ARRAYSIZE(buf)) return mc_wcsdup(buf);
    if (SUCCEEDED(SHGetFolderPathW(NULL, csidl, NULL, SHGFP_TYPE_CURRENT, buf))) return mc_wcsdup(buf);
    return NULL;
}

static WCHAR *default_store_path(service_ctx *c, const WCHAR *profile)
{
    WCHAR *base = known_folder(L"LOCALAPPDATA", CSIDL_LOCAL_APPDATA), *folder = NULL, *file, *path = NULL;

    if (!base) return NULL;
    folder = td_wsprintf(L"%ls\\Tandem", base);
    file = mc_wcsdup(profile);
    if (folder && file)
    {
        sanitize_file_name(file);
        /* our own folder: create it for the default path only */
        CreateDirectoryW(folder, NULL);
        path = td_wsprintf(L"%ls\\%ls.tandem", folder, file);
    }
    mc_free(base);
    mc_free(folder);
    mc_free(file);
    return path;
}

static WCHAR *default_drop_root(void)
{
    WCHAR *base = known_folder(L"ProgramData", CSIDL_COMMON_APPDATA), *r;
    if (!base) return NULL;
    r = td_wsprintf(L"%ls\\Tandem\\drop", base);
    mc_free(base);
    return r;
}

/* The configuration properties the caller passed: strings of the known IDs in either width.
 * A known ID with another type is refused (msgserviceentry.md has no "invalid parameter"
 * result: MAPI_E_UNCONFIGURED with a text). PT_ERROR entries are placeholders: skipped. */
static HRESULT parse_props(service_ctx *c, ULONG n, const SPropValue *v, td_config *in)
{
    ULONG i;

    for (i = 0; i < n; i++)
    {
        ULONG id = PROP_ID(v[i].ulPropTag), type = PROP_TYPE(v[i].ulPropTag);
        WCHAR **dst;
        WCHAR *s;

        switch (id)
        {
        case PROP_ID(PR_PST_PATH_W):      dst = &in->path; break;
        case PROP_ID(PR_DISPLAY_NAME_W):  dst = &in->display_name; break;
        case PROP_ID(PR_EMAIL_ADDRESS_W): dst = &in->email; break;
        case PROP_ID(PR_TD_DROP_ROOT_W):  dst = &in->drop_root; break;
        default: continue;   /* not ours to configure */
        }
        if (type == PT_ERROR) continue;
        if ((type != PT_UNICODE && type != PT_STRING8) ||
            (type == PT_UNICODE ? !v[i].Value.lpszW : !v[i].Value.lpszA))
            return fail(c, MAPI_E_UNCONFIGURED,
                        td_wsprintf(L"Property %08lx has the wrong type: Tandem expects a string",
                                    (unsigned long)v[i].ulPropTag));
        s = type == PT_UNICODE ? mc_wcsdup(v[i].Value.lpszW) : mc_a2w(v[i].Value.lpszA);
        if (!s) return MAPI_E_NOT_ENOUGH_MEMORY;
        if (!s[0])
        {
            mc_free(s);
            if (dst == &in->path)
                return fail(c, MAPI_E_UNCONFIGURED, td_wsprintf(L"The store path (PR_PST_PATH) is empty"));
            continue;
        }
        mc_free(*dst);
        *dst = s;
    }
    return S_OK;
}

/* Make the store known in the store provider's section before any logon
 * (td_store_section_props: the wrapped PR_ENTRYID among them): the message store table reads
 * them. */
static HRESULT publish_store(service_ctx *c, const td_config *cfg)
{
    SizedSPropTagArray(2, cols) = { 2, { PR_RESOURCE_TYPE, PR_PROVIDER_UID } };
    IMAPITable *table = NULL;
    IProfSect *sect = NULL;
    SRowSet *rows = NULL;
    ENTRYID *eid = NULL, *wrapped = NULL;
    ULONG cb_eid = 0, cb_wrapped = 0, i, n;
    MAPIUID uid;
    BOOL found = FALSE;
    BYTE record_key[TD_RECORD_KEY_SIZE];
    SPropValue v[TD_STORE_SECTION_PROPS];
    HRESULT hr;

    if (!c->sup || !c->have_alloc) return S_OK;   /* nothing to wrap with: Logon writes it */

    if (FAILED(hr = c->admin->lpVtbl->GetProviderTable(c->admin, 0, &table))) goto done;
    if (FAILED(hr = table->lpVtbl->SetColumns(table, (SPropTagArray *)&cols, 0))) goto done;
    while (!found && SUCCEEDED(hr = table->lpVtbl->QueryRows(table, 16, 0, &rows)) && rows->cRows)
    {
        for (i = 0; i < rows->cRows && !found; i++)
        {
            const SPropValue *t = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_RESOURCE_TYPE);
            const SPropValue *u = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_PROVIDER_UID);
            if (t && t->Value.l == MAPI_STORE_PROVIDER && u && u->Value.bin.cb == sizeof(uid))
            {
                memcpy(&uid, u->Value.bin.lpb, sizeof(uid));
                found = TRUE;
            }
        }
        mc_free_rows(&c->alloc, rows);
        rows = NULL;
    }
    if (rows) { mc_free_rows(&c->alloc, rows); rows = NULL; }
    if (FAILED(hr)) goto done;
    if (!found)
    {
        hr = fail(c, MAPI_E_UNCONFIGURED, td_wsprintf(L"The TANDEM service has no store provider"));
        goto done;
    }

    if (FAILED(hr = td_eid_encode_store(&cfg->store_guid, cfg->path, &cb_eid, &eid))) goto done;
    if (FAILED(hr = c->sup->lpVtbl->WrapStoreEntryID(c->sup, cb_eid, eid, &cb_wrapped, &wrapped))) goto done;
    if (FAILED(hr = c->admin->lpVtbl->OpenProfileSection(c->admin, &uid, NULL, MAPI_MODIFY, &sect))) goto done;

    n = td_store_section_props(&cfg->store_guid, wrapped, cb_wrapped, cfg->display_name,
                               record_key, v);
    hr = sect->lpVtbl->SetProps(sect, n, v, NULL);

done:
    if (FAILED(hr) && !c->why)
        fail(c, hr, td_wsprintf(L"The store's entry ID could not be written to the profile (%#lx)",
                                (unsigned long)hr));
    if (sect) sect->lpVtbl->Release(sect);
    if (table) table->lpVtbl->Release(table);
    if (wrapped) c->alloc.free_buffer(wrapped);
    mc_free(eid);
    return hr;
}

static HRESULT configure(service_ctx *c, ULONG cValues, const SPropValue *lpProps)
{
    td_config in, cur, cfg;
    IProfSect *svc = NULL;
    WCHAR *profile = NULL, *full = NULL, *folder = NULL, *why = NULL;
    GUID file_guid;
    DWORD attr;
    SPropValue v[5];
    HRESULT hr;

    memset(&in, 0, sizeof(in));
    memset(&cur, 0, sizeof(cur));
    memset(&cfg, 0, sizeof(cfg));

    if (cValues && !lpProps) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = parse_props(c, cValues, lpProps, &in))) goto done;
    if (c->flags & MSG_SERVICE_UI_READ_ONLY) goto done;   /* show, don't change: no UI to show */

    if (FAILED(hr = c->admin->lpVtbl->OpenProfileSection(c->admin, NULL, NULL, MAPI_MODIFY, &svc)))
    {
        fail(c, hr, td_wsprintf(L"The service's profile section cannot be opened (%#lx)", (unsigned long)hr));
        goto done;
    }
    if (c->have_alloc && FAILED(hr = td_config_read(&c->alloc, svc, &cur))) goto done;
    if (!cur.has_guid)
    {
        /* never configured: the section's PR_DISPLAY_NAME is the service's name from
         * MAPISVC.INF, not one the user chose */
        mc_free(cur.display_name);
        cur.display_name = NULL;
    }

    /* what is given, else what the profile has, else the default */
    if (!in.path && !cur.path) profile = profile_name(c);
    if (!profile && (!in.display_name && !cur.display_name)) profile = profile_name(c);
    if (!profile && (!in.email && !cur.email)) profile = profile_name(c);
    if (!profile) profile = mc_wcsdup(L"Tandem");

    if (in.path) cfg.path = td_full_path(in.path);
    else if (cur.path) cfg.path = mc_wcsdup(cur.path);
    else cfg.path = default_store_path(c, profile);
    if (!cfg.path) { hr = fail(c, MAPI_E_UNCONFIGURED, td_wsprintf(L"No store path can be determined")); goto done; }
    cfg.display_name = mc_wcsdup(in.display_name ? in.display_name : cur.display_name ? cur.display_name : profile);
    if (in.email) cfg.email = mc_wcsdup(in.email);
    else if (cur.email) cfg.email = mc_wcsdup(cur.email);
    else cfg.email = td_wsprintf(L"%ls@localhost", profile);
    if (in.drop_root) cfg.drop_root = td_full_path(in.drop_root);
    else if (cur.drop_root) cfg.drop_root = mc_wcsdup(cur.drop_root);
    else cfg.drop_root = default_drop_root();
    if (!cfg.display_name || !cfg.email || !cfg.drop_root) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }

    /* the store file: its folder must exist; an existing file must be a Tandem store */
    if (!td_path_folder_exists(cfg.path, &folder))
    {
        hr = fail(c, MAPI_E_UNCONFIGURED,
                  td_wsprintf(L"The folder %ls for the store file does not exist", folder ? folder : cfg.path));
        goto done;
    }
    attr = GetFileAttributesW(cfg.path);
    if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY))
    {
        hr = fail(c, MAPI_E_UNCONFIGURED, td_wsprintf(L"The store path %ls is a folder, not a file", cfg.path));
        goto done;
    }
    hr = td_db_probe(cfg.path, &file_guid, &why);
    if (SUCCEEDED(hr))
    {
        cfg.store_guid = file_guid;     /* an existing store keeps its identity */
        cfg.has_guid = TRUE;
    }
    else if (hr != MAPI_E_NOT_FOUND)
    {
        hr = fail(c, MAPI_E_UNCONFIGURED, why ? why : td_wsprintf(L"The file %ls is not a usable Tandem store", cfg.path));
        why = NULL;
        goto done;
    }
    else if (cur.has_guid && cur.path && CompareStringOrdinal(cur.path, -1, cfg.path, -1, TRUE) == CSTR_EQUAL)
    {
        cfg.store_guid = cur.store_guid; /* same (not yet created) store as before */
        cfg.has_guid = TRUE;
    }
    else
    {
        hr = c->sup ? c->sup->lpVtbl->NewUID(c->sup, (MAPIUID *)&cfg.store_guid)
                    : CoCreateGuid(&cfg.store_guid);
        if (FAILED(hr)) goto done;
        cfg.has_guid = TRUE;
    }

    v[0].ulPropTag = PR_PST_PATH_W;
    v[0].Value.lpszW = cfg.path;
    v[1].ulPropTag = PR_DISPLAY_NAME_W;
    v[1].Value.lpszW = cfg.display_name;
    v[2].ulPropTag = PR_EMAIL_ADDRESS_W;
    v[2].Value.lpszW = cfg.email;
    v[3].ulPropTag = PR_TD_DROP_ROOT_W;
    v[3].Value.lpszW = cfg.drop_root;
    v[4].ulPropTag = PR_TD_STORE_GUID;
    v[4].Value.bin.cb = sizeof(GUID);
    v[4].Value.bin.lpb = (BYTE *)&cfg.store_guid;
    /* the network channels' settings (transport/netcfg.h), checked before anything is written */
    if (FAILED(hr = td_netcfg_configure(svc, cValues, lpProps, &why)))
    {
        hr = fail(c, hr, why);
        why = NULL;
        goto done;
    }
    if (FAILED(hr = svc->lpVtbl->SetProps(svc, 5, v, NULL)))
    {
        fail(c, hr, td_wsprintf(L"The configuration cannot be written to the profile (%#lx)", (unsigned long)hr));
        goto done;
    }
    /* release the service section before opening the provider's (one writer at a time) */
    svc->lpVtbl->Release(svc);
    svc = NULL;
    hr = publish_store(c, &cfg);

done:
    if (svc) svc->lpVtbl->Release(svc);
    td_config_clear(&in);
    td_config_clear(&cur);
    td_config_clear(&cfg);
    mc_free(profile);
    mc_free(full);
    mc_free(folder);
    mc_free(why);
    return hr;
}

HRESULT WINAPI ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc, LPMAPISUP lpMAPISup,
        ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext, ULONG cValues, LPSPropValue lpProps,
        LPPROVIDERADMIN lpProviderAdmin, LPMAPIERROR *lppMapiError)
{
    service_ctx c;
    HRESULT hr;

    MC_TRACE("service", "sup %p flags %#lx context %lu props %lu", lpMAPISup,
             (unsigned long)ulFlags, (unsigned long)ulContext, (unsigned long)cValues);
    memset(&c, 0, sizeof(c));
    if (lppMapiError) *lppMapiError = NULL;
    c.sup = lpMAPISup;
    c.admin = lpProviderAdmin;
    c.flags = ulFlags;
    if (lpMAPISup && SUCCEEDED(lpMAPISup->lpVtbl->GetMemAllocRoutines(lpMAPISup,
            &c.alloc.allocate_buffer, &c.alloc.allocate_more, &c.alloc.free_buffer)) &&
        c.alloc.allocate_buffer && c.alloc.allocate_more && c.alloc.free_buffer)
        c.have_alloc = TRUE;

    switch (ulContext)
    {
    case MSG_SERVICE_INSTALL:
    case MSG_SERVICE_UNINSTALL:
    case MSG_SERVICE_DELETE:
        /* nothing installed beyond the files; the store file stays (it is the user's mail) */
        hr = S_OK;
        break;
    case MSG_SERVICE_CREATE:
        /* Created programmatically (CreateMsgService, then ConfigureMsgService with the
         * properties, imsgserviceadmin-createmsgservice.md). msgserviceentry.md asks a service
         * without UI flags to fail here, which would make that documented recipe impossible;
         * we succeed and leave the service unconfigured: the first Logon answers
         * MAPI_E_UNCONFIGURED and MAPI calls us with MSG_SERVICE_CONFIGURE. */
        hr = S_OK;
        break;
    case MSG_SERVICE_CONFIGURE:
        if (!lpProviderAdmin) { hr = MAPI_E_INVALID_PARAMETER; break; }
        hr = configure(&c, cValues, lpProps);
        break;
    default:   /* PROVIDER_CREATE / PROVIDER_DELETE: one store, one transport */
        hr = MAPI_E_NO_SUPPORT;
        break;
    }

    if (FAILED(hr) && c.why && c.have_alloc && lppMapiError)
        mc_make_mapierror(&c.alloc, ulFlags & MAPI_UNICODE, TD_COMPONENT, c.why, 0, lppMapiError);
    mc_free(c.why);
    MC_TRACE("service", "-> %#lx", (unsigned long)hr);
    return hr;
}
