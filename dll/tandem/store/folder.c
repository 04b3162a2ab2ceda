/*
 * folder.c - a folder (IMAPIFolder : IMAPIContainer : IMAPIProp), nontransacted: every change
 * is written to the database at once. Docs: imapifolderimapicontainer.md, imapifolder-*.md,
 * imapicontainer-*.md; spi-digest §4.6. Search folders are not supported (FOLDER_SEARCH and
 * Set/GetSearchCriteria answer MAPI_E_NO_SUPPORT; STORE_SEARCH_OK is not set).
 */
#include "store.h"

typedef struct folder
{
    IMAPIFolder IMAPIFolder_iface;
    LONG ref;
    td_store *s;                /* AddRef'd: the store the folder belongs to */
    ULONGLONG id;
    BOOL writable;
    mc_last_error err;
} folder;

static const IMAPIFolderVtbl folder_vtbl;

static inline folder *impl_from_IMAPIFolder(IMAPIFolder *iface)
{
    return CONTAINING_RECORD(iface, folder, IMAPIFolder_iface);
}

/* Our folder of the same store behind an interface pointer, or NULL. */
static folder *our_folder(td_store *s, void *unk)
{
    IMAPIFolder *f = unk;
    if (!f || f->lpVtbl != &folder_vtbl) return NULL;
    return impl_from_IMAPIFolder(f)->s == s ? impl_from_IMAPIFolder(f) : NULL;
}

static const SizedSPropTagArray(3, folder_objects) = {3, {PR_CONTAINER_CONTENTS,
    PR_FOLDER_ASSOCIATED_CONTENTS, PR_CONTAINER_HIERARCHY}};

void folder_computed(td_store *s, const td_obj_info *info, BOOL writable, td_vals *vals)
{
    ULONG count = 0, unread = 0, assoc = 0;
    ULONGLONG *ids = NULL;
    ULONG nsub = 0;

    /* the root's parent is itself (pidtagparententryid-canonical-property.md) */
    td_store_common_vals(s, vals, TD_EID_FOLDER, info->id, info->parent ? info->parent : info->id,
                         MAPI_FOLDER, writable);
    td_vals_long(vals, PR_FOLDER_TYPE, (LONG)(info->parent ? (info->flags ? info->flags : FOLDER_GENERIC) : FOLDER_ROOT));
    td_db_count_messages(s->db, info->id, MSGFLAG_ASSOCIATED, 0, &count, &unread);
    td_db_count_messages(s->db, info->id, MSGFLAG_ASSOCIATED, MSGFLAG_ASSOCIATED, &assoc, NULL);
    td_db_children(s->db, info->id, MAPI_FOLDER, 0, 0, &ids, &nsub);
    mc_free(ids);
    td_vals_long(vals, PR_CONTENT_COUNT, (LONG)count);
    td_vals_long(vals, PR_CONTENT_UNREAD, (LONG)unread);
    td_vals_long(vals, PR_ASSOC_CONTENT_COUNT, (LONG)assoc);
    td_vals_bool(vals, PR_SUBFOLDERS, nsub > 0);
    td_vals_time(vals, PR_CREATION_TIME, info->created);
    td_vals_time(vals, PR_LAST_MODIFICATION_TIME, info->modified);
}

static BOOL is_computed(ULONG tag)
{
    switch (PROP_ID(tag))
    {
    case PROP_ID(PR_ENTRYID): case PROP_ID(PR_PARENT_ENTRYID): case PROP_ID(PR_RECORD_KEY):
    case PROP_ID(PR_INSTANCE_KEY): case PROP_ID(PR_OBJECT_TYPE): case PROP_ID(PR_STORE_ENTRYID):
    case PROP_ID(PR_STORE_RECORD_KEY): case PROP_ID(PR_STORE_SUPPORT_MASK): case PROP_ID(PR_MDB_PROVIDER):
    case PROP_ID(PR_ACCESS): case PROP_ID(PR_ACCESS_LEVEL): case PROP_ID(PR_FOLDER_TYPE):
    case PROP_ID(PR_CONTENT_COUNT): case PROP_ID(PR_CONTENT_UNREAD): case PROP_ID(PR_ASSOC_CONTENT_COUNT):
    case PROP_ID(PR_SUBFOLDERS): case PROP_ID(PR_CREATION_TIME): case PROP_ID(PR_LAST_MODIFICATION_TIME):
    case PROP_ID(PR_CONTAINER_CONTENTS): case PROP_ID(PR_FOLDER_ASSOCIATED_CONTENTS):
    case PROP_ID(PR_CONTAINER_HIERARCHY):
        return TRUE;
    }
    return FALSE;
}

static SCODE check_set(ULONG tag, void *ctx)
{
    (void)ctx;
    return is_computed(tag) ? MAPI_E_COMPUTED : S_OK;
}

HRESULT folder_open(td_store *s, ULONGLONG id, BOOL writable, IMAPIFolder **out)
{
    folder *This;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPIFolder_iface.lpVtbl = (IMAPIFolderVtbl *)&folder_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    td_store_addref(s);
    This->s = s;
    This->id = id;
    This->writable = writable;
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IMAPIFolder_iface;
    return S_OK;
}

/* Report progress of item i (0-based, done) of n (imapiprogress-progress.md). */
static void progress(IMAPIProgress *p, ULONG i, ULONG n)
{
    ULONG max = 1000;
    if (!p || !n) return;
    if (FAILED(p->lpVtbl->GetMax(p, &max)) || !max) max = 1000;
    p->lpVtbl->Progress(p, (ULONG)((ULONGLONG)max * (i + 1) / n), i + 1, n);
}

/* The id of a message of this store given by entry ID (anywhere: CopyMessages checks parents). */
static HRESULT message_id(td_store *s, const SBinary *b, ULONGLONG *id, td_obj_info *info)
{
    td_eid dec;
    HRESULT hr;

    memset(&dec, 0, sizeof(dec));
    if (!b || !b->lpb) return MAPI_E_INVALID_ENTRYID;
    if (FAILED(hr = td_store_resolve_eid(s, b->cb, (const ENTRYID *)b->lpb, &dec))) return hr;
    if (dec.kind != TD_EID_MESSAGE) hr = MAPI_E_INVALID_ENTRYID;
    else if (SUCCEEDED(hr = td_db_object_get(s->db, dec.object_id, info)) && info->type != MAPI_MESSAGE)
        hr = MAPI_E_NOT_FOUND;
    *id = dec.object_id;
    td_eid_clear(&dec);
    return hr;
}

