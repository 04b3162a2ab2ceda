/*
 * cmd_mime.c - `tandem mime parse` and `tandem mime write` (issue 5, point 6): the codec's
 * model as JSON, both ways, so people and scripts can see and make what the transport sends.
 *
 * The JSON shape is the issue's, plus the model's other fields (sender, reply_to, bcc,
 * in_reply_to, references, importance, priority, sensitivity, read_receipt, subject prefix,
 * received, attachment disposition, the embedded message itself). `parse --data` adds each
 * attachment's bytes as "data_base64", so `parse --data` output is valid `write` input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mime.h"
#include "sha256.h"
#include "tandem.h"

/* JSON input may carry base64 of a MIME_MAX_MESSAGE message and more: 4/3 plus escapes. */
#define JSON_INPUT_LIMIT (4u * MIME_MAX_MESSAGE)

/* ---- model -> JSON --------------------------------------------------------------------------- */

static void put_address(json_writer *w, const mime_address *a)
{
    jw_begin_object(w);
    jw_key(w, "name");
    jw_cstring(w, a->name ? a->name : "");
    jw_key(w, "address");
    jw_cstring(w, a->address ? a->address : "");
    jw_end_object(w);
}

static void put_list(json_writer *w, const char *key, const mime_address_list *l)
{
    size_t i;

    jw_key(w, key);
    jw_begin_array(w);
    for (i = 0; i < l->count; i++)
        put_address(w, &l->items[i]);
    jw_end_array(w);
}

static void put_date(json_writer *w, const char *key, int64_t ft)
{
    mime_datetime dt;
    char s[32];

    jw_key(w, key);
    if (!ft) {
        jw_null(w);
        return;
    }
    mime_datetime_from_filetime(ft, &dt);
    snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02dZ", dt.year, dt.month, dt.day, dt.hour,
             dt.minute, dt.second);
    jw_cstring(w, s);
}

static const char *const importance_names[] = { "low", "normal", "high" };
static const char *const priority_names[] = { "non-urgent", "normal", "urgent" };
static const char *const sensitivity_names[] = { "none", "personal", "private", "confidential" };

static void put_enum(json_writer *w, const char *key, int v, int base, const char *const *names,
                     int count)
{
    jw_key(w, key);
    if (v == MIME_UNSET || v - base < 0 || v - base >= count)
        jw_null(w);
    else
        jw_cstring(w, names[v - base]);
}

static int put_message(json_writer *w, const mime_message *m, int with_data);

static int put_attachment(json_writer *w, const mime_attachment *a, int with_data)
{
    char hex[65];

    jw_begin_object(w);
    jw_key(w, "filename");
    jw_cstring(w, a->filename);
    jw_key(w, "mime_type");
    jw_cstring(w, a->mime_type ? a->mime_type : "application/octet-stream");
    jw_key(w, "content_id");
    jw_cstring(w, a->content_id);
    jw_key(w, "disposition");
    jw_cstring(w, a->disposition == MIME_DISPOSITION_INLINE ? "inline" : "attachment");
    jw_key(w, "size");
    jw_int(w, (long long)a->size);
    sha256_hex(a->data ? (const void *)a->data : "", a->size, hex);
    jw_key(w, "sha256");
    jw_cstring(w, hex);
    jw_key(w, "embedded");
    jw_bool(w, a->message != NULL);
    if (with_data && !a->message) {
        char *b64;
        size_t n;
        if (mime_base64_encode(a->data ? (const void *)a->data : "", a->size, &b64, &n))
            return -1;
        jw_key(w, "data_base64");
        jw_string(w, b64, n);
        free(b64);
    }
    if (a->message) {
        jw_key(w, "message");
        if (put_message(w, a->message, with_data))
            return -1;
    }
    jw_end_object(w);
    return 0;
}

