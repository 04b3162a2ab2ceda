/*
 * bench_stream.c - writing big values through IStream (issue 3: stream writes must grow
 * linearly with the value's size). Not a test: it prints numbers and ratios against a baseline
 * measured in the same run.
 *
 * MAPI: an attachment of a new message, PR_ATTACH_DATA_BIN opened with
 * OpenProperty(IID_IStream, MAPI_CREATE | MAPI_MODIFY), written with IStream::Write in pieces,
 * IStream::Commit, IAttach::SaveChanges, IMessage::SaveChanges; timed from the first Write to
 * the message's SaveChanges. Baseline: plain SQLite (same PRAGMAs as the store: WAL,
 * synchronous=NORMAL) inserting the same bytes as one blob in one transaction. Both are measured
 * in alternating rounds and compared by their medians, for a 1 MB, a 5 MB and a 20 MB value: the
 * ratio at 20 MB close to the ratio at 1 MB means the stream path is linear. 5 MB is past SQLite's
 * page caches (2 MB), which a 1 MB value never leaves: the 20 MB/5 MB ratio shows the cost per
 * byte beyond them. The time of each MAPI phase (Write, Commit, the two SaveChanges) is printed.
 *
 * Run: bench_stream.exe [rounds] [piece bytes]. Uses the profile "tandem-bench-stream" and files
 * in %TEMP%.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>
#include <sqlite3.h>
#include "benchmapi.h"

#define MB (1024u * 1024u)

static void store_path(const char *name, WCHAR *path)
{
    WCHAR tmp[MAX_PATH];
    GetTempPathW(MAX_PATH, tmp);
    swprintf(path, MAX_PATH, L"%lsbench-%hs.tandem", tmp, name);
}

/* Seconds of each phase of one MAPI write. */
typedef struct phases
{
    double write, commit, save_att, save_msg;
} phases;

/* One message with one attachment of `size` bytes of `data` written through IStream in pieces
 * of `piece` bytes; the message is deleted afterwards (not timed). MB/s, 0 on a failure. */
static double mapi_write(bench_session *s, const BYTE *data, ULONG size, ULONG piece, phases *ph)
{
    IMessage *m = NULL;
    IAttach *a = NULL;
    IStream *st = NULL;
    SPropValue v, *eid = NULL;
    ULONG num, off, n;
    double t0, t1, t2, t3, t4 = 0;
    HRESULT hr;

    if ((hr = s->inbox->lpVtbl->CreateMessage(s->inbox, NULL, 0, &m)) == S_OK)
        hr = m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a);
    if (hr == S_OK)
    {
        v.ulPropTag = PR_ATTACH_METHOD;
        v.Value.l = ATTACH_BY_VALUE;
        hr = a->lpVtbl->SetProps(a, 1, &v, NULL);
    }
    if (hr == S_OK)
        hr = a->lpVtbl->OpenProperty(a, PR_ATTACH_DATA_BIN, &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&st);
    t0 = bench_now();
    for (off = 0; hr == S_OK && off < size; off += piece)
        hr = st->lpVtbl->Write(st, data + off, size - off < piece ? size - off : piece, &n);
    t1 = bench_now();
    if (hr == S_OK) hr = st->lpVtbl->Commit(st, 0);
    t2 = bench_now();
    if (st) st->lpVtbl->Release(st);
    if (hr == S_OK) hr = a->lpVtbl->SaveChanges(a, 0);
    t3 = bench_now();
    if (hr == S_OK && (hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE)) == S_OK)
    {
        t4 = bench_now();
        hr = HrGetOneProp((IMAPIProp *)m, PR_ENTRYID, &eid);
    }
    if (a) a->lpVtbl->Release(a);
    if (m) m->lpVtbl->Release(m);
    if (hr == S_OK)
    {
        ENTRYLIST list = {1, &eid->Value.bin};
        hr = s->inbox->lpVtbl->DeleteMessages(s->inbox, &list, 0, NULL, 0);
    }
    MAPIFreeBuffer(eid);
    if (hr != S_OK)
    {
        fprintf(stderr, "MAPI write of %lu bytes failed: %#lx\n", (unsigned long)size, (unsigned long)hr);
        return 0;
    }
    ph->write += t1 - t0;
    ph->commit += t2 - t1;
    ph->save_att += t3 - t2;
    ph->save_msg += t4 - t3;
    return size / (double)MB / (t4 - t0);
}

/* The baseline database: open over the whole run, same PRAGMAs as the store. */
typedef struct baseline
{
    sqlite3 *h;
    sqlite3_stmt *ins;
    WCHAR path[MAX_PATH];
} baseline;

