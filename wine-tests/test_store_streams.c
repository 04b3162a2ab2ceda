/*
 * test_store_streams.c - streams over big values through the public MAPI API (issue 3 point 6):
 * a 20 MB attachment written and read back through IStream (bytes compared by hash) without
 * the process holding the value whole (peak working set below half the value), and transacted:
 * another session sees nothing before SaveChanges. A 20 MB message property written in 8 KB
 * pieces (read back through the writing stream before Commit) and read back in another session
 * in odd-sized pieces and at odd offsets. Pages: imapiprop-openproperty.md, istream (COM), imessage-savechanges.md.
 */
#include "wtest.h"
#include "wtmapi.h"
#include <psapi.h>

#define VALUE_SIZE (20u * 1024 * 1024)
#define PIECE 65536
#define SMALL_PIECE 8192
#define PR_TEST_BIG_BIN PROP_TAG(PT_BINARY, 0x6830)

static ULONGLONG fnv(ULONGLONG h, const BYTE *p, ULONG n)
{
    while (n--) { h ^= *p++; h *= 0x100000001b3ULL; }
    return h;
}

static void fill(BYTE *p, ULONG off, ULONG n)
{
    ULONG i;
    for (i = 0; i < n; i++) p[i] = (BYTE)(((off + i) * 2654435761u) >> 13);
}

static double now_s(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

static SIZE_T peak(void)
{
    PROCESS_MEMORY_COUNTERS pmc;
    memset(&pmc, 0, sizeof(pmc));
    pmc.cb = sizeof(pmc);
    GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc));
    return pmc.PeakWorkingSetSize;
}

static BOOL logon(wt_profile *p, IMAPISession **session, IMsgStore **mdb, IMAPIFolder **inbox)
{
    ENTRYID *eid;
    ULONG cb, type;
    HRESULT hr;

    *inbox = NULL;
    if (!wt_store_open(p, session, mdb)) return FALSE;
    eid = NULL;
    hr = (*mdb)->lpVtbl->GetReceiveFolder(*mdb, NULL, 0, &cb, &eid, NULL);
    if (hr == S_OK) hr = (*mdb)->lpVtbl->OpenEntry(*mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)inbox);
    MAPIFreeBuffer(eid);
    return ok(hr == S_OK, "Inbox: %#lx\n", hr);
}

static void logoff(IMAPISession *session, IMsgStore *mdb, IMAPIFolder *inbox)
{
    if (inbox) inbox->lpVtbl->Release(inbox);
    wt_store_close(&session, &mdb);
}

/* Attachments of the message `eid` as another session sees it. */
static ULONG attachments_seen(IMsgStore *mdb, const SBinary *eid)
{
    IMessage *m = NULL;
    IMAPITable *t = NULL;
    ULONG type, n = ~0u;

    if (mdb->lpVtbl->OpenEntry(mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m) == S_OK &&
        m->lpVtbl->GetAttachmentTable(m, 0, &t) == S_OK)
        t->lpVtbl->GetRowCount(t, 0, &n);
    if (t) t->lpVtbl->Release(t);
    if (m) m->lpVtbl->Release(m);
    return n;
}

