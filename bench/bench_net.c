/*
 * bench_net.c - network channel throughput (issue 7 point 7): messages per second through the
 * transport's path (one td_smtp_send session per message, as SubmitMessage does, then fetched
 * back by the IMAP client with its UID record) against a plain SMTP session (one connection,
 * the same messages, raw commands) to the same local server in the same run. Prints the ratio.
 *
 * Needs the test mail servers: tests/servers/mailservers.sh start BUILD, then from BUILD:
 *   bench_net.exe [messages]      (reads mailservers\ports.ini)
 */
#include <stdio.h>
#include "transport/smtp.h"
#include "transport/inbound.h"

static char ini[MAX_PATH];

static unsigned short port_of(const char *name)
{
    return (unsigned short)GetPrivateProfileIntA("servers", name, 0, ini);
}

static char *message(int i, const char *run)
{
    return td_asprintf("From: alice@localhost\r\nTo: carol@localhost\r\nSubject: bench %s %d\r\n"
                       "Message-ID: <bench.%s.%d@tandem.test>\r\n\r\n"
                       "A short benchmark message body, number %d.\r\n", run, i, run, i, i);
}

static HRESULT count_sink(void *ctx, const char *data, size_t len, BOOL seen)
{
    (*(ULONG *)ctx)++;
    return S_OK;
}

static double seconds(LARGE_INTEGER a, LARGE_INTEGER b, LARGE_INTEGER f)
{
    return (double)(b.QuadPart - a.QuadPart) / (double)f.QuadPart;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200, i;
    td_netcfg cfg;
    td_uidrec *rec = NULL;
    LARGE_INTEGER f, t0, t1, t2;
    char run[32], *line;
    WCHAR tmp[MAX_PATH], *path;
    ULONG fetched = 0, got = 0;
    WCHAR *why = NULL;
    td_net *c = NULL;
    double ours, plain;

    GetFullPathNameA("mailservers\\ports.ini", sizeof(ini), ini, NULL);
    if (!port_of("smtp")) { fprintf(stderr, "no %s: start tests/servers/mailservers.sh first\n", ini); return 1; }
    snprintf(run, sizeof(run), "%lu", (unsigned long)GetTickCount());
    QueryPerformanceFrequency(&f);
    memset(&cfg, 0, sizeof(cfg));
    cfg.timeout_ms = 5000;
    cfg.smtp.host = mc_strdup("127.0.0.1");
    cfg.smtp.port = port_of("smtp");
    cfg.in_protocol = TD_IN_IMAP;
    cfg.in.host = mc_strdup("127.0.0.1");
    cfg.in.port = port_of("imap");
    cfg.in.user = mc_strdup("carol");
    cfg.in.password = mc_strdup("carol-pw");
    cfg.allow_plain = TRUE;
    GetTempPathW(MAX_PATH, tmp);
    path = td_wsprintf(L"%lstandem-bench-%hs.uids", tmp, run);
    if (FAILED(td_uidrec_open(path, &rec))) return 1;
    /* what is already in carol's mailbox is not part of the measurement */
    td_inbound_fetch(&cfg, rec, count_sink, &got, NULL, 1000000, &fetched, &why);
    mc_free(why);
    why = NULL;

    /* the transport's path: a session per message, then back through IMAP */
    QueryPerformanceCounter(&t0);
    for (i = 0; i < n; i++)
    {
        td_smtp_rcpt r;
        char *m = message(i, run);
        memset(&r, 0, sizeof(r));
        r.address = "carol@localhost";
        if (FAILED(td_smtp_send(&cfg, "localhost", "alice@localhost", &r, 1, m, strlen(m), &why)) || r.code != 250)
        {
            fprintf(stderr, "send %d failed: %ls\n", i, why ? why : L"");
            return 1;
        }
        td_smtp_rcpt_clear(&r);
        mc_free(m);
    }
    got = 0;
    if (FAILED(td_inbound_fetch(&cfg, rec, count_sink, &got, NULL, 1000000, &fetched, &why)) || (int)got < n)
    {
        fprintf(stderr, "fetched %lu of %d: %ls\n", (unsigned long)got, n, why ? why : L"");
        return 1;
    }
    QueryPerformanceCounter(&t1);

    /* the baseline: one plain SMTP session, the same messages */
    if (FAILED(td_net_connect("127.0.0.1", port_of("smtp"), 5000, &c))) return 1;
    td_net_read_line(c, &line, NULL);
    td_net_printf(c, "HELO localhost\r\n");
    td_net_read_line(c, &line, NULL);
    for (i = 0; i < n; i++)
    {
        char *m = message(i + n, run);
        td_net_printf(c, "MAIL FROM:<alice@localhost>\r\n");
        td_net_read_line(c, &line, NULL);
        td_net_printf(c, "RCPT TO:<carol@localhost>\r\n");
        td_net_read_line(c, &line, NULL);
        td_net_printf(c, "DATA\r\n");
        td_net_read_line(c, &line, NULL);
        td_net_write(c, m, strlen(m));
        td_net_printf(c, ".\r\n");
        if (FAILED(td_net_read_line(c, &line, NULL)) || strncmp(line, "250", 3)) { fprintf(stderr, "plain send failed\n"); return 1; }
        mc_free(m);
    }
    td_net_printf(c, "QUIT\r\n");
    td_net_close(c);
    QueryPerformanceCounter(&t2);

    ours = n / seconds(t0, t1, f);
    plain = n / seconds(t1, t2, f);
    printf("messages: %d\n", n);
    printf("transport path (session per message + IMAP fetch back): %.1f msg/s\n", ours);
    printf("plain SMTP session (one connection, send only):        %.1f msg/s\n", plain);
    printf("ratio transport/plain: %.2f\n", ours / plain);
    td_uidrec_close(rec);
    DeleteFileW(path);
    mc_free(path);
    td_netcfg_clear(&cfg);
    return 0;
}
