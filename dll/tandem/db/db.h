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
#define TD_SCHEMA_VERSION 1

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

/* Number of distinct database files open in the process (tests). */
ULONG   td_db_open_count(void);

#endif /* TANDEM_DB_H */
