/*
 * test_logon.c - first conformance test: a program linked only against mapi32 creates a
 * profile with the TANDEM service, logs on, finds and opens the default store, checks the
 * store's properties, logs off and deletes the profile (issue 2, point 8).
 * Pages: mapiadminprofiles.md, imsgserviceadmin-createmsgservice.md,
 * imsgserviceadmin-configuremsgservice.md, mapilogonex.md, imapisession-getmsgstorestable.md,
 * imapisession-openmsgstore.md, imsgstoreimapiprop.md.
 */
#include "wtest.h"
#include "wtmapi.h"

static void check_store_props(IMAPISession *session, IMsgStore *mdb, const wt_profile *p,
                              const ENTRYID *table_eid, ULONG table_cb)
{
    static const SizedSPropTagArray(8, tags) = {8, {PR_OBJECT_TYPE, PR_DISPLAY_NAME_W,
        PR_DISPLAY_NAME_A, PR_STORE_SUPPORT_MASK, PR_MDB_PROVIDER, PR_RECORD_KEY,
        PR_STORE_ENTRYID, PR_STORE_RECORD_KEY}};
    SPropValue *v = NULL;
    ULONG n = 0, result = FALSE;
    char expected_a[64];
    HRESULT hr;

    hr = mdb->lpVtbl->GetProps(mdb, (SPropTagArray *)&tags, 0, &n, &v);
    ok(hr == S_OK, "GetProps returned %#lx\n", hr);
    if (FAILED(hr)) return;
    ok(n == 8, "GetProps gave %lu values\n", n);
    ok(v[0].ulPropTag == PR_OBJECT_TYPE && v[0].Value.l == MAPI_STORE,
       "PR_OBJECT_TYPE %#lx = %ld\n", v[0].ulPropTag, v[0].Value.l);
    ok(v[1].ulPropTag == PR_DISPLAY_NAME_W && !lstrcmpW(v[1].Value.lpszW, p->display_name),
       "PR_DISPLAY_NAME_W %#lx = %ls\n", v[1].ulPropTag,
       v[1].ulPropTag == PR_DISPLAY_NAME_W ? v[1].Value.lpszW : L"?");
    WideCharToMultiByte(CP_ACP, 0, p->display_name, -1, expected_a, sizeof(expected_a), NULL, NULL);
    ok(v[2].ulPropTag == PR_DISPLAY_NAME_A && !lstrcmpA(v[2].Value.lpszA, expected_a),
       "PR_DISPLAY_NAME_A %#lx = %s\n", v[2].ulPropTag,
       v[2].ulPropTag == PR_DISPLAY_NAME_A ? v[2].Value.lpszA : "?");
    ok(v[3].ulPropTag == PR_STORE_SUPPORT_MASK && (v[3].Value.l & STORE_UNICODE_OK),
       "PR_STORE_SUPPORT_MASK %#lx = %#lx\n", v[3].ulPropTag, v[3].Value.l);
    ok(v[4].ulPropTag == PR_MDB_PROVIDER && v[4].Value.bin.cb == sizeof(MAPIUID),
       "PR_MDB_PROVIDER %#lx, %lu bytes\n", v[4].ulPropTag, v[4].Value.bin.cb);
    ok(v[5].ulPropTag == PR_RECORD_KEY && v[5].Value.bin.cb > 0,
       "PR_RECORD_KEY %#lx\n", v[5].ulPropTag);
    ok(v[7].ulPropTag == PR_STORE_RECORD_KEY && v[5].ulPropTag == PR_RECORD_KEY
       && v[7].Value.bin.cb == v[5].Value.bin.cb
       && !memcmp(v[7].Value.bin.lpb, v[5].Value.bin.lpb, v[5].Value.bin.cb),
       "PR_STORE_RECORD_KEY differs from PR_RECORD_KEY\n");
    ok(v[6].ulPropTag == PR_STORE_ENTRYID, "PR_STORE_ENTRYID %#lx\n", v[6].ulPropTag);
    if (v[6].ulPropTag == PR_STORE_ENTRYID)
    {
        hr = session->lpVtbl->CompareEntryIDs(session, v[6].Value.bin.cb,
                (ENTRYID *)v[6].Value.bin.lpb, table_cb, (ENTRYID *)table_eid, 0, &result);
        ok(hr == S_OK && result, "CompareEntryIDs(PR_STORE_ENTRYID, table PR_ENTRYID) %#lx %lu\n",
           hr, result);
    }
    MAPIFreeBuffer(v);

    /* PR_ENTRYID of the store equals PR_STORE_ENTRYID. */
    {
        SPropValue *e = NULL;
        hr = HrGetOneProp((IMAPIProp *)mdb, PR_ENTRYID, &e);
        ok(hr == S_OK && e->Value.bin.cb > 0, "PR_ENTRYID: %#lx\n", hr);
        if (hr == S_OK)
        {
            result = FALSE;
            hr = session->lpVtbl->CompareEntryIDs(session, e->Value.bin.cb,
                    (ENTRYID *)e->Value.bin.lpb, table_cb, (ENTRYID *)table_eid, 0, &result);
            ok(hr == S_OK && result, "store PR_ENTRYID vs table: %#lx %lu\n", hr, result);
            MAPIFreeBuffer(e);
        }
    }
}

