/*
 * cmd_profile.c - `tandem profile create|list|show|delete` (issue 8 point 1): MAPI profiles
 * through IProfAdmin and IMsgServiceAdmin, the TANDEM service configured with
 * ConfigureMsgService (the store, the identity, the drop root and the network channels of
 * README.md's configuration table; passwords go in as strings at their secure-range IDs and
 * the service keeps only their protected form). `show` never prints a secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapicli.h"
#include "netcfg.h"
#include "tandem/mapiext.h"

#define PR_TD_SMTP_PASSWORD_W PROP_TAG(PT_UNICODE, 0x67F0)
#define PR_TD_IN_PASSWORD_W   PROP_TAG(PT_UNICODE, 0x67F1)

static int admin_open(IProfAdmin **admin)
{
    HRESULT hr;

    if (FAILED(hr = MAPIInitialize(NULL))) return mapi_failure("MAPIInitialize", hr);
    if (FAILED(hr = MAPIAdminProfiles(0, admin))) {
        MAPIUninitialize();
        return mapi_failure("MAPIAdminProfiles", hr);
    }
    return EXIT_OK;
}

static void admin_close(IProfAdmin *admin)
{
    admin->lpVtbl->Release(admin);
    MAPIUninitialize();
}

/* Is `name` a profile? */
static HRESULT profile_exists(IProfAdmin *admin, const char *name, int *is_default)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_DEFAULT_PROFILE}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;

    if (FAILED(hr = admin->lpVtbl->GetProfileTable(admin, 0, &t))) return hr;
    if (SUCCEEDED(hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows))) {
        hr = MAPI_E_NOT_FOUND;
        for (i = 0; i < rows->cRows; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            if (v[0].ulPropTag == PR_DISPLAY_NAME_A && !_stricmp(v[0].Value.lpszA, name)) {
                if (is_default) *is_default = v[1].ulPropTag == PR_DEFAULT_PROFILE && v[1].Value.b;
                hr = S_OK;
            }
        }
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);
    return hr;
}

/* The TANDEM service of a profile: its admin object and UID. */
static HRESULT tandem_service(IProfAdmin *admin, const char *profile, IMsgServiceAdmin **svc, MAPIUID *uid)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_SERVICE_NAME_A, PR_SERVICE_UID}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;

    *svc = NULL;
    if (FAILED(hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)profile, NULL, 0, 0, svc))) return hr;
    hr = (*svc)->lpVtbl->GetMsgServiceTable(*svc, 0, &t);
    if (SUCCEEDED(hr)) hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (SUCCEEDED(hr)) {
        hr = MAPI_E_NOT_FOUND;
        for (i = 0; i < rows->cRows; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            if (v[0].ulPropTag == PR_SERVICE_NAME_A && !_stricmp(v[0].Value.lpszA, "TANDEM")
                && v[1].ulPropTag == PR_SERVICE_UID && v[1].Value.bin.cb == sizeof(MAPIUID)) {
                memcpy(uid, v[1].Value.bin.lpb, sizeof(MAPIUID));
                hr = S_OK;
                break;
            }
        }
    }
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    if (FAILED(hr)) {
        (*svc)->lpVtbl->Release(*svc);
        *svc = NULL;
    }
    return hr;
}

/* ---- create ----------------------------------------------------------------------------------- */

static int parse_security(const char *cmd, const char *s, LONG *out)
{
    if (!_stricmp(s, "none")) *out = TD_SEC_NONE;
    else if (!_stricmp(s, "starttls")) *out = TD_SEC_STARTTLS;
    else if (!_stricmp(s, "tls")) *out = TD_SEC_TLS;
    else return usage_error(cmd, "security is none, starttls or tls, not '%s'", s);
    return EXIT_OK;
}

static int parse_port(const char *cmd, const char *s, LONG *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1 || v > 65535) return usage_error(cmd, "bad port '%s'", s);
    *out = v;
    return EXIT_OK;
}

typedef struct prop_list {
    SPropValue v[32];
    WCHAR *owned[32];
    ULONG n, nowned;
} prop_list;

static void pl_string(prop_list *l, ULONG tag, const char *s)
{
    WCHAR *w = wide_from_utf8(s);
    l->owned[l->nowned++] = w;
    l->v[l->n].ulPropTag = tag;
    l->v[l->n++].Value.lpszW = w;
}

static void pl_long(prop_list *l, ULONG tag, LONG v)
{
    l->v[l->n].ulPropTag = tag;
    l->v[l->n++].Value.l = v;
}

