/*
 * sqltable.c - the row source of a folder's contents table (mapicore.h, "row sources"): the
 * table engine's views page through the database (dbtable.c) instead of holding every row.
 * Docs: contents-tables.md, imapitable-queryrows.md. Rows are those of tables.c
 * (td_store_contents_row: the same columns and truncation as when held in memory).
 *
 * What it answers: the default order (PR_MESSAGE_DELIVERY_TIME descending, no restriction)
 * from the index objects_by_time, page by page; a sort on one other stored column and/or a
 * restriction on stored columns from an array of (row id, sort value) built by one scan
 * (below). Anything else (computed columns, several sort columns, sub-restrictions) is
 * MAPI_E_TOO_COMPLEX, and the engine then holds the rows in memory (fill). Called with the
 * table's lock held; it takes only the database's lock, never the store's.
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

/* ---- queries the index cannot answer: an array of rows in the view's order -------------------
 * One scan of the folder's messages (td_db_table_scan) reads the sort column and the columns the
 * restriction names; the rows that pass the restriction (mapicore's matcher, on the values as
 * the row holds them) are kept as (id, sort value) and sorted with the table engine's rules:
 * strings by their LCMapStringW sort key (LOCALE_INVARIANT, NORM_IGNORECASE) after the row's
 * cut to TD_TABLE_STRING characters, numbers numerically, missing values last whatever the
 * direction, ties by row id (the engine's insertion order). A string's key is made once per
 * distinct string (keycache, during the scan) and rows refer to it by number; the distinct keys
 * are sorted and ranked once, and the rows sorted by rank - so a million rows with a few
 * thousand senders cost a few thousand LCMapStringW calls and integer comparisons. 24 bytes per
 * row plus 16 per distinct key and its bytes. A position key holds the row id and, in v, the
 * row's index when the key was made. A change this process reports (locate) re-reads that one
 * row and moves it in the array. Pages of rows are read a page at a time (td_store_contents_rows). */

enum { ORD_DEFAULT, ORD_STRING, ORD_SIGNED, ORD_UNSIGNED };

typedef struct arow
{
    ULONGLONG id;
    LONGLONG num;           /* the number, or (ORD_STRING) the index of the string's key in keys */
    BOOL has;               /* the sort value is there */
} arow;

/* A string's sort key: `len` bytes at `off` in the arena. */
typedef struct skey
{
    SIZE_T off;
    ULONG len;
    ULONG rank;             /* arrquery_open: the key's place among the distinct keys */
} skey;

/* The first scan's keys by their string, so that each distinct string goes through
 * LCMapStringW once (senders, classes, recipients repeat a lot in a folder). Dropped after the
 * scan, or as soon as it stops paying (most strings distinct). */
typedef struct keycache
{
    ULONG *slots;           /* key index + 1, 0 free (open addressing, at most half full) */
    ULONG mask, entries;
    SIZE_T *text_off;       /* per key: its string in text */
    ULONG cap_off;
    WCHAR *text;
    SIZE_T text_used, text_size;
    ULONG looked, found;    /* lookups so far, and hits */
} keycache;

typedef struct arrquery
{
    sqltable *t;
    int mode;
    BOOL descend;
    ULONG sort_tag;                 /* ORD_DEFAULT: 0 (sort_time) */
    const SRestriction *res;        /* the view's own copy; lives longer than the query */
    ULONG ids[TD_SCAN_MAX_PROPS];   /* property IDs to read */
    ULONG n_ids;
    arow *rows;
    ULONG n, cap;
    skey *keys;                     /* ORD_STRING */
    ULONG n_keys, cap_keys;
    BYTE *arena;
    SIZE_T used, size;
    keycache *cache;                /* during the first scan */
    BOOL inserting;                 /* locate: put the row at its place, not at the end */
    HRESULT failed;
    BOOL complete;                  /* every message scanned (else: up to `last`) */
    BOOL started;
    mc_srckey last;                 /* ORD_DEFAULT: the last message scanned so far */
    ULONG chunk;                    /* messages the next step reads */
} arrquery;

