/*
 * dropdir.c - the drop-directory channel: mailbox names, atomic writes, pickup and the
 * owner's delivery record. The layout, the file format and the crash analysis are in
 * dropdir.h; issue 6 points 4-5 and DECISIONS.md 7 govern it.
 */
#include <stdio.h>
#include "dropdir.h"

#define INDEX_NAME L"delivered.idx"

typedef struct drop_key
{
    char *key;          /* internal memory; NULL = empty slot */
    char state;         /* 'P' or 'D' */
} drop_key;

struct td_dropdir
{
    WCHAR *root;            /* full path, no trailing separator */
    WCHAR *mailbox;         /* own mailbox folder (full path) or NULL */
    HANDLE index;           /* delivered.idx, open for appending, or INVALID_HANDLE_VALUE */
    BOOL index_torn;        /* the record ends in a cut line: start the next with CRLF */
    drop_key *keys;         /* open addressing, power-of-two size */
    ULONG n_keys, cap_keys;
    td_drop_lookup_fn lookup;
    void *lookup_ctx;
};

/* ---- names -------------------------------------------------------------------------------- */

static BOOL is_local_char(WCHAR c)
{
    /* RFC 5322 atext, less what Windows forbids in a file name (* / ? |) */
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c && wcschr(L"!#$%&'+-=^_`{}~.", c));
}

static BOOL is_device_name(const WCHAR *s, size_t n)
{
    static const WCHAR *const devices[] = { L"con", L"prn", L"aux", L"nul", L"conin$", L"conout$",
                                            L"clock$" };
    size_t i;

    for (i = 0; i < ARRAYSIZE(devices); i++)
        if (wcslen(devices[i]) == n && !wcsncmp(s, devices[i], n)) return TRUE;
    /* COM0-9 and LPT0-9 */
    return n == 4 && (!wcsncmp(s, L"com", 3) || !wcsncmp(s, L"lpt", 3)) && s[3] >= '0' && s[3] <= '9';
}

HRESULT td_drop_normalize(const WCHAR *address, WCHAR **out)
{
    const WCHAR *at;
    WCHAR *r;
    size_t len, local, i, label;

    if (out) *out = NULL;
    if (!address || !out) return MAPI_E_INVALID_PARAMETER;
    len = wcslen(address);
    if (!len || len > TD_DROP_MAX_ADDRESS) return MAPI_E_INVALID_PARAMETER;
    if (!(r = mc_wcsdup(address))) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < len; i++)
        if (r[i] >= 'A' && r[i] <= 'Z') r[i] += 'a' - 'A';

    if (!(at = wcschr(r, L'@')) || wcschr(at + 1, L'@')) goto bad;
    local = at - r;
    if (!local || local > TD_DROP_MAX_LOCAL) goto bad;
    /* local part: dot-atom without empty atoms (no leading, trailing or double dots, so
     * never "." or "..") */
    if (r[0] == '.' || r[local - 1] == '.') goto bad;
    for (i = 0; i < local; i++)
    {
        if (!is_local_char(r[i])) goto bad;
        if (r[i] == '.' && r[i + 1] == '.') goto bad;
    }
    /* Windows reads a name up to its first dot as a device name (CON, NUL.txt, COM1.x) */
    for (i = 0; i < local && r[i] != '.'; i++) ;
    if (is_device_name(r, i)) goto bad;
    /* domain: letters, digits and hyphens in non-empty labels of at most 63 characters,
     * no label starting or ending with a hyphen */
    label = 0;
    for (i = local + 1; i <= len; i++)
    {
        WCHAR c = r[i];
        if (c == '.' || !c)
        {
            if (!label || r[i - 1] == '-') goto bad;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) goto bad;
        if (!label && c == '-') goto bad;
        if (++label > 63) goto bad;
    }
    *out = r;
    return S_OK;

bad:
    mc_free(r);
    return MAPI_E_INVALID_PARAMETER;
}

/* ---- folders ------------------------------------------------------------------------------ */

static BOOL is_dir(const WCHAR *path)
{
    DWORD attr = GetFileAttributesW(path);
    return attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY);
}

