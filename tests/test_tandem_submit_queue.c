/*
 * test_tandem_submit_queue.c - the store's side of sending as a state machine, driven like
 * MAPI and the spooler drive it (spi-digest §1.3, §1.6, §2; DECISIONS 3, 7): SubmitMessage's
 * states, SetLockState, FinishedMsg -> DoSentMail once, AbortSubmit (MAPI_E_NOT_IN_QUEUE,
 * MAPI_E_UNABLE_TO_ABORT), the outgoing queue in PR_CLIENT_SUBMIT_TIME order and its table
 * notifications, and the recovery at logon of messages a crashed process was sending through
 * the coupled pair. No transport is logged on here, so every submit goes to the queue.
 *
 * The support objects are test_tandem_fakes.h's with SpoolerNotify, ExpandRecips,
 * PrepareSubmit and DoSentMail recorded and Subscribe/Unsubscribe/Notify over a mapicore
 * notification engine (so table Advise works as under minimapi).
 */
#include "test_tandem_fakes.h"
#include "db/db.h"
#include "store/entryid.h"

static const GUID any_guid = { 1, 2, 3, { 4, 5, 6, 7, 8, 9, 10, 11 } };   /* existing files keep theirs */

/* a process id no process has (Wine and Windows hand out multiples of 4 far below this) */
#define DEAD_PID 0x7ffffffcu

typedef struct qsup
{
    fake_sup base;
    IMAPISupportVtbl vtbl;
    mc_notify_engine *engine;
    ULONG ready_to_send, expand, prepare, do_sent_mail;
    ULONG sent_flags;           /* PR_MESSAGE_FLAGS of the message DoSentMail got */
    BOOL sent_has_provider_time;
} qsup;

static qsup *qsup_from(IMAPISupport *iface)
{
    return CONTAINING_RECORD(fake_sup_from(iface), qsup, base);
}

static HRESULT STDMETHODCALLTYPE qs_SpoolerNotify(IMAPISupport *iface, ULONG flags, LPVOID data)
{
    if (flags & NOTIFY_READYTOSEND) qsup_from(iface)->ready_to_send++;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE qs_ExpandRecips(IMAPISupport *iface, LPMESSAGE msg, ULONG *flags)
{
    qsup_from(iface)->expand++;
    *flags = 0;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE qs_PrepareSubmit(IMAPISupport *iface, LPMESSAGE msg, ULONG *flags)
{
    qsup_from(iface)->prepare++;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE qs_DoSentMail(IMAPISupport *iface, ULONG flags, LPMESSAGE msg)
{
    static const SizedSPropTagArray(2, tags) = {2, {PR_MESSAGE_FLAGS, PR_PROVIDER_SUBMIT_TIME}};
    qsup *This = qsup_from(iface);
    SPropValue *v = NULL;
    ULONG n = 0;

    This->do_sent_mail++;
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, 0, &n, &v)) && n == 2)
    {
        This->sent_flags = v[0].ulPropTag == PR_MESSAGE_FLAGS ? (ULONG)v[0].Value.l : ~0u;
        This->sent_has_provider_time = v[1].ulPropTag == PR_PROVIDER_SUBMIT_TIME;
    }
    if (v) test_FreeBuffer(v);
    msg->lpVtbl->Release(msg);          /* DoSentMail releases the message (imapisupport-dosentmail.md) */
    return S_OK;
}
/* The sender's entry ID (SubmitMessage stamps PR_SENDER_ENTRYID): any bytes will do here. */
static HRESULT STDMETHODCALLTYPE qs_CreateOneOff(IMAPISupport *iface, LPTSTR name, LPTSTR type, LPTSTR addr,
                                                 ULONG flags, ULONG *cb, LPENTRYID *eid)
{
    static const BYTE oneoff[] = {0, 0, 0, 0, 'O', 'N', 'E', '-', 'O', 'F', 'F'};
    assert_int_equal(test_AllocateBuffer(sizeof(oneoff), (void **)eid), S_OK);
    memcpy(*eid, oneoff, sizeof(oneoff));
    *cb = sizeof(oneoff);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE qs_Subscribe(IMAPISupport *iface, LPNOTIFKEY key, ULONG mask, ULONG flags,
                                              LPMAPIADVISESINK sink, ULONG *conn)
{
    return mc_notify_engine_subscribe(qsup_from(iface)->engine, key, mask, flags, sink, conn);
}
static HRESULT STDMETHODCALLTYPE qs_Unsubscribe(IMAPISupport *iface, ULONG conn)
{
    return mc_notify_engine_unsubscribe(qsup_from(iface)->engine, conn);
}
static HRESULT STDMETHODCALLTYPE qs_Notify(IMAPISupport *iface, LPNOTIFKEY key, ULONG n, LPNOTIFICATION notifs,
                                           ULONG *flags)
{
    if (flags) *flags = 0;
    return mc_notify_engine_notify(qsup_from(iface)->engine, key, n, notifs, NULL);
}

static void qsup_init(qsup *s, fake_profile *p)
{
    fake_sup_init(&s->base, p, &p->store_uid);
    s->vtbl = fake_sup_vtbl;
    s->vtbl.SpoolerNotify = qs_SpoolerNotify;
    s->vtbl.ExpandRecips = qs_ExpandRecips;
    s->vtbl.PrepareSubmit = qs_PrepareSubmit;
    s->vtbl.DoSentMail = qs_DoSentMail;
    s->vtbl.CreateOneOff = qs_CreateOneOff;
    s->vtbl.Subscribe = qs_Subscribe;
    s->vtbl.Unsubscribe = qs_Unsubscribe;
    s->vtbl.Notify = qs_Notify;
    s->base.IMAPISupport_iface.lpVtbl = &s->vtbl;
    assert_int_equal(mc_notify_engine_create(&s->engine), S_OK);
}

static void qsup_done(qsup *s)
{
    mc_notify_engine_destroy(s->engine);
    fake_sup_done(&s->base);
}

/* ---- a table sink counting TABLE_ROW_* events --------------------------------------------- */

typedef struct sink
{
    IMAPIAdviseSink iface;
    LONG ref;
    LONG added, modified, deleted, other;
} sink;

static HRESULT STDMETHODCALLTYPE sk_qi(IMAPIAdviseSink *i, REFIID iid, void **out)
{
    *out = NULL;
    if (!IsEqualGUID(iid, &IID_IUnknown) && !IsEqualGUID(iid, &IID_IMAPIAdviseSink)) return E_NOINTERFACE;
    *out = i;
    i->lpVtbl->AddRef(i);
    return S_OK;
}
static ULONG STDMETHODCALLTYPE sk_addref(IMAPIAdviseSink *i) { return InterlockedIncrement(&((sink *)i)->ref); }
static ULONG STDMETHODCALLTYPE sk_release(IMAPIAdviseSink *i) { return InterlockedDecrement(&((sink *)i)->ref); }
static ULONG STDMETHODCALLTYPE sk_onnotify(IMAPIAdviseSink *i, ULONG n, LPNOTIFICATION notifs)
{
    sink *s = (sink *)i;
    ULONG k;
    for (k = 0; k < n; k++)
    {
        if (notifs[k].ulEventType != fnevTableModified) { InterlockedIncrement(&s->other); continue; }
        switch (notifs[k].info.tab.ulTableEvent)
        {
        case TABLE_ROW_ADDED: InterlockedIncrement(&s->added); break;
        case TABLE_ROW_MODIFIED: InterlockedIncrement(&s->modified); break;
        case TABLE_ROW_DELETED: InterlockedIncrement(&s->deleted); break;
        default: InterlockedIncrement(&s->other); break;
        }
    }
    return 0;
}
static IMAPIAdviseSinkVtbl sink_vtbl = {sk_qi, sk_addref, sk_release, sk_onnotify};

/* ---- a client logon and the spooler's logon over one store --------------------------------- */

typedef struct ctx
{
    WCHAR *dir, *path;
    fake_profile profile;
    qsup sup, spool_sup;
    IMSProvider *ms;
    IMSLogon *logon, *slogon;
    IMsgStore *mdb, *smdb;
} ctx;

static BYTE *unwrapped_from_profile(ctx *c, ULONG *cb)
{
    const SBinary *b = mc_propbag_get_bin(fake_store_section(&c->profile)->bag, PR_ENTRYID);
    BYTE *r;
    assert_non_null(b);
    assert_true(b->cb > 20);
    *cb = b->cb - 20;
    r = malloc(*cb);
    memcpy(r, b->lpb + 20, *cb);
    return r;
}

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof(*c));
    SPropValue props[3];
    ULONG ver, cb_spool = 0, cb;
    BYTE *spool = NULL, *eid;
    MAPIERROR *err = NULL;

    test_setup_alloc(state);
    c->dir = test_mkdtemp();
    c->path = td_wsprintf(L"%ls\\store.tandem", c->dir);
    fake_profile_init(&c->profile, L"tester");
    props[0].ulPropTag = PR_PST_PATH_W;
    props[0].Value.lpszW = c->path;
    props[1].ulPropTag = PR_DISPLAY_NAME_W;
    props[1].Value.lpszW = (WCHAR *)L"Test Store";
    props[2].ulPropTag = PR_EMAIL_ADDRESS_W;
    props[2].Value.lpszW = (WCHAR *)L"tester@example.org";
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 3, props, NULL), S_OK);
    qsup_init(&c->sup, &c->profile);
    qsup_init(&c->spool_sup, &c->profile);
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &c->ms), S_OK);
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.base.IMAPISupport_iface, 0, NULL, 0, NULL,
                                          MDB_WRITE | MDB_NO_DIALOG, NULL, &cb_spool, &spool, NULL,
                                          &c->logon, &c->mdb), S_OK);
    eid = unwrapped_from_profile(c, &cb);
    assert_int_equal(c->ms->lpVtbl->SpoolerLogon(c->ms, &c->spool_sup.base.IMAPISupport_iface, 0, NULL, cb,
                     (ENTRYID *)eid, 0, NULL, cb_spool, spool, &err, &c->slogon, &c->smdb), S_OK);
    free(eid);
    if (spool) test_FreeBuffer(spool);
    assert_null(err);
    *state = c;
    return 0;
}

