/*
 * dropdir.h - the transport's drop-directory channel: one folder per mailbox under a root,
 * RFC 5322 files written atomically into it, picked up by the profile that owns the mailbox,
 * and the owner's record of Message-IDs already delivered (exactly once, DECISIONS.md 7).
 *
 * Layout (issue 6 point 4):
 *
 *   <root>\<mailbox>\                 the mailbox of one address (td_drop_normalize)
 *   <root>\<mailbox>\<unique>.tmp     a file being written by a sender (never read)
 *   <root>\<mailbox>\<unique>.eml     a message waiting for its owner
 *   <root>\<mailbox>\delivered.idx    the owner's delivery record (below)
 *
 * <unique> is "<16 hex digits of the FILETIME of the write>-<12 hex digits of a fresh GUID>",
 * so file names sort in arrival order and never collide, also between machines sharing a root.
 *
 * A mailbox exists when its folder exists. It comes to exist in exactly one way: the
 * TransportLogon of a profile whose PR_EMAIL_ADDRESS is that address creates it (and the
 * root). A sender never creates a mailbox: an address without one is owned by nobody and its
 * recipients get a non-delivery report.
 *
 * Writing (td_drop_post): the bytes go to <unique>.tmp (CREATE_NEW), FlushFileBuffers, then
 * MoveFileExW(MOVEFILE_WRITE_THROUGH) renames it to <unique>.eml. A reader therefore only ever
 * sees complete files. A sender killed before the rename leaves a .tmp the owner deletes when
 * it is older than TD_DROP_STALE_TMP_SECONDS; the message itself is still unsent in the
 * sender's store and is sent again (with the same Message-ID, see xplogon.c).
 *
 * Delivery record: delivered.idx holds UTF-8 lines "P <key>" (delivery of <key> began) and
 * "D <key>" (<key> is in the store), each appended and flushed (FlushFileBuffers) before the
 * step it guards goes on. <key> is the message's Message-ID, or "file:<name>" for a file
 * without one. The owner holds the file open without FILE_SHARE_WRITE for as long as it is
 * logged on, so two logons never deliver from the same mailbox at once. A line cut short by
 * a crash (no line end) is ignored when the record is read.
 *
 * Crash analysis of one delivery (StartMessage, xplogon.c), kill at any point:
 *   1. before "P" is flushed: nothing happened; the file is delivered on the next pickup.
 *   2. after "P", before the store committed the spooler's message (SaveChanges): the store
 *      has nothing; on restart the key is pending; the store lookup (td_drop_lookup_fn, when
 *      the store provides it) says "absent", so the file is delivered again: once.
 *   3. after the store committed, before "D": the store has the message; on restart the key is
 *      pending; the store lookup says "present", the owner writes "D" and deletes the file:
 *      once. WITHOUT a store lookup this one window (between SaveChanges returning and one
 *      flushed line) delivers a second copy: pending keys are then redelivered, because a lost
 *      message is worse than a duplicate. The store must provide the lookup (a query for
 *      PR_INTERNET_MESSAGE_ID in the store, see xplogon.c) to close it.
 *   4. after "D", before the file is deleted: on restart the key is delivered; the file is
 *      deleted without delivery.
 *   A duplicate file (the sender was killed after the rename but before its store recorded the
 *   message as sent, and sent it again) carries the same Message-ID and is dropped by 4's rule.
 *
 * Not thread-safe: the logon serializes calls.
 */
#ifndef TANDEM_DROPDIR_H
#define TANDEM_DROPDIR_H

#include "tandem_private.h"

/* Longest address accepted (RFC 5321 4.5.3.1.3: a path is at most 256 octets with its
 * angle brackets) and longest local part (4.5.3.1.1). */
#define TD_DROP_MAX_ADDRESS     254
#define TD_DROP_MAX_LOCAL       64
/* A .tmp older than this is a dead sender's and is deleted by the owner. */
#define TD_DROP_STALE_TMP_SECONDS 600
/* Longest key kept in the delivery record (a longer Message-ID is cut: RFC 5322 line limit). */
#define TD_DROP_MAX_KEY         998

/* Validate an SMTP address and return its mailbox folder name (new internal memory): the
 * address in lower case. S_OK, or MAPI_E_INVALID_PARAMETER for an address that is not a plain
 * ASCII local@domain, is too long, or could name anything but one folder under the root
 * (separators, "..", ":", wildcards, control characters, leading or trailing dots and
 * spaces), or whose local part's first atom is a device name (CON, NUL, COM1, LPT1...: also
 * "con@x.org", which Windows itself would not read as a device, is refused to be safe). */
HRESULT td_drop_normalize(const WCHAR *address, WCHAR **out);

typedef struct td_dropdir td_dropdir;

/* How the owner asks the store whether a message with this key (Message-ID) was already
 * delivered: *found TRUE/FALSE and S_OK, or a failure (treated as "not known": redeliver). */
typedef HRESULT (*td_drop_lookup_fn)(void *ctx, const char *key, BOOL *found);

/* Open the channel on `root` (created when missing). With `own_address`, create that
 * address's mailbox when missing and open it as its owner (delivery record locked):
 * MAPI_E_INVALID_PARAMETER when the address is not valid, MAPI_E_BUSY when another logon owns
 * it now. *out is valid also without an own mailbox (send only). */
HRESULT td_drop_open(const WCHAR *root, const WCHAR *own_address, td_dropdir **out);
void    td_drop_close(td_dropdir *d);
BOOL    td_drop_owns_mailbox(const td_dropdir *d);
const WCHAR *td_drop_root(const td_dropdir *d);
void    td_drop_set_lookup(td_dropdir *d, td_drop_lookup_fn fn, void *ctx);

/* Write one message for `address` (atomically, see above). S_OK; MAPI_E_INVALID_PARAMETER for
 * an invalid address; MAPI_E_NOT_FOUND when nobody owns the address (no mailbox); other
 * failures are I/O errors (temporary). Nothing is left behind on failure. */
HRESULT td_drop_post(td_dropdir *d, const WCHAR *address, const void *data, size_t len);

/* Inbound, owner only. Number of .eml files waiting (0 when not the owner). */
ULONG   td_drop_pending(td_dropdir *d);

typedef struct td_drop_item
{
    WCHAR *path;        /* the .eml file (internal memory) */
    char *data;         /* its bytes (internal memory, NUL-terminated) */
    size_t len;
    char *key;          /* set by td_drop_begin */
} td_drop_item;

/* The oldest waiting file, read into *item: S_OK, or MAPI_E_NOT_FOUND when none. Unreadable
 * files are skipped (left in place). */
HRESULT td_drop_next(td_dropdir *d, td_drop_item *item);
/* Start delivering `item` under `key` (NULL: "file:<name>"). S_FALSE: the key was already
 * delivered (the record or the store lookup says so): the file has been removed, deliver
 * nothing. S_OK: "P" is recorded, deliver now and call td_drop_commit after the store
 * committed, or td_drop_item_clear alone to leave the file for later. */
HRESULT td_drop_begin(td_dropdir *d, td_drop_item *item, const char *key);
/* Record "D" and delete the file. */
HRESULT td_drop_commit(td_dropdir *d, td_drop_item *item);
void    td_drop_item_clear(td_drop_item *item);

/* The state the record holds for a key: 0 unknown, 'P' pending, 'D' delivered (tests). */
int     td_drop_key_state(td_dropdir *d, const char *key);

#endif /* TANDEM_DROPDIR_H */
