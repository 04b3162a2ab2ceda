/*
 * store.h - what the store provider's objects share (dll/tandem/store/).
 *
 * Object graph of one logon (spi-digest §4.1/4.2, DECISIONS 4):
 *
 *   msprovider (IMSProvider) <-- td_store (shared state of one open store: db, identity,
 *                                 entry IDs, store properties; internal, reference counted)
 *                                   ^            ^             ^
 *                     msgstore (IMsgStore,   mslogon (IMSLogon)  msgstore (spooler's,
 *                     ITandemStore; client)       ^               from SpoolerLogon)
 *                                            mapistatus (IMAPIStatus)
 *
 * Arrows are references (a child holds one on its parent). The logon and store objects of one
 * Logon are created together and both hold the td_store; neither holds the other, so MAPI's
 * order (release the store, then Logoff and release the logon) frees everything. The store
 * object holds the support object (one AddRef per Logon) and releases it on its final
 * Release. The provider keeps a weak list of its open client stores for the "already open"
 * rule of IMSProvider::Logon.
 */
#ifndef TANDEM_STORE_H
#define TANDEM_STORE_H

#include "tandem_private.h"
#include "entryid.h"
#include "db/db.h"
#include "tandem.h"

/* ---- shared state of one open store (store.c) -------------------------------------------- */

/* td_provider_uid + store GUID: the store's PR_RECORD_KEY and PR_STORE_RECORD_KEY. */
#define TD_RECORD_KEY_SIZE 32

typedef struct td_store
{
    LONG ref;
    CRITICAL_SECTION lock;      /* guards props and the fields marked (lock) */
    IMSProvider *provider;      /* AddRef'd */
    mc_alloc alloc;             /* the provider's (MSProviderInit) allocators */
    td_db *db;
    GUID guid;
    ENTRYID *eid;               /* unwrapped store entry ID, internal memory */
    ULONG cb_eid;
    ENTRYID *wrapped;           /* as WrapStoreEntryID returned it, internal copy */
    ULONG cb_wrapped;
    BYTE record_key[TD_RECORD_KEY_SIZE];
    BOOL writable;              /* logged on with MDB_WRITE */
    mc_propbag *props;          /* (lock) stored properties: PR_DISPLAY_NAME_W */
    BOOL logged_off;            /* (lock) IMSLogon::Logoff or StoreLogoff ran */
    ULONGLONG special[TD_ROLE_COUNT];   /* special folder ids (provisioned at logon) */
    ENTRYID *special_eid[TD_ROLE_COUNT];    /* their entry IDs (internal memory) */
    ULONG cb_special_eid[TD_ROLE_COUNT];
    IMAPISupport *sup;          /* (lock) the client store object's support object (not AddRef'd: Advise) */
    struct td_table_cache *tables;      /* (lock) contents/hierarchy tables kept in step */
    BOOL listening;             /* td_store_on_change is registered on db's change feed */
    LONG advises;               /* live Advise connections made through this logon; interlocked */
    LONG ready_to_send;         /* SpoolerNotify(NOTIFY_READYTOSEND) done (submit.c); interlocked */
} td_store;

HRESULT td_store_create(IMSProvider *provider, const mc_alloc *alloc, td_db *db,
                        const ENTRYID *wrapped, ULONG cb_wrapped, BOOL writable,
                        const WCHAR *display_name, td_store **out);
void    td_store_addref(td_store *s);
void    td_store_release(td_store *s);
/* Computed store-level values (PR_OBJECT_TYPE, PR_ENTRYID, ...) for GetProps/GetPropList.
 * Points into `s`; valid while the caller holds s->lock. */
ULONG   td_store_computed(td_store *s, SPropValue *vals, ULONG max);
#define TD_STORE_MAX_COMPUTED 20
/* PR_STORE_SUPPORT_MASK: exactly the capabilities honoured today. */
ULONG   td_store_support_mask(const td_store *s);
void    td_store_record_key(const GUID *guid, BYTE *key);
/* What the store provider's profile section publishes for the message store table
 * (imsprovider-logon.md): PR_DISPLAY_NAME, PR_PROVIDER_DISPLAY, PR_RECORD_KEY (filled into
 * `record_key`), the wrapped PR_ENTRYID and PR_MDB_PROVIDER. Values point into the arguments. */
