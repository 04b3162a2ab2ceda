/*
 * test_tandem_logon.c - tandem32's store provider driven like MAPI drives it: MSProviderInit /
 * XPProviderInit version negotiation, IMSProvider::Logon with a fake IMAPISupport that records
 * every call (spi-digest §4.1, §8 facts 1-8, 10), the store's IMAPIProp, ITandemStore,
 * StoreLogoff, SpoolerLogon, CompareStoreIDs, the status object, and the failure paths
 * (unconfigured, missing folder, corrupt file, bad entry ID). Every test ends with no live
 * provider object and no live block of the fake allocator.
 */
#include "test_tandem_fakes.h"
#include "store/entryid.h"
#include "db/db.h"
#include "tandem.h"

#define OLDER_SPI_VERSION 0x00010008   /* PDK2 */

static void inits_negotiate_version(void **state)
{
    IMSProvider *ms = (IMSProvider *)0xdeadbeef, *ms2 = NULL;
    IXPProvider *xp = (IXPProvider *)0xdeadbeef, *xp2 = NULL;
    ULONG ver = 0;

    /* MAPI older than us: our version is still written, nothing is created */
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, OLDER_SPI_VERSION, &ver, &ms), MAPI_E_VERSION);
    assert_int_equal(ver, CURRENT_SPI_VERSION);
    assert_null(ms);
    ver = 0;
    assert_int_equal(XPProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, OLDER_SPI_VERSION, &ver, &xp), MAPI_E_VERSION);
    assert_int_equal(ver, CURRENT_SPI_VERSION);
    assert_null(xp);
    assert_int_equal(mc_live_objects, 0);
    assert_int_equal(DllCanUnloadNow(), S_OK);

    /* NULL out-parameters */
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, NULL, &ms), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(XPProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, NULL, &xp), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(XPProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_live_objects, 0);

    /* current MAPI: a new provider object per call */
    ver = 0;
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &ms), S_OK);
    assert_int_equal(ver, CURRENT_SPI_VERSION);
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION + 1, &ver, &ms2), S_OK);   /* newer MAPI is fine */
    assert_non_null(ms);
    assert_non_null(ms2);
    assert_ptr_not_equal(ms, ms2);
    assert_int_equal(XPProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &xp), S_OK);
    assert_int_equal(XPProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &xp2), S_OK);
    assert_ptr_not_equal(xp, xp2);
    assert_int_equal(mc_live_objects, 4);
    assert_int_equal(DllCanUnloadNow(), S_FALSE);

    {
        ULONG flags = 0;
        IUnknown *unk = NULL;
        assert_int_equal(ms->lpVtbl->QueryInterface(ms, &IID_IMSProvider, (void **)&unk), S_OK);
        assert_ptr_equal(unk, ms);
        unk->lpVtbl->Release(unk);
        assert_int_equal(ms->lpVtbl->QueryInterface(ms, &IID_IXPProvider, (void **)&unk), E_NOINTERFACE);
        assert_int_equal(ms->lpVtbl->Shutdown(ms, &flags), S_OK);
        assert_int_equal(xp->lpVtbl->Shutdown(xp, &flags), S_OK);
        assert_int_equal(xp->lpVtbl->Shutdown(xp, NULL), MAPI_E_INVALID_PARAMETER);
    }
    assert_int_equal(ms->lpVtbl->Release(ms), 0);
    assert_int_equal(ms2->lpVtbl->Release(ms2), 0);
    assert_int_equal(xp->lpVtbl->Release(xp), 0);
    assert_int_equal(xp2->lpVtbl->Release(xp2), 0);
    assert_int_equal(DllCanUnloadNow(), S_OK);
}

/* ---- a configured profile and a provider, as MAPI has them before Logon -------------------- */

typedef struct ctx
{
    WCHAR *dir, *path;
    fake_profile profile;
    fake_sup sup;
    IMSProvider *ms;
} ctx;

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof(*c));
    SPropValue props[3];
    ULONG ver;

    test_setup_alloc(state);
    c->dir = test_mkdtemp();
    c->path = td_wsprintf(L"%ls\\store.tandem", c->dir);
    fake_profile_init(&c->profile, L"tester");
    props[0].ulPropTag = PR_PST_PATH_W;
    props[0].Value.lpszW = c->path;
    props[1].ulPropTag = PR_DISPLAY_NAME_W;
    props[1].Value.lpszW = (WCHAR *)L"Test Store";
    props[2].ulPropTag = PR_EMAIL_ADDRESS_W;
    props[2].Value.lpszW = (WCHAR *)L"tester@example.org";
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 3, props, NULL), S_OK);
    fake_sup_init(&c->sup, &c->profile, &c->profile.store_uid);
    assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &c->ms), S_OK);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    ULONG flags = 0;

    if (c->ms)
    {
        assert_int_equal(c->ms->lpVtbl->Shutdown(c->ms, &flags), S_OK);
        assert_int_equal(c->ms->lpVtbl->Release(c->ms), 0);
    }
    fake_sup_done(&c->sup);
    fake_profile_free(&c->profile);
    assert_int_equal(td_db_open_count(), 0);
    mc_free(c->path);
    test_rmdir(c->dir);
    free(c);
    return test_teardown_alloc(state);
}

typedef struct logon_out
{
    IMSLogon *logon;
    IMsgStore *mdb;
    ULONG cb_spool;
    BYTE *spool;
    MAPIERROR *err;
} logon_out;

static HRESULT do_logon(ctx *c, IMAPISupport *sup, ULONG cb, ENTRYID *eid, ULONG flags, logon_out *o)
{
    memset(o, 0, sizeof(*o));
    return c->ms->lpVtbl->Logon(c->ms, sup, 0, NULL, cb, eid, flags, NULL, &o->cb_spool, &o->spool,
                                &o->err, &o->logon, &o->mdb);
}

