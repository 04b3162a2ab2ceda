/*
 * profsect.c - IProfSect, a profile section: IMAPIProp over one registry-backed section
 * (iprofsectimapiprop.md; spi-digest §5.2).
 *
 * Nontransacted: SetProps and DeleteProps write through at once, SaveChanges does nothing and
 * succeeds; every read loads the section afresh, so two section objects (in this process or
 * another) always agree. No named properties. IDs 0x67F0-0x67FF are secure: returned only
 * when asked for by tag. Read-only unless opened with MAPI_MODIFY.
 * Not implemented: the one-writer rule of IProviderAdmin::OpenProfileSection (an open
 * read/write section blocking other opens); sections here are shared freely.
 */
#include "minimapi_private.h"

typedef struct profsect
{
    IProfSect IProfSect_iface;
    LONG ref;
    WCHAR *profile;
    MAPIUID uid;
    BOOL modify;
    IUnknown *parent;
    mc_last_error err;
} profsect;

static inline profsect *impl_from_IProfSect(IProfSect *iface)
{
    return CONTAINING_RECORD(iface, profsect, IProfSect_iface);
}

static BOOL is_secure(ULONG tag)
{
    return PROP_ID(tag) >= 0x67F0 && PROP_ID(tag) <= 0x67FF;
}

static SCODE check_settable(ULONG tag, void *ctx)
{
    if (PROP_ID(tag) == PROP_ID(PR_OBJECT_TYPE) || PROP_ID(tag) == PROP_ID(PR_PROFILE_NAME_W))
        return MAPI_E_COMPUTED;
    /* No named properties in profile sections (iprofsectimapiprop.md). */
    if (PROP_ID(tag) >= 0x8000) return MAPI_E_NO_SUPPORT;
    return S_OK;
}

/* The values a profile section computes: PR_OBJECT_TYPE and PR_PROFILE_NAME. */
static void computed_props(profsect *This, SPropValue v[2])
{
    memset(v, 0, 2 * sizeof(*v));
    v[0].ulPropTag = PR_OBJECT_TYPE;
    v[0].Value.l = MAPI_PROFSECT;
    v[1].ulPropTag = PR_PROFILE_NAME_W;
    v[1].Value.lpszW = This->profile;
}

