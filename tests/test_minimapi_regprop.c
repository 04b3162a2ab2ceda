/*
 * test_minimapi_regprop.c - property values through the registry and back, for every PT_ type
 * MAPI defines (single and multivalued): the value encoding alone, then whole profile sections
 * written and read under a scratch registry key; corrupt registry data is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "minimapi_private.h"

static BYTE bin_a[] = {1, 2, 3, 0, 5}, bin_b[] = {9};
static GUID guid_a = {0x11111111, 0x2222, 0x3333, {4, 4, 4, 4, 4, 4, 4, 4}};
static short mv_i2[] = {1, -2};
static LONG mv_l[] = {10, 20, -30};
static float mv_r4[] = {1.5f};
static double mv_dbl[] = {2.5, -1.0};
static CURRENCY mv_cur[] = {{.int64 = 12345}};
static double mv_at[] = {40000.5};
static FILETIME mv_ft[] = {{1, 2}, {3, 4}};
static LARGE_INTEGER mv_li[] = {{.QuadPart = -5}, {.QuadPart = 1LL << 40}};
static GUID mv_guid[] = {{1, 2, 3, {0}}, {4, 5, 6, {7}}};
static SBinary mv_bin[] = {{5, bin_a}, {0, NULL}, {1, bin_b}};
static char *mv_sa[] = {"alpha", "", "\xe9t\xe9"};
static WCHAR *mv_sw[] = {L"\u00e9t\u00e9", L"", L"winter \u263a"};

/* One value of every storable type, single and multivalued (PT_OBJECT and PT_UNSPECIFIED
 * are not values one can store). */
static ULONG every_type(SPropValue *v)
{
    ULONG n = 0;
    memset(v, 0, 40 * sizeof(*v));
#define V(type, field, value) (v[n].ulPropTag = PROP_TAG(type, 0x6000 + n), v[n].Value.field = value, n++)
    V(PT_I2, i, -7);
    V(PT_LONG, l, -123456);
    V(PT_R4, flt, 3.25f);
    V(PT_DOUBLE, dbl, -6.5);
    V(PT_CURRENCY, cur.int64, 99999);
    V(PT_APPTIME, at, 41000.25);
    V(PT_ERROR, err, MAPI_E_NOT_FOUND);
    V(PT_BOOLEAN, b, 1);
    V(PT_I8, li.QuadPart, -0x123456789abcLL);
    V(PT_STRING8, lpszA, "h\xe9llo \x80\xff");     /* bytes no code page may round-trip */
    V(PT_UNICODE, lpszW, L"w\u00f6rld \U0001F600");
    V(PT_SYSTIME, ft.dwHighDateTime, 0x01d00000); v[n - 1].Value.ft.dwLowDateTime = 0xdeadbeef;
    V(PT_CLSID, lpguid, &guid_a);
    V(PT_BINARY, bin.cb, sizeof(bin_a)); v[n - 1].Value.bin.lpb = bin_a;
    V(PT_BINARY, bin.cb, 0);
    V(PT_STRING8, lpszA, "");
    V(PT_UNICODE, lpszW, L"");
    V(PT_NULL, x, 0);
    V(PT_MV_I2, MVi.cValues, 2); v[n - 1].Value.MVi.lpi = mv_i2;
    V(PT_MV_LONG, MVl.cValues, 3); v[n - 1].Value.MVl.lpl = mv_l;
    V(PT_MV_R4, MVflt.cValues, 1); v[n - 1].Value.MVflt.lpflt = mv_r4;
    V(PT_MV_DOUBLE, MVdbl.cValues, 2); v[n - 1].Value.MVdbl.lpdbl = mv_dbl;
    V(PT_MV_CURRENCY, MVcur.cValues, 1); v[n - 1].Value.MVcur.lpcur = mv_cur;
    V(PT_MV_APPTIME, MVat.cValues, 1); v[n - 1].Value.MVat.lpat = mv_at;
    V(PT_MV_SYSTIME, MVft.cValues, 2); v[n - 1].Value.MVft.lpft = mv_ft;
    V(PT_MV_I8, MVli.cValues, 2); v[n - 1].Value.MVli.lpli = mv_li;
    V(PT_MV_CLSID, MVguid.cValues, 2); v[n - 1].Value.MVguid.lpguid = mv_guid;
    V(PT_MV_BINARY, MVbin.cValues, 3); v[n - 1].Value.MVbin.lpbin = mv_bin;
    V(PT_MV_STRING8, MVszA.cValues, 3); v[n - 1].Value.MVszA.lppszA = mv_sa;
    V(PT_MV_UNICODE, MVszW.cValues, 3); v[n - 1].Value.MVszW.lppszW = mv_sw;
#undef V
    return n;
}