/* Messages the steps of a default-order scan read: a restricted view in the default order scans
 * only as far as the rows asked for (the first page of a rare match is quick), in steps that
 * start small and double. */
#define SCAN_FIRST 64
#define SCAN_MAX 65536

static BOOL add_id(arrquery *a, ULONG tag)
{
    ULONG i;
    if (!td_contents_keeps(tag)) return FALSE;
    for (i = 0; i < a->n_ids; i++)
        if (a->ids[i] == PROP_ID(tag)) return TRUE;
    if (a->n_ids == TD_SCAN_MAX_PROPS) return FALSE;
    a->ids[a->n_ids++] = PROP_ID(tag);
    return TRUE;
}

/* The columns a restriction reads, when every one is a stored column rows keep as stored. */
static BOOL res_columns(arrquery *a, const SRestriction *r, ULONG depth)
{
    ULONG i;

    if (depth > MC_RES_MAX_DEPTH) return FALSE;
    switch (r->rt)
    {
    case RES_AND:
    case RES_OR:
        for (i = 0; i < r->res.resAnd.cRes; i++)
            if (!res_columns(a, &r->res.resAnd.lpRes[i], depth + 1)) return FALSE;
        return TRUE;
    case RES_NOT: return res_columns(a, r->res.resNot.lpRes, depth + 1);
    case RES_CONTENT: return add_id(a, r->res.resContent.ulPropTag);
    case RES_PROPERTY: return add_id(a, r->res.resProperty.ulPropTag);
    case RES_COMPAREPROPS: return add_id(a, r->res.resCompareProps.ulPropTag1) && add_id(a, r->res.resCompareProps.ulPropTag2);
    case RES_BITMASK: return add_id(a, r->res.resBitMask.ulPropTag);
    case RES_SIZE: return add_id(a, r->res.resSize.ulPropTag);
    case RES_EXIST: return add_id(a, r->res.resExist.ulPropTag);
    }
    return FALSE;       /* sub-restrictions, comments, annotations: the engine's business */
}

static BOOL is_string_type(ULONG type)
{
    return type == PT_UNICODE || type == PT_STRING8;
}

/* *v as a contents row holds it (strings cut like tables.c's table_value), into `buf`. */
/* Is the string longer than TD_TABLE_STRING characters (looks no further; by hand: Wine's
 * msvcrt string functions cost far more than these loops, once per message of a scan). */
static BOOL longer_than_table(const WCHAR *w)
{
    ULONG i;
    for (i = 0; i <= TD_TABLE_STRING; i++)
        if (!w[i]) return FALSE;
    return TRUE;
}

static void as_row_value(const SPropValue *v, SPropValue *out, WCHAR *buf)
{
    *out = *v;
    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE && longer_than_table(v->Value.lpszW))
    {
        memcpy(buf, v->Value.lpszW, TD_TABLE_STRING * sizeof(WCHAR));
        buf[TD_TABLE_STRING] = 0;
        out->Value.lpszW = buf;
    }
    else if (PROP_TYPE(v->ulPropTag) == PT_STRING8 && strlen(v->Value.lpszA) > TD_TABLE_STRING)
    {
        memcpy(buf, v->Value.lpszA, TD_TABLE_STRING);
        ((char *)buf)[TD_TABLE_STRING] = 0;
        out->Value.lpszA = (char *)buf;
    }
}

static BOOL arena_room(arrquery *a, SIZE_T n)
{
    SIZE_T size = a->size ? a->size * 2 : 1 << 20;
    BYTE *p;

    if (a->used + n <= a->size) return TRUE;
    while (size < a->used + n) size *= 2;
    if (!(p = mc_realloc(a->arena, size))) return FALSE;
    a->arena = p;
    a->size = size;
    return TRUE;
}

