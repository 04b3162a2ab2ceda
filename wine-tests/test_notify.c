/*
 * test_notify.c - notifications through the public MAPI API (issue 4 point 7): table
 * notifications on a contents table (TABLE_ROW_ADDED / MODIFIED / DELETED applied by a client
 * with the prior row's PR_INSTANCE_KEY give exactly what QueryRows gives; TABLE_SORT_DONE,
 * TABLE_RESTRICT_DONE, TABLE_SETCOL_DONE), Unadvise, Advise on the store and on a folder's or a
 * message's entry ID, fnevNewMail on delivery (NEWMAIL_NOTIFICATION members; also to a second
 * session on the store, whichever session delivered), and where client notifications run: on
 * the first MAPIInitialize thread when it processes its messages, or on another thread with
 * MAPI_MULTITHREAD_NOTIFICATIONS (a second process, started by this one).
 * Pages: imapitable-advise.md, table_notification.md, about-table-notifications.md,
 * imsgstore-advise.md, imapisession-advise.md, newmail_notification.md, mapiinit_0.md,
 * initializing-mapi.md, imapitable-sorttable.md, imapitable-restrict.md, imapitable-setcolumns.md.
 */
#include "wtest.h"
#include "wtmapi.h"
#include "wtsend.h"

/* ---- a recording advise sink ------------------------------------------------------------- */

#define MAX_EVENTS 64
#define KEY_MAX 32

typedef struct event
{
    ULONG type;                 /* ulEventType */
    ULONG table_event;
    BYTE key[KEY_MAX], prior[KEY_MAX];
    ULONG cb_key, cb_prior;
    ULONG prior_tag;
    char subject[64];
    BOOL row_has_subject;
    /* fnevNewMail */
    BYTE eid[256], parent[256];
    ULONG cb_eid, cb_parent, flags, msg_flags;
    /* OBJECT_NOTIFICATION (eid and parent above) */
    BYTE old[256], old_parent[256];
    ULONG cb_old, cb_old_parent, obj_type;
    BOOL old_null, old_parent_null;
    char msg_class[64];
    DWORD thread;
} event;

typedef struct rec_sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    CRITICAL_SECTION lock;
    event ev[MAX_EVENTS];
    volatile LONG n;
} rec_sink;

static HRESULT STDMETHODCALLTYPE rs_QueryInterface(IMAPIAdviseSink *iface, REFIID iid, void **out)
{
    *out = iface;
    iface->lpVtbl->AddRef(iface);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE rs_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&CONTAINING_RECORD(iface, rec_sink, IMAPIAdviseSink_iface)->ref);
}

static ULONG STDMETHODCALLTYPE rs_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&CONTAINING_RECORD(iface, rec_sink, IMAPIAdviseSink_iface)->ref);
}

static void copy_bin(BYTE *dst, ULONG *cb, ULONG max, ULONG n, const void *src)
{
    *cb = n <= max ? n : 0;
    if (src && *cb) memcpy(dst, src, *cb);
}

static ULONG STDMETHODCALLTYPE rs_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notifs)
{
    rec_sink *s = CONTAINING_RECORD(iface, rec_sink, IMAPIAdviseSink_iface);
    ULONG i;

    EnterCriticalSection(&s->lock);
    for (i = 0; i < n && s->n < MAX_EVENTS; i++)
    {
        event *e = &s->ev[s->n];
        const NOTIFICATION *nt = &notifs[i];
        memset(e, 0, sizeof(*e));
        e->type = nt->ulEventType;
        e->thread = GetCurrentThreadId();
        if (nt->ulEventType == fnevTableModified)
        {
            const TABLE_NOTIFICATION *t = &nt->info.tab;
            const SPropValue *subj;
            e->table_event = t->ulTableEvent;
            if (PROP_TYPE(t->propIndex.ulPropTag) == PT_BINARY)
                copy_bin(e->key, &e->cb_key, KEY_MAX, t->propIndex.Value.bin.cb, t->propIndex.Value.bin.lpb);
            e->prior_tag = t->propPrior.ulPropTag;
            if (PROP_TYPE(t->propPrior.ulPropTag) == PT_BINARY)
                copy_bin(e->prior, &e->cb_prior, KEY_MAX, t->propPrior.Value.bin.cb, t->propPrior.Value.bin.lpb);
            if (t->row.cValues && (subj = PpropFindProp(t->row.lpProps, t->row.cValues, PR_SUBJECT_A)))
            {
                lstrcpynA(e->subject, subj->Value.lpszA, sizeof(e->subject));
                e->row_has_subject = TRUE;
            }
        }
        else if (nt->ulEventType & (fnevObjectCreated | fnevObjectModified | fnevObjectDeleted | fnevObjectMoved |
                                    fnevObjectCopied))
        {
            const OBJECT_NOTIFICATION *o = &nt->info.obj;
            copy_bin(e->eid, &e->cb_eid, sizeof(e->eid), o->cbEntryID, o->lpEntryID);
            copy_bin(e->parent, &e->cb_parent, sizeof(e->parent), o->cbParentID, o->lpParentID);
            copy_bin(e->old, &e->cb_old, sizeof(e->old), o->cbOldID, o->lpOldID);
            copy_bin(e->old_parent, &e->cb_old_parent, sizeof(e->old_parent), o->cbOldParentID, o->lpOldParentID);
            e->old_null = !o->lpOldID && !o->cbOldID;
            e->old_parent_null = !o->lpOldParentID && !o->cbOldParentID;
            e->obj_type = o->ulObjType;
        }
        else if (nt->ulEventType == fnevNewMail)
        {
            const NEWMAIL_NOTIFICATION *m = &nt->info.newmail;
            copy_bin(e->eid, &e->cb_eid, sizeof(e->eid), m->cbEntryID, m->lpEntryID);
            copy_bin(e->parent, &e->cb_parent, sizeof(e->parent), m->cbParentID, m->lpParentID);
            e->flags = m->ulFlags;
            e->msg_flags = m->ulMessageFlags;
            if (m->lpszMessageClass)
            {
                if (m->ulFlags & MAPI_UNICODE)
                    WideCharToMultiByte(CP_ACP, 0, (WCHAR *)m->lpszMessageClass, -1, e->msg_class, sizeof(e->msg_class),
                                        NULL, NULL);
                else lstrcpynA(e->msg_class, (const char *)m->lpszMessageClass, sizeof(e->msg_class));
            }
        }
        s->n++;
    }
    LeaveCriticalSection(&s->lock);
    return 0;
}

static IMAPIAdviseSinkVtbl rs_vtbl = { rs_QueryInterface, rs_AddRef, rs_Release, rs_OnNotify };

static void rs_init(rec_sink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = &rs_vtbl;
    s->ref = 1;
    InitializeCriticalSection(&s->lock);
}

