/*
 * table.c - the in-memory table: table data in the ITableData model (itabledata-hrmodifyrow.md,
 * itabledata-hrdeleterow.md, itabledata-hrgetview.md) and its IMAPITable views
 * (imapitableiunknown.md and the imapitable-*.md pages, sorting-and-categorization.md,
 * working-with-multivalued-columns.md, table_notification.md; spi-digest.md §4.9).
 *
 * Invariants, all under mc_table.lock (one lock for the data and every view, so a change and
 * the views' reaction to it are one step):
 * - table rows are kept in insertion order (`seq` ascending) and found by index value through a
 *   hash; each has an instance key (4 bytes from a counter never reused within the mc_table);
 * - a view shows entries (ventry): one per matching row, or one per value of its MV_INSTANCE
 *   column, plus one heading per category in a categorized view. `all` holds every entry of a
 *   categorized view in order; `list` the visible ones (no collapsed rows) in the same order;
 *   uncategorized views have only `list`. Both are sorted by view_cmp, a total order (ties
 *   broken by insertion order then instance number), so an entry is found or placed by binary
 *   search and a position is a plain index;
 * - string sort keys come from LCMapStringW(LCMAP_SORTKEY) everywhere a view orders rows, so
 *   the bulk sort and the binary searches of later changes agree exactly;
 * - 0 <= cursor <= list count; a bookmark names an entry, or "the end", or - when its entry
 *   left the list - a position plus a flag that makes its next use return
 *   MAPI_W_POSITION_CHANGED.
 * Notifications are built under the lock and handed to the view's notifier under the lock too
 * (the notifier only queues), so their order is the order of the changes.
 */
#include "mapicore.h"
#include "tablesrc.h"
#include <mapiguid.h>
#include <assert.h>

#define MAX_BOOKMARKS 1024
#define FIRST_BOOKMARK 3            /* above BOOKMARK_BEGINNING/CURRENT/END */
#define NO_INST (~0u)               /* an entry that is not one value of an MV_INSTANCE column */

typedef struct mc_row mc_row;
typedef struct category category;

typedef struct ventry
{
    mc_row *row;            /* NULL for a category heading */
    category *cat;          /* heading: its category; leaf of a categorized view: its category */
    ULONG inst;             /* index of the value of the MV_INSTANCE column, or NO_INST */
    BYTE key[4];            /* instance key */
} ventry;

struct mc_row
{
    ULONG n;                /* values, including a generated PR_INSTANCE_KEY when `own_key` */
    SPropValue *props;      /* internal copies */
    BOOL own_key;           /* the last value is our generated PR_INSTANCE_KEY (payload: key) */
    BYTE key[4];
    ULONGLONG seq;          /* insertion order; kept when the row is modified */
    ventry self;            /* the entry every plain (not expanded, not categorized) view uses */
    mc_row *hnext;          /* index hash chain */
    ULONG hash;
};

#define MC_MAX_CATEGORIES 16

/* One level of categorization: a category column, the columns TABLE_SORT_COMBINE joins to it
 * (one category per distinct combination, ssortorder.md), and optionally the
 * TABLE_SORT_CATEG_MAX/MIN column whose aggregate over a category's leaf rows orders the
 * categories of that level. */
typedef struct level
{
    ULONG tag, order;
    ULONG n_more;           /* combined columns after `tag` */
    SSortOrder more[MC_MAX_CATEGORIES - 1];
    ULONG last_col;         /* index among the category columns of its last column */
    ULONG agg_tag;          /* 0: none */
    ULONG agg_kind;         /* TABLE_SORT_CATEG_MAX or TABLE_SORT_CATEG_MIN */
    ULONG agg_order;        /* direction of the aggregate order */
} level;

struct category
{
    ventry head;            /* the heading row */
    category *parent;
    ULONG depth;
    BOOL has_value;
    SPropValue value;       /* internal copy, single-valued */
    struct combined_value { BOOL has; SPropValue value; } *more;  /* combined columns' values */
    ULONG n_more;
    BOOL has_agg;
    SPropValue agg;         /* internal copy */
    ULONG count, unread;    /* leaf rows below (PR_CONTENT_COUNT, PR_CONTENT_UNREAD) */
    BOOL expanded;
    category **kids;        /* sub-categories in order (not at the last level) */
    ULONG n_kids, cap_kids;
    ULONG id;               /* creation order: the last tie-break */
    ULONG first_leaf, n_leaves;     /* during view_rebuild only: its run of sorted leaves */
};

typedef struct bookmark
{
    ULONG id;
    ventry *entry;          /* valid while !at_end && !moved */
    BYTE key[4];
    BOOL at_end;            /* bookmark taken after the last row */
    BOOL moved;             /* its entry left the view: `pos` is where it was */
    ULONG pos;
} bookmark;

typedef struct advise
{
    ULONG connection;
} advise;

typedef struct entry_array
{
    ventry **a;
    ULONG n, cap;
} entry_array;

typedef struct table_view table_view;

struct mc_table
{
    LONG ref;
    CRITICAL_SECTION lock;
    mc_alloc alloc;
    ULONG index_tag;
    SPropTagArray *default_columns;     /* internal; NULL = every column present */
    SPropTagArray *known_columns;       /* internal: every tag a row had (cap_known slots) */
    ULONG cap_known;
    mc_row **rows;                      /* insertion order */
    ULONG n_rows, cap_rows;
    mc_row **hash;                      /* index value -> row */
    ULONG hash_size;
    ULONG next_instance;
    ULONGLONG next_seq;
    table_view *views;
    table_view *index_view;             /* hidden view in the default sort order, or NULL */
    mc_notifier notifier;               /* notifier.notify NULL: use own_engine */
    mc_notify_engine *own_engine;       /* created at the first Advise without a notifier */
    mc_table_subrestriction_fn sub_fn;  /* RES_SUBRESTRICTION by the owner, or NULL */
    void *sub_ctx;
    mc_rowsource source;                /* has_source: rows come from it (tablesrc.c) */
    BOOL has_source, materialized, memory_only, filling;
    SPropTagArray *source_columns;      /* the source's columns (internal), NULL: ask it again */
    SPropTagArray *lean;                /* materialized through fill_columns: the columns rows
                                         * hold (PT_UNSPECIFIED tags, internal); NULL: whole rows */
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
    ULONG id;

    SPropTagArray *columns;         /* internal; NULL = every column present */
    SSortOrderSet *sort;            /* internal; NULL = insertion order */
    SRestriction *restriction;      /* internal deep copy; NULL = all rows */
    ULONG mvi_tag;                  /* the MV_INSTANCE column (with MVI_FLAG), 0 = none */
    ULONG string_type;              /* PT_STRING8 / PT_UNICODE after mc_view_string_columns; 0 */

    /* from `sort`: category levels and the leaf sort keys */
    level *levels;
    ULONG n_levels;
    ULONG n_expanded;
    SSortOrder *keys;
    ULONG n_keys;

    entry_array list;               /* visible entries */
    entry_array all;                /* categorized views: every entry */
    ULONG cursor;
    category **top;                 /* categorized views: top-level categories in order */
    ULONG n_top, cap_top;
    ULONG next_cat_id;

    bookmark *bookmarks;
    ULONG n_bookmarks;
    ULONG next_bookmark;

