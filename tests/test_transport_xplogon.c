/*
 * test_transport_xplogon.c - the transport driven like the spooler drives it (spi-digest §3.2,
 * §8 facts 33-39) over two profiles, alice and bob, with real Tandem stores and one drop root:
 * TransportLogon and its status row, AddressTypes, TransportNotify, SubmitMessage with mixed
 * recipients (NDRs through StatusRecips, PR_RESPONSIBILITY), EndMessage, Poll, StartMessage
 * into bob's store (the MAPI<->MIME round trip: properties, recipients, attachment bytes,
 * identity), a resend dropped as a duplicate, the status object and logoff.
 */
#include "test_tandem_fakes.h"
#include "transport/xp.h"
#include "transport/mapimime.h"

/* the fake support of test_tandem_fakes.h with StatusRecips and SpoolerNotify recorded */
static IMAPISupportVtbl xp_sup_vtbl;
static ULONG status_recips_calls, status_recips_rows, spooler_notify_calls;
static LONG last_ndr_diag[8];

static HRESULT STDMETHODCALLTYPE xs_StatusRecips(IMAPISupport *iface, LPMESSAGE msg, LPADRLIST list)
{
    ULONG i;
    status_recips_calls++;
    status_recips_rows += list->cEntries;
    for (i = 0; i < list->cEntries; i++)
    {
        const SPropValue *d = mc_props_find(list->aEntries[i].cValues, list->aEntries[i].rgPropVals, PR_NDR_DIAG_CODE);
        assert_non_null(mc_props_find(list->aEntries[i].cValues, list->aEntries[i].rgPropVals, PR_REPORT_TEXT_W));
        if (i < 8) last_ndr_diag[i] = d ? d->Value.l : -2;
        test_FreeBuffer(list->aEntries[i].rgPropVals);    /* success: MAPI frees the list */
    }
    test_FreeBuffer(list);
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE xs_SpoolerNotify(IMAPISupport *iface, ULONG flags, LPVOID data)
{
    spooler_notify_calls++;
    return S_OK;
}

typedef struct user
{
    const WCHAR *name, *address;
    WCHAR *path;
    fake_profile profile;
    fake_sup store_sup, xp_sup;
    IMSProvider *ms;
    IMSLogon *logon;
    IMsgStore *mdb;
    IXPProvider *xp;
    IXPLogon *xl;
} user;

typedef struct ctx
{
    WCHAR *dir, *root;
    user alice, bob;
} ctx;

static void user_init(ctx *c, user *u, const WCHAR *name, const WCHAR *address)
{
    SPropValue props[4];
    ULONG ver, cb_spool = 0;
    BYTE *spool = NULL;

    u->name = name;
    u->address = address;
    u->path = td_wsprintf(L"%ls\\%ls.tandem", c->dir, name);
    fake_profile_init(&u->profile, name);
    props[0].ulPropTag = PR_PST_PATH_W;
    props[0].Value.lpszW = u->path;
    props[1].ulPropTag = PR_DISPLAY_NAME_W;
    props[1].Value.lpszW = (WCHAR *)name;
    props[2].ulPropTag = PR_EMAIL_ADDRESS_W;
    props[2].Value.lpszW = (WCHAR *)address;
    props[3].ulPropTag = PR_TD_DROP_ROOT_W;
    props[3].Value.lpszW = c->root;
    assert_int_equal(test_configure(&u->profile, MAPI_UNICODE, 4, props, NULL), S_OK);
    fake_sup_init(&u->store_sup, &u->profile, &u->profile.store_uid);
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &u->ms), S_OK);
    assert_int_equal(u->ms->lpVtbl->Logon(u->ms, &u->store_sup.IMAPISupport_iface, 0, NULL, 0, NULL, MDB_WRITE | MDB_NO_DIALOG,
                                          NULL, &cb_spool, &spool, NULL, &u->logon, &u->mdb), S_OK);
    if (spool) test_FreeBuffer(spool);
    fake_sup_init(&u->xp_sup, &u->profile, &u->profile.transport_uid);
    u->xp_sup.IMAPISupport_iface.lpVtbl = &xp_sup_vtbl;
    assert_int_equal(XPProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &u->xp), S_OK);
}