static BOOL baseline_open(baseline *b)
{
    char path[MAX_PATH];

    memset(b, 0, sizeof(*b));
    store_path("stream-baseline", b->path);
    DeleteFileW(b->path);
    WideCharToMultiByte(CP_UTF8, 0, b->path, -1, path, MAX_PATH, NULL, NULL);
    if (sqlite3_open(path, &b->h) != SQLITE_OK) return FALSE;
    sqlite3_exec(b->h, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                       "CREATE TABLE blobs (id INTEGER PRIMARY KEY, owner INTEGER, value BLOB);",
                 NULL, NULL, NULL);
    return sqlite3_prepare_v2(b->h, "INSERT INTO blobs(owner, value) VALUES (1, ?)", -1, &b->ins, NULL) == SQLITE_OK;
}

static void baseline_close(baseline *b)
{
    sqlite3_finalize(b->ins);
    sqlite3_close(b->h);
    DeleteFileW(b->path);
}

/* The same bytes as one blob insert + commit; the row is deleted afterwards (not timed). MB/s. */
static double sqlite_write(baseline *b, const BYTE *data, ULONG size)
{
    double t0, t1;
    int rc;

    t0 = bench_now();
    sqlite3_exec(b->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    sqlite3_bind_blob(b->ins, 1, data, (int)size, SQLITE_STATIC);
    rc = sqlite3_step(b->ins);
    sqlite3_reset(b->ins);
    sqlite3_exec(b->h, "COMMIT", NULL, NULL, NULL);
    t1 = bench_now();
    sqlite3_exec(b->h, "DELETE FROM blobs", NULL, NULL, NULL);
    return rc == SQLITE_DONE ? size / (double)MB / (t1 - t0) : 0;
}

static void print_rounds(const char *name, const double *v, ULONG n)
{
    ULONG i;
    printf("  %-22s", name);
    for (i = 0; i < n; i++) printf(" %7.1f", v[i]);
    printf("  | median %7.1f MB/s\n", bench_median(v, n));
}

int main(int argc, char **argv)
{
    static const ULONG sizes[] = {1 * MB, 5 * MB, 20 * MB};
    ULONG rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 5;
    ULONG piece = argc > 2 ? strtoul(argv[2], NULL, 10) : 8192;
    double ours[64], plain[64], ratio[3] = {0, 0, 0};
    WCHAR path[MAX_PATH];
    SPropValue name;
    BYTE *data;
    baseline b;
    bench_session s;
    ULONG i, r;

    if (rounds < 1) rounds = 1;
    if (rounds > 64) rounds = 64;
    if (!piece) piece = 8192;
    if (!(data = malloc(sizes[2]))) return 1;
    for (i = 0; i < sizes[2]; i++) data[i] = (BYTE)((i * 2654435761u) >> 13);
    if (MAPIInitialize(NULL) != S_OK) { fprintf(stderr, "MAPIInitialize failed\n"); return 1; }
    store_path("stream", path);
    name.ulPropTag = PR_DISPLAY_NAME_W;
    name.Value.lpszW = (WCHAR *)L"Bench";
    if (!bench_profile_create("tandem-bench-stream", path, 1, &name) || !bench_logon("tandem-bench-stream", &s) ||
        !baseline_open(&b))
    {
        fprintf(stderr, "cannot set up the store\n");
        return 1;
    }
    for (i = 0; i < 3; i++)
    {
        phases ph = {0, 0, 0, 0};
        phases warm = {0, 0, 0, 0};
        mapi_write(&s, data, sizes[i], piece, &warm);      /* warm-up */
        sqlite_write(&b, data, sizes[i]);
        for (r = 0; r < rounds; r++)
        {
            ours[r] = mapi_write(&s, data, sizes[i], piece, &ph);
            plain[r] = sqlite_write(&b, data, sizes[i]);
        }
        printf("stream: %lu MB value in %lu-byte pieces, %lu rounds, alternating\n", (unsigned long)(sizes[i] / MB),
               (unsigned long)piece, (unsigned long)rounds);
        print_rounds("MAPI Write..SaveChanges", ours, rounds);
        print_rounds("plain SQLite insert", plain, rounds);
        ratio[i] = bench_median(plain, rounds) > 0 ? bench_median(ours, rounds) / bench_median(plain, rounds) : 0;
        printf("  ratio of medians        %6.2f\n", ratio[i]);
        printf("  MAPI phases (mean s)    Write %.3f, Commit %.3f, IAttach::SaveChanges %.3f, IMessage::SaveChanges %.3f\n",
               ph.write / rounds, ph.commit / rounds, ph.save_att / rounds, ph.save_msg / rounds);
    }
    printf("linearity: ratio at 20 MB / ratio at 1 MB = %.2f, at 20 MB / at 5 MB = %.2f (1.00: as linear as plain SQLite)\n",
           ratio[0] > 0 ? ratio[2] / ratio[0] : 0.0, ratio[1] > 0 ? ratio[2] / ratio[1] : 0.0);
    bench_logoff(&s);
    baseline_close(&b);
    bench_profile_delete("tandem-bench-stream", path);
    MAPIUninitialize();
    free(data);
    return 0;
}
