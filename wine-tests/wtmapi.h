/*
 * wtmapi.h - helpers shared by the conformance tests, written against the public MAPI API
 * only (mapi32), so they also run on Windows against Outlook's MAPI.
 */
#ifndef TANDEM_WTMAPI_H
#define TANDEM_WTMAPI_H

#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>

#ifndef PR_PST_PATH_W
#define PR_PST_PATH_W  PROP_TAG(PT_UNICODE, 0x6700)
#define PR_PST_PATH_A  PROP_TAG(PT_STRING8, 0x6700)
#endif
#ifndef STORE_UNICODE_OK
#define STORE_UNICODE_OK 0x00040000
#endif

/* A profile with the TANDEM service, configured with a store file under the test's temp folder. */
typedef struct wt_profile
{
    char name[64];
    WCHAR store_path[MAX_PATH];
    WCHAR display_name[64];
    WCHAR email[64];
    MAPIUID service_uid;
} wt_profile;

/* The profile name of `name` for this test program: "<program>-<name>", so that test programs
 * running at the same time in one Wine prefix never share (or delete) each other's profiles. */
void wt_profile_name(char *out, size_t size, const char *name);
/* Creates (after deleting any leftover of the same name) and configures; FALSE on failure
 * (the failing step is reported through ok()). */
BOOL wt_profile_create(IProfAdmin *admin, wt_profile *p, const char *name);
void wt_profile_delete(IProfAdmin *admin, wt_profile *p);
/* ConfigureMsgService of the profile's TANDEM service with more properties (the network
 * settings of issue 7, say); returns what ConfigureMsgService returned. */
HRESULT wt_profile_configure(IProfAdmin *admin, const wt_profile *p, ULONG n, SPropValue *props);
/* The TANDEM service's profile section (IMsgServiceAdmin::OpenProfileSection), or NULL. */
IProfSect *wt_service_section(IProfAdmin *admin, const wt_profile *p);

/* The entry ID of the session's default store (one MAPIAllocateBuffer block), or NULL. */
ENTRYID *wt_default_store_id(IMAPISession *session, ULONG *cb);

/* A session on the profile (MAPI_NEW_SESSION | MAPI_NO_MAIL) and its default store opened with
 * MDB_WRITE; FALSE on failure (reported through ok()), what was opened is left for
 * wt_store_close, which releases both (the session after Logoff) and sets them to NULL. */
BOOL wt_store_open(const wt_profile *p, IMAPISession **session, IMsgStore **mdb);
void wt_store_close(IMAPISession **session, IMsgStore **mdb);

/* Live-object accounting through minimapi's IMiniMapiDiagnostics when the MAPI in use has it:
 * TRUE and the counters, or FALSE (another MAPI implementation: checks are skipped). */
BOOL wt_counters(IUnknown *obj, ULONG *blocks, ULONG *objects, ULONG *provider_objects);
/* After a test's last release: no MAPI block, provider object or minimapi object is live
 * (a skip on another MAPI implementation). */
void wt_check_all_released(IUnknown *obj);

BOOL wt_file_exists(const WCHAR *path);

/* The folder a store property names (PR_IPM_SUBTREE_ENTRYID ...), opened with MAPI_MODIFY, or
 * NULL (reported through ok()). */
IMAPIFolder *wt_open_folder(IMsgStore *mdb, ULONG tag);
/* A new generic subfolder (ANSI name), or NULL (reported through ok()). */
IMAPIFolder *wt_new_folder(IMAPIFolder *parent, const char *name);

/* mapi32's HrThisThreadAdviseSink by its plain name (Windows) or its decorated one (Wine 8's x64
 * mapi32 exports only that; see tools/mapi32compat); NULL when mapi32 has neither. */
typedef HRESULT (WINAPI *wt_this_thread_fn)(LPMAPIADVISESINK, LPMAPIADVISESINK *);
wt_this_thread_fn wt_this_thread_advise_sink(void);

/* An advise sink that records fnevNewMail: how many, and the entry IDs of the first
 * WT_MAIL_MAX (ulFlags MAPI_UNICODE or not); `event` is set at each one. */
#define WT_MAIL_MAX 8
typedef struct wt_mail_sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    volatile LONG newmail;
    HANDLE event;
    ULONG cb[WT_MAIL_MAX];
    BYTE eid[WT_MAIL_MAX][256];
} wt_mail_sink;
void wt_mail_sink_init(wt_mail_sink *s);
void wt_mail_sink_free(wt_mail_sink *s);
/* Process this thread's messages (notifications may need them) until the sink has `count`
 * notifications or `ms` pass; TRUE when it has them. */
BOOL wt_mail_sink_wait(wt_mail_sink *s, LONG count, DWORD ms);
/* The subject of the i-th announced message as `mdb` opens it ("" when it does not open). */
void wt_mail_sink_subject(wt_mail_sink *s, ULONG i, IMsgStore *mdb, WCHAR *out, ULONG size);

#endif