static void logoff_pair(IMSLogon **logon, IMsgStore **mdb)
{
    ULONG flags = 0;
    if (*mdb) (*mdb)->lpVtbl->Release(*mdb);
    if (*logon)
    {
        assert_int_equal((*logon)->lpVtbl->Logoff(*logon, &flags), S_OK);
        (*logon)->lpVtbl->Release(*logon);
    }
    *mdb = NULL;
    *logon = NULL;
}

static int teardown(void **state)
{
    ctx *c = *state;
    ULONG flags = 0;

    logoff_pair(&c->slogon, &c->smdb);
    logoff_pair(&c->logon, &c->mdb);
    assert_int_equal(c->ms->lpVtbl->Shutdown(c->ms, &flags), S_OK);
    assert_int_equal(c->ms->lpVtbl->Release(c->ms), 0);
    qsup_done(&c->spool_sup);
    qsup_done(&c->sup);
    fake_profile_free(&c->profile);
    assert_int_equal(td_db_open_count(), 0);
    mc_free(c->path);
    test_rmdir(c->dir);
    free(c);
    return test_teardown_alloc(state);
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* Rows and values come from the provider's allocator (test_AllocateBuffer): no mapi32 here. */
static void free_rows(SRowSet *rows)
{
    ULONG i;
    for (i = 0; i < rows->cRows; i++) test_FreeBuffer(rows->aRow[i].lpProps);
    test_FreeBuffer(rows);
}

static HRESULT get_one_prop(IMAPIProp *obj, ULONG tag, SPropValue **out)
{
    SizedSPropTagArray(1, tags) = {1, {tag}};
    ULONG n = 0;
    HRESULT hr = obj->lpVtbl->GetProps(obj, (SPropTagArray *)&tags, 0, &n, out);
    if (hr == MAPI_W_ERRORS_RETURNED) { test_FreeBuffer(*out); *out = NULL; return MAPI_E_NOT_FOUND; }
    return hr;
}

/* A saved message in the Outbox with one SMTP recipient; its entry ID (free_eid) in *eid. */
static IMessage *compose(ctx *c, const WCHAR *subject, SBinary *eid)
{
    SizedSPropTagArray(1, tags) = {1, {PR_IPM_OUTBOX_ENTRYID}};
    static const SizedSPropTagArray(1, eid_tag) = {1, {PR_ENTRYID}};
    SPropValue *v = NULL, p;
    IMAPIFolder *f = NULL;
    IMessage *m = NULL;
    ADRLIST *l;
    SPropValue *r;
    ULONG n = 0, type = 0;

    assert_int_equal(c->mdb->lpVtbl->GetProps(c->mdb, (SPropTagArray *)&tags, 0, &n, &v), S_OK);
    assert_int_equal(v[0].ulPropTag, PR_IPM_OUTBOX_ENTRYID);
    assert_int_equal(c->mdb->lpVtbl->OpenEntry(c->mdb, v[0].Value.bin.cb, (ENTRYID *)v[0].Value.bin.lpb, NULL,
                                               MAPI_MODIFY, &type, (IUnknown **)&f), S_OK);
    test_FreeBuffer(v);
    assert_int_equal(f->lpVtbl->CreateMessage(f, NULL, 0, &m), S_OK);
    f->lpVtbl->Release(f);
    p.ulPropTag = PR_SUBJECT_W;
    p.Value.lpszW = (WCHAR *)subject;
    assert_int_equal(m->lpVtbl->SetProps(m, 1, &p, NULL), S_OK);
    assert_int_equal(test_AllocateBuffer(CbNewADRLIST(1), (void **)&l), S_OK);
    assert_int_equal(test_AllocateBuffer(4 * sizeof(SPropValue), (void **)&r), S_OK);
    r[0].ulPropTag = PR_DISPLAY_NAME_W;  r[0].Value.lpszW = (WCHAR *)L"Bob";
    r[1].ulPropTag = PR_ADDRTYPE_W;      r[1].Value.lpszW = (WCHAR *)L"SMTP";
    r[2].ulPropTag = PR_EMAIL_ADDRESS_W; r[2].Value.lpszW = (WCHAR *)L"bob@example.org";
    r[3].ulPropTag = PR_RECIPIENT_TYPE;  r[3].Value.l = MAPI_TO;
    l->cEntries = 1;
    l->aEntries[0].ulReserved1 = 0;
    l->aEntries[0].cValues = 4;
    l->aEntries[0].rgPropVals = r;
    assert_int_equal(m->lpVtbl->ModifyRecipients(m, 0, l), S_OK);
    test_FreeBuffer(r);
    test_FreeBuffer(l);
    assert_int_equal(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    assert_int_equal(m->lpVtbl->GetProps(m, (SPropTagArray *)&eid_tag, 0, &n, &v), S_OK);
    assert_int_equal(v[0].ulPropTag, PR_ENTRYID);
    eid->cb = v[0].Value.bin.cb;
    eid->lpb = malloc(eid->cb);
    memcpy(eid->lpb, v[0].Value.bin.lpb, eid->cb);
    test_FreeBuffer(v);
    return m;
}

/* compose + SubmitMessage + Release; *eid gets the entry ID (free_eid). */
static void submit(ctx *c, const WCHAR *subject, SBinary *eid)
{
    IMessage *m = compose(c, subject, eid);
    assert_int_equal(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    assert_int_equal(m->lpVtbl->Release(m), 0);
}

static void free_eid(SBinary *eid)
{
    free(eid->lpb);
    eid->lpb = NULL;
}

static IMessage *open_msg(IMsgStore *mdb, const SBinary *eid, ULONG flags, HRESULT expect)
{
    IMessage *m = NULL;
    ULONG type = 0;
    assert_int_equal(mdb->lpVtbl->OpenEntry(mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, flags, &type, (IUnknown **)&m),
                     expect);
    return m;
}

static ULONG msg_flags(ctx *c, const SBinary *eid)
{
    IMessage *m = open_msg(c->smdb, eid, 0, S_OK);
    SPropValue *v = NULL;
    ULONG f;
    assert_int_equal(get_one_prop((IMAPIProp *)m, PR_MESSAGE_FLAGS, &v), S_OK);
    f = (ULONG)v->Value.l;
    test_FreeBuffer(v);
    m->lpVtbl->Release(m);
    return f;
}

/* The queue's rows (subject, PR_SUBMIT_FLAGS, PR_CLIENT_SUBMIT_TIME) in the table's order. */
static SRowSet *queue_rows(IMAPITable *t)
{
    static const SizedSPropTagArray(4, cols) = {4, {PR_SUBJECT_W, PR_SUBMIT_FLAGS, PR_CLIENT_SUBMIT_TIME, PR_ENTRYID}};
    SRowSet *rows = NULL;
    assert_int_equal(t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0), S_OK);
    assert_int_equal(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(t->lpVtbl->QueryRows(t, 100, 0, &rows), S_OK);
    return rows;
}

static ULONG queue_count(ctx *c)
{
    IMAPITable *t = NULL;
    ULONG n = ~0u;
    assert_int_equal(c->smdb->lpVtbl->GetOutgoingQueue(c->smdb, 0, &t), S_OK);
    assert_int_equal(t->lpVtbl->GetRowCount(t, 0, &n), S_OK);
    t->lpVtbl->Release(t);
    return n;
}

static td_submit_info submit_info(ctx *c, const SBinary *eid)
{
    td_eid dec;
    td_submit_info info;
    td_db *db = NULL;

    memset(&dec, 0, sizeof(dec));
    memset(&info, 0, sizeof(info));
    assert_int_equal(td_eid_decode(eid->cb, (ENTRYID *)eid->lpb, &dec), S_OK);
    assert_int_equal(dec.kind, TD_EID_MESSAGE);
    assert_int_equal(td_db_open(c->path, &any_guid, NULL, &db, NULL), S_OK);
    if (FAILED(td_db_submit_get(db, dec.object_id, &info))) info.state = TD_SUBMIT_NONE;
    info.message = dec.object_id;
    td_db_release(db);
    td_eid_clear(&dec);
    return info;
}

static void put_info(ctx *c, const td_submit_info *info)
{
    td_db *db = NULL;
    assert_int_equal(td_db_open(c->path, &any_guid, NULL, &db, NULL), S_OK);
    assert_int_equal(td_db_submit_put(db, info), S_OK);
    td_db_release(db);
}

/* ---- tests -------------------------------------------------------------------------------- */

/* SubmitMessage: SUBMIT|UNSENT, PR_RESPONSIBILITY FALSE, PR_CLIENT_SUBMIT_TIME, READYTOSEND
 * once per session, ExpandRecips per message, queued (no transport), the message spent. */
static void submit_states(void **state)
{
    ctx *c = *state;
    SBinary a, b;
    IMessage *m;
    IMAPITable *rt = NULL;
    SRowSet *rows = NULL;
    SPropValue *v = NULL;
    static const SizedSPropTagArray(1, rcols) = {1, {PR_RESPONSIBILITY}};

    submit(c, L"first", &a);
    assert_int_equal(c->sup.ready_to_send, 1);
    assert_int_equal(c->sup.expand, 1);
    assert_int_equal(c->sup.prepare, 0);            /* not a resend */
    assert_int_equal(msg_flags(c, &a) & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), MSGFLAG_SUBMIT | MSGFLAG_UNSENT);
    assert_int_equal(submit_info(c, &a).state, TD_SUBMIT_QUEUED);

    m = open_msg(c->smdb, &a, 0, S_OK);
    assert_int_equal(get_one_prop((IMAPIProp *)m, PR_CLIENT_SUBMIT_TIME, &v), S_OK);
    test_FreeBuffer(v);
    assert_int_equal(m->lpVtbl->GetRecipientTable(m, 0, &rt), S_OK);
    assert_int_equal(rt->lpVtbl->SetColumns(rt, (SPropTagArray *)&rcols, 0), S_OK);
    assert_int_equal(rt->lpVtbl->QueryRows(rt, 10, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 1);
    assert_int_equal(rows->aRow[0].lpProps[0].ulPropTag, PR_RESPONSIBILITY);
    assert_false(rows->aRow[0].lpProps[0].Value.b);
    free_rows(rows);
    rt->lpVtbl->Release(rt);
    m->lpVtbl->Release(m);

    /* a client may not change it, may read it; no second submit */
    assert_null(open_msg(c->mdb, &a, MAPI_MODIFY, MAPI_E_SUBMITTED));
    m = open_msg(c->mdb, &a, MAPI_BEST_ACCESS, S_OK);
    {
        /* opened read-only: refused as any change would be */
        assert_int_equal(m->lpVtbl->SubmitMessage(m, 0), MAPI_E_NO_ACCESS);
    }
    m->lpVtbl->Release(m);
    assert_int_equal(submit_info(c, &a).state, TD_SUBMIT_QUEUED);

    /* READYTOSEND once per session */
    submit(c, L"second", &b);
    assert_int_equal(c->sup.ready_to_send, 1);
    assert_int_equal(c->sup.expand, 2);
    assert_int_equal(queue_count(c), 2);
    assert_int_equal(c->spool_sup.do_sent_mail + c->sup.do_sent_mail, 0);
    free_eid(&a);
    free_eid(&b);
}

/* SetLockState and FinishedMsg: locked rows show SUBMITFLAG_LOCKED and keep clients out;
 * FinishedMsg resets the state in one step and hands the message to DoSentMail exactly once. */
static void lock_and_finish(void **state)
{
    ctx *c = *state;
    SBinary a;
    IMessage *m;
    IMAPITable *t = NULL;
    SRowSet *rows;
    SPropValue *v = NULL;

    submit(c, L"locked", &a);
    m = open_msg(c->smdb, &a, MAPI_MODIFY, S_OK);
    assert_int_equal(c->smdb->lpVtbl->SetLockState(c->smdb, m, 7), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(c->smdb->lpVtbl->SetLockState(c->smdb, NULL, MSG_LOCKED), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(c->mdb->lpVtbl->SetLockState(c->mdb, m, MSG_LOCKED), MAPI_E_NO_SUPPORT);   /* client store */
    assert_int_equal(c->smdb->lpVtbl->SetLockState(c->smdb, m, MSG_LOCKED), S_OK);
    assert_int_equal(submit_info(c, &a).submit_flags & SUBMITFLAG_LOCKED, SUBMITFLAG_LOCKED);
    assert_int_equal(submit_info(c, &a).lock_pid, GetCurrentProcessId());
    assert_int_equal(c->smdb->lpVtbl->GetOutgoingQueue(c->smdb, 0, &t), S_OK);
    rows = queue_rows(t);
    assert_int_equal(rows->cRows, 1);
    assert_int_equal(rows->aRow[0].lpProps[1].Value.l & SUBMITFLAG_LOCKED, SUBMITFLAG_LOCKED);
    free_rows(rows);

    /* locked: clients can neither open nor abort it */
    assert_null(open_msg(c->mdb, &a, MAPI_BEST_ACCESS, MAPI_E_NO_ACCESS));
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, a.cb, (ENTRYID *)a.lpb, 0), MAPI_E_UNABLE_TO_ABORT);

    /* unlock, lock again */
    assert_int_equal(c->smdb->lpVtbl->SetLockState(c->smdb, m, MSG_UNLOCKED), S_OK);
    assert_int_equal(submit_info(c, &a).submit_flags & SUBMITFLAG_LOCKED, 0);
    rows = queue_rows(t);
    assert_int_equal(rows->aRow[0].lpProps[1].Value.l & SUBMITFLAG_LOCKED, 0);
    free_rows(rows);
    assert_int_equal(c->smdb->lpVtbl->SetLockState(c->smdb, m, MSG_LOCKED), S_OK);
    m->lpVtbl->Release(m);

    assert_int_equal(c->mdb->lpVtbl->FinishedMsg(c->mdb, 0, a.cb, (ENTRYID *)a.lpb), MAPI_E_NO_SUPPORT);
    assert_int_equal(c->smdb->lpVtbl->FinishedMsg(c->smdb, 0, a.cb, (ENTRYID *)a.lpb), S_OK);
    assert_int_equal(c->spool_sup.do_sent_mail, 1);
    assert_int_equal(c->spool_sup.sent_flags & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), 0);
    assert_true(c->spool_sup.sent_has_provider_time);
    assert_int_equal(submit_info(c, &a).state, TD_SUBMIT_NONE);
    rows = queue_rows(t);
    assert_int_equal(rows->cRows, 0);
    free_rows(rows);
    t->lpVtbl->Release(t);

    /* once: a second FinishedMsg, a lock, an abort find nothing in the queue */
    assert_int_equal(c->smdb->lpVtbl->FinishedMsg(c->smdb, 0, a.cb, (ENTRYID *)a.lpb), MAPI_E_NOT_IN_QUEUE);
    assert_int_equal(c->spool_sup.do_sent_mail, 1);
    assert_int_equal(c->sup.do_sent_mail, 0);
    m = open_msg(c->smdb, &a, MAPI_MODIFY, S_OK);
    assert_int_equal(c->smdb->lpVtbl->SetLockState(c->smdb, m, MSG_LOCKED), MAPI_E_NOT_IN_QUEUE);
    m->lpVtbl->Release(m);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, a.cb, (ENTRYID *)a.lpb, 0), MAPI_E_NOT_IN_QUEUE);
    /* a client opens it for writing again */
    m = open_msg(c->mdb, &a, MAPI_MODIFY, S_OK);
    assert_int_equal(get_one_prop((IMAPIProp *)m, PR_PROVIDER_SUBMIT_TIME, &v), S_OK);
    test_FreeBuffer(v);
    m->lpVtbl->Release(m);
    free_eid(&a);
}

