/*
 * test_tandem_propser.c - the db layer's encoding of property values (db/propser.c): every
 * PT_ type round-trips, and damaged rows are refused with MAPI_E_CORRUPT_DATA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "db/db.h"

static void roundtrip(const SPropValue *v)
{
    BYTE *buf = NULL;
    ULONG cb = 0;
    LONGLONG ival = 0;
    BOOL set = FALSE;
    SPropValue out;

    assert_int_equal(td_propser_encode(v, &buf, &cb, &ival, &set), S_OK);
    assert_int_equal(td_propser_decode(v->ulPropTag, ival, buf, cb, &out), S_OK);
    assert_int_equal(out.ulPropTag, v->ulPropTag);
    assert_true(mc_prop_equal(&out, v));
    mc_prop_free_internal(&out);
    mc_free(buf);
}

static void every_type(void **state)
{
    static LONG longs[3] = {1, -2, 3};
    static char *strs[2] = {"a", ""};
    static WCHAR *wstrs[2] = {L"\x00e9t\x00e9", L"x"};
    static SBinary bins[2] = {{3, (BYTE *)"abc"}, {0, NULL}};
    static GUID guid = {1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}};
    SPropValue v;

    memset(&v, 0, sizeof(v));
    v.ulPropTag = PROP_TAG(PT_I2, 0x6000); v.Value.i = -7; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_LONG, 0x6000); v.Value.l = -70000; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_BOOLEAN, 0x6000); v.Value.b = 1; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_R4, 0x6000); v.Value.flt = 1.5f; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_DOUBLE, 0x6000); v.Value.dbl = 2.25; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_APPTIME, 0x6000); v.Value.at = 3.5; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_CURRENCY, 0x6000); v.Value.cur.int64 = -123456789012LL; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_I8, 0x6000); v.Value.li.QuadPart = 0x123456789abcLL; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_SYSTIME, 0x6000); v.Value.ft.dwLowDateTime = 5; v.Value.ft.dwHighDateTime = 0x01d00000; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_ERROR, 0x6000); v.Value.err = MAPI_E_NOT_FOUND; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_CLSID, 0x6000); v.Value.lpguid = &guid; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_STRING8, 0x6000); v.Value.lpszA = "hello"; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_UNICODE, 0x6000); v.Value.lpszW = L"h\x00e9llo"; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_BINARY, 0x6000); v.Value.bin.cb = 3; v.Value.bin.lpb = (BYTE *)"a\0b"; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_MV_LONG, 0x6000); v.Value.MVl.cValues = 3; v.Value.MVl.lpl = longs; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_MV_STRING8, 0x6000); v.Value.MVszA.cValues = 2; v.Value.MVszA.lppszA = strs; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_MV_UNICODE, 0x6000); v.Value.MVszW.cValues = 2; v.Value.MVszW.lppszW = wstrs; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_MV_BINARY, 0x6000); v.Value.MVbin.cValues = 2; v.Value.MVbin.lpbin = bins; roundtrip(&v);
    v.ulPropTag = PROP_TAG(PT_MV_CLSID, 0x6000); v.Value.MVguid.cValues = 1; v.Value.MVguid.lpguid = &guid; roundtrip(&v);
}

static void damaged(void **state)
{
    static const BYTE mv[] = {5, 0, 0, 0, 1, 0, 0, 0};    /* 5 longs claimed, one present */
    static const BYTE mvs[] = {1, 0, 0, 0, 9, 0, 0, 0, 'a'};   /* string longer than the row */
    SPropValue out;

    assert_int_equal(td_propser_decode(PROP_TAG(PT_MV_LONG, 0x6000), 0, mv, sizeof(mv), &out), MAPI_E_CORRUPT_DATA);
    assert_int_equal(td_propser_decode(PROP_TAG(PT_MV_STRING8, 0x6000), 0, mvs, sizeof(mvs), &out), MAPI_E_CORRUPT_DATA);
    assert_int_equal(td_propser_decode(PROP_TAG(PT_DOUBLE, 0x6000), 0, mv, 3, &out), MAPI_E_CORRUPT_DATA);
    assert_int_equal(td_propser_decode(PROP_TAG(PT_UNICODE, 0x6000), 0, mv, 3, &out), MAPI_E_CORRUPT_DATA);
    assert_int_equal(td_propser_decode(PROP_TAG(0x7777, 0x6000), 0, mv, 3, &out), MAPI_E_CORRUPT_DATA);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(every_type),
        cmocka_unit_test(damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
