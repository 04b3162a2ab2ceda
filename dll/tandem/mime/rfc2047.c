/*
 * rfc2047.c - encoded words (RFC 2047): decoding header text to UTF-8, and encoding UTF-8 text
 * into encoded words for the writer.
 *
 * Decoding is tolerant as mainstream readers are: B and Q in any case, words inside other text,
 * whitespace between adjacent words dropped, and the bytes of adjacent words in one charset
 * joined before conversion so a multi-byte character split across two words survives. Raw 8-bit
 * text outside words is UTF-8 when valid, else windows-1252.
 * Encoding always uses UTF-8 and keeps every word within 75 characters and every line within
 * MIME_LINE_SOFT (RFC 2047 section 2), never splitting a UTF-8 character between words.
 */
#include <string.h>

#include "mime_int.h"

/* An encoded word found in the input: charset name (with any "*lang" cut), encoding, text. */
typedef struct eword {
    const char *charset;
    size_t charset_len;
    char enc;           /* 'B' or 'Q' */
    const char *text;
    size_t text_len;
    size_t end;         /* input index just past "?=" */
} eword;

/* Recognizes "=?charset?e?text?=" at in[i]. */
static int eword_at(const char *in, size_t n, size_t i, eword *w)
{
    size_t p = i + 2, q;

    if (n - i < 8 || in[i] != '=' || in[i + 1] != '?')
        return 0;
    for (q = p; q < n && in[q] != '?' && in[q] != ' ' && in[q] != '\t'; q++)
        ;
    if (q == p || q + 3 >= n || in[q] != '?' || in[q + 2] != '?')
        return 0;
    w->charset = in + p;
    w->charset_len = q - p;
    {
        const char *star = memchr(w->charset, '*', w->charset_len);
        if (star)
            w->charset_len = (size_t)(star - w->charset);   /* RFC 2231 section 5 language */
    }
    w->enc = ascii_lower(in[q + 1]) == 'b' ? 'B' : ascii_lower(in[q + 1]) == 'q' ? 'Q' : 0;
    if (!w->enc || !w->charset_len || w->charset_len > 60)
        return 0;
    p = q + 3;
    /* The text ends at the first "?=". Some encoders leave blanks inside Q text; accept. */
    for (q = p; q + 1 < n; q++)
        if (in[q] == '?' && in[q + 1] == '=')
            break;
    if (q + 1 >= n)
        return 0;
    w->text = in + p;
    w->text_len = q - p;
    w->end = q + 2;
    return 1;
}

static void q_decode(const char *s, size_t n, mbuf *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        static const char hex[] = "0123456789abcdef";
        const char *h, *l;

        if (s[i] == '_') {
            mbuf_putc(out, ' ');
        } else if (s[i] == '=' && n - i >= 3 && (h = strchr(hex, ascii_lower(s[i + 1]))) &&
                   (l = strchr(hex, ascii_lower(s[i + 2]))) && s[i + 1] && s[i + 2]) {
            mbuf_putc(out, (int)((h - hex) << 4 | (l - hex)));
            i += 2;
        } else {
            mbuf_putc(out, s[i]);
        }
    }
}

/* Converts the pending bytes of adjacent same-charset words and empties them. */
static void flush_words(const mime_parse_options *opt, char *charset, mbuf *pending, mbuf *out)
{
    if (pending->len)
        charset_to_utf8(opt, charset, pending->data, pending->len, out);
    if (pending->status && !out->status)
        out->status = pending->status;
    mbuf_reset(pending);
}

