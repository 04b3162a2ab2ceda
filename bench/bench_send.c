/*
 * bench_send.c - sending, submit to the recipient's Inbox (issue 6 point 10). Not a test: it
 * prints numbers and ratios against a baseline measured in the same run.
 *
 * alice and bob are two profiles on one drop root, each in a session of its own with the
 * spooler (one process). For N messages (1 KB text body, Sent Items disposition) the clock
 * runs from the first SubmitMessage until bob's Inbox holds all N:
 *  - coupled path: one SMTP recipient (bob); the store sends from SubmitMessage itself;
 *  - spooler path: bob plus an X400 one-off recipient, which no coupled transport handles, so
 *    every message goes through the outgoing queue and alice's spooler (which also writes one
 *    NDR per message for the X400 recipient into alice's Inbox - part of the measured work).
 * bob's side is driven by FlushQueues(FLUSH_DOWNLOAD) on his spooler's status object.
 *
 * Baseline: for each message, the RFC 5322 bytes the transport writes for it (made by the
 * same codec from the first composed message) written to a temporary file, flushed and
 * renamed into place (CreateFile/WriteFile/FlushFileBuffers/MoveFileEx, as the drop directory
 * does), plus one SQLite commit (insert of the same bytes; WAL, synchronous=NORMAL as the
 * store). Measured before and after the two paths; the ratios use their mean.
 *
 * Run: bench_send.exe [messages] (default 1000). Profiles "tandem-bench-alice" and
 * "tandem-bench-bob", files under %TEMP%\tandem-bench-send.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>
#include <mapispi.h>
#include <sqlite3.h>
#include "mapiclient.h"
#include "transport/mapimime.h"
#include "benchmapi.h"

#ifndef PR_PST_PATH_W
#define PR_PST_PATH_W  PROP_TAG(PT_UNICODE, 0x6700)
#endif
#define PR_TD_DROP_ROOT_W PROP_TAG(PT_UNICODE, 0x6790)
#define BODY_SIZE 1024
#define WAIT_LIMIT_S 600.0

static WCHAR base_dir[MAX_PATH];

static double now_s(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

typedef struct user
{
    char profile[64];
    WCHAR email[64];
    IMAPISession *session;
    IMsgStore *mdb;
    IMAPIFolder *inbox;
} user;

static BOOL make_profile(user *u, const char *profile, const WCHAR *email, const WCHAR *drop)
{
    SPropValue p[3];
    WCHAR path[MAX_PATH];

    memset(u, 0, sizeof(*u));
    lstrcpynA(u->profile, profile, sizeof(u->profile));
    lstrcpynW(u->email, email, ARRAYSIZE(u->email));
    swprintf(path, MAX_PATH, L"%ls\\%hs.tandem", base_dir, profile);
    p[0].ulPropTag = PR_DISPLAY_NAME_W;  p[0].Value.lpszW = (WCHAR *)email;
    p[1].ulPropTag = PR_EMAIL_ADDRESS_W; p[1].Value.lpszW = (WCHAR *)email;
    p[2].ulPropTag = PR_TD_DROP_ROOT_W;  p[2].Value.lpszW = (WCHAR *)drop;
    return bench_profile_create(profile, path, 3, p);
}

static void drop_profile(const char *profile)
{
    WCHAR path[MAX_PATH];
    swprintf(path, MAX_PATH, L"%ls\\%hs.tandem", base_dir, profile);
    bench_profile_delete(profile, path);
}

/* A session with the spooler, the default store and its Inbox. */
static BOOL logon(user *u)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, type, i;
    HRESULT hr = E_FAIL;

    if (MAPILogonEx(0, (LPTSTR)u->profile, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION, &u->session) != S_OK)
        return FALSE;
    if (u->session->lpVtbl->GetMsgStoresTable(u->session, 0, &t) == S_OK &&
        HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK)
        for (i = 0; i < rows->cRows && FAILED(hr); i++)
            if (rows->aRow[i].lpProps[1].ulPropTag == PR_DEFAULT_STORE && rows->aRow[i].lpProps[1].Value.b)
                hr = u->session->lpVtbl->OpenMsgStore(u->session, 0, rows->aRow[i].lpProps[0].Value.bin.cb,
                                                      (ENTRYID *)rows->aRow[i].lpProps[0].Value.bin.lpb, NULL,
                                                      MDB_WRITE | MDB_NO_DIALOG, &u->mdb);
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    if (FAILED(hr)) return FALSE;
    if (u->mdb->lpVtbl->GetReceiveFolder(u->mdb, (LPTSTR)"IPM", 0, &cb, &eid, NULL) != S_OK) return FALSE;
    hr = u->mdb->lpVtbl->OpenEntry(u->mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&u->inbox);
    MAPIFreeBuffer(eid);
    return hr == S_OK;
}