static void pl_bool(prop_list *l, ULONG tag, int v)
{
    l->v[l->n].ulPropTag = tag;
    l->v[l->n++].Value.b = (unsigned short)v;
}

static void pl_free(prop_list *l)
{
    ULONG i;
    for (i = 0; i < l->nowned; i++) free(l->owned[i]);
}

static int profile_create(int argc, char **argv)
{
    const char *arg, *name = NULL, *store = NULL, *display = NULL, *email = NULL;
    const char *smtp_user = NULL, *smtp_password = NULL, *in_user = NULL, *in_password = NULL;
    const char *drop = NULL, *smtp_host = NULL, *in_host = NULL, *thumb = NULL;
    LONG smtp_port = 0, smtp_sec = -1, in_port = 0, in_sec = -1, in_proto = -1, timeout = 0;
    int json = 0, make_default = 0, allow_plain = 0, leave = 0, rc = EXIT_OK;
    IProfAdmin *admin = NULL;
    IMsgServiceAdmin *svc = NULL;
    prop_list pl;
    MAPIUID uid;
    WCHAR path[MAX_PATH];
    char *store_u = NULL;
    HRESULT hr;
    opts o;

    memset(&pl, 0, sizeof(pl));
    opts_init(&o, argc, argv);
    while (rc == EXIT_OK && opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--default", 0)) make_default = 1;
        else if (opt_is(&o, arg, "--store", 1)) store = o.value;
        else if (opt_is(&o, arg, "--name", 1)) display = o.value;
        else if (opt_is(&o, arg, "--email", 1)) email = o.value;
        else if (opt_is(&o, arg, "--drop-root", 1)) drop = o.value;
        else if (opt_is(&o, arg, "--smtp-host", 1)) smtp_host = o.value;
        else if (opt_is(&o, arg, "--smtp-port", 1)) rc = parse_port(argv[0], o.value, &smtp_port);
        else if (opt_is(&o, arg, "--smtp-security", 1)) rc = parse_security(argv[0], o.value, &smtp_sec);
        else if (opt_is(&o, arg, "--smtp-user", 1)) smtp_user = o.value;
        else if (opt_is(&o, arg, "--smtp-password", 1)) smtp_password = o.value;
        else if (opt_is(&o, arg, "--inbound", 1)) {
            if (!_stricmp(o.value, "pop3")) in_proto = TD_IN_POP3;
            else if (!_stricmp(o.value, "imap")) in_proto = TD_IN_IMAP;
            else if (!_stricmp(o.value, "none")) in_proto = TD_IN_NONE;
            else rc = usage_error(argv[0], "--inbound is pop3, imap or none");
        }
        else if (opt_is(&o, arg, "--in-host", 1)) in_host = o.value;
        else if (opt_is(&o, arg, "--in-port", 1)) rc = parse_port(argv[0], o.value, &in_port);
        else if (opt_is(&o, arg, "--in-security", 1)) rc = parse_security(argv[0], o.value, &in_sec);
        else if (opt_is(&o, arg, "--in-user", 1)) in_user = o.value;
        else if (opt_is(&o, arg, "--in-password", 1)) in_password = o.value;
        else if (opt_is(&o, arg, "--allow-plain-password", 0)) allow_plain = 1;
        else if (opt_is(&o, arg, "--leave-on-server", 0)) leave = 1;
        else if (opt_is(&o, arg, "--trusted-thumbprint", 1)) thumb = o.value;
        else if (opt_is(&o, arg, "--timeout", 1)) timeout = atol(o.value);
        else if (arg[0] == '-' && arg[1]) rc = usage_error(argv[0], "unknown option '%s'", arg);
        else if (!name) name = arg;
        else rc = usage_error(argv[0], "one profile name");
    }
    if (o.bad) return EXIT_USAGE;
    if (rc) return rc;
    if (!name) return usage_error(argv[0], "a profile name is needed");

    if (!store) {
        WCHAR base[MAX_PATH];
        WCHAR *wname = wide_from_utf8(name);
        if (!GetEnvironmentVariableW(L"LOCALAPPDATA", base, MAX_PATH)) wcscpy(base, L"C:\\");
        swprintf(path, MAX_PATH, L"%ls\\Tandem", base);
        CreateDirectoryW(path, NULL);
        swprintf(path, MAX_PATH, L"%ls\\Tandem\\%ls.tandem", base, wname ? wname : L"profile");
        free(wname);
        store = store_u = utf8_from_wide(path);
    }
    pl_string(&pl, PR_PST_PATH_W, store);
    pl_string(&pl, PR_DISPLAY_NAME_W, display ? display : name);
    if (email) pl_string(&pl, PR_EMAIL_ADDRESS_W, email);
    if (drop) pl_string(&pl, PR_TD_DROP_ROOT_W, drop);
    if (smtp_host) pl_string(&pl, PR_TD_SMTP_HOST_W, smtp_host);
    if (smtp_port) pl_long(&pl, PR_TD_SMTP_PORT, smtp_port);
    if (smtp_sec >= 0) pl_long(&pl, PR_TD_SMTP_SECURITY, smtp_sec);
    if (smtp_user) pl_string(&pl, PR_TD_SMTP_USER_W, smtp_user);
    if (smtp_password) pl_string(&pl, PR_TD_SMTP_PASSWORD_W, smtp_password);
    if (in_proto >= 0) pl_long(&pl, PR_TD_IN_PROTOCOL, in_proto);
    if (in_host) pl_string(&pl, PR_TD_IN_HOST_W, in_host);
    if (in_port) pl_long(&pl, PR_TD_IN_PORT, in_port);
    if (in_sec >= 0) pl_long(&pl, PR_TD_IN_SECURITY, in_sec);
    if (in_user) pl_string(&pl, PR_TD_IN_USER_W, in_user);
    if (in_password) pl_string(&pl, PR_TD_IN_PASSWORD_W, in_password);
    if (allow_plain) pl_bool(&pl, PR_TD_ALLOW_PLAIN_PASSWORD, 1);
    if (leave) pl_bool(&pl, PR_TD_LEAVE_ON_SERVER, 1);
    if (thumb) pl_string(&pl, PR_TD_TRUSTED_THUMBPRINT_W, thumb);
    if (timeout > 0) pl_long(&pl, PR_TD_NET_TIMEOUT, timeout);

    if ((rc = admin_open(&admin))) goto done;
    if (SUCCEEDED(profile_exists(admin, name, NULL))) {
        error_line("profile '%s' exists already (tandem profile delete %s)", name, name);
        rc = EXIT_FAILED;
        goto done;
    }
    if (FAILED(hr = admin->lpVtbl->CreateProfile(admin, (LPTSTR)name, NULL, 0,
                                                 make_default ? MAPI_DEFAULT_SERVICES : 0))) {
        rc = mapi_failure("CreateProfile", hr);
        goto done;
    }
    hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)name, NULL, 0, 0, &svc);
    if (SUCCEEDED(hr)) hr = svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"TANDEM", (LPTSTR)"Tandem", 0, 0);
    if (svc) svc->lpVtbl->Release(svc);
    svc = NULL;
    if (SUCCEEDED(hr)) hr = tandem_service(admin, name, &svc, &uid);
    if (SUCCEEDED(hr)) hr = svc->lpVtbl->ConfigureMsgService(svc, &uid, 0, 0, pl.n, pl.v);
    if (SUCCEEDED(hr) && make_default) hr = admin->lpVtbl->SetDefaultProfile(admin, (LPTSTR)name, 0);
    if (FAILED(hr)) {
        /* leave nothing half made */
        rc = mapi_failure("configuring the TANDEM service", hr);
        admin->lpVtbl->DeleteProfile(admin, (LPTSTR)name, 0);
        goto done;
    }
    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "profile");
        jw_cstring(&j.w, name);
        jw_key(&j.w, "store");
        jw_cstring(&j.w, store);
        jw_key(&j.w, "created");
        jw_bool(&j.w, 1);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        printf("created profile '%s' (store %s)\n", name, store);
    }

