/*
 * test_mapicore_tablesrc.c - table views over a row source (mapicore.h, "row sources";
 * tablesrc.c): a fake source keeps rows in an array and answers the default order
 * (PR_MESSAGE_DELIVERY_TIME descending, missing last, ties by id) the way a store's database
 * does. Every check compares a view reading through the source with a view over the same rows
 * held in memory (mc_table_materialize): paging both ways, row counts, SeekRow,
 * SeekRowApprox, QueryPosition, bookmarks, FindRow, the fall-back to memory for other sorts,
 * and the notifications of adds, edits and deletes with their prior rows.
 */
#include "test_mapicore_alloc.h"
#include <stdio.h>

/* ---- the fake source --------------------------------------------------------------------- */

typedef struct frow
{
    ULONGLONG id;
    BOOL has_time;
    LONGLONG time;
    WCHAR subject[32];
    BOOL gone;
} frow;

typedef struct fake
{
    frow rows[600];
    ULONG n;
    LONG fetches;
    BOOL refuse_subject;        /* fill_columns: MAPI_E_TOO_COMPLEX when asked for the subject */
    LONG lean_passes, whole_fills;
} fake;

static int key_cmp(const mc_srckey *a, const mc_srckey *b)
{
    if (a->has_v != b->has_v)
        return a->has_v ? -1 : 1;           /* missing last */
    if (a->has_v && a->v != b->v)
        return a->v > b->v ? -1 : 1;        /* newest first */
    return a->id < b->id ? -1 : a->id > b->id ? 1 : 0;
}

static mc_srckey key_of_row(const frow *r)
{
    mc_srckey k;
    k.id = r->id;
    k.has_v = r->has_time;
    k.v = r->time;
    return k;
}

static int row_cmp(const void *x, const void *y)
{
    mc_srckey a = key_of_row(*(frow *const *)x), b = key_of_row(*(frow *const *)y);
    return key_cmp(&a, &b);
}

/* The rows in order (caller frees). */
static frow **ordered(fake *f, ULONG *n)
{
    frow **l = calloc(f->n + 1, sizeof(*l));
    ULONG i;

    *n = 0;
    for (i = 0; i < f->n; i++)
        if (!f->rows[i].gone)
            l[(*n)++] = &f->rows[i];
    qsort(l, *n, sizeof(*l), row_cmp);
    return l;
}

static HRESULT row_props(const frow *r, SPropValue **out, ULONG *n)
{
    SPropValue v[4];
    BYTE key[8];
    ULONG i, k = 0;

    for (i = 0; i < 8; i++)
        key[i] = (BYTE)(r->id >> (8 * i));
    v[k].ulPropTag = PR_INSTANCE_KEY;
    v[k].Value.bin.cb = 8;
    v[k++].Value.bin.lpb = key;
    v[k].ulPropTag = PR_ROWID;
    v[k++].Value.l = (LONG)r->id;
    v[k].ulPropTag = PR_SUBJECT_W;
    v[k++].Value.lpszW = (WCHAR *)r->subject;
    if (r->has_time)
    {
        v[k].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
        v[k].Value.ft.dwLowDateTime = (DWORD)r->time;
        v[k++].Value.ft.dwHighDateTime = (DWORD)(r->time >> 32);
    }
    *n = k;
    return mc_props_dup(mc_heap_alloc(), k, v, out);
}

static frow *find_row(fake *f, ULONGLONG id)
{
    ULONG i;
    for (i = 0; i < f->n; i++)
        if (f->rows[i].id == id && !f->rows[i].gone)
            return &f->rows[i];
    return NULL;
}

static HRESULT fake_open_query(void *ctx, const SSortOrderSet *sort, const SRestriction *res, void **query)
{
    if (res || sort->cCategories || sort->cSorts != 1 || sort->aSort[0].ulPropTag != PR_MESSAGE_DELIVERY_TIME
        || sort->aSort[0].ulOrder != TABLE_SORT_DESCEND)
        return MAPI_E_TOO_COMPLEX;
    *query = ctx;
    return S_OK;
}

static void fake_close_query(void *ctx, void *query)
{
}

static HRESULT fake_count(void *ctx, void *query, ULONG *n)
{
    free(ordered(ctx, n));
    return S_OK;
}

static HRESULT fake_fetch(void *ctx, void *query, const mc_srckey *from, BOOL inclusive, BOOL backward,
                          ULONG skip, ULONG n, BOOL with_props, mc_srcrow *rows, ULONG *got)
{
    fake *f = ctx;
    ULONG len, i;
    frow **l = ordered(f, &len);
    LONG at;

    f->fetches++;
    *got = 0;
    if (!backward)
    {
        for (i = 0; from && i < len; i++)
        {
            mc_srckey k = key_of_row(l[i]);
            int c = key_cmp(&k, from);
            if (c > 0 || (c == 0 && inclusive))
                break;
        }
        for (i += skip; i < len && *got < n; i++, (*got)++)
        {
            rows[*got].key = key_of_row(l[i]);
            if (with_props)
                row_props(l[i], &rows[*got].props, &rows[*got].n);
        }
    }
    else
    {
        for (at = (LONG)len - 1; from && at >= 0; at--)
        {
            mc_srckey k = key_of_row(l[at]);
            int c = key_cmp(&k, from);
            if (c < 0 || (c == 0 && inclusive))
                break;
        }
        for (at -= (LONG)skip; at >= 0 && *got < n; at--, (*got)++)
        {
            rows[*got].key = key_of_row(l[at]);
            if (with_props)
                row_props(l[at], &rows[*got].props, &rows[*got].n);
        }
    }
    free(l);
    return S_OK;
}

