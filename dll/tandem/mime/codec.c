/*
 * codec.c - the content transfer encodings of RFC 2045: base64 and quoted-printable, both
 * directions.
 *
 * Decoders are tolerant the way mainstream readers are (Thunderbird, Outlook, Python's email):
 * junk characters are skipped, bad padding keeps what whole bytes there are, a malformed "="
 * stays literal. Encoders produce lines within MIME_LINE_SOFT and round-trip exactly: base64
 * trivially, quoted-printable because every CR or LF outside a CRLF pair is encoded.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Output in 4 KiB stack chunks: one mbuf_put per chunk instead of one per byte. */
typedef struct chunk {
    char buf[4096];
    size_t n;
    mbuf *out;
} chunk;

static void chunk_flush(chunk *c)
{
    mbuf_put(c->out, c->buf, c->n);
    c->n = 0;
}

static inline void chunk_put(chunk *c, const char *p, size_t n)
{
    if (c->n + n > sizeof(c->buf))
        chunk_flush(c);
    memcpy(c->buf + c->n, p, n);
    c->n += n;
}

static inline void chunk_putc(chunk *c, char ch)
{
    if (c->n == sizeof(c->buf))
        chunk_flush(c);
    c->buf[c->n++] = ch;
}

/* 0-63 for the alphabet, 64 for '=', 255 for everything else. */
static const unsigned char b64_table[256] = {
#define X 255
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X,
    X, 64, X, X, X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, X, X, X, X, X, X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

static int b64_value(unsigned char c)
{
    return b64_table[c] < 64 ? b64_table[c] : -1;
}

void b64_decode(const char *in, size_t n, mbuf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t i;
    chunk c;

    c.n = 0;
    c.out = out;
    for (i = 0; i < n; i++) {
        unsigned v = b64_table[(unsigned char)in[i]];

        if (v == 64) {
            /* Padding ends a group: what whole bytes it had are out already; drop the rest, so
             * concatenated encodings ("QQ==QQ==") decode piece by piece. */
            acc = 0;
            bits = 0;
            continue;
        }
        if (v > 64)
            continue;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            chunk_putc(&c, (char)((acc >> bits) & 0xff));
            acc &= (1u << bits) - 1;
        }
    }
    chunk_flush(&c);
}

size_t b64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

static void b64_group(const unsigned char *p, size_t k, char q[4])
{
    uint32_t v = (uint32_t)p[0] << 16 | (k > 1 ? (uint32_t)p[1] << 8 : 0) | (k > 2 ? p[2] : 0);

    q[0] = b64_alphabet[(v >> 18) & 63];
    q[1] = b64_alphabet[(v >> 12) & 63];
    q[2] = k > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
    q[3] = k > 2 ? b64_alphabet[v & 63] : '=';
}

void b64_encode(const void *in, size_t n, mbuf *out)
{
    const unsigned char *p = in;
    size_t i;
    chunk c;

    c.n = 0;
    c.out = out;
    for (i = 0; i < n; i += 3) {
        char q[4];
        b64_group(p + i, n - i < 3 ? n - i : 3, q);
        chunk_put(&c, q, 4);
    }
    chunk_flush(&c);
}