/* AbortSubmit: S_OK for a queued unlocked message (submit state reset), then
 * MAPI_E_NOT_IN_QUEUE; never submitted: MAPI_E_NOT_IN_QUEUE; being sent by the pair (a live
 * process) or locked by the spooler: MAPI_E_UNABLE_TO_ABORT. */
static void abort_rules(void **state)
{
    ctx *c = *state;
    SBinary a, b, never;
    IMessage *m;
    td_submit_info info;

    submit(c, L"aborted", &a);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, a.cb, (ENTRYID *)a.lpb, 1), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, 0, NULL, 0), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, a.cb, (ENTRYID *)a.lpb, 0), S_OK);
    assert_int_equal(submit_info(c, &a).state, TD_SUBMIT_NONE);
    assert_int_equal(msg_flags(c, &a) & MSGFLAG_SUBMIT, 0);
    assert_int_equal(queue_count(c), 0);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, a.cb, (ENTRYID *)a.lpb, 0), MAPI_E_NOT_IN_QUEUE);
    /* aborted: the client may change and submit it again */
    m = open_msg(c->mdb, &a, MAPI_MODIFY, S_OK);
    assert_int_equal(m->lpVtbl->SubmitMessage(m, 0), S_OK);
    m->lpVtbl->Release(m);
    assert_int_equal(queue_count(c), 1);

    m = compose(c, L"never submitted", &never);
    m->lpVtbl->Release(m);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, never.cb, (ENTRYID *)never.lpb, 0), MAPI_E_NOT_IN_QUEUE);

    /* the pair of a live process (this one) is sending it */
    submit(c, L"coupled", &b);
    info = submit_info(c, &b);
    info.state = TD_SUBMIT_COUPLED;
    info.lock_pid = GetCurrentProcessId();
    put_info(c, &info);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, b.cb, (ENTRYID *)b.lpb, 0), MAPI_E_UNABLE_TO_ABORT);
    assert_int_equal(submit_info(c, &b).state, TD_SUBMIT_COUPLED);
    /* a lock left by a dead process does not count */
    info.state = TD_SUBMIT_QUEUED;
    info.submit_flags = SUBMITFLAG_LOCKED;
    info.lock_pid = DEAD_PID;
    put_info(c, &info);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, b.cb, (ENTRYID *)b.lpb, 0), S_OK);
    free_eid(&a);
    free_eid(&b);
    free_eid(&never);
}