#define TD_STORE_SECTION_PROPS 5
ULONG   td_store_section_props(const GUID *guid, const ENTRYID *wrapped, ULONG cb_wrapped,
                               const WCHAR *display_name, BYTE *record_key, SPropValue *v);
/* IMsgStore/IMSLogon::CompareEntryIDs: MAPI_E_UNKNOWN_ENTRYID for IDs that are not ours. */
HRESULT td_store_compare_entryids(td_store *s, ULONG cb1, const ENTRYID *e1, ULONG cb2,
                                  const ENTRYID *e2, ULONG flags, ULONG *result);
/* IMsgStore/IMSLogon::Advise and Unadvise (one implementation for both interfaces). */
HRESULT td_store_advise(td_store *s, ULONG cb, const ENTRYID *eid, ULONG mask,
                        IMAPIAdviseSink *sink, ULONG *connection);
HRESULT td_store_unadvise(td_store *s, ULONG connection);
/* Resolve an entry ID given to one of this store's objects: our own wrapped store ID counts as
 * the unwrapped one. MAPI_E_INVALID_ENTRYID when it is not a Tandem ID, MAPI_E_NOT_FOUND when
 * it belongs to another Tandem store. */
HRESULT td_store_resolve_eid(td_store *s, ULONG cb, const ENTRYID *eid, td_eid *out);
/* The current display name (internal memory, mc_free) or NULL. */
WCHAR  *td_store_display_name(td_store *s);

/* ---- provider (msprovider.c) -------------------------------------------------------------- */

/* The client store already open in this provider object with this GUID, AddRef'd, or NULL. */
IMsgStore *msprovider_find_store(IMSProvider *provider, const GUID *guid);
void       msprovider_forget_store(IMSProvider *provider, IMsgStore *store);

/* ---- store object (msgstore.c) ------------------------------------------------------------ */

/* A new store object over `s` (AddRef'd) using support object `sup` (AddRef'd). */
HRESULT msgstore_create(td_store *s, IMAPISupport *sup, BOOL spooler, IMsgStore **out);
/* AddRef unless the object is already being destroyed (reference count 0). */
BOOL    msgstore_try_addref(IMsgStore *store);
/* The shared state behind a store object of ours, AddRef'd. */
td_store *msgstore_state(IMsgStore *store);

/* ---- logon object (mslogon.c) ------------------------------------------------------------- */

HRESULT mslogon_create(td_store *s, IMSLogon **out);

/* ---- status object (mapistatus.c) --------------------------------------------------------- */

/* The store's status object; holds a reference on `logon` and on `s`. */
HRESULT mapistatus_create(IMSLogon *logon, td_store *s, IMAPIStatus **out);
/* The store's status row / status object properties (values point into `s` or static data;
 * `display_name` must stay alive while they are used). */
ULONG   td_store_status_props(td_store *s, const WCHAR *display_name, SPropValue *vals, ULONG max);
#define TD_STORE_MAX_STATUS_PROPS 12

/* Flags MinGW's headers lack (not in include/tandem/mapiext.h, which is shared): */
#ifndef SHOW_SOFT_DELETES
#define SHOW_SOFT_DELETES   ((ULONG)0x00000002)   /* imapicontainer-getcontentstable.md */
#endif
#ifndef DELETE_HARD_DELETE
#define DELETE_HARD_DELETE  ((ULONG)0x00000010)   /* imapifolder-deletemessages.md */
#endif
#ifndef ITEMPROC_FORCE
#define ITEMPROC_FORCE      ((ULONG)0x00000800)   /* imapiprop-savechanges.md */
#endif

/* ---- object model shared by folder.c, message.c, attach.c, stream.c ------------------------ */

/* GetProps refuses values larger than this (MAPI_E_NOT_ENOUGH_MEMORY in the PT_ERROR value) so
 * that clients stream them with OpenProperty(IID_IStream), as Exchange and PST stores do. */
#define TD_MAX_GETPROPS_VALUE  32768
/* Table rows leave out values larger than this (bodies): tables show summaries. */
#define TD_MAX_TABLE_VALUE     4096

