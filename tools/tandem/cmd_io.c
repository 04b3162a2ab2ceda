/*
 * cmd_io.c - `tandem export FOLDER DIR` and `tandem import FILE.eml|DIR|FILE.mbox` (issue 8
 * point 1), both through the transport's MAPI<->MIME mapping (mapimime.h) so the files are
 * what the transport itself would send and receive. Long work reports to an IMAPIProgress
 * (progress.c): a bar on stderr when stderr is a terminal (or --progress), none with --quiet.
 *
 * An mbox is split on "From " lines at the start of a line (mboxrd: ">From " lines lose one
 * '>'); a directory contributes its *.eml files in name order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapicli.h"
#include "mapimime.h"
#include "progress.h"
#include "tandem/mapiext.h"

#define MBOX_LIMIT (1024u * 1024 * 1024)

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- export ----------------------------------------------------------------------------------- */

static int run_export(int argc, char **argv)
{
    static const SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
    const char *arg, *profile = NULL, *folder = NULL, *dir = NULL;
    int json = 0, quiet = 0, force_bar = 0, rc = EXIT_OK;
    cli_session s = {0};
    IMAPIFolder *f = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    IMAPIProgress *prog = NULL;
    ULONG i, type, written = 0, failures = 0;
    WCHAR *wdir = NULL;
    strbuf names = {0};
    HRESULT hr;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--quiet", 0)) quiet = 1;
        else if (opt_is(&o, arg, "--progress", 0)) force_bar = 1;
        else if (opt_is(&o, arg, "--profile", 1)) profile = o.value;
        else if (arg[0] == '-' && arg[1]) return usage_error(argv[0], "unknown option '%s'", arg);
        else if (!folder) folder = arg;
        else if (!dir) dir = arg;
        else return usage_error(argv[0], "FOLDER and DIR only");
    }
    if (o.bad) return EXIT_USAGE;
    if (!folder || !dir) return usage_error(argv[0], "FOLDER and DIR are needed");
    if ((rc = cli_logon(profile, 1, &s))) return rc;
    if (FAILED(hr = cli_open_folder(&s, folder, 0, &f))) {
        rc = mapi_failure(folder, hr);
        goto done;
    }
    hr = f->lpVtbl->GetContentsTable(f, 0, &t);
    if (SUCCEEDED(hr)) hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (FAILED(hr)) {
        rc = mapi_failure("reading the contents table", hr);
        goto done;
    }
    wdir = wide_from_utf8(dir);
    if (!wdir || (!CreateDirectoryW(wdir, NULL) && GetLastError() != ERROR_ALREADY_EXISTS)) {
        error_line("cannot create %s", dir);
        rc = EXIT_FAILED;
        goto done;
    }
    prog = progress_create("exporting", !quiet && (force_bar || stderr_is_terminal()));
    for (i = 0; i < rows->cRows; i++) {
        IMessage *msg = NULL;
        char *bytes = NULL, path[MAX_PATH * 3];
        size_t len = 0;
        SPropValue *v = rows->aRow[i].lpProps;

        hr = s.mdb->lpVtbl->OpenEntry(s.mdb, v[0].Value.bin.cb, (ENTRYID *)v[0].Value.bin.lpb, NULL, 0,
                                      &type, (IUnknown **)&msg);
        if (SUCCEEDED(hr)) hr = td_mapimime_write(cli_alloc(), msg, &bytes, &len, NULL);
        snprintf(path, sizeof(path), "%s\\%05lu.eml", dir, (unsigned long)(i + 1));
        if (SUCCEEDED(hr) && write_file(path, bytes, len)) hr = MAPI_E_DISK_ERROR;
        if (SUCCEEDED(hr)) {
            written++;
            sb_printf(&names, "%s%s", names.len ? "\n" : "", path);
        } else {
            failures++;
            error_line("message %lu: %s", (unsigned long)(i + 1), hr_name(hr));
        }
        free(bytes);
        if (msg) msg->lpVtbl->Release(msg);
        if (prog) prog->lpVtbl->Progress(prog, i + 1, i + 1, rows->cRows);
    }
    if (prog) progress_done(prog);
    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "folder");
        jw_cstring(&j.w, folder);
        jw_key(&j.w, "exported");
        jw_int(&j.w, written);
        jw_key(&j.w, "failed");
        jw_int(&j.w, failures);
        jw_key(&j.w, "files");
        jw_begin_array(&j.w);
        {
            char *p = names.data;
            while (p && *p) {
                size_t n = strcspn(p, "\n");
                jw_string(&j.w, p, n);
                p += n + (p[n] == '\n');
            }
        }
        jw_end_array(&j.w);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        printf("exported %lu message(s) from %s to %s%s\n", (unsigned long)written, folder, dir,
               failures ? " (some failed)" : "");
    }
    if (failures) rc = EXIT_FAILED;

