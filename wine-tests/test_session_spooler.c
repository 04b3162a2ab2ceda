/*
 * test_session_spooler.c - a session that runs the spooler, through the public API: its status
 * table (rows, PR_ENTRYID, opening each row as IMAPIStatus, the spooler's FlushQueues), address
 * types, identity, session notifications (fnevExtended at logoff, delivered on the
 * MAPIInitialize thread), HrThisThreadAdviseSink, the address book, and a clean logoff.
 * Pages: mapilogonex.md, status-tables.md, imapisession-getstatustable.md,
 * imapisession-openentry.md, imapistatus-flushqueues.md, imapistatus-validatestate.md,
 * imapisession-advise.md, hrthisthreadadvisesink.md, mapiinit_0.md,
 * imapisession-enumadrtypes.md, imapisession-queryidentity.md, iaddrbook-resolvename.md.
 */
#include "wtest.h"
#include "wtmapi.h"

#ifndef PR_OWN_STORE_ENTRYID
#define PR_OWN_STORE_ENTRYID PROP_TAG(PT_BINARY, 0x3E06)
#endif

/* ---- a counting advise sink -------------------------------------------------------------- */

typedef struct sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    LONG calls;
    ULONG last_event;
    DWORD thread;
} sink;

static HRESULT STDMETHODCALLTYPE sink_QueryInterface(IMAPIAdviseSink *iface, REFIID iid, void **out)
{
    *out = iface;
    iface->lpVtbl->AddRef(iface);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE sink_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&((sink *)iface)->ref);
}

static ULONG STDMETHODCALLTYPE sink_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&((sink *)iface)->ref);
}

static ULONG STDMETHODCALLTYPE sink_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notifs)
{
    sink *s = (sink *)iface;
    s->last_event = n ? notifs[n - 1].ulEventType : 0;
    s->thread = GetCurrentThreadId();
    InterlockedIncrement(&s->calls);
    return 0;
}

static IMAPIAdviseSinkVtbl sink_vtbl =
{
    sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify,
};

static void sink_init(sink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = &sink_vtbl;
    s->ref = 1;
}

/* Process this thread's messages until `*counter` is nonzero or `ms` pass. */
static void pump(volatile LONG *counter, DWORD ms)
{
    DWORD start = GetTickCount();
    MSG msg;
    while (!*counter && GetTickCount() - start < ms)
    {
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
        if (!*counter) Sleep(10);
    }
}

/* ---- the status table ---------------------------------------------------------------------- */

static const SizedSPropTagArray(5, status_cols) =
    {5, {PR_RESOURCE_TYPE, PR_STATUS_CODE, PR_ENTRYID, PR_OWN_STORE_ENTRYID, PR_RESOURCE_METHODS}};

static SRowSet *status_rows(IMAPISession *session)
{
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    HRESULT hr = session->lpVtbl->GetStatusTable(session, 0, &t);
    if (!ok(hr == S_OK, "GetStatusTable returned %#lx\n", hr)) return NULL;
    hr = HrQueryAllRows(t, (SPropTagArray *)&status_cols, NULL, NULL, 0, &rows);
    ok(hr == S_OK, "HrQueryAllRows on the status table returned %#lx\n", hr);
    t->lpVtbl->Release(t);
    return rows;
}

static const SRow *find_row(const SRowSet *rows, LONG type)
{
    ULONG i;
    for (i = 0; rows && i < rows->cRows; i++)
        if (rows->aRow[i].lpProps[0].ulPropTag == PR_RESOURCE_TYPE
            && rows->aRow[i].lpProps[0].Value.l == type)
            return &rows->aRow[i];
    return NULL;
}

static IMAPIStatus *open_status(IMAPISession *session, const SRow *row, const char *what)
{
    IMAPIStatus *st = NULL;
    ULONG type = 0;
    HRESULT hr;

    if (!row || row->lpProps[2].ulPropTag != PR_ENTRYID)
    {
        ok(0, "the %s row has no PR_ENTRYID\n", what);
        return NULL;
    }
    hr = session->lpVtbl->OpenEntry(session, row->lpProps[2].Value.bin.cb,
                                    (ENTRYID *)row->lpProps[2].Value.bin.lpb, NULL, 0, &type,
                                    (IUnknown **)&st);
    ok(hr == S_OK && st, "OpenEntry of the %s status row returned %#lx\n", what, hr);
    ok(type == MAPI_STATUS, "the %s status object has type %lu\n", what, type);
    if (st)
    {
        SPropValue *v = NULL;
        hr = HrGetOneProp((IMAPIProp *)st, PR_RESOURCE_TYPE, &v);
        ok(hr == S_OK && v->Value.l == row->lpProps[0].Value.l,
           "the %s status object's PR_RESOURCE_TYPE: %#lx %ld\n", what, hr,
           hr == S_OK ? v->Value.l : -1);
        MAPIFreeBuffer(v);
    }
    return st;
}

