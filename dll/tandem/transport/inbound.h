/*
 * inbound.h - fetching mail from a POP3 (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS) or IMAP4rev1
 * (RFC 3501, RFC 2177 IDLE) server into a local sink (issue 7 point 2).
 *
 * The sink is the transport's own drop-directory mailbox (xplogon.c): a fetched message is
 * written there atomically before the server is told anything (POP3 DELE), and StartMessage
 * delivers it from there with the drop directory's exactly-once record keyed by Message-ID.
 *
 * Bookkeeping (td_uidrec): a file of the server UIDs already fetched, one line each, appended
 * and flushed after the sink took the message. Kill at any point:
 *   - before the sink wrote the file: nothing happened, fetched again next time;
 *   - after the sink, before the UID line: fetched again next time, written to the mailbox a
 *     second time, and dropped there by its Message-ID (dropdir.h);
 *   - after the UID line, before DELE (POP3 without leave-on-server): the next session deletes
 *     it (every UID in the record still on the server is deleted).
 * So a message fetched twice is stored once. POP3 keys are "pop:<UIDL>"; IMAP keys are
 * "imap:<UIDVALIDITY>:<UID>" (a new UIDVALIDITY forgets nothing: the old keys simply no longer
 * match, and Message-IDs prevent duplicates).
 */
#ifndef TANDEM_INBOUND_H
#define TANDEM_INBOUND_H

#include "netcfg.h"

typedef struct td_uidrec td_uidrec;

/* Open (create) the record file. */
HRESULT td_uidrec_open(const WCHAR *path, td_uidrec **out);
void    td_uidrec_close(td_uidrec *r);
BOOL    td_uidrec_has(const td_uidrec *r, const char *key);
HRESULT td_uidrec_add(td_uidrec *r, const char *key);
/* Highest IMAP UID recorded under this UIDVALIDITY (0 when none). */
ULONG   td_uidrec_imap_max(const td_uidrec *r, ULONG uidvalidity);

/* Where a fetched message goes: S_OK when it is safely kept. `seen`: the server's \Seen. */
typedef HRESULT (*td_inbound_sink)(void *ctx, const char *data, size_t len, BOOL seen);

/* One session: connect, log in, fetch at most `max` new messages into the sink, record them,
 * (POP3) delete what was recorded unless leave-on-server, log out. *fetched counts messages
 * handed to the sink. Errors as smtp.h (MAPI_E_LOGON_FAILED, MAPI_E_NO_ACCESS,
 * MAPI_E_NETWORK_ERROR, MAPI_E_TIMEOUT) with *why. */
HRESULT td_inbound_fetch(const td_netcfg *cfg, td_uidrec *rec, td_inbound_sink sink, void *ctx, ULONG max,
                         ULONG *fetched, WCHAR **why);

/* Largest message fetched; a bigger one is left on the server (and reported in *why). */
#define TD_INBOUND_MAX_MESSAGE (32u * 1024 * 1024)

#endif /* TANDEM_INBOUND_H */