static void rs_free(rec_sink *s)
{
    DeleteCriticalSection(&s->lock);
}

/* Process this thread's messages until the sink has `count` events or `ms` pass; then, to catch
 * late extra events, keep going for `settle` ms more. */
static void rs_wait(rec_sink *s, LONG count, DWORD ms, DWORD settle)
{
    DWORD start = GetTickCount();
    MSG msg;
    while (GetTickCount() - start < ms)
    {
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
        if (s->n >= count)
        {
            if (!settle) break;
            ms = GetTickCount() - start + settle;
            settle = 0;
        }
        Sleep(10);
    }
}

/* ---- helpers ----------------------------------------------------------------------------- */

static IMAPISession *session;
static IMsgStore *mdb;

/* A saved message with this subject, left open read/write; its entry ID in *eid if asked. */
static IMessage *new_message(IMAPIFolder *f, const char *subject, SPropValue **eid)
{
    IMessage *m = NULL;
    SPropValue p;
    HRESULT hr = f->lpVtbl->CreateMessage(f, NULL, 0, &m);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return NULL;
    p.ulPropTag = PR_SUBJECT_A;
    p.Value.lpszA = (char *)subject;
    m->lpVtbl->SetProps(m, 1, &p, NULL);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges(%s) %#lx\n", subject, hr);
    if (eid) HrGetOneProp((IMAPIProp *)m, PR_ENTRYID, eid);
    return m;
}

/* ---- the client's copy of a table, kept by notifications only ---------------------------- */

typedef struct model_row { BYTE key[KEY_MAX]; ULONG cb; char subject[64]; } model_row;
typedef struct model { model_row r[32]; ULONG n; } model;

static LONG model_find(const model *m, const BYTE *key, ULONG cb)
{
    ULONG i;
    for (i = 0; i < m->n; i++)
        if (m->r[i].cb == cb && !memcmp(m->r[i].key, key, cb)) return i;
    return -1;
}

static void model_load(model *m, IMAPITable *t)
{
    SRowSet *rows = NULL;
    ULONG i;
    m->n = 0;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (FAILED(t->lpVtbl->QueryRows(t, 32, 0, &rows))) return;
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *k = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues, PR_INSTANCE_KEY);
        const SPropValue *s = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues, PR_SUBJECT_A);
        model_row *r = &m->r[m->n++];
        memset(r, 0, sizeof(*r));
        if (k) copy_bin(r->key, &r->cb, KEY_MAX, k->Value.bin.cb, k->Value.bin.lpb);
        if (s) lstrcpynA(r->subject, s->Value.lpszA, sizeof(r->subject));
    }
    FreeProws(rows);
}

/* "a,b,c" of the model's subjects (static buffer). */
static const char *model_names(const model *m)
{
    static char buf[2][512];
    static int which;
    char *b = buf[which++ & 1];
    ULONG i;
    b[0] = 0;
    for (i = 0; i < m->n; i++)
    {
        if (i) lstrcatA(b, ",");
        lstrcatA(b, m->r[i].subject);
    }
    return b;
}

/* Applies the events from *next on; FALSE when one could not be applied. */
static BOOL model_apply(model *m, rec_sink *s, LONG *next, IMAPITable *t)
{
    BOOL good = TRUE;
    for (; *next < s->n; (*next)++)
    {
        const event *e = &s->ev[*next];
        LONG at, prior = -1;
        if (e->type != fnevTableModified) continue;
        switch (e->table_event)
        {
        case TABLE_CHANGED:
        case TABLE_RELOAD:
            model_load(m, t);
            break;
        case TABLE_ROW_DELETED:
            if ((at = model_find(m, e->key, e->cb_key)) < 0) { good = FALSE; break; }
            memmove(&m->r[at], &m->r[at + 1], (m->n - at - 1) * sizeof(model_row));
            m->n--;
            break;
        case TABLE_ROW_ADDED:
        case TABLE_ROW_MODIFIED:
            if (e->table_event == TABLE_ROW_MODIFIED)
            {
                if ((at = model_find(m, e->key, e->cb_key)) < 0) { good = FALSE; break; }
                memmove(&m->r[at], &m->r[at + 1], (m->n - at - 1) * sizeof(model_row));
                m->n--;
            }
            else if (model_find(m, e->key, e->cb_key) >= 0 || m->n == 32) { good = FALSE; break; }
            if (e->prior_tag != PR_NULL && (prior = model_find(m, e->prior, e->cb_prior)) < 0) { good = FALSE; break; }
            at = prior + 1;
            memmove(&m->r[at + 1], &m->r[at], (m->n - at) * sizeof(model_row));
            memset(&m->r[at], 0, sizeof(model_row));
            memcpy(m->r[at].key, e->key, e->cb_key);
            m->r[at].cb = e->cb_key;
            lstrcpynA(m->r[at].subject, e->subject, sizeof(m->r[at].subject));
            m->n++;
            break;
        default:
            break;
        }
    }
    return good;
}

/* The table's rows now, as model_names gives them. */
static const char *table_names(IMAPITable *t)
{
    static model fresh;
    model_load(&fresh, t);
    return model_names(&fresh);
}

/* How many events of the sink since `from` are table events of `type`. */
static LONG count_table_events(rec_sink *s, LONG from, ULONG type)
{
    LONG i, n = 0;
    for (i = from; i < s->n; i++)
        if (s->ev[i].type == fnevTableModified && s->ev[i].table_event == type) n++;
    return n;
}

/* ---- table notifications ----------------------------------------------------------------- */

static const SizedSPropTagArray(2, model_cols) = {2, {PR_INSTANCE_KEY, PR_SUBJECT_A}};

static void step(const char *what, model *m, rec_sink *s, LONG *next, IMAPITable *t, LONG expected, ULONG type)
{
    LONG got;
    /* the events since the last step (they may have come already) */
    rs_wait(s, *next + expected, 5000, 300);
    got = count_table_events(s, *next, type);
    ok(got == expected, "%s: %ld events of type %lu (of %ld events in all)\n", what, got, type, s->n - *next);
    ok(model_apply(m, s, next, t), "%s: a notification named a row the client does not have\n", what);
    ok(!strcmp(model_names(m), table_names(t)), "%s: the client's rows %s, the table's %s\n", what, model_names(m),
       table_names(t));
}

