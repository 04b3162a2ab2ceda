/*
 * restrict.c - validating and evaluating restrictions against one row of values
 * (srestriction.md and the S*Restriction pages, about-restrictions.md, imapitable-restrict.md).
 *
 * Error codes: imapitable-restrict.md documents only MAPI_E_TOO_COMPLEX for a restriction the
 * table cannot apply, so anything we don't know (restriction type, relational operator, fuzzy
 * level, property type), RELOP_RE (regular expressions are not supported) and trees deeper
 * than MC_RES_MAX_DEPTH give MAPI_E_TOO_COMPLEX; missing pointers the evaluator would follow
 * are bad arguments and give MAPI_E_INVALID_PARAMETER.
 *
 * Multivalued properties: a single value compared with an MV column matches when any element
 * matches (that is also what an MV_INSTANCE column restriction means); an MV value compared
 * with an MV column compares the arrays as ordered tuples (imapitable-restrict.md).
 */
#include "mapicore.h"



static ULONG plain_type(ULONG tag)
{
    return PROP_TYPE(tag) & ~(ULONG)MV_INSTANCE;
}

/* Comparison class: string widths compare with each other. */
static ULONG elem_class(ULONG tag)
{
    ULONG t = plain_type(tag) & ~(ULONG)MV_FLAG;
    return t == PT_STRING8 ? PT_UNICODE : t;
}

static BOOL relop_valid(ULONG relop)
{
    return relop <= RELOP_NE;       /* RELOP_RE and anything unknown: MAPI_E_TOO_COMPLEX */
}

static BOOL relop_holds(ULONG relop, int r)
{
    switch (relop)
    {
    case RELOP_LT: return r < 0;
    case RELOP_LE: return r <= 0;
    case RELOP_GT: return r > 0;
    case RELOP_GE: return r >= 0;
    case RELOP_EQ: return r == 0;
    case RELOP_NE: return r != 0;
    }
    return FALSE;
}

static BOOL is_content_type(ULONG type)
{
    type &= ~(ULONG)MVI_FLAG;
    return type == PT_STRING8 || type == PT_UNICODE || type == PT_BINARY;
}

