/*
 * profile.c - the profile store: profiles, their sections and the default-profile marker, kept
 * in the registry so they persist across processes (layout in minimapi_private.h).
 *
 * Every call opens the keys it needs and closes them again: several processes may work on the
 * same profiles, and the registry is the only shared state. Section values are written
 * through at once (IProfSect is nontransacted, iprofsectimapiprop.md).
 */
#include "minimapi_private.h"

#define MM_DEFAULT_ROOT L"Software\\Tandem\\MiniMAPI\\Profiles"
#define MM_VALUE_DEFAULT L"DefaultProfile"
#define MM_VALUE_SERVICES L"Services"

MM_DEFINE_STATIC_CS(profile_cs);
static WCHAR root_path[MAX_PATH] = MM_DEFAULT_ROOT;

void mm_profile_lock(void)   { EnterCriticalSection(&profile_cs); }
void mm_profile_unlock(void) { LeaveCriticalSection(&profile_cs); }

void mm_profile_set_root(const WCHAR *subkey)
{
    mm_profile_lock();
    lstrcpynW(root_path, subkey ? subkey : MM_DEFAULT_ROOT, MAX_PATH);
    mm_profile_unlock();
}

static HRESULT hr_from_win32(LONG err)
{
    switch (err)
    {
    case ERROR_SUCCESS: return S_OK;
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: return MAPI_E_NOT_FOUND;
    case ERROR_ACCESS_DENIED: return MAPI_E_NO_ACCESS;
    case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: return MAPI_E_NOT_ENOUGH_MEMORY;
    default: return MAPI_E_CALL_FAILED;
    }
}

/* Open (or create) root\profile[\section]. */
static HRESULT open_key(const WCHAR *profile, const MAPIUID *uid, BOOL create, REGSAM sam,
                        HKEY *key)
{
    WCHAR path[MAX_PATH + MM_MAX_PROFILE_NAME + 40];
    WCHAR hex[33];
    LONG err;

    mm_profile_lock();
    lstrcpyW(path, root_path);
    mm_profile_unlock();
    if (profile)
    {
        lstrcatW(path, L"\\");
        lstrcatW(path, profile);
    }
    if (uid)
    {
        mm_uid_to_hex(uid, hex);
        lstrcatW(path, L"\\");
        lstrcatW(path, hex);
    }
    if (create)
        err = RegCreateKeyExW(HKEY_CURRENT_USER, path, 0, NULL, 0, sam, NULL, key, NULL);
    else
        err = RegOpenKeyExW(HKEY_CURRENT_USER, path, 0, sam, key);
    return hr_from_win32(err);
}

HRESULT mm_profile_check_name(const WCHAR *name)
{
    size_t len;
    if (!name || !*name) return MAPI_E_INVALID_PARAMETER;
    len = wcslen(name);
    if (len > MM_MAX_PROFILE_NAME) return MAPI_E_INVALID_PARAMETER;
    /* A registry key name cannot hold a backslash; MAPI forbids leading/trailing spaces
     * (iprofadmin-createprofile.md). */
    if (wcschr(name, '\\') || name[0] == ' ' || name[len - 1] == ' ')
        return MAPI_E_INVALID_PARAMETER;
    return S_OK;
}

BOOL mm_profile_exists(const WCHAR *name)
{
    HKEY key;
    if (FAILED(mm_profile_check_name(name))) return FALSE;
    if (FAILED(open_key(name, NULL, FALSE, KEY_READ, &key))) return FALSE;
    RegCloseKey(key);
    return TRUE;
}

HRESULT mm_profile_create(const WCHAR *name)
{
    HKEY root, key;
    DWORD disposition;
    HRESULT hr;
    LONG err;

    if (FAILED(hr = mm_profile_check_name(name))) return hr;
    if (FAILED(hr = open_key(NULL, NULL, TRUE, KEY_ALL_ACCESS, &root))) return hr;
    err = RegCreateKeyExW(root, name, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &key, &disposition);
    RegCloseKey(root);
    if (err) return hr_from_win32(err);
    RegCloseKey(key);
    return disposition == REG_OPENED_EXISTING_KEY ? MAPI_E_NO_ACCESS : S_OK;
}

