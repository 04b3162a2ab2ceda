/*
 * mailuser.c - IMailUser for a one-off recipient (imailuserimapiprop.md,
 * one-off-entry-identifiers.md): what IAddrBook::OpenEntry and IMAPISession::OpenEntry return
 * for a one-off entry ID. Read-only: every property comes from the entry ID itself.
 */
#include "minimapi_private.h"

typedef struct mailuser
{
    IMailUser IMailUser_iface;
    LONG ref;
    mc_propbag *props;
    mc_last_error err;
} mailuser;

static inline mailuser *impl_from_IMailUser(IMailUser *iface)
{
    return CONTAINING_RECORD(iface, mailuser, IMailUser_iface);
}

static HRESULT STDMETHODCALLTYPE mailuser_QueryInterface(IMailUser *iface, REFIID iid, void **out)
{
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPIProp)
        || IsEqualIID(iid, &IID_IMailUser))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE mailuser_AddRef(IMailUser *iface)
{
    return InterlockedIncrement(&impl_from_IMailUser(iface)->ref);
}

static ULONG STDMETHODCALLTYPE mailuser_Release(IMailUser *iface)
{
    mailuser *This = impl_from_IMailUser(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        mc_propbag_free(This->props);
        mc_last_error_destroy(&This->err);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE mailuser_GetLastError(IMailUser *iface, HRESULT hr, ULONG flags,
                                                       LPMAPIERROR *out)
{
    return mc_last_error_get(&impl_from_IMailUser(iface)->err, &mm_alloc, MM_COMPONENT, hr, flags,
                             out);
}

static HRESULT STDMETHODCALLTYPE mailuser_SaveChanges(IMailUser *iface, ULONG flags)
{
    return MAPI_E_NO_ACCESS;
}

static HRESULT STDMETHODCALLTYPE mailuser_GetProps(IMailUser *iface, LPSPropTagArray tags,
                                                   ULONG flags, ULONG *count, LPSPropValue *out)
{
    mailuser *This = impl_from_IMailUser(iface);
    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, tags, flags);
    if (!count || !out) return MAPI_E_INVALID_PARAMETER;
    return mc_getprops(&mm_alloc, This->props, NULL, 0, tags, flags, NULL, count, out);
}

static HRESULT STDMETHODCALLTYPE mailuser_GetPropList(IMailUser *iface, ULONG flags,
                                                      LPSPropTagArray *out)
{
    mailuser *This = impl_from_IMailUser(iface);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    return mc_getproplist(&mm_alloc, This->props, NULL, 0, NULL, flags, NULL, out);
}

static HRESULT STDMETHODCALLTYPE mailuser_OpenProperty(IMailUser *iface, ULONG tag, LPCIID iid,
                                                       ULONG options, ULONG flags, LPUNKNOWN *out)
{
    if (out) *out = NULL;
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE mailuser_SetProps(IMailUser *iface, ULONG n, LPSPropValue props,
                                                   LPSPropProblemArray *problems)
{
    return MAPI_E_NO_ACCESS;
}

static HRESULT STDMETHODCALLTYPE mailuser_DeleteProps(IMailUser *iface, LPSPropTagArray tags,
                                                      LPSPropProblemArray *problems)
{
    return MAPI_E_NO_ACCESS;
}

static HRESULT STDMETHODCALLTYPE mailuser_CopyTo(IMailUser *iface, ULONG n_iids, LPCIID iids,
                                                 LPSPropTagArray exclude, ULONG ui,
                                                 LPMAPIPROGRESS progress, LPCIID iid, LPVOID dest,
                                                 ULONG flags, LPSPropProblemArray *problems)
{
    MC_FIXME("(%p): CopyTo of a one-off recipient\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE mailuser_CopyProps(IMailUser *iface, LPSPropTagArray include,
                                                    ULONG ui, LPMAPIPROGRESS progress, LPCIID iid,
                                                    LPVOID dest, ULONG flags,
                                                    LPSPropProblemArray *problems)
{
    MC_FIXME("(%p): CopyProps of a one-off recipient\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE mailuser_GetNamesFromIDs(IMailUser *iface, LPSPropTagArray *tags,
                                                          LPGUID guid, ULONG flags, ULONG *count,
                                                          LPMAPINAMEID **names)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE mailuser_GetIDsFromNames(IMailUser *iface, ULONG count,
                                                          LPMAPINAMEID *names, ULONG flags,
                                                          LPSPropTagArray *tags)
{
    return MAPI_E_NO_SUPPORT;
}

static const IMailUserVtbl mailuser_vtbl =
{
    mailuser_QueryInterface,
    mailuser_AddRef,
    mailuser_Release,
    mailuser_GetLastError,
    mailuser_SaveChanges,
    mailuser_GetProps,
    mailuser_GetPropList,
    mailuser_OpenProperty,
    mailuser_SetProps,
    mailuser_DeleteProps,
    mailuser_CopyTo,
    mailuser_CopyProps,
    mailuser_GetNamesFromIDs,
    mailuser_GetIDsFromNames,
};

static HRESULT set_str(mc_propbag *b, ULONG tag, const WCHAR *s)
{
    SPropValue v;
    v.ulPropTag = tag;
    v.dwAlignPad = 0;
    v.Value.lpszW = (WCHAR *)s;
    return mc_propbag_set(b, &v);
}

HRESULT mm_oneoff_props(ULONG cb, const ENTRYID *eid, const mm_oneoff *o, mc_propbag *b)
{
    SPropValue v;
    SBinary key;
    HRESULT hr;

    memset(&v, 0, sizeof(v));
    if (FAILED(hr = set_str(b, PR_DISPLAY_NAME_W, o->name))) return hr;
    if (FAILED(hr = set_str(b, PR_TRANSMITABLE_DISPLAY_NAME_W, o->name))) return hr;
    if (FAILED(hr = set_str(b, PR_ADDRTYPE_W, o->type))) return hr;
    if (FAILED(hr = set_str(b, PR_EMAIL_ADDRESS_W, o->address))) return hr;
    v.ulPropTag = PR_ENTRYID;
    v.Value.bin.cb = cb;
    v.Value.bin.lpb = (BYTE *)eid;
    if (FAILED(hr = mc_propbag_set(b, &v))) return hr;
    v.ulPropTag = PR_RECORD_KEY;
    if (FAILED(hr = mc_propbag_set(b, &v))) return hr;
    if (FAILED(hr = mm_search_key(NULL, o->type, o->address, &key))) return hr;
    v.ulPropTag = PR_SEARCH_KEY;
    v.Value.bin = key;
    hr = mc_propbag_set(b, &v);
    MAPIFreeBuffer(key.lpb);
    if (FAILED(hr)) return hr;
    v.ulPropTag = PR_OBJECT_TYPE;
    v.Value.l = MAPI_MAILUSER;
    if (FAILED(hr = mc_propbag_set(b, &v))) return hr;
    v.ulPropTag = PR_DISPLAY_TYPE;
    v.Value.l = DT_MAILUSER;
    if (FAILED(hr = mc_propbag_set(b, &v))) return hr;
    v.ulPropTag = PR_SEND_RICH_INFO;
    v.Value.b = !o->no_rich_info;
    return mc_propbag_set(b, &v);
}

HRESULT mm_mailuser_open_oneoff(ULONG cb, const ENTRYID *eid, const IID *iid, ULONG *type,
                                IUnknown **out)
{
    mailuser *This;
    mm_oneoff o;
    HRESULT hr;

    *out = NULL;
    if (iid && !IsEqualIID(iid, &IID_IUnknown) && !IsEqualIID(iid, &IID_IMAPIProp)
        && !IsEqualIID(iid, &IID_IMailUser))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (FAILED(hr = mm_oneoff_parse(cb, eid, &o))) return hr;
    if (!(This = mc_calloc(1, sizeof(*This))) || !(This->props = mc_propbag_new()))
    {
        mc_free(This);
        mm_oneoff_free(&o);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    This->IMailUser_iface.lpVtbl = &mailuser_vtbl;
    This->ref = 1;
    mc_last_error_init(&This->err);
    mc_object_created();
    hr = mm_oneoff_props(cb, eid, &o, This->props);
    mm_oneoff_free(&o);
    if (FAILED(hr))
    {
        mailuser_Release(&This->IMailUser_iface);
        return hr;
    }
    if (type) *type = MAPI_MAILUSER;
    *out = (IUnknown *)&This->IMailUser_iface;
    return S_OK;
}
