/*
 * xplogon.c - the transport logon (IXPLogon) over the drop-directory channel.
 * Docs: ixplogoniunknown.md and the ixplogon-*.md pages, ixpprovider-transportlogon.md,
 * transport-provider-and-mapi-spooler-operational-model.md, message-submission-model.md,
 * message-reception-model.md, implementing-the-flushqueues-method.md,
 * imapisupport-statusrecips.md, imapisupport-modifystatusrow.md; spi-digest §3.2-3.10.
 *
 * One logon = one profile's transport session. It handles address type SMTP (AddressTypes);
 * messages go to the mailbox folder of each recipient under the drop root (dropdir.h), and the
 * mailbox of the profile's own PR_EMAIL_ADDRESS, created by this logon, is read on Poll /
 * StartMessage. LOGON_SP_POLL is requested (the spooler polls; the transport also calls
 * SpoolerNotify(NOTIFY_NEWMAIL) when a flush finds mail), LOGON_SP_IDLE is not (nothing to do
 * in idle time).
 *
 * Exactly once (DECISIONS.md 7): before the first file is written, SubmitMessage gives the
 * message its Message-ID (PR_INTERNET_MESSAGE_ID) and saves it (SaveChanges KEEP_OPEN_READWRITE):
 * a resend after a crash carries the same Message-ID, and the receiving owner drops it
 * (dropdir.h gives the receiving side's crash analysis).
 *
 * Threads: TransportNotify may come from any thread (ixplogon-transportnotify.md): the state
 * it touches (status bits, cancel requests) is under `lock`, which is never held across a call
 * out of the transport. The channel is used under `io_lock`.
 */
#include <stdlib.h>
#include "xp.h"
#include "mapimime.h"
#include "smtp.h"
#include "inbound.h"
#include "store/entryid.h"
#include "coupling.h"

td_drop_lookup_fn td_xp_delivery_lookup;
HRESULT (*td_xp_delivered_object)(const WCHAR *path, const char *message_id, ULONGLONG *object_id);

struct xplogon
{
    IXPLogon IXPLogon_iface;
    LONG ref;
    IXPProvider *provider;      /* AddRef'd */
    IMAPISupport *sup;          /* AddRef'd; released last (ixplogon-transportlogoff.md) */
    mc_alloc alloc;

    CRITICAL_SECTION lock;      /* the fields below up to io_lock */
    ULONG status;               /* PR_STATUS_CODE */
    WCHAR *status_string;
    BOOL logged_off;
    ULONG next_ref;             /* message references (DECISIONS.md 1: 32 bits) */
    ULONG cancel_ref;           /* NOTIFY_CANCEL_MESSAGE target, 0 = none */
    ULONG resend_later_ref;     /* EndMessage answers END_RESEND_LATER for this one */
    HANDLE flush_done;          /* manual-reset, set while no flush bit is on */
    /* network schedule: under `lock`, so a flush request never waits for a network session */
    ULONGLONG next_fetch;       /* GetTickCount64 of the next inbound session */
    ULONGLONG smtp_retry_at;    /* back-off: no SMTP connection before this tick */

    CRITICAL_SECTION io_lock;
    td_dropdir *drop;           /* NULL when the root cannot be used */
    /* network channels (netcfg.h), under io_lock */
    td_netcfg net;
    td_uidrec *uidrec;          /* inbound UIDs fetched; NULL without inbound or own mailbox */
    ULONG smtp_failures;        /* consecutive failed SMTP sessions */
    td_idle *idle;              /* IMAP IDLE thread (inbound.h), NULL without; stopped at logoff */

    /* read-only after logon */
    WCHAR *profile_name;
    WCHAR *display_name;        /* the account's name (PR_DISPLAY_NAME of the service) */
    WCHAR *address;             /* PR_EMAIL_ADDRESS of the service, as configured */
    SBinary own_store;          /* PR_OWN_STORE_ENTRYID (internal memory) */
    WCHAR *store_path;          /* the coupled store's file (full path), NULL when unknown */
    GUID store_guid;            /* its identity, when store_path is set */
    ULONG coupling;             /* td_coupling_register cookie, 0 when not registered */
};

/* Address types (ixplogon-addresstypes.md): static, so the pointers stay the same until
 * TransportLogoff and after. */
static char smtp_type[] = "SMTP";
static LPSTR address_types[] = { smtp_type };

static const IXPLogonVtbl xplogon_vtbl;
static void couple(xplogon *x);
static void start_idle(xplogon *x);

static inline xplogon *impl_from_IXPLogon(IXPLogon *iface)
{
    return CONTAINING_RECORD(iface, xplogon, IXPLogon_iface);
}

xplogon *td_xplogon_from_iface(IXPLogon *iface) { return impl_from_IXPLogon(iface); }

