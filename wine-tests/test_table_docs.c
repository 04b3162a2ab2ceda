/*
 * test_table_docs.c - IMAPITable and table notifications checked statement by statement against
 * the MAPI reference, through the public API only: a store contents table both while it pages
 * through the store (the default) and held in memory (Tandem's test switch
 * TANDEM_TABLES_IN_MEMORY set while the table is made; other implementations ignore it), a
 * categorized view of each, and a folder hierarchy table. Each check names its page (the
 * imapitable-*.md pages, table_notification.md, about-table-notifications.md, ssortorder.md,
 * ssortorderset.md, sorting-and-categorization.md, pidtagrowtype / pidtagdepth /
 * pidtaginstancekey-canonical-property.md, hierarchy-tables.md, contents-tables.md,
 * ssubrestriction.md). Where a page allows two answers both are accepted.
 */
#include "wtest.h"
#include "wtmapi.h"

#ifndef PR_ROW_TYPE
#define PR_ROW_TYPE PROP_TAG(PT_LONG, 0x0FF5)
#endif
#ifndef TABLE_SORT_CATEG_MAX
#define TABLE_SORT_CATEG_MAX ((ULONG) 0x00000004)   /* ssortorder.md */
#define TABLE_SORT_CATEG_MIN ((ULONG) 0x00000008)
#endif
#define PR_UNKNOWN_COLUMN PROP_TAG(PT_STRING8, 0x7FF0)

/* IID_IMAPITable (mapiguid.h); mapi32 exports no IIDs to link against */
static const IID iid_table = {0x00020301, 0, 0, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};

static IMAPISession *session;
static IMsgStore *mdb;
static BOOL in_memory;      /* contents tables of this pass are made held in memory */

/* ---- helpers ----------------------------------------------------------------------------- */

static const SPropValue *find(const SRow *row, ULONG tag)
{
    return PpropFindProp(row->lpProps, row->cValues, tag);
}

static const char *row_str(const SRow *row, ULONG tag)
{
    const SPropValue *v = find(row, tag);
    return v ? v->Value.lpszA : "<none>";
}

static LONG row_long(const SRow *row, ULONG tag)
{
    const SPropValue *v = find(row, tag);
    return v ? v->Value.l : -12345;
}

typedef struct ikey { ULONG cb; BYTE b[32]; } ikey;

static BOOL row_key(const SRow *row, ikey *k)
{
    const SPropValue *v = find(row, PR_INSTANCE_KEY);
    k->cb = 0;
    if (!v || v->Value.bin.cb > sizeof(k->b)) return FALSE;
    k->cb = v->Value.bin.cb;
    memcpy(k->b, v->Value.bin.lpb, k->cb);
    return TRUE;
}

static BOOL same_key(const ikey *a, ULONG cb, const BYTE *b)
{
    return a->cb == cb && !memcmp(a->b, b, cb);
}

/* Up to `n` rows from the cursor (QueryRows(n, flags)) as "a,b,c" of PR_SUBJECT_A; a heading of
 * a categorized view shows as [sender]. */
static const char *read_names(IMAPITable *t, LONG n, ULONG flags)
{
    static char buf[4][1024];
    static int which;
    char *b = buf[which++ & 3];
    SRowSet *rows = NULL;
    HRESULT hr = t->lpVtbl->QueryRows(t, n, flags, &rows);
    ULONG i;

    b[0] = 0;
    if (hr != S_OK) { sprintf(b, "QueryRows failed %#lx", hr); return b; }
    for (i = 0; i < rows->cRows; i++)
    {
        const SRow *r = &rows->aRow[i];
        LONG type = row_long(r, PR_ROW_TYPE);
        if (i) lstrcatA(b, ",");
        if (type == TBL_EXPANDED_CATEGORY || type == TBL_COLLAPSED_CATEGORY)
        {
            lstrcatA(b, "[");
            lstrcatA(b, row_str(r, PR_SENDER_NAME_A));
            lstrcatA(b, "]");
        }
        else
            lstrcatA(b, row_str(r, PR_SUBJECT_A));
    }
    FreeProws(rows);
    return b;
}

static const char *all_names(IMAPITable *t)
{
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    return read_names(t, 1000, 0);
}

static ULONG position(IMAPITable *t)
{
    ULONG row = ~0u, num = 0, den = 0;
    HRESULT hr = t->lpVtbl->QueryPosition(t, &row, &num, &den);
    ok(hr == S_OK && den != 0, "QueryPosition %#lx, denominator %lu\n", hr, den);
    return row;
}

static ULONG row_count(IMAPITable *t)
{
    ULONG n = ~0u;
    HRESULT hr = t->lpVtbl->GetRowCount(t, 0, &n);
    ok(hr == S_OK, "GetRowCount %#lx\n", hr);
    return n;
}

/* The instance key of the first row (from the beginning) whose subject, or for a heading whose
 * sender in brackets, is `name`. */
static BOOL key_of(IMAPITable *t, const char *name, ikey *k)
{
    SRowSet *rows = NULL;
    BOOL found = FALSE;
    ULONG i;

    k->cb = 0;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (FAILED(t->lpVtbl->QueryRows(t, 1000, 0, &rows))) return FALSE;
    for (i = 0; i < rows->cRows && !found; i++)
    {
        const SRow *r = &rows->aRow[i];
        LONG type = row_long(r, PR_ROW_TYPE);
        char label[80];
        if (type == TBL_EXPANDED_CATEGORY || type == TBL_COLLAPSED_CATEGORY)
            snprintf(label, sizeof(label), "[%s]", row_str(r, PR_SENDER_NAME_A));
        else
            lstrcpynA(label, row_str(r, PR_SUBJECT_A), sizeof(label));
        if (!strcmp(label, name)) found = row_key(r, k);
    }
    FreeProws(rows);
    ok(found, "no row %s\n", name);
    return found;
}

static void set_columns(IMAPITable *t, ULONG n, const ULONG *tags)
{
    SizedSPropTagArray(12, cols);
    HRESULT hr;
    cols.cValues = n;
    memcpy(cols.aulPropTag, tags, n * sizeof(ULONG));
    hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
    ok(hr == S_OK, "SetColumns %#lx\n", hr);
}

static HRESULT sort3(IMAPITable *t, ULONG n, ULONG cat, ULONG exp, ULONG t1, ULONG o1, ULONG t2,
                     ULONG o2, ULONG t3, ULONG o3)
{
    SizedSSortOrderSet(3, s) = {n, cat, exp, {{t1, o1}, {t2, o2}, {t3, o3}}};
    return t->lpVtbl->SortTable(t, (SSortOrderSet *)&s, 0);
}

static void prop_res(SRestriction *r, SPropValue *v, ULONG relop, ULONG tag, const char *s)
{
    v->ulPropTag = tag;
    v->Value.lpszA = (char *)s;
    r->rt = RES_PROPERTY;
    r->res.resProperty.relop = relop;
    r->res.resProperty.ulPropTag = tag;
    r->res.resProperty.lpProp = v;
}

/* ---- messages ----------------------------------------------------------------------------- */

static const struct { const char *subject, *sender; BOOL read; LONG importance; } msgs[] =
{
    { "apple",  "Alice", TRUE,  0 },
    { "banana", "Bob",   FALSE, 1 },
    { "cherry", "Alice", FALSE, 2 },
    { "date",   "Carol", TRUE,  3 },
    { "elder",  "Bob",   TRUE,  1 },
    { "fig",    NULL,    FALSE, 2 },    /* no sender: a missing value */
};

/* A saved message (subject, sender or none, read flag, importance); its entry ID in *eid. */
static BOOL new_message(IMAPIFolder *f, const char *subject, const char *sender, BOOL read,
                        LONG importance, SBinary *eid)
{
    IMessage *m = NULL;
    SPropValue p[5], *v = NULL;
    ULONG n = 0;
    HRESULT hr = f->lpVtbl->CreateMessage(f, NULL, 0, &m);

    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return FALSE;
    p[n].ulPropTag = PR_SUBJECT_A;        p[n++].Value.lpszA = (char *)subject;
    p[n].ulPropTag = PR_MESSAGE_CLASS_A;  p[n++].Value.lpszA = (char *)"IPM.Note";
    p[n].ulPropTag = PR_MESSAGE_FLAGS;    p[n++].Value.l = read ? MSGFLAG_READ : 0;
    p[n].ulPropTag = PR_IMPORTANCE;       p[n++].Value.l = importance;
    if (sender) { p[n].ulPropTag = PR_SENDER_NAME_A; p[n++].Value.lpszA = (char *)sender; }
    m->lpVtbl->SetProps(m, n, p, NULL);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges(%s) %#lx\n", subject, hr);
    if (eid)
    {
        eid->cb = 0;
        eid->lpb = NULL;
        if (HrGetOneProp((IMAPIProp *)m, PR_ENTRYID, &v) == S_OK)
        {
            eid->cb = v->Value.bin.cb;
            eid->lpb = malloc(eid->cb);
            memcpy(eid->lpb, v->Value.bin.lpb, eid->cb);
            MAPIFreeBuffer(v);
        }
    }
    m->lpVtbl->Release(m);
    return hr == S_OK;
}

static void delete_message(IMAPIFolder *f, SBinary *eid)
{
    ENTRYLIST list = {1, eid};
    HRESULT hr = f->lpVtbl->DeleteMessages(f, &list, 0, NULL, 0);
    ok(hr == S_OK, "DeleteMessages %#lx\n", hr);
    free(eid->lpb);
    eid->lpb = NULL;
}

static void set_subject(IMAPIFolder *f, const SBinary *eid, const char *subject)
{
    IMessage *m = NULL;
    SPropValue p;
    ULONG type;
    HRESULT hr = f->lpVtbl->OpenEntry(f, eid->cb, (ENTRYID *)eid->lpb, NULL, MAPI_MODIFY, &type,
                                      (IUnknown **)&m);
    if (!ok(hr == S_OK, "OpenEntry %#lx\n", hr)) return;
    p.ulPropTag = PR_SUBJECT_A;
    p.Value.lpszA = (char *)subject;
    m->lpVtbl->SetProps(m, 1, &p, NULL);
    hr = m->lpVtbl->SaveChanges(m, 0);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);
    m->lpVtbl->Release(m);
}

/* A contents table of `f`, made held in memory in the memory pass. */
static IMAPITable *contents(IMAPIFolder *f)
{
    IMAPITable *t = NULL;
    HRESULT hr;
    if (in_memory) SetEnvironmentVariableA("TANDEM_TABLES_IN_MEMORY", "1");
    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (in_memory) SetEnvironmentVariableA("TANDEM_TABLES_IN_MEMORY", NULL);
    ok(hr == S_OK && t, "GetContentsTable %#lx\n", hr);
    return t;
}

