/*
 * tables.c - the minimal tables of issue 3 on mapicore's mc_table: contents (normal and
 * associated) and hierarchy tables of folders, filled from the database when first opened and
 * kept in step as this process saves, moves and deletes objects; snapshot tables (recipients,
 * attachments, receive folders, deep hierarchy). Docs: contents-tables.md, hierarchy-tables.md.
 * A cached table is used for a new view only while the database is unchanged since it was
 * filled (td_db_generation); otherwise it is refilled, so changes by other sessions and other
 * processes show in tables opened after them. Views already open follow this logon's changes
 * only (the full table engine with cross-session refresh is the next issue).
 */
#include "store.h"

struct td_table_cache
{
    ULONGLONG folder;
    int kind;
    mc_table *t;
    ULONGLONG generation;       /* td_db_generation when filled */
    struct td_table_cache *next;
};

static const SizedSPropTagArray(12, contents_columns) = {12, {PR_INSTANCE_KEY, PR_ENTRYID,
    PR_MESSAGE_CLASS_W, PR_SUBJECT_W, PR_MESSAGE_FLAGS, PR_MESSAGE_SIZE, PR_HASATTACH,
    PR_LAST_MODIFICATION_TIME, PR_OBJECT_TYPE, PR_PARENT_ENTRYID, PR_RECORD_KEY, PR_MSG_STATUS}};
static const SizedSPropTagArray(12, hierarchy_columns) = {12, {PR_INSTANCE_KEY, PR_ENTRYID,
    PR_DISPLAY_NAME_W, PR_DEPTH, PR_OBJECT_TYPE, PR_FOLDER_TYPE, PR_SUBFOLDERS, PR_CONTENT_COUNT,
    PR_CONTENT_UNREAD, PR_DISPLAY_TYPE, PR_STATUS, PR_COMMENT_W}};

