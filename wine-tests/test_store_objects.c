/*
 * test_store_objects.c - the message store's object model through the public MAPI API
 * (issue 3): provisioning and store properties, folders, messages and their transactions,
 * entry IDs, receive folders, recipients, attachments, streams, named properties,
 * copy/move/delete, persistence across sessions.
 * Pages: imsgstore-*.md, imapifolder-*.md, imessage-*.md, iattach*.md, imapiprop-*.md.
 */
#include "wtest.h"
#include "wtmapi.h"

#ifndef PR_IPM_DRAFTS_ENTRYID
#define PR_IPM_DRAFTS_ENTRYID PROP_TAG(PT_BINARY, 0x36D7)
#endif

static IMAPISession *session;
static IMsgStore *mdb;

static IMAPIFolder *open_folder_by_prop(IMAPIProp *obj, ULONG tag)
{
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    ULONG type = 0;
    HRESULT hr = HrGetOneProp(obj, tag, &v);

    if (!ok(hr == S_OK, "property %#lx: %#lx\n", tag, hr)) return NULL;
    hr = mdb->lpVtbl->OpenEntry(mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, NULL, MAPI_MODIFY, &type,
                                (IUnknown **)&f);
    ok(hr == S_OK && type == MAPI_FOLDER, "OpenEntry(%#lx) %#lx type %lu\n", tag, hr, type);
    MAPIFreeBuffer(v);
    return f;
}

static ULONG row_count(IMAPIFolder *f, ULONG flags)
{
    IMAPITable *t = NULL;
    ULONG n = ~0u;
    if (SUCCEEDED(f->lpVtbl->GetContentsTable(f, flags, &t)))
    {
        t->lpVtbl->GetRowCount(t, 0, &n);
        t->lpVtbl->Release(t);
    }
    return n;
}

static LONG get_long(IMAPIProp *o, ULONG tag)
{
    SPropValue *v = NULL;
    LONG r = -12345;
    if (HrGetOneProp(o, tag, &v) == S_OK) { r = v->Value.l; MAPIFreeBuffer(v); }
    return r;
}

static void test_provisioning(void)
{
    static const ULONG ipm[] = {PR_IPM_SUBTREE_ENTRYID, PR_IPM_OUTBOX_ENTRYID, PR_IPM_SENTMAIL_ENTRYID,
                                PR_IPM_WASTEBASKET_ENTRYID};
    IMAPIFolder *root = NULL, *f;
    SPropValue *v = NULL, *p = NULL;
    ULONG type, i, result = 0;
    LONG mask;
    HRESULT hr;

    wt_context("provisioning");
    mask = get_long((IMAPIProp *)mdb, PR_VALID_FOLDER_MASK);
    ok((mask & 0x1f) == 0x1f, "PR_VALID_FOLDER_MASK %#lx\n", mask);
    mask = get_long((IMAPIProp *)mdb, PR_STORE_SUPPORT_MASK);
    ok((mask & STORE_UNICODE_OK) && (mask & STORE_MODIFY_OK) && (mask & STORE_SUBMIT_OK),
       "PR_STORE_SUPPORT_MASK %#lx\n", mask);
    for (i = 0; i < ARRAYSIZE(ipm); i++)
        if ((f = open_folder_by_prop((IMAPIProp *)mdb, ipm[i])))
        {
            ok(get_long((IMAPIProp *)f, PR_FOLDER_TYPE) == FOLDER_GENERIC, "folder type\n");
            f->lpVtbl->Release(f);
        }
    hr = mdb->lpVtbl->OpenEntry(mdb, 0, NULL, NULL, 0, &type, (IUnknown **)&root);
    ok(hr == S_OK && type == MAPI_FOLDER, "OpenEntry(NULL) %#lx %lu\n", hr, type);
    if (!root) return;
    ok(get_long((IMAPIProp *)root, PR_FOLDER_TYPE) == FOLDER_ROOT, "root type\n");
    if (HrGetOneProp((IMAPIProp *)root, PR_ENTRYID, &v) == S_OK &&
        HrGetOneProp((IMAPIProp *)root, PR_PARENT_ENTRYID, &p) == S_OK)
    {
        hr = mdb->lpVtbl->CompareEntryIDs(mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, p->Value.bin.cb,
                                          (ENTRYID *)p->Value.bin.lpb, 0, &result);
        ok(hr == S_OK && result, "root parent is itself: %#lx %lu\n", hr, result);
        ok(v->Value.bin.cb > 20 && !v->Value.bin.lpb[0], "long-term ID flags %#x\n", v->Value.bin.lpb[0]);
        /* short-term form (flags set) compares equal */
        v->Value.bin.lpb[0] = 0xff;
        hr = mdb->lpVtbl->CompareEntryIDs(mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, p->Value.bin.cb,
                                          (ENTRYID *)p->Value.bin.lpb, 0, &result);
        ok(hr == S_OK && result, "short vs long form: %#lx %lu\n", hr, result);
        /* truncated and random IDs */
        hr = mdb->lpVtbl->OpenEntry(mdb, v->Value.bin.cb - 3, (ENTRYID *)v->Value.bin.lpb, NULL, 0, &type, (IUnknown **)&f);
        ok(hr == MAPI_E_INVALID_ENTRYID, "truncated ID: %#lx\n", hr);
        memset(v->Value.bin.lpb + 20, 0x5a, v->Value.bin.cb - 20);
        hr = mdb->lpVtbl->OpenEntry(mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, NULL, 0, &type, (IUnknown **)&f);
        ok(hr == MAPI_E_INVALID_ENTRYID || hr == MAPI_E_NOT_FOUND, "random ID: %#lx\n", hr);
    }
    MAPIFreeBuffer(v);
    MAPIFreeBuffer(p);
    v = NULL;
    ok(HrGetOneProp((IMAPIProp *)root, PR_IPM_DRAFTS_ENTRYID, &v) == S_OK, "PR_IPM_DRAFTS_ENTRYID on the root\n");
    MAPIFreeBuffer(v);
    root->lpVtbl->Release(root);
}