static HRESULT folder_id_from_eid(td_store *s, ULONG cb, const ENTRYID *eid, td_obj_info *info)
{
    td_eid dec;
    HRESULT hr;

    memset(&dec, 0, sizeof(dec));
    if (!eid) return MAPI_E_INVALID_ENTRYID;
    if (FAILED(hr = td_store_resolve_eid(s, cb, eid, &dec))) return hr;
    if (dec.kind != TD_EID_FOLDER) hr = MAPI_E_INVALID_ENTRYID;
    else if (SUCCEEDED(hr = td_db_object_get(s->db, dec.object_id, info)) && info->type != MAPI_FOLDER)
        hr = MAPI_E_NOT_FOUND;
    td_eid_clear(&dec);
    return hr;
}

/* Copy message `id` into folder `dest` inside the store: a new object with the same content,
 * a new entry ID (long-term-entry-identifiers.md). PR_MSG_STATUS is not copied. */
static HRESULT copy_message_local(td_store *s, ULONGLONG id, ULONGLONG dest, ULONGLONG *new_id)
{
    td_msgdata *m = NULL;
    td_obj_info info;
    HRESULT hr;

    if (FAILED(hr = td_db_object_get(s->db, id, &info))) return hr;
    if (FAILED(hr = td_msgdata_load(s->db, id, &m))) return hr;
    mc_propbag_delete(m->props, PR_MSG_STATUS);
    if (SUCCEEDED(hr = td_db_begin(s->db)))
    {
        if (SUCCEEDED(hr = td_db_object_create(s->db, dest, MAPI_MESSAGE, info.flags, 0, new_id)))
            hr = td_msgdata_save(s->db, *new_id, m, TRUE);
        if (FAILED(hr)) td_db_rollback(s->db);
        else hr = td_db_commit(s->db);
    }
    td_msgdata_free(m);
    return hr;
}

/* Copy a message to a folder of another store through the public interfaces. */
static HRESULT copy_message_foreign(td_store *s, ULONGLONG id, IMAPIFolder *dest)
{
    IMessage *src = NULL, *dst = NULL;
    HRESULT hr;

    if (FAILED(hr = message_open(s, id, FALSE, &src))) return hr;
    if (SUCCEEDED(hr = dest->lpVtbl->CreateMessage(dest, NULL, 0, &dst)))
    {
        hr = src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IMessage, dst, 0, NULL);
        if (SUCCEEDED(hr)) hr = dst->lpVtbl->SaveChanges(dst, 0);
        dst->lpVtbl->Release(dst);
    }
    src->lpVtbl->Release(src);
    return hr;
}

static BOOL is_special(td_store *s, ULONGLONG id)
{
    ULONG r;
    for (r = TD_ROLE_ROOT; r < TD_ROLE_COUNT; r++)
        if (s->special[r] == id) return TRUE;
    return FALSE;
}

/* The folders below `id` with their parents, depth first (mc_free both). */
static HRESULT subfolders(td_store *s, ULONGLONG id, ULONGLONG **ids, ULONGLONG **parents, ULONG *n, ULONG *cap,
                          ULONG level)
{
    ULONGLONG *kids = NULL;
    ULONG k = 0, i;
    HRESULT hr;

    if (level > 64) return S_OK;       /* deeper than any folder tree the store makes */
    if (FAILED(hr = td_db_children(s->db, id, MAPI_FOLDER, 0, 0, &kids, &k))) return hr;
    for (i = 0; i < k && SUCCEEDED(hr); i++)
    {
        if (*n == *cap)
        {
            ULONG ncap = *cap ? *cap * 2 : 16;
            ULONGLONG *a = mc_realloc(*ids, ncap * sizeof(**ids)), *b;
            if (a) *ids = a;
            b = a ? mc_realloc(*parents, ncap * sizeof(**parents)) : NULL;
            if (!b) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            *parents = b;
            *cap = ncap;
        }
        (*ids)[*n] = kids[i];
        (*parents)[(*n)++] = id;
        hr = subfolders(s, kids[i], ids, parents, n, cap, level + 1);
    }
    mc_free(kids);
    return hr;
}

/* Delete folder `id` (a child of `parent`) with everything below it, and announce it and each
 * folder below it as deleted (handling-message-store-notification.md: the store and the deleted
 * folder hear fnevObjectDeleted; a subfolder is a deleted folder too, and tables that show it -
 * CONVENIENT_DEPTH hierarchy tables - drop its row). */
static HRESULT delete_folder_tree(td_store *s, ULONGLONG parent, ULONGLONG id)
{
    ULONGLONG *ids = NULL, *parents = NULL;
    ULONG n = 0, cap = 0, i;
    HRESULT hr = subfolders(s, id, &ids, &parents, &n, &cap, 0);

    if (SUCCEEDED(hr) && SUCCEEDED(hr = td_db_object_delete(s->db, id)))
    {
        td_store_announce(s, fnevObjectDeleted, MAPI_FOLDER, parent, id, 0, 0);
        for (i = 0; i < n; i++) td_store_announce(s, fnevObjectDeleted, MAPI_FOLDER, parents[i], ids[i], 0, 0);
    }
    mc_free(ids);
    mc_free(parents);
    return hr;
}

/* Delete everything in folder `id` (messages: all or only normal/associated; subfolders). */
static HRESULT empty(td_store *s, ULONGLONG id, BOOL assoc_too, BOOL folders, IMAPIProgress *prog)
{
    ULONGLONG *ids = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    if (FAILED(hr = td_db_children(s->db, id, MAPI_MESSAGE, assoc_too ? 0 : MSGFLAG_ASSOCIATED, 0, &ids, &n)))
        return hr;
    for (i = 0; i < n && SUCCEEDED(hr); i++)
    {
        if (SUCCEEDED(hr = td_db_object_delete(s->db, ids[i])))
            td_store_announce(s, fnevObjectDeleted, MAPI_MESSAGE, id, ids[i], 0, 0);
        progress(prog, i, n);
    }
    mc_free(ids);
    if (FAILED(hr) || !folders) return hr;
    if (FAILED(hr = td_db_children(s->db, id, MAPI_FOLDER, 0, 0, &ids, &n))) return hr;
    for (i = 0; i < n && SUCCEEDED(hr); i++)
    {
        if (is_special(s, ids[i])) continue;   /* the standard folders stay */
        hr = delete_folder_tree(s, id, ids[i]);
    }
    mc_free(ids);
    return hr;
}

