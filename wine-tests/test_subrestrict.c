/*
 * test_subrestrict.c - RES_SUBRESTRICTION on folder contents tables through the public MAPI
 * API: a message matches when at least one row of its recipient table (PR_MESSAGE_RECIPIENTS)
 * or attachment table (PR_MESSAGE_ATTACHMENTS) matches the sub-restriction; combined with
 * RES_AND / RES_OR / RES_NOT, in Restrict and FindRow, on normal and associated contents
 * tables; a row follows a save; bad sub-objects and NULL sub-restrictions are refused.
 * Pages: ssubrestriction.md, srestriction.md, imapitable-restrict.md, imapitable-findrow.md.
 */
#include "wtest.h"
#include "wtmapi.h"

static IMAPISession *session;
static IMsgStore *mdb;

static IMAPIFolder *open_inbox(void)
{
    ENTRYID *eid = NULL;
    IMAPIFolder *f = NULL;
    ULONG cb, type;

    if (mdb->lpVtbl->GetReceiveFolder(mdb, NULL, 0, &cb, &eid, NULL) == S_OK)
        mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f);
    MAPIFreeBuffer(eid);
    ok(f != NULL, "no Inbox\n");
    return f;
}

/* Add one recipient (display name in UTF-16, so non-ASCII names survive any code page). */
static void add_recipient(IMessage *m, const WCHAR *name, const char *email, LONG type)
{
    ADRLIST *l = NULL;
    SPropValue *v = NULL;
    HRESULT hr;

    if (MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&l) != S_OK) return;
    memset(l, 0, CbNewADRLIST(1));
    l->cEntries = 1;
    MAPIAllocateBuffer(4 * sizeof(SPropValue), (void **)&v);
    v[0].ulPropTag = PR_DISPLAY_NAME_W;   v[0].Value.lpszW = (WCHAR *)name;
    v[1].ulPropTag = PR_RECIPIENT_TYPE;   v[1].Value.l = type;
    v[2].ulPropTag = PR_ADDRTYPE_A;       v[2].Value.lpszA = (char *)"SMTP";
    v[3].ulPropTag = PR_EMAIL_ADDRESS_A;  v[3].Value.lpszA = (char *)email;
    l->aEntries[0].rgPropVals = v;
    l->aEntries[0].cValues = 4;
    hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, l);
    ok(hr == S_OK, "ModifyRecipients(%ls) %#lx\n", name, hr);
    FreePadrlist(l);
}

static void add_attachment(IMessage *m, const char *filename, LONG method)
{
    IAttach *a = NULL;
    SPropValue p[3];
    ULONG num = 0, n = 0;
    HRESULT hr = m->lpVtbl->CreateAttach(m, NULL, 0, &num, &a);

    if (!ok(hr == S_OK && a, "CreateAttach(%s) %#lx\n", filename, hr)) return;
    p[n].ulPropTag = PR_ATTACH_METHOD;          p[n++].Value.l = method;
    p[n].ulPropTag = PR_ATTACH_LONG_FILENAME_A; p[n++].Value.lpszA = (char *)filename;
    if (method == ATTACH_BY_VALUE)
    {
        p[n].ulPropTag = PR_ATTACH_DATA_BIN;
        p[n].Value.bin.cb = 5;
        p[n++].Value.bin.lpb = (BYTE *)"hello";
    }
    else
    {
        p[n].ulPropTag = PR_ATTACH_PATHNAME_A;
        p[n++].Value.lpszA = (char *)"C:\\shared\\notes.txt";
    }
    hr = a->lpVtbl->SetProps(a, n, p, NULL);
    ok(hr == S_OK, "attachment SetProps(%s) %#lx\n", filename, hr);
    hr = a->lpVtbl->SaveChanges(a, 0);
    ok(hr == S_OK, "attachment SaveChanges(%s) %#lx\n", filename, hr);
    a->lpVtbl->Release(a);
}

