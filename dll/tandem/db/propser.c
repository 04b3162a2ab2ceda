/*
 * propser.c - how one property value is kept in a `properties` row: integers in `ival` (so SQL
 * can sort and restrict on them), everything else as bytes in `value`.
 *
 * Encoding of `value` (little-endian, no alignment assumed when decoding):
 *   PT_I2 2 bytes; PT_R4 4; PT_DOUBLE/PT_APPTIME 8; PT_CLSID 16; PT_STRING8 the bytes without
 *   the terminator; PT_UNICODE UTF-16LE without the terminator; PT_BINARY the bytes;
 *   PT_LONG/PT_BOOLEAN/PT_ERROR/PT_I8/PT_SYSTIME/PT_CURRENCY: only ival; PT_NULL: nothing.
 *   MV types: ULONG count, then each element: fixed-size elements as above, variable-size ones
 *   (strings, binaries) as ULONG length + bytes.
 * Decoding validates every length against the buffer: a damaged row gives
 * MAPI_E_CORRUPT_DATA, never a read past the end.
 */
#include "db.h"

static BOOL has_ival(ULONG type)
{
    switch (type)
    {
    case PT_LONG: case PT_BOOLEAN: case PT_ERROR: case PT_I8: case PT_SYSTIME: case PT_CURRENCY:
        return TRUE;
    }
    return FALSE;
}

/* Size of one fixed-size element, 0 for variable-size ones. */
static ULONG fixed_size(ULONG base)
{
    switch (base)
    {
    case PT_I2:       return 2;
    case PT_LONG:     return 4;
    case PT_R4:       return 4;
    case PT_DOUBLE: case PT_APPTIME: case PT_CURRENCY: case PT_SYSTIME: case PT_I8: return 8;
    case PT_CLSID:    return 16;
    }
    return 0;
}

/* Pointer to the bytes of element i of an MV value (fixed-size base types). */
static const void *mv_elem(const SPropValue *v, ULONG base, ULONG i)
{
    switch (base)
    {
    case PT_I2:       return &v->Value.MVi.lpi[i];
    case PT_LONG:     return &v->Value.MVl.lpl[i];
    case PT_R4:       return &v->Value.MVflt.lpflt[i];
    case PT_DOUBLE:   return &v->Value.MVdbl.lpdbl[i];
    case PT_APPTIME:  return &v->Value.MVat.lpat[i];
    case PT_CURRENCY: return &v->Value.MVcur.lpcur[i];
    case PT_SYSTIME:  return &v->Value.MVft.lpft[i];
    case PT_I8:       return &v->Value.MVli.lpli[i];
    case PT_CLSID:    return &v->Value.MVguid.lpguid[i];
    }
    return NULL;
}

