/*
 * json.c - the JSON reader and writer of json.h.
 *
 * Reader invariants: every string in the tree is valid UTF-8; nesting never exceeds
 * JSON_MAX_DEPTH (so the recursion is bounded); on any error the partial tree is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* ---- reader ----------------------------------------------------------------------------------- */

typedef struct reader {
    const char *s;
    size_t n, i;
    char *err;
    size_t errlen;
    int failed;
} reader;

static void fail_at(reader *r, const char *what)
{
    size_t line = 1, k;

    if (r->failed)
        return;
    for (k = 0; k < r->i && k < r->n; k++)
        line += r->s[k] == '\n';
    snprintf(r->err, r->errlen, "line %lu: %s", (unsigned long)line, what);
    r->failed = 1;
}

static void skip_ws(reader *r)
{
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' ||
                           r->s[r->i] == '\r'))
        r->i++;
}

static int parse_value(reader *r, json_value *v, int depth);

static int hex4(reader *r, unsigned *out)
{
    unsigned v = 0;
    int k;

    if (r->n - r->i < 4) {
        fail_at(r, "truncated \\u escape");
        return 0;
    }
    for (k = 0; k < 4; k++) {
        char c = r->s[r->i++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else {
            fail_at(r, "bad \\u escape");
            return 0;
        }
    }
    *out = v;
    return 1;
}

static void put_utf8(strbuf *b, unsigned cp)
{
    char u[4];

    if (cp < 0x80) {
        u[0] = (char)cp;
        sb_put(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        sb_put(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        sb_put(b, u, 3);
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        sb_put(b, u, 4);
    }
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len, k;
    unsigned v;

    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) { len = 2; v = s[0] & 0x1f; }
    else if (s[0] >= 0xe0 && s[0] <= 0xef) { len = 3; v = s[0] & 0x0f; }
    else if (s[0] >= 0xf0 && s[0] <= 0xf4) { len = 4; v = s[0] & 0x07; }
    else return 0;
    if (n < len)
        return 0;
    for (k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3f);
    }
    if ((len == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
        (len == 4 && (v < 0x10000 || v > 0x10ffff)))
        return 0;
    return len;
}

static int parse_string(reader *r, char **out, size_t *out_len)
{
    strbuf b = { 0 };

    r->i++;   /* the opening quote */
    while (r->i < r->n && r->s[r->i] != '"') {
        unsigned char c = (unsigned char)r->s[r->i];
        if (c < 0x20) {
            fail_at(r, "control character in string");
            break;
        }
        if (c == '\\') {
            char e;
            unsigned cp, lo;
            if (++r->i >= r->n) {
                fail_at(r, "truncated escape");
                break;
            }
            e = r->s[r->i++];
            switch (e) {
            case '"': sb_put(&b, "\"", 1); break;
            case '\\': sb_put(&b, "\\", 1); break;
            case '/': sb_put(&b, "/", 1); break;
            case 'b': sb_put(&b, "\b", 1); break;
            case 'f': sb_put(&b, "\f", 1); break;
            case 'n': sb_put(&b, "\n", 1); break;
            case 'r': sb_put(&b, "\r", 1); break;
            case 't': sb_put(&b, "\t", 1); break;
            case 'u':
                if (!hex4(r, &cp))
                    break;
                if (cp >= 0xd800 && cp <= 0xdbff && r->n - r->i >= 6 && r->s[r->i] == '\\' &&
                    r->s[r->i + 1] == 'u') {
                    size_t save = r->i;
                    r->i += 2;
                    if (!hex4(r, &lo))
                        break;
                    if (lo >= 0xdc00 && lo <= 0xdfff)
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    else
                        r->i = save;
                }
                put_utf8(&b, cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
                break;
            default:
                fail_at(r, "unknown escape");
            }
            if (r->failed)
                break;
            continue;
        }
        {
            size_t k = utf8_len((const unsigned char *)r->s + r->i, r->n - r->i);
            if (!k) {
                fail_at(r, "invalid UTF-8 in string");
                break;
            }
            sb_put(&b, r->s + r->i, k);
            r->i += k;
        }
    }
    if (!r->failed && r->i >= r->n)
        fail_at(r, "unterminated string");
    if (!r->failed && b.failed)
        fail_at(r, "out of memory");
    if (r->failed) {
        sb_free(&b);
        return 0;
    }
    r->i++;
    sb_put(&b, "", 0);
    if (b.failed) {
        fail_at(r, "out of memory");
        sb_free(&b);
        return 0;
    }
    *out = b.data;
    *out_len = b.len;
    return 1;
}

/* One or more digits, or a failure. */
static int digits(reader *r)
{
    if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9') {
        fail_at(r, "bad number");
        return 0;
    }
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
        r->i++;
    return 1;
}

static int parse_number(reader *r, json_value *v)
{
    size_t start = r->i;
    char tmp[64];

    if (r->s[r->i] == '-')
        r->i++;
    if (r->i < r->n && r->s[r->i] == '0')
        r->i++;
    else if (!digits(r))
        return 0;
    if (r->i < r->n && r->s[r->i] == '.') {
        r->i++;
        if (!digits(r))
            return 0;
    }
    if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-'))
            r->i++;
        if (!digits(r))
            return 0;
    }
    if (r->i - start >= sizeof(tmp)) {
        fail_at(r, "number too long");
        return 0;
    }
    memcpy(tmp, r->s + start, r->i - start);
    tmp[r->i - start] = 0;
    v->type = JSON_NUMBER;
    v->number = strtod(tmp, NULL);
    return 1;
}

static int literal(reader *r, const char *word, json_type t, json_value *v)
{
    size_t n = strlen(word);

    if (r->n - r->i < n || memcmp(r->s + r->i, word, n)) {
        fail_at(r, "unexpected character");
        return 0;
    }
    r->i += n;
    v->type = t;
    return 1;
}

/* Members or elements until `close`; objects read "key": value pairs. */
static int parse_container(reader *r, json_value *v, int depth, int object)
{
    size_t cap = 0;
    char close = object ? '}' : ']';

    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    r->i++;
    skip_ws(r);
    if (r->i < r->n && r->s[r->i] == close) {
        r->i++;
        return 1;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len;

        skip_ws(r);
        if (object) {
            if (r->i >= r->n || r->s[r->i] != '"') {
                fail_at(r, "expected a string key");
                return 0;
            }
            if (!parse_string(r, &key, &key_len))
                return 0;
            skip_ws(r);
            if (r->i >= r->n || r->s[r->i] != ':') {
                free(key);
                fail_at(r, "expected ':'");
                return 0;
            }
            r->i++;
        }
        if (v->count == cap) {
            size_t nc = cap ? cap * 2 : 8;
            json_value *items = realloc(v->items, nc * sizeof(*items));
            char **keys = items && object ? realloc(v->keys, nc * sizeof(*keys)) : NULL;
            if (items)
                v->items = items;
            if (keys)
                v->keys = keys;
            if (!items || (object && !keys)) {
                free(key);
                fail_at(r, "out of memory");
                return 0;
            }
            cap = nc;
        }
        memset(&v->items[v->count], 0, sizeof(json_value));
        if (object)
            v->keys[v->count] = key;
        v->count++;
        if (!parse_value(r, &v->items[v->count - 1], depth + 1))
            return 0;
        skip_ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == close) {
            r->i++;
            return 1;
        }
        fail_at(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
        return 0;
    }
}

static int parse_value(reader *r, json_value *v, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        fail_at(r, "nested too deeply");
        return 0;
    }
    skip_ws(r);
    if (r->i >= r->n) {
        fail_at(r, "unexpected end of input");
        return 0;
    }
    switch (r->s[r->i]) {
    case '{': return parse_container(r, v, depth, 1);
    case '[': return parse_container(r, v, depth, 0);
    case '"':
        v->type = JSON_STRING;
        return parse_string(r, &v->string, &v->string_len);
    case 't': return literal(r, "true", JSON_TRUE, v);
    case 'f': return literal(r, "false", JSON_FALSE, v);
    case 'n': return literal(r, "null", JSON_NULL, v);
    default: return parse_number(r, v);
    }
}