WCHAR *td_xp_default_drop_root(void)
{
    WCHAR base[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(L"ProgramData", base, MAX_PATH);
    if (!n || n >= MAX_PATH) wcscpy(base, L"C:\\ProgramData");
    return td_wsprintf(L"%ls\\Tandem\\drop", base);
}

static int64_t now_filetime(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return (int64_t)((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime);
}

/* ---- status row ------------------------------------------------------------------------- */

HRESULT td_xplogon_status_props(xplogon *x, const mc_alloc *a, ULONG *n, SPropValue **out)
{
    SPropValue v[10];
    ENTRYID *eid = NULL;
    SBinary key = { 0, NULL };
    ULONG i = 0, cb = 0;
    HRESULT hr;

    EnterCriticalSection(&x->lock);
    v[i].ulPropTag = PR_DISPLAY_NAME_W;
    v[i++].Value.lpszW = x->display_name ? x->display_name : (WCHAR *)TD_TRANSPORT_PROVIDER_DISPLAY;
    v[i].ulPropTag = PR_PROVIDER_DISPLAY_W;
    v[i++].Value.lpszW = (WCHAR *)TD_TRANSPORT_PROVIDER_DISPLAY;
    v[i].ulPropTag = PR_STATUS_CODE;
    v[i++].Value.l = x->status;
    v[i].ulPropTag = PR_STATUS_STRING_W;
    v[i++].Value.lpszW = x->status_string ? x->status_string : (WCHAR *)L"";
    v[i].ulPropTag = PR_RESOURCE_METHODS;
    v[i++].Value.l = STATUS_VALIDATE_STATE | STATUS_FLUSH_QUEUES;
    if (x->own_store.cb)
    {
        v[i].ulPropTag = PR_OWN_STORE_ENTRYID;
        v[i++].Value.bin = x->own_store;
    }
    if (x->address && SUCCEEDED(td_oneoff_make(mc_heap_alloc(), NULL, x->display_name, L"SMTP", x->address, &cb, &eid)))
    {
        v[i].ulPropTag = PR_IDENTITY_DISPLAY_W;
        v[i++].Value.lpszW = x->display_name ? x->display_name : x->address;
        v[i].ulPropTag = PR_IDENTITY_ENTRYID;
        v[i].Value.bin.cb = cb;
        v[i++].Value.bin.lpb = (BYTE *)eid;
        if (SUCCEEDED(td_search_key_make(mc_heap_alloc(), eid, L"SMTP", x->address, &key)))
        {
            v[i].ulPropTag = PR_IDENTITY_SEARCH_KEY;
            v[i++].Value.bin = key;
        }
    }
    hr = mc_props_dup(a, i, v, out);
    LeaveCriticalSection(&x->lock);
    if (eid) mc_heap_alloc()->free_buffer(eid);
    if (SUCCEEDED(hr)) *n = i;
    return hr;
}

/* ModifyStatusRow with the whole row (flags 0 creates it, STATUSROW_UPDATE merges). */
static HRESULT publish_status(xplogon *x, ULONG flags)
{
    SPropValue *v = NULL;
    ULONG n = 0;
    HRESULT hr;

    if (FAILED(hr = td_xplogon_status_props(x, mc_heap_alloc(), &n, &v))) return hr;
    hr = x->sup->lpVtbl->ModifyStatusRow(x->sup, n, v, flags);
    mc_heap_alloc()->free_buffer(v);
    return hr;
}

/* Change status bits (under the lock), then tell MAPI. */
static HRESULT update_status(xplogon *x, ULONG set, ULONG clear)
{
    ULONG before;

    EnterCriticalSection(&x->lock);
    before = x->status;
    x->status = (x->status & ~clear) | set;
    if (!(x->status & (STATUS_INBOUND_FLUSH | STATUS_OUTBOUND_FLUSH))) SetEvent(x->flush_done);
    else ResetEvent(x->flush_done);
    LeaveCriticalSection(&x->lock);
    if (before == x->status) return S_OK;
    return publish_status(x, STATUSROW_UPDATE);
}

static void set_status_string(xplogon *x, WCHAR *text)
{
    EnterCriticalSection(&x->lock);
    mc_free(x->status_string);
    x->status_string = text;
    LeaveCriticalSection(&x->lock);
}

/* ---- logon ------------------------------------------------------------------------------- */

/* PR_OWN_STORE_ENTRYID: the coupled store's wrapped entry ID as the store and ServiceEntry
 * publish it (PR_ENTRYID of the store provider's section, found through the service's
 * PR_STORE_PROVIDERS when MAPI keeps that list), else wrapped here from the service's store
 * GUID and path exactly as the store wraps it (td_eid_encode_store + WrapStoreEntryID). */
static void read_own_store(xplogon *x, const td_config *cfg, IProfSect *svc)
{
    SizedSPropTagArray(1, tags) = { 1, { PR_STORE_PROVIDERS } };
    SizedSPropTagArray(1, eid_tag) = { 1, { PR_ENTRYID } };
    SPropValue *v = NULL, *e = NULL;
    ULONG n = 0;

    if (svc && SUCCEEDED(svc->lpVtbl->GetProps(svc, (SPropTagArray *)&tags, 0, &n, &v)) && n == 1
        && v[0].ulPropTag == PR_STORE_PROVIDERS && v[0].Value.bin.cb >= sizeof(MAPIUID))
    {
        IProfSect *store = NULL;
        MAPIUID uid;
        memcpy(&uid, v[0].Value.bin.lpb, sizeof(uid));
        if (SUCCEEDED(x->sup->lpVtbl->OpenProfileSection(x->sup, &uid, 0, &store)))
        {
            if (SUCCEEDED(store->lpVtbl->GetProps(store, (SPropTagArray *)&eid_tag, 0, &n, &e)) && n == 1
                && e[0].ulPropTag == PR_ENTRYID && e[0].Value.bin.cb
                && (x->own_store.lpb = mc_malloc(e[0].Value.bin.cb)))
            {
                memcpy(x->own_store.lpb, e[0].Value.bin.lpb, e[0].Value.bin.cb);
                x->own_store.cb = e[0].Value.bin.cb;
            }
            if (e) x->alloc.free_buffer(e);
            store->lpVtbl->Release(store);
        }
    }
    if (v) x->alloc.free_buffer(v);
    if (x->own_store.cb || !cfg->has_guid || !cfg->path) return;
    {
        ENTRYID *eid = NULL, *wrapped = NULL;
        ULONG cb = 0, cbw = 0;
        WCHAR *full = td_full_path(cfg->path);
        if (full && SUCCEEDED(td_eid_encode_store(&cfg->store_guid, full, &cb, &eid))
            && SUCCEEDED(x->sup->lpVtbl->WrapStoreEntryID(x->sup, cb, eid, &cbw, &wrapped)) && wrapped
            && (x->own_store.lpb = mc_malloc(cbw)))
        {
            memcpy(x->own_store.lpb, wrapped, cbw);
            x->own_store.cb = cbw;
        }
        if (wrapped) x->alloc.free_buffer(wrapped);
        mc_free(eid);
        mc_free(full);
    }
}

/* The network channels: the status text names them; inbound needs our own mailbox (the
 * fetched messages are kept there, inbound.h) and the UID record beside the store file. */
static void open_network(xplogon *x, const td_config *cfg)
{
    if (x->net.smtp.host && x->drop)
        set_status_string(x, td_wsprintf(L"SMTP %hs:%u", x->net.smtp.host, x->net.smtp.port));
    if (x->net.in_protocol == TD_IN_NONE) return;
    if (!x->drop || !td_drop_owns_mailbox(x->drop) || !cfg->path)
    {
        set_status_string(x, td_wsprintf(L"Receiving is off: the local mailbox of %ls cannot be used",
                                          x->address ? x->address : L"(none)"));
        return;
    }
    {
        WCHAR *rec = td_wsprintf(L"%ls.%hs-%hs.uids", cfg->path, x->net.in_protocol == TD_IN_POP3 ? "pop3" : "imap",
                                 x->net.in.user ? x->net.in.user : "anonymous");
        HRESULT hr = rec ? td_uidrec_open(rec, &x->uidrec) : MAPI_E_NOT_ENOUGH_MEMORY;
        if (FAILED(hr)) set_status_string(x, td_wsprintf(L"Receiving is off: %ls cannot be opened (%#lx)",
                                                         rec ? rec : L"", (unsigned long)hr));
        mc_free(rec);
    }
}

static HRESULT read_config(xplogon *x, WCHAR **why)
{
    SizedSPropTagArray(1, tags) = { 1, { PR_SERVICE_UID } };
    IProfSect *prov = NULL, *svc = NULL;
    SPropValue *v = NULL;
    td_config cfg;
    WCHAR *root = NULL;
    ULONG n = 0;
    HRESULT hr;

    memset(&cfg, 0, sizeof(cfg));
    if (FAILED(hr = x->sup->lpVtbl->OpenProfileSection(x->sup, NULL, 0, &prov)))
    {
        *why = td_wsprintf(L"The transport's profile section cannot be opened (%#lx)", (unsigned long)hr);
        return hr;
    }
    if (FAILED(hr = td_config_read_for_provider(&x->alloc, x->sup, prov, &cfg)))
    {
        *why = td_wsprintf(L"The transport's configuration cannot be read (%#lx)", (unsigned long)hr);
        goto done;
    }
    if (SUCCEEDED(prov->lpVtbl->GetProps(prov, (SPropTagArray *)&tags, 0, &n, &v)) && n == 1
        && v[0].ulPropTag == PR_SERVICE_UID && v[0].Value.bin.cb == sizeof(MAPIUID))
    {
        MAPIUID uid;
        memcpy(&uid, v[0].Value.bin.lpb, sizeof(uid));
        x->sup->lpVtbl->OpenProfileSection(x->sup, &uid, 0, &svc);
    }
    read_own_store(x, &cfg, svc);
    if (cfg.has_guid && cfg.path)
    {
        x->store_path = td_full_path(cfg.path);
        x->store_guid = cfg.store_guid;
    }
    td_netcfg_read(&x->alloc, svc ? svc : prov, &x->net);

    x->display_name = cfg.display_name ? mc_wcsdup(cfg.display_name)
                    : x->profile_name ? mc_wcsdup(x->profile_name) : NULL;
    if (cfg.email) x->address = mc_wcsdup(cfg.email);
    else if (x->profile_name) x->address = td_wsprintf(L"%ls@localhost", x->profile_name);
    root = cfg.drop_root ? mc_wcsdup(cfg.drop_root) : td_xp_default_drop_root();

    /* The channel: the root and our own mailbox (created here: this is how a mailbox comes to
     * exist). A bad own address or a busy mailbox still lets the logon send. */
    hr = root ? td_drop_open(root, x->address, &x->drop) : MAPI_E_NOT_ENOUGH_MEMORY;
    if (hr == MAPI_E_INVALID_PARAMETER || hr == MAPI_E_BUSY)
    {
        set_status_string(x, td_wsprintf(hr == MAPI_E_BUSY
            ? L"Sending only: the mailbox of %ls is in use by another logon"
            : L"Sending only: %ls is not an address the drop directory accepts", x->address ? x->address : L"(none)"));
        hr = td_drop_open(root, NULL, &x->drop);
    }
    if (FAILED(hr))
    {
        set_status_string(x, td_wsprintf(L"The drop directory %ls cannot be used (%#lx)", root ? root : L"", (unsigned long)hr));
        x->status = STATUS_FAILURE | STATUS_OFFLINE;
        x->drop = NULL;
    }
    else
    {
        x->status = STATUS_AVAILABLE;
        if (!x->status_string) set_status_string(x, td_wsprintf(L"Drop directory %ls", td_drop_root(x->drop)));
        if (td_xp_delivery_lookup && x->store_path) td_drop_set_lookup(x->drop, td_xp_delivery_lookup, x->store_path);
    }
    open_network(x, &cfg);
    hr = S_OK;

done:
    if (v) x->alloc.free_buffer(v);
    if (svc) svc->lpVtbl->Release(svc);
    prov->lpVtbl->Release(prov);
    td_config_clear(&cfg);
    mc_free(root);
    return hr;
}

static void xplogon_destroy(xplogon *x)
{
    td_drop_close(x->drop);
    td_uidrec_close(x->uidrec);
    td_netcfg_clear(&x->net);
    DeleteCriticalSection(&x->io_lock);
    DeleteCriticalSection(&x->lock);
    if (x->flush_done) CloseHandle(x->flush_done);
    mc_free(x->status_string);
    mc_free(x->profile_name);
    mc_free(x->display_name);
    mc_free(x->address);
    mc_free(x->own_store.lpb);
    mc_free(x->store_path);
    if (x->provider) x->provider->lpVtbl->Release(x->provider);
    /* the support object goes last (ixplogon-transportlogoff.md) */
    if (x->sup) x->sup->lpVtbl->Release(x->sup);
    mc_free(x);
    mc_object_destroyed();
}

HRESULT td_xplogon_create(IXPProvider *provider, const mc_alloc *alloc, IMAPISupport *sup,
                          const WCHAR *profile_name, ULONG *flags, IXPLogon **out, WCHAR **why)
{
    xplogon *x;
    HRESULT hr;

    *out = NULL;
    if (!(x = mc_calloc(1, sizeof(*x)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    x->IXPLogon_iface.lpVtbl = (IXPLogonVtbl *)&xplogon_vtbl;   /* the headers declare lpVtbl non-const */
    x->ref = 1;
    x->alloc = *alloc;
    InitializeCriticalSection(&x->lock);
    InitializeCriticalSection(&x->io_lock);
    x->flush_done = CreateEventW(NULL, TRUE, TRUE, NULL);
    provider->lpVtbl->AddRef(provider);
    x->provider = provider;
    sup->lpVtbl->AddRef(sup);
    x->sup = sup;
    x->next_ref = 1;
    mc_object_created();
    if (profile_name) x->profile_name = mc_wcsdup(profile_name);

    if (FAILED(hr = read_config(x, why))) goto fail;
    /* the status row (operational model step 4); I/O stays off until TransportNotify */
    if (FAILED(hr = publish_status(x, 0)))
    {
        *why = td_wsprintf(L"ModifyStatusRow failed (%#lx)", (unsigned long)hr);
        goto fail;
    }
    *flags = LOGON_SP_POLL | (*flags & MAPI_UNICODE);
    *out = &x->IXPLogon_iface;
    couple(x);
    start_idle(x);
    return S_OK;

fail:
    xplogon_destroy(x);
    return hr;
}

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE xplogon_QueryInterface(IXPLogon *iface, REFIID riid, void **out)
{
    MC_TRACE("transport", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IXPLogon))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE xplogon_AddRef(IXPLogon *iface)
{
    return InterlockedIncrement(&impl_from_IXPLogon(iface)->ref);
}

static ULONG STDMETHODCALLTYPE xplogon_Release(IXPLogon *iface)
{
    xplogon *x = impl_from_IXPLogon(iface);
    ULONG ref = InterlockedDecrement(&x->ref);
    /* a final Release without TransportLogoff is a logoff (spi-digest §3.8, robustness) */
    if (!ref) xplogon_destroy(x);
    return ref;
}

/* ---- IXPLogon: configuration --------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE xplogon_AddressTypes(IXPLogon *iface, ULONG *lpulFlags, ULONG *lpcAdrType,
        LPTSTR **lpppAdrTypeArray, ULONG *lpcMAPIUID, LPMAPIUID **lpppUIDArray)
{
    MC_TRACE("transport", "%p", iface);
    if (!lpulFlags || !lpcAdrType || !lpppAdrTypeArray || !lpcMAPIUID || !lpppUIDArray)
        return MAPI_E_INVALID_PARAMETER;
    *lpulFlags = 0;                 /* ANSI strings */
    *lpcAdrType = ARRAYSIZE(address_types);
    *lpppAdrTypeArray = (LPTSTR *)address_types;
    *lpcMAPIUID = 0;                /* one-off SMTP recipients are claimed by address type */
    *lpppUIDArray = NULL;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE xplogon_RegisterOptions(IXPLogon *iface, ULONG *lpulFlags, ULONG *lpcOptions,
        LPOPTIONDATA *lppOptions)
{
    MC_TRACE("transport", "%p", iface);
    if (!lpulFlags || !lpcOptions || !lppOptions) return MAPI_E_INVALID_PARAMETER;
    *lpulFlags = 0;
    *lpcOptions = 0;                /* no per-message or per-recipient options (spi-digest §0.4) */
    *lppOptions = NULL;
    return S_OK;
}

#define NOTIFY_KNOWN (NOTIFY_BEGIN_INBOUND | NOTIFY_END_INBOUND | NOTIFY_BEGIN_OUTBOUND | NOTIFY_END_OUTBOUND | \
                      NOTIFY_BEGIN_INBOUND_FLUSH | NOTIFY_END_INBOUND_FLUSH | NOTIFY_BEGIN_OUTBOUND_FLUSH | \
                      NOTIFY_END_OUTBOUND_FLUSH | NOTIFY_CANCEL_MESSAGE | NOTIFY_ABORT_DEFERRED)

static HRESULT STDMETHODCALLTYPE xplogon_TransportNotify(IXPLogon *iface, ULONG *lpulFlags, LPVOID *lppvData)
{
    xplogon *x = impl_from_IXPLogon(iface);
    ULONG f, set = 0, clear = 0;

    MC_TRACE("transport", "%p %#lx", iface, lpulFlags ? (unsigned long)*lpulFlags : 0ul);
    if (!lpulFlags) return MAPI_E_INVALID_PARAMETER;
    f = *lpulFlags;     /* returned unchanged */
    if ((f & NOTIFY_BEGIN_INBOUND) && (f & NOTIFY_END_INBOUND)) return MAPI_E_INVALID_PARAMETER;
    if ((f & NOTIFY_BEGIN_OUTBOUND) && (f & NOTIFY_END_OUTBOUND)) return MAPI_E_INVALID_PARAMETER;

    if (f & NOTIFY_CANCEL_MESSAGE)
    {
        /* *lppvData -> the message reference (low 32 bits, DECISIONS.md 1) */
        if (!lppvData || !*lppvData) return MAPI_E_INVALID_PARAMETER;
        EnterCriticalSection(&x->lock);
        x->cancel_ref = *(ULONG *)*lppvData;
        LeaveCriticalSection(&x->lock);
    }
    /* NOTIFY_ABORT_DEFERRED: this transport never defers a message (no END_DONT_RESEND), so
     * there is nothing of it to give up. */

    if (f & NOTIFY_BEGIN_INBOUND) set |= STATUS_INBOUND_ENABLED;
    if (f & NOTIFY_END_INBOUND) clear |= STATUS_INBOUND_ENABLED | STATUS_INBOUND_ACTIVE | STATUS_INBOUND_FLUSH;
    if (f & NOTIFY_BEGIN_OUTBOUND) set |= STATUS_OUTBOUND_ENABLED;
    if (f & NOTIFY_END_OUTBOUND) clear |= STATUS_OUTBOUND_ENABLED | STATUS_OUTBOUND_ACTIVE | STATUS_OUTBOUND_FLUSH;
    if (f & NOTIFY_BEGIN_INBOUND_FLUSH) set |= STATUS_INBOUND_FLUSH;
    if (f & NOTIFY_END_INBOUND_FLUSH) clear |= STATUS_INBOUND_FLUSH;
    if (f & NOTIFY_BEGIN_OUTBOUND_FLUSH) set |= STATUS_OUTBOUND_FLUSH;
    if (f & NOTIFY_END_OUTBOUND_FLUSH) clear |= STATUS_OUTBOUND_FLUSH;
    /* a flush (the spooler's FlushQueues) means "now": it ends an SMTP back-off and makes an
     * inbound session due at the next Poll */
    if (f & (NOTIFY_BEGIN_OUTBOUND_FLUSH | NOTIFY_BEGIN_INBOUND_FLUSH))
    {
        EnterCriticalSection(&x->lock);
        if (f & NOTIFY_BEGIN_OUTBOUND_FLUSH) x->smtp_retry_at = 0;
        if (f & NOTIFY_BEGIN_INBOUND_FLUSH) x->next_fetch = 0;
        LeaveCriticalSection(&x->lock);
    }
    /* the status row is updated before returning (ixplogon-transportnotify.md) */
    if (set || clear) update_status(x, set, clear & ~set);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE xplogon_Idle(IXPLogon *iface, ULONG ulFlags)
{
    MC_TRACE("transport", "%p", iface);
    return S_OK;    /* LOGON_SP_IDLE is not requested; nothing to do if called anyway */
}

static HRESULT STDMETHODCALLTYPE xplogon_TransportLogoff(IXPLogon *iface, ULONG ulFlags)
{
    xplogon *x = impl_from_IXPLogon(iface);
    td_dropdir *drop;

    MC_TRACE("transport", "%p %#lx", iface, (unsigned long)ulFlags);
    /* the store stops sending through us (a send already in flight sees logged_off or finishes) */
    if (x->coupling) td_coupling_unregister(x->coupling);
    x->coupling = 0;
    EnterCriticalSection(&x->lock);
    x->logged_off = TRUE;
    x->status &= ~(STATUS_INBOUND_ENABLED | STATUS_OUTBOUND_ENABLED | STATUS_INBOUND_FLUSH | STATUS_OUTBOUND_FLUSH);
    SetEvent(x->flush_done);
    LeaveCriticalSection(&x->lock);
    /* the IDLE connection ends (bounded: a thread still in a network step finishes alone) */
    td_inbound_idle_stop(x->idle, TD_XP_IDLE_STOP_WAIT_MS);
    x->idle = NULL;
    /* give the mailbox up now (a new logon may own it); an operation in flight finishes first */
    EnterCriticalSection(&x->io_lock);
    drop = x->drop;
    x->drop = NULL;
    td_uidrec_close(x->uidrec);     /* a new logon may fetch for the account */
    x->uidrec = NULL;
    LeaveCriticalSection(&x->io_lock);
    td_drop_close(drop);
    /* No IMAPISupport::MakeInvalid: its documented effect (the object's vtable swapped for
     * stubs, imapisupport-makeinvalid.md) would keep our Release from running; the methods
     * below check logged_off instead. The support object is released with the last
     * reference (xplogon_destroy). */
    return S_OK;
}

/* ---- outbound ---------------------------------------------------------------------------- */

enum outcome { OUT_SKIP, OUT_OURS, OUT_SENT, OUT_NDR, OUT_RETRY };

typedef struct recip
{
    SPropValue *props;      /* the row as read (a block of the MAPI allocator) */
    ULONG n;
    enum outcome outcome;
    LONG diag;              /* NDR: MAPI_DIAG_* */
    LONG reason;            /* NDR: MAPI_REASON_* */
    char *reply;            /* SMTP: the server's reply for this recipient (internal memory) */
} recip;

static BOOL check_cancel(xplogon *x, ULONG ref)
{
    BOOL c;
    EnterCriticalSection(&x->lock);
    c = x->cancel_ref == ref || x->logged_off;
    LeaveCriticalSection(&x->lock);
    return c;
}

/* Every row of the recipient table with every column (MODRECIP_MODIFY replaces whole rows). */
static HRESULT read_recipient_rows(xplogon *x, IMessage *msg, recip **out, ULONG *count)
{
    IMAPITable *t = NULL;
    SPropTagArray *cols = NULL;
    SRowSet *rows = NULL;
    recip *r = NULL;
    ULONG n = 0, cap = 0, i;
    HRESULT hr;

    *out = NULL;
    *count = 0;
    if (FAILED(hr = msg->lpVtbl->GetRecipientTable(msg, MAPI_UNICODE, &t))) return hr;
    if (SUCCEEDED(t->lpVtbl->QueryColumns(t, TBL_ALL_COLUMNS, &cols)) && cols)
    {
        t->lpVtbl->SetColumns(t, cols, 0);
        x->alloc.free_buffer(cols);
    }
    while (SUCCEEDED(hr = t->lpVtbl->QueryRows(t, 64, 0, &rows)) && rows->cRows)
    {
        if (n + rows->cRows > cap)
        {
            recip *nr = mc_realloc(r, (cap = (n + rows->cRows) * 2) * sizeof(*r));
            if (!nr) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            r = nr;
        }
        for (i = 0; i < rows->cRows; i++)
        {
            r[n].props = rows->aRow[i].lpProps;
            r[n].n = rows->aRow[i].cValues;
            r[n].outcome = OUT_SKIP;
            r[n].diag = r[n].reason = 0;
            r[n].reply = NULL;
            rows->aRow[i].lpProps = NULL;
            n++;
        }
        x->alloc.free_buffer(rows);
        rows = NULL;
    }
    if (rows) mc_free_rows(&x->alloc, rows);
    t->lpVtbl->Release(t);
    if (FAILED(hr))
    {
        for (i = 0; i < n; i++) x->alloc.free_buffer(r[i].props);
        mc_free(r);
        return hr;
    }
    *out = r;
    *count = n;
    return S_OK;
}

static const WCHAR *row_wstr(const recip *r, ULONG tag)
{
    const SPropValue *v = mc_props_find(r->n, r->props, tag);
    return v && PROP_TYPE(v->ulPropTag) == PT_UNICODE ? v->Value.lpszW : NULL;
}

/* A new Message-ID: "<time.random@domain of the own address>". Internal memory. */
static WCHAR *new_message_id(xplogon *x)
{
    const WCHAR *at = x->address ? wcschr(x->address, '@') : NULL;
    int64_t t = now_filetime();
    GUID g;
    CoCreateGuid(&g);
    return td_wsprintf(L"<%08lx%08lx.%08lx%04x%04x@%ls>", (unsigned long)(t >> 32), (unsigned long)t,
                       (unsigned long)g.Data1, (unsigned)g.Data2, (unsigned)g.Data3,
                       at && at[1] ? at + 1 : L"tandem.invalid");
}

/* Sender identity, provider submit time and the Message-ID, saved before anything is sent. */
static HRESULT stamp_message(xplogon *x, IMessage *msg)
{
    SizedSPropTagArray(2, tags) = { 2, { PR_INTERNET_MESSAGE_ID_W, PR_SENT_REPRESENTING_EMAIL_ADDRESS_W } };
    SPropValue *have = NULL, v[12];
    SPropProblemArray *problems = NULL;
    ENTRYID *eid = NULL;
    SBinary key = { 0, NULL };
    WCHAR *id = NULL;
    ULONG n = 0, i = 0, cb = 0;
    BOOL need_id, need_rep;
    int64_t now = now_filetime();
    HRESULT hr;

    if (FAILED(hr = msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &have))) return hr;
    need_id = have[0].ulPropTag != PR_INTERNET_MESSAGE_ID_W || !have[0].Value.lpszW[0];
    need_rep = have[1].ulPropTag != PR_SENT_REPRESENTING_EMAIL_ADDRESS_W;
    x->alloc.free_buffer(have);

    v[i].ulPropTag = PR_PROVIDER_SUBMIT_TIME;
    v[i].Value.ft.dwLowDateTime = (DWORD)now;
    v[i++].Value.ft.dwHighDateTime = (DWORD)(now >> 32);
    if (need_id)
    {
        if (!(id = new_message_id(x))) return MAPI_E_NOT_ENOUGH_MEMORY;
        v[i].ulPropTag = PR_INTERNET_MESSAGE_ID_W;
        v[i++].Value.lpszW = id;
    }
    if (x->address && SUCCEEDED(td_oneoff_make(mc_heap_alloc(), NULL, x->display_name, L"SMTP", x->address, &cb, &eid))
        && SUCCEEDED(td_search_key_make(mc_heap_alloc(), eid, L"SMTP", x->address, &key)))
    {
        ULONG base = i, k;
        v[i].ulPropTag = PR_SENDER_NAME_W;
        v[i++].Value.lpszW = x->display_name ? x->display_name : x->address;
        v[i].ulPropTag = PR_SENDER_EMAIL_ADDRESS_W;
        v[i++].Value.lpszW = x->address;
        v[i].ulPropTag = PR_SENDER_ADDRTYPE_W;
        v[i++].Value.lpszW = (WCHAR *)L"SMTP";
        v[i].ulPropTag = PR_SENDER_ENTRYID;
        v[i].Value.bin.cb = cb;
        v[i++].Value.bin.lpb = (BYTE *)eid;
        v[i].ulPropTag = PR_SENDER_SEARCH_KEY;
        v[i++].Value.bin = key;
        if (need_rep)
        {
            static const ULONG rep[5] = { PR_SENT_REPRESENTING_NAME_W, PR_SENT_REPRESENTING_EMAIL_ADDRESS_W,
                                          PR_SENT_REPRESENTING_ADDRTYPE_W, PR_SENT_REPRESENTING_ENTRYID,
                                          PR_SENT_REPRESENTING_SEARCH_KEY };
            for (k = 0; k < 5; k++)
            {
                v[i] = v[base + k];
                v[i++].ulPropTag = rep[k];
            }
        }
    }
    hr = msg->lpVtbl->SetProps(msg, i, v, &problems);
    if (problems) x->alloc.free_buffer(problems);
    /* the Message-ID must outlive a crash before the files are written: save it now */
    if (SUCCEEDED(hr) && need_id) hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE);
    if (eid) mc_heap_alloc()->free_buffer(eid);
    mc_free(id);
    return hr;
}

static BOOL is_table_column(ULONG tag)
{
    switch (PROP_ID(tag))
    {
    case PROP_ID(PR_INSTANCE_KEY): case PROP_ID(PR_ROW_TYPE): case PROP_ID(PR_DEPTH):
    case PROP_ID(PR_INSTANCE_NUM):
        return TRUE;
    }
    return PROP_TYPE(tag) == PT_ERROR;
}

/* A row block for an ADRLIST: the row's values (without table-only columns) plus `extra`
 * (which replace values with the same ID). */
static HRESULT make_row(xplogon *x, const recip *r, ULONG n_extra, const SPropValue *extra, SPropValue **out, ULONG *count)
{
    SPropValue *tmp = mc_calloc(r->n + n_extra, sizeof(SPropValue));
    ULONG n = 0, i, j;
    HRESULT hr;

    if (!tmp) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < r->n; i++)
    {
        if (is_table_column(r->props[i].ulPropTag)) continue;
        for (j = 0; j < n_extra && PROP_ID(extra[j].ulPropTag) != PROP_ID(r->props[i].ulPropTag); j++) ;
        if (j == n_extra) tmp[n++] = r->props[i];
    }
    for (j = 0; j < n_extra; j++) tmp[n++] = extra[j];
    hr = mc_props_dup(&x->alloc, n, tmp, out);
    mc_free(tmp);
    if (SUCCEEDED(hr)) *count = n;
    return hr;
}

static void free_adrlist(xplogon *x, ADRLIST *l)
{
    ULONG i;
    if (!l) return;
    for (i = 0; i < l->cEntries; i++)
        if (l->aEntries[i].rgPropVals) x->alloc.free_buffer(l->aEntries[i].rgPropVals);
    x->alloc.free_buffer(l);
}

/* One StatusRecips call for the message (imapisupport-statusrecips.md): the failed recipients
 * (NDR) and, when a delivery report was asked for, the delivered ones. */
static HRESULT report(xplogon *x, IMessage *msg, recip *r, ULONG n, BOOL delivery_report)
{
    ADRLIST *list = NULL;
    ULONG count = 0, i;
    int64_t now = now_filetime();
    HRESULT hr;

    for (i = 0; i < n; i++)
        if (r[i].outcome == OUT_NDR || (delivery_report && r[i].outcome == OUT_SENT)) count++;
    if (!count) return S_OK;
    if (FAILED(hr = x->alloc.allocate_buffer(CbNewADRLIST(count), (void **)&list))) return hr;
    memset(list, 0, CbNewADRLIST(count));
    for (i = 0; i < n && SUCCEEDED(hr); i++)
    {
        SPropValue extra[6];
        ULONG k = 0;
        WCHAR *text = NULL;
        ADRENTRY *e;

        if (!(r[i].outcome == OUT_NDR || (delivery_report && r[i].outcome == OUT_SENT))) continue;
        e = &list->aEntries[list->cEntries];
        extra[k].ulPropTag = PR_REPORT_TIME;
        extra[k].Value.ft.dwLowDateTime = (DWORD)now;
        extra[k++].Value.ft.dwHighDateTime = (DWORD)(now >> 32);
        extra[k].ulPropTag = PR_RESPONSIBILITY;
        extra[k++].Value.b = TRUE;
        if (r[i].outcome == OUT_NDR)
        {
            const WCHAR *addr = row_wstr(&r[i], PR_EMAIL_ADDRESS_W);
            text = r[i].reply ? td_wsprintf(L"The mail server %hs refused %ls: %hs", x->net.smtp.host,
                                            addr ? addr : L"(no address)", r[i].reply)
                 : td_wsprintf(r[i].diag == MAPI_DIAG_MAIL_ADDRESS_INCORRECT
                ? L"%ls is not an address the Tandem drop directory can deliver to."
                : r[i].diag == MAPI_DIAG_MAIL_RECIPIENT_UNKNOWN
                ? L"No mailbox exists for %ls in the Tandem drop directory."
                : L"The message could not be converted for %ls.", addr ? addr : L"(no address)");
            extra[k].ulPropTag = PR_NDR_REASON_CODE;
            extra[k++].Value.l = r[i].reason;
            extra[k].ulPropTag = PR_NDR_DIAG_CODE;
            extra[k++].Value.l = r[i].diag;
            if (text)
            {
                extra[k].ulPropTag = PR_REPORT_TEXT_W;
                extra[k++].Value.lpszW = text;
            }
        }
        else
        {
            extra[k].ulPropTag = PR_DELIVER_TIME;
            extra[k++].Value.ft = extra[0].Value.ft;
        }
        hr = make_row(x, &r[i], k, extra, &e->rgPropVals, &e->cValues);
        mc_free(text);
        if (SUCCEEDED(hr)) list->cEntries++;
    }
    if (SUCCEEDED(hr)) hr = x->sup->lpVtbl->StatusRecips(x->sup, msg, list);
    /* MAPI frees the list only when the call succeeds */
    if (FAILED(hr)) free_adrlist(x, list);
    return hr;
}

/* PR_RESPONSIBILITY TRUE on every recipient this transport finished (sent or NDR'd). */
static HRESULT mark_responsible(xplogon *x, IMessage *msg, recip *r, ULONG n)
{
    ADRLIST *list = NULL;
    ULONG count = 0, i;
    SPropValue resp;
    HRESULT hr;

    for (i = 0; i < n; i++)
        if (r[i].outcome == OUT_SENT || r[i].outcome == OUT_NDR) count++;
    if (!count) return S_OK;
    if (FAILED(hr = x->alloc.allocate_buffer(CbNewADRLIST(count), (void **)&list))) return hr;
    memset(list, 0, CbNewADRLIST(count));
    resp.ulPropTag = PR_RESPONSIBILITY;
    resp.Value.b = TRUE;
    for (i = 0; i < n && SUCCEEDED(hr); i++)
    {
        ADRENTRY *e = &list->aEntries[list->cEntries];
        if (r[i].outcome != OUT_SENT && r[i].outcome != OUT_NDR) continue;
        if (SUCCEEDED(hr = make_row(x, &r[i], 1, &resp, &e->rgPropVals, &e->cValues))) list->cEntries++;
    }
    if (SUCCEEDED(hr)) hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_MODIFY, list);
    /* ModifyRecipients never frees the caller's list (it may replace row blocks) */
    free_adrlist(x, list);
    return hr;
}

/* RFC 3463 enhanced status -> PR_NDR_DIAG_CODE. */
static LONG diag_of(const td_smtp_rcpt *s)
{
    if (!strcmp(s->enhanced, "5.1.1") || !strcmp(s->enhanced, "5.1.0") || !strcmp(s->enhanced, "5.1.6"))
        return MAPI_DIAG_MAIL_RECIPIENT_UNKNOWN;
    if (!strncmp(s->enhanced, "5.1.", 4)) return MAPI_DIAG_MAIL_ADDRESS_INCORRECT;
    if (!strcmp(s->enhanced, "5.3.4") || !strcmp(s->enhanced, "5.2.3")) return MAPI_DIAG_LENGTH_CONSTRAINT_VIOLATD;
    if (!strcmp(s->enhanced, "5.2.2")) return MAPI_DIAG_MAIL_REFUSED;
    return MAPI_DIAG_NO_DIAGNOSTIC;
}

/* Back-off after a failed SMTP session: 2, 4, 8 ... seconds, at most 5 minutes. The spooler
 * keeps its own retry schedule on END_RESEND_LATER; this one keeps several queued messages from
 * each waiting a full timeout on a dead server. FlushQueues(FLUSH_UPLOAD) ends it. */
static void smtp_session_ended(xplogon *x, BOOL failed, WCHAR *why)
{
    EnterCriticalSection(&x->lock);
    if (failed)
    {
        ULONG secs = x->smtp_failures >= 8 ? 300 : 2u << x->smtp_failures;
        if (secs > 300) secs = 300;
        x->smtp_failures++;
        x->smtp_retry_at = GetTickCount64() + secs * 1000ull;
    }
    else
    {
        x->smtp_failures = 0;
        x->smtp_retry_at = 0;
    }
    LeaveCriticalSection(&x->lock);
    if (why) set_status_string(x, why);
    else if (!failed) set_status_string(x, td_wsprintf(L"SMTP %hs:%u", x->net.smtp.host, x->net.smtp.port));
    publish_status(x, STATUSROW_UPDATE);
}

/* One SMTP session for every recipient left to us (issue 7 point 1): 2xx sent, 5xx NDR with
 * the server's reply, 4xx and every session failure (cannot connect, TLS, password, lost
 * connection) leave PR_RESPONSIBILITY FALSE: END_RESEND_LATER. */
static HRESULT send_smtp(xplogon *x, recip *r, ULONG n, HRESULT write_hr, const char *bytes, size_t len, BOOL *retry)
{
    td_smtp_rcpt *sr = NULL;
    char *from = NULL, *helo = NULL;
    WCHAR *why = NULL;
    ULONG i, k = 0;
    HRESULT hr;

    if (!(sr = mc_calloc(n, sizeof(*sr)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < n; i++)
    {
        const WCHAR *addr = row_wstr(&r[i], PR_EMAIL_ADDRESS_W);
        char *a;
        if (r[i].outcome != OUT_OURS) continue;
        r[i].reason = MAPI_REASON_TRANSFER_IMPOSSIBLE;
        a = SUCCEEDED(write_hr) && addr ? td_utf8_from_wide(addr) : NULL;
        if (a && (!strchr(a, '@') || strpbrk(a, "<>\r\n \t"))) { mc_free(a); a = NULL; }
        if (!a)
        {
            r[i].outcome = OUT_NDR;
            r[i].diag = FAILED(write_hr) ? MAPI_DIAG_NO_DIAGNOSTIC : MAPI_DIAG_MAIL_ADDRESS_INCORRECT;
            continue;
        }
        sr[k++].address = a;
        r[i].outcome = OUT_RETRY;       /* until the server answers */
    }
    if (!k) { hr = S_OK; goto done; }
    from = x->address ? td_utf8_from_wide(x->address) : mc_strdup("");
    helo = from && strchr(from, '@') && strchr(from, '@')[1] ? mc_strdup(strchr(from, '@') + 1) : mc_strdup("localhost");
    if (!from || !helo) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }

    EnterCriticalSection(&x->io_lock);
    hr = td_smtp_send(&x->net, helo, from, sr, k, bytes, len, &why);
    LeaveCriticalSection(&x->io_lock);
    smtp_session_ended(x, FAILED(hr), why);
    why = NULL;
    for (i = 0, k = 0; i < n; i++)
    {
        td_smtp_rcpt *s;
        if (r[i].outcome != OUT_RETRY) continue;
        s = &sr[k++];
        if (FAILED(hr)) { *retry = TRUE; continue; }
        if (s->code / 100 == 2) r[i].outcome = OUT_SENT;
        else if (s->code / 100 == 5)
        {
            r[i].outcome = OUT_NDR;
            r[i].diag = diag_of(s);
            r[i].reply = s->reply;
            s->reply = NULL;
        }
        else *retry = TRUE;             /* 4xx: PR_RESPONSIBILITY stays FALSE */
    }
    hr = S_OK;

done:
    for (i = 0; i < n; i++)
    {
        mc_free((char *)sr[i].address);
        td_smtp_rcpt_clear(&sr[i]);
    }
    mc_free(sr);
    mc_free(from);
    mc_free(helo);
    mc_free(why);
    return hr;
}

static HRESULT send_message(xplogon *x, IMessage *msg, ULONG ref, BOOL *retry)
{
    SizedSPropTagArray(1, dr_tag) = { 1, { PR_ORIGINATOR_DELIVERY_REPORT_REQUESTED } };
    recip *r = NULL;
    ULONG n = 0, i, j, ours = 0;
    char *bytes = NULL;
    size_t len = 0;
    WCHAR **done_boxes = NULL;
    SPropValue *dr = NULL;
    BOOL delivery_report = FALSE;
    HRESULT hr, write_hr;

    *retry = FALSE;
    if (FAILED(hr = read_recipient_rows(x, msg, &r, &n))) return hr;
    for (i = 0; i < n; i++)
    {
        const SPropValue *resp = mc_props_find(r[i].n, r[i].props, PR_RESPONSIBILITY);
        const WCHAR *type = row_wstr(&r[i], PR_ADDRTYPE_W);
        /* only rows the spooler left to us (FALSE) with our address type (ixplogon-submitmessage.md) */
        if ((resp && PROP_TYPE(resp->ulPropTag) == PT_BOOLEAN && resp->Value.b) || !type || _wcsicmp(type, L"SMTP"))
            continue;
        r[i].outcome = OUT_OURS;
        ours++;
    }
    if (!ours) { hr = MAPI_E_NOT_ME; goto done; }
    if (check_cancel(x, ref)) { hr = MAPI_E_USER_CANCEL; goto done; }

    if (FAILED(hr = stamp_message(x, msg))) goto done;
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (SPropTagArray *)&dr_tag, 0, &j, &dr)) && dr)
    {
        delivery_report = dr[0].ulPropTag == PR_ORIGINATOR_DELIVERY_REPORT_REQUESTED && dr[0].Value.b;
        x->alloc.free_buffer(dr);
    }
    write_hr = td_mapimime_write(&x->alloc, msg, &bytes, &len, NULL);
    if (write_hr == MAPI_E_NOT_ENOUGH_MEMORY) { hr = write_hr; goto done; }
    if (x->net.smtp.host)
    {
        if (FAILED(hr = send_smtp(x, r, n, write_hr, bytes, len, retry))) goto done;
        goto finish;
    }
    if (!(done_boxes = mc_calloc(n, sizeof(*done_boxes)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }

    for (i = 0; i < n; i++)
    {
        const WCHAR *addr = row_wstr(&r[i], PR_EMAIL_ADDRESS_W);
        WCHAR *box = NULL;
        HRESULT post;

        if (r[i].outcome != OUT_OURS) continue;
        if (check_cancel(x, ref)) { hr = MAPI_E_USER_CANCEL; goto done; }
        r[i].reason = MAPI_REASON_TRANSFER_IMPOSSIBLE;
        if (FAILED(write_hr))
        {
            r[i].outcome = OUT_NDR;
            r[i].diag = MAPI_DIAG_NO_DIAGNOSTIC;
            continue;
        }
        if (!addr || FAILED(td_drop_normalize(addr, &box)))
        {
            r[i].outcome = OUT_NDR;
            r[i].diag = MAPI_DIAG_MAIL_ADDRESS_INCORRECT;
            continue;
        }
        /* one file per mailbox, however often the address is listed */
        for (j = 0; j < i && !(done_boxes[j] && !wcscmp(done_boxes[j], box)); j++) ;
        if (j < i)
        {
            r[i].outcome = r[j].outcome;
            r[i].diag = r[j].diag;
            mc_free(box);
            continue;
        }
        EnterCriticalSection(&x->io_lock);
        post = x->drop ? td_drop_post(x->drop, addr, bytes, len) : MAPI_E_NETWORK_ERROR;
        LeaveCriticalSection(&x->io_lock);
        if (post == S_OK) r[i].outcome = OUT_SENT;
        else if (post == MAPI_E_NOT_FOUND || post == MAPI_E_INVALID_PARAMETER)
        {
            r[i].outcome = OUT_NDR;
            r[i].diag = post == MAPI_E_NOT_FOUND ? MAPI_DIAG_MAIL_RECIPIENT_UNKNOWN : MAPI_DIAG_MAIL_ADDRESS_INCORRECT;
        }
        else
        {
            r[i].outcome = OUT_RETRY;   /* I/O trouble: PR_RESPONSIBILITY stays FALSE */
            *retry = TRUE;
        }
        done_boxes[i] = box;
    }

finish:
    report(x, msg, r, n, delivery_report);
    hr = mark_responsible(x, msg, r, n);

done:
    if (done_boxes)
        for (i = 0; i < n; i++) mc_free(done_boxes[i]);
    mc_free(done_boxes);
    free(bytes);
    for (i = 0; i < n; i++)
    {
        x->alloc.free_buffer(r[i].props);
        mc_free(r[i].reply);
    }
    mc_free(r);
    return hr;
}

static ULONG new_ref(xplogon *x)
{
    ULONG ref;
    EnterCriticalSection(&x->lock);
    ref = x->next_ref++;
    if (!x->next_ref || x->next_ref == 1) x->next_ref = 2;     /* 0 and 1 are the spooler's presets */
    if (ref < 2) ref = x->next_ref++;
    LeaveCriticalSection(&x->lock);
    return ref;
}

static HRESULT STDMETHODCALLTYPE xplogon_SubmitMessage(IXPLogon *iface, ULONG ulFlags, LPMESSAGE lpMessage,
        ULONG *lpulMsgRef, ULONG *lpulReturnParm)
{
    xplogon *x = impl_from_IXPLogon(iface);
    BOOL retry = FALSE;
    HRESULT hr;

    MC_TRACE("transport", "%p flags %#lx msg %p", iface, (unsigned long)ulFlags, lpMessage);
    if (!lpMessage || !lpulMsgRef || !lpulReturnParm) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~BEGIN_DEFERRED) return MAPI_E_UNKNOWN_FLAGS;
    /* the reference first: a cancel may come at any time (ixplogon-submitmessage.md) */
    *lpulMsgRef = new_ref(x);
    if (x->logged_off) return MAPI_E_CALL_FAILED;
    if (!x->drop)
    {
        *lpulReturnParm = 60;       /* seconds until the spooler tries again */
        return MAPI_E_NETWORK_ERROR;
    }
    if (x->net.smtp.host)
    {
        ULONGLONG now = GetTickCount64(), at;
        EnterCriticalSection(&x->lock);
        at = x->smtp_retry_at;
        LeaveCriticalSection(&x->lock);
        if (now < at)
        {
            /* backing off a failing server: nothing done, the spooler comes back then */
            *lpulReturnParm = (ULONG)((at - now + 999) / 1000);
            return MAPI_E_WAIT;
        }
    }
    update_status(x, STATUS_OUTBOUND_ACTIVE, 0);
    hr = send_message(x, lpMessage, *lpulMsgRef, &retry);
    update_status(x, 0, STATUS_OUTBOUND_ACTIVE);
    EnterCriticalSection(&x->lock);
    if (SUCCEEDED(hr) && retry) x->resend_later_ref = *lpulMsgRef;
    if (x->cancel_ref == *lpulMsgRef) x->cancel_ref = 0;
    LeaveCriticalSection(&x->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE xplogon_EndMessage(IXPLogon *iface, ULONG ulMsgRef, ULONG *lpulFlags)
{
    xplogon *x = impl_from_IXPLogon(iface);

    MC_TRACE("transport", "%p ref %lu", iface, (unsigned long)ulMsgRef);
    if (!lpulFlags) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&x->lock);
    /* 0: sent (every recipient finished); END_RESEND_LATER: some mailboxes could not be
     * written now and keep PR_RESPONSIBILITY FALSE */
    *lpulFlags = x->resend_later_ref == ulMsgRef ? END_RESEND_LATER : 0;
    if (x->resend_later_ref == ulMsgRef) x->resend_later_ref = 0;
    LeaveCriticalSection(&x->lock);
    return S_OK;
}

/* ---- the tightly coupled path (coupling.h) ------------------------------------------------ */

/* The store sends through us on the client's thread only when that costs no network time:
 * with an SMTP host configured, every message goes through the spooler (its thread, its retry
 * schedule); over the drop directory a send is a few local file writes. */
static BOOL coupled_handles(void *ctx, const WCHAR *addrtype)
{
    xplogon *x = ctx;
    return addrtype && !_wcsicmp(addrtype, L"SMTP") && !x->net.smtp.host && x->drop && !x->logged_off;
}

static HRESULT coupled_send(void *ctx, IMessage *msg, BOOL *retry)
{
    xplogon *x = ctx;
    HRESULT hr;

    *retry = FALSE;
    if (x->logged_off || !x->drop) return MAPI_E_NETWORK_ERROR;    /* the spooler takes it */
    update_status(x, STATUS_OUTBOUND_ACTIVE, 0);
    hr = send_message(x, msg, new_ref(x), retry);
    update_status(x, 0, STATUS_OUTBOUND_ACTIVE);
    MC_TRACE("transport", "%p coupled send: %#lx retry %d", x, (unsigned long)hr, *retry);
    return hr;
}

static void coupled_addref(void *ctx) { xplogon_AddRef(&((xplogon *)ctx)->IXPLogon_iface); }
static void coupled_release(void *ctx) { xplogon_Release(&((xplogon *)ctx)->IXPLogon_iface); }

/* After a successful TransportLogon: the store of our own service may send through us. */
static void couple(xplogon *x)
{
    td_coupled_transport xp;

    if (!x->store_path || !x->drop) return;
    xp.ctx = x;
    xp.handles = coupled_handles;
    xp.send = coupled_send;
    xp.addref = coupled_addref;
    xp.release = coupled_release;
    if (FAILED(td_coupling_register(&x->store_guid, &xp, &x->coupling))) x->coupling = 0;
}

/* ---- inbound ----------------------------------------------------------------------------- */

/* The inbound sink: a fetched message goes into our own mailbox (inbound.h). The server's
 * \Seen travels with it as a first header field, TD_SEEN_FIELD, that stamp_delivery turns
 * into MSGFLAG_READ (a message already read elsewhere arrives read). */
#define TD_SEEN_FIELD "X-Tandem-Seen: yes\r\n"

static HRESULT keep_fetched(void *ctx, const char *data, size_t len, BOOL seen)
{
    xplogon *x = ctx;
    size_t k = sizeof(TD_SEEN_FIELD) - 1;
    char *marked;
    HRESULT hr;

    if (!seen) return td_drop_post(x->drop, x->address, data, len);
    if (!(marked = mc_malloc(len + k))) return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(marked, TD_SEEN_FIELD, k);
    memcpy(marked + k, data, len);
    hr = td_drop_post(x->drop, x->address, marked, len + k);
    mc_free(marked);
    return hr;
}

/* The store's side of the IMAP read-state sync (inbound.h): the delivered message is found by
 * its Message-ID (the store's index, td_xp_delivered_object) and then read and marked only
 * through public MAPI - IMAPISupport::OpenEntry with its entry ID, PR_MESSAGE_FLAGS,
 * IMessage::SetReadFlag - so the store's own rules, tables and notifications apply. */
static HRESULT open_delivered(xplogon *x, const char *message_id, ULONG flags, IMessage **msg)
{
    ULONGLONG id = 0;
    ENTRYID *eid = NULL;
    ULONG cb = 0, type = 0;
    HRESULT hr;

    *msg = NULL;
    if (FAILED(hr = td_xp_delivered_object(x->store_path, message_id, &id)) || !id) return S_FALSE;
    if (FAILED(hr = td_eid_encode_object(TD_EID_MESSAGE, &x->store_guid, id, &cb, &eid))) return hr;
    hr = x->sup->lpVtbl->OpenEntry(x->sup, cb, eid, &IID_IMessage, flags, &type, (IUnknown **)msg);
    mc_free(eid);
    if (SUCCEEDED(hr) && type != MAPI_MESSAGE)
    {
        (*msg)->lpVtbl->Release(*msg);
        *msg = NULL;
        return S_FALSE;
    }
    return FAILED(hr) ? S_FALSE : S_OK;     /* gone meanwhile: not in the store */
}

static HRESULT local_get_read(void *ctx, const char *message_id, BOOL *read)
{
    SizedSPropTagArray(1, tags) = { 1, { PR_MESSAGE_FLAGS } };
    xplogon *x = ctx;
    IMessage *msg;
    SPropValue *v = NULL;
    ULONG n = 0;
    HRESULT hr;

    if ((hr = open_delivered(x, message_id, 0, &msg)) != S_OK) return hr;
    hr = msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, 0, &n, &v);
    if (hr == S_OK && n == 1 && v[0].ulPropTag == PR_MESSAGE_FLAGS) *read = (v[0].Value.l & MSGFLAG_READ) != 0;
    else hr = S_FALSE;
    if (v) x->alloc.free_buffer(v);
    msg->lpVtbl->Release(msg);
    return hr;
}

