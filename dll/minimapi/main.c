/*
 * main.c - minimapi.dll's entry points besides the COM objects: DllMain, MAPIInitialize and
 * MAPIUninitialize (reference counted, mapiinitialize.md, mapiuninitialize.md), the utility
 * exports Wine's mapi32 forwards to us (ScInitMapiUtil, DeinitMapiUtil, HrQueryAllRows,
 * FreeProws, FreePadrlist; HrThisThreadAdviseSink is in threadsink.c) and the COM server exports.
 */
#include "minimapi_private.h"

#ifndef MAPI_NO_COINIT
#define MAPI_NO_COINIT 0x00000008   /* mapiinit_0.md */
#endif

static LONG init_count;

BOOL mm_initialized(void)
{
    return InterlockedCompareExchange(&init_count, 0, 0) > 0;
}

HRESULT WINAPI MAPIInitialize(LPVOID init)
{
    const MAPIINIT_0 *params = init;

    MC_TRACE(MM_CH, "(%p)\n", init);
    if (params)
    {
        if (params->ulVersion != MAPI_INIT_VERSION) return MAPI_E_INVALID_PARAMETER;
        if (params->ulFlags & ~(MAPI_MULTITHREAD_NOTIFICATIONS | MAPI_NO_COINIT | MAPI_NT_SERVICE))
            return MAPI_E_UNKNOWN_FLAGS;
    }
    /* Profiles are read from the registry on use, and minimapi needs no OLE initialisation of
     * the caller's thread (CoCreateGuid works without it), so MAPI_NO_COINIT is the behaviour
     * either way. The first call decides where client notifications run (threadsink.c). */
    mm_notifications_init(params ? params->ulFlags : 0);
    InterlockedIncrement(&init_count);
    return S_OK;
}

void WINAPI MAPIUninitialize(void)
{
    LONG count;
    MC_TRACE(MM_CH, "()\n");
    /* More MAPIUninitialize than MAPIInitialize calls are ignored. */
    do
    {
        count = InterlockedCompareExchange(&init_count, 0, 0);
        if (count <= 0) return;
    } while (InterlockedCompareExchange(&init_count, count - 1, count) != count);
}

SCODE WINAPI ScInitMapiUtil(ULONG flags)
{
    MC_TRACE(MM_CH, "(%#lx)\n", flags);
    return S_OK;    /* the utility functions need no state here */
}

void WINAPI DeinitMapiUtil(void)
{
    MC_TRACE(MM_CH, "()\n");
}

void WINAPI FreeProws(LPSRowSet rows)
{
    ULONG i;
    if (!rows) return;
    for (i = 0; i < rows->cRows; i++) MAPIFreeBuffer(rows->aRow[i].lpProps);
    MAPIFreeBuffer(rows);
}

void WINAPI FreePadrlist(LPADRLIST list)
{
    ULONG i;
    if (!list) return;
    for (i = 0; i < list->cEntries; i++) MAPIFreeBuffer(list->aEntries[i].rgPropVals);
    MAPIFreeBuffer(list);
}

/* hrqueryallrows.md: set columns, restriction and sort order as given, then read every row
 * from the start; MAPI_E_TABLE_TOO_BIG if there are more than crowsMax (0 = no limit). */
HRESULT WINAPI HrQueryAllRows(LPMAPITABLE table, LPSPropTagArray columns, LPSRestriction restriction,
                              LPSSortOrderSet sort, LONG max_rows, LPSRowSet *out)
{
    SRow *all = NULL;
    ULONG total = 0, cap = 0, i;
    SRowSet *result;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %p, %p, %ld)\n", table, columns, restriction, sort, max_rows);
    if (!table || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (columns && FAILED(hr = table->lpVtbl->SetColumns(table, columns, TBL_BATCH))) return hr;
    if (restriction && FAILED(hr = table->lpVtbl->Restrict(table, restriction, TBL_BATCH))) return hr;
    if (sort && FAILED(hr = table->lpVtbl->SortTable(table, sort, TBL_BATCH))) return hr;
    if (FAILED(hr = table->lpVtbl->SeekRow(table, BOOKMARK_BEGINNING, 0, NULL))) return hr;
    for (;;)
    {
        SRowSet *chunk = NULL;
        if (FAILED(hr = table->lpVtbl->QueryRows(table, 256, 0, &chunk))) goto fail;
        if (!chunk->cRows)
        {
            MAPIFreeBuffer(chunk);
            break;
        }
        if (total + chunk->cRows > cap)
        {
            SRow *grown;
            cap = (total + chunk->cRows) * 2;
            if (!(grown = mc_realloc(all, cap * sizeof(*grown))))
            {
                FreeProws(chunk);
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                goto fail;
            }
            all = grown;
        }
        memcpy(all + total, chunk->aRow, chunk->cRows * sizeof(SRow));
        total += chunk->cRows;
        MAPIFreeBuffer(chunk);  /* the rows are their own blocks, now in `all` */
        if (max_rows > 0 && total > (ULONG)max_rows)
        {
            hr = MAPI_E_TABLE_TOO_BIG;
            goto fail;
        }
    }
    if (FAILED(hr = MAPIAllocateBuffer(CbNewSRowSet(total ? total : 1), (void **)&result))) goto fail;
    result->cRows = total;
    if (total) memcpy(result->aRow, all, total * sizeof(SRow));
    mc_free(all);
    *out = result;
    return S_OK;
fail:
    for (i = 0; i < total; i++) MAPIFreeBuffer(all[i].lpProps);
    mc_free(all);
    return hr;
}

HRESULT WINAPI DllCanUnloadNow(void)
{
    if (InterlockedCompareExchange(&mc_live_objects, 0, 0) || mm_initialized() || mm_live_blocks())
        return S_FALSE;
    return S_OK;
}

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID iid, LPVOID *out)
{
    MC_TRACE(MM_CH, "()\n");
    if (out) *out = NULL;
    return CLASS_E_CLASSNOTAVAILABLE;   /* minimapi registers no COM classes */
}
