/*
 * test_tables.c - every kind of MAPI table through the public API (issue 4 points 3 and 4):
 * folder hierarchy tables (PR_DEPTH, CONVENIENT_DEPTH, MAPI_UNICODE), contents tables normal and
 * associated (required columns, SetColumns/QueryColumns, sorts, every restriction type, seeking,
 * bookmarks, FindRow, categories), recipient, attachment and receive folder tables, and the
 * tables MAPI itself keeps: message stores, providers, message services, profiles, status.
 * Pages: hierarchy-tables.md, contents-tables.md, recipient-tables.md, attachment-tables.md,
 * receive-folder-tables.md, message-store-tables.md, provider-tables.md, profile-tables.md,
 * status-tables.md, message-service-tables.md, imapitable-*.md, pidtagdepth-canonical-property.md,
 * imapicontainer-getcontentstable.md, imapicontainer-gethierarchytable.md.
 */
#include "wtest.h"
#include "wtmapi.h"

/* IID_IMAPITable (mapiguid.h); mapi32 exports no IIDs to link against */
static const IID iid_table = {0x00020301, 0, 0, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};

#ifndef PR_ROW_TYPE
#define PR_ROW_TYPE PROP_TAG(PT_LONG, 0x0FF5)
#endif

static IMAPISession *session;
static IMsgStore *mdb;

/* ---- helpers ----------------------------------------------------------------------------- */

static const SPropValue *find(const SRow *row, ULONG tag)
{
    return PpropFindProp(row->lpProps, row->cValues, tag);
}

/* The PT_STRING8 or PT_UNICODE value of the row's property `id` as ANSI (static buffer). */
static const char *row_str(const SRow *row, ULONG id)
{
    static char buf[4][256];
    static int which;
    const SPropValue *v;
    char *b = buf[which++ & 3];
    b[0] = 0;
    if ((v = find(row, PROP_TAG(PT_STRING8, id)))) lstrcpynA(b, v->Value.lpszA, 256);
    else if ((v = find(row, PROP_TAG(PT_UNICODE, id))))
        WideCharToMultiByte(CP_ACP, 0, v->Value.lpszW, -1, b, 256, NULL, NULL);
    else lstrcpyA(b, "<none>");
    return b;
}

static LONG row_long(const SRow *row, ULONG tag)
{
    const SPropValue *v = find(row, tag);
    return v ? v->Value.l : -12345;
}

/* All rows from the cursor on, as "a,b,c" of the property `id` (static buffer). */
static const char *names(IMAPITable *t, ULONG id)
{
    static char buf[1024];
    SRowSet *rows = NULL;
    ULONG i;
    HRESULT hr = t->lpVtbl->QueryRows(t, 100, 0, &rows);

    buf[0] = 0;
    if (FAILED(hr)) { sprintf(buf, "QueryRows failed %#lx", hr); return buf; }
    for (i = 0; i < rows->cRows; i++)
    {
        if (i) lstrcatA(buf, ",");
        lstrcatA(buf, row_str(&rows->aRow[i], id));
    }
    FreeProws(rows);
    return buf;
}

/* The whole table from the beginning, as names(). */
static const char *all_names(IMAPITable *t, ULONG id)
{
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    return names(t, id);
}

static BOOL has_column(const SPropTagArray *cols, ULONG tag)
{
    ULONG i;
    for (i = 0; i < cols->cValues; i++)
        if (PROP_TYPE(tag) == PT_UNSPECIFIED ? PROP_ID(cols->aulPropTag[i]) == PROP_ID(tag)
                                              : cols->aulPropTag[i] == tag)
            return TRUE;
    return FALSE;
}

/* Every tag of `required` (PT_UNSPECIFIED: any type) is in the table's default column set and
 * in TBL_ALL_COLUMNS. */
static void check_required(IMAPITable *t, const char *what, ULONG n, const ULONG *required)
{
    SPropTagArray *cols = NULL, *all = NULL;
    HRESULT hr;
    ULONG i;

    hr = t->lpVtbl->QueryColumns(t, 0, &cols);
    if (!ok(hr == S_OK && cols, "%s: QueryColumns(0) %#lx\n", what, hr)) return;
    hr = t->lpVtbl->QueryColumns(t, TBL_ALL_COLUMNS, &all);
    ok(hr == S_OK && all, "%s: QueryColumns(TBL_ALL_COLUMNS) %#lx\n", what, hr);
    for (i = 0; i < n; i++)
    {
        ok(has_column(cols, required[i]), "%s: required column %#lx not in the default column set\n",
           what, required[i]);
        if (all) ok(has_column(all, required[i]), "%s: required column %#lx not in TBL_ALL_COLUMNS\n",
                    what, required[i]);
    }
    MAPIFreeBuffer(cols);
    MAPIFreeBuffer(all);
}

/* The string type of column `id` in the default set: PT_UNICODE, PT_STRING8 or 0. */
static ULONG string_type(IMAPITable *t, ULONG id)
{
    SPropTagArray *cols = NULL;
    ULONG i, type = 0;
    if (FAILED(t->lpVtbl->QueryColumns(t, 0, &cols))) return 0;
    for (i = 0; i < cols->cValues; i++)
        if (PROP_ID(cols->aulPropTag[i]) == id) type = PROP_TYPE(cols->aulPropTag[i]);
    MAPIFreeBuffer(cols);
    return type;
}

static ULONG row_count(IMAPITable *t)
{
    ULONG n = ~0u;
    HRESULT hr = t->lpVtbl->GetRowCount(t, 0, &n);
    ok(hr == S_OK, "GetRowCount %#lx\n", hr);
    return n;
}

static BOOL save_message(IMAPIFolder *f, ULONG flags, ULONG n, SPropValue *props)
{
    IMessage *m = NULL;
    HRESULT hr = f->lpVtbl->CreateMessage(f, NULL, flags, &m);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return FALSE;
    hr = m->lpVtbl->SetProps(m, n, props, NULL);
    ok(hr == S_OK, "SetProps %#lx\n", hr);
    hr = m->lpVtbl->SaveChanges(m, 0);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);
    m->lpVtbl->Release(m);
    return hr == S_OK;
}

/* ---- hierarchy tables -------------------------------------------------------------------- */

static void test_hierarchy(IMAPIFolder *top)
{
    static const ULONG required[] = {PROP_TAG(PT_UNSPECIFIED, 0x3004) /* PR_COMMENT */, PR_DEPTH,
        PROP_TAG(PT_UNSPECIFIED, 0x3001) /* PR_DISPLAY_NAME */, PR_DISPLAY_TYPE, PR_ENTRYID,
        PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_STATUS, PR_FOLDER_TYPE, PR_SUBFOLDERS, PR_CONTENT_COUNT,
        PR_CONTENT_UNREAD};
    IMAPIFolder *h, *alpha, *beta, *gamma, *delta, *opened = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SPropValue p[2];
    ULONG i, type;
    HRESULT hr;

    wt_context("hierarchy tables");
    if (!(h = wt_new_folder(top, "H"))) return;
    beta = wt_new_folder(h, "Beta");
    alpha = wt_new_folder(h, "Alpha");
    gamma = alpha ? wt_new_folder(alpha, "Gamma") : NULL;
    delta = gamma ? wt_new_folder(gamma, "Delta") : NULL;
    if (beta)
    {
        p[0].ulPropTag = PR_SUBJECT_A;
        p[0].Value.lpszA = (char *)"in beta";
        p[1].ulPropTag = PR_MESSAGE_FLAGS;
        p[1].Value.l = 0;
        save_message(beta, 0, 2, p);
    }

    /* immediate children only, PR_DEPTH 0 (zero-based, relative to the folder: pidtagdepth) */
    hr = h->lpVtbl->GetHierarchyTable(h, 0, &t);
    if (ok(hr == S_OK && t, "GetHierarchyTable(0) %#lx\n", hr))
    {
        check_required(t, "hierarchy", ARRAYSIZE(required), required);
        ok(string_type(t, 0x3001) == PT_STRING8, "without MAPI_UNICODE PR_DISPLAY_NAME is of type %#lx\n",
           string_type(t, 0x3001));
        ok(row_count(t) == 2, "hierarchy table of H has %lu rows\n", row_count(t));
        hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
        ok(hr == S_OK && rows && rows->cRows == 2, "QueryRows %#lx\n", hr);
        for (i = 0; rows && i < rows->cRows; i++)
        {
            const SRow *r = &rows->aRow[i];
            const char *name = row_str(r, 0x3001);
            const SPropValue *eid = find(r, PR_ENTRYID);
            ok(row_long(r, PR_DEPTH) == 0, "%s: PR_DEPTH %ld\n", name, row_long(r, PR_DEPTH));
            ok(row_long(r, PR_OBJECT_TYPE) == MAPI_FOLDER, "%s: PR_OBJECT_TYPE %ld\n", name, row_long(r, PR_OBJECT_TYPE));
            ok(row_long(r, PR_FOLDER_TYPE) == FOLDER_GENERIC, "%s: PR_FOLDER_TYPE %ld\n", name, row_long(r, PR_FOLDER_TYPE));
            ok(find(r, PR_INSTANCE_KEY) != NULL, "%s: no PR_INSTANCE_KEY\n", name);
            if (!strcmp(name, "Alpha"))
            {
                ok(row_long(r, PR_SUBFOLDERS) == TRUE, "Alpha: PR_SUBFOLDERS %ld\n", row_long(r, PR_SUBFOLDERS));
                ok(row_long(r, PR_CONTENT_COUNT) == 0, "Alpha: PR_CONTENT_COUNT %ld\n", row_long(r, PR_CONTENT_COUNT));
            }
            else if (ok(!strcmp(name, "Beta"), "unexpected row %s\n", name))
            {
                ok(row_long(r, PR_SUBFOLDERS) == FALSE, "Beta: PR_SUBFOLDERS %ld\n", row_long(r, PR_SUBFOLDERS));
                ok(row_long(r, PR_CONTENT_COUNT) == 1, "Beta: PR_CONTENT_COUNT %ld\n", row_long(r, PR_CONTENT_COUNT));
                ok(row_long(r, PR_CONTENT_UNREAD) == 1, "Beta: PR_CONTENT_UNREAD %ld\n", row_long(r, PR_CONTENT_UNREAD));
            }
            /* PR_ENTRYID is long-term and opens the folder */
            if (ok(eid != NULL, "%s: no PR_ENTRYID\n", name))
            {
                hr = mdb->lpVtbl->OpenEntry(mdb, eid->Value.bin.cb, (ENTRYID *)eid->Value.bin.lpb, NULL, 0,
                                            &type, (IUnknown **)&opened);
                ok(hr == S_OK && type == MAPI_FOLDER, "%s: OpenEntry of the row's PR_ENTRYID %#lx\n", name, hr);
                if (opened)
                {
                    SPropValue *dn = NULL;
                    if (HrGetOneProp((IMAPIProp *)opened, PR_DISPLAY_NAME_A, &dn) == S_OK)
                        ok(!strcmp(dn->Value.lpszA, name), "row %s opened folder %s\n", name, dn->Value.lpszA);
                    MAPIFreeBuffer(dn);
                    opened->lpVtbl->Release(opened);
                    opened = NULL;
                }
            }
        }
        if (rows) FreeProws(rows);
        rows = NULL;
        t->lpVtbl->Release(t);
        t = NULL;
    }

    /* MAPI_UNICODE: string columns in Unicode (imapicontainer-gethierarchytable.md) */
    hr = h->lpVtbl->GetHierarchyTable(h, MAPI_UNICODE, &t);
    if (ok(hr == S_OK && t, "GetHierarchyTable(MAPI_UNICODE) %#lx\n", hr))
    {
        ok(string_type(t, 0x3001) == PT_UNICODE, "with MAPI_UNICODE PR_DISPLAY_NAME is of type %#lx\n",
           string_type(t, 0x3001));
        hr = t->lpVtbl->QueryRows(t, 1, 0, &rows);
        if (ok(hr == S_OK && rows && rows->cRows == 1, "QueryRows %#lx\n", hr))
            ok(find(&rows->aRow[0], PR_DISPLAY_NAME_W) != NULL, "the row has no PT_UNICODE display name\n");
        if (rows) FreeProws(rows);
        rows = NULL;
        t->lpVtbl->Release(t);
        t = NULL;
    }

    /* CONVENIENT_DEPTH: the whole subtree, each folder followed by its own subtree */
    hr = h->lpVtbl->GetHierarchyTable(h, CONVENIENT_DEPTH, &t);
    if (ok(hr == S_OK && t, "GetHierarchyTable(CONVENIENT_DEPTH) %#lx\n", hr))
    {
        ok(row_count(t) == 4, "the deep table has %lu rows\n", row_count(t));
        hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
        if (ok(hr == S_OK && rows && rows->cRows == 4, "QueryRows %#lx\n", hr))
        {
            char order[128] = "";
            for (i = 0; i < rows->cRows; i++)
            {
                char one[32];
                sprintf(one, "%s%s:%ld", i ? "," : "", row_str(&rows->aRow[i], 0x3001),
                        row_long(&rows->aRow[i], PR_DEPTH));
                lstrcatA(order, one);
            }
            ok(!strcmp(order, "Alpha:0,Gamma:1,Delta:2,Beta:0") || !strcmp(order, "Beta:0,Alpha:0,Gamma:1,Delta:2"),
               "deep hierarchy order and depths: %s\n", order);
        }
        if (rows) FreeProws(rows);
        rows = NULL;
        t->lpVtbl->Release(t);
        t = NULL;
    }

    /* the same table through OpenProperty(PR_CONTAINER_HIERARCHY) (hierarchy-tables.md) */
    hr = h->lpVtbl->OpenProperty(h, PR_CONTAINER_HIERARCHY, &iid_table, 0, 0, (IUnknown **)&t);
    if (ok(hr == S_OK && t, "OpenProperty(PR_CONTAINER_HIERARCHY) %#lx\n", hr))
    {
        ok(row_count(t) == 2, "OpenProperty's hierarchy table has %lu rows\n", row_count(t));
        t->lpVtbl->Release(t);
    }

    if (delta) delta->lpVtbl->Release(delta);
    if (gamma) gamma->lpVtbl->Release(gamma);
    if (alpha) alpha->lpVtbl->Release(alpha);
    if (beta) beta->lpVtbl->Release(beta);
    h->lpVtbl->Release(h);
}

