/*
 * mapicli.c - the MAPI client side shared by tandem.exe's commands (see mapicli.h): options,
 * output, strings, logon, folders by path, exit codes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <io.h>

#include "mapicli.h"
#include "mapimime.h"
#include "tandem/mapiext.h"

/* ---- options ---------------------------------------------------------------------------------- */

void opts_init(opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->argc = argc;
    o->argv = argv;
    o->cmd = argv[0];
    o->i = 1;
}

int opts_next(opts *o, const char **arg)
{
    if (o->bad || o->i >= o->argc) return 0;
    *arg = o->argv[o->i++];
    return 1;
}

int opt_is(opts *o, const char *arg, const char *name, int takes_value)
{
    size_t n = strlen(name);

    if (strncmp(arg, name, n)) return 0;
    if (!takes_value) return arg[n] == 0;
    if (arg[n] == '=') {
        o->value = arg + n + 1;
        return 1;
    }
    if (arg[n]) return 0;
    if (o->i >= o->argc) {
        usage_error(o->cmd, "%s needs a value", name);
        o->bad = 1;
        o->value = "";
        return 1;
    }
    o->value = o->argv[o->i++];
    return 1;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tandem: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'tandem %s --help')\n", cmd);
    return EXIT_USAGE;
}

/* ---- output ----------------------------------------------------------------------------------- */

void out_json_begin(out_json *o)
{
    memset(o, 0, sizeof(*o));
    o->w.out = &o->buf;
}

void out_json_end(out_json *o)
{
    sb_puts(&o->buf, "\n");
    if (!o->buf.failed) write_stdout(o->buf.data, o->buf.len);
    sb_free(&o->buf);
}

void jw_wstring(json_writer *w, const WCHAR *s)
{
    char *u = utf8_from_wide(s);
    jw_cstring(w, u);
    free(u);
}

/* ---- strings ---------------------------------------------------------------------------------- */

WCHAR *wide_from_utf8(const char *s)
{
    int n;
    WCHAR *w;

    if (!s) return NULL;
    n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0 || !(w = malloc(n * sizeof(WCHAR)))) return NULL;
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

char *utf8_from_wide(const WCHAR *s)
{
    int n;
    char *u;

    if (!s) return NULL;
    n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    if (n <= 0 || !(u = malloc(n))) return NULL;
    WideCharToMultiByte(CP_UTF8, 0, s, -1, u, n, NULL, NULL);
    return u;
}

