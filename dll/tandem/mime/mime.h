/*
 * mime.h - Tandem's Internet-mail codec: the message model and the RFC 5322 / MIME parser and
 * writer over it (RFC 5322, RFC 2045-2047, RFC 2183, RFC 2231, RFC 2387, RFC 3798).
 *
 * Portable C11: no Windows header is needed, so the byte-level code also builds natively and
 * is fuzzed there (fuzz/). The MAPI layer maps IMessage <-> mime_message; the model therefore
 * holds exactly what that mapping needs and nothing MIME-structural (boundaries, encodings):
 *
 *   - every string is UTF-8 and NUL-terminated; NULL means "absent" (not "empty");
 *   - dates are FILETIME-compatible: 100-ns intervals since 1601-01-01 UTC, 0 = absent;
 *   - importance / priority / sensitivity use MAPI's numeric values (PR_IMPORTANCE,
 *     PR_PRIORITY, PR_SENSITIVITY) or MIME_UNSET;
 *   - text bodies use CRLF line ends and contain no NUL (PR_BODY_W semantics);
 *   - attachment bytes are exact (never converted);
 *   - an embedded message (message/rfc822) is a nested mime_message.
 *
 * Memory: a message owns an arena; everything reachable from it (strings, arrays, attachments,
 * nested messages) lives in that arena and goes with one mime_message_free() of the root.
 * The arena is bounded (MIME_MAX_MODEL_BYTES): a parse or a setter past it fails cleanly.
 *
 * Errors are plain negative ints (enum mime_status); mime_hresult() (Windows only,
 * mime_hresult.c) turns them into MAPI's HRESULTs.
 */
#ifndef TANDEM_MIME_H
#define TANDEM_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "mime_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mime_status {
    MIME_OK = 0,
    MIME_E_NOMEM = -1,            /* malloc failed */
    MIME_E_INVALID_ARG = -2,      /* caller error, or a model value the writer cannot express */
    MIME_E_TOO_LARGE = -3,        /* message or model past MIME_MAX_MESSAGE / _MODEL_BYTES */
    MIME_E_TOO_DEEP = -4,         /* nesting past MIME_MAX_DEPTH */
    MIME_E_TOO_MANY_PARTS = -5,   /* entities past MIME_MAX_PARTS */
    MIME_E_TOO_MANY_HEADERS = -6, /* fields in one header block past MIME_MAX_HEADERS */
    MIME_E_HEADER_TOO_LARGE = -7, /* one header block past MIME_MAX_HEADER_BLOCK */
};

/* A short English description of a status, for logs and the command line. */
const char *mime_strerror(int status);

/* MAPI values (mapidefs.h), repeated so the portable core needs no Windows header. */
#define MIME_UNSET (-100)
enum mime_importance { MIME_IMPORTANCE_LOW = 0, MIME_IMPORTANCE_NORMAL = 1, MIME_IMPORTANCE_HIGH = 2 };
enum mime_priority { MIME_PRIORITY_NONURGENT = -1, MIME_PRIORITY_NORMAL = 0, MIME_PRIORITY_URGENT = 1 };
enum mime_sensitivity {
    MIME_SENSITIVITY_NONE = 0, MIME_SENSITIVITY_PERSONAL = 1, MIME_SENSITIVITY_PRIVATE = 2,
    MIME_SENSITIVITY_CONFIDENTIAL = 3
};
enum mime_disposition { MIME_DISPOSITION_ATTACHMENT = 0, MIME_DISPOSITION_INLINE = 1 };

typedef struct mime_address {
    char *name;     /* display name, NULL when the address had none */
    char *address;  /* addr-spec (local@domain), NULL for a name-only entry */
} mime_address;

typedef struct mime_address_list {
    mime_address *items;
    size_t count;
    size_t capacity;   /* internal */
} mime_address_list;

typedef struct mime_message mime_message;

typedef struct mime_attachment {
    char *filename;      /* decoded (RFC 2231 / 2047), NULL when none was given */
    char *mime_type;     /* lower case "type/subtype", never NULL after a parse */
    char *content_id;    /* without the angle brackets, NULL when none */
    int disposition;     /* enum mime_disposition */
    unsigned char *data; /* the decoded bytes; for an embedded message, the message as read */
    size_t size;
    mime_message *message; /* embedded message (message/rfc822), else NULL */
} mime_attachment;

struct mime_message {
    /* Originator and recipients (Bcc is read when present and never written). */
    mime_address from;         /* name/address NULL when there was no From */
    mime_address sender;       /* only when Sender was given */
    mime_address_list reply_to, to, cc, bcc;

    char *subject;             /* the whole subject */
    char *subject_prefix;      /* "RE: " style prefix (PR_SUBJECT_PREFIX), "" when none */
    char *normalized_subject;  /* subject without the prefix (PR_NORMALIZED_SUBJECT) */

    int64_t date;              /* Date: (PR_CLIENT_SUBMIT_TIME) */
    int64_t received;          /* newest Received: stamp (PR_MESSAGE_DELIVERY_TIME), parse only */

    char *message_id;          /* "<...>" as written, PR_INTERNET_MESSAGE_ID */
    char *in_reply_to;         /* "<...>", PR_IN_REPLY_TO_ID */
    char *references;          /* "<a> <b> ...", PR_INTERNET_REFERENCES */

    int importance;            /* enum mime_importance or MIME_UNSET */
    int priority;              /* enum mime_priority or MIME_UNSET */
    int sensitivity;           /* enum mime_sensitivity or MIME_UNSET */

    int read_receipt;          /* Disposition-Notification-To given / to be written */
    mime_address receipt_to;   /* where the notification goes; writer defaults to From */

