/*
 * dbchange.c - the change feed: how every session of every process learns what changed in a
 * store file (db.h, "the change feed").
 *
 * In the process: td_db_announce hands each change at once to every listener of the td_db
 * (each logon's table caches), or, inside a transaction, right after its outermost commit
 * (td_db_feed_committed; a rollback drops them: td_db_feed_rolled_back).
 * Between processes: announced changes also go to an outbox that a feed thread writes into the
 * file's change_log table (one transaction per TD_FEED_PERIOD_MS, not one per change, so a save
 * pays no extra statement); the same thread reads the rows other processes wrote (origin != ours)
 * when PRAGMA data_version says another connection committed, and hands them to the listeners.
 * change_log keeps the last TD_FEED_KEEP rows; a reader that fell further behind gets
 * TD_CHANGE_RESYNC (reload everything) instead of the rows it missed.
 *
 * Locks: feed_cs guards the listener list, the outbox and the pending list; it is never held
 * while a listener runs (listeners are pinned by a count instead) nor while waiting for
 * db->lock. poll_cs serialises readers of change_log (the thread and td_db_catch_up).
 */
#include <assert.h>
#include "db_int.h"

#define TD_FEED_PERIOD_MS 40
#define TD_FEED_KEEP 20000
#define TD_FEED_OUTBOX_MAX 100000

static const td_change resync_change = {TD_CHANGE_RESYNC, 0, 0, 0, 0, 0, 0};

struct td_listener
{
    td_change_fn fn;
    void *ctx;
    LONG busy;              /* deliveries running (under feed_cs) */
    BOOL gone;              /* unlistened: skip, free when busy drops to 0 */
};

struct td_feed
{
    CRITICAL_SECTION feed_cs;
    CRITICAL_SECTION poll_cs;
    struct td_listener **listeners;
    ULONG n_listeners, cap_listeners;
    td_change *outbox;              /* for change_log */
    ULONG n_outbox, cap_outbox;
    BOOL outbox_overflow;           /* changes were dropped: write a RESYNC row */
    td_change *pending;             /* announced inside the open transaction */
    ULONG n_pending, cap_pending;
    LONGLONG origin;                /* this process's mark on its change_log rows */
    sqlite3_int64 last_seq;         /* under poll_cs: newest change_log row read */
    sqlite3_int64 data_version;     /* under poll_cs: PRAGMA data_version at the last read */
    HANDLE thread, stop;
    ULONG flushes;
};

static HRESULT push(td_change **arr, ULONG *n, ULONG *cap, const td_change *c)
{
    if (*n == *cap)
    {
        ULONG ncap = *cap ? *cap * 2 : 16;
        td_change *p = mc_realloc(*arr, ncap * sizeof(**arr));
        if (!p) return MAPI_E_NOT_ENOUGH_MEMORY;
        *arr = p;
        *cap = ncap;
    }
    (*arr)[(*n)++] = *c;
    return S_OK;
}

/* Hand `n` changes to every listener; no lock held while a listener runs. */
static void deliver(td_feed *f, const td_change *changes, ULONG n)
{
    struct td_listener **snap = NULL;
    ULONG count = 0, i, j;

    if (!n) return;
    EnterCriticalSection(&f->feed_cs);
    if (f->n_listeners && (snap = mc_malloc(f->n_listeners * sizeof(*snap))))
        for (i = 0; i < f->n_listeners; i++)
            if (!f->listeners[i]->gone)
            {
                f->listeners[i]->busy++;
                snap[count++] = f->listeners[i];
            }
    LeaveCriticalSection(&f->feed_cs);
    for (i = 0; i < count; i++)
        for (j = 0; j < n && !snap[i]->gone; j++)
            snap[i]->fn(snap[i]->ctx, &changes[j]);
    EnterCriticalSection(&f->feed_cs);
    for (i = 0; i < count; i++) snap[i]->busy--;
    LeaveCriticalSection(&f->feed_cs);
    mc_free(snap);
}

