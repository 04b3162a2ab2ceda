/*
 * test_store_ops.c - folder and message operations of the store through the public MAPI API
 * (issue 3 points 4, 5, 8, 9): DeleteMessages on open messages, ModifyRecipients MODIFY and
 * REMOVE, embedded messages and their nested saves, EmptyFolder, SetReadFlags, CopyFolder,
 * MAPI_NOREPLACE / MAPI_MOVE in CopyProps and CopyTo, named properties across sessions,
 * GetMessageStatus / SetMessageStatus.
 * Pages: imapifolder-*.md, imessage-modifyrecipients.md, iattach*.md, imapiprop-copyprops.md,
 * imapiprop-copyto.md, imapiprop-getidsfromnames.md.
 */
#include "wtest.h"
#include "wtmapi.h"

/* IID_IMessage (mapiguid.h); mapi32 exports no IIDs to link against */
static const IID iid_message = {0x00020307, 0, 0, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};

static IMAPISession *session;
static IMsgStore *mdb;

static IMAPIFolder *new_folder(IMAPIFolder *parent, const char *name)
{
    IMAPIFolder *f = NULL;
    HRESULT hr = parent->lpVtbl->CreateFolder(parent, FOLDER_GENERIC, (LPTSTR)name, NULL, NULL, OPEN_IF_EXISTS, &f);
    ok(hr == S_OK, "CreateFolder(%s) %#lx\n", name, hr);
    return f;
}

/* A saved message with this subject; its entry ID in *eid (MAPIAllocateBuffer'd) if asked. */
static IMessage *new_message(IMAPIFolder *f, const char *subject, ULONG flags, SBinary **eid)
{
    IMessage *m = NULL;
    SPropValue p[2], *v = NULL;
    HRESULT hr = f->lpVtbl->CreateMessage(f, NULL, flags, &m);

    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return NULL;
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = (char *)subject;
    p[1].ulPropTag = PR_MESSAGE_CLASS_A;
    p[1].Value.lpszA = (char *)"IPM.Note";
    m->lpVtbl->SetProps(m, 2, p, NULL);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges(%s) %#lx\n", subject, hr);
    if (eid && HrGetOneProp((IMAPIProp *)m, PR_ENTRYID, &v) == S_OK)
    {
        if (MAPIAllocateBuffer(sizeof(SBinary) + v->Value.bin.cb, (void **)eid) == S_OK)
        {
            (*eid)->cb = v->Value.bin.cb;
            (*eid)->lpb = (BYTE *)(*eid + 1);
            memcpy((*eid)->lpb, v->Value.bin.lpb, v->Value.bin.cb);
        }
        MAPIFreeBuffer(v);
    }
    return m;
}

static ULONG count_rows(IMAPIFolder *f, BOOL hierarchy, ULONG flags)
{
    IMAPITable *t = NULL;
    ULONG n = ~0u;
    HRESULT hr = hierarchy ? f->lpVtbl->GetHierarchyTable(f, flags, &t) : f->lpVtbl->GetContentsTable(f, flags, &t);
    if (SUCCEEDED(hr))
    {
        t->lpVtbl->GetRowCount(t, 0, &n);
        t->lpVtbl->Release(t);
    }
    return n;
}

static LONG get_long(void *o, ULONG tag)
{
    SPropValue *v = NULL;
    LONG r = -12345;
    if (HrGetOneProp((IMAPIProp *)o, tag, &v) == S_OK) { r = v->Value.l; MAPIFreeBuffer(v); }
    return r;
}

/* The PT_STRING8 value (static buffer) or "" when absent. */
static const char *get_str(void *o, ULONG tag)
{
    static char buf[256];
    SPropValue *v = NULL;
    buf[0] = 0;
    if (HrGetOneProp((IMAPIProp *)o, tag, &v) == S_OK) lstrcpynA(buf, v->Value.lpszA, sizeof(buf));
    MAPIFreeBuffer(v);
    return buf;
}

static IMessage *open_message(const SBinary *eid, ULONG flags)
{
    IMessage *m = NULL;
    ULONG type;
    HRESULT hr = mdb->lpVtbl->OpenEntry(mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, flags, &type, (IUnknown **)&m);
    ok(hr == S_OK && type == MAPI_MESSAGE, "OpenEntry(message) %#lx\n", hr);
    return m;
}

