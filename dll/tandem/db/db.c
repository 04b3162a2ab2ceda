/*
 * db.c - opening, creating and migrating a store's SQLite file; the open-database registry.
 *
 * Invariants:
 * - A file that is not ours is never written: the header, the schema version and the
 *   application id are checked with reads only before the first write (journal mode, schema).
 *   An empty file (0 bytes) holds nothing and is initialised like a new one.
 * - Each migration runs in one transaction together with its `PRAGMA user_version` bump, so a
 *   crash leaves the file at the old or at the new version, never in between.
 * - At most one td_db per canonical path in the process; its reference count and the registry
 *   list are only touched under registry_lock.
 */
#include <assert.h>
#include <stdio.h>
#include <sqlite3.h>
#include "db_int.h"

/* PRAGMA application_id of a Tandem store file: "TdM1". */
#define TD_APPLICATION_ID 0x54644d31


static SRWLOCK registry_lock = SRWLOCK_INIT;
static td_db *registry;

/* ---- schema ------------------------------------------------------------------------------ */

/* migrations[v] takes a file from user_version v to v + 1. */
static const char *const migrations[TD_SCHEMA_VERSION] =
{
    /* 0 -> 1: the first schema. */
    /* store: exactly one row, the store's identity (GUID also in the profile and in every
     * entry ID), creation time (FILETIME as integer) and display name. */
    "CREATE TABLE store ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  guid BLOB NOT NULL CHECK (length(guid) = 16),"
    "  created INTEGER NOT NULL,"
    "  display_name TEXT);"
    /* objects: one row per folder, message, attachment or recipient row; the id is the
     * object id of entry IDs and is never reused (AUTOINCREMENT: STORE_ENTRYID_UNIQUE).
     * type: MAPI object type (MAPI_FOLDER, MAPI_MESSAGE, MAPI_ATTACH, ...); flags: state
     * that decides things (submit state, lock, associated) kept out of the property rows. */
    "CREATE TABLE objects ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  parent_id INTEGER REFERENCES objects(id) ON DELETE CASCADE,"
    "  type INTEGER NOT NULL,"
    "  flags INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  modified INTEGER NOT NULL);"
    "CREATE INDEX objects_by_parent ON objects(parent_id, type);"
    /* properties: one value per property ID of an object; integers (PT_LONG, PT_BOOLEAN,
     * PT_I8, PT_SYSTIME...) in ival so that tables can sort and restrict in SQL, everything
     * else serialised in value. */
    "CREATE TABLE properties ("
    "  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
    "  prop_id INTEGER NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  ival INTEGER,"
    "  value BLOB,"
    "  PRIMARY KEY (object_id, prop_id)) WITHOUT ROWID;"
    /* named_props: the store-wide mapping of MAPINAMEID (GUID + LID or name) to property
     * IDs 0x8000 + id (GetIDsFromNames / GetNamesFromIDs). kind: MNID_ID 0 / MNID_STRING 1. */
    "CREATE TABLE named_props ("
    "  id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 0x7FFE),"
    "  guid BLOB NOT NULL CHECK (length(guid) = 16),"
    "  kind INTEGER NOT NULL,"
    "  lid INTEGER NOT NULL DEFAULT 0,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (guid, kind, lid, name));"
    /* receive_folders: message class (case-insensitive prefix match) -> folder
     * (SetReceiveFolder / GetReceiveFolder / GetReceiveFolderTable). '' is the default. */
    "CREATE TABLE receive_folders ("
    "  message_class TEXT PRIMARY KEY COLLATE NOCASE,"
    "  folder_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE);",
    /* 1 -> 2: the object model (issue 3).
     * objects.version: bumped by every save of the object (MAPI_E_OBJECT_CHANGED detection
     * across sessions and processes); objects.num: PR_ATTACH_NUM of attachments, PR_ROWID
     * of recipients. special_folders: role (TD_ROLE_*) -> folder (root, IPM subtree, ...). */
    "ALTER TABLE objects ADD COLUMN version INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE objects ADD COLUMN num INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE special_folders ("
    "  role INTEGER PRIMARY KEY,"
    "  folder_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE);",
    /* 2 -> 3: submit state (issue 6, DECISIONS 7). One row per submitted message that is not
     * finished yet; no row = not submitted. seq: submission order (the spooler sends in the
     * order of SubmitMessage calls); state: TD_SUBMIT_QUEUED (in the outgoing queue) or
     * TD_SUBMIT_COUPLED (being sent by the coupled transport, invisible to the spooler);
     * submit_flags: PR_SUBMIT_FLAGS (SUBMITFLAG_PREPROCESS; SUBMITFLAG_LOCKED with lock_pid,
     * the locking process, so a lock dies with its process). */
    "CREATE TABLE outgoing_queue ("
    "  message_id INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL UNIQUE,"
    "  submit_time INTEGER NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  submit_flags INTEGER NOT NULL DEFAULT 0,"
    "  lock_pid INTEGER NOT NULL DEFAULT 0);",
    /* 3 -> 4: big values (dbbig.c). PT_BINARY (258), PT_STRING8 (30) and PT_UNICODE (31)
     * values above 32768 bytes move out of `properties` (WITHOUT ROWID, so no incremental
     * blob I/O) into rows of their own that streams read and write in pieces. */
    "CREATE TABLE big_values ("
    "  id INTEGER PRIMARY KEY,"
    "  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,"
    "  prop_id INTEGER NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  value BLOB NOT NULL,"
    "  UNIQUE (object_id, prop_id));"
    "INSERT INTO big_values(object_id, prop_id, type, value) SELECT object_id, prop_id, type, value"
    "  FROM properties WHERE type IN (30, 31, 258) AND length(value) > 32768;"
    "DELETE FROM properties WHERE type IN (30, 31, 258) AND length(value) > 32768;",
    /* 4 -> 5: PR_INTERNET_MESSAGE_ID (prop_id 0x1035 = 4149, PT_UNICODE) indexed by value, so
     * td_db_find_delivered (the transport's duplicate check, dropdir.h window 3) is a lookup
     * instead of a scan of every property row. Partial: only Message-ID rows are indexed. */
    "CREATE INDEX properties_by_message_id ON properties(value) WHERE prop_id = 4149 AND type = 31;",
    /* 5 -> 6: the change feed (dbchange.c). One row per announced change to a message or a
     * folder (kind TD_CHANGE_* with TD_CHANGE_COUNTS << 8, event fnevObject*), written by the changing process (origin),
     * read by the other processes that have the store open so that their tables and object
     * notifications follow; only the newest rows are kept. */
    "CREATE TABLE change_log ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  origin INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  event INTEGER NOT NULL,"
    "  parent_id INTEGER NOT NULL,"
    "  object_id INTEGER NOT NULL,"
    "  old_parent_id INTEGER NOT NULL,"
    "  old_id INTEGER NOT NULL);",
    /* 6 -> 7: contents tables page through SQL (dbtable.c, issue 4 point 6).
     * objects.sort_time: the message's PR_MESSAGE_DELIVERY_TIME (prop_id 0x0E06 = 3590,
     * PT_SYSTIME = 64) as an integer, NULL without one; kept by triggers on the property rows,
     * so every path that writes properties (saves, copies, imports, other processes) keeps it
     * in step inside its own statement. objects_by_time: a folder's messages (associated or
     * not: flags & 64 = MSGFLAG_ASSOCIATED) newest first, ties by id, which is the default
     * contents order; counts and key ranges of it are index-only. */
    "ALTER TABLE objects ADD COLUMN sort_time INTEGER;"
    "UPDATE objects SET sort_time = (SELECT ival FROM properties WHERE object_id = objects.id"
    "  AND prop_id = 3590 AND type = 64) WHERE type = 5;"
    "CREATE INDEX objects_by_time ON objects(parent_id, type, (flags & 64), sort_time DESC, id);"
    "CREATE TRIGGER objects_sort_time_insert AFTER INSERT ON properties WHEN NEW.prop_id = 3590"
    "  BEGIN UPDATE objects SET sort_time = CASE WHEN NEW.type = 64 THEN NEW.ival END"
    "  WHERE id = NEW.object_id; END;"
    "CREATE TRIGGER objects_sort_time_update AFTER UPDATE ON properties WHEN NEW.prop_id = 3590"
    "  BEGIN UPDATE objects SET sort_time = CASE WHEN NEW.type = 64 THEN NEW.ival END"
    "  WHERE id = NEW.object_id; END;"
    "CREATE TRIGGER objects_sort_time_delete AFTER DELETE ON properties WHEN OLD.prop_id = 3590"
    "  BEGIN UPDATE objects SET sort_time = NULL WHERE id = OLD.object_id; END;",
};