static HRESULT fake_ordinal(void *ctx, void *query, const mc_srckey *key, ULONG *ord)
{
    ULONG len, i;
    frow **l = ordered(ctx, &len);

    for (*ord = 0, i = 0; i < len; i++)
    {
        mc_srckey k = key_of_row(l[i]);
        if (key_cmp(&k, key) < 0)
            (*ord)++;
    }
    free(l);
    return S_OK;
}

static HRESULT fake_locate(void *ctx, void *query, ULONGLONG id, mc_srckey *key, BOOL *present)
{
    frow *r = find_row(ctx, id);

    *present = r != NULL;
    memset(key, 0, sizeof(*key));
    key->id = id;
    if (r)
        *key = key_of_row(r);
    return S_OK;
}

static HRESULT fake_get_row(void *ctx, ULONGLONG id, mc_srcrow *row)
{
    frow *r = find_row(ctx, id);

    if (!r)
        return MAPI_E_NOT_FOUND;
    row->key = key_of_row(r);
    return row_props(r, &row->props, &row->n);
}

static HRESULT fake_fill(void *ctx, mc_table *t)
{
    fake *f = ctx;
    ULONG i, n;
    HRESULT hr = S_OK;

    f->whole_fills++;
    for (i = 0; i < f->n && hr == S_OK; i++)
    {
        SPropValue *p;
        if (f->rows[i].gone)
            continue;
        if ((hr = row_props(&f->rows[i], &p, &n)) == S_OK)
        {
            hr = mc_table_modify_row(t, n, p);
            mc_heap_alloc()->free_buffer(p);
        }
    }
    return hr;
}

/* Each row's values of `tags` (by ID), as get_row has them. */
static HRESULT fake_fill_columns(void *ctx, const SPropTagArray *tags, mc_row_values_fn fn, void *fn_ctx)
{
    fake *f = ctx;
    ULONG i, j, k, n;
    HRESULT hr = S_OK;

    for (j = 0; j < tags->cValues; j++)
        if (f->refuse_subject && PROP_ID(tags->aulPropTag[j]) == PROP_ID(PR_SUBJECT_W))
            return MAPI_E_TOO_COMPLEX;
    f->lean_passes++;
    for (i = 0; i < f->n && hr == S_OK; i++)
    {
        SPropValue *p, some[4];
        if (f->rows[i].gone || (hr = row_props(&f->rows[i], &p, &n)) != S_OK)
            continue;
        for (j = k = 0; j < n; j++)
        {
            ULONG m;
            for (m = 0; m < tags->cValues; m++)
                if (PROP_ID(tags->aulPropTag[m]) == PROP_ID(p[j].ulPropTag))
                {
                    some[k++] = p[j];
                    break;
                }
        }
        hr = fn(fn_ctx, f->rows[i].id, k, some);
        mc_heap_alloc()->free_buffer(p);
    }
    return hr;
}

static const mc_rowsource_vtbl fake_vtbl =
{
    fake_open_query, fake_close_query, fake_count, fake_fetch, fake_ordinal, fake_locate,
    fake_get_row, fake_fill, NULL,
};

/* The same source with fill_columns: tables that hold their rows keep lean rows. */
static const mc_rowsource_vtbl lean_vtbl =
{
    fake_open_query, fake_close_query, fake_count, fake_fetch, fake_ordinal, fake_locate,
    fake_get_row, fake_fill, NULL, NULL, fake_fill_columns,
};

/* 300 rows: times with ties (id * 7 % 50), every 13th without a time. */
static fake *new_fake(void)
{
    fake *f = calloc(1, sizeof(*f));
    ULONG i;

    for (i = 0; i < 300; i++)
    {
        frow *r = &f->rows[f->n++];
        r->id = 1000 + i;
        r->has_time = i % 13 != 0;
        r->time = 100000 + (i * 7) % 50;
        swprintf(r->subject, 32, L"Subject %c%u", L'a' + (i * 11) % 26, (unsigned)(i % 17));
    }
    return f;
}

static const SizedSSortOrderSet(1, newest) = { 1, 0, 0, { { PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND } } };
static const ULONG cols[] = { PR_ROWID, PR_INSTANCE_KEY, PR_SUBJECT_W, PR_MESSAGE_DELIVERY_TIME };

/* A table over `f`; `memory`: with every row held in memory. */
static mc_table *table_over(fake *f, BOOL memory)
{
    mc_rowsource src = { &fake_vtbl, f };
    mc_table *t = NULL;

    assert_int_equal(mc_table_new(&test_alloc, PR_INSTANCE_KEY, NULL, &t), S_OK);
    assert_int_equal(mc_table_set_source(t, &src), S_OK);
    assert_int_equal(mc_table_set_default_sort(t, (const SSortOrderSet *)&newest), S_OK);
    if (memory)
        assert_int_equal(mc_table_materialize(t), S_OK);
    return t;
}

static IMAPITable *open_view(mc_table *t)
{
    SizedSPropTagArray(4, c) = { 4, { cols[0], cols[1], cols[2], cols[3] } };
    IMAPITable *v = NULL;

    assert_int_equal(mc_table_open_view(t, NULL, NULL, &v), S_OK);
    assert_int_equal(v->lpVtbl->SetColumns(v, (SPropTagArray *)&c, 0), S_OK);
    return v;
}

