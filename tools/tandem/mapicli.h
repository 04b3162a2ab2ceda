/*
 * mapicli.h - what tandem.exe's MAPI commands share (issue 8 point 1): option parsing, output
 * (readable or --json), UTF-8 <-> UTF-16, logon to a profile and its default store, folders by
 * name or path, entry IDs in hex, and the mapping of HRESULTs to exit codes.
 *
 * tandem.exe is a plain MAPI client: it reaches minimapi and tandem32 only through mapi32.
 */
#ifndef TANDEM_MAPICLI_H
#define TANDEM_MAPICLI_H

#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>

#include "json.h"
#include "tandem.h"

/* ---- options ---------------------------------------------------------------------------------- */

/* Walks argv[1..]: options (--name VALUE or --name=VALUE, flags) and positionals. */
typedef struct opts {
    int argc, i;
    char **argv;
    const char *cmd;
    const char *value;      /* after opt_next: the option's value (value options) */
    int bad;                /* a usage error was reported */
} opts;

void opts_init(opts *o, int argc, char **argv);
/* The next argument: 0 at the end, 1 with *arg the argument. */
int  opts_next(opts *o, const char **arg);
/* Is `arg` the option `name`? Value options take their value (o->value); a missing value is a
 * usage error (o->bad). */
int  opt_is(opts *o, const char *arg, const char *name, int takes_value);
/* Report a usage error: "tandem: <cmd>: <what>"; returns EXIT_USAGE. */
int  usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- output ----------------------------------------------------------------------------------- */

/* A JSON document on stdout (--json): begin, write with the jw_* calls, end prints it. */
typedef struct out_json {
    strbuf buf;
    json_writer w;
} out_json;

void out_json_begin(out_json *o);
void out_json_end(out_json *o);
/* Key + UTF-16 string value. */
void jw_wstring(json_writer *w, const WCHAR *s);

/* ---- strings ---------------------------------------------------------------------------------- */

/* New malloc'ed strings; NULL in, NULL out. */
WCHAR *wide_from_utf8(const char *s);
char  *utf8_from_wide(const WCHAR *s);
/* Lowercase hex of n bytes into a malloc'ed string; decode: malloc'ed bytes or NULL. */
char  *hex_encode(const BYTE *p, ULONG n);
BYTE  *hex_decode(const char *s, ULONG *n);
/* "MAPI_E_NOT_FOUND" or "0x80004005". */
const char *hr_name(HRESULT hr);
/* One failure line: "tandem: <what>: <hr name>"; returns the exit code for hr. */
int  mapi_failure(const char *what, HRESULT hr);
/* The exit code for a MAPI result: 0, 3 not found, 1 otherwise. */
int  exit_for_hr(HRESULT hr);

/* ---- session and store ------------------------------------------------------------------------ */

typedef struct cli_session {
    IMAPISession *session;
    IMsgStore *mdb;
} cli_session;

/* MAPIInitialize + MAPILogonEx(profile; NULL: the default profile) + the default store opened
 * MDB_WRITE. no_mail: a session without the spooler (MAPI_NO_MAIL). On failure the reason is
 * printed and the exit code returned; 0 on success. */
int  cli_logon(const char *profile, int no_mail, cli_session *s);
void cli_logoff(cli_session *s);

/* A folder of the store by path: "Inbox", "Inbox/Sub", "Sent Items", names matched without case
 * under the IPM subtree; a leading "/" is allowed. NULL or "" is the Inbox. The store's own
 * names (Inbox, Outbox, Sent Items, Deleted Items, Drafts) also find the special folders by
 * their entry IDs. */
HRESULT cli_open_folder(cli_session *s, const char *path, ULONG flags, IMAPIFolder **out);
/* Special folders: tag PR_IPM_OUTBOX_ENTRYID etc. on the store; 0 = the IPM receive folder. */
HRESULT cli_open_special(cli_session *s, ULONG tag, ULONG flags, IMAPIFolder **out);
/* Rows in a folder's contents table. */
HRESULT cli_count(IMAPIFolder *f, ULONG *n);

/* An allocator that matches MAPIAllocateBuffer (for mapimime.h). */
struct mc_alloc;
const struct mc_alloc *cli_alloc(void);

/* Every file name safe for Windows and Wine, made from `name` (malloc'ed). */
char *safe_file_name(const char *name);
/* Write bytes to a file (path UTF-8); 0 or -1. */
int  write_file(const char *path, const void *p, size_t n);
/* Is stderr a console? */
int  stderr_is_terminal(void);

/* Property values as text: "string", numbers, time as ISO 8601, binary as hex (the first
 * `max_bin` bytes). Writes into the strbuf. */
void prop_text(strbuf *b, const SPropValue *v, size_t max_bin);
/* Name of a property tag we know ("PR_SUBJECT"), NULL otherwise. */
const char *prop_name(ULONG tag);
/* FILETIME to "2024-01-31T12:00:00Z". */
void filetime_text(const FILETIME *ft, char out[32]);

#endif
