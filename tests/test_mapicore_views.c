/*
 * test_mapicore_views.c - what mapicore's table views do beyond the basics of
 * test_mapicore_table.c: sort stability and missing values, categories (headings and their
 * columns, expand/collapse, collapse state, TABLE_SORT_CATEG_MAX), MV_INSTANCE rows, bad
 * input, notifications of categorized views and asynchronous calls, the default-order index,
 * the table's own engine, and the truth table of every restriction through a view
 * (sorting-and-categorization.md, imapitable-*.md, working-with-multivalued-columns.md,
 * table_notification.md, srestriction.md).
 */
#include "test_mapicore_alloc.h"
#include <stdio.h>

/* Rows: PR_ROWID (index), PR_SUBJECT_W (may be absent: NULL), PR_IMPORTANCE, PR_MESSAGE_FLAGS. */
static HRESULT put(mc_table *t, LONG id, const WCHAR *subject, LONG importance, LONG flags)
{
    SPropValue v[4];
    ULONG n = 0;

    v[n].ulPropTag = PR_ROWID;          v[n++].Value.l = id;
    if (subject)
    {
        v[n].ulPropTag = PR_SUBJECT_W;  v[n++].Value.lpszW = (WCHAR *)subject;
    }
    v[n].ulPropTag = PR_IMPORTANCE;     v[n++].Value.l = importance;
    v[n].ulPropTag = PR_MESSAGE_FLAGS;  v[n++].Value.l = flags;
    return mc_table_modify_row(t, n, v);
}

static HRESULT del(mc_table *t, LONG id)
{
    SPropValue v = { PR_ROWID, 0, { .l = id } };
    return mc_table_delete_row(t, &v);
}

static mc_table *new_table(void)
{
    mc_table *t = NULL;
    assert_int_equal(mc_table_new(&test_alloc, PR_ROWID, NULL, &t), S_OK);
    return t;
}

static HRESULT set_columns(IMAPITable *v, ULONG ncols, const ULONG *tags, ULONG flags)
{
    SizedSPropTagArray(16, cols);
    ULONG i;

    cols.cValues = ncols;
    for (i = 0; i < ncols; i++)
        cols.aulPropTag[i] = tags[i];
    return v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, flags);
}

static IMAPITable *view_of(mc_table *t, ULONG ncols, const ULONG *tags)
{
    IMAPITable *v = NULL;
    SizedSPropTagArray(16, cols);
    ULONG i;

    assert_int_equal(mc_table_open_view(t, NULL, NULL, &v), S_OK);
    cols.cValues = ncols;
    for (i = 0; i < ncols; i++)
        cols.aulPropTag[i] = tags[i];
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), S_OK);
    return v;
}

/* A row read back: the first column (PR_ROWID) as a number, headings as "h". */
static void describe(const SRow *row, char *out)
{
    const SPropValue *type = mc_props_find(row->cValues, row->lpProps, PR_ROW_TYPE);
    const SPropValue *id = mc_props_find(row->cValues, row->lpProps, PR_ROWID);

    if (type && type->Value.l != TBL_LEAF_ROW)
        strcpy(out, "h");
    else if (id)
        sprintf(out, "%ld", (long)id->Value.l);
    else
        strcpy(out, "?");
}

/* Every row from the start, as "1,2,h,3" (the cursor ends at the start again). */
static void all_rows(IMAPITable *v, char *out)
{
    SRowSet *rows = NULL;
    ULONG i;

    out[0] = 0;
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1000, 0, &rows), S_OK);
    for (i = 0; i < rows->cRows; i++)
    {
        if (i)
            strcat(out, ",");
        describe(&rows->aRow[i], out + strlen(out));
    }
    mc_free_rows(&test_alloc, rows);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
}

/* The value of `tag` in row `index` of the view (from the start), or -1. */
static LONG long_at(IMAPITable *v, ULONG index, ULONG tag)
{
    SRowSet *rows = NULL;
    const SPropValue *p;
    LONG r = -1;

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, index, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, TBL_NOADVANCE, &rows), S_OK);
    if (rows->cRows && (p = mc_props_find(rows->aRow[0].cValues, rows->aRow[0].lpProps, tag))
        && PROP_TYPE(p->ulPropTag) == PT_LONG)
        r = p->Value.l;
    mc_free_rows(&test_alloc, rows);
    return r;
}

static void key_at(IMAPITable *v, ULONG index, BYTE key[4])
{
    SRowSet *rows = NULL;
    const SPropValue *p;

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, index, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, TBL_NOADVANCE, &rows), S_OK);
    assert_int_equal(rows->cRows, 1);
    p = mc_props_find(rows->aRow[0].cValues, rows->aRow[0].lpProps, PR_INSTANCE_KEY);
    assert_non_null(p);
    assert_int_equal(p->Value.bin.cb, 4);
    memcpy(key, p->Value.bin.lpb, 4);
    mc_free_rows(&test_alloc, rows);
}

static ULONG row_count(IMAPITable *v)
{
    ULONG n = 999;
    assert_int_equal(v->lpVtbl->GetRowCount(v, 0, &n), S_OK);
    return n;
}

static const ULONG base_cols[] = { PR_ROWID, PR_SUBJECT_W, PR_IMPORTANCE, PR_INSTANCE_KEY,
                                   PR_ROW_TYPE, PR_DEPTH, PR_CONTENT_COUNT, PR_CONTENT_UNREAD };

/* ---- sorting ------------------------------------------------------------------------------------ */

