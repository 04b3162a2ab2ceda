/*
 * test_store_safety.c - the store's safety promises through the public MAPI API (issue 3
 * point 10): a writer process killed mid-save never leaves the store inconsistent; two
 * processes and two sessions on one store see each other's saved changes; a file that is not
 * a Tandem store, is damaged or has a newer schema is refused and left byte-for-byte alone.
 * Pages: imapisession-openmsgstore.md, imapiprop-savechanges.md, imapifolder-*.md.
 *
 * The program starts copies of itself (CreateProcess of its own exe) with an argument naming
 * the role: `writer PROFILE ROUND` saves messages until it is killed, `save PROFILE SUBJECT`
 * saves one message, `find PROFILE SUBJECT` exits 0 when the message is in the Inbox.
 */
#include "wtest.h"
#include "wtmapi.h"
#include <stdlib.h>

/* ITandemStore (idl/tandem.idl), declared by hand like IMiniMapiDiagnostics in wtmapi.c: on
 * another MAPI, QueryInterface fails and the integrity checks are skipped. */
static const GUID IID_ITandemStore_wt =
    {0x943e7e81, 0x1b96, 0x475e, {0xb1, 0xd2, 0x91, 0x4c, 0xf4, 0x0f, 0x12, 0xc5}};
typedef struct tandemstore_vtbl
{
    HRESULT (STDMETHODCALLTYPE *QueryInterface)(IUnknown *, REFIID, void **);
    ULONG (STDMETHODCALLTYPE *AddRef)(IUnknown *);
    ULONG (STDMETHODCALLTYPE *Release)(IUnknown *);
    HRESULT (STDMETHODCALLTYPE *GetDatabasePath)(IUnknown *, ULONG, WCHAR *, ULONG *);
    HRESULT (STDMETHODCALLTYPE *GetSchemaVersion)(IUnknown *, ULONG *);
    HRESULT (STDMETHODCALLTYPE *CheckIntegrity)(IUnknown *, ULONG, ULONG *);
} tandemstore_vtbl;

#define PR_WT_RECIPS    PROP_TAG(PT_LONG, 0x6801)   /* recipients the writer added */
#define PR_WT_ATTACHS   PROP_TAG(PT_LONG, 0x6802)   /* attachments the writer added */
#define PR_WT_MV        PROP_TAG(PT_MV_LONG, 0x6803)
#define BODY_CHARS      20000
#define ATT_BYTES       3000
#define WRITER_RECIPS   3
#define WRITER_ATTACHS  2

static const char profile_base[] = "tandem-wt-safety";
static char profile_name[64];   /* wt_profile_name of profile_base */

typedef struct store_session
{
    IMAPISession *session;
    IMsgStore *mdb;
    IMAPIFolder *inbox;
} store_session;

static HRESULT open_session(const char *profile, store_session *ss)
{
    ENTRYID *eid = NULL;
    ULONG cb = 0, type;
    HRESULT hr;

    memset(ss, 0, sizeof(*ss));
    hr = MAPILogonEx(0, (LPTSTR)profile, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL, &ss->session);
    if (FAILED(hr)) return hr;
    if (!(eid = wt_default_store_id(ss->session, &cb))) return MAPI_E_NOT_FOUND;
    hr = ss->session->lpVtbl->OpenMsgStore(ss->session, 0, cb, eid, NULL, MDB_WRITE | MDB_NO_DIALOG, &ss->mdb);
    MAPIFreeBuffer(eid);
    eid = NULL;
    if (FAILED(hr)) return hr;
    if (FAILED(hr = ss->mdb->lpVtbl->GetReceiveFolder(ss->mdb, NULL, 0, &cb, &eid, NULL))) return hr;
    hr = ss->mdb->lpVtbl->OpenEntry(ss->mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&ss->inbox);
    MAPIFreeBuffer(eid);
    return hr;
}

static void close_session(store_session *ss)
{
    if (ss->inbox) ss->inbox->lpVtbl->Release(ss->inbox);
    if (ss->mdb) ss->mdb->lpVtbl->Release(ss->mdb);
    if (ss->session)
    {
        ss->session->lpVtbl->Logoff(ss->session, 0, 0, 0);
        ss->session->lpVtbl->Release(ss->session);
    }
    memset(ss, 0, sizeof(*ss));
}