static void free_members(json_value *v)
{
    size_t i;

    for (i = 0; i < v->count; i++) {
        free_members(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
}

void json_free(json_value *v)
{
    if (v) {
        free_members(v);
        free(v);
    }
}

json_value *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    reader r = { text, len, 0, err, errlen, 0 };
    json_value *v = calloc(1, sizeof(*v));

    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        r.i = 3;   /* a UTF-8 byte order mark, as Windows editors write */
    if (parse_value(&r, v, 0)) {
        skip_ws(&r);
        if (r.i < r.n)
            fail_at(&r, "trailing characters after the value");
    }
    if (r.failed) {
        json_free(v);
        return NULL;
    }
    return v;
}

const json_value *json_get(const json_value *v, const char *key)
{
    size_t i;

    if (!v || v->type != JSON_OBJECT)
        return NULL;
    for (i = 0; i < v->count; i++)
        if (!strcmp(v->keys[i], key))
            return &v->items[i];
    return NULL;
}

/* ---- writer ----------------------------------------------------------------------------------- */

static void indent(json_writer *w)
{
    int i;

    sb_put(w->out, "\n", 1);
    for (i = 0; i < w->depth; i++)
        sb_put(w->out, "  ", 2);
}

/* Before any value: the comma and line break of the enclosing container. */
static void before_value(json_writer *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (!w->first[w->depth])
            sb_put(w->out, ",", 1);
        w->first[w->depth] = 0;
        indent(w);
    }
}