static void test_sort_stability_and_missing(void **state)
{
    mc_table *t = new_table();
    IMAPITable *v;
    SizedSSortOrderSet(1, by_imp) = { 1, 0, 0, { { PR_IMPORTANCE, TABLE_SORT_ASCEND } } };
    SizedSSortOrderSet(1, by_subj) = { 1, 0, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND } } };
    char ids[200];

    assert_int_equal(put(t, 1, L"b", 1, 0), S_OK);
    assert_int_equal(put(t, 2, L"a", 0, 0), S_OK);
    assert_int_equal(put(t, 3, NULL, 1, 0), S_OK);
    assert_int_equal(put(t, 4, L"B", 0, 0), S_OK);
    assert_int_equal(put(t, 5, L"a", 1, 0), S_OK);
    v = view_of(t, 3, base_cols);

    /* equal keys keep insertion order */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_imp, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "2,4,1,3,5");
    by_imp.aSort[0].ulOrder = TABLE_SORT_DESCEND;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_imp, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,3,5,2,4");
    /* a modified row keeps its place among equals; a changed key moves it */
    assert_int_equal(put(t, 1, L"b", 1, 7), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,3,5,2,4");
    assert_int_equal(put(t, 4, L"B", 1, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,3,4,5,2");

    /* strings: case-insensitive, ties in insertion order; a missing value last both ways */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_subj, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "2,5,1,4,3");
    by_subj.aSort[0].ulOrder = TABLE_SORT_DESCEND;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_subj, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,4,2,5,3");
    /* a new row lands where a full sort would put it */
    assert_int_equal(put(t, 6, L"ab", 0, 0), S_OK);
    assert_int_equal(put(t, 7, NULL, 0, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,4,6,2,5,3,7");

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* ---- categories ----------------------------------------------------------------------------------- */

/* Subjects are the categories: "a" x2 (one unread), "b" x1, none x1. */
static mc_table *category_table(void)
{
    mc_table *t = new_table();
    assert_int_equal(put(t, 1, L"b", 0, MSGFLAG_READ), S_OK);
    assert_int_equal(put(t, 2, L"a", 0, MSGFLAG_READ), S_OK);
    assert_int_equal(put(t, 3, L"A", 0, 0), S_OK);
    assert_int_equal(put(t, 4, NULL, 0, 0), S_OK);
    return t;
}

static void test_categories(void **state)
{
    mc_table *t = category_table();
    IMAPITable *v = view_of(t, ARRAYSIZE(base_cols), base_cols);
    SizedSSortOrderSet(2, cat) = { 2, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                              { PR_ROWID, TABLE_SORT_DESCEND } } };
    SSortOrderSet *back = NULL;
    SRowSet *rows = NULL;
    BYTE k[7][4];
    char ids[200];
    ULONG i, j;

    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,3,2,h,1,h,4");           /* "a" (a and A), "b", then no subject */
    assert_int_equal(v->lpVtbl->QuerySortOrder(v, &back), S_OK);
    assert_int_equal(back->cCategories, 1);
    assert_int_equal(back->cExpanded, 1);
    test_FreeBuffer(back);

    /* heading columns */
    assert_int_equal(long_at(v, 0, PR_ROW_TYPE), TBL_EXPANDED_CATEGORY);
    assert_int_equal(long_at(v, 0, PR_DEPTH), 0);
    assert_int_equal(long_at(v, 0, PR_CONTENT_COUNT), 2);
    assert_int_equal(long_at(v, 0, PR_CONTENT_UNREAD), 1);
    assert_int_equal(long_at(v, 0, PR_ROWID), -1);      /* not a leaf column */
    assert_int_equal(long_at(v, 3, PR_CONTENT_COUNT), 1);
    assert_int_equal(long_at(v, 3, PR_CONTENT_UNREAD), 0);
    assert_int_equal(long_at(v, 5, PR_CONTENT_UNREAD), 1);  /* no PR_MESSAGE_FLAGS read bit */
    assert_int_equal(long_at(v, 1, PR_ROW_TYPE), TBL_LEAF_ROW);
    assert_int_equal(long_at(v, 1, PR_DEPTH), 1);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0, &rows), S_OK);
    assert_int_equal(rows->aRow[0].lpProps[1].ulPropTag, PR_SUBJECT_W);   /* the category value */
    /* "a" and "A" are one category; it shows the value of its first row (3: "A") */
    assert_string_equal(rows->aRow[0].lpProps[1].Value.lpszW, L"A");
    mc_free_rows(&test_alloc, rows);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 6, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0, &rows), S_OK);
    assert_int_equal(rows->aRow[0].lpProps[1].ulPropTag, CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_ERROR));
    mc_free_rows(&test_alloc, rows);
    /* every row has its own instance key */
    for (i = 0; i < 7; i++)
        key_at(v, i, k[i]);
    for (i = 0; i < 7; i++)
        for (j = i + 1; j < 7; j++)
            assert_memory_not_equal(k[i], k[j], 4);

    /* cExpanded 0: headings only, collapsed */
    cat.cExpanded = 0;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,h");
    assert_int_equal(long_at(v, 0, PR_ROW_TYPE), TBL_COLLAPSED_CATEGORY);
    assert_int_equal(long_at(v, 0, PR_CONTENT_COUNT), 2);

    /* two levels: importance, then subject; the second level collapsed */
    {
        SizedSSortOrderSet(3, two) = { 3, 2, 1, { { PR_IMPORTANCE, TABLE_SORT_ASCEND },
                                                  { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                                  { PR_ROWID, TABLE_SORT_ASCEND } } };
        assert_int_equal(put(t, 5, L"b", 1, 0), S_OK);
        assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&two, 0), S_OK);
        all_rows(v, ids);
        assert_string_equal(ids, "h,h,h,h,h,h");         /* 0: a, b, none; 1: b */
        assert_int_equal(long_at(v, 0, PR_DEPTH), 0);
        assert_int_equal(long_at(v, 0, PR_CONTENT_COUNT), 4);
        assert_int_equal(long_at(v, 1, PR_DEPTH), 1);
        assert_int_equal(long_at(v, 1, PR_ROW_TYPE), TBL_COLLAPSED_CATEGORY);
        assert_int_equal(long_at(v, 4, PR_ROW_TYPE), TBL_EXPANDED_CATEGORY);
        two.cExpanded = 2;
        assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&two, 0), S_OK);
        all_rows(v, ids);
        assert_string_equal(ids, "h,h,2,3,h,1,h,4,h,h,5");
        assert_int_equal(long_at(v, 2, PR_DEPTH), 2);
    }
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_expand_collapse(void **state)
{
    mc_table *t = category_table();
    IMAPITable *v = view_of(t, ARRAYSIZE(base_cols), base_cols);
    SizedSSortOrderSet(2, cat) = { 2, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                              { PR_ROWID, TABLE_SORT_ASCEND } } };
    BYTE ka[4], kb[4], leaf[4];
    SRowSet *rows = NULL;
    ULONG n = 99, more = 99, row, num, den;
    BOOKMARK bk, bk_leaf;
    char ids[200];

    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,3,h,1,h,4");
    key_at(v, 0, ka);
    key_at(v, 3, kb);
    key_at(v, 2, leaf);

    /* a bookmark on a row that a collapse hides moves on */
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 2, NULL), S_OK);
    assert_int_equal(v->lpVtbl->CreateBookmark(v, &bk_leaf), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 5, NULL), S_OK);
    assert_int_equal(v->lpVtbl->CreateBookmark(v, &bk), S_OK);

    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, ka, 0, &n), S_OK);
    assert_int_equal(n, 2);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,1,h,4");
    assert_int_equal(long_at(v, 0, PR_ROW_TYPE), TBL_COLLAPSED_CATEGORY);
    assert_int_equal(row_count(v), 5);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);       /* follows its row */
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 3);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk_leaf, 0, NULL), MAPI_W_POSITION_CHANGED);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 1);                                          /* the next visible row */
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, ka, 0, &n), S_OK);   /* already: nothing */
    assert_int_equal(n, 0);

    /* expand: the rows come back after the heading, the first ones returned */
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, ka, 1, 0, &rows, &more), S_OK);
    assert_int_equal(more, 2);
    assert_int_equal(rows->cRows, 1);
    assert_int_equal(mc_props_find(rows->aRow[0].cValues, rows->aRow[0].lpProps, PR_ROWID)->Value.l, 2);
    mc_free_rows(&test_alloc, rows);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 2);                   /* after the last row returned */
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,3,h,1,h,4");
    /* zero rows asked: the cursor goes after the heading */
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, kb, 0, &n), S_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, kb, 0, 0, NULL, &more), S_OK);
    assert_int_equal(more, 1);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 4);

    /* bad input */
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, leaf, 0, &n), MAPI_E_NOT_FOUND);   /* a leaf */
    assert_int_equal(v->lpVtbl->CollapseRow(v, 3, ka, 0, &n), MAPI_E_NOT_FOUND);
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, ka, 1, &n), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, NULL, 0, &n), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, (BYTE *)"zzzz", 0, 0, NULL, &more), MAPI_E_NOT_FOUND);
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, ka, 5, 0, NULL, &more), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, ka, 0, 2, NULL, &more), MAPI_E_UNKNOWN_FLAGS);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_collapse_state(void **state)
{
    mc_table *t = category_table();
    IMAPITable *v = view_of(t, ARRAYSIZE(base_cols), base_cols);
    SizedSSortOrderSet(2, cat) = { 2, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                              { PR_ROWID, TABLE_SORT_ASCEND } } };
    BYTE ka[4], kb[4], leaf[4], *saved = NULL, *garbage;
    ULONG cb = 0, n, row, num, den;
    BOOKMARK bk = 0;
    char ids[200];

    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    key_at(v, 0, ka);
    key_at(v, 3, kb);
    key_at(v, 4, leaf);          /* row 1, under "b" */
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, ka, 0, &n), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,1,h,4");

    assert_int_equal(v->lpVtbl->GetCollapseState(v, 0, 4, leaf, &cb, &saved), S_OK);
    assert_true(test_is_root(saved));
    assert_true(cb > 16);

    /* change everything, then restore */
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, ka, 0, 0, NULL, &n), S_OK);
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, kb, 0, &n), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,3,h,h,4");
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb, saved, &bk), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,1,h,4");
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);        /* at the saved row */
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 2);
    assert_int_equal(v->lpVtbl->FreeBookmark(v, bk), S_OK);

    /* a heading as the saved row */
    test_FreeBuffer(saved);
    assert_int_equal(v->lpVtbl->GetCollapseState(v, 0, 4, kb, &cb, &saved), S_OK);
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb, saved, &bk), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 1);

    /* bad input: garbage, truncated, another sort order, flags, NULLs */
    garbage = (BYTE *)"not a state at all";
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, 18, garbage, &bk), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb - 3, saved, &bk), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 1, cb, saved, &bk), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb, NULL, &bk), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->GetCollapseState(v, 0, 4, (BYTE *)"zzzz", &cb, &garbage), MAPI_E_NOT_FOUND);
    assert_int_equal(v->lpVtbl->GetCollapseState(v, 0, 4, NULL, &cb, &garbage), MAPI_E_INVALID_PARAMETER);
    cat.aSort[1].ulOrder = TABLE_SORT_DESCEND;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb, saved, &bk), MAPI_E_UNABLE_TO_COMPLETE);
    test_FreeBuffer(saved);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* ---- notifications ------------------------------------------------------------------------------- */

typedef struct tevent { ULONG type; BYTE index[4]; ULONG prior_tag; BYTE prior[4]; LONG id; LONG row_type; LONG count; } tevent;

typedef struct tsink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    ULONG n;
    tevent ev[64];
    DWORD thread;
} tsink;

static inline tsink *impl_from_tsink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, tsink, IMAPIAdviseSink_iface);
}

static HRESULT WINAPI tsink_QueryInterface(IMAPIAdviseSink *iface, REFIID riid, void **obj) { *obj = NULL; return E_NOINTERFACE; }
static ULONG WINAPI tsink_AddRef(IMAPIAdviseSink *iface) { return InterlockedIncrement(&impl_from_tsink(iface)->ref); }
static ULONG WINAPI tsink_Release(IMAPIAdviseSink *iface) { return InterlockedDecrement(&impl_from_tsink(iface)->ref); }

static ULONG WINAPI tsink_OnNotify(IMAPIAdviseSink *iface, ULONG count, LPNOTIFICATION n)
{
    tsink *s = impl_from_tsink(iface);
    ULONG i;

    s->thread = GetCurrentThreadId();
    for (i = 0; i < count && s->n < ARRAYSIZE(s->ev); i++)
    {
        const TABLE_NOTIFICATION *tab = &n[i].info.tab;
        tevent *e = &s->ev[s->n++];
        const SPropValue *p;
        memset(e, 0, sizeof(*e));
        e->type = n[i].ulEventType == fnevTableModified ? tab->ulTableEvent : 0;
        if (tab->propIndex.ulPropTag == PR_INSTANCE_KEY && tab->propIndex.Value.bin.cb == 4)
            memcpy(e->index, tab->propIndex.Value.bin.lpb, 4);
        e->prior_tag = tab->propPrior.ulPropTag;
        if (e->prior_tag == PR_INSTANCE_KEY && tab->propPrior.Value.bin.cb == 4)
            memcpy(e->prior, tab->propPrior.Value.bin.lpb, 4);
        p = mc_props_find(tab->row.cValues, tab->row.lpProps, PR_ROWID);
        e->id = p && PROP_TYPE(p->ulPropTag) == PT_LONG ? p->Value.l : -1;
        p = mc_props_find(tab->row.cValues, tab->row.lpProps, PR_ROW_TYPE);
        e->row_type = p && PROP_TYPE(p->ulPropTag) == PT_LONG ? p->Value.l : -1;
        p = mc_props_find(tab->row.cValues, tab->row.lpProps, PR_CONTENT_COUNT);
        e->count = p && PROP_TYPE(p->ulPropTag) == PT_LONG ? p->Value.l : -1;
    }
    return 0;
}

