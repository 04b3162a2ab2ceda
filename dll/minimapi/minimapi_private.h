/*
 * minimapi_private.h - what the parts of minimapi.dll share: the allocator, the profile store
 * (registry), the MAPISVC.INF reader, provider DLL loading, the wrapped store entry ID codec
 * and the constructors of the COM objects (one per file: session.c, support.c, profadmin.c,
 * svcadmin.c, provadmin.c, profsect.c, diag.c, malloc.c).
 *
 * Strings inside minimapi are UTF-16 (WCHAR); the public entry points convert from ANSI when
 * MAPI_UNICODE is not set. Internal memory comes from mc_malloc; memory handed to callers
 * from MAPIAllocateBuffer/More (mm_alloc).
 */
#ifndef TANDEM_MINIMAPI_PRIVATE_H
#define TANDEM_MINIMAPI_PRIVATE_H

/* The vtables of COM objects here are `static const`; their lpVtbl members must be too. */
#ifndef CONST_VTABLE
#define CONST_VTABLE
#endif
#include <windows.h>
#include <stdio.h>
#include <wchar.h>
#include <mapix.h>
#include <mapispi.h>
#include <mapiutil.h>
#include <mapitags.h>
#include <mapicode.h>
#include <mapiguid.h>
#include "mapicore.h"
#include "tandem/mapiext.h"
#include "tandem.h"

#define MM_COMPONENT L"MiniMAPI"
#define MM_CH "minimapi"

/* A statically initialised CRITICAL_SECTION (as Wine's DLLs do): usable before DllMain runs
 * and in the unit tests, which link minimapi_core without DllMain. */
