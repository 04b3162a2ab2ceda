/*
 * test_mapicore_restrict.c - mapicore's restriction validation and evaluation against one row
 * (srestriction.md and the S*Restriction pages, imapitable-restrict.md).
 */
#include "test_mapicore_alloc.h"

#define TAG(type, id) PROP_TAG(type, id)

static LONG mv_longs[] = { 3, 17, 40 };
static WCHAR *mv_words[] = { L"Red", L"Gr\u00fcn" };
static BYTE bin_key[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
static SBinary mv_bins[] = { { 2, (BYTE *)"\x01\x02" }, { 3, (BYTE *)"\xaa\xbb\xcc" } };

/* One sample row. */
static ULONG sample_row(SPropValue *v)
{
    ULONG n = 0;
    memset(v, 0, 12 * sizeof(*v));
    v[n].ulPropTag = PR_SUBJECT_W;      v[n++].Value.lpszW = L"Quarterly R\u00e9sum\u00e9 Report";
    v[n].ulPropTag = PR_SENDER_NAME_A;  v[n++].Value.lpszA = "Alice Smith";
    v[n].ulPropTag = PR_MESSAGE_FLAGS;  v[n++].Value.l = MSGFLAG_READ | MSGFLAG_UNSENT;
    v[n].ulPropTag = PR_IMPORTANCE;     v[n++].Value.l = 2;
    v[n].ulPropTag = PR_PRIORITY;       v[n++].Value.l = 2;
    v[n].ulPropTag = PR_ENTRYID;        v[n].Value.bin.cb = sizeof(bin_key); v[n++].Value.bin.lpb = bin_key;
    v[n].ulPropTag = TAG(PT_MV_LONG, 0x6000); v[n].Value.MVl.cValues = 3; v[n++].Value.MVl.lpl = mv_longs;
    v[n].ulPropTag = TAG(PT_MV_UNICODE, 0x6001); v[n].Value.MVszW.cValues = 2; v[n++].Value.MVszW.lppszW = mv_words;
    v[n].ulPropTag = TAG(PT_MV_BINARY, 0x6002); v[n].Value.MVbin.cValues = 2; v[n++].Value.MVbin.lpbin = mv_bins;
    v[n].ulPropTag = PR_HASATTACH;      v[n++].Value.b = TRUE;
    v[n].ulPropTag = CHANGE_PROP_TYPE(PR_BODY_W, PT_ERROR); v[n++].Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
    return n;
}

static SPropValue row[12];
static ULONG n_row;

static int setup(void **state)
{
    n_row = sample_row(row);
    return test_setup_alloc(state);
}

#define TR(fn) cmocka_unit_test_setup_teardown(fn, setup, test_teardown_alloc)

static BOOL content(ULONG level, ULONG tag, const SPropValue *p)
{
    SRestriction r;
    r.rt = RES_CONTENT;
    r.res.resContent.ulFuzzyLevel = level;
    r.res.resContent.ulPropTag = tag;
    r.res.resContent.lpProp = (SPropValue *)p;
    assert_int_equal(mc_restriction_validate(&r), S_OK);
    return mc_restriction_match(&r, n_row, row);
}

static void test_content_strings(void **state)
{
    SPropValue w = { PR_SUBJECT_W }, a = { PR_SUBJECT_A };

    w.Value.lpszW = L"Quarterly R\u00e9sum\u00e9 Report";
    assert_true(content(FL_FULLSTRING, PR_SUBJECT_W, &w));
    w.Value.lpszW = L"quarterly r\u00e9sum\u00e9 report";
    assert_false(content(FL_FULLSTRING, PR_SUBJECT_W, &w));
    assert_true(content(FL_FULLSTRING | FL_IGNORECASE, PR_SUBJECT_W, &w));
    w.Value.lpszW = L"Quarterly";
    assert_true(content(FL_PREFIX, PR_SUBJECT_W, &w));
    assert_false(content(FL_FULLSTRING, PR_SUBJECT_W, &w));
    w.Value.lpszW = L"Report";
    assert_false(content(FL_PREFIX, PR_SUBJECT_W, &w));
    assert_true(content(FL_SUBSTRING, PR_SUBJECT_W, &w));
    w.Value.lpszW = L"REPORT";
    assert_false(content(FL_SUBSTRING, PR_SUBJECT_W, &w));
    assert_true(content(FL_SUBSTRING | FL_IGNORECASE, PR_SUBJECT_W, &w));
    /* nonspacing marks */
    w.Value.lpszW = L"Resume";
    assert_false(content(FL_SUBSTRING, PR_SUBJECT_W, &w));
    assert_true(content(FL_SUBSTRING | FL_IGNORENONSPACE, PR_SUBJECT_W, &w));
    w.Value.lpszW = L"RESUME";
    assert_false(content(FL_SUBSTRING | FL_IGNORENONSPACE, PR_SUBJECT_W, &w));
    assert_true(content(FL_SUBSTRING | FL_LOOSE, PR_SUBJECT_W, &w));
    /* An 8-bit pattern against a Unicode column and the other way round. */
    a.Value.lpszA = "Quarterly R\xe9sum\xe9";
    assert_true(content(FL_PREFIX, PR_SUBJECT_A, &a));
    a.ulPropTag = PR_SENDER_NAME_A; a.Value.lpszA = "smith";
    assert_true(content(FL_SUBSTRING | FL_IGNORECASE, PR_SENDER_NAME_W, &a));
    w.ulPropTag = PR_SENDER_NAME_W; w.Value.lpszW = L"Alice";
    assert_true(content(FL_PREFIX, PR_SENDER_NAME_A, &w));
    /* Missing property: no match. */
    w.ulPropTag = PR_DISPLAY_TO_W; w.Value.lpszW = L"";
    assert_false(content(FL_SUBSTRING, PR_DISPLAY_TO_W, &w));
    /* A PT_ERROR column is no value. */
    w.ulPropTag = PR_BODY_W; w.Value.lpszW = L"";
    assert_false(content(FL_SUBSTRING, PR_BODY_W, &w));
}

static void test_content_binary_and_mv(void **state)
{
    SPropValue b = { PR_ENTRYID }, w = { TAG(PT_UNICODE, 0x6001) };

    b.Value.bin.cb = 5; b.Value.bin.lpb = bin_key;
    assert_true(content(FL_FULLSTRING, PR_ENTRYID, &b));
    b.Value.bin.cb = 2;
    assert_false(content(FL_FULLSTRING, PR_ENTRYID, &b));
    assert_true(content(FL_PREFIX, PR_ENTRYID, &b));
    b.Value.bin.cb = 2; b.Value.bin.lpb = bin_key + 2;
    assert_false(content(FL_PREFIX, PR_ENTRYID, &b));
    assert_true(content(FL_SUBSTRING, PR_ENTRYID, &b));
    b.Value.bin.lpb = (BYTE *)"\xef\xde";
    assert_false(content(FL_SUBSTRING, PR_ENTRYID, &b));

    /* MV: any value matching is a match. */
    w.Value.lpszW = L"gr\u00fcn";
    assert_true(content(FL_FULLSTRING | FL_IGNORECASE, TAG(PT_MV_UNICODE, 0x6001), &w));
    w.Value.lpszW = L"Blue";
    assert_false(content(FL_FULLSTRING | FL_IGNORECASE, TAG(PT_MV_UNICODE, 0x6001), &w));
    w.Value.lpszW = L"e";
    assert_true(content(FL_SUBSTRING, TAG(PT_MV_UNICODE | MV_INSTANCE, 0x6001), &w));
    b.ulPropTag = TAG(PT_BINARY, 0x6002); b.Value.bin.cb = 1; b.Value.bin.lpb = (BYTE *)"\xbb";
    assert_true(content(FL_SUBSTRING, TAG(PT_MV_BINARY, 0x6002), &b));
    b.Value.bin.lpb = (BYTE *)"\x03";
    assert_false(content(FL_SUBSTRING, TAG(PT_MV_BINARY, 0x6002), &b));
}

static BOOL prop(ULONG relop, ULONG tag, const SPropValue *p)
{
    SRestriction r;
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = relop;
    r.res.resProperty.ulPropTag = tag;
    r.res.resProperty.lpProp = (SPropValue *)p;
    assert_int_equal(mc_restriction_validate(&r), S_OK);
    return mc_restriction_match(&r, n_row, row);
}

static void test_property(void **state)
{
    SPropValue l = { PR_IMPORTANCE }, s = { PR_SENDER_NAME_W }, mv = { TAG(PT_MV_LONG, 0x6000) };
    LONG same[] = { 3, 17, 40 }, other[] = { 3, 18 };

    l.Value.l = 2;
    assert_true(prop(RELOP_EQ, PR_IMPORTANCE, &l));
    assert_false(prop(RELOP_NE, PR_IMPORTANCE, &l));
    assert_true(prop(RELOP_LE, PR_IMPORTANCE, &l));
    assert_true(prop(RELOP_GE, PR_IMPORTANCE, &l));
    assert_false(prop(RELOP_LT, PR_IMPORTANCE, &l));
    assert_false(prop(RELOP_GT, PR_IMPORTANCE, &l));
    l.Value.l = 3;
    assert_true(prop(RELOP_LT, PR_IMPORTANCE, &l));
    assert_true(prop(RELOP_NE, PR_IMPORTANCE, &l));
    l.Value.l = 1;
    assert_true(prop(RELOP_GT, PR_IMPORTANCE, &l));
    /* Absent property: false for every relation. */
    l.ulPropTag = PR_SENSITIVITY;
    assert_false(prop(RELOP_NE, PR_SENSITIVITY, &l));
    /* Strings: case-insensitive, either width. */
    s.Value.lpszW = L"ALICE SMITH";
    assert_true(prop(RELOP_EQ, PR_SENDER_NAME_W, &s));
    s.Value.lpszW = L"Bob";
    assert_true(prop(RELOP_LT, PR_SENDER_NAME_A, &s));
    /* A prefix search as FindRow does it: tag GE prefix. */
    s.Value.lpszW = L"Al";
    assert_true(prop(RELOP_GE, PR_SENDER_NAME_W, &s));
    /* MV column, single value: any element. */
    l.ulPropTag = TAG(PT_LONG, 0x6000); l.Value.l = 17;
    assert_true(prop(RELOP_EQ, TAG(PT_MV_LONG | MV_INSTANCE, 0x6000), &l));
    l.Value.l = 41;
    assert_false(prop(RELOP_GE, TAG(PT_MV_LONG | MV_INSTANCE, 0x6000), &l));
    assert_true(prop(RELOP_LT, TAG(PT_MV_LONG, 0x6000), &l));
    /* MV column, MV value: ordered tuples. */
    mv.Value.MVl.cValues = 3; mv.Value.MVl.lpl = same;
    assert_true(prop(RELOP_EQ, TAG(PT_MV_LONG, 0x6000), &mv));
    mv.Value.MVl.cValues = 2; mv.Value.MVl.lpl = other;
    assert_false(prop(RELOP_EQ, TAG(PT_MV_LONG, 0x6000), &mv));
    assert_true(prop(RELOP_LT, TAG(PT_MV_LONG, 0x6000), &mv));      /* 17 < 18 */
    /* Booleans and binaries. */
    l.ulPropTag = PR_HASATTACH; l.Value.b = 1;
    assert_true(prop(RELOP_EQ, PR_HASATTACH, &l));
    l.ulPropTag = PR_ENTRYID; l.Value.bin.cb = 5; l.Value.bin.lpb = bin_key;
    assert_true(prop(RELOP_EQ, PR_ENTRYID, &l));
    l.Value.bin.cb = 4;
    assert_true(prop(RELOP_GT, PR_ENTRYID, &l));                    /* longer is greater */
    /* Type mismatch: never a match. */
    l.ulPropTag = CHANGE_PROP_TYPE(PR_IMPORTANCE, PT_I8); l.Value.li.QuadPart = 2;
    assert_false(prop(RELOP_EQ, PR_IMPORTANCE, &l));
}

static BOOL eval(const SRestriction *r)
{
    assert_int_equal(mc_restriction_validate(r), S_OK);
    return mc_restriction_match(r, n_row, row);
}

static void test_other_kinds(void **state)
{
    SRestriction r, sub[3];
    SPropValue l = { PR_IMPORTANCE, 0, { .l = 2 } };

    r.rt = RES_COMPAREPROPS;
    r.res.resCompareProps.relop = RELOP_EQ;
    r.res.resCompareProps.ulPropTag1 = PR_IMPORTANCE;
    r.res.resCompareProps.ulPropTag2 = PR_PRIORITY;
    assert_true(eval(&r));
    r.res.resCompareProps.relop = RELOP_NE;
    assert_false(eval(&r));
    r.res.resCompareProps.relop = RELOP_EQ;
    r.res.resCompareProps.ulPropTag2 = PR_SENSITIVITY;           /* absent */
    assert_false(eval(&r));

    r.rt = RES_BITMASK;
    r.res.resBitMask.relBMR = BMR_NEZ;
    r.res.resBitMask.ulPropTag = PR_MESSAGE_FLAGS;
    r.res.resBitMask.ulMask = MSGFLAG_READ;
    assert_true(eval(&r));
    r.res.resBitMask.relBMR = BMR_EQZ;
    assert_false(eval(&r));
    r.res.resBitMask.ulMask = MSGFLAG_SUBMIT;
    assert_true(eval(&r));
    r.res.resBitMask.ulPropTag = PR_MESSAGE_SIZE;                /* absent */
    assert_false(eval(&r));

    r.rt = RES_SIZE;
    r.res.resSize.relop = RELOP_EQ;
    r.res.resSize.ulPropTag = PR_SENDER_NAME_A;
    r.res.resSize.cb = 12;                                       /* "Alice Smith" + NUL */
    assert_true(eval(&r));
    r.res.resSize.relop = RELOP_LT;
    assert_false(eval(&r));
    r.res.resSize.ulPropTag = PR_ENTRYID;                        /* 5 < 12 */
    assert_true(eval(&r));
    r.res.resSize.relop = RELOP_GT;
    r.res.resSize.ulPropTag = PR_IMPORTANCE;
    r.res.resSize.cb = 3;                                        /* 4 > 3 */
    assert_true(eval(&r));

    r.rt = RES_EXIST;
    r.res.resExist.ulPropTag = PR_ENTRYID;
    assert_true(eval(&r));
    r.res.resExist.ulPropTag = PR_BODY_W;                        /* PT_ERROR in the row */
    assert_false(eval(&r));
    r.res.resExist.ulPropTag = CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_STRING8);
    assert_true(eval(&r));

    /* AND / OR / NOT */
    sub[0].rt = RES_EXIST; sub[0].res.resExist.ulPropTag = PR_ENTRYID;
    sub[1].rt = RES_EXIST; sub[1].res.resExist.ulPropTag = PR_SENSITIVITY;
    sub[2].rt = RES_PROPERTY; sub[2].res.resProperty.relop = RELOP_EQ;
    sub[2].res.resProperty.ulPropTag = PR_IMPORTANCE; sub[2].res.resProperty.lpProp = &l;
    r.rt = RES_AND; r.res.resAnd.cRes = 3; r.res.resAnd.lpRes = sub;
    assert_false(eval(&r));
    r.rt = RES_OR;
    assert_true(eval(&r));
    r.res.resOr.cRes = 0;
    assert_false(eval(&r));                                      /* empty OR */
    r.rt = RES_AND;
    assert_true(eval(&r));                                       /* empty AND */
    r.rt = RES_NOT; r.res.resNot.lpRes = &sub[1];
    assert_true(eval(&r));
    r.res.resNot.lpRes = &sub[0];
    assert_false(eval(&r));

    /* Sub-restrictions are false here; comments evaluate what they wrap. */
    r.rt = RES_SUBRESTRICTION; r.res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS; r.res.resSub.lpRes = &sub[0];
    assert_false(eval(&r));
    r.rt = RES_COMMENT; r.res.resComment.cValues = 1; r.res.resComment.lpProp = &l; r.res.resComment.lpRes = &sub[1];
    assert_false(eval(&r));
    r.res.resComment.lpRes = &sub[0];
    assert_true(eval(&r));
    r.res.resComment.lpRes = NULL;
    assert_true(eval(&r));
    r.rt = RES_ANNOTATION; r.res.resComment.lpRes = &sub[1];
    assert_false(eval(&r));
}

