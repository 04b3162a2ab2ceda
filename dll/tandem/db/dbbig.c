/*
 * dbbig.c - big values and the staging of stream writes (db.h).
 *
 * Invariants: a big value is one row of big_values, read in pieces with sqlite3_blob_read.
 * A blob handle walks the row's overflow pages from the first one when it is opened, so a
 * handle per piece makes reading a value in n pieces cost O(n^2) page reads: the handle
 * (db->reader) stays open between calls on the same row, and closes at the end of the value,
 * when the reading stream is released (td_db_big_read_end) and before any other use of the
 * connection (td_db_reader_close), so its read transaction never hides a commit from another
 * statement; statements on the staging table, which read nothing of the main database, leave
 * it open (td_db_stmt_temp). A save writes a
 * staged value with zeroblob() + sqlite3_blob_write inside the caller's transaction. Staging
 * areas are chunks of STAGE_CHUNK bytes in the connection's temporary table stage_chunks
 * (temp_store = FILE: on disk, not in memory), reference counted in db->stages; the last
 * release deletes the chunks. Nothing here holds a whole value in memory.
 */
#include <assert.h>
#include "db_int.h"

#define STAGE_CHUNK 65536

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* ---- the metadata list objects keep ------------------------------------------------------ */

static HRESULT append(td_bigvals *b, const td_bigval *v)
{
    td_bigval *bigger = mc_realloc(b->v, (b->n + 1) * sizeof(*bigger));
    if (!bigger) return MAPI_E_NOT_ENOUGH_MEMORY;
    b->v = bigger;
    b->v[b->n++] = *v;
    return S_OK;
}

