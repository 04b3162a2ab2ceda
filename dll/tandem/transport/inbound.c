/*
 * inbound.c - the POP3 and IMAP4rev1 clients and the UID record of inbound.h.
 */
#include <stdio.h>
#include "inbound.h"

/* ---- UID record -------------------------------------------------------------------------- */

struct td_uidrec
{
    HANDLE file;
    char **keys;            /* sorted, internal memory */
    size_t n, cap;
};


static BOOL find_key(const td_uidrec *r, const char *key, size_t *at)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi)
    {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->keys[mid], key);
        if (!c) { *at = mid; return TRUE; }
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    *at = lo;
    return FALSE;
}

static HRESULT insert_key(td_uidrec *r, const char *key)
{
    size_t at;
    char *k;
    if (find_key(r, key, &at)) return S_FALSE;
    if (r->n == r->cap)
    {
        char **nk = mc_realloc(r->keys, (r->cap = r->cap ? r->cap * 2 : 64) * sizeof(*nk));
        if (!nk) return MAPI_E_NOT_ENOUGH_MEMORY;
        r->keys = nk;
    }
    if (!(k = mc_strdup(key))) return MAPI_E_NOT_ENOUGH_MEMORY;
    memmove(r->keys + at + 1, r->keys + at, (r->n - at) * sizeof(*r->keys));
    r->keys[at] = k;
    r->n++;
    return S_OK;
}

