/*
 * session.c - IMAPISession and MAPILogonEx (mapilogonex.md, imapisessioniunknown.md,
 * imapisession-*.md, message-store-tables.md, status-tables.md, loading-message-store-providers.md,
 * transport-provider-and-mapi-spooler-operational-model.md; spi-digest §0.2, §2.1, §3.2, §4.1,
 * §4.5, §4.10).
 *
 * A session belongs to one profile. It loads each provider DLL once (MSProviderInit and
 * XPProviderInit at most once per DLL), logs on to each store once (IMSProvider::Logon with its
 * own support object) and keeps the logons until Logoff.
 * Unless MAPI_NO_MAIL was given, the session runs a spooler (spooler.c): it logs on to the
 * default store, keeps the spool security blob of that Logon for IMSProvider::SpoolerLogon,
 * then logs every transport provider of the profile on in profile order (XPProviderInit,
 * IXPProvider::TransportLogon, each with its own support object). A transport that fails its
 * logon is skipped, its status row saying why; the session itself never fails for it.
 * Logoff: fnevExtended to the session's advisees, the spooler stops (TransportLogoff of every
 * transport, its store logon released), then the stores log off, then the providers shut down.
 * Entry IDs are routed to the logon that registered their MAPIUID (SetProviderUID); status
 * entry IDs (status.c) to the provider logon that owns the row or to minimapi's own status
 * objects. Notifications: one engine per session (mapicore's mc_notify_engine) behind every
 * support object's Subscribe/Notify and the session's own Advise.
 */
#include "minimapi_private.h"

typedef struct provider_dll
{
    WCHAR *name;                /* PR_PROVIDER_DLL_NAME */
    HMODULE mod;
    IMSProvider *msp;           /* MSProviderInit, once needed */
    IXPProvider *xpp;           /* XPProviderInit, once needed */
} provider_dll;

typedef struct store_logon
{
    MAPIUID section;
    provider_dll *dll;
    IMSLogon *mslogon;
    IMsgStore *mdb;             /* the session's own reference */
    mm_support *sup;            /* the session's own reference */
} store_logon;

typedef struct xp_logon
{
    MAPIUID section;
    IXPLogon *xpl;              /* the session's own reference; NULL when the logon failed */
    mm_support *sup;            /* the session's own reference */
} xp_logon;

/* A connection of IMAPISession::Advise: either on the session's engine directly (the session
 * itself, status objects) or through a store logon's Advise. */
typedef struct session_advise
{
    ULONG conn;
    store_logon *logon;         /* NULL: the engine connection `provider_conn` */
    ULONG provider_conn;
} session_advise;

struct mm_session
{
    IMAPISession IMAPISession_iface;
    LONG ref;
    CRITICAL_SECTION lock;
    CRITICAL_SECTION spool_cs;  /* the spooler's lifetime: FlushQueues against Logoff */
    WCHAR *profile;
    char *profile_a;
    ULONG logon_flags;
    BOOL no_mail;               /* MAPI_NO_MAIL: no spooler */
    BOOL logged_off;
    provider_dll **dlls;
    ULONG n_dlls;
    store_logon **stores;
    ULONG n_stores;
    xp_logon **xps;
    ULONG n_xps;
    mm_spooler *spooler;        /* NULL with MAPI_NO_MAIL and after Logoff */
    mm_support *spool_sup;      /* the support object of the spooler's store logon */
    mc_notify_engine *engine;
    session_advise *advises;
    ULONG n_advises, next_conn;
    mc_propbag *mapi_rows[4];   /* the status rows of MAPI: by MM_STATUS_SUBSYSTEM, _SPOOLER, _AB */
    SBinary *row_keys;          /* status rows' PR_INSTANCE_KEY by PR_ROWID - MM_MAPI_ROWS (lock) */
    ULONG n_row_keys;
    mc_table *status;
    mc_last_error err;
    IMessage **forms;           /* PrepareForm's messages, token = index + 1; NULL when shown */
    ULONG n_forms;
};

/* The NOTIFKEY of events about the session itself (NULL entry ID in Advise). */
static const struct { ULONG cb; BYTE ab[16]; } session_key = { 16, "MiniMAPI session" };

static inline mm_session *impl_from_IMAPISession(IMAPISession *iface)
{
    return CONTAINING_RECORD(iface, mm_session, IMAPISession_iface);
}

static const IMAPISessionVtbl session_vtbl;

/* ---- store sections ------------------------------------------------------------------------ */

/* A store provider section of the profile with its properties; NULL if `uid` is not one. */
static mc_propbag *load_store_section(mm_session *This, const MAPIUID *uid)
{
    mc_propbag *b;
    if (FAILED(mm_section_load(This->profile, uid, &b))) return NULL;
    if (!mm_bag_is_provider(b, uid)
        || mc_propbag_get_long(b, PR_RESOURCE_TYPE, 0) != MAPI_STORE_PROVIDER)
    {
        mc_propbag_free(b);
        return NULL;
    }
    return b;
}

static HRESULT store_sections(mm_session *This, MAPIUID **uids, ULONG *count)
{
    MAPIUID *all = NULL;
    ULONG n = 0, i, j = 0;
    HRESULT hr;

    *uids = NULL;
    *count = 0;
    if (FAILED(hr = mm_service_providers(This->profile, NULL, &all, &n))) return hr;
    for (i = 0; i < n; i++)
    {
        mc_propbag *b = load_store_section(This, &all[i]);
        if (!b) continue;
        mc_propbag_free(b);
        all[j++] = all[i];
    }
    *uids = all;
    *count = j;
    return S_OK;
}

/* ---- provider DLLs ------------------------------------------------------------------------- */

/* The DLL of that name, loaded once per session. */
static HRESULT get_dll(mm_session *This, const WCHAR *name, provider_dll **out)
{
    provider_dll *dll = NULL, **grown;
    HRESULT hr;
    ULONG i;

    *out = NULL;
    for (i = 0; i < This->n_dlls; i++)
        if (!lstrcmpiW(This->dlls[i]->name, name))
        {
            *out = This->dlls[i];
            return S_OK;
        }
    if (!(dll = mc_calloc(1, sizeof(*dll))) || !(dll->name = mc_wcsdup(name))
        || !(grown = mc_realloc(This->dlls, (This->n_dlls + 1) * sizeof(*grown))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    This->dlls = grown;
    if (!(dll->mod = mm_dll_load(name)))
    {
        DWORD e = GetLastError();
        WCHAR *real = mm_dll_real_name(name);
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND,
                               L"cannot load the provider DLL %ls (from %ls): error %lu",
                               real ? real : name, name, e);
        mc_free(real);
        goto fail;
    }
    This->dlls[This->n_dlls++] = dll;
    *out = dll;
    return S_OK;
fail:
    if (dll) mc_free(dll->name);
    mc_free(dll);
    return hr;
}

/* A provider too old for this SPI is released and the load fails (spi-digest §0.2). */
static HRESULT check_spi_version(mm_session *This, const WCHAR *name, ULONG version)
{
    if (version >= 0x00010000 && version < 0x00020000) return S_OK;
    return mc_last_error_set(&This->err, MAPI_E_VERSION,
                             L"%ls speaks SPI version %#lx, MiniMAPI needs 1.x", name, version);
}

/* The DLL with its IMSProvider (MSProviderInit once). */
static HRESULT get_provider(mm_session *This, const WCHAR *name, provider_dll **out)
{
    MSPROVIDERINIT *init;
    provider_dll *dll;
    ULONG version = 0;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = get_dll(This, name, &dll))) return hr;
    if (dll->msp)
    {
        *out = dll;
        return S_OK;
    }
    if (!(init = (MSPROVIDERINIT *)(void *)GetProcAddress(dll->mod, "MSProviderInit")))
        return mc_last_error_set(&This->err, MAPI_E_CALL_FAILED,
                                 L"the provider DLL %ls has no MSProviderInit", name);
    hr = init(dll->mod, mm_get_malloc(), MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
              (This->logon_flags & MAPI_NT_SERVICE) ? MAPI_NT_SERVICE : 0, CURRENT_SPI_VERSION,
              &version, &dll->msp);
    if (FAILED(hr) || !dll->msp)
    {
        if (SUCCEEDED(hr)) hr = MAPI_E_CALL_FAILED;
        dll->msp = NULL;
        return mc_last_error_set(&This->err, hr, L"MSProviderInit of %ls failed (%#lx)", name, hr);
    }
    if (FAILED(hr = check_spi_version(This, name, version)))
    {
        dll->msp->lpVtbl->Release(dll->msp);
        dll->msp = NULL;
        return hr;
    }
    *out = dll;
    return S_OK;
}

/* The DLL with its IXPProvider (XPProviderInit once; xpproviderinit.md). */
static HRESULT get_xp_provider(mm_session *This, const WCHAR *name, provider_dll **out)
{
    XPPROVIDERINIT *init;
    provider_dll *dll;
    ULONG version = 0;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = get_dll(This, name, &dll))) return hr;
    if (dll->xpp)
    {
        *out = dll;
        return S_OK;
    }
    if (!(init = (XPPROVIDERINIT *)(void *)GetProcAddress(dll->mod, "XPProviderInit")))
        return mc_last_error_set(&This->err, MAPI_E_CALL_FAILED,
                                 L"the provider DLL %ls has no XPProviderInit", name);
    hr = init(dll->mod, mm_get_malloc(), MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
              (This->logon_flags & MAPI_NT_SERVICE) ? MAPI_NT_SERVICE : 0, CURRENT_SPI_VERSION,
              &version, &dll->xpp);
    if (FAILED(hr) || !dll->xpp)
    {
        if (SUCCEEDED(hr)) hr = MAPI_E_CALL_FAILED;
        dll->xpp = NULL;
        return mc_last_error_set(&This->err, hr, L"XPProviderInit of %ls failed (%#lx)", name, hr);
    }
    if (FAILED(hr = check_spi_version(This, name, version)))
    {
        dll->xpp->lpVtbl->Release(dll->xpp);
        dll->xpp = NULL;
        return hr;
    }
    *out = dll;
    return S_OK;
}

/* ---- finding the store of an entry ID ------------------------------------------------------ */

