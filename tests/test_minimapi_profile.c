/*
 * test_minimapi_profile.c - minimapi's profile administration against a MAPISVC.INF written by
 * the test: IProfAdmin (iprofadmin-*.md), IMsgServiceAdmin (imsgserviceadmin-*.md),
 * IProviderAdmin, IProfSect (iprofsectimapiprop.md) and a logon whose store provider DLL is
 * missing. Documented return codes, GetLastError texts, and no leaks. The profiles live under a
 * scratch registry key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "minimapi_private.h"

static WCHAR root[80], inf_path[MAX_PATH];

static const char test_inf[] =
    "[Services]\r\n"
    "NOENTRYPOINT=Service without an entry point\r\n"
    "MISSINGDLL=Service whose DLL is missing\r\n"
    "WRONGDLL=Service whose DLL lacks the entry point\r\n"
    "BROKEN=Service with a missing provider section\r\n"
    "\r\n"
    "[Default Services]\r\n"
    "NOENTRYPOINT=Default service\r\n"
    "\r\n"
    "[NOENTRYPOINT]\r\n"
    "Providers=GHOST_MS, GHOST_XP\r\n"
    "PR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY\r\n"
    "[GHOST_MS]\r\n"
    "PR_DISPLAY_NAME=Ghost Store\r\n"
    "PR_PROVIDER_DLL_NAME=ghost.dll\r\n"
    "PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\r\n"
    "PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY\r\n"
    "6601001e=private value\r\n"
    "[GHOST_XP]\r\n"
    "PR_PROVIDER_DLL_NAME=ghost.dll\r\n"
    "PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\r\n"
    "[MISSINGDLL]\r\n"
    "Providers=GHOST_MS\r\n"
    "PR_SERVICE_DLL_NAME=nosuchsvc.dll\r\n"
    "PR_SERVICE_ENTRY_NAME=ServiceEntry\r\n"
    "[WRONGDLL]\r\n"
    "Providers=GHOST_MS\r\n"
    "PR_SERVICE_DLL_NAME=kernel.dll\r\n"
    "PR_SERVICE_ENTRY_NAME=ServiceEntry\r\n"
    "[BROKEN]\r\n"
    "Providers=NOT_THERE\r\n";

static void write_file(const WCHAR *path, const char *text)
{
    HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD written;
    assert_true(f != INVALID_HANDLE_VALUE);
    WriteFile(f, text, (DWORD)strlen(text), &written, NULL);
    CloseHandle(f);
}

static int setup(void **state)
{
    WCHAR dir[MAX_PATH];
    swprintf(root, 80, L"Software\\Tandem\\MiniMAPI\\Tests\\profile-%lu", GetCurrentProcessId());
    mm_profile_set_root(root);
    GetTempPathW(MAX_PATH, dir);
    swprintf(inf_path, MAX_PATH, L"%lsminimapi-test-%lu.inf", dir, GetCurrentProcessId());
    write_file(inf_path, test_inf);
    mm_inf_set_path(inf_path);
    return MAPIInitialize(NULL) == S_OK ? 0 : -1;
}

static int teardown(void **state)
{
    MAPIUninitialize();
    mm_inf_set_path(NULL);
    DeleteFileW(inf_path);
    RegDeleteTreeW(HKEY_CURRENT_USER, root);
    mm_profile_set_root(NULL);
    if (mm_live_blocks()) fail_msg("%ld MAPI blocks still live", mm_live_blocks());
    if (mc_live_objects) fail_msg("%ld minimapi objects still live", mc_live_objects);
    return 0;
}

/* The MAPIERROR text of the last failure, as ANSI, must contain `fragment`. */
#define check_error_text(obj, hr, fragment) do { \
    MAPIERROR *e_ = NULL; \
    assert_int_equal((obj)->lpVtbl->GetLastError((obj), (hr), 0, &e_), S_OK); \
    assert_non_null(e_); \
    assert_non_null(e_->lpszError); \
    if (!strstr((char *)e_->lpszError, (fragment))) \
        fail_msg("GetLastError text \"%s\" lacks \"%s\"", (char *)e_->lpszError, (fragment)); \
    MAPIFreeBuffer(e_); \
} while (0)

