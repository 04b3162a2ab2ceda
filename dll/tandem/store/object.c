/*
 * object.c - what every object of the store shares: computed values (entry IDs, record and
 * instance keys, store identity), GetProps with the large-value rule, named properties
 * (imapiprop-getidsfromnames.md, imapiprop-getnamesfromids.md), the property part of
 * CopyTo/CopyProps (imapiprop-copyto.md, imapiprop-copyprops.md) and OpenEntry.
 */
#include "submit.h"

void td_vals_long(td_vals *vals, ULONG tag, LONG l)
{
    if (vals->n >= TD_VALS_MAX) return;
    vals->v[vals->n].ulPropTag = tag;
    vals->v[vals->n++].Value.l = l;
}

void td_vals_bool(td_vals *vals, ULONG tag, BOOL b)
{
    if (vals->n >= TD_VALS_MAX) return;
    vals->v[vals->n].ulPropTag = tag;
    vals->v[vals->n].Value.li.QuadPart = 0;     /* the bytes beside the 16-bit b are defined too */
    vals->v[vals->n++].Value.b = b ? TRUE : FALSE;
}

void td_vals_bin(td_vals *vals, ULONG tag, void *data, ULONG cb, BOOL own)
{
    if (own && vals->n_owned < TD_VALS_MAX) vals->owned[vals->n_owned++] = data;
    if (vals->n >= TD_VALS_MAX || !data) return;
    vals->v[vals->n].ulPropTag = tag;
    vals->v[vals->n].Value.bin.cb = cb;
    vals->v[vals->n++].Value.bin.lpb = data;
}

void td_vals_time(td_vals *vals, ULONG tag, FILETIME ft)
{
    if (vals->n >= TD_VALS_MAX) return;
    vals->v[vals->n].ulPropTag = tag;
    vals->v[vals->n++].Value.ft = ft;
}

void td_vals_clear(td_vals *vals)
{
    ULONG i;
    for (i = 0; i < vals->n_owned; i++) mc_free(vals->owned[i]);
    vals->n = vals->n_owned = 0;
}

HRESULT td_store_object_eid(td_store *s, BYTE kind, ULONGLONG id, ULONG *cb, ENTRYID **eid)
{
    return td_eid_encode_object(kind, &s->guid, id, cb, eid);
}

void td_store_common_vals(td_store *s, td_vals *vals, BYTE kind, ULONGLONG id, ULONGLONG parent,
                          ULONG obj_type, BOOL writable)
{
    ENTRYID *eid = NULL, *peid = NULL, *rkey;
    ULONG cb = 0, pcb = 0;
    ULONGLONG *ikey;

    td_vals_long(vals, PR_OBJECT_TYPE, (LONG)obj_type);
    td_vals_bin(vals, PR_STORE_ENTRYID, s->wrapped, s->cb_wrapped, FALSE);
    td_vals_bin(vals, PR_STORE_RECORD_KEY, s->record_key, sizeof(s->record_key), FALSE);
    td_vals_bin(vals, PR_MDB_PROVIDER, (void *)&td_provider_uid, sizeof(MAPIUID), FALSE);
    td_vals_long(vals, PR_STORE_SUPPORT_MASK, (LONG)td_store_support_mask(s));
    td_vals_long(vals, PR_ACCESS_LEVEL, writable ? MAPI_MODIFY : 0);
    if (obj_type == MAPI_FOLDER)
        td_vals_long(vals, PR_ACCESS, writable ? (MAPI_ACCESS_READ | MAPI_ACCESS_MODIFY |
                     MAPI_ACCESS_DELETE | MAPI_ACCESS_CREATE_HIERARCHY | MAPI_ACCESS_CREATE_CONTENTS |
                     MAPI_ACCESS_CREATE_ASSOCIATED) : MAPI_ACCESS_READ);
    else
        td_vals_long(vals, PR_ACCESS, writable ? (MAPI_ACCESS_READ | MAPI_ACCESS_MODIFY |
                     MAPI_ACCESS_DELETE) : MAPI_ACCESS_READ);
    if (id && SUCCEEDED(td_store_object_eid(s, kind, id, &cb, &eid)))
    {
        td_vals_bin(vals, PR_ENTRYID, eid, cb, TRUE);
        /* the record key is the long-term entry ID: unique across stores, memcmp-comparable */
        if ((rkey = mc_malloc(cb)))
        {
            memcpy(rkey, eid, cb);
            td_vals_bin(vals, PR_RECORD_KEY, rkey, cb, TRUE);
        }
        if ((ikey = mc_malloc(sizeof(*ikey))))
        {
            *ikey = id;
            td_vals_bin(vals, PR_INSTANCE_KEY, ikey, sizeof(*ikey), TRUE);
        }
    }
    if (parent && SUCCEEDED(td_store_object_eid(s, TD_EID_FOLDER, parent, &pcb, &peid)))
        td_vals_bin(vals, PR_PARENT_ENTRYID, peid, pcb, TRUE);
}

