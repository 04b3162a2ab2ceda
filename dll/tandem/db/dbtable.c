/*
 * dbtable.c - contents tables answered in SQL (db.h, "contents tables in SQL"): keyset pages,
 * counts and positions over the index objects_by_time (schema step 6 -> 7 in db.c).
 *
 * The order is sort_time descending with NULLs last, then id ascending: exactly the index's
 * order. A page after a position is read as consecutive index ranges (segments), each one a
 * range scan of the index: the rest of the position's own time (ids above it), the older
 * times, then the messages without a time. Counts of segments are index-only as well, so
 * skipping many rows (SeekRow, SeekRowApprox) costs a count, not a read of every row.
 */
#include <stdint.h>
#include "db_int.h"

#define BASE "FROM objects WHERE parent_id = ?1 AND type = 5 AND (flags & 64) = ?2 AND "
#define SEGMENT(cond, order) \
    { "SELECT id, sort_time " BASE cond " ORDER BY " order " LIMIT ?5 OFFSET ?6", \
      "SELECT count(*) " BASE cond }

/* ?3: a time, ?4: an id */
enum { SAME_AFTER, SAME_BEFORE, OLDER, NEWER, TIMED_FWD, TIMED_BACK, UNTIMED_AFTER,
       UNTIMED_BEFORE, ALL_ROWS };
static const struct { const char *rows, *count; } segments[] =
{
    SEGMENT("sort_time = ?3 AND id > ?4", "id"),                        /* SAME_AFTER */
    SEGMENT("sort_time = ?3 AND id < ?4", "id DESC"),                   /* SAME_BEFORE */
    SEGMENT("sort_time < ?3", "sort_time DESC, id"),                    /* OLDER */
    SEGMENT("sort_time > ?3", "sort_time, id DESC"),                    /* NEWER */
    SEGMENT("sort_time IS NOT NULL", "sort_time DESC, id"),             /* TIMED_FWD */
    SEGMENT("sort_time IS NOT NULL", "sort_time, id DESC"),             /* TIMED_BACK */
    SEGMENT("sort_time IS NULL AND id > ?4", "id"),                     /* UNTIMED_AFTER */
    SEGMENT("sort_time IS NULL AND id < ?4", "id DESC"),                /* UNTIMED_BEFORE */
    SEGMENT("1", "sort_time DESC, id"),                                 /* ALL_ROWS */
};

/* A chunk of a scan: the next ?12 messages of one segment with the wanted property rows. */
#define CHUNK(cond, order) \
    "SELECT o.id, o.sort_time, p.prop_id, p.type, p.ival, p.value FROM (SELECT id, sort_time " BASE cond \
    " ORDER BY " order " LIMIT ?12) o LEFT JOIN properties p ON p.object_id = o.id " \
    "AND p.prop_id IN (?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13) ORDER BY o.sort_time DESC, o.id"
static const char *const chunks[] =
{
    CHUNK("sort_time = ?3 AND id > ?4", "id"),                          /* SAME_AFTER */
    NULL,
    CHUNK("sort_time < ?3", "sort_time DESC, id"),                      /* OLDER */
    NULL,
    CHUNK("sort_time IS NOT NULL", "sort_time DESC, id"),               /* TIMED_FWD */
    NULL,
    CHUNK("sort_time IS NULL AND id > ?4", "id"),                       /* UNTIMED_AFTER */
};

typedef struct seg
{
    int kind;
    LONGLONG time;
    LONGLONG id;
} seg;

static sqlite3_stmt *bind_segment(td_db *db, const char *sql, ULONGLONG folder, BOOL assoc,
                                  const seg *g)
{
    sqlite3_stmt *st = td_db_stmt(db, sql);
    int n;

    if (!st)
        return NULL;
    n = sqlite3_bind_parameter_count(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)folder);
    sqlite3_bind_int(st, 2, assoc ? MSGFLAG_ASSOCIATED : 0);
    if (n >= 3)
        sqlite3_bind_int64(st, 3, g->time);
    if (n >= 4)
        sqlite3_bind_int64(st, 4, g->id);
    return st;
}

/* Caller holds db->lock. */
static HRESULT segment_count(td_db *db, ULONGLONG folder, BOOL assoc, const seg *g, ULONG *count)
{
    sqlite3_stmt *st = bind_segment(db, segments[g->kind].count, folder, assoc, g);
    int rc;

    if (!st)
        return td_db_hr(sqlite3_errcode(db->h));
    rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? (ULONG)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? S_OK : td_db_hr(rc);
}

