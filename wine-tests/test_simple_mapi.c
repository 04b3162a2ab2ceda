/*
 * test_simple_mapi.c - Simple MAPI through mapi32 (Wine's forwards it to the registered DLLPath,
 * minimapi): registration, bad input, MAPIResolveName, MAPISaveMail/FindNext/ReadMail/DeleteMail
 * on the Inbox, MAPISendMail with MAPI_DIALOG (Drafts, MAPI_E_USER_ABORT), MAPISendMail(W)
 * really sending alice -> bob over a drop directory, and Wine's own Extended MAPI bridge (a
 * child process started while DLLPath is removed). Pages: mapilogon.md, mapilogoff.md,
 * mapisendmail.md, mapisendmailw.md, mapiresolvename.md, mapifindnext.md, mapireadmail.md,
 * mapisavemail.md, mapideletemail.md, imapisession-prepareform.md, imapisession-showform.md.
 * The test makes alice the default profile and gives the previous default back at the end.
 */
#include "wtest.h"
#include "wtmapi.h"
#include <mapi.h>

#define PR_TD_DROP_ROOT_W PROP_TAG(PT_UNICODE, 0x6790)
#ifndef PR_IPM_DRAFTS_ENTRYID
#define PR_IPM_DRAFTS_ENTRYID PROP_TAG(PT_BINARY, 0x36D7)   /* pidtagdraftsfolderentryid */
#endif

typedef struct { ULONG ulReserved, ulRecipClass; PWSTR lpszName, lpszAddress; ULONG ulEIDSize; PVOID lpEntryID; } RecipW;
typedef struct { ULONG ulReserved, flFlags, nPosition; PWSTR lpszPathName, lpszFileName; PVOID lpFileType; } FileW;
typedef struct
{
    ULONG ulReserved;
    PWSTR lpszSubject, lpszNoteText, lpszMessageType, lpszDateReceived, lpszConversationID;
    FLAGS flFlags;
    RecipW *lpOriginator;
    ULONG nRecipCount;
    RecipW *lpRecips;
    ULONG nFileCount;
    FileW *lpFiles;
} MessageW;
ULONG WINAPI MAPISendMailW(LHANDLE, ULONG_PTR, MessageW *, FLAGS, ULONG);

#define MAIL_KEY "Software\\Clients\\Mail\\MiniMAPI"

static wt_profile alice, bob;
static WCHAR drop_root[MAX_PATH];
static char attach_path[MAX_PATH];

static BOOL set_drop_root(IProfAdmin *admin, wt_profile *p)
{
    IMsgServiceAdmin *svc = NULL;
    SPropValue v;
    HRESULT hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)p->name, NULL, 0, 0, &svc);
    if (!ok(hr == S_OK, "AdminServices(%s) returned %#lx\n", p->name, hr)) return FALSE;
    v.ulPropTag = PR_TD_DROP_ROOT_W;
    v.Value.lpszW = drop_root;
    hr = svc->lpVtbl->ConfigureMsgService(svc, &p->service_uid, 0, 0, 1, &v);
    svc->lpVtbl->Release(svc);
    return ok(hr == S_OK, "ConfigureMsgService(drop root of %s) returned %#lx\n", p->name, hr);
}

/* The default profile's name ("" when none). */
static void default_profile(IProfAdmin *admin, char *out, ULONG size)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_A, PR_DEFAULT_PROFILE}};
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    ULONG i;
    *out = 0;
    if (FAILED(admin->lpVtbl->GetProfileTable(admin, 0, &table))) return;
    if (SUCCEEDED(HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)))
    {
        for (i = 0; i < rows->cRows; i++)
            if (rows->aRow[i].lpProps[0].ulPropTag == PR_DISPLAY_NAME_A
                && rows->aRow[i].lpProps[1].ulPropTag == PR_DEFAULT_PROFILE
                && rows->aRow[i].lpProps[1].Value.b)
                lstrcpynA(out, rows->aRow[i].lpProps[0].Value.lpszA, size);
        FreeProws(rows);
    }
    table->lpVtbl->Release(table);
}

