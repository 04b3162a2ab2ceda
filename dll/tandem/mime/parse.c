/*
 * parse.c - RFC 5322 / MIME to the message model (issue 5, point 2).
 *
 * One recursive walk over the entity tree. Each entity is cut into header and body
 * (header_split), its Content-Type decides: a multipart is split at its boundary and walked,
 * message/rfc822 becomes an attachment with a nested model, a leaf becomes the text body, the
 * HTML body or an attachment. Which leaves are bodies follows what Outlook and Thunderbird show:
 *   - the first child of a multipart that may hold the body holds it (mixed, signed, report...);
 *     a later inline text child without a file name only when no body was found yet;
 *   - in multipart/alternative, the first text/plain and the first text/html are the bodies,
 *     other alternatives that are not text (a calendar, TNEF) are attachments;
 *   - in multipart/related, the root ("start", else the first child) may hold the body; the
 *     other parts are attachments, inline unless they say otherwise.
 * Limits (mime_limits.h): depth and part count are checked on entering an entity, header limits
 * in header_split, sizes by the arenas and buffers. Past one the whole parse fails; nothing is
 * half-returned.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

enum role {
    ROLE_BODY,      /* may hold the message body */
    ROLE_ALT,       /* a child of multipart/alternative that may hold the body */
    ROLE_LATE,      /* a later child of a body multipart: body only when none was found */
    ROLE_RELATED,   /* a non-root part of multipart/related */
    ROLE_ATTACH,    /* attachment whatever it is */
};

typedef struct parse_ctx {
    const mime_parse_options *opt;
    struct mime_arena *scratch;
    size_t parts;
} parse_ctx;

static int parse_message(parse_ctx *c, const char *data, size_t len, int depth,
                         mime_message *msg);

/* ---- small helpers ------------------------------------------------------------------------ */

static char *field_text(parse_ctx *c, const hblock *h, const char *name)
{
    const hfield *f = header_find(h, name);

    return f ? header_unfold(c->scratch, f->value, f->value_len) : NULL;
}

static int has_body(const mime_message *msg)
{
    return msg->body_text || msg->body_html;
}

/* The msg-ids ("<...>") of s, each cleaned of blanks and control characters, joined by one
 * blank; `first` keeps only the first. A value without brackets counts as one id. Ids longer
 * than MIME_MAX_TOKEN are dropped (they could never be written back). */
static char *msg_ids(parse_ctx *c, const char *s, int first)
{
    size_t n = strlen(s), i = 0, k = 0;
    char *out = arena_alloc(c->scratch, n + 3);
    int any = 0;

    if (!out)
        return NULL;
    if (!memchr(s, '<', n)) {
        /* Bare ids ("abc@host") are wrapped, the first word only. */
        size_t start = skip_cfws(s, n, 0), end = start;
        out[k++] = '<';
        for (; end < n && (unsigned char)s[end] > 32 && (unsigned char)s[end] < 127 &&
               s[end] != '('; end++)
            if (s[end] != '>')
                out[k++] = s[end];
        out[k++] = '>';
        out[k] = 0;
        return k > 2 && k <= MIME_MAX_TOKEN ? out : NULL;
    }
    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t start = k, j;

        if (!lt)
            break;
        i = (size_t)(lt - s) + 1;
        if (any)
            out[k++] = ' ';
        start = k;
        out[k++] = '<';
        for (j = i; j < n && s[j] != '>' && s[j] != '<'; j++)
            if ((unsigned char)s[j] > 32 && (unsigned char)s[j] < 127)
                out[k++] = s[j];
        out[k++] = '>';
        i = j < n && s[j] == '>' ? j + 1 : j;
        if (k - start == 2 || k - start > MIME_MAX_TOKEN) {
            k = any ? start - 1 : 0;   /* empty or too long: drop */
            continue;
        }
        any = 1;
        if (first)
            break;
    }
    out[k] = 0;
    return any ? out : NULL;
}

/* ---- the envelope --------------------------------------------------------------------------- */

static int first_address(parse_ctx *c, mime_message *msg, const hblock *h, const char *name,
                         mime_address *dst)
{
    mime_address_list tmp = { 0 };
    char *v = field_text(c, h, name);
    int rc;

    if (!v)
        return c->scratch->status;
    if ((rc = address_parse_list(msg, c->opt, v, strlen(v), &tmp)))
        return rc;
    if (tmp.count)
        *dst = tmp.items[0];
    return MIME_OK;
}

