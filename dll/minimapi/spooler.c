/*
 * spooler.c - the MAPI spooler of one session (mapi-spooler.md, sending-messages-mapi-spooler-tasks.md,
 * transport-provider-and-mapi-spooler-operational-model.md, message-submission-model.md,
 * message-reception-model.md, ixplogon-*.md, imsgstore-getoutgoingqueue.md,
 * imsgstore-setlockstate.md, imsgstore-finishedmsg.md; spi-digest §2, §3).
 *
 * Design. Every session not opened with MAPI_NO_MAIL owns one spooler, and the spooler owns one
 * thread. The thread sleeps on an event and wakes for: SpoolerNotify (READYTOSEND, NEWMAIL,
 * SENTDEFERRED), an fnevTableModified on the outgoing queue table, FlushQueues, the next retry
 * due time, the poll interval of transports that asked for LOGON_SP_POLL, or logoff. Client
 * threads never wait for the spooler except in FlushQueues without FLUSH_ASYNC_OK, which is
 * documented to return when done. One pass is:
 *   outbound  GetOutgoingQueue, sorted by PR_CLIENT_SUBMIT_TIME; each message not waiting for a
 *             retry is opened, locked (SetLockState), preprocessed when SUBMITFLAG_PREPROCESS
 *             (registered preprocessors, then IMessage::SubmitMessage), dispatched to the
 *             transports (below), its leftover recipients get an NDR (StatusRecips), and it is
 *             finished with IMsgStore::FinishedMsg (which hands it to DoSentMail, DECISIONS 3).
 *   inbound   for each transport with inbound enabled: Poll (LOGON_SP_POLL) or a pending
 *             NOTIFY_NEWMAIL or a download flush -> a new message in the default store's
 *             receive folder -> IXPLogon::StartMessage; if it was saved, NotifyNewMail.
 * Dispatch (ixplogon-addresstypes.md): each recipient whose PR_RESPONSIBILITY is FALSE has a
 * list of candidate transports - first those whose MAPIUIDs match its entry ID, then those whose
 * address types match its PR_ADDRTYPE, each in profile order. A transport gets the recipients
 * for which it is the first untried candidate, with PR_RESPONSIBILITY FALSE on exactly those rows
 * and TRUE on all others; the rows it turns TRUE are done. Leftovers try the next candidate.
 * A slow transport: a transport that cannot send now says so (MAPI_E_BUSY, MAPI_E_WAIT,
 * MAPI_E_NETWORK_ERROR, END_RESEND_LATER, END_DONT_RESEND); the spooler then unlocks that message
 * and goes on with the later ones (imsgstore-setlockstate.md allows locking a later message
 * while the oldest waits), so one stalled transport does not hold the others' mail. A transport
 * that blocks inside a call does hold this session's spooler thread (as MAPI's own single-threaded
 * spooler would); it never holds a client thread or another session.
 * Retry schedule (END_RESEND_LATER, MAPI_E_BUSY, failures): 30 s, 1 min, 2 min, 4 min ... doubling
 * up to 30 min per message; MAPI_E_WAIT / MAPI_E_NETWORK_ERROR use the transport's own delay
 * (*lpulReturnParm seconds) when it gives one. FlushQueues(FLUSH_UPLOAD) makes every retry due
 * now. END_RESEND_NOW re-presents at once (three times, then it counts as RESEND_LATER).
 * END_DONT_RESEND: the message waits until the transport calls SpoolerNotify(NOTIFY_SENTDEFERRED)
 * with its entry ID; it is then re-presented with BEGIN_DEFERRED.
 */
#include "minimapi_private.h"

#define RETRY_FIRST_MS      30000
#define RETRY_MAX_MS        (30 * 60 * 1000)
#define POLL_INTERVAL_MS    2000
#define MAX_INBOUND_PER_PASS 256
#define MAX_RESEND_NOW      3

typedef struct transport
{
    IXPLogon *xpl;
    mm_support *sup;            /* may be NULL (tests) */
    MAPIUID section;
    ULONG logon_flags;          /* what TransportLogon returned (LOGON_SP_POLL, LOGON_SP_IDLE) */
    ULONG n_types;
    WCHAR **types;              /* copies; NULL with all_types */
    BOOL all_types;             /* NULL address type array: everything */
    ULONG n_uids;
    MAPIUID *uids;
    BOOL inbound, outbound;     /* enabled by TransportNotify(BEGIN_*) */
    BOOL newmail;               /* SpoolerNotify(NOTIFY_NEWMAIL) pending */
    BOOL critsec;               /* NOTIFY_CRITSEC: no Poll / Idle */
    BOOL failed;                /* NOTIFY_CRITICAL_ERROR: only released from now on */
    BOOL config_changed;        /* NOTIFY_CONFIG_CHANGE: AddressTypes again */
    BOOL logged_off;
} transport;

typedef struct preproc
{
    BOOL has_uid;
    MAPIUID uid;
    WCHAR *adrtype;             /* NULL: any */
    HMODULE mod;                /* NULL when registered directly (tests) */
    PREPROCESSMESSAGE *preprocess;
    REMOVEPREPROCESSINFO *remove;
} preproc;

typedef struct waiting
{
    SBinary eid;                /* internal memory */
    ULONGLONG due;              /* GetTickCount64 time; 0 for "until SENTDEFERRED" */
    ULONG tries;
    BOOL deferred;              /* END_DONT_RESEND: wait for NOTIFY_SENTDEFERRED */
    BOOL re_present;            /* SENTDEFERRED arrived: BEGIN_DEFERRED next time */
    LONG xp;                    /* transport that deferred it */
} waiting;

struct mm_spooler
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;   /* the outgoing queue's table notifications */
    LONG sink_ref;
    CRITICAL_SECTION lock;      /* the fields below; never held across provider calls */
    CRITICAL_SECTION work;      /* one pass at a time (thread or FlushQueues inline) */
    HANDLE thread, wake, pass_done;
    DWORD thread_id;
    BOOL stop;
    IMsgStore *store;
    IMSLogon *mslogon;
    IMAPITable *queue;
    ULONG queue_conn;
    transport **xp;
    ULONG n_xp;
    preproc *pre;
    ULONG n_pre;
    waiting *wait;
    ULONG n_wait;
    ULONG retry_first_ms;
    BOOL flush_upload, flush_download;
    LONG passes;                /* completed passes */
    ULONG status;               /* PR_STATUS_CODE of the spooler row */
    mm_session *session;        /* weak; may be NULL (tests) */
};

static inline mm_spooler *impl_from_sink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, mm_spooler, IMAPIAdviseSink_iface);
}

/* ---- the queue's advise sink ------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE sink_QueryInterface(IMAPIAdviseSink *iface, REFIID iid, void **out)
{
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPIAdviseSink))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

/* The spooler's lifetime is managed by mm_spooler_destroy; the sink count only documents it. */
static ULONG STDMETHODCALLTYPE sink_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&impl_from_sink(iface)->sink_ref);
}

