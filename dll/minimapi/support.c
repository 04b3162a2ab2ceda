/*
 * support.c - IMAPISupport, MAPI's support object for providers (imapisupportiunknown.md,
 * imapisupport-*.md; spi-digest §0.4, §3.9, §4.5, §5.2). One per provider logon (its session
 * and provider section) and one per call of a service's entry point (its service section).
 *
 * The vtable has all 44 slots of MinGW's mapispi.h in header order (the documentation's list
 * omits UpdatePAB and Preprocess). Methods of later issues return MAPI_E_NO_SUPPORT with a
 * FIXME trace: notifications (issue 4), the spooler (issue 6), address book and forms.
 *
 * Lifetime: the provider holds the support object, and the session holds the provider's
 * logon, so a reference from the support object to the session would be a cycle that keeps
 * a session alive after its client released it. The support object therefore points at its
 * session weakly; the session detaches every support object it made at logoff, after the
 * provider has logged off. Calls that need the session then fail with MAPI_E_CALL_FAILED.
 */
#include "minimapi_private.h"

C_ASSERT(sizeof(IMAPISupportVtbl) / sizeof(void *) == 44);

struct mm_support
{
    IMAPISupport IMAPISupport_iface;
    LONG ref;
    CRITICAL_SECTION lock;
    mm_session *session;        /* weak, NULL for a service entry's support or after logoff */
    WCHAR *profile;
    MAPIUID section;            /* the caller's own section: provider or service */
    MAPIUID service;
    BOOL is_provider;
    char *dll_name;             /* PR_PROVIDER_DLL_NAME (or PR_SERVICE_DLL_NAME), ANSI */
    MAPIUID *uids;              /* SetProviderUID */
    ULONG n_uids;
    mc_propbag *status_row;     /* ModifyStatusRow, NULL before the first call */
    mm_spooler *spooler;        /* weak: the session's spooler, NULL with MAPI_NO_MAIL */
    IMsgStore *store;           /* weak: the store this support serves, for DoSentMail/reports */
    BOOL transports_logged_off; /* StoreLogoffTransports ran */
    mc_last_error err;
};

static inline mm_support *impl_from_IMAPISupport(IMAPISupport *iface)
{
    return CONTAINING_RECORD(iface, mm_support, IMAPISupport_iface);
}

IMAPISupport *mm_support_iface(mm_support *s)
{
    return &s->IMAPISupport_iface;
}

void mm_support_detach(mm_support *s)
{
    EnterCriticalSection(&s->lock);
    s->session = NULL;
    LeaveCriticalSection(&s->lock);
}

void mm_support_set_spooler(mm_support *s, mm_spooler *sp)
{
    EnterCriticalSection(&s->lock);
    s->spooler = sp;
    LeaveCriticalSection(&s->lock);
}

void mm_support_set_store(mm_support *s, IMsgStore *store)
{
    EnterCriticalSection(&s->lock);
    s->store = store;
    LeaveCriticalSection(&s->lock);
}

void mm_support_logoff_transport(mm_support *s)
{
    /* the transport is gone: its SpoolerNotify calls have nobody to reach */
    mm_support_set_spooler(s, NULL);
}

BOOL mm_support_same_service(mm_support *s, const MAPIUID *service)
{
    return !memcmp(&s->service, service, sizeof(*service));
}

HRESULT mm_support_service(mm_support *s, MAPIUID *service)
{
    *service = s->service;
    return S_OK;
}

/* Byte comparison: both IDs come from WrapStoreEntryID of the same store (the store writes its
 * wrapped ID into its section, the transport wraps the same provider ID). Called with the
 * spooler's lock held, so it never calls a provider. */
BOOL mm_support_owns_store(mm_support *s, const SBinary *store)
{
    const SPropValue *own;
    BOOL owns = FALSE;

    EnterCriticalSection(&s->lock);
    if (s->status_row && (own = mc_propbag_get(s->status_row, PR_OWN_STORE_ENTRYID)))
        owns = own->Value.bin.cb == store->cb && !memcmp(own->Value.bin.lpb, store->lpb, store->cb);
    LeaveCriticalSection(&s->lock);
    return owns;
}

/* The spooler, or NULL; the weak pointer is read under the lock. */
static mm_spooler *get_spooler(mm_support *s)
{
    mm_spooler *sp;
    EnterCriticalSection(&s->lock);
    sp = s->spooler;
    LeaveCriticalSection(&s->lock);
    return sp;
}

/* The store a report or a sent message goes to: the support's own store, else the spooler's. */
static IMsgStore *get_store(mm_support *s)
{
    IMsgStore *store;
    EnterCriticalSection(&s->lock);
    store = s->store ? s->store : s->spooler ? mm_spooler_store(s->spooler) : NULL;
    LeaveCriticalSection(&s->lock);
    return store;
}

BOOL mm_support_has_uid(mm_support *s, const MAPIUID *uid)
{
    BOOL found = FALSE;
    ULONG i;
    EnterCriticalSection(&s->lock);
    for (i = 0; i < s->n_uids && !found; i++)
        found = !memcmp(&s->uids[i], uid, sizeof(*uid));
    LeaveCriticalSection(&s->lock);
    return found;
}

