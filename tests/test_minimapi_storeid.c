/*
 * test_minimapi_storeid.c - wrapped store entry IDs (imapisupport-wrapstoreentryid.md,
 * wrapstoreentryid.md): the layout minimapi writes, unwrap as its inverse, and minimapi's own
 * "this names a profile section" IDs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "minimapi_private.h"

static const BYTE muid_store_wrap[16] =
    {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a, 0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};

static void test_layout(void **state)
{
    static const BYTE inner[] = {0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    ENTRYID *wrapped = NULL;
    const ENTRYID *got;
    const char *dll;
    ULONG cb, cb_inner;
    const BYTE *p;

    assert_int_equal(mm_storeid_wrap("tandem.dll", sizeof(inner), (const ENTRYID *)inner, &cb,
                                     &wrapped), S_OK);
    p = (const BYTE *)wrapped;
    assert_memory_equal(p, "\0\0\0\0", 4);               /* long-term flags */
    assert_memory_equal(p + 4, muid_store_wrap, 16);     /* MUID_STORE_WRAP */
    assert_int_equal(p[20], 0);                          /* version */
    assert_int_equal(p[21], 0);                          /* flag */
    assert_string_equal((const char *)p + 22, "tandem.dll");
    /* 22 + 11 = 33 -> padded to 36, then the inner ID */
    assert_int_equal(cb, 36 + sizeof(inner));
    assert_memory_equal(p + 33, "\0\0\0", 3);
    assert_memory_equal(p + 36, inner, sizeof(inner));

    assert_true(mm_storeid_unwrap(cb, wrapped, &dll, &cb_inner, &got));
    assert_string_equal(dll, "tandem.dll");
    assert_int_equal(cb_inner, sizeof(inner));
    assert_memory_equal(got, inner, sizeof(inner));
    MAPIFreeBuffer(wrapped);
}

static void test_round_trip_lengths(void **state)
{
    static const char *names[] = {"a.dll", "ab.dll", "abc.dll", "abcd.dll", "C:\\dir\\x.dll"};
    BYTE inner[64];
    int i, len;

    for (i = 0; i < 64; i++) inner[i] = (BYTE)(i * 13 + 1);
    for (i = 0; i < 5; i++)
        for (len = 1; len < 40; len += 3)
        {
            ENTRYID *w;
            const ENTRYID *got;
            const char *dll;
            ULONG cb, cb_inner;
            assert_int_equal(mm_storeid_wrap(names[i], len, (ENTRYID *)inner, &cb, &w), S_OK);
            assert_int_equal((cb - len) % 4, 0);
            assert_true(mm_storeid_unwrap(cb, w, &dll, &cb_inner, &got));
            assert_string_equal(dll, names[i]);
            assert_int_equal(cb_inner, len);
            assert_memory_equal(got, inner, len);
            MAPIFreeBuffer(w);
        }
}

static void test_not_wrapped(void **state)
{
    BYTE junk[64];
    ENTRYID *w;
    ULONG cb;

    memset(junk, 0, sizeof(junk));
    assert_false(mm_storeid_unwrap(sizeof(junk), (ENTRYID *)junk, NULL, NULL, NULL));
    assert_false(mm_storeid_unwrap(0, NULL, NULL, NULL, NULL));
    memcpy(junk + 4, muid_store_wrap, 16);
    /* no DLL name terminator */
    memset(junk + 22, 'x', sizeof(junk) - 22);
    assert_false(mm_storeid_unwrap(sizeof(junk), (ENTRYID *)junk, NULL, NULL, NULL));
    /* empty DLL name */
    junk[22] = 0;
    assert_false(mm_storeid_unwrap(sizeof(junk), (ENTRYID *)junk, NULL, NULL, NULL));
    /* no inner ID after the name */
    assert_int_equal(mm_storeid_wrap("x.dll", 4, (ENTRYID *)junk, &cb, &w), S_OK);
    assert_false(mm_storeid_unwrap(cb - 4, w, NULL, NULL, NULL));
    MAPIFreeBuffer(w);

    assert_int_equal(mm_storeid_wrap(NULL, 4, (ENTRYID *)junk, &cb, &w), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mm_storeid_wrap("x.dll", 0, (ENTRYID *)junk, &cb, &w), MAPI_E_INVALID_PARAMETER);
}

static void test_section_ids(void **state)
{
    static const MAPIUID section = {{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}};
    ENTRYID *id, *w;
    const ENTRYID *inner;
    ULONG cb, cbw, cb_inner;
    MAPIUID got;

    assert_int_equal(mm_storeid_section_id(&section, &cb, &id), S_OK);
    assert_true(mm_storeid_is_section_id(cb, id, &got));
    assert_memory_equal(&got, &section, sizeof(got));
    assert_false(mm_storeid_is_section_id(cb - 1, id, NULL));
    assert_int_equal(mm_storeid_wrap("tandem.dll", cb, id, &cbw, &w), S_OK);
    assert_true(mm_storeid_unwrap(cbw, w, NULL, &cb_inner, &inner));
    assert_true(mm_storeid_is_section_id(cb_inner, inner, &got));
    assert_memory_equal(&got, &section, sizeof(got));
    MAPIFreeBuffer(w);
    MAPIFreeBuffer(id);
}

static int check_no_blocks(void **state)
{
    return mm_live_blocks() == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_round_trip_lengths),
        cmocka_unit_test(test_not_wrapped),
        cmocka_unit_test(test_section_ids),
    };
    return cmocka_run_group_tests(tests, NULL, check_no_blocks);
}