static store_logon *find_logon(mm_session *This, const MAPIUID *section)
{
    ULONG i;
    for (i = 0; i < This->n_stores; i++)
        if (!memcmp(&This->stores[i]->section, section, sizeof(*section))) return This->stores[i];
    return NULL;
}

/* The store section a wrapped store entry ID names: minimapi's section ID directly, or the
 * section whose PR_ENTRYID the provider's CompareStoreIDs finds equal. */
static HRESULT resolve_store_id(mm_session *This, ULONG cb, const ENTRYID *eid, MAPIUID *section,
                                BOOL load)
{
    const char *dll_name;
    const ENTRYID *inner;
    ULONG cb_inner, n = 0, i;
    MAPIUID *uids = NULL;
    HRESULT hr;

    if (!mm_storeid_unwrap(cb, eid, &dll_name, &cb_inner, &inner))
        return mc_last_error_set(&This->err, MAPI_E_INVALID_ENTRYID,
                                 L"not a wrapped message store entry ID");
    if (mm_storeid_is_section_id(cb_inner, inner, section))
    {
        mc_propbag *b = load_store_section(This, section);
        if (!b)
            return mc_last_error_set(&This->err, MAPI_E_NOT_FOUND,
                                     L"the message store is not in profile %ls", This->profile);
        mc_propbag_free(b);
        return S_OK;
    }
    if (FAILED(hr = store_sections(This, &uids, &n))) return hr;
    hr = MAPI_E_NOT_FOUND;
    for (i = 0; i < n && hr == MAPI_E_NOT_FOUND; i++)
    {
        mc_propbag *b = load_store_section(This, &uids[i]);
        const SBinary *sect_eid;
        WCHAR *dll_w = NULL;
        char *dll_a = NULL;
        const char *sect_dll;
        const ENTRYID *sect_inner;
        ULONG sect_cb, result = FALSE;
        provider_dll *dll;

        if (!b) continue;
        sect_eid = mc_propbag_get_bin(b, PR_ENTRYID);
        dll_w = mc_propbag_get_wstr(b, PROP_ID(PR_PROVIDER_DLL_NAME_W));
        dll_a = dll_w ? mc_w2a(dll_w) : NULL;
        if (sect_eid && dll_a && !lstrcmpiA(dll_a, dll_name)
            && mm_storeid_unwrap(sect_eid->cb, (const ENTRYID *)sect_eid->lpb, &sect_dll, &sect_cb,
                                 &sect_inner))
        {
            if (sect_cb == cb_inner && !memcmp(sect_inner, inner, cb_inner))
                result = TRUE;
            else if (load && SUCCEEDED(get_provider(This, dll_w, &dll)))
                dll->msp->lpVtbl->CompareStoreIDs(dll->msp, cb_inner, (ENTRYID *)inner, sect_cb,
                                                  (ENTRYID *)sect_inner, 0, &result);
            if (result)
            {
                *section = uids[i];
                hr = S_OK;
            }
        }
        mc_free(dll_a);
        mc_free(dll_w);
        mc_propbag_free(b);
    }
    mc_free(uids);
    if (hr == MAPI_E_NOT_FOUND)
        mc_last_error_set(&This->err, hr, L"no message store of profile %ls has that entry ID",
                          This->profile);
    return hr;
}

/* ---- logon to a store ---------------------------------------------------------------------- */

/* IMSProvider::Logon of a store section. The spool security blob goes to *spool (a MAPI block,
 * for SpoolerLogon; the caller frees it) when spool is given, else it is freed here. */
static HRESULT logon_store(mm_session *This, ULONG_PTR ui, const MAPIUID *section, ULONG cb,
                           const ENTRYID *eid, const IID *iid, ULONG flags, IMsgStore **out,
                           ULONG *cb_spool_out, BYTE **spool_out)
{
    mc_propbag *b = NULL;
    WCHAR *dll_name = NULL;
    provider_dll *dll;
    mm_support *sup = NULL;
    store_logon *logon = NULL, **grown;
    IMSLogon *mslogon = NULL;
    IMsgStore *mdb = NULL;
    MAPIUID service;
    BOOL retried = FALSE;
    HRESULT hr;

    if (!(b = load_store_section(This, section)))
        return mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"the store section is gone");
    if (!(dll_name = mc_propbag_get_wstr(b, PROP_ID(PR_PROVIDER_DLL_NAME_W)))
        || !mm_bag_uid(b, PR_SERVICE_UID, &service))
    {
        hr = mc_last_error_set(&This->err, MAPI_E_CORRUPT_DATA,
                               L"the store section lacks PR_PROVIDER_DLL_NAME or PR_SERVICE_UID");
        goto done;
    }
    if (FAILED(hr = get_provider(This, dll_name, &dll))) goto done;
    if (FAILED(hr = mm_support_create(This, This->profile, section, &service, NULL, &sup))) goto done;
    if (This->spooler) mm_support_set_spooler(sup, This->spooler);

    for (;;)
    {
        ULONG cb_spool = 0;
        BYTE *spool = NULL;
        MAPIERROR *mapierror = NULL;

        hr = dll->msp->lpVtbl->Logon(dll->msp, mm_support_iface(sup), (ULONG)ui,
                                     (LPTSTR)This->profile_a, cb, (ENTRYID *)eid,
                                     flags & ~MAPI_UNICODE, (IID *)iid, &cb_spool, &spool,
                                     &mapierror, &mslogon, &mdb);
        /* The spooler's security blob is for SpoolerLogon; MAPI frees it (spi-digest §6). */
        if (spool_out && SUCCEEDED(hr))
        {
            MAPIFreeBuffer(*spool_out);
            *spool_out = spool;
            *cb_spool_out = cb_spool;
        }
        else
            MAPIFreeBuffer(spool);
        if (mapierror)
        {
            if (FAILED(hr) && mapierror->lpszError)
                mc_last_error_set(&This->err, hr, L"%hs", (char *)mapierror->lpszError);
            MAPIFreeBuffer(mapierror);
        }
        else if (FAILED(hr))
            mc_last_error_set(&This->err, hr, L"the store provider %ls refused the logon (%#lx)",
                              dll_name, hr);
        if (hr != MAPI_E_UNCONFIGURED || retried) break;
        /* verifying-service-provider-configuration.md: configure silently, then try again. */
        retried = TRUE;
        MC_TRACE(MM_CH, "store unconfigured: MSG_SERVICE_CONFIGURE, then a second logon\n");
        if (FAILED(mm_service_call_entry(This->profile, &service, ui, 0, MSG_SERVICE_CONFIGURE, 0,
                                         NULL, TRUE, &This->err, NULL)))
            break;
    }
    if (FAILED(hr)) goto done;
    if (!mdb)
    {
        if (mslogon) mslogon->lpVtbl->Release(mslogon);
        hr = mc_last_error_set(&This->err, MAPI_E_CALL_FAILED, L"the provider returned no store");
        goto done;
    }
    if (!mslogon)
    {
        /* The provider already had this store open (another section naming the same store):
         * it returned the existing object and keeps its own logon. */
        *out = mdb;
        hr = S_OK;
        goto done;
    }
    if (!(logon = mc_calloc(1, sizeof(*logon)))
        || !(grown = mc_realloc(This->stores, (This->n_stores + 1) * sizeof(*grown))))
    {
        /* Cannot keep it: log straight off again. */
        ULONG lf = 0;
        mslogon->lpVtbl->Logoff(mslogon, &lf);
        mslogon->lpVtbl->Release(mslogon);
        mdb->lpVtbl->Release(mdb);
        mc_free(logon);
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    This->stores = grown;
    logon->section = *section;
    logon->dll = dll;
    logon->mslogon = mslogon;
    logon->mdb = mdb;
    mdb->lpVtbl->AddRef(mdb);
    logon->sup = sup;
    sup = NULL;
    This->stores[This->n_stores++] = logon;
    *out = mdb;
done:
    if (sup)
    {
        mm_support_detach(sup);
        mm_support_iface(sup)->lpVtbl->Release(mm_support_iface(sup));
    }
    mc_free(dll_name);
    if (b) mc_propbag_free(b);
    return hr;
}

/* ---- the spooler ---------------------------------------------------------------------------- */

/* Update the spooler's status row (status code and string). */
static void set_mapi_row(mm_session *This, ULONG kind, LONG code, const WCHAR *text);

/* The provider's own ID inside the wrapped PR_ENTRYID a store section holds (internal copy),
 * or none when the store was never opened. */
static void section_store_id(mm_session *This, const MAPIUID *section, ULONG *cb, ENTRYID **out)
{
    mc_propbag *b;
    const SBinary *eid;
    const ENTRYID *inner;
    ULONG cb_inner;

    *cb = 0;
    *out = NULL;
    if (FAILED(mm_section_load(This->profile, section, &b))) return;
    if ((eid = mc_propbag_get_bin(b, PR_ENTRYID))
        && mm_storeid_unwrap(eid->cb, (const ENTRYID *)eid->lpb, NULL, &cb_inner, &inner)
        && !mm_storeid_is_section_id(cb_inner, inner, NULL) && (*out = mc_malloc(cb_inner)))
    {
        memcpy(*out, inner, cb_inner);
        *cb = cb_inner;
    }
    mc_propbag_free(b);
}

/* The default store's section: STATUS_DEFAULT_STORE in its PR_RESOURCE_FLAGS. */
static BOOL default_store_section(mm_session *This, MAPIUID *out)
{
    MAPIUID *uids = NULL;
    ULONG n = 0, i;
    BOOL found = FALSE;

    if (FAILED(store_sections(This, &uids, &n))) return FALSE;
    for (i = 0; i < n && !found; i++)
    {
        mc_propbag *b = load_store_section(This, &uids[i]);
        if (!b) continue;
        if (mc_propbag_get_long(b, PR_RESOURCE_FLAGS, 0) & STATUS_DEFAULT_STORE)
        {
            *out = uids[i];
            found = TRUE;
        }
        mc_propbag_free(b);
    }
    mc_free(uids);
    return found;
}

/* loading-message-store-providers.md steps 3-7: the session logs on to the default store
 * (IMSProvider::Logon), then the spooler logs on to it with the Logon's spool security blob
 * (IMSProvider::SpoolerLogon) through a support object of its own. */