static void logoff_and_release(logon_out *o)
{
    ULONG flags = 0;
    if (o->spool) test_FreeBuffer(o->spool);
    if (o->err) test_FreeBuffer(o->err);
    if (o->mdb) o->mdb->lpVtbl->Release(o->mdb);   /* MAPI: store first, then Logoff + release */
    if (o->logon)
    {
        assert_int_equal(o->logon->lpVtbl->Logoff(o->logon, &flags), S_OK);
        o->logon->lpVtbl->Release(o->logon);
    }
    memset(o, 0, sizeof(*o));
}

/* The unwrapped store entry ID: what MAPI passes to Logon (fake wrap = 20 bytes + original). */
static BYTE *unwrapped_from_profile(ctx *c, ULONG *cb)
{
    const SBinary *b = mc_propbag_get_bin(fake_store_section(&c->profile)->bag, PR_ENTRYID);
    BYTE *r;
    assert_non_null(b);
    assert_true(b->cb > 20);
    assert_memory_equal(b->lpb + 4, fake_wrap_uid, 16);
    *cb = b->cb - 20;
    r = malloc(*cb + 1);
    memcpy(r + 1, b->lpb + 20, *cb);    /* deliberately unaligned */
    return r;
}

static void first_logon_then_same_store(void **state)
{
    ctx *c = *state;
    logon_out a, b;
    ULONG cb;
    BYTE *eid;
    const SPropValue *v;

    /* the service entry already published the store's wrapped entry ID (before any logon) */
    eid = unwrapped_from_profile(c, &cb);

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, cb, (ENTRYID *)(eid + 1),
                              MDB_WRITE | MDB_NO_DIALOG | MAPI_UNICODE, &a), S_OK);
    assert_non_null(a.logon);
    assert_non_null(a.mdb);
    assert_null(a.err);
    assert_int_equal(c->sup.ref, 2);                          /* fact 5: support AddRef'd once */
    assert_int_equal(c->sup.set_provider_uid, 1);
    assert_memory_equal(&c->sup.last_provider_uid, &td_provider_uid, sizeof(MAPIUID));
    assert_int_equal(c->sup.modify_status_row, 1);
    assert_int_equal(c->sup.last_status_flags, 0);
    assert_int_equal(c->sup.wrap, 1);
    assert_true(a.cb_spool > 0);
    assert_true(test_is_root(a.spool));                       /* from the init allocator */
    assert_int_equal(GetFileAttributesW(c->path) & FILE_ATTRIBUTE_DIRECTORY, 0);   /* file created */

    /* the status row */
    v = mc_props_find(c->sup.status_row_count, c->sup.status_row, PR_DISPLAY_NAME_W);
    assert_non_null(v);
    assert_true(!wcscmp(v->Value.lpszW, L"Test Store"));
    v = mc_props_find(c->sup.status_row_count, c->sup.status_row, PR_RESOURCE_METHODS);
    assert_non_null(v);
    assert_int_equal(v->Value.l, STATUS_VALIDATE_STATE);
    v = mc_props_find(c->sup.status_row_count, c->sup.status_row, PR_STATUS_CODE);
    assert_non_null(v);
    assert_int_equal(v->Value.l, STATUS_AVAILABLE);
    assert_non_null(mc_props_find(c->sup.status_row_count, c->sup.status_row, PR_PROVIDER_DISPLAY_W));
    assert_non_null(mc_props_find(c->sup.status_row_count, c->sup.status_row, PR_STATUS_STRING_W));
    assert_non_null(mc_props_find(c->sup.status_row_count, c->sup.status_row, PR_STORE_RECORD_KEY));

    /* the provider section */
    {
        mc_propbag *bag = fake_store_section(&c->profile)->bag;
        WCHAR *name = mc_propbag_get_wstr(bag, PROP_ID(PR_DISPLAY_NAME_W));
        const SBinary *rk = mc_propbag_get_bin(bag, PR_RECORD_KEY);
        assert_non_null(name);
        assert_true(!wcscmp(name, L"Test Store"));
        mc_free(name);
        assert_non_null(rk);
        assert_int_equal(rk->cb, 32);
        assert_memory_equal(rk->lpb, &td_provider_uid, 16);
        assert_non_null(mc_propbag_get_wstr(bag, PROP_ID(PR_PROVIDER_DISPLAY_W)) ? (void *)1 : NULL);
    }

    /* fact 6: the same store again -> the same object, no logon object, nothing else done */
    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, cb, (ENTRYID *)(eid + 1),
                              MDB_WRITE | MAPI_UNICODE, &b), S_OK);
    assert_ptr_equal(b.mdb, a.mdb);
    assert_null(b.logon);
    assert_int_equal(b.cb_spool, 0);
    assert_null(b.spool);
    assert_int_equal(c->sup.ref, 2);
    assert_int_equal(c->sup.set_provider_uid, 1);
    assert_int_equal(c->sup.modify_status_row, 1);
    assert_int_equal(c->sup.wrap, 1);

    logoff_and_release(&b);
    assert_int_equal(c->sup.store_logoff_transports, 0);      /* the store is still open */
    logoff_and_release(&a);
    assert_int_equal(c->sup.ref, 1);                          /* released with the store */
    assert_int_equal(c->sup.store_logoff_transports, 1);      /* DECISIONS 6: once, ABORT */
    assert_int_equal(c->sup.last_logoff_flags, LOGOFF_ABORT);
    assert_int_equal(mc_live_objects, 1);                     /* only the provider */
    free(eid);
}

static void logon_without_entryid_uses_profile(void **state)
{
    ctx *c = *state;
    logon_out a, b;

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, 0, &a), S_OK);
    assert_non_null(a.logon);
    /* Without an entry ID the store cannot be recognised before opening the profile: a new
     * logon, over the same database. */
    {
        fake_sup sup2;
        fake_sup_init(&sup2, &c->profile, &c->profile.store_uid);
        assert_int_equal(do_logon(c, &sup2.IMAPISupport_iface, 0, NULL, 0, &b), S_OK);
        assert_non_null(b.logon);
        assert_ptr_not_equal(a.mdb, b.mdb);
        assert_int_equal(td_db_open_count(), 1);              /* one handle per file */
        logoff_and_release(&b);
        assert_int_equal(sup2.store_logoff_transports, 1);
        fake_sup_done(&sup2);
    }
    logoff_and_release(&a);
}