static void test_big_attachment(wt_profile *p)
{
    IMAPISession *s1, *s2;
    IMsgStore *mdb1, *mdb2;
    IMAPIFolder *in1, *in2;
    IMessage *msg = NULL;
    IAttach *att = NULL;
    IStream *st = NULL;
    SPropValue *eidv = NULL, v;
    BYTE *piece = malloc(PIECE);
    ULONGLONG want = 0xcbf29ce484222325ULL, got = 0xcbf29ce484222325ULL;
    SIZE_T before, after;
    ULONG num, off, n, total = 0;
    STATSTG stat;
    HRESULT hr;

    if (!logon(p, &s1, &mdb1, &in1) || !logon(p, &s2, &mdb2, &in2)) goto done;
    hr = in1->lpVtbl->CreateMessage(in1, NULL, 0, &msg);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) goto done;
    v.ulPropTag = PR_SUBJECT_A;
    v.Value.lpszA = (char *)"big attachment";
    msg->lpVtbl->SetProps(msg, 1, &v, NULL);
    hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "first SaveChanges %#lx\n", hr);
    hr = HrGetOneProp((IMAPIProp *)msg, PR_ENTRYID, &eidv);
    if (!ok(hr == S_OK, "PR_ENTRYID %#lx\n", hr)) goto done;

    before = peak();
    hr = msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att);
    if (!ok(hr == S_OK, "CreateAttach %#lx\n", hr)) goto done;
    v.ulPropTag = PR_ATTACH_METHOD;
    v.Value.l = ATTACH_BY_VALUE;
    att->lpVtbl->SetProps(att, 1, &v, NULL);
    hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&st);
    if (!ok(hr == S_OK, "OpenProperty(MAPI_CREATE) %#lx\n", hr)) goto done;
    for (off = 0; off < VALUE_SIZE; off += PIECE)
    {
        fill(piece, off, PIECE);
        want = fnv(want, piece, PIECE);
        hr = st->lpVtbl->Write(st, piece, PIECE, &n);
        if (!ok(hr == S_OK && n == PIECE, "Write at %lu: %#lx %lu\n", off, hr, n)) break;
    }
    hr = st->lpVtbl->Stat(st, &stat, STATFLAG_NONAME);
    ok(hr == S_OK && stat.cbSize.QuadPart == VALUE_SIZE, "Stat %#lx size %llu\n", hr, stat.cbSize.QuadPart);
    hr = st->lpVtbl->Commit(st, 0);
    ok(hr == S_OK, "Commit %#lx\n", hr);
    st->lpVtbl->Release(st);
    st = NULL;
    hr = att->lpVtbl->SaveChanges(att, 0);
    ok(hr == S_OK, "attachment SaveChanges %#lx\n", hr);
    att->lpVtbl->Release(att);
    att = NULL;

    /* transacted: the other session sees the message without the attachment */
    n = attachments_seen(mdb2, &eidv->Value.bin);
    ok(n == 0, "another session sees %lu attachments before SaveChanges\n", n);
    hr = msg->lpVtbl->SaveChanges(msg, 0);
    ok(hr == S_OK, "message SaveChanges %#lx\n", hr);
    msg->lpVtbl->Release(msg);
    msg = NULL;
    n = attachments_seen(mdb2, &eidv->Value.bin);
    ok(n == 1, "another session sees %lu attachments after SaveChanges\n", n);

    /* read it back in the other session */
    {
        ULONG type;
        hr = mdb2->lpVtbl->OpenEntry(mdb2, eidv->Value.bin.cb, (ENTRYID *)eidv->Value.bin.lpb, NULL, 0, &type,
                                     (IUnknown **)&msg);
        if (hr == S_OK) hr = msg->lpVtbl->OpenAttach(msg, num, NULL, 0, &att);
        if (hr == S_OK) hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0, (IUnknown **)&st);
        if (ok(hr == S_OK, "opening the stream again: %#lx\n", hr))
        {
            while ((hr = st->lpVtbl->Read(st, piece, PIECE, &n)) == S_OK && n)
            {
                got = fnv(got, piece, n);
                total += n;
            }
            ok(total == VALUE_SIZE, "read %lu bytes\n", total);
            ok(got == want, "the bytes read back differ from those written\n");
        }
        {
            SizedSPropTagArray(1, one) = {1, {PR_ATTACH_DATA_BIN}};
            SPropValue *vals = NULL;
            ULONG cnt = 0;
            hr = att ? att->lpVtbl->GetProps(att, (SPropTagArray *)&one, 0, &cnt, &vals) : E_FAIL;
            ok(hr == MAPI_W_ERRORS_RETURNED && vals && vals[0].Value.err == MAPI_E_NOT_ENOUGH_MEMORY,
               "GetProps of the big value: %#lx %#lx\n", hr, vals ? vals[0].Value.err : 0);
            MAPIFreeBuffer(vals);
        }
    }
    after = peak();
    /* the value is never held whole, not even once (SQLite's page caches and a chunk or two) */
    ok(after - before < (SIZE_T)VALUE_SIZE / 2, "peak working set grew by %lu KB for a %u KB value\n",
       (unsigned long)((after - before) / 1024), VALUE_SIZE / 1024);
    trace("peak working set grew by %lu KB for a %u KB value\n", (unsigned long)((after - before) / 1024), VALUE_SIZE / 1024);
done:
    if (st) st->lpVtbl->Release(st);
    if (att) att->lpVtbl->Release(att);
    if (msg) msg->lpVtbl->Release(msg);
    MAPIFreeBuffer(eidv);
    free(piece);
    logoff(s2, mdb2, in2);
    logoff(s1, mdb1, in1);
}