/* ---- contents tables --------------------------------------------------------------------- */

/* Six messages (sorted by subject): subject, sender, importance, priority, read, conversation index size. */
static const struct { const char *subject, *sender; LONG importance, priority; BOOL read; ULONG cindex; } msgs[] =
{
    { "alpha",   "Carol", 2, 2, TRUE,  3 },
    { "bravo",   "Alice", 1, 0, FALSE, 10 },
    { "charlie", "Bob",   0, 0, TRUE,  0 },
    { "delta",   "Alice", 2, 1, FALSE, 0 },
    { "echo",    "Carol", 1, 1, FALSE, 0 },
    { "foxtrot", "Bob",   1, 0, TRUE,  0 },
};

static void fill_contents(IMAPIFolder *f)
{
    static BYTE cindex[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    SPropValue p[7];
    ULONG i, n;

    for (i = 0; i < ARRAYSIZE(msgs); i++)
    {
        n = 0;
        p[n].ulPropTag = PR_SUBJECT_A;        p[n++].Value.lpszA = (char *)msgs[i].subject;
        p[n].ulPropTag = PR_SENDER_NAME_A;    p[n++].Value.lpszA = (char *)msgs[i].sender;
        p[n].ulPropTag = PR_IMPORTANCE;       p[n++].Value.l = msgs[i].importance;
        p[n].ulPropTag = PR_PRIORITY;         p[n++].Value.l = msgs[i].priority;
        p[n].ulPropTag = PR_MESSAGE_FLAGS;    p[n++].Value.l = msgs[i].read ? MSGFLAG_READ : 0;
        p[n].ulPropTag = PR_MESSAGE_CLASS_A;  p[n++].Value.lpszA = (char *)"IPM.Note";
        if (msgs[i].cindex)
        {
            p[n].ulPropTag = PR_CONVERSATION_INDEX;
            p[n].Value.bin.cb = msgs[i].cindex;
            p[n++].Value.bin.lpb = cindex;
        }
        save_message(f, 0, n, p);
    }
}

static void sort_by(IMAPITable *t, ULONG tag1, ULONG order1, ULONG tag2, ULONG order2)
{
    SizedSSortOrderSet(2, s) = {tag2 ? 2 : 1, 0, 0, {{tag1, order1}, {tag2, order2}}};
    HRESULT hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&s, 0);
    ok(hr == S_OK, "SortTable(%#lx, %#lx) %#lx\n", tag1, tag2, hr);
}

static void check_restriction(IMAPITable *t, const char *what, SRestriction *res, const char *expected)
{
    HRESULT hr = t->lpVtbl->Restrict(t, res, 0);
    const char *got;
    if (!ok(hr == S_OK, "%s: Restrict %#lx\n", what, hr)) return;
    got = all_names(t, 0x0037);
    ok(!strcmp(got, expected), "%s: rows %s, expected %s\n", what, got, expected);
}

static void test_restrictions(IMAPITable *t)
{
    SRestriction r, sub[2], inner[2];
    SPropValue v[3];
    SPropValue subj;

    wt_context("contents table restrictions");
    sort_by(t, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);

    v[0].ulPropTag = PR_IMPORTANCE;
    v[0].Value.l = 1;
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE;
    r.res.resProperty.lpProp = &v[0];
    check_restriction(t, "PROPERTY importance == 1", &r, "bravo,echo,foxtrot");
    ok(row_count(t) == 3, "restricted row count %lu\n", row_count(t));
    r.res.resProperty.relop = RELOP_GE;
    check_restriction(t, "PROPERTY importance >= 1", &r, "alpha,bravo,delta,echo,foxtrot");

    /* NOT */
    r.res.resProperty.relop = RELOP_EQ;
    sub[0] = r;
    r.rt = RES_NOT;
    r.res.resNot.lpRes = &sub[0];
    check_restriction(t, "NOT importance == 1", &r, "alpha,charlie,delta");

    /* AND of a property and a CONTENT restriction */
    sub[0].res.resProperty.relop = RELOP_GE;
    subj.ulPropTag = PR_SUBJECT_A;
    subj.Value.lpszA = (char *)"A";
    sub[1].rt = RES_CONTENT;
    sub[1].res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
    sub[1].res.resContent.ulPropTag = PR_SUBJECT_A;
    sub[1].res.resContent.lpProp = &subj;
    r.rt = RES_AND;
    r.res.resAnd.cRes = 2;
    r.res.resAnd.lpRes = sub;
    check_restriction(t, "AND(importance >= 1, subject contains 'A' ignoring case)", &r, "alpha,bravo,delta");

    /* OR */
    v[1].ulPropTag = PR_SUBJECT_A;
    v[1].Value.lpszA = (char *)"charlie";
    inner[0].rt = RES_PROPERTY;
    inner[0].res.resProperty.relop = RELOP_EQ;
    inner[0].res.resProperty.ulPropTag = PR_SUBJECT_A;
    inner[0].res.resProperty.lpProp = &v[1];
    v[2].ulPropTag = PR_IMPORTANCE;
    v[2].Value.l = 2;
    inner[1].rt = RES_PROPERTY;
    inner[1].res.resProperty.relop = RELOP_EQ;
    inner[1].res.resProperty.ulPropTag = PR_IMPORTANCE;
    inner[1].res.resProperty.lpProp = &v[2];
    r.rt = RES_OR;
    r.res.resOr.cRes = 2;
    r.res.resOr.lpRes = inner;
    check_restriction(t, "OR(subject == charlie, importance == 2)", &r, "alpha,charlie,delta");

    /* CONTENT fuzzy levels */
    r = sub[1];
    subj.Value.lpszA = (char *)"ch";
    r.res.resContent.ulFuzzyLevel = FL_PREFIX;
    check_restriction(t, "CONTENT FL_PREFIX 'ch'", &r, "charlie");
    subj.Value.lpszA = (char *)"ECHO";
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING;
    check_restriction(t, "CONTENT FL_FULLSTRING 'ECHO'", &r, "");
    r.res.resContent.ulFuzzyLevel = FL_FULLSTRING | FL_IGNORECASE;
    check_restriction(t, "CONTENT FL_FULLSTRING|FL_IGNORECASE 'ECHO'", &r, "echo");
    subj.Value.lpszA = (char *)"rav";
    r.res.resContent.ulFuzzyLevel = FL_SUBSTRING;
    check_restriction(t, "CONTENT FL_SUBSTRING 'rav'", &r, "bravo");

    /* COMPAREPROPS importance > priority */
    r.rt = RES_COMPAREPROPS;
    r.res.resCompareProps.relop = RELOP_GT;
    r.res.resCompareProps.ulPropTag1 = PR_IMPORTANCE;
    r.res.resCompareProps.ulPropTag2 = PR_PRIORITY;
    check_restriction(t, "COMPAREPROPS importance > priority", &r, "bravo,delta,foxtrot");

    /* BITMASK on PR_MESSAGE_FLAGS */
    r.rt = RES_BITMASK;
    r.res.resBitMask.relBMR = BMR_EQZ;
    r.res.resBitMask.ulPropTag = PR_MESSAGE_FLAGS;
    r.res.resBitMask.ulMask = MSGFLAG_READ;
    check_restriction(t, "BITMASK MSGFLAG_READ == 0", &r, "bravo,delta,echo");
    r.res.resBitMask.relBMR = BMR_NEZ;
    check_restriction(t, "BITMASK MSGFLAG_READ != 0", &r, "alpha,charlie,foxtrot");

    /* EXIST and SIZE */
    r.rt = RES_EXIST;
    r.res.resExist.ulReserved1 = r.res.resExist.ulReserved2 = 0;
    r.res.resExist.ulPropTag = PR_CONVERSATION_INDEX;
    check_restriction(t, "EXIST PR_CONVERSATION_INDEX", &r, "alpha,bravo");
    r.rt = RES_SIZE;
    r.res.resSize.relop = RELOP_GT;
    r.res.resSize.ulPropTag = PR_CONVERSATION_INDEX;
    r.res.resSize.cb = 5;
    check_restriction(t, "SIZE PR_CONVERSATION_INDEX > 5", &r, "bravo");
    r.res.resSize.relop = RELOP_EQ;
    r.res.resSize.ulPropTag = PR_IMPORTANCE;
    r.res.resSize.cb = sizeof(LONG);
    check_restriction(t, "SIZE PR_IMPORTANCE == 4", &r, "alpha,bravo,charlie,delta,echo,foxtrot");

    /* COMMENT: its restriction applies, its properties are ignored */
    r.rt = RES_COMMENT;
    r.res.resComment.cValues = 1;
    r.res.resComment.lpProp = &v[1];
    r.res.resComment.lpRes = &inner[1];
    check_restriction(t, "COMMENT(importance == 2)", &r, "alpha,delta");

    check_restriction(t, "no restriction", NULL, "alpha,bravo,charlie,delta,echo,foxtrot");
}