static void test_delete_open(IMAPIFolder *f)
{
    SBinary *ea = NULL, *eb = NULL, bins[2];
    IMessage *a, *b, *ro;
    ENTRYLIST list;
    ULONG type;
    HRESULT hr;

    wt_context("DeleteMessages on open messages");
    a = new_message(f, "open-a", 0, &ea);
    b = new_message(f, "open-b", 0, &eb);
    if (!ea || !eb) goto done;
    /* b was saved without KEEP_OPEN_*: it is no longer open for writing */
    hr = b->lpVtbl->SaveChanges(b, 0);
    ok(hr == S_OK, "SaveChanges(0) %#lx\n", hr);
    ro = open_message(eb, 0);   /* a read-only opener does not block */
    bins[0] = *ea;
    bins[1] = *eb;
    list.cValues = 2;
    list.lpbin = bins;
    hr = f->lpVtbl->DeleteMessages(f, &list, 0, NULL, 0);
    ok(hr == MAPI_W_PARTIAL_COMPLETION, "DeleteMessages with one message open read/write: %#lx\n", hr);
    ok(!strcmp(get_str(a, PR_SUBJECT_A), "open-a"), "the open message changed\n");
    if (ro) ro->lpVtbl->Release(ro);
    ro = NULL;
    hr = mdb->lpVtbl->OpenEntry(mdb, eb->cb, (ENTRYID *)eb->lpb, NULL, 0, &type, (IUnknown **)&ro);
    ok(hr == MAPI_E_NOT_FOUND, "the other message was not deleted: %#lx\n", hr);
    if (ro) ro->lpVtbl->Release(ro);
    /* a second read/write opener; both must go before the message can be deleted */
    ro = open_message(ea, MAPI_MODIFY);
    a->lpVtbl->Release(a);
    a = NULL;
    list.cValues = 1;
    hr = f->lpVtbl->DeleteMessages(f, &list, 0, NULL, 0);
    ok(hr == MAPI_W_PARTIAL_COMPLETION, "still open by the second opener: %#lx\n", hr);
    if (ro) ro->lpVtbl->Release(ro);
    hr = f->lpVtbl->DeleteMessages(f, &list, 0, NULL, 0);
    ok(hr == S_OK, "DeleteMessages after Release %#lx\n", hr);
done:
    if (a) a->lpVtbl->Release(a);
    if (b) b->lpVtbl->Release(b);
    MAPIFreeBuffer(ea);
    MAPIFreeBuffer(eb);
}

static ADRLIST *adrlist(ULONG n)
{
    ADRLIST *l = NULL;
    if (MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&l) != S_OK) return NULL;
    memset(l, 0, CbNewADRLIST(n));
    l->cEntries = n;
    return l;
}

static void set_entry(ADRLIST *l, ULONG i, LONG rowid, const char *name)
{
    SPropValue *v = NULL;
    ULONG n = 0;
    MAPIAllocateBuffer(3 * sizeof(SPropValue), (void **)&v);
    if (rowid >= 0) { v[n].ulPropTag = PR_ROWID; v[n++].Value.l = rowid; }
    if (name)
    {
        v[n].ulPropTag = PR_DISPLAY_NAME_A; v[n++].Value.lpszA = (char *)name;
        v[n].ulPropTag = PR_RECIPIENT_TYPE; v[n++].Value.l = MAPI_TO;
    }
    l->aEntries[i].rgPropVals = v;
    l->aEntries[i].cValues = n;
}

/* Display names of the recipient table, "; "-joined, in row order. */
static void recipient_names(IMessage *m, char *out, size_t size, LONG *rowids)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_ROWID}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i;

    out[0] = 0;
    if (FAILED(m->lpVtbl->GetRecipientTable(m, 0, &t))) return;
    if (HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK)
    {
        for (i = 0; i < rows->cRows; i++)
        {
            if (i) strncat(out, "; ", size - strlen(out) - 1);
            if (rows->aRow[i].lpProps[0].ulPropTag == PR_DISPLAY_NAME_A)
                strncat(out, rows->aRow[i].lpProps[0].Value.lpszA, size - strlen(out) - 1);
            if (rowids && i < 3) rowids[i] = rows->aRow[i].lpProps[1].Value.l;
        }
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);
}

static void test_recipients(IMAPIFolder *f)
{
    SBinary *eid = NULL;
    IMessage *m = new_message(f, "recipients", 0, &eid);
    LONG rowids[3] = {-1, -1, -1};
    char names[256];
    ADRLIST *l;
    HRESULT hr;

    wt_context("ModifyRecipients");
    if (!m || !eid) goto done;
    l = adrlist(3);
    set_entry(l, 0, -1, "Alice");
    set_entry(l, 1, -1, "Bob");
    set_entry(l, 2, -1, "Carol");
    hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, l);
    ok(hr == S_OK, "MODRECIP_ADD %#lx\n", hr);
    FreePadrlist(l);
    recipient_names(m, names, sizeof(names), rowids);
    ok(!strcmp(names, "Alice; Bob; Carol"), "after ADD: %s\n", names);
    ok(rowids[0] != rowids[1] && rowids[1] != rowids[2], "PR_ROWID %ld %ld %ld\n", rowids[0], rowids[1], rowids[2]);

    /* MODIFY replaces Bob's row; REMOVE drops Carol's (only PR_ROWID needed) */
    l = adrlist(1);
    set_entry(l, 0, rowids[1], "Robert");
    hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_MODIFY, l);
    ok(hr == S_OK, "MODRECIP_MODIFY %#lx\n", hr);
    FreePadrlist(l);
    l = adrlist(1);
    set_entry(l, 0, rowids[2], NULL);
    hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_REMOVE, l);
    ok(hr == S_OK, "MODRECIP_REMOVE %#lx\n", hr);
    FreePadrlist(l);
    recipient_names(m, names, sizeof(names), NULL);
    ok(!strcmp(names, "Alice; Robert"), "after MODIFY and REMOVE: %s\n", names);
    /* two operation flags at once are refused */
    l = adrlist(1);
    set_entry(l, 0, rowids[0], "X");
    hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD | MODRECIP_REMOVE, l);
    ok(hr == MAPI_E_INVALID_PARAMETER, "ADD|REMOVE %#lx\n", hr);
    FreePadrlist(l);

    /* unsaved: another opener still sees the old list; after SaveChanges, the new one */
    {
        IMessage *other = open_message(eid, 0);
        if (other)
        {
            recipient_names(other, names, sizeof(names), NULL);
            ok(!names[0], "unsaved recipients visible: %s\n", names);
            other->lpVtbl->Release(other);
        }
    }
    hr = m->lpVtbl->SaveChanges(m, 0);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);
    m->lpVtbl->Release(m);
    if ((m = open_message(eid, 0)))
    {
        recipient_names(m, names, sizeof(names), NULL);
        ok(!strcmp(names, "Alice; Robert"), "after reopening: %s\n", names);
        ok(!strcmp(get_str(m, PR_DISPLAY_TO_A), "Alice; Robert"), "PR_DISPLAY_TO %s\n", get_str(m, PR_DISPLAY_TO_A));
    }