HRESULT td_bigvals_load(td_db *db, ULONGLONG id, td_bigvals *out)
{
    static const char sql[] = "SELECT id, prop_id, type, length(value) FROM big_values WHERE object_id = ?";
    sqlite3_stmt *st;
    HRESULT hr = S_OK;
    int rc;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        td_bigval v;
        v.row = sqlite3_column_int64(st, 0);
        v.tag = PROP_TAG(sqlite3_column_int(st, 2), sqlite3_column_int(st, 1));
        v.size = (ULONG)sqlite3_column_int64(st, 3);
        v.owner = id;
        v.stage = 0;
        if (FAILED(hr = append(out, &v))) break;
        out->db = db;
    }
    if (SUCCEEDED(hr) && rc != SQLITE_DONE) hr = td_db_hr(rc);
    sqlite3_reset(st);
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_bigvals_copy(td_bigvals *dst, const td_bigvals *src)
{
    ULONG i;

    assert(!dst->n);
    if (!src->n) return S_OK;
    if (!(dst->v = mc_malloc(src->n * sizeof(*dst->v)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
    dst->n = src->n;
    dst->db = src->db;
    for (i = 0; i < dst->n; i++)
        if (dst->v[i].stage) td_db_stage_addref(dst->db, dst->v[i].stage);
    return S_OK;
}

void td_bigvals_clear(td_bigvals *b)
{
    ULONG i;
    for (i = 0; i < b->n; i++)
        if (b->v[i].stage) td_db_stage_release(b->db, b->v[i].stage);
    mc_free(b->v);
    b->v = NULL;
    b->n = 0;
}

const td_bigval *td_bigvals_find(const td_bigvals *b, ULONG prop_id)
{
    ULONG i;
    for (i = 0; i < b->n; i++)
        if (PROP_ID(b->v[i].tag) == prop_id) return &b->v[i];
    return NULL;
}

void td_bigvals_remove(td_bigvals *b, ULONG prop_id)
{
    ULONG i;
    for (i = 0; i < b->n; i++)
        if (PROP_ID(b->v[i].tag) == prop_id)
        {
            if (b->v[i].stage) td_db_stage_release(b->db, b->v[i].stage);
            b->v[i] = b->v[--b->n];
            return;
        }
}

HRESULT td_bigvals_put(td_db *db, td_bigvals *b, ULONG tag, ULONG size, LONGLONG stage)
{
    td_bigval v;
    HRESULT hr;

    td_bigvals_remove(b, PROP_ID(tag));
    v.tag = tag;
    v.size = size;
    v.row = 0;
    v.owner = 0;
    v.stage = stage;
    b->db = db;
    if (FAILED(hr = append(b, &v))) td_db_stage_release(db, stage);
    return hr;
}

ULONG td_bigvals_size(const td_bigvals *b)
{
    ULONG i, size = 0;
    for (i = 0; i < b->n; i++) size += b->v[i].size;
    return size;
}

/* ---- saving ------------------------------------------------------------------------------ */

/* A new big_values row of `size` zero bytes; *row its id. */
static HRESULT new_row(td_db *db, ULONGLONG id, ULONG tag, ULONG size, sqlite3_int64 *row)
{
    static const char sql[] = "INSERT INTO big_values(object_id, prop_id, type, value) VALUES (?, ?, ?, zeroblob(?))";
    sqlite3_stmt *st;
    HRESULT hr;

    if (!(st = td_db_stmt(db, sql))) return td_db_hr(sqlite3_errcode(db->h));
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
    sqlite3_bind_int(st, 3, (int)PROP_TYPE(tag));
    sqlite3_bind_int64(st, 4, size);
    if (SUCCEEDED(hr = td_db_hr(step_done(st)))) *row = sqlite3_last_insert_rowid(db->h);
    return hr;
}

/* Fill row `row` from staging area `stage` or from row `src_row`, a chunk at a time. */
static HRESULT fill_row(td_db *db, sqlite3_int64 row, ULONG size, LONGLONG stage, LONGLONG src_row)
{
    sqlite3_blob *dst = NULL;
    BYTE *buf = mc_malloc(STAGE_CHUNK);
    ULONG off, got;
    HRESULT hr = S_OK;
    int rc;

    if (!buf) return MAPI_E_NOT_ENOUGH_MEMORY;
    if ((rc = sqlite3_blob_open(db->h, "main", "big_values", "value", row, 1, &dst)) != SQLITE_OK)
        hr = td_db_hr(rc);
    for (off = 0; SUCCEEDED(hr) && off < size; off += STAGE_CHUNK)
    {
        ULONG n = size - off < STAGE_CHUNK ? size - off : STAGE_CHUNK;
        if (stage) hr = td_db_stage_read(db, stage, off, buf, n);
        else if (SUCCEEDED(hr = td_db_big_read(db, src_row, off, buf, n, &got)) && got != n) hr = MAPI_E_CORRUPT_DATA;
        if (SUCCEEDED(hr) && (rc = sqlite3_blob_write(dst, buf, (int)n, (int)off)) != SQLITE_OK) hr = td_db_hr(rc);
    }
    if (dst) sqlite3_blob_close(dst);
    mc_free(buf);
    return hr;
}

HRESULT td_bigvals_save(td_db *db, ULONGLONG id, const td_bigvals *b, const mc_propbag *bag, BOOL move)
{
    static const char sql_rows[] = "SELECT id FROM big_values WHERE object_id = ?";
    static const char sql_del[] = "DELETE FROM big_values WHERE id = ?";
    static const char sql_move[] = "UPDATE big_values SET object_id = ? WHERE id = ?";
    sqlite3_int64 *gone = NULL;
    sqlite3_stmt *st;
    ULONG n_gone = 0, i, j;
    HRESULT hr = S_OK;
    int rc;

    EnterCriticalSection(&db->lock);
    /* rows of this object the list no longer has (replaced, deleted) */
    if (!(st = td_db_stmt(db, sql_rows))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        sqlite3_int64 row = sqlite3_column_int64(st, 0), *bigger;
        for (j = 0; j < b->n; j++)
            if (b->v[j].row == row && b->v[j].owner == id && !b->v[j].stage &&
                !mc_propbag_get(bag, PROP_TAG(PT_UNSPECIFIED, PROP_ID(b->v[j].tag)))) break;
        if (j < b->n) continue;
        if (!(bigger = mc_realloc(gone, (n_gone + 1) * sizeof(*gone)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
        gone = bigger;
        gone[n_gone++] = row;
    }
    sqlite3_reset(st);
    for (i = 0; i < n_gone && SUCCEEDED(hr); i++)
    {
        if (!(st = td_db_stmt(db, sql_del))) { hr = td_db_hr(sqlite3_errcode(db->h)); break; }
        sqlite3_bind_int64(st, 1, gone[i]);
        hr = td_db_hr(step_done(st));
    }
    for (i = 0; i < b->n && SUCCEEDED(hr); i++)
    {
        const td_bigval *v = &b->v[i];
        sqlite3_int64 row = 0;

        if (mc_propbag_get(bag, PROP_TAG(PT_UNSPECIFIED, PROP_ID(v->tag)))) continue;   /* replaced */
        if (!v->stage && v->owner == id) continue;          /* kept as it is */
        if (!v->stage && move)
        {
            if (!(st = td_db_stmt(db, sql_move))) { hr = td_db_hr(sqlite3_errcode(db->h)); break; }
            sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
            sqlite3_bind_int64(st, 2, v->row);
            hr = td_db_hr(step_done(st));
            continue;
        }
        if (SUCCEEDED(hr = new_row(db, id, v->tag, v->size, &row)))
            hr = fill_row(db, row, v->size, v->stage, v->row);
    }
done:
    LeaveCriticalSection(&db->lock);
    mc_free(gone);
    return hr;
}

/* ---- reading ----------------------------------------------------------------------------- */

void td_db_reader_close(td_db *db)
{
    if (!db->reader) return;
    sqlite3_blob_close(db->reader);
    db->reader = NULL;
    db->reader_row = 0;
}

HRESULT td_db_big_read(td_db *db, LONGLONG row, ULONGLONG offset, BYTE *buf, ULONG cb, ULONG *got)
{
    HRESULT hr = S_OK;
    int rc, size;

    *got = 0;
    EnterCriticalSection(&db->lock);
    if (db->reader && db->reader_row != row) td_db_reader_close(db);
    if (!db->reader)
    {
        if ((rc = sqlite3_blob_open(db->h, "main", "big_values", "value", row, 0, &db->reader)) != SQLITE_OK)
        {
            db->reader = NULL;      /* sqlite3_blob_open may leave a handle to nothing */
            hr = rc == SQLITE_ERROR ? MAPI_E_OBJECT_DELETED : td_db_hr(rc);
            goto done;
        }
        db->reader_row = row;
    }
    size = sqlite3_blob_bytes(db->reader);
    if (offset < (ULONGLONG)size)
    {
        ULONG n = (ULONGLONG)size - offset < cb ? (ULONG)(size - offset) : cb;
        if ((rc = sqlite3_blob_read(db->reader, buf, (int)n, (int)offset)) != SQLITE_OK) hr = td_db_hr(rc);
        else *got = n;
    }
    /* at the end of the value (or after a failure) no read transaction stays open */
    if (FAILED(hr) || offset + *got >= (ULONGLONG)size) td_db_reader_close(db);
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

void td_db_big_read_end(td_db *db, LONGLONG row)
{
    EnterCriticalSection(&db->lock);
    if (db->reader_row == row) td_db_reader_close(db);
    LeaveCriticalSection(&db->lock);
}

/* ---- staging ----------------------------------------------------------------------------- */

HRESULT td_db_stage_new(td_db *db, LONGLONG *stage)
{
    HRESULT hr = S_OK;

    EnterCriticalSection(&db->lock);
    if (db->n_stages == db->cap_stages)
    {
        ULONG cap = db->cap_stages ? db->cap_stages * 2 : 8;
        void *bigger = mc_realloc(db->stages, cap * sizeof(*db->stages));
        if (!bigger) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        db->stages = bigger;
        db->cap_stages = cap;
    }
    *stage = ++db->next_stage;
    db->stages[db->n_stages].id = *stage;
    db->stages[db->n_stages++].refs = 1;
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

void td_db_stage_addref(td_db *db, LONGLONG stage)
{
    ULONG i;
    EnterCriticalSection(&db->lock);
    for (i = 0; i < db->n_stages; i++)
        if (db->stages[i].id == stage) { db->stages[i].refs++; break; }
    LeaveCriticalSection(&db->lock);
}

void td_db_stage_release(td_db *db, LONGLONG stage)
{
    static const char sql[] = "DELETE FROM temp.stage_chunks WHERE stage = ?";
    sqlite3_stmt *st;
    ULONG i;

    EnterCriticalSection(&db->lock);
    for (i = 0; i < db->n_stages; i++)
        if (db->stages[i].id == stage)
        {
            if (--db->stages[i].refs) break;
            db->stages[i] = db->stages[--db->n_stages];
            if ((st = td_db_stmt_temp(db, sql)))
            {
                sqlite3_bind_int64(st, 1, stage);
                step_done(st);
            }
            break;
        }
    LeaveCriticalSection(&db->lock);
}

/* Chunk `n` of `stage` into buf (zeros where there is none). */
static HRESULT read_chunk(td_db *db, LONGLONG stage, sqlite3_int64 n, BYTE *buf)
{
    static const char sql[] = "SELECT data FROM temp.stage_chunks WHERE stage = ? AND n = ?";
    sqlite3_stmt *st;
    int rc;

    memset(buf, 0, STAGE_CHUNK);
    if (!(st = td_db_stmt_temp(db, sql))) return td_db_hr(sqlite3_errcode(db->h));
    sqlite3_bind_int64(st, 1, stage);
    sqlite3_bind_int64(st, 2, n);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        int cb = sqlite3_column_bytes(st, 0);
        memcpy(buf, sqlite3_column_blob(st, 0), cb < STAGE_CHUNK ? cb : STAGE_CHUNK);
        rc = SQLITE_OK;
    }
    else if (rc == SQLITE_DONE) rc = SQLITE_OK;
    sqlite3_reset(st);
    return td_db_hr(rc);
}

HRESULT td_db_stage_read(td_db *db, LONGLONG stage, ULONGLONG offset, BYTE *buf, ULONG cb)
{
    BYTE *chunk = mc_malloc(STAGE_CHUNK);
    HRESULT hr = S_OK;

    if (!chunk) return MAPI_E_NOT_ENOUGH_MEMORY;
    EnterCriticalSection(&db->lock);
    while (cb && SUCCEEDED(hr))
    {
        ULONG in = (ULONG)(offset % STAGE_CHUNK), n = STAGE_CHUNK - in < cb ? STAGE_CHUNK - in : cb;
        if (SUCCEEDED(hr = read_chunk(db, stage, (sqlite3_int64)(offset / STAGE_CHUNK), chunk)))
        {
            memcpy(buf, chunk + in, n);
            buf += n;
            offset += n;
            cb -= n;
        }
    }
    LeaveCriticalSection(&db->lock);
    mc_free(chunk);
    return hr;
}

HRESULT td_db_stage_write(td_db *db, LONGLONG stage, ULONGLONG offset, const BYTE *buf, ULONG cb)
{
    static const char sql[] = "INSERT OR REPLACE INTO temp.stage_chunks(stage, n, data) VALUES (?, ?, ?)";
    BYTE *chunk = mc_malloc(STAGE_CHUNK);
    sqlite3_stmt *st;
    HRESULT hr = S_OK;

    if (!chunk) return MAPI_E_NOT_ENOUGH_MEMORY;
    EnterCriticalSection(&db->lock);
    while (cb && SUCCEEDED(hr))
    {
        ULONG in = (ULONG)(offset % STAGE_CHUNK), n = STAGE_CHUNK - in < cb ? STAGE_CHUNK - in : cb;
        sqlite3_int64 idx = (sqlite3_int64)(offset / STAGE_CHUNK);
        /* a whole chunk is written as it is; a part is merged into the chunk's bytes */
        if (n < STAGE_CHUNK && FAILED(hr = read_chunk(db, stage, idx, chunk))) break;
        memcpy(chunk + in, buf, n);
        if (!(st = td_db_stmt_temp(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); break; }
        sqlite3_bind_int64(st, 1, stage);
        sqlite3_bind_int64(st, 2, idx);
        sqlite3_bind_blob(st, 3, chunk, STAGE_CHUNK, SQLITE_STATIC);
        hr = td_db_hr(step_done(st));
        sqlite3_clear_bindings(st);
        buf += n;
        offset += n;
        cb -= n;
    }
    LeaveCriticalSection(&db->lock);
    mc_free(chunk);
    return hr;
}

HRESULT td_db_stage_truncate(td_db *db, LONGLONG stage, ULONGLONG size)
{
    static const char sql[] = "DELETE FROM temp.stage_chunks WHERE stage = ? AND n >= ?";
    BYTE *chunk;
    sqlite3_stmt *st;
    HRESULT hr;
    ULONG in = (ULONG)(size % STAGE_CHUNK);

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt_temp(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, stage);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)((size + STAGE_CHUNK - 1) / STAGE_CHUNK));
        hr = td_db_hr(step_done(st));
    }
    LeaveCriticalSection(&db->lock);
    /* the last chunk's bytes past the end become zeros, so a later growth reads zeros */
    if (SUCCEEDED(hr) && in && (chunk = mc_calloc(1, STAGE_CHUNK - in)))
    {
        hr = td_db_stage_write(db, stage, size, chunk, STAGE_CHUNK - in);
        mc_free(chunk);
    }
    return hr;
}