/* The queue: PR_CLIENT_SUBMIT_TIME order (the order of SubmitMessage calls, not of creation),
 * strictly increasing times; a queue table opened before follows every change with
 * TABLE_ROW_ADDED / _MODIFIED / _DELETED. */
static void queue_order_and_notifications(void **state)
{
    ctx *c = *state;
    SBinary a, b, d;
    IMessage *ma, *mb, *m;
    IMAPITable *t = NULL;
    SRowSet *rows;
    sink s = {{&sink_vtbl}, 1, 0, 0, 0, 0};
    ULONG conn = 0, i;

    assert_int_equal(c->smdb->lpVtbl->GetOutgoingQueue(c->smdb, 1, &t), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(c->smdb->lpVtbl->GetOutgoingQueue(c->smdb, 0, &t), S_OK);
    assert_int_equal(t->lpVtbl->Advise(t, fnevTableModified, &s.iface, &conn), S_OK);
    assert_true(conn != 0);

    /* created A then B, submitted B then A */
    ma = compose(c, L"A", &a);
    mb = compose(c, L"B", &b);
    assert_int_equal(mb->lpVtbl->SubmitMessage(mb, 0), S_OK);
    assert_int_equal(ma->lpVtbl->SubmitMessage(ma, 0), S_OK);
    ma->lpVtbl->Release(ma);
    mb->lpVtbl->Release(mb);
    submit(c, L"D", &d);
    assert_int_equal(mc_notify_engine_wait_idle(c->spool_sup.engine, 5000), S_OK);
    assert_int_equal(s.added, 3);

    rows = queue_rows(t);
    assert_int_equal(rows->cRows, 3);
    assert_true(!wcscmp(rows->aRow[0].lpProps[0].Value.lpszW, L"B"));
    assert_true(!wcscmp(rows->aRow[1].lpProps[0].Value.lpszW, L"A"));
    assert_true(!wcscmp(rows->aRow[2].lpProps[0].Value.lpszW, L"D"));
    for (i = 1; i < rows->cRows; i++)
        assert_true(CompareFileTime(&rows->aRow[i - 1].lpProps[2].Value.ft, &rows->aRow[i].lpProps[2].Value.ft) < 0);
    free_rows(rows);

    /* lock B: modified; abort A: deleted; finish B: deleted */
    m = open_msg(c->smdb, &b, MAPI_MODIFY, S_OK);
    assert_int_equal(c->smdb->lpVtbl->SetLockState(c->smdb, m, MSG_LOCKED), S_OK);
    m->lpVtbl->Release(m);
    assert_int_equal(mc_notify_engine_wait_idle(c->spool_sup.engine, 5000), S_OK);
    assert_true(s.modified >= 1);
    assert_int_equal(s.deleted, 0);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, a.cb, (ENTRYID *)a.lpb, 0), S_OK);
    assert_int_equal(c->smdb->lpVtbl->FinishedMsg(c->smdb, 0, b.cb, (ENTRYID *)b.lpb), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(c->spool_sup.engine, 5000), S_OK);
    assert_int_equal(s.deleted, 2);
    assert_int_equal(s.added, 3);
    assert_int_equal(s.other, 0);
    rows = queue_rows(t);
    assert_int_equal(rows->cRows, 1);
    assert_true(!wcscmp(rows->aRow[0].lpProps[0].Value.lpszW, L"D"));
    free_rows(rows);

    assert_int_equal(t->lpVtbl->Unadvise(t, conn), S_OK);
    assert_int_equal(t->lpVtbl->Release(t), 0);
    assert_int_equal(s.ref, 1);         /* the engine gave the sink back */
    free_eid(&a);
    free_eid(&b);
    free_eid(&d);
}

