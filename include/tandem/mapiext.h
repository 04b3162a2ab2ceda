/*
 * mapiext.h - MAPI values that MinGW-w64's headers lack, defined once for the whole project.
 * Each value names the documentation page (MicrosoftDocs/office-developer-client-docs,
 * docs/outlook/mapi/) or the secondary source it comes from. Include after <mapix.h>/<mapispi.h>.
 */
#ifndef TANDEM_MAPIEXT_H
#define TANDEM_MAPIEXT_H

#include <windows.h>
#include <mapix.h>
#include <mapispi.h>
#include <mapitags.h>
#include <mapicode.h>

/* pidtagstoresupportmask-canonical-property.md */
#ifndef STORE_HTML_OK
#define STORE_HTML_OK      0x00010000
#define STORE_ANSI_OK      0x00020000
#define STORE_UNICODE_OK   0x00040000
#define STORE_LOCALSTORE   0x00080000
#define STORE_ITEMPROC     0x00200000
#define STORE_PUSHER_OK    0x00800000
#define STORE_RULES_OK     0x10000000
#endif

/* imapiprop-savechanges.md */
#ifndef SPAMFILTER_ONSAVE
#define SPAMFILTER_ONSAVE  0x00000080
#endif
#ifndef NON_EMS_XP_SAVE
#define NON_EMS_XP_SAVE    0x00001000
#endif

/* Not valued in the docs; values from MFCMAPI's extra header (secondary source). */
#ifndef MSGFLAG_ORIGIN_X400
#define MSGFLAG_ORIGIN_X400      0x00001000
#define MSGFLAG_ORIGIN_INTERNET  0x00002000
#define MSGFLAG_ORIGIN_MISC_EXT  0x00008000
#endif
#ifndef MSGSTATUS_DRAFT
#define MSGSTATUS_DRAFT          0x00000100
#define MSGSTATUS_ANSWERED       0x00000200
#endif
#ifndef MAPI_FORCE_ACCESS
#define MAPI_FORCE_ACCESS        0x00080000
#endif

/* pidtagpstpath-canonical-property.md: PR_PST_PATH 0x6700 (PT_TSTRING). */
#ifndef PR_PST_PATH_W
#define PR_PST_PATH_W  PROP_TAG(PT_UNICODE, 0x6700)
#define PR_PST_PATH_A  PROP_TAG(PT_STRING8, 0x6700)
#endif

/* pidtagipmdraftsentryid-canonical-property.md */
#ifndef PR_IPM_DRAFTS_ENTRYID
#define PR_IPM_DRAFTS_ENTRYID  PROP_TAG(PT_BINARY, 0x36D7)
#endif

/* msgserviceentry.md / pidtagresourceflags-canonical-property.md: check at compile time that
 * the header has them, they are used by MAPISVC.INF parsing. */
#ifndef SERVICE_UI_ALLOWED
#define SERVICE_UI_ALLOWED 0x00000010
#endif

#endif /* TANDEM_MAPIEXT_H */