static int put_message(json_writer *w, const mime_message *m, int with_data)
{
    size_t i;

    jw_begin_object(w);
    jw_key(w, "subject");
    jw_cstring(w, m->subject ? m->subject : "");
    jw_key(w, "subject_prefix");
    jw_cstring(w, m->subject_prefix ? m->subject_prefix : "");
    jw_key(w, "normalized_subject");
    jw_cstring(w, m->normalized_subject ? m->normalized_subject : "");
    jw_key(w, "from");
    put_address(w, &m->from);
    jw_key(w, "sender");
    if (m->sender.address || m->sender.name)
        put_address(w, &m->sender);
    else
        jw_null(w);
    put_list(w, "reply_to", &m->reply_to);
    put_list(w, "to", &m->to);
    put_list(w, "cc", &m->cc);
    put_list(w, "bcc", &m->bcc);
    put_date(w, "date", m->date);
    put_date(w, "received", m->received);
    jw_key(w, "message_id");
    jw_cstring(w, m->message_id ? m->message_id : "");
    jw_key(w, "in_reply_to");
    jw_cstring(w, m->in_reply_to);
    jw_key(w, "references");
    jw_cstring(w, m->references);
    put_enum(w, "importance", m->importance, MIME_IMPORTANCE_LOW, importance_names, 3);
    put_enum(w, "priority", m->priority, MIME_PRIORITY_NONURGENT, priority_names, 3);
    put_enum(w, "sensitivity", m->sensitivity, MIME_SENSITIVITY_NONE, sensitivity_names, 4);
    jw_key(w, "read_receipt");
    jw_bool(w, m->read_receipt);
    jw_key(w, "body_text");
    jw_string(w, m->body_text, m->body_text_len);
    jw_key(w, "body_html");
    jw_string(w, m->body_html, m->body_html_len);
    jw_key(w, "attachments");
    jw_begin_array(w);
    for (i = 0; i < m->attachment_count; i++)
        if (put_attachment(w, &m->attachments[i], with_data))
            return -1;
    jw_end_array(w);
    jw_end_object(w);
    return 0;
}

static int run_parse(int argc, char **argv)
{
    const char *path = NULL;
    int with_data = 0, i, rc;
    mime_parse_options opt = { mime_default_charset(), NULL };
    mime_message *msg;
    char err[256], *data;
    size_t len;
    strbuf out = { 0 };
    json_writer w = { &out, 0, { 0 }, 0 };

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data"))
            with_data = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            error_line("mime parse: unknown option '%s'", argv[i]);
            return EXIT_USAGE;
        } else if (!path)
            path = argv[i];
        else {
            error_line("mime parse: one file only");
            return EXIT_USAGE;
        }
    }
    if (!path) {
        error_line("mime parse: missing FILE.eml (see 'tandem mime parse --help')");
        return EXIT_USAGE;
    }
    if (read_file(path, MIME_MAX_MESSAGE + 1, &data, &len, err, sizeof(err))) {
        error_line("mime parse: cannot read '%s': %s", path, err);
        return EXIT_FAILED;
    }
    rc = mime_parse(data, len, &opt, &msg);
    free(data);
    if (rc) {
        error_line("mime parse: '%s': %s", path, mime_strerror(rc));
        return EXIT_FAILED;
    }
    rc = put_message(&w, msg, with_data);
    mime_message_free(msg);
    sb_put(&out, "\n", 1);
    if (rc || out.failed || write_stdout(out.data, out.len)) {
        error_line("mime parse: %s", rc || out.failed ? "out of memory" : "cannot write output");
        sb_free(&out);
        return EXIT_FAILED;
    }
    sb_free(&out);
    return EXIT_OK;
}

/* ---- JSON -> model ----------------------------------------------------------------------------- */

typedef struct input {
    const char *path;
    char err[256];
} input;

static int bad(input *in, const char *what, const char *key)
{
    snprintf(in->err, sizeof(in->err), "\"%s\" %s", key, what);
    return -1;
}

/* A string member: *out NULL when absent or null; -1 when of another type. */
static int get_string(input *in, const json_value *o, const char *key, const char **out,
                      size_t *len)
{
    const json_value *v = json_get(o, key);

    *out = NULL;
    if (len)
        *len = 0;
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_STRING)
        return bad(in, "must be a string", key);
    *out = v->string;
    if (len)
        *len = v->string_len;
    return 0;
}

