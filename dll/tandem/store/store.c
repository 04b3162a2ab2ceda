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
    if (FAILED(hr = td_store_provision(s))) goto fail;
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
    td_store_tables_free(s);
    {
        ULONG r;
        for (r = 0; r < TD_ROLE_COUNT; r++) mc_free(s->special_eid[r]);
    }
    mc_free(s->eid);
    mc_free(s->wrapped);
    if (s->db) td_db_release(s->db);
    if (s->provider) s->provider->lpVtbl->Release(s->provider);
    DeleteCriticalSection(&s->lock);
    mc_free(s);
}

ULONG td_store_support_mask(const td_store *s)
{
    /* Exactly what is honoured: IDs are never reused (objects.id is AUTOINCREMENT), strings
     * in Unicode and ANSI, attachments, MV properties, RTF and HTML bodies kept as written,
     * tables restrict and sort (mc_table), sending (SUBMIT_OK: submit.c, issue 6). Not set:
     * NOTIFY_OK (issue 4), SEARCH_OK (no search folders), OLE_OK, CATEGORIZE_OK. A store
     * without MDB_WRITE never reports MODIFY_OK/CREATE_OK (imapisession-openmsgstore.md). */
    ULONG mask = STORE_ENTRYID_UNIQUE | STORE_UNICODE_OK | STORE_ANSI_OK | STORE_ATTACH_OK |
                 STORE_MV_PROPS_OK | STORE_RTF_OK | STORE_HTML_OK | STORE_UNCOMPRESSED_RTF |
                 STORE_RESTRICTION_OK | STORE_SORT_OK | STORE_SUBMIT_OK;
    if (s->writable) mask |= STORE_MODIFY_OK | STORE_CREATE_OK;
    else mask |= STORE_READONLY;
    return mask;
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
    {
        static const struct { ULONG tag, role, bit; } ipm[] =
        {
            { PR_IPM_SUBTREE_ENTRYID,     TD_ROLE_IPM_SUBTREE, FOLDER_IPM_SUBTREE_VALID },
            { PR_IPM_OUTBOX_ENTRYID,      TD_ROLE_OUTBOX,      FOLDER_IPM_OUTBOX_VALID },
            { PR_IPM_SENTMAIL_ENTRYID,    TD_ROLE_SENTMAIL,    FOLDER_IPM_SENTMAIL_VALID },
            { PR_IPM_WASTEBASKET_ENTRYID, TD_ROLE_WASTEBASKET, FOLDER_IPM_WASTEBASKET_VALID },
        };
        ULONG i, valid = FOLDER_IPM_INBOX_VALID;   /* the Inbox is the IPM receive folder */
        for (i = 0; i < ARRAYSIZE(ipm); i++)
        {
            if (!s->special_eid[ipm[i].role]) continue;
            vals[n].ulPropTag = ipm[i].tag;
            vals[n].Value.bin.cb = s->cb_special_eid[ipm[i].role];
            vals[n++].Value.bin.lpb = (BYTE *)s->special_eid[ipm[i].role];
            valid |= ipm[i].bit;
        }
        vals[n].ulPropTag = PR_VALID_FOLDER_MASK;
        vals[n++].Value.l = (LONG)valid;
    }
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

/* Advise goes through MAPI's engine (IMAPISupport::Subscribe, spi-digest §4.10); a support
 * object without it (MAPI_E_NO_SUPPORT) makes Advise answer MAPI_E_NO_SUPPORT. The events
 * themselves come with issue 4. */
HRESULT td_store_advise(td_store *s, ULONG cb, const ENTRYID *eid, ULONG mask,
                        IMAPIAdviseSink *sink, ULONG *connection)
{
    IMAPISupport *sup;
    NOTIFKEY *key = NULL;
    const ENTRYID *k = eid ? eid : s->wrapped;
    ULONG kcb = eid ? cb : s->cb_wrapped;
    ULONG_PTR conn = 0;
    HRESULT hr;

    if (!sink || !connection || (eid && !cb)) return MAPI_E_INVALID_PARAMETER;
    if (eid)
    {
        td_eid dec;
        memset(&dec, 0, sizeof(dec));
        if (FAILED(hr = td_store_resolve_eid(s, cb, eid, &dec))) return hr;
        td_eid_clear(&dec);
    }
    EnterCriticalSection(&s->lock);
    if ((sup = s->sup)) sup->lpVtbl->AddRef(sup);
    LeaveCriticalSection(&s->lock);
    if (!sup) return MAPI_E_NO_SUPPORT;
    if (!(key = mc_malloc(sizeof(NOTIFKEY) + kcb))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    key->cb = kcb;
    memcpy(key->ab, k, kcb);
    hr = sup->lpVtbl->Subscribe(sup, key, mask, 0, sink, (void *)&conn);
    if (SUCCEEDED(hr)) *connection = (ULONG)conn;   /* DECISIONS 1: the low 32 bits */
    else if (hr == MAPI_E_NO_SUPPORT) MC_FIXME("Advise %#lx: the support object has no Subscribe", (unsigned long)mask);
done:
    mc_free(key);
    sup->lpVtbl->Release(sup);
    return hr;
}

HRESULT td_store_unadvise(td_store *s, ULONG connection)
{
    IMAPISupport *sup;
    HRESULT hr;

    if (!connection) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&s->lock);
    if ((sup = s->sup)) sup->lpVtbl->AddRef(sup);
    LeaveCriticalSection(&s->lock);
    if (!sup) return MAPI_E_NO_SUPPORT;
    hr = sup->lpVtbl->Unsubscribe(sup, connection);
    sup->lpVtbl->Release(sup);
    return hr;
}

/* fnevObjectCreated / Modified / Deleted / Moved / Copied about a folder or message
 * (objectnotification.md, spi-digest §4.10): one OBJECT_NOTIFICATION with long-term entry IDs,
 * the old ones only for a move or copy, sent through MAPI's engine to the store's advisees (NULL
 * entry ID in Advise) and to those advised on the object's own entry ID (and, for a move or
 * copy, on the original's). Asynchronous: Notify copies the structures. */
void td_store_notify_object(td_store *s, ULONG event, BYTE kind, ULONGLONG id, ULONGLONG parent,
                            ULONGLONG old_id, ULONGLONG old_parent)
{
    ENTRYID *eid = NULL, *peid = NULL, *oeid = NULL, *opeid = NULL;
    ULONG cb = 0, pcb = 0, ocb = 0, opcb = 0, flags, i;
    const ENTRYID *key_eid[3];
    ULONG key_cb[3];
    IMAPISupport *sup;
    NOTIFICATION n;
    NOTIFKEY *key;

    EnterCriticalSection(&s->lock);
    if ((sup = s->sup)) sup->lpVtbl->AddRef(sup);
    LeaveCriticalSection(&s->lock);
    if (!sup) return;
    if (FAILED(td_store_object_eid(s, kind, id, &cb, &eid))) goto done;
    if (parent) td_store_object_eid(s, TD_EID_FOLDER, parent, &pcb, &peid);
    if (old_id) td_store_object_eid(s, kind, old_id, &ocb, &oeid);
    if (old_parent) td_store_object_eid(s, TD_EID_FOLDER, old_parent, &opcb, &opeid);
    memset(&n, 0, sizeof(n));
    n.ulEventType = event;
    n.info.obj.cbEntryID = cb;
    n.info.obj.lpEntryID = eid;
    n.info.obj.ulObjType = kind == TD_EID_FOLDER ? MAPI_FOLDER : MAPI_MESSAGE;
    n.info.obj.cbParentID = pcb;
    n.info.obj.lpParentID = peid;
    n.info.obj.cbOldID = ocb;
    n.info.obj.lpOldID = oeid;
    n.info.obj.cbOldParentID = opcb;
    n.info.obj.lpOldParentID = opeid;
    key_eid[0] = s->wrapped; key_cb[0] = s->cb_wrapped;
    key_eid[1] = eid;        key_cb[1] = cb;
    key_eid[2] = oeid;       key_cb[2] = (oeid && (ocb != cb || memcmp(oeid, eid, cb))) ? ocb : 0;
    for (i = 0; i < 3; i++)
    {
        if (!key_cb[i] || !(key = mc_malloc(sizeof(NOTIFKEY) + key_cb[i]))) continue;
        key->cb = key_cb[i];
        memcpy(key->ab, key_eid[i], key_cb[i]);
        flags = 0;
        sup->lpVtbl->Notify(sup, key, 1, &n, &flags);
        mc_free(key);
    }
done:
    mc_free(eid);
    mc_free(peid);
    mc_free(oeid);
    mc_free(opeid);
    sup->lpVtbl->Release(sup);
}

/* Not AddRef'd here: the client store object holds the support object (one AddRef per
 * Logon, fact 5) and clears this pointer before it releases it. */
void td_store_set_support(td_store *s, IMAPISupport *sup)
{
    EnterCriticalSection(&s->lock);
    s->sup = sup;
    LeaveCriticalSection(&s->lock);
}

/* ---- provisioning and receive folders ------------------------------------------------------ */

/* The standard folders of a new store (spi-digest §4.4, mapi-special-folders.md). */
static const struct { ULONG role; ULONG parent_role; const WCHAR *name; } standard_folders[] =
{
    { TD_ROLE_IPM_SUBTREE, TD_ROLE_ROOT,        L"IPM Subtree" },
    { TD_ROLE_SEARCH_ROOT, TD_ROLE_ROOT,        L"Search Root" },
    { TD_ROLE_INBOX,       TD_ROLE_IPM_SUBTREE, L"Inbox" },
    { TD_ROLE_OUTBOX,      TD_ROLE_IPM_SUBTREE, L"Outbox" },
    { TD_ROLE_SENTMAIL,    TD_ROLE_IPM_SUBTREE, L"Sent Items" },
    { TD_ROLE_WASTEBASKET, TD_ROLE_IPM_SUBTREE, L"Deleted Items" },
    { TD_ROLE_DRAFTS,      TD_ROLE_IPM_SUBTREE, L"Drafts" },
};

static HRESULT create_folder(td_store *s, ULONGLONG parent, const WCHAR *name, ULONGLONG *id)
{
    SPropValue v;
    HRESULT hr;

    if (FAILED(hr = td_db_object_create(s->db, parent, MAPI_FOLDER, parent ? FOLDER_GENERIC : FOLDER_ROOT, 0, id)))
        return hr;
    v.ulPropTag = PR_DISPLAY_NAME_W;
    v.Value.lpszW = (WCHAR *)name;
    return td_db_prop_set(s->db, *id, &v);
}

HRESULT td_store_provision(td_store *s)
{
    ULONG i, r;
    HRESULT hr;

    if (SUCCEEDED(td_db_special_get(s->db, TD_ROLE_ROOT, &s->special[TD_ROLE_ROOT])))
        goto load;
    /* one transaction: another process provisioning the same file waits and then finds it */
    if (FAILED(hr = td_db_begin(s->db))) return hr;
    if (SUCCEEDED(td_db_special_get(s->db, TD_ROLE_ROOT, &s->special[TD_ROLE_ROOT])))
    {
        td_db_commit(s->db);
        goto load;
    }
    hr = create_folder(s, 0, L"", &s->special[TD_ROLE_ROOT]);
    if (SUCCEEDED(hr)) hr = td_db_special_set(s->db, TD_ROLE_ROOT, s->special[TD_ROLE_ROOT]);
    for (i = 0; SUCCEEDED(hr) && i < ARRAYSIZE(standard_folders); i++)
    {
        ULONGLONG id = 0;
        hr = create_folder(s, s->special[standard_folders[i].parent_role], standard_folders[i].name, &id);
        if (SUCCEEDED(hr)) hr = td_db_special_set(s->db, standard_folders[i].role, id);
        s->special[standard_folders[i].role] = id;
    }
    if (SUCCEEDED(hr))
    {
        /* PR_IPM_DRAFTS_ENTRYID on the Inbox and the root, where Outlook-style clients look */
        ENTRYID *eid = NULL;
        ULONG cb = 0;
        SPropValue v;
        if (SUCCEEDED(hr = td_store_object_eid(s, TD_EID_FOLDER, s->special[TD_ROLE_DRAFTS], &cb, &eid)))
        {
            v.ulPropTag = PR_IPM_DRAFTS_ENTRYID;
            v.Value.bin.cb = cb;
            v.Value.bin.lpb = (BYTE *)eid;
            hr = td_db_prop_set(s->db, s->special[TD_ROLE_INBOX], &v);
            if (SUCCEEDED(hr)) hr = td_db_prop_set(s->db, s->special[TD_ROLE_ROOT], &v);
            mc_free(eid);
        }
    }
    /* receive folders MAPI expects (§2.6): IPM, reports and the default -> Inbox; IPC -> root */
    if (SUCCEEDED(hr)) hr = td_db_receive_set(s->db, L"", s->special[TD_ROLE_INBOX]);
    if (SUCCEEDED(hr)) hr = td_db_receive_set(s->db, L"IPM", s->special[TD_ROLE_INBOX]);
    if (SUCCEEDED(hr)) hr = td_db_receive_set(s->db, L"REPORT.IPM", s->special[TD_ROLE_INBOX]);
    if (SUCCEEDED(hr)) hr = td_db_receive_set(s->db, L"IPC", s->special[TD_ROLE_ROOT]);
    if (FAILED(hr))
    {
        td_db_rollback(s->db);
        return hr;
    }
    if (FAILED(hr = td_db_commit(s->db))) return hr;

load:
    for (r = TD_ROLE_ROOT; r < TD_ROLE_COUNT; r++)
    {
        if (r != TD_ROLE_ROOT && FAILED(td_db_special_get(s->db, r, &s->special[r]))) continue;
        if (!s->special_eid[r])
            td_store_object_eid(s, TD_EID_FOLDER, s->special[r], &s->cb_special_eid[r], &s->special_eid[r]);
    }
    return S_OK;
}

/* Does `cls` fall under the registered class `reg`? (case-insensitive, by dot-separated
 * prefix: "IPM" covers "IPM" and "IPM.Note.X"; "" covers everything) */
static BOOL class_covers(const WCHAR *reg, const WCHAR *cls)
{
    size_t n = wcslen(reg);
    if (!n) return TRUE;
    if (wcslen(cls) < n) return FALSE;
    if (CompareStringW(LOCALE_INVARIANT, NORM_IGNORECASE, reg, (int)n, cls, (int)n) != CSTR_EQUAL) return FALSE;
    return cls[n] == 0 || cls[n] == '.';
}

HRESULT td_store_receive_folder(td_store *s, const WCHAR *cls, ULONGLONG *folder, WCHAR **matched)
{
    WCHAR **classes = NULL;
    ULONGLONG *folders = NULL;
    ULONG n = 0, i, best = ~0u;
    HRESULT hr;

    *matched = NULL;
    if (FAILED(hr = td_db_receive_list(s->db, &n, &classes, &folders))) return hr;
    for (i = 0; i < n; i++)
        if (class_covers(classes[i], cls ? cls : L"") &&
            (best == ~0u || wcslen(classes[i]) > wcslen(classes[best])))
            best = i;
    if (best == ~0u)
    {
        /* the default always exists: the Inbox */
        *folder = s->special[TD_ROLE_INBOX];
        *matched = mc_wcsdup(L"");
    }
    else
    {
        *folder = folders[best];
        *matched = mc_wcsdup(classes[best]);
    }
    if (!*matched) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < n; i++) mc_free(classes[i]);
    mc_free(classes);
    mc_free(folders);
    return hr;
}
