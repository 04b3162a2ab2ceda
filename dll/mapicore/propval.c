/*
 * propval.c - single property values (mapicore.h, "property values"): type checks, payload
 * size, deep copy, string-width conversion, lookup, ordering and equality (spropvalue.md,
 * property-types.md).
 *
 * A copy's payload is always ONE block: the MV array (if any) first, then element payloads,
 * each piece rounded up to 8 bytes so pointers, GUIDs and WCHARs stay aligned. For caller memory
 * that block is one AllocateMore child of `parent`; for internal memory it is one heap block
 * whose address is the value's first pointer, so mc_prop_free_internal() needs no bookkeeping.
 */
#include "mapicore.h"

#define ALIGN8(x) (((x) + 7) & ~(ULONG)7)

/* The generic layout shared by every S*Array of the PV union: { ULONG cValues; T *lpX; }. */
#define MV_COUNT(v) ((v)->Value.MVl.cValues)
#define MV_PTR(v)   ((void *)(v)->Value.MVl.lpl)

static ULONG plain_type(ULONG tag)      /* type without MV_INSTANCE */
{
    return PROP_TYPE(tag) & ~(ULONG)MV_INSTANCE;
}

static BOOL is_string_type(ULONG type)
{
    type &= ~(ULONG)MVI_FLAG;
    return type == PT_STRING8 || type == PT_UNICODE;
}

/* Size of one element of an MV array of `base`, 0 for variable-size elements. */
static ULONG mv_elem_size(ULONG base)
{
    switch (base)
    {
    case PT_I2:       return sizeof(short int);
    case PT_LONG:     return sizeof(LONG);
    case PT_R4:       return sizeof(float);
    case PT_DOUBLE:   return sizeof(double);
    case PT_CURRENCY: return sizeof(CURRENCY);
    case PT_APPTIME:  return sizeof(double);
    case PT_SYSTIME:  return sizeof(FILETIME);
    case PT_I8:       return sizeof(LARGE_INTEGER);
    case PT_CLSID:    return sizeof(GUID);
    case PT_STRING8:  return sizeof(LPSTR);
    case PT_UNICODE:  return sizeof(LPWSTR);
    case PT_BINARY:   return sizeof(SBinary);
    }
    return 0;
}

BOOL mc_prop_type_valid(ULONG type)
{
    if ((type & MV_INSTANCE) && !(type & MV_FLAG))
        return FALSE;
    type &= ~(ULONG)MV_INSTANCE;
    switch (type)
    {
    case PT_UNSPECIFIED: case PT_NULL: case PT_I2: case PT_LONG: case PT_R4: case PT_DOUBLE:
    case PT_CURRENCY: case PT_APPTIME: case PT_ERROR: case PT_BOOLEAN: case PT_OBJECT:
    case PT_I8: case PT_STRING8: case PT_UNICODE: case PT_SYSTIME: case PT_CLSID: case PT_BINARY:
    case PT_MV_I2: case PT_MV_LONG: case PT_MV_R4: case PT_MV_DOUBLE: case PT_MV_CURRENCY:
    case PT_MV_APPTIME: case PT_MV_SYSTIME: case PT_MV_STRING8: case PT_MV_BINARY:
    case PT_MV_UNICODE: case PT_MV_CLSID: case PT_MV_I8:
        return TRUE;
    }
    return FALSE;
}

ULONG mc_prop_payload_size(const SPropValue *v)
{
    ULONG type, size = 0, i, n;

    if (!v)
        return 0;
    type = plain_type(v->ulPropTag);
    switch (type)
    {
    case PT_STRING8:
        return v->Value.lpszA ? ALIGN8(lstrlenA(v->Value.lpszA) + 1) : 0;
    case PT_UNICODE:
        return v->Value.lpszW ? ALIGN8((lstrlenW(v->Value.lpszW) + 1) * sizeof(WCHAR)) : 0;
    case PT_BINARY:
        return v->Value.bin.lpb ? ALIGN8(v->Value.bin.cb) : 0;
    case PT_CLSID:
        return v->Value.lpguid ? ALIGN8(sizeof(GUID)) : 0;
    }
    if (!(type & MV_FLAG) || !MV_PTR(v))
        return 0;
    n = MV_COUNT(v);
    size = ALIGN8(n * mv_elem_size(type & ~(ULONG)MV_FLAG));
    for (i = 0; i < n; i++)
    {
        if (type == PT_MV_STRING8 && v->Value.MVszA.lppszA[i])
            size += ALIGN8(lstrlenA(v->Value.MVszA.lppszA[i]) + 1);
        else if (type == PT_MV_UNICODE && v->Value.MVszW.lppszW[i])
            size += ALIGN8((lstrlenW(v->Value.MVszW.lppszW[i]) + 1) * sizeof(WCHAR));
        else if (type == PT_MV_BINARY && v->Value.MVbin.lpbin[i].lpb)
            size += ALIGN8(v->Value.MVbin.lpbin[i].cb);
    }
    return size;
}

