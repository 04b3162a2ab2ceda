/*
 * mapiclient.c - see mapiclient.h.
 */
#include "mapiclient.h"
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>
#include <mapidefs.h>

HRESULT mapiclient_spooler_status(IMAPISession *session, IMAPIStatus **out)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_RESOURCE_TYPE, PR_ENTRYID}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i, type;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = session->lpVtbl->GetStatusTable(session, 0, &t))) return hr;
    if (SUCCEEDED(hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)))
    {
        hr = MAPI_E_NOT_FOUND;
        for (i = 0; i < rows->cRows; i++)
        {
            const SPropValue *v = rows->aRow[i].lpProps;
            if (v[0].ulPropTag == PR_RESOURCE_TYPE && v[0].Value.l == MAPI_SPOOLER && v[1].ulPropTag == PR_ENTRYID)
            {
                hr = session->lpVtbl->OpenEntry(session, v[1].Value.bin.cb, (ENTRYID *)v[1].Value.bin.lpb, NULL, 0,
                                                &type, (IUnknown **)out);
                break;
            }
        }
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);
    return hr;
}

HRESULT mapiclient_flush(IMAPISession *session, ULONG flags)
{
    IMAPIStatus *st = NULL;
    HRESULT hr;

    if (FAILED(hr = mapiclient_spooler_status(session, &st))) return hr;
    hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, flags | FLUSH_FORCE | FLUSH_NO_UI);
    st->lpVtbl->Release(st);
    return hr;
}
