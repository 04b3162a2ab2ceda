/*
 * smtp.c - the SMTP client of smtp.h. RFC 5321 (the protocol), RFC 1870 (SIZE), RFC 6152
 * (8BITMIME), RFC 2920 (PIPELINING), RFC 6531 (SMTPUTF8), RFC 3207 (STARTTLS), RFC 4954 +
 * RFC 4616 (AUTH PLAIN), RFC 3463 (enhanced status codes).
 */
#include <stdio.h>
#include "smtp.h"

#define REPLY_TEXT_MAX 1024

typedef struct session
{
    const td_netcfg *cfg;
    td_net *c;
    WCHAR **why;
    /* EHLO capabilities */
    BOOL esmtp, size, eightbit, pipelining, smtputf8, starttls, auth_plain, auth_login;
    unsigned long max_size;
    /* last reply */
    int code;
    char enhanced[16];
    char text[REPLY_TEXT_MAX];
} session;

static HRESULT net_fail(session *s, HRESULT hr, const char *what)
{
    if (!*s->why)
        *s->why = td_wsprintf(L"SMTP %hs:%u, %hs: %hs", s->cfg->smtp.host, s->cfg->smtp.port, what, td_net_error(s->c));
    return hr;
}

static void reply_fail(session *s, const char *what)
{
    mc_free(*s->why);
    *s->why = td_wsprintf(L"SMTP %hs:%u refused %hs: %d %hs", s->cfg->smtp.host, s->cfg->smtp.port, what, s->code, s->text);
}

/* One reply, multi-line replies joined; capabilities noted when `ehlo`. */
static HRESULT read_reply(session *s, BOOL ehlo)
{
    size_t used = 0;
    HRESULT hr;

    s->code = 0;
    s->text[0] = 0;
    s->enhanced[0] = 0;
    for (;;)
    {
        char *line, *p;
        size_t len;
        int code;

        if (FAILED(hr = td_net_read_line(s->c, &line, &len))) return net_fail(s, hr, "reading a reply");
        if (len < 3 || sscanf(line, "%3d", &code) != 1 || code < 200 || code > 599 || (len > 3 && line[3] != '-' && line[3] != ' '))
        {
            mc_free(*s->why);
            *s->why = td_wsprintf(L"SMTP %hs:%u sent a malformed reply", s->cfg->smtp.host, s->cfg->smtp.port);
            return MAPI_E_NETWORK_ERROR;
        }
        p = len > 4 ? line + 4 : line + len;
        if (ehlo && s->code == 0 && line[3] == '-') s->esmtp = TRUE;   /* the greeting line of EHLO */
        else if (ehlo)
        {
            if (!_strnicmp(p, "SIZE", 4)) { s->size = TRUE; s->max_size = strtoul(p + 4, NULL, 10); }
            else if (!_stricmp(p, "8BITMIME")) s->eightbit = TRUE;
            else if (!_stricmp(p, "PIPELINING")) s->pipelining = TRUE;
            else if (!_stricmp(p, "SMTPUTF8")) s->smtputf8 = TRUE;
            else if (!_stricmp(p, "STARTTLS")) s->starttls = TRUE;
            else if (!_strnicmp(p, "AUTH", 4) && (p[4] == ' ' || p[4] == '='))
            {
                char *t;
                for (t = p + 5; *t; t++) *t = (char)toupper((unsigned char)*t);
                if (strstr(p, " PLAIN") || strstr(p, "=PLAIN")) s->auth_plain = TRUE;
                if (strstr(p, " LOGIN") || strstr(p, "=LOGIN")) s->auth_login = TRUE;
            }
        }
        if (!s->code)
        {
            /* RFC 3463: "class.subject.detail " right after the code */
            int a, b, d, n = 0;
            if (sscanf(p, "%1d.%3d.%3d%n", &a, &b, &d, &n) == 3 && n && (p[n] == ' ' || !p[n]) && a == code / 100)
                snprintf(s->enhanced, sizeof(s->enhanced), "%d.%d.%d", a, b, d);
        }
        s->code = code;
        if (used < sizeof(s->text) - 2)
        {
            used += snprintf(s->text + used, sizeof(s->text) - used, "%s%s", used ? " " : "", p);
            if (used >= sizeof(s->text)) used = sizeof(s->text) - 1;
        }
        if (len == 3 || line[3] == ' ') return S_OK;
    }
}

static HRESULT command(session *s, const char *what, const char *fmt, const char *arg)
{
    HRESULT hr;
    if (FAILED(hr = td_net_printf(s->c, fmt, arg))) return net_fail(s, hr, what);
    return read_reply(s, FALSE);
}

