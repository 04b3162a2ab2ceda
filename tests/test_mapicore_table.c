/*
 * test_mapicore_table.c - mapicore's in-memory table and its IMAPITable views: columns,
 * QueryRows, positioning, bookmarks, sorting, restrictions, FindRow and table notifications
 * (imapitable-*.md, itabledata-*.md, table_notification.md).
 */
#include "test_mapicore_alloc.h"
#include <stdio.h>
#include <mapiguid.h>

/* Rows: id (PR_ROWID, the index), subject, importance. */
typedef struct sample { LONG id; const WCHAR *subject; LONG importance; } sample;
static const sample samples[] = {
    { 1, L"delta", 1 }, { 2, L"Alpha", 2 }, { 3, L"charlie", 0 }, { 4, L"bravo", 2 }, { 5, L"echo", 1 },
};

static HRESULT put_row(mc_table *t, LONG id, const WCHAR *subject, LONG importance)
{
    SPropValue v[3];
    v[0].ulPropTag = PR_ROWID;       v[0].Value.l = id;
    v[1].ulPropTag = PR_SUBJECT_W;   v[1].Value.lpszW = (WCHAR *)subject;
    v[2].ulPropTag = PR_IMPORTANCE;  v[2].Value.l = importance;
    return mc_table_modify_row(t, 3, v);
}

static HRESULT del_row(mc_table *t, LONG id)
{
    SPropValue v = { PR_ROWID, 0, { .l = id } };
    return mc_table_delete_row(t, &v);
}

static mc_table *sample_table(void)
{
    SizedSPropTagArray(3, cols) = { 3, { PR_ROWID, PR_SUBJECT_W, PR_IMPORTANCE } };
    mc_table *t = NULL;
    ULONG i;

    assert_int_equal(mc_table_new(&test_alloc, PR_ROWID, (SPropTagArray *)&cols, &t), S_OK);
    for (i = 0; i < ARRAYSIZE(samples); i++)
        assert_int_equal(put_row(t, samples[i].id, samples[i].subject, samples[i].importance), S_OK);
    return t;
}

static IMAPITable *open_view(mc_table *t)
{
    IMAPITable *v = NULL;
    assert_int_equal(mc_table_open_view(t, NULL, NULL, &v), S_OK);
    assert_non_null(v);
    return v;
}

/* QueryRows and the ROWIDs it returned, as a string like "1,2,3" (empty for none). */
static HRESULT query_ids(IMAPITable *v, LONG count, ULONG flags, char *ids)
{
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;

    ids[0] = 0;
    hr = v->lpVtbl->QueryRows(v, count, flags, &rows);
    if (FAILED(hr))
        return hr;
    assert_true(test_is_root(rows));
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *id = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_ROWID);
        assert_true(test_is_root(rows->aRow[i].lpProps));   /* each row its own block */
        assert_non_null(id);
        sprintf(ids + strlen(ids), "%s%ld", i ? "," : "", (long)id->Value.l);
    }
    mc_free_rows(&test_alloc, rows);
    return hr;
}

static ULONG position(IMAPITable *v)
{
    ULONG row = 99, num = 99, den = 0;
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_not_equal(den, 0);
    return row;
}

static void test_view_basics(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    ULONG status = 9, type = 9, count = 0;
    IUnknown *unk = NULL;
    SPropTagArray *cols = NULL;

    assert_int_equal(mc_live_objects, 1);
    assert_int_equal(mc_table_row_count(t), 5);
    assert_int_equal(v->lpVtbl->GetStatus(v, &status, &type), S_OK);
    assert_int_equal(status, TBLSTAT_COMPLETE);
    assert_int_equal(type, TBLTYPE_DYNAMIC);
    assert_int_equal(v->lpVtbl->GetRowCount(v, 0, &count), S_OK);
    assert_int_equal(count, 5);
    assert_int_equal(v->lpVtbl->GetRowCount(v, 1, &count), MAPI_E_UNKNOWN_FLAGS);

    assert_int_equal(v->lpVtbl->QueryInterface(v, &IID_IMAPITable, (void **)&unk), S_OK);
    assert_ptr_equal(unk, v);
    unk->lpVtbl->Release(unk);
    assert_int_equal(v->lpVtbl->QueryInterface(v, &IID_IUnknown, (void **)&unk), S_OK);
    unk->lpVtbl->Release(unk);
    assert_int_equal(v->lpVtbl->QueryInterface(v, &IID_IMAPIProp, (void **)&unk), MAPI_E_INTERFACE_NOT_SUPPORTED);
    assert_null(unk);

    /* Default columns, then all columns: the defaults plus PR_INSTANCE_KEY. */
    assert_int_equal(v->lpVtbl->QueryColumns(v, 0, &cols), S_OK);
    assert_true(test_is_root(cols));
    assert_int_equal(cols->cValues, 3);
    assert_int_equal(cols->aulPropTag[1], PR_SUBJECT_W);
    test_FreeBuffer(cols);
    assert_int_equal(v->lpVtbl->QueryColumns(v, TBL_ALL_COLUMNS, &cols), S_OK);
    assert_int_equal(cols->cValues, 4);
    assert_true(mc_tags_contain(cols, PR_INSTANCE_KEY));
    test_FreeBuffer(cols);
    assert_int_equal(v->lpVtbl->QueryColumns(v, 2, &cols), MAPI_E_UNKNOWN_FLAGS);

    assert_int_equal(v->lpVtbl->Release(v), 0);
    assert_int_equal(mc_live_objects, 0);
    mc_table_release(t);
}

