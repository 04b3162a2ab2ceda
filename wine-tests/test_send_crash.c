/*
 * test_send_crash.c - exactly once under crashes (issue 6 point 5, DECISIONS 7). The program
 * starts copies of itself: a sender (alice's session: submits one message, through the coupled
 * path or - with a second, X400 recipient - through the spooler, then flushes) or a receiver
 * (bob's session: FlushQueues picks up what waits in his mailbox). The parent kills the child
 * with TerminateProcess after a random delay, or lets it finish. At the end both profiles log
 * on again (store logon recovers what a dead sender left; the drop directory's delivery record
 * and the store's Message-ID lookup decide what a dead receiver left) and every message that
 * was submitted must be in bob's Inbox exactly once and in alice's Sent Items exactly once,
 * with nothing submitted left in alice's Outbox; a message whose sender died before it was
 * submitted is nowhere but (unsubmitted) in the Outbox.
 */
#include <stdlib.h>
#include <wchar.h>
#include "wtest.h"
#include "wtsend.h"

#define ROUNDS_DEFAULT 200

static WCHAR drop_root[MAX_PATH];

static void subject_of(int round, WCHAR *out) { swprintf(out, 64, L"crash round %03d", round); }

static int child_send(int round)
{
    static const ws_recip coupled[] = {{L"Bob", L"SMTP", L"bob@example.test"}};
    static const ws_recip spooled[] = {{L"Bob", L"SMTP", L"bob@example.test"}, {L"Carol", L"X400", L"c=xx;p=carol"}};
    ws_user u;
    WCHAR subject[64];
    HRESULT hr;

    if (FAILED(MAPIInitialize(NULL))) return 2;
    ws_profile_names(&u, "alice");
    subject_of(round, subject);
    if (SUCCEEDED(hr = ws_logon(&u, 0)))
    {
        hr = round % 4 == 0 ? ws_send(&u, subject, 2, spooled, FALSE) : ws_send(&u, subject, 1, coupled, FALSE);
        if (SUCCEEDED(hr)) hr = ws_flush(&u);
    }
    ws_logoff(&u);
    MAPIUninitialize();
    return SUCCEEDED(hr) ? 0 : 3;
}

static int child_receive(void)
{
    ws_user u;
    HRESULT hr;

    if (FAILED(MAPIInitialize(NULL))) return 2;
    ws_profile_names(&u, "bob");
    if (SUCCEEDED(hr = ws_logon(&u, 0))) hr = ws_flush(&u);
    ws_logoff(&u);
    MAPIUninitialize();
    return SUCCEEDED(hr) ? 0 : 3;
}

/* Run a child; kill it after `kill_ms` (~0u: never). TRUE when it was killed. */
static BOOL run_child(const char *args, DWORD kill_ms, DWORD *code)
{
    HANDLE p = ws_start_child(args);
    BOOL killed = FALSE;

    *code = 999;
    if (!ok(p != NULL, "CreateProcess failed: %lu\n", GetLastError())) return FALSE;
    if (WaitForSingleObject(p, kill_ms == ~0u ? 60000 : kill_ms) != WAIT_OBJECT_0)
    {
        TerminateProcess(p, 777);
        WaitForSingleObject(p, INFINITE);
        killed = TRUE;
    }
    GetExitCodeProcess(p, code);
    CloseHandle(p);
    return killed && *code == 777;
}

/* Subjects of a folder (counts per round; `flags` gets OR of MSGFLAG_SUBMIT seen per round). */
static void tally(ws_user *u, ULONG tag, int rounds, int *count, ULONG *flags)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_SUBJECT_W, PR_MESSAGE_FLAGS}};
    SRowSet *rows = ws_rows(u, tag, (SPropTagArray *)&cols);
    ULONG i;
    int r;

    if (!ok(rows != NULL, "cannot read a folder of %s\n", u->p.name)) return;
    for (i = 0; i < rows->cRows; i++)
    {
        SPropValue *p = rows->aRow[i].lpProps;
        if (p[0].ulPropTag != PR_SUBJECT_W || swscanf(p[0].Value.lpszW, L"crash round %d", &r) != 1 || r < 0 || r >= rounds)
            continue;
        count[r]++;
        if (flags && p[1].ulPropTag == PR_MESSAGE_FLAGS) flags[r] |= (ULONG)p[1].Value.l;
    }
    FreeProws(rows);
}

