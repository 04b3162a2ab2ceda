/*
 * mime_int.h - what the codec's files share and nobody outside uses: the arena, the growable
 * byte buffer, the transfer encodings, charset helpers, encoded words, header blocks,
 * parameters, addresses and dates.
 *
 * Two habits hold everywhere: (1) errors are sticky - a buffer or arena that failed once stays
 * failed and the caller checks its status once at the end; (2) input is (pointer, length), never
 * assumed NUL-terminated, because parts are slices of the message.
 */
#ifndef TANDEM_MIME_INT_H
#define TANDEM_MIME_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "mime.h"

/* ---- arena (arena.c) ------------------------------------------------------------------ */

struct mime_arena {
    struct arena_block *blocks;
    char *cur;          /* free space of the current small-object block */
    size_t left;
    size_t used;        /* bytes charged against limit */
    size_t limit;
    int status;         /* MIME_OK until an allocation fails */
};

struct mime_arena *arena_new(size_t limit);
void arena_free(struct mime_arena *a);
/* n bytes, 16-aligned, zeroed. NULL (and a->status set) when out of memory or past the limit. */
void *arena_alloc(struct mime_arena *a, size_t n);
/* A NUL-terminated copy of n bytes (which may contain NUL). */
char *arena_strndup(struct mime_arena *a, const char *s, size_t n);
char *arena_strdup(struct mime_arena *a, const char *s);
/* Grows *array (elements of size `size`) so that `need` elements fit; doubles, the old block
 * stays in the arena (waste bounded by the final size). */
int arena_grow(struct mime_arena *a, void **array, size_t *capacity, size_t need, size_t size);

/* ---- byte buffer (buf.c) -------------------------------------------------------------- */

typedef struct mbuf {
    char *data;         /* malloc'ed, always NUL-terminated when non-NULL */
    size_t len, cap;
    size_t limit;       /* len never exceeds it */
    int status;         /* MIME_OK, MIME_E_NOMEM or MIME_E_TOO_LARGE; sticky */
} mbuf;

