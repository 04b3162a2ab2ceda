/*
 * tandem-demo.c - the main job, as a plain MAPI client (mapi32): two profiles, alice and bob,
 * share one drop directory under a demo folder (%LOCALAPPDATA%\Tandem Demo). Alice sends bob a
 * message with an attachment and one to an address nobody owns (Extended MAPI), then one more
 * through Simple MAPI (MAPISendMail with an implicit session on the default profile, which the
 * demo makes alice's for the run and gives back at the end); bob's Inbox is exported as RFC
 * 5322 files with the transport's own mapping (mapimime.h, as `tandem export` does). The demo
 * prints a short report and "result    : OK" only when every step did what it should. Every
 * run starts from fresh stores, a fresh drop directory and a fresh export folder.
 */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapi.h>
#include "mapiclient.h"
#include "tandem.h"
#include "mapimime.h"

#ifndef PR_PST_PATH_W
#define PR_PST_PATH_W PROP_TAG(PT_UNICODE, 0x6700)
#endif
#define PR_TD_DROP_ROOT_W PROP_TAG(PT_UNICODE, 0x6790)

static WCHAR demo_dir[MAX_PATH], drop_root[MAX_PATH], export_dir[MAX_PATH];

typedef struct user
{
    const char *profile;
    const WCHAR *name, *email;
    WCHAR store_path[MAX_PATH];
    IMAPISession *session;
    IMsgStore *mdb;
} user;

static int failed;

static HRESULT check(const char *what, HRESULT hr)
{
    if (FAILED(hr) && !failed)
    {
        fprintf(stderr, "tandem-demo: %s failed: %#lx\n", what, hr);
        failed = 1;
    }
    return hr;
}

/* Delete a folder tree (the previous run's drop directory). */
static void remove_tree(const WCHAR *dir)
{
    WIN32_FIND_DATAW fd;
    WCHAR pat[MAX_PATH], sub[MAX_PATH];
    HANDLE h;

    swprintf(pat, MAX_PATH, L"%ls\\*", dir);
    if ((h = FindFirstFileW(pat, &fd)) != INVALID_HANDLE_VALUE)
    {
        do
        {
            if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L"..")) continue;
            swprintf(sub, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) remove_tree(sub);
            else DeleteFileW(sub);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryW(dir);
}

static HRESULT create_profile(IProfAdmin *admin, user *u)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_SERVICE_NAME_A, PR_SERVICE_UID}};
    IMsgServiceAdmin *svc = NULL;
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    SPropValue props[4];
    HRESULT hr;
    ULONG i;

    swprintf(u->store_path, MAX_PATH, L"%ls\\%hs.tandem", demo_dir, u->profile + sizeof("Tandem Demo ") - 1);
    DeleteFileW(u->store_path);
    admin->lpVtbl->DeleteProfile(admin, (LPTSTR)u->profile, 0);
    if (FAILED(hr = check("CreateProfile", admin->lpVtbl->CreateProfile(admin, (LPTSTR)u->profile, NULL, 0, 0))))
        return hr;
    if (FAILED(hr = check("AdminServices", admin->lpVtbl->AdminServices(admin, (LPTSTR)u->profile, NULL, 0, 0, &svc))))
        return hr;
    if (SUCCEEDED(hr = check("CreateMsgService(TANDEM)", svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"TANDEM", (LPTSTR)"Tandem", 0, 0)))
        && SUCCEEDED(hr = check("GetMsgServiceTable", svc->lpVtbl->GetMsgServiceTable(svc, 0, &table)))
        && SUCCEEDED(hr = check("HrQueryAllRows", HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows))))
    {
        hr = MAPI_E_NOT_FOUND;
        for (i = 0; i < rows->cRows; i++)
        {
            SPropValue *v = rows->aRow[i].lpProps;
            if (v[0].ulPropTag != PR_SERVICE_NAME_A || lstrcmpA(v[0].Value.lpszA, "TANDEM")) continue;
            props[0].ulPropTag = PR_PST_PATH_W;
            props[0].Value.lpszW = u->store_path;
            props[1].ulPropTag = PR_DISPLAY_NAME_W;
            props[1].Value.lpszW = (WCHAR *)u->name;
            props[2].ulPropTag = PR_EMAIL_ADDRESS_W;
            props[2].Value.lpszW = (WCHAR *)u->email;
            props[3].ulPropTag = PR_TD_DROP_ROOT_W;
            props[3].Value.lpszW = drop_root;
            hr = check("ConfigureMsgService", svc->lpVtbl->ConfigureMsgService(svc, (MAPIUID *)v[1].Value.bin.lpb, 0, 0, 4, props));
            break;
        }
        check("finding TANDEM in the service table", hr);
    }
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    svc->lpVtbl->Release(svc);
    return hr;
}

