/*
 * test_store_tables.c - contents tables that page through the store's database (issue 4
 * point 6) against the same folder's contents table held in memory, through the public MAPI
 * API: the same rows in the same order (ties and missing delivery times included), paging
 * both ways, row counts, SeekRowApprox and QueryPosition, bookmarks, other sorts and
 * restrictions, ANSI and Unicode columns, the notifications of this session's saves, edits
 * and deletes with the prior row's instance key, and QueryColumns(TBL_ALL_COLUMNS).
 * Pages: imapitable-*.md, contents-tables.md, table_notification.md.
 * The in-memory table is Tandem's own test switch: TANDEM_TABLES_IN_MEMORY set when a
 * contents table is made (other implementations ignore it; the checks then compare a table
 * with itself).
 */
#include "wtest.h"
#include "wtmapi.h"

#define N_MESSAGES 150

static IMAPISession *session;
static IMsgStore *mdb;

static IMAPIFolder *open_inbox(void)
{
    IMAPIFolder *f = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, type = 0;
    HRESULT hr = mdb->lpVtbl->GetReceiveFolder(mdb, NULL, 0, &cb, &eid, NULL);

    if (!ok(hr == S_OK, "GetReceiveFolder %#lx\n", hr)) return NULL;
    hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f);
    ok(hr == S_OK, "OpenEntry(inbox) %#lx\n", hr);
    MAPIFreeBuffer(eid);
    return f;
}

/* A saved message; `when` 0: no PR_MESSAGE_DELIVERY_TIME. Its entry ID in *eid if asked. */
static void new_message(IMAPIFolder *f, const char *subject, ULONGLONG when, ULONG flags, SBinary *eid)
{
    IMessage *m = NULL;
    SPropValue p[3], *v = NULL;
    ULONG n = 0;
    HRESULT hr = f->lpVtbl->CreateMessage(f, NULL, flags, &m);

    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return;
    p[n].ulPropTag = PR_SUBJECT_A;
    p[n++].Value.lpszA = (char *)subject;
    p[n].ulPropTag = PR_MESSAGE_CLASS_A;
    p[n++].Value.lpszA = (char *)"IPM.Note";
    if (when)
    {
        p[n].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
        p[n].Value.ft.dwLowDateTime = (DWORD)when;
        p[n++].Value.ft.dwHighDateTime = (DWORD)(when >> 32);
    }
    m->lpVtbl->SetProps(m, n, p, NULL);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges(%s) %#lx\n", subject, hr);
    if (eid && HrGetOneProp((IMAPIProp *)m, PR_ENTRYID, &v) == S_OK)
    {
        eid->cb = v->Value.bin.cb;
        eid->lpb = malloc(eid->cb);
        memcpy(eid->lpb, v->Value.bin.lpb, eid->cb);
        MAPIFreeBuffer(v);
    }
    m->lpVtbl->Release(m);
}

static IMAPITable *contents(IMAPIFolder *f, ULONG flags)
{
    static const SizedSPropTagArray(4, cols) = {4, {PR_INSTANCE_KEY, PR_ENTRYID, PR_SUBJECT_A, PR_MESSAGE_DELIVERY_TIME}};
    IMAPITable *t = NULL;
    HRESULT hr = f->lpVtbl->GetContentsTable(f, flags, &t);

    if (!ok(hr == S_OK, "GetContentsTable %#lx\n", hr)) return NULL;
    hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
    ok(hr == S_OK, "SetColumns %#lx\n", hr);
    return t;
}

/* A row's instance key as a number (first 8 bytes) and its subject. */
typedef struct rowinfo
{
    ULONGLONG key;
    char subject[64];
} rowinfo;

static ULONGLONG key_value(const SPropValue *p)
{
    ULONGLONG k = 0;
    if (PROP_TYPE(p->ulPropTag) == PT_BINARY)
        memcpy(&k, p->Value.bin.lpb, p->Value.bin.cb < 8 ? p->Value.bin.cb : 8);
    return k;
}

