/*
 * write.c - the message model to RFC 5322 / MIME (issue 5, point 1).
 *
 * The MIME tree is derived from the model, never stored in it:
 *
 *   multipart/mixed                 only when there are attachments outside "related"
 *     multipart/alternative         only when there are both bodies
 *       text/plain
 *       multipart/related           only when inline parts with a Content-ID go with the HTML
 *         text/html
 *         image/png (Content-ID)...
 *     application/pdf...            attachments; message/rfc822 for embedded messages
 *
 * Attachments keep their order within each of the two groups; the related group comes first
 * when the message is read back.
 *
 * Safety (point 5): every model string passes sanitize_field() (CR, LF, NUL cannot start a
 * line) and then an encoding that cannot end its field: encoded words or quoted strings for
 * text, RFC 2231 for parameters, safe_addr() for addresses, a character filter for ids and
 * types. Bodies are 7bit only when no line could be mistaken for a boundary; our boundaries
 * contain "=_", which quoted-printable and base64 never produce, so no content can close a part.
 * Line lengths: headers through fold.c, bodies by the encoders (MIME_LINE_SOFT).
 * Deterministic: boundaries and a created Message-ID derive from the options' `unique` and the
 * message, so equal input gives equal output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

typedef struct writer {
    mbuf *out;
    const mime_write_options *opt;
    uint64_t salt;
    unsigned counter;       /* boundaries of the whole write, nested messages included */
    size_t parts;
    mbuf tmp;               /* scratch for one field */
    int status;
} writer;

/* ---- fields ------------------------------------------------------------------------------ */

static void fail(writer *w, int status)
{
    if (!w->status)
        w->status = status;
}

/* A sanitized copy of s in w->tmp (NUL-terminated). */
static const char *clean(writer *w, const char *s)
{
    mbuf_reset(&w->tmp);
    mbuf_puts(&w->tmp, s);
    if (w->tmp.status) {
        fail(w, w->tmp.status);
        return "";
    }
    w->tmp.len = sanitize_field(w->tmp.data, w->tmp.len);
    return w->tmp.data ? w->tmp.data : "";
}

static void write_text_field(writer *w, const char *name, const char *text)
{
    hdr_writer h;
    const char *s = clean(w, text);

    hw_start(&h, w->out, name);
    hw_unstructured(&h, s, strlen(s));
    hw_end(&h);
}

static void write_addresses(writer *w, const char *name, const mime_address *items, size_t n)
{
    hdr_writer h;
    size_t i;
    int rc;

    for (i = 0; i < n && !(items[i].address && *items[i].address); i++)
        ;
    if (i == n)
        return;     /* nothing writable: no empty field */
    hw_start(&h, w->out, name);
    if ((rc = address_write_list(&h, items, n)))
        fail(w, rc);
    hw_end(&h);
}

static int same_address(const mime_address *a, const mime_address *b)
{
    return a->address && b->address && !ascii_casecmp(a->address, b->address);
}

/* Ids: "<...>" kept, anything that is not visible ASCII removed; MIME_E_INVALID_ARG past the
 * unbreakable-token bound. */
static void write_ids(writer *w, const char *name, const char *ids)
{
    hdr_writer h;
    size_t i = 0, n = strlen(ids);
    mbuf tok;
    int any = 0;

    mbuf_init(&tok, MIME_LINE_HARD);
    while (i < n && !w->status) {
        size_t start, k;
        mbuf_reset(&tok);
        while (i < n && (ids[i] == ' ' || ids[i] == '\t'))
            i++;
        start = i;
        while (i < n && ids[i] != ' ' && ids[i] != '\t')
            i++;
        if (i == start)
            break;
        mbuf_putc(&tok, '<');
        for (k = start; k < i; k++)
            if ((unsigned char)ids[k] > 32 && (unsigned char)ids[k] < 127 && ids[k] != '<' && ids[k] != '>')
                mbuf_putc(&tok, ids[k]);
        mbuf_putc(&tok, '>');
        if (tok.status || tok.len == 2)
            continue;
        if (tok.len > MIME_MAX_TOKEN) {
            fail(w, MIME_E_INVALID_ARG);
            break;
        }
        if (!any)
            hw_start(&h, w->out, name);
        hw_token(&h, tok.data, tok.len, 1);
        any = 1;
    }
    if (any)
        hw_end(&h);
    mbuf_free(&tok);
}