static SPropValue *get_props(IMsgStore *mdb, ULONG flags, ULONG n, const ULONG *tags, ULONG *count, HRESULT expect)
{
    SPropTagArray *t = malloc(CbNewSPropTagArray(n));
    SPropValue *v = NULL;
    t->cValues = n;
    memcpy(t->aulPropTag, tags, n * sizeof(ULONG));
    assert_int_equal(mdb->lpVtbl->GetProps(mdb, t, flags, count, &v), expect);
    free(t);
    assert_true(test_is_root(v));
    return v;
}

static void store_getprops(void **state)
{
    static const ULONG tags[] =
    {
        PR_OBJECT_TYPE, PR_DISPLAY_NAME_W, PR_DISPLAY_NAME_A, PR_STORE_SUPPORT_MASK, PR_MDB_PROVIDER,
        PR_RECORD_KEY, PR_STORE_RECORD_KEY, PR_ENTRYID, PR_STORE_ENTRYID, PR_STORE_STATE,
        PROP_TAG(PT_UNSPECIFIED, PROP_ID(PR_DISPLAY_NAME_W)), PR_SUBJECT_W,
    };
    ctx *c = *state;
    logon_out a;
    SPropValue *v;
    ULONG n, mask;
    const SBinary *profile_eid;

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, MDB_WRITE, &a), S_OK);
    v = get_props(a.mdb, MAPI_UNICODE, ARRAYSIZE(tags), tags, &n, MAPI_W_ERRORS_RETURNED);
    assert_int_equal(n, ARRAYSIZE(tags));
    assert_int_equal(v[0].ulPropTag, PR_OBJECT_TYPE);
    assert_int_equal(v[0].Value.l, MAPI_STORE);
    assert_int_equal(v[1].ulPropTag, PR_DISPLAY_NAME_W);
    assert_true(!wcscmp(v[1].Value.lpszW, L"Test Store"));
    assert_int_equal(v[2].ulPropTag, PR_DISPLAY_NAME_A);
    assert_string_equal(v[2].Value.lpszA, "Test Store");
    assert_int_equal(v[3].ulPropTag, PR_STORE_SUPPORT_MASK);
    mask = v[3].Value.l;
    assert_true(mask & STORE_UNICODE_OK);
    assert_true(mask & STORE_ENTRYID_UNIQUE);
    /* a store logged on with MDB_WRITE creates and modifies; it sends (issue 6, fact 10); it
     * notifies (changes.c) */
    assert_true((mask & (STORE_MODIFY_OK | STORE_CREATE_OK)) == (STORE_MODIFY_OK | STORE_CREATE_OK));
    assert_true(mask & STORE_SUBMIT_OK);
    assert_true(mask & STORE_NOTIFY_OK);
    assert_false(mask & STORE_READONLY);
    assert_int_equal(v[4].ulPropTag, PR_MDB_PROVIDER);
    assert_int_equal(v[4].Value.bin.cb, sizeof(MAPIUID));
    assert_memory_equal(v[4].Value.bin.lpb, &td_provider_uid, sizeof(MAPIUID));
    /* fact 8 */
    assert_int_equal(v[5].ulPropTag, PR_RECORD_KEY);
    assert_int_equal(v[6].ulPropTag, PR_STORE_RECORD_KEY);
    assert_int_equal(v[5].Value.bin.cb, v[6].Value.bin.cb);
    assert_memory_equal(v[5].Value.bin.lpb, v[6].Value.bin.lpb, v[5].Value.bin.cb);
    assert_memory_equal(v[5].Value.bin.lpb, &td_provider_uid, 16);
    assert_int_equal(v[7].ulPropTag, PR_ENTRYID);
    assert_int_equal(v[8].ulPropTag, PR_STORE_ENTRYID);
    profile_eid = mc_propbag_get_bin(fake_store_section(&c->profile)->bag, PR_ENTRYID);
    assert_int_equal(v[7].Value.bin.cb, profile_eid->cb);
    assert_memory_equal(v[7].Value.bin.lpb, profile_eid->lpb, profile_eid->cb);
    assert_int_equal(v[8].Value.bin.cb, profile_eid->cb);
    assert_memory_equal(v[8].Value.bin.lpb, profile_eid->lpb, profile_eid->cb);
    assert_memory_equal(v[7].Value.bin.lpb + 4, fake_wrap_uid, 16);   /* the wrapped form */
    assert_int_equal(v[9].ulPropTag, PR_STORE_STATE);
    assert_int_equal(v[10].ulPropTag, PR_DISPLAY_NAME_W);             /* PT_UNSPECIFIED filled */
    assert_int_equal(v[11].ulPropTag, PROP_TAG(PT_ERROR, PROP_ID(PR_SUBJECT_W)));
    assert_int_equal(v[11].Value.err, MAPI_E_NOT_FOUND);
    test_FreeBuffer(v);

    /* ANSI caller */
    {
        static const ULONG t2[] = { PROP_TAG(PT_UNSPECIFIED, PROP_ID(PR_DISPLAY_NAME_W)) };
        v = get_props(a.mdb, 0, 1, t2, &n, S_OK);
        assert_int_equal(v[0].ulPropTag, PR_DISPLAY_NAME_A);
        assert_string_equal(v[0].Value.lpszA, "Test Store");
        test_FreeBuffer(v);
    }

    /* all properties */
    {
        SPropValue *all = NULL;
        SPropTagArray *list = NULL;
        ULONG i;
        assert_int_equal(a.mdb->lpVtbl->GetProps(a.mdb, NULL, MAPI_UNICODE, &n, &all), S_OK);
        assert_non_null(mc_props_find(n, all, PR_STORE_SUPPORT_MASK));
        assert_non_null(mc_props_find(n, all, PR_DISPLAY_NAME_W));
        assert_non_null(mc_props_find(n, all, PR_STORE_ENTRYID));
        test_FreeBuffer(all);
        assert_int_equal(a.mdb->lpVtbl->GetPropList(a.mdb, MAPI_UNICODE, &list), S_OK);
        assert_true(test_is_root(list));
        assert_int_equal(list->cValues, n);
        for (i = 0; i < ARRAYSIZE(tags) - 3; i++)
            if (tags[i] != PR_DISPLAY_NAME_A) assert_true(mc_tags_contain(list, tags[i]));
        test_FreeBuffer(list);
    }

    /* errors */
    assert_int_equal(a.mdb->lpVtbl->GetProps(a.mdb, NULL, 0, NULL, &v), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(a.mdb->lpVtbl->GetProps(a.mdb, NULL, 0x1, &n, &v), MAPI_E_UNKNOWN_FLAGS);
    logoff_and_release(&a);
}

