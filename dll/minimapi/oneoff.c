/*
 * oneoff.c - one-off entry IDs (one-off-entry-identifiers.md, iaddrbook-createoneoff.md;
 * [MS-OXCDATA] 2.2.5.1 "One-Off EntryID Structure").
 *
 * Layout, all integers little-endian:
 *     4 bytes   flags, 0 (long-term)
 *     16 bytes  MAPI_ONE_OFF_UID {81 2b 1f a4 be a3 10 19 9d 6e 00 dd 01 0f 54 02}
 *     2 bytes   version, 0
 *     2 bytes   flags: MAPI_ONE_OFF_UNICODE 0x8000, MAPI_ONE_OFF_NO_RICH_INFO 0x0001 (the other
 *               bits, MS-OXCDATA's MAE / Format / R / L fields set by Outlook, are kept as
 *               read and otherwise ignored)
 *     display name, address type, e-mail address: each NUL-terminated, UTF-16LE when
 *               MAPI_ONE_OFF_UNICODE is set, else in the ANSI code page.
 * Strings in a Unicode one-off are not aligned: they are copied out character by character.
 */
#include "minimapi_private.h"

const MAPIUID mm_muid_one_off = {MAPI_ONE_OFF_UID};

#define ONEOFF_HEADER (4 + sizeof(MAPIUID) + 2 + 2)

BOOL mm_oneoff_is(ULONG cb, const ENTRYID *eid)
{
    return eid && cb >= ONEOFF_HEADER && !memcmp(eid->ab, &mm_muid_one_off, sizeof(MAPIUID));
}

HRESULT mm_oneoff_make(const WCHAR *name, const WCHAR *type, const WCHAR *address, ULONG flags,
                       ULONG *cb_out, ENTRYID **out)
{
    BOOL unicode = (flags & MAPI_UNICODE) != 0;
    const WCHAR *strs[3];
    char *ansi[3] = {NULL, NULL, NULL};
    ULONG cb = ONEOFF_HEADER, len[3], i;
    USHORT oflags = 0;
    BYTE *p;
    HRESULT hr = S_OK;

    *out = NULL;
    *cb_out = 0;
    if (!type || !address) return MAPI_E_INVALID_PARAMETER;
    strs[0] = name ? name : L"";
    strs[1] = type;
    strs[2] = address;
    if (unicode) oflags |= MAPI_ONE_OFF_UNICODE;
    if (flags & MAPI_SEND_NO_RICH_INFO) oflags |= MAPI_ONE_OFF_NO_RICH_INFO;
    for (i = 0; i < 3; i++)
    {
        if (unicode)
            len[i] = (lstrlenW(strs[i]) + 1) * sizeof(WCHAR);
        else
        {
            if (!(ansi[i] = mc_w2a(strs[i]))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
            len[i] = lstrlenA(ansi[i]) + 1;
        }
        cb += len[i];
    }
    if (FAILED(hr = MAPIAllocateBuffer(cb, (void **)&p))) goto done;
    memset(p, 0, ONEOFF_HEADER);
    memcpy(p + 4, &mm_muid_one_off, sizeof(MAPIUID));
    p[22] = (BYTE)(oflags & 0xff);
    p[23] = (BYTE)(oflags >> 8);
    *out = (ENTRYID *)p;
    *cb_out = cb;
    p += ONEOFF_HEADER;
    for (i = 0; i < 3; i++)
    {
        if (unicode)
        {
            const WCHAR *s = strs[i];
            do { *p++ = (BYTE)(*s & 0xff); *p++ = (BYTE)(*s >> 8); } while (*s++);
        }
        else
        {
            memcpy(p, ansi[i], len[i]);
            p += len[i];
        }
    }
done:
    for (i = 0; i < 3; i++) mc_free(ansi[i]);
    return hr;
}

/* One NUL-terminated string at *pos; FALSE if it runs past the end. */
static BOOL read_string(const BYTE *data, ULONG cb, ULONG *pos, BOOL unicode, WCHAR **out)
{
    ULONG start = *pos, n = 0, i;

    *out = NULL;
    if (unicode)
    {
        for (;;)
        {
            if (start + 2 * n + 1 >= cb) return FALSE;
            if (!data[start + 2 * n] && !data[start + 2 * n + 1]) break;
            n++;
        }
        if (!(*out = mc_malloc((n + 1) * sizeof(WCHAR)))) return FALSE;
        for (i = 0; i < n; i++)
            (*out)[i] = data[start + 2 * i] | (data[start + 2 * i + 1] << 8);
        (*out)[n] = 0;
        *pos = start + 2 * (n + 1);
    }
    else
    {
        while (start + n < cb && data[start + n]) n++;
        if (start + n >= cb) return FALSE;
        if (!(*out = mc_a2w((const char *)data + start))) return FALSE;
        *pos = start + n + 1;
    }
    return TRUE;
}

HRESULT mm_oneoff_create(const void *name, const void *type, const void *address, ULONG flags,
                         ULONG *cb, ENTRYID **out)
{
    BOOL unicode = (flags & MAPI_UNICODE) != 0;
    WCHAR *n = NULL, *t = NULL, *a = NULL;
    HRESULT hr;

    if (!type || !address || !cb || !out) return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(MAPI_UNICODE | MAPI_SEND_NO_RICH_INFO)) return MAPI_E_UNKNOWN_FLAGS;
    if ((name && !(n = mm_str_in(name, unicode))) || !(t = mm_str_in(type, unicode))
        || !(a = mm_str_in(address, unicode)))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else
        hr = mm_oneoff_make(n, t, a, flags, cb, out);
    mc_free(n);
    mc_free(t);
    mc_free(a);
    return hr;
}

