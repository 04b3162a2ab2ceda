/*
 * test_minimapi_notify.c - the support object's notification methods on the session's engine
 * (imapisupport-subscribe.md, imapisupport-unsubscribe.md, imapisupport-notify.md), session
 * Advise on a status entry ID (fnevStatusObjectModified when ModifyStatusRow changes the row),
 * status entry IDs, and minimapi's own status objects. No MAPIInitialize here: sinks are
 * called on the engine's thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "minimapi_private.h"

typedef struct sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref, calls;
    ULONG event;
    HANDLE called;
} sink;

static HRESULT STDMETHODCALLTYPE sink_QueryInterface(IMAPIAdviseSink *iface, REFIID iid, void **out)
{
    *out = iface;
    iface->lpVtbl->AddRef(iface);
    return S_OK;
}
static ULONG STDMETHODCALLTYPE sink_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface)->ref);
}
static ULONG STDMETHODCALLTYPE sink_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface)->ref);
}
static ULONG STDMETHODCALLTYPE sink_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notifs)
{
    sink *s = CONTAINING_RECORD(iface, sink, IMAPIAdviseSink_iface);
    s->event = notifs[0].ulEventType;
    InterlockedIncrement(&s->calls);
    SetEvent(s->called);
    return 0;
}
static const IMAPIAdviseSinkVtbl sink_vtbl = {sink_QueryInterface, sink_AddRef, sink_Release, sink_OnNotify};

static void sink_init(sink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = &sink_vtbl;
    s->ref = 1;
    s->called = CreateEventW(NULL, FALSE, FALSE, NULL);
}

static LONG get_long(IMAPIStatus *st, ULONG tag)
{
    SizedSPropTagArray(1, tags) = {1, {tag}};
    SPropValue *v = NULL;
    ULONG n = 0;
    LONG value;
    assert_int_equal(st->lpVtbl->GetProps(st, (SPropTagArray *)&tags, 0, &n, &v), S_OK);
    assert_int_equal(v[0].ulPropTag, tag);
    value = v[0].Value.l;
    MAPIFreeBuffer(v);
    return value;
}

static void test_status_eid(void **state)
{
    BYTE eid[MM_STATUS_EID_SIZE];
    MAPIUID section = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}, back;
    ULONG kind = 99;

    mm_status_eid(MM_STATUS_PROVIDER, &section, eid);
    assert_true(mm_status_eid_parse(sizeof(eid), (ENTRYID *)eid, &kind, &back));
    assert_int_equal(kind, MM_STATUS_PROVIDER);
    assert_memory_equal(&back, &section, sizeof(section));
    assert_false(mm_status_eid_parse(sizeof(eid) - 1, (ENTRYID *)eid, NULL, NULL));
    eid[20] = 7;    /* unknown kind */
    assert_false(mm_status_eid_parse(sizeof(eid), (ENTRYID *)eid, NULL, NULL));
    mm_status_eid(MM_STATUS_SPOOLER, NULL, eid);
    eid[4] ^= 1;    /* another provider's UID */
    assert_false(mm_status_eid_parse(sizeof(eid), (ENTRYID *)eid, NULL, NULL));
}

/* Subscribe keeps the sink, Notify copies and delivers asynchronously, Unsubscribe releases. */
static void test_support_notify(void **state)
{
    static const MAPIUID section = {{0x11}}, service = {{0x22}};
    struct { ULONG cb; BYTE ab[4]; } key = {4, {1, 2, 3, 4}}, other = {4, {9, 9, 9, 9}};
    IMAPISession *session_iface;
    IMAPISupport *sup;
    mm_support *s;
    ULONG conn = 0, flags;
    NOTIFICATION n;
    sink k;

    sink_init(&k);
    assert_int_equal(mm_session_create(L"no such profile", MAPI_NO_MAIL, &session_iface), S_OK);
    assert_int_equal(mm_support_create((mm_session *)session_iface, L"no such profile", &section,
                                       &service, NULL, &s), S_OK);
    sup = mm_support_iface(s);
    assert_int_equal(sup->lpVtbl->Subscribe(sup, (NOTIFKEY *)&key, fnevObjectCreated, 0, NULL, &conn),
                     MAPI_E_INVALID_PARAMETER);
    assert_int_equal(sup->lpVtbl->Subscribe(sup, (NOTIFKEY *)&key, fnevObjectCreated, 0x1,
                                            &k.IMAPIAdviseSink_iface, &conn), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(sup->lpVtbl->Subscribe(sup, (NOTIFKEY *)&key, fnevObjectCreated, 0,
                                            &k.IMAPIAdviseSink_iface, &conn), S_OK);
    assert_true(conn != 0);
    assert_true(k.ref > 1);

    memset(&n, 0, sizeof(n));
    n.ulEventType = fnevObjectDeleted;      /* not in the mask */
    assert_int_equal(sup->lpVtbl->Notify(sup, (NOTIFKEY *)&key, 1, &n, NULL), S_OK);
    n.ulEventType = fnevObjectCreated;      /* another key */
    assert_int_equal(sup->lpVtbl->Notify(sup, (NOTIFKEY *)&other, 1, &n, NULL), S_OK);
    flags = 0;
    assert_int_equal(sup->lpVtbl->Notify(sup, (NOTIFKEY *)&key, 1, &n, &flags), S_OK);
    assert_int_equal(WaitForSingleObject(k.called, 5000), WAIT_OBJECT_0);
    assert_int_equal(mc_notify_engine_wait_idle(mm_session_engine((mm_session *)session_iface), 5000), S_OK);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.event, fnevObjectCreated);

    assert_int_equal(sup->lpVtbl->Unsubscribe(sup, conn), S_OK);
    assert_int_equal(k.ref, 1);
    assert_int_not_equal(sup->lpVtbl->Unsubscribe(sup, conn), S_OK);

    /* detached (session logged off): nothing to subscribe to */
    mm_support_detach(s);
    assert_int_equal(sup->lpVtbl->Subscribe(sup, (NOTIFKEY *)&key, fnevObjectCreated, 0,
                                            &k.IMAPIAdviseSink_iface, &conn), MAPI_E_NO_SUPPORT);
    sup->lpVtbl->Release(sup);
    session_iface->lpVtbl->Release(session_iface);
    CloseHandle(k.called);
}

