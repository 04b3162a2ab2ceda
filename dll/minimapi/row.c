/*
 * row.c - assembling the rows of minimapi's tables (message service, provider, message store,
 * status, profile tables) from profile sections, with string columns in the width the caller
 * asked for (MAPI_UNICODE or not).
 */
#include "minimapi_private.h"

void mm_row_init(mm_row *r, BOOL unicode)
{
    memset(r, 0, sizeof(*r));
    r->unicode = unicode;
}

void mm_row_free(mm_row *r)
{
    ULONG i;
    for (i = 0; i < r->n_owned; i++) mc_free(r->owned[i]);
    r->n_owned = 0;
    r->n = 0;
}

static void *own(mm_row *r, void *p)
{
    if (!p) return NULL;
    if (r->n_owned >= ARRAYSIZE(r->owned))
    {
        mc_free(p);
        return NULL;
    }
    r->owned[r->n_owned++] = p;
    return p;
}

void mm_row_add(mm_row *r, const SPropValue *v)
{
    ULONG i;
    for (i = 0; i < r->n; i++)
        if (PROP_ID(r->v[i].ulPropTag) == PROP_ID(v->ulPropTag))
        {
            r->v[i] = *v;
            return;
        }
    if (r->n < MM_ROW_MAX) r->v[r->n++] = *v;
}

void mm_row_add_long(mm_row *r, ULONG tag, LONG value)
{
    SPropValue v;
    v.ulPropTag = tag;
    v.dwAlignPad = 0;
    v.Value.l = value;
    mm_row_add(r, &v);
}

void mm_row_add_bool(mm_row *r, ULONG tag, BOOL value)
{
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = tag;
    v.Value.b = value ? 1 : 0;
    mm_row_add(r, &v);
}

void mm_row_add_bin(mm_row *r, ULONG tag, const void *data, ULONG cb)
{
    SPropValue v;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = tag;
    v.Value.bin.cb = cb;
    v.Value.bin.lpb = (BYTE *)data;
    mm_row_add(r, &v);
}

void mm_row_add_str(mm_row *r, ULONG prop_id, const WCHAR *s)
{
    SPropValue v;
    if (!s) return;
    memset(&v, 0, sizeof(v));
    if (r->unicode)
    {
        v.ulPropTag = PROP_TAG(PT_UNICODE, prop_id);
        v.Value.lpszW = (WCHAR *)s;
    }
    else
    {
        v.ulPropTag = PROP_TAG(PT_STRING8, prop_id);
        if (!(v.Value.lpszA = own(r, mc_w2a(s)))) return;
    }
    mm_row_add(r, &v);
}

HRESULT mm_row_add_from_bag(mm_row *r, const mc_propbag *b, ULONG tag)
{
    const SPropValue *src = mc_propbag_get(b, PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag)));
    ULONG type, i, n;
    SPropValue v;

    if (!src) return S_OK;
    type = PROP_TYPE(src->ulPropTag);
    v = *src;
    if (type == PT_UNICODE && !r->unicode)
    {
        v.ulPropTag = PROP_TAG(PT_STRING8, PROP_ID(tag));
        if (!(v.Value.lpszA = own(r, mc_w2a(src->Value.lpszW)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    else if (type == PT_STRING8 && r->unicode)
    {
        v.ulPropTag = PROP_TAG(PT_UNICODE, PROP_ID(tag));
        if (!(v.Value.lpszW = own(r, mc_a2w(src->Value.lpszA)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    else if (type == PT_MV_UNICODE && !r->unicode)
    {
        n = src->Value.MVszW.cValues;
        v.ulPropTag = PROP_TAG(PT_MV_STRING8, PROP_ID(tag));
        v.Value.MVszA.cValues = n;
        if (!(v.Value.MVszA.lppszA = own(r, mc_calloc(n ? n : 1, sizeof(char *)))))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (i = 0; i < n; i++)
            if (!(v.Value.MVszA.lppszA[i] = own(r, mc_w2a(src->Value.MVszW.lppszW[i]))))
                return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    else if (type == PT_MV_STRING8 && r->unicode)
    {
        n = src->Value.MVszA.cValues;
        v.ulPropTag = PROP_TAG(PT_MV_UNICODE, PROP_ID(tag));
        v.Value.MVszW.cValues = n;
        if (!(v.Value.MVszW.lppszW = own(r, mc_calloc(n ? n : 1, sizeof(WCHAR *)))))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        for (i = 0; i < n; i++)
            if (!(v.Value.MVszW.lppszW[i] = own(r, mc_a2w(src->Value.MVszA.lppszA[i]))))
                return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    mm_row_add(r, &v);
    return S_OK;
}

SPropTagArray *mm_columns(const ULONG *tags, ULONG n, BOOL unicode)
{
    SPropTagArray *cols = mc_calloc(1, CbNewSPropTagArray(n));
    ULONG i;
    if (!cols) return NULL;
    cols->cValues = n;
    for (i = 0; i < n; i++)
    {
        ULONG type = PROP_TYPE(tags[i]), base = type & ~MV_FLAG;
        if (base == PT_UNICODE || base == PT_STRING8)
            type = (type & MV_FLAG) | (unicode ? PT_UNICODE : PT_STRING8);
        cols->aulPropTag[i] = PROP_TAG(type, PROP_ID(tags[i]));
    }
    return cols;
}