/* ---- a recording advise sink ------------------------------------------------------------- */

#define MAX_EVENTS 32

typedef struct event
{
    ULONG table_event;
    ULONG index_tag, prior_tag;
    ikey index, prior;
    ULONG row_n;
    BOOL row_props_null;
    ULONG row_tags[4];
    char row_subject[64];
} event;

typedef struct sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    volatile LONG n;
    event ev[MAX_EVENTS];
} sink;

static inline sink *impl_from_sink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface);
}

static HRESULT WINAPI sink_QueryInterface(IMAPIAdviseSink *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown))
    {
        *obj = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}
static ULONG WINAPI sink_AddRef(IMAPIAdviseSink *iface) { return InterlockedIncrement(&impl_from_sink(iface)->ref); }
static ULONG WINAPI sink_Release(IMAPIAdviseSink *iface) { return InterlockedDecrement(&impl_from_sink(iface)->ref); }

static void copy_key(ikey *k, const SPropValue *p)
{
    k->cb = 0;
    if (PROP_TYPE(p->ulPropTag) == PT_BINARY && p->Value.bin.cb <= sizeof(k->b))
    {
        k->cb = p->Value.bin.cb;
        memcpy(k->b, p->Value.bin.lpb, k->cb);
    }
}

static ULONG WINAPI sink_OnNotify(IMAPIAdviseSink *iface, ULONG count, LPNOTIFICATION n)
{
    sink *s = impl_from_sink(iface);
    ULONG i, j;

    for (i = 0; i < count && s->n < MAX_EVENTS; i++)
    {
        event *e = &s->ev[s->n];
        const TABLE_NOTIFICATION *tn = &n[i].info.tab;
        if (n[i].ulEventType != fnevTableModified) continue;
        memset(e, 0, sizeof(*e));
        e->table_event = tn->ulTableEvent;
        e->index_tag = tn->propIndex.ulPropTag;
        e->prior_tag = tn->propPrior.ulPropTag;
        copy_key(&e->index, &tn->propIndex);
        copy_key(&e->prior, &tn->propPrior);
        e->row_n = tn->row.cValues;
        e->row_props_null = tn->row.lpProps == NULL;
        for (j = 0; j < tn->row.cValues && j < 4; j++)
        {
            e->row_tags[j] = tn->row.lpProps[j].ulPropTag;
            if (tn->row.lpProps[j].ulPropTag == PR_SUBJECT_A)
                lstrcpynA(e->row_subject, tn->row.lpProps[j].Value.lpszA, sizeof(e->row_subject));
        }
        InterlockedIncrement(&s->n);
    }
    return 0;
}

static const IMAPIAdviseSinkVtbl sink_vtbl = { sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify };

static void sink_init(sink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = (IMAPIAdviseSinkVtbl *)&sink_vtbl;
    s->ref = 1;
}

/* Wait until the sink has at least `n` events (10 s at most), then a little more for extras. */
static void sink_wait(sink *s, LONG n)
{
    DWORD start = GetTickCount();
    while (s->n < n && GetTickCount() - start < 10000) wt_pump(10);
    wt_pump(150);
}

/* The first event of this kind from index `from` on, or NULL. */
static const event *sink_find(sink *s, LONG from, ULONG table_event)
{
    LONG i;
    for (i = from; i < s->n; i++)
        if (s->ev[i].table_event == table_event) return &s->ev[i];
    return NULL;
}

/* ---- the plain contents table ------------------------------------------------------------ */

static const ULONG subject_cols[] = {PR_SUBJECT_A, PR_INSTANCE_KEY, PR_SENDER_NAME_A};

static void test_columns(IMAPIFolder *f)
{
    static const ULONG odd[] = {PR_SUBJECT_A, PR_NULL, PR_UNKNOWN_COLUMN, PR_INSTANCE_KEY};
    static SizedSPropTagArray(1, one_col) = {1, {PR_SUBJECT_A}};
    IMAPITable *t = contents(f);
    SPropTagArray *def = NULL, *cur = NULL, *all = NULL;
    SRowSet *rows = NULL;
    ULONG i, j, status = 99, type = 99;
    HRESULT hr;

    wt_context(in_memory ? "columns (memory)" : "columns (paging)");
    if (!t) return;
    /* querycolumns.md: without SetColumns the default column set; queryrows.md: "If no
     * SetColumns call has been made, the table returns its default column set" in that order */
    hr = t->lpVtbl->QueryColumns(t, 0, &def);
    ok(hr == S_OK && def && def->cValues, "QueryColumns(0) %#lx\n", hr);
    hr = t->lpVtbl->QueryRows(t, 1, 0, &rows);
    if (def && ok(hr == S_OK && rows && rows->cRows == 1, "QueryRows(1) %#lx\n", hr))
    {
        BOOL same = rows->aRow[0].cValues == def->cValues;
        for (i = 0; same && i < def->cValues; i++)
            same = PROP_ID(rows->aRow[0].lpProps[i].ulPropTag) == PROP_ID(def->aulPropTag[i]);
        ok(same, "a row without SetColumns has %lu columns, not the default set's %lu in order\n",
           rows->aRow[0].cValues, def->cValues);
    }
    if (rows) FreeProws(rows);
    rows = NULL;
    /* querycolumns.md: TBL_ALL_COLUMNS returns every column that can be in the column set */
    hr = t->lpVtbl->QueryColumns(t, TBL_ALL_COLUMNS, &all);
    if (ok(hr == S_OK && all, "QueryColumns(TBL_ALL_COLUMNS) %#lx\n", hr) && def)
        for (i = 0; i < def->cValues; i++)
        {
            for (j = 0; j < all->cValues && all->aulPropTag[j] != def->aulPropTag[i]; j++) ;
            ok(j < all->cValues, "default column %#lx not in TBL_ALL_COLUMNS\n", def->aulPropTag[i]);
        }
    MAPIFreeBuffer(def);
    MAPIFreeBuffer(all);

    /* setcolumns.md: SetColumns succeeds "regardless of whether or not you support all of the
     * properties"; PR_NULL reserves a slot that comes back as PR_NULL; queryrows.md: a column a
     * row lacks is PT_ERROR with MAPI_E_NOT_FOUND; every row has the columns in that order */
    set_columns(t, ARRAYSIZE(odd), odd);
    hr = t->lpVtbl->QueryColumns(t, 0, &cur);
    if (ok(hr == S_OK && cur, "QueryColumns(0) after SetColumns %#lx\n", hr))
    {
        ok(cur->cValues == ARRAYSIZE(odd) && !memcmp(cur->aulPropTag, odd, sizeof(odd)),
           "QueryColumns does not give back the column set (%lu columns)\n", cur->cValues);
        MAPIFreeBuffer(cur);
    }
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
    if (ok(hr == S_OK && rows && rows->cRows == ARRAYSIZE(msgs), "QueryRows(10) %#lx\n", hr))
        for (i = 0; i < rows->cRows; i++)
        {
            const SRow *r = &rows->aRow[i];
            if (!ok(r->cValues == 4, "row %lu has %lu columns\n", i, r->cValues)) continue;
            ok(r->lpProps[0].ulPropTag == PR_SUBJECT_A, "row %lu column 0 %#lx\n", i, r->lpProps[0].ulPropTag);
            ok(r->lpProps[1].ulPropTag == PR_NULL, "row %lu: the PR_NULL slot is %#lx\n", i, r->lpProps[1].ulPropTag);
            ok(r->lpProps[2].ulPropTag == PROP_TAG(PT_ERROR, PROP_ID(PR_UNKNOWN_COLUMN))
               && r->lpProps[2].Value.err == MAPI_E_NOT_FOUND,
               "row %lu: a column the row lacks is %#lx / %#lx\n", i, r->lpProps[2].ulPropTag,
               r->lpProps[2].Value.err);
            ok(r->lpProps[3].ulPropTag == PR_INSTANCE_KEY, "row %lu column 3 %#lx\n", i, r->lpProps[3].ulPropTag);
        }
    if (rows) FreeProws(rows);
    rows = NULL;

    /* setcolumns.md: "lpPropTagArray cannot be set to NULL; every table must have at least one
     * column"; TBL_BATCH and TBL_ASYNC are accepted (done at once is allowed) */
    hr = t->lpVtbl->SetColumns(t, NULL, 0);
    ok(FAILED(hr), "SetColumns(NULL) %#lx\n", hr);
    hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&one_col, TBL_BATCH);
    ok(hr == S_OK, "SetColumns(TBL_BATCH) %#lx\n", hr);
    hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&one_col, TBL_ASYNC);
    ok(hr == S_OK, "SetColumns(TBL_ASYNC) %#lx\n", hr);
    /* imapitable-waitforcompletion.md: S_OK and the table's status; NULL is allowed */
    hr = t->lpVtbl->WaitForCompletion(t, 0, 1000, &status);
    ok((hr == S_OK && status == TBLSTAT_COMPLETE) || hr == MAPI_E_NO_SUPPORT,
       "WaitForCompletion %#lx, status %lu\n", hr, status);
    hr = t->lpVtbl->WaitForCompletion(t, 0, 1000, NULL);
    ok(hr == S_OK || hr == MAPI_E_NO_SUPPORT, "WaitForCompletion(NULL status) %#lx\n", hr);
    /* imapitable-getstatus.md: no operation in progress, one of the three table types */
    hr = t->lpVtbl->GetStatus(t, &status, &type);
    ok(hr == S_OK && status == TBLSTAT_COMPLETE, "GetStatus %#lx, status %lu\n", hr, status);
    ok(type == TBLTYPE_DYNAMIC || type == TBLTYPE_KEYSET || type == TBLTYPE_SNAPSHOT, "table type %lu\n", type);
    /* imapitable-abort.md: S_OK, or MAPI_E_UNABLE_TO_ABORT when nothing can be stopped */
    hr = t->lpVtbl->Abort(t);
    ok(hr == S_OK || hr == MAPI_E_UNABLE_TO_ABORT, "Abort %#lx\n", hr);
    t->lpVtbl->Release(t);
}

