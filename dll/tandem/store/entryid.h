/*
 * entryid.h - Tandem's entry identifiers: encode and decode, with strict validation
 * (spi-digest §4.5; entryid.md, constructing-entry-identifiers.md).
 *
 * Layout (byte offsets; multi-byte integers little-endian; input may be unaligned):
 *    0  abFlags[4]   0 in every ID we make (long-term); ignored when decoding, because MAPI
 *                    and clients may set MAPI_SHORTTERM & co. on a copy of a long-term ID
 *    4  MAPIUID[16]  td_provider_uid
 *   20  version      TD_EID_VERSION
 *   21  kind         TD_EID_STORE / TD_EID_FOLDER / TD_EID_MESSAGE / TD_EID_ATTACH
 *   22  GUID[16]     the store's identity
 *   38  payload      store:  the database path, UTF-16LE, NUL-terminated, nothing after it
 *                    others: 64-bit object id (8 bytes), nothing after it
 * The store ID is the UNWRAPPED form (IMSProvider::Logon, CompareStoreIDs); clients only see
 * it wrapped by IMAPISupport::WrapStoreEntryID.
 */
#ifndef TANDEM_ENTRYID_H
#define TANDEM_ENTRYID_H

#include "tandem_private.h"

#define TD_EID_VERSION      1
#define TD_EID_HEADER_SIZE  38
#define TD_EID_MAX_PATH     32767   /* characters, without the terminator */

enum td_eid_kind
{
    TD_EID_STORE   = 1,
    TD_EID_FOLDER  = 2,
    TD_EID_MESSAGE = 3,
    TD_EID_ATTACH  = 4,
};

typedef struct td_eid
{
    BYTE      kind;
    GUID      store_guid;
    ULONGLONG object_id;    /* folders, messages, attachments */
    WCHAR    *path;         /* store IDs: internal memory, freed by td_eid_clear */
} td_eid;

/* New entry IDs in internal memory (mc_free). */
HRESULT td_eid_encode_store(const GUID *store_guid, const WCHAR *path, ULONG *cb, ENTRYID **out);
HRESULT td_eid_encode_object(BYTE kind, const GUID *store_guid, ULONGLONG object_id, ULONG *cb,
                             ENTRYID **out);

/* Decode; MAPI_E_INVALID_ENTRYID for anything that is not exactly a Tandem entry ID of a
 * known version and kind (NULL, empty, truncated, foreign UID, trailing bytes, bad path). */
HRESULT td_eid_decode(ULONG cb, const ENTRYID *eid, td_eid *out);
void    td_eid_clear(td_eid *e);

/* Same store (GUID) for two store IDs: S_OK and *same; MAPI_E_INVALID_ENTRYID if either is
 * not a Tandem store ID. */
HRESULT td_eid_compare_stores(ULONG cb1, const ENTRYID *e1, ULONG cb2, const ENTRYID *e2,
                              BOOL *same);
/* Same object for two entry IDs of any kind (kind + store GUID + object id; store IDs by
 * GUID). MAPI_E_INVALID_ENTRYID if either is not ours. */
HRESULT td_eid_compare(ULONG cb1, const ENTRYID *e1, ULONG cb2, const ENTRYID *e2, BOOL *same);

#endif /* TANDEM_ENTRYID_H */