static ULONG STDMETHODCALLTYPE sink_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&impl_from_sink(iface)->sink_ref);
}

static ULONG STDMETHODCALLTYPE sink_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notif)
{
    mm_spooler *This = impl_from_sink(iface);
    MC_TRACE(MM_CH, "(%p) outgoing queue changed\n", This);
    SetEvent(This->wake);
    return 0;
}

static const IMAPIAdviseSinkVtbl sink_vtbl =
{
    sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify,
};

BOOL mm_spooler_is_sink(IMAPIAdviseSink *sink)
{
    return sink && sink->lpVtbl == &sink_vtbl;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static ULONGLONG now_ms(void)
{
    return GetTickCount64();
}

static LONG find_waiting(mm_spooler *This, const SBinary *eid)
{
    ULONG i;
    for (i = 0; i < This->n_wait; i++)
        if (This->wait[i].eid.cb == eid->cb && !memcmp(This->wait[i].eid.lpb, eid->lpb, eid->cb))
            return i;
    return -1;
}

static void drop_waiting(mm_spooler *This, LONG i)
{
    mc_free(This->wait[i].eid.lpb);
    This->wait[i] = This->wait[--This->n_wait];
}

/* Record that a message waits: until due (delay_ms) or, deferred, until SENTDEFERRED. */
static void set_waiting(mm_spooler *This, const SBinary *eid, ULONG delay_ms, BOOL deferred, LONG xp)
{
    LONG i;
    waiting *w;

    EnterCriticalSection(&This->lock);
    if ((i = find_waiting(This, eid)) < 0)
    {
        waiting *grown = mc_realloc(This->wait, (This->n_wait + 1) * sizeof(*grown));
        if (!grown) goto done;
        This->wait = grown;
        w = &This->wait[This->n_wait];
        memset(w, 0, sizeof(*w));
        if (!(w->eid.lpb = mc_malloc(eid->cb ? eid->cb : 1))) goto done;
        memcpy(w->eid.lpb, eid->lpb, eid->cb);
        w->eid.cb = eid->cb;
        This->n_wait++;
    }
    else
        w = &This->wait[i];
    if (!delay_ms)
    {
        /* the schedule: first delay, doubling, capped */
        ULONGLONG d = This->retry_first_ms;
        ULONG k;
        for (k = 0; k < w->tries && d < RETRY_MAX_MS; k++) d *= 2;
        delay_ms = (ULONG)min(d, (ULONGLONG)RETRY_MAX_MS);
    }
    w->tries++;
    w->deferred = deferred;
    w->re_present = FALSE;
    w->xp = xp;
    w->due = deferred ? 0 : now_ms() + delay_ms;
    MC_TRACE(MM_CH, "message waits: %s, %lu ms, try %lu\n", deferred ? "deferred" : "retry",
             delay_ms, w->tries);
done:
    LeaveCriticalSection(&This->lock);
}

/* Whether a queued message may be processed now; *begin_deferred when it is re-presented. */
static BOOL ready_now(mm_spooler *This, const SBinary *eid, BOOL *begin_deferred)
{
    BOOL ready = TRUE;
    LONG i;

    *begin_deferred = FALSE;
    EnterCriticalSection(&This->lock);
    if ((i = find_waiting(This, eid)) >= 0)
    {
        waiting *w = &This->wait[i];
        if (w->deferred) ready = w->re_present;
        else ready = This->flush_upload || now_ms() >= w->due;
        *begin_deferred = w->deferred && w->re_present;
    }
    LeaveCriticalSection(&This->lock);
    return ready;
}

static void clear_waiting(mm_spooler *This, const SBinary *eid)
{
    LONG i;
    EnterCriticalSection(&This->lock);
    if ((i = find_waiting(This, eid)) >= 0) drop_waiting(This, i);
    LeaveCriticalSection(&This->lock);
}

static HRESULT query_all_rows(IMAPITable *t, SRowSet **out)
{
    SRowSet *all = NULL, *rows;
    HRESULT hr;

    *out = NULL;
    for (;;)
    {
        if (FAILED(hr = t->lpVtbl->QueryRows(t, 64, 0, &rows))) break;
        if (!rows->cRows)
        {
            MAPIFreeBuffer(rows);
            break;
        }
        if (!all) all = rows;
        else
        {
            SRowSet *grown;
            if (FAILED(hr = MAPIAllocateBuffer(CbNewSRowSet(all->cRows + rows->cRows), (void **)&grown)))
            {
                FreeProws(rows);
                break;
            }
            memcpy(grown->aRow, all->aRow, all->cRows * sizeof(SRow));
            memcpy(grown->aRow + all->cRows, rows->aRow, rows->cRows * sizeof(SRow));
            grown->cRows = all->cRows + rows->cRows;
            MAPIFreeBuffer(all);
            MAPIFreeBuffer(rows);
            all = grown;
        }
    }
    if (FAILED(hr))
    {
        if (all) FreeProws(all);
        return hr;
    }
    if (!all)
    {
        if (FAILED(hr = MAPIAllocateBuffer(CbNewSRowSet(0), (void **)&all))) return hr;
        all->cRows = 0;
    }
    *out = all;
    return S_OK;
}

static const SPropValue *row_find(const SRow *r, ULONG tag)
{
    return mc_props_find(r->cValues, r->lpProps, tag);
}

static WCHAR *value_wstr(const SPropValue *v)
{
    if (!v) return NULL;
    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE) return v->Value.lpszW ? mc_wcsdup(v->Value.lpszW) : NULL;
    if (PROP_TYPE(v->ulPropTag) == PT_STRING8) return v->Value.lpszA ? mc_a2w(v->Value.lpszA) : NULL;
    return NULL;
}

/* ---- transports -------------------------------------------------------------------------- */

static void free_types(transport *t)
{
    ULONG i;
    for (i = 0; i < t->n_types; i++) mc_free(t->types[i]);
    mc_free(t->types);
    mc_free(t->uids);
    t->types = NULL;
    t->uids = NULL;
    t->n_types = t->n_uids = 0;
}