static HRESULT load(profsect *This, mc_propbag **bag)
{
    HRESULT hr = mm_section_load(This->profile, &This->uid, bag);
    if (hr == MAPI_E_NOT_FOUND)
    {
        /* Deleted under us (DeleteMsgService, DeleteProfile): an empty section. */
        if (!(*bag = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
        return S_OK;
    }
    return hr;
}

static HRESULT STDMETHODCALLTYPE profsect_QueryInterface(IProfSect *iface, REFIID iid, void **out)
{
    profsect *This = impl_from_IProfSect(iface);

    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPIProp)
        || IsEqualIID(iid, &IID_IProfSect))
    {
        *out = &This->IProfSect_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE profsect_AddRef(IProfSect *iface)
{
    profsect *This = impl_from_IProfSect(iface);
    return InterlockedIncrement(&This->ref);
}

static ULONG STDMETHODCALLTYPE profsect_Release(IProfSect *iface)
{
    profsect *This = impl_from_IProfSect(iface);
    LONG ref = InterlockedDecrement(&This->ref);

    if (!ref)
    {
        if (This->parent) This->parent->lpVtbl->Release(This->parent);
        mc_last_error_destroy(&This->err);
        mc_free(This->profile);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE profsect_GetLastError(IProfSect *iface, HRESULT hr, ULONG flags,
                                                       LPMAPIERROR *out)
{
    profsect *This = impl_from_IProfSect(iface);
    MC_TRACE(MM_CH, "(%p, %#lx, %#lx)\n", This, hr, flags);
    return mc_last_error_get(&This->err, &mm_alloc, MM_COMPONENT, hr, flags, out);
}

static HRESULT STDMETHODCALLTYPE profsect_SaveChanges(IProfSect *iface, ULONG flags)
{
    MC_TRACE(MM_CH, "(%p, %#lx)\n", iface, flags);
    return S_OK;   /* nontransacted */
}

static HRESULT STDMETHODCALLTYPE profsect_GetProps(IProfSect *iface, LPSPropTagArray tags,
                                                   ULONG flags, ULONG *count, LPSPropValue *out)
{
    profsect *This = impl_from_IProfSect(iface);
    mc_propbag *bag = NULL;
    SPropValue computed[2];
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, tags, flags);
    if (!count || !out) return MAPI_E_INVALID_PARAMETER;
    if (tags && !tags->cValues) return MAPI_E_INVALID_PARAMETER;
    *count = 0;
    *out = NULL;
    if (FAILED(hr = load(This, &bag))) return hr;
    computed_props(This, computed);
    hr = mc_getprops(&mm_alloc, bag, computed, 2, tags, flags, is_secure, count, out);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profsect_GetPropList(IProfSect *iface, ULONG flags,
                                                      LPSPropTagArray *out)
{
    profsect *This = impl_from_IProfSect(iface);
    mc_propbag *bag = NULL;
    SPropValue computed[2];
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (FAILED(hr = load(This, &bag))) return hr;
    computed_props(This, computed);
    hr = mc_getproplist(&mm_alloc, bag, computed, 2, NULL, flags, is_secure, out);
    mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profsect_OpenProperty(IProfSect *iface, ULONG tag, LPCIID iid,
                                                       ULONG options, ULONG flags, LPUNKNOWN *out)
{
    MC_FIXME("(%p, %#lx): no stream or object properties in profile sections yet\n", iface, tag);
    if (!iid || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE profsect_SetProps(IProfSect *iface, ULONG n, LPSPropValue props,
                                                   LPSPropProblemArray *problems)
{
    profsect *This = impl_from_IProfSect(iface);
    mc_propbag *bag = NULL;
    SPropValue *stored = NULL;
    ULONG i, n_stored = 0;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %lu, %p)\n", This, n, props);
    if (problems) *problems = NULL;
    if (!props || !n) return MAPI_E_INVALID_PARAMETER;
    if (!This->modify)
        return mc_last_error_set(&This->err, MAPI_E_NO_ACCESS,
                                 L"the profile section was opened read-only");
    mm_profile_lock();
    if (FAILED(hr = load(This, &bag))) goto done;
    if (FAILED(hr = mc_setprops(&mm_alloc, bag, n, props, check_settable, This, problems)))
        goto done;
    /* Write through what the bag accepted: the bag's value for each property ID given. */
    if (!(stored = mc_calloc(n, sizeof(*stored)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < n; i++)
    {
        const SPropValue *v;
        if (props[i].ulPropTag == PR_NULL || PROP_TYPE(props[i].ulPropTag) == PT_ERROR) continue;
        if (check_settable(props[i].ulPropTag, This) != S_OK) continue;
        v = mc_propbag_get(bag, PROP_TAG(PT_UNSPECIFIED, PROP_ID(props[i].ulPropTag)));
        if (v && v->ulPropTag == props[i].ulPropTag) stored[n_stored++] = *v;
    }
    if (n_stored && FAILED(hr = mm_section_write(This->profile, &This->uid, n_stored, stored)))
    {
        if (problems && *problems)
        {
            MAPIFreeBuffer(*problems);
            *problems = NULL;
        }
        mc_last_error_set(&This->err, hr, L"writing the profile section to the registry failed");
    }
done:
    mm_profile_unlock();
    mc_free(stored);
    if (bag) mc_propbag_free(bag);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profsect_DeleteProps(IProfSect *iface, LPSPropTagArray tags,
                                                      LPSPropProblemArray *problems)
{
    profsect *This = impl_from_IProfSect(iface);
    mc_propbag *bag = NULL;
    ULONG *ids = NULL, i, n = 0;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p)\n", This, tags);
    if (problems) *problems = NULL;
    if (!tags) return MAPI_E_INVALID_PARAMETER;
    if (!This->modify)
        return mc_last_error_set(&This->err, MAPI_E_NO_ACCESS,
                                 L"the profile section was opened read-only");
    mm_profile_lock();
    if (FAILED(hr = load(This, &bag))) goto done;
    if (FAILED(hr = mc_deleteprops(&mm_alloc, bag, tags, check_settable, This, problems)))
        goto done;
    if (tags->cValues && !(ids = mc_calloc(tags->cValues, sizeof(*ids))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    for (i = 0; i < tags->cValues; i++)
        if (check_settable(tags->aulPropTag[i], This) == S_OK) ids[n++] = tags->aulPropTag[i];
    if (n) hr = mm_section_delete_ids(This->profile, &This->uid, n, ids);
done:
    mm_profile_unlock();
    mc_free(ids);
    if (bag) mc_propbag_free(bag);
    return hr;
}

static BOOL excluded(const SPropTagArray *exclude, ULONG tag)
{
    ULONG i;
    for (i = 0; i < exclude->cValues; i++)
        if (PROP_ID(exclude->aulPropTag[i]) == PROP_ID(tag)) return TRUE;
    return FALSE;
}

/* Copy props from this section into a destination IMAPIProp (CopyTo/CopyProps). */
static HRESULT copy_props(profsect *This, const SPropTagArray *include,
                          const SPropTagArray *exclude, IMAPIProp *dest, ULONG flags,
                          LPSPropProblemArray *problems)
{
    SPropValue *v = NULL, *keep = NULL;
    ULONG n = 0, i, k = 0;
    HRESULT hr;

    if (problems) *problems = NULL;
    hr = This->IProfSect_iface.lpVtbl->GetProps(&This->IProfSect_iface, (SPropTagArray *)include,
                                                MAPI_UNICODE, &n, &v);
    if (FAILED(hr)) return hr;
    if (n && !(keep = mc_calloc(n, sizeof(*keep)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < n; i++)
    {
        if (PROP_TYPE(v[i].ulPropTag) == PT_ERROR) continue;
        if (PROP_ID(v[i].ulPropTag) == PROP_ID(PR_OBJECT_TYPE)) continue;
        if (exclude && excluded(exclude, v[i].ulPropTag)) continue;
        keep[k++] = v[i];
    }
    hr = k ? dest->lpVtbl->SetProps(dest, k, keep, problems) : S_OK;
    if (SUCCEEDED(hr) && (flags & MAPI_MOVE) && k)
    {
        SPropTagArray *del = mc_calloc(1, CbNewSPropTagArray(k));
        if (del)
        {
            del->cValues = k;
            for (i = 0; i < k; i++) del->aulPropTag[i] = keep[i].ulPropTag;
            This->IProfSect_iface.lpVtbl->DeleteProps(&This->IProfSect_iface, del, NULL);
            mc_free(del);
        }
    }
done:
    mc_free(keep);
    MAPIFreeBuffer(v);
    return hr;
}

static HRESULT STDMETHODCALLTYPE profsect_CopyTo(IProfSect *iface, ULONG n_exclude_iids,
                                                 LPCIID exclude_iids, LPSPropTagArray exclude,
                                                 ULONG ui, LPMAPIPROGRESS progress,
                                                 LPCIID iid, LPVOID dest, ULONG flags,
                                                 LPSPropProblemArray *problems)
{
    profsect *This = impl_from_IProfSect(iface);
    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, dest, flags);
    if (!dest) return MAPI_E_INVALID_PARAMETER;
    if (flags & MAPI_DECLINE_OK) return MAPI_E_DECLINE_COPY;
    return copy_props(This, NULL, exclude, dest, flags, problems);
}

static HRESULT STDMETHODCALLTYPE profsect_CopyProps(IProfSect *iface, LPSPropTagArray include,
                                                    ULONG ui, LPMAPIPROGRESS progress,
                                                    LPCIID iid, LPVOID dest, ULONG flags,
                                                    LPSPropProblemArray *problems)
{
    profsect *This = impl_from_IProfSect(iface);
    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, dest, flags);
    if (!dest || !include || !include->cValues) return MAPI_E_INVALID_PARAMETER;
    if (flags & MAPI_DECLINE_OK) return MAPI_E_DECLINE_COPY;
    return copy_props(This, include, NULL, dest, flags, problems);
}

static HRESULT STDMETHODCALLTYPE profsect_GetNamesFromIDs(IProfSect *iface, LPSPropTagArray *tags,
                                                          LPGUID guid, ULONG flags, ULONG *count,
                                                          LPMAPINAMEID **names)
{
    MC_TRACE(MM_CH, "(%p): profile sections have no named properties\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE profsect_GetIDsFromNames(IProfSect *iface, ULONG count,
                                                          LPMAPINAMEID *names, ULONG flags,
                                                          LPSPropTagArray *tags)
{
    MC_TRACE(MM_CH, "(%p): profile sections have no named properties\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static const IProfSectVtbl profsect_vtbl =
{
    profsect_QueryInterface,
    profsect_AddRef,
    profsect_Release,
    profsect_GetLastError,
    profsect_SaveChanges,
    profsect_GetProps,
    profsect_GetPropList,
    profsect_OpenProperty,
    profsect_SetProps,
    profsect_DeleteProps,
    profsect_CopyTo,
    profsect_CopyProps,
    profsect_GetNamesFromIDs,
    profsect_GetIDsFromNames,
};

HRESULT mm_profsect_create(const WCHAR *profile, const MAPIUID *uid, ULONG flags,
                           IUnknown *parent, IProfSect **out)
{
    profsect *This;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!(This->profile = mc_wcsdup(profile)))
    {
        mc_free(This);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    This->IProfSect_iface.lpVtbl = &profsect_vtbl;
    This->ref = 1;
    This->uid = *uid;
    This->modify = (flags & MAPI_MODIFY) != 0;
    This->parent = parent;
    if (parent) parent->lpVtbl->AddRef(parent);
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IProfSect_iface;
    return S_OK;
}

HRESULT mm_profsect_open(const WCHAR *profile, const MAPIUID *uid, const IID *iid, ULONG flags,
                         IUnknown *parent, IProfSect **out)
{
    HRESULT hr;

    if (iid && !IsEqualIID(iid, &IID_IProfSect) && !IsEqualIID(iid, &IID_IMAPIProp)
        && !IsEqualIID(iid, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (!mm_section_exists(profile, uid))
    {
        if (!(flags & MAPI_MODIFY)) return MAPI_E_NOT_FOUND;
        if (FAILED(hr = mm_section_create(profile, uid))) return hr;
    }
    return mm_profsect_create(profile, uid, flags, parent, out);
}

HRESULT mm_profsect_open_for(mm_section_caller caller, const WCHAR *profile, const MAPIUID *uid,
                             const IID *iid, ULONG flags, IUnknown *parent, mc_last_error *err,
                             IProfSect **out)
{
    mc_propbag *b = NULL;
    BOOL provider_section = FALSE;
    HRESULT hr;

    *out = NULL;
    if (flags & ~(MAPI_DEFERRED_ERRORS | MAPI_MODIFY | MAPI_FORCE_ACCESS)) return MAPI_E_UNKNOWN_FLAGS;
    if (caller != MM_SECTION_PROVIDER && !(flags & MAPI_FORCE_ACCESS)
        && SUCCEEDED(mm_section_load(profile, uid, &b)))
    {
        provider_section = mm_bag_is_provider(b, uid);
        mc_propbag_free(b);
    }
    /* imapisession-openprofilesection.md: a session's client opens providers' own sections only
     * with MAPI_FORCE_ACCESS. iprovideradmin-openprofilesection.md: through the admin objects a
     * client may read them but not write them unless it forces access. */
    if (provider_section && (caller == MM_SECTION_SESSION || (flags & MAPI_MODIFY)))
        return mc_last_error_set(err, MAPI_E_NO_ACCESS,
                                 L"a provider's profile section opens %lsonly with MAPI_FORCE_ACCESS",
                                 caller == MM_SECTION_SESSION ? L"" : L"read/write ");
    hr = mm_profsect_open(profile, uid, iid, flags, parent, out);
    if (hr == MAPI_E_NOT_FOUND)
        mc_last_error_set(err, hr, L"no such profile section in profile %ls", profile);
    return hr;
}
