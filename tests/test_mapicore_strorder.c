/*
 * test_mapicore_strorder.c - the string order (README "String order"): a view sorted on a
 * string column and RES_PROPERTY / RES_COMPAREPROPS on it agree for tricky strings (case,
 * accents, ß, digits, the empty string, hyphens, non-Latin letters), whether the column or the
 * restriction value is PT_UNICODE or PT_STRING8; categories group exactly the strings
 * RELOP_EQ calls equal; what RES_CONTENT's FL_IGNORECASE / FL_IGNORENONSPACE / FL_LOOSE add
 * (imapitable-sorttable.md, spropertyrestriction.md, scontentrestriction.md).
 */
#include "test_mapicore_alloc.h"
#include <stdio.h>

static const WCHAR *const strings[] = {
    L"b", L"a", L"A", L"ab", L"Ab", L"B", L"", L"e", L"E", L"\x00e9" /* é */, L"\x00c9" /* É */,
    L"\x00df" /* ß */, L"ss", L"SS", L"sr", L"st", L"10", L"9", L"2", L"file10", L"file2",
    L"co-op", L"coop", L"r\x00e9sum\x00e9", L"resume", L"Zo\x00eb", L"zoe", L"\x00c4rger",
    L"arger", L"z", L"\x03c9" /* ω */, L"\x03a9" /* Ω */, L"a", L"\x00e9",
};
#define N_STRINGS ARRAYSIZE(strings)

static char ansi[N_STRINGS][32];
static BOOL has_ansi[N_STRINGS];    /* representable in CP_ACP without loss */

static mc_table *string_table(void)
{
    mc_table *t = NULL;
    ULONG i;

    assert_int_equal(mc_table_new(&test_alloc, PR_ROWID, NULL, &t), S_OK);
    for (i = 0; i < N_STRINGS; i++)
    {
        SPropValue v[3];
        ULONG n = 0;
        BOOL lossy = FALSE;
        int len = WideCharToMultiByte(CP_ACP, WC_NO_BEST_FIT_CHARS, strings[i], -1, ansi[i],
                                      sizeof(ansi[i]), NULL, &lossy);
        has_ansi[i] = len > 0 && !lossy;
        v[n].ulPropTag = PR_ROWID;          v[n++].Value.l = (LONG)i;
        v[n].ulPropTag = PR_SUBJECT_W;      v[n++].Value.lpszW = (WCHAR *)strings[i];
        if (has_ansi[i])
        {
            v[n].ulPropTag = PR_BODY_A;     v[n++].Value.lpszA = ansi[i];
        }
        assert_int_equal(mc_table_modify_row(t, n, v), S_OK);
    }
    return t;
}

static IMAPITable *open_view(mc_table *t)
{
    static const SizedSPropTagArray(4, cols) = { 4, { PR_ROWID, PR_ROW_TYPE, PR_CONTENT_COUNT,
                                                      PR_INSTANCE_KEY } };
    IMAPITable *v = NULL;

    assert_int_equal(mc_table_open_view(t, NULL, NULL, &v), S_OK);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), S_OK);
    return v;
}

/* The row ids of the view from the start (-1 for a heading); returns the count. */
static ULONG read_ids(IMAPITable *v, LONG *ids, LONG *counts)
{
    SRowSet *rows = NULL;
    ULONG i, n;

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1000, 0, &rows), S_OK);
    n = rows->cRows;
    for (i = 0; i < n; i++)
    {
        const SPropValue *type = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_ROW_TYPE);
        const SPropValue *id = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_ROWID);
        const SPropValue *c = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_CONTENT_COUNT);
        BOOL heading = type && PROP_TYPE(type->ulPropTag) == PT_LONG && type->Value.l != TBL_LEAF_ROW;
        ids[i] = heading || !id || PROP_TYPE(id->ulPropTag) != PT_LONG ? -1 : id->Value.l;
        if (counts)
            counts[i] = heading && c && PROP_TYPE(c->ulPropTag) == PT_LONG ? c->Value.l : 0;
    }
    mc_free_rows(&test_alloc, rows);
    return n;
}

static void sort_by(IMAPITable *v, ULONG tag, ULONG order, ULONG categories)
{
    SizedSSortOrderSet(2, s) = { 2, 0, 0, { { 0, 0 }, { PR_ROWID, TABLE_SORT_ASCEND } } };

    s.aSort[0].ulPropTag = tag;
    s.aSort[0].ulOrder = order;
    s.cCategories = s.cExpanded = categories;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&s, 0), S_OK);
}