static const IMAPIAdviseSinkVtbl tsink_vtbl = { tsink_QueryInterface, tsink_AddRef, tsink_Release, tsink_OnNotify };

static void tsink_init(tsink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = (IMAPIAdviseSinkVtbl *)&tsink_vtbl;
    s->ref = 1;
}

static void settle(mc_table *t)
{
    assert_int_equal(mc_table_wait_notifications(t, 10000), S_OK);
}

static void test_category_notifications(void **state)
{
    mc_table *t = category_table();
    IMAPITable *v = view_of(t, ARRAYSIZE(base_cols), base_cols);
    SizedSSortOrderSet(2, cat) = { 2, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                              { PR_ROWID, TABLE_SORT_ASCEND } } };
    BYTE ka[4], kb[4], k1[4], k3[4];
    ULONG conn, n;
    tsink s;
    char ids[200];

    tsink_init(&s);
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    key_at(v, 0, ka);
    key_at(v, 2, k3);
    key_at(v, 3, kb);
    key_at(v, 4, k1);
    /* no notifier set: the table's own engine */
    assert_int_equal(v->lpVtbl->Advise(v, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn), S_OK);

    /* a new category: its heading, then the leaf after it */
    assert_int_equal(put(t, 5, L"c", 0, 0), S_OK);
    settle(t);
    assert_int_not_equal(s.thread, GetCurrentThreadId());
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].type, TABLE_ROW_ADDED);
    assert_int_equal(s.ev[0].row_type, TBL_EXPANDED_CATEGORY);
    assert_int_equal(s.ev[0].count, 1);
    assert_memory_equal(s.ev[0].prior, k1, 4);            /* after "b"'s last leaf */
    assert_int_equal(s.ev[1].type, TABLE_ROW_ADDED);
    assert_int_equal(s.ev[1].id, 5);
    assert_int_equal(s.ev[1].row_type, TBL_LEAF_ROW);
    assert_memory_equal(s.ev[1].prior, s.ev[0].index, 4); /* right after its heading */

    /* into an existing category: the leaf, then its heading's new count */
    s.n = 0;
    assert_int_equal(put(t, 6, L"a", 0, 0), S_OK);
    settle(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].type, TABLE_ROW_ADDED);
    assert_memory_equal(s.ev[0].prior, k3, 4);
    assert_int_equal(s.ev[1].type, TABLE_ROW_MODIFIED);
    assert_memory_equal(s.ev[1].index, ka, 4);
    assert_int_equal(s.ev[1].count, 3);
    assert_int_equal(s.ev[1].prior_tag, PR_NULL);         /* the first row */

    /* the last leaf of a category goes: the leaf, then the heading */
    s.n = 0;
    assert_int_equal(del(t, 1), S_OK);
    settle(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].type, TABLE_ROW_DELETED);
    assert_memory_equal(s.ev[0].index, k1, 4);
    assert_int_equal(s.ev[1].type, TABLE_ROW_DELETED);
    assert_memory_equal(s.ev[1].index, kb, 4);
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,3,6,h,5,h,4");

    /* collapsed: no leaf events, only the heading's count */
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, ka, 0, &n), S_OK);
    s.n = 0;
    assert_int_equal(put(t, 7, L"a", 0, 0), S_OK);
    assert_int_equal(put(t, 2, L"a", 0, 0), S_OK);
    settle(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].type, TABLE_ROW_MODIFIED);
    assert_memory_equal(s.ev[0].index, ka, 4);
    assert_int_equal(s.ev[0].row_type, TBL_COLLAPSED_CATEGORY);
    assert_int_equal(s.ev[0].count, 4);
    assert_int_equal(s.ev[1].type, TABLE_ROW_MODIFIED);   /* unread count may have changed */

    /* a leaf moving from a collapsed category to an expanded one appears there */
    s.n = 0;
    assert_int_equal(put(t, 7, L"c", 0, 0), S_OK);
    settle(t);
    assert_int_equal(s.ev[0].type, TABLE_ROW_ADDED);
    assert_int_equal(s.ev[0].id, 7);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,5,7,h,4");
    /* and back: it leaves the visible rows */
    s.n = 0;
    assert_int_equal(put(t, 7, L"a", 0, 0), S_OK);
    settle(t);
    assert_int_equal(s.ev[0].type, TABLE_ROW_DELETED);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,5,h,4");

    /* TBL_ASYNC calls are done at once and still announced */
    s.n = 0;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, TBL_ASYNC), S_OK);
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, TBL_ASYNC), S_OK);
    assert_int_equal(set_columns(v, 1, base_cols, TBL_ASYNC), S_OK);
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    settle(t);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.ev[0].type, TABLE_SORT_DONE);
    assert_int_equal(s.ev[1].type, TABLE_RESTRICT_DONE);
    assert_int_equal(s.ev[2].type, TABLE_SETCOL_DONE);

    assert_int_equal(v->lpVtbl->Unadvise(v, conn), S_OK);
    assert_int_equal(s.ref, 1);
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* Conversations: categories by topic, ordered by their newest message (TABLE_SORT_CATEG_MAX). */
static void test_categ_max(void **state)
{
    mc_table *t = new_table();
    IMAPITable *v;
    SizedSSortOrderSet(3, conv) = { 3, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                               { PR_IMPORTANCE, TABLE_SORT_CATEG_MAX },
                                               { PR_IMPORTANCE, TABLE_SORT_DESCEND } } };
    ULONG conn;
    tsink s;
    char ids[200];

    tsink_init(&s);
    /* importance stands for the delivery time */
    assert_int_equal(put(t, 1, L"x", 10, 0), S_OK);
    assert_int_equal(put(t, 2, L"y", 30, 0), S_OK);
    assert_int_equal(put(t, 3, L"x", 20, 0), S_OK);
    assert_int_equal(put(t, 4, L"z", 5, 0), S_OK);
    v = view_of(t, ARRAYSIZE(base_cols), base_cols);
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&conv, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,h,3,1,h,4");      /* y (30), x (20), z (5) */

    /* a newer message in z: z moves to the top, the client is told to re-read */
    assert_int_equal(v->lpVtbl->Advise(v, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn), S_OK);
    assert_int_equal(put(t, 5, L"z", 40, 0), S_OK);
    settle(t);
    all_rows(v, ids);
    assert_string_equal(ids, "h,5,4,h,2,h,3,1");
    assert_int_equal(s.ev[0].type, TABLE_CHANGED);
    /* the newest goes: z falls back */
    assert_int_equal(del(t, 5), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,h,3,1,h,4");
    /* CATEG_MIN: by the oldest message, ascending */
    conv.aSort[1].ulOrder = TABLE_SORT_CATEG_MIN;
    conv.aSort[2].ulOrder = TABLE_SORT_ASCEND;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&conv, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,4,h,1,3,h,2");      /* z (5), x (10), y (30) */

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* ---- MV_INSTANCE --------------------------------------------------------------------------------- */

#define PR_KEYWORDS_W PROP_TAG(PT_MV_UNICODE, 0x6800)

static HRESULT put_mv(mc_table *t, LONG id, ULONG n, const WCHAR **words)
{
    SPropValue v[2];
    ULONG c = 0;

    v[c].ulPropTag = PR_ROWID;
    v[c++].Value.l = id;
    if (words)
    {
        v[c].ulPropTag = PR_KEYWORDS_W;
        v[c].Value.MVszW.cValues = n;
        v[c++].Value.MVszW.lppszW = (WCHAR **)words;
    }
    return mc_table_modify_row(t, c, v);
}

/* TABLE_SORT_COMBINE: subject and importance make one category per distinct pair
 * (ssortorder.md); cExpanded counts category columns (ssortorderset.md). */
static mc_table *combine_table(void)
{
    mc_table *t = new_table();
    assert_int_equal(put(t, 1, L"a", 1, MSGFLAG_READ), S_OK);
    assert_int_equal(put(t, 2, L"a", 1, 0), S_OK);
    assert_int_equal(put(t, 3, L"A", 2, MSGFLAG_READ), S_OK);
    assert_int_equal(put(t, 4, L"b", 1, 0), S_OK);
    assert_int_equal(put(t, 5, NULL, 1, 0), S_OK);
    return t;
}

static void test_combine(void **state)
{
    mc_table *t = combine_table();
    IMAPITable *v = view_of(t, ARRAYSIZE(base_cols), base_cols);
    SizedSSortOrderSet(3, comb) = { 3, 2, 2, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                               { PR_IMPORTANCE, TABLE_SORT_COMBINE },
                                               { PR_ROWID, TABLE_SORT_ASCEND } } };
    SizedSSortOrderSet(4, two) = { 4, 3, 3, { { PR_IMPORTANCE, TABLE_SORT_ASCEND },
                                              { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                              { PR_MESSAGE_FLAGS, TABLE_SORT_COMBINE },
                                              { PR_ROWID, TABLE_SORT_ASCEND } } };
    SizedSSortOrderSet(3, desc) = { 3, 2, 2, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                               { PR_IMPORTANCE, TABLE_SORT_COMBINE },
                                               { PR_IMPORTANCE, TABLE_SORT_DESCEND } } };
    SizedSSortOrderSet(3, bad) = { 3, 2, 2, { { PR_SUBJECT_W, TABLE_SORT_COMBINE },
                                              { PR_IMPORTANCE, TABLE_SORT_ASCEND },
                                              { PR_ROWID, TABLE_SORT_ASCEND } } };
    SizedSSortOrderSet(4, bad2) = { 4, 3, 3, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                               { PR_IMPORTANCE, TABLE_SORT_CATEG_MAX },
                                               { PR_MESSAGE_FLAGS, TABLE_SORT_COMBINE },
                                               { PR_ROWID, TABLE_SORT_ASCEND } } };
    SPropValue two_v = { PR_IMPORTANCE, 0, { .l = 2 } };
    SRestriction r = { RES_PROPERTY };
    SSortOrderSet *back = NULL;
    SRowSet *rows = NULL;
    static const ULONG flag_cols[] = { PR_ROWID, PR_SUBJECT_W, PR_IMPORTANCE, PR_INSTANCE_KEY,
                                       PR_ROW_TYPE, PR_DEPTH, PR_MESSAGE_FLAGS };
    BYTE k_a1[4], k_a2[4], k_b1[4], leaf3[4], leaf4[4], *saved = NULL;
    ULONG n, cb, row, num, den, more;
    BOOKMARK bk;
    tsink s;
    ULONG conn;
    char ids[200];

    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&comb, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,1,2,h,3,h,4,h,5");     /* (a,1) (a,2) (b,1) (none,1) */
    assert_int_equal(v->lpVtbl->QuerySortOrder(v, &back), S_OK);
    assert_int_equal(back->cSorts, 3);
    assert_int_equal(back->cCategories, 2);
    assert_int_equal(back->cExpanded, 2);
    assert_int_equal(back->aSort[1].ulPropTag, PR_IMPORTANCE);
    assert_int_equal(back->aSort[1].ulOrder, TABLE_SORT_COMBINE);
    test_FreeBuffer(back);

    /* one level: headings at depth 0, leaves at depth 1; headings carry both values */
    assert_int_equal(long_at(v, 0, PR_ROW_TYPE), TBL_EXPANDED_CATEGORY);
    assert_int_equal(long_at(v, 0, PR_DEPTH), 0);
    assert_int_equal(long_at(v, 0, PR_CONTENT_COUNT), 2);
    assert_int_equal(long_at(v, 0, PR_CONTENT_UNREAD), 1);
    assert_int_equal(long_at(v, 0, PR_IMPORTANCE), 1);
    assert_int_equal(long_at(v, 0, PR_ROWID), -1);
    assert_int_equal(long_at(v, 1, PR_DEPTH), 1);
    assert_int_equal(long_at(v, 1, PR_ROW_TYPE), TBL_LEAF_ROW);
    assert_int_equal(long_at(v, 3, PR_DEPTH), 0);
    assert_int_equal(long_at(v, 3, PR_IMPORTANCE), 2);
    assert_int_equal(long_at(v, 3, PR_CONTENT_COUNT), 1);
    assert_int_equal(long_at(v, 3, PR_CONTENT_UNREAD), 0);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 3, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0, &rows), S_OK);
    assert_int_equal(rows->aRow[0].lpProps[1].ulPropTag, PR_SUBJECT_W);
    assert_string_equal(rows->aRow[0].lpProps[1].Value.lpszW, L"A");
    mc_free_rows(&test_alloc, rows);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 7, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0, &rows), S_OK);
    assert_int_equal(rows->aRow[0].lpProps[1].ulPropTag, CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_ERROR));
    assert_int_equal(rows->aRow[0].lpProps[2].Value.l, 1);
    mc_free_rows(&test_alloc, rows);
    key_at(v, 0, k_a1);
    key_at(v, 3, k_a2);
    key_at(v, 4, leaf3);
    key_at(v, 5, k_b1);
    key_at(v, 6, leaf4);

    /* FindRow and Restrict see the combined column in the headings */
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE;
    r.res.resProperty.lpProp = &two_v;
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 3);

    /* expand and collapse one combined category */
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, k_a1, 0, &n), S_OK);
    assert_int_equal(n, 2);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,3,h,4,h,5");
    assert_int_equal(long_at(v, 0, PR_ROW_TYPE), TBL_COLLAPSED_CATEGORY);

    /* the collapse state tells (a,1) from (a,2) */
    assert_int_equal(v->lpVtbl->GetCollapseState(v, 0, 4, leaf4, &cb, &saved), S_OK);
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, k_a1, 0, 0, NULL, &more), S_OK);
    assert_int_equal(more, 2);
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, k_a2, 0, &n), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,1,2,h,h,4,h,5");
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb, saved, &bk), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,3,h,4,h,5");
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 4);                           /* row 4's leaf */
    assert_int_equal(v->lpVtbl->FreeBookmark(v, bk), S_OK);
    test_FreeBuffer(saved);
    assert_int_equal(v->lpVtbl->GetCollapseState(v, 0, 4, k_b1, &cb, &saved), S_OK);
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb, saved, &bk), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 3);                           /* the (b,1) heading */

    /* notifications, as for other categories */
    tsink_init(&s);
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, k_a1, 0, 0, NULL, &more), S_OK);
    assert_int_equal(v->lpVtbl->Advise(v, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn), S_OK);
    assert_int_equal(put(t, 6, L"a", 2, 0), S_OK);      /* into (a,2): leaf, then its heading */
    settle(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].type, TABLE_ROW_ADDED);
    assert_int_equal(s.ev[0].id, 6);
    assert_memory_equal(s.ev[0].prior, leaf3, 4);
    assert_int_equal(s.ev[1].type, TABLE_ROW_MODIFIED);
    assert_memory_equal(s.ev[1].index, k_a2, 4);
    assert_int_equal(s.ev[1].count, 2);
    s.n = 0;
    assert_int_equal(put(t, 7, L"b", 3, 0), S_OK);      /* a new pair: heading, then leaf */
    settle(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].type, TABLE_ROW_ADDED);
    assert_int_equal(s.ev[0].row_type, TBL_EXPANDED_CATEGORY);
    assert_int_equal(s.ev[0].count, 1);
    assert_int_equal(s.ev[1].type, TABLE_ROW_ADDED);
    assert_int_equal(s.ev[1].id, 7);
    assert_memory_equal(s.ev[1].prior, s.ev[0].index, 4);
    s.n = 0;
    assert_int_equal(del(t, 4), S_OK);                  /* (b,1) empties: leaf, then heading */
    settle(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].type, TABLE_ROW_DELETED);
    assert_memory_equal(s.ev[0].index, leaf4, 4);
    assert_int_equal(s.ev[1].type, TABLE_ROW_DELETED);
    assert_memory_equal(s.ev[1].index, k_b1, 4);
    all_rows(v, ids);
    assert_string_equal(ids, "h,1,2,h,3,6,h,7,h,5");
    assert_int_equal(v->lpVtbl->Unadvise(v, conn), S_OK);
    assert_int_equal(del(t, 6), S_OK);
    assert_int_equal(del(t, 7), S_OK);
    assert_int_equal(put(t, 4, L"b", 1, 0), S_OK);

    /* cExpanded counts category columns: the combined level opens only with both */
    comb.cExpanded = 1;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&comb, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,h,h");
    assert_int_equal(long_at(v, 0, PR_ROW_TYPE), TBL_COLLAPSED_CATEGORY);

    /* a plain level, then a combined one: leaves at depth 2 */
    assert_int_equal(set_columns(v, ARRAYSIZE(flag_cols), flag_cols, 0), S_OK);
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&two, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,2,h,1,h,4,h,5,h,h,3");  /* 1: (a,0) (a,read) (b,0) (none,0); 2 */
    assert_int_equal(long_at(v, 1, PR_DEPTH), 1);
    assert_int_equal(long_at(v, 1, PR_MESSAGE_FLAGS), 0);
    assert_int_equal(long_at(v, 3, PR_MESSAGE_FLAGS), MSGFLAG_READ);
    assert_int_equal(long_at(v, 3, PR_IMPORTANCE), 1);     /* the parent's value too */
    assert_int_equal(long_at(v, 2, PR_DEPTH), 2);
    two.cExpanded = 2;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&two, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,h,h,h,h,h,h");

    /* a later key on the combined column gives its direction */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&desc, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,3,h,1,2,h,4,h,5");

    /* misuse: first entry, not a category column, after a CATEG_MAX entry; the order stays */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&bad, 0), MAPI_E_INVALID_PARAMETER);
    comb.cCategories = 1;
    comb.cExpanded = 1;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&comb, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&bad2, 0), MAPI_E_INVALID_PARAMETER);
    all_rows(v, ids);
    assert_string_equal(ids, "h,3,h,1,2,h,4,h,5");
    assert_int_equal(v->lpVtbl->QuerySortOrder(v, &back), S_OK);
    assert_int_equal(back->aSort[2].ulOrder, TABLE_SORT_DESCEND);
    test_FreeBuffer(back);
    /* a state taken under another sort order is not applied */
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, cb, saved, &bk), MAPI_E_UNABLE_TO_COMPLETE);
    test_FreeBuffer(saved);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* RES_SUBRESTRICTION through the owner's handler: it gets each row's index value, the
 * sub-object and the sub-restriction; headings never match; without a handler the table does
 * not support it (MAPI_E_TOO_COMPLEX, ssubrestriction.md). */
