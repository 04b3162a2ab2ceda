/*
 * test_mapicore_props.c - mapicore's value layer: property values of every type (copy, size,
 * width conversion, ordering, equality, lookup), strings, MAPIERROR and last-error records,
 * property bags and the IMAPIProp methods over them (imapiprop-getprops.md,
 * imapiprop-getproplist.md, imapiprop-setprops.md, imapiprop-deleteprops.md).
 */
#include "test_mapicore_alloc.h"

#define TAG(type, id) PROP_TAG(type, id)

static BYTE bin_a[] = { 1, 2, 3 }, bin_b[] = { 9, 8, 7, 6 };
static GUID guid_a = { 0x11111111, 0x2222, 0x3333, { 4, 4, 4, 4, 4, 4, 4, 4 } };
static GUID guid_b = { 0x11111111, 0x2222, 0x3333, { 4, 4, 4, 4, 4, 4, 4, 5 } };
static short mv_i2[] = { 1, -2 };
static LONG mv_l[] = { 10, 20, 30 };
static float mv_r4[] = { 1.5f };
static double mv_dbl[] = { 2.5, -1.0 };
static CURRENCY mv_cur[] = { { .int64 = 12345 } };
static double mv_at[] = { 40000.5 };
static FILETIME mv_ft[] = { { 1, 2 }, { 3, 4 } };
static LARGE_INTEGER mv_li[] = { { .QuadPart = -5 }, { .QuadPart = 1LL << 40 } };
static GUID mv_guid[] = { { 1, 2, 3, { 0 } }, { 4, 5, 6, { 7 } } };
static SBinary mv_bin[] = { { 3, bin_a }, { 0, NULL }, { 4, bin_b } };
static char *mv_sa[] = { "alpha", "", "gamma" };
static WCHAR *mv_sw[] = { L"\u00e9t\u00e9", L"winter" };

/* One value of every type MAPI defines, single and multivalued. */
static ULONG every_type(SPropValue *v)
{
    ULONG n = 0;

    memset(v, 0, 40 * sizeof(*v));
#define V(type, field, value) (v[n].ulPropTag = TAG(type, 0x6000 + n), v[n].Value.field = value, n++)
    V(PT_I2, i, -7);
    V(PT_LONG, l, 123456);
    V(PT_R4, flt, 3.25f);
    V(PT_DOUBLE, dbl, -6.5);
    V(PT_CURRENCY, cur.int64, 99999);
    V(PT_APPTIME, at, 41000.25);
    V(PT_ERROR, err, MAPI_E_NOT_FOUND);
    V(PT_BOOLEAN, b, 1);
    V(PT_OBJECT, x, 0);
    V(PT_I8, li.QuadPart, 0x123456789abcLL);
    V(PT_STRING8, lpszA, "hello");
    V(PT_UNICODE, lpszW, L"w\u00f6rld");
    V(PT_SYSTIME, ft.dwHighDateTime, 0x01d00000);
    V(PT_CLSID, lpguid, &guid_a);
    V(PT_BINARY, bin.cb, sizeof(bin_a)); v[n - 1].Value.bin.lpb = bin_a;
    V(PT_NULL, x, 0);
    V(PT_UNSPECIFIED, x, 0);
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
    V(PT_MV_UNICODE, MVszW.cValues, 2); v[n - 1].Value.MVszW.lppszW = mv_sw;
#undef V
    return n;
}

/* Does any payload pointer of `v` point into the memory of `src`'s payloads? (deep copy) */
static void assert_no_shared_payload(const SPropValue *copy, const SPropValue *src)
{
    switch (PROP_TYPE(src->ulPropTag))
    {
    case PT_STRING8: case PT_UNICODE: case PT_CLSID:
        assert_ptr_not_equal(copy->Value.lpszA, src->Value.lpszA); break;
    case PT_BINARY:
        assert_ptr_not_equal(copy->Value.bin.lpb, src->Value.bin.lpb); break;
    case PT_MV_STRING8:
        assert_ptr_not_equal(copy->Value.MVszA.lppszA, src->Value.MVszA.lppszA);
        assert_ptr_not_equal(copy->Value.MVszA.lppszA[0], src->Value.MVszA.lppszA[0]); break;
    case PT_MV_BINARY:
        assert_ptr_not_equal(copy->Value.MVbin.lpbin[0].lpb, src->Value.MVbin.lpbin[0].lpb); break;
    default:
        if (PROP_TYPE(src->ulPropTag) & MV_FLAG)
            assert_ptr_not_equal(copy->Value.MVl.lpl, src->Value.MVl.lpl);
    }
}

static void test_trace_channels(void **state)
{
    /* TANDEM_TRACE is read once, at the first check: set it before anything traces. */
    SetEnvironmentVariableA("TANDEM_TRACE", "foo,bar");
    assert_true(mc_trace_enabled("foo"));
    assert_true(mc_trace_enabled("bar"));
    assert_false(mc_trace_enabled("fo"));
    assert_false(mc_trace_enabled("table"));
    SetEnvironmentVariableA("TANDEM_TRACE", "all");
    assert_false(mc_trace_enabled("table"));     /* not read a second time */
    SetEnvironmentVariableA("TANDEM_TRACE", NULL);
}