static void logoff(user *u)
{
    if (u->inbox) u->inbox->lpVtbl->Release(u->inbox);
    if (u->mdb) u->mdb->lpVtbl->Release(u->mdb);
    if (u->session)
    {
        u->session->lpVtbl->Logoff(u->session, 0, 0, 0);
        u->session->lpVtbl->Release(u->session);
    }
    u->inbox = NULL;
    u->mdb = NULL;
    u->session = NULL;
}

static IMAPIFolder *open_folder(user *u, ULONG tag)
{
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    ULONG type;
    if (HrGetOneProp((IMAPIProp *)u->mdb, tag, &v) != S_OK) return NULL;
    if (u->mdb->lpVtbl->OpenEntry(u->mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, NULL, MAPI_MODIFY,
                                  &type, (IUnknown **)&f) != S_OK)
        f = NULL;
    MAPIFreeBuffer(v);
    return f;
}

/* FlushQueues on the session's spooler status object; returns when done. */
static HRESULT flush(user *u, ULONG flags)
{
    return mapiclient_flush(u->session, flags);
}

static ULONG count_rows(IMAPIFolder *f)
{
    IMAPITable *t = NULL;
    ULONG n = ~0u;
    if (f->lpVtbl->GetContentsTable(f, 0, &t) == S_OK)
    {
        if (t->lpVtbl->GetRowCount(t, 0, &n) != S_OK) n = ~0u;
        t->lpVtbl->Release(t);
    }
    return n;
}

/* One-off entry IDs of the recipients, made once. */
typedef struct recips
{
    SBinary bob, x400;
} recips;

static BOOL make_recips(user *alice, recips *r)
{
    IAddrBook *ab = NULL;
    BOOL good;
    memset(r, 0, sizeof(*r));
    if (alice->session->lpVtbl->OpenAddressBook(alice->session, 0, NULL, AB_NO_DIALOG, &ab) != S_OK) return FALSE;
    good = ab->lpVtbl->CreateOneOff(ab, (LPTSTR)L"Bob", (LPTSTR)L"SMTP", (LPTSTR)L"bob@example.test", MAPI_UNICODE,
                                    &r->bob.cb, (ENTRYID **)&r->bob.lpb) == S_OK
        && ab->lpVtbl->CreateOneOff(ab, (LPTSTR)L"Carol", (LPTSTR)L"X400", (LPTSTR)L"c=xx;a=;p=carol", MAPI_UNICODE,
                                    &r->x400.cb, (ENTRYID **)&r->x400.lpb) == S_OK;
    ab->lpVtbl->Release(ab);
    return good;
}

static void recip_row(SPropValue *p, const WCHAR *name, const WCHAR *type, const WCHAR *addr, const SBinary *eid)
{
    p[0].ulPropTag = PR_RECIPIENT_TYPE;  p[0].Value.l = MAPI_TO;
    p[1].ulPropTag = PR_DISPLAY_NAME_W;  p[1].Value.lpszW = (WCHAR *)name;
    p[2].ulPropTag = PR_ADDRTYPE_W;      p[2].Value.lpszW = (WCHAR *)type;
    p[3].ulPropTag = PR_EMAIL_ADDRESS_W; p[3].Value.lpszW = (WCHAR *)addr;
    p[4].ulPropTag = PR_ENTRYID;         p[4].Value.bin = *eid;
}

