/*
 * propbag.c - property bags and the IMAPIProp value methods every object delegates to:
 * GetProps, GetPropList, SetProps, DeleteProps (imapiprop-getprops.md, imapiprop-getproplist.md,
 * imapiprop-setprops.md, imapiprop-deleteprops.md; spi-digest.md §4.8).
 *
 * Invariants: a bag holds at most one value per property ID, each an internal deep copy
 * (mc_prop_copy with no parent). mc_setprops never stores PT_ERROR, PT_OBJECT, PR_NULL or an MV
 * with no values; mc_propbag_set trusts its (internal) caller.
 * Results handed to callers are one AllocateBuffer root with AllocateMore children.
 */
#include "mapicore.h"

struct mc_propbag
{
    ULONG count, capacity;
    SPropValue *values;
};

static BOOL is_string(ULONG type)
{
    type &= ~(ULONG)MVI_FLAG;
    return type == PT_STRING8 || type == PT_UNICODE;
}

static BOOL is_empty_mv(const SPropValue *v)
{
    return (PROP_TYPE(v->ulPropTag) & MV_FLAG) && (v->Value.MVl.cValues == 0 || !v->Value.MVl.lpl);
}

mc_propbag *mc_propbag_new(void)
{
    return mc_calloc(1, sizeof(mc_propbag));
}

void mc_propbag_clear(mc_propbag *b)
{
    ULONG i;

    if (!b)
        return;
    for (i = 0; i < b->count; i++)
        mc_prop_free_internal(&b->values[i]);
    b->count = 0;
}

void mc_propbag_free(mc_propbag *b)
{
    if (!b)
        return;
    mc_propbag_clear(b);
    mc_free(b->values);
    mc_free(b);
}

ULONG mc_propbag_count(const mc_propbag *b)
{
    return b ? b->count : 0;
}

const SPropValue *mc_propbag_at(const mc_propbag *b, ULONG i)
{
    return b && i < b->count ? &b->values[i] : NULL;
}

const SPropValue *mc_propbag_get(const mc_propbag *b, ULONG tag)
{
    return b ? mc_props_find(b->count, b->values, tag) : NULL;
}

static LONG find_id(const mc_propbag *b, ULONG tag)
{
    ULONG i;

    for (i = 0; i < b->count; i++)
        if (PROP_ID(b->values[i].ulPropTag) == PROP_ID(tag))
            return i;
    return -1;
}

HRESULT mc_propbag_set(mc_propbag *b, const SPropValue *v)
{
    SPropValue copy;
    HRESULT hr;
    LONG i;

    if (!b || !v)
        return MAPI_E_INVALID_PARAMETER;
    if ((hr = mc_prop_copy(NULL, NULL, &copy, v)) != S_OK)
        return hr;
    if ((i = find_id(b, v->ulPropTag)) >= 0)
    {
        mc_prop_free_internal(&b->values[i]);
        b->values[i] = copy;
        return S_OK;
    }
    if (b->count == b->capacity)
    {
        ULONG cap = b->capacity ? b->capacity * 2 : 16;
        SPropValue *n = mc_realloc(b->values, cap * sizeof(SPropValue));
        if (!n)
        {
            mc_prop_free_internal(&copy);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        b->values = n;
        b->capacity = cap;
    }
    b->values[b->count++] = copy;
    return S_OK;
}

BOOL mc_propbag_delete(mc_propbag *b, ULONG tag)
{
    LONG i;

    if (!b || (i = find_id(b, tag)) < 0)
        return FALSE;
    mc_prop_free_internal(&b->values[i]);
    /* Keep insertion order for the rest. */
    memmove(&b->values[i], &b->values[i + 1], (b->count - i - 1) * sizeof(SPropValue));
    b->count--;
    return TRUE;
}

HRESULT mc_propbag_copy(mc_propbag *dst, const mc_propbag *src)
{
    HRESULT hr = S_OK;
    ULONG i;

    if (!dst || !src)
        return MAPI_E_INVALID_PARAMETER;
    if (dst == src)
        return S_OK;
    mc_propbag_clear(dst);
    for (i = 0; i < src->count && hr == S_OK; i++)
        hr = mc_propbag_set(dst, &src->values[i]);
    return hr;
}

WCHAR *mc_propbag_get_wstr(const mc_propbag *b, ULONG prop_id)
{
    const SPropValue *v;

    /* Accept a full tag as well as a bare ID: only the ID matters. */
    if (prop_id > 0xFFFF)
        prop_id = PROP_ID(prop_id);
    if (!(v = mc_propbag_get(b, PROP_TAG(PT_UNICODE, prop_id))))
        return NULL;
    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE)
        return mc_wcsdup(v->Value.lpszW);
    return mc_a2w(v->Value.lpszA);
}