static HRESULT local_set_read(void *ctx, const char *message_id, BOOL read)
{
    xplogon *x = ctx;
    IMessage *msg;
    HRESULT hr;

    if ((hr = open_delivered(x, message_id, MAPI_MODIFY, &msg)) != S_OK) return FAILED(hr) ? hr : MAPI_E_NOT_FOUND;
    /* read elsewhere: no read receipt from here (imessage-setreadflag.md) */
    hr = msg->lpVtbl->SetReadFlag(msg, read ? SUPPRESS_RECEIPT : CLEAR_READ_FLAG);
    msg->lpVtbl->Release(msg);
    MC_TRACE("transport", "%p %s marked %s by the server: %#lx", x, message_id, read ? "read" : "unread", (unsigned long)hr);
    return hr;
}

/* IMAP IDLE (inbound.h): new mail on the server makes an inbound session due at once and
 * tells the spooler, which then polls. Runs on the IDLE thread; takes only `lock`. */
static void idle_new_mail(void *ctx)
{
    xplogon *x = ctx;
    BOOL live;

    EnterCriticalSection(&x->lock);
    live = !x->logged_off;
    if (live) x->next_fetch = 0;
    LeaveCriticalSection(&x->lock);
    MC_TRACE("transport", "%p IDLE: new mail", x);
    if (live) x->sup->lpVtbl->SpoolerNotify(x->sup, NOTIFY_NEWMAIL, NULL);
}