static void test_columns(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    SizedSPropTagArray(6, cols) = { 6, { PR_SUBJECT_A, PR_NULL, PR_BODY_W, PR_INSTANCE_KEY,
        CHANGE_PROP_TYPE(PR_IMPORTANCE, PT_UNSPECIFIED), PR_ROWID } };
    SPropTagArray *back = NULL;
    SRowSet *rows = NULL;
    BYTE keys[5][4];
    ULONG i, j;

    assert_int_equal(v->lpVtbl->SetColumns(v, NULL, 0), MAPI_E_INVALID_PARAMETER);
    cols.cValues = 0;
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), MAPI_E_INVALID_PARAMETER);
    cols.cValues = 6;
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0x10), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, TBL_BATCH), S_OK);
    assert_int_equal(v->lpVtbl->QueryColumns(v, 0, &back), S_OK);
    assert_memory_equal(back, &cols, CbSPropTagArray(back));
    test_FreeBuffer(back);

    assert_int_equal(v->lpVtbl->QueryRows(v, 10, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 5);
    for (i = 0; i < 5; i++)
    {
        SPropValue *p = rows->aRow[i].lpProps;
        assert_int_equal(rows->aRow[i].cValues, 6);
        assert_int_equal(p[0].ulPropTag, PR_SUBJECT_A);          /* converted to 8-bit */
        assert_int_equal(p[1].ulPropTag, PR_NULL);               /* reserved slot */
        assert_int_equal(p[2].ulPropTag, CHANGE_PROP_TYPE(PR_BODY_W, PT_ERROR));
        assert_int_equal(p[2].Value.err, MAPI_E_NOT_FOUND);
        assert_int_equal(p[3].ulPropTag, PR_INSTANCE_KEY);
        assert_int_equal(p[3].Value.bin.cb, 4);
        memcpy(keys[i], p[3].Value.bin.lpb, 4);
        assert_int_equal(p[4].ulPropTag, PR_IMPORTANCE);          /* real type filled in */
        assert_int_equal(p[4].Value.l, samples[i].importance);
        assert_int_equal(p[5].Value.l, samples[i].id);
    }
    assert_string_equal(rows->aRow[1].lpProps[0].Value.lpszA, "Alpha");
    for (i = 0; i < 5; i++)
        for (j = i + 1; j < 5; j++)
            assert_memory_not_equal(keys[i], keys[j], 4);
    mc_free_rows(&test_alloc, rows);

    /* A replaced row keeps its instance key; a new row never reuses a deleted one's. */
    assert_int_equal(put_row(t, 2, L"Alpha 2", 2), S_OK);
    assert_int_equal(del_row(t, 5), S_OK);
    assert_int_equal(del_row(t, 5), MAPI_E_NOT_FOUND);
    assert_int_equal(put_row(t, 6, L"foxtrot", 0), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 10, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 5);
    assert_memory_equal(rows->aRow[1].lpProps[3].Value.bin.lpb, keys[1], 4);
    assert_string_equal(rows->aRow[1].lpProps[0].Value.lpszA, "Alpha 2");
    assert_int_equal(rows->aRow[4].lpProps[5].Value.l, 6);
    for (i = 0; i < 5; i++)
        assert_memory_not_equal(rows->aRow[4].lpProps[3].Value.bin.lpb, keys[i], 4);
    mc_free_rows(&test_alloc, rows);

    /* The index column is required. */
    {
        SPropValue nokey = { PR_SUBJECT_W, 0, { .lpszW = L"x" } };
        assert_int_equal(mc_table_modify_row(t, 1, &nokey), MAPI_E_INVALID_PARAMETER);
    }
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_queryrows_cursor(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    SRowSet *rows = (SRowSet *)1;
    char ids[64];

    assert_int_equal(query_ids(v, 2, 0, ids), S_OK);
    assert_string_equal(ids, "1,2");
    assert_int_equal(position(v), 2);
    assert_int_equal(query_ids(v, 2, TBL_NOADVANCE, ids), S_OK);
    assert_string_equal(ids, "3,4");
    assert_int_equal(position(v), 2);
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "3,4,5");
    assert_int_equal(position(v), 5);
    assert_int_equal(query_ids(v, 3, 0, ids), S_OK);         /* at the end: no rows, S_OK */
    assert_string_equal(ids, "");
    /* Negative: back |n| rows, read forward to where the cursor was, cursor on the first. */
    assert_int_equal(query_ids(v, -2, 0, ids), S_OK);
    assert_string_equal(ids, "4,5");
    assert_int_equal(position(v), 3);
    assert_int_equal(query_ids(v, -10, 0, ids), S_OK);
    assert_string_equal(ids, "1,2,3");
    assert_int_equal(position(v), 0);
    assert_int_equal(query_ids(v, -1, 0, ids), S_OK);
    assert_string_equal(ids, "");

    assert_int_equal(v->lpVtbl->QueryRows(v, 0, 0, &rows), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0x8, &rows), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0, NULL), MAPI_E_INVALID_PARAMETER);

    /* Out of memory half-way: an error and nothing leaked, cursor unchanged. */
    test_fail_after = 3;
    assert_int_equal(v->lpVtbl->QueryRows(v, 5, 0, &rows), MAPI_E_NOT_ENOUGH_MEMORY);
    test_fail_after = ~0u;
    assert_int_equal(test_live_blocks, 0);
    assert_int_equal(position(v), 0);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_seek(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    ULONG row, num, den;
    LONG sought = 0;
    char ids[64];

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 3, &sought), S_OK);
    assert_int_equal(sought, 3);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_CURRENT, -5, &sought), S_OK);
    assert_int_equal(sought, -3);                            /* clamped at the start */
    assert_int_equal(position(v), 0);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_END, -2, &sought), S_OK);
    assert_int_equal(sought, -2);
    assert_int_equal(query_ids(v, 1, TBL_NOADVANCE, ids), S_OK);
    assert_string_equal(ids, "4");
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_CURRENT, 10, &sought), S_OK);
    assert_int_equal(sought, 2);                             /* clamped at the end */
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_END, 1, NULL), S_OK);
    assert_int_equal(position(v), 5);

    assert_int_equal(v->lpVtbl->SeekRowApprox(v, 1, 2), S_OK);
    assert_int_equal(position(v), 2);
    assert_int_equal(v->lpVtbl->SeekRowApprox(v, 0, 7), S_OK);
    assert_int_equal(position(v), 0);
    assert_int_equal(v->lpVtbl->SeekRowApprox(v, 3, 3), S_OK);
    assert_int_equal(position(v), 5);
    assert_int_equal(v->lpVtbl->SeekRowApprox(v, 1, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(row, 5);
    assert_int_equal(num, 5);
    assert_int_equal(den, 5);
    assert_int_equal(v->lpVtbl->QueryPosition(v, NULL, &num, &den), MAPI_E_INVALID_PARAMETER);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_bookmarks(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    BOOKMARK bk = 0, bk_end = 0, bk2 = 0;
    LONG sought;
    char ids[64];

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 2, NULL), S_OK);
    assert_int_equal(v->lpVtbl->CreateBookmark(v, &bk), S_OK);
    assert_true(bk > BOOKMARK_END);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_END, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->CreateBookmark(v, &bk_end), S_OK);
    assert_int_not_equal(bk, bk_end);

    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, &sought), S_OK);
    assert_int_equal(query_ids(v, 1, 0, ids), S_OK);
    assert_string_equal(ids, "3");
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, -1, &sought), S_OK);
    assert_int_equal(sought, -1);
    assert_int_equal(position(v), 1);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk_end, 0, NULL), S_OK);
    assert_int_equal(position(v), 5);

    /* The bookmarked row moves when rows before it go: the bookmark follows it. */
    assert_int_equal(del_row(t, 1), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);
    assert_int_equal(query_ids(v, 1, TBL_NOADVANCE, ids), S_OK);
    assert_string_equal(ids, "3");
    assert_int_equal(position(v), 1);

    /* Its row deleted: the next row, once with MAPI_W_POSITION_CHANGED. */
    assert_int_equal(del_row(t, 3), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), MAPI_W_POSITION_CHANGED);
    assert_int_equal(query_ids(v, 1, TBL_NOADVANCE, ids), S_OK);
    assert_string_equal(ids, "4");
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), S_OK);
    assert_int_equal(query_ids(v, 1, TBL_NOADVANCE, ids), S_OK);
    assert_string_equal(ids, "4");
    /* FindRow from a moved bookmark reports it too. */
    assert_int_equal(del_row(t, 4), S_OK);
    {
        SRestriction r = { RES_EXIST };
        r.res.resExist.ulPropTag = PR_ROWID;
        assert_int_equal(v->lpVtbl->FindRow(v, &r, bk, 0), MAPI_W_POSITION_CHANGED);
        assert_int_equal(query_ids(v, 1, TBL_NOADVANCE, ids), S_OK);
        assert_string_equal(ids, "5");
    }

    assert_int_equal(v->lpVtbl->SeekRow(v, 12345, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->FreeBookmark(v, bk), S_OK);
    assert_int_equal(v->lpVtbl->FreeBookmark(v, bk), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->FreeBookmark(v, BOOKMARK_CURRENT), S_OK);
    assert_int_equal(v->lpVtbl->CreateBookmark(v, NULL), MAPI_E_INVALID_PARAMETER);

    /* Restrict and SortTable discard bookmarks. */
    assert_int_equal(v->lpVtbl->CreateBookmark(v, &bk2), S_OK);
    assert_int_not_equal(bk2, bk);                           /* never reused */
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk2, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(v->lpVtbl->SeekRow(v, bk_end, 0, NULL), MAPI_E_INVALID_BOOKMARK);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_sort(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    SizedSSortOrderSet(2, sort) = { 2, 0, 0, { { PR_IMPORTANCE, TABLE_SORT_DESCEND },
                                               { PR_SUBJECT_W, TABLE_SORT_ASCEND } } };
    /* TABLE_SORT_COMBINE on a column that is not a category column (ssortorder.md) */
    SizedSSortOrderSet(2, combine) = { 2, 1, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                                  { PR_IMPORTANCE, TABLE_SORT_COMBINE } } };
    SSortOrderSet *back = NULL;
    char ids[64];

    assert_int_equal(v->lpVtbl->QuerySortOrder(v, &back), S_OK);
    assert_int_equal(back->cSorts, 0);
    test_FreeBuffer(back);

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 3, NULL), S_OK);
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&sort, 0), S_OK);
    assert_int_equal(position(v), 0);                        /* cursor to the start */
    /* importance 2: Alpha(2), bravo(4); 1: delta(1), echo(5); 0: charlie(3) */
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "2,4,1,5,3");
    assert_int_equal(v->lpVtbl->QuerySortOrder(v, &back), S_OK);
    assert_true(test_is_root(back));
    assert_int_equal(back->cSorts, 2);
    assert_int_equal(back->aSort[0].ulOrder, TABLE_SORT_DESCEND);
    assert_int_equal(back->aSort[1].ulPropTag, PR_SUBJECT_W);
    test_FreeBuffer(back);

    /* New and changed rows go to their sorted place. */
    assert_int_equal(put_row(t, 7, L"aardvark", 1), S_OK);
    assert_int_equal(put_row(t, 3, L"charlie", 3), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "3,2,4,7,1,5");

    /* A misplaced TABLE_SORT_COMBINE and bad orders are bad arguments; the order stays. */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&combine, 0), MAPI_E_INVALID_PARAMETER);
    sort.aSort[1].ulOrder = 7;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&sort, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->SortTable(v, NULL, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "3,2,4,7,1,5");

    /* Descending on a string; then no sort at all: insertion order again. */
    sort.cSorts = 1;
    sort.aSort[0].ulPropTag = PR_SUBJECT_A;
    sort.aSort[0].ulOrder = TABLE_SORT_DESCEND;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&sort, 0), S_OK);
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "5,1,3,4,2,7");
    sort.cSorts = 0;
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&sort, 0), S_OK);
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "1,2,3,4,5,7");

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_restrict(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    SPropValue two = { PR_IMPORTANCE, 0, { .l = 2 } };
    SRestriction r = { RES_PROPERTY }, bad = { 0x55 };
    ULONG count;
    char ids[64];

    r.res.resProperty.relop = RELOP_GE;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE;
    r.res.resProperty.lpProp = &two;
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 3, NULL), S_OK);
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    two.Value.l = 0;        /* the view keeps its own copy of the restriction */
    assert_int_equal(position(v), 0);
    assert_int_equal(v->lpVtbl->GetRowCount(v, 0, &count), S_OK);
    assert_int_equal(count, 2);
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "2,4");

    /* Rows follow the restriction as they change. */
    assert_int_equal(put_row(t, 8, L"golf", 2), S_OK);
    assert_int_equal(put_row(t, 9, L"hotel", 1), S_OK);
    assert_int_equal(put_row(t, 2, L"Alpha", 0), S_OK);
    assert_int_equal(put_row(t, 1, L"delta", 5), S_OK);
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(query_ids(v, 10, 0, ids), S_OK);
    assert_string_equal(ids, "1,4,8");

    assert_int_equal(v->lpVtbl->Restrict(v, &bad, 0), MAPI_E_TOO_COMPLEX);
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0x10), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(v->lpVtbl->Restrict(v, NULL, 0), S_OK);
    assert_int_equal(v->lpVtbl->GetRowCount(v, 0, &count), S_OK);
    assert_int_equal(count, 7);

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_findrow(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    SPropValue one = { PR_IMPORTANCE, 0, { .l = 1 } }, key;
    SRestriction r = { RES_PROPERTY };
    SRowSet *rows = NULL;
    BOOKMARK bk;
    char ids[64];

    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE;
    r.res.resProperty.lpProp = &one;

    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(position(v), 0);                        /* the cursor is on the row found */
    assert_int_equal(query_ids(v, 1, 0, ids), S_OK);
    assert_string_equal(ids, "1");
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_CURRENT, 0), S_OK);
    assert_int_equal(query_ids(v, 1, TBL_NOADVANCE, ids), S_OK);
    assert_string_equal(ids, "5");
    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_END, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_CURRENT, 0), MAPI_E_NOT_FOUND);
    assert_int_equal(position(v), 5);                        /* not moved */

    /* Backward: from the row before the origin. */
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_END, DIR_BACKWARD), S_OK);
    assert_int_equal(position(v), 4);
    assert_int_equal(v->lpVtbl->CreateBookmark(v, &bk), S_OK);
    assert_int_equal(v->lpVtbl->FindRow(v, &r, bk, DIR_BACKWARD), S_OK);
    assert_int_equal(position(v), 0);
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, DIR_BACKWARD), MAPI_E_NOT_FOUND);
    assert_int_equal(v->lpVtbl->FindRow(v, &r, bk, DIR_BACKWARD | 0x100), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(v->lpVtbl->FindRow(v, NULL, bk, 0), MAPI_E_INVALID_PARAMETER);

    /* By PR_INSTANCE_KEY, as every table must support; the default columns lack it, ask. */
    r.res.resProperty.ulPropTag = PR_INSTANCE_KEY;
    r.res.resProperty.lpProp = &key;
    {
        SizedSPropTagArray(2, cols) = { 2, { PR_ROWID, PR_INSTANCE_KEY } };
        assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), S_OK);
        assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 3, NULL), S_OK);
        assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0, &rows), S_OK);
        key = rows->aRow[0].lpProps[1];
        assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, 0), S_OK);
        mc_free_rows(&test_alloc, rows);
        assert_int_equal(query_ids(v, 1, 0, ids), S_OK);
        assert_string_equal(ids, "4");
    }

    v->lpVtbl->Release(v);
    mc_table_release(t);
}