/* The byte every attachment of the message with this subject is filled with. */
static BYTE att_fill(const char *subject, ULONG num)
{
    BYTE h = (BYTE)num;
    while (*subject) h = (BYTE)(h * 31 + *subject++);
    return h;
}

static void make_body(const char *subject, char *body)
{
    size_t n = strlen(subject), i;
    for (i = 0; i < BODY_CHARS; i++) body[i] = i % (n + 1) == n ? ' ' : subject[i % (n + 1)];
    body[BODY_CHARS] = 0;
}

/* Fill a message with everything the consistency check expects; FAILED on any error. */
static HRESULT fill_message(IMessage *m, const char *subject, char *body)
{
    static LONG mv[3] = {7, 8, 9};
    SPropValue props[16];
    ADRLIST *list = NULL;
    BYTE data[ATT_BYTES];
    ULONG i, n = 0, num;
    HRESULT hr;

    make_body(subject, body);
    props[n].ulPropTag = PR_SUBJECT_A;        props[n++].Value.lpszA = (char *)subject;
    props[n].ulPropTag = PR_BODY_A;           props[n++].Value.lpszA = body;
    props[n].ulPropTag = PR_MESSAGE_CLASS_A;  props[n++].Value.lpszA = (char *)"IPM.Note";
    props[n].ulPropTag = PR_WT_RECIPS;        props[n++].Value.l = WRITER_RECIPS;
    props[n].ulPropTag = PR_WT_ATTACHS;       props[n++].Value.l = WRITER_ATTACHS;
    props[n].ulPropTag = PR_WT_MV;            props[n].Value.MVl.cValues = 3; props[n++].Value.MVl.lpl = mv;
    props[n].ulPropTag = PR_IMPORTANCE;       props[n++].Value.l = IMPORTANCE_HIGH;
    props[n].ulPropTag = PR_SENDER_NAME_A;    props[n++].Value.lpszA = (char *)"Writer";
    if (FAILED(hr = m->lpVtbl->SetProps(m, n, props, NULL))) return hr;

    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(WRITER_RECIPS), (void **)&list))) return hr;
    list->cEntries = 0;
    for (i = 0; i < WRITER_RECIPS; i++)
    {
        SPropValue *v = NULL;
        if (FAILED(hr = MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&v))) break;
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        v[0].Value.lpszA = (char *)subject;
        v[1].ulPropTag = PR_RECIPIENT_TYPE;
        v[1].Value.l = MAPI_TO;
        list->aEntries[i].cValues = 2;
        list->aEntries[i].rgPropVals = v;
        list->cEntries++;
    }
    if (SUCCEEDED(hr)) hr = m->lpVtbl->ModifyRecipients(m, 0, list);
    FreePadrlist(list);
    if (FAILED(hr)) return hr;

    for (i = 0; i < WRITER_ATTACHS && SUCCEEDED(hr); i++)
    {
        IAttach *att = NULL;
        if (FAILED(hr = m->lpVtbl->CreateAttach(m, NULL, 0, &num, &att))) break;
        memset(data, att_fill(subject, i), sizeof(data));
        props[0].ulPropTag = PR_ATTACH_METHOD;
        props[0].Value.l = ATTACH_BY_VALUE;
        props[1].ulPropTag = PR_ATTACH_DATA_BIN;
        props[1].Value.bin.cb = sizeof(data);
        props[1].Value.bin.lpb = data;
        props[2].ulPropTag = PR_ATTACH_LONG_FILENAME_A;
        props[2].Value.lpszA = (char *)subject;
        props[3].ulPropTag = PR_RENDERING_POSITION;
        props[3].Value.l = (LONG)i;
        hr = att->lpVtbl->SetProps(att, 4, props, NULL);
        if (SUCCEEDED(hr)) hr = att->lpVtbl->SaveChanges(att, 0);
        att->lpVtbl->Release(att);
    }
    return hr;
}

/* ---- child roles -------------------------------------------------------------------------- */

/* Shared with the parent: how many saves of this round returned S_OK. */
static LONG *saved_counter(BOOL create, HANDLE *mapping)
{
    *mapping = create ? CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, "tandem-wt-safety-count")
                      : OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, "tandem-wt-safety-count");
    if (!*mapping) return NULL;
    return MapViewOfFile(*mapping, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(LONG));
}