/* How many messages of `profile`'s folder (Drafts, Outbox or Sent Items) have `subject`. */
static int count_subject(const char *profile, ULONG folder_tag, const char *subject)
{
    static const SizedSPropTagArray(1, cols) = {1, {PR_SUBJECT_A}};
    static const SizedSPropTagArray(1, drafts) = {1, {PR_IPM_DRAFTS_ENTRYID}};
    IMAPISession *session = NULL;
    IMsgStore *store = NULL;
    IMAPIFolder *inbox = NULL, *folder = NULL;
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    SPropValue *v = NULL;
    ENTRYID *sid = NULL, *iid = NULL;
    ULONG cb, cbi, type, n, i;
    int count = -1;
    HRESULT hr;

    hr = MAPILogonEx(0, (LPTSTR)profile, NULL, MAPI_NEW_SESSION | MAPI_NO_MAIL, &session);
    if (!ok(hr == S_OK, "MAPILogonEx(%s) returned %#lx\n", profile, hr)) return -1;
    if (!(sid = wt_default_store_id(session, &cb))) goto done;
    hr = session->lpVtbl->OpenMsgStore(session, 0, cb, sid, NULL, MAPI_BEST_ACCESS, &store);
    if (!ok(hr == S_OK, "OpenMsgStore returned %#lx\n", hr)) goto done;
    if (folder_tag == PR_IPM_DRAFTS_ENTRYID)
    {
        hr = store->lpVtbl->GetReceiveFolder(store, NULL, 0, &cbi, &iid, NULL);
        if (!ok(hr == S_OK, "GetReceiveFolder returned %#lx\n", hr)) goto done;
        hr = store->lpVtbl->OpenEntry(store, cbi, iid, NULL, 0, &type, (IUnknown **)&inbox);
        if (!ok(hr == S_OK, "OpenEntry(Inbox) returned %#lx\n", hr)) goto done;
        hr = inbox->lpVtbl->GetProps(inbox, (SPropTagArray *)&drafts, 0, &n, &v);
    }
    else
    {
        SizedSPropTagArray(1, tag) = {1, {folder_tag}};
        hr = store->lpVtbl->GetProps(store, (SPropTagArray *)&tag, 0, &n, &v);
    }
    if (!ok(hr == S_OK && v[0].ulPropTag == folder_tag, "folder %#lx: %#lx\n", folder_tag, hr)) goto done;
    hr = store->lpVtbl->OpenEntry(store, v[0].Value.bin.cb, (ENTRYID *)v[0].Value.bin.lpb, NULL, 0,
                                  &type, (IUnknown **)&folder);
    if (!ok(hr == S_OK, "OpenEntry(folder) returned %#lx\n", hr)) goto done;
    hr = folder->lpVtbl->GetContentsTable(folder, 0, &table);
    if (!ok(hr == S_OK, "GetContentsTable returned %#lx\n", hr)) goto done;
    hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (!ok(hr == S_OK, "HrQueryAllRows returned %#lx\n", hr)) goto done;
    count = 0;
    for (i = 0; i < rows->cRows; i++)
        if (rows->aRow[i].lpProps[0].ulPropTag == PR_SUBJECT_A
            && !strcmp(rows->aRow[i].lpProps[0].Value.lpszA, subject))
            count++;
done:
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    if (folder) folder->lpVtbl->Release(folder);
    if (inbox) inbox->lpVtbl->Release(inbox);
    MAPIFreeBuffer(v);
    MAPIFreeBuffer(iid);
    MAPIFreeBuffer(sid);
    if (store) store->lpVtbl->Release(store);
    session->lpVtbl->Logoff(session, 0, 0, 0);
    session->lpVtbl->Release(session);
    return count;
}

static BOOL file_holds(const char *path, const char *text)
{
    char buf[256] = {0};
    DWORD got = 0;
    HANDLE f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (f == INVALID_HANDLE_VALUE) return FALSE;
    ReadFile(f, buf, sizeof(buf) - 1, &got, NULL);
    CloseHandle(f);
    return !strcmp(buf, text);
}

/* ---- registration -------------------------------------------------------------------------- */

static void test_registration(void)
{
    char path[MAX_PATH] = {0}, path_ex[MAX_PATH] = {0};
    DWORD cb = sizeof(path) - 1, cb_ex = sizeof(path_ex) - 1;
    HKEY key;
    LONG err;

    wt_context("registration");
    err = RegOpenKeyExA(HKEY_LOCAL_MACHINE, MAIL_KEY, 0, KEY_READ, &key);
    if (!ok(!err, "opening HKLM\\" MAIL_KEY " failed: %ld\n", err)) return;
    err = RegQueryValueExA(key, "DLLPath", NULL, NULL, (BYTE *)path, &cb);
    ok(!err, "DLLPath: error %ld\n", err);
    err = RegQueryValueExA(key, "DLLPathEx", NULL, NULL, (BYTE *)path_ex, &cb_ex);
    ok(!err, "DLLPathEx: error %ld\n", err);
    ok(!lstrcmpiA(path, path_ex) && strstr(path, "minimapi.dll"),
       "DLLPath %s, DLLPathEx %s\n", path, path_ex);
    RegCloseKey(key);
}

/* ---- bad input ----------------------------------------------------------------------------- */

