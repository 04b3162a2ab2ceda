/*
 * tables.c - the minimal tables of issue 3 on mapicore's mc_table: contents (normal and
 * associated) and hierarchy tables of folders, filled from the database when first opened and
 * kept in step as this process saves, moves and deletes objects; snapshot tables (recipients,
 * attachments, receive folders). Deep hierarchy tables (CONVENIENT_DEPTH) are kept in step too,
 * in tree order (PR_TD_TREE_PATH). Docs: contents-tables.md, hierarchy-tables.md.
 * Contents tables are tables over the database (sqltable.c): their views page through it and
 * hold no rows, unless a view's sort or restriction needs every row in memory. Cached tables are
 * shared by every view of this logon and kept in step through the store's change feed (db.h):
 * every save, move and delete of a message or folder by any session of any process on the same
 * file reaches td_store_tables_changed, which tells the contents tables which row changed
 * (mc_table_source_changed) and updates hierarchy rows (views get TABLE_ROW_ADDED / MODIFIED /
 * DELETED). A lost feed (TD_CHANGE_RESYNC) reads every cached table again and sends its views
 * TABLE_RELOAD. Opening a table first applies what other processes committed so far.
 */
#include "store.h"

struct td_table_cache
{
    ULONGLONG folder;
    int kind;
    mc_table *t;
    BOOL memory;                /* a contents table held in memory (test switch): not shared */
    struct td_table_cache *next;
};

/* contents-tables.md's required columns for message store folders, and the subject */
static const SizedSPropTagArray(17, contents_columns) = {17, {PR_INSTANCE_KEY, PR_ENTRYID,
    PR_MESSAGE_CLASS_W, PR_SUBJECT_W, PR_MESSAGE_FLAGS, PR_MESSAGE_SIZE, PR_HASATTACH,
    PR_LAST_MODIFICATION_TIME, PR_OBJECT_TYPE, PR_PARENT_ENTRYID, PR_RECORD_KEY, PR_MSG_STATUS,
    PR_DISPLAY_TO_W, PR_DISPLAY_CC_W, PR_STORE_ENTRYID, PR_STORE_RECORD_KEY, PR_MAPPING_SIGNATURE}};
static const SizedSPropTagArray(12, hierarchy_columns) = {12, {PR_INSTANCE_KEY, PR_ENTRYID,
    PR_DISPLAY_NAME_W, PR_DEPTH, PR_OBJECT_TYPE, PR_FOLDER_TYPE, PR_SUBFOLDERS, PR_CONTENT_COUNT,
    PR_CONTENT_UNREAD, PR_DISPLAY_TYPE, PR_STATUS, PR_COMMENT_W}};

/* Contents-table rows are summaries (issue 4's memory budget: a million rows): only these
 * stored properties, strings cut to TD_TABLE_STRING characters and binaries above
 * TD_TABLE_BINARY bytes left out (MAPI tables commonly truncate: contents-tables.md). */
#define TD_TABLE_BINARY 255
static const ULONG contents_kept[] = {
    PROP_ID(PR_MESSAGE_CLASS_W), PROP_ID(PR_SUBJECT_W), PROP_ID(PR_NORMALIZED_SUBJECT_W),
    PROP_ID(PR_SUBJECT_PREFIX_W), PROP_ID(PR_CONVERSATION_TOPIC_W), PROP_ID(PR_CONVERSATION_INDEX),
    PROP_ID(PR_MESSAGE_FLAGS), PROP_ID(PR_MESSAGE_SIZE), PROP_ID(PR_HASATTACH), PROP_ID(PR_MSG_STATUS),
    PROP_ID(PR_LAST_MODIFICATION_TIME), PROP_ID(PR_CREATION_TIME), PROP_ID(PR_MESSAGE_DELIVERY_TIME),
    PROP_ID(PR_CLIENT_SUBMIT_TIME), PROP_ID(PR_SENDER_NAME_W), PROP_ID(PR_SENDER_EMAIL_ADDRESS_W),
    PROP_ID(PR_SENT_REPRESENTING_NAME_W), PROP_ID(PR_DISPLAY_TO_W), PROP_ID(PR_DISPLAY_CC_W),
    PROP_ID(PR_DISPLAY_BCC_W), PROP_ID(PR_IMPORTANCE), PROP_ID(PR_PRIORITY), PROP_ID(PR_SENSITIVITY),
    0x1080 /* PR_ICON_INDEX */, 0x1090 /* PR_FLAG_STATUS */, PROP_ID(PR_SEARCH_KEY), PROP_ID(PR_RECORD_KEY),
    PROP_ID(PR_SUBMIT_FLAGS), PROP_ID(PR_DISPLAY_NAME_W), 0x1035 /* PR_INTERNET_MESSAGE_ID */,
};

static BOOL contents_keeps(ULONG tag);

BOOL td_contents_keeps(ULONG tag)
{
    if (PROP_ID(tag) == PROP_ID(PR_RECORD_KEY) || PROP_ID(tag) == PROP_ID(PR_MSG_STATUS))
        return FALSE;   /* computed for every row: never the stored value alone */
    return contents_keeps(tag);
}

