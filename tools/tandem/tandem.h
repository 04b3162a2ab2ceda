/*
 * tandem.h - what the files of tandem.exe share: the command table entry, a growable string
 * buffer, and the few platform services (UTF-8 arguments, whole-file reads, binary stdout).
 *
 * Exit codes of every command (documented in `tandem --help`):
 *   0 success, 1 the operation failed (unreadable or invalid input, codec error, MAPI error),
 *   2 usage error (unknown command or option, missing argument), 3 not found (profile, folder,
 *   item, recipient, installed MAPI), 4 `tandem check` found problems it did not repair.
 */
#ifndef TANDEM_TOOL_H
#define TANDEM_TOOL_H

#include <stddef.h>
#include <stdint.h>

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOT_FOUND = 3, EXIT_PROBLEMS = 4 };

/* One command or command group. A group has children and no run(). */
typedef struct command {
    const char *name;
    const char *summary;        /* one line for the parent's help */
    const char *usage;          /* "tandem mime parse [--data] FILE.eml" and details */
    int (*run)(int argc, char **argv);  /* argv[0] is the command's own name */
    const struct command *const *children;  /* NULL-terminated; a group has no run() */
} command;

extern const command mime_command;
extern const command profile_command;
extern const command send_command;
extern const command sync_command;
extern const command ls_command;
extern const command show_command;
extern const command export_command;
extern const command import_command;
extern const command check_command;
extern const command install_command;
extern const command uninstall_command;

/* ---- strbuf ------------------------------------------------------------------------------- */

typedef struct strbuf {
    char *data;
    size_t len, cap;
    int failed;     /* out of memory; sticky */
} strbuf;

void sb_put(strbuf *b, const void *p, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_printf(strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sb_free(strbuf *b);

/* ---- platform ------------------------------------------------------------------------------- */

/* Reads a whole file (path in UTF-8) of at most `limit` bytes. Returns 0, or -1 with a short
 * reason in err. *data is malloc'ed, NUL-terminated. */
int read_file(const char *path, size_t limit, char **data, size_t *len, char *err, size_t errlen);
/* Writes bytes to stdout unchanged (binary mode on Windows); 0 or -1. */
int write_stdout(const void *p, size_t n);
/* The command line as UTF-8 (on Windows from the wide command line). */
void utf8_args(int *argc, char ***argv);
/* Seconds since 1970 (UTC) and a value that differs between runs, for Message-IDs. */
int64_t now_unix(void);
uint64_t run_unique(void);

/* One line on stderr: "tandem: <what>". */
void error_line(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
