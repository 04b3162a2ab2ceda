/*
 * transact.c - the IMAPIProp part that the store's transacted objects share: a message and an
 * attachment both work on an in-memory copy of their properties (a bag plus its big values,
 * db.h) that their SaveChanges hands on (imapiprop-savechanges.md, iattachimapiprop.md,
 * imessageimapiprop.md). What differs - computed values, which PT_OBJECT properties they have,
 * what SetProps may change, children - stays with the object; this file reads and writes the
 * working copy, always under the object's lock.
 */
#include "store.h"

HRESULT td_transacted_commit_stream(td_transacted *t, ULONG tag, const BYTE *data, ULONG cb)
{
    td_bigvals *big;
    mc_propbag *props;
    HRESULT hr;

    EnterCriticalSection(t->lock);
    props = t->work(t, &big);
    hr = td_bag_set_bytes(props, tag, data, cb);
    td_bigvals_remove(big, PROP_ID(tag));
    LeaveCriticalSection(t->lock);
    return hr;
}

/* A big value written through a stream stays in its staging area until SaveChanges. */
HRESULT td_transacted_commit_stream_big(td_transacted *t, ULONG tag, ULONG size, LONGLONG stage)
{
    td_bigvals *big;
    mc_propbag *props;
    HRESULT hr;

    EnterCriticalSection(t->lock);
    props = t->work(t, &big);
    mc_propbag_delete(props, tag);
    hr = td_bigvals_put(t->s->db, big, tag, size, stage);
    LeaveCriticalSection(t->lock);
    return hr;
}

HRESULT td_transacted_getprops(td_transacted *t, const SPropTagArray *tags, ULONG flags, ULONG *count,
                               SPropValue **out)
{
    td_bigvals *big;
    mc_propbag *props;
    td_vals vals;
    HRESULT hr;

    vals.n = vals.n_owned = 0;
    if (!count || !out) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(t->lock);
    props = t->work(t, &big);
    t->computed(t, &vals);
    td_big_vals(big, props, &vals);
    hr = td_getprops(t->s, props, &vals, tags, flags, count, out);
    if (SUCCEEDED(hr)) td_big_errors(big, props, *count, *out, &hr);
    LeaveCriticalSection(t->lock);
    td_vals_clear(&vals);
    return hr;
}

HRESULT td_transacted_getproplist(td_transacted *t, const SPropTagArray *objects, ULONG flags,
                                  SPropTagArray **out)
{
    td_bigvals *big;
    mc_propbag *props;
    td_vals vals;
    HRESULT hr;

    vals.n = vals.n_owned = 0;
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(t->lock);
    props = t->work(t, &big);
    t->computed(t, &vals);
    td_big_vals(big, props, &vals);
    hr = mc_getproplist(&t->s->alloc, props, vals.v, vals.n, (SPropTagArray *)objects, flags, NULL, out);
    LeaveCriticalSection(t->lock);
    td_vals_clear(&vals);
    return hr;
}

HRESULT td_transacted_open_stream(td_transacted *t, IUnknown *owner, td_stream_commit_fn commit,
                                  td_stream_commit_big_fn commit_big, ULONG tag, ULONG flags, BOOL convert,
                                  IStream **out)
{
    const SPropValue *v;
    const td_bigval *bv;
    td_bigvals *big;
    mc_propbag *props;
    const BYTE *data = NULL;
    ULONG cb = 0;
    HRESULT hr;

    EnterCriticalSection(t->lock);
    props = t->work(t, &big);
    v = mc_propbag_get(props, tag);
    bv = v ? NULL : td_bigvals_find(big, PROP_ID(tag));
    if (bv)
        hr = td_big_open_stream(t->s->db, owner, commit, commit_big, bv, tag, flags, out);
    else if (!v && !(flags & MAPI_CREATE)) hr = MAPI_E_NOT_FOUND;
    else
    {
        /* a stream over PT_STRING8 of a Unicode value (or the reverse) converts */
        SPropValue conv;
        BOOL converted = FALSE;
        if (v && !(flags & MAPI_CREATE))
        {
            if (convert && PROP_TYPE(v->ulPropTag) != PROP_TYPE(tag) &&
                SUCCEEDED(mc_prop_convert(NULL, NULL, &conv, v, PROP_TYPE(tag)))) { v = &conv; converted = TRUE; }
            td_value_bytes(v, &data, &cb);
        }
        hr = stream_open(t->s->db, owner, commit, commit_big, tag, data, cb, 0, (flags & MAPI_MODIFY) != 0, out);
        if (converted) mc_prop_free_internal(&conv);
    }
    LeaveCriticalSection(t->lock);
    return hr;
}

HRESULT td_transacted_deleteprops(td_transacted *t, const SPropTagArray *tags, mc_check_fn check,
                                  void *ctx, SPropProblemArray **problems)
{
    td_bigvals *big;
    mc_propbag *props;
    HRESULT hr;

    EnterCriticalSection(t->lock);
    props = t->work(t, &big);
    hr = mc_deleteprops(&t->s->alloc, props, tags, check, ctx, problems);
    if (SUCCEEDED(hr))
    {
        ULONG i;
        for (i = 0; i < tags->cValues; i++) td_bigvals_remove(big, PROP_ID(tags->aulPropTag[i]));
    }
    LeaveCriticalSection(t->lock);
    return hr;
}

HRESULT td_transacted_copy(td_transacted *t, IMAPIProp *src, const mc_propbag *snap, const SPropTagArray *exclude,
                           const SPropTagArray *include, IMAPIProp *dest, ULONG flags, SPropProblemArray **problems)
{
    td_bigvals copy = {0}, *big;
    HRESULT hr;

    if (FAILED(hr = td_copy_bag(t->s, snap, exclude, include, dest, flags, problems))) return hr;
    EnterCriticalSection(t->lock);
    t->work(t, &big);
    hr = td_bigvals_copy(&copy, big);
    LeaveCriticalSection(t->lock);
    if (SUCCEEDED(hr)) hr = td_big_copy(t->s, src, &copy, snap, exclude, include, dest, flags);
    td_bigvals_clear(&copy);
    return hr;
}