typedef struct sub_owner { LONG calls; ULONG bad; } sub_owner;

static BOOL owner_sub(void *ctx, const SPropValue *index, ULONG sub_object, const SRestriction *res)
{
    sub_owner *o = ctx;
    InterlockedIncrement(&o->calls);
    if (index->ulPropTag != PR_ROWID || res->rt != RES_EXIST)
        o->bad++;
    /* rows 2 and 3 have "attachments"; row 1 has "recipients" */
    return sub_object == PR_MESSAGE_ATTACHMENTS ? index->Value.l == 2 || index->Value.l == 3
                                                : index->Value.l == 1;
}

static void test_subrestriction_hook(void **state)
{
    mc_table *t = category_table();
    IMAPITable *v = view_of(t, ARRAYSIZE(base_cols), base_cols);
    SizedSSortOrderSet(2, cat) = { 2, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                              { PR_ROWID, TABLE_SORT_ASCEND } } };
    SRestriction inner = { RES_EXIST }, r = { RES_SUBRESTRICTION };
    sub_owner o = { 0 };
    ULONG row, num, den;
    char ids[200];

    inner.res.resExist.ulPropTag = PR_ATTACH_NUM;
    r.res.resSub.ulSubObject = PR_MESSAGE_ATTACHMENTS;
    r.res.resSub.lpRes = &inner;
    /* no handler: the table does not support sub-restrictions (ssubrestriction.md) */
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, 0), MAPI_E_TOO_COMPLEX);

    assert_int_equal(mc_table_set_subrestriction(NULL, owner_sub, &o), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_table_set_subrestriction(t, owner_sub, &o), S_OK);
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "2,3");
    assert_true(o.calls >= 4);
    r.res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1");
    /* a changed row is tested again */
    assert_int_equal(put(t, 1, L"b", 1, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1");
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);

    /* categorized: FindRow passes over the headings (no index value) */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,3,h,1,h,4");
    r.res.resSub.ulSubObject = PR_MESSAGE_ATTACHMENTS;
    o.calls = 0;
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 1);
    assert_int_equal(o.calls, 1);                       /* the heading did not ask */
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "h,2,3");
    assert_int_equal(o.bad, 0);

    /* the handler removed: not supported any more */
    assert_int_equal(mc_table_set_subrestriction(t, NULL, &o), S_OK);
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_mv_instance(void **state)
{
    static const WCHAR *w1[] = { L"red", L"blue" }, *w2[] = { L"green" }, *w1b[] = { L"blue", L"pink" };
    mc_table *t = new_table();
    SizedSPropTagArray(4, cols) = { 4, { PR_ROWID, MVI_PROP(PR_KEYWORDS_W), PR_INSTANCE_KEY, PR_INSTANCE_NUM } };
    SizedSPropTagArray(2, cols2) = { 2, { MVI_PROP(PR_KEYWORDS_W), MVI_PROP(PROP_TAG(PT_MV_LONG, 0x6801)) } };
    SizedSSortOrderSet(1, by_word) = { 1, 0, 0, { { MVI_PROP(PR_KEYWORDS_W), TABLE_SORT_ASCEND } } };
    SizedSSortOrderSet(2, cat) = { 2, 1, 1, { { MVI_PROP(PR_KEYWORDS_W), TABLE_SORT_ASCEND },
                                              { PR_ROWID, TABLE_SORT_ASCEND } } };
    SPropValue blue = { PR_KEYWORDS_W & ~MV_FLAG, 0, { .lpszW = L"BLUE" } };
    SRestriction r = { RES_PROPERTY };
    IMAPITable *v = NULL;
    SRowSet *rows = NULL;
    BYTE keys[4][4], k[4];
    ULONG i, j;
    char ids[200];

    assert_int_equal(put_mv(t, 1, 2, w1), S_OK);
    assert_int_equal(put_mv(t, 2, 1, w2), S_OK);
    assert_int_equal(put_mv(t, 3, 0, NULL), S_OK);          /* no keywords: one row */
    assert_int_equal(mc_table_open_view(t, NULL, NULL, &v), S_OK);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), S_OK);
    assert_int_equal(row_count(v), 4);
    assert_int_equal(v->lpVtbl->QueryRows(v, 10, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 4);
    /* the column comes back single-valued, one value per row */
    assert_int_equal(rows->aRow[0].lpProps[1].ulPropTag, PROP_TAG(PT_UNICODE, 0x6800));
    assert_string_equal(rows->aRow[0].lpProps[1].Value.lpszW, L"red");
    assert_string_equal(rows->aRow[1].lpProps[1].Value.lpszW, L"blue");
    assert_int_equal(rows->aRow[1].lpProps[0].Value.l, 1);
    assert_int_equal(rows->aRow[0].lpProps[3].Value.l, 0);
    assert_int_equal(rows->aRow[1].lpProps[3].Value.l, 1);   /* PR_INSTANCE_NUM */
    assert_int_equal(PROP_TYPE(rows->aRow[3].lpProps[1].ulPropTag), PT_ERROR);
    for (i = 0; i < 4; i++)
        memcpy(keys[i], rows->aRow[i].lpProps[2].Value.bin.lpb, 4);
    for (i = 0; i < 4; i++)
        for (j = i + 1; j < 4; j++)
            assert_memory_not_equal(keys[i], keys[j], 4);
    mc_free_rows(&test_alloc, rows);

    /* sorted on the values */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_word, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,2,1,3");                    /* blue, green, red, none */
    /* a modified row keeps the instance keys of the values it kept (a sort, like any
     * rebuild of an expanded view, gives instances new keys: mapicore.h) */
    for (i = 0; i < 4; i++)
        key_at(v, i, keys[i]);
    assert_int_equal(put_mv(t, 1, 2, w1b), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,2,1,3");                    /* blue, green, pink, none */
    key_at(v, 0, k);
    assert_memory_equal(k, keys[0], 4);                     /* "blue" kept its key */
    key_at(v, 2, k);
    for (i = 0; i < 4; i++)
        assert_memory_not_equal(k, keys[i], 4);             /* "pink" is new */

    /* restricted on the expanded column: only the instances with that value */
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = MVI_PROP(PR_KEYWORDS_W);
    r.res.resProperty.lpProp = &blue;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    assert_int_equal(row_count(v), 1);
    assert_int_equal(long_at(v, 0, PR_ROWID), 1);
    assert_int_equal(long_at(v, 0, PR_INSTANCE_NUM), 0);    /* "blue" is row 1's first value */
    blue.Value.lpszW = L"nothing";
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    assert_int_equal(row_count(v), 0);
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);

    /* categorized by keyword: a row sits under each of its keywords */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&cat, 0), S_OK);
    {
        static const ULONG c[] = { PR_ROWID, PR_ROW_TYPE, MVI_PROP(PR_KEYWORDS_W) };
        assert_int_equal(set_columns(v, 3, c, 0), S_OK);
    }
    all_rows(v, ids);
    assert_string_equal(ids, "h,1,h,2,h,1,h,3");            /* blue, green, pink, none */
    assert_int_equal(put_mv(t, 2, 2, w1), S_OK);            /* green -> red, blue */
    all_rows(v, ids);
    assert_string_equal(ids, "h,1,2,h,1,h,2,h,3");          /* blue, pink, red, none */

    /* a second MV_INSTANCE column is too complex; a sort conflicting with the columns too */
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols2, 0), MAPI_E_TOO_COMPLEX);
    by_word.aSort[0].ulPropTag = MVI_PROP(PROP_TAG(PT_MV_LONG, 0x6801));
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_word, 0), MAPI_E_TOO_COMPLEX);
    all_rows(v, ids);
    assert_string_equal(ids, "h,1,2,h,1,h,2,h,3");          /* unchanged */
    /* an MV column without MV_INSTANCE sorts as a tuple, one row per table row */
    by_word.aSort[0].ulPropTag = PR_KEYWORDS_W;
    assert_int_equal(set_columns(v, 1, base_cols, 0), S_OK);
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_word, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1,2,3");                      /* (blue, pink), (red, blue), none */

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* ---- bad input ---------------------------------------------------------------------------------- */

