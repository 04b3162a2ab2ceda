/*
 * regprop.c - one MAPI property value <-> one registry value, losslessly, for every PT_ type.
 *
 * The value name is the property tag in 8 hex digits, so the type travels in the name and the
 * data only has to carry the bytes:
 *   PT_I2, PT_LONG, PT_BOOLEAN, PT_ERROR      REG_DWORD
 *   PT_I8                                     REG_QWORD
 *   PT_UNICODE                                REG_SZ (with its terminator)
 *   PT_STRING8                                REG_BINARY, the bytes without terminator (no code
 *                                             page conversion, so nothing is lost)
 *   PT_BINARY, PT_CLSID, PT_R4, PT_DOUBLE, PT_APPTIME, PT_CURRENCY, PT_SYSTIME
 *                                             REG_BINARY, the value's bytes
 *   PT_NULL                                   REG_NONE, no data
 *   PT_MV_*                                   REG_BINARY: ULONG count, then each element: fixed
 *                                             size types raw; strings and binaries as ULONG
 *                                             byte count + bytes (strings without terminator)
 * Integers are little-endian, as on every Windows architecture.
 */
#include "minimapi_private.h"

void mm_regprop_name(ULONG tag, WCHAR name[9])
{
    static const WCHAR hex[] = L"0123456789ABCDEF";
    int i;
    for (i = 7; i >= 0; i--, tag >>= 4) name[i] = hex[tag & 0xf];
    name[8] = 0;
}