static HRESULT logon(user *u)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;

    /* a normal session: its spooler logs the transport on, which couples it to the store */
    if (FAILED(hr = check("MAPILogonEx", MAPILogonEx(0, (LPTSTR)u->profile, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION, &u->session))))
        return hr;
    if (SUCCEEDED(hr = check("GetMsgStoresTable", u->session->lpVtbl->GetMsgStoresTable(u->session, 0, &table)))
        && SUCCEEDED(hr = check("HrQueryAllRows", HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows))))
    {
        hr = MAPI_E_NOT_FOUND;
        for (i = 0; i < rows->cRows; i++)
            if (rows->aRow[i].lpProps[1].ulPropTag == PR_DEFAULT_STORE && rows->aRow[i].lpProps[1].Value.b)
                hr = check("OpenMsgStore", u->session->lpVtbl->OpenMsgStore(u->session, 0, rows->aRow[i].lpProps[0].Value.bin.cb,
                    (ENTRYID *)rows->aRow[i].lpProps[0].Value.bin.lpb, NULL, MDB_WRITE | MDB_NO_DIALOG, &u->mdb));
    }
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    return hr;
}

static void logoff(user *u)
{
    if (u->mdb) u->mdb->lpVtbl->Release(u->mdb);
    if (u->session)
    {
        u->session->lpVtbl->Logoff(u->session, 0, 0, 0);
        u->session->lpVtbl->Release(u->session);
    }
    u->mdb = NULL;
    u->session = NULL;
}

/* A folder of the store: by a store property (PR_IPM_OUTBOX_ENTRYID...) or the receive folder. */
static IMAPIFolder *open_folder(user *u, ULONG tag)
{
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, type = 0;
    HRESULT hr;

    if (tag) hr = HrGetOneProp((IMAPIProp *)u->mdb, tag, &v);
    else hr = u->mdb->lpVtbl->GetReceiveFolder(u->mdb, (LPTSTR)"IPM", 0, &cb, &eid, NULL);
    if (SUCCEEDED(hr))
    {
        if (v) { cb = v->Value.bin.cb; eid = (ENTRYID *)v->Value.bin.lpb; }
        hr = u->mdb->lpVtbl->OpenEntry(u->mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f);
    }
    check("opening a folder", hr);
    if (v) MAPIFreeBuffer(v);
    else MAPIFreeBuffer(eid);
    return f;
}

