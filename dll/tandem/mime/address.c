/*
 * address.c - address lists (RFC 5322 3.4): reading them tolerantly, writing them safely.
 *
 * Reading: the list is cut at top-level commas (and the ':' / ';' of groups, whose names are
 * dropped), outside quotes, comments and angle brackets. Each piece is "phrase <addr>" or a
 * bare addr-spec whose comment, if any, serves as the name (the old "addr (Name)" form).
 * Encoded words are decoded anywhere in the name, inside quoted strings too, as mainstream
 * readers do. Addresses longer than MIME_MAX_TOKEN and lists past MIME_MAX_ADDRESSES are dropped.
 *
 * Writing: a display name is plain words, a quoted string or encoded words, whichever keeps it
 * exact; the addr-spec is rebuilt so that no character of it can end the address, start a new
 * one or break the line: a local part that is not a dot-atom is quoted, the domain keeps only
 * domain characters. Entries without an address are not written.
 */
#include <string.h>

#include "mime_int.h"

static int atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A local part that needs no quotes: atoms joined by single dots. */
static int dot_atom(const char *s, size_t n)
{
    size_t i;

    if (!n || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (i = 0; i < n; i++)
        if (!(atext((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80 ||
              (s[i] == '.' && s[i + 1] != '.')))
            return 0;
    return 1;
}

/* A local part already written as a valid quoted string. */
static int quoted_local(const char *s, size_t n)
{
    size_t i;

    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return 0;
    for (i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 32 || c == 127)
            return 0;
        if (c == '\\') {
            if (i + 2 >= n || (unsigned char)s[i + 1] < 32)
                return 0;
            i++;
        } else if (c == '"') {
            return 0;
        }
    }
    return 1;
}

/* The '@' between local part and domain: the last one outside a quoted string, or NULL. */
static const char *local_end(const char *addr)
{
    const char *at = NULL, *p;
    int quoted = 0;

    for (p = addr; *p; p++) {
        if (*p == '\\' && quoted && p[1])
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (*p == '@' && !quoted)
            at = p;
    }
    return at;
}

/* The addr-spec as it may stand in a header: nothing in it can end the address, start a new
 * one, open a group or break the line. A local part that is not a dot-atom or a valid quoted
 * string gets quoted; the domain keeps letters, digits, ".-_[]" and UTF-8. The parser keeps
 * addresses in this form too, so safe_addr(safe_addr(x)) == safe_addr(x) and a read-back
 * address equals what was written. */
static void safe_addr(const char *addr, mbuf *out)
{
    const char *at = local_end(addr);
    size_t ll = at ? (size_t)(at - addr) : strlen(addr), i;

    if (dot_atom(addr, ll) || quoted_local(addr, ll)) {
        mbuf_put(out, addr, ll);
    } else {
        mbuf_putc(out, '"');
        for (i = 0; i < ll; i++) {
            unsigned char c = (unsigned char)addr[i];
            if (c < 32 || c == 127)
                continue;
            if (c == '"' || c == '\\')
                mbuf_putc(out, '\\');
            mbuf_putc(out, c);
        }
        mbuf_putc(out, '"');
    }
    if (!at)
        return;
    mbuf_putc(out, '@');
    for (at++; *at; at++) {
        unsigned char c = (unsigned char)*at;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c >= 0x80 || strchr("-._[]", c))
            mbuf_putc(out, c);
    }
}

/* A canonical address that can stand without angle brackets: dot-atom@domain. */
static int bare_ok(const char *canon, size_t n)
{
    const char *at = memchr(canon, '@', n);

    return at && at > canon && canon[0] != '"';
}

/* End of a quoted string starting at s[i] == '"' (index past the closing quote, or n). */
static size_t skip_quoted(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\' && i + 1 < n)
            i++;
    return i < n ? i + 1 : n;
}

/* End of the top-level item starting at i: the index of the ',' / ';' / ':' that ends it, or
 * n. *kind is that character (0 at the end). */
static size_t item_end(const char *s, size_t n, size_t i, char *kind)
{
    int angle = 0;

    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = skip_quoted(s, n, i);
            continue;
        }
        if (c == '(') {
            i = skip_cfws(s, n, i);
            continue;
        }
        if (c == '<')
            angle = 1;
        else if (c == '>')
            angle = 0;
        else if (!angle && (c == ',' || c == ';' || c == ':')) {
            *kind = c;
            return i;
        }
        i++;
    }
    *kind = 0;
    return n;
}

/* The phrase s[0..n) as display text: quoted strings unquoted, comments dropped, blanks
 * between words made single, then encoded words decoded and the result sanitized. */