/* The row of one object: its small stored values plus computed ones. */
static HRESULT object_row(td_store *s, ULONGLONG id, int kind, LONG depth, mc_table *t)
{
    mc_propbag *bag = mc_propbag_new();
    td_vals vals;
    td_obj_info info;
    SPropValue *row = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    vals.n = vals.n_owned = 0;
    if (!bag) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_object_get(s->db, id, &info))) goto done;
    if (FAILED(hr = td_db_props_load(s->db, id, bag))) goto done;
    if (kind == TD_TABLE_HIERARCHY)
    {
        folder_computed(s, &info, s->writable, &vals);
        td_vals_long(&vals, PR_DEPTH, depth);
        td_vals_long(&vals, PR_DISPLAY_TYPE, DT_FOLDER);
        td_vals_long(&vals, PR_STATUS, 0);
    }
    else
    {
        td_store_common_vals(s, &vals, TD_EID_MESSAGE, id, info.parent, MAPI_MESSAGE, s->writable);
        if (!mc_propbag_get(bag, PR_MSG_STATUS)) td_vals_long(&vals, PR_MSG_STATUS, 0);
    }
    if (!(row = mc_calloc(vals.n + mc_propbag_count(bag) + 1, sizeof(*row)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < vals.n; i++) row[n++] = vals.v[i];
    for (i = 0; i < mc_propbag_count(bag); i++)
    {
        const SPropValue *v = mc_propbag_at(bag, i);
        if (mc_props_find(vals.n, vals.v, PROP_TAG(PT_UNSPECIFIED, PROP_ID(v->ulPropTag)))) continue;
        if (mc_prop_payload_size(v) > TD_MAX_TABLE_VALUE) continue;
        row[n++] = *v;
    }
    hr = mc_table_modify_row(t, n, row);
done:
    mc_free(row);
    td_vals_clear(&vals);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT fill(td_store *s, ULONGLONG folder, int kind, LONG depth, BOOL deep, mc_table *t)
{
    ULONGLONG *ids = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    if (kind == TD_TABLE_HIERARCHY) hr = td_db_children(s->db, folder, MAPI_FOLDER, 0, 0, &ids, &n);
    else hr = td_db_children(s->db, folder, MAPI_MESSAGE, MSGFLAG_ASSOCIATED,
                             kind == TD_TABLE_ASSOC ? MSGFLAG_ASSOCIATED : 0, &ids, &n);
    for (i = 0; SUCCEEDED(hr) && i < n; i++)
    {
        hr = object_row(s, ids[i], kind, depth, t);
        if (SUCCEEDED(hr) && deep) hr = fill(s, ids[i], kind, depth + 1, TRUE, t);
    }
    mc_free(ids);
    return hr;
}

HRESULT td_store_folder_table(td_store *s, ULONGLONG folder, int kind, IMAPITable **out)
{
    struct td_table_cache *c;
    mc_table *t = NULL;
    HRESULT hr = S_OK;
    BOOL deep = kind > TD_TABLE_HIERARCHY;

    ULONGLONG generation = td_db_generation(s->db);
    struct td_table_cache **pc;

    if (deep) kind = TD_TABLE_HIERARCHY;
    EnterCriticalSection(&s->lock);
    for (pc = &s->tables; (c = *pc) && !deep; pc = &c->next)
        if (c->folder == folder && c->kind == kind)
        {
            if (c->generation == generation) { t = c->t; mc_table_addref(t); break; }
            /* stale: forget it (open views keep their table) and fill a new one */
            *pc = c->next;
            mc_table_release(c->t);
            mc_free(c);
            break;
        }
    if (!t)
    {
        hr = mc_table_new(&s->alloc, PR_ENTRYID, kind == TD_TABLE_HIERARCHY ?
                          (const SPropTagArray *)&hierarchy_columns : (const SPropTagArray *)&contents_columns, &t);
        if (SUCCEEDED(hr)) hr = fill(s, folder, kind, deep ? 1 : 0, deep, t);
        if (SUCCEEDED(hr) && !deep)
        {
            if (!(c = mc_calloc(1, sizeof(*c)))) hr = MAPI_E_NOT_ENOUGH_MEMORY;
            else
            {
                c->folder = folder;
                c->kind = kind;
                c->t = t;
                c->generation = generation;
                mc_table_addref(t);
                c->next = s->tables;
                s->tables = c;
            }
        }
    }
    LeaveCriticalSection(&s->lock);
    if (SUCCEEDED(hr)) hr = mc_table_open_view(t, NULL, NULL, out);
    if (t) mc_table_release(t);
    return hr;
}

static void update_row(td_store *s, ULONGLONG parent, ULONGLONG id, BOOL folder)
{
    struct td_table_cache *c;
    td_obj_info info;
    BOOL exists = SUCCEEDED(td_db_object_get(s->db, id, &info));
    mc_propbag *bag = NULL;
    ULONG flags = 0;

    if (!folder && exists && (bag = mc_propbag_new()))
    {
        /* which contents table the message belongs to */
        if (SUCCEEDED(td_db_props_load(s->db, id, bag)))
            flags = (ULONG)mc_propbag_get_long(bag, PR_MESSAGE_FLAGS, 0);
        mc_propbag_free(bag);
    }
    EnterCriticalSection(&s->lock);
    for (c = s->tables; c; c = c->next)
    {
        ENTRYID *eid = NULL;
        ULONG cb = 0;
        SPropValue key;
        BOOL here;

        if ((c->kind == TD_TABLE_HIERARCHY) != folder) continue;
        here = exists && info.parent == c->folder && c->folder == parent &&
               (folder || ((flags & MSGFLAG_ASSOCIATED) != 0) == (c->kind == TD_TABLE_ASSOC));
        if (here) object_row(s, id, c->kind, 0, c->t);
        else if (SUCCEEDED(td_store_object_eid(s, folder ? TD_EID_FOLDER : TD_EID_MESSAGE, id, &cb, &eid)))
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

void td_store_tables_message(td_store *s, ULONGLONG folder, ULONGLONG msg)
{
    update_row(s, folder, msg, FALSE);
}

void td_store_tables_folder(td_store *s, ULONGLONG parent, ULONGLONG folder)
{
    td_obj_info info;
    update_row(s, parent, folder, TRUE);
    /* the parent's counts changed too: refresh its row in its parent's table */
    if (parent && SUCCEEDED(td_db_object_get(s->db, parent, &info)) && info.parent)
        update_row(s, info.parent, parent, TRUE);
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