/* Rows read with QueryRows(count), appended to ids[] as PR_ROWID; returns how many. */
static ULONG read_ids(IMAPITable *v, LONG count, ULONG flags, LONG *ids)
{
    SRowSet *rows = NULL;
    ULONG i;

    assert_int_equal(v->lpVtbl->QueryRows(v, count, flags, &rows), S_OK);
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *p = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_ROWID);
        const SPropValue *k = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_INSTANCE_KEY);
        assert_non_null(p);
        assert_non_null(k);
        assert_int_equal(k->Value.bin.cb, 8);
        assert_int_equal(*(ULONG *)k->Value.bin.lpb, (ULONG)p->Value.l);   /* the row's id */
        ids[i] = p->Value.l;
    }
    i = rows->cRows;
    mc_free_rows(&test_alloc, rows);
    return i;
}

static ULONG position(IMAPITable *v)
{
    ULONG row = ~0u, num, den;
    assert_int_equal(v->lpVtbl->QueryPosition(v, &row, &num, &den), S_OK);
    assert_int_equal(num, row);
    return row;
}

static LONG next_id(IMAPITable *v)
{
    LONG id = -1;
    if (!read_ids(v, 1, TBL_NOADVANCE, &id))
        return -1;
    return id;
}

static void test_paging_matches_memory(void **state)
{
    fake *f = new_fake();
    mc_table *ts = table_over(f, FALSE), *tm = table_over(f, TRUE);
    IMAPITable *s = open_view(ts), *m = open_view(tm);
    LONG all[400], page[400], back[400];
    ULONG n_all, n, got, count_s, count_m, i;
    LONG sought;

    assert_true(mc_table_view_uses_source(s));
    assert_false(mc_table_view_uses_source(m));
    assert_int_equal(s->lpVtbl->GetRowCount(s, 0, &count_s), S_OK);
    assert_int_equal(m->lpVtbl->GetRowCount(m, 0, &count_m), S_OK);
    assert_int_equal(count_s, 300);
    assert_int_equal(count_m, 300);

    /* forward in pages of 7 == one read in memory */
    n_all = read_ids(m, 1000, 0, all);
    assert_int_equal(n_all, 300);
    for (n = 0; (got = read_ids(s, 7, 0, page + n)); n += got)
        assert_int_equal(position(s), n + got);
    assert_int_equal(n, 300);
    assert_memory_equal(page, all, 300 * sizeof(LONG));
    /* backward in pages of 11 from the end */
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_END, 0, NULL), S_OK);
    for (n = 0; (got = read_ids(s, -11, 0, page)); n += got)
        for (i = 0; i < got; i++)
            back[300 - n - got + i] = page[i];
    assert_int_equal(n, 300);
    assert_memory_equal(back, all, 300 * sizeof(LONG));
    assert_int_equal(position(s), 0);

    /* SeekRow: absolute, relative, past both ends */
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 100, &sought), S_OK);
    assert_int_equal(sought, 100);
    assert_int_equal(position(s), 100);
    assert_int_equal(next_id(s), all[100]);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_CURRENT, -30, &sought), S_OK);
    assert_int_equal(sought, -30);
    assert_int_equal(next_id(s), all[70]);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_CURRENT, 1000, &sought), S_OK);
    assert_int_equal(sought, 230);
    assert_int_equal(next_id(s), -1);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_END, -1000, &sought), S_OK);
    assert_int_equal(sought, -300);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_END, -5, &sought), S_OK);
    assert_int_equal(position(s), 295);
    assert_int_equal(next_id(s), all[295]);
    /* TBL_NOADVANCE leaves the cursor */
    assert_int_equal(read_ids(s, 3, TBL_NOADVANCE, page), 3);
    assert_int_equal(position(s), 295);

    /* SeekRowApprox lands where the memory view lands */
    for (i = 0; i <= 4; i++)
    {
        assert_int_equal(s->lpVtbl->SeekRowApprox(s, i, 4), S_OK);
        assert_int_equal(m->lpVtbl->SeekRowApprox(m, i, 4), S_OK);
        assert_int_equal(position(s), position(m));
        assert_int_equal(next_id(s), next_id(m));
    }
    assert_int_equal(s->lpVtbl->SeekRowApprox(s, 1, 0), MAPI_E_INVALID_PARAMETER);

    s->lpVtbl->Release(s);
    m->lpVtbl->Release(m);
    mc_table_release(ts);
    mc_table_release(tm);
    free(f);
}