static void user_done(user *u)
{
    ULONG flags = 0;
    if (u->xl)
    {
        assert_int_equal(u->xl->lpVtbl->TransportLogoff(u->xl, 0), S_OK);
        assert_int_equal(u->xl->lpVtbl->Release(u->xl), 0);
    }
    assert_int_equal(u->xp_sup.ref, 1);     /* the support object was released */
    assert_int_equal(u->xp->lpVtbl->Shutdown(u->xp, &flags), S_OK);
    assert_int_equal(u->xp->lpVtbl->Release(u->xp), 0);
    u->mdb->lpVtbl->Release(u->mdb);
    assert_int_equal(u->logon->lpVtbl->Logoff(u->logon, &flags), S_OK);
    u->logon->lpVtbl->Release(u->logon);
    assert_int_equal(u->ms->lpVtbl->Shutdown(u->ms, &flags), S_OK);
    assert_int_equal(u->ms->lpVtbl->Release(u->ms), 0);
    fake_sup_done(&u->xp_sup);
    fake_sup_done(&u->store_sup);
    fake_profile_free(&u->profile);
    mc_free(u->path);
}

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof(*c));
    test_setup_alloc(state);
    xp_sup_vtbl = fake_sup_vtbl;
    xp_sup_vtbl.StatusRecips = xs_StatusRecips;
    xp_sup_vtbl.SpoolerNotify = xs_SpoolerNotify;
    status_recips_calls = status_recips_rows = spooler_notify_calls = 0;
    c->dir = test_mkdtemp();
    c->root = td_wsprintf(L"%ls\\drop", c->dir);
    user_init(c, &c->alice, L"alice", L"alice@example.org");
    user_init(c, &c->bob, L"bob", L"bob@example.org");
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    user_done(&c->alice);
    user_done(&c->bob);
    mc_free(c->root);
    test_rmdir(c->dir);
    free(c);
    return test_teardown_alloc(state);
}

static IMessage *new_message(user *u, ULONG folder_tag)
{
    SizedSPropTagArray(1, tags) = { 1, { folder_tag } };
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    IMessage *m = NULL;
    ULONG n = 0, type = 0;

    assert_int_equal(u->mdb->lpVtbl->GetProps(u->mdb, (SPropTagArray *)&tags, 0, &n, &v), S_OK);
    assert_int_equal(v[0].ulPropTag, folder_tag);
    assert_int_equal(u->mdb->lpVtbl->OpenEntry(u->mdb, v[0].Value.bin.cb, (ENTRYID *)v[0].Value.bin.lpb, NULL,
                                               MAPI_MODIFY, &type, (IUnknown **)&f), S_OK);
    test_FreeBuffer(v);
    assert_int_equal(f->lpVtbl->CreateMessage(f, NULL, 0, &m), S_OK);
    f->lpVtbl->Release(f);
    return m;
}

static void add_recipient(ADRLIST *l, const WCHAR *name, const WCHAR *type, const WCHAR *addr, BOOL resp)
{
    SPropValue *v;
    ADRENTRY *e = &l->aEntries[l->cEntries++];
    assert_int_equal(test_AllocateBuffer(5 * sizeof(SPropValue), (void **)&v), S_OK);
    v[0].ulPropTag = PR_DISPLAY_NAME_W;  v[0].Value.lpszW = (WCHAR *)name;
    v[1].ulPropTag = PR_ADDRTYPE_W;      v[1].Value.lpszW = (WCHAR *)type;
    v[2].ulPropTag = PR_EMAIL_ADDRESS_W; v[2].Value.lpszW = (WCHAR *)addr;
    v[3].ulPropTag = PR_RECIPIENT_TYPE;  v[3].Value.l = l->cEntries == 2 ? MAPI_CC : MAPI_TO;
    v[4].ulPropTag = PR_RESPONSIBILITY;  v[4].Value.b = resp;
    e->rgPropVals = v;
    e->cValues = 5;
}