static HRESULT validate(const SRestriction *r, ULONG depth)
{
    HRESULT hr;
    ULONG i;

    if (!r)
        return MAPI_E_INVALID_PARAMETER;
    if (depth > MC_RES_MAX_DEPTH)
        return MAPI_E_TOO_COMPLEX;
    switch (r->rt)
    {
    case RES_AND:
    case RES_OR:
        if (r->res.resAnd.cRes && !r->res.resAnd.lpRes)
            return MAPI_E_INVALID_PARAMETER;
        for (i = 0; i < r->res.resAnd.cRes; i++)
            if ((hr = validate(&r->res.resAnd.lpRes[i], depth + 1)) != S_OK)
                return hr;
        return S_OK;
    case RES_NOT:
        return validate(r->res.resNot.lpRes, depth + 1);
    case RES_CONTENT:
    {
        ULONG level = r->res.resContent.ulFuzzyLevel;
        const SPropValue *p = r->res.resContent.lpProp;
        if (!p)
            return MAPI_E_INVALID_PARAMETER;
        if ((level & 0xFFFF) > FL_PREFIX
            || (level & 0xFFFF0000) & ~(FL_IGNORECASE | FL_IGNORENONSPACE | FL_LOOSE))
            return MAPI_E_TOO_COMPLEX;
        if (!is_content_type(PROP_TYPE(r->res.resContent.ulPropTag))
            || !is_content_type(PROP_TYPE(p->ulPropTag)) || (PROP_TYPE(p->ulPropTag) & MV_FLAG)
            || elem_class(p->ulPropTag) != elem_class(r->res.resContent.ulPropTag))
            return MAPI_E_TOO_COMPLEX;
        if (PROP_TYPE(p->ulPropTag) == PT_BINARY ? (p->Value.bin.cb && !p->Value.bin.lpb)
                                                 : !p->Value.lpszA)
            return MAPI_E_INVALID_PARAMETER;
        return S_OK;
    }
    case RES_PROPERTY:
    {
        const SPropValue *p = r->res.resProperty.lpProp;
        if (!p)
            return MAPI_E_INVALID_PARAMETER;
        if (!relop_valid(r->res.resProperty.relop)
            || !mc_prop_type_valid(PROP_TYPE(r->res.resProperty.ulPropTag))
            || !mc_prop_type_valid(PROP_TYPE(p->ulPropTag)))
            return MAPI_E_TOO_COMPLEX;
        return S_OK;
    }
    case RES_COMPAREPROPS:
        if (!relop_valid(r->res.resCompareProps.relop)
            || !mc_prop_type_valid(PROP_TYPE(r->res.resCompareProps.ulPropTag1))
            || !mc_prop_type_valid(PROP_TYPE(r->res.resCompareProps.ulPropTag2)))
            return MAPI_E_TOO_COMPLEX;
        return S_OK;
    case RES_BITMASK:
        if (r->res.resBitMask.relBMR != BMR_EQZ && r->res.resBitMask.relBMR != BMR_NEZ)
            return MAPI_E_TOO_COMPLEX;
        return S_OK;
    case RES_SIZE:
        return relop_valid(r->res.resSize.relop) ? S_OK : MAPI_E_TOO_COMPLEX;
    case RES_EXIST:
        return S_OK;
    case RES_SUBRESTRICTION:
        /* ssubrestriction.md names two sub-objects; any other is one we cannot look into */
        if (r->res.resSub.ulSubObject != PR_MESSAGE_RECIPIENTS
            && r->res.resSub.ulSubObject != PR_MESSAGE_ATTACHMENTS)
            return MAPI_E_TOO_COMPLEX;
        return validate(r->res.resSub.lpRes, depth + 1);
    case RES_COMMENT:
    case RES_ANNOTATION:
        if (r->res.resComment.cValues && !r->res.resComment.lpProp)
            return MAPI_E_INVALID_PARAMETER;
        return r->res.resComment.lpRes ? validate(r->res.resComment.lpRes, depth + 1) : S_OK;
    }
    return MAPI_E_TOO_COMPLEX;
}

HRESULT mc_restriction_validate(const SRestriction *r)
{
    return validate(r, 1);
}

/* The row's value for a restriction's tag; a PT_ERROR column is no value. */
static const SPropValue *row_find(ULONG n, const SPropValue *row, ULONG tag)
{
    const SPropValue *v = mc_props_find(n, row, tag);
    if (v && PROP_TYPE(v->ulPropTag) == PT_ERROR && PROP_TYPE(tag) != PT_ERROR)
        return NULL;
    return v;
}

/* Relation of a row value `v` (single or MV) to `p` (single or MV) under `relop`. */
static BOOL relate(ULONG relop, const SPropValue *v, const SPropValue *p)
{
    BOOL vmv = (PROP_TYPE(v->ulPropTag) & MV_FLAG) != 0, pmv = (PROP_TYPE(p->ulPropTag) & MV_FLAG) != 0;
    ULONG i;

    if (elem_class(v->ulPropTag) != elem_class(p->ulPropTag))
        return FALSE;
    if (vmv && !pmv)
    {
        for (i = 0; v->Value.MVl.lpl && i < v->Value.MVl.cValues; i++)
            if (relop_holds(relop, mc_prop_compare_elem(v, i, p)))
                return TRUE;
        return FALSE;
    }
    if (vmv != pmv)
        return FALSE;
    return relop_holds(relop, mc_prop_compare(v, p));
}

/* String normalisation for content restrictions: FL_IGNORENONSPACE drops combining marks after
 * decomposing, FL_IGNORECASE upper-cases; FL_LOOSE means both ("match whenever possible",
 * scontentrestriction.md). Returns internal memory. */