static void store_setprops(void **state)
{
    ctx *c = *state;
    logon_out a;
    SPropValue set[3];
    SPropProblemArray *problems = NULL;
    SPropValue *v;
    ULONG n;
    static const ULONG t[] = { PR_STORE_SUPPORT_MASK, PR_DISPLAY_NAME_W };

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, MDB_WRITE, &a), S_OK);
    v = get_props(a.mdb, MAPI_UNICODE, 1, t, &n, S_OK);
    set[0].ulPropTag = PR_STORE_SUPPORT_MASK;
    set[0].Value.l = v[0].Value.l ^ STORE_MODIFY_OK;
    set[1].ulPropTag = PR_DISPLAY_NAME_W;
    set[1].Value.lpszW = (WCHAR *)L"Renamed";
    set[2].ulPropTag = PR_ENTRYID;
    set[2].Value.bin.cb = 1;
    set[2].Value.bin.lpb = (BYTE *)"x";
    /* fact 10: computed -> a problem, overall S_OK */
    assert_int_equal(a.mdb->lpVtbl->SetProps(a.mdb, 3, set, &problems), S_OK);
    assert_non_null(problems);
    assert_int_equal(problems->cProblem, 2);
    assert_int_equal(problems->aProblem[0].ulIndex, 0);
    assert_int_equal(problems->aProblem[0].scode, MAPI_E_COMPUTED);
    assert_int_equal(problems->aProblem[1].ulIndex, 2);
    assert_int_equal(problems->aProblem[1].scode, MAPI_E_COMPUTED);
    test_FreeBuffer(problems);
    {
        SPropValue *w = get_props(a.mdb, MAPI_UNICODE, 2, t, &n, S_OK);
        assert_int_equal(w[0].Value.l, v[0].Value.l);        /* unchanged */
        assert_true(!wcscmp(w[1].Value.lpszW, L"Renamed"));
        test_FreeBuffer(w);
    }
    test_FreeBuffer(v);
    /* the rest of the object model is not kept yet: refused, not pretended */
    set[0].ulPropTag = PR_COMMENT_W;
    set[0].Value.lpszW = (WCHAR *)L"x";
    assert_int_equal(a.mdb->lpVtbl->SetProps(a.mdb, 1, set, &problems), S_OK);
    assert_non_null(problems);
    assert_int_equal(problems->aProblem[0].scode, MAPI_E_NO_ACCESS);
    test_FreeBuffer(problems);
    /* DeleteProps of a computed property */
    {
        SizedSPropTagArray(1, del) = { 1, { PR_STORE_SUPPORT_MASK } };
        assert_int_equal(a.mdb->lpVtbl->DeleteProps(a.mdb, (SPropTagArray *)&del, &problems), S_OK);
        assert_non_null(problems);
        assert_int_equal(problems->aProblem[0].scode, MAPI_E_COMPUTED);
        test_FreeBuffer(problems);
    }
    assert_int_equal(a.mdb->lpVtbl->SaveChanges(a.mdb, 0), S_OK);
    logoff_and_release(&a);

    /* the name is in the database: a new logon (new provider) sees it */
    {
        ULONG ver, flags = 0;
        assert_int_equal(c->ms->lpVtbl->Shutdown(c->ms, &flags), S_OK);
        c->ms->lpVtbl->Release(c->ms);
        assert_int_equal(MSProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                        0, CURRENT_SPI_VERSION, &ver, &c->ms), S_OK);
    }
    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, 0, &a), S_OK);
    v = get_props(a.mdb, MAPI_UNICODE, 2, t, &n, S_OK);
    assert_true(!wcscmp(v[1].Value.lpszW, L"Renamed"));
    test_FreeBuffer(v);
    /* without MDB_WRITE the name cannot be changed */
    set[0].ulPropTag = PR_DISPLAY_NAME_W;
    set[0].Value.lpszW = (WCHAR *)L"Again";
    assert_int_equal(a.mdb->lpVtbl->SetProps(a.mdb, 1, set, &problems), S_OK);
    assert_non_null(problems);
    assert_int_equal(problems->aProblem[0].scode, MAPI_E_NO_ACCESS);
    test_FreeBuffer(problems);
    logoff_and_release(&a);
}

static void tandem_store_interface(void **state)
{
    ctx *c = *state;
    logon_out a;
    ITandemStore *ts = NULL;
    IUnknown *unk = NULL;
    WCHAR buf[MAX_PATH];
    ULONG needed = 0, version = 0;

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, 0, &a), S_OK);
    assert_int_equal(a.mdb->lpVtbl->QueryInterface(a.mdb, &IID_ITandemStore, (void **)&ts), S_OK);
    assert_int_equal(ts->lpVtbl->GetDatabasePath(ts, ARRAYSIZE(buf), buf, &needed), S_OK);
    assert_true(!_wcsicmp(buf, c->path));
    assert_int_equal(needed, wcslen(c->path) + 1);
    assert_int_equal(ts->lpVtbl->GetDatabasePath(ts, 3, buf, &needed), MAPI_E_NOT_ENOUGH_MEMORY);
    assert_int_equal(needed, wcslen(c->path) + 1);
    assert_int_equal(ts->lpVtbl->GetSchemaVersion(ts, &version), S_OK);
    assert_int_equal(version, TD_SCHEMA_VERSION);
    /* back to IMsgStore: the same object */
    assert_int_equal(ts->lpVtbl->QueryInterface(ts, &IID_IMsgStore, (void **)&unk), S_OK);
    assert_ptr_equal(unk, a.mdb);
    unk->lpVtbl->Release(unk);
    ts->lpVtbl->Release(ts);
    assert_int_equal(a.mdb->lpVtbl->QueryInterface(a.mdb, &IID_IMAPIProp, (void **)&unk), S_OK);
    unk->lpVtbl->Release(unk);
    assert_int_equal(a.mdb->lpVtbl->QueryInterface(a.mdb, &IID_IMAPIFolder, (void **)&unk), E_NOINTERFACE);
    assert_null(unk);
    logoff_and_release(&a);
}

