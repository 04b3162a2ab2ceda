/*
 * bench_store.c - the message store's save path and memory (issue 3 point 11). Not a test:
 * it prints numbers and ratios against baselines measured in the same run.
 *
 * 1. SaveChanges of new messages (20 properties, 2 KB body) through the public MAPI API per
 *    second, against plain SQLite (same PRAGMAs as the store: WAL, synchronous=NORMAL)
 *    inserting the same bytes, one transaction per message. Target ratio >= 0.7. The machine's
 *    load swings, so the two are measured in alternating rounds (MAPI, plain, MAPI, plain...)
 *    and compared by their medians. Two baselines: "rows" keeps each property value in a row
 *    of its own (one message row + 20 property rows, the layout of the first
 *    measurement); "blob" writes the message as one row holding all 20 values serialised
 *    (the least SQLite work for the same bytes). The ratio of the target is against "rows";
 *    the "blob" ratio is printed too. SQL statements per SaveChanges are counted by the
 *    store's test hook (TANDEM_TEST_COUNT_SQL, td_db_test_sql_count exported by tandem32.dll).
 * 2. The peak working set (PROCESS_MEMORY_COUNTERS.PeakWorkingSetSize) of a process whose
 *    session opened a store of 100,000 messages (contents table of the Inbox, row count, one
 *    page of rows), against the same process over a new, empty store. The 100,000 messages
 *    are written through the store's db layer in one transaction (fast), not through MAPI.
 *
 * Run: bench_store.exe [messages per round] [messages in the big store] [rounds]. Uses profiles
 * "tandem-bench-save", "tandem-bench-big" and "tandem-bench-empty" and files in %TEMP%.
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
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
#define NPROPS    20
#define BODY_SIZE 2048

static double now_s(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

static void store_path(const char *profile, WCHAR *path)
{
    WCHAR tmp[MAX_PATH];
    GetTempPathW(MAX_PATH, tmp);
    swprintf(path, MAX_PATH, L"%lsbench-%hs.tandem", tmp, profile);
}

static BOOL make_profile(const char *profile)
{
    SPropValue name;
    WCHAR path[MAX_PATH];
    store_path(profile, path);
    name.ulPropTag = PR_DISPLAY_NAME_W;
    name.Value.lpszW = (WCHAR *)L"Bench";
    return bench_profile_create(profile, path, 1, &name);
}

static void drop_profile(const char *profile)
{
    WCHAR path[MAX_PATH];
    store_path(profile, path);
    bench_profile_delete(profile, path);
}

/* The 20 properties of a benchmark message (2 KB body); strings point into `body`/`subject`. */
static void message_props(SPropValue *p, ULONG i, char *subject, char *body)
{
    static BYTE key[16];
    ULONG n = 0, k;

    snprintf(subject, 64, "Benchmark message %lu", (unsigned long)i);
    memset(body, 'a' + (char)(i % 26), BODY_SIZE);
    body[BODY_SIZE] = 0;
    p[n].ulPropTag = PR_SUBJECT_A;          p[n++].Value.lpszA = subject;
    p[n].ulPropTag = PR_BODY_A;             p[n++].Value.lpszA = body;
    p[n].ulPropTag = PR_MESSAGE_CLASS_A;    p[n++].Value.lpszA = (char *)"IPM.Note";
    p[n].ulPropTag = PR_SENDER_NAME_A;      p[n++].Value.lpszA = (char *)"Bench Sender";
    p[n].ulPropTag = PR_SENDER_EMAIL_ADDRESS_A; p[n++].Value.lpszA = (char *)"sender@example.test";
    p[n].ulPropTag = PR_SENDER_ADDRTYPE_A;  p[n++].Value.lpszA = (char *)"SMTP";
    p[n].ulPropTag = PR_IMPORTANCE;         p[n++].Value.l = IMPORTANCE_NORMAL;
    p[n].ulPropTag = PR_PRIORITY;           p[n++].Value.l = PRIO_NORMAL;
    p[n].ulPropTag = PR_SENSITIVITY;        p[n++].Value.l = SENSITIVITY_NONE;
    p[n].ulPropTag = PROP_TAG(PT_LONG, 0x3FDE); p[n++].Value.l = 65001;   /* PR_INTERNET_CPID */
    p[n].ulPropTag = PR_CLIENT_SUBMIT_TIME; GetSystemTimeAsFileTime(&p[n++].Value.ft);
    p[n].ulPropTag = PR_MESSAGE_DELIVERY_TIME; GetSystemTimeAsFileTime(&p[n++].Value.ft);
    p[n].ulPropTag = PR_CONVERSATION_TOPIC_A; p[n++].Value.lpszA = subject;
    p[n].ulPropTag = PR_NORMALIZED_SUBJECT_A; p[n++].Value.lpszA = subject;
    p[n].ulPropTag = PROP_TAG(PT_STRING8, 0x1035); p[n++].Value.lpszA = (char *)"<bench@example.test>";
    p[n].ulPropTag = PR_CONVERSATION_INDEX; p[n].Value.bin.cb = sizeof(key); p[n++].Value.bin.lpb = key;
    p[n].ulPropTag = PR_READ_RECEIPT_REQUESTED; p[n++].Value.b = FALSE;
    p[n].ulPropTag = PR_ORIGINATOR_DELIVERY_REPORT_REQUESTED; p[n++].Value.b = FALSE;
    p[n].ulPropTag = PR_RTF_IN_SYNC;        p[n++].Value.b = TRUE;
    p[n].ulPropTag = PROP_TAG(PT_LONG, 0x6810); p[n++].Value.l = (LONG)i;
    for (k = 0; k < sizeof(key); k++) key[k] = (BYTE)(i + k);
}

