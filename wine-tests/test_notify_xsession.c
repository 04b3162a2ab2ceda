/*
 * test_notify_xsession.c - two MAPI sessions in one process on the same store, through the
 * public API: session B saves a new message in a folder whose contents table session A has open
 * and advised; A gets TABLE_ROW_ADDED (or TABLE_CHANGED) carrying the row, and a new QueryRows
 * of A's table shows the message.
 * Pages: imapitable-advise.md, table_notification.md, about-table-notifications.md,
 * imapisession-openmsgstore.md.
 */
#include "wtest.h"
#include "wtmapi.h"

typedef struct sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    volatile LONG added, changed;
    char subject[64];
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
    {
        const TABLE_NOTIFICATION *t = &notifs[i].info.tab;
        const SPropValue *v;
        if (notifs[i].ulEventType != fnevTableModified) continue;
        if (t->ulTableEvent == TABLE_ROW_ADDED)
        {
            if ((v = PpropFindProp(t->row.lpProps, t->row.cValues, PR_SUBJECT_A)))
                lstrcpynA(s->subject, v->Value.lpszA, sizeof(s->subject));
            InterlockedIncrement(&s->added);
        }
        else if (t->ulTableEvent == TABLE_CHANGED || t->ulTableEvent == TABLE_RELOAD)
            InterlockedIncrement(&s->changed);
    }
    return 0;
}

static IMAPIAdviseSinkVtbl sink_vtbl = { sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify };

static IMAPIFolder *open_inbox(IMsgStore *mdb)
{
    ENTRYID *eid = NULL;
    IMAPIFolder *f = NULL;
    ULONG cb = 0, type;
    if (mdb->lpVtbl->GetReceiveFolder(mdb, NULL, 0, &cb, &eid, NULL) == S_OK)
        mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f);
    MAPIFreeBuffer(eid);
    ok(f != NULL, "the Inbox did not open\n");
    return f;
}

static BOOL table_has(IMAPITable *t, const char *subject)
{
    SRowSet *rows = NULL;
    BOOL found = FALSE;
    ULONG i;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (FAILED(t->lpVtbl->QueryRows(t, 100, 0, &rows))) return FALSE;
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *v = PpropFindProp(rows->aRow[i].lpProps, rows->aRow[i].cValues, PR_SUBJECT_A);
        if (v && !strcmp(v->Value.lpszA, subject)) found = TRUE;
    }
    FreeProws(rows);
    return found;
}

static void test_cross_session(const wt_profile *p)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_INSTANCE_KEY, PR_SUBJECT_A}};
    IMAPISession *sa = NULL, *sb = NULL;
    IMsgStore *ma = NULL, *mb = NULL;
    IMAPIFolder *fa = NULL, *fb = NULL;
    IMAPITable *t = NULL;
    IMessage *m = NULL;
    sink s = {{&sink_vtbl}, 1, 0, 0, ""};
    SPropValue v;
    ULONG conn = 0, before = 0, after = 0;
    DWORD start;
    HRESULT hr;

    wt_context("two sessions, one store");
    if (!wt_store_open(p, &sa, &ma) || !wt_store_open(p, &sb, &mb)) goto done;
    if (!(fa = open_inbox(ma)) || !(fb = open_inbox(mb))) goto done;
    hr = fa->lpVtbl->GetContentsTable(fa, 0, &t);
    if (!ok(hr == S_OK, "A: GetContentsTable %#lx\n", hr)) goto done;
    t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
    t->lpVtbl->GetRowCount(t, 0, &before);
    hr = t->lpVtbl->Advise(t, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn);
    if (!ok(hr == S_OK, "A: Advise %#lx\n", hr)) goto done;

    hr = fb->lpVtbl->CreateMessage(fb, NULL, 0, &m);
    if (!ok(hr == S_OK, "B: CreateMessage %#lx\n", hr)) goto done;
    v.ulPropTag = PR_SUBJECT_A;
    v.Value.lpszA = (char *)"saved by session B";
    m->lpVtbl->SetProps(m, 1, &v, NULL);
    hr = m->lpVtbl->SaveChanges(m, 0);
    ok(hr == S_OK, "B: SaveChanges %#lx\n", hr);
    m->lpVtbl->Release(m);

    start = GetTickCount();
    while (!s.added && !s.changed && GetTickCount() - start < 10000)
        wt_pump(20);
    ok(s.added == 1 || s.changed >= 1, "A's table got %ld TABLE_ROW_ADDED and %ld TABLE_CHANGED for B's save\n",
       s.added, s.changed);
    if (s.added)
        ok(!strcmp(s.subject, "saved by session B"), "A's TABLE_ROW_ADDED carries the row \"%s\"\n", s.subject);
    t->lpVtbl->GetRowCount(t, 0, &after);
    ok(after == before + 1, "A's table has %lu rows, had %lu\n", after, before);
    ok(table_has(t, "saved by session B"), "A's QueryRows does not show B's message\n");
    t->lpVtbl->Unadvise(t, conn);
done:
    if (t) t->lpVtbl->Release(t);
    if (fa) fa->lpVtbl->Release(fa);
    if (fb) fb->lpVtbl->Release(fb);
    wt_store_close(&sb, &mb);
    wt_store_close(&sa, &ma);
    ok(s.ref == 1, "the sink has %ld references at the end\n", s.ref);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    wt_profile p;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, "tandem-wt-notify-xsession"))
    {
        test_cross_session(&p);
        wt_profile_delete(admin, &p);
    }
    wt_check_all_released((IUnknown *)admin);
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();
}
