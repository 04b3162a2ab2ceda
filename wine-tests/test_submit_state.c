/*
 * test_submit_state.c - IMessage::SubmitMessage and IMsgStore::AbortSubmit through the public
 * MAPI API (issue 6 points 1 and 9; spi-digest §8 facts 19, 21, 25, 26, 28). The session is
 * opened with MAPI_NO_MAIL, so no spooler and no coupled transport runs: every submitted
 * message stays in the outgoing queue and its state can be looked at.
 * Pages: imessage-submitmessage.md, imsgstore-abortsubmit.md, imsgstore-openentry.md,
 * pidtagmessageflags-canonical-property.md, pidtagresponsibility-canonical-property.md.
 */
#include "wtest.h"
#include "wtmapi.h"

static IMAPISession *session;
static IMsgStore *mdb;

static IMAPIFolder *open_special(ULONG tag)
{
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    ULONG type;

    if (tag == PR_NULL)
    {
        ENTRYID *eid = NULL;
        ULONG cb;
        if (mdb->lpVtbl->GetReceiveFolder(mdb, NULL, 0, &cb, &eid, NULL) == S_OK)
            mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f);
        MAPIFreeBuffer(eid);
    }
    else if (HrGetOneProp((IMAPIProp *)mdb, tag, &v) == S_OK)
        mdb->lpVtbl->OpenEntry(mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, NULL, MAPI_MODIFY, &type,
                               (IUnknown **)&f);
    MAPIFreeBuffer(v);
    ok(f != NULL, "folder %#lx did not open\n", tag);
    return f;
}

static LONG get_long(void *o, ULONG tag)
{
    SPropValue *v = NULL;
    LONG r = -12345;
    if (HrGetOneProp((IMAPIProp *)o, tag, &v) == S_OK) { r = v->Value.l; MAPIFreeBuffer(v); }
    return r;
}

/* A saved message; its entry ID in *eid (MAPIAllocateBuffer'd). */
static IMessage *new_message(IMAPIFolder *f, const char *subject, SBinary **eid)
{
    IMessage *m = NULL;
    SPropValue p[2], *v = NULL;
    HRESULT hr = f->lpVtbl->CreateMessage(f, NULL, 0, &m);

    *eid = NULL;
    if (!ok(hr == S_OK, "CreateMessage %#lx\n", hr)) return NULL;
    p[0].ulPropTag = PR_SUBJECT_A;
    p[0].Value.lpszA = (char *)subject;
    p[1].ulPropTag = PR_MESSAGE_CLASS_A;
    p[1].Value.lpszA = (char *)"IPM.Note";
    m->lpVtbl->SetProps(m, 2, p, NULL);
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges(%s) %#lx\n", subject, hr);
    if (HrGetOneProp((IMAPIProp *)m, PR_ENTRYID, &v) == S_OK)
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

/* One SMTP recipient with a one-off entry ID from the address book. */
static void add_recipient(IMessage *m, const char *name, const char *address)
{
    IAddrBook *ab = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0;
    ADRLIST *list = NULL;
    SPropValue *p = NULL;
    HRESULT hr;

    if (SUCCEEDED(session->lpVtbl->OpenAddressBook(session, 0, NULL, AB_NO_DIALOG, &ab)) && ab)
    {
        hr = ab->lpVtbl->CreateOneOff(ab, (LPTSTR)name, (LPTSTR)"SMTP", (LPTSTR)address, 0, &cb, &eid);
        ok(hr == S_OK, "CreateOneOff %#lx\n", hr);
        ab->lpVtbl->Release(ab);
    }
    MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&list);
    MAPIAllocateBuffer(5 * sizeof(SPropValue), (void **)&p);
    p[0].ulPropTag = PR_DISPLAY_NAME_A;    p[0].Value.lpszA = (char *)name;
    p[1].ulPropTag = PR_ADDRTYPE_A;        p[1].Value.lpszA = (char *)"SMTP";
    p[2].ulPropTag = PR_EMAIL_ADDRESS_A;   p[2].Value.lpszA = (char *)address;
    p[3].ulPropTag = PR_RECIPIENT_TYPE;    p[3].Value.l = MAPI_TO;
    p[4].ulPropTag = eid ? PR_ENTRYID : PR_NULL;
    p[4].Value.bin.cb = cb;
    p[4].Value.bin.lpb = (BYTE *)eid;
    list->cEntries = 1;
    list->aEntries[0].cValues = 5;
    list->aEntries[0].rgPropVals = p;
    hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, list);
    ok(hr == S_OK, "ModifyRecipients %#lx\n", hr);
    FreePadrlist(list);
    MAPIFreeBuffer(eid);
}