static void idle_thread_done(void *ctx) { xplogon_Release(&((xplogon *)ctx)->IXPLogon_iface); }

/* After a successful TransportLogon with IMAP receiving: the IDLE thread (it holds a reference
 * on the logon until it ends). */
static void start_idle(xplogon *x)
{
    td_idle_client cb;

    if (x->net.in_protocol != TD_IN_IMAP || !x->uidrec) return;
    cb.ctx = x;
    cb.on_new = idle_new_mail;
    cb.release = idle_thread_done;
    xplogon_AddRef(&x->IXPLogon_iface);
    if (FAILED(td_inbound_idle_start(&x->net, &cb, &x->idle)))
    {
        x->idle = NULL;
        xplogon_Release(&x->IXPLogon_iface);
    }
}

/* One inbound session when one is due (force: now), under io_lock. Network time is bounded by
 * the configured timeout per step; at most TD_XP_FETCH_MAX messages per session. */
static void fetch_inbound(xplogon *x, BOOL force)
{
    td_inbound_local local;
    ULONGLONG now = GetTickCount64();
    ULONG fetched = 0;
    WCHAR *why = NULL;
    BOOL due;
    HRESULT hr;

    if (!x->uidrec || !x->drop) return;
    EnterCriticalSection(&x->lock);
    due = force || now >= x->next_fetch;
    if (due) x->next_fetch = now + TD_XP_FETCH_INTERVAL_S * 1000ull;
    LeaveCriticalSection(&x->lock);
    if (!due) return;
    local.ctx = x;
    local.get_read = local_get_read;
    local.set_read = local_set_read;
    hr = td_inbound_fetch(&x->net, x->uidrec, keep_fetched, x, x->store_path && td_xp_delivered_object ? &local : NULL,
                          TD_XP_FETCH_MAX, &fetched, &why);
    MC_TRACE("transport", "%p fetched %lu: %#lx", x, (unsigned long)fetched, (unsigned long)hr);
    if (FAILED(hr))
    {
        /* a failed session is tried again at the next interval; what was fetched is kept */
        set_status_string(x, why ? why : td_wsprintf(L"Receiving failed (%#lx)", (unsigned long)hr));
        publish_status(x, STATUSROW_UPDATE);
        return;
    }
    mc_free(why);
}