/* Get `size` payload bytes: caller memory under `parent`, or internal memory. */
static HRESULT payload_alloc(const mc_alloc *a, void *parent, ULONG size, BYTE **out)
{
    if (parent)
        return mc_alloc_more(a, parent, size, (void **)out);
    *out = mc_malloc(size);
    return *out ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
}

HRESULT mc_prop_copy(const mc_alloc *a, void *parent, SPropValue *dst, const SPropValue *src)
{
    ULONG type, size, i, n;
    BYTE *block, *p;
    HRESULT hr;

    if (!dst || !src || (parent && !a))
        return MAPI_E_INVALID_PARAMETER;
    type = plain_type(src->ulPropTag);
    size = mc_prop_payload_size(src);
    *dst = *src;
    if (size == 0)
    {
        /* Nothing to copy: don't leave pointers into the source behind. */
        if (type == PT_BINARY) dst->Value.bin.lpb = NULL;
        else if (type == PT_STRING8 || type == PT_UNICODE || type == PT_CLSID
                 || (type & MV_FLAG))
        {
            if (type & MV_FLAG) dst->Value.MVl.lpl = NULL;
            else dst->Value.lpszA = NULL;
        }
        return S_OK;
    }
    if ((hr = payload_alloc(a, parent, size, &block)) != S_OK)
    {
        memset(&dst->Value, 0, sizeof(dst->Value));
        return hr;
    }
    switch (type)
    {
    case PT_STRING8:
        dst->Value.lpszA = (char *)block;
        memcpy(block, src->Value.lpszA, lstrlenA(src->Value.lpszA) + 1);
        return S_OK;
    case PT_UNICODE:
        dst->Value.lpszW = (WCHAR *)block;
        memcpy(block, src->Value.lpszW, (lstrlenW(src->Value.lpszW) + 1) * sizeof(WCHAR));
        return S_OK;
    case PT_BINARY:
        dst->Value.bin.lpb = block;
        memcpy(block, src->Value.bin.lpb, src->Value.bin.cb);
        return S_OK;
    case PT_CLSID:
        dst->Value.lpguid = (GUID *)block;
        memcpy(block, src->Value.lpguid, sizeof(GUID));
        return S_OK;
    }
    /* MV: the array at the start of the block, element payloads after it. */
    n = MV_COUNT(src);
    dst->Value.MVl.lpl = (LONG *)block;
    memcpy(block, MV_PTR(src), n * mv_elem_size(type & ~(ULONG)MV_FLAG));
    p = block + ALIGN8(n * mv_elem_size(type & ~(ULONG)MV_FLAG));
    for (i = 0; i < n; i++)
    {
        if (type == PT_MV_STRING8 && src->Value.MVszA.lppszA[i])
        {
            ULONG len = lstrlenA(src->Value.MVszA.lppszA[i]) + 1;
            memcpy(p, src->Value.MVszA.lppszA[i], len);
            dst->Value.MVszA.lppszA[i] = (char *)p;
            p += ALIGN8(len);
        }
        else if (type == PT_MV_UNICODE && src->Value.MVszW.lppszW[i])
        {
            ULONG len = (lstrlenW(src->Value.MVszW.lppszW[i]) + 1) * sizeof(WCHAR);
            memcpy(p, src->Value.MVszW.lppszW[i], len);
            dst->Value.MVszW.lppszW[i] = (WCHAR *)p;
            p += ALIGN8(len);
        }
        else if (type == PT_MV_BINARY && src->Value.MVbin.lpbin[i].lpb)
        {
            memcpy(p, src->Value.MVbin.lpbin[i].lpb, src->Value.MVbin.lpbin[i].cb);
            dst->Value.MVbin.lpbin[i].lpb = p;
            p += ALIGN8(src->Value.MVbin.lpbin[i].cb);
        }
    }
    return S_OK;
}