done:
    if (m) m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);
}

/* Open the embedded message of attachment `num` of `m`. */
static IMessage *open_embedded(IMessage *m, ULONG num, ULONG flags, IAttach **att)
{
    IMessage *e = NULL;
    HRESULT hr;

    *att = NULL;
    hr = m->lpVtbl->OpenAttach(m, num, NULL, flags & MAPI_MODIFY, att);
    if (!ok(hr == S_OK, "OpenAttach(%lu) %#lx\n", num, hr)) return NULL;
    hr = (*att)->lpVtbl->OpenProperty(*att, PR_ATTACH_DATA_OBJ, &iid_message, 0, flags, (IUnknown **)&e);
    ok(hr == S_OK, "OpenProperty(PR_ATTACH_DATA_OBJ) %#lx\n", hr);
    return e;
}

static void test_embedded(IMAPIFolder *f)
{
    SBinary *eid = NULL;
    IMessage *m = new_message(f, "outer", 0, &eid), *e = NULL;
    IAttach *att = NULL;
    SPropValue p[2];
    ULONG num = 0, lost = 0;
    IMAPITable *t = NULL;
    HRESULT hr;

    wt_context("embedded messages");
    if (!m || !eid) goto done;
    /* an attachment never saved is lost, whatever its embedded message did */
    hr = m->lpVtbl->CreateAttach(m, NULL, 0, &lost, &att);
    ok(hr == S_OK, "CreateAttach %#lx\n", hr);
    if (att)
    {
        p[0].ulPropTag = PR_ATTACH_METHOD;
        p[0].Value.l = ATTACH_EMBEDDED_MSG;
        att->lpVtbl->SetProps(att, 1, p, NULL);
        hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_OBJ, &iid_message, 0, MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&e);
        ok(hr == S_OK, "OpenProperty(MAPI_CREATE) %#lx\n", hr);
        if (e)
        {
            p[0].ulPropTag = PR_SUBJECT_A;
            p[0].Value.lpszA = (char *)"lost";
            e->lpVtbl->SetProps(e, 1, p, NULL);
            ok(e->lpVtbl->SaveChanges(e, 0) == S_OK, "embedded SaveChanges\n");
            e->lpVtbl->Release(e);
            e = NULL;
        }
        att->lpVtbl->Release(att);   /* no SaveChanges */
        att = NULL;
    }

    /* the full chain: embedded -> attachment -> message */
    hr = m->lpVtbl->CreateAttach(m, NULL, 0, &num, &att);
    if (att)
    {
        ADRLIST *l = adrlist(1);
        p[0].ulPropTag = PR_ATTACH_METHOD;
        p[0].Value.l = ATTACH_EMBEDDED_MSG;
        att->lpVtbl->SetProps(att, 1, p, NULL);
        hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_OBJ, &iid_message, 0, MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&e);
        ok(hr == S_OK, "OpenProperty(MAPI_CREATE) %#lx\n", hr);
        if (e)
        {
            p[0].ulPropTag = PR_SUBJECT_A;
            p[0].Value.lpszA = (char *)"inner";
            p[1].ulPropTag = PR_MESSAGE_CLASS_A;
            p[1].Value.lpszA = (char *)"IPM.Note";
            e->lpVtbl->SetProps(e, 2, p, NULL);
            set_entry(l, 0, -1, "Inner Recipient");
            ok(e->lpVtbl->ModifyRecipients(e, MODRECIP_ADD, l) == S_OK, "embedded ModifyRecipients\n");
            ok(e->lpVtbl->SaveChanges(e, 0) == S_OK, "embedded SaveChanges\n");
            e->lpVtbl->Release(e);
            e = NULL;
        }
        FreePadrlist(l);
        ok(att->lpVtbl->SaveChanges(att, 0) == S_OK, "attachment SaveChanges\n");
        att->lpVtbl->Release(att);
        att = NULL;
    }
    hr = m->lpVtbl->SaveChanges(m, 0);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);
    m->lpVtbl->Release(m);

    if (!(m = open_message(eid, MAPI_MODIFY))) goto done;
    if (SUCCEEDED(m->lpVtbl->GetAttachmentTable(m, 0, &t)))
    {
        ULONG n = 0;
        t->lpVtbl->GetRowCount(t, 0, &n);
        ok(n == 1, "%lu attachments (the unsaved one must be gone)\n", n);
        t->lpVtbl->Release(t);
    }
    if ((e = open_embedded(m, num, 0, &att)))
    {
        IMAPITable *rt = NULL;
        ok(!strcmp(get_str(e, PR_SUBJECT_A), "inner"), "embedded subject %s\n", get_str(e, PR_SUBJECT_A));
        ok(get_long(e, PR_OBJECT_TYPE) == MAPI_MESSAGE, "embedded PR_OBJECT_TYPE\n");
        if (SUCCEEDED(e->lpVtbl->GetRecipientTable(e, 0, &rt)))
        {
            ULONG n = 0;
            rt->lpVtbl->GetRowCount(rt, 0, &n);
            ok(n == 1, "embedded recipients %lu\n", n);
            rt->lpVtbl->Release(rt);
        }
        ok(get_long(att, PR_ATTACH_METHOD) == ATTACH_EMBEDDED_MSG, "PR_ATTACH_METHOD\n");
        /* read-only embedded message: SaveChanges refused */
        hr = e->lpVtbl->SaveChanges(e, 0);
        ok(hr == MAPI_E_NO_ACCESS, "SaveChanges of a read-only embedded message %#lx\n", hr);
        e->lpVtbl->Release(e);
    }
    if (att) att->lpVtbl->Release(att);

    /* a change saved in the embedded message and the attachment but not the outer message is lost */
    if ((e = open_embedded(m, num, MAPI_MODIFY, &att)))
    {
        p[0].ulPropTag = PR_SUBJECT_A;
        p[0].Value.lpszA = (char *)"changed";
        e->lpVtbl->SetProps(e, 1, p, NULL);
        ok(e->lpVtbl->SaveChanges(e, 0) == S_OK, "embedded SaveChanges\n");
        e->lpVtbl->Release(e);
        ok(att->lpVtbl->SaveChanges(att, 0) == S_OK, "attachment SaveChanges\n");
    }
    if (att) att->lpVtbl->Release(att);
    m->lpVtbl->Release(m);   /* not saved */
    if ((m = open_message(eid, 0)))
    {
        if ((e = open_embedded(m, num, 0, &att)))
        {
            ok(!strcmp(get_str(e, PR_SUBJECT_A), "inner"), "unsaved outer message kept the change: %s\n",
               get_str(e, PR_SUBJECT_A));
            e->lpVtbl->Release(e);
        }
        if (att) att->lpVtbl->Release(att);
    }
