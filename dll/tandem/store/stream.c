
/*
 * stream.c - IStream over one PT_BINARY / PT_STRING8 / PT_UNICODE property, from
 * IMAPIProp::OpenProperty(IID_IStream) (imapiprop-openproperty.md). A string stream holds the
 * characters without the terminator.
 * Where the bytes are: a read-only stream reads its object's value in place (a small value in
 * memory, a big value through incremental blob I/O on its big_values row); a writable stream
 * works on a staging area of the database (db.h) with one chunk cached, so no value is ever
 * held whole by the stream. Commit (and Release after writes not reverted) hands the result
 * to its object: small values as bytes, big ones as the staging area itself (a reference),
 * which the object's SaveChanges writes in its transaction; the stream copies it to a new area
 * of its own only if it changes it again (copying at every Commit made a Write..Commit..Release
 * of a 20 MB value copy and delete 20 MB more in the staging table).
 */
#include "store.h"

#define CHUNK 65536

typedef struct stream
{
    IStream IStream_iface;
    LONG ref;
    IUnknown *owner;            /* AddRef'd: the object the property belongs to */
    td_stream_commit_fn commit;
    td_stream_commit_big_fn commit_big;   /* NULL: the owner takes bytes only */
    td_db *db;                  /* AddRef'd */
    ULONG tag;
    BOOL writable;
    BOOL dirty;
    const BYTE *mem;            /* read-only over a small value: the owner's bytes */
    BYTE *mem_own;              /* ... copied when the owner can change them */
    LONGLONG row;               /* read-only over a big value: its row */
    LONGLONG stage;             /* writable: the staging area */
    BOOL shared;                /* ... also the owner's since Commit: copied before a change */
    LONGLONG src_stage;         /* read from a committed, unsaved value (referenced) */
    BYTE *cbuf;                 /* writable: the cached chunk */
    LONGLONG cidx;              /* its index, -1 none */
    BOOL cdirty;
    ULONG size;
    ULONG pos;
} stream;

static const IStreamVtbl stream_vtbl;

static inline stream *impl_from_IStream(IStream *iface)
{
    return CONTAINING_RECORD(iface, stream, IStream_iface);
}

void td_value_bytes(const SPropValue *v, const BYTE **data, ULONG *cb)
{
    switch (PROP_TYPE(v->ulPropTag))
    {
    case PT_BINARY:  *data = v->Value.bin.lpb; *cb = v->Value.bin.cb; break;
    case PT_STRING8: *data = (const BYTE *)v->Value.lpszA; *cb = (ULONG)strlen(v->Value.lpszA); break;
    case PT_UNICODE: *data = (const BYTE *)v->Value.lpszW; *cb = (ULONG)wcslen(v->Value.lpszW) * 2; break;
    default:         *data = NULL; *cb = 0; break;
    }
}

