/*
 * benchmapi.c - profile and session set-up shared by the MAPI-client benchmarks (see benchmapi.h).
 */
#include "benchmapi.h"
#include <stdlib.h>
#include <wchar.h>
#include <stdio.h>
#include <string.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>
#include "tandem/mapiext.h"

BOOL bench_profile_create(const char *profile, const WCHAR *store_path, ULONG n,
                          const SPropValue *props)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_SERVICE_NAME_A, PR_SERVICE_UID}};
    IProfAdmin *admin = NULL;
    IMsgServiceAdmin *svc = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SPropValue p[8];
    MAPIUID uid;
    BOOL found = FALSE, done = FALSE;
    ULONG i;

    if (n > 7) return FALSE;
    DeleteFileW(store_path);
    if (MAPIAdminProfiles(0, &admin) != S_OK) return FALSE;
    admin->lpVtbl->DeleteProfile(admin, (LPTSTR)profile, 0);
    if (admin->lpVtbl->CreateProfile(admin, (LPTSTR)profile, NULL, 0, 0) == S_OK &&
        admin->lpVtbl->AdminServices(admin, (LPTSTR)profile, NULL, 0, 0, &svc) == S_OK &&
        svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"TANDEM", (LPTSTR)"Tandem", 0, 0) == S_OK &&
        svc->lpVtbl->GetMsgServiceTable(svc, 0, &t) == S_OK &&
        HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK)
    {
        for (i = 0; i < rows->cRows; i++)
            if (rows->aRow[i].lpProps[1].ulPropTag == PR_SERVICE_UID)
            {
                memcpy(&uid, rows->aRow[i].lpProps[1].Value.bin.lpb, sizeof(uid));
                found = TRUE;
            }
        if (found)
        {
            p[0].ulPropTag = PR_PST_PATH_W;
            p[0].Value.lpszW = (WCHAR *)store_path;
            memcpy(p + 1, props, n * sizeof(*props));
            done = svc->lpVtbl->ConfigureMsgService(svc, &uid, 0, 0, n + 1, p) == S_OK;
        }
    }
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    if (svc) svc->lpVtbl->Release(svc);
    admin->lpVtbl->Release(admin);
    return done;
}

void bench_profile_delete(const char *profile, const WCHAR *store_path)
{
    IProfAdmin *admin = NULL;
    int i;
    if (MAPIAdminProfiles(0, &admin) == S_OK)
    {
        admin->lpVtbl->DeleteProfile(admin, (LPTSTR)profile, 0);
        admin->lpVtbl->Release(admin);
    }
    DeleteFileW(store_path);
    /* and SQLite's companions, left when the last connection did not remove them */
    for (i = 0; i < 2; i++)
    {
        WCHAR side[MAX_PATH + 8];
        swprintf(side, MAX_PATH + 8, L"%ls%ls", store_path, i ? L"-shm" : L"-wal");
        DeleteFileW(side);
    }
}

BOOL bench_logon(const char *profile, bench_session *s)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, type, i;
    HRESULT hr = E_FAIL;

    memset(s, 0, sizeof(*s));
    if (MAPILogonEx(0, (LPTSTR)profile, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL, &s->session) != S_OK)
        return FALSE;
    if (s->session->lpVtbl->GetMsgStoresTable(s->session, 0, &t) == S_OK &&
        HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK)
        for (i = 0; i < rows->cRows && FAILED(hr); i++)
            if (rows->aRow[i].lpProps[1].Value.b)
                hr = s->session->lpVtbl->OpenMsgStore(s->session, 0, rows->aRow[i].lpProps[0].Value.bin.cb,
                                                      (ENTRYID *)rows->aRow[i].lpProps[0].Value.bin.lpb, NULL,
                                                      MDB_WRITE | MDB_NO_DIALOG, &s->mdb);
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    if (FAILED(hr)) return FALSE;
    if (s->mdb->lpVtbl->GetReceiveFolder(s->mdb, NULL, 0, &cb, &eid, NULL) != S_OK) return FALSE;
    hr = s->mdb->lpVtbl->OpenEntry(s->mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&s->inbox);
    MAPIFreeBuffer(eid);
    return hr == S_OK;
}

void bench_logoff(bench_session *s)
{
    if (s->inbox) s->inbox->lpVtbl->Release(s->inbox);
    if (s->mdb) s->mdb->lpVtbl->Release(s->mdb);
    if (s->session)
    {
        s->session->lpVtbl->Logoff(s->session, 0, 0, 0);
        s->session->lpVtbl->Release(s->session);
    }
    memset(s, 0, sizeof(*s));
}

double bench_now(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(const double *v, ULONG n)
{
    double sorted[64];
    if (!n) return 0;
    if (n > 64) n = 64;
    memcpy(sorted, v, n * sizeof(*v));
    qsort(sorted, n, sizeof(*sorted), cmp_double);
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
