/*
 * inf.c - the MAPISVC.INF reader (file-format-of-mapisvc-inf.md and the pages it links:
 * [Services], [Default Services], service sections with Providers=/Sections=, provider
 * sections with property entries).
 *
 * Parsing is in two steps: mm_inf_parse checks the syntax of the whole file (sections,
 * `key=value` entries, `;` comments) and keeps the text; mm_inf_section_props turns the entries
 * of one section into property values when a service is copied into a profile. Sections with
 * the same name are merged, as the INF format allows.
 */
#include "minimapi_private.h"
#include <objbase.h>
#include <wctype.h>

static WCHAR *why_printf(const WCHAR *fmt, ...)
{
    WCHAR buf[512];
    va_list args;
    va_start(args, fmt);
    _vsnwprintf(buf, ARRAYSIZE(buf) - 1, fmt, args);
    va_end(args);
    buf[ARRAYSIZE(buf) - 1] = 0;
    return mc_wcsdup(buf);
}

static WCHAR *trim(WCHAR *s, WCHAR *end)
{
    while (s < end && iswspace(*s)) s++;
    while (end > s && iswspace(end[-1])) end--;
    *end = 0;
    return s;
}

void mm_inf_free(mm_inf *inf)
{
    ULONG i, j;
    if (!inf) return;
    for (i = 0; i < inf->count; i++)
    {
        mm_inf_section *s = &inf->sections[i];
        for (j = 0; j < s->count; j++)
        {
            mc_free(s->entries[j].key);
            mc_free(s->entries[j].value);
        }
        mc_free(s->entries);
        mc_free(s->name);
    }
    mc_free(inf->sections);
    mc_free(inf->path);
    mc_free(inf);
}

const mm_inf_section *mm_inf_section_find(const mm_inf *inf, const WCHAR *name)
{
    ULONG i;
    if (!inf || !name) return NULL;
    for (i = 0; i < inf->count; i++)
        if (!lstrcmpiW(inf->sections[i].name, name)) return &inf->sections[i];
    return NULL;
}

const WCHAR *mm_inf_value(const mm_inf_section *s, const WCHAR *key)
{
    ULONG i;
    if (!s) return NULL;
    for (i = 0; i < s->count; i++)
        if (!lstrcmpiW(s->entries[i].key, key)) return s->entries[i].value;
    return NULL;
}

static mm_inf_section *section_get(mm_inf *inf, const WCHAR *name)
{
    mm_inf_section *grown;
    ULONG i;

    for (i = 0; i < inf->count; i++)
        if (!lstrcmpiW(inf->sections[i].name, name)) return &inf->sections[i];
    if (!(grown = mc_realloc(inf->sections, (inf->count + 1) * sizeof(*grown)))) return NULL;
    inf->sections = grown;
    memset(&grown[inf->count], 0, sizeof(*grown));
    if (!(grown[inf->count].name = mc_wcsdup(name))) return NULL;
    return &inf->sections[inf->count++];
}

static BOOL section_add(mm_inf_section *s, const WCHAR *key, const WCHAR *value, ULONG line)
{
    mm_inf_entry *grown;
    if (!(grown = mc_realloc(s->entries, (s->count + 1) * sizeof(*grown)))) return FALSE;
    s->entries = grown;
    grown[s->count].key = mc_wcsdup(key);
    grown[s->count].value = mc_wcsdup(value);
    grown[s->count].line = line;
    if (!grown[s->count].key || !grown[s->count].value)
    {
        mc_free(grown[s->count].key);
        mc_free(grown[s->count].value);
        return FALSE;
    }
    s->count++;
    return TRUE;
}