HRESULT td_propser_encode(const SPropValue *v, BYTE **buf, ULONG *cb, LONGLONG *ival, BOOL *ival_set)
{
    ULONG type = PROP_TYPE(v->ulPropTag), base = type & ~(ULONG)MV_INSTANCE & ~(ULONG)MV_FLAG;
    ULONG size = 0, i, n, fs;
    BYTE *p;

    *buf = NULL;
    *cb = 0;
    *ival = 0;
    *ival_set = FALSE;
    type &= ~(ULONG)MV_INSTANCE;
    if (!(type & MV_FLAG))
    {
        const void *src = NULL;
        switch (type)
        {
        case PT_LONG:     *ival = v->Value.l; *ival_set = TRUE; return S_OK;
        case PT_ERROR:    *ival = (LONG)v->Value.err; *ival_set = TRUE; return S_OK;
        case PT_BOOLEAN:  *ival = v->Value.b ? 1 : 0; *ival_set = TRUE; return S_OK;
        case PT_I8:       *ival = v->Value.li.QuadPart; *ival_set = TRUE; return S_OK;
        case PT_CURRENCY: *ival = v->Value.cur.int64; *ival_set = TRUE; return S_OK;
        case PT_SYSTIME:  *ival = (LONGLONG)(((ULONGLONG)v->Value.ft.dwHighDateTime << 32) | v->Value.ft.dwLowDateTime);
                          *ival_set = TRUE; return S_OK;
        case PT_NULL: case PT_OBJECT: return S_OK;
        case PT_I2:       src = &v->Value.i; size = 2; break;
        case PT_R4:       src = &v->Value.flt; size = 4; break;
        case PT_DOUBLE:   src = &v->Value.dbl; size = 8; break;
        case PT_APPTIME:  src = &v->Value.at; size = 8; break;
        case PT_CLSID:    src = v->Value.lpguid; size = 16; break;
        case PT_STRING8:  src = v->Value.lpszA; size = src ? (ULONG)strlen(v->Value.lpszA) : 0; break;
        case PT_UNICODE:  src = v->Value.lpszW; size = src ? (ULONG)wcslen(v->Value.lpszW) * 2 : 0; break;
        case PT_BINARY:   src = v->Value.bin.lpb; size = v->Value.bin.cb; break;
        default:          return MAPI_E_INVALID_TYPE;
        }
        if (!(p = mc_malloc(size ? size : 1))) return MAPI_E_NOT_ENOUGH_MEMORY;
        if (size && src) memcpy(p, src, size);
        else if (size) memset(p, 0, size);
        *buf = p;
        *cb = size;
        return S_OK;
    }

    n = v->Value.MVl.cValues;
    fs = fixed_size(base);
    size = 4;
    for (i = 0; i < n; i++)
    {
        if (fs) size += fs;
        else if (base == PT_STRING8) size += 4 + (v->Value.MVszA.lppszA[i] ? (ULONG)strlen(v->Value.MVszA.lppszA[i]) : 0);
        else if (base == PT_UNICODE) size += 4 + (v->Value.MVszW.lppszW[i] ? (ULONG)wcslen(v->Value.MVszW.lppszW[i]) * 2 : 0);
        else if (base == PT_BINARY) size += 4 + v->Value.MVbin.lpbin[i].cb;
        else return MAPI_E_INVALID_TYPE;
    }
    if (!(p = mc_malloc(size))) return MAPI_E_NOT_ENOUGH_MEMORY;
    *buf = p;
    *cb = size;
    memcpy(p, &n, 4);
    p += 4;
    for (i = 0; i < n; i++)
    {
        ULONG len;
        const void *src;
        if (fs) { memcpy(p, mv_elem(v, base, i), fs); p += fs; continue; }
        if (base == PT_STRING8) { src = v->Value.MVszA.lppszA[i]; len = src ? (ULONG)strlen(src) : 0; }
        else if (base == PT_UNICODE) { src = v->Value.MVszW.lppszW[i]; len = src ? (ULONG)wcslen(src) * 2 : 0; }
        else { src = v->Value.MVbin.lpbin[i].lpb; len = v->Value.MVbin.lpbin[i].cb; }
        memcpy(p, &len, 4);
        p += 4;
        if (len) memcpy(p, src, len);
        p += len;
    }
    return S_OK;
}

