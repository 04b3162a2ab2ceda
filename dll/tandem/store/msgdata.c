/*
 * msgdata.c - a message's content in memory (properties, recipient rows, attachments with
 * embedded messages), loaded from and saved to the db layer as one tree of objects:
 *   message -> MAPI_MAILUSER children (num = PR_ROWID) and MAPI_ATTACH children
 *   (num = PR_ATTACH_NUM) -> at most one MAPI_MESSAGE child (the embedded message).
 * Transacted objects work on a copy and hand it back on SaveChanges (message.c, attach.c).
 */
#include "store.h"

td_msgdata *td_msgdata_new(void)
{
    td_msgdata *m = mc_calloc(1, sizeof(*m));
    if (!m) return NULL;
    if (!(m->props = mc_propbag_new())) { mc_free(m); return NULL; }
    m->next_rowid = 1;
    m->next_attnum = 1;
    return m;
}

void td_msgdata_free(td_msgdata *m)
{
    ULONG i;
    if (!m) return;
    for (i = 0; i < m->n_recips; i++) mc_propbag_free(m->recips[i]);
    for (i = 0; i < m->n_atts; i++) td_attdata_free(m->atts[i]);
    td_bigvals_clear(&m->big);
    mc_free(m->recips);
    mc_free(m->atts);
    mc_propbag_free(m->props);
    mc_free(m);
}

td_attdata *td_attdata_new(ULONG num)
{
    td_attdata *a = mc_calloc(1, sizeof(*a));
    if (!a) return NULL;
    if (!(a->props = mc_propbag_new())) { mc_free(a); return NULL; }
    a->num = num;
    return a;
}

void td_attdata_free(td_attdata *a)
{
    if (!a) return;
    mc_propbag_free(a->props);
    td_bigvals_clear(&a->big);
    td_msgdata_free(a->embedded);
    mc_free(a);
}

td_attdata *td_attdata_dup(const td_attdata *a)
{
    td_attdata *r = td_attdata_new(a->num);
    if (!r) return NULL;
    if (FAILED(mc_propbag_copy(r->props, a->props)) || FAILED(td_bigvals_copy(&r->big, &a->big)) ||
        (a->embedded && !(r->embedded = td_msgdata_dup(a->embedded))))
    {
        td_attdata_free(r);
        return NULL;
    }
    return r;
}

HRESULT td_msgdata_add_recip(td_msgdata *m, mc_propbag *recip)
{
    mc_propbag **bigger = mc_realloc(m->recips, (m->n_recips + 1) * sizeof(*bigger));
    if (!bigger) return MAPI_E_NOT_ENOUGH_MEMORY;
    m->recips = bigger;
    m->recips[m->n_recips++] = recip;
    return S_OK;
}

