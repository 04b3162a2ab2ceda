/*
 * inbound.c - the POP3 and IMAP4rev1 clients and the UID record of inbound.h.
 */
#include <stdio.h>
#include "inbound.h"
#include "mime.h"

/* ---- UID record -------------------------------------------------------------------------- */

struct td_uidrec
{
    HANDLE file;
    WCHAR *path;
    struct uidkey *keys;    /* sorted by key, internal memory */
    size_t n, cap;
    size_t lines;           /* lines in the file (rewritten when > 2n + 64) */
};

typedef struct uidkey
{
    char *key;
    char *message_id;       /* NULL: none recorded */
    signed char seen;       /* -1: none recorded */
    BOOL mark;              /* present on the server in this session (pruning) */
} uidkey;

static BOOL find_key(const td_uidrec *r, const char *key, size_t *at)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi)
    {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->keys[mid].key, key);
        if (!c) { *at = mid; return TRUE; }
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    *at = lo;
    return FALSE;
}

/* Insert or update in memory. S_FALSE when nothing changed. */
static HRESULT put_key(td_uidrec *r, const char *key, int seen, const char *message_id)
{
    size_t at;
    uidkey *k;
    char *mid = NULL;

    if (find_key(r, key, &at))
    {
        k = &r->keys[at];
        if (seen < 0 || (k->seen == seen && k->message_id && message_id && !strcmp(k->message_id, message_id)))
            return S_FALSE;
        if (message_id && !(mid = mc_strdup(message_id))) return MAPI_E_NOT_ENOUGH_MEMORY;
        mc_free(k->message_id);
        k->message_id = mid;
        k->seen = (signed char)seen;
        return S_OK;
    }
    if (r->n == r->cap)
    {
        uidkey *nk = mc_realloc(r->keys, (r->cap = r->cap ? r->cap * 2 : 64) * sizeof(*nk));
        if (!nk) return MAPI_E_NOT_ENOUGH_MEMORY;
        r->keys = nk;
    }
    memmove(r->keys + at + 1, r->keys + at, (r->n - at) * sizeof(*r->keys));
    k = &r->keys[at];
    memset(k, 0, sizeof(*k));
    k->seen = -1;
    if (!(k->key = mc_strdup(key)) || (seen >= 0 && message_id && !(k->message_id = mc_strdup(message_id))))
    {
        mc_free(k->key);
        memmove(r->keys + at, r->keys + at + 1, (r->n - at) * sizeof(*r->keys));
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (seen >= 0) k->seen = (signed char)seen;
    r->n++;
    return S_OK;
}

static void drop_key(td_uidrec *r, size_t at)
{
    mc_free(r->keys[at].key);
    mc_free(r->keys[at].message_id);
    memmove(r->keys + at, r->keys + at + 1, (r->n - at - 1) * sizeof(*r->keys));
    r->n--;
}

static int format_line(const uidkey *k, char *line, size_t size)
{
    if (k->seen < 0 || !k->message_id) return snprintf(line, size, "%s\n", k->key);
    return snprintf(line, size, "%s\t%d\t%s\n", k->key, k->seen, k->message_id);
}

static HRESULT open_file(td_uidrec *r)
{
    /* held open without write sharing: one logon fetches for an account at a time */
    r->file = CreateFileW(r->path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (r->file != INVALID_HANDLE_VALUE) return S_OK;
    return GetLastError() == ERROR_SHARING_VIOLATION ? MAPI_E_BUSY : MAPI_E_NO_ACCESS;
}

/* Write every key to <path>.new and rename it over the record: a crash leaves the old file or
 * the new one, never half of one. */
static HRESULT rewrite(td_uidrec *r)
{
    WCHAR *tmp = td_wsprintf(L"%ls.new", r->path);
    HANDLE h;
    HRESULT hr = S_OK;
    size_t i;

    if (!tmp) return MAPI_E_NOT_ENOUGH_MEMORY;
    h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) { mc_free(tmp); return MAPI_E_DISK_ERROR; }
    for (i = 0; i < r->n && hr == S_OK; i++)
    {
        char line[700];
        DWORD w;
        int n = format_line(&r->keys[i], line, sizeof(line));
        if (n <= 0 || n >= (int)sizeof(line) || !WriteFile(h, line, n, &w, NULL) || w != (DWORD)n) hr = MAPI_E_DISK_ERROR;
    }
    if (hr == S_OK && !FlushFileBuffers(h)) hr = MAPI_E_DISK_ERROR;
    CloseHandle(h);
    if (hr == S_OK)
    {
        CloseHandle(r->file);
        if (!MoveFileExW(tmp, r->path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) hr = MAPI_E_DISK_ERROR;
        if (FAILED(open_file(r))) hr = MAPI_E_DISK_ERROR;    /* r->file invalid: later writes fail */
        else SetFilePointer(r->file, 0, NULL, FILE_END);
        if (hr == S_OK) r->lines = r->n;
    }
    if (hr != S_OK) DeleteFileW(tmp);
    mc_free(tmp);
    return hr;
}

/* Append the key's current line (a later line replaces an earlier one on reading). */
static HRESULT append(td_uidrec *r, const char *key)
{
    char line[700];
    size_t at;
    DWORD w;
    int n;

    if (!find_key(r, key, &at)) return MAPI_E_NOT_FOUND;
    n = format_line(&r->keys[at], line, sizeof(line));
    if (n <= 1 || n >= (int)sizeof(line)) return MAPI_E_INVALID_PARAMETER;
    if (!WriteFile(r->file, line, n, &w, NULL) || w != (DWORD)n || !FlushFileBuffers(r->file))
        return MAPI_E_DISK_ERROR;
    if (++r->lines > 2 * r->n + 64) return rewrite(r);
    return S_OK;
}

HRESULT td_uidrec_open(const WCHAR *path, td_uidrec **out)
{
    td_uidrec *r;
    LARGE_INTEGER size;
    char *data = NULL, *p, *e;
    DWORD got = 0;
    HRESULT hr;

    *out = NULL;
    if (!(r = mc_calloc(1, sizeof(*r))) || !(r->path = mc_wcsdup(path)))
    {
        mc_free(r);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (FAILED(hr = open_file(r)))
    {
        mc_free(r->path);
        mc_free(r);
        return hr;
    }
    if (GetFileSizeEx(r->file, &size) && size.QuadPart > 0 && size.QuadPart < 256 * 1024 * 1024
        && (data = mc_malloc((size_t)size.QuadPart + 1)) && ReadFile(r->file, data, (DWORD)size.QuadPart, &got, NULL))
    {
        data[got] = 0;
        /* one key per line; a line cut short by a crash (no line end) is ignored */
        for (p = data; (e = strchr(p, '\n')); p = e + 1)
        {
            char *t1, *t2;
            *e = 0;
            if (e > p && e[-1] == '\r') e[-1] = 0;
            r->lines++;
            if (!*p) continue;
            if ((t1 = strchr(p, '\t')) && (t2 = strchr(t1 + 1, '\t')) && (t1[1] == '0' || t1[1] == '1') && t1 + 2 == t2)
            {
                *t1 = 0;
                put_key(r, p, t1[1] - '0', t2 + 1);
            }
            else if (!t1) put_key(r, p, -1, NULL);
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
    if (r->file != INVALID_HANDLE_VALUE) CloseHandle(r->file);
    for (i = 0; i < r->n; i++)
    {
        mc_free(r->keys[i].key);
        mc_free(r->keys[i].message_id);
    }
    mc_free(r->keys);
    mc_free(r->path);
    mc_free(r);
}

BOOL td_uidrec_has(const td_uidrec *r, const char *key)
{
    size_t at;
    return find_key(r, key, &at);
}

static BOOL valid_text(const char *s, size_t max)
{
    return s && *s && strlen(s) < max && !strpbrk(s, "\t\r\n");
}

HRESULT td_uidrec_add(td_uidrec *r, const char *key)
{
    HRESULT hr;
    if (!valid_text(key, 100)) return MAPI_E_INVALID_PARAMETER;
    if ((hr = put_key(r, key, -1, NULL)) != S_OK) return hr == S_FALSE ? S_OK : hr;
    return append(r, key);
}

HRESULT td_uidrec_set(td_uidrec *r, const char *key, BOOL seen, const char *message_id)
{
    HRESULT hr;
    if (!valid_text(key, 100) || !valid_text(message_id, 500)) return MAPI_E_INVALID_PARAMETER;
    if ((hr = put_key(r, key, seen ? 1 : 0, message_id)) != S_OK) return hr == S_FALSE ? S_OK : hr;
    return append(r, key);
}

HRESULT td_uidrec_get(const td_uidrec *r, const char *key, BOOL *seen, const char **message_id)
{
    size_t at;
    if (!find_key(r, key, &at)) return MAPI_E_NOT_FOUND;
    if (r->keys[at].seen < 0 || !r->keys[at].message_id) return S_FALSE;
    *seen = r->keys[at].seen == 1;
    *message_id = r->keys[at].message_id;
    return S_OK;
}

ULONG td_uidrec_imap_max(const td_uidrec *r, ULONG uidvalidity)
{
    char prefix[32];
    size_t at, pl;
    ULONG best = 0;

    pl = snprintf(prefix, sizeof(prefix), "imap:%lu:", (unsigned long)uidvalidity);
    find_key(r, prefix, &at);
    for (; at < r->n && !strncmp(r->keys[at].key, prefix, pl); at++)
    {
        ULONG u = strtoul(r->keys[at].key + pl, NULL, 10);
        if (u > best) best = u;
    }
    return best;
}

ULONG td_uidrec_count(const td_uidrec *r, const char *prefix)
{
    size_t at, pl = strlen(prefix);
    ULONG n = 0;
    find_key(r, prefix, &at);
    for (; at < r->n && !strncmp(r->keys[at].key, prefix, pl); at++) n++;
    return n;
}

/* Pruning: clear the marks of keys with prefix, mark those still on the server, then drop the
 * unmarked ones and rewrite the file when any went. */
static void unmark_all(td_uidrec *r)
{
    size_t i;
    for (i = 0; i < r->n; i++) r->keys[i].mark = FALSE;
}

static void mark(td_uidrec *r, const char *key)
{
    size_t at;
    if (find_key(r, key, &at)) r->keys[at].mark = TRUE;
}

static HRESULT sweep(td_uidrec *r, const char *prefix)
{
    size_t at, pl = strlen(prefix);
    BOOL dropped = FALSE;
    find_key(r, prefix, &at);
    while (at < r->n && !strncmp(r->keys[at].key, prefix, pl))
    {
        if (r->keys[at].mark) { at++; continue; }
        drop_key(r, at);
        dropped = TRUE;
    }
    return dropped ? rewrite(r) : S_OK;
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
    /* the listing is complete: UIDs the server no longer has leave the record */
    unmark_all(rec);
    for (i = 0; i < n; i++)
    {
        snprintf(key, sizeof(key), "pop:%s", items[i].uid);
        mark(rec, key);
    }
    if (FAILED(hr = sweep(rec, "pop:"))) goto done;

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

typedef struct flag_pair { ULONG uid; BOOL seen; } flag_pair;

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
    /* flags-only FETCH responses (read-state sync), bounded */
    BOOL collect;
    flag_pair *pairs;
    size_t npairs, cappairs;
    /* IDLE: an untagged EXISTS was seen */
    BOOL exists;
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

/* The Message-ID of a fetched message as the store keeps it (the MIME parser's form, the
 * same as PR_INTERNET_MESSAGE_ID after delivery); NULL when it has none. Only the header is
 * parsed. */
static char *fetched_message_id(const char *data, size_t len)
{
    mime_parse_options opt;
    mime_message *m = NULL;
    const char *end = NULL;
    char *id = NULL;
    size_t i, hl;

    for (i = 0; i + 1 < len && i < 256 * 1024 && !end; i++)
        if (data[i] == '\n' && (data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < len && data[i + 2] == '\n')))
            end = data + i + 1;
    hl = end ? (size_t)(end - data) : len;
    memset(&opt, 0, sizeof(opt));
    opt.charset = mime_default_charset();
    if (mime_parse(data, hl, &opt, &m) == MIME_OK && m->message_id && valid_text(m->message_id, 500))
        id = mc_strdup(m->message_id);
    mime_message_free(m);
    return id;
}

static void keep_pair(imap_state *st, ULONG uid, BOOL seen)
{
    if (!uid || st->npairs >= 4 * TD_INBOUND_SYNC_MAX) return;
    if (st->npairs == st->cappairs)
    {
        flag_pair *np = mc_realloc(st->pairs, (st->cappairs = st->cappairs ? st->cappairs * 2 : 64) * sizeof(*np));
        if (!np) return;
        st->pairs = np;
    }
    st->pairs[st->npairs].uid = uid;
    st->pairs[st->npairs++].seen = seen;
}

/* "* n FETCH (... UID u ... FLAGS (...) ... BODY[] {size}" + literal + tail, or a flags-only
 * "* n FETCH (UID u FLAGS (...))". */
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
    if (!have_size)
    {
        if (st->collect) keep_pair(st, uid, seen);
        return S_OK;
    }
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
        if (!td_uidrec_has(st->rec, key) && SUCCEEDED(st->sink_hr = st->sink(st->ctx, b.data, b.len, seen)))
        {
            /* the state the store starts with (X-Tandem-Seen) is the agreed one */
            char *id = fetched_message_id(b.data, b.len);
            st->sink_hr = id ? td_uidrec_set(st->rec, key, seen, id) : td_uidrec_add(st->rec, key);
            mc_free(id);
            if (SUCCEEDED(st->sink_hr)) (*st->fetched)++;
        }
    }
    mc_free(b.data);
    return S_OK;
}

/* An untagged response line of any command. */
static HRESULT imap_untagged(imap_state *st, char *line, size_t len)
{
    size_t n = strlen(line);
    imap_caps(st, line);
    if (strstr(line, "[UIDVALIDITY ")) st->uidvalidity = strtoul(strstr(line, "[UIDVALIDITY ") + 13, NULL, 10);
    if (n > 7 && !_stricmp(line + n - 7, " EXISTS")) st->exists = TRUE;
    if (strstr(line, " FETCH (")) return imap_fetch_line(st, line, len);
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
        if (FAILED(hr = imap_untagged(st, line, len))) return hr;
    }
}

static int cmp_uid_desc(const void *a, const void *b)
{
    ULONG x = *(const ULONG *)a, y = *(const ULONG *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The lowest UID of the newest TD_INBOUND_SYNC_MAX recorded under the current UIDVALIDITY. */
static ULONG sync_window_low(imap_state *st)
{
    char prefix[32];
    ULONG n = 0, *uids, low = 0, i = 0;
    size_t pl = snprintf(prefix, sizeof(prefix), "imap:%lu:", (unsigned long)st->uidvalidity);
    size_t at;

    n = td_uidrec_count(st->rec, prefix);
    if (!n || !(uids = mc_malloc(n * sizeof(*uids)))) return 0;
    find_key(st->rec, prefix, &at);
    for (; at < st->rec->n && i < n && !strncmp(st->rec->keys[at].key, prefix, pl); at++)
        uids[i++] = strtoul(st->rec->keys[at].key + pl, NULL, 10);
    qsort(uids, i, sizeof(*uids), cmp_uid_desc);
    low = i ? uids[(i < TD_INBOUND_SYNC_MAX ? i : TD_INBOUND_SYNC_MAX) - 1] : 0;
    mc_free(uids);
    return low ? low : 1;
}

/* Send one flag change for a list of UIDs (sets of at most ~100 per command). */
static HRESULT imap_store(imap_state *st, const ULONG *uids, size_t n, BOOL seen)
{
    char cmd[1400], *line, key[64];
    size_t i = 0, j, done;
    HRESULT hr;

    while (i < n)
    {
        int at = 0;
        for (j = i; j < n && at < 1100; j++)
            at += snprintf(cmd + at, sizeof(cmd) - at, "%s%lu", j > i ? "," : "UID STORE ", (unsigned long)uids[j]);
        snprintf(cmd + at, sizeof(cmd) - at, " %cFLAGS.SILENT (\\Seen)", seen ? '+' : '-');
        if (FAILED(hr = imap_cmd(st, "UID STORE", cmd, &line))) return hr;
        done = j;
        if (hr == S_OK)
            for (j = i; j < done; j++)
            {
                BOOL r;
                const char *mid;
                snprintf(key, sizeof(key), "imap:%lu:%lu", (unsigned long)st->uidvalidity, (unsigned long)uids[j]);
                if (td_uidrec_get(st->rec, key, &r, &mid) == S_OK && FAILED(hr = td_uidrec_set(st->rec, key, seen, mid)))
                    return hr;
            }
        else MC_TRACE("net", "UID STORE refused: %s", line);
        i = done;
    }
    return S_OK;
}

/* Read state in both directions and pruning (inbound.h), after new mail was fetched. */
static HRESULT imap_sync(imap_state *st, const td_inbound_local *local)
{
    char cmd[96], *line, key[64], maxkey[64];
    ULONG max = td_uidrec_imap_max(st->rec, st->uidvalidity), low, *plus = NULL, *minus = NULL;
    size_t i, np = 0, nm = 0;
    HRESULT hr = S_OK;

    snprintf(maxkey, sizeof(maxkey), "imap:%lu:%lu", (unsigned long)st->uidvalidity, (unsigned long)max);
    unmark_all(st->rec);
    if (!max) return sweep(st->rec, "imap:");       /* nothing under this UIDVALIDITY */
    low = sync_window_low(st);
    st->npairs = 0;
    st->collect = TRUE;
    snprintf(cmd, sizeof(cmd), "UID FETCH %lu:%lu (UID FLAGS)", (unsigned long)low, (unsigned long)max);
    hr = imap_cmd(st, "UID FETCH", cmd, &line);
    st->collect = FALSE;
    if (hr != S_OK) return FAILED(hr) ? hr : refused(st->k, MAPI_E_NETWORK_ERROR, "UID FETCH (FLAGS)", line);

    /* keep what the server still has in the window, and the highest UID */
    for (i = 0; i < st->npairs; i++)
    {
        snprintf(key, sizeof(key), "imap:%lu:%lu", (unsigned long)st->uidvalidity, (unsigned long)st->pairs[i].uid);
        mark(st->rec, key);
    }
    mark(st->rec, maxkey);
    if (FAILED(hr = sweep(st->rec, "imap:"))) return hr;
    if (!local) return S_OK;

    if (!(plus = mc_malloc((st->npairs + 1) * sizeof(*plus))) || !(minus = mc_malloc((st->npairs + 1) * sizeof(*minus))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    for (i = 0; i < st->npairs; i++)
    {
        BOOL r, l, s = st->pairs[i].seen;
        const char *mid;
        snprintf(key, sizeof(key), "imap:%lu:%lu", (unsigned long)st->uidvalidity, (unsigned long)st->pairs[i].uid);
        if (td_uidrec_get(st->rec, key, &r, &mid) != S_OK) continue;
        if (local->get_read(local->ctx, mid, &l) != S_OK) continue;     /* not in the store */
        if (s != r)
        {
            /* changed on the server (another client) */
            if (l != s && FAILED(local->set_read(local->ctx, mid, s))) continue;
            if (FAILED(hr = td_uidrec_set(st->rec, key, s, mid))) goto done;
        }
        else if (l != r)
        {
            /* changed in MAPI */
            if (l) plus[np++] = st->pairs[i].uid;
            else minus[nm++] = st->pairs[i].uid;
        }
    }
    if (np && FAILED(hr = imap_store(st, plus, np, TRUE))) goto done;
    if (nm && FAILED(hr = imap_store(st, minus, nm, FALSE))) goto done;
    MC_TRACE("net", "read state: %lu window from %lu, %lu set, %lu cleared on the server",
             (unsigned long)st->npairs, (unsigned long)low, (unsigned long)np, (unsigned long)nm);
    hr = S_OK;

done:
    mc_free(plus);
    mc_free(minus);
    return hr;
}

/* CAPABILITY, STARTTLS, LOGIN, SELECT INBOX: a session ready for commands on INBOX. */
static HRESULT imap_open(imap_state *st)
{
    client *k = st->k;
    char *line, *qu = NULL, *qp = NULL, *login = NULL;
    size_t len;
    HRESULT hr;

    if (FAILED(hr = td_net_read_line(k->c, &line, &len))) return lost(k, hr, "greeting");
    if (strncmp(line, "* OK", 4) && strncmp(line, "* PREAUTH", 9)) return refused(k, MAPI_E_NETWORK_ERROR, "the session", line);
    imap_caps(st, line);
    if ((hr = imap_cmd(st, "CAPABILITY", "CAPABILITY", &line)) != S_OK)
        return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "CAPABILITY", line);
    if (k->srv->security == TD_SEC_STARTTLS)
    {
        if (!st->cap_starttls)
        {
            *k->why = td_wsprintf(L"IMAP %hs:%u does not offer STARTTLS, which the profile requires", k->srv->host, k->srv->port);
            return MAPI_E_NO_ACCESS;
        }
        if ((hr = imap_cmd(st, "STARTTLS", "STARTTLS", &line)) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_NO_ACCESS, "STARTTLS", line);
        if (FAILED(hr = td_server_start_tls(k->cfg, k->srv, k->c, k->why))) return hr;
        st->cap_idle = FALSE;
        if ((hr = imap_cmd(st, "CAPABILITY", "CAPABILITY", &line)) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "CAPABILITY", line);
    }
    if (k->srv->user)
    {
        if (!td_server_may_send_password(k->cfg, k->srv, k->c, k->why)) return MAPI_E_NO_ACCESS;
        if (!(qu = imap_quote(k->srv->user)) || !(qp = imap_quote(k->srv->password ? k->srv->password : ""))
            || !(login = td_asprintf("LOGIN %s %s", qu, qp)))
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else hr = imap_cmd(st, "LOGIN", login, &line);
        if (qp) { SecureZeroMemory(qp, strlen(qp)); mc_free(qp); }
        if (login) { SecureZeroMemory(login, strlen(login)); mc_free(login); }
        mc_free(qu);
        if (hr != S_OK) return FAILED(hr) ? hr : refused(k, MAPI_E_LOGON_FAILED, "the user name or password", line);
        /* servers may list more capabilities after login (IDLE among them) */
        if ((hr = imap_cmd(st, "CAPABILITY", "CAPABILITY", &line)) != S_OK)
            return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "CAPABILITY", line);
    }
    if ((hr = imap_cmd(st, "SELECT", "SELECT INBOX", &line)) != S_OK)
        return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "SELECT INBOX", line);
    return S_OK;
}

static HRESULT imap_fetch(client *k, td_uidrec *rec, td_inbound_sink sink, void *ctx, const td_inbound_local *local,
                          ULONG max, ULONG *fetched)
{
    imap_state st;
    char *line, cmd[128];
    HRESULT hr;

    memset(&st, 0, sizeof(st));
    st.k = k;
    st.rec = rec;
    st.sink = sink;
    st.ctx = ctx;
    st.max = max;
    st.fetched = fetched;
    if (FAILED(hr = imap_open(&st))) return hr;
    st.last = td_uidrec_imap_max(rec, st.uidvalidity);
    st.sink_hr = S_OK;
    /* BODY.PEEK: fetching does not set \Seen; "n:*" also returns the last message when none is
     * newer, which imap_fetch_line skips (uid <= last) */
    snprintf(cmd, sizeof(cmd), "UID FETCH %lu:* (UID FLAGS BODY.PEEK[])", (unsigned long)st.last + 1);
    if ((hr = imap_cmd(&st, "UID FETCH", cmd, &line)) != S_OK)
        return FAILED(hr) ? hr : refused(k, MAPI_E_NETWORK_ERROR, "UID FETCH", line);
    if (FAILED(st.sink_hr)) return st.sink_hr;
    hr = imap_sync(&st, local);
    mc_free(st.pairs);
    if (FAILED(hr)) return hr;
    imap_cmd(&st, "LOGOUT", "LOGOUT", &line);
    return S_OK;
}

HRESULT td_inbound_fetch(const td_netcfg *cfg, td_uidrec *rec, td_inbound_sink sink, void *ctx,
                         const td_inbound_local *local, ULONG max, ULONG *fetched, WCHAR **why)
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
                                        : imap_fetch(&k, rec, sink, ctx, local, max, fetched);
    td_net_close(k.c);
    return hr;
}

/* ---- IMAP IDLE ---------------------------------------------------------------------------- */

struct td_idle
{
    LONG ref;               /* the owner's and the thread's */
    td_netcfg cfg;          /* a copy: the inbound server only */
    td_idle_client cb;
    HANDLE stop;            /* manual-reset: the owner wants the thread to end */
    HANDLE thread;
    LONG stopped;           /* no callback once set */
    LONG state;             /* td_inbound_idle_state */
};

static void idle_release(td_idle *i)
{
    if (InterlockedDecrement(&i->ref)) return;
    td_netcfg_clear(&i->cfg);
    CloseHandle(i->stop);
    mc_free(i);
}

static BOOL idle_stopping(td_idle *i, DWORD wait_ms)
{
    return i->stopped || WaitForSingleObject(i->stop, wait_ms) == WAIT_OBJECT_0;
}

static void idle_notify(td_idle *i)
{
    if (!i->stopped) i->cb.on_new(i->cb.ctx);
}

/* One connection: open, IDLE, wait in 250 ms slices for EXISTS or the stop request, renew.
 * S_FALSE when the server has no IDLE; S_OK when stopped; an error when the connection went. */
static HRESULT idle_session(td_idle *i)
{
    client k;
    imap_state st;
    WCHAR *why = NULL;
    char *line;
    size_t len;
    HRESULT hr;
    BOOL first = TRUE;

    memset(&k, 0, sizeof(k));
    memset(&st, 0, sizeof(st));
    k.cfg = &i->cfg;
    k.srv = &i->cfg.in;
    k.why = &why;
    k.proto = "IMAP";
    st.k = &k;
    if (FAILED(hr = td_server_connect(&i->cfg, &i->cfg.in, &k.c, &why))) goto done;
    if (FAILED(hr = imap_open(&st))) goto done;
    if (!st.cap_idle) { hr = S_FALSE; goto done; }
    while (!idle_stopping(i, 0))
    {
        char tag[16];
        size_t tl = snprintf(tag, sizeof(tag), "t%lu", (unsigned long)++k.tag);
        ULONGLONG renew_at;

        if (FAILED(hr = td_net_printf(k.c, "%s IDLE\r\n", tag))) goto done;
        for (;;)
        {
            if (FAILED(hr = td_net_read_line(k.c, &line, &len))) goto done;
            if (line[0] == '+') break;
            if (!strncmp(line, tag, tl)) { hr = S_FALSE; goto done; }     /* IDLE refused */
            if (line[0] == '*' && FAILED(hr = imap_untagged(&st, line, len))) goto done;
        }
        InterlockedExchange(&i->state, 1);
        /* mail that came before IDLE began is announced once per connection */
        if (first) idle_notify(i);
        first = FALSE;
        renew_at = GetTickCount64() + TD_INBOUND_IDLE_RENEW_S * 1000ull;
        while (!idle_stopping(i, 0) && GetTickCount64() < renew_at)
        {
            if (!td_net_wait_readable(k.c, 250)) continue;
            if (FAILED(hr = td_net_read_line(k.c, &line, &len))) goto done;
            if (!strncmp(line, "* BYE", 5)) { hr = MAPI_E_NETWORK_ERROR; goto done; }
            st.exists = FALSE;
            if (line[0] == '*' && FAILED(hr = imap_untagged(&st, line, len))) goto done;
            if (st.exists) idle_notify(i);
        }
        InterlockedExchange(&i->state, 0);
        if (idle_stopping(i, 0)) break;
        /* renew: DONE ends the IDLE command */
        if (FAILED(hr = td_net_printf(k.c, "DONE\r\n"))) goto done;
        do
            if (FAILED(hr = td_net_read_line(k.c, &line, &len))) goto done;
        while (strncmp(line, tag, tl));
    }
    hr = S_OK;

done:
    InterlockedExchange(&i->state, 0);
    if (FAILED(hr)) MC_TRACE("net", "IDLE session ended: %#lx %ls", (unsigned long)hr, why ? why : L"");
    mc_free(why);
    mc_free(st.pairs);
    td_net_close(k.c);
    return hr;
}

static DWORD WINAPI idle_thread(void *arg)
{
    td_idle *i = arg;
    HMODULE self = NULL;

    /* the reference taken by td_inbound_idle_start keeps this code loaded until the very end */
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                       (LPCWSTR)idle_thread, &self);
    while (!idle_stopping(i, 0))
    {
        HRESULT hr = idle_session(i);
        if (hr == S_FALSE)
        {
            MC_TRACE("net", "the server does not offer IDLE: polling only");
            InterlockedExchange(&i->state, -1);
            break;
        }
        if (idle_stopping(i, TD_INBOUND_IDLE_RETRY_S * 1000)) break;
    }
    if (i->cb.release) i->cb.release(i->cb.ctx);
    idle_release(i);
    if (self) FreeLibraryAndExitThread(self, 0);
    return 0;
}

HRESULT td_inbound_idle_start(const td_netcfg *cfg, const td_idle_client *cb, td_idle **out)
{
    td_idle *i;
    HMODULE self;

    *out = NULL;
    if (cfg->in_protocol != TD_IN_IMAP || !cfg->in.host || !cb || !cb->on_new) return MAPI_E_INVALID_PARAMETER;
    if (!(i = mc_calloc(1, sizeof(*i)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    i->ref = 2;
    i->cb = *cb;
    i->cfg.in_protocol = cfg->in_protocol;
    i->cfg.in.port = cfg->in.port;
    i->cfg.in.security = cfg->in.security;
    i->cfg.allow_plain = cfg->allow_plain;
    memcpy(i->cfg.thumb, cfg->thumb, sizeof(cfg->thumb));
    i->cfg.thumb_len = cfg->thumb_len;
    i->cfg.timeout_ms = cfg->timeout_ms;
    if (!(i->stop = CreateEventW(NULL, TRUE, FALSE, NULL)) || !(i->cfg.in.host = mc_strdup(cfg->in.host))
        || (cfg->in.user && !(i->cfg.in.user = mc_strdup(cfg->in.user)))
        || (cfg->in.password && !(i->cfg.in.password = mc_strdup(cfg->in.password))))
        goto fail;
    /* a module reference for the thread, dropped by FreeLibraryAndExitThread */
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)idle_thread, &self)) goto fail;
    if (!(i->thread = CreateThread(NULL, 0, idle_thread, i, 0, NULL)))
    {
        FreeLibrary(self);
        goto fail;
    }
    *out = i;
    return S_OK;

fail:
    if (i->stop) CloseHandle(i->stop);
    td_netcfg_clear(&i->cfg);
    mc_free(i);
    return MAPI_E_NOT_ENOUGH_MEMORY;
}

int td_inbound_idle_state(const td_idle *i)
{
    return i ? (int)i->state : -1;
}

void td_inbound_idle_stop(td_idle *i, DWORD wait_ms)
{
    if (!i) return;
    InterlockedExchange(&i->stopped, 1);
    SetEvent(i->stop);
    if (WaitForSingleObject(i->thread, wait_ms) != WAIT_OBJECT_0)
        MC_TRACE("net", "IDLE thread still in a network step; it ends on its own");
    CloseHandle(i->thread);
    idle_release(i);
}