/* The queue's columns (spi-digest §2.2, outgoing-queue-tables.md): the required set is the
 * default column set and a queued message's row has them; PR_SPOOLER_STATUS can be asked for
 * (pidtagspoolerstatus-canonical-property.md). */
static void queue_columns(void **state)
{
    static const ULONG required[11] = {PR_CLIENT_SUBMIT_TIME, PR_DISPLAY_BCC_W, PR_DISPLAY_CC_W,
        PR_DISPLAY_TO_W, PR_ENTRYID, PR_MESSAGE_FLAGS, PR_MESSAGE_SIZE, PR_PRIORITY, PR_SENDER_NAME_W,
        PR_SUBJECT_W, PR_SUBMIT_FLAGS};
    static const ULONG filled[] = {PR_CLIENT_SUBMIT_TIME, PR_DISPLAY_TO_W, PR_ENTRYID, PR_MESSAGE_FLAGS,
        PR_MESSAGE_SIZE, PR_SUBJECT_W, PR_SUBMIT_FLAGS};
    static const SizedSPropTagArray(2, with_status) = {2, {PR_SUBJECT_W, PR_SPOOLER_STATUS}};
    ctx *c = *state;
    IMAPITable *t = NULL;
    SPropTagArray *cols = NULL;
    SRowSet *rows = NULL;
    SBinary a;
    ULONG i, j;

    assert_int_equal(c->smdb->lpVtbl->GetOutgoingQueue(c->smdb, 0, &t), S_OK);
    assert_int_equal(t->lpVtbl->QueryColumns(t, 0, &cols), S_OK);
    for (i = 0; i < ARRAYSIZE(required); i++)
    {
        BOOL found = FALSE;
        for (j = 0; j < cols->cValues; j++) found |= cols->aulPropTag[j] == required[i];
        assert_true(found);
    }
    test_FreeBuffer(cols);
    submit(c, L"columns", &a);
    assert_int_equal(t->lpVtbl->QueryRows(t, 10, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 1);
    for (i = 0; i < ARRAYSIZE(filled); i++)
    {
        BOOL found = FALSE;
        for (j = 0; j < rows->aRow[0].cValues; j++) found |= rows->aRow[0].lpProps[j].ulPropTag == filled[i];
        assert_true(found);
    }
    for (j = 0; j < rows->aRow[0].cValues; j++)
    {
        const SPropValue *v = &rows->aRow[0].lpProps[j];
        if (v->ulPropTag == PR_MESSAGE_FLAGS) assert_true(v->Value.l & MSGFLAG_SUBMIT);
        if (v->ulPropTag == PR_DISPLAY_TO_W) assert_true(!wcscmp(v->Value.lpszW, L"Bob"));
        if (v->ulPropTag == PR_ENTRYID) assert_true(v->Value.bin.cb == a.cb && !memcmp(v->Value.bin.lpb, a.lpb, a.cb));
    }
    free_rows(rows);
    assert_int_equal(t->lpVtbl->SetColumns(t, (SPropTagArray *)&with_status, 0), S_OK);
    assert_int_equal(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL), S_OK);
    assert_int_equal(t->lpVtbl->QueryRows(t, 10, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 1);
    assert_int_equal(rows->aRow[0].cValues, 2);
    assert_int_equal(PROP_ID(rows->aRow[0].lpProps[1].ulPropTag), PROP_ID(PR_SPOOLER_STATUS));
    free_rows(rows);
    assert_int_equal(t->lpVtbl->Release(t), 0);
    free_eid(&a);
}

/* Logon recovers what a dead process was sending through the coupled pair: every recipient
 * done (PR_RESPONSIBILITY TRUE) -> finished (sent); any left -> the outgoing queue; a live
 * process's row is left alone. */
static void crash_recovery(void **state)
{
    ctx *c = *state;
    SBinary partly, whole, live;
    td_submit_info info;
    IMessage *m;
    IMSLogon *logon2 = NULL;
    IMsgStore *mdb2 = NULL;
    ULONG cb_spool = 0;
    BYTE *spool = NULL;
    ADRLIST *l;
    SPropValue *r;
    IMAPITable *rt = NULL;
    SRowSet *rows = NULL;

    submit(c, L"partly sent", &partly);
    submit(c, L"wholly sent", &whole);
    submit(c, L"being sent", &live);
    /* the pair finished every recipient of "wholly sent" (the spooler's object may write rows) */
    m = open_msg(c->smdb, &whole, MAPI_MODIFY, S_OK);
    assert_int_equal(m->lpVtbl->GetRecipientTable(m, 0, &rt), S_OK);
    assert_int_equal(rt->lpVtbl->QueryRows(rt, 10, 0, &rows), S_OK);
    rt->lpVtbl->Release(rt);
    assert_int_equal(rows->cRows, 1);
    assert_int_equal(test_AllocateBuffer(CbNewADRLIST(1), (void **)&l), S_OK);
    assert_int_equal(test_AllocateBuffer((rows->aRow[0].cValues + 1) * sizeof(SPropValue), (void **)&r), S_OK);
    {
        ULONG k, n = 0;
        for (k = 0; k < rows->aRow[0].cValues; k++)
        {
            ULONG tag = rows->aRow[0].lpProps[k].ulPropTag;
            if (PROP_TYPE(tag) == PT_ERROR || tag == PR_INSTANCE_KEY || PROP_ID(tag) == PROP_ID(PR_RESPONSIBILITY)) continue;
            r[n++] = rows->aRow[0].lpProps[k];
        }
        r[n].ulPropTag = PR_RESPONSIBILITY;
        r[n++].Value.b = TRUE;
        l->cEntries = 1;
        l->aEntries[0].ulReserved1 = 0;
        l->aEntries[0].cValues = n;
        l->aEntries[0].rgPropVals = r;
    }
    assert_int_equal(m->lpVtbl->ModifyRecipients(m, MODRECIP_MODIFY, l), S_OK);
    test_FreeBuffer(l);     /* ModifyRecipients keeps no pointer into it */
    test_FreeBuffer(r);
    free_rows(rows);
    assert_int_equal(m->lpVtbl->SaveChanges(m, 0), S_OK);
    m->lpVtbl->Release(m);

    /* the pair of a dead process had "partly" and "wholly"; this process has "being sent" */
    info = submit_info(c, &partly);
    info.state = TD_SUBMIT_COUPLED;
    info.lock_pid = DEAD_PID;
    put_info(c, &info);
    info = submit_info(c, &whole);
    info.state = TD_SUBMIT_COUPLED;
    info.lock_pid = DEAD_PID;
    put_info(c, &info);
    info = submit_info(c, &live);
    info.state = TD_SUBMIT_COUPLED;
    info.lock_pid = GetCurrentProcessId();
    put_info(c, &info);
    assert_int_equal(queue_count(c), 0);

    /* a logon recovers */
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.base.IMAPISupport_iface, 0, NULL, 0, NULL,
                                          MDB_WRITE | MDB_NO_DIALOG, NULL, &cb_spool, &spool, NULL,
                                          &logon2, &mdb2), S_OK);
    if (spool) test_FreeBuffer(spool);
    info = submit_info(c, &partly);
    assert_int_equal(info.state, TD_SUBMIT_QUEUED);
    assert_int_equal(info.lock_pid, 0);
    assert_int_equal(msg_flags(c, &partly) & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), MSGFLAG_SUBMIT | MSGFLAG_UNSENT);
    assert_int_equal(submit_info(c, &whole).state, TD_SUBMIT_NONE);
    assert_int_equal(msg_flags(c, &whole) & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), 0);
    assert_int_equal(submit_info(c, &live).state, TD_SUBMIT_COUPLED);
    assert_int_equal(queue_count(c), 1);
    /* nothing is recovered twice */
    logoff_pair(&logon2, &mdb2);
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.base.IMAPISupport_iface, 0, NULL, 0, NULL,
                                          MDB_WRITE | MDB_NO_DIALOG, NULL, &cb_spool, &spool, NULL,
                                          &logon2, &mdb2), S_OK);
    if (spool) test_FreeBuffer(spool);
    assert_int_equal(queue_count(c), 1);
    assert_int_equal(submit_info(c, &whole).state, TD_SUBMIT_NONE);
    assert_int_equal(submit_info(c, &live).state, TD_SUBMIT_COUPLED);
    logoff_pair(&logon2, &mdb2);
    /* the coupled path finishes without DoSentMail (it applies the disposition itself) */
    assert_int_equal(c->sup.do_sent_mail + c->spool_sup.do_sent_mail, 0);
    free_eid(&partly);
    free_eid(&whole);
    free_eid(&live);
}