static SRowSet *all_rows(IMAPITable *table, ULONG n, const ULONG *tags)
{
    SPropTagArray *cols = mc_calloc(1, CbNewSPropTagArray(n));
    SRowSet *rows = NULL;
    cols->cValues = n;
    memcpy(cols->aulPropTag, tags, n * sizeof(ULONG));
    assert_int_equal(table->lpVtbl->SetColumns(table, cols, 0), S_OK);
    assert_int_equal(table->lpVtbl->QueryRows(table, 100, 0, &rows), S_OK);
    mc_free(cols);
    table->lpVtbl->Release(table);
    return rows;
}

static BOOL find_service(IMsgServiceAdmin *svc, const char *name, MAPIUID *uid);

static void test_profiles(void **state)
{
    static const ULONG cols[] = {PR_DISPLAY_NAME_A, PR_DEFAULT_PROFILE};
    IProfAdmin *admin = NULL;
    IMsgServiceAdmin *svc = (IMsgServiceAdmin *)1;
    IMAPITable *table;
    SRowSet *rows;
    ULONG i, seen = 0;

    assert_int_equal(MAPIAdminProfiles(0, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(MAPIAdminProfiles(0, &admin), S_OK);
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, (LPTSTR)"one", NULL, 0, 0), S_OK);
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, (LPTSTR)L"two \x00e9", NULL, 0, MAPI_UNICODE), S_OK);
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, (LPTSTR)"one", NULL, 0, 0), MAPI_E_NO_ACCESS);
    check_error_text(admin, MAPI_E_NO_ACCESS, "already exists");
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, NULL, NULL, 0, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, (LPTSTR)"a\\b", NULL, 0, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, (LPTSTR)" lead", NULL, 0, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, (LPTSTR)"x", NULL, 0, 0x100), MAPI_E_UNKNOWN_FLAGS);

    assert_int_equal(admin->lpVtbl->SetDefaultProfile(admin, (LPTSTR)"nope", 0), MAPI_E_NOT_FOUND);
    assert_int_equal(admin->lpVtbl->SetDefaultProfile(admin, (LPTSTR)"one", 0), S_OK);
    assert_int_equal(admin->lpVtbl->GetProfileTable(admin, 0, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(admin->lpVtbl->GetProfileTable(admin, 0, &table), S_OK);
    rows = all_rows(table, 2, cols);
    assert_int_equal(rows->cRows, 2);
    for (i = 0; i < rows->cRows; i++)
    {
        SPropValue *v = rows->aRow[i].lpProps;
        assert_int_equal(v[0].ulPropTag, PR_DISPLAY_NAME_A);
        assert_int_equal(v[1].ulPropTag, PR_DEFAULT_PROFILE);
        if (!strcmp(v[0].Value.lpszA, "one")) { assert_true(v[1].Value.b); seen++; }
        else { assert_false(v[1].Value.b); seen++; }
    }
    assert_int_equal(seen, 2);
    FreeProws(rows);
    assert_int_equal(admin->lpVtbl->SetDefaultProfile(admin, NULL, 0), S_OK);

    assert_int_equal(admin->lpVtbl->AdminServices(admin, (LPTSTR)"nope", NULL, 0, 0, &svc), MAPI_E_LOGON_FAILED);
    assert_null(svc);
    check_error_text(admin, MAPI_E_LOGON_FAILED, "nope");
    assert_int_equal(admin->lpVtbl->AdminServices(admin, NULL, NULL, 0, 0, &svc), MAPI_E_INVALID_PARAMETER);

    assert_int_equal(admin->lpVtbl->CopyProfile(admin, (LPTSTR)"one", NULL, (LPTSTR)"three", 0, 0), S_OK);
    assert_int_equal(admin->lpVtbl->RenameProfile(admin, (LPTSTR)"three", NULL, (LPTSTR)"four", 0, 0), S_OK);
    assert_true(mm_profile_exists(L"four"));
    assert_false(mm_profile_exists(L"three"));
    assert_int_equal(admin->lpVtbl->CopyProfile(admin, (LPTSTR)"nope", NULL, (LPTSTR)"five", 0, 0), MAPI_E_NOT_FOUND);
    assert_int_equal(admin->lpVtbl->ChangeProfilePassword(admin, (LPTSTR)"one", NULL, NULL, 0), MAPI_E_NO_SUPPORT);

    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"nope", 0), MAPI_E_NOT_FOUND);
    check_error_text(admin, MAPI_E_NOT_FOUND, "nope");

    /* MAPI_DEFAULT_SERVICES: the services of [Default Services] are in the new profile. */
    assert_int_equal(admin->lpVtbl->CreateProfile(admin, (LPTSTR)"defaults", NULL, 0,
                                                  MAPI_DEFAULT_SERVICES), S_OK);
    assert_int_equal(admin->lpVtbl->AdminServices(admin, (LPTSTR)"defaults", NULL, 0, 0, &svc), S_OK);
    {
        MAPIUID uid;
        assert_true(find_service(svc, "NOENTRYPOINT", &uid));
    }
    svc->lpVtbl->Release(svc);
    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"defaults", 0), S_OK);

    /* IMiniMapiDiagnostics from the profile administration object. */
    {
        typedef HRESULT (STDMETHODCALLTYPE *get_counters_fn)(IUnknown *, ULONG *, ULONG *, ULONG *);
        IUnknown *diag = NULL;
        ULONG blocks, objects, provider_objects;
        assert_int_equal(admin->lpVtbl->QueryInterface(admin, &IID_IMiniMapiDiagnostics, (void **)&diag), S_OK);
        assert_int_equal(((get_counters_fn)((void **)diag->lpVtbl)[3])(diag, &blocks, &objects,
                                                                       &provider_objects), S_OK);
        assert_int_equal(blocks, 0);
        assert_int_equal(objects, 0);
        assert_int_equal(provider_objects, 0);
        diag->lpVtbl->Release(diag);
    }
    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"one", 0), S_OK);
    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)L"two \x00e9", MAPI_UNICODE), S_OK);
    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"four", 0), S_OK);
    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"one", 0), MAPI_E_NOT_FOUND);
    admin->lpVtbl->Release(admin);
}

