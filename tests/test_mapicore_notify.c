/*
 * test_mapicore_notify.c - mapicore's notifications: deep copies of every NOTIFICATION kind
 * (notification.md), the asynchronous engine (delivery order, thread, masks and keys,
 * NOTIFY_SYNC and CALLBACK_DISCONTINUE, Unsubscribe while a delivery runs, destroy) and the
 * notifier over IMAPISupport (imapisupport-subscribe.md, imapisupport-notify.md).
 */
#include "test_mapicore_alloc.h"
#include <stdio.h>

/* ---- a recording sink ------------------------------------------------------------------------- */

typedef struct rec_sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    CRITICAL_SECTION lock;
    ULONG calls;                /* OnNotify calls */
    ULONG n;                    /* notifications seen */
    ULONG types[256];           /* ulEventType of each */
    ULONG values[256];          /* a number from each (see value_of) */
    DWORD thread;
    ULONG result;               /* what OnNotify returns */
    HANDLE entered, proceed;    /* when set: signal `entered`, wait for `proceed` */
    LONG finished;              /* OnNotify calls that returned */
    mc_notify_engine *engine;   /* when set with unsubscribe_conn: unsubscribe from inside */
    ULONG unsubscribe_conn;
    HRESULT unsubscribe_hr;
    BOOL destroy_engine;        /* destroy `engine` from inside OnNotify */
} rec_sink;

static inline rec_sink *impl_from_IMAPIAdviseSink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, rec_sink, IMAPIAdviseSink_iface);
}

static HRESULT WINAPI rec_QueryInterface(IMAPIAdviseSink *iface, REFIID riid, void **obj)
{
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI rec_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&impl_from_IMAPIAdviseSink(iface)->ref);
}

static ULONG WINAPI rec_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&impl_from_IMAPIAdviseSink(iface)->ref);
}

/* The number a test notification carries: newmail.ulMessageFlags, obj.ulObjType or
 * ext.ulEvent, so tests can check order and content. */
static ULONG value_of(const NOTIFICATION *n)
{
    switch (n->ulEventType)
    {
    case fnevNewMail:   return n->info.newmail.ulMessageFlags;
    case fnevExtended:  return n->info.ext.ulEvent;
    default:            return n->info.obj.ulObjType;
    }
}

static ULONG WINAPI rec_OnNotify(IMAPIAdviseSink *iface, ULONG count, LPNOTIFICATION notif)
{
    rec_sink *s = impl_from_IMAPIAdviseSink(iface);
    ULONG i;

    /* Never assert here: this may run on the engine's thread. */
    EnterCriticalSection(&s->lock);
    s->calls++;
    s->thread = GetCurrentThreadId();
    for (i = 0; i < count && s->n < ARRAYSIZE(s->types); i++)
    {
        s->types[s->n] = notif[i].ulEventType;
        s->values[s->n++] = value_of(&notif[i]);
    }
    LeaveCriticalSection(&s->lock);
    if (s->entered)
    {
        SetEvent(s->entered);
        WaitForSingleObject(s->proceed, INFINITE);
    }
    if (s->engine && s->unsubscribe_conn)
    {
        s->unsubscribe_hr = mc_notify_engine_unsubscribe(s->engine, s->unsubscribe_conn);
        s->unsubscribe_conn = 0;
    }
    if (s->engine && s->destroy_engine)
    {
        s->destroy_engine = FALSE;
        mc_notify_engine_destroy(s->engine);
    }
    InterlockedIncrement(&s->finished);
    return s->result;
}

static const IMAPIAdviseSinkVtbl rec_vtbl = { rec_QueryInterface, rec_AddRef, rec_Release, rec_OnNotify };

static void rec_init(rec_sink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = (IMAPIAdviseSinkVtbl *)&rec_vtbl;
    s->ref = 1;
    InitializeCriticalSection(&s->lock);
}

