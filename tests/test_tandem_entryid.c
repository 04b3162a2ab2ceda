/*
 * test_tandem_entryid.c - tandem32's entry-ID codec (dll/tandem/store/entryid.c): round trips,
 * and strict refusal of empty, truncated, foreign, random and otherwise malformed input
 * (spi-digest §4.5), at any alignment.
 */
#include "test_tandem_fakes.h"
#include "store/entryid.h"

static const GUID guid_a = { 0x11223344, 0x5566, 0x7788, { 1, 2, 3, 4, 5, 6, 7, 8 } };
static const GUID guid_b = { 0x99aabbcc, 0xddee, 0xff00, { 8, 7, 6, 5, 4, 3, 2, 1 } };
static const WCHAR path_a[] = L"C:\\users\\me\\Tandem\\Caf\x00e9 \x4e2d.tandem";

static void store_id_round_trip(void **state)
{
    ENTRYID *eid = NULL;
    ULONG cb = 0;
    td_eid d;

    assert_int_equal(td_eid_encode_store(&guid_a, path_a, &cb, &eid), S_OK);
    assert_int_equal(cb, TD_EID_HEADER_SIZE + (wcslen(path_a) + 1) * 2);
    assert_memory_equal(eid->abFlags, "\0\0\0\0", 4);                 /* long-term */
    assert_memory_equal(eid->ab, &td_provider_uid, sizeof(MAPIUID));   /* our UID at ab[0..15] */
    assert_int_equal(td_eid_decode(cb, eid, &d), S_OK);
    assert_int_equal(d.kind, TD_EID_STORE);
    assert_memory_equal(&d.store_guid, &guid_a, sizeof(GUID));
    assert_non_null(d.path);
    assert_true(!wcscmp(d.path, path_a));
    td_eid_clear(&d);
    assert_null(d.path);
    mc_free(eid);
}

static void object_id_round_trip(void **state)
{
    static const BYTE kinds[] = { TD_EID_FOLDER, TD_EID_MESSAGE, TD_EID_ATTACH };
    ENTRYID *eid;
    ULONG cb, i;
    td_eid d;

    for (i = 0; i < ARRAYSIZE(kinds); i++)
    {
        ULONGLONG id = 0x0123456789abcdefULL + i;
        assert_int_equal(td_eid_encode_object(kinds[i], &guid_b, id, &cb, &eid), S_OK);
        assert_int_equal(cb, TD_EID_HEADER_SIZE + 8);
        assert_int_equal(td_eid_decode(cb, eid, &d), S_OK);
        assert_int_equal(d.kind, kinds[i]);
        assert_memory_equal(&d.store_guid, &guid_b, sizeof(GUID));
        assert_true(d.object_id == id);
        assert_null(d.path);
        td_eid_clear(&d);
        mc_free(eid);
    }
    assert_int_equal(td_eid_encode_object(TD_EID_STORE, &guid_b, 1, &cb, &eid), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_eid_encode_object(0x7f, &guid_b, 1, &cb, &eid), MAPI_E_INVALID_PARAMETER);
}

static void encode_rejects_bad_arguments(void **state)
{
    ENTRYID *eid = NULL;
    ULONG cb;

    assert_int_equal(td_eid_encode_store(&guid_a, L"", &cb, &eid), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_eid_encode_store(&guid_a, NULL, &cb, &eid), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_eid_encode_store(NULL, path_a, &cb, &eid), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_eid_encode_store(&guid_a, path_a, NULL, &eid), MAPI_E_INVALID_PARAMETER);
    assert_null(eid);
}

static void empty_and_null_are_invalid(void **state)
{
    BYTE one = 0;
    td_eid d;

    assert_int_equal(td_eid_decode(0, NULL, &d), MAPI_E_INVALID_ENTRYID);
    assert_int_equal(td_eid_decode(0, (ENTRYID *)&one, &d), MAPI_E_INVALID_ENTRYID);
    assert_int_equal(td_eid_decode(100, NULL, &d), MAPI_E_INVALID_ENTRYID);
    assert_null(d.path);
}

