/*
 * model.c - the message model's life cycle and setters (the model itself is described in
 * mime.h), plus the two string rules every field shares: sanitize_field() and MAPI's subject
 * prefix split.
 *
 * Invariant: everything reachable from a root message lives in the root's arena; nested
 * messages share it, so only the root is freed.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

const char *mime_strerror(int status)
{
    switch (status) {
    case MIME_OK: return "success";
    case MIME_E_NOMEM: return "out of memory";
    case MIME_E_INVALID_ARG: return "invalid argument";
    case MIME_E_TOO_LARGE: return "message too large";
    case MIME_E_TOO_DEEP: return "message nested too deeply";
    case MIME_E_TOO_MANY_PARTS: return "too many MIME parts";
    case MIME_E_TOO_MANY_HEADERS: return "too many header fields";
    case MIME_E_HEADER_TOO_LARGE: return "header block too large";
    }
    return "unknown error";
}

static void message_init(mime_message *msg, struct mime_arena *arena)
{
    memset(msg, 0, sizeof(*msg));
    msg->arena = arena;
    msg->importance = msg->priority = msg->sensitivity = MIME_UNSET;
}

mime_message *mime_message_new(void)
{
    struct mime_arena *a = arena_new(MIME_MAX_MODEL_BYTES);
    mime_message *msg;

    if (!a)
        return NULL;
    if (!(msg = arena_alloc(a, sizeof(*msg)))) {
        arena_free(a);
        return NULL;
    }
    message_init(msg, a);
    return msg;
}

void mime_message_free(mime_message *msg)
{
    if (msg)
        arena_free(msg->arena);
}

/* The arena's status after a failed allocation (it is never MIME_OK then). */
static int failed(mime_message *msg)
{
    return msg->arena->status ? msg->arena->status : MIME_E_NOMEM;
}

int mime_set_string(mime_message *msg, char **field, const char *value)
{
    if (!value) {
        *field = NULL;
        return MIME_OK;
    }
    return (*field = arena_strdup(msg->arena, value)) ? MIME_OK : failed(msg);
}

int mime_set_bytes(mime_message *msg, char **field, size_t *len, const char *value, size_t n)
{
    if (!value) {
        *field = NULL;
        *len = 0;
        return MIME_OK;
    }
    if (!(*field = arena_strndup(msg->arena, value, n)))
        return failed(msg);
    *len = n;
    return MIME_OK;
}

int mime_set_address(mime_message *msg, mime_address *field, const char *name, const char *address)
{
    int rc = mime_set_string(msg, &field->name, name);

    return rc ? rc : mime_set_string(msg, &field->address, address);
}

int mime_add_address(mime_message *msg, mime_address_list *list, const char *name,
                     const char *address)
{
    mime_address *a;

    if (arena_grow(msg->arena, (void **)&list->items, &list->capacity, list->count + 1,
                   sizeof(*list->items)))
        return failed(msg);
    a = &list->items[list->count];
    memset(a, 0, sizeof(*a));
    if (mime_set_address(msg, a, name, address))
        return failed(msg);
    list->count++;
    return MIME_OK;
}

mime_attachment *mime_add_attachment(mime_message *msg)
{
    mime_attachment *att;

    if (arena_grow(msg->arena, (void **)&msg->attachments, &msg->attachment_capacity,
                   msg->attachment_count + 1, sizeof(*msg->attachments)))
        return NULL;
    att = &msg->attachments[msg->attachment_count++];
    memset(att, 0, sizeof(*att));
    att->disposition = MIME_DISPOSITION_ATTACHMENT;
    return att;
}

int mime_set_attachment_data(mime_message *msg, mime_attachment *att, const void *data, size_t n)
{
    unsigned char *p = arena_alloc(msg->arena, n ? n : 1);

    if (!p)
        return failed(msg);
    if (n)
        memcpy(p, data, n);
    att->data = p;
    att->size = n;
    return MIME_OK;
}

mime_message *mime_attachment_new_message(mime_message *msg, mime_attachment *att)
{
    mime_message *m = arena_alloc(msg->arena, sizeof(*m));

    if (!m)
        return NULL;
    message_init(m, msg->arena);
    att->message = m;
    return m;
}

/* MAPI's prefix (pidtagsubjectprefix-canonical-property.md): one to three characters that are
 * not digits or blanks, a colon, a blank ("RE: ", "FW: ", "AW: ", "回复: "). */
static size_t subject_prefix_len(const char *s)
{
    size_t i = 0;
    int chars = 0;

    while (s[i] && s[i] != ':' && chars < 4) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || (c >= '0' && c <= '9') || c < 32)
            return 0;
        i++;
        while ((s[i] & 0xc0) == 0x80)
            i++;
        chars++;
    }
    if (!chars || chars > 3 || s[i] != ':' || s[i + 1] != ' ')
        return 0;
    return i + 2;
}

int mime_set_subject(mime_message *msg, const char *subject)
{
    size_t p;
    int rc;

    if (!subject) {
        msg->subject = msg->subject_prefix = msg->normalized_subject = NULL;
        return MIME_OK;
    }
    p = subject_prefix_len(subject);
    if ((rc = mime_set_string(msg, &msg->subject, subject)))
        return rc;
    if (!(msg->subject_prefix = arena_strndup(msg->arena, subject, p)))
        return failed(msg);
    msg->normalized_subject = msg->subject + p;
    return MIME_OK;
}

size_t sanitize_field(char *s, size_t n)
{
    size_t i, k = 0;

    if (!s)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            s[k++] = ' ';
        } else if (s[i]) {
            s[k++] = s[i];
        }
    }
    if (k < n)
        s[k] = 0;
    return k;
}