static void rec_done(rec_sink *s)
{
    DeleteCriticalSection(&s->lock);
    if (s->entered)
        CloseHandle(s->entered);
    if (s->proceed)
        CloseHandle(s->proceed);
}

static void newmail(NOTIFICATION *n, ULONG value)
{
    memset(n, 0, sizeof(*n));
    n->ulEventType = fnevNewMail;
    n->info.newmail.ulMessageFlags = value;
}

static const struct { ULONG cb; BYTE ab[4]; } key_a = { 4, "keyA" }, key_b = { 4, "keyB" };
#define KEY_A ((const NOTIFKEY *)&key_a)
#define KEY_B ((const NOTIFKEY *)&key_b)

/* ---- copies ------------------------------------------------------------------------------------ */

static void fill_all_kinds(NOTIFICATION n[7], SPropValue *vals, SPropTagArray *tags, MAPIERROR *err)
{
    static BYTE eid[] = { 1, 2, 3, 4, 5 }, parent[] = { 9, 8, 7 }, ext[] = { 0xaa, 0xbb };

    memset(n, 0, 7 * sizeof(*n));
    memset(err, 0, sizeof(*err));
    err->ulVersion = MAPI_ERROR_VERSION;
    err->lpszError = (LPTSTR)L"disk on fire";
    err->lpszComponent = (LPTSTR)L"store";
    n[0].ulEventType = fnevCriticalError;
    n[0].info.err.cbEntryID = sizeof(eid);
    n[0].info.err.lpEntryID = (ENTRYID *)eid;
    n[0].info.err.scode = MAPI_E_DISK_ERROR;
    n[0].info.err.ulFlags = MAPI_UNICODE;
    n[0].info.err.lpMAPIError = err;
    n[1].ulEventType = fnevNewMail;
    n[1].info.newmail.cbEntryID = sizeof(eid);
    n[1].info.newmail.lpEntryID = (ENTRYID *)eid;
    n[1].info.newmail.cbParentID = sizeof(parent);
    n[1].info.newmail.lpParentID = (ENTRYID *)parent;
    n[1].info.newmail.lpszMessageClass = (LPTSTR)"IPM.Note";    /* ANSI: no MAPI_UNICODE */
    n[1].info.newmail.ulMessageFlags = MSGFLAG_UNSENT;
    n[2].ulEventType = fnevObjectMoved;
    n[2].info.obj.cbEntryID = sizeof(eid);
    n[2].info.obj.lpEntryID = (ENTRYID *)eid;
    n[2].info.obj.ulObjType = MAPI_MESSAGE;
    n[2].info.obj.cbParentID = sizeof(parent);
    n[2].info.obj.lpParentID = (ENTRYID *)parent;
    n[2].info.obj.cbOldID = sizeof(eid);
    n[2].info.obj.lpOldID = (ENTRYID *)eid;
    n[2].info.obj.cbOldParentID = sizeof(parent);
    n[2].info.obj.lpOldParentID = (ENTRYID *)parent;
    n[2].info.obj.lpPropTagArray = tags;
    n[3].ulEventType = fnevTableModified;
    n[3].info.tab.ulTableEvent = TABLE_ROW_ADDED;
    n[3].info.tab.propIndex.ulPropTag = PR_INSTANCE_KEY;
    n[3].info.tab.propIndex.Value.bin.cb = sizeof(eid);
    n[3].info.tab.propIndex.Value.bin.lpb = eid;
    n[3].info.tab.propPrior.ulPropTag = PR_NULL;
    n[3].info.tab.row.cValues = 2;
    n[3].info.tab.row.lpProps = vals;
    n[4].ulEventType = fnevExtended;
    n[4].info.ext.ulEvent = 77;
    n[4].info.ext.cb = sizeof(ext);
    n[4].info.ext.pbEventParameters = ext;
    n[5].ulEventType = fnevStatusObjectModified;
    n[5].info.statobj.cbEntryID = sizeof(eid);
    n[5].info.statobj.lpEntryID = (ENTRYID *)eid;
    n[5].info.statobj.cValues = 2;
    n[5].info.statobj.lpPropVals = vals;
    n[6].ulEventType = fnevSearchComplete;
    n[6].info.obj.cbEntryID = sizeof(eid);
    n[6].info.obj.lpEntryID = (ENTRYID *)eid;
    n[6].info.obj.ulObjType = MAPI_FOLDER;
}

