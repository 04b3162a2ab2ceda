/*
 * bench_contents.c - contents tables at a million rows (issue 4 point 6). Not a test: it
 * prints each step's time, the working set, and ratios to plain SQLite queries over the same
 * file in the same run.
 *
 * For each folder size (default 100,000 then 1,000,000 messages, 10 properties each, written
 * with plain SQL in the store's format - generation only), a child process measures through the
 * public MAPI API (MAPILogonEx, OpenMsgStore, OpenEntry of the Inbox, GetContentsTable):
 *   open    GetContentsTable + SetColumns (10 columns) + SortTable (PR_MESSAGE_DELIVERY_TIME
 *           descending, the default) + QueryRows(50)                       target <= 50 ms
 *   next    QueryRows(50)                                                  target <= 5 ms
 *   count   GetRowCount
 *   approx  SeekRowApprox(1, 2) + QueryRows(50)
 *   back    QueryRows(-50)
 *   memory  the process's working set with that table open               target <= 300 MB
 *   sort    SortTable(PR_SENDER_NAME_W) + QueryRows(50)                    target <= 2 s
 *   filter  Restrict(RES_CONTENT FL_SUBSTRING|FL_IGNORECASE on PR_SUBJECT_W) + QueryRows(50)
 *                                                                          target <= 1.5 s
 *           (and the peak working set after these two)
 *   two     SortTable(PR_SENDER_NAME_W, PR_MESSAGE_DELIVERY_TIME descending) + QueryRows(50),
 *           then the next QueryRows(50): a view the SQL source declines (the table holds
 *           lean rows: mapicore.h)
 *   categ   the same sort categorized by sender (cCategories 1, expanded) + QueryRows(50), and
 *           the working set after both
 * and, in the same child, plain SQLite over the same file for the same answers: the first and
 * the next 50 rows' property rows by the same index, the count, SQLite's own ORDER BY on the
 * sender column with LIMIT 50, and a scan of the subject rows matched in C.
 *
 * Run under Wine with minimapi registered (bench/run.sh): bench_contents.exe [big] [small]
 * [slow [keep]] (0 skips a size; keep: the profiles and store files stay, and the command that
 * measures them again is printed - for profiling). Profiles "tandem-bench-contents-N", files in %TEMP%.
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>
#include <sqlite3.h>
#include "db/db.h"
#include "benchmapi.h"

#ifndef PR_PST_PATH_W
#define PR_PST_PATH_W  PROP_TAG(PT_UNICODE, 0x6700)
#endif
#define PAGE 50

static double now_ms(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * 1000.0 / (double)f.QuadPart;
}

static void store_path(const char *profile, WCHAR *path)
{
    WCHAR tmp[MAX_PATH];
    GetTempPathW(MAX_PATH, tmp);
    swprintf(path, MAX_PATH, L"%lsbench-%hs.tandem", tmp, profile);
}

/* ---- generation ------------------------------------------------------------------------------ */

static const WCHAR *const words[] = {L"budget", L"Meeting", L"report", L"Invoice", L"travel", L"PROJECT",
    L"lunch", L"review", L"release", L"Contract", L"holiday", L"server", L"backup", L"question",
    L"update", L"agenda"};

/* Bind a string property row: PT_UNICODE values are kept as their UTF-16LE bytes (propser.c). */
static void put_string(sqlite3_stmt *st, sqlite3_int64 id, ULONG tag, const WCHAR *w)
{
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
    sqlite3_bind_int(st, 3, PT_UNICODE);
    sqlite3_bind_null(st, 4);
    sqlite3_bind_blob(st, 5, w, (int)(wcslen(w) * sizeof(WCHAR)), SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_reset(st);
}

/* Integer-like types keep their value in ival only. */
static void put_int(sqlite3_stmt *st, sqlite3_int64 id, ULONG tag, sqlite3_int64 v)
{
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, (int)PROP_ID(tag));
    sqlite3_bind_int(st, 3, (int)PROP_TYPE(tag));
    sqlite3_bind_int64(st, 4, v);
    sqlite3_bind_null(st, 5);
    sqlite3_step(st);
    sqlite3_reset(st);
}

/* Write `count` messages (10 properties each) into the Inbox of the store file with plain SQL
 * in the store's own row format, for speed - generation only: every measurement goes through
 * MAPI. The schema (and PR_MESSAGE_DELIVERY_TIME's sort_time trigger) is the store's. */