static HRESULT no_support(mm_support *This, const char *method, const char *why)
{
    MC_FIXME("(%p) %s: %s\n", This, method, why);
    return MAPI_E_NO_SUPPORT;
}
#define NOT_YET(why) no_support(impl_from_IMAPISupport(iface), __func__, why)

static HRESULT STDMETHODCALLTYPE support_QueryInterface(IMAPISupport *iface, REFIID iid, void **out)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPISup))
    {
        *out = &This->IMAPISupport_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE support_AddRef(IMAPISupport *iface)
{
    return InterlockedIncrement(&impl_from_IMAPISupport(iface)->ref);
}

static ULONG STDMETHODCALLTYPE support_Release(IMAPISupport *iface)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        if (This->status_row) mc_propbag_free(This->status_row);
        mc_last_error_destroy(&This->err);
        DeleteCriticalSection(&This->lock);
        mc_free(This->uids);
        mc_free(This->dll_name);
        mc_free(This->profile);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE support_GetLastError(IMAPISupport *iface, HRESULT hr, ULONG flags,
                                                      LPMAPIERROR *out)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    MC_TRACE(MM_CH, "(%p, %#lx, %#lx)\n", This, hr, flags);
    return mc_last_error_get(&This->err, &mm_alloc, MM_COMPONENT, hr, flags, out);
}

static HRESULT STDMETHODCALLTYPE support_GetMemAllocRoutines(IMAPISupport *iface,
                                                             LPALLOCATEBUFFER *allocate_buffer,
                                                             LPALLOCATEMORE *allocate_more,
                                                             LPFREEBUFFER *free_buffer)
{
    MC_TRACE(MM_CH, "(%p)\n", iface);
    if (allocate_buffer) *allocate_buffer = MAPIAllocateBuffer;
    if (allocate_more) *allocate_more = MAPIAllocateMore;
    if (free_buffer) *free_buffer = MAPIFreeBuffer;
    return S_OK;
}

/* The session's engine, with the support lock held so the session cannot detach meanwhile.
 * NULL (and the lock released) for a service entry's support object or after logoff. */
static mc_notify_engine *lock_engine(mm_support *This)
{
    EnterCriticalSection(&This->lock);
    if (This->session) return mm_session_engine(This->session);
    LeaveCriticalSection(&This->lock);
    return NULL;
}

/* imapisupport-subscribe.md: MAPI's engine keeps a reference on the sink until Unsubscribe.
 * Connection numbers: the low 32 bits are written (DECISIONS 1). A client's sink (a provider's
 * Advise passes it on) runs where client notifications run: on the first MAPIInitialize thread
 * unless MAPI_MULTITHREAD_NOTIFICATIONS (mapiinit_0.md); NOTIFY_SYNC subscriptions (internal) and
 * the spooler's own sink run on the thread that delivers. */
static HRESULT STDMETHODCALLTYPE support_Subscribe(IMAPISupport *iface, LPNOTIFKEY key, ULONG mask,
                                                   ULONG flags, LPMAPIADVISESINK sink,
                                                   ULONG *connection)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    IMAPIAdviseSink *use = NULL;
    mc_notify_engine *engine;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx, %#lx, %p)\n", This, key, mask, flags, sink);
    if (!key || !key->cb || !sink || !connection) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~NOTIFY_SYNC) return MAPI_E_UNKNOWN_FLAGS;
    if ((flags & NOTIFY_SYNC) || mm_spooler_is_sink(sink))
    {
        use = sink;
        use->lpVtbl->AddRef(use);
    }
    else if (FAILED(hr = mm_notification_sink(sink, &use))) return hr;
    if (!(engine = lock_engine(This)))
    {
        use->lpVtbl->Release(use);
        return mc_last_error_set(&This->err, MAPI_E_NO_SUPPORT,
                                 L"notifications need a session (not a service entry's support)");
    }
    hr = mc_notify_engine_subscribe(engine, key, mask, flags, use, connection);
    LeaveCriticalSection(&This->lock);
    use->lpVtbl->Release(use);
    return hr;
}

/* The lock stays held while the engine waits for a running delivery to this connection: a
 * sink that, from another thread, makes the same provider notify through this support object
 * while it is being unsubscribed would wait for it (client sinks wrapped for a thread only post
 * a message, so they never do). */
static HRESULT STDMETHODCALLTYPE support_Unsubscribe(IMAPISupport *iface, ULONG connection)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    mc_notify_engine *engine;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %lu)\n", This, connection);
    if (!connection) return MAPI_E_INVALID_PARAMETER;
    if (!(engine = lock_engine(This)))
        return mc_last_error_set(&This->err, MAPI_E_CALL_FAILED, L"the session has logged off");
    hr = mc_notify_engine_unsubscribe(engine, connection);
    LeaveCriticalSection(&This->lock);
    return hr;
}

/* imapisupport-notify.md: the structures are copied; delivery is asynchronous, except to
 * sinks subscribed with NOTIFY_SYNC or with NOTIFY_SYNC in *flags (internal use). */