    char *body_text;           /* text/plain, UTF-8, CRLF (PR_BODY_W); NULL when none */
    size_t body_text_len;
    char *body_html;           /* text/html converted to UTF-8 (PR_HTML with CPID 65001) */
    size_t body_html_len;

    mime_attachment *attachments;
    size_t attachment_count;
    size_t attachment_capacity; /* internal */

    char *headers;             /* the raw header block as read (PR_TRANSPORT_MESSAGE_HEADERS) */
    size_t headers_len;

    struct mime_arena *arena;  /* internal: shared by the root and its nested messages */
};

/* Charset conversion to UTF-8, pluggable so the core needs no platform API. Converts `len`
 * bytes of `in`, in `charset` (the name from the message, any case), into at most `cap` bytes
 * at `out`. Returns the number of UTF-8 bytes the whole conversion needs (call again with a
 * bigger buffer when it exceeds cap), or -1 when the charset is unknown. Invalid input
 * sequences become U+FFFD. */
typedef long (*mime_charset_fn)(void *ctx, const char *charset, const char *in, size_t len,
                                char *out, size_t cap);

typedef struct mime_parse_options {
    mime_charset_fn charset;   /* NULL: only UTF-8, US-ASCII, ISO-8859-1 and windows-1252 */
    void *charset_ctx;
} mime_parse_options;

typedef struct mime_write_options {
    /* Mixed into generated Message-IDs and boundaries; the caller passes something unique
     * (time, counter, random) so two writes of equal messages differ. */
    uint64_t unique;
    /* Domain for a generated Message-ID; NULL takes the From address's domain. */
    const char *id_domain;
} mime_write_options;

/* A new, empty message (all fields absent/MIME_UNSET). NULL when out of memory. */
mime_message *mime_message_new(void);
/* Frees a root message and everything it owns (nested messages included). NULL is fine. */
void mime_message_free(mime_message *msg);

/* Setters copy into the message's arena and sanitize nothing: the writer does that.
 * value NULL clears the field. They return MIME_OK, MIME_E_NOMEM or MIME_E_TOO_LARGE. */
int mime_set_string(mime_message *msg, char **field, const char *value);
int mime_set_bytes(mime_message *msg, char **field, size_t *len, const char *value, size_t n);
int mime_set_address(mime_message *msg, mime_address *field, const char *name, const char *address);
int mime_add_address(mime_message *msg, mime_address_list *list, const char *name,
                     const char *address);
/* Appends an attachment (all fields empty, disposition ATTACHMENT) and returns it, or NULL. */
mime_attachment *mime_add_attachment(mime_message *msg);
int mime_set_attachment_data(mime_message *msg, mime_attachment *att, const void *data, size_t n);
/* A nested message for att (in the same arena); NULL when out of memory. */
mime_message *mime_attachment_new_message(mime_message *msg, mime_attachment *att);

/* Splits subject into MAPI's prefix ("RE: ", "FW: ", at most 3 letters, a colon, spaces)
 * and the normalized rest and stores both (used by the parser; the MAPI layer may call it
 * after setting a subject). */
int mime_set_subject(mime_message *msg, const char *subject);

/* Parses an RFC 5322 message (CRLF or LF line ends, hostile input welcome) into *out.
 * Returns MIME_OK, or a negative status with *out NULL. Malformed mail is read the way
 * mainstream readers read it; only the limits of mime_limits.h turn into errors. */
int mime_parse(const void *data, size_t len, const mime_parse_options *opt, mime_message **out);

/* Writes msg as RFC 5322 / MIME with CRLF line ends. *out is malloc'ed (free()), NUL-terminated
 * for convenience, *out_len excludes the NUL. When msg has no message_id the writer creates one
 * and stores it in msg (created once, then kept by the caller). */
int mime_write(mime_message *msg, const mime_write_options *opt, char **out, size_t *out_len);

/* FILETIME (100 ns since 1601) <-> Unix seconds. */
int64_t mime_filetime_from_unix(int64_t seconds);
int64_t mime_unix_from_filetime(int64_t filetime);
/* Parses an RFC 5322 date-time (obsolete forms included); 0 when it cannot. */
int64_t mime_parse_date(const char *text, size_t len);

/* A UTC calendar time (proleptic Gregorian), for clients that print or read dates. */
typedef struct mime_datetime {
    int year, month, day, hour, minute, second;
} mime_datetime;
void mime_datetime_from_filetime(int64_t filetime, mime_datetime *out);
/* 0 when a field is out of range or the year is outside 1601..9999. */
int64_t mime_filetime_from_datetime(const mime_datetime *dt);

/* Base64 for clients (tandem.exe's JSON). The decoder is strict: characters outside the
 * alphabet, blanks and padding give MIME_E_INVALID_ARG. Results are malloc'ed. */
int mime_base64_encode(const void *in, size_t n, char **out, size_t *out_len);
int mime_base64_decode(const char *in, size_t n, unsigned char **out, size_t *out_len);

/* The native (iconv) and Windows (code page) charset converters; each exists only on its
 * platform. mime_default_charset() returns the one of the running platform. */
long mime_charset_iconv(void *ctx, const char *charset, const char *in, size_t len, char *out,
                        size_t cap);
long mime_charset_windows(void *ctx, const char *charset, const char *in, size_t len, char *out,
                          size_t cap);
mime_charset_fn mime_default_charset(void);

#ifdef _WIN32
/* Windows code page for a MIME charset name, 0 when unknown (mime_codepage.c). */
unsigned mime_codepage_from_charset(const char *charset);
/* The HRESULT for a status (mime_hresult.c): the limits are MAPI_E_CORRUPT_DATA. The return
 * type is HRESULT's (LONG) without needing <windows.h> here. */
long mime_hresult(int status);
#endif

#ifdef __cplusplus
}
#endif
#endif
