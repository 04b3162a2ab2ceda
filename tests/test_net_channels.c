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
    hr = td_inbound_fetch(&c, rec, keep, g, 100, n, why);
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
    };
    GetFullPathNameA("mailservers\\ports.ini", sizeof(ini), ini, NULL);
    if (!port_of("smtp"))
    {
        fprintf(stderr, "no %s: the mailservers fixture did not run\n", ini);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
