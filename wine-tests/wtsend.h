/*
 * wtsend.h - helpers of the sending tests (test_send_e2e.c, test_send_crash.c): profiles that
 * share one drop directory, sessions with the spooler, messages built and submitted through
 * the public API, FlushQueues on the spooler's status object, folder contents.
 */
#ifndef TANDEM_WTSEND_H
#define TANDEM_WTSEND_H
#include "wtmapi.h"

#define PR_TD_DROP_ROOT_W PROP_TAG(PT_UNICODE, 0x6790)

typedef struct ws_user
{
    wt_profile p;
    IMAPISession *session;
    IMsgStore *mdb;
} ws_user;

/* wt_profile_create plus the drop root (the store file is deleted: a fresh store). */
BOOL ws_profile(IProfAdmin *admin, ws_user *u, const char *name, const WCHAR *drop_root);
/* The same profile again (another process): fills the names without touching anything
 * (store_path stays empty: the profile knows it). */
void ws_profile_names(ws_user *u, const char *name);
/* MAPILogonEx (MAPI_EXTENDED | MAPI_NEW_SESSION | flags) and the default store (MDB_WRITE). */
HRESULT ws_logon(ws_user *u, ULONG flags);
void ws_logoff(ws_user *u);
/* A folder by a store property (PR_IPM_OUTBOX_ENTRYID ...), 0 = the receive folder (Inbox). */
IMAPIFolder *ws_folder(ws_user *u, ULONG tag);

typedef struct ws_recip { const WCHAR *name, *type, *address; } ws_recip;
/* A new message in `folder` (NULL: the Outbox) with subject, body, recipients (SMTP ones
 * resolved through IAddrBook::ResolveName, others CreateOneOff), an attachment when `attach`,
 * PR_SENTMAIL_ENTRYID = Sent Items, `extra` properties; not submitted. */
HRESULT ws_compose(ws_user *u, IMAPIFolder *folder, const WCHAR *subject, ULONG n, const ws_recip *r,
                   BOOL attach, ULONG n_extra, const SPropValue *extra, IMessage **out);
/* ws_compose + SubmitMessage + Release. */
HRESULT ws_send(ws_user *u, const WCHAR *subject, ULONG n, const ws_recip *r, BOOL attach);
/* FlushQueues(FLUSH_UPLOAD | FLUSH_DOWNLOAD | FLUSH_FORCE | FLUSH_NO_UI) on the spooler's
 * status object (returns when done). */
HRESULT ws_flush(ws_user *u);
/* Messages in a folder (ws_folder's tag) whose subject is `subject` (NULL: all); ~0u on failure. */
ULONG ws_count(ws_user *u, ULONG tag, const WCHAR *subject);
/* The folder's rows with `cols` (FreeProws), or NULL. */
SRowSet *ws_rows(ws_user *u, ULONG tag, const SPropTagArray *cols);
/* A copy of this program started with `args` (its wt_run picks them from __argv); the process
 * handle, or NULL (GetLastError). */
HANDLE ws_start_child(const char *args);
#endif
