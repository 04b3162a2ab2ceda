/*
 * test_tandem_db.c - tandem32's database layer (dll/tandem/db/): creating a store file,
 * reopening it, the schema version, sharing one handle per file, and refusing files that are
 * not Tandem stores without changing a byte of them.
 */
#include "test_tandem_fakes.h"
#include <stdio.h>
#include <sqlite3.h>
#include "db/db.h"

static const GUID guid_a = { 0xa1a2a3a4, 0xb1b2, 0xc1c2, { 1, 2, 3, 4, 5, 6, 7, 8 } };
static const GUID guid_b = { 0x01020304, 0x0506, 0x0708, { 9, 9, 9, 9, 9, 9, 9, 9 } };

typedef struct dbctx
{
    WCHAR *dir, *path;
} dbctx;

static int setup(void **state)
{
    dbctx *c = calloc(1, sizeof(*c));
    c->dir = test_mkdtemp();
    c->path = td_wsprintf(L"%ls\\a.tandem", c->dir);
    *state = c;
    return test_setup_alloc(state);
}

static int teardown(void **state)
{
    dbctx *c = *state;
    assert_int_equal(td_db_open_count(), 0);
    mc_free(c->path);
    test_rmdir(c->dir);
    free(c);
    return test_teardown_alloc(state);
}

static void write_file(const WCHAR *path, const void *data, DWORD n)
{
    HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD done = 0;
    assert_true(f != INVALID_HANDLE_VALUE);
    if (n) assert_true(WriteFile(f, data, n, &done, NULL));
    CloseHandle(f);
}

static BYTE *read_file(const WCHAR *path, DWORD *n)
{
    HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD size, done = 0;
    BYTE *p;
    assert_true(f != INVALID_HANDLE_VALUE);
    size = GetFileSize(f, NULL);
    p = malloc(size + 1);
    assert_true(ReadFile(f, p, size, &done, NULL));
    CloseHandle(f);
    *n = done;
    return p;
}

static void create_and_reopen(void **state)
{
    dbctx *c = *state;
    td_db *db = NULL, *db2 = NULL;
    GUID g;
    WCHAR *name = NULL, *why = NULL;
    FILETIME created;

    assert_int_equal(td_db_probe(c->path, &g, NULL), MAPI_E_NOT_FOUND);   /* no file yet */
    assert_int_equal(td_db_open(c->path, &guid_a, L"Mail \x00e9", &db, &why), S_OK);
    assert_null(why);
    assert_non_null(db);
    assert_int_equal(td_db_schema_version(db), TD_SCHEMA_VERSION);
    td_db_store_guid(db, &g);
    assert_memory_equal(&g, &guid_a, sizeof(GUID));
    assert_true(!_wcsicmp(td_db_path(db), c->path));
    created = td_db_created(db);
    assert_true(created.dwHighDateTime != 0);
    assert_int_equal(td_db_get_display_name(db, &name), S_OK);
    assert_true(!wcscmp(name, L"Mail \x00e9"));
    mc_free(name);

    /* one handle per file, whatever the spelling of the path */
    {
        WCHAR *upper = mc_wcsdup(c->path), *p;
        for (p = upper; *p; p++) *p = towupper(*p);
        assert_int_equal(td_db_open(upper, &guid_b, NULL, &db2, NULL), S_OK);
        mc_free(upper);
    }
    assert_ptr_equal(db2, db);
    assert_int_equal(td_db_open_count(), 1);
    td_db_release(db2);
    assert_int_equal(td_db_set_display_name(db, L"Renamed"), S_OK);
    td_db_release(db);
    assert_int_equal(td_db_open_count(), 0);

    /* reopened: the file keeps its identity (the GUID given now is for new files only) */
    assert_int_equal(td_db_probe(c->path, &g, NULL), S_OK);
    assert_memory_equal(&g, &guid_a, sizeof(GUID));
    assert_int_equal(td_db_open(c->path, &guid_b, L"ignored", &db, NULL), S_OK);
    td_db_store_guid(db, &g);
    assert_memory_equal(&g, &guid_a, sizeof(GUID));
    assert_int_equal(td_db_get_display_name(db, &name), S_OK);
    assert_true(!wcscmp(name, L"Renamed"));
    mc_free(name);
    assert_int_equal(td_db_schema_version(db), TD_SCHEMA_VERSION);
    assert_int_equal(td_db_created(db).dwLowDateTime, created.dwLowDateTime);
    td_db_release(db);
}