char *hex_encode(const BYTE *p, ULONG n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(2 * (size_t)n + 1);
    ULONG i;

    if (!s) return NULL;
    for (i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = 0;
    return s;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

BYTE *hex_decode(const char *s, ULONG *n)
{
    size_t len = strlen(s), i;
    BYTE *p;

    if (!len || len % 2 || !(p = malloc(len / 2))) return NULL;
    for (i = 0; i < len / 2; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(p);
            return NULL;
        }
        p[i] = (BYTE)(hi << 4 | lo);
    }
    *n = (ULONG)(len / 2);
    return p;
}

const char *hr_name(HRESULT hr)
{
    static char buf[16];
#define NAME(x) case (HRESULT)x: return #x;
    switch (hr) {
    NAME(S_OK) NAME(MAPI_E_NOT_FOUND) NAME(MAPI_E_NO_SUPPORT) NAME(MAPI_E_CALL_FAILED)
    NAME(MAPI_E_NOT_ENOUGH_MEMORY) NAME(MAPI_E_INVALID_PARAMETER) NAME(MAPI_E_LOGON_FAILED)
    NAME(MAPI_E_NO_ACCESS) NAME(MAPI_E_CORRUPT_DATA) NAME(MAPI_E_INVALID_ENTRYID)
    NAME(MAPI_E_UNCONFIGURED) NAME(MAPI_E_NOT_INITIALIZED) NAME(MAPI_E_AMBIGUOUS_RECIP)
    NAME(MAPI_E_NO_RECIPIENTS) NAME(MAPI_E_SUBMITTED) NAME(MAPI_E_USER_CANCEL)
    NAME(MAPI_E_COLLISION) NAME(MAPI_E_BUSY) NAME(MAPI_E_TIMEOUT) NAME(MAPI_E_VERSION)
    NAME(MAPI_E_UNKNOWN_FLAGS) NAME(MAPI_E_EXTENDED_ERROR) NAME(MAPI_E_NETWORK_ERROR)
    NAME(MAPI_E_DISK_ERROR) NAME(MAPI_E_BAD_CHARWIDTH) NAME(MAPI_E_INVALID_OBJECT)
    NAME(MAPI_W_ERRORS_RETURNED) NAME(MAPI_W_PARTIAL_COMPLETION)
    NAME(MAPI_E_INTERFACE_NOT_SUPPORTED) NAME(MAPI_E_OBJECT_DELETED)
    default:
        snprintf(buf, sizeof(buf), "%#lx", (unsigned long)hr);
        return buf;
    }
#undef NAME
}

int exit_for_hr(HRESULT hr)
{
    if (SUCCEEDED(hr)) return EXIT_OK;
    if (hr == MAPI_E_NOT_FOUND || hr == MAPI_E_INVALID_ENTRYID || hr == MAPI_E_OBJECT_DELETED)
        return EXIT_NOT_FOUND;
    return EXIT_FAILED;
}

int mapi_failure(const char *what, HRESULT hr)
{
    error_line("%s: %s", what, hr_name(hr));
    return exit_for_hr(hr);
}

/* ---- session and store ------------------------------------------------------------------------ */

static int initialized;

int cli_logon(const char *profile, int no_mail, cli_session *s)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    ULONG flags = MAPI_EXTENDED | MAPI_NEW_SESSION, i;
    HRESULT hr;

    memset(s, 0, sizeof(*s));
    if (!initialized) {
        if (FAILED(hr = MAPIInitialize(NULL))) return mapi_failure("MAPIInitialize", hr);
        initialized = 1;
    }
    if (!profile) flags |= MAPI_USE_DEFAULT;
    if (no_mail) flags |= MAPI_NO_MAIL;
    hr = MAPILogonEx(0, (LPTSTR)profile, NULL, flags, &s->session);
    if (FAILED(hr)) {
        error_line("logon to profile '%s': %s", profile ? profile : "(default)", hr_name(hr));
        return hr == MAPI_E_LOGON_FAILED || hr == MAPI_E_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_FAILED;
    }
    hr = s->session->lpVtbl->GetMsgStoresTable(s->session, 0, &table);
    if (SUCCEEDED(hr)) hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (SUCCEEDED(hr)) {
        hr = MAPI_E_NOT_FOUND;
        for (i = 0; i < rows->cRows && !s->mdb; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            if (v[1].ulPropTag == PR_DEFAULT_STORE && v[1].Value.b && v[0].ulPropTag == PR_ENTRYID)
                hr = s->session->lpVtbl->OpenMsgStore(s->session, 0, v[0].Value.bin.cb,
                    (ENTRYID *)v[0].Value.bin.lpb, NULL, MDB_WRITE | MDB_NO_DIALOG, &s->mdb);
        }
    }
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    if (FAILED(hr)) {
        cli_logoff(s);
        return mapi_failure("opening the profile's default store", hr);
    }
    return EXIT_OK;
}

void cli_logoff(cli_session *s)
{
    if (s->mdb) s->mdb->lpVtbl->Release(s->mdb);
    if (s->session) {
        s->session->lpVtbl->Logoff(s->session, 0, 0, 0);
        s->session->lpVtbl->Release(s->session);
    }
    s->mdb = NULL;
    s->session = NULL;
}