static int child_writer(const char *profile, const char *round)
{
    static char body[BODY_CHARS + 1];
    HANDLE mapping = NULL, started = OpenEventA(EVENT_MODIFY_STATE, FALSE, "tandem-wt-safety-started");
    LONG *count = saved_counter(FALSE, &mapping);
    store_session ss;
    char subject[64];
    ULONG i;

    if (!count || !started || MAPIInitialize(NULL) != S_OK) return 2;
    if (FAILED(open_session(profile, &ss))) return 3;
    for (i = 0;; i++)
    {
        IMessage *m = NULL;
        HRESULT hr;

        snprintf(subject, sizeof(subject), "w%s-%lu", round, (unsigned long)i);
        if (FAILED(hr = ss.inbox->lpVtbl->CreateMessage(ss.inbox, NULL, 0, &m))) return 4;
        hr = fill_message(m, subject, body);
        if (SUCCEEDED(hr)) hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
        if (FAILED(hr)) return 5;
        InterlockedIncrement(count);
        /* every other message is saved a second time, changed throughout: ModifyRecipients
         * without flags replaces the recipients, the attachments are replaced (the path a
         * kill can catch half-way) */
        if (i % 2)
        {
            snprintf(subject, sizeof(subject), "w%s-%lu-again", round, (unsigned long)i);
            m->lpVtbl->DeleteAttach(m, 1, 0, NULL, 0);
            m->lpVtbl->DeleteAttach(m, 2, 0, NULL, 0);
            hr = fill_message(m, subject, body);
            if (SUCCEEDED(hr)) hr = m->lpVtbl->SaveChanges(m, 0);
            if (FAILED(hr)) return 6;
        }
        m->lpVtbl->Release(m);
        if (i == 0) SetEvent(started);
    }
}

static int child_save(const char *profile, const char *subject)
{
    static char body[BODY_CHARS + 1];
    store_session ss;
    IMessage *m = NULL;
    HRESULT hr;

    if (MAPIInitialize(NULL) != S_OK) return 2;
    if (FAILED(open_session(profile, &ss))) return 3;
    hr = ss.inbox->lpVtbl->CreateMessage(ss.inbox, NULL, 0, &m);
    if (SUCCEEDED(hr)) hr = fill_message(m, subject, body);
    if (SUCCEEDED(hr)) hr = m->lpVtbl->SaveChanges(m, 0);
    if (m) m->lpVtbl->Release(m);
    close_session(&ss);
    MAPIUninitialize();
    return SUCCEEDED(hr) ? 0 : 4;
}

/* The entry ID of the message with `subject` in `f` (MAPIAllocateBuffer'd) or NULL. */
static SBinary *find_message(IMAPIFolder *f, const char *subject)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_SUBJECT_A}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SBinary *r = NULL;
    ULONG i;

    if (FAILED(f->lpVtbl->GetContentsTable(f, 0, &t))) return NULL;
    if (HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK)
    {
        for (i = 0; i < rows->cRows && !r; i++)
        {
            SPropValue *v = rows->aRow[i].lpProps;
            if (v[1].ulPropTag == PR_SUBJECT_A && !strcmp(v[1].Value.lpszA, subject) &&
                MAPIAllocateBuffer(sizeof(SBinary) + v[0].Value.bin.cb, (void **)&r) == S_OK)
            {
                r->cb = v[0].Value.bin.cb;
                r->lpb = (BYTE *)(r + 1);
                memcpy(r->lpb, v[0].Value.bin.lpb, r->cb);
            }
        }
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);
    return r;
}

static int child_find(const char *profile, const char *subject)
{
    store_session ss;
    SBinary *eid;
    IMessage *m = NULL;
    ULONG type;
    int rc = 5;

    if (MAPIInitialize(NULL) != S_OK) return 2;
    if (FAILED(open_session(profile, &ss))) return 3;
    if (!(eid = find_message(ss.inbox, subject))) rc = 4;
    else if (ss.mdb->lpVtbl->OpenEntry(ss.mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m) == S_OK)
    {
        SPropValue *v = NULL;
        if (HrGetOneProp((IMAPIProp *)m, PR_SUBJECT_A, &v) == S_OK && !strcmp(v->Value.lpszA, subject)) rc = 0;
        MAPIFreeBuffer(v);
        m->lpVtbl->Release(m);
    }
    MAPIFreeBuffer(eid);
    close_session(&ss);
    MAPIUninitialize();
    return rc;
}