done:
    if (prog) prog->lpVtbl->Release(prog);
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    if (f) f->lpVtbl->Release(f);
    cli_logoff(&s);
    sb_free(&names);
    free(wdir);
    return rc;
}

/* ---- import ----------------------------------------------------------------------------------- */

/* One message to import: bytes (owned) and where they came from. */
typedef struct item { char *bytes; size_t len; char *origin; } item;

typedef struct item_list { item *items; size_t count, cap; } item_list;

static int add_item(item_list *l, char *bytes, size_t len, const char *origin)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        item *n = realloc(l->items, cap * sizeof(item));
        if (!n) return -1;
        l->items = n;
        l->cap = cap;
    }
    l->items[l->count].bytes = bytes;
    l->items[l->count].len = len;
    l->items[l->count++].origin = _strdup(origin);
    return 0;
}

static int is_from_line(const char *p, const char *end)
{
    return end - p >= 5 && !memcmp(p, "From ", 5);
}

/* Split an mbox into messages (mboxrd unescaping). */
static int split_mbox(item_list *l, const char *data, size_t len, const char *path)
{
    const char *p = data, *end = data + len;
    char origin[64];
    int n = 0;

    while (p < end) {
        const char *body, *next;
        char *out, *q;
        if (!is_from_line(p, end)) return -1;
        body = memchr(p, '\n', end - p);
        body = body ? body + 1 : end;
        for (next = body; next < end; ) {
            const char *nl = memchr(next, '\n', end - next);
            if (!nl) { next = end; break; }
            if (is_from_line(nl + 1, end)) { next = nl + 1; break; }
            next = nl + 1;
        }
        if (!(out = malloc(next - body + 1))) return -1;
        q = out;
        for (const char *line = body; line < next; ) {
            const char *nl = memchr(line, '\n', next - line);
            const char *stop = nl ? nl + 1 : next, *g = line;
            while (g < stop && *g == '>') g++;
            if (g > line && is_from_line(g, stop)) line++;     /* ">From " -> "From " */
            memcpy(q, line, stop - line);
            q += stop - line;
            line = stop;
        }
        snprintf(origin, sizeof(origin), "%s#%d", "mbox", ++n);
        (void)path;
        if (add_item(l, out, q - out, origin)) {
            free(out);
            return -1;
        }
        p = next;
    }
    return 0;
}