/* The store's entry for a standard folder (PR_IPM_*_ENTRYID): its object id. */
static ULONGLONG store_folder_id(ctx *c, ULONG tag, SBinary *eid)
{
    SizedSPropTagArray(1, tags) = {1, {tag}};
    SPropValue *v = NULL;
    td_eid dec;
    ULONG n = 0;
    ULONGLONG id;

    memset(&dec, 0, sizeof(dec));
    assert_int_equal(c->mdb->lpVtbl->GetProps(c->mdb, (SPropTagArray *)&tags, 0, &n, &v), S_OK);
    assert_int_equal(v[0].ulPropTag, tag);
    assert_int_equal(td_eid_decode(v[0].Value.bin.cb, (ENTRYID *)v[0].Value.bin.lpb, &dec), S_OK);
    id = dec.object_id;
    if (eid)
    {
        eid->cb = v[0].Value.bin.cb;
        eid->lpb = malloc(eid->cb);
        memcpy(eid->lpb, v[0].Value.bin.lpb, eid->cb);
    }
    td_eid_clear(&dec);
    test_FreeBuffer(v);
    return id;
}

/* The database exactly as FinishedMsg's transaction left it (out of the queue, SUBMIT and
 * UNSENT cleared, disposition pending for process `pid`), DoSentMail not called. */