/* CreateDirectory for every missing component of a full path. */
static HRESULT make_dirs(const WCHAR *path)
{
    WCHAR *p = mc_wcsdup(path), *s;
    HRESULT hr = S_OK;

    if (!p) return MAPI_E_NOT_ENOUGH_MEMORY;
    /* skip the drive or the \\server\share part */
    s = p;
    if (s[0] == '\\' && s[1] == '\\')
    {
        s = wcschr(s + 2, '\\');
        if (s) s = wcschr(s + 1, '\\');
    }
    else if (s[0] && s[1] == ':') s += 2;
    while (s && *s)
    {
        WCHAR c;
        s++;
        while (*s && *s != '\\' && *s != '/') s++;
        c = *s;
        *s = 0;
        if (!is_dir(p) && !CreateDirectoryW(p, NULL) && GetLastError() != ERROR_ALREADY_EXISTS)
        {
            hr = MAPI_E_NOT_FOUND;
            break;
        }
        *s = c;
    }
    if (SUCCEEDED(hr) && !is_dir(path)) hr = MAPI_E_NOT_FOUND;
    mc_free(p);
    return hr;
}

/* Full path of a mailbox folder; NULL when it would be too long for a file path inside. */
static WCHAR *mailbox_path(const td_dropdir *d, const WCHAR *name)
{
    WCHAR *p = td_wsprintf(L"%ls\\%ls", d->root, name);
    /* room for "\<16>-<12>.tmp" and the terminator */
    if (p && wcslen(p) + 35 >= MAX_PATH) { mc_free(p); p = NULL; }
    return p;
}

/* ---- the delivery record ------------------------------------------------------------------ */

static ULONG key_hash(const char *s)
{
    ULONG h = 2166136261u;
    while (*s) h = (h ^ (BYTE)*s++) * 16777619u;
    return h;
}

static drop_key *key_slot(td_dropdir *d, const char *key)
{
    ULONG i;
    if (!d->cap_keys) return NULL;
    for (i = key_hash(key) & (d->cap_keys - 1); d->keys[i].key; i = (i + 1) & (d->cap_keys - 1))
        if (!strcmp(d->keys[i].key, key)) return &d->keys[i];
    return &d->keys[i];
}

static HRESULT key_set(td_dropdir *d, const char *key, char state)
{
    drop_key *slot;

    if ((d->n_keys + 1) * 2 > d->cap_keys)
    {
        ULONG cap = d->cap_keys ? d->cap_keys * 2 : 64, i, old_cap = d->cap_keys;
        drop_key *old = d->keys;
        if (!(d->keys = mc_calloc(cap, sizeof(*d->keys)))) { d->keys = old; return MAPI_E_NOT_ENOUGH_MEMORY; }
        d->cap_keys = cap;
        for (i = 0; i < old_cap; i++)
            if (old[i].key) *key_slot(d, old[i].key) = old[i];
        mc_free(old);
    }
    slot = key_slot(d, key);
    if (!slot->key)
    {
        if (!(slot->key = mc_strdup(key))) return MAPI_E_NOT_ENOUGH_MEMORY;
        d->n_keys++;
    }
    if (slot->state != 'D') slot->state = state;
    return S_OK;
}

int td_drop_key_state(td_dropdir *d, const char *key)
{
    drop_key *slot;
    if (!d || !key || !(slot = key_slot(d, key)) || !slot->key) return 0;
    return slot->state;
}

/* Keys are one line of printable ASCII: anything else becomes '?'. */
static char *make_key(const char *in)
{
    size_t n = strlen(in), i;
    char *k;
    if (n > TD_DROP_MAX_KEY) n = TD_DROP_MAX_KEY;
    if (!(k = mc_malloc(n + 1))) return NULL;
    for (i = 0; i < n; i++) k[i] = ((BYTE)in[i] < 0x21 || (BYTE)in[i] > 0x7e) ? '?' : in[i];
    k[n] = 0;
    return k;
}

