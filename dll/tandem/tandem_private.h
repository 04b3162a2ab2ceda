/*
 * tandem_private.h - what the parts of tandem32.dll share: the provider's identity (its
 * MAPIUID, DLL name, display strings), the private profile properties of the TANDEM service,
 * and the configuration record ServiceEntry writes and the providers read.
 *
 * Private profile properties (0x6600-0x67EF: ordinary private data; 0x67F0-0x67FF is the
 * profile's secure range and is kept for secrets such as passwords, iprofsectimapiprop.md).
 * All of them live in the SERVICE's profile section, written by ServiceEntry(CONFIGURE):
 *
 *   PR_PST_PATH_W / _A      0x6700  full path of the store's SQLite file (public tag,
 *                                   pidtagpstpath-canonical-property.md)
 *   PR_TD_STORE_GUID        0x6601  PT_BINARY, 16 bytes: the store's identity. The same GUID
 *                                   is kept in the database file (table `store`); the file
 *                                   wins when they differ (see msprovider.c).
 *   PR_TD_DROP_ROOT_W / _A  0x6790  root folder of the transport's drop-directory channel
 *   further 0x679x tags     reserved for the SMTP/POP3/IMAP channel settings (issue 6)
 *
 * PR_DISPLAY_NAME_W/_A and PR_EMAIL_ADDRESS_W/_A in the service section hold the account's
 * display name and SMTP address.
 */
#ifndef TANDEM_PRIVATE_H
#define TANDEM_PRIVATE_H

#include "mapicore.h"

#define PR_TD_STORE_GUID    PROP_TAG(PT_BINARY, 0x6601)
#define PR_TD_DROP_ROOT_W   PROP_TAG(PT_UNICODE, 0x6790)
#define PR_TD_DROP_ROOT_A   PROP_TAG(PT_STRING8, 0x6790)
/* A column of deep hierarchy tables only (store/tables.c): the row's place in the folder tree,
 * which keeps the table in tree order as folders come and go. */
#define PR_TD_TREE_PATH     PROP_TAG(PT_BINARY, 0x67E0)

/* The base name MAPISVC.INF gives; MAPI inserts "32" (spi-digest §5.4, DECISIONS 2). */
#define TD_DLL_NAME_A       "tandem.dll"
#define TD_DLL_NAME_W       L"tandem.dll"
#define TD_COMPONENT        L"Tandem"
#define TD_STORE_PROVIDER_DISPLAY      L"Tandem Message Store"
#define TD_TRANSPORT_PROVIDER_DISPLAY  L"Tandem Mail Transport"

/* The store provider's MAPIUID: SetProviderUID, PR_MDB_PROVIDER and bytes 4..19 of every entry
 * ID we make. MAPI routes entry IDs to us by these 16 bytes, and they are written into
 * profiles and into entry IDs clients keep: THIS VALUE MUST NEVER CHANGE.
 * {a449cbd1-15aa-424d-8004-dd8960d5d5fd} as bytes. */
extern const MAPIUID td_provider_uid;

/* The DLL's module handle (DllMain); NULL when linked statically into a test. */
extern HINSTANCE td_instance;

/* The message service entry point (service.c; MSGSERVICEENTRY, msgserviceentry.md). The
 * UI parameter is ULONG_PTR as in the documentation (the MinGW header says ULONG: the same
 * register or stack slot). */
HRESULT WINAPI ServiceEntry(HINSTANCE hInstance, LPMALLOC lpMalloc, LPMAPISUP lpMAPISup,
        ULONG_PTR ulUIParam, ULONG ulFlags, ULONG ulContext, ULONG cValues, LPSPropValue lpProps,
        LPPROVIDERADMIN lpProviderAdmin, LPMAPIERROR *lppMapiError);

/* ---- configuration (config.c) ------------------------------------------------------------ */

/* The service's configuration as read from a profile section. Strings are internal memory. */
typedef struct td_config
{
    WCHAR *path;            /* PR_PST_PATH */
    WCHAR *display_name;    /* PR_DISPLAY_NAME */
    WCHAR *email;           /* PR_EMAIL_ADDRESS */
    WCHAR *drop_root;       /* PR_TD_DROP_ROOT */
    BOOL   has_guid;
    GUID   store_guid;      /* PR_TD_STORE_GUID */
} td_config;

void    td_config_clear(td_config *c);
/* Read the configuration from an open profile section (any property may be missing). */
HRESULT td_config_read(const mc_alloc *a, IProfSect *sect, td_config *c);
/* Read from the service section named by PR_SERVICE_UID in the provider's own section
 * `provider_sect`; values missing there are taken from the provider section itself. */
HRESULT td_config_read_for_provider(const mc_alloc *a, IMAPISupport *sup, IProfSect *provider_sect,
                                    td_config *c);
/* A string property of a GetProps result in either width, as new internal UTF-16, or NULL. */
WCHAR  *td_props_get_wstr(ULONG n, const SPropValue *v, ULONG prop_id);
/* TRUE if the folder that would hold `path` exists. `folder` (may be NULL) gets that folder
 * as new internal memory (for messages). */
BOOL    td_path_folder_exists(const WCHAR *path, WCHAR **folder);
/* Full path (GetFullPathNameW) as new internal memory, NULL on failure. */
WCHAR  *td_full_path(const WCHAR *path);
/* printf-style into new internal memory. */
WCHAR  *td_wsprintf(const WCHAR *fmt, ...);

#endif /* TANDEM_PRIVATE_H */