/* Copy folder `src` (properties, messages, optionally subfolders) as a new child of `dest`. */
static HRESULT copy_folder_local(td_store *s, ULONGLONG src, ULONGLONG dest, const WCHAR *name,
                                 BOOL subfolders)
{
    mc_propbag *bag = mc_propbag_new();
    ULONGLONG *ids = NULL, new_id = 0, copy;
    td_obj_info info;
    ULONG n = 0, i;
    HRESULT hr;

    if (!bag) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_object_get(s->db, src, &info)) || FAILED(hr = td_db_props_load(s->db, src, bag)))
        goto done;
    if (name)
    {
        SPropValue v;
        v.ulPropTag = PR_DISPLAY_NAME_W;
        v.Value.lpszW = (WCHAR *)name;
        mc_propbag_set(bag, &v);
    }
    if (FAILED(hr = td_db_begin(s->db))) goto done;
    if (SUCCEEDED(hr = td_db_object_create(s->db, dest, MAPI_FOLDER, info.flags, 0, &new_id)))
        hr = td_db_props_replace(s->db, new_id, bag);
    if (FAILED(hr)) { td_db_rollback(s->db); goto done; }
    if (FAILED(hr = td_db_commit(s->db))) goto done;
    td_store_announce(s, fnevObjectCopied, MAPI_FOLDER, dest, new_id, info.parent, src);
    if (FAILED(hr = td_db_children(s->db, src, MAPI_MESSAGE, 0, 0, &ids, &n))) goto done;
    for (i = 0; i < n && SUCCEEDED(hr); i++) hr = copy_message_local(s, ids[i], new_id, &copy);
    mc_free(ids);
    ids = NULL;
    if (FAILED(hr) || !subfolders) goto done;
    if (FAILED(hr = td_db_children(s->db, src, MAPI_FOLDER, 0, 0, &ids, &n))) goto done;
    for (i = 0; i < n && SUCCEEDED(hr); i++)
        if (ids[i] != new_id) hr = copy_folder_local(s, ids[i], new_id, NULL, TRUE);
done:
    mc_free(ids);
    mc_propbag_free(bag);
    return hr;
}

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE folder_QueryInterface(IMAPIFolder *iface, REFIID riid, void **out)
{
    MC_TRACE("folder", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPIProp) ||
        IsEqualGUID(riid, &IID_IMAPIContainer) || IsEqualGUID(riid, &IID_IMAPIFolder))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE folder_AddRef(IMAPIFolder *iface)
{
    return InterlockedIncrement(&impl_from_IMAPIFolder(iface)->ref);
}

static ULONG STDMETHODCALLTYPE folder_Release(IMAPIFolder *iface)
{
    folder *This = impl_from_IMAPIFolder(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    MC_TRACE("folder", "%p -> %lu", iface, (unsigned long)ref);
    if (ref) return ref;
    td_store_release(This->s);
    mc_last_error_destroy(&This->err);
    mc_free(This);
    mc_object_destroyed();
    return 0;
}

/* ---- IMAPIProp --------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE folder_GetLastError(IMAPIFolder *iface, HRESULT hResult,
        ULONG ulFlags, LPMAPIERROR *lppMAPIError)
{
    folder *This = impl_from_IMAPIFolder(iface);

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)hResult);
    if (!lppMAPIError) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_last_error_get(&This->err, &This->s->alloc, TD_COMPONENT, hResult, ulFlags, lppMAPIError);
}

static HRESULT STDMETHODCALLTYPE folder_SaveChanges(IMAPIFolder *iface, ULONG ulFlags)
{
    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    return S_OK;   /* nontransacted */
}