static void check_equal(const SPropValue *a, const SPropValue *b)
{
    if (PROP_TYPE(a->ulPropTag) == PT_NULL)
    {
        assert_int_equal(a->ulPropTag, b->ulPropTag);
        return;
    }
    if (!mc_prop_equal(a, b)) fail_msg("value %#lx does not round-trip", a->ulPropTag);
}

static void test_encode_decode(void **state)
{
    SPropValue v[40];
    ULONG n = every_type(v), i;

    for (i = 0; i < n; i++)
    {
        DWORD type, cb;
        BYTE *data;
        SPropValue out;
        void *scratch;
        WCHAR name[9];
        ULONG tag;

        assert_int_equal(mm_regprop_encode(&v[i], &type, &data, &cb), S_OK);
        assert_int_equal(mm_regprop_decode(v[i].ulPropTag, type, data, cb, &out, &scratch), S_OK);
        check_equal(&v[i], &out);
        /* The same data under another type (or cut short) must not decode. */
        if (cb && type != REG_NONE)
        {
            void *junk;
            SPropValue bad;
            HRESULT hr = mm_regprop_decode(v[i].ulPropTag, type, data, cb - 1, &bad, &junk);
            if (SUCCEEDED(hr)) mc_free(junk);
            /* strings and binaries may legitimately be one byte shorter */
            if (PROP_TYPE(v[i].ulPropTag) != PT_STRING8 && PROP_TYPE(v[i].ulPropTag) != PT_BINARY)
                assert_int_equal(hr, MAPI_E_CORRUPT_DATA);
        }
        mc_free(scratch);
        mc_free(data);
        mm_regprop_name(v[i].ulPropTag, name);
        assert_true(mm_regprop_parse_name(name, &tag));
        assert_int_equal(tag, v[i].ulPropTag);
    }
}

static void test_names(void **state)
{
    WCHAR name[9];
    ULONG tag;
    mm_regprop_name(0x3001001F, name);
    assert_true(!lstrcmpW(name, L"3001001F"));
    assert_true(mm_regprop_parse_name(L"6600001e", &tag));
    assert_int_equal(tag, 0x6600001E);
    assert_false(mm_regprop_parse_name(L"6600001", &tag));
    assert_false(mm_regprop_parse_name(L"6600001EX", &tag));
    assert_false(mm_regprop_parse_name(L"Services", &tag));
}

static void test_bad_data(void **state)
{
    SPropValue out;
    void *scratch;
    static const BYTE mv_short[] = {3, 0, 0, 0, 1, 0, 0, 0};          /* says 3, holds 1 LONG */
    static const BYTE mv_str_overrun[] = {1, 0, 0, 0, 9, 0, 0, 0, 'a'};
    static const BYTE odd_unicode[] = {'a', 0, 'b'};

    assert_int_equal(mm_regprop_decode(PROP_TAG(PT_MV_LONG, 0x6000), REG_BINARY, mv_short,
                                       sizeof(mv_short), &out, &scratch), MAPI_E_CORRUPT_DATA);
    assert_int_equal(mm_regprop_decode(PROP_TAG(PT_MV_STRING8, 0x6000), REG_BINARY, mv_str_overrun,
                                       sizeof(mv_str_overrun), &out, &scratch), MAPI_E_CORRUPT_DATA);
    assert_int_equal(mm_regprop_decode(PROP_TAG(PT_UNICODE, 0x6000), REG_SZ, odd_unicode,
                                       sizeof(odd_unicode), &out, &scratch), MAPI_E_CORRUPT_DATA);
    assert_int_equal(mm_regprop_decode(PROP_TAG(PT_LONG, 0x6000), REG_BINARY, mv_short, 4, &out,
                                       &scratch), MAPI_E_CORRUPT_DATA);
    assert_int_equal(mm_regprop_decode(PROP_TAG(PT_OBJECT, 0x6000), REG_BINARY, mv_short, 4, &out,
                                       &scratch), MAPI_E_CORRUPT_DATA);
    {
        SPropValue obj;
        DWORD type, cb;
        BYTE *data;
        memset(&obj, 0, sizeof(obj));
        obj.ulPropTag = PROP_TAG(PT_OBJECT, 0x6000);
        assert_int_equal(mm_regprop_encode(&obj, &type, &data, &cb), MAPI_E_INVALID_TYPE);
    }
}