void mc_prop_free_internal(SPropValue *v)
{
    ULONG type;

    if (!v)
        return;
    type = plain_type(v->ulPropTag);
    /* The payload block starts at the value's first pointer (see the file comment). */
    if (type == PT_STRING8 || type == PT_UNICODE || type == PT_CLSID)
        mc_free(v->Value.lpszA);
    else if (type == PT_BINARY)
        mc_free(v->Value.bin.lpb);
    else if (type & MV_FLAG)
        mc_free(MV_PTR(v));
    else
        return;
    memset(&v->Value, 0, sizeof(v->Value));
}

HRESULT mc_props_dup(const mc_alloc *a, ULONG n, const SPropValue *src, SPropValue **out)
{
    SPropValue *dst = NULL;
    HRESULT hr;
    ULONG i;

    if (!a || !out || (n && !src))
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (n == 0)
        return S_OK;
    if (n > 0x7fffffff / sizeof(SPropValue))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if ((hr = mc_alloc_more(a, NULL, n * sizeof(SPropValue), (void **)&dst)) != S_OK)
        return hr;
    for (i = 0; i < n; i++)
        if ((hr = mc_prop_copy(a, dst, &dst[i], &src[i])) != S_OK)
            goto done;
    *out = dst;
    dst = NULL;
done:
    if (dst)
        a->free_buffer(dst);
    return hr;
}

/* ---- string width conversion ------------------------------------------------------------- */

static ULONG conv_len(const void *s, BOOL to_wide)   /* bytes of the converted string */
{
    if (to_wide)
        return MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0) * sizeof(WCHAR);
    return WideCharToMultiByte(CP_ACP, 0, s, -1, NULL, 0, NULL, NULL);
}

static void conv_into(const void *s, BOOL to_wide, BYTE *p, ULONG bytes)
{
    if (to_wide)
        MultiByteToWideChar(CP_ACP, 0, s, -1, (WCHAR *)p, bytes / sizeof(WCHAR));
    else
        WideCharToMultiByte(CP_ACP, 0, s, -1, (char *)p, bytes, NULL, NULL);
}

HRESULT mc_prop_convert(const mc_alloc *a, void *parent, SPropValue *dst, const SPropValue *src,
                        ULONG wanted_type)
{
    ULONG have, want, size, i, n = 0;
    BOOL mv, to_wide;
    BYTE *block, *p;
    HRESULT hr;

    if (!dst || !src || (parent && !a))
        return MAPI_E_INVALID_PARAMETER;
    have = plain_type(src->ulPropTag);
    want = wanted_type & ~(ULONG)MV_INSTANCE;
    if (!is_string_type(have) || !is_string_type(want) || have == want
        || (have & MV_FLAG) != (want & MV_FLAG))
        return mc_prop_copy(a, parent, dst, src);

    mv = (have & MV_FLAG) != 0;
    to_wide = (want & ~(ULONG)MV_FLAG) == PT_UNICODE;
    dst->ulPropTag = CHANGE_PROP_TYPE(src->ulPropTag, want | (PROP_TYPE(src->ulPropTag) & MV_INSTANCE));
    dst->dwAlignPad = 0;
    memset(&dst->Value, 0, sizeof(dst->Value));

    if (!mv)
    {
        if (!src->Value.lpszA)
            return S_OK;
        size = conv_len(src->Value.lpszA, to_wide);
        if (!size)
            return MAPI_E_BAD_CHARWIDTH;
        if ((hr = payload_alloc(a, parent, ALIGN8(size), &block)) != S_OK)
            return hr;
        conv_into(src->Value.lpszA, to_wide, block, size);
        dst->Value.lpszA = (char *)block;
        return S_OK;
    }

    n = MV_COUNT(src);
    if (!n || !MV_PTR(src))
        return S_OK;
    size = ALIGN8(n * sizeof(void *));
    for (i = 0; i < n; i++)
    {
        const void *s = ((void **)MV_PTR(src))[i];
        if (s)
            size += ALIGN8(conv_len(s, to_wide));
    }
    if ((hr = payload_alloc(a, parent, size, &block)) != S_OK)
        return hr;
    dst->Value.MVszA.cValues = n;
    dst->Value.MVszA.lppszA = (char **)block;
    p = block + ALIGN8(n * sizeof(void *));
    for (i = 0; i < n; i++)
    {
        const void *s = ((void **)MV_PTR(src))[i];
        ULONG len;
        if (!s)
        {
            ((void **)block)[i] = NULL;
            continue;
        }
        len = conv_len(s, to_wide);
        conv_into(s, to_wide, p, len);
        ((void **)block)[i] = p;
        p += ALIGN8(len);
    }
    return S_OK;
}

