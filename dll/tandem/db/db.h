/*
 * db.h - the store's database: the only part of tandem32.dll that speaks SQL.
 *
 * One SQLite file per store (PR_PST_PATH). Everything above this layer talks in the store's
 * terms (identity, display name; objects and properties next round). A td_db is shared by
 * every logon of the same file in the process (client and spooler): td_db_open returns the
 * already open one, reference counted, keyed by the file's canonical path.
 */
#ifndef TANDEM_DB_H
#define TANDEM_DB_H

#include "tandem_private.h"

/* Highest schema version this build knows (PRAGMA user_version). */
#define TD_SCHEMA_VERSION 7

typedef struct td_db td_db;

/* Open the store file at `path`, creating it (with identity `new_guid`, display name
 * `display_name` (may be NULL)) when it does not exist yet or is empty, and bring its schema
 * up to TD_SCHEMA_VERSION. Errors:
 *   MAPI_E_NOT_FOUND      the folder that should hold the file does not exist
 *   MAPI_E_CORRUPT_DATA   the file is not an SQLite database, is damaged, or is another
 *                         program's database; the file is left untouched
 *   MAPI_E_VERSION        the file was written by a newer Tandem (schema too new)
 *   MAPI_E_NO_ACCESS      the file cannot be opened for writing
 * `why` (may be NULL) gets an explanation as internal memory on failure (mc_free). */
HRESULT td_db_open(const WCHAR *path, const GUID *new_guid, const WCHAR *display_name,
                   td_db **out, WCHAR **why);
/* Read the identity of an existing store file without keeping it open and without changing
 * it: S_OK and *guid; MAPI_E_NOT_FOUND if there is no file (or it is empty); otherwise the
 * errors of td_db_open. */
HRESULT td_db_probe(const WCHAR *path, GUID *guid, WCHAR **why);

void    td_db_addref(td_db *db);
void    td_db_release(td_db *db);

const WCHAR *td_db_path(const td_db *db);        /* canonical full path */
ULONG   td_db_schema_version(td_db *db);
void    td_db_store_guid(const td_db *db, GUID *guid);
FILETIME td_db_created(const td_db *db);
/* The store's display name as kept in the file: new internal memory or NULL if none. */
HRESULT td_db_get_display_name(td_db *db, WCHAR **out);
HRESULT td_db_set_display_name(td_db *db, const WCHAR *name);

/* Check the file: SQLite's integrity_check and foreign_key_check, and the store's own tree
 * rules (one root folder; folders below folders; messages below folders or attachments;
 * recipient rows and attachments below messages). *problems gets the number of problems
 * found (0: consistent). Errors only when the check could not run. */
HRESULT td_db_check_integrity(td_db *db, ULONG *problems);

/* Objects open for writing in this process, counted per object id (in memory, not in the
 * file): IMAPIFolder::DeleteMessages refuses such messages. */
HRESULT td_db_writer_open(td_db *db, ULONGLONG id);
void    td_db_writer_close(td_db *db, ULONGLONG id);
BOOL    td_db_writer_is_open(td_db *db, ULONGLONG id);

/* A value that changes whenever the file's content may have changed: every write through
 * this process's connection (any session) and every commit by another process. Caches of
 * database content compare it to know they are stale. */
ULONGLONG td_db_generation(td_db *db);

/* ---- the change feed (dbchange.c) --------------------------------------------------------
 * Whoever changes a message or a folder announces it (td_db_announce): what happened (the
 * fnevObject* event of objectnotification.md), to what, where. Every listener of the file in
 * this process gets the change at once (after the commit when announced inside a transaction;
 * never if it rolls back), and every listener in other processes within about
 * TD_FEED_PERIOD_MS (dbchange.c) through the file's change_log. A listener looks at the
 * database for the object's current state (it may be gone by then).
 * TD_CHANGE_RESYNC: changes were lost (a reader fell behind the kept log): reload everything.
 * Listeners run on the announcing thread or on the feed's thread, never under a td_db lock. */