static void test_seek_find(IMAPITable *t)
{
    SRestriction r;
    SPropValue v;
    SRowSet *rows = NULL;
    BOOKMARK bk = 0;
    LONG sought = 0;
    ULONG row = 0, num = 0, den = 0;
    HRESULT hr;

    wt_context("contents table seeking, bookmarks, FindRow");
    sort_by(t, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);
    hr = t->lpVtbl->QueryPosition(t, &row, &num, &den);
    ok(hr == S_OK && row == 0 && den != 0, "QueryPosition after SortTable %#lx row %lu den %lu\n", hr, row, den);

    hr = t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 2, &sought);
    ok(hr == S_OK && sought == 2, "SeekRow(BEGINNING, 2) %#lx sought %ld\n", hr, sought);
    hr = t->lpVtbl->QueryRows(t, 1, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == 1 && !strcmp(row_str(&rows->aRow[0], 0x0037), "charlie"),
       "the third row is %s\n", rows && rows->cRows ? row_str(&rows->aRow[0], 0x0037) : "missing");
    if (rows) FreeProws(rows);
    rows = NULL;
    hr = t->lpVtbl->QueryPosition(t, &row, &num, &den);
    ok(hr == S_OK && row == 3 && num * 6 == den * 3, "QueryPosition after reading row 2: %#lx %lu %lu/%lu\n", hr, row, num, den);

    hr = t->lpVtbl->SeekRow(t, BOOKMARK_END, -1, &sought);
    ok(hr == S_OK && sought == -1, "SeekRow(END, -1) %#lx sought %ld\n", hr, sought);
    ok(!strcmp(names(t, 0x0037), "foxtrot"), "after SeekRow(END, -1)\n");
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 100, &sought);
    ok(hr == S_OK && sought == 6, "SeekRow(BEGINNING, 100) %#lx sought %ld (clamped to the end)\n", hr, sought);
    hr = t->lpVtbl->SeekRow(t, BOOKMARK_CURRENT, -100, &sought);
    ok(hr == S_OK && sought == -6, "SeekRow(CURRENT, -100) %#lx sought %ld (clamped to the start)\n", hr, sought);

    /* QueryRows with a negative count reads the rows before the cursor */
    t->lpVtbl->SeekRow(t, BOOKMARK_END, 0, NULL);
    hr = t->lpVtbl->QueryRows(t, -2, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == 2, "QueryRows(-2) at the end %#lx\n", hr);
    if (rows && rows->cRows == 2)
    {
        const char *a = row_str(&rows->aRow[0], 0x0037), *b = row_str(&rows->aRow[1], 0x0037);
        ok((!strcmp(a, "echo") && !strcmp(b, "foxtrot")) || (!strcmp(a, "foxtrot") && !strcmp(b, "echo")),
           "QueryRows(-2) returned %s,%s\n", a, b);
    }
    if (rows) FreeProws(rows);
    rows = NULL;
    hr = t->lpVtbl->QueryRows(t, 0, 0, &rows);
    ok(hr == MAPI_E_INVALID_PARAMETER, "QueryRows(0) %#lx\n", hr);
    if (hr == S_OK && rows) FreeProws(rows);
    rows = NULL;

    /* SeekRowApprox: absolute, num/den of the table */
    hr = t->lpVtbl->SeekRowApprox(t, 1, 2);
    ok(hr == S_OK, "SeekRowApprox(1, 2) %#lx\n", hr);
    ok(!strcmp(names(t, 0x0037), "delta,echo,foxtrot"), "after SeekRowApprox(1, 2)\n");
    hr = t->lpVtbl->SeekRowApprox(t, 3, 3);
    ok(hr == S_OK, "SeekRowApprox(3, 3) %#lx\n", hr);
    hr = t->lpVtbl->QueryRows(t, 5, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == 0, "QueryRows after the last row %#lx, %lu rows\n", hr,
       rows ? rows->cRows : 99);
    if (rows) FreeProws(rows);
    rows = NULL;

    /* bookmarks */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 4, NULL);
    hr = t->lpVtbl->CreateBookmark(t, &bk);
    ok(hr == S_OK, "CreateBookmark %#lx\n", hr);
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 1, NULL);
    hr = t->lpVtbl->SeekRow(t, bk, 0, &sought);
    ok(hr == S_OK && sought == 0, "SeekRow(bookmark, 0) %#lx sought %ld\n", hr, sought);
    ok(!strcmp(names(t, 0x0037), "echo,foxtrot"), "the bookmark was on the fifth row\n");
    hr = t->lpVtbl->SeekRow(t, bk, -2, &sought);
    ok(hr == S_OK && sought == -2, "SeekRow(bookmark, -2) %#lx sought %ld\n", hr, sought);
    ok(!strcmp(names(t, 0x0037), "charlie,delta,echo,foxtrot"), "two rows before the bookmark\n");

    /* FindRow forward, backward, from a bookmark, on PR_INSTANCE_KEY */
    v.ulPropTag = PR_IMPORTANCE;
    v.Value.l = 1;
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_IMPORTANCE;
    r.res.resProperty.lpProp = &v;
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
    ok(hr == S_OK, "FindRow(importance 1, BEGINNING) %#lx\n", hr);
    ok(!strcmp(names(t, 0x0037), "bravo,charlie,delta,echo,foxtrot"), "FindRow forward positions on bravo\n");
    hr = t->lpVtbl->FindRow(t, &r, bk, 0);
    ok(hr == S_OK, "FindRow(importance 1, bookmark) %#lx\n", hr);
    ok(!strcmp(names(t, 0x0037), "echo,foxtrot"), "FindRow from the bookmark positions on echo\n");
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_END, DIR_BACKWARD);
    ok(hr == S_OK, "FindRow(importance 1, END, DIR_BACKWARD) %#lx\n", hr);
    ok(!strcmp(names(t, 0x0037), "foxtrot"), "FindRow backward positions on foxtrot\n");
    hr = t->lpVtbl->FindRow(t, &r, bk, DIR_BACKWARD);
    ok(hr == S_OK, "FindRow(importance 1, bookmark, DIR_BACKWARD) %#lx\n", hr);
    ok(!strcmp(names(t, 0x0037), "bravo,charlie,delta,echo,foxtrot"), "backward from the bookmark: bravo\n");
    v.Value.l = 7;
    hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
    ok(hr == MAPI_E_NOT_FOUND, "FindRow without a match %#lx\n", hr);

    /* on PR_INSTANCE_KEY (required: imapitable-findrow.md) */
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 3, NULL);
    hr = t->lpVtbl->QueryRows(t, 1, 0, &rows);
    if (ok(hr == S_OK && rows && rows->cRows == 1 && find(&rows->aRow[0], PR_INSTANCE_KEY), "QueryRows %#lx\n", hr))
    {
        v = *find(&rows->aRow[0], PR_INSTANCE_KEY);
        r.res.resProperty.ulPropTag = PR_INSTANCE_KEY;
        hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
        ok(hr == S_OK, "FindRow(PR_INSTANCE_KEY) %#lx\n", hr);
        ok(!strcmp(names(t, 0x0037), "delta,echo,foxtrot"), "FindRow(PR_INSTANCE_KEY) positions on delta\n");
    }
    if (rows) FreeProws(rows);

    hr = t->lpVtbl->FreeBookmark(t, bk);
    ok(hr == S_OK, "FreeBookmark %#lx\n", hr);
    hr = t->lpVtbl->FreeBookmark(t, BOOKMARK_CURRENT);
    ok(hr == S_OK, "FreeBookmark(BOOKMARK_CURRENT) %#lx\n", hr);
}

