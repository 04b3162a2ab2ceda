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
 *
 * A line is "key" or, for IMAP, "key<TAB>seen<TAB>message-id": `seen` (0/1) is the \Seen state
 * the server and the store last agreed on, the Message-ID finds the delivered message in the
 * store. A later line for a key replaces an earlier one; the file is rewritten (beside it as
 * .new, then renamed over it) when it holds more than twice as many lines as keys, and after
 * pruning. Bounded size: POP3 keys whose UIDL the server no longer lists are dropped after a
 * complete UIDL listing; IMAP keeps the newest TD_INBOUND_SYNC_MAX UIDs of the current
 * UIDVALIDITY (the highest always: new mail is fetched above it) and drops expunged ones.
 *
 * Read state (IMAP, both directions), after fetching new mail, in the same session:
 *   UID FETCH <oldest kept>:* (UID FLAGS), then per kept UID with a Message-ID, with S the
 *   server's \Seen now, R the recorded agreed state, L the store's MSGFLAG_READ (td_inbound_local):
 *     S != R: the server changed (read in another client): L := S when they differ; R := S.
 *     S == R, L != R: the user changed it in MAPI: UID STORE +FLAGS.SILENT / -FLAGS.SILENT
 *                     (\Seen); R := L once the server said OK.
 *   (S != R and L != R at once means both moved the same way: nothing to send.) A message not
 *   in the store (not delivered yet, deleted) is left alone. A crash between the change and
 *   the record's line repeats an idempotent step next time.
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
/* Record (or update) a key with its agreed \Seen state and Message-ID (no tab/line end). */
HRESULT td_uidrec_set(td_uidrec *r, const char *key, BOOL seen, const char *message_id);
/* S_OK with the recorded state (*message_id: internal, valid until the next change); S_FALSE
 * when the key carries none (an old line); MAPI_E_NOT_FOUND without the key. */
HRESULT td_uidrec_get(const td_uidrec *r, const char *key, BOOL *seen, const char **message_id);
/* Highest IMAP UID recorded under this UIDVALIDITY (0 when none). */
ULONG   td_uidrec_imap_max(const td_uidrec *r, ULONG uidvalidity);
/* Number of keys starting with prefix (tests, bounds). */
ULONG   td_uidrec_count(const td_uidrec *r, const char *prefix);

/* Keys at most kept per IMAP account (the read-state window). */
#define TD_INBOUND_SYNC_MAX 1000

/* The store's side of the read-state sync (xplogon.c). S_OK with *read when the delivered
 * message with this Message-ID is in the store, S_FALSE when it is not. */
typedef struct td_inbound_local
{
    void *ctx;
    HRESULT (*get_read)(void *ctx, const char *message_id, BOOL *read);
    HRESULT (*set_read)(void *ctx, const char *message_id, BOOL read);
} td_inbound_local;

/* Where a fetched message goes: S_OK when it is safely kept. `seen`: the server's \Seen. */
typedef HRESULT (*td_inbound_sink)(void *ctx, const char *data, size_t len, BOOL seen);

/* One session: connect, log in, fetch at most `max` new messages into the sink, record them,
 * (POP3) delete what was recorded unless leave-on-server and prune the record, (IMAP) keep the
 * read state in step with `local` (NULL: no sync) and prune, log out. *fetched counts messages
 * handed to the sink. Errors as smtp.h (MAPI_E_LOGON_FAILED, MAPI_E_NO_ACCESS,
 * MAPI_E_NETWORK_ERROR, MAPI_E_TIMEOUT) with *why. */
HRESULT td_inbound_fetch(const td_netcfg *cfg, td_uidrec *rec, td_inbound_sink sink, void *ctx,
                         const td_inbound_local *local, ULONG max, ULONG *fetched, WCHAR **why);

/* IMAP IDLE (RFC 2177) on INBOX in a thread of its own: a connection that waits for the server
 * to announce new mail (* n EXISTS) and then calls on_new(ctx) from that thread. IDLE is
 * re-issued every TD_INBOUND_IDLE_RENEW_S (RFC 2177: clients re-issue at least every 29
 * minutes); a lost connection is made again after TD_INBOUND_IDLE_RETRY_S. When the server
 * does not offer IDLE the thread ends (*idle_offered FALSE in td_inbound_idle_state): the
 * spooler's polling stays the only way. Every network step waits at most cfg->timeout_ms, and
 * the thread checks its stop request at least every 250 ms between steps. The thread keeps
 * the DLL loaded while it runs (FreeLibraryAndExitThread), so td_inbound_idle_stop may give
 * up waiting (wait_ms) without the code going away under it. */
typedef struct td_idle td_idle;
typedef struct td_idle_client
{
    void *ctx;
    void (*on_new)(void *ctx);      /* from the IDLE thread; must not wait for the owner */
    void (*release)(void *ctx);     /* once, when the thread ends (NULL: none); the thread
                                     * owns one reference of ctx from a successful start */
} td_idle_client;
HRESULT td_inbound_idle_start(const td_netcfg *cfg, const td_idle_client *cb, td_idle **out);
/* 1 while in IDLE, 0 while connecting or retrying, -1 when the server has no IDLE (ended). */
int     td_inbound_idle_state(const td_idle *i);
/* Stop and free; waits at most wait_ms for the thread. A thread that is still in a network
 * step (or in on_new) finishes alone: it may call on_new once more at most, and calls release
 * at its end - the reference it holds keeps ctx valid until then. */
void    td_inbound_idle_stop(td_idle *i, DWORD wait_ms);

#define TD_INBOUND_IDLE_RENEW_S (25 * 60)
#define TD_INBOUND_IDLE_RETRY_S 30

/* Largest message fetched; a bigger one is left on the server (and reported in *why). */
#define TD_INBOUND_MAX_MESSAGE (32u * 1024 * 1024)

#endif /* TANDEM_INBOUND_H */