/* A message in alice's Outbox for bob (and the X400 recipient when `spooled`), not submitted. */
static HRESULT compose(user *alice, IMAPIFolder *outbox, const SBinary *sent, const recips *r, BOOL spooled,
                       ULONG i, IMessage **out)
{
    static WCHAR body[BODY_SIZE + 1];
    SPropValue v[4], rp[2][5];
    WCHAR subject[64];
    struct { ULONG cEntries; ADRENTRY aEntries[2]; } list;
    IMessage *msg = NULL;
    HRESULT hr;
    ULONG k;

    for (k = 0; k < BODY_SIZE; k++) body[k] = (k % 64 == 63) ? L'\n' : (WCHAR)(L'a' + (i + k) % 26);
    body[BODY_SIZE] = 0;
    swprintf(subject, ARRAYSIZE(subject), L"bench %ls %lu", spooled ? L"spooler" : L"coupled", (unsigned long)i);
    if (FAILED(hr = outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &msg))) return hr;
    v[0].ulPropTag = PR_MESSAGE_CLASS_W;  v[0].Value.lpszW = (WCHAR *)L"IPM.Note";
    v[1].ulPropTag = PR_SUBJECT_W;        v[1].Value.lpszW = subject;
    v[2].ulPropTag = PR_BODY_W;           v[2].Value.lpszW = body;
    v[3].ulPropTag = PR_SENTMAIL_ENTRYID; v[3].Value.bin = *sent;
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, 4, v, NULL))) goto done;
    recip_row(rp[0], L"Bob", L"SMTP", L"bob@example.test", &r->bob);
    recip_row(rp[1], L"Carol", L"X400", L"c=xx;a=;p=carol", &r->x400);
    list.cEntries = spooled ? 2 : 1;
    for (k = 0; k < 2; k++)
    {
        list.aEntries[k].ulReserved1 = 0;
        list.aEntries[k].cValues = 5;
        list.aEntries[k].rgPropVals = rp[k];
    }
    hr = msg->lpVtbl->ModifyRecipients(msg, 0, (ADRLIST *)&list);
done:
    if (SUCCEEDED(hr)) *out = msg;
    else msg->lpVtbl->Release(msg);
    (void)alice;
    return hr;
}

/* Submit n messages and wait until bob's Inbox has them all. Messages per second, 0 on failure. */
static double run_path(user *alice, user *bob, const recips *r, BOOL spooled, ULONG n)
{
    IMAPIFolder *outbox = open_folder(alice, PR_IPM_OUTBOX_ENTRYID);
    SPropValue *sent = NULL;
    ULONG before = count_rows(bob->inbox), have = before, i;
    double t0, t = 0;
    HRESULT hr = S_OK;

    if (!outbox || HrGetOneProp((IMAPIProp *)alice->mdb, PR_IPM_SENTMAIL_ENTRYID, &sent) != S_OK || before == ~0u)
    {
        printf("  setup failed\n");
        goto done;
    }
    t0 = now_s();
    for (i = 0; i < n && SUCCEEDED(hr); i++)
    {
        IMessage *msg = NULL;
        if (SUCCEEDED(hr = compose(alice, outbox, &sent->Value.bin, r, spooled, i, &msg)))
        {
            hr = msg->lpVtbl->SubmitMessage(msg, 0);
            msg->lpVtbl->Release(msg);
        }
    }
    if (FAILED(hr))
    {
        printf("  submit %lu failed: %#lx\n", (unsigned long)i, (unsigned long)hr);
        goto done;
    }
    while (have - before < n && now_s() - t0 < WAIT_LIMIT_S)
    {
        if (spooled) flush(alice, FLUSH_UPLOAD);
        flush(bob, FLUSH_DOWNLOAD);
        if ((have = count_rows(bob->inbox)) == ~0u) break;
        if (have - before < n) Sleep(5);
    }
    t = now_s() - t0;
    if (have == ~0u || have - before != n)
    {
        printf("  bob's Inbox got %lu of %lu messages in %.1f s\n", (unsigned long)(have - before), (unsigned long)n, t);
        t = 0;
    }
done:
    MAPIFreeBuffer(sent);
    if (outbox) outbox->lpVtbl->Release(outbox);
    return t > 0 ? n / t : 0;
}