static IMessage *new_message(IMAPIFolder *f, const char *subject, ULONG flags)
{
    IMessage *m = NULL;
    SPropValue p[2];
    HRESULT hr = f->lpVtbl->CreateMessage(f, NULL, flags, &m);

    if (!ok(hr == S_OK && m, "CreateMessage(%s) %#lx\n", subject, hr)) return NULL;
    p[0].ulPropTag = PR_SUBJECT_A;        p[0].Value.lpszA = (char *)subject;
    p[1].ulPropTag = PR_MESSAGE_CLASS_A;  p[1].Value.lpszA = (char *)"IPM.Note";
    ok(m->lpVtbl->SetProps(m, 2, p, NULL) == S_OK, "SetProps(%s)\n", subject);
    return m;
}

static void save(IMessage *m, const char *what)
{
    HRESULT hr;
    if (!m) return;
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges(%s) %#lx\n", what, hr);
}

/* The subjects of the table's rows under `res` (NULL: none), comma-joined in order. */
static HRESULT restricted(IMAPITable *t, SRestriction *res, char *out, size_t size)
{
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;

    out[0] = 0;
    if (FAILED(hr = t->lpVtbl->Restrict(t, res, 0))) return hr;
    if (FAILED(hr = t->lpVtbl->QueryRows(t, 100, 0, &rows))) return hr;
    for (i = 0; i < rows->cRows; i++)
    {
        if (i) strncat(out, ",", size - strlen(out) - 1);
        if (rows->aRow[i].lpProps[0].ulPropTag == PR_SUBJECT_A)
            strncat(out, rows->aRow[i].lpProps[0].Value.lpszA, size - strlen(out) - 1);
        else
            strncat(out, "?", size - strlen(out) - 1);
    }
    FreeProws(rows);
    return hr;
}

/* The subject of the row at the cursor ("" at the end), without moving. */
static void subject_here(IMAPITable *t, char *out, size_t size)
{
    SRowSet *rows = NULL;

    out[0] = 0;
    if (t->lpVtbl->QueryRows(t, 1, TBL_NOADVANCE, &rows) != S_OK) return;
    if (rows->cRows && rows->aRow[0].lpProps[0].ulPropTag == PR_SUBJECT_A)
        snprintf(out, size, "%s", rows->aRow[0].lpProps[0].Value.lpszA);
    FreeProws(rows);
}

/* Restriction builders over caller-owned storage. */
static void r_long(SRestriction *r, SPropValue *v, ULONG tag, ULONG relop, LONG value)
{
    v->ulPropTag = tag;
    v->Value.l = value;
    r->rt = RES_PROPERTY;
    r->res.resProperty.relop = relop;
    r->res.resProperty.ulPropTag = tag;
    r->res.resProperty.lpProp = v;
}

static void r_content(SRestriction *r, SPropValue *v, ULONG tag, ULONG level, const char *text)
{
    v->ulPropTag = tag;
    v->Value.lpszA = (char *)text;
    r->rt = RES_CONTENT;
    r->res.resContent.ulFuzzyLevel = level;
    r->res.resContent.ulPropTag = tag;
    r->res.resContent.lpProp = v;
}

static void r_sub(SRestriction *r, ULONG sub_object, SRestriction *inner)
{
    r->rt = RES_SUBRESTRICTION;
    r->res.resSub.ulSubObject = sub_object;
    r->res.resSub.lpRes = inner;
}

static void r_exist(SRestriction *r, ULONG tag)
{
    r->rt = RES_EXIST;
    r->res.resExist.ulPropTag = tag;
}