/* Decode into *out whose payload is new internal memory (mc_prop_free_internal). */
HRESULT td_propser_decode(ULONG tag, LONGLONG ival, const BYTE *buf, ULONG cb, SPropValue *out)
{
    ULONG type = PROP_TYPE(tag) & ~(ULONG)MV_INSTANCE, base = type & ~(ULONG)MV_FLAG;
    SPropValue tmp;
    HRESULT hr = MAPI_E_CORRUPT_DATA;
    void *arr = NULL;
    BYTE *strings = NULL;
    ULONG i, n = 0, fs, off;

    memset(&tmp, 0, sizeof(tmp));
    memset(out, 0, sizeof(*out));
    tmp.ulPropTag = CHANGE_PROP_TYPE(tag, type);
    if (!mc_prop_type_valid(type)) return MAPI_E_CORRUPT_DATA;
    if (has_ival(type))
    {
        switch (type)
        {
        case PT_LONG:     tmp.Value.l = (LONG)ival; break;
        case PT_ERROR:    tmp.Value.err = (SCODE)ival; break;
        case PT_BOOLEAN:  tmp.Value.b = ival ? 1 : 0; break;
        case PT_I8:       tmp.Value.li.QuadPart = ival; break;
        case PT_CURRENCY: tmp.Value.cur.int64 = ival; break;
        case PT_SYSTIME:  tmp.Value.ft.dwLowDateTime = (DWORD)ival;
                          tmp.Value.ft.dwHighDateTime = (DWORD)((ULONGLONG)ival >> 32); break;
        }
        *out = tmp;
        return S_OK;
    }
    if (!(type & MV_FLAG))
    {
        switch (type)
        {
        case PT_NULL: case PT_OBJECT: *out = tmp; return S_OK;
        case PT_I2:      if (cb != 2) return hr; memcpy(&tmp.Value.i, buf, 2); *out = tmp; return S_OK;
        case PT_R4:      if (cb != 4) return hr; memcpy(&tmp.Value.flt, buf, 4); *out = tmp; return S_OK;
        case PT_DOUBLE:  if (cb != 8) return hr; memcpy(&tmp.Value.dbl, buf, 8); *out = tmp; return S_OK;
        case PT_APPTIME: if (cb != 8) return hr; memcpy(&tmp.Value.at, buf, 8); *out = tmp; return S_OK;
        case PT_CLSID:
        {
            GUID g;
            if (cb != 16) return hr;
            memcpy(&g, buf, 16);
            tmp.Value.lpguid = &g;
            return mc_prop_copy(NULL, NULL, out, &tmp);
        }
        case PT_STRING8:
        case PT_UNICODE:
        {
            ULONG unit = type == PT_UNICODE ? 2 : 1;
            BYTE *s;
            if (cb % unit) return hr;
            if (!(s = mc_malloc(cb + 2))) return MAPI_E_NOT_ENOUGH_MEMORY;
            if (cb) memcpy(s, buf, cb);
            s[cb] = s[cb + 1] = 0;
            tmp.Value.lpszA = (char *)s;
            hr = mc_prop_copy(NULL, NULL, out, &tmp);
            mc_free(s);
            return hr;
        }
        case PT_BINARY:
            tmp.Value.bin.cb = cb;
            tmp.Value.bin.lpb = (BYTE *)buf;
            return mc_prop_copy(NULL, NULL, out, &tmp);
        }
        return hr;
    }

    if (cb < 4) return hr;
    memcpy(&n, buf, 4);
    off = 4;
    fs = fixed_size(base);
    if (fs)
    {
        if (n > (cb - 4) / fs || cb - 4 != n * fs) return hr;
        if (!(arr = mc_malloc(n * fs + 1))) return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(arr, buf + 4, n * fs);
        tmp.Value.MVl.cValues = n;
        tmp.Value.MVl.lpl = arr;     /* every MV member has the same layout: count + pointer */
        hr = mc_prop_copy(NULL, NULL, out, &tmp);
        mc_free(arr);
        return hr;
    }
    if (base != PT_STRING8 && base != PT_UNICODE && base != PT_BINARY) return hr;
    if (n > (cb - 4) / 4) return hr;
    /* strings need terminators: copy each element into its own NUL-terminated slot */
    if (!(arr = mc_calloc(n + 1, sizeof(SBinary))) || !(strings = mc_malloc(cb + 2 * (SIZE_T)n + 2)))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    {
        BYTE *dst = strings;
        for (i = 0; i < n; i++)
        {
            ULONG len;
            if (cb - off < 4) goto done;
            memcpy(&len, buf + off, 4);
            off += 4;
            if (len > cb - off) goto done;
            if (base == PT_UNICODE && (len & 1)) goto done;
            memcpy(dst, buf + off, len);
            dst[len] = dst[len + 1] = 0;
            if (base == PT_BINARY) { ((SBinary *)arr)[i].cb = len; ((SBinary *)arr)[i].lpb = dst; }
            else ((void **)arr)[i] = dst;
            off += len;
            dst += len + 2;
        }
        if (off != cb) goto done;
    }
    tmp.Value.MVbin.cValues = n;
    tmp.Value.MVbin.lpbin = arr;
    hr = mc_prop_copy(NULL, NULL, out, &tmp);
done:
    mc_free(arr);
    mc_free(strings);
    return hr;
}
