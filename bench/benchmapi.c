/*
 * benchmapi.c - profile set-up shared by the MAPI-client benchmarks (see benchmapi.h).
 */
#include "benchmapi.h"
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
    if (MAPIAdminProfiles(0, &admin) == S_OK)
    {
        admin->lpVtbl->DeleteProfile(admin, (LPTSTR)profile, 0);
        admin->lpVtbl->Release(admin);
    }
    DeleteFileW(store_path);
}