static BOOL contents_keeps(ULONG tag)
{
    ULONG i;
    if (PROP_ID(tag) >= 0x8000) return TRUE;       /* named properties: clients' own columns */
    for (i = 0; i < sizeof(contents_kept) / sizeof(contents_kept[0]); i++)
        if (contents_kept[i] == PROP_ID(tag)) return TRUE;
    return FALSE;
}

/* *v as a table row holds it (truncated into `buf`, TD_TABLE_STRING + 1 characters). FALSE:
 * the row leaves it out. */
static BOOL table_value(const SPropValue *v, SPropValue *out, WCHAR *buf)
{
    *out = *v;
    switch (PROP_TYPE(v->ulPropTag))
    {
    case PT_UNICODE:
        if (wcslen(v->Value.lpszW) > TD_TABLE_STRING)
        {
            memcpy(buf, v->Value.lpszW, TD_TABLE_STRING * sizeof(WCHAR));
            buf[TD_TABLE_STRING] = 0;
            out->Value.lpszW = buf;
        }
        return TRUE;
    case PT_STRING8:
        if (strlen(v->Value.lpszA) > TD_TABLE_STRING)
        {
            memcpy(buf, v->Value.lpszA, TD_TABLE_STRING);
            ((char *)buf)[TD_TABLE_STRING] = 0;
            out->Value.lpszA = (char *)buf;
        }
        return TRUE;
    case PT_BINARY:
        return v->Value.bin.cb <= TD_TABLE_BINARY;
    }
    return mc_prop_payload_size(v) <= TD_TABLE_BINARY;
}

/* Rows of tables over a source (contents tables) carry PR_INSTANCE_KEY: the object id, 8 bytes
 * little-endian (mapicore.h).
 * A deep hierarchy table's rows carry their path from the table's folder: (num, id) of each
 * folder on the way down, big-endian - the order td_db_children lists siblings in - zero-padded
 * to one length, so that the binary order of the column (length first, then bytes) is tree
 * order: a folder, then its subfolders, then its next sibling. The table keeps its rows sorted
 * on it (mc_table_set_default_sort); PR_DEPTH says the level. */
#define TREE_LEVEL 12
#define TREE_LEVELS 32
typedef struct tree_path { BYTE b[TREE_LEVEL * TREE_LEVELS]; } tree_path;
static const SizedSSortOrderSet(1, tree_order) = {1, 0, 0, {{PR_TD_TREE_PATH, TABLE_SORT_ASCEND}}};

/* Level `depth` of `path` is folder `id` (number `num`); the levels below are cleared. */
static void tree_set(tree_path *path, LONG depth, ULONG num, ULONGLONG id)
{
    BYTE *p;
    int i;

    if (depth < 0 || depth >= TREE_LEVELS) return;     /* deeper still: sorted with its ancestor */
    p = path->b + depth * TREE_LEVEL;
    for (i = 0; i < 4; i++) p[i] = (BYTE)(num >> (8 * (3 - i)));
    for (i = 0; i < 8; i++) p[4 + i] = (BYTE)(id >> (8 * (7 - i)));
    memset(p + TREE_LEVEL, 0, sizeof(path->b) - (depth + 1) * TREE_LEVEL);
}

static BOOL is_contents(int kind)
{
    return kind == TD_TABLE_CONTENTS || kind == TD_TABLE_ASSOC;
}

/* The row of one object (`info`, its stored properties in `bag`): its small stored values plus
 * computed ones (and `path` in a deep hierarchy table); into table `t`, or (t NULL) as one
 * mc_heap_alloc() block in *copy. */
