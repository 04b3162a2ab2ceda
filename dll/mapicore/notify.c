/*
 * notify.c - notifications: deep copies of NOTIFICATION arrays (notification.md), the notifier
 * abstraction over IMAPISupport::Subscribe/Unsubscribe/Notify (imapisupport-subscribe.md,
 * imapisupport-notify.md), and mapicore's own asynchronous notification engine
 * (spi-digest.md §4.10; mapicore.h describes the contract).
 *
 * Engine invariants, all under engine.lock:
 * - `subs` lists live subscriptions; an unsubscribed one is unlinked and marked dead at once, so
 *   no delivery starts on it afterwards, and its sink is released only when `delivering` is 0;
 * - the queue is FIFO and has a single consumer (the worker), so deliveries keep the order of
 *   notify calls; `busy` is TRUE while the worker works on an item taken off the queue;
 * - each queued item owns one internal block (mc_heap_alloc) holding its copies.
 */
#include "mapicore.h"

/* ---- copies ---------------------------------------------------------------------------------- */

static HRESULT copy_bytes(const mc_alloc *a, void *root, ULONG cb, const void *src, void **dst)
{
    HRESULT hr;

    *dst = NULL;
    if (!cb || !src)
        return S_OK;
    if ((hr = mc_alloc_more(a, root, cb, dst)) == S_OK)
        memcpy(*dst, src, cb);
    return hr;
}

static HRESULT copy_string(const mc_alloc *a, void *root, BOOL wide, const void *src, void **dst)
{
    ULONG cb;

    *dst = NULL;
    if (!src)
        return S_OK;
    cb = wide ? (ULONG)((lstrlenW(src) + 1) * sizeof(WCHAR)) : (ULONG)lstrlenA(src) + 1;
    return copy_bytes(a, root, cb, src, dst);
}

static HRESULT copy_props(const mc_alloc *a, void *root, ULONG n, const SPropValue *src,
                          SPropValue **dst)
{
    HRESULT hr = S_OK;
    ULONG i;

    *dst = NULL;
    if (!n || !src)
        return S_OK;
    if ((hr = mc_alloc_more(a, root, n * sizeof(SPropValue), (void **)dst)) != S_OK)
        return hr;
    for (i = 0; i < n && hr == S_OK; i++)
        hr = mc_prop_copy(a, root, &(*dst)[i], &src[i]);
    return hr;
}

static HRESULT copy_one(const mc_alloc *a, void *root, NOTIFICATION *d, const NOTIFICATION *s)
{
    HRESULT hr = S_OK;

    *d = *s;
    switch (s->ulEventType)
    {
    case fnevCriticalError:
    {
        const MAPIERROR *e = s->info.err.lpMAPIError;
        BOOL wide = (s->info.err.ulFlags & MAPI_UNICODE) != 0;
        MAPIERROR *c = NULL;
        hr = copy_bytes(a, root, s->info.err.cbEntryID, s->info.err.lpEntryID, (void **)&d->info.err.lpEntryID);
        d->info.err.lpMAPIError = NULL;
        if (hr == S_OK && e)
        {
            if ((hr = mc_alloc_more(a, root, sizeof(*c), (void **)&c)) != S_OK)
                break;
            *c = *e;
            d->info.err.lpMAPIError = c;
            if ((hr = copy_string(a, root, wide, e->lpszError, (void **)&c->lpszError)) == S_OK)
                hr = copy_string(a, root, wide, e->lpszComponent, (void **)&c->lpszComponent);
        }
        break;
    }
    case fnevNewMail:
        if ((hr = copy_bytes(a, root, s->info.newmail.cbEntryID, s->info.newmail.lpEntryID,
                             (void **)&d->info.newmail.lpEntryID)) == S_OK
            && (hr = copy_bytes(a, root, s->info.newmail.cbParentID, s->info.newmail.lpParentID,
                                (void **)&d->info.newmail.lpParentID)) == S_OK)
            hr = copy_string(a, root, (s->info.newmail.ulFlags & MAPI_UNICODE) != 0,
                             s->info.newmail.lpszMessageClass, (void **)&d->info.newmail.lpszMessageClass);
        break;
    case fnevObjectCreated:
    case fnevObjectDeleted:
    case fnevObjectModified:
    case fnevObjectMoved:
    case fnevObjectCopied:
    case fnevSearchComplete:
    {
        const OBJECT_NOTIFICATION *o = &s->info.obj;
        OBJECT_NOTIFICATION *c = &d->info.obj;
        if ((hr = copy_bytes(a, root, o->cbEntryID, o->lpEntryID, (void **)&c->lpEntryID)) == S_OK
            && (hr = copy_bytes(a, root, o->cbParentID, o->lpParentID, (void **)&c->lpParentID)) == S_OK
            && (hr = copy_bytes(a, root, o->cbOldID, o->lpOldID, (void **)&c->lpOldID)) == S_OK
            && (hr = copy_bytes(a, root, o->cbOldParentID, o->lpOldParentID, (void **)&c->lpOldParentID)) == S_OK)
            hr = copy_bytes(a, root, o->lpPropTagArray ? CbSPropTagArray(o->lpPropTagArray) : 0,
                            o->lpPropTagArray, (void **)&c->lpPropTagArray);
        break;
    }
    case fnevTableModified:
        if ((hr = mc_prop_copy(a, root, &d->info.tab.propIndex, &s->info.tab.propIndex)) == S_OK
            && (hr = mc_prop_copy(a, root, &d->info.tab.propPrior, &s->info.tab.propPrior)) == S_OK)
            hr = copy_props(a, root, s->info.tab.row.cValues, s->info.tab.row.lpProps,
                            &d->info.tab.row.lpProps);
        if (!d->info.tab.row.lpProps)
            d->info.tab.row.cValues = 0;
        break;
    case fnevExtended:
        hr = copy_bytes(a, root, s->info.ext.cb, s->info.ext.pbEventParameters,
                        (void **)&d->info.ext.pbEventParameters);
        break;
    case fnevStatusObjectModified:
        if ((hr = copy_bytes(a, root, s->info.statobj.cbEntryID, s->info.statobj.lpEntryID,
                             (void **)&d->info.statobj.lpEntryID)) == S_OK)
            hr = copy_props(a, root, s->info.statobj.cValues, s->info.statobj.lpPropVals,
                            &d->info.statobj.lpPropVals);
        break;
    default:
        /* Unknown event types carry no pointers we know of: the structure is copied as is. */
        break;
    }
    return hr;
}

