/*
 * fold.c - writing header fields: folding (RFC 5322 2.2.3) and unstructured text.
 *
 * The writer emits a field as tokens; this file alone decides where lines break. A break is
 * always "CRLF" inserted before the blank that precedes a token, so unfolding gives back the
 * exact text. Lines stay within MIME_LINE_SOFT (inside RFC 5322's 78) wherever a break is
 * possible; a single unbreakable token (an address, a msg-id) is bounded by MIME_MAX_TOKEN, so
 * no line comes near MIME_LINE_HARD.
 */
#include <string.h>

#include "mime_int.h"

void hw_start(hdr_writer *w, mbuf *out, const char *name)
{
    w->out = out;
    mbuf_puts(out, name);
    mbuf_putc(out, ':');
    w->col = strlen(name) + 1;
    w->start = w->col;
}

void hw_fold(hdr_writer *w)
{
    mbuf_put(w->out, "\r\n", 2);
    w->col = 0;
    w->start = 0;
}

void hw_token(hdr_writer *w, const char *tok, size_t n, int space)
{
    if (space) {
        /* Fold before the blank unless the line holds nothing but the field name: a break
         * there gains nothing. */
        if (w->col + 1 + n > MIME_LINE_SOFT && w->col > w->start)
            hw_fold(w);
        mbuf_putc(w->out, ' ');
        w->col++;
    }
    mbuf_put(w->out, tok, n);
    w->col += n;
}

void hw_end(hdr_writer *w)
{
    mbuf_put(w->out, "\r\n", 2);
    w->col = 0;
}

/* Text that can stand as plain words: printable ASCII words separated by single blanks, none
 * too long to fold, none that a reader would take for an encoded word. */
static int plain_text(const char *s, size_t n)
{
    size_t i, word = 0;

    if (!n || s[0] == ' ' || s[n - 1] == ' ')
        return n == 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 32 || c > 126)
            return 0;
        if (c == ' ') {
            if (s[i + 1] == ' ')
                return 0;
            word = 0;
        } else if (++word > MIME_LINE_SOFT - 12) {
            return 0;
        }
        if (c == '=' && i + 1 < n && s[i + 1] == '?')
            return 0;
    }
    return 1;
}

void hw_unstructured(hdr_writer *w, const char *text, size_t n)
{
    size_t i = 0;

    if (!plain_text(text, n)) {
        ew_encode(w, text, n, 0);
        return;
    }
    while (i < n) {
        const char *sp = memchr(text + i, ' ', n - i);
        size_t end = sp ? (size_t)(sp - text) : n;

        hw_token(w, text + i, end - i, 1);
        i = end + 1;
    }
}
