/*
 * test_net_e2e.c - the network channels of issue 7 end to end through the public MAPI API,
 * against the private mail servers of tests/servers (the "mailservers" CTest fixture; ports and
 * the test certificate's thumbprints in <build>/mailservers/ports.ini, the servers' Maildir
 * folders under its maildir= path). Profiles are configured with ConfigureMsgService and the
 * 0x679x tags (README "Configuration properties"); mail is sent by the session's spooler
 * (IMessage::SubmitMessage, then FlushQueues on the spooler's status object) and fetched the
 * same way with FLUSH_DOWNLOAD.
 *   - CONFIGURE round trip: the settings read back from the service's profile section, the
 *     passwords nowhere in plain text (profile section, registry);
 *   - alice sends through SMTP (STARTTLS, AUTH) to bob and carol; bob fetches by POP3, carol by
 *     IMAP (implicit TLS); subject, body and attachment bytes arrive identical;
 *   - a self-signed certificate refused, then accepted once its thumbprint is trusted;
 *   - wrong password: a clear PR_STATUS_STRING on the transport's status row, the message stays
 *     queued; the right password: sent once;
 *   - server down, then up (the fault proxy): sent on retry, once;
 *   - one recipient refused with 5xx: an NDR in the sender's Inbox naming only that recipient
 *     with the server's reply, the others delivered;
 *   - the connection cut in the middle of DATA: retried, delivered once;
 *   - never stuck: while the spooler waits on an SMTP server that accepts connections and never
 *     answers, a client thread keeps using the same session's store and another profile's
 *     drop-directory channel sends and receives;
 *   - IMAP read state both ways: carol's message marked read / unread with SetReadFlag sets and
 *     clears \Seen on the server (the Maildir file's ":2,S") at the next FLUSH_DOWNLOAD; \Seen
 *     set and cleared on the server (renaming the file) comes back as MSGFLAG_READ;
 *   - IMAP IDLE: with carol's session open and no FlushQueues, a message delivered into her
 *     Maildir arrives in her Inbox within seconds, announced by fnevNewMail.
 * Pages: imsgserviceadmin-configuremsgservice.md, imapistatus-flushqueues.md,
 * status-tables.md, imessage-submitmessage.md, mapi-report-messages.md.
 */
#include <winsock2.h>
#include "wtest.h"
#include "wtmapi.h"

/* README "Configuration properties" (dll/tandem/transport/netcfg.h) */
#define PR_TD_DROP_ROOT_W          PROP_TAG(PT_UNICODE, 0x6790)
#define PR_TD_SMTP_HOST_W          PROP_TAG(PT_UNICODE, 0x6791)
#define PR_TD_SMTP_HOST_A          PROP_TAG(PT_STRING8, 0x6791)
#define PR_TD_SMTP_PORT            PROP_TAG(PT_LONG,    0x6792)
#define PR_TD_SMTP_SECURITY        PROP_TAG(PT_LONG,    0x6793)
#define PR_TD_SMTP_USER_A          PROP_TAG(PT_STRING8, 0x6794)
#define PR_TD_IN_PROTOCOL          PROP_TAG(PT_LONG,    0x6795)
#define PR_TD_IN_HOST_A            PROP_TAG(PT_STRING8, 0x6796)
#define PR_TD_IN_PORT              PROP_TAG(PT_LONG,    0x6797)
#define PR_TD_IN_SECURITY          PROP_TAG(PT_LONG,    0x6798)
#define PR_TD_IN_USER_W            PROP_TAG(PT_UNICODE, 0x6799)
#define PR_TD_ALLOW_PLAIN_PASSWORD PROP_TAG(PT_BOOLEAN, 0x679A)
#define PR_TD_LEAVE_ON_SERVER      PROP_TAG(PT_BOOLEAN, 0x679B)
#define PR_TD_TRUSTED_THUMBPRINT_A PROP_TAG(PT_STRING8, 0x679C)
#define PR_TD_NET_TIMEOUT          PROP_TAG(PT_LONG,    0x679D)
#define PR_TD_SMTP_PASSWORD_A      PROP_TAG(PT_STRING8, 0x67F0)
#define PR_TD_IN_PASSWORD_W        PROP_TAG(PT_UNICODE, 0x67F1)

static char ini[MAX_PATH];
static WCHAR maildir[MAX_PATH];
static WCHAR drop_root[MAX_PATH];
static char run_id[32];
static IProfAdmin *admin;

static LONG port_of(const char *name)
{
    return (LONG)GetPrivateProfileIntA("servers", name, 0, ini);
}

static void ini_string(const char *name, char *out, DWORD size)
{
    GetPrivateProfileStringA("servers", name, "", out, size, ini);
}

/* ---- a profile's network settings --------------------------------------------------------- */

typedef struct net_settings
{
    const char *email;
    const char *smtp_port;      /* ports.ini name */
    LONG smtp_security;
    const char *smtp_user, *smtp_password;
    LONG in_protocol;
    const char *in_port;
    LONG in_security;
    const WCHAR *in_user, *in_password;
    const char *thumb;          /* ports.ini name ("sha256", "sha1"), "" to clear, NULL to keep */
    BOOL allow_plain;
} net_settings;

static HRESULT configure(const wt_profile *p, const net_settings *s)
{
    SPropValue v[20];
    char thumb[100];
    WCHAR email[64];
    ULONG n = 0;

    MultiByteToWideChar(CP_ACP, 0, s->email, -1, email, 64);
    v[n].ulPropTag = PR_EMAIL_ADDRESS_W;     v[n++].Value.lpszW = email;
    v[n].ulPropTag = PR_TD_DROP_ROOT_W;      v[n++].Value.lpszW = drop_root;
    v[n].ulPropTag = PR_TD_NET_TIMEOUT;      v[n++].Value.l = 3;
    v[n].ulPropTag = PR_TD_ALLOW_PLAIN_PASSWORD; v[n++].Value.b = s->allow_plain;
    if (s->smtp_port)
    {
        /* the ANSI form of the string tags on the way in */
        v[n].ulPropTag = PR_TD_SMTP_HOST_A;  v[n++].Value.lpszA = (char *)"127.0.0.1";
        v[n].ulPropTag = PR_TD_SMTP_PORT;    v[n++].Value.l = port_of(s->smtp_port);
        v[n].ulPropTag = PR_TD_SMTP_SECURITY; v[n++].Value.l = s->smtp_security;
    }
    if (s->smtp_user)
    {
        v[n].ulPropTag = PR_TD_SMTP_USER_A;  v[n++].Value.lpszA = (char *)s->smtp_user;
        v[n].ulPropTag = PR_TD_SMTP_PASSWORD_A; v[n++].Value.lpszA = (char *)s->smtp_password;
    }
    if (s->in_protocol)
    {
        v[n].ulPropTag = PR_TD_IN_PROTOCOL;  v[n++].Value.l = s->in_protocol;
        v[n].ulPropTag = PR_TD_IN_HOST_A;    v[n++].Value.lpszA = (char *)"127.0.0.1";
        v[n].ulPropTag = PR_TD_IN_PORT;      v[n++].Value.l = port_of(s->in_port);
        v[n].ulPropTag = PR_TD_IN_SECURITY;  v[n++].Value.l = s->in_security;
        v[n].ulPropTag = PR_TD_IN_USER_W;    v[n++].Value.lpszW = (WCHAR *)s->in_user;
        v[n].ulPropTag = PR_TD_IN_PASSWORD_W; v[n++].Value.lpszW = (WCHAR *)s->in_password;
        v[n].ulPropTag = PR_TD_LEAVE_ON_SERVER; v[n++].Value.b = FALSE;
    }
    if (s->thumb)
    {
        thumb[0] = 0;
        if (s->thumb[0]) ini_string(s->thumb, thumb, sizeof(thumb));
        v[n].ulPropTag = PR_TD_TRUSTED_THUMBPRINT_A; v[n++].Value.lpszA = thumb;
    }
    return wt_profile_configure(admin, p, n, v);
}

static BOOL make_profile(wt_profile *p, const char *name, const net_settings *s)
{
    HRESULT hr;
    if (!wt_profile_create(admin, p, name)) return FALSE;
    hr = configure(p, s);
    return ok(hr == S_OK, "ConfigureMsgService(%s, network settings) returned %#lx\n", name, hr);
}

/* ---- sessions ------------------------------------------------------------------------------ */

typedef struct sess
{
    IMAPISession *session;
    IMsgStore *mdb;
} sess;

