/*
 * test_tandem_service.c - tandem32's ServiceEntry (msgserviceentry.md, spi-digest §5.1):
 * the contexts, CONFIGURE writing the service section and publishing the store's wrapped entry
 * ID in the store provider's section, defaults from the profile name, and refusals with a
 * MAPIERROR (wrong types, a folder that does not exist, a file that is not a store).
 */
#include "test_tandem_fakes.h"
#include "store/entryid.h"
#include "db/db.h"

typedef struct sctx
{
    WCHAR *dir, *path;
    fake_profile profile;
} sctx;

static int setup(void **state)
{
    sctx *c = calloc(1, sizeof(*c));
    c->dir = test_mkdtemp();
    c->path = td_wsprintf(L"%ls\\mail.tandem", c->dir);
    fake_profile_init(&c->profile, L"alice");
    *state = c;
    return test_setup_alloc(state);
}

static int teardown(void **state)
{
    sctx *c = *state;
    fake_profile_free(&c->profile);
    assert_int_equal(td_db_open_count(), 0);
    mc_free(c->path);
    test_rmdir(c->dir);
    free(c);
    return test_teardown_alloc(state);
}

static WCHAR *svc_string(sctx *c, ULONG tag)
{
    return mc_propbag_get_wstr(fake_service_section(&c->profile)->bag, PROP_ID(tag));
}

static void check_svc_string(sctx *c, ULONG tag, const WCHAR *expect)
{
    WCHAR *s = svc_string(c, tag);
    assert_non_null(s);
    if (_wcsicmp(s, expect)) fail_msg("%ls != %ls", s, expect);
    mc_free(s);
}

static void contexts(void **state)
{
    sctx *c = *state;
    fake_sup sup;
    fake_admin admin;
    MAPIERROR *err = (MAPIERROR *)0x1;
    static const ULONG ok[] = { MSG_SERVICE_INSTALL, MSG_SERVICE_CREATE, MSG_SERVICE_DELETE, MSG_SERVICE_UNINSTALL };
    ULONG i;

    fake_sup_init(&sup, &c->profile, &c->profile.service_uid);
    fake_admin_init(&admin, &c->profile);
    for (i = 0; i < ARRAYSIZE(ok); i++)
    {
        err = (MAPIERROR *)0x1;
        assert_int_equal(ServiceEntry(NULL, NULL, &sup.IMAPISupport_iface, 0, 0, ok[i], 0, NULL,
                                      &admin.IProviderAdmin_iface, &err), S_OK);
        assert_null(err);
    }
    assert_int_equal(ServiceEntry(NULL, NULL, &sup.IMAPISupport_iface, 0, 0, MSG_SERVICE_PROVIDER_CREATE, 0, NULL,
                                  &admin.IProviderAdmin_iface, &err), MAPI_E_NO_SUPPORT);
    assert_int_equal(ServiceEntry(NULL, NULL, &sup.IMAPISupport_iface, 0, 0, MSG_SERVICE_PROVIDER_DELETE, 0, NULL,
                                  &admin.IProviderAdmin_iface, &err), MAPI_E_NO_SUPPORT);
    /* CREATE wrote nothing: the service stays unconfigured until CONFIGURE */
    assert_null(mc_propbag_get(fake_service_section(&c->profile)->bag, PR_PST_PATH_W));
    /* no provider admin: nothing to configure */
    assert_int_equal(ServiceEntry(NULL, NULL, &sup.IMAPISupport_iface, 0, 0, MSG_SERVICE_CONFIGURE, 0, NULL,
                                  NULL, &err), MAPI_E_INVALID_PARAMETER);
    fake_sup_done(&sup);
}

