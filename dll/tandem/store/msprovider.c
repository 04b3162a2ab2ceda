/*
 * msprovider.c - the message store provider object (IMSProvider) and MSProviderInit.
 * Docs: msproviderinit.md, imsprovideriunknown.md, imsprovider-logon.md,
 * imsprovider-spoolerlogon.md, imsprovider-comparestoreids.md, imsprovider-shutdown.md;
 * spi-digest §0.2, §4.1.
 *
 * Logon picks the store file: from the unwrapped entry ID MAPI passes (it carries the path),
 * or else from the service's configuration in the profile. The database file is the authority
 * on the store's identity: a new file takes the GUID the profile holds; an existing file keeps
 * its own, and an entry ID naming another GUID than the file at its path holds is refused.
 */
#include <assert.h>
#include "submit.h"

/* The spooler-security blob returned by Logon and checked by SpoolerLogon: no pointers, it
 * may be copied between processes (imsprovider-logon.md). */
typedef struct spool_security
{
    DWORD magic;        /* TD_SPOOL_MAGIC */
    DWORD version;      /* 1 */
    GUID  store_guid;
} spool_security;
#define TD_SPOOL_MAGIC 0x53536454   /* "TdSS" */

typedef struct open_store
{
    GUID guid;
    IMsgStore *store;   /* weak: the store removes itself on destruction */
} open_store;

typedef struct msprovider
{
    IMSProvider IMSProvider_iface;
    LONG ref;
    CRITICAL_SECTION lock;
    CRITICAL_SECTION logon_lock; /* one Logon at a time: find-or-open is one step */
    mc_alloc alloc;
    BOOL shut_down;             /* (lock) */
    open_store *open;           /* (lock) client stores open in this provider object */
    ULONG n_open, max_open;     /* (lock) */
} msprovider;

static inline msprovider *impl_from_IMSProvider(IMSProvider *iface)
{
    return CONTAINING_RECORD(iface, msprovider, IMSProvider_iface);
}

static const IMSProviderVtbl msprovider_vtbl;

/* ---- the list of open client stores ------------------------------------------------------ */

IMsgStore *msprovider_find_store(IMSProvider *iface, const GUID *guid)
{
    msprovider *This = impl_from_IMSProvider(iface);
    IMsgStore *found = NULL;
    ULONG i;

    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_open && !found; i++)
        if (IsEqualGUID(&This->open[i].guid, guid) && msgstore_try_addref(This->open[i].store))
            found = This->open[i].store;
    LeaveCriticalSection(&This->lock);
    return found;
}

static HRESULT remember_store(msprovider *This, const GUID *guid, IMsgStore *store)
{
    HRESULT hr = S_OK;

    EnterCriticalSection(&This->lock);
    if (This->n_open == This->max_open)
    {
        ULONG max = This->max_open ? This->max_open * 2 : 4;
        open_store *p = mc_realloc(This->open, max * sizeof(*p));
        if (!p) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        This->open = p;
        This->max_open = max;
    }
    This->open[This->n_open].guid = *guid;
    This->open[This->n_open].store = store;
    This->n_open++;
done:
    LeaveCriticalSection(&This->lock);
    return hr;
}

void msprovider_forget_store(IMSProvider *iface, IMsgStore *store)
{
    msprovider *This = impl_from_IMSProvider(iface);
    ULONG i;

    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_open; i++)
        if (This->open[i].store == store)
        {
            This->open[i] = This->open[--This->n_open];
            break;
        }
    LeaveCriticalSection(&This->lock);
}

/* ---- logon ------------------------------------------------------------------------------- */

static BOOL iid_supported(const IID *iid)
{
    return !iid || IsEqualGUID(iid, &IID_IMsgStore) || IsEqualGUID(iid, &IID_IUnknown) ||
           IsEqualGUID(iid, &IID_IMAPIProp) || IsEqualGUID(iid, &IID_ITandemStore);
}

static HRESULT query_store(IMsgStore *store, const IID *iid, IMsgStore **out)
{
    return store->lpVtbl->QueryInterface(store, iid ? iid : &IID_IMsgStore, (void **)out);
}

static HRESULT set_error(msprovider *This, ULONG flags, HRESULT hr, const WCHAR *why,
                         LPMAPIERROR *err)
{
    if (err && why)
    {
        *err = NULL;
        mc_make_mapierror(&This->alloc, flags & MAPI_UNICODE, TD_COMPONENT, why, 0, err);
    }
    return hr;
}

