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

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

void b64_decode(const char *in, size_t n, mbuf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t i;

    for (i = 0; i < n && !out->status; i++) {
        unsigned char c = (unsigned char)in[i];
        int v = b64_value(c);

        if (c == '=') {
            /* Padding ends a group: what whole bytes it had are out already; drop the rest, so
             * concatenated encodings ("QQ==QQ==") decode piece by piece. */
            acc = 0;
            bits = 0;
            continue;
        }
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            mbuf_putc(out, (int)((acc >> bits) & 0xff));
            acc &= (1u << bits) - 1;
        }
    }
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
    char q[4];
    size_t i;

    for (i = 0; i < n && !out->status; i += 3) {
        b64_group(p + i, n - i < 3 ? n - i : 3, q);
        mbuf_put(out, q, 4);
    }
}

void b64_encode_lines(const void *in, size_t n, mbuf *out)
{
    const unsigned char *p = in;
    const size_t per_line = MIME_LINE_SOFT / 4 * 3;   /* 57 bytes -> 76 characters */
    size_t i;

    for (i = 0; i < n && !out->status; i += per_line) {
        b64_encode(p + i, n - i < per_line ? n - i : per_line, out);
        mbuf_put(out, "\r\n", 2);
    }
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

    while (pos < n && !out->status) {
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
                mbuf_putc(out, hi << 4 | lo);
                i += 2;
            } else {
                mbuf_putc(out, in[i]);
            }
        }
        if (nl && !soft)
            mbuf_put(out, "\r\n", 2);
        pos = next;
    }
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

    for (i = 0; i < n && !out->status; i++) {
        unsigned char c = p[i];
        char rep[3];
        size_t len;

        if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
            mbuf_put(out, "\r\n", 2);
            col = 0;
            i++;
            continue;
        }
        len = qp_literal(p, n, i, col) ? 1 : 3;
        if (col + len > MIME_LINE_SOFT - 1) {
            /* Soft break: "=" ends the line at MIME_LINE_SOFT at most. */
            mbuf_put(out, "=\r\n", 3);
            col = 0;
            len = qp_literal(p, n, i, col) ? 1 : 3;
        }
        if (len == 1) {
            rep[0] = (char)c;
        } else {
            rep[0] = '=';
            rep[1] = hex[c >> 4];
            rep[2] = hex[c & 15];
        }
        mbuf_put(out, rep, len);
        col += len;
    }
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