done:
    if (m) m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);
}

static void test_empty_folder(IMAPIFolder *parent)
{
    IMAPIFolder *f = new_folder(parent, "To empty"), *sub;
    IMessage *m;
    HRESULT hr;

    wt_context("EmptyFolder");
    if (!f) return;
    if ((m = new_message(f, "one", 0, NULL))) m->lpVtbl->Release(m);
    if ((m = new_message(f, "two", 0, NULL))) m->lpVtbl->Release(m);
    if ((m = new_message(f, "hidden", MAPI_ASSOCIATED, NULL))) m->lpVtbl->Release(m);
    if ((sub = new_folder(f, "Inner")))
    {
        if ((m = new_message(sub, "deep", 0, NULL))) m->lpVtbl->Release(m);
        sub->lpVtbl->Release(sub);
    }
    ok(count_rows(f, FALSE, 0) == 2 && count_rows(f, FALSE, MAPI_ASSOCIATED) == 1 && count_rows(f, TRUE, 0) == 1,
       "before: %lu/%lu/%lu\n", count_rows(f, FALSE, 0), count_rows(f, FALSE, MAPI_ASSOCIATED), count_rows(f, TRUE, 0));
    hr = f->lpVtbl->EmptyFolder(f, 0, NULL, 0x40000000);
    ok(hr == MAPI_E_UNKNOWN_FLAGS, "unknown flag %#lx\n", hr);
    hr = f->lpVtbl->EmptyFolder(f, 0, NULL, 0);
    ok(hr == S_OK, "EmptyFolder %#lx\n", hr);
    ok(count_rows(f, FALSE, 0) == 0, "messages left: %lu\n", count_rows(f, FALSE, 0));
    ok(count_rows(f, TRUE, 0) == 0, "subfolders left: %lu\n", count_rows(f, TRUE, 0));
    ok(count_rows(f, FALSE, MAPI_ASSOCIATED) == 1, "associated messages kept without DEL_ASSOCIATED: %lu\n",
       count_rows(f, FALSE, MAPI_ASSOCIATED));
    ok(get_long(f, PR_CONTENT_COUNT) == 0, "PR_CONTENT_COUNT %ld\n", get_long(f, PR_CONTENT_COUNT));
    hr = f->lpVtbl->EmptyFolder(f, 0, NULL, DEL_ASSOCIATED);
    ok(hr == S_OK && count_rows(f, FALSE, MAPI_ASSOCIATED) == 0, "DEL_ASSOCIATED %#lx %lu\n", hr,
       count_rows(f, FALSE, MAPI_ASSOCIATED));
    f->lpVtbl->Release(f);
}