HRESULT mm_inf_parse(const WCHAR *text, mm_inf **out, WCHAR **why)
{
    mm_inf *inf;
    mm_inf_section *current = NULL;
    WCHAR *copy, *line, *next;
    ULONG number = 0;
    HRESULT hr = S_OK;

    *out = NULL;
    *why = NULL;
    if (!(inf = mc_calloc(1, sizeof(*inf)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (*text == 0xfeff) text++;
    if (!(copy = mc_wcsdup(text)))
    {
        mc_free(inf);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    for (line = copy; line; line = next)
    {
        WCHAR *end = wcschr(line, '\n'), *s, *eq;
        number++;
        next = end ? end + 1 : NULL;
        if (!end) end = line + wcslen(line);
        s = trim(line, end);
        if (!*s || *s == ';') continue;
        if (*s == '[')
        {
            WCHAR *close = wcschr(s, ']');
            WCHAR *name;
            if (!close || close[1])
            {
                *why = why_printf(L"line %lu: a section header must look like [name]", number);
                hr = MAPI_E_CORRUPT_DATA;
                break;
            }
            name = trim(s + 1, close);
            if (!*name)
            {
                *why = why_printf(L"line %lu: empty section name", number);
                hr = MAPI_E_CORRUPT_DATA;
                break;
            }
            if (!(current = section_get(inf, name)))
            {
                hr = MAPI_E_NOT_ENOUGH_MEMORY;
                break;
            }
            continue;
        }
        if (!(eq = wcschr(s, '=')) || eq == s)
        {
            *why = why_printf(L"line %lu: expected key=value, found \"%.60ls\"", number, s);
            hr = MAPI_E_CORRUPT_DATA;
            break;
        }
        if (!current)
        {
            *why = why_printf(L"line %lu: an entry before the first [section]", number);
            hr = MAPI_E_CORRUPT_DATA;
            break;
        }
        *eq = 0;
        if (!section_add(current, trim(s, eq), trim(eq + 1, eq + 1 + wcslen(eq + 1)), number))
        {
            hr = MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
    }
    mc_free(copy);
    if (FAILED(hr))
    {
        mm_inf_free(inf);
        return hr;
    }
    *out = inf;
    return S_OK;
}

HRESULT mm_inf_load(const WCHAR *path, mm_inf **out, WCHAR **why)
{
    HANDLE file;
    LARGE_INTEGER size;
    BYTE *data = NULL;
    WCHAR *text = NULL;
    DWORD read;
    HRESULT hr;

    *out = NULL;
    *why = NULL;
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE)
    {
        DWORD err = GetLastError();
        *why = why_printf(L"cannot open %ls (error %lu)", path, err);
        return (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
               ? MAPI_E_NOT_FOUND : MAPI_E_NO_ACCESS;
    }
    if (!GetFileSizeEx(file, &size) || size.QuadPart > 16 * 1024 * 1024)
    {
        *why = why_printf(L"%ls is not a readable file of a sensible size", path);
        hr = MAPI_E_CORRUPT_DATA;
        goto done;
    }
    if (!(data = mc_malloc(size.LowPart + 4)))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    if (!ReadFile(file, data, size.LowPart, &read, NULL) || read != size.LowPart)
    {
        *why = why_printf(L"cannot read %ls (error %lu)", path, GetLastError());
        hr = MAPI_E_CALL_FAILED;
        goto done;
    }
    memset(data + read, 0, 4);
    if (read >= 2 && data[0] == 0xff && data[1] == 0xfe)
        text = mc_wcsdup((WCHAR *)(data + 2));
    else
    {
        UINT cp = CP_ACP;
        const char *start = (const char *)data;
        int len;
        if (read >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
        {
            cp = CP_UTF8;
            start += 3;
        }
        len = MultiByteToWideChar(cp, 0, start, -1, NULL, 0);
        if (len > 0 && (text = mc_calloc(len, sizeof(WCHAR))))
            MultiByteToWideChar(cp, 0, start, -1, text, len);
    }
    if (!text)
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    hr = mm_inf_parse(text, out, why);
    if (FAILED(hr) && *why)
    {
        WCHAR *with_path = why_printf(L"%ls, %ls", path, *why);
        if (with_path)
        {
            mc_free(*why);
            *why = with_path;
        }
    }
    if (SUCCEEDED(hr)) (*out)->path = mc_wcsdup(path);
done:
    mc_free(text);
    mc_free(data);
    CloseHandle(file);
    return hr;
}

MM_DEFINE_STATIC_CS(inf_path_cs);
static WCHAR *inf_path_override;

void mm_inf_set_path(const WCHAR *path)
{
    EnterCriticalSection(&inf_path_cs);
    mc_free(inf_path_override);
    inf_path_override = path ? mc_wcsdup(path) : NULL;
    LeaveCriticalSection(&inf_path_cs);
}

HRESULT mm_inf_load_default(mm_inf **out, WCHAR **why)
{
    WCHAR *dir, *path;
    HRESULT hr;
    size_t len;

    *out = NULL;
    *why = NULL;
    EnterCriticalSection(&inf_path_cs);
    path = inf_path_override ? mc_wcsdup(inf_path_override) : NULL;
    LeaveCriticalSection(&inf_path_cs);
    if (path)
    {
        hr = mm_inf_load(path, out, why);
        mc_free(path);
        return hr;
    }
    if (!(dir = mm_module_dir())) return MAPI_E_CALL_FAILED;
    len = wcslen(dir) + 20;
    if (!(path = mc_calloc(len, sizeof(WCHAR))))
    {
        mc_free(dir);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    _snwprintf(path, len, L"%ls\\MAPISVC.INF", dir);
    hr = mm_inf_load(path, out, why);
    mc_free(path);
    mc_free(dir);
    return hr;
}

HRESULT mm_inf_split_list(const WCHAR *value, WCHAR ***items, ULONG *count)
{
    WCHAR **list = NULL, *copy, *p, *comma;
    ULONG n = 0;

    *items = NULL;
    *count = 0;
    if (!value) return S_OK;
    if (!(copy = mc_wcsdup(value))) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (p = copy; p; p = comma ? comma + 1 : NULL)
    {
        WCHAR *item, **grown;
        comma = wcschr(p, ',');
        item = trim(p, comma ? comma : p + wcslen(p));
        if (!*item) continue;
        if (!(grown = mc_realloc(list, (n + 1) * sizeof(*grown))) || !(grown[n] = mc_wcsdup(item)))
        {
            if (grown) list = grown;
            mm_free_strings(list, n);
            mc_free(copy);
            return MAPI_E_NOT_ENOUGH_MEMORY;
        }
        list = grown;
        n++;
    }
    mc_free(copy);
    *items = list;
    *count = n;
    return S_OK;
}

/* A number (decimal, 0x hex) or flag names joined by '|'. */
static BOOL parse_flags(const WCHAR *value, ULONG *out)
{
    WCHAR *copy = mc_wcsdup(value), *p, *bar;
    ULONG result = 0;
    BOOL ok = copy != NULL;

    for (p = copy; ok && p; p = bar ? bar + 1 : NULL)
    {
        WCHAR *token, *end;
        ULONG v;
        bar = wcschr(p, '|');
        token = trim(p, bar ? bar : p + wcslen(p));
        if (!*token) { ok = FALSE; break; }
        if (iswdigit(*token) || *token == '-')
        {
            v = wcstoul(token, &end, 0);
            if (*token == '-') v = (ULONG)wcstol(token, &end, 0);
            if (*end) ok = FALSE;
        }
        else if (!mm_flagname_lookup(token, &v))
            ok = FALSE;
        result |= v;
    }
    mc_free(copy);
    if (ok) *out = result;
    return ok;
}

static BOOL parse_binary(const WCHAR *value, BYTE **data, ULONG *cb)
{
    size_t len = wcslen(value), i, n = 0;
    BYTE *bytes;
    int half = -1;

    if (!(bytes = mc_malloc(len / 2 + 1))) return FALSE;
    for (i = 0; i < len; i++)
    {
        WCHAR c = value[i];
        int d;
        if (iswspace(c)) continue;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else { mc_free(bytes); return FALSE; }
        if (half < 0) half = d;
        else
        {
            bytes[n++] = (BYTE)(half << 4 | d);
            half = -1;
        }
    }
    if (half >= 0) { mc_free(bytes); return FALSE; }
    *data = bytes;
    *cb = (ULONG)n;
    return TRUE;
}

/* Parse one entry into the bag. */
static HRESULT entry_to_prop(ULONG tag, const mm_inf_entry *e, mc_propbag *bag, WCHAR **why)
{
    ULONG type = PROP_TYPE(tag), n, i;
    SPropValue v;
    HRESULT hr = S_OK;
    WCHAR *end;
    void *owned = NULL;
    WCHAR **items = NULL;
    char **items_a = NULL;
    GUID guid;

    memset(&v, 0, sizeof(v));
    v.ulPropTag = tag;
    switch (type)
    {
    case PT_UNICODE:
        v.Value.lpszW = e->value;
        break;
    case PT_STRING8:
        if (!(owned = mc_w2a(e->value))) return MAPI_E_NOT_ENOUGH_MEMORY;
        v.Value.lpszA = owned;
        break;
    case PT_LONG:
        if (!parse_flags(e->value, &v.Value.ul)) goto bad;
        break;
    case PT_I2:
    {
        ULONG l;
        if (!parse_flags(e->value, &l)) goto bad;
        v.Value.i = (short)l;
        break;
    }
    case PT_BOOLEAN:
        if (!lstrcmpiW(e->value, L"TRUE")) v.Value.b = TRUE;
        else if (!lstrcmpiW(e->value, L"FALSE")) v.Value.b = FALSE;
        else
        {
            ULONG l;
            if (!parse_flags(e->value, &l)) goto bad;
            v.Value.b = l != 0;
        }
        break;
    case PT_I8:
        v.Value.li.QuadPart = _wcstoi64(e->value, &end, 0);
        if (!*e->value || *end) goto bad;
        break;
    case PT_DOUBLE: case PT_APPTIME:
        v.Value.dbl = wcstod(e->value, &end);
        if (!*e->value || *end) goto bad;
        break;
    case PT_R4:
        v.Value.flt = (float)wcstod(e->value, &end);
        if (!*e->value || *end) goto bad;
        break;
    case PT_BINARY:
    {
        BYTE *data;
        if (!parse_binary(e->value, &data, &v.Value.bin.cb)) goto bad;
        v.Value.bin.lpb = owned = data;
        break;
    }
    case PT_CLSID:
        if (FAILED(IIDFromString(e->value, &guid))) goto bad;
        v.Value.lpguid = &guid;
        break;
    case PT_MV_UNICODE:
    case PT_MV_STRING8:
        if (FAILED(hr = mm_inf_split_list(e->value, &items, &n))) return hr;
        if (!n) goto bad;
        if (type == PT_MV_UNICODE)
        {
            v.Value.MVszW.cValues = n;
            v.Value.MVszW.lppszW = items;
        }
        else
        {
            if (!(items_a = mc_calloc(n, sizeof(*items_a)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
            for (i = 0; i < n; i++)
                if (!(items_a[i] = mc_w2a(items[i]))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
            v.Value.MVszA.cValues = n;
            v.Value.MVszA.lppszA = items_a;
        }
        break;
    default:
        *why = why_printf(L"line %lu: %ls: property type %#lx cannot be written in MAPISVC.INF",
                          e->line, e->key, type);
        return MAPI_E_CORRUPT_DATA;
    }
    hr = mc_propbag_set(bag, &v);
done:
    if (items_a)
    {
        for (i = 0; i < n; i++) mc_free(items_a[i]);
        mc_free(items_a);
    }
    if (items) mm_free_strings(items, n);
    mc_free(owned);
    return hr;

bad:
    mc_free(owned);
    *why = why_printf(L"line %lu: \"%ls\" is not a valid value for %ls", e->line, e->value, e->key);
    return MAPI_E_CORRUPT_DATA;
}

HRESULT mm_inf_section_props(const mm_inf_section *s, mc_propbag *bag, WCHAR **why)
{
    ULONG i, tag;
    HRESULT hr;

    *why = NULL;
    for (i = 0; i < s->count; i++)
    {
        const mm_inf_entry *e = &s->entries[i];
        if (mm_regprop_parse_name(e->key, &tag))
        {
            if (!mc_prop_type_valid(PROP_TYPE(tag)) || PROP_TYPE(tag) == PT_OBJECT)
            {
                *why = why_printf(L"line %lu: %ls is not a usable property tag", e->line, e->key);
                return MAPI_E_CORRUPT_DATA;
            }
        }
        else if (!_wcsnicmp(e->key, L"PR_", 3))
        {
            if (!mm_propname_lookup(e->key, &tag))
            {
                MC_TRACE(MM_CH, "[%ls] line %lu: unknown property name %ls, skipped\n",
                         s->name, e->line, e->key);
                continue;
            }
        }
        else
            continue;   /* Providers=, Sections=, SectionGUID=, WIZARD_ENTRY_NAME=... */
        if (FAILED(hr = entry_to_prop(tag, e, bag, why))) return hr;
    }
    return S_OK;
}