static ULONG read_rows(IMAPITable *t, LONG count, ULONG flags, rowinfo *out)
{
    SRowSet *rows = NULL;
    ULONG i, n;
    HRESULT hr = t->lpVtbl->QueryRows(t, count, flags, &rows);

    if (!ok(hr == S_OK, "QueryRows(%ld) %#lx\n", count, hr)) return 0;
    for (i = 0; i < rows->cRows; i++)
    {
        out[i].key = key_value(&rows->aRow[i].lpProps[0]);
        snprintf(out[i].subject, sizeof(out[i].subject), "%s",
                 PROP_TYPE(rows->aRow[i].lpProps[2].ulPropTag) == PT_STRING8 ? rows->aRow[i].lpProps[2].Value.lpszA : "?");
    }
    n = rows->cRows;
    FreeProws(rows);
    return n;
}

static ULONG position(IMAPITable *t)
{
    ULONG row = ~0u, num = 0, den = 0;
    HRESULT hr = t->lpVtbl->QueryPosition(t, &row, &num, &den);
    ok(hr == S_OK, "QueryPosition %#lx\n", hr);
    return row;
}

static BOOL same_rows(const rowinfo *a, const rowinfo *b, ULONG n)
{
    ULONG i;
    for (i = 0; i < n; i++)
        if (a[i].key != b[i].key || strcmp(a[i].subject, b[i].subject))
        {
            trace("row %lu: %s (%llx) against %s (%llx)\n", i, a[i].subject, a[i].key, b[i].subject, b[i].key);
            return FALSE;
        }
    return TRUE;
}

/* Both tables read whole, from the start. */
static BOOL same_tables(IMAPITable *s, IMAPITable *m, ULONG expect)
{
    static rowinfo a[N_MESSAGES + 10], b[N_MESSAGES + 10];
    ULONG na, nb;

    s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 0, NULL);
    m->lpVtbl->SeekRow(m, BOOKMARK_BEGINNING, 0, NULL);
    na = read_rows(s, 1000, 0, a);
    nb = read_rows(m, 1000, 0, b);
    ok(na == expect && nb == expect, "%lu and %lu rows, expected %lu\n", na, nb, expect);
    return na == nb && same_rows(a, b, na);
}