static void test_bookmarks_and_find(void **state)
{
    fake *f = new_fake();
    mc_table *ts = table_over(f, FALSE), *tm = table_over(f, TRUE);
    IMAPITable *s = open_view(ts), *m = open_view(tm);
    SPropValue val;
    SRestriction r;
    BOOKMARK bs, bm, b0;
    LONG id;
    frow *gone;

    /* a bookmark at row 50 follows its row */
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 50, NULL), S_OK);
    assert_int_equal(m->lpVtbl->SeekRow(m, BOOKMARK_BEGINNING, 50, NULL), S_OK);
    assert_int_equal(s->lpVtbl->CreateBookmark(s, &bs), S_OK);
    assert_int_equal(m->lpVtbl->CreateBookmark(m, &bm), S_OK);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(s->lpVtbl->CreateBookmark(s, &b0), S_OK);
    assert_int_equal(s->lpVtbl->SeekRow(s, bs, 2, NULL), S_OK);
    assert_int_equal(position(s), 52);
    assert_int_equal(s->lpVtbl->SeekRow(s, bs, 0, NULL), S_OK);
    id = next_id(s);
    assert_int_equal(m->lpVtbl->SeekRow(m, bm, 0, NULL), S_OK);
    assert_int_equal(next_id(m), id);

    /* its row leaves: once MAPI_W_POSITION_CHANGED, then the next row, in both kinds of view */
    gone = find_row(f, (ULONGLONG)id);
    gone->gone = TRUE;
    assert_int_equal(mc_table_source_changed(ts, gone->id), S_OK);
    assert_int_equal(mc_table_source_changed(tm, gone->id), S_OK);
    assert_int_equal(s->lpVtbl->SeekRow(s, bs, 0, NULL), MAPI_W_POSITION_CHANGED);
    assert_int_equal(m->lpVtbl->SeekRow(m, bm, 0, NULL), MAPI_W_POSITION_CHANGED);
    assert_int_equal(position(s), 50);
    assert_int_equal(position(m), 50);
    assert_int_equal(next_id(s), next_id(m));
    assert_int_equal(s->lpVtbl->SeekRow(s, bs, 0, NULL), S_OK);

    /* a bookmark's row that moves (a new time) keeps its bookmark, as in memory */
    {
        BOOKMARK ms, mm;
        HRESULT hs, hm;
        frow *moved;
        assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 10, NULL), S_OK);
        assert_int_equal(m->lpVtbl->SeekRow(m, BOOKMARK_BEGINNING, 10, NULL), S_OK);
        id = next_id(s);
        assert_int_equal(next_id(m), id);
        assert_int_equal(s->lpVtbl->CreateBookmark(s, &ms), S_OK);
        assert_int_equal(m->lpVtbl->CreateBookmark(m, &mm), S_OK);
        moved = find_row(f, (ULONGLONG)id);
        moved->time = 5;
        assert_int_equal(mc_table_source_changed(ts, moved->id), S_OK);
        assert_int_equal(mc_table_source_changed(tm, moved->id), S_OK);
        hs = s->lpVtbl->SeekRow(s, ms, 0, NULL);
        hm = m->lpVtbl->SeekRow(m, mm, 0, NULL);
        assert_int_equal(hs, hm);
        assert_int_equal(position(s), position(m));
        assert_int_equal(next_id(s), next_id(m));
    }
    assert_int_equal(s->lpVtbl->FreeBookmark(s, bs), S_OK);
    assert_int_equal(s->lpVtbl->SeekRow(s, bs, 0, NULL), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(s->lpVtbl->FreeBookmark(s, bs), MAPI_E_INVALID_BOOKMARK);
    assert_int_equal(s->lpVtbl->SeekRow(s, 0x4711, 0, NULL), MAPI_E_INVALID_BOOKMARK);

    /* FindRow forward and backward: the same row and position as in memory */
    val.ulPropTag = PR_SUBJECT_W;
    val.Value.lpszW = f->rows[137].subject;        /* shared by a few rows */
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_SUBJECT_W;
    r.res.resProperty.lpProp = &val;
    assert_int_equal(s->lpVtbl->FindRow(s, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(m->lpVtbl->FindRow(m, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(position(s), position(m));
    assert_int_equal(next_id(s), next_id(m));
    assert_int_equal(s->lpVtbl->FindRow(s, &r, BOOKMARK_END, DIR_BACKWARD), S_OK);
    assert_int_equal(m->lpVtbl->FindRow(m, &r, BOOKMARK_END, DIR_BACKWARD), S_OK);
    assert_int_equal(position(s), position(m));
    assert_int_equal(next_id(s), next_id(m));
    val.Value.lpszW = (WCHAR *)L"no such subject";
    assert_int_equal(s->lpVtbl->FindRow(s, &r, b0, 0), MAPI_E_NOT_FOUND);
    assert_int_equal(s->lpVtbl->FindRow(s, NULL, b0, 0), MAPI_E_INVALID_PARAMETER);

    s->lpVtbl->Release(s);
    m->lpVtbl->Release(m);
    mc_table_release(ts);
    mc_table_release(tm);
    free(f);
}

/* Another sort or a restriction: the view holds the rows in memory, with the same results. */
static void test_fallback(void **state)
{
    fake *f = new_fake();
    mc_table *ts = table_over(f, FALSE), *tm = table_over(f, TRUE);
    IMAPITable *s = open_view(ts), *m = open_view(tm), *s2 = open_view(ts);
    SizedSSortOrderSet(1, by_subject) = { 1, 0, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND } } };
    SPropValue val;
    SRestriction r;
    LONG a[400], b[400];
    ULONG n;

    assert_int_equal(s->lpVtbl->SortTable(s, (SSortOrderSet *)&by_subject, 0), S_OK);
    assert_int_equal(m->lpVtbl->SortTable(m, (SSortOrderSet *)&by_subject, 0), S_OK);
    assert_false(mc_table_view_uses_source(s));
    assert_true(mc_table_view_uses_source(s2));     /* the other view still pages */
    n = read_ids(s, 1000, 0, a);
    assert_int_equal(n, 300);
    assert_int_equal(read_ids(m, 1000, 0, b), 300);
    assert_memory_equal(a, b, n * sizeof(LONG));

    /* back to the default order: through the source again */
    assert_int_equal(s->lpVtbl->SortTable(s, (SSortOrderSet *)&newest, 0), S_OK);
    assert_true(mc_table_view_uses_source(s));

    val.ulPropTag = PR_ROWID;
    val.Value.l = 1100;
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = RELOP_LT;
    r.res.resProperty.ulPropTag = PR_ROWID;
    r.res.resProperty.lpProp = &val;
    assert_int_equal(s->lpVtbl->Restrict(s, &r, 0), S_OK);
    assert_int_equal(m->lpVtbl->SortTable(m, (SSortOrderSet *)&newest, 0), S_OK);
    assert_int_equal(m->lpVtbl->Restrict(m, &r, 0), S_OK);
    assert_false(mc_table_view_uses_source(s));
    n = read_ids(s, 1000, 0, a);
    assert_int_equal(n, 100);
    assert_int_equal(read_ids(m, 1000, 0, b), 100);
    assert_memory_equal(a, b, n * sizeof(LONG));

    /* rows held in memory follow later changes too */
    f->rows[0].gone = TRUE;
    assert_int_equal(mc_table_source_changed(ts, f->rows[0].id), S_OK);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(read_ids(s, 1000, 0, a), 99);

    s->lpVtbl->Release(s);
    s2->lpVtbl->Release(s2);
    m->lpVtbl->Release(m);
    mc_table_release(ts);
    mc_table_release(tm);
    free(f);
}

/* ---- notifications -------------------------------------------------------------------------- */

typedef struct event
{
    ULONG type;
    ULONGLONG index, prior;     /* ids from 8-byte instance keys; prior 0: PR_NULL */
    LONG rowid;
} event;

typedef struct sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    ULONG n;
    event ev[32];
} sink;

static inline sink *impl_from_sink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface);
}