HRESULT mc_notifications_dup(const mc_alloc *a, ULONG n, const NOTIFICATION *src,
                             NOTIFICATION **out)
{
    NOTIFICATION *root = NULL;
    HRESULT hr;
    ULONG i;

    if (!a || !out || (n && !src))
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if ((hr = mc_alloc_more(a, NULL, (n ? n : 1) * sizeof(NOTIFICATION), (void **)&root)) != S_OK)
        return hr;
    memset(root, 0, (n ? n : 1) * sizeof(NOTIFICATION));
    for (i = 0; i < n && hr == S_OK; i++)
        hr = copy_one(a, root, &root[i], &src[i]);
    if (hr != S_OK)
    {
        a->free_buffer(root);
        return hr;
    }
    *out = root;
    return S_OK;
}

/* ---- a notifier over IMAPISupport ------------------------------------------------------------ */

static HRESULT support_subscribe(void *ctx, const NOTIFKEY *key, ULONG mask, IMAPIAdviseSink *sink,
                                 ULONG *conn)
{
    IMAPISupport *sup = ctx;
    ULONG_PTR wide = 0;     /* room for either header set's width (DECISIONS.md 1) */
    HRESULT hr;

    hr = sup->lpVtbl->Subscribe(sup, (NOTIFKEY *)key, mask, 0, sink, (ULONG *)&wide);
    *conn = (ULONG)wide;    /* only the low 32 bits are meaningful */
    return hr;
}

static HRESULT support_unsubscribe(void *ctx, ULONG conn)
{
    IMAPISupport *sup = ctx;
    return sup->lpVtbl->Unsubscribe(sup, conn);
}

static HRESULT support_notify(void *ctx, const NOTIFKEY *key, ULONG n, NOTIFICATION *notifs)
{
    IMAPISupport *sup = ctx;
    ULONG_PTR flags = 0;    /* asynchronous: never NOTIFY_SYNC for client sinks */
    return sup->lpVtbl->Notify(sup, (NOTIFKEY *)key, n, notifs, (ULONG *)&flags);
}

static void support_addref(void *ctx)
{
    IMAPISupport *sup = ctx;
    sup->lpVtbl->AddRef(sup);
}

static void support_release(void *ctx)
{
    IMAPISupport *sup = ctx;
    sup->lpVtbl->Release(sup);
}

HRESULT mc_notifier_from_support(IMAPISupport *sup, mc_notifier *out)
{
    if (!sup || !out)
        return MAPI_E_INVALID_PARAMETER;
    out->subscribe = support_subscribe;
    out->unsubscribe = support_unsubscribe;
    out->notify = support_notify;
    out->ctx = sup;
    out->addref = support_addref;
    out->release = support_release;
    support_addref(sup);
    return S_OK;
}