/* ---- small helpers ----------------------------------------------------------------------- */

char *td_db_to_utf8(const WCHAR *s)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    char *r;
    if (n <= 0 || !(r = mc_malloc(n))) return NULL;
    WideCharToMultiByte(CP_UTF8, 0, s, -1, r, n, NULL, NULL);
    return r;
}

WCHAR *td_db_from_utf8(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    WCHAR *r;
    if (n <= 0 || !(r = mc_malloc(n * sizeof(WCHAR)))) return NULL;
    MultiByteToWideChar(CP_UTF8, 0, s, -1, r, n);
    return r;
}

static void set_why(WCHAR **why, const WCHAR *fmt, const WCHAR *path, const char *detail)
{
    WCHAR *d;
    if (!why) return;
    mc_free(*why);
    d = detail ? td_db_from_utf8(detail) : NULL;
    *why = td_wsprintf(fmt, path, d ? d : L"");
    mc_free(d);
}

HRESULT td_db_hr(int rc)
{
    switch (rc & 0xff)
    {
    case SQLITE_OK:       return S_OK;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:   return MAPI_E_CORRUPT_DATA;
    case SQLITE_NOMEM:    return MAPI_E_NOT_ENOUGH_MEMORY;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:     return MAPI_E_NO_ACCESS;
    case SQLITE_CANTOPEN: return MAPI_E_NO_ACCESS;
    case SQLITE_FULL:     return MAPI_E_DISK_ERROR;
    case SQLITE_IOERR:    return MAPI_E_DISK_ERROR;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:   return MAPI_E_BUSY;
    default:              return MAPI_E_CALL_FAILED;
    }
}