HRESULT td_bag_set_bytes(mc_propbag *bag, ULONG tag, const BYTE *data, ULONG cb)
{
    SPropValue v;
    BYTE *tmp = NULL;
    HRESULT hr;

    v.ulPropTag = tag;
    if (PROP_TYPE(tag) == PT_BINARY)
    {
        v.Value.bin.cb = cb;
        v.Value.bin.lpb = (BYTE *)data;
        return mc_propbag_set(bag, &v);
    }
    /* strings: add the terminator (and stop at an embedded one) */
    if (!(tmp = mc_malloc((SIZE_T)cb + 2))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (cb) memcpy(tmp, data, cb);
    tmp[cb] = tmp[cb + 1] = 0;
    if (PROP_TYPE(tag) == PT_UNICODE && (cb & 1)) tmp[cb - 1] = 0;
    v.Value.lpszA = (char *)tmp;
    hr = mc_propbag_set(bag, &v);
    mc_free(tmp);
    return hr;
}

static HRESULT flush(stream *This)
{
    HRESULT hr;
    if (!This->cdirty) return S_OK;
    if (SUCCEEDED(hr = td_db_stage_write(This->db, This->stage, (ULONGLONG)This->cidx * CHUNK, This->cbuf, CHUNK)))
        This->cdirty = FALSE;
    return hr;
}

/* Bring chunk `idx` into the cache (`whole`: it is about to be overwritten entirely). */
static HRESULT load_chunk(stream *This, LONGLONG idx, BOOL whole)
{
    HRESULT hr;
    if (This->cidx == idx) return S_OK;
    if (FAILED(hr = flush(This))) return hr;
    This->cidx = -1;
    if (whole) memset(This->cbuf, 0, CHUNK);
    else if (FAILED(hr = td_db_stage_read(This->db, This->stage, (ULONGLONG)idx * CHUNK, This->cbuf, CHUNK))) return hr;
    This->cidx = idx;
    return S_OK;
}

/* Read `cb` bytes at `off` (within size) from wherever the value is. */
static HRESULT read_at(stream *This, ULONG off, BYTE *buf, ULONG cb)
{
    ULONG got;
    HRESULT hr;

    if (This->stage)
    {
        if (FAILED(hr = flush(This))) return hr;
        return td_db_stage_read(This->db, This->stage, off, buf, cb);
    }
    if (This->src_stage) return td_db_stage_read(This->db, This->src_stage, off, buf, cb);
    if (This->row)
    {
        if (FAILED(hr = td_db_big_read(This->db, This->row, off, buf, cb, &got))) return hr;
        if (got < cb) memset(buf + got, 0, cb - got);
        return S_OK;
    }
    if (cb) memcpy(buf, This->mem + off, cb);
    return S_OK;
}

/* Copy `size` bytes of this stream's value into staging area `stage`, a chunk at a time. */
static HRESULT copy_to_stage(stream *This, LONGLONG stage, ULONG size)
{
    BYTE *buf = mc_malloc(CHUNK);
    ULONG off;
    HRESULT hr = S_OK;

    if (!buf) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (off = 0; off < size && SUCCEEDED(hr); off += CHUNK)
    {
        ULONG n = size - off < CHUNK ? size - off : CHUNK;
        if (SUCCEEDED(hr = read_at(This, off, buf, n))) hr = td_db_stage_write(This->db, stage, off, buf, n);
    }
    mc_free(buf);
    return hr;
}

/* Before changing the staging area: if the owner has it (Commit), continue on a copy. */
static HRESULT unshare(stream *This)
{
    LONGLONG copy;
    HRESULT hr;

    if (!This->shared) return S_OK;
    if (FAILED(hr = td_db_stage_new(This->db, &copy))) return hr;
    if (FAILED(hr = copy_to_stage(This, copy, This->size)))
    {
        td_db_stage_release(This->db, copy);
        return hr;
    }
    /* the cached chunk, clean since Commit flushed it, is the same in the copy */
    td_db_stage_release(This->db, This->stage);
    This->stage = copy;
    This->shared = FALSE;
    return S_OK;
}

HRESULT stream_open(td_db *db, IUnknown *owner, td_stream_commit_fn commit, td_stream_commit_big_fn commit_big,
                    ULONG tag, const BYTE *data, ULONG cb, LONGLONG row, BOOL writable, IStream **out)
{
    stream *This;
    HRESULT hr = S_OK;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IStream_iface.lpVtbl = (IStreamVtbl *)&stream_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    td_db_addref(db);
    This->db = db;
    owner->lpVtbl->AddRef(owner);
    This->owner = owner;
    This->commit = commit;
    This->commit_big = commit_big;
    This->tag = tag;
    This->writable = writable;
    This->cidx = -1;
    This->size = cb;
    This->row = row > 0 ? row : 0;
    if (row < 0) td_db_stage_addref(db, This->src_stage = -row);   /* row < 0: a staging area */
    This->mem = data;
    mc_object_created();
    if (!writable && !row && cb && data)
    {
        /* the owner's value may change while we read it: keep our own copy (small) */
        if (!(This->mem_own = mc_malloc(cb))) hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else memcpy(This->mem_own, data, cb);
        This->mem = This->mem_own;
    }
    if (writable && SUCCEEDED(hr) && (!(This->cbuf = mc_malloc(CHUNK)) ? (hr = MAPI_E_NOT_ENOUGH_MEMORY, FALSE) : TRUE) &&
        SUCCEEDED(hr = td_db_stage_new(db, &This->stage)))
    {
        LONGLONG st = This->stage;
        This->stage = 0;            /* read the initial value from its source */
        hr = copy_to_stage(This, st, cb);
        This->stage = st;
        This->row = 0;
        This->mem = NULL;
        if (This->src_stage) td_db_stage_release(db, This->src_stage);
        This->src_stage = 0;
    }
    /* a stream opened with MAPI_CREATE starts empty and replaces the value */
    This->dirty = writable && !cb && !data && !row;
    if (FAILED(hr))
    {
        This->dirty = FALSE;
        This->IStream_iface.lpVtbl->Release(&This->IStream_iface);
        return hr;
    }
    *out = &This->IStream_iface;
    return S_OK;
}

HRESULT stream_create(td_db *db, IUnknown *owner, td_stream_commit_fn commit, ULONG tag, const BYTE *data,
                      ULONG cb, BOOL writable, IStream **out)
{
    return stream_open(db, owner, commit, NULL, tag, data, cb, 0, writable, out);
}

/* Hand the written value to the owner. */
static HRESULT do_commit(stream *This)
{
    BYTE *buf = NULL;
    HRESULT hr;

    if (FAILED(hr = flush(This))) return hr;
    if (This->size > TD_DB_BIG_VALUE && This->commit_big)
    {
        /* the owner gets a reference on our staging area (commit_big takes it, also when it
         * fails); a later change of this stream goes to a copy (unshare) */
        td_db_stage_addref(This->db, This->stage);
        if (SUCCEEDED(hr = This->commit_big(This->owner, This->tag, This->size, This->stage))) This->shared = TRUE;
        return hr;
    }
    if (!(buf = mc_malloc(This->size + 1))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (SUCCEEDED(hr = read_at(This, 0, buf, This->size))) hr = This->commit(This->owner, This->tag, buf, This->size);
    mc_free(buf);
    return hr;
}

static HRESULT STDMETHODCALLTYPE stream_QueryInterface(IStream *iface, REFIID riid, void **out)
{
    if (!out || !riid) return E_INVALIDARG;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IStream) ||
        IsEqualGUID(riid, &IID_ISequentialStream))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE stream_AddRef(IStream *iface)
{
    return InterlockedIncrement(&impl_from_IStream(iface)->ref);
}

static ULONG STDMETHODCALLTYPE stream_Release(IStream *iface)
{
    stream *This = impl_from_IStream(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    if (ref) return ref;
    if (This->dirty) do_commit(This);
    if (This->row) td_db_big_read_end(This->db, This->row);
    if (This->stage) td_db_stage_release(This->db, This->stage);
    if (This->src_stage) td_db_stage_release(This->db, This->src_stage);
    This->owner->lpVtbl->Release(This->owner);
    td_db_release(This->db);
    mc_free(This->cbuf);
    mc_free(This->mem_own);
    mc_free(This);
    mc_object_destroyed();
    return 0;
}

static HRESULT STDMETHODCALLTYPE stream_Read(IStream *iface, void *pv, ULONG cb, ULONG *pcbRead)
{
    stream *This = impl_from_IStream(iface);
    ULONG n;
    HRESULT hr = S_OK;

    if (pcbRead) *pcbRead = 0;
    if (!pv) return STG_E_INVALIDPOINTER;
    n = This->pos < This->size ? min(cb, This->size - This->pos) : 0;
    if (n && This->stage)
    {
        /* through the cached chunk */
        ULONG done = 0;
        while (done < n && SUCCEEDED(hr))
        {
            ULONG off = This->pos + done, in = off % CHUNK, k = min(n - done, CHUNK - in);
            if (SUCCEEDED(hr = load_chunk(This, off / CHUNK, FALSE)))
                memcpy((BYTE *)pv + done, This->cbuf + in, k);
            done += k;
        }
    }
    else if (n) hr = read_at(This, This->pos, pv, n);
    if (FAILED(hr)) return STG_E_READFAULT;
    This->pos += n;
    if (pcbRead) *pcbRead = n;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_Write(IStream *iface, const void *pv, ULONG cb, ULONG *pcbWritten)
{
    stream *This = impl_from_IStream(iface);
    ULONG done = 0;
    HRESULT hr = S_OK;

    if (pcbWritten) *pcbWritten = 0;
    if (!pv) return STG_E_INVALIDPOINTER;
    if (!This->writable) return STG_E_ACCESSDENIED;
    if ((ULONGLONG)This->pos + cb > 0x7FFFFFFF) return STG_E_MEDIUMFULL;
    if (cb && FAILED(unshare(This))) return STG_E_WRITEFAULT;
    while (done < cb && SUCCEEDED(hr))
    {
        ULONG off = This->pos + done, in = off % CHUNK, k = min(cb - done, CHUNK - in);
        /* a chunk wholly past the end or wholly overwritten need not be read */
        BOOL whole = (in == 0 && k == CHUNK) || (ULONGLONG)(off - in) >= This->size;
        if (SUCCEEDED(hr = load_chunk(This, off / CHUNK, whole)))
        {
            memcpy(This->cbuf + in, (const BYTE *)pv + done, k);
            This->cdirty = TRUE;
            done += k;
        }
    }
    if (FAILED(hr)) return STG_E_WRITEFAULT;
    This->pos += cb;
    if (This->pos > This->size) This->size = This->pos;
    This->dirty = TRUE;
    if (pcbWritten) *pcbWritten = cb;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_Seek(IStream *iface, LARGE_INTEGER move, DWORD origin,
        ULARGE_INTEGER *newpos)
{
    stream *This = impl_from_IStream(iface);
    LONGLONG base;

    switch (origin)
    {
    case STREAM_SEEK_SET: base = 0; break;
    case STREAM_SEEK_CUR: base = This->pos; break;
    case STREAM_SEEK_END: base = This->size; break;
    default: return STG_E_INVALIDFUNCTION;
    }
    base += move.QuadPart;
    if (base < 0 || base > 0x7FFFFFFF) return STG_E_INVALIDFUNCTION;
    This->pos = (ULONG)base;
    if (newpos) newpos->QuadPart = This->pos;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_SetSize(IStream *iface, ULARGE_INTEGER size)
{
    stream *This = impl_from_IStream(iface);
    HRESULT hr;

    if (!This->writable) return STG_E_ACCESSDENIED;
    if (size.QuadPart > 0x7FFFFFFF) return STG_E_MEDIUMFULL;
    if (size.QuadPart < This->size)
    {
        if (FAILED(unshare(This))) return STG_E_WRITEFAULT;
        /* what lies past the new end reads as zeros if the stream grows again */
        if (FAILED(hr = flush(This))) return hr;
        This->cidx = -1;
        if (FAILED(hr = td_db_stage_truncate(This->db, This->stage, size.QuadPart))) return STG_E_WRITEFAULT;
    }
    This->size = (ULONG)size.QuadPart;
    This->dirty = TRUE;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_CopyTo(IStream *iface, IStream *dest, ULARGE_INTEGER cb,
        ULARGE_INTEGER *read, ULARGE_INTEGER *written)
{
    stream *This = impl_from_IStream(iface);
    ULONGLONG left = This->pos < This->size ? This->size - This->pos : 0, total_r = 0, total_w = 0;
    BYTE *buf;
    HRESULT hr = S_OK;

    if (!dest) return STG_E_INVALIDPOINTER;
    if (cb.QuadPart < left) left = cb.QuadPart;
    if (!(buf = mc_malloc(CHUNK))) return E_OUTOFMEMORY;
    while (left && SUCCEEDED(hr))
    {
        ULONG n = left < CHUNK ? (ULONG)left : CHUNK, got = 0, put = 0;
        if (FAILED(hr = iface->lpVtbl->Read(iface, buf, n, &got)) || !got) break;
        total_r += got;
        hr = dest->lpVtbl->Write(dest, buf, got, &put);
        total_w += put;
        left -= got;
    }
    mc_free(buf);
    if (read) read->QuadPart = total_r;
    if (written) written->QuadPart = total_w;
    return hr;
}

static HRESULT STDMETHODCALLTYPE stream_Commit(IStream *iface, DWORD flags)
{
    stream *This = impl_from_IStream(iface);
    HRESULT hr;

    if (!This->writable) return STG_E_ACCESSDENIED;
    if (!This->dirty) return S_OK;
    if (SUCCEEDED(hr = do_commit(This))) This->dirty = FALSE;
    return hr;
}

static HRESULT STDMETHODCALLTYPE stream_Revert(IStream *iface)
{
    stream *This = impl_from_IStream(iface);
    /* forget the writes since the last Commit as far as the owner is concerned: they are
     * not handed over (the stream's own view keeps them) */
    This->dirty = FALSE;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_LockRegion(IStream *iface, ULARGE_INTEGER off, ULARGE_INTEGER cb, DWORD type)
{
    return STG_E_INVALIDFUNCTION;
}

static HRESULT STDMETHODCALLTYPE stream_UnlockRegion(IStream *iface, ULARGE_INTEGER off, ULARGE_INTEGER cb, DWORD type)
{
    return STG_E_INVALIDFUNCTION;
}

static HRESULT STDMETHODCALLTYPE stream_Stat(IStream *iface, STATSTG *st, DWORD flags)
{
    stream *This = impl_from_IStream(iface);

    if (!st) return STG_E_INVALIDPOINTER;
    memset(st, 0, sizeof(*st));
    st->type = STGTY_STREAM;
    st->cbSize.QuadPart = This->size;
    st->grfMode = This->writable ? STGM_READWRITE : STGM_READ;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_Clone(IStream *iface, IStream **out)
{
    stream *This = impl_from_IStream(iface);
    stream *clone;
    HRESULT hr;

    if (!out) return STG_E_INVALIDPOINTER;
    *out = NULL;
    if (This->stage)
    {
        /* a read-only copy of what was written so far, in a staging area of its own */
        LONGLONG copy;
        if (FAILED(hr = td_db_stage_new(This->db, &copy))) return hr;
        if (FAILED(hr = copy_to_stage(This, copy, This->size)) ||
            FAILED(hr = stream_open(This->db, This->owner, This->commit, This->commit_big, This->tag, NULL, 0, 0,
                                    FALSE, out)))
        {
            td_db_stage_release(This->db, copy);
            return hr;
        }
        clone = impl_from_IStream(*out);
        clone->stage = copy;
        clone->size = This->size;
        if (!(clone->cbuf = mc_malloc(CHUNK))) { (*out)->lpVtbl->Release(*out); *out = NULL; return E_OUTOFMEMORY; }
    }
    else if (FAILED(hr = stream_open(This->db, This->owner, This->commit, This->commit_big, This->tag, This->mem,
                                     This->size, This->src_stage ? -This->src_stage : This->row, FALSE, out)))
        return hr;
    impl_from_IStream(*out)->pos = This->pos;
    return S_OK;
}

/* ---- big values of messages and attachments ------------------------------------------------ */

HRESULT td_big_open_stream(td_db *db, IUnknown *owner, td_stream_commit_fn commit, td_stream_commit_big_fn commit_big,
                           const td_bigval *big, ULONG tag, ULONG flags, IStream **out)
{
    BOOL writable = (flags & MAPI_MODIFY) != 0;
    if (flags & MAPI_CREATE) return stream_open(db, owner, commit, commit_big, tag, NULL, 0, 0, TRUE, out);
    /* the bytes as stored (a big value is not converted between string widths) */
    return stream_open(db, owner, commit, commit_big, big->tag, NULL, big->size,
                       big->stage ? -big->stage : big->row, writable, out);
}

static BOOL in_bag(const mc_propbag *bag, ULONG tag)
{
    return mc_propbag_get(bag, PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag))) != NULL;
}

void td_big_vals(const td_bigvals *big, const mc_propbag *bag, td_vals *vals)
{
    static BYTE nothing[2];
    ULONG i;

    for (i = 0; i < big->n && vals->n < TD_VALS_MAX; i++)
    {
        SPropValue *v;
        if (in_bag(bag, big->v[i].tag)) continue;
        v = &vals->v[vals->n++];
        v->ulPropTag = big->v[i].tag;
        v->Value.bin.cb = 0;            /* a stand-in: td_big_errors turns it into an error */
        v->Value.bin.lpb = nothing;
        if (PROP_TYPE(big->v[i].tag) != PT_BINARY) v->Value.lpszA = (char *)nothing;
    }
}

void td_big_errors(const td_bigvals *big, const mc_propbag *bag, ULONG count, SPropValue *values, HRESULT *hr)
{
    ULONG i;

    for (i = 0; values && i < count; i++)
    {
        const td_bigval *b = td_bigvals_find(big, PROP_ID(values[i].ulPropTag));
        if (!b || in_bag(bag, b->tag)) continue;
        values[i].ulPropTag = CHANGE_PROP_TYPE(values[i].ulPropTag, PT_ERROR);
        values[i].Value.err = MAPI_E_NOT_ENOUGH_MEMORY;    /* read it with OpenProperty */
        if (SUCCEEDED(*hr)) *hr = MAPI_W_ERRORS_RETURNED;
    }
}

HRESULT td_big_copy(td_store *s, IMAPIProp *src, const td_bigvals *big, const mc_propbag *bag, const SPropTagArray *exclude,
                    const SPropTagArray *include, IMAPIProp *dest, ULONG flags)
{
    HRESULT hr = S_OK;
    ULONG i;

    for (i = 0; i < big->n && SUCCEEDED(hr); i++)
    {
        ULONG tag = big->v[i].tag;
        IStream *from = NULL, *to = NULL;
        ULARGE_INTEGER all;

        if (in_bag(bag, tag)) continue;
        if (include ? !mc_tags_contain(include, tag) : (exclude && mc_tags_contain(exclude, tag))) continue;
        if (flags & MAPI_NOREPLACE)
        {
            SizedSPropTagArray(1, one) = {1, {tag}};
            SPropValue *have = NULL;
            ULONG n = 0;
            BOOL exists = SUCCEEDED(dest->lpVtbl->GetProps(dest, (SPropTagArray *)&one, 0, &n, &have)) && have &&
                          (PROP_TYPE(have->ulPropTag) != PT_ERROR || have->Value.err == MAPI_E_NOT_ENOUGH_MEMORY);
            if (have) s->alloc.free_buffer(have);
            if (exists) continue;
        }
        all.QuadPart = ~(ULONGLONG)0;
        if (SUCCEEDED(hr = src->lpVtbl->OpenProperty(src, tag, &IID_IStream, 0, 0, (IUnknown **)&from)) &&
            SUCCEEDED(hr = dest->lpVtbl->OpenProperty(dest, tag, &IID_IStream, 0, MAPI_CREATE | MAPI_MODIFY,
                                                      (IUnknown **)&to)) &&
            SUCCEEDED(hr = from->lpVtbl->CopyTo(from, to, all, NULL, NULL)))
            hr = to->lpVtbl->Commit(to, 0);
        if (from) from->lpVtbl->Release(from);
        if (to) to->lpVtbl->Release(to);
    }
    return hr;
}

static const IStreamVtbl stream_vtbl =
{
    stream_QueryInterface,
    stream_AddRef,
    stream_Release,
    stream_Read,
    stream_Write,
    stream_Seek,
    stream_SetSize,
    stream_CopyTo,
    stream_Commit,
    stream_Revert,
    stream_LockRegion,
    stream_UnlockRegion,
    stream_Stat,
    stream_Clone,
};