static BOOL grow(void **p, ULONG *cap, ULONG need, SIZE_T size)
{
    ULONG ncap = *cap ? *cap : 1024;
    void *q;

    if (need <= *cap) return TRUE;
    while (ncap < need) ncap *= 2;
    if (!(q = mc_realloc(*p, (SIZE_T)ncap * size))) return FALSE;
    *p = q;
    *cap = ncap;
    return TRUE;
}

/* The sort key of `w` as the engine makes it (table.c string_sortkey), into the arena as key
 * number a->n_keys. */
static BOOL new_key(arrquery *a, const WCHAR *w)
{
    BYTE key[1024];
    skey *k;
    int n;

    if (!grow((void **)&a->keys, &a->cap_keys, a->n_keys + 1, sizeof(*a->keys))) return FALSE;
    k = &a->keys[a->n_keys];
    /* most keys fit the buffer: one call */
    if ((n = LCMapStringW(LOCALE_INVARIANT, LCMAP_SORTKEY | NORM_IGNORECASE, w, -1, (WCHAR *)key, sizeof(key))) > 0)
    {
        if (!arena_room(a, n)) return FALSE;
        memcpy(a->arena + a->used, key, n);
    }
    else
    {
        n = LCMapStringW(LOCALE_INVARIANT, LCMAP_SORTKEY | NORM_IGNORECASE, w, -1, NULL, 0);
        if (n <= 0) n = 1;
        if (!arena_room(a, n)) return FALSE;
        if (LCMapStringW(LOCALE_INVARIANT, LCMAP_SORTKEY | NORM_IGNORECASE, w, -1, (WCHAR *)(a->arena + a->used), n) <= 0)
            a->arena[a->used] = 0;
    }
    k->off = a->used;
    k->len = (ULONG)n;
    k->rank = 0;
    a->used += n;
    a->n_keys++;
    return TRUE;
}

static void keycache_free(keycache *c)
{
    if (!c) return;
    mc_free(c->slots);
    mc_free(c->text_off);
    mc_free(c->text);
    mc_free(c);
}

/* Cache lookups before the cache judges whether it pays, and the hits it needs by then. */
#define CACHE_TRIAL 16384

static ULONG text_hash(const WCHAR *w, SIZE_T *len)
{
    ULONG h = 2166136261u;      /* FNV-1a */
    const WCHAR *p;

    for (p = w; *p; p++) h = (h ^ *p) * 16777619u;
    *len = (SIZE_T)(p - w);
    return h;
}

/* wcscmp(x, y) == 0, by hand (see longer_than_table: msvcrt's wcscmp under Wine was most of
 * a sort's scan time) */
static BOOL same_text(const WCHAR *x, const WCHAR *y)
{
    while (*x && *x == *y) x++, y++;
    return *x == *y;
}

/* The key of `w` from the cache, or made and remembered; -1 when out of memory. */
static LONG cached_key(arrquery *a, const WCHAR *w)
{
    keycache *c = a->cache;
    SIZE_T len;
    ULONG slot, key;

    c->looked++;
    for (slot = text_hash(w, &len) & c->mask; c->slots[slot]; slot = (slot + 1) & c->mask)
    {
        key = c->slots[slot] - 1;
        if (same_text(c->text + c->text_off[key], w))
        {
            c->found++;
            return (LONG)key;
        }
    }
    key = a->n_keys;
    if (!new_key(a, w)) return -1;
    /* remember it: the string, and the slot */
    if (c->text_used + len + 1 > c->text_size)
    {
        SIZE_T size = c->text_size ? c->text_size * 2 : 65536;
        WCHAR *t;
        while (size < c->text_used + len + 1) size *= 2;
        if (!(t = mc_realloc(c->text, size * sizeof(WCHAR)))) return -1;
        c->text = t;
        c->text_size = size;
    }
    if (!grow((void **)&c->text_off, &c->cap_off, key + 1, sizeof(*c->text_off))) return -1;
    memcpy(c->text + c->text_used, w, (len + 1) * sizeof(WCHAR));
    c->text_off[key] = c->text_used;
    c->text_used += len + 1;
    c->slots[slot] = key + 1;
    if (++c->entries * 2 > c->mask)
    {
        ULONG nmask = c->mask * 2 + 1, i, at, *ns = mc_calloc((SIZE_T)nmask + 1, sizeof(*ns));
        if (!ns) return -1;
        for (i = 0; i <= c->mask; i++)
            if (c->slots[i])
            {
                for (at = text_hash(c->text + c->text_off[c->slots[i] - 1], &len) & nmask; ns[at];
                     at = (at + 1) & nmask) {}
                ns[at] = c->slots[i];
            }
        mc_free(c->slots);
        c->slots = ns;
        c->mask = nmask;
    }
    return (LONG)key;
}