static void test_read_flags(IMAPIFolder *parent)
{
    IMAPIFolder *f = new_folder(parent, "Reading");
    SBinary *e1 = NULL, *e2 = NULL, bins[2];
    IMessage *m1 = NULL, *m2 = NULL, *m;
    ENTRYLIST list;
    HRESULT hr;

    wt_context("SetReadFlags");
    if (!f) return;
    m1 = new_message(f, "r1", 0, &e1);
    m2 = new_message(f, "r2", 0, &e2);
    if (m1) m1->lpVtbl->Release(m1);
    if (m2) m2->lpVtbl->Release(m2);
    if (!e1 || !e2) goto done;
    bins[0] = *e1;
    bins[1] = *e2;
    list.cValues = 1;
    list.lpbin = bins;
    ok(get_long(f, PR_CONTENT_UNREAD) == 2, "unread before %ld\n", get_long(f, PR_CONTENT_UNREAD));
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, 0);
    ok(hr == S_OK, "SetReadFlags %#lx\n", hr);
    if ((m = open_message(e1, 0)))
    {
        ok(get_long(m, PR_MESSAGE_FLAGS) & MSGFLAG_READ, "MSGFLAG_READ not set\n");
        m->lpVtbl->Release(m);
    }
    ok(get_long(f, PR_CONTENT_UNREAD) == 1, "unread after one %ld\n", get_long(f, PR_CONTENT_UNREAD));
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, CLEAR_READ_FLAG);
    ok(hr == S_OK && get_long(f, PR_CONTENT_UNREAD) == 2, "CLEAR_READ_FLAG %#lx, unread %ld\n", hr,
       get_long(f, PR_CONTENT_UNREAD));
    /* NULL list: every message of the folder */
    hr = f->lpVtbl->SetReadFlags(f, NULL, 0, NULL, SUPPRESS_RECEIPT);
    ok(hr == S_OK && get_long(f, PR_CONTENT_UNREAD) == 0, "all read %#lx, unread %ld\n", hr,
       get_long(f, PR_CONTENT_UNREAD));
    /* GENERATE_RECEIPT_ONLY changes no flag */
    list.cValues = 2;
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, CLEAR_READ_FLAG);
    ok(hr == S_OK, "clear both %#lx\n", hr);
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, GENERATE_RECEIPT_ONLY);
    ok(hr == S_OK && get_long(f, PR_CONTENT_UNREAD) == 2, "GENERATE_RECEIPT_ONLY %#lx, unread %ld\n", hr,
       get_long(f, PR_CONTENT_UNREAD));
    /* invalid combinations (imapifolder-setreadflags.md) */
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY);
    ok(hr == MAPI_E_INVALID_PARAMETER, "SUPPRESS_RECEIPT|GENERATE_RECEIPT_ONLY %#lx\n", hr);
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, CLEAR_READ_FLAG | SUPPRESS_RECEIPT);
    ok(hr == MAPI_E_INVALID_PARAMETER, "CLEAR_READ_FLAG|SUPPRESS_RECEIPT %#lx\n", hr);
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY);
    ok(hr == MAPI_E_INVALID_PARAMETER, "CLEAR_READ_FLAG|GENERATE_RECEIPT_ONLY %#lx\n", hr);
    hr = f->lpVtbl->SetReadFlags(f, &list, 0, NULL, 0x40000000);
    ok(hr == MAPI_E_UNKNOWN_FLAGS, "unknown flag %#lx\n", hr);
    ok(get_long(f, PR_CONTENT_UNREAD) == 2, "a refused call changed flags: unread %ld\n", get_long(f, PR_CONTENT_UNREAD));
done:
    MAPIFreeBuffer(e1);
    MAPIFreeBuffer(e2);
    f->lpVtbl->Release(f);
}

static SBinary *folder_eid(IMAPIFolder *f)
{
    SPropValue *v = NULL;
    SBinary *r = NULL;
    if (HrGetOneProp((IMAPIProp *)f, PR_ENTRYID, &v) == S_OK &&
        MAPIAllocateBuffer(sizeof(SBinary) + v->Value.bin.cb, (void **)&r) == S_OK)
    {
        r->cb = v->Value.bin.cb;
        r->lpb = (BYTE *)(r + 1);
        memcpy(r->lpb, v->Value.bin.lpb, r->cb);
    }
    MAPIFreeBuffer(v);
    return r;
}