HRESULT mm_profile_delete(const WCHAR *name)
{
    HKEY root;
    HRESULT hr;
    WCHAR *def = NULL;
    LONG err;

    if (FAILED(hr = mm_profile_check_name(name))) return MAPI_E_NOT_FOUND;
    if (!mm_profile_exists(name)) return MAPI_E_NOT_FOUND;
    if (FAILED(hr = open_key(NULL, NULL, FALSE, KEY_ALL_ACCESS, &root))) return hr;
    /* RegDeleteTree with a subkey name deletes that key too. */
    err = RegDeleteTreeW(root, name);
    if (err == ERROR_FILE_NOT_FOUND) err = ERROR_SUCCESS;
    RegCloseKey(root);
    if (SUCCEEDED(mm_profile_get_default(&def)))
    {
        if (!lstrcmpiW(def, name)) mm_profile_set_default(NULL);
        mc_free(def);
    }
    return hr_from_win32(err);
}

HRESULT mm_profile_copy(const WCHAR *from, const WCHAR *to)
{
    HKEY src = NULL, dst = NULL;
    HRESULT hr;
    LONG err;

    if (!mm_profile_exists(from)) return MAPI_E_NOT_FOUND;
    if (FAILED(hr = mm_profile_create(to))) return hr;
    if (FAILED(hr = open_key(from, NULL, FALSE, KEY_READ, &src))) goto done;
    if (FAILED(hr = open_key(to, NULL, FALSE, KEY_ALL_ACCESS, &dst))) goto done;
    err = RegCopyTreeW(src, NULL, dst);
    hr = hr_from_win32(err);
done:
    if (src) RegCloseKey(src);
    if (dst) RegCloseKey(dst);
    if (FAILED(hr) && hr != MAPI_E_NO_ACCESS) mm_profile_delete(to);
    return hr;
}

void mm_free_strings(WCHAR **s, ULONG count)
{
    ULONG i;
    if (!s) return;
    for (i = 0; i < count; i++) mc_free(s[i]);
    mc_free(s);
}