/* IXPLogon::AddressTypes: the arrays stay the transport's; the spooler keeps copies. */
static HRESULT read_address_types(transport *t)
{
    ULONG flags = 0, n_types = 0, n_uids = 0, i;
    LPTSTR *types = NULL;
    LPMAPIUID *uids = NULL;
    HRESULT hr;

    free_types(t);
    t->all_types = FALSE;
    hr = t->xpl->lpVtbl->AddressTypes(t->xpl, &flags, &n_types, &types, &n_uids, &uids);
    if (FAILED(hr)) return hr;
    if (!types) t->all_types = TRUE;
    else if (n_types && !(t->types = mc_calloc(n_types, sizeof(WCHAR *)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; types && i < n_types; i++)
    {
        /* the strings follow MAPI_UNICODE in *lpulFlags */
        t->types[i] = (flags & MAPI_UNICODE) ? mc_wcsdup((WCHAR *)types[i]) : mc_a2w((char *)types[i]);
        if (t->types[i]) t->n_types++;
    }
    if (uids && n_uids && (t->uids = mc_calloc(n_uids, sizeof(MAPIUID))))
        for (i = 0; i < n_uids; i++)
            if (uids[i]) t->uids[t->n_uids++] = *uids[i];
    return S_OK;
}

static BOOL transport_has_type(const transport *t, const WCHAR *type)
{
    ULONG i;
    if (t->all_types) return TRUE;
    if (!type) return FALSE;
    for (i = 0; i < t->n_types; i++)
        if (t->types[i][0] && !lstrcmpiW(t->types[i], type)) return TRUE;
    return FALSE;
}

static BOOL transport_has_uid(const transport *t, const SPropValue *eid)
{
    ULONG i;
    if (!eid || PROP_TYPE(eid->ulPropTag) != PT_BINARY || eid->Value.bin.cb < 4 + sizeof(MAPIUID))
        return FALSE;
    for (i = 0; i < t->n_uids; i++)
        if (!memcmp(eid->Value.bin.lpb + 4, &t->uids[i], sizeof(MAPIUID))) return TRUE;
    return FALSE;
}

HRESULT mm_spooler_add_transport(mm_spooler *This, IXPLogon *xpl, mm_support *sup,
                                 const MAPIUID *section, ULONG logon_flags)
{
    transport *t, **grown;
    ULONG f, n_opts = 0, rflags = 0;
    LPOPTIONDATA opts = NULL;

    if (!(t = mc_calloc(1, sizeof(*t)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    t->xpl = xpl;
    xpl->lpVtbl->AddRef(xpl);
    t->sup = sup;
    if (sup)
    {
        mm_support_iface(sup)->lpVtbl->AddRef(mm_support_iface(sup));
        mm_support_set_spooler(sup, This);
    }
    if (section) t->section = *section;
    t->logon_flags = logon_flags;
    /* transport-provider-and-mapi-spooler-operational-model.md: AddressTypes right after the
     * logon, then the (undocumented) RegisterOptions, then TransportNotify to enable I/O. */
    read_address_types(t);
    if (SUCCEEDED(xpl->lpVtbl->RegisterOptions(xpl, &rflags, &n_opts, &opts)) && opts)
        MC_TRACE(MM_CH, "transport registered %lu options (not used)\n", n_opts);
    EnterCriticalSection(&This->lock);
    if (!(grown = mc_realloc(This->xp, (This->n_xp + 1) * sizeof(*grown))))
    {
        LeaveCriticalSection(&This->lock);
        free_types(t);
        xpl->lpVtbl->Release(xpl);
        mc_free(t);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    This->xp = grown;
    This->xp[This->n_xp++] = t;
    LeaveCriticalSection(&This->lock);
    f = NOTIFY_BEGIN_INBOUND;
    if (SUCCEEDED(xpl->lpVtbl->TransportNotify(xpl, &f, NULL))) t->inbound = TRUE;
    f = NOTIFY_BEGIN_OUTBOUND;
    if (SUCCEEDED(xpl->lpVtbl->TransportNotify(xpl, &f, NULL))) t->outbound = TRUE;
    SetEvent(This->wake);
    return S_OK;
}

static void logoff_transport(transport *t)
{
    ULONG f;
    if (t->logged_off) return;
    t->logged_off = TRUE;
    if (!t->failed)
    {
        /* shutdown ends both flush modes and both directions (ixplogon-transportnotify.md) */
        f = NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND;
        t->xpl->lpVtbl->TransportNotify(t->xpl, &f, NULL);
    }
    free_types(t);   /* discarded before TransportLogoff (ixplogon-transportlogoff.md) */
    t->xpl->lpVtbl->TransportLogoff(t->xpl, 0);
    t->xpl->lpVtbl->Release(t->xpl);
    t->xpl = NULL;
    if (t->sup)
    {
        mm_support_set_spooler(t->sup, NULL);
        mm_support_logoff_transport(t->sup);
        mm_support_iface(t->sup)->lpVtbl->Release(mm_support_iface(t->sup));
        t->sup = NULL;
    }
}

void mm_spooler_logoff_transports(mm_spooler *This, const MAPIUID *service)
{
    ULONG i;
    EnterCriticalSection(&This->work);
    for (i = 0; i < This->n_xp; i++)
    {
        transport *t = This->xp[i];
        if (t->logged_off) continue;
        if (service && (!t->sup || !mm_support_same_service(t->sup, service))) continue;
        logoff_transport(t);
    }
    LeaveCriticalSection(&This->work);
}

/* ---- preprocessors ----------------------------------------------------------------------- */

HRESULT mm_spooler_add_preprocessor(mm_spooler *This, const MAPIUID *uid, const WCHAR *adrtype,
                                    HMODULE mod, PREPROCESSMESSAGE *pre, REMOVEPREPROCESSINFO *remove)
{
    preproc *grown;
    HRESULT hr = S_OK;

    if (!pre) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    if (!(grown = mc_realloc(This->pre, (This->n_pre + 1) * sizeof(*grown))))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else
    {
        preproc *p = &grown[This->n_pre];
        This->pre = grown;
        memset(p, 0, sizeof(*p));
        if (uid) { p->has_uid = TRUE; p->uid = *uid; }
        p->adrtype = adrtype ? mc_wcsdup(adrtype) : NULL;
        p->mod = mod;
        p->preprocess = pre;
        p->remove = remove;
        This->n_pre++;
    }
    LeaveCriticalSection(&This->lock);
    return hr;
}

static BOOL preproc_applies(const preproc *p, const WCHAR *type, const SPropValue *eid)
{
    if (!p->has_uid && !p->adrtype) return TRUE;
    if (p->adrtype && type && !lstrcmpiW(p->adrtype, type)) return TRUE;
    if (p->has_uid && eid && PROP_TYPE(eid->ulPropTag) == PT_BINARY
        && eid->Value.bin.cb >= 4 + sizeof(MAPIUID)
        && !memcmp(eid->Value.bin.lpb + 4, &p->uid, sizeof(MAPIUID)))
        return TRUE;
    return FALSE;
}

BOOL mm_spooler_needs_preprocessing(mm_spooler *This, const WCHAR *type, const SPropValue *eid)
{
    BOOL found = FALSE;
    ULONG i;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_pre && !found; i++) found = preproc_applies(&This->pre[i], type, eid);
    LeaveCriticalSection(&This->lock);
    return found;
}

BOOL mm_spooler_handles_type(mm_spooler *This, const MAPIUID *service, const WCHAR *type,
                             const SPropValue *eid)
{
    BOOL found = FALSE;
    ULONG i;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xp && !found; i++)
    {
        transport *t = This->xp[i];
        if (t->logged_off || t->failed) continue;
        if (service && (!t->sup || !mm_support_same_service(t->sup, service))) continue;
        found = transport_has_uid(t, eid) || transport_has_type(t, type);
    }
    LeaveCriticalSection(&This->lock);
    return found;
}

BOOL mm_spooler_coupled_handles_type(mm_spooler *This, const SBinary *store, const WCHAR *type,
                                     const SPropValue *eid)
{
    BOOL found = FALSE;
    ULONG i;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xp && !found; i++)
    {
        transport *t = This->xp[i];
        if (t->logged_off || t->failed || !t->sup || !mm_support_owns_store(t->sup, store)) continue;
        found = transport_has_uid(t, eid) || transport_has_type(t, type);
    }
    LeaveCriticalSection(&This->lock);
    return found;
}

HRESULT mm_spooler_address_types(mm_spooler *This, WCHAR ***types, ULONG *count)
{
    WCHAR **list = NULL, **grown;
    ULONG n = 0, i, j, k;
    HRESULT hr = S_OK;

    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xp && SUCCEEDED(hr); i++)
    {
        transport *t = This->xp[i];
        if (t->logged_off || t->failed) continue;
        for (j = 0; j < t->n_types && SUCCEEDED(hr); j++)
        {
            BOOL dup = !t->types[j][0];     /* a single "" means: no outbound types */
            for (k = 0; k < n && !dup; k++) dup = !lstrcmpiW(list[k], t->types[j]);
            if (dup) continue;
            if (!(grown = mc_realloc(list, (n + 1) * sizeof(*grown))) || !(grown[n] = mc_wcsdup(t->types[j])))
            {
                if (grown) list = grown;
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            list = grown;
            n++;
        }
    }
    LeaveCriticalSection(&This->lock);
    if (FAILED(hr))
    {
        mm_free_strings(list, n);
        return hr;
    }
    *types = list;
    *count = n;
    return S_OK;
}

void mm_spooler_config_changed(mm_spooler *This)
{
    ULONG i;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xp; i++) This->xp[i]->config_changed = TRUE;
    LeaveCriticalSection(&This->lock);
    SetEvent(This->wake);
}

/* Run every preprocessor that applies to one of the recipients, in registration order. */
static HRESULT run_preprocessors(mm_spooler *This, IMessage *msg, const SRowSet *recips,
                                 BOOL remove)
{
    ULONG i, j;
    HRESULT hr = S_OK;

    for (i = 0; i < This->n_pre && SUCCEEDED(hr); i++)
    {
        preproc *p = &This->pre[i];
        BOOL applies = FALSE;
        for (j = 0; j < recips->cRows && !applies; j++)
        {
            WCHAR *type = value_wstr(row_find(&recips->aRow[j], PR_ADDRTYPE_W));
            applies = preproc_applies(p, type, row_find(&recips->aRow[j], PR_ENTRYID));
            mc_free(type);
        }
        if (!applies) continue;
        if (remove)
        {
            if (p->remove) p->remove(msg);
        }
        else
        {
            ULONG n_out = 0;
            LPMESSAGE *out = NULL;
            LPADRLIST list = NULL;
            IAddrBook *ab = NULL;
            mm_addrbook_create(NULL, &ab);
            hr = p->preprocess(This, msg, ab, NULL, MAPIAllocateBuffer, MAPIAllocateMore,
                               MAPIFreeBuffer, &n_out, &out, &list);
            /* FIXME: extra outbound messages a preprocessor makes are not sent yet */
            if (out)
            {
                ULONG k;
                MC_FIXME("preprocessor made %lu extra messages: released unsent\n", n_out);
                for (k = 0; k < n_out; k++) if (out[k]) out[k]->lpVtbl->Release(out[k]);
                MAPIFreeBuffer(out);
            }
            if (list) FreePadrlist(list);
            if (ab) ab->lpVtbl->Release(ab);
        }
    }
    return hr;
}

/* ---- outbound ---------------------------------------------------------------------------- */

/* Every column of every row: a store's default recipient columns need not include
 * PR_RESPONSIBILITY (ours do not), and MODRECIP_MODIFY replaces a row with what we pass, so a
 * row read with fewer columns would lose the rest. */
static HRESULT read_recipients(IMessage *msg, SRowSet **out)
{
    IMAPITable *t = NULL;
    SPropTagArray *cols = NULL;
    HRESULT hr;
    *out = NULL;
    if (FAILED(hr = msg->lpVtbl->GetRecipientTable(msg, MAPI_UNICODE, &t))) return hr;
    if (SUCCEEDED(hr = t->lpVtbl->QueryColumns(t, TBL_ALL_COLUMNS, &cols)))
        hr = t->lpVtbl->SetColumns(t, cols, 0);
    MAPIFreeBuffer(cols);
    if (SUCCEEDED(hr)) hr = query_all_rows(t, out);
    t->lpVtbl->Release(t);
    return hr;
}

static LONG row_id(const SRow *r)
{
    const SPropValue *v = row_find(r, PR_ROWID);
    return v && v->ulPropTag == PR_ROWID ? v->Value.l : -1;
}

/* MODRECIP_MODIFY replaces rows wholesale: every row with its own columns, PR_RESPONSIBILITY
 * set as asked (computed columns of the table left out). */
static HRESULT set_responsibility(IMessage *msg, const SRowSet *recips, const BOOL *value)
{
    ADRLIST *list = NULL;
    ULONG i, j;
    HRESULT hr;

    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(recips->cRows), (void **)&list))) return hr;
    list->cEntries = 0;
    for (i = 0; i < recips->cRows; i++)
    {
        const SRow *r = &recips->aRow[i];
        SPropValue *v;
        ULONG n = 0;
        if (FAILED(hr = MAPIAllocateBuffer((r->cValues + 1) * sizeof(SPropValue), (void **)&v))) goto done;
        list->aEntries[list->cEntries].ulReserved1 = 0;
        list->aEntries[list->cEntries].rgPropVals = v;
        list->cEntries++;
        for (j = 0; j < r->cValues; j++)
        {
            ULONG tag = r->lpProps[j].ulPropTag;
            if (PROP_TYPE(tag) == PT_ERROR || tag == PR_NULL || tag == PR_INSTANCE_KEY
                || PROP_ID(tag) == PROP_ID(PR_RESPONSIBILITY))
                continue;
            if (FAILED(hr = mc_prop_copy(&mm_alloc, v, &v[n], &r->lpProps[j]))) goto done;
            n++;
        }
        memset(&v[n], 0, sizeof(v[n]));
        v[n].ulPropTag = PR_RESPONSIBILITY;
        v[n++].Value.b = (unsigned short)(value[i] ? TRUE : FALSE);
        list->aEntries[list->cEntries - 1].cValues = n;
    }
    hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_MODIFY, list);