static HRESULT index_load(td_dropdir *d)
{
    LARGE_INTEGER size;
    char *buf = NULL, *line, *end;
    DWORD got = 0;
    HRESULT hr = S_OK;

    if (!GetFileSizeEx(d->index, &size) || size.QuadPart > 0x40000000) return MAPI_E_CORRUPT_DATA;
    if (!size.QuadPart) return S_OK;
    if (!(buf = mc_malloc((SIZE_T)size.QuadPart + 1))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (!ReadFile(d->index, buf, (DWORD)size.QuadPart, &got, NULL) || got != size.QuadPart)
    {
        hr = MAPI_E_DISK_ERROR;
        goto done;
    }
    buf[got] = 0;
    d->index_torn = buf[got - 1] != '\n';
    for (line = buf; (end = strchr(line, '\n')); line = end + 1)
    {
        /* a line cut by a crash has no line end and is not read */
        *end = 0;
        if (end > line && end[-1] == '\r') end[-1] = 0;
        if ((line[0] == 'P' || line[0] == 'D') && line[1] == ' ' && line[2])
            if (FAILED(hr = key_set(d, line + 2, line[0]))) break;
    }
done:
    mc_free(buf);
    return hr;
}

static HRESULT index_append(td_dropdir *d, char state, const char *key)
{
    size_t n = strlen(key);
    char *line = mc_malloc(n + 6);
    DWORD done = 0, len;
    HRESULT hr;

    if (!line) return MAPI_E_NOT_ENOUGH_MEMORY;
    len = (DWORD)sprintf(line, "%s%c %s\r\n", d->index_torn ? "\r\n" : "", state, key);
    if (!WriteFile(d->index, line, len, &done, NULL) || done != len || !FlushFileBuffers(d->index))
        hr = MAPI_E_DISK_ERROR;
    else
    {
        d->index_torn = FALSE;
        hr = key_set(d, key, state);
    }
    mc_free(line);
    return hr;
}

/* ---- open / close ------------------------------------------------------------------------- */

/* A dead sender's .tmp files go; a live sender's (young) stay. */
static void delete_stale_tmp(const WCHAR *mailbox)
{
    WIN32_FIND_DATAW fd;
    WCHAR *pattern = td_wsprintf(L"%ls\\*.tmp", mailbox);
    FILETIME now;
    ULARGE_INTEGER n, t;
    HANDLE h;

    if (!pattern) return;
    GetSystemTimeAsFileTime(&now);
    n.LowPart = now.dwLowDateTime;
    n.HighPart = now.dwHighDateTime;
    if ((h = FindFirstFileW(pattern, &fd)) != INVALID_HANDLE_VALUE)
    {
        do
        {
            t.LowPart = fd.ftLastWriteTime.dwLowDateTime;
            t.HighPart = fd.ftLastWriteTime.dwHighDateTime;
            if (n.QuadPart > t.QuadPart && n.QuadPart - t.QuadPart > TD_DROP_STALE_TMP_SECONDS * 10000000ull)
            {
                WCHAR *f = td_wsprintf(L"%ls\\%ls", mailbox, fd.cFileName);
                if (f) DeleteFileW(f);
                mc_free(f);
            }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    mc_free(pattern);
}

HRESULT td_drop_open(const WCHAR *root, const WCHAR *own_address, td_dropdir **out)
{
    td_dropdir *d;
    WCHAR *name = NULL, *index = NULL;
    HRESULT hr;

    if (!root || !root[0] || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(d = mc_calloc(1, sizeof(*d)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    d->index = INVALID_HANDLE_VALUE;
    if (!(d->root = td_full_path(root))) { hr = MAPI_E_INVALID_PARAMETER; goto done; }
    while (wcslen(d->root) > 3 && (d->root[wcslen(d->root) - 1] == '\\' || d->root[wcslen(d->root) - 1] == '/'))
        d->root[wcslen(d->root) - 1] = 0;
    if (FAILED(hr = make_dirs(d->root))) goto done;
    if (own_address)
    {
        if (FAILED(hr = td_drop_normalize(own_address, &name))) goto done;
        if (!(d->mailbox = mailbox_path(d, name))) { hr = MAPI_E_INVALID_PARAMETER; goto done; }
        if (!is_dir(d->mailbox) && !CreateDirectoryW(d->mailbox, NULL) && GetLastError() != ERROR_ALREADY_EXISTS)
        {
            hr = MAPI_E_NOT_FOUND;
            goto done;
        }
        if (!(index = td_wsprintf(L"%ls\\" INDEX_NAME, d->mailbox))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        d->index = CreateFileW(index, GENERIC_READ | FILE_APPEND_DATA, FILE_SHARE_READ, NULL,
                               OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (d->index == INVALID_HANDLE_VALUE)
        {
            hr = GetLastError() == ERROR_SHARING_VIOLATION ? MAPI_E_BUSY : MAPI_E_DISK_ERROR;
            goto done;
        }
        if (FAILED(hr = index_load(d))) goto done;
        delete_stale_tmp(d->mailbox);
    }
    hr = S_OK;

done:
    mc_free(name);
    mc_free(index);
    if (FAILED(hr)) td_drop_close(d);
    else *out = d;
    return hr;
}

void td_drop_close(td_dropdir *d)
{
    ULONG i;
    if (!d) return;
    if (d->index != INVALID_HANDLE_VALUE) CloseHandle(d->index);
    for (i = 0; i < d->cap_keys; i++) mc_free(d->keys[i].key);
    mc_free(d->keys);
    mc_free(d->root);
    mc_free(d->mailbox);
    mc_free(d);
}

BOOL td_drop_owns_mailbox(const td_dropdir *d) { return d && d->index != INVALID_HANDLE_VALUE; }
const WCHAR *td_drop_root(const td_dropdir *d) { return d ? d->root : NULL; }

void td_drop_set_lookup(td_dropdir *d, td_drop_lookup_fn fn, void *ctx)
{
    if (!d) return;
    d->lookup = fn;
    d->lookup_ctx = ctx;
}

/* ---- sending ------------------------------------------------------------------------------ */

static WCHAR *unique_name(const WCHAR *folder, const WCHAR *ext)
{
    FILETIME ft;
    GUID g;
    GetSystemTimeAsFileTime(&ft);
    CoCreateGuid(&g);
    return td_wsprintf(L"%ls\\%08lx%08lx-%04x%08lx%ls", folder, (unsigned long)ft.dwHighDateTime,
                       (unsigned long)ft.dwLowDateTime, (unsigned)g.Data2, (unsigned long)g.Data1, ext);
}

HRESULT td_drop_post(td_dropdir *d, const WCHAR *address, const void *data, size_t len)
{
    WCHAR *name = NULL, *mailbox = NULL, *tmp = NULL, *eml = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD done;
    HRESULT hr;

    if (!d || !address || (!data && len) || len > 0x7fffffff) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = td_drop_normalize(address, &name))) goto done;
    if (!(mailbox = mailbox_path(d, name))) { hr = MAPI_E_INVALID_PARAMETER; goto done; }
    if (!is_dir(mailbox)) { hr = MAPI_E_NOT_FOUND; goto done; }
    tmp = unique_name(mailbox, L".tmp");
    if (!tmp || !(eml = mc_wcsdup(tmp))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    wcscpy(eml + wcslen(eml) - 4, L".eml");

    h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
    {
        /* the mailbox vanished between the check and the create: nobody owns it now */
        hr = is_dir(mailbox) ? MAPI_E_DISK_ERROR : MAPI_E_NOT_FOUND;
        goto done;
    }
    if (!WriteFile(h, data, (DWORD)len, &done, NULL) || done != len || !FlushFileBuffers(h))
    {
        hr = MAPI_E_DISK_ERROR;
        goto done;
    }
    CloseHandle(h);
    h = INVALID_HANDLE_VALUE;
    if (!MoveFileExW(tmp, eml, MOVEFILE_WRITE_THROUGH)) { hr = MAPI_E_DISK_ERROR; goto done; }
    hr = S_OK;

done:
    if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    if (FAILED(hr) && tmp) DeleteFileW(tmp);
    mc_free(name);
    mc_free(mailbox);
    mc_free(tmp);
    mc_free(eml);
    return hr;
}

/* ---- receiving ---------------------------------------------------------------------------- */

/* The .eml names of the own mailbox, sorted (= arrival order). */
static HRESULT list_eml(td_dropdir *d, WCHAR ***names, ULONG *count)
{
    WIN32_FIND_DATAW fd;
    WCHAR *pattern, **v = NULL;
    ULONG n = 0, cap = 0, i, j;
    HANDLE h;

    *names = NULL;
    *count = 0;
    if (!td_drop_owns_mailbox(d)) return S_OK;
    if (!(pattern = td_wsprintf(L"%ls\\*.eml", d->mailbox))) return MAPI_E_NOT_ENOUGH_MEMORY;
    h = FindFirstFileW(pattern, &fd);
    mc_free(pattern);
    if (h == INVALID_HANDLE_VALUE) return S_OK;
    do
    {
        size_t l = wcslen(fd.cFileName);
        /* FindFirstFile also matches 8.3 aliases: take exact ".eml" endings only */
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || l < 5 || _wcsicmp(fd.cFileName + l - 4, L".eml"))
            continue;
        if (n == cap)
        {
            WCHAR **nv = mc_realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
            if (!nv) break;
            v = nv;
        }
        if (!(v[n] = mc_wcsdup(fd.cFileName))) break;
        n++;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && wcscmp(v[j - 1], v[j]) > 0; j--)
        {
            WCHAR *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *names = v;
    *count = n;
    return S_OK;
}

static void free_names(WCHAR **names, ULONG n)
{
    ULONG i;
    for (i = 0; i < n; i++) mc_free(names[i]);
    mc_free(names);
}

ULONG td_drop_pending(td_dropdir *d)
{
    WCHAR **names;
    ULONG n = 0;
    if (SUCCEEDED(list_eml(d, &names, &n))) free_names(names, n);
    return n;
}

static HRESULT read_file(const WCHAR *path, char **data, size_t *len)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    LARGE_INTEGER size;
    DWORD got = 0;
    char *buf;

    if (h == INVALID_HANDLE_VALUE) return MAPI_E_NOT_FOUND;
    if (!GetFileSizeEx(h, &size) || size.QuadPart > 0x7ffffffe)
    {
        CloseHandle(h);
        return MAPI_E_CORRUPT_DATA;
    }
    if (!(buf = mc_malloc((SIZE_T)size.QuadPart + 1)))
    {
        CloseHandle(h);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    if (!ReadFile(h, buf, (DWORD)size.QuadPart, &got, NULL) || got != size.QuadPart)
    {
        CloseHandle(h);
        mc_free(buf);
        return MAPI_E_DISK_ERROR;
    }
    CloseHandle(h);
    buf[got] = 0;
    *data = buf;
    *len = got;
    return S_OK;
}

HRESULT td_drop_next(td_dropdir *d, td_drop_item *item)
{
    WCHAR **names = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    if (!d || !item) return MAPI_E_INVALID_PARAMETER;
    memset(item, 0, sizeof(*item));
    if (FAILED(hr = list_eml(d, &names, &n))) return hr;
    hr = MAPI_E_NOT_FOUND;
    for (i = 0; i < n && hr == MAPI_E_NOT_FOUND; i++)
    {
        WCHAR *path = td_wsprintf(L"%ls\\%ls", d->mailbox, names[i]);
        if (!path) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
        if (read_file(path, &item->data, &item->len) == S_OK)
        {
            item->path = path;
            hr = S_OK;
        }
        else mc_free(path);
    }
    free_names(names, n);
    return hr;
}

HRESULT td_drop_begin(td_dropdir *d, td_drop_item *item, const char *key)
{
    char *k = NULL;
    int state;
    HRESULT hr;

    if (!d || !item || !item->path || !td_drop_owns_mailbox(d)) return MAPI_E_INVALID_PARAMETER;
    if (key && key[0]) k = make_key(key);
    else
    {
        const WCHAR *base = wcsrchr(item->path, '\\');
        char *a = mc_w2a(base ? base + 1 : item->path), *f;
        if (a && (f = mc_malloc(strlen(a) + 6)))
        {
            sprintf(f, "file:%s", a);
            k = make_key(f);
            mc_free(f);
        }
        mc_free(a);
    }
    if (!k) return MAPI_E_NOT_ENOUGH_MEMORY;
    mc_free(item->key);
    item->key = k;

    state = td_drop_key_state(d, k);
    if (state == 'P' && d->lookup)
    {
        /* a delivery of this key was cut short: the store knows whether it committed */
        BOOL found = FALSE;
        if (SUCCEEDED(d->lookup(d->lookup_ctx, k, &found)) && found)
        {
            if (FAILED(hr = index_append(d, 'D', k))) return hr;
            state = 'D';
        }
    }
    if (state == 'D')
    {
        DeleteFileW(item->path);
        return S_FALSE;
    }
    return index_append(d, 'P', k);
}

HRESULT td_drop_commit(td_dropdir *d, td_drop_item *item)
{
    HRESULT hr;
    if (!d || !item || !item->key || !item->path) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = index_append(d, 'D', item->key))) return hr;
    DeleteFileW(item->path);
    return S_OK;
}

void td_drop_item_clear(td_drop_item *item)
{
    if (!item) return;
    mc_free(item->path);
    mc_free(item->data);
    mc_free(item->key);
    memset(item, 0, sizeof(*item));
}