static void test_sorts(IMAPITable *t)
{
    SSortOrderSet *order = NULL;
    HRESULT hr;

    wt_context("contents table sorts");
    sort_by(t, PR_IMPORTANCE, TABLE_SORT_DESCEND, PR_SUBJECT_A, TABLE_SORT_ASCEND);
    ok(!strcmp(all_names(t, 0x0037), "alpha,delta,bravo,echo,foxtrot,charlie"),
       "importance desc, subject asc: %s\n", all_names(t, 0x0037));
    hr = t->lpVtbl->QuerySortOrder(t, &order);
    ok(hr == S_OK && order && order->cSorts == 2 && order->aSort[0].ulPropTag == PR_IMPORTANCE
       && order->aSort[0].ulOrder == TABLE_SORT_DESCEND && PROP_ID(order->aSort[1].ulPropTag) == 0x0037
       && order->aSort[1].ulOrder == TABLE_SORT_ASCEND, "QuerySortOrder %#lx\n", hr);
    MAPIFreeBuffer(order);
    sort_by(t, PR_SENDER_NAME_A, TABLE_SORT_ASCEND, PR_SUBJECT_A, TABLE_SORT_DESCEND);
    ok(!strcmp(all_names(t, 0x0037), "delta,bravo,foxtrot,charlie,echo,alpha"),
       "sender asc, subject desc: %s\n", all_names(t, 0x0037));
    sort_by(t, PR_PRIORITY, TABLE_SORT_ASCEND, PR_SUBJECT_A, TABLE_SORT_DESCEND);
    ok(!strcmp(all_names(t, 0x0037), "foxtrot,charlie,bravo,echo,delta,alpha"),
       "priority asc, subject desc: %s\n", all_names(t, 0x0037));
}

/* The category rows of a table sorted by sender (one category), subjects ascending. */
static const SizedSPropTagArray(7, categ_cols) = {7, {PR_SUBJECT_A, PR_SENDER_NAME_A, PR_INSTANCE_KEY,
    PR_ROW_TYPE, PR_DEPTH, PR_CONTENT_COUNT, PR_CONTENT_UNREAD}};

/* "Alice[h2/2],bravo,..." : a heading's name, its PR_ROW_TYPE (e expanded, c collapsed),
 * PR_CONTENT_COUNT/PR_CONTENT_UNREAD; a leaf's subject with its depth. */
static const char *categ_rows(IMAPITable *t)
{
    static char buf[512];
    SRowSet *rows = NULL;
    ULONG i;

    buf[0] = 0;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (FAILED(t->lpVtbl->QueryRows(t, 100, 0, &rows))) return "QueryRows failed";
    for (i = 0; i < rows->cRows; i++)
    {
        const SRow *r = &rows->aRow[i];
        LONG type = row_long(r, PR_ROW_TYPE);
        char one[64];
        if (type == TBL_LEAF_ROW)
            sprintf(one, "%s%s:%ld", i ? "," : "", row_str(r, 0x0037), row_long(r, PR_DEPTH));
        else
            sprintf(one, "%s%s[%s%ld %ld/%ld]", i ? "," : "", row_str(r, 0x0C1A),
                    type == TBL_EXPANDED_CATEGORY ? "e" : type == TBL_COLLAPSED_CATEGORY ? "c" : "?",
                    row_long(r, PR_DEPTH), row_long(r, PR_CONTENT_COUNT), row_long(r, PR_CONTENT_UNREAD));
        lstrcatA(buf, one);
    }
    FreeProws(rows);
    return buf;
}

/* The instance key of the category row whose sender is `name` (copied into key). */
static BOOL category_key(IMAPITable *t, const char *name, BYTE *key, ULONG *cb)
{
    SRowSet *rows = NULL;
    BOOL found = FALSE;
    ULONG i;
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    if (FAILED(t->lpVtbl->QueryRows(t, 100, 0, &rows))) return FALSE;
    for (i = 0; i < rows->cRows && !found; i++)
    {
        const SRow *r = &rows->aRow[i];
        const SPropValue *k = find(r, PR_INSTANCE_KEY);
        if (row_long(r, PR_ROW_TYPE) != TBL_LEAF_ROW && !strcmp(row_str(r, 0x0C1A), name) && k && k->Value.bin.cb <= 64)
        {
            memcpy(key, k->Value.bin.lpb, k->Value.bin.cb);
            *cb = k->Value.bin.cb;
            found = TRUE;
        }
    }
    FreeProws(rows);
    ok(found, "no category row for %s\n", name);
    return found;
}

static void test_categories(IMAPIFolder *f)
{
    SizedSSortOrderSet(2, categ) = {2, 1, 1, {{PR_SENDER_NAME_A, TABLE_SORT_ASCEND}, {PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    BYTE alice[64], bob[64], *state = NULL;
    ULONG cb_alice = 0, cb_bob = 0, cb_state = 0, count = 0, more = 99;
    BOOKMARK bk = 0;
    HRESULT hr;

    wt_context("categorized contents table");
    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (!ok(hr == S_OK, "GetContentsTable %#lx\n", hr)) return;
    hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&categ_cols, 0);
    ok(hr == S_OK, "SetColumns %#lx\n", hr);
    hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&categ, 0);
    if (!ok(hr == S_OK, "SortTable with a category %#lx\n", hr)) goto done;
    ok(!strcmp(categ_rows(t), "Alice[e0 2/2],bravo:1,delta:1,Bob[e0 2/0],charlie:1,foxtrot:1,Carol[e0 2/1],alpha:1,echo:1"),
       "expanded categories: %s\n", categ_rows(t));
    ok(row_count(t) == 9, "expanded row count %lu\n", row_count(t));

    if (!category_key(t, "Alice", alice, &cb_alice) || !category_key(t, "Bob", bob, &cb_bob)) goto done;
    hr = t->lpVtbl->CollapseRow(t, cb_alice, alice, 0, &count);
    ok(hr == S_OK && count == 2, "CollapseRow(Alice) %#lx, %lu rows removed\n", hr, count);
    ok(!strcmp(categ_rows(t), "Alice[c0 2/2],Bob[e0 2/0],charlie:1,foxtrot:1,Carol[e0 2/1],alpha:1,echo:1"),
       "Alice collapsed: %s\n", categ_rows(t));
    ok(row_count(t) == 7, "row count after CollapseRow %lu\n", row_count(t));

    /* GetCollapseState/SetCollapseState give back this state and a position on Bob's row */
    hr = t->lpVtbl->GetCollapseState(t, 0, cb_bob, bob, &cb_state, &state);
    ok(hr == S_OK && state && cb_state, "GetCollapseState %#lx\n", hr);
    hr = t->lpVtbl->CollapseRow(t, cb_bob, bob, 0, &count);
    ok(hr == S_OK && count == 2, "CollapseRow(Bob) %#lx, %lu\n", hr, count);
    ok(row_count(t) == 5, "row count with two categories collapsed %lu\n", row_count(t));
    if (state)
    {
        hr = t->lpVtbl->SetCollapseState(t, 0, cb_state, state, &bk);
        ok(hr == S_OK, "SetCollapseState %#lx\n", hr);
        ok(!strcmp(categ_rows(t), "Alice[c0 2/2],Bob[e0 2/0],charlie:1,foxtrot:1,Carol[e0 2/1],alpha:1,echo:1"),
           "after SetCollapseState: %s\n", categ_rows(t));
        if (hr == S_OK)
        {
            hr = t->lpVtbl->SeekRow(t, bk, 0, NULL);
            ok(hr == S_OK, "SeekRow(SetCollapseState's bookmark) %#lx\n", hr);
            ok(!strcmp(names(t, 0x0C1A), "Bob,Bob,Bob,Carol,Carol,Carol"), "the bookmark is on Bob's row\n");
            t->lpVtbl->FreeBookmark(t, bk);
        }
        MAPIFreeBuffer(state);
    }

    /* ExpandRow gives the first rows it inserted and how many it inserted in all; the cursor
     * is after the last row returned (imapitable-expandrow.md) */
    hr = t->lpVtbl->ExpandRow(t, cb_alice, alice, 10, 0, &rows, &more);
    ok(hr == S_OK && rows && rows->cRows == 2 && more == 2, "ExpandRow(Alice) %#lx, %lu rows, %lu in all\n", hr,
       rows ? rows->cRows : 0, more);
    if (rows && rows->cRows == 2)
        ok(!strcmp(row_str(&rows->aRow[0], 0x0037), "bravo") && !strcmp(row_str(&rows->aRow[1], 0x0037), "delta"),
           "ExpandRow's rows %s,%s\n", row_str(&rows->aRow[0], 0x0037), row_str(&rows->aRow[1], 0x0037));
    if (rows) FreeProws(rows);
    rows = NULL;
    ok(!strcmp(names(t, 0x0C1A), "Bob,Bob,Bob,Carol,Carol,Carol"), "after ExpandRow the cursor is not on Bob's row\n");
    ok(row_count(t) == 9, "row count after ExpandRow %lu\n", row_count(t));
    /* a row limit: the first row comes back, the count is still all the rows inserted */
    hr = t->lpVtbl->CollapseRow(t, cb_alice, alice, 0, &count);
    ok(hr == S_OK && count == 2, "CollapseRow(Alice) again %#lx, %lu\n", hr, count);
    hr = t->lpVtbl->ExpandRow(t, cb_alice, alice, 1, 0, &rows, &more);
    ok(hr == S_OK && rows && rows->cRows == 1 && more == 2, "ExpandRow(Alice, 1 row) %#lx, %lu rows, %lu in all\n", hr,
       rows ? rows->cRows : 0, more);
    if (rows) FreeProws(rows);
    rows = NULL;
    hr = t->lpVtbl->ExpandRow(t, cb_alice, alice, 10, 0, NULL, &more);
    ok(hr == MAPI_E_INVALID_PARAMETER || hr == S_OK, "ExpandRow of an expanded category %#lx\n", hr);
    ok(row_count(t) == 9, "row count after ExpandRow of an expanded category %lu\n", row_count(t));
    hr = t->lpVtbl->CollapseRow(t, 4, (BYTE *)"none", 0, &count);
    ok(hr == MAPI_E_NOT_FOUND, "CollapseRow of an unknown instance key %#lx\n", hr);

    /* cExpanded 0: the categories start collapsed */
    categ.cExpanded = 0;
    hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&categ, 0);
    ok(hr == S_OK, "SortTable(cExpanded 0) %#lx\n", hr);
    ok(!strcmp(categ_rows(t), "Alice[c0 2/2],Bob[c0 2/0],Carol[c0 2/1]"), "collapsed categories: %s\n", categ_rows(t));

done:
    t->lpVtbl->Release(t);
}

