/*
 * db_int.h - what the files of the db layer share (never included above the db layer).
 */
#ifndef TANDEM_DB_INT_H
#define TANDEM_DB_INT_H

#include <sqlite3.h>
#include "db.h"

#define TD_DB_STMT_CACHE 96

typedef struct td_feed td_feed;

struct td_db
{
    LONG ref;                   /* under registry_lock */
    td_db *next;                /* registry list, under registry_lock */
    WCHAR *path;                /* canonical */
    sqlite3 *h;                 /* SQLITE_OPEN_FULLMUTEX: usable from any thread */
    CRITICAL_SECTION lock;      /* serialises multi-statement sequences */
    GUID guid;
    FILETIME created;
    ULONG schema_version;
    int tx_depth;               /* nesting of td_db_begin on the thread holding `lock` */
    BOOL tx_failed;             /* an inner level rolled back: the outer commit must too */
    struct { const char *sql; sqlite3_stmt *st; } cache[TD_DB_STMT_CACHE];  /* under lock */
    SRWLOCK writers_lock;       /* guards writers (never held while waiting for `lock`) */
    struct { ULONGLONG id; ULONG count; } *writers;   /* objects open for writing in the process */
    ULONG n_writers, cap_writers;
    struct { LONGLONG id; ULONG refs; } *stages;   /* staging areas alive (under lock) */
    ULONG n_stages, cap_stages;
    LONGLONG next_stage;        /* under lock */
    td_feed *feed;              /* the change feed (dbchange.c) */
    sqlite3_blob *reader;       /* td_db_big_read's handle kept between calls (under lock), or NULL */
    LONGLONG reader_row;        /* ... its big_values row */
};

char   *td_db_to_utf8(const WCHAR *s);        /* internal memory */
WCHAR  *td_db_from_utf8(const char *s);       /* internal memory */
HRESULT td_db_hr(int rc);                     /* SQLite result -> MAPI error */
/* A prepared statement for `sql` (a string literal: cached by address), reset and unbound.
 * Caller holds db->lock. NULL on failure. Never finalize it. */
sqlite3_stmt *td_db_stmt(td_db *db, const char *sql);
/* The same for a statement on the connection's temporary tables only (staging): it leaves
 * the big-value reader open, since it reads nothing of the main database. */
sqlite3_stmt *td_db_stmt_temp(td_db *db, const char *sql);
/* Close the big-value reader (dbbig.c) if one is open, ending its read transaction. Caller
 * holds db->lock; every use of the connection but td_db_big_read and td_db_stmt_temp calls it
 * first, so no statement runs on a snapshot older than it would without the reader. */
void    td_db_reader_close(td_db *db);
void    td_db_stmt_cache_clear(td_db *db);
/* One integer from `sql` (caller holds db->lock); SQLite's code. */
int     td_db_query_int(td_db *db, const char *sql, sqlite3_int64 *out);
/* The change feed (dbchange.c): started when the file is opened, stopped before it closes
 * (the last outbox is flushed); td_db_commit / td_db_rollback pass the changes announced in a
 * transaction on once it ended (delivered only when it committed). */
HRESULT td_db_feed_start(td_db *db);
void    td_db_feed_stop(td_db *db);
td_change *td_db_feed_detach(td_db *db, ULONG *n);
void    td_db_feed_ended(td_db *db, td_change *changes, ULONG n, BOOL committed);
/* Test hook (bench_store, exported by tandem32.dll): SQL statements run by handles opened
 * while TANDEM_TEST_COUNT_SQL was set in the environment; 0 otherwise. */
LONG    td_db_test_sql_count(void);

#endif