static void test_table_notifications(IMAPIFolder *top)
{
    static const SizedSSortOrderSet(1, by_subject) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    IMAPIFolder *f;
    IMAPITable *t = NULL;
    IMessage *a = NULL, *b = NULL, *c = NULL;
    SPropValue *eb = NULL, p;
    ENTRYLIST list;
    rec_sink s;
    model m;
    LONG next = 0;
    ULONG conn = 0;
    HRESULT hr;

    wt_context("table notifications");
    rs_init(&s);
    if (!(f = wt_new_folder(top, "table notifications"))) goto done;
    a = new_message(f, "m-delta", NULL);
    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (!ok(hr == S_OK, "GetContentsTable %#lx\n", hr)) goto done;
    t->lpVtbl->SetColumns(t, (SPropTagArray *)&model_cols, 0);
    t->lpVtbl->SortTable(t, (SSortOrderSet *)&by_subject, 0);
    hr = t->lpVtbl->Advise(t, fnevObjectCreated, &s.IMAPIAdviseSink_iface, &conn);
    ok(hr == MAPI_E_INVALID_PARAMETER || hr == MAPI_E_NO_SUPPORT, "table Advise(fnevObjectCreated) %#lx\n", hr);
    if (hr == S_OK) t->lpVtbl->Unadvise(t, conn);
    hr = t->lpVtbl->Advise(t, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn);
    if (!ok(hr == S_OK && conn, "table Advise %#lx, connection %lu\n", hr, conn)) goto done;
    ok(s.ref > 1, "the table does not hold the sink (%ld references)\n", s.ref);
    model_load(&m, t);
    ok(!strcmp(model_names(&m), "m-delta"), "first rows %s\n", model_names(&m));


    /* added first (propPrior PR_NULL), last, in the middle */
    b = new_message(f, "m-bravo", &eb);
    step("a message sorting first saved", &m, &s, &next, t, 1, TABLE_ROW_ADDED);
    if (ok(s.n > 0, "no event\n"))
    {
        const event *e = &s.ev[s.n - 1];
        ok(e->table_event == TABLE_ROW_ADDED && e->prior_tag == PR_NULL,
           "the first row's event %lu has propPrior tag %#lx, not PR_NULL\n", e->table_event, e->prior_tag);
        ok(e->row_has_subject && !strcmp(e->subject, "m-bravo"), "the added row does not carry the table's columns\n");
        ok(e->cb_key != 0, "the event has no PR_INSTANCE_KEY in propIndex\n");
    }
    if ((c = new_message(f, "m-foxtrot", NULL))) c->lpVtbl->Release(c);
    step("a message sorting last saved", &m, &s, &next, t, 1, TABLE_ROW_ADDED);
    c = new_message(f, "m-charlie", NULL);
    step("a message sorting in the middle saved", &m, &s, &next, t, 1, TABLE_ROW_ADDED);

    /* modified: the row moves to its new place */
    if (c)
    {
        p.ulPropTag = PR_SUBJECT_A;
        p.Value.lpszA = (char *)"m-zulu";
        c->lpVtbl->SetProps(c, 1, &p, NULL);
        hr = c->lpVtbl->SaveChanges(c, KEEP_OPEN_READWRITE);
        ok(hr == S_OK, "SaveChanges %#lx\n", hr);
        step("a message's subject changed", &m, &s, &next, t, 1, TABLE_ROW_MODIFIED);
    }

    /* deleted */
    if (b) b->lpVtbl->Release(b);
    b = NULL;
    if (eb)
    {
        list.cValues = 1;
        list.lpbin = &eb->Value.bin;
        hr = f->lpVtbl->DeleteMessages(f, &list, 0, NULL, 0);
        ok(hr == S_OK, "DeleteMessages %#lx\n", hr);
        step("a message deleted", &m, &s, &next, t, 1, TABLE_ROW_DELETED);
    }
    ok(!strcmp(model_names(&m), "m-delta,m-foxtrot,m-zulu"), "the client's rows at the end: %s\n", model_names(&m));

    /* rows a restriction hides are not notified */
    {
        SPropValue v;
        SRestriction r;
        LONG before;
        v.ulPropTag = PR_SUBJECT_A;
        v.Value.lpszA = (char *)"m-golf";
        r.rt = RES_PROPERTY;
        r.res.resProperty.relop = RELOP_NE;
        r.res.resProperty.ulPropTag = PR_SUBJECT_A;
        r.res.resProperty.lpProp = &v;
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK, "Restrict %#lx\n", hr);
        before = s.n;
        if ((b = new_message(f, "m-golf", NULL))) b->lpVtbl->Release(b);
        b = NULL;
        rs_wait(&s, before + 1, 1000, 0);
        ok(count_table_events(&s, before, TABLE_ROW_ADDED) == 0, "a row the restriction hides was notified\n");
        next = s.n;
        /* TBL_ASYNC: done at once or later, the *_DONE notification comes */
        before = s.n;
        hr = t->lpVtbl->Restrict(t, NULL, TBL_ASYNC);
        ok(hr == S_OK, "Restrict(NULL, TBL_ASYNC) %#lx\n", hr);
        rs_wait(&s, before + 1, 5000, 200);
        ok(count_table_events(&s, before, TABLE_RESTRICT_DONE) == 1, "TABLE_RESTRICT_DONE came %ld times\n",
           count_table_events(&s, before, TABLE_RESTRICT_DONE));
        before = s.n;
        hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&by_subject, TBL_ASYNC);
        ok(hr == S_OK, "SortTable(TBL_ASYNC) %#lx\n", hr);
        rs_wait(&s, before + 1, 5000, 200);
        ok(count_table_events(&s, before, TABLE_SORT_DONE) == 1, "TABLE_SORT_DONE came %ld times\n",
           count_table_events(&s, before, TABLE_SORT_DONE));
        before = s.n;
        hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&model_cols, TBL_ASYNC);
        ok(hr == S_OK, "SetColumns(TBL_ASYNC) %#lx\n", hr);
        rs_wait(&s, before + 1, 5000, 200);
        ok(count_table_events(&s, before, TABLE_SETCOL_DONE) == 1, "TABLE_SETCOL_DONE came %ld times\n",
           count_table_events(&s, before, TABLE_SETCOL_DONE));
        hr = t->lpVtbl->WaitForCompletion(t, 0, 1000, NULL);
        ok(hr == S_OK || hr == MAPI_E_NO_SUPPORT, "WaitForCompletion %#lx\n", hr);
        next = s.n;
        model_load(&m, t);
    }

    /* EmptyFolder: whatever comes (rows deleted, TABLE_CHANGED or TABLE_RELOAD) leaves the client right */
    if (a) a->lpVtbl->Release(a);
    if (c) c->lpVtbl->Release(c);
    a = c = NULL;
    {
        LONG before = s.n;
        hr = f->lpVtbl->EmptyFolder(f, 0, NULL, 0);
        ok(hr == S_OK, "EmptyFolder %#lx\n", hr);
        rs_wait(&s, before + 1, 5000, 300);
        ok(s.n > before, "EmptyFolder was not notified\n");
        ok(model_apply(&m, &s, &next, t), "EmptyFolder: a notification named a row the client does not have\n");
        ok(m.n == 0 && !strcmp(table_names(t), ""), "after EmptyFolder the client has %s, the table %s\n",
           model_names(&m), table_names(t));
    }

    /* Unadvise: no more events, the sink is released */
    hr = t->lpVtbl->Unadvise(t, conn);
    ok(hr == S_OK, "Unadvise %#lx\n", hr);
    {
        LONG before = s.n;
        if ((b = new_message(f, "m-after", NULL))) b->lpVtbl->Release(b);
        b = NULL;
        rs_wait(&s, before + 1, 1000, 0);
        ok(s.n == before, "%ld events after Unadvise\n", s.n - before);
    }
    ok(s.ref == 1, "the sink has %ld references after Unadvise\n", s.ref);
    hr = t->lpVtbl->Unadvise(t, conn);
    ok(hr == MAPI_E_NOT_FOUND || hr == MAPI_E_INVALID_PARAMETER, "second Unadvise %#lx\n", hr);
    hr = t->lpVtbl->Advise(t, fnevTableModified, NULL, &conn);
    ok(hr == MAPI_E_INVALID_PARAMETER, "Advise without a sink %#lx\n", hr);

