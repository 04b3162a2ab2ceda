/*
 * test_minimapi_inf.c - minimapi's MAPISVC.INF reader on good and malformed input
 * (file-format-of-mapisvc-inf.md, property-entries-in-mapisvc-inf-message-service-sections.md)
 * and the provider DLL naming rule (spi-digest §5.4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "minimapi_private.h"

static const WCHAR good_inf[] =
    L"\xfeff; a comment\r\n"
    L"[Services]\r\n"
    L"TANDEM=Tandem Mail\r\n"
    L"\r\n"
    L"[TANDEM]\r\n"
    L"PR_DISPLAY_NAME=Tandem Mail\r\n"
    L"Providers=TANDEM_MS, TANDEM_XP\r\n"
    L"PR_SERVICE_DLL_NAME = tandem.dll\r\n"
    L"PR_SERVICE_ENTRY_NAME=ServiceEntry\r\n"
    L"PR_SERVICE_SUPPORT_FILES=tandem.dll, other.dll\r\n"
    L"PR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY|SERVICE_NO_PRIMARY_IDENTITY\r\n"
    L"WIZARD_ENTRY_NAME=Wizard\r\n"
    L"PR_SOMETHING_UNKNOWN=42\r\n"
    L"[TANDEM_MS]\n"
    L"PR_PROVIDER_DLL_NAME=tandem.dll\n"
    L"PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\n"
    L"PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE | 0x20\n"
    L"6600001e=C:\\path\\file.dat\n"
    L"66010003=0x10\n"
    L"66020102=0a0B ff\n"
    L"6603000b=TRUE\n"
    L"PR_DISPLAY_NAME_A=narrow\n"
    L"[TANDEM]\n"
    L"PR_COMMENT=merged\n";

static void test_parse_good(void **state)
{
    mm_inf *inf = NULL;
    WCHAR *why = NULL;
    const mm_inf_section *s;
    WCHAR **list;
    ULONG n;

    assert_int_equal(mm_inf_parse(good_inf, &inf, &why), S_OK);
    assert_null(why);
    assert_int_equal(inf->count, 3);   /* [TANDEM] twice is one section */
    s = mm_inf_section_find(inf, L"services");
    assert_non_null(s);
    assert_true(!lstrcmpW(mm_inf_value(s, L"tandem"), L"Tandem Mail"));
    s = mm_inf_section_find(inf, L"TANDEM");
    assert_non_null(s);
    assert_true(!lstrcmpW(mm_inf_value(s, L"PR_SERVICE_DLL_NAME"), L"tandem.dll"));
    assert_true(!lstrcmpW(mm_inf_value(s, L"PR_COMMENT"), L"merged"));
    assert_int_equal(mm_inf_split_list(mm_inf_value(s, L"Providers"), &list, &n), S_OK);
    assert_int_equal(n, 2);
    assert_true(!lstrcmpW(list[0], L"TANDEM_MS") && !lstrcmpW(list[1], L"TANDEM_XP"));
    mm_free_strings(list, n);
    assert_null(mm_inf_section_find(inf, L"missing"));
    mm_inf_free(inf);
}