/* The sort key of a string value (the row's cut of it): r->num gets its index in keys. */
static BOOL add_string_key(arrquery *a, const SPropValue *v, arow *r)
{
    WCHAR small[TD_TABLE_STRING + 1];
    const WCHAR *w = small;
    LONG key;

    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE) w = v->Value.lpszW;
    else MultiByteToWideChar(CP_ACP, 0, v->Value.lpszA, -1, small, ARRAYSIZE(small));
    if (a->cache && a->cache->looked == CACHE_TRIAL && a->cache->found < CACHE_TRIAL / 2)
    {
        keycache_free(a->cache);    /* mostly distinct strings: LCMapStringW for each */
        a->cache = NULL;
    }
    if (a->cache) key = cached_key(a, w);
    else key = new_key(a, w) ? (LONG)a->n_keys - 1 : -1;
    if (key < 0) return FALSE;
    r->num = key;
    return TRUE;
}

static int arow_cmp(const arrquery *a, const arow *x, const arow *y)
{
    int r = 0;

    if (x->has != y->has) return x->has ? -1 : 1;     /* missing last, whatever the direction */
    if (x->has)
    {
        switch (a->mode)
        {
        case ORD_STRING:
        {
            const skey *kx = &a->keys[x->num], *ky = &a->keys[y->num];
            r = memcmp(a->arena + kx->off, a->arena + ky->off, kx->len < ky->len ? kx->len : ky->len);
            if (!r) r = kx->len < ky->len ? -1 : kx->len > ky->len;
            break;
        }
        case ORD_UNSIGNED:
            r = (ULONGLONG)x->num < (ULONGLONG)y->num ? -1 : (ULONGLONG)x->num > (ULONGLONG)y->num;
            break;
        default:
            r = x->num < y->num ? -1 : x->num > y->num;
        }
        if (a->descend) r = -r;
        if (r) return r;
    }
    return x->id < y->id ? -1 : x->id > y->id;
}

static void merge_sort(const arrquery *a, arow *v, arow *tmp, ULONG n)
{
    ULONG m = n / 2, i = 0, j = m, k = 0;

    if (n < 2) return;
    merge_sort(a, v, tmp, m);
    merge_sort(a, v + m, tmp, n - m);
    if (arow_cmp(a, &v[m - 1], &v[m]) <= 0) return;    /* already in order */
    while (i < m && j < n) tmp[k++] = arow_cmp(a, &v[i], &v[j]) <= 0 ? v[i++] : v[j++];
    while (i < m) tmp[k++] = v[i++];
    memcpy(v, tmp, k * sizeof(*v));
}

static int key_cmp(const arrquery *a, ULONG x, ULONG y)
{
    const skey *kx = &a->keys[x], *ky = &a->keys[y];
    int r = memcmp(a->arena + kx->off, a->arena + ky->off, kx->len < ky->len ? kx->len : ky->len);
    return r ? r : kx->len < ky->len ? -1 : kx->len > ky->len;
}

