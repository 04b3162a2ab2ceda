/*
 * bench_table.c - mapicore's in-memory table at a million rows (issue 4, point 6): open a view
 * with 10 columns sorted by delivery time descending and read the first page and the next one,
 * sort on a column with no index (the subject), restrict with a RES_CONTENT substring, seek.
 * Each step prints its absolute time and its ratio to a baseline measured in the same run over
 * the same data (qsort of the same keys, a plain wcsstr scan). Run by hand:
 *   wine bench_table.exe [rows]
 */
#define PSAPI_VERSION 2
#include "mapicore.h"
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>

static LARGE_INTEGER freq;

static double now(void)
{
    LARGE_INTEGER t;
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / freq.QuadPart;
}

static SIZE_T working_set_mb(void)
{
    PROCESS_MEMORY_COUNTERS pmc;
    if (!GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc)))
        return 0;
    return pmc.WorkingSetSize >> 20;
}

static const WCHAR *words[] = {
    L"quarterly", L"report", L"meeting", L"lunch", L"invoice", L"project", L"update", L"Re:",
    L"holiday", L"schedule", L"budget", L"review", L"draft", L"urgent", L"team", L"customer",
};

static ULONG rnd_state = 12345;
static ULONG rnd(void)
{
    rnd_state = rnd_state * 1103515245 + 12345;
    return rnd_state >> 8;
}

typedef struct gen { WCHAR subject[64]; FILETIME time; } gen;

static void report(const char *what, double t, double base)
{
    if (base > 0)
        printf("%-44s %9.1f ms   baseline %8.1f ms   ratio %6.2f\n", what, t * 1000, base * 1000, t / base);
    else
        printf("%-44s %9.1f ms\n", what, t * 1000);
}