static void configure_writes_profile(void **state)
{
    sctx *c = *state;
    SPropValue p[4];
    const SBinary *guid, *eid, *mdb;
    GUID first;
    td_eid d;

    p[0].ulPropTag = PR_PST_PATH_W;
    p[0].Value.lpszW = c->path;
    p[1].ulPropTag = PR_DISPLAY_NAME_W;
    p[1].Value.lpszW = (WCHAR *)L"Alice's Mail";
    p[2].ulPropTag = PR_EMAIL_ADDRESS_A;              /* ANSI forms are accepted too */
    p[2].Value.lpszA = (char *)"alice@example.org";
    p[3].ulPropTag = PR_SUBJECT_W;                    /* not ours: ignored */
    p[3].Value.lpszW = (WCHAR *)L"x";
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 4, p, NULL), S_OK);

    check_svc_string(c, PR_PST_PATH_W, c->path);
    check_svc_string(c, PR_DISPLAY_NAME_W, L"Alice's Mail");
    check_svc_string(c, PR_EMAIL_ADDRESS_W, L"alice@example.org");
    {
        WCHAR *drop = svc_string(c, PR_TD_DROP_ROOT_W);
        assert_non_null(drop);
        assert_non_null(wcsstr(drop, L"Tandem\\drop"));
        mc_free(drop);
    }
    guid = mc_propbag_get_bin(fake_service_section(&c->profile)->bag, PR_TD_STORE_GUID);
    assert_non_null(guid);
    assert_int_equal(guid->cb, sizeof(GUID));
    memcpy(&first, guid->lpb, sizeof(GUID));
    /* CONFIGURE does not create the file */
    assert_int_equal(GetFileAttributesW(c->path), INVALID_FILE_ATTRIBUTES);

    /* the store provider's section has the wrapped entry ID of that store */
    eid = mc_propbag_get_bin(fake_store_section(&c->profile)->bag, PR_ENTRYID);
    assert_non_null(eid);
    assert_memory_equal(eid->lpb + 4, fake_wrap_uid, 16);
    assert_int_equal(td_eid_decode(eid->cb - 20, (ENTRYID *)(eid->lpb + 20), &d), S_OK);
    assert_int_equal(d.kind, TD_EID_STORE);
    assert_memory_equal(&d.store_guid, &first, sizeof(GUID));
    assert_true(!_wcsicmp(d.path, c->path));
    td_eid_clear(&d);
    mdb = mc_propbag_get_bin(fake_store_section(&c->profile)->bag, PR_MDB_PROVIDER);
    assert_non_null(mdb);
    assert_memory_equal(mdb->lpb, &td_provider_uid, sizeof(MAPIUID));
    /* the transport's section is not touched */
    assert_null(mc_propbag_get(fake_find_section(&c->profile, &c->profile.transport_uid, FALSE)->bag, PR_ENTRYID));

    /* reconfiguring the same path (only the name changes) keeps the identity */
    p[0].ulPropTag = PR_DISPLAY_NAME_A;
    p[0].Value.lpszA = (char *)"Renamed";
    assert_int_equal(test_configure(&c->profile, 0, 1, p, NULL), S_OK);
    check_svc_string(c, PR_DISPLAY_NAME_W, L"Renamed");
    check_svc_string(c, PR_PST_PATH_W, c->path);
    check_svc_string(c, PR_EMAIL_ADDRESS_W, L"alice@example.org");
    guid = mc_propbag_get_bin(fake_service_section(&c->profile)->bag, PR_TD_STORE_GUID);
    assert_memory_equal(guid->lpb, &first, sizeof(GUID));

    /* another (new) file is another store */
    {
        WCHAR *other = td_wsprintf(L"%ls\\other.tandem", c->dir);
        p[0].ulPropTag = PR_PST_PATH_W;
        p[0].Value.lpszW = other;
        assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, p, NULL), S_OK);
        guid = mc_propbag_get_bin(fake_service_section(&c->profile)->bag, PR_TD_STORE_GUID);
        assert_memory_not_equal(guid->lpb, &first, sizeof(GUID));
        mc_free(other);
    }
}