/* Bytes [off, off + n) of the value equal fill()'s (checked without a second copy of the value). */
static BOOL same_as_fill(const BYTE *p, ULONG off, ULONG n)
{
    BYTE want[4096];
    ULONG i, k;
    for (i = 0; i < n; i += k)
    {
        k = min(n - i, (ULONG)sizeof(want));
        fill(want, off + i, k);
        if (memcmp(p + i, want, k)) return FALSE;
    }
    return TRUE;
}

/* Read `cb` bytes at `off` through `st` (Seek + Read) and compare them with fill()'s. */
static BOOL read_at_matches(IStream *st, ULONG off, BYTE *buf, ULONG cb)
{
    LARGE_INTEGER move;
    ULARGE_INTEGER pos;
    ULONG n = 0;
    HRESULT hr;

    move.QuadPart = off;
    hr = st->lpVtbl->Seek(st, move, STREAM_SEEK_SET, &pos);
    if (!ok(hr == S_OK && pos.QuadPart == off, "Seek to %lu: %#lx %llu\n", off, hr, pos.QuadPart)) return FALSE;
    hr = st->lpVtbl->Read(st, buf, cb, &n);
    return ok(hr == S_OK && n == cb && same_as_fill(buf, off, cb), "Read of %lu at %lu: %#lx, %lu bytes, %s\n", cb,
              off, hr, n, n == cb && same_as_fill(buf, off, cb) ? "as written" : "not as written");
}

/* A message property of VALUE_SIZE bytes written in 8 KB pieces; the writing stream reads the
 * bytes back before Commit; another session reads the saved value in odd-sized pieces. */