/* ---- a tiny advise sink that records what it is told ---------------------------------------- */

typedef struct event
{
    ULONG event_type;
    ULONG type;
    BYTE index[4];
    ULONG prior_tag;
    BYTE prior[4];
    ULONG row_values;
    LONG row_id;
    ULONG row_count_seen;   /* GetRowCount called from inside OnNotify */
} event;

typedef struct test_sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    IMAPITable *table;      /* called back from OnNotify: must not deadlock */
    DWORD thread;           /* where OnNotify ran */
    ULONG n;
    event events[32];
} test_sink;

static inline test_sink *impl_from_IMAPIAdviseSink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, test_sink, IMAPIAdviseSink_iface);
}

static HRESULT WINAPI sink_QueryInterface(IMAPIAdviseSink *iface, REFIID riid, void **obj)
{
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI sink_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&impl_from_IMAPIAdviseSink(iface)->ref);
}

static ULONG WINAPI sink_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&impl_from_IMAPIAdviseSink(iface)->ref);
}

static ULONG WINAPI sink_OnNotify(IMAPIAdviseSink *iface, ULONG count, LPNOTIFICATION notif)
{
    test_sink *s = impl_from_IMAPIAdviseSink(iface);
    ULONG i;

    /* Delivered on the engine's thread, after the change returned: record, never assert here
     * (a failed assertion must happen on the test's thread). */
    s->thread = GetCurrentThreadId();
    for (i = 0; i < count && s->n < ARRAYSIZE(s->events); i++)
    {
        const TABLE_NOTIFICATION *tab = &notif[i].info.tab;
        event *e = &s->events[s->n++];
        const SPropValue *id;

        memset(e, 0, sizeof(*e));
        e->event_type = notif[i].ulEventType;
        e->type = tab->ulTableEvent;
        if (tab->propIndex.ulPropTag == PR_INSTANCE_KEY && tab->propIndex.Value.bin.cb == 4)
            memcpy(e->index, tab->propIndex.Value.bin.lpb, 4);
        e->prior_tag = tab->propPrior.ulPropTag;
        if (e->prior_tag == PR_INSTANCE_KEY && tab->propPrior.Value.bin.cb == 4)
            memcpy(e->prior, tab->propPrior.Value.bin.lpb, 4);
        e->row_values = tab->row.cValues;
        id = mc_props_find(tab->row.cValues, tab->row.lpProps, PR_ROWID);
        e->row_id = id ? id->Value.l : -1;
        if (s->table)
            s->table->lpVtbl->GetRowCount(s->table, 0, &e->row_count_seen);
    }
    return 0;
}