static HRESULT send_message(user *from, const WCHAR *to, const WCHAR *subject, const WCHAR *body, BOOL attach)
{
    IMAPIFolder *outbox = open_folder(from, PR_IPM_OUTBOX_ENTRYID);
    IAddrBook *ab = NULL;
    IMessage *msg = NULL;
    IAttach *att = NULL;
    ADRLIST *list = NULL;
    SPropValue *sent = NULL, v[4];
    ULONG n;
    HRESULT hr;

    if (!outbox) return MAPI_E_NOT_FOUND;
    if (FAILED(hr = check("CreateMessage", outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &msg)))) goto done;
    v[0].ulPropTag = PR_MESSAGE_CLASS_W;
    v[0].Value.lpszW = (WCHAR *)L"IPM.Note";
    v[1].ulPropTag = PR_SUBJECT_W;
    v[1].Value.lpszW = (WCHAR *)subject;
    v[2].ulPropTag = PR_BODY_W;
    v[2].Value.lpszW = (WCHAR *)body;
    n = 3;
    if (SUCCEEDED(HrGetOneProp((IMAPIProp *)from->mdb, PR_IPM_SENTMAIL_ENTRYID, &sent)))
    {
        v[n] = *sent;
        v[n++].ulPropTag = PR_SENTMAIL_ENTRYID;    /* keep a copy in Sent Items */
    }
    if (FAILED(hr = check("SetProps", msg->lpVtbl->SetProps(msg, n, v, NULL)))) goto done;

    /* the recipient: the address book resolves a bare SMTP address to a one-off */
    if (FAILED(hr = check("OpenAddressBook", from->session->lpVtbl->OpenAddressBook(from->session, 0, NULL, AB_NO_DIALOG, &ab))))
        goto done;
    if (FAILED(hr = check("MAPIAllocateBuffer", MAPIAllocateBuffer(CbNewADRLIST(1), (void **)&list)))) goto done;
    list->cEntries = 1;
    list->aEntries[0].cValues = 2;
    if (FAILED(hr = MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&list->aEntries[0].rgPropVals))) goto done;
    list->aEntries[0].rgPropVals[0].ulPropTag = PR_DISPLAY_NAME_W;
    list->aEntries[0].rgPropVals[0].Value.lpszW = (WCHAR *)to;
    list->aEntries[0].rgPropVals[1].ulPropTag = PR_RECIPIENT_TYPE;
    list->aEntries[0].rgPropVals[1].Value.l = MAPI_TO;
    if (FAILED(hr = check("ResolveName", ab->lpVtbl->ResolveName(ab, 0, MAPI_UNICODE, NULL, list)))) goto done;
    if (FAILED(hr = check("ModifyRecipients", msg->lpVtbl->ModifyRecipients(msg, 0, list)))) goto done;

    if (attach)
    {
        static const char text[] = "Minutes of the Tandem meeting: everything was delivered exactly once.\r\n";
        ULONG num = 0;
        if (FAILED(hr = check("CreateAttach", msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att)))) goto done;
        v[0].ulPropTag = PR_ATTACH_METHOD;
        v[0].Value.l = ATTACH_BY_VALUE;
        v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_W;
        v[1].Value.lpszW = (WCHAR *)L"minutes.txt";
        v[2].ulPropTag = PR_ATTACH_DATA_BIN;
        v[2].Value.bin.cb = sizeof(text) - 1;
        v[2].Value.bin.lpb = (BYTE *)text;
        if (FAILED(hr = check("attachment SetProps", att->lpVtbl->SetProps(att, 3, v, NULL)))) goto done;
        if (FAILED(hr = check("attachment SaveChanges", att->lpVtbl->SaveChanges(att, 0)))) goto done;
    }
    hr = check("SubmitMessage", msg->lpVtbl->SubmitMessage(msg, 0));

done:
    if (list) FreePadrlist(list);
    if (ab) ab->lpVtbl->Release(ab);
    if (att) att->lpVtbl->Release(att);
    if (msg) msg->lpVtbl->Release(msg);
    MAPIFreeBuffer(sent);
    outbox->lpVtbl->Release(outbox);
    return hr;
}

/* FlushQueues on the session's spooler status object: upload and download, returns when done. */
static HRESULT flush(user *u)
{
    return check("FlushQueues", mapiclient_flush(u->session, FLUSH_UPLOAD | FLUSH_DOWNLOAD));
}

/* The rows of a folder's contents table with `cols`, oldest first; NULL on failure. */
static SRowSet *contents(user *u, ULONG folder_tag, SPropTagArray *cols)
{
    static const SizedSSortOrderSet(1, order) = {1, 0, 0, {{PR_CLIENT_SUBMIT_TIME, TABLE_SORT_ASCEND}}};
    IMAPIFolder *f = open_folder(u, folder_tag);
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;

    if (!f) return NULL;
    if (SUCCEEDED(check("GetContentsTable", f->lpVtbl->GetContentsTable(f, MAPI_UNICODE, &t))))
    {
        check("HrQueryAllRows", HrQueryAllRows(t, cols, NULL, (SSortOrderSet *)&order, 0, &rows));
        t->lpVtbl->Release(t);
    }
    f->lpVtbl->Release(f);
    return rows;
}