done:
    MAPIFreeBuffer(eb);
    if (a) a->lpVtbl->Release(a);
    if (b) b->lpVtbl->Release(b);
    if (c) c->lpVtbl->Release(c);
    if (t) t->lpVtbl->Release(t);
    if (f) f->lpVtbl->Release(f);
    ok(s.ref == 1, "the sink has %ld references at the end\n", s.ref);
    rs_free(&s);
}

/* A table advised with a sink from HrThisThreadAdviseSink: the notification waits for this
 * thread to process its messages and then runs here (hrthisthreadadvisesink.md). */
static void test_this_thread_table_sink(IMAPIFolder *top)
{
    IMAPIFolder *f = NULL;
    IMAPITable *t = NULL;
    IMAPIAdviseSink *wrapper = NULL;
    IMessage *m;
    rec_sink s;
    ULONG conn = 0;
    HRESULT hr;

    wt_context("HrThisThreadAdviseSink on a table");
    rs_init(&s);
    if (!ok(wt_this_thread_advise_sink() != NULL, "mapi32 has no HrThisThreadAdviseSink\n")) goto done;
    hr = wt_this_thread_advise_sink()(&s.IMAPIAdviseSink_iface, &wrapper);
    if (!ok(hr == S_OK && wrapper, "HrThisThreadAdviseSink %#lx\n", hr)) goto done;
    if (!(f = wt_new_folder(top, "this thread"))) goto done;
    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (!ok(hr == S_OK, "GetContentsTable %#lx\n", hr)) goto done;
    hr = t->lpVtbl->Advise(t, fnevTableModified, wrapper, &conn);
    if (!ok(hr == S_OK, "Advise(wrapped sink) %#lx\n", hr)) goto done;
    if ((m = new_message(f, "for this thread", NULL))) m->lpVtbl->Release(m);
    Sleep(500);     /* the table's notification has been sent; it waits in this thread's queue */
    ok(s.n == 0, "the wrapped sink ran %ld times before this thread processed its messages\n", s.n);
    rs_wait(&s, 1, 5000, 200);
    ok(s.n == 1 && s.ev[0].table_event == TABLE_ROW_ADDED, "%ld events, the first %lu\n", s.n,
       s.n ? s.ev[0].table_event : 0);
    ok(s.n && s.ev[0].thread == GetCurrentThreadId(), "the wrapped sink ran on thread %lu, not this one\n",
       s.n ? s.ev[0].thread : 0);
    hr = t->lpVtbl->Unadvise(t, conn);
    ok(hr == S_OK, "Unadvise %#lx\n", hr);
done:
    if (t) t->lpVtbl->Release(t);
    if (f) f->lpVtbl->Release(f);
    if (wrapper) wrapper->lpVtbl->Release(wrapper);
    rs_wait(&s, 1000, 300, 0);
    ok(s.ref == 1, "the sink has %ld references at the end\n", s.ref);
    rs_free(&s);
}

/* The hierarchy table of a folder is notified of subfolders as the contents table is of messages. */
static void test_hierarchy_notifications(IMAPIFolder *top)
{
    IMAPIFolder *f = NULL, *sub = NULL;
    IMAPITable *t = NULL;
    SPropValue *eid = NULL;
    rec_sink s;
    ULONG conn = 0;
    LONG before;
    HRESULT hr;

    wt_context("hierarchy table notifications");
    rs_init(&s);
    if (!(f = wt_new_folder(top, "hierarchy notifications"))) goto done;
    hr = f->lpVtbl->GetHierarchyTable(f, 0, &t);
    if (!ok(hr == S_OK, "GetHierarchyTable %#lx\n", hr)) goto done;
    hr = t->lpVtbl->Advise(t, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn);
    if (!ok(hr == S_OK, "Advise %#lx\n", hr)) goto done;
    before = s.n;
    if ((sub = wt_new_folder(f, "child"))) HrGetOneProp((IMAPIProp *)sub, PR_ENTRYID, &eid);
    rs_wait(&s, before + 1, 5000, 200);
    ok(count_table_events(&s, before, TABLE_ROW_ADDED) == 1, "CreateFolder: %ld TABLE_ROW_ADDED\n",
       count_table_events(&s, before, TABLE_ROW_ADDED));
    if (sub) sub->lpVtbl->Release(sub);
    sub = NULL;
    before = s.n;
    if (eid)
    {
        hr = f->lpVtbl->DeleteFolder(f, eid->Value.bin.cb, (ENTRYID *)eid->Value.bin.lpb, 0, NULL, 0);
        ok(hr == S_OK, "DeleteFolder %#lx\n", hr);
    }
    rs_wait(&s, before + 1, 5000, 200);
    ok(count_table_events(&s, before, TABLE_ROW_DELETED) == 1, "DeleteFolder: %ld TABLE_ROW_DELETED\n",
       count_table_events(&s, before, TABLE_ROW_DELETED));
    t->lpVtbl->Unadvise(t, conn);
done:
    MAPIFreeBuffer(eid);
    if (t) t->lpVtbl->Release(t);
    if (f) f->lpVtbl->Release(f);
    ok(s.ref == 1, "the sink has %ld references at the end\n", s.ref);
    rs_free(&s);
}

/* Entry IDs of the same object (IMsgStore::CompareEntryIDs). */
static BOOL same_id(ULONG cb1, const BYTE *e1, const SPropValue *e2)
{
    ULONG same = 0;
    if (!cb1 || !e2) return FALSE;
    return mdb->lpVtbl->CompareEntryIDs(mdb, cb1, (ENTRYID *)e1, e2->Value.bin.cb, (ENTRYID *)e2->Value.bin.lpb, 0,
                                        &same) == S_OK && same;
}