static HRESULT object_row_of(td_store *s, const td_obj_info *info, const mc_propbag *bag, int kind, LONG depth,
                             mc_table *t, const tree_path *path, ULONG *n_copy, SPropValue **copy)
{
    td_vals vals;
    SPropValue *row = NULL;
    WCHAR *cut = NULL;
    ULONG n = 0, i;
    BYTE key[8];
    HRESULT hr = S_OK;

    vals.n = vals.n_owned = 0;
    for (i = 0; i < 8; i++) key[i] = (BYTE)(info->id >> (8 * i));
    if (kind == TD_TABLE_HIERARCHY)
    {
        folder_computed(s, info, s->writable, &vals);
        td_vals_long(&vals, PR_DEPTH, depth);
        td_vals_long(&vals, PR_DISPLAY_TYPE, DT_FOLDER);
        td_vals_long(&vals, PR_STATUS, 0);
        if (path) td_vals_bin(&vals, PR_TD_TREE_PATH, (void *)path->b, sizeof(path->b), FALSE);
    }
    else
    {
        td_store_common_vals(s, &vals, TD_EID_MESSAGE, info->id, info->parent, MAPI_MESSAGE, s->writable);
        if (!mc_propbag_get(bag, PR_MSG_STATUS)) td_vals_long(&vals, PR_MSG_STATUS, 0);
        td_vals_bin(&vals, PR_INSTANCE_KEY, key, sizeof(key), FALSE);
    }
    if (!(row = mc_calloc(vals.n + mc_propbag_count(bag) + 1, sizeof(*row)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < vals.n; i++) row[n++] = vals.v[i];
    if (kind != TD_TABLE_HIERARCHY && !(cut = mc_malloc(mc_propbag_count(bag) * (TD_TABLE_STRING + 1) * sizeof(WCHAR))))
    { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < mc_propbag_count(bag); i++)
    {
        const SPropValue *v = mc_propbag_at(bag, i);
        if (mc_props_find(vals.n, vals.v, PROP_TAG(PT_UNSPECIFIED, PROP_ID(v->ulPropTag)))) continue;
        if (kind == TD_TABLE_HIERARCHY)
        {
            if (mc_prop_payload_size(v) > TD_MAX_TABLE_VALUE) continue;
            row[n++] = *v;
        }
        else if (contents_keeps(v->ulPropTag) && table_value(v, &row[n], cut + i * (TD_TABLE_STRING + 1))) n++;
    }
    hr = t ? mc_table_modify_row(t, n, row) : mc_props_dup(mc_heap_alloc(), n, row, copy);
    if (!t && SUCCEEDED(hr)) *n_copy = n;
done:
    mc_free(cut);
    mc_free(row);
    td_vals_clear(&vals);
    return hr;
}

static HRESULT object_row_ex(td_store *s, ULONGLONG id, int kind, LONG depth, mc_table *t,
                             const tree_path *path, ULONG *n_copy, SPropValue **copy)
{
    mc_propbag *bag = mc_propbag_new();
    td_obj_info info;
    HRESULT hr;

    if (!bag) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr = td_db_object_get(s->db, id, &info)) && SUCCEEDED(hr = td_db_props_load_ex(s->db, id, bag, FALSE)))
        hr = object_row_of(s, &info, bag, kind, depth, t, path, n_copy, copy);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT object_row(td_store *s, ULONGLONG id, int kind, LONG depth, mc_table *t)
{
    return object_row_ex(s, id, kind, depth, t, NULL, NULL, NULL);
}

HRESULT td_store_contents_row(td_store *s, ULONGLONG id, int kind, mc_table *t, ULONG *n,
                              SPropValue **copy)
{
    return object_row_ex(s, id, kind, 0, t, NULL, n, copy);
}

HRESULT td_store_contents_rows(td_store *s, int kind, ULONG n, mc_srcrow *rows)
{
    ULONGLONG ids[TD_DB_LOAD_BATCH];
    td_obj_info infos[TD_DB_LOAD_BATCH];
    mc_propbag *bags[TD_DB_LOAD_BATCH];
    HRESULT hr = S_OK;
    ULONG done, k, i;

    for (i = 0; i < n; i++)
    {
        rows[i].n = 0;
        rows[i].props = NULL;
    }
    for (done = 0; done < n && SUCCEEDED(hr); done += k)
    {
        k = n - done < TD_DB_LOAD_BATCH ? n - done : TD_DB_LOAD_BATCH;
        for (i = 0; i < k; i++) ids[i] = rows[done + i].key.id;
        for (i = 0; i < k; i++)
            if (!(bags[i] = mc_propbag_new())) break;
        if (i < k) hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else hr = td_db_objects_load(s->db, ids, k, infos, bags);
        for (i = 0; i < k && SUCCEEDED(hr); i++)
            if (infos[i].id)
                hr = object_row_of(s, &infos[i], bags[i], kind, 0, NULL, NULL, &rows[done + i].n, &rows[done + i].props);
        while (i--)
            mc_propbag_free(bags[i]);
    }
    if (FAILED(hr))
        for (i = 0; i < n; i++)
            if (rows[i].props)
            {
                mc_heap_alloc()->free_buffer(rows[i].props);
                rows[i].props = NULL;
            }
    return hr;
}

/* ---- lean rows (mapicore's fill_columns) ----------------------------------------------------- */

typedef struct lean_fill
{
    td_store *s;
    ULONGLONG folder;
    const SPropTagArray *computed;  /* computed columns wanted in this pass, or NULL */
    BOOL msg_status;                /* this pass gives PR_MSG_STATUS: 0 when not stored */
    mc_row_values_fn fn;
    void *ctx;
} lean_fill;

/* td_scan_fn: one message's values as its contents row holds them (object_row_ex). */
static HRESULT lean_scan_row(void *ctx, ULONGLONG id, BOOL has_time, LONGLONG time, ULONG n,
                             const SPropValue *values)
{
    lean_fill *f = ctx;
    SPropValue out[TD_SCAN_MAX_PROPS + TD_VALS_MAX + 1];
    WCHAR cut[TD_SCAN_MAX_PROPS][TD_TABLE_STRING + 1];
    BOOL status = FALSE;
    td_vals vals;
    ULONG i, k = 0;
    HRESULT hr;

    (void)has_time;
    (void)time;
    for (i = 0; i < n && i < TD_SCAN_MAX_PROPS; i++)
    {
        if (PROP_ID(values[i].ulPropTag) == PROP_ID(PR_MSG_STATUS)) status = TRUE;
        if (contents_keeps(values[i].ulPropTag) && table_value(&values[i], &out[k], cut[k])) k++;
    }
    vals.n = vals.n_owned = 0;
    if (f->computed)
    {
        td_store_common_vals(f->s, &vals, TD_EID_MESSAGE, id, f->folder, MAPI_MESSAGE, f->s->writable);
        for (i = 0; i < vals.n; i++)
            if (mc_tags_contain_id(f->computed, vals.v[i].ulPropTag)) out[k++] = vals.v[i];
    }
    if (f->msg_status && !status)
    {
        out[k].ulPropTag = PR_MSG_STATUS;
        out[k++].Value.l = 0;
    }
    hr = f->fn(f->ctx, id, k, out);
    td_vals_clear(&vals);
    return hr;
}

HRESULT td_store_contents_fill_columns(td_store *s, ULONGLONG folder, int kind, const SPropTagArray *tags,
                                       mc_row_values_fn fn, void *ctx)
{
    SPropTagArray *computed = NULL;
    ULONG *stored = NULL, n_stored = 0, i, at = 0;
    BOOL status = FALSE;
    lean_fill f;
    td_vals all;
    HRESULT hr = S_OK;

    /* which of the columns are computed (td_store_common_vals makes them the same way for every
     * message), which are stored values a row keeps; others no row has */
    all.n = all.n_owned = 0;
    td_store_common_vals(s, &all, TD_EID_MESSAGE, folder, folder, MAPI_MESSAGE, s->writable);
    if (!(stored = mc_malloc((tags->cValues + 1) * sizeof(*stored))) ||
        !(computed = mc_malloc(CbNewSPropTagArray(tags->cValues + 1))))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else
    {
        computed->cValues = 0;
        for (i = 0; i < tags->cValues; i++)
        {
            ULONG tag = tags->aulPropTag[i];
            if (PROP_ID(tag) == PROP_ID(PR_INSTANCE_KEY)) continue;     /* the engine's own */
            if (mc_props_find(all.n, all.v, PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag))))
                computed->aulPropTag[computed->cValues++] = tag;
            else if (PROP_ID(tag) == PROP_ID(PR_MSG_STATUS))
            {
                status = TRUE;
                stored[n_stored++] = PROP_ID(tag);
            }
            else if (contents_keeps(PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag))))
                stored[n_stored++] = PROP_ID(tag);
        }
        /* PR_MSG_STATUS first: the pass that reads it also says 0 where it is not stored */
        for (i = 0; i < n_stored; i++)
            if (stored[i] == PROP_ID(PR_MSG_STATUS) && i)
            {
                stored[i] = stored[0];
                stored[0] = PROP_ID(PR_MSG_STATUS);
            }
    }
    td_vals_clear(&all);
    f.s = s;
    f.folder = folder;
    f.fn = fn;
    f.ctx = ctx;
    /* passes of at most TD_SCAN_MAX_PROPS stored columns; the first one also makes every row */
    do
    {
        ULONG chunk = n_stored - at < TD_SCAN_MAX_PROPS ? n_stored - at : TD_SCAN_MAX_PROPS;
        if (FAILED(hr)) break;
        f.computed = !at && computed && computed->cValues ? computed : NULL;
        f.msg_status = !at && status;
        hr = td_db_table_scan_by_id(s->db, folder, kind == TD_TABLE_ASSOC, stored + at, chunk, lean_scan_row, &f);
        at += chunk;
    } while (at < n_stored);
    mc_free(stored);
    mc_free(computed);
    return hr;
}