static char *phrase_text(mime_message *msg, const mime_parse_options *opt, const char *s,
                         size_t n, mbuf *tmp, mbuf *dec)
{
    size_t i = 0;
    int need_space = 0;

    mbuf_reset(tmp);
    mbuf_reset(dec);
    while ((i = skip_cfws(s, n, i)) < n) {
        if (need_space)
            mbuf_putc(tmp, ' ');
        if (s[i] == '"') {
            size_t end = skip_quoted(s, n, i);
            for (i++; i < end; i++) {
                if (s[i] == '"' && i + 1 == end)
                    break;
                if (s[i] == '\\' && i + 1 < end)
                    i++;
                mbuf_putc(tmp, s[i]);
            }
            i = end;
        } else {
            size_t start = i;
            while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '"' && s[i] != '(')
                i++;
            mbuf_put(tmp, s + start, i - start);
        }
        need_space = 1;
    }
    if (!tmp->len)
        return NULL;
    ew_decode(opt, tmp->data, tmp->len, dec);
    if (dec->status)
        return NULL;
    dec->len = sanitize_field(dec->data, dec->len);
    /* Outer blanks of a name carry nothing (the writer drops them too). */
    while (dec->len && (dec->data[dec->len - 1] == ' ' || dec->data[dec->len - 1] == '\t'))
        dec->len--;
    for (i = 0; i < dec->len && (dec->data[i] == ' ' || dec->data[i] == '\t'); i++)
        ;
    return dec->len > i ? arena_strndup(msg->arena, dec->data + i, dec->len - i) : NULL;
}

/* The first comment's text in s[0..n), or NULL (for "addr (Name)"). */
static int first_comment(const char *s, size_t n, size_t *start, size_t *len)
{
    size_t i = 0;

    while (i < n) {
        if (s[i] == '"') {
            i = skip_quoted(s, n, i);
        } else if (s[i] == '(') {
            size_t end = skip_cfws(s, n, i);
            *start = i + 1;
            *len = end > i + 1 && s[end - 1] == ')' ? end - i - 2 : end - i - 1;
            return 1;
        } else {
            i++;
        }
    }
    return 0;
}

/* The addr-spec in s[0..n) with comments and blanks removed (quoted parts kept as written). */
static char *addr_text(mime_message *msg, const char *s, size_t n, mbuf *tmp)
{
    size_t i = 0;

    mbuf_reset(tmp);
    while ((i = skip_cfws(s, n, i)) < n) {
        if (s[i] == '"') {
            size_t end = skip_quoted(s, n, i);
            mbuf_put(tmp, s + i, end - i);
            i = end;
        } else {
            if ((unsigned char)s[i] >= 32 && s[i] != '<' && s[i] != '>' && s[i] != 127)
                mbuf_putc(tmp, s[i]);
            i++;
        }
    }
    if (tmp->status || !tmp->len || tmp->len > MIME_MAX_TOKEN)
        return NULL;
    if (!utf8_valid(tmp->data, tmp->len)) {
        /* An 8-bit address that is not UTF-8 is nothing anybody can answer: drop it. */
        return NULL;
    }
    /* Kept in the form the writer gives it, so reading what we wrote changes nothing. */
    {
        char *raw = arena_strndup(msg->arena, tmp->data, tmp->len);
        if (!raw)
            return NULL;
        mbuf_reset(tmp);
        safe_addr(raw, tmp);
    }
    if (tmp->status || !tmp->len || tmp->len > MIME_MAX_TOKEN)
        return NULL;
    return arena_strndup(msg->arena, tmp->data, tmp->len);
}

/* One mailbox from s[0..n). */
static int parse_mailbox(mime_message *msg, const mime_parse_options *opt, const char *s,
                         size_t n, mime_address_list *list, mbuf *t1, mbuf *t2)
{
    char *name = NULL, *addr = NULL;
    size_t i, lt = n;

    for (i = 0; i < n;) {   /* the top-level '<' */
        if (s[i] == '"')
            i = skip_quoted(s, n, i);
        else if (s[i] == '(')
            i = skip_cfws(s, n, i);
        else if (s[i] == '<') {
            lt = i;
            break;
        } else
            i++;
    }
    if (lt < n) {
        size_t a = lt + 1, e = a, k;

        while (e < n && s[e] != '>')    /* the closing '>', not one inside quotes */
            e = s[e] == '"' ? skip_quoted(s, n, e) : e + 1;

        /* obs-route "<@a,@b:user@host>": the route ends at the last ':' before the address */
        for (k = a; k < e; k++)
            if (s[k] == ':' && s[a] == '@')
                a = k + 1;
        name = phrase_text(msg, opt, s, lt, t1, t2);
        addr = addr_text(msg, s + a, e - a, t1);
    } else {
        size_t cs, cl;
        int has_at = memchr(s, '@', n) != NULL;

        if (!has_at && !first_comment(s, n, &cs, &cl)) {
            /* "Undisclosed recipients" and the like: a name, or a local-only address. */
            size_t k = skip_cfws(s, n, 0);
            int blank = 0;
            for (; k < n; k++)
                if (s[k] == ' ' || s[k] == '\t')
                    blank = 1;
            if (blank)
                name = phrase_text(msg, opt, s, n, t1, t2);
            else
                addr = addr_text(msg, s, n, t1);
        } else {
            addr = addr_text(msg, s, n, t1);
            if (first_comment(s, n, &cs, &cl))
                name = phrase_text(msg, opt, s + cs, cl, t1, t2);
        }
    }
    if (t1->status || t2->status)
        return t1->status ? t1->status : t2->status;
    if (msg->arena->status)
        return msg->arena->status;
    if (!name && !addr)
        return MIME_OK;
    if (list->count >= MIME_MAX_ADDRESSES)
        return MIME_OK;
    if (arena_grow(msg->arena, (void **)&list->items, &list->capacity, list->count + 1,
                   sizeof(mime_address)))
        return msg->arena->status;
    list->items[list->count].name = name;
    list->items[list->count].address = addr;
    list->count++;
    return MIME_OK;
}