static void test_same_as_memory(IMAPIFolder *f, IMAPITable *s, IMAPITable *m)
{
    static rowinfo all[N_MESSAGES + 10], page[N_MESSAGES + 10], back[N_MESSAGES + 10];
    ULONG n, got, i, cs = 0, cm = 0;
    BOOKMARK bs, bm;
    LONG sought = 0;
    HRESULT hr;

    wt_context("same as memory");
    ok(s->lpVtbl->GetRowCount(s, 0, &cs) == S_OK && m->lpVtbl->GetRowCount(m, 0, &cm) == S_OK,
       "GetRowCount\n");
    ok(cs == N_MESSAGES && cm == N_MESSAGES, "row counts %lu and %lu\n", cs, cm);
    ok(read_rows(m, 1000, 0, all) == N_MESSAGES, "memory table rows\n");
    for (n = 0; (got = read_rows(s, 13, 0, page + n)); n += got)
        if (n + got > N_MESSAGES) break;
    ok(n == N_MESSAGES, "%lu rows in pages of 13\n", n);
    ok(same_rows(page, all, N_MESSAGES), "pages forward: same rows in the same order\n");
    s->lpVtbl->SeekRow(s, BOOKMARK_END, 0, NULL);
    for (n = 0; n < N_MESSAGES && (got = read_rows(s, -17, 0, page)); n += got)
        for (i = 0; i < got; i++)
            back[N_MESSAGES - n - got + i] = page[i];
    ok(n == N_MESSAGES, "%lu rows in pages of 17 backward\n", n);
    ok(same_rows(back, all, N_MESSAGES), "pages backward: same rows in the same order\n");
    ok(position(s) == 0, "backward to the start: position %lu\n", position(s));

    for (i = 0; i <= 5; i++)
    {
        ok(s->lpVtbl->SeekRowApprox(s, i, 5) == S_OK && m->lpVtbl->SeekRowApprox(m, i, 5) == S_OK,
           "SeekRowApprox(%lu/5)\n", i);
        ok(position(s) == position(m), "SeekRowApprox(%lu/5): positions %lu and %lu\n", i, position(s), position(m));
        got = read_rows(s, 1, TBL_NOADVANCE, page);
        ok(got == read_rows(m, 1, TBL_NOADVANCE, back) && (!got || page[0].key == back[0].key),
           "SeekRowApprox(%lu/5): the same next row\n", i);
    }
    hr = s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 77, &sought);
    ok(hr == S_OK && sought == 77 && position(s) == 77, "SeekRow 77: %#lx %ld %lu\n", hr, sought, position(s));
    ok(read_rows(s, 1, TBL_NOADVANCE, page) == 1 && page[0].key == all[77].key, "row 77\n");
    hr = s->lpVtbl->SeekRow(s, BOOKMARK_CURRENT, 1000, &sought);
    ok(hr == S_OK && sought == N_MESSAGES - 77, "SeekRow past the end: %#lx %ld\n", hr, sought);

    /* bookmarks */
    s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 40, NULL);
    m->lpVtbl->SeekRow(m, BOOKMARK_BEGINNING, 40, NULL);
    ok(s->lpVtbl->CreateBookmark(s, &bs) == S_OK && m->lpVtbl->CreateBookmark(m, &bm) == S_OK, "CreateBookmark\n");
    s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 0, NULL);
    hr = s->lpVtbl->SeekRow(s, bs, 3, &sought);
    ok(hr == S_OK && sought == 3 && position(s) == 43, "SeekRow(bookmark, 3): %#lx %ld %lu\n", hr, sought, position(s));
    ok(read_rows(s, 1, 0, page) == 1 && page[0].key == all[43].key, "row after the bookmark\n");
    ok(s->lpVtbl->FreeBookmark(s, bs) == S_OK, "FreeBookmark\n");
    ok(s->lpVtbl->SeekRow(s, bs, 0, NULL) == MAPI_E_INVALID_BOOKMARK, "freed bookmark\n");
    m->lpVtbl->FreeBookmark(m, bm);
    ok(s->lpVtbl->QueryRows(s, 0, 0, (SRowSet **)&page) == MAPI_E_INVALID_PARAMETER, "QueryRows(0)\n");
}

static void test_other_orders(IMAPITable *s, IMAPITable *m)
{
    static const SizedSSortOrderSet(2, by_subject) = {2, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_DESCEND},
                                                                {PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND}}};
    static const SizedSSortOrderSet(1, newest) = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    static const SSortOrder single[] = {{PR_SUBJECT_W, TABLE_SORT_DESCEND}, {PR_SUBJECT_A, TABLE_SORT_ASCEND},
                                        {PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND}, {PR_MESSAGE_FLAGS, TABLE_SORT_DESCEND}};
    SPropValue val;
    SRestriction r;
    ULONG cs = 0, cm = 0, i;

    wt_context("other orders");
    ok(s->lpVtbl->SortTable(s, (SSortOrderSet *)&by_subject, 0) == S_OK, "SortTable\n");
    ok(m->lpVtbl->SortTable(m, (SSortOrderSet *)&by_subject, 0) == S_OK, "SortTable\n");
    ok(same_tables(s, m, N_MESSAGES), "sorted by subject: the same rows in the same order\n");
    for (i = 0; i < ARRAYSIZE(single); i++)
    {
        SSortOrderSet one = {1, 0, 0, {single[i]}};
        ok(s->lpVtbl->SortTable(s, &one, 0) == S_OK && m->lpVtbl->SortTable(m, &one, 0) == S_OK, "SortTable %lu\n", i);
        ok(same_tables(s, m, N_MESSAGES), "sorted by %#lx %lu: the same rows in the same order\n",
           single[i].ulPropTag, single[i].ulOrder);
    }
    ok(s->lpVtbl->SortTable(s, (SSortOrderSet *)&newest, 0) == S_OK, "SortTable back\n");
    ok(m->lpVtbl->SortTable(m, (SSortOrderSet *)&newest, 0) == S_OK, "SortTable back\n");
    val.ulPropTag = PR_SUBJECT_A;
    val.Value.lpszA = (char *)"message 1";
    r.rt = RES_CONTENT;
    r.res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
    r.res.resContent.ulPropTag = PR_SUBJECT_A;
    r.res.resContent.lpProp = &val;
    ok(s->lpVtbl->Restrict(s, &r, 0) == S_OK && m->lpVtbl->Restrict(m, &r, 0) == S_OK, "Restrict\n");
    s->lpVtbl->GetRowCount(s, 0, &cs);
    m->lpVtbl->GetRowCount(m, 0, &cm);
    ok(cs == 40 && cm == 40, "restricted: %lu and %lu rows\n", cs, cm);
    ok(same_tables(s, m, 40), "restricted: the same rows\n");
    {
        SSortOrderSet one = {1, 0, 0, {single[0]}};
        ok(s->lpVtbl->SortTable(s, &one, 0) == S_OK && m->lpVtbl->SortTable(m, &one, 0) == S_OK, "SortTable\n");
        ok(same_tables(s, m, 40), "restricted and sorted by subject: the same rows\n");
        ok(s->lpVtbl->SortTable(s, (SSortOrderSet *)&newest, 0) == S_OK && m->lpVtbl->SortTable(m, (SSortOrderSet *)&newest, 0) == S_OK,
           "SortTable back\n");
    }
    ok(s->lpVtbl->Restrict(s, NULL, 0) == S_OK && m->lpVtbl->Restrict(m, NULL, 0) == S_OK, "Restrict(NULL)\n");
    ok(same_tables(s, m, N_MESSAGES), "unrestricted again\n");
}