static void test_validate(void **state)
{
    SRestriction r, chain[70];
    SPropValue l = { PR_IMPORTANCE, 0, { .l = 2 } }, s = { PR_SUBJECT_W, 0, { .lpszW = L"x" } };
    ULONG i;

    assert_int_equal(mc_restriction_validate(NULL), MAPI_E_INVALID_PARAMETER);
    r.rt = 0x77;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);
    assert_false(mc_restriction_match(&r, n_row, row));
    r.rt = RES_PROPERTY; r.res.resProperty.relop = RELOP_RE;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE; r.res.resProperty.lpProp = &l;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);
    r.res.resProperty.relop = 9;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);
    r.res.resProperty.relop = RELOP_EQ; r.res.resProperty.lpProp = NULL;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_INVALID_PARAMETER);
    r.res.resProperty.lpProp = &l; r.res.resProperty.ulPropTag = PROP_TAG(0x0FFF, 0x6000);
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);
    r.rt = RES_AND; r.res.resAnd.cRes = 2; r.res.resAnd.lpRes = NULL;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_INVALID_PARAMETER);
    r.rt = RES_NOT; r.res.resNot.lpRes = NULL;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_INVALID_PARAMETER);
    r.rt = RES_CONTENT; r.res.resContent.ulFuzzyLevel = 3; r.res.resContent.ulPropTag = PR_SUBJECT_W;
    r.res.resContent.lpProp = &s;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);           /* level 3 */
    r.res.resContent.ulFuzzyLevel = FL_SUBSTRING | 0x00100000;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);           /* unknown flag */
    r.res.resContent.ulFuzzyLevel = FL_SUBSTRING; r.res.resContent.ulPropTag = PR_IMPORTANCE;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);           /* not a string */
    r.rt = RES_BITMASK; r.res.resBitMask.relBMR = 2;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);
    r.rt = RES_SIZE; r.res.resSize.relop = RELOP_RE;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);
    r.rt = RES_COMMENT; r.res.resComment.cValues = 1; r.res.resComment.lpProp = NULL;
    r.res.resComment.lpRes = NULL;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_INVALID_PARAMETER);

    /* Depth: 64 levels are fine, 65 are too complex. */
    for (i = 0; i < 70; i++)
    {
        chain[i].rt = RES_NOT;
        chain[i].res.resNot.lpRes = &chain[i + 1];
    }
    chain[63].rt = RES_EXIST; chain[63].res.resExist.ulPropTag = PR_ENTRYID;
    assert_int_equal(mc_restriction_validate(&chain[0]), S_OK);
    assert_false(mc_restriction_match(&chain[0], n_row, row));     /* 63 NOTs of TRUE */
    chain[63].rt = RES_NOT; chain[64].rt = RES_EXIST; chain[64].res.resExist.ulPropTag = PR_ENTRYID;
    assert_int_equal(mc_restriction_validate(&chain[0]), MAPI_E_TOO_COMPLEX);
}