static const BYTE attach_bytes[] = { 0, 1, 2, 0xff, 0xfe, '\r', '\n', 'x', 0 };

static IMessage *compose(user *alice)
{
    IMessage *m = new_message(alice, PR_IPM_OUTBOX_ENTRYID);
    SPropValue v[3];
    ADRLIST *l;
    IAttach *att = NULL;
    ULONG num, i;

    v[0].ulPropTag = PR_SUBJECT_W;  v[0].Value.lpszW = (WCHAR *)L"RE: Gr\x00fc\x00dfe \x65e5\x672c";
    v[1].ulPropTag = PR_BODY_W;     v[1].Value.lpszW = (WCHAR *)L"Hello Bob,\r\nline two \x20ac\r\n";
    v[2].ulPropTag = PR_IMPORTANCE; v[2].Value.l = IMPORTANCE_HIGH;
    assert_int_equal(m->lpVtbl->SetProps(m, 3, v, NULL), S_OK);
    assert_int_equal(test_AllocateBuffer(CbNewADRLIST(6), (void **)&l), S_OK);
    l->cEntries = 0;
    add_recipient(l, L"Bob", L"SMTP", L"Bob@Example.org", FALSE);                /* delivered */
    add_recipient(l, L"Carol", L"SMTP", L"carol@example.org", FALSE);            /* no mailbox: NDR */
    add_recipient(l, L"Evil", L"SMTP", L"..\\bob@example.org", FALSE);           /* bad address: NDR */
    add_recipient(l, L"Dave", L"EX", L"/o=x/cn=dave", FALSE);                    /* not our type */
    add_recipient(l, L"Erin", L"SMTP", L"erin@example.org", TRUE);               /* another transport's */
    assert_int_equal(m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, l), S_OK);
    for (i = 0; i < l->cEntries; i++) test_FreeBuffer(l->aEntries[i].rgPropVals);
    test_FreeBuffer(l);
    assert_int_equal(m->lpVtbl->CreateAttach(m, NULL, 0, &num, &att), S_OK);
    v[0].ulPropTag = PR_ATTACH_METHOD;          v[0].Value.l = ATTACH_BY_VALUE;
    v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_W; v[1].Value.lpszW = (WCHAR *)L"d\x00e4ta.bin";
    v[2].ulPropTag = PR_ATTACH_DATA_BIN;        v[2].Value.bin.cb = sizeof(attach_bytes);
    v[2].Value.bin.lpb = (BYTE *)attach_bytes;
    assert_int_equal(att->lpVtbl->SetProps(att, 3, v, NULL), S_OK);
    assert_int_equal(att->lpVtbl->SaveChanges(att, 0), S_OK);
    att->lpVtbl->Release(att);
    assert_int_equal(m->lpVtbl->SaveChanges(m, KEEP_OPEN_READWRITE), S_OK);
    return m;
}