done:
    FreePadrlist(list);
    return hr;
}

static BOOL responsibility(const SRow *r)
{
    const SPropValue *v = row_find(r, PR_RESPONSIBILITY);
    return v && PROP_TYPE(v->ulPropTag) == PT_BOOLEAN && v->Value.b;
}

/* The NDR for recipients no transport took: one StatusRecips call (imapisupport-statusrecips.md). */
static HRESULT ndr_leftovers(mm_spooler *This, IMessage *msg, const SRowSet *recips, const BOOL *done)
{
    ADRLIST *list = NULL;
    ULONG i, j, n = 0;
    FILETIME now;
    HRESULT hr;

    for (i = 0; i < recips->cRows; i++) if (!done[i]) n++;
    if (!n) return S_OK;
    GetSystemTimeAsFileTime(&now);
    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&list))) return hr;
    list->cEntries = 0;
    for (i = 0; i < recips->cRows; i++)
    {
        const SRow *r = &recips->aRow[i];
        SPropValue *v;
        ULONG k = 0;
        if (done[i]) continue;
        if (FAILED(hr = MAPIAllocateBuffer((r->cValues + 4) * sizeof(SPropValue), (void **)&v))) goto fail;
        list->aEntries[list->cEntries].ulReserved1 = 0;
        list->aEntries[list->cEntries].rgPropVals = v;
        list->cEntries++;
        for (j = 0; j < r->cValues; j++)
        {
            ULONG tag = r->lpProps[j].ulPropTag;
            if (PROP_TYPE(tag) == PT_ERROR || tag == PR_INSTANCE_KEY) continue;
            if (FAILED(hr = mc_prop_copy(&mm_alloc, v, &v[k], &r->lpProps[j]))) goto fail;
            k++;
        }
        memset(&v[k], 0, 4 * sizeof(SPropValue));
        v[k].ulPropTag = PR_NDR_REASON_CODE;
        v[k++].Value.l = MAPI_REASON_TRANSFER_IMPOSSIBLE;
        v[k].ulPropTag = PR_NDR_DIAG_CODE;
        v[k++].Value.l = MAPI_DIAG_NO_BILATERAL_AGREEMENT;
        v[k].ulPropTag = PR_REPORT_TIME;
        v[k++].Value.ft = now;
        v[k].ulPropTag = PR_REPORT_TEXT_W;
        v[k++].Value.lpszW = (WCHAR *)L"No transport of this profile delivers to this address type.";
        list->aEntries[list->cEntries - 1].cValues = k;
    }
    hr = mm_report_status_recips(This->store, msg, list);
    if (SUCCEEDED(hr)) return hr;      /* StatusRecips freed it */