HRESULT cli_open_special(cli_session *s, ULONG tag, ULONG flags, IMAPIFolder **out)
{
    SPropValue *v = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, type = 0;
    HRESULT hr;

    *out = NULL;
    if (tag == PR_IPM_DRAFTS_ENTRYID) {
        /* Drafts is named on the Inbox (and the root folder), not on the store */
        IMAPIFolder *inbox = NULL;
        if (FAILED(hr = cli_open_special(s, 0, 0, &inbox))) return hr;
        hr = HrGetOneProp((IMAPIProp *)inbox, tag, &v);
        inbox->lpVtbl->Release(inbox);
    } else if (tag) {
        hr = HrGetOneProp((IMAPIProp *)s->mdb, tag, &v);
    } else {
        hr = s->mdb->lpVtbl->GetReceiveFolder(s->mdb, (LPTSTR)"IPM", 0, &cb, &eid, NULL);
    }
    if (SUCCEEDED(hr)) {
        if (v) {
            cb = v->Value.bin.cb;
            eid = (ENTRYID *)v->Value.bin.lpb;
        }
        hr = s->mdb->lpVtbl->OpenEntry(s->mdb, cb, eid, NULL, flags, &type, (IUnknown **)out);
        if (SUCCEEDED(hr) && type != MAPI_FOLDER) {
            (*out)->lpVtbl->Release(*out);
            *out = NULL;
            hr = MAPI_E_NOT_FOUND;
        }
    }
    if (v) MAPIFreeBuffer(v);
    else MAPIFreeBuffer(eid);
    return hr;
}

static const struct { const char *name; ULONG tag; } special_names[] = {
    { "inbox", 0 },
    { "outbox", PR_IPM_OUTBOX_ENTRYID },
    { "sent items", PR_IPM_SENTMAIL_ENTRYID },
    { "deleted items", PR_IPM_WASTEBASKET_ENTRYID },
    { "drafts", PR_IPM_DRAFTS_ENTRYID },
};

/* The subfolder of `parent` named `name` (without case). */
static HRESULT child_folder(IMAPIFolder *parent, const WCHAR *name, ULONG flags, IMAPIFolder **out)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_DISPLAY_NAME_W, PR_ENTRYID}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG i, type;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = parent->lpVtbl->GetHierarchyTable(parent, MAPI_UNICODE, &t))) return hr;
    if (SUCCEEDED(hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows))) {
        hr = MAPI_E_NOT_FOUND;
        for (i = 0; i < rows->cRows; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            if (v[0].ulPropTag != PR_DISPLAY_NAME_W || v[1].ulPropTag != PR_ENTRYID) continue;
            if (lstrcmpiW(v[0].Value.lpszW, name)) continue;
            hr = parent->lpVtbl->OpenEntry(parent, v[1].Value.bin.cb, (ENTRYID *)v[1].Value.bin.lpb,
                                           NULL, flags, &type, (IUnknown **)out);
            break;
        }
        FreeProws(rows);
    }
    t->lpVtbl->Release(t);
    return hr;
}