static void test_type_valid(void **state)
{
    static const ULONG good[] = { PT_UNSPECIFIED, PT_NULL, PT_I2, PT_LONG, PT_R4, PT_DOUBLE,
        PT_CURRENCY, PT_APPTIME, PT_ERROR, PT_BOOLEAN, PT_OBJECT, PT_I8, PT_STRING8, PT_UNICODE,
        PT_SYSTIME, PT_CLSID, PT_BINARY, PT_MV_I2, PT_MV_LONG, PT_MV_R4, PT_MV_DOUBLE,
        PT_MV_CURRENCY, PT_MV_APPTIME, PT_MV_SYSTIME, PT_MV_STRING8, PT_MV_BINARY, PT_MV_UNICODE,
        PT_MV_CLSID, PT_MV_I8, PT_MV_LONG | MV_INSTANCE };
    static const ULONG bad[] = { 8, 9, 12, 0x15, 0x41, 0x0FFF, MV_FLAG | PT_BOOLEAN,
        MV_FLAG | PT_ERROR, MV_FLAG | PT_OBJECT, MV_FLAG | PT_NULL, PT_LONG | MV_INSTANCE };
    ULONG i;

    for (i = 0; i < ARRAYSIZE(good); i++)
        assert_true(mc_prop_type_valid(good[i]));
    for (i = 0; i < ARRAYSIZE(bad); i++)
        assert_false(mc_prop_type_valid(bad[i]));
}

static void test_payload_size(void **state)
{
    SPropValue v;

    v.ulPropTag = PR_SUBJECT_A; v.Value.lpszA = "abc";               /* 4 bytes -> 8 */
    assert_int_equal(mc_prop_payload_size(&v), 8);
    v.ulPropTag = PR_SUBJECT_W; v.Value.lpszW = L"abcd";             /* 10 bytes -> 16 */
    assert_int_equal(mc_prop_payload_size(&v), 16);
    v.ulPropTag = PR_ENTRYID; v.Value.bin.cb = 9; v.Value.bin.lpb = bin_a;
    assert_int_equal(mc_prop_payload_size(&v), 16);
    v.ulPropTag = TAG(PT_CLSID, 0x6001); v.Value.lpguid = &guid_a;
    assert_int_equal(mc_prop_payload_size(&v), 16);
    v.ulPropTag = TAG(PT_LONG, 0x6001); v.Value.l = 5;
    assert_int_equal(mc_prop_payload_size(&v), 0);
    v.ulPropTag = TAG(PT_MV_LONG, 0x6001); v.Value.MVl.cValues = 3; v.Value.MVl.lpl = mv_l;
    assert_int_equal(mc_prop_payload_size(&v), 16);                  /* 12 -> 16 */
    v.ulPropTag = TAG(PT_MV_STRING8, 0x6001); v.Value.MVszA.cValues = 3; v.Value.MVszA.lppszA = mv_sa;
    /* array 3 pointers, then "alpha" 6->8, "" 1->8, "gamma" 6->8 */
    assert_int_equal(mc_prop_payload_size(&v), ((3 * sizeof(char *) + 7) & ~7) + 24);
}

static void test_copy_every_type(void **state)
{
    SPropValue src[40], *dup = NULL, internal, child_copy, *root = NULL;
    ULONG n = every_type(src), i;

    /* Into one caller block: every value equal, no payload shared, one FreeBuffer frees all. */
    assert_int_equal(mc_props_dup(&test_alloc, n, src, &dup), S_OK);
    assert_true(test_is_root(dup));
    for (i = 0; i < n; i++)
    {
        assert_int_equal(dup[i].ulPropTag, src[i].ulPropTag);
        assert_true(mc_prop_equal(&dup[i], &src[i]));
        assert_int_equal(mc_prop_compare(&dup[i], &src[i]), 0);
        assert_no_shared_payload(&dup[i], &src[i]);
    }
    /* NULL element of a binary MV stays NULL, strings keep their bytes. */
    assert_null(dup[26].Value.MVbin.lpbin[1].lpb);
    assert_string_equal(dup[27].Value.MVszA.lppszA[2], "gamma");
    assert_memory_equal(dup[28].Value.MVszW.lppszW[0], L"\u00e9t\u00e9", 4 * sizeof(WCHAR));
    test_FreeBuffer(dup);
    assert_int_equal(test_live_blocks, 0);

    /* Internal copies (no parent) and as a child of a caller block. */
    assert_int_equal(test_AllocateBuffer(8, (void **)&root), S_OK);
    for (i = 0; i < n; i++)
    {
        assert_int_equal(mc_prop_copy(NULL, NULL, &internal, &src[i]), S_OK);
        assert_true(mc_prop_equal(&internal, &src[i]));
        assert_no_shared_payload(&internal, &src[i]);
        mc_prop_free_internal(&internal);
        assert_int_equal(mc_prop_copy(&test_alloc, root, &child_copy, &src[i]), S_OK);
        assert_true(mc_prop_equal(&child_copy, &src[i]));
    }
    test_FreeBuffer(root);

    /* n == 0: NULL, S_OK; bad arguments. */
    assert_int_equal(mc_props_dup(&test_alloc, 0, src, &dup), S_OK);
    assert_null(dup);
    assert_int_equal(mc_props_dup(NULL, 1, src, &dup), MAPI_E_INVALID_PARAMETER);
}

static void test_copy_out_of_memory(void **state)
{
    SPropValue src[40], *dup = (SPropValue *)1;
    ULONG n = every_type(src);

    test_fail_after = 5;    /* the root and four payloads, then a failure */
    assert_int_equal(mc_props_dup(&test_alloc, n, src, &dup), MAPI_E_NOT_ENOUGH_MEMORY);
    assert_null(dup);
    test_fail_after = ~0u;
    assert_int_equal(test_live_blocks, 0);
}