static void test_receive_folders(void)
{
    ENTRYID *eid = NULL, *eid2 = NULL;
    ULONG cb = 0, cb2 = 0, result = 0;
    char *cls = NULL;
    IMAPIFolder *sub = NULL, *inbox = NULL;
    ULONG type;
    SPropValue *v = NULL;
    IMAPITable *t = NULL;
    HRESULT hr;

    wt_context("receive folders");
    hr = mdb->lpVtbl->GetReceiveFolder(mdb, NULL, 0, &cb, &eid, (LPTSTR *)&cls);
    ok(hr == S_OK && eid && cls && !cls[0], "default receive folder %#lx\n", hr);
    MAPIFreeBuffer(cls);
    cls = NULL;
    if (!eid) return;
    hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&inbox);
    ok(hr == S_OK, "open Inbox %#lx\n", hr);
    if (inbox)
    {
        ok(HrGetOneProp((IMAPIProp *)inbox, PR_IPM_DRAFTS_ENTRYID, &v) == S_OK, "PR_IPM_DRAFTS_ENTRYID on the Inbox\n");
        MAPIFreeBuffer(v);
        hr = inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)"Foo mail", NULL, NULL, OPEN_IF_EXISTS, &sub);
        ok(hr == S_OK, "CreateFolder %#lx\n", hr);
    }
    if (sub && HrGetOneProp((IMAPIProp *)sub, PR_ENTRYID, &v) == S_OK)
    {
        hr = mdb->lpVtbl->SetReceiveFolder(mdb, (LPTSTR)"IPM.Foo", 0, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb);
        ok(hr == S_OK, "SetReceiveFolder %#lx\n", hr);
        hr = mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR)"ipm.foo.bar", 0, &cb2, &eid2, (LPTSTR *)&cls);
        ok(hr == S_OK && cls && !strcmp(cls, "IPM.Foo"), "longest prefix: %#lx %s\n", hr, cls ? cls : "-");
        hr = mdb->lpVtbl->CompareEntryIDs(mdb, cb2, eid2, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, 0, &result);
        ok(hr == S_OK && result, "receive folder is the subfolder\n");
        MAPIFreeBuffer(cls);
        MAPIFreeBuffer(eid2);
        cls = NULL;
        hr = mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR)"IPM.Note.X", 0, &cb2, &eid2, (LPTSTR *)&cls);
        ok(hr == S_OK && cls && !strcmp(cls, "IPM"), "IPM.Note.X -> %s\n", cls ? cls : "-");
        MAPIFreeBuffer(cls);
        MAPIFreeBuffer(eid2);
        hr = mdb->lpVtbl->SetReceiveFolder(mdb, (LPTSTR)"IPM.Foo", 0, 0, NULL);
        ok(hr == S_OK, "remove %#lx\n", hr);
        hr = mdb->lpVtbl->SetReceiveFolder(mdb, (LPTSTR)"IPM.None", 0, 0, NULL);
        ok(hr == S_OK, "remove absent %#lx\n", hr);
        MAPIFreeBuffer(v);
    }
    hr = mdb->lpVtbl->GetReceiveFolderTable(mdb, 0, &t);
    ok(hr == S_OK, "GetReceiveFolderTable %#lx\n", hr);
    if (t)
    {
        ULONG n = 0;
        t->lpVtbl->GetRowCount(t, 0, &n);
        ok(n >= 4, "%lu receive folder rows\n", n);
        t->lpVtbl->Release(t);
    }
    /* collision */
    if (inbox)
    {
        IMAPIFolder *again = NULL;
        hr = inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)"foo MAIL", NULL, NULL, 0, &again);
        ok(hr == MAPI_E_COLLISION, "duplicate name: %#lx\n", hr);
        if (again) again->lpVtbl->Release(again);
    }
    if (sub) sub->lpVtbl->Release(sub);
    if (inbox) inbox->lpVtbl->Release(inbox);
    MAPIFreeBuffer(eid);
}