HRESULT td_db_table_count(td_db *db, ULONGLONG folder, BOOL assoc, ULONG *count)
{
    seg all = {ALL_ROWS, 0, 0};
    HRESULT hr;

    EnterCriticalSection(&db->lock);
    hr = segment_count(db, folder, assoc, &all, count);
    LeaveCriticalSection(&db->lock);
    return hr;
}

/* The segments that follow (or precede) a position, in reading order. */
static ULONG plan(const mc_srckey *from, BOOL inclusive, BOOL backward, seg *g)
{
    LONGLONG id = from ? (LONGLONG)from->id : 0;
    ULONG n = 0;

    if (!backward)
    {
        if (inclusive)
            id--;               /* id > from->id - 1: the row itself too */
        if (!from)
            g[n++] = (seg){TIMED_FWD, 0, 0};
        else if (from->has_v)
        {
            g[n++] = (seg){SAME_AFTER, from->v, id};
            g[n++] = (seg){OLDER, from->v, 0};
        }
        g[n++] = (seg){UNTIMED_AFTER, 0, from && !from->has_v ? id : 0};
    }
    else
    {
        if (inclusive)
            id++;
        if (!from || !from->has_v)
        {
            g[n++] = (seg){UNTIMED_BEFORE, 0, from ? id : INT64_MAX};
            g[n++] = (seg){TIMED_BACK, 0, 0};
        }
        else
        {
            g[n++] = (seg){SAME_BEFORE, from->v, id};
            g[n++] = (seg){NEWER, from->v, 0};
        }
    }
    return n;
}

HRESULT td_db_table_page(td_db *db, ULONGLONG folder, BOOL assoc, const mc_srckey *from,
                         BOOL inclusive, BOOL backward, ULONG skip, ULONG n, mc_srckey *keys,
                         ULONG *got)
{
    seg g[3];
    ULONG k = plan(from, inclusive, backward, g), i, count;
    HRESULT hr = S_OK;
    sqlite3_stmt *st;
    int rc;

    *got = 0;
    EnterCriticalSection(&db->lock);
    for (i = 0; i < k && *got < n && hr == S_OK; i++)
    {
        if (skip)
        {
            /* a whole segment skipped costs a count over the index, not a read */
            if ((hr = segment_count(db, folder, assoc, &g[i], &count)) != S_OK)
                break;
            if (count <= skip)
            {
                skip -= count;
                continue;
            }
        }
        if (!(st = bind_segment(db, segments[g[i].kind].rows, folder, assoc, &g[i])))
        {
            hr = td_db_hr(sqlite3_errcode(db->h));
            break;
        }
        sqlite3_bind_int64(st, 5, n - *got);
        sqlite3_bind_int64(st, 6, skip);
        skip = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        {
            mc_srckey *key = &keys[(*got)++];
            key->id = (ULONGLONG)sqlite3_column_int64(st, 0);
            key->has_v = sqlite3_column_type(st, 1) != SQLITE_NULL;
            key->v = key->has_v ? sqlite3_column_int64(st, 1) : 0;
        }
        if (rc != SQLITE_DONE)
            hr = td_db_hr(rc);
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    if (hr != S_OK)
        *got = 0;
    return hr;
}

HRESULT td_db_table_ordinal(td_db *db, ULONGLONG folder, BOOL assoc, const mc_srckey *key,
                            ULONG *ord)
{
    seg before[2];
    ULONG a = 0, b = 0;
    HRESULT hr;

    /* everything before the position: the newer times and the same time's smaller ids, or
     * for a position without a time every timed message and the untimed smaller ids */
    if (key->has_v)
    {
        before[0] = (seg){NEWER, key->v, 0};
        before[1] = (seg){SAME_BEFORE, key->v, (LONGLONG)key->id};
    }
    else
    {
        before[0] = (seg){TIMED_FWD, 0, 0};
        before[1] = (seg){UNTIMED_BEFORE, 0, (LONGLONG)key->id};
    }
    EnterCriticalSection(&db->lock);
    if ((hr = segment_count(db, folder, assoc, &before[0], &a)) == S_OK)
        hr = segment_count(db, folder, assoc, &before[1], &b);
    LeaveCriticalSection(&db->lock);
    *ord = a + b;
    return hr;
}

HRESULT td_db_table_locate(td_db *db, ULONGLONG folder, BOOL assoc, ULONGLONG id,
                           mc_srckey *key, BOOL *present)
{
    static const char sql[] = "SELECT parent_id, type, flags & 64, sort_time FROM objects WHERE id = ?";
    sqlite3_stmt *st;
    HRESULT hr = S_OK;
    int rc;

    *present = FALSE;
    memset(key, 0, sizeof(*key));
    key->id = id;
    if (!id || id > (ULONGLONG)INT64_MAX)
        return S_OK;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql)))
        hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        {
            *present = (ULONGLONG)sqlite3_column_int64(st, 0) == folder
                       && sqlite3_column_int(st, 1) == MAPI_MESSAGE
                       && (sqlite3_column_int(st, 2) != 0) == (assoc != FALSE);
            key->has_v = sqlite3_column_type(st, 3) != SQLITE_NULL;
            key->v = key->has_v ? sqlite3_column_int64(st, 3) : 0;
        }
        else if (rc != SQLITE_DONE)
            hr = td_db_hr(rc);
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