static HRESULT WINAPI sink_QueryInterface(IMAPIAdviseSink *iface, REFIID riid, void **obj) { *obj = NULL; return E_NOINTERFACE; }
static ULONG WINAPI sink_AddRef(IMAPIAdviseSink *iface) { return InterlockedIncrement(&impl_from_sink(iface)->ref); }
static ULONG WINAPI sink_Release(IMAPIAdviseSink *iface) { return InterlockedDecrement(&impl_from_sink(iface)->ref); }

static ULONGLONG id_of_key(const SPropValue *p)
{
    ULONGLONG id = 0;
    ULONG i;

    if (p->ulPropTag != PR_INSTANCE_KEY || p->Value.bin.cb != 8)
        return 0;
    for (i = 0; i < 8; i++)
        id |= (ULONGLONG)p->Value.bin.lpb[i] << (8 * i);
    return id;
}

static ULONG WINAPI sink_OnNotify(IMAPIAdviseSink *iface, ULONG count, LPNOTIFICATION n)
{
    sink *s = impl_from_sink(iface);
    ULONG i;

    for (i = 0; i < count && s->n < ARRAYSIZE(s->ev); i++)
    {
        const TABLE_NOTIFICATION *tab = &n[i].info.tab;
        const SPropValue *p = mc_props_find(tab->row.cValues, tab->row.lpProps, PR_ROWID);
        event *e = &s->ev[s->n++];
        e->type = tab->ulTableEvent;
        e->index = id_of_key(&tab->propIndex);
        e->prior = tab->propPrior.ulPropTag == PR_NULL ? 0 : id_of_key(&tab->propPrior);
        e->rowid = p && PROP_TYPE(p->ulPropTag) == PT_LONG ? p->Value.l : -1;
    }
    return 0;
}

static const IMAPIAdviseSinkVtbl sink_vtbl = { sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify };

static void sink_init(sink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = (IMAPIAdviseSinkVtbl *)&sink_vtbl;
    s->ref = 1;
}

/* One change, announced to both tables; both views must report the same events. */
static void change(fake *f, mc_table *ts, mc_table *tm, ULONGLONG id, sink *a, sink *b)
{
    a->n = b->n = 0;
    assert_int_equal(mc_table_source_changed(ts, id), S_OK);
    assert_int_equal(mc_table_source_changed(tm, id), S_OK);
    assert_int_equal(mc_table_wait_notifications(ts, 10000), S_OK);
    assert_int_equal(mc_table_wait_notifications(tm, 10000), S_OK);
    assert_int_equal(a->n, b->n);
    if (a->n)
    {
        assert_int_equal(a->ev[0].type, b->ev[0].type);
        assert_true(a->ev[0].index == b->ev[0].index);
        assert_true(a->ev[0].prior == b->ev[0].prior);
        assert_int_equal(a->ev[0].rowid, b->ev[0].rowid);
    }
}