/* One integer from a one-row query; SQLite's error code on failure. */
static int query_int(sqlite3 *h, const char *sql, sqlite3_int64 *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
    {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) { *out = sqlite3_column_int64(st, 0); rc = SQLITE_OK; }
        else if (rc == SQLITE_DONE) rc = SQLITE_CORRUPT;
    }
    sqlite3_finalize(st);
    return rc;
}

int td_db_query_int(td_db *db, const char *sql, sqlite3_int64 *out)
{
    td_db_reader_close(db);
    return query_int(db->h, sql, out);
}

static WCHAR *canonical_path(const WCHAR *path)
{
    WCHAR *full = td_full_path(path), *lng;
    DWORD n;

    if (!full) return NULL;
    /* same file, same key: expand 8.3 components when the file exists */
    n = GetLongPathNameW(full, NULL, 0);
    if (n && (lng = mc_malloc(n * sizeof(WCHAR))))
    {
        if (GetLongPathNameW(full, lng, n) && lng[0]) { mc_free(full); return lng; }
        mc_free(lng);
    }
    return full;
}

static BOOL same_path(const WCHAR *a, const WCHAR *b)
{
    return CompareStringOrdinal(a, -1, b, -1, TRUE) == CSTR_EQUAL;
}

/* What is at `path`: 0 nothing (or an empty file), 1 a file that starts like an SQLite
 * database, -1 something else (a folder, a short or foreign file). */
