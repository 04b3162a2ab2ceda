/*
 * session.c - IMAPISession and MAPILogonEx (mapilogonex.md, imapisessioniunknown.md,
 * imapisession-*.md, message-store-tables.md, status-tables.md, loading-message-store-providers.md;
 * spi-digest §0.2, §4.1, §4.5).
 *
 * A session belongs to one profile. It loads each store provider DLL once (MSProviderInit once
 * per DLL), logs on to each store once (IMSProvider::Logon with its own support object) and
 * keeps the logons until Logoff, which logs every store off, shuts the providers down and
 * unloads their DLLs. No session starts a spooler yet (issue 6); MAPI_NO_MAIL is recorded.
 * Entry IDs are routed to the logon that registered their MAPIUID (SetProviderUID).
 */
#include "minimapi_private.h"

typedef struct provider_dll
{
    WCHAR *name;                /* PR_PROVIDER_DLL_NAME */
    HMODULE mod;
    IMSProvider *msp;
} provider_dll;

typedef struct store_logon
{
    MAPIUID section;
    provider_dll *dll;
    IMSLogon *mslogon;
    IMsgStore *mdb;             /* the session's own reference */
    mm_support *sup;            /* the session's own reference */
} store_logon;

struct mm_session
{
    IMAPISession IMAPISession_iface;
    LONG ref;
    CRITICAL_SECTION lock;
    WCHAR *profile;
    char *profile_a;
    ULONG logon_flags;
    BOOL no_mail;               /* MAPI_NO_MAIL: the spooler is not told (issue 6) */
    BOOL logged_off;
    provider_dll **dlls;
    ULONG n_dlls;
    store_logon **stores;
    ULONG n_stores;
    mc_table *status;
    mc_last_error err;
};

static inline mm_session *impl_from_IMAPISession(IMAPISession *iface)
{
    return CONTAINING_RECORD(iface, mm_session, IMAPISession_iface);
}

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