static void test_contents(IMAPIFolder *inbox)
{
    static const SizedSPropTagArray(1, cols) = {1, {PR_SUBJECT_A}};
    static const SizedSSortOrderSet(1, by_subject) = {1, 0, 0, {{PR_SUBJECT_A, TABLE_SORT_ASCEND}}};
    IMAPIFolder *f = NULL;
    IMessage *m[4] = {0};
    IMAPITable *t = NULL;
    SRestriction r[8], in[8];
    SPropValue v[8];
    char got[256];
    ULONG i, count = 0;
    HRESULT hr;

    wt_context("RES_SUBRESTRICTION on a contents table");
    hr = inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)"subrestrict", NULL, NULL, 0, &f);
    if (!ok(hr == S_OK && f, "CreateFolder %#lx\n", hr)) return;

    /* alice: To Alice, Cc Bob, no attachment; carol: Bcc Carol, report.pdf by value;
     * norecip: no recipient, notes.txt by reference; zoe: To Zoë Ünal and Bob, report.txt */
    m[0] = new_message(f, "alice", 0);
    m[1] = new_message(f, "carol", 0);
    m[2] = new_message(f, "norecip", 0);
    m[3] = new_message(f, "zoe", 0);
    for (i = 0; i < 4; i++)
        if (!m[i]) goto done;
    add_recipient(m[0], L"Alice", "alice@example.com", MAPI_TO);
    add_recipient(m[0], L"Bob", "bob@example.com", MAPI_CC);
    add_recipient(m[1], L"Carol", "carol@example.com", MAPI_BCC);
    add_attachment(m[1], "report.pdf", ATTACH_BY_VALUE);
    add_attachment(m[2], "notes.txt", ATTACH_BY_REFERENCE);
    add_recipient(m[3], L"Zo\x00eb \x00dcnal", "zoe@example.com", MAPI_TO);
    add_recipient(m[3], L"Bob", "bob@example.com", MAPI_TO);
    add_attachment(m[3], "report.txt", ATTACH_BY_VALUE);
    for (i = 0; i < 4; i++)
        save(m[i], "message");

    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (!ok(hr == S_OK && t, "GetContentsTable %#lx\n", hr)) goto done;
    ok(t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0) == S_OK, "SetColumns\n");
    ok(t->lpVtbl->SortTable(t, (SSortOrderSet *)&by_subject, 0) == S_OK, "SortTable\n");
    hr = restricted(t, NULL, got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "alice,carol,norecip,zoe"), "no restriction: %#lx %s\n", hr, got);

    /* recipients by type */
    r_long(&in[0], &v[0], PR_RECIPIENT_TYPE, RELOP_EQ, MAPI_CC);
    r_sub(&r[0], PR_MESSAGE_RECIPIENTS, &in[0]);
    hr = restricted(t, &r[0], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "alice"), "a Cc recipient: %#lx %s\n", hr, got);
    v[0].Value.l = MAPI_TO;
    hr = restricted(t, &r[0], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "alice,zoe"), "a To recipient: %#lx %s\n", hr, got);
    v[0].Value.l = MAPI_BCC;
    hr = restricted(t, &r[0], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "carol"), "a Bcc recipient: %#lx %s\n", hr, got);

    /* recipients by name: PT_STRING8 substring ignoring case; PT_UNICODE equality, non-ASCII */
    r_content(&in[1], &v[1], PR_DISPLAY_NAME_A, FL_SUBSTRING | FL_IGNORECASE, "ARO");
    r_sub(&r[1], PR_MESSAGE_RECIPIENTS, &in[1]);
    hr = restricted(t, &r[1], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "carol"), "name containing \"ARO\": %#lx %s\n", hr, got);
    v[2].ulPropTag = PR_DISPLAY_NAME_W;
    v[2].Value.lpszW = (WCHAR *)L"ZO\x00cb \x00dcNAL";
    in[2].rt = RES_PROPERTY;
    in[2].res.resProperty.relop = RELOP_EQ;
    in[2].res.resProperty.ulPropTag = PR_DISPLAY_NAME_W;
    in[2].res.resProperty.lpProp = &v[2];
    r_sub(&r[2], PR_MESSAGE_RECIPIENTS, &in[2]);
    hr = restricted(t, &r[2], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "zoe"), "name equal to \"ZOË ÜNAL\": %#lx %s\n", hr, got);

    /* attachments by name and by method */
    r_content(&in[3], &v[3], PR_ATTACH_LONG_FILENAME_A, FL_PREFIX | FL_IGNORECASE, "REPORT");
    r_sub(&r[3], PR_MESSAGE_ATTACHMENTS, &in[3]);
    hr = restricted(t, &r[3], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "carol,zoe"), "an attachment named report*: %#lx %s\n", hr, got);
    r_long(&in[4], &v[4], PR_ATTACH_METHOD, RELOP_EQ, ATTACH_BY_REFERENCE);
    r_sub(&r[4], PR_MESSAGE_ATTACHMENTS, &in[4]);
    hr = restricted(t, &r[4], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "norecip"), "an attachment by reference: %#lx %s\n", hr, got);
    /* the same restriction on the other sub-object: recipients have no PR_ATTACH_METHOD */
    r[4].res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS;
    hr = restricted(t, &r[4], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, ""), "recipients with PR_ATTACH_METHOD: %#lx %s\n", hr, got);
    r[4].res.resSub.ulSubObject = PR_MESSAGE_ATTACHMENTS;

    /* combined: AND of both kinds, OR, NOT (no recipient at all / no attachment at all) */
    {
        SRestriction both[2] = { r[3], r[0] }, any[2] = { r[0], r[4] }, top;
        v[0].Value.l = MAPI_TO;
        top.rt = RES_AND;
        top.res.resAnd.cRes = 2;
        top.res.resAnd.lpRes = both;
        hr = restricted(t, &top, got, sizeof(got));
        ok(hr == S_OK && !strcmp(got, "zoe"), "report* AND a To recipient: %#lx %s\n", hr, got);
        v[0].Value.l = MAPI_BCC;
        top.rt = RES_OR;
        top.res.resOr.cRes = 2;
        top.res.resOr.lpRes = any;
        hr = restricted(t, &top, got, sizeof(got));
        ok(hr == S_OK && !strcmp(got, "carol,norecip"), "Bcc OR by reference: %#lx %s\n", hr, got);

        r_exist(&in[5], PR_DISPLAY_NAME_A);
        r_sub(&r[5], PR_MESSAGE_RECIPIENTS, &in[5]);
        top.rt = RES_NOT;
        top.res.resNot.lpRes = &r[5];
        hr = restricted(t, &top, got, sizeof(got));
        ok(hr == S_OK && !strcmp(got, "norecip"), "NOT any recipient: %#lx %s\n", hr, got);
        r_exist(&in[6], PR_ATTACH_NUM);
        r_sub(&r[6], PR_MESSAGE_ATTACHMENTS, &in[6]);
        top.res.resNot.lpRes = &r[6];
        hr = restricted(t, &top, got, sizeof(got));
        ok(hr == S_OK && !strcmp(got, "alice"), "NOT any attachment: %#lx %s\n", hr, got);
    }

    /* FindRow: forward from the start and from a row, backward, and no match */
    ok(t->lpVtbl->Restrict(t, NULL, 0) == S_OK, "Restrict(NULL)\n");
    v[7].ulPropTag = PR_DISPLAY_NAME_A;
    v[7].Value.lpszA = (char *)"bob";
    in[7].rt = RES_PROPERTY;
    in[7].res.resProperty.relop = RELOP_EQ;
    in[7].res.resProperty.ulPropTag = PR_DISPLAY_NAME_A;
    in[7].res.resProperty.lpProp = &v[7];
    r_sub(&r[7], PR_MESSAGE_RECIPIENTS, &in[7]);
    hr = t->lpVtbl->FindRow(t, &r[7], BOOKMARK_BEGINNING, 0);
    subject_here(t, got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "alice"), "FindRow(a recipient Bob) %#lx at %s\n", hr, got);
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 1, NULL);
    hr = t->lpVtbl->FindRow(t, &r[7], BOOKMARK_CURRENT, 0);
    subject_here(t, got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "zoe"), "FindRow from row 1 %#lx at %s\n", hr, got);
    hr = t->lpVtbl->FindRow(t, &r[7], BOOKMARK_CURRENT, DIR_BACKWARD);
    subject_here(t, got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "alice"), "FindRow backward %#lx at %s\n", hr, got);
    hr = t->lpVtbl->FindRow(t, &r[4], BOOKMARK_BEGINNING, 0);
    subject_here(t, got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "norecip"), "FindRow(by reference) %#lx at %s\n", hr, got);
    v[7].Value.lpszA = (char *)"nobody";
    hr = t->lpVtbl->FindRow(t, &r[7], BOOKMARK_BEGINNING, 0);
    ok(hr == MAPI_E_NOT_FOUND, "FindRow(a recipient nobody) %#lx\n", hr);

    /* a restricted view follows a save: carol gets a Cc recipient */
    v[0].Value.l = MAPI_CC;
    hr = restricted(t, &r[0], got, sizeof(got));
    ok(hr == S_OK && !strcmp(got, "alice"), "a Cc recipient: %#lx %s\n", hr, got);
    add_recipient(m[1], L"Dave", "dave@example.com", MAPI_CC);
    save(m[1], "carol with Dave");
    t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL);
    ok(t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 2, "rows after the save: %lu\n", count);
    {
        SRowSet *rows = NULL;
        got[0] = 0;
        if (t->lpVtbl->QueryRows(t, 10, 0, &rows) == S_OK)
        {
            for (i = 0; i < rows->cRows; i++)
            {
                if (i) strcat(got, ",");
                if (rows->aRow[i].lpProps[0].ulPropTag == PR_SUBJECT_A)
                    strncat(got, rows->aRow[i].lpProps[0].Value.lpszA, 50);
            }
            FreeProws(rows);
        }
        ok(!strcmp(got, "alice,carol"), "a Cc recipient after the save: %s\n", got);
    }

    /* bad input: a sub-object other than recipients or attachments, no sub-restriction */
    r[0].res.resSub.ulSubObject = PR_SUBJECT_A;
    hr = t->lpVtbl->Restrict(t, &r[0], 0);
    ok(hr == MAPI_E_TOO_COMPLEX, "Restrict on sub-object PR_SUBJECT %#lx\n", hr);
    hr = t->lpVtbl->FindRow(t, &r[0], BOOKMARK_BEGINNING, 0);
    ok(hr == MAPI_E_TOO_COMPLEX, "FindRow on sub-object PR_SUBJECT %#lx\n", hr);
    r[0].res.resSub.ulSubObject = PR_MESSAGE_RECIPIENTS;
    r[0].res.resSub.lpRes = NULL;
    hr = t->lpVtbl->Restrict(t, &r[0], 0);
    ok(hr == MAPI_E_INVALID_PARAMETER, "Restrict with a NULL sub-restriction %#lx\n", hr);
    hr = t->lpVtbl->FindRow(t, &r[0], BOOKMARK_BEGINNING, 0);
    ok(hr == MAPI_E_INVALID_PARAMETER, "FindRow with a NULL sub-restriction %#lx\n", hr);
    /* and the restriction in force stays */
    ok(t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 2, "rows after bad calls: %lu\n", count);