static BOOL fill_store(const char *profile, ULONG count, ULONGLONG *inbox)
{
    WCHAR path[MAX_PATH], subject[96], sender[48], to[48];
    GUID unused = {0};
    td_db *db = NULL;
    sqlite3 *h = NULL;
    sqlite3_stmt *obj = NULL, *prop = NULL;
    ULONGLONG base = 0x01D9000000000000ull;
    ULONG i, seed = 12345;
    char u8[MAX_PATH * 3];
    HRESULT hr;
    BOOL done = FALSE;

    store_path(profile, path);
    if (FAILED(td_db_open(path, &unused, NULL, &db, NULL))) return FALSE;
    hr = td_db_special_get(db, TD_ROLE_INBOX, inbox);
    td_db_release(db);
    if (FAILED(hr)) return FALSE;
    WideCharToMultiByte(CP_UTF8, 0, path, -1, u8, sizeof(u8), NULL, NULL);
    if (sqlite3_open(u8, &h) != SQLITE_OK) return FALSE;
    if (sqlite3_exec(h, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "INSERT INTO objects(parent_id, type, flags, created, modified, version, num) "
                              "VALUES (?, 5, 0, ?, ?, 1, 0)", -1, &obj, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "INSERT INTO properties(object_id, prop_id, type, ival, value) VALUES (?, ?, ?, ?, ?)",
                           -1, &prop, NULL) != SQLITE_OK)
        goto fail;
    for (i = 0; i < count; i++)
    {
        ULONGLONG when;
        sqlite3_int64 id;
        seed = seed * 1103515245u + 12345u;
        swprintf(subject, 96, L"%ls %ls no. %lu", words[(seed >> 8) % 16], words[(seed >> 16) % 16], (unsigned long)i);
        swprintf(sender, 48, L"Sender %04lu", (unsigned long)((seed >> 4) % 5000));
        swprintf(to, 48, L"Recipient %03lu", (unsigned long)(i % 997));
        /* about ten seconds apart, not in id order */
        when = base + (ULONGLONG)i * 100000000ull + (seed % 100000000u);
        sqlite3_bind_int64(obj, 1, (sqlite3_int64)*inbox);
        sqlite3_bind_int64(obj, 2, (sqlite3_int64)when);
        sqlite3_bind_int64(obj, 3, (sqlite3_int64)when);
        if (sqlite3_step(obj) != SQLITE_DONE) goto fail;
        sqlite3_reset(obj);
        id = sqlite3_last_insert_rowid(h);
        put_string(prop, id, PR_SUBJECT_W, subject);
        put_string(prop, id, PR_SENDER_NAME_W, sender);
        put_string(prop, id, PR_DISPLAY_TO_W, to);
        put_string(prop, id, PR_MESSAGE_CLASS_W, L"IPM.Note");
        put_int(prop, id, PR_MESSAGE_DELIVERY_TIME, (sqlite3_int64)when);
        put_int(prop, id, PR_CLIENT_SUBMIT_TIME, (sqlite3_int64)when);
        put_int(prop, id, PR_MESSAGE_FLAGS, seed % 3 ? MSGFLAG_READ : 0);
        put_int(prop, id, PR_MESSAGE_SIZE, 1000 + seed % 50000);
        put_int(prop, id, PR_IMPORTANCE, IMPORTANCE_NORMAL);
        put_int(prop, id, PR_HASATTACH, (seed % 7) == 0);
    }
    done = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
fail:
    if (!done) fprintf(stderr, "generation: %s\n", sqlite3_errmsg(h));
    sqlite3_finalize(obj);
    sqlite3_finalize(prop);
    sqlite3_close(h);
    return done;
}

/* ---- the child: measurements ------------------------------------------------------------------- */

static ULONG query(IMAPITable *t, LONG n)
{
    SRowSet *rows = NULL;
    ULONG got = 0;
    if (t->lpVtbl->QueryRows(t, n, 0, &rows) == S_OK)
    {
        got = rows->cRows;
        FreeProws(rows);
    }
    return got;
}

static double working_set_mb(BOOL peak)
{
    PROCESS_MEMORY_COUNTERS pmc;
    memset(&pmc, 0, sizeof(pmc));
    pmc.cb = sizeof(pmc);
    GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc));
    return (peak ? pmc.PeakWorkingSetSize : pmc.WorkingSetSize) / 1048576.0;
}