fail:
    FreePadrlist(list);
    return hr;
}

typedef enum { MSG_FINISHED, MSG_WAITS, MSG_REQUEUED, MSG_FAILED } msg_outcome;

/* Hand one message to the transports. Returns what became of it. */
static msg_outcome dispatch(mm_spooler *This, IMessage *msg, const SBinary *eid, BOOL begin_deferred)
{
    SRowSet *recips = NULL;
    BOOL *done = NULL, *tried = NULL, *value = NULL;
    ULONG n_r, n_x, i, x;
    msg_outcome outcome = MSG_FINISHED;
    BOOL progress = TRUE;
    ULONG resend_now = 0;

    if (FAILED(read_recipients(msg, &recips))) return MSG_FAILED;
    n_r = recips->cRows;
    EnterCriticalSection(&This->lock);
    n_x = This->n_xp;
    LeaveCriticalSection(&This->lock);
    if (!(done = mc_calloc(n_r + 1, sizeof(BOOL))) || !(value = mc_calloc(n_r + 1, sizeof(BOOL)))
        || !(tried = mc_calloc((n_r + 1) * (n_x + 1), sizeof(BOOL))))
    {
        outcome = MSG_FAILED;
        goto done;
    }
    for (i = 0; i < n_r; i++) done[i] = responsibility(&recips->aRow[i]);

    while (progress && outcome == MSG_FINISHED)
    {
        progress = FALSE;
        /* candidates: UID matches in profile order, then address-type matches */
        for (x = 0; x < n_x && outcome == MSG_FINISHED; x++)
        {
            transport *t = This->xp[x];
            ULONG n_mine = 0;
            ULONG_PTR ref = 0, ret = 0;
            ULONG end = 0;
            HRESULT hr;

            if (t->logged_off || t->failed || !t->outbound) continue;
            for (i = 0; i < n_r; i++)
            {
                const SRow *r = &recips->aRow[i];
                const SPropValue *reid = row_find(r, PR_ENTRYID);
                WCHAR *type = value_wstr(row_find(r, PR_ADDRTYPE_W));
                ULONG y, first = n_x;
                value[i] = TRUE;
                if (!done[i])
                {
                    for (y = 0; y < n_x && first == n_x; y++)
                        if (!tried[i * (n_x + 1) + y] && !This->xp[y]->logged_off && !This->xp[y]->failed
                            && This->xp[y]->outbound && transport_has_uid(This->xp[y], reid))
                            first = y;
                    for (y = 0; y < n_x && first == n_x; y++)
                        if (!tried[i * (n_x + 1) + y] && !This->xp[y]->logged_off && !This->xp[y]->failed
                            && This->xp[y]->outbound && transport_has_type(This->xp[y], type))
                            first = y;
                    if (first == x) { value[i] = FALSE; n_mine++; }
                }
                mc_free(type);
            }
            if (!n_mine) continue;
            progress = TRUE;
            if (FAILED(set_responsibility(msg, recips, value)))
            {
                outcome = MSG_FAILED;
                break;
            }
            MC_TRACE(MM_CH, "transport %lu gets %lu recipients\n", x, n_mine);
            hr = t->xpl->lpVtbl->SubmitMessage(t->xpl, begin_deferred ? BEGIN_DEFERRED : 0, msg,
                                               (ULONG *)&ref, (ULONG *)&ret);
            if (hr == MAPI_E_NOT_ME)
            {
                for (i = 0; i < n_r; i++) if (!value[i]) tried[i * (n_x + 1) + x] = TRUE;
                continue;
            }
            if (hr == MAPI_E_BUSY)
            {
                set_waiting(This, eid, 0, FALSE, x);
                outcome = MSG_WAITS;
                break;
            }
            if (hr == MAPI_E_WAIT || hr == MAPI_E_NETWORK_ERROR)
            {
                set_waiting(This, eid, (ULONG)(ret & 0xffffffff) * 1000, FALSE, x);
                outcome = MSG_WAITS;
                break;
            }
            if (hr == MAPI_E_CANCEL)
            {
                /* a resend asked for earlier is no longer wanted: nothing more for these */
                for (i = 0; i < n_r; i++) if (!value[i]) done[i] = TRUE;
                continue;
            }
            if (FAILED(hr))
            {
                MC_TRACE(MM_CH, "SubmitMessage failed %#lx: retry later\n", hr);
                set_waiting(This, eid, 0, FALSE, x);
                outcome = MSG_WAITS;
                break;
            }
            /* what the transport took: rows it turned TRUE */
            {
                SRowSet *after = NULL;
                if (SUCCEEDED(read_recipients(msg, &after)) && after->cRows == n_r)
                {
                    ULONG k, a;
                    /* done[], value[] and tried[] are indexed in the order of the first read:
                     * the rows read now are put in that order by PR_ROWID */
                    for (k = 0; k < n_r; k++)
                        for (a = k; a < n_r; a++)
                            if (row_id(&after->aRow[a]) == row_id(&recips->aRow[k]))
                            {
                                SRow swap = after->aRow[k];
                                after->aRow[k] = after->aRow[a];
                                after->aRow[a] = swap;
                                break;
                            }
                    for (k = 0; k < n_r; k++)
                        if (!value[k] && responsibility(&after->aRow[k])
                            && row_id(&after->aRow[k]) == row_id(&recips->aRow[k]))
                            done[k] = TRUE;
                    FreeProws(recips);
                    recips = after;
                    after = NULL;
                }
                if (after) FreeProws(after);
            }
            for (i = 0; i < n_r; i++) if (!value[i]) tried[i * (n_x + 1) + x] = TRUE;
            hr = t->xpl->lpVtbl->EndMessage(t->xpl, (ULONG)(ref & 0xffffffff), &end);
            if (FAILED(hr))
            {
                set_waiting(This, eid, 0, FALSE, x);
                outcome = MSG_WAITS;
                break;
            }
            if (end & END_RESEND_NOW)
            {
                if (++resend_now <= MAX_RESEND_NOW)
                {
                    for (i = 0; i < n_r; i++)
                        if (!value[i]) { tried[i * (n_x + 1) + x] = FALSE; done[i] = FALSE; }
                    x--;            /* the same transport again */
                    continue;
                }
                end = END_RESEND_LATER;
            }
            if (end & (END_RESEND_LATER | END_DONT_RESEND))
            {
                /* not sent: this transport's rows go back to FALSE for the next try */
                for (i = 0; i < n_r; i++) value[i] = value[i] ? done[i] : FALSE;
                set_responsibility(msg, recips, value);
            }
            if (end & END_RESEND_LATER)
            {
                set_waiting(This, eid, 0, FALSE, x);
                outcome = MSG_WAITS;
                break;
            }
            if (end & END_DONT_RESEND)
            {
                set_waiting(This, eid, 0, TRUE, x);
                outcome = MSG_WAITS;
                break;
            }
        }
    }
    if (outcome != MSG_FINISHED) goto done;
    /* Everything the transports could not take gets an NDR; all rows end up TRUE. */
    ndr_leftovers(This, msg, recips, done);
    for (i = 0; i < n_r; i++) value[i] = TRUE;
    set_responsibility(msg, recips, value);
done:
    mc_free(done);
    mc_free(value);
    mc_free(tried);
    if (recips) FreeProws(recips);
    return outcome;
}