static void test_copy_folder(IMAPIFolder *parent)
{
    IMAPIFolder *src = new_folder(parent, "Source"), *dest = new_folder(parent, "Target"), *child, *copy = NULL;
    SBinary *se = NULL;
    IMessage *m;
    ULONG type, result = 0;
    HRESULT hr;

    wt_context("CopyFolder");
    if (!src || !dest) goto done;
    if ((m = new_message(src, "top", 0, NULL))) m->lpVtbl->Release(m);
    if ((child = new_folder(src, "Child")))
    {
        if ((m = new_message(child, "below", 0, NULL))) m->lpVtbl->Release(m);
        child->lpVtbl->Release(child);
    }
    if (!(se = folder_eid(src))) goto done;
    hr = parent->lpVtbl->CopyFolder(parent, se->cb, (ENTRYID *)se->lpb, NULL, dest, (LPTSTR)"Flat", 0, NULL, 0);
    ok(hr == S_OK, "CopyFolder %#lx\n", hr);
    hr = parent->lpVtbl->CopyFolder(parent, se->cb, (ENTRYID *)se->lpb, NULL, dest, (LPTSTR)"Deep", 0, NULL, COPY_SUBFOLDERS);
    ok(hr == S_OK, "CopyFolder(COPY_SUBFOLDERS) %#lx\n", hr);
    hr = parent->lpVtbl->CopyFolder(parent, se->cb, (ENTRYID *)se->lpb, NULL, dest, (LPTSTR)"flat", 0, NULL, 0);
    ok(hr == MAPI_E_COLLISION, "name taken %#lx\n", hr);
    ok(count_rows(dest, TRUE, 0) == 2, "%lu folders in the target\n", count_rows(dest, TRUE, 0));
    if ((copy = new_folder(dest, "Flat")))
    {
        ok(count_rows(copy, FALSE, 0) == 1 && count_rows(copy, TRUE, 0) == 0, "without COPY_SUBFOLDERS: %lu msgs %lu folders\n",
           count_rows(copy, FALSE, 0), count_rows(copy, TRUE, 0));
        copy->lpVtbl->Release(copy);
    }
    if ((copy = new_folder(dest, "Deep")))
    {
        ok(count_rows(copy, FALSE, 0) == 1 && count_rows(copy, TRUE, 0) == 1, "with COPY_SUBFOLDERS: %lu msgs %lu folders\n",
           count_rows(copy, FALSE, 0), count_rows(copy, TRUE, 0));
        ok(count_rows(copy, TRUE, CONVENIENT_DEPTH) == 1, "deep hierarchy %lu\n", count_rows(copy, TRUE, CONVENIENT_DEPTH));
        copy->lpVtbl->Release(copy);
    }
    ok(count_rows(src, FALSE, 0) == 1 && count_rows(src, TRUE, 0) == 1, "the source changed by a copy\n");

    /* FOLDER_MOVE: the folder leaves its parent and keeps its entry ID */
    hr = parent->lpVtbl->CopyFolder(parent, se->cb, (ENTRYID *)se->lpb, NULL, dest, NULL, 0, NULL, FOLDER_MOVE);
    ok(hr == S_OK, "CopyFolder(FOLDER_MOVE) %#lx\n", hr);
    src->lpVtbl->Release(src);
    src = NULL;
    hr = mdb->lpVtbl->OpenEntry(mdb, se->cb, (ENTRYID *)se->lpb, NULL, MAPI_MODIFY, &type, (IUnknown **)&src);
    ok(hr == S_OK && type == MAPI_FOLDER, "the moved folder by its old entry ID %#lx\n", hr);
    if (src)
    {
        SPropValue *pe = NULL;
        SBinary *de = folder_eid(dest);
        if (de && HrGetOneProp((IMAPIProp *)src, PR_PARENT_ENTRYID, &pe) == S_OK)
        {
            mdb->lpVtbl->CompareEntryIDs(mdb, pe->Value.bin.cb, (ENTRYID *)pe->Value.bin.lpb, de->cb,
                                         (ENTRYID *)de->lpb, 0, &result);
            ok(result, "PR_PARENT_ENTRYID is not the target\n");
        }
        MAPIFreeBuffer(pe);
        MAPIFreeBuffer(de);
        ok(count_rows(src, TRUE, 0) == 1 && count_rows(src, FALSE, 0) == 1, "moved folder content\n");
    }
    ok(count_rows(dest, TRUE, 0) == 3, "%lu folders in the target after the move\n", count_rows(dest, TRUE, 0));
    /* a folder cannot go below itself */
    if (src)
    {
        hr = dest->lpVtbl->CopyFolder(dest, se->cb, (ENTRYID *)se->lpb, NULL, src, (LPTSTR)"Loop", 0, NULL, FOLDER_MOVE);
        ok(hr == MAPI_E_FOLDER_CYCLE, "move into itself %#lx\n", hr);
    }
done:
    MAPIFreeBuffer(se);
    if (src) src->lpVtbl->Release(src);
    if (dest) dest->lpVtbl->Release(dest);
}