void wt_run(void)
{
    IProfAdmin *admin = NULL;
    ws_user alice, bob;
    int rounds = ROUNDS_DEFAULT, r, killed_send = 0, killed_recv = 0, finished = 0, bad = 0;
    int *inbox = NULL, *sent = NULL, *outbox = NULL;
    ULONG *outbox_flags = NULL, blocks, objects, provider_objects;
    DWORD t0 = GetTickCount(), code, send_ms = 400, recv_ms = 300;
    char env[16], args[64];
    HRESULT hr;
    int i;

    if (__argc >= 3 && !strcmp(__argv[1], "send")) exit(child_send(atoi(__argv[2])));
    if (__argc >= 2 && !strcmp(__argv[1], "receive")) exit(child_receive());
    if (GetEnvironmentVariableA("TANDEM_CRASH_ROUNDS", env, sizeof(env))) rounds = atoi(env);
    srand(GetTickCount());

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    swprintf(drop_root, MAX_PATH, L"%ls\\drop", wt_temp_dir());
    if (!ws_profile(admin, &bob, "bob", drop_root) || !ws_profile(admin, &alice, "alice", drop_root)) goto done;

    /* provision both stores and bob's mailbox; measure a whole child run of each kind */
    {
        DWORD a = GetTickCount();
        run_child("receive", ~0u, &code);
        ok(code == 0, "the first receiver exited with %lu\n", code);
        recv_ms = GetTickCount() - a;
        a = GetTickCount();
        snprintf(args, sizeof(args), "send %d", rounds);   /* a round past the counted ones */
        run_child(args, ~0u, &code);
        ok(code == 0, "the first sender exited with %lu\n", code);
        send_ms = GetTickCount() - a;
        trace("a sender runs %lu ms, a receiver %lu ms\n", send_ms, recv_ms);
    }

    for (r = 0; r < rounds; r++)
    {
        /* every third round lets its child finish; the others kill at a random moment of a run */
        BOOL recv = r % 2 == 1;
        DWORD span = recv ? recv_ms : send_ms;
        DWORD kill = r % 3 == 2 ? ~0u : (DWORD)(rand() % (span + 1));
        BOOL killed;

        if (recv) strcpy(args, "receive");
        else snprintf(args, sizeof(args), "send %d", r);
        killed = run_child(args, kill, &code);
        if (killed) { if (recv) killed_recv++; else killed_send++; }
        else
        {
            finished++;
            if (code) trace("round %d: child exited with %lu\n", r, code);
        }
    }
    trace("%d rounds in %lu ms: %d senders killed, %d receivers killed, %d finished\n", rounds,
          GetTickCount() - t0, killed_send, killed_recv, finished);
    ok(killed_send > rounds / 8 && killed_recv > rounds / 8, "too few kills (%d senders, %d receivers)\n",
       killed_send, killed_recv);

    /* restart: both log on (recovery), flush until the queues are empty */
    hr = ws_logon(&bob, 0);
    if (!ok(hr == S_OK, "bob's logon returned %#lx\n", hr)) goto done;
    hr = ws_logon(&alice, 0);
    if (!ok(hr == S_OK, "alice's logon returned %#lx\n", hr)) goto done;
    for (i = 0; i < 100; i++)
    {
        ws_flush(&alice);
        ws_flush(&bob);
        ws_flush(&bob);
        if (ws_count(&alice, PR_IPM_OUTBOX_ENTRYID, NULL) == 0 || i > 20) break;
        Sleep(100);
    }
    inbox = calloc(rounds, sizeof(int));
    sent = calloc(rounds, sizeof(int));
    outbox = calloc(rounds, sizeof(int));
    outbox_flags = calloc(rounds, sizeof(ULONG));
    tally(&bob, 0, rounds, inbox, NULL);
    tally(&alice, PR_IPM_SENTMAIL_ENTRYID, rounds, sent, NULL);
    tally(&alice, PR_IPM_OUTBOX_ENTRYID, rounds, outbox, outbox_flags);
    for (r = 0; r < rounds; r += 2)
    {
        BOOL good = inbox[r] <= 1 && sent[r] == inbox[r] && !(outbox_flags[r] & MSGFLAG_SUBMIT)
                    && (inbox[r] ? outbox[r] == 0 : 1);
        if (!good && bad++ < 10)
            ok(0, "round %d: bob's Inbox %d, alice's Sent Items %d, Outbox %d (flags %#lx)\n", r, inbox[r], sent[r],
               outbox[r], outbox_flags[r]);
        if (r % 3 == 2)
            ok(inbox[r] == 1, "round %d's sender finished but bob has %d\n", r, inbox[r]);
    }
    ok(!bad, "%d rounds inconsistent\n", bad);
    {
        int delivered = 0;
        for (r = 0; r < rounds; r++) delivered += inbox[r];
        trace("%d messages delivered exactly once; total %lu ms\n", delivered, GetTickCount() - t0);
    }

done:
    free(inbox);
    free(sent);
    free(outbox);
    free(outbox_flags);
    ws_logoff(&alice);
    ws_logoff(&bob);
    if (admin)
    {
        wt_profile_delete(admin, &alice.p);
        wt_profile_delete(admin, &bob.p);
        if (wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects))
        {
            ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
            ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
        }
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