static void test_notifications(void **state)
{
    fake *f = new_fake();
    mc_table *ts = table_over(f, FALSE), *tm = table_over(f, TRUE);
    IMAPITable *s = open_view(ts), *m = open_view(tm);
    sink a, b;
    ULONG ca, cb, count;
    frow *r;
    LONG first[2];

    sink_init(&a);
    sink_init(&b);
    assert_int_equal(s->lpVtbl->Advise(s, fnevTableModified, &a.IMAPIAdviseSink_iface, &ca), S_OK);
    assert_int_equal(m->lpVtbl->Advise(m, fnevTableModified, &b.IMAPIAdviseSink_iface, &cb), S_OK);
    assert_int_equal(read_ids(s, 2, TBL_NOADVANCE, first), 2);

    /* a new newest row: added first, no prior */
    r = &f->rows[f->n++];
    r->id = 5000;
    r->has_time = TRUE;
    r->time = 999999;
    wcscpy(r->subject, L"newest");
    change(f, ts, tm, 5000, &a, &b);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.ev[0].type, TABLE_ROW_ADDED);
    assert_true(a.ev[0].index == 5000);
    assert_true(a.ev[0].prior == 0);
    assert_int_equal(a.ev[0].rowid, 5000);
    assert_int_equal(s->lpVtbl->GetRowCount(s, 0, &count), S_OK);
    assert_int_equal(count, 301);
    assert_int_equal(next_id(s), 5000);

    /* a row in the middle: added after the row before it */
    r = &f->rows[f->n++];
    r->id = 5001;
    r->has_time = TRUE;
    r->time = 100000 + 20;
    wcscpy(r->subject, L"middle");
    change(f, ts, tm, 5001, &a, &b);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.ev[0].type, TABLE_ROW_ADDED);
    assert_true(a.ev[0].prior != 0);

    /* edited in place, then moved by its time: modified with its new prior */
    wcscpy(find_row(f, (ULONGLONG)first[1])->subject, L"edited");
    change(f, ts, tm, (ULONGLONG)first[1], &a, &b);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.ev[0].type, TABLE_ROW_MODIFIED);
    assert_true(a.ev[0].prior == (ULONGLONG)first[0]);
    find_row(f, 5001)->time = 1;
    change(f, ts, tm, 5001, &a, &b);
    assert_int_equal(a.ev[0].type, TABLE_ROW_MODIFIED);

    /* deleted; a row that was never in the table: nothing */
    find_row(f, 5000)->gone = TRUE;
    change(f, ts, tm, 5000, &a, &b);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.ev[0].type, TABLE_ROW_DELETED);
    assert_true(a.ev[0].index == 5000);
    change(f, ts, tm, 77, &a, &b);
    assert_int_equal(a.n, 0);
    assert_int_equal(s->lpVtbl->GetRowCount(s, 0, &count), S_OK);
    assert_int_equal(count, 301);

    assert_int_equal(s->lpVtbl->Unadvise(s, ca), S_OK);
    assert_int_equal(m->lpVtbl->Unadvise(m, cb), S_OK);
    s->lpVtbl->Release(s);
    m->lpVtbl->Release(m);
    mc_table_release(ts);
    mc_table_release(tm);
    free(f);
}

/* Rows changed without a call per row (a store's feed lost changes): mc_table_source_reload
 * sends TABLE_RELOAD to every view, and what each view reads afterwards is what a view opened
 * afresh reads - for a view paging through the source and for one held in memory. */