void mc_notifier_clear(mc_notifier *n)
{
    if (!n)
        return;
    if (n->release && n->ctx)
        n->release(n->ctx);
    memset(n, 0, sizeof(*n));
}

/* ---- the engine ------------------------------------------------------------------------------ */

typedef struct subscription
{
    struct subscription *next;
    LONG ref;               /* the list's, plus one per delivery holding it */
    ULONG conn;
    ULONG mask;
    ULONG flags;            /* NOTIFY_SYNC */
    NOTIFKEY *key;          /* internal copy */
    IMAPIAdviseSink *sink;
    BOOL dead;
    ULONG delivering;       /* deliveries running now */
    DWORD deliver_tid;      /* thread of the latest delivery */
} subscription;

typedef struct queued
{
    struct queued *next;
    NOTIFKEY *key;          /* inside `block` */
    ULONG n;
    NOTIFICATION *notifs;   /* root of the block (mc_heap_alloc) */
} queued;

struct mc_notify_engine
{
    CRITICAL_SECTION lock;
    CONDITION_VARIABLE wake;        /* the worker waits here for work or stop */
    CONDITION_VARIABLE progress;    /* a delivery ended or the queue drained */
    subscription *subs;
    queued *head, *tail;
    ULONG next_conn;
    BOOL busy;
    BOOL stop;
    BOOL self_free;                 /* destroyed from the worker: it frees the engine */
    HANDLE thread;
    DWORD thread_id;
};

static void sub_release(subscription *s)
{
    if (InterlockedDecrement(&s->ref))
        return;
    s->sink->lpVtbl->Release(s->sink);
    mc_free(s->key);
    mc_free(s);
}

static BOOL key_equal(const NOTIFKEY *a, const NOTIFKEY *b)
{
    return a->cb == b->cb && memcmp(a->ab, b->ab, a->cb) == 0;
}

static void queued_free(queued *q)
{
    mc_heap_alloc()->free_buffer(q->notifs);
    mc_free(q);
}

/* The notifications of `all` a subscription's mask selects, as a shallow array (internal). */
static ULONG select_for(const subscription *s, ULONG n, const NOTIFICATION *all, NOTIFICATION **out)
{
    NOTIFICATION *sel;
    ULONG i, m = 0;

    *out = NULL;
    for (i = 0; i < n; i++)
        if (all[i].ulEventType & s->mask)
            m++;
    if (!m || !(sel = mc_malloc(m * sizeof(*sel))))
        return 0;
    for (i = 0, m = 0; i < n; i++)
        if (all[i].ulEventType & s->mask)
            sel[m++] = all[i];
    *out = sel;
    return m;
}

/* Matching live subscriptions, each with a reference (caller holds the lock). */
static ULONG collect(mc_notify_engine *e, const NOTIFKEY *key, ULONG n, const NOTIFICATION *all,
                     subscription ***out)
{
    subscription *s, **list;
    ULONG count = 0, i;

    *out = NULL;
    for (s = e->subs; s; s = s->next)
        count++;
    if (!count || !(list = mc_malloc(count * sizeof(*list))))
        return 0;
    count = 0;
    for (s = e->subs; s; s = s->next)
    {
        BOOL any = FALSE;
        if (!key_equal(s->key, key))
            continue;
        for (i = 0; i < n && !any; i++)
            any = (all[i].ulEventType & s->mask) != 0;
        if (!any)
            continue;
        InterlockedIncrement(&s->ref);
        list[count++] = s;
    }
    *out = list;
    return count;
}

/* One delivery to one subscription, lock held on entry and exit, released around OnNotify. */
static ULONG deliver(mc_notify_engine *e, subscription *s, ULONG n, const NOTIFICATION *all)
{
    NOTIFICATION *sel;
    ULONG m, r = 0;

    if (s->dead || !(m = select_for(s, n, all, &sel)))
        return 0;
    s->delivering++;
    s->deliver_tid = GetCurrentThreadId();
    LeaveCriticalSection(&e->lock);
    r = s->sink->lpVtbl->OnNotify(s->sink, m, sel);
    EnterCriticalSection(&e->lock);
    s->delivering--;
    WakeAllConditionVariable(&e->progress);
    mc_free(sel);
    return r;
}