HRESULT cli_open_folder(cli_session *s, const char *path, ULONG flags, IMAPIFolder **out)
{
    IMAPIFolder *cur = NULL, *next;
    char *copy, *part, *slash;
    HRESULT hr = S_OK;
    ULONG type;
    size_t i;

    *out = NULL;
    while (path && *path == '/') path++;
    if (!path || !*path) return cli_open_special(s, 0, flags, out);
    if (!(copy = _strdup(path))) return MAPI_E_NOT_ENOUGH_MEMORY;
    part = copy;
    if ((slash = strchr(part, '/'))) *slash = 0;
    /* the first component: a special folder by its entry ID, else a folder of the IPM subtree */
    for (i = 0; i < ARRAYSIZE(special_names) && !cur; i++)
        if (!_stricmp(part, special_names[i].name))
            hr = cli_open_special(s, special_names[i].tag, flags, &cur);
    if (!cur) {
        SPropValue *v = NULL;
        IMAPIFolder *root = NULL;
        WCHAR *w = wide_from_utf8(part);
        hr = HrGetOneProp((IMAPIProp *)s->mdb, PR_IPM_SUBTREE_ENTRYID, &v);
        if (SUCCEEDED(hr))
            hr = s->mdb->lpVtbl->OpenEntry(s->mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb,
                                           NULL, flags, &type, (IUnknown **)&root);
        if (SUCCEEDED(hr)) hr = w ? child_folder(root, w, flags, &cur) : MAPI_E_NOT_ENOUGH_MEMORY;
        if (root) root->lpVtbl->Release(root);
        MAPIFreeBuffer(v);
        free(w);
    }
    while (SUCCEEDED(hr) && slash) {
        WCHAR *w;
        part = slash + 1;
        if ((slash = strchr(part, '/'))) *slash = 0;
        if (!*part) continue;
        if (!(w = wide_from_utf8(part))) {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
        hr = child_folder(cur, w, flags, &next);
        free(w);
        cur->lpVtbl->Release(cur);
        cur = next;
    }
    free(copy);
    if (FAILED(hr)) {
        if (cur) cur->lpVtbl->Release(cur);
        return hr;
    }
    *out = cur;
    return S_OK;
}

HRESULT cli_count(IMAPIFolder *f, ULONG *n)
{
    IMAPITable *t = NULL;
    HRESULT hr;

    *n = 0;
    if (FAILED(hr = f->lpVtbl->GetContentsTable(f, 0, &t))) return hr;
    hr = t->lpVtbl->GetRowCount(t, 0, n);
    t->lpVtbl->Release(t);
    return hr;
}

static const mc_alloc alloc = { MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer };

const struct mc_alloc *cli_alloc(void)
{
    return &alloc;
}

/* ---- files ------------------------------------------------------------------------------------ */

char *safe_file_name(const char *name)
{
    char *s = _strdup(name && *name ? name : "unnamed"), *p;

    if (!s) return NULL;
    for (p = s; *p; p++)
        if ((unsigned char)*p < 32 || strchr("<>:\"/\\|?*", *p)) *p = '_';
    while (p > s && (p[-1] == '.' || p[-1] == ' ')) *--p = 0;
    if (!*s) {
        free(s);
        s = _strdup("unnamed");
    }
    return s;
}

int write_file(const char *path, const void *p, size_t n)
{
    WCHAR *w = wide_from_utf8(path);
    FILE *f = w ? _wfopen(w, L"wb") : NULL;
    int rc = -1;

    free(w);
    if (!f) return -1;
    if (fwrite(p, 1, n, f) == n) rc = 0;
    if (fclose(f)) rc = -1;
    return rc;
}

int stderr_is_terminal(void)
{
    return _isatty(_fileno(stderr));
}

/* ---- property values -------------------------------------------------------------------------- */

void filetime_text(const FILETIME *ft, char out[32])
{
    SYSTEMTIME st;

    if (!FileTimeToSystemTime(ft, &st)) {
        strcpy(out, "?");
        return;
    }
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", st.wYear, st.wMonth, st.wDay, st.wHour,
             st.wMinute, st.wSecond);
}

void prop_text(strbuf *b, const SPropValue *v, size_t max_bin)
{
    char *u, t[32];

    switch (PROP_TYPE(v->ulPropTag)) {
    case PT_UNICODE:
        u = utf8_from_wide(v->Value.lpszW);
        sb_puts(b, u ? u : "");
        free(u);
        break;
    case PT_STRING8:
        sb_puts(b, v->Value.lpszA);
        break;
    case PT_LONG:
        sb_printf(b, "%ld", (long)v->Value.l);
        break;
    case PT_I2:
        sb_printf(b, "%d", v->Value.i);
        break;
    case PT_BOOLEAN:
        sb_puts(b, v->Value.b ? "true" : "false");
        break;
    case PT_I8:
        sb_printf(b, "%lld", (long long)v->Value.li.QuadPart);
        break;
    case PT_SYSTIME:
        filetime_text(&v->Value.ft, t);
        sb_puts(b, t);
        break;
    case PT_BINARY:
        u = hex_encode(v->Value.bin.lpb, v->Value.bin.cb < max_bin ? v->Value.bin.cb : (ULONG)max_bin);
        sb_puts(b, u ? u : "");
        if (v->Value.bin.cb > max_bin) sb_printf(b, "... (%lu bytes)", (unsigned long)v->Value.bin.cb);
        free(u);
        break;
    case PT_ERROR:
        sb_printf(b, "(error %s)", hr_name(v->Value.err));
        break;
    default:
        sb_printf(b, "(type %#lx)", (unsigned long)PROP_TYPE(v->ulPropTag));
        break;
    }
}