static void schema_and_pragmas(void **state)
{
    dbctx *c = *state;
    static const char *const tables[] = { "store", "objects", "properties", "named_props", "receive_folders" };
    td_db *db;
    sqlite3 *h;
    sqlite3_stmt *st;
    char *utf8;
    int n, i;

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    n = WideCharToMultiByte(CP_UTF8, 0, c->path, -1, NULL, 0, NULL, NULL);
    utf8 = malloc(n);
    WideCharToMultiByte(CP_UTF8, 0, c->path, -1, utf8, n, NULL, NULL);
    /* a second, independent connection sees what the layer made */
    assert_int_equal(sqlite3_open_v2(utf8, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (i = 0; i < (int)ARRAYSIZE(tables); i++)
    {
        assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 1);
        sqlite3_finalize(st);
    }
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), TD_SCHEMA_VERSION);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM store", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(h);
    free(utf8);
    td_db_release(db);
}

/* Files that are not ours: refused with MAPI_E_CORRUPT_DATA, not a byte changed. */
static void check_refused(const WCHAR *path, HRESULT expect)
{
    DWORD n1, n2;
    BYTE *before = read_file(path, &n1), *after;
    td_db *db = (td_db *)0x1;
    WCHAR *why = NULL;
    GUID g;

    assert_int_equal(td_db_open(path, &guid_a, NULL, &db, &why), expect);
    assert_null(db);
    assert_non_null(why);                   /* a reason for the MAPIERROR */
    mc_free(why);
    assert_int_equal(td_db_probe(path, &g, NULL), expect);
    after = read_file(path, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    free(before);
    free(after);
    assert_int_equal(td_db_open_count(), 0);
}

static void garbage_file_is_corrupt(void **state)
{
    dbctx *c = *state;
    BYTE junk[8192];
    ULONG i;

    for (i = 0; i < sizeof(junk); i++) junk[i] = (BYTE)(i * 31 + 7);
    write_file(c->path, junk, sizeof(junk));
    check_refused(c->path, MAPI_E_CORRUPT_DATA);
    write_file(c->path, "hello, world\r\n", 14);     /* shorter than an SQLite header */
    check_refused(c->path, MAPI_E_CORRUPT_DATA);
}

static void damaged_database_is_corrupt(void **state)
{
    dbctx *c = *state;
    td_db *db;
    DWORD n;
    BYTE *p;
    ULONG i;

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    td_db_release(db);
    /* keep the SQLite header, smash the schema page */
    p = read_file(c->path, &n);
    assert_true(n > 200);
    for (i = 100; i < n; i++) p[i] = (BYTE)(0xA5 ^ i);
    write_file(c->path, p, n);
    free(p);
    check_refused(c->path, MAPI_E_CORRUPT_DATA);
}

static void foreign_database_is_refused(void **state)
{
    dbctx *c = *state;
    sqlite3 *h;
    char *utf8;
    int n;

    n = WideCharToMultiByte(CP_UTF8, 0, c->path, -1, NULL, 0, NULL, NULL);
    utf8 = malloc(n);
    WideCharToMultiByte(CP_UTF8, 0, c->path, -1, utf8, n, NULL, NULL);
    assert_int_equal(sqlite3_open(utf8, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES('Ann');", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    check_refused(c->path, MAPI_E_CORRUPT_DATA);

    /* a Tandem file from the future */
    DeleteFileW(c->path);
    {
        td_db *db;
        assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
        td_db_release(db);
    }
    assert_int_equal(sqlite3_open(utf8, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    check_refused(c->path, MAPI_E_VERSION);
    free(utf8);
}

static void empty_file_becomes_a_store(void **state)
{
    dbctx *c = *state;
    td_db *db;
    GUID g;

    write_file(c->path, NULL, 0);
    assert_int_equal(td_db_probe(c->path, &g, NULL), MAPI_E_NOT_FOUND);
    assert_int_equal(td_db_open(c->path, &guid_b, NULL, &db, NULL), S_OK);
    td_db_store_guid(db, &g);
    assert_memory_equal(&g, &guid_b, sizeof(GUID));
    td_db_release(db);
}

static void missing_folder_is_not_found(void **state)
{
    dbctx *c = *state;
    WCHAR *p = td_wsprintf(L"%ls\\no\\such\\folder\\x.tandem", c->dir), *why = NULL;
    td_db *db = (td_db *)0x1;
    GUID g;

    assert_int_equal(td_db_open(p, &guid_a, NULL, &db, &why), MAPI_E_NOT_FOUND);
    assert_null(db);
    assert_non_null(why);
    assert_non_null(wcsstr(why, L"folder"));
    mc_free(why);
    assert_int_equal(td_db_probe(p, &g, NULL), MAPI_E_NOT_FOUND);
    assert_int_equal(GetFileAttributesW(p), INVALID_FILE_ATTRIBUTES);
    assert_int_equal(td_db_open(NULL, &guid_a, NULL, &db, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_db_open(L"", &guid_a, NULL, &db, NULL), MAPI_E_INVALID_PARAMETER);
    mc_free(p);
}

static void folder_path_is_refused(void **state)
{
    dbctx *c = *state;
    WCHAR *sub = td_wsprintf(L"%ls\\sub", c->dir);
    td_db *db = NULL;

    assert_true(CreateDirectoryW(sub, NULL));
    assert_int_equal(td_db_open(sub, &guid_a, NULL, &db, NULL), MAPI_E_CORRUPT_DATA);
    assert_null(db);
    RemoveDirectoryW(sub);
    mc_free(sub);
}

/* Two threads opening and closing the same file share one handle safely. */
static DWORD WINAPI opener(void *arg)
{
    const WCHAR *path = arg;
    int i;
    for (i = 0; i < 200; i++)
    {
        td_db *db = NULL;
        WCHAR *name = NULL;
        if (td_db_open(path, &guid_a, NULL, &db, NULL) != S_OK) return 1;
        if (td_db_get_display_name(db, &name) != S_OK) return 2;
        mc_free(name);
        td_db_release(db);
    }
    return 0;
}

static void threads_share_handles(void **state)
{
    dbctx *c = *state;
    HANDLE t[3];
    DWORD rc;
    int i;
    td_db *keep;

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &keep, NULL), S_OK);
    for (i = 0; i < 3; i++) t[i] = CreateThread(NULL, 0, opener, c->path, 0, NULL);
    WaitForMultipleObjects(3, t, TRUE, INFINITE);
    for (i = 0; i < 3; i++)
    {
        GetExitCodeThread(t[i], &rc);
        assert_int_equal(rc, 0);
        CloseHandle(t[i]);
    }
    assert_int_equal(td_db_open_count(), 1);
    td_db_release(keep);
}

static sqlite3 *open_raw(const WCHAR *path)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, path, -1, NULL, 0, NULL, NULL);
    char *utf8 = malloc(n);
    sqlite3 *h = NULL;
    WideCharToMultiByte(CP_UTF8, 0, path, -1, utf8, n, NULL, NULL);
    assert_int_equal(sqlite3_open_v2(utf8, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    free(utf8);
    return h;
}

/* EXPLAIN QUERY PLAN of `sql`: its steps joined with ';' into `plan` (printed too). */
static void query_plan(sqlite3 *h, const char *sql, char *plan, size_t cb)
{
    char explain[1024];
    sqlite3_stmt *st;

    snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_prepare_v2(h, explain, -1, &st, NULL), SQLITE_OK);
    plan[0] = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
    {
        strncat(plan, (const char *)sqlite3_column_text(st, 3), cb - strlen(plan) - 2);
        strcat(plan, ";");
    }
    sqlite3_finalize(st);
    print_message("plan: %s\n", plan);
}

/* What schema step 6 -> 7 adds, taken away again (a file as a v6 build left it). */
#define V7_UNDO "DROP TRIGGER objects_sort_time_insert; DROP TRIGGER objects_sort_time_update;" \
                "DROP TRIGGER objects_sort_time_delete; DROP INDEX objects_by_time;" \
                "ALTER TABLE objects DROP COLUMN sort_time;"

/* Schema v5: a v4 file gets the Message-ID index on open, and td_db_find_delivered's query is
 * an index lookup (the plan names the index), finding a delivered message and nothing else. */
static void message_id_index_migration(void **state)
{
    static const WCHAR mid[] = L"<1@example.test>";
    dbctx *c = *state;
    td_db *db;
    sqlite3 *h;
    sqlite3_stmt *st;
    BOOL found = TRUE;
    char plan[512] = "";

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    td_db_release(db);
    /* back to what a v4 build left: no index; a delivered message and a Sent Items copy */
    h = open_raw(c->path);
    assert_int_equal(sqlite3_exec(h, V7_UNDO "DROP INDEX properties_by_message_id; DROP TABLE change_log; PRAGMA user_version = 4;"
                                     "INSERT INTO objects(id, type, created, modified) VALUES (9001, 5, 0, 0), (9002, 5, 0, 0);"
                                     "INSERT INTO properties(object_id, prop_id, type, ival) VALUES (9001, 3590, 64, 1);",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO properties(object_id, prop_id, type, value) VALUES (?, 4149, 31, ?)",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int(st, 1, 9001);
    sqlite3_bind_blob(st, 2, mid, (int)(wcslen(mid) * sizeof(WCHAR)), SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, 9002);
    sqlite3_bind_blob(st, 2, L"<2@example.test>", 16 * sizeof(WCHAR), SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(h);

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    assert_int_equal(td_db_schema_version(db), TD_SCHEMA_VERSION);
    assert_int_equal(td_db_find_delivered(db, mid, &found), S_OK);
    assert_true(found);
    /* the sender's copy (no delivery time) and an unknown id are not delivered */
    assert_int_equal(td_db_find_delivered(db, L"<2@example.test>", &found), S_OK);
    assert_false(found);
    assert_int_equal(td_db_find_delivered(db, L"<3@example.test>", &found), S_OK);
    assert_false(found);
    td_db_release(db);

    /* the same query as dbsubmit.c's td_db_find_delivered */
    h = open_raw(c->path);
    query_plan(h, "SELECT 1 FROM properties p JOIN objects o ON o.id = p.object_id "
               "WHERE p.prop_id = 4149 AND p.type = 31 AND p.value = ?1 AND o.type = 5 "
               "AND EXISTS (SELECT 1 FROM properties d WHERE d.object_id = p.object_id AND d.prop_id = 3590) LIMIT 1",
               plan, sizeof(plan));
    sqlite3_close(h);
    assert_non_null(strstr(plan, "properties_by_message_id"));
}

/* ---- the change feed (dbchange.c) ---------------------------------------------------------- */

typedef struct heard
{
    CRITICAL_SECTION cs;
    td_change got[64];
    LONG n;
    DWORD thread;
} heard;

static void listener(void *ctx, const td_change *c)
{
    heard *h = ctx;
    EnterCriticalSection(&h->cs);
    if (h->n < 64) h->got[h->n] = *c;
    h->n++;
    h->thread = GetCurrentThreadId();
    LeaveCriticalSection(&h->cs);
}

static LONG heard_count(heard *h)
{
    LONG n;
    EnterCriticalSection(&h->cs);
    n = h->n;
    LeaveCriticalSection(&h->cs);
    return n;
}

/* Wait up to 5 s for `n` changes. */
static BOOL wait_heard(heard *h, LONG n)
{
    int i;
    for (i = 0; i < 500 && heard_count(h) < n; i++) Sleep(10);
    return heard_count(h) >= n;
}

static void change(td_change *c, ULONG kind, ULONG event, ULONGLONG parent, ULONGLONG id)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->event = event;
    c->parent = parent;
    c->id = id;
}

/* In the process: at once outside a transaction, after the commit inside one, never after a
 * rollback; unlisten stops delivery. */
static void feed_in_process(void **state)
{
    dbctx *c = *state;
    td_db *db;
    heard h;
    td_change ch;

    memset(&h, 0, sizeof(h));
    InitializeCriticalSection(&h.cs);
    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    assert_int_equal(td_db_listen(db, listener, &h), S_OK);

    change(&ch, TD_CHANGE_MESSAGE, fnevObjectCreated, 7, 8);
    td_db_announce(db, &ch);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.thread, GetCurrentThreadId());
    assert_int_equal(h.got[0].id, 8);
    assert_int_equal(h.got[0].parent, 7);
    assert_int_equal(h.got[0].event, fnevObjectCreated);

    assert_int_equal(td_db_begin(db), S_OK);
    change(&ch, TD_CHANGE_FOLDER, fnevObjectDeleted, 1, 9);
    td_db_announce(db, &ch);
    assert_int_equal(h.n, 1);                   /* not before the commit */
    assert_int_equal(td_db_commit(db), S_OK);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.got[1].kind, TD_CHANGE_FOLDER);
    assert_int_equal(h.got[1].id, 9);

    assert_int_equal(td_db_begin(db), S_OK);
    change(&ch, TD_CHANGE_MESSAGE, fnevObjectModified, 7, 10);
    td_db_announce(db, &ch);
    td_db_rollback(db);
    assert_int_equal(h.n, 2);                   /* rolled back: never */

    td_db_unlisten(db, listener, &h);
    change(&ch, TD_CHANGE_MESSAGE, fnevObjectModified, 7, 11);
    td_db_announce(db, &ch);
    assert_int_equal(h.n, 2);
    td_db_release(db);
    DeleteCriticalSection(&h.cs);
}

/* Another process's rows in change_log (written here through a second connection, with an
 * origin of its own) reach the listeners on the feed's thread, in order, with every field;
 * this process's own flushed rows are not delivered twice; a reader that fell behind the kept
 * log gets TD_CHANGE_RESYNC. */
static void feed_between_processes(void **state)
{
    dbctx *c = *state;
    td_db *db;
    sqlite3 *raw;
    sqlite3_int64 rows = 0;
    sqlite3_stmt *st;
    heard h;
    td_change ch;
    int i;

    memset(&h, 0, sizeof(h));
    InitializeCriticalSection(&h.cs);
    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    assert_int_equal(td_db_listen(db, listener, &h), S_OK);

    /* our own change: delivered once, at once, then written to change_log by the feed */
    change(&ch, TD_CHANGE_MESSAGE, fnevObjectCreated, 3, 4);
    td_db_announce(db, &ch);
    assert_int_equal(heard_count(&h), 1);
    raw = open_raw(c->path);
    sqlite3_busy_timeout(raw, 5000);
    for (i = 0; i < 500 && rows == 0; i++)
    {
        Sleep(10);
        assert_int_equal(sqlite3_prepare_v2(raw, "SELECT count(*) FROM change_log WHERE object_id = 4", -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW) rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    assert_int_equal(rows, 1);

    /* "another process" */
    assert_int_equal(sqlite3_exec(raw, "INSERT INTO change_log(origin, kind, event, parent_id, object_id, old_parent_id, old_id)"
                                       " VALUES (42, 1, 32, 5, 6, 7, 6), (42, 2, 64, 5, 12, 7, 11)", NULL, NULL, NULL), SQLITE_OK);
    assert_true(wait_heard(&h, 3));
    Sleep(200);
    assert_int_equal(heard_count(&h), 3);       /* our own row was not delivered again */
    assert_int_not_equal(h.thread, GetCurrentThreadId());
    assert_int_equal(h.got[1].kind, TD_CHANGE_MESSAGE);
    assert_int_equal(h.got[1].event, fnevObjectMoved);
    assert_int_equal(h.got[1].parent, 5);
    assert_int_equal(h.got[1].id, 6);
    assert_int_equal(h.got[1].old_parent, 7);
    assert_int_equal(h.got[2].kind, TD_CHANGE_FOLDER);
    assert_int_equal(h.got[2].event, fnevObjectCopied);
    assert_int_equal(h.got[2].old_id, 11);

    /* a gap: rows this reader never saw were pruned */
    assert_int_equal(sqlite3_exec(raw, "INSERT INTO change_log(origin, kind, event, parent_id, object_id, old_parent_id, old_id)"
                                       " VALUES (42, 1, 4, 5, 22, 0, 0), (42, 1, 4, 5, 23, 0, 0);"
                                       "DELETE FROM change_log WHERE object_id <= 22", NULL, NULL, NULL), SQLITE_OK);
    td_db_catch_up(db);
    assert_true(wait_heard(&h, 4));
    assert_int_equal(h.got[3].kind, TD_CHANGE_RESYNC);
    sqlite3_close(raw);
    td_db_unlisten(db, listener, &h);
    td_db_release(db);
    DeleteCriticalSection(&h.cs);
}

/* A save writes n property rows in one multi-row INSERT per 32 (a padded statement when n is
 * not a power of two, its unbound rows left out): every count from 1 to 70 gives exactly the
 * n values written, a rewrite (not fresh) replaces them, and nothing else lands in the table. */
static void property_rows_of_any_count(void **state)
{
    dbctx *c = *state;
    td_db *db = NULL;
    ULONGLONG id;
    ULONG n, k;

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    for (n = 1; n <= 70; n++)
    {
        mc_propbag *bag = mc_propbag_new(), *back = mc_propbag_new();
        SPropValue v;

        assert_int_equal(td_db_object_create(db, 0, MAPI_FOLDER, 0, 0, &id), S_OK);
        for (k = 0; k < n; k++)
        {
            v.ulPropTag = PROP_TAG(PT_LONG, 0x6600 + k);
            v.Value.l = (LONG)(n * 1000 + k);
            assert_int_equal(mc_propbag_set(bag, &v), S_OK);
        }
        assert_int_equal(td_db_props_write(db, id, bag, 0, TRUE), S_OK);
        /* rewritten with one value fewer (n - 1 rows, another statement shape) */
        if (n > 1)
        {
            mc_propbag_delete(bag, PROP_TAG(PT_LONG, 0x6600 + n - 1));
            assert_int_equal(td_db_props_write(db, id, bag, 0, FALSE), S_OK);
        }
        assert_int_equal(td_db_props_load(db, id, back), S_OK);
        assert_int_equal(mc_propbag_count(back), n > 1 ? n - 1 : 1);
        for (k = 0; k < (n > 1 ? n - 1 : 1); k++)
        {
            const SPropValue *got = mc_propbag_get(back, PROP_TAG(PT_LONG, 0x6600 + k));
            assert_non_null(got);
            assert_int_equal(got->Value.l, (LONG)(n * 1000 + k));
        }
        mc_propbag_free(bag);
        mc_propbag_free(back);
    }
    td_db_release(db);
    /* no row without its object (an unbound padding row would have no object_id) */
    {
        sqlite3 *h = open_raw(c->path);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*), sum(object_id IS NULL) FROM properties"
                                               " WHERE prop_id BETWEEN 26112 AND 26181", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 70 * 69 / 2 + 1);
        assert_int_equal(sqlite3_column_int(st, 1), 0);
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
}

static sqlite3_int64 sort_time_of(sqlite3 *h, int id, BOOL *null)
{
    sqlite3_stmt *st;
    sqlite3_int64 v = -1;

    assert_int_equal(sqlite3_prepare_v2(h, "SELECT sort_time FROM objects WHERE id = ?", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    *null = sqlite3_column_type(st, 0) == SQLITE_NULL;
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Schema v7: a v6 file gets objects.sort_time filled from PR_MESSAGE_DELIVERY_TIME and the index
 * objects_by_time; from then on the property rows keep sort_time (insert, replace, delete), and
 * the contents pages of dbtable.c read that index (the plan names it), in the table order. */
static void sort_time_migration(void **state)
{
    dbctx *c = *state;
    td_db *db;
    sqlite3 *h;
    BOOL null = FALSE;
    char plan[512] = "";
    mc_srckey keys[8], from;
    ULONG got = 0, n = 0, ord = 0;

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    td_db_release(db);
    h = open_raw(c->path);
    assert_int_equal(sqlite3_exec(h, V7_UNDO "PRAGMA user_version = 6;"
                                     "INSERT INTO objects(id, type, created, modified) VALUES (100, 3, 0, 0);"
                                     "INSERT INTO objects(id, parent_id, type, created, modified) VALUES"
                                     " (101, 100, 5, 0, 0), (102, 100, 5, 0, 0), (103, 100, 5, 0, 0), (104, 100, 5, 0, 0);"
                                     "INSERT INTO objects(id, parent_id, type, flags, created, modified) VALUES (105, 100, 5, 64, 0, 0);"
                                     "INSERT INTO properties(object_id, prop_id, type, ival) VALUES"
                                     " (101, 3590, 64, 20), (102, 3590, 64, 30), (104, 3590, 64, 20), (105, 3590, 64, 99);",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);

    assert_int_equal(td_db_open(c->path, &guid_a, NULL, &db, NULL), S_OK);
    assert_int_equal(td_db_schema_version(db), TD_SCHEMA_VERSION);
    /* newest first, ties by id, no time last; the associated message in its own table */
    assert_int_equal(td_db_table_count(db, 100, FALSE, &n), S_OK);
    assert_int_equal(n, 4);
    assert_int_equal(td_db_table_page(db, 100, FALSE, NULL, FALSE, FALSE, 0, 8, keys, &got), S_OK);
    assert_int_equal(got, 4);
    assert_true(keys[0].id == 102 && keys[1].id == 101 && keys[2].id == 104 && keys[3].id == 103);
    assert_true(keys[0].has_v && keys[0].v == 30 && !keys[3].has_v);
    assert_int_equal(td_db_table_page(db, 100, TRUE, NULL, FALSE, FALSE, 0, 8, keys, &got), S_OK);
    assert_true(got == 1 && keys[0].id == 105);
    /* after, before, skipping, positions */
    from.id = 101; from.has_v = TRUE; from.v = 20;
    assert_int_equal(td_db_table_page(db, 100, FALSE, &from, FALSE, FALSE, 0, 8, keys, &got), S_OK);
    assert_true(got == 2 && keys[0].id == 104 && keys[1].id == 103);
    assert_int_equal(td_db_table_page(db, 100, FALSE, &from, TRUE, TRUE, 0, 8, keys, &got), S_OK);
    assert_true(got == 2 && keys[0].id == 101 && keys[1].id == 102);
    assert_int_equal(td_db_table_page(db, 100, FALSE, NULL, FALSE, TRUE, 1, 8, keys, &got), S_OK);
    assert_true(got == 3 && keys[0].id == 104 && keys[2].id == 102);
    assert_int_equal(td_db_table_page(db, 100, FALSE, NULL, FALSE, FALSE, 3, 8, keys, &got), S_OK);
    assert_true(got == 1 && keys[0].id == 103);
    assert_int_equal(td_db_table_ordinal(db, 100, FALSE, &from, &ord), S_OK);
    assert_int_equal(ord, 1);
    from.id = 103; from.has_v = FALSE;
    assert_int_equal(td_db_table_ordinal(db, 100, FALSE, &from, &ord), S_OK);
    assert_int_equal(ord, 3);
    td_db_release(db);

    /* the triggers: a new value, a replaced one, a deleted one */
    h = open_raw(c->path);
    assert_int_equal(sort_time_of(h, 101, &null), 20);
    assert_false(null);
    sort_time_of(h, 103, &null);
    assert_true(null);
    assert_int_equal(sqlite3_exec(h, "INSERT INTO properties(object_id, prop_id, type, ival) VALUES (103, 3590, 64, 7);"
                                     "INSERT OR REPLACE INTO properties(object_id, prop_id, type, ival) VALUES (101, 3590, 64, 5);"
                                     "DELETE FROM properties WHERE object_id = 102;", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sort_time_of(h, 103, &null), 7);
    assert_int_equal(sort_time_of(h, 101, &null), 5);
    sort_time_of(h, 102, &null);
    assert_true(null);
    query_plan(h, "SELECT id, sort_time FROM objects WHERE parent_id = ?1 AND type = 5 AND (flags & 64) = ?2 "
               "AND sort_time < ?3 ORDER BY sort_time DESC, id LIMIT ?5 OFFSET ?6", plan, sizeof(plan));
    sqlite3_close(h);
    assert_non_null(strstr(plan, "objects_by_time"));
    assert_null(strstr(plan, "TEMP B-TREE"));
}

#define TD(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        TD(create_and_reopen),
        TD(schema_and_pragmas),
        TD(garbage_file_is_corrupt),
        TD(damaged_database_is_corrupt),
        TD(foreign_database_is_refused),
        TD(empty_file_becomes_a_store),
        TD(missing_folder_is_not_found),
        TD(folder_path_is_refused),
        TD(threads_share_handles),
        TD(message_id_index_migration),
        TD(feed_in_process),
        TD(feed_between_processes),
        TD(property_rows_of_any_count),
        TD(sort_time_migration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