/* ---- lookup -------------------------------------------------------------------------------- */

static BOOL tag_matches(ULONG want, ULONG have)
{
    ULONG wt = plain_type(want), ht = plain_type(have);

    if (PROP_ID(want) != PROP_ID(have))
        return FALSE;
    if (wt == PT_UNSPECIFIED || wt == ht)
        return TRUE;
    return is_string_type(wt) && is_string_type(ht) && (wt & MV_FLAG) == (ht & MV_FLAG);
}

const SPropValue *mc_props_find(ULONG n, const SPropValue *v, ULONG tag)
{
    ULONG i;

    if (!v)
        return NULL;
    for (i = 0; i < n; i++)
        if (tag_matches(tag, v[i].ulPropTag))
            return &v[i];
    return NULL;
}

/* ---- ordering ------------------------------------------------------------------------------ */

/* The string order (README "String order"): the bytes of the LCMapStringW sort key in the
 * invariant locale with NORM_IGNORECASE, so a table sorts the same way whatever the user's
 * locale is, orders a store keeps stay valid, and sorts, categories and relational
 * restrictions agree exactly (table.c sorts by these keys). STRING8 values are widened
 * through CP_ACP first, so both widths of one text are equal. */
ULONG mc_string_sortkey(const void *s, BOOL wide, BYTE *buf, ULONG cb)
{
    WCHAR small[256], *w = small;
    const WCHAR *ws;
    int n;

    if (wide)
        ws = s ? s : L"";
    else
    {
        const char *a = s ? s : "";
        n = MultiByteToWideChar(CP_ACP, 0, a, -1, NULL, 0);
        if (n > (int)ARRAYSIZE(small) && !(w = mc_malloc(n * sizeof(WCHAR))))
            return 0;
        if (n <= 0 || !MultiByteToWideChar(CP_ACP, 0, a, -1, w, n))
            w[0] = 0;
        ws = w;
    }
    n = cb ? LCMapStringW(LOCALE_INVARIANT, LCMAP_SORTKEY | NORM_IGNORECASE, ws, -1, (WCHAR *)buf, cb) : 0;
    if (n <= 0)
        n = LCMapStringW(LOCALE_INVARIANT, LCMAP_SORTKEY | NORM_IGNORECASE, ws, -1, NULL, 0);
    if (w != small)
        mc_free(w);
    return n > 0 ? (ULONG)n : 0;
}