static IMsgServiceAdmin *new_profile(IProfAdmin **admin, const char *name)
{
    IMsgServiceAdmin *svc = NULL;
    assert_int_equal(MAPIAdminProfiles(0, admin), S_OK);
    (*admin)->lpVtbl->DeleteProfile(*admin, (LPTSTR)name, 0);
    assert_int_equal((*admin)->lpVtbl->CreateProfile(*admin, (LPTSTR)name, NULL, 0, 0), S_OK);
    assert_int_equal((*admin)->lpVtbl->AdminServices(*admin, (LPTSTR)name, NULL, 0, 0, &svc), S_OK);
    return svc;
}

static BOOL find_service(IMsgServiceAdmin *svc, const char *name, MAPIUID *uid)
{
    static const ULONG cols[] = {PR_SERVICE_NAME_A, PR_SERVICE_UID, PR_DISPLAY_NAME_A, PR_RESOURCE_FLAGS};
    IMAPITable *table;
    SRowSet *rows;
    BOOL found = FALSE;
    ULONG i;
    assert_int_equal(svc->lpVtbl->GetMsgServiceTable(svc, 0, &table), S_OK);
    rows = all_rows(table, 4, cols);
    for (i = 0; i < rows->cRows; i++)
    {
        SPropValue *v = rows->aRow[i].lpProps;
        if (v[0].ulPropTag == PR_SERVICE_NAME_A && !strcmp(v[0].Value.lpszA, name))
        {
            assert_int_equal(v[1].Value.bin.cb, sizeof(MAPIUID));
            memcpy(uid, v[1].Value.bin.lpb, sizeof(MAPIUID));
            found = TRUE;
        }
    }
    FreeProws(rows);
    return found;
}