static void test_reload(void **state)
{
    fake *f = new_fake();
    mc_table *ts = table_over(f, FALSE);
    IMAPITable *s = open_view(ts), *m = open_view(ts), *fresh;
    SizedSSortOrderSet(1, by_subject) = { 1, 0, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND } } };
    LONG a[400], b[400], at_mark[1];
    BOOKMARK mark;
    ULONG ca, cb, n, i, gone = 0;
    sink x, y;

    sink_init(&x);
    sink_init(&y);
    assert_int_equal(m->lpVtbl->SortTable(m, (SSortOrderSet *)&by_subject, 0), S_OK);
    assert_false(mc_table_view_uses_source(m));
    assert_true(mc_table_view_uses_source(s));
    assert_int_equal(s->lpVtbl->Advise(s, fnevTableModified, &x.IMAPIAdviseSink_iface, &ca), S_OK);
    assert_int_equal(m->lpVtbl->Advise(m, fnevTableModified, &y.IMAPIAdviseSink_iface, &cb), S_OK);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 40, NULL), S_OK);
    assert_int_equal(read_ids(s, 1, TBL_NOADVANCE, at_mark), 1);
    assert_int_equal(s->lpVtbl->CreateBookmark(s, &mark), S_OK);

    /* silently: ten rows gone, a subject changed, five new rows */
    for (i = 0; i < 10; i++)
        if (f->rows[i * 7].id != (ULONGLONG)at_mark[0])
        {
            f->rows[i * 7].gone = TRUE;
            gone++;
        }
    wcscpy(f->rows[100].subject, L"AAA first by subject");
    for (i = 0; i < 5; i++)
    {
        frow *r = &f->rows[f->n++];
        r->id = 6000 + i;
        r->has_time = TRUE;
        r->time = 100000 + 10 * i;
        swprintf(r->subject, 32, L"new %u", (unsigned)i);
    }
    assert_int_equal(mc_table_source_reload(ts), S_OK);
    assert_int_equal(mc_table_wait_notifications(ts, 10000), S_OK);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.ev[0].type, TABLE_RELOAD);
    assert_int_equal(y.n, 1);
    assert_int_equal(y.ev[0].type, TABLE_RELOAD);

    /* the paging view: the bookmark still stands before its row, the rows are the new ones */
    assert_int_equal(s->lpVtbl->SeekRow(s, mark, 0, NULL), S_OK);
    assert_int_equal(next_id(s), at_mark[0]);
    assert_int_equal(s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    n = read_ids(s, 1000, 0, a);
    fresh = open_view(ts);
    assert_int_equal(read_ids(fresh, 1000, 0, b), n);
    assert_int_equal(n, 300 - gone + 5);
    assert_memory_equal(a, b, n * sizeof(LONG));
    assert_int_equal(s->lpVtbl->GetRowCount(s, 0, &i), S_OK);
    assert_int_equal(i, n);

    /* the memory view: the new rows in its own order */
    assert_int_equal(fresh->lpVtbl->SortTable(fresh, (SSortOrderSet *)&by_subject, 0), S_OK);
    assert_int_equal(m->lpVtbl->SeekRow(m, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(read_ids(m, 1000, 0, a), n);
    assert_int_equal(read_ids(fresh, 1000, 0, b), n);
    assert_memory_equal(a, b, n * sizeof(LONG));
    assert_int_equal(a[0], (LONG)f->rows[100].id);

    /* and later single changes still reach both */
    x.n = y.n = 0;
    find_row(f, 6000)->gone = TRUE;
    assert_int_equal(mc_table_source_changed(ts, 6000), S_OK);
    assert_int_equal(mc_table_wait_notifications(ts, 10000), S_OK);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.ev[0].type, TABLE_ROW_DELETED);
    assert_int_equal(y.n, 1);
    assert_int_equal(y.ev[0].type, TABLE_ROW_DELETED);

    assert_int_equal(s->lpVtbl->FreeBookmark(s, mark), S_OK);
    assert_int_equal(s->lpVtbl->Unadvise(s, ca), S_OK);
    assert_int_equal(m->lpVtbl->Unadvise(m, cb), S_OK);
    fresh->lpVtbl->Release(fresh);
    s->lpVtbl->Release(s);
    m->lpVtbl->Release(m);
    assert_int_equal(mc_table_source_reload(NULL), MAPI_E_INVALID_PARAMETER);
    mc_table_release(ts);
    free(f);
}

/* A table over a source with fill_columns holds only the columns its views order, group and
 * restrict by ("lean rows", mapicore.h) and reads the rest from get_row: views over it give
 * exactly what views over whole rows give - rows, categories, FindRow on a column it did not
 * hold (added in place), notifications - and a source that cannot give a column makes it hold
 * whole rows. */
static mc_table *table_with(fake *f, const mc_rowsource_vtbl *vtbl)
{
    mc_rowsource src = { vtbl, f };
    mc_table *t = NULL;

    assert_int_equal(mc_table_new(&test_alloc, PR_INSTANCE_KEY, NULL, &t), S_OK);
    assert_int_equal(mc_table_set_source(t, &src), S_OK);
    assert_int_equal(mc_table_set_default_sort(t, (const SSortOrderSet *)&newest), S_OK);
    return t;
}

/* Every row of a view: PR_ROWID (-1 for headings) and the subject's first letters. */
static ULONG read_all(IMAPITable *v, LONG *ids, WCHAR (*subjects)[32])
{
    SRowSet *rows = NULL;
    ULONG i;

    assert_int_equal(v->lpVtbl->SeekRow(v, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(v->lpVtbl->QueryRows(v, 1000, 0, &rows), S_OK);
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *p = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_ROWID);
        const SPropValue *sj = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_SUBJECT_W);
        ids[i] = p ? p->Value.l : -1;
        wcscpy(subjects[i], sj ? sj->Value.lpszW : L"");
    }
    i = rows->cRows;
    mc_free_rows(&test_alloc, rows);
    return i;
}