static void test_status_table(IMAPISession *session, IMsgStore *mdb)
{
    SRowSet *rows = status_rows(session);
    const SRow *subsystem, *spooler, *store, *xp;
    IMAPIStatus *st;
    SPropValue *store_eid = NULL;
    ULONG i;
    HRESULT hr;

    wt_context("status table");
    if (!rows) return;
    subsystem = find_row(rows, MAPI_SUBSYSTEM);
    spooler = find_row(rows, MAPI_SPOOLER);
    store = find_row(rows, MAPI_STORE_PROVIDER);
    xp = find_row(rows, MAPI_TRANSPORT_PROVIDER);
    ok(subsystem != NULL, "no subsystem row\n");
    ok(spooler != NULL, "no spooler row\n");
    ok(store != NULL, "no store row\n");
    ok(xp != NULL, "no transport row\n");
    for (i = 0; i < rows->cRows; i++)
        ok(rows->aRow[i].lpProps[2].ulPropTag == PR_ENTRYID, "row %lu has no PR_ENTRYID\n", i);
    if (spooler)
        ok(spooler->lpProps[1].Value.l & STATUS_AVAILABLE, "spooler PR_STATUS_CODE %#lx\n",
           spooler->lpProps[1].Value.l);
    if (xp)
    {
        ok(xp->lpProps[1].Value.l & STATUS_AVAILABLE, "transport PR_STATUS_CODE %#lx\n",
           xp->lpProps[1].Value.l);
        /* the coupled transport names its store (tightly-coupled-message-store-providers.md) */
        hr = HrGetOneProp((IMAPIProp *)mdb, PR_STORE_ENTRYID, &store_eid);
        if (ok(hr == S_OK && xp->lpProps[3].ulPropTag == PR_OWN_STORE_ENTRYID,
               "PR_OWN_STORE_ENTRYID %#lx (store %#lx)\n", xp->lpProps[3].ulPropTag, hr))
        {
            ULONG same = FALSE;
            hr = session->lpVtbl->CompareEntryIDs(session, xp->lpProps[3].Value.bin.cb,
                                                  (ENTRYID *)xp->lpProps[3].Value.bin.lpb,
                                                  store_eid->Value.bin.cb,
                                                  (ENTRYID *)store_eid->Value.bin.lpb, 0, &same);
            ok(hr == S_OK && same, "PR_OWN_STORE_ENTRYID is not the store: %#lx %lu\n", hr, same);
        }
        MAPIFreeBuffer(store_eid);
    }

    if ((st = open_status(session, subsystem, "subsystem")))
    {
        hr = st->lpVtbl->ValidateState(st, 0, 0);
        ok(hr == S_OK, "subsystem ValidateState returned %#lx\n", hr);
        hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, FLUSH_UPLOAD);
        ok(hr == MAPI_E_NO_SUPPORT, "subsystem FlushQueues returned %#lx\n", hr);
        st->lpVtbl->Release(st);
    }
    if ((st = open_status(session, spooler, "spooler")))
    {
        ok(spooler->lpProps[4].ulPropTag == PR_RESOURCE_METHODS
           && (spooler->lpProps[4].Value.l & STATUS_FLUSH_QUEUES),
           "spooler PR_RESOURCE_METHODS %#lx\n", spooler->lpProps[4].Value.l);
        hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, FLUSH_UPLOAD | FLUSH_DOWNLOAD | FLUSH_FORCE | FLUSH_NO_UI);
        ok(hr == S_OK, "spooler FlushQueues returned %#lx\n", hr);
        hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, FLUSH_DOWNLOAD | FLUSH_ASYNC_OK);
        ok(hr == S_OK, "spooler FlushQueues(FLUSH_ASYNC_OK) returned %#lx\n", hr);
        hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0x80000000);
        ok(hr == MAPI_E_UNKNOWN_FLAGS, "spooler FlushQueues(bad flag) returned %#lx\n", hr);
        hr = st->lpVtbl->ValidateState(st, 0, CONFIG_CHANGED);
        ok(hr == S_OK, "spooler ValidateState(CONFIG_CHANGED) returned %#lx\n", hr);
        hr = st->lpVtbl->ValidateState(st, 0, 0x1000);
        ok(hr == MAPI_E_UNKNOWN_FLAGS, "spooler ValidateState(bad flag) returned %#lx\n", hr);
        hr = st->lpVtbl->SettingsDialog(st, 0, 0);
        ok(hr == MAPI_E_NO_SUPPORT, "spooler SettingsDialog returned %#lx\n", hr);
        hr = st->lpVtbl->ChangePassword(st, (LPTSTR)"a", (LPTSTR)"b", 0);
        ok(hr == MAPI_E_NO_SUPPORT, "spooler ChangePassword returned %#lx\n", hr);
        st->lpVtbl->Release(st);
    }
    if ((st = open_status(session, store, "store"))) st->lpVtbl->Release(st);
    if ((st = open_status(session, xp, "transport"))) st->lpVtbl->Release(st);
    FreeProws(rows);
}