static void test_cursor(IMAPIFolder *f)
{
    IMAPITable *t = contents(f);
    SRowSet *rows = NULL;
    LONG sought;
    ULONG row, num, den;
    HRESULT hr;

    wt_context(in_memory ? "QueryRows, SeekRow, QueryPosition (memory)" : "QueryRows, SeekRow, QueryPosition (paging)");
    if (!t) return;
    set_columns(t, ARRAYSIZE(subject_cols), subject_cols);
    hr = sort3(t, 1, 0, 0, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0, 0, 0);
    ok(hr == S_OK, "SortTable(subject) %#lx\n", hr);

    /* imapitable-queryposition.md: zero-based, the next row to be read */
    ok(position(t) == 0, "position at the start %lu\n", position(t));
    /* imapitable-getrowcount.md */
    ok(row_count(t) == 6, "GetRowCount %lu\n", row_count(t));
    /* imapitable-getrowcount.md: ulFlags reserved, must be zero */
    hr = t->lpVtbl->GetRowCount(t, 1, &row);
    ok(hr == MAPI_E_UNKNOWN_FLAGS, "GetRowCount(flags 1) %#lx\n", hr);

    /* imapitable-queryrows.md: without TBL_NOADVANCE the cursor points to the row following the
     * last row returned */
    ok(!strcmp(read_names(t, 2, 0), "apple,banana"), "QueryRows(2)\n");
    ok(position(t) == 2, "position after QueryRows(2) %lu\n", position(t));
    /* ... with TBL_NOADVANCE it points to the first row returned */
    ok(!strcmp(read_names(t, 2, TBL_NOADVANCE), "cherry,date"), "QueryRows(2, TBL_NOADVANCE)\n");
    ok(position(t) == 2, "position after TBL_NOADVANCE %lu\n", position(t));
    ok(!strcmp(read_names(t, 1, 0), "cherry"), "the row after TBL_NOADVANCE\n");
    /* imapitable-queryrows.md: lRowCount zero is MAPI_E_INVALID_PARAMETER */
    hr = t->lpVtbl->QueryRows(t, 0, 0, &rows);
    ok(hr == MAPI_E_INVALID_PARAMETER, "QueryRows(0) %#lx\n", hr);
    if (hr == S_OK) FreeProws(rows);
    /* imapitable-queryrows.md: zero rows when at the end and lRowCount positive ... */
    t->lpVtbl->SeekRow(t, BOOKMARK_END, 0, NULL);
    hr = t->lpVtbl->QueryRows(t, 5, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == 0, "QueryRows at the end %#lx, %lu rows\n", hr, rows ? rows->cRows : 99);
    if (rows) FreeProws(rows);
    rows = NULL;
    /* ... or at the beginning and lRowCount negative */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    hr = t->lpVtbl->QueryRows(t, -3, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == 0, "QueryRows(-3) at the beginning %#lx, %lu rows\n", hr, rows ? rows->cRows : 99);
    if (rows) FreeProws(rows);
    rows = NULL;
    /* imapitable-queryrows.md: negative: move back, then read forward (TBL_NOADVANCE: the
     * cursor on the first row returned) */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 4, NULL);
    ok(!strcmp(read_names(t, -2, TBL_NOADVANCE), "cherry,date"), "QueryRows(-2) from row 4\n");
    ok(position(t) == 2, "position after QueryRows(-2, TBL_NOADVANCE) %lu\n", position(t));
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 4, NULL);
    ok(!strcmp(read_names(t, -10, TBL_NOADVANCE), "apple,banana,cherry,date"), "QueryRows(-10) from row 4\n");
    /* imapitable-queryrows.md: fewer rows than asked when the end comes first */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 4, NULL);
    ok(!strcmp(read_names(t, 10, 0), "elder,fig"), "QueryRows(10) from row 4\n");

    /* imapitable-seekrow.md: lplRowsSought is the signed count moved; clamped at both ends;
     * "If the resulting position is beyond the last row ... after the last row" */
    sought = 99;
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 3, &sought);
    ok(hr == S_OK && sought == 3 && position(t) == 3, "SeekRow(BEGINNING, 3) %#lx, %ld\n", hr, sought);
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_CURRENT, -1, &sought);
    ok(hr == S_OK && sought == -1 && position(t) == 2, "SeekRow(CURRENT, -1) %#lx, %ld\n", hr, sought);
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_CURRENT, 10, &sought);
    ok(hr == S_OK && sought == 4, "SeekRow(CURRENT, 10) from row 2 %#lx, sought %ld\n", hr, sought);
    ok(!strcmp(read_names(t, 1, 0), ""), "after seeking past the end a row is left\n");
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_CURRENT, -10, &sought);
    ok(hr == S_OK && sought == -6 && position(t) == 0, "SeekRow(CURRENT, -10) from the end %#lx, sought %ld\n", hr, sought);
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, -1, &sought);
    ok(hr == S_OK && sought == 0 && position(t) == 0, "SeekRow(BEGINNING, -1) %#lx, sought %ld\n", hr, sought);
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_END, -1, &sought);
    ok(hr == S_OK && sought == -1, "SeekRow(END, -1) %#lx, sought %ld\n", hr, sought);
    ok(!strcmp(read_names(t, 1, 0), "fig"), "the last row\n");
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_END, 1, &sought);
    ok(hr == S_OK && sought == 0, "SeekRow(END, 1) %#lx, sought %ld\n", hr, sought);
    /* lplRowsSought may be NULL */
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 2, NULL);
    ok(hr == S_OK && position(t) == 2, "SeekRow(.., NULL) %#lx\n", hr);

    /* imapitable-seekrowapprox.md: 0 = the beginning whatever the denominator, numerator ==
     * denominator = after the last row; the denominator cannot be zero */
    hr = t->lpVtbl->SeekRowApprox(t, 0, 7);
    ok(hr == S_OK && position(t) == 0, "SeekRowApprox(0, 7) %#lx\n", hr);
    hr = t->lpVtbl->SeekRowApprox(t, 5, 5);
    ok(hr == S_OK && position(t) == 6, "SeekRowApprox(5, 5) %#lx, position %lu\n", hr, position(t));
    ok(!strcmp(read_names(t, 1, 0), ""), "rows after SeekRowApprox(5, 5)\n");
    hr = t->lpVtbl->SeekRowApprox(t, 1, 2);
    ok(hr == S_OK && position(t) >= 2 && position(t) <= 4, "SeekRowApprox(1, 2) %#lx, position %lu\n", hr, position(t));
    hr = t->lpVtbl->SeekRowApprox(t, 1, 0);
    ok(FAILED(hr), "SeekRowApprox(1, 0) %#lx\n", hr);
    /* imapitable-queryposition.md: the fraction; the denominator is never zero */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 3, NULL);
    hr = t->lpVtbl->QueryPosition(t, &row, &num, &den);
    ok(hr == S_OK && row == 3 && den != 0 && num <= den, "QueryPosition %#lx: %lu, %lu/%lu\n", hr, row, num, den);
    t->lpVtbl->Release(t);
}

static void test_bookmarks(IMAPIFolder *f)
{
    IMAPITable *t = contents(f);
    BOOKMARK bk = 0, end_bk = 0, many[3000];
    SRestriction r;
    SPropValue v;
    SBinary eid = {0};
    LONG sought;
    ULONG i, n;
    HRESULT hr;

    wt_context(in_memory ? "bookmarks (memory)" : "bookmarks (paging)");
    if (!t) return;
    set_columns(t, ARRAYSIZE(subject_cols), subject_cols);
    hr = sort3(t, 1, 0, 0, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0, 0, 0);
    ok(hr == S_OK, "SortTable(subject) %#lx\n", hr);

    /* imapitable-createbookmark.md: a bookmark marks the current position; SeekRow goes back */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 2, NULL);
    hr = t->lpVtbl->CreateBookmark(t, &bk);
    ok(hr == S_OK, "CreateBookmark %#lx\n", hr);
    t->lpVtbl->SeekRow(t, BOOKMARK_END, 0, NULL);
    hr = t->lpVtbl->SeekRow(t, bk, 0, &sought);
    ok(hr == S_OK && sought == 0, "SeekRow(bookmark) %#lx, sought %ld\n", hr, sought);
    ok(!strcmp(read_names(t, 1, 0), "cherry"), "the bookmark's row\n");
    hr = t->lpVtbl->SeekRow(t, bk, 1, &sought);
    ok(hr == S_OK && sought == 1, "SeekRow(bookmark, 1) %#lx, sought %ld\n", hr, sought);
    ok(!strcmp(read_names(t, 1, 0), "date"), "the row after the bookmark\n");
    /* imapitable-createbookmark.md: "The bookmarked position is associated with the object at
     * that row": a row added before it does not move it */
    new_message(f, "aardvark", "Zed", TRUE, 0, &eid);
    /* queryrows.md: the rows are those of the table now; a view without an Advise sorted in
     * its own order included */
    ok(!strcmp(all_names(t), "aardvark,apple,banana,cherry,date,elder,fig"), "after a save: %s\n", all_names(t));
    ok(row_count(t) == 7, "GetRowCount after a save %lu\n", row_count(t));
    hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
    ok(hr == S_OK, "SeekRow(bookmark) after a row was added before it %#lx\n", hr);
    ok(!strcmp(read_names(t, 1, 0), "cherry"), "the bookmark moved off its row\n");
    if (eid.lpb) delete_message(f, &eid);
    ok(!strcmp(all_names(t), "apple,banana,cherry,date,elder,fig"), "after a delete: %s\n", all_names(t));
    /* a bookmark after the last row */
    t->lpVtbl->SeekRow(t, BOOKMARK_END, 0, NULL);
    hr = t->lpVtbl->CreateBookmark(t, &end_bk);
    ok(hr == S_OK, "CreateBookmark at the end %#lx\n", hr);
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    hr = t->lpVtbl->SeekRow(t, end_bk, -1, &sought);
    ok(hr == S_OK && sought == -1, "SeekRow(end bookmark, -1) %#lx, %ld\n", hr, sought);
    ok(!strcmp(read_names(t, 1, 0), "fig"), "the row before the end bookmark\n");

    /* imapitable-freebookmark.md: the predefined bookmarks are ignored (S_OK); a freed one no
     * longer exists: MAPI_E_INVALID_BOOKMARK, also in SeekRow and FindRow (imapitable-seekrow.md,
     * imapitable-findrow.md) */
    ok(t->lpVtbl->FreeBookmark(t, BOOKMARK_BEGINNING) == S_OK, "FreeBookmark(BOOKMARK_BEGINNING)\n");
    ok(t->lpVtbl->FreeBookmark(t, BOOKMARK_CURRENT) == S_OK, "FreeBookmark(BOOKMARK_CURRENT)\n");
    ok(t->lpVtbl->FreeBookmark(t, BOOKMARK_END) == S_OK, "FreeBookmark(BOOKMARK_END)\n");
    hr = t->lpVtbl->FreeBookmark(t, bk);
    ok(hr == S_OK, "FreeBookmark %#lx\n", hr);
    hr = t->lpVtbl->FreeBookmark(t, bk);
    ok(hr == MAPI_E_INVALID_BOOKMARK, "FreeBookmark of a freed bookmark %#lx\n", hr);
    hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
    ok(hr == MAPI_E_INVALID_BOOKMARK, "SeekRow(freed bookmark) %#lx\n", hr);
    prop_res(&r, &v, RELOP_EQ, PR_SUBJECT_A, "date");
    hr = t->lpVtbl->FindRow(t, &r, bk, 0);
    ok(hr == MAPI_E_INVALID_BOOKMARK, "FindRow(freed bookmark) %#lx\n", hr);
    hr = t->lpVtbl->SeekRow(t, (BOOKMARK)123456, 0, NULL);
    ok(hr == MAPI_E_INVALID_BOOKMARK, "SeekRow(made-up bookmark) %#lx\n", hr);

    /* imapitable-seekrow.md / imapitable-createbookmark.md: the row of a bookmark is deleted:
     * MAPI_W_POSITION_CHANGED with the cursor on the next row, or MAPI_E_INVALID_BOOKMARK */
    new_message(f, "dill", "Dora", TRUE, 0, &eid);
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    prop_res(&r, &v, RELOP_EQ, PR_SUBJECT_A, "dill");
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
    ok(hr == S_OK, "FindRow(dill) %#lx\n", hr);
    hr = t->lpVtbl->CreateBookmark(t, &bk);
    ok(hr == S_OK, "CreateBookmark on dill %#lx\n", hr);
    if (eid.lpb) delete_message(f, &eid);
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
    ok(hr == MAPI_W_POSITION_CHANGED || hr == MAPI_E_INVALID_BOOKMARK, "SeekRow(bookmark of a deleted row) %#lx\n", hr);
    if (hr == MAPI_W_POSITION_CHANGED)
        ok(!strcmp(read_names(t, 1, 0), "elder"), "the cursor is not on the next row\n");
    t->lpVtbl->FreeBookmark(t, bk);

    /* imapitable-createbookmark.md: when out of bookmarks, MAPI_E_UNABLE_TO_COMPLETE */
    for (n = 0; n < ARRAYSIZE(many); n++)
        if ((hr = t->lpVtbl->CreateBookmark(t, &many[n])) != S_OK) break;
    ok(n == ARRAYSIZE(many) || hr == MAPI_E_UNABLE_TO_COMPLETE, "CreateBookmark number %lu %#lx\n", n, hr);
    for (i = 0; i < n; i++) t->lpVtbl->FreeBookmark(t, many[i]);
    hr = t->lpVtbl->CreateBookmark(t, &bk);
    ok(hr == S_OK, "CreateBookmark after freeing %#lx\n", hr);

    /* imapitable-sorttable.md: all bookmarks are invalidated and the cursor goes to the
     * beginning */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 3, NULL);
    hr = sort3(t, 1, 0, 0, PR_SUBJECT_A, TABLE_SORT_DESCEND, 0, 0, 0, 0);
    ok(hr == S_OK, "SortTable(descending) %#lx\n", hr);
    ok(position(t) == 0, "position after SortTable %lu\n", position(t));
    hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
    ok(hr == MAPI_E_INVALID_BOOKMARK, "SeekRow(bookmark made before SortTable) %#lx\n", hr);
    hr = t->lpVtbl->SeekRow(t, end_bk, 0, NULL);
    ok(hr == MAPI_E_INVALID_BOOKMARK, "SeekRow(end bookmark made before SortTable) %#lx\n", hr);
    /* imapitable-restrict.md: all bookmarks are discarded, BOOKMARK_CURRENT to the beginning */
    hr = t->lpVtbl->CreateBookmark(t, &bk);
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 3, NULL);
    hr = t->lpVtbl->Restrict(t, NULL, 0);
    ok(hr == S_OK, "Restrict(NULL) %#lx\n", hr);
    ok(position(t) == 0, "position after Restrict %lu\n", position(t));
    hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
    ok(hr == MAPI_E_INVALID_BOOKMARK, "SeekRow(bookmark made before Restrict) %#lx\n", hr);
    t->lpVtbl->Release(t);
}