static int file_state(const WCHAR *path)
{
    static const char magic[16] = "SQLite format 3";   /* with its NUL: 16 bytes */
    WIN32_FILE_ATTRIBUTE_DATA fa;
    HANDLE f;
    char head[16];
    DWORD got = 0;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &fa)) return 0;
    if (fa.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return -1;
    if (!fa.nFileSizeHigh && !fa.nFileSizeLow) return 0;
    if (!fa.nFileSizeHigh && fa.nFileSizeLow < 100) return -1;   /* shorter than the header */
    f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING, 0, NULL);
    if (f == INVALID_HANDLE_VALUE) return 1;   /* let SQLite report the access problem */
    if (!ReadFile(f, head, sizeof(head), &got, NULL)) got = 0;
    CloseHandle(f);
    return got == sizeof(head) && !memcmp(head, magic, sizeof(magic)) ? 1 : -1;
}

/* Checks done with reads only: is this a Tandem file we can use? *version gets user_version. */
static HRESULT check_file(sqlite3 *h, const WCHAR *path, ULONG *version, WCHAR **why)
{
    sqlite3_int64 user_version = 0, app_id = 0, tables = 0;
    int rc;

    if ((rc = query_int(h, "PRAGMA user_version", &user_version)) != SQLITE_OK ||
        (rc = query_int(h, "PRAGMA application_id", &app_id)) != SQLITE_OK ||
        (rc = query_int(h, "SELECT count(*) FROM sqlite_master", &tables)) != SQLITE_OK)
    {
        set_why(why, L"The file %ls cannot be read as a Tandem store: %ls", path, sqlite3_errstr(rc));
        return td_db_hr(rc) == MAPI_E_CALL_FAILED ? MAPI_E_CORRUPT_DATA : td_db_hr(rc);
    }
    if ((user_version == 0 && tables > 0) || (user_version > 0 && app_id != TD_APPLICATION_ID))
    {
        set_why(why, L"The file %ls is a database of another program, not a Tandem store%ls", path, NULL);
        return MAPI_E_CORRUPT_DATA;
    }
    if (user_version > TD_SCHEMA_VERSION)
    {
        set_why(why, L"The store %ls was written by a newer version of Tandem%ls", path, NULL);
        return MAPI_E_VERSION;
    }
    *version = (ULONG)user_version;
    return S_OK;
}

static HRESULT read_identity(td_db *db, WCHAR **why)
{
    sqlite3_stmt *st = NULL;
    HRESULT hr = MAPI_E_CORRUPT_DATA;
    int rc;

    rc = sqlite3_prepare_v2(db->h, "SELECT guid, created FROM store WHERE id = 1", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW &&
        sqlite3_column_bytes(st, 0) == sizeof(GUID))
    {
        sqlite3_int64 t = sqlite3_column_int64(st, 1);
        memcpy(&db->guid, sqlite3_column_blob(st, 0), sizeof(GUID));
        db->created.dwLowDateTime = (DWORD)t;
        db->created.dwHighDateTime = (DWORD)((ULONGLONG)t >> 32);
        hr = S_OK;
    }
    else
        set_why(why, L"The store %ls has no valid identity record%ls", db->path, NULL);
    sqlite3_finalize(st);
    return hr;
}

static int exec(sqlite3 *h, const char *sql)
{
    return sqlite3_exec(h, sql, NULL, NULL, NULL);
}

/* Bring the schema from `version` to TD_SCHEMA_VERSION; the first migration also writes the
 * identity row and the application id, in the same transaction. */