/* A set of computed values with the memory some of them own (internal). */
#define TD_VALS_MAX 40
typedef struct td_vals
{
    SPropValue v[TD_VALS_MAX];
    ULONG n;
    void *owned[TD_VALS_MAX];
    ULONG n_owned;
} td_vals;
void td_vals_long(td_vals *vals, ULONG tag, LONG l);
void td_vals_bool(td_vals *vals, ULONG tag, BOOL b);
void td_vals_bin(td_vals *vals, ULONG tag, void *data, ULONG cb, BOOL own);  /* own: mc_free later */
void td_vals_time(td_vals *vals, ULONG tag, FILETIME ft);
void td_vals_clear(td_vals *vals);
/* PR_ENTRYID-like values of an object: new internal entry ID in *eid. */
HRESULT td_store_object_eid(td_store *s, BYTE kind, ULONGLONG id, ULONG *cb, ENTRYID **eid);
/* The computed values every folder and message shares: PR_ENTRYID, PR_RECORD_KEY,
 * PR_INSTANCE_KEY, PR_PARENT_ENTRYID, PR_STORE_*, PR_MDB_PROVIDER, PR_OBJECT_TYPE, PR_ACCESS,
 * PR_ACCESS_LEVEL (id 0: no entry-ID values, for unsaved messages). */
void td_store_common_vals(td_store *s, td_vals *vals, BYTE kind, ULONGLONG id, ULONGLONG parent,
                          ULONG obj_type, BOOL writable);
/* GetProps over bag + computed values, with the TD_MAX_GETPROPS_VALUE rule. */
HRESULT td_getprops(td_store *s, const mc_propbag *bag, const td_vals *vals,
                    const SPropTagArray *tags, ULONG flags, ULONG *count, SPropValue **out);
/* Named properties (every object of the store shares the one mapping). */
HRESULT td_store_get_ids_from_names(td_store *s, ULONG n, MAPINAMEID **names, ULONG flags,
                                    SPropTagArray **out);
HRESULT td_store_get_names_from_ids(td_store *s, SPropTagArray **tags, const GUID *set,
                                    ULONG flags, ULONG *count, MAPINAMEID ***out);
/* IMAPIProp::CopyTo / CopyProps property part: copy the bag's values (minus `exclude`, or only
 * `include`) to `dest` through its IMAPIProp; MAPI_NOREPLACE, MAPI_MOVE (the caller deletes
 * what moved), problems from the destination's SetProps. */
HRESULT td_copy_bag(td_store *s, const mc_propbag *bag, const SPropTagArray *exclude,
                    const SPropTagArray *include, IMAPIProp *dest, ULONG flags,
                    SPropProblemArray **problems);
/* The IMAPIProp interface of a CopyTo/CopyProps destination (AddRef'd). */
HRESULT td_dest_prop(LPCIID iid, void *dest, IMAPIProp **out);
BOOL    td_iid_excluded(ULONG n, LPCIID iids, REFIID iid);

/* ---- receive folders and provisioning (store.c) -------------------------------------------- */
HRESULT td_store_provision(td_store *s);
/* Longest-prefix receive folder for `cls` (UTF-16, NULL = ""): folder id and matched class
 * (internal memory). */
HRESULT td_store_receive_folder(td_store *s, const WCHAR *cls, ULONGLONG *folder, WCHAR **matched);
void    td_store_set_support(td_store *s, IMAPISupport *sup);

/* ---- open objects by entry ID ------------------------------------------------------------ */
/* IMsgStore::OpenEntry / IMSLogon::OpenEntry for folders and messages (NULL eid: the root). */
HRESULT td_store_open_entry(td_store *s, ULONG cb, const ENTRYID *eid, LPCIID iid, ULONG flags,
                            ULONG *type, IUnknown **out);