/* The bytes the transport writes for a message like the benchmark's. */
static char *rfc5322_bytes(user *alice, const recips *r, size_t *len)
{
    static const mc_alloc alloc = {MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer};
    IMAPIFolder *outbox = open_folder(alice, PR_IPM_OUTBOX_ENTRYID);
    SPropValue *sent = NULL;
    IMessage *msg = NULL;
    char *bytes = NULL;
    WCHAR *id = NULL;

    if (outbox && HrGetOneProp((IMAPIProp *)alice->mdb, PR_IPM_SENTMAIL_ENTRYID, &sent) == S_OK
        && compose(alice, outbox, &sent->Value.bin, r, FALSE, 0, &msg) == S_OK)
    {
        if (FAILED(td_mapimime_write(&alloc, msg, &bytes, len, &id))) bytes = NULL;
        msg->lpVtbl->Release(msg);      /* never saved: gone */
    }
    mc_free(id);
    MAPIFreeBuffer(sent);
    if (outbox) outbox->lpVtbl->Release(outbox);
    return bytes;
}

/* n times: the bytes into a temporary file, flushed, renamed into place; one SQLite commit. */
static double baseline(const char *bytes, size_t len, ULONG n, int round)
{
    WCHAR dir[MAX_PATH], tmp[MAX_PATH], eml[MAX_PATH], wdb[MAX_PATH];
    char db_path[MAX_PATH];
    sqlite3 *h = NULL;
    sqlite3_stmt *ins = NULL;
    double t0, t = 0;
    ULONG i;
    BOOL good = TRUE;

    swprintf(dir, MAX_PATH, L"%ls\\baseline%d", base_dir, round);
    CreateDirectoryW(dir, NULL);
    swprintf(wdb, MAX_PATH, L"%ls\\baseline%d.sqlite", base_dir, round);
    DeleteFileW(wdb);
    WideCharToMultiByte(CP_UTF8, 0, wdb, -1, db_path, MAX_PATH, NULL, NULL);
    if (sqlite3_open(db_path, &h) != SQLITE_OK
        || sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                           "CREATE TABLE messages(id INTEGER PRIMARY KEY, value BLOB NOT NULL);", NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_prepare_v2(h, "INSERT INTO messages(value) VALUES (?)", -1, &ins, NULL) != SQLITE_OK)
    {
        printf("  baseline database: %s\n", sqlite3_errmsg(h));
        goto done;
    }
    t0 = now_s();
    for (i = 0; i < n && good; i++)
    {
        HANDLE f;
        DWORD done = 0;
        swprintf(tmp, MAX_PATH, L"%ls\\%lu.tmp", dir, (unsigned long)i);
        swprintf(eml, MAX_PATH, L"%ls\\%lu.eml", dir, (unsigned long)i);
        f = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
        good = f != INVALID_HANDLE_VALUE;
        if (good)
        {
            good = WriteFile(f, bytes, (DWORD)len, &done, NULL) && done == len && FlushFileBuffers(f);
            CloseHandle(f);
        }
        good = good && MoveFileExW(tmp, eml, MOVEFILE_WRITE_THROUGH);
        good = good && sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
        sqlite3_bind_blob(ins, 1, bytes, (int)len, SQLITE_STATIC);
        good = good && sqlite3_step(ins) == SQLITE_DONE;
        sqlite3_reset(ins);
        good = good && sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    }
    t = now_s() - t0;
    if (!good)
    {
        printf("  baseline failed at message %lu\n", (unsigned long)i);
        t = 0;
    }
    for (i = 0; i < n; i++)
    {
        swprintf(eml, MAX_PATH, L"%ls\\%lu.eml", dir, (unsigned long)i);
        DeleteFileW(eml);
    }
    RemoveDirectoryW(dir);
done:
    if (ins) sqlite3_finalize(ins);
    if (h) sqlite3_close(h);
    DeleteFileW(wdb);
    swprintf(wdb, MAX_PATH, L"%ls\\baseline%d.sqlite-wal", base_dir, round);
    DeleteFileW(wdb);
    swprintf(wdb, MAX_PATH, L"%ls\\baseline%d.sqlite-shm", base_dir, round);
    DeleteFileW(wdb);
    return t > 0 ? n / t : 0;
}