static HRESULT STDMETHODCALLTYPE folder_GetProps(IMAPIFolder *iface, LPSPropTagArray lpPropTagArray,
        ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag = NULL;
    td_obj_info info;
    td_vals vals;
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    vals.n = vals.n_owned = 0;
    if (!lpcValues || !lppPropArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (!(bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_object_get(This->s->db, This->id, &info))) { hr = MAPI_E_OBJECT_DELETED; goto done; }
    if (FAILED(hr = td_db_props_load(This->s->db, This->id, bag))) goto done;
    folder_computed(This->s, &info, This->writable, &vals);
    hr = td_getprops(This->s, bag, &vals, lpPropTagArray, ulFlags, lpcValues, lppPropArray);
done:
    td_vals_clear(&vals);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_GetPropList(IMAPIFolder *iface, ULONG ulFlags,
        LPSPropTagArray *lppPropTagArray)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag = NULL;
    td_obj_info info;
    td_vals vals;
    HRESULT hr;

    MC_TRACE("folder", "%p", iface);
    vals.n = vals.n_owned = 0;
    if (!lppPropTagArray) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    if (!(bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_object_get(This->s->db, This->id, &info))) { hr = MAPI_E_OBJECT_DELETED; goto done; }
    if (FAILED(hr = td_db_props_load(This->s->db, This->id, bag))) goto done;
    folder_computed(This->s, &info, This->writable, &vals);
    hr = mc_getproplist(&This->s->alloc, bag, vals.v, vals.n, (SPropTagArray *)&folder_objects, ulFlags,
                        NULL, lppPropTagArray);
done:
    td_vals_clear(&vals);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT folder_commit_stream(IUnknown *owner, ULONG tag, const BYTE *data, ULONG cb)
{
    folder *This = impl_from_IMAPIFolder((IMAPIFolder *)owner);
    mc_propbag *bag = mc_propbag_new();
    HRESULT hr;

    if (!bag) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr = td_bag_set_bytes(bag, tag, data, cb)))
        hr = td_db_prop_set(This->s->db, This->id, mc_propbag_get(bag, tag));
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_OpenProperty(IMAPIFolder *iface, ULONG ulPropTag,
        LPCIID lpiid, ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag = NULL;
    const SPropValue *v;
    const BYTE *data = NULL;
    ULONG cb = 0, type = PROP_TYPE(ulPropTag);
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulPropTag);
    if (!lpiid || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    if (type == PT_UNSPECIFIED) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_CREATE | MAPI_MODIFY | MAPI_DEFERRED_ERRORS | MAPI_ASSOCIATED | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    switch (ulPropTag)
    {
    case PR_CONTAINER_CONTENTS:
    case PR_FOLDER_ASSOCIATED_CONTENTS:
    case PR_CONTAINER_HIERARCHY:
        if (!IsEqualGUID(lpiid, &IID_IMAPITable)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
        /* ulInterfaceOptions holds the table's flags: MAPI_UNICODE */
        return td_table_strings(This->s, ulInterfaceOptions, td_store_folder_table(This->s, This->id,
                                ulPropTag == PR_CONTAINER_HIERARCHY ? TD_TABLE_HIERARCHY :
                                ulPropTag == PR_CONTAINER_CONTENTS ? TD_TABLE_CONTENTS : TD_TABLE_ASSOC,
                                (IMAPITable **)lppUnk), (IMAPITable **)lppUnk);
    }
    if (!IsEqualGUID(lpiid, &IID_IStream)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (type != PT_BINARY && type != PT_STRING8 && type != PT_UNICODE) return MAPI_E_NO_SUPPORT;
    if ((ulFlags & (MAPI_CREATE | MAPI_MODIFY)) && !This->writable) return MAPI_E_NO_ACCESS;
    if (!(bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_props_load(This->s->db, This->id, bag))) goto done;
    v = mc_propbag_get(bag, ulPropTag);
    if (!v && !(ulFlags & MAPI_CREATE)) { hr = MAPI_E_NOT_FOUND; goto done; }
    if (v && !(ulFlags & MAPI_CREATE)) td_value_bytes(v, &data, &cb);
    hr = stream_create(This->s->db, (IUnknown *)iface, folder_commit_stream, ulPropTag, data, cb,
                       (ulFlags & (MAPI_CREATE | MAPI_MODIFY)) != 0, (IStream **)lppUnk);
done:
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_SetProps(IMAPIFolder *iface, ULONG cValues,
        LPSPropValue lpPropArray, LPSPropProblemArray *lppProblems)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag = NULL;
    HRESULT hr;

    MC_TRACE("folder", "%p %lu", iface, (unsigned long)cValues);
    if (lppProblems) *lppProblems = NULL;
    if (!lpPropArray) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    if (!(bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_begin(This->s->db))) goto done;
    if (SUCCEEDED(hr = td_db_props_load(This->s->db, This->id, bag)) &&
        SUCCEEDED(hr = mc_setprops(&This->s->alloc, bag, cValues, lpPropArray, check_set, This, lppProblems)) &&
        SUCCEEDED(hr = td_db_props_replace(This->s->db, This->id, bag)))
    {
        td_obj_info info;
        if (SUCCEEDED(td_db_object_get(This->s->db, This->id, &info)))
            hr = td_db_object_touch(This->s->db, This->id, info.flags, NULL);
    }
    if (FAILED(hr))
    {
        td_db_rollback(This->s->db);
        if (lppProblems && *lppProblems) { This->s->alloc.free_buffer(*lppProblems); *lppProblems = NULL; }
    }
    else if (SUCCEEDED(hr = td_db_commit(This->s->db)))
    {
        td_obj_info info;
        if (SUCCEEDED(td_db_object_get(This->s->db, This->id, &info)))
            td_store_tables_folder(This->s, info.parent, This->id);
    }
done:
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_DeleteProps(IMAPIFolder *iface,
        LPSPropTagArray lpPropTagArray, LPSPropProblemArray *lppProblems)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag = NULL;
    HRESULT hr;

    MC_TRACE("folder", "%p", iface);
    if (lppProblems) *lppProblems = NULL;
    if (!lpPropTagArray) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    if (!(bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_begin(This->s->db))) goto done;
    if (SUCCEEDED(hr = td_db_props_load(This->s->db, This->id, bag)) &&
        SUCCEEDED(hr = mc_deleteprops(&This->s->alloc, bag, lpPropTagArray, check_set, This, lppProblems)))
        hr = td_db_props_replace(This->s->db, This->id, bag);
    if (FAILED(hr)) td_db_rollback(This->s->db);
    else hr = td_db_commit(This->s->db);
done:
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_CopyTo(IMAPIFolder *iface, ULONG ciidExclude,
        LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps, ULONG ulUIParam,
        LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
        LPSPropProblemArray *lppProblems)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag = NULL;
    IMAPIProp *dest = NULL;
    SizedSPropTagArray(1, name) = {1, {PR_DISPLAY_NAME_W}};
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (lppProblems) *lppProblems = NULL;
    if (!lpDestObj || (ciidExclude && !rgiidExclude)) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (td_iid_excluded(ciidExclude, rgiidExclude, &IID_IMAPIProp)) return S_OK;
    if (FAILED(hr = td_dest_prop(lpInterface, lpDestObj, &dest))) return hr;
    if ((IUnknown *)dest == (IUnknown *)iface) { hr = MAPI_E_NO_ACCESS; goto done; }   /* imapiprop-copyto.md */
    if (!(bag = mc_propbag_new())) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (FAILED(hr = td_db_props_load(This->s->db, This->id, bag))) goto done;
    /* Folder CopyTo copies the folder's own properties (not its contents or subfolders: use
     * CopyFolder for those); a copy into a sibling must not clash names, so the name is kept
     * only when the caller did not exclude it. */
    (void)name;
    hr = td_copy_bag(This->s, bag, lpExcludeProps, NULL, dest, ulFlags, lppProblems);
done:
    if (dest) dest->lpVtbl->Release(dest);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_CopyProps(IMAPIFolder *iface,
        LPSPropTagArray lpIncludeProps, ULONG ulUIParam, LPMAPIPROGRESS lpProgress,
        LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag = NULL;
    IMAPIProp *dest = NULL;
    HRESULT hr;

    MC_TRACE("folder", "%p", iface);
    if (lppProblems) *lppProblems = NULL;
    if (!lpDestObj || !lpIncludeProps) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (FAILED(hr = td_dest_prop(lpInterface, lpDestObj, &dest))) return hr;
    if (!(bag = mc_propbag_new())) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (FAILED(hr = td_db_props_load(This->s->db, This->id, bag))) goto done;
    hr = td_copy_bag(This->s, bag, NULL, lpIncludeProps, dest, ulFlags, lppProblems);
    if (SUCCEEDED(hr) && (ulFlags & MAPI_MOVE) && This->writable)
        folder_DeleteProps(iface, lpIncludeProps, NULL);
done:
    if (dest) dest->lpVtbl->Release(dest);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_GetNamesFromIDs(IMAPIFolder *iface,
        LPSPropTagArray *lppPropTags, LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames,
        LPMAPINAMEID **lpppPropNames)
{
    folder *This = impl_from_IMAPIFolder(iface);
    MC_TRACE("folder", "%p", iface);
    return td_store_get_names_from_ids(This->s, lppPropTags, lpPropSetGuid, ulFlags, lpcPropNames, lpppPropNames);
}

static HRESULT STDMETHODCALLTYPE folder_GetIDsFromNames(IMAPIFolder *iface, ULONG cPropNames,
        LPMAPINAMEID *lppPropNames, ULONG ulFlags, LPSPropTagArray *lppPropTags)
{
    folder *This = impl_from_IMAPIFolder(iface);
    MC_TRACE("folder", "%p %lu", iface, (unsigned long)cPropNames);
    return td_store_get_ids_from_names(This->s, cPropNames, lppPropNames, ulFlags, lppPropTags);
}

/* ---- IMAPIContainer ---------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE folder_GetContentsTable(IMAPIFolder *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    folder *This = impl_from_IMAPIFolder(iface);

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lppTable) return MAPI_E_INVALID_PARAMETER;
    *lppTable = NULL;
    if (ulFlags & ~(ULONG)(MAPI_ASSOCIATED | MAPI_DEFERRED_ERRORS | MAPI_UNICODE | SHOW_SOFT_DELETES))
        return MAPI_E_UNKNOWN_FLAGS;
    if (ulFlags & SHOW_SOFT_DELETES) return MAPI_E_NO_SUPPORT;   /* no soft deletion */
    return td_table_strings(This->s, ulFlags, td_store_folder_table(This->s, This->id, (ulFlags & MAPI_ASSOCIATED) ?
                            TD_TABLE_ASSOC : TD_TABLE_CONTENTS, lppTable), lppTable);
}

static HRESULT STDMETHODCALLTYPE folder_GetHierarchyTable(IMAPIFolder *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    folder *This = impl_from_IMAPIFolder(iface);

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lppTable) return MAPI_E_INVALID_PARAMETER;
    *lppTable = NULL;
    if (ulFlags & ~(ULONG)(CONVENIENT_DEPTH | MAPI_DEFERRED_ERRORS | MAPI_UNICODE | SHOW_SOFT_DELETES))
        return MAPI_E_UNKNOWN_FLAGS;
    if (ulFlags & SHOW_SOFT_DELETES) return MAPI_E_NO_SUPPORT;
    return td_table_strings(This->s, ulFlags, td_store_folder_table(This->s, This->id, (ulFlags & CONVENIENT_DEPTH) ?
                            TD_TABLE_HIERARCHY_DEEP : TD_TABLE_HIERARCHY, lppTable), lppTable);
}

static HRESULT STDMETHODCALLTYPE folder_OpenEntry(IMAPIFolder *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, LPCIID lpInterface, ULONG ulFlags, ULONG *lpulObjType,
        LPUNKNOWN *lppUnk)
{
    folder *This = impl_from_IMAPIFolder(iface);
    ENTRYID *own = NULL;
    HRESULT hr;

    MC_TRACE("folder", "%p", iface);
    if (!lpEntryID)
    {
        /* NULL: the folder itself (imapicontainer-openentry.md) */
        ULONG cb = 0;
        if (FAILED(hr = td_store_object_eid(This->s, TD_EID_FOLDER, This->id, &cb, &own))) return hr;
        hr = td_store_open_entry(This->s, cb, own, lpInterface, ulFlags, lpulObjType, lppUnk);
        mc_free(own);
        return hr;
    }
    return td_store_open_entry(This->s, cbEntryID, lpEntryID, lpInterface, ulFlags, lpulObjType, lppUnk);
}

static HRESULT STDMETHODCALLTYPE folder_SetSearchCriteria(IMAPIFolder *iface,
        LPSRestriction lpRestriction, LPENTRYLIST lpContainerList, ULONG ulSearchFlags)
{
    MC_FIXME("%p SetSearchCriteria: no search folders", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE folder_GetSearchCriteria(IMAPIFolder *iface, ULONG ulFlags,
        LPSRestriction *lppRestriction, LPENTRYLIST *lppContainerList, ULONG *lpulSearchState)
{
    MC_FIXME("%p GetSearchCriteria: no search folders", iface);
    return MAPI_E_NO_SUPPORT;
}

/* ---- IMAPIFolder ------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE folder_CreateMessage(IMAPIFolder *iface, LPCIID lpInterface,
        ULONG ulFlags, LPMESSAGE *lppMessage)
{
    folder *This = impl_from_IMAPIFolder(iface);

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lppMessage) return MAPI_E_INVALID_PARAMETER;
    *lppMessage = NULL;
    if (ulFlags & ~(ULONG)(MAPI_ASSOCIATED | MAPI_DEFERRED_ERRORS)) return MAPI_E_UNKNOWN_FLAGS;
    if (lpInterface && !IsEqualGUID(lpInterface, &IID_IMessage) && !IsEqualGUID(lpInterface, &IID_IMAPIProp) &&
        !IsEqualGUID(lpInterface, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    return message_new(This->s, This->id, (ulFlags & MAPI_ASSOCIATED) != 0, lppMessage);
}

static HRESULT STDMETHODCALLTYPE folder_CopyMessages(IMAPIFolder *iface, LPENTRYLIST lpMsgList,
        LPCIID lpInterface, LPVOID lpDestFolder, ULONG ulUIParam, LPMAPIPROGRESS lpProgress,
        ULONG ulFlags)
{
    folder *This = impl_from_IMAPIFolder(iface), *dest;
    IMAPIFolder *foreign = NULL;
    ULONG i, done_ok = 0;
    HRESULT hr = S_OK;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpMsgList || !lpDestFolder || (lpMsgList->cValues && !lpMsgList->lpbin)) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MESSAGE_MOVE | MESSAGE_DIALOG | MAPI_DECLINE_OK)) return MAPI_E_UNKNOWN_FLAGS;
    if (lpInterface && !IsEqualGUID(lpInterface, &IID_IMAPIFolder) && !IsEqualGUID(lpInterface, &IID_IMAPIContainer)
        && !IsEqualGUID(lpInterface, &IID_IMAPIProp) && !IsEqualGUID(lpInterface, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (!This->writable && (ulFlags & MESSAGE_MOVE)) return MAPI_E_NO_ACCESS;
    dest = our_folder(This->s, lpDestFolder);
    if (!dest)
    {
        IUnknown *unk = lpDestFolder;
        if (FAILED(unk->lpVtbl->QueryInterface(unk, &IID_IMAPIFolder, (void **)&foreign)))
            return MAPI_E_INTERFACE_NOT_SUPPORTED;
    }
    else if (!dest->writable) return MAPI_E_NO_ACCESS;

    for (i = 0; i < lpMsgList->cValues; i++)
    {
        td_obj_info info;
        ULONGLONG id = 0, new_id = 0;
        HRESULT hr2 = message_id(This->s, &lpMsgList->lpbin[i], &id, &info);

        if (SUCCEEDED(hr2) && info.parent != This->id) hr2 = MAPI_E_NOT_FOUND;
        if (SUCCEEDED(hr2))
        {
            if (dest && (ulFlags & MESSAGE_MOVE))
            {
                /* a move inside the store keeps the entry ID */
                if (dest->id != This->id && SUCCEEDED(hr2 = td_db_object_move(This->s->db, id, dest->id)))
                    td_store_announce(This->s, fnevObjectMoved, MAPI_MESSAGE, dest->id, id, This->id, id);
            }
            else if (dest)
            {
                if (SUCCEEDED(hr2 = copy_message_local(This->s, id, dest->id, &new_id)))
                    td_store_announce(This->s, fnevObjectCopied, MAPI_MESSAGE, dest->id, new_id, This->id, id);
            }
            else if (SUCCEEDED(hr2 = copy_message_foreign(This->s, id, foreign)) && (ulFlags & MESSAGE_MOVE))
            {
                if (SUCCEEDED(td_db_object_delete(This->s->db, id)))
                    td_store_announce(This->s, fnevObjectDeleted, MAPI_MESSAGE, This->id, id, 0, 0);
            }
        }
        if (SUCCEEDED(hr2)) done_ok++;
        progress(lpProgress, i, lpMsgList->cValues);
    }
    if (done_ok < lpMsgList->cValues) hr = MAPI_W_PARTIAL_COMPLETION;
    if (foreign) foreign->lpVtbl->Release(foreign);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_DeleteMessages(IMAPIFolder *iface, LPENTRYLIST lpMsgList,
        ULONG ulUIParam, LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    folder *This = impl_from_IMAPIFolder(iface);
    ULONG i, done_ok = 0;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpMsgList || (lpMsgList->cValues && !lpMsgList->lpbin)) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MESSAGE_DIALOG | DELETE_HARD_DELETE)) return MAPI_E_UNKNOWN_FLAGS;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    for (i = 0; i < lpMsgList->cValues; i++)
    {
        td_obj_info info;
        ULONGLONG id = 0;
        HRESULT hr2 = message_id(This->s, &lpMsgList->lpbin[i], &id, &info);

        if (SUCCEEDED(hr2) && info.parent != This->id) hr2 = MAPI_E_NOT_FOUND;
        if (SUCCEEDED(hr2) && (info.flags & MSGFLAG_SUBMIT)) hr2 = MAPI_E_SUBMITTED;   /* §1.6 */
        /* "messages ... that are open with read/write permission ... cannot be deleted"
         * (imapifolder-deletemessages.md); known for this process's openers */
        if (SUCCEEDED(hr2) && td_db_writer_is_open(This->s->db, id)) hr2 = MAPI_E_NO_ACCESS;
        if (SUCCEEDED(hr2) && SUCCEEDED(hr2 = td_db_object_delete(This->s->db, id)))
            td_store_announce(This->s, fnevObjectDeleted, MAPI_MESSAGE, This->id, id, 0, 0);
        if (SUCCEEDED(hr2)) done_ok++;
        progress(lpProgress, i, lpMsgList->cValues);
    }
    return done_ok < lpMsgList->cValues ? MAPI_W_PARTIAL_COMPLETION : S_OK;
}