/* RES_SUBRESTRICTION: the owner's evaluator decides (with the row, the sub-object and the
 * sub-restriction), also under AND/OR/NOT; without one it is false. Validation: a sub-object
 * other than recipients or attachments is MAPI_E_TOO_COMPLEX, no sub-restriction
 * MAPI_E_INVALID_PARAMETER (ssubrestriction.md, imapitable-restrict.md). */
typedef struct sub_calls { ULONG n, last_object; const SRestriction *last_res; ULONG n_row; BOOL answer; } sub_calls;

static BOOL fake_sub(void *ctx, ULONG n, const SPropValue *r, ULONG sub_object, const SRestriction *res)
{
    sub_calls *c = ctx;
    c->n++;
    c->last_object = sub_object;
    c->last_res = res;
    c->n_row = r == row ? n : ~0u;
    return c->answer && sub_object == PR_MESSAGE_ATTACHMENTS;
}

static void test_subrestriction(void **state)
{
    SRestriction inner = { RES_EXIST }, r = { RES_SUBRESTRICTION }, not = { RES_NOT }, and = { RES_AND }, both[2];
    sub_calls calls = { 0 };

    inner.res.resExist.ulPropTag = PR_ATTACH_NUM;
    r.res.resSub.ulSubObject = PR_MESSAGE_ATTACHMENTS;
    r.res.resSub.lpRes = &inner;
    assert_int_equal(mc_restriction_validate(&r), S_OK);
    assert_false(mc_restriction_match(&r, n_row, row));
    assert_false(mc_restriction_match_sub(&r, n_row, row, NULL, NULL));

    calls.answer = TRUE;
    assert_true(mc_restriction_match_sub(&r, n_row, row, fake_sub, &calls));
    assert_int_equal(calls.n, 1);
    assert_int_equal(calls.last_object, PR_MESSAGE_ATTACHMENTS);
    assert_ptr_equal(calls.last_res, &inner);
    assert_int_equal(calls.n_row, n_row);
    r.res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS;
    assert_false(mc_restriction_match_sub(&r, n_row, row, fake_sub, &calls));
    assert_int_equal(calls.last_object, PR_MESSAGE_RECIPIENTS);
    not.res.resNot.lpRes = &r;
    assert_true(mc_restriction_match_sub(&not, n_row, row, fake_sub, &calls));
    both[0] = r;
    both[0].res.resSub.ulSubObject = PR_MESSAGE_ATTACHMENTS;
    both[1] = not;
    and.res.resAnd.cRes = 2;
    and.res.resAnd.lpRes = both;
    assert_true(mc_restriction_match_sub(&and, n_row, row, fake_sub, &calls));
    calls.answer = FALSE;
    assert_false(mc_restriction_match_sub(&and, n_row, row, fake_sub, &calls));

    /* bad input: an unknown sub-object is not evaluated either */
    r.res.resSub.ulSubObject = PR_SUBJECT_W;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_TOO_COMPLEX);
    calls.n = 0;
    calls.answer = TRUE;
    assert_false(mc_restriction_match_sub(&r, n_row, row, fake_sub, &calls));
    assert_int_equal(calls.n, 0);
    r.res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS;
    r.res.resSub.lpRes = NULL;
    assert_int_equal(mc_restriction_validate(&r), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_restriction_validate(&not), MAPI_E_INVALID_PARAMETER);
    assert_false(mc_restriction_match_sub(&r, n_row, row, fake_sub, &calls));
    assert_int_equal(calls.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TR(test_content_strings),
        TR(test_content_binary_and_mv),
        TR(test_property),
        TR(test_other_kinds),
        TR(test_validate),
        TR(test_subrestriction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
