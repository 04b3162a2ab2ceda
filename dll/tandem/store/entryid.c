/*
 * entryid.c - encoding and decoding of Tandem entry identifiers (layout in entryid.h).
 * Invariant: td_eid_decode never reads outside [eid, eid + cb) and accepts any alignment;
 * everything it returns is validated (known version and kind, exact length, path terminated
 * exactly at the end and free of embedded NULs).
 */
#include "entryid.h"

const MAPIUID td_provider_uid =
    {{ 0xa4, 0x49, 0xcb, 0xd1, 0x15, 0xaa, 0x42, 0x4d,
       0x80, 0x04, 0xdd, 0x89, 0x60, 0xd5, 0xd5, 0xfd }};

static void write_header(BYTE *p, BYTE kind, const GUID *store_guid)
{
    memset(p, 0, 4);
    memcpy(p + 4, &td_provider_uid, sizeof(MAPIUID));
    p[20] = TD_EID_VERSION;
    p[21] = kind;
    memcpy(p + 22, store_guid, sizeof(GUID));
}

HRESULT td_eid_encode_store(const GUID *store_guid, const WCHAR *path, ULONG *cb, ENTRYID **out)
{
    size_t len, i;
    BYTE *p;

    if (!store_guid || !path || !cb || !out) return MAPI_E_INVALID_PARAMETER;
    len = wcslen(path);
    if (!len || len > TD_EID_MAX_PATH) return MAPI_E_INVALID_PARAMETER;

    if (!(p = mc_malloc(TD_EID_HEADER_SIZE + (len + 1) * 2))) return MAPI_E_NOT_ENOUGH_MEMORY;
    write_header(p, TD_EID_STORE, store_guid);
    for (i = 0; i <= len; i++)
    {
        p[TD_EID_HEADER_SIZE + 2 * i]     = (BYTE)(path[i] & 0xff);
        p[TD_EID_HEADER_SIZE + 2 * i + 1] = (BYTE)(path[i] >> 8);
    }
    *cb = (ULONG)(TD_EID_HEADER_SIZE + (len + 1) * 2);
    *out = (ENTRYID *)p;
    return S_OK;
}

HRESULT td_eid_encode_object(BYTE kind, const GUID *store_guid, ULONGLONG object_id, ULONG *cb,
                             ENTRYID **out)
{
    BYTE *p;
    int i;

    if (!store_guid || !cb || !out) return MAPI_E_INVALID_PARAMETER;
    if (kind != TD_EID_FOLDER && kind != TD_EID_MESSAGE && kind != TD_EID_ATTACH)
        return MAPI_E_INVALID_PARAMETER;
    if (!(p = mc_malloc(TD_EID_HEADER_SIZE + 8))) return MAPI_E_NOT_ENOUGH_MEMORY;
    write_header(p, kind, store_guid);
    for (i = 0; i < 8; i++) p[TD_EID_HEADER_SIZE + i] = (BYTE)(object_id >> (8 * i));
    *cb = TD_EID_HEADER_SIZE + 8;
    *out = (ENTRYID *)p;
    return S_OK;
}

/* Validate the header and return the kind; 0 when the bytes are not a Tandem entry ID. */
static BYTE check_header(ULONG cb, const BYTE *p)
{
    if (!p || cb < TD_EID_HEADER_SIZE) return 0;
    if (memcmp(p + 4, &td_provider_uid, sizeof(MAPIUID))) return 0;
    if (p[20] != TD_EID_VERSION) return 0;
    switch (p[21])
    {
    case TD_EID_STORE:
        /* at least one character and the terminator, whole UTF-16 units */
        if (cb < TD_EID_HEADER_SIZE + 4 || (cb - TD_EID_HEADER_SIZE) % 2) return 0;
        if ((cb - TD_EID_HEADER_SIZE) / 2 - 1 > TD_EID_MAX_PATH) return 0;
        return TD_EID_STORE;
    case TD_EID_FOLDER:
    case TD_EID_MESSAGE:
    case TD_EID_ATTACH:
        return cb == TD_EID_HEADER_SIZE + 8 ? p[21] : 0;
    default:
        return 0;
    }
}

HRESULT td_eid_decode(ULONG cb, const ENTRYID *eid, td_eid *out)
{
    const BYTE *p = (const BYTE *)eid;
    BYTE kind;
    ULONG n, i;

    if (!out) return MAPI_E_INVALID_PARAMETER;
    memset(out, 0, sizeof(*out));
    if (!(kind = check_header(cb, p))) return MAPI_E_INVALID_ENTRYID;

    out->kind = kind;
    memcpy(&out->store_guid, p + 22, sizeof(GUID));
    if (kind != TD_EID_STORE)
    {
        for (i = 0; i < 8; i++) out->object_id |= (ULONGLONG)p[TD_EID_HEADER_SIZE + i] << (8 * i);
        return S_OK;
    }

    n = (cb - TD_EID_HEADER_SIZE) / 2;      /* characters including the terminator */
    if (!(out->path = mc_malloc(n * sizeof(WCHAR)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    for (i = 0; i < n; i++)
        out->path[i] = (WCHAR)(p[TD_EID_HEADER_SIZE + 2 * i] | (p[TD_EID_HEADER_SIZE + 2 * i + 1] << 8));
    /* exactly one NUL, at the end */
    for (i = 0; i < n - 1; i++)
        if (!out->path[i]) break;
    if (i != n - 1 || out->path[n - 1])
    {
        td_eid_clear(out);
        return MAPI_E_INVALID_ENTRYID;
    }
    return S_OK;
}

void td_eid_clear(td_eid *e)
{
    if (!e) return;
    mc_free(e->path);
    memset(e, 0, sizeof(*e));
}

HRESULT td_eid_compare_stores(ULONG cb1, const ENTRYID *e1, ULONG cb2, const ENTRYID *e2,
                              BOOL *same)
{
    const BYTE *p1 = (const BYTE *)e1, *p2 = (const BYTE *)e2;

    if (!same) return MAPI_E_INVALID_PARAMETER;
    *same = FALSE;
    if (check_header(cb1, p1) != TD_EID_STORE || check_header(cb2, p2) != TD_EID_STORE)
        return MAPI_E_INVALID_ENTRYID;
    *same = !memcmp(p1 + 22, p2 + 22, sizeof(GUID));
    return S_OK;
}

HRESULT td_eid_compare(ULONG cb1, const ENTRYID *e1, ULONG cb2, const ENTRYID *e2, BOOL *same)
{
    const BYTE *p1 = (const BYTE *)e1, *p2 = (const BYTE *)e2;
    BYTE k1, k2;

    if (!same) return MAPI_E_INVALID_PARAMETER;
    *same = FALSE;
    k1 = check_header(cb1, p1);
    k2 = check_header(cb2, p2);
    if (!k1 || !k2) return MAPI_E_INVALID_ENTRYID;
    if (k1 != k2 || memcmp(p1 + 22, p2 + 22, sizeof(GUID))) return S_OK;
    if (k1 == TD_EID_STORE) *same = TRUE;
    else *same = !memcmp(p1 + TD_EID_HEADER_SIZE, p2 + TD_EID_HEADER_SIZE, 8);
    return S_OK;
}