static void test_bad_restrictions(void **state)
{
    mc_table *t = category_table();
    IMAPITable *v = view_of(t, 3, base_cols);
    SRestriction r = { 0x55 }, kids[2], nest[MC_RES_MAX_DEPTH + 1];
    SPropValue one = { PR_IMPORTANCE, 0, { .l = 1 } };
    ULONG i;

    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);        /* unknown type */
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, 0), MAPI_E_TOO_COMPLEX);
    r.rt = RES_NOT;
    r.res.resNot.lpRes = NULL;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_INVALID_PARAMETER);  /* NULL child */
    r.rt = RES_AND;
    r.res.resAnd.cRes = 2;
    r.res.resAnd.lpRes = NULL;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_INVALID_PARAMETER);
    r.res.resAnd.lpRes = kids;
    kids[0].rt = RES_EXIST;
    kids[0].res.resExist.ulPropTag = PR_ROWID;
    kids[1].rt = RES_PROPERTY;
    kids[1].res.resProperty.relop = RELOP_EQ;
    kids[1].res.resProperty.ulPropTag = PR_IMPORTANCE;
    kids[1].res.resProperty.lpProp = NULL;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_INVALID_PARAMETER);  /* NULL value */
    kids[1].res.resProperty.lpProp = &one;
    kids[1].res.resProperty.relop = 42;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);        /* bad relop */
    kids[1].res.resProperty.relop = RELOP_RE;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);
    /* mismatched types: a content restriction on a number */
    kids[1].rt = RES_CONTENT;
    kids[1].res.resContent.ulFuzzyLevel = FL_SUBSTRING;
    kids[1].res.resContent.ulPropTag = PR_IMPORTANCE;
    kids[1].res.resContent.lpProp = &one;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);

    /* the documented depth: MC_RES_MAX_DEPTH levels work, one more does not */
    for (i = 0; i < MC_RES_MAX_DEPTH; i++)
    {
        nest[i].rt = RES_NOT;
        nest[i].res.resNot.lpRes = &nest[i + 1];
    }
    nest[MC_RES_MAX_DEPTH].rt = RES_EXIST;
    nest[MC_RES_MAX_DEPTH].res.resExist.ulPropTag = PR_SUBJECT_W;
    assert_int_equal(v->lpVtbl->Restrict(v, &nest[0], 0), MAPI_E_TOO_COMPLEX);  /* depth 65 */
    assert_int_equal(v->lpVtbl->Restrict(v, &nest[1], 0), S_OK);                 /* depth 64 */
    /* 63 NOTs around EXIST(subject): odd, so the rows without a subject */
    assert_int_equal(row_count(v), 1);
    assert_int_equal(long_at(v, 0, PR_ROWID), 4);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_bad_sorts_columns_bookmarks(void **state)
{
    mc_table *t = category_table();
    IMAPITable *v = view_of(t, 3, base_cols), *other = view_of(t, 3, base_cols);
    SizedSSortOrderSet(2, s) = { 1, 0, 0, { { PR_ROWID, TABLE_SORT_DESCEND } } };
    SizedSSortOrderSet(17, many);
    SizedSPropTagArray(2, cols) = { 2, { PR_ROWID, PR_SUBJECT_W } };
    static const ULONG bad_tags[] = { CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_ERROR),
        CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_UNSPECIFIED), CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_NULL),
        CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_OBJECT), PROP_TAG(PT_UNICODE | MV_INSTANCE, 0x6800),
        PROP_TAG(0x77, 0x6800) };
    SRowSet *rows = (SRowSet *)1;
    BOOKMARK bk, bk_other;
    char ids[200];
    ULONG i;

    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&s, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "4,3,2,1");
    for (i = 0; i < ARRAYSIZE(bad_tags); i++)
    {
        s.aSort[0].ulPropTag = bad_tags[i];
        assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&s, 0), MAPI_E_TOO_COMPLEX);
    }
    s.aSort[0].ulPropTag = PR_ROWID;
    s.aSort[0].ulOrder = 0x40;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&s, 0), MAPI_E_INVALID_PARAMETER);
    s.aSort[0].ulOrder = TABLE_SORT_CATEG_MAX;                  /* nothing before it */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&s, 0), MAPI_E_TOO_COMPLEX);
    s.aSort[0].ulOrder = TABLE_SORT_ASCEND;
    s.cCategories = 2;                                          /* more categories than sorts */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&s, 0), MAPI_E_INVALID_PARAMETER);
    s.cCategories = 1;
    s.cExpanded = 2;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&s, 0), MAPI_E_INVALID_PARAMETER);
    many.cSorts = many.cCategories = 17;
    many.cExpanded = 0;
    for (i = 0; i < 17; i++)
    {
        many.aSort[i].ulPropTag = PROP_TAG(PT_LONG, 0x6000 + i);
        many.aSort[i].ulOrder = TABLE_SORT_ASCEND;
    }
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&many, 0), MAPI_E_TOO_COMPLEX);
    all_rows(v, ids);
    assert_string_equal(ids, "4,3,2,1");                        /* the order stayed */

    /* column sets: PT_ERROR and MV_INSTANCE without MV are bad arguments */
    cols.aulPropTag[1] = CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_ERROR);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), MAPI_E_INVALID_PARAMETER);
    cols.aulPropTag[1] = PROP_TAG(PT_UNICODE | MV_INSTANCE, 0x6800);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), MAPI_E_INVALID_PARAMETER);
    cols.aulPropTag[1] = PROP_TAG(0x77, 0x6800);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), MAPI_E_INVALID_PARAMETER);
    cols.aulPropTag[1] = PR_NULL;
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), S_OK);

    /* bookmarks: freed, another view's, made up */
    assert_int_equal(v->lpVtbl->CreateBookmark(v, &bk), S_OK);
    assert_int_equal(other->lpVtbl->SeekRow(other, BOOKMARK_BEGINNING, 3, NULL), S_OK);
    assert_int_equal(other->lpVtbl->CreateBookmark(other, &bk_other), S_OK);
    assert_int_equal(other->lpVtbl->CreateBookmark(other, &bk_other), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk_other, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->FindRow(v, &(SRestriction){ RES_EXIST }, bk_other, 0), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->FreeBookmark(v, bk_other), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->FreeBookmark(v, bk), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->SeekRow(v, 0xdeadbeef, 0, NULL), MAPI_E_INVALID_BOOKMARK);

    /* QueryRows(0) */
    assert_int_equal(v->lpVtbl->QueryRows(v, 0, 0, &rows), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->QueryRows(v, 0, TBL_NOADVANCE, &rows), MAPI_E_INVALID_PARAMETER);

    other->lpVtbl->Release(other);
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* ---- the default order ---------------------------------------------------------------------------- */