static DWORD WINAPI engine_worker(void *arg)
{
    mc_notify_engine *e = arg;
    BOOL self_free;

    EnterCriticalSection(&e->lock);
    for (;;)
    {
        subscription **list;
        queued *q;
        ULONG count, i;

        while (!e->head && !e->stop)
        {
            e->busy = FALSE;
            WakeAllConditionVariable(&e->progress);
            SleepConditionVariableCS(&e->wake, &e->lock, INFINITE);
        }
        if (e->stop)
            break;
        q = e->head;
        e->head = q->next;
        if (!e->head)
            e->tail = NULL;
        e->busy = TRUE;
        count = collect(e, q->key, q->n, q->notifs, &list);
        for (i = 0; i < count; i++)
        {
            /* NOTIFY_SYNC sinks got theirs on the notifying thread. */
            if (!e->stop && !(list[i]->flags & NOTIFY_SYNC))
                deliver(e, list[i], q->n, q->notifs);
            sub_release(list[i]);
        }
        mc_free(list);
        queued_free(q);
    }
    e->busy = FALSE;
    WakeAllConditionVariable(&e->progress);
    self_free = e->self_free;
    LeaveCriticalSection(&e->lock);
    if (self_free)
    {
        /* Destroyed from a sink running here: nobody waits for this thread. */
        CloseHandle(e->thread);
        DeleteCriticalSection(&e->lock);
        mc_free(e);
    }
    return 0;
}