static HRESULT STDMETHODCALLTYPE xplogon_Poll(IXPLogon *iface, ULONG *lpulIncoming)
{
    xplogon *x = impl_from_IXPLogon(iface);
    BOOL enabled;

    if (!lpulIncoming) return MAPI_E_INVALID_PARAMETER;
    *lpulIncoming = 0;
    EnterCriticalSection(&x->lock);
    enabled = (x->status & STATUS_INBOUND_ENABLED) && !x->logged_off;
    LeaveCriticalSection(&x->lock);
    if (!enabled) return S_OK;
    EnterCriticalSection(&x->io_lock);
    fetch_inbound(x, FALSE);
    if (x->drop) *lpulIncoming = td_drop_pending(x->drop);
    LeaveCriticalSection(&x->io_lock);
    MC_TRACE("transport", "%p incoming %lu", iface, (unsigned long)*lpulIncoming);
    return S_OK;
}

/* Identity of a delivered message (issue 6 point 6): delivery time, the receiving mailbox,
 * flags (MSGFLAG_UNSENT clear; MSGFLAG_FROMME when we sent it ourselves). */
static HRESULT stamp_delivery(xplogon *x, IMessage *msg, const mime_message *m, int64_t now)
{
    SPropValue v[12];
    SPropProblemArray *problems = NULL;
    ENTRYID *eid = NULL;
    SBinary key = { 0, NULL };
    ULONG i = 0, cb = 0, flags = MSGFLAG_ORIGIN_INTERNET;
    HRESULT hr;

    v[i].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
    v[i].Value.ft.dwLowDateTime = (DWORD)now;
    v[i++].Value.ft.dwHighDateTime = (DWORD)(now >> 32);
    if (x->address && m->from.address)
    {
        WCHAR *from = td_wide_from_utf8(m->from.address, strlen(m->from.address));
        if (from && !_wcsicmp(from, x->address)) flags |= MSGFLAG_FROMME;
        mc_free(from);
    }
    /* fetched from a server that had it \Seen (keep_fetched) */
    if (m->headers && m->headers_len >= sizeof(TD_SEEN_FIELD) - 1
        && !memcmp(m->headers, TD_SEEN_FIELD, sizeof(TD_SEEN_FIELD) - 1))
        flags |= MSGFLAG_READ;
    v[i].ulPropTag = PR_MESSAGE_FLAGS;
    v[i++].Value.l = flags;
    if (x->address && SUCCEEDED(td_oneoff_make(mc_heap_alloc(), NULL, x->display_name, L"SMTP", x->address, &cb, &eid))
        && SUCCEEDED(td_search_key_make(mc_heap_alloc(), eid, L"SMTP", x->address, &key)))
    {
        static const ULONG rcvd[2][5] = {
            { PR_RECEIVED_BY_NAME_W, PR_RECEIVED_BY_EMAIL_ADDRESS_W, PR_RECEIVED_BY_ADDRTYPE_W,
              PR_RECEIVED_BY_ENTRYID, PR_RECEIVED_BY_SEARCH_KEY },
            { PR_RCVD_REPRESENTING_NAME_W, PR_RCVD_REPRESENTING_EMAIL_ADDRESS_W, PR_RCVD_REPRESENTING_ADDRTYPE_W,
              PR_RCVD_REPRESENTING_ENTRYID, PR_RCVD_REPRESENTING_SEARCH_KEY } };
        ULONG k;
        for (k = 0; k < 2; k++)
        {
            v[i].ulPropTag = rcvd[k][0];
            v[i++].Value.lpszW = x->display_name ? x->display_name : x->address;
            v[i].ulPropTag = rcvd[k][1];
            v[i++].Value.lpszW = x->address;
            v[i].ulPropTag = rcvd[k][2];
            v[i++].Value.lpszW = (WCHAR *)L"SMTP";
            v[i].ulPropTag = rcvd[k][3];
            v[i].Value.bin.cb = cb;
            v[i++].Value.bin.lpb = (BYTE *)eid;
            v[i].ulPropTag = rcvd[k][4];
            v[i++].Value.bin = key;
        }
    }
    hr = msg->lpVtbl->SetProps(msg, i, v, &problems);
    if (problems) x->alloc.free_buffer(problems);
    if (eid) mc_heap_alloc()->free_buffer(eid);
    return hr;
}