static void test_bad_input(void)
{
    MapiRecipDesc recip, *resolved = (MapiRecipDesc *)1;
    MapiFileDesc file;
    MapiMessage msg, *read = (MapiMessage *)1;
    LHANDLE lh = 1;
    char id[64];
    ULONG r;

    wt_context("bad input");
    ok(MAPILogon(0, NULL, NULL, 0, 0, NULL) == MAPI_E_FAILURE, "MAPILogon(NULL handle)\n");
    r = MAPILogon(0, (LPSTR)"no such profile", NULL, 0, 0, &lh);
    ok(r == MAPI_E_LOGIN_FAILURE && !lh, "MAPILogon(unknown profile) returned %lu, %#Ix\n", r, lh);
    ok(MAPILogoff(0xdead0, 0, 0, 0) == MAPI_E_INVALID_SESSION, "MAPILogoff(bad handle)\n");
    ok(MAPISendMail(0, 0, NULL, 0, 0) == MAPI_E_FAILURE, "MAPISendMail(NULL)\n");
    memset(&msg, 0, sizeof(msg));
    msg.lpszSubject = (LPSTR)"bad";
    r = MAPISendMail(0, 0, &msg, 0, 0);
    ok(r == MAPI_E_INVALID_RECIPS, "no recipients without MAPI_DIALOG: %lu\n", r);
    memset(&recip, 0, sizeof(recip));
    recip.ulRecipClass = 7;
    recip.lpszName = (LPSTR)"bob@example.test";
    msg.nRecipCount = 1;
    msg.lpRecips = &recip;
    r = MAPISendMail(0, 0, &msg, 0, 0);
    ok(r == MAPI_E_BAD_RECIPTYPE, "recipient class 7: %lu\n", r);
    recip.ulRecipClass = MAPI_TO;
    recip.lpszName = (LPSTR)"Nobody Known";
    r = MAPISendMail(0, 0, &msg, 0, 0);
    ok(r == MAPI_E_UNKNOWN_RECIPIENT, "unknown recipient: %lu\n", r);
    recip.lpszName = (LPSTR)"a@example.test, b@example.test";
    r = MAPISendMail(0, 0, &msg, 0, 0);
    ok(r == MAPI_E_AMBIGUOUS_RECIPIENT, "two addresses in one name: %lu\n", r);
    recip.lpszName = (LPSTR)"bob@example.test";
    r = MAPISendMail(0xdead0, 0, &msg, 0, 0);
    ok(r == MAPI_E_INVALID_SESSION, "MAPISendMail(bad handle) returned %lu\n", r);
    memset(&file, 0, sizeof(file));
    file.nPosition = (ULONG)-1;
    file.lpszPathName = (LPSTR)"C:\\no\\such\\file.txt";
    msg.nFileCount = 1;
    msg.lpFiles = &file;
    r = MAPISendMail(0, 0, &msg, 0, 0);
    ok(r == MAPI_E_ATTACHMENT_NOT_FOUND, "missing attachment: %lu\n", r);
    ok(count_subject(alice.name, PR_IPM_OUTBOX_ENTRYID, "bad") == 0, "a failed send left a message\n");

    ok(MAPIResolveName(0, 0, (LPSTR)"x", 0, 0, NULL) == MAPI_E_FAILURE, "MAPIResolveName(NULL out)\n");
    r = MAPIResolveName(0, 0, (LPSTR)"Nobody Known", MAPI_AB_NOMODIFY, 0, &resolved);
    ok(r == MAPI_E_UNKNOWN_RECIPIENT && !resolved, "MAPIResolveName(unknown) returned %lu, %p\n", r, resolved);

    ok(MAPIFindNext(0, 0, NULL, NULL, 0, 0, id) == MAPI_E_INVALID_SESSION, "MAPIFindNext(no session)\n");
    ok(MAPIReadMail(0, 0, (LPSTR)"00", 0, 0, &read) == MAPI_E_INVALID_SESSION, "MAPIReadMail(no session)\n");
    ok(MAPIDeleteMail(0xdead0, 0, (LPSTR)"00", 0, 0) == MAPI_E_INVALID_SESSION, "MAPIDeleteMail(bad handle)\n");
    r = MAPILogon(0, NULL, NULL, 0, 0, &lh);
    if (!ok(r == SUCCESS_SUCCESS && lh, "MAPILogon(default) returned %lu\n", r)) return;
    r = MAPIReadMail(lh, 0, (LPSTR)"zz", 0, 0, &read);
    ok(r == MAPI_E_INVALID_MESSAGE && !read, "MAPIReadMail(zz) returned %lu\n", r);
    r = MAPIReadMail(lh, 0, (LPSTR)"=15030000000000000000", 0, 0, &read);
    ok(r == MAPI_E_INVALID_MESSAGE, "MAPIReadMail(no such message) returned %lu\n", r);
    ok(MAPIReadMail(lh, 0, NULL, 0, 0, &read) == MAPI_E_INVALID_MESSAGE, "MAPIReadMail(NULL id)\n");
    ok(MAPIDeleteMail(lh, 0, (LPSTR)"zz", 0, 0) == MAPI_E_INVALID_MESSAGE, "MAPIDeleteMail(zz)\n");
    r = MAPIFindNext(lh, 0, NULL, (LPSTR)"zz", 0, 0, id);
    ok(r == MAPI_E_INVALID_MESSAGE, "MAPIFindNext(bad seed) returned %lu\n", r);
    ok(MAPIAddress(lh, 0, NULL, 1, NULL, 0, NULL, 0, 0, &r, &resolved) == MAPI_E_NOT_SUPPORTED,
       "MAPIAddress\n");
    ok(MAPIDetails(lh, 0, &recip, 0, 0) == MAPI_E_NOT_SUPPORTED, "MAPIDetails\n");
    ok(MAPILogoff(lh, 0, 0, 0) == SUCCESS_SUCCESS, "MAPILogoff\n");
    ok(MAPILogoff(lh, 0, 0, 0) == MAPI_E_INVALID_SESSION, "second MAPILogoff\n");
}