done:
    if (svc) svc->lpVtbl->Release(svc);
    if (admin) admin_close(admin);
    pl_free(&pl);
    free(store_u);
    return rc;
}

/* ---- list ------------------------------------------------------------------------------------- */

static int profile_list(int argc, char **argv)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_DEFAULT_PROFILE}};
    const char *arg;
    IProfAdmin *admin = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    int json = 0, rc;
    HRESULT hr;
    ULONG i;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else return usage_error(argv[0], "unexpected '%s'", arg);
    }
    if ((rc = admin_open(&admin))) return rc;
    hr = admin->lpVtbl->GetProfileTable(admin, 0, &t);
    if (SUCCEEDED(hr)) hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (FAILED(hr)) {
        rc = mapi_failure("GetProfileTable", hr);
    } else if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "profiles");
        jw_begin_array(&j.w);
        for (i = 0; i < rows->cRows; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            jw_begin_object(&j.w);
            jw_key(&j.w, "name");
            jw_cstring(&j.w, v[0].ulPropTag == PR_DISPLAY_NAME_A ? v[0].Value.lpszA : "");
            jw_key(&j.w, "default");
            jw_bool(&j.w, v[1].ulPropTag == PR_DEFAULT_PROFILE && v[1].Value.b);
            jw_end_object(&j.w);
        }
        jw_end_array(&j.w);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        for (i = 0; i < rows->cRows; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            printf("%s%s\n", v[0].ulPropTag == PR_DISPLAY_NAME_A ? v[0].Value.lpszA : "?",
                   v[1].ulPropTag == PR_DEFAULT_PROFILE && v[1].Value.b ? " (default)" : "");
        }
        if (!rows->cRows) printf("(no profiles)\n");
    }
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    admin_close(admin);
    return rc;
}