static void test_first_logon(IProfAdmin *admin, BOOL unicode)
{
    wt_profile p;
    IMAPISession *session = NULL;
    IMsgStore *mdb = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0;
    WCHAR wname[64];
    HRESULT hr;

    wt_context(unicode ? "first logon (MAPI_UNICODE)" : "first logon (ANSI)");
    if (!wt_profile_create(admin, &p, unicode ? "tandem-wt-logon-w" : "tandem-wt-logon-a"))
        return;
    ok(!wt_file_exists(p.store_path), "store file exists before the first logon\n");

    MultiByteToWideChar(CP_ACP, 0, p.name, -1, wname, 64);
    hr = MAPILogonEx(0, unicode ? (LPTSTR)wname : (LPTSTR)p.name, NULL,
                     MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL | (unicode ? MAPI_UNICODE : 0),
                     &session);
    if (!ok(hr == S_OK, "MAPILogonEx returned %#lx\n", hr)) goto done;

    eid = wt_default_store_id(session, &cb);
    if (!eid) goto done;
    hr = session->lpVtbl->OpenMsgStore(session, 0, cb, eid, NULL, MDB_WRITE | MDB_NO_DIALOG, &mdb);
    if (!ok(hr == S_OK, "OpenMsgStore returned %#lx\n", hr)) goto done;
    ok(wt_file_exists(p.store_path), "the store file %ls was not created\n", p.store_path);
    check_store_props(session, mdb, &p, eid, cb);

    /* Opening the same store again in the session gives a working object too. */
    {
        IMsgStore *again = NULL;
        hr = session->lpVtbl->OpenMsgStore(session, 0, cb, eid, NULL, MDB_NO_DIALOG, &again);
        ok(hr == S_OK && again, "second OpenMsgStore returned %#lx\n", hr);
        if (again) again->lpVtbl->Release(again);
    }

done:
    MAPIFreeBuffer(eid);
    if (mdb) mdb->lpVtbl->Release(mdb);
    if (session)
    {
        hr = session->lpVtbl->Logoff(session, 0, 0, 0);
        ok(hr == S_OK, "Logoff returned %#lx\n", hr);
        session->lpVtbl->Release(session);
    }
    wt_profile_delete(admin, &p);
    ok(wt_file_exists(p.store_path), "deleting the profile removed the store file\n");
    wt_check_all_released((IUnknown *)admin);
}

/* The store file survives a logoff: a second session opens the same data. */
static void test_logon_twice(IProfAdmin *admin)
{
    wt_profile p;
    int round;
    HRESULT hr;

    wt_context("two sessions");
    if (!wt_profile_create(admin, &p, "tandem-wt-logon-twice")) return;
    for (round = 0; round < 2; round++)
    {
        IMAPISession *session = NULL;
        IMsgStore *mdb = NULL;
        ENTRYID *eid = NULL;
        SPropValue *v = NULL;
        ULONG cb;

        hr = MAPILogonEx(0, (LPTSTR)p.name, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL,
                         &session);
        if (!ok(hr == S_OK, "round %d: MAPILogonEx returned %#lx\n", round, hr)) break;
        eid = wt_default_store_id(session, &cb);
        if (eid)
        {
            hr = session->lpVtbl->OpenMsgStore(session, 0, cb, eid, NULL, MDB_NO_DIALOG, &mdb);
            ok(hr == S_OK, "round %d: OpenMsgStore returned %#lx\n", round, hr);
        }
        if (mdb)
        {
            hr = HrGetOneProp((IMAPIProp *)mdb, PR_DISPLAY_NAME_W, &v);
            ok(hr == S_OK && !lstrcmpW(v->Value.lpszW, p.display_name),
               "round %d: PR_DISPLAY_NAME_W %#lx\n", round, hr);
            MAPIFreeBuffer(v);
            mdb->lpVtbl->Release(mdb);
        }
        MAPIFreeBuffer(eid);
        session->lpVtbl->Logoff(session, 0, 0, 0);
        session->lpVtbl->Release(session);
    }
    wt_profile_delete(admin, &p);
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
        test_first_logon(admin, FALSE);
        test_first_logon(admin, TRUE);
        test_logon_twice(admin);
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