/* ---- MAPIResolveName ----------------------------------------------------------------------- */

static void test_resolve(void)
{
    MapiRecipDesc *r = NULL;
    ULONG code;

    wt_context("MAPIResolveName");
    code = MAPIResolveName(0, 0, (LPSTR)"Bob Example <bob@example.test>", MAPI_AB_NOMODIFY, 0, &r);
    if (ok(code == SUCCESS_SUCCESS && r, "returned %lu\n", code))
    {
        ok(r->ulRecipClass == MAPI_TO, "class %lu\n", r->ulRecipClass);
        ok(r->lpszName && !strcmp(r->lpszName, "Bob Example"), "name %s\n", r->lpszName);
        ok(r->lpszAddress && !strcmp(r->lpszAddress, "SMTP:bob@example.test"), "address %s\n", r->lpszAddress);
        ok(r->ulEIDSize && r->lpEntryID, "entry ID %lu bytes\n", r->ulEIDSize);
        MAPIFreeBuffer(r);
    }
    r = NULL;
    code = MAPIResolveName(0, 0, (LPSTR)"SMTP:carol@example.test", 0, 0, &r);
    if (ok(code == SUCCESS_SUCCESS && r, "SMTP: form returned %lu\n", code))
    {
        ok(r->lpszAddress && !strcmp(r->lpszAddress, "SMTP:carol@example.test"), "address %s\n", r->lpszAddress);
        ok(r->lpszName && !strcmp(r->lpszName, "carol@example.test"), "name %s\n", r->lpszName);
        MAPIFreeBuffer(r);
    }
}

/* ---- the Inbox: save, find, read, replace, delete ------------------------------------------- */