static void store_logoff_calls_transports_once(void **state)
{
    ctx *c = *state;
    logon_out a;
    ULONG flags = LOGOFF_ORDERLY;

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, 0, &a), S_OK);
    assert_int_equal(a.mdb->lpVtbl->StoreLogoff(a.mdb, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(a.mdb->lpVtbl->StoreLogoff(a.mdb, &flags), S_OK);
    assert_int_equal(c->sup.store_logoff_transports, 1);
    assert_int_equal(c->sup.last_logoff_flags, LOGOFF_ORDERLY);
    assert_true(flags & LOGOFF_COMPLETE);          /* what the support object answered */
    flags = LOGOFF_ORDERLY;
    assert_int_equal(a.mdb->lpVtbl->StoreLogoff(a.mdb, &flags), S_OK);
    assert_int_equal(c->sup.store_logoff_transports, 1);
    logoff_and_release(&a);
    assert_int_equal(c->sup.store_logoff_transports, 1);   /* not again at the final release */
}

static void spooler_logon(void **state)
{
    ctx *c = *state;
    logon_out a;
    fake_sup spool_sup;
    IMSLogon *slogon = NULL;
    IMsgStore *smdb = NULL;
    MAPIERROR *err = NULL;
    ULONG cb;
    BYTE *eid = unwrapped_from_profile(c, &cb);
    BYTE bad[24] = { 0 };
    SPropValue *v;
    ULONG n;
    static const ULONG t[] = { PR_DISPLAY_NAME_W, PR_STORE_ENTRYID };
    ENTRYID dummy;

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, cb, (ENTRYID *)(eid + 1), MDB_WRITE, &a), S_OK);
    fake_sup_init(&spool_sup, &c->profile, &c->profile.store_uid);
    assert_int_equal(c->ms->lpVtbl->SpoolerLogon(c->ms, &spool_sup.IMAPISupport_iface, 0, NULL, cb,
                     (ENTRYID *)(eid + 1), 0, NULL, a.cb_spool, a.spool, &err, &slogon, &smdb), S_OK);
    assert_null(err);
    assert_non_null(slogon);
    assert_non_null(smdb);
    assert_ptr_not_equal(smdb, a.mdb);                 /* DECISIONS 4: its own object */
    assert_ptr_not_equal(slogon, a.logon);
    assert_int_equal(spool_sup.ref, 2);
    assert_int_equal(spool_sup.set_provider_uid + spool_sup.modify_status_row, 0);
    assert_int_equal(td_db_open_count(), 1);           /* over the same store */

    /* same state: a rename through the client is seen by the spooler */
    {
        SPropValue set;
        set.ulPropTag = PR_DISPLAY_NAME_W;
        set.Value.lpszW = (WCHAR *)L"Shared";
        assert_int_equal(a.mdb->lpVtbl->SetProps(a.mdb, 1, &set, NULL), S_OK);
    }
    v = get_props(smdb, MAPI_UNICODE, 2, t, &n, S_OK);
    assert_true(!wcscmp(v[0].Value.lpszW, L"Shared"));
    test_FreeBuffer(v);

    /* spooler-only methods: a client store refuses them (fact 30) */
    assert_int_equal(a.mdb->lpVtbl->FinishedMsg(a.mdb, 0, sizeof(dummy), &dummy), MAPI_E_NO_SUPPORT);
    {
        IMAPITable *table = NULL;
        assert_int_equal(a.mdb->lpVtbl->GetOutgoingQueue(a.mdb, 0, &table), MAPI_E_NO_SUPPORT);
        assert_null(table);
    }
    assert_int_equal(a.mdb->lpVtbl->SetLockState(a.mdb, NULL, MSG_LOCKED), MAPI_E_NO_SUPPORT);
    assert_int_equal(a.mdb->lpVtbl->NotifyNewMail(a.mdb, NULL), MAPI_E_NO_SUPPORT);

    /* a security blob that is not ours */
    {
        IMSLogon *l2 = NULL;
        IMsgStore *m2 = NULL;
        assert_int_equal(c->ms->lpVtbl->SpoolerLogon(c->ms, &spool_sup.IMAPISupport_iface, 0, NULL, cb,
                         (ENTRYID *)(eid + 1), MAPI_UNICODE, NULL, sizeof(bad), bad, &err, &l2, &m2), MAPI_E_LOGON_FAILED);
        assert_null(l2);
        assert_null(m2);
        assert_non_null(err);
        test_FreeBuffer(err);
        err = NULL;
    }

    smdb->lpVtbl->Release(smdb);
    {
        ULONG flags = 0;
        slogon->lpVtbl->Logoff(slogon, &flags);
    }
    slogon->lpVtbl->Release(slogon);
    assert_int_equal(spool_sup.store_logoff_transports, 0);   /* only the client's store does */
    fake_sup_done(&spool_sup);
    logoff_and_release(&a);
    free(eid);
}

