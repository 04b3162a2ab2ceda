/*
 * test_net_channels.c - the network channels (issue 7) against real servers on 127.0.0.1: the
 * private Dovecot (IMAP, POP3) and aiosmtpd of tests/servers, started by the "mailservers"
 * fixture, whose ports and certificate thumbprints are in <build>/mailservers/ports.ini.
 * SMTP sessions (plain, STARTTLS, implicit TLS, AUTH), per-recipient 5xx, wrong password,
 * passwords refused on plain connections, self-signed certificate refused then pinned,
 * server down then up, a connection cut in the middle of DATA, a server that never answers,
 * and POP3/IMAP fetch with UID bookkeeping (a message fetched twice is kept once).
 */
#include <stdio.h>
#include "test_tandem_fakes.h"
#include "transport/smtp.h"
#include "transport/inbound.h"

static char ini[MAX_PATH];

static unsigned short port_of(const char *name)
{
    return (unsigned short)GetPrivateProfileIntA("servers", name, 0, ini);
}

static void base_cfg(td_netcfg *c, const char *smtp_port_name, int security)
{
    memset(c, 0, sizeof(*c));
    c->timeout_ms = 3000;
    c->smtp.host = mc_strdup("127.0.0.1");
    c->smtp.port = port_of(smtp_port_name);
    c->smtp.security = security;
}

static void set_user(td_server *s, const char *user, const char *pw)
{
    mc_free(s->user);
    mc_free(s->password);
    s->user = mc_strdup(user);
    s->password = mc_strdup(pw);
}

static void set_thumb(td_netcfg *c, const char *which)
{
    char hexv[100];
    WCHAR w[100];
    GetPrivateProfileStringA("servers", which, "", hexv, sizeof(hexv), ini);
    MultiByteToWideChar(CP_ACP, 0, hexv, -1, w, 100);
    c->thumb_len = td_net_parse_thumbprint(w, c->thumb);
    assert_true(c->thumb_len == 20 || c->thumb_len == 32);
}