static void existing_store_keeps_its_identity(void **state)
{
    sctx *c = *state;
    static const GUID file_guid = { 0x12345678, 0x1234, 0x1234, { 1, 1, 2, 2, 3, 3, 4, 4 } };
    td_db *db;
    SPropValue p;
    const SBinary *guid;

    assert_int_equal(td_db_open(c->path, &file_guid, NULL, &db, NULL), S_OK);
    td_db_release(db);
    p.ulPropTag = PR_PST_PATH_W;
    p.Value.lpszW = c->path;
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, &p, NULL), S_OK);
    guid = mc_propbag_get_bin(fake_service_section(&c->profile)->bag, PR_TD_STORE_GUID);
    assert_non_null(guid);
    assert_memory_equal(guid->lpb, &file_guid, sizeof(GUID));
}

static void defaults_from_profile_name(void **state)
{
    sctx *c = *state;
    WCHAR *path, *expect;
    WCHAR appdata[MAX_PATH], old[MAX_PATH];
    DWORD had = GetEnvironmentVariableW(L"LOCALAPPDATA", old, MAX_PATH);

    /* point %LOCALAPPDATA% at our temporary folder */
    wcscpy(appdata, c->dir);
    SetEnvironmentVariableW(L"LOCALAPPDATA", appdata);
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 0, NULL, NULL), S_OK);
    SetEnvironmentVariableW(L"LOCALAPPDATA", had ? old : NULL);

    path = svc_string(c, PR_PST_PATH_W);
    expect = td_wsprintf(L"%ls\\Tandem\\alice.tandem", c->dir);
    assert_non_null(path);
    assert_true(!_wcsicmp(path, expect));
    check_svc_string(c, PR_DISPLAY_NAME_W, L"alice");
    check_svc_string(c, PR_EMAIL_ADDRESS_W, L"alice@localhost");
    /* the Tandem folder was created for the default */
    {
        WCHAR *folder = td_wsprintf(L"%ls\\Tandem", c->dir);
        DWORD attr = GetFileAttributesW(folder);
        assert_true(attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY));
        RemoveDirectoryW(folder);
        mc_free(folder);
    }
    mc_free(path);
    mc_free(expect);
}

static void missing_folder_is_unconfigured(void **state)
{
    sctx *c = *state;
    SPropValue p;
    MAPIERROR *err = NULL;
    WCHAR *bad = td_wsprintf(L"%ls\\nowhere\\x.tandem", c->dir);

    p.ulPropTag = PR_PST_PATH_W;
    p.Value.lpszW = bad;
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, &p, &err), MAPI_E_UNCONFIGURED);
    assert_non_null(err);
    assert_true(test_is_root(err));
    assert_non_null(wcsstr((WCHAR *)err->lpszError, L"nowhere"));   /* names the folder */
    test_FreeBuffer(err);
    err = NULL;
    /* ANSI caller: ANSI text */
    assert_int_equal(test_configure(&c->profile, 0, 1, &p, &err), MAPI_E_UNCONFIGURED);
    assert_non_null(err);
    assert_non_null(strstr((char *)err->lpszError, "nowhere"));
    test_FreeBuffer(err);
    /* nothing was written */
    assert_null(mc_propbag_get(fake_service_section(&c->profile)->bag, PR_PST_PATH_W));
    assert_null(mc_propbag_get(fake_store_section(&c->profile)->bag, PR_ENTRYID));
    /* lppMapiError may be NULL */
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, &p, NULL), MAPI_E_UNCONFIGURED);
    mc_free(bad);
}

static void wrong_types_are_refused(void **state)
{
    sctx *c = *state;
    SPropValue p[2];
    MAPIERROR *err = NULL;

    p[0].ulPropTag = PROP_TAG(PT_LONG, PROP_ID(PR_PST_PATH_W));
    p[0].Value.l = 5;
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, p, &err), MAPI_E_UNCONFIGURED);
    assert_non_null(err);
    test_FreeBuffer(err);
    err = NULL;
    p[0].ulPropTag = PROP_TAG(PT_BINARY, PROP_ID(PR_DISPLAY_NAME_W));
    p[0].Value.bin.cb = 0;
    p[0].Value.bin.lpb = NULL;
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, p, &err), MAPI_E_UNCONFIGURED);
    test_FreeBuffer(err);
    err = NULL;
    p[0].ulPropTag = PR_PST_PATH_W;
    p[0].Value.lpszW = (WCHAR *)L"";
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, p, &err), MAPI_E_UNCONFIGURED);
    test_FreeBuffer(err);
    /* a PT_ERROR placeholder is not a value */
    p[0].ulPropTag = PROP_TAG(PT_ERROR, PROP_ID(PR_PST_PATH_W));
    p[0].Value.err = MAPI_E_NOT_FOUND;
    p[1].ulPropTag = PR_PST_PATH_W;
    p[1].Value.lpszW = c->path;
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 2, p, NULL), S_OK);
    /* count without array */
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, NULL, NULL), MAPI_E_INVALID_PARAMETER);
}