/* fact 19 */
static void test_no_recipients(IMAPIFolder *outbox)
{
    SBinary *eid;
    IMessage *m = new_message(outbox, "no recipients", &eid);
    HRESULT hr;

    if (!m) return;
    hr = m->lpVtbl->SubmitMessage(m, 0);
    ok(hr == MAPI_E_NO_RECIPIENTS, "SubmitMessage without recipients: %#lx\n", hr);
    ok(!(get_long(m, PR_MESSAGE_FLAGS) & MSGFLAG_SUBMIT), "flags %#lx after the refused submit\n",
       get_long(m, PR_MESSAGE_FLAGS));
    /* the message stays open and usable */
    add_recipient(m, "Bob", "bob@example.com");
    hr = m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE);
    ok(hr == S_OK, "SaveChanges after MAPI_E_NO_RECIPIENTS: %#lx\n", hr);
    m->lpVtbl->Release(m);
    MAPIFreeBuffer(eid);
}

/* facts 21, 25, 26, 28: from `folder` (Outbox or Inbox, the same rules) */
static void test_submit_from(IMAPIFolder *folder, const char *where)
{
    SizedSPropTagArray(2, cols) = {2, {PR_RESPONSIBILITY, PR_ROWID}};
    SBinary *eid;
    IMessage *m = new_message(folder, where, &eid), *r = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SPropValue *v = NULL;
    ULONG type, i;
    HRESULT hr;

    if (!m || !eid) return;
    add_recipient(m, "Bob", "bob@example.com");
    add_recipient(m, "Carol", "carol@example.com");
    hr = m->lpVtbl->SubmitMessage(m, 0);
    ok(hr == S_OK, "SubmitMessage from the %s: %#lx\n", where, hr);
    m->lpVtbl->Release(m);

    /* MAPI_MODIFY: MAPI_E_SUBMITTED; MAPI_BEST_ACCESS: read-only */
    hr = mdb->lpVtbl->OpenEntry(mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, MAPI_MODIFY, &type, (IUnknown **)&r);
    ok(hr == MAPI_E_SUBMITTED, "OpenEntry(MAPI_MODIFY) of a submitted message (%s): %#lx\n", where, hr);
    if (r) r->lpVtbl->Release(r);
    r = NULL;
    hr = mdb->lpVtbl->OpenEntry(mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, MAPI_BEST_ACCESS, &type, (IUnknown **)&r);
    ok(hr == S_OK && r, "OpenEntry(MAPI_BEST_ACCESS) of a submitted message (%s): %#lx\n", where, hr);
    if (r)
    {
        LONG flags = get_long(r, PR_MESSAGE_FLAGS);
        ok((flags & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT)) == (MSGFLAG_SUBMIT | MSGFLAG_UNSENT),
           "PR_MESSAGE_FLAGS %#lx (%s)\n", flags, where);
        ok(get_long(r, PR_ACCESS_LEVEL) == 0, "PR_ACCESS_LEVEL %ld\n", get_long(r, PR_ACCESS_LEVEL));
        ok(!(get_long(r, PR_SUBMIT_FLAGS) & (SUBMITFLAG_LOCKED | SUBMITFLAG_PREPROCESS)),
           "PR_SUBMIT_FLAGS %#lx\n", get_long(r, PR_SUBMIT_FLAGS));
        ok(HrGetOneProp((IMAPIProp *)r, PR_CLIENT_SUBMIT_TIME, &v) == S_OK, "no PR_CLIENT_SUBMIT_TIME\n");
        MAPIFreeBuffer(v);
        v = NULL;
        ok(HrGetOneProp((IMAPIProp *)r, PR_SENDER_EMAIL_ADDRESS_A, &v) == S_OK, "no PR_SENDER_EMAIL_ADDRESS\n");
        MAPIFreeBuffer(v);
        v = NULL;
        ok(HrGetOneProp((IMAPIProp *)r, PR_SENT_REPRESENTING_NAME_A, &v) == S_OK, "no PR_SENT_REPRESENTING_NAME\n");
        MAPIFreeBuffer(v);
        v = NULL;
        hr = r->lpVtbl->SetProps(r, 0, NULL, NULL);
        hr = r->lpVtbl->SaveChanges(r, 0);
        ok(hr != S_OK, "SaveChanges on the read-only submitted message: %#lx\n", hr);
        if (SUCCEEDED(r->lpVtbl->GetRecipientTable(r, 0, &t)))
        {
            t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
            if (SUCCEEDED(t->lpVtbl->QueryRows(t, 10, 0, &rows)))
            {
                ok(rows->cRows == 2, "%lu recipient rows\n", rows->cRows);
                for (i = 0; i < rows->cRows; i++)
                    ok(rows->aRow[i].lpProps[0].ulPropTag == PR_RESPONSIBILITY && !rows->aRow[i].lpProps[0].Value.b,
                       "row %lu: PR_RESPONSIBILITY %#lx/%d\n", i, rows->aRow[i].lpProps[0].ulPropTag,
                       rows->aRow[i].lpProps[0].Value.b);
                FreeProws(rows);
            }
            t->lpVtbl->Release(t);
        }
        /* a second submit is refused: the message is sent exactly once */
        hr = r->lpVtbl->SubmitMessage(r, 0);
        ok(hr != S_OK, "second SubmitMessage (%s): %#lx\n", where, hr);
        r->lpVtbl->Release(r);
    }

    /* fact 28: abort, then the message is neither queued nor submitted */
    hr = mdb->lpVtbl->AbortSubmit(mdb, eid->cb, (ENTRYID *)eid->lpb, 0);
    ok(hr == S_OK, "AbortSubmit (%s): %#lx\n", where, hr);
    hr = mdb->lpVtbl->AbortSubmit(mdb, eid->cb, (ENTRYID *)eid->lpb, 0);
    ok(hr == MAPI_E_NOT_IN_QUEUE, "second AbortSubmit (%s): %#lx\n", where, hr);
    r = NULL;
    hr = mdb->lpVtbl->OpenEntry(mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, MAPI_MODIFY, &type, (IUnknown **)&r);
    ok(hr == S_OK, "OpenEntry(MAPI_MODIFY) after AbortSubmit (%s): %#lx\n", where, hr);
    if (r)
    {
        ok(!(get_long(r, PR_MESSAGE_FLAGS) & MSGFLAG_SUBMIT), "PR_MESSAGE_FLAGS %#lx after AbortSubmit\n",
           get_long(r, PR_MESSAGE_FLAGS));
        r->lpVtbl->Release(r);
    }
    MAPIFreeBuffer(eid);
}

