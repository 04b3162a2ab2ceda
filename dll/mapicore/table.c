/*
 * table.c - the in-memory table: table data in the ITableData model (itabledata-hrmodifyrow.md,
 * itabledata-hrdeleterow.md, itabledata-hrgetview.md) and its IMAPITable views
 * (imapitableiunknown.md and the imapitable-*.md pages; spi-digest.md §4.9).
 *
 * Invariants, all under mc_table.lock (one lock for the data and every view, so a change and
 * the views' reaction to it are one step):
 * - table rows are kept in insertion order, each identified by its index value and by an
 *   instance key (4 bytes, a counter never reused within the mc_table);
 * - each view keeps `list`: exactly the rows matching its restriction, in its sort order (ties
 *   in insertion order), kept up to date as rows change, so positions are plain indexes;
 * - 0 <= cursor <= list count; a bookmark names a row by instance key, or "the end", or - when
 *   its row left the view - a position plus a flag that makes its next use return
 *   MAPI_W_POSITION_CHANGED.
 * Notifications are built under the lock and delivered after it is released.
 */
#include "mapicore.h"
#include <mapiguid.h>

#define MAX_BOOKMARKS 1024
#define FIRST_BOOKMARK 3            /* above BOOKMARK_BEGINNING/CURRENT/END */

typedef struct mc_row
{
    ULONG n;                /* values, including a generated PR_INSTANCE_KEY when `own_key` */
    SPropValue *props;      /* internal copies */
    BOOL own_key;           /* the last value is our generated PR_INSTANCE_KEY (payload: key) */
    BYTE key[4];
    ULONGLONG seq;          /* insertion order; kept when the row is modified */
} mc_row;

typedef struct bookmark
{
    ULONG id;
    BYTE instance[4];
    BOOL at_end;            /* bookmark taken after the last row */
    BOOL moved;             /* its row left the view: `pos` is where it was */
    ULONG pos;
} bookmark;

typedef struct advise
{
    ULONG connection;
    IMAPIAdviseSink *sink;
} advise;

typedef struct table_view table_view;

struct mc_table
{
    LONG ref;
    CRITICAL_SECTION lock;
    mc_alloc alloc;
    ULONG index_tag;
    SPropTagArray *default_columns;     /* internal; NULL = every column present */
    mc_row **rows;
    ULONG n_rows, cap_rows;
    ULONG next_instance;
    ULONGLONG next_seq;
    table_view *views;
};

struct table_view
{
    IMAPITable IMAPITable_iface;
    LONG ref;
    mc_table *table;
    void (*on_release)(void *ctx);
    void *ctx;
    mc_last_error last_error;
    table_view *next;               /* in table->views */

    SPropTagArray *columns;         /* internal; NULL = every column present */
    SSortOrderSet *sort;            /* internal; NULL = insertion order */
    SRestriction *restriction;      /* internal deep copy; NULL = all rows */

    mc_row **list;
    ULONG count, cap;
    ULONG cursor;

    bookmark *bookmarks;
    ULONG n_bookmarks;
    ULONG next_bookmark;

    advise *advises;
    ULONG n_advises;
    ULONG next_connection;
};

static inline table_view *impl_from_IMAPITable(IMAPITable *iface)
{
    return CONTAINING_RECORD(iface, table_view, IMAPITable_iface);
}

/* ---- restriction copies (a view keeps its own) --------------------------------------------- */

static void res_free(SRestriction *r)
{
    ULONG i;

    if (!r)
        return;
    switch (r->rt)
    {
    case RES_AND:
    case RES_OR:
        for (i = 0; r->res.resAnd.lpRes && i < r->res.resAnd.cRes; i++)
            res_free(&r->res.resAnd.lpRes[i]);
        mc_free(r->res.resAnd.lpRes);
        break;
    case RES_NOT:
        res_free(r->res.resNot.lpRes);
        mc_free(r->res.resNot.lpRes);
        break;
    case RES_SUBRESTRICTION:
        res_free(r->res.resSub.lpRes);
        mc_free(r->res.resSub.lpRes);
        break;
    case RES_CONTENT:
    case RES_PROPERTY:
        /* resContent.lpProp and resProperty.lpProp sit at the same place */
        if (r->res.resProperty.lpProp)
            mc_prop_free_internal(r->res.resProperty.lpProp);
        mc_free(r->res.resProperty.lpProp);
        break;
    case RES_COMMENT:
    case RES_ANNOTATION:
        res_free(r->res.resComment.lpRes);
        mc_free(r->res.resComment.lpRes);
        for (i = 0; r->res.resComment.lpProp && i < r->res.resComment.cValues; i++)
            mc_prop_free_internal(&r->res.resComment.lpProp[i]);
        mc_free(r->res.resComment.lpProp);
        break;
    }
}