enum { TD_CHANGE_MESSAGE = 1, TD_CHANGE_FOLDER = 2, TD_CHANGE_RESYNC = 3 };
#define TD_CHANGE_COUNTS 0x1    /* flags: a folder's computed counts changed (read state) */
typedef struct td_change
{
    ULONG kind;                 /* TD_CHANGE_* */
    ULONG flags;                /* TD_CHANGE_COUNTS */
    ULONG event;                /* fnevObjectCreated / Modified / Deleted / Moved / Copied, fnevNewMail */
    ULONGLONG parent;           /* the folder holding the object (after a move or copy) */
    ULONGLONG id;               /* the object (the copy, for fnevObjectCopied) */
    ULONGLONG old_parent;       /* moves and copies: where it was / the original's folder */
    ULONGLONG old_id;           /* copies: the original */
} td_change;
typedef void (*td_change_fn)(void *ctx, const td_change *change);
HRESULT td_db_listen(td_db *db, td_change_fn fn, void *ctx);
/* Returns once no delivery to (fn, ctx) is running any more. */
void    td_db_unlisten(td_db *db, td_change_fn fn, void *ctx);
void    td_db_announce(td_db *db, const td_change *change);
/* Deliver other processes' changes committed so far, now (before a cache is read). */
void    td_db_catch_up(td_db *db);

/* Number of distinct database files open in the process (tests). */
ULONG   td_db_open_count(void);

/* ---- objects, properties, named properties, receive folders (dbobj.c) ---------------------
 * Objects are folders, messages, attachments and recipient rows in one tree (parent_id).
 * Every function takes db's lock for its statements; td_db_begin/commit group calls into one
 * transaction (nestable on one thread; BEGIN IMMEDIATE, so two processes serialise writers). */

/* Values of objects.type (MAPI object types; recipient rows use MAPI_MAILUSER). */
typedef struct td_obj_info
{
    ULONGLONG id;
    ULONGLONG parent;       /* 0 for the root folder */
    ULONG type;
    ULONG flags;
    ULONG num;
    LONGLONG version;
    FILETIME created;
    FILETIME modified;
} td_obj_info;

/* Roles of special folders (table special_folders). */
enum td_role
{
    TD_ROLE_ROOT = 1, TD_ROLE_IPM_SUBTREE, TD_ROLE_INBOX, TD_ROLE_OUTBOX, TD_ROLE_SENTMAIL,
    TD_ROLE_WASTEBASKET, TD_ROLE_DRAFTS, TD_ROLE_SEARCH_ROOT, TD_ROLE_COUNT
};

HRESULT td_db_begin(td_db *db);
HRESULT td_db_commit(td_db *db);      /* fails (and rolls back) after an inner rollback */
void    td_db_rollback(td_db *db);

HRESULT td_db_object_create(td_db *db, ULONGLONG parent, ULONG type, ULONG flags, ULONG num,
                            ULONGLONG *id);
/* MAPI_E_NOT_FOUND when there is no such object. */
HRESULT td_db_object_get(td_db *db, ULONGLONG id, td_obj_info *info);
/* Set flags, stamp the modification time and bump the version; *version (may be NULL) gets
 * the new version. */
HRESULT td_db_object_touch(td_db *db, ULONGLONG id, ULONG flags, LONGLONG *version);
HRESULT td_db_object_move(td_db *db, ULONGLONG id, ULONGLONG new_parent);
/* Deletes the object and everything below it. */
HRESULT td_db_object_delete(td_db *db, ULONGLONG id);
/* Children of `parent` of `type` whose (flags & mask) == value, by num then id: new internal
 * array (mc_free) or NULL when none. */
HRESULT td_db_children(td_db *db, ULONGLONG parent, ULONG type, ULONG mask, ULONG value,
                       ULONGLONG **ids, ULONG *count);
/* Messages of a folder: count, and count whose PR_MESSAGE_FLAGS lacks MSGFLAG_READ. */
HRESULT td_db_count_messages(td_db *db, ULONGLONG folder, ULONG mask, ULONG value,
                             ULONG *count, ULONG *unread);
/* TRUE if `ancestor` is `id` or one of its ancestors. */
BOOL    td_db_is_ancestor(td_db *db, ULONGLONG ancestor, ULONGLONG id);