static void every_truncation_is_invalid(void **state)
{
    ENTRYID *store, *obj;
    ULONG cb_store, cb_obj, n;
    BYTE *copy;
    td_eid d;

    assert_int_equal(td_eid_encode_store(&guid_a, path_a, &cb_store, &store), S_OK);
    assert_int_equal(td_eid_encode_object(TD_EID_MESSAGE, &guid_a, 42, &cb_obj, &obj), S_OK);
    for (n = 0; n < cb_store; n++)
    {
        /* an exact-size copy so that reading past the end would be caught by the heap */
        copy = malloc(n ? n : 1);
        memcpy(copy, store, n);
        assert_int_equal(td_eid_decode(n, (ENTRYID *)copy, &d), MAPI_E_INVALID_ENTRYID);
        free(copy);
    }
    for (n = 0; n < cb_obj; n++)
        assert_int_equal(td_eid_decode(n, obj, &d), MAPI_E_INVALID_ENTRYID);
    mc_free(store);
    mc_free(obj);
}

static void trailing_bytes_are_invalid(void **state)
{
    ENTRYID *eid;
    ULONG cb;
    BYTE buf[256];
    td_eid d;

    assert_int_equal(td_eid_encode_object(TD_EID_FOLDER, &guid_a, 7, &cb, &eid), S_OK);
    memcpy(buf, eid, cb);
    buf[cb] = 0;
    assert_int_equal(td_eid_decode(cb + 1, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    mc_free(eid);

    /* a store ID with bytes after the terminator */
    assert_int_equal(td_eid_encode_store(&guid_a, L"C:\\a.tandem", &cb, &eid), S_OK);
    memcpy(buf, eid, cb);
    buf[cb] = 'x'; buf[cb + 1] = 0;
    buf[cb + 2] = 0; buf[cb + 3] = 0;
    assert_int_equal(td_eid_decode(cb + 4, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    assert_int_equal(td_eid_decode(cb + 1, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);  /* odd */
    mc_free(eid);
}

static void foreign_uid_version_kind_are_invalid(void **state)
{
    ENTRYID *eid;
    ULONG cb;
    BYTE buf[256];
    td_eid d;

    assert_int_equal(td_eid_encode_store(&guid_a, path_a, &cb, &eid), S_OK);

    memcpy(buf, eid, cb);
    buf[4 + 7] ^= 0x01;                                 /* another provider's UID */
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);

    memcpy(buf, eid, cb);
    buf[20] = TD_EID_VERSION + 1;                       /* a future version */
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    buf[20] = 0;
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);

    memcpy(buf, eid, cb);
    buf[21] = 0;                                        /* unknown kinds */
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    buf[21] = 99;
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    buf[21] = TD_EID_FOLDER;                            /* store-sized data with an object kind */
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);

    /* flags are hints, not identity: a short-term copy still decodes */
    memcpy(buf, eid, cb);
    buf[0] = MAPI_SHORTTERM;
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), S_OK);
    td_eid_clear(&d);
    mc_free(eid);
}

static void bad_paths_are_invalid(void **state)
{
    ENTRYID *eid;
    ULONG cb;
    BYTE buf[256];
    td_eid d;

    assert_int_equal(td_eid_encode_store(&guid_a, L"C:\\ab.tandem", &cb, &eid), S_OK);
    memcpy(buf, eid, cb);
    buf[TD_EID_HEADER_SIZE + 4] = 0;                    /* embedded NUL ("C:" then "b...") */
    buf[TD_EID_HEADER_SIZE + 5] = 0;
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    memcpy(buf, eid, cb);
    buf[cb - 2] = 'x';                                  /* no terminator */
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    /* only a terminator: an empty path */
    assert_int_equal(td_eid_decode(TD_EID_HEADER_SIZE + 2, (ENTRYID *)buf, &d), MAPI_E_INVALID_ENTRYID);
    assert_null(d.path);
    mc_free(eid);
}

static void unaligned_input_decodes(void **state)
{
    ENTRYID *eid;
    ULONG cb, off;
    BYTE *buf;
    td_eid d;
    BOOL same;

    assert_int_equal(td_eid_encode_store(&guid_b, path_a, &cb, &eid), S_OK);
    buf = malloc(cb + 8);
    for (off = 1; off < 8; off++)
    {
        memcpy(buf + off, eid, cb);
        assert_int_equal(td_eid_decode(cb, (ENTRYID *)(buf + off), &d), S_OK);
        assert_true(!wcscmp(d.path, path_a));
        assert_memory_equal(&d.store_guid, &guid_b, sizeof(GUID));
        td_eid_clear(&d);
        assert_int_equal(td_eid_compare_stores(cb, (ENTRYID *)(buf + off), cb, eid, &same), S_OK);
        assert_true(same);
    }
    free(buf);
    mc_free(eid);
}

/* xorshift32: a fixed sequence, so a failure can be reproduced */
static ULONG rnd_state = 0x2545F491;
static ULONG rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