/* Deep copy of a validated restriction into *dst (internal memory). */
static HRESULT res_copy(SRestriction *dst, const SRestriction *src)
{
    HRESULT hr = S_OK;
    ULONG i;

    *dst = *src;
    switch (src->rt)
    {
    case RES_AND:
    case RES_OR:
        dst->res.resAnd.lpRes = NULL;
        if (!src->res.resAnd.cRes)
            break;
        if (!(dst->res.resAnd.lpRes = mc_calloc(src->res.resAnd.cRes, sizeof(SRestriction))))
        {
            dst->res.resAnd.cRes = 0;
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        for (i = 0; i < src->res.resAnd.cRes && hr == S_OK; i++)
            hr = res_copy(&dst->res.resAnd.lpRes[i], &src->res.resAnd.lpRes[i]);
        if (hr != S_OK)
            dst->res.resAnd.cRes = i;
        break;
    case RES_NOT:
    case RES_SUBRESTRICTION:
    {
        /* resNot.lpRes and resSub.lpRes both follow one ULONG */
        SRestriction *child = mc_calloc(1, sizeof(SRestriction));
        const SRestriction *from = src->rt == RES_NOT ? src->res.resNot.lpRes : src->res.resSub.lpRes;
        if (src->rt == RES_NOT) dst->res.resNot.lpRes = child;
        else dst->res.resSub.lpRes = child;
        if (!child)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        child->rt = RES_EXIST;      /* harmless if the copy below fails half-way */
        hr = res_copy(child, from);
        break;
    }
    case RES_CONTENT:
    case RES_PROPERTY:
    {
        SPropValue *p = mc_calloc(1, sizeof(SPropValue));
        dst->res.resProperty.lpProp = p;
        if (!p)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        hr = mc_prop_copy(NULL, NULL, p, src->res.resProperty.lpProp);
        break;
    }
    case RES_COMMENT:
    case RES_ANNOTATION:
        dst->res.resComment.lpRes = NULL;
        dst->res.resComment.lpProp = NULL;
        if (src->res.resComment.cValues)
        {
            if (!(dst->res.resComment.lpProp = mc_calloc(src->res.resComment.cValues, sizeof(SPropValue))))
            {
                dst->res.resComment.cValues = 0;
                return MAPI_E_NOT_ENOUGH_MEMORY;
            }
            for (i = 0; i < src->res.resComment.cValues && hr == S_OK; i++)
                hr = mc_prop_copy(NULL, NULL, &dst->res.resComment.lpProp[i], &src->res.resComment.lpProp[i]);
        }
        if (hr == S_OK && src->res.resComment.lpRes)
        {
            if (!(dst->res.resComment.lpRes = mc_calloc(1, sizeof(SRestriction))))
                return MAPI_E_NOT_ENOUGH_MEMORY;
            dst->res.resComment.lpRes->rt = RES_EXIST;
            hr = res_copy(dst->res.resComment.lpRes, src->res.resComment.lpRes);
        }
        break;
    }
    return hr;
}

/* ---- rows ---------------------------------------------------------------------------------- */

static void row_free_values(mc_row *row)
{
    ULONG i, n = row->own_key ? row->n - 1 : row->n;

    for (i = 0; i < n; i++)
        mc_prop_free_internal(&row->props[i]);
    mc_free(row->props);
    row->props = NULL;
    row->n = 0;
}

/* Replace a row's values with copies of `props`, keeping its instance key. */
static HRESULT row_set_values(mc_row *row, ULONG n, const SPropValue *props)
{
    SPropValue *values;
    ULONG i, m = 0;
    BOOL has_key = mc_props_find(n, props, PR_INSTANCE_KEY) != NULL;
    HRESULT hr = S_OK;

    if (!(values = mc_calloc(n + 1, sizeof(SPropValue))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < n && hr == S_OK; i++)
    {
        if (props[i].ulPropTag == PR_NULL)
            continue;
        if ((hr = mc_prop_copy(NULL, NULL, &values[m], &props[i])) == S_OK)
            m++;
    }
    if (hr != S_OK)
    {
        while (m--)
            mc_prop_free_internal(&values[m]);
        mc_free(values);
        return hr;
    }
    if (!has_key)
    {
        /* The row carries no instance key of its own: expose the generated one. */
        values[m].ulPropTag = PR_INSTANCE_KEY;
        values[m].Value.bin.cb = sizeof(row->key);
        values[m].Value.bin.lpb = row->key;
        m++;
    }
    row_free_values(row);
    row->props = values;
    row->n = m;
    row->own_key = !has_key;
    return S_OK;
}

static const SPropValue *row_instance_key(const mc_row *row)
{
    return mc_props_find(row->n, row->props, PR_INSTANCE_KEY);
}

static BOOL row_has_instance(const mc_row *row, const BYTE instance[4])
{
    return memcmp(row->key, instance, 4) == 0;
}

static LONG table_find_row(mc_table *t, const SPropValue *index)
{
    ULONG i;

    for (i = 0; i < t->n_rows; i++)
    {
        const SPropValue *v = mc_props_find(t->rows[i]->n, t->rows[i]->props, t->index_tag);
        if (v && mc_prop_equal(v, index))
            return i;
    }
    return -1;
}

/* ---- view order and membership ------------------------------------------------------------ */

static int view_compare(const table_view *v, const mc_row *a, const mc_row *b)
{
    ULONG i;

    for (i = 0; v->sort && i < v->sort->cSorts; i++)
    {
        ULONG tag = v->sort->aSort[i].ulPropTag;
        const SPropValue *va = mc_props_find(a->n, a->props, tag);
        const SPropValue *vb = mc_props_find(b->n, b->props, tag);
        int r;

        /* A missing value sorts before every present one (ascending). */
        if (!va || !vb)
            r = (va != NULL) - (vb != NULL);
        else
            r = mc_prop_compare(va, vb);
        if (v->sort->aSort[i].ulOrder == TABLE_SORT_DESCEND)
            r = -r;
        if (r)
            return r;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : 0;
}

static BOOL view_matches(const table_view *v, const mc_row *row)
{
    return !v->restriction || mc_restriction_match(v->restriction, row->n, row->props);
}

static LONG view_index_of(const table_view *v, const mc_row *row)
{
    ULONG i;

    for (i = 0; i < v->count; i++)
        if (v->list[i] == row)
            return i;
    return -1;
}

/* Where `row` goes in the view's order: after every row that sorts before it. */
static ULONG view_insert_pos(const table_view *v, const mc_row *row)
{
    ULONG lo = 0, hi = v->count;

    while (lo < hi)
    {
        ULONG mid = (lo + hi) / 2;
        if (view_compare(v, v->list[mid], row) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static HRESULT view_insert(table_view *v, mc_row *row, ULONG *at)
{
    ULONG pos, i;

    if (v->count == v->cap)
    {
        ULONG cap = v->cap ? v->cap * 2 : 16;
        mc_row **n = mc_realloc(v->list, cap * sizeof(*n));
        if (!n)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        v->list = n;
        v->cap = cap;
    }
    pos = view_insert_pos(v, row);
    memmove(&v->list[pos + 1], &v->list[pos], (v->count - pos) * sizeof(*v->list));
    v->list[pos] = row;
    v->count++;
    if (pos < v->cursor)
        v->cursor++;
    for (i = 0; i < v->n_bookmarks; i++)
        if (v->bookmarks[i].moved && v->bookmarks[i].pos >= pos && v->bookmarks[i].pos < v->count)
            v->bookmarks[i].pos++;
    if (at)
        *at = pos;
    return S_OK;
}

/* Take the row at `pos` out of the view. `leaving`: it leaves for good (deleted or filtered
 * out), so bookmarks on it become "moved"; otherwise it is being re-placed. */
static void view_remove(table_view *v, ULONG pos, BOOL leaving)
{
    mc_row *row = v->list[pos];
    ULONG i;

    memmove(&v->list[pos], &v->list[pos + 1], (v->count - pos - 1) * sizeof(*v->list));
    v->count--;
    if (pos < v->cursor)
        v->cursor--;
    for (i = 0; leaving && i < v->n_bookmarks; i++)
    {
        bookmark *bk = &v->bookmarks[i];
        if (!bk->moved && !bk->at_end && row_has_instance(row, bk->instance))
        {
            bk->moved = TRUE;
            bk->pos = pos;
        }
        else if (bk->moved && bk->pos > pos)
            bk->pos--;
    }
}

static HRESULT view_rebuild(table_view *v)
{
    mc_table *t = v->table;
    HRESULT hr = S_OK;
    ULONG i;

    v->count = 0;
    v->cursor = 0;
    v->n_bookmarks = 0;     /* Restrict and SortTable discard every bookmark */
    for (i = 0; i < t->n_rows && hr == S_OK; i++)
        if (view_matches(v, t->rows[i]))
            hr = view_insert(v, t->rows[i], NULL);
    return hr;
}

/* ---- caller rows ---------------------------------------------------------------------------- */

/* Columns of a view with no SetColumns and no default set: every column some row has. */
static HRESULT all_columns(mc_table *t, const SPropTagArray *first, SPropTagArray **out)
{
    SPropTagArray *tags;
    ULONG max = first ? first->cValues : 0, i, j;

    for (i = 0; i < t->n_rows; i++)
        max += t->rows[i]->n;
    if (!(tags = mc_malloc(CbNewSPropTagArray(max + 1))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    tags->cValues = 0;
    for (i = 0; first && i < first->cValues; i++)
        if (!mc_tags_contain(tags, first->aulPropTag[i]))
            tags->aulPropTag[tags->cValues++] = first->aulPropTag[i];
    for (i = 0; i < t->n_rows; i++)
        for (j = 0; j < t->rows[i]->n; j++)
        {
            ULONG tag = t->rows[i]->props[j].ulPropTag;
            if (PROP_TYPE(tag) != PT_ERROR && !mc_tags_contain(tags, tag))
                tags->aulPropTag[tags->cValues++] = tag;
        }
    *out = tags;
    return S_OK;
}

/* One row in the given columns: a new AllocateBuffer block (parent NULL) or a child. */
static HRESULT build_row(mc_table *t, const SPropTagArray *cols, const mc_row *row, void *parent,
                         SRow *out)
{
    SPropValue *values = NULL;
    HRESULT hr;
    ULONG i;

    out->ulAdrEntryPad = 0;
    out->cValues = 0;
    out->lpProps = NULL;
    if ((hr = mc_alloc_more(&t->alloc, parent, cols->cValues * sizeof(SPropValue) + 1,
                            (void **)&values)) != S_OK)
        return hr;
    for (i = 0; i < cols->cValues; i++)
    {
        ULONG tag = cols->aulPropTag[i];
        const SPropValue *v;

        memset(&values[i], 0, sizeof(values[i]));
        if (tag == PR_NULL)
        {
            values[i].ulPropTag = PR_NULL;      /* a reserved empty slot */
            continue;
        }
        v = mc_props_find(row->n, row->props, tag);
        if (!v || (PROP_TYPE(v->ulPropTag) == PT_ERROR && PROP_TYPE(tag) != PT_UNSPECIFIED))
        {
            values[i].ulPropTag = CHANGE_PROP_TYPE(tag, PT_ERROR);
            values[i].Value.err = MAPI_E_NOT_FOUND;
            continue;
        }
        /* FIXME (issue 4): MV_INSTANCE columns return the whole MV value, one row per table
         * row, instead of one row per value. */
        hr = mc_prop_convert(&t->alloc, parent ? parent : values, &values[i], v,
                             PROP_TYPE(tag) == PT_UNSPECIFIED ? PROP_TYPE(v->ulPropTag) : PROP_TYPE(tag));
        if (hr != S_OK)
        {
            if (!parent)
                t->alloc.free_buffer(values);
            return hr;
        }
    }
    out->cValues = cols->cValues;
    out->lpProps = values;
    return S_OK;
}

/* ---- notifications --------------------------------------------------------------------------- */

typedef struct pending
{
    ULONG count, cap;
    struct { IMAPIAdviseSink *sink; NOTIFICATION *notif; } *items;
    ULONG n_blocks;
    NOTIFICATION **blocks;      /* one per view and event, freed after delivery */
} pending;

static HRESULT pending_add_block(pending *p, NOTIFICATION *n)
{
    NOTIFICATION **b = mc_realloc(p->blocks, (p->n_blocks + 1) * sizeof(*b));
    if (!b)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->blocks = b;
    p->blocks[p->n_blocks++] = n;
    return S_OK;
}

/* Queue one table event of view `v` for each of its sinks. `row` NULL for TABLE_RELOAD;
 * `pos` is the row's position in the view (for propPrior) when it is present there. */
static void view_queue_event(table_view *v, ULONG event, const mc_row *row, ULONG pos, pending *p)
{
    mc_table *t = v->table;
    SPropTagArray *cols = v->columns, *all = NULL;
    NOTIFICATION *n = NULL;
    ULONG i;

    if (!v->n_advises)
        return;
    if (mc_alloc_more(&t->alloc, NULL, sizeof(*n), (void **)&n) != S_OK)
        return;     /* no memory: the event is lost, as MAPI's own engine would lose it */
    memset(n, 0, sizeof(*n));
    n->ulEventType = fnevTableModified;
    n->info.tab.ulTableEvent = event;
    n->info.tab.hResult = S_OK;
    n->info.tab.propIndex.ulPropTag = PR_NULL;
    n->info.tab.propPrior.ulPropTag = PR_NULL;   /* PR_NULL, never 0 (table_notification.md) */
    if (row)
    {
        const SPropValue *key = row_instance_key(row);
        if (key && mc_prop_copy(&t->alloc, n, &n->info.tab.propIndex, key) != S_OK)
            goto fail;
        if (event != TABLE_ROW_DELETED && pos > 0
            && (key = row_instance_key(v->list[pos - 1]))
            && mc_prop_copy(&t->alloc, n, &n->info.tab.propPrior, key) != S_OK)
            goto fail;
        if (event != TABLE_ROW_DELETED)
        {
            if (!cols && all_columns(t, t->default_columns, &all) != S_OK)
                goto fail;
            if (build_row(t, cols ? cols : all, row, n, &n->info.tab.row) != S_OK)
                goto fail;
        }
    }
    if (pending_add_block(p, n) != S_OK)
        goto fail;
    for (i = 0; i < v->n_advises; i++)
    {
        if (p->count == p->cap)
        {
            ULONG cap = p->cap ? p->cap * 2 : 8;
            void *items = mc_realloc(p->items, cap * sizeof(*p->items));
            if (!items)
                break;
            p->items = items;
            p->cap = cap;
        }
        v->advises[i].sink->lpVtbl->AddRef(v->advises[i].sink);
        p->items[p->count].sink = v->advises[i].sink;
        p->items[p->count].notif = n;
        p->count++;
    }
    mc_free(all);
    return;
fail:
    mc_free(all);
    t->alloc.free_buffer(n);
}

/* Deliver queued events, outside the table lock so a sink may call back into the table.
 * Synchronous for now: issue 4 moves delivery to minimapi's notification thread, which is
 * what MAPI documents (client notifications are asynchronous). */
static void pending_deliver(mc_table *t, pending *p)
{
    ULONG i;

    for (i = 0; i < p->count; i++)
    {
        p->items[i].sink->lpVtbl->OnNotify(p->items[i].sink, 1, p->items[i].notif);
        p->items[i].sink->lpVtbl->Release(p->items[i].sink);
    }
    for (i = 0; i < p->n_blocks; i++)
        t->alloc.free_buffer(p->blocks[i]);
    mc_free(p->items);
    mc_free(p->blocks);
}

/* ---- table data --------------------------------------------------------------------------- */

HRESULT mc_table_new(const mc_alloc *a, ULONG index_tag, const SPropTagArray *default_columns,
                     mc_table **out)
{
    mc_table *t;

    if (!a || !a->allocate_buffer || !a->allocate_more || !a->free_buffer || !out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!mc_prop_type_valid(PROP_TYPE(index_tag)) || PROP_TYPE(index_tag) == PT_UNSPECIFIED
        || (PROP_TYPE(index_tag) & MV_FLAG))
        return MAPI_E_INVALID_PARAMETER;
    if (!(t = mc_calloc(1, sizeof(*t))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (default_columns && default_columns->cValues)
    {
        if (!(t->default_columns = mc_malloc(CbSPropTagArray(default_columns))))
        {
            mc_free(t);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        memcpy(t->default_columns, default_columns, CbSPropTagArray(default_columns));
    }
    t->ref = 1;
    t->alloc = *a;
    t->index_tag = index_tag;
    t->next_instance = 1;
    InitializeCriticalSection(&t->lock);
    *out = t;
    return S_OK;
}

void mc_table_addref(mc_table *t)
{
    if (t)
        InterlockedIncrement(&t->ref);
}

void mc_table_release(mc_table *t)
{
    ULONG i;

    if (!t || InterlockedDecrement(&t->ref))
        return;
    for (i = 0; i < t->n_rows; i++)
    {
        row_free_values(t->rows[i]);
        mc_free(t->rows[i]);
    }
    mc_free(t->rows);
    mc_free(t->default_columns);
    DeleteCriticalSection(&t->lock);
    mc_free(t);
}

HRESULT mc_table_modify_row(mc_table *t, ULONG n, const SPropValue *props)
{
    pending p = {0};
    const SPropValue *index;
    table_view *v;
    mc_row *row = NULL;
    BOOL added = FALSE;
    HRESULT hr = S_OK;
    LONG at;

    if (!t || !n || !props)
        return MAPI_E_INVALID_PARAMETER;
    if (!(index = mc_props_find(n, props, t->index_tag)))
        return MAPI_E_INVALID_PARAMETER;    /* itabledata-hrmodifyrow.md: index column required */

    EnterCriticalSection(&t->lock);
    if ((at = table_find_row(t, index)) >= 0)
    {
        row = t->rows[at];
        if ((hr = row_set_values(row, n, props)) != S_OK)
            goto done;
    }
    else
    {
        if (t->n_rows == t->cap_rows)
        {
            ULONG cap = t->cap_rows ? t->cap_rows * 2 : 16;
            mc_row **rows = mc_realloc(t->rows, cap * sizeof(*rows));
            if (!rows)
            {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                goto done;
            }
            t->rows = rows;
            t->cap_rows = cap;
        }
        if (!(row = mc_calloc(1, sizeof(*row))))
        {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto done;
        }
        memcpy(row->key, &t->next_instance, sizeof(row->key));
        if ((hr = row_set_values(row, n, props)) != S_OK)
        {
            mc_free(row);
            goto done;
        }
        t->next_instance++;
        row->seq = t->next_seq++;
        t->rows[t->n_rows++] = row;     /* new rows go to the end (itabledata-hrmodifyrow.md) */
        added = TRUE;
    }

    for (v = t->views; v; v = v->next)
    {
        LONG was = added ? -1 : view_index_of(v, row);
        BOOL now = view_matches(v, row);
        ULONG pos;

        if (was >= 0)
            view_remove(v, was, !now);
        if (now)
        {
            if (view_insert(v, row, &pos) != S_OK)
                continue;
            view_queue_event(v, was >= 0 ? TABLE_ROW_MODIFIED : TABLE_ROW_ADDED, row, pos, &p);
        }
        else if (was >= 0)
            view_queue_event(v, TABLE_ROW_DELETED, row, 0, &p);
    }
done:
    LeaveCriticalSection(&t->lock);
    pending_deliver(t, &p);
    return hr;
}

HRESULT mc_table_delete_row(mc_table *t, const SPropValue *index)
{
    pending p = {0};
    table_view *v;
    mc_row *row;
    HRESULT hr = S_OK;
    LONG at;

    if (!t || !index)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    if ((at = table_find_row(t, index)) < 0)
    {
        hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    row = t->rows[at];
    for (v = t->views; v; v = v->next)
    {
        LONG pos = view_index_of(v, row);
        if (pos < 0)
            continue;       /* restricted out: no notification (imapitable-restrict.md) */
        view_queue_event(v, TABLE_ROW_DELETED, row, pos, &p);
        view_remove(v, pos, TRUE);
    }
    memmove(&t->rows[at], &t->rows[at + 1], (t->n_rows - at - 1) * sizeof(*t->rows));
    t->n_rows--;
    row_free_values(row);
    mc_free(row);
done:
    LeaveCriticalSection(&t->lock);
    pending_deliver(t, &p);
    return hr;
}

HRESULT mc_table_delete_all(mc_table *t)
{
    pending p = {0};
    table_view *v;
    ULONG i;

    if (!t)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    for (v = t->views; v; v = v->next)
    {
        v->count = 0;
        v->cursor = 0;
        for (i = 0; i < v->n_bookmarks; i++)
        {
            v->bookmarks[i].moved = !v->bookmarks[i].at_end;
            v->bookmarks[i].pos = 0;
        }
        view_queue_event(v, TABLE_RELOAD, NULL, 0, &p);
    }
    for (i = 0; i < t->n_rows; i++)
    {
        row_free_values(t->rows[i]);
        mc_free(t->rows[i]);
    }
    t->n_rows = 0;
    LeaveCriticalSection(&t->lock);
    pending_deliver(t, &p);
    return S_OK;
}

ULONG mc_table_row_count(mc_table *t)
{
    ULONG n;

    if (!t)
        return 0;
    EnterCriticalSection(&t->lock);
    n = t->n_rows;
    LeaveCriticalSection(&t->lock);
    return n;
}

static const IMAPITableVtbl table_view_vtbl;

HRESULT mc_table_open_view(mc_table *t, void (*on_release)(void *ctx), void *ctx,
                           IMAPITable **out)
{
    table_view *v;
    HRESULT hr;

    if (!t || !out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(v = mc_calloc(1, sizeof(*v))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    v->IMAPITable_iface.lpVtbl = (IMAPITableVtbl *)&table_view_vtbl;
    v->ref = 1;
    v->table = t;
    v->on_release = on_release;
    v->ctx = ctx;
    v->next_bookmark = FIRST_BOOKMARK;
    v->next_connection = 1;
    mc_last_error_init(&v->last_error);
    if (t->default_columns
        && !(v->columns = mc_malloc(CbSPropTagArray(t->default_columns))))
    {
        mc_last_error_destroy(&v->last_error);
        mc_free(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (v->columns)
        memcpy(v->columns, t->default_columns, CbSPropTagArray(t->default_columns));

    mc_table_addref(t);
    EnterCriticalSection(&t->lock);
    hr = view_rebuild(v);
    if (hr == S_OK)
    {
        v->next = t->views;
        t->views = v;
    }
    LeaveCriticalSection(&t->lock);
    if (hr != S_OK)
    {
        mc_free(v->list);
        mc_free(v->columns);
        mc_last_error_destroy(&v->last_error);
        mc_free(v);
        mc_table_release(t);
        return hr;
    }
    mc_object_created();
    MC_TRACE("table", "view %p over table %p, %lu rows", v, t, (unsigned long)v->count);
    *out = &v->IMAPITable_iface;
    return S_OK;
}

/* ---- IMAPITable ------------------------------------------------------------------------------ */

static HRESULT WINAPI view_QueryInterface(IMAPITable *iface, REFIID riid, void **obj)
{
    table_view *v = impl_from_IMAPITable(iface);

    if (!obj)
        return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMAPITable))
    {
        *obj = &v->IMAPITable_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return MAPI_E_INTERFACE_NOT_SUPPORTED;
}

static ULONG WINAPI view_AddRef(IMAPITable *iface)
{
    table_view *v = impl_from_IMAPITable(iface);
    return InterlockedIncrement(&v->ref);
}

static ULONG WINAPI view_Release(IMAPITable *iface)
{
    table_view *v = impl_from_IMAPITable(iface);
    mc_table *t = v->table;
    table_view **link;
    LONG ref = InterlockedDecrement(&v->ref);
    ULONG i;

    if (ref)
        return ref;
    EnterCriticalSection(&t->lock);
    for (link = &t->views; *link; link = &(*link)->next)
        if (*link == v)
        {
            *link = v->next;
            break;
        }
    LeaveCriticalSection(&t->lock);
    for (i = 0; i < v->n_advises; i++)
        v->advises[i].sink->lpVtbl->Release(v->advises[i].sink);
    mc_free(v->advises);
    mc_free(v->bookmarks);
    mc_free(v->list);
    mc_free(v->columns);
    mc_free(v->sort);
    if (v->restriction)
    {
        res_free(v->restriction);
        mc_free(v->restriction);
    }
    mc_last_error_destroy(&v->last_error);
    if (v->on_release)
        v->on_release(v->ctx);
    mc_free(v);
    mc_table_release(t);
    mc_object_destroyed();
    return 0;
}

static HRESULT WINAPI view_GetLastError(IMAPITable *iface, HRESULT hr, ULONG flags,
                                        LPMAPIERROR *error)
{
    table_view *v = impl_from_IMAPITable(iface);

    MC_TRACE("table", "%p %#lx %#lx", v, (unsigned long)hr, (unsigned long)flags);
    return mc_last_error_get(&v->last_error, &v->table->alloc, L"Tandem table", hr, flags, error);
}

static HRESULT WINAPI view_Advise(IMAPITable *iface, ULONG mask, LPMAPIADVISESINK sink,
                                  ULONG *connection)
{
    table_view *v = impl_from_IMAPITable(iface);
    HRESULT hr = S_OK;
    advise *a;

    MC_TRACE("table", "%p %#lx %p", v, (unsigned long)mask, sink);
    if (!sink || !connection)
        return MAPI_E_INVALID_PARAMETER;
    if (mask != fnevTableModified)      /* the only event a table has (imapitable-advise.md) */
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&v->table->lock);
    if (!(a = mc_realloc(v->advises, (v->n_advises + 1) * sizeof(*a))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    v->advises = a;
    sink->lpVtbl->AddRef(sink);
    a[v->n_advises].sink = sink;
    a[v->n_advises].connection = v->next_connection++;
    /* Only the low 32 bits of a connection number are ours to write (DECISIONS.md 1). */
    *connection = a[v->n_advises].connection;
    v->n_advises++;
done:
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_Unadvise(IMAPITable *iface, ULONG connection)
{
    table_view *v = impl_from_IMAPITable(iface);
    IMAPIAdviseSink *sink = NULL;
    ULONG i;

    MC_TRACE("table", "%p %lu", v, (unsigned long)connection);
    EnterCriticalSection(&v->table->lock);
    for (i = 0; i < v->n_advises; i++)
        if (v->advises[i].connection == (ULONG)connection)
        {
            sink = v->advises[i].sink;
            memmove(&v->advises[i], &v->advises[i + 1], (v->n_advises - i - 1) * sizeof(advise));
            v->n_advises--;
            break;
        }
    LeaveCriticalSection(&v->table->lock);
    if (!sink)
        return MAPI_E_NOT_FOUND;
    sink->lpVtbl->Release(sink);
    return S_OK;
}

static HRESULT WINAPI view_GetStatus(IMAPITable *iface, ULONG *status, ULONG *type)
{
    MC_TRACE("table", "%p", iface);
    if (!status || !type)
        return MAPI_E_INVALID_PARAMETER;
    /* Everything here is synchronous, and views follow the data (imapitable-getstatus.md). */
    *status = TBLSTAT_COMPLETE;
    *type = TBLTYPE_DYNAMIC;
    return S_OK;
}

static HRESULT WINAPI view_SetColumns(IMAPITable *iface, LPSPropTagArray tags, ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    SPropTagArray *copy;

    MC_TRACE("table", "%p %p %#lx", v, tags, (unsigned long)flags);
    if (!tags || !tags->cValues)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(TBL_ASYNC | TBL_BATCH))
        return MAPI_E_UNKNOWN_FLAGS;
    /* TBL_ASYNC/TBL_BATCH: done at once, which the flags allow. Columns no row has are not an
     * error here; they come back as PT_ERROR (imapitable-setcolumns.md). */
    if (!(copy = mc_malloc(CbSPropTagArray(tags))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(copy, tags, CbSPropTagArray(tags));
    EnterCriticalSection(&v->table->lock);
    mc_free(v->columns);
    v->columns = copy;
    LeaveCriticalSection(&v->table->lock);
    return S_OK;
}

static HRESULT WINAPI view_QueryColumns(IMAPITable *iface, ULONG flags, LPSPropTagArray *out)
{
    table_view *v = impl_from_IMAPITable(iface);
    mc_table *t = v->table;
    SPropTagArray *all = NULL;
    const SPropTagArray *cols;
    HRESULT hr;

    MC_TRACE("table", "%p %#lx", v, (unsigned long)flags);
    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~TBL_ALL_COLUMNS)
        return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&t->lock);
    if ((flags & TBL_ALL_COLUMNS) || !v->columns)
    {
        /* Every column available: the default set, then whatever the rows carry. */
        if ((hr = all_columns(t, t->default_columns, &all)) != S_OK)
            goto done;
        cols = all;
    }
    else
        cols = v->columns;
    hr = mc_tags_dup(&t->alloc, cols, out);
done:
    LeaveCriticalSection(&t->lock);
    mc_free(all);
    return hr;
}

static HRESULT WINAPI view_GetRowCount(IMAPITable *iface, ULONG flags, ULONG *count)
{
    table_view *v = impl_from_IMAPITable(iface);

    MC_TRACE("table", "%p", v);
    if (!count)
        return MAPI_E_INVALID_PARAMETER;
    if (flags)
        return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&v->table->lock);
    *count = v->count;
    LeaveCriticalSection(&v->table->lock);
    return S_OK;
}

static bookmark *find_bookmark(table_view *v, ULONG id)
{
    ULONG i;

    for (i = 0; i < v->n_bookmarks; i++)
        if (v->bookmarks[i].id == id)
            return &v->bookmarks[i];
    return NULL;
}

/* The position a bookmark stands for (caller holds the lock). A bookmark whose row left the
 * view stands for the row that followed it, once: MAPI_W_POSITION_CHANGED, and from then on it
 * names that row (imapitable-seekrow.md, notes to implementers). */
static HRESULT resolve_bookmark(table_view *v, BOOKMARK bk, ULONG *pos)
{
    ULONG id = (ULONG)bk;       /* only the low 32 bits count (DECISIONS.md 1) */
    bookmark *b;
    ULONG i;

    switch (id)
    {
    case BOOKMARK_BEGINNING: *pos = 0; return S_OK;
    case BOOKMARK_CURRENT:   *pos = v->cursor; return S_OK;
    case BOOKMARK_END:       *pos = v->count; return S_OK;
    }
    if (!(b = find_bookmark(v, id)))
        return MAPI_E_INVALID_BOOKMARK;
    if (b->at_end)
    {
        *pos = v->count;
        return S_OK;
    }
    if (b->moved)
    {
        *pos = b->pos < v->count ? b->pos : v->count;
        b->moved = FALSE;
        if (*pos < v->count)
            memcpy(b->instance, v->list[*pos]->key, 4);
        else
            b->at_end = TRUE;
        return MAPI_W_POSITION_CHANGED;
    }
    for (i = 0; i < v->count; i++)
        if (row_has_instance(v->list[i], b->instance))
        {
            *pos = i;
            return S_OK;
        }
    return MAPI_E_INVALID_BOOKMARK;     /* not reached: rows leaving mark the bookmark moved */
}

static HRESULT WINAPI view_SeekRow(IMAPITable *iface, BOOKMARK origin, LONG rows, LONG *sought)
{
    table_view *v = impl_from_IMAPITable(iface);
    LONGLONG target;
    ULONG start;
    HRESULT hr;

    MC_TRACE("table", "%p %lu %ld", v, (unsigned long)origin, (long)rows);
    EnterCriticalSection(&v->table->lock);
    if (FAILED(hr = resolve_bookmark(v, origin, &start)))
        goto done;
    target = (LONGLONG)start + rows;
    if (target < 0)
        target = 0;
    if (target > v->count)
        target = v->count;
    v->cursor = (ULONG)target;
    if (sought)
        *sought = (LONG)(target - start);
done:
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_SeekRowApprox(IMAPITable *iface, ULONG numerator, ULONG denominator)
{
    table_view *v = impl_from_IMAPITable(iface);

    MC_TRACE("table", "%p %lu/%lu", v, (unsigned long)numerator, (unsigned long)denominator);
    if (!denominator)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&v->table->lock);
    if (numerator >= denominator)
        v->cursor = v->count;       /* numerator == denominator: after the last row */
    else
        v->cursor = (ULONG)((ULONGLONG)numerator * v->count / denominator);
    LeaveCriticalSection(&v->table->lock);
    return S_OK;
}

static HRESULT WINAPI view_QueryPosition(IMAPITable *iface, ULONG *row, ULONG *numerator,
                                         ULONG *denominator)
{
    table_view *v = impl_from_IMAPITable(iface);

    MC_TRACE("table", "%p", v);
    if (!row || !numerator || !denominator)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&v->table->lock);
    *row = v->cursor;
    *numerator = v->cursor;
    *denominator = v->count ? v->count : 1;
    LeaveCriticalSection(&v->table->lock);
    return S_OK;
}

static HRESULT WINAPI view_FindRow(IMAPITable *iface, LPSRestriction res, BOOKMARK origin,
                                   ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    HRESULT hr, found = MAPI_E_NOT_FOUND;
    ULONG start, i;

    MC_TRACE("table", "%p %p %lu %#lx", v, res, (unsigned long)origin, (unsigned long)flags);
    if (!res)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~DIR_BACKWARD)
        return MAPI_E_UNKNOWN_FLAGS;
    if ((hr = mc_restriction_validate(res)) != S_OK)
        return mc_last_error_set(&v->last_error, hr, L"FindRow: restriction not supported");
    EnterCriticalSection(&v->table->lock);
    if (FAILED(hr = resolve_bookmark(v, origin, &start)))
        goto done;
    /* Forward from the bookmark's row; backward from the row before it (imapitable-findrow.md).
     * The cursor ends on the row found, so QueryRows reads it next. */
    if (!(flags & DIR_BACKWARD))
    {
        for (i = start; i < v->count; i++)
            if (mc_restriction_match(res, v->list[i]->n, v->list[i]->props))
                break;
        if (i < v->count)
        {
            v->cursor = i;
            found = S_OK;
        }
    }
    else
    {
        for (i = start; i > 0; i--)
            if (mc_restriction_match(res, v->list[i - 1]->n, v->list[i - 1]->props))
                break;
        if (i > 0)
        {
            v->cursor = i - 1;
            found = S_OK;
        }
    }
    if (found != S_OK)
        hr = found;
done:
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_Restrict(IMAPITable *iface, LPSRestriction res, ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    SRestriction *copy = NULL, *old;
    HRESULT hr;

    MC_TRACE("table", "%p %p %#lx", v, res, (unsigned long)flags);
    if (flags & ~(TBL_ASYNC | TBL_BATCH))
        return MAPI_E_UNKNOWN_FLAGS;
    if (res)
    {
        if ((hr = mc_restriction_validate(res)) != S_OK)
            return mc_last_error_set(&v->last_error, hr, L"Restrict: restriction not supported");
        if (!(copy = mc_calloc(1, sizeof(*copy))))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        if ((hr = res_copy(copy, res)) != S_OK)
        {
            res_free(copy);
            mc_free(copy);
            return hr;
        }
    }
    EnterCriticalSection(&v->table->lock);
    old = v->restriction;
    v->restriction = copy;
    hr = view_rebuild(v);
    LeaveCriticalSection(&v->table->lock);
    if (old)
    {
        res_free(old);
        mc_free(old);
    }
    return hr;
}

static HRESULT WINAPI view_CreateBookmark(IMAPITable *iface, BOOKMARK *position)
{
    table_view *v = impl_from_IMAPITable(iface);
    HRESULT hr = S_OK;
    bookmark *b;

    MC_TRACE("table", "%p", v);
    if (!position)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&v->table->lock);
    if (v->n_bookmarks >= MAX_BOOKMARKS)
    {
        hr = MAPI_E_UNABLE_TO_COMPLETE;     /* imapitable-createbookmark.md: out of bookmarks */
        goto done;
    }
    if (!(b = mc_realloc(v->bookmarks, (v->n_bookmarks + 1) * sizeof(*b))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    v->bookmarks = b;
    b = &v->bookmarks[v->n_bookmarks++];
    memset(b, 0, sizeof(*b));
    b->id = v->next_bookmark++;
    if (v->cursor < v->count)
        memcpy(b->instance, v->list[v->cursor]->key, 4);
    else
        b->at_end = TRUE;
    /* Only the low 32 bits are ours to write (DECISIONS.md 1). */
    *position = b->id;
done:
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_FreeBookmark(IMAPITable *iface, BOOKMARK position)
{
    table_view *v = impl_from_IMAPITable(iface);
    ULONG id = (ULONG)position;
    HRESULT hr = S_OK;
    bookmark *b;

    MC_TRACE("table", "%p %lu", v, (unsigned long)id);
    if (id == BOOKMARK_BEGINNING || id == BOOKMARK_CURRENT || id == BOOKMARK_END)
        return S_OK;
    EnterCriticalSection(&v->table->lock);
    if (!(b = find_bookmark(v, id)))
        hr = MAPI_E_INVALID_BOOKMARK;
    else
    {
        ULONG i = b - v->bookmarks;
        memmove(b, b + 1, (v->n_bookmarks - i - 1) * sizeof(*b));
        v->n_bookmarks--;
    }
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_SortTable(IMAPITable *iface, LPSSortOrderSet sort, ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    SSortOrderSet *copy = NULL, *old;
    HRESULT hr;
    ULONG i;

    MC_TRACE("table", "%p %p %#lx", v, sort, (unsigned long)flags);
    if (!sort)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(TBL_ASYNC | TBL_BATCH))
        return MAPI_E_UNKNOWN_FLAGS;
    if (sort->cCategories > sort->cSorts || sort->cExpanded > sort->cCategories)
        return MAPI_E_INVALID_PARAMETER;
    if (sort->cCategories)
    {
        /* Categorized views need header rows and expand/collapse state: issue 4. */
        MC_FIXME("categorized sort (%lu categories) not supported yet", (unsigned long)sort->cCategories);
        return mc_last_error_set(&v->last_error, MAPI_E_TOO_COMPLEX,
                                 L"SortTable: categorized sorts are not supported yet");
    }
    for (i = 0; i < sort->cSorts; i++)
    {
        ULONG type = PROP_TYPE(sort->aSort[i].ulPropTag);
        if (sort->aSort[i].ulOrder != TABLE_SORT_ASCEND && sort->aSort[i].ulOrder != TABLE_SORT_DESCEND)
            return MAPI_E_INVALID_PARAMETER;
        if (!mc_prop_type_valid(type) || type == PT_OBJECT)
            return MAPI_E_TOO_COMPLEX;
        if (type & MV_INSTANCE)
        {
            MC_FIXME("sort on an MV_INSTANCE column not supported yet");
            return MAPI_E_TOO_COMPLEX;      /* needs one row per value: issue 4 */
        }
    }
    if (sort->cSorts && !(copy = mc_malloc(CbSSortOrderSet(sort))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (copy)
        memcpy(copy, sort, CbSSortOrderSet(sort));
    EnterCriticalSection(&v->table->lock);
    old = v->sort;
    v->sort = copy;
    hr = view_rebuild(v);
    LeaveCriticalSection(&v->table->lock);
    mc_free(old);
    return hr;
}

static HRESULT WINAPI view_QuerySortOrder(IMAPITable *iface, LPSSortOrderSet *out)
{
    table_view *v = impl_from_IMAPITable(iface);
    SSortOrderSet *set;
    ULONG n;
    HRESULT hr;

    MC_TRACE("table", "%p", v);
    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    EnterCriticalSection(&v->table->lock);
    n = v->sort ? v->sort->cSorts : 0;
    if ((hr = mc_alloc_more(&v->table->alloc, NULL, CbNewSSortOrderSet(n), (void **)&set)) == S_OK)
    {
        if (v->sort)
            memcpy(set, v->sort, CbSSortOrderSet(v->sort));
        else
            memset(set, 0, CbNewSSortOrderSet(0));
        *out = set;
    }
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_QueryRows(IMAPITable *iface, LONG count, ULONG flags, LPSRowSet *out)
{
    table_view *v = impl_from_IMAPITable(iface);
    mc_table *t = v->table;
    SPropTagArray *all = NULL;
    const SPropTagArray *cols;
    SRowSet *set = NULL;
    ULONG start, n, i;
    HRESULT hr;

    MC_TRACE("table", "%p %ld %#lx", v, (long)count, (unsigned long)flags);
    if (!out || count == 0)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~TBL_NOADVANCE)
        return MAPI_E_UNKNOWN_FLAGS;
    *out = NULL;
    EnterCriticalSection(&t->lock);
    if (count > 0)
    {
        start = v->cursor;
        n = v->count - start < (ULONG)count ? v->count - start : (ULONG)count;
    }
    else
    {
        /* Move back |count| rows (or to the first row), then read forward up to where the
         * cursor was. The cursor is left on the first row returned: that is where TBL_NOADVANCE
         * puts it, and without the flag it makes repeated negative reads page backward. */
        ULONG back = count == LONG_MIN ? 0x80000000u : (ULONG)-count;
        start = v->cursor < back ? 0 : v->cursor - back;
        n = v->cursor - start;
    }
    if (!v->columns && (hr = all_columns(t, t->default_columns, &all)) != S_OK)
        goto done;
    cols = v->columns ? v->columns : all;
    if ((hr = mc_alloc_more(&t->alloc, NULL, CbNewSRowSet(n), (void **)&set)) != S_OK)
        goto done;
    set->cRows = 0;
    for (i = 0; i < n; i++)
    {
        /* Each row its own block (managing-memory-for-adrlist-and-srowset-structures.md). */
        if ((hr = build_row(t, cols, v->list[start + i], NULL, &set->aRow[i])) != S_OK)
            goto done;
        set->cRows++;
    }
    if (count < 0)
        v->cursor = start;
    else if (!(flags & TBL_NOADVANCE))
        v->cursor = start + n;
    *out = set;
    set = NULL;
done:
    LeaveCriticalSection(&t->lock);
    if (set)
        mc_free_rows(&t->alloc, set);
    mc_free(all);
    return hr;
}

static HRESULT WINAPI view_Abort(IMAPITable *iface)
{
    MC_TRACE("table", "%p", iface);
    return S_OK;    /* nothing is ever pending: every operation completes synchronously */
}

static HRESULT WINAPI view_ExpandRow(IMAPITable *iface, ULONG cb_key, LPBYTE key, ULONG rows,
                                     ULONG flags, LPSRowSet *out, ULONG *more)
{
    MC_FIXME("%p: no categories yet (issue 4)", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT WINAPI view_CollapseRow(IMAPITable *iface, ULONG cb_key, LPBYTE key, ULONG flags,
                                       ULONG *rows)
{
    MC_FIXME("%p: no categories yet (issue 4)", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT WINAPI view_WaitForCompletion(IMAPITable *iface, ULONG flags, ULONG timeout,
                                             ULONG *status)
{
    MC_TRACE("table", "%p", iface);
    if (status)
        *status = TBLSTAT_COMPLETE;
    return S_OK;
}

static HRESULT WINAPI view_GetCollapseState(IMAPITable *iface, ULONG flags, ULONG cb_key,
                                            LPBYTE key, ULONG *cb_state, LPBYTE *state)
{
    MC_FIXME("%p: no categories yet (issue 4)", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT WINAPI view_SetCollapseState(IMAPITable *iface, ULONG flags, ULONG cb_state,
                                            LPBYTE state, BOOKMARK *location)
{
    MC_FIXME("%p: no categories yet (issue 4)", iface);
    return MAPI_E_NO_SUPPORT;
}

static const IMAPITableVtbl table_view_vtbl =
{
    view_QueryInterface,
    view_AddRef,
    view_Release,
    view_GetLastError,
    view_Advise,
    view_Unadvise,
    view_GetStatus,
    view_SetColumns,
    view_QueryColumns,
    view_GetRowCount,
    view_SeekRow,
    view_SeekRowApprox,
    view_QueryPosition,
    view_FindRow,
    view_Restrict,
    view_CreateBookmark,
    view_FreeBookmark,
    view_SortTable,
    view_QuerySortOrder,
    view_QueryRows,
    view_Abort,
    view_ExpandRow,
    view_CollapseRow,
    view_WaitForCompletion,
    view_GetCollapseState,
    view_SetCollapseState,
};
