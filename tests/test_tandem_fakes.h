/*
 * test_tandem_fakes.h - a small fake MAPI for tandem32's unit tests: profile sections over
 * mapicore property bags (IProfSect), a support object filling all 44 IMAPISupport slots in
 * header order and recording the calls the provider makes (spi-digest §0.4, §8), and an
 * IProviderAdmin with a provider table. Memory comes from the counting allocator of
 * test_mapicore_alloc.h. The fakes do not count in mc_live_objects (that is the provider's
 * counter); they keep their own (fake_live).
 */
#ifndef TEST_TANDEM_FAKES_H
#define TEST_TANDEM_FAKES_H

#include "test_mapicore_alloc.h"

/* Each test program uses a subset of these helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include <mapiguid.h>
#include "tandem_private.h"

static LONG fake_live;

/* ---- profile ------------------------------------------------------------------------------ */

#define FAKE_MAX_SECTIONS 8

typedef struct fake_section
{
    MAPIUID uid;
    mc_propbag *bag;
    LONG writers, readers;      /* open IProfSect objects (one writer at a time) */
} fake_section;

typedef struct fake_profile
{
    fake_section sect[FAKE_MAX_SECTIONS];
    ULONG n;
    MAPIUID service_uid, store_uid, transport_uid;
} fake_profile;

static fake_section *fake_find_section(fake_profile *p, const MAPIUID *uid, BOOL create)
{
    ULONG i;
    for (i = 0; i < p->n; i++)
        if (!memcmp(&p->sect[i].uid, uid, sizeof(*uid))) return &p->sect[i];
    if (!create || p->n == FAKE_MAX_SECTIONS) return NULL;
    p->sect[p->n].uid = *uid;
    p->sect[p->n].bag = mc_propbag_new();
    return &p->sect[p->n++];
}

static void fake_set_string(fake_section *s, ULONG tag, const WCHAR *value)
{
    SPropValue v;
    v.ulPropTag = tag;
    v.Value.lpszW = (WCHAR *)value;
    assert_int_equal(mc_propbag_set(s->bag, &v), S_OK);
}

static void fake_set_long(fake_section *s, ULONG tag, LONG value)
{
    SPropValue v;
    v.ulPropTag = tag;
    v.Value.l = value;
    assert_int_equal(mc_propbag_set(s->bag, &v), S_OK);
}

static void fake_set_binary(fake_section *s, ULONG tag, const void *data, ULONG cb)
{
    SPropValue v;
    v.ulPropTag = tag;
    v.Value.bin.cb = cb;
    v.Value.bin.lpb = (BYTE *)data;
    assert_int_equal(mc_propbag_set(s->bag, &v), S_OK);
}

/* A profile with one TANDEM service: service, store and transport sections as MAPI makes
 * them from MAPISVC.INF, plus MUID_PROFILE_INSTANCE with the profile name. */
static void fake_profile_init(fake_profile *p, const WCHAR *profile_name)
{
    fake_section *s;

    memset(p, 0, sizeof(*p));
    CoCreateGuid((GUID *)&p->service_uid);
    CoCreateGuid((GUID *)&p->store_uid);
    CoCreateGuid((GUID *)&p->transport_uid);

    s = fake_find_section(p, &p->service_uid, TRUE);
    fake_set_string(s, PR_DISPLAY_NAME_W, L"Tandem Mail");
    fake_set_binary(s, PR_SERVICE_UID, &p->service_uid, sizeof(MAPIUID));

    s = fake_find_section(p, &p->store_uid, TRUE);
    fake_set_string(s, PR_DISPLAY_NAME_W, L"Tandem Message Store");
    fake_set_long(s, PR_RESOURCE_TYPE, MAPI_STORE_PROVIDER);
    fake_set_binary(s, PR_SERVICE_UID, &p->service_uid, sizeof(MAPIUID));
    fake_set_binary(s, PR_PROVIDER_UID, &p->store_uid, sizeof(MAPIUID));

    s = fake_find_section(p, &p->transport_uid, TRUE);
    fake_set_string(s, PR_DISPLAY_NAME_W, L"Tandem Mail Transport");
    fake_set_long(s, PR_RESOURCE_TYPE, MAPI_TRANSPORT_PROVIDER);
    fake_set_binary(s, PR_SERVICE_UID, &p->service_uid, sizeof(MAPIUID));
    fake_set_binary(s, PR_PROVIDER_UID, &p->transport_uid, sizeof(MAPIUID));

    s = fake_find_section(p, (const MAPIUID *)&MUID_PROFILE_INSTANCE, TRUE);
    if (profile_name) fake_set_string(s, PR_PROFILE_NAME_W, profile_name);
}