/* Open the store named by `dec` (or by the profile when NULL) for a new logon: returns the
 * shared state. `spooler`: read the profile only (no profile writes, no UID, no status row).
 * On failure *why may get a text (internal memory). */
static HRESULT open_store_state(msprovider *This, IMAPISupport *sup, const td_eid *dec,
                                ULONG flags, BOOL spooler, td_store **out, WCHAR **why)
{
    IProfSect *prov = NULL;
    td_config cfg;
    td_db *db = NULL;
    ENTRYID *eid = NULL, *wrapped = NULL;
    ULONG cb_eid = 0, cb_wrapped = 0;
    WCHAR *name = NULL, *dbwhy = NULL;
    const WCHAR *path;
    GUID guid, db_guid;
    HRESULT hr;

    memset(&cfg, 0, sizeof(cfg));
    *out = NULL;

    hr = sup->lpVtbl->OpenProfileSection(sup, NULL, spooler ? 0 : MAPI_MODIFY, &prov);
    if (FAILED(hr))
    {
        *why = td_wsprintf(L"The store's profile section cannot be opened (%#lx)", (unsigned long)hr);
        goto done;
    }
    if (FAILED(hr = td_config_read_for_provider(&This->alloc, sup, prov, &cfg)))
    {
        *why = td_wsprintf(L"The store's configuration cannot be read (%#lx)", (unsigned long)hr);
        goto done;
    }

    path = dec ? dec->path : cfg.path;
    if (!path)
    {
        *why = td_wsprintf(L"The Tandem service is not configured: no store file (PR_PST_PATH) in the profile");
        hr = MAPI_E_UNCONFIGURED;
        goto done;
    }
    if (dec) guid = dec->store_guid;
    else if (cfg.has_guid) guid = cfg.store_guid;
    else if (FAILED(hr = sup->lpVtbl->NewUID(sup, (MAPIUID *)&guid))) goto done;

    hr = td_db_open(path, &guid, cfg.display_name, &db, &dbwhy);
    if (hr == MAPI_E_NOT_FOUND)
    {
        /* The folder is gone (a removed drive, a deleted folder). Without UI there is nothing
         * to ask: imsprovider-logon.md prescribes MAPI_E_LOGON_FAILED. */
        hr = MAPI_E_LOGON_FAILED;
    }
    if (FAILED(hr))
    {
        *why = dbwhy;
        dbwhy = NULL;
        goto done;
    }
    td_db_store_guid(db, &db_guid);
    if (dec && !IsEqualGUID(&db_guid, &dec->store_guid))
    {
        *why = td_wsprintf(L"The file %ls holds another store than the one asked for", td_db_path(db));
        hr = MAPI_E_LOGON_FAILED;
        goto done;
    }

    if (FAILED(hr = td_eid_encode_store(&db_guid, td_db_path(db), &cb_eid, &eid))) goto done;
    if (FAILED(hr = sup->lpVtbl->WrapStoreEntryID(sup, cb_eid, eid, &cb_wrapped, &wrapped)))
    {
        *why = td_wsprintf(L"WrapStoreEntryID failed (%#lx)", (unsigned long)hr);
        goto done;
    }
    if (!wrapped || !cb_wrapped) { hr = MAPI_E_CALL_FAILED; goto done; }

    if (FAILED(hr = td_db_get_display_name(db, &name))) goto done;
    if (!name && cfg.display_name) name = mc_wcsdup(cfg.display_name);
    if (!name) name = mc_wcsdup(TD_STORE_PROVIDER_DISPLAY);

    hr = td_store_create(&This->IMSProvider_iface, &This->alloc, db, wrapped, cb_wrapped,
                         (flags & MDB_WRITE) != 0, name, out);
    if (SUCCEEDED(hr)) td_submit_recover(*out);     /* a crashed sender's leftovers (DECISIONS 7) */
    if (FAILED(hr) || spooler) goto done;

    /* Register the UID, publish the store in the profile, add the status row (§4.1 step 2). */
    if (FAILED(hr = sup->lpVtbl->SetProviderUID(sup, (MAPIUID *)&td_provider_uid, 0)))
    {
        *why = td_wsprintf(L"SetProviderUID failed (%#lx)", (unsigned long)hr);
        goto done;
    }
    {
        SPropValue v[TD_STORE_SECTION_PROPS];
        BYTE record_key[TD_RECORD_KEY_SIZE];
        ULONG n = td_store_section_props(&db_guid, wrapped, cb_wrapped, name, record_key, v);
        if (FAILED(hr = prov->lpVtbl->SetProps(prov, n, v, NULL)))
        {
            *why = td_wsprintf(L"The store's profile section cannot be written (%#lx)", (unsigned long)hr);
            goto done;
        }
    }
    {
        SPropValue row[TD_STORE_MAX_STATUS_PROPS];
        ULONG n = td_store_status_props(*out, name, row, ARRAYSIZE(row));
        if (FAILED(hr = sup->lpVtbl->ModifyStatusRow(sup, n, row, 0)))
        {
            *why = td_wsprintf(L"ModifyStatusRow failed (%#lx)", (unsigned long)hr);
            goto done;
        }
    }

done:
    if (FAILED(hr) && *out) { td_store_release(*out); *out = NULL; }
    if (wrapped) This->alloc.free_buffer(wrapped);
    if (prov) prov->lpVtbl->Release(prov);
    if (db) td_db_release(db);
    td_config_clear(&cfg);
    mc_free(eid);
    mc_free(name);
    mc_free(dbwhy);
    return hr;
}