/* The baseline database: open over the whole run (like the store), same PRAGMAs. */
typedef struct baseline
{
    sqlite3 *h;
    sqlite3_stmt *msg, *prop, *blob;
    WCHAR path[MAX_PATH];
} baseline;

static BOOL baseline_open(baseline *b)
{
    char path[MAX_PATH];

    memset(b, 0, sizeof(*b));
    store_path("baseline", b->path);
    DeleteFileW(b->path);
    WideCharToMultiByte(CP_UTF8, 0, b->path, -1, path, MAX_PATH, NULL, NULL);
    if (sqlite3_open(path, &b->h) != SQLITE_OK) return FALSE;
    sqlite3_exec(b->h, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                       "CREATE TABLE msgs (id INTEGER PRIMARY KEY, folder INTEGER);"
                       "CREATE TABLE props (msg INTEGER, tag INTEGER, value BLOB, PRIMARY KEY (msg, tag)) WITHOUT ROWID;"
                       "CREATE TABLE blobs (id INTEGER PRIMARY KEY, folder INTEGER, value BLOB);",
                 NULL, NULL, NULL);
    return sqlite3_prepare_v2(b->h, "INSERT INTO msgs(folder) VALUES (1)", -1, &b->msg, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(b->h, "INSERT INTO props VALUES (?, ?, ?)", -1, &b->prop, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(b->h, "INSERT INTO blobs(folder, value) VALUES (1, ?)", -1, &b->blob, NULL) == SQLITE_OK;
}

static void baseline_close(baseline *b)
{
    sqlite3_finalize(b->msg);
    sqlite3_finalize(b->prop);
    sqlite3_finalize(b->blob);
    sqlite3_close(b->h);
    DeleteFileW(b->path);
}

/* The bytes of value k: where they are and how many. */
static const void *value_bytes(const SPropValue *v, int *cb)
{
    switch (PROP_TYPE(v->ulPropTag))
    {
    case PT_STRING8: *cb = (int)strlen(v->Value.lpszA); return v->Value.lpszA;
    case PT_BINARY:  *cb = (int)v->Value.bin.cb; return v->Value.bin.lpb;
    default:         *cb = 8; return &v->Value;
    }
}

/* The same bytes into plain SQLite, one transaction per message: `rows` one row per
 * property, else one row holding tag + length + bytes of every value. Per second. */
static double sqlite_baseline(baseline *b, ULONG count, BOOL rows)
{
    static char body[BODY_SIZE + 1];
    static BYTE ser[BODY_SIZE + 1024];
    SPropValue p[NPROPS];
    char subject[64];
    double t0;
    ULONG i, k;

    t0 = now_s();
    for (i = 0; i < count; i++)
    {
        message_props(p, i, subject, body);
        sqlite3_exec(b->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rows)
        {
            sqlite3_int64 id;
            sqlite3_step(b->msg);
            sqlite3_reset(b->msg);
            id = sqlite3_last_insert_rowid(b->h);
            for (k = 0; k < NPROPS; k++)
            {
                int cb;
                const void *bytes = value_bytes(&p[k], &cb);
                sqlite3_bind_int64(b->prop, 1, id);
                sqlite3_bind_int(b->prop, 2, (int)p[k].ulPropTag);
                sqlite3_bind_blob(b->prop, 3, bytes, cb, SQLITE_STATIC);
                sqlite3_step(b->prop);
                sqlite3_reset(b->prop);
            }
        }
        else
        {
            ULONG n = 0;
            for (k = 0; k < NPROPS; k++)
            {
                int cb;
                const void *bytes = value_bytes(&p[k], &cb);
                memcpy(ser + n, &p[k].ulPropTag, 4);
                memcpy(ser + n + 4, &cb, 4);
                memcpy(ser + n + 8, bytes, cb);
                n += 8 + cb;
            }
            sqlite3_bind_blob(b->blob, 1, ser, (int)n, SQLITE_STATIC);
            sqlite3_step(b->blob);
            sqlite3_reset(b->blob);
        }
        sqlite3_exec(b->h, "COMMIT", NULL, NULL, NULL);
    }
    return count / (now_s() - t0);
}

/* New messages through MAPI: CreateMessage, SetProps, SaveChanges, Release. Per second. */
static double mapi_saves(bench_session *s, ULONG count)
{
    static char body[BODY_SIZE + 1];
    SPropValue p[NPROPS];
    char subject[64];
    double t0;
    ULONG i;

    t0 = now_s();
    for (i = 0; i < count; i++)
    {
        IMessage *m = NULL;
        message_props(p, i, subject, body);
        if (s->inbox->lpVtbl->CreateMessage(s->inbox, NULL, 0, &m) != S_OK) return 0;
        m->lpVtbl->SetProps(m, NPROPS, p, NULL);
        if (m->lpVtbl->SaveChanges(m, 0) != S_OK) { m->lpVtbl->Release(m); return 0; }
        m->lpVtbl->Release(m);
    }
    return count / (now_s() - t0);
}

/* Write `count` messages into the Inbox of the store file through the db layer. */
static BOOL fill_store(const char *profile, ULONG count)
{
    static char body[BODY_SIZE + 1];
    WCHAR path[MAX_PATH];
    SPropValue p[NPROPS + 1];
    char subject[64];
    mc_propbag *bag = mc_propbag_new();
    ULONGLONG inbox, id;
    GUID unused = {0};
    td_db *db = NULL;
    ULONG i, k;
    HRESULT hr;

    store_path(profile, path);
    if (!bag || FAILED(td_db_open(path, &unused, NULL, &db, NULL))) return FALSE;
    hr = td_db_special_get(db, TD_ROLE_INBOX, &inbox);
    if (SUCCEEDED(hr)) hr = td_db_begin(db);
    for (i = 0; SUCCEEDED(hr) && i < count; i++)
    {
        message_props(p, i, subject, body);
        p[NPROPS].ulPropTag = PR_MESSAGE_FLAGS;
        p[NPROPS].Value.l = i % 3 ? MSGFLAG_READ : 0;
        mc_propbag_clear(bag);
        for (k = 0; k <= NPROPS; k++) mc_propbag_set(bag, &p[k]);
        if (SUCCEEDED(hr = td_db_object_create(db, inbox, MAPI_MESSAGE, 0, 0, &id)))
            hr = td_db_props_replace(db, id, bag);
    }
    if (SUCCEEDED(hr)) hr = td_db_commit(db);
    else td_db_rollback(db);
    td_db_release(db);
    mc_propbag_free(bag);
    return SUCCEEDED(hr);
}

/* Child role: log on, open the Inbox's contents table, count and read a page; print the peak
 * working set in bytes on stdout. */
static int child_peak(const char *profile)
{
    static const SizedSPropTagArray(4, cols) = {4, {PR_ENTRYID, PR_SUBJECT_A, PR_MESSAGE_FLAGS, PR_MESSAGE_SIZE}};
    PROCESS_MEMORY_COUNTERS pmc;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    bench_session s;
    ULONG n = 0;

    if (MAPIInitialize(NULL) != S_OK || !bench_logon(profile, &s)) return 2;
    if (s.inbox->lpVtbl->GetContentsTable(s.inbox, 0, &t) == S_OK)
    {
        t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
        t->lpVtbl->GetRowCount(t, 0, &n);
        if (t->lpVtbl->QueryRows(t, 50, 0, &rows) == S_OK) FreeProws(rows);
        t->lpVtbl->Release(t);
    }
    memset(&pmc, 0, sizeof(pmc));
    pmc.cb = sizeof(pmc);
    GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc));
    printf("%lu %llu\n", (unsigned long)n, (unsigned long long)pmc.PeakWorkingSetSize);
    bench_logoff(&s);
    MAPIUninitialize();
    return 0;
}

