/*
 * header.c - header blocks (RFC 5322 2.2, 3.6) and MIME parameters (RFC 2045 5.1, RFC 2231).
 *
 * header_split() cuts an entity into fields and body in one pass over its lines, accepting
 * CRLF or bare LF. As mainstream readers do, a line that cannot be a field ends the block (the
 * body then starts there), an mbox "From " line is skipped, and continuation lines before any
 * field are dropped. It is the one place that enforces MIME_MAX_HEADERS and
 * MIME_MAX_HEADER_BLOCK. Fields are slices of the input: nothing is copied.
 *
 * header_parse_params() reads "value; a=b; c*0*=utf-8''..." into decoded UTF-8 parameters:
 * RFC 2231 continuations and charsets, RFC 2047 words inside quoted values (not standard, but
 * what every mainstream mailer writes for file names), unquoted values with blanks.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

/* Index just past the line starting at i (past its LF), and the line's end without CR/LF. */
static size_t line_end(const char *d, size_t n, size_t i, size_t *content_end)
{
    const char *nl = memchr(d + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - d) : n;

    *content_end = end > i && d[end - 1] == '\r' ? end - 1 : end;
    return nl ? end + 1 : n;
}

/* Length of a field name at d[i..e) followed by optional blanks and ':', or 0. */
static size_t field_name(const char *d, size_t i, size_t e, size_t *colon)
{
    size_t k = i, name_end;

    while (k < e && d[k] != ':' && (unsigned char)d[k] > 32 && (unsigned char)d[k] < 127)
        k++;
    name_end = k;
    while (k < e && (d[k] == ' ' || d[k] == '\t'))   /* obs-optional: "Subject :" */
        k++;
    if (name_end == i || k >= e || d[k] != ':')
        return 0;
    *colon = k;
    return name_end - i;
}

int header_split(struct mime_arena *scratch, const char *d, size_t n, hblock *out)
{
    size_t cap = 0, i = 0, ce, next, colon;
    hfield *cur = NULL;

    memset(out, 0, sizeof(*out));
    if (n >= 5 && !memcmp(d, "From ", 5))
        i = line_end(d, n, 0, &ce);
    out->raw = d + i;
    for (;;) {
        size_t name_len;

        if (i >= n) {
            out->raw_len = n - (size_t)(out->raw - d);
            out->body = d + n;
            return MIME_OK;
        }
        next = line_end(d, n, i, &ce);
        if (ce == i) {                       /* the empty line */
            out->raw_len = i - (size_t)(out->raw - d);
            out->body = d + next;
            out->body_len = n - next;
            return MIME_OK;
        }
        if (d[i] == ' ' || d[i] == '\t') {   /* continuation */
            if (cur)
                cur->value_len = ce - (size_t)(cur->value - d);
        } else if ((name_len = field_name(d, i, ce, &colon))) {
            if (out->count >= MIME_MAX_HEADERS)
                return MIME_E_TOO_MANY_HEADERS;
            if (arena_grow(scratch, (void **)&out->fields, &cap, out->count + 1,
                           sizeof(hfield)))
                return scratch->status;
            cur = &out->fields[out->count++];
            cur->name = d + i;
            cur->name_len = name_len;
            colon++;
            while (colon < ce && (d[colon] == ' ' || d[colon] == '\t'))
                colon++;
            cur->value = d + colon;
            cur->value_len = ce - colon;
        } else {
            /* Not a field: the header block ends without its empty line (a defect mainstream
             * readers forgive); this line is the first of the body. */
            out->raw_len = i - (size_t)(out->raw - d);
            out->body = d + i;
            out->body_len = n - i;
            return MIME_OK;
        }
        if (next - (size_t)(out->raw - d) > MIME_MAX_HEADER_BLOCK)
            return MIME_E_HEADER_TOO_LARGE;
        i = next;
    }
}

const hfield *header_find(const hblock *h, const char *name)
{
    size_t i;

    for (i = 0; i < h->count; i++)
        if (ascii_ncaseeq(h->fields[i].name, h->fields[i].name_len, name))
            return &h->fields[i];
    return NULL;
}

char *header_unfold(struct mime_arena *scratch, const char *v, size_t n)
{
    char *s = arena_alloc(scratch, n + 1);
    size_t i, k = 0;

    if (!s)
        return NULL;
    for (i = 0; i < n; i++)
        if (v[i] != '\r' && v[i] != '\n' && v[i] != 0)
            s[k++] = v[i];
    while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        k--;
    i = 0;
    while (i < k && (s[i] == ' ' || s[i] == '\t'))
        i++;
    memmove(s, s + i, k - i);
    s[k - i] = 0;
    return s;
}