/* Decode the unwrapped store entry ID MAPI passes to Logon/SpoolerLogon. */
static HRESULT decode_store_eid(msprovider *This, ULONG flags, ULONG cb, const ENTRYID *eid,
                                td_eid *dec, LPMAPIERROR *err)
{
    if (SUCCEEDED(td_eid_decode(cb, eid, dec)) && dec->kind == TD_EID_STORE) return S_OK;
    td_eid_clear(dec);
    return set_error(This, flags, MAPI_E_INVALID_ENTRYID,
                     L"The entry ID is not the entry ID of a Tandem store", err);
}

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE msprovider_QueryInterface(IMSProvider *iface, REFIID riid, void **out)
{
    MC_TRACE("store", "%p", iface);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMSProvider))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE msprovider_AddRef(IMSProvider *iface)
{
    msprovider *This = impl_from_IMSProvider(iface);
    return InterlockedIncrement(&This->ref);
}

static ULONG STDMETHODCALLTYPE msprovider_Release(IMSProvider *iface)
{
    msprovider *This = impl_from_IMSProvider(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    if (!ref)
    {
        assert(!This->n_open);   /* every store holds a reference on us */
        mc_free(This->open);
        DeleteCriticalSection(&This->logon_lock);
        DeleteCriticalSection(&This->lock);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

/* ---- IMSProvider ------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE msprovider_Shutdown(IMSProvider *iface, ULONG *lpulFlags)
{
    msprovider *This = impl_from_IMSProvider(iface);

    MC_TRACE("store", "%p", iface);
    if (!lpulFlags) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    This->shut_down = TRUE;
    LeaveCriticalSection(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE msprovider_Logon(IMSProvider *iface, LPMAPISUP lpMAPISup,
        ULONG ulUIParam, LPTSTR lpszProfileName, ULONG cbEntryID, LPENTRYID lpEntryID,
        ULONG ulFlags, LPCIID lpInterface, ULONG *lpcbSpoolSecurity, LPBYTE *lppbSpoolSecurity,
        LPMAPIERROR *lppMAPIError, LPMSLOGON *lppMSLogon, LPMDB *lppMDB)
{
    msprovider *This = impl_from_IMSProvider(iface);
    IMsgStore *existing = NULL, *store = NULL;
    IMSLogon *logon = NULL;
    td_store *s = NULL;
    spool_security *blob = NULL;
    WCHAR *why = NULL;
    td_eid dec;
    HRESULT hr;

    MC_TRACE("store", "%p sup %p cb %lu eid %p flags %#lx", iface, lpMAPISup,
             (unsigned long)cbEntryID, lpEntryID, (unsigned long)ulFlags);
    memset(&dec, 0, sizeof(dec));
    if (lppMAPIError) *lppMAPIError = NULL;
    if (!lpMAPISup || !lpcbSpoolSecurity || !lppbSpoolSecurity || !lppMSLogon || !lppMDB)
        return MAPI_E_INVALID_PARAMETER;
    *lpcbSpoolSecurity = 0;
    *lppbSpoolSecurity = NULL;
    *lppMSLogon = NULL;
    *lppMDB = NULL;
    if (!iid_supported(lpInterface)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (This->shut_down) return MAPI_E_CALL_FAILED;

    EnterCriticalSection(&This->logon_lock);
    if (lpEntryID)
    {
        if (FAILED(hr = decode_store_eid(This, ulFlags, cbEntryID, lpEntryID, &dec, lppMAPIError)))
            goto done;
        /* Already open in this provider object: the same store, no logon object, nothing
         * else done (imsprovider-logon.md, "Standard processing ... open store"). */
        if ((existing = msprovider_find_store(iface, &dec.store_guid)))
        {
            hr = query_store(existing, lpInterface, lppMDB);
            goto done;
        }
    }

    hr = open_store_state(This, lpMAPISup, lpEntryID ? &dec : NULL, ulFlags, FALSE, &s, &why);
    if (FAILED(hr)) goto done;

    if (FAILED(hr = This->alloc.allocate_buffer(sizeof(*blob), (void **)&blob)))
    {
        blob = NULL;
        goto done;
    }
    blob->magic = TD_SPOOL_MAGIC;
    blob->version = 1;
    blob->store_guid = s->guid;

    if (FAILED(hr = msgstore_create(s, lpMAPISup, FALSE, &store))) goto done;
    if (FAILED(hr = mslogon_create(s, &logon))) goto done;
    if (FAILED(hr = remember_store(This, &s->guid, store))) goto done;
    if (FAILED(hr = query_store(store, lpInterface, lppMDB))) goto done;

    *lppMSLogon = logon;
    logon = NULL;
    *lpcbSpoolSecurity = sizeof(*blob);
    *lppbSpoolSecurity = (BYTE *)blob;
    blob = NULL;

done:
    LeaveCriticalSection(&This->logon_lock);
    if (FAILED(hr) && why) set_error(This, ulFlags, hr, why, lppMAPIError);
    if (blob) This->alloc.free_buffer(blob);
    if (logon) logon->lpVtbl->Release(logon);
    if (store) store->lpVtbl->Release(store);
    if (existing) existing->lpVtbl->Release(existing);
    if (s) td_store_release(s);
    td_eid_clear(&dec);
    mc_free(why);
    MC_TRACE("store", "-> %#lx", (unsigned long)hr);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msprovider_SpoolerLogon(IMSProvider *iface, LPMAPISUP lpMAPISup,
        ULONG ulUIParam, LPTSTR lpszProfileName, ULONG cbEntryID, LPENTRYID lpEntryID,
        ULONG ulFlags, LPCIID lpInterface, ULONG cbSpoolSecurity, LPBYTE lpbSpoolSecurity,
        LPMAPIERROR *lppMAPIError, LPMSLOGON *lppMSLogon, LPMDB *lppMDB)
{
    msprovider *This = impl_from_IMSProvider(iface);
    IMsgStore *client = NULL, *store = NULL;
    IMSLogon *logon = NULL;
    td_store *s = NULL;
    WCHAR *why = NULL;
    spool_security blob;
    td_eid dec;
    HRESULT hr;

    MC_TRACE("store", "%p sup %p cb %lu eid %p flags %#lx", iface, lpMAPISup,
             (unsigned long)cbEntryID, lpEntryID, (unsigned long)ulFlags);
    memset(&dec, 0, sizeof(dec));
    if (lppMAPIError) *lppMAPIError = NULL;
    if (!lpMAPISup || !lppMSLogon || !lppMDB || (cbSpoolSecurity && !lpbSpoolSecurity))
        return MAPI_E_INVALID_PARAMETER;
    *lppMSLogon = NULL;
    *lppMDB = NULL;
    if (!iid_supported(lpInterface)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (This->shut_down) return MAPI_E_CALL_FAILED;

    if (lpEntryID && FAILED(hr = decode_store_eid(This, ulFlags, cbEntryID, lpEntryID, &dec, lppMAPIError)))
        goto done;
    if (cbSpoolSecurity)
    {
        /* the blob we returned from Logon; copied, it may be unaligned */
        if (cbSpoolSecurity != sizeof(blob)) goto bad_blob;
        memcpy(&blob, lpbSpoolSecurity, sizeof(blob));
        if (blob.magic != TD_SPOOL_MAGIC || blob.version != 1) goto bad_blob;
        if (lpEntryID && !IsEqualGUID(&blob.store_guid, &dec.store_guid)) goto bad_blob;
    }

    /* Over the same state as the client's logon when it is open here (DECISIONS 4). */
    if (lpEntryID && (client = msprovider_find_store(iface, &dec.store_guid)))
        s = msgstore_state(client);
    else if (FAILED(hr = open_store_state(This, lpMAPISup, lpEntryID ? &dec : NULL, ulFlags, TRUE,
                                          &s, &why)))
        goto done;

    if (FAILED(hr = msgstore_create(s, lpMAPISup, TRUE, &store))) goto done;
    if (FAILED(hr = mslogon_create(s, &logon))) goto done;
    if (FAILED(hr = query_store(store, lpInterface, lppMDB))) goto done;
    *lppMSLogon = logon;
    logon = NULL;
    goto done;

bad_blob:
    hr = set_error(This, ulFlags, MAPI_E_LOGON_FAILED,
                   L"The spooler security data does not belong to this Tandem store", lppMAPIError);
done:
    if (FAILED(hr) && why) set_error(This, ulFlags, hr, why, lppMAPIError);
    if (logon) logon->lpVtbl->Release(logon);
    if (store) store->lpVtbl->Release(store);
    if (client) client->lpVtbl->Release(client);
    if (s) td_store_release(s);
    td_eid_clear(&dec);
    mc_free(why);
    return hr;
}

static HRESULT STDMETHODCALLTYPE msprovider_CompareStoreIDs(IMSProvider *iface, ULONG cbEntryID1,
        LPENTRYID lpEntryID1, ULONG cbEntryID2, LPENTRYID lpEntryID2, ULONG ulFlags,
        ULONG *lpulResult)
{
    BOOL same;
    HRESULT hr;

    MC_TRACE("store", "%p", iface);
    if (!lpulResult) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags) return MAPI_E_UNKNOWN_FLAGS;
    hr = td_eid_compare_stores(cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2, &same);
    if (SUCCEEDED(hr)) *lpulResult = same;
    return hr;
}

static const IMSProviderVtbl msprovider_vtbl =
{
    msprovider_QueryInterface,
    msprovider_AddRef,
    msprovider_Release,
    msprovider_Shutdown,
    msprovider_Logon,
    msprovider_SpoolerLogon,
    msprovider_CompareStoreIDs,
};

/* ---- MSProviderInit ---------------------------------------------------------------------- */

HRESULT __cdecl MSProviderInit(HINSTANCE hInstance, LPMALLOC lpMalloc,
        LPALLOCATEBUFFER lpAllocateBuffer, LPALLOCATEMORE lpAllocateMore,
        LPFREEBUFFER lpFreeBuffer, ULONG ulFlags, ULONG ulMAPIVer, ULONG *lpulProviderVer,
        LPMSPROVIDER *lppMSProvider)
{
    msprovider *This;

    MC_TRACE("store", "flags %#lx ver %#lx", (unsigned long)ulFlags, (unsigned long)ulMAPIVer);
    if (!lpulProviderVer || !lppMSProvider) return MAPI_E_INVALID_PARAMETER;
    *lppMSProvider = NULL;
    /* Our version first, then refuse an older MAPI (initializing-a-wrapped-pst-store-provider.md). */
    *lpulProviderVer = CURRENT_SPI_VERSION;
    if (ulMAPIVer < CURRENT_SPI_VERSION) return MAPI_E_VERSION;
    if (!lpAllocateBuffer || !lpAllocateMore || !lpFreeBuffer) return MAPI_E_INVALID_PARAMETER;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMSProvider_iface.lpVtbl = (IMSProviderVtbl *)&msprovider_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    InitializeCriticalSection(&This->lock);
    InitializeCriticalSection(&This->logon_lock);
    This->alloc.allocate_buffer = lpAllocateBuffer;
    This->alloc.allocate_more = lpAllocateMore;
    This->alloc.free_buffer = lpFreeBuffer;
    mc_object_created();
    *lppMSProvider = &This->IMSProvider_iface;
    return S_OK;
}
