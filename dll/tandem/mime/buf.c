/*
 * buf.c - the growable byte buffer the parser and writer build their output in.
 *
 * Invariants: len <= limit; data (when non-NULL) is NUL-terminated at len; once status is an
 * error every further append is ignored, so callers append freely and check status once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

void mbuf_init(mbuf *b, size_t limit)
{
    memset(b, 0, sizeof(*b));
    b->limit = limit;
}

void mbuf_free(mbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void mbuf_reset(mbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

static int reserve(mbuf *b, size_t n)
{
    size_t cap;
    char *p;

    if (b->status)
        return 0;
    if (n > b->limit - b->len) {
        b->status = MIME_E_TOO_LARGE;
        return 0;
    }
    if (b->len + n + 1 <= b->cap)
        return 1;
    cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (!(p = realloc(b->data, cap))) {
        b->status = MIME_E_NOMEM;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void mbuf_put(mbuf *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void mbuf_putc(mbuf *b, int c)
{
    char ch = (char)c;

    mbuf_put(b, &ch, 1);
}

void mbuf_puts(mbuf *b, const char *s)
{
    mbuf_put(b, s, strlen(s));
}

void mbuf_printf(mbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    /* Only short, fixed formats go through here (numbers, dates). */
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        b->status = b->status ? b->status : MIME_E_INVALID_ARG;
        return;
    }
    mbuf_put(b, tmp, (size_t)n);
}

void mbuf_put_utf8(mbuf *b, uint32_t cp)
{
    char u[4];

    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        cp = 0xfffd;
    if (cp < 0x80) {
        u[0] = (char)cp;
        mbuf_put(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        mbuf_put(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        mbuf_put(b, u, 3);
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        mbuf_put(b, u, 4);
    }
}