/* A file that does not parse (past the codec's limits) is set aside as <name>.bad so it does
 * not block the mailbox; nothing is delivered for it. */
static void set_aside(td_drop_item *item)
{
    WCHAR *bad = td_wsprintf(L"%ls.bad", item->path);
    if (bad) MoveFileExW(item->path, bad, MOVEFILE_REPLACE_EXISTING);
    mc_free(bad);
}

static HRESULT STDMETHODCALLTYPE xplogon_StartMessage(IXPLogon *iface, ULONG ulFlags, LPMESSAGE lpMessage,
        ULONG *lpulMsgRef)
{
    xplogon *x = impl_from_IXPLogon(iface);
    td_drop_item item;
    mime_message *m = NULL;
    BOOL flushing;
    HRESULT hr = S_OK;

    MC_TRACE("transport", "%p msg %p", iface, lpMessage);
    if (!lpMessage || !lpulMsgRef) return MAPI_E_INVALID_PARAMETER;
    *lpulMsgRef = new_ref(x);
    if (x->logged_off) return MAPI_E_CALL_FAILED;
    memset(&item, 0, sizeof(item));

    update_status(x, STATUS_INBOUND_ACTIVE, 0);
    EnterCriticalSection(&x->io_lock);
    for (;;)
    {
        mime_parse_options opt;
        int st;

        hr = x->drop ? td_drop_next(x->drop, &item) : MAPI_E_NOT_FOUND;
        if (hr == MAPI_E_NOT_FOUND) { hr = S_OK; break; }    /* nothing pending: no SaveChanges */
        if (FAILED(hr)) break;
        memset(&opt, 0, sizeof(opt));
        opt.charset = mime_default_charset();
        if ((st = mime_parse(item.data, item.len, &opt, &m)) != MIME_OK)
        {
            if (st == MIME_E_NOMEM) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            set_aside(&item);
            td_drop_item_clear(&item);
            continue;
        }
        hr = td_drop_begin(x->drop, &item, m->message_id);
        if (hr == S_FALSE)
        {
            /* already delivered (a resend after a crash): dropped */
            mime_message_free(m);
            m = NULL;
            td_drop_item_clear(&item);
            continue;
        }
        if (FAILED(hr)) break;
        if (check_cancel(x, *lpulMsgRef)) { hr = MAPI_E_USER_CANCEL; break; }
        {
            int64_t now = now_filetime();
            /* the spooler's new message: never PR_ENTRYID (ixplogon-startmessage.md) */
            if (SUCCEEDED(hr = td_mapimime_to_message(&x->alloc, m, now, lpMessage))
                && SUCCEEDED(hr = stamp_delivery(x, lpMessage, m, now))
                && SUCCEEDED(hr = lpMessage->lpVtbl->SaveChanges(lpMessage, 0)))
                hr = td_drop_commit(x->drop, &item);
        }
        break;
    }
    LeaveCriticalSection(&x->io_lock);
    td_drop_item_clear(&item);
    mime_message_free(m);

    /* during an inbound flush, an empty mailbox ends it (clearing the bit stops the cycle) */
    EnterCriticalSection(&x->lock);
    flushing = (x->status & STATUS_INBOUND_FLUSH) != 0;
    LeaveCriticalSection(&x->lock);
    update_status(x, 0, STATUS_INBOUND_ACTIVE | (flushing && x->drop && !td_drop_pending(x->drop) ? STATUS_INBOUND_FLUSH : 0));
    EnterCriticalSection(&x->lock);
    if (x->cancel_ref == *lpulMsgRef) x->cancel_ref = 0;
    LeaveCriticalSection(&x->lock);
    return hr;
}

