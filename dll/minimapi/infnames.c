/*
 * infnames.c - the symbolic names MAPISVC.INF may use: property tags by PR_ name and flag
 * values by constant name (file-format-of-mapisvc-inf.md,
 * property-entries-in-mapisvc-inf-message-service-sections.md,
 * mapisvc-inf-service-provider-sections.md, pidtagresourceflags-canonical-property.md,
 * pidtagresourcetype-canonical-property.md).
 * String properties are listed with PT_UNICODE; a name ending in _A or _W selects the width.
 */
#include "minimapi_private.h"

typedef struct mm_name { const WCHAR *name; ULONG value; } mm_name;

static const mm_name prop_names[] =
{
    {L"PR_AB_PROVIDER_ID",          PROP_TAG(PT_BINARY, 0x3615)},
    {L"PR_ADDRTYPE",                PROP_TAG(PT_UNICODE, 0x3002)},
    {L"PR_COMMENT",                 PROP_TAG(PT_UNICODE, 0x3004)},
    {L"PR_DEFAULT_STORE",           PROP_TAG(PT_BOOLEAN, 0x3400)},
    {L"PR_DISPLAY_NAME",            PROP_TAG(PT_UNICODE, 0x3001)},
    {L"PR_DISPLAY_TYPE",            PROP_TAG(PT_LONG, 0x3900)},
    {L"PR_EMAIL_ADDRESS",           PROP_TAG(PT_UNICODE, 0x3003)},
    {L"PR_ENTRYID",                 PROP_TAG(PT_BINARY, 0x0FFF)},
    {L"PR_IDENTITY_DISPLAY",        PROP_TAG(PT_UNICODE, 0x3E00)},
    {L"PR_IDENTITY_ENTRYID",        PROP_TAG(PT_BINARY, 0x3E01)},
    {L"PR_IDENTITY_SEARCH_KEY",     PROP_TAG(PT_BINARY, 0x3E05)},
    {L"PR_MDB_PROVIDER",            PROP_TAG(PT_BINARY, 0x3414)},
    {L"PR_OWN_STORE_ENTRYID",       PROP_TAG(PT_BINARY, 0x3E06)},
    {L"PR_PROFILE_NAME",            PROP_TAG(PT_UNICODE, 0x3D12)},
    {L"PR_PROVIDER_DISPLAY",        PROP_TAG(PT_UNICODE, 0x3006)},
    {L"PR_PROVIDER_DLL_NAME",       PROP_TAG(PT_UNICODE, 0x300A)},
    {L"PR_PROVIDER_ORDINAL",        PROP_TAG(PT_LONG, 0x300D)},
    {L"PR_PROVIDER_UID",            PROP_TAG(PT_BINARY, 0x300C)},
    {L"PR_PST_ENCRYPTION",          PROP_TAG(PT_LONG, 0x6702)},
    {L"PR_PST_PATH",                PROP_TAG(PT_UNICODE, 0x6700)},
    {L"PR_PST_REMEMBER_PW",         PROP_TAG(PT_BOOLEAN, 0x6701)},
    {L"PR_RECORD_KEY",              PROP_TAG(PT_BINARY, 0x0FF9)},
    {L"PR_RESOURCE_FLAGS",          PROP_TAG(PT_LONG, 0x3009)},
    {L"PR_RESOURCE_METHODS",        PROP_TAG(PT_LONG, 0x3E02)},
    {L"PR_RESOURCE_PATH",           PROP_TAG(PT_UNICODE, 0x3D07)},
    {L"PR_RESOURCE_TYPE",           PROP_TAG(PT_LONG, 0x3E03)},
    {L"PR_SEARCH_KEY",              PROP_TAG(PT_BINARY, 0x300B)},
    {L"PR_SERVICE_DELETE_FILES",    PROP_TAG(PT_MV_UNICODE, 0x3D10)},
    {L"PR_SERVICE_DLL_NAME",        PROP_TAG(PT_UNICODE, 0x3D0A)},
    {L"PR_SERVICE_ENTRY_NAME",      PROP_TAG(PT_STRING8, 0x3D0B)},
    {L"PR_SERVICE_EXTRA_UIDS",      PROP_TAG(PT_BINARY, 0x3D0D)},
    {L"PR_SERVICE_INSTALL_ID",      PROP_TAG(PT_UNICODE, 0x3D13)},
    {L"PR_SERVICE_NAME",            PROP_TAG(PT_UNICODE, 0x3D09)},
    {L"PR_SERVICE_SUPPORT_FILES",   PROP_TAG(PT_MV_UNICODE, 0x3D0F)},
    {L"PR_SERVICE_UID",             PROP_TAG(PT_BINARY, 0x3D0C)},
    {L"PR_STATUS_CODE",             PROP_TAG(PT_LONG, 0x3E04)},
    {L"PR_STATUS_STRING",           PROP_TAG(PT_UNICODE, 0x3E08)},
};