static HRESULT STDMETHODCALLTYPE support_Notify(IMAPISupport *iface, LPNOTIFKEY key, ULONG count,
                                                LPNOTIFICATION notifications, ULONG *flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    mc_notify_engine *engine;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %lu, %p)\n", This, key, count, notifications);
    if (!key || !key->cb || (count && !notifications)) return MAPI_E_INVALID_PARAMETER;
    if (flags && (*flags & ~(NOTIFY_SYNC | NOTIFY_CANCELED))) return MAPI_E_UNKNOWN_FLAGS;
    if (flags) *flags &= NOTIFY_SYNC;
    if (!count) return S_OK;
    if (!(engine = lock_engine(This))) return S_OK;   /* nobody can be subscribed */
    hr = mc_notify_engine_notify(engine, key, count, notifications, flags);
    LeaveCriticalSection(&This->lock);
    return hr;
}

/* Status row columns MAPI supplies itself (status-tables.md; spi-digest §3.10). */
static HRESULT fill_status_row(mm_support *This, mc_propbag *row)
{
    BYTE eid[MM_STATUS_EID_SIZE];
    mc_propbag *section = NULL;
    SPropValue v;
    WCHAR *s;
    HRESULT hr;

    if (FAILED(hr = mm_section_load(This->profile, &This->section, &section))) return hr;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PR_INSTANCE_KEY;
    v.Value.bin.cb = sizeof(MAPIUID);
    v.Value.bin.lpb = This->section.ab;
    mc_propbag_set(row, &v);
    v.ulPropTag = PR_OBJECT_TYPE;
    v.Value.l = MAPI_STATUS;
    mc_propbag_set(row, &v);
    v.ulPropTag = PR_ENTRYID;
    mm_status_eid(MM_STATUS_PROVIDER, &This->section, eid);
    v.Value.bin.cb = sizeof(eid);
    v.Value.bin.lpb = eid;
    mc_propbag_set(row, &v);
    v.ulPropTag = PR_RESOURCE_FLAGS;
    v.Value.l = mc_propbag_get_long(section, PR_RESOURCE_FLAGS, 0);
    mc_propbag_set(row, &v);
    v.ulPropTag = PR_RESOURCE_TYPE;
    v.Value.l = mc_propbag_get_long(section, PR_RESOURCE_TYPE, 0);
    mc_propbag_set(row, &v);
    v.ulPropTag = PR_PROVIDER_DLL_NAME_W;
    if ((s = mc_propbag_get_wstr(section, PROP_ID(PR_PROVIDER_DLL_NAME_W))))
    {
        v.Value.lpszW = s;
        mc_propbag_set(row, &v);
        mc_free(s);
    }
    if (!mc_propbag_get(row, PR_PROVIDER_DISPLAY_W)
        && (s = mc_propbag_get_wstr(section, PROP_ID(PR_PROVIDER_DISPLAY_W))))
    {
        v.ulPropTag = PR_PROVIDER_DISPLAY_W;
        v.Value.lpszW = s;
        mc_propbag_set(row, &v);
        mc_free(s);
    }
    if (!mc_propbag_get(row, PR_DISPLAY_NAME_W)
        && (s = mc_propbag_get_wstr(section, PROP_ID(PR_DISPLAY_NAME_W))))
    {
        v.ulPropTag = PR_DISPLAY_NAME_W;
        v.Value.lpszW = s;
        mc_propbag_set(row, &v);
        mc_free(s);
    }
    if (!mc_propbag_get(row, PR_STATUS_CODE))
    {
        v.ulPropTag = PR_STATUS_CODE;
        v.Value.l = STATUS_AVAILABLE;
        mc_propbag_set(row, &v);
    }
    mc_propbag_free(section);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE support_ModifyStatusRow(IMAPISupport *iface, ULONG n,
                                                         LPSPropValue values, ULONG flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    SPropValue *row = NULL;
    ULONG i, count;
    HRESULT hr = S_OK;

    MC_TRACE(MM_CH, "(%p, %lu, %p, %#lx)\n", This, n, values, flags);
    if (n && !values) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~STATUSROW_UPDATE) return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&This->lock);
    if (!This->session || !This->is_provider)
    {
        hr = mc_last_error_set(&This->err, This->session ? MAPI_E_NO_SUPPORT : MAPI_E_CALL_FAILED,
                               L"no session status table to modify from here");
        goto done;
    }
    if (!This->status_row && !(This->status_row = mc_propbag_new()))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    if (!(flags & STATUSROW_UPDATE)) mc_propbag_clear(This->status_row);
    for (i = 0; i < n; i++)
    {
        if (values[i].ulPropTag == PR_NULL || PROP_TYPE(values[i].ulPropTag) == PT_ERROR) continue;
        if (FAILED(hr = mc_propbag_set(This->status_row, &values[i]))) goto done;
    }
    if (FAILED(hr = fill_status_row(This, This->status_row))) goto done;
    count = mc_propbag_count(This->status_row);
    if (!(row = mc_calloc(count, sizeof(*row)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    for (i = 0; i < count; i++) row[i] = *mc_propbag_at(This->status_row, i);
    hr = mm_session_modify_status_row(This->session, count, row);
done:
    LeaveCriticalSection(&This->lock);
    mc_free(row);
    return hr;
}

static HRESULT STDMETHODCALLTYPE support_OpenProfileSection(IMAPISupport *iface, LPMAPIUID uid,
                                                            ULONG flags, LPPROFSECT *out)
{
    mm_support *This = impl_from_IMAPISupport(iface);

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, uid, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    /* NULL: the caller's own section (imapisupport-openprofilesection.md). */
    return mm_profsect_open_for(MM_SECTION_PROVIDER, This->profile, uid ? uid : &This->section,
                                NULL, flags, (IUnknown *)iface, &This->err, out);
}

static HRESULT STDMETHODCALLTYPE support_RegisterPreprocessor(IMAPISupport *iface, LPMAPIUID muid,
                                                              LPTSTR adrtype, LPTSTR dll,
                                                              LPSTR preprocess, LPSTR remove,
                                                              ULONG flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    mm_spooler *sp = get_spooler(This);
    WCHAR *type = NULL, *dll_w = NULL;
    HMODULE mod = NULL;
    PREPROCESSMESSAGE *pre;
    REMOVEPREPROCESSINFO *rem;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %s, %s, %s)\n", This, muid, (char *)adrtype, preprocess, remove);
    if (!dll || !preprocess || !remove) return MAPI_E_INVALID_PARAMETER;
    if (!sp) return mc_last_error_set(&This->err, MAPI_E_CALL_FAILED, L"no spooler in this session");
    if (!(dll_w = mc_a2w((char *)dll)) || (adrtype && !(type = mc_a2w((char *)adrtype))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    if (!(mod = mm_dll_load(dll_w)))
    {
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"cannot load preprocessor DLL %ls", dll_w);
        goto done;
    }
    pre = (PREPROCESSMESSAGE *)(void *)GetProcAddress(mod, preprocess);
    rem = (REMOVEPREPROCESSINFO *)(void *)GetProcAddress(mod, remove);
    if (!pre || !rem)
    {
        hr = mc_last_error_set(&This->err, MAPI_E_NOT_FOUND, L"preprocessor entry points not found");
        goto done;
    }
    if (SUCCEEDED(hr = mm_spooler_add_preprocessor(sp, muid, type, mod, pre, rem))) mod = NULL;
done:
    if (mod) mm_dll_unload(mod);
    mc_free(type);
    mc_free(dll_w);
    return hr;
}

static HRESULT STDMETHODCALLTYPE support_NewUID(IMAPISupport *iface, LPMAPIUID uid)
{
    MC_TRACE(MM_CH, "(%p, %p)\n", iface, uid);
    if (!uid) return MAPI_E_INVALID_PARAMETER;
    return mm_new_uid(uid);
}

static HRESULT STDMETHODCALLTYPE support_MakeInvalid(IMAPISupport *iface, ULONG flags, LPVOID object,
                                                     ULONG refs, ULONG methods)
{
    return NOT_YET("MakeInvalid is not implemented");
}

static HRESULT STDMETHODCALLTYPE support_SpoolerYield(IMAPISupport *iface, ULONG flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    /* The spooler thread runs passes of its own; a transport that yields loses nothing.
     * MAPI_W_CANCEL_MESSAGE is never asked for: no message is cancelled from outside. */
    Sleep(0);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE support_SpoolerNotify(IMAPISupport *iface, ULONG flags, LPVOID data)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    mm_spooler *sp = get_spooler(This);
    static const ULONG known = NOTIFY_NEWMAIL | NOTIFY_READYTOSEND | NOTIFY_SENTDEFERRED
                               | NOTIFY_CRITSEC | NOTIFY_NONCRIT | NOTIFY_CONFIG_CHANGE
                               | NOTIFY_CRITICAL_ERROR | NOTIFY_NEWMAIL_RECEIVED;

    MC_TRACE(MM_CH, "(%p, %#lx, %p)\n", This, flags, data);
    if (flags & ~known) return MAPI_E_UNKNOWN_FLAGS;
    if ((flags & NOTIFY_SENTDEFERRED) && !data) return MAPI_E_INVALID_PARAMETER;
    if ((flags & NOTIFY_SENTDEFERRED) && (flags & NOTIFY_CRITICAL_ERROR)) return MAPI_E_INVALID_PARAMETER;
    /* No spooler (MAPI_NO_MAIL): nobody to tell; the notification is ignored, as for a store
     * logged on with MDB_NO_MAIL (imapisupport-spoolernotify.md). */
    if (!sp) return S_OK;
    return mm_spooler_notify(sp, This, flags, data);
}

static HRESULT STDMETHODCALLTYPE support_CreateOneOff(IMAPISupport *iface, LPTSTR name,
                                                      LPTSTR adrtype, LPTSTR address, ULONG flags,
                                                      ULONG *cb, LPENTRYID *eid)
{
    MC_TRACE(MM_CH, "(%p, %#lx)\n", iface, flags);
    return mm_oneoff_create(name, adrtype, address, flags, cb, eid);
}

static HRESULT STDMETHODCALLTYPE support_SetProviderUID(IMAPISupport *iface, LPMAPIUID uid,
                                                        ULONG flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    MAPIUID *grown;
    HRESULT hr = S_OK;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, uid, flags);
    if (!uid) return MAPI_E_INVALID_PARAMETER;
    if (mm_support_has_uid(This, uid)) return S_OK;
    EnterCriticalSection(&This->lock);
    if ((grown = mc_realloc(This->uids, (This->n_uids + 1) * sizeof(*grown))))
    {
        This->uids = grown;
        This->uids[This->n_uids++] = *uid;
    }
    else
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE support_CompareEntryIDs(IMAPISupport *iface, ULONG cb1,
                                                         LPENTRYID eid1, ULONG cb2, LPENTRYID eid2,
                                                         ULONG flags, ULONG *result)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p)\n", This);
    if (!eid1 || !eid2 || !result) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    if (This->session)
        hr = mm_session_compare_entryids(This->session, cb1, eid1, cb2, eid2, flags, result);
    else
    {
        /* No session (service entry): identical bytes are the same entry. */
        *result = cb1 == cb2 && !memcmp(eid1, eid2, cb1);
        hr = S_OK;
    }
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE support_OpenTemplateID(IMAPISupport *iface, ULONG cb, LPENTRYID eid,
                                                        ULONG template_flags, LPMAPIPROP data,
                                                        LPCIID iid, LPMAPIPROP *out,
                                                        LPMAPIPROP sibling)
{
    return NOT_YET("template IDs come with the address book");
}

static HRESULT STDMETHODCALLTYPE support_OpenEntry(IMAPISupport *iface, ULONG cb, LPENTRYID eid,
                                                   LPCIID iid, ULONG flags, ULONG *type,
                                                   LPUNKNOWN *out)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %lu, %p, %#lx)\n", This, cb, eid, flags);
    if (!type || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    EnterCriticalSection(&This->lock);
    if (This->session)
        hr = mm_session_open_entry(This->session, cb, eid, iid, flags, type, out);
    else
        hr = mc_last_error_set(&This->err, MAPI_E_CALL_FAILED, L"no session to open entries in");
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE support_GetOneOffTable(IMAPISupport *iface, ULONG flags,
                                                        LPMAPITABLE *table)
{
    return NOT_YET("the one-off table comes with the address book");
}

static HRESULT STDMETHODCALLTYPE support_Address(IMAPISupport *iface, ULONG *ui, LPADRPARM params,
                                                 LPADRLIST *list)
{
    return NOT_YET("no address book user interface");
}

static HRESULT STDMETHODCALLTYPE support_Details(IMAPISupport *iface, ULONG *ui, LPFNDISMISS dismiss,
                                                 LPVOID dismiss_ctx, ULONG cb, LPENTRYID eid,
                                                 LPFNBUTTON button, LPVOID button_ctx,
                                                 LPTSTR button_text, ULONG flags)
{
    return NOT_YET("no address book user interface");
}

static HRESULT STDMETHODCALLTYPE support_NewEntry(IMAPISupport *iface, ULONG ui, ULONG flags,
                                                  ULONG cb_container, LPENTRYID container,
                                                  ULONG cb_template, LPENTRYID template_id,
                                                  ULONG *cb_new, LPENTRYID *new_eid)
{
    return NOT_YET("no address book user interface");
}

static HRESULT STDMETHODCALLTYPE support_DoConfigPropsheet(IMAPISupport *iface, ULONG ui, ULONG flags,
                                                           LPTSTR title, LPMAPITABLE display,
                                                           LPMAPIPROP config, ULONG top_page)
{
    return NOT_YET("no property sheets (no user interface)");
}

static HRESULT STDMETHODCALLTYPE support_CopyMessages(IMAPISupport *iface, LPCIID src_iid,
                                                      LPVOID src_folder, LPENTRYLIST msgs,
                                                      LPCIID dst_iid, LPVOID dst_folder, ULONG ui,
                                                      LPMAPIPROGRESS progress, ULONG flags)
{
    return NOT_YET("CopyMessages is not implemented");
}

static HRESULT STDMETHODCALLTYPE support_CopyFolder(IMAPISupport *iface, LPCIID src_iid,
                                                    LPVOID src_folder, ULONG cb, LPENTRYID eid,
                                                    LPCIID dst_iid, LPVOID dst_folder,
                                                    LPTSTR new_name, ULONG ui,
                                                    LPMAPIPROGRESS progress, ULONG flags)
{
    return NOT_YET("CopyFolder is not implemented");
}

static HRESULT STDMETHODCALLTYPE support_DoCopyTo(IMAPISupport *iface, LPCIID src_iid, LPVOID src,
                                                  ULONG n_exclude_iids, LPCIID exclude_iids,
                                                  LPSPropTagArray exclude, ULONG ui,
                                                  LPMAPIPROGRESS progress, LPCIID dst_iid,
                                                  LPVOID dst, ULONG flags,
                                                  LPSPropProblemArray *problems)
{
    return NOT_YET("DoCopyTo is not implemented");
}

static HRESULT STDMETHODCALLTYPE support_DoCopyProps(IMAPISupport *iface, LPCIID src_iid, LPVOID src,
                                                     LPSPropTagArray include, ULONG ui,
                                                     LPMAPIPROGRESS progress, LPCIID dst_iid,
                                                     LPVOID dst, ULONG flags,
                                                     LPSPropProblemArray *problems)
{
    return NOT_YET("DoCopyProps is not implemented");
}

static HRESULT STDMETHODCALLTYPE support_DoProgressDialog(IMAPISupport *iface, ULONG ui, ULONG flags,
                                                          LPMAPIPROGRESS *progress)
{
    return NOT_YET("no user interface");
}

static HRESULT STDMETHODCALLTYPE support_ReadReceipt(IMAPISupport *iface, ULONG flags,
                                                     LPMESSAGE message, LPMESSAGE *empty)
{
    return NOT_YET("read receipts are not generated (MAPI_E_NO_SUPPORT)");
}

static HRESULT STDMETHODCALLTYPE support_PrepareSubmit(IMAPISupport *iface, LPMESSAGE message,
                                                       ULONG *flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    static const SizedSPropTagArray(1, flag_tag) = {1, {PR_MESSAGE_FLAGS}};
    SPropValue *v = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ADRLIST *list = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p)\n", This, message);
    if (!message) return MAPI_E_INVALID_PARAMETER;
    if (flags) *flags = 0;
    /* DECISIONS 5: tolerated for any message; only a resend has work. */
    if (FAILED(hr = message->lpVtbl->GetProps(message, (SPropTagArray *)&flag_tag, 0, &n, &v))) return hr;
    if (v[0].ulPropTag != PR_MESSAGE_FLAGS || !(v[0].Value.l & MSGFLAG_RESEND)) goto done;
    if (FAILED(hr = message->lpVtbl->GetRecipientTable(message, MAPI_UNICODE, &t))) goto done;
    if (FAILED(hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows))) goto done;
    /* imapisupport-preparesubmit.md: MAPI_SUBMITTED recipients are sent again (bit cleared,
     * responsibility FALSE); the others become MAPI_P1 with responsibility TRUE. The rows are
     * rewritten whole (MODRECIP_MODIFY), computed table columns left out. */
    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(rows->cRows), (void **)&list))) goto done;
    list->cEntries = 0;
    for (i = 0; i < rows->cRows; i++)
    {
        const SRow *r = &rows->aRow[i];
        const SPropValue *type = mc_props_find(r->cValues, r->lpProps, PR_RECIPIENT_TYPE);
        BOOL again = type && (type->Value.l & MAPI_SUBMITTED);
        SPropValue *nv;
        ULONG k = 0, j;
        if (FAILED(hr = MAPIAllocateBuffer((r->cValues + 2) * sizeof(SPropValue), (void **)&nv))) goto done;
        list->aEntries[list->cEntries].ulReserved1 = 0;
        list->aEntries[list->cEntries].rgPropVals = nv;
        list->cEntries++;
        for (j = 0; j < r->cValues; j++)
        {
            ULONG tag = r->lpProps[j].ulPropTag;
            if (PROP_TYPE(tag) == PT_ERROR || tag == PR_INSTANCE_KEY || tag == PR_RECIPIENT_TYPE
                || tag == PR_RESPONSIBILITY)
                continue;
            if (FAILED(hr = mc_prop_copy(&mm_alloc, nv, &nv[k], &r->lpProps[j]))) goto done;
            k++;
        }
        memset(&nv[k], 0, 2 * sizeof(SPropValue));
        nv[k].ulPropTag = PR_RECIPIENT_TYPE;
        nv[k++].Value.l = again ? (type->Value.l & ~MAPI_SUBMITTED) : MAPI_P1;
        nv[k].ulPropTag = PR_RESPONSIBILITY;
        nv[k++].Value.b = (unsigned short)!again;
        list->aEntries[list->cEntries - 1].cValues = k;
    }
    hr = message->lpVtbl->ModifyRecipients(message, MODRECIP_MODIFY, list);