static void logon_transport(user *u, BOOL in, BOOL out)
{
    ULONG flags = LOGON_NO_INBOUND | LOGON_NO_OUTBOUND | MAPI_UNICODE, before = u->xp_sup.modify_status_row, f;
    MAPIERROR *err = NULL;
    const SPropValue *v;
    void *data = NULL;

    assert_int_equal(u->xp->lpVtbl->TransportLogon(u->xp, &u->xp_sup.IMAPISupport_iface, 0, (LPTSTR)u->name,
                                                   &flags, &err, &u->xl), S_OK);
    assert_null(err);
    assert_true(flags & LOGON_SP_POLL);                         /* fact 33 */
    assert_int_equal(u->xp_sup.ref, 2);
    assert_int_equal(u->xp_sup.modify_status_row, before + 1);
    assert_int_equal(u->xp_sup.last_status_flags, 0);
    assert_non_null(mc_props_find(u->xp_sup.status_row_count, u->xp_sup.status_row, PR_DISPLAY_NAME_W));
    assert_non_null(mc_props_find(u->xp_sup.status_row_count, u->xp_sup.status_row, PR_RESOURCE_METHODS));
    v = mc_props_find(u->xp_sup.status_row_count, u->xp_sup.status_row, PR_STATUS_CODE);
    assert_non_null(v);
    assert_int_equal(v->Value.l, STATUS_AVAILABLE);
    /* PR_OWN_STORE_ENTRYID: the coupled store's wrapped entry ID as the store published it */
    v = mc_props_find(u->xp_sup.status_row_count, u->xp_sup.status_row, PR_OWN_STORE_ENTRYID);
    assert_non_null(v);
    {
        const SBinary *pub = mc_propbag_get_bin(fake_store_section(&u->profile)->bag, PR_ENTRYID);
        assert_non_null(pub);
        assert_int_equal(v->Value.bin.cb, pub->cb);
        assert_memory_equal(v->Value.bin.lpb, pub->lpb, pub->cb);
    }
    /* fact 35: flags come back unchanged, the row is updated before the return */
    f = (in ? NOTIFY_BEGIN_INBOUND : 0) | (out ? NOTIFY_BEGIN_OUTBOUND : 0);
    assert_int_equal(u->xl->lpVtbl->TransportNotify(u->xl, &f, &data), S_OK);
    assert_int_equal(f, (in ? NOTIFY_BEGIN_INBOUND : 0) | (out ? NOTIFY_BEGIN_OUTBOUND : 0));
    assert_int_equal(u->xp_sup.last_status_flags, STATUSROW_UPDATE);
    v = mc_props_find(u->xp_sup.status_row_count, u->xp_sup.status_row, PR_STATUS_CODE);
    assert_int_equal(v->Value.l, STATUS_AVAILABLE | (in ? STATUS_INBOUND_ENABLED : 0) | (out ? STATUS_OUTBOUND_ENABLED : 0));
}

/* the recipient table's default columns need not include PR_RESPONSIBILITY */
static void all_columns(IMAPITable *t)
{
    SPropTagArray *cols = NULL;
    assert_int_equal(t->lpVtbl->QueryColumns(t, TBL_ALL_COLUMNS, &cols), S_OK);
    assert_int_equal(t->lpVtbl->SetColumns(t, cols, 0), S_OK);
    test_FreeBuffer(cols);
}

static BOOL responsibility(IMessage *m, const WCHAR *addr)
{
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i;
    BOOL r = FALSE, found = FALSE;

    assert_int_equal(m->lpVtbl->GetRecipientTable(m, MAPI_UNICODE, &t), S_OK);
    all_columns(t);
    assert_int_equal(t->lpVtbl->QueryRows(t, 50, 0, &rows), S_OK);
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *a = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_EMAIL_ADDRESS_W);
        const SPropValue *p = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_RESPONSIBILITY);
        if (a && PROP_TYPE(a->ulPropTag) == PT_UNICODE && !wcscmp(a->Value.lpszW, addr))
        {
            found = TRUE;
            r = p && PROP_TYPE(p->ulPropTag) == PT_BOOLEAN && p->Value.b;
        }
    }
    mc_free_rows(&test_alloc, rows);
    t->lpVtbl->Release(t);
    assert_true(found);
    return r;
}