static int address_field(parse_ctx *c, mime_message *msg, const hblock *h, const char *name,
                         mime_address_list *list)
{
    size_t i;
    int rc;

    /* Every occurrence counts: some mailers split long lists over several To fields. */
    for (i = 0; i < h->count; i++) {
        char *v;
        if (!ascii_ncaseeq(h->fields[i].name, h->fields[i].name_len, name))
            continue;
        if (!(v = header_unfold(c->scratch, h->fields[i].value, h->fields[i].value_len)))
            return c->scratch->status;
        if ((rc = address_parse_list(msg, c->opt, v, strlen(v), list)))
            return rc;
    }
    return MIME_OK;
}

static int parse_subject(parse_ctx *c, mime_message *msg, const hblock *h)
{
    char *v = field_text(c, h, "subject");
    mbuf b;
    int rc;

    if (!v)
        return c->scratch->status;
    mbuf_init(&b, MIME_MAX_HEADER_BLOCK * 4);
    ew_decode(c->opt, v, strlen(v), &b);
    if (!(rc = b.status)) {
        b.len = sanitize_field(b.data, b.len);
        rc = mime_set_subject(msg, b.data ? b.data : "");
    }
    mbuf_free(&b);
    return rc;
}

/* Importance, Priority, Sensitivity: Importance first, then the X-Priority family, then
 * RFC 2156's Priority (which also sets MAPI's priority). */
static void parse_flags(parse_ctx *c, mime_message *msg, const hblock *h)
{
    char *v;

    if ((v = field_text(c, h, "importance"))) {
        if (!ascii_casecmp(v, "high")) msg->importance = MIME_IMPORTANCE_HIGH;
        else if (!ascii_casecmp(v, "low")) msg->importance = MIME_IMPORTANCE_LOW;
        else if (!ascii_casecmp(v, "normal")) msg->importance = MIME_IMPORTANCE_NORMAL;
    }
    if (msg->importance == MIME_UNSET && (v = field_text(c, h, "x-priority")) &&
        v[0] >= '1' && v[0] <= '5')
        msg->importance = v[0] < '3' ? MIME_IMPORTANCE_HIGH
                        : v[0] > '3' ? MIME_IMPORTANCE_LOW : MIME_IMPORTANCE_NORMAL;
    if (msg->importance == MIME_UNSET && (v = field_text(c, h, "x-msmail-priority"))) {
        if (!ascii_casecmp(v, "high")) msg->importance = MIME_IMPORTANCE_HIGH;
        else if (!ascii_casecmp(v, "low")) msg->importance = MIME_IMPORTANCE_LOW;
        else if (!ascii_casecmp(v, "normal")) msg->importance = MIME_IMPORTANCE_NORMAL;
    }
    if ((v = field_text(c, h, "priority"))) {
        if (!ascii_casecmp(v, "urgent")) msg->priority = MIME_PRIORITY_URGENT;
        else if (!ascii_casecmp(v, "non-urgent")) msg->priority = MIME_PRIORITY_NONURGENT;
        else if (!ascii_casecmp(v, "normal")) msg->priority = MIME_PRIORITY_NORMAL;
        if (msg->importance == MIME_UNSET && msg->priority != MIME_UNSET)
            msg->importance = msg->priority + 1;
    }
    if ((v = field_text(c, h, "sensitivity"))) {
        if (!ascii_casecmp(v, "personal")) msg->sensitivity = MIME_SENSITIVITY_PERSONAL;
        else if (!ascii_casecmp(v, "private")) msg->sensitivity = MIME_SENSITIVITY_PRIVATE;
        else if (!ascii_casecmp(v, "company-confidential"))
            msg->sensitivity = MIME_SENSITIVITY_CONFIDENTIAL;
        else if (!ascii_casecmp(v, "normal")) msg->sensitivity = MIME_SENSITIVITY_NONE;
    }
}