static void test_dup_every_kind(void **state)
{
    SizedSPropTagArray(2, tags) = { 2, { PR_SUBJECT_W, PR_BODY_W } };
    SPropValue vals[2] = { { PR_SUBJECT_W }, { PR_ROWID } };
    NOTIFICATION src[7], *copy = NULL;
    MAPIERROR err;
    ULONG fail;

    vals[0].Value.lpszW = L"hello";
    vals[1].Value.l = 42;
    fill_all_kinds(src, vals, (SPropTagArray *)&tags, &err);
    assert_int_equal(mc_notifications_dup(&test_alloc, 7, src, &copy), S_OK);
    assert_true(test_is_root(copy));
    /* every pointer is a copy, every content the same */
    assert_ptr_not_equal(copy[0].info.err.lpMAPIError, &err);
    assert_string_equal((WCHAR *)copy[0].info.err.lpMAPIError->lpszError, L"disk on fire");
    assert_string_equal((WCHAR *)copy[0].info.err.lpMAPIError->lpszComponent, L"store");
    assert_int_equal(copy[0].info.err.scode, MAPI_E_DISK_ERROR);
    assert_ptr_not_equal(copy[0].info.err.lpEntryID, src[0].info.err.lpEntryID);
    assert_memory_equal(copy[0].info.err.lpEntryID, src[0].info.err.lpEntryID, 5);
    assert_string_equal((char *)copy[1].info.newmail.lpszMessageClass, "IPM.Note");
    assert_ptr_not_equal(copy[1].info.newmail.lpszMessageClass, src[1].info.newmail.lpszMessageClass);
    assert_memory_equal(copy[1].info.newmail.lpParentID, src[1].info.newmail.lpParentID, 3);
    assert_int_equal(copy[1].info.newmail.ulMessageFlags, MSGFLAG_UNSENT);
    assert_memory_equal(copy[2].info.obj.lpOldParentID, src[2].info.obj.lpOldParentID, 3);
    assert_ptr_not_equal(copy[2].info.obj.lpPropTagArray, src[2].info.obj.lpPropTagArray);
    assert_int_equal(copy[2].info.obj.lpPropTagArray->aulPropTag[1], PR_BODY_W);
    assert_int_equal(copy[3].info.tab.row.cValues, 2);
    assert_ptr_not_equal(copy[3].info.tab.row.lpProps, vals);
    assert_string_equal(copy[3].info.tab.row.lpProps[0].Value.lpszW, L"hello");
    assert_ptr_not_equal(copy[3].info.tab.row.lpProps[0].Value.lpszW, vals[0].Value.lpszW);
    assert_int_equal(copy[3].info.tab.propPrior.ulPropTag, PR_NULL);
    assert_memory_equal(copy[3].info.tab.propIndex.Value.bin.lpb, src[3].info.tab.propIndex.Value.bin.lpb, 5);
    assert_int_equal(copy[4].info.ext.ulEvent, 77);
    assert_memory_equal(copy[4].info.ext.pbEventParameters, "\xaa\xbb", 2);
    assert_ptr_not_equal(copy[4].info.ext.pbEventParameters, src[4].info.ext.pbEventParameters);
    assert_int_equal(copy[5].info.statobj.lpPropVals[1].Value.l, 42);
    assert_int_equal(copy[6].info.obj.ulObjType, MAPI_FOLDER);
    assert_null(copy[6].info.obj.lpParentID);
    test_FreeBuffer(copy);

    /* Out of memory at every step: an error, nothing left behind. */
    for (fail = 0; fail < 40; fail++)
    {
        HRESULT hr;
        copy = (NOTIFICATION *)1;
        test_fail_after = fail;
        hr = mc_notifications_dup(&test_alloc, 7, src, &copy);
        test_fail_after = ~0u;
        if (hr == S_OK)
        {
            test_FreeBuffer(copy);
            break;
        }
        assert_int_equal(hr, MAPI_E_NOT_ENOUGH_MEMORY);
        assert_null(copy);
        assert_int_equal(test_live_blocks, 0);
    }
    assert_true(fail > 10 && fail < 40);        /* it did need many blocks, and then succeeded */

    assert_int_equal(mc_notifications_dup(NULL, 7, src, &copy), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_notifications_dup(&test_alloc, 1, NULL, &copy), MAPI_E_INVALID_PARAMETER);
}