static void test_section_props(void **state)
{
    mm_inf *inf = NULL;
    mc_propbag *bag = mc_propbag_new();
    WCHAR *why = NULL, *s;
    const SPropValue *v;

    assert_int_equal(mm_inf_parse(good_inf, &inf, &why), S_OK);
    assert_int_equal(mm_inf_section_props(mm_inf_section_find(inf, L"TANDEM"), bag, &why), S_OK);
    assert_int_equal(mc_propbag_get_long(bag, PR_RESOURCE_FLAGS, 0), 0x2 | 0x20);
    v = mc_propbag_get(bag, PR_SERVICE_ENTRY_NAME);
    assert_non_null(v);
    assert_int_equal(PROP_TYPE(v->ulPropTag), PT_STRING8);   /* PT_STRING8 by definition */
    assert_string_equal(v->Value.lpszA, "ServiceEntry");
    v = mc_propbag_get(bag, PROP_TAG(PT_UNSPECIFIED, PROP_ID(PR_SERVICE_SUPPORT_FILES_W)));
    assert_non_null(v);
    assert_int_equal(PROP_TYPE(v->ulPropTag), PT_MV_UNICODE);
    assert_int_equal(v->Value.MVszW.cValues, 2);
    assert_true(!lstrcmpW(v->Value.MVszW.lppszW[1], L"other.dll"));
    assert_null(mc_propbag_get(bag, PROP_TAG(PT_UNSPECIFIED, 0x3d99)));   /* nothing invented */
    mc_propbag_clear(bag);

    assert_int_equal(mm_inf_section_props(mm_inf_section_find(inf, L"TANDEM_MS"), bag, &why), S_OK);
    assert_int_equal(mc_propbag_get_long(bag, PR_RESOURCE_TYPE, 0), MAPI_STORE_PROVIDER);
    assert_int_equal(mc_propbag_get_long(bag, PR_RESOURCE_FLAGS, 0), STATUS_DEFAULT_STORE | 0x20);
    assert_int_equal(mc_propbag_get_long(bag, PROP_TAG(PT_LONG, 0x6601), 0), 16);
    v = mc_propbag_get(bag, PROP_TAG(PT_STRING8, 0x6600));
    assert_non_null(v);
    assert_string_equal(v->Value.lpszA, "C:\\path\\file.dat");
    v = mc_propbag_get(bag, PROP_TAG(PT_BINARY, 0x6602));
    assert_non_null(v);
    assert_int_equal(v->Value.bin.cb, 3);
    assert_int_equal(v->Value.bin.lpb[0], 0x0a);
    assert_int_equal(v->Value.bin.lpb[2], 0xff);
    v = mc_propbag_get(bag, PROP_TAG(PT_BOOLEAN, 0x6603));
    assert_non_null(v);
    assert_true(v->Value.b);
    v = mc_propbag_get(bag, PR_DISPLAY_NAME_A);
    assert_non_null(v);
    assert_int_equal(PROP_TYPE(v->ulPropTag), PT_STRING8);
    s = mc_propbag_get_wstr(bag, PROP_ID(PR_PROVIDER_DLL_NAME_W));
    assert_true(!lstrcmpW(s, L"tandem.dll"));
    mc_free(s);
    mc_propbag_free(bag);
    mm_inf_free(inf);
}

static void expect_corrupt_text(const WCHAR *text, const WCHAR *fragment)
{
    mm_inf *inf = NULL;
    WCHAR *why = NULL;
    assert_int_equal(mm_inf_parse(text, &inf, &why), MAPI_E_CORRUPT_DATA);
    assert_null(inf);
    assert_non_null(why);
    if (!wcsstr(why, fragment)) fail_msg("message \"%ls\" lacks \"%ls\"", why, fragment);
    mc_free(why);
}

static void test_parse_malformed(void **state)
{
    expect_corrupt_text(L"[Services]\nTANDEM\n", L"line 2");
    expect_corrupt_text(L"TANDEM=x\n", L"before the first");
    expect_corrupt_text(L"[Services\nA=b\n", L"line 1");
    expect_corrupt_text(L"[ ]\n", L"empty section");
    expect_corrupt_text(L"[S]\n=value\n", L"line 2");
}

static void expect_bad_value(const WCHAR *entry)
{
    WCHAR text[256];
    mm_inf *inf = NULL;
    mc_propbag *bag = mc_propbag_new();
    WCHAR *why = NULL;

    swprintf(text, 256, L"[S]\n%ls\n", entry);
    assert_int_equal(mm_inf_parse(text, &inf, &why), S_OK);
    assert_int_equal(mm_inf_section_props(mm_inf_section_find(inf, L"S"), bag, &why),
                     MAPI_E_CORRUPT_DATA);
    assert_non_null(why);
    assert_non_null(wcsstr(why, L"line 2"));
    mc_free(why);
    mc_propbag_free(bag);
    mm_inf_free(inf);
}