/* ---- notifications ------------------------------------------------------------------------- */

typedef struct sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    volatile LONG n;
    ULONG type[16];
    ULONGLONG index[16], prior[16];
    BOOL prior_null[16];
} sink;

static inline sink *impl_from_sink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface);
}

static HRESULT WINAPI sink_QueryInterface(IMAPIAdviseSink *iface, REFIID riid, void **obj) { *obj = NULL; return E_NOINTERFACE; }
static ULONG WINAPI sink_AddRef(IMAPIAdviseSink *iface) { return InterlockedIncrement(&impl_from_sink(iface)->ref); }
static ULONG WINAPI sink_Release(IMAPIAdviseSink *iface) { return InterlockedDecrement(&impl_from_sink(iface)->ref); }

static ULONG WINAPI sink_OnNotify(IMAPIAdviseSink *iface, ULONG count, LPNOTIFICATION n)
{
    sink *s = impl_from_sink(iface);
    ULONG i;

    for (i = 0; i < count && s->n < 16; i++)
    {
        LONG k = s->n;
        s->type[k] = n[i].info.tab.ulTableEvent;
        s->index[k] = key_value(&n[i].info.tab.propIndex);
        s->prior_null[k] = n[i].info.tab.propPrior.ulPropTag == PR_NULL;
        s->prior[k] = s->prior_null[k] ? 0 : key_value(&n[i].info.tab.propPrior);
        InterlockedIncrement(&s->n);
    }
    return 0;
}

static const IMAPIAdviseSinkVtbl sink_vtbl = { sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify };

static void wait_events(sink *k, LONG n)
{
    DWORD start = GetTickCount();
    while (k->n < n && GetTickCount() - start < 10000) wt_pump(10);
    wt_pump(50);   /* and nothing more */
}

/* The instance keys of rows `at` - 1 and `at` of the table (0: none). */
static void keys_at(IMAPITable *t, ULONG at, ULONGLONG *before, ULONGLONG *key)
{
    rowinfo r[2];
    *before = 0;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, at ? at - 1 : 0, NULL);
    if (at) { read_rows(t, 1, 0, r); *before = r[0].key; }
    read_rows(t, 1, 0, r);
    *key = r[0].key;
}