/* Two strings in the string order; `exact` (for mc_prop_equal) compares code units instead. */
static int cmp_str(const void *a, BOOL a_wide, const void *b, BOOL b_wide, BOOL exact)
{
    BYTE ka[512], kb[512], *pa = ka, *pb = kb;
    ULONG na, nb;
    int r;

    if (!a || !b)
        return (a != NULL) - (b != NULL);
    if (exact)
    {
        WCHAR *wa = NULL, *wb = NULL;
        const WCHAR *x, *y;
        if (!a_wide && !b_wide)
            return strcmp(a, b);
        x = a_wide ? a : (wa = mc_a2w(a));
        y = b_wide ? b : (wb = mc_a2w(b));
        if (!x || !y)
            r = (x != NULL) - (y != NULL);
        else
        {
            for (; *x && *x == *y; x++, y++)
                ;
            r = (int)*x - (int)*y;
        }
        mc_free(wa);
        mc_free(wb);
        return r;
    }
    na = mc_string_sortkey(a, a_wide, ka, sizeof(ka));
    if (na > sizeof(ka) && (pa = mc_malloc(na)))
        mc_string_sortkey(a, a_wide, pa, na);
    nb = mc_string_sortkey(b, b_wide, kb, sizeof(kb));
    if (nb > sizeof(kb) && (pb = mc_malloc(nb)))
        mc_string_sortkey(b, b_wide, pb, nb);
    if (!pa || !pb)
        r = 0;      /* out of memory: equal rather than a crash */
    else
    {
        r = memcmp(pa, pb, na < nb ? na : nb);
        if (!r)
            r = na < nb ? -1 : na > nb ? 1 : 0;
    }
    if (pa != ka)
        mc_free(pa);
    if (pb != kb)
        mc_free(pb);
    return r < 0 ? -1 : r > 0;
}

static int cmp_bin(const SBinary *a, const SBinary *b)
{
    if (a->cb != b->cb)
        return a->cb < b->cb ? -1 : 1;
    if (!a->cb)
        return 0;
    if (!a->lpb || !b->lpb)
        return (a->lpb != NULL) - (b->lpb != NULL);
    return memcmp(a->lpb, b->lpb, a->cb);
}

#define CMP(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

/* Compare element `i` of a (an MV or, with i == ~0u, the single value) with element j of b;
 * both have base type `base` (strings may differ in width). */
static int cmp_elem(ULONG base, const SPropValue *a, ULONG i, const SPropValue *b, ULONG j,
                    BOOL exact)
{
    BOOL amv = i != ~0u, bmv = j != ~0u;
    ULONG at = plain_type(a->ulPropTag) & ~(ULONG)MV_FLAG;
    ULONG bt = plain_type(b->ulPropTag) & ~(ULONG)MV_FLAG;

    switch (base)
    {
    case PT_I2:
        return CMP(amv ? a->Value.MVi.lpi[i] : a->Value.i, bmv ? b->Value.MVi.lpi[j] : b->Value.i);
    case PT_LONG:
        return CMP(amv ? a->Value.MVl.lpl[i] : a->Value.l, bmv ? b->Value.MVl.lpl[j] : b->Value.l);
    case PT_R4:
        return CMP(amv ? a->Value.MVflt.lpflt[i] : a->Value.flt,
                   bmv ? b->Value.MVflt.lpflt[j] : b->Value.flt);
    case PT_DOUBLE:
        return CMP(amv ? a->Value.MVdbl.lpdbl[i] : a->Value.dbl,
                   bmv ? b->Value.MVdbl.lpdbl[j] : b->Value.dbl);
    case PT_APPTIME:
        return CMP(amv ? a->Value.MVat.lpat[i] : a->Value.at, bmv ? b->Value.MVat.lpat[j] : b->Value.at);
    case PT_CURRENCY:
        return CMP(amv ? a->Value.MVcur.lpcur[i].int64 : a->Value.cur.int64,
                   bmv ? b->Value.MVcur.lpcur[j].int64 : b->Value.cur.int64);
    case PT_I8:
        return CMP(amv ? a->Value.MVli.lpli[i].QuadPart : a->Value.li.QuadPart,
                   bmv ? b->Value.MVli.lpli[j].QuadPart : b->Value.li.QuadPart);
    case PT_SYSTIME:
    {
        const FILETIME *fa = amv ? &a->Value.MVft.lpft[i] : &a->Value.ft;
        const FILETIME *fb = bmv ? &b->Value.MVft.lpft[j] : &b->Value.ft;
        ULONGLONG ua = ((ULONGLONG)fa->dwHighDateTime << 32) | fa->dwLowDateTime;
        ULONGLONG ub = ((ULONGLONG)fb->dwHighDateTime << 32) | fb->dwLowDateTime;
        return CMP(ua, ub);
    }
    case PT_CLSID:
    {
        const GUID *ga = amv ? &a->Value.MVguid.lpguid[i] : a->Value.lpguid;
        const GUID *gb = bmv ? &b->Value.MVguid.lpguid[j] : b->Value.lpguid;
        if (!ga || !gb)
            return (ga != NULL) - (gb != NULL);
        return memcmp(ga, gb, sizeof(GUID));
    }
    case PT_BINARY:
        return cmp_bin(amv ? &a->Value.MVbin.lpbin[i] : &a->Value.bin,
                       bmv ? &b->Value.MVbin.lpbin[j] : &b->Value.bin);
    case PT_STRING8:
    case PT_UNICODE:
        return cmp_str(amv ? ((void **)MV_PTR(a))[i] : (void *)a->Value.lpszA, at == PT_UNICODE,
                       bmv ? ((void **)MV_PTR(b))[j] : (void *)b->Value.lpszA, bt == PT_UNICODE,
                       exact);
    case PT_BOOLEAN:
        return CMP(a->Value.b != 0, b->Value.b != 0);
    case PT_ERROR:
        return CMP((ULONG)a->Value.err, (ULONG)b->Value.err);
    }
    /* PT_NULL, PT_UNSPECIFIED, PT_OBJECT carry no comparable value. */
    return 0;
}