/* The first event of `type` from *from on (moved past it), or NULL after waiting; it ran on
 * this thread, the MAPIInitialize one (no MAPI_MULTITHREAD_NOTIFICATIONS: mapiinit_0.md). */
static const event *next_event(rec_sink *s, LONG *from, ULONG type)
{
    LONG i;
    rs_wait(s, *from + 1, 5000, 200);
    for (i = *from; i < s->n; i++)
        if (s->ev[i].type == type)
        {
            *from = s->n;
            ok(s->ev[i].thread == GetCurrentThreadId(), "event %#lx ran on thread %lu, not this one\n", type,
               s->ev[i].thread);
            return &s->ev[i];
        }
    *from = s->n;
    return NULL;
}

/* fnevObjectCreated / Modified / Deleted / Moved / Copied (objectnotification.md): what each
 * OBJECT_NOTIFICATION carries, to the store's advisees and to those of the object's entry ID. */
static void test_object_notifications(IMAPIFolder *top)
{
    IMAPIFolder *f = NULL, *g = NULL;
    IMessage *m = NULL;
    SPropValue *feid = NULL, *geid = NULL, *meid = NULL, *copy_eid = NULL, p;
    const event *e;
    rec_sink all, on_folder, on_message;
    ULONG conn = 0, fconn = 0, mconn = 0;
    LONG at = 0, fat = 0, mat = 0;
    ENTRYLIST list;
    HRESULT hr;

    wt_context("object notifications");
    rs_init(&all);
    rs_init(&on_folder);
    rs_init(&on_message);
    hr = mdb->lpVtbl->Advise(mdb, 0, NULL, fnevObjectCreated | fnevObjectDeleted | fnevObjectModified | fnevObjectMoved |
                             fnevObjectCopied, &all.IMAPIAdviseSink_iface, &conn);
    if (!ok(hr == S_OK && conn, "Advise(NULL entry ID) %#lx\n", hr)) goto done;

    /* a folder created */
    if (!(f = wt_new_folder(top, "object notifications"))) goto done;
    HrGetOneProp((IMAPIProp *)f, PR_ENTRYID, &feid);
    e = next_event(&all, &at, fnevObjectCreated);
    if (ok(e != NULL, "no fnevObjectCreated for CreateFolder\n"))
    {
        SPropValue *top_eid = NULL;
        HrGetOneProp((IMAPIProp *)top, PR_ENTRYID, &top_eid);
        ok(e->obj_type == MAPI_FOLDER, "CreateFolder: ulObjType %lu\n", e->obj_type);
        ok(same_id(e->cb_eid, e->eid, feid), "CreateFolder: lpEntryID is not the new folder's\n");
        ok(same_id(e->cb_parent, e->parent, top_eid), "CreateFolder: lpParentID is not the parent folder's\n");
        ok(e->old_null && e->old_parent_null, "CreateFolder: lpOldID/lpOldParentID set\n");
        MAPIFreeBuffer(top_eid);
    }
    if (feid)
    {
        hr = mdb->lpVtbl->Advise(mdb, feid->Value.bin.cb, (ENTRYID *)feid->Value.bin.lpb, fnevObjectModified |
                                 fnevObjectDeleted, &on_folder.IMAPIAdviseSink_iface, &fconn);
        ok(hr == S_OK && fconn && fconn != conn, "Advise(folder) %#lx, connection %lu\n", hr, fconn);
    }

    /* a message created, then modified */
    m = new_message(f, "object one", &meid);
    e = next_event(&all, &at, fnevObjectCreated);
    if (ok(e != NULL, "no fnevObjectCreated for a new message\n"))
    {
        ok(e->obj_type == MAPI_MESSAGE, "new message: ulObjType %lu\n", e->obj_type);
        ok(same_id(e->cb_eid, e->eid, meid), "new message: lpEntryID is not the message's\n");
        ok(same_id(e->cb_parent, e->parent, feid), "new message: lpParentID is not the folder's\n");
        ok(e->old_null && e->old_parent_null, "new message: lpOldID/lpOldParentID set\n");
    }
    if (meid)
    {
        hr = mdb->lpVtbl->Advise(mdb, meid->Value.bin.cb, (ENTRYID *)meid->Value.bin.lpb, fnevObjectModified,
                                 &on_message.IMAPIAdviseSink_iface, &mconn);
        ok(hr == S_OK && mconn, "Advise(message) %#lx, connection %lu\n", hr, mconn);
    }
    if (m)
    {
        p.ulPropTag = PR_SUBJECT_A;
        p.Value.lpszA = (char *)"object one, changed";
        m->lpVtbl->SetProps(m, 1, &p, NULL);
        hr = m->lpVtbl->SaveChanges(m, 0);
        ok(hr == S_OK, "SaveChanges %#lx\n", hr);
        m->lpVtbl->Release(m);
        m = NULL;
    }
    e = next_event(&all, &at, fnevObjectModified);
    if (ok(e != NULL, "no fnevObjectModified for a saved change\n"))
    {
        ok(e->obj_type == MAPI_MESSAGE, "modified message: ulObjType %lu\n", e->obj_type);
        ok(same_id(e->cb_eid, e->eid, meid), "modified message: lpEntryID is not the message's\n");
        ok(same_id(e->cb_parent, e->parent, feid), "modified message: lpParentID is not the folder's\n");
    }
    e = next_event(&on_message, &mat, fnevObjectModified);
    ok(e && same_id(e->cb_eid, e->eid, meid), "the message's own advisee got no fnevObjectModified\n");

    /* the folder's own advisee hears about the folder, not about its messages being created */
    p.ulPropTag = PR_COMMENT_A;
    p.Value.lpszA = (char *)"a comment";
    hr = f->lpVtbl->SetProps(f, 1, &p, NULL);
    ok(hr == S_OK, "folder SetProps %#lx\n", hr);
    e = next_event(&on_folder, &fat, fnevObjectModified);
    ok(e && e->obj_type == MAPI_FOLDER && same_id(e->cb_eid, e->eid, feid),
       "the folder's advisee got no fnevObjectModified for the folder\n");

    /* copied and moved into a second folder */
    if (!(g = wt_new_folder(top, "object notifications 2"))) goto done;
    HrGetOneProp((IMAPIProp *)g, PR_ENTRYID, &geid);
    next_event(&all, &at, fnevObjectCreated);
    if (meid)
    {
        list.cValues = 1;
        list.lpbin = &meid->Value.bin;
        hr = f->lpVtbl->CopyMessages(f, &list, NULL, g, 0, NULL, 0);
        ok(hr == S_OK, "CopyMessages %#lx\n", hr);
        e = next_event(&all, &at, fnevObjectCopied);
        if (ok(e != NULL, "no fnevObjectCopied for CopyMessages\n"))
        {
            ok(e->obj_type == MAPI_MESSAGE, "copy: ulObjType %lu\n", e->obj_type);
            ok(e->cb_eid && !same_id(e->cb_eid, e->eid, meid), "copy: lpEntryID is the original's\n");
            ok(same_id(e->cb_parent, e->parent, geid), "copy: lpParentID is not the destination\n");
            ok(same_id(e->cb_old, e->old, meid), "copy: lpOldID is not the original\n");
            ok(same_id(e->cb_old_parent, e->old_parent, feid), "copy: lpOldParentID is not the source folder\n");
            if (e->cb_eid && MAPIAllocateBuffer(sizeof(SPropValue) + e->cb_eid, (void **)&copy_eid) == S_OK)
            {
                copy_eid->ulPropTag = PR_ENTRYID;
                copy_eid->Value.bin.cb = e->cb_eid;
                copy_eid->Value.bin.lpb = (BYTE *)(copy_eid + 1);
                memcpy(copy_eid->Value.bin.lpb, e->eid, e->cb_eid);
            }
        }
        hr = f->lpVtbl->CopyMessages(f, &list, NULL, g, 0, NULL, MESSAGE_MOVE);
        ok(hr == S_OK, "CopyMessages(MESSAGE_MOVE) %#lx\n", hr);
        e = next_event(&all, &at, fnevObjectMoved);
        if (ok(e != NULL, "no fnevObjectMoved for a move\n"))
        {
            ok(e->obj_type == MAPI_MESSAGE, "move: ulObjType %lu\n", e->obj_type);
            ok(e->cb_eid != 0, "move: no lpEntryID\n");
            ok(same_id(e->cb_parent, e->parent, geid), "move: lpParentID is not the destination\n");
            ok(same_id(e->cb_old, e->old, meid), "move: lpOldID is not the message's entry ID before the move\n");
            ok(same_id(e->cb_old_parent, e->old_parent, feid), "move: lpOldParentID is not the source folder\n");
        }
    }
    /* deleted */
    if (copy_eid)
    {
        list.cValues = 1;
        list.lpbin = &copy_eid->Value.bin;
        hr = g->lpVtbl->DeleteMessages(g, &list, 0, NULL, 0);
        ok(hr == S_OK, "DeleteMessages %#lx\n", hr);
        e = next_event(&all, &at, fnevObjectDeleted);
        if (ok(e != NULL, "no fnevObjectDeleted for DeleteMessages\n"))
        {
            ok(e->obj_type == MAPI_MESSAGE, "deleted message: ulObjType %lu\n", e->obj_type);
            ok(same_id(e->cb_eid, e->eid, copy_eid), "deleted message: lpEntryID is not the message's\n");
            ok(same_id(e->cb_parent, e->parent, geid), "deleted message: lpParentID is not the folder's\n");
        }
    }
    if (feid)
    {
        f->lpVtbl->Release(f);
        f = NULL;
        hr = top->lpVtbl->DeleteFolder(top, feid->Value.bin.cb, (ENTRYID *)feid->Value.bin.lpb, 0, NULL,
                                       DEL_MESSAGES | DEL_FOLDERS);
        ok(hr == S_OK, "DeleteFolder %#lx\n", hr);
        e = next_event(&on_folder, &fat, fnevObjectDeleted);
        ok(e && e->obj_type == MAPI_FOLDER && same_id(e->cb_eid, e->eid, feid),
           "the folder's advisee got no fnevObjectDeleted for the folder\n");
        e = next_event(&all, &at, fnevObjectDeleted);
        ok(e && e->obj_type == MAPI_FOLDER, "the store's advisee got no fnevObjectDeleted for the folder\n");
    }

    /* Unadvise stops delivery */
    if (conn) ok(mdb->lpVtbl->Unadvise(mdb, conn) == S_OK, "Unadvise\n");
    conn = 0;
    {
        LONG before = all.n;
        IMessage *x = new_message(g, "after unadvise", NULL);
        if (x) x->lpVtbl->Release(x);
        rs_wait(&all, before + 1, 1000, 0);
        ok(all.n == before, "%ld events after Unadvise\n", all.n - before);
    }
done:
    if (conn) mdb->lpVtbl->Unadvise(mdb, conn);
    if (fconn) mdb->lpVtbl->Unadvise(mdb, fconn);
    if (mconn) mdb->lpVtbl->Unadvise(mdb, mconn);
    if (m) m->lpVtbl->Release(m);
    if (f) f->lpVtbl->Release(f);
    if (g) g->lpVtbl->Release(g);
    MAPIFreeBuffer(feid);
    MAPIFreeBuffer(geid);
    MAPIFreeBuffer(meid);
    MAPIFreeBuffer(copy_eid);
    rs_wait(&all, 1000, 200, 0);
    ok(all.ref == 1 && on_folder.ref == 1 && on_message.ref == 1, "sink references at the end %ld %ld %ld\n",
       all.ref, on_folder.ref, on_message.ref);
    rs_free(&all);
    rs_free(&on_folder);
    rs_free(&on_message);
}