/* ---- parent side -------------------------------------------------------------------------- */

static HANDLE start_child(const char *args)
{
    char exe[MAX_PATH], cmd[MAX_PATH + 200];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;

    GetModuleFileNameA(NULL, exe, MAX_PATH);
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", exe, args);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessA(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return NULL;
    CloseHandle(pi.hThread);
    return pi.hProcess;
}

static DWORD run_child(const char *args)
{
    HANDLE p = start_child(args);
    DWORD code = 999;
    if (!p) return 998;
    if (WaitForSingleObject(p, 120000) == WAIT_OBJECT_0) GetExitCodeProcess(p, &code);
    else TerminateProcess(p, 997);
    CloseHandle(p);
    return code;
}

static ULONG table_count(IMAPITable *t)
{
    ULONG n = 0;
    t->lpVtbl->GetRowCount(t, 0, &n);
    return n;
}

/* Is the message complete: every property, recipient and attachment the writer gave it? */
static BOOL message_complete(IMessage *m, const char *subject)
{
    static const SizedSPropTagArray(6, tags) = {6, {PR_SUBJECT_A, PR_BODY_A, PR_WT_RECIPS, PR_WT_ATTACHS,
                                                    PR_WT_MV, PR_IMPORTANCE}};
    static char body[BODY_CHARS + 1];
    SPropValue *v = NULL;
    IMAPITable *t = NULL;
    ULONG n = 0, i;
    BOOL good;

    if (m->lpVtbl->GetProps(m, (SPropTagArray *)&tags, 0, &n, &v) != S_OK) return FALSE;
    make_body(subject, body);
    good = n == 6 && !strcmp(v[0].Value.lpszA, subject) && !strcmp(v[1].Value.lpszA, body) &&
           v[2].Value.l == WRITER_RECIPS && v[3].Value.l == WRITER_ATTACHS && v[4].Value.MVl.cValues == 3 &&
           v[4].Value.MVl.lpl[2] == 9 && v[5].Value.l == IMPORTANCE_HIGH;
    MAPIFreeBuffer(v);
    if (!good) return FALSE;
    if (FAILED(m->lpVtbl->GetRecipientTable(m, 0, &t))) return FALSE;
    good = table_count(t) == WRITER_RECIPS;
    t->lpVtbl->Release(t);
    if (!good || FAILED(m->lpVtbl->GetAttachmentTable(m, 0, &t))) return FALSE;
    good = table_count(t) == WRITER_ATTACHS;
    if (good)
    {
        static const SizedSPropTagArray(1, cols) = {1, {PR_ATTACH_NUM}};
        SRowSet *rows = NULL;
        good = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK;
        for (i = 0; good && i < rows->cRows; i++)
        {
            IAttach *att = NULL;
            SPropValue *d = NULL;
            ULONG k;
            good = m->lpVtbl->OpenAttach(m, rows->aRow[i].lpProps[0].Value.l, NULL, 0, &att) == S_OK &&
                   HrGetOneProp((IMAPIProp *)att, PR_ATTACH_DATA_BIN, &d) == S_OK && d->Value.bin.cb == ATT_BYTES;
            if (good)
            {
                /* attachments are numbered in creation order; each is filled with one byte */
                BYTE fill = d->Value.bin.lpb[0];
                BOOL known = fill == att_fill(subject, 0) || fill == att_fill(subject, 1);
                for (k = 0; k < ATT_BYTES && known; k++) known = d->Value.bin.lpb[k] == fill;
                good = known;
            }
            MAPIFreeBuffer(d);
            if (att) att->lpVtbl->Release(att);
        }
        if (rows) FreeProws(rows);
    }
    t->lpVtbl->Release(t);
    return good;
}