/* Every property of an object, added to `bag` (internal copies). */
HRESULT td_db_props_load(td_db *db, ULONGLONG id, mc_propbag *bag);
/* The same; without `big`, values in big_values are left out (td_bigvals_load lists them). */
HRESULT td_db_props_load_ex(td_db *db, ULONGLONG id, mc_propbag *bag, BOOL big);
/* Several objects at once, as td_db_object_get and td_db_props_load_ex(big FALSE) give each (one
 * statement per TD_DB_LOAD_BATCH of them): infos[i] and bags[i] for ids[i]; infos[i].id is 0
 * for an object that does not exist. */
#define TD_DB_LOAD_BATCH 64
HRESULT td_db_objects_load(td_db *db, const ULONGLONG *ids, ULONG n, td_obj_info *infos, mc_propbag **bags);
/* Replace every property of an object by the bag's. */
HRESULT td_db_props_replace(td_db *db, ULONGLONG id, const mc_propbag *bag);
/* The same, leaving out property `skip_id` (0: none); `fresh`: the object was just created and
 * has no property rows yet (saves the DELETE). */
HRESULT td_db_props_write(td_db *db, ULONGLONG id, const mc_propbag *bag, ULONG skip_id, BOOL fresh);
/* Set or delete one property. */
HRESULT td_db_prop_set(td_db *db, ULONGLONG id, const SPropValue *v);
HRESULT td_db_prop_delete(td_db *db, ULONGLONG id, ULONG prop_id);
/* A child folder of `parent` whose PR_DISPLAY_NAME equals `name` (case-insensitive): S_OK and
 * *id, or MAPI_E_NOT_FOUND. */
HRESULT td_db_find_child_folder(td_db *db, ULONGLONG parent, const WCHAR *name, ULONGLONG *id);

HRESULT td_db_special_get(td_db *db, ULONG role, ULONGLONG *id);     /* MAPI_E_NOT_FOUND */
HRESULT td_db_special_set(td_db *db, ULONG role, ULONGLONG id);

/* Named properties: one mapping per store; property IDs 0x8000 + row id. kind MNID_ID or
 * MNID_STRING. Without `create`, an unknown name gives MAPI_E_NOT_FOUND. */
HRESULT td_db_named_to_id(td_db *db, const GUID *guid, ULONG kind, LONG lid, const WCHAR *name,
                          BOOL create, ULONG *prop_id);
/* *name new internal memory for MNID_STRING. MAPI_E_NOT_FOUND for unmapped IDs. */
HRESULT td_db_named_from_id(td_db *db, ULONG prop_id, GUID *guid, ULONG *kind, LONG *lid,
                            WCHAR **name);
/* Every mapped property ID (new internal array). */
HRESULT td_db_named_list(td_db *db, ULONG **ids, ULONG *count);

/* Receive folders: `folder` 0 removes the class. Class '' is the default. */
HRESULT td_db_receive_set(td_db *db, const WCHAR *message_class, ULONGLONG folder);
/* All associations: parallel new internal arrays; classes[i] internal memory each. */
HRESULT td_db_receive_list(td_db *db, ULONG *count, WCHAR ***classes, ULONGLONG **folders);

/* ---- contents tables in SQL (dbtable.c) ----------------------------------------------------
 * The messages of one folder (`assoc`: the associated ones, else the others) in the default
 * contents order: PR_MESSAGE_DELIVERY_TIME descending, messages without one last, ties by
 * object id ascending - the order the in-memory table engine gives the same rows. A position
 * is an mc_srckey: id, and the delivery time in v when has_v. */

/* Number of messages. */
HRESULT td_db_table_count(td_db *db, ULONGLONG folder, BOOL assoc, ULONG *count);
/* Up to `n` keys in that order after `from` (NULL: from the first; backward: before `from`,
 * or from the last, nearest first), `from` itself included when `inclusive`, `skip` left
 * out first. */
HRESULT td_db_table_page(td_db *db, ULONGLONG folder, BOOL assoc, const mc_srckey *from,
                         BOOL inclusive, BOOL backward, ULONG skip, ULONG n, mc_srckey *keys,
                         ULONG *got);
/* Number of messages before position `key`. */
HRESULT td_db_table_ordinal(td_db *db, ULONGLONG folder, BOOL assoc, const mc_srckey *key,
                            ULONG *ord);
