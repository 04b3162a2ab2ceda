/*
 * sqltable.c - the row source of a folder's contents table (mapicore.h, "row sources"): the
 * table engine's views page through the database (dbtable.c) instead of holding every row.
 * Docs: contents-tables.md, imapitable-queryrows.md. Rows are those of tables.c
 * (td_store_contents_row: the same columns and truncation as when held in memory).
 *
 * What it answers: the default order (PR_MESSAGE_DELIVERY_TIME descending, no restriction),
 * which the index objects_by_time keeps. Any other sort or restriction is MAPI_E_TOO_COMPLEX,
 * and the engine then holds the rows in memory (fill). Called with the table's lock held; it
 * takes only the database's lock, never the store's.
 */
#include "store.h"

typedef struct sqltable
{
    td_store *s;            /* not referenced: see td_sqltable_source in store.h */
    ULONGLONG folder;
    int kind;               /* TD_TABLE_CONTENTS or TD_TABLE_ASSOC */
} sqltable;

static BOOL assoc_of(const sqltable *q)
{
    return q->kind == TD_TABLE_ASSOC;
}

static HRESULT sqltable_open_query(void *ctx, const SSortOrderSet *sort, const SRestriction *res,
                                   void **query)
{
    if (res || sort->cCategories || sort->cSorts != 1
        || sort->aSort[0].ulPropTag != PR_MESSAGE_DELIVERY_TIME
        || sort->aSort[0].ulOrder != TABLE_SORT_DESCEND)
        return MAPI_E_TOO_COMPLEX;
    *query = ctx;           /* one order: the query is the table itself */
    return S_OK;
}

static void sqltable_close_query(void *ctx, void *query)
{
}

static HRESULT sqltable_count(void *ctx, void *query, ULONG *n)
{
    sqltable *q = ctx;
    return td_db_table_count(q->s->db, q->folder, assoc_of(q), n);
}

static HRESULT sqltable_fetch(void *ctx, void *query, const mc_srckey *from, BOOL inclusive,
                              BOOL backward, ULONG skip, ULONG n, BOOL with_props,
                              mc_srcrow *rows, ULONG *got)
{
    sqltable *q = ctx;
    mc_srckey *keys;
    ULONG k = 0, i;
    HRESULT hr;

    *got = 0;
    if (!(keys = mc_calloc(n, sizeof(*keys))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    hr = td_db_table_page(q->s->db, q->folder, assoc_of(q), from, inclusive, backward, skip, n, keys, &k);
    for (i = 0; SUCCEEDED(hr) && i < k; i++)
    {
        mc_srcrow *r = &rows[*got];
        r->key = keys[i];
        r->n = 0;
        r->props = NULL;
        if (with_props)
        {
            hr = td_store_contents_row(q->s, keys[i].id, q->kind, NULL, &r->n, &r->props);
            if (hr == MAPI_E_NOT_FOUND)
            {
                hr = S_OK;      /* deleted since the page was read: the next change says so */
                continue;
            }
        }
        if (SUCCEEDED(hr)) (*got)++;
    }
    if (FAILED(hr))
    {
        for (i = 0; i < *got; i++)
            if (rows[i].props) mc_heap_alloc()->free_buffer(rows[i].props);
        *got = 0;
    }
    mc_free(keys);
    return hr;
}

static HRESULT sqltable_ordinal(void *ctx, void *query, const mc_srckey *key, ULONG *ord)
{
    sqltable *q = ctx;
    return td_db_table_ordinal(q->s->db, q->folder, assoc_of(q), key, ord);
}

static HRESULT sqltable_locate(void *ctx, void *query, ULONGLONG id, mc_srckey *key, BOOL *present)
{
    sqltable *q = ctx;
    return td_db_table_locate(q->s->db, q->folder, assoc_of(q), id, key, present);
}

static HRESULT sqltable_get_row(void *ctx, ULONGLONG id, mc_srcrow *row)
{
    sqltable *q = ctx;
    BOOL present;
    HRESULT hr;

    if (FAILED(hr = td_db_table_locate(q->s->db, q->folder, assoc_of(q), id, &row->key, &present)))
        return hr;
    if (!present) return MAPI_E_NOT_FOUND;
    return td_store_contents_row(q->s, id, q->kind, NULL, &row->n, &row->props);
}

static HRESULT sqltable_fill(void *ctx, mc_table *t)
{
    sqltable *q = ctx;
    return td_store_contents_fill(q->s, q->folder, q->kind, t);
}

static void sqltable_release(void *ctx)
{
    mc_free(ctx);
}

static const mc_rowsource_vtbl sqltable_vtbl =
{
    sqltable_open_query,
    sqltable_close_query,
    sqltable_count,
    sqltable_fetch,
    sqltable_ordinal,
    sqltable_locate,
    sqltable_get_row,
    sqltable_fill,
    sqltable_release,
};

HRESULT td_sqltable_source(td_store *s, ULONGLONG folder, int kind, mc_rowsource *out)
{
    sqltable *q;

    if (kind != TD_TABLE_CONTENTS && kind != TD_TABLE_ASSOC) return MAPI_E_INVALID_PARAMETER;
    if (!(q = mc_calloc(1, sizeof(*q)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    q->s = s;
    q->folder = folder;
    q->kind = kind;
    out->vtbl = &sqltable_vtbl;
    out->ctx = q;
    return S_OK;
}