HRESULT td_store_contents_columns(td_store *s, ULONGLONG folder, int kind, SPropTagArray **out)
{
    ULONG *stored = NULL, n_stored = 0, i;
    SPropTagArray *tags;
    td_vals vals;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = td_db_table_tags(s->db, folder, kind == TD_TABLE_ASSOC, &stored, &n_stored))) return hr;
    /* the computed columns every row has (as object_row_ex makes them), then the stored ones
     * a row keeps */
    vals.n = vals.n_owned = 0;
    td_store_common_vals(s, &vals, TD_EID_MESSAGE, folder, folder, MAPI_MESSAGE, s->writable);
    if (!(tags = mc_malloc(CbNewSPropTagArray(vals.n + n_stored + 2)))) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else
    {
        tags->cValues = 0;
        for (i = 0; i < vals.n; i++) tags->aulPropTag[tags->cValues++] = vals.v[i].ulPropTag;
        if (!mc_tags_contain(tags, PR_INSTANCE_KEY)) tags->aulPropTag[tags->cValues++] = PR_INSTANCE_KEY;
        if (!mc_tags_contain(tags, PR_MSG_STATUS)) tags->aulPropTag[tags->cValues++] = PR_MSG_STATUS;
        for (i = 0; i < n_stored; i++)
            if (contents_keeps(stored[i]) && PROP_TYPE(stored[i]) != PT_ERROR &&
                !mc_props_find(vals.n, vals.v, PROP_TAG(PT_UNSPECIFIED, PROP_ID(stored[i]))) &&
                !mc_tags_contain(tags, stored[i]))
                tags->aulPropTag[tags->cValues++] = stored[i];
        *out = tags;
    }
    td_vals_clear(&vals);
    mc_free(stored);
    return hr;
}