static void test_inbox_round_trip(void)
{
    MapiRecipDesc recip;
    MapiFileDesc file;
    MapiMessage msg, *read = NULL;
    char id[64] = "", id2[64], found[64], old[64];
    LHANDLE lh = 0;
    ULONG r, i;

    wt_context("Inbox round trip");
    r = MAPILogon(0, alice.name, NULL, 0, 0, &lh);
    if (!ok(r == SUCCESS_SUCCESS, "MAPILogon(alice) returned %lu\n", r)) return;
    r = MAPIFindNext(lh, 0, NULL, NULL, 0, 0, found);
    ok(r == MAPI_E_NO_MESSAGES, "empty Inbox: %lu\n", r);

    memset(&msg, 0, sizeof(msg));
    memset(&recip, 0, sizeof(recip));
    memset(&file, 0, sizeof(file));
    msg.lpszSubject = (LPSTR)"saved one";
    msg.lpszNoteText = (LPSTR)"saved body";
    msg.flFlags = MAPI_UNREAD;
    recip.ulRecipClass = MAPI_CC;
    recip.lpszName = (LPSTR)"Carol";
    recip.lpszAddress = (LPSTR)"SMTP:carol@example.test";
    msg.nRecipCount = 1;
    msg.lpRecips = &recip;
    file.nPosition = (ULONG)-1;
    file.lpszPathName = attach_path;
    file.lpszFileName = (LPSTR)"notes.txt";
    msg.nFileCount = 1;
    msg.lpFiles = &file;
    r = MAPISaveMail(lh, 0, &msg, 0, 0, id);
    ok(r == SUCCESS_SUCCESS && *id && strlen(id) < 64, "MAPISaveMail(new) returned %lu, id %s\n", r, id);
    trace("message ID %s\n", id);

    r = MAPIFindNext(lh, 0, NULL, NULL, 0, 0, found);
    ok(r == SUCCESS_SUCCESS && !strcmp(found, id), "MAPIFindNext returned %lu, %s\n", r, found);
    r = MAPIFindNext(lh, 0, (LPSTR)"IPM.Note", NULL, MAPI_UNREAD_ONLY | MAPI_GUARANTEE_FIFO, 0, found);
    ok(r == SUCCESS_SUCCESS && !strcmp(found, id), "MAPIFindNext(IPM.Note, unread) returned %lu\n", r);
    r = MAPIFindNext(lh, 0, (LPSTR)"IPM.Other", NULL, 0, 0, found);
    ok(r == MAPI_E_NO_MESSAGES, "MAPIFindNext(other class) returned %lu\n", r);
    r = MAPIFindNext(lh, 0, NULL, id, 0, 0, found);
    ok(r == MAPI_E_NO_MESSAGES, "MAPIFindNext(after the last) returned %lu\n", r);

    r = MAPIReadMail(lh, 0, id, MAPI_PEEK, 0, &read);
    if (ok(r == SUCCESS_SUCCESS && read, "MAPIReadMail(PEEK) returned %lu\n", r))
    {
        ok(read->lpszSubject && !strcmp(read->lpszSubject, "saved one"), "subject %s\n", read->lpszSubject);
        ok(read->lpszNoteText && !strcmp(read->lpszNoteText, "saved body"), "body %s\n", read->lpszNoteText);
        ok(read->flFlags & MAPI_UNREAD, "flags %#lx\n", read->flFlags);
        ok(!read->lpszMessageType, "message type %s\n", read->lpszMessageType);
        ok(read->lpszDateReceived && strlen(read->lpszDateReceived) == 16 && read->lpszDateReceived[4] == '/',
           "date %s\n", read->lpszDateReceived);
        ok(read->lpOriginator && read->lpOriginator->ulRecipClass == MAPI_ORIG, "originator\n");
        ok(read->nRecipCount == 1 && read->lpRecips[0].ulRecipClass == MAPI_CC
           && !strcmp(read->lpRecips[0].lpszName, "Carol")
           && !strcmp(read->lpRecips[0].lpszAddress, "SMTP:carol@example.test"),
           "%lu recipients\n", read->nRecipCount);
        if (ok(read->nFileCount == 1, "%lu files\n", read->nFileCount))
        {
            ok(!strcmp(read->lpFiles[0].lpszFileName, "notes.txt"), "file name %s\n", read->lpFiles[0].lpszFileName);
            ok(file_holds(read->lpFiles[0].lpszPathName, "attached text"), "file content of %s\n",
               read->lpFiles[0].lpszPathName);
            DeleteFileA(read->lpFiles[0].lpszPathName);
        }
        MAPIFreeBuffer(read);
    }
    r = MAPIFindNext(lh, 0, NULL, NULL, MAPI_UNREAD_ONLY, 0, found);
    ok(r == SUCCESS_SUCCESS, "still unread after MAPI_PEEK: %lu\n", r);

    read = NULL;
    r = MAPIReadMail(lh, 0, id, MAPI_ENVELOPE_ONLY, 0, &read);
    if (ok(r == SUCCESS_SUCCESS && read, "MAPIReadMail(ENVELOPE_ONLY) returned %lu\n", r))
    {
        ok(!read->lpszNoteText && !read->nFileCount, "text %p, %lu files\n", read->lpszNoteText, read->nFileCount);
        ok(read->lpszSubject && !strcmp(read->lpszSubject, "saved one"), "subject %s\n", read->lpszSubject);
        MAPIFreeBuffer(read);
    }
    r = MAPIFindNext(lh, 0, NULL, NULL, MAPI_UNREAD_ONLY, 0, found);
    ok(r == MAPI_E_NO_MESSAGES, "read after MAPIReadMail without MAPI_PEEK: %lu\n", r);

    read = NULL;
    r = MAPIReadMail(lh, 0, id, MAPI_BODY_AS_FILE | MAPI_SUPPRESS_ATTACH, 0, &read);
    if (ok(r == SUCCESS_SUCCESS && read, "MAPIReadMail(BODY_AS_FILE|SUPPRESS_ATTACH) returned %lu\n", r))
    {
        ok(!read->lpszNoteText, "text %s\n", read->lpszNoteText);
        if (ok(read->nFileCount == 1, "%lu files\n", read->nFileCount))
        {
            ok(file_holds(read->lpFiles[0].lpszPathName, "saved body"), "body file\n");
            DeleteFileA(read->lpFiles[0].lpszPathName);
        }
        ok(!(read->flFlags & MAPI_UNREAD), "flags %#lx\n", read->flFlags);
        MAPIFreeBuffer(read);
    }

    /* replace: a new ID, the old one gone */
    strcpy(old, id);
    strcpy(id2, id);
    msg.lpszSubject = (LPSTR)"saved two";
    msg.nFileCount = 0;
    msg.lpFiles = NULL;
    r = MAPISaveMail(lh, 0, &msg, 0, 0, id2);
    ok(r == SUCCESS_SUCCESS && *id2, "MAPISaveMail(replace) returned %lu\n", r);
    read = NULL;
    r = MAPIReadMail(lh, 0, old, MAPI_PEEK, 0, &read);
    ok(r == MAPI_E_INVALID_MESSAGE, "the replaced message: %lu\n", r);
    r = MAPIReadMail(lh, 0, id2, MAPI_PEEK, 0, &read);
    if (ok(r == SUCCESS_SUCCESS && read, "MAPIReadMail(replacement) returned %lu\n", r))
    {
        ok(!strcmp(read->lpszSubject, "saved two") && !read->nFileCount, "subject %s\n", read->lpszSubject);
        MAPIFreeBuffer(read);
    }
    ok(MAPISaveMail(0, 0, &msg, 0, 0, id2) == MAPI_E_INVALID_SESSION, "MAPISaveMail(ID, no session)\n");

    /* a second message: FIFO order */
    id[0] = 0;
    msg.lpszSubject = (LPSTR)"saved three";
    r = MAPISaveMail(lh, 0, &msg, 0, 0, id);
    ok(r == SUCCESS_SUCCESS, "MAPISaveMail(third) returned %lu\n", r);
    r = MAPIFindNext(lh, 0, NULL, NULL, MAPI_GUARANTEE_FIFO, 0, found);
    ok(r == SUCCESS_SUCCESS && !strcmp(found, id2), "first found %s, want %s\n", found, id2);
    r = MAPIFindNext(lh, 0, NULL, found, MAPI_GUARANTEE_FIFO | MAPI_LONG_MSGID, 0, found);
    ok(r == SUCCESS_SUCCESS && !strcmp(found, id), "next found %s, want %s\n", found, id);

    for (i = 0; i < 2; i++)
    {
        const char *del = i ? id : id2;
        r = MAPIDeleteMail(lh, 0, (LPSTR)del, 0, 0);
        ok(r == SUCCESS_SUCCESS, "MAPIDeleteMail(%s) returned %lu\n", del, r);
        r = MAPIDeleteMail(lh, 0, (LPSTR)del, 0, 0);
        ok(r == MAPI_E_INVALID_MESSAGE, "second MAPIDeleteMail returned %lu\n", r);
    }
    r = MAPIFindNext(lh, 0, NULL, NULL, 0, 0, found);
    ok(r == MAPI_E_NO_MESSAGES, "Inbox emptied: %lu\n", r);
    ok(MAPILogoff(lh, 0, 0, 0) == SUCCESS_SUCCESS, "MAPILogoff\n");
}