static int only_blanks(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

void ew_decode(const mime_parse_options *opt, const char *in, size_t n, mbuf *out)
{
    char charset[64] = "";
    mbuf pending;
    size_t i = 0, raw = 0;
    int after_word = 0;

    mbuf_init(&pending, out->limit);
    while (i < n && !out->status) {
        const char *hit = memchr(in + i, '=', n - i);
        eword w;

        if (!hit)
            break;
        i = (size_t)(hit - in);
        if (!eword_at(in, n, i, &w)) {
            i++;
            continue;
        }
        if (!(after_word && only_blanks(in + raw, i - raw))) {
            flush_words(opt, charset, &pending, out);
            raw_to_utf8(in + raw, i - raw, out);
        }
        if (w.charset_len >= sizeof(charset) || strlen(charset) != w.charset_len ||
            !ascii_ncaseeq(w.charset, w.charset_len, charset)) {
            flush_words(opt, charset, &pending, out);
            memcpy(charset, w.charset, w.charset_len);
            charset[w.charset_len] = 0;
        }
        if (w.enc == 'B')
            b64_decode(w.text, w.text_len, &pending);
        else
            q_decode(w.text, w.text_len, &pending);
        raw = i = w.end;
        after_word = 1;
    }
    flush_words(opt, charset, &pending, out);
    raw_to_utf8(in + raw, n - raw, out);
    mbuf_free(&pending);
}

/* ---- encoding --------------------------------------------------------------------------- */

#define EW_PREFIX "=?UTF-8?"
#define EW_OVERHEAD 12     /* "=?UTF-8?B?" + "?=" */
#define EW_MAX 75          /* RFC 2047 section 2 */

/* Characters a Q word may carry literally in a phrase (RFC 2047 5(3)); used everywhere. */
static int q_safe(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '!' || c == '*' || c == '+' || c == '-' || c == '/' || c == ' ';
}

static size_t utf8_char_len(const unsigned char *s, size_t n)
{
    size_t k = 1;

    if (s[0] >= 0xc0)
        while (k < n && k < 4 && (s[k] & 0xc0) == 0x80)
            k++;
    return k;
}

/* Bytes of text[0..n) that one word of `room` characters carries, whole characters only. */
static size_t word_take(const unsigned char *s, size_t n, int b, size_t room)
{
    size_t payload = room - EW_OVERHEAD, used = 0, take = 0;

    while (take < n) {
        size_t k = utf8_char_len(s + take, n - take), cost, j;

        if (b) {
            cost = b64_encoded_len(take + k);
            if (cost > payload)
                break;
        } else {
            for (cost = 0, j = 0; j < k; j++)
                cost += q_safe(s[take + j]) ? 1 : 3;
            if (used + cost > payload)
                break;
            used += cost;
        }
        take += k;
    }
    return take;
}

void ew_encode(hdr_writer *w, const char *text, size_t n, int phrase)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t qlen = 0, i, pos = 0;
    int b, quoted;
    mbuf word;

    for (i = 0; i < n; i++)
        qlen += q_safe(s[i]) ? 1 : 3;
    b = qlen > b64_encoded_len(n);
    /* A display name that needs several words goes inside a quoted string. RFC 2047 has
     * encoded words outside quotes only, but decoders disagree there: Python's email inserts a
     * blank between adjacent words of a phrase, while inside quotes it joins them as RFC 2047
     * joins them, and Outlook and Thunderbird read both forms (Outlook writes the quoted one).
     * A name that fits one word stays in the standard form. */
    quoted = phrase && word_take(s, n, b, EW_MAX) < n;
    mbuf_init(&word, 4 * EW_MAX);
    while (pos < n && !w->out->status) {
        /* Room on this line after the separating blank (and a quote); a new line when too
         * little is left for a useful word, or for the whole of a one-word name. */
        size_t room = w->col + 1 + quoted < MIME_LINE_SOFT ? MIME_LINE_SOFT - w->col - 1 - quoted
                                                            : 0, take;

        if (room > (size_t)(EW_MAX - quoted))
            room = (size_t)(EW_MAX - quoted);
        take = room >= EW_OVERHEAD + 12 ? word_take(s + pos, n - pos, b, room) : 0;
        if (!take || (phrase && !quoted && take < n)) {
            room = (size_t)(EW_MAX - quoted);
            take = word_take(s + pos, n - pos, b, room);
            if (!take)
                take = 1;   /* cannot happen: a 4-byte character needs 12 characters */
            hw_fold(w);     /* possibly right after "Name:" - legal, and keeps the line short */
        }
        mbuf_reset(&word);
        if (quoted && pos == 0)
            mbuf_putc(&word, '"');
        mbuf_puts(&word, b ? EW_PREFIX "B?" : EW_PREFIX "Q?");
        if (b) {
            b64_encode(s + pos, take, &word);
        } else {
            static const char hex[] = "0123456789ABCDEF";
            for (i = pos; i < pos + take; i++) {
                if (s[i] == ' ') {
                    mbuf_putc(&word, '_');
                } else if (q_safe(s[i])) {
                    mbuf_putc(&word, s[i]);
                } else {
                    char e[3] = { '=', hex[s[i] >> 4], hex[s[i] & 15] };
                    mbuf_put(&word, e, 3);
                }
            }
        }
        mbuf_puts(&word, "?=");
        if (quoted && pos + take == n)
            mbuf_putc(&word, '"');
        if (word.status) {
            w->out->status = word.status;
            break;
        }
        hw_token(w, word.data, word.len, 1);
        pos += take;
    }
    mbuf_free(&word);
}