static HRESULT process_message(mm_spooler *This, const SBinary *eid, LONG submit_flags)
{
    IMessage *msg = NULL;
    ULONG type = 0;
    BOOL begin_deferred = FALSE, preprocessed = FALSE;
    msg_outcome outcome;
    SPropValue *pv = NULL;
    ULONG n = 0;
    HRESULT hr;
    static const SizedSPropTagArray(1, pre_tag) = {1, {PR_PREPROCESS}};

    if (!ready_now(This, eid, &begin_deferred)) return S_FALSE;
    hr = This->store->lpVtbl->OpenEntry(This->store, eid->cb, (ENTRYID *)eid->lpb, NULL,
                                         MAPI_MODIFY, &type, (IUnknown **)&msg);
    if (FAILED(hr)) return hr;
    if (FAILED(hr = This->store->lpVtbl->SetLockState(This->store, msg, MSG_LOCKED))) goto done;
    if (submit_flags & SUBMITFLAG_PREPROCESS)
    {
        SRowSet *recips = NULL;
        if (SUCCEEDED(read_recipients(msg, &recips)))
        {
            hr = run_preprocessors(This, msg, recips, FALSE);
            FreeProws(recips);
        }
        /* The store recognises the spooler's SubmitMessage, clears SUBMITFLAG_PREPROCESS and
         * routes the message again (spi-digest §1.3 step 6); the object is spent afterwards. */
        if (SUCCEEDED(hr)) hr = msg->lpVtbl->SubmitMessage(msg, 0);
        SetEvent(This->wake);
        goto done;
    }
    outcome = dispatch(This, msg, eid, begin_deferred);
    if (outcome == MSG_WAITS || outcome == MSG_FAILED)
    {
        This->store->lpVtbl->SetLockState(This->store, msg, MSG_UNLOCKED);
        if (outcome == MSG_FAILED) set_waiting(This, eid, 0, FALSE, -1);
        hr = outcome == MSG_WAITS ? S_FALSE : MAPI_E_CALL_FAILED;
        goto done;
    }
    clear_waiting(This, eid);
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (SPropTagArray *)&pre_tag, 0, &n, &pv)) && n
        && pv[0].ulPropTag == PR_PREPROCESS && pv[0].Value.b)
        preprocessed = TRUE;
    MAPIFreeBuffer(pv);
    if (preprocessed)
    {
        SRowSet *recips = NULL;
        if (SUCCEEDED(read_recipients(msg, &recips)))
        {
            run_preprocessors(This, msg, recips, TRUE);
            FreeProws(recips);
        }
    }
    msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE);
    msg->lpVtbl->Release(msg);
    msg = NULL;
    hr = This->store->lpVtbl->FinishedMsg(This->store, 0, eid->cb, (ENTRYID *)eid->lpb);
done:
    if (msg) msg->lpVtbl->Release(msg);
    return hr;
}