/* Run this program as `peak PROFILE` and read "rows peak" from its output. */
static BOOL measure_peak(const char *profile, ULONG *rows, ULONGLONG *peak)
{
    char exe[MAX_PATH], cmd[MAX_PATH + 64], out[128];
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    HANDLE rd, wr;
    DWORD got = 0;
    unsigned long r = 0;
    unsigned long long pk = 0;

    if (!CreatePipe(&rd, &wr, &sa, 0)) return FALSE;
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    GetModuleFileNameA(NULL, exe, MAX_PATH);
    snprintf(cmd, sizeof(cmd), "\"%s\" peak %s", exe, profile);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = wr;
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    if (!CreateProcessA(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) return FALSE;
    CloseHandle(wr);
    memset(out, 0, sizeof(out));
    ReadFile(rd, out, sizeof(out) - 1, &got, NULL);
    WaitForSingleObject(pi.hProcess, INFINITE);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    CloseHandle(rd);
    if (sscanf(out, "%lu %llu", &r, &pk) != 2) return FALSE;
    *rows = r;
    *peak = pk;
    return TRUE;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, ULONG n)
{
    double sorted[64];
    memcpy(sorted, v, n * sizeof(*v));
    qsort(sorted, n, sizeof(*sorted), cmp_double);
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void print_rounds(const char *name, const double *v, ULONG n)
{
    ULONG i;
    printf("  %-18s", name);
    for (i = 0; i < n; i++) printf(" %7.0f", v[i]);
    printf("  | median %7.0f msg/s\n", median(v, n));
}

int main(int argc, char **argv)
{
    ULONG saves = argc > 1 ? strtoul(argv[1], NULL, 10) : 500;
    ULONG big = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
    ULONG rounds = argc > 3 ? strtoul(argv[3], NULL, 10) : 5;
    double ours[64], rows[64], blob[64], m_ours, m_rows, m_blob;
    LONG (*sql_count)(void) = NULL;
    LONG sql_before = 0, sql_after = 0;
    ULONG rows_big = 0, rows_empty = 0, r;
    ULONGLONG peak_big = 0, peak_empty = 0;
    baseline b;
    bench_session s;

    if (argc >= 3 && !strcmp(argv[1], "peak")) return child_peak(argv[2]);
    if (rounds < 1) rounds = 1;
    if (rounds > 64) rounds = 64;
    /* the store's test hook: count the SQL statements its connections run */
    SetEnvironmentVariableA("TANDEM_TEST_COUNT_SQL", "1");
    if (MAPIInitialize(NULL) != S_OK) { fprintf(stderr, "MAPIInitialize failed\n"); return 1; }

    /* 1. saves, in alternating rounds */
    if (!make_profile("tandem-bench-save") || !bench_logon("tandem-bench-save", &s) || !baseline_open(&b))
    {
        fprintf(stderr, "cannot set up the store\n");
        return 1;
    }
    SetEnvironmentVariableA("TANDEM_TEST_COUNT_SQL", NULL);
    if (GetModuleHandleA("tandem32.dll"))
        sql_count = (LONG (*)(void))(void *)GetProcAddress(GetModuleHandleA("tandem32.dll"), "td_db_test_sql_count");
    mapi_saves(&s, saves / 10 + 1);   /* warm-up */
    sqlite_baseline(&b, saves / 10 + 1, TRUE);
    sqlite_baseline(&b, saves / 10 + 1, FALSE);
    if (sql_count) sql_before = sql_count();
    mapi_saves(&s, 100);
    if (sql_count) sql_after = sql_count();
    for (r = 0; r < rounds; r++)
    {
        ours[r] = mapi_saves(&s, saves);
        rows[r] = sqlite_baseline(&b, saves, TRUE);
        blob[r] = sqlite_baseline(&b, saves, FALSE);
    }
    bench_logoff(&s);
    baseline_close(&b);
    drop_profile("tandem-bench-save");
    m_ours = median(ours, rounds);
    m_rows = median(rows, rounds);
    m_blob = median(blob, rounds);
    printf("save: %lu rounds of %lu new messages (%d properties, %d-byte body), alternating\n",
           (unsigned long)rounds, (unsigned long)saves, NPROPS, BODY_SIZE);
    print_rounds("MAPI SaveChanges", ours, rounds);
    print_rounds("plain SQLite rows", rows, rounds);
    print_rounds("plain SQLite blob", blob, rounds);
    printf("  ratio of medians  %10.2f against rows (target >= 0.70), %.2f against blob\n",
           m_rows > 0 ? m_ours / m_rows : 0.0, m_blob > 0 ? m_ours / m_blob : 0.0);
    if (sql_count)
        printf("  SQL statements    %10.1f per CreateMessage+SetProps+SaveChanges (rows baseline: 23)\n",
               (sql_after - sql_before) / 100.0);
    else
        printf("  SQL statements    (tandem32.dll has no td_db_test_sql_count)\n");

    /* 2. peak memory of a session over a big store, against an empty one */
    if (make_profile("tandem-bench-big") && make_profile("tandem-bench-empty") &&
        bench_logon("tandem-bench-big", &s))
    {
        double t0;
        bench_logoff(&s);                   /* provisioned; closed */
        if (bench_logon("tandem-bench-empty", &s)) bench_logoff(&s);
        t0 = now_s();
        if (!fill_store("tandem-bench-big", big)) fprintf(stderr, "filling the big store failed\n");
        printf("open: %lu messages written through the db layer in %.1f s\n", (unsigned long)big, now_s() - t0);
        if (measure_peak("tandem-bench-big", &rows_big, &peak_big) &&
            measure_peak("tandem-bench-empty", &rows_empty, &peak_empty))
        {
            printf("  peak working set, %6lu rows  %8.1f MB\n", (unsigned long)rows_big, peak_big / 1048576.0);
            printf("  peak working set, %6lu rows  %8.1f MB\n", (unsigned long)rows_empty, peak_empty / 1048576.0);
            printf("  ratio             %10.2f (%.0f bytes per message)\n", peak_empty ? (double)peak_big / peak_empty : 0.0,
                   rows_big ? (double)(peak_big - peak_empty) / rows_big : 0.0);
        }
        else fprintf(stderr, "measuring the peak working set failed\n");
    }
    drop_profile("tandem-bench-big");
    drop_profile("tandem-bench-empty");
    MAPIUninitialize();
    return 0;
}