static HRESULT get_provider(mm_session *This, const WCHAR *name, provider_dll **out)
{
    MSPROVIDERINIT *init;
    provider_dll *dll = NULL, **grown;
    ULONG version = 0, i;
    HRESULT hr;

    *out = NULL;
    for (i = 0; i < This->n_dlls; i++)
        if (!lstrcmpiW(This->dlls[i]->name, name))
        {
            *out = This->dlls[i];
            return S_OK;
        }
    if (!(dll = mc_calloc(1, sizeof(*dll))) || !(dll->name = mc_wcsdup(name)))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    if (!(dll->mod = mm_dll_load(name)))
    {
        DWORD e = GetLastError();
        WCHAR *real = mm_dll_real_name(name);
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND,
                               L"cannot load the store provider DLL %ls (from %ls): error %lu",
                               real ? real : name, name, e);
        mc_free(real);
        goto fail;
    }
    if (!(init = (MSPROVIDERINIT *)(void *)GetProcAddress(dll->mod, "MSProviderInit")))
    {
        WCHAR *real = mm_dll_real_name(name);
        hr = mc_last_error_set(&This->err, MAPI_E_CALL_FAILED,
                               L"the store provider DLL %ls has no MSProviderInit", real ? real : name);
        mc_free(real);
        goto fail;
    }
    hr = init(dll->mod, mm_get_malloc(), MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer,
              (This->logon_flags & MAPI_NT_SERVICE) ? MAPI_NT_SERVICE : 0, CURRENT_SPI_VERSION,
              &version, &dll->msp);
    if (FAILED(hr) || !dll->msp)
    {
        if (SUCCEEDED(hr)) hr = MAPI_E_CALL_FAILED;
        dll->msp = NULL;
        mc_last_error_set(&This->err, hr, L"MSProviderInit of %ls failed (%#lx)", name, hr);
        goto fail;
    }
    /* A provider too old for this SPI is released and the load fails (spi-digest §0.2). */
    if (version < 0x00010000 || version >= 0x00020000)
    {
        hr = mc_last_error_set(&This->err, MAPI_E_VERSION,
                               L"%ls speaks SPI version %#lx, MiniMAPI needs 1.x", name, version);
        goto fail;
    }
    if (!(grown = mc_realloc(This->dlls, (This->n_dlls + 1) * sizeof(*grown))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    This->dlls = grown;
    This->dlls[This->n_dlls++] = dll;
    *out = dll;
    return S_OK;
fail:
    if (dll)
    {
        if (dll->msp) dll->msp->lpVtbl->Release(dll->msp);
        if (dll->mod) mm_dll_unload(dll->mod);
        mc_free(dll->name);
        mc_free(dll);
    }
    return hr;
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

static HRESULT logon_store(mm_session *This, ULONG_PTR ui, const MAPIUID *section, ULONG cb,
                           const ENTRYID *eid, const IID *iid, ULONG flags, IMsgStore **out)
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

    for (;;)
    {
        ULONG cb_spool = 0;
        BYTE *spool = NULL;
        MAPIERROR *mapierror = NULL;

        hr = dll->msp->lpVtbl->Logon(dll->msp, mm_support_iface(sup), (ULONG)ui,
                                     (LPTSTR)This->profile_a, cb, (ENTRYID *)eid,
                                     flags & ~MAPI_UNICODE, (IID *)iid, &cb_spool, &spool,
                                     &mapierror, &mslogon, &mdb);
        /* The spooler's security blob is for the spooler (issue 6); MAPI frees it. */
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
    return logon_store(This, ui, &section, cb_inner, inner, iid, flags, out);
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

HRESULT mm_session_modify_status_row(mm_session *This, ULONG n, const SPropValue *row)
{
    return mc_table_modify_row(This->status, n, row);
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
        mc_table_release(This->status);
        mc_last_error_destroy(&This->err);
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
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    return mc_table_open_view(This->status, NULL, NULL, out);
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

static HRESULT STDMETHODCALLTYPE session_Advise(IMAPISession *iface, ULONG cb, LPENTRYID eid,
                                                ULONG mask, LPMAPIADVISESINK sink, ULONG *connection)
{
    MC_FIXME("(%p): session notifications come with issue 4\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE session_Unadvise(IMAPISession *iface, ULONG connection)
{
    MC_FIXME("(%p): session notifications come with issue 4\n", iface);
    return MAPI_E_NO_SUPPORT;
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

static HRESULT STDMETHODCALLTYPE session_EnumAdrTypes(IMAPISession *iface, ULONG flags, ULONG *count,
                                                      LPTSTR **types)
{
    MC_FIXME("(%p): address types come with the transports (issue 6)\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE session_QueryIdentity(IMAPISession *iface, ULONG *cb, LPENTRYID *eid)
{
    MC_FIXME("(%p): identities come with the address book\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE session_Logoff(IMAPISession *iface, ULONG_PTR ui, ULONG flags,
                                                ULONG reserved)
{
    mm_session *This = impl_from_IMAPISession(iface);
    ULONG i;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    EnterCriticalSection(&This->lock);
    if (This->logged_off) goto done;
    This->logged_off = TRUE;
    /* Stores first, newest first: IMSLogon::Logoff, then the session's references. */
    for (i = This->n_stores; i-- > 0;)
    {
        store_logon *l = This->stores[i];
        ULONG lf = 0;
        SBinary key;
        key.cb = sizeof(MAPIUID);
        key.lpb = l->section.ab;
        l->mslogon->lpVtbl->Logoff(l->mslogon, &lf);
        l->mslogon->lpVtbl->Release(l->mslogon);
        l->mdb->lpVtbl->Release(l->mdb);
        mm_session_delete_status_row(This, &key);
        mm_support_detach(l->sup);
        mm_support_iface(l->sup)->lpVtbl->Release(mm_support_iface(l->sup));
        mc_free(l);
    }
    mc_free(This->stores);
    This->stores = NULL;
    This->n_stores = 0;
    /* Then the providers: Shutdown after their last logon, then the DLL (provdll.c keeps a
     * DLL that still has live objects). */
    for (i = 0; i < This->n_dlls; i++)
    {
        provider_dll *d = This->dlls[i];
        ULONG sf = 0;
        d->msp->lpVtbl->Shutdown(d->msp, &sf);
        d->msp->lpVtbl->Release(d->msp);
        mm_dll_unload(d->mod);
        mc_free(d->name);
        mc_free(d);
    }
    mc_free(This->dlls);
    This->dlls = NULL;
    This->n_dlls = 0;
done:
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

static HRESULT STDMETHODCALLTYPE session_ShowForm(IMAPISession *iface, ULONG_PTR ui, LPMDB store,
                                                  LPMAPIFOLDER folder, LPCIID iid, ULONG token,
                                                  LPMESSAGE sent, ULONG flags, ULONG status,
                                                  ULONG msg_flags, ULONG access, LPSTR msg_class)
{
    MC_FIXME("(%p): no forms\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE session_PrepareForm(IMAPISession *iface, LPCIID iid,
                                                     LPMESSAGE message, ULONG *token)
{
    MC_FIXME("(%p): no forms\n", iface);
    return MAPI_E_NO_SUPPORT;
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

/* The status table starts with MAPI's own rows: the subsystem and the spooler. */
static HRESULT add_mapi_status_rows(mm_session *This)
{
    static const BYTE key_subsystem[] = "MiniMAPI subsystem";
    static const BYTE key_spooler[] = "MiniMAPI spooler";
    mm_row row;
    HRESULT hr;

    mm_row_init(&row, TRUE);
    mm_row_add_bin(&row, PR_INSTANCE_KEY, key_subsystem, sizeof(key_subsystem));
    mm_row_add_str(&row, PROP_ID(PR_DISPLAY_NAME_W), L"MAPI Subsystem");
    mm_row_add_str(&row, PROP_ID(PR_PROVIDER_DISPLAY_W), L"MiniMAPI");
    mm_row_add_str(&row, PROP_ID(PR_PROVIDER_DLL_NAME_W), L"minimapi.dll");
    mm_row_add_long(&row, PR_RESOURCE_TYPE, MAPI_SUBSYSTEM);
    mm_row_add_long(&row, PR_RESOURCE_FLAGS, 0);
    mm_row_add_long(&row, PR_RESOURCE_METHODS, 0);
    mm_row_add_long(&row, PR_STATUS_CODE, STATUS_AVAILABLE);
    mm_row_add_long(&row, PR_OBJECT_TYPE, MAPI_STATUS);
    hr = mc_table_modify_row(This->status, row.n, row.v);
    mm_row_free(&row);
    if (FAILED(hr)) return hr;

    /* mapilogonex.md: with MAPI_NO_MAIL the spooler row says STATUS_FAILURE; and no session
     * runs a spooler yet (issue 6), so it says so in every session. */
    mm_row_init(&row, TRUE);
    mm_row_add_bin(&row, PR_INSTANCE_KEY, key_spooler, sizeof(key_spooler));
    mm_row_add_str(&row, PROP_ID(PR_DISPLAY_NAME_W), L"MAPI Spooler");
    mm_row_add_str(&row, PROP_ID(PR_PROVIDER_DISPLAY_W), L"MiniMAPI");
    mm_row_add_str(&row, PROP_ID(PR_PROVIDER_DLL_NAME_W), L"minimapi.dll");
    mm_row_add_str(&row, PROP_ID(PR_STATUS_STRING_W),
                   This->no_mail ? L"not started (MAPI_NO_MAIL)" : L"not implemented yet");
    mm_row_add_long(&row, PR_RESOURCE_TYPE, MAPI_SPOOLER);
    mm_row_add_long(&row, PR_RESOURCE_FLAGS, 0);
    mm_row_add_long(&row, PR_RESOURCE_METHODS, 0);
    mm_row_add_long(&row, PR_STATUS_CODE, STATUS_FAILURE);
    mm_row_add_long(&row, PR_OBJECT_TYPE, MAPI_STATUS);
    hr = mc_table_modify_row(This->status, row.n, row.v);
    mm_row_free(&row);
    return hr;
}

HRESULT mm_session_create(const WCHAR *profile, ULONG flags, IMAPISession **out)
{
    static const ULONG status_columns[] =
    {
        PR_INSTANCE_KEY, PR_DISPLAY_NAME_W, PR_PROVIDER_DISPLAY_W, PR_PROVIDER_DLL_NAME_W,
        PR_RESOURCE_TYPE, PR_RESOURCE_FLAGS, PR_RESOURCE_METHODS, PR_STATUS_CODE,
        PR_STATUS_STRING_W, PR_OBJECT_TYPE,
    };
    SPropTagArray *cols = NULL;
    mm_session *This;
    HRESULT hr;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPISession_iface.lpVtbl = &session_vtbl;
    This->ref = 1;
    InitializeCriticalSection(&This->lock);
    mc_last_error_init(&This->err);
    This->logon_flags = flags;
    This->no_mail = (flags & MAPI_NO_MAIL) != 0;
    if (!(This->profile = mc_wcsdup(profile)) || !(This->profile_a = mc_w2a(profile))
        || !(cols = mm_columns(status_columns, ARRAYSIZE(status_columns), TRUE)))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto fail;
    }
    if (FAILED(hr = mc_table_new(&mm_alloc, PR_INSTANCE_KEY, cols, &This->status))) goto fail;
    if (FAILED(hr = add_mapi_status_rows(This))) goto fail;
    mc_free(cols);
    mc_object_created();
    *out = &This->IMAPISession_iface;
    return S_OK;
fail:
    mc_free(cols);
    if (This->status) mc_table_release(This->status);
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