static void compare_store_ids(void **state)
{
    ctx *c = *state;
    ULONG cb, cb_other, result = 7;
    BYTE *eid = unwrapped_from_profile(c, &cb);
    ENTRYID *other, *moved;
    GUID g;
    BYTE junk[30] = { 1, 2, 3 };

    CoCreateGuid(&g);
    assert_int_equal(td_eid_encode_store(&g, L"C:\\x.tandem", &cb_other, &other), S_OK);
    /* no store open: CompareStoreIDs still works (imsprovider-comparestoreids.md) */
    assert_int_equal(c->ms->lpVtbl->CompareStoreIDs(c->ms, cb, (ENTRYID *)(eid + 1), cb, (ENTRYID *)(eid + 1), 0, &result), S_OK);
    assert_int_equal(result, TRUE);
    assert_int_equal(c->ms->lpVtbl->CompareStoreIDs(c->ms, cb, (ENTRYID *)(eid + 1), cb_other, other, 0, &result), S_OK);
    assert_int_equal(result, FALSE);
    {
        td_eid d;
        ULONG cb_moved;
        assert_int_equal(td_eid_decode(cb, (ENTRYID *)(eid + 1), &d), S_OK);
        assert_int_equal(td_eid_encode_store(&d.store_guid, L"Z:\\elsewhere.tandem", &cb_moved, &moved), S_OK);
        td_eid_clear(&d);
        assert_int_equal(c->ms->lpVtbl->CompareStoreIDs(c->ms, cb, (ENTRYID *)(eid + 1), cb_moved, moved, 0, &result), S_OK);
        assert_int_equal(result, TRUE);
    }
    assert_int_equal(c->ms->lpVtbl->CompareStoreIDs(c->ms, cb, (ENTRYID *)(eid + 1), sizeof(junk), (ENTRYID *)junk, 0, &result),
                     MAPI_E_INVALID_ENTRYID);
    assert_int_equal(c->ms->lpVtbl->CompareStoreIDs(c->ms, 0, NULL, cb, (ENTRYID *)(eid + 1), 0, &result),
                     MAPI_E_INVALID_ENTRYID);
    assert_int_equal(c->ms->lpVtbl->CompareStoreIDs(c->ms, cb, (ENTRYID *)(eid + 1), cb, (ENTRYID *)(eid + 1), 0, NULL),
                     MAPI_E_INVALID_PARAMETER);
    mc_free(other);
    mc_free(moved);
    free(eid);
}

static void store_entry_ids(void **state)
{
    ctx *c = *state;
    logon_out a;
    ULONG cb, result = 7, type = 0;
    BYTE *eid = unwrapped_from_profile(c, &cb);
    const SBinary *wrapped = mc_propbag_get_bin(fake_store_section(&c->profile)->bag, PR_ENTRYID);
    IUnknown *unk = NULL;
    ENTRYID *msg1, *msg2, *foreign;
    ULONG cbm1, cbm2, cbf;
    td_eid d;
    GUID g;

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, 0, &a), S_OK);
    assert_int_equal(td_eid_decode(cb, (ENTRYID *)(eid + 1), &d), S_OK);
    assert_int_equal(td_eid_encode_object(TD_EID_MESSAGE, &d.store_guid, 10, &cbm1, &msg1), S_OK);
    assert_int_equal(td_eid_encode_object(TD_EID_MESSAGE, &d.store_guid, 11, &cbm2, &msg2), S_OK);
    CoCreateGuid(&g);
    assert_int_equal(td_eid_encode_object(TD_EID_MESSAGE, &g, 10, &cbf, &foreign), S_OK);
    td_eid_clear(&d);

    /* the wrapped ID a client sees and the unwrapped one name the same store */
    assert_int_equal(a.mdb->lpVtbl->CompareEntryIDs(a.mdb, wrapped->cb, (ENTRYID *)wrapped->lpb, cb, (ENTRYID *)(eid + 1), 0, &result), S_OK);
    assert_int_equal(result, TRUE);
    assert_int_equal(a.mdb->lpVtbl->CompareEntryIDs(a.mdb, cbm1, msg1, cbm2, msg2, 0, &result), S_OK);
    assert_int_equal(result, FALSE);
    assert_int_equal(a.mdb->lpVtbl->CompareEntryIDs(a.mdb, cbm1, msg1, cbm1, msg1, 0, &result), S_OK);
    assert_int_equal(result, TRUE);
    assert_int_equal(a.mdb->lpVtbl->CompareEntryIDs(a.mdb, 3, (ENTRYID *)"abc", cbm1, msg1, 0, &result), MAPI_E_UNKNOWN_ENTRYID);
    assert_int_equal(a.logon->lpVtbl->CompareEntryIDs(a.logon, cbm1, msg1, cbm2, msg2, 0, &result), S_OK);
    assert_int_equal(result, FALSE);

    /* OpenEntry: the store itself, not-yet folders, other stores, junk */
    assert_int_equal(a.mdb->lpVtbl->OpenEntry(a.mdb, wrapped->cb, (ENTRYID *)wrapped->lpb, NULL, 0, &type, &unk), S_OK);
    assert_int_equal(type, MAPI_STORE);
    assert_ptr_equal(unk, a.mdb);
    unk->lpVtbl->Release(unk);
    unk = NULL;
    /* issue 3: NULL opens the root folder; a message ID of this store that names nothing is
     * not found */
    assert_int_equal(a.mdb->lpVtbl->OpenEntry(a.mdb, 0, NULL, NULL, 0, &type, &unk), S_OK);
    assert_int_equal(type, MAPI_FOLDER);
    unk->lpVtbl->Release(unk);
    unk = NULL;
    assert_int_equal(a.mdb->lpVtbl->OpenEntry(a.mdb, cbm1, msg1, NULL, 0, &type, &unk), MAPI_E_NOT_FOUND);
    assert_int_equal(a.mdb->lpVtbl->OpenEntry(a.mdb, cbf, foreign, NULL, 0, &type, &unk), MAPI_E_NOT_FOUND);
    assert_int_equal(a.mdb->lpVtbl->OpenEntry(a.mdb, 5, (ENTRYID *)"abcde", NULL, 0, &type, &unk), MAPI_E_INVALID_ENTRYID);
    assert_int_equal(a.logon->lpVtbl->OpenEntry(a.logon, cbf, foreign, NULL, 0, &type, &unk), MAPI_E_NOT_FOUND);
    assert_int_equal(a.logon->lpVtbl->OpenEntry(a.logon, 5, (ENTRYID *)"abcde", NULL, 0, &type, &unk), MAPI_E_INVALID_ENTRYID);
    assert_null(unk);

    mc_free(msg1);
    mc_free(msg2);
    mc_free(foreign);
    logoff_and_release(&a);
    free(eid);
}