static void test_adrtypes_identity(IMAPISession *session)
{
    LPTSTR *types = NULL;
    ENTRYID *eid = NULL;
    ULONG n = 0, cb = 0, i;
    BOOL smtp = FALSE;
    HRESULT hr;

    wt_context("address types and identity");
    hr = session->lpVtbl->EnumAdrTypes(session, 0, &n, &types);
    ok(hr == S_OK, "EnumAdrTypes returned %#lx\n", hr);
    for (i = 0; i < n; i++) smtp |= !lstrcmpiA((char *)types[i], "SMTP");
    ok(smtp, "EnumAdrTypes: no SMTP among %lu types\n", n);
    MAPIFreeBuffer(types);
    hr = session->lpVtbl->EnumAdrTypes(session, MAPI_UNICODE, &n, &types);
    ok(hr == S_OK && n && !lstrcmpiW((WCHAR *)types[0], L"SMTP"),
       "EnumAdrTypes(MAPI_UNICODE) returned %#lx, %lu types\n", hr, n);
    MAPIFreeBuffer(types);

    hr = session->lpVtbl->QueryIdentity(session, &cb, &eid);
    ok((hr == S_OK || hr == MAPI_W_NO_SERVICE) && eid && cb, "QueryIdentity returned %#lx\n", hr);
    if (eid)
    {
        IUnknown *who = NULL;
        ULONG type = 0;
        hr = session->lpVtbl->OpenEntry(session, cb, eid, NULL, 0, &type, &who);
        ok(hr == S_OK && type == MAPI_MAILUSER, "OpenEntry of the identity: %#lx type %lu\n", hr, type);
        if (who) who->lpVtbl->Release(who);
    }
    MAPIFreeBuffer(eid);
}

static void test_addrbook(IMAPISession *session)
{
    IAddrBook *ab = NULL;
    ADRLIST *list = NULL;
    ENTRYID *eid = NULL;
    IMailUser *user = NULL;
    SPropValue *v = NULL;
    ULONG cb = 0, type = 0;
    HRESULT hr;

    wt_context("address book");
    hr = session->lpVtbl->OpenAddressBook(session, 0, NULL, 0, &ab);
    if (!ok(hr == S_OK && ab, "OpenAddressBook returned %#lx\n", hr)) return;
    hr = ab->lpVtbl->CreateOneOff(ab, (LPTSTR)"Bob", (LPTSTR)"SMTP", (LPTSTR)"bob@example.com", 0, &cb, &eid);
    ok(hr == S_OK && eid, "CreateOneOff returned %#lx\n", hr);
    if (eid)
    {
        hr = ab->lpVtbl->OpenEntry(ab, cb, eid, NULL, 0, &type, (IUnknown **)&user);
        ok(hr == S_OK && type == MAPI_MAILUSER, "OpenEntry of the one-off: %#lx type %lu\n", hr, type);
        if (user && HrGetOneProp((IMAPIProp *)user, PR_EMAIL_ADDRESS_A, &v) == S_OK)
            ok(!lstrcmpA(v->Value.lpszA, "bob@example.com"), "PR_EMAIL_ADDRESS %s\n", v->Value.lpszA);
        else
            ok(0, "the one-off has no PR_EMAIL_ADDRESS\n");
        MAPIFreeBuffer(v);
        v = NULL;
        if (user) user->lpVtbl->Release(user);
    }
    MAPIFreeBuffer(eid);

    if (SUCCEEDED(MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&list)))
    {
        list->cEntries = 1;
        list->aEntries[0].ulReserved1 = 0;
        list->aEntries[0].cValues = 1;
        MAPIAllocateBuffer(sizeof(SPropValue), (void **)&list->aEntries[0].rgPropVals);
        list->aEntries[0].rgPropVals[0].ulPropTag = PR_DISPLAY_NAME_A;
        list->aEntries[0].rgPropVals[0].Value.lpszA = (char *)"carol@example.com";
        hr = ab->lpVtbl->ResolveName(ab, 0, 0, NULL, list);
        ok(hr == S_OK, "ResolveName returned %#lx\n", hr);
        if (hr == S_OK)
        {
            const SPropValue *p = PpropFindProp(list->aEntries[0].rgPropVals, list->aEntries[0].cValues,
                                                PR_ENTRYID);
            ok(p != NULL, "the resolved recipient has no PR_ENTRYID\n");
            if (p)
            {
                hr = session->lpVtbl->OpenEntry(session, p->Value.bin.cb, (ENTRYID *)p->Value.bin.lpb,
                                                NULL, 0, &type, (IUnknown **)&user);
                ok(hr == S_OK && type == MAPI_MAILUSER, "session OpenEntry of the resolved one: %#lx\n", hr);
                if (user) user->lpVtbl->Release(user);
            }
        }
        FreePadrlist(list);
    }
    ab->lpVtbl->Release(ab);
}

