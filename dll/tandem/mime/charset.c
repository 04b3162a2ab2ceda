/*
 * charset.c - everything the core knows about charsets: UTF-8 validation, windows-1252, and the
 * dispatch to the platform's converter (mime_parse_options.charset) for the rest.
 *
 * Invariant: whatever comes in, what goes out is valid UTF-8. A charset nobody knows, or a
 * converter that fails, falls back to "UTF-8 if valid, else windows-1252" - the guess
 * mainstream readers make for undeclared 8-bit text.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int ascii_casecmp(const char *a, const char *b)
{
    for (; *a && ascii_lower(*a) == ascii_lower(*b); a++, b++)
        ;
    return (unsigned char)ascii_lower(*a) - (unsigned char)ascii_lower(*b);
}

int ascii_ncaseeq(const char *a, size_t alen, const char *b)
{
    size_t i;

    for (i = 0; i < alen; i++)
        if (!b[i] || ascii_lower(a[i]) != ascii_lower(b[i]))
            return 0;
    return b[alen] == 0;
}

/* Length of the valid UTF-8 sequence at s (shortest form, no surrogates, <= U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len, i;
    uint32_t v;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) { len = 2; v = s[0] & 0x1f; }
    else if (s[0] >= 0xe0 && s[0] <= 0xef) { len = 3; v = s[0] & 0x0f; }
    else if (s[0] >= 0xf0 && s[0] <= 0xf4) { len = 4; v = s[0] & 0x07; }
    else return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
        (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if (!(k = utf8_seq(p + i, n - i, &cp)))
            return 0;
        i += k;
    }
    return 1;
}

void utf8_sanitize(const char *s, size_t n, mbuf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0, k;
    uint32_t cp;

    /* Valid runs are copied in one piece; only invalid bytes cost a call each. */
    while (i < n) {
        k = utf8_seq(p + i, n - i, &cp);
        if (k) {
            i += k;
            continue;
        }
        mbuf_put(out, s + run, i - run);
        mbuf_put_utf8(out, 0xfffd);
        run = ++i;
    }
    mbuf_put(out, s + run, n - run);
}

/* windows-1252 0x80-0x9F (the WHATWG table: the five holes map to the C1 controls). */
static const uint16_t cp1252_high[32] = {
    0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
    0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

void cp1252_to_utf8(const char *s, size_t n, mbuf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i, run = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < 0x80)
            continue;
        mbuf_put(out, s + run, i - run);
        mbuf_put_utf8(out, p[i] < 0xa0 ? cp1252_high[p[i] - 0x80] : p[i]);
        run = i + 1;
    }
    mbuf_put(out, s + run, n - run);
}

void raw_to_utf8(const char *s, size_t n, mbuf *out)
{
    if (utf8_valid(s, n))
        mbuf_put(out, s, n);
    else
        cp1252_to_utf8(s, n, out);
}

/* The charset name trimmed of quotes and blanks, lower case, in buf; "" when unusable. */
static void normalize_name(const char *charset, char *buf, size_t cap)
{
    size_t i = 0;

    if (charset)
        for (; *charset && i + 1 < cap; charset++)
            if (*charset != '"' && *charset != ' ' && *charset != '\t')
                buf[i++] = ascii_lower(*charset);
    buf[i] = 0;
    if (charset && *charset)
        buf[0] = 0;     /* longer than any real charset name */
}

/* Names some mailers write that the platform converters do not know: Python's email writes
 * "eucgb2312_cn" and "big5_tw", old Microsoft mailers "ks_c_5601-1987", others "x-" forms. */
static void canonical_name(char *name, size_t cap)
{
    static const char *const aliases[][2] = {
        { "eucgb2312_cn", "gb2312" }, { "big5_tw", "big5" }, { "x-sjis", "shift_jis" },
        { "x-euc-jp", "euc-jp" }, { "ks_c_5601-1987", "cp949" }, { "ks_c_5601", "cp949" },
        { "x-gbk", "gbk" }, { "x-mac-roman", "macintosh" }, { "iso-8859-8-i", "iso-8859-8" },
        { "windows-874", "cp874" }, { "x-user-defined", "windows-1252" },
    };
    size_t i;

    for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!strcmp(name, aliases[i][0]) && strlen(aliases[i][1]) < cap) {
            strcpy(name, aliases[i][1]);
            return;
        }
}

static int is_one_of(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(name, *list))
            return 1;
    return 0;
}

/* Runs the platform converter; 0 when it does not know the charset (or fails). Its output is
 * sanitized: a converter is trusted with memory bounds, not with producing valid UTF-8. */
static int convert_with(const mime_parse_options *opt, const char *name, const char *in,
                        size_t n, mbuf *out)
{
    size_t cap = n < (SIZE_MAX - 64) / 4 ? n * 4 + 64 : n;
    char *tmp = NULL;
    long got;
    int tries, ok = 0;

    for (tries = 0; tries < 2 && !ok; tries++) {
        if (cap > out->limit) {
            out->status = MIME_E_TOO_LARGE;
            break;
        }
        free(tmp);
        if (!(tmp = malloc(cap))) {
            out->status = MIME_E_NOMEM;
            break;
        }
        got = opt->charset(opt->charset_ctx, name, in, n, tmp, cap);
        if (got < 0)
            break;
        if ((size_t)got <= cap) {
            utf8_sanitize(tmp, (size_t)got, out);
            ok = 1;
        }
        cap = (size_t)got;
    }
    free(tmp);
    return ok || out->status;
}

void charset_to_utf8(const mime_parse_options *opt, const char *charset, const char *in,
                     size_t n, mbuf *out)
{
    static const char *const undeclared[] = {
        "", "us-ascii", "ascii", "ansi_x3.4-1968", "unknown-8bit", "x-unknown", "unknown",
        "default", NULL };
    static const char *const utf8[] = { "utf-8", "utf8", "x-utf-8", NULL };
    static const char *const latin1[] = {
        "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "windows-1252", "cp1252",
        "x-cp1252", NULL };
    char name[64];

    normalize_name(charset, name, sizeof(name));
    canonical_name(name, sizeof(name));
    if (is_one_of(name, undeclared)) {
        raw_to_utf8(in, n, out);
        return;
    }
    if (is_one_of(name, utf8)) {
        utf8_sanitize(in, n, out);
        return;
    }
    if (is_one_of(name, latin1)) {
        /* Browsers and mail readers read ISO-8859-1 as its superset windows-1252. */
        cp1252_to_utf8(in, n, out);
        return;
    }
    if (opt && opt->charset && n && convert_with(opt, name, in, n, out))
        return;
    raw_to_utf8(in, n, out);
}