done:
    if (t) t->lpVtbl->Release(t);
    for (i = 0; i < 4; i++)
        if (m[i]) m[i]->lpVtbl->Release(m[i]);
    if (f) f->lpVtbl->Release(f);
}

/* The associated contents table evaluates sub-restrictions too; the hierarchy table, whose rows
 * have no sub-objects, does not support them: MAPI_E_TOO_COMPLEX (ssubrestriction.md). */
static void test_associated_and_hierarchy(IMAPIFolder *inbox)
{
    IMAPIFolder *f = NULL;
    IMessage *fai = NULL, *plain = NULL;
    IMAPITable *t = NULL;
    SRestriction r, in, in2;
    SPropValue v;
    ULONG count = 99;
    HRESULT hr;

    wt_context("RES_SUBRESTRICTION on associated contents and hierarchy tables");
    hr = inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)"subrestrict-fai", NULL, NULL, 0, &f);
    if (!ok(hr == S_OK && f, "CreateFolder %#lx\n", hr)) return;
    if ((fai = new_message(f, "settings", MAPI_ASSOCIATED)))
    {
        add_attachment(fai, "config.xml", ATTACH_BY_VALUE);
        save(fai, "associated message");
    }
    /* a normal message with the same attachment name and a recipient */
    if ((plain = new_message(f, "plain", 0)))
    {
        add_attachment(plain, "config.xml", ATTACH_BY_VALUE);
        add_recipient(plain, L"Erin", "erin@example.com", MAPI_TO);
        save(plain, "normal message");
    }
    r_content(&in, &v, PR_ATTACH_LONG_FILENAME_A, FL_FULLSTRING, "config.xml");
    r_sub(&r, PR_MESSAGE_ATTACHMENTS, &in);
    r_exist(&in2, PR_DISPLAY_NAME_A);
    hr = f->lpVtbl->GetContentsTable(f, MAPI_ASSOCIATED, &t);
    if (ok(hr == S_OK && t, "GetContentsTable(MAPI_ASSOCIATED) %#lx\n", hr))
    {
        ok(t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 1, "associated rows: %lu\n", count);
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK && t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 1,
           "associated: an attachment config.xml: %#lx, %lu rows\n", hr, count);
        v.Value.lpszA = (char *)"report.pdf";
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK && t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 0,
           "associated: an attachment report.pdf: %#lx, %lu rows\n", hr, count);
        r_sub(&r, PR_MESSAGE_RECIPIENTS, &in2);
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK && t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 0,
           "associated: a recipient: %#lx, %lu rows\n", hr, count);
        t->lpVtbl->Release(t);
        t = NULL;
    }
    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (ok(hr == S_OK && t, "GetContentsTable %#lx\n", hr))
    {
        r_content(&in, &v, PR_ATTACH_LONG_FILENAME_A, FL_FULLSTRING | FL_IGNORECASE, "CONFIG.XML");
        r_sub(&r, PR_MESSAGE_ATTACHMENTS, &in);
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK && t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 1,
           "normal: an attachment config.xml: %#lx, %lu rows\n", hr, count);
        r_sub(&r, PR_MESSAGE_RECIPIENTS, &in2);
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == S_OK && t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count == 1,
           "normal: a recipient: %#lx, %lu rows\n", hr, count);
        t->lpVtbl->Release(t);
        t = NULL;
    }
    hr = inbox->lpVtbl->GetHierarchyTable(inbox, 0, &t);
    if (ok(hr == S_OK && t, "GetHierarchyTable %#lx\n", hr))
    {
        ok(t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count >= 2, "hierarchy rows: %lu\n", count);
        r_sub(&r, PR_MESSAGE_RECIPIENTS, &in2);
        hr = t->lpVtbl->Restrict(t, &r, 0);
        ok(hr == MAPI_E_TOO_COMPLEX, "hierarchy: Restrict with a sub-restriction returned %#lx\n", hr);
        hr = t->lpVtbl->FindRow(t, &r, BOOKMARK_BEGINNING, 0);
        ok(hr == MAPI_E_TOO_COMPLEX, "hierarchy: FindRow with a sub-restriction returned %#lx\n", hr);
        ok(t->lpVtbl->GetRowCount(t, 0, &count) == S_OK && count >= 2, "hierarchy rows after the refusal: %lu\n", count);
        t->lpVtbl->Release(t);
    }
    if (fai) fai->lpVtbl->Release(fai);
    if (plain) plain->lpVtbl->Release(plain);
    f->lpVtbl->Release(f);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    IMAPIFolder *inbox = NULL;
    wt_profile p;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, "tandem-wt-subrestrict"))
    {
        if (wt_store_open(&p, &session, &mdb) && (inbox = open_inbox()))
        {
            test_contents(inbox);
            test_associated_and_hierarchy(inbox);
            inbox->lpVtbl->Release(inbox);
        }
        wt_store_close(&session, &mdb);
        wt_profile_delete(admin, &p);
    }
    wt_check_all_released((IUnknown *)admin);
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();
}
