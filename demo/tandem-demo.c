/*
 * tandem-demo.c - the main job, on the embedded defaults: as a plain MAPI client (mapi32),
 * create the profile "Tandem Demo" with the TANDEM service, log on, open the default store
 * and report its display name and database file. Later issues grow it into the whole
 * send/receive story.
 */
#include <windows.h>
#include <stdio.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include "tandem.h"

static const char profile[] = "Tandem Demo";

static int fail(const char *what, HRESULT hr)
{
    fprintf(stderr, "tandem-demo: %s failed: %#lx\n", what, hr);
    return 1;
}

static HRESULT find_row_bin(IMAPITable *table, ULONG key_tag, ULONG want_tag, const char *key,
                            ULONG flag_tag, SBinary *out)
{
    SizedSPropTagArray(2, cols) = {2, {want_tag, key ? key_tag : flag_tag}};
    SRowSet *rows = NULL;
    HRESULT hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    ULONG i;
    if (FAILED(hr)) return hr;
    hr = MAPI_E_NOT_FOUND;
    for (i = 0; i < rows->cRows; i++)
    {
        SPropValue *v = rows->aRow[i].lpProps;
        BOOL match = key ? (v[1].ulPropTag == key_tag && !lstrcmpA(v[1].Value.lpszA, key))
                         : (v[1].ulPropTag == flag_tag && v[1].Value.b);
        if (match && v[0].ulPropTag == want_tag && SUCCEEDED(MAPIAllocateBuffer(v[0].Value.bin.cb, (void **)&out->lpb)))
        {
            memcpy(out->lpb, v[0].Value.bin.lpb, v[0].Value.bin.cb);
            out->cb = v[0].Value.bin.cb;
            hr = S_OK;
            break;
        }
    }
    FreeProws(rows);
    return hr;
}

int main(void)
{
    IProfAdmin *admin = NULL;
    IMsgServiceAdmin *svc = NULL;
    IMAPITable *table = NULL;
    IMAPISession *session = NULL;
    IMsgStore *mdb = NULL;
    ITandemStore *tstore = NULL;
    SBinary uid = {0}, eid = {0};
    SPropValue *name = NULL;
    WCHAR path[MAX_PATH];
    ULONG needed;
    HRESULT hr;
    int rc = 1;

    printf("Tandem demo\n===========\n");
    if (FAILED(hr = MAPIInitialize(NULL))) return fail("MAPIInitialize", hr);
    if (FAILED(hr = MAPIAdminProfiles(0, &admin))) { fail("MAPIAdminProfiles", hr); goto done; }

    /* A fresh profile each run, on the embedded defaults: ConfigureMsgService with no
     * properties lets the service pick its defaults (store file under %LOCALAPPDATA%). */
    admin->lpVtbl->DeleteProfile(admin, (LPTSTR)profile, 0);
    if (FAILED(hr = admin->lpVtbl->CreateProfile(admin, (LPTSTR)profile, NULL, 0, 0)))
    { fail("CreateProfile", hr); goto done; }
    if (FAILED(hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)profile, NULL, 0, 0, &svc)))
    { fail("AdminServices", hr); goto done; }
    if (FAILED(hr = svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"TANDEM", (LPTSTR)"Tandem", 0, 0)))
    { fail("CreateMsgService(TANDEM)", hr); goto done; }
    if (FAILED(hr = svc->lpVtbl->GetMsgServiceTable(svc, 0, &table)))
    { fail("GetMsgServiceTable", hr); goto done; }
    hr = find_row_bin(table, PR_SERVICE_NAME_A, PR_SERVICE_UID, "TANDEM", 0, &uid);
    table->lpVtbl->Release(table); table = NULL;
    if (FAILED(hr)) { fail("finding TANDEM in the service table", hr); goto done; }
    if (FAILED(hr = svc->lpVtbl->ConfigureMsgService(svc, (MAPIUID *)uid.lpb, 0, 0, 0, NULL)))
    { fail("ConfigureMsgService", hr); goto done; }
    printf("profile   : %s (service TANDEM configured on its defaults)\n", profile);

    if (FAILED(hr = MAPILogonEx(0, (LPTSTR)profile, NULL,
                                MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL, &session)))
    { fail("MAPILogonEx", hr); goto done; }
    if (FAILED(hr = session->lpVtbl->GetMsgStoresTable(session, 0, &table)))
    { fail("GetMsgStoresTable", hr); goto done; }
    hr = find_row_bin(table, 0, PR_ENTRYID, NULL, PR_DEFAULT_STORE, &eid);
    if (FAILED(hr)) { fail("finding the default store", hr); goto done; }
    if (FAILED(hr = session->lpVtbl->OpenMsgStore(session, 0, eid.cb, (ENTRYID *)eid.lpb, NULL,
                                                  MDB_WRITE | MDB_NO_DIALOG, &mdb)))
    { fail("OpenMsgStore", hr); goto done; }
    if (FAILED(hr = HrGetOneProp((IMAPIProp *)mdb, PR_DISPLAY_NAME_W, &name)))
    { fail("GetProps(PR_DISPLAY_NAME_W)", hr); goto done; }
    printf("store     : %ls\n", name->Value.lpszW);
    if (SUCCEEDED(mdb->lpVtbl->QueryInterface(mdb, &IID_ITandemStore, (void **)&tstore))
        && SUCCEEDED(tstore->lpVtbl->GetDatabasePath(tstore, MAX_PATH, path, &needed)))
        printf("database  : %ls\n", path);
    else
        printf("database  : (not a Tandem store)\n");
    rc = 0;

done:
    if (tstore) tstore->lpVtbl->Release(tstore);
    MAPIFreeBuffer(name);
    if (mdb) mdb->lpVtbl->Release(mdb);
    if (table) table->lpVtbl->Release(table);
    if (session)
    {
        session->lpVtbl->Logoff(session, 0, 0, 0);
        session->lpVtbl->Release(session);
    }
    MAPIFreeBuffer(eid.lpb);
    MAPIFreeBuffer(uid.lpb);
    if (svc) svc->lpVtbl->Release(svc);
    if (admin) admin->lpVtbl->Release(admin);
    MAPIUninitialize();
    printf(rc ? "result    : FAILED\n" : "result    : OK\n");
    return rc;
}
