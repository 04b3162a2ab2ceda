/*
 * xp.h - what the transport's objects share: the provider (xpprovider.c), the logon
 * (xplogon.c) and its status object (xpstatus.c). spi-digest §3.
 */
#ifndef TANDEM_XP_H
#define TANDEM_XP_H

#include "tandem_private.h"
#include "dropdir.h"

/* pidtagnondeliveryreportreasoncode-canonical-property.md; MinGW's headers lack them. */
#ifndef MAPI_REASON_TRANSFER_FAILED
#define MAPI_REASON_TRANSFER_FAILED     0
#define MAPI_REASON_TRANSFER_IMPOSSIBLE 1
#endif

/* How long IMAPIStatus::FlushQueues on the transport's status object waits for the spooler to
 * end a flush it started (without FLUSH_ASYNC_OK). */
#define TD_XP_FLUSH_WAIT_MS 30000

/* Inbound network sessions (POP3/IMAP): at most one per interval on Poll (FlushQueues with
 * FLUSH_DOWNLOAD fetches at once), at most this many messages per session. */
#define TD_XP_FETCH_INTERVAL_S 60
#define TD_XP_FETCH_MAX        200
/* TransportLogoff waits this long for the IMAP IDLE thread (it then ends alone) */
#define TD_XP_IDLE_STOP_WAIT_MS 3000

/* Where the drop root is when the profile names none: %ProgramData%\Tandem\drop. */
WCHAR *td_xp_default_drop_root(void);

typedef struct xplogon xplogon;

/* TransportLogon's work (xplogon.c): a new logon object for `sup`. *why (internal memory)
 * may get a reason on failure. */
HRESULT td_xplogon_create(IXPProvider *provider, const mc_alloc *alloc, IMAPISupport *sup,
                          const WCHAR *profile_name, ULONG *flags, IXPLogon **out, WCHAR **why);

/* The status row as it is now (xplogon.c): one AllocateBuffer block of `a` (n values). */
HRESULT td_xplogon_status_props(xplogon *x, const mc_alloc *a, ULONG *n, SPropValue **out);
/* What the status object's methods do (xplogon.c). */
HRESULT td_xplogon_validate_state(xplogon *x, ULONG flags);
HRESULT td_xplogon_flush(xplogon *x, ULONG flags, BOOL wait);
xplogon *td_xplogon_from_iface(IXPLogon *iface);

/* The transport's IMAPIStatus (xpstatus.c); holds a reference on the logon. */
HRESULT td_xpstatus_create(IXPLogon *logon, const mc_alloc *alloc, IMAPIStatus **out);

/* The store's answer to "is a message with this Internet Message-ID already in the store?"
 * (dropdir.h, crash window 3). NULL until the store provides it; set once at DLL load. */
/* ctx: the coupled store file's full path (xplogon.c). */
extern td_drop_lookup_fn td_xp_delivery_lookup;
/* Set by the DLL (entry.c) to the store's td_store_delivered_object: finds a delivered message
 * by Message-ID for the IMAP read-state sync; NULL (tests without the store): no sync. */
extern HRESULT (*td_xp_delivered_object)(const WCHAR *path, const char *message_id, ULONGLONG *object_id);

#endif /* TANDEM_XP_H */