static void test_services(void **state)
{
    static const ULONG pcols[] = {PR_PROVIDER_UID, PR_RESOURCE_TYPE, PR_PROVIDER_ORDINAL,
                                  PR_SERVICE_UID, PR_DISPLAY_NAME_A, PR_PROVIDER_DLL_NAME_A,
                                  PR_RESOURCE_FLAGS, PR_INSTANCE_KEY};
    IProfAdmin *admin;
    IMsgServiceAdmin *svc = new_profile(&admin, "services");
    IProviderAdmin *prov = NULL;
    IMAPITable *table;
    SRowSet *rows;
    MAPIUID uid, store_uid, bogus = {{0}};

    /* Not in [Services] */
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"NOPE", NULL, 0, 0), MAPI_E_NOT_FOUND);
    check_error_text(svc, MAPI_E_NOT_FOUND, "NOPE");
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, NULL, NULL, 0, 0), MAPI_E_INVALID_PARAMETER);
    /* The service DLL is missing / has no such entry point: documented codes, the DLL named,
     * nothing left in the profile. */
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"MISSINGDLL", NULL, 0, 0), MAPI_E_NOT_FOUND);
    check_error_text(svc, MAPI_E_NOT_FOUND, "nosuchsvc32.dll");
    assert_false(find_service(svc, "MISSINGDLL", &uid));
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"WRONGDLL", NULL, 0, 0), MAPI_E_NOT_INITIALIZED);
    check_error_text(svc, MAPI_E_NOT_INITIALIZED, "kernel32.dll");
    assert_false(find_service(svc, "WRONGDLL", &uid));
    /* A provider section that does not exist: MAPISVC.INF is corrupt. */
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"BROKEN", NULL, 0, 0), MAPI_E_CORRUPT_DATA);
    check_error_text(svc, MAPI_E_CORRUPT_DATA, "NOT_THERE");

    /* A service without an entry point is created without one. */
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)L"noentrypoint", NULL, 0, MAPI_UNICODE), S_OK);
    assert_true(find_service(svc, "NOENTRYPOINT", &uid));
    assert_int_equal(svc->lpVtbl->ConfigureMsgService(svc, &uid, 0, 0, 0, NULL), MAPI_E_NOT_INITIALIZED);
    check_error_text(svc, MAPI_E_NOT_INITIALIZED, "entry point");
    assert_int_equal(svc->lpVtbl->ConfigureMsgService(svc, &bogus, 0, 0, 0, NULL), MAPI_E_NOT_FOUND);
    assert_int_equal(svc->lpVtbl->ConfigureMsgService(svc, NULL, 0, 0, 0, NULL), MAPI_E_INVALID_PARAMETER);

    /* Both providers, in MAPISVC.INF order, with what MAPI adds. */
    assert_int_equal(svc->lpVtbl->GetProviderTable(svc, 0, &table), S_OK);
    rows = all_rows(table, 8, pcols);
    assert_int_equal(rows->cRows, 2);
    assert_int_equal(rows->aRow[0].lpProps[1].Value.l, MAPI_STORE_PROVIDER);
    assert_int_equal(rows->aRow[1].lpProps[1].Value.l, MAPI_TRANSPORT_PROVIDER);
    assert_true(rows->aRow[0].lpProps[2].Value.l < rows->aRow[1].lpProps[2].Value.l);
    assert_memory_equal(rows->aRow[0].lpProps[3].Value.bin.lpb, &uid, sizeof(uid));
    assert_string_equal(rows->aRow[0].lpProps[4].Value.lpszA, "Ghost Store");
    assert_string_equal(rows->aRow[0].lpProps[5].Value.lpszA, "ghost.dll");
    assert_int_equal(rows->aRow[0].lpProps[6].Value.l, STATUS_DEFAULT_STORE | 0x20);
    assert_int_equal(rows->aRow[1].lpProps[4].ulPropTag, PR_DISPLAY_NAME_A);   /* defaulted */
    memcpy(&store_uid, rows->aRow[0].lpProps[0].Value.bin.lpb, sizeof(store_uid));
    FreeProws(rows);

    /* A second copy of the service: its store is not a second default store. */
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"NOENTRYPOINT", NULL, 0, 0), S_OK);
    assert_int_equal(svc->lpVtbl->GetProviderTable(svc, 0, &table), S_OK);
    rows = all_rows(table, 8, pcols);
    assert_int_equal(rows->cRows, 4);
    assert_int_equal(rows->aRow[2].lpProps[6].Value.l, 0x20);
    FreeProws(rows);

    /* IProviderAdmin of the first service: its two providers, sections by UID. */
    assert_int_equal(svc->lpVtbl->AdminProviders(svc, &bogus, 0, &prov), MAPI_E_NOT_FOUND);
    assert_int_equal(svc->lpVtbl->AdminProviders(svc, &uid, 0, &prov), S_OK);
    assert_int_equal(prov->lpVtbl->GetProviderTable(prov, 0, &table), S_OK);
    rows = all_rows(table, 8, pcols);
    assert_int_equal(rows->cRows, 2);
    FreeProws(rows);
    {
        IProfSect *sect = NULL;
        SPropValue *v = NULL;
        ULONG n;
        SizedSPropTagArray(2, tags) = {2, {PROP_TAG(PT_STRING8, 0x6601), PR_SERVICE_UID}};
        /* a client: no NULL UID, no read/write access to a provider section */
        assert_int_equal(prov->lpVtbl->OpenProfileSection(prov, NULL, NULL, 0, &sect), MAPI_E_INVALID_PARAMETER);
        assert_int_equal(prov->lpVtbl->OpenProfileSection(prov, &store_uid, NULL, MAPI_MODIFY, &sect), MAPI_E_NO_ACCESS);
        assert_int_equal(prov->lpVtbl->OpenProfileSection(prov, &store_uid, NULL, 0, &sect), S_OK);
        assert_int_equal(sect->lpVtbl->GetProps(sect, (SPropTagArray *)&tags, 0, &n, &v), S_OK);
        assert_string_equal(v[0].Value.lpszA, "private value");
        assert_memory_equal(v[1].Value.bin.lpb, &uid, sizeof(uid));
        MAPIFreeBuffer(v);
        sect->lpVtbl->Release(sect);
    }
    assert_int_equal(prov->lpVtbl->DeleteProvider(prov, &bogus), MAPI_E_NOT_FOUND);
    prov->lpVtbl->Release(prov);

    assert_int_equal(svc->lpVtbl->DeleteMsgService(svc, &bogus), MAPI_E_NOT_FOUND);
    assert_int_equal(svc->lpVtbl->DeleteMsgService(svc, &uid), S_OK);
    assert_int_equal(svc->lpVtbl->DeleteMsgService(svc, &uid), MAPI_E_NOT_FOUND);
    assert_int_equal(svc->lpVtbl->GetProviderTable(svc, 0, &table), S_OK);
    rows = all_rows(table, 8, pcols);
    assert_int_equal(rows->cRows, 2);
    FreeProws(rows);

    svc->lpVtbl->Release(svc);
    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"services", 0), S_OK);
    admin->lpVtbl->Release(admin);
}