static WCHAR *content_normalize(const void *s, BOOL wide, ULONG level)
{
    WCHAR *w = wide ? mc_wcsdup(s) : mc_a2w(s), *d;
    int n, i, j;

    if (!w)
        return NULL;
    if (level & (FL_IGNORENONSPACE | FL_LOOSE))
    {
        WORD *types;
        n = FoldStringW(MAP_COMPOSITE, w, -1, NULL, 0);
        if (n > 0 && (d = mc_malloc(n * sizeof(WCHAR))))
        {
            FoldStringW(MAP_COMPOSITE, w, -1, d, n);
            mc_free(w);
            w = d;
        }
        n = lstrlenW(w);
        if ((types = mc_calloc(n + 1, sizeof(WORD))))
        {
            GetStringTypeW(CT_CTYPE3, w, n, types);
            for (i = j = 0; i < n; i++)
                if (!(types[i] & C3_NONSPACING))
                    w[j++] = w[i];
            w[j] = 0;
            mc_free(types);
        }
    }
    if (level & (FL_IGNORECASE | FL_LOOSE))
    {
        n = lstrlenW(w);
        if (n)
            LCMapStringW(LOCALE_INVARIANT, LCMAP_UPPERCASE, w, n, w, n);
    }
    return w;
}

static BOOL content_bytes(ULONG level, const BYTE *s, ULONG cb, const BYTE *pat, ULONG pcb)
{
    ULONG i;

    switch (level & 0xFFFF)
    {
    case FL_FULLSTRING:
        return cb == pcb && (!cb || memcmp(s, pat, cb) == 0);
    case FL_PREFIX:
        return cb >= pcb && (!pcb || memcmp(s, pat, pcb) == 0);
    case FL_SUBSTRING:
        if (!pcb)
            return TRUE;
        for (i = 0; i + pcb <= cb; i++)
            if (memcmp(s + i, pat, pcb) == 0)
                return TRUE;
        return FALSE;
    }
    return FALSE;
}

/* Character i of a string of either width, as UTF-16 for ASCII (all content_fast needs). */
static WCHAR char_at(const void *s, BOOL wide, ULONG i)
{
    return wide ? ((const WCHAR *)s)[i] : (WCHAR)((const unsigned char *)s)[i];
}

static ULONG ascii_length(const void *s, BOOL wide)
{
    ULONG n = 0;
    WCHAR c;

    while ((c = char_at(s, wide, n)))
    {
        if (c >= 0x80)
            return ~0u;
        n++;
    }
    return n;
}