static void test_default_sort(void **state)
{
    mc_table *t = category_table();
    SizedSSortOrderSet(1, desc) = { 1, 0, 0, { { PR_ROWID, TABLE_SORT_DESCEND } } };
    SizedSSortOrderSet(1, bad) = { 1, 1, 0, { { PR_ROWID, TABLE_SORT_DESCEND } } };
    SSortOrderSet *back = NULL;
    SPropValue two = { PR_ROWID, 0, { .l = 2 } };
    SRestriction r = { RES_PROPERTY };
    IMAPITable *v, *w;
    char ids[200];

    assert_int_equal(mc_table_set_default_sort(t, (SSortOrderSet *)&bad), MAPI_E_INVALID_PARAMETER);
    bad.cCategories = 0;
    bad.aSort[0].ulPropTag = MVI_PROP(PR_KEYWORDS_W);
    assert_int_equal(mc_table_set_default_sort(t, (SSortOrderSet *)&bad), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_table_set_default_sort(NULL, (SSortOrderSet *)&desc), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_table_set_default_sort(t, (SSortOrderSet *)&desc), S_OK);
    assert_int_equal(mc_live_objects, 0);         /* the index is no COM object */
    v = view_of(t, 3, base_cols);
    all_rows(v, ids);
    assert_string_equal(ids, "4,3,2,1");
    assert_int_equal(v->lpVtbl->QuerySortOrder(v, &back), S_OK);
    assert_int_equal(back->cSorts, 1);
    assert_int_equal(back->aSort[0].ulOrder, TABLE_SORT_DESCEND);
    test_FreeBuffer(back);
    /* the index follows changes; so do views taking their order from it */
    assert_int_equal(put(t, 9, L"n", 0, 0), S_OK);
    assert_int_equal(del(t, 3), S_OK);
    w = view_of(t, 3, base_cols);
    all_rows(w, ids);
    assert_string_equal(ids, "9,4,2,1");
    all_rows(v, ids);
    assert_string_equal(ids, "9,4,2,1");
    /* a restricted view in that order */
    r.res.resProperty.relop = RELOP_GT;
    r.res.resProperty.ulPropTag = PR_ROWID;
    r.res.resProperty.lpProp = &two;
    assert_int_equal(w->lpVtbl->Restrict(w, &r, 0), S_OK);
    all_rows(w, ids);
    assert_string_equal(ids, "9,4");
    w->lpVtbl->Release(w);
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* ---- the truth table of every restriction ------------------------------------------------------- */

/* One row per case: the value present and matching, present and not, missing, and PT_ERROR. */
static mc_table *truth_table(void)
{
    mc_table *t = new_table();
    SPropValue v[4];
    LONG id;

    for (id = 1; id <= 4; id++)
    {
        ULONG n = 0;
        v[n].ulPropTag = PR_ROWID;
        v[n++].Value.l = id;
        if (id == 1 || id == 2)
        {
            v[n].ulPropTag = PR_SUBJECT_W;
            v[n++].Value.lpszW = id == 1 ? L"Hello world" : L"bye";
            v[n].ulPropTag = PR_IMPORTANCE;
            v[n++].Value.l = id == 1 ? 5 : 1;
            v[n].ulPropTag = PR_PRIORITY;
            v[n++].Value.l = id == 1 ? 5 : 2;
        }
        else if (id == 4)
        {
            v[n].ulPropTag = CHANGE_PROP_TYPE(PR_SUBJECT_W, PT_ERROR);
            v[n++].Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
            v[n].ulPropTag = CHANGE_PROP_TYPE(PR_IMPORTANCE, PT_ERROR);
            v[n++].Value.err = MAPI_E_NOT_FOUND;
            v[n].ulPropTag = CHANGE_PROP_TYPE(PR_PRIORITY, PT_ERROR);
            v[n++].Value.err = MAPI_E_NOT_FOUND;
        }
        assert_int_equal(mc_table_modify_row(t, n, v), S_OK);
    }
    return t;
}

static void test_truth_table(void **state)
{
    mc_table *t = truth_table();
    IMAPITable *v = view_of(t, 1, base_cols);
    SPropValue five = { PR_IMPORTANCE, 0, { .l = 5 } }, hello = { PR_SUBJECT_W, 0, { .lpszW = L"WORLD" } };
    SPropValue prefix = { PR_SUBJECT_A, 0, { .lpszA = "hello" } };
    SRestriction r, inner, negated, pair[2];
    struct { const char *what; const char *plain; const char *negated; } expect[] = {
        /* rows: 1 matching value, 2 other value, 3 missing, 4 PT_ERROR */
        { "PROPERTY EQ",     "1",   "2,3,4" },
        { "PROPERTY NE",     "2",   "1,3,4" },
        { "PROPERTY LT",     "2",   "1,3,4" },
        { "PROPERTY GE",     "1",   "2,3,4" },
        { "CONTENT substr",  "1",   "2,3,4" },
        { "CONTENT prefix",  "1",   "2,3,4" },
        { "CONTENT full",    "",    "1,2,3,4" },
        { "COMPAREPROPS EQ", "1",   "2,3,4" },
        { "COMPAREPROPS LT", "2",   "1,3,4" },
        { "BITMASK NEZ",     "1,2", "3,4" },
        { "BITMASK EQZ",     "",    "1,2,3,4" },
        { "SIZE EQ 4",       "1,2", "3,4" },
        { "EXIST",           "1,2", "3,4" },
        { "SUBRESTRICTION",  "",    "1,2,3,4" },
        { "COMMENT empty",   "1,2,3,4", "" },
        { "COMMENT + EXIST", "1,2", "3,4" },
        { "AND",             "1",   "2,3,4" },
        { "OR",              "1,2", "3,4" },
    };
    ULONG i;
    char ids[200];

    for (i = 0; i < ARRAYSIZE(expect); i++)
    {
        memset(&r, 0, sizeof(r));
        memset(&inner, 0, sizeof(inner));
        switch (i)
        {
        case 0: case 1: case 2: case 3:
            r.rt = RES_PROPERTY;
            r.res.resProperty.relop = i == 0 ? RELOP_EQ : i == 1 ? RELOP_NE : i == 2 ? RELOP_LT : RELOP_GE;
            r.res.resProperty.ulPropTag = PR_IMPORTANCE;
            r.res.resProperty.lpProp = &five;
            break;
        case 4: case 5: case 6:
            r.rt = RES_CONTENT;
            r.res.resContent.ulFuzzyLevel = (i == 4 ? FL_SUBSTRING : i == 5 ? FL_PREFIX : FL_FULLSTRING) | FL_IGNORECASE;
            r.res.resContent.ulPropTag = PR_SUBJECT_W;
            r.res.resContent.lpProp = i == 4 ? &hello : &prefix;
            if (i == 5)
                r.res.resContent.ulPropTag = PR_SUBJECT_A;   /* the other width */
            break;
        case 7: case 8:
            r.rt = RES_COMPAREPROPS;
            r.res.resCompareProps.relop = i == 7 ? RELOP_EQ : RELOP_LT;
            r.res.resCompareProps.ulPropTag1 = PR_IMPORTANCE;
            r.res.resCompareProps.ulPropTag2 = PR_PRIORITY;
            break;
        case 9: case 10:
            r.rt = RES_BITMASK;
            r.res.resBitMask.relBMR = i == 9 ? BMR_NEZ : BMR_EQZ;
            r.res.resBitMask.ulPropTag = PR_PRIORITY;
            r.res.resBitMask.ulMask = 0x7;
            break;
        case 11:
            r.rt = RES_SIZE;
            r.res.resSize.relop = RELOP_EQ;
            r.res.resSize.ulPropTag = PR_IMPORTANCE;
            r.res.resSize.cb = 4;
            break;
        case 12:
            r.rt = RES_EXIST;
            r.res.resExist.ulPropTag = PR_SUBJECT_W;
            break;
        case 13:
            r.rt = RES_SUBRESTRICTION;
            r.res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS;
            inner.rt = RES_EXIST;
            inner.res.resExist.ulPropTag = PR_ROWID;
            r.res.resSub.lpRes = &inner;
            break;
        case 14: case 15:
            r.rt = RES_COMMENT;
            if (i == 15)
            {
                inner.rt = RES_EXIST;
                inner.res.resExist.ulPropTag = PR_IMPORTANCE;
                r.res.resComment.lpRes = &inner;
            }
            break;
        case 16: case 17:
            r.rt = i == 16 ? RES_AND : RES_OR;
            r.res.resAnd.cRes = 2;
            r.res.resAnd.lpRes = pair;
            pair[0].rt = RES_EXIST;
            pair[0].res.resExist.ulPropTag = PR_SUBJECT_W;
            pair[1].rt = RES_PROPERTY;
            pair[1].res.resProperty.relop = RELOP_EQ;
            pair[1].res.resProperty.ulPropTag = PR_IMPORTANCE;
            pair[1].res.resProperty.lpProp = &five;
            if (i == 17)
                pair[1].res.resProperty.relop = RELOP_NE;
            break;
        }
        if (r.rt == RES_SUBRESTRICTION)
        {
            /* a table without sub-objects refuses it, also under RES_NOT (ssubrestriction.md) */
            assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);
            negated = r;
            memset(&r, 0, sizeof(r));
            r.rt = RES_NOT;
            r.res.resNot.lpRes = &negated;
            assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), MAPI_E_TOO_COMPLEX);
            continue;
        }
        if (v->lpVtbl->Restrict(v, &r, 0) != S_OK)
            fail_msg("%s: Restrict failed", expect[i].what);
        all_rows(v, ids);
        if (strcmp(ids, expect[i].plain))
            fail_msg("%s: rows %s, expected %s", expect[i].what, ids, expect[i].plain);
        negated = r;
        memset(&r, 0, sizeof(r));
        r.rt = RES_NOT;
        r.res.resNot.lpRes = &negated;
        assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
        all_rows(v, ids);
        if (strcmp(ids, expect[i].negated))
            fail_msg("NOT %s: rows %s, expected %s", expect[i].what, ids, expect[i].negated);
    }
    /* the ASCII fast path and the general one agree (non-ASCII takes the general one) */
    hello.Value.lpszW = L"W\x00d6RLD";
    assert_int_equal(put(t, 5, L"hello w\x00f6rld", 0, 0), S_OK);
    r.rt = RES_CONTENT;
    r.res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
    r.res.resContent.ulPropTag = PR_SUBJECT_W;
    r.res.resContent.lpProp = &hello;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "5");
    r.res.resContent.ulFuzzyLevel = FL_SUBSTRING;             /* case matters now */
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "");
    hello.Value.lpszW = L"world";
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    all_rows(v, ids);
    assert_string_equal(ids, "1");

    v->lpVtbl->Release(v);
    mc_table_release(t);
}