/* ---- MAPISendMail -------------------------------------------------------------------------- */

static void test_dialog(void)
{
    MapiRecipDesc recip;
    MapiMessage msg;
    ULONG r;

    wt_context("MAPI_DIALOG");
    memset(&msg, 0, sizeof(msg));
    msg.lpszSubject = (LPSTR)"dialog draft";
    msg.lpszNoteText = (LPSTR)"never shown";
    r = MAPISendMail(0, 0, &msg, MAPI_DIALOG, 0);
    ok(r == MAPI_E_USER_ABORT, "MAPISendMail(MAPI_DIALOG, no recipients) returned %lu\n", r);
    memset(&recip, 0, sizeof(recip));
    recip.ulRecipClass = MAPI_TO;
    recip.lpszAddress = (LPSTR)"SMTP:smapi_bob@example.test";
    msg.nRecipCount = 1;
    msg.lpRecips = &recip;
    r = MAPISendMail(0, 0, &msg, MAPI_DIALOG | MAPI_LOGON_UI, 0);
    ok(r == MAPI_E_USER_ABORT, "MAPISendMail(MAPI_DIALOG) returned %lu\n", r);
    ok(count_subject(alice.name, PR_IPM_DRAFTS_ENTRYID, "dialog draft") == 2, "drafts not in Drafts\n");
    ok(count_subject(alice.name, PR_IPM_OUTBOX_ENTRYID, "dialog draft") == 0, "a draft went out\n");
}

