/*
 * test_send_e2e.c - sending end to end through the public API (issue 6 points 1-7, 9): two
 * profiles (alice, bob) on one drop root, each in its own session with the spooler. alice
 * sends bob a message with an attachment through the coupled path (the transport is logged on
 * in alice's session and handles SMTP) and through the spooler path (a second recipient of an
 * address type the transport does not handle puts the message in the outgoing queue); bob's
 * Inbox gets each exactly once (fnevNewMail on bob's store), alice's Sent Items has them and
 * her Outbox is empty; an address nobody owns gets a non-delivery report for that recipient
 * only; a delivery report when asked for; a message submitted from the Inbox is sent once;
 * identity and time stamps on both sides; the transport status object; zero live blocks.
 */
#include <wchar.h>
#include "wtest.h"
#include "wtsend.h"

#ifndef PR_OWN_STORE_ENTRYID
#define PR_OWN_STORE_ENTRYID PROP_TAG(PT_BINARY, 0x3E06)
#endif

typedef struct sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    volatile LONG new_mail;
} sink;

static HRESULT STDMETHODCALLTYPE sink_QueryInterface(IMAPIAdviseSink *iface, REFIID iid, void **out)
{
    *out = iface;
    iface->lpVtbl->AddRef(iface);
    return S_OK;
}
static ULONG STDMETHODCALLTYPE sink_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface)->ref);
}
static ULONG STDMETHODCALLTYPE sink_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface)->ref);
}
static ULONG STDMETHODCALLTYPE sink_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notifs)
{
    sink *s = CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface);
    ULONG i;
    for (i = 0; i < n; i++)
        if (notifs[i].ulEventType == fnevNewMail) InterlockedIncrement(&s->new_mail);
    return 0;
}
static const IMAPIAdviseSinkVtbl sink_vtbl = { sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify };

static ws_user alice, bob;
static WCHAR drop_root[MAX_PATH];

/* Flush both sessions until `done` holds (at most ~10 s), processing this thread's messages:
 * without MAPI_MULTITHREAD_NOTIFICATIONS the sinks run here (mapiinit_0.md). */
static BOOL settle(BOOL (*done)(void *), void *ctx)
{
    int i;
    for (i = 0; i < 100; i++)
    {
        MSG msg;
        ws_flush(&alice);
        ws_flush(&bob);
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
        if (done(ctx)) return TRUE;
        Sleep(100);
    }
    return FALSE;
}

static BOOL bob_has(void *subject) { return ws_count(&bob, 0, subject) >= 1 && ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL) == 0; }
static BOOL alice_inbox_has(void *subject) { return ws_count(&alice, 0, subject) >= 1 && ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL) == 0; }

/* One message of a folder by subject, opened (read-only). */
static IMessage *open_by_subject(ws_user *u, ULONG tag, const WCHAR *subject)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_SUBJECT_W, PR_ENTRYID}};
    SRowSet *rows = ws_rows(u, tag, (SPropTagArray *)&cols);
    IMessage *m = NULL;
    ULONG i, type;

    for (i = 0; rows && i < rows->cRows && !m; i++)
        if (rows->aRow[i].lpProps[0].ulPropTag == PR_SUBJECT_W && !wcscmp(rows->aRow[i].lpProps[0].Value.lpszW, subject))
            u->mdb->lpVtbl->OpenEntry(u->mdb, rows->aRow[i].lpProps[1].Value.bin.cb,
                                      (ENTRYID *)rows->aRow[i].lpProps[1].Value.bin.lpb, NULL, 0, &type, (IUnknown **)&m);
    if (rows) FreeProws(rows);
    return m;
}

static const WCHAR *str_prop(IMessage *m, ULONG tag, SPropValue **hold)
{
    *hold = NULL;
    if (FAILED(HrGetOneProp((IMAPIProp *)m, tag, hold))) return NULL;
    return (*hold)->Value.lpszW;
}

static ULONG count_rows(IMessage *m, BOOL attachments)
{
    IMAPITable *t = NULL;
    ULONG n = ~0u;
    HRESULT hr = attachments ? m->lpVtbl->GetAttachmentTable(m, 0, &t) : m->lpVtbl->GetRecipientTable(m, 0, &t);
    if (SUCCEEDED(hr))
    {
        t->lpVtbl->GetRowCount(t, 0, &n);
        t->lpVtbl->Release(t);
    }
    return n;
}