static void fake_profile_free(fake_profile *p)
{
    ULONG i;
    for (i = 0; i < p->n; i++)
    {
        assert_int_equal(p->sect[i].writers, 0);    /* every section was released */
        assert_int_equal(p->sect[i].readers, 0);
        mc_propbag_free(p->sect[i].bag);
    }
    p->n = 0;
}

static fake_section *fake_service_section(fake_profile *p) { return fake_find_section(p, &p->service_uid, FALSE); }
static fake_section *fake_store_section(fake_profile *p) { return fake_find_section(p, &p->store_uid, FALSE); }

/* ---- IProfSect ---------------------------------------------------------------------------- */

typedef struct fake_profsect
{
    IProfSect IProfSect_iface;
    LONG ref;
    fake_section *s;
    BOOL modify;
} fake_profsect;

static inline fake_profsect *fake_profsect_from(IProfSect *iface)
{
    return CONTAINING_RECORD(iface, fake_profsect, IProfSect_iface);
}

static HRESULT STDMETHODCALLTYPE fps_QueryInterface(IProfSect *iface, REFIID riid, void **out)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPIProp) || IsEqualGUID(riid, &IID_IProfSect))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE fps_AddRef(IProfSect *iface) { return InterlockedIncrement(&fake_profsect_from(iface)->ref); }
static ULONG STDMETHODCALLTYPE fps_Release(IProfSect *iface)
{
    fake_profsect *This = fake_profsect_from(iface);
    ULONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        if (This->modify) This->s->writers--;
        else This->s->readers--;
        free(This);
        fake_live--;
    }
    return ref;
}
static HRESULT STDMETHODCALLTYPE fps_GetLastError(IProfSect *iface, HRESULT hr, ULONG f, LPMAPIERROR *e) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fps_SaveChanges(IProfSect *iface, ULONG f) { return S_OK; }
static BOOL fps_secure(ULONG tag) { return PROP_ID(tag) >= 0x67F0 && PROP_ID(tag) <= 0x67FF; }
static HRESULT STDMETHODCALLTYPE fps_GetProps(IProfSect *iface, LPSPropTagArray tags, ULONG f, ULONG *n, LPSPropValue *v)
{
    return mc_getprops(&test_alloc, fake_profsect_from(iface)->s->bag, NULL, 0, tags, f, fps_secure, n, v);
}
static HRESULT STDMETHODCALLTYPE fps_GetPropList(IProfSect *iface, ULONG f, LPSPropTagArray *t)
{
    return mc_getproplist(&test_alloc, fake_profsect_from(iface)->s->bag, NULL, 0, NULL, f, fps_secure, t);
}
static HRESULT STDMETHODCALLTYPE fps_OpenProperty(IProfSect *iface, ULONG t, LPCIID i, ULONG o, ULONG f, LPUNKNOWN *u) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fps_SetProps(IProfSect *iface, ULONG n, LPSPropValue v, LPSPropProblemArray *pr)
{
    fake_profsect *This = fake_profsect_from(iface);
    if (!This->modify) return MAPI_E_NO_ACCESS;
    return mc_setprops(&test_alloc, This->s->bag, n, v, NULL, NULL, pr);
}
static HRESULT STDMETHODCALLTYPE fps_DeleteProps(IProfSect *iface, LPSPropTagArray t, LPSPropProblemArray *pr)
{
    fake_profsect *This = fake_profsect_from(iface);
    if (!This->modify) return MAPI_E_NO_ACCESS;
    return mc_deleteprops(&test_alloc, This->s->bag, t, NULL, NULL, pr);
}
static HRESULT STDMETHODCALLTYPE fps_CopyTo(IProfSect *iface, ULONG a, LPCIID b, LPSPropTagArray c, ULONG d,
        LPMAPIPROGRESS e, LPCIID f, LPVOID g, ULONG h, LPSPropProblemArray *i) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fps_CopyProps(IProfSect *iface, LPSPropTagArray a, ULONG b, LPMAPIPROGRESS c,
        LPCIID d, LPVOID e, ULONG f, LPSPropProblemArray *g) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fps_GetNamesFromIDs(IProfSect *iface, LPSPropTagArray *a, LPGUID b, ULONG c,
        ULONG *d, LPMAPINAMEID **e) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fps_GetIDsFromNames(IProfSect *iface, ULONG a, LPMAPINAMEID *b, ULONG c,
        LPSPropTagArray *d) { return MAPI_E_NO_SUPPORT; }