LONG mc_propbag_get_long(const mc_propbag *b, ULONG tag, LONG def)
{
    const SPropValue *v = mc_propbag_get(b, CHANGE_PROP_TYPE(tag, PT_LONG));
    return v ? v->Value.l : def;
}

const SBinary *mc_propbag_get_bin(const mc_propbag *b, ULONG tag)
{
    const SPropValue *v = mc_propbag_get(b, CHANGE_PROP_TYPE(tag, PT_BINARY));
    return v ? &v->Value.bin : NULL;
}

/* ---- GetProps / GetPropList ---------------------------------------------------------------- */

/* The value GetProps returns for `tag`: computed values override the bag. */
static const SPropValue *lookup(const mc_propbag *b, const SPropValue *computed, ULONG n_computed,
                                ULONG tag)
{
    const SPropValue *v = mc_props_find(n_computed, computed, tag);
    ULONG i;

    if (v)
        return v;
    /* A computed value of another type still hides the bag's value with that ID. */
    for (i = 0; i < n_computed; i++)
        if (PROP_ID(computed[i].ulPropTag) == PROP_ID(tag))
            return NULL;
    return mc_propbag_get(b, tag);
}

/* The string width a caller asked for through MAPI_UNICODE, keeping the MV flag. */
static ULONG wanted_string_type(ULONG type, ULONG flags)
{
    return (type & MV_FLAG) | ((flags & MAPI_UNICODE) ? PT_UNICODE : PT_STRING8);
}

/* Fill *dst for a request of `tag` (PT_UNSPECIFIED allowed) from *src; payload under root. */
static HRESULT fill_value(const mc_alloc *a, void *root, SPropValue *dst, const SPropValue *src,
                          ULONG tag, ULONG flags)
{
    ULONG want = PROP_TYPE(tag), have = PROP_TYPE(src->ulPropTag);

    if (is_string(have))
    {
        if (want == PT_UNSPECIFIED)
            want = wanted_string_type(have, flags);
        return mc_prop_convert(a, root, dst, src, want);
    }
    return mc_prop_copy(a, root, dst, src);
}

static void set_error(SPropValue *v, ULONG tag, SCODE sc)
{
    memset(v, 0, sizeof(*v));
    v->ulPropTag = CHANGE_PROP_TYPE(tag, PT_ERROR);
    v->Value.err = sc;
}

/* Collects the values a NULL-tags request returns: computed first, then the bag. */
static ULONG collect_all(const mc_propbag *b, const SPropValue *computed, ULONG n_computed,
                         mc_hidden_fn hidden, const SPropValue **list)
{
    ULONG i, j, n = 0;

    for (i = 0; i < n_computed; i++)
    {
        if (computed[i].ulPropTag == PR_NULL || is_empty_mv(&computed[i])
            || (hidden && hidden(computed[i].ulPropTag)))
            continue;
        for (j = 0; j < n; j++)
            if (PROP_ID(list[j]->ulPropTag) == PROP_ID(computed[i].ulPropTag))
                break;
        if (j == n)
            list[n++] = &computed[i];
    }
    for (i = 0; b && i < b->count; i++)
    {
        const SPropValue *v = &b->values[i];
        if (hidden && hidden(v->ulPropTag))
            continue;
        for (j = 0; j < n_computed; j++)
            if (PROP_ID(computed[j].ulPropTag) == PROP_ID(v->ulPropTag))
                break;
        if (j == n_computed)
            list[n++] = v;
    }
    return n;
}