static int get_address(input *in, mime_message *m, const json_value *v, const char *key,
                       mime_address *dst, mime_address_list *list)
{
    const char *name, *addr;

    if (v->type != JSON_OBJECT)
        return bad(in, "must hold {\"name\", \"address\"} objects", key);
    if (get_string(in, v, "name", &name, NULL) || get_string(in, v, "address", &addr, NULL))
        return -1;
    if (name && !*name)
        name = NULL;
    if (list)
        return mime_add_address(m, list, name, addr) ? bad(in, "out of memory", key) : 0;
    return mime_set_address(m, dst, name, addr) ? bad(in, "out of memory", key) : 0;
}

static int get_list(input *in, mime_message *m, const json_value *o, const char *key,
                    mime_address_list *list)
{
    const json_value *v = json_get(o, key);
    size_t i;

    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_ARRAY)
        return bad(in, "must be an array", key);
    for (i = 0; i < v->count; i++)
        if (get_address(in, m, &v->items[i], key, NULL, list))
            return -1;
    return 0;
}

/* "2024-01-31T12:00:00Z", fractions and "+hh:mm" offsets accepted. */
static int get_date(input *in, const json_value *o, const char *key, int64_t *out)
{
    const char *s;
    mime_datetime dt = { 0 };
    int off_h = 0, off_m = 0, n = 0;
    char sign = 0;

    *out = 0;
    if (get_string(in, o, key, &s, NULL) || !s)
        return s ? 0 : (json_get(o, key) && json_get(o, key)->type != JSON_NULL ? -1 : 0);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &dt.year, &dt.month, &dt.day, &dt.hour,
               &dt.minute, &dt.second, &n) != 6)
        return bad(in, "must be an ISO 8601 date (2024-01-31T12:00:00Z)", key);
    s += n;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    if (*s == '+' || *s == '-') {
        sign = *s;
        if (sscanf(s + 1, "%2d:%2d", &off_h, &off_m) != 2)
            return bad(in, "has a bad UTC offset", key);
        s += 6;
    } else if (*s == 'Z' || *s == 'z') {
        s++;
    }
    if (*s || !(*out = mime_filetime_from_datetime(&dt)))
        return bad(in, "is not a valid date", key);
    *out -= (sign == '-' ? -1 : sign ? 1 : 0) * (int64_t)(off_h * 60 + off_m) * 600000000LL;
    return 0;
}

static int get_enum(input *in, const json_value *o, const char *key, const char *const *names,
                    int count, int base, int *out)
{
    const char *s;
    int i;

    if (get_string(in, o, key, &s, NULL))
        return -1;
    if (!s)
        return 0;
    for (i = 0; i < count; i++)
        if (!strcmp(s, names[i])) {
            *out = base + i;
            return 0;
        }
    return bad(in, "has an unknown value", key);
}

static int get_message(input *in, mime_message *m, const json_value *o, int depth);