static void check_received(const WCHAR *subject)
{
    IMessage *m = open_by_subject(&bob, 0, subject);
    SPropValue *v = NULL;
    const WCHAR *s;

    if (!ok(m != NULL, "bob cannot open \"%ls\" in his Inbox\n", subject)) return;
    ok(SUCCEEDED(HrGetOneProp((IMAPIProp *)m, PR_MESSAGE_DELIVERY_TIME, &v)), "no PR_MESSAGE_DELIVERY_TIME on \"%ls\"\n", subject);
    MAPIFreeBuffer(v);
    ok(SUCCEEDED(HrGetOneProp((IMAPIProp *)m, PR_MESSAGE_FLAGS, &v)) && !(v->Value.l & (MSGFLAG_UNSENT | MSGFLAG_SUBMIT)),
       "bob's \"%ls\" has flags %#lx\n", subject, v ? v->Value.l : -1);
    MAPIFreeBuffer(v);
    s = str_prop(m, PR_RECEIVED_BY_EMAIL_ADDRESS_W, &v);
    ok(s && !_wcsicmp(s, bob.p.email), "PR_RECEIVED_BY_EMAIL_ADDRESS is %ls\n", s ? s : L"(none)");
    MAPIFreeBuffer(v);
    s = str_prop(m, PR_SENDER_EMAIL_ADDRESS_W, &v);
    ok(s && !_wcsicmp(s, alice.p.email), "PR_SENDER_EMAIL_ADDRESS is %ls\n", s ? s : L"(none)");
    MAPIFreeBuffer(v);
    s = str_prop(m, PR_SENT_REPRESENTING_EMAIL_ADDRESS_W, &v);
    ok(s && !_wcsicmp(s, alice.p.email), "PR_SENT_REPRESENTING_EMAIL_ADDRESS is %ls\n", s ? s : L"(none)");
    MAPIFreeBuffer(v);
    ok(count_rows(m, TRUE) == 1, "bob's \"%ls\" has %lu attachments\n", subject, count_rows(m, TRUE));
    m->lpVtbl->Release(m);
}

static void check_sent(const WCHAR *subject)
{
    IMessage *m = open_by_subject(&alice, PR_IPM_SENTMAIL_ENTRYID, subject);
    SPropValue *v = NULL;

    ok(ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, subject) == 1, "alice's Sent Items has %lu \"%ls\"\n",
       ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, subject), subject);
    if (!ok(m != NULL, "alice cannot open \"%ls\" in Sent Items\n", subject)) return;
    ok(SUCCEEDED(HrGetOneProp((IMAPIProp *)m, PR_PROVIDER_SUBMIT_TIME, &v)), "no PR_PROVIDER_SUBMIT_TIME on the sent \"%ls\"\n", subject);
    MAPIFreeBuffer(v);
    ok(SUCCEEDED(HrGetOneProp((IMAPIProp *)m, PR_MESSAGE_FLAGS, &v)) && !(v->Value.l & (MSGFLAG_UNSENT | MSGFLAG_SUBMIT)),
       "alice's sent \"%ls\" has flags %#lx\n", subject, v ? v->Value.l : -1);
    MAPIFreeBuffer(v);
    m->lpVtbl->Release(m);
}

static void test_coupled(sink *bob_sink)
{
    static const ws_recip to_bob[] = {{L"Bob", L"SMTP", L"bob@example.test"}};
    static const WCHAR subject[] = L"coupled: hello bob";
    LONG before = bob_sink->new_mail;
    HRESULT hr;

    wt_context("coupled path");
    hr = ws_send(&alice, subject, 1, to_bob, TRUE);
    ok(hr == S_OK, "SubmitMessage returned %#lx\n", hr);
    /* the coupled path sent it from SubmitMessage: nothing waits in the Outbox */
    ok(ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL) == 0, "alice's Outbox holds %lu right after the coupled submit\n",
       ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL));
    ok(ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, subject) == 1, "not in Sent Items right after the coupled submit\n");
    ok(settle(bob_has, (void *)subject), "bob never got \"%ls\"\n", subject);
    ok(ws_count(&bob, 0, subject) == 1, "bob got \"%ls\" %lu times\n", subject, ws_count(&bob, 0, subject));
    check_received(subject);
    check_sent(subject);
    ok(bob_sink->new_mail > before, "no fnevNewMail for bob\n");
}