static void test_convert(void **state)
{
    SPropValue a, w, out, mva, mvw, *root;
    char *ma[] = { "one", "t\xe9st" };       /* CP_ACP (1252 under Wine's default) */
    WCHAR *mw[] = { L"x", L"yy", L"zzz" };

    assert_int_equal(test_AllocateBuffer(8, (void **)&root), S_OK);
    a.ulPropTag = PR_SUBJECT_A; a.Value.lpszA = "Hello";
    w.ulPropTag = PR_SUBJECT_W; w.Value.lpszW = L"Gr\u00fc\u00dfe";

    assert_int_equal(mc_prop_convert(&test_alloc, root, &out, &a, PT_UNICODE), S_OK);
    assert_int_equal(out.ulPropTag, PR_SUBJECT_W);
    assert_true(lstrcmpW(out.Value.lpszW, L"Hello") == 0);

    assert_int_equal(mc_prop_convert(&test_alloc, root, &out, &w, PT_STRING8), S_OK);
    assert_int_equal(out.ulPropTag, PR_SUBJECT_A);
    assert_string_equal(out.Value.lpszA, "Gr\xfc\xdf" "e");

    /* Same width or a non-string: a plain copy with the original tag. */
    assert_int_equal(mc_prop_convert(&test_alloc, root, &out, &w, PT_UNICODE), S_OK);
    assert_int_equal(out.ulPropTag, PR_SUBJECT_W);
    assert_ptr_not_equal(out.Value.lpszW, w.Value.lpszW);
    a.ulPropTag = PR_MESSAGE_FLAGS; a.Value.l = 42;
    assert_int_equal(mc_prop_convert(&test_alloc, root, &out, &a, PT_UNICODE), S_OK);
    assert_int_equal(out.ulPropTag, PR_MESSAGE_FLAGS);
    assert_int_equal(out.Value.l, 42);

    mva.ulPropTag = TAG(PT_MV_STRING8, 0x6100); mva.Value.MVszA.cValues = 2; mva.Value.MVszA.lppszA = ma;
    assert_int_equal(mc_prop_convert(&test_alloc, root, &out, &mva, PT_MV_UNICODE), S_OK);
    assert_int_equal(out.ulPropTag, TAG(PT_MV_UNICODE, 0x6100));
    assert_int_equal(out.Value.MVszW.cValues, 2);
    assert_true(lstrcmpW(out.Value.MVszW.lppszW[0], L"one") == 0);
    assert_true(lstrcmpW(out.Value.MVszW.lppszW[1], L"t\u00e9st") == 0);

    mvw.ulPropTag = TAG(PT_MV_UNICODE, 0x6101); mvw.Value.MVszW.cValues = 3; mvw.Value.MVszW.lppszW = mw;
    assert_int_equal(mc_prop_convert(&test_alloc, root, &out, &mvw, PT_MV_STRING8), S_OK);
    assert_int_equal(out.ulPropTag, TAG(PT_MV_STRING8, 0x6101));
    assert_string_equal(out.Value.MVszA.lppszA[2], "zzz");

    /* A single value never becomes an MV. */
    a.ulPropTag = PR_SUBJECT_A; a.Value.lpszA = "Hello";
    assert_int_equal(mc_prop_convert(&test_alloc, root, &out, &a, PT_MV_UNICODE), S_OK);
    assert_int_equal(out.ulPropTag, PR_SUBJECT_A);
    test_FreeBuffer(root);

    /* Internal conversion, freed by mc_prop_free_internal. */
    assert_int_equal(mc_prop_convert(NULL, NULL, &out, &mvw, PT_MV_STRING8), S_OK);
    assert_string_equal(out.Value.MVszA.lppszA[1], "yy");
    mc_prop_free_internal(&out);
}

static void test_compare_scalars(void **state)
{
    SPropValue a, b;

#define CHECK(type, field, lo, hi) do { \
        memset(&a, 0, sizeof(a)); memset(&b, 0, sizeof(b)); \
        a.ulPropTag = b.ulPropTag = TAG(type, 0x6000); \
        a.Value.field = lo; b.Value.field = hi; \
        assert_true(mc_prop_compare(&a, &b) < 0); \
        assert_true(mc_prop_compare(&b, &a) > 0); \
        assert_int_equal(mc_prop_compare(&a, &a), 0); \
        assert_false(mc_prop_equal(&a, &b)); \
        assert_true(mc_prop_equal(&b, &b)); } while (0)
    CHECK(PT_I2, i, -3, 2);
    CHECK(PT_LONG, l, -100000, 5);
    CHECK(PT_R4, flt, -0.5f, 0.25f);
    CHECK(PT_DOUBLE, dbl, 1e10, 1e11);
    CHECK(PT_CURRENCY, cur.int64, -1, 1);
    CHECK(PT_APPTIME, at, 1.0, 1.5);
    CHECK(PT_I8, li.QuadPart, -(1LL << 40), 1LL << 40);
    CHECK(PT_SYSTIME, ft.dwHighDateTime, 1, 0x80000000u);
    CHECK(PT_BOOLEAN, b, 0, 1);
    CHECK(PT_ERROR, err, MAPI_W_ERRORS_RETURNED, MAPI_E_NOT_FOUND);
    CHECK(PT_CLSID, lpguid, &guid_a, &guid_b);
#undef CHECK

    /* Booleans compare as truth values. */
    a.ulPropTag = b.ulPropTag = TAG(PT_BOOLEAN, 1);
    a.Value.b = 1; b.Value.b = 7;
    assert_int_equal(mc_prop_compare(&a, &b), 0);

    /* Binaries: by length first, then bytes. */
    a.ulPropTag = b.ulPropTag = PR_ENTRYID;
    a.Value.bin.cb = 4; a.Value.bin.lpb = bin_b;     /* 9 8 7 6 */
    b.Value.bin.cb = 3; b.Value.bin.lpb = bin_a;     /* 1 2 3 */
    assert_true(mc_prop_compare(&a, &b) > 0);
    b.Value.bin.cb = 4; b.Value.bin.lpb = (BYTE *)"\x09\x08\x07\x07";
    assert_true(mc_prop_compare(&a, &b) < 0);

    /* Different types order by type. */
    a.ulPropTag = TAG(PT_LONG, 1); a.Value.l = 1000;
    b.ulPropTag = TAG(PT_BINARY, 1); b.Value.bin.cb = 0;
    assert_true(mc_prop_compare(&a, &b) < 0);
    assert_false(mc_prop_equal(&a, &b));
}