static void test_contents(IMAPIFolder *top)
{
    static const ULONG required[] = {PROP_TAG(PT_UNSPECIFIED, 0x0E03) /* PR_DISPLAY_CC */,
        PROP_TAG(PT_UNSPECIFIED, 0x0E04) /* PR_DISPLAY_TO */, PR_ENTRYID, PR_HASATTACH, PR_INSTANCE_KEY,
        PR_LAST_MODIFICATION_TIME, PR_MAPPING_SIGNATURE, PROP_TAG(PT_UNSPECIFIED, 0x001A) /* PR_MESSAGE_CLASS */,
        PR_MESSAGE_FLAGS, PR_MESSAGE_SIZE, PR_MSG_STATUS, PR_OBJECT_TYPE, PR_PARENT_ENTRYID, PR_RECORD_KEY,
        PR_STORE_ENTRYID, PR_STORE_RECORD_KEY};
    static const SizedSPropTagArray(5, cols) = {5, {PR_SUBJECT_A, PR_NULL, PR_IMPORTANCE, PR_INSTANCE_KEY,
        PROP_TAG(PT_LONG, 0x6601)}};
    IMAPIFolder *f;
    IMAPITable *t = NULL, *u = NULL;
    SPropTagArray *got = NULL;
    SRowSet *rows = NULL;
    SPropValue p[2], *folder_eid = NULL;
    ULONG status = 99, type = 99, i;
    HRESULT hr;

    wt_context("contents tables");
    if (!(f = wt_new_folder(top, "C"))) return;
    fill_contents(f);
    HrGetOneProp((IMAPIProp *)f, PR_ENTRYID, &folder_eid);

    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (!ok(hr == S_OK && t, "GetContentsTable %#lx\n", hr)) goto done;
    check_required(t, "contents", ARRAYSIZE(required), required);
    ok(string_type(t, 0x001A) == PT_STRING8, "without MAPI_UNICODE PR_MESSAGE_CLASS is of type %#lx\n",
       string_type(t, 0x001A));
    ok(row_count(t) == ARRAYSIZE(msgs), "contents row count %lu\n", row_count(t));
    hr = t->lpVtbl->GetStatus(t, &status, &type);
    ok(hr == S_OK && status == TBLSTAT_COMPLETE, "GetStatus %#lx status %lu\n", hr, status);

    /* every row: PR_OBJECT_TYPE, PR_PARENT_ENTRYID of the folder, an openable PR_ENTRYID */
    hr = t->lpVtbl->QueryRows(t, 100, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == ARRAYSIZE(msgs), "QueryRows %#lx\n", hr);
    for (i = 0; rows && i < rows->cRows; i++)
    {
        const SRow *r = &rows->aRow[i];
        const SPropValue *pe = find(r, PR_PARENT_ENTRYID), *e = find(r, PR_ENTRYID);
        IMessage *m = NULL;
        ULONG otype;
        ok(row_long(r, PR_OBJECT_TYPE) == MAPI_MESSAGE, "row %lu: PR_OBJECT_TYPE %ld\n", i, row_long(r, PR_OBJECT_TYPE));
        ok(find(r, PR_STORE_ENTRYID) && find(r, PR_STORE_RECORD_KEY) && find(r, PR_RECORD_KEY) && find(r, PR_INSTANCE_KEY),
           "row %lu lacks a key column\n", i);
        if (folder_eid && pe)
        {
            ULONG same = 0;
            mdb->lpVtbl->CompareEntryIDs(mdb, pe->Value.bin.cb, (ENTRYID *)pe->Value.bin.lpb, folder_eid->Value.bin.cb,
                                         (ENTRYID *)folder_eid->Value.bin.lpb, 0, &same);
            ok(same, "row %lu: PR_PARENT_ENTRYID is not the folder\n", i);
        }
        else ok(0, "row %lu: no PR_PARENT_ENTRYID\n", i);
        if (ok(e != NULL, "row %lu: no PR_ENTRYID\n", i))
        {
            hr = mdb->lpVtbl->OpenEntry(mdb, e->Value.bin.cb, (ENTRYID *)e->Value.bin.lpb, NULL, 0, &otype, (IUnknown **)&m);
            ok(hr == S_OK && otype == MAPI_MESSAGE, "row %lu: OpenEntry %#lx\n", i, hr);
            if (m) m->lpVtbl->Release(m);
        }
    }
    if (rows) FreeProws(rows);
    rows = NULL;

    /* SetColumns: order kept, PR_NULL slots stay PR_NULL, a missing column is PT_ERROR */
    hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
    ok(hr == S_OK, "SetColumns %#lx\n", hr);
    hr = t->lpVtbl->QueryColumns(t, 0, &got);
    ok(hr == S_OK && got && got->cValues == 5 && !memcmp(got->aulPropTag, cols.aulPropTag, sizeof(cols.aulPropTag)),
       "QueryColumns after SetColumns %#lx\n", hr);
    MAPIFreeBuffer(got);
    got = NULL;
    sort_by(t, PR_SUBJECT_A, TABLE_SORT_ASCEND, 0, 0);
    hr = t->lpVtbl->QueryRows(t, 1, 0, &rows);
    if (ok(hr == S_OK && rows && rows->cRows == 1, "QueryRows %#lx\n", hr))
    {
        const SRow *r = &rows->aRow[0];
        ok(r->cValues == 5, "a row of %lu values for 5 columns\n", r->cValues);
        ok(r->lpProps[0].ulPropTag == PR_SUBJECT_A && !strcmp(r->lpProps[0].Value.lpszA, "alpha"), "column 0 %#lx\n",
           r->lpProps[0].ulPropTag);
        ok(r->lpProps[1].ulPropTag == PR_NULL, "the PR_NULL column came back as %#lx\n", r->lpProps[1].ulPropTag);
        ok(r->lpProps[2].ulPropTag == PR_IMPORTANCE && r->lpProps[2].Value.l == 2, "column 2 %#lx\n", r->lpProps[2].ulPropTag);
        ok(r->lpProps[4].ulPropTag == PROP_TAG(PT_ERROR, 0x6601) && r->lpProps[4].Value.err == MAPI_E_NOT_FOUND,
           "a column no row has came back as %#lx\n", r->lpProps[4].ulPropTag);
    }
    if (rows) FreeProws(rows);
    rows = NULL;
    hr = t->lpVtbl->SetColumns(t, NULL, 0);
    ok(hr == MAPI_E_INVALID_PARAMETER, "SetColumns(NULL) %#lx\n", hr);

    test_sorts(t);
    test_restrictions(t);
    test_seek_find(t);
    t->lpVtbl->Release(t);
    t = NULL;
    test_categories(f);

    /* MAPI_UNICODE string columns; OpenProperty(PR_CONTAINER_CONTENTS) */
    hr = f->lpVtbl->GetContentsTable(f, MAPI_UNICODE, &t);
    if (ok(hr == S_OK, "GetContentsTable(MAPI_UNICODE) %#lx\n", hr))
    {
        ok(string_type(t, 0x001A) == PT_UNICODE, "with MAPI_UNICODE PR_MESSAGE_CLASS is of type %#lx\n",
           string_type(t, 0x001A));
        t->lpVtbl->Release(t);
        t = NULL;
    }
    hr = f->lpVtbl->OpenProperty(f, PR_CONTAINER_CONTENTS, &iid_table, 0, 0, (IUnknown **)&t);
    if (ok(hr == S_OK && t, "OpenProperty(PR_CONTAINER_CONTENTS) %#lx\n", hr))
    {
        ok(row_count(t) == ARRAYSIZE(msgs), "OpenProperty's contents table has %lu rows\n", row_count(t));
        t->lpVtbl->Release(t);
        t = NULL;
    }

    /* associated contents: only the MAPI_ASSOCIATED message, never in the normal table */
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = (char *)"hidden";
    p[1].ulPropTag = PR_MESSAGE_CLASS_A;
    p[1].Value.lpszA = (char *)"IPM.Configuration.Test";
    save_message(f, MAPI_ASSOCIATED, 2, p);
    hr = f->lpVtbl->GetContentsTable(f, MAPI_ASSOCIATED, &u);
    if (ok(hr == S_OK && u, "GetContentsTable(MAPI_ASSOCIATED) %#lx\n", hr))
    {
        check_required(u, "associated contents", ARRAYSIZE(required), required);
        ok(!strcmp(all_names(u, 0x0037), "hidden"), "associated rows: %s\n", all_names(u, 0x0037));
        u->lpVtbl->SeekRow(u, BOOKMARK_BEGINNING, 0, NULL);
        if (SUCCEEDED(u->lpVtbl->QueryRows(u, 1, 0, &rows)) && rows->cRows == 1)
            ok(row_long(&rows->aRow[0], PR_MESSAGE_FLAGS) & MSGFLAG_ASSOCIATED, "the associated row's flags %#lx\n",
               row_long(&rows->aRow[0], PR_MESSAGE_FLAGS));
        if (rows) FreeProws(rows);
        rows = NULL;
        u->lpVtbl->Release(u);
    }
    hr = f->lpVtbl->OpenProperty(f, PR_FOLDER_ASSOCIATED_CONTENTS, &iid_table, 0, 0, (IUnknown **)&u);
    if (ok(hr == S_OK && u, "OpenProperty(PR_FOLDER_ASSOCIATED_CONTENTS) %#lx\n", hr))
    {
        ok(row_count(u) == 1, "OpenProperty's associated table has %lu rows\n", row_count(u));
        u->lpVtbl->Release(u);
    }
    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (ok(hr == S_OK, "GetContentsTable %#lx\n", hr))
    {
        ok(row_count(t) == ARRAYSIZE(msgs), "the normal table has %lu rows with an associated message\n", row_count(t));
        t->lpVtbl->Release(t);
    }
    hr = f->lpVtbl->GetContentsTable(f, 0x40000000, &t);
    ok(hr == MAPI_E_UNKNOWN_FLAGS, "GetContentsTable(unknown flag) %#lx\n", hr);
    if (hr == S_OK) t->lpVtbl->Release(t);
done:
    MAPIFreeBuffer(folder_eid);
    f->lpVtbl->Release(f);
}

/* ---- recipient and attachment tables ----------------------------------------------------- */