static void test_findrow(IMAPIFolder *f)
{
    IMAPITable *t = contents(f);
    SRestriction r;
    SPropValue v;
    ikey k;
    HRESULT hr;

    wt_context(in_memory ? "FindRow (memory)" : "FindRow (paging)");
    if (!t) return;
    set_columns(t, ARRAYSIZE(subject_cols), subject_cols);
    hr = sort3(t, 1, 0, 0, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0, 0, 0);
    ok(hr == S_OK, "SortTable(subject) %#lx\n", hr);

    /* imapitable-findrow.md: the first row matching, the cursor moved to it */
    prop_res(&r, &v, RELOP_EQ, PR_SUBJECT_A, "date");
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
    ok(hr == S_OK, "FindRow(date) %#lx\n", hr);
    ok(!strcmp(read_names(t, 1, TBL_NOADVANCE), "date"), "FindRow's row\n");
    /* searching forward starts from the bookmark's row itself */
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_CURRENT, 0);
    ok(hr == S_OK && !strcmp(read_names(t, 1, TBL_NOADVANCE), "date"), "FindRow from the matching row %#lx\n", hr);
    /* searching backward starts from the row before the bookmark */
    prop_res(&r, &v, RELOP_EQ, PR_SENDER_NAME_A, "Alice");
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 2, NULL);     /* cherry, sent by Alice */
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_CURRENT, DIR_BACKWARD);
    ok(hr == S_OK && !strcmp(read_names(t, 1, TBL_NOADVANCE), "apple"), "FindRow(DIR_BACKWARD) from cherry %#lx\n", hr);
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_END, DIR_BACKWARD);
    ok(hr == S_OK && !strcmp(read_names(t, 1, TBL_NOADVANCE), "cherry"), "FindRow(DIR_BACKWARD) from the end %#lx\n", hr);
    /* MAPI_E_NOT_FOUND from BOOKMARK_BEGINNING or BOOKMARK_END when no row matches */
    prop_res(&r, &v, RELOP_EQ, PR_SENDER_NAME_A, "Nobody");
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
    ok(hr == MAPI_E_NOT_FOUND, "FindRow(no match) %#lx\n", hr);
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_END, DIR_BACKWARD);
    ok(hr == MAPI_E_NOT_FOUND, "FindRow(no match, DIR_BACKWARD) %#lx\n", hr);
    prop_res(&r, &v, RELOP_EQ, PR_SENDER_NAME_A, "Alice");
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_END, 0);
    ok(hr == MAPI_E_NOT_FOUND, "FindRow forward from BOOKMARK_END %#lx\n", hr);
    /* prefix search: RELOP_GE with the table's own string comparison */
    prop_res(&r, &v, RELOP_GE, PR_SUBJECT_A, "C");
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
    ok(hr == S_OK && !strcmp(read_names(t, 1, TBL_NOADVANCE), "cherry"), "FindRow(subject >= \"C\") %#lx\n", hr);
    /* every FindRow must support PR_INSTANCE_KEY */
    if (key_of(t, "elder", &k))
    {
        v.ulPropTag = PR_INSTANCE_KEY;
        v.Value.bin.cb = k.cb;
        v.Value.bin.lpb = k.b;
        r.rt = RES_PROPERTY;
        r.res.resProperty.relop = RELOP_EQ;
        r.res.resProperty.ulPropTag = PR_INSTANCE_KEY;
        r.res.resProperty.lpProp = &v;
        hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
        ok(hr == S_OK && !strcmp(read_names(t, 1, TBL_NOADVANCE), "elder"), "FindRow(PR_INSTANCE_KEY) %#lx\n", hr);
    }
    t->lpVtbl->Release(t);
}