/* AbortSubmit of a message never submitted; the spooler-only methods on a client store */
static void test_client_rules(IMAPIFolder *outbox)
{
    SBinary *eid;
    IMessage *m = new_message(outbox, "never submitted", &eid);
    IMAPITable *t = NULL;
    HRESULT hr;

    if (m) m->lpVtbl->Release(m);
    if (eid)
    {
        hr = mdb->lpVtbl->AbortSubmit(mdb, eid->cb, (ENTRYID *)eid->lpb, 0);
        ok(hr == MAPI_E_NOT_IN_QUEUE, "AbortSubmit of an unsubmitted message: %#lx\n", hr);
        hr = mdb->lpVtbl->FinishedMsg(mdb, 0, eid->cb, (ENTRYID *)eid->lpb);
        ok(hr == MAPI_E_NO_SUPPORT, "client FinishedMsg: %#lx\n", hr);   /* fact 30 */
    }
    hr = mdb->lpVtbl->GetOutgoingQueue(mdb, 0, &t);
    ok(hr == MAPI_E_NO_SUPPORT, "client GetOutgoingQueue: %#lx\n", hr);
    if (t) t->lpVtbl->Release(t);
    MAPIFreeBuffer(eid);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    IMAPIFolder *outbox = NULL, *inbox = NULL;
    wt_profile p;
    HRESULT hr;

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    if (wt_profile_create(admin, &p, "tandem-wt-submit-state"))
    {
        if (wt_store_open(&p, &session, &mdb) && (outbox = open_special(PR_IPM_OUTBOX_ENTRYID)) && (inbox = open_special(PR_NULL)))
        {
            ok((get_long(mdb, PR_STORE_SUPPORT_MASK) & STORE_SUBMIT_OK) != 0, "no STORE_SUBMIT_OK\n");
            test_no_recipients(outbox);
            test_submit_from(outbox, "Outbox");
            test_submit_from(inbox, "Inbox");
            test_client_rules(outbox);
        }
        if (outbox) outbox->lpVtbl->Release(outbox);
        if (inbox) inbox->lpVtbl->Release(inbox);
        wt_store_close(&session, &mdb);
        wt_profile_delete(admin, &p);
    }
    admin->lpVtbl->Release(admin);
done:
    MAPIUninitialize();
}