/* Which rows `tag relop value` keeps (in[] by row id); the view's restriction is left set. */
static void restricted(IMAPITable *v, SRestriction *r, BOOL *in)
{
    LONG ids[N_STRINGS];
    ULONG i, n;

    assert_int_equal(v->lpVtbl->Restrict(v, r, 0), S_OK);
    n = read_ids(v, ids, NULL);
    memset(in, 0, N_STRINGS * sizeof(BOOL));
    for (i = 0; i < n; i++)
    {
        if (ids[i] < 0)
            continue;       /* a category heading */
        assert_true(ids[i] < (LONG)N_STRINGS);
        in[ids[i]] = TRUE;
    }
}

static void relation(IMAPITable *v, ULONG tag, ULONG relop, const SPropValue *value, BOOL *in)
{
    SRestriction r = { RES_PROPERTY };

    r.res.resProperty.relop = relop;
    r.res.resProperty.ulPropTag = tag;
    r.res.resProperty.lpProp = (SPropValue *)value;
    restricted(v, &r, in);
}

static ULONG pos_of(const LONG *order, ULONG n, LONG id)
{
    ULONG i;

    for (i = 0; i < n; i++)
        if (order[i] == id)
            return i;
    fail_msg("row %ld missing from the sorted view", (long)id);
    return 0;
}

/* Sorted order and RES_PROPERTY agree: for every row j, the rows RELOP_EQ to it are one run
 * around j, RELOP_LT exactly those before the run, RELOP_GT exactly those after, LE/GE/NE the
 * unions; a PT_STRING8 value of the same text gives the same sets. */