static int parse_envelope(parse_ctx *c, mime_message *msg, const hblock *h)
{
    static const char *const receipt_fields[] = {
        "disposition-notification-to", "return-receipt-to", "x-confirm-reading-to" };
    const hfield *f;
    char *v;
    size_t i;
    int rc;

    if ((rc = mime_set_bytes(msg, &msg->headers, &msg->headers_len, h->raw, h->raw_len)) ||
        (rc = first_address(c, msg, h, "from", &msg->from)) ||
        (rc = first_address(c, msg, h, "sender", &msg->sender)) ||
        (rc = address_field(c, msg, h, "reply-to", &msg->reply_to)) ||
        (rc = address_field(c, msg, h, "to", &msg->to)) ||
        (rc = address_field(c, msg, h, "cc", &msg->cc)) ||
        (rc = address_field(c, msg, h, "bcc", &msg->bcc)) ||
        (rc = parse_subject(c, msg, h)))
        return rc;
    if ((v = field_text(c, h, "date")))
        msg->date = mime_parse_date(v, strlen(v));
    /* The topmost Received field is the last hop: its stamp after ';' is the delivery time. */
    if ((f = header_find(h, "received"))) {
        const char *semi = NULL, *p;
        for (p = f->value; p < f->value + f->value_len; p++)
            if (*p == ';')
                semi = p;
        if (semi)
            msg->received = mime_parse_date(semi + 1, (size_t)(f->value + f->value_len - semi - 1));
    }
    if ((v = field_text(c, h, "message-id")) && (v = msg_ids(c, v, 1)))
        rc = mime_set_string(msg, &msg->message_id, v);
    if (!rc && (v = field_text(c, h, "in-reply-to")) && (v = msg_ids(c, v, 1)))
        rc = mime_set_string(msg, &msg->in_reply_to, v);
    if (!rc && (v = field_text(c, h, "references")) && (v = msg_ids(c, v, 0)))
        rc = mime_set_string(msg, &msg->references, v);
    if (rc)
        return rc;
    parse_flags(c, msg, h);
    for (i = 0; i < sizeof(receipt_fields) / sizeof(receipt_fields[0]); i++) {
        if (!header_find(h, receipt_fields[i]))
            continue;
        msg->read_receipt = 1;
        if ((rc = first_address(c, msg, h, receipt_fields[i], &msg->receipt_to)))
            return rc;
        break;
    }
    return c->scratch->status;
}

/* ---- leaves ----------------------------------------------------------------------------------- */

typedef struct entity {
    const hblock *h;
    mheader_value type;         /* "text/plain" + parameters */
    mheader_value disposition;  /* "attachment" / "inline" / NULL */
    char *encoding;             /* lower case Content-Transfer-Encoding, NULL when none */
} entity;

/* The body bytes with the transfer encoding undone, in `out`. */
static void decode_body(const entity *e, mbuf *out)
{
    const char *enc = e->encoding ? e->encoding : "";

    if (!strcmp(enc, "base64"))
        b64_decode(e->h->body, e->h->body_len, out);
    else if (!strcmp(enc, "quoted-printable"))
        qp_decode(e->h->body, e->h->body_len, out);
    else
        mbuf_put(out, e->h->body, e->h->body_len);   /* 7bit, 8bit, binary, unknown */
}

/* Text to the model's form: UTF-8, CRLF line ends, no NUL (PR_BODY_W is NUL-terminated). */
static int store_text(parse_ctx *c, mime_message *msg, const entity *e, char **field,
                      size_t *field_len)
{
    mbuf raw, utf8;
    char *dst;
    size_t i, k = 0;
    int rc;

    mbuf_init(&raw, MIME_MAX_MESSAGE);
    mbuf_init(&utf8, MIME_MAX_MODEL_BYTES);
    decode_body(e, &raw);
    charset_to_utf8(c->opt, header_param(&e->type, "charset"), raw.data ? raw.data : "",
                    raw.len, &utf8);
    mbuf_free(&raw);
    if ((rc = raw.status ? raw.status : utf8.status)) {
        mbuf_free(&utf8);
        return rc;
    }
    /* Worst case every byte is a bare LF that gains a CR. */
    if (utf8.len > (SIZE_MAX - 1) / 2 || !(dst = arena_alloc(msg->arena, utf8.len * 2 + 1))) {
        mbuf_free(&utf8);
        return msg->arena->status ? msg->arena->status : MIME_E_TOO_LARGE;
    }
    for (i = 0; i < utf8.len; i++) {
        char ch = utf8.data[i];
        if (ch == '\r' || ch == '\n') {
            dst[k++] = '\r';
            dst[k++] = '\n';
            if (ch == '\r' && i + 1 < utf8.len && utf8.data[i + 1] == '\n')
                i++;
        } else if (ch) {
            dst[k++] = ch;
        }
    }
    dst[k] = 0;
    *field = dst;
    *field_len = k;
    mbuf_free(&utf8);
    return MIME_OK;
}