HRESULT mm_oneoff_parse(ULONG cb, const ENTRYID *eid, mm_oneoff *out)
{
    const BYTE *p = (const BYTE *)eid;
    ULONG pos = ONEOFF_HEADER;
    USHORT version, oflags;

    memset(out, 0, sizeof(*out));
    if (!mm_oneoff_is(cb, eid)) return MAPI_E_INVALID_ENTRYID;
    version = p[20] | (p[21] << 8);
    oflags = p[22] | (p[23] << 8);
    if (version != 0) return MAPI_E_INVALID_ENTRYID;
    out->unicode = (oflags & MAPI_ONE_OFF_UNICODE) != 0;
    out->no_rich_info = (oflags & MAPI_ONE_OFF_NO_RICH_INFO) != 0;
    out->flags = oflags;
    if (!read_string(p, cb, &pos, out->unicode, &out->name)
        || !read_string(p, cb, &pos, out->unicode, &out->type)
        || !read_string(p, cb, &pos, out->unicode, &out->address))
    {
        mm_oneoff_free(out);
        return MAPI_E_INVALID_ENTRYID;
    }
    return S_OK;
}

void mm_oneoff_free(mm_oneoff *o)
{
    mc_free(o->name);
    mc_free(o->type);
    mc_free(o->address);
    memset(o, 0, sizeof(*o));
}

/* PR_SEARCH_KEY of an address: "TYPE:ADDRESS" upper-cased, ANSI, with its NUL
 * (pidtagsearchkey-canonical-property.md). One MAPIAllocateMore block on `parent`, or a root
 * block when parent is NULL. */
HRESULT mm_search_key(void *parent, const WCHAR *type, const WCHAR *address, SBinary *out)
{
    WCHAR *w;
    char *a;
    ULONG n = lstrlenW(type) + 1 + lstrlenW(address) + 1;
    HRESULT hr;

    out->cb = 0;
    out->lpb = NULL;
    if (!(w = mc_malloc(n * sizeof(WCHAR)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    swprintf(w, n, L"%ls:%ls", type, address);
    CharUpperW(w);
    a = mc_w2a(w);
    mc_free(w);
    if (!a) return MAPI_E_NOT_ENOUGH_MEMORY;
    n = lstrlenA(a) + 1;
    hr = parent ? MAPIAllocateMore(n, parent, (void **)&out->lpb)
                : MAPIAllocateBuffer(n, (void **)&out->lpb);
    if (SUCCEEDED(hr))
    {
        memcpy(out->lpb, a, n);
        out->cb = n;
    }
    mc_free(a);
    return hr;
}