/* Advise on the store, a folder and a message: what the arguments allow (imsgstore-advise.md). */
static void test_store_advise_args(IMAPIFolder *top)
{
    SPropValue *feid = NULL, *meid = NULL;
    IMessage *m = NULL;
    rec_sink s;
    ULONG conn = 0, conn2 = 0, conn3 = 0;
    HRESULT hr;

    wt_context("IMsgStore::Advise");
    rs_init(&s);
    HrGetOneProp((IMAPIProp *)top, PR_ENTRYID, &feid);
    m = new_message(top, "advise target", &meid);
    hr = mdb->lpVtbl->Advise(mdb, 0, NULL, fnevObjectCreated | fnevObjectDeleted | fnevObjectModified | fnevObjectMoved |
                             fnevObjectCopied | fnevNewMail, &s.IMAPIAdviseSink_iface, &conn);
    ok(hr == S_OK && conn, "Advise(NULL entry ID) %#lx, connection %lu\n", hr, conn);
    if (feid)
    {
        hr = mdb->lpVtbl->Advise(mdb, feid->Value.bin.cb, (ENTRYID *)feid->Value.bin.lpb, fnevObjectModified,
                                 &s.IMAPIAdviseSink_iface, &conn2);
        ok(hr == S_OK && conn2 && conn2 != conn, "Advise(folder) %#lx, connection %lu\n", hr, conn2);
    }
    if (meid)
    {
        hr = mdb->lpVtbl->Advise(mdb, meid->Value.bin.cb, (ENTRYID *)meid->Value.bin.lpb, fnevObjectModified,
                                 &s.IMAPIAdviseSink_iface, &conn3);
        ok(hr == S_OK && conn3 && conn3 != conn && conn3 != conn2, "Advise(message) %#lx, connection %lu\n", hr, conn3);
    }
    ok(s.ref == 1 + !!conn + !!conn2 + !!conn3, "the sink has %ld references with three connections\n", s.ref);
    hr = mdb->lpVtbl->Advise(mdb, 0, NULL, fnevObjectCreated, NULL, &conn);
    ok(hr == MAPI_E_INVALID_PARAMETER, "Advise without a sink %#lx\n", hr);
    {
        BYTE junk[24] = {0};
        ULONG c = 0;
        hr = mdb->lpVtbl->Advise(mdb, sizeof(junk), (ENTRYID *)junk, fnevObjectModified, &s.IMAPIAdviseSink_iface, &c);
        ok(FAILED(hr) && !c, "Advise on an entry ID of no store %#lx\n", hr);
        if (SUCCEEDED(hr)) mdb->lpVtbl->Unadvise(mdb, c);
    }
    if (conn3) ok(mdb->lpVtbl->Unadvise(mdb, conn3) == S_OK, "Unadvise(message)\n");
    if (conn2) ok(mdb->lpVtbl->Unadvise(mdb, conn2) == S_OK, "Unadvise(folder)\n");
    if (conn) ok(mdb->lpVtbl->Unadvise(mdb, conn) == S_OK, "Unadvise(store)\n");
    if (conn) ok(mdb->lpVtbl->Unadvise(mdb, conn) != S_OK, "a second Unadvise succeeded\n");
    rs_wait(&s, 1000, 300, 0);
    ok(s.ref == 1, "the sink has %ld references after Unadvise\n", s.ref);
    if (m) m->lpVtbl->Release(m);
    MAPIFreeBuffer(feid);
    MAPIFreeBuffer(meid);
    rs_free(&s);
}