static const IMAPIAdviseSinkVtbl sink_vtbl = { sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify };

/* Instance key of the row with this id, read through the view. */
static void key_of(IMAPITable *v, LONG id, BYTE key[4])
{
    SizedSPropTagArray(2, cols) = { 2, { PR_ROWID, PR_INSTANCE_KEY } };
    SRestriction r = { RES_PROPERTY };
    SPropValue val = { PR_ROWID, 0, { .l = id } };
    SRowSet *rows = NULL;

    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_ROWID;
    r.res.resProperty.lpProp = &val;
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), S_OK);
    assert_int_equal(v->lpVtbl->FindRow(v, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 1);
    memcpy(key, rows->aRow[0].lpProps[1].Value.bin.lpb, 4);
    mc_free_rows(&test_alloc, rows);
}

static void test_notifications(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t), *keys = open_view(t);
    test_sink s = { { (IMAPIAdviseSinkVtbl *)&sink_vtbl }, 1 };
    SizedSPropTagArray(2, cols) = { 2, { PR_SUBJECT_W, PR_ROWID } };
    SizedSSortOrderSet(1, sort) = { 1, 0, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND } } };
    SPropValue zero = { PR_IMPORTANCE, 0, { .l = 0 } };
    SRestriction r = { RES_PROPERTY };
    BYTE k1[4], k2[4], k3[4], k4[4], k9[4];
    ULONG conn = 0, conn2 = 0;
    mc_notify_engine *engine = NULL;
    mc_notifier notifier;

    /* Notifications go through a notifier; here mapicore's own engine, which tests can wait
     * on. They arrive on its thread after the change returned. */
    assert_int_equal(mc_notify_engine_create(&engine), S_OK);
    mc_notify_engine_notifier(engine, &notifier);
    assert_int_equal(mc_table_set_notifier(t, &notifier), S_OK);
    s.table = v;
    key_of(keys, 1, k1);
    key_of(keys, 2, k2);
    key_of(keys, 3, k3);
    key_of(keys, 4, k4);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), S_OK);
    assert_int_equal(v->lpVtbl->Advise(v, fnevNewMail, &s.IMAPIAdviseSink_iface, &conn), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->Advise(v, fnevTableModified, NULL, &conn), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->Advise(v, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn), S_OK);
    assert_int_not_equal(conn, 0);
    assert_int_equal(s.ref, 2);                      /* held until Unadvise */

    /* Modify row 3: its key, the preceding row's key, the row in the view's columns. */
    assert_int_equal(put_row(t, 3, L"charlie!", 0), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.events[0].type, TABLE_ROW_MODIFIED);
    assert_memory_equal(s.events[0].index, k3, 4);
    assert_int_equal(s.events[0].prior_tag, PR_INSTANCE_KEY);
    assert_memory_equal(s.events[0].prior, k2, 4);
    assert_int_equal(s.events[0].row_values, 2);
    assert_int_equal(s.events[0].row_id, 3);
    assert_int_equal(s.events[0].row_count_seen, 5);   /* called back without a deadlock */
    assert_int_equal(s.events[0].event_type, fnevTableModified);
    assert_int_not_equal(s.thread, GetCurrentThreadId());      /* asynchronous */

    /* Modify the first row: propPrior is PR_NULL. */
    assert_int_equal(put_row(t, 1, L"delta", 4), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.events[1].prior_tag, PR_NULL);
    assert_memory_equal(s.events[1].index, k1, 4);

    /* Add: after the last row (row 5). Delete: no row, no prior. */
    assert_int_equal(put_row(t, 9, L"india", 1), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.events[2].type, TABLE_ROW_ADDED);
    assert_int_equal(s.events[2].row_id, 9);
    assert_int_equal(s.events[2].row_count_seen, 6);
    memcpy(k9, s.events[2].index, 4);
    assert_memory_not_equal(k9, k1, 4);
    assert_int_equal(s.events[2].prior_tag, PR_INSTANCE_KEY);
    assert_int_equal(del_row(t, 4), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.events[3].type, TABLE_ROW_DELETED);
    assert_memory_equal(s.events[3].index, k4, 4);
    assert_int_equal(s.events[3].prior_tag, PR_NULL);
    assert_int_equal(s.events[3].row_values, 0);

    /* Sorted: a row that sorts first has no prior; a move gets the prior of its new place. */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&sort, 0), S_OK);
    assert_int_equal(put_row(t, 10, L"aaa", 1), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);
    assert_int_equal(s.events[4].type, TABLE_ROW_ADDED);
    assert_int_equal(s.events[4].prior_tag, PR_NULL);
    assert_int_equal(put_row(t, 2, L"zulu", 2), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);      /* Alpha moves after india */
    assert_int_equal(s.events[5].type, TABLE_ROW_MODIFIED);
    assert_memory_equal(s.events[5].prior, k9, 4);

    /* Restricted out: rows hidden by the restriction raise nothing; leaving it is a delete. */
    r.res.resProperty.relop = RELOP_NE;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE;
    r.res.resProperty.lpProp = &zero;
    assert_int_equal(v->lpVtbl->Restrict(v, &r, 0), S_OK);
    assert_int_equal(put_row(t, 3, L"charlie?", 0), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);  /* importance 0: hidden */
    assert_int_equal(s.n, 6);
    assert_int_equal(put_row(t, 9, L"india", 0), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);     /* leaves the view */
    assert_int_equal(s.n, 7);
    assert_int_equal(s.events[6].type, TABLE_ROW_DELETED);
    assert_memory_equal(s.events[6].index, k9, 4);
    assert_int_equal(del_row(t, 3), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);                  /* hidden: nothing */
    assert_int_equal(s.n, 7);

    /* Two sinks; delete-all is TABLE_RELOAD for both. */
    assert_int_equal(v->lpVtbl->Advise(v, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn2), S_OK);
    assert_int_not_equal(conn, conn2);
    assert_int_equal(mc_table_delete_all(t), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);
    assert_int_equal(s.n, 9);
    assert_int_equal(s.events[7].type, TABLE_RELOAD);
    assert_int_equal(s.events[8].type, TABLE_RELOAD);
    assert_int_equal(mc_table_row_count(t), 0);

    /* Unadvise stops delivery and releases the sink. */
    assert_int_equal(v->lpVtbl->Unadvise(v, conn), S_OK);
    assert_int_equal(v->lpVtbl->Unadvise(v, conn), MAPI_E_NOT_FOUND);
    assert_int_equal(put_row(t, 11, L"juliet", 1), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(engine, 5000), S_OK);
    assert_int_equal(s.n, 10);                              /* only conn2 */
    assert_int_equal(s.ref, 2);
    /* Releasing the view releases the remaining sink. */
    v->lpVtbl->Release(v);
    assert_int_equal(s.ref, 1);
    keys->lpVtbl->Release(keys);
    mc_table_release(t);
    mc_notify_engine_destroy(engine);
}