/* ---- show ------------------------------------------------------------------------------------- */

static const struct { ULONG id; const char *key; const char *const *names; } shown[] = {
    { 0x6700, "store", NULL },
    { 0x3001, "name", NULL },
    { 0x3003, "email", NULL },
    { 0x6790, "drop_root", NULL },
    { 0x6791, "smtp_host", NULL },
    { 0x6792, "smtp_port", NULL },
    { 0x6793, "smtp_security", (const char *const[]){ "none", "starttls", "tls" } },
    { 0x6794, "smtp_user", NULL },
    { 0x6795, "inbound", (const char *const[]){ "none", "pop3", "imap" } },
    { 0x6796, "in_host", NULL },
    { 0x6797, "in_port", NULL },
    { 0x6798, "in_security", (const char *const[]){ "none", "starttls", "tls" } },
    { 0x6799, "in_user", NULL },
    { 0x679A, "allow_plain_password", NULL },
    { 0x679B, "leave_on_server", NULL },
    { 0x679C, "trusted_thumbprint", NULL },
    { 0x679D, "timeout", NULL },
    { 0x67F0, "smtp_password", NULL },
    { 0x67F1, "in_password", NULL },
};

static int profile_show(int argc, char **argv)
{
    const char *arg, *name = NULL;
    IProfAdmin *admin = NULL;
    IMsgServiceAdmin *svc = NULL;
    IProfSect *sect = NULL;
    SPropValue *props = NULL;
    ULONG count = 0, i, k;
    int json = 0, rc, is_default = 0;
    MAPIUID uid;
    HRESULT hr;
    out_json j;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (arg[0] == '-' && arg[1]) return usage_error(argv[0], "unknown option '%s'", arg);
        else if (!name) name = arg;
        else return usage_error(argv[0], "one profile name");
    }
    if (!name) return usage_error(argv[0], "a profile name is needed");
    if ((rc = admin_open(&admin))) return rc;
    if (FAILED(hr = profile_exists(admin, name, &is_default))) {
        rc = hr == MAPI_E_NOT_FOUND ? (error_line("no profile '%s'", name), EXIT_NOT_FOUND)
                                    : mapi_failure("GetProfileTable", hr);
        goto done;
    }
    hr = tandem_service(admin, name, &svc, &uid);
    if (SUCCEEDED(hr)) hr = svc->lpVtbl->OpenProfileSection(svc, &uid, NULL, 0, &sect);
    if (SUCCEEDED(hr)) hr = sect->lpVtbl->GetProps(sect, NULL, MAPI_UNICODE, &count, &props);
    if (FAILED(hr)) {
        rc = hr == MAPI_E_NOT_FOUND ? (error_line("profile '%s' has no TANDEM service", name), EXIT_NOT_FOUND)
                                    : mapi_failure("reading the TANDEM service's section", hr);
        goto done;
    }
    if (json) {
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "profile");
        jw_cstring(&j.w, name);
        jw_key(&j.w, "default");
        jw_bool(&j.w, is_default);
        jw_key(&j.w, "service");
        jw_cstring(&j.w, "TANDEM");
    } else {
        printf("profile     %s%s\nservice     TANDEM\n", name, is_default ? " (default)" : "");
    }
    for (k = 0; k < ARRAYSIZE(shown); k++) {
        const SPropValue *v = NULL;
        strbuf b = {0};
        for (i = 0; i < count; i++)
            if (PROP_ID(props[i].ulPropTag) == shown[k].id && PROP_TYPE(props[i].ulPropTag) != PT_ERROR)
                v = &props[i];
        if (!v) continue;
        if (shown[k].id >= 0x67F0) {
            sb_puts(&b, "(set)");     /* the secure range: only whether it is there */
        } else if (shown[k].names && PROP_TYPE(v->ulPropTag) == PT_LONG && v->Value.l >= 0 && v->Value.l <= 2) {
            sb_puts(&b, shown[k].names[v->Value.l]);
        } else {
            prop_text(&b, v, 64);
        }
        if (json) {
            jw_key(&j.w, shown[k].key);
            if (shown[k].id >= 0x67F0 || PROP_TYPE(v->ulPropTag) == PT_BOOLEAN) jw_bool(&j.w, shown[k].id >= 0x67F0 || v->Value.b);
            else if (PROP_TYPE(v->ulPropTag) == PT_LONG && !shown[k].names) jw_int(&j.w, v->Value.l);
            else jw_cstring(&j.w, b.data ? b.data : "");
        } else {
            printf("%-21s %s\n", shown[k].key, b.data ? b.data : "");
        }
        sb_free(&b);
    }
    if (json) {
        jw_end_object(&j.w);
        out_json_end(&j);
    }