/* Check every message of the Inbox; *round_msgs gets how many belong to round `round`. */
static void check_store(store_session *ss, ULONG round, ULONG *round_msgs)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_SUBJECT_A}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    IUnknown *ts = NULL;
    char prefix[16];
    ULONG i, bad = 0, problems = ~0u;
    HRESULT hr;

    *round_msgs = 0;
    snprintf(prefix, sizeof(prefix), "w%lu-", (unsigned long)round);
    if (SUCCEEDED(ss->mdb->lpVtbl->QueryInterface(ss->mdb, &IID_ITandemStore_wt, (void **)&ts)))
    {
        hr = ((tandemstore_vtbl *)ts->lpVtbl)->CheckIntegrity(ts, 0, &problems);
        ok(hr == S_OK && problems == 0, "round %lu: CheckIntegrity %#lx, %lu problems\n", round, hr, problems);
        hr = ((tandemstore_vtbl *)ts->lpVtbl)->CheckIntegrity(ts, 1, &problems);
        ok(hr == MAPI_E_UNKNOWN_FLAGS, "CheckIntegrity with flags 1: %#lx\n", hr);
        ts->lpVtbl->Release(ts);
    }
    else
        skip("not a Tandem store: no integrity check\n");
    hr = ss->inbox->lpVtbl->GetContentsTable(ss->inbox, 0, &t);
    if (!ok(hr == S_OK, "GetContentsTable %#lx\n", hr)) return;
    hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    ok(hr == S_OK, "QueryRows %#lx\n", hr);
    for (i = 0; rows && i < rows->cRows; i++)
    {
        SPropValue *v = rows->aRow[i].lpProps;
        IMessage *m = NULL;
        ULONG type;

        if (v[1].ulPropTag != PR_SUBJECT_A || v[1].Value.lpszA[0] != 'w') continue;
        if (!strncmp(v[1].Value.lpszA, prefix, strlen(prefix))) (*round_msgs)++;
        hr = ss->mdb->lpVtbl->OpenEntry(ss->mdb, v[0].Value.bin.cb, (ENTRYID *)v[0].Value.bin.lpb, NULL, 0, &type,
                                        (IUnknown **)&m);
        if (!ok(hr == S_OK, "OpenEntry of %s: %#lx\n", v[1].Value.lpszA, hr)) { bad++; continue; }
        if (!ok(message_complete(m, v[1].Value.lpszA), "round %lu: message %s is incomplete\n", round, v[1].Value.lpszA))
            bad++;
        m->lpVtbl->Release(m);
    }
    trace("round %lu: %lu messages checked, %lu of this round, %lu bad\n", round, rows ? rows->cRows : 0,
          *round_msgs, bad);
    if (rows) FreeProws(rows);
    t->lpVtbl->Release(t);
}

static void test_killed_writer(void)
{
    HANDLE started, mapping = NULL, proc;
    LONG *count;
    store_session ss;
    ULONG round, msgs;
    char args[128];
    HRESULT hr;

    wt_context("killed writer");
    started = CreateEventA(NULL, FALSE, FALSE, "tandem-wt-safety-started");
    count = saved_counter(TRUE, &mapping);
    if (!ok(started && count, "event and shared counter\n")) return;
    srand(GetTickCount());
    for (round = 1; round <= 6; round++)
    {
        DWORD wait, code = 0;

        *count = 0;
        ResetEvent(started);
        snprintf(args, sizeof(args), "writer %s %lu", profile_name, (unsigned long)round);
        proc = start_child(args);
        if (!ok(proc != NULL, "CreateProcess: %lu\n", GetLastError())) break;
        wait = WaitForSingleObject(started, 60000);
        ok(wait == WAIT_OBJECT_0, "round %lu: the writer saved nothing (%lu)\n", round, wait);
        /* kill it at a random moment of its loop */
        Sleep(rand() % 400);
        TerminateProcess(proc, 77);
        WaitForSingleObject(proc, 30000);
        GetExitCodeProcess(proc, &code);
        CloseHandle(proc);
        ok(code == 77, "round %lu: the writer stopped by itself with %lu\n", round, code);

        hr = open_session(profile_name, &ss);
        if (ok(hr == S_OK, "round %lu: reopening the store %#lx\n", round, hr))
        {
            check_store(&ss, round, &msgs);
            /* every save that returned S_OK is there; at most the one being saved more */
            ok(msgs >= (ULONG)*count && msgs <= (ULONG)*count + 1, "round %lu: %lu messages, %ld saves confirmed\n",
               round, msgs, *count);
        }
        close_session(&ss);
    }
    UnmapViewOfFile(count);
    CloseHandle(mapping);
    CloseHandle(started);
}