static char *content_id(parse_ctx *c, const hblock *h)
{
    char *v = field_text(c, h, "content-id");
    size_t i, k = 0;

    if (!v)
        return NULL;
    for (i = 0; v[i]; i++)
        if ((unsigned char)v[i] > 32 && (unsigned char)v[i] < 127 && v[i] != '<' && v[i] != '>')
            v[k++] = v[i];
    v[k] = 0;
    return k && k <= MIME_MAX_TOKEN ? v : NULL;
}

static int add_attachment(parse_ctx *c, mime_message *msg, const entity *e, enum role role,
                          int depth)
{
    mime_attachment *att = mime_add_attachment(msg);
    const char *name = header_param(&e->disposition, "filename");
    const char *cid = content_id(c, e->h);
    char fit[MIME_MAX_FILENAME + 1];
    mbuf data;
    int rc;

    if (!att)
        return msg->arena->status;
    if (!name || !*name)
        name = header_param(&e->type, "name");
    name = mime_filename_fit(name, fit);
    if ((rc = mime_set_string(msg, &att->filename, name && *name ? name : NULL)) ||
        (rc = mime_set_string(msg, &att->mime_type, e->type.value)) ||
        (rc = mime_set_string(msg, &att->content_id, cid)))
        return rc;
    if (e->disposition.value && !strcmp(e->disposition.value, "inline"))
        att->disposition = MIME_DISPOSITION_INLINE;
    else if (e->disposition.value && !strcmp(e->disposition.value, "attachment"))
        att->disposition = MIME_DISPOSITION_ATTACHMENT;
    else
        att->disposition = role == ROLE_RELATED ? MIME_DISPOSITION_INLINE
                                                : MIME_DISPOSITION_ATTACHMENT;
    mbuf_init(&data, MIME_MAX_MESSAGE);
    decode_body(e, &data);
    if (!(rc = data.status))
        rc = mime_set_attachment_data(msg, att, data.data ? data.data : "", data.len);
    if (!rc && (!strcmp(e->type.value, "message/rfc822") ||
                !strcmp(e->type.value, "message/global"))) {
        mime_message *inner = mime_attachment_new_message(msg, att);
        rc = inner ? parse_message(c, (const char *)att->data, att->size, depth + 1, inner)
                   : msg->arena->status;
    }
    mbuf_free(&data);
    return rc;
}

/* ---- the walk ----------------------------------------------------------------------------------- */

static int walk(parse_ctx *c, mime_message *msg, const char *data, size_t len, int depth,
                enum role role, const char *default_type);
static int walk_entity(parse_ctx *c, mime_message *msg, const struct entity *e, int depth,
                       enum role role);

/* Reads the MIME fields of an entity. A Content-Type without a subtype is invalid and taken
 * as the default (RFC 2045 5.2), as is a multipart without a usable boundary. */
static int read_entity(parse_ctx *c, const hblock *h, const char *default_type, entity *e)
{
    const hfield *f;

    memset(e, 0, sizeof(*e));
    e->h = h;
    if ((f = header_find(h, "content-type")))
        header_parse_params(c->scratch, c->opt, f->value, f->value_len, &e->type);
    if (!e->type.value || !mime_type_valid(e->type.value)) {
        mheader_value keep = e->type;
        memset(&e->type, 0, sizeof(e->type));
        e->type.value = arena_strdup(c->scratch, default_type);
        if (!strcmp(default_type, "text/plain")) {
            e->type.params = keep.params;     /* a lone "charset=" still counts */
            e->type.param_count = keep.param_count;
        }
    }
    if ((f = header_find(h, "content-disposition")))
        header_parse_params(c->scratch, c->opt, f->value, f->value_len, &e->disposition);
    if ((f = header_find(h, "content-transfer-encoding"))) {
        mheader_value cte;
        header_parse_params(c->scratch, c->opt, f->value, f->value_len, &cte);
        e->encoding = cte.value;
    }
    return c->scratch->status;
}