static void test_send(void)
{
    MapiRecipDesc recip[2];
    MapiFileDesc file;
    MapiMessage msg, *read = NULL;
    MessageW msgw;
    RecipW recipw;
    LHANDLE lh = 0, lb = 0;
    char found[64];
    ULONG r, tries, got = 0;

    wt_context("MAPISendMail");
    /* bob's mailbox in the drop directory comes to exist at his first logon (his transport
     * creates it, dropdir.h): a sender never creates one, and mail to an address without one
     * gets a non-delivery report. So bob has logged on once before alice sends. */
    r = MAPILogon(0, bob.name, NULL, MAPI_NEW_SESSION, 0, &lb);
    if (!ok(r == SUCCESS_SUCCESS, "MAPILogon(bob) returned %lu\n", r)) return;
    ok(MAPILogoff(lb, 0, 0, 0) == SUCCESS_SUCCESS, "MAPILogoff(bob)\n");
    memset(&msg, 0, sizeof(msg));
    memset(recip, 0, sizeof(recip));
    memset(&file, 0, sizeof(file));
    msg.lpszSubject = (LPSTR)"simple send";
    msg.lpszNoteText = (LPSTR)"sent through Simple MAPI";
    recip[0].ulRecipClass = MAPI_TO;
    recip[0].lpszName = (LPSTR)"Bob";
    recip[0].lpszAddress = (LPSTR)"SMTP:smapi_bob@example.test";
    recip[1].ulRecipClass = MAPI_ORIG;      /* ignored */
    recip[1].lpszName = (LPSTR)"whoever";
    msg.nRecipCount = 2;
    msg.lpRecips = recip;
    file.nPosition = (ULONG)-1;
    file.lpszPathName = attach_path;        /* the file name comes from the path */
    msg.nFileCount = 1;
    msg.lpFiles = &file;
    r = MAPISendMail(0, 0, &msg, 0, 0);
    ok(r == SUCCESS_SUCCESS, "MAPISendMail(implicit session) returned %lu\n", r);

    memset(&msgw, 0, sizeof(msgw));
    memset(&recipw, 0, sizeof(recipw));
    msgw.lpszSubject = (PWSTR)L"simple send W \x00e9";
    msgw.lpszNoteText = (PWSTR)L"wide body";
    recipw.ulRecipClass = MAPI_TO;
    recipw.lpszName = (PWSTR)L"Bob <smapi_bob@example.test>";
    msgw.nRecipCount = 1;
    msgw.lpRecips = &recipw;
    r = MAPILogon(0, alice.name, NULL, MAPI_NEW_SESSION, 0, &lh);
    ok(r == SUCCESS_SUCCESS, "MAPILogon(alice) returned %lu\n", r);
    r = MAPISendMailW(lh, 0, &msgw, 0, 0);
    ok(r == SUCCESS_SUCCESS, "MAPISendMailW(session) returned %lu\n", r);
    ok(MAPILogoff(lh, 0, 0, 0) == SUCCESS_SUCCESS, "MAPILogoff\n");

    ok(count_subject(alice.name, PR_IPM_OUTBOX_ENTRYID, "simple send") == 0, "still in the Outbox\n");
    ok(count_subject(alice.name, PR_IPM_SENTMAIL_ENTRYID, "simple send") == 1, "not in Sent Items\n");

    /* bob's Inbox, through Simple MAPI too */
    for (tries = 0; tries < 20 && got < 2; tries++)
    {
        r = MAPILogon(0, bob.name, NULL, MAPI_FORCE_DOWNLOAD, 0, &lb);
        if (!ok(r == SUCCESS_SUCCESS, "MAPILogon(bob) returned %lu\n", r)) return;
        got = 0;
        for (r = MAPIFindNext(lb, 0, NULL, NULL, 0, 0, found); !r;
             r = MAPIFindNext(lb, 0, NULL, found, 0, 0, found))
            got++;
        if (got < 2)
        {
            MAPILogoff(lb, 0, 0, 0);
            lb = 0;
            Sleep(500);
        }
    }
    if (!ok(got == 2, "bob received %lu messages\n", got)) return;
    r = MAPIFindNext(lb, 0, NULL, NULL, 0, 0, found);
    r = MAPIReadMail(lb, 0, found, 0, 0, &read);
    if (ok(r == SUCCESS_SUCCESS && read, "MAPIReadMail(bob) returned %lu\n", r))
    {
        ok(read->lpszSubject && !strncmp(read->lpszSubject, "simple send", 11), "subject %s\n", read->lpszSubject);
        ok(read->lpOriginator && read->lpOriginator->lpszAddress
           && strstr(read->lpOriginator->lpszAddress, "smapi_alice@example.test"),
           "originator %s\n", read->lpOriginator ? read->lpOriginator->lpszAddress : NULL);
        ok(read->flFlags & MAPI_SENT, "flags %#lx\n", read->flFlags);
        if (!strcmp(read->lpszSubject, "simple send")
            && ok(read->nFileCount == 1, "%lu files\n", read->nFileCount))
        {
            ok(file_holds(read->lpFiles[0].lpszPathName, "attached text"), "attachment content\n");
            ok(!strcmp(read->lpFiles[0].lpszFileName, "smapi-attach.txt"), "file name %s\n",
               read->lpFiles[0].lpszFileName);
            DeleteFileA(read->lpFiles[0].lpszPathName);
        }
        MAPIFreeBuffer(read);
    }
    MAPILogoff(lb, 0, 0, 0);
}