static HRESULT migrate(td_db *db, ULONG version, const GUID *new_guid, const WCHAR *display_name,
                       WCHAR **why)
{
    char pragma[64];
    int rc = SQLITE_OK;

    for (; version < TD_SCHEMA_VERSION; version++)
    {
        if ((rc = exec(db->h, "BEGIN IMMEDIATE")) != SQLITE_OK) break;
        rc = exec(db->h, migrations[version]);
        if (rc == SQLITE_OK && version == 0)
        {
            sqlite3_stmt *st = NULL;
            FILETIME now;
            char *name = display_name ? td_db_to_utf8(display_name) : NULL;

            GetSystemTimeAsFileTime(&now);
            snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d", TD_APPLICATION_ID);
            rc = exec(db->h, pragma);
            if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(db->h, "INSERT INTO store(id, guid, created, display_name) "
                                        "VALUES (1, ?, ?, ?)", -1, &st, NULL);
            if (rc == SQLITE_OK)
            {
                sqlite3_bind_blob(st, 1, new_guid, sizeof(GUID), SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (sqlite3_int64)(((ULONGLONG)now.dwHighDateTime << 32) | now.dwLowDateTime));
                if (name) sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
                else sqlite3_bind_null(st, 3);
                rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db->h);
            }
            sqlite3_finalize(st);
            mc_free(name);
        }
        if (rc == SQLITE_OK)
        {
            snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %lu", (unsigned long)(version + 1));
            rc = exec(db->h, pragma);
        }
        if (rc == SQLITE_OK) rc = exec(db->h, "COMMIT");
        if (rc != SQLITE_OK)
        {
            exec(db->h, "ROLLBACK");
            break;
        }
    }
    if (rc != SQLITE_OK)
    {
        set_why(why, L"The store %ls could not be initialised: %ls", db->path, sqlite3_errmsg(db->h));
        return td_db_hr(rc);
    }
    db->schema_version = TD_SCHEMA_VERSION;
    return S_OK;
}

static void db_destroy(td_db *db)
{
    if (!db) return;
    td_db_feed_stop(db);
    td_db_reader_close(db);
    td_db_stmt_cache_clear(db);
    mc_free(db->writers);
    mc_free(db->stages);
    if (db->h) sqlite3_close_v2(db->h);
    DeleteCriticalSection(&db->lock);
    mc_free(db->path);
    mc_free(db);
}

/* Test hook (bench_store): with TANDEM_TEST_COUNT_SQL set in the environment when a handle
 * opens, every SQL statement that handle starts (not trigger sub-statements) is counted, and
 * td_db_test_sql_count (exported by tandem32.dll) reads the count. Without the variable no
 * trace callback is installed: release behaviour is unchanged. */
static LONG test_sql_count;

static int count_sql(unsigned type, void *ctx, void *stmt, void *sql)
{
    (void)ctx; (void)stmt;
    if (type == SQLITE_TRACE_STMT && !(sql && ((const char *)sql)[0] == '-' && ((const char *)sql)[1] == '-'))
        InterlockedIncrement(&test_sql_count);
    return 0;
}

LONG td_db_test_sql_count(void)
{
    return InterlockedCompareExchange(&test_sql_count, 0, 0);
}

