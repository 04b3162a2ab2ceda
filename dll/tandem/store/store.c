/*
 * store.c - td_store: the state one open store shares between its client store object, its
 * logon object, its status object and the spooler's store object (DECISIONS 4), and the
 * store-level property values they all report (imsgstoreimapiprop.md,
 * pidtagstoresupportmask-canonical-property.md, pidtagrecordkey-canonical-property.md).
 */
#include "store.h"

HRESULT td_store_create(IMSProvider *provider, const mc_alloc *alloc, td_db *db,
                        const ENTRYID *wrapped, ULONG cb_wrapped, BOOL writable,
                        const WCHAR *display_name, td_store **out)
{
    td_store *s;
    SPropValue v;
    HRESULT hr;

    if (!provider || !alloc || !db || !wrapped || !cb_wrapped || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(s = mc_calloc(1, sizeof(*s)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    s->ref = 1;
    InitializeCriticalSection(&s->lock);
    s->alloc = *alloc;
    s->writable = writable;
    td_db_store_guid(db, &s->guid);
    td_store_record_key(&s->guid, s->record_key);

    if (FAILED(hr = td_eid_encode_store(&s->guid, td_db_path(db), &s->cb_eid, &s->eid))) goto fail;
    if (!(s->wrapped = mc_malloc(cb_wrapped))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto fail; }
    memcpy(s->wrapped, wrapped, cb_wrapped);
    s->cb_wrapped = cb_wrapped;
    if (!(s->props = mc_propbag_new())) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto fail; }
    if (display_name)
    {
        v.ulPropTag = PR_DISPLAY_NAME_W;
        v.Value.lpszW = (WCHAR *)display_name;
        if (FAILED(hr = mc_propbag_set(s->props, &v))) goto fail;
    }
    td_db_addref(db);
    s->db = db;
    provider->lpVtbl->AddRef(provider);
    s->provider = provider;
    *out = s;
    return S_OK;

fail:
    td_store_release(s);
    return hr;
}

void td_store_addref(td_store *s)
{
    InterlockedIncrement(&s->ref);
}

void td_store_release(td_store *s)
{
    if (!s || InterlockedDecrement(&s->ref)) return;
    if (s->props) mc_propbag_free(s->props);
    mc_free(s->eid);
    mc_free(s->wrapped);
    if (s->db) td_db_release(s->db);
    if (s->provider) s->provider->lpVtbl->Release(s->provider);
    DeleteCriticalSection(&s->lock);
    mc_free(s);
}

ULONG td_store_support_mask(const td_store *s)
{
    /* Only what works today: IDs are never reused (objects.id is AUTOINCREMENT) and strings
     * are accepted and returned in Unicode. MODIFY/CREATE/SUBMIT/NOTIFY... come with the
     * object model; a store without MDB_WRITE must never report MODIFY_OK/CREATE_OK. */
    (void)s;
    return STORE_ENTRYID_UNIQUE | STORE_UNICODE_OK;
}

ULONG td_store_computed(td_store *s, SPropValue *vals, ULONG max)
{
    ULONG n = 0;

    if (max < TD_STORE_MAX_COMPUTED) return 0;
    vals[n].ulPropTag = PR_OBJECT_TYPE;
    vals[n++].Value.l = MAPI_STORE;
    vals[n].ulPropTag = PR_STORE_SUPPORT_MASK;
    vals[n++].Value.l = (LONG)td_store_support_mask(s);
    vals[n].ulPropTag = PR_STORE_STATE;
    vals[n++].Value.l = 0;     /* no search folders yet */
    vals[n].ulPropTag = PR_MDB_PROVIDER;
    vals[n].Value.bin.cb = sizeof(MAPIUID);
    vals[n++].Value.bin.lpb = (BYTE *)&td_provider_uid;
    vals[n].ulPropTag = PR_RECORD_KEY;
    vals[n].Value.bin.cb = sizeof(s->record_key);
    vals[n++].Value.bin.lpb = s->record_key;
    vals[n].ulPropTag = PR_STORE_RECORD_KEY;
    vals[n].Value.bin.cb = sizeof(s->record_key);
    vals[n++].Value.bin.lpb = s->record_key;
    vals[n].ulPropTag = PR_ENTRYID;
    vals[n].Value.bin.cb = s->cb_wrapped;
    vals[n++].Value.bin.lpb = (BYTE *)s->wrapped;
    vals[n].ulPropTag = PR_STORE_ENTRYID;
    vals[n].Value.bin.cb = s->cb_wrapped;
    vals[n++].Value.bin.lpb = (BYTE *)s->wrapped;
    return n;
}

WCHAR *td_store_display_name(td_store *s)
{
    WCHAR *r;
    EnterCriticalSection(&s->lock);
    r = mc_propbag_get_wstr(s->props, PROP_ID(PR_DISPLAY_NAME_W));
    LeaveCriticalSection(&s->lock);
    return r;
}

ULONG td_store_status_props(td_store *s, const WCHAR *display_name, SPropValue *vals, ULONG max)
{
    ULONG n = 0;

    if (max < TD_STORE_MAX_STATUS_PROPS) return 0;
    vals[n].ulPropTag = PR_DISPLAY_NAME_W;
    vals[n++].Value.lpszW = (WCHAR *)(display_name ? display_name : TD_STORE_PROVIDER_DISPLAY);
    vals[n].ulPropTag = PR_PROVIDER_DISPLAY_W;
    vals[n++].Value.lpszW = (WCHAR *)TD_STORE_PROVIDER_DISPLAY;
    vals[n].ulPropTag = PR_PROVIDER_DLL_NAME_A;
    vals[n++].Value.lpszA = (char *)TD_DLL_NAME_A;
    vals[n].ulPropTag = PR_RESOURCE_TYPE;
    vals[n++].Value.l = MAPI_STORE_PROVIDER;
    vals[n].ulPropTag = PR_RESOURCE_METHODS;
    vals[n++].Value.l = STATUS_VALIDATE_STATE;
    vals[n].ulPropTag = PR_STATUS_CODE;
    vals[n++].Value.l = STATUS_AVAILABLE;
    vals[n].ulPropTag = PR_STATUS_STRING_W;
    vals[n++].Value.lpszW = (WCHAR *)L"Available";
    vals[n].ulPropTag = PR_STORE_RECORD_KEY;
    vals[n].Value.bin.cb = sizeof(s->record_key);
    vals[n++].Value.bin.lpb = s->record_key;
    return n;
}

void td_store_record_key(const GUID *guid, BYTE *key)
{
    memcpy(key, &td_provider_uid, sizeof(MAPIUID));
    memcpy(key + sizeof(MAPIUID), guid, sizeof(GUID));
}

ULONG td_store_section_props(const GUID *guid, const ENTRYID *wrapped, ULONG cb_wrapped,
                             const WCHAR *display_name, BYTE *record_key, SPropValue *v)
{
    td_store_record_key(guid, record_key);
    v[0].ulPropTag = PR_DISPLAY_NAME_W;
    v[0].Value.lpszW = (WCHAR *)display_name;
    v[1].ulPropTag = PR_PROVIDER_DISPLAY_W;
    v[1].Value.lpszW = (WCHAR *)TD_STORE_PROVIDER_DISPLAY;
    v[2].ulPropTag = PR_RECORD_KEY;
    v[2].Value.bin.cb = TD_RECORD_KEY_SIZE;
    v[2].Value.bin.lpb = record_key;
    v[3].ulPropTag = PR_ENTRYID;
    v[3].Value.bin.cb = cb_wrapped;
    v[3].Value.bin.lpb = (BYTE *)wrapped;
    v[4].ulPropTag = PR_MDB_PROVIDER;
    v[4].Value.bin.cb = sizeof(MAPIUID);
    v[4].Value.bin.lpb = (BYTE *)&td_provider_uid;
    return TD_STORE_SECTION_PROPS;
}

/* Our own wrapped store ID stands for the unwrapped one (clients only see wrapped IDs). */
static void unwrap_own(td_store *s, ULONG *cb, const ENTRYID **eid)
{
    if (*eid && *cb == s->cb_wrapped && !memcmp(*eid, s->wrapped, *cb))
    {
        *cb = s->cb_eid;
        *eid = s->eid;
    }
}

HRESULT td_store_compare_entryids(td_store *s, ULONG cb1, const ENTRYID *e1, ULONG cb2,
                                  const ENTRYID *e2, ULONG flags, ULONG *result)
{
    BOOL same;

    if (!result) return MAPI_E_INVALID_PARAMETER;
    if (flags) return MAPI_E_UNKNOWN_FLAGS;
    unwrap_own(s, &cb1, &e1);
    unwrap_own(s, &cb2, &e2);
    if (FAILED(td_eid_compare(cb1, e1, cb2, e2, &same)))
        return MAPI_E_UNKNOWN_ENTRYID;   /* imsgstore-compareentryids.md */
    *result = same;
    return S_OK;
}

HRESULT td_store_resolve_eid(td_store *s, ULONG cb, const ENTRYID *eid, td_eid *out)
{
    HRESULT hr;

    unwrap_own(s, &cb, &eid);
    if (FAILED(hr = td_eid_decode(cb, eid, out))) return hr;
    if (!IsEqualGUID(&out->store_guid, &s->guid))
    {
        td_eid_clear(out);
        return MAPI_E_NOT_FOUND;
    }
    return S_OK;
}

HRESULT td_store_advise(td_store *s, ULONG cb, const ENTRYID *eid, ULONG mask,
                        IMAPIAdviseSink *sink, ULONG *connection)
{
    if (!sink || !connection) return MAPI_E_INVALID_PARAMETER;
    /* Stores that do not notify still implement Advise with MAPI_E_NO_SUPPORT
     * (imsgstore-advise.md); notifications are a later issue. */
    MC_FIXME("Advise %#lx: store notifications come with the notification issue", (unsigned long)mask);
    return MAPI_E_NO_SUPPORT;
}

HRESULT td_store_unadvise(td_store *s, ULONG connection)
{
    MC_FIXME("Unadvise %lu", (unsigned long)connection);
    return MAPI_E_NO_SUPPORT;
}