    mc_srcview *src;                /* reads through the table's source: no entries */
    SizedNOTIFKEY(16, key);         /* this view's NOTIFKEY */
    advise *advises;
    ULONG n_advises;
    NOTIFICATION **pending;         /* events of the change in progress (mc_heap_alloc roots) */
    ULONG n_pending, cap_pending;
    category **touched;             /* headings whose counts the change in progress altered */
    ULONG n_touched, cap_touched;
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

/* A row's values live in one block: the SPropValue array, then every payload, carved by a
 * bump allocator (mc_prop_copy takes its payload as an AllocateMore child of the array). One
 * heap block per row keeps a million-row table small. */
typedef struct values_block
{
    SIZE_T used, size;
    ULONGLONG align;
} values_block;

static SCODE WINAPI bump_AllocateBuffer(ULONG size, LPVOID *out)
{
    *out = NULL;
    return MAPI_E_NO_SUPPORT;   /* never asked: the block is made by make_values */
}

static SCODE WINAPI bump_AllocateMore(ULONG size, LPVOID parent, LPVOID *out)
{
    values_block *b = (values_block *)parent - 1;

    size = (size + 7) & ~7u;
    if (b->size - b->used < size)
    {
        *out = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *out = (BYTE *)(b + 1) + b->used;
    b->used += size;
    return S_OK;
}

static ULONG WINAPI bump_FreeBuffer(LPVOID p)
{
    return 0;
}

static const mc_alloc bump_alloc = { bump_AllocateBuffer, bump_AllocateMore, bump_FreeBuffer };

static void free_values(ULONG n, SPropValue *props, BOOL own_key)
{
    if (props)
        mc_free((values_block *)props - 1);
}

/* Copies of `props` (PR_NULL dropped) plus, unless the row brings its own, PR_INSTANCE_KEY
 * pointing at `key`. */
static HRESULT make_values(ULONG n, const SPropValue *props, BYTE *key, SPropValue **out,
                           ULONG *count, BOOL *own_key)
{
    SIZE_T total = (SIZE_T)(n + 1) * sizeof(SPropValue);
    SPropValue *values;
    values_block *b;
    ULONG i, m = 0;
    BOOL has_key = mc_props_find(n, props, PR_INSTANCE_KEY) != NULL;
    HRESULT hr = S_OK;

    for (i = 0; i < n; i++)
        total += (mc_prop_payload_size(&props[i]) + 7) & ~7u;
    if (!(b = mc_malloc(sizeof(*b) + total)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    b->size = total;
    b->used = (SIZE_T)(n + 1) * sizeof(SPropValue);
    values = (SPropValue *)(b + 1);
    memset(values, 0, b->used);
    for (i = 0; i < n && hr == S_OK; i++)
    {
        if (props[i].ulPropTag == PR_NULL)
            continue;
        if ((hr = mc_prop_copy(&bump_alloc, values, &values[m], &props[i])) == S_OK)
            m++;
    }
    if (hr != S_OK)
    {
        mc_free(b);
        return hr;
    }
    if (!has_key)
    {
        /* The row carries no instance key of its own: expose the generated one. */
        values[m].ulPropTag = PR_INSTANCE_KEY;
        values[m].Value.bin.cb = 4;
        values[m].Value.bin.lpb = key;
        m++;
    }
    *out = values;
    *count = m;
    *own_key = !has_key;
    return S_OK;
}

static void row_free(mc_row *row)
{
    free_values(row->n, row->props, row->own_key);
    mc_free(row);
}

/* Hash of an index value: its type and bytes (index values compare exactly). */
static ULONG value_hash(const SPropValue *v)
{
    const BYTE *p = NULL;
    ULONG cb = 0, h = 2166136261u, i;

    switch (PROP_TYPE(v->ulPropTag))
    {
    case PT_I2:      p = (const BYTE *)&v->Value.i; cb = sizeof(v->Value.i); break;
    case PT_LONG:    case PT_ERROR: case PT_R4: p = (const BYTE *)&v->Value.l; cb = 4; break;
    case PT_BOOLEAN: p = (const BYTE *)&v->Value.b; cb = sizeof(v->Value.b); break;
    case PT_DOUBLE:  case PT_APPTIME: case PT_CURRENCY: case PT_I8: case PT_SYSTIME:
        p = (const BYTE *)&v->Value.li; cb = 8; break;
    case PT_CLSID:   p = (const BYTE *)v->Value.lpguid; cb = v->Value.lpguid ? sizeof(GUID) : 0; break;
    case PT_BINARY:  p = v->Value.bin.lpb; cb = v->Value.bin.lpb ? v->Value.bin.cb : 0; break;
    case PT_STRING8: p = (const BYTE *)v->Value.lpszA; cb = p ? lstrlenA(v->Value.lpszA) : 0; break;
    case PT_UNICODE: p = (const BYTE *)v->Value.lpszW; cb = p ? lstrlenW(v->Value.lpszW) * sizeof(WCHAR) : 0; break;
    }
    for (i = 0; i < cb; i++)
        h = (h ^ p[i]) * 16777619u;
    return h ^ PROP_TYPE(v->ulPropTag);
}

static const SPropValue *row_index(const mc_table *t, const mc_row *row)
{
    return mc_props_find(row->n, row->props, t->index_tag);
}

static mc_row *table_find_row(mc_table *t, const SPropValue *index)
{
    ULONG h = value_hash(index);
    mc_row *row;

    if (!t->hash_size)
        return NULL;
    for (row = t->hash[h & (t->hash_size - 1)]; row; row = row->hnext)
    {
        const SPropValue *v;
        if (row->hash == h && (v = row_index(t, row)) && mc_prop_equal(v, index))
            return row;
    }
    return NULL;
}

static HRESULT hash_add(mc_table *t, mc_row *row)
{
    ULONG i;

    if (t->n_rows + 1 > t->hash_size / 2 * 1 + t->hash_size / 4)
    {
        ULONG size = t->hash_size ? t->hash_size * 2 : 64;
        mc_row **h = mc_calloc(size, sizeof(*h));
        if (!h)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (i = 0; i < t->hash_size; i++)
            while (t->hash[i])
            {
                mc_row *r = t->hash[i];
                t->hash[i] = r->hnext;
                r->hnext = h[r->hash & (size - 1)];
                h[r->hash & (size - 1)] = r;
            }
        mc_free(t->hash);
        t->hash = h;
        t->hash_size = size;
    }
    row->hnext = t->hash[row->hash & (t->hash_size - 1)];
    t->hash[row->hash & (t->hash_size - 1)] = row;
    return S_OK;
}

static void hash_remove(mc_table *t, mc_row *row)
{
    mc_row **link;

    for (link = &t->hash[row->hash & (t->hash_size - 1)]; *link; link = &(*link)->hnext)
        if (*link == row)
        {
            *link = row->hnext;
            return;
        }
}

/* Position of a row in t->rows (which is ordered by seq). */
static LONG table_row_pos(const mc_table *t, const mc_row *row)
{
    ULONG lo = 0, hi = t->n_rows;

    while (lo < hi)
    {
        ULONG mid = lo + (hi - lo) / 2;
        if (t->rows[mid]->seq < row->seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n_rows && t->rows[lo] == row ? (LONG)lo : -1;
}

/* Remember every tag a row has, for QueryColumns(TBL_ALL_COLUMNS) and views with no columns. */
static HRESULT note_columns(mc_table *t, const mc_row *row, ULONG *cap)
{
    ULONG i;

    for (i = 0; i < row->n; i++)
    {
        ULONG tag = row->props[i].ulPropTag;
        SPropTagArray *k = t->known_columns;
        if (PROP_TYPE(tag) == PT_ERROR || (k && mc_tags_contain(k, tag)))
            continue;
        if (!k || k->cValues == *cap)
        {
            ULONG n = *cap ? *cap * 2 : 16;
            if (!(k = mc_realloc(k, CbNewSPropTagArray(n))))
                return MAPI_E_NOT_ENOUGH_MEMORY;
            if (!t->known_columns)
                k->cValues = 0;
            t->known_columns = k;
            *cap = n;
        }
        k->aulPropTag[k->cValues++] = tag;
    }
    return S_OK;
}

/* ---- values of entries ---------------------------------------------------------------------- */

static ULONG elem_size(ULONG base)
{
    switch (base)
    {
    case PT_I2:       return sizeof(short);
    case PT_LONG:     case PT_R4: return 4;
    case PT_DOUBLE:   case PT_CURRENCY: case PT_APPTIME: case PT_SYSTIME: case PT_I8: return 8;
    case PT_CLSID:    return sizeof(GUID);
    case PT_STRING8:  case PT_UNICODE: return sizeof(void *);
    case PT_BINARY:   return sizeof(SBinary);
    }
    return 0;
}

static ULONG mv_count(const SPropValue *mv)
{
    return mv->Value.MVl.lpl ? mv->Value.MVl.cValues : 0;
}

/* Element i of an MV value as a single value (pointers into the MV value). */
static void mv_element(const SPropValue *mv, ULONG i, SPropValue *out)
{
    ULONG base = PROP_TYPE(mv->ulPropTag) & ~(ULONG)MVI_FLAG;
    const BYTE *p = (const BYTE *)mv->Value.MVl.lpl + (SIZE_T)i * elem_size(base);

    memset(out, 0, sizeof(*out));
    out->ulPropTag = PROP_TAG(base, PROP_ID(mv->ulPropTag));
    switch (base)
    {
    case PT_I2:       out->Value.i = *(const short *)p; break;
    case PT_LONG:     out->Value.l = *(const LONG *)p; break;
    case PT_R4:       out->Value.flt = *(const float *)p; break;
    case PT_DOUBLE:   case PT_APPTIME: out->Value.dbl = *(const double *)p; break;
    case PT_CURRENCY: case PT_I8: case PT_SYSTIME: memcpy(&out->Value.li, p, 8); break;
    case PT_CLSID:    out->Value.lpguid = (GUID *)p; break;
    case PT_STRING8:  case PT_UNICODE: out->Value.lpszA = *(char *const *)p; break;
    case PT_BINARY:   out->Value.bin = *(const SBinary *)p; break;
    }
}

/* A row value that counts: PT_ERROR values stand for missing ones. */
static const SPropValue *row_value(const mc_row *row, ULONG tag)
{
    const SPropValue *p = mc_props_find(row->n, row->props, tag);
    return p && PROP_TYPE(p->ulPropTag) == PT_ERROR ? NULL : p;
}

/* The MV value an expanded view spreads over its entries, for a row (NULL if none). */
static const SPropValue *row_mv(const table_view *v, const mc_row *row)
{
    const SPropValue *p;

    if (!v->mvi_tag || !(p = row_value(row, v->mvi_tag)) || !(PROP_TYPE(p->ulPropTag) & MV_FLAG))
        return NULL;
    return p;
}

static BOOL is_mvi_column(const table_view *v, ULONG tag)
{
    return v->mvi_tag && (PROP_TYPE(tag) & MV_INSTANCE) && PROP_ID(tag) == PROP_ID(v->mvi_tag);
}

/* Value k of a category: 0 its category column's, k > 0 the k-th combined column's. */
static const SPropValue *cat_value(const category *c, ULONG k)
{
    if (!k)
        return c->has_value ? &c->value : NULL;
    return c->more[k - 1].has ? &c->more[k - 1].value : NULL;
}

/* Tag and order of column k of a level (0: the category column, then the combined ones). */
static const SSortOrder *level_col(const level *l, ULONG k, SSortOrder *tmp)
{
    if (k)
        return &l->more[k - 1];
    tmp->ulPropTag = l->tag;
    tmp->ulOrder = l->order;
    return tmp;
}

/* The value an entry has for `tag`, as a view orders and groups it: an expanded column gives
 * the entry's own value (in *tmp), a heading only its categories' values. NULL when missing. */
static const SPropValue *entry_value(const table_view *v, const ventry *e, ULONG tag, SPropValue *tmp)
{
    const SPropValue *p;

    if (!e->row)
    {
        const category *c;
        ULONG k;
        for (c = e->cat; c; c = c->parent)
        {
            const level *l = &v->levels[c->depth];
            SSortOrder col;
            for (k = 0; k <= l->n_more; k++)
                if (level_col(l, k, &col)->ulPropTag == tag)
                    return cat_value(c, k);
        }
        return NULL;
    }
    if (is_mvi_column(v, tag))
    {
        if (e->inst == NO_INST || !(p = row_mv(v, e->row)) || e->inst >= mv_count(p))
            return NULL;
        mv_element(p, e->inst, tmp);
        return tmp;
    }
    return row_value(e->row, tag);
}

/* ---- order ------------------------------------------------------------------------------------ */

static BOOL is_single_string(const SPropValue *p)
{
    ULONG type = PROP_TYPE(p->ulPropTag) & ~(ULONG)MV_INSTANCE;
    return type == PT_UNICODE || type == PT_STRING8;
}

/* The sort key of a single string value (mc_string_sortkey): the bytes a view orders strings
 * by. Returns the length written, or the length needed when it does not fit. */
static ULONG string_sortkey(const SPropValue *p, BYTE *buf, ULONG cb)
{
    BOOL wide = (PROP_TYPE(p->ulPropTag) & ~(ULONG)MV_INSTANCE) == PT_UNICODE;

    return mc_string_sortkey(wide ? (const void *)p->Value.lpszW : (const void *)p->Value.lpszA,
                             wide, buf, cb);
}

static int bytes_cmp(const BYTE *a, ULONG na, const BYTE *b, ULONG nb)
{
    int r = memcmp(a, b, na < nb ? na : nb);
    return r ? r : na < nb ? -1 : na > nb ? 1 : 0;
}

/* The order of two present values in a view. */
static int value_cmp(const SPropValue *a, const SPropValue *b)
{
    BYTE ka[512], kb[512], *pa = ka, *pb = kb;
    ULONG na, nb;
    int r;

    if (!is_single_string(a) || !is_single_string(b))
        return mc_prop_compare(a, b);
    na = string_sortkey(a, ka, sizeof(ka));
    if (na > sizeof(ka) && (pa = mc_malloc(na)))
        string_sortkey(a, pa, na);
    nb = string_sortkey(b, kb, sizeof(kb));
    if (nb > sizeof(kb) && (pb = mc_malloc(nb)))
        string_sortkey(b, pb, nb);
    if (!pa || !pb)
        r = mc_prop_compare(a, b);      /* out of memory: close enough, never a crash */
    else
        r = bytes_cmp(pa, na, pb, nb);
    if (pa != ka)
        mc_free(pa);
    if (pb != kb)
        mc_free(pb);
    return r;
}

/* Missing values sort last whatever the direction (ssortorder.md). */
static int ordered_cmp(const SPropValue *a, const SPropValue *b, ULONG order)
{
    int r;

    if (!a || !b)
        return a ? -1 : b ? 1 : 0;
    r = value_cmp(a, b);
    return order == TABLE_SORT_DESCEND ? -r : r;
}

#define CMP3(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

/* The values of a level's columns an entry has (vals[k] for column k, NULL when missing);
 * `tmp` needs MC_MAX_CATEGORIES slots. */
static void level_values(const table_view *v, const ventry *e, ULONG depth, SPropValue *tmp,
                         const SPropValue **vals)
{
    const level *l = &v->levels[depth];
    SSortOrder col;
    ULONG k;

    for (k = 0; k <= l->n_more; k++)
        vals[k] = entry_value(v, e, level_col(l, k, &col)->ulPropTag, &tmp[k]);
}

/* A category against a level's values: in the level's order, or (`by_order` FALSE) only
 * whether they are the same category (0). */
static int cat_values_cmp(const table_view *v, const category *c, const SPropValue **vals,
                          BOOL by_order)
{
    const level *l = &v->levels[c->depth];
    SSortOrder col;
    ULONG k;
    int r;

    for (k = 0; k <= l->n_more; k++)
        if ((r = ordered_cmp(cat_value(c, k), vals[k],
                             by_order ? level_col(l, k, &col)->ulOrder : TABLE_SORT_ASCEND)))
            return r;
    return 0;
}

static int leaf_cmp(const table_view *v, const ventry *a, const ventry *b)
{
    ULONG i;
    int r;

    for (i = 0; i < v->n_keys; i++)
    {
        SPropValue ta, tb;
        const SPropValue *va = entry_value(v, a, v->keys[i].ulPropTag, &ta);
        const SPropValue *vb = entry_value(v, b, v->keys[i].ulPropTag, &tb);
        if ((r = ordered_cmp(va, vb, v->keys[i].ulOrder)))
            return r;
    }
    if (a->row->seq != b->row->seq)
        return CMP3(a->row->seq, b->row->seq);
    return CMP3(a->inst + 1, b->inst + 1);     /* NO_INST (no value) first */
}

/* Two categories with the same parent. */
static int cat_cmp(const table_view *v, const category *x, const category *y)
{
    const level *l = &v->levels[x->depth];
    SSortOrder col;
    ULONG k;
    int r;

    if (l->agg_tag && (r = ordered_cmp(x->has_agg ? &x->agg : NULL, y->has_agg ? &y->agg : NULL,
                                       l->agg_order)))
        return r;
    for (k = 0; k <= l->n_more; k++)
        if ((r = ordered_cmp(cat_value(x, k), cat_value(y, k), level_col(l, k, &col)->ulOrder)))
            return r;
    return CMP3(x->id, y->id);
}

static ULONG entry_path(const ventry *e, const category **path)
{
    const category *c = e->cat;
    ULONG depth = c->depth;

    for (; c; c = c->parent)
        path[c->depth] = c;
    return depth;
}

/* The view's total order. */
static int view_cmp(const table_view *v, const ventry *a, const ventry *b)
{
    const category *pa[MC_MAX_CATEGORIES], *pb[MC_MAX_CATEGORIES];
    ULONG da, db, l;

    if (a == b)
        return 0;
    if (!v->n_levels)
        return leaf_cmp(v, a, b);
    da = entry_path(a, pa);
    db = entry_path(b, pb);
    for (l = 0; l <= da && l <= db; l++)
        if (pa[l] != pb[l])
            return cat_cmp(v, pa[l], pb[l]);
    /* Same categories down to the shallower one: a heading comes before what it heads. */
    if (!a->row && da <= db)
        return -1;
    if (!b->row && db <= da)
        return 1;
    return leaf_cmp(v, a, b);
}

/* Binary search: the first index whose entry does not sort before `e`. */
static ULONG array_lower_bound(const table_view *v, const entry_array *arr, const ventry *e)
{
    ULONG lo = 0, hi = arr->n;

    while (lo < hi)
    {
        ULONG mid = lo + (hi - lo) / 2;
        if (view_cmp(v, arr->a[mid], e) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static LONG array_find(const table_view *v, const entry_array *arr, const ventry *e)
{
    ULONG pos = array_lower_bound(v, arr, e);
    return pos < arr->n && arr->a[pos] == e ? (LONG)pos : -1;
}

/* ---- bulk sort --------------------------------------------------------------------------------- */

/* Sorting a whole view: each entry's sort values are taken out once, strings as sort keys (kept
 * in an arena), then a stable merge sort compares those. Same order as view_cmp's leaf part. */
typedef struct sort_slot
{
    SPropValue val;
    ULONGLONG num;          /* kind 1: an order-preserving integer; kind 2: first key bytes */
    const BYTE *sk;         /* kind 2: the whole sort key */
    ULONG sklen;
    BYTE present, kind;     /* kind 0: compare with mc_prop_compare */
} sort_slot;

typedef struct arena_chunk
{
    struct arena_chunk *next;
    ULONG used, size;
    BYTE data[1];
} arena_chunk;

typedef struct sort_ctx
{
    const SSortOrder *cols;
    ULONG ncols;
    sort_slot *slots;
    ventry **entries;
    arena_chunk *arena;
    BOOL failed;
} sort_ctx;

static BYTE *arena_alloc(sort_ctx *c, ULONG size)
{
    arena_chunk *ch = c->arena;

    if (!ch || ch->size - ch->used < size)
    {
        ULONG cs = size > 1u << 20 ? size : 1u << 20;
        if (!(ch = mc_malloc(FIELD_OFFSET(arena_chunk, data[cs]))))
            return NULL;
        ch->next = c->arena;
        ch->used = 0;
        ch->size = cs;
        c->arena = ch;
    }
    ch->used += size;
    return ch->data + ch->used - size;
}

/* Single numbers of one type order like these unsigned integers (values of different types
 * never meet in one kind-1 comparison: the kinds and types are checked first). */
static BOOL numeric_key(const SPropValue *p, ULONGLONG *out)
{
    switch (PROP_TYPE(p->ulPropTag))
    {
    case PT_I2:      *out = (ULONGLONG)((LONGLONG)p->Value.i + 0x8000); return TRUE;
    case PT_LONG:    *out = (ULONGLONG)((LONGLONG)p->Value.l + 0x80000000ll); return TRUE;
    case PT_BOOLEAN: *out = p->Value.b != 0; return TRUE;
    case PT_SYSTIME: *out = ((ULONGLONG)p->Value.ft.dwHighDateTime << 32) | p->Value.ft.dwLowDateTime; return TRUE;
    case PT_I8:      case PT_CURRENCY:
        *out = (ULONGLONG)p->Value.li.QuadPart ^ 0x8000000000000000ull; return TRUE;
    }
    return FALSE;
}

static ULONGLONG prefix_of(const BYTE *k, ULONG n)
{
    ULONGLONG v = 0;
    ULONG i;

    for (i = 0; i < 8; i++)
        v = (v << 8) | (i < n ? k[i] : 0);
    return v;
}

static void sort_fill(const table_view *v, sort_ctx *c, ULONG i)
{
    ULONG k;

    for (k = 0; k < c->ncols; k++)
    {
        sort_slot *s = &c->slots[(SIZE_T)i * c->ncols + k];
        SPropValue tmp;
        const SPropValue *p = entry_value(v, c->entries[i], c->cols[k].ulPropTag, &tmp);
        BYTE buf[512];
        ULONG n;

        s->present = p != NULL;
        if (!p)
            continue;
        s->val = *p;
        if (numeric_key(p, &s->num))
        {
            s->kind = 1;
            continue;
        }
        if (!is_single_string(p))
            continue;
        n = string_sortkey(p, buf, sizeof(buf));
        if (!n || !(s->sk = arena_alloc(c, n)))
        {
            c->failed = TRUE;
            continue;
        }
        if (n <= sizeof(buf))
            memcpy((BYTE *)s->sk, buf, n);
        else
            string_sortkey(p, (BYTE *)s->sk, n);
        s->sklen = n;
        s->kind = 2;
        s->num = prefix_of(s->sk, n);
    }
}

static int slot_cmp(const sort_ctx *c, ULONG i, ULONG j)
{
    const sort_slot *a = &c->slots[(SIZE_T)i * c->ncols], *b = &c->slots[(SIZE_T)j * c->ncols];
    const ventry *ea = c->entries[i], *eb = c->entries[j];
    ULONG k;
    int r;

    for (k = 0; k < c->ncols; k++)
    {
        if (!a[k].present || !b[k].present)
            r = a[k].present ? -1 : b[k].present ? 1 : 0;
        else
        {
            if (a[k].kind == 1 && b[k].kind == 1 && PROP_TYPE(a[k].val.ulPropTag) == PROP_TYPE(b[k].val.ulPropTag))
                r = CMP3(a[k].num, b[k].num);
            else if (a[k].kind == 2 && b[k].kind == 2)
                r = a[k].num != b[k].num ? CMP3(a[k].num, b[k].num)
                                         : bytes_cmp(a[k].sk, a[k].sklen, b[k].sk, b[k].sklen);
            else
                r = mc_prop_compare(&a[k].val, &b[k].val);
            if (c->cols[k].ulOrder == TABLE_SORT_DESCEND)
                r = -r;
        }
        if (r)
            return r;
    }
    if (ea->row->seq != eb->row->seq)
        return CMP3(ea->row->seq, eb->row->seq);
    return CMP3(ea->inst + 1, eb->inst + 1);
}

/* What the merge sort moves: the first column's order as one integer when it has one (k0
 * equal means "look closer"), and the entry's index. Compact, so the passes stay in cache. */
typedef struct sort_item
{
    ULONGLONG k0, k1;       /* k1: the next 8 bytes of a string's sort key */
    const BYTE *sk;         /* the whole sort key of a string first column, or NULL */
    ULONG sklen;
    ULONG idx;
} sort_item;

static int item_cmp(const sort_ctx *c, const sort_item *a, const sort_item *b)
{
    int r;

    if (a->k0 != b->k0)
        return a->k0 < b->k0 ? -1 : 1;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->sk && b->sk && (r = bytes_cmp(a->sk, a->sklen, b->sk, b->sklen)))
        return c->cols[0].ulOrder == TABLE_SORT_DESCEND ? -r : r;
    return slot_cmp(c, a->idx, b->idx);
}

static void merge_sort(const sort_ctx *c, sort_item *items, sort_item *tmp, ULONG n)
{
    ULONG width, i;

    /* bottom-up, runs of 1, 2, 4... (stable; the order is total anyway) */
    for (width = 1; width < n; width *= 2)
    {
        for (i = 0; i < n; i += 2 * width)
        {
            ULONG lo = i, mid = i + width < n ? i + width : n, hi = i + 2 * width < n ? i + 2 * width : n;
            ULONG a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                tmp[o++] = item_cmp(c, &items[b], &items[a]) < 0 ? items[b++] : items[a++];
            while (a < mid)
                tmp[o++] = items[a++];
            while (b < hi)
                tmp[o++] = items[b++];
        }
        memcpy(items, tmp, n * sizeof(*items));
    }
}

/* k0 for every item: usable when the first column's present values are all numbers of one
 * type or all strings; missing values last; descending flips. Else 0 (slot_cmp decides). */
static void first_keys(const sort_ctx *c, sort_item *items, ULONG n)
{
    ULONG i, kind = 0, type = 0;
    BOOL usable = c->ncols > 0, desc = c->ncols && c->cols[0].ulOrder == TABLE_SORT_DESCEND;

    for (i = 0; usable && i < n; i++)
    {
        const sort_slot *s = &c->slots[(SIZE_T)i * c->ncols];
        if (!s->present)
            continue;
        if (!s->kind || (kind && (s->kind != kind || PROP_TYPE(s->val.ulPropTag) != type)))
            usable = FALSE;
        kind = s->kind;
        type = PROP_TYPE(s->val.ulPropTag);
    }
    for (i = 0; i < n; i++)
    {
        const sort_slot *s = &c->slots[(SIZE_T)i * c->ncols];
        memset(&items[i], 0, sizeof(items[i]));
        items[i].idx = i;
        if (!usable)
            continue;
        if (!s->present)
        {
            items[i].k0 = items[i].k1 = ~0ull;
            continue;
        }
        items[i].k0 = desc ? ~s->num : s->num;
        if (s->kind == 2)
        {
            items[i].k1 = prefix_of(s->sklen > 8 ? s->sk + 8 : (const BYTE *)"", s->sklen > 8 ? s->sklen - 8 : 0);
            if (desc)
                items[i].k1 = ~items[i].k1;
            items[i].sk = s->sk;
            items[i].sklen = s->sklen;
        }
        if (items[i].k0 == ~0ull && items[i].k1 == ~0ull)
            items[i].k1--;      /* keep ~0/~0 for missing values; slot_cmp sorts out the tie */
    }
}

/* Sort entries by `cols` (then insertion order and instance). */
static HRESULT sort_entries(const table_view *v, ventry **entries, ULONG n, const SSortOrder *cols,
                            ULONG ncols)
{
    sort_ctx c;
    sort_item *items = NULL, *tmp = NULL;
    ventry **sorted = NULL;
    HRESULT hr = MAPI_E_NOT_ENOUGH_MEMORY;
    ULONG i;

    memset(&c, 0, sizeof(c));
    c.cols = cols;
    c.ncols = ncols;
    c.entries = entries;
    if (n < 2 || !ncols)
        return S_OK;    /* no sort: the entries come in insertion order already */
    if (!(items = mc_malloc(n * sizeof(*items))) || !(tmp = mc_malloc(n * sizeof(*tmp)))
        || !(sorted = mc_malloc(n * sizeof(*sorted)))
        || (ncols && !(c.slots = mc_calloc((SIZE_T)n * ncols, sizeof(sort_slot)))))
        goto done;
    for (i = 0; i < n; i++)
        sort_fill(v, &c, i);
    if (c.failed)
        goto done;
    first_keys(&c, items, n);
    merge_sort(&c, items, tmp, n);
    for (i = 0; i < n; i++)
        sorted[i] = entries[items[i].idx];
    memcpy(entries, sorted, n * sizeof(*entries));
    hr = S_OK;
done:
    while (c.arena)
    {
        arena_chunk *next = c.arena->next;
        mc_free(c.arena);
        c.arena = next;
    }
    mc_free(c.slots);
    mc_free(items);
    mc_free(tmp);
    mc_free(sorted);
    return hr;
}

/* ---- entry arrays --------------------------------------------------------------------------- */

static HRESULT array_reserve(entry_array *arr, ULONG extra)
{
    ULONG cap;
    ventry **a;

    if (arr->n + extra <= arr->cap)
        return S_OK;
    cap = arr->cap ? arr->cap : 16;
    while (cap < arr->n + extra)
        cap *= 2;
    if (!(a = mc_realloc(arr->a, cap * sizeof(*a))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    arr->a = a;
    arr->cap = cap;
    return S_OK;
}

static HRESULT array_insert(entry_array *arr, ULONG pos, ventry **es, ULONG count)
{
    HRESULT hr;

    if ((hr = array_reserve(arr, count)) != S_OK)
        return hr;
    memmove(&arr->a[pos + count], &arr->a[pos], (arr->n - pos) * sizeof(*arr->a));
    memcpy(&arr->a[pos], es, count * sizeof(*es));
    arr->n += count;
    return S_OK;
}

static void array_remove(entry_array *arr, ULONG pos, ULONG count)
{
    memmove(&arr->a[pos], &arr->a[pos + count], (arr->n - pos - count) * sizeof(*arr->a));
    arr->n -= count;
}

/* The visible list, keeping the cursor and bookmarks on their rows. An entry coming back with
 * the instance key of a bookmark that lost its entry (a modified row being re-placed) takes the
 * bookmark back. */
static HRESULT list_insert(table_view *v, ULONG pos, ventry **es, ULONG count)
{
    HRESULT hr;
    ULONG i, j;

    if ((hr = array_insert(&v->list, pos, es, count)) != S_OK)
        return hr;
    if (pos < v->cursor)
        v->cursor += count;
    for (i = 0; i < v->n_bookmarks; i++)
    {
        bookmark *b = &v->bookmarks[i];
        if (!b->moved)
            continue;
        for (j = 0; j < count; j++)
            if (!memcmp(b->key, es[j]->key, 4))
            {
                b->moved = FALSE;
                b->entry = es[j];
                break;
            }
        if (b->moved && b->pos >= pos)
            b->pos += count;
    }
    return S_OK;
}

static void list_remove(table_view *v, ULONG pos, ULONG count)
{
    ULONG i, j;

    for (i = 0; i < v->n_bookmarks; i++)
    {
        bookmark *b = &v->bookmarks[i];
        if (b->moved)
        {
            if (b->pos > pos)
                b->pos -= min(count, b->pos - pos);
            continue;
        }
        if (b->at_end)
            continue;
        for (j = 0; j < count; j++)
            if (b->entry == v->list.a[pos + j])
            {
                b->moved = TRUE;
                b->pos = pos;
                b->entry = NULL;
                break;
            }
    }
    if (v->cursor > pos)
        v->cursor -= min(count, v->cursor - pos);
    array_remove(&v->list, pos, count);
}

/* ---- categories ------------------------------------------------------------------------------- */

static BOOL cat_open(const category *c)
{
    for (; c; c = c->parent)
        if (!c->expanded)
            return FALSE;
    return TRUE;
}

static BOOL entry_visible(const ventry *e)
{
    if (!e->cat)
        return TRUE;
    return e->row ? cat_open(e->cat) : cat_open(e->cat->parent);
}

static BOOL entry_under(const ventry *e, const category *c)
{
    const category *x;

    for (x = e->cat; x; x = x->parent)
        if (x == c)
            return TRUE;
    return FALSE;
}

static BOOL is_unread(const mc_row *row)
{
    const SPropValue *f = row_value(row, PR_MESSAGE_FLAGS);
    return !f || PROP_TYPE(f->ulPropTag) != PT_LONG || !(f->Value.l & MSGFLAG_READ);
}

static void entry_free(ventry *e)
{
    if (e && e->row && e != &e->row->self)
        mc_free(e);
}

static void cat_free(category *c)
{
    ULONG i;

    for (i = 0; i < c->n_kids; i++)
        cat_free(c->kids[i]);
    mc_free(c->kids);
    if (c->has_value)
        mc_prop_free_internal(&c->value);
    for (i = 0; c->more && i < c->n_more; i++)
        if (c->more[i].has)
            mc_prop_free_internal(&c->more[i].value);
    mc_free(c->more);
    if (c->has_agg)
        mc_prop_free_internal(&c->agg);
    mc_free(c);
}

static void new_key(mc_table *t, BYTE key[4])
{
    memcpy(key, &t->next_instance, 4);
    t->next_instance++;
}

static category ***siblings(table_view *v, category *parent, ULONG **n, ULONG **cap)
{
    if (parent)
    {
        *n = &parent->n_kids;
        *cap = &parent->cap_kids;
        return &parent->kids;
    }
    *n = &v->n_top;
    *cap = &v->cap_top;
    return &v->top;
}

static ULONG sibling_pos(table_view *v, category *parent, const category *c)
{
    ULONG *n, *cap, lo = 0, hi;
    category **kids = *siblings(v, parent, &n, &cap);

    hi = *n;
    while (lo < hi)
    {
        ULONG mid = lo + (hi - lo) / 2;
        if (cat_cmp(v, kids[mid], c) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static HRESULT sibling_insert(table_view *v, category *parent, category *c)
{
    ULONG *n, *cap, pos = sibling_pos(v, parent, c);
    category ***kids = siblings(v, parent, &n, &cap);

    if (*n == *cap)
    {
        ULONG nc = *cap ? *cap * 2 : 8;
        category **k = mc_realloc(*kids, nc * sizeof(*k));
        if (!k)
            return MAPI_E_NOT_ENOUGH_MEMORY;
        *kids = k;
        *cap = nc;
    }
    memmove(&(*kids)[pos + 1], &(*kids)[pos], (*n - pos) * sizeof(**kids));
    (*kids)[pos] = c;
    (*n)++;
    return S_OK;
}

static void sibling_remove(table_view *v, category *c)
{
    ULONG *n, *cap, i;
    category **kids = *siblings(v, c->parent, &n, &cap);

    for (i = 0; i < *n; i++)
        if (kids[i] == c)
        {
            memmove(&kids[i], &kids[i + 1], (*n - i - 1) * sizeof(*kids));
            (*n)--;
            return;
        }
}

/* The category of `parent`'s level holding the values `vals` (level_values; NULL = missing
 * value), or NULL. */
static category *cat_lookup(table_view *v, category *parent, ULONG depth, const SPropValue **vals)
{
    ULONG *n, *cap, i;
    category **kids = *siblings(v, parent, &n, &cap);
    const level *l = &v->levels[depth];

    if (!l->agg_tag)
    {
        /* siblings are in value order */
        ULONG lo = 0, hi = *n;
        while (lo < hi)
        {
            ULONG mid = lo + (hi - lo) / 2;
            int r = cat_values_cmp(v, kids[mid], vals, TRUE);
            if (r == 0)
                return kids[mid];
            if (r < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return NULL;
    }
    for (i = 0; i < *n; i++)
        if (!cat_values_cmp(v, kids[i], vals, FALSE))
            return kids[i];
    return NULL;
}

static HRESULT set_value(BOOL *has, SPropValue *dst, const SPropValue *src)
{
    HRESULT hr = S_OK;

    if (*has)
        mc_prop_free_internal(dst);
    *has = FALSE;
    if (src && (hr = mc_prop_copy(NULL, NULL, dst, src)) == S_OK)
        *has = TRUE;
    return hr;
}

static category *cat_new(table_view *v, category *parent, ULONG depth, const SPropValue **vals)
{
    category *c = mc_calloc(1, sizeof(*c));
    ULONG k, n_more = v->levels[depth].n_more;

    if (!c)
        return NULL;
    if (n_more && !(c->more = mc_calloc(n_more, sizeof(*c->more))))
    {
        mc_free(c);
        return NULL;
    }
    c->n_more = n_more;
    for (k = 0; k < n_more; k++)
        if (set_value(&c->more[k].has, &c->more[k].value, vals[k + 1]) != S_OK)
        {
            cat_free(c);
            return NULL;
        }
    c->head.cat = c;
    c->head.inst = NO_INST;
    new_key(v->table, c->head.key);
    c->parent = parent;
    c->depth = depth;
    c->expanded = depth < v->n_expanded;
    c->id = v->next_cat_id++;
    if (set_value(&c->has_value, &c->value, vals[0]) != S_OK)
    {
        cat_free(c);
        return NULL;
    }
    return c;
}

/* ---- notifications ----------------------------------------------------------------------------- */

static void entry_key_value(const ventry *e, SPropValue *out)
{
    const SPropValue *own;

    if (e->row && e->inst == NO_INST && !e->row->own_key
        && (own = mc_props_find(e->row->n, e->row->props, PR_INSTANCE_KEY)))
    {
        *out = *own;        /* the row brought its own instance key */
        return;
    }
    memset(out, 0, sizeof(*out));
    out->ulPropTag = PR_INSTANCE_KEY;
    out->Value.bin.cb = 4;
    out->Value.bin.lpb = (BYTE *)e->key;
}

/* Values a view computes for an entry, first in the arrays it evaluates (they override the
 * row's): PR_INSTANCE_KEY, PR_INSTANCE_NUM (expanded views), PR_ROW_TYPE and PR_DEPTH
 * (categorized views), and for a heading PR_CONTENT_COUNT, PR_CONTENT_UNREAD and its
 * categories' values. `c` needs 6 + MC_MAX_CATEGORIES slots. */
static ULONG entry_computed(const table_view *v, const ventry *e, SPropValue *c)
{
    ULONG n = 0;

    entry_key_value(e, &c[n++]);
    if (v->mvi_tag && e->row)
    {
        c[n].ulPropTag = PR_INSTANCE_NUM;
        c[n++].Value.l = e->inst == NO_INST ? 0 : e->inst;
    }
    if (!v->n_levels)
        return n;
    c[n].ulPropTag = PR_ROW_TYPE;
    c[n++].Value.l = e->row ? TBL_LEAF_ROW : !e->cat->count ? TBL_EMPTY_CATEGORY
                   : e->cat->expanded ? TBL_EXPANDED_CATEGORY : TBL_COLLAPSED_CATEGORY;
    c[n].ulPropTag = PR_DEPTH;
    c[n++].Value.l = e->row ? v->n_levels : e->cat->depth;
    if (!e->row)
    {
        const category *x;
        c[n].ulPropTag = PR_CONTENT_COUNT;
        c[n++].Value.l = e->cat->count;
        c[n].ulPropTag = PR_CONTENT_UNREAD;
        c[n++].Value.l = e->cat->unread;
        for (x = e->cat; x; x = x->parent)
        {
            ULONG k;
            for (k = 0; k <= x->n_more; k++)
                if (cat_value(x, k))
                    c[n++] = *cat_value(x, k);
        }
    }
    return n;
}

/* The values an entry shows, for restrictions: computed ones first, then the row's with the
 * expanded column narrowed to the entry's value. Returns `buf`, or a heap array in *heap. */
static const SPropValue *entry_props(const table_view *v, const ventry *e, SPropValue *buf,
                                     ULONG cap, ULONG *n, SPropValue **heap)
{
    ULONG nc, i, total = 6 + MC_MAX_CATEGORIES + (e->row ? e->row->n : 0);
    SPropValue *out = buf;
    const SPropValue *mv = e->row && e->inst != NO_INST ? row_mv(v, e->row) : NULL;

    *heap = NULL;
    if (total > cap && !(out = *heap = mc_malloc(total * sizeof(SPropValue))))
    {
        *n = 0;
        return NULL;
    }
    nc = entry_computed(v, e, out);
    for (i = 0; e->row && i < e->row->n; i++)
    {
        out[nc] = e->row->props[i];
        if (mv && &e->row->props[i] == mv)
        {
            /* one element, still multivalued: "any value" is "this value" */
            out[nc].Value.MVl.cValues = 1;
            out[nc].Value.MVl.lpl = (LONG *)((BYTE *)mv->Value.MVl.lpl
                + (SIZE_T)e->inst * elem_size(PROP_TYPE(mv->ulPropTag) & ~(ULONG)MVI_FLAG));
        }
        nc++;
    }
    *n = nc;
    return out;
}

/* RES_SUBRESTRICTION of a row: the owner's handler with the row's index value (a heading has
 * none: false). */
static BOOL sub_match(void *ctx, ULONG n, const SPropValue *row, ULONG sub_object,
                      const SRestriction *res)
{
    const mc_table *t = ctx;
    const SPropValue *index = mc_props_find(n, row, t->index_tag);

    return t->sub_fn && index && PROP_TYPE(index->ulPropTag) != PT_ERROR
           && t->sub_fn(t->sub_ctx, index, sub_object, res);
}

static BOOL entry_match(const table_view *v, const SRestriction *r, const ventry *e)
{
    SPropValue buf[64], *heap;
    const SPropValue *props;
    ULONG n;
    BOOL m;

    if (e->row && e->inst == NO_INST && !v->n_levels && !v->mvi_tag)
        return mc_restriction_match_sub(r, e->row->n, e->row->props, sub_match, v->table);
    if (!(props = entry_props(v, e, buf, ARRAYSIZE(buf), &n, &heap)))
        return FALSE;
    m = e->row ? mc_restriction_match_sub(r, n, props, sub_match, v->table)
               : mc_restriction_match(r, n, props);
    mc_free(heap);
    return m;
}

static BOOL lean_whole_row(const table_view *v, const ventry *e, ULONG *n, SPropValue **props);
static HRESULT lean_ensure(mc_table *t, const table_view *v, const SRestriction *res);

/* build_row with the entry's whole row given (wp: wn values; NULL: the row's own values). */
static HRESULT build_row_with(const mc_alloc *a, const table_view *v, const SPropTagArray *cols,
                              const ventry *e, void *parent, SRow *out, ULONG wn, const SPropValue *wp)
{
    SPropValue *values = NULL, computed[6 + MC_MAX_CATEGORIES];
    ULONG i, nc = entry_computed(v, e, computed), rn = wp ? wn : e->row ? e->row->n : 0;
    const SPropValue *rp = wp ? wp : e->row ? e->row->props : NULL;
    HRESULT hr;

    out->ulAdrEntryPad = 0;
    out->cValues = 0;
    out->lpProps = NULL;
    if ((hr = mc_alloc_more(a, parent, cols->cValues * sizeof(SPropValue) + 1, (void **)&values)) != S_OK)
        return hr;
    for (i = 0; i < cols->cValues; i++)
    {
        ULONG tag = cols->aulPropTag[i], wanted;
        const SPropValue *p;
        SPropValue tmp;

        memset(&values[i], 0, sizeof(values[i]));
        if (tag == PR_NULL)
        {
            values[i].ulPropTag = PR_NULL;      /* a reserved empty slot */
            continue;
        }
        if (is_mvi_column(v, tag))
        {
            /* one value per row, returned single-valued (working-with-multivalued-columns.md) */
            p = entry_value(v, e, tag, &tmp);
            wanted = PROP_TYPE(tag) & ~(ULONG)MVI_FLAG;
        }
        else
        {
            if (!(p = mc_props_find(nc, computed, tag)) && rp)
                p = mc_props_find(rn, rp, tag);
            if (p && PROP_TYPE(p->ulPropTag) == PT_ERROR && PROP_TYPE(tag) != PT_UNSPECIFIED)
                p = NULL;
            wanted = PROP_TYPE(tag);
        }
        if (!p)
        {
            values[i].ulPropTag = CHANGE_PROP_TYPE(tag, PT_ERROR);
            values[i].Value.err = MAPI_E_NOT_FOUND;
            continue;
        }
        hr = mc_prop_convert(a, parent ? parent : values, &values[i], p,
                             wanted == PT_UNSPECIFIED ? PROP_TYPE(p->ulPropTag) : wanted);
        if (hr != S_OK)
        {
            if (!parent)
                a->free_buffer(values);
            return hr;
        }
    }
    out->cValues = cols->cValues;
    out->lpProps = values;
    return S_OK;
}

/* One row in the given columns: a new block of `a` (parent NULL) or a child of `parent`. A
 * lean row is read whole from the source first. */
static HRESULT build_row(const mc_alloc *a, const table_view *v, const SPropTagArray *cols,
                         const ventry *e, void *parent, SRow *out)
{
    SPropValue *whole = NULL;
    ULONG wn = 0;
    HRESULT hr;

    lean_whole_row(v, e, &wn, &whole);
    hr = build_row_with(a, v, cols, e, parent, out, wn, whole);
    if (whole)
        mc_heap_alloc()->free_buffer(whole);
    return hr;
}

/* Queue one table event of view `v` (sent by view_flush_events). `e` NULL for events about the
 * whole table; `pos` is the entry's position in the list (for propPrior) when it is there. */
static void queue_event_after(table_view *v, ULONG event, const ventry *e, const ventry *prior);

static void queue_event(table_view *v, ULONG event, const ventry *e, ULONG pos)
{
    queue_event_after(v, event, e, e && pos > 0 ? v->list.a[pos - 1] : NULL);
}

/* The same with the entry before `e` given (NULL: `e` is the first). */
static void queue_event_after(table_view *v, ULONG event, const ventry *e, const ventry *prior)
{
    const mc_alloc *a = mc_heap_alloc();
    mc_table *t = v->table;
    const SPropTagArray *cols = v->columns ? v->columns : t->known_columns;
    NOTIFICATION *n = NULL;
    SPropValue key;

    if (!v->n_advises)
        return;
    if (v->n_pending == v->cap_pending)
    {
        ULONG cap = v->cap_pending ? v->cap_pending * 2 : 8;
        NOTIFICATION **p = mc_realloc(v->pending, cap * sizeof(*p));
        if (!p)
            return;     /* no memory: the event is lost, as MAPI's own engine would lose it */
        v->pending = p;
        v->cap_pending = cap;
    }
    if (mc_alloc_more(a, NULL, sizeof(*n), (void **)&n) != S_OK)
        return;
    memset(n, 0, sizeof(*n));
    n->ulEventType = fnevTableModified;
    n->info.tab.ulTableEvent = event;
    n->info.tab.hResult = S_OK;
    n->info.tab.propIndex.ulPropTag = PR_NULL;
    n->info.tab.propPrior.ulPropTag = PR_NULL;   /* PR_NULL, never 0 (table_notification.md) */
    if (e)
    {
        entry_key_value(e, &key);
        if (mc_prop_copy(a, n, &n->info.tab.propIndex, &key) != S_OK)
            goto fail;
        if (event != TABLE_ROW_DELETED)
        {
            if (prior)
            {
                entry_key_value(prior, &key);
                if (mc_prop_copy(a, n, &n->info.tab.propPrior, &key) != S_OK)
                    goto fail;
            }
            if (cols && build_row(a, v, cols, e, n, &n->info.tab.row) != S_OK)
                goto fail;
        }
    }
    v->pending[v->n_pending++] = n;
    return;
fail:
    a->free_buffer(n);
}

static HRESULT ensure_engine(mc_table *t)
{
    if (t->notifier.notify || t->own_engine)
        return S_OK;
    return mc_notify_engine_create(&t->own_engine);
}

static void current_notifier(mc_table *t, mc_notifier *n)
{
    if (t->notifier.notify)
        *n = t->notifier;
    else
        mc_notify_engine_notifier(t->own_engine, n);
}

static void announce_touched(table_view *v);

/* Hand the view's queued events to the notifier, in order, as one batch (lock held: the
 * notifier only queues, so the order of batches is the order of changes). */
static void view_flush_events(table_view *v)
{
    NOTIFICATION *batch;
    mc_notifier n;
    ULONG i;

    announce_touched(v);
    if (!v->n_pending)
        return;
    if (v->n_advises && (v->table->notifier.notify || v->table->own_engine)
        && (batch = mc_malloc(v->n_pending * sizeof(*batch))))
    {
        for (i = 0; i < v->n_pending; i++)
            batch[i] = *v->pending[i];
        current_notifier(v->table, &n);
        n.notify(n.ctx, (const NOTIFKEY *)&v->key, v->n_pending, batch);
        mc_free(batch);
    }
    for (i = 0; i < v->n_pending; i++)
        mc_heap_alloc()->free_buffer(v->pending[i]);
    v->n_pending = 0;
}

/* A heading whose counts changed: announced once, when the change is over (view_flush_events),
 * with its final counts. */
static void queue_heading_modified(table_view *v, category *c)
{
    ULONG i;

    if (!v->n_advises)
        return;
    for (i = 0; i < v->n_touched; i++)
        if (v->touched[i] == c)
            return;
    if (v->n_touched == v->cap_touched)
    {
        ULONG cap = v->cap_touched ? v->cap_touched * 2 : 8;
        category **t = mc_realloc(v->touched, cap * sizeof(*t));
        if (!t)
            return;
        v->touched = t;
        v->cap_touched = cap;
    }
    v->touched[v->n_touched++] = c;
}

/* A category going away is no longer to be announced. */
static void forget_heading(table_view *v, category *c)
{
    ULONG i;

    for (i = 0; i < v->n_touched; i++)
        if (v->touched[i] == c)
        {
            v->touched[i] = v->touched[--v->n_touched];
            return;
        }
}

static void announce_touched(table_view *v)
{
    ULONG i;
    LONG pos;

    for (i = 0; i < v->n_touched; i++)
    {
        category *c = v->touched[i];
        if (entry_visible(&c->head) && (pos = array_find(v, &v->list, &c->head)) >= 0)
            queue_event(v, TABLE_ROW_MODIFIED, &c->head, pos);
    }
    v->n_touched = 0;
}

/* ---- categorized changes ------------------------------------------------------------------------ */

/* The entries of a category's block in an array (heading first), from its heading's index. */
static ULONG block_end(const entry_array *arr, ULONG head, const category *c)
{
    ULONG j = head + 1;

    while (j < arr->n && entry_under(arr->a[j], c))
        j++;
    return j;
}

/* Move a category (with everything under it) to where `agg` puts it among its siblings. The
 * client is told TABLE_CHANGED: many rows move at once (table_notification.md). */
static HRESULT cat_reposition(table_view *v, category *c, const SPropValue *agg)
{
    ventry **all_block = NULL, **list_block = NULL;
    ULONG all_n = 0, list_n = 0, pos;
    LONG head, lhead = -1;
    HRESULT hr = S_OK;

    if ((head = array_find(v, &v->all, &c->head)) < 0)
        return E_UNEXPECTED;
    all_n = block_end(&v->all, head, c) - head;
    if (entry_visible(&c->head) && (lhead = array_find(v, &v->list, &c->head)) >= 0)
        list_n = block_end(&v->list, lhead, c) - lhead;
    if (!(all_block = mc_malloc(all_n * sizeof(ventry *)))
        || (list_n && !(list_block = mc_malloc(list_n * sizeof(ventry *)))))
    {
        mc_free(all_block);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(all_block, &v->all.a[head], all_n * sizeof(ventry *));
    array_remove(&v->all, head, all_n);
    if (list_n)
    {
        memcpy(list_block, &v->list.a[lhead], list_n * sizeof(ventry *));
        list_remove(v, lhead, list_n);
    }
    sibling_remove(v, c);
    set_value(&c->has_agg, &c->agg, agg);
    if (sibling_insert(v, c->parent, c) != S_OK)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    pos = array_lower_bound(v, &v->all, &c->head);
    if (array_insert(&v->all, pos, all_block, all_n) != S_OK)
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (list_n)
    {
        pos = array_lower_bound(v, &v->list, &c->head);
        if (list_insert(v, pos, list_block, list_n) != S_OK)
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        queue_event(v, TABLE_CHANGED, NULL, 0);
    }
    mc_free(all_block);
    mc_free(list_block);
    return hr;
}

/* Does `val` beat a category's aggregate? */
static BOOL agg_beats(const level *l, const category *c, const SPropValue *val)
{
    int r;

    if (!val)
        return FALSE;
    if (!c->has_agg)
        return TRUE;
    r = value_cmp(val, &c->agg);
    return l->agg_kind == TABLE_SORT_CATEG_MAX ? r > 0 : r < 0;
}

/* The aggregate of a category's leaves, recomputed (*out NULL when none has a value). */
static void cat_aggregate(table_view *v, category *c, SPropValue *tmp, const SPropValue **out)
{
    const level *l = &v->levels[c->depth];
    LONG head = array_find(v, &v->all, &c->head);
    ULONG j, end;

    *out = NULL;
    if (head < 0)
        return;
    end = block_end(&v->all, head, c);
    for (j = head + 1; j < end; j++)
    {
        SPropValue t;
        const SPropValue *val;
        int r;
        if (!v->all.a[j]->row || !(val = entry_value(v, v->all.a[j], l->agg_tag, &t)))
            continue;
        if (*out && (r = value_cmp(val, *out), l->agg_kind == TABLE_SORT_CATEG_MAX ? r <= 0 : r >= 0))
            continue;
        *tmp = *val;
        *out = tmp;
    }
}

/* Add a leaf to a categorized view: find or make its categories (headings appear with
 * TABLE_ROW_ADDED), move categories whose aggregate it changes, count it, place it. */
static HRESULT cat_insert_leaf(table_view *v, ventry *e, BOOL *announce, ULONG *n_new)
{
    category *parent = NULL, *c = NULL, *created[MC_MAX_CATEGORIES];
    BOOL unread = is_unread(e->row);
    ULONG l, n_created = 0, pos;
    HRESULT hr;

    for (l = 0; l < v->n_levels; l++)
    {
        const level *lv = &v->levels[l];
        SPropValue t1[MC_MAX_CATEGORIES], t2;
        const SPropValue *vals[MC_MAX_CATEGORIES];
        const SPropValue *agg = lv->agg_tag ? entry_value(v, e, lv->agg_tag, &t2) : NULL;

        level_values(v, e, l, t1, vals);
        if ((c = cat_lookup(v, parent, l, vals)))
        {
            if (lv->agg_tag && agg_beats(lv, c, agg) && (hr = cat_reposition(v, c, agg)) != S_OK)
                return hr;
        }
        else
        {
            if (!(c = cat_new(v, parent, l, vals)))
                return MAPI_E_NOT_ENOUGH_MEMORY;
            if (lv->agg_tag)
                set_value(&c->has_agg, &c->agg, agg);
            if ((hr = sibling_insert(v, parent, c)) != S_OK)
            {
                cat_free(c);
                return hr;
            }
            created[n_created++] = c;
            /* counted below before its heading is announced */
        }
        parent = c;
    }
    e->cat = c;
    for (; c; c = c->parent)
    {
        c->count++;
        if (unread)
            c->unread++;
    }
    /* New headings, top-down, then the leaf, then the headings whose counts changed. */
    for (l = 0; l < n_created; l++)
    {
        ventry *h = &created[l]->head;
        pos = array_lower_bound(v, &v->all, h);
        if ((hr = array_insert(&v->all, pos, &h, 1)) != S_OK)
            return hr;
        if (entry_visible(h))
        {
            pos = array_lower_bound(v, &v->list, h);
            if ((hr = list_insert(v, pos, &h, 1)) != S_OK)
                return hr;
            queue_event(v, TABLE_ROW_ADDED, h, pos);
        }
    }
    pos = array_lower_bound(v, &v->all, e);
    if ((hr = array_insert(&v->all, pos, &e, 1)) != S_OK)
        return hr;
    if (entry_visible(e))
    {
        pos = array_lower_bound(v, &v->list, e);
        if ((hr = list_insert(v, pos, &e, 1)) != S_OK)
            return hr;
        *announce = TRUE;
    }
    *n_new = n_created;     /* the deepest n_created categories of its chain are new */
    return S_OK;
}

/* After a leaf was announced: the headings above it whose counts changed (not the new ones,
 * announced with their counts already). */
static void announce_headings(table_view *v, const ventry *e, ULONG n_new)
{
    category *c = e->cat;

    for (; c && n_new; c = c->parent)
        n_new--;
    for (; c; c = c->parent)
        queue_heading_modified(v, c);
}

/* A leaf has left a categorized view's arrays: uncount it; empty categories go (their headings
 * with TABLE_ROW_DELETED), the others are re-announced, aggregates recomputed where the leaf
 * held them (`agg_hit`, bit per level). */
static void cat_remove_leaf(table_view *v, category *c, BOOL unread, ULONG agg_hit)
{
    while (c)
    {
        category *parent = c->parent;
        c->count--;
        if (unread)
            c->unread--;
        if (!c->count)
        {
            LONG pos = array_find(v, &v->all, &c->head);
            if (pos >= 0)
                array_remove(&v->all, pos, 1);
            if ((pos = array_find(v, &v->list, &c->head)) >= 0)
            {
                queue_event(v, TABLE_ROW_DELETED, &c->head, pos);
                list_remove(v, pos, 1);
            }
            sibling_remove(v, c);
            forget_heading(v, c);
            assert(!c->n_kids);
            cat_free(c);
        }
        else
        {
            const level *l = &v->levels[c->depth];
            if (l->agg_tag && (agg_hit & (1u << c->depth)))
            {
                SPropValue tmp;
                const SPropValue *agg;
                cat_aggregate(v, c, &tmp, &agg);
                if (!agg != !c->has_agg || (agg && value_cmp(agg, &c->agg)))
                    cat_reposition(v, c, agg);
            }
            queue_heading_modified(v, c);
        }
        c = parent;
    }
}

/* ---- a row's entries in a view -------------------------------------------------------------- */

typedef struct removed
{
    ventry *e;
    BOOL visible;           /* it was in the list */
    BOOL continued;         /* its instance key is back (TABLE_ROW_MODIFIED, not DELETED) */
    BOOL unread;            /* as the old values said */
    ULONG agg_hit;          /* levels whose aggregate was this leaf's value */
    const SPropValue *mv;   /* the old MV value of an expanded entry (old values stay alive) */
} removed;

typedef struct removed_set
{
    removed *items;
    ULONG n, cap;
} removed_set;

/* Take a row's entries out of a view's arrays (values are still the old ones). No events yet:
 * view_put_row and view_finish_row decide between MODIFIED and DELETED. */
static HRESULT view_take_row(table_view *v, mc_row *row, removed_set *out)
{
    const SPropValue *mv = row_mv(v, row);
    ULONG k = mv ? mv_count(mv) : 0, i;

    if (v->src)
        return S_OK;        /* a source view learns of changes from mc_table_source_changed */

    for (i = 0; i < (k ? k : 1); i++)
    {
        ventry probe, *e;
        LONG pos;

        if (!v->mvi_tag && !v->n_levels)
            e = &row->self;
        else
        {
            memset(&probe, 0, sizeof(probe));
            probe.row = row;
            probe.inst = k ? i : NO_INST;
            if (v->n_levels)
            {
                category *c = NULL;
                ULONG l;
                for (l = 0; l < v->n_levels; l++)
                {
                    SPropValue t[MC_MAX_CATEGORIES];
                    const SPropValue *vals[MC_MAX_CATEGORIES];
                    level_values(v, &probe, l, t, vals);
                    if (!(c = cat_lookup(v, c, l, vals)))
                        break;
                }
                if (!c)
                    continue;
                probe.cat = c;
            }
            e = &probe;
        }
        {
            /* the probe stands for the entry: same row, instance and category */
            const entry_array *arr = v->n_levels ? &v->all : &v->list;
            ULONG at = array_lower_bound(v, arr, e);
            if (at >= arr->n || arr->a[at]->row != row || arr->a[at]->inst != e->inst
                || arr->a[at]->cat != e->cat)
                continue;
            pos = at;
            e = arr->a[at];
        }
        if (out->n == out->cap)
        {
            ULONG cap = out->cap ? out->cap * 2 : 8;
            removed *r = mc_realloc(out->items, cap * sizeof(*r));
            if (!r)
                return MAPI_E_NOT_ENOUGH_MEMORY;
            out->items = r;
            out->cap = cap;
        }
        memset(&out->items[out->n], 0, sizeof(removed));
        out->items[out->n].e = e;
        out->items[out->n].mv = mv;
        out->items[out->n].unread = is_unread(row);
        if (v->n_levels)
        {
            category *c;
            array_remove(&v->all, pos, 1);
            for (c = e->cat; c; c = c->parent)
            {
                const level *l = &v->levels[c->depth];
                SPropValue t;
                const SPropValue *val;
                if (l->agg_tag && c->has_agg && (val = entry_value(v, e, l->agg_tag, &t))
                    && !value_cmp(val, &c->agg))
                    out->items[out->n].agg_hit |= 1u << c->depth;
            }
            pos = entry_visible(e) ? array_find(v, &v->list, e) : -1;
        }
        if (pos >= 0)
        {
            list_remove(v, pos, 1);
            out->items[out->n].visible = TRUE;
        }
        out->n++;
    }
    return S_OK;
}

/* An old entry with this instance key, not yet claimed; claimed now. */
static removed *claim_removed(removed_set *old, const BYTE key[4])
{
    ULONG i;

    for (i = 0; old && i < old->n; i++)
        if (!old->items[i].continued && !memcmp(old->items[i].e->key, key, 4))
        {
            old->items[i].continued = TRUE;
            return &old->items[i];
        }
    return NULL;
}

/* The instance key a new entry gets: the row's own when it is not expanded; else the key of an
 * old entry of the row with an equal value (a modified row keeps its instance keys), claimed,
 * or a new one. Returns the claimed old entry, if any. */
static removed *pick_key(table_view *v, mc_row *row, const SPropValue *mv, ULONG inst,
                         removed_set *old, BYTE key[4])
{
    SPropValue now, was;
    ULONG i;

    if (inst == NO_INST)
    {
        memcpy(key, row->key, 4);
        return claim_removed(old, key);
    }
    mv_element(mv, inst, &now);
    for (i = 0; old && i < old->n; i++)
    {
        removed *r = &old->items[i];
        if (r->continued || r->e->row != row || r->e->inst == NO_INST || !r->mv
            || r->e->inst >= mv_count(r->mv))
            continue;
        mv_element(r->mv, r->e->inst, &was);
        if (mc_prop_equal(&now, &was))
        {
            memcpy(key, r->e->key, 4);
            r->continued = TRUE;
            return r;
        }
    }
    new_key(v->table, key);
    return NULL;
}

/* Put a row's (new) entries into a view; events ADDED, or MODIFIED for entries that were
 * visible before (`old`, from view_take_row), or DELETED for those that now are hidden. */
static HRESULT view_put_row(table_view *v, mc_row *row, removed_set *old)
{
    const SPropValue *mv = v->mvi_tag ? row_mv(v, row) : NULL;
    ULONG k = mv ? mv_count(mv) : 0, i;
    HRESULT hr = S_OK;

    if (v->src || v->table->filling)
        return S_OK;        /* source views read the source; a fill ends in view_rebuild */

    for (i = 0; i < (k ? k : 1) && hr == S_OK; i++)
    {
        ventry *e, probe;
        BOOL announce = FALSE;
        removed *was;
        ULONG pos, n_new = 0;

        if (!v->mvi_tag && !v->n_levels)
            e = &row->self;
        else
        {
            memset(&probe, 0, sizeof(probe));
            e = &probe;
            e->row = row;
            e->inst = k ? i : NO_INST;
        }
        was = pick_key(v, row, mv, e->inst, old, e->key);
        if (v->restriction && !entry_match(v, v->restriction, e))
        {
            if (was && was->visible)
                queue_event(v, TABLE_ROW_DELETED, was->e, 0);
            continue;
        }
        if (e == &probe)
        {
            if (!(e = mc_malloc(sizeof(*e))))
                return MAPI_E_NOT_ENOUGH_MEMORY;
            *e = probe;
        }
        if (v->n_levels)
            hr = cat_insert_leaf(v, e, &announce, &n_new);
        else
        {
            pos = array_lower_bound(v, &v->list, e);
            hr = list_insert(v, pos, &e, 1);
            announce = TRUE;
        }
        if (hr != S_OK)
        {
            entry_free(e);
            break;
        }
        if (announce)
        {
            LONG at = array_find(v, &v->list, e);
            queue_event(v, was && was->visible ? TABLE_ROW_MODIFIED : TABLE_ROW_ADDED, e, at < 0 ? 0 : at);
        }
        else if (was && was->visible)
            queue_event(v, TABLE_ROW_DELETED, was->e, 0);   /* now in a collapsed category */
        if (v->n_levels)
            announce_headings(v, e, n_new);
    }
    return hr;
}

/* Finish what view_take_row started: DELETED for rows that went for good, category counts. */
static void view_finish_row(table_view *v, removed_set *old)
{
    ULONG i;

    for (i = 0; i < old->n; i++)
    {
        removed *r = &old->items[i];
        if (r->visible && !r->continued)
            queue_event(v, TABLE_ROW_DELETED, r->e, 0);
        if (v->n_levels)
            cat_remove_leaf(v, r->e->cat, r->unread, r->agg_hit);
        entry_free(r->e);
    }
    old->n = 0;
}

/* ---- building a view -------------------------------------------------------------------------- */

static void view_clear(table_view *v)
{
    ULONG i;

    if (v->n_levels)
    {
        for (i = 0; i < v->all.n; i++)
            if (v->all.a[i]->row)
                entry_free(v->all.a[i]);
    }
    else
        for (i = 0; i < v->list.n; i++)
            entry_free(v->list.a[i]);
    for (i = 0; i < v->n_top; i++)
        cat_free(v->top[i]);
    v->n_top = 0;
    v->n_touched = 0;
    v->list.n = 0;
    v->all.n = 0;
    v->cursor = 0;
    v->n_bookmarks = 0;     /* Restrict and SortTable discard every bookmark */
}

static void sort_categories(table_view *v, category **c, ULONG n)
{
    ULONG i, j;

    /* insertion sort into place by cat_cmp (siblings are few, or already nearly in order) */
    for (i = 1; i < n; i++)
    {
        category *x = c[i];
        ULONG lo = 0, hi = i;
        while (lo < hi)
        {
            ULONG mid = lo + (hi - lo) / 2;
            if (cat_cmp(v, c[mid], x) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (j = i; j > lo; j--)
            c[j] = c[j - 1];
        c[lo] = x;
    }
    for (i = 0; i < n; i++)
        if (c[i]->n_kids)
            sort_categories(v, c[i]->kids, c[i]->n_kids);
}

static HRESULT emit_category(table_view *v, category *c, ventry **leaves)
{
    ventry *h = &c->head;
    HRESULT hr;
    ULONG i;

    if ((hr = array_insert(&v->all, v->all.n, &h, 1)) != S_OK)
        return hr;
    if (c->depth + 1 == v->n_levels)
        return array_insert(&v->all, v->all.n, &leaves[c->first_leaf], c->n_leaves);
    for (i = 0; i < c->n_kids && hr == S_OK; i++)
        hr = emit_category(v, c->kids[i], leaves);
    return hr;
}

/* Group sorted leaves into categories, then lay out `all` and the visible `list`. */
static HRESULT view_categorize(table_view *v, ventry **leaves, ULONG n)
{
    category *path[MC_MAX_CATEGORIES] = {0};
    HRESULT hr = S_OK;
    ULONG i, l;
    BOOL any_agg = FALSE;

    for (l = 0; l < v->n_levels; l++)
        any_agg |= v->levels[l].agg_tag != 0;
    for (i = 0; i < n && hr == S_OK; i++)
    {
        ventry *e = leaves[i];
        BOOL unread = is_unread(e->row), fresh = FALSE;
        for (l = 0; l < v->n_levels && hr == S_OK; l++)
        {
            const level *lv = &v->levels[l];
            SPropValue t[MC_MAX_CATEGORIES];
            const SPropValue *vals[MC_MAX_CATEGORIES];
            category *c = path[l];
            level_values(v, e, l, t, vals);
            if (fresh || !c || cat_values_cmp(v, c, vals, FALSE))
            {
                ULONG *cnt, *cap;
                category ***kids;
                if (!(c = cat_new(v, l ? path[l - 1] : NULL, l, vals)))
                {
                    hr = MAPI_E_NOT_ENOUGH_MEMORY;
                    break;
                }
                kids = siblings(v, c->parent, &cnt, &cap);
                if (*cnt == *cap)
                {
                    ULONG nc = *cap ? *cap * 2 : 8;
                    category **k = mc_realloc(*kids, nc * sizeof(*k));
                    if (!k)
                    {
                        cat_free(c);
                        hr = MAPI_E_NOT_ENOUGH_MEMORY;
                        break;
                    }
                    *kids = k;
                    *cap = nc;
                }
                (*kids)[(*cnt)++] = c;
                c->first_leaf = i;
                path[l] = c;
                fresh = TRUE;   /* every deeper level starts anew */
            }
            c->count++;
            c->n_leaves++;
            if (unread)
                c->unread++;
            if (lv->agg_tag)
            {
                SPropValue t2;
                const SPropValue *agg = entry_value(v, e, lv->agg_tag, &t2);
                if (agg_beats(lv, c, agg))
                    set_value(&c->has_agg, &c->agg, agg);
            }
            e->cat = c;
        }
    }
    if (hr != S_OK)
        return hr;
    if (any_agg)
        sort_categories(v, v->top, v->n_top);
    for (i = 0; i < v->n_top && hr == S_OK; i++)
        hr = emit_category(v, v->top[i], leaves);
    if (hr == S_OK)
        hr = array_reserve(&v->list, v->all.n);
    for (i = 0; hr == S_OK && i < v->all.n; i++)
        if (entry_visible(v->all.a[i]))
            v->list.a[v->list.n++] = v->all.a[i];
    return hr;
}

static HRESULT view_use_source(table_view *v);

static HRESULT view_rebuild(table_view *v)
{
    mc_table *t = v->table;
    SSortOrder *cols = NULL;
    entry_array leaves = {0};
    HRESULT hr = S_OK;
    ULONG i, j, ncols;

    view_clear(v);
    if (t->has_source && (hr = view_use_source(v)) != S_FALSE)
        return hr;
    hr = S_OK;      /* S_FALSE: the table holds its rows in memory now, build from them */
    if (!v->mvi_tag && !v->n_levels)
    {
        const table_view *donor;
        /* plain view: the rows' own entries - in the order of another view sorted the same
         * way (the table's default sort, or a view already open), else sorted here */
        if ((hr = array_reserve(&v->list, t->n_rows)) != S_OK)
            return hr;
        for (donor = t->views; donor; donor = donor->next)
            if (donor != v && !donor->src && !donor->mvi_tag && !donor->n_levels && !donor->restriction
                && donor->n_keys == v->n_keys
                && (!v->n_keys || !memcmp(donor->keys, v->keys, v->n_keys * sizeof(*v->keys))))
                break;
        if (donor)
        {
            for (i = 0; i < donor->list.n; i++)
                if (!v->restriction || entry_match(v, v->restriction, donor->list.a[i]))
                    v->list.a[v->list.n++] = donor->list.a[i];
            return S_OK;
        }
        for (i = 0; i < t->n_rows; i++)
            if (!v->restriction || entry_match(v, v->restriction, &t->rows[i]->self))
                v->list.a[v->list.n++] = &t->rows[i]->self;
        return sort_entries(v, v->list.a, v->list.n, v->keys, v->n_keys);
    }
    for (i = 0; i < t->n_rows && hr == S_OK; i++)
    {
        mc_row *row = t->rows[i];
        const SPropValue *mv = row_mv(v, row);
        ULONG k = mv ? mv_count(mv) : 0;
        for (j = 0; j < (k ? k : 1) && hr == S_OK; j++)
        {
            ventry *e = mc_calloc(1, sizeof(*e));
            if (!e)
            {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            e->row = row;
            e->inst = k ? j : NO_INST;
            if (k)
                new_key(t, e->key);
            else
                memcpy(e->key, row->key, 4);
            if (v->restriction && !entry_match(v, v->restriction, e))
                entry_free(e);
            else if ((hr = array_insert(&leaves, leaves.n, &e, 1)) != S_OK)
                entry_free(e);
        }
    }
    ncols = v->n_keys;
    for (i = 0; i < v->n_levels; i++)
        ncols += 1 + v->levels[i].n_more;
    if (hr == S_OK && ncols && !(cols = mc_malloc(ncols * sizeof(*cols))))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (hr == S_OK)
    {
        SSortOrder col;
        ULONG n = 0;
        for (i = 0; i < v->n_levels; i++)
            for (j = 0; j <= v->levels[i].n_more; j++)
                cols[n++] = *level_col(&v->levels[i], j, &col);
        for (i = 0; i < v->n_keys; i++)
            cols[n++] = v->keys[i];
        hr = sort_entries(v, leaves.a, leaves.n, cols, ncols);
    }
    if (hr == S_OK && v->n_levels)
        hr = view_categorize(v, leaves.a, leaves.n);
    else if (hr == S_OK)
    {
        mc_free(v->list.a);
        v->list = leaves;
        leaves.a = NULL;
    }
    if (hr != S_OK && !v->n_levels)
        for (i = 0; i < leaves.n; i++)
            entry_free(leaves.a[i]);
    if (hr != S_OK && v->n_levels)
    {
        /* entries already laid out are freed by view_clear; the rest here */
        for (i = 0; i < leaves.n; i++)
            entry_free(leaves.a[i]);
        for (i = 0; i < v->n_top; i++)
            cat_free(v->top[i]);
        v->n_top = 0;
        v->all.n = v->list.n = 0;
    }
    mc_free(leaves.a);
    mc_free(cols);
    return hr;
}
/* ---- table data --------------------------------------------------------------------------- */

static void view_free(table_view *v);
static HRESULT view_adopt_default_sort(table_view *v);

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
    if (t->index_view)
        view_free(t->index_view);   /* the only view left: the others held references */
    for (i = 0; i < t->n_rows; i++)
        row_free(t->rows[i]);
    mc_free(t->rows);
    mc_free(t->hash);
    mc_free(t->default_columns);
    mc_free(t->known_columns);
    mc_free(t->source_columns);
    mc_free(t->lean);
    mc_notifier_clear(&t->notifier);
    mc_notify_engine_destroy(t->own_engine);
    if (t->has_source && t->source.vtbl->release)
        t->source.vtbl->release(t->source.ctx);
    DeleteCriticalSection(&t->lock);
    mc_free(t);
}

HRESULT mc_table_set_notifier(mc_table *t, const mc_notifier *n)
{
    HRESULT hr = S_OK;
    table_view *v;

    if (!t || (n && (!n->subscribe || !n->unsubscribe || !n->notify)))
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    for (v = t->views; v; v = v->next)
        if (v->n_advises)
            hr = MAPI_E_BUSY;       /* subscriptions live in the current notifier */
    if (hr == S_OK)
    {
        mc_notifier_clear(&t->notifier);
        if (n)
        {
            t->notifier = *n;
            if (n->addref && n->ctx)
                n->addref(n->ctx);
        }
    }
    LeaveCriticalSection(&t->lock);
    return hr;
}

HRESULT mc_table_set_subrestriction(mc_table *t, mc_table_subrestriction_fn fn, void *ctx)
{
    if (!t)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    t->sub_fn = fn;
    t->sub_ctx = fn ? ctx : NULL;
    LeaveCriticalSection(&t->lock);
    return S_OK;
}

HRESULT mc_table_wait_notifications(mc_table *t, DWORD timeout_ms)
{
    mc_notify_engine *e;

    if (!t)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    e = t->own_engine;
    LeaveCriticalSection(&t->lock);
    return e ? mc_notify_engine_wait_idle(e, timeout_ms) : S_OK;
}

static void flush_all(mc_table *t)
{
    table_view *v;

    for (v = t->views; v; v = v->next)
        view_flush_events(v);
}

HRESULT mc_table_modify_row(mc_table *t, ULONG n, const SPropValue *props)
{
    const SPropValue *index;
    SPropValue *values = NULL, *old_values = NULL;
    ULONG count = 0, old_count = 0;
    BOOL own_key = FALSE, old_own = FALSE;
    removed_set *taken = NULL;
    table_view *v;
    mc_row *row;
    HRESULT hr = S_OK;
    ULONG i, n_views = 0;

    if (!t || !n || !props)
        return MAPI_E_INVALID_PARAMETER;
    if (!(index = mc_props_find(n, props, t->index_tag)))
        return MAPI_E_INVALID_PARAMETER;    /* itabledata-hrmodifyrow.md: index column required */

    EnterCriticalSection(&t->lock);
    if ((row = table_find_row(t, index)))
    {
        if ((hr = make_values(n, props, row->key, &values, &count, &own_key)) != S_OK)
            goto done;
        for (v = t->views; v; v = v->next)
            n_views++;
        if (n_views && !(taken = mc_calloc(n_views, sizeof(*taken))))
        {
            free_values(count, values, own_key);
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto done;
        }
        /* Out of every view with the old values, then in with the new ones: positions,
         * categories and instance keys follow; the old values live until the end. */
        for (v = t->views, i = 0; v; v = v->next, i++)
            view_take_row(v, row, &taken[i]);
        old_values = row->props;
        old_count = row->n;
        old_own = row->own_key;
        row->props = values;
        row->n = count;
        row->own_key = own_key;
        note_columns(t, row, &t->cap_known);
        for (v = t->views, i = 0; v; v = v->next, i++)
        {
            view_put_row(v, row, &taken[i]);
            view_finish_row(v, &taken[i]);
            mc_free(taken[i].items);
        }
        mc_free(taken);
        free_values(old_count, old_values, old_own);
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
        if ((hr = make_values(n, props, row->key, &row->props, &row->n, &row->own_key)) != S_OK)
        {
            mc_free(row);
            goto done;
        }
        row->hash = value_hash(row_index(t, row));
        if ((hr = hash_add(t, row)) != S_OK)
        {
            row_free(row);
            goto done;
        }
        t->next_instance++;
        row->seq = t->next_seq++;
        row->self.row = row;
        row->self.inst = NO_INST;
        memcpy(row->self.key, row->key, 4);
        t->rows[t->n_rows++] = row;     /* new rows go to the end (itabledata-hrmodifyrow.md) */
        note_columns(t, row, &t->cap_known);
        for (v = t->views; v; v = v->next)
            view_put_row(v, row, NULL);
    }
    flush_all(t);
done:
    LeaveCriticalSection(&t->lock);
    return hr;
}

HRESULT mc_table_delete_row(mc_table *t, const SPropValue *index)
{
    removed_set taken = {0};
    table_view *v;
    mc_row *row;
    HRESULT hr = S_OK;
    LONG at;

    if (!t || !index)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    if (!(row = table_find_row(t, index)))
    {
        hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    for (v = t->views; v; v = v->next)
    {
        /* restricted out: nothing to take, no notification (imapitable-restrict.md) */
        view_take_row(v, row, &taken);
        view_finish_row(v, &taken);
    }
    mc_free(taken.items);
    flush_all(t);
    hash_remove(t, row);
    at = table_row_pos(t, row);
    assert(at >= 0);
    memmove(&t->rows[at], &t->rows[at + 1], (t->n_rows - at - 1) * sizeof(*t->rows));
    t->n_rows--;
    row_free(row);
done:
    LeaveCriticalSection(&t->lock);
    return hr;
}

HRESULT mc_table_delete_all(mc_table *t)
{
    table_view *v;
    ULONG i;

    if (!t)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    for (v = t->views; v; v = v->next)
    {
        ULONG n_bk = v->n_bookmarks;
        view_clear(v);
        v->n_bookmarks = n_bk;
        for (i = 0; i < v->n_bookmarks; i++)
        {
            v->bookmarks[i].moved = !v->bookmarks[i].at_end;
            v->bookmarks[i].entry = NULL;
            v->bookmarks[i].pos = 0;
        }
        queue_event(v, TABLE_RELOAD, NULL, 0);
    }
    flush_all(t);
    for (i = 0; i < t->n_rows; i++)
        row_free(t->rows[i]);
    t->n_rows = 0;
    memset(t->hash, 0, t->hash_size * sizeof(*t->hash));
    LeaveCriticalSection(&t->lock);
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
static LONG view_serial;

HRESULT mc_table_open_view(mc_table *t, void (*on_release)(void *ctx), void *ctx,
                           IMAPITable **out)
{
    table_view *v;
    ULONGLONG serial;
    DWORD pid = GetCurrentProcessId();
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
    /* A NOTIFKEY of its own: "mctv", the process, a serial number never reused. */
    serial = (ULONGLONG)InterlockedIncrement(&view_serial);
    v->key.cb = 16;
    memcpy(v->key.ab, "mctv", 4);
    memcpy(v->key.ab + 4, &pid, 4);
    memcpy(v->key.ab + 8, &serial, 8);
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
    if ((hr = view_adopt_default_sort(v)) == S_OK)
        hr = view_rebuild(v);
    if (hr == S_OK)
    {
        v->next = t->views;
        t->views = v;
    }
    LeaveCriticalSection(&t->lock);
    if (hr != S_OK)
    {
        view_free(v);
        mc_table_release(t);
        return hr;
    }
    mc_object_created();
    MC_TRACE("table", "view %p over table %p, %lu rows", v, t, (unsigned long)v->list.n);
    *out = &v->IMAPITable_iface;
    return S_OK;
}

/* A view opened without MAPI_UNICODE gives its string columns in PT_STRING8 (for instance
 * imapicontainer-getcontentstable.md, imapisession-getstatustable.md): its columns with
 * PT_UNICODE turned into PT_STRING8; rows convert on the way out. */
HRESULT mc_view_string_columns(IMAPITable *iface, ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    SPropTagArray *cols = NULL;
    HRESULT hr;
    ULONG i;

    EnterCriticalSection(&v->table->lock);
    v->string_type = flags & MAPI_UNICODE ? PT_UNICODE : PT_STRING8;
    LeaveCriticalSection(&v->table->lock);
    if (flags & MAPI_UNICODE)
        return S_OK;
    EnterCriticalSection(&v->table->lock);
    if (v->columns && (cols = mc_malloc(CbSPropTagArray(v->columns))))
        memcpy(cols, v->columns, CbSPropTagArray(v->columns));
    LeaveCriticalSection(&v->table->lock);
    if (!cols)
        return S_OK;    /* no column set: nothing to turn (or out of memory: Unicode stays) */
    for (i = 0; i < cols->cValues; i++)
    {
        ULONG type = PROP_TYPE(cols->aulPropTag[i]);
        if ((type & ~(ULONG)MV_FLAG) == PT_UNICODE)
            cols->aulPropTag[i] = CHANGE_PROP_TYPE(cols->aulPropTag[i], (type & MV_FLAG) | PT_STRING8);
    }
    hr = iface->lpVtbl->SetColumns(iface, cols, 0);
    mc_free(cols);
    return hr;
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

/* What a view owns, once it is out of the table's list and has no subscriptions. */
static void view_free(table_view *v)
{
    view_clear(v);
    mc_srcview_free(v->src);
    mc_free(v->advises);
    mc_free(v->pending);
    mc_free(v->touched);
    mc_free(v->bookmarks);
    mc_free(v->list.a);
    mc_free(v->all.a);
    mc_free(v->top);
    mc_free(v->levels);
    mc_free(v->keys);
    mc_free(v->columns);
    mc_free(v->sort);
    if (v->restriction)
    {
        res_free(v->restriction);
        mc_free(v->restriction);
    }
    mc_last_error_destroy(&v->last_error);
    mc_free(v);
}

static ULONG WINAPI view_Release(IMAPITable *iface)
{
    table_view *v = impl_from_IMAPITable(iface);
    mc_table *t = v->table;
    table_view **link;
    LONG ref = InterlockedDecrement(&v->ref);
    mc_notifier n;
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
    if (v->n_advises)
        current_notifier(t, &n);
    LeaveCriticalSection(&t->lock);
    /* Our subscriptions end with us (outside the lock: unsubscribe may wait for a delivery). */
    for (i = 0; i < v->n_advises; i++)
        n.unsubscribe(n.ctx, v->advises[i].connection);
    if (v->on_release)
        v->on_release(v->ctx);
    view_free(v);
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
    mc_table *t = v->table;
    HRESULT hr;
    mc_notifier n;
    advise *a;
    ULONG conn = 0;

    MC_TRACE("table", "%p %#lx %p", v, (unsigned long)mask, sink);
    if (!sink || !connection)
        return MAPI_E_INVALID_PARAMETER;
    if (mask != fnevTableModified)      /* the only event a table has (imapitable-advise.md) */
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    if ((hr = ensure_engine(t)) != S_OK)
        goto done;
    if (!(a = mc_realloc(v->advises, (v->n_advises + 1) * sizeof(*a))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    v->advises = a;
    current_notifier(t, &n);
    /* The notifier keeps the sink until Unadvise (spi-digest.md §4.10). */
    if ((hr = n.subscribe(n.ctx, (const NOTIFKEY *)&v->key, fnevTableModified, sink, &conn)) != S_OK)
        goto done;
    a[v->n_advises++].connection = conn;
    if (v->src)
        mc_srcview_prepare_notify(v->src);
    /* Only the low 32 bits of a connection number are ours to write (DECISIONS.md 1). */
    *connection = conn;
done:
    LeaveCriticalSection(&t->lock);
    return hr;
}

static HRESULT WINAPI view_Unadvise(IMAPITable *iface, ULONG connection)
{
    table_view *v = impl_from_IMAPITable(iface);
    mc_table *t = v->table;
    BOOL found = FALSE;
    mc_notifier n;
    ULONG i;

    MC_TRACE("table", "%p %lu", v, (unsigned long)connection);
    EnterCriticalSection(&t->lock);
    for (i = 0; i < v->n_advises; i++)
        if (v->advises[i].connection == (ULONG)connection)
        {
            memmove(&v->advises[i], &v->advises[i + 1], (v->n_advises - i - 1) * sizeof(advise));
            v->n_advises--;
            found = TRUE;
            break;
        }
    if (found)
        current_notifier(t, &n);
    LeaveCriticalSection(&t->lock);
    if (!found)
        return MAPI_E_NOT_FOUND;
    /* Outside the lock: unsubscribe waits for a delivery to this sink in progress, and that
     * sink may be calling into this table. */
    return n.unsubscribe(n.ctx, connection);
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

/* The MV_INSTANCE column of a column set and a sort order together: at most one property
 * (working-with-multivalued-columns.md allows MAPI_E_TOO_COMPLEX for more). */
static HRESULT find_mvi(const SPropTagArray *cols, const SSortOrderSet *sort, ULONG *mvi)
{
    ULONG i, n = (cols ? cols->cValues : 0) + (sort ? sort->cSorts : 0);

    *mvi = 0;
    for (i = 0; i < n; i++)
    {
        ULONG tag = cols && i < cols->cValues ? cols->aulPropTag[i]
                                              : sort->aSort[i - (cols ? cols->cValues : 0)].ulPropTag;
        if (!(PROP_TYPE(tag) & MV_INSTANCE))
            continue;
        if (*mvi && *mvi != tag)
            return MAPI_E_TOO_COMPLEX;
        *mvi = tag;
    }
    return S_OK;
}

/* A column tag: a known type; MV_INSTANCE only with MV_FLAG; never PT_ERROR. */
static BOOL column_tag_valid(ULONG tag)
{
    ULONG type = PROP_TYPE(tag);

    if (tag == PR_NULL)
        return TRUE;
    if ((type & MV_INSTANCE) && !(type & MV_FLAG))
        return FALSE;
    type &= ~(ULONG)MV_INSTANCE;
    return type == PT_UNSPECIFIED || (mc_prop_type_valid(type) && type != PT_ERROR && type != PT_NULL);
}

static HRESULT WINAPI view_SetColumns(IMAPITable *iface, LPSPropTagArray tags, ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    SPropTagArray *copy, *old;
    HRESULT hr = S_OK;
    ULONG i, mvi;

    MC_TRACE("table", "%p %p %#lx", v, tags, (unsigned long)flags);
    if (!tags || !tags->cValues)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(TBL_ASYNC | TBL_BATCH))
        return MAPI_E_UNKNOWN_FLAGS;
    for (i = 0; i < tags->cValues; i++)
        if (!column_tag_valid(tags->aulPropTag[i]))
            return mc_last_error_set(&v->last_error, MAPI_E_INVALID_PARAMETER,
                                     L"SetColumns: column %lu has tag %#lx", (unsigned long)i,
                                     (unsigned long)tags->aulPropTag[i]);
    /* TBL_ASYNC/TBL_BATCH: done at once, which the flags allow. Columns no row has are not an
     * error here; they come back as PT_ERROR (imapitable-setcolumns.md). */
    if (!(copy = mc_malloc(CbSPropTagArray(tags))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(copy, tags, CbSPropTagArray(tags));
    EnterCriticalSection(&v->table->lock);
    if ((hr = find_mvi(copy, v->sort, &mvi)) != S_OK)
    {
        LeaveCriticalSection(&v->table->lock);
        mc_free(copy);
        return mc_last_error_set(&v->last_error, hr, L"SetColumns: one MV_INSTANCE column at most");
    }
    old = v->columns;
    v->columns = copy;
    if (mvi != v->mvi_tag)
    {
        /* a different expansion: a different set of rows */
        v->mvi_tag = mvi;
        hr = view_rebuild(v);
    }
    if (flags & TBL_ASYNC)
        queue_event(v, TABLE_SETCOL_DONE, NULL, 0);
    view_flush_events(v);
    LeaveCriticalSection(&v->table->lock);
    mc_free(old);
    return hr;
}

/* Every column available: the default set, then whatever the rows carry (caller holds the
 * lock; internal memory). */
static HRESULT available_columns(mc_table *t, SPropTagArray **out)
{
    ULONG nd = t->default_columns ? t->default_columns->cValues : 0;
    ULONG nk = t->known_columns ? t->known_columns->cValues : 0, ns = 0, i;
    SPropTagArray *tags;
    HRESULT hr;

    /* rows not held in memory: the source says what its rows carry (kept until a change) */
    if (t->has_source && (!t->materialized || t->lean) && t->source.vtbl->columns)
    {
        if (!t->source_columns && (hr = t->source.vtbl->columns(t->source.ctx, &t->source_columns)) != S_OK)
            return hr;
        ns = t->source_columns ? t->source_columns->cValues : 0;
    }
    if (!(tags = mc_malloc(CbNewSPropTagArray(nd + nk + ns + 1))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    tags->cValues = 0;
    for (i = 0; i < nd; i++)
        if (!mc_tags_contain(tags, t->default_columns->aulPropTag[i]))
            tags->aulPropTag[tags->cValues++] = t->default_columns->aulPropTag[i];
    for (i = 0; i < nk; i++)
        if (!mc_tags_contain(tags, t->known_columns->aulPropTag[i]))
            tags->aulPropTag[tags->cValues++] = t->known_columns->aulPropTag[i];
    for (i = 0; i < ns; i++)
        if (!mc_tags_contain(tags, t->source_columns->aulPropTag[i]))
            tags->aulPropTag[tags->cValues++] = t->source_columns->aulPropTag[i];
    *out = tags;
    return S_OK;
}

/* The string columns of `tags` in one width, the view's (a view opened with or without
 * MAPI_UNICODE gives and takes its strings in that width), each column once. */
static void same_string_width(SPropTagArray *tags, ULONG string_type)
{
    ULONG i, j, n = 0;

    for (i = 0; i < tags->cValues; i++)
    {
        ULONG tag = tags->aulPropTag[i], type = PROP_TYPE(tag);
        if ((type & ~(ULONG)MV_FLAG) == PT_UNICODE || (type & ~(ULONG)MV_FLAG) == PT_STRING8)
            tag = CHANGE_PROP_TYPE(tag, (type & MV_FLAG) | string_type);
        for (j = 0; j < n && tags->aulPropTag[j] != tag; j++)
            ;
        if (j == n)
            tags->aulPropTag[n++] = tag;
    }
    tags->cValues = n;
}

static HRESULT WINAPI view_QueryColumns(IMAPITable *iface, ULONG flags, LPSPropTagArray *out)
{
    table_view *v = impl_from_IMAPITable(iface);
    mc_table *t = v->table;
    SPropTagArray *all = NULL;
    HRESULT hr;

    MC_TRACE("table", "%p %#lx", v, (unsigned long)flags);
    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~TBL_ALL_COLUMNS)
        return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&t->lock);
    if ((flags & TBL_ALL_COLUMNS) || !v->columns)
    {
        if ((hr = available_columns(t, &all)) == S_OK)
        {
            if (v->string_type)
                same_string_width(all, v->string_type);
            hr = mc_tags_dup(&t->alloc, all, out);
        }
    }
    else
        hr = mc_tags_dup(&t->alloc, v->columns, out);
    LeaveCriticalSection(&t->lock);
    mc_free(all);
    return hr;
}

static HRESULT WINAPI view_GetRowCount(IMAPITable *iface, ULONG flags, ULONG *count)
{
    table_view *v = impl_from_IMAPITable(iface);
    HRESULT hr;

    MC_TRACE("table", "%p", v);
    if (!count)
        return MAPI_E_INVALID_PARAMETER;
    if (flags)
        return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&v->table->lock);
    *count = v->list.n;
    hr = v->src ? mc_srcview_count(v->src, count) : S_OK;
    LeaveCriticalSection(&v->table->lock);
    return hr;
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
 * names that row (imapitable-seekrow.md, notes to implementers). Unknown or freed bookmarks,
 * and bookmarks of another view, are MAPI_E_INVALID_BOOKMARK. */
static HRESULT resolve_bookmark(table_view *v, BOOKMARK bk, ULONG *pos)
{
    ULONG id = (ULONG)bk;       /* only the low 32 bits count (DECISIONS.md 1) */
    bookmark *b;
    LONG at;

    switch (id)
    {
    case BOOKMARK_BEGINNING: *pos = 0; return S_OK;
    case BOOKMARK_CURRENT:   *pos = v->cursor; return S_OK;
    case BOOKMARK_END:       *pos = v->list.n; return S_OK;
    }
    if (!(b = find_bookmark(v, id)))
        return MAPI_E_INVALID_BOOKMARK;
    if (b->at_end)
    {
        *pos = v->list.n;
        return S_OK;
    }
    if (b->moved)
    {
        *pos = b->pos < v->list.n ? b->pos : v->list.n;
        b->moved = FALSE;
        if (*pos < v->list.n)
        {
            b->entry = v->list.a[*pos];
            memcpy(b->key, b->entry->key, 4);
        }
        else
            b->at_end = TRUE;
        return MAPI_W_POSITION_CHANGED;
    }
    if ((at = array_find(v, &v->list, b->entry)) < 0)
        return MAPI_E_INVALID_BOOKMARK;     /* not reached: rows leaving mark the bookmark moved */
    *pos = at;
    return S_OK;
}

static HRESULT WINAPI view_SeekRow(IMAPITable *iface, BOOKMARK origin, LONG rows, LONG *sought)
{
    table_view *v = impl_from_IMAPITable(iface);
    LONGLONG target;
    ULONG start;
    HRESULT hr;

    MC_TRACE("table", "%p %lu %ld", v, (unsigned long)origin, (long)rows);
    EnterCriticalSection(&v->table->lock);
    if (v->src)
    {
        hr = mc_srcview_seek(v->src, origin, rows, sought);
        goto done;
    }
    if (FAILED(hr = resolve_bookmark(v, origin, &start)))
        goto done;
    target = (LONGLONG)start + rows;
    if (target < 0)
        target = 0;
    if (target > v->list.n)
        target = v->list.n;
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
    HRESULT hr = S_OK;

    MC_TRACE("table", "%p %lu/%lu", v, (unsigned long)numerator, (unsigned long)denominator);
    if (!denominator)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&v->table->lock);
    if (v->src)
        hr = mc_srcview_seek_approx(v->src, numerator, denominator);
    else if (numerator >= denominator)
        v->cursor = v->list.n;      /* numerator == denominator: after the last row */
    else
        v->cursor = (ULONG)((ULONGLONG)numerator * v->list.n / denominator);
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_QueryPosition(IMAPITable *iface, ULONG *row, ULONG *numerator,
                                         ULONG *denominator)
{
    table_view *v = impl_from_IMAPITable(iface);
    HRESULT hr = S_OK;

    MC_TRACE("table", "%p", v);
    if (!row || !numerator || !denominator)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&v->table->lock);
    *row = v->cursor;
    *numerator = v->cursor;
    *denominator = v->list.n ? v->list.n : 1;
    if (v->src && (hr = mc_srcview_position(v->src, row)) == S_OK
        && (hr = mc_srcview_count(v->src, denominator)) == S_OK)
    {
        *numerator = *row;
        *denominator = *denominator ? *denominator : 1;
    }
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT check_subrestriction(table_view *v, const SRestriction *r, const WCHAR *method);

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
    if ((hr = check_subrestriction(v, res, L"FindRow: this table has no sub-objects")) != S_OK)
        return hr;
    EnterCriticalSection(&v->table->lock);
    if (v->src)
    {
        hr = mc_srcview_find(v->src, res, origin, (flags & DIR_BACKWARD) != 0, sub_match, v->table);
        goto done;
    }
    if (FAILED(hr = lean_ensure(v->table, NULL, res)) || FAILED(hr = resolve_bookmark(v, origin, &start)))
        goto done;
    /* Forward from the bookmark's row; backward from the row before it (imapitable-findrow.md).
     * The cursor ends on the row found, so QueryRows reads it next. */
    if (!(flags & DIR_BACKWARD))
    {
        for (i = start; i < v->list.n; i++)
            if (entry_match(v, res, v->list.a[i]))
                break;
        if (i < v->list.n)
        {
            v->cursor = i;
            found = S_OK;
        }
    }
    else
    {
        for (i = start; i > 0; i--)
            if (entry_match(v, res, v->list.a[i - 1]))
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

/* Replace the view's sort, restriction and expansion and rebuild it; on failure the previous
 * ones are back (imapitable-sorttable.md: "the sort order that was in effect ... stays"). */
static HRESULT view_reconfigure(table_view *v, SSortOrderSet *sort, level *levels, ULONG n_levels,
                                ULONG n_expanded, SSortOrder *keys, ULONG n_keys, SRestriction *res,
                                ULONG mvi)
{
    SSortOrderSet *old_sort = v->sort;
    level *old_levels = v->levels;
    SSortOrder *old_keys = v->keys;
    SRestriction *old_res = v->restriction;
    ULONG old_nl = v->n_levels, old_ne = v->n_expanded, old_nk = v->n_keys, old_mvi = v->mvi_tag;
    HRESULT hr;

    v->sort = sort;
    v->levels = levels;
    v->n_levels = n_levels;
    v->n_expanded = n_expanded;
    v->keys = keys;
    v->n_keys = n_keys;
    v->restriction = res;
    v->mvi_tag = mvi;
    if ((hr = view_rebuild(v)) != S_OK)
    {
        v->sort = old_sort;
        v->levels = old_levels;
        v->n_levels = old_nl;
        v->n_expanded = old_ne;
        v->keys = old_keys;
        v->n_keys = old_nk;
        v->restriction = old_res;
        v->mvi_tag = old_mvi;
        view_rebuild(v);
        return hr;
    }
    if (old_sort != sort)
    {
        mc_free(old_sort);
        mc_free(old_levels);
        mc_free(old_keys);
    }
    if (old_res != res && old_res)
    {
        res_free(old_res);
        mc_free(old_res);
    }
    return S_OK;
}

/* Does `r` hold a RES_SUBRESTRICTION (anywhere; the restriction is valid)? */
static BOOL has_subrestriction(const SRestriction *r)
{
    ULONG i;

    switch (r->rt)
    {
    case RES_SUBRESTRICTION:
        return TRUE;
    case RES_AND:
    case RES_OR:
        for (i = 0; i < r->res.resAnd.cRes; i++)
            if (has_subrestriction(&r->res.resAnd.lpRes[i]))
                return TRUE;
        return FALSE;
    case RES_NOT:
        return has_subrestriction(r->res.resNot.lpRes);
    case RES_COMMENT:
        return r->res.resComment.lpRes && has_subrestriction(r->res.resComment.lpRes);
    default:
        return FALSE;
    }
}

/* ssubrestriction.md: a table that does not support sub-object restrictions answers
 * MAPI_E_TOO_COMPLEX from Restrict and FindRow; ours are those without an owner's handler. */
static HRESULT check_subrestriction(table_view *v, const SRestriction *r, const WCHAR *method)
{
    BOOL handled;

    EnterCriticalSection(&v->table->lock);
    handled = v->table->sub_fn != NULL;
    LeaveCriticalSection(&v->table->lock);
    if (handled || !has_subrestriction(r))
        return S_OK;
    return mc_last_error_set(&v->last_error, MAPI_E_TOO_COMPLEX, method);
}

static HRESULT WINAPI view_Restrict(IMAPITable *iface, LPSRestriction res, ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    SRestriction *copy = NULL;
    HRESULT hr;

    MC_TRACE("table", "%p %p %#lx", v, res, (unsigned long)flags);
    if (flags & ~(TBL_ASYNC | TBL_BATCH))
        return MAPI_E_UNKNOWN_FLAGS;
    if (res)
    {
        if ((hr = mc_restriction_validate(res)) != S_OK)
            return mc_last_error_set(&v->last_error, hr, L"Restrict: restriction not supported");
        if ((hr = check_subrestriction(v, res, L"Restrict: this table has no sub-objects")) != S_OK)
            return hr;
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
    hr = view_reconfigure(v, v->sort, v->levels, v->n_levels, v->n_expanded, v->keys, v->n_keys,
                          copy, v->mvi_tag);
    if (hr == S_OK && (flags & TBL_ASYNC))
        queue_event(v, TABLE_RESTRICT_DONE, NULL, 0);   /* done already, still announced */
    view_flush_events(v);
    LeaveCriticalSection(&v->table->lock);
    if (hr != S_OK && copy)
    {
        res_free(copy);
        mc_free(copy);
    }
    return hr;
}

/* A new bookmark on the row at `pos` of the list (or after the last row); caller holds the
 * lock. MAPI_E_UNABLE_TO_COMPLETE when out of bookmarks (imapitable-createbookmark.md). */
static HRESULT bookmark_add(table_view *v, ULONG pos, BOOKMARK *position)
{
    bookmark *b;

    if (v->n_bookmarks >= MAX_BOOKMARKS)
        return MAPI_E_UNABLE_TO_COMPLETE;
    if (!(b = mc_realloc(v->bookmarks, (v->n_bookmarks + 1) * sizeof(*b))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    v->bookmarks = b;
    b = &v->bookmarks[v->n_bookmarks++];
    memset(b, 0, sizeof(*b));
    b->id = v->next_bookmark++;
    if (pos < v->list.n)
    {
        b->entry = v->list.a[pos];
        memcpy(b->key, b->entry->key, 4);
    }
    else
        b->at_end = TRUE;
    /* Only the low 32 bits are ours to write (DECISIONS.md 1). */
    *position = b->id;
    return S_OK;
}

static HRESULT WINAPI view_CreateBookmark(IMAPITable *iface, BOOKMARK *position)
{
    table_view *v = impl_from_IMAPITable(iface);
    HRESULT hr;

    MC_TRACE("table", "%p", v);
    if (!position)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&v->table->lock);
    hr = v->src ? mc_srcview_bookmark(v->src, position) : bookmark_add(v, v->cursor, position);
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
    if (v->src)
        hr = mc_srcview_free_bookmark(v->src, position);
    else if (!(b = find_bookmark(v, id)))
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

/* A sort key column: a type that orders (not PT_ERROR, PT_NULL, PT_UNSPECIFIED, PT_OBJECT);
 * MV_INSTANCE only with MV_FLAG. An MV column without MV_INSTANCE sorts as a tuple. */
static BOOL sort_tag_valid(ULONG tag)
{
    ULONG type = PROP_TYPE(tag);

    if ((type & MV_INSTANCE) && !(type & MV_FLAG))
        return FALSE;
    type &= ~(ULONG)MV_INSTANCE;
    return mc_prop_type_valid(type) && type != PT_ERROR && type != PT_NULL
           && type != PT_UNSPECIFIED && type != PT_OBJECT;
}

/* TABLE_SORT_COMBINE at aSort[i] is misused (ssortorder.md): on the first entry, on a column
 * that is not a category column, or after an entry that is not a category column. */
static BOOL combine_misplaced(const SSortOrderSet *sort, ULONG i)
{
    ULONG prev;

    if (i == 0 || i >= sort->cCategories)
        return TRUE;
    prev = sort->aSort[i - 1].ulOrder;
    return prev != TABLE_SORT_ASCEND && prev != TABLE_SORT_DESCEND && prev != TABLE_SORT_COMBINE;
}

/* Levels that start expanded: cExpanded counts category columns (ssortorderset.md), so a
 * combined level is expanded when all its columns are within cExpanded. */
static ULONG expanded_levels(const level *levels, ULONG n_levels, ULONG c_expanded)
{
    ULONG n = 0;

    while (n < n_levels && levels[n].last_col < c_expanded)
        n++;
    return n;
}

/* Split a sort order set into category levels and leaf keys. The first cCategories entries
 * are category columns, except TABLE_SORT_CATEG_MAX/MIN entries: such an entry belongs to the
 * category column before it and orders that level's categories by the maximum/minimum of its
 * column over their leaf rows (ssortorder.md) - ascending, unless a later leaf key on the same
 * column gives the direction (so {topic, time CATEG_MAX, time DESCEND} puts the conversation
 * with the newest message first). A TABLE_SORT_COMBINE entry joins its column to the category
 * level before it (one category per distinct combination); the combined column orders
 * ascending within the level unless a later leaf key on it gives the direction. */
static HRESULT parse_sort(const SSortOrderSet *sort, level **levels, ULONG *n_levels,
                          SSortOrder **keys, ULONG *n_keys)
{
    ULONG i, j, n_cat = 0;

    *levels = NULL;
    *keys = NULL;
    *n_levels = *n_keys = 0;
    if (sort->cSorts && (!(*levels = mc_calloc(sort->cSorts, sizeof(level)))
                         || !(*keys = mc_calloc(sort->cSorts, sizeof(SSortOrder)))))
        goto oom;
    for (i = 0; i < sort->cSorts; i++)
    {
        const SSortOrder *s = &sort->aSort[i];
        if (s->ulOrder == TABLE_SORT_CATEG_MAX || s->ulOrder == TABLE_SORT_CATEG_MIN)
        {
            level *l;
            if (!*n_levels || i == 0 || *n_keys)
                goto bad;   /* needs a category column right before it */
            l = &(*levels)[*n_levels - 1];
            if (l->agg_tag || (l->n_more ? l->more[l->n_more - 1].ulPropTag : l->tag)
                              != sort->aSort[i - 1].ulPropTag)
                goto bad;
            l->agg_tag = s->ulPropTag;
            l->agg_kind = s->ulOrder;
            l->agg_order = TABLE_SORT_ASCEND;
            for (j = i + 1; j < sort->cSorts; j++)
                if (sort->aSort[j].ulPropTag == s->ulPropTag
                    && (sort->aSort[j].ulOrder == TABLE_SORT_ASCEND || sort->aSort[j].ulOrder == TABLE_SORT_DESCEND))
                {
                    l->agg_order = sort->aSort[j].ulOrder;
                    break;
                }
        }
        else if (s->ulOrder == TABLE_SORT_COMBINE)
        {
            level *l;
            if (combine_misplaced(sort, i) || !*n_levels || *n_keys)
                goto bad;
            l = &(*levels)[*n_levels - 1];
            if (l->agg_tag || l->n_more >= ARRAYSIZE(l->more))
                goto bad;
            l->more[l->n_more].ulPropTag = s->ulPropTag;
            l->more[l->n_more].ulOrder = TABLE_SORT_ASCEND;
            for (j = sort->cCategories; j < sort->cSorts; j++)
                if (sort->aSort[j].ulPropTag == s->ulPropTag
                    && (sort->aSort[j].ulOrder == TABLE_SORT_ASCEND || sort->aSort[j].ulOrder == TABLE_SORT_DESCEND))
                {
                    l->more[l->n_more].ulOrder = sort->aSort[j].ulOrder;
                    break;
                }
            l->n_more++;
            l->last_col = n_cat++;
        }
        else if (i < sort->cCategories)
        {
            (*levels)[*n_levels].tag = s->ulPropTag;
            (*levels)[*n_levels].last_col = n_cat++;
            (*levels)[(*n_levels)++].order = s->ulOrder;
        }
        else
            (*keys)[(*n_keys)++] = *s;
    }
    return S_OK;
bad:
    mc_free(*levels);
    mc_free(*keys);
    return MAPI_E_TOO_COMPLEX;
oom:
    mc_free(*levels);
    mc_free(*keys);
    return MAPI_E_NOT_ENOUGH_MEMORY;
}

static HRESULT WINAPI view_SortTable(IMAPITable *iface, LPSSortOrderSet sort, ULONG flags)
{
    table_view *v = impl_from_IMAPITable(iface);
    SSortOrderSet *copy = NULL;
    level *levels = NULL;
    SSortOrder *keys = NULL;
    ULONG i, n_levels, n_keys, mvi;
    HRESULT hr;

    MC_TRACE("table", "%p %p %#lx", v, sort, (unsigned long)flags);
    if (!sort)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(TBL_ASYNC | TBL_BATCH))
        return MAPI_E_UNKNOWN_FLAGS;
    if (sort->cCategories > sort->cSorts || sort->cExpanded > sort->cCategories)
        return MAPI_E_INVALID_PARAMETER;
    if (sort->cCategories > MC_MAX_CATEGORIES)
        return mc_last_error_set(&v->last_error, MAPI_E_TOO_COMPLEX,
                                 L"SortTable: at most %u categories", MC_MAX_CATEGORIES);
    for (i = 0; i < sort->cSorts; i++)
    {
        ULONG order = sort->aSort[i].ulOrder;
        if (order != TABLE_SORT_ASCEND && order != TABLE_SORT_DESCEND && order != TABLE_SORT_COMBINE
            && order != TABLE_SORT_CATEG_MAX && order != TABLE_SORT_CATEG_MIN)
            return MAPI_E_INVALID_PARAMETER;
        if (order == TABLE_SORT_COMBINE && combine_misplaced(sort, i))
            return mc_last_error_set(&v->last_error, MAPI_E_INVALID_PARAMETER,
                                     L"SortTable: TABLE_SORT_COMBINE needs a category column "
                                     L"before it and must be one itself");
        if (!sort_tag_valid(sort->aSort[i].ulPropTag))
            return mc_last_error_set(&v->last_error, MAPI_E_TOO_COMPLEX,
                                     L"SortTable: cannot sort on tag %#lx",
                                     (unsigned long)sort->aSort[i].ulPropTag);
    }
    if ((hr = parse_sort(sort, &levels, &n_levels, &keys, &n_keys)) != S_OK)
        return mc_last_error_set(&v->last_error, hr, L"SortTable: misplaced TABLE_SORT_CATEG_MAX/MIN");
    if (!(copy = mc_malloc(CbSSortOrderSet(sort))))
    {
        mc_free(levels);
        mc_free(keys);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(copy, sort, CbSSortOrderSet(sort));
    EnterCriticalSection(&v->table->lock);
    if ((hr = find_mvi(v->columns, copy, &mvi)) != S_OK)
        mc_last_error_set(&v->last_error, hr, L"SortTable: one MV_INSTANCE column at most");
    else
        hr = view_reconfigure(v, copy, levels, n_levels,
                              expanded_levels(levels, n_levels, sort->cExpanded), keys,
                              n_keys, v->restriction, mvi);
    if (hr == S_OK && (flags & TBL_ASYNC))
        queue_event(v, TABLE_SORT_DONE, NULL, 0);   /* done already, still announced */
    view_flush_events(v);
    LeaveCriticalSection(&v->table->lock);
    if (hr != S_OK)
    {
        mc_free(copy);
        mc_free(levels);
        mc_free(keys);
    }
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

/* Rows [start, start + n) of the list as a caller SRowSet (caller holds the lock). */
static BOOL row_source_id(const mc_row *row, ULONGLONG *id);

static HRESULT make_rowset(table_view *v, ventry **entries, ULONG n, SRowSet **out)
{
    mc_table *t = v->table;
    SPropTagArray *all = NULL;
    mc_srcrow *whole = NULL;
    const SPropTagArray *cols;
    SRowSet *set = NULL;
    HRESULT hr;
    ULONG i;

    *out = NULL;
    if (!v->columns && (hr = available_columns(t, &all)) != S_OK)
        return hr;
    cols = v->columns ? v->columns : all;
    if ((hr = mc_alloc_more(&t->alloc, NULL, CbNewSRowSet(n), (void **)&set)) != S_OK)
        goto done;
    set->cRows = 0;
    /* lean rows: the page's whole rows from the source at once */
    if (t->lean && !v->src && t->source.vtbl->get_rows && n && (whole = mc_calloc(n, sizeof(*whole))))
    {
        for (i = 0; i < n; i++)
            if (!entries[i]->row || !row_source_id(entries[i]->row, &whole[i].key.id))
                whole[i].key.id = 0;
        if (t->source.vtbl->get_rows(t->source.ctx, n, whole) != S_OK)
        {
            mc_free(whole);
            whole = NULL;       /* one by one then */
        }
    }
    for (i = 0; i < n; i++)
    {
        /* Each row its own block (managing-memory-for-adrlist-and-srowset-structures.md). */
        if (whole)
            hr = build_row_with(&t->alloc, v, cols, entries[i], NULL, &set->aRow[i], whole[i].n, whole[i].props);
        else
            hr = build_row(&t->alloc, v, cols, entries[i], NULL, &set->aRow[i]);
        if (hr != S_OK)
            goto done;
        set->cRows++;
    }
    *out = set;
    set = NULL;
done:
    if (whole)
    {
        for (i = 0; i < n; i++)
            if (whole[i].props)
                mc_heap_alloc()->free_buffer(whole[i].props);
        mc_free(whole);
    }
    if (set)
        mc_free_rows(&t->alloc, set);
    mc_free(all);
    return hr;
}

static HRESULT source_query_rows(table_view *v, LONG count, BOOL advance, SRowSet **out);

static HRESULT WINAPI view_QueryRows(IMAPITable *iface, LONG count, ULONG flags, LPSRowSet *out)
{
    table_view *v = impl_from_IMAPITable(iface);
    mc_table *t = v->table;
    ULONG start, n;
    HRESULT hr;

    MC_TRACE("table", "%p %ld %#lx", v, (long)count, (unsigned long)flags);
    if (!out || count == 0)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~TBL_NOADVANCE)
        return MAPI_E_UNKNOWN_FLAGS;
    *out = NULL;
    EnterCriticalSection(&t->lock);
    if (v->src)
    {
        hr = source_query_rows(v, count, !(flags & TBL_NOADVANCE), out);
        LeaveCriticalSection(&t->lock);
        return hr;
    }
    if (count > 0)
    {
        start = v->cursor;
        n = v->list.n - start < (ULONG)count ? v->list.n - start : (ULONG)count;
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
    if ((hr = make_rowset(v, v->list.a + start, n, out)) == S_OK)
    {
        if (count < 0)
            v->cursor = start;
        else if (!(flags & TBL_NOADVANCE))
            v->cursor = start + n;
    }
    LeaveCriticalSection(&t->lock);
    return hr;
}

static HRESULT WINAPI view_Abort(IMAPITable *iface)
{
    MC_TRACE("table", "%p", iface);
    return S_OK;    /* nothing is ever pending: every operation completes synchronously */
}
/* ---- categories through IMAPITable --------------------------------------------------------------- */

static category *find_category(category **cats, ULONG n, ULONG cb, const BYTE *key)
{
    ULONG i;

    for (i = 0; i < n; i++)
    {
        category *c;
        if (!memcmp(cats[i]->head.key, key, 4))
            return cats[i];
        if ((c = find_category(cats[i]->kids, cats[i]->n_kids, cb, key)))
            return c;
    }
    return NULL;
}

static category *heading_by_key(table_view *v, ULONG cb, const BYTE *key)
{
    if (cb != 4 || !key || !v->n_levels)
        return NULL;
    return find_category(v->top, v->n_top, cb, key);
}

static HRESULT WINAPI view_ExpandRow(IMAPITable *iface, ULONG cb_key, LPBYTE key, ULONG row_count,
                                     ULONG flags, LPSRowSet *rows, ULONG *more)
{
    table_view *v = impl_from_IMAPITable(iface);
    ventry **shown = NULL;
    ULONG n = 0, j, end;
    LONG head, lhead = -1;
    HRESULT hr = S_OK;
    category *c;

    MC_TRACE("table", "%p %lu %lu %#lx", v, (unsigned long)cb_key, (unsigned long)row_count,
             (unsigned long)flags);
    if (!key || (row_count && !rows))
        return MAPI_E_INVALID_PARAMETER;
    if (flags)
        return MAPI_E_UNKNOWN_FLAGS;
    if (rows)
        *rows = NULL;
    EnterCriticalSection(&v->table->lock);
    if (!(c = heading_by_key(v, cb_key, key)))
    {
        hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    if (c->expanded)
    {
        /* nothing to add: the cursor goes to the row after the heading (imapitable-expandrow.md:
         * "zero rows are returned ... the position of BOOKMARK_CURRENT is set to the row
         * following the row identified by pbInstanceKey") */
        if (entry_visible(&c->head))
            lhead = array_find(v, &v->list, &c->head);
    }
    else
    {
        c->expanded = TRUE;
        if (entry_visible(&c->head) && (lhead = array_find(v, &v->list, &c->head)) >= 0
            && (head = array_find(v, &v->all, &c->head)) >= 0)
        {
            end = block_end(&v->all, head, c);
            if (!(shown = mc_malloc((end - head) * sizeof(*shown))))
            {
                c->expanded = FALSE;
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                goto done;
            }
            for (j = head + 1; j < end; j++)
                if (entry_visible(v->all.a[j]))
                    shown[n++] = v->all.a[j];
            /* no notifications for rows an expansion adds (imapitable-expandrow.md) */
            if ((hr = list_insert(v, lhead + 1, shown, n)) != S_OK)
            {
                c->expanded = FALSE;
                goto done;
            }
        }
    }
    if (rows)
    {
        ULONG give = min(row_count, n);
        if ((hr = make_rowset(v, shown, give, rows)) != S_OK)
            goto done;
        /* the cursor: after the last row returned, or after the heading */
        v->cursor = lhead < 0 ? v->cursor : lhead + 1 + give;
    }
    else if (lhead >= 0)
        v->cursor = lhead + 1;
    if (more)
        *more = n;
done:
    LeaveCriticalSection(&v->table->lock);
    mc_free(shown);
    return hr;
}

static HRESULT WINAPI view_CollapseRow(IMAPITable *iface, ULONG cb_key, LPBYTE key, ULONG flags,
                                       ULONG *count)
{
    table_view *v = impl_from_IMAPITable(iface);
    HRESULT hr = S_OK;
    ULONG n = 0;
    category *c;
    LONG lhead;

    MC_TRACE("table", "%p %lu %#lx", v, (unsigned long)cb_key, (unsigned long)flags);
    if (!key)
        return MAPI_E_INVALID_PARAMETER;
    if (flags)
        return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&v->table->lock);
    if (!(c = heading_by_key(v, cb_key, key)))
        hr = MAPI_E_NOT_FOUND;
    else if (c->expanded)
    {
        /* no notifications; bookmarks on the rows hidden move on (imapitable-collapserow.md) */
        if (entry_visible(&c->head) && (lhead = array_find(v, &v->list, &c->head)) >= 0)
        {
            n = block_end(&v->list, lhead, c) - lhead - 1;
            list_remove(v, lhead + 1, n);
        }
        c->expanded = FALSE;
    }
    if (count)
        *count = n;
    LeaveCriticalSection(&v->table->lock);
    return hr;
}

static HRESULT WINAPI view_WaitForCompletion(IMAPITable *iface, ULONG flags, ULONG timeout,
                                             ULONG *status)
{
    MC_TRACE("table", "%p", iface);
    if (status)
        *status = TBLSTAT_COMPLETE;
    return S_OK;
}

/* Collapse state (imapitable-getcollapsestate.md, imapitable-setcollapsestate.md): our own
 * bytes. "MCCS", version, a hash of the sort order it belongs to, the row it was taken at (a
 * heading by its category values, a leaf by its row's insertion number and instance), then
 * every category whose state differs from what cExpanded gives, by its category values. */
#define STATE_MAGIC 0x5343434du
#define STATE_VERSION 1

typedef struct state_buf
{
    BYTE *p;
    ULONG n, cap;
    BOOL failed;
} state_buf;

static void put_bytes(state_buf *b, const void *data, ULONG cb)
{
    if (b->failed)
        return;
    if (b->n + cb > b->cap)
    {
        ULONG cap = b->cap ? b->cap * 2 : 256;
        BYTE *p;
        while (cap < b->n + cb)
            cap *= 2;
        if (!(p = mc_realloc(b->p, cap)))
        {
            b->failed = TRUE;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, cb);
    b->n += cb;
}

static void put_ulong(state_buf *b, ULONG v)
{
    put_bytes(b, &v, 4);
}

/* A category value: tag, length, bytes (PR_NULL for a missing value). */
static void put_value(state_buf *b, const SPropValue *p)
{
    const void *data = p ? &p->Value : NULL;
    ULONG cb = 8;

    if (!p)
    {
        put_ulong(b, PR_NULL);
        put_ulong(b, 0);
        return;
    }
    switch (PROP_TYPE(p->ulPropTag))
    {
    case PT_UNICODE: data = p->Value.lpszW; cb = (lstrlenW(p->Value.lpszW) + 1) * sizeof(WCHAR); break;
    case PT_STRING8: data = p->Value.lpszA; cb = lstrlenA(p->Value.lpszA) + 1; break;
    case PT_BINARY:  data = p->Value.bin.lpb; cb = p->Value.bin.cb; break;
    case PT_CLSID:   data = p->Value.lpguid; cb = sizeof(GUID); break;
    }
    put_ulong(b, p->ulPropTag);
    put_ulong(b, cb);
    put_bytes(b, data, cb);
}

static void put_path(state_buf *b, const category *c)
{
    const category *path[MC_MAX_CATEGORIES];
    ULONG i, depth = c->depth;

    for (; c; c = c->parent)
        path[c->depth] = c;
    put_ulong(b, depth);
    for (i = 0; i <= depth; i++)
    {
        ULONG k;
        for (k = 0; k <= path[i]->n_more; k++)     /* a combined category: each of its values */
            put_value(b, cat_value(path[i], k));
    }
}

static void put_states(table_view *v, state_buf *b, category **cats, ULONG n, ULONG *count)
{
    ULONG i;

    for (i = 0; i < n; i++)
    {
        if (cats[i]->expanded != (cats[i]->depth < v->n_expanded))
        {
            put_path(b, cats[i]);
            put_ulong(b, cats[i]->expanded);
            (*count)++;
        }
        put_states(v, b, cats[i]->kids, cats[i]->n_kids, count);
    }
}

static ULONG sort_hash(const table_view *v)
{
    ULONG h = 2166136261u, i, cb = v->sort ? CbSSortOrderSet(v->sort) : 0;
    const BYTE *p = (const BYTE *)v->sort;

    /* cExpanded only sets the starting state, which the saved state overrides */
    for (i = 0; i < cb; i++)
        if (i < FIELD_OFFSET(SSortOrderSet, cExpanded) || i >= FIELD_OFFSET(SSortOrderSet, aSort))
            h = (h ^ p[i]) * 16777619u;
    return h;
}

static HRESULT WINAPI view_GetCollapseState(IMAPITable *iface, ULONG flags, ULONG cb_key,
                                            LPBYTE key, ULONG *cb_state, LPBYTE *state)
{
    table_view *v = impl_from_IMAPITable(iface);
    state_buf b = {0};
    ventry *e = NULL;
    ULONG i, count = 0, count_at;
    HRESULT hr = S_OK;
    BYTE *out;

    MC_TRACE("table", "%p %#lx %lu", v, (unsigned long)flags, (unsigned long)cb_key);
    if (!key || !cb_state || !state)
        return MAPI_E_INVALID_PARAMETER;
    if (flags)
        return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&v->table->lock);
    if (!v->n_levels)
    {
        hr = MAPI_E_NO_SUPPORT;     /* the view is not categorized */
        goto done;
    }
    /* the instance key the row shows in PR_INSTANCE_KEY: ours, or the row's own (a store's
     * rows bring theirs, 8 bytes) */
    for (i = 0; i < v->all.n && !e; i++)
    {
        SPropValue k;
        entry_key_value(v->all.a[i], &k);
        if (k.Value.bin.cb == cb_key && !memcmp(k.Value.bin.lpb, key, cb_key))
            e = v->all.a[i];
    }
    if (!e)
    {
        hr = MAPI_E_NOT_FOUND;
        goto done;
    }
    put_ulong(&b, STATE_MAGIC);
    put_ulong(&b, STATE_VERSION);
    put_ulong(&b, sort_hash(v));
    put_ulong(&b, e->row ? 1 : 0);
    if (e->row)
    {
        put_bytes(&b, &e->row->seq, sizeof(e->row->seq));
        put_ulong(&b, e->inst);
    }
    else
        put_path(&b, e->cat);
    count_at = b.n;
    put_ulong(&b, 0);
    put_states(v, &b, v->top, v->n_top, &count);
    if (b.failed)
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    memcpy(b.p + count_at, &count, 4);
    if ((hr = mc_alloc_more(&v->table->alloc, NULL, b.n, (void **)&out)) != S_OK)
        goto done;
    memcpy(out, b.p, b.n);
    *cb_state = b.n;
    *state = out;
done:
    LeaveCriticalSection(&v->table->lock);
    mc_free(b.p);
    return hr;
}

typedef struct state_reader
{
    const BYTE *p;
    ULONG n, at;
    BOOL bad;
} state_reader;

static ULONG get_ulong(state_reader *r)
{
    ULONG v = 0;

    if (r->at + 4 > r->n)
        r->bad = TRUE;
    else
        memcpy(&v, r->p + r->at, 4);
    r->at += 4;
    return v;
}

/* One saved category value (put_value) into *val; its payload in *copy (caller frees). FALSE
 * (r->bad set) when malformed; *present FALSE for a missing value. */
static BOOL get_value(state_reader *r, SPropValue *val, BYTE **copy, BOOL *present)
{
    ULONG tag = get_ulong(r), cb = get_ulong(r);

    *copy = NULL;
    *present = FALSE;
    if (r->bad || cb > r->n - r->at)
    {
        r->bad = TRUE;
        return FALSE;
    }
    memset(val, 0, sizeof(*val));
    val->ulPropTag = tag;
    if (tag != PR_NULL)
    {
        if (!(*copy = mc_malloc(cb + sizeof(WCHAR))))
        {
            r->bad = TRUE;
            return FALSE;
        }
        memcpy(*copy, r->p + r->at, cb);
        memset(*copy + cb, 0, sizeof(WCHAR));
        switch (PROP_TYPE(tag))
        {
        case PT_UNICODE: case PT_STRING8: val->Value.lpszA = (char *)*copy; break;
        case PT_BINARY: val->Value.bin.cb = cb; val->Value.bin.lpb = *copy; break;
        case PT_CLSID: val->Value.lpguid = (GUID *)*copy; break;
        default: memcpy(&val->Value, *copy, min(cb, (ULONG)sizeof(val->Value))); break;
        }
        *present = TRUE;
    }
    r->at += cb;
    return TRUE;
}

/* Walk a saved category path down the current categories (NULL when one is gone). */
static category *get_path(table_view *v, state_reader *r)
{
    ULONG depth = get_ulong(r), i, k;
    category *c = NULL;
    BOOL lost = FALSE;

    if (r->bad || depth >= v->n_levels)
    {
        r->bad = TRUE;
        return NULL;
    }
    for (i = 0; i <= depth && !r->bad; i++)
    {
        SPropValue val[MC_MAX_CATEGORIES];
        const SPropValue *vals[MC_MAX_CATEGORIES];
        BYTE *copy[MC_MAX_CATEGORIES] = {0};
        ULONG n = v->levels[i].n_more + 1;
        BOOL present;

        for (k = 0; k < n; k++)
        {
            if (!get_value(r, &val[k], &copy[k], &present))
                break;
            vals[k] = present ? &val[k] : NULL;
        }
        if (!r->bad && !lost && !(c = cat_lookup(v, c, i, vals)))
            lost = TRUE;
        for (k = 0; k < n; k++)
            mc_free(copy[k]);
    }
    return lost || r->bad ? NULL : c;
}

static void reset_states(table_view *v, category **cats, ULONG n)
{
    ULONG i;

    for (i = 0; i < n; i++)
    {
        cats[i]->expanded = cats[i]->depth < v->n_expanded;
        reset_states(v, cats[i]->kids, cats[i]->n_kids);
    }
}

static HRESULT WINAPI view_SetCollapseState(IMAPITable *iface, ULONG flags, ULONG cb_state,
                                            LPBYTE state, BOOKMARK *location)
{
    table_view *v = impl_from_IMAPITable(iface);
    state_reader r = { state, cb_state, 0, FALSE };
    ventry *target = NULL;
    category *at_cat = NULL;
    ULONGLONG seq = 0;
    ULONG kind, inst = NO_INST, count, i;
    HRESULT hr = S_OK;

    MC_TRACE("table", "%p %#lx %lu", v, (unsigned long)flags, (unsigned long)cb_state);
    if (!state || !location)
        return MAPI_E_INVALID_PARAMETER;
    if (flags)
        return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&v->table->lock);
    if (!v->n_levels)
    {
        hr = MAPI_E_NO_SUPPORT;
        goto done;
    }
    if (get_ulong(&r) != STATE_MAGIC || get_ulong(&r) != STATE_VERSION || r.bad)
    {
        hr = MAPI_E_INVALID_PARAMETER;
        goto done;
    }
    if (get_ulong(&r) != sort_hash(v))
    {
        /* taken under another sort order: the notes to implementers say not to guess */
        hr = mc_last_error_set(&v->last_error, MAPI_E_UNABLE_TO_COMPLETE,
                               L"SetCollapseState: the sort order has changed");
        goto done;
    }
    kind = get_ulong(&r);
    if (kind == 1)
    {
        if (r.at + sizeof(seq) > r.n)
            r.bad = TRUE;
        else
            memcpy(&seq, r.p + r.at, sizeof(seq));
        r.at += sizeof(seq);
        inst = get_ulong(&r);
    }
    else
        at_cat = get_path(v, &r);
    count = get_ulong(&r);
    if (r.bad)
    {
        hr = MAPI_E_INVALID_PARAMETER;
        goto done;
    }
    reset_states(v, v->top, v->n_top);
    for (i = 0; i < count && !r.bad; i++)
    {
        category *c = get_path(v, &r);
        ULONG expanded = get_ulong(&r);
        if (c)
            c->expanded = expanded != 0;
    }
    if (r.bad)
    {
        hr = MAPI_E_INVALID_PARAMETER;
        goto done;
    }
    /* Lay out the visible list again; bookmarks on rows now hidden move on. */
    for (i = 0; i < v->n_bookmarks; i++)
        if (!v->bookmarks[i].moved && !v->bookmarks[i].at_end && !entry_visible(v->bookmarks[i].entry))
        {
            v->bookmarks[i].moved = TRUE;
            v->bookmarks[i].pos = 0;
            v->bookmarks[i].entry = NULL;
        }
    v->list.n = 0;
    for (i = 0; i < v->all.n; i++)
    {
        if (entry_visible(v->all.a[i]))
            v->list.a[v->list.n++] = v->all.a[i];
        if (kind == 1 ? v->all.a[i]->row && v->all.a[i]->row->seq == seq && v->all.a[i]->inst == inst
                      : at_cat && v->all.a[i] == &at_cat->head)
            target = v->all.a[i];
    }
    v->cursor = 0;
    /* the bookmark: on the saved row, or where it would be when it is gone or hidden */
    hr = bookmark_add(v, !target ? 0 : entry_visible(target) ? (ULONG)array_find(v, &v->list, target)
                                     : array_lower_bound(v, &v->list, target), location);
done:
    LeaveCriticalSection(&v->table->lock);
    return hr;
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

/* ---- default sort ------------------------------------------------------------------------------ */

/* New views start in the table's default order, copied from the hidden index view (no sort). */
static HRESULT view_adopt_default_sort(table_view *v)
{
    const table_view *ix = v->table->index_view;

    if (!ix || !ix->sort)
        return S_OK;
    if (!(v->sort = mc_malloc(CbSSortOrderSet(ix->sort))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(v->sort, ix->sort, CbSSortOrderSet(ix->sort));
    return parse_sort(v->sort, &v->levels, &v->n_levels, &v->keys, &v->n_keys);
}

HRESULT mc_table_set_default_sort(mc_table *t, const SSortOrderSet *sort)
{
    table_view *v, **link;
    HRESULT hr;
    ULONG i;

    if (!t || !sort || sort->cCategories || sort->cExpanded)
        return MAPI_E_INVALID_PARAMETER;
    for (i = 0; i < sort->cSorts; i++)
        if ((sort->aSort[i].ulOrder != TABLE_SORT_ASCEND && sort->aSort[i].ulOrder != TABLE_SORT_DESCEND)
            || !sort_tag_valid(sort->aSort[i].ulPropTag) || (PROP_TYPE(sort->aSort[i].ulPropTag) & MV_INSTANCE))
            return MAPI_E_INVALID_PARAMETER;
    if (!(v = mc_calloc(1, sizeof(*v))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    v->table = t;       /* no reference: the table owns its index view */
    mc_last_error_init(&v->last_error);
    if (!(v->sort = mc_malloc(CbSSortOrderSet(sort))))
    {
        view_free(v);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(v->sort, sort, CbSSortOrderSet(sort));
    if ((hr = parse_sort(v->sort, &v->levels, &v->n_levels, &v->keys, &v->n_keys)) != S_OK)
    {
        view_free(v);
        return hr;
    }
    EnterCriticalSection(&t->lock);
    if ((hr = view_rebuild(v)) == S_OK)
    {
        if (t->index_view)
        {
            for (link = &t->views; *link; link = &(*link)->next)
                if (*link == t->index_view)
                {
                    *link = t->index_view->next;
                    break;
                }
            view_free(t->index_view);
        }
        v->next = t->views;
        t->views = v;
        t->index_view = v;
    }
    LeaveCriticalSection(&t->lock);
    if (hr != S_OK)
        view_free(v);
    return hr;
}

/* ---- row sources (mapicore.h; the reading side is tablesrc.c) ----------------------------- */

HRESULT mc_table_set_source(mc_table *t, const mc_rowsource *src)
{
    HRESULT hr = S_OK;

    if (!t || !src || !src->vtbl || t->index_tag != PR_INSTANCE_KEY)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    if (t->has_source || t->n_rows || t->views)
        hr = MAPI_E_INVALID_PARAMETER;
    else
    {
        t->source = *src;
        t->has_source = TRUE;
    }
    LeaveCriticalSection(&t->lock);
    return hr;
}

/* ---- lean rows --------------------------------------------------------------------------------
 * A source with fill_columns lets a table that must hold its rows keep, of each row, only the
 * columns its views order, group, restrict and expand by (and PR_INSTANCE_KEY): one pass of the
 * source fills them, and a million rows fit. QueryRows and notifications read the rest of a row
 * from the source (get_row) as they build it (build_row). The set only grows: a view or a
 * FindRow that needs another column adds it to every row in place (views are not touched: no
 * order or restriction depends on a column nobody used). A change of a row (source_changed)
 * brings the whole row. */

static void instance_key_of(ULONGLONG id, BYTE bytes[8], SPropValue *out);

/* Add `tag` by its ID (as PT_UNSPECIFIED) unless there. */
static HRESULT tagset_add(SPropTagArray **set, ULONG tag)
{
    SPropTagArray *s = *set;
    ULONG n = s ? s->cValues : 0;

    if (tag == PR_NULL || !PROP_ID(tag) || mc_tags_contain_id(s, tag))
        return S_OK;
    if (!(s = mc_realloc(s, CbNewSPropTagArray(n + 1))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    s->cValues = n + 1;
    s->aulPropTag[n] = PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag));
    *set = s;
    return S_OK;
}

/* The columns a restriction reads (sub-restrictions read the row's index only). */
static HRESULT res_tags(const SRestriction *r, SPropTagArray **set, ULONG depth)
{
    HRESULT hr = S_OK;
    ULONG i;

    if (!r || depth > 64)
        return S_OK;
    switch (r->rt)
    {
    case RES_AND:
    case RES_OR:
        for (i = 0; hr == S_OK && r->res.resAnd.lpRes && i < r->res.resAnd.cRes; i++)
            hr = res_tags(&r->res.resAnd.lpRes[i], set, depth + 1);
        return hr;
    case RES_NOT:
        return res_tags(r->res.resNot.lpRes, set, depth + 1);
    case RES_CONTENT:
        return tagset_add(set, r->res.resContent.ulPropTag);
    case RES_PROPERTY:
        return tagset_add(set, r->res.resProperty.ulPropTag);
    case RES_COMPAREPROPS:
        if ((hr = tagset_add(set, r->res.resCompareProps.ulPropTag1)) != S_OK)
            return hr;
        return tagset_add(set, r->res.resCompareProps.ulPropTag2);
    case RES_BITMASK:
        return tagset_add(set, r->res.resBitMask.ulPropTag);
    case RES_SIZE:
        return tagset_add(set, r->res.resSize.ulPropTag);
    case RES_EXIST:
        return tagset_add(set, r->res.resExist.ulPropTag);
    case RES_COMMENT:
    case RES_ANNOTATION:
        return res_tags(r->res.resComment.lpRes, set, depth + 1);
    }
    return S_OK;
}

/* The columns a view orders, groups, counts, restricts and expands by. */
static HRESULT view_tags(const table_view *v, SPropTagArray **set)
{
    HRESULT hr = S_OK;
    ULONG i, k;

    for (i = 0; hr == S_OK && i < v->n_keys; i++)
        hr = tagset_add(set, v->keys[i].ulPropTag);
    for (i = 0; hr == S_OK && i < v->n_levels; i++)
    {
        hr = tagset_add(set, v->levels[i].tag);
        for (k = 0; hr == S_OK && k < v->levels[i].n_more; k++)
            hr = tagset_add(set, v->levels[i].more[k].ulPropTag);
        if (hr == S_OK && v->levels[i].agg_tag)
            hr = tagset_add(set, v->levels[i].agg_tag);
    }
    if (hr == S_OK && v->n_levels)
        hr = tagset_add(set, PR_MESSAGE_FLAGS);     /* headings count the unread rows */
    if (hr == S_OK && v->mvi_tag)
        hr = tagset_add(set, v->mvi_tag);
    if (hr == S_OK)
        hr = res_tags(v->restriction, set, 0);
    return hr;
}

typedef struct lean_ctx
{
    mc_table *t;
    BOOL extend;        /* only add columns to rows the table has */
} lean_ctx;

/* mc_row_values_fn: row `id` gets these values (new row, or columns added in place). */
static HRESULT lean_merge(void *ctx, ULONGLONG id, ULONG n, const SPropValue *values)
{
    lean_ctx *c = ctx;
    mc_table *t = c->t;
    SPropValue key, stack[32], *all = stack, *nv;
    BYTE kb[8];
    mc_row *row;
    ULONG i, k = 0, nc;
    BOOL own;
    HRESULT hr;

    instance_key_of(id, kb, &key);
    row = table_find_row(t, &key);
    if (!row && c->extend)
        return S_OK;    /* new since the table was filled: the change will bring it whole */
    if ((row ? row->n : 1) + n > ARRAYSIZE(stack) &&
        !(all = mc_malloc(((row ? row->n : 1) + n) * sizeof(*all))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!row)
    {
        all[k++] = key;
        for (i = 0; i < n; i++)
            if (PROP_ID(values[i].ulPropTag) != PROP_ID(PR_INSTANCE_KEY))
                all[k++] = values[i];
        hr = mc_table_modify_row(t, k, all);
    }
    else
    {
        for (i = 0; i < row->n; i++)
            all[k++] = row->props[i];
        for (i = 0; i < n; i++)
            if (!mc_props_find(row->n, row->props, PROP_TAG(PT_UNSPECIFIED, PROP_ID(values[i].ulPropTag))))
                all[k++] = values[i];
        if ((hr = make_values(k, all, row->key, &nv, &nc, &own)) == S_OK)
        {
            free_values(row->n, row->props, row->own_key);
            row->props = nv;
            row->n = nc;
            row->own_key = own;
            hr = note_columns(t, row, &t->cap_known);
        }
    }
    if (all != stack)
        mc_free(all);
    return hr;
}

/* The id a row of a source table stands for (its 8-byte PR_INSTANCE_KEY). */
static BOOL row_source_id(const mc_row *row, ULONGLONG *id)
{
    const SPropValue *k = mc_props_find(row->n, row->props, PR_INSTANCE_KEY);
    ULONG i;

    if (!k || PROP_TYPE(k->ulPropTag) != PT_BINARY || k->Value.bin.cb != 8)
        return FALSE;
    for (*id = 0, i = 0; i < 8; i++)
        *id |= (ULONGLONG)k->Value.bin.lpb[i] << (8 * i);
    return TRUE;
}

/* Every row whole from the source, one by one: when the source cannot give some column in a
 * pass. The table holds whole rows from now on. */
static HRESULT lean_to_whole(mc_table *t)
{
    lean_ctx c = { t, TRUE };
    HRESULT hr = S_OK;
    ULONGLONG id;
    mc_srcrow r;
    ULONG i;

    for (i = 0; hr == S_OK && i < t->n_rows; i++)
    {
        if (!row_source_id(t->rows[i], &id))
            continue;
        memset(&r, 0, sizeof(r));
        if ((hr = t->source.vtbl->get_row(t->source.ctx, id, &r)) == S_OK)
            hr = lean_merge(&c, id, r.n, r.props);
        else if (hr == MAPI_E_NOT_FOUND)
            hr = S_OK;      /* deleted meanwhile: its change will take it out */
        if (r.props)
            mc_heap_alloc()->free_buffer(r.props);
    }
    if (hr == S_OK)
    {
        mc_free(t->lean);
        t->lean = NULL;
    }
    return hr;
}

/* Lean rows hold every column view `v` (or restriction `res`) reads (caller holds the lock). */
static HRESULT lean_ensure(mc_table *t, const table_view *v, const SRestriction *res)
{
    SPropTagArray *want = NULL, *missing = NULL;
    lean_ctx c = { t, TRUE };
    HRESULT hr;
    ULONG i;

    if (!t->lean)
        return S_OK;
    hr = v ? view_tags(v, &want) : res_tags(res, &want, 0);
    for (i = 0; hr == S_OK && want && i < want->cValues; i++)
        if (!mc_tags_contain_id(t->lean, want->aulPropTag[i]))
            hr = tagset_add(&missing, want->aulPropTag[i]);
    if (hr == S_OK && missing)
    {
        hr = t->source.vtbl->fill_columns(t->source.ctx, missing, lean_merge, &c);
        for (i = 0; hr == S_OK && i < missing->cValues; i++)
            hr = tagset_add(&t->lean, missing->aulPropTag[i]);
        if (hr == MAPI_E_TOO_COMPLEX)
            hr = lean_to_whole(t);
        MC_TRACE("table", "table %p: %lu more columns in its rows, %#lx", t,
                 (unsigned long)missing->cValues, (unsigned long)hr);
    }
    mc_free(want);
    mc_free(missing);
    return hr;
}

/* build_row: the whole row behind entry `e` of a table with lean rows (an mc_heap_alloc block
 * in *props, *n values), FALSE when the entry's own values are all there is. */
static BOOL lean_whole_row(const table_view *v, const ventry *e, ULONG *n, SPropValue **props)
{
    mc_table *t = v->table;
    ULONGLONG id;
    mc_srcrow r;

    *props = NULL;
    if (!t->lean || v->src || !e->row || !row_source_id(e->row, &id))
        return FALSE;
    memset(&r, 0, sizeof(r));
    if (t->source.vtbl->get_row(t->source.ctx, id, &r) != S_OK || !r.props)
    {
        if (r.props)
            mc_heap_alloc()->free_buffer(r.props);
        return FALSE;   /* gone meanwhile: what the row holds (its change is on the way) */
    }
    *n = r.n;
    *props = r.props;
    return TRUE;
}

/* Every row of the source into memory, once (caller holds the lock): lean rows with the
 * columns of the table's views and of `extra` when the source can, else whole rows. Views are
 * rebuilt by their caller, so the rows go in without per-view work. */
static HRESULT table_materialize(mc_table *t, const table_view *extra)
{
    SPropTagArray *need = NULL;
    lean_ctx c = { t, FALSE };
    const table_view *v;
    HRESULT hr = MAPI_E_TOO_COMPLEX;

    if (t->materialized)
        return S_OK;
    t->filling = TRUE;
    if (t->source.vtbl->fill_columns)
    {
        hr = tagset_add(&need, PR_INSTANCE_KEY);
        for (v = t->views; hr == S_OK && v; v = v->next)
            hr = view_tags(v, &need);
        if (hr == S_OK && extra)
            hr = view_tags(extra, &need);
        if (hr == S_OK)
            hr = t->source.vtbl->fill_columns(t->source.ctx, need, lean_merge, &c);
        if (hr == S_OK)
        {
            mc_free(t->lean);
            t->lean = need;
            need = NULL;
        }
        mc_free(need);
    }
    if (hr == MAPI_E_TOO_COMPLEX)
    {
        mc_free(t->lean);
        t->lean = NULL;
        hr = t->source.vtbl->fill(t->source.ctx, t);
    }
    t->filling = FALSE;
    if (hr == S_OK)
        t->materialized = TRUE;     /* on failure a later fill replaces what came by index */
    MC_TRACE("table", "table %p: %lu rows in memory (%lu columns each), %#lx", t, (unsigned long)t->n_rows,
             t->lean ? (unsigned long)t->lean->cValues : 0ul, (unsigned long)hr);
    return hr;
}

HRESULT mc_table_materialize(mc_table *t)
{
    HRESULT hr;

    if (!t || !t->has_source)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    t->memory_only = TRUE;
    hr = table_materialize(t, NULL);
    LeaveCriticalSection(&t->lock);
    return hr;
}

/* view_rebuild of a table with a source: S_OK when the source answers the view, S_FALSE when
 * the rows are in memory and the view is built there, or an error. */
static HRESULT view_use_source(table_view *v)
{
    mc_table *t = v->table;
    HRESULT hr = MAPI_E_TOO_COMPLEX;

    mc_srcview_free(v->src);
    v->src = NULL;
    if (!t->memory_only && !v->mvi_tag && !v->n_levels)
        hr = mc_srcview_open(&t->source, v->sort, v->restriction, &v->src);
    if (hr == S_OK)
    {
        if (v->n_advises)
            mc_srcview_prepare_notify(v->src);
        return S_OK;
    }
    if (hr != MAPI_E_TOO_COMPLEX)
        return hr;
    if ((hr = table_materialize(t, v)) != S_OK || (hr = lean_ensure(t, v, NULL)) != S_OK)
        return hr;
    return S_FALSE;
}

static void instance_key_of(ULONGLONG id, BYTE bytes[8], SPropValue *out)
{
    ULONG i;

    for (i = 0; i < 8; i++)
        bytes[i] = (BYTE)(id >> (8 * i));
    memset(out, 0, sizeof(*out));
    out->ulPropTag = PR_INSTANCE_KEY;
    out->Value.bin.cb = 8;
    out->Value.bin.lpb = bytes;
}

/* A stand-in entry for a row the source gave (no table row behind it). */
static void source_entry(mc_row *r, ULONG n, SPropValue *props)
{
    memset(r, 0, sizeof(*r));
    r->n = n;
    r->props = props;
    r->self.row = r;
    r->self.inst = NO_INST;
}

static HRESULT source_query_rows(table_view *v, LONG count, BOOL advance, SRowSet **out)
{
    mc_srcrow *rows = NULL;
    mc_row *stand = NULL;
    ventry **es = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    if ((hr = mc_srcview_read(v->src, count, count < 0 || advance, &rows, &n)) != S_OK)
        return hr;
    if (!(stand = mc_calloc(n + 1, sizeof(*stand))) || !(es = mc_calloc(n + 1, sizeof(*es))))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; hr == S_OK && i < n; i++)
    {
        source_entry(&stand[i], rows[i].n, rows[i].props);
        es[i] = &stand[i].self;
    }
    if (hr == S_OK)
        hr = make_rowset(v, es, n, out);
    mc_free(es);
    mc_free(stand);
    mc_srcview_free_rows(rows, n);
    return hr;
}

HRESULT mc_table_source_changed(mc_table *t, ULONGLONG id)
{
    BYTE kb[8], pb[8];
    SPropValue key, prior_key;
    mc_srcrow now;
    table_view *v;
    HRESULT hr = S_OK;

    if (!t || !t->has_source)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    mc_free(t->source_columns);
    t->source_columns = NULL;
    instance_key_of(id, kb, &key);
    if (t->materialized)
    {
        memset(&now, 0, sizeof(now));
        if ((hr = t->source.vtbl->get_row(t->source.ctx, id, &now)) == S_OK)
        {
            hr = mc_table_modify_row(t, now.n, now.props);
            mc_heap_alloc()->free_buffer(now.props);
        }
        else if (hr == MAPI_E_NOT_FOUND && (hr = mc_table_delete_row(t, &key)) == MAPI_E_NOT_FOUND)
            hr = S_OK;      /* it was not in the table */
    }
    for (v = t->views; v; v = v->next)
    {
        ULONG event;
        ULONGLONG prior;
        BOOL has_prior;
        mc_row row, before;

        if (!v->src || mc_srcview_changed(v->src, id, v->n_advises != 0, &event, &now,
                                          &has_prior, &prior) != S_OK || !event)
            continue;
        if (event == TABLE_ROW_DELETED)
            source_entry(&row, 1, &key);
        else
            source_entry(&row, now.n, now.props);
        if (has_prior)
        {
            instance_key_of(prior, pb, &prior_key);
            source_entry(&before, 1, &prior_key);
        }
        queue_event_after(v, event, &row.self, has_prior ? &before.self : NULL);
        if (now.props)
            mc_heap_alloc()->free_buffer(now.props);
    }
    flush_all(t);
    LeaveCriticalSection(&t->lock);
    return hr;
}

HRESULT mc_table_source_reload(mc_table *t)
{
    table_view *v;
    HRESULT hr = S_OK, hv;
    ULONG i;

    if (!t || !t->has_source)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&t->lock);
    mc_free(t->source_columns);
    t->source_columns = NULL;
    /* views that read from memory let go of the rows first (their entries point into them) */
    for (v = t->views; v; v = v->next)
        if (!v->src)
        {
            ULONG n_bk = v->n_bookmarks;
            view_clear(v);
            v->n_bookmarks = n_bk;
        }
    if (t->materialized)
    {
        for (i = 0; i < t->n_rows; i++)
            row_free(t->rows[i]);
        t->n_rows = 0;
        memset(t->hash, 0, t->hash_size * sizeof(*t->hash));
        t->materialized = FALSE;
        hr = table_materialize(t, NULL);
    }
    for (v = t->views; v; v = v->next)
    {
        if (v->src)
        {
            /* the same sort and restriction asked again; cursor and bookmarks are positions */
            if ((hv = mc_srcview_reload(v->src, v->sort, v->restriction)) == S_OK && v->n_advises)
                mc_srcview_prepare_notify(v->src);
        }
        else
        {
            /* bookmarks survive as "moved" (their rows are new rows), as after delete_all */
            ULONG n_bk = v->n_bookmarks;
            hv = view_rebuild(v);
            if (!v->src)
            {
                v->n_bookmarks = n_bk;
                for (i = 0; i < n_bk; i++)
                {
                    v->bookmarks[i].moved = !v->bookmarks[i].at_end;
                    v->bookmarks[i].entry = NULL;
                    v->bookmarks[i].pos = 0;
                }
            }
        }
        if (hv != S_OK && hv != S_FALSE && hr == S_OK)
            hr = hv;
        queue_event(v, TABLE_RELOAD, NULL, 0);
    }
    flush_all(t);
    LeaveCriticalSection(&t->lock);
    return hr;
}

BOOL mc_table_view_uses_source(IMAPITable *view)
{
    table_view *v;
    BOOL yes;

    if (!view || view->lpVtbl != &table_view_vtbl)
        return FALSE;
    v = impl_from_IMAPITable(view);
    EnterCriticalSection(&v->table->lock);
    yes = v->src != NULL;
    LeaveCriticalSection(&v->table->lock);
    return yes;
}