static const WCHAR *wstr(const SPropValue *v, ULONG tag)
{
    return v->ulPropTag == tag ? v->Value.lpszW : L"";
}

/* Each message's attachments by file name, "a, b" (at most `cch` characters). */
static void attachment_names(user *u, const SBinary *eid, WCHAR *out, size_t cch)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ATTACH_LONG_FILENAME_W, PR_ATTACH_SIZE}};
    IMessage *m = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG type, i;

    wcscpy(out, L"none");
    if (FAILED(u->mdb->lpVtbl->OpenEntry(u->mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m))) return;
    if (SUCCEEDED(m->lpVtbl->GetAttachmentTable(m, MAPI_UNICODE, &t))
        && SUCCEEDED(HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)) && rows->cRows)
    {
        out[0] = 0;
        for (i = 0; i < rows->cRows; i++)
        {
            size_t len = wcslen(out);
            swprintf(out + len, cch - len, L"%ls%ls", i ? L", " : L"", wstr(&rows->aRow[i].lpProps[0], PR_ATTACH_LONG_FILENAME_W));
        }
    }
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    m->lpVtbl->Release(m);
}

/* Print a folder; returns its number of messages whose subject is `want` (NULL: any). */
static ULONG print_folder(user *u, const char *title, ULONG folder_tag, const WCHAR *want)
{
    static const SizedSPropTagArray(6, cols) = {6, {PR_SUBJECT_W, PR_SENDER_NAME_W, PR_DISPLAY_TO_W,
        PR_MESSAGE_CLASS_W, PR_ENTRYID, PR_NDR_REASON_CODE}};
    SRowSet *rows = contents(u, folder_tag, (SPropTagArray *)&cols);
    ULONG i, matches = 0;

    printf("\n%s\n", title);
    if (!rows) return 0;
    if (!rows->cRows) printf("  (empty)\n");
    for (i = 0; i < rows->cRows; i++)
    {
        SPropValue *v = rows->aRow[i].lpProps;
        WCHAR att[256];
        if (!want || !wcscmp(wstr(&v[0], PR_SUBJECT_W), want)) matches++;
        attachment_names(u, &v[4].Value.bin, att, ARRAYSIZE(att));
        printf("  %-22ls from %-8ls to %-18ls [%ls] attachments: %ls\n", wstr(&v[0], PR_SUBJECT_W),
               wstr(&v[1], PR_SENDER_NAME_W), wstr(&v[2], PR_DISPLAY_TO_W), wstr(&v[3], PR_MESSAGE_CLASS_W), att);
    }
    FreeProws(rows);
    return matches;
}

static ULONG count(user *u, ULONG folder_tag)
{
    static const SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    SRowSet *rows = contents(u, folder_tag, (SPropTagArray *)&cols);
    ULONG n = rows ? rows->cRows : 0;
    if (rows) FreeProws(rows);
    return n;
}

/* The default profile's name into `out` ("" when there is none). */
static void default_profile(IProfAdmin *admin, char *out, ULONG size)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_DEFAULT_PROFILE}};
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    ULONG i;

    *out = 0;
    if (FAILED(check("GetProfileTable", admin->lpVtbl->GetProfileTable(admin, 0, &table)))) return;
    if (SUCCEEDED(check("HrQueryAllRows", HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows))))
    {
        for (i = 0; i < rows->cRows; i++)
            if (rows->aRow[i].lpProps[0].ulPropTag == PR_DISPLAY_NAME_A
                && rows->aRow[i].lpProps[1].ulPropTag == PR_DEFAULT_PROFILE && rows->aRow[i].lpProps[1].Value.b)
                lstrcpynA(out, rows->aRow[i].lpProps[0].Value.lpszA, size);
        FreeProws(rows);
    }
    table->lpVtbl->Release(table);
}

/* What a program does when the user picks "send by e-mail": Simple MAPI's MAPISendMail with
 * no session handle, so MAPI logs on to the default profile (alice's) for the call. */