static void test_sort_restrict(IMAPIFolder *f)
{
    IMAPITable *t = contents(f);
    SSortOrderSet *so = NULL;
    MAPIERROR *err = NULL;
    SRestriction r;
    SPropValue v;
    ULONG row = 99, num = 99, den = 0;
    SRowSet *rows = NULL;
    HRESULT hr;

    wt_context(in_memory ? "SortTable, Restrict (memory)" : "SortTable, Restrict (paging)");
    if (!t) return;
    set_columns(t, ARRAYSIZE(subject_cols), subject_cols);
    /* imapitable-sorttable.md, imapitable-querysortorder.md: the order set is the order kept */
    hr = sort3(t, 2, 0, 0, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_SUBJECT_A, TABLE_SORT_DESCEND, 0, 0);
    ok(hr == S_OK, "SortTable(sender, subject desc) %#lx\n", hr);
    hr = t->lpVtbl->QuerySortOrder(t, &so);
    if (ok(hr == S_OK && so, "QuerySortOrder %#lx\n", hr))
    {
        ok(so->cSorts == 2 && so->cCategories == 0 && so->aSort[0].ulPropTag == PR_SENDER_NAME_A
           && so->aSort[0].ulOrder == TABLE_SORT_ASCEND && so->aSort[1].ulPropTag == PR_SUBJECT_A
           && so->aSort[1].ulOrder == TABLE_SORT_DESCEND, "QuerySortOrder: %lu sorts\n", so->cSorts);
        MAPIFreeBuffer(so);
    }
    /* ssortorder.md: "all NULL entries positioned last", ascending and descending */
    ok(!strcmp(all_names(t), "cherry,apple,elder,banana,date,fig"), "by sender: %s\n", all_names(t));
    hr = sort3(t, 2, 0, 0, PR_SENDER_NAME_A, TABLE_SORT_DESCEND, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);
    ok(hr == S_OK, "SortTable(sender desc) %#lx\n", hr);
    ok(!strcmp(all_names(t), "date,banana,elder,apple,cherry,fig"), "by sender descending: %s\n", all_names(t));
    /* TBL_BATCH and TBL_ASYNC are accepted */
    {
        SizedSSortOrderSet(1, s) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
        hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&s, TBL_BATCH);
        ok(hr == S_OK, "SortTable(TBL_BATCH) %#lx\n", hr);
        ok(!strcmp(all_names(t), "apple,banana,cherry,date,elder,fig"), "after a batched sort: %s\n", all_names(t));
        hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&s, TBL_ASYNC);
        ok(hr == S_OK, "SortTable(TBL_ASYNC) %#lx\n", hr);
        ok(!strcmp(all_names(t), "apple,banana,cherry,date,elder,fig"), "after an asynchronous sort: %s\n", all_names(t));
    }
    /* ssortorder.md: TABLE_SORT_COMBINE cannot be in the first entry; imapitable-sorttable.md:
     * "Whenever SortTable fails, the sort order that was in effect before the failure is still
     * in effect" */
    hr = sort3(t, 2, 2, 2, PR_SENDER_NAME_A, TABLE_SORT_COMBINE, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);
    ok(FAILED(hr), "SortTable with TABLE_SORT_COMBINE first %#lx\n", hr);
    if (FAILED(hr))
    {
        /* imapitable-getlasterror.md: S_OK, a MAPIERROR or NULL */
        hr = t->lpVtbl->GetLastError(t, hr, 0, &err);
        ok(hr == S_OK, "GetLastError %#lx\n", hr);
        if (err) ok(err->ulVersion == MAPI_ERROR_VERSION, "MAPIERROR version %lu\n", err->ulVersion);
        MAPIFreeBuffer(err);
        err = NULL;
        hr = t->lpVtbl->GetLastError(t, MAPI_E_INVALID_PARAMETER, MAPI_UNICODE, &err);
        ok(hr == S_OK || hr == MAPI_E_BAD_CHARWIDTH, "GetLastError(MAPI_UNICODE) %#lx\n", hr);
        MAPIFreeBuffer(err);
    }
    hr = t->lpVtbl->QuerySortOrder(t, &so);
    if (ok(hr == S_OK && so, "QuerySortOrder %#lx\n", hr))
    {
        ok(so->cSorts == 1 && so->cCategories == 0 && so->aSort[0].ulPropTag == PR_SUBJECT_A,
           "the sort order changed with a failed SortTable: %lu sorts\n", so->cSorts);
        MAPIFreeBuffer(so);
    }
    ok(!strcmp(all_names(t), "apple,banana,cherry,date,elder,fig"), "rows after a failed SortTable: %s\n", all_names(t));
    /* imapitable-sorttable.md: zero columns: no particular order, S_OK */
    hr = sort3(t, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    ok(hr == S_OK, "SortTable(no columns) %#lx\n", hr);
    ok(row_count(t) == 6, "rows after SortTable(no columns) %lu\n", row_count(t));
    hr = sort3(t, 1, 0, 0, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0, 0, 0);

    /* imapitable-restrict.md: only matching rows; a new restriction replaces the previous one;
     * NULL removes it; TBL_BATCH accepted */
    prop_res(&r, &v, RELOP_EQ, PR_SENDER_NAME_A, "Alice");
    hr = t->lpVtbl->Restrict(t, &r, 0);
    ok(hr == S_OK, "Restrict(Alice) %#lx\n", hr);
    ok(!strcmp(all_names(t), "apple,cherry"), "restricted to Alice: %s\n", all_names(t));
    ok(row_count(t) == 2, "GetRowCount restricted %lu\n", row_count(t));
    prop_res(&r, &v, RELOP_EQ, PR_SENDER_NAME_A, "Bob");
    hr = t->lpVtbl->Restrict(t, &r, TBL_BATCH);
    ok(hr == S_OK, "Restrict(Bob, TBL_BATCH) %#lx\n", hr);
    ok(!strcmp(all_names(t), "banana,elder"), "restricted to Bob (replacing Alice): %s\n", all_names(t));
    /* nothing matches: QueryRows gives no row; imapitable-queryposition.md: the denominator
     * is never zero */
    prop_res(&r, &v, RELOP_EQ, PR_SENDER_NAME_A, "Nobody");
    hr = t->lpVtbl->Restrict(t, &r, TBL_ASYNC);
    ok(hr == S_OK, "Restrict(Nobody, TBL_ASYNC) %#lx\n", hr);
    ok(row_count(t) == 0, "GetRowCount of an empty view %lu\n", row_count(t));
    hr = t->lpVtbl->QueryPosition(t, &row, &num, &den);
    ok(hr == S_OK && den != 0 && (row == 0 || row == 0xFFFFFFFF), "QueryPosition of an empty view %#lx: %lu, %lu/%lu\n",
       hr, row, num, den);
    hr = t->lpVtbl->QueryRows(t, 1, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == 0, "QueryRows of an empty view %#lx\n", hr);
    if (rows) FreeProws(rows);
    hr = t->lpVtbl->Restrict(t, NULL, 0);
    ok(hr == S_OK && !strcmp(all_names(t), "apple,banana,cherry,date,elder,fig"), "Restrict(NULL) %#lx: %s\n", hr, all_names(t));
    t->lpVtbl->Release(t);
}

/* ---- notifications ------------------------------------------------------------------------ */

static void test_notifications(IMAPIFolder *f)
{
    static const ULONG cols[] = {PR_INSTANCE_KEY, PR_SUBJECT_A};
    IMAPITable *t = contents(f), *rt = NULL;
    SBinary eid = {0}, eid2 = {0}, eid3 = {0};
    ikey banana, cat, seen[8];
    ULONG conn = 0, rconn = 0, nseen = 0, i;
    SRestriction r;
    SPropValue v;
    const event *e;
    sink s, rs;
    LONG from;
    HRESULT hr;

    wt_context(in_memory ? "table notifications (memory)" : "table notifications (paging)");
    if (!t) return;
    sink_init(&s);
    sink_init(&rs);
    set_columns(t, ARRAYSIZE(cols), cols);
    hr = sort3(t, 1, 0, 0, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0, 0, 0);
    ok(hr == S_OK, "SortTable %#lx\n", hr);
    key_of(t, "banana", &banana);
    /* imapitable-advise.md: fnevTableModified; a nonzero connection */
    hr = t->lpVtbl->Advise(t, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn);
    if (!ok(hr == S_OK && conn, "Advise %#lx, connection %lu\n", hr, conn)) goto done;
    /* imapitable-restrict.md: "Notifications for table rows that are hidden from view by calls
     * to Restrict are never generated" */
    rt = contents(f);
    if (rt)
    {
        set_columns(rt, ARRAYSIZE(cols), cols);
        prop_res(&r, &v, RELOP_EQ, PR_SUBJECT_A, "no such subject");
        hr = rt->lpVtbl->Restrict(rt, &r, 0);
        ok(hr == S_OK, "Restrict %#lx\n", hr);
        hr = rt->lpVtbl->Advise(rt, fnevTableModified, &rs.IMAPIAdviseSink_iface, &rconn);
        ok(hr == S_OK && rconn, "Advise on the restricted view %#lx\n", hr);
    }

    /* table_notification.md: TABLE_ROW_ADDED after SaveChanges; propIndex the new row's
     * PR_INSTANCE_KEY, propPrior the row before it; row in the current column set */
    from = s.n;
    new_message(f, "cat", "Cat", FALSE, 0, &eid);
    sink_wait(&s, from + 1);
    key_of(t, "cat", &cat);
    seen[nseen++] = cat;
    e = sink_find(&s, from, TABLE_ROW_ADDED);
    if (ok(e != NULL, "no TABLE_ROW_ADDED (%ld events)\n", s.n - from))
    {
        ok(e->index_tag == PR_INSTANCE_KEY && same_key(&cat, e->index.cb, e->index.b),
           "ROW_ADDED propIndex %#lx is not the row's instance key\n", e->index_tag);
        ok(e->prior_tag == PR_INSTANCE_KEY && same_key(&banana, e->prior.cb, e->prior.b),
           "ROW_ADDED propPrior %#lx is not the previous row's instance key\n", e->prior_tag);
        ok(e->row_n == 2 && e->row_tags[0] == PR_INSTANCE_KEY && e->row_tags[1] == PR_SUBJECT_A
           && !strcmp(e->row_subject, "cat"), "ROW_ADDED row: %lu columns %#lx %#lx, subject %s\n",
           e->row_n, e->row_tags[0], e->row_tags[1], e->row_subject);
    }
    /* table_notification.md: the first row: propPrior PR_NULL, not zero */
    from = s.n;
    new_message(f, "aaa first", "A", TRUE, 0, &eid2);
    sink_wait(&s, from + 1);
    if (key_of(t, "aaa first", &seen[nseen])) nseen++;
    e = sink_find(&s, from, TABLE_ROW_ADDED);
    if (ok(e != NULL, "no TABLE_ROW_ADDED for a first row\n"))
        ok(e->prior_tag == PR_NULL, "ROW_ADDED of the first row: propPrior tag %#lx\n", e->prior_tag);
    /* TABLE_ROW_MODIFIED: the row's key, the row before it, the row's new values */
    from = s.n;
    if (eid.lpb) set_subject(f, &eid, "cat two");
    sink_wait(&s, from + 1);
    e = sink_find(&s, from, TABLE_ROW_MODIFIED);
    if (ok(e != NULL, "no TABLE_ROW_MODIFIED\n"))
    {
        ok(same_key(&cat, e->index.cb, e->index.b), "ROW_MODIFIED propIndex is not the row's key\n");
        ok(e->prior_tag == PR_INSTANCE_KEY && same_key(&banana, e->prior.cb, e->prior.b),
           "ROW_MODIFIED propPrior %#lx\n", e->prior_tag);
        ok(e->row_n == 2 && !strcmp(e->row_subject, "cat two"), "ROW_MODIFIED row: %lu columns, subject %s\n",
           e->row_n, e->row_subject);
    }
    /* ... "If the modified row is now the first row in the table, ... propPrior is PR_NULL" */
    from = s.n;
    if (eid.lpb) set_subject(f, &eid, "a cat now first");
    sink_wait(&s, from + 1);
    e = sink_find(&s, from, TABLE_ROW_MODIFIED);
    if (ok(e != NULL, "no TABLE_ROW_MODIFIED for a row moved first\n"))
        ok(e->prior_tag == PR_NULL && same_key(&cat, e->index.cb, e->index.b),
           "ROW_MODIFIED of a row now first: propPrior tag %#lx\n", e->prior_tag);
    /* about-table-notifications.md / table_notification.md: the row's columns are those in
     * force when the notification was generated, not when it is delivered */
    from = s.n;
    new_message(f, "gap", "Gap", FALSE, 0, &eid3);
    set_columns(t, 1, cols + 1);
    sink_wait(&s, from + 1);
    e = sink_find(&s, from, TABLE_ROW_ADDED);
    if (ok(e != NULL, "no TABLE_ROW_ADDED for gap\n"))
        ok(e->row_n == 2 && e->row_tags[0] == PR_INSTANCE_KEY, "ROW_ADDED row has %lu columns (first %#lx), "
           "not the column set in force when it was generated\n", e->row_n, e->row_tags[0]);
    set_columns(t, ARRAYSIZE(cols), cols);
    if (key_of(t, "gap", &seen[nseen])) nseen++;
    /* TABLE_ROW_DELETED: the row's key; "The propPrior member is set to NULL" */
    from = s.n;
    if (eid.lpb) delete_message(f, &eid);
    sink_wait(&s, from + 1);
    e = sink_find(&s, from, TABLE_ROW_DELETED);
    if (ok(e != NULL, "no TABLE_ROW_DELETED\n"))
    {
        ok(e->index_tag == PR_INSTANCE_KEY && same_key(&cat, e->index.cb, e->index.b),
           "ROW_DELETED propIndex %#lx is not the row's key\n", e->index_tag);
        ok(e->prior_tag == PR_NULL, "ROW_DELETED propPrior tag %#lx\n", e->prior_tag);
    }
    /* pidtaginstancekey-canonical-property.md: "Rows added while a table is in use do not reuse
     * an instance key that was previously used" */
    from = s.n;
    new_message(f, "cat", "Cat", FALSE, 0, &eid);
    sink_wait(&s, from + 1);
    if (key_of(t, "cat", &cat))
        for (i = 0; i < nseen; i++)
            ok(!same_key(&seen[i], cat.cb, cat.b), "a new row took the instance key of an earlier one\n");
    /* table_notification.md: an event without row data has cValues 0 and lpProps NULL */
    from = s.n;
    hr = sort3(t, 1, 0, 0, PR_SUBJECT_A, TABLE_SORT_DESCEND, 0, 0, 0, 0);
    {
        SizedSSortOrderSet(1, so) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
        hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&so, TBL_ASYNC);
        ok(hr == S_OK, "SortTable(TBL_ASYNC) %#lx\n", hr);
    }
    sink_wait(&s, from + 1);
    for (i = from; i < (ULONG)s.n; i++)
        if (s.ev[i].table_event == TABLE_SORT_DONE || s.ev[i].table_event == TABLE_CHANGED
            || s.ev[i].table_event == TABLE_RELOAD)
            ok(s.ev[i].row_n == 0 && s.ev[i].row_props_null, "event %lu carries a row of %lu columns\n",
               s.ev[i].table_event, s.ev[i].row_n);
    /* the restricted view heard nothing of these rows */
    ok(rs.n == 0, "the restricted view got %ld notifications for rows it does not show\n", rs.n);

    /* imapitable-unadvise.md: S_OK, and no more notifications */
    hr = t->lpVtbl->Unadvise(t, conn);
    ok(hr == S_OK, "Unadvise %#lx\n", hr);
    from = s.n;
    if (eid.lpb) delete_message(f, &eid);
    wt_pump(300);
    ok(s.n == from, "%ld notifications after Unadvise\n", s.n - from);
    if (rt) rt->lpVtbl->Unadvise(rt, rconn);