static void test_recipients(IMAPIFolder *top)
{
    static const struct { const WCHAR *name, *email; LONG type; } rcpt[] =
    {
        { L"To \x00e9ric", L"eric@example.test", MAPI_TO },
        { L"Cc Carla", L"carla@example.test", MAPI_CC },
        { L"Bcc Bob", L"bob@example.test", MAPI_BCC },
    };
    IMessage *m = NULL;
    IMAPITable *t = NULL;
    ADRLIST *list = NULL;
    SRowSet *rows = NULL;
    SRestriction r, sub[2];
    SPropValue v, v2;
    ULONG i;
    HRESULT hr;

    wt_context("recipient tables");
    hr = top->lpVtbl->CreateMessage(top, NULL, 0, &m);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return;
    if (FAILED(MAPIAllocateBuffer(CbNewADRLIST(3), (void **)&list))) goto done;
    list->cEntries = 3;
    for (i = 0; i < 3; i++)
    {
        SPropValue *p;
        MAPIAllocateBuffer(4 * sizeof(SPropValue), (void **)&p);
        p[0].ulPropTag = PR_DISPLAY_NAME_W; p[0].Value.lpszW = (WCHAR *)rcpt[i].name;
        p[1].ulPropTag = PR_RECIPIENT_TYPE; p[1].Value.l = rcpt[i].type;
        p[2].ulPropTag = PR_ADDRTYPE_W;     p[2].Value.lpszW = (WCHAR *)L"SMTP";
        p[3].ulPropTag = PR_EMAIL_ADDRESS_W; p[3].Value.lpszW = (WCHAR *)rcpt[i].email;
        list->aEntries[i].ulReserved1 = 0;
        list->aEntries[i].cValues = 4;
        list->aEntries[i].rgPropVals = p;
    }
    hr = m->lpVtbl->ModifyRecipients(m, 0, list);
    ok(hr == S_OK, "ModifyRecipients %#lx\n", hr);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);

    hr = m->lpVtbl->GetRecipientTable(m, 0, &t);
    if (!ok(hr == S_OK && t, "GetRecipientTable %#lx\n", hr)) goto done;
    {
        static const ULONG required[] = {PROP_TAG(PT_UNSPECIFIED, 0x3001), PR_RECIPIENT_TYPE, PR_ROWID};
        check_required(t, "recipients", ARRAYSIZE(required), required);
    }
    ok(string_type(t, 0x3001) == PT_STRING8, "recipients without MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
       string_type(t, 0x3001));
    ok(row_count(t) == 3, "recipient rows %lu\n", row_count(t));
    hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
    if (ok(hr == S_OK && rows && rows->cRows == 3, "QueryRows %#lx\n", hr))
    {
        LONG ids[3];
        for (i = 0; i < 3; i++)
        {
            const SRow *row = &rows->aRow[i];
            ids[i] = row_long(row, PR_ROWID);
            ok(find(row, PR_ROWID) != NULL, "recipient %lu has no PR_ROWID\n", i);
            ok(row_long(row, PR_RECIPIENT_TYPE) == rcpt[i].type, "recipient %lu type %ld\n", i, row_long(row, PR_RECIPIENT_TYPE));
            ok(!strcmp(row_str(row, 0x3002), "SMTP"), "recipient %lu PR_ADDRTYPE %s\n", i, row_str(row, 0x3002));
            ok(find(row, PR_DISPLAY_NAME_A) != NULL, "recipient %lu: no PT_STRING8 display name\n", i);
        }
        ok(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "PR_ROWID values %ld %ld %ld\n", ids[0], ids[1], ids[2]);
        if (find(&rows->aRow[0], PR_DISPLAY_NAME_A))
        {
            char ansi[64];
            WideCharToMultiByte(CP_ACP, 0, rcpt[0].name, -1, ansi, sizeof(ansi), NULL, NULL);
            ok(!strcmp(find(&rows->aRow[0], PR_DISPLAY_NAME_A)->Value.lpszA, ansi), "ANSI display name %s\n",
               find(&rows->aRow[0], PR_DISPLAY_NAME_A)->Value.lpszA);
        }
    }
    if (rows) FreeProws(rows);
    rows = NULL;

    /* restrictions a sending store must offer (recipient-tables.md): AND, OR, EXIST, property EQ/NE */
    v.ulPropTag = PR_RECIPIENT_TYPE;
    v.Value.l = MAPI_CC;
    r.rt = RES_PROPERTY;
    r.res.resProperty.relop = RELOP_EQ;
    r.res.resProperty.ulPropTag = PR_RECIPIENT_TYPE;
    r.res.resProperty.lpProp = &v;
    hr = t->lpVtbl->Restrict(t, &r, 0);
    ok(hr == S_OK && row_count(t) == 1, "recipient type == MAPI_CC: %#lx, %lu rows\n", hr, row_count(t));
    r.res.resProperty.relop = RELOP_NE;
    hr = t->lpVtbl->Restrict(t, &r, 0);
    ok(hr == S_OK && row_count(t) == 2, "recipient type != MAPI_CC: %#lx, %lu rows\n", hr, row_count(t));
    sub[0] = r;
    v2.ulPropTag = PR_ADDRTYPE_A;
    v2.Value.lpszA = (char *)"SMTP";
    sub[1].rt = RES_PROPERTY;
    sub[1].res.resProperty.relop = RELOP_EQ;
    sub[1].res.resProperty.ulPropTag = PR_ADDRTYPE_A;
    sub[1].res.resProperty.lpProp = &v2;
    r.rt = RES_AND;
    r.res.resAnd.cRes = 2;
    r.res.resAnd.lpRes = sub;
    hr = t->lpVtbl->Restrict(t, &r, 0);
    ok(hr == S_OK && row_count(t) == 2, "AND(type != CC, addrtype == SMTP): %#lx, %lu rows\n", hr, row_count(t));
    sub[0].res.resProperty.relop = RELOP_EQ;
    v2.Value.lpszA = (char *)"X400";
    r.rt = RES_OR;
    hr = t->lpVtbl->Restrict(t, &r, 0);
    ok(hr == S_OK && row_count(t) == 1, "OR(type == CC, addrtype == X400): %#lx, %lu rows\n", hr, row_count(t));
    r.rt = RES_EXIST;
    r.res.resExist.ulReserved1 = r.res.resExist.ulReserved2 = 0;
    r.res.resExist.ulPropTag = PR_EMAIL_ADDRESS_A;
    hr = t->lpVtbl->Restrict(t, &r, 0);
    ok(hr == S_OK && row_count(t) == 3, "EXIST PR_EMAIL_ADDRESS: %#lx, %lu rows\n", hr, row_count(t));
    t->lpVtbl->Release(t);
    t = NULL;

    hr = m->lpVtbl->GetRecipientTable(m, MAPI_UNICODE, &t);
    if (ok(hr == S_OK && t, "GetRecipientTable(MAPI_UNICODE) %#lx\n", hr))
    {
        ok(string_type(t, 0x3001) == PT_UNICODE, "recipients with MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
           string_type(t, 0x3001));
        if (SUCCEEDED(t->lpVtbl->QueryRows(t, 1, 0, &rows)) && rows->cRows == 1)
            ok(find(&rows->aRow[0], PR_DISPLAY_NAME_W) && !lstrcmpW(find(&rows->aRow[0], PR_DISPLAY_NAME_W)->Value.lpszW,
               rcpt[0].name), "the Unicode display name did not come back\n");
        if (rows) FreeProws(rows);
        rows = NULL;
        t->lpVtbl->Release(t);
        t = NULL;
    }
    hr = m->lpVtbl->OpenProperty(m, PR_MESSAGE_RECIPIENTS, &iid_table, 0, 0, (IUnknown **)&t);
    if (ok(hr == S_OK && t, "OpenProperty(PR_MESSAGE_RECIPIENTS) %#lx\n", hr))
    {
        ok(row_count(t) == 3, "OpenProperty's recipient table has %lu rows\n", row_count(t));
        t->lpVtbl->Release(t);
        t = NULL;
    }
    hr = m->lpVtbl->GetRecipientTable(m, 0x40000000, &t);
    ok(hr == MAPI_E_UNKNOWN_FLAGS, "GetRecipientTable(unknown flag) %#lx\n", hr);
    if (hr == S_OK) t->lpVtbl->Release(t);
done:
    if (list) FreePadrlist(list);
    if (m) m->lpVtbl->Release(m);
}

static void test_attachments(IMAPIFolder *top)
{
    static const LONG positions[3] = {10, -1, 5};
    IMessage *m = NULL;
    IAttach *a;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG nums[3], i;
    SPropValue p[3];
    HRESULT hr;

    wt_context("attachment tables");
    hr = top->lpVtbl->CreateMessage(top, NULL, 0, &m);
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return;
    for (i = 0; i < 3; i++)
    {
        char name[16];
        a = NULL;
        hr = m->lpVtbl->CreateAttach(m, NULL, 0, &nums[i], &a);
        if (!ok(hr == S_OK, "CreateAttach %#lx\n", hr)) goto done;
        sprintf(name, "file%lu.txt", i);
        p[0].ulPropTag = PR_ATTACH_METHOD;   p[0].Value.l = ATTACH_BY_VALUE;
        p[1].ulPropTag = PR_RENDERING_POSITION; p[1].Value.l = positions[i];
        p[2].ulPropTag = PR_ATTACH_FILENAME_A; p[2].Value.lpszA = name;
        a->lpVtbl->SetProps(a, 3, p, NULL);
        hr = a->lpVtbl->SaveChanges(a, 0);
        ok(hr == S_OK, "attachment SaveChanges %#lx\n", hr);
        a->lpVtbl->Release(a);
    }
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);

    hr = m->lpVtbl->GetAttachmentTable(m, 0, &t);
    if (!ok(hr == S_OK && t, "GetAttachmentTable %#lx\n", hr)) goto done;
    {
        static const ULONG required[] = {PR_ATTACH_NUM, PR_INSTANCE_KEY, PR_RECORD_KEY, PR_RENDERING_POSITION};
        check_required(t, "attachments", ARRAYSIZE(required), required);
    }
    ok(row_count(t) == 3, "attachment rows %lu\n", row_count(t));
    /* by rendering position, signed (attachment-tables.md): -1, 5, 10; through SortTable or as the
     * table's own order when it cannot sort */
    {
        SizedSSortOrderSet(1, s) = {1, 0, 0, {{PR_RENDERING_POSITION, TABLE_SORT_ASCEND}}};
        hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&s, 0);
        ok(hr == S_OK || hr == MAPI_E_NO_SUPPORT || hr == MAPI_E_TOO_COMPLEX, "SortTable(PR_RENDERING_POSITION) %#lx\n", hr);
    }
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
    if (ok(hr == S_OK && rows && rows->cRows == 3, "QueryRows %#lx\n", hr))
    {
        static const ULONG order[3] = {1, 2, 0};
        for (i = 0; i < 3; i++)
        {
            const SRow *r = &rows->aRow[i];
            const SPropValue *rk = find(r, PR_RECORD_KEY), *ik = find(r, PR_INSTANCE_KEY);
            ok(row_long(r, PR_RENDERING_POSITION) == positions[order[i]], "row %lu: rendering position %ld\n", i,
               row_long(r, PR_RENDERING_POSITION));
            ok((ULONG)row_long(r, PR_ATTACH_NUM) == nums[order[i]], "row %lu: PR_ATTACH_NUM %ld, CreateAttach gave %lu\n",
               i, row_long(r, PR_ATTACH_NUM), nums[order[i]]);
            ok(rk && rk->Value.bin.cb, "row %lu: no PR_RECORD_KEY\n", i);
            ok(ik && ik->Value.bin.cb, "row %lu: no PR_INSTANCE_KEY\n", i);
        }
        for (i = 0; i < 3; i++)
        {
            const SPropValue *x = find(&rows->aRow[i], PR_INSTANCE_KEY), *y = find(&rows->aRow[(i + 1) % 3], PR_INSTANCE_KEY);
            const SPropValue *rx = find(&rows->aRow[i], PR_RECORD_KEY), *ry = find(&rows->aRow[(i + 1) % 3], PR_RECORD_KEY);
            if (x && y) ok(x->Value.bin.cb != y->Value.bin.cb || memcmp(x->Value.bin.lpb, y->Value.bin.lpb, x->Value.bin.cb),
                           "two rows share a PR_INSTANCE_KEY\n");
            if (rx && ry) ok(rx->Value.bin.cb != ry->Value.bin.cb || memcmp(rx->Value.bin.lpb, ry->Value.bin.lpb, rx->Value.bin.cb),
                             "two attachments share a PR_RECORD_KEY\n");
        }
    }
    if (rows) FreeProws(rows);
    rows = NULL;
    t->lpVtbl->Release(t);
    t = NULL;
    hr = m->lpVtbl->OpenProperty(m, PR_MESSAGE_ATTACHMENTS, &iid_table, 0, 0, (IUnknown **)&t);
    if (ok(hr == S_OK && t, "OpenProperty(PR_MESSAGE_ATTACHMENTS) %#lx\n", hr))
    {
        ok(row_count(t) == 3, "OpenProperty's attachment table has %lu rows\n", row_count(t));
        t->lpVtbl->Release(t);
    }