static char *make_message(const char *subject, const char *id)
{
    return td_asprintf("From: Alice <alice@localhost>\r\nTo: bob@localhost, carol@localhost\r\n"
                       "Subject: %s\r\nMessage-ID: <%s@tandem.test>\r\nMIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                       "Hello.\r\n.a line that starts with a dot\r\n..two dots\r\nEnd.\r\n", subject, id);
}

static HRESULT send_to(td_netcfg *c, const char **to, size_t n, td_smtp_rcpt *r, const char *subject, WCHAR **why)
{
    char id[64], *m;
    size_t i;
    HRESULT hr;
    snprintf(id, sizeof(id), "%lu.%lu", (unsigned long)GetTickCount(), (unsigned long)GetCurrentProcessId());
    m = make_message(subject, id);
    for (i = 0; i < n; i++) { memset(&r[i], 0, sizeof(r[i])); r[i].address = to[i]; }
    *why = NULL;
    hr = td_smtp_send(c, "localhost", "alice@localhost", r, n, m, strlen(m), why);
    mc_free(m);
    return hr;
}

/* ---- an inbound sink that keeps what it gets ---- */
typedef struct got { int count; char subjects[64][128]; char last[4096]; } got;

static HRESULT keep(void *ctx, const char *data, size_t len, BOOL seen)
{
    got *g = ctx;
    const char *s = strstr(data, "Subject: ");
    if (g->count < 64 && s)
    {
        size_t k = strcspn(s + 9, "\r\n");
        if (k > 127) k = 127;
        memcpy(g->subjects[g->count], s + 9, k);
        g->subjects[g->count][k] = 0;
    }
    snprintf(g->last, sizeof(g->last), "%.*s", (int)(len < 4000 ? len : 4000), data);
    g->count++;
    return S_OK;
}

static int count_subject(const got *g, const char *subject)
{
    int i, n = 0;
    for (i = 0; i < g->count && i < 64; i++) n += !strcmp(g->subjects[i], subject);
    return n;
}

static td_uidrec *temp_rec(const WCHAR *name)
{
    WCHAR dir[MAX_PATH], *p;
    td_uidrec *r = NULL;
    GetTempPathW(MAX_PATH, dir);
    p = td_wsprintf(L"%lstandem-net-%ls-%lu.uids", dir, name, GetCurrentProcessId());
    DeleteFileW(p);
    assert_int_equal(td_uidrec_open(p, &r), S_OK);
    mc_free(p);
    return r;
}

static HRESULT fetch(const char *proto, const char *user, int security, td_uidrec *rec, got *g, ULONG *n, WCHAR **why)
{
    td_netcfg c;
    HRESULT hr;
    memset(&c, 0, sizeof(c));
    c.timeout_ms = 3000;
    c.in_protocol = !strcmp(proto, "pop3") ? TD_IN_POP3 : TD_IN_IMAP;
    c.in.host = mc_strdup("127.0.0.1");
    c.in.security = security;
    c.in.port = port_of(security == TD_SEC_TLS ? (c.in_protocol == TD_IN_POP3 ? "pop3s" : "imaps") : proto);
    c.leave_on_server = TRUE;
    c.allow_plain = security == TD_SEC_NONE;
    if (security != TD_SEC_NONE) set_thumb(&c, "sha256");
    set_user(&c.in, user, !strcmp(user, "bob") ? "bob-pw" : !strcmp(user, "carol") ? "carol-pw" : "alice-pw");
    hr = td_inbound_fetch(&c, rec, keep, g, NULL, 100, n, why);
    td_netcfg_clear(&c);
    return hr;
}

/* alice sends to bob and carol; bob fetches with POP3, carol with IMAP; twice: nothing new */
static void test_send_and_fetch(void **state)
{
    const char *to[2] = { "bob@localhost", "carol@localhost" };
    td_smtp_rcpt r[2];
    td_netcfg c;
    td_uidrec *pop = temp_rec(L"bob"), *imap = temp_rec(L"carol");
    got g;
    ULONG n = 0;
    WCHAR *why = NULL;
    char subject[64];

    snprintf(subject, sizeof(subject), "plain hello %lu", (unsigned long)GetTickCount());
    base_cfg(&c, "smtp", TD_SEC_NONE);
    assert_int_equal(send_to(&c, to, 2, r, subject, &why), S_OK);
    assert_int_equal(r[0].code, 250);
    assert_int_equal(r[1].code, 250);
    td_smtp_rcpt_clear(&r[0]);
    td_smtp_rcpt_clear(&r[1]);

    memset(&g, 0, sizeof(g));
    assert_int_equal(fetch("pop3", "bob", TD_SEC_NONE, pop, &g, &n, &why), S_OK);
    assert_int_equal(count_subject(&g, subject), 1);
    assert_non_null(strstr(g.last, "\r\n.a line that starts with a dot\r\n..two dots\r\n"));
    memset(&g, 0, sizeof(g));
    assert_int_equal(fetch("pop3", "bob", TD_SEC_NONE, pop, &g, &n, &why), S_OK);
    assert_int_equal(n, 0);        /* the UIDL record: nothing fetched twice */

    memset(&g, 0, sizeof(g));
    assert_int_equal(fetch("imap", "carol", TD_SEC_TLS, imap, &g, &n, &why), S_OK);
    assert_int_equal(count_subject(&g, subject), 1);
    memset(&g, 0, sizeof(g));
    assert_int_equal(fetch("imap", "carol", TD_SEC_STARTTLS, imap, &g, &n, &why), S_OK);
    assert_int_equal(n, 0);
    td_uidrec_close(pop);
    td_uidrec_close(imap);
    td_netcfg_clear(&c);
}

/* 5xx for one recipient: only that one, with the server's reply and enhanced code */
static void test_one_refused(void **state)
{
    const char *to[3] = { "bob@localhost", "nobody@localhost", "busy@localhost" };
    td_smtp_rcpt r[3];
    td_netcfg c;
    WCHAR *why = NULL;

    base_cfg(&c, "smtp", TD_SEC_NONE);
    assert_int_equal(send_to(&c, to, 3, r, "one refused", &why), S_OK);
    assert_int_equal(r[0].code, 250);
    assert_int_equal(r[1].code, 550);
    assert_string_equal(r[1].enhanced, "5.1.1");
    assert_non_null(strstr(r[1].reply, "nobody@localhost"));
    assert_int_equal(r[2].code, 451);       /* 4xx: for later */
    td_smtp_rcpt_clear(&r[0]);
    td_smtp_rcpt_clear(&r[1]);
    td_smtp_rcpt_clear(&r[2]);
    td_netcfg_clear(&c);
}

/* STARTTLS on the submission port: the self-signed certificate is refused by the trust store,
 * then accepted once pinned; AUTH after STARTTLS; a wrong password is a clear failure */
static void test_tls_and_auth(void **state)
{
    const char *to[1] = { "bob@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c;
    WCHAR *why = NULL;

    base_cfg(&c, "submission", TD_SEC_STARTTLS);
    set_user(&c.smtp, "alice", "alice-pw");
    assert_int_equal(send_to(&c, to, 1, r, "tls refused", &why), MAPI_E_NO_ACCESS);
    assert_non_null(why);
    assert_non_null(wcsstr(why, L"not trusted"));
    mc_free(why);

    set_thumb(&c, "sha256");
    assert_int_equal(send_to(&c, to, 1, r, "tls pinned sha256", &why), S_OK);
    assert_int_equal(r[0].code, 250);
    td_smtp_rcpt_clear(&r[0]);

    set_user(&c.smtp, "alice", "wrong");
    assert_int_equal(send_to(&c, to, 1, r, "wrong password", &why), MAPI_E_LOGON_FAILED);
    assert_non_null(wcsstr(why, L"password"));
    mc_free(why);
    td_netcfg_clear(&c);

    /* implicit TLS (the 465 role), pinned by SHA-1 */
    base_cfg(&c, "smtps", TD_SEC_TLS);
    set_user(&c.smtp, "alice", "alice-pw");
    set_thumb(&c, "sha1");
    assert_int_equal(send_to(&c, to, 1, r, "implicit tls", &why), S_OK);
    assert_int_equal(r[0].code, 250);
    td_smtp_rcpt_clear(&r[0]);
    td_netcfg_clear(&c);
}

/* a password never crosses a plain connection unless the profile allows it */
static void test_plain_password(void **state)
{
    const char *to[1] = { "bob@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c;
    WCHAR *why = NULL;

    base_cfg(&c, "smtp", TD_SEC_NONE);
    set_user(&c.smtp, "alice", "alice-pw");
    assert_int_equal(send_to(&c, to, 1, r, "plain refused", &why), MAPI_E_NO_ACCESS);
    assert_non_null(wcsstr(why, L"unencrypted"));
    mc_free(why);
    c.allow_plain = TRUE;
    assert_int_equal(send_to(&c, to, 1, r, "plain allowed", &why), S_OK);
    assert_int_equal(r[0].code, 250);
    td_smtp_rcpt_clear(&r[0]);
    td_netcfg_clear(&c);
}

static void control(const char *what)
{
    td_net *n = NULL;
    char *line;
    assert_int_equal(td_net_connect("127.0.0.1", port_of("control"), 3000, &n), S_OK);
    assert_int_equal(td_net_printf(n, "%s\r\n", what), S_OK);
    assert_int_equal(td_net_read_line(n, &line, NULL), S_OK);
    td_net_close(n);
}

/* server down: a quick, clear failure; up again: sent */
static void test_down_then_up(void **state)
{
    const char *to[1] = { "bob@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c;
    WCHAR *why = NULL;
    DWORD t0;

    base_cfg(&c, "proxy", TD_SEC_NONE);
    control("DOWN");
    t0 = GetTickCount();
    assert_int_equal(send_to(&c, to, 1, r, "down", &why), MAPI_E_NETWORK_ERROR);
    assert_true(GetTickCount() - t0 < 5000);
    assert_non_null(why);
    mc_free(why);
    control("UP");
    assert_int_equal(send_to(&c, to, 1, r, "up again", &why), S_OK);
    assert_int_equal(r[0].code, 250);
    td_smtp_rcpt_clear(&r[0]);
    td_netcfg_clear(&c);
}

/* the connection cut in the middle of DATA: a failure (nothing delivered), the retry
 * delivers, and bob finds it once */
static void test_cut_in_data(void **state)
{
    const char *to[1] = { "bob@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c;
    td_uidrec *pop = temp_rec(L"bob-cut");
    WCHAR *why = NULL;
    char subject[64];
    got g;
    ULONG n;

    snprintf(subject, sizeof(subject), "CUT-ONCE-%lu", (unsigned long)GetTickCount());
    base_cfg(&c, "proxy", TD_SEC_NONE);
    assert_true(FAILED(send_to(&c, to, 1, r, subject, &why)));
    mc_free(why);
    assert_int_equal(send_to(&c, to, 1, r, subject, &why), S_OK);
    assert_int_equal(r[0].code, 250);
    td_smtp_rcpt_clear(&r[0]);
    memset(&g, 0, sizeof(g));
    assert_int_equal(fetch("pop3", "bob", TD_SEC_STARTTLS, pop, &g, &n, &why), S_OK);
    assert_int_equal(count_subject(&g, subject), 1);
    td_uidrec_close(pop);
    td_netcfg_clear(&c);
}

/* a server that accepts and never answers costs one timeout, no more */
static void test_silent_server(void **state)
{
    const char *to[1] = { "bob@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c;
    WCHAR *why = NULL;
    DWORD t0;

    base_cfg(&c, "control", TD_SEC_NONE);
    c.timeout_ms = 1000;
    t0 = GetTickCount();
    assert_int_equal(send_to(&c, to, 1, r, "silent", &why), MAPI_E_TIMEOUT);
    assert_true(GetTickCount() - t0 < 4000);
    mc_free(why);
    td_netcfg_clear(&c);
}

/* the UID record survives a reopen, and a line cut by a crash is ignored */
static void test_uidrec(void **state)
{
    WCHAR dir[MAX_PATH], *p;
    td_uidrec *r = NULL;
    HANDLE h;
    DWORD w;

    GetTempPathW(MAX_PATH, dir);
    p = td_wsprintf(L"%lstandem-net-rec-%lu.uids", dir, GetCurrentProcessId());
    DeleteFileW(p);
    assert_int_equal(td_uidrec_open(p, &r), S_OK);
    assert_int_equal(td_uidrec_add(r, "imap:7:3"), S_OK);
    assert_int_equal(td_uidrec_add(r, "imap:7:12"), S_OK);
    assert_int_equal(td_uidrec_add(r, "pop:abc"), S_OK);
    assert_int_equal(td_uidrec_open(p, &(td_uidrec *){ NULL }), MAPI_E_BUSY);   /* one fetcher */
    td_uidrec_close(r);
    h = CreateFileW(p, FILE_APPEND_DATA, 0, NULL, OPEN_EXISTING, 0, NULL);
    WriteFile(h, "pop:torn", 8, &w, NULL);
    CloseHandle(h);
    assert_int_equal(td_uidrec_open(p, &r), S_OK);
    assert_true(td_uidrec_has(r, "pop:abc"));
    assert_false(td_uidrec_has(r, "pop:torn"));
    assert_int_equal(td_uidrec_imap_max(r, 7), 12);
    assert_int_equal(td_uidrec_imap_max(r, 8), 0);
    td_uidrec_close(r);
    DeleteFileW(p);
    mc_free(p);
}

/* the record's read state: set/get, a later line wins on reopen, old lines still read, the
 * file is rewritten when it holds too many lines */
static void test_uidrec_state(void **state)
{
    WCHAR dir[MAX_PATH], *p;
    td_uidrec *r = NULL;
    const char *mid = NULL;
    BOOL seen = FALSE;
    LARGE_INTEGER size;
    HANDLE h;
    int i;

    GetTempPathW(MAX_PATH, dir);
    p = td_wsprintf(L"%lstandem-net-state-%lu.uids", dir, GetCurrentProcessId());
    DeleteFileW(p);
    assert_int_equal(td_uidrec_open(p, &r), S_OK);
    assert_int_equal(td_uidrec_add(r, "imap:9:1"), S_OK);
    assert_int_equal(td_uidrec_set(r, "imap:9:2", TRUE, "<a@x>"), S_OK);
    assert_int_equal(td_uidrec_set(r, "imap:9:2", FALSE, "<a@x>"), S_OK);
    assert_int_equal(td_uidrec_set(r, "imap:9:3", FALSE, "<bad\tid>"), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_uidrec_get(r, "imap:9:1", &seen, &mid), S_FALSE);
    assert_int_equal(td_uidrec_get(r, "imap:9:4", &seen, &mid), MAPI_E_NOT_FOUND);
    td_uidrec_close(r);
    assert_int_equal(td_uidrec_open(p, &r), S_OK);
    assert_int_equal(td_uidrec_get(r, "imap:9:2", &seen, &mid), S_OK);
    assert_false(seen);
    assert_string_equal(mid, "<a@x>");
    assert_true(td_uidrec_has(r, "imap:9:1"));
    /* 500 flips of one key: the file stays small (rewritten at 2n + 64 lines) */
    for (i = 0; i < 500; i++) assert_int_equal(td_uidrec_set(r, "imap:9:2", i & 1, "<a@x>"), S_OK);
    td_uidrec_close(r);
    h = CreateFileW(p, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    assert_true(GetFileSizeEx(h, &size));
    CloseHandle(h);
    assert_true(size.QuadPart < 80 * 20);
    assert_int_equal(td_uidrec_open(p, &r), S_OK);
    assert_int_equal(td_uidrec_get(r, "imap:9:2", &seen, &mid), S_OK);
    assert_true(seen);      /* the last flip (i = 499) */
    assert_int_equal(td_uidrec_count(r, "imap:9:"), 2);
    td_uidrec_close(r);
    DeleteFileW(p);
    mc_free(p);
}

/* POP3: a UID the server no longer lists leaves the record; the others stay */
static void test_pop3_prune(void **state)
{
    const char *to[1] = { "bob@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c;
    td_uidrec *pop = temp_rec(L"prune");
    got g;
    ULONG n = 0, before;
    WCHAR *why = NULL;

    base_cfg(&c, "smtp", TD_SEC_NONE);
    assert_int_equal(send_to(&c, to, 1, r, "prune me", &why), S_OK);
    td_smtp_rcpt_clear(&r[0]);
    assert_int_equal(td_uidrec_add(pop, "pop:gone-long-ago"), S_OK);
    assert_int_equal(td_uidrec_add(pop, "imap:1:1"), S_OK);     /* another protocol's key: kept */
    memset(&g, 0, sizeof(g));
    assert_int_equal(fetch("pop3", "bob", TD_SEC_NONE, pop, &g, &n, &why), S_OK);
    assert_true(n >= 1);
    assert_false(td_uidrec_has(pop, "pop:gone-long-ago"));
    assert_true(td_uidrec_has(pop, "imap:1:1"));
    before = td_uidrec_count(pop, "pop:");
    assert_int_equal(before, n);        /* every fetched UID is on the server (leave-on-server) */
    td_uidrec_close(pop);
    td_netcfg_clear(&c);
}

/* ---- the read-state sync against Dovecot, with a fake store ---- */
typedef struct fake_store
{
    char message_id[128];
    BOOL delivered, read;
    int sets;
} fake_store;

static HRESULT fake_get_read(void *ctx, const char *message_id, BOOL *read)
{
    fake_store *f = ctx;
    if (!f->delivered || strcmp(message_id, f->message_id)) return S_FALSE;
    *read = f->read;
    return S_OK;
}

static HRESULT fake_set_read(void *ctx, const char *message_id, BOOL read)
{
    fake_store *f = ctx;
    if (!f->delivered || strcmp(message_id, f->message_id)) return MAPI_E_NOT_FOUND;
    f->read = read;
    f->sets++;
    return S_OK;
}

/* Carol's Maildir file holding `marker`: 1 when its name carries the S (\Seen) flag, 0 when
 * not, -1 when not found. Maildir names end in ":2,<flags>" (Wine shows ':' as another
 * character, so only the "2," part is looked for). */
static int maildir_seen(const char *user, const char *marker)
{
    char dir[MAX_PATH], pattern[MAX_PATH], path[MAX_PATH], *c;
    WIN32_FIND_DATAA fd;
    HANDLE h;
    int result = -1;

    GetPrivateProfileStringA("servers", "maildir", "", dir, sizeof(dir), ini);
    for (c = dir; *c; c++) if (*c == '/') *c = '\\';
    snprintf(pattern, sizeof(pattern), "Z:%s\\%s\\cur\\*", dir, user);
    if ((h = FindFirstFileA(pattern, &fd)) == INVALID_HANDLE_VALUE) return -1;
    do
    {
        HANDLE f;
        char buf[8192];
        DWORD got = 0;
        const char *flags;
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
        snprintf(path, sizeof(path), "Z:%s\\%s\\cur\\%s", dir, user, fd.cFileName);
        f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
        if (f == INVALID_HANDLE_VALUE) continue;
        if (ReadFile(f, buf, sizeof(buf) - 1, &got, NULL)) buf[got] = 0; else buf[0] = 0;
        CloseHandle(f);
        if (!strstr(buf, marker)) continue;
        flags = strstr(fd.cFileName, "2,");
        for (result = 0; flags && *flags; flags++) if (*flags == 'S') result = 1;
        break;
    } while (FindNextFileA(h, &fd));
    FindClose(h);
    return result;
}

/* Mark the Maildir file holding marker \Seen (or not) the way a client reading it through
 * Dovecot leaves it. */
static BOOL maildir_set_seen(const char *user, const char *marker, BOOL seen)
{
    char dir[MAX_PATH], pattern[MAX_PATH], from[MAX_PATH], to[MAX_PATH], *c;
    WIN32_FIND_DATAA fd;
    HANDLE h;
    BOOL done = FALSE;

    GetPrivateProfileStringA("servers", "maildir", "", dir, sizeof(dir), ini);
    for (c = dir; *c; c++) if (*c == '/') *c = '\\';
    snprintf(pattern, sizeof(pattern), "Z:%s\\%s\\cur\\*", dir, user);
    if ((h = FindFirstFileA(pattern, &fd)) == INVALID_HANDLE_VALUE) return FALSE;
    do
    {
        HANDLE f;
        char buf[8192], *flags;
        DWORD got = 0;
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
        snprintf(from, sizeof(from), "Z:%s\\%s\\cur\\%s", dir, user, fd.cFileName);
        f = CreateFileA(from, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
        if (f == INVALID_HANDLE_VALUE) continue;
        if (ReadFile(f, buf, sizeof(buf) - 1, &got, NULL)) buf[got] = 0; else buf[0] = 0;
        CloseHandle(f);
        if (!strstr(buf, marker) || !(flags = strstr(fd.cFileName, "2,"))) continue;
        snprintf(to, sizeof(to), "Z:%s\\%s\\cur\\%.*s2,%s", dir, user, (int)(flags - fd.cFileName), fd.cFileName, seen ? "S" : "");
        done = MoveFileA(from, to);
    } while (!done && FindNextFileA(h, &fd));
    FindClose(h);
    return done;
}

static HRESULT fetch_sync(td_uidrec *rec, fake_store *f, ULONG *n)
{
    td_netcfg c;
    td_inbound_local local = { f, fake_get_read, fake_set_read };
    got g;
    WCHAR *why = NULL;
    HRESULT hr;

    memset(&c, 0, sizeof(c));
    memset(&g, 0, sizeof(g));
    c.timeout_ms = 3000;
    c.in_protocol = TD_IN_IMAP;
    c.in.host = mc_strdup("127.0.0.1");
    c.in.port = port_of("imap");
    c.allow_plain = TRUE;
    set_user(&c.in, "carol", "carol-pw");
    hr = td_inbound_fetch(&c, rec, keep, &g, &local, 100, n, &why);
    if (FAILED(hr)) print_message("fetch: %ls\n", why ? why : L"");
    mc_free(why);
    td_netcfg_clear(&c);
    return hr;
}

/* MAPI read -> \Seen on the server, unread -> flag removed, read elsewhere -> read in MAPI */
static void test_imap_read_sync(void **state)
{
    const char *to[1] = { "carol@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c;
    td_uidrec *rec = temp_rec(L"sync");
    fake_store f;
    ULONG n = 0;
    WCHAR *why = NULL;
    char id[64], *m, subject[64];

    memset(&f, 0, sizeof(f));
    snprintf(id, sizeof(id), "sync.%lu.%lu", (unsigned long)GetTickCount(), (unsigned long)GetCurrentProcessId());
    snprintf(f.message_id, sizeof(f.message_id), "<%s@tandem.test>", id);
    snprintf(subject, sizeof(subject), "read sync %s", id);
    base_cfg(&c, "smtp", TD_SEC_NONE);
    m = make_message(subject, id);
    memset(&r[0], 0, sizeof(r[0]));
    r[0].address = to[0];
    assert_int_equal(td_smtp_send(&c, "localhost", "alice@localhost", r, 1, m, strlen(m), &why), S_OK);
    mc_free(m);
    td_smtp_rcpt_clear(&r[0]);
    td_netcfg_clear(&c);

    assert_int_equal(fetch_sync(rec, &f, &n), S_OK);       /* fetched; not in the "store" yet */
    assert_true(n >= 1);
    assert_int_equal(maildir_seen("carol", subject), 0);
    f.delivered = TRUE;                                     /* delivered unread: nothing to do */
    assert_int_equal(fetch_sync(rec, &f, &n), S_OK);
    assert_int_equal(maildir_seen("carol", subject), 0);
    assert_int_equal(f.sets, 0);

    f.read = TRUE;                                          /* read in MAPI */
    assert_int_equal(fetch_sync(rec, &f, &n), S_OK);
    assert_int_equal(maildir_seen("carol", subject), 1);
    f.read = FALSE;                                         /* unread in MAPI */
    assert_int_equal(fetch_sync(rec, &f, &n), S_OK);
    assert_int_equal(maildir_seen("carol", subject), 0);
    assert_int_equal(f.sets, 0);

    assert_true(maildir_set_seen("carol", subject, TRUE));  /* read in another client */
    assert_int_equal(fetch_sync(rec, &f, &n), S_OK);
    assert_true(f.read);
    assert_int_equal(f.sets, 1);
    assert_true(maildir_set_seen("carol", subject, FALSE)); /* unread there again */
    assert_int_equal(fetch_sync(rec, &f, &n), S_OK);
    assert_false(f.read);
    assert_int_equal(f.sets, 2);
    assert_int_equal(fetch_sync(rec, &f, &n), S_OK);        /* in step: nothing moves */
    assert_int_equal(f.sets, 2);
    assert_int_equal(maildir_seen("carol", subject), 0);
    td_uidrec_close(rec);
}

/* IDLE: new mail is announced within seconds, and stopping is quick */
typedef struct idle_seen { HANDLE ev; LONG calls, released; } idle_seen;
static void idle_on_new(void *ctx) { idle_seen *s = ctx; InterlockedIncrement(&s->calls); SetEvent(s->ev); }
static void idle_done(void *ctx) { idle_seen *s = ctx; InterlockedIncrement(&s->released); }

static void test_imap_idle(void **state)
{
    const char *to[1] = { "carol@localhost" };
    td_smtp_rcpt r[1];
    td_netcfg c, in;
    td_idle *idle = NULL;
    idle_seen s = { CreateEventW(NULL, FALSE, FALSE, NULL), 0, 0 };
    td_idle_client cb = { &s, idle_on_new, idle_done };
    WCHAR *why = NULL;
    DWORD t0;
    int k;

    memset(&in, 0, sizeof(in));
    in.timeout_ms = 3000;
    in.in_protocol = TD_IN_IMAP;
    in.in.host = mc_strdup("127.0.0.1");
    in.in.port = port_of("imaps");
    in.in.security = TD_SEC_TLS;
    set_thumb(&in, "sha256");
    set_user(&in.in, "carol", "carol-pw");
    assert_int_equal(td_inbound_idle_start(&in, &cb, &idle), S_OK);
    for (k = 0; k < 100 && td_inbound_idle_state(idle) != 1; k++) Sleep(50);
    assert_int_equal(td_inbound_idle_state(idle), 1);
    assert_int_equal(WaitForSingleObject(s.ev, 2000), WAIT_OBJECT_0);   /* the first announcement */
    base_cfg(&c, "smtp", TD_SEC_NONE);
    assert_int_equal(send_to(&c, to, 1, r, "idle hello", &why), S_OK);
    td_smtp_rcpt_clear(&r[0]);
    t0 = GetTickCount();
    assert_int_equal(WaitForSingleObject(s.ev, 5000), WAIT_OBJECT_0);
    print_message("IDLE announced new mail after %lu ms\n", (unsigned long)(GetTickCount() - t0));
    t0 = GetTickCount();
    td_inbound_idle_stop(idle, 3000);
    assert_true(GetTickCount() - t0 < 1000);
    for (k = 0; k < 40 && !s.released; k++) Sleep(50);
    assert_int_equal(s.released, 1);
    CloseHandle(s.ev);
    td_netcfg_clear(&c);
    td_netcfg_clear(&in);
}

static void test_thumbprint_text(void **state)
{
    BYTE b[32];
    assert_int_equal(td_net_parse_thumbprint(L"11:6B:CC:FD:46:8B:0E:3D:E3:54:10:2F:46:3B:7A:5B:89:78:AE:2D", b), 20);
    assert_int_equal(b[1], 0x6b);
    assert_int_equal(td_net_parse_thumbprint(L"08a318389e71f8337f2ecd47231c82a426c9eb2cd16fa4a7f49a919a72c8d22e", b), 32);
    assert_int_equal(td_net_parse_thumbprint(L"08a3", b), 0);
    assert_int_equal(td_net_parse_thumbprint(L"zz", b), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thumbprint_text),
        cmocka_unit_test(test_uidrec),
        cmocka_unit_test(test_send_and_fetch),
        cmocka_unit_test(test_one_refused),
        cmocka_unit_test(test_tls_and_auth),
        cmocka_unit_test(test_plain_password),
        cmocka_unit_test(test_down_then_up),
        cmocka_unit_test(test_cut_in_data),
        cmocka_unit_test(test_silent_server),
        cmocka_unit_test(test_uidrec_state),
        cmocka_unit_test(test_pop3_prune),
        cmocka_unit_test(test_imap_read_sync),
        cmocka_unit_test(test_imap_idle),
    };
    GetFullPathNameA("mailservers\\ports.ini", sizeof(ini), ini, NULL);
    if (!port_of("smtp"))
    {
        fprintf(stderr, "no %s: the mailservers fixture did not run\n", ini);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
