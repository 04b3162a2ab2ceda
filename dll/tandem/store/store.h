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
} td_store;

HRESULT td_store_create(IMSProvider *provider, const mc_alloc *alloc, td_db *db,
                        const ENTRYID *wrapped, ULONG cb_wrapped, BOOL writable,
                        const WCHAR *display_name, td_store **out);
void    td_store_addref(td_store *s);
void    td_store_release(td_store *s);
/* Computed store-level values (PR_OBJECT_TYPE, PR_ENTRYID, ...) for GetProps/GetPropList.
 * Points into `s`; valid while the caller holds s->lock. */
ULONG   td_store_computed(td_store *s, SPropValue *vals, ULONG max);
#define TD_STORE_MAX_COMPUTED 12
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

#endif /* TANDEM_STORE_H */