BOOL mm_regprop_parse_name(const WCHAR *name, ULONG *tag)
{
    ULONG v = 0;
    int i;
    for (i = 0; i < 8; i++)
    {
        WCHAR c = name[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else return FALSE;
    }
    if (name[8]) return FALSE;
    *tag = v;
    return TRUE;
}

/* Size of one element of a fixed-size type, 0 for variable or unknown types. */
static ULONG fixed_size(ULONG type)
{
    switch (type)
    {
    case PT_I2: return sizeof(short);
    case PT_LONG: case PT_ERROR: return sizeof(LONG);
    case PT_BOOLEAN: return sizeof(unsigned short);
    case PT_R4: return sizeof(float);
    case PT_DOUBLE: case PT_APPTIME: return sizeof(double);
    case PT_CURRENCY: return sizeof(CURRENCY);
    case PT_SYSTIME: return sizeof(FILETIME);
    case PT_I8: return sizeof(LARGE_INTEGER);
    case PT_CLSID: return sizeof(GUID);
    default: return 0;
    }
}

/* Address of the array and count of an MV value of a fixed-size type. */
static void mv_fixed(const SPropValue *v, ULONG *count, const void **array)
{
    switch (PROP_TYPE(v->ulPropTag) & ~MV_FLAG)
    {
    case PT_I2: *count = v->Value.MVi.cValues; *array = v->Value.MVi.lpi; break;
    case PT_LONG: *count = v->Value.MVl.cValues; *array = v->Value.MVl.lpl; break;
    case PT_R4: *count = v->Value.MVflt.cValues; *array = v->Value.MVflt.lpflt; break;
    case PT_DOUBLE: *count = v->Value.MVdbl.cValues; *array = v->Value.MVdbl.lpdbl; break;
    case PT_APPTIME: *count = v->Value.MVat.cValues; *array = v->Value.MVat.lpat; break;
    case PT_CURRENCY: *count = v->Value.MVcur.cValues; *array = v->Value.MVcur.lpcur; break;
    case PT_SYSTIME: *count = v->Value.MVft.cValues; *array = v->Value.MVft.lpft; break;
    case PT_I8: *count = v->Value.MVli.cValues; *array = v->Value.MVli.lpli; break;
    case PT_CLSID: *count = v->Value.MVguid.cValues; *array = v->Value.MVguid.lpguid; break;
    default: *count = 0; *array = NULL; break;
    }
}

/* A growing byte buffer for the MV encoding. */
typedef struct bytes { BYTE *p; DWORD len, cap; BOOL failed; } bytes;

static void bytes_add(bytes *b, const void *data, DWORD n)
{
    if (b->failed) return;
    if (b->len + n < b->len) { b->failed = TRUE; return; }
    if (b->len + n > b->cap || !b->p)
    {
        DWORD cap = b->cap ? b->cap : 64;
        BYTE *p;
        while (cap < b->len + n) cap *= 2;
        if (!(p = mc_realloc(b->p, cap))) { b->failed = TRUE; return; }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void bytes_add_counted(bytes *b, const void *data, ULONG n)
{
    bytes_add(b, &n, sizeof(n));
    bytes_add(b, data, n);
}

HRESULT mm_regprop_encode(const SPropValue *v, DWORD *reg_type, BYTE **data, DWORD *cb)
{
    ULONG type = PROP_TYPE(v->ulPropTag);
    bytes b = {0};
    DWORD dw;
    ULONG i, n;

    *data = NULL;
    *cb = 0;
    if (type & MV_FLAG)
    {
        ULONG base = type & ~MV_FLAG;
        *reg_type = REG_BINARY;
        switch (base)
        {
        case PT_STRING8:
            n = v->Value.MVszA.cValues;
            bytes_add(&b, &n, sizeof(n));
            for (i = 0; i < n; i++)
            {
                const char *s = v->Value.MVszA.lppszA[i] ? v->Value.MVszA.lppszA[i] : "";
                bytes_add_counted(&b, s, (ULONG)strlen(s));
            }
            break;
        case PT_UNICODE:
            n = v->Value.MVszW.cValues;
            bytes_add(&b, &n, sizeof(n));
            for (i = 0; i < n; i++)
            {
                const WCHAR *s = v->Value.MVszW.lppszW[i] ? v->Value.MVszW.lppszW[i] : L"";
                bytes_add_counted(&b, s, (ULONG)(wcslen(s) * sizeof(WCHAR)));
            }
            break;
        case PT_BINARY:
            n = v->Value.MVbin.cValues;
            bytes_add(&b, &n, sizeof(n));
            for (i = 0; i < n; i++)
                bytes_add_counted(&b, v->Value.MVbin.lpbin[i].lpb, v->Value.MVbin.lpbin[i].cb);
            break;
        default:
        {
            const void *array;
            ULONG size = fixed_size(base);
            if (!size || base == PT_ERROR || base == PT_BOOLEAN) return MAPI_E_INVALID_TYPE;
            mv_fixed(v, &n, &array);
            bytes_add(&b, &n, sizeof(n));
            if (n) bytes_add(&b, array, n * size);
            break;
        }
        }
        if (b.failed)
        {
            mc_free(b.p);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        *data = b.p;
        *cb = b.len;
        return S_OK;
    }

    switch (type)
    {
    case PT_I2: dw = (DWORD)(WORD)v->Value.i; goto dword;
    case PT_BOOLEAN: dw = v->Value.b ? 1 : 0; goto dword;
    case PT_LONG: dw = v->Value.ul; goto dword;
    case PT_ERROR: dw = (DWORD)v->Value.err; goto dword;
    case PT_I8:
        *reg_type = REG_QWORD;
        bytes_add(&b, &v->Value.li, sizeof(v->Value.li));
        break;
    case PT_UNICODE:
    {
        const WCHAR *s = v->Value.lpszW ? v->Value.lpszW : L"";
        *reg_type = REG_SZ;
        bytes_add(&b, s, (DWORD)((wcslen(s) + 1) * sizeof(WCHAR)));
        break;
    }
    case PT_STRING8:
    {
        const char *s = v->Value.lpszA ? v->Value.lpszA : "";
        *reg_type = REG_BINARY;
        bytes_add(&b, s, (DWORD)strlen(s));
        break;
    }
    case PT_BINARY:
        *reg_type = REG_BINARY;
        bytes_add(&b, v->Value.bin.lpb, v->Value.bin.cb);
        break;
    case PT_CLSID:
        if (!v->Value.lpguid) return MAPI_E_INVALID_PARAMETER;
        *reg_type = REG_BINARY;
        bytes_add(&b, v->Value.lpguid, sizeof(GUID));
        break;
    case PT_R4: *reg_type = REG_BINARY; bytes_add(&b, &v->Value.flt, sizeof(float)); break;
    case PT_DOUBLE: *reg_type = REG_BINARY; bytes_add(&b, &v->Value.dbl, sizeof(double)); break;
    case PT_APPTIME: *reg_type = REG_BINARY; bytes_add(&b, &v->Value.at, sizeof(double)); break;
    case PT_CURRENCY: *reg_type = REG_BINARY; bytes_add(&b, &v->Value.cur, sizeof(CURRENCY)); break;
    case PT_SYSTIME: *reg_type = REG_BINARY; bytes_add(&b, &v->Value.ft, sizeof(FILETIME)); break;
    case PT_NULL: *reg_type = REG_NONE; bytes_add(&b, "", 0); break;
    default:
        return MAPI_E_INVALID_TYPE;
    }
    if (b.failed)
    {
        mc_free(b.p);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *data = b.p;
    *cb = b.len;
    return S_OK;

dword:
    *reg_type = REG_DWORD;
    bytes_add(&b, &dw, sizeof(dw));
    if (b.failed) return MAPI_E_NOT_ENOUGH_MEMORY;
    *data = b.p;
    *cb = b.len;
    return S_OK;
}

/* Decode the MV encoding. Pass 1 (out == NULL) validates and sizes; pass 2 fills. */
static BOOL decode_mv_var(ULONG base, const BYTE *data, DWORD cb, ULONG *count, SIZE_T *need,
                          BYTE *scratch, SPropValue *out)
{
    ULONG n, i, len;
    DWORD pos = sizeof(ULONG);
    SIZE_T used;
    void **ptrs = NULL;
    SBinary *bins = NULL;
    BYTE *payload;

    if (cb < sizeof(ULONG)) return FALSE;
    memcpy(&n, data, sizeof(n));
    if (n > cb) return FALSE;   /* each element takes at least 4 bytes */
    used = (SIZE_T)n * (base == PT_BINARY ? sizeof(SBinary) : sizeof(void *));
    if (scratch)
    {
        if (base == PT_BINARY) bins = (SBinary *)scratch;
        else ptrs = (void **)scratch;
    }
    payload = scratch ? scratch + used : NULL;
    for (i = 0; i < n; i++)
    {
        if (cb - pos < sizeof(ULONG)) return FALSE;
        memcpy(&len, data + pos, sizeof(len));
        pos += sizeof(ULONG);
        if (len > cb - pos) return FALSE;
        if (base == PT_UNICODE && (len % sizeof(WCHAR))) return FALSE;
        if (payload)
        {
            memcpy(payload, data + pos, len);
            if (base == PT_BINARY)
            {
                bins[i].cb = len;
                bins[i].lpb = payload;
                payload += (len + 7) & ~7u;
            }
            else if (base == PT_UNICODE)
            {
                ((WCHAR *)payload)[len / sizeof(WCHAR)] = 0;
                ptrs[i] = payload;
                payload += (len + sizeof(WCHAR) + 7) & ~(SIZE_T)7;
            }
            else
            {
                payload[len] = 0;
                ptrs[i] = payload;
                payload += (len + 1 + 7) & ~(SIZE_T)7;
            }
        }
        used += (len + sizeof(WCHAR) + 7) & ~(SIZE_T)7;
        pos += len;
    }
    if (pos != cb) return FALSE;
    *count = n;
    *need = used;
    if (out)
    {
        switch (base)
        {
        case PT_STRING8: out->Value.MVszA.cValues = n; out->Value.MVszA.lppszA = (LPSTR *)ptrs; break;
        case PT_UNICODE: out->Value.MVszW.cValues = n; out->Value.MVszW.lppszW = (LPWSTR *)ptrs; break;
        case PT_BINARY: out->Value.MVbin.cValues = n; out->Value.MVbin.lpbin = bins; break;
        }
    }
    return TRUE;
}

HRESULT mm_regprop_decode(ULONG tag, DWORD reg_type, const BYTE *data, DWORD cb,
                          SPropValue *out, void **scratch)
{
    ULONG type = PROP_TYPE(tag);
    BYTE *block = NULL;
    DWORD dw;

    *scratch = NULL;
    memset(out, 0, sizeof(*out));
    out->ulPropTag = tag;
    if (type & MV_FLAG)
    {
        ULONG base = type & ~MV_FLAG, n = 0, size;
        SIZE_T need;
        if (reg_type != REG_BINARY) return MAPI_E_CORRUPT_DATA;
        if (base == PT_STRING8 || base == PT_UNICODE || base == PT_BINARY)
        {
            if (!decode_mv_var(base, data, cb, &n, &need, NULL, NULL)) return MAPI_E_CORRUPT_DATA;
            if (!(block = mc_calloc(1, need + 8))) return MAPI_E_NOT_ENOUGH_MEMORY;
            decode_mv_var(base, data, cb, &n, &need, block, out);
            *scratch = block;
            return S_OK;
        }
        size = fixed_size(base);
        if (!size || base == PT_ERROR || base == PT_BOOLEAN || cb < sizeof(ULONG))
            return MAPI_E_CORRUPT_DATA;
        memcpy(&n, data, sizeof(n));
        if ((cb - sizeof(ULONG)) / size != n || (cb - sizeof(ULONG)) % size)
            return MAPI_E_CORRUPT_DATA;
        if (!(block = mc_calloc(1, (SIZE_T)n * size + 8))) return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(block, data + sizeof(ULONG), (SIZE_T)n * size);
        *scratch = block;
        /* Every MV array struct is { ULONG cValues; T *array; }. */
        out->Value.MVl.cValues = n;
        out->Value.MVl.lpl = (LONG *)block;
        return S_OK;
    }

    switch (type)
    {
    case PT_I2: case PT_BOOLEAN: case PT_LONG: case PT_ERROR:
        if (reg_type != REG_DWORD || cb != sizeof(DWORD)) return MAPI_E_CORRUPT_DATA;
        memcpy(&dw, data, sizeof(dw));
        if (type == PT_I2) out->Value.i = (short)(WORD)dw;
        else if (type == PT_BOOLEAN) out->Value.b = dw ? 1 : 0;
        else if (type == PT_ERROR) out->Value.err = (SCODE)dw;
        else out->Value.ul = dw;
        return S_OK;
    case PT_I8:
        if (reg_type != REG_QWORD || cb != sizeof(LARGE_INTEGER)) return MAPI_E_CORRUPT_DATA;
        memcpy(&out->Value.li, data, cb);
        return S_OK;
    case PT_UNICODE:
    {
        DWORD chars = cb / sizeof(WCHAR);
        if (reg_type != REG_SZ || cb % sizeof(WCHAR)) return MAPI_E_CORRUPT_DATA;
        if (!(block = mc_calloc(chars + 1, sizeof(WCHAR)))) return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(block, data, cb);
        *scratch = block;
        out->Value.lpszW = (WCHAR *)block;
        return S_OK;
    }
    case PT_STRING8:
        if (reg_type != REG_BINARY) return MAPI_E_CORRUPT_DATA;
        if (!(block = mc_calloc(cb + 1, 1))) return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(block, data, cb);
        *scratch = block;
        out->Value.lpszA = (char *)block;
        return S_OK;
    case PT_BINARY:
        if (reg_type != REG_BINARY) return MAPI_E_CORRUPT_DATA;
        if (!(block = mc_calloc(cb + 1, 1))) return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(block, data, cb);
        *scratch = block;
        out->Value.bin.cb = cb;
        out->Value.bin.lpb = block;
        return S_OK;
    case PT_CLSID:
        if (reg_type != REG_BINARY || cb != sizeof(GUID)) return MAPI_E_CORRUPT_DATA;
        if (!(block = mc_calloc(1, sizeof(GUID)))) return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(block, data, cb);
        *scratch = block;
        out->Value.lpguid = (GUID *)block;
        return S_OK;
    case PT_R4: case PT_DOUBLE: case PT_APPTIME: case PT_CURRENCY: case PT_SYSTIME:
        if (reg_type != REG_BINARY || cb != fixed_size(type)) return MAPI_E_CORRUPT_DATA;
        memcpy(&out->Value, data, cb);
        return S_OK;
    case PT_NULL:
        if (reg_type != REG_NONE) return MAPI_E_CORRUPT_DATA;
        out->Value.x = 0;
        return S_OK;
    default:
        return MAPI_E_CORRUPT_DATA;
    }
}