static HRESULT spooler_logon_store(mm_session *This, const WCHAR **why)
{
    MAPIUID section, service;
    ULONG cb = 0, cb_spool = 0;
    ENTRYID *eid = NULL;
    BYTE *spool = NULL;
    IMsgStore *client = NULL, *mdb = NULL;
    IMSLogon *mslogon = NULL;
    MAPIERROR *mapierror = NULL;
    mm_support *sup = NULL;
    store_logon *logon;
    HRESULT hr;

    if (!default_store_section(This, &section))
    {
        *why = L"running; the profile has no default message store";
        return S_OK;
    }
    section_store_id(This, &section, &cb, &eid);
    hr = logon_store(This, 0, &section, cb, eid, NULL, MDB_NO_DIALOG | MDB_WRITE, &client,
                     &cb_spool, &spool);
    mc_free(eid);
    eid = NULL;
    if (FAILED(hr) || !(logon = find_logon(This, &section)))
    {
        *why = L"running; the default message store did not log on";
        if (SUCCEEDED(hr)) hr = MAPI_E_CALL_FAILED;
        goto done;
    }
    /* The store wrote its own entry ID into its section at Logon. */
    section_store_id(This, &section, &cb, &eid);
    if (FAILED(hr = mm_support_service(logon->sup, &service))
        || FAILED(hr = mm_support_create(This, This->profile, &section, &service, NULL, &sup)))
        goto done;
    mm_support_set_spooler(sup, This->spooler);
    hr = logon->dll->msp->lpVtbl->SpoolerLogon(logon->dll->msp, mm_support_iface(sup), 0,
                                                (LPTSTR)This->profile_a, cb, eid,
                                                MDB_NO_DIALOG | MDB_WRITE, NULL, cb_spool, spool,
                                                &mapierror, &mslogon, &mdb);
    if (FAILED(hr) || !mdb)
    {
        if (mapierror && mapierror->lpszError)
            mc_last_error_set(&This->err, FAILED(hr) ? hr : MAPI_E_CALL_FAILED, L"SpoolerLogon: %hs",
                              (char *)mapierror->lpszError);
        *why = L"running; SpoolerLogon to the default message store failed";
        if (SUCCEEDED(hr)) hr = MAPI_E_CALL_FAILED;
        goto done;
    }
    mm_support_set_store(sup, mdb);
    mm_spooler_set_store(This->spooler, mdb, mslogon);
    This->spool_sup = sup;
    sup = NULL;
done:
    MAPIFreeBuffer(mapierror);
    MAPIFreeBuffer(spool);
    mc_free(eid);
    if (mdb) mdb->lpVtbl->Release(mdb);
    if (mslogon) mslogon->lpVtbl->Release(mslogon);
    if (client) client->lpVtbl->Release(client);
    if (sup)
    {
        mm_support_detach(sup);
        mm_support_iface(sup)->lpVtbl->Release(mm_support_iface(sup));
    }
    return hr;
}

/* A transport whose logon failed keeps a status row that says so (STATUS_FAILURE). */
static void transport_failed_row(mm_support *sup, HRESULT hr, const MAPIERROR *mapierror)
{
    WCHAR text[256];
    SPropValue v[2];

    if (mapierror && mapierror->lpszError)
        swprintf(text, ARRAYSIZE(text), L"TransportLogon failed (%#lx): %hs", hr,
                 (const char *)mapierror->lpszError);
    else
        swprintf(text, ARRAYSIZE(text), L"TransportLogon failed (%#lx)", hr);
    memset(v, 0, sizeof(v));
    v[0].ulPropTag = PR_STATUS_CODE;
    v[0].Value.l = STATUS_FAILURE;
    v[1].ulPropTag = PR_STATUS_STRING_W;
    v[1].Value.lpszW = text;
    mm_support_iface(sup)->lpVtbl->ModifyStatusRow(mm_support_iface(sup), 2, v, STATUSROW_UPDATE);
}

/* One transport provider section: XPProviderInit, TransportLogon (configured and retried once
 * on MAPI_E_UNCONFIGURED), then the spooler's part (AddressTypes, TransportNotify). */