static void test_compare_strings(void **state)
{
    SPropValue a, b;

    a.ulPropTag = PR_SUBJECT_A; a.Value.lpszA = "apple";
    b.ulPropTag = PR_SUBJECT_A; b.Value.lpszA = "APPLE";
    /* Case-insensitive ordering, but equality is exact. */
    assert_int_equal(mc_prop_compare(&a, &b), 0);
    assert_false(mc_prop_equal(&a, &b));
    b.Value.lpszA = "Banana";
    assert_true(mc_prop_compare(&a, &b) < 0);
    /* Widths compare with each other. */
    b.ulPropTag = PR_SUBJECT_W; b.Value.lpszW = L"APPLE";
    assert_int_equal(mc_prop_compare(&a, &b), 0);
    assert_false(mc_prop_equal(&a, &b));             /* different types */
    b.Value.lpszW = L"apricot";
    assert_true(mc_prop_compare(&a, &b) < 0);
    a.ulPropTag = PR_SUBJECT_W; a.Value.lpszW = L"zebra";
    assert_true(mc_prop_compare(&a, &b) > 0);
    b.Value.lpszW = L"zebra";
    assert_true(mc_prop_equal(&a, &b));
}

static void test_compare_mv(void **state)
{
    LONG x[] = { 1, 2, 3 }, y[] = { 1, 2 }, z[] = { 1, 5 };
    SPropValue a, b;

    a.ulPropTag = b.ulPropTag = TAG(PT_MV_LONG, 0x6000);
    a.Value.MVl.cValues = 3; a.Value.MVl.lpl = x;
    b.Value.MVl.cValues = 2; b.Value.MVl.lpl = y;
    assert_true(mc_prop_compare(&a, &b) > 0);        /* the shorter one is lower */
    b.Value.MVl.lpl = z;
    assert_true(mc_prop_compare(&a, &b) < 0);        /* first difference decides */
    b.Value.MVl.cValues = 3; b.Value.MVl.lpl = x;
    assert_true(mc_prop_equal(&a, &b));
    b.ulPropTag = TAG(PT_MV_I8, 0x6000);
    assert_false(mc_prop_equal(&a, &b));

    /* One element against a single value. */
    b.ulPropTag = TAG(PT_LONG, 0x6000); b.Value.l = 2;
    assert_true(mc_prop_compare_elem(&a, 0, &b) < 0);
    assert_int_equal(mc_prop_compare_elem(&a, 1, &b), 0);
    assert_true(mc_prop_compare_elem(&a, 2, &b) > 0);
}

static void test_props_find_and_tags(void **state)
{
    SPropValue v[4];
    SizedSPropTagArray(3, tags) = { 3, { PR_SUBJECT_W, PR_ENTRYID, PR_NULL } };
    SPropTagArray *dup = NULL;

    v[0].ulPropTag = PR_MESSAGE_FLAGS; v[0].Value.l = 1;
    v[1].ulPropTag = PR_SUBJECT_A; v[1].Value.lpszA = "s";
    v[2].ulPropTag = TAG(PT_MV_LONG, 0x6000); v[2].Value.MVl.cValues = 0;
    v[3].ulPropTag = TAG(PT_MV_UNICODE, 0x6001); v[3].Value.MVszW.cValues = 0;
    assert_ptr_equal(mc_props_find(4, v, PR_MESSAGE_FLAGS), &v[0]);
    assert_ptr_equal(mc_props_find(4, v, CHANGE_PROP_TYPE(PR_MESSAGE_FLAGS, PT_UNSPECIFIED)), &v[0]);
    assert_null(mc_props_find(4, v, CHANGE_PROP_TYPE(PR_MESSAGE_FLAGS, PT_I2)));
    assert_ptr_equal(mc_props_find(4, v, PR_SUBJECT_W), &v[1]);
    assert_ptr_equal(mc_props_find(4, v, PR_SUBJECT_A), &v[1]);
    assert_null(mc_props_find(4, v, PR_ENTRYID));
    assert_ptr_equal(mc_props_find(4, v, TAG(PT_MV_LONG | MV_INSTANCE, 0x6000)), &v[2]);
    assert_ptr_equal(mc_props_find(4, v, TAG(PT_MV_STRING8, 0x6001)), &v[3]);
    assert_null(mc_props_find(4, v, TAG(PT_STRING8, 0x6001)));

    assert_true(mc_tags_contain((SPropTagArray *)&tags, PR_ENTRYID));
    assert_false(mc_tags_contain((SPropTagArray *)&tags, PR_SUBJECT_A));
    assert_int_equal(mc_tags_dup(&test_alloc, (SPropTagArray *)&tags, &dup), S_OK);
    assert_true(test_is_root(dup));
    assert_int_equal(dup->cValues, 3);
    assert_int_equal(dup->aulPropTag[2], PR_NULL);
    test_FreeBuffer(dup);
}

static void test_strings(void **state)
{
    WCHAR *w, *wm;
    char *a, *am, *root;

    w = mc_a2w("Caf\xe9");
    assert_true(lstrcmpW(w, L"Caf\u00e9") == 0);
    a = mc_w2a(w);
    assert_string_equal(a, "Caf\xe9");
    assert_null(mc_a2w(NULL));
    assert_null(mc_w2a(NULL));
    mc_free(a);

    assert_int_equal(test_AllocateBuffer(4, (void **)&root), S_OK);
    assert_int_equal(mc_a2w_more(&test_alloc, root, "xyz", &wm), S_OK);
    assert_true(lstrcmpW(wm, L"xyz") == 0);
    assert_int_equal(mc_w2a_more(&test_alloc, root, w, &am), S_OK);
    assert_string_equal(am, "Caf\xe9");
    assert_int_equal(test_live_blocks, 3);
    test_FreeBuffer(root);
    mc_free(w);

    w = mc_wcsdup(L"dup");
    a = mc_strdup("dup");
    assert_true(lstrcmpW(w, L"dup") == 0);
    assert_string_equal(a, "dup");
    mc_free(w);
    mc_free(a);
    assert_null(mc_calloc((SIZE_T)-1 / 2, 4));     /* overflow */
    mc_free(NULL);
}