HRESULT mc_getprops(const mc_alloc *a, const mc_propbag *b, const SPropValue *computed,
                    ULONG n_computed, const SPropTagArray *tags, ULONG flags,
                    mc_hidden_fn hidden, ULONG *count, SPropValue **out)
{
    const SPropValue **list = NULL;
    SPropValue *result = NULL;
    BOOL errors = FALSE;
    HRESULT hr = S_OK;
    ULONG i, n;

    if (!a || !count || !out || (n_computed && !computed))
        return MAPI_E_INVALID_PARAMETER;
    *count = 0;
    *out = NULL;
    if (tags && tags->cValues == 0)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(ULONG)MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;

    if (!tags)
    {
        if (!(list = mc_calloc(n_computed + mc_propbag_count(b) + 1, sizeof(*list))))
            return MAPI_E_NOT_ENOUGH_MEMORY;
        n = collect_all(b, computed, n_computed, hidden, list);
        if (n == 0)
            goto done;      /* S_OK, no values, NULL array (imapiprop-getprops.md) */
    }
    else
        n = tags->cValues;

    if ((hr = mc_alloc_more(a, NULL, n * sizeof(SPropValue), (void **)&result)) != S_OK)
        goto done;
    for (i = 0; i < n; i++)
    {
        ULONG tag = tags ? tags->aulPropTag[i] : list[i]->ulPropTag;
        const SPropValue *v = tags ? lookup(b, computed, n_computed, tag) : list[i];

        if (!tags && is_string(PROP_TYPE(tag)))
            tag = CHANGE_PROP_TYPE(tag, PT_UNSPECIFIED);    /* width chosen by MAPI_UNICODE */
        /* Never hand out an MV with no values: such a property does not exist. */
        if (!v || is_empty_mv(v))
        {
            set_error(&result[i], tag, MAPI_E_NOT_FOUND);
            errors = TRUE;
            continue;
        }
        hr = fill_value(a, result, &result[i], v, tag, flags);
        if (hr == MAPI_E_NOT_ENOUGH_MEMORY || hr == MAPI_E_BAD_CHARWIDTH)
        {
            /* A value that can't be delivered is a per-property error, not a failed call. */
            set_error(&result[i], tag, hr);
            hr = S_OK;
        }
        else if (hr != S_OK)
            goto done;
        if (PROP_TYPE(result[i].ulPropTag) == PT_ERROR)
            errors = TRUE;
    }
    *count = n;
    *out = result;
    result = NULL;
    hr = errors ? MAPI_W_ERRORS_RETURNED : S_OK;
done:
    if (result)
        a->free_buffer(result);
    mc_free(list);
    return hr;
}