static void outbound_pass(mm_spooler *This)
{
    static const SizedSSortOrderSet(1, by_time) = {1, 0, 0, {{PR_CLIENT_SUBMIT_TIME, TABLE_SORT_ASCEND}}};
    static const SizedSPropTagArray(3, cols) = {3, {PR_ENTRYID, PR_SUBMIT_FLAGS, PR_CLIENT_SUBMIT_TIME}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i;

    if (!This->store) return;
    if (FAILED(This->store->lpVtbl->GetOutgoingQueue(This->store, 0, &t))) return;
    t->lpVtbl->SortTable(t, (SSortOrderSet *)&by_time, 0);
    t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
    if (SUCCEEDED(query_all_rows(t, &rows)))
    {
        for (i = 0; i < rows->cRows && !This->stop; i++)
        {
            const SPropValue *e = row_find(&rows->aRow[i], PR_ENTRYID);
            const SPropValue *f = row_find(&rows->aRow[i], PR_SUBMIT_FLAGS);
            if (!e || PROP_TYPE(e->ulPropTag) != PT_BINARY) continue;
            /* a message someone else holds (or the coupled pair is sending) is left alone */
            if (f && PROP_TYPE(f->ulPropTag) == PT_LONG && (f->Value.l & SUBMITFLAG_LOCKED)) continue;
            process_message(This, &e->Value.bin,
                            f && PROP_TYPE(f->ulPropTag) == PT_LONG ? f->Value.l : 0);
        }
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);
}

/* ---- inbound ----------------------------------------------------------------------------- */

static HRESULT receive_one(mm_spooler *This, transport *t, BOOL *delivered)
{
    ULONG cb_folder = 0, type = 0, n = 0;
    ENTRYID *folder_id = NULL;
    LPTSTR explicit_class = NULL;
    IMAPIFolder *folder = NULL;
    IMessage *msg = NULL;
    ULONG_PTR ref = 1;
    SPropValue *pv = NULL;
    HRESULT hr;
    static const SizedSPropTagArray(3, tags) = {3, {PR_ENTRYID, PR_MESSAGE_CLASS_W, PR_MESSAGE_FLAGS}};

    *delivered = FALSE;
    hr = This->store->lpVtbl->GetReceiveFolder(This->store, NULL, 0, &cb_folder, &folder_id,
                                                &explicit_class);
    if (FAILED(hr)) return hr;
    hr = This->store->lpVtbl->OpenEntry(This->store, cb_folder, folder_id, NULL, MAPI_MODIFY, &type,
                                         (IUnknown **)&folder);
    if (FAILED(hr)) goto done;
    if (FAILED(hr = folder->lpVtbl->CreateMessage(folder, NULL, 0, &msg))) goto done;
    hr = t->xpl->lpVtbl->StartMessage(t->xpl, 0, msg, (ULONG *)&ref);
    if (FAILED(hr)) goto done;
    /* saved by the transport: it now has an entry ID (ixplogon-startmessage.md) */
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &pv))
        && n == 3 && pv[0].ulPropTag == PR_ENTRYID)
    {
        NOTIFICATION notif;
        memset(&notif, 0, sizeof(notif));
        notif.ulEventType = fnevNewMail;
        notif.info.newmail.cbEntryID = pv[0].Value.bin.cb;
        notif.info.newmail.lpEntryID = (ENTRYID *)pv[0].Value.bin.lpb;
        notif.info.newmail.cbParentID = cb_folder;
        notif.info.newmail.lpParentID = folder_id;
        notif.info.newmail.ulFlags = MAPI_UNICODE;
        notif.info.newmail.lpszMessageClass = pv[1].ulPropTag == PR_MESSAGE_CLASS_W
                                              ? (LPTSTR)pv[1].Value.lpszW : (LPTSTR)L"IPM.Note";
        notif.info.newmail.ulMessageFlags = pv[2].ulPropTag == PR_MESSAGE_FLAGS ? pv[2].Value.l : 0;
        This->store->lpVtbl->NotifyNewMail(This->store, &notif);
        *delivered = TRUE;
    }
done:
    MAPIFreeBuffer(pv);
    if (msg) msg->lpVtbl->Release(msg);
    if (folder) folder->lpVtbl->Release(folder);
    MAPIFreeBuffer(folder_id);
    MAPIFreeBuffer(explicit_class);
    return hr;
}

static void inbound_pass(mm_spooler *This, BOOL force)
{
    ULONG x, n_x;

    if (!This->store) return;
    EnterCriticalSection(&This->lock);
    n_x = This->n_xp;
    LeaveCriticalSection(&This->lock);
    for (x = 0; x < n_x && !This->stop; x++)
    {
        transport *t = This->xp[x];
        BOOL pending = force, delivered = TRUE;
        ULONG count = 0;
        if (t->logged_off || t->failed || !t->inbound || t->critsec) continue;
        EnterCriticalSection(&This->lock);
        if (t->newmail) pending = TRUE;
        t->newmail = FALSE;
        LeaveCriticalSection(&This->lock);
        if (t->logon_flags & LOGON_SP_POLL)
        {
            ULONG incoming = 0;
            if (SUCCEEDED(t->xpl->lpVtbl->Poll(t->xpl, &incoming)) && incoming) pending = TRUE;
        }
        while (pending && delivered && count++ < MAX_INBOUND_PER_PASS && !This->stop && !t->failed)
        {
            if (FAILED(receive_one(This, t, &delivered))) break;
            if (delivered && (t->logon_flags & LOGON_SP_POLL) && !force)
            {
                ULONG incoming = 0;
                pending = SUCCEEDED(t->xpl->lpVtbl->Poll(t->xpl, &incoming)) && incoming;
            }
        }
        if ((t->logon_flags & LOGON_SP_IDLE) && !t->critsec && !t->failed)
            t->xpl->lpVtbl->Idle(t->xpl, 0);
    }
}

/* ---- passes and the thread ------------------------------------------------------------- */

void mm_spooler_run_pass(mm_spooler *This)
{
    BOOL upload, download;
    ULONG x;

    EnterCriticalSection(&This->work);
    EnterCriticalSection(&This->lock);
    upload = This->flush_upload;
    download = This->flush_download;
    LeaveCriticalSection(&This->lock);
    for (x = 0; x < This->n_xp; x++)
    {
        transport *t = This->xp[x];
        if (t->config_changed && !t->logged_off)
        {
            t->config_changed = FALSE;
            read_address_types(t);
        }
    }
    if (upload)
        for (x = 0; x < This->n_xp; x++)
        {
            ULONG f = NOTIFY_BEGIN_OUTBOUND_FLUSH;
            if (!This->xp[x]->logged_off && !This->xp[x]->failed)
                This->xp[x]->xpl->lpVtbl->TransportNotify(This->xp[x]->xpl, &f, NULL);
        }
    outbound_pass(This);
    if (upload)
        for (x = 0; x < This->n_xp; x++)
        {
            ULONG f = NOTIFY_END_OUTBOUND_FLUSH;
            if (!This->xp[x]->logged_off && !This->xp[x]->failed)
                This->xp[x]->xpl->lpVtbl->TransportNotify(This->xp[x]->xpl, &f, NULL);
        }
    if (download)
        for (x = 0; x < This->n_xp; x++)
        {
            ULONG f = NOTIFY_BEGIN_INBOUND_FLUSH;
            if (!This->xp[x]->logged_off && !This->xp[x]->failed)
                This->xp[x]->xpl->lpVtbl->TransportNotify(This->xp[x]->xpl, &f, NULL);
        }
    inbound_pass(This, download);
    if (download)
        for (x = 0; x < This->n_xp; x++)
        {
            ULONG f = NOTIFY_END_INBOUND_FLUSH;
            if (!This->xp[x]->logged_off && !This->xp[x]->failed)
                This->xp[x]->xpl->lpVtbl->TransportNotify(This->xp[x]->xpl, &f, NULL);
        }
    EnterCriticalSection(&This->lock);
    if (upload) This->flush_upload = FALSE;
    if (download) This->flush_download = FALSE;
    LeaveCriticalSection(&This->lock);
    InterlockedIncrement(&This->passes);
    SetEvent(This->pass_done);
    LeaveCriticalSection(&This->work);
}

static DWORD next_timeout(mm_spooler *This)
{
    ULONGLONG now = now_ms(), best = INFINITE;
    ULONG i;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xp; i++)
        if (!This->xp[i]->logged_off && (This->xp[i]->logon_flags & (LOGON_SP_POLL | LOGON_SP_IDLE)))
            best = POLL_INTERVAL_MS;
    for (i = 0; i < This->n_wait; i++)
        if (!This->wait[i].deferred)
            best = min(best, This->wait[i].due > now ? This->wait[i].due - now : 0);
    LeaveCriticalSection(&This->lock);
    return (DWORD)min(best, (ULONGLONG)INFINITE);
}