static void test_mapierror(void **state)
{
    MAPIERROR *err = NULL;
    mc_last_error le;

    assert_int_equal(mc_make_mapierror(&test_alloc, MAPI_UNICODE, L"comp", L"text", 77, &err), S_OK);
    assert_true(test_is_root(err));
    assert_int_equal(err->ulVersion, MAPI_ERROR_VERSION);
    assert_true(lstrcmpW((WCHAR *)err->lpszError, L"text") == 0);
    assert_true(lstrcmpW((WCHAR *)err->lpszComponent, L"comp") == 0);
    assert_int_equal(err->ulLowLevelError, 77);
    assert_int_equal(err->ulContext, 0);
    test_FreeBuffer(err);

    assert_int_equal(mc_make_mapierror(&test_alloc, 0, L"comp", L"t\u00e9xt", 0, &err), S_OK);
    assert_string_equal((char *)err->lpszError, "t\xe9xt");
    assert_string_equal((char *)err->lpszComponent, "comp");
    test_FreeBuffer(err);

    mc_last_error_init(&le);
    assert_int_equal(mc_last_error_set(&le, MAPI_E_NOT_FOUND, L"no %ls number %d", L"row", 5),
                     MAPI_E_NOT_FOUND);
    assert_int_equal(mc_last_error_get(&le, &test_alloc, L"tbl", MAPI_E_NOT_FOUND, MAPI_UNICODE, &err), S_OK);
    assert_true(lstrcmpW((WCHAR *)err->lpszError, L"no row number 5") == 0);
    test_FreeBuffer(err);
    /* Another code: a generic text naming the code, never NULL. */
    assert_int_equal(mc_last_error_get(&le, &test_alloc, L"tbl", MAPI_E_NO_ACCESS, 0, &err), S_OK);
    assert_non_null(err->lpszError);
    assert_non_null(strstr((char *)err->lpszError, "MAPI_E_NO_ACCESS"));
    test_FreeBuffer(err);
    assert_int_equal(mc_last_error_get(&le, &test_alloc, L"tbl", 0x80041234, 0, &err), S_OK);
    assert_non_null(strstr((char *)err->lpszError, "80041234"));
    test_FreeBuffer(err);
    assert_int_equal(mc_last_error_get(&le, &test_alloc, L"tbl", S_OK, 0, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_last_error_get(&le, &test_alloc, L"tbl", S_OK, 0x10, &err), MAPI_E_UNKNOWN_FLAGS);
    mc_last_error_destroy(&le);

    assert_true(lstrcmpW(mc_hresult_name(MAPI_E_NOT_FOUND), L"MAPI_E_NOT_FOUND") == 0);
    assert_true(lstrcmpW(mc_hresult_name(MAPI_W_ERRORS_RETURNED), L"MAPI_W_ERRORS_RETURNED") == 0);
    assert_true(lstrcmpW(mc_hresult_name(0x12345678), L"") == 0);
}

static void test_propbag_basics(void **state)
{
    mc_propbag *b = mc_propbag_new(), *c = mc_propbag_new();
    SPropValue v;
    WCHAR *s;

    assert_int_equal(mc_propbag_count(b), 0);
    v.ulPropTag = PR_SUBJECT_A; v.Value.lpszA = "first";
    assert_int_equal(mc_propbag_set(b, &v), S_OK);
    v.ulPropTag = PR_MESSAGE_FLAGS; v.Value.l = 9;
    assert_int_equal(mc_propbag_set(b, &v), S_OK);
    v.ulPropTag = PR_ENTRYID; v.Value.bin.cb = 3; v.Value.bin.lpb = bin_a;
    assert_int_equal(mc_propbag_set(b, &v), S_OK);
    assert_int_equal(mc_propbag_count(b), 3);
    assert_int_equal(mc_propbag_at(b, 1)->ulPropTag, PR_MESSAGE_FLAGS);
    assert_null(mc_propbag_at(b, 3));

    /* Replacing by ID, in another width, keeps one value and its position. */
    v.ulPropTag = PR_SUBJECT_W; v.Value.lpszW = L"second";
    assert_int_equal(mc_propbag_set(b, &v), S_OK);
    assert_int_equal(mc_propbag_count(b), 3);
    assert_int_equal(mc_propbag_at(b, 0)->ulPropTag, PR_SUBJECT_W);
    assert_non_null(mc_propbag_get(b, PR_SUBJECT_A));
    assert_non_null(mc_propbag_get(b, CHANGE_PROP_TYPE(PR_SUBJECT_A, PT_UNSPECIFIED)));
    assert_null(mc_propbag_get(b, CHANGE_PROP_TYPE(PR_SUBJECT_A, PT_LONG)));

    s = mc_propbag_get_wstr(b, PROP_ID(PR_SUBJECT_W));
    assert_true(lstrcmpW(s, L"second") == 0);
    mc_free(s);
    assert_null(mc_propbag_get_wstr(b, PROP_ID(PR_BODY_W)));
    assert_int_equal(mc_propbag_get_long(b, PR_MESSAGE_FLAGS, -1), 9);
    assert_int_equal(mc_propbag_get_long(b, PR_IMPORTANCE, -1), -1);
    assert_int_equal(mc_propbag_get_bin(b, PR_ENTRYID)->cb, 3);
    assert_null(mc_propbag_get_bin(b, PR_RECORD_KEY));

    assert_int_equal(mc_propbag_copy(c, b), S_OK);
    assert_true(mc_propbag_delete(b, PR_MESSAGE_FLAGS));
    assert_false(mc_propbag_delete(b, PR_MESSAGE_FLAGS));
    assert_int_equal(mc_propbag_count(b), 2);
    assert_int_equal(mc_propbag_at(b, 1)->ulPropTag, PR_ENTRYID);   /* order kept */
    assert_int_equal(mc_propbag_count(c), 3);                        /* the copy is separate */
    mc_propbag_clear(c);
    assert_int_equal(mc_propbag_count(c), 0);
    mc_propbag_free(b);
    mc_propbag_free(c);
}

/* A bag with a subject (Unicode), flags, an entry ID and a secret. */
static mc_propbag *sample_bag(void)
{
    mc_propbag *b = mc_propbag_new();
    SPropValue v[4];

    v[0].ulPropTag = PR_SUBJECT_W; v[0].Value.lpszW = L"Subj\u00e9ct";
    v[1].ulPropTag = PR_MESSAGE_FLAGS; v[1].Value.l = 5;
    v[2].ulPropTag = PR_ENTRYID; v[2].Value.bin.cb = 3; v[2].Value.bin.lpb = bin_a;
    v[3].ulPropTag = TAG(PT_STRING8, 0x6700); v[3].Value.lpszA = "secret";
    assert_int_equal(mc_setprops(NULL, b, 4, v, NULL, NULL, NULL), S_OK);
    return b;
}

static BOOL hide_6700(ULONG tag)
{
    return PROP_ID(tag) == 0x6700;
}

static void test_getprops_requested(void **state)
{
    mc_propbag *b = sample_bag();
    SizedSPropTagArray(6, tags) = { 6, { PR_SUBJECT_A, CHANGE_PROP_TYPE(PR_MESSAGE_FLAGS, PT_UNSPECIFIED),
        PR_BODY_W, CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_UNSPECIFIED), CHANGE_PROP_TYPE(PR_ENTRYID, PT_LONG),
        TAG(PT_STRING8, 0x6700) } };
    SPropValue *v = NULL;
    ULONG n = 0;

    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, (SPropTagArray *)&tags, 0, hide_6700, &n, &v),
                     MAPI_W_ERRORS_RETURNED);
    assert_int_equal(n, 6);
    assert_true(test_is_root(v));
    /* converted to the width asked for */
    assert_int_equal(v[0].ulPropTag, PR_SUBJECT_A);
    assert_string_equal(v[0].Value.lpszA, "Subj\xe9" "ct");
    /* PT_UNSPECIFIED gets the real type */
    assert_int_equal(v[1].ulPropTag, PR_MESSAGE_FLAGS);
    assert_int_equal(v[1].Value.l, 5);
    /* missing: PT_ERROR, the ID kept, MAPI_E_NOT_FOUND */
    assert_int_equal(v[2].ulPropTag, CHANGE_PROP_TYPE(PR_BODY_W, PT_ERROR));
    assert_int_equal(v[2].Value.err, MAPI_E_NOT_FOUND);
    /* PT_UNSPECIFIED string without MAPI_UNICODE: PT_STRING8 */
    assert_int_equal(v[3].ulPropTag, PR_SUBJECT_A);
    /* wrong type: not found */
    assert_int_equal(v[4].ulPropTag, CHANGE_PROP_TYPE(PR_ENTRYID, PT_ERROR));
    /* hidden properties are hidden only from a NULL-tags request */
    assert_string_equal(v[5].Value.lpszA, "secret");
    test_FreeBuffer(v);

    /* MAPI_UNICODE: PT_UNSPECIFIED strings come back as PT_UNICODE */
    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, (SPropTagArray *)&tags, MAPI_UNICODE, NULL, &n, &v),
                     MAPI_W_ERRORS_RETURNED);
    assert_int_equal(v[3].ulPropTag, PR_SUBJECT_W);
    assert_true(lstrcmpW(v[3].Value.lpszW, L"Subj\u00e9ct") == 0);
    assert_int_equal(v[0].ulPropTag, PR_SUBJECT_A);      /* explicit type wins over the flag */
    test_FreeBuffer(v);

    /* Everything found: S_OK. */
    tags.cValues = 2;
    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, (SPropTagArray *)&tags, 0, NULL, &n, &v), S_OK);
    assert_int_equal(n, 2);
    test_FreeBuffer(v);

    /* Invalid: cValues 0, unknown flags, NULL out. */
    tags.cValues = 0;
    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, (SPropTagArray *)&tags, 0, NULL, &n, &v),
                     MAPI_E_INVALID_PARAMETER);
    tags.cValues = 1;
    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, (SPropTagArray *)&tags, 0x4, NULL, &n, &v),
                     MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, (SPropTagArray *)&tags, 0, NULL, &n, NULL),
                     MAPI_E_INVALID_PARAMETER);
    mc_propbag_free(b);
}