static void test_inf_problems(void **state)
{
    IProfAdmin *admin;
    IMsgServiceAdmin *svc = new_profile(&admin, "inf");

    write_file(inf_path, "[Services]\r\nX=y\r\nthis line is wrong\r\n");
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"X", NULL, 0, 0), MAPI_E_CORRUPT_DATA);
    check_error_text(svc, MAPI_E_CORRUPT_DATA, "line 3");
    DeleteFileW(inf_path);
    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"X", NULL, 0, 0), MAPI_E_NOT_FOUND);
    check_error_text(svc, MAPI_E_NOT_FOUND, "minimapi-test-");
    write_file(inf_path, test_inf);

    svc->lpVtbl->Release(svc);
    admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"inf", 0);
    admin->lpVtbl->Release(admin);
}

static void test_profile_sections(void **state)
{
    static const MAPIUID fresh = {{0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}};
    IProfAdmin *admin;
    IMsgServiceAdmin *svc = new_profile(&admin, "sections");
    IProfSect *sect = NULL, *ro = NULL;
    SPropValue props[3], *v = NULL;
    SPropTagArray *list = NULL;
    ULONG n, i;
    BOOL saw_secure = FALSE, saw_name = FALSE;
    SizedSPropTagArray(1, secure_tag) = {1, {PROP_TAG(PT_UNICODE, 0x67F0)}};
    SizedSPropTagArray(2, instance_tags) = {2, {PR_SEARCH_KEY, PR_PROFILE_NAME_A}};

    /* MUID_PROFILE_INSTANCE: a unique PR_SEARCH_KEY and the profile name. */
    assert_int_equal(svc->lpVtbl->OpenProfileSection(svc, (MAPIUID *)&mm_muid_profile_instance,
                                                     NULL, 0, &sect), S_OK);
    assert_int_equal(sect->lpVtbl->GetProps(sect, (SPropTagArray *)&instance_tags, 0, &n, &v), S_OK);
    assert_int_equal(v[0].ulPropTag, PR_SEARCH_KEY);
    assert_int_equal(v[0].Value.bin.cb, 16);
    assert_string_equal(v[1].Value.lpszA, "sections");
    MAPIFreeBuffer(v);
    sect->lpVtbl->Release(sect);

    assert_int_equal(svc->lpVtbl->OpenProfileSection(svc, NULL, NULL, 0, &sect), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(svc->lpVtbl->OpenProfileSection(svc, (MAPIUID *)&fresh, NULL, 0, &sect), MAPI_E_NOT_FOUND);
    assert_int_equal(svc->lpVtbl->OpenProfileSection(svc, (MAPIUID *)&fresh, NULL, MAPI_MODIFY, &sect), S_OK);
    assert_int_equal(svc->lpVtbl->OpenProfileSection(svc, (MAPIUID *)&fresh, NULL, 0, &ro), S_OK);

    memset(props, 0, sizeof(props));
    props[0].ulPropTag = PR_DISPLAY_NAME_W;
    props[0].Value.lpszW = L"caf\x00e9";
    props[1].ulPropTag = PROP_TAG(PT_UNICODE, 0x67F0);     /* secure */
    props[1].Value.lpszW = L"secret";
    props[2].ulPropTag = PR_OBJECT_TYPE;                   /* computed */
    props[2].Value.l = 5;
    {
        SPropProblemArray *problems = NULL;
        assert_int_equal(sect->lpVtbl->SetProps(sect, 3, props, &problems), S_OK);
        assert_non_null(problems);
        assert_int_equal(problems->cProblem, 1);
        assert_int_equal(problems->aProblem[0].scode, MAPI_E_COMPUTED);
        MAPIFreeBuffer(problems);
    }
    assert_int_equal(ro->lpVtbl->SetProps(ro, 1, props, NULL), MAPI_E_NO_ACCESS);
    check_error_text(ro, MAPI_E_NO_ACCESS, "read-only");
    assert_int_equal(sect->lpVtbl->SaveChanges(sect, 0), S_OK);
    assert_int_equal(sect->lpVtbl->GetIDsFromNames(sect, 0, NULL, 0, NULL), MAPI_E_NO_SUPPORT);
    assert_int_equal(sect->lpVtbl->GetNamesFromIDs(sect, NULL, NULL, 0, NULL, NULL), MAPI_E_NO_SUPPORT);

    /* Written through: the read-only object sees it at once, secure values only by tag. */
    assert_int_equal(ro->lpVtbl->GetProps(ro, NULL, MAPI_UNICODE, &n, &v), S_OK);
    for (i = 0; i < n; i++)
    {
        if (PROP_ID(v[i].ulPropTag) == 0x67F0) saw_secure = TRUE;
        if (v[i].ulPropTag == PR_DISPLAY_NAME_W && !lstrcmpW(v[i].Value.lpszW, L"caf\x00e9")) saw_name = TRUE;
        if (v[i].ulPropTag == PR_OBJECT_TYPE) assert_int_equal(v[i].Value.l, MAPI_PROFSECT);
    }
    assert_false(saw_secure);
    assert_true(saw_name);
    MAPIFreeBuffer(v);
    assert_int_equal(ro->lpVtbl->GetPropList(ro, 0, &list), S_OK);
    for (i = 0; i < list->cValues; i++) assert_int_not_equal(PROP_ID(list->aulPropTag[i]), 0x67F0);
    MAPIFreeBuffer(list);
    assert_int_equal(ro->lpVtbl->GetProps(ro, (SPropTagArray *)&secure_tag, 0, &n, &v), S_OK);
    assert_true(!lstrcmpW(v[0].Value.lpszW, L"secret"));
    MAPIFreeBuffer(v);

    {
        SizedSPropTagArray(1, del) = {1, {PR_DISPLAY_NAME_A}};
        assert_int_equal(ro->lpVtbl->DeleteProps(ro, (SPropTagArray *)&del, NULL), MAPI_E_NO_ACCESS);
        assert_int_equal(sect->lpVtbl->DeleteProps(sect, (SPropTagArray *)&del, NULL), S_OK);
        assert_int_equal(ro->lpVtbl->GetProps(ro, (SPropTagArray *)&del, 0, &n, &v), MAPI_W_ERRORS_RETURNED);
        assert_int_equal(PROP_TYPE(v[0].ulPropTag), PT_ERROR);
        MAPIFreeBuffer(v);
    }
    assert_int_equal(sect->lpVtbl->GetProps(sect, NULL, 0, NULL, &v), MAPI_E_INVALID_PARAMETER);
    ro->lpVtbl->Release(ro);
    sect->lpVtbl->Release(sect);
    svc->lpVtbl->Release(svc);
    admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"sections", 0);
    admin->lpVtbl->Release(admin);
}