static void key_sort(const arrquery *a, ULONG *v, ULONG *tmp, ULONG n)
{
    ULONG m = n / 2, i = 0, j = m, k = 0;

    if (n < 2) return;
    key_sort(a, v, tmp, m);
    key_sort(a, v + m, tmp, n - m);
    if (key_cmp(a, v[m - 1], v[m]) <= 0) return;
    while (i < m && j < n) tmp[k++] = key_cmp(a, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    while (i < m) tmp[k++] = v[i++];
    memcpy(v, tmp, k * sizeof(*v));
}

/* The rows into the view's order. Strings: the distinct keys are sorted once and ranked (equal
 * keys share a rank), then the rows by rank - numbers, not key bytes, in the big sort. */
static HRESULT sort_rows(arrquery *a)
{
    ULONG *order = NULL, *rep = NULL, ranks = 0, i;
    arow *tmp;
    HRESULT hr = S_OK;

    if (!(tmp = mc_malloc((a->n ? a->n : 1) * sizeof(*tmp)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (a->mode != ORD_STRING)
    {
        merge_sort(a, a->rows, tmp, a->n);
        goto done;
    }
    if (!(order = mc_malloc((a->n_keys ? a->n_keys : 1) * sizeof(*order))) ||
        !(rep = mc_malloc((a->n_keys ? a->n_keys : 1) * sizeof(*rep))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    for (i = 0; i < a->n_keys; i++) order[i] = i;
    key_sort(a, order, rep, a->n_keys);
    for (i = 0; i < a->n_keys; i++)
    {
        if (!i || key_cmp(a, order[i - 1], order[i])) rep[ranks++] = order[i];
        a->keys[order[i]].rank = ranks - 1;
    }
    for (i = 0; i < a->n; i++)
        if (a->rows[i].has) a->rows[i].num = a->keys[a->rows[i].num].rank;
    a->mode = ORD_SIGNED;
    merge_sort(a, a->rows, tmp, a->n);
    a->mode = ORD_STRING;
    /* back to key indices (one key of each rank stands for all of them) */
    for (i = 0; i < a->n; i++)
        if (a->rows[i].has) a->rows[i].num = rep[a->rows[i].num];
done:
    mc_free(order);
    mc_free(rep);
    mc_free(tmp);
    return hr;
}

/* td_db_table_scan's callback: keep a message that passes the restriction. */
static HRESULT scan_row(void *ctx, ULONGLONG id, BOOL has_time, LONGLONG time, ULONG n,
                        const SPropValue *values)
{
    arrquery *a = ctx;
    SPropValue row[TD_SCAN_MAX_PROPS];
    WCHAR bufs[TD_SCAN_MAX_PROPS][TD_TABLE_STRING + 1];
    arow r;
    ULONG i;


    /* the values as the row holds them: all of them for a restriction, else the sort value */
    if (a->res)
    {
        for (i = 0; i < n; i++)
            as_row_value(&values[i], &row[i], bufs[i]);
    }
    else
    {
        const SPropValue *v = a->mode == ORD_DEFAULT ? NULL : mc_props_find(n, values, a->sort_tag);
        n = 0;
        if (v) as_row_value(v, &row[n++], bufs[0]);
    }
    memset(&r, 0, sizeof(r));
    r.id = id;
    if (a->res && !mc_restriction_match(a->res, n, row)) goto done;
    if (a->mode == ORD_DEFAULT)
    {
        r.has = has_time;
        r.num = time;
    }
    else
    {
        const SPropValue *v = mc_props_find(n, row, a->sort_tag);
        if (v && PROP_TYPE(v->ulPropTag) != PT_ERROR)
        {
            r.has = TRUE;
            switch (PROP_TYPE(v->ulPropTag))
            {
            case PT_UNICODE: case PT_STRING8:
                if (!add_string_key(a, v, &r)) { a->failed = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
                break;
            case PT_LONG:    r.num = v->Value.l; break;
            case PT_BOOLEAN: r.num = v->Value.b ? 1 : 0; break;
            case PT_I8:      r.num = v->Value.li.QuadPart; break;
            case PT_SYSTIME: r.num = (LONGLONG)(((ULONGLONG)v->Value.ft.dwHighDateTime << 32) | v->Value.ft.dwLowDateTime); break;
            default:         r.has = FALSE;
            }
        }
    }
    if (a->n == a->cap)
    {
        ULONG cap = a->cap ? a->cap * 2 : 1024;
        arow *p = mc_realloc(a->rows, cap * sizeof(*p));
        if (!p) { a->failed = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        a->rows = p;
        a->cap = cap;
    }
    if (a->inserting && !a->complete)
    {
        /* not scanned that far yet: the scan will come to it */
        arow edge;
        memset(&edge, 0, sizeof(edge));
        edge.id = a->last.id;
        edge.num = a->last.v;
        edge.has = a->last.has_v;
        if (!a->started || arow_cmp(a, &r, &edge) > 0) goto done;
    }
    if (a->inserting)
    {
        /* at its place: after every row that orders before it */
        ULONG lo = 0, hi = a->n;
        while (lo < hi)
        {
            ULONG mid = lo + (hi - lo) / 2;
            if (arow_cmp(a, &a->rows[mid], &r) < 0) lo = mid + 1;
            else hi = mid;
        }
        memmove(&a->rows[lo + 1], &a->rows[lo], (a->n - lo) * sizeof(r));
        a->rows[lo] = r;
        a->n++;
    }
    else a->rows[a->n++] = r;
done:
    return a->failed;
}

static void arrquery_free(arrquery *a)
{
    if (!a) return;
    keycache_free(a->cache);
    mc_free(a->rows);
    mc_free(a->keys);
    mc_free(a->arena);
    mc_free(a);
}

static HRESULT arrquery_open(sqltable *q, const SSortOrderSet *sort, const SRestriction *res, arrquery **out)
{
    BOOL by_time = sort->cSorts == 1 && sort->aSort[0].ulPropTag == PR_MESSAGE_DELIVERY_TIME
                   && sort->aSort[0].ulOrder == TABLE_SORT_DESCEND;
    arrquery *a;
    HRESULT hr;

    if (sort->cCategories || sort->cSorts != 1) return MAPI_E_TOO_COMPLEX;
    if (!(a = mc_calloc(1, sizeof(*a)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    a->t = q;
    a->res = res;
    a->mode = ORD_DEFAULT;
    a->descend = TRUE;
    if (!by_time)
    {
        ULONG tag = sort->aSort[0].ulPropTag, type = PROP_TYPE(tag);
        a->sort_tag = tag;
        a->descend = sort->aSort[0].ulOrder == TABLE_SORT_DESCEND;
        a->mode = is_string_type(type) ? ORD_STRING : type == PT_SYSTIME ? ORD_UNSIGNED :
                  type == PT_LONG || type == PT_I8 || type == PT_BOOLEAN ? ORD_SIGNED : -1;
        if (a->mode < 0 || (sort->aSort[0].ulOrder != TABLE_SORT_ASCEND && !a->descend) || !add_id(a, tag))
        {
            arrquery_free(a);
            return MAPI_E_TOO_COMPLEX;
        }
    }
    if (res && !res_columns(a, res, 1))
    {
        arrquery_free(a);
        return MAPI_E_TOO_COMPLEX;
    }
    /* the default order comes in chunks as rows are asked for (arr_more); a sort reads every
     * message at once, then sorts */
    if (a->mode == ORD_STRING)
    {
        if (!(a->cache = mc_calloc(1, sizeof(*a->cache))) || !(a->cache->slots = mc_calloc(1024, sizeof(ULONG))))
        {
            arrquery_free(a);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        a->cache->mask = 1023;
    }
    hr = a->mode == ORD_DEFAULT ? S_OK : td_db_table_scan(q->s->db, q->folder, assoc_of(q), 0, a->ids, a->n_ids, scan_row, a);
    keycache_free(a->cache);
    a->cache = NULL;
    a->complete = a->mode != ORD_DEFAULT;
    if (SUCCEEDED(hr) && a->mode != ORD_DEFAULT) hr = sort_rows(a);
    if (FAILED(hr))
    {
        arrquery_free(a);
        return hr;
    }
    *out = a;
    return S_OK;
}

/* Scan on until the array has `need` rows or every message was seen. */
static HRESULT arr_more(arrquery *a, ULONG need)
{
    HRESULT hr = S_OK;
    ULONG messages;

    while (!a->complete && a->n < need && SUCCEEDED(hr))
    {
        ULONG chunk = a->chunk ? a->chunk : SCAN_FIRST;
        a->failed = S_OK;
        hr = td_db_table_scan_chunk(a->t->s->db, a->t->folder, assoc_of(a->t), a->started ? &a->last : NULL,
                                    chunk, a->ids, a->n_ids, scan_row, a, &messages, &a->last);
        a->started = a->started || messages;
        a->chunk = chunk < SCAN_MAX ? chunk * 2 : SCAN_MAX;
        if (SUCCEEDED(hr) && messages < chunk) a->complete = TRUE;
    }
    return hr;
}

/* The index of the row a position key names, or where it was (*found FALSE). */
static ULONG arr_index(const arrquery *a, const mc_srckey *key, BOOL *found)
{
    ULONG hint = key->has_v && key->v >= 0 ? (ULONG)key->v : 0, i;

    *found = TRUE;
    if (hint < a->n && a->rows[hint].id == key->id) return hint;
    for (i = 0; i < a->n; i++)
        if (a->rows[i].id == key->id) return i;
    *found = FALSE;
    return hint < a->n ? hint : a->n;
}

/* The rows of rows[0..k)'s keys, read together (td_store_contents_rows); a message deleted
 * since its key was read is left out (the next change says so): *kept rows remain, in order. */
static HRESULT load_rows(sqltable *q, mc_srcrow *rows, ULONG k, ULONG *kept)
{
    HRESULT hr = td_store_contents_rows(q->s, q->kind, k, rows);
    ULONG i;

    *kept = 0;
    if (FAILED(hr)) return hr;
    for (i = 0; i < k; i++)
        if (rows[i].props) rows[(*kept)++] = rows[i];
    return S_OK;
}

static HRESULT arr_fetch(arrquery *a, const mc_srckey *from, BOOL inclusive, BOOL backward, ULONG skip,
                         ULONG n, BOOL with_props, mc_srcrow *rows, ULONG *got)
{
    LONGLONG at;
    BOOL found = FALSE;
    ULONG idx;
    HRESULT hr;

    *got = 0;
    /* forward: enough rows past the start; backward from the end: all of them */
    if (!from && backward) hr = arr_more(a, ~0u);
    else if (!backward) hr = arr_more(a, (from && from->has_v && from->v >= 0 ? (ULONG)from->v : 0) + skip + n + 1);
    else hr = S_OK;
    if (FAILED(hr)) return hr;
    idx = from ? arr_index(a, from, &found) : 0;
    if (!backward) at = (from ? (LONGLONG)idx + (found && !inclusive ? 1 : 0) : 0) + skip;
    else at = (from ? (LONGLONG)idx - (found && inclusive ? 0 : 1) : (LONGLONG)a->n - 1) - (LONGLONG)skip;
    while (*got < n && at >= 0 && SUCCEEDED(hr))
    {
        ULONG first = *got, kept;

        /* the keys of the rest of the page, then their rows in one go */
        while (*got < n && at >= 0)
        {
            mc_srcrow *r;
            if (at >= a->n && (FAILED(hr = arr_more(a, (ULONG)at + n + 1)) || at >= a->n)) break;
            r = &rows[(*got)++];
            r->key.id = a->rows[at].id;
            r->key.v = at;
            r->key.has_v = TRUE;
            r->n = 0;
            r->props = NULL;
            at += backward ? -1 : 1;
        }
        if (FAILED(hr) || !with_props || *got == first) break;
        if (FAILED(hr = load_rows(a->t, rows + first, *got - first, &kept))) break;
        if (first + kept == *got) break;
        *got = first + kept;    /* some were deleted meanwhile: read on to fill the page */
    }
    if (FAILED(hr))
    {
        ULONG i;
        for (i = 0; i < *got; i++)
            if (rows[i].props) mc_heap_alloc()->free_buffer(rows[i].props);
        *got = 0;
    }
    return hr;
}

/* Bring row `id` up to date in the array (re-read it; it may have come, gone or moved). */
static HRESULT arr_locate(arrquery *a, ULONGLONG id, mc_srckey *key, BOOL *present)
{
    ULONG i;
    HRESULT hr;

    for (i = 0; i < a->n; i++)
        if (a->rows[i].id == id)
        {
            memmove(&a->rows[i], &a->rows[i + 1], (a->n - i - 1) * sizeof(*a->rows));
            a->n--;
            break;
        }
    a->inserting = TRUE;
    a->failed = S_OK;
    hr = td_db_table_scan(a->t->s->db, a->t->folder, assoc_of(a->t), id, a->ids, a->n_ids, scan_row, a);
    a->inserting = FALSE;
    memset(key, 0, sizeof(*key));
    key->id = id;
    *present = FALSE;
    for (i = 0; i < a->n; i++)
        if (a->rows[i].id == id)
        {
            *present = TRUE;
            key->v = i;
            key->has_v = TRUE;
            break;
        }
    return hr;
}

static HRESULT sqltable_open_query(void *ctx, const SSortOrderSet *sort, const SRestriction *res,
                                   void **query)
{
    if (res || sort->cCategories || sort->cSorts != 1
        || sort->aSort[0].ulPropTag != PR_MESSAGE_DELIVERY_TIME
        || sort->aSort[0].ulOrder != TABLE_SORT_DESCEND)
        return arrquery_open(ctx, sort, res, (arrquery **)query);
    *query = ctx;           /* the index's order: the query is the table itself */
    return S_OK;
}

static void sqltable_close_query(void *ctx, void *query)
{
    if (query != ctx) arrquery_free(query);
}

static HRESULT sqltable_count(void *ctx, void *query, ULONG *n)
{
    sqltable *q = ctx;
    if (query != ctx)
    {
        HRESULT hr = arr_more(query, ~0u);
        *n = ((arrquery *)query)->n;
        return hr;
    }
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
    if (query != ctx) return arr_fetch(query, from, inclusive, backward, skip, n, with_props, rows, got);
    if (!(keys = mc_calloc(n, sizeof(*keys))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    hr = td_db_table_page(q->s->db, q->folder, assoc_of(q), from, inclusive, backward, skip, n, keys, &k);
    for (i = 0; SUCCEEDED(hr) && i < k; i++)
    {
        rows[i].key = keys[i];
        rows[i].n = 0;
        rows[i].props = NULL;
    }
    if (SUCCEEDED(hr))
    {
        if (with_props) hr = load_rows(q, rows, k, got);
        else *got = k;
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
    if (query != ctx)
    {
        BOOL found;
        *ord = arr_index(query, key, &found);
        return S_OK;
    }
    return td_db_table_ordinal(q->s->db, q->folder, assoc_of(q), key, ord);
}

static HRESULT sqltable_locate(void *ctx, void *query, ULONGLONG id, mc_srckey *key, BOOL *present)
{
    sqltable *q = ctx;
    if (query != ctx) return arr_locate(query, id, key, present);
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

static HRESULT sqltable_fill_columns(void *ctx, const SPropTagArray *tags, mc_row_values_fn fn, void *fn_ctx)
{
    sqltable *q = ctx;
    return td_store_contents_fill_columns(q->s, q->folder, q->kind, tags, fn, fn_ctx);
}

static HRESULT sqltable_get_rows(void *ctx, ULONG n, mc_srcrow *rows)
{
    sqltable *q = ctx;
    return td_store_contents_rows(q->s, q->kind, n, rows);
}

static HRESULT sqltable_columns(void *ctx, SPropTagArray **tags)
{
    sqltable *q = ctx;
    return td_store_contents_columns(q->s, q->folder, q->kind, tags);
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
    sqltable_columns,
    sqltable_fill_columns,
    sqltable_get_rows,
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