size_t skip_cfws(const char *s, size_t n, size_t i)
{
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
            i++;
        } else if (s[i] == '(') {
            /* Comments nest; depth is counted, not recursed, so any nesting is safe. */
            size_t depth = 0;
            for (; i < n; i++) {
                if (s[i] == '\\' && i + 1 < n)
                    i++;
                else if (s[i] == '(')
                    depth++;
                else if (s[i] == ')' && --depth == 0) {
                    i++;
                    break;
                }
            }
        } else {
            break;
        }
    }
    return i;
}

/* ---- parameters ----------------------------------------------------------------------- */

typedef struct rawparam {
    char *base;             /* lower case, without "*N" / "*" */
    int section;            /* N of "name*N", -1 without */
    int extended;           /* a trailing "*": charset'lang'%XX */
    char *value;            /* unquoted, in scratch */
    size_t value_len;
} rawparam;

/* The value at s[i..n): a quoted string (escapes removed, an unclosed quote tolerated) or
 * everything up to ';' with outer blanks trimmed (mailers do write unquoted blanks). */
static size_t read_value(struct mime_arena *a, const char *s, size_t n, size_t i, rawparam *p)
{
    size_t k = 0, start;

    if (i < n && s[i] == '"') {
        char *v = arena_alloc(a, n - i + 1);
        if (!v)
            return n;
        for (i++; i < n && s[i] != '"'; i++) {
            if (s[i] == '\\' && i + 1 < n)
                i++;
            v[k++] = s[i];
        }
        p->value = v;
        p->value_len = k;
        return i < n ? i + 1 : n;
    }
    start = i;
    while (i < n && s[i] != ';')
        i++;
    k = i;
    while (k > start && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        k--;
    p->value = arena_strndup(a, s + start, k - start);
    p->value_len = p->value ? k - start : 0;
    return i;
}

/* Fills base/section/extended from a name as written ("filename*1*"). */
static int split_param_name(struct mime_arena *a, const char *s, size_t n, rawparam *p)
{
    size_t star, i;

    p->section = -1;
    p->extended = n > 1 && s[n - 1] == '*';
    if (p->extended)
        n--;
    for (star = n; star > 0 && s[star - 1] >= '0' && s[star - 1] <= '9'; star--)
        ;
    if (star < n && star > 1 && s[star - 1] == '*' && n - star <= 3) {
        p->section = 0;
        for (i = star; i < n; i++)
            p->section = p->section * 10 + (s[i] - '0');
        n = star - 1;
    }
    if (!(p->base = arena_strndup(a, s, n)))
        return 0;
    for (i = 0; i < n; i++)
        p->base[i] = ascii_lower(p->base[i]);
    return 1;
}

static int pct_hex(char c)
{
    c = ascii_lower(c);
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 2231 value-chars: %XX decoded, the rest as is. */
static void pct_decode(const char *s, size_t n, mbuf *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && n - i >= 3 && (h = pct_hex(s[i + 1])) >= 0 &&
            (l = pct_hex(s[i + 2])) >= 0) {
            mbuf_putc(out, h << 4 | l);
            i += 2;
        } else {
            mbuf_putc(out, s[i]);
        }
    }
}

/* Strips "charset'lang'" from an extended value, keeping the charset. */
static void take_charset(const char **v, size_t *vl, char *charset, size_t cap)
{
    const char *q1 = memchr(*v, '\'', *vl), *q2;
    size_t cl;

    if (!q1 || !(q2 = memchr(q1 + 1, '\'', *vl - (size_t)(q1 + 1 - *v))))
        return;
    cl = (size_t)(q1 - *v);
    if (cl < cap) {
        memcpy(charset, *v, cl);
        charset[cl] = 0;
    }
    *vl -= (size_t)(q2 + 1 - *v);
    *v = q2 + 1;
}

/* The UTF-8 value of parameter `base` from its raw pieces: RFC 2231 sections in order (the
 * charset of section 0), else an extended single value, else the plain one (RFC 2047 words
 * and raw 8-bit decoded). */