HRESULT td_getprops(td_store *s, const mc_propbag *bag, const td_vals *vals,
                    const SPropTagArray *tags, ULONG flags, ULONG *count, SPropValue **out)
{
    HRESULT hr;
    ULONG i;

    hr = mc_getprops(&s->alloc, bag, vals ? vals->v : NULL, vals ? vals->n : 0, tags, flags,
                     NULL, count, out);
    if (FAILED(hr) || !*out) return hr;
    for (i = 0; i < *count; i++)
    {
        SPropValue *v = &(*out)[i];
        if (PROP_TYPE(v->ulPropTag) == PT_ERROR) continue;
        if (mc_prop_payload_size(v) > TD_MAX_GETPROPS_VALUE)
        {
            /* the payload stays in the block until the caller frees it */
            v->ulPropTag = CHANGE_PROP_TYPE(v->ulPropTag, PT_ERROR);
            v->Value.err = MAPI_E_NOT_ENOUGH_MEMORY;
            hr = MAPI_W_ERRORS_RETURNED;
        }
    }
    return hr;
}

/* ---- named properties -------------------------------------------------------------------- */

HRESULT td_store_get_ids_from_names(td_store *s, ULONG n, MAPINAMEID **names, ULONG flags,
                                    SPropTagArray **out)
{
    SPropTagArray *tags = NULL;
    BOOL errors = FALSE;
    HRESULT hr;
    ULONG i;

    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(ULONG)(MAPI_CREATE | MAPI_UNICODE)) return MAPI_E_UNKNOWN_FLAGS;
    if (n && !names) return MAPI_E_INVALID_PARAMETER;
    if (!n || !names)
    {
        /* every mapped name (imapiprop-getidsfromnames.md: cPropNames 0 / lppPropNames NULL) */
        ULONG *ids = NULL, count = 0;
        if (FAILED(hr = td_db_named_list(s->db, &ids, &count))) return hr;
        hr = mc_alloc_more(&s->alloc, NULL, CbNewSPropTagArray(count), (void **)&tags);
        if (SUCCEEDED(hr))
        {
            tags->cValues = count;
            for (i = 0; i < count; i++) tags->aulPropTag[i] = PROP_TAG(PT_UNSPECIFIED, ids[i]);
            *out = tags;
        }
        mc_free(ids);
        return hr;
    }
    if ((flags & MAPI_CREATE) && !s->writable) return MAPI_E_NO_ACCESS;
    if (FAILED(hr = mc_alloc_more(&s->alloc, NULL, CbNewSPropTagArray(n), (void **)&tags))) return hr;
    tags->cValues = n;
    for (i = 0; i < n; i++)
    {
        const MAPINAMEID *nm = names[i];
        ULONG id = 0;
        HRESULT hr2;

        if (!nm || !nm->lpguid || (nm->ulKind != MNID_ID && nm->ulKind != MNID_STRING) ||
            (nm->ulKind == MNID_STRING && !nm->Kind.lpwstrName))
            hr2 = MAPI_E_INVALID_PARAMETER;
        else
            hr2 = td_db_named_to_id(s->db, nm->lpguid, nm->ulKind, nm->ulKind == MNID_ID ? nm->Kind.lID : 0,
                                    nm->ulKind == MNID_STRING ? nm->Kind.lpwstrName : NULL,
                                    (flags & MAPI_CREATE) != 0, &id);
        if (hr2 == MAPI_E_INVALID_PARAMETER || hr2 == MAPI_E_NOT_FOUND)
        {
            tags->aulPropTag[i] = PROP_TAG(PT_ERROR, 0);
            errors = TRUE;
        }
        else if (FAILED(hr2)) { s->alloc.free_buffer(tags); return hr2; }
        else tags->aulPropTag[i] = PROP_TAG(PT_UNSPECIFIED, id);
    }
    *out = tags;
    return errors ? MAPI_W_ERRORS_RETURNED : S_OK;
}