static BOOL logon(const wt_profile *p, sess *s)
{
    ENTRYID *eid;
    ULONG cb;
    HRESULT hr;

    memset(s, 0, sizeof(*s));
    hr = MAPILogonEx(0, (LPTSTR)p->name, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION, &s->session);
    if (!ok(hr == S_OK, "MAPILogonEx(%s) returned %#lx\n", p->name, hr)) return FALSE;
    if (!(eid = wt_default_store_id(s->session, &cb))) return FALSE;
    hr = s->session->lpVtbl->OpenMsgStore(s->session, 0, cb, eid, NULL, MDB_WRITE | MDB_NO_DIALOG, &s->mdb);
    MAPIFreeBuffer(eid);
    return ok(hr == S_OK, "OpenMsgStore(%s) returned %#lx\n", p->name, hr);
}

static void logoff(sess *s)
{
    HRESULT hr;
    if (s->mdb) s->mdb->lpVtbl->Release(s->mdb);
    if (s->session)
    {
        hr = s->session->lpVtbl->Logoff(s->session, 0, 0, 0);
        ok(hr == S_OK, "Logoff returned %#lx\n", hr);
        s->session->lpVtbl->Release(s->session);
    }
    memset(s, 0, sizeof(*s));
}

/* The status table's row of one resource type: PR_STATUS_STRING_W (a copy) and PR_ENTRYID. */
static SRowSet *status_row(sess *s, LONG type)
{
    static const SizedSPropTagArray(3, cols) = {3, {PR_RESOURCE_TYPE, PR_STATUS_STRING_W, PR_ENTRYID}};
    SPropValue res_v;
    SRestriction res;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    HRESULT hr = s->session->lpVtbl->GetStatusTable(s->session, 0, &t);

    if (!ok(hr == S_OK, "GetStatusTable returned %#lx\n", hr)) return NULL;
    res_v.ulPropTag = PR_RESOURCE_TYPE;
    res_v.Value.l = type;
    res.rt = RES_PROPERTY;
    res.res.resProperty.relop = RELOP_EQ;
    res.res.resProperty.ulPropTag = PR_RESOURCE_TYPE;
    res.res.resProperty.lpProp = &res_v;
    hr = HrQueryAllRows(t, (SPropTagArray *)&cols, &res, NULL, 0, &rows);
    ok(hr == S_OK && rows && rows->cRows == 1, "status row %ld: %#lx, %lu rows\n", type, hr,
       rows ? rows->cRows : 0);
    t->lpVtbl->Release(t);
    if (rows && rows->cRows != 1) { FreeProws(rows); rows = NULL; }
    return rows;
}

/* The transport's PR_STATUS_STRING into buf ("" when none). */
static const WCHAR *xp_status(sess *s, WCHAR *buf, size_t size)
{
    SRowSet *rows = status_row(s, MAPI_TRANSPORT_PROVIDER);
    buf[0] = 0;
    if (rows && rows->aRow[0].lpProps[1].ulPropTag == PR_STATUS_STRING_W)
        lstrcpynW(buf, rows->aRow[0].lpProps[1].Value.lpszW, (int)size);
    if (rows) FreeProws(rows);
    return buf;
}

/* FlushQueues on the spooler's status object: returns when the spooler's passes are done. */
static void flush(sess *s, ULONG flags)
{
    SRowSet *rows = status_row(s, MAPI_SPOOLER);
    IMAPIStatus *st = NULL;
    ULONG type = 0;
    HRESULT hr;

    if (!rows) return;
    if (rows->aRow[0].lpProps[2].ulPropTag == PR_ENTRYID)
    {
        hr = s->session->lpVtbl->OpenEntry(s->session, rows->aRow[0].lpProps[2].Value.bin.cb,
                                           (ENTRYID *)rows->aRow[0].lpProps[2].Value.bin.lpb, NULL, 0, &type,
                                           (IUnknown **)&st);
        ok(hr == S_OK && st, "OpenEntry(spooler status) returned %#lx\n", hr);
        if (st)
        {
            hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, flags | FLUSH_FORCE | FLUSH_NO_UI);
            ok(hr == S_OK, "spooler FlushQueues(%#lx) returned %#lx\n", flags, hr);
            st->lpVtbl->Release(st);
        }
    }
    else
        ok(0, "the spooler's status row has no PR_ENTRYID\n");
    FreeProws(rows);
}

/* ---- folders and messages ------------------------------------------------------------------ */

static IMAPIFolder *open_folder(sess *s, ULONG tag)
{
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    ENTRYID *eid = NULL;
    ULONG type, cb;

    if (tag == PR_NULL)
    {
        if (s->mdb->lpVtbl->GetReceiveFolder(s->mdb, NULL, 0, &cb, &eid, NULL) == S_OK)
            s->mdb->lpVtbl->OpenEntry(s->mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f);
        MAPIFreeBuffer(eid);
    }
    else if (HrGetOneProp((IMAPIProp *)s->mdb, tag, &v) == S_OK)
        s->mdb->lpVtbl->OpenEntry(s->mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, NULL, MAPI_MODIFY, &type,
                                  (IUnknown **)&f);
    MAPIFreeBuffer(v);
    ok(f != NULL, "folder %#lx did not open\n", tag);
    return f;
}

/* Messages of a folder whose subject contains `part` (and, when klass, of that class); the
 * entry ID of the last one into *eid when eid (MAPIFreeBuffer it). */
static int count_in(sess *s, ULONG folder_tag, const WCHAR *part, const WCHAR *klass, SBinary **eid)
{
    static const SizedSPropTagArray(3, cols) = {3, {PR_SUBJECT_W, PR_MESSAGE_CLASS_W, PR_ENTRYID}};
    IMAPIFolder *f = open_folder(s, folder_tag);
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    int n = 0;
    ULONG i;

    if (eid) *eid = NULL;
    if (!f) return -1;
    if (f->lpVtbl->GetContentsTable(f, MAPI_UNICODE, &t) == S_OK
        && HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK)
    {
        for (i = 0; i < rows->cRows; i++)
        {
            SPropValue *v = rows->aRow[i].lpProps;
            if (v[0].ulPropTag != PR_SUBJECT_W || !wcsstr(v[0].Value.lpszW, part)) continue;
            if (klass && (v[1].ulPropTag != PR_MESSAGE_CLASS_W || wcscmp(v[1].Value.lpszW, klass))) continue;
            n++;
            if (eid && v[2].ulPropTag == PR_ENTRYID)
            {
                MAPIFreeBuffer(*eid);
                if (MAPIAllocateBuffer(sizeof(SBinary) + v[2].Value.bin.cb, (void **)eid) == S_OK)
                {
                    (*eid)->cb = v[2].Value.bin.cb;
                    (*eid)->lpb = (BYTE *)(*eid + 1);
                    memcpy((*eid)->lpb, v[2].Value.bin.lpb, v[2].Value.bin.cb);
                }
            }
        }
        FreeProws(rows);
    }
    else
        ok(0, "the contents table of %#lx cannot be read\n", folder_tag);
    if (t) t->lpVtbl->Release(t);
    f->lpVtbl->Release(f);
    return n;
}

static void add_recipients(sess *s, IMessage *m, const char *const *to, ULONG n)
{
    IAddrBook *ab = NULL;
    ADRLIST *list = NULL;
    HRESULT hr;
    ULONG i;

    s->session->lpVtbl->OpenAddressBook(s->session, 0, NULL, AB_NO_DIALOG, &ab);
    MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&list);
    list->cEntries = n;
    for (i = 0; i < n; i++)
    {
        SPropValue *p = NULL;
        ENTRYID *eid = NULL;
        ULONG cb = 0;
        if (ab) ab->lpVtbl->CreateOneOff(ab, (LPTSTR)to[i], (LPTSTR)"SMTP", (LPTSTR)to[i], 0, &cb, &eid);
        MAPIAllocateBuffer(5 * sizeof(SPropValue), (void **)&p);
        p[0].ulPropTag = PR_DISPLAY_NAME_A;    p[0].Value.lpszA = (char *)to[i];
        p[1].ulPropTag = PR_ADDRTYPE_A;        p[1].Value.lpszA = (char *)"SMTP";
        p[2].ulPropTag = PR_EMAIL_ADDRESS_A;   p[2].Value.lpszA = (char *)to[i];
        p[3].ulPropTag = PR_RECIPIENT_TYPE;    p[3].Value.l = MAPI_TO;
        p[4].ulPropTag = eid ? PR_ENTRYID : PR_NULL;
        p[4].Value.bin.cb = cb;
        p[4].Value.bin.lpb = (BYTE *)eid;
        if (eid) MAPIAllocateMore(cb, p, (void **)&p[4].Value.bin.lpb), memcpy(p[4].Value.bin.lpb, eid, cb);
        MAPIFreeBuffer(eid);
        list->aEntries[i].ulReserved1 = 0;
        list->aEntries[i].cValues = 5;
        list->aEntries[i].rgPropVals = p;
    }
    hr = m->lpVtbl->ModifyRecipients(m, MODRECIP_ADD, list);
    ok(hr == S_OK, "ModifyRecipients returned %#lx\n", hr);
    FreePadrlist(list);
    if (ab) ab->lpVtbl->Release(ab);
}

