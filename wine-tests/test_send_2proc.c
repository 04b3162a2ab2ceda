/*
 * test_send_2proc.c - sending between two processes (issue 6 point 9): bob's session lives in a
 * second process (a copy of this program) for the whole exchange while alice, in this one,
 * sends him one message through the coupled path and one through the spooler (an X400
 * recipient sends it to the queue). bob's process picks them up with FlushQueues and counts
 * them in his Inbox for a while after they arrived: each must be there exactly once. Back in
 * this process both profiles are checked again through their own sessions: bob's Inbox holds
 * each message once, alice's Sent Items each once, her Outbox nothing.
 */
#include <stdlib.h>
#include <wchar.h>
#include "wtest.h"
#include "wtmapi.h"
#include "wtsend.h"

#define READY_EVENT "Local\\tandem-wt-send-2proc-ready"
#define SENT_EVENT  "Local\\tandem-wt-send-2proc-sent"

static const WCHAR coupled_subject[] = L"two processes: coupled";
static const WCHAR spooled_subject[] = L"two processes: spooler";

/* bob's process. Exit code: 10 * (copies of the coupled message) + (copies of the spooled
 * one) when all went well (11 expected), 100+ when something failed before counting. */
static int child_bob(void)
{
    HANDLE ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, READY_EVENT);
    HANDLE sent = OpenEventA(SYNCHRONIZE, FALSE, SENT_EVENT);
    ULONG coupled = 0, spooled = 0, i, settled = 0;
    ws_user u;
    int code;

    if (!ready || !sent) return 101;
    if (FAILED(MAPIInitialize(NULL))) return 102;
    ws_profile_names(&u, "bob");
    if (FAILED(ws_logon(&u, 0)))
    {
        MAPIUninitialize();
        return 103;
    }
    SetEvent(ready);
    if (WaitForSingleObject(sent, 60000) != WAIT_OBJECT_0) code = 104;
    else
    {
        /* up to 60 s for both; then ten more flushes: nothing may arrive twice */
        for (i = 0; i < 600 && settled < 10; i++)
        {
            if (FAILED(ws_flush(&u))) break;
            coupled = ws_count(&u, 0, coupled_subject);
            spooled = ws_count(&u, 0, spooled_subject);
            if (coupled == ~0u || spooled == ~0u) break;
            if (coupled && spooled) settled++;
            Sleep(100);
        }
        code = coupled == ~0u || spooled == ~0u ? 105 : (int)(coupled * 10 + spooled);
        if (code > 99) code = 99;
    }
    ws_logoff(&u);
    MAPIUninitialize();
    CloseHandle(ready);
    CloseHandle(sent);
    return code;
}

