/*
 * util.c - small helpers shared by minimapi's parts: caller strings in either width, MAPIUIDs
 * as hex, new UIDs, minimapi's own folder.
 */
#include "minimapi_private.h"
#include <objbase.h>

HINSTANCE mm_instance;

/* {00020385-0000-0000-C000-000000000046} in memory order (iprofsectimapiprop.md). */
const MAPIUID mm_muid_profile_instance =
    {{0x85, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

WCHAR *mm_str_in(const void *s, BOOL unicode)
{
    if (!s) return NULL;
    return unicode ? mc_wcsdup(s) : mc_a2w(s);
}

void mm_uid_to_hex(const MAPIUID *uid, WCHAR hex[33])
{
    static const WCHAR digits[] = L"0123456789ABCDEF";
    int i;
    for (i = 0; i < 16; i++)
    {
        hex[2 * i] = digits[uid->ab[i] >> 4];
        hex[2 * i + 1] = digits[uid->ab[i] & 0xf];
    }
    hex[32] = 0;
}

static int hex_digit(WCHAR c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

BOOL mm_uid_from_hex(const WCHAR *hex, MAPIUID *uid)
{
    int i;
    for (i = 0; i < 16; i++)
    {
        int hi = hex_digit(hex[2 * i]), lo;
        if (hi < 0) return FALSE;
        lo = hex_digit(hex[2 * i + 1]);
        if (lo < 0) return FALSE;
        uid->ab[i] = (BYTE)(hi << 4 | lo);
    }
    return hex[32] == 0;
}

HRESULT mm_new_uid(MAPIUID *uid)
{
    GUID g;
    if (FAILED(CoCreateGuid(&g))) return MAPI_E_CALL_FAILED;
    memcpy(uid->ab, &g, sizeof(uid->ab));
    return S_OK;
}

WCHAR *mm_module_dir(void)
{
    WCHAR path[MAX_PATH], *slash;
    DWORD len;
    HMODULE mod = mm_instance;

    /* In the unit tests minimapi_core is linked into the test program: no DllMain ran. */
    if (!mod)
        GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS
                           | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                           (LPCWSTR)mm_module_dir, &mod);
    len = GetModuleFileNameW(mod, path, MAX_PATH);
    if (!len || len >= MAX_PATH) return NULL;
    if ((slash = wcsrchr(path, '\\'))) *slash = 0;
    return mc_wcsdup(path);
}