static int released_calls;
static void on_release(void *ctx)
{
    assert_ptr_equal(ctx, &released_calls);
    released_calls++;
}

static void test_two_views_and_lifetime(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *a = open_view(t), *b = NULL;
    SizedSSortOrderSet(1, sort) = { 1, 0, 0, { { PR_ROWID, TABLE_SORT_DESCEND } } };
    char ids[64];

    released_calls = 0;
    assert_int_equal(mc_table_open_view(t, on_release, &released_calls, &b), S_OK);
    assert_int_equal(mc_live_objects, 2);
    assert_int_equal(b->lpVtbl->SortTable(b, (SSortOrderSet *)&sort, 0), S_OK);
    assert_int_equal(query_ids(a, 2, 0, ids), S_OK);
    assert_string_equal(ids, "1,2");
    assert_int_equal(query_ids(b, 2, 0, ids), S_OK);
    assert_string_equal(ids, "5,4");

    /* The views keep the table alive. */
    mc_table_release(t);
    assert_int_equal(put_row(t, 6, L"six", 0), S_OK);  /* still valid through the views' refs */
    assert_int_equal(query_ids(a, 10, 0, ids), S_OK);
    assert_string_equal(ids, "3,4,5,6");
    assert_int_equal(query_ids(b, 10, 0, ids), S_OK);
    assert_string_equal(ids, "3,2,1");                 /* 6 sorted before the cursor */

    b->lpVtbl->AddRef(b);
    assert_int_equal(b->lpVtbl->Release(b), 1);
    assert_int_equal(released_calls, 0);
    assert_int_equal(b->lpVtbl->Release(b), 0);
    assert_int_equal(released_calls, 1);
    assert_int_equal(mc_live_objects, 1);
    a->lpVtbl->Release(a);
    assert_int_equal(mc_live_objects, 0);
}