static ULONG simple_send(const char *to, const char *subject, const char *body)
{
    MapiRecipDesc recip;
    MapiMessage msg;
    ULONG rc;

    memset(&msg, 0, sizeof(msg));
    memset(&recip, 0, sizeof(recip));
    recip.ulRecipClass = MAPI_TO;
    recip.lpszName = (LPSTR)"Bob";
    recip.lpszAddress = (LPSTR)to;
    msg.lpszSubject = (LPSTR)subject;
    msg.lpszNoteText = (LPSTR)body;
    msg.nRecipCount = 1;
    msg.lpRecips = &recip;
    if ((rc = MAPISendMail(0, 0, &msg, 0, 0)) != SUCCESS_SUCCESS && !failed)
    {
        fprintf(stderr, "tandem-demo: MAPISendMail failed: %lu\n", rc);
        failed = 1;
    }
    return rc;
}

/* The user's Inbox as RFC 5322 files 00001.eml, 00002.eml... in `dir` (oldest first), written
 * by the transport's mapping as `tandem export` writes them; prints each name and size and
 * returns how many were written. */
static ULONG export_inbox(user *u, const WCHAR *dir)
{
    static const mc_alloc alloc = {MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer};
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_SUBJECT_W}};
    SRowSet *rows = contents(u, 0, (SPropTagArray *)&cols);
    ULONG i, type, written = 0;

    if (!rows) return 0;
    CreateDirectoryW(dir, NULL);
    for (i = 0; i < rows->cRows && !failed; i++)
    {
        const SBinary *eid = &rows->aRow[i].lpProps[0].Value.bin;
        IMessage *m = NULL;
        char *bytes = NULL;
        size_t len = 0;
        WCHAR path[MAX_PATH];
        HANDLE f;
        DWORD done = 0;

        swprintf(path, MAX_PATH, L"%ls\\%05lu.eml", dir, i + 1);
        if (SUCCEEDED(check("OpenEntry", u->mdb->lpVtbl->OpenEntry(u->mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0,
                                                                  &type, (IUnknown **)&m)))
            && SUCCEEDED(check("td_mapimime_write", td_mapimime_write(&alloc, m, &bytes, &len, NULL))))
        {
            f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
            if (f != INVALID_HANDLE_VALUE && WriteFile(f, bytes, (DWORD)len, &done, NULL) && done == len)
            {
                printf("  %05lu.eml  %6lu bytes  \"%ls\"\n", i + 1, (unsigned long)len,
                       wstr(&rows->aRow[i].lpProps[1], PR_SUBJECT_W));
                written++;
            }
            else check("writing an exported file", HRESULT_FROM_WIN32(GetLastError()));
            if (f != INVALID_HANDLE_VALUE) CloseHandle(f);
        }
        free(bytes);
        if (m) m->lpVtbl->Release(m);
    }
    FreeProws(rows);
    return written;
}

/* Flush both sessions until bob has `want` messages and alice's Outbox is empty (~10 s). */
static void settle(user *alice, user *bob, ULONG want)
{
    ULONG tries;
    for (tries = 0; tries < 100 && !failed; tries++)
    {
        flush(bob);
        flush(alice);
        if (count(bob, 0) >= want && count(alice, 0) >= 1 && !count(alice, PR_IPM_OUTBOX_ENTRYID)) break;
        Sleep(100);
    }
}