static void test_copy_props(IMAPIFolder *f)
{
    IMessage *a = new_message(f, "copy-a", 0, NULL), *b = new_message(f, "copy-b", 0, NULL);
    SizedSPropTagArray(2, two) = {2, {PR_SUBJECT_A, PR_IMPORTANCE}};
    SizedSPropTagArray(1, sender) = {1, {PR_SENDER_NAME_A}};
    SizedSPropTagArray(1, excl) = {1, {PR_SUBJECT_A}};
    SPropProblemArray *problems = NULL;
    SPropValue p[2];
    HRESULT hr;

    wt_context("CopyProps/CopyTo");
    if (!a || !b) goto done;
    p[0].ulPropTag = PR_IMPORTANCE;
    p[0].Value.l = IMPORTANCE_HIGH;
    p[1].ulPropTag = PR_SENDER_NAME_A;
    p[1].Value.lpszA = (char *)"Sender";
    a->lpVtbl->SetProps(a, 2, p, NULL);
    hr = a->lpVtbl->CopyProps(a, (SPropTagArray *)&two, 0, NULL, &iid_message, b, MAPI_NOREPLACE, &problems);
    ok(hr == S_OK, "CopyProps(MAPI_NOREPLACE) %#lx\n", hr);
    MAPIFreeBuffer(problems);
    problems = NULL;
    ok(!strcmp(get_str(b, PR_SUBJECT_A), "copy-b"), "MAPI_NOREPLACE replaced the subject: %s\n", get_str(b, PR_SUBJECT_A));
    ok(get_long(b, PR_IMPORTANCE) == IMPORTANCE_HIGH, "the absent property was not copied\n");
    hr = a->lpVtbl->CopyProps(a, (SPropTagArray *)&two, 0, NULL, &iid_message, b, 0, NULL);
    ok(hr == S_OK && !strcmp(get_str(b, PR_SUBJECT_A), "copy-a"), "CopyProps without MAPI_NOREPLACE: %s\n",
       get_str(b, PR_SUBJECT_A));
    hr = a->lpVtbl->CopyProps(a, (SPropTagArray *)&sender, 0, NULL, &iid_message, b, MAPI_MOVE, NULL);
    ok(hr == S_OK, "CopyProps(MAPI_MOVE) %#lx\n", hr);
    ok(!strcmp(get_str(b, PR_SENDER_NAME_A), "Sender"), "moved value missing in the destination\n");
    ok(get_str(a, PR_SENDER_NAME_A)[0] == 0, "MAPI_MOVE left the value in the source\n");
    /* CopyTo with an exclusion, MAPI_NOREPLACE keeps what the destination has */
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = (char *)"copy-a2";
    p[1].ulPropTag = PR_IMPORTANCE;
    p[1].Value.l = IMPORTANCE_LOW;
    a->lpVtbl->SetProps(a, 2, p, NULL);
    hr = a->lpVtbl->CopyTo(a, 0, NULL, (SPropTagArray *)&excl, 0, NULL, &iid_message, b, MAPI_NOREPLACE, NULL);
    ok(hr == S_OK, "CopyTo %#lx\n", hr);
    ok(!strcmp(get_str(b, PR_SUBJECT_A), "copy-a") && get_long(b, PR_IMPORTANCE) == IMPORTANCE_HIGH,
       "CopyTo(MAPI_NOREPLACE) with exclusion: %s %ld\n", get_str(b, PR_SUBJECT_A), get_long(b, PR_IMPORTANCE));
    hr = a->lpVtbl->CopyTo(a, 0, NULL, (SPropTagArray *)&excl, 0, NULL, &iid_message, b, 0, NULL);
    ok(hr == S_OK && !strcmp(get_str(b, PR_SUBJECT_A), "copy-a") && get_long(b, PR_IMPORTANCE) == IMPORTANCE_LOW,
       "CopyTo with exclusion: %#lx %s %ld\n", hr, get_str(b, PR_SUBJECT_A), get_long(b, PR_IMPORTANCE));
    hr = a->lpVtbl->CopyTo(a, 0, NULL, NULL, 0, NULL, &iid_message, b, MAPI_MOVE | MAPI_NOREPLACE | 0x40000000, NULL);
    ok(hr == MAPI_E_UNKNOWN_FLAGS, "CopyTo with an unknown flag %#lx\n", hr);
done:
    if (a) a->lpVtbl->Release(a);
    if (b) b->lpVtbl->Release(b);
}

static void test_message_status(IMAPIFolder *f)
{
    SBinary *eid = NULL;
    IMessage *m = new_message(f, "status", 0, &eid);
    ULONG status = 99, old = 99;
    HRESULT hr;

    wt_context("Get/SetMessageStatus");
    if (!eid) goto done;
    hr = f->lpVtbl->GetMessageStatus(f, eid->cb, (ENTRYID *)eid->lpb, 0, &status);
    ok(hr == S_OK && status == 0, "initial status %#lx %#lx\n", hr, status);
    hr = f->lpVtbl->SetMessageStatus(f, eid->cb, (ENTRYID *)eid->lpb, MSGSTATUS_HIGHLIGHTED | MSGSTATUS_TAGGED,
                                     MSGSTATUS_HIGHLIGHTED, &old);
    ok(hr == S_OK && old == 0, "SetMessageStatus %#lx old %#lx\n", hr, old);
    hr = f->lpVtbl->GetMessageStatus(f, eid->cb, (ENTRYID *)eid->lpb, 0, &status);
    ok(hr == S_OK && status == MSGSTATUS_HIGHLIGHTED, "only the masked bit: %#lx\n", status);
    hr = f->lpVtbl->SetMessageStatus(f, eid->cb, (ENTRYID *)eid->lpb, MSGSTATUS_TAGGED,
                                     MSGSTATUS_TAGGED | MSGSTATUS_HIGHLIGHTED, &old);
    ok(hr == S_OK && old == MSGSTATUS_HIGHLIGHTED, "old status %#lx\n", old);
    hr = f->lpVtbl->GetMessageStatus(f, eid->cb, (ENTRYID *)eid->lpb, 0, &status);
    ok(hr == S_OK && status == MSGSTATUS_TAGGED, "status %#lx\n", status);
    if (m)
    {
        IMessage *fresh = open_message(eid, 0);
        if (fresh)
        {
            ok(get_long(fresh, PR_MSG_STATUS) == MSGSTATUS_TAGGED, "PR_MSG_STATUS %ld\n", get_long(fresh, PR_MSG_STATUS));
            fresh->lpVtbl->Release(fresh);
        }
    }
    hr = f->lpVtbl->GetMessageStatus(f, eid->cb, (ENTRYID *)eid->lpb, 0, NULL);
    ok(hr == MAPI_E_INVALID_PARAMETER, "NULL status %#lx\n", hr);
    hr = f->lpVtbl->GetMessageStatus(f, eid->cb - 2, (ENTRYID *)eid->lpb, 0, &status);
    ok(hr == MAPI_E_INVALID_ENTRYID || hr == MAPI_E_NOT_FOUND, "truncated ID %#lx\n", hr);
done:
    if (m) m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);
}