static const IProfSectVtbl fake_profsect_vtbl =
{
    fps_QueryInterface, fps_AddRef, fps_Release, fps_GetLastError, fps_SaveChanges, fps_GetProps,
    fps_GetPropList, fps_OpenProperty, fps_SetProps, fps_DeleteProps, fps_CopyTo, fps_CopyProps,
    fps_GetNamesFromIDs, fps_GetIDsFromNames,
};

/* Open a section like MAPI: read-only by default, MAPI_MODIFY creates a missing one; one
 * writer excludes everyone else (spi-digest §5.2). */
static HRESULT fake_open_section(fake_profile *p, const MAPIUID *uid, ULONG flags, IProfSect **out)
{
    BOOL modify = (flags & MAPI_MODIFY) != 0;
    fake_section *s = fake_find_section(p, uid, modify);
    fake_profsect *ps;

    *out = NULL;
    if (!s) return MAPI_E_NOT_FOUND;
    if (s->writers || (modify && s->readers)) return MAPI_E_NO_ACCESS;
    ps = calloc(1, sizeof(*ps));
    ps->IProfSect_iface.lpVtbl = (IProfSectVtbl *)&fake_profsect_vtbl;
    ps->ref = 1;
    ps->s = s;
    ps->modify = modify;
    if (modify) s->writers++;
    else s->readers++;
    fake_live++;
    *out = &ps->IProfSect_iface;
    return S_OK;
}

/* ---- IMAPISupport ------------------------------------------------------------------------- */

/* What a wrapped store entry ID looks like here: a foreign UID, then the original. */
static const BYTE fake_wrap_uid[16] = { 'F','A','K','E','-','M','A','P','I','-','W','R','A','P','P','D' };

typedef struct fake_sup
{
    IMAPISupport IMAPISupport_iface;
    LONG ref;
    fake_profile *profile;
    const MAPIUID *own_section;     /* OpenProfileSection(NULL) */
    /* recorded calls */
    ULONG set_provider_uid, modify_status_row, open_profile_section, wrap, new_uid,
          store_logoff_transports, notify, unexpected;
    MAPIUID last_provider_uid;
    ULONG last_status_flags, last_logoff_flags;
    SPropValue *status_row;         /* copy of the last ModifyStatusRow (test_alloc block) */
    ULONG status_row_count;
} fake_sup;

static inline fake_sup *fake_sup_from(IMAPISupport *iface)
{
    return CONTAINING_RECORD(iface, fake_sup, IMAPISupport_iface);
}

static HRESULT STDMETHODCALLTYPE fs_QueryInterface(IMAPISupport *iface, REFIID riid, void **out)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPISup))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE fs_AddRef(IMAPISupport *iface) { return InterlockedIncrement(&fake_sup_from(iface)->ref); }
static ULONG STDMETHODCALLTYPE fs_Release(IMAPISupport *iface)
{
    fake_sup *This = fake_sup_from(iface);
    ULONG ref = InterlockedDecrement(&This->ref);
    assert_true(ref < 0x80000000u);   /* never released more than referenced */
    return ref;
}