static void test_small_pieces(wt_profile *p)
{
    /* odd read sizes, none a divisor of the chunk or page size */
    static const ULONG sizes[] = {1, 4097, 65537, 777, 12289, 3, 131071, 509};
    static const ULONG offsets[] = {0, 1, 8191, 65535, 65536, 65537, VALUE_SIZE / 2 + 13, VALUE_SIZE - 5000};
    IMAPISession *s1, *s2;
    IMsgStore *mdb1, *mdb2;
    IMAPIFolder *in1, *in2;
    IMessage *msg = NULL;
    IStream *st = NULL;
    SPropValue *eidv = NULL;
    BYTE *piece = malloc(131071);
    ULONGLONG want = 0xcbf29ce484222325ULL, got = 0xcbf29ce484222325ULL;
    ULONG off, n, total = 0, reads = 0, i, type;
    double t0, t_write, t_commit, t_save, t_read;
    LARGE_INTEGER zero;
    STATSTG stat;
    HRESULT hr;

    zero.QuadPart = 0;
    if (!logon(p, &s1, &mdb1, &in1) || !logon(p, &s2, &mdb2, &in2)) goto done;
    hr = in1->lpVtbl->CreateMessage(in1, NULL, 0, &msg);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) goto done;
    hr = msg->lpVtbl->OpenProperty(msg, PR_TEST_BIG_BIN, &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&st);
    if (!ok(hr == S_OK, "OpenProperty(MAPI_CREATE) %#lx\n", hr)) goto done;
    t0 = now_s();
    for (off = 0; off < VALUE_SIZE; off += SMALL_PIECE)
    {
        fill(piece, off, SMALL_PIECE);
        want = fnv(want, piece, SMALL_PIECE);
        hr = st->lpVtbl->Write(st, piece, SMALL_PIECE, &n);
        if (!ok(hr == S_OK && n == SMALL_PIECE, "Write at %lu: %#lx %lu\n", off, hr, n)) break;
    }
    t_write = now_s() - t0;
    /* the writing stream reads what it wrote, before Commit */
    for (i = 0; i < ARRAYSIZE(offsets); i++) read_at_matches(st, offsets[i], piece, min(4097, VALUE_SIZE - offsets[i]));
    hr = st->lpVtbl->Stat(st, &stat, STATFLAG_NONAME);
    ok(hr == S_OK && stat.cbSize.QuadPart == VALUE_SIZE, "Stat %#lx size %llu\n", hr, stat.cbSize.QuadPart);
    t0 = now_s();
    hr = st->lpVtbl->Commit(st, 0);
    ok(hr == S_OK, "Commit %#lx\n", hr);
    t_commit = now_s() - t0;
    st->lpVtbl->Release(st);
    st = NULL;
    t0 = now_s();
    hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);
    t_save = now_s() - t0;
    hr = HrGetOneProp((IMAPIProp *)msg, PR_ENTRYID, &eidv);
    if (!ok(hr == S_OK, "PR_ENTRYID %#lx\n", hr)) goto done;
    msg->lpVtbl->Release(msg);
    msg = NULL;

    /* another session: the saved value in odd-sized pieces, then at odd offsets */
    hr = mdb2->lpVtbl->OpenEntry(mdb2, eidv->Value.bin.cb, (ENTRYID *)eidv->Value.bin.lpb, NULL, 0, &type,
                                 (IUnknown **)&msg);
    if (hr == S_OK) hr = msg->lpVtbl->OpenProperty(msg, PR_TEST_BIG_BIN, &IID_IStream, 0, 0, (IUnknown **)&st);
    if (!ok(hr == S_OK, "opening the saved value in another session: %#lx\n", hr)) goto done;
    hr = st->lpVtbl->Stat(st, &stat, STATFLAG_NONAME);
    ok(hr == S_OK && stat.cbSize.QuadPart == VALUE_SIZE, "Stat of the saved value %#lx size %llu\n", hr,
       stat.cbSize.QuadPart);
    t0 = now_s();
    while ((hr = st->lpVtbl->Read(st, piece, sizes[reads % ARRAYSIZE(sizes)], &n)) == S_OK && n)
    {
        got = fnv(got, piece, n);
        total += n;
        reads++;
    }
    t_read = now_s() - t0;
    ok(hr == S_OK, "Read at the end: %#lx\n", hr);
    ok(total == VALUE_SIZE, "read %lu bytes in %lu pieces\n", total, reads);
    ok(got == want, "the bytes read back in odd-sized pieces differ from those written\n");
    for (i = ARRAYSIZE(offsets); i-- > 0;) read_at_matches(st, offsets[i], piece, min(12289, VALUE_SIZE - offsets[i]));
    /* reading past the end gives no bytes */
    {
        LARGE_INTEGER move;
        move.QuadPart = VALUE_SIZE + 10;
        hr = st->lpVtbl->Seek(st, move, STREAM_SEEK_SET, NULL);
        n = 1;
        if (hr == S_OK) hr = st->lpVtbl->Read(st, piece, 100, &n);
        ok(hr == S_OK && n == 0, "Read past the end: %#lx, %lu bytes\n", hr, n);
    }
    st->lpVtbl->Seek(st, zero, STREAM_SEEK_SET, NULL);
    trace("%u KB in %u-byte pieces: Write %.2f s, Commit %.2f s, SaveChanges %.2f s; read back in %lu pieces %.2f s\n",
          VALUE_SIZE / 1024, SMALL_PIECE, t_write, t_commit, t_save, reads, t_read);
done:
    if (st) st->lpVtbl->Release(st);
    if (msg) msg->lpVtbl->Release(msg);
    MAPIFreeBuffer(eidv);
    free(piece);
    logoff(s2, mdb2, in2);
    logoff(s1, mdb1, in1);
}

/* Length of the value of `tag` on `msg` as a new read-only stream sees it, and whether its
 * bytes are fill()'s; ~0u when it cannot be opened. */
static ULONG value_seen(IMessage *msg, ULONG tag, BOOL *as_fill)
{
    IStream *st = NULL;
    BYTE buf[4096];
    ULONG n, total = 0;

    *as_fill = TRUE;
    if (msg->lpVtbl->OpenProperty(msg, tag, &IID_IStream, 0, 0, (IUnknown **)&st) != S_OK) return ~0u;
    while (st->lpVtbl->Read(st, buf, sizeof(buf), &n) == S_OK && n)
    {
        if (!same_as_fill(buf, total, n)) *as_fill = FALSE;
        total += n;
    }
    st->lpVtbl->Release(st);
    return total;
}

/* A big value handed to its message by Commit stays as committed while the stream goes on
 * changing its own copy (Write, SetSize, Revert), and a later Commit hands over the change. */