/* Named properties: the mapping outlives the session; values under named IDs too. */
static void test_named_across_sessions(const wt_profile *p, IMAPIFolder **f)
{
    static GUID set1 = {0x00020329, 0, 0, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};
    static GUID set2 = {0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, 8}};
    MAPINAMEID n[3], *names[3] = {&n[0], &n[1], &n[2]}, **back = NULL;
    SPropTagArray *first = NULL, *second = NULL;
    SBinary *eid = NULL;
    IMessage *m;
    ULONG i, c = 0;
    HRESULT hr;

    wt_context("named properties across sessions");
    n[0].lpguid = &set1; n[0].ulKind = MNID_STRING; n[0].Kind.lpwstrName = (WCHAR *)L"Tandem-Stable";
    n[1].lpguid = &set2; n[1].ulKind = MNID_ID;     n[1].Kind.lID = 0x8001;
    n[2].lpguid = &set2; n[2].ulKind = MNID_STRING; n[2].Kind.lpwstrName = (WCHAR *)L"Other";
    hr = mdb->lpVtbl->GetIDsFromNames(mdb, 3, names, MAPI_CREATE, &first);
    ok(hr == S_OK, "GetIDsFromNames(MAPI_CREATE) %#lx\n", hr);
    if (FAILED(hr)) return;
    for (i = 0; i < 3; i++) ok(PROP_ID(first->aulPropTag[i]) >= 0x8000, "ID %#lx\n", first->aulPropTag[i]);
    ok(first->aulPropTag[0] != first->aulPropTag[1] && first->aulPropTag[1] != first->aulPropTag[2], "IDs not distinct\n");
    /* a message carries a value under the first name */
    if ((m = new_message(*f, "named", 0, &eid)))
    {
        SPropValue v;
        v.ulPropTag = PROP_TAG(PT_LONG, PROP_ID(first->aulPropTag[0]));
        v.Value.l = 4242;
        m->lpVtbl->SetProps(m, 1, &v, NULL);
        ok(m->lpVtbl->SaveChanges(m, 0) == S_OK, "SaveChanges\n");
        m->lpVtbl->Release(m);
    }
    (*f)->lpVtbl->Release(*f);
    *f = NULL;
    wt_store_close(&session, &mdb);

    if (!wt_store_open(p, &session, &mdb)) goto done;
    hr = mdb->lpVtbl->GetIDsFromNames(mdb, 3, names, 0, &second);
    ok(hr == S_OK, "GetIDsFromNames in a new session %#lx\n", hr);
    for (i = 0; second && i < 3; i++)
        ok(PROP_ID(second->aulPropTag[i]) == PROP_ID(first->aulPropTag[i]), "name %lu: %#lx then %#lx\n", i,
           first->aulPropTag[i], second->aulPropTag[i]);
    hr = mdb->lpVtbl->GetNamesFromIDs(mdb, &first, NULL, 0, &c, &back);
    ok(hr == S_OK && c == 3 && back[1]->ulKind == MNID_ID && back[1]->Kind.lID == 0x8001 &&
       IsEqualGUID(back[1]->lpguid, &set2) && !lstrcmpW(back[2]->Kind.lpwstrName, L"Other"),
       "GetNamesFromIDs %#lx\n", hr);
    MAPIFreeBuffer(back);
    if (eid && (m = open_message(eid, 0)))
    {
        ok(get_long(m, PROP_TAG(PT_LONG, PROP_ID(first->aulPropTag[0]))) == 4242, "named value in the new session\n");
        m->lpVtbl->Release(m);
    }
done:
    MAPIFreeBuffer(first);
    MAPIFreeBuffer(second);
    MAPIFreeBuffer(eid);
}

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

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    ULONG blocks, objects, provider_objects;
    IMAPIFolder *inbox;
    wt_profile p;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, "tandem-wt-store-ops"))
    {
        if (wt_store_open(&p, &session, &mdb) && (inbox = open_inbox()))
        {
            test_delete_open(inbox);
            test_recipients(inbox);
            test_embedded(inbox);
            test_empty_folder(inbox);
            test_read_flags(inbox);
            test_copy_folder(inbox);
            test_copy_props(inbox);
            test_message_status(inbox);
            test_named_across_sessions(&p, &inbox);
            if (inbox) inbox->lpVtbl->Release(inbox);
        }
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