static void finished_state(ctx *c, const SBinary *eid, ULONG pid)
{
    td_submit_info info = submit_info(c, eid);
    SPropValue v;
    td_db *db = NULL;

    assert_int_equal(info.state, TD_SUBMIT_QUEUED);
    info.state = TD_SUBMIT_SENT;
    info.submit_flags = 0;
    info.lock_pid = pid;
    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = (LONG)(msg_flags(c, eid) & ~(ULONG)(MSGFLAG_SUBMIT | MSGFLAG_UNSENT));
    assert_int_equal(td_db_open(c->path, &any_guid, NULL, &db, NULL), S_OK);
    assert_int_equal(td_db_begin(db), S_OK);
    assert_int_equal(td_db_prop_set(db, info.message, &v), S_OK);
    assert_int_equal(td_db_submit_put(db, &info), S_OK);
    assert_int_equal(td_db_commit(db), S_OK);
    td_db_release(db);
}

static ULONGLONG parent_of(ctx *c, const SBinary *eid)
{
    td_obj_info obj;
    td_db *db = NULL;
    HRESULT hr;

    assert_int_equal(td_db_open(c->path, &any_guid, NULL, &db, NULL), S_OK);
    hr = td_db_object_get(db, submit_info(c, eid).message, &obj);
    td_db_release(db);
    return SUCCEEDED(hr) ? obj.parent : 0;
}