/* ---- the engine ------------------------------------------------------------------------------- */

static void test_engine_order_and_thread(void **state)
{
    mc_notify_engine *e = NULL;
    NOTIFICATION n;
    rec_sink s;
    ULONG conn = 0, i;

    rec_init(&s);
    assert_int_equal(mc_notify_engine_create(&e), S_OK);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, fnevNewMail, 0, &s.IMAPIAdviseSink_iface, &conn), S_OK);
    assert_int_not_equal(conn, 0);
    assert_int_equal(s.ref, 2);                  /* held until unsubscribe */
    for (i = 0; i < 200; i++)
    {
        newmail(&n, i);
        assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, NULL), S_OK);
        n.info.newmail.ulMessageFlags = 9999;    /* the engine copied it */
    }
    assert_int_equal(mc_notify_engine_wait_idle(e, 10000), S_OK);
    assert_int_equal(s.n, 200);
    for (i = 0; i < 200; i++)
        assert_int_equal(s.values[i], i);        /* in order */
    assert_int_not_equal(s.thread, GetCurrentThreadId());
    assert_int_equal(mc_notify_engine_unsubscribe(e, conn), S_OK);
    assert_int_equal(s.ref, 1);
    assert_int_equal(mc_notify_engine_unsubscribe(e, conn), MAPI_E_NOT_FOUND);
    newmail(&n, 1);
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, NULL), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(e, 10000), S_OK);
    assert_int_equal(s.n, 200);                  /* nothing after unsubscribe */
    mc_notify_engine_destroy(e);
    rec_done(&s);
}

static void test_engine_keys_and_masks(void **state)
{
    mc_notify_engine *e = NULL;
    NOTIFICATION batch[3];
    rec_sink a, b;
    ULONG ca, cb, cb2;

    rec_init(&a);
    rec_init(&b);
    assert_int_equal(mc_notify_engine_create(&e), S_OK);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, fnevNewMail | fnevObjectCreated, 0, &a.IMAPIAdviseSink_iface, &ca), S_OK);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_B, fnevObjectCreated, 0, &b.IMAPIAdviseSink_iface, &cb), S_OK);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_B, fnevExtended, 0, &b.IMAPIAdviseSink_iface, &cb2), S_OK);
    assert_int_not_equal(ca, cb);
    assert_int_not_equal(cb, cb2);
    assert_int_equal(b.ref, 3);

    newmail(&batch[0], 1);
    memset(&batch[1], 0, sizeof(batch[1]));
    batch[1].ulEventType = fnevObjectCreated;
    batch[1].info.obj.ulObjType = 2;
    memset(&batch[2], 0, sizeof(batch[2]));
    batch[2].ulEventType = fnevObjectDeleted;
    batch[2].info.obj.ulObjType = 3;
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 3, batch, NULL), S_OK);
    assert_int_equal(mc_notify_engine_notify(e, KEY_B, 3, batch, NULL), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(e, 10000), S_OK);
    /* A: its key, its mask: mail and created, in one call */
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.types[0], fnevNewMail);
    assert_int_equal(a.types[1], fnevObjectCreated);
    assert_int_equal(a.values[1], 2);
    /* B: created only (its extended subscription matched nothing) */
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.values[0], 2);

    /* bad arguments */
    assert_int_equal(mc_notify_engine_subscribe(e, NULL, 1, 0, &a.IMAPIAdviseSink_iface, &ca), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, 0, 0, &a.IMAPIAdviseSink_iface, &ca), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, 1, 0x10, &a.IMAPIAdviseSink_iface, &ca), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 0, batch, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_notify_engine_unsubscribe(e, 0), MAPI_E_INVALID_PARAMETER);

    /* destroy releases every sink still subscribed */
    mc_notify_engine_destroy(e);
    assert_int_equal(a.ref, 1);
    assert_int_equal(b.ref, 1);
    rec_done(&a);
    rec_done(&b);
}