/* Is object `id` a message of that folder's table now, and its position. */
HRESULT td_db_table_locate(td_db *db, ULONGLONG folder, BOOL assoc, ULONGLONG id,
                           mc_srckey *key, BOOL *present);

/* Every message of the table (or only message `only`, when not 0) in that order, with the
 * values of the properties `prop_ids` (at most TD_SCAN_MAX_PROPS property IDs; a value in
 * big_values is left out): fn once per message, values internal and valid during the call.
 * The first failure of fn ends the scan and is returned. Holds the database's lock. */
#define TD_SCAN_MAX_PROPS 8
typedef HRESULT (*td_scan_fn)(void *ctx, ULONGLONG id, BOOL has_time, LONGLONG time, ULONG n,
                              const SPropValue *values);
HRESULT td_db_table_scan(td_db *db, ULONGLONG folder, BOOL assoc, ULONGLONG only,
                         const ULONG *prop_ids, ULONG n, td_scan_fn fn, void *ctx);
/* The same for at most `limit` messages after position `after` (NULL: from the first):
 * *messages of them seen, the last one's position in *last (unchanged when none). */
HRESULT td_db_table_scan_chunk(td_db *db, ULONGLONG folder, BOOL assoc, const mc_srckey *after,
                               ULONG limit, const ULONG *prop_ids, ULONG n, td_scan_fn fn,
                               void *ctx, ULONG *messages, mc_srckey *last);

/* td_db_table_scan of every message in object id order (the order they were made in). */
HRESULT td_db_table_scan_by_id(td_db *db, ULONGLONG folder, BOOL assoc, const ULONG *prop_ids, ULONG n,
                               td_scan_fn fn, void *ctx);
/* The distinct property tags (PROP_TAG(type, prop_id)) stored on the table's messages, big
 * values included: QueryColumns(TBL_ALL_COLUMNS). One pass over the messages' property rows.
 * *tags: internal memory (mc_free). */
HRESULT td_db_table_tags(td_db *db, ULONGLONG folder, BOOL assoc, ULONG **tags, ULONG *n);

/* ---- submit state (dbsubmit.c) -------------------------------------------------------------
 * The row that says whether a message is submitted and who holds it (DECISIONS 7: change it
 * inside the same td_db_begin/commit as the message change it describes). */
/* TD_SUBMIT_SENT: not submitted any more (FinishedMsg committed: out of the queue, submit state
 * reset, sent) but the sent-mail disposition (DoSentMail) is not done yet; lock_pid names the
 * process doing it. A logon completes it when that process died (td_submit_recover). */
enum td_submit_state { TD_SUBMIT_NONE = 0, TD_SUBMIT_QUEUED = 1, TD_SUBMIT_COUPLED = 2, TD_SUBMIT_SENT = 3 };
typedef struct td_submit_info
{
    ULONGLONG message;
    ULONG state;            /* TD_SUBMIT_* */
    ULONG submit_flags;     /* SUBMITFLAG_PREPROCESS, SUBMITFLAG_LOCKED */
    ULONG lock_pid;         /* process holding SUBMITFLAG_LOCKED */
    FILETIME submit_time;
    LONGLONG seq;
} td_submit_info;
/* MAPI_E_NOT_FOUND (and info->state TD_SUBMIT_NONE) when the message is not submitted. */
HRESULT td_db_submit_get(td_db *db, ULONGLONG message, td_submit_info *info);
/* Insert (at the end of the submission order) or update the message's row. */
HRESULT td_db_submit_put(td_db *db, const td_submit_info *info);
/* Remove the row; MAPI_E_NOT_FOUND if there was none. */
HRESULT td_db_submit_remove(td_db *db, ULONGLONG message);
/* Rows in submission order whose state is `state` (0: all): new internal array or NULL. */
HRESULT td_db_submit_list(td_db *db, ULONG state, td_submit_info **rows, ULONG *count);
/* Whether a delivered message (one with PR_MESSAGE_DELIVERY_TIME) with this
 * PR_INTERNET_MESSAGE_ID is anywhere in the store (the drop directory's exactly-once check). */
HRESULT td_db_find_delivered(td_db *db, const WCHAR *message_id, BOOL *found);
/* The same message's object id (0 when none): the transport's IMAP read-state sync opens it by
 * its entry ID. */