static HRESULT STDMETHODCALLTYPE folder_CreateFolder(IMAPIFolder *iface, ULONG ulFolderType,
        LPTSTR lpszFolderName, LPTSTR lpszFolderComment, LPCIID lpInterface, ULONG ulFlags,
        LPMAPIFOLDER *lppFolder)
{
    folder *This = impl_from_IMAPIFolder(iface);
    WCHAR *name = NULL, *comment = NULL;
    ULONGLONG id = 0;
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lppFolder || !lpszFolderName) return MAPI_E_INVALID_PARAMETER;
    *lppFolder = NULL;
    if (ulFlags & ~(ULONG)(OPEN_IF_EXISTS | MAPI_UNICODE | MAPI_DEFERRED_ERRORS)) return MAPI_E_UNKNOWN_FLAGS;
    if (ulFolderType == FOLDER_SEARCH)
    {
        MC_FIXME("%p CreateFolder(FOLDER_SEARCH): no search folders", iface);
        return MAPI_E_NO_SUPPORT;
    }
    if (ulFolderType != FOLDER_GENERIC) return MAPI_E_INVALID_PARAMETER;
    if (lpInterface && !IsEqualGUID(lpInterface, &IID_IMAPIFolder) && !IsEqualGUID(lpInterface, &IID_IMAPIContainer)
        && !IsEqualGUID(lpInterface, &IID_IMAPIProp) && !IsEqualGUID(lpInterface, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    name = (ulFlags & MAPI_UNICODE) ? mc_wcsdup((WCHAR *)lpszFolderName) : mc_a2w((char *)lpszFolderName);
    if (lpszFolderComment)
        comment = (ulFlags & MAPI_UNICODE) ? mc_wcsdup((WCHAR *)lpszFolderComment) : mc_a2w((char *)lpszFolderComment);
    if (!name || (lpszFolderComment && !comment)) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (!name[0]) { hr = MAPI_E_INVALID_PARAMETER; goto done; }

    if (FAILED(hr = td_db_begin(This->s->db))) goto done;
    hr = td_db_find_child_folder(This->s->db, This->id, name, &id);
    if (hr == S_OK)
    {
        td_db_rollback(This->s->db);
        if (!(ulFlags & OPEN_IF_EXISTS)) { hr = MAPI_E_COLLISION; goto done; }
        hr = folder_open(This->s, id, TRUE, lppFolder);
        goto done;
    }
    if (hr == MAPI_E_NOT_FOUND && SUCCEEDED(hr = td_db_object_create(This->s->db, This->id, MAPI_FOLDER,
                                                                    FOLDER_GENERIC, 0, &id)))
    {
        SPropValue v;
        v.ulPropTag = PR_DISPLAY_NAME_W;
        v.Value.lpszW = name;
        hr = td_db_prop_set(This->s->db, id, &v);
        if (SUCCEEDED(hr) && comment)
        {
            v.ulPropTag = PR_COMMENT_W;
            v.Value.lpszW = comment;
            hr = td_db_prop_set(This->s->db, id, &v);
        }
    }
    if (FAILED(hr)) { td_db_rollback(This->s->db); goto done; }
    if (FAILED(hr = td_db_commit(This->s->db))) goto done;
    td_store_announce(This->s, fnevObjectCreated, MAPI_FOLDER, This->id, id, 0, 0);
    hr = folder_open(This->s, id, TRUE, lppFolder);
done:
    mc_free(name);
    mc_free(comment);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_CopyFolder(IMAPIFolder *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, LPCIID lpInterface, LPVOID lpDestFolder, LPTSTR lpszNewFolderName,
        ULONG ulUIParam, LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    folder *This = impl_from_IMAPIFolder(iface), *dest;
    WCHAR *name = NULL, *old = NULL;
    td_obj_info info;
    ULONGLONG clash;
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpEntryID || !lpDestFolder) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(FOLDER_MOVE | FOLDER_DIALOG | MAPI_DECLINE_OK | COPY_SUBFOLDERS | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (FAILED(hr = folder_id_from_eid(This->s, cbEntryID, lpEntryID, &info))) return hr;
    if (info.parent != This->id) return MAPI_E_NOT_FOUND;
    if (!(dest = our_folder(This->s, lpDestFolder)))
    {
        MC_FIXME("%p CopyFolder to another store", iface);
        return MAPI_E_NO_SUPPORT;
    }
    if (!dest->writable || ((ulFlags & FOLDER_MOVE) && !This->writable)) return MAPI_E_NO_ACCESS;
    if ((ulFlags & FOLDER_MOVE) && is_special(This->s, info.id)) return MAPI_E_NO_ACCESS;
    if (td_db_is_ancestor(This->s->db, info.id, dest->id)) return MAPI_E_FOLDER_CYCLE;
    if (lpszNewFolderName)
        name = (ulFlags & MAPI_UNICODE) ? mc_wcsdup((WCHAR *)lpszNewFolderName) : mc_a2w((char *)lpszNewFolderName);
    else
    {
        mc_propbag *bag = mc_propbag_new();
        if (bag && SUCCEEDED(td_db_props_load(This->s->db, info.id, bag)))
            old = mc_propbag_get_wstr(bag, PROP_ID(PR_DISPLAY_NAME_W));
        mc_propbag_free(bag);
    }
    if (SUCCEEDED(td_db_find_child_folder(This->s->db, dest->id, name ? name : old ? old : L"", &clash)) &&
        clash != info.id)
    {
        hr = MAPI_E_COLLISION;
        goto done;
    }
    if (ulFlags & FOLDER_MOVE)
    {
        /* the entry ID survives the move */
        if (FAILED(hr = td_db_begin(This->s->db))) goto done;
        hr = td_db_object_move(This->s->db, info.id, dest->id);
        if (SUCCEEDED(hr) && name)
        {
            SPropValue v;
            v.ulPropTag = PR_DISPLAY_NAME_W;
            v.Value.lpszW = name;
            hr = td_db_prop_set(This->s->db, info.id, &v);
        }
        if (FAILED(hr)) td_db_rollback(This->s->db);
        else if (SUCCEEDED(hr = td_db_commit(This->s->db)))
            td_store_announce(This->s, fnevObjectMoved, MAPI_FOLDER, dest->id, info.id, This->id, info.id);
    }
    else hr = copy_folder_local(This->s, info.id, dest->id, name, (ulFlags & COPY_SUBFOLDERS) != 0);
    progress(lpProgress, 0, 1);
done:
    mc_free(name);
    mc_free(old);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_DeleteFolder(IMAPIFolder *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, ULONG ulUIParam, LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    folder *This = impl_from_IMAPIFolder(iface);
    ULONGLONG *ids = NULL;
    ULONG n = 0, msgs = 0, assoc = 0;
    td_obj_info info;
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpEntryID) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(DEL_MESSAGES | DEL_FOLDERS | FOLDER_DIALOG | DEL_ASSOCIATED | DELETE_HARD_DELETE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    if (FAILED(hr = folder_id_from_eid(This->s, cbEntryID, lpEntryID, &info))) return hr;
    if (info.parent != This->id) return MAPI_E_NOT_FOUND;
    if (is_special(This->s, info.id)) return MAPI_E_NO_ACCESS;
    if (FAILED(hr = td_db_children(This->s->db, info.id, MAPI_FOLDER, 0, 0, &ids, &n))) return hr;
    mc_free(ids);
    if (n && !(ulFlags & DEL_FOLDERS)) return MAPI_E_HAS_FOLDERS;
    td_db_count_messages(This->s->db, info.id, MSGFLAG_ASSOCIATED, 0, &msgs, NULL);
    td_db_count_messages(This->s->db, info.id, MSGFLAG_ASSOCIATED, MSGFLAG_ASSOCIATED, &assoc, NULL);
    if ((msgs || assoc) && !(ulFlags & DEL_MESSAGES)) return MAPI_E_HAS_MESSAGES;
    hr = delete_folder_tree(This->s, This->id, info.id);
    progress(lpProgress, 0, 1);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_SetReadFlags(IMAPIFolder *iface, LPENTRYLIST lpMsgList,
        ULONG ulUIParam, LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    folder *This = impl_from_IMAPIFolder(iface);
    ULONGLONG *ids = NULL;
    ULONG n = 0, i, done_ok = 0;
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(ULONG)(SUPPRESS_RECEIPT | CLEAR_READ_FLAG | MESSAGE_DIALOG | GENERATE_RECEIPT_ONLY |
                           CLEAR_RN_PENDING | CLEAR_NRN_PENDING))
        return MAPI_E_UNKNOWN_FLAGS;
    if ((ulFlags & SUPPRESS_RECEIPT) && (ulFlags & GENERATE_RECEIPT_ONLY)) return MAPI_E_INVALID_PARAMETER;
    if ((ulFlags & CLEAR_READ_FLAG) && (ulFlags & (SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY))) return MAPI_E_INVALID_PARAMETER;
    if (lpMsgList && lpMsgList->cValues && !lpMsgList->lpbin) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    if (!lpMsgList)
    {
        if (FAILED(hr = td_db_children(This->s->db, This->id, MAPI_MESSAGE, MSGFLAG_ASSOCIATED, 0, &ids, &n)))
            return hr;
    }
    else n = lpMsgList->cValues;
    for (i = 0; i < n; i++)
    {
        td_obj_info info;
        ULONGLONG id = ids ? ids[i] : 0;
        HRESULT hr2 = ids ? td_db_object_get(This->s->db, id, &info) : message_id(This->s, &lpMsgList->lpbin[i], &id, &info);

        if (SUCCEEDED(hr2) && info.parent != This->id) hr2 = MAPI_E_NOT_FOUND;
        if (SUCCEEDED(hr2) && !(ulFlags & GENERATE_RECEIPT_ONLY))
        {
            mc_propbag *bag = mc_propbag_new();
            SPropValue v;
            if (!bag) hr2 = MAPI_E_NOT_ENOUGH_MEMORY;
            else if (SUCCEEDED(hr2 = td_db_props_load(This->s->db, id, bag)))
            {
                v.ulPropTag = PR_MESSAGE_FLAGS;
                v.Value.l = mc_propbag_get_long(bag, PR_MESSAGE_FLAGS, 0);
                if (ulFlags & CLEAR_READ_FLAG) v.Value.l &= ~MSGFLAG_READ;
                else if (!(ulFlags & (CLEAR_RN_PENDING | CLEAR_NRN_PENDING))) v.Value.l |= MSGFLAG_READ;
                if (ulFlags & CLEAR_RN_PENDING) v.Value.l &= ~MSGFLAG_RN_PENDING;
                if (ulFlags & CLEAR_NRN_PENDING) v.Value.l &= ~MSGFLAG_NRN_PENDING;
                /* reading is not a modification: the version stays, open copies can still save */
                hr2 = td_db_prop_set(This->s->db, id, &v);
            }
            mc_propbag_free(bag);
            if (SUCCEEDED(hr2)) td_store_announce_read(This->s, This->id, id);
        }
        if (SUCCEEDED(hr2)) done_ok++;
        progress(lpProgress, i, n);
    }
    mc_free(ids);
    return done_ok < n ? MAPI_W_PARTIAL_COMPLETION : S_OK;
}

static HRESULT STDMETHODCALLTYPE folder_GetMessageStatus(IMAPIFolder *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, ULONG ulFlags, ULONG *lpulMessageStatus)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag;
    td_obj_info info;
    ULONGLONG id;
    SBinary b;
    HRESULT hr;

    MC_TRACE("folder", "%p", iface);
    if (!lpEntryID || !lpulMessageStatus) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags) return MAPI_E_UNKNOWN_FLAGS;
    b.cb = cbEntryID;
    b.lpb = (BYTE *)lpEntryID;
    if (FAILED(hr = message_id(This->s, &b, &id, &info))) return hr;
    if (info.parent != This->id) return MAPI_E_NOT_FOUND;
    if (!(bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr = td_db_props_load(This->s->db, id, bag)))
        *lpulMessageStatus = (ULONG)mc_propbag_get_long(bag, PR_MSG_STATUS, 0);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_SetMessageStatus(IMAPIFolder *iface, ULONG cbEntryID,
        LPENTRYID lpEntryID, ULONG ulNewStatus, ULONG ulNewStatusMask, ULONG *lpulOldStatus)
{
    folder *This = impl_from_IMAPIFolder(iface);
    mc_propbag *bag;
    td_obj_info info;
    ULONGLONG id;
    SBinary b;
    HRESULT hr;

    MC_TRACE("folder", "%p %#lx/%#lx", iface, (unsigned long)ulNewStatus, (unsigned long)ulNewStatusMask);
    if (!lpEntryID) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    b.cb = cbEntryID;
    b.lpb = (BYTE *)lpEntryID;
    if (FAILED(hr = message_id(This->s, &b, &id, &info))) return hr;
    if (info.parent != This->id) return MAPI_E_NOT_FOUND;
    if (!(bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr = td_db_props_load(This->s->db, id, bag)))
    {
        SPropValue v;
        ULONG old = (ULONG)mc_propbag_get_long(bag, PR_MSG_STATUS, 0);
        if (lpulOldStatus) *lpulOldStatus = old;
        v.ulPropTag = PR_MSG_STATUS;
        v.Value.l = (LONG)((old & ~ulNewStatusMask) | (ulNewStatus & ulNewStatusMask));
        if (SUCCEEDED(hr = td_db_prop_set(This->s->db, id, &v)))
            td_store_tables_message(This->s, This->id, id);
    }
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE folder_SaveContentsSort(IMAPIFolder *iface,
        LPSSortOrderSet lpSortCriteria, ULONG ulFlags)
{
    MC_FIXME("%p SaveContentsSort", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE folder_EmptyFolder(IMAPIFolder *iface, ULONG ulUIParam,
        LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    folder *This = impl_from_IMAPIFolder(iface);

    MC_TRACE("folder", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(ULONG)(DEL_ASSOCIATED | FOLDER_DIALOG | DELETE_HARD_DELETE)) return MAPI_E_UNKNOWN_FLAGS;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    return empty(This->s, This->id, (ulFlags & DEL_ASSOCIATED) != 0, TRUE, lpProgress);
}

static const IMAPIFolderVtbl folder_vtbl =
{
    folder_QueryInterface,
    folder_AddRef,
    folder_Release,
    folder_GetLastError,
    folder_SaveChanges,
    folder_GetProps,
    folder_GetPropList,
    folder_OpenProperty,
    folder_SetProps,
    folder_DeleteProps,
    folder_CopyTo,
    folder_CopyProps,
    folder_GetNamesFromIDs,
    folder_GetIDsFromNames,
    folder_GetContentsTable,
    folder_GetHierarchyTable,
    folder_OpenEntry,
    folder_SetSearchCriteria,
    folder_GetSearchCriteria,
    folder_CreateMessage,
    folder_CopyMessages,
    folder_DeleteMessages,
    folder_CreateFolder,
    folder_CopyFolder,
    folder_DeleteFolder,
    folder_SetReadFlags,
    folder_GetMessageStatus,
    folder_SetMessageStatus,
    folder_SaveContentsSort,
    folder_EmptyFolder,
};