HRESULT td_store_get_names_from_ids(td_store *s, SPropTagArray **tags_io, const GUID *set,
                                    ULONG flags, ULONG *count, MAPINAMEID ***out)
{
    SPropTagArray *tags = NULL;
    MAPINAMEID **names = NULL;
    ULONG *ids = NULL, n, i, kept = 0;
    BOOL errors = FALSE, all;
    HRESULT hr;

    if (!tags_io || !count || !out) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(ULONG)(MAPI_NO_STRINGS | MAPI_NO_IDS)) return MAPI_E_UNKNOWN_FLAGS;
    *count = 0;
    *out = NULL;
    all = !*tags_io;
    if (all)
    {
        if (FAILED(hr = td_db_named_list(s->db, &ids, &n))) return hr;
    }
    else n = (*tags_io)->cValues;
    if (FAILED(hr = mc_alloc_more(&s->alloc, NULL, n ? n * sizeof(*names) : sizeof(*names), (void **)&names)))
        goto done;
    if (all && FAILED(hr = mc_alloc_more(&s->alloc, NULL, CbNewSPropTagArray(n), (void **)&tags)))
        goto done;
    for (i = 0; i < n; i++)
    {
        ULONG pid = all ? ids[i] : PROP_ID((*tags_io)->aulPropTag[i]);
        GUID g;
        ULONG kind = 0;
        LONG lid = 0;
        WCHAR *name = NULL;
        MAPINAMEID *nm = NULL;

        names[kept] = NULL;
        if (SUCCEEDED(td_db_named_from_id(s->db, pid, &g, &kind, &lid, &name)) &&
            (!set || IsEqualGUID(set, &g)) &&
            !((flags & MAPI_NO_STRINGS) && kind == MNID_STRING) && !((flags & MAPI_NO_IDS) && kind == MNID_ID))
        {
            if (SUCCEEDED(mc_alloc_more(&s->alloc, names, sizeof(*nm) + sizeof(GUID), (void **)&nm)))
            {
                nm->lpguid = (GUID *)(nm + 1);
                *nm->lpguid = g;
                nm->ulKind = kind;
                if (kind == MNID_ID) nm->Kind.lID = lid;
                else
                {
                    ULONG len = (ULONG)(wcslen(name) + 1) * sizeof(WCHAR);
                    if (SUCCEEDED(mc_alloc_more(&s->alloc, names, len, (void **)&nm->Kind.lpwstrName)))
                        memcpy(nm->Kind.lpwstrName, name, len);
                    else nm = NULL;
                }
            }
        }
        mc_free(name);
        if (all)
        {
            if (!nm) continue;
            tags->aulPropTag[kept] = PROP_TAG(PT_UNSPECIFIED, pid);
        }
        else if (!nm) errors = TRUE;
        names[kept++] = nm;
    }
    if (all)
    {
        tags->cValues = kept;
        *tags_io = tags;
        tags = NULL;
    }
    *count = kept;
    *out = names;
    names = NULL;
    hr = errors ? MAPI_W_ERRORS_RETURNED : S_OK;
done:
    if (names) s->alloc.free_buffer(names);
    if (tags) s->alloc.free_buffer(tags);
    mc_free(ids);
    return hr;
}

/* ---- CopyTo / CopyProps ------------------------------------------------------------------ */

BOOL td_iid_excluded(ULONG n, LPCIID iids, REFIID iid)
{
    ULONG i;
    for (i = 0; iids && i < n; i++)
        if (IsEqualGUID(&iids[i], iid)) return TRUE;
    return FALSE;
}