static int is_multipart_type(const char *type)
{
    return !strncmp(type, "multipart/", 10);
}

typedef struct slice {
    const char *data;
    size_t len;
} slice;

/* Cuts a multipart body at its "--boundary" lines (RFC 2046 5.1.1): the line break before a
 * delimiter belongs to it, the preamble and epilogue are dropped, and a missing close
 * delimiter ends the last part at the end of the data. *count is 0 when no delimiter was seen. */
static int split_parts(parse_ctx *c, const char *d, size_t n, const char *boundary,
                       slice **parts, size_t *count)
{
    size_t bl = strlen(boundary), i = 0, start = 0, cap = 0;
    int in_part = 0;

    *parts = NULL;
    *count = 0;
    while (i < n) {
        const char *nl = memchr(d + i, '\n', n - i);
        size_t next = nl ? (size_t)(nl - d) + 1 : n, k;
        int close = 0;

        if (n - i >= 2 + bl && d[i] == '-' && d[i + 1] == '-' &&
            !memcmp(d + i + 2, boundary, bl)) {
            k = i + 2 + bl;
            if (n - k >= 2 && d[k] == '-' && d[k + 1] == '-') {
                close = 1;
                k += 2;
            }
            while (k < n && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r'))
                k++;
            if (k >= n || d[k] == '\n') {       /* a delimiter line */
                if (in_part) {
                    size_t end = i;
                    if (end > start && d[end - 1] == '\n')
                        end--;
                    if (end > start && d[end - 1] == '\r')
                        end--;
                    if (*count >= MIME_MAX_PARTS)
                        return MIME_E_TOO_MANY_PARTS;
                    if (arena_grow(c->scratch, (void **)parts, &cap, *count + 1, sizeof(slice)))
                        return c->scratch->status;
                    (*parts)[*count].data = d + start;
                    (*parts)[(*count)++].len = end - start;
                }
                if (close)
                    return MIME_OK;
                in_part = 1;
                start = next;
            }
        }
        i = next;
    }
    if (in_part) {
        if (*count >= MIME_MAX_PARTS)
            return MIME_E_TOO_MANY_PARTS;
        if (arena_grow(c->scratch, (void **)parts, &cap, *count + 1, sizeof(slice)))
            return c->scratch->status;
        (*parts)[*count].data = d + start;
        (*parts)[(*count)++].len = n - start;
    }
    return MIME_OK;
}

/* Index of the root of a multipart/related: the part whose Content-ID is the "start"
 * parameter, else the first (RFC 2387 3.2). */
static size_t related_root(parse_ctx *c, const entity *e, const slice *parts, size_t count)
{
    const char *start = header_param(&e->type, "start");
    size_t i, sl;

    if (!start)
        return 0;
    while (*start == '<' || *start == ' ')
        start++;
    for (sl = strlen(start); sl && (start[sl - 1] == '>' || start[sl - 1] == ' '); sl--)
        ;
    for (i = 0; i < count; i++) {
        hblock h;
        char *cid;
        if (header_split(c->scratch, parts[i].data, parts[i].len, &h))
            return 0;
        if ((cid = content_id(c, &h)) && strlen(cid) == sl && !memcmp(cid, start, sl))
            return i;
    }
    return 0;
}

/* A multipart: each part walked with the role its position gives it (see the top of file). */
static int walk_multipart(parse_ctx *c, mime_message *msg, const entity *e, int depth,
                          enum role role, const slice *parts, size_t count)
{
    const char *sub = e->type.value + 10;
    int related = !strcmp(sub, "related"), alternative = !strcmp(sub, "alternative");
    const char *child_default = !strcmp(sub, "digest") ? "message/rfc822" : "text/plain";
    size_t root = related ? related_root(c, e, parts, count) : 0, i;
    int rc = MIME_OK;

    for (i = 0; i < count && !rc; i++) {
        enum role r;

        if (role == ROLE_ATTACH || role == ROLE_RELATED)
            r = ROLE_ATTACH;
        else if (role == ROLE_LATE && has_body(msg))
            r = ROLE_ATTACH;
        else if (alternative)
            r = ROLE_ALT;
        else if (related)
            r = i == root ? ROLE_BODY : ROLE_RELATED;
        else
            r = i == 0 ? ROLE_BODY : ROLE_LATE;
        rc = walk(c, msg, parts[i].data, parts[i].len, depth, r, child_default);
    }
    return rc;
}

/* A leaf: text body, HTML body or attachment. */
static int walk_leaf(parse_ctx *c, mime_message *msg, const entity *e, int depth, enum role role)
{
    const char *type = e->type.value;
    int text = !strcmp(type, "text/plain"), html = !strcmp(type, "text/html");
    int as_attachment = (e->disposition.value && !strcmp(e->disposition.value, "attachment")) ||
                        header_param(&e->disposition, "filename") ||
                        header_param(&e->type, "name");

    if ((text || html) && !as_attachment &&
        (role == ROLE_BODY || role == ROLE_ALT || (role == ROLE_LATE && !has_body(msg)))) {
        if (text && !msg->body_text)
            return store_text(c, msg, e, &msg->body_text, &msg->body_text_len);
        if (html && !msg->body_html)
            return store_text(c, msg, e, &msg->body_html, &msg->body_html_len);
        if (role == ROLE_ALT)
            return MIME_OK;   /* a second rendering of a body we have */
    }
    return add_attachment(c, msg, e, role, depth);
}

/* Entering an entity: where every entity is counted against the depth and part limits. */
static int enter(parse_ctx *c, const char *data, size_t len, int depth, hblock *h)
{
    if (depth > MIME_MAX_DEPTH)
        return MIME_E_TOO_DEEP;
    if (++c->parts > MIME_MAX_PARTS)
        return MIME_E_TOO_MANY_PARTS;
    return header_split(c->scratch, data, len, h);
}

static int walk(parse_ctx *c, mime_message *msg, const char *data, size_t len, int depth,
                enum role role, const char *default_type)
{
    hblock h;
    entity e;
    int rc;

    if ((rc = enter(c, data, len, depth, &h)) || (rc = read_entity(c, &h, default_type, &e)))
        return rc;
    return walk_entity(c, msg, &e, depth, role);
}

/* An entity whose header is read: a multipart with parts, else a leaf. */
static int walk_entity(parse_ctx *c, mime_message *msg, const entity *e, int depth,
                       enum role role)
{
    const char *boundary = header_param(&e->type, "boundary");

    if (is_multipart_type(e->type.value) && boundary && *boundary &&
        strlen(boundary) <= MIME_MAX_BOUNDARY) {
        slice *parts;
        size_t count;
        int rc = split_parts(c, e->h->body, e->h->body_len, boundary, &parts, &count);

        if (rc)
            return rc;
        if (count)
            return walk_multipart(c, msg, e, depth + 1, role, parts, count);
    }
    if (is_multipart_type(e->type.value)) {
        /* No usable boundary, or no delimiter in the body: what is there is shown as text. */
        entity plain = *e;
        memset(&plain.type, 0, sizeof(plain.type));
        plain.type.value = "text/plain";
        return walk_leaf(c, msg, &plain, depth, role);
    }
    return walk_leaf(c, msg, e, depth, role);
}

static int parse_message(parse_ctx *c, const char *data, size_t len, int depth,
                         mime_message *msg)
{
    hblock h;
    entity e;
    int rc;

    if ((rc = enter(c, data, len, depth, &h)) || (rc = parse_envelope(c, msg, &h)) ||
        (rc = read_entity(c, &h, "text/plain", &e)))
        return rc;
    return walk_entity(c, msg, &e, depth, ROLE_BODY);
}

int mime_parse(const void *data, size_t len, const mime_parse_options *opt, mime_message **out)
{
    parse_ctx c;
    mime_message *msg;
    int rc;

    if (!out || (!data && len))
        return MIME_E_INVALID_ARG;
    *out = NULL;
    if (len > MIME_MAX_MESSAGE)
        return MIME_E_TOO_LARGE;
    memset(&c, 0, sizeof(c));
    c.opt = opt;
    if (!(c.scratch = arena_new(MIME_MAX_MODEL_BYTES)))
        return MIME_E_NOMEM;
    if (!(msg = mime_message_new())) {
        arena_free(c.scratch);
        return MIME_E_NOMEM;
    }
    rc = parse_message(&c, data ? data : "", len, 0, msg);
    arena_free(c.scratch);
    if (rc) {
        mime_message_free(msg);
        return rc;
    }
    *out = msg;
    return MIME_OK;
}