static void status_object(void **state)
{
    ctx *c = *state;
    logon_out a;
    IMAPIStatus *st = NULL;
    ULONG type = 0, n;
    SPropValue *v = NULL;
    SizedSPropTagArray(6, t) = { 6, { PR_OBJECT_TYPE, PR_RESOURCE_TYPE, PR_DISPLAY_NAME_W,
                                      PR_PROVIDER_DISPLAY_W, PR_RESOURCE_METHODS, PR_STATUS_CODE } };

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, 0, &a), S_OK);
    assert_int_equal(a.logon->lpVtbl->OpenStatusEntry(a.logon, NULL, 0, &type, (void **)&st), S_OK);
    assert_int_equal(type, MAPI_STATUS);
    assert_int_equal(st->lpVtbl->GetProps(st, (SPropTagArray *)&t, MAPI_UNICODE, &n, &v), S_OK);
    assert_int_equal(v[0].Value.l, MAPI_STATUS);
    assert_int_equal(v[1].Value.l, MAPI_STORE_PROVIDER);
    assert_true(!wcscmp(v[2].Value.lpszW, L"Test Store"));
    assert_int_equal(v[4].Value.l, STATUS_VALIDATE_STATE);
    assert_int_equal(v[5].Value.l, STATUS_AVAILABLE);
    test_FreeBuffer(v);
    assert_int_equal(st->lpVtbl->ValidateState(st, 0, 0), S_OK);
    assert_int_equal(st->lpVtbl->ValidateState(st, 0, SUPPRESS_UI | CONFIG_CHANGED), S_OK);
    assert_int_equal(st->lpVtbl->ValidateState(st, 0, 0x00000100), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(st->lpVtbl->SettingsDialog(st, 0, 0), MAPI_E_NO_SUPPORT);
    assert_int_equal(st->lpVtbl->ChangePassword(st, NULL, NULL, 0), MAPI_E_NO_SUPPORT);
    assert_int_equal(st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0), MAPI_E_NO_SUPPORT);
    {
        SPropValue set;
        set.ulPropTag = PR_DISPLAY_NAME_W;
        set.Value.lpszW = (WCHAR *)L"x";
        assert_int_equal(st->lpVtbl->SetProps(st, 1, &set, NULL), MAPI_E_NO_ACCESS);
    }
    assert_int_equal(a.logon->lpVtbl->OpenStatusEntry(a.logon, &IID_IMsgStore, 0, &type, (void **)&v), MAPI_E_INTERFACE_NOT_SUPPORTED);
    /* MAPI may release the logon before the status object: the status object keeps it */
    logoff_and_release(&a);
    assert_true(mc_live_objects >= 2);
    st->lpVtbl->Release(st);
    assert_int_equal(mc_live_objects, 1);
}

static void unconfigured_profile(void **state)
{
    ctx *c = *state;
    fake_profile empty;
    fake_sup sup;
    logon_out a;

    fake_profile_init(&empty, L"empty");
    fake_sup_init(&sup, &empty, &empty.store_uid);
    /* fact 7 */
    assert_int_equal(do_logon(c, &sup.IMAPISupport_iface, 0, NULL, MDB_NO_DIALOG | MAPI_UNICODE, &a), MAPI_E_UNCONFIGURED);
    assert_null(a.logon);
    assert_null(a.mdb);
    assert_null(a.spool);
    assert_non_null(a.err);
    assert_true(test_is_root(a.err));
    assert_non_null(a.err->lpszError);
    assert_non_null(wcsstr((WCHAR *)a.err->lpszError, L"PR_PST_PATH"));
    assert_int_equal(sup.ref, 1);
    assert_int_equal(sup.set_provider_uid + sup.modify_status_row, 0);
    test_FreeBuffer(a.err);
    /* ANSI text without MAPI_UNICODE */
    assert_int_equal(do_logon(c, &sup.IMAPISupport_iface, 0, NULL, MDB_NO_DIALOG, &a), MAPI_E_UNCONFIGURED);
    assert_non_null(a.err);
    assert_non_null(strstr((char *)a.err->lpszError, "PR_PST_PATH"));
    test_FreeBuffer(a.err);
    fake_sup_done(&sup);
    fake_profile_free(&empty);
}

static void missing_folder(void **state)
{
    ctx *c = *state;
    logon_out a;
    WCHAR *gone = td_wsprintf(L"%ls\\gone", c->dir), *file = td_wsprintf(L"%ls\\store.tandem", gone);
    SPropValue p;

    assert_true(CreateDirectoryW(gone, NULL));
    p.ulPropTag = PR_PST_PATH_W;
    p.Value.lpszW = file;
    assert_int_equal(test_configure(&c->profile, MAPI_UNICODE, 1, &p, NULL), S_OK);
    assert_true(RemoveDirectoryW(gone));
    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, MAPI_UNICODE, &a), MAPI_E_LOGON_FAILED);
    assert_null(a.mdb);
    assert_null(a.logon);
    assert_non_null(a.err);
    assert_non_null(wcsstr((WCHAR *)a.err->lpszError, L"gone"));
    test_FreeBuffer(a.err);
    assert_int_equal(c->sup.ref, 1);
    mc_free(gone);
    mc_free(file);
}