static void test_notifications(IMAPIFolder *f, IMAPITable *s)
{
    sink k, kr;
    IMAPITable *r;
    SPropValue val;
    SRestriction res;
    ULONG conn = 0, conn_r = 0, n = 0, nr = 0, type = 0;
    ULONGLONG before, key;
    SBinary eid = {0};
    ENTRYLIST list;
    IMessage *m = NULL;
    SPropValue p;
    HRESULT hr;

    wt_context("notifications");
    memset(&k, 0, sizeof(k));
    k.IMAPIAdviseSink_iface.lpVtbl = (IMAPIAdviseSinkVtbl *)&sink_vtbl;
    k.ref = 1;
    hr = s->lpVtbl->Advise(s, fnevTableModified, &k.IMAPIAdviseSink_iface, &conn);
    if (!ok(hr == S_OK, "Advise %#lx\n", hr)) return;

    /* newest: added first, prior PR_NULL */
    new_message(f, "Newest", 0x01F0000000000000ull, 0, &eid);
    wait_events(&k, 1);
    ok(k.n == 1 && k.type[0] == TABLE_ROW_ADDED, "%ld events, the first %lu\n", k.n, k.type[0]);
    keys_at(s, 0, &before, &key);
    ok(k.index[0] == key && k.prior_null[0], "added: index %llx (row 0: %llx), prior null %d\n", k.index[0], key, k.prior_null[0]);
    s->lpVtbl->GetRowCount(s, 0, &n);
    ok(n == N_MESSAGES + 1, "%lu rows\n", n);

    /* a restricted view of the same table follows too */
    memset(&kr, 0, sizeof(kr));
    kr.IMAPIAdviseSink_iface.lpVtbl = (IMAPIAdviseSinkVtbl *)&sink_vtbl;
    kr.ref = 1;
    if ((r = contents(f, 0)))
    {
        val.ulPropTag = PR_SUBJECT_A;
        val.Value.lpszA = (char *)"NEWEST";
        res.rt = RES_CONTENT;
        res.res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
        res.res.resContent.ulPropTag = PR_SUBJECT_A;
        res.res.resContent.lpProp = &val;
        ok(r->lpVtbl->Restrict(r, &res, 0) == S_OK, "Restrict\n");
        r->lpVtbl->GetRowCount(r, 0, &nr);
        ok(nr == 1, "restricted: %lu rows\n", nr);
        ok(r->lpVtbl->Advise(r, fnevTableModified, &kr.IMAPIAdviseSink_iface, &conn_r) == S_OK, "Advise\n");
    }

    /* edited so that it moves to the end of the dated rows: modified, prior the row before */
    k.n = 0;
    hr = mdb->lpVtbl->OpenEntry(mdb, eid.cb, (ENTRYID *)eid.lpb, NULL, MAPI_MODIFY, &type, (IUnknown **)&m);
    if (ok(hr == S_OK, "OpenEntry %#lx\n", hr))
    {
        p.ulPropTag = PR_MESSAGE_DELIVERY_TIME;
        p.Value.ft.dwLowDateTime = 1;
        p.Value.ft.dwHighDateTime = 0;
        m->lpVtbl->SetProps(m, 1, &p, NULL);
        ok(m->lpVtbl->SaveChanges(m, 0) == S_OK, "SaveChanges\n");
        m->lpVtbl->Release(m);
    }
    wait_events(&k, 1);
    ok(k.n == 1 && k.type[0] == TABLE_ROW_MODIFIED, "%ld events, the first %lu\n", k.n, k.type[0]);
    {
        ULONG at;
        s->lpVtbl->SeekRow(s, BOOKMARK_BEGINNING, 0, NULL);
        for (at = 0; at < n; at++)
        {
            keys_at(s, at, &before, &key);
            if (key == k.index[0]) break;
        }
        ok(at < n && at > 0 && k.prior[0] == before && !k.prior_null[0],
           "modified: at row %lu, prior %llx (the row before: %llx)\n", at, k.prior[0], before);
    }

    /* deleted */
    k.n = 0;
    list.cValues = 1;
    list.lpbin = &eid;
    hr = f->lpVtbl->DeleteMessages(f, &list, 0, NULL, 0);
    ok(hr == S_OK, "DeleteMessages %#lx\n", hr);
    wait_events(&k, 1);
    ok(k.n == 1 && k.type[0] == TABLE_ROW_DELETED, "%ld events, the first %lu\n", k.n, k.type[0]);
    s->lpVtbl->GetRowCount(s, 0, &n);
    ok(n == N_MESSAGES, "%lu rows after the delete\n", n);
    if (r)
    {
        wait_events(&kr, 2);
        ok(kr.n == 2 && kr.type[0] == TABLE_ROW_MODIFIED && kr.type[1] == TABLE_ROW_DELETED,
           "restricted view: %ld events (%lu, %lu)\n", kr.n, kr.type[0], kr.type[1]);
        ok(kr.index[1] == k.index[0] && kr.prior_null[0], "restricted view: the same row, alone\n");
        r->lpVtbl->GetRowCount(r, 0, &nr);
        ok(nr == 0, "restricted: %lu rows after the delete\n", nr);
        r->lpVtbl->Unadvise(r, conn_r);
        r->lpVtbl->Release(r);
    }

    /* associated messages stay out of the contents table */
    k.n = 0;
    new_message(f, "Associated", 0x01F0000000000000ull, MAPI_ASSOCIATED, NULL);
    wait_events(&k, 0);
    ok(k.n == 0, "an associated message: %ld events\n", k.n);
    s->lpVtbl->Unadvise(s, conn);
    free(eid.lpb);
}

