/*
 * tablesrc.c - IMAPITable views that read through a row source (mapicore.h, "row sources")
 * instead of rows kept in memory: keyset paging. Governing pages: imapitable-queryrows.md,
 * imapitable-seekrow.md, imapitable-seekrowapprox.md, imapitable-queryposition.md,
 * imapitable-findrow.md, imapitable-createbookmark.md, table_notification.md.
 *
 * Invariants (the caller, table.c, holds the table's lock for every call):
 * - a position is the beginning, the end, or "before the first row whose key is >= k" in the
 *   source's order; the cursor and every bookmark is one. A row leaving the view therefore
 *   moves no position: the position now stands before the row that followed it;
 * - `count` and `cur_ord` are caches, valid until the next change of the source's rows
 *   (mc_srcview_changed); each is recomputed from the source when asked for.
 */
#include "tablesrc.h"
#include <assert.h>

#define MAX_BOOKMARKS 1024
#define FIRST_BOOKMARK 3        /* above BOOKMARK_BEGINNING/CURRENT/END */
#define FIND_PAGE 256           /* rows FindRow evaluates per fetch */
#define READ_MAX 65536          /* rows one QueryRows returns at most (the caller reads on) */

enum { POS_BEGIN, POS_KEY, POS_END };

typedef struct srcpos
{
    int kind;
    mc_srckey key;              /* POS_KEY */
} srcpos;

typedef struct srcmark
{
    ULONG id;
    srcpos pos;
} srcmark;

struct mc_srcview
{
    mc_rowsource src;
    void *q;
    srcpos cur;
    ULONG cur_ord;
    BOOL cur_ord_ok;
    ULONG count;
    BOOL count_ok;
    srcmark *marks;
    ULONG n_marks;
    ULONG next_mark;
};