static HRESULT scan_statement(td_db *db, sqlite3_stmt *st, td_scan_fn fn, void *ctx, ULONG *messages,
                              mc_srckey *last);

/* The columns of a scan, then its order or its one message. */
#define SCAN_SQL(tail) \
    "SELECT o.id, o.sort_time, p.prop_id, p.type, p.ival, p.value FROM objects o " \
    "LEFT JOIN properties p ON p.object_id = o.id AND p.prop_id IN (?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) " \
    "WHERE o.parent_id = ?1 AND o.type = 5 AND (o.flags & 64) = ?2 " tail

/* Statement `sql` (SCAN_SQL) run as a whole scan; `only`: the message ?11. */
static HRESULT scan_sql(td_db *db, const char *sql, ULONGLONG folder, BOOL assoc, ULONGLONG only,
                        const ULONG *prop_ids, ULONG n, td_scan_fn fn, void *ctx)
{
    mc_srckey last;
    ULONG i, messages = 0;
    sqlite3_stmt *st;
    HRESULT hr;

    if (n > TD_SCAN_MAX_PROPS)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql)))
        hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)folder);
        sqlite3_bind_int(st, 2, assoc ? MSGFLAG_ASSOCIATED : 0);
        /* unused slots repeat the first ID: one lookup per distinct value */
        for (i = 0; i < TD_SCAN_MAX_PROPS; i++)
            sqlite3_bind_int(st, 3 + i, i < n ? (int)prop_ids[i] : n ? (int)prop_ids[0] : -1);
        if (only)
            sqlite3_bind_int64(st, 11, (sqlite3_int64)only);
        hr = scan_statement(db, st, fn, ctx, &messages, &last);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_table_scan(td_db *db, ULONGLONG folder, BOOL assoc, ULONGLONG only,
                         const ULONG *prop_ids, ULONG n, td_scan_fn fn, void *ctx)
{
    /* every message with the wanted property rows (PK lookups), grouped by message */
    return scan_sql(db, only ? SCAN_SQL("AND o.id = ?11") : SCAN_SQL("ORDER BY o.sort_time DESC, o.id"),
                    folder, assoc, only, prop_ids, n, fn, ctx);
}

/* One statement of a scan; *last gets the key of the last message seen. */
static HRESULT scan_statement(td_db *db, sqlite3_stmt *st, td_scan_fn fn, void *ctx, ULONG *messages,
                              mc_srckey *last)
{
    SPropValue vals[TD_SCAN_MAX_PROPS];
    ULONGLONG current = 0;
    LONGLONG time = 0;
    BOOL has_time = FALSE, any = FALSE;
    ULONG k = 0, i;
    HRESULT hr = S_OK;
    int rc;

    for (;;)
    {
        ULONGLONG id;
        rc = sqlite3_step(st);
        id = rc == SQLITE_ROW ? (ULONGLONG)sqlite3_column_int64(st, 0) : 0;
        if (any && id != current)
        {
            /* the previous message is complete */
            hr = fn(ctx, current, has_time, time, k, vals);
            for (i = 0; i < k; i++)
                mc_prop_free_internal(&vals[i]);
            k = 0;
            (*messages)++;
            last->id = current;
            last->has_v = has_time;
            last->v = time;
            if (FAILED(hr))
                break;
        }
        if (rc != SQLITE_ROW)
        {
            if (rc != SQLITE_DONE)
                hr = td_db_hr(rc);
            break;
        }
        current = id;
        any = TRUE;
        has_time = sqlite3_column_type(st, 1) != SQLITE_NULL;
        time = sqlite3_column_int64(st, 1);
        if (sqlite3_column_type(st, 2) != SQLITE_NULL && k < TD_SCAN_MAX_PROPS)
        {
            ULONG tag = PROP_TAG(sqlite3_column_int(st, 3), sqlite3_column_int(st, 2));
            if (SUCCEEDED(td_propser_decode(tag, sqlite3_column_int64(st, 4), sqlite3_column_blob(st, 5),
                                            (ULONG)sqlite3_column_bytes(st, 5), &vals[k])))
                k++;
        }
    }
    for (i = 0; i < k; i++)
        mc_prop_free_internal(&vals[i]);
    sqlite3_reset(st);
    return hr;
}