static void test_getprops_all(void **state)
{
    mc_propbag *b = sample_bag(), *empty = mc_propbag_new();
    SPropValue computed[3], *v = NULL;
    ULONG n = 0, i;

    computed[0].ulPropTag = PR_MESSAGE_FLAGS; computed[0].Value.l = 77;      /* overrides */
    computed[1].ulPropTag = PR_ACCESS_LEVEL; computed[1].Value.l = 1;
    computed[2].ulPropTag = TAG(PT_MV_LONG, 0x6800);                       /* no values */
    computed[2].Value.MVl.cValues = 0; computed[2].Value.MVl.lpl = NULL;

    assert_int_equal(mc_getprops(&test_alloc, b, computed, 3, NULL, MAPI_UNICODE, hide_6700, &n, &v), S_OK);
    assert_int_equal(n, 4);     /* flags(computed), access level, subject, entry ID */
    assert_int_equal(v[0].ulPropTag, PR_MESSAGE_FLAGS);
    assert_int_equal(v[0].Value.l, 77);
    assert_int_equal(v[1].ulPropTag, PR_ACCESS_LEVEL);
    assert_int_equal(v[2].ulPropTag, PR_SUBJECT_W);
    assert_int_equal(v[3].ulPropTag, PR_ENTRYID);
    for (i = 0; i < n; i++)
        assert_int_not_equal(PROP_ID(v[i].ulPropTag), 0x6800);
    test_FreeBuffer(v);

    /* ANSI caller: strings as PT_STRING8; the hidden one appears without a filter. */
    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, NULL, 0, NULL, &n, &v), S_OK);
    assert_int_equal(n, 4);
    assert_int_equal(v[0].ulPropTag, PR_SUBJECT_A);
    assert_int_equal(v[3].ulPropTag, TAG(PT_STRING8, 0x6700));
    test_FreeBuffer(v);

    /* Asking for a computed MV without values: an error, never an empty MV. */
    {
        SizedSPropTagArray(1, t) = { 1, { TAG(PT_MV_LONG, 0x6800) } };
        assert_int_equal(mc_getprops(&test_alloc, b, computed, 3, (SPropTagArray *)&t, 0, NULL, &n, &v),
                         MAPI_W_ERRORS_RETURNED);
        assert_int_equal(v[0].ulPropTag, TAG(PT_ERROR, 0x6800));
        test_FreeBuffer(v);
    }

    /* No properties at all: S_OK, 0, NULL. */
    v = (SPropValue *)1;
    assert_int_equal(mc_getprops(&test_alloc, empty, NULL, 0, NULL, 0, NULL, &n, &v), S_OK);
    assert_int_equal(n, 0);
    assert_null(v);

    /* Out of memory: an error, nothing leaked. */
    test_fail_after = 0;
    assert_int_equal(mc_getprops(&test_alloc, b, NULL, 0, NULL, 0, NULL, &n, &v), MAPI_E_NOT_ENOUGH_MEMORY);
    test_fail_after = ~0u;
    assert_null(v);
    mc_propbag_free(b);
    mc_propbag_free(empty);
}

