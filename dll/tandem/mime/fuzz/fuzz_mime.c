/*
 * fuzz_mime.c - libFuzzer target of the codec (issue 5, point 3): arbitrary bytes are parsed;
 * whatever parses is written, the output is checked against the writer's promises (CRLF only,
 * lines within MIME_LINE_HARD) and parsed again, and the key fields of both models must agree.
 * A disagreement aborts, so the fuzzer reports it like a crash.
 *
 * Build and run: run.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

#define EXPECT(cond, what) \
    do { if (!(cond)) { fprintf(stderr, "round trip: %s\n", what); abort(); } } while (0)

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    /* NULL and empty are one thing for a body: the writer writes an empty part for none. */
    return al == bl && (!al || !memcmp(a, b, al));
}

/* Entries with an address: the writer drops name-only ones. */
static void compare_list(const mime_address_list *a, const mime_address_list *b)
{
    size_t i, k = 0;

    for (i = 0; i < a->count; i++) {
        if (!a->items[i].address || !*a->items[i].address)
            continue;
        EXPECT(k < b->count, "address count");
        EXPECT(same_str(a->items[i].address, b->items[k].address), "address");
        EXPECT(same_str(a->items[i].name, b->items[k].name), "display name");
        k++;
    }
    EXPECT(k == b->count, "address count");
}

/* The writer puts the parts of multipart/related (inline, with a Content-ID, beside an HTML
 * body) before the other attachments; the index of a's attachment that comes i-th. */
static int goes_related(const mime_message *m, const mime_attachment *x)
{
    return m->body_html && x->content_id && *x->content_id && !x->message &&
           x->disposition == MIME_DISPOSITION_INLINE;
}

static size_t written_order(const mime_message *m, size_t i)
{
    size_t k, seen = 0;
    int pass;

    for (pass = 1; pass >= 0; pass--)
        for (k = 0; k < m->attachment_count; k++)
            if (goes_related(m, &m->attachments[k]) == pass && seen++ == i)
                return k;
    return i;
}

static void compare(const mime_message *a, const mime_message *b, int root)
{
    size_t i;

    EXPECT(same_str(a->subject ? a->subject : "", b->subject ? b->subject : ""), "subject");
    if (a->from.address && *a->from.address) {
        EXPECT(same_str(a->from.address, b->from.address), "from address");
        EXPECT(same_str(a->from.name, b->from.name), "from name");
    }
    compare_list(&a->to, &b->to);
    compare_list(&a->cc, &b->cc);
    compare_list(&a->reply_to, &b->reply_to);
    EXPECT(a->date == b->date, "date");
    if (a->message_id || !root)
        EXPECT(same_str(a->message_id, b->message_id), "message id");
    EXPECT(same_str(a->in_reply_to, b->in_reply_to), "in-reply-to");
    EXPECT(same_str(a->references, b->references), "references");
    EXPECT(a->importance == b->importance, "importance");
    EXPECT(a->priority == b->priority, "priority");
    EXPECT((a->sensitivity == MIME_SENSITIVITY_NONE ? MIME_UNSET : a->sensitivity) ==
               b->sensitivity, "sensitivity");
    EXPECT(same_bytes(a->body_text, a->body_text_len, b->body_text, b->body_text_len) ||
               (!a->body_text && !a->body_html), "text body");
    EXPECT(same_bytes(a->body_html, a->body_html_len, b->body_html, b->body_html_len), "html body");
    EXPECT(a->attachment_count == b->attachment_count, "attachment count");
    for (i = 0; i < a->attachment_count; i++) {
        const mime_attachment *x = &a->attachments[written_order(a, i)], *y = &b->attachments[i];
        EXPECT(same_str(x->filename, y->filename), "file name");
        EXPECT(same_str(x->content_id, y->content_id), "content id");
        EXPECT(x->disposition == y->disposition, "disposition");
        EXPECT(!x->message == !y->message, "embedded");
        if (x->message) {
            compare(x->message, y->message, 0);
        } else {
            EXPECT(same_str(x->mime_type, y->mime_type), "mime type");
            EXPECT(x->size == y->size && (!x->size || !memcmp(x->data, y->data, x->size)),
                   "attachment bytes");
        }
    }
}

/* CRLF line ends only, no line past MIME_LINE_HARD. */
static void check_output(const char *s, size_t n)
{
    size_t i, col = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '\r') {
            EXPECT(i + 1 < n && s[i + 1] == '\n', "bare CR in output");
            i++;
            col = 0;
            continue;
        }
        EXPECT(s[i] != '\n', "bare LF in output");
        EXPECT(s[i] != 0, "NUL in output");
        EXPECT(++col <= MIME_LINE_HARD, "line too long in output");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mime_parse_options popt = { mime_default_charset(), NULL };
    mime_write_options wopt = { 1, NULL };
    mime_message *m = NULL, *again = NULL;
    char *out = NULL;
    size_t n;
    int rc;

    if (mime_parse(data, size, &popt, &m))
        return 0;
    rc = mime_write(m, &wopt, &out, &n);
    /* A parsed model is writable unless a limit is hit on the way out (the writer may need a
     * part more than the input had, e.g. an empty body part). */
    EXPECT(rc == MIME_OK || rc == MIME_E_TOO_MANY_PARTS || rc == MIME_E_TOO_LARGE ||
           rc == MIME_E_TOO_DEEP, "write of a parsed message failed");
    if (rc == MIME_OK) {
        check_output(out, n);
        rc = mime_parse(out, n, &popt, &again);
        EXPECT(rc == MIME_OK || rc == MIME_E_TOO_MANY_PARTS, "our own output does not parse");
        if (rc == MIME_OK)
            compare(m, again, 1);
    }
    free(out);
    mime_message_free(again);
    mime_message_free(m);
    return 0;
}