HRESULT td_db_find_delivered_object(td_db *db, const WCHAR *message_id, ULONGLONG *object_id);

/* Property value encoding of a `properties` row (propser.c). */
HRESULT td_propser_encode(const SPropValue *v, BYTE **buf, ULONG *cb, LONGLONG *ival, BOOL *ival_set);
HRESULT td_propser_decode(ULONG tag, LONGLONG ival, const BYTE *buf, ULONG cb, SPropValue *out);

/* ---- big values and staging (dbbig.c) ------------------------------------------------------
 * PT_BINARY / PT_STRING8 / PT_UNICODE values above TD_DB_BIG_VALUE bytes (bodies, attachment
 * data) live in their own rows (table big_values) and are read and written in pieces through
 * SQLite incremental blob I/O, never loaded whole: objects keep only a td_bigvals list that
 * says which exist. Stream writes go to a staging area (a connection-private temporary table,
 * on disk) that a save copies into big_values inside its transaction; a staging area no one
 * references any more is dropped, so a message released without saving leaves nothing. */
#define TD_DB_BIG_VALUE 32768
typedef struct td_bigval
{
    ULONG tag;              /* property tag (PT_BINARY, PT_STRING8 or PT_UNICODE) */
    ULONG size;             /* bytes (strings without the terminator) */
    LONGLONG row;           /* big_values row holding the value, or 0 */
    ULONGLONG owner;        /* object that row belongs to */
    LONGLONG stage;         /* staging area holding a new value (then row is 0), or 0 */
} td_bigval;
typedef struct td_bigvals
{
    td_db *db;              /* for staging references; NULL while empty */
    td_bigval *v;
    ULONG n;
} td_bigvals;

/* Big values of object `id` (metadata only), appended to *out. */
HRESULT td_bigvals_load(td_db *db, ULONGLONG id, td_bigvals *out);
/* Write the big values of object `id` (caller holds a transaction): rows of `id` not in `b`
 * are deleted (and those whose property `bag` holds: the bag's value wins), staged values
 * copied in, rows of other objects copied (or, with `move`,
 * given to `id`: their old object is about to be deleted). */
HRESULT td_bigvals_save(td_db *db, ULONGLONG id, const td_bigvals *b, const mc_propbag *bag, BOOL move);
HRESULT td_bigvals_copy(td_bigvals *dst, const td_bigvals *src);   /* dst empty */
void    td_bigvals_clear(td_bigvals *b);
const td_bigval *td_bigvals_find(const td_bigvals *b, ULONG prop_id);
/* Set property `tag` to the staged value `stage` of `size` bytes (takes the caller's
 * reference on the staging area), replacing an entry with the same property ID. */
HRESULT td_bigvals_put(td_db *db, td_bigvals *b, ULONG tag, ULONG size, LONGLONG stage);
void    td_bigvals_remove(td_bigvals *b, ULONG prop_id);
ULONG   td_bigvals_size(const td_bigvals *b);

/* Read up to `cb` bytes at `offset` of a big_values row; *got the bytes read. Reads of one
 * row in a row cost what they read: the handle stays open between them (dbbig.c). */
HRESULT td_db_big_read(td_db *db, LONGLONG row, ULONGLONG offset, BYTE *buf, ULONG cb, ULONG *got);
/* A reader of `row` is done (stream released): close the handle kept for it, if any. */
void    td_db_big_read_end(td_db *db, LONGLONG row);
/* Staging areas: reference counted in the process, chunked in a temporary table. */
HRESULT td_db_stage_new(td_db *db, LONGLONG *stage);
void    td_db_stage_addref(td_db *db, LONGLONG stage);
void    td_db_stage_release(td_db *db, LONGLONG stage);
/* Read/write at `offset` (holes read as zeros; the caller keeps the size). */
HRESULT td_db_stage_read(td_db *db, LONGLONG stage, ULONGLONG offset, BYTE *buf, ULONG cb);
HRESULT td_db_stage_write(td_db *db, LONGLONG stage, ULONGLONG offset, const BYTE *buf, ULONG cb);
/* Drop the chunks of `stage` at and above byte `size` (SetSize). */
HRESULT td_db_stage_truncate(td_db *db, LONGLONG stage, ULONGLONG size);

#endif /* TANDEM_DB_H */