HRESULT mm_profile_list(WCHAR ***names, ULONG *count)
{
    HKEY root;
    WCHAR name[256];
    WCHAR **list = NULL;
    ULONG n = 0;
    DWORD i, len;
    HRESULT hr;

    *names = NULL;
    *count = 0;
    hr = open_key(NULL, NULL, FALSE, KEY_READ, &root);
    if (hr == MAPI_E_NOT_FOUND) return S_OK;
    if (FAILED(hr)) return hr;
    for (i = 0;; i++)
    {
        WCHAR **grown;
        len = ARRAYSIZE(name);
        if (RegEnumKeyExW(root, i, name, &len, NULL, NULL, NULL, NULL)) break;
        if (!(grown = mc_realloc(list, (n + 1) * sizeof(*list))) || !(grown[n] = mc_wcsdup(name)))
        {
            if (grown) list = grown;
            mm_free_strings(list, n);
            RegCloseKey(root);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        list = grown;
        n++;
    }
    RegCloseKey(root);
    *names = list;
    *count = n;
    return S_OK;
}

HRESULT mm_profile_get_default(WCHAR **name)
{
    HKEY root;
    WCHAR buf[MM_MAX_PROFILE_NAME + 2];
    DWORD type, cb = sizeof(buf) - sizeof(WCHAR);
    LONG err;

    *name = NULL;
    if (FAILED(open_key(NULL, NULL, FALSE, KEY_READ, &root))) return MAPI_E_NOT_FOUND;
    memset(buf, 0, sizeof(buf));
    err = RegQueryValueExW(root, MM_VALUE_DEFAULT, NULL, &type, (BYTE *)buf, &cb);
    RegCloseKey(root);
    if (err || type != REG_SZ || !buf[0]) return MAPI_E_NOT_FOUND;
    if (!mm_profile_exists(buf)) return MAPI_E_NOT_FOUND;
    if (!(*name = mc_wcsdup(buf))) return MAPI_E_NOT_ENOUGH_MEMORY;
    return S_OK;
}

HRESULT mm_profile_set_default(const WCHAR *name)
{
    HKEY root;
    HRESULT hr;
    LONG err;

    if (name && !mm_profile_exists(name)) return MAPI_E_NOT_FOUND;
    if (FAILED(hr = open_key(NULL, NULL, TRUE, KEY_ALL_ACCESS, &root))) return hr;
    if (name)
        err = RegSetValueExW(root, MM_VALUE_DEFAULT, 0, REG_SZ, (const BYTE *)name,
                             (DWORD)((wcslen(name) + 1) * sizeof(WCHAR)));
    else
    {
        err = RegDeleteValueW(root, MM_VALUE_DEFAULT);
        if (err == ERROR_FILE_NOT_FOUND) err = ERROR_SUCCESS;
    }
    RegCloseKey(root);
    return hr_from_win32(err);
}

HRESULT mm_profile_services(const WCHAR *profile, MAPIUID **uids, ULONG *count)
{
    HKEY key;
    DWORD type, cb = 0;
    BYTE *data = NULL;
    HRESULT hr;
    LONG err;

    *uids = NULL;
    *count = 0;
    if (FAILED(hr = open_key(profile, NULL, FALSE, KEY_READ, &key))) return hr;
    err = RegQueryValueExW(key, MM_VALUE_SERVICES, NULL, &type, NULL, &cb);
    if (err == ERROR_FILE_NOT_FOUND || (!err && !cb))
    {
        RegCloseKey(key);
        return S_OK;
    }
    if (err || type != REG_BINARY || cb % sizeof(MAPIUID))
    {
        RegCloseKey(key);
        return MAPI_E_CORRUPT_DATA;
    }
    if (!(data = mc_malloc(cb)))
    {
        RegCloseKey(key);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    err = RegQueryValueExW(key, MM_VALUE_SERVICES, NULL, &type, data, &cb);
    RegCloseKey(key);
    if (err)
    {
        mc_free(data);
        return hr_from_win32(err);
    }
    *uids = (MAPIUID *)data;
    *count = cb / sizeof(MAPIUID);
    return S_OK;
}

HRESULT mm_profile_set_services(const WCHAR *profile, const MAPIUID *uids, ULONG count)
{
    HKEY key;
    HRESULT hr;
    LONG err;

    if (FAILED(hr = open_key(profile, NULL, FALSE, KEY_ALL_ACCESS, &key))) return hr;
    err = RegSetValueExW(key, MM_VALUE_SERVICES, 0, REG_BINARY, (const BYTE *)uids,
                         count * sizeof(MAPIUID));
    RegCloseKey(key);
    return hr_from_win32(err);
}

BOOL mm_section_exists(const WCHAR *profile, const MAPIUID *uid)
{
    HKEY key;
    if (FAILED(open_key(profile, uid, FALSE, KEY_READ, &key))) return FALSE;
    RegCloseKey(key);
    return TRUE;
}

HRESULT mm_section_create(const WCHAR *profile, const MAPIUID *uid)
{
    HKEY key;
    HRESULT hr;
    if (!mm_profile_exists(profile)) return MAPI_E_NOT_FOUND;
    if (FAILED(hr = open_key(profile, uid, TRUE, KEY_ALL_ACCESS, &key))) return hr;
    RegCloseKey(key);
    return S_OK;
}

HRESULT mm_section_delete(const WCHAR *profile, const MAPIUID *uid)
{
    HKEY key;
    WCHAR hex[33];
    HRESULT hr;
    LONG err;

    if (FAILED(hr = open_key(profile, NULL, FALSE, KEY_ALL_ACCESS, &key))) return hr;
    mm_uid_to_hex(uid, hex);
    err = RegDeleteTreeW(key, hex);
    RegCloseKey(key);
    return hr_from_win32(err);
}

HRESULT mm_section_list(const WCHAR *profile, MAPIUID **uids, ULONG *count)
{
    HKEY key;
    WCHAR name[64];
    MAPIUID *list = NULL;
    ULONG n = 0;
    DWORD i, len;
    HRESULT hr;

    *uids = NULL;
    *count = 0;
    if (FAILED(hr = open_key(profile, NULL, FALSE, KEY_READ, &key))) return hr;
    for (i = 0;; i++)
    {
        MAPIUID uid, *grown;
        len = ARRAYSIZE(name);
        if (RegEnumKeyExW(key, i, name, &len, NULL, NULL, NULL, NULL)) break;
        if (!mm_uid_from_hex(name, &uid)) continue;
        if (!(grown = mc_realloc(list, (n + 1) * sizeof(*list))))
        {
            mc_free(list);
            RegCloseKey(key);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        list = grown;
        list[n++] = uid;
    }
    RegCloseKey(key);
    *uids = list;
    *count = n;
    return S_OK;
}

HRESULT mm_section_load(const WCHAR *profile, const MAPIUID *uid, mc_propbag **out)
{
    mc_propbag *bag = NULL;
    HKEY key;
    DWORD i, max_data = 0, values = 0;
    BYTE *data = NULL;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = open_key(profile, uid, FALSE, KEY_READ, &key))) return hr;
    if (RegQueryInfoKeyW(key, NULL, NULL, NULL, NULL, NULL, NULL, &values, NULL, &max_data,
                         NULL, NULL))
    {
        hr = MAPI_E_CALL_FAILED;
        goto done;
    }
    if (!(bag = mc_propbag_new()) || !(data = mc_malloc(max_data + 2)))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    for (i = 0; i < values; i++)
    {
        WCHAR name[32];
        DWORD name_len = ARRAYSIZE(name), type, cb = max_data;
        SPropValue v;
        void *scratch;
        ULONG tag;

        if (RegEnumValueW(key, i, name, &name_len, NULL, &type, data, &cb)) break;
        if (!mm_regprop_parse_name(name, &tag))
        {
            MC_TRACE(MM_CH, "skipping registry value %ls\n", name);
            continue;
        }
        if (FAILED(mm_regprop_decode(tag, type, data, cb, &v, &scratch)))
        {
            MC_TRACE("warn", "value %ls of a profile section does not decode\n", name);
            continue;
        }
        hr = mc_propbag_set(bag, &v);
        mc_free(scratch);
        if (FAILED(hr)) goto done;
    }
    hr = S_OK;
    *out = bag;
    bag = NULL;
done:
    mc_free(data);
    if (bag) mc_propbag_free(bag);
    RegCloseKey(key);
    return hr;
}

/* Delete values whose property ID is one of `ids` but whose tag is not in `keep`. */
static void delete_other_types(HKEY key, ULONG n, const ULONG *tags, BOOL keep_same)
{
    WCHAR name[32];
    DWORD i, len;
    ULONG tag, j;

    for (i = 0;;)
    {
        BOOL removed = FALSE;
        len = ARRAYSIZE(name);
        if (RegEnumValueW(key, i, name, &len, NULL, NULL, NULL, NULL)) break;
        if (mm_regprop_parse_name(name, &tag))
        {
            for (j = 0; j < n; j++)
            {
                if (PROP_ID(tags[j]) != PROP_ID(tag)) continue;
                if (keep_same && tags[j] == tag) continue;
                if (!RegDeleteValueW(key, name)) removed = TRUE;
                break;
            }
        }
        if (!removed) i++;
    }
}

HRESULT mm_section_write(const WCHAR *profile, const MAPIUID *uid, ULONG n, const SPropValue *v)
{
    ULONG *tags = NULL;
    HKEY key;
    HRESULT hr;
    ULONG i;

    if (FAILED(hr = open_key(profile, uid, TRUE, KEY_ALL_ACCESS, &key))) return hr;
    if (n && !(tags = mc_calloc(n, sizeof(*tags))))
    {
        RegCloseKey(key);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (i = 0; i < n; i++) tags[i] = v[i].ulPropTag;
    delete_other_types(key, n, tags, TRUE);
    for (i = 0; i < n; i++)
    {
        WCHAR name[9];
        DWORD type, cb;
        BYTE *data;
        LONG err;

        if (PROP_TYPE(v[i].ulPropTag) == PT_ERROR || v[i].ulPropTag == PR_NULL) continue;
        if (FAILED(hr = mm_regprop_encode(&v[i], &type, &data, &cb))) break;
        mm_regprop_name(v[i].ulPropTag, name);
        err = RegSetValueExW(key, name, 0, type, data, cb);
        mc_free(data);
        if (err)
        {
            hr = hr_from_win32(err);
            break;
        }
    }
    mc_free(tags);
    RegCloseKey(key);
    return hr;
}

HRESULT mm_section_write_bag(const WCHAR *profile, const MAPIUID *uid, const mc_propbag *b)
{
    ULONG i, n = mc_propbag_count(b);
    SPropValue *v;
    HRESULT hr;

    if (!n) return mm_section_create(profile, uid);
    if (!(v = mc_calloc(n, sizeof(*v)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < n; i++) v[i] = *mc_propbag_at(b, i);   /* shallow: payload stays in b */
    hr = mm_section_write(profile, uid, n, v);
    mc_free(v);
    return hr;
}

HRESULT mm_section_delete_ids(const WCHAR *profile, const MAPIUID *uid, ULONG n, const ULONG *tags)
{
    HKEY key;
    HRESULT hr;

    if (FAILED(hr = open_key(profile, uid, FALSE, KEY_ALL_ACCESS, &key))) return hr;
    delete_other_types(key, n, tags, FALSE);
    RegCloseKey(key);
    return S_OK;
}