/* ---- tables (tables.c) ------------------------------------------------------------------- */
enum td_table_kind { TD_TABLE_CONTENTS, TD_TABLE_ASSOC, TD_TABLE_HIERARCHY, TD_TABLE_HIERARCHY_DEEP };
HRESULT td_store_folder_table(td_store *s, ULONGLONG folder, int kind, IMAPITable **out);
/* Announce a change on the store's change feed (db.h), after its commit or inside its
 * transaction: `event` is the fnevObject* event (objectnotification.md), `type` MAPI_MESSAGE or
 * MAPI_FOLDER, `parent` the folder holding `id` now; moves and copies also name where the
 * object was (old_parent) and, for copies, the original (old_id). Every logon of the store in
 * every process then updates its tables (td_store_tables_changed) and notifies its advisees
 * (changes.c). */
void    td_store_announce(td_store *s, ULONG event, ULONG type, ULONGLONG parent, ULONGLONG id,
                          ULONGLONG old_parent, ULONGLONG old_id);
/* A message's read state changed (its folder's PR_CONTENT_UNREAD with it). */
void    td_store_announce_read(td_store *s, ULONGLONG folder, ULONGLONG msg);
#define td_store_tables_message(s, folder, msg) \
    td_store_announce((s), fnevObjectModified, MAPI_MESSAGE, (folder), (msg), 0, 0)
#define td_store_tables_folder(s, parent, folder) \
    td_store_announce((s), fnevObjectModified, MAPI_FOLDER, (parent), (folder), 0, 0)
/* The change feed's listener of a logon (changes.c) calls these. */
void    td_store_tables_changed(td_store *s, const td_change *change);
void    td_store_on_change(void *ctx, const td_change *change);
/* mapicore's fill_columns for a contents table: every message's values of `tags` as its row
 * holds them (computed ones made like td_store_common_vals), in passes of the database. */
HRESULT td_store_contents_fill_columns(td_store *s, ULONGLONG folder, int kind, const SPropTagArray *tags,
                                       mc_row_values_fn fn, void *ctx);
/* Every column a contents-table row of that folder may carry (QueryColumns(TBL_ALL_COLUMNS)
 * of a table over the database): the computed ones and the stored ones rows keep; *out
 * mc_malloc'ed. */
HRESULT td_store_contents_columns(td_store *s, ULONGLONG folder, int kind, SPropTagArray **out);
/* A contents-table row of message `id` (kind TD_TABLE_CONTENTS or TD_TABLE_ASSOC): into `t`,
 * or (t NULL) as one mc_heap_alloc() block in *row with *n values. */
HRESULT td_store_contents_row(td_store *s, ULONGLONG id, int kind, mc_table *t, ULONG *n,
                              SPropValue **row);
/* The rows of several messages at once (rows[i].key.id; a few statements in all): rows[i].props
 * and .n, props NULL for a message that is gone. On failure no row holds props. */
HRESULT td_store_contents_rows(td_store *s, int kind, ULONG n, mc_srcrow *rows);
/* TRUE if a contents-table row holds the stored value of this property as it is (strings cut
 * to TD_TABLE_STRING characters): a source may sort and restrict on it in its own way. */
BOOL    td_contents_keeps(ULONG tag);
#define TD_TABLE_STRING 255
/* Every row of a folder's contents table into `t`. */
HRESULT td_store_contents_fill(td_store *s, ULONGLONG folder, int kind, mc_table *t);
/* The row source of a folder's contents table (sqltable.c). `s` is not referenced: the
 * table's views keep the store alive, and the store's table cache keeps the table. */
HRESULT td_sqltable_source(td_store *s, ULONGLONG folder, int kind, mc_rowsource *out);
void    td_store_tables_free(td_store *s);
/* A snapshot table of rows (each row n values); index_tag must be in every row. */
HRESULT td_snapshot_table(td_store *s, ULONG index_tag, const SPropTagArray *columns, ULONG nrows,
                          const ULONG *counts, SPropValue *const *rows, IMAPITable **out);
/* hr unchanged, or the view's string columns set to PT_STRING8 without MAPI_UNICODE in flags. */
HRESULT td_table_strings(td_store *s, ULONG flags, HRESULT hr, IMAPITable **view);