HRESULT td_db_table_scan_chunk(td_db *db, ULONGLONG folder, BOOL assoc, const mc_srckey *after,
                               ULONG limit, const ULONG *prop_ids, ULONG n, td_scan_fn fn,
                               void *ctx, ULONG *messages, mc_srckey *last)
{
    seg g[3];
    ULONG k = plan(after, FALSE, FALSE, g), i, j;
    HRESULT hr = S_OK;
    sqlite3_stmt *st;

    *messages = 0;
    if (n > TD_SCAN_MAX_PROPS || !limit)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&db->lock);
    for (i = 0; i < k && *messages < limit && SUCCEEDED(hr); i++)
    {
        if (!(st = bind_segment(db, chunks[g[i].kind], folder, assoc, &g[i])))
        {
            hr = td_db_hr(sqlite3_errcode(db->h));
            break;
        }
        for (j = 0; j < TD_SCAN_MAX_PROPS; j++)
            sqlite3_bind_int(st, j < 7 ? 5 + j : 13, j < n ? (int)prop_ids[j] : n ? (int)prop_ids[0] : -1);
        sqlite3_bind_int64(st, 12, limit - *messages);
        hr = scan_statement(db, st, fn, ctx, messages, last);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_table_tags(td_db *db, ULONGLONG folder, BOOL assoc, ULONG **tags, ULONG *n)
{
    static const char sql[] =
        "SELECT DISTINCT p.prop_id, p.type FROM objects o JOIN properties p ON p.object_id = o.id "
        "WHERE o.parent_id = ?1 AND o.type = 5 AND (o.flags & 64) = ?2 "
        "UNION SELECT b.prop_id, b.type FROM objects o JOIN big_values b ON b.object_id = o.id "
        "WHERE o.parent_id = ?1 AND o.type = 5 AND (o.flags & 64) = ?2";
    ULONG *out = NULL, cap = 0, got = 0;
    sqlite3_stmt *st;
    HRESULT hr = S_OK;
    int rc;

    *tags = NULL;
    *n = 0;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql)))
        hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)folder);
        sqlite3_bind_int(st, 2, assoc ? MSGFLAG_ASSOCIATED : 0);
        while (SUCCEEDED(hr) && (rc = sqlite3_step(st)) == SQLITE_ROW)
        {
            int id = sqlite3_column_int(st, 0), type = sqlite3_column_int(st, 1);
            if (id <= 0 || id > 0xFFFF || type < 0 || type > 0xFFFF)
                continue;       /* not a property a row can carry */
            if (got == cap)
            {
                ULONG *more = mc_realloc(out, (cap = cap ? cap * 2 : 64) * sizeof(*out));
                if (!more) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
                out = more;
            }
            out[got++] = PROP_TAG((ULONG)type, (ULONG)id);
        }
        if (SUCCEEDED(hr) && rc != SQLITE_DONE)
            hr = td_db_hr(rc);
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    if (FAILED(hr))
        mc_free(out);
    else
    {
        *tags = out;
        *n = got;
    }
    return hr;
}

HRESULT td_db_table_scan_by_id(td_db *db, ULONGLONG folder, BOOL assoc, const ULONG *prop_ids, ULONG n,
                               td_scan_fn fn, void *ctx)
{
    return scan_sql(db, SCAN_SQL("ORDER BY o.id"), folder, assoc, 0, prop_ids, n, fn, ctx);
}