static BYTE attachment[3000];

/* A message in the Outbox, submitted: subject, a plain body, one attachment. */
static BOOL submit(sess *s, const WCHAR *subject, const WCHAR *body, const char *const *to, ULONG n)
{
    IMAPIFolder *outbox = open_folder(s, PR_IPM_OUTBOX_ENTRYID);
    IMessage *m = NULL;
    IAttach *a = NULL;
    ULONG anum = 0;
    SPropValue v[4], *sent = NULL;
    HRESULT hr;
    BOOL result = FALSE;

    if (!outbox) return FALSE;
    hr = outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &m);
    if (!ok(hr == S_OK, "CreateMessage in the Outbox returned %#lx\n", hr)) goto done;
    v[0].ulPropTag = PR_SUBJECT_W;       v[0].Value.lpszW = (WCHAR *)subject;
    v[1].ulPropTag = PR_BODY_W;          v[1].Value.lpszW = (WCHAR *)body;
    v[2].ulPropTag = PR_MESSAGE_CLASS_W; v[2].Value.lpszW = (WCHAR *)L"IPM.Note";
    /* once sent, into Sent Items (as Outlook asks): queued = in the Outbox, sent = moved */
    v[3].ulPropTag = PR_NULL;
    if (HrGetOneProp((IMAPIProp *)s->mdb, PR_IPM_SENTMAIL_ENTRYID, &sent) == S_OK)
    {
        v[3].ulPropTag = PR_SENTMAIL_ENTRYID;
        v[3].Value.bin = sent->Value.bin;
    }
    ok(sent != NULL, "the store has no PR_IPM_SENTMAIL_ENTRYID\n");
    hr = m->lpVtbl->SetProps(m, 4, v, NULL);
    MAPIFreeBuffer(sent);
    ok(hr == S_OK, "SetProps returned %#lx\n", hr);
    add_recipients(s, m, to, n);
    hr = m->lpVtbl->CreateAttach(m, NULL, 0, &anum, &a);
    if (ok(hr == S_OK, "CreateAttach returned %#lx\n", hr))
    {
        v[0].ulPropTag = PR_ATTACH_METHOD;        v[0].Value.l = ATTACH_BY_VALUE;
        v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_W; v[1].Value.lpszW = (WCHAR *)L"data.bin";
        v[2].ulPropTag = PR_ATTACH_DATA_BIN;
        v[2].Value.bin.cb = sizeof(attachment);
        v[2].Value.bin.lpb = attachment;
        hr = a->lpVtbl->SetProps(a, 3, v, NULL);
        ok(hr == S_OK, "attachment SetProps returned %#lx\n", hr);
        hr = a->lpVtbl->SaveChanges(a, 0);
        ok(hr == S_OK, "attachment SaveChanges returned %#lx\n", hr);
        a->lpVtbl->Release(a);
    }
    hr = m->lpVtbl->SubmitMessage(m, 0);
    result = ok(hr == S_OK, "SubmitMessage(%ls) returned %#lx\n", subject, hr);
done:
    if (m) m->lpVtbl->Release(m);
    outbox->lpVtbl->Release(outbox);
    return result;
}

/* ---- the servers' side ---------------------------------------------------------------------- */