/* Content-ID: one id; the characters the parser drops (blanks, controls, brackets) never
 * go out, so what is read back is what was written. */
static void write_content_id(writer *w, const char *cid)
{
    mbuf tok;
    size_t i;

    mbuf_init(&tok, MIME_LINE_HARD);
    mbuf_puts(&tok, "Content-ID: <");
    for (i = 0; cid[i]; i++)
        if ((unsigned char)cid[i] > 32 && (unsigned char)cid[i] < 127 && cid[i] != '<' && cid[i] != '>')
            mbuf_putc(&tok, cid[i]);
    mbuf_puts(&tok, ">\r\n");
    if (tok.status || tok.len - 16 > MIME_MAX_TOKEN)
        fail(w, MIME_E_INVALID_ARG);
    else if (tok.len > 16)   /* not an empty "<>" */
        mbuf_put(w->out, tok.data, tok.len);
    mbuf_free(&tok);
}

static void write_raw_field(writer *w, const char *name, const char *value)
{
    mbuf_puts(w->out, name);
    mbuf_puts(w->out, ": ");
    mbuf_puts(w->out, value);
    mbuf_puts(w->out, "\r\n");
}

/* ---- parameters (RFC 2045 5.1, RFC 2231) ---------------------------------------------------- */

static int attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$&+-.^_`|~", c));
}

/* "; name=value" folded: a quoted string when the value is short printable ASCII, else RFC 2231
 * sections ("name*0*=utf-8''%E2%82%AC..."), each short enough for its own line. */
static void write_param(writer *w, hdr_writer *h, const char *name, const char *value)
{
    const char *v = clean(w, value);
    size_t n = strlen(v), i, nl = strlen(name);
    int plain = n <= 60;
    mbuf tok;

    /* Not plain either: anything a reader would decode as an encoded word ("=?"), since
     * readers decode those in quoted values. */
    for (i = 0; i < n && plain; i++)
        if ((unsigned char)v[i] < 32 || (unsigned char)v[i] > 126 ||
            (v[i] == '=' && v[i + 1] == '?'))
            plain = 0;
    hw_token(h, ";", 1, 0);
    mbuf_init(&tok, MIME_LINE_HARD);
    if (plain) {
        mbuf_printf(&tok, "%s=\"", name);
        for (i = 0; i < n; i++) {
            if (v[i] == '"' || v[i] == '\\')
                mbuf_putc(&tok, '\\');
            mbuf_putc(&tok, v[i]);
        }
        mbuf_putc(&tok, '"');
        if (!tok.status)
            hw_token(h, tok.data, tok.len, 1);
    } else {
        /* Sections of at most ~60 encoded characters, never splitting a %XX. */
        static const char hex[] = "0123456789ABCDEF";
        unsigned section = 0;
        size_t pos = 0, total = 0;

        for (i = 0; i < n; i++)
            total += attr_char((unsigned char)v[i]) ? 1 : 3;
        do {
            size_t used = 0;
            mbuf_reset(&tok);
            if (total <= 60 - nl)
                mbuf_printf(&tok, "%s*=utf-8''", name);
            else if (section == 0)
                mbuf_printf(&tok, "%s*0*=utf-8''", name);
            else
                mbuf_printf(&tok, "%s*%u*=", name, section);
            while (pos < n && used < 54) {
                unsigned char c = (unsigned char)v[pos++];
                if (attr_char(c)) {
                    mbuf_putc(&tok, c);
                    used++;
                } else {
                    char e[3] = { '%', hex[c >> 4], hex[c & 15] };
                    mbuf_put(&tok, e, 3);
                    used += 3;
                }
            }
            if (tok.status)
                break;
            if (section > 0)
                hw_token(h, ";", 1, 0);
            hw_token(h, tok.data, tok.len, 1);
            section++;
        } while (pos < n && section < MIME_MAX_CONTINUATIONS);
        if (pos < n)
            fail(w, MIME_E_INVALID_ARG);   /* a name past 64 sections: nobody would read it */
    }
    if (tok.status)
        fail(w, tok.status);
    mbuf_free(&tok);
}

/* The model's type lower-cased when it is a valid MIME type (mime_type_valid), else the
 * fallback. */
static const char *safe_type(writer *w, const char *type, const char *fallback)
{
    size_t i;

    if (!type || !mime_type_valid(type))
        return fallback;
    mbuf_reset(&w->tmp);
    for (i = 0; type[i]; i++)
        mbuf_putc(&w->tmp, ascii_lower(type[i]));
    return w->tmp.status ? fallback : w->tmp.data;
}

/* ---- bodies ------------------------------------------------------------------------------------- */

enum cte { CTE_7BIT, CTE_QP, CTE_BASE64 };

/* The encoding content needs: 7bit for short printable lines joined by CRLF, none of them
 * beginning with "--" (could read as a delimiter) or "." or "From " (transport rewrites those);
 * otherwise quoted-printable when few bytes need escaping, else base64. `text` content may
 * lean further towards quoted-printable, it stays readable. */
static enum cte choose_cte(const unsigned char *p, size_t n, int text)
{
    size_t i, col = 0, escaped = 0, limit = n / (text ? 3 : 8);
    int seven = 1;

    for (i = 0; i < n; i++) {
        unsigned char c = p[i];

        if (col && c >= 32 && c < 127 && c != '=') {   /* the common case, mid-line */
            col++;
            continue;
        }
        if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
            if (col > MIME_LINE_SOFT || (col && (p[i - 1] == ' ' || p[i - 1] == '\t')))
                seven = 0;   /* too long, or trailing blanks that transport may strip */
            col = 0;
            i++;
            continue;
        }
        if (col == 0 && ((c == '-' && i + 1 < n && p[i + 1] == '-') || c == '.' ||
                         (c == 'F' && n - i >= 5 && !memcmp(p + i, "From ", 5))))
            seven = 0;
        if ((c < 32 && c != '\t') || c > 126) {
            seven = 0;
            escaped++;
        } else if (c == '=') {
            escaped++;
        }
        col++;
        if (!seven && escaped > limit)
            return CTE_BASE64;   /* decided: no need to read the rest */
    }
    if (col > MIME_LINE_SOFT || (n && (p[n - 1] == ' ' || p[n - 1] == '\t')))
        seven = 0;
    if (seven)
        return CTE_7BIT;
    return escaped <= limit ? CTE_QP : CTE_BASE64;
}

static void write_encoded(writer *w, enum cte cte, const void *p, size_t n, int top)
{
    size_t before = w->out->len;

    mbuf_puts(w->out, "\r\n");   /* the empty line after the part's header */
    before = w->out->len;
    if (cte == CTE_BASE64)
        b64_encode_lines(p, n, w->out);
    else if (cte == CTE_QP)
        qp_encode(p, n, w->out);
    else
        mbuf_put(w->out, p, n);
    /* A message ends with a line break; for quoted-printable a soft one keeps the content
     * exact. Inside a multipart the delimiter brings its own line break. */
    if (top && w->out->len > before &&
        !(w->out->len >= 2 && !memcmp(w->out->data + w->out->len - 2, "\r\n", 2))) {
        if (cte == CTE_QP)
            mbuf_puts(w->out, "=");
        mbuf_puts(w->out, "\r\n");
    }
}

static const char *cte_name(enum cte cte)
{
    return cte == CTE_BASE64 ? "base64" : cte == CTE_QP ? "quoted-printable" : "7bit";
}

static int count_part(writer *w)
{
    if (++w->parts > MIME_MAX_PARTS) {
        fail(w, MIME_E_TOO_MANY_PARTS);
        return 0;
    }
    return 1;
}

static void write_text_part(writer *w, const char *type, const char *text, size_t n, int top)
{
    /* A body that does not end with a line break cannot stay 7bit at the top level: the message
     * must end with one, which would become part of the text. */
    enum cte cte = choose_cte((const unsigned char *)text, n, 1);

    if (!count_part(w))
        return;
    if (top && cte == CTE_7BIT && n && (n < 2 || memcmp(text + n - 2, "\r\n", 2)))
        cte = CTE_QP;
    mbuf_printf(w->out, "Content-Type: %s; charset=utf-8\r\n", type);
    write_raw_field(w, "Content-Transfer-Encoding", cte_name(cte));
    write_encoded(w, cte, text, n, top);
}

/* Model text as it goes out: CRLF line ends, valid UTF-8, no NUL. */
static char *normalize_text(writer *w, const char *s, size_t n, size_t *out_len)
{
    mbuf u, r;
    size_t i;
    char *res;

    mbuf_init(&u, MIME_MAX_MODEL_BYTES);
    mbuf_init(&r, MIME_MAX_MODEL_BYTES);
    utf8_sanitize(s, n, &u);
    for (i = 0; i < u.len; i++) {
        size_t run = i;
        while (i < u.len && u.data[i] != '\r' && u.data[i] != '\n' && u.data[i])
            i++;
        mbuf_put(&r, u.data + run, i - run);   /* a run of plain characters at once */
        if (i == u.len)
            break;
        if (u.data[i]) {
            mbuf_put(&r, "\r\n", 2);
            if (u.data[i] == '\r' && i + 1 < u.len && u.data[i + 1] == '\n')
                i++;
        }
    }
    mbuf_put(&r, "", 0);
    mbuf_free(&u);
    if (u.status || r.status) {
        fail(w, u.status ? u.status : r.status);
        mbuf_free(&r);
        return NULL;
    }
    *out_len = r.len;
    res = r.data;   /* ownership to the caller */
    return res;
}

static void write_body_text(writer *w, const char *type, const char *s, size_t n, int top)
{
    size_t len;
    char *t = normalize_text(w, s ? s : "", n, &len);

    if (t)
        write_text_part(w, type, t, len, top);
    free(t);
}

/* ---- the tree ------------------------------------------------------------------------------------ */

static int write_message(writer *w, mime_message *msg, int depth, int root);

static void put_hex64(mbuf *b, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char s[16];
    int i;

    for (i = 15; i >= 0; i--, v >>= 4)
        s[i] = hex[v & 15];
    mbuf_put(b, s, 16);
}

/* Opens a multipart: its Content-Type (with `extra` parameters) and the empty line. The
 * boundary is in b; "=_" in it is what quoted-printable and base64 never produce. */
static void open_multipart(writer *w, const char *subtype, const char *extra, mbuf *b)
{
    mbuf_puts(b, "=_tandem_");
    put_hex64(b, w->salt);
    mbuf_printf(b, "_%u", ++w->counter);
    mbuf_printf(w->out, "Content-Type: multipart/%s;%s\r\n boundary=\"", subtype, extra);
    mbuf_put(w->out, b->data, b->len);
    mbuf_puts(w->out, "\"\r\n\r\n");
    if (b->status)
        fail(w, b->status);
}

static void delimiter(writer *w, const mbuf *b, int first)
{
    mbuf_puts(w->out, first ? "--" : "\r\n--");
    mbuf_put(w->out, b->data, b->len);
    mbuf_puts(w->out, "\r\n");
}

static void close_multipart(writer *w, mbuf *b, int top)
{
    mbuf_puts(w->out, "\r\n--");
    mbuf_put(w->out, b->data, b->len);
    mbuf_puts(w->out, top ? "--\r\n" : "--");
    mbuf_free(b);
}

static void write_disposition(writer *w, const mime_attachment *a)
{
    char fit[MIME_MAX_FILENAME + 1];
    hdr_writer h;

    hw_start(&h, w->out, "Content-Disposition");
    hw_token(&h, a->disposition == MIME_DISPOSITION_INLINE ? "inline" : "attachment",
             a->disposition == MIME_DISPOSITION_INLINE ? 6 : 10, 1);
    if (a->filename)
        write_param(w, &h, "filename", mime_filename_fit(a->filename, fit));
    hw_end(&h);
}

static void write_content_type(writer *w, const char *type, const char *filename)
{
    char fit[MIME_MAX_FILENAME + 1];
    hdr_writer h;

    hw_start(&h, w->out, "Content-Type");
    hw_token(&h, type, strlen(type), 1);
    if (filename)
        write_param(w, &h, "name", mime_filename_fit(filename, fit));
    hw_end(&h);
}

static void write_attachment(writer *w, mime_attachment *a, int depth)
{
    char type[128];

    if (!count_part(w))
        return;
    if (a->content_id)
        write_content_id(w, a->content_id);
    if (a->message) {
        mbuf inner;
        writer sub = *w;
        size_t i;
        int eight = 0;

        mbuf_init(&inner, MIME_MAX_MESSAGE);
        sub.out = &inner;
        mbuf_init(&sub.tmp, MIME_MAX_HEADER_BLOCK * 4);
        sub.status = MIME_OK;
        write_message(&sub, a->message, depth + 1, 0);
        w->counter = sub.counter;
        w->parts = sub.parts;
        mbuf_free(&sub.tmp);
        fail(w, sub.status ? sub.status : inner.status);
        for (i = 0; i < inner.len && !eight; i++)
            eight = (unsigned char)inner.data[i] >= 0x80;
        write_content_type(w, "message/rfc822", a->filename);
        write_raw_field(w, "Content-Transfer-Encoding", eight ? "8bit" : "7bit");
        write_disposition(w, a);
        mbuf_puts(w->out, "\r\n");
        mbuf_put(w->out, inner.data, inner.len);
        mbuf_free(&inner);
        return;
    }
    {
        const char *t = safe_type(w, a->mime_type, "application/octet-stream");
        enum cte cte;
        snprintf(type, sizeof(type), "%s", strncmp(t, "multipart/", 10) ? t
                                                                        : "application/octet-stream");
        cte = choose_cte(a->data, a->size, !strncmp(type, "text/", 5));
        write_content_type(w, type, a->filename);
        write_raw_field(w, "Content-Transfer-Encoding", cte_name(cte));
        write_disposition(w, a);
        write_encoded(w, cte, a->data ? (const void *)a->data : "", a->size, 0);
    }
}

static int goes_related(const mime_message *msg, const mime_attachment *a)
{
    return msg->body_html && a->content_id && *a->content_id && !a->message &&
           a->disposition == MIME_DISPOSITION_INLINE;
}

static void write_html(writer *w, mime_message *msg, int depth, int top)
{
    size_t i, n = 0;
    mbuf b;

    for (i = 0; i < msg->attachment_count; i++)
        n += goes_related(msg, &msg->attachments[i]);
    if (!n) {
        write_body_text(w, "text/html", msg->body_html, msg->body_html_len, top);
        return;
    }
    if (!count_part(w))
        return;
    mbuf_init(&b, 256);
    open_multipart(w, "related", " type=\"text/html\";", &b);
    delimiter(w, &b, 1);
    write_body_text(w, "text/html", msg->body_html, msg->body_html_len, 0);
    for (i = 0; i < msg->attachment_count; i++) {
        if (!goes_related(msg, &msg->attachments[i]))
            continue;
        delimiter(w, &b, 0);
        write_attachment(w, &msg->attachments[i], depth);
    }
    close_multipart(w, &b, top);
}

/* The body: text, HTML (with its related parts) or both as alternatives; an empty text part
 * when there is none, so that a first attachment is never taken for the body. */
static void write_main(writer *w, mime_message *msg, int depth, int top)
{
    mbuf b;

    if (msg->body_text && msg->body_html) {
        if (!count_part(w))
            return;
        mbuf_init(&b, 256);
        open_multipart(w, "alternative", "", &b);
        delimiter(w, &b, 1);
        write_body_text(w, "text/plain", msg->body_text, msg->body_text_len, 0);
        delimiter(w, &b, 0);
        write_html(w, msg, depth, 0);
        close_multipart(w, &b, top);
    } else if (msg->body_html) {
        write_html(w, msg, depth, top);
    } else {
        write_body_text(w, "text/plain", msg->body_text, msg->body_text_len, top);
    }
}

static void write_body(writer *w, mime_message *msg, int depth, int top)
{
    size_t i, mixed = 0;
    mbuf b;

    for (i = 0; i < msg->attachment_count; i++)
        mixed += !goes_related(msg, &msg->attachments[i]);
    if (!mixed) {
        write_main(w, msg, depth, top);
        return;
    }
    if (!count_part(w))
        return;
    mbuf_init(&b, 256);
    open_multipart(w, "mixed", "", &b);
    delimiter(w, &b, 1);
    write_main(w, msg, depth, 0);
    for (i = 0; i < msg->attachment_count && !w->status; i++) {
        if (goes_related(msg, &msg->attachments[i]))
            continue;
        delimiter(w, &b, 0);
        write_attachment(w, &msg->attachments[i], depth);
    }
    close_multipart(w, &b, top);
}

/* ---- the header ------------------------------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t message_salt(const mime_write_options *opt, const mime_message *msg)
{
    uint64_t h = 0xcbf29ce484222325ULL, u = opt ? opt->unique : 0;

    h = fnv(h, &u, sizeof(u));
    h = fnv(h, &msg->date, sizeof(msg->date));
    if (msg->subject)
        h = fnv(h, msg->subject, strlen(msg->subject));
    if (msg->from.address)
        h = fnv(h, msg->from.address, strlen(msg->from.address));
    h = fnv(h, &msg->body_text_len, sizeof(msg->body_text_len));
    h = fnv(h, &msg->body_html_len, sizeof(msg->body_html_len));
    h = fnv(h, &msg->attachment_count, sizeof(msg->attachment_count));
    return h;
}

/* "<hash.unique@domain>", the domain from the options or the From address. */
static int create_message_id(writer *w, mime_message *msg)
{
    const char *domain = w->opt && w->opt->id_domain ? w->opt->id_domain : NULL;
    mbuf id;
    size_t start;
    int rc;

    if (!domain && msg->from.address && strrchr(msg->from.address, '@'))
        domain = strrchr(msg->from.address, '@') + 1;
    mbuf_init(&id, MIME_MAX_TOKEN);
    mbuf_putc(&id, '<');
    put_hex64(&id, w->salt);
    mbuf_putc(&id, '.');
    put_hex64(&id, w->opt ? w->opt->unique : 0);
    mbuf_putc(&id, '@');
    start = id.len;
    for (; domain && *domain && id.len < 200; domain++) {
        char c = *domain;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.')
            mbuf_putc(&id, c);
    }
    if (id.len == start)
        mbuf_puts(&id, "tandem.invalid");
    mbuf_putc(&id, '>');
    rc = id.status ? id.status : mime_set_string(msg, &msg->message_id, id.data);
    mbuf_free(&id);
    return rc;
}

static void write_flags(writer *w, const mime_message *msg)
{
    static const char *const importance[] = { "Low", "Normal", "High" };
    static const char *const x_priority[] = { "5 (Lowest)", "3 (Normal)", "1 (Highest)" };
    static const char *const priority[] = { "non-urgent", "normal", "urgent" };
    static const char *const sensitivity[] = { NULL, "Personal", "Private", "Company-Confidential" };

    if (msg->importance >= MIME_IMPORTANCE_LOW && msg->importance <= MIME_IMPORTANCE_HIGH) {
        write_raw_field(w, "Importance", importance[msg->importance]);
        write_raw_field(w, "X-Priority", x_priority[msg->importance]);
    }
    if (msg->priority >= MIME_PRIORITY_NONURGENT && msg->priority <= MIME_PRIORITY_URGENT)
        write_raw_field(w, "Priority", priority[msg->priority + 1]);
    if (msg->sensitivity > MIME_SENSITIVITY_NONE && msg->sensitivity <= MIME_SENSITIVITY_CONFIDENTIAL)
        write_raw_field(w, "Sensitivity", sensitivity[msg->sensitivity]);
}

static int write_message(writer *w, mime_message *msg, int depth, int root)
{
    hdr_writer h;
    int rc;

    if (depth > MIME_MAX_DEPTH) {
        fail(w, MIME_E_TOO_DEEP);
        return w->status;
    }
    if (root && !msg->message_id && (rc = create_message_id(w, msg)))
        fail(w, rc);
    if (msg->date) {
        hw_start(&h, w->out, "Date");
        mbuf_putc(w->out, ' ');
        date_format(msg->date, w->out);
        hw_end(&h);
    }
    write_addresses(w, "From", &msg->from, 1);
    if (msg->sender.address && !same_address(&msg->sender, &msg->from))
        write_addresses(w, "Sender", &msg->sender, 1);
    write_addresses(w, "Reply-To", msg->reply_to.items, msg->reply_to.count);
    if (msg->subject) {
        write_text_field(w, "Subject", msg->subject);
    } else if (msg->subject_prefix || msg->normalized_subject) {
        mbuf s;
        mbuf_init(&s, MIME_MAX_MODEL_BYTES);
        mbuf_puts(&s, msg->subject_prefix ? msg->subject_prefix : "");
        mbuf_puts(&s, msg->normalized_subject ? msg->normalized_subject : "");
        if (!s.status)
            write_text_field(w, "Subject", s.data);
        fail(w, s.status);
        mbuf_free(&s);
    }
    write_addresses(w, "To", msg->to.items, msg->to.count);
    write_addresses(w, "Cc", msg->cc.items, msg->cc.count);
    if (msg->message_id)
        write_ids(w, "Message-ID", msg->message_id);
    if (msg->in_reply_to)
        write_ids(w, "In-Reply-To", msg->in_reply_to);
    if (msg->references)
        write_ids(w, "References", msg->references);
    write_flags(w, msg);
    if (msg->read_receipt) {
        const mime_address *to = msg->receipt_to.address ? &msg->receipt_to : &msg->from;
        write_addresses(w, "Disposition-Notification-To", to, 1);
    }
    write_raw_field(w, "MIME-Version", "1.0");
    write_body(w, msg, depth, 1);
    if (w->out->status)
        fail(w, w->out->status);
    return w->status;
}

int mime_write(mime_message *msg, const mime_write_options *opt, char **out, size_t *out_len)
{
    writer w;
    mbuf b;

    if (!msg || !out || !out_len)
        return MIME_E_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    memset(&w, 0, sizeof(w));
    mbuf_init(&b, MIME_MAX_MESSAGE);
    mbuf_init(&w.tmp, MIME_MAX_HEADER_BLOCK * 4);
    w.out = &b;
    w.opt = opt;
    w.salt = message_salt(opt, msg);
    write_message(&w, msg, 0, 1);
    mbuf_free(&w.tmp);
    if (w.status) {
        mbuf_free(&b);
        return w.status;
    }
    mbuf_put(&b, "", 0);
    if (b.status) {
        mbuf_free(&b);
        return b.status;
    }
    *out = b.data;
    *out_len = b.len;
    return MIME_OK;
}