static HRESULT logon_transport(mm_session *This, const MAPIUID *section)
{
    mc_propbag *b = NULL;
    WCHAR *dll_name = NULL;
    provider_dll *dll = NULL;
    mm_support *sup = NULL;
    IXPLogon *xpl = NULL;
    xp_logon *x = NULL, **grown;
    MAPIUID service;
    BOOL retried = FALSE;
    ULONG flags = 0;
    HRESULT hr;

    if (FAILED(hr = mm_section_load(This->profile, section, &b))) return hr;
    if (!(dll_name = mc_propbag_get_wstr(b, PROP_ID(PR_PROVIDER_DLL_NAME_W)))
        || !mm_bag_uid(b, PR_SERVICE_UID, &service))
    {
        hr = MAPI_E_CORRUPT_DATA;
        goto done;
    }
    if (!(x = mc_calloc(1, sizeof(*x)))
        || !(grown = mc_realloc(This->xps, (This->n_xps + 1) * sizeof(*grown))))
    {
        mc_free(x);
        x = NULL;
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    This->xps = grown;
    x->section = *section;
    if (FAILED(hr = mm_support_create(This, This->profile, section, &service, NULL, &sup)))
    {
        mc_free(x);
        x = NULL;
        goto done;
    }
    x->sup = sup;
    This->xps[This->n_xps++] = x;
    mm_support_set_spooler(sup, This->spooler);
    if (FAILED(hr = get_xp_provider(This, dll_name, &dll)))
    {
        transport_failed_row(sup, hr, NULL);
        goto done;
    }
    for (;;)
    {
        MAPIERROR *mapierror = NULL;
        /* The first logon carries NO_INBOUND and NO_OUTBOUND; TransportNotify enables I/O. */
        flags = LOGON_NO_DIALOG | LOGON_NO_INBOUND | LOGON_NO_OUTBOUND;
        hr = dll->xpp->lpVtbl->TransportLogon(dll->xpp, mm_support_iface(sup), 0,
                                              (LPTSTR)This->profile_a, &flags, &mapierror, &xpl);
        if (SUCCEEDED(hr) && !xpl) hr = MAPI_E_CALL_FAILED;
        if (FAILED(hr) && (hr != MAPI_E_UNCONFIGURED || retried))
        {
            MC_TRACE(MM_CH, "TransportLogon failed (%#lx): the transport is skipped\n", hr);
            transport_failed_row(sup, hr, mapierror);
        }
        MAPIFreeBuffer(mapierror);
        if (hr != MAPI_E_UNCONFIGURED || retried) break;
        retried = TRUE;
        if (FAILED(mm_service_call_entry(This->profile, &service, 0, 0, MSG_SERVICE_CONFIGURE, 0,
                                         NULL, TRUE, &This->err, NULL)))
        {
            transport_failed_row(sup, hr, NULL);
            break;
        }
    }
    if (FAILED(hr)) goto done;
    x->xpl = xpl;
    hr = mm_spooler_add_transport(This->spooler, xpl, sup, section, flags);
done:
    mc_free(dll_name);
    mc_propbag_free(b);
    return hr;
}

/* The spooler of a session without MAPI_NO_MAIL (spi-digest §2.1, §3.2). Nothing here fails
 * the session: what did not work shows in the status table. */
static void start_spooler(mm_session *This)
{
    const WCHAR *why = L"running";
    MAPIUID *uids = NULL;
    ULONG n = 0, i;

    if (FAILED(mm_spooler_create(This, &This->spooler)))
    {
        This->spooler = NULL;
        set_mapi_row(This, MM_STATUS_SPOOLER, STATUS_FAILURE, L"not started: out of memory");
        return;
    }
    spooler_logon_store(This, &why);
    if (SUCCEEDED(mm_service_providers(This->profile, NULL, &uids, &n)))
        for (i = 0; i < n; i++)
        {
            mc_propbag *b;
            LONG type;
            if (FAILED(mm_section_load(This->profile, &uids[i], &b))) continue;
            type = mm_bag_is_provider(b, &uids[i]) ? mc_propbag_get_long(b, PR_RESOURCE_TYPE, 0) : 0;
            mc_propbag_free(b);
            if (type == MAPI_TRANSPORT_PROVIDER) logon_transport(This, &uids[i]);
        }
    mc_free(uids);
    if (FAILED(mm_spooler_start(This->spooler)))
    {
        set_mapi_row(This, MM_STATUS_SPOOLER, STATUS_FAILURE, L"the spooler thread did not start");
        return;
    }
    set_mapi_row(This, MM_STATUS_SPOOLER, STATUS_AVAILABLE, why);
}

/* ---- called by support objects ------------------------------------------------------------ */

static HRESULT open_msg_store(mm_session *This, ULONG_PTR ui, ULONG cb, const ENTRYID *eid,
                              const IID *iid, ULONG flags, IMsgStore **out)
{
    MAPIUID section;
    const ENTRYID *inner = NULL;
    ULONG cb_inner = 0;
    store_logon *logon;
    HRESULT hr;

    if (This->logged_off)
        return mc_last_error_set(&This->err, MAPI_E_END_OF_SESSION, L"the session has logged off");
    if (FAILED(hr = resolve_store_id(This, cb, eid, &section, TRUE))) return hr;
    if ((logon = find_logon(This, &section)))
        return logon->mdb->lpVtbl->QueryInterface(logon->mdb, iid ? iid : &IID_IMsgStore,
                                                  (void **)out);
    mm_storeid_unwrap(cb, eid, NULL, &cb_inner, &inner);
    /* minimapi's own section ID means: the store was never opened, the provider chooses. */
    if (mm_storeid_is_section_id(cb_inner, inner, NULL))
    {
        inner = NULL;
        cb_inner = 0;
    }
    return logon_store(This, ui, &section, cb_inner, inner, iid, flags, out, NULL, NULL);
}

/* A status entry ID: minimapi's own status objects, or the OpenStatusEntry of the provider
 * logon that owns the row (imslogon-openstatusentry.md, ixplogon-openstatusentry.md). */
static HRESULT open_status(mm_session *This, ULONG cb, ENTRYID *eid, const IID *iid, ULONG flags,
                           ULONG *type, IUnknown **out)
{
    IMSLogon *mslogon = NULL;
    IXPLogon *xpl = NULL;
    MAPIUID section;
    ULONG kind, i;
    HRESULT hr;

    mm_status_eid_parse(cb, eid, &kind, &section);
    if (iid && !IsEqualIID(iid, &IID_IMAPIStatus) && !IsEqualIID(iid, &IID_IMAPIProp)
        && !IsEqualIID(iid, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (kind != MM_STATUS_PROVIDER)
    {
        if (FAILED(hr = mm_status_create(This, kind, (IMAPIStatus **)out))) return hr;
        *type = MAPI_STATUS;
        return S_OK;
    }
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_stores && !mslogon; i++)
        if (!memcmp(&This->stores[i]->section, &section, sizeof(section)))
        {
            mslogon = This->stores[i]->mslogon;
            mslogon->lpVtbl->AddRef(mslogon);
        }
    for (i = 0; i < This->n_xps && !mslogon && !xpl; i++)
        if (!memcmp(&This->xps[i]->section, &section, sizeof(section)) && This->xps[i]->xpl)
        {
            xpl = This->xps[i]->xpl;
            xpl->lpVtbl->AddRef(xpl);
        }
    LeaveCriticalSection(&This->lock);
    /* Provider calls without the session's lock: they may call back into the session. */
    if (mslogon)
    {
        hr = mslogon->lpVtbl->OpenStatusEntry(mslogon, (IID *)iid, flags, type, (void **)out);
        mslogon->lpVtbl->Release(mslogon);
    }
    else if (xpl)
    {
        hr = xpl->lpVtbl->OpenStatusEntry(xpl, (IID *)iid, flags, type, (IMAPIStatus **)out);
        xpl->lpVtbl->Release(xpl);
    }
    else
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND,
                               L"the provider of that status row is not logged on");
    return hr;
}

HRESULT mm_session_open_entry(mm_session *This, ULONG cb, ENTRYID *eid, const IID *iid, ULONG flags,
                              ULONG *type, IUnknown **out)
{
    HRESULT hr = MAPI_E_UNKNOWN_ENTRYID;
    ULONG i;

    *out = NULL;
    if (!eid || cb < 4 + sizeof(MAPIUID)) return MAPI_E_INVALID_ENTRYID;
    /* Routing by the provider MAPIUID in bytes 4..19: the address book's one-offs, wrapped
     * store IDs, then the logons that registered the UID (SetProviderUID). */
    if (mm_oneoff_is(cb, eid)) return mm_mailuser_open_oneoff(cb, eid, iid, type, out);
    if (mm_status_eid_parse(cb, eid, NULL, NULL)) return open_status(This, cb, eid, iid, flags, type, out);
    EnterCriticalSection(&This->lock);
    if (mm_storeid_unwrap(cb, eid, NULL, NULL, NULL))
    {
        ULONG mdb_flags = MDB_NO_DIALOG | ((flags & (MAPI_MODIFY | MAPI_BEST_ACCESS)) ? MDB_WRITE : 0);
        hr = open_msg_store(This, 0, cb, eid, iid, mdb_flags, (IMsgStore **)out);
        if (SUCCEEDED(hr)) *type = MAPI_STORE;
        goto done;
    }
    for (i = 0; i < This->n_stores; i++)
    {
        store_logon *l = This->stores[i];
        if (!mm_support_has_uid(l->sup, (const MAPIUID *)eid->ab)) continue;
        hr = l->mslogon->lpVtbl->OpenEntry(l->mslogon, cb, eid, (IID *)iid, flags, type, out);
        /* Several logons may share a MAPIUID: an ID the first does not know goes on. */
        if (hr != MAPI_E_INVALID_ENTRYID && hr != MAPI_E_UNKNOWN_ENTRYID && hr != MAPI_E_NOT_FOUND)
            break;
    }
    if (hr == MAPI_E_UNKNOWN_ENTRYID)
        mc_last_error_set(&This->err, hr, L"no open message store knows that entry ID");
done:
    LeaveCriticalSection(&This->lock);
    return hr;
}

HRESULT mm_session_compare_entryids(mm_session *This, ULONG cb1, ENTRYID *e1, ULONG cb2,
                                    ENTRYID *e2, ULONG flags, ULONG *result)
{
    HRESULT hr = MAPI_E_UNKNOWN_ENTRYID;
    ULONG i;

    *result = FALSE;
    if (mm_oneoff_is(cb1, e1) && mm_oneoff_is(cb2, e2))
        return mm_oneoff_compare(cb1, e1, cb2, e2, result);
    if (mm_oneoff_is(cb1, e1) || mm_oneoff_is(cb2, e2)) return S_OK;
    EnterCriticalSection(&This->lock);
    if (mm_storeid_unwrap(cb1, e1, NULL, NULL, NULL) || mm_storeid_unwrap(cb2, e2, NULL, NULL, NULL))
    {
        MAPIUID s1, s2;
        if (!mm_storeid_unwrap(cb1, e1, NULL, NULL, NULL) || !mm_storeid_unwrap(cb2, e2, NULL, NULL, NULL))
            hr = S_OK;      /* a store ID and something else */
        else if (SUCCEEDED(resolve_store_id(This, cb1, e1, &s1, TRUE))
                 && SUCCEEDED(resolve_store_id(This, cb2, e2, &s2, TRUE)))
        {
            *result = !memcmp(&s1, &s2, sizeof(s1));
            hr = S_OK;
        }
        else
        {
            /* Not stores of this profile: equal bytes are the same store. */
            *result = cb1 == cb2 && !memcmp(e1, e2, cb1);
            hr = S_OK;
        }
        goto done;
    }
    if (cb1 < 4 + sizeof(MAPIUID) || cb2 < 4 + sizeof(MAPIUID))
    {
        hr = MAPI_E_INVALID_ENTRYID;
        goto done;
    }
    if (memcmp(e1->ab, e2->ab, sizeof(MAPIUID)))
    {
        hr = S_OK;      /* different providers */
        goto done;
    }
    for (i = 0; i < This->n_stores; i++)
    {
        store_logon *l = This->stores[i];
        if (!mm_support_has_uid(l->sup, (const MAPIUID *)e1->ab)) continue;
        hr = l->mslogon->lpVtbl->CompareEntryIDs(l->mslogon, cb1, e1, cb2, e2, flags, result);
        if (hr != MAPI_E_INVALID_ENTRYID && hr != MAPI_E_UNKNOWN_ENTRYID) break;
    }
    if (hr == MAPI_E_UNKNOWN_ENTRYID)
        mc_last_error_set(&This->err, hr, L"no open message store knows these entry IDs");
done:
    LeaveCriticalSection(&This->lock);
    return hr;
}

/* A changed status row: the table's views see it (table notifications), and whoever advised
 * on the row's status object gets fnevStatusObjectModified with the whole row. */
/* MAPI's own rows have PR_ROWID 0.. MM_MAPI_ROWS - 1; a provider's row gets the next free one
 * at its first ModifyStatusRow and keeps it (status-tables.md: MAPI computes PR_ROWID). */
#define MM_MAPI_ROWS 3

static void free_status_rows(mm_session *This)
{
    ULONG i;
    for (i = 0; i < ARRAYSIZE(This->mapi_rows); i++)
        if (This->mapi_rows[i]) mc_propbag_free(This->mapi_rows[i]);
    for (i = 0; i < This->n_row_keys; i++) mc_free(This->row_keys[i].lpb);
    mc_free(This->row_keys);
}

/* The PR_ROWID of a provider's row, by its PR_INSTANCE_KEY; -1 when out of memory. */
static LONG provider_rowid(mm_session *This, const SBinary *key)
{
    SBinary *grown;
    LONG id = -1;
    ULONG i;

    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_row_keys && id < 0; i++)
        if (This->row_keys[i].cb == key->cb && !memcmp(This->row_keys[i].lpb, key->lpb, key->cb))
            id = (LONG)(MM_MAPI_ROWS + i);
    if (id < 0 && (grown = mc_realloc(This->row_keys, (This->n_row_keys + 1) * sizeof(SBinary))))
    {
        This->row_keys = grown;
        if ((grown[This->n_row_keys].lpb = mc_malloc(key->cb ? key->cb : 1)))
        {
            memcpy(grown[This->n_row_keys].lpb, key->lpb, key->cb);
            grown[This->n_row_keys].cb = key->cb;
            id = (LONG)(MM_MAPI_ROWS + This->n_row_keys++);
        }
    }
    LeaveCriticalSection(&This->lock);
    return id;
}

HRESULT mm_session_modify_status_row(mm_session *This, ULONG n, const SPropValue *row)
{
    const SPropValue *eid = mc_props_find(n, row, PR_ENTRYID);
    const SPropValue *ikey = mc_props_find(n, row, PR_INSTANCE_KEY);
    SPropValue *with_id = NULL;
    NOTIFICATION notif;
    NOTIFKEY *key;
    HRESULT hr;
    LONG id;

    if (!mc_props_find(n, row, PR_ROWID) && ikey && (id = provider_rowid(This, &ikey->Value.bin)) >= 0
        && (with_id = mc_calloc(n + 1, sizeof(SPropValue))))
    {
        memcpy(with_id, row, n * sizeof(SPropValue));
        with_id[n].ulPropTag = PR_ROWID;
        with_id[n++].Value.l = id;
        row = with_id;
    }
    hr = mc_table_modify_row(This->status, n, row);
    if (FAILED(hr) || !eid)
    {
        mc_free(with_id);
        return hr;
    }
    if (!(key = mc_malloc(sizeof(NOTIFKEY) + eid->Value.bin.cb))) return hr;
    key->cb = eid->Value.bin.cb;
    memcpy(key->ab, eid->Value.bin.lpb, key->cb);
    memset(&notif, 0, sizeof(notif));
    notif.ulEventType = fnevStatusObjectModified;
    notif.info.statobj.cbEntryID = eid->Value.bin.cb;
    notif.info.statobj.lpEntryID = (ENTRYID *)eid->Value.bin.lpb;
    notif.info.statobj.cValues = n;
    notif.info.statobj.lpPropVals = (SPropValue *)row;
    mc_notify_engine_notify(This->engine, key, 1, &notif, NULL);
    mc_free(key);
    mc_free(with_id);
    return hr;
}