done:
    if (list) FreePadrlist(list);
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    MAPIFreeBuffer(v);
    return hr;
}

/* The wrapped entry ID of this support's store: PR_ENTRYID of its section (internal memory,
 * one block), or NULL. */
static SPropValue *own_store_id(mm_support *This)
{
    mc_propbag *b = NULL;
    const SPropValue *v;
    SPropValue *copy = NULL;

    if (FAILED(mm_section_load(This->profile, &This->section, &b))) return NULL;
    if ((v = mc_propbag_get(b, PR_ENTRYID))
        && (copy = mc_malloc(sizeof(*copy) + v->Value.bin.cb)))
    {
        *copy = *v;
        copy->Value.bin.lpb = (BYTE *)(copy + 1);
        memcpy(copy->Value.bin.lpb, v->Value.bin.lpb, v->Value.bin.cb);
    }
    mc_propbag_free(b);
    return copy;
}

static HRESULT STDMETHODCALLTYPE support_ExpandRecips(IMAPISupport *iface, LPMESSAGE message,
                                                      ULONG *flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    mm_spooler *sp = get_spooler(This);
    SPropValue *store_id = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i, out = 0;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p)\n", This, message);
    if (!message) return MAPI_E_INVALID_PARAMETER;
    if (flags) *flags = 0;
    if (FAILED(hr = message->lpVtbl->GetRecipientTable(message, MAPI_UNICODE, &t))) return hr;
    if (FAILED(hr = HrQueryAllRows(t, NULL, NULL, NULL, 0, &rows))) goto done;
    /* No distribution lists or address book entries to expand: one-offs are already resolved.
     * NEEDS_PREPROCESSING when a registered preprocessor applies to a recipient; NEEDS_SPOOLER
     * when a recipient's address type is not handled by a transport coupled to this store: one
     * whose status row carries this store's entry ID in PR_OWN_STORE_ENTRYID
     * (tightly-coupled-message-store-providers.md). */
    store_id = own_store_id(This);
    for (i = 0; i < rows->cRows; i++)
    {
        const SRow *r = &rows->aRow[i];
        const SPropValue *tv = mc_props_find(r->cValues, r->lpProps, PR_ADDRTYPE_W);
        const SPropValue *ev = mc_props_find(r->cValues, r->lpProps, PR_ENTRYID);
        WCHAR *type = !tv ? NULL : PROP_TYPE(tv->ulPropTag) == PT_UNICODE ? mc_wcsdup(tv->Value.lpszW)
                                                                          : mc_a2w(tv->Value.lpszA);
        if (!type && ev && mm_oneoff_is(ev->Value.bin.cb, (ENTRYID *)ev->Value.bin.lpb))
        {
            mm_oneoff o;
            if (SUCCEEDED(mm_oneoff_parse(ev->Value.bin.cb, (ENTRYID *)ev->Value.bin.lpb, &o)))
            {
                type = o.type;
                o.type = NULL;
                mm_oneoff_free(&o);
            }
        }
        if (sp && mm_spooler_needs_preprocessing(sp, type, ev)) out |= NEEDS_PREPROCESSING;
        if (!sp || !store_id || !mm_spooler_coupled_handles_type(sp, &store_id->Value.bin, type, ev))
            out |= NEEDS_SPOOLER;
        mc_free(type);
    }
    if (out & NEEDS_PREPROCESSING)
    {
        SPropValue v;
        memset(&v, 0, sizeof(v));
        v.ulPropTag = PR_PREPROCESS;
        v.Value.b = TRUE;
        message->lpVtbl->SetProps(message, 1, &v, NULL);
    }
    if (flags) *flags = out;