static void check_received(IMessage *sent, IMessage *got)
{
    static const ULONG tags_list[] = { PR_SUBJECT_W, PR_BODY_W, PR_INTERNET_MESSAGE_ID_W, PR_IMPORTANCE };
    SizedSPropTagArray(4, tags) = { 4, { PR_SUBJECT_W, PR_BODY_W, PR_INTERNET_MESSAGE_ID_W, PR_IMPORTANCE } };
    SizedSPropTagArray(8, rtags) = { 8, { PR_SENDER_EMAIL_ADDRESS_W, PR_SENT_REPRESENTING_EMAIL_ADDRESS_W,
        PR_RECEIVED_BY_EMAIL_ADDRESS_W, PR_MESSAGE_DELIVERY_TIME, PR_MESSAGE_FLAGS, PR_SUBJECT_PREFIX_W,
        PR_SENDER_ENTRYID, PR_TRANSPORT_MESSAGE_HEADERS_W } };
    SPropValue *a = NULL, *b = NULL, *r = NULL;
    ULONG n = 0, i;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;

    assert_int_equal(sent->lpVtbl->GetProps(sent, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &a), S_OK);
    assert_int_equal(got->lpVtbl->GetProps(got, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &b), S_OK);
    for (i = 0; i < ARRAYSIZE(tags_list); i++)
    {
        assert_int_equal(a[i].ulPropTag, tags_list[i]);
        assert_int_equal(b[i].ulPropTag, tags_list[i]);
        assert_true(mc_prop_equal(&a[i], &b[i]));
    }
    test_FreeBuffer(a);
    test_FreeBuffer(b);
    assert_int_equal(got->lpVtbl->GetProps(got, (SPropTagArray *)&rtags, MAPI_UNICODE, &n, &r), S_OK);
    assert_true(!wcscmp(r[0].Value.lpszW, L"alice@example.org"));
    assert_true(!wcscmp(r[1].Value.lpszW, L"alice@example.org"));
    assert_true(!wcscmp(r[2].Value.lpszW, L"bob@example.org"));
    assert_int_equal(r[3].ulPropTag, PR_MESSAGE_DELIVERY_TIME);
    assert_int_equal(r[4].Value.l & MSGFLAG_UNSENT, 0);
    assert_true(!wcscmp(r[5].Value.lpszW, L"RE: "));
    assert_int_equal(r[6].ulPropTag, PR_SENDER_ENTRYID);
    assert_memory_equal(r[6].Value.bin.lpb + 4, td_muid_one_off, 16);   /* a one-off entry ID */
    assert_int_equal(r[7].ulPropTag, PR_TRANSPORT_MESSAGE_HEADERS_W);
    test_FreeBuffer(r);

    /* recipients as written: To and Cc (the spooler-only rows are there too: this is the
     * content's To/Cc); attachment bytes exact */
    assert_int_equal(got->lpVtbl->GetAttachmentTable(got, 0, &t), S_OK);
    assert_int_equal(t->lpVtbl->QueryRows(t, 10, 0, &rows), S_OK);
    assert_int_equal(rows->cRows, 1);
    {
        const SPropValue *num = mc_props_find(rows->aRow[0].cValues, rows->aRow[0].lpProps, PR_ATTACH_NUM);
        SizedSPropTagArray(2, at) = { 2, { PR_ATTACH_DATA_BIN, PR_ATTACH_LONG_FILENAME_W } };
        IAttach *att = NULL;
        SPropValue *v = NULL;
        assert_non_null(num);
        assert_int_equal(got->lpVtbl->OpenAttach(got, num->Value.l, NULL, 0, &att), S_OK);
        assert_int_equal(att->lpVtbl->GetProps(att, (SPropTagArray *)&at, MAPI_UNICODE, &n, &v), S_OK);
        assert_int_equal(v[0].Value.bin.cb, sizeof(attach_bytes));
        assert_memory_equal(v[0].Value.bin.lpb, attach_bytes, sizeof(attach_bytes));
        assert_true(!wcscmp(v[1].Value.lpszW, L"d\x00e4ta.bin"));
        test_FreeBuffer(v);
        att->lpVtbl->Release(att);
    }
    mc_free_rows(&test_alloc, rows);
    t->lpVtbl->Release(t);
}