/* FlushQueues on the spooler of one of our sessions (Simple MAPI, simple.c); MAPI_E_CALL_FAILED
 * for a session that is not minimapi's. */
HRESULT mm_session_flush_iface(IMAPISession *iface, ULONG flags)
{
    if (!iface || iface->lpVtbl != &session_vtbl) return MAPI_E_CALL_FAILED;
    return mm_session_flush_queues(impl_from_IMAPISession(iface), flags);
}

mc_notify_engine *mm_session_engine(mm_session *This)
{
    return This->engine;
}

IMAPISession *mm_session_iface(mm_session *This)
{
    return &This->IMAPISession_iface;
}

HRESULT mm_session_delete_status_row(mm_session *This, const SBinary *key)
{
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PR_INSTANCE_KEY;
    v.Value.bin = *key;
    return mc_table_delete_row(This->status, &v);
}

/* ---- IMAPISession -------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE session_QueryInterface(IMAPISession *iface, REFIID iid, void **out)
{
    mm_session *This = impl_from_IMAPISession(iface);

    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPISession))
    {
        *out = &This->IMAPISession_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    if (IsEqualIID(iid, &IID_IMiniMapiDiagnostics))
        return mm_diag_create((IUnknown *)iface, (IUnknown **)out);
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE session_AddRef(IMAPISession *iface)
{
    return InterlockedIncrement(&impl_from_IMAPISession(iface)->ref);
}

static HRESULT STDMETHODCALLTYPE session_Logoff(IMAPISession *iface, ULONG_PTR ui, ULONG flags,
                                                ULONG reserved);

static ULONG STDMETHODCALLTYPE session_Release(IMAPISession *iface)
{
    mm_session *This = impl_from_IMAPISession(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        /* Released without Logoff: log off now, as MAPI does. */
        session_Logoff(iface, 0, 0, 0);
        /* the logoff's fnevExtended reaches the advisees before their sinks are released */
        mc_notify_engine_wait_idle(This->engine, 5000);
        mc_notify_engine_destroy(This->engine);
        mc_table_release(This->status);
        free_status_rows(This);
        mc_free(This->advises);
        mc_last_error_destroy(&This->err);
        DeleteCriticalSection(&This->spool_cs);
        DeleteCriticalSection(&This->lock);
        mc_free(This->profile_a);
        mc_free(This->profile);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE session_GetLastError(IMAPISession *iface, HRESULT hr, ULONG flags,
                                                      LPMAPIERROR *out)
{
    mm_session *This = impl_from_IMAPISession(iface);
    MC_TRACE(MM_CH, "(%p, %#lx, %#lx)\n", This, hr, flags);
    return mc_last_error_get(&This->err, &mm_alloc, MM_COMPONENT, hr, flags, out);
}

static const ULONG store_columns[] =
{
    PR_ENTRYID, PR_DISPLAY_NAME_W, PR_DEFAULT_STORE, PR_PROVIDER_DISPLAY_W, PR_MDB_PROVIDER,
    PR_RESOURCE_FLAGS, PR_RESOURCE_TYPE, PR_INSTANCE_KEY, PR_RECORD_KEY, PR_OBJECT_TYPE,
};

static HRESULT STDMETHODCALLTYPE session_GetMsgStoresTable(IMAPISession *iface, ULONG flags,
                                                           LPMAPITABLE *out)
{
    mm_session *This = impl_from_IMAPISession(iface);
    BOOL unicode = (flags & MAPI_UNICODE) != 0;
    SPropTagArray *cols = NULL;
    MAPIUID *uids = NULL;
    ULONG n = 0, i;
    mc_table *t = NULL;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (!(cols = mm_columns(store_columns, ARRAYSIZE(store_columns), unicode)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = mc_table_new(&mm_alloc, PR_INSTANCE_KEY, cols, &t))) goto done;
    if (FAILED(hr = store_sections(This, &uids, &n))) goto done;
    for (i = 0; i < n; i++)
    {
        mc_propbag *b = load_store_section(This, &uids[i]);
        ENTRYID *inner = NULL, *wrapped = NULL;
        ULONG cb_inner, cb_wrapped;
        const SBinary *eid;
        mm_row row;
        LONG resflags;

        if (!b) continue;
        mm_row_init(&row, unicode);
        if ((eid = mc_propbag_get_bin(b, PR_ENTRYID)) && eid->cb)
            mm_row_add_bin(&row, PR_ENTRYID, eid->lpb, eid->cb);
        else
        {
            /* Never opened: an ID that names the section (storeid.c). */
            WCHAR *dll_w = mc_propbag_get_wstr(b, PROP_ID(PR_PROVIDER_DLL_NAME_W));
            char *dll_a = dll_w ? mc_w2a(dll_w) : NULL;
            if (dll_a && SUCCEEDED(mm_storeid_section_id(&uids[i], &cb_inner, &inner))
                && SUCCEEDED(mm_storeid_wrap(dll_a, cb_inner, inner, &cb_wrapped, &wrapped)))
                mm_row_add_bin(&row, PR_ENTRYID, wrapped, cb_wrapped);
            mc_free(dll_a);
            mc_free(dll_w);
        }
        mm_row_add_from_bag(&row, b, PR_DISPLAY_NAME_W);
        resflags = mc_propbag_get_long(b, PR_RESOURCE_FLAGS, 0);
        mm_row_add_bool(&row, PR_DEFAULT_STORE, (resflags & STATUS_DEFAULT_STORE) != 0);
        mm_row_add_from_bag(&row, b, PR_PROVIDER_DISPLAY_W);
        mm_row_add_from_bag(&row, b, PR_MDB_PROVIDER);
        mm_row_add_long(&row, PR_RESOURCE_FLAGS, resflags);
        mm_row_add_long(&row, PR_RESOURCE_TYPE, MAPI_STORE_PROVIDER);
        mm_row_add_bin(&row, PR_INSTANCE_KEY, &uids[i], sizeof(MAPIUID));
        if (mc_propbag_get(b, PR_RECORD_KEY)) mm_row_add_from_bag(&row, b, PR_RECORD_KEY);
        else mm_row_add_bin(&row, PR_RECORD_KEY, &uids[i], sizeof(MAPIUID));
        mm_row_add_long(&row, PR_OBJECT_TYPE, MAPI_STORE);
        hr = mc_table_modify_row(t, row.n, row.v);
        mm_row_free(&row);
        MAPIFreeBuffer(wrapped);
        MAPIFreeBuffer(inner);
        mc_propbag_free(b);
        if (FAILED(hr)) goto done;
    }
    hr = mc_table_open_view(t, NULL, NULL, out);
done:
    if (t) mc_table_release(t);
    mc_free(uids);
    mc_free(cols);
    return hr;
}

static HRESULT STDMETHODCALLTYPE session_OpenMsgStore(IMAPISession *iface, ULONG_PTR ui, ULONG cb,
                                                      LPENTRYID eid, LPCIID iid, ULONG flags,
                                                      LPMDB *out)
{
    mm_session *This = impl_from_IMAPISession(iface);
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %lu, %p, %#lx)\n", This, cb, eid, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!eid || !cb) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    hr = open_msg_store(This, ui, cb, eid, iid, flags, out);
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE session_OpenAddressBook(IMAPISession *iface, ULONG_PTR ui,
                                                         LPCIID iid, ULONG flags, LPADRBOOK *out)
{
    mm_session *This = impl_from_IMAPISession(iface);

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (iid && !IsEqualIID(iid, &IID_IAddrBook) && !IsEqualIID(iid, &IID_IUnknown)
        && !IsEqualIID(iid, &IID_IMAPIProp))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (This->logged_off) return MAPI_E_END_OF_SESSION;
    return mm_addrbook_create((IUnknown *)iface, out);
}

static HRESULT STDMETHODCALLTYPE session_OpenProfileSection(IMAPISession *iface, LPMAPIUID uid,
                                                            LPCIID iid, ULONG flags,
                                                            LPPROFSECT *out)
{
    mm_session *This = impl_from_IMAPISession(iface);

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, uid, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!uid) return MAPI_E_INVALID_PARAMETER;
    return mm_profsect_open_for(MM_SECTION_SESSION, This->profile, uid, iid, flags,
                                (IUnknown *)iface, &This->err, out);
}

static HRESULT STDMETHODCALLTYPE session_GetStatusTable(IMAPISession *iface, ULONG flags,
                                                        LPMAPITABLE *out)
{
    mm_session *This = impl_from_IMAPISession(iface);
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    /* imapisession-getstatustable.md: MAPI_UNICODE or ANSI string columns */
    if (SUCCEEDED(hr = mc_table_open_view(This->status, NULL, NULL, out))
        && FAILED(hr = mc_view_string_columns(*out, flags)))
    {
        (*out)->lpVtbl->Release(*out);
        *out = NULL;
    }
    return hr;
}

static HRESULT STDMETHODCALLTYPE session_OpenEntry(IMAPISession *iface, ULONG cb, LPENTRYID eid,
                                                   LPCIID iid, ULONG flags, ULONG *type,
                                                   LPUNKNOWN *out)
{
    mm_session *This = impl_from_IMAPISession(iface);
    MC_TRACE(MM_CH, "(%p, %lu, %p, %#lx)\n", This, cb, eid, flags);
    if (!type || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!eid)
    {
        MC_FIXME("NULL entry ID: the address book root comes with the address book\n");
        return MAPI_E_NO_SUPPORT;
    }
    return mm_session_open_entry(This, cb, eid, iid, flags, type, out);
}

static HRESULT STDMETHODCALLTYPE session_CompareEntryIDs(IMAPISession *iface, ULONG cb1,
                                                         LPENTRYID e1, ULONG cb2, LPENTRYID e2,
                                                         ULONG flags, ULONG *result)
{
    mm_session *This = impl_from_IMAPISession(iface);
    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!e1 || !e2 || !result) return MAPI_E_INVALID_PARAMETER;
    return mm_session_compare_entryids(This, cb1, e1, cb2, e2, flags, result);
}