done:
    if (store_id) mc_free(store_id);
    if (rows) FreeProws(rows);
    t->lpVtbl->Release(t);
    return hr;
}

static HRESULT STDMETHODCALLTYPE support_UpdatePAB(IMAPISupport *iface, ULONG flags, LPMESSAGE message)
{
    return NOT_YET("no personal address book");
}

static HRESULT STDMETHODCALLTYPE support_DoSentMail(IMAPISupport *iface, ULONG flags, LPMESSAGE message)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    MC_TRACE(MM_CH, "(%p, %#lx, %p)\n", This, flags, message);
    if (!message) return MAPI_E_INVALID_PARAMETER;
    return mm_report_do_sent_mail(get_store(This), message);
}

static HRESULT STDMETHODCALLTYPE support_OpenAddressBook(IMAPISupport *iface, LPCIID iid, ULONG flags,
                                                         LPADRBOOK *book)
{
    MC_TRACE(MM_CH, "(%p, %#lx)\n", iface, flags);
    if (!book) return MAPI_E_INVALID_PARAMETER;
    *book = NULL;
    /* The book holds no session state of its own (one-offs only): no reference needed. */
    return mm_addrbook_create(NULL, book);
}

static HRESULT STDMETHODCALLTYPE support_Preprocess(IMAPISupport *iface, ULONG flags, ULONG cb,
                                                    LPENTRYID eid)
{
    return NOT_YET("IMAPISupport::Preprocess is reserved for MAPI's own use (not documented)");
}