static HRESULT hello(session *s, const char *helo)
{
    HRESULT hr;
    s->esmtp = s->size = s->eightbit = s->pipelining = s->smtputf8 = s->starttls = s->auth_plain = s->auth_login = FALSE;
    if (FAILED(hr = td_net_printf(s->c, "EHLO %s\r\n", helo))) return net_fail(s, hr, "EHLO");
    if (FAILED(hr = read_reply(s, TRUE))) return hr;
    if (s->code == 250) return S_OK;
    if (FAILED(hr = command(s, "HELO", "HELO %s\r\n", helo))) return hr;
    if (s->code != 250) { reply_fail(s, "HELO"); return MAPI_E_NETWORK_ERROR; }
    return S_OK;
}

static HRESULT authenticate(session *s)
{
    const td_server *srv = &s->cfg->smtp;
    size_t ul = strlen(srv->user), pl = srv->password ? strlen(srv->password) : 0;
    char *b64 = NULL, *buf;
    HRESULT hr;

    if (!s->auth_plain && !s->auth_login)
    {
        mc_free(*s->why);
        *s->why = td_wsprintf(L"SMTP %hs:%u offers no password authentication (AUTH PLAIN or LOGIN)", srv->host, srv->port);
        return MAPI_E_LOGON_FAILED;
    }
    if (!td_server_may_send_password(s->cfg, srv, s->c, s->why)) return MAPI_E_NO_ACCESS;
    if (s->auth_plain)
    {
        /* authzid NUL authcid NUL passwd */
        if (!(buf = mc_malloc(ul + pl + 2))) return MAPI_E_NOT_ENOUGH_MEMORY;
        buf[0] = 0;
        memcpy(buf + 1, srv->user, ul);
        buf[ul + 1] = 0;
        if (pl) memcpy(buf + ul + 2, srv->password, pl);
        b64 = td_net_base64(buf, ul + pl + 2);
        SecureZeroMemory(buf, ul + pl + 2);
        mc_free(buf);
        if (!b64) return MAPI_E_NOT_ENOUGH_MEMORY;
        hr = command(s, "AUTH", "AUTH PLAIN %s\r\n", b64);
    }
    else
    {
        hr = command(s, "AUTH", "AUTH LOGIN\r\n%s", "");
        if (SUCCEEDED(hr) && s->code == 334 && (b64 = td_net_base64(srv->user, ul)))
        {
            hr = command(s, "AUTH", "%s\r\n", b64);
            mc_free(b64);
            b64 = NULL;
            if (SUCCEEDED(hr) && s->code == 334 && (b64 = td_net_base64(srv->password ? srv->password : "", pl)))
                hr = command(s, "AUTH", "%s\r\n", b64);
        }
    }
    if (b64) { SecureZeroMemory(b64, strlen(b64)); mc_free(b64); }
    if (FAILED(hr)) return hr;
    if (s->code != 235)
    {
        reply_fail(s, "the user name or password");
        return s->code >= 500 ? MAPI_E_LOGON_FAILED : MAPI_E_NETWORK_ERROR;
    }
    return S_OK;
}

static BOOL is_ascii(const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80) return FALSE;
    return TRUE;
}

/* The message with dot-stuffing (RFC 5321 4.5.2) and the end "CRLF.CRLF", in bounded chunks. */
static HRESULT send_data(session *s, const char *data, size_t len)
{
    char chunk[16 * 1024];
    size_t i, k = 0;
    BOOL bol = TRUE;
    HRESULT hr;

    for (i = 0; i < len; i++)
    {
        if (k + 2 > sizeof(chunk))
        {
            if (FAILED(hr = td_net_write(s->c, chunk, k))) return net_fail(s, hr, "sending the message");
            k = 0;
        }
        if (bol && data[i] == '.') chunk[k++] = '.';
        chunk[k++] = data[i];
        bol = data[i] == '\n';
    }
    if (FAILED(hr = td_net_write(s->c, chunk, k))) return net_fail(s, hr, "sending the message");
    if (FAILED(hr = td_net_write(s->c, bol ? ".\r\n" : "\r\n.\r\n", bol ? 3 : 5))) return net_fail(s, hr, "sending the message");
    return S_OK;
}

static void note(td_smtp_rcpt *r, const session *s)
{
    r->code = s->code;
    memcpy(r->enhanced, s->enhanced, sizeof(r->enhanced));
    mc_free(r->reply);
    r->reply = td_asprintf("%d %s", s->code, s->text);
}

void td_smtp_rcpt_clear(td_smtp_rcpt *r)
{
    mc_free(r->reply);
    r->reply = NULL;
    r->code = 0;
    r->enhanced[0] = 0;
}