HRESULT td_uidrec_open(const WCHAR *path, td_uidrec **out)
{
    td_uidrec *r;
    LARGE_INTEGER size;
    char *data = NULL, *p, *e;
    DWORD got = 0;

    *out = NULL;
    if (!(r = mc_calloc(1, sizeof(*r)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    /* held open without write sharing: one logon fetches for an account at a time */
    r->file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (r->file == INVALID_HANDLE_VALUE)
    {
        DWORD e = GetLastError();
        mc_free(r);
        return e == ERROR_SHARING_VIOLATION ? MAPI_E_BUSY : MAPI_E_NO_ACCESS;
    }
    if (GetFileSizeEx(r->file, &size) && size.QuadPart > 0 && size.QuadPart < 256 * 1024 * 1024
        && (data = mc_malloc((size_t)size.QuadPart + 1)) && ReadFile(r->file, data, (DWORD)size.QuadPart, &got, NULL))
    {
        data[got] = 0;
        /* one key per line; a line cut short by a crash (no line end) is ignored */
        for (p = data; (e = strchr(p, '\n')); p = e + 1)
        {
            *e = 0;
            if (e > p && e[-1] == '\r') e[-1] = 0;
            if (*p) insert_key(r, p);
        }
    }
    mc_free(data);
    SetFilePointer(r->file, 0, NULL, FILE_END);
    *out = r;
    return S_OK;
}

void td_uidrec_close(td_uidrec *r)
{
    size_t i;
    if (!r) return;
    CloseHandle(r->file);
    for (i = 0; i < r->n; i++) mc_free(r->keys[i]);
    mc_free(r->keys);
    mc_free(r);
}

BOOL td_uidrec_has(const td_uidrec *r, const char *key)
{
    size_t at;
    return find_key(r, key, &at);
}

HRESULT td_uidrec_add(td_uidrec *r, const char *key)
{
    char line[600];
    DWORD w;
    int n = snprintf(line, sizeof(line), "%s\n", key);
    HRESULT hr;

    if (n <= 1 || n >= (int)sizeof(line) || strchr(key, '\n')) return MAPI_E_INVALID_PARAMETER;
    if ((hr = insert_key(r, key)) != S_OK) return hr == S_FALSE ? S_OK : hr;
    if (!WriteFile(r->file, line, n, &w, NULL) || w != (DWORD)n || !FlushFileBuffers(r->file))
        return MAPI_E_DISK_ERROR;
    return S_OK;
}

ULONG td_uidrec_imap_max(const td_uidrec *r, ULONG uidvalidity)
{
    char prefix[32];
    size_t at, pl;
    ULONG best = 0;

    pl = snprintf(prefix, sizeof(prefix), "imap:%lu:", (unsigned long)uidvalidity);
    find_key(r, prefix, &at);
    for (; at < r->n && !strncmp(r->keys[at], prefix, pl); at++)
    {
        ULONG u = strtoul(r->keys[at] + pl, NULL, 10);
        if (u > best) best = u;
    }
    return best;
}

/* ---- shared ------------------------------------------------------------------------------- */

typedef struct msgbuf
{
    char *data;
    size_t len, cap;
} msgbuf;

static HRESULT buf_add(msgbuf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > TD_INBOUND_MAX_MESSAGE) return MAPI_E_TOO_BIG;
    if (b->len + n + 1 > b->cap)
    {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        char *d;
        while (cap < b->len + n + 1) cap *= 2;
        if (!(d = mc_realloc(b->data, cap))) return MAPI_E_NOT_ENOUGH_MEMORY;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return S_OK;
}

typedef struct client
{
    const td_netcfg *cfg;
    const td_server *srv;
    td_net *c;
    WCHAR **why;
    const char *proto;
    ULONG tag;
} client;

static HRESULT lost(client *k, HRESULT hr, const char *what)
{
    if (!*k->why)
        *k->why = td_wsprintf(L"%hs %hs:%u, %hs: %hs", k->proto, k->srv->host, k->srv->port, what, td_net_error(k->c));
    return hr;
}

static HRESULT refused(client *k, HRESULT hr, const char *what, const char *reply)
{
    mc_free(*k->why);
    *k->why = td_wsprintf(L"%hs %hs:%u refused %hs: %hs", k->proto, k->srv->host, k->srv->port, what, reply);
    return hr;
}

/* ---- POP3 ------------------------------------------------------------------------------- */

static HRESULT pop_cmd(client *k, const char *what, char **reply, const char *fmt, const char *arg)
{
    HRESULT hr;
    size_t len;
    if (FAILED(hr = td_net_printf(k->c, fmt, arg))) return lost(k, hr, what);
    if (FAILED(hr = td_net_read_line(k->c, reply, &len))) return lost(k, hr, what);
    return strncmp(*reply, "+OK", 3) ? S_FALSE : S_OK;
}

/* A multi-line answer's next line, dot-unstuffed; *end TRUE at the terminating ".". */
static HRESULT pop_line(client *k, char **line, size_t *len, BOOL *end)
{
    HRESULT hr;
    if (FAILED(hr = td_net_read_line(k->c, line, len))) return lost(k, hr, "reading");
    *end = !strcmp(*line, ".");
    if (!*end && (*line)[0] == '.') { (*line)++; (*len)--; }
    return S_OK;
}

typedef struct pop_item { ULONG num; char *uid; } pop_item;

static HRESULT pop3_fetch(client *k, td_uidrec *rec, td_inbound_sink sink, void *ctx, ULONG max, ULONG *fetched)
{
    pop_item *items = NULL;
    size_t n = 0, cap = 0, i;
    char *line, key[100];
    size_t len;
    BOOL end = FALSE, stls = FALSE;
    HRESULT hr;

    if (FAILED(hr = td_net_read_line(k->c, &line, &len))) return lost(k, hr, "greeting");
    if (strncmp(line, "+OK", 3)) return refused(k, MAPI_E_NETWORK_ERROR, "the session", line);
    if (k->srv->security == TD_SEC_STARTTLS)
    {
        if (FAILED(hr = pop_cmd(k, "CAPA", &line, "CAPA\r\n%s", ""))) return hr;
        while (hr == S_OK && SUCCEEDED(hr = pop_line(k, &line, &len, &end)) && !end)
            if (!_stricmp(line, "STLS")) stls = TRUE;
        if (FAILED(hr)) return hr;
        if (!stls)
        {
            *k->why = td_wsprintf(L"POP3 %hs:%u does not offer STLS, which the profile requires", k->srv->host, k->srv->port);
            return MAPI_E_NO_ACCESS;
        }
        if ((hr = pop_cmd(k, "STLS", &line, "STLS\r\n%s", "")) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_NO_ACCESS, "STLS", line);
        if (FAILED(hr = td_server_start_tls(k->cfg, k->srv, k->c, k->why))) return hr;
    }
    if (k->srv->user)
    {
        if (!td_server_may_send_password(k->cfg, k->srv, k->c, k->why)) return MAPI_E_NO_ACCESS;
        if ((hr = pop_cmd(k, "USER", &line, "USER %s\r\n", k->srv->user)) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_LOGON_FAILED, "the user name", line);
        if ((hr = pop_cmd(k, "PASS", &line, "PASS %s\r\n", k->srv->password ? k->srv->password : "")) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_LOGON_FAILED, "the user name or password", line);
    }
    if ((hr = pop_cmd(k, "UIDL", &line, "UIDL\r\n%s", "")) != S_OK)
        return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "UIDL", line);
    while (SUCCEEDED(hr = pop_line(k, &line, &len, &end)) && !end)
    {
        ULONG num;
        char uid[72];
        if (sscanf(line, "%lu %70s", &num, uid) != 2) continue;
        if (n == cap)
        {
            pop_item *ni = mc_realloc(items, (cap = cap ? cap * 2 : 32) * sizeof(*ni));
            if (!ni) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
            items = ni;
        }
        items[n].num = num;
        if (!(items[n].uid = mc_strdup(uid))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        n++;
    }
    if (FAILED(hr)) goto done;

    for (i = 0; i < n; i++)
    {
        char num[16];
        snprintf(key, sizeof(key), "pop:%s", items[i].uid);
        snprintf(num, sizeof(num), "%lu", items[i].num);
        if (!td_uidrec_has(rec, key))
        {
            msgbuf b = { NULL, 0, 0 };
            HRESULT add = S_OK;
            if (*fetched >= max) continue;
            if ((hr = pop_cmd(k, "RETR", &line, "RETR %s\r\n", num)) != S_OK)
            {
                if (FAILED(hr)) goto done;
                continue;   /* gone meanwhile */
            }
            while (SUCCEEDED(hr = pop_line(k, &line, &len, &end)) && !end)
                if (SUCCEEDED(add) && (FAILED(add = buf_add(&b, line, len)) || FAILED(add = buf_add(&b, "\r\n", 2))))
                    MC_TRACE("net", "message %s not kept: %#lx", key, (unsigned long)add);
            if (SUCCEEDED(hr) && SUCCEEDED(add)) hr = sink(ctx, b.data ? b.data : "", b.len, FALSE);
            mc_free(b.data);
            if (FAILED(hr)) goto done;
            if (FAILED(add)) continue;          /* too big: left on the server */
            if (FAILED(hr = td_uidrec_add(rec, key))) goto done;
            (*fetched)++;
        }
        if (!k->cfg->leave_on_server && FAILED(hr = pop_cmd(k, "DELE", &line, "DELE %s\r\n", num))) goto done;
    }
    /* QUIT commits the deletions (RFC 1939 UPDATE state) */
    if (FAILED(hr = pop_cmd(k, "QUIT", &line, "QUIT\r\n%s", ""))) goto done;
    hr = S_OK;

done:
    for (i = 0; i < n; i++) mc_free(items[i].uid);
    mc_free(items);
    return hr;
}

/* ---- IMAP ------------------------------------------------------------------------------- */

/* An IMAP quoted string (RFC 3501 4.3); NULL for characters a quoted string cannot hold. */
static char *imap_quote(const char *s)
{
    char *r = mc_malloc(strlen(s) * 2 + 3), *o = r;
    if (!r) return NULL;
    *o++ = '"';
    for (; *s; s++)
    {
        if (*s == '\r' || *s == '\n') { mc_free(r); return NULL; }
        if (*s == '"' || *s == '\\') *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '"';
    *o = 0;
    return r;
}

typedef struct imap_state
{
    client *k;
    BOOL cap_starttls, cap_idle;
    ULONG uidvalidity;
    ULONG last;             /* highest UID already fetched */
    td_uidrec *rec;
    td_inbound_sink sink;
    void *ctx;
    ULONG max, *fetched;
    HRESULT sink_hr;
} imap_state;

static void imap_caps(imap_state *st, const char *p)
{
    char up[TD_NET_MAX_LINE + 1], *t;
    size_t i;
    for (i = 0; p[i] && i < TD_NET_MAX_LINE; i++) up[i] = (char)toupper((unsigned char)p[i]);
    up[i] = 0;
    if ((t = strstr(up, "CAPABILITY")))
    {
        if (strstr(t, " STARTTLS")) st->cap_starttls = TRUE;
        if (strstr(t, " IDLE")) st->cap_idle = TRUE;
    }
}

/* "* n FETCH (... UID u ... FLAGS (...) ... BODY[] {size}" + literal + tail. */
static HRESULT imap_fetch_line(imap_state *st, char *line, size_t len)
{
    client *k = st->k;
    char *p, *lit = NULL;
    ULONG uid = 0, size = 0;
    BOOL seen = FALSE, have_size = FALSE;
    msgbuf b = { NULL, 0, 0 };
    HRESULT hr;
    char key[64];

    if ((p = strstr(line, "UID "))) uid = strtoul(p + 4, NULL, 10);
    if ((p = strstr(line, "FLAGS (")) && (lit = strchr(p, ')')) && strstr(p, "\\Seen") && strstr(p, "\\Seen") < lit) seen = TRUE;
    if (len > 2 && line[len - 1] == '}' && (lit = strrchr(line, '{')))
    {
        size = strtoul(lit + 1, NULL, 10);
        have_size = TRUE;
    }
    if (!have_size) return S_OK;                /* a flags update, no body */
    if (size > TD_INBOUND_MAX_MESSAGE) return refused(k, MAPI_E_TOO_BIG, "nothing: a message is too big", line);
    if (!(b.data = mc_malloc(size + 1))) return MAPI_E_NOT_ENOUGH_MEMORY;
    b.len = size;
    if (FAILED(hr = td_net_read_bytes(k->c, b.data, size))) { mc_free(b.data); return lost(k, hr, "FETCH"); }
    b.data[size] = 0;
    /* the rest of the response: ")" possibly with items after the literal */
    if (FAILED(hr = td_net_read_line(k->c, &line, &len))) { mc_free(b.data); return lost(k, hr, "FETCH"); }
    if (!uid && (p = strstr(line, "UID "))) uid = strtoul(p + 4, NULL, 10);
    if ((p = strstr(line, "\\Seen"))) seen = TRUE;
    if (uid > st->last && *st->fetched < st->max && SUCCEEDED(st->sink_hr))
    {
        snprintf(key, sizeof(key), "imap:%lu:%lu", (unsigned long)st->uidvalidity, (unsigned long)uid);
        if (!td_uidrec_has(st->rec, key))
        {
            if (SUCCEEDED(st->sink_hr = st->sink(st->ctx, b.data, b.len, seen))
                && SUCCEEDED(st->sink_hr = td_uidrec_add(st->rec, key)))
                (*st->fetched)++;
        }
    }
    mc_free(b.data);
    return S_OK;
}

/* Send a tagged command and read to its completion. S_OK for OK, S_FALSE for NO/BAD (the
 * completion line in *done_line). */
static HRESULT imap_cmd(imap_state *st, const char *what, const char *args, char **done_line)
{
    client *k = st->k;
    char tag[16];
    size_t tl, len;
    char *line;
    HRESULT hr;

    tl = snprintf(tag, sizeof(tag), "t%lu", (unsigned long)++k->tag);
    if (FAILED(hr = td_net_printf(k->c, "%s %s\r\n", tag, args))) return lost(k, hr, what);
    for (;;)
    {
        if (FAILED(hr = td_net_read_line(k->c, &line, &len))) return lost(k, hr, what);
        if (!strncmp(line, tag, tl) && line[tl] == ' ')
        {
            *done_line = line;
            return !_strnicmp(line + tl + 1, "OK", 2) ? S_OK : S_FALSE;
        }
        if (line[0] != '*') continue;          /* continuation requests are not used */
        imap_caps(st, line);
        if (strstr(line, "[UIDVALIDITY ")) st->uidvalidity = strtoul(strstr(line, "[UIDVALIDITY ") + 13, NULL, 10);
        if (strstr(line, " FETCH (") && FAILED(hr = imap_fetch_line(st, line, len))) return hr;
    }
}

static HRESULT imap_fetch(client *k, td_uidrec *rec, td_inbound_sink sink, void *ctx, ULONG max, ULONG *fetched)
{
    imap_state st;
    char *line, cmd[128], *qu = NULL, *qp = NULL, *login = NULL;
    size_t len;
    HRESULT hr;

    memset(&st, 0, sizeof(st));
    st.k = k;
    st.rec = rec;
    st.sink = sink;
    st.ctx = ctx;
    st.max = max;
    st.fetched = fetched;
    if (FAILED(hr = td_net_read_line(k->c, &line, &len))) return lost(k, hr, "greeting");
    if (strncmp(line, "* OK", 4) && strncmp(line, "* PREAUTH", 9)) return refused(k, MAPI_E_NETWORK_ERROR, "the session", line);
    imap_caps(&st, line);
    if ((hr = imap_cmd(&st, "CAPABILITY", "CAPABILITY", &line)) != S_OK)
        return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "CAPABILITY", line);
    if (k->srv->security == TD_SEC_STARTTLS)
    {
        if (!st.cap_starttls)
        {
            *k->why = td_wsprintf(L"IMAP %hs:%u does not offer STARTTLS, which the profile requires", k->srv->host, k->srv->port);
            return MAPI_E_NO_ACCESS;
        }
        if ((hr = imap_cmd(&st, "STARTTLS", "STARTTLS", &line)) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_NO_ACCESS, "STARTTLS", line);
        if (FAILED(hr = td_server_start_tls(k->cfg, k->srv, k->c, k->why))) return hr;
        st.cap_idle = FALSE;
        if ((hr = imap_cmd(&st, "CAPABILITY", "CAPABILITY", &line)) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "CAPABILITY", line);
    }
    if (k->srv->user)
    {
        if (!td_server_may_send_password(k->cfg, k->srv, k->c, k->why)) return MAPI_E_NO_ACCESS;
        if (!(qu = imap_quote(k->srv->user)) || !(qp = imap_quote(k->srv->password ? k->srv->password : ""))
            || !(login = td_asprintf("LOGIN %s %s", qu, qp)))
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else hr = imap_cmd(&st, "LOGIN", login, &line);
        if (qp) { SecureZeroMemory(qp, strlen(qp)); mc_free(qp); }
        if (login) { SecureZeroMemory(login, strlen(login)); mc_free(login); }
        mc_free(qu);
        if (hr != S_OK) return FAILED(hr) ? hr : refused(k, MAPI_E_LOGON_FAILED, "the user name or password", line);
    }
    if ((hr = imap_cmd(&st, "SELECT", "SELECT INBOX", &line)) != S_OK)
        return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "SELECT INBOX", line);
    st.last = td_uidrec_imap_max(rec, st.uidvalidity);
    st.sink_hr = S_OK;
    /* BODY.PEEK: fetching does not set \Seen; "n:*" also returns the last message when none is
     * newer, which imap_fetch_line skips (uid <= last) */
    snprintf(cmd, sizeof(cmd), "UID FETCH %lu:* (UID FLAGS BODY.PEEK[])", (unsigned long)st.last + 1);
    if ((hr = imap_cmd(&st, "UID FETCH", cmd, &line)) != S_OK)
        return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "UID FETCH", line);
    if (FAILED(st.sink_hr)) return st.sink_hr;
    imap_cmd(&st, "LOGOUT", "LOGOUT", &line);
    return S_OK;
}

HRESULT td_inbound_fetch(const td_netcfg *cfg, td_uidrec *rec, td_inbound_sink sink, void *ctx, ULONG max,
                         ULONG *fetched, WCHAR **why)
{
    client k;
    HRESULT hr;

    *fetched = 0;
    *why = NULL;
    if (cfg->in_protocol != TD_IN_POP3 && cfg->in_protocol != TD_IN_IMAP) return S_OK;
    memset(&k, 0, sizeof(k));
    k.cfg = cfg;
    k.srv = &cfg->in;
    k.why = why;
    k.proto = cfg->in_protocol == TD_IN_POP3 ? "POP3" : "IMAP";
    if (FAILED(hr = td_server_connect(cfg, &cfg->in, &k.c, why))) return hr;
    hr = cfg->in_protocol == TD_IN_POP3 ? pop3_fetch(&k, rec, sink, ctx, max, fetched)
                                        : imap_fetch(&k, rec, sink, ctx, max, fetched);
    td_net_close(k.c);
    return hr;
}