/* Files in a user's Maildir (new and cur) that contain `marker`. */
static int maildir_count(const char *user, const char *marker)
{
    static const WCHAR *subs[] = {L"new", L"cur"};
    int n = 0, k;
    for (k = 0; k < 2; k++)
    {
        WCHAR pattern[MAX_PATH], path[MAX_PATH];
        WIN32_FIND_DATAW fd;
        HANDLE h;
        swprintf(pattern, MAX_PATH, L"%ls\\%hs\\%ls\\*", maildir, user, subs[k]);
        if ((h = FindFirstFileW(pattern, &fd)) == INVALID_HANDLE_VALUE) continue;
        do
        {
            HANDLE f;
            char buf[65536];
            DWORD got = 0;
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
            swprintf(path, MAX_PATH, L"%ls\\%hs\\%ls\\%ls", maildir, user, subs[k], fd.cFileName);
            f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
            if (f == INVALID_HANDLE_VALUE) continue;
            if (ReadFile(f, buf, sizeof(buf) - 1, &got, NULL))
            {
                buf[got] = 0;
                if (strstr(buf, marker)) n++;
            }
            CloseHandle(f);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    return n;
}

/* Mark a user's message (the file in new/ holding marker) \Seen the Maildir way: into cur/
 * with the ":2,S" info suffix, as a mail client reading it through Dovecot would leave it. */
static BOOL maildir_mark_seen(const char *user, const char *marker)
{
    WCHAR pattern[MAX_PATH], from[MAX_PATH], to[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h;
    BOOL done = FALSE;
    swprintf(pattern, MAX_PATH, L"%ls\\%hs\\new\\*", maildir, user);
    if ((h = FindFirstFileW(pattern, &fd)) == INVALID_HANDLE_VALUE) return FALSE;
    do
    {
        HANDLE f;
        char buf[65536];
        DWORD got = 0;
        BOOL hit = FALSE;
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
        swprintf(from, MAX_PATH, L"%ls\\%hs\\new\\%ls", maildir, user, fd.cFileName);
        f = CreateFileW(from, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
        if (f == INVALID_HANDLE_VALUE) continue;
        if (ReadFile(f, buf, sizeof(buf) - 1, &got, NULL)) { buf[got] = 0; hit = strstr(buf, marker) != NULL; }
        CloseHandle(f);
        if (!hit) continue;
        swprintf(to, MAX_PATH, L"%ls\\%hs\\cur\\%ls:2,S", maildir, user, fd.cFileName);
        done = MoveFileW(from, to);
    } while (!done && FindNextFileW(h, &fd));
    FindClose(h);
    return done;
}

/* The fault proxy's control port: "DOWN" / "UP". */
static BOOL proxy_control(const char *what)
{
    WSADATA wsa;
    SOCKET s;
    struct sockaddr_in a;
    char reply[16] = "";
    BOOL result = FALSE;

    char line[16];
    int attempt;

    /* One command per connection, sent in one piece; a busy machine may make the proxy
     * answer ERR while its old listener is still closing: ask again a few times. */
    snprintf(line, sizeof(line), "%s\n", what);
    WSAStartup(MAKEWORD(2, 2), &wsa);
    for (attempt = 0; attempt < 5 && !result; attempt++)
    {
        if (attempt) Sleep(200);
        s = socket(AF_INET, SOCK_STREAM, 0);
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_port = htons((u_short)port_of("control"));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        memset(reply, 0, sizeof(reply));
        if (s != INVALID_SOCKET && !connect(s, (struct sockaddr *)&a, sizeof(a)))
        {
            send(s, line, (int)strlen(line), 0);
            result = recv(s, reply, sizeof(reply) - 1, 0) > 0 && !strncmp(reply, "OK", 2);
        }
        if (s != INVALID_SOCKET) closesocket(s);
    }
    WSACleanup();
    return ok(result, "the fault proxy did not take %s\n", what);
}

/* Does the fault proxy's log (faultproxy.log beside ports.ini) have this line? */
static BOOL proxy_log_has(const char *line)
{
    char path[MAX_PATH], buf[16384];
    DWORD got = 0;
    HANDLE f;
    lstrcpynA(path, ini, MAX_PATH);
    lstrcpyA(strrchr(path, '\\') + 1, "faultproxy.log");
    f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    if (f == INVALID_HANDLE_VALUE) return FALSE;
    ReadFile(f, buf, sizeof(buf) - 1, &got, NULL);
    CloseHandle(f);
    buf[got] = 0;
    return strstr(buf, line) != NULL;
}

/* ---- the checks ----------------------------------------------------------------------------- */

static wt_profile alice, bob, carol, relay;

static const net_settings alice_cfg =
    { "alice@localhost", "submission", 1, "alice", "alice-pw", 0, NULL, 0, NULL, NULL, "", FALSE };
static const net_settings bob_cfg =
    { "bob@localhost", NULL, 0, NULL, NULL, 1, "pop3", 0, L"bob", L"bob-pw", NULL, TRUE };
static const net_settings carol_cfg =
    { "carol@localhost", NULL, 0, NULL, NULL, 2, "imaps", 2, L"carol", L"carol-pw", "sha1", FALSE };
static const net_settings relay_cfg =
    { "relay@localhost", "proxy", 0, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, FALSE };

static BOOL blob_has(const BYTE *p, size_t n, const void *needle, size_t k)
{
    size_t i;
    for (i = 0; k && i + k <= n; i++)
        if (!memcmp(p + i, needle, k)) return TRUE;
    return FALSE;
}

/* Does any value under the registry key contain the text (ANSI or UTF-16)? */
static BOOL registry_has(HKEY key, const char *text)
{
    WCHAR wtext[64];
    char name[512];
    BYTE data[8192];
    DWORD i, nlen, dlen, type;
    BOOL found = FALSE;

    MultiByteToWideChar(CP_ACP, 0, text, -1, wtext, 64);
    for (i = 0; !found; i++)
    {
        nlen = sizeof(name);
        dlen = sizeof(data);
        if (RegEnumValueA(key, i, name, &nlen, NULL, &type, data, &dlen) != ERROR_SUCCESS) break;
        found = blob_has(data, dlen, text, strlen(text)) || blob_has(data, dlen, wtext, wcslen(wtext) * 2);
    }
    for (i = 0; !found; i++)
    {
        HKEY sub;
        nlen = sizeof(name);
        if (RegEnumKeyExA(key, i, name, &nlen, NULL, NULL, NULL, NULL) != ERROR_SUCCESS) break;
        if (RegOpenKeyExA(key, name, 0, KEY_READ, &sub) == ERROR_SUCCESS)
        {
            found = registry_has(sub, text);
            RegCloseKey(sub);
        }
    }
    return found;
}

/* CONFIGURE round trip: what ConfigureMsgService was given is in the service's section, the
 * passwords only in a protected form. */
static void test_configure_roundtrip(void)
{
    IProfSect *sect;
    SPropValue *v = NULL, bad;
    ULONG n = 0, i;
    HKEY key;
    HRESULT hr;

    wt_context("CONFIGURE round trip");
    if (!(sect = wt_service_section(admin, &alice))) return;
    hr = sect->lpVtbl->GetProps(sect, NULL, MAPI_UNICODE, &n, &v);
    ok(SUCCEEDED(hr) && n, "GetProps(all) of the service section returned %#lx, %lu values\n", hr, n);
    {
        const SPropValue *host = PpropFindProp(v, n, PR_TD_SMTP_HOST_W);
        const SPropValue *port = PpropFindProp(v, n, PR_TD_SMTP_PORT);
        const SPropValue *sec = PpropFindProp(v, n, PR_TD_SMTP_SECURITY);
        const SPropValue *user = PpropFindProp(v, n, PROP_TAG(PT_UNICODE, 0x6794));
        ok(host && !wcscmp(host->Value.lpszW, L"127.0.0.1"), "SMTP host read back: %ls\n",
           host ? host->Value.lpszW : L"(none)");
        ok(port && port->Value.l == port_of("submission"), "SMTP port read back: %ld\n", port ? port->Value.l : -1);
        ok(sec && sec->Value.l == 1, "SMTP security read back: %ld\n", sec ? sec->Value.l : -1);
        ok(user && !wcscmp(user->Value.lpszW, L"alice"), "SMTP user read back: %ls\n",
           user ? user->Value.lpszW : L"(none)");
    }
    for (i = 0; i < n; i++)
    {
        ULONG t = PROP_TYPE(v[i].ulPropTag);
        if (t == PT_UNICODE)
            ok(!wcsstr(v[i].Value.lpszW, L"alice-pw"), "property %08lx holds the password as text\n", v[i].ulPropTag);
        else if (t == PT_STRING8)
            ok(!strstr(v[i].Value.lpszA, "alice-pw"), "property %08lx holds the password as text\n", v[i].ulPropTag);
        else if (t == PT_BINARY)
            ok(!blob_has(v[i].Value.bin.lpb, v[i].Value.bin.cb, "alice-pw", 8)
               && !blob_has(v[i].Value.bin.lpb, v[i].Value.bin.cb, L"alice-pw", 16),
               "property %08lx holds the password in the clear\n", v[i].ulPropTag);
    }
    MAPIFreeBuffer(v);
    v = NULL;
    {
        /* the secure property itself: refused to a client, or a blob without the clear text */
        SizedSPropTagArray(1, tag) = {1, {PROP_TAG(PT_UNSPECIFIED, 0x67F0)}};
        hr = sect->lpVtbl->GetProps(sect, (SPropTagArray *)&tag, 0, &n, &v);
        ok(FAILED(hr) || PROP_TYPE(v[0].ulPropTag) == PT_ERROR
           || (PROP_TYPE(v[0].ulPropTag) == PT_BINARY && v[0].Value.bin.cb > 8
               && !blob_has(v[0].Value.bin.lpb, v[0].Value.bin.cb, "alice-pw", 8)),
           "the SMTP password reads back as %#lx type %#lx\n", hr, SUCCEEDED(hr) ? v[0].ulPropTag : 0);
        MAPIFreeBuffer(v);
    }
    sect->lpVtbl->Release(sect);

    /* minimapi keeps profiles in the registry: the clear text is nowhere under them */
    if (RegOpenKeyExA(HKEY_CURRENT_USER, "Software\\Tandem\\MiniMAPI\\Profiles", 0, KEY_READ, &key) == ERROR_SUCCESS)
    {
        ok(!registry_has(key, "alice-pw"), "alice's password is in the registry as text\n");
        ok(!registry_has(key, "carol-pw"), "carol's password is in the registry as text\n");
        RegCloseKey(key);
    }
    else
        skip("no minimapi profile key: registry not checked\n");

    /* a bad value is refused as a whole (imsgserviceadmin-configuremsgservice.md) */
    bad.ulPropTag = PR_TD_SMTP_SECURITY;
    bad.Value.l = 7;
    hr = wt_profile_configure(admin, &alice, 1, &bad);
    ok(hr == MAPI_E_UNCONFIGURED, "ConfigureMsgService(security 7) returned %#lx\n", hr);
}

static void check_arrival(const wt_profile *p, const WCHAR *subject, const WCHAR *body, const char *how)
{
    sess s;
    SBinary *eid = NULL;
    IMessage *m = NULL;
    ULONG type;
    int n;
    HRESULT hr;

    if (!logon(p, &s)) { logoff(&s); return; }
    flush(&s, FLUSH_DOWNLOAD);
    n = count_in(&s, PR_NULL, subject, NULL, &eid);
    ok(n == 1, "%s: %d messages '%ls' in the Inbox\n", how, n, subject);
    if (eid)
    {
        hr = s.mdb->lpVtbl->OpenEntry(s.mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m);
        ok(hr == S_OK, "%s: OpenEntry of the arrival returned %#lx\n", how, hr);
    }
    if (m)
    {
        SPropValue *v = NULL;
        IMAPITable *t = NULL;
        SRowSet *rows = NULL;
        static const SizedSPropTagArray(1, acols) = {1, {PR_ATTACH_NUM}};

        if (HrGetOneProp((IMAPIProp *)m, PR_SUBJECT_W, &v) == S_OK)
            ok(!wcscmp(v->Value.lpszW, subject), "%s: subject %ls\n", how, v->Value.lpszW);
        else
            ok(0, "%s: no subject\n", how);
        MAPIFreeBuffer(v);
        v = NULL;
        if (HrGetOneProp((IMAPIProp *)m, PR_BODY_W, &v) == S_OK)
            ok(!wcscmp(v->Value.lpszW, body), "%s: body differs: [%ls]\n", how, v->Value.lpszW);
        else
            ok(0, "%s: no body\n", how);
        MAPIFreeBuffer(v);
        v = NULL;
        hr = m->lpVtbl->GetAttachmentTable(m, 0, &t);
        if (ok(hr == S_OK, "%s: GetAttachmentTable %#lx\n", how, hr)
            && ok(HrQueryAllRows(t, (SPropTagArray *)&acols, NULL, NULL, 0, &rows) == S_OK && rows->cRows == 1,
                  "%s: %lu attachments\n", how, rows ? rows->cRows : 0))
        {
            IAttach *a = NULL;
            hr = m->lpVtbl->OpenAttach(m, rows->aRow[0].lpProps[0].Value.l, NULL, 0, &a);
            if (ok(hr == S_OK, "%s: OpenAttach %#lx\n", how, hr))
            {
                if (HrGetOneProp((IMAPIProp *)a, PR_ATTACH_DATA_BIN, &v) == S_OK)
                    ok(v->Value.bin.cb == sizeof(attachment) && !memcmp(v->Value.bin.lpb, attachment, sizeof(attachment)),
                       "%s: attachment of %lu bytes differs\n", how, v->Value.bin.cb);
                else
                    ok(0, "%s: the attachment has no data\n", how);
                MAPIFreeBuffer(v);
                v = NULL;
                if (HrGetOneProp((IMAPIProp *)a, PR_ATTACH_LONG_FILENAME_W, &v) == S_OK)
                    ok(!wcscmp(v->Value.lpszW, L"data.bin"), "%s: attachment name %ls\n", how, v->Value.lpszW);
                else
                    ok(0, "%s: the attachment has no name\n", how);
                MAPIFreeBuffer(v);
                a->lpVtbl->Release(a);
            }
        }
        if (rows) FreeProws(rows);
        if (t) t->lpVtbl->Release(t);
        m->lpVtbl->Release(m);
    }
    MAPIFreeBuffer(eid);
    /* fetched twice is stored once: a second download brings nothing new */
    flush(&s, FLUSH_DOWNLOAD);
    n = count_in(&s, PR_NULL, subject, NULL, NULL);
    ok(n == 1, "%s: %d messages '%ls' after a second download\n", how, n, subject);
    logoff(&s);
}

/* A self-signed certificate refused, then trusted by thumbprint; alice's mail to bob (POP3) and
 * carol (IMAP) arrives whole. */
static void test_send_and_fetch(void)
{
    static const char *const to[] = {"bob@localhost", "carol@localhost"};
    WCHAR subject[128], status[512];
    static const WCHAR body[] = L"Hello Bob and Carol,\r\n\r\ncaf\x00e9 \x65e5\x672c \x20ac\r\n.a line with a dot\r\nEnd.\r\n";
    char marker[64];
    net_settings pinned = alice_cfg;
    sess s;
    int n;

    wt_context("self-signed certificate");
    swprintf(subject, 128, L"net send %hs", run_id);
    snprintf(marker, sizeof(marker), "net send %s", run_id);
    if (!logon(&alice, &s)) { logoff(&s); return; }
    if (submit(&s, subject, body, to, 2))
    {
        flush(&s, FLUSH_UPLOAD);
        xp_status(&s, status, 512);
        ok(wcsstr(status, L"certificate") != NULL, "status after an untrusted certificate: %ls\n", status);
        n = count_in(&s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
        ok(n == 1, "%d messages queued after an untrusted certificate\n", n);
        ok(maildir_count("bob", marker) == 0, "sent despite an untrusted certificate\n");
    }
    logoff(&s);

    pinned.thumb = "sha256";
    ok(configure(&alice, &pinned) == S_OK, "ConfigureMsgService(thumbprint) failed\n");
    if (!logon(&alice, &s)) { logoff(&s); return; }
    flush(&s, FLUSH_UPLOAD);
    n = count_in(&s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
    ok(n == 0, "%d messages still queued with the thumbprint trusted (status %ls)\n", n, xp_status(&s, status, 512));
    ok(count_in(&s, PR_IPM_SENTMAIL_ENTRYID, subject, NULL, NULL) == 1, "not in Sent Items once\n");
    ok(maildir_count("bob", marker) == 1 && maildir_count("carol", marker) == 1,
       "delivered %d times to bob, %d to carol\n", maildir_count("bob", marker), maildir_count("carol", marker));
    logoff(&s);

    wt_context("fetch by POP3");
    check_arrival(&bob, subject, body, "bob (POP3)");
    ok(maildir_count("bob", marker) == 0, "POP3 left the message on the server\n");
    wt_context("fetch by IMAP");
    check_arrival(&carol, subject, body, "carol (IMAP)");
}

static void test_wrong_password(void)
{
    static const char *const to[] = {"bob@localhost"};
    net_settings wrong = alice_cfg, right = alice_cfg;
    WCHAR subject[128], status[512];
    char marker[64];
    sess s;
    int n;

    wt_context("wrong password");
    wrong.smtp_password = "not-alices";
    wrong.thumb = right.thumb = "sha256";
    swprintf(subject, 128, L"net password %hs", run_id);
    snprintf(marker, sizeof(marker), "net password %s", run_id);
    ok(configure(&alice, &wrong) == S_OK, "ConfigureMsgService(wrong password) failed\n");
    if (!logon(&alice, &s)) { logoff(&s); return; }
    if (submit(&s, subject, L"body\r\n", to, 1))
    {
        flush(&s, FLUSH_UPLOAD);
        xp_status(&s, status, 512);
        ok(wcsstr(status, L"password") && wcsstr(status, L"535"), "status after a wrong password: %ls\n", status);
        n = count_in(&s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
        ok(n == 1, "%d messages queued after a wrong password\n", n);
        ok(maildir_count("bob", marker) == 0, "sent with a wrong password\n");
    }
    logoff(&s);
    ok(configure(&alice, &right) == S_OK, "ConfigureMsgService(right password) failed\n");
    if (!logon(&alice, &s)) { logoff(&s); return; }
    flush(&s, FLUSH_UPLOAD);
    flush(&s, FLUSH_UPLOAD);
    n = count_in(&s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
    ok(n == 0, "%d messages queued with the right password (%ls)\n", n, xp_status(&s, status, 512));
    ok(count_in(&s, PR_IPM_SENTMAIL_ENTRYID, subject, NULL, NULL) == 1, "not in Sent Items once\n");
    ok(maildir_count("bob", marker) == 1, "delivered %d times\n", maildir_count("bob", marker));
    logoff(&s);
}

static void test_server_down(sess *s)
{
    static const char *const to[] = {"bob@localhost"};
    WCHAR subject[128], status[512];
    char marker[64];
    int n;

    wt_context("server down, then up");
    swprintf(subject, 128, L"net down %hs", run_id);
    snprintf(marker, sizeof(marker), "net down %s", run_id);
    if (!proxy_control("DOWN")) return;
    if (submit(s, subject, L"body\r\n", to, 1))
    {
        flush(s, FLUSH_UPLOAD);
        xp_status(s, status, 512);
        ok(wcsstr(status, L"Cannot reach 127.0.0.1") != NULL, "status with the server down: %ls\n", status);
        n = count_in(s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
        ok(n == 1, "%d messages queued with the server down\n", n);
    }
    proxy_control("UP");
    flush(s, FLUSH_UPLOAD);     /* ends the back-off: sent now */
    n = count_in(s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
    ok(n == 0, "%d messages queued with the server up (%ls)\n", n, xp_status(s, status, 512));
    flush(s, FLUSH_UPLOAD);
    ok(maildir_count("bob", marker) == 1, "delivered %d times\n", maildir_count("bob", marker));
}

static void test_refused_recipient(sess *s)
{
    static const char *const to[] = {"bob@localhost", "nosuch@localhost", "carol@localhost"};
    WCHAR subject[128], ndr_part[160];
    char marker[64];
    SBinary *eid = NULL;
    IMessage *m = NULL;
    ULONG type;
    int n;

    wt_context("one recipient refused (5xx)");
    swprintf(subject, 128, L"net refused %hs", run_id);
    snprintf(marker, sizeof(marker), "net refused %s", run_id);
    if (!submit(s, subject, L"body\r\n", to, 3)) return;
    flush(s, FLUSH_UPLOAD);
    ok(count_in(s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL) == 0, "the message is still queued\n");
    ok(maildir_count("bob", marker) == 1 && maildir_count("carol", marker) == 1,
       "delivered %d times to bob, %d to carol\n", maildir_count("bob", marker), maildir_count("carol", marker));
    swprintf(ndr_part, 160, L"%ls", subject);
    n = count_in(s, PR_NULL, ndr_part, L"REPORT.IPM.Note.NDR", &eid);
    /* one report: the transport's StatusRecips for the refused recipient (the spooler's own
     * report for leftovers no longer counts the transport's rows as untaken, 064e9f1) */
    ok(n == 1, "%d NDRs in the sender's Inbox\n", n);
    if (eid && s->mdb->lpVtbl->OpenEntry(s->mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m) == S_OK)
    {
        static const SizedSPropTagArray(2, cols) = {2, {PR_EMAIL_ADDRESS_W, PR_REPORT_TEXT_W}};
        IMAPITable *t = NULL;
        SRowSet *rows = NULL;
        if (m->lpVtbl->GetRecipientTable(m, MAPI_UNICODE, &t) == S_OK
            && HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows) == S_OK)
        {
            ok(rows->cRows == 1, "the NDR names %lu recipients\n", rows->cRows);
            if (rows->cRows >= 1)
            {
                SPropValue *v = rows->aRow[0].lpProps;
                ok(v[0].ulPropTag == PR_EMAIL_ADDRESS_W && !wcscmp(v[0].Value.lpszW, L"nosuch@localhost"),
                   "the NDR names %ls\n", v[0].ulPropTag == PR_EMAIL_ADDRESS_W ? v[0].Value.lpszW : L"(none)");
                ok(v[1].ulPropTag == PR_REPORT_TEXT_W && wcsstr(v[1].Value.lpszW, L"550")
                   && wcsstr(v[1].Value.lpszW, L"5.1.1") && wcsstr(v[1].Value.lpszW, L"User unknown"),
                   "the NDR's report text: %ls\n", v[1].ulPropTag == PR_REPORT_TEXT_W ? v[1].Value.lpszW : L"(none)");
            }
            FreeProws(rows);
        }
        else
            ok(0, "the NDR's recipient table cannot be read\n");
        if (t) t->lpVtbl->Release(t);
        m->lpVtbl->Release(m);
    }
    MAPIFreeBuffer(eid);
}

static void test_cut_in_data(sess *s)
{
    static const char *const to[] = {"bob@localhost"};
    WCHAR subject[128], body[128], status[512];
    char marker[64], token[64];
    int n;

    wt_context("connection cut in DATA");
    swprintf(subject, 128, L"net cut %hs", run_id);
    snprintf(marker, sizeof(marker), "net cut %s", run_id);
    /* the fault proxy cuts the first connection that carries this token after DATA */
    swprintf(body, 128, L"before the cut\r\nCUT-ONCE-x%hs\r\nafter\r\n", run_id);
    if (!submit(s, subject, body, to, 1)) return;
    flush(s, FLUSH_UPLOAD);
    snprintf(token, sizeof(token), "cut x%s", run_id);
    ok(proxy_log_has(token), "the fault proxy did not cut the connection (no '%s' in its log)\n", token);
    /* The flush may already have retried (FLUSH_UPLOAD makes the retry due at once): the
     * message is either still queued and not delivered, or delivered once and not queued -
     * never both, never twice. */
    n = count_in(s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
    ok(n <= 1 && n + maildir_count("bob", marker) == 1,
       "after the cut: %d queued, %d delivered\n", n, maildir_count("bob", marker));
    flush(s, FLUSH_UPLOAD);     /* the retry, now */
    n = count_in(s, PR_IPM_OUTBOX_ENTRYID, subject, NULL, NULL);
    ok(n == 0, "%d messages queued after the retry (%ls)\n", n, xp_status(s, status, 512));
    ok(count_in(s, PR_IPM_SENTMAIL_ENTRYID, subject, NULL, NULL) == 1, "not in Sent Items once\n");
    flush(s, FLUSH_UPLOAD);
    ok(maildir_count("bob", marker) == 1, "delivered %d times\n", maildir_count("bob", marker));
}

/* IMAP \Seen on the server arrives as MSGFLAG_READ; an unseen message arrives unread. */
static void test_seen_on_fetch(sess *s)
{
    static const char *const to[] = {"carol@localhost"};
    WCHAR seen_subject[128], unseen_subject[128];
    char marker[64];
    sess c;
    int k;

    wt_context("IMAP \\Seen on fetch");
    swprintf(seen_subject, 128, L"net seen %hs", run_id);
    swprintf(unseen_subject, 128, L"net unseen %hs", run_id);
    snprintf(marker, sizeof(marker), "net seen %s", run_id);
    if (!submit(s, seen_subject, L"read elsewhere\r\n", to, 1) || !submit(s, unseen_subject, L"new\r\n", to, 1))
        return;
    flush(s, FLUSH_UPLOAD);
    ok(maildir_mark_seen("carol", marker), "the message was not found in carol's Maildir to mark \\Seen\n");
    if (!logon(&carol, &c)) { logoff(&c); return; }
    flush(&c, FLUSH_DOWNLOAD);
    for (k = 0; k < 2; k++)
    {
        const WCHAR *subject = k ? unseen_subject : seen_subject;
        SBinary *eid = NULL;
        IMessage *m = NULL;
        SPropValue *v = NULL;
        ULONG type;
        ok(count_in(&c, PR_NULL, subject, NULL, &eid) == 1, "'%ls' not in carol's Inbox once\n", subject);
        if (eid && c.mdb->lpVtbl->OpenEntry(c.mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m) == S_OK)
        {
            if (HrGetOneProp((IMAPIProp *)m, PR_MESSAGE_FLAGS, &v) == S_OK)
                ok(!!(v->Value.l & MSGFLAG_READ) == !k, "'%ls' arrived with PR_MESSAGE_FLAGS %#lx\n", subject, v->Value.l);
            else
                ok(0, "'%ls' has no PR_MESSAGE_FLAGS\n", subject);
            MAPIFreeBuffer(v);
            m->lpVtbl->Release(m);
        }
        MAPIFreeBuffer(eid);
    }
    logoff(&c);
}

/* ---- IMAP read state and IDLE through the public API ------------------------------------- */

/* The Maildir info flags (after ":2,") of the one file of a user's holding marker: TRUE with
 * the flags ("" for a file still in new/ without info) when exactly one file holds it. Under
 * Wine a ':' in a Unix file name may read back as U+F03A: either is taken. */
static BOOL maildir_flags(const char *user, const char *marker, char *flags, size_t size)
{
    static const WCHAR *subs[] = {L"new", L"cur"};
    int n = 0, k;
    flags[0] = 0;
    for (k = 0; k < 2; k++)
    {
        WCHAR pattern[MAX_PATH], path[MAX_PATH];
        WIN32_FIND_DATAW fd;
        HANDLE h;
        swprintf(pattern, MAX_PATH, L"%ls\\%hs\\%ls\\*", maildir, user, subs[k]);
        if ((h = FindFirstFileW(pattern, &fd)) == INVALID_HANDLE_VALUE) continue;
        do
        {
            HANDLE f;
            char buf[65536];
            DWORD got = 0;
            BOOL hit = FALSE;
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
            swprintf(path, MAX_PATH, L"%ls\\%hs\\%ls\\%ls", maildir, user, subs[k], fd.cFileName);
            f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
            if (f == INVALID_HANDLE_VALUE) continue;
            if (ReadFile(f, buf, sizeof(buf) - 1, &got, NULL)) { buf[got] = 0; hit = strstr(buf, marker) != NULL; }
            CloseHandle(f);
            if (!hit) continue;
            n++;
            {
                const WCHAR *p, *info = NULL;
                size_t i = 0;
                for (p = fd.cFileName; *p; p++)
                    if ((p[0] == ':' || p[0] == 0xf03a) && p[1] == '2' && p[2] == ',') info = p + 3;
                if (info)
                    for (; *info && i + 1 < size; info++) flags[i++] = (char)*info;
                flags[i] = 0;
            }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    return n == 1;
}

/* Rename the one file of a user's in cur/ holding marker to carry exactly these info flags
 * (the server side of "read in another client" / "marked unread there"). */
static BOOL maildir_set_flags(const char *user, const char *marker, const char *flags)
{
    WCHAR pattern[MAX_PATH], from[MAX_PATH], to[MAX_PATH], base[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h;
    BOOL done = FALSE;
    swprintf(pattern, MAX_PATH, L"%ls\\%hs\\cur\\*", maildir, user);
    if ((h = FindFirstFileW(pattern, &fd)) == INVALID_HANDLE_VALUE) return FALSE;
    do
    {
        HANDLE f;
        char buf[65536];
        DWORD got = 0;
        BOOL hit = FALSE;
        WCHAR *p, *cut = NULL;
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
        swprintf(from, MAX_PATH, L"%ls\\%hs\\cur\\%ls", maildir, user, fd.cFileName);
        f = CreateFileW(from, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
        if (f == INVALID_HANDLE_VALUE) continue;
        if (ReadFile(f, buf, sizeof(buf) - 1, &got, NULL)) { buf[got] = 0; hit = strstr(buf, marker) != NULL; }
        CloseHandle(f);
        if (!hit) continue;
        lstrcpynW(base, fd.cFileName, MAX_PATH);
        for (p = base; *p; p++)
            if ((p[0] == ':' || p[0] == 0xf03a) && p[1] == '2' && p[2] == ',') cut = p;
        if (cut) *cut = 0;
        swprintf(to, MAX_PATH, L"%ls\\%hs\\cur\\%ls:2,%hs", maildir, user, base, flags);
        done = MoveFileW(from, to);
    } while (!done && FindNextFileW(h, &fd));
    FindClose(h);
    return done;
}

/* A message delivered straight into a user's Maildir (tmp/, then new/), as an MDA would. */
static BOOL maildir_deliver(const char *user, const char *subject)
{
    WCHAR tmp[MAX_PATH], dst[MAX_PATH];
    char text[1024];
    DWORD put = 0;
    HANDLE f;
    int len;
    BOOL written;

    len = snprintf(text, sizeof(text),
                   "From: alice@localhost\r\nTo: carol@localhost\r\nSubject: %s\r\n"
                   "Message-ID: <idle.%s@localhost>\r\nDate: Mon, 30 Nov 2026 02:00:00 +0000\r\n"
                   "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                   "delivered while carol idles\r\n", subject, run_id);
    swprintf(tmp, MAX_PATH, L"%ls\\%hs\\tmp\\%lu.P%luQ%hs.tandem-wt", maildir, user, GetTickCount(),
             GetCurrentProcessId(), run_id);
    swprintf(dst, MAX_PATH, L"%ls\\%hs\\new\\%lu.P%luQ%hs.tandem-wt", maildir, user, GetTickCount(),
             GetCurrentProcessId(), run_id);
    f = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    if (f == INVALID_HANDLE_VALUE) return FALSE;
    written = WriteFile(f, text, (DWORD)len, &put, NULL) && put == (DWORD)len;
    CloseHandle(f);
    return written && MoveFileW(tmp, dst);
}

/* PR_MESSAGE_FLAGS of the one message in carol's Inbox with this subject; -1 when not once. */
static LONG inbox_flags(sess *c, const WCHAR *subject)
{
    SBinary *eid = NULL;
    IMessage *m = NULL;
    SPropValue *v = NULL;
    ULONG type;
    LONG flags = -1;
    int n = count_in(c, PR_NULL, subject, NULL, &eid);

    if (n == 1 && eid
        && c->mdb->lpVtbl->OpenEntry(c->mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, 0, &type, (IUnknown **)&m) == S_OK)
    {
        if (HrGetOneProp((IMAPIProp *)m, PR_MESSAGE_FLAGS, &v) == S_OK) flags = v->Value.l;
        MAPIFreeBuffer(v);
        m->lpVtbl->Release(m);
    }
    MAPIFreeBuffer(eid);
    return flags;
}

/* IMessage::SetReadFlag on the one message in carol's Inbox with this subject. */
static HRESULT set_read(sess *c, const WCHAR *subject, ULONG flags)
{
    SBinary *eid = NULL;
    IMessage *m = NULL;
    ULONG type;
    HRESULT hr = MAPI_E_NOT_FOUND;

    if (count_in(c, PR_NULL, subject, NULL, &eid) == 1 && eid
        && (hr = c->mdb->lpVtbl->OpenEntry(c->mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, MAPI_MODIFY, &type,
                                           (IUnknown **)&m)) == S_OK)
    {
        hr = m->lpVtbl->SetReadFlag(m, flags);
        m->lpVtbl->Release(m);
    }
    MAPIFreeBuffer(eid);
    return hr;
}

/* Both directions of \Seen <-> MSGFLAG_READ, one FlushQueues(FLUSH_DOWNLOAD) each. */
static void test_read_sync(sess *c)
{
    static const char *const to[] = {"carol@localhost"};
    WCHAR subject[128];
    char marker[64], flags[32];
    LONG mf;
    HRESULT hr;
    sess a;

    wt_context("IMAP read state both ways");
    swprintf(subject, 128, L"net readsync %hs", run_id);
    snprintf(marker, sizeof(marker), "net readsync %s", run_id);
    if (!logon(&alice, &a)) { logoff(&a); return; }
    if (submit(&a, subject, L"read me\r\n", to, 1)) flush(&a, FLUSH_UPLOAD);
    logoff(&a);
    ok(maildir_count("carol", marker) == 1, "delivered %d times to carol\n", maildir_count("carol", marker));
    flush(c, FLUSH_DOWNLOAD);
    mf = inbox_flags(c, subject);
    ok(mf != -1 && !(mf & MSGFLAG_READ), "fetched with PR_MESSAGE_FLAGS %#lx (-1: not in the Inbox once)\n", mf);
    ok(maildir_flags("carol", marker, flags, sizeof(flags)) && !strchr(flags, 'S'),
       "on the server before reading: flags '%s'\n", flags);

    /* the store to the server */
    hr = set_read(c, subject, 0);
    ok(hr == S_OK, "SetReadFlag(0) returned %#lx\n", hr);
    flush(c, FLUSH_DOWNLOAD);
    ok(maildir_flags("carol", marker, flags, sizeof(flags)) && strchr(flags, 'S'),
       "read in MAPI: the server's flags '%s'\n", flags);
    hr = set_read(c, subject, CLEAR_READ_FLAG);
    ok(hr == S_OK, "SetReadFlag(CLEAR_READ_FLAG) returned %#lx\n", hr);
    flush(c, FLUSH_DOWNLOAD);
    ok(maildir_flags("carol", marker, flags, sizeof(flags)) && !strchr(flags, 'S'),
       "unread in MAPI: the server's flags '%s'\n", flags);

    /* the server to the store */
    ok(maildir_set_flags("carol", marker, "S"), "carol's message not found in cur/ to mark \\Seen\n");
    flush(c, FLUSH_DOWNLOAD);
    mf = inbox_flags(c, subject);
    ok(mf != -1 && (mf & MSGFLAG_READ), "\\Seen on the server: PR_MESSAGE_FLAGS %#lx\n", mf);
    ok(maildir_set_flags("carol", marker, ""), "carol's message not found in cur/ to clear \\Seen\n");
    flush(c, FLUSH_DOWNLOAD);
    mf = inbox_flags(c, subject);
    ok(mf != -1 && !(mf & MSGFLAG_READ), "\\Seen cleared on the server: PR_MESSAGE_FLAGS %#lx\n", mf);
    ok(maildir_flags("carol", marker, flags, sizeof(flags)) && !strchr(flags, 'S'),
       "after the server's change: flags '%s'\n", flags);
}


/* IDLE: with carol's session open and no FlushQueues, a message delivered into her mailbox on
 * the server arrives in her Inbox by itself, announced by fnevNewMail. */
static void test_idle(sess *c)
{
    WCHAR subject[128], announced[128];
    char text_subject[128];
    wt_mail_sink s;
    ULONG conn = 0;
    DWORD start, took = 0;
    HRESULT hr;
    BOOL signalled = FALSE;

    wt_context("IMAP IDLE");
    swprintf(subject, 128, L"net idle %hs", run_id);
    snprintf(text_subject, sizeof(text_subject), "net idle %s", run_id);
    wt_mail_sink_init(&s);
    hr = c->mdb->lpVtbl->Advise(c->mdb, 0, NULL, fnevNewMail, &s.IMAPIAdviseSink_iface, &conn);
    if (!ok(hr == S_OK && conn, "Advise(fnevNewMail) on carol's store returned %#lx\n", hr)) goto done;
    ok(count_in(c, PR_NULL, subject, NULL, NULL) == 0, "'%ls' is in carol's Inbox already\n", subject);
    ok(maildir_deliver("carol", text_subject), "nothing written into carol's Maildir\n");
    start = GetTickCount();
    signalled = wt_mail_sink_wait(&s, 1, 10000);
    took = GetTickCount() - start;
    ok(signalled, "no fnevNewMail within %lu ms of the delivery on the server\n", took);
    ok(took < 8000, "fnevNewMail came %lu ms after the delivery\n", took);
    ok(count_in(c, PR_NULL, subject, NULL, NULL) == 1, "'%ls' not in carol's Inbox once\n", subject);
    wt_mail_sink_wait(&s, 2, 300);     /* a second one would be a duplicate */
    ok(s.newmail == 1, "%ld fnevNewMail notifications\n", s.newmail);
    if (ok(s.cb[0] > 0, "fnevNewMail carried no entry ID\n"))
    {
        wt_mail_sink_subject(&s, 0, c->mdb, announced, 128);
        ok(!wcscmp(announced, subject), "fnevNewMail announced '%ls' (an entry ID that opens?)\n", announced);
    }
    hr = c->mdb->lpVtbl->Unadvise(c->mdb, conn);
    ok(hr == S_OK, "Unadvise returned %#lx\n", hr);
done:
    ok(s.ref == 1, "the sink still has %ld references\n", s.ref);
    wt_mail_sink_free(&s);
}

static void test_read_state_and_idle(void)
{
    sess c;
    if (logon(&carol, &c))
    {
        test_read_sync(&c);
        test_idle(&c);
    }
    logoff(&c);
}

static void test_faults(void)
{
    sess s;
    if (logon(&relay, &s))
    {
        test_server_down(&s);
        test_refused_recipient(&s);
        test_cut_in_data(&s);
        test_seen_on_fetch(&s);
    }
    logoff(&s);
}

/* ---- never stuck ------------------------------------------------------------------------------ */

typedef struct store_worker
{
    IMsgStore *mdb;
    volatile LONG stop;
    LONG ops;
    DWORD slowest;
} store_worker;

/* A client thread that keeps reading and writing the store: each round opens the Inbox,
 * saves a message there and reads the Outbox's contents table. */
static DWORD WINAPI store_work(void *arg)
{
    store_worker *w = arg;
    sess s;
    memset(&s, 0, sizeof(s));
    s.mdb = w->mdb;
    while (!w->stop)
    {
        DWORD start = GetTickCount(), took;
        IMAPIFolder *drafts = open_folder(&s, PR_NULL);    /* the Inbox */
        IMessage *m = NULL;
        if (drafts && drafts->lpVtbl->CreateMessage(drafts, NULL, 0, &m) == S_OK)
        {
            SPropValue v;
            v.ulPropTag = PR_SUBJECT_W;
            v.Value.lpszW = (WCHAR *)L"draft while SMTP hangs";
            m->lpVtbl->SetProps(m, 1, &v, NULL);
            ok(m->lpVtbl->SaveChanges(m, 0) == S_OK, "a draft was not saved while SMTP hangs\n");
            m->lpVtbl->Release(m);
        }
        if (drafts) drafts->lpVtbl->Release(drafts);
        count_in(&s, PR_IPM_OUTBOX_ENTRYID, L"stuck", NULL, NULL);
        took = GetTickCount() - start;
        if (took > w->slowest) w->slowest = took;
        InterlockedIncrement(&w->ops);
        Sleep(20);
    }
    return 0;
}

static void test_never_stuck(void)
{
    static const char *const to[] = {"bob@localhost"};
    static const char *const self[] = {"local@localhost"};
    net_settings hang_cfg = relay_cfg, local_cfg = relay_cfg;
    wt_profile hang, local;
    sess hs, ls;
    store_worker w;
    WCHAR subject[128];
    struct sockaddr_in a;
    int alen = sizeof(a), n;
    SOCKET listener;
    WSADATA wsa;
    HANDLE thread;
    DWORD start, took;

    wt_context("never stuck");
    /* a server that accepts connections (the kernel's backlog) and never says a word */
    WSAStartup(MAKEWORD(2, 2), &wsa);
    listener = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!ok(listener != INVALID_SOCKET && !bind(listener, (struct sockaddr *)&a, sizeof(a))
            && !listen(listener, 8) && !getsockname(listener, (struct sockaddr *)&a, &alen),
            "no silent listener: %d\n", WSAGetLastError()))
        goto done_socket;

    hang_cfg.email = "hang@localhost";
    local_cfg.email = "local@localhost";
    local_cfg.smtp_port = NULL;     /* the drop directory only */
    if (!wt_profile_create(admin, &hang, "tandem-wt-net-hang")) goto done_socket;
    if (!wt_profile_create(admin, &local, "tandem-wt-net-local")) goto done_hang;
    ok(configure(&hang, &hang_cfg) == S_OK && configure(&local, &local_cfg) == S_OK, "configure failed\n");
    {
        /* the silent port, and time enough for the hang to be seen */
        SPropValue v[2];
        v[0].ulPropTag = PR_TD_SMTP_PORT;   v[0].Value.l = ntohs(a.sin_port);
        v[1].ulPropTag = PR_TD_NET_TIMEOUT; v[1].Value.l = 8;
        ok(wt_profile_configure(admin, &hang, 2, v) == S_OK, "configure(silent port) failed\n");
    }
    if (!logon(&hang, &hs) || !logon(&local, &ls)) goto done_sessions;

    swprintf(subject, 128, L"stuck %hs", run_id);
    if (!submit(&hs, subject, L"body\r\n", to, 1)) goto done_sessions;
    /* the spooler's thread now connects and waits for a greeting that never comes */
    start = GetTickCount();
    flush(&hs, FLUSH_UPLOAD | FLUSH_ASYNC_OK);
    ok(GetTickCount() - start < 1000, "FlushQueues(FLUSH_ASYNC_OK) took %lu ms\n", GetTickCount() - start);
    Sleep(300);

    memset(&w, 0, sizeof(w));
    w.mdb = hs.mdb;
    thread = CreateThread(NULL, 0, store_work, &w, 0, NULL);

    /* meanwhile another profile sends to itself through the drop directory and receives it */
    swprintf(subject, 128, L"local %hs", run_id);
    start = GetTickCount();
    if (submit(&ls, subject, L"local body\r\n", self, 1))
    {
        flush(&ls, FLUSH_UPLOAD);
        flush(&ls, FLUSH_DOWNLOAD);
        n = count_in(&ls, PR_NULL, subject, NULL, NULL);
        took = GetTickCount() - start;
        /* exactly once (the owner's delivery record keys on the Message-ID, dropdir.h) */
        ok(n == 1, "the drop-directory message arrived %d times while SMTP hangs\n", n);
        ok(took < 3000, "the drop-directory round trip took %lu ms while SMTP hangs\n", took);
    }
    Sleep(1000);
    w.stop = TRUE;
    WaitForSingleObject(thread, 10000);
    CloseHandle(thread);
    ok(w.ops >= 5, "the client thread did %ld store rounds while SMTP hangs\n", w.ops);
    ok(w.slowest < 1000, "the slowest store round took %lu ms while SMTP hangs\n", w.slowest);
    /* the message is still queued, the hang not yet over (8 s timeout) */
    n = count_in(&hs, PR_IPM_OUTBOX_ENTRYID, L"stuck", NULL, NULL);
    ok(n == 1, "%d messages queued while SMTP hangs\n", n);

done_sessions:
    /* the silent server goes away: the connection is reset and the spooler's wait ends */
    closesocket(listener);
    listener = INVALID_SOCKET;
    logoff(&hs);
    logoff(&ls);
    wt_profile_delete(admin, &local);
done_hang:
    wt_profile_delete(admin, &hang);
done_socket:
    if (listener != INVALID_SOCKET) closesocket(listener);
    WSACleanup();
}

void wt_run(void)
{
    char dir[MAX_PATH];
    ULONG blocks, objects, provider_objects, i;
    HRESULT hr;
    WCHAR *w;

    GetFullPathNameA("mailservers\\ports.ini", sizeof(ini), ini, NULL);
    if (!ok(port_of("smtp") != 0, "no %s: the mailservers fixture did not run\n", ini)) return;
    ini_string("maildir", dir, sizeof(dir));
    swprintf(maildir, MAX_PATH, L"Z:%hs", dir);
    for (w = maildir; *w; w++) if (*w == '/') *w = '\\';
    swprintf(drop_root, MAX_PATH, L"%ls\\drop", wt_temp_dir());
    CreateDirectoryW(drop_root, NULL);
    snprintf(run_id, sizeof(run_id), "%lx%lx", GetTickCount(), GetCurrentProcessId());
    for (i = 0; i < sizeof(attachment); i++) attachment[i] = (BYTE)(i * 7 + (i >> 8));

    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (ok(hr == S_OK && admin, "MAPIAdminProfiles returned %#lx\n", hr))
    {
        if (make_profile(&alice, "tandem-wt-net-alice", &alice_cfg)
            && make_profile(&bob, "tandem-wt-net-bob", &bob_cfg)
            && make_profile(&carol, "tandem-wt-net-carol", &carol_cfg)
            && make_profile(&relay, "tandem-wt-net-relay", &relay_cfg))
        {
            test_configure_roundtrip();
            test_send_and_fetch();
            test_wrong_password();
            test_faults();
            test_read_state_and_idle();
            test_never_stuck();
        }
        wt_profile_delete(admin, &alice);
        wt_profile_delete(admin, &bob);
        wt_profile_delete(admin, &carol);
        wt_profile_delete(admin, &relay);
        if (wt_counters((IUnknown *)admin, &blocks, &objects, &provider_objects))
        {
            ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
            ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
            ok(objects == 0, "%lu minimapi objects still live\n", objects);
        }
        else
            skip("this MAPI has no IMiniMapiDiagnostics: live counts not checked\n");
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