static void non_store_file_is_refused(void **state)
{
    sctx *c = *state;
    SPropValue p;
    MAPIERROR *err = NULL;
    HANDLE f = CreateFileW(c->path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD n;

    WriteFile(f, "this is a letter, not a database, and it is long enough to be more than a header"
                 "............................................................", 140, &n, NULL);
    CloseHandle(f);
    p.ulPropTag = PR_PST_PATH_W;
    p.Value.lpszW = c->path;
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, &p, &err), MAPI_E_UNCONFIGURED);
    assert_non_null(err);
    test_FreeBuffer(err);
    p.Value.lpszW = c->dir;            /* a folder is not a file */
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, &p, NULL), MAPI_E_UNCONFIGURED);
}

static void without_support_object(void **state)
{
    sctx *c = *state;
    fake_admin admin;
    SPropValue p;
    MAPIERROR *err = NULL;

    fake_admin_init(&admin, &c->profile);
    p.ulPropTag = PR_PST_PATH_W;
    p.Value.lpszW = c->path;
    /* no allocators: no MAPIERROR, no wrapping; the configuration is still written */
    assert_int_equal(ServiceEntry(NULL, NULL, NULL, 0, MAPI_UNICODE, MSG_SERVICE_CONFIGURE, 1, &p,
                                  &admin.IProviderAdmin_iface, &err), S_OK);
    assert_null(err);
    check_svc_string(c, PR_PST_PATH_W, c->path);
    assert_non_null(mc_propbag_get(fake_service_section(&c->profile)->bag, PR_TD_STORE_GUID));
    assert_null(mc_propbag_get(fake_store_section(&c->profile)->bag, PR_ENTRYID));
    /* a failure without allocators has no MAPIERROR either */
    p.Value.lpszW = (WCHAR *)L"Q:\\no\\such\\place\\x.tandem";
    assert_int_equal(ServiceEntry(NULL, NULL, NULL, 0, MAPI_UNICODE, MSG_SERVICE_CONFIGURE, 1, &p,
                                  &admin.IProviderAdmin_iface, &err), MAPI_E_UNCONFIGURED);
    assert_null(err);
    assert_int_equal(admin.ref, 1);
}

static void service_without_store_provider(void **state)
{
    sctx *c = *state;
    fake_sup sup;
    fake_admin admin;
    SPropValue p;
    MAPIERROR *err = NULL;

    fake_sup_init(&sup, &c->profile, &c->profile.service_uid);
    fake_admin_init(&admin, &c->profile);
    admin.no_store_row = TRUE;
    p.ulPropTag = PR_PST_PATH_W;
    p.Value.lpszW = c->path;
    assert_int_equal(ServiceEntry(NULL, NULL, &sup.IMAPISupport_iface, 0, MAPI_UNICODE, MSG_SERVICE_CONFIGURE, 1, &p,
                                  &admin.IProviderAdmin_iface, &err), MAPI_E_UNCONFIGURED);
    assert_non_null(err);
    test_FreeBuffer(err);
    fake_sup_done(&sup);
}

#define TS(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        TS(contexts),
        TS(configure_writes_profile),
        TS(existing_store_keeps_its_identity),
        TS(defaults_from_profile_name),
        TS(missing_folder_is_unconfigured),
        TS(wrong_types_are_refused),
        TS(non_store_file_is_refused),
        TS(without_support_object),
        TS(service_without_store_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