/* Plain SQLite: the property rows of `n` messages in the default order, from `offset`. */
static double sql_page(sqlite3 *h, ULONGLONG folder, ULONG offset)
{
    sqlite3_stmt *ids = NULL, *props = NULL;
    double t0 = now_ms();
    ULONG rows = 0;

    sqlite3_prepare_v2(h, "SELECT id FROM objects WHERE parent_id = ? AND type = 5 AND (flags & 64) = 0 "
                          "ORDER BY sort_time DESC, id LIMIT 50 OFFSET ?", -1, &ids, NULL);
    sqlite3_prepare_v2(h, "SELECT prop_id, type, ival, value FROM properties WHERE object_id = ?", -1, &props, NULL);
    sqlite3_bind_int64(ids, 1, (sqlite3_int64)folder);
    sqlite3_bind_int(ids, 2, (int)offset);
    while (sqlite3_step(ids) == SQLITE_ROW)
    {
        sqlite3_bind_int64(props, 1, sqlite3_column_int64(ids, 0));
        while (sqlite3_step(props) == SQLITE_ROW) rows++;
        sqlite3_reset(props);
    }
    sqlite3_finalize(ids);
    sqlite3_finalize(props);
    return rows ? now_ms() - t0 : -1;
}

static double sql_time(sqlite3 *h, const char *sql, ULONGLONG folder)
{
    sqlite3_stmt *st = NULL;
    double t0 = now_ms();
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)folder);
    while (sqlite3_step(st) == SQLITE_ROW) {}
    sqlite3_finalize(st);
    return now_ms() - t0;
}

/* Scan every subject of the folder and match in C (case-insensitive), stop at 50 matches. */
static double sql_filter(sqlite3 *h, ULONGLONG folder, const WCHAR *needle)
{
    sqlite3_stmt *st = NULL;
    double t0 = now_ms();
    WCHAR buf[512];
    ULONG found = 0;

    sqlite3_prepare_v2(h, "SELECT p.value FROM objects o JOIN properties p ON p.object_id = o.id AND p.prop_id = 55 "
                          "WHERE o.parent_id = ? AND o.type = 5 ORDER BY o.sort_time DESC, o.id", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)folder);
    while (found < PAGE && sqlite3_step(st) == SQLITE_ROW)
    {
        int cb = sqlite3_column_bytes(st, 0);
        if (cb > (int)sizeof(buf) - 2) cb = sizeof(buf) - 2;
        memcpy(buf, sqlite3_column_blob(st, 0), cb);
        buf[cb / 2] = 0;
        CharLowerW(buf);
        if (wcsstr(buf, needle)) found++;
    }
    sqlite3_finalize(st);
    return now_ms() - t0;
}

static void ratio(const char *what, double ours, double plain)
{
    printf("  %-44s %9.1f ms   plain SQLite %8.1f ms   ratio %6.1f\n", what, ours, plain,
           plain > 0 ? ours / plain : 0.0);
}