/* The spooler row of a MAPI_NO_MAIL session: its status object, and fnevStatusObjectModified
 * through session Advise on the row's entry ID when a provider's row changes. */
static void test_status_objects(void **state)
{
    static const MAPIUID section = {{0x33}}, service = {{0x44}};
    BYTE eid[MM_STATUS_EID_SIZE];
    IMAPISession *session;
    IMAPIStatus *st = NULL;
    SPropValue row[2];
    ULONG type = 0, conn = 0;
    mm_support *s;
    sink k;

    sink_init(&k);
    assert_int_equal(mm_session_create(L"no such profile", MAPI_NO_MAIL, &session), S_OK);
    mm_status_eid(MM_STATUS_SPOOLER, NULL, eid);
    assert_int_equal(session->lpVtbl->OpenEntry(session, sizeof(eid), (ENTRYID *)eid, NULL, 0, &type,
                                                (IUnknown **)&st), S_OK);
    assert_int_equal(type, MAPI_STATUS);
    assert_int_equal(get_long(st, PR_STATUS_CODE), STATUS_FAILURE);   /* MAPI_NO_MAIL (mapilogonex.md) */
    assert_int_equal(get_long(st, PR_RESOURCE_TYPE), MAPI_SPOOLER);
    /* no spooler to flush; unknown flags first */
    assert_int_equal(st->lpVtbl->FlushQueues(st, 0, 0, NULL, 0x40000000), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(st->lpVtbl->FlushQueues(st, 0, 0, NULL, FLUSH_UPLOAD), MAPI_E_CALL_FAILED);
    assert_int_equal(st->lpVtbl->SettingsDialog(st, 0, 0), MAPI_E_NO_SUPPORT);
    assert_int_equal(st->lpVtbl->ValidateState(st, 0, 0x2), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(st->lpVtbl->SetProps(st, 0, NULL, NULL), MAPI_E_NO_ACCESS);
    st->lpVtbl->Release(st);

    /* a provider row: Advise on its status entry ID, then ModifyStatusRow changes it */
    mm_status_eid(MM_STATUS_PROVIDER, &section, eid);
    assert_int_equal(session->lpVtbl->Advise(session, sizeof(eid), (ENTRYID *)eid,
                                             fnevStatusObjectModified, &k.IMAPIAdviseSink_iface, &conn), S_OK);
    assert_int_equal(mm_support_create((mm_session *)session, L"no such profile", &section, &service,
                                       NULL, &s), S_OK);
    memset(row, 0, sizeof(row));
    row[0].ulPropTag = PR_STATUS_CODE;
    row[0].Value.l = STATUS_AVAILABLE;
    row[1].ulPropTag = PR_DISPLAY_NAME_W;
    row[1].Value.lpszW = (WCHAR *)L"fake";
    /* the section does not exist in the registry: MAPI's own columns cannot be filled */
    mm_support_iface(s)->lpVtbl->ModifyStatusRow(mm_support_iface(s), 2, row, 0);
    {
        SPropValue full[3];
        memcpy(full, row, sizeof(row));
        full[2].ulPropTag = PR_ENTRYID;
        full[2].Value.bin.cb = sizeof(eid);
        full[2].Value.bin.lpb = eid;
        full[0].ulPropTag = PR_INSTANCE_KEY;
        full[0].Value.bin.cb = sizeof(section);
        full[0].Value.bin.lpb = (BYTE *)&section;
        assert_int_equal(mm_session_modify_status_row((mm_session *)session, 3, full), S_OK);
    }
    assert_int_equal(WaitForSingleObject(k.called, 5000), WAIT_OBJECT_0);
    assert_int_equal(k.event, fnevStatusObjectModified);
    assert_int_equal(session->lpVtbl->Unadvise(session, conn), S_OK);
    assert_int_equal(session->lpVtbl->Unadvise(session, conn), MAPI_E_NOT_FOUND);
    assert_int_equal(k.ref, 1);
    mm_support_detach(s);
    mm_support_iface(s)->lpVtbl->Release(mm_support_iface(s));
    session->lpVtbl->Release(session);
    CloseHandle(k.called);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(test_status_eid),
        cmocka_unit_test(test_support_notify),
        cmocka_unit_test(test_status_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