/* ---- status ------------------------------------------------------------------------------ */

static HRESULT STDMETHODCALLTYPE xplogon_OpenStatusEntry(IXPLogon *iface, LPCIID lpInterface, ULONG ulFlags,
        ULONG *lpulObjType, LPMAPISTATUS *lppEntry)
{
    xplogon *x = impl_from_IXPLogon(iface);
    HRESULT hr;

    MC_TRACE("transport", "%p", iface);
    if (!lpulObjType || !lppEntry) return MAPI_E_INVALID_PARAMETER;
    *lppEntry = NULL;
    if (lpInterface && !IsEqualGUID(lpInterface, &IID_IMAPIStatus) && !IsEqualGUID(lpInterface, &IID_IMAPIProp)
        && !IsEqualGUID(lpInterface, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    /* MAPI_MODIFY is accepted: the object is read-only (ixplogon-openstatusentry.md) */
    if (SUCCEEDED(hr = td_xpstatus_create(iface, &x->alloc, lppEntry))) *lpulObjType = MAPI_STATUS;
    return hr;
}

HRESULT td_xplogon_validate_state(xplogon *x, ULONG flags)
{
    if (x->logged_off) return MAPI_E_CALL_FAILED;
    /* The channel is a folder: nothing to reconnect. Republish the row as it is. */
    return publish_status(x, STATUSROW_UPDATE);
}

HRESULT td_xplogon_flush(xplogon *x, ULONG flags, BOOL wait)
{
    ULONG set = 0;
    BOOL pending = FALSE;
    HRESULT hr;

    if (x->logged_off) return MAPI_E_CALL_FAILED;
    if (flags & FLUSH_UPLOAD)
    {
        set |= STATUS_OUTBOUND_FLUSH;
        EnterCriticalSection(&x->lock);
        x->smtp_retry_at = 0;       /* "send now" ends a back-off */
        LeaveCriticalSection(&x->lock);
    }
    if (flags & FLUSH_DOWNLOAD)
    {
        EnterCriticalSection(&x->io_lock);
        fetch_inbound(x, TRUE);
        pending = x->drop && td_drop_pending(x->drop);
        LeaveCriticalSection(&x->io_lock);
        if (pending) set |= STATUS_INBOUND_FLUSH;
    }
    if (!set) return S_OK;
    if (FAILED(hr = update_status(x, set, 0))) return hr;
    if (!wait) return S_OK;
    /* a client asked through the status object: tell the spooler, wait for the flush to end */
    if (pending) x->sup->lpVtbl->SpoolerNotify(x->sup, NOTIFY_NEWMAIL, NULL);
    if (WaitForSingleObject(x->flush_done, TD_XP_FLUSH_WAIT_MS) != WAIT_OBJECT_0)
        MC_TRACE("transport", "%p flush not ended by the spooler in time", x);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE xplogon_ValidateState(IXPLogon *iface, ULONG ulUIParam, ULONG ulFlags)
{
    MC_TRACE("transport", "%p %#lx", iface, (unsigned long)ulFlags);
    return td_xplogon_validate_state(impl_from_IXPLogon(iface), ulFlags);
}

static HRESULT STDMETHODCALLTYPE xplogon_FlushQueues(IXPLogon *iface, ULONG ulUIParam, ULONG cbTargetTransport,
        LPENTRYID lpTargetTransport, ULONG ulFlags)
{
    MC_TRACE("transport", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(FLUSH_UPLOAD | FLUSH_DOWNLOAD | FLUSH_FORCE | FLUSH_NO_UI | FLUSH_ASYNC_OK))
        return MAPI_E_UNKNOWN_FLAGS;
    /* the spooler's call: set the bits and return; the spooler then drives the queues
     * (implementing-the-flushqueues-method.md) */
    return td_xplogon_flush(impl_from_IXPLogon(iface), ulFlags, FALSE);
}

static const IXPLogonVtbl xplogon_vtbl =
{
    xplogon_QueryInterface,
    xplogon_AddRef,
    xplogon_Release,
    xplogon_AddressTypes,
    xplogon_RegisterOptions,
    xplogon_TransportNotify,
    xplogon_Idle,
    xplogon_TransportLogoff,
    xplogon_SubmitMessage,
    xplogon_EndMessage,
    xplogon_Poll,
    xplogon_StartMessage,
    xplogon_OpenStatusEntry,
    xplogon_ValidateState,
    xplogon_FlushQueues,
};

_Static_assert(sizeof(IXPLogonVtbl) == 15 * sizeof(void *), "IXPLogon has 15 slots (spi-digest §0.4)");