/* Store Advise through the session, routed by the store's entry ID. */
static void test_store_advise(IMAPISession *session, IMsgStore *mdb)
{
    SPropValue *eid = NULL;
    ULONG conn = 0;
    sink s;
    HRESULT hr;

    wt_context("session Advise on the store");
    sink_init(&s);
    if (HrGetOneProp((IMAPIProp *)mdb, PR_STORE_ENTRYID, &eid) != S_OK)
    {
        ok(0, "no PR_STORE_ENTRYID\n");
        return;
    }
    hr = session->lpVtbl->Advise(session, eid->Value.bin.cb, (ENTRYID *)eid->Value.bin.lpb,
                                 fnevNewMail | fnevObjectCreated, &s.IMAPIAdviseSink_iface, &conn);
    ok(hr == S_OK && conn, "Advise on the store returned %#lx, connection %lu\n", hr, conn);
    ok(s.ref > 1, "the sink is not held while advised (%ld)\n", s.ref);
    if (hr == S_OK)
    {
        hr = session->lpVtbl->Unadvise(session, conn);
        ok(hr == S_OK, "Unadvise returned %#lx\n", hr);
        hr = session->lpVtbl->Unadvise(session, conn);
        ok(hr == MAPI_E_NOT_FOUND, "second Unadvise returned %#lx\n", hr);
    }
    ok(s.ref == 1, "the sink still has %ld references after Unadvise\n", s.ref);
    MAPIFreeBuffer(eid);
}

/* HrThisThreadAdviseSink: OnNotify on another thread runs the wrapped sink on this one. */
static DWORD WINAPI notify_from_thread(void *arg)
{
    IMAPIAdviseSink *wrapper = arg;
    NOTIFICATION n;
    memset(&n, 0, sizeof(n));
    n.ulEventType = fnevCriticalError;
    wrapper->lpVtbl->OnNotify(wrapper, 1, &n);
    return 0;
}

static void test_this_thread_sink(void)
{
    IMAPIAdviseSink *wrapper = NULL;
    HANDLE thread;
    sink s;
    HRESULT hr;

    wt_context("HrThisThreadAdviseSink");
    sink_init(&s);
    if (!ok(wt_this_thread_advise_sink() != NULL, "mapi32 has no HrThisThreadAdviseSink\n")) return;
    hr = wt_this_thread_advise_sink()(&s.IMAPIAdviseSink_iface, &wrapper);
    if (!ok(hr == S_OK && wrapper, "HrThisThreadAdviseSink returned %#lx\n", hr)) return;
    ok(wrapper != &s.IMAPIAdviseSink_iface, "HrThisThreadAdviseSink did not wrap the sink\n");
    thread = CreateThread(NULL, 0, notify_from_thread, wrapper, 0, NULL);
    WaitForSingleObject(thread, 5000);
    CloseHandle(thread);
    ok(s.calls == 0, "the wrapped sink ran before this thread processed its messages\n");
    pump(&s.calls, 5000);
    ok(s.calls == 1, "the wrapped sink ran %ld times\n", s.calls);
    ok(s.thread == GetCurrentThreadId(), "the wrapped sink ran on thread %lu, not this one\n", s.thread);
    ok(s.last_event == fnevCriticalError, "the wrapped sink got event %#lx\n", s.last_event);
    wrapper->lpVtbl->Release(wrapper);
    ok(s.ref == 1, "the wrapped sink has %ld references after the wrapper's release\n", s.ref);
}