static void test_spooler_path(void)
{
    static const ws_recip recips[] = {{L"Bob", L"SMTP", L"bob@example.test"}, {L"Carol", L"X400", L"c=xx;a=;p=carol"}};
    static const WCHAR subject[] = L"spooler: hello bob";
    static const WCHAR ndr_subject[] = L"Undeliverable: spooler: hello bob";
    IMessage *ndr;
    HRESULT hr;

    wt_context("spooler path");
    /* X400 is no address type the coupled transport handles: the message goes to the queue,
     * the spooler sends the SMTP recipient and reports the X400 one as undeliverable */
    hr = ws_send(&alice, subject, 2, recips, TRUE);
    ok(hr == S_OK, "SubmitMessage returned %#lx\n", hr);
    ok(settle(bob_has, (void *)subject), "bob never got \"%ls\"\n", subject);
    ok(settle(alice_inbox_has, (void *)ndr_subject), "alice never got the report for the X400 recipient\n");
    ok(ws_count(&bob, 0, subject) == 1, "bob got \"%ls\" %lu times\n", subject, ws_count(&bob, 0, subject));
    check_received(subject);
    check_sent(subject);
    if ((ndr = open_by_subject(&alice, 0, ndr_subject)))
    {
        static const SizedSPropTagArray(3, cols) = {3, {PR_EMAIL_ADDRESS_W, PR_NDR_REASON_CODE, PR_DISPLAY_NAME_W}};
        IMAPITable *t = NULL;
        SRowSet *rows = NULL;
        ULONG i, failed = 0, carol = 0, bob_rows = 0, n_rows = 0;
        hr = ndr->lpVtbl->GetRecipientTable(ndr, MAPI_UNICODE, &t);
        ok(hr == S_OK, "GetRecipientTable on the report returned %#lx\n", hr);
        if (SUCCEEDED(hr) && SUCCEEDED(hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)))
        {
            n_rows = rows->cRows;
            for (i = 0; i < rows->cRows; i++)
            {
                SPropValue *p = rows->aRow[i].lpProps;
                if (p[1].ulPropTag == PR_NDR_REASON_CODE) failed++;
                if (p[0].ulPropTag == PR_EMAIL_ADDRESS_W && !wcscmp(p[0].Value.lpszW, L"bob@example.test")) bob_rows++;
                if (p[2].ulPropTag == PR_DISPLAY_NAME_W && !wcscmp(p[2].Value.lpszW, L"Carol")) carol++;
            }
            FreeProws(rows);
        }
        ok(hr == S_OK, "reading the report's recipients returned %#lx\n", hr);
        if (t) t->lpVtbl->Release(t);
        /* the failed recipients only (issue 6 point 2): carol, not bob whom the transport took */
        ok(n_rows == 1, "the report names %lu recipients, want 1 (carol)\n", n_rows);
        ok(carol == 1, "the report names carol %lu times\n", carol);
        ok(bob_rows == 0, "the report names bob, who got the message, %lu times\n", bob_rows);
        ok(failed == 1, "the report has %lu rows with PR_NDR_REASON_CODE, want 1\n", failed);
        ndr->lpVtbl->Release(ndr);
    }
}