static void test_getproplist(void **state)
{
    mc_propbag *b = sample_bag();
    SPropValue computed[1];
    SizedSPropTagArray(2, extra) = { 2, { PR_MESSAGE_ATTACHMENTS, PR_MESSAGE_FLAGS } };
    SPropTagArray *t = NULL;

    computed[0].ulPropTag = PR_ACCESS; computed[0].Value.l = 3;
    assert_int_equal(mc_getproplist(&test_alloc, b, computed, 1, (SPropTagArray *)&extra, MAPI_UNICODE,
                                    hide_6700, &t), S_OK);
    assert_true(test_is_root(t));
    assert_int_equal(t->cValues, 5);    /* access, subject, flags, entry ID, attachments */
    assert_int_equal(t->aulPropTag[0], PR_ACCESS);
    assert_int_equal(t->aulPropTag[1], PR_SUBJECT_W);
    assert_int_equal(t->aulPropTag[2], PR_MESSAGE_FLAGS);
    assert_int_equal(t->aulPropTag[3], PR_ENTRYID);
    assert_int_equal(t->aulPropTag[4], PR_MESSAGE_ATTACHMENTS);
    test_FreeBuffer(t);

    assert_int_equal(mc_getproplist(&test_alloc, b, NULL, 0, NULL, 0, NULL, &t), S_OK);
    assert_int_equal(t->cValues, 4);
    assert_int_equal(t->aulPropTag[0], PR_SUBJECT_A);
    test_FreeBuffer(t);
    assert_int_equal(mc_getproplist(&test_alloc, b, NULL, 0, NULL, 0, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    mc_propbag_free(b);
}

static SCODE readonly_flags(ULONG tag, void *ctx)
{
    (*(int *)ctx)++;
    return PROP_ID(tag) == PROP_ID(PR_MESSAGE_FLAGS) ? MAPI_E_COMPUTED : S_OK;
}

static void test_setprops(void **state)
{
    mc_propbag *b = mc_propbag_new();
    SPropProblemArray *problems = (SPropProblemArray *)1;
    SPropValue v[6];
    LONG mv[1] = { 1 };
    int calls = 0;

    v[0].ulPropTag = PR_SUBJECT_A; v[0].Value.lpszA = "s";
    v[1].ulPropTag = PR_NULL;
    v[2].ulPropTag = CHANGE_PROP_TYPE(PR_BODY_A, PT_ERROR); v[2].Value.err = MAPI_E_NOT_FOUND;
    v[3].ulPropTag = PR_MESSAGE_FLAGS; v[3].Value.l = 1;
    v[4].ulPropTag = TAG(0x0FFF, 0x6001); v[4].Value.l = 1;         /* not a type */
    v[5].ulPropTag = TAG(PT_MV_LONG, 0x6002); v[5].Value.MVl.cValues = 1; v[5].Value.MVl.lpl = mv;

    assert_int_equal(mc_setprops(&test_alloc, b, 6, v, readonly_flags, &calls, &problems), S_OK);
    assert_int_equal(calls, 3);         /* PR_NULL, PT_ERROR and the bad type never reach check */
    assert_true(test_is_root(problems));
    assert_int_equal(problems->cProblem, 2);
    assert_int_equal(problems->aProblem[0].ulIndex, 3);
    assert_int_equal(problems->aProblem[0].ulPropTag, PR_MESSAGE_FLAGS);
    assert_int_equal(problems->aProblem[0].scode, MAPI_E_COMPUTED);
    assert_int_equal(problems->aProblem[1].ulIndex, 4);
    assert_int_equal(problems->aProblem[1].scode, MAPI_E_INVALID_TYPE);
    test_FreeBuffer(problems);
    assert_int_equal(mc_propbag_count(b), 2);       /* subject and the MV */
    assert_null(mc_propbag_get(b, PR_MESSAGE_FLAGS));
    assert_null(mc_propbag_get(b, CHANGE_PROP_TYPE(PR_BODY_A, PT_UNSPECIFIED)));

    /* No problems: *problems NULL; and problems may be NULL. */
    problems = (SPropProblemArray *)1;
    assert_int_equal(mc_setprops(&test_alloc, b, 1, v, NULL, NULL, &problems), S_OK);
    assert_null(problems);
    assert_int_equal(mc_setprops(&test_alloc, b, 1, v, NULL, NULL, NULL), S_OK);

    /* PT_OBJECT or an MV without values fail the call and change nothing. */
    v[0].ulPropTag = PR_SUBJECT_A; v[0].Value.lpszA = "changed";
    v[1].ulPropTag = PR_MESSAGE_ATTACHMENTS; v[1].Value.x = 0;
    assert_int_equal(mc_setprops(&test_alloc, b, 2, v, NULL, NULL, &problems), MAPI_E_INVALID_PARAMETER);
    assert_string_equal(mc_propbag_get(b, PR_SUBJECT_A)->Value.lpszA, "s");
    v[1].ulPropTag = TAG(PT_MV_UNICODE, 0x6003); v[1].Value.MVszW.cValues = 0; v[1].Value.MVszW.lppszW = NULL;
    assert_int_equal(mc_setprops(&test_alloc, b, 2, v, NULL, NULL, &problems), MAPI_E_INVALID_PARAMETER);
    assert_string_equal(mc_propbag_get(b, PR_SUBJECT_A)->Value.lpszA, "s");
    /* A NULL string pointer is a bad argument. */
    v[1].ulPropTag = PR_BODY_W; v[1].Value.lpszW = NULL;
    assert_int_equal(mc_setprops(&test_alloc, b, 2, v, NULL, NULL, &problems), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_setprops(&test_alloc, b, 1, NULL, NULL, NULL, &problems), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_setprops(&test_alloc, NULL, 1, v, NULL, NULL, &problems), MAPI_E_INVALID_PARAMETER);
    mc_propbag_free(b);
}

static void test_deleteprops(void **state)
{
    mc_propbag *b = sample_bag();
    SizedSPropTagArray(3, tags) = { 3, { PR_SUBJECT_A, PR_BODY_W, PR_MESSAGE_FLAGS } };
    SPropProblemArray *problems = NULL;
    int calls = 0;

    assert_int_equal(mc_deleteprops(&test_alloc, b, (SPropTagArray *)&tags, readonly_flags, &calls, &problems), S_OK);
    assert_int_equal(calls, 3);
    assert_non_null(problems);
    assert_int_equal(problems->cProblem, 1);     /* absent PR_BODY is no problem */
    assert_int_equal(problems->aProblem[0].ulIndex, 2);
    assert_int_equal(problems->aProblem[0].scode, MAPI_E_COMPUTED);
    test_FreeBuffer(problems);
    assert_null(mc_propbag_get(b, PR_SUBJECT_W));     /* deleted by ID, any width */
    assert_non_null(mc_propbag_get(b, PR_MESSAGE_FLAGS));

    assert_int_equal(mc_deleteprops(&test_alloc, b, (SPropTagArray *)&tags, NULL, NULL, &problems), S_OK);
    assert_null(problems);
    assert_null(mc_propbag_get(b, PR_MESSAGE_FLAGS));
    assert_int_equal(mc_deleteprops(&test_alloc, b, NULL, NULL, NULL, &problems), MAPI_E_INVALID_PARAMETER);
    mc_propbag_free(b);
}

static void test_free_rows(void **state)
{
    SRowSet *rows;
    SPropValue v = { PR_SUBJECT_A, 0, { .lpszA = "x" } };

    assert_int_equal(test_AllocateBuffer(CbNewSRowSet(2), (void **)&rows), S_OK);
    rows->cRows = 2;
    assert_int_equal(mc_props_dup(&test_alloc, 1, &v, &rows->aRow[0].lpProps), S_OK);
    assert_int_equal(mc_props_dup(&test_alloc, 1, &v, &rows->aRow[1].lpProps), S_OK);
    assert_int_equal(test_live_blocks, 5);
    mc_free_rows(&test_alloc, rows);
    assert_int_equal(test_live_blocks, 0);
    mc_free_rows(&test_alloc, NULL);
}

static void test_alloc_more(void **state)
{
    void *root = NULL, *child = NULL;

    assert_int_equal(mc_alloc_more(&test_alloc, NULL, 16, &root), S_OK);
    assert_true(test_is_root(root));
    assert_int_equal(mc_alloc_more(&test_alloc, root, 16, &child), S_OK);
    assert_false(test_is_root(child));
    assert_int_equal(test_live_blocks, 2);
    test_FreeBuffer(root);
    test_fail_after = 0;
    assert_int_equal(mc_alloc_more(&test_alloc, NULL, 16, &root), MAPI_E_NOT_ENOUGH_MEMORY);
    assert_null(root);
    assert_int_equal(mc_alloc_more(NULL, NULL, 16, &root), MAPI_E_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_trace_channels),
        T(test_type_valid),
        T(test_payload_size),
        T(test_copy_every_type),
        T(test_copy_out_of_memory),
        T(test_convert),
        T(test_compare_scalars),
        T(test_compare_strings),
        T(test_compare_mv),
        T(test_props_find_and_tags),
        T(test_strings),
        T(test_mapierror),
        T(test_propbag_basics),
        T(test_getprops_requested),
        T(test_getprops_all),
        T(test_getproplist),
        T(test_setprops),
        T(test_deleteprops),
        T(test_free_rows),
        T(test_alloc_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