static void test_spooler_session(IProfAdmin *admin)
{
    wt_profile p;
    IMAPISession *session = NULL;
    IMsgStore *mdb = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, conn = 0;
    sink s;
    HRESULT hr;

    wt_context("session with the spooler");
    if (!wt_profile_create(admin, &p, "tandem-wt-session-spooler")) return;
    hr = MAPILogonEx(0, (LPTSTR)p.name, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION, &session);
    if (!ok(hr == S_OK, "MAPILogonEx returned %#lx\n", hr)) goto done;
    eid = wt_default_store_id(session, &cb);
    if (eid)
    {
        hr = session->lpVtbl->OpenMsgStore(session, 0, cb, eid, NULL, MDB_WRITE | MDB_NO_DIALOG, &mdb);
        ok(hr == S_OK, "OpenMsgStore returned %#lx\n", hr);
    }
    if (mdb)
    {
        test_status_table(session, mdb);
        test_store_advise(session, mdb);
    }
    test_adrtypes_identity(session);
    test_addrbook(session);

    /* A NULL entry ID advises on the session itself: fnevExtended comes at logoff, on this
     * thread (MAPIInitialize without MAPI_MULTITHREAD_NOTIFICATIONS), when it pumps. */
    wt_context("session Advise");
    sink_init(&s);
    hr = session->lpVtbl->Advise(session, 0, NULL, fnevExtended, &s.IMAPIAdviseSink_iface, &conn);
    ok(hr == S_OK && conn, "Advise(NULL) returned %#lx, connection %lu\n", hr, conn);
    hr = session->lpVtbl->Advise(session, 0, NULL, fnevExtended, NULL, &conn);
    ok(hr == MAPI_E_INVALID_PARAMETER, "Advise without a sink returned %#lx\n", hr);

done:
    MAPIFreeBuffer(eid);
    if (mdb) mdb->lpVtbl->Release(mdb);
    if (session)
    {
        hr = session->lpVtbl->Logoff(session, 0, 0, 0);
        ok(hr == S_OK, "Logoff returned %#lx\n", hr);
        pump(&s.calls, 5000);
        ok(s.calls == 1 && s.last_event == fnevExtended, "logoff: %ld notifications, event %#lx\n",
           s.calls, s.last_event);
        ok(s.thread == GetCurrentThreadId(), "the session sink ran on thread %lu\n", s.thread);
        session->lpVtbl->Release(session);
        ok(s.ref == 1, "the session sink has %ld references after the session's release\n", s.ref);
    }
    wt_profile_delete(admin, &p);
    wt_check_all_released((IUnknown *)admin);
}

/* mapilogonex.md: with MAPI_NO_MAIL the spooler's row says STATUS_FAILURE. */
static void test_no_mail(IProfAdmin *admin)
{
    wt_profile p;
    IMAPISession *session = NULL;
    SRowSet *rows;
    const SRow *spooler;
    HRESULT hr;

    wt_context("MAPI_NO_MAIL");
    if (!wt_profile_create(admin, &p, "tandem-wt-session-nomail")) return;
    hr = MAPILogonEx(0, (LPTSTR)p.name, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL, &session);
    if (ok(hr == S_OK, "MAPILogonEx returned %#lx\n", hr))
    {
        rows = status_rows(session);
        spooler = find_row(rows, MAPI_SPOOLER);
        ok(spooler && (spooler->lpProps[1].Value.l & STATUS_FAILURE),
           "spooler row with MAPI_NO_MAIL: %#lx\n", spooler ? spooler->lpProps[1].Value.l : 0);
        ok(find_row(rows, MAPI_TRANSPORT_PROVIDER) == NULL, "a transport logged on with MAPI_NO_MAIL\n");
        FreeProws(rows);
        session->lpVtbl->Logoff(session, 0, 0, 0);
        session->lpVtbl->Release(session);
    }
    wt_profile_delete(admin, &p);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    test_this_thread_sink();
    hr = MAPIAdminProfiles(0, &admin);
    if (ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr))
    {
        test_spooler_session(admin);
        test_no_mail(admin);
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