static HRESULT fill(td_store *s, ULONGLONG folder, int kind, LONG depth, tree_path *deep, mc_table *t);

HRESULT td_store_contents_fill(td_store *s, ULONGLONG folder, int kind, mc_table *t)
{
    return fill(s, folder, kind, 0, NULL, t);
}

/* The rows of `folder`'s children at `depth`; with `deep` (the path down to `folder`) their
 * subfolders' too, each after its parent. */
static HRESULT fill(td_store *s, ULONGLONG folder, int kind, LONG depth, tree_path *deep, mc_table *t)
{
    ULONGLONG *ids = NULL;
    td_obj_info info;
    ULONG n = 0, i;
    HRESULT hr;

    if (kind == TD_TABLE_HIERARCHY) hr = td_db_children(s->db, folder, MAPI_FOLDER, 0, 0, &ids, &n);
    else hr = td_db_children(s->db, folder, MAPI_MESSAGE, MSGFLAG_ASSOCIATED,
                             kind == TD_TABLE_ASSOC ? MSGFLAG_ASSOCIATED : 0, &ids, &n);
    for (i = 0; SUCCEEDED(hr) && i < n; i++)
    {
        if (!deep)
        {
            hr = object_row(s, ids[i], kind, depth, t);
            continue;
        }
        if (FAILED(hr = td_db_object_get(s->db, ids[i], &info))) break;
        tree_set(deep, depth, info.num, ids[i]);
        hr = object_row_ex(s, ids[i], kind, depth, t, deep, NULL, NULL);
        if (SUCCEEDED(hr)) hr = fill(s, ids[i], kind, depth + 1, deep, t);
    }
    mc_free(ids);
    return hr;
}

/* Is folder `id` below `top`, and its depth and path from there (deep hierarchy tables). */
static BOOL tree_path_of(td_store *s, ULONGLONG top, ULONGLONG id, tree_path *path, LONG *depth)
{
    td_obj_info chain[TREE_LEVELS + 1];
    ULONG n = 0;
    LONG i;

    memset(path, 0, sizeof(*path));
    for (;;)
    {
        if (n > TREE_LEVELS || FAILED(td_db_object_get(s->db, id, &chain[n]))) return FALSE;
        if (chain[n].type != MAPI_FOLDER) return FALSE;
        if (chain[n].parent == top) break;
        if (!chain[n].parent || chain[n].parent == id) return FALSE;
        id = chain[n++].parent;
    }
    *depth = (LONG)n;
    for (i = (LONG)n; i >= 0; i--)
        tree_set(path, (LONG)n - i, chain[i].num, chain[i].id);
    return TRUE;
}

/* RES_SUBRESTRICTION on a contents-table row (ssubrestriction.md): true when a row of the
 * saved message's recipient or attachment table, as GetRecipientTable / GetAttachmentTable
 * present it, matches. The row's index is its PR_INSTANCE_KEY (the object id, 8 bytes
 * little-endian). mapicore calls this under the table's lock, so it reads the database only
 * (the store lock is taken before table locks elsewhere). */
static BOOL contents_sub_match(void *ctx, const SPropValue *index, ULONG sub_object,
                               const SRestriction *res)
{
    td_store *s = ctx;
    td_msgdata *m = NULL;
    td_sub_rows rows;
    td_obj_info info;
    ULONGLONG id = 0;
    BOOL hit = FALSE;
    ULONG i;

    if (PROP_TYPE(index->ulPropTag) != PT_BINARY || index->Value.bin.cb != 8) return FALSE;
    for (i = 0; i < 8; i++) id |= (ULONGLONG)index->Value.bin.lpb[i] << (8 * i);
    if (SUCCEEDED(td_db_object_get(s->db, id, &info)) && info.type == MAPI_MESSAGE &&
        SUCCEEDED(td_msgdata_load(s->db, id, &m)))
    {
        if (SUCCEEDED(sub_object == PR_MESSAGE_RECIPIENTS ? td_msgdata_recip_rows(m, &rows)
                                                          : td_msgdata_attach_rows(m, &rows)))
        {
            for (i = 0; i < rows.n && !hit; i++) hit = mc_restriction_match(res, rows.counts[i], rows.rows[i]);
            td_sub_rows_free(&rows);
        }
        td_msgdata_free(m);
    }
    return hit;
}

/* Table notifications through MAPI's engine: IMAPISupport::Subscribe/Unsubscribe/Notify of the
 * logon's client support object (spi-digest §4.10), so client sinks are called where MAPI calls
 * them (on the first MAPIInitialize thread unless MAPI_MULTITHREAD_NOTIFICATIONS). The context
 * is the store, not referenced (the table lives in the store's cache and its views keep the
 * store alive); the support object is looked up at each call (gone after logoff). */
static IMAPISupport *table_support(td_store *s)
{
    IMAPISupport *sup;
    EnterCriticalSection(&s->lock);
    if ((sup = s->sup)) sup->lpVtbl->AddRef(sup);
    LeaveCriticalSection(&s->lock);
    return sup;
}