/* Ordering class of a type: both string widths are one class. */
static ULONG type_class(ULONG tag)
{
    ULONG t = plain_type(tag);
    if ((t & ~(ULONG)MV_FLAG) == PT_STRING8)
        t = (t & MV_FLAG) | PT_UNICODE;
    return t;
}

static int compare(const SPropValue *a, const SPropValue *b, BOOL exact)
{
    ULONG ca = type_class(a->ulPropTag), cb = type_class(b->ulPropTag), base, i, na, nb;
    int r;

    if (ca != cb)
        return ca < cb ? -1 : 1;
    base = ca & ~(ULONG)MV_FLAG;
    if (!(ca & MV_FLAG))
        return cmp_elem(base, a, ~0u, b, ~0u, exact);
    /* MV values: element by element; a shorter array is a missing (null, lowest) value at the
     * first position where the other still has one (imapitable-restrict.md). */
    na = MV_PTR(a) ? MV_COUNT(a) : 0;
    nb = MV_PTR(b) ? MV_COUNT(b) : 0;
    for (i = 0; i < na && i < nb; i++)
        if ((r = cmp_elem(base, a, i, b, i, exact)))
            return r;
    return CMP(na, nb);
}

int mc_prop_compare(const SPropValue *a, const SPropValue *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return compare(a, b, FALSE);
}

BOOL mc_prop_equal(const SPropValue *a, const SPropValue *b)
{
    if (!a || !b)
        return a == b;
    if (plain_type(a->ulPropTag) != plain_type(b->ulPropTag))
        return FALSE;
    /* Floating point: equal values, so 0.0 == -0.0 and NaN never equals itself. */
    return compare(a, b, TRUE) == 0;
}

/* Used by restrictions: compare element i of an MV `a` (or the single value, i == ~0u) with
 * the single value `b`; types must be of one class. */
int mc_prop_compare_elem(const SPropValue *a, ULONG i, const SPropValue *b)
{
    return cmp_elem(type_class(b->ulPropTag), a, i, b, ~0u, FALSE);
}

/* ---- tag arrays ---------------------------------------------------------------------------- */

HRESULT mc_tags_dup(const mc_alloc *a, const SPropTagArray *src, SPropTagArray **out)
{
    HRESULT hr;

    if (!a || !src || !out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if ((hr = mc_alloc_more(a, NULL, CbSPropTagArray(src), (void **)out)) == S_OK)
        memcpy(*out, src, CbSPropTagArray(src));
    return hr;
}

BOOL mc_tags_contain_id(const SPropTagArray *t, ULONG tag)
{
    ULONG i;

    for (i = 0; t && i < t->cValues; i++)
        if (PROP_ID(t->aulPropTag[i]) == PROP_ID(tag))
            return TRUE;
    return FALSE;
}

BOOL mc_tags_contain(const SPropTagArray *t, ULONG tag)
{
    ULONG i;

    if (!t)
        return FALSE;
    for (i = 0; i < t->cValues; i++)
        if (t->aulPropTag[i] == tag)
            return TRUE;
    return FALSE;
}