static int get_attachment(input *in, mime_message *m, const json_value *o, int depth)
{
    mime_attachment *a = mime_add_attachment(m);
    const char *filename, *type, *cid, *disp, *b64;
    size_t b64_len;
    const json_value *inner = json_get(o, "message"), *emb = json_get(o, "embedded");

    if (!a)
        return bad(in, "out of memory", "attachments");
    if (o->type != JSON_OBJECT)
        return bad(in, "must hold objects", "attachments");
    if (get_string(in, o, "filename", &filename, NULL) ||
        get_string(in, o, "mime_type", &type, NULL) ||
        get_string(in, o, "content_id", &cid, NULL) ||
        get_string(in, o, "disposition", &disp, NULL) ||
        get_string(in, o, "data_base64", &b64, &b64_len))
        return -1;
    if (disp && strcmp(disp, "inline") && strcmp(disp, "attachment"))
        return bad(in, "must be \"inline\" or \"attachment\"", "disposition");
    a->disposition = (disp ? !strcmp(disp, "inline") : cid != NULL) ? MIME_DISPOSITION_INLINE
                                                                      : MIME_DISPOSITION_ATTACHMENT;
    if (mime_set_string(m, &a->filename, filename) || mime_set_string(m, &a->content_id, cid))
        return bad(in, "out of memory", "attachments");
    if (inner && inner->type != JSON_NULL) {
        mime_message *nested;
        if (inner->type != JSON_OBJECT)
            return bad(in, "must be an object", "message");
        if (depth >= MIME_MAX_DEPTH)
            return bad(in, "is nested too deeply", "message");
        if (!(nested = mime_attachment_new_message(m, a)))
            return bad(in, "out of memory", "message");
        if (mime_set_string(m, &a->mime_type, "message/rfc822"))
            return bad(in, "out of memory", "attachments");
        return get_message(in, nested, inner, depth + 1);
    }
    if (emb && emb->type == JSON_TRUE)
        return bad(in, "needs a \"message\" object when \"embedded\" is true", "attachments");
    if (!b64)
        return bad(in, "needs \"data_base64\" (or \"message\")", "attachments");
    {
        unsigned char *data;
        size_t n;
        int rc = mime_base64_decode(b64, b64_len, &data, &n);
        if (rc)
            return bad(in, "is not valid base64", "data_base64");
        rc = mime_set_attachment_data(m, a, data, n);
        free(data);
        if (rc)
            return bad(in, mime_strerror(rc), "data_base64");
    }
    if (mime_set_string(m, &a->mime_type, type ? type : "application/octet-stream"))
        return bad(in, "out of memory", "attachments");
    return 0;
}

static int get_message(input *in, mime_message *m, const json_value *o, int depth)
{
    const char *subject, *mid, *irt, *refs, *text, *html;
    size_t text_len, html_len, i;
    const json_value *v;

    if (o->type != JSON_OBJECT)
        return bad(in, "must be an object", "message");
    if (get_string(in, o, "subject", &subject, NULL) ||
        get_string(in, o, "message_id", &mid, NULL) ||
        get_string(in, o, "in_reply_to", &irt, NULL) ||
        get_string(in, o, "references", &refs, NULL) ||
        get_string(in, o, "body_text", &text, &text_len) ||
        get_string(in, o, "body_html", &html, &html_len))
        return -1;
    if ((subject && mime_set_subject(m, subject)) ||
        (mid && *mid && mime_set_string(m, &m->message_id, mid)) ||
        (irt && *irt && mime_set_string(m, &m->in_reply_to, irt)) ||
        (refs && *refs && mime_set_string(m, &m->references, refs)) ||
        mime_set_bytes(m, &m->body_text, &m->body_text_len, text, text_len) ||
        mime_set_bytes(m, &m->body_html, &m->body_html_len, html, html_len))
        return bad(in, "out of memory", "message");
    if ((v = json_get(o, "from")) && v->type != JSON_NULL &&
        get_address(in, m, v, "from", &m->from, NULL))
        return -1;
    if ((v = json_get(o, "sender")) && v->type != JSON_NULL &&
        get_address(in, m, v, "sender", &m->sender, NULL))
        return -1;
    if ((v = json_get(o, "receipt_to")) && v->type != JSON_NULL &&
        get_address(in, m, v, "receipt_to", &m->receipt_to, NULL))
        return -1;
    if (get_list(in, m, o, "reply_to", &m->reply_to) || get_list(in, m, o, "to", &m->to) ||
        get_list(in, m, o, "cc", &m->cc) || get_list(in, m, o, "bcc", &m->bcc) ||
        get_date(in, o, "date", &m->date) ||
        get_enum(in, o, "importance", importance_names, 3, MIME_IMPORTANCE_LOW, &m->importance) ||
        get_enum(in, o, "priority", priority_names, 3, MIME_PRIORITY_NONURGENT, &m->priority) ||
        get_enum(in, o, "sensitivity", sensitivity_names, 4, MIME_SENSITIVITY_NONE,
                 &m->sensitivity))
        return -1;
    if ((v = json_get(o, "read_receipt")) && v->type != JSON_NULL) {
        if (v->type != JSON_TRUE && v->type != JSON_FALSE)
            return bad(in, "must be true or false", "read_receipt");
        m->read_receipt = v->type == JSON_TRUE;
    }
    if ((v = json_get(o, "attachments")) && v->type != JSON_NULL) {
        if (v->type != JSON_ARRAY)
            return bad(in, "must be an array", "attachments");
        for (i = 0; i < v->count; i++)
            if (get_attachment(in, m, &v->items[i], depth))
                return -1;
    }
    return 0;
}