static HRESULT table_subscribe(void *ctx, const NOTIFKEY *key, ULONG mask, IMAPIAdviseSink *sink, ULONG *conn)
{
    IMAPISupport *sup = table_support(ctx);
    ULONG_PTR wide = 0;     /* room for either header set's width (DECISIONS.md 1) */
    HRESULT hr;

    if (!sup) return MAPI_E_END_OF_SESSION;
    hr = sup->lpVtbl->Subscribe(sup, (NOTIFKEY *)key, mask, 0, sink, (ULONG *)&wide);
    *conn = (ULONG)wide;
    sup->lpVtbl->Release(sup);
    return hr;
}

static HRESULT table_unsubscribe(void *ctx, ULONG conn)
{
    IMAPISupport *sup = table_support(ctx);
    HRESULT hr;

    if (!sup) return S_OK;  /* the session's engine dropped every subscription at logoff */
    hr = sup->lpVtbl->Unsubscribe(sup, conn);
    sup->lpVtbl->Release(sup);
    return hr;
}

static HRESULT table_notify(void *ctx, const NOTIFKEY *key, ULONG n, NOTIFICATION *notifs)
{
    IMAPISupport *sup = table_support(ctx);
    ULONG_PTR flags = 0;    /* asynchronous: never NOTIFY_SYNC for client sinks */
    HRESULT hr;

    if (!sup) return S_OK;
    hr = sup->lpVtbl->Notify(sup, (NOTIFKEY *)key, n, notifs, (ULONG *)&flags);
    sup->lpVtbl->Release(sup);
    return hr;
}

/* A table of a logon with a client support object notifies through it; others (the spooler's
 * logon) keep the table's own engine. */
static HRESULT use_support_notifier(td_store *s, mc_table *t)
{
    IMAPISupport *sup = table_support(s);
    mc_notifier n;

    if (!sup) return S_OK;
    sup->lpVtbl->Release(sup);
    memset(&n, 0, sizeof(n));
    n.subscribe = table_subscribe;
    n.unsubscribe = table_unsubscribe;
    n.notify = table_notify;
    n.ctx = s;
    return mc_table_set_notifier(t, &n);
}

static void view_released(void *ctx)
{
    td_store_release(ctx);
}

/* A contents table over the database (sqltable.c): views page through it in the order the
 * database keeps, newest first (issue 4 point 6). `memory`: every row held in memory at once
 * (the test switch TANDEM_TABLES_IN_MEMORY, to compare the two). */
static HRESULT contents_table(td_store *s, ULONGLONG folder, int kind, BOOL memory, mc_table **out)
{
    static const SizedSSortOrderSet(1, newest) = {1, 0, 0, {{PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_DESCEND}}};
    mc_rowsource src;
    mc_table *t = NULL;
    HRESULT hr;

    if (FAILED(hr = mc_table_new(&s->alloc, PR_INSTANCE_KEY, (const SPropTagArray *)&contents_columns, &t))) return hr;
    if (SUCCEEDED(hr = td_sqltable_source(s, folder, kind, &src)) && FAILED(hr = mc_table_set_source(t, &src)))
        src.vtbl->release(src.ctx);
    if (SUCCEEDED(hr)) hr = mc_table_set_default_sort(t, (const SSortOrderSet *)&newest);
    if (SUCCEEDED(hr)) hr = mc_table_set_subrestriction(t, contents_sub_match, s);
    if (SUCCEEDED(hr)) hr = use_support_notifier(s, t);
    if (SUCCEEDED(hr) && memory) hr = mc_table_materialize(t);
    if (FAILED(hr)) mc_table_release(t);
    else *out = t;
    return hr;
}

HRESULT td_store_folder_table(td_store *s, ULONGLONG folder, int kind, IMAPITable **out)
{
    struct td_table_cache *c;
    mc_table *t = NULL;
    HRESULT hr = S_OK;
    BOOL memory = is_contents(kind) && GetEnvironmentVariableW(L"TANDEM_TABLES_IN_MEMORY", NULL, 0);
    tree_path path;
    td_db_catch_up(s->db);
    EnterCriticalSection(&s->lock);
    for (c = s->tables; c && !memory; c = c->next)
        if (c->folder == folder && c->kind == kind && !c->memory)
        {
            t = c->t;
            mc_table_addref(t);
            break;
        }
    if (!t)
    {
        if (is_contents(kind)) hr = contents_table(s, folder, kind, memory, &t);
        else if (SUCCEEDED(hr = mc_table_new(&s->alloc, PR_ENTRYID, (const SPropTagArray *)&hierarchy_columns, &t)) &&
                 SUCCEEDED(hr = use_support_notifier(s, t)))
        {
            /* PR_DEPTH is zero-based (pidtagdepth-canonical-property.md) */
            memset(&path, 0, sizeof(path));
            if (kind == TD_TABLE_HIERARCHY_DEEP &&
                SUCCEEDED(hr = mc_table_set_default_sort(t, (const SSortOrderSet *)&tree_order)))
                hr = fill(s, folder, TD_TABLE_HIERARCHY, 0, &path, t);
            else if (kind == TD_TABLE_HIERARCHY)
                hr = fill(s, folder, kind, 0, NULL, t);
        }
        if (SUCCEEDED(hr))
        {
            if (!(c = mc_calloc(1, sizeof(*c)))) hr = MAPI_E_NOT_ENOUGH_MEMORY;
            else
            {
                c->folder = folder;
                c->kind = kind;
                c->t = t;
                c->memory = memory;
                mc_table_addref(t);
                c->next = s->tables;
                s->tables = c;
            }
        }
    }
    LeaveCriticalSection(&s->lock);
    if (SUCCEEDED(hr))
    {
        /* a view keeps the store (its rows' source) alive */
        td_store_addref(s);
        if (FAILED(hr = mc_table_open_view(t, view_released, s, out))) td_store_release(s);
    }
    if (t) mc_table_release(t);
    return hr;
}