/* INSERT of `rows` change_log rows (7 values each): prepared per flush, not cached. */
#define TD_FEED_ROWS_PER_INSERT 128
static sqlite3_stmt *insert_rows(td_db *db, ULONG rows)
{
    static const char head[] = "INSERT INTO change_log(origin, kind, event, parent_id, object_id, old_parent_id, old_id) VALUES ";
    static const char row[] = "(?,?,?,?,?,?,?),";
    /* kind carries the flags above its low byte */
    char sql[sizeof(head) + TD_FEED_ROWS_PER_INSERT * (sizeof(row) - 1)];
    sqlite3_stmt *st = NULL;
    ULONG i, len = sizeof(head) - 1;

    memcpy(sql, head, len);
    for (i = 0; i < rows; i++, len += sizeof(row) - 1) memcpy(sql + len, row, sizeof(row) - 1);
    sql[len - 1] = 0;   /* the last comma */
    if (sqlite3_prepare_v2(db->h, sql, (int)len, &st, NULL) != SQLITE_OK) return NULL;
    return st;
}

/* Write the outbox into change_log: one transaction, one statement per 128 changes (a save
 * pays nothing for the feed but its share of that). */
static void flush(td_db *db)
{
    static const char prune[] = "DELETE FROM change_log WHERE seq <= (SELECT max(seq) FROM change_log) - ?";
    td_feed *f = db->feed;
    td_change *box;
    ULONG n, total, i, j;
    BOOL overflow;
    HRESULT hr;

    EnterCriticalSection(&f->feed_cs);
    box = f->outbox;
    n = f->n_outbox;
    overflow = f->outbox_overflow;
    f->outbox = NULL;
    f->n_outbox = f->cap_outbox = 0;
    f->outbox_overflow = FALSE;
    LeaveCriticalSection(&f->feed_cs);
    if (!n && !overflow) return;
    total = n + (overflow ? 1 : 0);

    if (SUCCEEDED(hr = td_db_begin(db)))
    {
        sqlite3_stmt *st;
        for (i = 0; i < total && SUCCEEDED(hr); i += j)
        {
            ULONG rows = min(total - i, (ULONG)TD_FEED_ROWS_PER_INSERT);
            if (!(st = insert_rows(db, rows))) { hr = td_db_hr(sqlite3_errcode(db->h)); break; }
            for (j = 0; j < rows; j++)
            {
                const td_change *c = i + j < n ? &box[i + j] : &resync_change;
                int k = (int)j * 7;
                sqlite3_bind_int64(st, k + 1, f->origin);
                sqlite3_bind_int(st, k + 2, (int)(c->kind | c->flags << 8));
                sqlite3_bind_int(st, k + 3, (int)c->event);
                sqlite3_bind_int64(st, k + 4, (sqlite3_int64)c->parent);
                sqlite3_bind_int64(st, k + 5, (sqlite3_int64)c->id);
                sqlite3_bind_int64(st, k + 6, (sqlite3_int64)c->old_parent);
                sqlite3_bind_int64(st, k + 7, (sqlite3_int64)c->old_id);
            }
            if (sqlite3_step(st) != SQLITE_DONE) hr = td_db_hr(sqlite3_errcode(db->h));
            sqlite3_finalize(st);
        }
        if (SUCCEEDED(hr) && ++f->flushes % 64 == 0 && (st = td_db_stmt(db, prune)))
        {
            sqlite3_bind_int64(st, 1, TD_FEED_KEEP);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        if (SUCCEEDED(hr)) hr = td_db_commit(db);
        else td_db_rollback(db);
    }
    if (FAILED(hr))
    {
        /* busy or full: keep them for the next round (bounded) */
        EnterCriticalSection(&f->feed_cs);
        for (i = 0; i < n; i++)
            if (f->n_outbox >= TD_FEED_OUTBOX_MAX || FAILED(push(&f->outbox, &f->n_outbox, &f->cap_outbox, &box[i])))
                f->outbox_overflow = TRUE;
        if (overflow) f->outbox_overflow = TRUE;
        LeaveCriticalSection(&f->feed_cs);
    }
    mc_free(box);
}

/* Read what other processes wrote since the last read and deliver it. */
static void poll(td_db *db)
{
    static const char sql[] = "SELECT seq, origin, kind, event, parent_id, object_id, old_parent_id, old_id"
                              " FROM change_log WHERE seq > ? ORDER BY seq";
    static const char sql_min[] = "SELECT min(seq) FROM change_log";
    static const char sql_version[] = "PRAGMA data_version";
    td_feed *f = db->feed;
    td_change *got = NULL;
    ULONG n = 0, cap = 0;
    sqlite3_int64 version = 0, first = 0;
    sqlite3_stmt *st;
    BOOL gap = FALSE;

    EnterCriticalSection(&f->poll_cs);
    EnterCriticalSection(&db->lock);
    if ((st = td_db_stmt(db, sql_version)) && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int64(st, 0);
    if (st) sqlite3_reset(st);
    if (version && version != f->data_version)
    {
        f->data_version = version;
        if ((st = td_db_stmt(db, sql_min)))
        {
            if (sqlite3_step(st) == SQLITE_ROW) first = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            gap = first > f->last_seq + 1;
        }
        if ((st = td_db_stmt(db, sql)))
        {
            sqlite3_bind_int64(st, 1, f->last_seq);
            while (sqlite3_step(st) == SQLITE_ROW)
            {
                td_change c;
                f->last_seq = sqlite3_column_int64(st, 0);
                if (sqlite3_column_int64(st, 1) == f->origin) continue;
                c.kind = (ULONG)sqlite3_column_int(st, 2) & 0xff;
                c.flags = (ULONG)sqlite3_column_int(st, 2) >> 8;
                c.event = (ULONG)sqlite3_column_int(st, 3);
                c.parent = (ULONGLONG)sqlite3_column_int64(st, 4);
                c.id = (ULONGLONG)sqlite3_column_int64(st, 5);
                c.old_parent = (ULONGLONG)sqlite3_column_int64(st, 6);
                c.old_id = (ULONGLONG)sqlite3_column_int64(st, 7);
                if (c.kind == TD_CHANGE_RESYNC || FAILED(push(&got, &n, &cap, &c))) gap = TRUE;
            }
            sqlite3_reset(st);
        }
    }
    LeaveCriticalSection(&db->lock);
    if (gap)
    {
        deliver(f, &resync_change, 1);
    }
    else deliver(f, got, n);
    LeaveCriticalSection(&f->poll_cs);
    mc_free(got);
}

static DWORD WINAPI feed_thread(void *arg)
{
    td_db *db = arg;
    td_feed *f = db->feed;
    BOOL stopping = FALSE;

    while (!stopping)
    {
        BOOL watch;
        stopping = WaitForSingleObject(f->stop, TD_FEED_PERIOD_MS) == WAIT_OBJECT_0;
        flush(db);
        EnterCriticalSection(&f->feed_cs);
        watch = f->n_listeners > 0;
        LeaveCriticalSection(&f->feed_cs);
        if (watch && !stopping) poll(db);
    }
    return 0;
}

static LONGLONG make_origin(void)
{
    FILETIME created, exited, kernel, user;
    LONGLONG o = (LONGLONG)GetCurrentProcessId() << 32;
    if (GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user))
        o ^= ((LONGLONG)created.dwHighDateTime << 16) ^ created.dwLowDateTime;
    return o ? o : 1;
}

HRESULT td_db_feed_start(td_db *db)
{
    static const char sql_max[] = "SELECT coalesce(max(seq), 0) FROM change_log";
    td_feed *f;

    if (!(f = mc_calloc(1, sizeof(*f)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    InitializeCriticalSection(&f->feed_cs);
    InitializeCriticalSection(&f->poll_cs);
    f->origin = make_origin();
    db->feed = f;
    EnterCriticalSection(&db->lock);
    td_db_query_int(db, sql_max, &f->last_seq);
    td_db_query_int(db, "PRAGMA data_version", &f->data_version);
    LeaveCriticalSection(&db->lock);
    if (!(f->stop = CreateEventW(NULL, TRUE, FALSE, NULL)) ||
        !(f->thread = CreateThread(NULL, 0, feed_thread, db, 0, NULL)))
    {
        td_db_feed_stop(db);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    return S_OK;
}

void td_db_feed_stop(td_db *db)
{
    td_feed *f = db->feed;
    ULONG i;

    if (!f) return;
    if (f->thread)
    {
        SetEvent(f->stop);      /* the thread flushes once more and ends */
        WaitForSingleObject(f->thread, INFINITE);
        CloseHandle(f->thread);
    }
    else flush(db);
    if (f->stop) CloseHandle(f->stop);
    for (i = 0; i < f->n_listeners; i++) mc_free(f->listeners[i]);
    mc_free(f->listeners);
    mc_free(f->outbox);
    mc_free(f->pending);
    DeleteCriticalSection(&f->poll_cs);
    DeleteCriticalSection(&f->feed_cs);
    mc_free(f);
    db->feed = NULL;
}

HRESULT td_db_listen(td_db *db, td_change_fn fn, void *ctx)
{
    td_feed *f = db->feed;
    struct td_listener *l;
    HRESULT hr = S_OK;

    if (!f || !fn) return MAPI_E_INVALID_PARAMETER;
    if (!(l = mc_calloc(1, sizeof(*l)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    l->fn = fn;
    l->ctx = ctx;
    EnterCriticalSection(&f->feed_cs);
    if (f->n_listeners == f->cap_listeners)
    {
        ULONG ncap = f->cap_listeners ? f->cap_listeners * 2 : 4;
        struct td_listener **p = mc_realloc(f->listeners, ncap * sizeof(*p));
        if (p) { f->listeners = p; f->cap_listeners = ncap; }
        else hr = MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (SUCCEEDED(hr)) f->listeners[f->n_listeners++] = l;
    LeaveCriticalSection(&f->feed_cs);
    if (FAILED(hr)) mc_free(l);
    return hr;
}

void td_db_unlisten(td_db *db, td_change_fn fn, void *ctx)
{
    td_feed *f = db->feed;
    struct td_listener *l = NULL;
    ULONG i;

    if (!f) return;
    EnterCriticalSection(&f->feed_cs);
    for (i = 0; i < f->n_listeners; i++)
        if (f->listeners[i]->fn == fn && f->listeners[i]->ctx == ctx)
        {
            l = f->listeners[i];
            l->gone = TRUE;
            f->listeners[i] = f->listeners[--f->n_listeners];
            break;
        }
    /* a delivery may be running in another thread: wait for it to leave the listener */
    while (l && l->busy)
    {
        LeaveCriticalSection(&f->feed_cs);
        Sleep(1);
        EnterCriticalSection(&f->feed_cs);
    }
    LeaveCriticalSection(&f->feed_cs);
    mc_free(l);
}

/* Is this thread inside a transaction of db? (db->lock is held by a thread in a transaction
 * for the whole transaction; only that thread can see tx_depth > 0 while holding it.) */
static BOOL in_transaction(td_db *db)
{
    BOOL in;
    if (!TryEnterCriticalSection(&db->lock)) return FALSE;
    in = db->tx_depth > 0;
    LeaveCriticalSection(&db->lock);
    return in;
}

void td_db_announce(td_db *db, const td_change *c)
{
    td_feed *f = db->feed;

    if (!f || !c) return;
    if (in_transaction(db))
    {
        /* after the commit (td_db_feed_ended), or never (rollback) */
        EnterCriticalSection(&f->feed_cs);
        if (FAILED(push(&f->pending, &f->n_pending, &f->cap_pending, c))) f->outbox_overflow = TRUE;
        LeaveCriticalSection(&f->feed_cs);
        return;
    }
    EnterCriticalSection(&f->feed_cs);
    if (f->n_outbox >= TD_FEED_OUTBOX_MAX || FAILED(push(&f->outbox, &f->n_outbox, &f->cap_outbox, c)))
        f->outbox_overflow = TRUE;
    LeaveCriticalSection(&f->feed_cs);
    deliver(f, c, 1);
}

/* The changes announced inside the transaction that is ending: td_db_commit / td_db_rollback
 * take them on the outermost level while still holding db->lock (so no other thread's
 * transaction can take them), and hand them to td_db_feed_ended once the lock is left. */
td_change *td_db_feed_detach(td_db *db, ULONG *n)
{
    td_feed *f = db->feed;
    td_change *pend;

    *n = 0;
    if (!f) return NULL;
    EnterCriticalSection(&f->feed_cs);
    pend = f->pending;
    *n = f->n_pending;
    f->pending = NULL;
    f->n_pending = f->cap_pending = 0;
    LeaveCriticalSection(&f->feed_cs);
    return pend;
}

void td_db_feed_ended(td_db *db, td_change *pend, ULONG n, BOOL committed)
{
    td_feed *f = db->feed;
    ULONG i;

    if (!f || !n) { mc_free(pend); return; }
    EnterCriticalSection(&f->feed_cs);
    if (committed)
        for (i = 0; i < n; i++)
            if (f->n_outbox >= TD_FEED_OUTBOX_MAX || FAILED(push(&f->outbox, &f->n_outbox, &f->cap_outbox, &pend[i])))
                f->outbox_overflow = TRUE;
    LeaveCriticalSection(&f->feed_cs);
    if (committed) deliver(f, pend, n);
    mc_free(pend);
}

void td_db_catch_up(td_db *db)
{
    if (db->feed && !in_transaction(db)) poll(db);
}