static void test_messages(IMAPIFolder *f)
{
    IMessage *m = NULL, *a = NULL, *b = NULL;
    SPropValue props[4], *v = NULL;
    ULONG n0 = row_count(f, 0), type, count;
    SPropProblemArray *problems = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0;
    HRESULT hr;

    wt_context("messages and transactions");
    /* an unsaved message vanishes */
    hr = f->lpVtbl->CreateMessage(f, NULL, 0, &m);
    ok(hr == S_OK, "CreateMessage %#lx\n", hr);
    if (!m) return;
    props[0].ulPropTag = PR_SUBJECT_A;
    props[0].Value.lpszA = (char *)"never saved";
    m->lpVtbl->SetProps(m, 1, props, NULL);
    m->lpVtbl->Release(m);
    ok(row_count(f, 0) == n0, "unsaved message in the table\n");

    hr = f->lpVtbl->CreateMessage(f, NULL, 0, &m);
    props[0].ulPropTag = PR_SUBJECT_W;
    props[0].Value.lpszW = (WCHAR *)L"Hello";
    props[1].ulPropTag = PR_MESSAGE_CLASS_A;
    props[1].Value.lpszA = (char *)"IPM.Note";
    props[2].ulPropTag = PR_ENTRYID;
    props[2].Value.bin.cb = 0;
    props[2].Value.bin.lpb = NULL;
    props[3].ulPropTag = PROP_TAG(PT_MV_LONG, 0x6800);
    {
        static LONG vals[3] = {1, 2, 3};
        props[3].Value.MVl.cValues = 3;
        props[3].Value.MVl.lpl = vals;
    }
    hr = m->lpVtbl->SetProps(m, 4, props, &problems);
    ok(hr == S_OK && problems && problems->cProblem == 1 && problems->aProblem[0].scode == MAPI_E_COMPUTED,
       "SetProps %#lx problems %p\n", hr, problems);
    MAPIFreeBuffer(problems);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges %#lx\n", hr);
    ok(row_count(f, 0) == n0 + 1, "saved message not in the table\n");
    ok((get_long((IMAPIProp *)m, PR_MESSAGE_FLAGS) & (MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED)) == (MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED),
       "flags after the first save %#lx\n", get_long((IMAPIProp *)m, PR_MESSAGE_FLAGS));
    /* UNSENT is read-only after the first save (fact 18) */
    props[0].ulPropTag = PR_MESSAGE_FLAGS;
    props[0].Value.l = MSGFLAG_READ;
    m->lpVtbl->SetProps(m, 1, props, NULL);
    ok(get_long((IMAPIProp *)m, PR_MESSAGE_FLAGS) & MSGFLAG_UNSENT, "UNSENT changed after save\n");
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK && !(get_long((IMAPIProp *)m, PR_MESSAGE_FLAGS) & MSGFLAG_UNMODIFIED), "second save clears UNMODIFIED\n");

    /* ANSI read of a Unicode value, missing property */
    {
        SizedSPropTagArray(3, tags) = {3, {PR_SUBJECT_A, PR_BODY_W, PROP_TAG(PT_MV_LONG, 0x6800)}};
        hr = m->lpVtbl->GetProps(m, (SPropTagArray *)&tags, 0, &count, &v);
        ok(hr == MAPI_W_ERRORS_RETURNED && count == 3 && !strcmp(v[0].Value.lpszA, "Hello") &&
           PROP_TYPE(v[1].ulPropTag) == PT_ERROR && v[2].Value.MVl.cValues == 3, "GetProps %#lx\n", hr);
        MAPIFreeBuffer(v);
        v = NULL;
    }
    if (HrGetOneProp((IMAPIProp *)m, PR_ENTRYID, &v) == S_OK)
    {
        cb = v->Value.bin.cb;
        MAPIAllocateBuffer(cb, (void **)&eid);
        memcpy(eid, v->Value.bin.lpb, cb);
        MAPIFreeBuffer(v);
        v = NULL;
    }
    m->lpVtbl->Release(m);
    if (!eid) return;

    /* two open copies: the second save gets MAPI_E_OBJECT_CHANGED, FORCE_SAVE overrides */
    mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&a);
    mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&b);
    ok(a && b, "OpenEntry of the message\n");
    if (a && b)
    {
        props[0].ulPropTag = PR_SUBJECT_W;
        props[0].Value.lpszW = (WCHAR *)L"from a";
        a->lpVtbl->SetProps(a, 1, props, NULL);
        props[0].Value.lpszW = (WCHAR *)L"from b";
        b->lpVtbl->SetProps(b, 1, props, NULL);
        hr = a->lpVtbl->SaveChanges(a, KEEP_OPEN_READWRITE);
        ok(hr == S_OK, "first save %#lx\n", hr);
        hr = b->lpVtbl->SaveChanges(b, KEEP_OPEN_READWRITE);
        ok(hr == MAPI_E_OBJECT_CHANGED, "second save %#lx\n", hr);
        hr = b->lpVtbl->SaveChanges(b, FORCE_SAVE);
        ok(hr == S_OK, "FORCE_SAVE %#lx\n", hr);
    }
    if (a) a->lpVtbl->Release(a);
    if (b) b->lpVtbl->Release(b);

    /* recipients, attachments, streams */
    hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&m);
    if (m)
    {
        ADRLIST *list = NULL;
        IAttach *att = NULL;
        IStream *st = NULL;
        ULONG num = 0, i;
        IMAPITable *t = NULL;
        static char big[40000];

        MAPIAllocateBuffer(CbNewADRLIST(2), (void **)&list);
        list->cEntries = 2;
        for (i = 0; i < 2; i++)
        {
            MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&list->aEntries[i].rgPropVals);
            list->aEntries[i].cValues = 2;
            list->aEntries[i].rgPropVals[0].ulPropTag = PR_DISPLAY_NAME_A;
            list->aEntries[i].rgPropVals[0].Value.lpszA = i ? (char *)"Bob" : (char *)"Alice";
            list->aEntries[i].rgPropVals[1].ulPropTag = PR_RECIPIENT_TYPE;
            list->aEntries[i].rgPropVals[1].Value.l = i ? MAPI_CC : MAPI_TO;
        }
        hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, list);
        ok(hr == S_OK, "ModifyRecipients %#lx\n", hr);
        FreePadrlist(list);
        hr = m->lpVtbl->CreateAttach(m, NULL, 0, &num, &att);
        ok(hr == S_OK, "CreateAttach %#lx\n", hr);
        if (att)
        {
            props[0].ulPropTag = PR_ATTACH_METHOD;
            props[0].Value.l = ATTACH_BY_VALUE;
            att->lpVtbl->SetProps(att, 1, props, NULL);
            hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&st);
            ok(hr == S_OK, "OpenProperty(stream) %#lx\n", hr);
            if (st)
            {
                memset(big, 'x', sizeof(big));
                st->lpVtbl->Write(st, big, sizeof(big), NULL);
                ok(st->lpVtbl->Commit(st, 0) == S_OK, "Commit\n");
                st->lpVtbl->Release(st);
            }
            ok(att->lpVtbl->SaveChanges(att, 0) == S_OK, "attach SaveChanges\n");
            att->lpVtbl->Release(att);
        }
        hr = m->lpVtbl->SaveChanges(m, 0);
        ok(hr == S_OK, "SaveChanges %#lx\n", hr);
        m->lpVtbl->Release(m);
        m = NULL;
        hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, 0, &type, (IUnknown **)&m);
        if (m)
        {
            SPropValue *p = NULL;
            ok(HrGetOneProp((IMAPIProp *)m, PR_DISPLAY_TO_A, &p) == S_OK && !strcmp(p->Value.lpszA, "Alice"),
               "PR_DISPLAY_TO\n");
            MAPIFreeBuffer(p);
            ok(get_long((IMAPIProp *)m, PR_HASATTACH) == TRUE || (get_long((IMAPIProp *)m, PR_MESSAGE_FLAGS) & MSGFLAG_HASATTACH),
               "HASATTACH\n");
            if (SUCCEEDED(m->lpVtbl->GetRecipientTable(m, 0, &t)))
            {
                ULONG n = 0;
                t->lpVtbl->GetRowCount(t, 0, &n);
                ok(n == 2, "%lu recipients\n", n);
                t->lpVtbl->Release(t);
            }
            att = NULL;
            hr = m->lpVtbl->OpenAttach(m, num, NULL, 0, &att);
            ok(hr == S_OK, "OpenAttach %#lx\n", hr);
            if (att)
            {
                SizedSPropTagArray(1, bin) = {1, {PR_ATTACH_DATA_BIN}};
                ULONG c = 0;
                p = NULL;
                hr = att->lpVtbl->GetProps(att, (SPropTagArray *)&bin, 0, &c, &p);
                ok(hr == MAPI_W_ERRORS_RETURNED && p && p[0].ulPropTag == PROP_TAG(PT_ERROR, PROP_ID(PR_ATTACH_DATA_BIN)) &&
                   p[0].Value.err == MAPI_E_NOT_ENOUGH_MEMORY, "40 KB value by GetProps: %#lx\n", hr);
                MAPIFreeBuffer(p);
                st = NULL;
                hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0, (IUnknown **)&st);
                if (st)
                {
                    STATSTG stat;
                    st->lpVtbl->Stat(st, &stat, STATFLAG_NONAME);
                    ok(stat.cbSize.QuadPart == sizeof(big), "stream size %lu\n", (ULONG)stat.cbSize.QuadPart);
                    st->lpVtbl->Release(st);
                }
                att->lpVtbl->Release(att);
            }
            m->lpVtbl->Release(m);
        }
    }

    /* named properties */
    {
        MAPINAMEID name, *names[1] = {&name}, **back = NULL;
        SPropTagArray *tags = NULL;
        GUID set = {0x00020329, 0, 0, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};
        ULONG c = 0;
        name.lpguid = &set;
        name.ulKind = MNID_STRING;
        name.Kind.lpwstrName = (WCHAR *)L"Tandem-Test";
        hr = mdb->lpVtbl->GetIDsFromNames(mdb, 1, names, 0, &tags);
        ok(hr == MAPI_W_ERRORS_RETURNED, "unknown name without MAPI_CREATE %#lx\n", hr);
        MAPIFreeBuffer(tags);
        tags = NULL;
        hr = f->lpVtbl->GetIDsFromNames(f, 1, names, MAPI_CREATE, &tags);
        ok(hr == S_OK && PROP_ID(tags->aulPropTag[0]) >= 0x8000, "MAPI_CREATE %#lx\n", hr);
        if (hr == S_OK)
        {
            hr = mdb->lpVtbl->GetNamesFromIDs(mdb, &tags, NULL, 0, &c, &back);
            ok(hr == S_OK && c == 1 && back[0]->ulKind == MNID_STRING && !lstrcmpW(back[0]->Kind.lpwstrName, L"Tandem-Test"),
               "GetNamesFromIDs %#lx\n", hr);
            MAPIFreeBuffer(back);
        }
        MAPIFreeBuffer(tags);
    }

    /* copy, move, delete */
    {
        IMAPIFolder *dest = NULL;
        ENTRYLIST list;
        SBinary bin;
        hr = f->lpVtbl->CreateFolder(f, FOLDER_GENERIC, (LPTSTR)"Copies", NULL, NULL, OPEN_IF_EXISTS, &dest);
        ok(hr == S_OK, "CreateFolder %#lx\n", hr);
        bin.cb = cb;
        bin.lpb = (BYTE *)eid;
        list.cValues = 1;
        list.lpbin = &bin;
        if (dest)
        {
            hr = f->lpVtbl->CopyMessages(f, &list, NULL, dest, 0, NULL, 0);
            ok(hr == S_OK && row_count(dest, 0) == 1 && row_count(f, 0) == n0 + 1, "copy %#lx\n", hr);
            hr = f->lpVtbl->CopyMessages(f, &list, NULL, dest, 0, NULL, MESSAGE_MOVE);
            ok(hr == S_OK && row_count(dest, 0) == 2 && row_count(f, 0) == n0, "move %#lx\n", hr);
            /* the moved message keeps its entry ID */
            m = NULL;
            hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, 0, &type, (IUnknown **)&m);
            ok(hr == S_OK, "open after move %#lx\n", hr);
            if (m) m->lpVtbl->Release(m);
            hr = dest->lpVtbl->DeleteMessages(dest, &list, 0, NULL, 0);
            ok(hr == S_OK && row_count(dest, 0) == 1, "delete %#lx\n", hr);
            hr = mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, 0, &type, (IUnknown **)&m);
            ok(hr == MAPI_E_NOT_FOUND, "deleted message opens: %#lx\n", hr);
            if (HrGetOneProp((IMAPIProp *)dest, PR_ENTRYID, &v) == S_OK)
            {
                hr = f->lpVtbl->DeleteFolder(f, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, 0, NULL, 0);
                ok(hr == MAPI_E_HAS_MESSAGES, "DeleteFolder without DEL_MESSAGES %#lx\n", hr);
                hr = f->lpVtbl->DeleteFolder(f, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, 0, NULL, DEL_MESSAGES | DEL_FOLDERS);
                ok(hr == S_OK, "DeleteFolder %#lx\n", hr);
                MAPIFreeBuffer(v);
            }
            dest->lpVtbl->Release(dest);
        }
    }
    MAPIFreeBuffer(eid);
}