/* ---- random changes: a client applying the notifications stays in step --------------------- */

/* A client's copy of a view, kept only from TABLE_NOTIFICATIONs (table_notification.md):
 * ADDED/MODIFIED put the row after propPrior (first when PR_NULL), DELETED removes it,
 * TABLE_CHANGED/TABLE_RELOAD mean "read it all again". Runs on the engine's thread. */
typedef struct replay
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    BYTE keys[1024][4];
    ULONG n;
    BOOL reread;
    ULONG errors;
    ULONG events, rereads;  /* how much the test exercised */
} replay;

static inline replay *impl_from_replay(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, replay, IMAPIAdviseSink_iface);
}

static ULONG WINAPI replay_AddRef(IMAPIAdviseSink *iface) { return InterlockedIncrement(&impl_from_replay(iface)->ref); }
static ULONG WINAPI replay_Release(IMAPIAdviseSink *iface) { return InterlockedDecrement(&impl_from_replay(iface)->ref); }

static LONG replay_find(const replay *r, const BYTE *key)
{
    ULONG i;
    for (i = 0; i < r->n; i++)
        if (!memcmp(r->keys[i], key, 4))
            return i;
    return -1;
}

static void replay_remove(replay *r, LONG at)
{
    memmove(r->keys[at], r->keys[at + 1], (r->n - at - 1) * 4);
    r->n--;
}