static void test_two_processes(void)
{
    store_session a, b;
    SBinary *eid, *eid2;
    IMessage *m = NULL;
    char args[128];
    ULONG type;
    DWORD code;
    HRESULT hr;

    wt_context("two processes");
    hr = open_session(profile_name, &a);
    if (!ok(hr == S_OK, "open %#lx\n", hr)) { close_session(&a); return; }
    /* B saves, A sees it in a newly opened contents table and opens it by entry ID */
    snprintf(args, sizeof(args), "save %s from-B", profile_name);
    code = run_child(args);
    ok(code == 0, "process B save: %lu\n", code);
    eid = find_message(a.inbox, "from-B");
    ok(eid != NULL, "process B's message not in A's new contents table\n");
    if (eid)
    {
        hr = a.mdb->lpVtbl->OpenEntry(a.mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m);
        ok(hr == S_OK && type == MAPI_MESSAGE, "OpenEntry of B's message: %#lx\n", hr);
        if (m)
        {
            ok(message_complete(m, "from-B"), "B's message incomplete in A\n");
            m->lpVtbl->Release(m);
        }
    }
    MAPIFreeBuffer(eid);

    /* A saves (its store still open), B finds it */
    {
        static char body[BODY_CHARS + 1];
        m = NULL;
        hr = a.inbox->lpVtbl->CreateMessage(a.inbox, NULL, 0, &m);
        if (SUCCEEDED(hr)) hr = fill_message(m, "from-A", body);
        if (SUCCEEDED(hr)) hr = m->lpVtbl->SaveChanges(m, 0);
        ok(hr == S_OK, "save in A %#lx\n", hr);
        if (m) m->lpVtbl->Release(m);
        snprintf(args, sizeof(args), "find %s from-A", profile_name);
        code = run_child(args);
        ok(code == 0, "process B did not find A's message: %lu\n", code);
        snprintf(args, sizeof(args), "find %s never-saved", profile_name);
        code = run_child(args);
        ok(code == 4, "process B found a message never saved: %lu\n", code);
    }

    /* two sessions in this process: a save in one is seen by the other, and back */
    hr = open_session(profile_name, &b);
    if (ok(hr == S_OK, "second session %#lx\n", hr))
    {
        static char body[BODY_CHARS + 1];
        m = NULL;
        hr = a.inbox->lpVtbl->CreateMessage(a.inbox, NULL, 0, &m);
        if (SUCCEEDED(hr)) hr = fill_message(m, "session-A", body);
        if (SUCCEEDED(hr)) hr = m->lpVtbl->SaveChanges(m, 0);
        ok(hr == S_OK, "save in session A %#lx\n", hr);
        if (m) m->lpVtbl->Release(m);
        eid = find_message(b.inbox, "session-A");
        ok(eid != NULL, "session B does not see session A's message\n");
        m = NULL;
        if (eid && b.mdb->lpVtbl->OpenEntry(b.mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, MAPI_MODIFY, &type,
                                            (IUnknown **)&m) == S_OK)
        {
            SPropValue p;
            p.ulPropTag = PR_SUBJECT_A;
            p.Value.lpszA = (char *)"session-B";
            m->lpVtbl->SetProps(m, 1, &p, NULL);
            /* not saved yet: A must not see it */
            eid2 = find_message(a.inbox, "session-B");
            ok(eid2 == NULL, "an unsaved change is visible to A\n");
            MAPIFreeBuffer(eid2);
            hr = m->lpVtbl->SaveChanges(m, 0);
            ok(hr == S_OK, "save in session B %#lx\n", hr);
            m->lpVtbl->Release(m);
        }
        MAPIFreeBuffer(eid);
        eid = find_message(a.inbox, "session-B");
        ok(eid != NULL, "session A does not see session B's change\n");
        MAPIFreeBuffer(eid);
    }
    close_session(&b);
    close_session(&a);
}

/* ---- files that are not ours -------------------------------------------------------------- */

static BYTE *read_file(const WCHAR *path, DWORD *size)
{
    HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    BYTE *data = NULL;
    DWORD got = 0;

    *size = 0;
    if (f == INVALID_HANDLE_VALUE) return NULL;
    *size = GetFileSize(f, NULL);
    if ((data = malloc(*size + 1)) && !ReadFile(f, data, *size, &got, NULL)) got = 0;
    CloseHandle(f);
    if (got != *size) { free(data); return NULL; }
    return data;
}

static BOOL write_file(const WCHAR *path, const BYTE *data, DWORD size)
{
    HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD done = 0;
    if (f == INVALID_HANDLE_VALUE) return FALSE;
    WriteFile(f, data, size, &done, NULL);
    CloseHandle(f);
    return done == size;
}