static HRESULT STDMETHODCALLTYPE support_CompleteMsg(IMAPISupport *iface, ULONG flags, ULONG cb,
                                                     LPENTRYID eid)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    IMsgStore *store = get_store(This);
    IMessage *msg = NULL;
    ULONG type;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx, %lu, %p)\n", This, flags, cb, eid);
    if (!cb || !eid) return MAPI_E_INVALID_PARAMETER;
    if (!store) return mc_last_error_set(&This->err, MAPI_E_CALL_FAILED, L"no store for CompleteMsg");
    /* The spooler's post-processing: no hooks exist, so it is FinishedMsg's work (lock, then
     * FinishedMsg, which unlocks, leaves the queue and calls DoSentMail). */
    hr = store->lpVtbl->OpenEntry(store, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&msg);
    if (FAILED(hr)) return hr;
    hr = store->lpVtbl->SetLockState(store, msg, MSG_LOCKED);
    msg->lpVtbl->Release(msg);
    if (FAILED(hr)) return hr;
    return store->lpVtbl->FinishedMsg(store, 0, cb, eid);
}

static HRESULT STDMETHODCALLTYPE support_StoreLogoffTransports(IMAPISupport *iface, ULONG *flags)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    mm_spooler *sp = get_spooler(This);

    MC_TRACE(MM_CH, "(%p, %p)\n", This, flags);
    if (!flags) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    if (This->transports_logged_off)
    {
        LeaveCriticalSection(&This->lock);
        MC_TRACE(MM_CH, "called again for the same store shutdown (DECISIONS 6 says once)\n");
        *flags |= LOGOFF_COMPLETE;
        return S_OK;
    }
    This->transports_logged_off = TRUE;
    LeaveCriticalSection(&This->lock);
    /* DECISIONS 6: the transports that depend on this store are its coupled ones (same service). */
    if (sp) mm_spooler_logoff_transports(sp, &This->service);
    *flags |= LOGOFF_COMPLETE;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE support_StatusRecips(IMAPISupport *iface, LPMESSAGE message,
                                                      LPADRLIST list)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    MC_TRACE(MM_CH, "(%p, %p, %p)\n", This, message, list);
    if (!message || !list) return MAPI_E_INVALID_PARAMETER;
    return mm_report_status_recips(get_store(This), message, list);
}