/* Open a connection to `path` (canonical). `writable` FALSE: read-only, never creates. */
static HRESULT open_handle(const WCHAR *path, BOOL writable, sqlite3 **out, WCHAR **why)
{
    char *utf8 = td_db_to_utf8(path);
    int flags = SQLITE_OPEN_FULLMUTEX |
                (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
    int rc;

    *out = NULL;
    if (!utf8) return MAPI_E_NOT_ENOUGH_MEMORY;
    rc = sqlite3_open_v2(utf8, out, flags, NULL);
    mc_free(utf8);
    if (rc != SQLITE_OK)
    {
        set_why(why, L"The store %ls cannot be opened: %ls", path, *out ? sqlite3_errmsg(*out) : sqlite3_errstr(rc));
        sqlite3_close_v2(*out);
        *out = NULL;
        return td_db_hr(rc);
    }
    sqlite3_busy_timeout(*out, 10000);
    sqlite3_extended_result_codes(*out, 0);
    if (GetEnvironmentVariableA("TANDEM_TEST_COUNT_SQL", NULL, 0))
        sqlite3_trace_v2(*out, SQLITE_TRACE_STMT, count_sql, NULL);
    return S_OK;
}

static HRESULT check_folder(const WCHAR *path, WCHAR **why)
{
    WCHAR *folder = NULL;
    if (td_path_folder_exists(path, &folder)) { mc_free(folder); return S_OK; }
    if (why)
    {
        mc_free(*why);
        *why = td_wsprintf(L"The folder %ls for the store %ls does not exist", folder ? folder : L"?", path);
    }
    mc_free(folder);
    return MAPI_E_NOT_FOUND;
}

HRESULT td_db_open(const WCHAR *path, const GUID *new_guid, const WCHAR *display_name,
                   td_db **out, WCHAR **why)
{
    WCHAR *canon = NULL;
    td_db *db = NULL;
    ULONG version = 0;
    HRESULT hr;
    int state;

    if (why) *why = NULL;
    if (!path || !path[0] || !new_guid || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(canon = canonical_path(path))) return MAPI_E_NOT_ENOUGH_MEMORY;

    AcquireSRWLockExclusive(&registry_lock);
    for (db = registry; db; db = db->next)
        if (same_path(db->path, canon)) break;
    if (db)
    {
        db->ref++;
        *out = db;
        hr = S_OK;
        goto done;
    }

    if (FAILED(hr = check_folder(canon, why))) goto done;
    if ((state = file_state(canon)) < 0)
    {
        set_why(why, L"The file %ls is not a Tandem store%ls", canon, NULL);
        hr = MAPI_E_CORRUPT_DATA;
        goto done;
    }

    if (!(db = mc_calloc(1, sizeof(*db)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    db->ref = 1;
    db->path = canon;
    canon = NULL;
    InitializeCriticalSection(&db->lock);
    InitializeSRWLock(&db->writers_lock);

    if (FAILED(hr = open_handle(db->path, TRUE, &db->h, why))) goto done;
    if (FAILED(hr = check_file(db->h, db->path, &version, why))) goto done;
    /* from here on the file is ours (or empty) */
    if (exec(db->h, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
        exec(db->h, "PRAGMA synchronous = NORMAL") != SQLITE_OK ||
        exec(db->h, "PRAGMA foreign_keys = ON") != SQLITE_OK ||
        exec(db->h, "PRAGMA temp_store = FILE") != SQLITE_OK)
    {
        hr = td_db_hr(sqlite3_errcode(db->h));
        set_why(why, L"The store %ls cannot be set up: %ls", db->path, sqlite3_errmsg(db->h));
        goto done;
    }
    if (FAILED(hr = migrate(db, version, new_guid, display_name, why))) goto done;
    if (FAILED(hr = read_identity(db, why))) goto done;
    /* staging of stream writes (dbbig.c): private to this connection, on disk */
    if (exec(db->h, "CREATE TEMP TABLE stage_chunks (stage INTEGER NOT NULL, n INTEGER NOT NULL,"
                    " data BLOB NOT NULL, PRIMARY KEY (stage, n))") != SQLITE_OK)
    {
        hr = td_db_hr(sqlite3_errcode(db->h));
        goto done;
    }
    if (FAILED(hr = td_db_feed_start(db))) goto done;

    db->next = registry;
    registry = db;
    *out = db;
    db = NULL;

done:
    ReleaseSRWLockExclusive(&registry_lock);
    if (db && db != *out) db_destroy(db);
    mc_free(canon);
    return hr;
}

HRESULT td_db_probe(const WCHAR *path, GUID *guid, WCHAR **why)
{
    WCHAR *canon = NULL;
    td_db probe, *db;
    ULONG version = 0;
    HRESULT hr;
    int state;

    if (why) *why = NULL;
    if (!path || !path[0] || !guid) return MAPI_E_INVALID_PARAMETER;
    if (!(canon = canonical_path(path))) return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(&probe, 0, sizeof(probe));

    AcquireSRWLockShared(&registry_lock);
    for (db = registry; db; db = db->next)
        if (same_path(db->path, canon)) break;
    if (db) *guid = db->guid;
    ReleaseSRWLockShared(&registry_lock);
    if (db) { hr = S_OK; goto done; }

    if (FAILED(hr = check_folder(canon, why))) goto done;
    if ((state = file_state(canon)) == 0) { hr = MAPI_E_NOT_FOUND; goto done; }
    if (state < 0)
    {
        set_why(why, L"The file %ls is not a Tandem store%ls", canon, NULL);
        hr = MAPI_E_CORRUPT_DATA;
        goto done;
    }
    probe.path = canon;
    if (FAILED(hr = open_handle(canon, FALSE, &probe.h, why))) goto done;
    if (FAILED(hr = check_file(probe.h, canon, &version, why))) goto done;
    if (version == 0) { hr = MAPI_E_NOT_FOUND; goto done; }   /* an empty database */
    if (SUCCEEDED(hr = read_identity(&probe, why))) *guid = probe.guid;

done:
    if (probe.h) sqlite3_close_v2(probe.h);
    mc_free(canon);
    return hr;
}

void td_db_addref(td_db *db)
{
    AcquireSRWLockExclusive(&registry_lock);
    db->ref++;
    ReleaseSRWLockExclusive(&registry_lock);
}

void td_db_release(td_db *db)
{
    td_db **p;
    BOOL last;

    if (!db) return;
    AcquireSRWLockExclusive(&registry_lock);
    assert(db->ref > 0);
    if ((last = (--db->ref == 0)))
    {
        for (p = &registry; *p; p = &(*p)->next)
            if (*p == db) { *p = db->next; break; }
    }
    ReleaseSRWLockExclusive(&registry_lock);
    if (last) db_destroy(db);
}

const WCHAR *td_db_path(const td_db *db) { return db->path; }
void td_db_store_guid(const td_db *db, GUID *guid) { *guid = db->guid; }
FILETIME td_db_created(const td_db *db) { return db->created; }

ULONG td_db_schema_version(td_db *db)
{
    sqlite3_int64 v = 0;
    if (query_int(db->h, "PRAGMA user_version", &v) != SQLITE_OK) return db->schema_version;
    return (ULONG)v;
}

HRESULT td_db_get_display_name(td_db *db, WCHAR **out)
{
    sqlite3_stmt *st = NULL;
    HRESULT hr = S_OK;
    int rc;

    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    EnterCriticalSection(&db->lock);
    td_db_reader_close(db);
    rc = sqlite3_prepare_v2(db->h, "SELECT display_name FROM store WHERE id = 1", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
    {
        const unsigned char *s = sqlite3_column_text(st, 0);
        if (s && !(*out = td_db_from_utf8((const char *)s))) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    }
    else hr = rc == SQLITE_DONE ? MAPI_E_CORRUPT_DATA : td_db_hr(rc);
    sqlite3_finalize(st);
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_set_display_name(td_db *db, const WCHAR *name)
{
    sqlite3_stmt *st = NULL;
    char *utf8 = NULL;
    HRESULT hr = S_OK;
    int rc;

    if (name && !(utf8 = td_db_to_utf8(name))) return MAPI_E_NOT_ENOUGH_MEMORY;
    EnterCriticalSection(&db->lock);
    td_db_reader_close(db);
    rc = sqlite3_prepare_v2(db->h, "UPDATE store SET display_name = ? WHERE id = 1", -1, &st, NULL);
    if (rc == SQLITE_OK)
    {
        if (utf8) sqlite3_bind_text(st, 1, utf8, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, 1);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) hr = td_db_hr(rc);
    sqlite3_finalize(st);
    LeaveCriticalSection(&db->lock);
    mc_free(utf8);
    return hr;
}

/* Rows a check statement returns, each one problem; a lone "ok" row (integrity_check) is
 * none. With `counts`, the statement returns one count instead. */
static int count_problems(sqlite3 *h, const char *sql, BOOL counts, ULONG *problems)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
    {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        if (counts) *problems += (ULONG)sqlite3_column_int64(st, 0);
        else if (!text || strcmp(text, "ok")) (*problems)++;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

HRESULT td_db_check_integrity(td_db *db, ULONG *problems)
{
    /* object types: MAPI_FOLDER 3, MAPI_MESSAGE 5, MAPI_MAILUSER 6 (recipient rows),
     * MAPI_ATTACH 7 */
    static const char tree[] =
        "SELECT (SELECT count(*) FROM objects WHERE parent_id IS NULL) != 1"
        " + (SELECT count(*) FROM objects WHERE parent_id IS NULL AND type != 3)"
        " + (SELECT count(*) FROM objects o JOIN objects p ON p.id = o.parent_id WHERE"
        "    (o.type = 3 AND p.type != 3) OR (o.type = 5 AND p.type NOT IN (3, 7))"
        "    OR (o.type IN (6, 7) AND p.type != 5) OR o.type NOT IN (3, 5, 6, 7))"
        " + (SELECT count(*) FROM objects o WHERE o.type = 7 AND"
        "    (SELECT count(*) FROM objects m WHERE m.parent_id = o.id) > 1)";
    int rc;

    if (!problems) return MAPI_E_INVALID_PARAMETER;
    *problems = 0;
    EnterCriticalSection(&db->lock);
    td_db_reader_close(db);
    if ((rc = count_problems(db->h, "PRAGMA integrity_check", FALSE, problems)) == SQLITE_OK &&
        (rc = count_problems(db->h, "PRAGMA foreign_key_check", FALSE, problems)) == SQLITE_OK &&
        *problems == 0)
        rc = count_problems(db->h, tree, TRUE, problems);   /* only on a sound file */
    LeaveCriticalSection(&db->lock);
    return td_db_hr(rc);
}

HRESULT td_db_writer_open(td_db *db, ULONGLONG id)
{
    HRESULT hr = S_OK;
    ULONG i;

    AcquireSRWLockExclusive(&db->writers_lock);
    for (i = 0; i < db->n_writers; i++)
        if (db->writers[i].id == id) { db->writers[i].count++; goto done; }
    if (db->n_writers == db->cap_writers)
    {
        ULONG cap = db->cap_writers ? db->cap_writers * 2 : 16;
        void *bigger = mc_realloc(db->writers, cap * sizeof(*db->writers));
        if (!bigger) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        db->writers = bigger;
        db->cap_writers = cap;
    }
    db->writers[db->n_writers].id = id;
    db->writers[db->n_writers++].count = 1;
done:
    ReleaseSRWLockExclusive(&db->writers_lock);
    return hr;
}

void td_db_writer_close(td_db *db, ULONGLONG id)
{
    ULONG i;

    AcquireSRWLockExclusive(&db->writers_lock);
    for (i = 0; i < db->n_writers; i++)
        if (db->writers[i].id == id)
        {
            if (!--db->writers[i].count) db->writers[i] = db->writers[--db->n_writers];
            break;
        }
    ReleaseSRWLockExclusive(&db->writers_lock);
}

BOOL td_db_writer_is_open(td_db *db, ULONGLONG id)
{
    BOOL open = FALSE;
    ULONG i;

    AcquireSRWLockShared(&db->writers_lock);
    for (i = 0; i < db->n_writers && !open; i++) open = db->writers[i].id == id;
    ReleaseSRWLockShared(&db->writers_lock);
    return open;
}

ULONGLONG td_db_generation(td_db *db)
{
    sqlite3_int64 other = 0;
    ULONGLONG gen;

    EnterCriticalSection(&db->lock);
    td_db_reader_close(db);     /* an open read transaction would hide other connections' commits */
    /* data_version moves with other connections' commits, total_changes with ours */
    query_int(db->h, "PRAGMA data_version", &other);
    gen = ((ULONGLONG)other << 40) ^ (ULONGLONG)sqlite3_total_changes64(db->h);
    LeaveCriticalSection(&db->lock);
    return gen;
}

ULONG td_db_open_count(void)
{
    ULONG n = 0;
    td_db *db;
    AcquireSRWLockShared(&registry_lock);
    for (db = registry; db; db = db->next) n++;
    ReleaseSRWLockShared(&registry_lock);
    return n;
}
