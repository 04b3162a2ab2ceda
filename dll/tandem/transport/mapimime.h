/*
 * mapimime.h - MAPI messages <-> the codec's mime_message (issue 5 points 1-2): reads an
 * IMessage through its public interface only (GetProps, GetRecipientTable,
 * GetAttachmentTable, OpenAttach, OpenProperty streams, PR_ATTACH_DATA_OBJ) and fills one
 * (SetProps, ModifyRecipients, CreateAttach, embedded messages), so it works on any store's
 * messages, the spooler's included.
 */
#ifndef TANDEM_MAPIMIME_H
#define TANDEM_MAPIMIME_H

#include "tandem_private.h"
#include "mime.h"

/* Tags MinGW's mapitags.h lacks (values from the canonical property pages named). They belong
 * in include/tandem/mapiext.h once its owner takes them. */
#ifndef PR_INTERNET_MESSAGE_ID_W    /* pidtaginternetmessageid-canonical-property.md */
#define PR_INTERNET_MESSAGE_ID_W    PROP_TAG(PT_UNICODE, 0x1035)
#endif
#ifndef PR_INTERNET_REFERENCES_W    /* pidtaginternetreferences-canonical-property.md */
#define PR_INTERNET_REFERENCES_W    PROP_TAG(PT_UNICODE, 0x1039)
#endif
#ifndef PR_IN_REPLY_TO_ID_W         /* pidtaginreplytoid-canonical-property.md */
#define PR_IN_REPLY_TO_ID_W         PROP_TAG(PT_UNICODE, 0x1042)
#endif
#ifndef PR_HTML                     /* pidtaghtml-canonical-property.md */
#define PR_HTML                     PROP_TAG(PT_BINARY, 0x1013)
#endif
#ifndef PR_INTERNET_CPID            /* pidtaginternetcodepage-canonical-property.md */
#define PR_INTERNET_CPID            PROP_TAG(PT_LONG, 0x3FDE)
#endif
#ifndef PR_ATTACH_CONTENT_ID_W      /* pidtagattachcontentid-canonical-property.md */
#define PR_ATTACH_CONTENT_ID_W      PROP_TAG(PT_UNICODE, 0x3712)
#endif
#ifndef PR_ATTACHMENT_HIDDEN        /* pidtagattachmenthidden-canonical-property.md */
#define PR_ATTACHMENT_HIDDEN        PROP_TAG(PT_BOOLEAN, 0x7FFE)
#endif

/* MS-OXCDATA 2.2.5.1 one-off entry ID: flags 0, MUID_ONE_OFF, version 0, then the 16-bit
 * flags (MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO) and three NUL-terminated strings
 * (display name, address type, address), UTF-16 when MAPI_ONE_OFF_UNICODE is set. */
extern const BYTE td_muid_one_off[16];
/* A one-off entry ID as one AllocateBuffer block (a->... ; parent non-NULL: AllocateMore). */
HRESULT td_oneoff_make(const mc_alloc *a, void *parent, const WCHAR *name, const WCHAR *addrtype,
                       const WCHAR *address, ULONG *cb, ENTRYID **out);
/* Decode a one-off entry ID into new internal strings (any may be NULL on output when the
 * caller passes NULL). MAPI_E_INVALID_ENTRYID when it is not one. */
HRESULT td_oneoff_parse(ULONG cb, const ENTRYID *eid, WCHAR **name, WCHAR **addrtype, WCHAR **address);
/* MAPI's search key of an address: "ADDRTYPE:ADDRESS" in upper case with its NUL. */
HRESULT td_search_key_make(const mc_alloc *a, void *parent, const WCHAR *addrtype,
                           const WCHAR *address, SBinary *out);

/* UTF-16 <-> UTF-8, new internal memory, NULL for NULL or on failure. */
char  *td_utf8_from_wide(const WCHAR *s);
WCHAR *td_wide_from_utf8(const char *s, size_t len);

/* IMessage -> a new mime_message (mime_message_free). Recipients of every type are read,
 * MAPI_BCC into bcc (which the writer never writes). `a` is the allocator whose FreeBuffer
 * frees what the message's methods return. */
HRESULT td_mapimime_from_message(const mc_alloc *a, IMessage *msg, mime_message **out);

/* mime_message -> properties, recipients and attachments on `msg` (a new message: nothing is
 * deleted first). No SaveChanges on `msg` itself; attachments and embedded messages are saved.
 * PR_MESSAGE_DELIVERY_TIME is set from the newest Received stamp, else `delivery_time`
 * (FILETIME as int64; 0: not set). */
HRESULT td_mapimime_to_message(const mc_alloc *a, const mime_message *m, int64_t delivery_time,
                               IMessage *msg);

/* IMessage -> RFC 5322 bytes (malloc'ed by the codec: free()). When the message has no
 * PR_INTERNET_MESSAGE_ID the codec creates one; *created_id (may be NULL) then gets it as new
 * internal UTF-16 so the caller can keep it on the message (created once, then kept). */
HRESULT td_mapimime_write(const mc_alloc *a, IMessage *msg, char **bytes, size_t *len,
                          WCHAR **created_id);
/* RFC 5322 bytes -> `msg` (as td_mapimime_to_message); *parsed (may be NULL) keeps the model.
 * Bad input beyond the codec's limits is MAPI_E_CORRUPT_DATA (mime_hresult). */
HRESULT td_mapimime_parse(const mc_alloc *a, const void *bytes, size_t len, int64_t delivery_time,
                          IMessage *msg, mime_message **parsed);

#endif /* TANDEM_MAPIMIME_H */