done:
    if (m) m->lpVtbl->Release(m);
}

/* ---- receive folders --------------------------------------------------------------------- */

static void test_receive_folders(IMAPIFolder *top)
{
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SPropValue *eid = NULL, key;
    SRestriction r;
    ULONG i, found = 0;
    HRESULT hr;

    wt_context("receive folder table");
    if (HrGetOneProp((IMAPIProp *)top, PR_ENTRYID, &eid) != S_OK) { ok(0, "no folder entry ID\n"); return; }
    hr = mdb->lpVtbl->SetReceiveFolder(mdb, (LPTSTR)"IPM.Note.TableTest", 0, eid->Value.bin.cb, (ENTRYID *)eid->Value.bin.lpb);
    ok(hr == S_OK, "SetReceiveFolder %#lx\n", hr);
    hr = mdb->lpVtbl->GetReceiveFolderTable(mdb, 0, &t);
    if (!ok(hr == S_OK && t, "GetReceiveFolderTable %#lx\n", hr)) goto done;
    {
        static const ULONG required[] = {PR_ENTRYID, PROP_TAG(PT_UNSPECIFIED, 0x001A), PR_RECORD_KEY};
        check_required(t, "receive folders", ARRAYSIZE(required), required);
    }
    ok(string_type(t, 0x001A) == PT_STRING8, "receive folders without MAPI_UNICODE: PR_MESSAGE_CLASS type %#lx\n",
       string_type(t, 0x001A));
    hr = t->lpVtbl->QueryRows(t, 100, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows >= 2, "QueryRows %#lx\n", hr);
    for (i = 0; rows && i < rows->cRows; i++)
    {
        const SRow *row = &rows->aRow[i];
        const SPropValue *e = find(row, PR_ENTRYID), *rk = find(row, PR_RECORD_KEY);
        if (!strcmp(row_str(row, 0x001A), "IPM.Note.TableTest"))
        {
            found++;
            ok(e && e->Value.bin.cb == eid->Value.bin.cb && !memcmp(e->Value.bin.lpb, eid->Value.bin.lpb, e->Value.bin.cb),
               "the row's PR_ENTRYID is not the folder's\n");
            ok(rk && rk->Value.bin.cb, "the row has no PR_RECORD_KEY\n");
        }
    }
    ok(found == 1, "the new receive folder is in %lu rows\n", found);
    /* a property restriction on PR_RECORD_KEY (receive-folder-tables.md) */
    if (rows && rows->cRows && find(&rows->aRow[0], PR_RECORD_KEY))
    {
        key = *find(&rows->aRow[0], PR_RECORD_KEY);
        r.rt = RES_PROPERTY;
        r.res.resProperty.relop = RELOP_EQ;
        r.res.resProperty.ulPropTag = PR_RECORD_KEY;
        r.res.resProperty.lpProp = &key;
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK && row_count(t) >= 1, "Restrict(PR_RECORD_KEY) %#lx, %lu rows\n", hr, row_count(t));
    }
    if (rows) FreeProws(rows);
    rows = NULL;
    t->lpVtbl->Release(t);
    t = NULL;
    hr = mdb->lpVtbl->GetReceiveFolderTable(mdb, MAPI_UNICODE, &t);
    if (ok(hr == S_OK && t, "GetReceiveFolderTable(MAPI_UNICODE) %#lx\n", hr))
    {
        ok(string_type(t, 0x001A) == PT_UNICODE, "receive folders with MAPI_UNICODE: PR_MESSAGE_CLASS type %#lx\n",
           string_type(t, 0x001A));
        t->lpVtbl->Release(t);
    }
    mdb->lpVtbl->SetReceiveFolder(mdb, (LPTSTR)"IPM.Note.TableTest", 0, 0, NULL);
done:
    MAPIFreeBuffer(eid);
}

/* ---- MAPI's tables ----------------------------------------------------------------------- */