static ULONG WINAPI replay_OnNotify(IMAPIAdviseSink *iface, ULONG count, LPNOTIFICATION n)
{
    replay *r = impl_from_replay(iface);
    ULONG i;

    for (i = 0; i < count; i++)
    {
        const TABLE_NOTIFICATION *tab = &n[i].info.tab;
        LONG at, after;
        r->events++;
        switch (tab->ulTableEvent)
        {
        case TABLE_CHANGED:
        case TABLE_RELOAD:
            r->reread = TRUE;
            r->rereads++;
            break;
        case TABLE_ROW_DELETED:
            if ((at = replay_find(r, tab->propIndex.Value.bin.lpb)) < 0)
                r->errors++;
            else
                replay_remove(r, at);
            break;
        case TABLE_ROW_ADDED:
        case TABLE_ROW_MODIFIED:
            if ((at = replay_find(r, tab->propIndex.Value.bin.lpb)) >= 0)
                replay_remove(r, at);
            else if (tab->ulTableEvent == TABLE_ROW_MODIFIED)
                r->errors++;    /* modified a row the client never saw */
            if (tab->propPrior.ulPropTag == PR_NULL)
                after = -1;
            else if ((after = replay_find(r, tab->propPrior.Value.bin.lpb)) < 0)
            {
                r->errors++;
                break;
            }
            if (r->n == ARRAYSIZE(r->keys))
            {
                r->errors++;
                break;
            }
            memmove(r->keys[after + 2], r->keys[after + 1], (r->n - after - 1) * 4);
            memcpy(r->keys[after + 1], tab->propIndex.Value.bin.lpb, 4);
            r->n++;
            break;
        default:
            r->errors++;
        }
    }
    return 0;
}

static HRESULT WINAPI replay_QueryInterface(IMAPIAdviseSink *iface, REFIID riid, void **obj) { *obj = NULL; return E_NOINTERFACE; }
static const IMAPIAdviseSinkVtbl replay_vtbl = { replay_QueryInterface, replay_AddRef, replay_Release, replay_OnNotify };

/* The view's instance keys, in order. */
static ULONG read_keys(IMAPITable *v, BYTE (*keys)[4], ULONG max)
{
    SRowSet *rows = NULL;
    ULONG i, n;

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, max, 0, &rows), S_OK);
    n = rows->cRows;
    for (i = 0; i < n; i++)
    {
        const SPropValue *k = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_INSTANCE_KEY);
        assert_non_null(k);
        memcpy(keys[i], k->Value.bin.lpb, 4);
    }
    mc_free_rows(&test_alloc, rows);
    return n;
}

static HRESULT put_random(mc_table *t, LONG id, ULONG *seed)
{
    static const WCHAR *subjects[] = { L"alpha", L"beta", L"gamma", NULL };
    static const WCHAR *words[] = { L"x", L"y", L"z" };
    const WCHAR *kw[3];
    SPropValue v[5];
    ULONG n = 0, i, nk = 0, r;

    *seed = *seed * 1103515245 + 12345;
    r = *seed >> 8;
    v[n].ulPropTag = PR_ROWID;          v[n++].Value.l = id;
    if (subjects[r % 4])
    {
        v[n].ulPropTag = PR_SUBJECT_W;  v[n++].Value.lpszW = (WCHAR *)subjects[r % 4];
    }
    v[n].ulPropTag = PR_IMPORTANCE;     v[n++].Value.l = (r >> 3) % 4;
    v[n].ulPropTag = PR_MESSAGE_FLAGS;  v[n++].Value.l = (r >> 5) & 1 ? MSGFLAG_READ : 0;
    for (i = 0; i < 3; i++)
        if ((r >> (7 + i)) & 1)
            kw[nk++] = words[i];
    if (nk)
    {
        v[n].ulPropTag = PR_KEYWORDS_W;
        v[n].Value.MVszW.cValues = nk;
        v[n++].Value.MVszW.lppszW = (WCHAR **)kw;
    }
    return mc_table_modify_row(t, n, v);
}

#define NVIEWS 5     /* the last one: categories of TABLE_SORT_COMBINE */

static void test_random_changes_stay_in_step(void **state)
{
    static const ULONG cols[] = { PR_ROWID, PR_INSTANCE_KEY, PR_ROW_TYPE, MVI_PROP(PR_KEYWORDS_W) };
    SizedSSortOrderSet(3, by_subject) = { 2, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                                     { PR_IMPORTANCE, TABLE_SORT_DESCEND } } };
    SizedSSortOrderSet(3, conv) = { 3, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_DESCEND },
                                               { PR_IMPORTANCE, TABLE_SORT_CATEG_MAX },
                                               { PR_IMPORTANCE, TABLE_SORT_DESCEND } } };
    SizedSSortOrderSet(2, by_word) = { 2, 1, 1, { { MVI_PROP(PR_KEYWORDS_W), TABLE_SORT_ASCEND },
                                                  { PR_ROWID, TABLE_SORT_ASCEND } } };
    SizedSSortOrderSet(1, plain) = { 1, 0, 0, { { PR_IMPORTANCE, TABLE_SORT_ASCEND } } };
    SizedSSortOrderSet(3, combined) = { 3, 2, 2, { { PR_SUBJECT_W, TABLE_SORT_DESCEND },
                                                   { PR_IMPORTANCE, TABLE_SORT_COMBINE },
                                                   { PR_ROWID, TABLE_SORT_ASCEND } } };
    SSortOrderSet *sorts[NVIEWS] = { (SSortOrderSet *)&by_subject, (SSortOrderSet *)&conv,
                                     (SSortOrderSet *)&by_word, (SSortOrderSet *)&plain,
                                     (SSortOrderSet *)&combined };
    SPropValue one = { PR_IMPORTANCE, 0, { .l = 1 } };
    SRestriction r = { RES_PROPERTY };
    static BYTE keys[1024][4], fresh_keys[1024][4];
    mc_table *t = new_table();
    IMAPITable *v[NVIEWS];
    replay *rp[NVIEWS];
    ULONG conn[NVIEWS], seed = 4711, op, i, n;
    char ids[4096], fresh_ids[4096];

    r.res.resProperty.relop = RELOP_GE;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE;
    r.res.resProperty.lpProp = &one;
    for (i = 0; i < NVIEWS; i++)
    {
        v[i] = view_of(t, ARRAYSIZE(cols) - (i == 2 ? 0 : 1), cols);
        assert_int_equal(v[i]->lpVtbl->SortTable(v[i], sorts[i], 0), S_OK);
        if (i == 3)
            assert_int_equal(v[i]->lpVtbl->Restrict(v[i], &r, 0), S_OK);
        rp[i] = calloc(1, sizeof(replay));
        rp[i]->IMAPIAdviseSink_iface.lpVtbl = (IMAPIAdviseSinkVtbl *)&replay_vtbl;
        rp[i]->ref = 1;
        assert_int_equal(v[i]->lpVtbl->Advise(v[i], fnevTableModified, &rp[i]->IMAPIAdviseSink_iface, &conn[i]), S_OK);
    }
    for (op = 0; op < 400; op++)
    {
        LONG id = (LONG)((seed >> 4) % 25) + 1;
        seed = seed * 1103515245 + 12345;
        if ((seed >> 12) % 5 == 0)
            del(t, id);             /* may be absent: MAPI_E_NOT_FOUND, nothing happens */
        else
            assert_int_equal(put_random(t, id, &seed), S_OK);
        settle(t);
        for (i = 0; i < NVIEWS; i++)
        {
            IMAPITable *f;
            n = read_keys(v[i], keys, 1024);
            if (rp[i]->reread)
            {
                memcpy(rp[i]->keys, keys, n * 4);
                rp[i]->n = n;
                rp[i]->reread = FALSE;
            }
            if (rp[i]->errors || rp[i]->n != n || memcmp(rp[i]->keys, keys, n * 4))
                fail_msg("view %lu out of step after change %lu (%lu errors, %lu rows, client %lu)",
                         (unsigned long)i, (unsigned long)op, (unsigned long)rp[i]->errors,
                         (unsigned long)n, (unsigned long)rp[i]->n);
            /* and the same rows as a view built from scratch */
            f = view_of(t, ARRAYSIZE(cols) - (i == 2 ? 0 : 1), cols);
            assert_int_equal(f->lpVtbl->SortTable(f, sorts[i], 0), S_OK);
            if (i == 3)
                assert_int_equal(f->lpVtbl->Restrict(f, &r, 0), S_OK);
            all_rows(f, fresh_ids);
            all_rows(v[i], ids);
            if (strcmp(ids, fresh_ids))
                fail_msg("view %lu after change %lu: %s, built afresh: %s", (unsigned long)i,
                         (unsigned long)op, ids, fresh_ids);
            if (i != 2)     /* expanded rows get new keys in a new view */
            {
                assert_int_equal(read_keys(f, fresh_keys, 1024), n);
            }
            f->lpVtbl->Release(f);
        }
    }
    /* every view saw plenty; categories moved in the CATEG_MAX one; rows multiplied in the
     * expanded one */
    for (i = 0; i < NVIEWS; i++)
        assert_true(rp[i]->events > 200);
    assert_true(rp[1]->rereads > 0);
    assert_true(rp[2]->n > mc_table_row_count(t));
    for (i = 0; i < NVIEWS; i++)
    {
        assert_int_equal(v[i]->lpVtbl->Unadvise(v[i], conn[i]), S_OK);
        assert_int_equal(rp[i]->ref, 1);
        free(rp[i]);
        v[i]->lpVtbl->Release(v[i]);
    }
    mc_table_release(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sort_stability_and_missing),
        T(test_categories),
        T(test_expand_collapse),
        T(test_collapse_state),
        T(test_category_notifications),
        T(test_categ_max),
        T(test_combine),
        T(test_subrestriction_hook),
        T(test_mv_instance),
        T(test_bad_restrictions),
        T(test_bad_sorts_columns_bookmarks),
        T(test_default_sort),
        T(test_truth_table),
        T(test_random_changes_stay_in_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