static void test_lean_rows(void **state)
{
    fake *f = new_fake();
    mc_table *tl = table_with(f, &lean_vtbl), *tw = table_with(f, &fake_vtbl);
    IMAPITable *l = open_view(tl), *w = open_view(tw);
    SizedSSortOrderSet(2, two) = { 2, 0, 0, { { PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND }, { PR_ROWID, TABLE_SORT_DESCEND } } };
    SizedSSortOrderSet(2, by_subject) = { 2, 1, 1, { { PR_SUBJECT_W, TABLE_SORT_ASCEND }, { PR_ROWID, TABLE_SORT_ASCEND } } };
    static LONG a[700], b[700];
    static WCHAR sa[700][32], sb[700][32];
    SPropValue needle;
    SRestriction r;
    ULONG n, conn;
    sink x;
    frow *row;

    /* two sort columns: the fake answers only its own order, so both tables hold their rows */
    assert_int_equal(l->lpVtbl->SortTable(l, (SSortOrderSet *)&two, 0), S_OK);
    assert_int_equal(w->lpVtbl->SortTable(w, (SSortOrderSet *)&two, 0), S_OK);
    assert_false(mc_table_view_uses_source(l));
    assert_int_equal(f->lean_passes, 1);
    assert_int_equal(f->whole_fills, 1);        /* the other table's */
    n = read_all(l, a, sa);
    assert_int_equal(n, 300);
    assert_int_equal(read_all(w, b, sb), n);
    assert_memory_equal(a, b, n * sizeof(LONG));
    assert_memory_equal(sa, sb, n * sizeof(sa[0]));     /* the subject came from get_row */

    /* FindRow on the subject, which the lean rows did not hold: added to them, same row found */
    needle.ulPropTag = PR_SUBJECT_W;
    needle.Value.lpszW = (WCHAR *)L"Subject q";
    r.rt = RES_CONTENT;
    r.res.resContent.ulFuzzyLevel = FL_PREFIX;
    r.res.resContent.ulPropTag = PR_SUBJECT_W;
    r.res.resContent.lpProp = &needle;
    assert_int_equal(l->lpVtbl->SeekRow(l, BOOKMARK_BEGINNING, 10, NULL), S_OK);
    assert_int_equal(w->lpVtbl->SeekRow(w, BOOKMARK_BEGINNING, 10, NULL), S_OK);
    assert_int_equal(l->lpVtbl->FindRow(l, &r, BOOKMARK_CURRENT, 0), S_OK);
    assert_int_equal(w->lpVtbl->FindRow(w, &r, BOOKMARK_CURRENT, 0), S_OK);
    assert_int_equal(f->lean_passes, 2);
    assert_int_equal(position(l), position(w));
    assert_int_equal(next_id(l), next_id(w));

    /* categorized by subject: the same headings and leaves */
    assert_int_equal(l->lpVtbl->SortTable(l, (SSortOrderSet *)&by_subject, 0), S_OK);
    assert_int_equal(w->lpVtbl->SortTable(w, (SSortOrderSet *)&by_subject, 0), S_OK);
    assert_int_equal(f->lean_passes, 3);        /* PR_MESSAGE_FLAGS for the unread counts */
    n = read_all(l, a, sa);
    assert_true(n > 300);
    assert_int_equal(read_all(w, b, sb), n);
    assert_memory_equal(a, b, n * sizeof(LONG));
    assert_memory_equal(sa, sb, n * sizeof(sa[0]));

    /* a new row: its notification carries the whole row */
    sink_init(&x);
    assert_int_equal(l->lpVtbl->SortTable(l, (SSortOrderSet *)&two, 0), S_OK);
    assert_int_equal(l->lpVtbl->Advise(l, fnevTableModified, &x.IMAPIAdviseSink_iface, &conn), S_OK);
    row = &f->rows[f->n++];
    row->id = 7000;
    row->has_time = TRUE;
    row->time = 1;
    wcscpy(row->subject, L"lean and new");
    assert_int_equal(mc_table_source_changed(tl, 7000), S_OK);
    assert_int_equal(mc_table_wait_notifications(tl, 10000), S_OK);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.ev[0].type, TABLE_ROW_ADDED);
    assert_int_equal(x.ev[0].rowid, 7000);
    assert_int_equal(l->lpVtbl->SeekRow(l, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(next_id(l), 7000);     /* the oldest time first */
    assert_int_equal(l->lpVtbl->Unadvise(l, conn), S_OK);
    l->lpVtbl->Release(l);
    w->lpVtbl->Release(w);
    mc_table_release(tl);
    mc_table_release(tw);

    /* a source that cannot give the subject: whole rows at once, or all rows made whole */
    f->refuse_subject = TRUE;
    f->lean_passes = f->whole_fills = 0;
    tl = table_with(f, &lean_vtbl);
    l = open_view(tl);
    assert_int_equal(l->lpVtbl->SortTable(l, (SSortOrderSet *)&by_subject, 0), S_OK);
    assert_int_equal(f->whole_fills, 1);
    assert_int_equal(f->lean_passes, 0);
    l->lpVtbl->Release(l);
    mc_table_release(tl);
    tl = table_with(f, &lean_vtbl);
    tw = table_with(f, &fake_vtbl);
    l = open_view(tl);
    w = open_view(tw);
    assert_int_equal(l->lpVtbl->SortTable(l, (SSortOrderSet *)&two, 0), S_OK);
    assert_int_equal(w->lpVtbl->SortTable(w, (SSortOrderSet *)&two, 0), S_OK);
    assert_int_equal(f->lean_passes, 1);
    assert_int_equal(l->lpVtbl->FindRow(l, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(w->lpVtbl->FindRow(w, &r, BOOKMARK_BEGINNING, 0), S_OK);
    assert_int_equal(position(l), position(w));
    n = read_all(l, a, sa);
    assert_int_equal(read_all(w, b, sb), n);
    assert_memory_equal(a, b, n * sizeof(LONG));
    l->lpVtbl->Release(l);
    w->lpVtbl->Release(w);
    mc_table_release(tl);
    mc_table_release(tw);
    free(f);
}

static void test_bad_input(void **state)
{
    fake *f = new_fake();
    mc_rowsource src = { &fake_vtbl, f };
    mc_table *t = NULL, *ts = table_over(f, FALSE);
    IMAPITable *s = open_view(ts);

    /* a source needs PR_INSTANCE_KEY as the index and an empty table */
    assert_int_equal(mc_table_new(&test_alloc, PR_ROWID, NULL, &t), S_OK);
    assert_int_equal(mc_table_set_source(t, &src), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_table_source_changed(t, 1), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_table_materialize(t), MAPI_E_INVALID_PARAMETER);
    mc_table_release(t);
    assert_int_equal(mc_table_set_source(ts, &src), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_table_set_source(NULL, &src), MAPI_E_INVALID_PARAMETER);
    assert_false(mc_table_view_uses_source(NULL));
    assert_int_equal(s->lpVtbl->QueryRows(s, 0, 0, (SRowSet **)&t), MAPI_E_INVALID_PARAMETER);
    s->lpVtbl->Release(s);
    mc_table_release(ts);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_paging_matches_memory),
        T(test_bookmarks_and_find),
        T(test_fallback),
        T(test_notifications),
        T(test_reload),
        T(test_lean_rows),
        T(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