const char *prop_name(ULONG tag)
{
#define NAME(x) if (PROP_ID(tag) == PROP_ID(x)) return #x;
    NAME(PR_SUBJECT) NAME(PR_MESSAGE_CLASS) NAME(PR_BODY) NAME(PR_HTML) NAME(PR_SENDER_NAME)
    NAME(PR_SENDER_EMAIL_ADDRESS) NAME(PR_SENT_REPRESENTING_NAME) NAME(PR_SENT_REPRESENTING_EMAIL_ADDRESS)
    NAME(PR_DISPLAY_TO) NAME(PR_DISPLAY_CC) NAME(PR_DISPLAY_BCC) NAME(PR_MESSAGE_FLAGS)
    NAME(PR_MESSAGE_SIZE) NAME(PR_MESSAGE_DELIVERY_TIME) NAME(PR_CLIENT_SUBMIT_TIME)
    NAME(PR_CREATION_TIME) NAME(PR_LAST_MODIFICATION_TIME) NAME(PR_ENTRYID) NAME(PR_RECORD_KEY)
    NAME(PR_SEARCH_KEY) NAME(PR_PARENT_ENTRYID) NAME(PR_STORE_ENTRYID) NAME(PR_HASATTACH)
    NAME(PR_IMPORTANCE) NAME(PR_PRIORITY) NAME(PR_SENSITIVITY) NAME(PR_DISPLAY_NAME)
    NAME(PR_EMAIL_ADDRESS) NAME(PR_ADDRTYPE) NAME(PR_RECIPIENT_TYPE) NAME(PR_ATTACH_NUM)
    NAME(PR_ATTACH_LONG_FILENAME) NAME(PR_ATTACH_FILENAME) NAME(PR_ATTACH_SIZE) NAME(PR_ATTACH_METHOD)
    NAME(PR_ATTACH_MIME_TAG) NAME(PR_RTF_IN_SYNC) NAME(PR_INTERNET_MESSAGE_ID_W)
    NAME(PR_TRANSPORT_MESSAGE_HEADERS) NAME(PR_NORMALIZED_SUBJECT) NAME(PR_SUBJECT_PREFIX)
    NAME(PR_CONVERSATION_TOPIC) NAME(PR_CONVERSATION_INDEX) NAME(PR_OBJECT_TYPE) NAME(PR_ACCESS)
    NAME(PR_ACCESS_LEVEL) NAME(PR_INSTANCE_KEY) NAME(PR_MAPPING_SIGNATURE) NAME(PR_STORE_RECORD_KEY)
    NAME(PR_NDR_REASON_CODE) NAME(PR_NDR_DIAG_CODE) NAME(PR_REPORT_TEXT) NAME(PR_RESPONSIBILITY)
    NAME(PR_SENTMAIL_ENTRYID) NAME(PR_SUBMIT_FLAGS) NAME(PR_RECEIVED_BY_NAME)
    NAME(PR_RECEIVED_BY_EMAIL_ADDRESS) NAME(PR_INTERNET_CPID) NAME(PR_MESSAGE_RECIPIENTS)
    NAME(PR_MESSAGE_ATTACHMENTS)
#undef NAME
    return NULL;
}