/* Remove the drop root's files and folders (left by earlier runs too). */
static void remove_tree(const WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR pattern[MAX_PATH], path[MAX_PATH];
    HANDLE h;
    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    if ((h = FindFirstFileW(pattern, &fd)) != INVALID_HANDLE_VALUE)
    {
        do
        {
            if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L"..")) continue;
            swprintf(path, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) remove_tree(path);
            else DeleteFileW(path);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryW(dir);
}

int main(int argc, char **argv)
{
    ULONG n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    WCHAR tmp[MAX_PATH], drop[MAX_PATH];
    user alice, bob;
    recips r;
    char *bytes = NULL;
    size_t len = 0;
    double base1, base2, base, coupled = 0, spooler = 0;
    int rc = 1;

    if (!n) n = 1000;
    GetTempPathW(MAX_PATH, tmp);
    swprintf(base_dir, MAX_PATH, L"%lstandem-bench-send", tmp);
    remove_tree(base_dir);
    CreateDirectoryW(base_dir, NULL);
    swprintf(drop, MAX_PATH, L"%ls\\drop", base_dir);
    CreateDirectoryW(drop, NULL);
    if (FAILED(MAPIInitialize(NULL))) { printf("MAPIInitialize failed\n"); return 1; }
    memset(&alice, 0, sizeof(alice));
    memset(&bob, 0, sizeof(bob));
    memset(&r, 0, sizeof(r));
    if (!make_profile(&alice, "tandem-bench-alice", L"alice@example.test", drop)
        || !make_profile(&bob, "tandem-bench-bob", L"bob@example.test", drop)
        || !logon(&alice) || !logon(&bob) || !make_recips(&alice, &r)
        || !(bytes = rfc5322_bytes(&alice, &r, &len)))
    {
        printf("setup failed\n");
        goto done;
    }
    printf("send: %lu messages submit -> bob's Inbox; baseline: %lu x (%lu-byte RFC 5322 file written, flushed, "
           "renamed + one SQLite commit)\n", (unsigned long)n, (unsigned long)n, (unsigned long)len);
    base1 = baseline(bytes, len, n, 1);
    printf("  baseline          %8.1f msg/s\n", base1);
    coupled = run_path(&alice, &bob, &r, FALSE, n);
    printf("  coupled path      %8.1f msg/s\n", coupled);
    spooler = run_path(&alice, &bob, &r, TRUE, n);
    printf("  spooler path      %8.1f msg/s (also one NDR per message for the X400 recipient)\n", spooler);
    base2 = baseline(bytes, len, n, 2);
    printf("  baseline again    %8.1f msg/s\n", base2);
    base = (base1 + base2) / 2;
    if (base > 0 && coupled > 0 && spooler > 0)
    {
        printf("  ratio coupled / baseline  %.3f\n", coupled / base);
        printf("  ratio spooler / baseline  %.3f\n", spooler / base);
        rc = 0;
    }
done:
    free(bytes);
    if (r.bob.lpb) MAPIFreeBuffer(r.bob.lpb);
    if (r.x400.lpb) MAPIFreeBuffer(r.x400.lpb);
    logoff(&alice);
    logoff(&bob);
    drop_profile("tandem-bench-alice");
    drop_profile("tandem-bench-bob");
    MAPIUninitialize();
    remove_tree(base_dir);
    return rc;
}