static void expect_refused(const wt_profile *p, const char *what, const BYTE *data, DWORD size, HRESULT expected)
{
    store_session ss;
    BYTE *after;
    DWORD after_size = 0;
    WCHAR side[MAX_PATH];
    HRESULT hr;

    if (!ok(write_file(p->store_path, data, size), "%s: writing the file\n", what)) return;
    hr = open_session(p->name, &ss);
    ok(hr == expected, "%s: open returned %#lx, expected %#lx\n", what, hr, expected);
    ok(ss.mdb == NULL, "%s: a store object came back\n", what);
    close_session(&ss);
    after = read_file(p->store_path, &after_size);
    ok(after && after_size == size && !memcmp(after, data, size), "%s: the file changed (%lu -> %lu bytes)\n",
       what, size, after_size);
    free(after);
    /* nothing was added beside it either: no journal holds a change to the file */
    swprintf(side, MAX_PATH, L"%ls-journal", p->store_path);
    ok(!wt_file_exists(side), "%s: a rollback journal was left\n", what);
}

static void test_foreign_files(IProfAdmin *admin)
{
    static const char text[] = "From: someone\r\nSubject: this is a mail, not a Tandem store\r\n\r\nHello\r\n";
    wt_profile p;
    store_session ss;
    BYTE *orig, *bad;
    DWORD size = 0, i;
    HRESULT hr;

    wt_context("foreign files");
    if (!wt_profile_create(admin, &p, "tandem-wt-safety-files")) return;
    hr = open_session(p.name, &ss);
    ok(hr == S_OK, "creating the store %#lx\n", hr);
    close_session(&ss);
    orig = read_file(p.store_path, &size);
    if (!ok(orig && size >= 4096 && !memcmp(orig, "SQLite format 3", 16), "the store file (%lu bytes)\n", size))
    {
        free(orig);
        wt_profile_delete(admin, &p);
        return;
    }
    bad = malloc(size);

    expect_refused(&p, "a text file", (const BYTE *)text, sizeof(text) - 1, MAPI_E_CORRUPT_DATA);
    /* another program's SQLite database: PRAGMA application_id at offset 68 (big-endian) */
    memcpy(bad, orig, size);
    bad[68] = 'X'; bad[69] = 'y'; bad[70] = 'z'; bad[71] = '1';
    expect_refused(&p, "another program's database", bad, size, MAPI_E_CORRUPT_DATA);
    /* a damaged one: a valid header, garbage pages */
    memcpy(bad, orig, 100);
    for (i = 100; i < size; i++) bad[i] = (BYTE)(0xa5 ^ (i * 7));
    expect_refused(&p, "a damaged database", bad, size, MAPI_E_CORRUPT_DATA);
    /* a newer schema: PRAGMA user_version at offset 60 */
    memcpy(bad, orig, size);
    bad[60] = 0; bad[61] = 0; bad[62] = 0; bad[63] = 99;
    expect_refused(&p, "a newer schema", bad, size, MAPI_E_VERSION);

    /* the original opens again: the refusals were about the files, not the profile */
    if (ok(write_file(p.store_path, orig, size), "restoring the store\n"))
    {
        hr = open_session(p.name, &ss);
        ok(hr == S_OK, "the restored store: %#lx\n", hr);
        close_session(&ss);
    }
    free(bad);
    free(orig);
    wt_profile_delete(admin, &p);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    ULONG blocks, objects, provider_objects;
    wt_profile p;
    store_session ss;
    HRESULT hr;

    if (__argc >= 4 && !strcmp(__argv[1], "writer")) exit(child_writer(__argv[2], __argv[3]));
    if (__argc >= 4 && !strcmp(__argv[1], "save")) exit(child_save(__argv[2], __argv[3]));
    if (__argc >= 4 && !strcmp(__argv[1], "find")) exit(child_find(__argv[2], __argv[3]));

    wt_profile_name(profile_name, sizeof(profile_name), profile_base);
    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, profile_base))
    {
        /* the first logon creates and provisions the store */
        hr = open_session(profile_name, &ss);
        ok(hr == S_OK, "first logon %#lx\n", hr);
        close_session(&ss);
        test_killed_writer();
        test_two_processes();
        wt_profile_delete(admin, &p);
    }
    test_foreign_files(admin);
    if (wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects))
    {
        ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
        ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
    }
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();
}