done:
    if (eid.lpb) delete_message(f, &eid);
    if (eid2.lpb) delete_message(f, &eid2);
    if (eid3.lpb) delete_message(f, &eid3);
    if (rt) rt->lpVtbl->Release(rt);
    t->lpVtbl->Release(t);
    ok(s.ref == 1 && rs.ref == 1, "sinks still referenced: %ld, %ld\n", s.ref, rs.ref);
}

/* ---- categorized views ------------------------------------------------------------------- */

static const ULONG categ_cols[] = {PR_INSTANCE_KEY, PR_ROW_TYPE, PR_DEPTH, PR_CONTENT_COUNT,
                                   PR_CONTENT_UNREAD, PR_SENDER_NAME_A, PR_SUBJECT_A};

static void test_categories(IMAPIFolder *f)
{
    IMAPITable *t = contents(f);
    SRowSet *rows = NULL;
    BYTE *state = NULL;
    ULONG cb_state = 0, count = 99, more = 99, i, n_head = 0, n_leaf = 0;
    BOOKMARK bk = 0;
    SBinary eid = {0};
    ikey alice, bob, carol, leaf;
    char saved[1024];
    sink s;
    ULONG conn = 0;
    LONG from;
    HRESULT hr;

    wt_context(in_memory ? "categories (memory)" : "categories (paging)");
    if (!t) return;
    sink_init(&s);
    set_columns(t, ARRAYSIZE(categ_cols), categ_cols);
    hr = sort3(t, 2, 1, 1, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);
    if (!ok(hr == S_OK, "SortTable(1 category, expanded) %#lx\n", hr)) goto done;
    /* ssortorder.md: NULL entries last, so the category without a sender comes last */
    ok(!strcmp(all_names(t), "[Alice],apple,cherry,[Bob],banana,elder,[Carol],date,[<none>],fig"),
       "expanded view: %s\n", all_names(t));
    /* sorting-and-categorization.md: a heading row has the category column, PR_CONTENT_COUNT,
     * PR_CONTENT_UNREAD, PR_INSTANCE_KEY, PR_DEPTH, PR_ROW_TYPE; pidtagrowtype: exactly one of
     * the values, TBL_EMPTY_CATEGORY not used; pidtagdepth: zero for the leftmost category */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    hr = t->lpVtbl->QueryRows(t, 100, 0, &rows);
    if (ok(hr == S_OK && rows, "QueryRows %#lx\n", hr))
    {
        for (i = 0; i < rows->cRows; i++)
        {
            const SRow *r = &rows->aRow[i];
            LONG type = row_long(r, PR_ROW_TYPE);
            ok(find(r, PR_INSTANCE_KEY) != NULL, "row %lu has no PR_INSTANCE_KEY\n", i);
            ok(type == TBL_LEAF_ROW || type == TBL_EXPANDED_CATEGORY, "row %lu: PR_ROW_TYPE %ld\n", i, type);
            if (type == TBL_LEAF_ROW) { n_leaf++; continue; }
            n_head++;
            ok(row_long(r, PR_DEPTH) == 0, "heading %lu: PR_DEPTH %ld\n", i, row_long(r, PR_DEPTH));
            ok(find(r, PR_CONTENT_COUNT) && find(r, PR_CONTENT_UNREAD), "heading %lu lacks the counts\n", i);
            if (!strcmp(row_str(r, PR_SENDER_NAME_A), "Alice"))
                ok(row_long(r, PR_CONTENT_COUNT) == 2 && row_long(r, PR_CONTENT_UNREAD) == 1,
                   "Alice: PR_CONTENT_COUNT %ld, PR_CONTENT_UNREAD %ld\n", row_long(r, PR_CONTENT_COUNT),
                   row_long(r, PR_CONTENT_UNREAD));
            if (!strcmp(row_str(r, PR_SENDER_NAME_A), "Bob"))
                ok(row_long(r, PR_CONTENT_COUNT) == 2 && row_long(r, PR_CONTENT_UNREAD) == 1,
                   "Bob: PR_CONTENT_COUNT %ld, PR_CONTENT_UNREAD %ld\n", row_long(r, PR_CONTENT_COUNT),
                   row_long(r, PR_CONTENT_UNREAD));
        }
        ok(n_head == 4 && n_leaf == 6, "%lu headings, %lu leaf rows\n", n_head, n_leaf);
        FreeProws(rows);
        rows = NULL;
    }
    if (!key_of(t, "[Alice]", &alice) || !key_of(t, "[Bob]", &bob) || !key_of(t, "[Carol]", &carol)) goto done;
    hr = t->lpVtbl->Advise(t, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn);
    ok(hr == S_OK, "Advise %#lx\n", hr);

    /* imapitable-collapserow.md: S_OK, the number of rows removed; a bookmark on a row collapsed
     * out of view moves to the next visible row (imapitable-seekrow.md: MAPI_W_POSITION_CHANGED) */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 2, NULL);    /* cherry */
    hr = t->lpVtbl->CreateBookmark(t, &bk);
    ok(hr == S_OK, "CreateBookmark %#lx\n", hr);
    hr = t->lpVtbl->CollapseRow(t, alice.cb, alice.b, 0, &count);
    ok(hr == S_OK && count == 2, "CollapseRow(Alice) %#lx, %lu rows\n", hr, count);
    ok(!strcmp(all_names(t), "[Alice],[Bob],banana,elder,[Carol],date,[<none>],fig"), "Alice collapsed: %s\n", all_names(t));
    hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
    ok(hr == MAPI_W_POSITION_CHANGED, "SeekRow(bookmark on a collapsed row) %#lx\n", hr);
    ok(!strcmp(read_names(t, 1, 0), "[Bob]"), "the bookmark of a collapsed row is not on the next visible row\n");
    t->lpVtbl->FreeBookmark(t, bk);
    /* pidtagrowtype: a collapsed heading */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (t->lpVtbl->QueryRows(t, 1, 0, &rows) == S_OK && rows->cRows)
        ok(row_long(&rows->aRow[0], PR_ROW_TYPE) == TBL_COLLAPSED_CATEGORY, "collapsed heading PR_ROW_TYPE %ld\n",
           row_long(&rows->aRow[0], PR_ROW_TYPE));
    if (rows) FreeProws(rows);
    rows = NULL;
    /* imapitable-collapserow.md: an instance key of no row: MAPI_E_NOT_FOUND or
     * MAPI_E_INVALID_ENTRYID; imapitable-expandrow.md: MAPI_E_NOT_FOUND */
    hr = t->lpVtbl->CollapseRow(t, 4, (BYTE *)"none", 0, &count);
    ok(hr == MAPI_E_NOT_FOUND || hr == MAPI_E_INVALID_ENTRYID, "CollapseRow(unknown key) %#lx\n", hr);
    hr = t->lpVtbl->ExpandRow(t, 4, (BYTE *)"none", 0, 0, NULL, &more);
    ok(hr == MAPI_E_NOT_FOUND, "ExpandRow(unknown key) %#lx\n", hr);

    /* imapitable-expandrow.md: up to ulRowCount rows, *lpulMoreRows all the rows added, the
     * cursor after the last row returned */
    hr = t->lpVtbl->ExpandRow(t, alice.cb, alice.b, 1, 0, &rows, &more);
    ok(hr == S_OK && rows && rows->cRows == 1 && more == 2, "ExpandRow(Alice, 1) %#lx, %lu rows, %lu added\n",
       hr, rows ? rows->cRows : 99, more);
    if (rows && rows->cRows) ok(!strcmp(row_str(&rows->aRow[0], PR_SUBJECT_A), "apple"), "ExpandRow's row\n");
    if (rows) FreeProws(rows);
    rows = NULL;
    ok(!strcmp(read_names(t, 1, 0), "cherry"), "the cursor after ExpandRow is not after the row returned\n");
    /* ulRowCount zero (lppRows may be NULL): the cursor on the row following the heading */
    hr = t->lpVtbl->CollapseRow(t, alice.cb, alice.b, 0, &count);
    t->lpVtbl->SeekRow(t, BOOKMARK_END, 0, NULL);
    hr = t->lpVtbl->ExpandRow(t, alice.cb, alice.b, 0, 0, NULL, &more);
    ok(hr == S_OK && more == 2, "ExpandRow(Alice, 0) %#lx, %lu added\n", hr, more);
    ok(!strcmp(read_names(t, 1, 0), "apple"), "the cursor after ExpandRow(0) is not after the heading\n");
    /* no rows to add (already expanded): the cursor on the row following the heading */
    t->lpVtbl->SeekRow(t, BOOKMARK_END, 0, NULL);
    hr = t->lpVtbl->ExpandRow(t, bob.cb, bob.b, 10, 0, &rows, &more);
    ok(hr == S_OK && rows && rows->cRows == 0, "ExpandRow(expanded Bob) %#lx, %lu rows\n", hr, rows ? rows->cRows : 99);
    if (rows) FreeProws(rows);
    rows = NULL;
    ok(!strcmp(read_names(t, 1, 0), "banana"), "the cursor after ExpandRow of an expanded category is not after the heading\n");
    /* imapitable-expandrow.md, imapitable-collapserow.md, about-table-notifications.md: no
     * notification for a change of category state */
    wt_pump(200);
    ok(s.n == 0, "%ld notifications after CollapseRow/ExpandRow\n", s.n);

    /* imapitable-getcollapsestate.md / -setcollapsestate.md: the state comes back, with a
     * bookmark on the row of the instance key */
    hr = t->lpVtbl->CollapseRow(t, alice.cb, alice.b, 0, &count);
    lstrcpynA(saved, all_names(t), sizeof(saved));
    if (key_of(t, "elder", &leaf))
    {
        hr = t->lpVtbl->GetCollapseState(t, 0, leaf.cb, leaf.b, &cb_state, &state);
        ok(hr == S_OK && state && cb_state, "GetCollapseState %#lx\n", hr);
    }
    t->lpVtbl->ExpandRow(t, alice.cb, alice.b, 0, 0, NULL, &more);
    t->lpVtbl->CollapseRow(t, carol.cb, carol.b, 0, &count);
    if (state)
    {
        hr = t->lpVtbl->SetCollapseState(t, 0, cb_state, state, &bk);
        ok(hr == S_OK, "SetCollapseState %#lx\n", hr);
        ok(!strcmp(all_names(t), saved), "after SetCollapseState %s, expected %s\n", all_names(t), saved);
        if (hr == S_OK)
        {
            hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
            ok(hr == S_OK && !strcmp(read_names(t, 1, 0), "elder"), "SetCollapseState's bookmark %#lx\n", hr);
            t->lpVtbl->FreeBookmark(t, bk);
        }
        MAPIFreeBuffer(state);
    }

    /* about-table-notifications.md: no notification for a row in a collapsed category */
    hr = t->lpVtbl->CollapseRow(t, alice.cb, alice.b, 0, &count);
    wt_pump(100);
    from = s.n;
    new_message(f, "avocado", "Alice", FALSE, 1, &eid);
    sink_wait(&s, from + 1);
    ok(sink_find(&s, from, TABLE_ROW_ADDED) == NULL, "TABLE_ROW_ADDED for a row of a collapsed category\n");
    if (eid.lpb) delete_message(f, &eid);
    sink_wait(&s, s.n + 1);
    t->lpVtbl->Unadvise(t, conn);
    conn = 0;

    /* ssortorderset.md: cExpanded 0: only the top-level headings */
    hr = sort3(t, 2, 1, 0, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);
    ok(hr == S_OK && !strcmp(all_names(t), "[Alice],[Bob],[Carol],[<none>]"), "cExpanded 0 %#lx: %s\n", hr, all_names(t));
    ok(row_count(t) == 4, "GetRowCount with every category collapsed %lu\n", row_count(t));
    /* ssortorderset.md: cExpanded = cCategories - 1: every heading, no leaf row; two levels:
     * pidtagdepth 0 and 1 */
    hr = sort3(t, 3, 2, 1, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_IMPORTANCE, TABLE_SORT_ASCEND, PR_SUBJECT_A,
               TABLE_SORT_ASCEND);
    ok(hr == S_OK, "SortTable(2 categories, 1 expanded) %#lx\n", hr);
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (t->lpVtbl->QueryRows(t, 100, 0, &rows) == S_OK)
    {
        ULONG depth1 = 0, leaves = 0;
        for (i = 0; i < rows->cRows; i++)
        {
            LONG type = row_long(&rows->aRow[i], PR_ROW_TYPE), depth = row_long(&rows->aRow[i], PR_DEPTH);
            if (type == TBL_LEAF_ROW) leaves++;
            else if (depth == 1)
            {
                depth1++;
                ok(type == TBL_COLLAPSED_CATEGORY, "second-level heading PR_ROW_TYPE %ld\n", type);
            }
            else ok(depth == 0 && type == TBL_EXPANDED_CATEGORY, "top heading: depth %ld, type %ld\n", depth, type);
        }
        /* Alice 0,2 - Bob 1 - Carol 3 - none 2: 5 second-level headings */
        ok(rows->cRows == 9 && depth1 == 5 && leaves == 0, "%lu rows, %lu second-level headings, %lu leaves\n",
           rows->cRows, depth1, leaves);
        FreeProws(rows);
        rows = NULL;
    }
    /* cExpanded = cCategories: fully expanded */
    hr = sort3(t, 3, 2, 2, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_IMPORTANCE, TABLE_SORT_ASCEND, PR_SUBJECT_A,
               TABLE_SORT_ASCEND);
    ok(hr == S_OK && row_count(t) == 15, "fully expanded %#lx: %lu rows\n", hr, row_count(t));

    /* ssortorder.md: TABLE_SORT_CATEG_MAX orders the categories by the maximum of the column
     * over their data rows: Bob (1), Alice (2), Carol (3) */
    {
        SRestriction r;
        r.rt = RES_EXIST;
        r.res.resExist.ulPropTag = PR_SENDER_NAME_A;
        r.res.resExist.ulReserved1 = r.res.resExist.ulReserved2 = 0;
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK, "Restrict(EXIST sender) %#lx\n", hr);
        hr = sort3(t, 3, 2, 0, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_IMPORTANCE, TABLE_SORT_CATEG_MAX,
                   PR_SUBJECT_A, TABLE_SORT_ASCEND);
        ok(hr == S_OK, "SortTable(CATEG_MAX) %#lx\n", hr);
        ok(!strcmp(all_names(t), "[Bob],[Alice],[Carol]"), "categories by their maximum importance: %s\n", all_names(t));
        hr = t->lpVtbl->Restrict(t, NULL, 0);
    }
    /* imapitable-querysortorder.md */
    {
        SSortOrderSet *so = NULL;
        hr = t->lpVtbl->QuerySortOrder(t, &so);
        ok(hr == S_OK && so && so->cSorts == 3 && so->cCategories == 2 && so->cExpanded == 0
           && so->aSort[1].ulOrder == TABLE_SORT_CATEG_MAX, "QuerySortOrder of a categorized view %#lx\n", hr);
        MAPIFreeBuffer(so);
    }

    /* pidtagrowtype: "A category only exists when it has items" */
    hr = sort3(t, 2, 1, 1, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);
    new_message(f, "kiwi", "Kim", FALSE, 0, &eid);
    wt_pump(100);
    ok(strstr(all_names(t), "[Kim],kiwi") != NULL, "no category for a new sender: %s\n", all_names(t));
    if (eid.lpb) delete_message(f, &eid);
    wt_pump(100);
    ok(strstr(all_names(t), "[Kim]") == NULL, "a category without rows stays: %s\n", all_names(t));