static int collect(item_list *l, const char *path, char *err, size_t errlen)
{
    WCHAR *w = wide_from_utf8(path);
    DWORD attrs = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    char *data = NULL;
    size_t len = 0;

    if (attrs == INVALID_FILE_ATTRIBUTES) {
        free(w);
        snprintf(err, errlen, "%s: not found", path);
        return EXIT_NOT_FOUND;
    }
    if (attrs & FILE_ATTRIBUTE_DIRECTORY) {
        WIN32_FIND_DATAW fd;
        WCHAR pat[MAX_PATH];
        char **names = NULL;
        size_t n = 0, cap = 0, i;
        HANDLE h;
        int rc = EXIT_OK;

        swprintf(pat, MAX_PATH, L"%ls\\*.eml", w);
        if ((h = FindFirstFileW(pat, &fd)) != INVALID_HANDLE_VALUE) {
            do {
                if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    names = realloc(names, cap * sizeof(char *));
                }
                names[n++] = utf8_from_wide(fd.cFileName);
            } while (FindNextFileW(h, &fd));
            FindClose(h);
        }
        if (n) qsort(names, n, sizeof(char *), cmp_str);
        for (i = 0; i < n; i++) {
            char full[MAX_PATH * 3];
            snprintf(full, sizeof(full), "%s\\%s", path, names[i]);
            if (rc == EXIT_OK) {
                if (read_file(full, MIME_MAX_MESSAGE, &data, &len, err, errlen)) rc = EXIT_FAILED;
                else if (add_item(l, data, len, full)) rc = EXIT_FAILED;
            }
            free(names[i]);
        }
        free(names);
        free(w);
        return rc;
    }
    free(w);
    if (read_file(path, MBOX_LIMIT, &data, &len, err, errlen)) return EXIT_FAILED;
    if (is_from_line(data, data + len)) {
        int r = split_mbox(l, data, len, path);
        free(data);
        if (r) snprintf(err, errlen, "%s: not a readable mbox", path);
        return r ? EXIT_FAILED : EXIT_OK;
    }
    if (add_item(l, data, len, path)) {
        free(data);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

static int run_import(int argc, char **argv)
{
    const char *arg, *profile = NULL, *folder = NULL, *inputs[64];
    int json = 0, quiet = 0, force_bar = 0, rc = EXIT_OK;
    size_t ninputs = 0, i;
    item_list l = {0};
    cli_session s = {0};
    IMAPIFolder *f = NULL;
    IMAPIProgress *prog = NULL;
    ULONG imported = 0, failures = 0;
    FILETIME now;
    char err[256];
    HRESULT hr;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--quiet", 0)) quiet = 1;
        else if (opt_is(&o, arg, "--progress", 0)) force_bar = 1;
        else if (opt_is(&o, arg, "--profile", 1)) profile = o.value;
        else if (opt_is(&o, arg, "--folder", 1)) folder = o.value;
        else if (arg[0] == '-' && arg[1]) return usage_error(argv[0], "unknown option '%s'", arg);
        else if (ninputs < ARRAYSIZE(inputs)) inputs[ninputs++] = arg;
        else return usage_error(argv[0], "too many inputs");
    }
    if (o.bad) return EXIT_USAGE;
    if (!ninputs) return usage_error(argv[0], "FILE.eml, DIR or FILE.mbox is needed");
    for (i = 0; i < ninputs; i++)
        if ((rc = collect(&l, inputs[i], err, sizeof(err)))) {
            error_line("%s", err);
            goto done;
        }
    if ((rc = cli_logon(profile, 1, &s))) goto done;
    if (FAILED(hr = cli_open_folder(&s, folder, MAPI_MODIFY, &f))) {
        rc = mapi_failure(folder ? folder : "Inbox", hr);
        goto done;
    }
    GetSystemTimeAsFileTime(&now);
    prog = progress_create("importing", !quiet && (force_bar || stderr_is_terminal()));
    for (i = 0; i < l.count; i++) {
        IMessage *msg = NULL;
        hr = f->lpVtbl->CreateMessage(f, NULL, 0, &msg);
        if (SUCCEEDED(hr))
            hr = td_mapimime_parse(cli_alloc(), l.items[i].bytes, l.items[i].len,
                                   (int64_t)((ULONGLONG)now.dwHighDateTime << 32 | now.dwLowDateTime), msg, NULL);
        if (SUCCEEDED(hr)) {
            SPropValue flags;
            flags.ulPropTag = PR_MESSAGE_FLAGS;
            flags.Value.l = MSGFLAG_READ;
            msg->lpVtbl->SetProps(msg, 1, &flags, NULL);
            hr = msg->lpVtbl->SaveChanges(msg, 0);
        }
        if (SUCCEEDED(hr)) imported++;
        else {
            failures++;
            error_line("%s: %s", l.items[i].origin, hr_name(hr));
        }
        if (msg) msg->lpVtbl->Release(msg);
        if (prog) prog->lpVtbl->Progress(prog, (ULONG)i + 1, (ULONG)i + 1, (ULONG)l.count);
    }
    if (prog) progress_done(prog);
    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "folder");
        jw_cstring(&j.w, folder ? folder : "Inbox");
        jw_key(&j.w, "imported");
        jw_int(&j.w, imported);
        jw_key(&j.w, "failed");
        jw_int(&j.w, failures);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        printf("imported %lu message(s) into %s%s\n", (unsigned long)imported, folder ? folder : "Inbox",
               failures ? " (some failed)" : "");
    }
    if (failures) rc = EXIT_FAILED;

done:
    if (prog) prog->lpVtbl->Release(prog);
    if (f) f->lpVtbl->Release(f);
    cli_logoff(&s);
    for (i = 0; i < l.count; i++) {
        free(l.items[i].bytes);
        free(l.items[i].origin);
    }
    free(l.items);
    return rc;
}

const command export_command = {
    "export", "write a folder's messages as RFC 5322 files",
    "usage: tandem export FOLDER DIR [--profile P] [--quiet] [--progress] [--json]\n"
    "\n"
    "One file per message (DIR\\00001.eml, ... in the folder's order), written by the\n"
    "transport's own MAPI->MIME mapping. A progress bar goes to stderr on a terminal\n"
    "(--progress: always; --quiet: never).",
    run_export, NULL,
};

const command import_command = {
    "import", "import .eml files, a directory of them, or an mbox",
    "usage: tandem import FILE.eml|DIR|FILE.mbox... [--folder F] [--profile P] [--quiet] [--progress] [--json]\n"
    "\n"
    "Each message is parsed by the transport's MIME->MAPI mapping into FOLDER (default Inbox)\n"
    "and marked read. A file starting with a \"From \" line is an mbox (mboxrd). A progress bar\n"
    "goes to stderr on a terminal (--progress: always; --quiet: never), driven by an\n"
    "IMAPIProgress object. Exit 1 when any message failed, 3 when an input is missing.",
    run_import, NULL,
};