static void test_ndr(void)
{
    static const ws_recip recips[] = {{L"Bob", L"SMTP", L"bob@example.test"}, {L"Nobody", L"SMTP", L"nobody@example.test"}};
    static const WCHAR subject[] = L"ndr: two recipients";
    static const WCHAR ndr_subject[] = L"Undeliverable: ndr: two recipients";
    static const SizedSPropTagArray(4, cols) = {4, {PR_EMAIL_ADDRESS_W, PR_NDR_REASON_CODE, PR_NDR_DIAG_CODE, PR_REPORT_TEXT_W}};
    IMessage *ndr;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SPropValue *v = NULL;
    const WCHAR *s;
    HRESULT hr;

    wt_context("non-delivery report");
    hr = ws_send(&alice, subject, 2, recips, FALSE);
    ok(hr == S_OK, "SubmitMessage returned %#lx\n", hr);
    ok(settle(alice_inbox_has, (void *)ndr_subject), "no report in alice's Inbox\n");
    ok(settle(bob_has, (void *)subject), "bob never got \"%ls\"\n", subject);
    ok(ws_count(&alice, 0, ndr_subject) == 1, "%lu reports\n", ws_count(&alice, 0, ndr_subject));
    if (!(ndr = open_by_subject(&alice, 0, ndr_subject))) return;
    s = str_prop(ndr, PR_MESSAGE_CLASS_W, &v);
    ok(s && !wcscmp(s, L"REPORT.IPM.Note.NDR"), "the report's class is %ls\n", s ? s : L"(none)");
    MAPIFreeBuffer(v);
    s = str_prop(ndr, PR_ORIGINAL_SUBJECT_W, &v);
    ok(s && !wcscmp(s, subject), "the report's PR_ORIGINAL_SUBJECT is %ls\n", s ? s : L"(none)");
    MAPIFreeBuffer(v);
    if (SUCCEEDED(ndr->lpVtbl->GetRecipientTable(ndr, MAPI_UNICODE, &t))
        && SUCCEEDED(HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)))
    {
        ok(rows->cRows == 1, "the report names %lu recipients (want only the failed one)\n", rows->cRows);
        if (rows->cRows)
        {
            SPropValue *p = rows->aRow[0].lpProps;
            ok(p[0].ulPropTag == PR_EMAIL_ADDRESS_W && !wcscmp(p[0].Value.lpszW, L"nobody@example.test"),
               "the failed recipient is %ls\n", p[0].ulPropTag == PR_EMAIL_ADDRESS_W ? p[0].Value.lpszW : L"(none)");
            ok(p[1].ulPropTag == PR_NDR_REASON_CODE, "no PR_NDR_REASON_CODE\n");
            ok(p[2].ulPropTag == PR_NDR_DIAG_CODE && p[2].Value.l == MAPI_DIAG_MAIL_RECIPIENT_UNKNOWN,
               "PR_NDR_DIAG_CODE %#lx %ld\n", p[2].ulPropTag, p[2].Value.l);
            ok(p[3].ulPropTag == PR_REPORT_TEXT_W && wcsstr(p[3].Value.lpszW, L"nobody@example.test"),
               "PR_REPORT_TEXT %ls\n", p[3].ulPropTag == PR_REPORT_TEXT_W ? p[3].Value.lpszW : L"(none)");
        }
    }
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    ndr->lpVtbl->Release(ndr);
}

static void test_delivery_report(void)
{
    static const ws_recip to_bob[] = {{L"Bob", L"SMTP", L"bob@example.test"}};
    static const WCHAR subject[] = L"dr: please confirm";
    static const WCHAR dr_subject[] = L"Delivered: dr: please confirm";
    SPropValue extra;
    IMessage *msg = NULL;
    HRESULT hr;

    wt_context("delivery report");
    extra.ulPropTag = PR_ORIGINATOR_DELIVERY_REPORT_REQUESTED;
    extra.Value.b = TRUE;
    hr = ws_compose(&alice, NULL, subject, 1, to_bob, FALSE, 1, &extra, &msg);
    if (ok(hr == S_OK, "compose returned %#lx\n", hr)) hr = msg->lpVtbl->SubmitMessage(msg, 0);
    ok(hr == S_OK, "SubmitMessage returned %#lx\n", hr);
    if (msg) msg->lpVtbl->Release(msg);
    ok(settle(alice_inbox_has, (void *)dr_subject), "no delivery report in alice's Inbox\n");
    ok(ws_count(&alice, 0, dr_subject) == 1, "%lu delivery reports\n", ws_count(&alice, 0, dr_subject));
    ok(settle(bob_has, (void *)subject), "bob never got \"%ls\"\n", subject);
}