static int child(const char *profile, ULONGLONG folder, BOOL slow_steps)
{
    static const SizedSPropTagArray(10, cols) = {10, {PR_INSTANCE_KEY, PR_ENTRYID, PR_SUBJECT_W,
        PR_SENDER_NAME_W, PR_MESSAGE_DELIVERY_TIME, PR_MESSAGE_FLAGS, PR_MESSAGE_SIZE, PR_HASATTACH,
        PR_IMPORTANCE, PR_MESSAGE_CLASS_W}};
    static const SizedSSortOrderSet(1, newest) = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    static const SizedSSortOrderSet(1, by_sender) = {1, 0, 0, {{PR_SENDER_NAME_W, TABLE_SORT_ASCEND}}};
    static const SizedSSortOrderSet(2, two_cols) = {2, 0, 0, {{PR_SENDER_NAME_W, TABLE_SORT_ASCEND},
        {PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    static const SizedSSortOrderSet(2, by_sender_cat) = {2, 1, 1, {{PR_SENDER_NAME_W, TABLE_SORT_ASCEND},
        {PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    double t_two = -1, t_two_next = -1, t_cat = -1, ws_views = -1;
    double t0, t_logon, t_open, t_next, t_count, t_approx, t_back, t_sort = -1, t_filter = -1, ws, peak, peak_slow = 0;
    WCHAR path[MAX_PATH];
    IMAPITable *t = NULL;
    SPropValue needle;
    SRestriction res;
    bench_session s;
    ULONG n = 0, got, got_next, got_approx, got_back;
    sqlite3 *h = NULL;
    char u8[MAX_PATH * 3];

    if (MAPIInitialize(NULL) != S_OK) return 2;
    t0 = now_ms();
    if (!bench_logon(profile, &s)) return 3;
    t_logon = now_ms() - t0;

    t0 = now_ms();
    if (s.inbox->lpVtbl->GetContentsTable(s.inbox, MAPI_UNICODE, &t) != S_OK) return 4;
    t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
    t->lpVtbl->SortTable(t, (SSortOrderSet *)&newest, 0);
    got = query(t, PAGE);
    t_open = now_ms() - t0;
    t0 = now_ms();
    got_next = query(t, PAGE);
    t_next = now_ms() - t0;
    t0 = now_ms();
    t->lpVtbl->GetRowCount(t, 0, &n);
    t_count = now_ms() - t0;
    t0 = now_ms();
    t->lpVtbl->SeekRowApprox(t, 1, 2);
    got_approx = query(t, PAGE);
    t_approx = now_ms() - t0;
    t0 = now_ms();
    got_back = query(t, -PAGE);
    t_back = now_ms() - t0;
    ws = working_set_mb(FALSE);
    peak = working_set_mb(TRUE);
    if (slow_steps)
    {
        t0 = now_ms();
        t->lpVtbl->SortTable(t, (SSortOrderSet *)&by_sender, 0);
        query(t, PAGE);
        t_sort = now_ms() - t0;
        t->lpVtbl->SortTable(t, (SSortOrderSet *)&newest, 0);
        needle.ulPropTag = PR_SUBJECT_W;
        needle.Value.lpszW = (WCHAR *)L"budget meeting";
        res.rt = RES_CONTENT;
        res.res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
        res.res.resContent.ulPropTag = PR_SUBJECT_W;
        res.res.resContent.lpProp = &needle;
        t0 = now_ms();
        t->lpVtbl->Restrict(t, &res, 0);
        query(t, PAGE);
        t_filter = now_ms() - t0;
        peak_slow = working_set_mb(TRUE);
        t->lpVtbl->Restrict(t, NULL, 0);
        t0 = now_ms();
        t->lpVtbl->SortTable(t, (SSortOrderSet *)&two_cols, 0);
        query(t, PAGE);
        t_two = now_ms() - t0;
        t0 = now_ms();
        query(t, PAGE);
        t_two_next = now_ms() - t0;
        t0 = now_ms();
        t->lpVtbl->SortTable(t, (SSortOrderSet *)&by_sender_cat, 0);
        query(t, PAGE);
        t_cat = now_ms() - t0;
        ws_views = working_set_mb(FALSE);
    }
    t->lpVtbl->Release(t);
    bench_logoff(&s);
    MAPIUninitialize();

    printf("%lu messages in the Inbox (rows read: %lu, %lu, %lu, %lu)\n", (unsigned long)n, (unsigned long)got,
           (unsigned long)got_next, (unsigned long)got_approx, (unsigned long)got_back);
    printf("  %-44s %9.1f ms\n", "logon + OpenMsgStore + OpenEntry(Inbox)", t_logon);
    store_path(profile, path);
    WideCharToMultiByte(CP_UTF8, 0, path, -1, u8, sizeof(u8), NULL, NULL);
    if (sqlite3_open_v2(u8, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) return 5;
    sql_page(h, folder, 0);     /* the plain side gets a warm cache too */
    ratio("open+SetColumns+SortTable+QueryRows(50)", t_open, sql_page(h, folder, 0));
    ratio("next QueryRows(50)", t_next, sql_page(h, folder, PAGE));
    ratio("GetRowCount", t_count, sql_time(h, "SELECT count(*) FROM objects WHERE parent_id = ? AND type = 5 AND (flags & 64) = 0", folder));
    ratio("SeekRowApprox(1/2)+QueryRows(50)", t_approx, sql_page(h, folder, n / 2));
    ratio("QueryRows(-50)", t_back, sql_page(h, folder, n / 2 - PAGE));
    printf("  %-44s %9.1f MB (peak %.1f MB)\n", "working set with the table open", ws, peak);
    if (slow_steps)
    {
        ratio("SortTable(sender)+QueryRows(50)", t_sort,
              sql_time(h, "SELECT o.id FROM objects o JOIN properties p ON p.object_id = o.id AND p.prop_id = 3098 "
                          "WHERE o.parent_id = ? AND o.type = 5 ORDER BY p.value LIMIT 50", folder));
        ratio("Restrict(substring subject)+QueryRows(50)", t_filter, sql_filter(h, folder, L"budget meeting"));
        printf("  %-44s %9.1f MB\n", "peak working set after the sort and filter", peak_slow);
        ratio("SortTable(sender, time)+QueryRows(50)", t_two,
              sql_time(h, "SELECT o.id FROM objects o LEFT JOIN properties p ON p.object_id = o.id AND p.prop_id = 3098 "
                          "WHERE o.parent_id = ? AND o.type = 5 ORDER BY p.value, o.sort_time DESC LIMIT 50", folder));
        printf("  %-44s %9.1f ms\n", "  next QueryRows(50)", t_two_next);
        ratio("categorized by sender+QueryRows(50)", t_cat,
              sql_time(h, "SELECT p.value, count(*) FROM objects o JOIN properties p ON p.object_id = o.id "
                          "AND p.prop_id = 3098 WHERE o.parent_id = ? AND o.type = 5 GROUP BY p.value "
                          "ORDER BY p.value LIMIT 50", folder));
        printf("  %-44s %9.1f MB\n", "working set after those views", ws_views);
    }
    else
        printf("  sort and restriction steps skipped at this size (bench_contents.exe ... slow)\n");
    sqlite3_close(h);
    return 0;
}

/* Run this program as `child PROFILE FOLDER SLOW`, its output on ours. */
static void run_child(const char *profile, ULONGLONG folder, BOOL slow)
{
    char exe[MAX_PATH], cmd[MAX_PATH + 128];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;

    GetModuleFileNameA(NULL, exe, MAX_PATH);
    snprintf(cmd, sizeof(cmd), "\"%s\" child %s %llu %d", exe, profile, (unsigned long long)folder, slow);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    fflush(stdout);
    if (!CreateProcessA(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    {
        fprintf(stderr, "cannot start the child\n");
        return;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}

static void one_size(ULONG count, BOOL slow, BOOL keep)
{
    char profile[64];
    WCHAR path[MAX_PATH];
    SPropValue name;
    ULONGLONG inbox = 0;
    bench_session s;
    double t0;

    snprintf(profile, sizeof(profile), "tandem-bench-contents-%lu", (unsigned long)count);
    store_path(profile, path);
    name.ulPropTag = PR_DISPLAY_NAME_W;
    name.Value.lpszW = (WCHAR *)L"Bench";
    if (!bench_profile_create(profile, path, 1, &name) || !bench_logon(profile, &s))
    {
        fprintf(stderr, "cannot set up %s\n", profile);
        return;
    }
    bench_logoff(&s);     /* provisioned; closed */
    t0 = now_ms();
    if (!fill_store(profile, count, &inbox))
    {
        fprintf(stderr, "filling %s failed\n", profile);
        return;
    }
    printf("== %lu messages written with plain SQL in %.1f s\n", (unsigned long)count, (now_ms() - t0) / 1000);
    run_child(profile, inbox, slow);
    if (keep)
        printf("kept for profiling: bench_contents.exe child %s %llu 1\n", profile, (unsigned long long)inbox);
    else
        bench_profile_delete(profile, path);
}

int main(int argc, char **argv)
{
    ULONG big, small;
    BOOL slow, keep;

    if (argc >= 5 && !strcmp(argv[1], "child"))
        return child(argv[2], _strtoui64(argv[3], NULL, 10), atoi(argv[4]));
    big = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    small = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
    slow = argc > 3 && !strcmp(argv[3], "slow");
    keep = argc > 4 && !strcmp(argv[4], "keep");
    if (MAPIInitialize(NULL) != S_OK)
    {
        fprintf(stderr, "MAPIInitialize failed\n");
        return 1;
    }
    if (small) one_size(small, TRUE, keep);
    if (big) one_size(big, slow, keep);
    MAPIUninitialize();
    return 0;
}
