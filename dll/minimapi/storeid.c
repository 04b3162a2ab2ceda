/*
 * storeid.c - wrapped store entry IDs (imapisupport-wrapstoreentryid.md, wrapstoreentryid.md;
 * spi-digest §4.5). Clients only ever see the wrapped form; providers only the inner one.
 *
 * Layout of a wrapped store entry ID, as MAPI writes it:
 *   offset 0   abFlags[4]           0 (a long-term ID)
 *   offset 4   MUID_STORE_WRAP      38 a1 bb 10 05 e5 10 1a a1 bb 08 00 2b 2a 56 c2
 *   offset 20  version              0
 *   offset 21  flag                 0
 *   offset 22  DLL name             ANSI, NUL-terminated, as in PR_PROVIDER_DLL_NAME
 *              padding              zero bytes up to a multiple of 4 from the ID's start
 *              the provider's own (unwrapped) store entry ID, to the end
 *
 * A store section that has no PR_ENTRYID yet (never opened) gets a wrapped ID whose inner
 * part is minimapi's own: abFlags[4] = 0, MUID_MINIMAPI_SECTION, the section's MAPIUID.
 * OpenMsgStore recognises it and logs on with a NULL entry ID for that section.
 */
#include "minimapi_private.h"

static const MAPIUID muid_store_wrap =
    {{0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a, 0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2}};
/* {5c1e0a4b-7f2d-4b8e-9a31-2c6d0e8f4a17}, minimapi's "this names a profile section" marker. */
static const MAPIUID muid_minimapi_section =
    {{0x4b, 0x0a, 0x1e, 0x5c, 0x2d, 0x7f, 0x8e, 0x4b, 0x9a, 0x31, 0x2c, 0x6d, 0x0e, 0x8f, 0x4a, 0x17}};

#define WRAP_HEADER (4 + sizeof(MAPIUID) + 2)

HRESULT mm_storeid_wrap(const char *dll_name, ULONG cb, const ENTRYID *inner,
                        ULONG *cb_out, ENTRYID **out)
{
    size_t name_len, offset, total;
    BYTE *p;
    HRESULT hr;

    if (!dll_name || !inner || !cb || !cb_out || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    name_len = strlen(dll_name) + 1;
    offset = (WRAP_HEADER + name_len + 3) & ~(size_t)3;
    total = offset + cb;
    if (total > 0xffff0000u) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = MAPIAllocateBuffer((ULONG)total, (void **)&p))) return hr;
    memset(p, 0, offset);
    memcpy(p + 4, &muid_store_wrap, sizeof(MAPIUID));
    memcpy(p + WRAP_HEADER, dll_name, name_len);
    memcpy(p + offset, inner, cb);
    *out = (ENTRYID *)p;
    *cb_out = (ULONG)total;
    return S_OK;
}

BOOL mm_storeid_unwrap(ULONG cb, const ENTRYID *eid, const char **dll_name, ULONG *cb_inner,
                       const ENTRYID **inner)
{
    const BYTE *p = (const BYTE *)eid;
    const BYTE *nul;
    size_t offset;

    if (!eid || cb <= WRAP_HEADER) return FALSE;
    if (memcmp(p + 4, &muid_store_wrap, sizeof(MAPIUID))) return FALSE;
    nul = memchr(p + WRAP_HEADER, 0, cb - WRAP_HEADER);
    if (!nul || nul == p + WRAP_HEADER) return FALSE;
    offset = ((size_t)(nul + 1 - p) + 3) & ~(size_t)3;
    if (offset >= cb) return FALSE;
    if (dll_name) *dll_name = (const char *)(p + WRAP_HEADER);
    if (cb_inner) *cb_inner = cb - (ULONG)offset;
    if (inner) *inner = (const ENTRYID *)(p + offset);
    return TRUE;
}

HRESULT mm_storeid_section_id(const MAPIUID *section, ULONG *cb, ENTRYID **out)
{
    BYTE *p;
    HRESULT hr;
    if (FAILED(hr = MAPIAllocateBuffer(4 + 2 * sizeof(MAPIUID), (void **)&p))) return hr;
    memset(p, 0, 4);
    memcpy(p + 4, &muid_minimapi_section, sizeof(MAPIUID));
    memcpy(p + 4 + sizeof(MAPIUID), section, sizeof(MAPIUID));
    *out = (ENTRYID *)p;
    *cb = 4 + 2 * sizeof(MAPIUID);
    return S_OK;
}

BOOL mm_storeid_is_section_id(ULONG cb, const ENTRYID *inner, MAPIUID *section)
{
    const BYTE *p = (const BYTE *)inner;
    if (!inner || cb != 4 + 2 * sizeof(MAPIUID)) return FALSE;
    if (memcmp(p + 4, &muid_minimapi_section, sizeof(MAPIUID))) return FALSE;
    if (section) memcpy(section, p + 4 + sizeof(MAPIUID), sizeof(MAPIUID));
    return TRUE;
}