HRESULT td_dest_prop(LPCIID iid, void *dest, IMAPIProp **out)
{
    IUnknown *unk = dest;
    HRESULT hr;

    *out = NULL;
    if (!dest) return MAPI_E_INVALID_PARAMETER;
    hr = unk->lpVtbl->QueryInterface(unk, iid ? iid : &IID_IMAPIProp, (void **)out);
    if (FAILED(hr)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    return S_OK;
}

static BOOL copyable(ULONG tag)
{
    switch (PROP_ID(tag))
    {
    case PROP_ID(PR_ENTRYID): case PROP_ID(PR_RECORD_KEY): case PROP_ID(PR_INSTANCE_KEY):
    case PROP_ID(PR_PARENT_ENTRYID): case PROP_ID(PR_STORE_ENTRYID): case PROP_ID(PR_STORE_RECORD_KEY):
    case PROP_ID(PR_OBJECT_TYPE): case PROP_ID(PR_MSG_STATUS): case PROP_ID(PR_ATTACH_NUM):
    case PROP_ID(PR_ROWID):
        return FALSE;
    }
    return PROP_TYPE(tag) != PT_OBJECT && PROP_TYPE(tag) != PT_ERROR;
}

HRESULT td_copy_bag(td_store *s, const mc_propbag *bag, const SPropTagArray *exclude,
                    const SPropTagArray *include, IMAPIProp *dest, ULONG flags,
                    SPropProblemArray **problems)
{
    SPropTagArray *existing = NULL;
    SPropValue *vals = NULL;
    ULONG i, n = 0, count = mc_propbag_count(bag);
    HRESULT hr = S_OK;

    if (problems) *problems = NULL;
    if ((flags & MAPI_NOREPLACE) && FAILED(dest->lpVtbl->GetPropList(dest, MAPI_UNICODE, &existing)))
        existing = NULL;
    if (count && !(vals = mc_calloc(count, sizeof(*vals)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < count; i++)
    {
        const SPropValue *v = mc_propbag_at(bag, i);
        ULONG j;
        BOOL skip = !copyable(v->ulPropTag);

        if (exclude)
            for (j = 0; j < exclude->cValues && !skip; j++)
                if (PROP_ID(exclude->aulPropTag[j]) == PROP_ID(v->ulPropTag)) skip = TRUE;
        if (include)
        {
            BOOL in = FALSE;
            for (j = 0; j < include->cValues; j++)
                if (PROP_ID(include->aulPropTag[j]) == PROP_ID(v->ulPropTag)) in = TRUE;
            if (!in) skip = TRUE;
        }
        if (existing)
            for (j = 0; j < existing->cValues && !skip; j++)
                if (PROP_ID(existing->aulPropTag[j]) == PROP_ID(v->ulPropTag)) skip = TRUE;
        if (!skip) vals[n++] = *v;
    }
    if (n) hr = dest->lpVtbl->SetProps(dest, n, vals, problems);
done:
    mc_free(vals);
    if (existing) s->alloc.free_buffer(existing);
    return hr;
}

/* ---- OpenEntry --------------------------------------------------------------------------- */

HRESULT td_store_open_entry(td_store *s, ULONG cb, const ENTRYID *eid, LPCIID iid, ULONG flags,
                            ULONG *type, IUnknown **out)
{
    td_eid dec;
    td_obj_info info;
    BOOL writable;
    HRESULT hr;
    IUnknown *obj = NULL;

    memset(&dec, 0, sizeof(dec));
    if (!type || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (flags & ~(ULONG)(MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS | SHOW_SOFT_DELETES))
        return MAPI_E_UNKNOWN_FLAGS;
    if ((flags & MAPI_MODIFY) && !(flags & MAPI_BEST_ACCESS) && !s->writable) return MAPI_E_NO_ACCESS;
    writable = s->writable && (flags & (MAPI_MODIFY | MAPI_BEST_ACCESS));

    if (!eid)
    {
        dec.kind = TD_EID_FOLDER;
        dec.object_id = s->special[TD_ROLE_ROOT];
    }
    else if (FAILED(hr = td_store_resolve_eid(s, cb, eid, &dec))) goto done;

    if (dec.kind != TD_EID_FOLDER && dec.kind != TD_EID_MESSAGE) { hr = MAPI_E_INVALID_ENTRYID; goto done; }
    if (FAILED(hr = td_db_object_get(s->db, dec.object_id, &info))) goto done;
    if (dec.kind == TD_EID_FOLDER)
    {
        if (info.type != MAPI_FOLDER) { hr = MAPI_E_NOT_FOUND; goto done; }
        if (FAILED(hr = folder_open(s, dec.object_id, writable, (IMAPIFolder **)&obj))) goto done;
        *type = MAPI_FOLDER;
        if (iid && !IsEqualGUID(iid, &IID_IMAPIFolder) && !IsEqualGUID(iid, &IID_IMAPIContainer) &&
            !IsEqualGUID(iid, &IID_IMAPIProp) && !IsEqualGUID(iid, &IID_IUnknown))
            hr = MAPI_E_INTERFACE_NOT_SUPPORTED;
    }
    else
    {
        td_obj_info pinfo;
        /* only messages directly in folders have entry IDs */
        if (info.type != MAPI_MESSAGE || FAILED(td_db_object_get(s->db, info.parent, &pinfo)) ||
            pinfo.type != MAPI_FOLDER) { hr = MAPI_E_NOT_FOUND; goto done; }
        /* submitted messages: spi-digest §1.6 (submit.c) */
        if (FAILED(hr = td_submit_check_open(s, dec.object_id, flags, &writable))) goto done;
        if (FAILED(hr = message_open(s, dec.object_id, writable, (IMessage **)&obj))) goto done;
        *type = MAPI_MESSAGE;
        if (iid && !IsEqualGUID(iid, &IID_IMessage) && !IsEqualGUID(iid, &IID_IMAPIProp) &&
            !IsEqualGUID(iid, &IID_IUnknown))
            hr = MAPI_E_INTERFACE_NOT_SUPPORTED;
    }
    if (FAILED(hr)) goto done;
    *out = obj;
    obj = NULL;
done:
    if (obj) obj->lpVtbl->Release(obj);
    td_eid_clear(&dec);
    return hr;
}