static WCHAR fold_ascii(WCHAR c, BOOL icase)
{
    return icase && c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

/* The common case without allocating: both strings ASCII, no FL_IGNORENONSPACE/FL_LOOSE. Then
 * upper-casing is the ASCII one, so this agrees with the general path below. FALSE: not
 * applicable, *hit untouched. */
static BOOL content_fast(ULONG level, const void *s, BOOL s_wide, const void *pat, BOOL p_wide,
                         BOOL *hit)
{
    BOOL icase = (level & FL_IGNORECASE) != 0;
    ULONG ns, np, i, j;

    if (level & (FL_IGNORENONSPACE | FL_LOOSE))
        return FALSE;
    if ((ns = ascii_length(s, s_wide)) == ~0u || (np = ascii_length(pat, p_wide)) == ~0u)
        return FALSE;
    switch (level & 0xFFFF)
    {
    case FL_FULLSTRING:
        if (ns != np)
        {
            *hit = FALSE;
            return TRUE;
        }
        /* same length: compare as a prefix */
        /* fall through */
    case FL_PREFIX:
        if (np > ns)
        {
            *hit = FALSE;
            return TRUE;
        }
        for (j = 0; j < np; j++)
            if (fold_ascii(char_at(s, s_wide, j), icase) != fold_ascii(char_at(pat, p_wide, j), icase))
                break;
        *hit = j == np;
        return TRUE;
    case FL_SUBSTRING:
    {
        WCHAR first = np ? fold_ascii(char_at(pat, p_wide, 0), icase) : 0;
        *hit = np == 0;
        for (i = 0; !*hit && i + np <= ns; i++)
        {
            if (fold_ascii(char_at(s, s_wide, i), icase) != first)
                continue;
            for (j = 1; j < np; j++)
                if (fold_ascii(char_at(s, s_wide, i + j), icase) != fold_ascii(char_at(pat, p_wide, j), icase))
                    break;
            *hit = j == np;
        }
        return TRUE;
    }
    }
    return FALSE;
}

static BOOL content_string(ULONG level, const void *s, BOOL s_wide, const void *pat, BOOL p_wide)
{
    WCHAR *ns, *np;
    BOOL r = FALSE;

    if (!s || !pat)
        return FALSE;
    if (content_fast(level, s, s_wide, pat, p_wide, &r))
        return r;
    ns = content_normalize(s, s_wide, level);
    np = content_normalize(pat, p_wide, level);
    if (ns && np)
        r = content_bytes(level, (BYTE *)ns, lstrlenW(ns) * sizeof(WCHAR), (BYTE *)np,
                          lstrlenW(np) * sizeof(WCHAR));
    /* A byte-wise substring hit must start on a character boundary. */
    if (r && (level & 0xFFFF) == FL_SUBSTRING)
        r = wcsstr(ns, np) != NULL;
    mc_free(ns);
    mc_free(np);
    return r;
}

static BOOL content_match(const SContentRestriction *c, ULONG n, const SPropValue *row)
{
    const SPropValue *v = row_find(n, row, c->ulPropTag), *p = c->lpProp;
    ULONG type, i, count = 1;

    if (!v)
        return FALSE;
    type = plain_type(v->ulPropTag);
    if (type & MV_FLAG)
        count = v->Value.MVl.lpl ? v->Value.MVl.cValues : 0;
    for (i = 0; i < count; i++)
    {
        BOOL hit;
        if ((type & ~(ULONG)MV_FLAG) == PT_BINARY)
        {
            const SBinary *b = (type & MV_FLAG) ? &v->Value.MVbin.lpbin[i] : &v->Value.bin;
            hit = PROP_TYPE(p->ulPropTag) == PT_BINARY
                  && content_bytes(c->ulFuzzyLevel, b->lpb, b->cb, p->Value.bin.lpb, p->Value.bin.cb);
        }
        else
        {
            const void *s = (type & MV_FLAG) ? (const void *)v->Value.MVszA.lppszA[i]
                                             : (const void *)v->Value.lpszA;
            hit = PROP_TYPE(p->ulPropTag) != PT_BINARY
                  && content_string(c->ulFuzzyLevel, s, (type & ~(ULONG)MV_FLAG) == PT_UNICODE,
                                    p->Value.lpszA, PROP_TYPE(p->ulPropTag) == PT_UNICODE);
        }
        if (hit)
            return TRUE;
    }
    return FALSE;
}

/* Size in bytes of a value, as RES_SIZE compares it (ssizerestriction.md). */
static ULONG value_size(const SPropValue *v)
{
    ULONG type = plain_type(v->ulPropTag), i, n, size = 0;

    switch (type)
    {
    case PT_I2:       return sizeof(short);
    case PT_LONG:     case PT_R4: case PT_ERROR: return 4;
    case PT_BOOLEAN:  return sizeof(unsigned short);
    case PT_DOUBLE:   case PT_APPTIME: case PT_CURRENCY: case PT_I8: case PT_SYSTIME: return 8;
    case PT_CLSID:    return sizeof(GUID);
    case PT_STRING8:  return v->Value.lpszA ? lstrlenA(v->Value.lpszA) + 1 : 0;
    case PT_UNICODE:  return v->Value.lpszW ? (lstrlenW(v->Value.lpszW) + 1) * sizeof(WCHAR) : 0;
    case PT_BINARY:   return v->Value.bin.cb;
    }
    if (!(type & MV_FLAG) || !v->Value.MVl.lpl)
        return 0;
    n = v->Value.MVl.cValues;
    for (i = 0; i < n; i++)
    {
        SPropValue one;
        memset(&one, 0, sizeof(one));
        one.ulPropTag = PROP_TAG(type & ~(ULONG)MV_FLAG, 0);
        switch (type)
        {
        case PT_MV_STRING8: one.Value.lpszA = v->Value.MVszA.lppszA[i]; break;
        case PT_MV_UNICODE: one.Value.lpszW = v->Value.MVszW.lppszW[i]; break;
        case PT_MV_BINARY:  one.Value.bin = v->Value.MVbin.lpbin[i]; break;
        }
        size += value_size(&one);
    }
    return size;
}

static BOOL match(const SRestriction *r, ULONG n, const SPropValue *row, ULONG depth,
                  mc_subrestriction_fn sub, void *ctx)
{
    const SPropValue *v, *v2;
    ULONG i;

    if (!r || depth > MC_RES_MAX_DEPTH)
        return FALSE;
    switch (r->rt)
    {
    case RES_AND:
        for (i = 0; i < r->res.resAnd.cRes; i++)
            if (!match(&r->res.resAnd.lpRes[i], n, row, depth + 1, sub, ctx))
                return FALSE;
        return TRUE;
    case RES_OR:
        for (i = 0; i < r->res.resOr.cRes; i++)
            if (match(&r->res.resOr.lpRes[i], n, row, depth + 1, sub, ctx))
                return TRUE;
        return FALSE;
    case RES_NOT:
        return r->res.resNot.lpRes && !match(r->res.resNot.lpRes, n, row, depth + 1, sub, ctx);
    case RES_CONTENT:
        return r->res.resContent.lpProp && content_match(&r->res.resContent, n, row);
    case RES_PROPERTY:
        if (!r->res.resProperty.lpProp || !relop_valid(r->res.resProperty.relop))
            return FALSE;
        if (!(v = row_find(n, row, r->res.resProperty.ulPropTag)))
            return FALSE;
        return relate(r->res.resProperty.relop, v, r->res.resProperty.lpProp);
    case RES_COMPAREPROPS:
        if (!(v = row_find(n, row, r->res.resCompareProps.ulPropTag1))
            || !(v2 = row_find(n, row, r->res.resCompareProps.ulPropTag2))
            || !relop_valid(r->res.resCompareProps.relop))
            return FALSE;
        return relate(r->res.resCompareProps.relop, v, v2);
    case RES_BITMASK:
    {
        ULONG value;
        if (!(v = row_find(n, row, r->res.resBitMask.ulPropTag)))
            return FALSE;
        switch (PROP_TYPE(v->ulPropTag))
        {
        case PT_LONG:    value = v->Value.ul; break;
        case PT_I2:      value = (USHORT)v->Value.i; break;
        case PT_BOOLEAN: value = v->Value.b; break;
        default:         return FALSE;
        }
        if (r->res.resBitMask.relBMR == BMR_EQZ)
            return (value & r->res.resBitMask.ulMask) == 0;
        return r->res.resBitMask.relBMR == BMR_NEZ && (value & r->res.resBitMask.ulMask) != 0;
    }
    case RES_SIZE:
    {
        ULONG size;
        if (!(v = row_find(n, row, r->res.resSize.ulPropTag)))
            return FALSE;
        size = value_size(v);
        return relop_holds(r->res.resSize.relop,
                           size < r->res.resSize.cb ? -1 : size > r->res.resSize.cb ? 1 : 0);
    }
    case RES_EXIST:
        return row_find(n, row, r->res.resExist.ulPropTag) != NULL;
    case RES_SUBRESTRICTION:
        /* Only the row's owner can look into its recipients or attachments; without it the
         * row has no sub-objects and nothing matches. */
        return sub && r->res.resSub.lpRes
               && (r->res.resSub.ulSubObject == PR_MESSAGE_RECIPIENTS
                   || r->res.resSub.ulSubObject == PR_MESSAGE_ATTACHMENTS)
               && sub(ctx, n, row, r->res.resSub.ulSubObject, r->res.resSub.lpRes);
    case RES_COMMENT:
    case RES_ANNOTATION:
        /* The comment only annotates; a comment without a restriction matches everything. */
        return r->res.resComment.lpRes ? match(r->res.resComment.lpRes, n, row, depth + 1, sub, ctx) : TRUE;
    }
    return FALSE;
}

BOOL mc_restriction_match(const SRestriction *r, ULONG n, const SPropValue *row)
{
    return mc_restriction_match_sub(r, n, row, NULL, NULL);
}

BOOL mc_restriction_match_sub(const SRestriction *r, ULONG n, const SPropValue *row,
                              mc_subrestriction_fn sub, void *ctx)
{
    if (!r || (n && !row))
        return FALSE;
    return match(r, n, row, 1, sub, ctx);
}