#define FS_STUB(name, ...) \
    static HRESULT STDMETHODCALLTYPE fs_##name(IMAPISupport *iface, __VA_ARGS__) \
    { fake_sup_from(iface)->unexpected++; return MAPI_E_NO_SUPPORT; }

static HRESULT STDMETHODCALLTYPE fs_GetLastError(IMAPISupport *iface, HRESULT hr, ULONG f, LPMAPIERROR *e)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT STDMETHODCALLTYPE fs_GetMemAllocRoutines(IMAPISupport *iface, LPALLOCATEBUFFER *a,
        LPALLOCATEMORE *m, LPFREEBUFFER *f)
{
    *a = test_AllocateBuffer;
    *m = test_AllocateMore;
    *f = test_FreeBuffer;
    return S_OK;
}
/* Like minimapi today: no notification engine behind the support object (Advise then answers
 * MAPI_E_NO_SUPPORT); counted, not unexpected. */
static HRESULT STDMETHODCALLTYPE fs_Subscribe(IMAPISupport *iface, LPNOTIFKEY a, ULONG b, ULONG c,
                                              LPMAPIADVISESINK d, ULONG *e)
{
    return MAPI_E_NO_SUPPORT;
}
static HRESULT STDMETHODCALLTYPE fs_Unsubscribe(IMAPISupport *iface, ULONG a)
{
    return MAPI_E_NO_SUPPORT;
}
/* The store notifies its advisees of every object it creates, changes or deletes
 * (objectnotification.md); with no engine behind this support object nobody hears them. */