static HRESULT STDMETHODCALLTYPE support_WrapStoreEntryID(IMAPISupport *iface, ULONG cb,
                                                          LPENTRYID eid, ULONG *cb_out,
                                                          LPENTRYID *out)
{
    mm_support *This = impl_from_IMAPISupport(iface);
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %lu, %p)\n", This, cb, eid);
    if (!cb || !eid || !cb_out || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!This->dll_name)
        return mc_last_error_set(&This->err, MAPI_E_CALL_FAILED,
                                 L"the provider section has no PR_PROVIDER_DLL_NAME");
    hr = mm_storeid_wrap(This->dll_name, cb, eid, cb_out, out);
    return hr;
}

static HRESULT STDMETHODCALLTYPE support_ModifyProfile(IMAPISupport *iface, ULONG flags)
{
    /* Every store minimapi opens is already a section of the profile, listed in the message
     * store table: there is nothing to make permanent. */
    MC_TRACE(MM_CH, "(%p, %#lx)\n", iface, flags);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE support_IStorageFromStream(IMAPISupport *iface, LPUNKNOWN in,
                                                            LPCIID iid, ULONG flags,
                                                            LPSTORAGE *out)
{
    return NOT_YET("IStorageFromStream is not implemented");
}

static HRESULT STDMETHODCALLTYPE support_GetSvcConfigSupportObj(IMAPISupport *iface, ULONG flags,
                                                                LPMAPISUP *out)
{
    mm_support *This = impl_from_IMAPISupport(iface), *sup;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (FAILED(hr = mm_support_create(NULL, This->profile, NULL, &This->service, NULL, &sup)))
        return hr;
    *out = &sup->IMAPISupport_iface;
    return S_OK;
}

static const IMAPISupportVtbl support_vtbl =
{
    support_QueryInterface,
    support_AddRef,
    support_Release,
    support_GetLastError,
    support_GetMemAllocRoutines,
    support_Subscribe,
    support_Unsubscribe,
    support_Notify,
    support_ModifyStatusRow,
    support_OpenProfileSection,
    support_RegisterPreprocessor,
    support_NewUID,
    support_MakeInvalid,
    support_SpoolerYield,
    support_SpoolerNotify,
    support_CreateOneOff,
    support_SetProviderUID,
    support_CompareEntryIDs,
    support_OpenTemplateID,
    support_OpenEntry,
    support_GetOneOffTable,
    support_Address,
    support_Details,
    support_NewEntry,
    support_DoConfigPropsheet,
    support_CopyMessages,
    support_CopyFolder,
    support_DoCopyTo,
    support_DoCopyProps,
    support_DoProgressDialog,
    support_ReadReceipt,
    support_PrepareSubmit,
    support_ExpandRecips,
    support_UpdatePAB,
    support_DoSentMail,
    support_OpenAddressBook,
    support_Preprocess,
    support_CompleteMsg,
    support_StoreLogoffTransports,
    support_StatusRecips,
    support_WrapStoreEntryID,
    support_ModifyProfile,
    support_IStorageFromStream,
    support_GetSvcConfigSupportObj,
};

HRESULT mm_support_create(mm_session *session, const WCHAR *profile, const MAPIUID *section,
                          const MAPIUID *service, IUnknown *owner, mm_support **out)
{
    mm_support *This;
    mc_propbag *b = NULL;
    WCHAR *dll = NULL;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!(This->profile = mc_wcsdup(profile)))
    {
        mc_free(This);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    This->IMAPISupport_iface.lpVtbl = &support_vtbl;
    This->ref = 1;
    InitializeCriticalSection(&This->lock);
    This->session = session;
    This->is_provider = section != NULL;
    This->section = section ? *section : *service;
    This->service = *service;
    mc_last_error_init(&This->err);
    /* The DLL name WrapStoreEntryID embeds: the provider's, or for a service entry the
     * service's (the store's provider lives in the same DLL). */
    if (SUCCEEDED(mm_section_load(profile, &This->section, &b)))
    {
        dll = mc_propbag_get_wstr(b, PROP_ID(This->is_provider ? PR_PROVIDER_DLL_NAME_W
                                                               : PR_SERVICE_DLL_NAME_W));
        if (dll) This->dll_name = mc_w2a(dll);
        mc_free(dll);
        mc_propbag_free(b);
    }
    mc_object_created();
    *out = This;
    return S_OK;
}