/* The spooler died after FinishedMsg committed and before DoSentMail was done (wt_send_crash
 * round 192: delivered, but left in the Outbox not submitted, Sent Items empty). The next
 * logon completes the disposition: moved to PR_SENTMAIL_ENTRYID, or deleted per
 * PR_DELETE_AFTER_SUBMIT; one DoSentMail already moved stays; a live process's is left alone. */
static void finished_crash_recovery(void **state)
{
    ctx *c = *state;
    SBinary sent, del, moved, live, sentmail;
    ULONGLONG outbox = store_folder_id(c, PR_IPM_OUTBOX_ENTRYID, NULL);
    ULONGLONG sent_items = store_folder_id(c, PR_IPM_SENTMAIL_ENTRYID, &sentmail);
    IMSLogon *logon2 = NULL;
    IMsgStore *mdb2 = NULL;
    ULONG cb_spool = 0, i;
    BYTE *spool = NULL;
    SBinary *all[4] = {&sent, &del, &moved, &live};
    const WCHAR *subjects[4] = {L"sent", L"delete after submit", L"already moved", L"live"};
    IMessage *m;
    SPropValue p;
    td_db *db = NULL;

    for (i = 0; i < 4; i++)
    {
        m = compose(c, subjects[i], all[i]);
        if (all[i] == &del)
        {
            p.ulPropTag = PR_DELETE_AFTER_SUBMIT;
            p.Value.b = TRUE;
        }
        else
        {
            p.ulPropTag = PR_SENTMAIL_ENTRYID;
            p.Value.bin = sentmail;
        }
        assert_int_equal(m->lpVtbl->SetProps(m, 1, &p, NULL), S_OK);
        assert_int_equal(m->lpVtbl->SubmitMessage(m, 0), S_OK);
        assert_int_equal(m->lpVtbl->Release(m), 0);
        finished_state(c, all[i], all[i] == &live ? GetCurrentProcessId() : DEAD_PID);
    }
    /* DoSentMail of "already moved" did its move; the process died before the row went */
    assert_int_equal(td_db_open(c->path, &any_guid, NULL, &db, NULL), S_OK);
    assert_int_equal(td_db_object_move(db, submit_info(c, &moved).message, sent_items), S_OK);
    td_db_release(db);

    /* the kill point: sent, not submitted, still in the Outbox */
    assert_int_equal(queue_count(c), 0);
    assert_int_equal(parent_of(c, &sent), outbox);
    assert_int_equal(msg_flags(c, &sent) & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), 0);
    m = open_msg(c->mdb, &sent, MAPI_MODIFY, S_OK);     /* not submitted: writable */
    m->lpVtbl->Release(m);
    assert_int_equal(c->mdb->lpVtbl->AbortSubmit(c->mdb, sent.cb, (ENTRYID *)sent.lpb, 0), MAPI_E_NOT_IN_QUEUE);

    /* a logon recovers */
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.base.IMAPISupport_iface, 0, NULL, 0, NULL,
                                          MDB_WRITE | MDB_NO_DIALOG, NULL, &cb_spool, &spool, NULL,
                                          &logon2, &mdb2), S_OK);
    if (spool) test_FreeBuffer(spool);
    assert_int_equal(parent_of(c, &sent), sent_items);
    assert_int_equal(submit_info(c, &sent).state, TD_SUBMIT_NONE);
    assert_int_equal(msg_flags(c, &sent) & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), 0);
    assert_null(open_msg(c->smdb, &del, 0, MAPI_E_NOT_FOUND));
    assert_int_equal(parent_of(c, &moved), sent_items);
    assert_int_equal(submit_info(c, &moved).state, TD_SUBMIT_NONE);
    assert_int_equal(parent_of(c, &live), outbox);
    assert_int_equal(submit_info(c, &live).state, TD_SUBMIT_SENT);
    assert_int_equal(queue_count(c), 0);
    /* nothing is recovered twice */
    logoff_pair(&logon2, &mdb2);
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.base.IMAPISupport_iface, 0, NULL, 0, NULL,
                                          MDB_WRITE | MDB_NO_DIALOG, NULL, &cb_spool, &spool, NULL,
                                          &logon2, &mdb2), S_OK);
    if (spool) test_FreeBuffer(spool);
    assert_int_equal(parent_of(c, &sent), sent_items);
    assert_int_equal(submit_info(c, &live).state, TD_SUBMIT_SENT);
    logoff_pair(&logon2, &mdb2);
    /* the recovery applies the disposition itself: the logon's support has no store yet */
    assert_int_equal(c->sup.do_sent_mail + c->spool_sup.do_sent_mail, 0);
    for (i = 0; i < 4; i++) free_eid(all[i]);
    free_eid(&sentmail);
}

#define TQ(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        TQ(submit_states),
        TQ(lock_and_finish),
        TQ(abort_rules),
        TQ(queue_order_and_notifications),
        TQ(queue_columns),
        TQ(crash_recovery),
        TQ(finished_crash_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