void wt_run(void)
{
    static const ws_recip to_bob[] = {{L"Bob", L"SMTP", L"bob@example.test"}};
    static const ws_recip via_spooler[] = {{L"Bob", L"SMTP", L"bob@example.test"}, {L"Carol", L"X400", L"c=xx;a=;p=carol"}};
    IProfAdmin *admin = NULL;
    ws_user alice, bob, watch;
    wt_mail_sink mail;
    WCHAR drop_root[MAX_PATH], subject[128];
    ULONG conn = 0, coupled = 0, spooled = 0;
    HANDLE ready = NULL, sent = NULL, child = NULL;
    ULONG blocks, objects, provider_objects, i;
    DWORD code = 999;
    HRESULT hr;

    if (__argc >= 2 && !strcmp(__argv[1], "bob")) exit(child_bob());
    memset(&alice, 0, sizeof(alice));
    memset(&bob, 0, sizeof(bob));
    memset(&watch, 0, sizeof(watch));
    wt_mail_sink_init(&mail);

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    swprintf(drop_root, MAX_PATH, L"%ls\\drop", wt_temp_dir());
    if (!ws_profile(admin, &bob, "bob", drop_root) || !ws_profile(admin, &alice, "alice", drop_root)) goto done;

    ready = CreateEventA(NULL, TRUE, FALSE, READY_EVENT);
    sent = CreateEventA(NULL, TRUE, FALSE, SENT_EVENT);
    if (!ok(ready && sent, "CreateEvent failed: %lu\n", GetLastError())) goto done;
    child = ws_start_child("bob");
    if (!ok(child != NULL, "CreateProcess failed: %lu\n", GetLastError())) goto done;
    /* bob is logged on over there before alice sends (his mailbox exists, his spooler runs) */
    ok(WaitForSingleObject(ready, 60000) == WAIT_OBJECT_0, "bob's process never logged on\n");
    /* bob's store watched from this process, by a session that delivers nothing itself */
    watch.p = bob.p;
    hr = ws_logon(&watch, MAPI_NO_MAIL);
    if (ok(hr == S_OK, "bob's MAPI_NO_MAIL logon here returned %#lx\n", hr))
    {
        hr = watch.mdb->lpVtbl->Advise(watch.mdb, 0, NULL, fnevNewMail, &mail.IMAPIAdviseSink_iface, &conn);
        ok(hr == S_OK && conn, "Advise(fnevNewMail) on bob's store returned %#lx\n", hr);
    }

    wt_context("alice sends");
    hr = ws_logon(&alice, 0);
    if (!ok(hr == S_OK, "alice's logon returned %#lx\n", hr)) goto done;
    hr = ws_send(&alice, coupled_subject, 1, to_bob, TRUE);
    ok(hr == S_OK, "SubmitMessage (coupled) returned %#lx\n", hr);
    hr = ws_send(&alice, spooled_subject, 2, via_spooler, FALSE);
    ok(hr == S_OK, "SubmitMessage (spooler) returned %#lx\n", hr);
    for (i = 0; i < 50 && ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL) != 0; i++)
    {
        ws_flush(&alice);
        Sleep(100);
    }
    ok(ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL) == 0, "alice's Outbox still holds %lu\n",
       ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL));
    SetEvent(sent);

    wt_context("bob's process");
    /* this thread's messages carry the notifications: pump while bob's process works */
    wt_mail_sink_wait(&mail, 2, 60000);
    ok(WaitForSingleObject(child, 120000) == WAIT_OBJECT_0, "bob's process did not finish\n");
    GetExitCodeProcess(child, &code);
    ok(code == 11, "bob's process saw the coupled message %lu times and the spooled one %lu times (exit code %lu)\n",
       code < 100 ? code / 10 : 0, code < 100 ? code % 10 : 0, code);

    wt_context("fnevNewMail in another process");
    wt_mail_sink_wait(&mail, 3, 500);      /* a third would be a duplicate */
    ok(mail.newmail == 2, "this process's session of bob's heard of %ld new messages\n", mail.newmail);
    for (i = 0; watch.mdb && i < 2 && i < (ULONG)mail.newmail; i++)
    {
        wt_mail_sink_subject(&mail, i, watch.mdb, subject, 128);
        if (!wcscmp(subject, coupled_subject)) coupled++;
        else if (!wcscmp(subject, spooled_subject)) spooled++;
        else ok(0, "fnevNewMail %lu announced '%ls'\n", i, subject);
    }
    ok(coupled == 1 && spooled == 1, "announced: the coupled message %lu times, the spooled one %lu times\n",
       coupled, spooled);
    if (conn) ok(watch.mdb->lpVtbl->Unadvise(watch.mdb, conn) == S_OK, "Unadvise\n");
    conn = 0;

    wt_context("both again");
    hr = ws_logon(&bob, 0);
    if (!ok(hr == S_OK, "bob's logon returned %#lx\n", hr)) goto done;
    ws_flush(&bob);
    ok(ws_count(&bob, 0, coupled_subject) == 1, "bob's Inbox holds the coupled message %lu times\n",
       ws_count(&bob, 0, coupled_subject));
    ok(ws_count(&bob, 0, spooled_subject) == 1, "bob's Inbox holds the spooled message %lu times\n",
       ws_count(&bob, 0, spooled_subject));
    ok(ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, coupled_subject) == 1, "alice's Sent Items hold the coupled message %lu times\n",
       ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, coupled_subject));
    ok(ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, spooled_subject) == 1, "alice's Sent Items hold the spooled message %lu times\n",
       ws_count(&alice, PR_IPM_SENTMAIL_ENTRYID, spooled_subject));

done:
    if (child)
    {
        if (WaitForSingleObject(child, 0) != WAIT_OBJECT_0) TerminateProcess(child, 888);
        CloseHandle(child);
    }
    if (ready) CloseHandle(ready);
    if (sent) CloseHandle(sent);
    if (conn) watch.mdb->lpVtbl->Unadvise(watch.mdb, conn);
    ws_logoff(&watch);
    ok(mail.ref == 1, "the new-mail sink has %ld references at the end\n", mail.ref);
    wt_mail_sink_free(&mail);
    ws_logoff(&alice);
    ws_logoff(&bob);
    if (admin)
    {
        wt_profile_delete(admin, &alice.p);
        wt_profile_delete(admin, &bob.p);
        if (ok(wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects), "no counters\n"))
        {
            ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
            ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
        }
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