static void test_submit_from_inbox(void)
{
    static const ws_recip to_bob[] = {{L"Bob", L"SMTP", L"bob@example.test"}};
    static const WCHAR subject[] = L"inbox: submitted from the Inbox";
    IMAPIFolder *inbox = ws_folder(&alice, 0);
    IMessage *msg = NULL;
    HRESULT hr;

    wt_context("submit from the Inbox");
    if (!ok(inbox != NULL, "no Inbox\n")) return;
    hr = ws_compose(&alice, inbox, subject, 1, to_bob, FALSE, 0, NULL, &msg);
    if (ok(hr == S_OK, "compose returned %#lx\n", hr)) hr = msg->lpVtbl->SubmitMessage(msg, 0);
    ok(hr == S_OK, "SubmitMessage returned %#lx\n", hr);
    if (msg) msg->lpVtbl->Release(msg);
    inbox->lpVtbl->Release(inbox);
    ok(settle(bob_has, (void *)subject), "bob never got \"%ls\"\n", subject);
    Sleep(300);
    ws_flush(&alice);
    ws_flush(&bob);
    ok(ws_count(&bob, 0, subject) == 1, "bob got \"%ls\" %lu times\n", subject, ws_count(&bob, 0, subject));
    ok(ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, subject) == 1, "alice's Sent Items has %lu\n",
       ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, subject));
}

static void test_transport_status(void)
{
    static const SizedSPropTagArray(3, cols) = {3, {PR_RESOURCE_TYPE, PR_OWN_STORE_ENTRYID, PR_ENTRYID}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i, types = 0;

    wt_context("status table");
    if (FAILED(alice.session->lpVtbl->GetStatusTable(alice.session, 0, &t))) { ok(0, "GetStatusTable\n"); return; }
    if (SUCCEEDED(HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)))
    {
        for (i = 0; i < rows->cRows; i++)
        {
            SPropValue *p = rows->aRow[i].lpProps;
            if (p[0].ulPropTag != PR_RESOURCE_TYPE) continue;
            if (p[0].Value.l == MAPI_SUBSYSTEM) types |= 1;
            if (p[0].Value.l == MAPI_SPOOLER) types |= 2;
            if (p[0].Value.l == MAPI_STORE_PROVIDER) types |= 4;
            if (p[0].Value.l == MAPI_TRANSPORT_PROVIDER)
            {
                types |= 8;
                ok(p[1].ulPropTag == PR_OWN_STORE_ENTRYID, "the transport row has no PR_OWN_STORE_ENTRYID\n");
            }
        }
        FreeProws(rows);
    }
    ok(types == 15, "status rows of types %#lx (want subsystem, spooler, store, transport)\n", types);
    t->lpVtbl->Release(t);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    sink bob_sink = {{(IMAPIAdviseSinkVtbl *)&sink_vtbl}, 1, 0};
    ULONG conn = 0, blocks, objects, provider_objects;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    swprintf(drop_root, MAX_PATH, L"%ls\\drop", wt_temp_dir());
    if (!ws_profile(admin, &bob, "bob", drop_root) || !ws_profile(admin, &alice, "alice", drop_root)) goto done;
    /* bob first: his transport logon creates his mailbox */
    hr = ws_logon(&bob, 0);
    if (!ok(hr == S_OK, "bob's logon returned %#lx\n", hr)) goto done;
    hr = ws_logon(&alice, 0);
    if (!ok(hr == S_OK, "alice's logon returned %#lx\n", hr)) goto done;
    hr = bob.mdb->lpVtbl->Advise(bob.mdb, 0, NULL, fnevNewMail, &bob_sink.IMAPIAdviseSink_iface, &conn);
    ok(hr == S_OK, "Advise(fnevNewMail) on bob's store returned %#lx\n", hr);

    test_transport_status();
    test_coupled(&bob_sink);
    test_spooler_path();
    test_ndr();
    test_delivery_report();
    test_submit_from_inbox();
    ok(ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL) == 0, "alice's Outbox holds %lu at the end\n",
       ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL));

    if (conn) bob.mdb->lpVtbl->Unadvise(bob.mdb, conn);
done:
    ws_logoff(&alice);
    ws_logoff(&bob);
    if (admin && wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects))
    {
        ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
        ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
    }
    if (admin)
    {
        wt_profile_delete(admin, &alice.p);
        wt_profile_delete(admin, &bob.p);
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