static void open_container(json_writer *w, const char *c)
{
    before_value(w);
    sb_puts(w->out, c);
    if (w->depth + 1 < JSON_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = 1;
}

static void close_container(json_writer *w, const char *c)
{
    int empty = w->first[w->depth];

    if (w->depth > 0)
        w->depth--;
    if (!empty)
        indent(w);
    sb_puts(w->out, c);
}

void jw_begin_object(json_writer *w) { open_container(w, "{"); }
void jw_end_object(json_writer *w) { close_container(w, "}"); }
void jw_begin_array(json_writer *w) { open_container(w, "["); }
void jw_end_array(json_writer *w) { close_container(w, "]"); }

static void put_escaped(strbuf *b, const char *s, size_t n)
{
    size_t i = 0;

    sb_put(b, "\"", 1);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k;
        if (c == '"' || c == '\\') {
            sb_put(b, "\\", 1);
            sb_put(b, s + i, 1);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            const char *e = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
            if (e)
                sb_puts(b, e);
            else
                sb_printf(b, "\\u%04x", c);
            i++;
        } else if ((k = utf8_len((const unsigned char *)s + i, n - i))) {
            sb_put(b, s + i, k);
            i += k;
        } else {
            sb_puts(b, "\xef\xbf\xbd");   /* invalid UTF-8: U+FFFD keeps the output valid */
            i++;
        }
    }
    sb_put(b, "\"", 1);
}

void jw_key(json_writer *w, const char *key)
{
    before_value(w);
    put_escaped(w->out, key, strlen(key));
    sb_put(w->out, ": ", 2);
    w->after_key = 1;
}

void jw_string(json_writer *w, const char *s, size_t n)
{
    before_value(w);
    if (s)
        put_escaped(w->out, s, n);
    else
        sb_puts(w->out, "null");
}

void jw_cstring(json_writer *w, const char *s)
{
    jw_string(w, s, s ? strlen(s) : 0);
}

void jw_int(json_writer *w, long long v)
{
    /* By hand: MinGW's printf (msvcrt) and glibc's disagree on the 64-bit conversion. */
    char digits[24], *p = digits + sizeof(digits);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    before_value(w);
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    sb_put(w->out, p, (size_t)(digits + sizeof(digits) - p));
}

void jw_bool(json_writer *w, int v)
{
    before_value(w);
    sb_puts(w->out, v ? "true" : "false");
}

void jw_null(json_writer *w)
{
    before_value(w);
    sb_puts(w->out, "null");
}