static DWORD WINAPI spooler_thread(void *arg)
{
    mm_spooler *This = arg;
    while (!This->stop)
    {
        WaitForSingleObject(This->wake, next_timeout(This));
        if (This->stop) break;
        mm_spooler_run_pass(This);
    }
    return 0;
}

/* ---- public ------------------------------------------------------------------------------ */

HRESULT mm_spooler_create(mm_session *session, mm_spooler **out)
{
    mm_spooler *This;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPIAdviseSink_iface.lpVtbl = &sink_vtbl;
    This->sink_ref = 1;
    InitializeCriticalSection(&This->lock);
    InitializeCriticalSection(&This->work);
    This->wake = CreateEventW(NULL, FALSE, FALSE, NULL);
    This->pass_done = CreateEventW(NULL, TRUE, FALSE, NULL);
    This->retry_first_ms = RETRY_FIRST_MS;
    This->session = session;
    This->status = STATUS_AVAILABLE;
    *out = This;
    return S_OK;
}

void mm_spooler_set_retry_first(mm_spooler *This, ULONG ms)
{
    This->retry_first_ms = ms ? ms : RETRY_FIRST_MS;
}

HRESULT mm_spooler_set_store(mm_spooler *This, IMsgStore *store, IMSLogon *mslogon)
{
    IMAPITable *t = NULL;
    This->store = store;
    store->lpVtbl->AddRef(store);
    This->mslogon = mslogon;
    if (mslogon) mslogon->lpVtbl->AddRef(mslogon);
    /* Queue changes wake the spooler (outgoing-queue-tables.md: notifications are mandatory). */
    if (SUCCEEDED(store->lpVtbl->GetOutgoingQueue(store, 0, &t)))
    {
        if (SUCCEEDED(t->lpVtbl->Advise(t, fnevTableModified, &This->IMAPIAdviseSink_iface,
                                        &This->queue_conn)))
            This->queue = t;
        else
            t->lpVtbl->Release(t);
    }
    SetEvent(This->wake);
    return S_OK;
}

IMsgStore *mm_spooler_store(mm_spooler *This)
{
    return This->store;
}

HRESULT mm_spooler_start(mm_spooler *This)
{
    if (This->thread) return S_OK;
    if (!(This->thread = CreateThread(NULL, 0, spooler_thread, This, 0, &This->thread_id)))
        return MAPI_E_CALL_FAILED;
    return S_OK;
}

void mm_spooler_wake(mm_spooler *This)
{
    SetEvent(This->wake);
}

/* IMAPISupport::SpoolerNotify from a transport (sup) or a store (sup of a store). */
HRESULT mm_spooler_notify(mm_spooler *This, mm_support *sup, ULONG flags, void *data)
{
    transport *t = NULL;
    ULONG i;

    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xp && !t; i++)
        if (sup && This->xp[i]->sup == sup) t = This->xp[i];
    if ((flags & NOTIFY_NEWMAIL) && t && t->inbound) t->newmail = TRUE;
    if ((flags & NOTIFY_CRITSEC) && t) t->critsec = TRUE;
    if ((flags & NOTIFY_NONCRIT) && t) t->critsec = FALSE;
    if ((flags & NOTIFY_CONFIG_CHANGE) && t) t->config_changed = TRUE;
    if ((flags & NOTIFY_CRITICAL_ERROR) && t) t->failed = TRUE;
    if ((flags & NOTIFY_SENTDEFERRED) && data)
    {
        LONG w = find_waiting(This, (const SBinary *)data);
        if (w >= 0) This->wait[w].re_present = TRUE;
    }
    /* NOTIFY_READYTOSEND (store: a message is ready; transport: ready again), NEWMAIL_RECEIVED
     * and everything above wake the spooler. */
    LeaveCriticalSection(&This->lock);
    SetEvent(This->wake);
    return S_OK;
}

BOOL mm_spooler_in_critsec(mm_spooler *This, mm_support *sup)
{
    BOOL in = FALSE;
    ULONG i;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->n_xp; i++)
        if (This->xp[i]->sup == sup) in = This->xp[i]->critsec;
    LeaveCriticalSection(&This->lock);
    return in;
}

/* FlushQueues on the spooler's status object (imapistatus-flushqueues.md). */
HRESULT mm_spooler_flush(mm_spooler *This, ULONG flags)
{
    LONG before;

    EnterCriticalSection(&This->lock);
    if (flags & FLUSH_UPLOAD) This->flush_upload = TRUE;
    if (flags & FLUSH_DOWNLOAD) This->flush_download = TRUE;
    if (!(flags & (FLUSH_UPLOAD | FLUSH_DOWNLOAD)))
        This->flush_upload = This->flush_download = TRUE;
    before = This->passes;
    LeaveCriticalSection(&This->lock);
    if (flags & FLUSH_ASYNC_OK)
    {
        SetEvent(This->wake);
        return S_OK;
    }
    if (!This->thread || GetCurrentThreadId() == This->thread_id)
    {
        mm_spooler_run_pass(This);
        return S_OK;
    }
    /* a pass that starts after the request has seen the flush flags */
    while (InterlockedCompareExchange(&This->passes, 0, 0) < before + 2 && !This->stop)
    {
        ResetEvent(This->pass_done);
        SetEvent(This->wake);
        if (InterlockedCompareExchange(&This->passes, 0, 0) >= before + 2) break;
        WaitForSingleObject(This->pass_done, 1000);
    }
    return S_OK;
}

ULONG mm_spooler_status(mm_spooler *This)
{
    return This->status;
}

void mm_spooler_destroy(mm_spooler *This)
{
    ULONG i;

    This->stop = TRUE;
    SetEvent(This->wake);
    if (This->thread)
    {
        WaitForSingleObject(This->thread, INFINITE);
        CloseHandle(This->thread);
    }
    if (This->queue)
    {
        This->queue->lpVtbl->Unadvise(This->queue, This->queue_conn);
        This->queue->lpVtbl->Release(This->queue);
    }
    mm_spooler_logoff_transports(This, NULL);
    for (i = 0; i < This->n_xp; i++) mc_free(This->xp[i]);
    mc_free(This->xp);
    for (i = 0; i < This->n_pre; i++)
    {
        mc_free(This->pre[i].adrtype);
        if (This->pre[i].mod) mm_dll_unload(This->pre[i].mod);
    }
    mc_free(This->pre);
    for (i = 0; i < This->n_wait; i++) mc_free(This->wait[i].eid.lpb);
    mc_free(This->wait);
    if (This->store) This->store->lpVtbl->Release(This->store);
    if (This->mslogon)
    {
        ULONG lf = 0;
        This->mslogon->lpVtbl->Logoff(This->mslogon, &lf);
        This->mslogon->lpVtbl->Release(This->mslogon);
    }
    CloseHandle(This->wake);
    CloseHandle(This->pass_done);
    DeleteCriticalSection(&This->work);
    DeleteCriticalSection(&This->lock);
    mc_free(This);
}