HRESULT mc_getproplist(const mc_alloc *a, const mc_propbag *b, const SPropValue *computed,
                       ULONG n_computed, const SPropTagArray *extra, ULONG flags,
                       mc_hidden_fn hidden, SPropTagArray **out)
{
    const SPropValue **list = NULL;
    SPropTagArray *tags = NULL;
    ULONG i, j, n, n_extra = extra ? extra->cValues : 0;
    HRESULT hr = S_OK;

    if (!a || !out || (n_computed && !computed))
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (flags & ~(ULONG)MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;
    if (!(list = mc_calloc(n_computed + mc_propbag_count(b) + 1, sizeof(*list))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    n = collect_all(b, computed, n_computed, hidden, list);
    if ((hr = mc_alloc_more(a, NULL, CbNewSPropTagArray(n + n_extra), (void **)&tags)) != S_OK)
        goto done;
    tags->cValues = 0;
    for (i = 0; i < n; i++)
    {
        ULONG tag = list[i]->ulPropTag;
        if (is_string(PROP_TYPE(tag)))
            tag = CHANGE_PROP_TYPE(tag, wanted_string_type(PROP_TYPE(tag), flags));
        tags->aulPropTag[tags->cValues++] = tag;
    }
    for (i = 0; i < n_extra; i++)
    {
        ULONG tag = extra->aulPropTag[i];
        for (j = 0; j < tags->cValues; j++)
            if (PROP_ID(tags->aulPropTag[j]) == PROP_ID(tag))
                break;
        if (j == tags->cValues && tag != PR_NULL)
            tags->aulPropTag[tags->cValues++] = tag;
    }
    *out = tags;
    tags = NULL;
done:
    if (tags)
        a->free_buffer(tags);
    mc_free(list);
    return hr;
}

/* ---- SetProps / DeleteProps --------------------------------------------------------------- */

/* Problems are gathered in internal memory, then handed out as one block (or NULL). */
typedef struct problems
{
    ULONG count;
    SPropProblem *items;
} problems;

static HRESULT problem_add(problems *p, ULONG index, ULONG tag, SCODE sc)
{
    SPropProblem *n = mc_realloc(p->items, (p->count + 1) * sizeof(SPropProblem));

    if (!n)
        return MAPI_E_NOT_ENOUGH_MEMORY;
    p->items = n;
    n[p->count].ulIndex = index;
    n[p->count].ulPropTag = tag;
    n[p->count].scode = sc;
    p->count++;
    return S_OK;
}

static HRESULT problems_hand_out(const mc_alloc *a, problems *p, SPropProblemArray **out)
{
    SPropProblemArray *arr;
    HRESULT hr;

    if (!out)
        return S_OK;
    *out = NULL;
    if (!p->count)
        return S_OK;
    if ((hr = mc_alloc_more(a, NULL, CbNewSPropProblemArray(p->count), (void **)&arr)) != S_OK)
        return hr;
    arr->cProblem = p->count;
    memcpy(arr->aProblem, p->items, p->count * sizeof(SPropProblem));
    *out = arr;
    return S_OK;
}

/* Pointer sanity of one value to be stored: a value we would dereference must be there. */
static BOOL value_well_formed(const SPropValue *v)
{
    ULONG type = PROP_TYPE(v->ulPropTag) & ~(ULONG)MV_INSTANCE;

    switch (type)
    {
    case PT_STRING8: case PT_UNICODE: case PT_CLSID:
        return v->Value.lpszA != NULL;
    case PT_BINARY:
        return v->Value.bin.cb == 0 || v->Value.bin.lpb;
    }
    if (type & MV_FLAG)
    {
        ULONG i;
        if (!v->Value.MVl.lpl)
            return FALSE;
        for (i = 0; i < v->Value.MVl.cValues; i++)
        {
            if ((type == PT_MV_STRING8 || type == PT_MV_UNICODE) && !v->Value.MVszA.lppszA[i])
                return FALSE;
            if (type == PT_MV_BINARY && v->Value.MVbin.lpbin[i].cb && !v->Value.MVbin.lpbin[i].lpb)
                return FALSE;
        }
    }
    return TRUE;
}

HRESULT mc_setprops(const mc_alloc *a, mc_propbag *b, ULONG n, const SPropValue *props,
                    mc_check_fn check, void *ctx, SPropProblemArray **problems_out)
{
    problems p = {0, NULL};
    HRESULT hr = S_OK;
    ULONG i;

    if (!b || (n && !props) || (problems_out && !a))
        return MAPI_E_INVALID_PARAMETER;
    if (problems_out)
        *problems_out = NULL;
    /* Whole-call errors first, so that nothing changes when the call fails. */
    for (i = 0; i < n; i++)
    {
        ULONG type = PROP_TYPE(props[i].ulPropTag);
        if (props[i].ulPropTag == PR_NULL || type == PT_ERROR)
            continue;
        if (type == PT_OBJECT)
            return MAPI_E_INVALID_PARAMETER;
        if ((type & MV_FLAG) && mc_prop_type_valid(type) && props[i].Value.MVl.cValues == 0)
            return MAPI_E_INVALID_PARAMETER;
        if (mc_prop_type_valid(type) && !value_well_formed(&props[i]))
            return MAPI_E_INVALID_PARAMETER;
    }
    for (i = 0; i < n; i++)
    {
        ULONG tag = props[i].ulPropTag, type = PROP_TYPE(tag);
        SCODE sc;

        if (tag == PR_NULL || type == PT_ERROR)
            continue;
        if (!mc_prop_type_valid(type) || type == PT_UNSPECIFIED || type == PT_NULL)
            sc = MAPI_E_INVALID_TYPE;
        else if (type & MV_INSTANCE)
            sc = MAPI_E_INVALID_TYPE;       /* MV_INSTANCE is a table column flag only */
        else
            sc = check ? check(tag, ctx) : S_OK;
        if (sc == S_OK)
        {
            hr = mc_propbag_set(b, &props[i]);
            if (hr == MAPI_E_NOT_ENOUGH_MEMORY)
                goto done;
            sc = hr;
            hr = S_OK;
        }
        if (sc != S_OK && (hr = problem_add(&p, i, tag, sc)) != S_OK)
            goto done;
    }
    hr = problems_hand_out(a, &p, problems_out);
done:
    mc_free(p.items);
    return hr;
}

HRESULT mc_deleteprops(const mc_alloc *a, mc_propbag *b, const SPropTagArray *tags,
                       mc_check_fn check, void *ctx, SPropProblemArray **problems_out)
{
    problems p = {0, NULL};
    HRESULT hr = S_OK;
    ULONG i;

    if (!b || !tags || (problems_out && !a))
        return MAPI_E_INVALID_PARAMETER;
    if (problems_out)
        *problems_out = NULL;
    for (i = 0; i < tags->cValues; i++)
    {
        ULONG tag = tags->aulPropTag[i];
        SCODE sc = check ? check(tag, ctx) : S_OK;

        if (sc == S_OK)
            mc_propbag_delete(b, tag);      /* an absent property is not a problem */
        else if ((hr = problem_add(&p, i, tag, sc)) != S_OK)
            goto done;
    }
    hr = problems_hand_out(a, &p, problems_out);
done:
    mc_free(p.items);
    return hr;
}