/* ---- Wine's own bridge (no DLLPath): a child process ----------------------------------------- */

static ULONG bridge_child(void)
{
    MapiRecipDesc recip;
    MapiMessage msg;
    memset(&msg, 0, sizeof(msg));
    memset(&recip, 0, sizeof(recip));
    msg.lpszSubject = (LPSTR)"bridge draft";
    msg.lpszNoteText = (LPSTR)"through Wine's Extended MAPI bridge";
    recip.ulRecipClass = MAPI_TO;
    recip.lpszAddress = (LPSTR)"SMTP:smapi_bob@example.test";
    msg.nRecipCount = 1;
    msg.lpRecips = &recip;
    return MAPISendMail(0, 0, &msg, 0, 0);
}

static void test_bridge(void)
{
    char path[MAX_PATH] = {0}, cmd[MAX_PATH + 16];
    DWORD cb = sizeof(path) - 1, code = 0xffff;
    STARTUPINFOA si = { sizeof(si) };
    PROCESS_INFORMATION pi;
    HKEY key;

    wt_context("Wine's Extended MAPI bridge");
    if (!ok(!RegOpenKeyExA(HKEY_LOCAL_MACHINE, MAIL_KEY, 0, KEY_ALL_ACCESS, &key), "open key\n")) return;
    if (!ok(!RegQueryValueExA(key, "DLLPath", NULL, NULL, (BYTE *)path, &cb), "read DLLPath\n"))
    {
        RegCloseKey(key);
        return;
    }
    RegDeleteValueA(key, "DLLPath");
    GetModuleFileNameA(NULL, cmd, MAX_PATH);
    strcat(cmd, " --bridge");
    if (ok(CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi), "CreateProcess\n"))
    {
        WaitForSingleObject(pi.hProcess, 120000);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    ok(!RegSetValueExA(key, "DLLPath", 0, REG_SZ, (BYTE *)path, strlen(path) + 1), "DLLPath restored\n");
    RegCloseKey(key);
    /* The bridge reads PR_MESSAGE_CLASS_A of its new message (the store's CreateMessage sets
     * "IPM.Note") and calls ShowForm, which answers MAPI_E_USER_CANCEL: the bridge returns
     * MAPI_E_USER_ABORT. */
    ok(code == MAPI_E_USER_ABORT, "the bridge's MAPISendMail returned %lu\n", code);
    ok(count_subject(alice.name, PR_IPM_DRAFTS_ENTRYID, "bridge draft") == 1, "the bridge's draft is not in Drafts\n");
}

void wt_run(void)
{
    char previous[64];
    IProfAdmin *admin = NULL;
    ULONG blocks, objects, provider_objects;
    HANDLE f;
    DWORD written;
    HRESULT hr;

    if (strstr(GetCommandLineA(), "--bridge")) ExitProcess(bridge_child());

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK, "MAPIAdminProfiles returned %#lx\n", hr)) goto done;
    swprintf(drop_root, MAX_PATH, L"%ls\\drop", wt_temp_dir());
    CreateDirectoryW(drop_root, NULL);
    if (!wt_profile_create(admin, &alice, "smapi_alice") || !set_drop_root(admin, &alice)
        || !wt_profile_create(admin, &bob, "smapi_bob") || !set_drop_root(admin, &bob))
        goto done;
    /* the profiles' addresses: smapi_alice@example.test and smapi_bob@example.test */
    default_profile(admin, previous, sizeof(previous));
    hr = admin->lpVtbl->SetDefaultProfile(admin, (LPTSTR)alice.name, 0);
    if (!ok(hr == S_OK, "SetDefaultProfile returned %#lx\n", hr)) goto done;

    GetTempPathA(MAX_PATH, attach_path);
    strcat(attach_path, "smapi-attach.txt");
    f = CreateFileA(attach_path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    WriteFile(f, "attached text", 13, &written, NULL);
    CloseHandle(f);

    test_registration();
    test_bad_input();
    test_resolve();
    test_inbox_round_trip();
    test_dialog();
    test_send();
    test_bridge();

    DeleteFileA(attach_path);
    admin->lpVtbl->SetDefaultProfile(admin, *previous ? (LPTSTR)previous : NULL, 0);
    wt_profile_delete(admin, &alice);
    wt_profile_delete(admin, &bob);
    if (wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects))
    {
        ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
        ok(objects == 0, "%lu minimapi objects still live\n", objects);
        ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
    }
    else
        skip("this MAPI has no IMiniMapiDiagnostics: live counts not checked\n");
done:
    if (admin) admin->lpVtbl->Release(admin);
    MAPIUninitialize();
}