static void test_commit_then_change(wt_profile *p)
{
    const ULONG size = 100000;
    IMAPISession *s1 = NULL;
    IMsgStore *mdb1 = NULL;
    IMAPIFolder *in1 = NULL;
    IMessage *msg = NULL;
    IStream *st = NULL;
    BYTE *buf = malloc(size), ff[8192];
    ULARGE_INTEGER newsize;
    LARGE_INTEGER zero;
    ULONG n = 0, len;
    BOOL as_fill;
    HRESULT hr;

    zero.QuadPart = 0;
    memset(ff, 0xff, sizeof(ff));
    if (!logon(p, &s1, &mdb1, &in1)) goto done;
    hr = in1->lpVtbl->CreateMessage(in1, NULL, 0, &msg);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) goto done;
    hr = msg->lpVtbl->OpenProperty(msg, PR_TEST_BIG_BIN, &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&st);
    if (!ok(hr == S_OK, "OpenProperty(MAPI_CREATE) %#lx\n", hr)) goto done;
    fill(buf, 0, size);
    hr = st->lpVtbl->Write(st, buf, size, &n);
    ok(hr == S_OK && n == size, "Write %#lx %lu\n", hr, n);
    hr = st->lpVtbl->Commit(st, 0);
    ok(hr == S_OK, "Commit %#lx\n", hr);
    /* change the start after Commit: the stream sees it, the message does not */
    st->lpVtbl->Seek(st, zero, STREAM_SEEK_SET, NULL);
    hr = st->lpVtbl->Write(st, ff, sizeof(ff), &n);
    ok(hr == S_OK && n == sizeof(ff), "Write after Commit %#lx %lu\n", hr, n);
    st->lpVtbl->Seek(st, zero, STREAM_SEEK_SET, NULL);
    memset(buf, 0, sizeof(ff));
    hr = st->lpVtbl->Read(st, buf, sizeof(ff), &n);
    ok(hr == S_OK && n == sizeof(ff) && !memcmp(buf, ff, sizeof(ff)), "the writing stream reads %#lx %lu bytes, %s\n",
       hr, n, memcmp(buf, ff, sizeof(ff)) ? "not its write" : "its write");
    len = value_seen(msg, PR_TEST_BIG_BIN, &as_fill);
    ok(len == size && as_fill, "the message has %lu bytes, %s, after a Write not committed\n", len,
       as_fill ? "as committed" : "not as committed");
    newsize.QuadPart = 50000;
    hr = st->lpVtbl->SetSize(st, newsize);
    ok(hr == S_OK, "SetSize %#lx\n", hr);
    len = value_seen(msg, PR_TEST_BIG_BIN, &as_fill);
    ok(len == size && as_fill, "the message has %lu bytes after a SetSize not committed\n", len);
    hr = st->lpVtbl->Revert(st);
    ok(hr == S_OK, "Revert %#lx\n", hr);
    st->lpVtbl->Release(st);
    st = NULL;
    len = value_seen(msg, PR_TEST_BIG_BIN, &as_fill);
    ok(len == size && as_fill, "the message has %lu bytes, %s, after Revert and Release\n", len,
       as_fill ? "as committed" : "not as committed");

    /* a second stream: SetSize + Commit reaches the message */
    hr = msg->lpVtbl->OpenProperty(msg, PR_TEST_BIG_BIN, &IID_IStream, 0, MAPI_MODIFY, (IUnknown **)&st);
    if (!ok(hr == S_OK, "OpenProperty(MAPI_MODIFY) %#lx\n", hr)) goto done;
    newsize.QuadPart = 40000;
    hr = st->lpVtbl->SetSize(st, newsize);
    if (hr == S_OK) hr = st->lpVtbl->Commit(st, 0);
    ok(hr == S_OK, "SetSize + Commit %#lx\n", hr);
    len = value_seen(msg, PR_TEST_BIG_BIN, &as_fill);
    ok(len == 40000 && as_fill, "the message has %lu bytes after SetSize + Commit\n", len);
    hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);
    st->lpVtbl->Release(st);
    st = NULL;
    len = value_seen(msg, PR_TEST_BIG_BIN, &as_fill);
    ok(len == 40000 && as_fill, "the saved message has %lu bytes\n", len);
done:
    if (st) st->lpVtbl->Release(st);
    if (msg) msg->lpVtbl->Release(msg);
    free(buf);
    logoff(s1, mdb1, in1);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    wt_profile p;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr) &&
        wt_profile_create(admin, &p, "tandem-wt-store-streams"))
    {
        test_big_attachment(&p);
        test_small_pieces(&p);
        test_commit_then_change(&p);
        wt_profile_delete(admin, &p);
    }
    if (admin) admin->lpVtbl->Release(admin);
    MAPIUninitialize();
}