void mbuf_init(mbuf *b, size_t limit);
void mbuf_free(mbuf *b);
void mbuf_reset(mbuf *b);
void mbuf_put(mbuf *b, const void *p, size_t n);
void mbuf_putc(mbuf *b, int c);
void mbuf_puts(mbuf *b, const char *s);
void mbuf_printf(mbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends the code point as UTF-8 (U+FFFD for invalid ones). */
void mbuf_put_utf8(mbuf *b, uint32_t cp);

/* ---- transfer encodings (codec.c) ------------------------------------------------------ */

/* Tolerant base64: skips everything outside the alphabet, ignores padding, keeps the whole
 * bytes of a truncated last group (what mainstream readers do with bad padding). */
void b64_decode(const char *in, size_t n, mbuf *out);
/* Base64 in lines of MIME_LINE_SOFT characters, each ended by CRLF. */
void b64_encode_lines(const void *in, size_t n, mbuf *out);
/* Base64 without line breaks (encoded words). */
void b64_encode(const void *in, size_t n, mbuf *out);
size_t b64_encoded_len(size_t n);
/* Tolerant quoted-printable: soft breaks removed, hard breaks become CRLF, trailing
 * whitespace dropped, a malformed "=" kept literally. */
void qp_decode(const char *in, size_t n, mbuf *out);
/* Quoted-printable body, lines within MIME_LINE_SOFT. Every CR and LF that is not part of a CRLF
 * pair is encoded, so the exact bytes come back. */
void qp_encode(const void *in, size_t n, mbuf *out);

/* ---- charsets (charset.c) ------------------------------------------------------------- */

struct parse_ctx;

int utf8_valid(const char *s, size_t n);
/* Appends s as UTF-8, invalid sequences replaced by U+FFFD. */
void utf8_sanitize(const char *s, size_t n, mbuf *out);
void cp1252_to_utf8(const char *s, size_t n, mbuf *out);
/* Raw header text: UTF-8 when it is valid UTF-8, else windows-1252 (tolerant reading). */
void raw_to_utf8(const char *s, size_t n, mbuf *out);
/* Converts n bytes in charset (NULL or empty: us-ascii) to UTF-8, with the caller's converter
 * for charsets the core does not know; an unknown charset falls back to raw_to_utf8. */
void charset_to_utf8(const mime_parse_options *opt, const char *charset, const char *in,
                     size_t n, mbuf *out);
/* Case-insensitive ASCII comparisons. */
int ascii_casecmp(const char *a, const char *b);
int ascii_ncaseeq(const char *a, size_t alen, const char *b); /* a[0..alen) equals b */
char ascii_lower(char c);

/* ---- encoded words (rfc2047.c) --------------------------------------------------------- */

/* Decodes a header value (unfolded) to UTF-8: encoded words (B and Q, adjacent words joined,
 * multi-byte characters split across words rejoined) and raw text (raw_to_utf8). */
void ew_decode(const mime_parse_options *opt, const char *in, size_t n, mbuf *out);

/* Header folding state of the writer: a line is never longer than MIME_LINE_HARD and, where a
 * break is possible, not longer than MIME_FOLD_AT. */
typedef struct hdr_writer {
    mbuf *out;
    size_t col;         /* characters on the current line */
    size_t start;       /* col after the field name; 0 on continuation lines */
} hdr_writer;

void hw_start(hdr_writer *w, mbuf *out, const char *name);   /* "Name:" */
/* A token that must not be split; a fold (CRLF SP) precedes it when it would pass the fold
 * column and space is true (space: the token follows whitespace). */
void hw_token(hdr_writer *w, const char *tok, size_t n, int space);
void hw_end(hdr_writer *w);                                  /* CRLF */
void hw_fold(hdr_writer *w);                                 /* CRLF; the next token starts the line */
/* Writes text as encoded words (UTF-8, B or Q by content), each within MIME_LINE_SOFT, folded
 * between words. `phrase`: the words stand in a display name (RFC 2047 5(3) character set). */
void ew_encode(hdr_writer *w, const char *text, size_t n, int phrase);
/* Unstructured text (Subject): plain words when they are plain ASCII, else encoded words. */
void hw_unstructured(hdr_writer *w, const char *text, size_t n);

/* ---- header blocks and parameters (header.c) ------------------------------------------ */

typedef struct hfield {
    const char *name;   /* slice of the input */
    size_t name_len;
    const char *value;  /* slice of the input, still folded, leading WSP skipped */
    size_t value_len;
} hfield;

typedef struct hblock {
    hfield *fields;
    size_t count;
    const char *raw;    /* the header block without the empty line */
    size_t raw_len;
    const char *body;   /* what follows the empty line */
    size_t body_len;
} hblock;

/* Splits an entity into header fields and body; the fields array comes from `scratch`. */
int header_split(struct mime_arena *scratch, const char *data, size_t len, hblock *out);
/* First field with this name (case-insensitive), NULL when none. */
const hfield *header_find(const hblock *h, const char *name);
/* The unfolded value: CR and LF removed, outer whitespace trimmed (arena string). */
char *header_unfold(struct mime_arena *scratch, const char *v, size_t n);

typedef struct mparam {
    char *name;         /* lower case */
    char *value;        /* UTF-8 (RFC 2231 charset and RFC 2047 words decoded) */
} mparam;

typedef struct mheader_value {
    char *value;        /* lower-cased first token ("text/plain", "attachment") */
    mparam *params;
    size_t param_count;
} mheader_value;

/* Parses "token; name=value; name*0*=..." (Content-Type, Content-Disposition). */
void header_parse_params(struct mime_arena *scratch, const mime_parse_options *opt,
                         const char *v, size_t n, mheader_value *out);
const char *header_param(const mheader_value *h, const char *name);

/* "type/subtype" of RFC 2045 token characters, at most 127 long. The parser takes anything
 * else as the default type and the writer as application/octet-stream, so both agree. */
int mime_type_valid(const char *t);

/* `name` cut to MIME_MAX_FILENAME bytes at a UTF-8 character boundary, a final extension of up
 * to 16 bytes kept: `name` itself when it fits, else `out`. The parser keeps and the writer
 * writes file names through it, so a name read is always a name the writer can write. */
const char *mime_filename_fit(const char *name, char out[MIME_MAX_FILENAME + 1]);

/* Skips whitespace and RFC 5322 comments (nested, bounded); returns the new position. */
size_t skip_cfws(const char *s, size_t n, size_t i);

/* ---- addresses (address.c) ------------------------------------------------------------ */

/* Parses an address-list (groups, comments, obsolete routes, encoded words, missing brackets)
 * and appends each mailbox to list. */
int address_parse_list(mime_message *msg, const mime_parse_options *opt, const char *v,
                       size_t n, mime_address_list *list);
/* Writes "Name: addr, addr" folded. */
int address_write_list(hdr_writer *w, const mime_address *items, size_t count);

/* ---- misc ------------------------------------------------------------------------------ */

/* Replaces CR, LF and CRLF by one space and removes NUL: a decoded header value can then
 * never start a header line or a part when written again. In place; returns the new length. */
size_t sanitize_field(char *s, size_t n);
/* RFC 5322 date-time, UTC, from a FILETIME. */
void date_format(int64_t filetime, mbuf *out);

#endif