done:
    MAPIFreeBuffer(props);
    if (sect) sect->lpVtbl->Release(sect);
    if (svc) svc->lpVtbl->Release(svc);
    admin_close(admin);
    return rc;
}

/* ---- delete ----------------------------------------------------------------------------------- */

static int profile_delete(int argc, char **argv)
{
    const char *arg, *name = NULL;
    IProfAdmin *admin = NULL;
    int json = 0, rc;
    HRESULT hr;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (arg[0] == '-' && arg[1]) return usage_error(argv[0], "unknown option '%s'", arg);
        else if (!name) name = arg;
        else return usage_error(argv[0], "one profile name");
    }
    if (!name) return usage_error(argv[0], "a profile name is needed");
    if ((rc = admin_open(&admin))) return rc;
    if (FAILED(hr = profile_exists(admin, name, NULL))) {
        error_line("no profile '%s'", name);
        rc = exit_for_hr(hr);
    } else if (FAILED(hr = admin->lpVtbl->DeleteProfile(admin, (LPTSTR)name, 0))) {
        rc = mapi_failure("DeleteProfile", hr);
    } else if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "profile");
        jw_cstring(&j.w, name);
        jw_key(&j.w, "deleted");
        jw_bool(&j.w, 1);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        printf("deleted profile '%s' (its store file is kept)\n", name);
    }
    admin_close(admin);
    return rc;
}

static const command create_cmd = {
    "create", "create a profile with the Tandem service",
    "usage: tandem profile create NAME [--store PATH] [--name DISPLAY] [--email ADDRESS]\n"
    "           [--drop-root DIR] [--default] [--json]\n"
    "           [--smtp-host H [--smtp-port N] [--smtp-security none|starttls|tls]\n"
    "            [--smtp-user U] [--smtp-password P]]\n"
    "           [--inbound pop3|imap|none --in-host H [--in-port N] [--in-security none|starttls|tls]\n"
    "            [--in-user U] [--in-password P]]\n"
    "           [--allow-plain-password] [--leave-on-server] [--trusted-thumbprint HEX] [--timeout S]\n"
    "\n"
    "The store defaults to %LOCALAPPDATA%\\Tandem\\NAME.tandem. Passwords are kept protected\n"
    "(CryptProtectData) in the profile. Without --smtp-host mail goes through the drop directory.",
    profile_create, NULL,
};

static const command list_cmd = {
    "list", "list the MAPI profiles",
    "usage: tandem profile list [--json]",
    profile_list, NULL,
};

static const command show_cmd = {
    "show", "print a profile's Tandem service configuration (no secrets)",
    "usage: tandem profile show NAME [--json]\n"
    "\n"
    "Passwords are shown only as set; their values never leave the profile.",
    profile_show, NULL,
};

static const command delete_cmd = {
    "delete", "delete a profile (the store file is kept)",
    "usage: tandem profile delete NAME [--json]",
    profile_delete, NULL,
};

static const command *const profile_children[] = { &create_cmd, &list_cmd, &show_cmd, &delete_cmd, NULL };

const command profile_command = {
    "profile", "create, list, show and delete MAPI profiles",
    "usage: tandem profile create|list|show|delete ...",
    NULL, profile_children,
};