/* imapisession-advise.md: NULL entry ID = the session itself (critical errors and extended
 * events, fnevExtended at logoff); a status entry ID = that status object
 * (fnevStatusObjectModified); otherwise the Advise of the store logon that owns the entry ID.
 * Without MAPI_MULTITHREAD_NOTIFICATIONS the sink is called on the first thread that called
 * MAPIInitialize (mapiinit_0.md), through its window messages. */
static HRESULT STDMETHODCALLTYPE session_Advise(IMAPISession *iface, ULONG cb, LPENTRYID eid,
                                                ULONG mask, LPMAPIADVISESINK sink, ULONG *connection)
{
    mm_session *This = impl_from_IMAPISession(iface);
    IMAPIAdviseSink *use = NULL;
    store_logon *logon = NULL;
    session_advise *grown;
    ULONG pconn = 0, i;
    HRESULT hr = MAPI_E_UNKNOWN_ENTRYID;

    MC_TRACE(MM_CH, "(%p, %lu, %p, %#lx, %p)\n", This, cb, eid, mask, sink);
    if (!sink || !connection) return MAPI_E_INVALID_PARAMETER;
    if (eid && cb < 4 + sizeof(MAPIUID)) return MAPI_E_INVALID_ENTRYID;
    if (!eid && cb) return MAPI_E_INVALID_PARAMETER;
    if (This->logged_off) return MAPI_E_END_OF_SESSION;
    if (FAILED(hr = mm_notification_sink(sink, &use))) return hr;
    hr = MAPI_E_UNKNOWN_ENTRYID;
    if (!eid)
        hr = mc_notify_engine_subscribe(This->engine, (const NOTIFKEY *)&session_key,
                                        (mask & fnevExtended) | fnevCriticalError, 0, use, &pconn);
    else if (mm_status_eid_parse(cb, eid, NULL, NULL))
    {
        NOTIFKEY *key = mc_malloc(sizeof(NOTIFKEY) + cb);
        if (!key) hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else
        {
            key->cb = cb;
            memcpy(key->ab, eid, cb);
            hr = mc_notify_engine_subscribe(This->engine, key, mask, 0, use, &pconn);
            mc_free(key);
        }
    }
    else if (mm_oneoff_is(cb, eid))
        hr = MAPI_E_NO_SUPPORT;     /* one-off recipients never change */
    else
    {
        /* The store logons in turn; each AddRef'd while called without the session lock. */
        IMSLogon **logons = NULL;
        store_logon **owners = NULL;
        ULONG n = 0;
        MAPIUID section;
        BOOL store_id = mm_storeid_unwrap(cb, eid, NULL, NULL, NULL);

        EnterCriticalSection(&This->lock);
        if (store_id && SUCCEEDED(resolve_store_id(This, cb, eid, &section, TRUE)))
            logon = find_logon(This, &section);
        if ((logons = mc_calloc(This->n_stores + 1, sizeof(*logons)))
            && (owners = mc_calloc(This->n_stores + 1, sizeof(*owners))))
            for (i = 0; i < This->n_stores; i++)
            {
                store_logon *l = This->stores[i];
                if (store_id ? (!logon || l != logon) : !mm_support_has_uid(l->sup, (const MAPIUID *)eid->ab))
                    continue;
                owners[n] = l;
                logons[n++] = l->mslogon;
                l->mslogon->lpVtbl->AddRef(l->mslogon);
            }
        LeaveCriticalSection(&This->lock);
        logon = NULL;
        for (i = 0; i < n; i++)
        {
            /* A store's own entry ID: events of the whole store (NULL entry ID for IMSLogon). */
            if (hr == MAPI_E_UNKNOWN_ENTRYID || hr == MAPI_E_INVALID_ENTRYID || hr == MAPI_E_NOT_FOUND)
            {
                hr = logons[i]->lpVtbl->Advise(logons[i], store_id ? 0 : cb, store_id ? NULL : eid,
                                               mask, use, &pconn);
                if (SUCCEEDED(hr)) logon = owners[i];
            }
            logons[i]->lpVtbl->Release(logons[i]);
        }
        if (!logons || !owners) hr = MAPI_E_NOT_ENOUGH_MEMORY;
        mc_free(logons);
        mc_free(owners);
    }
    if (SUCCEEDED(hr))
    {
        EnterCriticalSection(&This->lock);
        if ((grown = mc_realloc(This->advises, (This->n_advises + 1) * sizeof(*grown))))
        {
            This->advises = grown;
            grown[This->n_advises].conn = ++This->next_conn;
            grown[This->n_advises].logon = logon;
            grown[This->n_advises].provider_conn = pconn;
            *connection = grown[This->n_advises++].conn;
        }
        else
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        LeaveCriticalSection(&This->lock);
        if (FAILED(hr))
        {
            if (logon) logon->mslogon->lpVtbl->Unadvise(logon->mslogon, pconn);
            else mc_notify_engine_unsubscribe(This->engine, pconn);
        }
    }
    else if (hr == MAPI_E_UNKNOWN_ENTRYID)
        mc_last_error_set(&This->err, hr, L"no provider of this session knows that entry ID");
    use->lpVtbl->Release(use);
    return hr;
}

static HRESULT STDMETHODCALLTYPE session_Unadvise(IMAPISession *iface, ULONG connection)
{
    mm_session *This = impl_from_IMAPISession(iface);
    IMSLogon *mslogon = NULL;
    ULONG pconn = 0, i;
    BOOL found = FALSE;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %lu)\n", This, connection);
    if (!connection) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_advises && !found; i++)
    {
        session_advise *a = &This->advises[i];
        if (a->conn != connection) continue;
        found = TRUE;
        pconn = a->provider_conn;
        /* After Logoff the store logons are gone; their connections were on this engine. */
        if (a->logon && !This->logged_off)
        {
            mslogon = a->logon->mslogon;
            mslogon->lpVtbl->AddRef(mslogon);
        }
        This->advises[i] = This->advises[--This->n_advises];
    }
    LeaveCriticalSection(&This->lock);
    if (!found) return MAPI_E_NOT_FOUND;
    if (mslogon)
    {
        hr = mslogon->lpVtbl->Unadvise(mslogon, pconn);
        mslogon->lpVtbl->Release(mslogon);
    }
    else
        hr = mc_notify_engine_unsubscribe(This->engine, pconn);
    return hr;
}

static HRESULT STDMETHODCALLTYPE session_MessageOptions(IMAPISession *iface, ULONG_PTR ui, ULONG flags,
                                                        LPTSTR adrtype, LPMESSAGE message)
{
    MC_FIXME("(%p): no message options user interface\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE session_QueryDefaultMessageOpt(IMAPISession *iface, LPTSTR adrtype,
                                                                ULONG flags, ULONG *count,
                                                                LPSPropValue *options)
{
    MC_FIXME("(%p): per-message options come with the transports\n", iface);
    return MAPI_E_NO_SUPPORT;
}

/* imapisession-enumadrtypes.md: the address types of the transports logged on in this session
 * (one MAPIAllocateBuffer block). A transport that takes every type (NULL array) adds none. */
static HRESULT STDMETHODCALLTYPE session_EnumAdrTypes(IMAPISession *iface, ULONG flags, ULONG *count,
                                                      LPTSTR **types)
{
    mm_session *This = impl_from_IMAPISession(iface);
    WCHAR **list = NULL;
    ULONG n = 0, i;
    void **out = NULL;
    HRESULT hr = S_OK;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!count || !types) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    *count = 0;
    *types = NULL;
    EnterCriticalSection(&This->lock);
    if (This->spooler) hr = mm_spooler_address_types(This->spooler, &list, &n);
    LeaveCriticalSection(&This->lock);
    if (FAILED(hr)) return hr;
    if (FAILED(hr = MAPIAllocateBuffer((n ? n : 1) * sizeof(void *), (void **)&out))) goto done;
    for (i = 0; i < n && SUCCEEDED(hr); i++)
    {
        if (flags & MAPI_UNICODE)
        {
            ULONG bytes = (lstrlenW(list[i]) + 1) * sizeof(WCHAR);
            if (SUCCEEDED(hr = MAPIAllocateMore(bytes, out, &out[i]))) memcpy(out[i], list[i], bytes);
        }
        else
            hr = mc_w2a_more(&mm_alloc, out, list[i], (char **)&out[i]);
    }
    if (FAILED(hr))
    {
        MAPIFreeBuffer(out);
        goto done;
    }
    *count = n;
    *types = (LPTSTR *)out;
done:
    mm_free_strings(list, n);
    return hr;
}

/* imapisession-queryidentity.md: PR_IDENTITY_ENTRYID of the status row flagged
 * STATUS_PRIMARY_IDENTITY, else of the first row that has one, else MAPI_W_NO_SERVICE with a
 * fixed entry ID (a one-off naming nobody). */
static HRESULT STDMETHODCALLTYPE session_QueryIdentity(IMAPISession *iface, ULONG *cb, LPENTRYID *eid)
{
    mm_session *This = impl_from_IMAPISession(iface);
    static const SizedSPropTagArray(2, cols) = {2, {PR_RESOURCE_FLAGS, PR_IDENTITY_ENTRYID}};
    const SBinary *found = NULL;
    IMAPITable *view = NULL;
    SRowSet *rows = NULL;
    ULONG i;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!cb || !eid) return MAPI_E_INVALID_PARAMETER;
    *eid = NULL;
    *cb = 0;
    if (FAILED(hr = mc_table_open_view(This->status, NULL, NULL, &view))) return hr;
    if (FAILED(hr = HrQueryAllRows(view, (SPropTagArray *)&cols, NULL, NULL, 0, &rows))) goto done;
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *v = rows->aRow[i].lpProps;
        if (v[1].ulPropTag != PR_IDENTITY_ENTRYID) continue;
        if (v[0].ulPropTag == PR_RESOURCE_FLAGS && (v[0].Value.l & STATUS_PRIMARY_IDENTITY))
        {
            found = &v[1].Value.bin;
            break;
        }
        if (!found) found = &v[1].Value.bin;
    }
    if (found)
    {
        if (SUCCEEDED(hr = MAPIAllocateBuffer(found->cb ? found->cb : 1, (void **)eid)))
        {
            memcpy(*eid, found->lpb, found->cb);
            *cb = found->cb;
        }
    }
    else if (SUCCEEDED(hr = mm_oneoff_make(L"Unknown", L"SMTP", L"unknown", MAPI_UNICODE, cb, eid)))
        hr = MAPI_W_NO_SERVICE;