static void test_sort_agrees_with_relops(void **state)
{
    mc_table *t = string_table();
    IMAPITable *v = open_view(t);
    LONG order[N_STRINGS];
    ULONG pos[N_STRINGS], i, j, n, width;
    BOOL eq[N_STRINGS], lt[N_STRINGS], gt[N_STRINGS], le[N_STRINGS], ge[N_STRINGS], ne[N_STRINGS];

    sort_by(v, PR_SUBJECT_W, TABLE_SORT_ASCEND, 0);
    n = read_ids(v, order, NULL);
    assert_int_equal(n, N_STRINGS);
    for (i = 0; i < N_STRINGS; i++)
        pos[i] = pos_of(order, n, (LONG)i);

    for (j = 0; j < N_STRINGS; j++)
        for (width = 0; width < 2; width++)
        {
            SPropValue value;
            ULONG first = N_STRINGS, last = 0;

            if (width == 1 && !has_ansi[j])
                continue;
            value.ulPropTag = width ? PR_SUBJECT_A : PR_SUBJECT_W;
            if (width)
                value.Value.lpszA = ansi[j];
            else
                value.Value.lpszW = (WCHAR *)strings[j];
            relation(v, PR_SUBJECT_W, RELOP_EQ, &value, eq);
            relation(v, PR_SUBJECT_W, RELOP_LT, &value, lt);
            relation(v, PR_SUBJECT_W, RELOP_GT, &value, gt);
            relation(v, PR_SUBJECT_W, RELOP_LE, &value, le);
            relation(v, PR_SUBJECT_W, RELOP_GE, &value, ge);
            relation(v, PR_SUBJECT_W, RELOP_NE, &value, ne);
            if (!eq[j])
                fail_msg("\"%ls\" is not RELOP_EQ to itself (%s value)", strings[j], width ? "STRING8" : "UNICODE");
            for (i = 0; i < N_STRINGS; i++)
                if (eq[i])
                {
                    first = min(first, pos[i]);
                    last = max(last, pos[i]);
                }
            for (i = 0; i < N_STRINGS; i++)
            {
                BOOL before = pos[i] < first, after = pos[i] > last;
                if (!before && !after && !eq[i])
                    fail_msg("\"%ls\" sorts among the equals of \"%ls\" but is not RELOP_EQ", strings[i], strings[j]);
                if (lt[i] != before || gt[i] != after)
                    fail_msg("\"%ls\" vs \"%ls\" (%s): sorted %s, RELOP_LT %d, RELOP_GT %d", strings[i],
                             strings[j], width ? "STRING8" : "UNICODE",
                             before ? "before" : after ? "after" : "equal", lt[i], gt[i]);
                if (le[i] != (lt[i] || eq[i]) || ge[i] != (gt[i] || eq[i]) || ne[i] != !eq[i])
                    fail_msg("\"%ls\" vs \"%ls\": LE/GE/NE disagree with LT/EQ/GT", strings[i], strings[j]);
            }
            /* the PT_STRING8 column answers the same (rows that have it) */
            relation(v, PR_BODY_A, RELOP_LT, &value, lt);
            relation(v, PR_BODY_A, RELOP_EQ, &value, ne);
            for (i = 0; i < N_STRINGS; i++)
                if (lt[i] != (has_ansi[i] && pos[i] < first) || ne[i] != (has_ansi[i] && eq[i]))
                    fail_msg("PT_STRING8 column: \"%ls\" vs \"%ls\" disagrees", strings[i], strings[j]);
        }

    /* what the rule promises beyond consistency: case is ignored, accents are not, the empty
     * string comes first, digits compare as characters and before letters */
    assert_true(pos[6] == 0);                               /* "" */
    {
        SPropValue a = { PR_SUBJECT_W, 0, { .lpszW = (WCHAR *)L"a" } };
        relation(v, PR_SUBJECT_W, RELOP_EQ, &a, eq);
        assert_true(eq[1] && eq[2] && eq[32]);              /* a, A, a */
        assert_false(eq[3]);
    }
    assert_true(pos[7] < pos[9] && pos[9] < pos[29]);       /* e < é < z */
    {
        SPropValue e = { PR_SUBJECT_W, 0, { .lpszW = (WCHAR *)L"e" } };
        relation(v, PR_SUBJECT_W, RELOP_EQ, &e, eq);
        assert_true(eq[7] && eq[8]);                        /* e, E */
        assert_false(eq[9] || eq[10]);                      /* é, É */
    }
    assert_true(pos[16] < pos[18] && pos[18] < pos[17]);    /* "10" < "2" < "9" */
    assert_true(pos[17] < pos[1]);                          /* "9" < "a" */
    assert_true(pos[19] < pos[20]);                         /* "file10" < "file2" */

    /* descending: the reverse, equals still in insertion order */
    sort_by(v, PR_SUBJECT_W, TABLE_SORT_DESCEND, 0);
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
    {
        LONG desc[N_STRINGS];
        assert_int_equal(read_ids(v, desc, NULL), N_STRINGS);
        for (i = 0; i + 1 < N_STRINGS; i++)
        {
            SPropValue next = { PR_SUBJECT_W, 0, { .lpszW = (WCHAR *)strings[desc[i + 1]] } };
            relation(v, PR_SUBJECT_W, RELOP_GE, &next, ge);
            relation(v, PR_SUBJECT_W, RELOP_EQ, &next, eq);
            assert_true(ge[desc[i]]);
            if (eq[desc[i]])
                assert_true(desc[i] < desc[i + 1]);
            assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
        }
    }
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* A sort on the PT_STRING8 column gives the PT_UNICODE column's order; RES_COMPAREPROPS
 * between the two widths of one text is RELOP_EQ; categories group exactly the RELOP_EQ
 * classes. */
static void test_widths_and_categories(void **state)
{
    mc_table *t = string_table();
    IMAPITable *v = open_view(t);
    LONG by_w[N_STRINGS], by_a[N_STRINGS], rows[2 * N_STRINGS], counts[2 * N_STRINGS];
    SRestriction r = { RES_COMPAREPROPS }, exist = { RES_EXIST };
    BOOL in[N_STRINGS];
    ULONG i, k, n_w, n_a, n, n_ansi = 0;

    for (i = 0; i < N_STRINGS; i++)
        n_ansi += has_ansi[i];
    assert_true(n_ansi >= N_STRINGS - 4);   /* CP_ACP holds the Latin ones at least */

    exist.res.resExist.ulPropTag = PR_BODY_A;
    sort_by(v, PR_SUBJECT_W, TABLE_SORT_ASCEND, 0);
    assert_int_equal(v->lpVtbl->Restrict(v, &exist, 0), S_OK);
    n_w = read_ids(v, by_w, NULL);
    sort_by(v, PR_BODY_A, TABLE_SORT_ASCEND, 0);
    n_a = read_ids(v, by_a, NULL);
    assert_int_equal(n_w, n_ansi);
    assert_int_equal(n_a, n_ansi);
    assert_memory_equal(by_w, by_a, n_w * sizeof(LONG));

    r.res.resCompareProps.ulPropTag1 = PR_SUBJECT_W;
    r.res.resCompareProps.ulPropTag2 = PR_BODY_A;
    r.res.resCompareProps.relop = RELOP_EQ;
    restricted(v, &r, in);
    for (i = 0; i < N_STRINGS; i++)
        assert_int_equal(in[i], has_ansi[i]);
    r.res.resCompareProps.relop = RELOP_LT;
    restricted(v, &r, in);
    for (i = 0; i < N_STRINGS; i++)
        assert_false(in[i]);

    /* categories: one heading per RELOP_EQ class, counting its members */
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
    sort_by(v, PR_SUBJECT_W, TABLE_SORT_ASCEND, 1);
    n = read_ids(v, rows, counts);
    for (i = 0; i < n; i = k)
    {
        SPropValue first;
        ULONG members = 0;
        assert_int_equal(rows[i], -1);
        for (k = i + 1; k < n && rows[k] >= 0; k++)
            members++;
        assert_int_equal(counts[i], members);
        first.ulPropTag = PR_SUBJECT_W;
        first.Value.lpszW = (WCHAR *)strings[rows[i + 1]];
        relation(v, PR_SUBJECT_W, RELOP_EQ, &first, in);
        {
            ULONG j, n_eq = 0;
            for (j = 0; j < N_STRINGS; j++)
                n_eq += in[j];
            assert_int_equal(n_eq, members);
            for (j = i + 1; j < k; j++)
                assert_true(in[rows[j]]);
        }
        assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
        n = read_ids(v, rows, counts);
    }
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* RES_CONTENT does not use the sort key: FL_IGNORECASE upper-cases (invariant),
 * FL_IGNORENONSPACE drops accents after decomposing, FL_LOOSE does both. */
static void test_content_flags(void **state)
{
    mc_table *t = string_table();
    IMAPITable *v = open_view(t);
    SPropValue pat = { PR_SUBJECT_W };
    SRestriction r = { RES_CONTENT };
    BOOL in[N_STRINGS];

    r.res.resContent.ulPropTag = PR_SUBJECT_W;
    r.res.resContent.lpProp = &pat;

    pat.Value.lpszW = (WCHAR *)L"resume";
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING;
    restricted(v, &r, in);
    assert_true(in[24] && !in[23]);                         /* exact: resume only */
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING | FL_IGNORENONSPACE;
    restricted(v, &r, in);
    assert_true(in[24] && in[23]);                          /* résumé too */
    pat.Value.lpszW = (WCHAR *)L"RESUME";
    restricted(v, &r, in);
    assert_false(in[24] || in[23]);                         /* case still counts */
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING | FL_IGNORECASE;
    restricted(v, &r, in);
    assert_true(in[24] && !in[23]);
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING | FL_LOOSE;
    restricted(v, &r, in);
    assert_true(in[24] && in[23]);                          /* both */
    pat.Value.lpszW = (WCHAR *)L"\x00c9";                   /* É */
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING | FL_IGNORECASE;
    restricted(v, &r, in);
    assert_true(in[9] && in[10] && in[33] && !in[7]);       /* é, É, é; not e */
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING | FL_LOOSE;
    restricted(v, &r, in);
    assert_true(in[9] && in[10] && in[7] && in[8]);         /* e and E too */
    /* a PT_STRING8 pattern against the PT_UNICODE column */
    if (has_ansi[27])
    {
        SPropValue a = { PR_SUBJECT_A, 0, { .lpszA = (char *)"arg" } };
        r.res.resContent.lpProp = &a;
        r.res.resContent.ulFuzzyLevel = FL_PREFIX | FL_LOOSE;
        restricted(v, &r, in);
        assert_true(in[27] && in[28]);                      /* Ärger, arger */
        r.res.resContent.ulFuzzyLevel = FL_PREFIX | FL_IGNORECASE;
        restricted(v, &r, in);
        assert_true(!in[27] && in[28]);
    }
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sort_agrees_with_relops),
        T(test_widths_and_categories),
        T(test_content_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