int main(void)
{
    user alice = { "Tandem Demo alice", L"Alice", L"alice@demo.test", {0}, NULL, NULL };
    user bob = { "Tandem Demo bob", L"Bob", L"bob@demo.test", {0}, NULL, NULL };
    static const WCHAR subject[] = L"Meeting minutes", lost[] = L"Anybody there?", simple[] = L"Sent by e-mail";
    IProfAdmin *admin = NULL;
    WCHAR base[MAX_PATH];
    char previous[MAX_PATH] = "";
    BOOL default_set = FALSE;
    ULONG got = 0, sent = 0, ndr = 0, outbox = 0, smapi = 0, exported = 0;
    HRESULT hr;
    int rc = 1;

    printf("Tandem demo\n===========\n");
    if (FAILED(hr = MAPIInitialize(NULL))) return check("MAPIInitialize", hr), 1;
    if (!GetEnvironmentVariableW(L"LOCALAPPDATA", base, MAX_PATH)) wcscpy(base, L"C:\\");
    swprintf(demo_dir, MAX_PATH, L"%ls\\Tandem Demo", base);
    swprintf(drop_root, MAX_PATH, L"%ls\\drop", demo_dir);
    swprintf(export_dir, MAX_PATH, L"%ls\\bob-inbox", demo_dir);
    remove_tree(drop_root);
    remove_tree(export_dir);
    CreateDirectoryW(demo_dir, NULL);

    if (FAILED(check("MAPIAdminProfiles", MAPIAdminProfiles(0, &admin)))) goto done;
    if (FAILED(create_profile(admin, &alice)) || FAILED(create_profile(admin, &bob))) goto done;
    /* Simple MAPI without a session handle logs on to the default profile: alice's, for now */
    default_profile(admin, previous, sizeof(previous));
    if (FAILED(check("SetDefaultProfile", admin->lpVtbl->SetDefaultProfile(admin, (LPTSTR)alice.profile, 0)))) goto done;
    default_set = TRUE;
    printf("profiles  : %s <%ls> (default for now), %s <%ls>\n", alice.profile, alice.email, bob.profile, bob.email);
    printf("drop root : %ls\n", drop_root);

    /* bob logs on first: his transport's logon creates his mailbox in the drop directory */
    if (FAILED(logon(&bob)) || FAILED(logon(&alice))) goto done;
    if (FAILED(send_message(&alice, bob.email, subject, L"Hello Bob, the minutes are attached.\r\n", TRUE))) goto done;
    if (FAILED(send_message(&alice, L"nobody@demo.test", lost, L"This address has no mailbox.\r\n", FALSE))) goto done;
    printf("sent      : \"%ls\" to %ls (with minutes.txt), \"%ls\" to nobody@demo.test\n", subject, bob.email, lost);
    /* bob's spooler picks the file up on Poll; FlushQueues makes it happen now */
    settle(&alice, &bob, 1);

    /* alice's transport owns her mailbox while her session is on: Simple MAPI's own session
     * comes after it, as another program's would */
    logoff(&alice);
    if (simple_send("SMTP:bob@demo.test", "Sent by e-mail", "Sent through Simple MAPI's MAPISendMail.") != SUCCESS_SUCCESS)
        goto done;
    printf("Simple MAPI: MAPISendMail(\"%ls\") to %ls on the default profile: SUCCESS_SUCCESS\n", simple, bob.email);
    if (FAILED(logon(&alice))) goto done;
    settle(&alice, &bob, 2);

    got = print_folder(&bob, "Bob's Inbox", 0, subject);
    smapi = print_folder(&alice, "Alice's Sent Items", PR_IPM_SENTMAIL_ENTRYID, simple);
    sent = count(&alice, PR_IPM_SENTMAIL_ENTRYID);
    ndr = print_folder(&alice, "Alice's Inbox (the report for the address nobody owns)", 0, NULL);
    outbox = count(&alice, PR_IPM_OUTBOX_ENTRYID);
    printf("\nBob's Inbox exported as RFC 5322 files to %ls\n", export_dir);
    exported = export_inbox(&bob, export_dir);
    printf("\nchecks    : bob received \"%ls\" %lu (want 1) and %lu in all (want 2), alice sent %lu (want 3)\n"
           "            of which by Simple MAPI %lu (want 1), reports %lu (want 1), outbox %lu (want 0),\n"
           "            exported %lu (want 2)\n",
           subject, got, count(&bob, 0), sent, smapi, ndr, outbox, exported);
    if (!failed && got == 1 && count(&bob, 0) == 2 && sent == 3 && smapi == 1 && ndr == 1 && !outbox && exported == 2)
        rc = 0;

done:
    logoff(&alice);
    logoff(&bob);
    if (default_set)
        check("restoring the default profile",
              admin->lpVtbl->SetDefaultProfile(admin, *previous ? (LPTSTR)previous : NULL, 0));
    if (admin) admin->lpVtbl->Release(admin);
    MAPIUninitialize();
    printf(rc ? "result    : FAILED\n" : "result    : OK\n");
    return rc;
}