static WCHAR root[64];

static int setup(void **state)
{
    swprintf(root, 64, L"Software\\Tandem\\MiniMAPI\\Tests\\regprop-%lu", GetCurrentProcessId());
    mm_profile_set_root(root);
    return 0;
}

static int teardown(void **state)
{
    RegDeleteTreeW(HKEY_CURRENT_USER, root);
    mm_profile_set_root(NULL);
    return 0;
}

static void test_section_round_trip(void **state)
{
    static const MAPIUID uid = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
    SPropValue v[40], replacement;
    ULONG n = every_type(v), i, stored = 0;
    mc_propbag *bag = NULL;
    ULONG ids[1];

    assert_int_equal(mm_profile_create(L"regprop profile"), S_OK);
    assert_int_equal(mm_section_load(L"regprop profile", &uid, &bag), MAPI_E_NOT_FOUND);
    assert_int_equal(mm_section_write(L"regprop profile", &uid, n, v), S_OK);
    assert_true(mm_section_exists(L"regprop profile", &uid));
    assert_int_equal(mm_section_load(L"regprop profile", &uid, &bag), S_OK);
    for (i = 0; i < n; i++)
    {
        const SPropValue *got;
        if (PROP_TYPE(v[i].ulPropTag) == PT_ERROR) continue;   /* PT_ERROR is never stored */
        got = mc_propbag_get(bag, v[i].ulPropTag);
        if (!got) fail_msg("%#lx missing after the round trip", v[i].ulPropTag);
        assert_int_equal(got->ulPropTag, v[i].ulPropTag);
        check_equal(&v[i], got);
        stored++;
    }
    assert_int_equal(mc_propbag_count(bag), stored);
    mc_propbag_free(bag);

    /* A value of another type with the same ID replaces the old one in the registry. */
    memset(&replacement, 0, sizeof(replacement));
    replacement.ulPropTag = PROP_TAG(PT_UNICODE, PROP_ID(v[1].ulPropTag));
    replacement.Value.lpszW = L"now a string";
    assert_int_equal(mm_section_write(L"regprop profile", &uid, 1, &replacement), S_OK);
    assert_int_equal(mm_section_load(L"regprop profile", &uid, &bag), S_OK);
    assert_null(mc_propbag_get(bag, v[1].ulPropTag));
    assert_non_null(mc_propbag_get(bag, replacement.ulPropTag));
    assert_int_equal(mc_propbag_count(bag), stored);
    mc_propbag_free(bag);

    ids[0] = PROP_TAG(PT_UNSPECIFIED, PROP_ID(v[1].ulPropTag));
    assert_int_equal(mm_section_delete_ids(L"regprop profile", &uid, 1, ids), S_OK);
    assert_int_equal(mm_section_load(L"regprop profile", &uid, &bag), S_OK);
    assert_int_equal(mc_propbag_count(bag), stored - 1);
    mc_propbag_free(bag);

    assert_int_equal(mm_section_delete(L"regprop profile", &uid), S_OK);
    assert_false(mm_section_exists(L"regprop profile", &uid));
    assert_int_equal(mm_profile_delete(L"regprop profile"), S_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test_setup_teardown(test_section_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