HRESULT td_smtp_send(const td_netcfg *cfg, const char *helo, const char *from, td_smtp_rcpt *rcpts, size_t n,
                     const char *data, size_t len, WCHAR **why)
{
    session s;
    char mail[1024], params[128];
    size_t i, accepted = 0;
    BOOL utf8 = !is_ascii(from, strlen(from)), eight = !is_ascii(data, len);
    HRESULT hr;

    memset(&s, 0, sizeof(s));
    s.cfg = cfg;
    s.why = why;
    *why = NULL;
    for (i = 0; i < n; i++)
    {
        td_smtp_rcpt_clear(&rcpts[i]);
        if (!is_ascii(rcpts[i].address, strlen(rcpts[i].address))) utf8 = TRUE;
    }
    if (FAILED(hr = td_server_connect(cfg, &cfg->smtp, &s.c, why))) return hr;
    if (FAILED(hr = read_reply(&s, FALSE))) goto done;
    if (s.code != 220) { reply_fail(&s, "the session"); hr = MAPI_E_NETWORK_ERROR; goto done; }
    if (FAILED(hr = hello(&s, helo))) goto done;
    if (cfg->smtp.security == TD_SEC_STARTTLS)
    {
        if (!s.starttls)
        {
            *why = td_wsprintf(L"SMTP %hs:%u does not offer STARTTLS, which the profile requires", cfg->smtp.host, cfg->smtp.port);
            hr = MAPI_E_NO_ACCESS;
            goto done;
        }
        if (FAILED(hr = command(&s, "STARTTLS", "STARTTLS\r\n%s", ""))) goto done;
        if (s.code != 220) { reply_fail(&s, "STARTTLS"); hr = MAPI_E_NO_ACCESS; goto done; }
        if (FAILED(hr = td_server_start_tls(cfg, &cfg->smtp, s.c, why))) goto done;
        if (FAILED(hr = hello(&s, helo))) goto done;
    }
    if (cfg->smtp.user && FAILED(hr = authenticate(&s))) goto done;
    if (s.size && s.max_size && len > s.max_size)
    {
        s.code = 552;
        strcpy(s.enhanced, "5.3.4");
        snprintf(s.text, sizeof(s.text), "5.3.4 the message (%lu bytes) is larger than the server accepts (%lu bytes)",
                 (unsigned long)len, s.max_size);
        for (i = 0; i < n; i++) note(&rcpts[i], &s);
        hr = S_OK;
        goto done;
    }

    params[0] = 0;
    if (s.size) snprintf(params + strlen(params), sizeof(params) - strlen(params), " SIZE=%lu", (unsigned long)len);
    if (eight && s.eightbit) strcat(params, " BODY=8BITMIME");
    if (utf8 && s.smtputf8) strcat(params, " SMTPUTF8");
    if (snprintf(mail, sizeof(mail), "MAIL FROM:<%s>%s\r\n", from, params) >= (int)sizeof(mail))
    {
        hr = MAPI_E_INVALID_PARAMETER;
        goto done;
    }
    if (s.pipelining)
    {
        /* MAIL and every RCPT in one go (RFC 2920), the replies read in order below */
        if (FAILED(hr = td_net_write(s.c, mail, strlen(mail)))) { net_fail(&s, hr, "MAIL"); goto done; }
        for (i = 0; i < n; i++)
            if ((!utf8 || s.smtputf8) && FAILED(hr = td_net_printf(s.c, "RCPT TO:<%s>\r\n", rcpts[i].address)))
            {
                net_fail(&s, hr, "RCPT");
                goto done;
            }
    }
    else if (FAILED(hr = td_net_write(s.c, mail, strlen(mail)))) { net_fail(&s, hr, "MAIL"); goto done; }
    if (FAILED(hr = read_reply(&s, FALSE))) goto done;
    if (s.code != 250)
    {
        /* the sender refused: every recipient gets that answer */
        for (i = 0; i < n; i++) note(&rcpts[i], &s);
        hr = S_OK;
        goto done;
    }
    for (i = 0; i < n; i++)
    {
        if (utf8 && !s.smtputf8)
        {
            s.code = 553;
            strcpy(s.enhanced, "5.6.7");
            snprintf(s.text, sizeof(s.text), "5.6.7 the server does not accept internationalized addresses (no SMTPUTF8)");
            note(&rcpts[i], &s);
            continue;
        }
        if (!s.pipelining && FAILED(hr = td_net_printf(s.c, "RCPT TO:<%s>\r\n", rcpts[i].address)))
        {
            net_fail(&s, hr, "RCPT");
            goto done;
        }
        if (FAILED(hr = read_reply(&s, FALSE))) goto done;
        note(&rcpts[i], &s);
        if (s.code / 100 == 2) accepted++;
    }
    if (!accepted)
    {
        td_net_printf(s.c, "RSET\r\n");
        hr = S_OK;
        goto done;
    }
    if (FAILED(hr = command(&s, "DATA", "DATA\r\n%s", ""))) goto done;
    if (s.code == 354)
    {
        if (FAILED(hr = send_data(&s, data, len))) goto done;
        if (FAILED(hr = read_reply(&s, FALSE))) goto done;
    }
    if (s.code / 100 != 2)
        for (i = 0; i < n; i++)
            if (rcpts[i].code / 100 == 2) note(&rcpts[i], &s);
    td_net_printf(s.c, "QUIT\r\n");
    hr = S_OK;

done:
    if (FAILED(hr))
        for (i = 0; i < n; i++) td_smtp_rcpt_clear(&rcpts[i]);
    td_net_close(s.c);
    return hr;
}