static char *assemble(struct mime_arena *a, const mime_parse_options *opt, const rawparam *raw,
                      size_t nraw, const char *base)
{
    char charset[64] = "";
    const rawparam *single = NULL, *plain = NULL;
    int sections = 0, sec;
    mbuf bytes, text;
    size_t i;
    char *res = NULL;

    mbuf_init(&bytes, MIME_MAX_HEADER_BLOCK);
    mbuf_init(&text, MIME_MAX_HEADER_BLOCK * 4);
    for (i = 0; i < nraw; i++) {
        if (strcmp(raw[i].base, base))
            continue;
        if (raw[i].section >= 0)
            sections = 1;
        else if (raw[i].extended && !single)
            single = &raw[i];
        else if (!raw[i].extended && !plain)
            plain = &raw[i];
    }
    if (sections) {
        for (sec = 0; sec < MIME_MAX_CONTINUATIONS; sec++) {
            for (i = 0; i < nraw; i++) {
                const char *v = raw[i].value;
                size_t vl = raw[i].value_len;

                if (raw[i].section != sec || strcmp(raw[i].base, base))
                    continue;
                if (raw[i].extended) {
                    if (sec == 0)
                        take_charset(&v, &vl, charset, sizeof(charset));
                    pct_decode(v, vl, &bytes);
                } else {
                    mbuf_put(&bytes, v, vl);
                }
                break;
            }
        }
        charset_to_utf8(opt, charset, bytes.data ? bytes.data : "", bytes.len, &text);
    } else if (single) {
        const char *v = single->value;
        size_t vl = single->value_len;

        take_charset(&v, &vl, charset, sizeof(charset));
        pct_decode(v, vl, &bytes);
        charset_to_utf8(opt, charset, bytes.data ? bytes.data : "", bytes.len, &text);
    } else if (plain) {
        ew_decode(opt, plain->value, plain->value_len, &text);
    }
    if (!text.status && !bytes.status) {
        text.len = sanitize_field(text.data, text.len);
        res = arena_strndup(a, text.data ? text.data : "", text.len);
    }
    mbuf_free(&bytes);
    mbuf_free(&text);
    return res;
}

void header_parse_params(struct mime_arena *a, const mime_parse_options *opt, const char *s,
                         size_t n, mheader_value *out)
{
    rawparam raw[MIME_MAX_PARAMS];
    size_t nraw = 0, i, j, start;

    memset(out, 0, sizeof(*out));
    i = skip_cfws(s, n, 0);
    start = i;
    while (i < n && s[i] != ';' && s[i] != ' ' && s[i] != '\t' && s[i] != '(')
        i++;
    if (!(out->value = arena_strndup(a, s + start, i - start)))
        return;
    for (j = 0; out->value[j]; j++)
        out->value[j] = ascii_lower(out->value[j]);
    while (i < n && nraw < MIME_MAX_PARAMS) {
        size_t name_start, name_end;

        while (i < n && s[i] != ';')    /* anything before the next ';' is junk */
            i++;
        if (i >= n)
            break;
        i = skip_cfws(s, n, i + 1);
        name_start = i;
        while (i < n && s[i] != '=' && s[i] != ';' && s[i] != ' ' && s[i] != '\t')
            i++;
        name_end = i;
        i = skip_cfws(s, n, i);
        if (name_end == name_start || i >= n || s[i] != '=')
            continue;
        i = skip_cfws(s, n, i + 1);
        memset(&raw[nraw], 0, sizeof(raw[nraw]));
        if (!split_param_name(a, s + name_start, name_end - name_start, &raw[nraw]))
            return;
        i = read_value(a, s, n, i, &raw[nraw]);
        if (!raw[nraw].value)
            return;
        nraw++;
    }
    if (!nraw || !(out->params = arena_alloc(a, nraw * sizeof(mparam))))
        return;
    for (i = 0; i < nraw; i++) {
        for (j = 0; j < out->param_count; j++)
            if (!strcmp(out->params[j].name, raw[i].base))
                break;
        if (j < out->param_count)
            continue;   /* a later piece of a parameter already assembled */
        out->params[j].name = raw[i].base;
        out->params[j].value = assemble(a, opt, raw, nraw, raw[i].base);
        if (!out->params[j].value)
            return;
        out->param_count++;
    }
}

const char *header_param(const mheader_value *h, const char *name)
{
    size_t i;

    for (i = 0; i < h->param_count; i++)
        if (!strcmp(h->params[i].name, name))
            return h->params[i].value;
    return NULL;
}

/* The length of s[0..n) cut back to a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t n)
{
    size_t k = n, back = 0;

    while (k > 0 && back < 3 && ((unsigned char)s[k] & 0xC0) == 0x80) {
        k--;
        back++;
    }
    return ((unsigned char)s[k] & 0xC0) == 0x80 ? n : k;
}

const char *mime_filename_fit(const char *name, char out[MIME_MAX_FILENAME + 1])
{
    size_t len, ext = 0, stem;
    const char *dot;

    if (!name || (len = strlen(name)) <= MIME_MAX_FILENAME)
        return name;
    if ((dot = strrchr(name, '.')) && (size_t)(name + len - dot) <= 16)
        ext = (size_t)(name + len - dot);
    stem = utf8_cut(name, MIME_MAX_FILENAME - ext);
    memcpy(out, name, stem);
    memcpy(out + stem, name + len - ext, ext);
    out[stem + ext] = 0;
    return out;
}

int mime_type_valid(const char *t)
{
    size_t i, slash = 0;

    for (i = 0; t[i]; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '/' && !slash && i > 0)
            slash = i;
        else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   strchr("!#$&+-.^_`|~", c)) || !c)
            return 0;
    }
    return slash && t[slash + 1] && i <= 127;
}