/* ---- new mail ------------------------------------------------------------------------------ */

static ws_user alice, bob;

/* Flush both until bob's Inbox has `subject` (at most ~10 s), processing this thread's messages. */
static BOOL delivered(const WCHAR *subject, rec_sink *pump)
{
    int i;
    for (i = 0; i < 100; i++)
    {
        ws_flush(&alice);
        ws_flush(&bob);
        if (ws_count(&bob, 0, subject) >= 1) return TRUE;
        rs_wait(pump, 1000000, 100, 0);
    }
    return FALSE;
}

/* fnevNewMail to bob's store advisees (IMsgStore::Advise and IMAPISession::Advise on the store):
 * the message's and the Inbox's entry IDs, its class, its flags; and on which thread the
 * session's sink ran. `multithread`: MAPIInitialize had MAPI_MULTITHREAD_NOTIFICATIONS. */
static void test_new_mail(IProfAdmin *admin, BOOL multithread)
{
    static const ws_recip to_bob[] = {{L"Bob", L"SMTP", L"tandem-wt-notify-bob@example.test"}};
    static const WCHAR subject[] = L"new mail for bob";
    WCHAR drop_root[MAX_PATH];
    rec_sink direct, via_session, other;
    SPropValue *store_eid = NULL, *inbox_eid = NULL, *flags = NULL;
    IMAPIFolder *inbox = NULL;
    ULONG conn = 0, sconn = 0, oconn = 0, i;
    ws_user bob2;
    HRESULT hr;

    wt_context(multithread ? "fnevNewMail, MAPI_MULTITHREAD_NOTIFICATIONS" : "fnevNewMail");
    rs_init(&direct);
    rs_init(&via_session);
    rs_init(&other);
    memset(&bob2, 0, sizeof(bob2));
    swprintf(drop_root, MAX_PATH, L"%ls\\drop", wt_temp_dir());
    CreateDirectoryW(drop_root, NULL);
    if (!ws_profile(admin, &bob, "tandem-wt-notify-bob", drop_root)
        || !ws_profile(admin, &alice, "tandem-wt-notify-alice", drop_root)) goto done;
    hr = ws_logon(&bob, 0);
    if (!ok(hr == S_OK, "bob's logon %#lx\n", hr)) goto done;
    hr = ws_logon(&alice, 0);
    if (!ok(hr == S_OK, "alice's logon %#lx\n", hr)) goto done;
    /* a second session of bob's on the same store: its advisees hear of the delivery too,
     * whichever session's spooler made it */
    bob2.p = bob.p;
    hr = ws_logon(&bob2, 0);
    if (!ok(hr == S_OK, "bob's second logon %#lx\n", hr)) goto done;
    hr = bob2.mdb->lpVtbl->Advise(bob2.mdb, 0, NULL, fnevNewMail, &other.IMAPIAdviseSink_iface, &oconn);
    ok(hr == S_OK, "second session: IMsgStore::Advise(fnevNewMail) %#lx\n", hr);
    hr = bob.mdb->lpVtbl->Advise(bob.mdb, 0, NULL, fnevNewMail, &direct.IMAPIAdviseSink_iface, &conn);
    ok(hr == S_OK, "IMsgStore::Advise(fnevNewMail) %#lx\n", hr);
    if (HrGetOneProp((IMAPIProp *)bob.mdb, PR_STORE_ENTRYID, &store_eid) == S_OK)
    {
        hr = bob.session->lpVtbl->Advise(bob.session, store_eid->Value.bin.cb, (ENTRYID *)store_eid->Value.bin.lpb,
                                         fnevNewMail, &via_session.IMAPIAdviseSink_iface, &sconn);
        ok(hr == S_OK, "IMAPISession::Advise(store, fnevNewMail) %#lx\n", hr);
    }
    if ((inbox = ws_folder(&bob, 0))) HrGetOneProp((IMAPIProp *)inbox, PR_ENTRYID, &inbox_eid);

    hr = ws_send(&alice, subject, 1, to_bob, FALSE);
    ok(hr == S_OK, "alice's SubmitMessage %#lx\n", hr);
    ok(delivered(subject, &via_session), "bob never got the message\n");
    if (multithread)
    {
        /* no message processing on this thread: the sinks run anyway */
        DWORD start = GetTickCount();
        while ((!direct.n || !via_session.n || !other.n) && GetTickCount() - start < 5000) Sleep(10);
    }
    else rs_wait(&via_session, 1, 5000, 300);
    rs_wait(&direct, 1, 5000, 0);
    rs_wait(&other, 1, 5000, 300);

    ok(direct.n == 1, "IMsgStore::Advise's sink got %ld events\n", direct.n);
    ok(via_session.n == 1, "IMAPISession::Advise's sink got %ld events\n", via_session.n);
    ok(other.n == 1, "the second session's store sink got %ld events\n", other.n);
    for (i = 0; i < 3; i++)
    {
        rec_sink *s = i == 2 ? &other : i ? &via_session : &direct;
        IMsgStore *store = i == 2 ? bob2.mdb : bob.mdb;
        const event *e = &s->ev[0];
        IMessage *m = NULL;
        ULONG type = 0, same = 0;
        const char *who = i == 2 ? "second session's sink" : i ? "session sink" : "store sink";
        if (!s->n) continue;
        ok(e->type == fnevNewMail, "%s: event %#lx\n", who, e->type);
        ok(!strcmp(e->msg_class, "IPM.Note"), "%s: message class %s\n", who, e->msg_class);
        if (inbox_eid)
        {
            hr = store->lpVtbl->CompareEntryIDs(store, e->cb_parent, (ENTRYID *)e->parent, inbox_eid->Value.bin.cb,
                                                  (ENTRYID *)inbox_eid->Value.bin.lpb, 0, &same);
            ok(hr == S_OK && same, "%s: lpParentID is not the Inbox (%#lx)\n", who, hr);
        }
        hr = store->lpVtbl->OpenEntry(store, e->cb_eid, (ENTRYID *)e->eid, NULL, 0, &type, (IUnknown **)&m);
        ok(hr == S_OK && type == MAPI_MESSAGE, "%s: OpenEntry(lpEntryID) %#lx\n", who, hr);
        if (m)
        {
            SPropValue *subj = NULL;
            if (HrGetOneProp((IMAPIProp *)m, PR_SUBJECT_W, &subj) == S_OK)
                ok(!lstrcmpW(subj->Value.lpszW, subject), "%s: lpEntryID opens \"%ls\"\n", who, subj->Value.lpszW);
            MAPIFreeBuffer(subj);
            if (HrGetOneProp((IMAPIProp *)m, PR_MESSAGE_FLAGS, &flags) == S_OK)
                ok((ULONG)flags->Value.l == e->msg_flags, "%s: ulMessageFlags %#lx, PR_MESSAGE_FLAGS %#lx\n", who,
                   e->msg_flags, flags->Value.l);
            MAPIFreeBuffer(flags);
            flags = NULL;
            m->lpVtbl->Release(m);
        }
    }
    for (i = 0; i < 3; i++)
    {
        rec_sink *s = i == 2 ? &other : i ? &via_session : &direct;
        const char *who = i == 2 ? "second session's sink" : i ? "session sink" : "store sink";
        if (!s->n) continue;
        if (multithread)
            ok(s->ev[0].thread != GetCurrentThreadId(),
               "%s: with MAPI_MULTITHREAD_NOTIFICATIONS it ran on the MAPIInitialize thread\n", who);
        else
            ok(s->ev[0].thread == GetCurrentThreadId(),
               "%s: without MAPI_MULTITHREAD_NOTIFICATIONS it ran on thread %lu, not %lu\n", who,
               s->ev[0].thread, GetCurrentThreadId());
    }

    /* after Unadvise nothing comes */
    if (conn) ok(bob.mdb->lpVtbl->Unadvise(bob.mdb, conn) == S_OK, "Unadvise\n");
    if (sconn) ok(bob.session->lpVtbl->Unadvise(bob.session, sconn) == S_OK, "session Unadvise\n");
    if (oconn) ok(bob2.mdb->lpVtbl->Unadvise(bob2.mdb, oconn) == S_OK, "second session's Unadvise\n");
    hr = ws_send(&alice, L"after unadvise", 1, to_bob, FALSE);
    ok(hr == S_OK, "second SubmitMessage %#lx\n", hr);
    ok(delivered(L"after unadvise", &via_session), "bob never got the second message\n");
    rs_wait(&via_session, 2, 500, 0);
    ok(direct.n == 1 && via_session.n == 1 && other.n == 1, "after Unadvise: %ld, %ld and %ld events\n",
       direct.n, via_session.n, other.n);
done:
    MAPIFreeBuffer(store_eid);
    MAPIFreeBuffer(inbox_eid);
    if (inbox) inbox->lpVtbl->Release(inbox);
    ws_logoff(&alice);
    ws_logoff(&bob2);
    ws_logoff(&bob);
    rs_wait(&via_session, 1000, 300, 0);
    ok(direct.ref == 1 && via_session.ref == 1 && other.ref == 1, "sink references at the end: %ld, %ld, %ld\n",
       direct.ref, via_session.ref, other.ref);
    wt_profile_delete(admin, &alice.p);
    wt_profile_delete(admin, &bob.p);
    rs_free(&direct);
    rs_free(&via_session);
    rs_free(&other);
}