static void random_input_never_crashes(void **state)
{
    ENTRYID *good;
    ULONG cb_good, i, n, accepted = 0;
    BYTE buf[300];
    td_eid d;

    assert_int_equal(td_eid_encode_store(&guid_a, L"C:\\x.tandem", &cb_good, &good), S_OK);
    for (i = 0; i < 20000; i++)
    {
        n = rnd() % sizeof(buf);
        for (ULONG j = 0; j < n; j++) buf[j] = (BYTE)rnd();
        if (i % 2 && n >= 22)
        {
            /* half of them look like ours up to the kind byte */
            memcpy(buf, good, 22);
            buf[21] = (BYTE)(rnd() % 6);
        }
        if (td_eid_decode(n, (ENTRYID *)buf, &d) == S_OK)
        {
            accepted++;
            /* whatever is accepted is self-consistent */
            assert_true(d.kind >= TD_EID_STORE && d.kind <= TD_EID_ATTACH);
            if (d.kind == TD_EID_STORE) assert_int_equal(wcslen(d.path) * 2 + 2 + TD_EID_HEADER_SIZE, n);
            else assert_int_equal(n, TD_EID_HEADER_SIZE + 8);
            td_eid_clear(&d);
        }
    }
    /* random bytes after a valid header with an object kind and exact size are valid IDs;
     * nothing else should get through */
    assert_true(accepted < 20000 / 10);
    mc_free(good);
}

static void compare(void **state)
{
    ENTRYID *s1, *s2, *s3, *m1, *m2, *f1;
    ULONG c1, c2, c3, cm1, cm2, cf1;
    BYTE junk[40] = { 0 };
    BOOL same = TRUE;

    assert_int_equal(td_eid_encode_store(&guid_a, L"C:\\one.tandem", &c1, &s1), S_OK);
    assert_int_equal(td_eid_encode_store(&guid_a, L"D:\\moved\\one.tandem", &c2, &s2), S_OK);
    assert_int_equal(td_eid_encode_store(&guid_b, L"C:\\one.tandem", &c3, &s3), S_OK);
    assert_int_equal(td_eid_encode_object(TD_EID_MESSAGE, &guid_a, 5, &cm1, &m1), S_OK);
    assert_int_equal(td_eid_encode_object(TD_EID_MESSAGE, &guid_a, 6, &cm2, &m2), S_OK);
    assert_int_equal(td_eid_encode_object(TD_EID_FOLDER, &guid_a, 5, &cf1, &f1), S_OK);

    /* stores are the same by GUID, wherever the file is */
    assert_int_equal(td_eid_compare_stores(c1, s1, c2, s2, &same), S_OK);
    assert_true(same);
    assert_int_equal(td_eid_compare_stores(c1, s1, c3, s3, &same), S_OK);
    assert_false(same);
    assert_int_equal(td_eid_compare_stores(c1, s1, sizeof(junk), (ENTRYID *)junk, &same), MAPI_E_INVALID_ENTRYID);
    assert_int_equal(td_eid_compare_stores(c1, s1, cm1, m1, &same), MAPI_E_INVALID_ENTRYID);
    assert_int_equal(td_eid_compare_stores(0, NULL, c1, s1, &same), MAPI_E_INVALID_ENTRYID);

    assert_int_equal(td_eid_compare(cm1, m1, cm1, m1, &same), S_OK);
    assert_true(same);
    assert_int_equal(td_eid_compare(cm1, m1, cm2, m2, &same), S_OK);
    assert_false(same);
    assert_int_equal(td_eid_compare(cm1, m1, cf1, f1, &same), S_OK);   /* same id, other kind */
    assert_false(same);
    assert_int_equal(td_eid_compare(c1, s1, c2, s2, &same), S_OK);
    assert_true(same);
    assert_int_equal(td_eid_compare(c1, s1, cm1, m1, &same), S_OK);
    assert_false(same);
    assert_int_equal(td_eid_compare(cm1, m1, 3, (ENTRYID *)junk, &same), MAPI_E_INVALID_ENTRYID);

    mc_free(s1); mc_free(s2); mc_free(s3); mc_free(m1); mc_free(m2); mc_free(f1);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        T(store_id_round_trip),
        T(object_id_round_trip),
        T(encode_rejects_bad_arguments),
        T(empty_and_null_are_invalid),
        T(every_truncation_is_invalid),
        T(trailing_bytes_are_invalid),
        T(foreign_uid_version_kind_are_invalid),
        T(bad_paths_are_invalid),
        T(unaligned_input_decodes),
        T(random_input_never_crashes),
        T(compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