HRESULT mc_srcview_open(const mc_rowsource *src, const SSortOrderSet *sort,
                        const SRestriction *res, mc_srcview **out)
{
    static const SSortOrderSet none = {0, 0, 0, {{0, 0}}};
    mc_srcview *sv;
    HRESULT hr;

    *out = NULL;
    if (!(sv = mc_calloc(1, sizeof(*sv))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    sv->src = *src;
    sv->next_mark = FIRST_BOOKMARK;
    sv->cur.kind = POS_BEGIN;
    sv->cur_ord_ok = TRUE;
    if ((hr = src->vtbl->open_query(src->ctx, sort ? sort : &none, res, &sv->q)) != S_OK)
    {
        mc_free(sv);
        return hr;
    }
    *out = sv;
    return S_OK;
}

HRESULT mc_srcview_reload(mc_srcview *sv, const SSortOrderSet *sort, const SRestriction *res)
{
    static const SSortOrderSet none = {0, 0, 0, {{0, 0}}};
    void *q = NULL;
    HRESULT hr;

    if ((hr = sv->src.vtbl->open_query(sv->src.ctx, sort ? sort : &none, res, &q)) != S_OK)
        return hr;
    sv->src.vtbl->close_query(sv->src.ctx, sv->q);
    sv->q = q;
    sv->count_ok = FALSE;
    sv->cur_ord_ok = sv->cur.kind == POS_BEGIN;
    sv->cur_ord = 0;
    return S_OK;
}

void mc_srcview_free(mc_srcview *sv)
{
    if (!sv)
        return;
    sv->src.vtbl->close_query(sv->src.ctx, sv->q);
    mc_free(sv->marks);
    mc_free(sv);
}

void mc_srcview_free_rows(mc_srcrow *rows, ULONG n)
{
    ULONG i;

    for (i = 0; rows && i < n; i++)
        if (rows[i].props)
            mc_heap_alloc()->free_buffer(rows[i].props);
    mc_free(rows);
}

static void free_props(mc_srcrow *rows, ULONG n)
{
    ULONG i;

    for (i = 0; i < n; i++)
        if (rows[i].props)
        {
            mc_heap_alloc()->free_buffer(rows[i].props);
            rows[i].props = NULL;
        }
}

/* Rows from position `p` (see mc_rowsource_vtbl.fetch). */
static HRESULT fetch(mc_srcview *sv, const srcpos *p, BOOL inclusive, BOOL backward, ULONG skip,
                     ULONG n, BOOL with_props, mc_srcrow *rows, ULONG *got)
{
    *got = 0;
    if (!n || (!backward && p->kind == POS_END) || (backward && p->kind == POS_BEGIN))
        return S_OK;
    memset(rows, 0, n * sizeof(*rows));
    return sv->src.vtbl->fetch(sv->src.ctx, sv->q, p->kind == POS_KEY ? &p->key : NULL,
                               inclusive, backward, skip, n, with_props, rows, got);
}

HRESULT mc_srcview_count(mc_srcview *sv, ULONG *count)
{
    HRESULT hr;

    if (!sv->count_ok)
    {
        if ((hr = sv->src.vtbl->count(sv->src.ctx, sv->q, &sv->count)) != S_OK)
            return hr;
        sv->count_ok = TRUE;
    }
    *count = sv->count;
    return S_OK;
}

static HRESULT pos_ordinal(mc_srcview *sv, const srcpos *p, ULONG *ord)
{
    switch (p->kind)
    {
    case POS_BEGIN: *ord = 0; return S_OK;
    case POS_END:   return mc_srcview_count(sv, ord);
    }
    return sv->src.vtbl->ordinal(sv->src.ctx, sv->q, &p->key, ord);
}

HRESULT mc_srcview_position(mc_srcview *sv, ULONG *row)
{
    HRESULT hr;

    if (!sv->cur_ord_ok)
    {
        if ((hr = pos_ordinal(sv, &sv->cur, &sv->cur_ord)) != S_OK)
            return hr;
        sv->cur_ord_ok = TRUE;
    }
    *row = sv->cur_ord;
    return S_OK;
}

static void set_cursor(mc_srcview *sv, int kind, const mc_srckey *key, BOOL ord_ok, ULONG ord)
{
    sv->cur.kind = kind;
    if (key)
        sv->cur.key = *key;
    sv->cur_ord_ok = ord_ok;
    sv->cur_ord = ord;
}

HRESULT mc_srcview_read(mc_srcview *sv, LONG count, BOOL advance, mc_srcrow **out, ULONG *n)
{
    ULONG want = count == LONG_MIN ? 0x80000000u : (ULONG)(count < 0 ? -count : count);
    mc_srcrow *rows;
    ULONG got = 0, total, i;
    HRESULT hr;

    *out = NULL;
    *n = 0;
    /* a huge request reads what there is (QueryRows returns fewer rows at the end anyway) */
    if (want > READ_MAX && mc_srcview_count(sv, &total) == S_OK && want > total)
        want = total;
    if (want > READ_MAX)
        want = READ_MAX;
    if (!(rows = mc_calloc(want + 1, sizeof(*rows))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (count > 0)
    {
        if ((hr = fetch(sv, &sv->cur, TRUE, FALSE, 0, want, TRUE, rows, &got)) != S_OK)
            goto fail;
        if (advance)
        {
            /* the cursor stops before the row after the last one read: its key only */
            srcpos last;
            ULONG more = 0;
            last.kind = POS_KEY;
            if (got == want && got)
            {
                last.key = rows[got - 1].key;
                if ((hr = fetch(sv, &last, FALSE, FALSE, 0, 1, FALSE, rows + want, &more)) != S_OK)
                    goto fail;
            }
            if (more)
                set_cursor(sv, POS_KEY, &rows[want].key, sv->cur_ord_ok, sv->cur_ord + want);
            else
                set_cursor(sv, POS_END, NULL, sv->cur_ord_ok, sv->cur_ord + got);
        }
    }
    else
    {
        /* the rows before the cursor, nearest first: reversed into view order; the cursor
         * ends on the first row returned (imapitable-queryrows.md, negative lRowCount) */
        if ((hr = fetch(sv, &sv->cur, FALSE, TRUE, 0, want, TRUE, rows, &got)) != S_OK)
            goto fail;
        for (i = 0; i < got / 2; i++)
        {
            mc_srcrow tmp = rows[i];
            rows[i] = rows[got - 1 - i];
            rows[got - 1 - i] = tmp;
        }
        if (got)
            set_cursor(sv, POS_KEY, &rows[0].key, sv->cur_ord_ok, sv->cur_ord - got);
    }
    *out = rows;
    *n = got;
    return S_OK;
fail:
    mc_srcview_free_rows(rows, got);
    return hr;
}

static srcmark *find_mark(mc_srcview *sv, ULONG id)
{
    ULONG i;

    for (i = 0; i < sv->n_marks; i++)
        if (sv->marks[i].id == id)
            return &sv->marks[i];
    return NULL;
}

/* The position a bookmark stands for; *ord_ok when *ord is known without asking the source.
 * A bookmark whose row left the view stands for the row that followed it: once
 * MAPI_W_POSITION_CHANGED, and from then on it names that row (imapitable-seekrow.md). */
static HRESULT resolve(mc_srcview *sv, BOOKMARK bk, srcpos *p, ULONG *ord, BOOL *ord_ok)
{
    ULONG id = (ULONG)bk;       /* only the low 32 bits count (DECISIONS.md 1) */
    mc_srckey key;
    mc_srcrow next;
    srcmark *m;
    BOOL present = FALSE;
    ULONG got;
    HRESULT hr;

    *ord_ok = FALSE;
    switch (id)
    {
    case BOOKMARK_BEGINNING:
        p->kind = POS_BEGIN;
        *ord = 0;
        *ord_ok = TRUE;
        return S_OK;
    case BOOKMARK_CURRENT:
        *p = sv->cur;
        *ord = sv->cur_ord;
        *ord_ok = sv->cur_ord_ok;
        return S_OK;
    case BOOKMARK_END:
        p->kind = POS_END;
        return S_OK;
    }
    if (!(m = find_mark(sv, id)))
        return MAPI_E_INVALID_BOOKMARK;
    *p = m->pos;
    if (p->kind != POS_KEY)
        return S_OK;
    if ((hr = sv->src.vtbl->locate(sv->src.ctx, sv->q, p->key.id, &key, &present)) != S_OK)
        return hr;
    if (present)
    {
        /* a bookmark names its row, wherever a change moved it */
        m->pos.key = key;
        *p = m->pos;
        return S_OK;
    }
    /* its row left: from now on the bookmark names the row that followed it */
    if ((hr = fetch(sv, p, TRUE, FALSE, 0, 1, FALSE, &next, &got)) != S_OK)
        return hr;
    if (got)
        m->pos.key = next.key;
    else
        m->pos.kind = POS_END;
    *p = m->pos;
    return MAPI_W_POSITION_CHANGED;
}

HRESULT mc_srcview_seek(mc_srcview *sv, BOOKMARK origin, LONG rows, LONG *sought)
{
    srcpos p;
    mc_srcrow r;
    ULONG ord = 0, got, total;
    BOOL ord_ok;
    HRESULT hr, warn;

    if (FAILED(warn = resolve(sv, origin, &p, &ord, &ord_ok)))
        return warn;
    if (rows == 0)
    {
        sv->cur = p;
        sv->cur_ord = ord;
        sv->cur_ord_ok = ord_ok;
        if (sought)
            *sought = 0;
        return warn;
    }
    if (rows > 0)
        hr = fetch(sv, &p, TRUE, FALSE, (ULONG)rows, 1, FALSE, &r, &got);
    else
        hr = fetch(sv, &p, FALSE, TRUE, (ULONG)-(rows + 1), 1, FALSE, &r, &got);
    if (hr != S_OK)
        return hr;
    if (got)
    {
        set_cursor(sv, POS_KEY, &r.key, ord_ok, ord + rows);
        if (sought)
            *sought = rows;
        return warn;
    }
    /* past an end: the cursor stops there and *sought says how far it went */
    if (!ord_ok && (hr = pos_ordinal(sv, &p, &ord)) != S_OK)
        return hr;
    if (rows > 0)
    {
        if ((hr = mc_srcview_count(sv, &total)) != S_OK)
            return hr;
        set_cursor(sv, POS_END, NULL, TRUE, total);
        if (sought)
            *sought = (LONG)(total - ord);
    }
    else
    {
        set_cursor(sv, POS_BEGIN, NULL, TRUE, 0);
        if (sought)
            *sought = -(LONG)ord;
    }
    return warn;
}

HRESULT mc_srcview_seek_approx(mc_srcview *sv, ULONG numerator, ULONG denominator)
{
    ULONG total, ord;
    HRESULT hr;

    if ((hr = mc_srcview_count(sv, &total)) != S_OK)
        return hr;
    if (numerator >= denominator)
    {
        set_cursor(sv, POS_END, NULL, TRUE, total);     /* after the last row */
        return S_OK;
    }
    ord = (ULONG)((ULONGLONG)numerator * total / denominator);
    return mc_srcview_seek(sv, BOOKMARK_BEGINNING, (LONG)ord, NULL);
}

HRESULT mc_srcview_find(mc_srcview *sv, const SRestriction *res, BOOKMARK origin, BOOL backward,
                        mc_subrestriction_fn sub, void *sub_ctx)
{
    mc_srcrow *rows;
    srcpos p;
    ULONG ord, got, i;
    BOOL ord_ok, inclusive = !backward;
    HRESULT hr, warn;

    if (FAILED(warn = resolve(sv, origin, &p, &ord, &ord_ok)))
        return warn;
    if (!(rows = mc_calloc(FIND_PAGE, sizeof(*rows))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    /* Forward from the bookmark's row; backward from the row before it. The cursor ends on the
     * row found, so QueryRows reads it next. */
    for (;;)
    {
        if ((hr = fetch(sv, &p, inclusive, backward, 0, FIND_PAGE, TRUE, rows, &got)) != S_OK)
            break;
        for (i = 0; i < got; i++)
            if (mc_restriction_match_sub(res, rows[i].n, rows[i].props, sub, sub_ctx))
                break;
        if (i < got)
        {
            set_cursor(sv, POS_KEY, &rows[i].key, FALSE, 0);
            hr = warn;
            break;
        }
        hr = MAPI_E_NOT_FOUND;
        if (got < FIND_PAGE)
            break;
        p.kind = POS_KEY;
        p.key = rows[got - 1].key;
        inclusive = FALSE;
        free_props(rows, got);
    }
    mc_srcview_free_rows(rows, got);
    return hr;
}

HRESULT mc_srcview_bookmark(mc_srcview *sv, BOOKMARK *out)
{
    srcmark *m;
    srcpos p = sv->cur;
    mc_srcrow r;
    ULONG got;
    HRESULT hr;

    if (sv->n_marks >= MAX_BOOKMARKS)
        return MAPI_E_UNABLE_TO_COMPLETE;
    if (p.kind == POS_BEGIN)
    {
        /* a bookmark names a row: the first one (rows added before it do not move it) */
        if ((hr = fetch(sv, &p, TRUE, FALSE, 0, 1, FALSE, &r, &got)) != S_OK)
            return hr;
        if (got)
        {
            p.kind = POS_KEY;
            p.key = r.key;
        }
        else
            p.kind = POS_END;
    }
    if (!(m = mc_realloc(sv->marks, (sv->n_marks + 1) * sizeof(*m))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    sv->marks = m;
    m = &sv->marks[sv->n_marks++];
    m->id = sv->next_mark++;
    m->pos = p;
    *out = m->id;       /* only the low 32 bits are ours to write (DECISIONS.md 1) */
    return S_OK;
}

HRESULT mc_srcview_free_bookmark(mc_srcview *sv, BOOKMARK bk)
{
    ULONG id = (ULONG)bk;
    srcmark *m;

    if (id == BOOKMARK_BEGINNING || id == BOOKMARK_CURRENT || id == BOOKMARK_END)
        return S_OK;
    if (!(m = find_mark(sv, id)))
        return MAPI_E_INVALID_BOOKMARK;
    memmove(m, m + 1, (sv->n_marks - (m - sv->marks) - 1) * sizeof(*m));
    sv->n_marks--;
    return S_OK;
}

void mc_srcview_prepare_notify(mc_srcview *sv)
{
    ULONG n;
    mc_srcview_count(sv, &n);
}

HRESULT mc_srcview_changed(mc_srcview *sv, ULONGLONG id, BOOL announce, ULONG *event,
                           mc_srcrow *row, BOOL *has_prior, ULONGLONG *prior)
{
    BOOL old_ok = sv->count_ok, present = FALSE;
    ULONG old = sv->count, now, got;
    mc_srckey key;
    mc_srcrow r;
    srcpos p;
    HRESULT hr;

    *event = 0;
    *has_prior = FALSE;
    memset(row, 0, sizeof(*row));
    sv->count_ok = FALSE;
    sv->cur_ord_ok = FALSE;
    /* The source says where the row is now - asked also without an Advise: a query that keeps
     * its own rows (a sort or restriction the index cannot answer) takes the change in only
     * then, and QueryRows must show it (imapitable-queryrows.md). */
    if ((hr = sv->src.vtbl->locate(sv->src.ctx, sv->q, id, &key, &present)) != S_OK)
        return hr;
    if (!announce)
        return S_OK;
    /* The row count says whether it was there before (one row changes per call), which the
     * caller keeps known while a view has an Advise. */
    if ((hr = mc_srcview_count(sv, &now)) != S_OK)
        return hr;
    if (!present)
    {
        if (old_ok && now < old)
            *event = TABLE_ROW_DELETED;
        return S_OK;
    }
    p.kind = POS_KEY;
    p.key = key;
    if ((hr = fetch(sv, &p, TRUE, FALSE, 0, 1, TRUE, row, &got)) != S_OK)
        return hr;
    if (!got || row->key.id != id)
    {
        free_props(row, got);
        memset(row, 0, sizeof(*row));
        return S_OK;        /* gone again in between: the next call tells */
    }
    if ((hr = fetch(sv, &p, FALSE, TRUE, 0, 1, FALSE, &r, &got)) != S_OK)
    {
        free_props(row, 1);
        return hr;
    }
    if (got)
    {
        *has_prior = TRUE;
        *prior = r.key.id;
    }
    *event = old_ok && now > old ? TABLE_ROW_ADDED : TABLE_ROW_MODIFIED;
    return S_OK;
}