/* A message changed: the contents tables of its old and new folder (views over the database)
 * look it up themselves and tell their views - outside the store's lock, so the store's lock
 * is never held while a table's is taken (a table's lock comes before the database's). */
static void update_contents(td_store *s, ULONGLONG parent, ULONGLONG id)
{
    struct td_table_cache *c;
    td_obj_info info;
    mc_table *tables[8];
    ULONG n = 0, i;
    BOOL exists;

    EnterCriticalSection(&s->lock);
    for (c = s->tables; c && !n; c = c->next) n = is_contents(c->kind);
    LeaveCriticalSection(&s->lock);
    if (!n) return;     /* most saves happen with no contents table open */
    n = 0;
    exists = SUCCEEDED(td_db_object_get(s->db, id, &info));
    EnterCriticalSection(&s->lock);
    for (c = s->tables; c && n < ARRAYSIZE(tables); c = c->next)
        if (is_contents(c->kind) && (c->folder == parent || (exists && c->folder == info.parent)))
        {
            mc_table_addref(c->t);
            tables[n++] = c->t;
        }
    LeaveCriticalSection(&s->lock);
    for (i = 0; i < n; i++)
    {
        mc_table_source_changed(tables[i], id);
        mc_table_release(tables[i]);
    }
}

static void update_row(td_store *s, ULONGLONG parent, ULONGLONG id)
{
    struct td_table_cache *c;
    td_obj_info info;
    BOOL exists;
    BOOL any = FALSE;

    /* most changes happen with no hierarchy table open: nothing to load */
    EnterCriticalSection(&s->lock);
    for (c = s->tables; c && !any; c = c->next) any = c->kind == TD_TABLE_HIERARCHY;
    LeaveCriticalSection(&s->lock);
    if (!any) return;
    exists = SUCCEEDED(td_db_object_get(s->db, id, &info));
    EnterCriticalSection(&s->lock);
    for (c = s->tables; c; c = c->next)
    {
        ENTRYID *eid = NULL;
        ULONG cb = 0;
        SPropValue key;

        if (c->kind != TD_TABLE_HIERARCHY) continue;
        if (exists && info.parent == c->folder && c->folder == parent) object_row(s, id, c->kind, 0, c->t);
        else if (SUCCEEDED(td_store_object_eid(s, TD_EID_FOLDER, id, &cb, &eid)))
        {
            key.ulPropTag = PR_ENTRYID;
            key.Value.bin.cb = cb;
            key.Value.bin.lpb = (BYTE *)eid;
            mc_table_delete_row(c->t, &key);   /* MAPI_E_NOT_FOUND when it was not there */
            mc_free(eid);
        }
    }
    LeaveCriticalSection(&s->lock);
}

/* The rows of the folders below `id` leave deep table `t` (a folder moved out of its tree). */
static void delete_subtree(td_store *s, mc_table *t, ULONGLONG id, ULONG level)
{
    ULONGLONG *ids = NULL;
    ULONG n = 0, i, cb;
    ENTRYID *eid;
    SPropValue key;

    if (level >= TREE_LEVELS || FAILED(td_db_children(s->db, id, MAPI_FOLDER, 0, 0, &ids, &n))) return;
    for (i = 0; i < n; i++)
    {
        eid = NULL;
        if (SUCCEEDED(td_store_object_eid(s, TD_EID_FOLDER, ids[i], &cb, &eid)))
        {
            key.ulPropTag = PR_ENTRYID;
            key.Value.bin.cb = cb;
            key.Value.bin.lpb = (BYTE *)eid;
            mc_table_delete_row(t, &key);
            mc_free(eid);
        }
        delete_subtree(s, t, ids[i], level + 1);
    }
    mc_free(ids);
}

/* Folder `id` was added, changed, moved (`moved`: with its subfolders) or deleted: its row in
 * every deep hierarchy table, at its place in the tree (hierarchy-tables.md: the table follows
 * the folders like any other; PR_DEPTH relative to the table's folder). */