static int run_write(int argc, char **argv)
{
    input in = { NULL, "" };
    char err[256], *text, *out;
    size_t len, out_len;
    json_value *root;
    mime_message *msg;
    mime_write_options opt = { run_unique(), NULL };
    int i, rc;

    for (i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            error_line("mime write: unknown option '%s'", argv[i]);
            return EXIT_USAGE;
        }
        if (in.path) {
            error_line("mime write: one file only");
            return EXIT_USAGE;
        }
        in.path = argv[i];
    }
    if (!in.path) {
        error_line("mime write: missing FILE.json (see 'tandem mime write --help')");
        return EXIT_USAGE;
    }
    if (read_file(in.path, JSON_INPUT_LIMIT, &text, &len, err, sizeof(err))) {
        error_line("mime write: cannot read '%s': %s", in.path, err);
        return EXIT_FAILED;
    }
    root = json_parse(text, len, err, sizeof(err));
    free(text);
    if (!root) {
        error_line("mime write: '%s': invalid JSON: %s", in.path, err);
        return EXIT_FAILED;
    }
    if (!(msg = mime_message_new())) {
        json_free(root);
        error_line("mime write: out of memory");
        return EXIT_FAILED;
    }
    rc = get_message(&in, msg, root, 0);
    json_free(root);
    if (!rc && !msg->date)
        msg->date = mime_filetime_from_unix(now_unix());   /* RFC 5322 requires a Date */
    if (rc) {
        mime_message_free(msg);
        error_line("mime write: '%s': %s", in.path, in.err);
        return EXIT_FAILED;
    }
    rc = mime_write(msg, &opt, &out, &out_len);
    mime_message_free(msg);
    if (rc) {
        error_line("mime write: '%s': %s", in.path, mime_strerror(rc));
        return EXIT_FAILED;
    }
    rc = write_stdout(out, out_len);
    free(out);
    if (rc) {
        error_line("mime write: cannot write output");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

/* ---- the command entries --------------------------------------------------------------------- */

static const command parse_command = {
    "parse", "print an RFC 5322 message as one JSON object",
    "usage: tandem mime parse [--data] FILE.eml\n"
    "\n"
    "Reads FILE.eml (CRLF or LF line ends, any charset) and prints one JSON object:\n"
    "  {\"subject\", \"from\": {\"name\", \"address\"}, \"to\": [...], \"cc\": [...],\n"
    "   \"date\": \"ISO 8601 UTC\" | null, \"message_id\", \"body_text\" | null,\n"
    "   \"body_html\" | null, \"attachments\": [{\"filename\", \"mime_type\", \"content_id\",\n"
    "   \"disposition\", \"size\", \"sha256\", \"embedded\", \"message\" (when embedded)}], ...}\n"
    "plus sender, reply_to, bcc, received, in_reply_to, references, importance, priority,\n"
    "sensitivity, read_receipt, subject_prefix, normalized_subject.\n"
    "  --data   add each attachment's bytes as \"data_base64\" (valid 'mime write' input)",
    run_parse, NULL,
};

static const command write_command = {
    "write", "print RFC 5322 made from a JSON object",
    "usage: tandem mime write FILE.json\n"
    "\n"
    "Reads the shape 'tandem mime parse' prints (attachment bytes as \"data_base64\", an\n"
    "embedded message as \"message\": {...}) and prints the message with CRLF line ends.\n"
    "Missing \"date\" means now; missing \"message_id\" creates one. Bcc is never written.",
    run_write, NULL,
};

static const command *const mime_children[] = { &parse_command, &write_command, NULL };

const command mime_command = {
    "mime", "Internet mail (RFC 5322 / MIME) conversion",
    "usage: tandem mime <parse|write> [<args>]",
    NULL, mime_children,
};