static void test_engine_sync(void **state)
{
    mc_notify_engine *e = NULL;
    NOTIFICATION n;
    rec_sink a, b;
    ULONG ca, cb, flags;

    rec_init(&a);
    rec_init(&b);
    assert_int_equal(mc_notify_engine_create(&e), S_OK);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, fnevNewMail, 0, &a.IMAPIAdviseSink_iface, &ca), S_OK);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, fnevNewMail, NOTIFY_SYNC, &b.IMAPIAdviseSink_iface, &cb), S_OK);

    /* NOTIFY_SYNC in the call: everyone, on this thread, before it returns */
    newmail(&n, 5);
    flags = NOTIFY_SYNC;
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, &flags), S_OK);
    assert_int_equal(flags, 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    assert_int_equal(a.thread, GetCurrentThreadId());

    /* a synchronous subscription gets it at once; the other one later, on the worker */
    newmail(&n, 6);
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, NULL), S_OK);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.values[1], 6);
    assert_int_equal(b.thread, GetCurrentThreadId());
    assert_int_equal(mc_notify_engine_wait_idle(e, 10000), S_OK);
    assert_int_equal(a.n, 2);
    assert_int_not_equal(a.thread, GetCurrentThreadId());
    assert_int_equal(b.n, 2);                    /* not twice */

    /* CALLBACK_DISCONTINUE from a synchronous sink: NOTIFY_CANCELED, nobody after it */
    b.result = CALLBACK_DISCONTINUE;
    a.result = CALLBACK_DISCONTINUE;
    flags = NOTIFY_SYNC;
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, &flags), S_OK);
    assert_int_equal(flags, NOTIFY_CANCELED);
    assert_int_equal(a.n + b.n, 5);              /* only the first sink was called */
    flags = 0x4;
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, &flags), MAPI_E_UNKNOWN_FLAGS);

    mc_notify_engine_destroy(e);
    rec_done(&a);
    rec_done(&b);
}

typedef struct unsub_ctx { mc_notify_engine *e; ULONG conn; HRESULT hr; LONG finished_seen; rec_sink *s; } unsub_ctx;

static DWORD WINAPI unsubscriber(void *arg)
{
    unsub_ctx *c = arg;
    c->hr = mc_notify_engine_unsubscribe(c->e, c->conn);
    c->finished_seen = c->s->finished;     /* OnNotify must be over by now */
    return 0;
}