done:
    if (conn) t->lpVtbl->Unadvise(t, conn);
    t->lpVtbl->Release(t);
}

/* ---- hierarchy tables -------------------------------------------------------------------- */

/* Every row of a hierarchy table as "name:depth,...". */
static const char *folder_names(IMAPITable *t)
{
    static char buf[512];
    SRowSet *rows = NULL;
    ULONG i;

    buf[0] = 0;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (FAILED(t->lpVtbl->QueryRows(t, 100, 0, &rows))) return "QueryRows failed";
    for (i = 0; i < rows->cRows; i++)
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s:%ld", i ? "," : "",
                 row_str(&rows->aRow[i], PR_DISPLAY_NAME_A), row_long(&rows->aRow[i], PR_DEPTH));
    FreeProws(rows);
    return buf;
}

static void hier_key(IMAPITable *t, const char *name, ikey *k)
{
    SRowSet *rows = NULL;
    ULONG i;

    k->cb = 0;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (FAILED(t->lpVtbl->QueryRows(t, 100, 0, &rows))) return;
    for (i = 0; i < rows->cRows; i++)
        if (!strcmp(row_str(&rows->aRow[i], PR_DISPLAY_NAME_A), name)) row_key(&rows->aRow[i], k);
    FreeProws(rows);
}