#define MM_DEFINE_STATIC_CS(name) \
    static CRITICAL_SECTION name; \
    static CRITICAL_SECTION_DEBUG name##_debug = \
        {0, 0, &name, {&name##_debug.ProcessLocksList, &name##_debug.ProcessLocksList}, \
         0, 0, 0, 0, 0}; \
    static CRITICAL_SECTION name = {&name##_debug, -1, 0, 0, 0, 0}

/* ---- module ------------------------------------------------------------------------------- */

extern HINSTANCE mm_instance;
/* Full path of the folder holding minimapi.dll (no trailing backslash); internal memory. */
WCHAR *mm_module_dir(void);
/* TRUE between the first MAPIInitialize and the last MAPIUninitialize. */
BOOL mm_initialized(void);

/* ---- memory (memory.c) -------------------------------------------------------------------- */

extern const mc_alloc mm_alloc;          /* MAPIAllocateBuffer / MAPIAllocateMore / MAPIFreeBuffer */
LONG mm_live_blocks(void);               /* live MAPIAllocateBuffer roots */
IMalloc *mm_get_malloc(void);            /* the process IMalloc (malloc.c), not AddRef'd */

/* ---- strings ------------------------------------------------------------------------------ */

/* A caller's string (ANSI, or UTF-16 when `unicode`) as internal UTF-16; NULL stays NULL. */
WCHAR *mm_str_in(const void *s, BOOL unicode);
/* MAPIUID as 32 upper-case hex digits (buffer of 33) and back. */
void mm_uid_to_hex(const MAPIUID *uid, WCHAR hex[33]);
BOOL mm_uid_from_hex(const WCHAR *hex, MAPIUID *uid);
HRESULT mm_new_uid(MAPIUID *uid);

/* MUID_PROFILE_INSTANCE {00020385-0000-0000-C000-000000000046}: the profile-unique section. */
extern const MAPIUID mm_muid_profile_instance;

/* ---- registry encoding of property values (regprop.c) ------------------------------------ */

/* Value name of a property: its tag as 8 upper-case hex digits. */
void mm_regprop_name(ULONG tag, WCHAR name[9]);
BOOL mm_regprop_parse_name(const WCHAR *name, ULONG *tag);
/* Encode one value for RegSetValueEx: *data is internal memory (mc_free). */
HRESULT mm_regprop_encode(const SPropValue *v, DWORD *reg_type, BYTE **data, DWORD *cb);
/* Decode a registry value back into *out. Pointers in *out point into *scratch (one internal
 * block, mc_free it after copying the value). MAPI_E_CORRUPT_DATA if it does not fit. */
HRESULT mm_regprop_decode(ULONG tag, DWORD reg_type, const BYTE *data, DWORD cb,
                          SPropValue *out, void **scratch);

/* ---- profile store (profile.c) ------------------------------------------------------------ */
/*
 * HKCU\Software\Tandem\MiniMAPI\Profiles
 *     (value) DefaultProfile = REG_SZ name of the default profile
 *     <profile name>\
 *         (value) Services = REG_BINARY the service MAPIUIDs in creation order
 *         <section MAPIUID, 32 hex digits>\
 *             <tag, 8 hex digits> = one value per property (regprop.c)
 */
#define MM_MAX_PROFILE_NAME 64

/* Tests point the store elsewhere (a subkey path under HKCU); NULL restores the default. */
void    mm_profile_set_root(const WCHAR *subkey);
HRESULT mm_profile_check_name(const WCHAR *name);   /* MAPI_E_INVALID_PARAMETER if unusable */
BOOL    mm_profile_exists(const WCHAR *name);
HRESULT mm_profile_create(const WCHAR *name);       /* MAPI_E_NO_ACCESS if it exists */
HRESULT mm_profile_delete(const WCHAR *name);       /* MAPI_E_NOT_FOUND if unknown */
HRESULT mm_profile_copy(const WCHAR *from, const WCHAR *to);
HRESULT mm_profile_list(WCHAR ***names, ULONG *count);   /* free with mm_free_strings */
void    mm_free_strings(WCHAR **s, ULONG count);
HRESULT mm_profile_get_default(WCHAR **name);       /* MAPI_E_NOT_FOUND if none */
HRESULT mm_profile_set_default(const WCHAR *name);  /* NULL clears */

HRESULT mm_profile_services(const WCHAR *profile, MAPIUID **uids, ULONG *count);
HRESULT mm_profile_set_services(const WCHAR *profile, const MAPIUID *uids, ULONG count);

BOOL    mm_section_exists(const WCHAR *profile, const MAPIUID *uid);
HRESULT mm_section_create(const WCHAR *profile, const MAPIUID *uid);
HRESULT mm_section_delete(const WCHAR *profile, const MAPIUID *uid);
HRESULT mm_section_list(const WCHAR *profile, MAPIUID **uids, ULONG *count);
/* Load every property of a section into a new bag; MAPI_E_NOT_FOUND if no such section. */
HRESULT mm_section_load(const WCHAR *profile, const MAPIUID *uid, mc_propbag **out);
/* Write values (creating the section); a value replaces any value with the same ID. */
HRESULT mm_section_write(const WCHAR *profile, const MAPIUID *uid, ULONG n, const SPropValue *v);
HRESULT mm_section_write_bag(const WCHAR *profile, const MAPIUID *uid, const mc_propbag *b);
HRESULT mm_section_delete_ids(const WCHAR *profile, const MAPIUID *uid, ULONG n, const ULONG *tags);

/* Global lock for multi-step changes of profiles (create/delete services...). */
void mm_profile_lock(void);
void mm_profile_unlock(void);

/* ---- MAPISVC.INF (inf.c, infnames.c) ------------------------------------------------------ */

typedef struct mm_inf_entry { WCHAR *key; WCHAR *value; ULONG line; } mm_inf_entry;
typedef struct mm_inf_section
{
    WCHAR *name;
    mm_inf_entry *entries;
    ULONG count;
} mm_inf_section;
typedef struct mm_inf
{
    mm_inf_section *sections;
    ULONG count;
    WCHAR *path;
} mm_inf;

/* Parse text (UTF-16; a BOM is skipped). MAPI_E_CORRUPT_DATA with a message in *why (internal
 * memory) for a line that is neither a section header, an entry, a comment nor blank. */
HRESULT mm_inf_parse(const WCHAR *text, mm_inf **out, WCHAR **why);
/* Read and parse a file (UTF-16 with BOM, UTF-8 with BOM, else the ANSI code page).
 * MAPI_E_NOT_FOUND if the file does not exist. */
HRESULT mm_inf_load(const WCHAR *path, mm_inf **out, WCHAR **why);
/* MAPISVC.INF beside minimapi.dll (or the file given to mm_inf_set_path, for tests). */
HRESULT mm_inf_load_default(mm_inf **out, WCHAR **why);
void    mm_inf_set_path(const WCHAR *path);     /* NULL: back to the file beside the DLL */
void    mm_inf_free(mm_inf *inf);
const mm_inf_section *mm_inf_section_find(const mm_inf *inf, const WCHAR *name);
const WCHAR *mm_inf_value(const mm_inf_section *s, const WCHAR *key);
/* The entries of a section that set properties, as values (internal bag). Keys that are
 * neither a known PR_ name nor an 8-hex-digit tag are skipped (traced); a value that does not
 * parse for its type -> MAPI_E_CORRUPT_DATA with *why. */
HRESULT mm_inf_section_props(const mm_inf_section *s, mc_propbag *bag, WCHAR **why);
/* Split a comma-separated list (Providers=, Sections=): trimmed, internal memory. */
HRESULT mm_inf_split_list(const WCHAR *value, WCHAR ***items, ULONG *count);

/* Property names and flag symbols (infnames.c). */
BOOL mm_propname_lookup(const WCHAR *name, ULONG *tag);
BOOL mm_flagname_lookup(const WCHAR *name, ULONG *value);

/* ---- provider DLLs (provdll.c) ------------------------------------------------------------- */

/* "tandem.dll" -> "tandem32.dll": "32" inserted at the first period (spi-digest §5.4). */
WCHAR  *mm_dll_real_name(const WCHAR *name);
/* LoadLibrary of a PR_*_DLL_NAME value: a bare name is tried in minimapi.dll's folder first,
 * then by the normal search. NULL with GetLastError() on failure. */
HMODULE mm_dll_load(const WCHAR *name);
/* FreeLibrary unless the DLL's DllCanUnloadNow says S_FALSE: such a DLL still has live
 * objects; it stays loaded and counts as leaked for IMiniMapiDiagnostics. */
void    mm_dll_unload(HMODULE mod);
ULONG   mm_dll_leaked_objects(void);   /* re-polls lingering DLLs, unloads the ones now free */

/* ---- wrapped store entry IDs (storeid.c) --------------------------------------------------- */

HRESULT mm_storeid_wrap(const char *dll_name, ULONG cb, const ENTRYID *inner,
                        ULONG *cb_out, ENTRYID **out);     /* *out: one MAPIAllocateBuffer block */
/* Pointers into `eid`: the DLL name and the provider's own ID. FALSE if not a wrapped ID. */
BOOL    mm_storeid_unwrap(ULONG cb, const ENTRYID *eid, const char **dll_name,
                          ULONG *cb_inner, const ENTRYID **inner);
/* The provider-side ID minimapi puts in a wrapped ID for a store section that has no
 * PR_ENTRYID yet (the store was never opened): it names the section. */
HRESULT mm_storeid_section_id(const MAPIUID *section, ULONG *cb, ENTRYID **out); /* MAPI block */
BOOL    mm_storeid_is_section_id(ULONG cb, const ENTRYID *inner, MAPIUID *section);

/* ---- services (service.c) ------------------------------------------------------------------ */

/* Section kinds, from their properties. */
BOOL mm_bag_is_service(const mc_propbag *b, const MAPIUID *uid);
BOOL mm_bag_is_provider(const mc_propbag *b, const MAPIUID *uid);
BOOL mm_bag_uid(const mc_propbag *b, ULONG tag, MAPIUID *uid);

/* Copy a service from MAPISVC.INF into a profile (sections only, no ServiceEntry call). */
HRESULT mm_service_create_sections(const WCHAR *profile, const WCHAR *service,
                                   const WCHAR *display, MAPIUID *service_uid,
                                   mc_last_error *err);
/* Copy one provider section from MAPISVC.INF into a service (IProviderAdmin::CreateProvider). */
HRESULT mm_service_add_provider(const WCHAR *profile, const MAPIUID *service,
                                const WCHAR *inf_section, ULONG n, const SPropValue *props,
                                MAPIUID *provider_uid, mc_last_error *err);
/* Remove a service's sections (providers, extra sections, the service) and list entry. */
HRESULT mm_service_delete_sections(const WCHAR *profile, const MAPIUID *service);
/* The provider section UIDs of one service (service NULL: all), in ordinal order. */
HRESULT mm_service_providers(const WCHAR *profile, const MAPIUID *service, MAPIUID **uids,
                             ULONG *count);
/* Call the service's entry point. S_OK also when the service has no entry point and
 * `require_entry` is FALSE. The MAPIERROR the service returned, if any, goes into err.
 * *called (may be NULL) tells whether the entry point ran: FALSE means the DLL or the entry
 * point could not be found (MAPI_E_NOT_FOUND / MAPI_E_NOT_INITIALIZED). */
HRESULT mm_service_call_entry(const WCHAR *profile, const MAPIUID *service, ULONG_PTR ui,
                              ULONG flags, ULONG context, ULONG n, SPropValue *props,
                              BOOL require_entry, mc_last_error *err, BOOL *called);
/* Build the message service table / a provider table (one row per section). */
HRESULT mm_service_table(const WCHAR *profile, ULONG flags, IMAPITable **out);
HRESULT mm_provider_table(const WCHAR *profile, const MAPIUID *service, ULONG flags,
                          IMAPITable **out);

/* ---- table rows (row.c) ------------------------------------------------------------------ */

/* A row being assembled for mc_table_modify_row: values are shallow (pointing into bags that
 * outlive the row) except string conversions, which the row owns. */
#define MM_ROW_MAX 32
typedef struct mm_row
{
    SPropValue v[MM_ROW_MAX];
    ULONG n;
    void *owned[MM_ROW_MAX * 2];
    ULONG n_owned;
    BOOL unicode;       /* string columns as PT_UNICODE (else PT_STRING8) */
} mm_row;
void    mm_row_init(mm_row *r, BOOL unicode);
void    mm_row_free(mm_row *r);
void    mm_row_add(mm_row *r, const SPropValue *v);               /* shallow */
void    mm_row_add_long(mm_row *r, ULONG tag, LONG value);
void    mm_row_add_bool(mm_row *r, ULONG tag, BOOL value);
void    mm_row_add_bin(mm_row *r, ULONG tag, const void *data, ULONG cb);
void    mm_row_add_str(mm_row *r, ULONG prop_id, const WCHAR *s); /* width per r->unicode */
/* The bag's value with this tag's ID, strings converted to the row's width; absent: nothing. */
HRESULT mm_row_add_from_bag(mm_row *r, const mc_propbag *b, ULONG tag);
/* Column set of a table whose string columns follow `unicode`. */
SPropTagArray *mm_columns(const ULONG *tags, ULONG n, BOOL unicode);   /* internal memory */

/* ---- COM objects ---------------------------------------------------------------------------- */

typedef struct mm_session mm_session;
typedef struct mm_support mm_support;

HRESULT mm_profadmin_create(IProfAdmin **out);
HRESULT mm_svcadmin_create(const WCHAR *profile, IUnknown *parent, IMsgServiceAdmin **out);
HRESULT mm_provadmin_create(const WCHAR *profile, const MAPIUID *service, IUnknown *parent,
                            IProviderAdmin **out);
/* A profile section object. `parent` (may be NULL) is AddRef'd for the section's lifetime. */
HRESULT mm_profsect_create(const WCHAR *profile, const MAPIUID *uid, ULONG flags,
                           IUnknown *parent, IProfSect **out);
/* Open with the documented existence rules: missing + read-only -> MAPI_E_NOT_FOUND, missing +
 * MAPI_MODIFY -> created. */
HRESULT mm_profsect_open(const WCHAR *profile, const MAPIUID *uid, const IID *iid, ULONG flags,
                         IUnknown *parent, IProfSect **out);
/* The same with the access rules of who asks, flags checked, MAPIERROR texts into err. */
typedef enum mm_section_caller
{
    MM_SECTION_SESSION,     /* IMAPISession: provider sections need MAPI_FORCE_ACCESS */
    MM_SECTION_ADMIN,       /* a client's admin object: provider sections read-only unless forced */
    MM_SECTION_PROVIDER,    /* a provider or service entry: any section */
} mm_section_caller;
HRESULT mm_profsect_open_for(mm_section_caller caller, const WCHAR *profile, const MAPIUID *uid,
                             const IID *iid, ULONG flags, IUnknown *parent, mc_last_error *err,
                             IProfSect **out);
HRESULT mm_diag_create(IUnknown *owner, IUnknown **out);
HRESULT mm_session_create(const WCHAR *profile, ULONG flags, IMAPISession **out);

/* Support objects (support.c). A provider-logon support knows its session (weakly: the
 * session detaches it at logoff) and its provider section; a service-entry support knows the
 * service section only. */
HRESULT mm_support_create(mm_session *session, const WCHAR *profile, const MAPIUID *section,
                          const MAPIUID *service, IUnknown *owner, mm_support **out);
IMAPISupport *mm_support_iface(mm_support *s);
void    mm_support_detach(mm_support *s);
BOOL    mm_support_has_uid(mm_support *s, const MAPIUID *uid);

/* Called by support objects. */
HRESULT mm_session_open_entry(mm_session *s, ULONG cb, ENTRYID *eid, const IID *iid, ULONG flags,
                              ULONG *type, IUnknown **out);
HRESULT mm_session_compare_entryids(mm_session *s, ULONG cb1, ENTRYID *e1, ULONG cb2,
                                    ENTRYID *e2, ULONG flags, ULONG *result);
HRESULT mm_session_modify_status_row(mm_session *s, ULONG n, const SPropValue *row);
HRESULT mm_session_delete_status_row(mm_session *s, const SBinary *key);
/* The session's notification engine: every support object's Subscribe/Unsubscribe/Notify and
 * the session's own Advise (imapisupport-subscribe.md, imapisupport-notify.md). */
mc_notify_engine *mm_session_engine(mm_session *s);
IMAPISession *mm_session_iface(mm_session *s);

/* ---- status objects (status.c) ------------------------------------------------------------- */

/* Status entry IDs (every status-table row has one, status-tables.md): 4 flag bytes,
 * minimapi's status MAPIUID, the kind and, for a provider's row, its profile section. */
#define MM_STATUS_SUBSYSTEM 0
#define MM_STATUS_SPOOLER   1
#define MM_STATUS_PROVIDER  2
#define MM_STATUS_AB        3   /* the integrated address book's row (status-tables.md) */
#define MM_STATUS_EID_SIZE  40
extern const MAPIUID mm_muid_status;
void    mm_status_eid(ULONG kind, const MAPIUID *section, BYTE out[MM_STATUS_EID_SIZE]);
BOOL    mm_status_eid_parse(ULONG cb, const ENTRYID *eid, ULONG *kind, MAPIUID *section);
/* minimapi's own IMAPIStatus for the subsystem or the spooler row; AddRefs the session. */
HRESULT mm_status_create(mm_session *session, ULONG kind, IMAPIStatus **out);
/* For them: a copy of their row, the spooler's FlushQueues and ValidateState. */
HRESULT mm_session_status_props(mm_session *s, ULONG kind, mc_propbag **out);
HRESULT mm_session_flush_queues(mm_session *s, ULONG flags);
HRESULT mm_session_flush_iface(IMAPISession *s, ULONG flags);   /* MAPI_E_CALL_FAILED: not ours */
HRESULT mm_session_validate_state(mm_session *s, ULONG kind, ULONG flags);

/* ---- advise sinks on a thread (threadsink.c) ----------------------------------------------- */

/* Remember the first MAPIInitialize: its thread gets the notifications of client sinks unless
 * MAPI_MULTITHREAD_NOTIFICATIONS was given (mapiinit_0.md). */
void    mm_notifications_init(ULONG init_flags);
/* The sink a client's Advise subscribes: the sink itself (AddRef'd) with
 * MAPI_MULTITHREAD_NOTIFICATIONS, else a wrapper calling it on the MAPIInitialize thread. */
HRESULT mm_notification_sink(IMAPIAdviseSink *sink, IMAPIAdviseSink **out);

/* ---- one-off entry IDs and the address book (oneoff.c, addrbook.c, mailuser.c) --------- */

extern const MAPIUID mm_muid_one_off;      /* MAPI_ONE_OFF_UID */
typedef struct mm_oneoff
{
    WCHAR *name, *type, *address;          /* internal memory */
    BOOL unicode, no_rich_info;
    USHORT flags;                          /* the 16-bit flags word as stored */
} mm_oneoff;
BOOL    mm_oneoff_is(ULONG cb, const ENTRYID *eid);
/* flags: MAPI_UNICODE (UTF-16 strings), MAPI_SEND_NO_RICH_INFO; *out one MAPIAllocateBuffer block. */
HRESULT mm_oneoff_make(const WCHAR *name, const WCHAR *type, const WCHAR *address, ULONG flags,
                       ULONG *cb, ENTRYID **out);
/* IAddrBook::CreateOneOff and IMAPISupport::CreateOneOff (the same call): the caller's strings
 * (ANSI or, with MAPI_UNICODE, Unicode; name may be NULL) checked and made into a one-off. */
HRESULT mm_oneoff_create(const void *name, const void *type, const void *address, ULONG flags,
                         ULONG *cb, ENTRYID **out);
HRESULT mm_oneoff_parse(ULONG cb, const ENTRYID *eid, mm_oneoff *out);  /* MAPI_E_INVALID_ENTRYID */
void    mm_oneoff_free(mm_oneoff *o);
HRESULT mm_oneoff_compare(ULONG cb1, const ENTRYID *e1, ULONG cb2, const ENTRYID *e2, ULONG *result);
/* The properties of a one-off recipient (PR_DISPLAY_NAME, PR_ADDRTYPE, PR_EMAIL_ADDRESS,
 * PR_ENTRYID, PR_SEARCH_KEY, PR_OBJECT_TYPE, PR_DISPLAY_TYPE...) into a bag. */
HRESULT mm_oneoff_props(ULONG cb, const ENTRYID *eid, const mm_oneoff *o, mc_propbag *b);
/* "TYPE:ADDRESS" upper-cased with its NUL; AllocateMore on parent, or a root block. */
HRESULT mm_search_key(void *parent, const WCHAR *type, const WCHAR *address, SBinary *out);
BOOL    mm_is_smtp_address(const WCHAR *s, ULONG len);
HRESULT mm_smtp_from_display(const WCHAR *text, WCHAR **name, WCHAR **address);
HRESULT mm_resolve_names(ULONG flags, ADRLIST *list);      /* IAddrBook::ResolveName */
HRESULT mm_mailuser_open_oneoff(ULONG cb, const ENTRYID *eid, const IID *iid, ULONG *type,
                                IUnknown **out);
HRESULT mm_addrbook_create(IUnknown *session, IAddrBook **out);

/* ---- the spooler (spooler.c) and reports (report.c) ---------------------------------------- */

/* mapidefs.h of Microsoft (PR_NDR_REASON_CODE values; pidtagnondeliveryreportreasoncode-canonical-property.md),
 * missing from MinGW-w64's headers. */
#ifndef MAPI_REASON_TRANSFER_FAILED
#define MAPI_REASON_TRANSFER_FAILED     0
#define MAPI_REASON_TRANSFER_IMPOSSIBLE 1
#endif

typedef struct mm_spooler mm_spooler;
HRESULT mm_spooler_create(mm_session *session, mm_spooler **out);
void    mm_spooler_destroy(mm_spooler *sp);         /* stops the thread, logs transports off */
/* The spooler's store (IMSProvider::SpoolerLogon); AddRef'd, advised on its outgoing queue. */
HRESULT mm_spooler_set_store(mm_spooler *sp, IMsgStore *store, IMSLogon *mslogon);
IMsgStore *mm_spooler_store(mm_spooler *sp);
/* A transport after TransportLogon: AddressTypes, RegisterOptions, TransportNotify(BEGIN_*). */
HRESULT mm_spooler_add_transport(mm_spooler *sp, IXPLogon *xpl, mm_support *sup,
                                 const MAPIUID *section, ULONG logon_flags);
HRESULT mm_spooler_add_preprocessor(mm_spooler *sp, const MAPIUID *uid, const WCHAR *adrtype,
                                    HMODULE mod, PREPROCESSMESSAGE *pre, REMOVEPREPROCESSINFO *remove);
BOOL    mm_spooler_needs_preprocessing(mm_spooler *sp, const WCHAR *type, const SPropValue *eid);
/* Whether a live transport (of `service` only, when given) takes this address type / entry ID. */
BOOL    mm_spooler_handles_type(mm_spooler *sp, const MAPIUID *service, const WCHAR *type,
                                const SPropValue *eid);
/* The same for the transports coupled to `store` (mm_support_owns_store). */
BOOL    mm_spooler_coupled_handles_type(mm_spooler *sp, const SBinary *store, const WCHAR *type,
                                        const SPropValue *eid);
/* TransportLogoff of the transports of `service` (NULL: all), once each. */
void    mm_spooler_logoff_transports(mm_spooler *sp, const MAPIUID *service);
HRESULT mm_spooler_start(mm_spooler *sp);           /* the thread */
void    mm_spooler_wake(mm_spooler *sp);
/* The spooler's own sink (the outgoing queue's notifications): called on the engine's thread. */
BOOL    mm_spooler_is_sink(IMAPIAdviseSink *sink);
void    mm_spooler_run_pass(mm_spooler *sp);        /* one outbound + inbound pass, synchronously */
void    mm_spooler_set_retry_first(mm_spooler *sp, ULONG ms);   /* tests: first retry delay */
HRESULT mm_spooler_notify(mm_spooler *sp, mm_support *sup, ULONG flags, void *data);
BOOL    mm_spooler_in_critsec(mm_spooler *sp, mm_support *sup);
HRESULT mm_spooler_flush(mm_spooler *sp, ULONG flags);
ULONG   mm_spooler_status(mm_spooler *sp);
void    mm_spooler_config_changed(mm_spooler *sp);     /* AddressTypes again, every transport */
/* The address types of the live transports, without duplicates (internal memory:
 * mm_free_strings). */
HRESULT mm_spooler_address_types(mm_spooler *sp, WCHAR ***types, ULONG *count);

/* StatusRecips: NDR / DR messages in `store`; frees `list` on success only. */
HRESULT mm_report_status_recips(IMsgStore *store, IMessage *orig, ADRLIST *list);
/* DoSentMail: the disposition of spi-digest §1.5; releases `msg`. */
HRESULT mm_report_do_sent_mail(IMsgStore *store, IMessage *msg);

/* Support objects and the spooler (weak links, cleared at logoff). */
void    mm_support_set_spooler(mm_support *s, mm_spooler *sp);
void    mm_support_set_store(mm_support *s, IMsgStore *store);
void    mm_support_logoff_transport(mm_support *s);
BOOL    mm_support_same_service(mm_support *s, const MAPIUID *service);
HRESULT mm_support_service(mm_support *s, MAPIUID *service);
/* Whether the provider of this support object (a transport) put `store` (a wrapped store
 * entry ID) in PR_OWN_STORE_ENTRYID of its status row: its coupled store
 * (tightly-coupled-message-store-providers.md). */
BOOL    mm_support_owns_store(mm_support *s, const SBinary *store);

#endif /* TANDEM_MINIMAPI_PRIVATE_H */