static void test_store_table(void)
{
    static const ULONG required[] = {PR_DEFAULT_STORE, PROP_TAG(PT_UNSPECIFIED, 0x3001), PR_ENTRYID,
        PR_INSTANCE_KEY, PR_MDB_PROVIDER, PR_OBJECT_TYPE, PROP_TAG(PT_UNSPECIFIED, 0x3006) /* PR_PROVIDER_DISPLAY */,
        PR_RECORD_KEY, PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SPropValue *rk = NULL;
    HRESULT hr;

    wt_context("message store table");
    hr = session->lpVtbl->GetMsgStoresTable(session, 0, &t);
    if (!ok(hr == S_OK && t, "GetMsgStoresTable %#lx\n", hr)) return;
    check_required(t, "message stores", ARRAYSIZE(required), required);
    ok(string_type(t, 0x3001) == PT_STRING8, "stores without MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
       string_type(t, 0x3001));
    {
        IMAPITable *u = NULL;
        hr = session->lpVtbl->GetMsgStoresTable(session, MAPI_UNICODE, &u);
        if (ok(hr == S_OK && u, "GetMsgStoresTable(MAPI_UNICODE) %#lx\n", hr))
        {
            ok(string_type(u, 0x3001) == PT_UNICODE, "stores with MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
               string_type(u, 0x3001));
            u->lpVtbl->Release(u);
        }
    }
    hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
    if (ok(hr == S_OK && rows && rows->cRows == 1, "QueryRows %#lx, %lu rows\n", hr, rows ? rows->cRows : 0))
    {
        const SRow *r = &rows->aRow[0];
        const SPropValue *e = find(r, PR_ENTRYID), *prov = find(r, PR_MDB_PROVIDER), *rec = find(r, PR_RECORD_KEY);
        IMsgStore *other = NULL;
        ok(row_long(r, PR_DEFAULT_STORE) == TRUE, "PR_DEFAULT_STORE %ld\n", row_long(r, PR_DEFAULT_STORE));
        ok(row_long(r, PR_OBJECT_TYPE) == MAPI_STORE, "PR_OBJECT_TYPE %ld\n", row_long(r, PR_OBJECT_TYPE));
        ok(row_long(r, PR_RESOURCE_TYPE) == MAPI_STORE_PROVIDER, "PR_RESOURCE_TYPE %ld\n", row_long(r, PR_RESOURCE_TYPE));
        ok(row_long(r, PR_RESOURCE_FLAGS) & STATUS_DEFAULT_STORE, "PR_RESOURCE_FLAGS %#lx lacks STATUS_DEFAULT_STORE\n",
           row_long(r, PR_RESOURCE_FLAGS));
        ok(prov && prov->Value.bin.cb == sizeof(MAPIUID), "PR_MDB_PROVIDER missing or not a MAPIUID\n");
        ok(strcmp(row_str(r, 0x3006), "<none>") && *row_str(r, 0x3006), "PR_PROVIDER_DISPLAY '%s'\n", row_str(r, 0x3006));
        ok(!strncmp(row_str(r, 0x3001), "Store of tandem-wt-tables ", 26), "PR_DISPLAY_NAME '%s'\n", row_str(r, 0x3001));
        if (rec && HrGetOneProp((IMAPIProp *)mdb, PR_RECORD_KEY, &rk) == S_OK)
            ok(rk->Value.bin.cb == rec->Value.bin.cb && !memcmp(rk->Value.bin.lpb, rec->Value.bin.lpb, rec->Value.bin.cb),
               "the row's PR_RECORD_KEY is not the store's\n");
        else ok(0, "no PR_RECORD_KEY in the row or on the store\n");
        MAPIFreeBuffer(rk);
        if (ok(e != NULL, "no PR_ENTRYID\n"))
        {
            hr = session->lpVtbl->OpenMsgStore(session, 0, e->Value.bin.cb, (ENTRYID *)e->Value.bin.lpb, NULL,
                                               MDB_NO_DIALOG, &other);
            ok(hr == S_OK && other, "OpenMsgStore of the row's PR_ENTRYID %#lx\n", hr);
            if (other) other->lpVtbl->Release(other);
        }
    }
    if (rows) FreeProws(rows);
    t->lpVtbl->Release(t);
}

static void test_status_table(void)
{
    static const ULONG required[] = {PROP_TAG(PT_UNSPECIFIED, 0x3001), PR_STATUS_CODE, PR_RESOURCE_METHODS,
        PROP_TAG(PT_UNSPECIFIED, 0x300A) /* PR_PROVIDER_DLL_NAME */, PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE,
        PR_ENTRYID, PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_ROWID};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i, seen = 0;
    HRESULT hr;

    wt_context("status table");
    hr = session->lpVtbl->GetStatusTable(session, 0, &t);
    if (!ok(hr == S_OK && t, "GetStatusTable %#lx\n", hr)) return;
    check_required(t, "status", ARRAYSIZE(required), required);
    hr = t->lpVtbl->QueryRows(t, 50, 0, &rows);
    ok(hr == S_OK && rows, "QueryRows %#lx\n", hr);
    for (i = 0; rows && i < rows->cRows; i++)
    {
        const SRow *r = &rows->aRow[i];
        LONG type = row_long(r, PR_RESOURCE_TYPE);
        const SPropValue *e = find(r, PR_ENTRYID);
        IMAPIStatus *st = NULL;
        ULONG otype = 0;
        if (type == MAPI_SUBSYSTEM) seen |= 1;
        if (type == MAPI_SPOOLER) seen |= 2;
        if (type == MAPI_AB) seen |= 4;
        if (type == MAPI_STORE_PROVIDER) seen |= 8;
        ok(row_long(r, PR_OBJECT_TYPE) == MAPI_STATUS, "row %lu (type %ld): PR_OBJECT_TYPE %ld\n", i, type,
           row_long(r, PR_OBJECT_TYPE));
        ok(find(r, PR_STATUS_CODE) && find(r, PR_RESOURCE_METHODS) && find(r, PR_INSTANCE_KEY) && find(r, PR_ROWID),
           "row %lu (type %ld) lacks a required value\n", i, type);
        ok(strcmp(row_str(r, 0x3001), "<none>") != 0, "row %lu (type %ld) has no PR_DISPLAY_NAME\n", i, type);
        if (ok(e != NULL, "row %lu (type %ld): no PR_ENTRYID\n", i, type))
        {
            hr = session->lpVtbl->OpenEntry(session, e->Value.bin.cb, (ENTRYID *)e->Value.bin.lpb, NULL, 0, &otype,
                                            (IUnknown **)&st);
            ok(hr == S_OK && otype == MAPI_STATUS, "row %lu (type %ld): OpenEntry %#lx type %lu\n", i, type, hr, otype);
            if (st) st->lpVtbl->Release(st);
        }
    }
    ok(seen == 15, "status rows seen %#lx (subsystem 1, spooler 2, address book 4, store 8)\n", seen);
    ok(string_type(t, 0x3001) == PT_STRING8, "status without MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
       string_type(t, 0x3001));
    if (rows) FreeProws(rows);
    t->lpVtbl->Release(t);
    hr = session->lpVtbl->GetStatusTable(session, MAPI_UNICODE, &t);
    if (ok(hr == S_OK && t, "GetStatusTable(MAPI_UNICODE) %#lx\n", hr))
    {
        ok(string_type(t, 0x3001) == PT_UNICODE, "status with MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
           string_type(t, 0x3001));
        t->lpVtbl->Release(t);
    }
}

static void test_profile_tables(IProfAdmin *admin, const wt_profile *p)
{
    static const ULONG prov_required[] = {PR_INSTANCE_KEY, PROP_TAG(PT_UNSPECIFIED, 0x3001),
        PROP_TAG(PT_UNSPECIFIED, 0x3006), PROP_TAG(PT_UNSPECIFIED, 0x300A), PR_PROVIDER_ORDINAL, PR_PROVIDER_UID,
        PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE, PROP_TAG(PT_UNSPECIFIED, 0x3D09) /* PR_SERVICE_NAME */, PR_SERVICE_UID};
    static const ULONG svc_required[] = {PROP_TAG(PT_UNSPECIFIED, 0x3001), PR_INSTANCE_KEY, PR_RESOURCE_FLAGS,
        PROP_TAG(PT_UNSPECIFIED, 0x3D0A) /* PR_SERVICE_DLL_NAME */, PROP_TAG(PT_UNSPECIFIED, 0x3D0B),
        PROP_TAG(PT_UNSPECIFIED, 0x3D09), PROP_TAG(PT_UNSPECIFIED, 0x3D0F) /* PR_SERVICE_SUPPORT_FILES */, PR_SERVICE_UID};
    IMsgServiceAdmin *svc = NULL;
    IProviderAdmin *pa = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i, kinds = 0;
    HRESULT hr;

    wt_context("profile table");
    hr = admin->lpVtbl->GetProfileTable(admin, 0, &t);
    if (ok(hr == S_OK && t, "GetProfileTable %#lx\n", hr))
    {
        static const ULONG required[] = {PR_DEFAULT_PROFILE, PROP_TAG(PT_UNSPECIFIED, 0x3001)};
        ULONG found = 0;
        check_required(t, "profiles", ARRAYSIZE(required), required);
        ok(string_type(t, 0x3001) == PT_STRING8, "profiles without MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
           string_type(t, 0x3001));
        hr = t->lpVtbl->QueryRows(t, 100, 0, &rows);
        for (i = 0; SUCCEEDED(hr) && i < rows->cRows; i++)
        {
            if (!strcmp(row_str(&rows->aRow[i], 0x3001), p->name)) found++;
            ok(find(&rows->aRow[i], PR_DEFAULT_PROFILE) != NULL, "profile %s has no PR_DEFAULT_PROFILE\n",
               row_str(&rows->aRow[i], 0x3001));
        }
        ok(found == 1, "the profile is in %lu rows of the profile table\n", found);
        if (rows) FreeProws(rows);
        rows = NULL;
        t->lpVtbl->Release(t);
        t = NULL;
    }
    /* the profile table is static (iprofadmin-getprofiletable.md): a later profile is not in it */
    hr = admin->lpVtbl->GetProfileTable(admin, 0, &t);
    if (ok(hr == S_OK && t, "GetProfileTable %#lx\n", hr))
    {
        ULONG before = row_count(t);
        hr = admin->lpVtbl->CreateProfile(admin, (LPTSTR)"tandem-wt-tables-later", NULL, 0, 0);
        ok(hr == S_OK, "CreateProfile %#lx\n", hr);
        ok(row_count(t) == before, "the open profile table went from %lu to %lu rows\n", before, row_count(t));
        admin->lpVtbl->DeleteProfile(admin, (LPTSTR)"tandem-wt-tables-later", 0);
        t->lpVtbl->Release(t);
        t = NULL;
    }

    wt_context("message service and provider tables");
    hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)p->name, NULL, 0, 0, &svc);
    if (!ok(hr == S_OK, "AdminServices %#lx\n", hr)) return;
    hr = svc->lpVtbl->GetMsgServiceTable(svc, 0, &t);
    if (ok(hr == S_OK && t, "GetMsgServiceTable %#lx\n", hr))
    {
        check_required(t, "message services", ARRAYSIZE(svc_required), svc_required);
        ok(string_type(t, 0x3D09) == PT_STRING8, "services without MAPI_UNICODE: PR_SERVICE_NAME type %#lx\n",
           string_type(t, 0x3D09));
        hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
        if (ok(hr == S_OK && rows && rows->cRows == 1, "service rows %lu\n", rows ? rows->cRows : 0))
        {
            const SRow *r = &rows->aRow[0];
            ok(!strcmp(row_str(r, 0x3D09), "TANDEM"), "PR_SERVICE_NAME %s\n", row_str(r, 0x3D09));
            ok(!strcmp(row_str(r, 0x3D0B), "ServiceEntry"), "PR_SERVICE_ENTRY_NAME %s\n", row_str(r, 0x3D0B));
            ok(strcmp(row_str(r, 0x3D0A), "<none>") != 0, "no PR_SERVICE_DLL_NAME\n");
        }
        if (rows) FreeProws(rows);
        rows = NULL;
        t->lpVtbl->Release(t);
        t = NULL;
    }
    hr = svc->lpVtbl->GetProviderTable(svc, 0, &t);
    if (ok(hr == S_OK && t, "IMsgServiceAdmin::GetProviderTable %#lx\n", hr))
    {
        check_required(t, "providers", ARRAYSIZE(prov_required), prov_required);
        ok(string_type(t, 0x3001) == PT_STRING8, "providers without MAPI_UNICODE: PR_DISPLAY_NAME type %#lx\n",
           string_type(t, 0x3001));
        hr = t->lpVtbl->QueryRows(t, 10, 0, &rows);
        for (i = 0; SUCCEEDED(hr) && i < rows->cRows; i++)
        {
            const SRow *r = &rows->aRow[i];
            const SPropValue *su = find(r, PR_SERVICE_UID);
            if (row_long(r, PR_RESOURCE_TYPE) == MAPI_STORE_PROVIDER) kinds |= 1;
            if (row_long(r, PR_RESOURCE_TYPE) == MAPI_TRANSPORT_PROVIDER) kinds |= 2;
            ok(su && su->Value.bin.cb == sizeof(MAPIUID) && !memcmp(su->Value.bin.lpb, &p->service_uid, sizeof(MAPIUID)),
               "provider row %lu: PR_SERVICE_UID is not the service's\n", i);
            ok(!strcmp(row_str(r, 0x3D09), "TANDEM"), "provider row %lu: PR_SERVICE_NAME %s\n", i, row_str(r, 0x3D09));
            ok(find(r, PR_PROVIDER_UID) != NULL, "provider row %lu: no PR_PROVIDER_UID\n", i);
        }
        ok(SUCCEEDED(hr) && rows->cRows == 2 && kinds == 3, "provider rows %lu kinds %#lx\n", rows ? rows->cRows : 0, kinds);
        if (rows) FreeProws(rows);
        rows = NULL;
        t->lpVtbl->Release(t);
        t = NULL;
    }
    hr = svc->lpVtbl->AdminProviders(svc, (MAPIUID *)&p->service_uid, 0, &pa);
    if (ok(hr == S_OK && pa, "AdminProviders %#lx\n", hr))
    {
        hr = pa->lpVtbl->GetProviderTable(pa, 0, &t);
        if (ok(hr == S_OK && t, "IProviderAdmin::GetProviderTable %#lx\n", hr))
        {
            check_required(t, "service providers", ARRAYSIZE(prov_required), prov_required);
            ok(row_count(t) == 2, "the service's provider table has %lu rows\n", row_count(t));
            t->lpVtbl->Release(t);
        }
        pa->lpVtbl->Release(pa);
    }
    svc->lpVtbl->Release(svc);
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
    if (wt_profile_create(admin, &p, "tandem-wt-tables"))
    {
        test_profile_tables(admin, &p);
        if (wt_store_open(&p, &session, &mdb) && (ipm = wt_open_folder(mdb, PR_IPM_SUBTREE_ENTRYID)))
        {
            if ((top = wt_new_folder(ipm, "Table tests")))
            {
                test_hierarchy(top);
                test_contents(top);
                test_recipients(top);
                test_attachments(top);
                test_receive_folders(top);
                top->lpVtbl->Release(top);
            }
            ipm->lpVtbl->Release(ipm);
            test_store_table();
            test_status_table();
        }
        wt_store_close(&session, &mdb);
        wt_profile_delete(admin, &p);
    }
    wt_check_all_released((IUnknown *)admin);
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();
}