/* ---- the programs ------------------------------------------------------------------------- */

/* The second process: MAPIInitialize with MAPI_MULTITHREAD_NOTIFICATIONS. */
static void run_multithread(void)
{
    MAPIINIT_0 init = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    IProfAdmin *admin = NULL;
    HRESULT hr = MAPIInitialize(&init);
    if (!ok(hr == S_OK, "MAPIInitialize(MAPI_MULTITHREAD_NOTIFICATIONS) %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (ok(hr == S_OK && admin, "MAPIAdminProfiles %#lx\n", hr))
    {
        test_new_mail(admin, TRUE);
        wt_check_all_released((IUnknown *)admin);
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    IMAPIFolder *ipm, *top;
    HANDLE child;
    DWORD code = 99;
    wt_profile p;
    HRESULT hr;

    if (__argc > 1 && !strcmp(__argv[1], "multithread"))
    {
        run_multithread();
        return;
    }
    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, "tandem-wt-notify"))
    {
        if (wt_store_open(&p, &session, &mdb) && (ipm = wt_open_folder(mdb, PR_IPM_SUBTREE_ENTRYID)))
        {
            if ((top = wt_new_folder(ipm, "Notification tests")))
            {
                test_table_notifications(top);
                test_hierarchy_notifications(top);
                test_this_thread_table_sink(top);
                test_store_advise_args(top);
                test_object_notifications(top);
                top->lpVtbl->Release(top);
            }
            ipm->lpVtbl->Release(ipm);
        }
        wt_store_close(&session, &mdb);
        wt_profile_delete(admin, &p);
    }
    test_new_mail(admin, FALSE);
    wt_check_all_released((IUnknown *)admin);
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();

    /* the same delivery in a process whose first MAPIInitialize had MAPI_MULTITHREAD_NOTIFICATIONS */
    wt_context("MAPI_MULTITHREAD_NOTIFICATIONS (second process)");
    child = ws_start_child("multithread");
    if (ok(child != NULL, "starting the second process failed (%lu)\n", GetLastError()))
    {
        ok(WaitForSingleObject(child, 120000) == WAIT_OBJECT_0, "the second process did not end\n");
        GetExitCodeProcess(child, &code);
        ok(code == 0, "the second process exited with %lu (its checks failed)\n", code);
        CloseHandle(child);
    }
}