static void send_and_receive(void **state)
{
    ctx *c = *state;
    LPTSTR *types1 = NULL, *types2 = NULL;
    LPMAPIUID *uids = NULL;
    ULONG flags = 0, ntypes = 0, nuids = 0, ref = 0, ret = 0, incoming = 0;
    IMessage *m, *in;

    logon_transport(&c->alice, FALSE, TRUE);
    logon_transport(&c->bob, TRUE, FALSE);

    /* fact 34 */
    assert_int_equal(c->alice.xl->lpVtbl->AddressTypes(c->alice.xl, &flags, &ntypes, &types1, &nuids, &uids), S_OK);
    assert_int_equal(ntypes, 1);
    assert_string_equal((char *)types1[0], "SMTP");
    assert_int_equal(c->alice.xl->lpVtbl->AddressTypes(c->alice.xl, &flags, &ntypes, &types2, &nuids, &uids), S_OK);
    assert_ptr_equal(types1, types2);
    {
        ULONG n = 1;
        LPOPTIONDATA opt = (LPOPTIONDATA)0x1;
        assert_int_equal(c->alice.xl->lpVtbl->RegisterOptions(c->alice.xl, &flags, &n, &opt), S_OK);
        assert_int_equal(n, 0);
        assert_null(opt);
    }

    /* fact 36/38: mixed recipients */
    m = compose(&c->alice);
    assert_int_equal(c->alice.xl->lpVtbl->SubmitMessage(c->alice.xl, 0, m, &ref, &ret), S_OK);
    assert_int_not_equal(ref, 0);
    assert_int_equal(status_recips_calls, 1);
    assert_int_equal(status_recips_rows, 2);
    assert_int_equal(last_ndr_diag[0], MAPI_DIAG_MAIL_RECIPIENT_UNKNOWN);
    assert_int_equal(last_ndr_diag[1], MAPI_DIAG_MAIL_ADDRESS_INCORRECT);
    flags = 0xdead;
    assert_int_equal(c->alice.xl->lpVtbl->EndMessage(c->alice.xl, ref, &flags), S_OK);
    assert_int_equal(flags, 0);
    assert_true(responsibility(m, L"Bob@Example.org"));
    assert_true(responsibility(m, L"carol@example.org"));
    assert_true(responsibility(m, L"..\\bob@example.org"));
    assert_false(responsibility(m, L"/o=x/cn=dave"));
    assert_true(responsibility(m, L"erin@example.org"));

    /* fact 39: inbound */
    assert_int_equal(c->bob.xl->lpVtbl->Poll(c->bob.xl, &incoming), S_OK);
    assert_int_equal(incoming, 1);
    in = new_message(&c->bob, PR_IPM_SUBTREE_ENTRYID);
    assert_int_equal(c->bob.xl->lpVtbl->StartMessage(c->bob.xl, 0, in, &ref), S_OK);
    check_received(m, in);
    in->lpVtbl->Release(in);
    assert_int_equal(c->bob.xl->lpVtbl->Poll(c->bob.xl, &incoming), S_OK);
    assert_int_equal(incoming, 0);

    /* a resend (the sender crashed before recording it as sent) is dropped by bob */
    {
        ADRLIST *l;
        SPropValue *v;
        IMAPITable *t = NULL;
        SRowSet *rows = NULL;
        ULONG i;
        assert_int_equal(m->lpVtbl->GetRecipientTable(m, MAPI_UNICODE, &t), S_OK);
        all_columns(t);
        assert_int_equal(t->lpVtbl->QueryRows(t, 50, 0, &rows), S_OK);
        assert_int_equal(test_AllocateBuffer(CbNewADRLIST(rows->cRows), (void **)&l), S_OK);
        l->cEntries = rows->cRows;
        for (i = 0; i < rows->cRows; i++)
        {
            const SPropValue *a = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_EMAIL_ADDRESS_W);
            BOOL bob = a && PROP_TYPE(a->ulPropTag) == PT_UNICODE && !wcscmp(a->Value.lpszW, L"Bob@Example.org");
            ULONG k;
            assert_int_equal(mc_props_dup(&test_alloc, rows->aRow[i].cValues, rows->aRow[i].lpProps, &v), S_OK);
            for (k = 0; k < rows->aRow[i].cValues; k++)
                if (v[k].ulPropTag == PR_RESPONSIBILITY) v[k].Value.b = !bob;
            l->aEntries[i].rgPropVals = v;
            l->aEntries[i].cValues = rows->aRow[i].cValues;
        }
        mc_free_rows(&test_alloc, rows);
        t->lpVtbl->Release(t);
        assert_int_equal(m->lpVtbl->ModifyRecipients(m, MODRECIP_MODIFY, l), S_OK);
        for (i = 0; i < l->cEntries; i++) test_FreeBuffer(l->aEntries[i].rgPropVals);
        test_FreeBuffer(l);
    }
    assert_int_equal(c->alice.xl->lpVtbl->SubmitMessage(c->alice.xl, 0, m, &ref, &ret), S_OK);
    assert_int_equal(status_recips_calls, 1);               /* no new NDR */
    assert_int_equal(c->alice.xl->lpVtbl->EndMessage(c->alice.xl, ref, &flags), S_OK);
    assert_int_equal(c->bob.xl->lpVtbl->Poll(c->bob.xl, &incoming), S_OK);
    assert_int_equal(incoming, 1);
    in = new_message(&c->bob, PR_IPM_SUBTREE_ENTRYID);
    assert_int_equal(c->bob.xl->lpVtbl->StartMessage(c->bob.xl, 0, in, &ref), S_OK);   /* dropped: no save */
    in->lpVtbl->Release(in);
    assert_int_equal(c->bob.xl->lpVtbl->Poll(c->bob.xl, &incoming), S_OK);
    assert_int_equal(incoming, 0);

    /* a message with no recipient for us: MAPI_E_NOT_ME (no EndMessage) */
    assert_int_equal(c->alice.xl->lpVtbl->SubmitMessage(c->alice.xl, 0, m, &ref, &ret), MAPI_E_NOT_ME);
    m->lpVtbl->Release(m);
}