static void test_objects(IProfAdmin *admin)
{
    wt_profile p;
    IMAPIFolder *outbox = NULL;
    ULONG blocks, objects, provider_objects;

    if (!wt_profile_create(admin, &p, "tandem-wt-store-objects")) return;
    if (wt_store_open(&p, &session, &mdb))
    {
        test_provisioning();
        test_receive_folders();
        if ((outbox = open_folder_by_prop((IMAPIProp *)mdb, PR_IPM_OUTBOX_ENTRYID)))
        {
            test_messages(outbox);
            outbox->lpVtbl->Release(outbox);
        }
    }
    wt_store_close(&session, &mdb);

    /* persistence: a new session sees the saved folder */
    wt_context("persistence");
    if (wt_store_open(&p, &session, &mdb))
    {
        IMAPIFolder *inbox = NULL, *sub = NULL;
        ENTRYID *eid = NULL;
        ULONG cb, type;
        if (mdb->lpVtbl->GetReceiveFolder(mdb, NULL, 0, &cb, &eid, NULL) == S_OK &&
            mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&inbox) == S_OK)
        {
            HRESULT hr = inbox->lpVtbl->CreateFolder(inbox, FOLDER_GENERIC, (LPTSTR)"Foo mail", NULL, NULL, 0, &sub);
            ok(hr == MAPI_E_COLLISION, "folder of the first session: %#lx\n", hr);
            if (sub) sub->lpVtbl->Release(sub);
            inbox->lpVtbl->Release(inbox);
        }
        MAPIFreeBuffer(eid);
    }
    wt_store_close(&session, &mdb);
    wt_profile_delete(admin, &p);
    if (wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects))
    {
        ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
        ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
    }
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr))
    {
        test_objects(admin);
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