/* ---- message data (msgdata.c): a message's content in memory ----------------------------- */
typedef struct td_attdata td_attdata;
typedef struct td_msgdata
{
    mc_propbag *props;
    mc_propbag **recips;        /* each carries PR_ROWID */
    ULONG n_recips;
    td_attdata **atts;          /* saved attachments, by num */
    ULONG n_atts;
    ULONG next_rowid;
    ULONG next_attnum;
    td_bigvals big;             /* values kept out of `props` (db.h): never in memory whole */
} td_msgdata;
struct td_attdata
{
    ULONG num;
    mc_propbag *props;
    td_bigvals big;
    td_msgdata *embedded;       /* ATTACH_EMBEDDED_MSG content or NULL */
};
td_msgdata *td_msgdata_new(void);
void        td_msgdata_free(td_msgdata *m);
td_msgdata *td_msgdata_dup(const td_msgdata *m);
td_attdata *td_attdata_new(ULONG num);
void        td_attdata_free(td_attdata *a);
td_attdata *td_attdata_dup(const td_attdata *a);
HRESULT     td_msgdata_add_recip(td_msgdata *m, mc_propbag *recip);   /* takes ownership */
HRESULT     td_msgdata_put_att(td_msgdata *m, td_attdata *a);         /* takes ownership, replaces by num */
BOOL        td_msgdata_remove_att(td_msgdata *m, ULONG num);
/* Load recipients and attachments (recursively) of message `id`; props too. */
HRESULT     td_msgdata_load(td_db *db, ULONGLONG id, td_msgdata **out);
/* Write recipients and attachments of message `id` (replacing the old ones); props too. Caller
 * holds a db transaction. `fresh`: `id` was just created (nothing to replace). */
HRESULT     td_msgdata_save(td_db *db, ULONGLONG id, const td_msgdata *m, BOOL fresh);
/* Rough size in bytes (PR_MESSAGE_SIZE). */
ULONG       td_msgdata_size(const td_msgdata *m);
/* The rows of a message's recipient table and attachment table as GetRecipientTable and
 * GetAttachmentTable present them (message.c), without PR_INSTANCE_KEY; the values point into
 * `m`, which must outlive them. Free with td_sub_rows_free. */
typedef struct td_sub_rows
{
    ULONG n;
    ULONG *counts;
    SPropValue **rows;
} td_sub_rows;
HRESULT     td_msgdata_recip_rows(const td_msgdata *m, td_sub_rows *out);
HRESULT     td_msgdata_attach_rows(const td_msgdata *m, td_sub_rows *out);
void        td_sub_rows_free(td_sub_rows *r);

/* ---- objects ----------------------------------------------------------------------------- */
HRESULT folder_open(td_store *s, ULONGLONG id, BOOL writable, IMAPIFolder **out);
/* The computed values of a folder (also its hierarchy-table row). */
void    folder_computed(td_store *s, const td_obj_info *info, BOOL writable, td_vals *vals);
HRESULT message_open(td_store *s, ULONGLONG id, BOOL writable, IMessage **out);
HRESULT message_new(td_store *s, ULONGLONG folder, BOOL assoc, IMessage **out);
/* Embedded message of an attachment: `data` is taken over; saves go to `owner`. */
HRESULT message_embedded(td_store *s, IAttach *owner, td_msgdata *data, BOOL writable, IMessage **out);
/* Attachments: saves go to the owner message's working copy. */
HRESULT attach_open(td_store *s, IMessage *owner, td_attdata *data, BOOL writable, BOOL is_new,
                    IAttach **out);
void    attach_set_embedded(IAttach *owner, td_msgdata *data);   /* takes ownership */
void    message_put_attach(IMessage *owner, td_attdata *data);   /* takes ownership */
/* A stream over a value; `commit` stores the bytes back into the owner; `commit_big` (may be
 * NULL) takes a value above TD_DB_BIG_VALUE as a staging area (the reference passes to it). */
typedef HRESULT (*td_stream_commit_fn)(IUnknown *owner, ULONG tag, const BYTE *data, ULONG cb);
typedef HRESULT (*td_stream_commit_big_fn)(IUnknown *owner, ULONG tag, ULONG size, LONGLONG stage);
/* Over `data`/`cb` (a small value; the stream copies it) or, with `row`, over a big value. */
HRESULT stream_open(td_db *db, IUnknown *owner, td_stream_commit_fn commit, td_stream_commit_big_fn commit_big,
                    ULONG tag, const BYTE *data, ULONG cb, LONGLONG row, BOOL writable, IStream **out);