static HRESULT STDMETHODCALLTYPE fs_Notify(IMAPISupport *iface, LPNOTIFKEY a, ULONG b, LPNOTIFICATION c, ULONG *d)
{
    fake_sup_from(iface)->notify++;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE fs_ModifyStatusRow(IMAPISupport *iface, ULONG n, LPSPropValue v, ULONG f)
{
    fake_sup *This = fake_sup_from(iface);
    This->modify_status_row++;
    This->last_status_flags = f;
    if (This->status_row) test_FreeBuffer(This->status_row);
    This->status_row = NULL;
    assert_int_equal(mc_props_dup(&test_alloc, n, v, &This->status_row), S_OK);
    This->status_row_count = n;
    return S_OK;
}
static HRESULT STDMETHODCALLTYPE fs_OpenProfileSection(IMAPISupport *iface, LPMAPIUID uid, ULONG f, LPPROFSECT *out)
{
    fake_sup *This = fake_sup_from(iface);
    This->open_profile_section++;
    return fake_open_section(This->profile, uid ? uid : This->own_section, f, out);
}
FS_STUB(RegisterPreprocessor, LPMAPIUID a, LPTSTR b, LPTSTR c, LPSTR d, LPSTR e, ULONG f)
static HRESULT STDMETHODCALLTYPE fs_NewUID(IMAPISupport *iface, LPMAPIUID uid)
{
    fake_sup_from(iface)->new_uid++;
    return CoCreateGuid((GUID *)uid);
}
FS_STUB(MakeInvalid, ULONG a, LPVOID b, ULONG c, ULONG d)
FS_STUB(SpoolerYield, ULONG a)
FS_STUB(SpoolerNotify, ULONG a, LPVOID b)
FS_STUB(CreateOneOff, LPTSTR a, LPTSTR b, LPTSTR c, ULONG d, ULONG *e, LPENTRYID *f)
static HRESULT STDMETHODCALLTYPE fs_SetProviderUID(IMAPISupport *iface, LPMAPIUID uid, ULONG f)
{
    fake_sup *This = fake_sup_from(iface);
    This->set_provider_uid++;
    This->last_provider_uid = *uid;
    return S_OK;
}
FS_STUB(CompareEntryIDs, ULONG a, LPENTRYID b, ULONG c, LPENTRYID d, ULONG e, ULONG *f)
FS_STUB(OpenTemplateID, ULONG a, LPENTRYID b, ULONG c, LPMAPIPROP d, LPCIID e, LPMAPIPROP *f, LPMAPIPROP g)
FS_STUB(OpenEntry, ULONG a, LPENTRYID b, LPCIID c, ULONG d, ULONG *e, LPUNKNOWN *f)
FS_STUB(GetOneOffTable, ULONG a, LPMAPITABLE *b)
FS_STUB(Address, ULONG *a, LPADRPARM b, LPADRLIST *c)
FS_STUB(Details, ULONG *a, LPFNDISMISS b, LPVOID c, ULONG d, LPENTRYID e, LPFNBUTTON f, LPVOID g, LPTSTR h, ULONG i)
FS_STUB(NewEntry, ULONG a, ULONG b, ULONG c, LPENTRYID d, ULONG e, LPENTRYID f, ULONG *g, LPENTRYID *h)
FS_STUB(DoConfigPropsheet, ULONG a, ULONG b, LPTSTR c, LPMAPITABLE d, LPMAPIPROP e, ULONG f)
FS_STUB(CopyMessages, LPCIID a, LPVOID b, LPENTRYLIST c, LPCIID d, LPVOID e, ULONG f, LPMAPIPROGRESS g, ULONG h)
FS_STUB(CopyFolder, LPCIID a, LPVOID b, ULONG c, LPENTRYID d, LPCIID e, LPVOID f, LPTSTR g, ULONG h, LPMAPIPROGRESS i, ULONG j)
FS_STUB(DoCopyTo, LPCIID a, LPVOID b, ULONG c, LPCIID d, LPSPropTagArray e, ULONG f, LPMAPIPROGRESS g, LPCIID h, LPVOID i, ULONG j, LPSPropProblemArray *k)
FS_STUB(DoCopyProps, LPCIID a, LPVOID b, LPSPropTagArray c, ULONG d, LPMAPIPROGRESS e, LPCIID f, LPVOID g, ULONG h, LPSPropProblemArray *i)
FS_STUB(DoProgressDialog, ULONG a, ULONG b, LPMAPIPROGRESS *c)
FS_STUB(ReadReceipt, ULONG a, LPMESSAGE b, LPMESSAGE *c)
FS_STUB(PrepareSubmit, LPMESSAGE a, ULONG *b)
FS_STUB(ExpandRecips, LPMESSAGE a, ULONG *b)
FS_STUB(UpdatePAB, ULONG a, LPMESSAGE b)
FS_STUB(DoSentMail, ULONG a, LPMESSAGE b)
FS_STUB(OpenAddressBook, LPCIID a, ULONG b, LPADRBOOK *c)
FS_STUB(Preprocess, ULONG a, ULONG b, LPENTRYID c)
FS_STUB(CompleteMsg, ULONG a, ULONG b, LPENTRYID c)
static HRESULT STDMETHODCALLTYPE fs_StoreLogoffTransports(IMAPISupport *iface, ULONG *flags)
{
    fake_sup *This = fake_sup_from(iface);
    This->store_logoff_transports++;
    This->last_logoff_flags = *flags;
    *flags |= LOGOFF_COMPLETE;
    return S_OK;
}
FS_STUB(StatusRecips, LPMESSAGE a, LPADRLIST b)
static HRESULT STDMETHODCALLTYPE fs_WrapStoreEntryID(IMAPISupport *iface, ULONG cb, LPENTRYID eid,
        ULONG *cb_out, LPENTRYID *out)
{
    fake_sup *This = fake_sup_from(iface);
    BYTE *p;
    This->wrap++;
    assert_int_equal(test_AllocateBuffer(4 + 16 + cb, (void **)&p), S_OK);
    memset(p, 0, 4);
    memcpy(p + 4, fake_wrap_uid, 16);
    memcpy(p + 20, eid, cb);
    *cb_out = 20 + cb;
    *out = (LPENTRYID)p;
    return S_OK;
}
FS_STUB(ModifyProfile, ULONG a)
FS_STUB(IStorageFromStream, LPUNKNOWN a, LPCIID b, ULONG c, LPSTORAGE *d)
FS_STUB(GetSvcConfigSupportObj, ULONG a, LPMAPISUP *b)

static const IMAPISupportVtbl fake_sup_vtbl =
{
    fs_QueryInterface, fs_AddRef, fs_Release,
    fs_GetLastError, fs_GetMemAllocRoutines, fs_Subscribe, fs_Unsubscribe, fs_Notify,
    fs_ModifyStatusRow, fs_OpenProfileSection, fs_RegisterPreprocessor, fs_NewUID, fs_MakeInvalid,
    fs_SpoolerYield, fs_SpoolerNotify, fs_CreateOneOff, fs_SetProviderUID, fs_CompareEntryIDs,
    fs_OpenTemplateID, fs_OpenEntry, fs_GetOneOffTable, fs_Address, fs_Details, fs_NewEntry,
    fs_DoConfigPropsheet, fs_CopyMessages, fs_CopyFolder,
    fs_DoCopyTo, fs_DoCopyProps, fs_DoProgressDialog, fs_ReadReceipt, fs_PrepareSubmit,
    fs_ExpandRecips, fs_UpdatePAB, fs_DoSentMail, fs_OpenAddressBook, fs_Preprocess,
    fs_CompleteMsg, fs_StoreLogoffTransports, fs_StatusRecips, fs_WrapStoreEntryID,
    fs_ModifyProfile, fs_IStorageFromStream, fs_GetSvcConfigSupportObj,
};

/* 3 IUnknown slots + 41 methods (spi-digest §0.4). */
_Static_assert(sizeof(IMAPISupportVtbl) == 44 * sizeof(void *), "IMAPISupport has 44 slots");

static void fake_sup_init(fake_sup *s, fake_profile *p, const MAPIUID *own_section)
{
    memset(s, 0, sizeof(*s));
    s->IMAPISupport_iface.lpVtbl = (IMAPISupportVtbl *)&fake_sup_vtbl;
    s->ref = 1;
    s->profile = p;
    s->own_section = own_section;
}

/* The test's own reference must be the last one. */
static void fake_sup_done(fake_sup *s)
{
    assert_int_equal(s->ref, 1);
    assert_int_equal(s->unexpected, 0);
    if (s->status_row) test_FreeBuffer(s->status_row);
    s->status_row = NULL;
}

/* ---- IProviderAdmin ----------------------------------------------------------------------- */

typedef struct fake_admin
{
    IProviderAdmin IProviderAdmin_iface;
    LONG ref;
    fake_profile *profile;
    BOOL no_store_row;      /* a service without a store provider */
} fake_admin;

static inline fake_admin *fake_admin_from(IProviderAdmin *iface)
{
    return CONTAINING_RECORD(iface, fake_admin, IProviderAdmin_iface);
}

static HRESULT STDMETHODCALLTYPE fa_QueryInterface(IProviderAdmin *iface, REFIID riid, void **out)
{
    *out = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE fa_AddRef(IProviderAdmin *iface) { return InterlockedIncrement(&fake_admin_from(iface)->ref); }
static ULONG STDMETHODCALLTYPE fa_Release(IProviderAdmin *iface) { return InterlockedDecrement(&fake_admin_from(iface)->ref); }
static HRESULT STDMETHODCALLTYPE fa_GetLastError(IProviderAdmin *iface, HRESULT hr, ULONG f, LPMAPIERROR *e) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fa_GetProviderTable(IProviderAdmin *iface, ULONG f, LPMAPITABLE *out)
{
    fake_admin *This = fake_admin_from(iface);
    SizedSPropTagArray(3, cols) = { 3, { PR_PROVIDER_UID, PR_RESOURCE_TYPE, PR_SERVICE_UID } };
    mc_table *t;
    SPropValue row[3];
    HRESULT hr;

    if ((hr = mc_table_new(&test_alloc, PR_PROVIDER_UID, (SPropTagArray *)&cols, &t)) != S_OK) return hr;
    row[2].ulPropTag = PR_SERVICE_UID;
    row[2].Value.bin.cb = sizeof(MAPIUID);
    row[2].Value.bin.lpb = (BYTE *)&This->profile->service_uid;
    row[0].ulPropTag = PR_PROVIDER_UID;
    row[0].Value.bin.cb = sizeof(MAPIUID);
    row[1].ulPropTag = PR_RESOURCE_TYPE;
    /* the transport first, so the provider has to look at the type */
    row[0].Value.bin.lpb = (BYTE *)&This->profile->transport_uid;
    row[1].Value.l = MAPI_TRANSPORT_PROVIDER;
    mc_table_modify_row(t, 3, row);
    if (!This->no_store_row)
    {
        row[0].Value.bin.lpb = (BYTE *)&This->profile->store_uid;
        row[1].Value.l = MAPI_STORE_PROVIDER;
        mc_table_modify_row(t, 3, row);
    }
    hr = mc_table_open_view(t, NULL, NULL, out);
    mc_table_release(t);
    return hr;
}
static HRESULT STDMETHODCALLTYPE fa_CreateProvider(IProviderAdmin *iface, LPTSTR a, ULONG b, LPSPropValue c, ULONG d, ULONG e, MAPIUID *f) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fa_DeleteProvider(IProviderAdmin *iface, LPMAPIUID a) { return MAPI_E_NO_SUPPORT; }
static HRESULT STDMETHODCALLTYPE fa_OpenProfileSection(IProviderAdmin *iface, LPMAPIUID uid, LPCIID iid, ULONG f, LPPROFSECT *out)
{
    fake_admin *This = fake_admin_from(iface);
    /* NULL: the service's own section (iprovideradmin-openprofilesection.md) */
    return fake_open_section(This->profile, uid ? uid : &This->profile->service_uid, f, out);
}

static const IProviderAdminVtbl fake_admin_vtbl =
{
    fa_QueryInterface, fa_AddRef, fa_Release, fa_GetLastError, fa_GetProviderTable,
    fa_CreateProvider, fa_DeleteProvider, fa_OpenProfileSection,
};

static void fake_admin_init(fake_admin *a, fake_profile *p)
{
    memset(a, 0, sizeof(*a));
    a->IProviderAdmin_iface.lpVtbl = (IProviderAdminVtbl *)&fake_admin_vtbl;
    a->ref = 1;
    a->profile = p;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* A fresh empty folder under %TEMP% (internal memory); removed by test_rmdir. */
static WCHAR *test_mkdtemp(void)
{
    WCHAR tmp[MAX_PATH], *dir;
    GUID g;

    GetTempPathW(MAX_PATH, tmp);
    CoCreateGuid(&g);
    dir = td_wsprintf(L"%lstandem-test-%08lx%04x", tmp, (unsigned long)g.Data1, g.Data2);
    assert_true(CreateDirectoryW(dir, NULL));
    return dir;
}

/* Removes `dir` with everything in it, subfolders too, and frees it. */
static void test_rmdir(WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR *pattern = td_wsprintf(L"%ls\\*", dir);
    HANDLE h = FindFirstFileW(pattern, &fd);

    if (h != INVALID_HANDLE_VALUE)
    {
        do
        {
            WCHAR *f;
            if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L"..")) continue;
            f = td_wsprintf(L"%ls\\%ls", dir, fd.cFileName);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) test_rmdir(mc_wcsdup(f));
            else DeleteFileW(f);
            mc_free(f);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    mc_free(pattern);
    RemoveDirectoryW(dir);
    mc_free(dir);
}

/* Run ServiceEntry(MSG_SERVICE_CONFIGURE) with these properties. */
static HRESULT test_configure(fake_profile *p, ULONG flags, ULONG n, SPropValue *props, LPMAPIERROR *err)
{
    fake_sup sup;
    fake_admin admin;
    HRESULT hr;

    fake_sup_init(&sup, p, &p->service_uid);
    fake_admin_init(&admin, p);
    hr = ServiceEntry(NULL, NULL, &sup.IMAPISupport_iface, 0, flags, MSG_SERVICE_CONFIGURE, n, props,
                      &admin.IProviderAdmin_iface, err);
    assert_int_equal(admin.ref, 1);
    fake_sup_done(&sup);
    return hr;
}

#endif /* TEST_TANDEM_FAKES_H */