HRESULT mc_notify_engine_create(mc_notify_engine **out)
{
    mc_notify_engine *e;

    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(e = mc_calloc(1, sizeof(*e))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    InitializeCriticalSection(&e->lock);
    InitializeConditionVariable(&e->wake);
    InitializeConditionVariable(&e->progress);
    e->next_conn = 1;
    e->busy = TRUE;     /* until the worker first finds the queue empty */
    if (!(e->thread = CreateThread(NULL, 0, engine_worker, e, 0, &e->thread_id)))
    {
        DeleteCriticalSection(&e->lock);
        mc_free(e);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *out = e;
    return S_OK;
}

void mc_notify_engine_destroy(mc_notify_engine *e)
{
    subscription *subs, *s, *next;
    queued *q, *qn;
    BOOL on_worker;

    if (!e)
        return;
    EnterCriticalSection(&e->lock);
    e->stop = TRUE;
    on_worker = GetCurrentThreadId() == e->thread_id;
    e->self_free = on_worker;
    subs = e->subs;
    e->subs = NULL;
    q = e->head;
    e->head = e->tail = NULL;
    for (s = subs; s; s = s->next)
        s->dead = TRUE;
    WakeAllConditionVariable(&e->wake);
    LeaveCriticalSection(&e->lock);

    for (; q; q = qn)
    {
        qn = q->next;
        queued_free(q);
    }
    for (s = subs; s; s = next)
    {
        next = s->next;
        sub_release(s);     /* a delivery running elsewhere keeps its own reference */
    }
    if (on_worker)
        return;             /* the worker frees the engine when the sink returns */
    WaitForSingleObject(e->thread, INFINITE);
    CloseHandle(e->thread);
    DeleteCriticalSection(&e->lock);
    mc_free(e);
}

HRESULT mc_notify_engine_subscribe(mc_notify_engine *e, const NOTIFKEY *key, ULONG mask,
                                   ULONG flags, IMAPIAdviseSink *sink, ULONG *conn)
{
    subscription *s;

    if (!e || !key || !sink || !conn || !mask)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~NOTIFY_SYNC)
        return MAPI_E_UNKNOWN_FLAGS;
    if (!(s = mc_calloc(1, sizeof(*s))) || !(s->key = mc_malloc(CbNOTIFKEY(key))))
    {
        mc_free(s);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memcpy(s->key, key, CbNOTIFKEY(key));
    s->ref = 1;
    s->mask = mask;
    s->flags = flags;
    s->sink = sink;
    sink->lpVtbl->AddRef(sink);     /* held until unsubscribe (spi-digest.md §4.10) */
    EnterCriticalSection(&e->lock);
    s->conn = e->next_conn++;
    if (!e->next_conn)
        e->next_conn = 1;
    s->next = e->subs;
    e->subs = s;
    *conn = s->conn;
    LeaveCriticalSection(&e->lock);
    return S_OK;
}

HRESULT mc_notify_engine_unsubscribe(mc_notify_engine *e, ULONG conn)
{
    subscription **link, *s = NULL;

    if (!e || !conn)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&e->lock);
    for (link = &e->subs; *link; link = &(*link)->next)
        if ((*link)->conn == conn)
        {
            s = *link;
            *link = s->next;
            s->dead = TRUE;
            break;
        }
    /* A delivery to this sink may be running: the caller must be able to free what the sink
     * uses once we return, so wait for it, unless we are inside it. */
    while (s && s->delivering && s->deliver_tid != GetCurrentThreadId())
        SleepConditionVariableCS(&e->progress, &e->lock, INFINITE);
    LeaveCriticalSection(&e->lock);
    if (!s)
        return MAPI_E_NOT_FOUND;
    sub_release(s);
    return S_OK;
}

HRESULT mc_notify_engine_notify(mc_notify_engine *e, const NOTIFKEY *key, ULONG n,
                                const NOTIFICATION *notifs, ULONG *flags)
{
    ULONG in = flags ? *flags : 0, count, i;
    subscription **list = NULL;
    BOOL canceled = FALSE, any_async = FALSE;
    queued *q;
    HRESULT hr;

    if (!e || !key || !n || !notifs)
        return MAPI_E_INVALID_PARAMETER;
    if (in & ~NOTIFY_SYNC)
        return MAPI_E_UNKNOWN_FLAGS;
    if (flags)
        *flags = 0;

    /* Synchronous deliveries first, on this thread. */
    EnterCriticalSection(&e->lock);
    count = collect(e, key, n, notifs, &list);
    for (i = 0; i < count; i++)
    {
        subscription *s = list[i];
        if ((in & NOTIFY_SYNC) || (s->flags & NOTIFY_SYNC))
        {
            if (!canceled && (deliver(e, s, n, notifs) & CALLBACK_DISCONTINUE))
                canceled = TRUE;
        }
        else
            any_async = TRUE;
        sub_release(s);
    }
    LeaveCriticalSection(&e->lock);
    mc_free(list);
    if (canceled && flags)
        *flags = NOTIFY_CANCELED;
    if (!any_async)
        return S_OK;

    /* The rest goes to the worker, as a copy. Matching is redone there, so a sink subscribed
     * NOTIFY_SYNC is skipped by key/flags below and one unsubscribed meanwhile gets nothing. */
    if (!(q = mc_calloc(1, sizeof(*q))))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    if ((hr = mc_notifications_dup(mc_heap_alloc(), n, notifs, &q->notifs)) != S_OK
        || (hr = mc_alloc_more(mc_heap_alloc(), q->notifs, CbNOTIFKEY(key), (void **)&q->key)) != S_OK)
    {
        if (q->notifs)
            mc_heap_alloc()->free_buffer(q->notifs);
        mc_free(q);
        return hr;
    }
    memcpy(q->key, key, CbNOTIFKEY(key));
    q->n = n;
    EnterCriticalSection(&e->lock);
    if (e->stop)
    {
        LeaveCriticalSection(&e->lock);
        queued_free(q);
        return S_OK;
    }
    if (e->tail)
        e->tail->next = q;
    else
        e->head = q;
    e->tail = q;
    e->busy = TRUE;
    WakeConditionVariable(&e->wake);
    LeaveCriticalSection(&e->lock);
    return S_OK;
}

HRESULT mc_notify_engine_wait_idle(mc_notify_engine *e, DWORD timeout_ms)
{
    DWORD start = GetTickCount();
    HRESULT hr = S_OK;

    if (!e)
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&e->lock);
    while (e->head || e->busy)
    {
        DWORD waited = GetTickCount() - start, left;
        if (timeout_ms != INFINITE && waited >= timeout_ms)
        {
            hr = MAPI_E_TIMEOUT;
            break;
        }
        left = timeout_ms == INFINITE ? INFINITE : timeout_ms - waited;
        SleepConditionVariableCS(&e->progress, &e->lock, left);
    }
    LeaveCriticalSection(&e->lock);
    return hr;
}

static HRESULT engine_subscribe(void *ctx, const NOTIFKEY *key, ULONG mask, IMAPIAdviseSink *sink,
                                ULONG *conn)
{
    return mc_notify_engine_subscribe(ctx, key, mask, 0, sink, conn);
}

static HRESULT engine_unsubscribe(void *ctx, ULONG conn)
{
    return mc_notify_engine_unsubscribe(ctx, conn);
}

static HRESULT engine_notify(void *ctx, const NOTIFKEY *key, ULONG n, NOTIFICATION *notifs)
{
    return mc_notify_engine_notify(ctx, key, n, notifs, NULL);
}

void mc_notify_engine_notifier(mc_notify_engine *e, mc_notifier *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->subscribe = engine_subscribe;
    out->unsubscribe = engine_unsubscribe;
    out->notify = engine_notify;
    out->ctx = e;
}