void b64_encode_lines(const void *in, size_t n, mbuf *out)
{
    const unsigned char *p = in;
    const size_t per_line = MIME_LINE_SOFT / 4 * 3;   /* 57 bytes -> 76 characters */
    size_t i, k;
    chunk c;

    c.n = 0;
    c.out = out;
    for (i = 0; i < n; i += per_line) {
        size_t end = n - i < per_line ? n : i + per_line;
        for (k = i; k < end; k += 3) {
            char q[4];
            b64_group(p + k, end - k < 3 ? end - k : 3, q);
            chunk_put(&c, q, 4);
        }
        chunk_put(&c, "\r\n", 2);
    }
    chunk_flush(&c);
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

void qp_decode(const char *in, size_t n, mbuf *out)
{
    size_t pos = 0;
    chunk c;

    c.n = 0;
    c.out = out;
    while (pos < n) {
        const char *nl = memchr(in + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - in) : n, next = nl ? end + 1 : n, i;
        int soft = 0;

        if (end > pos && in[end - 1] == '\r')
            end--;
        /* Transport may add trailing whitespace: RFC 2045 6.7 (3) says delete it. */
        while (end > pos && (in[end - 1] == ' ' || in[end - 1] == '\t'))
            end--;
        if (end > pos && in[end - 1] == '=') {
            soft = 1;
            end--;
        }
        for (i = pos; i < end; i++) {
            int hi, lo;

            if (in[i] == '=' && end - i >= 3 && (hi = hex_value((unsigned char)in[i + 1])) >= 0 &&
                (lo = hex_value((unsigned char)in[i + 2])) >= 0) {
                chunk_putc(&c, (char)(hi << 4 | lo));
                i += 2;
            } else {
                chunk_putc(&c, in[i]);
            }
        }
        if (nl && !soft)
            chunk_put(&c, "\r\n", 2);
        pos = next;
    }
    chunk_flush(&c);
}

/* Characters kept literal at a position: printable ASCII but "=", and whitespace that a line
 * end does not follow (decoders strip trailing whitespace). A line starting with "." or
 * "From " is encoded too, so SMTP dot-stuffing and mbox quoting never touch the content. */
static int qp_literal(const unsigned char *p, size_t n, size_t i, size_t col)
{
    unsigned char c = p[i];

    if (c == ' ' || c == '\t')
        return i + 1 < n && !(p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n');
    if (c < 33 || c > 126 || c == '=')
        return 0;
    if (col == 0 && (c == '.' || (c == 'F' && n - i >= 5 && !memcmp(p + i, "From ", 5))))
        return 0;
    return 1;
}

void qp_encode(const void *in, size_t n, mbuf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = in;
    size_t col = 0, i;
    chunk c;

    c.n = 0;
    c.out = out;
    for (i = 0; i < n; i++) {
        unsigned char ch = p[i];
        size_t len;

        if (ch == '\r' && i + 1 < n && p[i + 1] == '\n') {
            chunk_put(&c, "\r\n", 2);
            col = 0;
            i++;
            continue;
        }
        len = qp_literal(p, n, i, col) ? 1 : 3;
        if (col + len > MIME_LINE_SOFT - 1) {
            /* Soft break: "=" ends the line at MIME_LINE_SOFT at most. */
            chunk_put(&c, "=\r\n", 3);
            col = 0;
            len = qp_literal(p, n, i, col) ? 1 : 3;
        }
        if (len == 1) {
            chunk_putc(&c, (char)ch);
        } else {
            char rep[3] = { '=', hex[ch >> 4], hex[ch & 15] };
            chunk_put(&c, rep, 3);
        }
        col += len;
    }
    chunk_flush(&c);
}

int mime_base64_encode(const void *in, size_t n, char **out, size_t *out_len)
{
    mbuf b;

    mbuf_init(&b, SIZE_MAX / 2);
    b64_encode(in, n, &b);
    mbuf_put(&b, "", 0);
    if (b.status) {
        mbuf_free(&b);
        return b.status;
    }
    *out = b.data;
    *out_len = b.len;
    return MIME_OK;
}

int mime_base64_decode(const char *in, size_t n, unsigned char **out, size_t *out_len)
{
    size_t i, pad = 0;
    mbuf b;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=')
            pad++;
        else if (b64_value(c) < 0 || pad)
            return MIME_E_INVALID_ARG;   /* junk, or data after the padding */
    }
    mbuf_init(&b, SIZE_MAX / 2);
    b64_decode(in, n, &b);
    mbuf_put(&b, "", 0);
    if (b.status) {
        mbuf_free(&b);
        return b.status;
    }
    *out = (unsigned char *)b.data;
    *out_len = b.len;
    return MIME_OK;
}