static void test_engine_unsubscribe_while_delivering(void **state)
{
    mc_notify_engine *e = NULL;
    NOTIFICATION n;
    unsub_ctx c;
    rec_sink s;
    HANDLE th;
    ULONG conn;

    rec_init(&s);
    s.entered = CreateEventW(NULL, FALSE, FALSE, NULL);
    s.proceed = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_int_equal(mc_notify_engine_create(&e), S_OK);
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, fnevNewMail, 0, &s.IMAPIAdviseSink_iface, &conn), S_OK);
    newmail(&n, 1);
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, NULL), S_OK);
    newmail(&n, 2);
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, NULL), S_OK);
    assert_int_equal(WaitForSingleObject(s.entered, 10000), WAIT_OBJECT_0);   /* in OnNotify */

    c.e = e;
    c.conn = conn;
    c.hr = E_FAIL;
    c.finished_seen = -1;
    c.s = &s;
    th = CreateThread(NULL, 0, unsubscriber, &c, 0, NULL);
    /* Unsubscribe must wait for the delivery in progress */
    assert_int_equal(WaitForSingleObject(th, 300), WAIT_TIMEOUT);
    assert_int_equal(s.finished, 0);
    SetEvent(s.proceed);
    assert_int_equal(WaitForSingleObject(th, 10000), WAIT_OBJECT_0);
    CloseHandle(th);
    assert_int_equal(c.hr, S_OK);
    assert_int_equal(c.finished_seen, 1);        /* the delivery had ended */
    assert_int_equal(mc_notify_engine_wait_idle(e, 10000), S_OK);
    assert_int_equal(s.n, 1);                    /* the second one never came */
    assert_int_equal(s.ref, 1);

    /* A sink unsubscribing itself from inside OnNotify: no deadlock. */
    CloseHandle(s.entered);
    CloseHandle(s.proceed);
    s.entered = s.proceed = NULL;
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, fnevNewMail, 0, &s.IMAPIAdviseSink_iface, &conn), S_OK);
    s.engine = e;
    s.unsubscribe_conn = conn;
    s.unsubscribe_hr = E_FAIL;
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, NULL), S_OK);
    assert_int_equal(mc_notify_engine_wait_idle(e, 10000), S_OK);
    assert_int_equal(s.unsubscribe_hr, S_OK);
    assert_int_equal(s.ref, 1);

    /* Destroyed from inside a delivery: the worker finishes on its own. */
    assert_int_equal(mc_notify_engine_subscribe(e, KEY_A, fnevNewMail, 0, &s.IMAPIAdviseSink_iface, &conn), S_OK);
    s.destroy_engine = TRUE;
    s.finished = 0;
    assert_int_equal(mc_notify_engine_notify(e, KEY_A, 1, &n, NULL), S_OK);
    while (s.finished == 0)
        Sleep(10);
    Sleep(50);
    assert_int_equal(s.ref, 1);                  /* released by destroy */
    rec_done(&s);
}

/* ---- the notifier over IMAPISupport ----------------------------------------------------------- */

typedef struct fake_support
{
    IMAPISupport IMAPISupport_iface;
    LONG ref;
    ULONG subscribes, unsubscribes, notifies;
    NOTIFKEY *last_key;
    ULONG last_mask, last_conn, last_count, last_event;
} fake_support;

static inline fake_support *impl_from_IMAPISupport(IMAPISupport *iface)
{
    return CONTAINING_RECORD(iface, fake_support, IMAPISupport_iface);
}

static ULONG WINAPI sup_AddRef(IMAPISupport *iface) { return InterlockedIncrement(&impl_from_IMAPISupport(iface)->ref); }
static ULONG WINAPI sup_Release(IMAPISupport *iface) { return InterlockedDecrement(&impl_from_IMAPISupport(iface)->ref); }

static HRESULT WINAPI sup_Subscribe(IMAPISupport *iface, LPNOTIFKEY key, ULONG mask, ULONG flags,
                                    LPMAPIADVISESINK sink, ULONG_PTR *conn)
{
    fake_support *s = impl_from_IMAPISupport(iface);
    s->subscribes++;
    s->last_mask = mask;
    mc_free(s->last_key);
    s->last_key = mc_malloc(CbNOTIFKEY(key));
    memcpy(s->last_key, key, CbNOTIFKEY(key));
    /* a 64-bit caller's variable: write all of it, with garbage above the low half */
    *conn = (ULONG_PTR)0x1234 | ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1));
    return S_OK;
}

static HRESULT WINAPI sup_Unsubscribe(IMAPISupport *iface, ULONG_PTR conn)
{
    fake_support *s = impl_from_IMAPISupport(iface);
    s->unsubscribes++;
    s->last_conn = (ULONG)conn;
    return S_OK;
}