static void test_hierarchy(IMAPIFolder *top)
{
    static const ULONG cols[] = {PR_DISPLAY_NAME_A, PR_DEPTH, PR_INSTANCE_KEY, PR_ENTRYID};
    IMAPIFolder *h = NULL, *a = NULL, *b = NULL, *g = NULL, *n = NULL, *e2 = NULL;
    IMAPITable *t = NULL, *t2 = NULL;
    SPropTagArray *list = NULL;
    SPropValue *pv = NULL;
    SRestriction r, sub;
    SPropValue v;
    BOOKMARK bk;
    ULONG conn = 0, cnt = 0, i;
    sink s;
    LONG from;
    HRESULT hr;

    wt_context("hierarchy table");
    sink_init(&s);
    if (!(h = wt_new_folder(top, "H"))) return;
    b = wt_new_folder(h, "Beta");
    a = wt_new_folder(h, "Alpha");
    g = a ? wt_new_folder(a, "Gamma") : NULL;
    hr = h->lpVtbl->GetHierarchyTable(h, CONVENIENT_DEPTH, &t);
    if (!ok(hr == S_OK && t, "GetHierarchyTable(CONVENIENT_DEPTH) %#lx\n", hr)) goto done;
    set_columns(t, ARRAYSIZE(cols), cols);
    ok(row_count(t) == 3, "hierarchy rows %lu\n", row_count(t));
    ok(!strcmp(folder_names(t), "Beta:0,Alpha:0,Gamma:1"), "CONVENIENT_DEPTH rows: %s\n", folder_names(t));
    /* hierarchy-tables.md / pidtagdepth: relative to the folder of the table, zero at the top */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    {
        SRowSet *rows = NULL;
        if (t->lpVtbl->QueryRows(t, 10, 0, &rows) == S_OK)
        {
            for (i = 0; i < rows->cRows; i++)
            {
                const char *name = row_str(&rows->aRow[i], PR_DISPLAY_NAME_A);
                LONG depth = row_long(&rows->aRow[i], PR_DEPTH);
                ok(depth == (strcmp(name, "Gamma") ? 0 : 1), "%s: PR_DEPTH %ld\n", name, depth);
                ok(find(&rows->aRow[i], PR_INSTANCE_KEY) != NULL, "%s: no PR_INSTANCE_KEY\n", name);
            }
            FreeProws(rows);
        }
    }
    /* the IMAPITable methods: FindRow, bookmarks, SeekRowApprox, QueryPosition */
    prop_res(&r, &v, RELOP_EQ, PR_DISPLAY_NAME_A, "Beta");
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
    ok(hr == S_OK, "FindRow(Beta) %#lx\n", hr);
    hr = t->lpVtbl->CreateBookmark(t, &bk);
    ok(hr == S_OK, "CreateBookmark %#lx\n", hr);
    t->lpVtbl->SeekRowApprox(t, 1, 1);
    hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
    ok(hr == S_OK, "SeekRow(bookmark) %#lx\n", hr);
    {
        SRowSet *rows = NULL;
        if (t->lpVtbl->QueryRows(t, 1, 0, &rows) == S_OK)
        {
            ok(rows->cRows == 1 && !strcmp(row_str(&rows->aRow[0], PR_DISPLAY_NAME_A), "Beta"), "bookmark's row\n");
            FreeProws(rows);
        }
    }
    ok(t->lpVtbl->FreeBookmark(t, bk) == S_OK, "FreeBookmark\n");
    ok(t->lpVtbl->FreeBookmark(t, bk) == MAPI_E_INVALID_BOOKMARK, "FreeBookmark twice\n");
    /* ssubrestriction.md: a table without sub-objects: MAPI_E_TOO_COMPLEX */
    sub.rt = RES_EXIST;
    sub.res.resExist.ulPropTag = PR_DISPLAY_NAME_A;
    sub.res.resExist.ulReserved1 = sub.res.resExist.ulReserved2 = 0;
    r.rt = RES_SUBRESTRICTION;
    r.res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS;
    r.res.resSub.lpRes = &sub;
    hr = t->lpVtbl->Restrict(t, &r, 0);
    ok(hr == MAPI_E_TOO_COMPLEX, "Restrict(RES_SUBRESTRICTION) on a hierarchy table %#lx\n", hr);

    /* table_notification.md: a new folder is TABLE_ROW_ADDED with its instance key; a deleted
     * one TABLE_ROW_DELETED */
    hr = t->lpVtbl->Advise(t, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn);
    ok(hr == S_OK && conn, "Advise %#lx\n", hr);
    from = s.n;
    n = wt_new_folder(h, "Delta");
    sink_wait(&s, from + 1);
    {
        const event *e = sink_find(&s, from, TABLE_ROW_ADDED);
        SRowSet *rows = NULL;
        ikey dk = {0};
        t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
        if (t->lpVtbl->QueryRows(t, 10, 0, &rows) == S_OK)
        {
            for (i = 0; i < rows->cRows; i++)
                if (!strcmp(row_str(&rows->aRow[i], PR_DISPLAY_NAME_A), "Delta")) row_key(&rows->aRow[i], &dk);
            FreeProws(rows);
        }
        if (ok(e != NULL, "no TABLE_ROW_ADDED for a new folder\n"))
            ok(dk.cb && same_key(&dk, e->index.cb, e->index.b), "ROW_ADDED propIndex is not the folder row's key\n");
        if (n && dk.cb)
        {
            SPropValue *id = NULL;
            if (HrGetOneProp((IMAPIProp *)n, PR_ENTRYID, &id) == S_OK)
            {
                n->lpVtbl->Release(n);
                n = NULL;
                from = s.n;
                hr = h->lpVtbl->DeleteFolder(h, id->Value.bin.cb, (ENTRYID *)id->Value.bin.lpb, 0, NULL, 0);
                ok(hr == S_OK, "DeleteFolder %#lx\n", hr);
                sink_wait(&s, from + 1);
                e = sink_find(&s, from, TABLE_ROW_DELETED);
                if (ok(e != NULL, "no TABLE_ROW_DELETED for a deleted folder\n"))
                    ok(same_key(&dk, e->index.cb, e->index.b) && e->prior_tag == PR_NULL,
                       "ROW_DELETED: propIndex not the row's key or propPrior %#lx\n", e->prior_tag);
                MAPIFreeBuffer(id);
            }
        }
    }
    /* a subfolder appears below its parent, after the parent's other subfolders
     * (hierarchy-tables.md: PR_DEPTH shows the tree; the rows are the tree's) */
    from = s.n;
    e2 = a ? wt_new_folder(a, "Epsilon") : NULL;
    sink_wait(&s, from + 1);
    ok(!strcmp(folder_names(t), "Beta:0,Alpha:0,Gamma:1,Epsilon:1"), "rows after a new subfolder: %s\n", folder_names(t));
    {
        const event *e = sink_find(&s, from, TABLE_ROW_ADDED);
        ikey gk = {0};
        hier_key(t, "Gamma", &gk);
        if (ok(e != NULL, "no TABLE_ROW_ADDED for a new subfolder\n"))
            ok(e->prior_tag == PR_INSTANCE_KEY && same_key(&gk, e->prior.cb, e->prior.b),
               "ROW_ADDED of a subfolder: propPrior %#lx is not the row before it\n", e->prior_tag);
    }
    t->lpVtbl->Unadvise(t, conn);

    /* hierarchy-tables.md: also through OpenProperty(PR_CONTAINER_HIERARCHY, IID_IMAPITable),
     * which GetPropList lists and GetProps does not return */
    hr = h->lpVtbl->OpenProperty(h, PR_CONTAINER_HIERARCHY, &iid_table, 0, 0, (IUnknown **)&t2);
    ok(hr == S_OK && t2, "OpenProperty(PR_CONTAINER_HIERARCHY) %#lx\n", hr);
    if (t2)
    {
        ok(row_count(t2) == 2, "OpenProperty's hierarchy table: %lu rows\n", row_count(t2));
        t2->lpVtbl->Release(t2);
        t2 = NULL;
    }
    hr = h->lpVtbl->GetPropList(h, 0, &list);
    if (ok(hr == S_OK && list, "GetPropList %#lx\n", hr))
    {
        BOOL hier = FALSE, cont = FALSE;
        for (i = 0; i < list->cValues; i++)
        {
            if (list->aulPropTag[i] == PR_CONTAINER_HIERARCHY) hier = TRUE;
            if (list->aulPropTag[i] == PR_CONTAINER_CONTENTS) cont = TRUE;
        }
        ok(hier, "GetPropList lacks PR_CONTAINER_HIERARCHY\n");
        ok(cont, "GetPropList lacks PR_CONTAINER_CONTENTS\n");
        MAPIFreeBuffer(list);
    }
    {
        SizedSPropTagArray(1, one) = {1, {PR_CONTAINER_HIERARCHY}};
        hr = h->lpVtbl->GetProps(h, (SPropTagArray *)&one, 0, &cnt, &pv);
        ok(pv && cnt == 1 && PROP_TYPE(pv[0].ulPropTag) == PT_ERROR, "GetProps(PR_CONTAINER_HIERARCHY) %#lx, tag %#lx\n",
           hr, pv ? pv[0].ulPropTag : 0);
        MAPIFreeBuffer(pv);
    }
    /* contents-tables.md: the contents table through OpenProperty(PR_CONTAINER_CONTENTS) */
    hr = h->lpVtbl->OpenProperty(h, PR_CONTAINER_CONTENTS, &iid_table, 0, 0, (IUnknown **)&t2);
    ok(hr == S_OK && t2, "OpenProperty(PR_CONTAINER_CONTENTS) %#lx\n", hr);
    if (t2) t2->lpVtbl->Release(t2);

    /* handling-message-store-notification.md: deleting a folder deletes the folders below it
     * too; a CONVENIENT_DEPTH table drops all their rows (TABLE_ROW_DELETED for each) */
    if (a && t->lpVtbl->Advise(t, fnevTableModified, &s.IMAPIAdviseSink_iface, &conn) == S_OK)
    {
        SPropValue *id = NULL;
        LONG deleted = 0, k;
        from = s.n;
        if (HrGetOneProp((IMAPIProp *)a, PR_ENTRYID, &id) == S_OK)
        {
            hr = h->lpVtbl->DeleteFolder(h, id->Value.bin.cb, (ENTRYID *)id->Value.bin.lpb, 0, NULL,
                                         DEL_FOLDERS | DEL_MESSAGES);
            ok(hr == S_OK, "DeleteFolder(Alpha, DEL_FOLDERS) %#lx\n", hr);
            MAPIFreeBuffer(id);
        }
        sink_wait(&s, from + 3);
        for (k = from; k < s.n; k++) deleted += s.ev[k].table_event == TABLE_ROW_DELETED;
        ok(deleted == 3, "%ld TABLE_ROW_DELETED for a folder with two subfolders\n", deleted);
        ok(!strcmp(folder_names(t), "Beta:0"), "CONVENIENT_DEPTH rows after the delete: %s\n", folder_names(t));
        t->lpVtbl->Unadvise(t, conn);
    }
done:
    if (t) t->lpVtbl->Release(t);
    if (n) n->lpVtbl->Release(n);
    if (e2) e2->lpVtbl->Release(e2);
    if (g) g->lpVtbl->Release(g);
    if (a) a->lpVtbl->Release(a);
    if (b) b->lpVtbl->Release(b);
    h->lpVtbl->Release(h);
}

/* ---- the program ------------------------------------------------------------------------- */

static void run_pass(IMAPIFolder *top, BOOL memory)
{
    IMAPIFolder *f = wt_new_folder(top, memory ? "Held in memory" : "Paging");
    ULONG i;

    if (!f) return;
    in_memory = memory;
    for (i = 0; i < ARRAYSIZE(msgs); i++)
        new_message(f, msgs[i].subject, msgs[i].sender, msgs[i].read, msgs[i].importance, NULL);
    test_columns(f);
    test_cursor(f);
    test_bookmarks(f);
    test_findrow(f);
    test_sort_restrict(f);
    test_notifications(f);
    test_categories(f);
    f->lpVtbl->Release(f);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    IMAPIFolder *ipm, *top;
    wt_profile p;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, "tandem-wt-table-docs"))
    {
        if (wt_store_open(&p, &session, &mdb) && (ipm = wt_open_folder(mdb, PR_IPM_SUBTREE_ENTRYID)))
        {
            if ((top = wt_new_folder(ipm, "Table docs")))
            {
                run_pass(top, FALSE);
                run_pass(top, TRUE);
                test_hierarchy(top);
                top->lpVtbl->Release(top);
            }
            ipm->lpVtbl->Release(ipm);
        }
        wt_store_close(&session, &mdb);
        wt_profile_delete(admin, &p);
    }
    wt_check_all_released((IUnknown *)admin);
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();
}