/* Strings in both widths from the same source table. */
static BOOL has_tag(const SPropTagArray *t, ULONG tag)
{
    ULONG i;
    for (i = 0; t && i < t->cValues; i++)
        if (t->aulPropTag[i] == tag) return TRUE;
    return FALSE;
}

/* QueryColumns(TBL_ALL_COLUMNS) (imapitable-querycolumns.md): every column the rows carry,
 * whether they are held in memory or read from the database - also one a message saved after
 * the table was opened brings (a named property); QueryColumns(0) stays the column set. A
 * folder of its own, so the table reads from the database (no view has needed the rows in
 * memory yet). */
static void test_all_columns(IMAPIFolder *parent)
{
    IMAPIFolder *f = NULL;
    IMAPITable *s = NULL, *m = NULL;
    static const WCHAR name[] = L"TandemAllColumnsTest";
    /* PS_PUBLIC_STRINGS {00020329-0000-0000-C000-000000000046} */
    static GUID set = {0x00020329, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
    SPropTagArray *all_s = NULL, *all_m = NULL, *cur = NULL, *ids = NULL;
    MAPINAMEID nid, *pnid = &nid;
    IMessage *msg = NULL;
    SPropValue v[2];
    SRowSet *rows = NULL;
    ULONG i, tag = 0, missing = 0;
    HRESULT hr;

    wt_context("QueryColumns(TBL_ALL_COLUMNS)");
    hr = parent->lpVtbl->CreateFolder(parent, FOLDER_GENERIC, (LPTSTR)"Columns", NULL, NULL, 0, &f);
    if (!ok(hr == S_OK, "CreateFolder %#lx\n", hr)) return;
    for (i = 0; i < 5; i++) new_message(f, "columns", i ? 0x01D0000000000000ull + i : 0, 0, NULL);
    s = contents(f, 0);
    SetEnvironmentVariableA("TANDEM_TABLES_IN_MEMORY", "1");
    m = contents(f, 0);
    SetEnvironmentVariableA("TANDEM_TABLES_IN_MEMORY", NULL);
    if (!s || !m) goto done;
    hr = s->lpVtbl->QueryColumns(s, TBL_ALL_COLUMNS, &all_s);
    ok(hr == S_OK && all_s, "QueryColumns(TBL_ALL_COLUMNS) %#lx\n", hr);
    hr = m->lpVtbl->QueryColumns(m, TBL_ALL_COLUMNS, &all_m);
    ok(hr == S_OK && all_m, "in memory: QueryColumns(TBL_ALL_COLUMNS) %#lx\n", hr);
    if (!all_s || !all_m) goto done;
    for (i = 0; i < all_m->cValues; i++)
        if (!has_tag(all_s, all_m->aulPropTag[i]))
        {
            trace("column %#lx of the rows in memory is not listed\n", all_m->aulPropTag[i]);
            missing++;
        }
    ok(!missing, "%lu columns the rows carry are missing from TBL_ALL_COLUMNS\n", missing);
    ok(has_tag(all_s, PR_MESSAGE_DELIVERY_TIME), "PR_MESSAGE_DELIVERY_TIME not listed\n");
    ok(has_tag(all_s, PR_ENTRYID) && has_tag(all_s, PR_INSTANCE_KEY), "PR_ENTRYID / PR_INSTANCE_KEY not listed\n");
    ok(has_tag(all_s, PR_SUBJECT_A) || has_tag(all_s, PR_SUBJECT_W), "PR_SUBJECT not listed\n");
    hr = s->lpVtbl->QueryColumns(s, 0, &cur);
    ok(hr == S_OK && cur && cur->cValues == 4 && cur->aulPropTag[2] == PR_SUBJECT_A,
       "QueryColumns(0) is not the column set (%#lx, %lu)\n", hr, cur ? cur->cValues : 0);

    /* a named property arrives with a new message */
    nid.lpguid = &set;
    nid.ulKind = MNID_STRING;
    nid.Kind.lpwstrName = (LPWSTR)name;
    hr = mdb->lpVtbl->GetIDsFromNames(mdb, 1, &pnid, MAPI_CREATE, &ids);
    if (!ok(hr == S_OK && ids && ids->cValues == 1, "GetIDsFromNames %#lx\n", hr)) goto done;
    tag = CHANGE_PROP_TYPE(ids->aulPropTag[0], PT_LONG);
    ok(!has_tag(all_s, tag), "the new named property is listed before any message has it\n");
    hr = f->lpVtbl->CreateMessage(f, NULL, 0, &msg);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) goto done;
    v[0].ulPropTag = PR_SUBJECT_A;
    v[0].Value.lpszA = (char *)"with a named property";
    v[1].ulPropTag = tag;
    v[1].Value.l = 4242;
    msg->lpVtbl->SetProps(msg, 2, v, NULL);
    ok(msg->lpVtbl->SaveChanges(msg, 0) == S_OK, "SaveChanges\n");
    msg->lpVtbl->Release(msg);
    wt_pump(100);
    MAPIFreeBuffer(all_s);
    all_s = NULL;
    hr = s->lpVtbl->QueryColumns(s, TBL_ALL_COLUMNS, &all_s);
    ok(hr == S_OK && has_tag(all_s, tag), "after the save: the named property %#lx is not listed (%#lx)\n", tag, hr);
    /* and the column reads */
    {
        SizedSPropTagArray(2, c) = {2, {PR_SUBJECT_A, 0}};
        SizedSSortOrderSet(1, by) = {1, 0, 0, {{0, TABLE_SORT_DESCEND}}};
        c.aulPropTag[1] = tag;
        by.aSort[0].ulPropTag = tag;
        ok(s->lpVtbl->SetColumns(s, (SPropTagArray *)&c, 0) == S_OK, "SetColumns\n");
        ok(s->lpVtbl->SortTable(s, (SSortOrderSet *)&by, 0) == S_OK, "SortTable\n");
        hr = s->lpVtbl->QueryRows(s, 1, 0, &rows);
        ok(hr == S_OK && rows && rows->cRows == 1 && rows->aRow[0].lpProps[1].ulPropTag == tag &&
           rows->aRow[0].lpProps[1].Value.l == 4242, "the named column does not read back (%#lx)\n", hr);
    }
done:
    if (rows) FreeProws(rows);
    if (s) s->lpVtbl->Release(s);
    if (m) m->lpVtbl->Release(m);
    if (f) f->lpVtbl->Release(f);
    MAPIFreeBuffer(ids);
    MAPIFreeBuffer(cur);
    MAPIFreeBuffer(all_s);
    MAPIFreeBuffer(all_m);
}