HRESULT stream_create(td_db *db, IUnknown *owner, td_stream_commit_fn commit, ULONG tag, const BYTE *data,
                      ULONG cb, BOOL writable, IStream **out);
/* The message/attachment side of big values: OpenProperty over one (NULL big entry: not one),
 * GetProps/GetPropList entries, CopyTo through streams. */
HRESULT td_big_open_stream(td_db *db, IUnknown *owner, td_stream_commit_fn commit, td_stream_commit_big_fn commit_big,
                           const td_bigval *big, ULONG tag, ULONG flags, IStream **out);
void    td_big_vals(const td_bigvals *big, const mc_propbag *bag, td_vals *vals);
void    td_big_errors(const td_bigvals *big, const mc_propbag *bag, ULONG count, SPropValue *values, HRESULT *hr);
HRESULT td_big_copy(td_store *s, IMAPIProp *src, const td_bigvals *big, const mc_propbag *bag, const SPropTagArray *exclude,
                    const SPropTagArray *include, IMAPIProp *dest, ULONG flags);
/* The bytes of a PT_BINARY / string value for a stream (strings without the terminator). */
void    td_value_bytes(const SPropValue *v, const BYTE **data, ULONG *cb);
/* Set a PT_BINARY / string value from stream bytes into a bag. */
HRESULT td_bag_set_bytes(mc_propbag *bag, ULONG tag, const BYTE *data, ULONG cb);

/* ---- transacted objects (transact.c): what a message and an attachment share -------------- */
/* Both work on an in-memory copy of their properties (a bag plus its big values) that their
 * SaveChanges hands on; the IMAPIProp methods over that copy live once, in transact.c. The
 * object embeds a td_transacted and fills it in when it is created. */
typedef struct td_transacted td_transacted;
struct td_transacted
{
    td_store *s;
    CRITICAL_SECTION *lock;     /* the object's lock; every callback runs with it held */
    /* the working copy's bag and big values as they are now (a message may swap its copy) */
    mc_propbag *(*work)(td_transacted *t, td_bigvals **big);
    void (*computed)(td_transacted *t, td_vals *vals);
};
/* The stream callbacks' work: the bytes into the bag, a staged big value into the big values. */
HRESULT td_transacted_commit_stream(td_transacted *t, ULONG tag, const BYTE *data, ULONG cb);
HRESULT td_transacted_commit_stream_big(td_transacted *t, ULONG tag, ULONG size, LONGLONG stage);
/* IMAPIProp::GetProps / GetPropList (with `objects`, the PT_OBJECT tags the object lists). */
HRESULT td_transacted_getprops(td_transacted *t, const SPropTagArray *tags, ULONG flags, ULONG *count,
                               SPropValue **out);
HRESULT td_transacted_getproplist(td_transacted *t, const SPropTagArray *objects, ULONG flags,
                                  SPropTagArray **out);
/* OpenProperty(IID_IStream) once the object has checked the call: a stream over the value (or its
 * big value) committing through `commit`/`commit_big` of `owner`. `convert`: a stream of the other
 * string type than the stored value converts it (messages); without, the stored bytes as they are. */
HRESULT td_transacted_open_stream(td_transacted *t, IUnknown *owner, td_stream_commit_fn commit,
                                  td_stream_commit_big_fn commit_big, ULONG tag, ULONG flags, BOOL convert,
                                  IStream **out);
/* IMAPIProp::DeleteProps from the bag and the big values, once the object has checked the call. */
HRESULT td_transacted_deleteprops(td_transacted *t, const SPropTagArray *tags, mc_check_fn check,
                                  void *ctx, SPropProblemArray **problems);
/* The property part of CopyTo/CopyProps: `snap` (the caller's snapshot of the bag) and the big
 * values to `dest`; `src` is the object itself (big values are read through its streams). */
HRESULT td_transacted_copy(td_transacted *t, IMAPIProp *src, const mc_propbag *snap, const SPropTagArray *exclude,
                           const SPropTagArray *include, IMAPIProp *dest, ULONG flags, SPropProblemArray **problems);

#endif /* TANDEM_STORE_H */