static void status_object(void **state)
{
    ctx *c = *state;
    IMAPIStatus *st = NULL;
    ULONG type = 0, n = 0, f;
    SizedSPropTagArray(3, tags) = { 3, { PR_STATUS_CODE, PR_OBJECT_TYPE, PR_RESOURCE_METHODS } };
    SPropValue *v = NULL;
    void *data = NULL;

    logon_transport(&c->bob, TRUE, TRUE);
    assert_int_equal(c->bob.xl->lpVtbl->OpenStatusEntry(c->bob.xl, NULL, MAPI_MODIFY, &type, &st), S_OK);
    assert_int_equal(type, MAPI_STATUS);
    assert_int_equal(st->lpVtbl->GetProps(st, (SPropTagArray *)&tags, 0, &n, &v), S_OK);
    assert_int_equal(v[0].Value.l, STATUS_AVAILABLE | STATUS_INBOUND_ENABLED | STATUS_OUTBOUND_ENABLED);
    assert_int_equal(v[1].Value.l, MAPI_STATUS);
    assert_int_equal(v[2].Value.l, STATUS_VALIDATE_STATE | STATUS_FLUSH_QUEUES);
    test_FreeBuffer(v);
    assert_int_equal(st->lpVtbl->SettingsDialog(st, 0, 0), MAPI_E_NO_SUPPORT);
    assert_int_equal(st->lpVtbl->ChangePassword(st, NULL, NULL, 0), MAPI_E_NO_SUPPORT);
    assert_int_equal(st->lpVtbl->ValidateState(st, 0, 0), S_OK);
    assert_int_equal(st->lpVtbl->SetProps(st, 0, NULL, NULL), MAPI_E_NO_ACCESS);
    /* the spooler's flush: bits set, then ended by TransportNotify */
    assert_int_equal(c->bob.xl->lpVtbl->FlushQueues(c->bob.xl, 0, 0, NULL, FLUSH_UPLOAD), S_OK);
    assert_int_equal(st->lpVtbl->GetProps(st, (SPropTagArray *)&tags, 0, &n, &v), S_OK);
    assert_true(v[0].Value.l & STATUS_OUTBOUND_FLUSH);
    test_FreeBuffer(v);
    f = NOTIFY_END_OUTBOUND_FLUSH;
    assert_int_equal(c->bob.xl->lpVtbl->TransportNotify(c->bob.xl, &f, &data), S_OK);
    assert_int_equal(st->lpVtbl->FlushQueues(st, 0, 0, NULL, FLUSH_UPLOAD | FLUSH_ASYNC_OK), S_OK);
    f = NOTIFY_END_OUTBOUND_FLUSH | NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND;
    assert_int_equal(c->bob.xl->lpVtbl->TransportNotify(c->bob.xl, &f, &data), S_OK);
    assert_int_equal(c->bob.xl->lpVtbl->Idle(c->bob.xl, 0), S_OK);
    st->lpVtbl->Release(st);
}

#define TX(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        TX(send_and_receive),
        TX(status_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