done:
    if (rows) FreeProws(rows);
    view->lpVtbl->Release(view);
    return hr;
}

static void delete_section_row(mm_session *This, const MAPIUID *section)
{
    SBinary key;
    key.cb = sizeof(MAPIUID);
    key.lpb = (BYTE *)section->ab;
    mm_session_delete_status_row(This, &key);
}

static HRESULT STDMETHODCALLTYPE session_Logoff(IMAPISession *iface, ULONG_PTR ui, ULONG flags,
                                                ULONG reserved)
{
    mm_session *This = impl_from_IMAPISession(iface);
    mm_spooler *spooler;
    NOTIFICATION notif;
    ULONG i;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    EnterCriticalSection(&This->lock);
    if (This->logged_off)
    {
        LeaveCriticalSection(&This->lock);
        return S_OK;
    }
    This->logged_off = TRUE;
    spooler = This->spooler;
    This->spooler = NULL;
    LeaveCriticalSection(&This->lock);

    /* imapisession-advise.md: session advisees learn of the logoff through fnevExtended. */
    memset(&notif, 0, sizeof(notif));
    notif.ulEventType = fnevExtended;
    mc_notify_engine_notify(This->engine, (const NOTIFKEY *)&session_key, 1, &notif, NULL);

    /* The spooler first, without the session's lock (its thread may be inside a provider that
     * calls back into the session): no support object reaches it any more, then it stops its
     * thread, logs every transport off (TransportNotify END_*, TransportLogoff) and releases
     * its store logon; the store's StoreLogoffTransports then finds nothing left to do
     * (DECISIONS 6). */
    /* Messages prepared for a form that was never shown lose the session's reference. */
    for (i = 0; i < This->n_forms; i++)
        if (This->forms[i]) This->forms[i]->lpVtbl->Release(This->forms[i]);
    mc_free(This->forms);
    This->forms = NULL;
    This->n_forms = 0;

    if (spooler)
    {
        for (i = 0; i < This->n_stores; i++) mm_support_set_spooler(This->stores[i]->sup, NULL);
        for (i = 0; i < This->n_xps; i++) mm_support_set_spooler(This->xps[i]->sup, NULL);
        EnterCriticalSection(&This->spool_cs);
        mm_spooler_destroy(spooler);
        LeaveCriticalSection(&This->spool_cs);
    }

    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xps; i++)
    {
        xp_logon *x = This->xps[i];
        if (x->xpl) x->xpl->lpVtbl->Release(x->xpl);
        delete_section_row(This, &x->section);
        mm_support_detach(x->sup);
        mm_support_iface(x->sup)->lpVtbl->Release(mm_support_iface(x->sup));
        mc_free(x);
    }
    mc_free(This->xps);
    This->xps = NULL;
    This->n_xps = 0;
    if (This->spool_sup)
    {
        mm_support_detach(This->spool_sup);
        mm_support_iface(This->spool_sup)->lpVtbl->Release(mm_support_iface(This->spool_sup));
        This->spool_sup = NULL;
    }
    /* Stores next, newest first: IMSLogon::Logoff, then the session's references. */
    for (i = This->n_stores; i-- > 0;)
    {
        store_logon *l = This->stores[i];
        ULONG lf = 0;
        l->mslogon->lpVtbl->Logoff(l->mslogon, &lf);
        l->mslogon->lpVtbl->Release(l->mslogon);
        l->mdb->lpVtbl->Release(l->mdb);
        delete_section_row(This, &l->section);
        mm_support_detach(l->sup);
        mm_support_iface(l->sup)->lpVtbl->Release(mm_support_iface(l->sup));
        mc_free(l);
    }
    mc_free(This->stores);
    This->stores = NULL;
    This->n_stores = 0;
    for (i = 0; i < This->n_advises; i++) This->advises[i].logon = NULL;
    /* Then the providers: Shutdown after their last logon, then the DLL (provdll.c keeps a
     * DLL that still has live objects). */
    for (i = 0; i < This->n_dlls; i++)
    {
        provider_dll *d = This->dlls[i];
        ULONG sf = 0;
        if (d->xpp)
        {
            d->xpp->lpVtbl->Shutdown(d->xpp, &sf);
            d->xpp->lpVtbl->Release(d->xpp);
        }
        if (d->msp)
        {
            sf = 0;
            d->msp->lpVtbl->Shutdown(d->msp, &sf);
            d->msp->lpVtbl->Release(d->msp);
        }
        mm_dll_unload(d->mod);
        mc_free(d->name);
        mc_free(d);
    }
    mc_free(This->dlls);
    This->dlls = NULL;
    This->n_dlls = 0;
    set_mapi_row(This, MM_STATUS_SPOOLER, STATUS_FAILURE, L"stopped: the session logged off");
    LeaveCriticalSection(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE session_SetDefaultStore(IMAPISession *iface, ULONG flags, ULONG cb,
                                                         LPENTRYID eid)
{
    mm_session *This = impl_from_IMAPISession(iface);
    MAPIUID section, *uids = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx, %lu, %p)\n", This, flags, cb, eid);
    if (flags != MAPI_DEFAULT_STORE)
    {
        MC_FIXME("flags %#lx: only MAPI_DEFAULT_STORE is implemented\n", flags);
        return MAPI_E_NO_SUPPORT;
    }
    if (!eid || !cb) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    if (FAILED(hr = resolve_store_id(This, cb, eid, &section, TRUE))) goto done;
    if (FAILED(hr = store_sections(This, &uids, &n))) goto done;
    /* STATUS_DEFAULT_STORE moves to that store's section. */
    mm_profile_lock();
    for (i = 0; i < n; i++)
    {
        mc_propbag *b = load_store_section(This, &uids[i]);
        LONG old, wanted;
        SPropValue v;
        if (!b) continue;
        old = mc_propbag_get_long(b, PR_RESOURCE_FLAGS, 0);
        wanted = !memcmp(&uids[i], &section, sizeof(section)) ? (old | STATUS_DEFAULT_STORE)
                                                              : (old & ~STATUS_DEFAULT_STORE);
        if (wanted != old)
        {
            memset(&v, 0, sizeof(v));
            v.ulPropTag = PR_RESOURCE_FLAGS;
            v.Value.l = wanted;
            mm_section_write(This->profile, &uids[i], 1, &v);
        }
        mc_propbag_free(b);
    }
    mm_profile_unlock();
done:
    LeaveCriticalSection(&This->lock);
    mc_free(uids);
    return hr;
}