int address_parse_list(mime_message *msg, const mime_parse_options *opt, const char *v,
                       size_t n, mime_address_list *list)
{
    mbuf t1, t2;
    size_t i = 0;
    int rc = MIME_OK;

    mbuf_init(&t1, MIME_MAX_HEADER_BLOCK);
    mbuf_init(&t2, MIME_MAX_HEADER_BLOCK * 4);
    while (i <= n && !rc) {
        char kind;
        size_t end = item_end(v, n, i, &kind);

        /* A group's name ("Team:") is not an address; its members follow. */
        if (kind != ':')
            rc = parse_mailbox(msg, opt, v + i, end - i, list, &t1, &t2);
        i = end + 1;
    }
    mbuf_free(&t1);
    mbuf_free(&t2);
    return rc;
}

/* ---- writing ----------------------------------------------------------------------------- */

enum name_form { NAME_ATOMS, NAME_QUOTED, NAME_ENCODED };

static enum name_form name_form(const char *s, size_t n)
{
    size_t i, word = 0;
    int atoms = 1;

    if (s[0] == ' ' || s[n - 1] == ' ')
        atoms = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 32 || c > 126)
            return NAME_ENCODED;
        if (c == '=' && i + 1 < n && s[i + 1] == '?')
            return NAME_ENCODED;
        if (c == ' ') {
            if (i + 1 < n && s[i + 1] == ' ')
                atoms = 0;
            word = 0;
        } else {
            if (++word > MIME_LINE_SOFT - 20)
                return NAME_ENCODED;
            if (!atext(c))
                atoms = 0;
        }
    }
    if (n > MIME_LINE_SOFT - 20 && !atoms)
        return NAME_ENCODED;
    return atoms ? NAME_ATOMS : NAME_QUOTED;
}

static void write_name(hdr_writer *w, const char *name, mbuf *tmp)
{
    size_t n = strlen(name), i;

    switch (name_form(name, n)) {
    case NAME_ATOMS:
        hw_unstructured(w, name, n);
        break;
    case NAME_QUOTED:
        mbuf_reset(tmp);
        mbuf_putc(tmp, '"');
        for (i = 0; i < n; i++) {
            if (name[i] == '"' || name[i] == '\\')
                mbuf_putc(tmp, '\\');
            mbuf_putc(tmp, name[i]);
        }
        mbuf_putc(tmp, '"');
        if (!tmp->status)
            hw_token(w, tmp->data, tmp->len, 1);
        break;
    case NAME_ENCODED:
        ew_encode(w, name, n, 1);
        break;
    }
}

int address_write_list(hdr_writer *w, const mime_address *items, size_t count)
{
    mbuf tmp, clean;
    size_t i;
    int first = 1, rc;

    mbuf_init(&tmp, MIME_LINE_HARD);
    mbuf_init(&clean, MIME_MAX_HEADER_BLOCK);
    for (i = 0; i < count && !w->out->status; i++) {
        const char *addr = items[i].address;

        if (!addr || !*addr)
            continue;
        mbuf_reset(&tmp);
        safe_addr(addr, &tmp);
        if (tmp.status || tmp.len > MIME_MAX_TOKEN) {
            tmp.status = MIME_E_INVALID_ARG;
            break;
        }
        if (!first)
            hw_token(w, ",", 1, 0);
        first = 0;
        mbuf_reset(&clean);
        if (items[i].name)
            mbuf_puts(&clean, items[i].name);
        clean.len = sanitize_field(clean.data, clean.len);
        /* Outer blanks of a name carry nothing and no reader keeps them. */
        while (clean.len && (clean.data[clean.len - 1] == ' ' || clean.data[clean.len - 1] == '\t'))
            clean.len--;
        while (clean.len && (clean.data[0] == ' ' || clean.data[0] == '\t'))
            memmove(clean.data, clean.data + 1, --clean.len);
        if (clean.data)
            clean.data[clean.len] = 0;
        mbuf_reset(&tmp);
        if (clean.len)
            write_name(w, clean.data, &tmp);
        mbuf_reset(&tmp);
        safe_addr(addr, &tmp);
        if (clean.len || !bare_ok(tmp.data, tmp.len)) {
            mbuf_reset(&tmp);
            mbuf_putc(&tmp, '<');
            safe_addr(addr, &tmp);
            mbuf_putc(&tmp, '>');
        }
        if (tmp.status)
            break;
        hw_token(w, tmp.data, tmp.len, 1);
    }
    rc = tmp.status ? tmp.status : clean.status;
    mbuf_free(&tmp);
    mbuf_free(&clean);
    return rc;
}