static HRESULT WINAPI sup_Notify(IMAPISupport *iface, LPNOTIFKEY key, ULONG count, LPNOTIFICATION n,
                                 ULONG_PTR *flags)
{
    fake_support *s = impl_from_IMAPISupport(iface);
    s->notifies++;
    s->last_count = count;
    s->last_event = n[0].info.tab.ulTableEvent;
    if (key->cb != s->last_key->cb || memcmp(key->ab, s->last_key->ab, key->cb) || *flags)
        s->last_event = ~0u;     /* wrong key, or NOTIFY_SYNC asked */
    return S_OK;
}

static void test_notifier_from_support(void **state)
{
    /* Only the slots the notifier uses are filled; the rest must never be called. */
    IMAPISupportVtbl vtbl;
    fake_support sup;
    mc_notifier n;
    mc_table *t = NULL;
    IMAPITable *view = NULL;
    IMAPIAdviseSink *sink;
    SPropValue row = { PR_ROWID, 0, { .l = 1 } };
    rec_sink s;
    ULONG conn = 0;

    memset(&vtbl, 0, sizeof(vtbl));
    vtbl.AddRef = sup_AddRef;
    vtbl.Release = sup_Release;
    vtbl.Subscribe = (void *)sup_Subscribe;
    vtbl.Unsubscribe = (void *)sup_Unsubscribe;
    vtbl.Notify = (void *)sup_Notify;
    memset(&sup, 0, sizeof(sup));
    sup.IMAPISupport_iface.lpVtbl = &vtbl;
    sup.ref = 1;
    rec_init(&s);
    sink = &s.IMAPIAdviseSink_iface;

    assert_int_equal(mc_notifier_from_support(NULL, &n), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(mc_notifier_from_support(&sup.IMAPISupport_iface, &n), S_OK);
    assert_int_equal(sup.ref, 2);
    assert_int_equal(mc_table_new(&test_alloc, PR_ROWID, NULL, &t), S_OK);
    assert_int_equal(mc_table_set_notifier(t, &n), S_OK);
    assert_int_equal(sup.ref, 3);                /* the table's copy holds its own */
    mc_notifier_clear(&n);
    assert_int_equal(sup.ref, 2);
    assert_null(n.notify);

    assert_int_equal(mc_table_open_view(t, NULL, NULL, &view), S_OK);
    assert_int_equal(view->lpVtbl->Advise(view, fnevTableModified, sink, &conn), S_OK);
    assert_int_equal(sup.subscribes, 1);
    assert_int_equal(sup.last_mask, fnevTableModified);
    assert_int_equal(sup.last_key->cb, 16);     /* a key of the view's own */
    assert_int_equal(conn, 0x1234);             /* the low 32 bits (DECISIONS.md 1) */
    assert_int_equal(mc_table_set_notifier(t, NULL), MAPI_E_BUSY);

    assert_int_equal(mc_table_modify_row(t, 1, &row), S_OK);
    assert_int_equal(sup.notifies, 1);
    assert_int_equal(sup.last_count, 1);
    assert_int_equal(sup.last_event, TABLE_ROW_ADDED);
    assert_int_equal(s.n, 0);                    /* MAPI delivers, not us */

    assert_int_equal(view->lpVtbl->Unadvise(view, conn), S_OK);
    assert_int_equal(sup.unsubscribes, 1);
    assert_int_equal(sup.last_conn, 0x1234);
    assert_int_equal(view->lpVtbl->Unadvise(view, conn), MAPI_E_NOT_FOUND);
    view->lpVtbl->Release(view);
    mc_table_release(t);
    assert_int_equal(sup.ref, 1);                /* given back with the table */
    mc_free(sup.last_key);
    rec_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_dup_every_kind),
        T(test_engine_order_and_thread),
        T(test_engine_keys_and_masks),
        T(test_engine_sync),
        T(test_engine_unsubscribe_while_delivering),
        T(test_notifier_from_support),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