static HRESULT STDMETHODCALLTYPE session_AdminServices(IMAPISession *iface, ULONG flags,
                                                       LPSERVICEADMIN *out)
{
    mm_session *This = impl_from_IMAPISession(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    return mm_svcadmin_create(This->profile, (IUnknown *)iface, out);
}

/* imapisession-showform.md documents S_OK and MAPI_E_USER_CANCEL only. minimapi has no forms
 * and no user interface: the form cannot be shown, so the user never got to send it - the
 * documented answer that says "nothing was sent" is MAPI_E_USER_CANCEL (Wine's MAPISendMail
 * bridge turns it into MAPI_E_USER_ABORT, which mapisendmail.md documents; the draft the bridge
 * saved stays in Drafts). The token is spent either way. */
static HRESULT STDMETHODCALLTYPE session_ShowForm(IMAPISession *iface, ULONG_PTR ui, LPMDB store,
                                                  LPMAPIFOLDER folder, LPCIID iid, ULONG token,
                                                  LPMESSAGE sent, ULONG flags, ULONG status,
                                                  ULONG msg_flags, ULONG access, LPSTR msg_class)
{
    mm_session *This = impl_from_IMAPISession(iface);
    IMessage *msg = NULL;

    MC_TRACE(MM_CH, "(%p, token %lu, flags %#lx)\n", This, token, flags);
    if (iid && !IsEqualIID(iid, &IID_IMessage)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (flags & ~(MAPI_NEW_MESSAGE | MAPI_POST_MESSAGE)) return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&This->lock);
    if (token && token <= This->n_forms)
    {
        msg = This->forms[token - 1];
        This->forms[token - 1] = NULL;
    }
    LeaveCriticalSection(&This->lock);
    if (!msg) return MAPI_E_INVALID_PARAMETER;
    msg->lpVtbl->Release(msg);
    MC_FIXME("(%p): no forms and no user interface: the form is not shown\n", iface);
    return MAPI_E_USER_CANCEL;
}

/* imapisession-prepareform.md: a token for ShowForm, holding a reference on the message.
 * This works without a user interface, so it succeeds; ShowForm is where there is none. */
static HRESULT STDMETHODCALLTYPE session_PrepareForm(IMAPISession *iface, LPCIID iid,
                                                     LPMESSAGE message, ULONG *token)
{
    mm_session *This = impl_from_IMAPISession(iface);
    IMessage **grown;
    HRESULT hr = S_OK;
    ULONG i;

    MC_TRACE(MM_CH, "(%p, %p, %p)\n", This, message, token);
    if (!message || !token) return MAPI_E_INVALID_PARAMETER;
    if (iid && !IsEqualIID(iid, &IID_IMessage)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    EnterCriticalSection(&This->lock);
    if (This->logged_off)
    {
        hr = MAPI_E_CALL_FAILED;
        goto done;
    }
    for (i = 0; i < This->n_forms && This->forms[i]; i++) ;
    if (i == This->n_forms)
    {
        if (!(grown = mc_realloc(This->forms, (This->n_forms + 1) * sizeof(*grown))))
        {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            goto done;
        }
        This->forms = grown;
        This->n_forms++;
    }
    message->lpVtbl->AddRef(message);
    This->forms[i] = message;
    *token = i + 1;
done:
    LeaveCriticalSection(&This->lock);
    return hr;
}

static const IMAPISessionVtbl session_vtbl =
{
    session_QueryInterface,
    session_AddRef,
    session_Release,
    session_GetLastError,
    session_GetMsgStoresTable,
    session_OpenMsgStore,
    session_OpenAddressBook,
    session_OpenProfileSection,
    session_GetStatusTable,
    session_OpenEntry,
    session_CompareEntryIDs,
    session_Advise,
    session_Unadvise,
    session_MessageOptions,
    session_QueryDefaultMessageOpt,
    session_EnumAdrTypes,
    session_QueryIdentity,
    session_Logoff,
    session_SetDefaultStore,
    session_AdminServices,
    session_ShowForm,
    session_PrepareForm,
};

/* ---- MAPI's own status rows (status-tables.md, mapilogonex.md) ------------------------------- */

static void set_mapi_row(mm_session *This, ULONG kind, LONG code, const WCHAR *text)
{
    mc_propbag *b = This->mapi_rows[kind];
    SPropValue v[2];
    ULONG n, i;
    SPropValue *row;

    memset(v, 0, sizeof(v));
    v[0].ulPropTag = PR_STATUS_CODE;
    v[0].Value.l = code;
    v[1].ulPropTag = PR_STATUS_STRING_W;
    v[1].Value.lpszW = (WCHAR *)text;
    EnterCriticalSection(&This->lock);
    mc_propbag_set(b, &v[0]);
    mc_propbag_set(b, &v[1]);
    n = mc_propbag_count(b);
    if ((row = mc_calloc(n, sizeof(*row))))
    {
        for (i = 0; i < n; i++) row[i] = *mc_propbag_at(b, i);
        mm_session_modify_status_row(This, n, row);
        mc_free(row);
    }
    LeaveCriticalSection(&This->lock);
}

/* The status table starts with MAPI's own rows: the subsystem, the spooler and the integrated
 * address book (status-tables.md). The spooler row says STATUS_FAILURE until the spooler runs,
 * and for good with MAPI_NO_MAIL (mapilogonex.md). */
static HRESULT add_mapi_status_rows(mm_session *This)
{
    static const struct
    {
        ULONG kind;
        const char *key;
        const WCHAR *name, *status;
        LONG type, methods;
    } rows[MM_MAPI_ROWS] =
    {
        { MM_STATUS_SUBSYSTEM, "MiniMAPI subsystem", L"MAPI Subsystem", L"available", MAPI_SUBSYSTEM,
          STATUS_VALIDATE_STATE },
        { MM_STATUS_SPOOLER, "MiniMAPI spooler", L"MAPI Spooler", NULL, MAPI_SPOOLER,
          STATUS_VALIDATE_STATE | STATUS_FLUSH_QUEUES },
        { MM_STATUS_AB, "MiniMAPI address book", L"MAPI Address Book", L"available", MAPI_AB,
          STATUS_VALIDATE_STATE },
    };
    BYTE eid[MM_STATUS_EID_SIZE];
    ULONG r, i, kind;
    HRESULT hr = S_OK;

    for (r = 0; r < MM_MAPI_ROWS && SUCCEEDED(hr); r++)
    {
        BOOL spooler = (kind = rows[r].kind) == MM_STATUS_SPOOLER;
        mm_row row;
        mm_row_init(&row, TRUE);
        mm_status_eid(kind, NULL, eid);
        mm_row_add_bin(&row, PR_INSTANCE_KEY, rows[r].key, strlen(rows[r].key) + 1);
        mm_row_add_long(&row, PR_ROWID, (LONG)r);
        mm_row_add_bin(&row, PR_ENTRYID, eid, sizeof(eid));
        mm_row_add_str(&row, PROP_ID(PR_DISPLAY_NAME_W), rows[r].name);
        mm_row_add_str(&row, PROP_ID(PR_PROVIDER_DISPLAY_W), L"MiniMAPI");
        mm_row_add_str(&row, PROP_ID(PR_PROVIDER_DLL_NAME_W), L"minimapi.dll");
        mm_row_add_str(&row, PROP_ID(PR_STATUS_STRING_W), spooler ?
                       (This->no_mail ? L"not started (MAPI_NO_MAIL)" : L"starting") : rows[r].status);
        mm_row_add_long(&row, PR_RESOURCE_TYPE, rows[r].type);
        mm_row_add_long(&row, PR_RESOURCE_FLAGS, 0);
        mm_row_add_long(&row, PR_RESOURCE_METHODS, rows[r].methods);
        mm_row_add_long(&row, PR_STATUS_CODE, spooler ? STATUS_FAILURE : STATUS_AVAILABLE);
        mm_row_add_long(&row, PR_OBJECT_TYPE, MAPI_STATUS);
        if (!(This->mapi_rows[kind] = mc_propbag_new())) hr = MAPI_E_NOT_ENOUGH_MEMORY;
        for (i = 0; i < row.n && SUCCEEDED(hr); i++) hr = mc_propbag_set(This->mapi_rows[kind], &row.v[i]);
        if (SUCCEEDED(hr)) hr = mc_table_modify_row(This->status, row.n, row.v);
        mm_row_free(&row);
    }
    return hr;
}

/* ---- for minimapi's status objects (status.c) ---------------------------------------------- */

HRESULT mm_session_status_props(mm_session *This, ULONG kind, mc_propbag **out)
{
    HRESULT hr = S_OK;
    ULONG i, n;

    if (!(*out = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    EnterCriticalSection(&This->lock);
    n = mc_propbag_count(This->mapi_rows[kind]);
    for (i = 0; i < n && SUCCEEDED(hr); i++)
        hr = mc_propbag_set(*out, mc_propbag_at(This->mapi_rows[kind], i));
    LeaveCriticalSection(&This->lock);
    if (FAILED(hr))
    {
        mc_propbag_free(*out);
        *out = NULL;
    }
    return hr;
}

/* FlushQueues on the spooler's status object: MAPI_E_CALL_FAILED without a spooler
 * (MAPI_NO_MAIL, or after Logoff). The spooler cannot go away while it flushes. */
HRESULT mm_session_flush_queues(mm_session *This, ULONG flags)
{
    HRESULT hr;
    EnterCriticalSection(&This->spool_cs);
    if (This->spooler) hr = mm_spooler_flush(This->spooler, flags);
    else hr = mc_last_error_set(&This->err, MAPI_E_CALL_FAILED, L"this session runs no spooler");
    LeaveCriticalSection(&This->spool_cs);
    return hr;
}

/* ValidateState(CONFIG_CHANGED) on the spooler's status object: the transports' address types
 * are read again (ixplogon-addresstypes.md). */
HRESULT mm_session_validate_state(mm_session *This, ULONG kind, ULONG flags)
{
    EnterCriticalSection(&This->spool_cs);
    if (kind == MM_STATUS_SPOOLER && (flags & CONFIG_CHANGED) && This->spooler)
        mm_spooler_config_changed(This->spooler);
    LeaveCriticalSection(&This->spool_cs);
    return S_OK;
}

HRESULT mm_session_create(const WCHAR *profile, ULONG flags, IMAPISession **out)
{
    static const ULONG status_columns[] =
    {
        PR_INSTANCE_KEY, PR_DISPLAY_NAME_W, PR_PROVIDER_DISPLAY_W, PR_PROVIDER_DLL_NAME_W,
        PR_RESOURCE_TYPE, PR_RESOURCE_FLAGS, PR_RESOURCE_METHODS, PR_STATUS_CODE,
        PR_STATUS_STRING_W, PR_OBJECT_TYPE, PR_ENTRYID, PR_ROWID,
    };
    SPropTagArray *cols = NULL;
    mm_session *This;
    HRESULT hr;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPISession_iface.lpVtbl = &session_vtbl;
    This->ref = 1;
    InitializeCriticalSection(&This->lock);
    InitializeCriticalSection(&This->spool_cs);
    mc_last_error_init(&This->err);
    This->logon_flags = flags;
    This->no_mail = (flags & MAPI_NO_MAIL) != 0;
    if (!(This->profile = mc_wcsdup(profile)) || !(This->profile_a = mc_w2a(profile))
        || !(cols = mm_columns(status_columns, ARRAYSIZE(status_columns), TRUE)))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    if (FAILED(hr = mc_notify_engine_create(&This->engine))) goto fail;
    if (FAILED(hr = mc_table_new(&mm_alloc, PR_INSTANCE_KEY, cols, &This->status))) goto fail;
    if (FAILED(hr = add_mapi_status_rows(This))) goto fail;
    mc_free(cols);
    mc_object_created();
    if (!This->no_mail) start_spooler(This);
    *out = &This->IMAPISession_iface;
    return S_OK;
fail:
    mc_free(cols);
    free_status_rows(This);
    if (This->status) mc_table_release(This->status);
    if (This->engine) mc_notify_engine_destroy(This->engine);
    DeleteCriticalSection(&This->spool_cs);
    mc_last_error_destroy(&This->err);
    DeleteCriticalSection(&This->lock);
    mc_free(This->profile_a);
    mc_free(This->profile);
    mc_free(This);
    return hr;
}

HRESULT WINAPI MAPILogonEx(ULONG_PTR ui, LPTSTR profile_in, LPTSTR password, ULONG flags,
                           LPMAPISESSION *out)
{
    WCHAR *profile = NULL;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx, %p)\n", profile_in, flags, out);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!mm_initialized()) return MAPI_E_NOT_INITIALIZED;
    /* Sessions are never shared: MAPI_ALLOW_OTHERS and a missing MAPI_NEW_SESSION still give a
     * new session. MAPI_LOGON_UI has no UI to show; the logon then fails as without it. */
    if (profile_in && (flags & MAPI_UNICODE ? *(WCHAR *)profile_in : *(char *)profile_in))
    {
        if (!(profile = mm_str_in(profile_in, (flags & MAPI_UNICODE) != 0)))
            return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    else if (!(flags & MAPI_USE_DEFAULT) || FAILED(mm_profile_get_default(&profile)))
    {
        MC_TRACE(MM_CH, "no profile name and no default profile\n");
        return MAPI_E_LOGON_FAILED;
    }
    if (!mm_profile_exists(profile))
    {
        MC_TRACE(MM_CH, "no profile %ls\n", profile);
        hr = MAPI_E_LOGON_FAILED;
    }
    else
        hr = mm_session_create(profile, flags, out);
    mc_free(profile);
    return hr;
}