static void test_unicode(IMAPIFolder *f)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_SUBJECT_W, PR_SUBJECT_A}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;

    wt_context("unicode");
    if (!ok(f->lpVtbl->GetContentsTable(f, MAPI_UNICODE, &t) == S_OK, "GetContentsTable\n")) return;
    ok(t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0) == S_OK, "SetColumns\n");
    if (ok(t->lpVtbl->QueryRows(t, 1, 0, &rows) == S_OK && rows->cRows == 1, "QueryRows\n"))
    {
        ok(PROP_TYPE(rows->aRow[0].lpProps[0].ulPropTag) == PT_UNICODE && PROP_TYPE(rows->aRow[0].lpProps[1].ulPropTag) == PT_STRING8,
           "types %#lx %#lx\n", rows->aRow[0].lpProps[0].ulPropTag, rows->aRow[0].lpProps[1].ulPropTag);
        ok(!wcscmp(rows->aRow[0].lpProps[0].Value.lpszW, L"Newest") || wcsstr(rows->aRow[0].lpProps[0].Value.lpszW, L"ubject") ||
           wcsstr(rows->aRow[0].lpProps[0].Value.lpszW, L"Message"), "subject %ls\n", rows->aRow[0].lpProps[0].Value.lpszW);
        ok(!wcscmp(rows->aRow[0].lpProps[0].Value.lpszW, L"") == !strcmp(rows->aRow[0].lpProps[1].Value.lpszA, "") &&
           (int)wcslen(rows->aRow[0].lpProps[0].Value.lpszW) == (int)strlen(rows->aRow[0].lpProps[1].Value.lpszA), "both widths\n");
    }
    if (rows) FreeProws(rows);
    t->lpVtbl->Release(t);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    IMAPIFolder *inbox = NULL, *f = NULL, *other = NULL;
    IMAPITable *s = NULL, *m = NULL;
    ULONG blocks, objects, provider_objects, i;
    wt_profile p;
    HRESULT hr;
    char subject[64];

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, "tandem-wt-store-tables"))
    {
        if (wt_store_open(&p, &session, &mdb) && (inbox = open_inbox()) &&
            ok(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)"Tables", NULL, NULL, 0, &f) == S_OK, "CreateFolder\n") &&
            ok(inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)"Other", NULL, NULL, 0, &other) == S_OK, "CreateFolder\n"))
        {
            /* delivery times with ties (i * 7 % 40), every 11th message without one */
            for (i = 0; i < N_MESSAGES; i++)
            {
                static const char *const word[] = {"alpha", "Beta", "ALPHA", "gamma"};
                /* case-insensitive ties in the subject too */
                if (i % 5 == 0) snprintf(subject, sizeof(subject), i % 2 ? "Same SUBJECT" : "same subject");
                else snprintf(subject, sizeof(subject), "%s Message %03lu", word[i % 4], (unsigned long)i);
                new_message(f, subject, i % 11 ? 0x01D0000000000000ull + (i * 7 % 40) * 10000000ull : 0, 0, NULL);
            }
            new_message(f, "Associated", 0x01E0000000000000ull, MAPI_ASSOCIATED, NULL);
            s = contents(f, 0);
            /* the same folder held in memory: a new contents table (a change makes the store
             * make one) while the switch is set */
            SetEnvironmentVariableA("TANDEM_TABLES_IN_MEMORY", "1");
            new_message(other, "elsewhere", 1, 0, NULL);
            m = contents(f, 0);
            SetEnvironmentVariableA("TANDEM_TABLES_IN_MEMORY", NULL);
            if (s && m)
            {
                test_same_as_memory(f, s, m);
                test_other_orders(s, m);
                test_notifications(f, s);
                test_unicode(f);
            }
            if (s) test_all_columns(inbox);
            if (s) s->lpVtbl->Release(s);
            if (m) m->lpVtbl->Release(m);
        }
        if (f) f->lpVtbl->Release(f);
        if (other) other->lpVtbl->Release(other);
        if (inbox) inbox->lpVtbl->Release(inbox);
        wt_store_close(&session, &mdb);
        wt_profile_delete(admin, &p);
    }
    if (wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects))
    {
        ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
        ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
    }
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();
}