HRESULT td_msgdata_put_att(td_msgdata *m, td_attdata *a)
{
    td_attdata **bigger;
    ULONG i;

    for (i = 0; i < m->n_atts; i++)
        if (m->atts[i]->num == a->num)
        {
            td_attdata_free(m->atts[i]);
            m->atts[i] = a;
            return S_OK;
        }
    if (!(bigger = mc_realloc(m->atts, (m->n_atts + 1) * sizeof(*bigger)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    m->atts = bigger;
    m->atts[m->n_atts++] = a;
    if (a->num >= m->next_attnum) m->next_attnum = a->num + 1;
    return S_OK;
}

BOOL td_msgdata_remove_att(td_msgdata *m, ULONG num)
{
    ULONG i;
    for (i = 0; i < m->n_atts; i++)
        if (m->atts[i]->num == num)
        {
            td_attdata_free(m->atts[i]);
            memmove(&m->atts[i], &m->atts[i + 1], (m->n_atts - i - 1) * sizeof(*m->atts));
            m->n_atts--;
            return TRUE;
        }
    return FALSE;
}

td_msgdata *td_msgdata_dup(const td_msgdata *m)
{
    td_msgdata *r = td_msgdata_new();
    ULONG i;

    if (!r) return NULL;
    r->next_rowid = m->next_rowid;
    r->next_attnum = m->next_attnum;
    if (FAILED(mc_propbag_copy(r->props, m->props)) || FAILED(td_bigvals_copy(&r->big, &m->big))) goto fail;
    for (i = 0; i < m->n_recips; i++)
    {
        mc_propbag *b = mc_propbag_new();
        if (!b) goto fail;
        if (FAILED(mc_propbag_copy(b, m->recips[i])) || FAILED(td_msgdata_add_recip(r, b)))
        {
            mc_propbag_free(b);
            goto fail;
        }
    }
    for (i = 0; i < m->n_atts; i++)
    {
        td_attdata *a = td_attdata_dup(m->atts[i]);
        if (!a) goto fail;
        if (FAILED(td_msgdata_put_att(r, a))) { td_attdata_free(a); goto fail; }
    }
    return r;
fail:
    td_msgdata_free(r);
    return NULL;
}

HRESULT td_msgdata_load(td_db *db, ULONGLONG id, td_msgdata **out)
{
    td_msgdata *m = td_msgdata_new();
    ULONGLONG *ids = NULL, *sub = NULL;
    ULONG n = 0, nsub = 0, i;
    HRESULT hr;

    *out = NULL;
    if (!m) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_props_load_ex(db, id, m->props, FALSE)) || FAILED(hr = td_bigvals_load(db, id, &m->big)))
        goto done;
    if (FAILED(hr = td_db_children(db, id, MAPI_MAILUSER, 0, 0, &ids, &n))) goto done;
    for (i = 0; i < n; i++)
    {
        mc_propbag *b = mc_propbag_new();
        td_obj_info info;
        SPropValue v;

        if (!b) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        if (FAILED(hr = td_db_props_load(db, ids[i], b)) || FAILED(hr = td_db_object_get(db, ids[i], &info)) ||
            FAILED(hr = td_msgdata_add_recip(m, b)))
        {
            mc_propbag_free(b);
            goto done;
        }
        v.ulPropTag = PR_ROWID;
        v.Value.l = (LONG)info.num;
        mc_propbag_set(b, &v);
        if (info.num >= m->next_rowid) m->next_rowid = info.num + 1;
    }
    mc_free(ids);
    ids = NULL;
    if (FAILED(hr = td_db_children(db, id, MAPI_ATTACH, 0, 0, &ids, &n))) goto done;
    for (i = 0; i < n; i++)
    {
        td_obj_info info;
        td_attdata *a;

        if (FAILED(hr = td_db_object_get(db, ids[i], &info))) goto done;
        if (!(a = td_attdata_new(info.num))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        if (FAILED(hr = td_db_props_load_ex(db, ids[i], a->props, FALSE)) ||
            FAILED(hr = td_bigvals_load(db, ids[i], &a->big)) || FAILED(hr = td_msgdata_put_att(m, a)))
        {
            td_attdata_free(a);
            goto done;
        }
        if (FAILED(hr = td_db_children(db, ids[i], MAPI_MESSAGE, 0, 0, &sub, &nsub))) goto done;
        if (nsub && FAILED(hr = td_msgdata_load(db, sub[0], &a->embedded))) goto done;
        mc_free(sub);
        sub = NULL;
    }
    *out = m;
    m = NULL;
done:
    mc_free(ids);
    mc_free(sub);
    td_msgdata_free(m);
    return hr;
}

/* Write recipients and attachments below message `id`. An existing message's old rows are
 * deleted after the new ones are written (values kept outside the rows move with them); a
 * fresh message has none, so nothing is looked up or deleted. */
static HRESULT save_tree(td_db *db, ULONGLONG id, const td_msgdata *m, BOOL fresh, BOOL move);

static HRESULT save_children(td_db *db, ULONGLONG id, const td_msgdata *m, BOOL fresh)
{
    ULONGLONG *old_r = NULL, *old_a = NULL, child;
    ULONG n_r = 0, n_a = 0, i;
    HRESULT hr = S_OK;

    if (!fresh && (FAILED(hr = td_db_children(db, id, MAPI_MAILUSER, 0, 0, &old_r, &n_r)) ||
                   FAILED(hr = td_db_children(db, id, MAPI_ATTACH, 0, 0, &old_a, &n_a))))
        goto done;
    for (i = 0; i < m->n_recips && SUCCEEDED(hr); i++)
    {
        ULONG rowid = (ULONG)mc_propbag_get_long(m->recips[i], PR_ROWID, (LONG)(i + 1));
        if (SUCCEEDED(hr = td_db_object_create(db, id, MAPI_MAILUSER, 0, rowid, &child)))
            hr = td_db_props_write(db, child, m->recips[i], PROP_ID(PR_ROWID), TRUE);
    }
    for (i = 0; i < m->n_atts && SUCCEEDED(hr); i++)
    {
        const td_attdata *a = m->atts[i];
        if (FAILED(hr = td_db_object_create(db, id, MAPI_ATTACH, 0, a->num, &child)) ||
            (a->big.n && FAILED(hr = td_bigvals_save(db, child, &a->big, a->props, !fresh))) ||
            FAILED(hr = td_db_props_write(db, child, a->props, PROP_ID(PR_ATTACH_NUM), TRUE)))
            break;
        if (a->embedded)
        {
            ULONGLONG sub;
            if (SUCCEEDED(hr = td_db_object_create(db, child, MAPI_MESSAGE, 0, 0, &sub)))
                hr = save_tree(db, sub, a->embedded, TRUE, !fresh);
        }
    }
    for (i = 0; i < n_r && SUCCEEDED(hr); i++) hr = td_db_object_delete(db, old_r[i]);
    for (i = 0; i < n_a && SUCCEEDED(hr); i++) hr = td_db_object_delete(db, old_a[i]);
done:
    mc_free(old_r);
    mc_free(old_a);
    return hr;
}

/* `move`: values kept outside the rows move from objects about to be deleted. */
static HRESULT save_tree(td_db *db, ULONGLONG id, const td_msgdata *m, BOOL fresh, BOOL move)
{
    HRESULT hr;

    /* a new object has no big values yet: with none to write there is nothing to look up */
    if ((!fresh || m->big.n) && FAILED(hr = td_bigvals_save(db, id, &m->big, m->props, move)))
        return hr;
    if (FAILED(hr = td_db_props_write(db, id, m->props, 0, fresh)))
        return hr;
    return save_children(db, id, m, fresh);
}

HRESULT td_msgdata_save(td_db *db, ULONGLONG id, const td_msgdata *m, BOOL fresh)
{
    return save_tree(db, id, m, fresh, FALSE);
}

ULONG td_msgdata_size(const td_msgdata *m)
{
    ULONG size = 0, i, j;

    for (i = 0; i < mc_propbag_count(m->props); i++)
        size += sizeof(SPropValue) + mc_prop_payload_size(mc_propbag_at(m->props, i));
    size += td_bigvals_size(&m->big);
    for (j = 0; j < m->n_recips; j++)
        for (i = 0; i < mc_propbag_count(m->recips[j]); i++)
            size += sizeof(SPropValue) + mc_prop_payload_size(mc_propbag_at(m->recips[j], i));
    for (j = 0; j < m->n_atts; j++)
    {
        for (i = 0; i < mc_propbag_count(m->atts[j]->props); i++)
            size += sizeof(SPropValue) + mc_prop_payload_size(mc_propbag_at(m->atts[j]->props, i));
        size += td_bigvals_size(&m->atts[j]->big);
        if (m->atts[j]->embedded) size += td_msgdata_size(m->atts[j]->embedded);
    }
    return size;
}