static void test_unsupported_and_misc(void **state)
{
    mc_table *t = sample_table();
    IMAPITable *v = open_view(t);
    /* TABLE_SORT_COMBINE on a column that is not a category column (ssortorder.md) */
    SizedSSortOrderSet(2, combine) = { 2, 1, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND },
                                                  { PR_IMPORTANCE, TABLE_SORT_COMBINE } } };
    MAPIERROR *err = NULL;
    SRowSet *rows = NULL;
    ULONG status = 7, more, n;
    BYTE *state_bytes = NULL;
    BOOKMARK bk;

    assert_int_equal(v->lpVtbl->Abort(v), S_OK);
    assert_int_equal(v->lpVtbl->WaitForCompletion(v, 0, 1000, &status), S_OK);
    assert_int_equal(status, TBLSTAT_COMPLETE);
    /* Not categorized: no heading has that key; no collapse state to keep. */
    assert_int_equal(v->lpVtbl->ExpandRow(v, 4, (BYTE *)"abcd", 1, 0, &rows, &more), MAPI_E_NOT_FOUND);
    assert_int_equal(v->lpVtbl->CollapseRow(v, 4, (BYTE *)"abcd", 0, &n), MAPI_E_NOT_FOUND);
    assert_int_equal(v->lpVtbl->GetCollapseState(v, 0, 4, (BYTE *)"abcd", &n, &state_bytes), MAPI_E_NO_SUPPORT);
    assert_int_equal(v->lpVtbl->SetCollapseState(v, 0, 4, (BYTE *)"abcd", &bk), MAPI_E_NO_SUPPORT);

    /* GetLastError explains the last failure, in either width. */
    assert_int_equal(v->lpVtbl->SortTable(v, (SSortOrderSet *)&combine, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(v->lpVtbl->GetLastError(v, MAPI_E_INVALID_PARAMETER, MAPI_UNICODE, &err), S_OK);
    assert_true(test_is_root(err));
    assert_non_null(wcsstr((WCHAR *)err->lpszError, L"COMBINE"));
    test_FreeBuffer(err);
    assert_int_equal(v->lpVtbl->GetLastError(v, MAPI_E_INVALID_PARAMETER, 0, &err), S_OK);
    assert_non_null(strstr((char *)err->lpszError, "COMBINE"));
    test_FreeBuffer(err);
    assert_int_equal(v->lpVtbl->GetLastError(v, MAPI_E_TOO_COMPLEX, 0, NULL), MAPI_E_INVALID_PARAMETER);

    /* A table with no default columns shows every column rows have. */
    {
        mc_table *bare = NULL;
        IMAPITable *bv;
        SPropValue row[2] = { { PR_ENTRYID }, { PR_DISPLAY_NAME_W } };
        SPropTagArray *cols = NULL;

        row[0].Value.bin.cb = 2; row[0].Value.bin.lpb = (BYTE *)"\x01\x02";
        row[1].Value.lpszW = L"name";
        assert_int_equal(mc_table_new(&test_alloc, PR_ENTRYID, NULL, &bare), S_OK);
        assert_int_equal(mc_table_modify_row(bare, 2, row), S_OK);
        bv = open_view(bare);
        assert_int_equal(bv->lpVtbl->QueryColumns(bv, 0, &cols), S_OK);
        assert_int_equal(cols->cValues, 3);
        assert_int_equal(cols->aulPropTag[0], PR_ENTRYID);
        assert_int_equal(cols->aulPropTag[2], PR_INSTANCE_KEY);
        test_FreeBuffer(cols);
        assert_int_equal(bv->lpVtbl->QueryRows(bv, 5, 0, &rows), S_OK);
        assert_int_equal(rows->cRows, 1);
        assert_int_equal(rows->aRow[0].cValues, 3);
        mc_free_rows(&test_alloc, rows);
        bv->lpVtbl->Release(bv);
        mc_table_release(bare);
    }
    {
        mc_table *bad = (mc_table *)1;
        /* The index column needs a real, single-valued type. */
        assert_int_equal(mc_table_new(&test_alloc, PROP_TAG(PT_UNSPECIFIED, 0x6000), NULL, &bad),
                         MAPI_E_INVALID_PARAMETER);
        assert_null(bad);
        assert_int_equal(mc_table_new(&test_alloc, PROP_TAG(PT_MV_LONG, 0x6000), NULL, &bad),
                         MAPI_E_INVALID_PARAMETER);
        assert_int_equal(mc_table_new(NULL, PR_ROWID, NULL, &bad), MAPI_E_INVALID_PARAMETER);
    }
    v->lpVtbl->Release(v);
    mc_table_release(t);
}

static void test_threads(void **state);

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_view_basics),
        T(test_columns),
        T(test_queryrows_cursor),
        T(test_seek),
        T(test_bookmarks),
        T(test_sort),
        T(test_restrict),
        T(test_findrow),
        T(test_notifications),
        T(test_two_views_and_lifetime),
        T(test_unsupported_and_misc),
        T(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Writers and readers on several threads: the table stays consistent. */
typedef struct thread_ctx { mc_table *t; LONG base; } thread_ctx;

static DWORD WINAPI writer(void *arg)
{
    thread_ctx *c = arg;
    LONG i;
    for (i = 0; i < 200; i++)
    {
        if (put_row(c->t, c->base + i, L"w", i % 3) != S_OK)
            return 1;
        if (i % 2 && del_row(c->t, c->base + i - 1) != S_OK)
            return 2;
    }
    return 0;
}

static DWORD WINAPI reader(void *arg)
{
    thread_ctx *c = arg;
    IMAPITable *v = NULL;
    SRowSet *rows;
    int i;

    if (mc_table_open_view(c->t, NULL, NULL, &v) != S_OK)
        return 1;
    for (i = 0; i < 100; i++)
    {
        v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL);
        if (v->lpVtbl->QueryRows(v, 50, 0, &rows) != S_OK)
            return 2;
        mc_free_rows(&test_alloc, rows);
    }
    v->lpVtbl->Release(v);
    return 0;
}

static void test_threads(void **state)
{
    mc_table *t = NULL;
    thread_ctx c[3];
    HANDLE h[3];
    DWORD code;
    int i;

    assert_int_equal(mc_table_new(&test_alloc, PR_ROWID, NULL, &t), S_OK);
    for (i = 0; i < 3; i++)
    {
        c[i].t = t;
        c[i].base = i * 1000;
        h[i] = CreateThread(NULL, 0, i == 2 ? reader : writer, &c[i], 0, NULL);
    }
    WaitForMultipleObjects(3, h, TRUE, INFINITE);
    for (i = 0; i < 3; i++)
    {
        assert_true(GetExitCodeThread(h[i], &code));
        assert_int_equal(code, 0);
        CloseHandle(h[i]);
    }
    assert_int_equal(mc_table_row_count(t), 200);   /* 100 left by each writer */
    mc_table_release(t);
}