static const mm_name flag_names[] =
{
    /* PR_RESOURCE_TYPE values */
    {L"MAPI_AB",                     MAPI_AB},
    {L"MAPI_AB_PROVIDER",            MAPI_AB_PROVIDER},
    {L"MAPI_HOOK_PROVIDER",          40},
    {L"MAPI_PROFILE_PROVIDER",       38},
    {L"MAPI_SPOOLER",                MAPI_SPOOLER},
    {L"MAPI_STORE_PROVIDER",         MAPI_STORE_PROVIDER},
    {L"MAPI_SUBSYSTEM",              MAPI_SUBSYSTEM},
    {L"MAPI_TRANSPORT_PROVIDER",     MAPI_TRANSPORT_PROVIDER},
    /* provider PR_RESOURCE_FLAGS */
    {L"HOOK_INBOUND",                0x00000200},
    {L"HOOK_OUTBOUND",               0x00000400},
    {L"STATUS_DEFAULT_OUTBOUND",     0x00000001},
    {L"STATUS_DEFAULT_STORE",        0x00000002},
    {L"STATUS_NEED_IPM_TREE",        0x00000800},
    {L"STATUS_NO_DEFAULT_STORE",     0x00000040},
    {L"STATUS_NO_PRIMARY_IDENTITY",  0x00000020},
    {L"STATUS_OWN_STORE",            0x00000100},
    {L"STATUS_PRIMARY_IDENTITY",     0x00000004},
    {L"STATUS_PRIMARY_STORE",        0x00001000},
    {L"STATUS_SECONDARY_STORE",      0x00002000},
    {L"STATUS_SIMPLE_STORE",         0x00000008},
    {L"STATUS_TEMP_SECTION",         0x00000080},
    {L"STATUS_XP_PREFER_LAST",       0x00000010},
    /* service PR_RESOURCE_FLAGS */
    {L"SERVICE_CREATE_WITH_STORE",   0x00000004},
    {L"SERVICE_DEFAULT_STORE",       0x00000001},
    {L"SERVICE_NO_PRIMARY_IDENTITY", 0x00000020},
    {L"SERVICE_PRIMARY_IDENTITY",    0x00000008},
    {L"SERVICE_SINGLE_COPY",         0x00000002},
    /* PR_RESOURCE_METHODS and PR_STATUS_CODE */
    {L"STATUS_AVAILABLE",            0x00000001},
    {L"STATUS_CHANGE_PASSWORD",      0x00000004},
    {L"STATUS_FAILURE",              0x00000004},
    {L"STATUS_FLUSH_QUEUES",         0x00000008},
    {L"STATUS_OFFLINE",              0x00000002},
    {L"STATUS_SETTINGS_DIALOG",      0x00000002},
    {L"STATUS_VALIDATE_STATE",       0x00000001},
};

static const mm_name *find(const mm_name *table, size_t n, const WCHAR *name, size_t len)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (wcslen(table[i].name) == len && !_wcsnicmp(table[i].name, name, len))
            return &table[i];
    return NULL;
}

BOOL mm_propname_lookup(const WCHAR *name, ULONG *tag)
{
    size_t len = wcslen(name);
    const mm_name *n = find(prop_names, ARRAYSIZE(prop_names), name, len);
    ULONG type;

    if (n)
    {
        *tag = n->value;
        return TRUE;
    }
    /* PR_xxx_A / PR_xxx_W: the string width of a string property. */
    if (len > 2 && name[len - 2] == '_' && (name[len - 1] == 'A' || name[len - 1] == 'W'
                                            || name[len - 1] == 'a' || name[len - 1] == 'w'))
    {
        if (!(n = find(prop_names, ARRAYSIZE(prop_names), name, len - 2))) return FALSE;
        type = PROP_TYPE(n->value);
        if ((type & ~MV_FLAG) != PT_UNICODE && (type & ~MV_FLAG) != PT_STRING8) return FALSE;
        type = (type & MV_FLAG)
             | ((name[len - 1] == 'A' || name[len - 1] == 'a') ? PT_STRING8 : PT_UNICODE);
        *tag = PROP_TAG(type, PROP_ID(n->value));
        return TRUE;
    }
    return FALSE;
}

BOOL mm_flagname_lookup(const WCHAR *name, ULONG *value)
{
    const mm_name *n = find(flag_names, ARRAYSIZE(flag_names), name, wcslen(name));
    if (!n) return FALSE;
    *value = n->value;
    return TRUE;
}
