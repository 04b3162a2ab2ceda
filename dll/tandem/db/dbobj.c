/*
 * dbobj.c - the store's objects in SQL: the object tree, property rows, named-property
 * mapping, special folders and receive folders (db.h).
 *
 * Invariants: every statement runs under db->lock; td_db_begin holds that lock until the
 * matching commit/rollback, so a transaction is one thread's and other threads of the process
 * wait for it; other processes wait through BEGIN IMMEDIATE and the busy timeout. Object ids
 * are never reused (AUTOINCREMENT).
 */
#include <assert.h>
#include <stdint.h>
#include "db_int.h"

#define NOW() now_int()

static sqlite3_int64 now_int(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return (sqlite3_int64)(((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
}

static FILETIME to_ft(sqlite3_int64 t)
{
    FILETIME ft;
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)((ULONGLONG)t >> 32);
    return ft;
}

sqlite3_stmt *td_db_stmt(td_db *db, const char *sql)
{
    td_db_reader_close(db);
    return td_db_stmt_temp(db, sql);
}

sqlite3_stmt *td_db_stmt_temp(td_db *db, const char *sql)
{
    int i, free_slot = -1;
    sqlite3_stmt *st = NULL;

    for (i = 0; i < TD_DB_STMT_CACHE; i++)
    {
        if (db->cache[i].sql == sql)
        {
            sqlite3_reset(db->cache[i].st);
            sqlite3_clear_bindings(db->cache[i].st);
            return db->cache[i].st;
        }
        if (!db->cache[i].sql && free_slot < 0) free_slot = i;
    }
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    assert(free_slot >= 0);     /* TD_DB_STMT_CACHE exceeds the number of statements below */
    if (free_slot < 0) { sqlite3_finalize(st); return NULL; }
    db->cache[free_slot].sql = sql;
    db->cache[free_slot].st = st;
    return st;
}

void td_db_stmt_cache_clear(td_db *db)
{
    int i;
    for (i = 0; i < TD_DB_STMT_CACHE; i++)
    {
        if (db->cache[i].st) sqlite3_finalize(db->cache[i].st);
        db->cache[i].st = NULL;
        db->cache[i].sql = NULL;
    }
}

/* Run a statement that returns no rows; SQLite's code. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* ---- transactions ------------------------------------------------------------------------ */

/* Transaction control through the statement cache: sqlite3_exec would parse the SQL of
 * two of a save's statements every time. */
static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

static int exec_cached(td_db *db, const char *sql)
{
    sqlite3_stmt *st = td_db_stmt(db, sql);
    return st ? step_done(st) : sqlite3_errcode(db->h);
}

HRESULT td_db_begin(td_db *db)
{
    int rc = SQLITE_OK;

    EnterCriticalSection(&db->lock);
    if (db->tx_depth == 0)
    {
        td_db_reader_close(db);
        rc = exec_cached(db, sql_begin);
        if (rc != SQLITE_OK)
        {
            LeaveCriticalSection(&db->lock);
            return td_db_hr(rc);
        }
        db->tx_failed = FALSE;
    }
    db->tx_depth++;
    return S_OK;
}

HRESULT td_db_commit(td_db *db)
{
    HRESULT hr = S_OK;
    int rc;

    td_change *changes = NULL;
    ULONG n = 0;
    BOOL ended;

    assert(db->tx_depth > 0);
    if ((ended = (--db->tx_depth == 0)))
    {
        td_db_reader_close(db);
        if (db->tx_failed)
        {
            exec_cached(db, sql_rollback);
            hr = MAPI_E_CALL_FAILED;
        }
        else if ((rc = exec_cached(db, sql_commit)) != SQLITE_OK)
        {
            exec_cached(db, sql_rollback);
            hr = td_db_hr(rc);
        }
        changes = td_db_feed_detach(db, &n);
    }
    LeaveCriticalSection(&db->lock);
    if (ended) td_db_feed_ended(db, changes, n, SUCCEEDED(hr));
    return hr;
}

void td_db_rollback(td_db *db)
{
    td_change *changes = NULL;
    ULONG n = 0;
    BOOL ended;

    assert(db->tx_depth > 0);
    if ((ended = (--db->tx_depth == 0)))
    {
        td_db_reader_close(db);
        exec_cached(db, sql_rollback);
        changes = td_db_feed_detach(db, &n);
    }
    else db->tx_failed = TRUE;
    LeaveCriticalSection(&db->lock);
    if (ended) td_db_feed_ended(db, changes, n, FALSE);
}

/* ---- objects ----------------------------------------------------------------------------- */

HRESULT td_db_object_create(td_db *db, ULONGLONG parent, ULONG type, ULONG flags, ULONG num,
                            ULONGLONG *id)
{
    static const char sql[] = "INSERT INTO objects(parent_id, type, flags, created, modified, version, num) "
                              "VALUES (?, ?, ?, ?, ?, 1, ?)";
    sqlite3_stmt *st;
    sqlite3_int64 now = NOW();
    HRESULT hr;
    int rc;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    if (parent) sqlite3_bind_int64(st, 1, (sqlite3_int64)parent);
    else sqlite3_bind_null(st, 1);
    sqlite3_bind_int(st, 2, (int)type);
    sqlite3_bind_int64(st, 3, flags);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, num);
    rc = step_done(st);
    hr = td_db_hr(rc);
    if (SUCCEEDED(hr)) *id = (ULONGLONG)sqlite3_last_insert_rowid(db->h);
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_object_get(td_db *db, ULONGLONG id, td_obj_info *info)
{
    static const char sql[] = "SELECT parent_id, type, flags, num, version, created, modified "
                              "FROM objects WHERE id = ?";
    sqlite3_stmt *st;
    HRESULT hr = MAPI_E_NOT_FOUND;
    int rc;

    if (!id || id > (ULONGLONG)INT64_MAX) return MAPI_E_NOT_FOUND;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
    {
        info->id = id;
        info->parent = (ULONGLONG)sqlite3_column_int64(st, 0);
        info->type = (ULONG)sqlite3_column_int(st, 1);
        info->flags = (ULONG)sqlite3_column_int64(st, 2);
        info->num = (ULONG)sqlite3_column_int64(st, 3);
        info->version = sqlite3_column_int64(st, 4);
        info->created = to_ft(sqlite3_column_int64(st, 5));
        info->modified = to_ft(sqlite3_column_int64(st, 6));
        hr = S_OK;
    }
    else if (rc != SQLITE_DONE) hr = td_db_hr(rc);
    sqlite3_reset(st);
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_object_touch(td_db *db, ULONGLONG id, ULONG flags, LONGLONG *version)
{
    static const char sql[] = "UPDATE objects SET flags = ?, modified = ?, version = version + 1 WHERE id = ?";
    static const char sql_v[] = "SELECT version FROM objects WHERE id = ?";
    sqlite3_stmt *st;
    HRESULT hr;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, flags);
    sqlite3_bind_int64(st, 2, NOW());
    sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
    if (FAILED(hr = td_db_hr(step_done(st)))) goto done;
    if (!sqlite3_changes(db->h)) { hr = MAPI_E_OBJECT_DELETED; goto done; }
    if (version)
    {
        if (!(st = td_db_stmt(db, sql_v))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        if (sqlite3_step(st) == SQLITE_ROW) *version = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_object_move(td_db *db, ULONGLONG id, ULONGLONG new_parent)
{
    static const char sql[] = "UPDATE objects SET parent_id = ?, modified = ? WHERE id = ?";
    sqlite3_stmt *st;
    HRESULT hr;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)new_parent);
        sqlite3_bind_int64(st, 2, NOW());
        sqlite3_bind_int64(st, 3, (sqlite3_int64)id);
        hr = td_db_hr(step_done(st));
        if (SUCCEEDED(hr) && !sqlite3_changes(db->h)) hr = MAPI_E_NOT_FOUND;
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_object_delete(td_db *db, ULONGLONG id)
{
    static const char sql[] = "DELETE FROM objects WHERE id = ?";
    sqlite3_stmt *st;
    HRESULT hr;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        hr = td_db_hr(step_done(st));   /* children and properties: ON DELETE CASCADE */
        if (SUCCEEDED(hr) && !sqlite3_changes(db->h)) hr = MAPI_E_NOT_FOUND;
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_children(td_db *db, ULONGLONG parent, ULONG type, ULONG mask, ULONG value,
                       ULONGLONG **ids, ULONG *count)
{
    static const char sql[] = "SELECT id FROM objects WHERE parent_id = ? AND type = ? "
                              "AND (flags & ?) = ? ORDER BY num, id";
    sqlite3_stmt *st;
    ULONGLONG *arr = NULL, *bigger;
    ULONG n = 0, cap = 0;
    HRESULT hr = S_OK;
    int rc;

    *ids = NULL;
    *count = 0;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)parent);
    sqlite3_bind_int(st, 2, (int)type);
    sqlite3_bind_int64(st, 3, mask);
    sqlite3_bind_int64(st, 4, value);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        if (n == cap)
        {
            cap = cap ? cap * 2 : 16;
            if (!(bigger = mc_realloc(arr, cap * sizeof(*arr)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            arr = bigger;
        }
        arr[n++] = (ULONGLONG)sqlite3_column_int64(st, 0);
    }
    if (SUCCEEDED(hr) && rc != SQLITE_DONE) hr = td_db_hr(rc);
    sqlite3_reset(st);
done:
    LeaveCriticalSection(&db->lock);
    if (FAILED(hr)) { mc_free(arr); return hr; }
    *ids = arr;
    *count = n;
    return S_OK;
}

HRESULT td_db_count_messages(td_db *db, ULONGLONG folder, ULONG mask, ULONG value,
                             ULONG *count, ULONG *unread)
{
    static const char sql[] =
        "SELECT count(*), coalesce(sum(CASE WHEN coalesce((SELECT ival FROM properties p "
        "WHERE p.object_id = o.id AND p.prop_id = 3591), 0) & 1 THEN 0 ELSE 1 END), 0) "
        "FROM objects o WHERE parent_id = ? AND type = 5 AND (flags & ?) = ?";   /* 3591 = PR_MESSAGE_FLAGS */
    sqlite3_stmt *st;
    HRESULT hr = S_OK;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)folder);
    sqlite3_bind_int64(st, 2, mask);
    sqlite3_bind_int64(st, 3, value);
    if (sqlite3_step(st) == SQLITE_ROW)
    {
        if (count) *count = (ULONG)sqlite3_column_int64(st, 0);
        if (unread) *unread = (ULONG)sqlite3_column_int64(st, 1);
    }
    else hr = td_db_hr(sqlite3_errcode(db->h));
    sqlite3_reset(st);
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

BOOL td_db_is_ancestor(td_db *db, ULONGLONG ancestor, ULONGLONG id)
{
    td_obj_info info;
    int guard = 0;

    while (id && guard++ < 10000)
    {
        if (id == ancestor) return TRUE;
        if (FAILED(td_db_object_get(db, id, &info))) return FALSE;
        id = info.parent;
    }
    return FALSE;
}

/* ---- properties -------------------------------------------------------------------------- */

HRESULT td_db_props_load(td_db *db, ULONGLONG id, mc_propbag *bag)
{
    return td_db_props_load_ex(db, id, bag, TRUE);
}

HRESULT td_db_props_load_ex(td_db *db, ULONGLONG id, mc_propbag *bag, BOOL big)
{
    static const char sql[] = "SELECT prop_id, type, ival, value FROM properties WHERE object_id = ?";
    static const char sql_big[] = "SELECT prop_id, type, ival, value FROM properties WHERE object_id = ?1 "
                                  "UNION ALL SELECT prop_id, type, NULL, value FROM big_values WHERE object_id = ?1";
    sqlite3_stmt *st;
    HRESULT hr = S_OK;
    int rc;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, big ? sql_big : sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        ULONG tag = PROP_TAG(sqlite3_column_int(st, 1), sqlite3_column_int(st, 0));
        SPropValue v;
        const BYTE *b = sqlite3_column_blob(st, 3);
        ULONG cb = (ULONG)sqlite3_column_bytes(st, 3);

        if (FAILED(hr = td_propser_decode(tag, sqlite3_column_int64(st, 2), b, cb, &v))) break;
        hr = mc_propbag_set(bag, &v);
        mc_prop_free_internal(&v);
        if (FAILED(hr)) break;
    }
    if (SUCCEEDED(hr) && rc != SQLITE_DONE) hr = td_db_hr(rc);
    sqlite3_reset(st);
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

/* ?1..?64: TD_DB_LOAD_BATCH object ids (unused slots 0, never an object id) */
#define ID_LIST "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, " \
                "?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52, ?53, ?54, ?55, ?56, ?57, ?58, ?59, ?60, ?61, ?62, ?63, ?64"

HRESULT td_db_objects_load(td_db *db, const ULONGLONG *ids, ULONG n, td_obj_info *infos, mc_propbag **bags)
{
    /* the objects rows with their property rows, grouped by object (ascending ids) */
    static const char sql[] =
        "SELECT o.id, o.parent_id, o.type, o.flags, o.num, o.version, o.created, o.modified, "
        "p.prop_id, p.type, p.ival, p.value FROM objects o LEFT JOIN properties p ON p.object_id = o.id "
        "WHERE o.id IN (" ID_LIST ") ORDER BY o.id";
    struct { ULONGLONG id; ULONG at; } order[TD_DB_LOAD_BATCH];
    HRESULT hr = S_OK;
    ULONG done, i, j, k;
    int rc = SQLITE_DONE;

    for (i = 0; i < n; i++) infos[i].id = 0;
    EnterCriticalSection(&db->lock);
    for (done = 0; done < n && SUCCEEDED(hr); done += k)
    {
        sqlite3_stmt *st;
        ULONGLONG current = 0;
        ULONG at, first = 0;

        k = n - done < TD_DB_LOAD_BATCH ? n - done : TD_DB_LOAD_BATCH;
        /* the batch's ids sorted (insertion sort of at most 64), to find each row's slot */
        for (i = 0; i < k; i++)
        {
            for (j = i; j > 0 && order[j - 1].id > ids[done + i]; j--) order[j] = order[j - 1];
            order[j].id = ids[done + i];
            order[j].at = done + i;
        }
        if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); break; }
        for (i = 0; i < TD_DB_LOAD_BATCH; i++)
            sqlite3_bind_int64(st, (int)i + 1, i < k && ids[done + i] <= (ULONGLONG)INT64_MAX
                                               ? (sqlite3_int64)ids[done + i] : 0);
        j = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        {
            ULONGLONG id = (ULONGLONG)sqlite3_column_int64(st, 0);
            if (id != current)
            {
                current = id;
                while (j < k && order[j].id < id) j++;
                first = j < k && order[j].id == id ? j : k;     /* k: not asked for (cannot be) */
                if (first == k) continue;
                at = order[j].at;
                infos[at].id = id;
                infos[at].parent = (ULONGLONG)sqlite3_column_int64(st, 1);
                infos[at].type = (ULONG)sqlite3_column_int(st, 2);
                infos[at].flags = (ULONG)sqlite3_column_int64(st, 3);
                infos[at].num = (ULONG)sqlite3_column_int64(st, 4);
                infos[at].version = sqlite3_column_int64(st, 5);
                infos[at].created = to_ft(sqlite3_column_int64(st, 6));
                infos[at].modified = to_ft(sqlite3_column_int64(st, 7));
                /* the same id twice in the batch: both get the object */
                for (i = j + 1; i < k && order[i].id == id; i++) infos[order[i].at] = infos[at];
            }
            if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            {
                ULONG tag = PROP_TAG(sqlite3_column_int(st, 9), sqlite3_column_int(st, 8));
                SPropValue v;
                if (FAILED(hr = td_propser_decode(tag, sqlite3_column_int64(st, 10), sqlite3_column_blob(st, 11),
                                                  (ULONG)sqlite3_column_bytes(st, 11), &v))) break;
                for (i = first; i < k && order[i].id == id && SUCCEEDED(hr); i++)
                    hr = mc_propbag_set(bags[order[i].at], &v);
                mc_prop_free_internal(&v);
                if (FAILED(hr)) break;
            }
        }
        if (SUCCEEDED(hr) && rc != SQLITE_DONE) hr = td_db_hr(rc);
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

/* A value that lives in big_values (dbbig.c). */
static BOOL is_big(const SPropValue *v, ULONG cb)
{
    ULONG type = PROP_TYPE(v->ulPropTag);
    return cb > TD_DB_BIG_VALUE && (type == PT_BINARY || type == PT_STRING8 || type == PT_UNICODE);
}

static HRESULT insert_prop(td_db *db, ULONGLONG id, const SPropValue *v)
{
    static const char sql[] = "INSERT OR REPLACE INTO properties(object_id, prop_id, type, ival, value) "
                              "VALUES (?, ?, ?, ?, ?)";
    static const char sql_big[] = "INSERT OR REPLACE INTO big_values(object_id, prop_id, type, value) "
                                  "VALUES (?, ?, ?, ?)";
    sqlite3_stmt *st;
    const char *text = NULL;
    BYTE *buf = NULL;
    ULONG cb = 0;
    LONGLONG ival;
    BOOL ival_set;
    HRESULT hr;

    /* PT_STRING8 and PT_BINARY are stored as their bytes: bound in place, not copied */
    if (PROP_TYPE(v->ulPropTag) == PT_STRING8)
    {
        text = v->Value.lpszA;
        cb = (ULONG)strlen(text);
        ival_set = FALSE;
    }
    else if (PROP_TYPE(v->ulPropTag) == PT_BINARY)
    {
        text = (const char *)v->Value.bin.lpb;
        cb = v->Value.bin.cb;
        ival_set = FALSE;
    }
    else if (FAILED(hr = td_propser_encode(v, &buf, &cb, &ival, &ival_set))) return hr;
    if (is_big(v, cb))
    {
        /* a value in properties would shadow nothing: drop the row there first */
        if (!(st = td_db_stmt(db, "DELETE FROM properties WHERE object_id = ? AND prop_id = ?")))
        { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        sqlite3_bind_int(st, 2, (int)PROP_ID(v->ulPropTag));
        if (FAILED(hr = td_db_hr(step_done(st)))) goto done;
        if (!(st = td_db_stmt(db, sql_big))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        sqlite3_bind_int(st, 2, (int)PROP_ID(v->ulPropTag));
        sqlite3_bind_int(st, 3, (int)PROP_TYPE(v->ulPropTag));
        sqlite3_bind_blob(st, 4, buf ? buf : (const BYTE *)text, (int)cb, SQLITE_STATIC);
        hr = td_db_hr(step_done(st));
        sqlite3_clear_bindings(st);
        goto done;
    }
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    sqlite3_bind_int(st, 2, (int)PROP_ID(v->ulPropTag));
    sqlite3_bind_int(st, 3, (int)(PROP_TYPE(v->ulPropTag) & ~MV_INSTANCE));
    if (ival_set) sqlite3_bind_int64(st, 4, ival);
    if (buf || text) sqlite3_bind_blob(st, 5, buf ? buf : (const BYTE *)text, (int)cb, SQLITE_STATIC);
    hr = td_db_hr(step_done(st));
    sqlite3_clear_bindings(st);
done:
    mc_free(buf);
    return hr;
}

/* Multi-row INSERTs into properties: props_batch_sql[k] inserts 2^k rows; props_pad_sql[k]
 * up to 2^k rows, those whose object_id (column1) is bound, so a bag of n small values takes
 * one statement per PROPS_BATCH_MAX values (was popcount(n): 27 values took 4).
 * Each row is checked and inserted as a single-row INSERT OR REPLACE would be. */
#define PROPS_ROW  "(?, ?, ?, ?, ?)"
#define PROPS_R2   PROPS_ROW ", " PROPS_ROW
#define PROPS_R4   PROPS_R2 ", " PROPS_R2
#define PROPS_R8   PROPS_R4 ", " PROPS_R4
#define PROPS_R16  PROPS_R8 ", " PROPS_R8
#define PROPS_R32  PROPS_R16 ", " PROPS_R16
#define PROPS_INSERT "INSERT OR REPLACE INTO properties(object_id, prop_id, type, ival, value) VALUES "
#define PROPS_BATCH_MAX 32
static const char *const props_batch_sql[6] =
{
    PROPS_INSERT PROPS_ROW, PROPS_INSERT PROPS_R2, PROPS_INSERT PROPS_R4,
    PROPS_INSERT PROPS_R8, PROPS_INSERT PROPS_R16, PROPS_INSERT PROPS_R32,
};
#define PROPS_PAD(rows) "INSERT OR REPLACE INTO properties(object_id, prop_id, type, ival, value) " \
                        "SELECT * FROM (VALUES " rows ") WHERE column1 IS NOT NULL"
static const char *const props_pad_sql[6] =
{
    NULL, NULL, PROPS_PAD(PROPS_R4), PROPS_PAD(PROPS_R8), PROPS_PAD(PROPS_R16), PROPS_PAD(PROPS_R32),
};

typedef struct prop_row
{
    ULONG tag;
    const void *bytes;          /* NULL: no value bytes */
    ULONG cb;
    LONGLONG ival;
    BOOL ival_set;
    BYTE *buf;                  /* owned encoding, or NULL when bytes point into the bag */
} prop_row;

/* Insert rows[0..n) of object `id` with as few statements as the batch sizes allow: 2^k rows
 * exactly, or fewer (3, 5..7, 9..15, 17..31) through the padded statement of the next 2^k,
 * whose unbound rows are NULL and left out. */
static HRESULT insert_rows(td_db *db, ULONGLONG id, const prop_row *rows, ULONG n)
{
    ULONG done = 0;
    HRESULT hr = S_OK;

    while (done < n && SUCCEEDED(hr))
    {
        ULONG k = 0, j, left = min(n - done, (ULONG)PROPS_BATCH_MAX), take;
        const char *sql;
        sqlite3_stmt *st;

        while ((1u << k) < left) k++;
        sql = (1u << k) == left ? props_batch_sql[k] : props_pad_sql[k];
        assert(sql);
        take = left;
        if (!(st = td_db_stmt(db, sql))) return td_db_hr(sqlite3_errcode(db->h));
        for (j = 0; j < take; j++)
        {
            const prop_row *r = &rows[done + j];
            int p = (int)j * 5;
            sqlite3_bind_int64(st, p + 1, (sqlite3_int64)id);
            sqlite3_bind_int(st, p + 2, (int)PROP_ID(r->tag));
            sqlite3_bind_int(st, p + 3, (int)(PROP_TYPE(r->tag) & ~MV_INSTANCE));
            if (r->ival_set) sqlite3_bind_int64(st, p + 4, r->ival);
            if (r->bytes) sqlite3_bind_blob(st, p + 5, r->bytes, (int)r->cb, SQLITE_STATIC);
        }
        hr = td_db_hr(step_done(st));
        sqlite3_clear_bindings(st);
        done += take;
    }
    return hr;
}

/* Write every value of `bag` (but `skip_id`, 0: none) as rows of object `id`; `fresh`: the
 * object has no rows yet (no DELETE first). Caller holds a transaction. Small values go in
 * multi-row INSERTs (insert_rows), big ones one by one (insert_prop). */
static HRESULT write_props(td_db *db, ULONGLONG id, const mc_propbag *bag, ULONG skip_id, BOOL fresh)
{
    static const char sql[] = "DELETE FROM properties WHERE object_id = ?";
    prop_row rows[PROPS_BATCH_MAX];
    sqlite3_stmt *st;
    HRESULT hr = S_OK;
    ULONG i = 0, count = mc_propbag_count(bag), n, j;

    if (!fresh)
    {
        if (!(st = td_db_stmt(db, sql))) return td_db_hr(sqlite3_errcode(db->h));
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        if (FAILED(hr = td_db_hr(step_done(st)))) return hr;
    }
    while (i < count && SUCCEEDED(hr))
    {
        for (n = 0; i < count && n < PROPS_BATCH_MAX && SUCCEEDED(hr); i++)
        {
            const SPropValue *v = mc_propbag_at(bag, i);
            prop_row *r = &rows[n];
            BYTE *buf;

            if (PROP_TYPE(v->ulPropTag) == PT_OBJECT || (skip_id && PROP_ID(v->ulPropTag) == skip_id)) continue;
            memset(r, 0, sizeof(*r));
            r->tag = v->ulPropTag;
            /* PT_STRING8 and PT_BINARY are stored as their bytes: bound in place, not copied */
            if (PROP_TYPE(v->ulPropTag) == PT_STRING8)
            {
                r->bytes = v->Value.lpszA;
                r->cb = (ULONG)strlen(v->Value.lpszA);
            }
            else if (PROP_TYPE(v->ulPropTag) == PT_BINARY)
            {
                r->bytes = v->Value.bin.lpb;
                r->cb = v->Value.bin.cb;
            }
            else
            {
                if (FAILED(hr = td_propser_encode(v, &buf, &r->cb, &r->ival, &r->ival_set))) break;
                r->bytes = r->buf = buf;
            }
            if (is_big(v, r->cb))
            {
                mc_free(r->buf);
                hr = insert_prop(db, id, v);
                continue;
            }
            n++;
        }
        if (SUCCEEDED(hr)) hr = insert_rows(db, id, rows, n);
        for (j = 0; j < n; j++) mc_free(rows[j].buf);
    }
    return hr;
}

HRESULT td_db_props_replace(td_db *db, ULONGLONG id, const mc_propbag *bag)
{
    static const char sql[] = "DELETE FROM big_values WHERE object_id = ?";
    sqlite3_stmt *st;
    HRESULT hr;

    if (FAILED(hr = td_db_begin(db))) return hr;
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        hr = td_db_hr(step_done(st));
    }
    if (SUCCEEDED(hr)) hr = write_props(db, id, bag, 0, FALSE);
    if (FAILED(hr)) td_db_rollback(db);
    else hr = td_db_commit(db);
    return hr;
}

HRESULT td_db_props_write(td_db *db, ULONGLONG id, const mc_propbag *bag, ULONG skip_id, BOOL fresh)
{
    HRESULT hr;

    if (FAILED(hr = td_db_begin(db))) return hr;
    if (FAILED(hr = write_props(db, id, bag, skip_id, fresh))) td_db_rollback(db);
    else hr = td_db_commit(db);
    return hr;
}

HRESULT td_db_prop_set(td_db *db, ULONGLONG id, const SPropValue *v)
{
    HRESULT hr;
    EnterCriticalSection(&db->lock);
    hr = insert_prop(db, id, v);
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_prop_delete(td_db *db, ULONGLONG id, ULONG prop_id)
{
    static const char sql[] = "DELETE FROM properties WHERE object_id = ? AND prop_id = ?";
    sqlite3_stmt *st;
    HRESULT hr;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        sqlite3_bind_int(st, 2, (int)prop_id);
        hr = td_db_hr(step_done(st));
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_find_child_folder(td_db *db, ULONGLONG parent, const WCHAR *name, ULONGLONG *id)
{
    static const char sql[] = "SELECT o.id, p.type, p.value FROM objects o JOIN properties p "
                              "ON p.object_id = o.id AND p.prop_id = 12289 "   /* PR_DISPLAY_NAME */
                              "WHERE o.parent_id = ? AND o.type = 3";
    sqlite3_stmt *st;
    HRESULT hr = MAPI_E_NOT_FOUND;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)parent);
    while (sqlite3_step(st) == SQLITE_ROW)
    {
        SPropValue v;
        WCHAR *w = NULL;
        ULONG tag = PROP_TAG(sqlite3_column_int(st, 1), PROP_ID(PR_DISPLAY_NAME_W));

        if (FAILED(td_propser_decode(tag, 0, sqlite3_column_blob(st, 2),
                                     (ULONG)sqlite3_column_bytes(st, 2), &v))) continue;
        if (PROP_TYPE(tag) == PT_UNICODE) w = mc_wcsdup(v.Value.lpszW);
        else if (PROP_TYPE(tag) == PT_STRING8) w = mc_a2w(v.Value.lpszA);
        mc_prop_free_internal(&v);
        if (w && CompareStringW(LOCALE_USER_DEFAULT, NORM_IGNORECASE, w, -1, name, -1) == CSTR_EQUAL)
        {
            *id = (ULONGLONG)sqlite3_column_int64(st, 0);
            hr = S_OK;
        }
        mc_free(w);
        if (hr == S_OK) break;
    }
    sqlite3_reset(st);
done:
    LeaveCriticalSection(&db->lock);
    return hr;
}

/* ---- special folders --------------------------------------------------------------------- */

HRESULT td_db_special_get(td_db *db, ULONG role, ULONGLONG *id)
{
    static const char sql[] = "SELECT folder_id FROM special_folders WHERE role = ?";
    sqlite3_stmt *st;
    HRESULT hr = MAPI_E_NOT_FOUND;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int(st, 1, (int)role);
        if (sqlite3_step(st) == SQLITE_ROW) { *id = (ULONGLONG)sqlite3_column_int64(st, 0); hr = S_OK; }
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_special_set(td_db *db, ULONG role, ULONGLONG id)
{
    static const char sql[] = "INSERT OR REPLACE INTO special_folders(role, folder_id) VALUES (?, ?)";
    sqlite3_stmt *st;
    HRESULT hr;

    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int(st, 1, (int)role);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
        hr = td_db_hr(step_done(st));
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

/* ---- named properties -------------------------------------------------------------------- */

HRESULT td_db_named_to_id(td_db *db, const GUID *guid, ULONG kind, LONG lid, const WCHAR *name,
                          BOOL create, ULONG *prop_id)
{
    static const char sql_find[] = "SELECT id FROM named_props WHERE guid = ? AND kind = ? AND lid = ? AND name = ?";
    static const char sql_next[] = "SELECT coalesce(max(id) + 1, 0) FROM named_props";
    static const char sql_add[] = "INSERT INTO named_props(id, guid, kind, lid, name) VALUES (?, ?, ?, ?, ?)";
    sqlite3_stmt *st;
    char *utf8 = NULL;
    sqlite3_int64 next = 0;
    HRESULT hr = MAPI_E_NOT_FOUND;
    BOOL in_tx = FALSE;

    if (kind == MNID_STRING && (!name || !(utf8 = td_db_to_utf8(name)))) return MAPI_E_INVALID_PARAMETER;
    if (create)
    {
        if (FAILED(hr = td_db_begin(db))) goto done;
        in_tx = TRUE;
    }
    else EnterCriticalSection(&db->lock);
    hr = MAPI_E_NOT_FOUND;
    if (!(st = td_db_stmt(db, sql_find))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_blob(st, 1, guid, sizeof(GUID), SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)kind);
    sqlite3_bind_int64(st, 3, kind == MNID_ID ? (sqlite3_int64)lid : 0);
    sqlite3_bind_text(st, 4, utf8 ? utf8 : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) { *prop_id = 0x8000 + (ULONG)sqlite3_column_int(st, 0); hr = S_OK; }
    sqlite3_reset(st);
    if (hr == S_OK || !create) goto done;

    if (!(st = td_db_stmt(db, sql_next))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    if (sqlite3_step(st) == SQLITE_ROW) next = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (next > 0x7FFE) { hr = MAPI_E_NOT_ENOUGH_RESOURCES; goto done; }   /* 0xFFFF is never used */
    if (!(st = td_db_stmt(db, sql_add))) { hr = td_db_hr(sqlite3_errcode(db->h)); goto done; }
    sqlite3_bind_int64(st, 1, next);
    sqlite3_bind_blob(st, 2, guid, sizeof(GUID), SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)kind);
    sqlite3_bind_int64(st, 4, kind == MNID_ID ? (sqlite3_int64)lid : 0);
    sqlite3_bind_text(st, 5, utf8 ? utf8 : "", -1, SQLITE_STATIC);
    if (SUCCEEDED(hr = td_db_hr(step_done(st)))) *prop_id = 0x8000 + (ULONG)next;
done:
    if (in_tx)
    {
        if (FAILED(hr) && hr != MAPI_E_NOT_FOUND) td_db_rollback(db);
        else { HRESULT hr2 = td_db_commit(db); if (FAILED(hr2)) hr = hr2; }
    }
    else if (!create) LeaveCriticalSection(&db->lock);
    mc_free(utf8);
    return hr;
}

HRESULT td_db_named_from_id(td_db *db, ULONG prop_id, GUID *guid, ULONG *kind, LONG *lid,
                            WCHAR **name)
{
    static const char sql[] = "SELECT guid, kind, lid, name FROM named_props WHERE id = ?";
    sqlite3_stmt *st;
    HRESULT hr = MAPI_E_NOT_FOUND;

    *name = NULL;
    if (prop_id < 0x8000 || prop_id > 0xFFFE) return MAPI_E_NOT_FOUND;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int(st, 1, (int)(prop_id - 0x8000));
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == sizeof(GUID))
        {
            memcpy(guid, sqlite3_column_blob(st, 0), sizeof(GUID));
            *kind = (ULONG)sqlite3_column_int(st, 1);
            *lid = (LONG)sqlite3_column_int64(st, 2);
            hr = S_OK;
            if (*kind == MNID_STRING && !(*name = td_db_from_utf8((const char *)sqlite3_column_text(st, 3))))
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
        }
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_named_list(td_db *db, ULONG **ids, ULONG *count)
{
    static const char sql[] = "SELECT id FROM named_props ORDER BY id";
    sqlite3_stmt *st;
    ULONG n = 0, cap = 0, *arr = NULL, *bigger;
    HRESULT hr = S_OK;

    *ids = NULL;
    *count = 0;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        while (sqlite3_step(st) == SQLITE_ROW)
        {
            if (n == cap)
            {
                cap = cap ? cap * 2 : 16;
                if (!(bigger = mc_realloc(arr, cap * sizeof(*arr)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
                arr = bigger;
            }
            arr[n++] = 0x8000 + (ULONG)sqlite3_column_int(st, 0);
        }
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    if (FAILED(hr)) { mc_free(arr); return hr; }
    *ids = arr;
    *count = n;
    return S_OK;
}

/* ---- receive folders --------------------------------------------------------------------- */

HRESULT td_db_receive_set(td_db *db, const WCHAR *message_class, ULONGLONG folder)
{
    static const char sql_del[] = "DELETE FROM receive_folders WHERE message_class = ?";
    static const char sql_set[] = "INSERT OR REPLACE INTO receive_folders(message_class, folder_id) VALUES (?, ?)";
    sqlite3_stmt *st;
    char *utf8 = td_db_to_utf8(message_class ? message_class : L"");
    HRESULT hr;

    if (!utf8) return MAPI_E_NOT_ENOUGH_MEMORY;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, folder ? sql_set : sql_del))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_text(st, 1, utf8, -1, SQLITE_STATIC);
        if (folder) sqlite3_bind_int64(st, 2, (sqlite3_int64)folder);
        hr = td_db_hr(step_done(st));
        sqlite3_clear_bindings(st);
    }
    LeaveCriticalSection(&db->lock);
    mc_free(utf8);
    return hr;
}

HRESULT td_db_receive_list(td_db *db, ULONG *count, WCHAR ***classes, ULONGLONG **folders)
{
    static const char sql[] = "SELECT message_class, folder_id FROM receive_folders ORDER BY message_class";
    sqlite3_stmt *st;
    ULONG n = 0, cap = 0, i;
    WCHAR **c = NULL;
    ULONGLONG *f = NULL;
    HRESULT hr = S_OK;

    *count = 0;
    *classes = NULL;
    *folders = NULL;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        while (sqlite3_step(st) == SQLITE_ROW)
        {
            if (n == cap)
            {
                void *nc, *nf;
                cap = cap ? cap * 2 : 8;
                nc = mc_realloc(c, cap * sizeof(*c));
                if (nc) c = nc;
                nf = mc_realloc(f, cap * sizeof(*f));
                if (nf) f = nf;
                if (!nc || !nf) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            }
            if (!(c[n] = td_db_from_utf8((const char *)sqlite3_column_text(st, 0)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            f[n++] = (ULONGLONG)sqlite3_column_int64(st, 1);
        }
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    if (FAILED(hr))
    {
        for (i = 0; i < n; i++) mc_free(c[i]);
        mc_free(c);
        mc_free(f);
        return hr;
    }
    *count = n;
    *classes = c;
    *folders = f;
    return S_OK;
}
