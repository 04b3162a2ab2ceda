/*
 * stream.c - IStream over one PT_BINARY / PT_STRING8 / PT_UNICODE property, from
 * IMAPIProp::OpenProperty(IID_IStream) (imapiprop-openproperty.md). The stream keeps its own
 * buffer; Commit (and Release after writes that were not reverted) stores the bytes back into
 * its object (the working copy of a message or attachment, or the folder's row). A string
 * stream holds the characters without the terminator.
 * Limit: the buffer is in memory, so while a stream is open a value is held by the object and
 * by the stream (not yet SQLite incremental blob I/O).
 */
#include "store.h"

typedef struct stream
{
    IStream IStream_iface;
    LONG ref;
    IUnknown *owner;            /* AddRef'd: the object the property belongs to */
    td_stream_commit_fn commit;
    ULONG tag;
    BOOL writable;
    BOOL dirty;
    BYTE *data;
    ULONG size, cap;
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

HRESULT stream_create(IUnknown *owner, td_stream_commit_fn commit, ULONG tag, const BYTE *data,
                      ULONG cb, BOOL writable, IStream **out)
{
    stream *This;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (cb && !(This->data = mc_malloc(cb))) { mc_free(This); return MAPI_E_NOT_ENOUGH_MEMORY; }
    if (cb) memcpy(This->data, data, cb);
    This->size = This->cap = cb;
    This->IStream_iface.lpVtbl = (IStreamVtbl *)&stream_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    owner->lpVtbl->AddRef(owner);
    This->owner = owner;
    This->commit = commit;
    This->tag = tag;
    This->writable = writable;
    /* a stream opened with MAPI_CREATE starts empty and replaces the value */
    This->dirty = writable && !cb && !data;
    mc_object_created();
    *out = &This->IStream_iface;
    return S_OK;
}

static HRESULT reserve(stream *This, ULONGLONG size)
{
    BYTE *bigger;
    ULONG cap;
    if (size > 0x7FFFFFFF) return STG_E_MEDIUMFULL;
    if (size <= This->cap) return S_OK;
    cap = This->cap ? This->cap : 4096;
    while (cap < size) cap = cap > 0x3FFFFFFF ? 0x7FFFFFFF : cap * 2;
    if (!(bigger = mc_realloc(This->data, cap))) return E_OUTOFMEMORY;
    This->data = bigger;
    This->cap = cap;
    return S_OK;
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
    if (This->dirty) This->commit(This->owner, This->tag, This->data, This->size);
    This->owner->lpVtbl->Release(This->owner);
    mc_free(This->data);
    mc_free(This);
    mc_object_destroyed();
    return 0;
}

static HRESULT STDMETHODCALLTYPE stream_Read(IStream *iface, void *pv, ULONG cb, ULONG *pcbRead)
{
    stream *This = impl_from_IStream(iface);
    ULONG n;

    if (!pv) return STG_E_INVALIDPOINTER;
    n = This->pos < This->size ? min(cb, This->size - This->pos) : 0;
    if (n) memcpy(pv, This->data + This->pos, n);
    This->pos += n;
    if (pcbRead) *pcbRead = n;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_Write(IStream *iface, const void *pv, ULONG cb, ULONG *pcbWritten)
{
    stream *This = impl_from_IStream(iface);
    HRESULT hr;

    if (pcbWritten) *pcbWritten = 0;
    if (!pv) return STG_E_INVALIDPOINTER;
    if (!This->writable) return STG_E_ACCESSDENIED;
    if (FAILED(hr = reserve(This, (ULONGLONG)This->pos + cb))) return hr;
    if (This->pos > This->size) memset(This->data + This->size, 0, This->pos - This->size);
    memcpy(This->data + This->pos, pv, cb);
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
    if (FAILED(hr = reserve(This, size.QuadPart))) return hr;
    if (size.QuadPart > This->size) memset(This->data + This->size, 0, (SIZE_T)(size.QuadPart - This->size));
    This->size = (ULONG)size.QuadPart;
    This->dirty = TRUE;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE stream_CopyTo(IStream *iface, IStream *dest, ULARGE_INTEGER cb,
        ULARGE_INTEGER *read, ULARGE_INTEGER *written)
{
    stream *This = impl_from_IStream(iface);
    ULONG n = This->pos < This->size ? This->size - This->pos : 0, done = 0;
    HRESULT hr;

    if (!dest) return STG_E_INVALIDPOINTER;
    if (cb.QuadPart < n) n = (ULONG)cb.QuadPart;
    hr = dest->lpVtbl->Write(dest, This->data + This->pos, n, &done);
    This->pos += n;
    if (read) read->QuadPart = n;
    if (written) written->QuadPart = done;
    return hr;
}

static HRESULT STDMETHODCALLTYPE stream_Commit(IStream *iface, DWORD flags)
{
    stream *This = impl_from_IStream(iface);
    HRESULT hr;

    if (!This->writable) return STG_E_ACCESSDENIED;
    if (!This->dirty) return S_OK;
    if (SUCCEEDED(hr = This->commit(This->owner, This->tag, This->data, This->size))) This->dirty = FALSE;
    return hr;
}

static HRESULT STDMETHODCALLTYPE stream_Revert(IStream *iface)
{
    stream *This = impl_from_IStream(iface);
    /* forget the writes since the last Commit: reread is not possible without the owner's
     * value, so an uncommitted stream becomes unchanged from the owner's point of view */
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
    HRESULT hr;

    if (!out) return STG_E_INVALIDPOINTER;
    if (SUCCEEDED(hr = stream_create(This->owner, This->commit, This->tag, This->data, This->size, FALSE, out)))
        impl_from_IStream(*out)->pos = This->pos;
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