static void corrupt_file(void **state)
{
    ctx *c = *state;
    logon_out a;
    BYTE junk[4096], back[4096];
    DWORD n = 0;
    HANDLE f;
    ULONG i;

    for (i = 0; i < sizeof(junk); i++) junk[i] = (BYTE)(i * 7 + 3);
    f = CreateFileW(c->path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    assert_true(f != INVALID_HANDLE_VALUE);
    WriteFile(f, junk, sizeof(junk), &n, NULL);
    CloseHandle(f);
    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, MAPI_UNICODE, &a), MAPI_E_CORRUPT_DATA);
    assert_null(a.mdb);
    assert_non_null(a.err);
    test_FreeBuffer(a.err);
    f = CreateFileW(c->path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(ReadFile(f, back, sizeof(back), &n, NULL));
    CloseHandle(f);
    assert_int_equal(n, sizeof(junk));
    assert_memory_equal(back, junk, sizeof(junk));     /* untouched */
}

static void bad_arguments(void **state)
{
    ctx *c = *state;
    logon_out a;
    ULONG cb_spool;
    BYTE *spool;
    IMSLogon *logon;
    IMsgStore *mdb;
    BYTE junk[60] = { 0 };

    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, NULL, 0, NULL, 0, NULL, 0, NULL, &cb_spool, &spool, NULL, &logon, &mdb),
                     MAPI_E_INVALID_PARAMETER);
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.IMAPISupport_iface, 0, NULL, 0, NULL, 0, NULL, &cb_spool, &spool, NULL, &logon, NULL),
                     MAPI_E_INVALID_PARAMETER);
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.IMAPISupport_iface, 0, NULL, 0, NULL, 0, NULL, NULL, &spool, NULL, &logon, &mdb),
                     MAPI_E_INVALID_PARAMETER);
    assert_int_equal(c->ms->lpVtbl->Logon(c->ms, &c->sup.IMAPISupport_iface, 0, NULL, 0, NULL, 0, &IID_IMAPIFolder, &cb_spool, &spool, NULL, &logon, &mdb),
                     MAPI_E_INTERFACE_NOT_SUPPORTED);
    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, sizeof(junk), (ENTRYID *)junk, MAPI_UNICODE, &a), MAPI_E_INVALID_ENTRYID);
    assert_null(a.mdb);
    assert_non_null(a.err);
    test_FreeBuffer(a.err);
    assert_int_equal(c->sup.ref, 1);
    assert_int_equal(c->sup.open_profile_section, 0);
    {
        ULONG flags;
        assert_int_equal(c->ms->lpVtbl->Shutdown(c->ms, NULL), MAPI_E_INVALID_PARAMETER);
        flags = 0;
        (void)flags;
    }
}

static void store_get_last_error(void **state)
{
    ctx *c = *state;
    logon_out a;
    MAPIERROR *err = NULL;

    assert_int_equal(do_logon(c, &c->sup.IMAPISupport_iface, 0, NULL, 0, &a), S_OK);
    assert_int_equal(a.mdb->lpVtbl->GetLastError(a.mdb, MAPI_E_NO_SUPPORT, MAPI_UNICODE, &err), S_OK);
    assert_true(test_is_root(err));
    test_FreeBuffer(err);
    assert_int_equal(a.mdb->lpVtbl->GetLastError(a.mdb, MAPI_E_NO_SUPPORT, 0, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(a.logon->lpVtbl->GetLastError(a.logon, MAPI_E_NO_SUPPORT, 0, &err), S_OK);
    test_FreeBuffer(err);
    {
        ULONG conn = 0;
        assert_int_equal(a.mdb->lpVtbl->Advise(a.mdb, 0, NULL, fnevNewMail, NULL, &conn), MAPI_E_INVALID_PARAMETER);
        assert_int_equal(a.mdb->lpVtbl->Unadvise(a.mdb, 1), MAPI_E_NO_SUPPORT);
    }
    logoff_and_release(&a);
}

/* TransportLogon works now (issue 6); its call sequence is tested in test_transport_xplogon.c. */
static void transport_logon(void **state)
{
    IXPProvider *xp = NULL;
    IXPLogon *xl = NULL;
    MAPIERROR *err = NULL;
    fake_profile p;
    fake_sup sup;
    WCHAR *dir = test_mkdtemp(), *root = td_wsprintf(L"%ls\\drop", dir), *box = td_wsprintf(L"%ls\\t@localhost", root);
    ULONG ver, flags = LOGON_NO_INBOUND | LOGON_NO_OUTBOUND | MAPI_UNICODE;

    fake_profile_init(&p, L"t");
    fake_set_string(fake_service_section(&p), PR_TD_DROP_ROOT_W, root);
    fake_sup_init(&sup, &p, &p.transport_uid);
    assert_int_equal(XPProviderInit(NULL, NULL, test_AllocateBuffer, test_AllocateMore, test_FreeBuffer,
                                    0, CURRENT_SPI_VERSION, &ver, &xp), S_OK);
    assert_int_equal(xp->lpVtbl->TransportLogon(xp, &sup.IMAPISupport_iface, 0, (LPTSTR)L"t", &flags, &err, &xl), S_OK);
    assert_non_null(xl);
    assert_null(err);
    assert_int_equal(sup.ref, 2);
    assert_int_equal(xl->lpVtbl->TransportLogoff(xl, 0), S_OK);
    assert_int_equal(xl->lpVtbl->Release(xl), 0);
    assert_int_equal(sup.ref, 1);
    xp->lpVtbl->Release(xp);
    fake_sup_done(&sup);
    fake_profile_free(&p);
    {
        WCHAR *idx = td_wsprintf(L"%ls\\delivered.idx", box);
        DeleteFileW(idx);
        mc_free(idx);
    }
    RemoveDirectoryW(box);
    RemoveDirectoryW(root);
    mc_free(box);
    mc_free(root);
    test_rmdir(dir);
}

#define TL(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        T(inits_negotiate_version),
        TL(first_logon_then_same_store),
        TL(logon_without_entryid_uses_profile),
        TL(store_getprops),
        TL(store_setprops),
        TL(tandem_store_interface),
        TL(store_logoff_calls_transports_once),
        TL(spooler_logon),
        TL(compare_store_ids),
        TL(store_entry_ids),
        TL(status_object),
        TL(unconfigured_profile),
        TL(missing_folder),
        TL(corrupt_file),
        TL(bad_arguments),
        TL(store_get_last_error),
        T(transport_logon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
