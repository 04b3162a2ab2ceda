/*
 * submit.h - the store's side of sending (submit.c): IMessage::SubmitMessage's work, the
 * routing decision, the outgoing queue and the spooler-only IMsgStore methods. spi-digest §1,
 * §2; DECISIONS 3, 5, 7; issue 6.
 */
#ifndef TANDEM_SUBMIT_H
#define TANDEM_SUBMIT_H

#include "store.h"
#include "coupling.h"

/* ---- the routing decision (a pure function; tests/test_tandem_submit_route.c) ----------- */
typedef struct td_route_in
{
    BOOL coupled;               /* the coupled transport is logged on for this store */
    BOOL needs_preprocessing;   /* ExpandRecips said NEEDS_PREPROCESSING */
    BOOL all_handled;           /* the coupled transport handles every recipient's address
                                 * type and ExpandRecips did not say NEEDS_SPOOLER */
    ULONG state;                /* the message's submit state before this call (TD_SUBMIT_*) */
    BOOL locked;                /* SUBMITFLAG_LOCKED: the spooler holds it */
    BOOL from_spooler;          /* SubmitMessage on the spooler's own open message */
} td_route_in;

typedef enum td_route
{
    TD_ROUTE_REFUSE,            /* already submitted: MAPI_E_SUBMITTED, nothing changes */
    TD_ROUTE_QUEUE_PREPROCESS,  /* outgoing queue with SUBMITFLAG_PREPROCESS */
    TD_ROUTE_QUEUE,             /* outgoing queue for the spooler */
    TD_ROUTE_COUPLED,           /* the coupled transport sends now, the store finishes */
} td_route;

td_route td_route_decide(const td_route_in *in);

/* ---- SubmitMessage (message.c hands over) -------------------------------------------------- */
HRESULT td_submit_message(td_store *s, IMessage *msg);

/* ---- access to submitted messages (object.c, msgstore.c) ----------------------------------- */
/* Client OpenEntry of message `id` with `flags` (spi-digest §1.6): MAPI_E_NO_ACCESS while the
 * spooler holds the lock, MAPI_E_SUBMITTED for MAPI_MODIFY alone, read-only for
 * MAPI_BEST_ACCESS (*writable FALSE). */
HRESULT td_submit_check_open(td_store *s, ULONGLONG id, ULONG flags, BOOL *writable);
/* TRUE when the message has a submit-state row (queued or being sent); *flags gets its
 * PR_SUBMIT_FLAGS (SUBMITFLAG_LOCKED only while the locking process lives). */
BOOL    td_submit_flags(td_store *s, ULONGLONG id, ULONG *flags);

/* ---- IMsgStore methods (msgstore.c); `sup`: the calling store object's support object --- */
HRESULT td_submit_abort(td_store *s, ULONG cb, const ENTRYID *eid);
HRESULT td_submit_outgoing_queue(td_store *s, IMAPISupport *sup, IMAPITable **out);
HRESULT td_submit_set_lock(td_store *s, IMessage *msg, ULONG state);
HRESULT td_submit_finished(td_store *s, IMAPISupport *sup, ULONG cb, const ENTRYID *eid);
HRESULT td_submit_notify_new_mail(td_store *s, IMAPISupport *sup, const NOTIFICATION *n);
/* The spooler's OpenEntry of a message: writable whatever its submit state, marked as the
 * spooler's (for the SubmitMessage that follows preprocessing). */
HRESULT td_submit_open_for_spooler(td_store *s, ULONGLONG id, IMessage **out);

/* ---- crash recovery (DECISIONS 7), at every writable logon ---------------------------------
 * Messages left in TD_SUBMIT_COUPLED by a process that died: finished when every recipient
 * row was already sent (PR_RESPONSIBILITY TRUE), otherwise back to the outgoing queue.
 * Messages left in TD_SUBMIT_SENT (FinishedMsg committed, DoSentMail not done): the sent-mail
 * disposition is applied (moved to PR_SENTMAIL_ENTRYID or deleted). S_OK
 * when something was recovered, S_FALSE when nothing was left over. */
HRESULT td_submit_recover(td_store *s);
/* td_drop_lookup_fn for the transport (xp.h td_xp_delivery_lookup): ctx is the store file's
 * path; is a delivered message with Message-ID `key` in that store? */
HRESULT td_store_delivery_lookup(void *ctx, const char *key, BOOL *found);
/* xp.h td_xp_delivered_object: the object id of the delivered message with this Message-ID in
 * the store file at `path` (0 when none; the transport then opens it by its entry ID). */
HRESULT td_store_delivered_object(const WCHAR *path, const char *message_id, ULONGLONG *object_id);

/* ---- what message.c offers the submit path -------------------------------------------------- */
/* Run fn on the message's working copy under its lock. */
HRESULT   message_with_work(IMessage *msg, HRESULT (*fn)(td_msgdata *m, void *ctx), void *ctx);
/* 0 for messages that are not ours or not saved. */
ULONGLONG message_id(IMessage *msg);
BOOL      message_is_spooler(IMessage *msg);
void      message_set_spooler(IMessage *msg);
/* After a transaction of the submit path: the stored PR_MESSAGE_FLAGS and version. */
void      message_set_state(IMessage *msg, ULONG msgflags, LONGLONG version);
/* After a successful SubmitMessage: only Release remains (imessage-submitmessage.md). */
void      message_spend(IMessage *msg);

#endif /* TANDEM_SUBMIT_H */
