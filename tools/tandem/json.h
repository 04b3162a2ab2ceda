/*
 * json.h - a small, careful JSON (RFC 8259) reader and writer for tandem.exe's scripting
 * interface. The reader builds a tree, accepts exactly RFC 8259 (UTF-8 only, no trailing
 * commas, no comments), bounds nesting, and turns escapes into UTF-8 (a lone surrogate becomes
 * U+FFFD). The writer always produces valid UTF-8 JSON, whatever bytes it is given.
 */
#ifndef TANDEM_JSON_H
#define TANDEM_JSON_H

#include <stddef.h>

#include "tandem.h"

#define JSON_MAX_DEPTH 128

typedef enum json_type {
    JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} json_type;

typedef struct json_value {
    json_type type;
    double number;
    char *string;                /* JSON_STRING: UTF-8, NUL-terminated (may hold \u0000) */
    size_t string_len;
    struct json_value *items;    /* JSON_ARRAY elements / JSON_OBJECT values */
    char **keys;                 /* JSON_OBJECT keys, parallel to items */
    size_t count;
} json_value;

/* Parses text; NULL with a one-line reason ("line 3: expected ':'") in err on failure. */
json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json_value *v);
/* The member `key` of an object, NULL when absent or v is not an object. */
const json_value *json_get(const json_value *v, const char *key);

/* Writer: pretty-printed with two-space indents. Call in document order; commas and
 * indentation are handled here. */
typedef struct json_writer {
    strbuf *out;
    int depth;
    int first[JSON_MAX_DEPTH];   /* no member written yet at this depth */
    int after_key;
} json_writer;

void jw_begin_object(json_writer *w);
void jw_end_object(json_writer *w);
void jw_begin_array(json_writer *w);
void jw_end_array(json_writer *w);
void jw_key(json_writer *w, const char *key);
void jw_string(json_writer *w, const char *s, size_t n);   /* s NULL writes null */
void jw_cstring(json_writer *w, const char *s);            /* NULL writes null */
void jw_int(json_writer *w, long long v);
void jw_bool(json_writer *w, int v);
void jw_null(json_writer *w);

#endif