static void test_logon(void **state)
{
    static const ULONG scols[] = {PR_ENTRYID, PR_DEFAULT_STORE, PR_DISPLAY_NAME_A, PR_OBJECT_TYPE,
                                  PR_RESOURCE_FLAGS, PR_INSTANCE_KEY};
    static const ULONG tcols[] = {PR_RESOURCE_TYPE, PR_STATUS_CODE};
    IProfAdmin *admin;
    IMsgServiceAdmin *svc = new_profile(&admin, "logon");
    IMAPISession *session = (IMAPISession *)1;
    IMsgStore *mdb = (IMsgStore *)1;
    IMAPITable *table;
    IUnknown *diag = NULL;
    SRowSet *rows;
    ULONG i, result, blocks, objects, provider_objects;
    BOOL subsystem = FALSE;
    HRESULT hr;
    typedef HRESULT (STDMETHODCALLTYPE *get_counters_fn)(IUnknown *, ULONG *, ULONG *, ULONG *);

    assert_int_equal(svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"NOENTRYPOINT", NULL, 0, 0), S_OK);
    svc->lpVtbl->Release(svc);

    assert_int_equal(MAPILogonEx(0, (LPTSTR)"logon", NULL, MAPI_EXTENDED, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(MAPILogonEx(0, (LPTSTR)"no such profile", NULL, MAPI_EXTENDED | MAPI_NEW_SESSION, &session),
                     MAPI_E_LOGON_FAILED);
    assert_null(session);
    assert_int_equal(admin->lpVtbl->SetDefaultProfile(admin, NULL, 0), S_OK);
    assert_int_equal(MAPILogonEx(0, NULL, NULL, MAPI_EXTENDED | MAPI_USE_DEFAULT, &session), MAPI_E_LOGON_FAILED);
    assert_int_equal(admin->lpVtbl->SetDefaultProfile(admin, (LPTSTR)"logon", 0), S_OK);
    assert_int_equal(MAPILogonEx(0, NULL, NULL, MAPI_EXTENDED | MAPI_USE_DEFAULT | MAPI_NO_MAIL, &session), S_OK);

    assert_int_equal(session->lpVtbl->GetMsgStoresTable(session, 0, &table), S_OK);
    rows = all_rows(table, 6, scols);
    assert_int_equal(rows->cRows, 1);
    assert_int_equal(rows->aRow[0].lpProps[0].ulPropTag, PR_ENTRYID);
    assert_true(rows->aRow[0].lpProps[1].Value.b);
    assert_string_equal(rows->aRow[0].lpProps[2].Value.lpszA, "Ghost Store");
    assert_int_equal(rows->aRow[0].lpProps[3].Value.l, MAPI_STORE);
    assert_true(mm_storeid_unwrap(rows->aRow[0].lpProps[0].Value.bin.cb,
                                  (ENTRYID *)rows->aRow[0].lpProps[0].Value.bin.lpb, NULL, NULL, NULL));

    /* The store's DLL does not exist: OpenMsgStore fails and says which DLL. */
    hr = session->lpVtbl->OpenMsgStore(session, 0, rows->aRow[0].lpProps[0].Value.bin.cb,
                                       (ENTRYID *)rows->aRow[0].lpProps[0].Value.bin.lpb, NULL,
                                       MDB_NO_DIALOG, &mdb);
    assert_int_equal(hr, MAPI_E_NOT_FOUND);
    assert_null(mdb);
    check_error_text(session, MAPI_E_NOT_FOUND, "ghost32.dll");
    assert_int_equal(session->lpVtbl->CompareEntryIDs(session, rows->aRow[0].lpProps[0].Value.bin.cb,
                                                      (ENTRYID *)rows->aRow[0].lpProps[0].Value.bin.lpb,
                                                      rows->aRow[0].lpProps[0].Value.bin.cb,
                                                      (ENTRYID *)rows->aRow[0].lpProps[0].Value.bin.lpb,
                                                      0, &result), S_OK);
    assert_true(result);
    /* A provider's own section: only with MAPI_FORCE_ACCESS (imapisession-openprofilesection.md). */
    {
        IProfSect *sect = NULL;
        MAPIUID *store_section = (MAPIUID *)rows->aRow[0].lpProps[5].Value.bin.lpb;
        assert_int_equal(rows->aRow[0].lpProps[5].Value.bin.cb, sizeof(MAPIUID));
        assert_int_equal(session->lpVtbl->OpenProfileSection(session, store_section, NULL, 0, &sect),
                         MAPI_E_NO_ACCESS);
        check_error_text(session, MAPI_E_NO_ACCESS, "MAPI_FORCE_ACCESS");
        assert_int_equal(session->lpVtbl->OpenProfileSection(session, store_section, NULL,
                                                             MAPI_FORCE_ACCESS, &sect), S_OK);
        sect->lpVtbl->Release(sect);
        assert_int_equal(session->lpVtbl->OpenProfileSection(session, NULL, NULL, 0, &sect),
                         MAPI_E_INVALID_PARAMETER);
    }
    FreeProws(rows);
    assert_int_equal(session->lpVtbl->OpenMsgStore(session, 0, 0, NULL, NULL, 0, &mdb), MAPI_E_INVALID_PARAMETER);
    {
        BYTE junk[40] = {0};
        assert_int_equal(session->lpVtbl->OpenMsgStore(session, 0, sizeof(junk), (ENTRYID *)junk, NULL, 0, &mdb),
                         MAPI_E_INVALID_ENTRYID);
        assert_int_equal(session->lpVtbl->OpenEntry(session, sizeof(junk), (ENTRYID *)junk, NULL, 0, &i,
                                                    (IUnknown **)&mdb), MAPI_E_UNKNOWN_ENTRYID);
    }

    assert_int_equal(session->lpVtbl->GetStatusTable(session, 0, &table), S_OK);
    rows = all_rows(table, 2, tcols);
    for (i = 0; i < rows->cRows; i++)
        if (rows->aRow[i].lpProps[0].Value.l == MAPI_SUBSYSTEM) subsystem = TRUE;
    assert_true(subsystem);
    FreeProws(rows);

    assert_int_equal(session->lpVtbl->Advise(session, 0, NULL, 0, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(session->lpVtbl->QueryInterface(session, &IID_IMiniMapiDiagnostics, (void **)&diag), S_OK);
    assert_int_equal(((get_counters_fn)((void **)diag->lpVtbl)[3])(diag, &blocks, &objects, &provider_objects), S_OK);
    assert_int_equal(objects, 1);           /* the profile administration object */
    assert_int_equal(provider_objects, 0);
    diag->lpVtbl->Release(diag);

    assert_int_equal(session->lpVtbl->Logoff(session, 0, 0, 0), S_OK);
    session->lpVtbl->Release(session);
    assert_int_equal(admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"logon", 0), S_OK);
    admin->lpVtbl->Release(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_inf_problems),
        cmocka_unit_test(test_profile_sections),
        cmocka_unit_test(test_logon),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