static int cmp_time_desc(const void *a, const void *b)
{
    ULONGLONG x = *(const ULONGLONG *)a, y = *(const ULONGLONG *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_subject(const void *a, const void *b)
{
    return _wcsicmp(*(const WCHAR *const *)a, *(const WCHAR *const *)b);
}

static void check(HRESULT hr, const char *what)
{
    if (FAILED(hr))
    {
        printf("%s failed: %#lx\n", what, (unsigned long)hr);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    ULONG n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, i, count;
    const mc_alloc *a = mc_heap_alloc();
    SizedSPropTagArray(10, cols) = { 10, { PR_ROWID, PR_SUBJECT_W, PR_MESSAGE_DELIVERY_TIME,
        PR_IMPORTANCE, PR_MESSAGE_FLAGS, PR_SENDER_NAME_W, PR_MESSAGE_SIZE, PR_ENTRYID,
        PR_MESSAGE_CLASS_W, PR_INSTANCE_KEY } };
    SizedSSortOrderSet(1, by_time) = { 1, 0, 0, { { PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND } } };
    SizedSSortOrderSet(1, by_subject) = { 1, 0, 0, { { PR_SUBJECT_W, TABLE_SORT_ASCEND } } };
    SPropValue pattern = { PR_SUBJECT_W }, row[9];
    SRestriction content = { RES_CONTENT };
    gen *g = malloc(n * sizeof(*g));
    ULONGLONG *times;
    const WCHAR **subjects;
    mc_table *t = NULL;
    IMAPITable *v = NULL;
    SRowSet *rows;
    BYTE entryid[16];
    double t0, t1, base;
    SIZE_T mem0;

    QueryPerformanceFrequency(&freq);
    printf("mapicore table benchmark, %lu rows\n", (unsigned long)n);
    for (i = 0; i < n; i++)
    {
        ULONGLONG ft = 132000000000000000ull + (ULONGLONG)rnd() * 10000000ull;
        swprintf(g[i].subject, 64, L"%ls %ls %ls %lu", words[rnd() % 16], words[rnd() % 16],
                 words[rnd() % 16], (unsigned long)(rnd() % 100000));
        g[i].time.dwLowDateTime = (DWORD)ft;
        g[i].time.dwHighDateTime = (DWORD)(ft >> 32);
    }

    mem0 = working_set_mb();

    /* the table, filled as a store would fill a contents table */
    check(mc_table_new(a, PR_ROWID, (SPropTagArray *)&cols, &t), "mc_table_new");
    t0 = now();
    for (i = 0; i < n; i++)
    {
        memset(row, 0, sizeof(row));
        memcpy(entryid, &i, sizeof(i));
        memset(entryid + 4, 0x5a, 12);
        row[0].ulPropTag = PR_ROWID;                 row[0].Value.l = i;
        row[1].ulPropTag = PR_SUBJECT_W;             row[1].Value.lpszW = g[i].subject;
        row[2].ulPropTag = PR_MESSAGE_DELIVERY_TIME; row[2].Value.ft = g[i].time;
        row[3].ulPropTag = PR_IMPORTANCE;            row[3].Value.l = i % 3;
        row[4].ulPropTag = PR_MESSAGE_FLAGS;         row[4].Value.l = i % 4 ? MSGFLAG_READ : 0;
        row[5].ulPropTag = PR_SENDER_NAME_W;         row[5].Value.lpszW = (WCHAR *)words[i % 16];
        row[6].ulPropTag = PR_MESSAGE_SIZE;          row[6].Value.l = 1000 + i % 50000;
        row[7].ulPropTag = PR_ENTRYID;               row[7].Value.bin.cb = 16; row[7].Value.bin.lpb = entryid;
        row[8].ulPropTag = PR_MESSAGE_CLASS_W;       row[8].Value.lpszW = L"IPM.Note";
        check(mc_table_modify_row(t, 9, row), "mc_table_modify_row");
    }
    report("fill (mc_table_modify_row x n)", now() - t0, 0);

    /* baseline: qsort of the delivery times */
    times = malloc(n * sizeof(*times));
    t0 = now();
    for (i = 0; i < n; i++)
        times[i] = ((ULONGLONG)g[i].time.dwHighDateTime << 32) | g[i].time.dwLowDateTime;
    qsort(times, n, sizeof(*times), cmp_time_desc);
    base = now() - t0;

    /* no index: the view sorts */
    t0 = now();
    check(mc_table_open_view(t, NULL, NULL, &v), "open view");
    check(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), "SetColumns");
    check(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_time, 0), "SortTable(time)");
    check(v->lpVtbl->QueryRows(v, 50, 0, &rows), "QueryRows");
    t1 = now();
    if (rows->cRows != 50 || memcmp(&rows->aRow[0].lpProps[2].Value.ft, &times[0], 8))
        printf("  wrong first row!\n");
    mc_free_rows(a, rows);
    v->lpVtbl->Release(v);
    report("no index: open + SetColumns(10) + sort + 50", t1 - t0, base);

    /* the store's way: the table keeps its default order (built once) */
    t0 = now();
    check(mc_table_set_default_sort(t, (SSortOrderSet *)&by_time), "mc_table_set_default_sort");
    report("building the default-order index (once)", now() - t0, base);
    t0 = now();
    check(mc_table_open_view(t, NULL, NULL, &v), "open view");
    check(v->lpVtbl->SetColumns(v, (SPropTagArray *)&cols, 0), "SetColumns");
    check(v->lpVtbl->QueryRows(v, 50, 0, &rows), "QueryRows");
    t1 = now();
    if (rows->cRows != 50 || memcmp(&rows->aRow[0].lpProps[2].Value.ft, &times[0], 8))
        printf("  wrong first row!\n");
    mc_free_rows(a, rows);
    report("open (default order) + SetColumns(10) + 50", t1 - t0, 0);

    t0 = now();
    check(v->lpVtbl->QueryRows(v, 50, 0, &rows), "QueryRows");
    t1 = now();
    mc_free_rows(a, rows);
    report("next page (QueryRows 50)", t1 - t0, 0);
    printf("%-44s %9lu MB (the benchmark's own data: %lu MB)\n", "table + index + view (working set growth)",
           (unsigned long)(working_set_mb() - mem0), (unsigned long)mem0);

    t0 = now();
    check(v->lpVtbl->SeekRowApprox(v, 1, 2), "SeekRowApprox");
    check(v->lpVtbl->QueryRows(v, 50, 0, &rows), "QueryRows");
    t1 = now();
    mc_free_rows(a, rows);
    report("SeekRowApprox(1/2) + 50", t1 - t0, 0);

    /* a change while the view is open: binary-search placement */
    row[1].Value.lpszW = L"inserted";
    t0 = now();
    for (i = 0; i < 1000; i++)
    {
        row[0].Value.l = n + i;
        check(mc_table_modify_row(t, 9, row), "modify");
    }
    t1 = now();
    printf("%-44s %9.1f us\n", "insert into index + sorted view (each)", (t1 - t0) * 1000);

    /* baseline: qsort of the subjects, case-insensitively */
    subjects = malloc(n * sizeof(*subjects));
    for (i = 0; i < n; i++)
        subjects[i] = g[i].subject;
    t0 = now();
    qsort(subjects, n, sizeof(*subjects), cmp_subject);
    base = now() - t0;
    t0 = now();
    check(v->lpVtbl->SortTable(v, (SSortOrderSet *)&by_subject, 0), "SortTable(subject)");
    check(v->lpVtbl->QueryRows(v, 50, 0, &rows), "QueryRows");
    t1 = now();
    mc_free_rows(a, rows);
    report("sort by subject (no index) + 50", t1 - t0, base);

    /* baseline: a plain wcsstr scan */
    t0 = now();
    for (i = 0, count = 0; i < n; i++)
        if (wcsstr(g[i].subject, L"lunch"))
            count++;
    base = now() - t0;
    pattern.Value.lpszW = L"LUNCH";
    content.res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
    content.res.resContent.ulPropTag = PR_SUBJECT_W;
    content.res.resContent.lpProp = &pattern;
    t0 = now();
    check(v->lpVtbl->Restrict(v, &content, 0), "Restrict");
    check(v->lpVtbl->QueryRows(v, 50, 0, &rows), "QueryRows");
    t1 = now();
    mc_free_rows(a, rows);
    check(v->lpVtbl->GetRowCount(v, 0, &i), "GetRowCount");
    report("RES_CONTENT substring (ignore case) + 50", t1 - t0, base);
    printf("  %lu rows match (the scan found %lu)\n", (unsigned long)i, (unsigned long)count);

    v->lpVtbl->Release(v);
    mc_table_release(t);
    free(times);
    free(subjects);
    free(g);
    return 0;
}