static void update_deep(td_store *s, ULONGLONG id, BOOL moved)
{
    struct td_table_cache *c;
    BOOL any = FALSE;

    EnterCriticalSection(&s->lock);
    for (c = s->tables; c && !any; c = c->next) any = c->kind == TD_TABLE_HIERARCHY_DEEP;
    for (c = s->tables; any && c; c = c->next)
    {
        tree_path path;
        ENTRYID *eid = NULL;
        SPropValue key;
        LONG depth;
        ULONG cb = 0;

        if (c->kind != TD_TABLE_HIERARCHY_DEEP) continue;
        if (tree_path_of(s, c->folder, id, &path, &depth))
        {
            object_row_ex(s, id, TD_TABLE_HIERARCHY, depth, c->t, &path, NULL, NULL);
            if (moved) fill(s, id, TD_TABLE_HIERARCHY, depth + 1, &path, c->t);
        }
        else if (SUCCEEDED(td_store_object_eid(s, TD_EID_FOLDER, id, &cb, &eid)))
        {
            key.ulPropTag = PR_ENTRYID;
            key.Value.bin.cb = cb;
            key.Value.bin.lpb = (BYTE *)eid;
            if (SUCCEEDED(mc_table_delete_row(c->t, &key)) && moved) delete_subtree(s, c->t, id, 0);
            mc_free(eid);
        }
    }
    LeaveCriticalSection(&s->lock);
}

/* Changes were lost (the feed's RESYNC): every cached table is read again and its views get
 * TABLE_RELOAD - hierarchy tables are refilled, contents tables ask the database again. */
static void reload_all(td_store *s)
{
    struct td_table_cache *c;

    EnterCriticalSection(&s->lock);
    for (c = s->tables; c; c = c->next)
    {
        tree_path path;
        memset(&path, 0, sizeof(path));
        if (is_contents(c->kind))
            mc_table_source_reload(c->t);
        else if (SUCCEEDED(mc_table_delete_all(c->t)))
            fill(s, c->folder, TD_TABLE_HIERARCHY, 0, c->kind == TD_TABLE_HIERARCHY_DEEP ? &path : NULL, c->t);
    }
    LeaveCriticalSection(&s->lock);
}

/* The row of folder `id` in its parent's hierarchy table (its counts changed). */
static void update_folder_row(td_store *s, ULONGLONG id)
{
    td_obj_info info;
    struct td_table_cache *c;
    BOOL any = FALSE;

    /* most saves happen with no hierarchy table open: no query then */
    EnterCriticalSection(&s->lock);
    for (c = s->tables; c && !any; c = c->next) any = !is_contents(c->kind);
    LeaveCriticalSection(&s->lock);
    if (any && id && SUCCEEDED(td_db_object_get(s->db, id, &info)) && info.parent)
    {
        update_row(s, info.parent, id);
        update_deep(s, id, FALSE);
    }
}

void td_store_tables_changed(td_store *s, const td_change *c)
{
    if (c->event == fnevNewMail) return;    /* a notification only: the save announced the row */
    switch (c->kind)
    {
    case TD_CHANGE_MESSAGE:
        /* one call covers the folder named and the one the message is in now */
        update_contents(s, c->event == fnevObjectMoved ? c->old_parent : c->parent, c->id);
        /* the folders' counts (PR_CONTENT_COUNT, PR_CONTENT_UNREAD) in hierarchy tables */
        update_folder_row(s, c->parent);
        if (c->event == fnevObjectMoved || c->event == fnevObjectCopied) update_folder_row(s, c->old_parent);
        break;
    case TD_CHANGE_FOLDER:
        if (c->event == fnevObjectMoved) update_row(s, c->old_parent, c->id);
        update_row(s, c->parent, c->id);
        update_deep(s, c->id, c->event == fnevObjectMoved);
        /* the parents' PR_SUBFOLDERS */
        update_folder_row(s, c->parent);
        if (c->event == fnevObjectMoved) update_folder_row(s, c->old_parent);
        break;
    case TD_CHANGE_RESYNC:
        reload_all(s);
        break;
    }
}

void td_store_tables_free(td_store *s)
{
    struct td_table_cache *c, *next;
    for (c = s->tables; c; c = next)
    {
        next = c->next;
        mc_table_release(c->t);
        mc_free(c);
    }
    s->tables = NULL;
}

HRESULT td_snapshot_table(td_store *s, ULONG index_tag, const SPropTagArray *columns, ULONG nrows,
                          const ULONG *counts, SPropValue *const *rows, IMAPITable **out)
{
    mc_table *t = NULL;
    HRESULT hr;
    ULONG i;

    if (FAILED(hr = mc_table_new(&s->alloc, index_tag, columns, &t))) return hr;
    for (i = 0; i < nrows && SUCCEEDED(hr); i++) hr = mc_table_modify_row(t, counts[i], rows[i]);
    if (SUCCEEDED(hr)) hr = mc_table_open_view(t, NULL, NULL, out);
    mc_table_release(t);
    return hr;
}

/* Without MAPI_UNICODE a table's string columns come in PT_STRING8 (imapicontainer-
 * getcontentstable.md, imessage-getrecipienttable.md, imsgstore-getreceivefoldertable.md); the
 * view is released on failure. */
HRESULT td_table_strings(td_store *s, ULONG flags, HRESULT hr, IMAPITable **view)
{
    if (FAILED(hr) || FAILED(hr = mc_view_string_columns(*view, flags)))
    {
        if (*view) (*view)->lpVtbl->Release(*view);
        *view = NULL;
    }
    return hr;
}