static void test_bad_values(void **state)
{
    expect_bad_value(L"PR_RESOURCE_FLAGS=STATUS_NO_SUCH_FLAG");
    expect_bad_value(L"PR_RESOURCE_FLAGS=12abc");
    expect_bad_value(L"PR_RESOURCE_FLAGS=1||2");
    expect_bad_value(L"66020102=abc");          /* odd number of hex digits */
    expect_bad_value(L"66020102=zz");
    expect_bad_value(L"6603000b=maybe");
    expect_bad_value(L"6604000d=object");       /* PT_OBJECT cannot be written */
    expect_bad_value(L"66050040=2020-01-01");   /* PT_SYSTIME has no INF form */
}

static void test_load_file(void **state)
{
    WCHAR dir[MAX_PATH], path[MAX_PATH];
    mm_inf *inf = NULL;
    WCHAR *why = NULL;
    HANDLE f;
    DWORD written;
    static const char utf8[] = "\xef\xbb\xbf[Services]\r\nX=\xc3\xa9t\xc3\xa9\r\n";

    GetTempPathW(MAX_PATH, dir);
    swprintf(path, MAX_PATH, L"%lsminimapi-test-%lu.inf", dir, GetCurrentProcessId());
    f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    assert_true(f != INVALID_HANDLE_VALUE);
    WriteFile(f, utf8, sizeof(utf8) - 1, &written, NULL);
    CloseHandle(f);
    assert_int_equal(mm_inf_load(path, &inf, &why), S_OK);
    assert_true(!lstrcmpW(mm_inf_value(mm_inf_section_find(inf, L"Services"), L"X"), L"\x00e9t\x00e9"));
    mm_inf_free(inf);
    DeleteFileW(path);

    assert_int_equal(mm_inf_load(path, &inf, &why), MAPI_E_NOT_FOUND);
    assert_null(inf);
    assert_non_null(why);
    assert_non_null(wcsstr(why, L"minimapi-test-"));
    mc_free(why);
}

static void test_names(void **state)
{
    ULONG tag, value;
    WCHAR *real;

    assert_true(mm_propname_lookup(L"PR_DISPLAY_NAME", &tag));
    assert_int_equal(tag, PR_DISPLAY_NAME_W);
    assert_true(mm_propname_lookup(L"pr_display_name_a", &tag));
    assert_int_equal(tag, PR_DISPLAY_NAME_A);
    assert_true(mm_propname_lookup(L"PR_SERVICE_SUPPORT_FILES_A", &tag));
    assert_int_equal(tag, PROP_TAG(PT_MV_STRING8, 0x3D0F));
    assert_false(mm_propname_lookup(L"PR_RESOURCE_FLAGS_A", &tag));
    assert_false(mm_propname_lookup(L"PR_NOPE", &tag));
    assert_true(mm_flagname_lookup(L"STATUS_OWN_STORE", &value));
    assert_int_equal(value, 0x100);
    assert_true(mm_flagname_lookup(L"MAPI_TRANSPORT_PROVIDER", &value));
    assert_int_equal(value, MAPI_TRANSPORT_PROVIDER);

    real = mm_dll_real_name(L"tandem.dll");
    assert_true(!lstrcmpW(real, L"tandem32.dll"));
    mc_free(real);
    real = mm_dll_real_name(L"C:\\dir\\mymail.dll");
    assert_true(!lstrcmpW(real, L"C:\\dir\\mymail32.dll"));
    mc_free(real);
    real = mm_dll_real_name(L"noext");
    assert_true(!lstrcmpW(real, L"noext32"));
    mc_free(real);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_section_props),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
