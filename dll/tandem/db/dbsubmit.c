/*
 * dbsubmit.c - the submit state of messages (table outgoing_queue, schema v3): whether a
 * message is submitted, in which order, and who holds it. The store keeps PR_MESSAGE_FLAGS'
 * MSGFLAG_SUBMIT in step with these rows inside the same transaction (DECISIONS 7).
 * Docs: imessage-submitmessage.md, imsgstore-getoutgoingqueue.md, imsgstore-setlockstate.md.
 */
#include "db_int.h"

static ULONGLONG ft_to_int(FILETIME ft) { return ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime; }

static FILETIME int_to_ft(ULONGLONG v)
{
    FILETIME ft;
    ft.dwHighDateTime = (DWORD)(v >> 32);
    ft.dwLowDateTime = (DWORD)v;
    return ft;
}

static void read_row(sqlite3_stmt *st, td_submit_info *info)
{
    info->message = (ULONGLONG)sqlite3_column_int64(st, 0);
    info->seq = sqlite3_column_int64(st, 1);
    info->submit_time = int_to_ft((ULONGLONG)sqlite3_column_int64(st, 2));
    info->state = (ULONG)sqlite3_column_int(st, 3);
    info->submit_flags = (ULONG)sqlite3_column_int(st, 4);
    info->lock_pid = (ULONG)sqlite3_column_int64(st, 5);
}

HRESULT td_db_submit_get(td_db *db, ULONGLONG message, td_submit_info *info)
{
    static const char sql[] = "SELECT message_id, seq, submit_time, state, submit_flags, lock_pid "
                              "FROM outgoing_queue WHERE message_id = ?";
    sqlite3_stmt *st;
    HRESULT hr = MAPI_E_NOT_FOUND;

    if (!db || !info) return MAPI_E_INVALID_PARAMETER;
    memset(info, 0, sizeof(*info));
    info->message = message;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)message);
        if (sqlite3_step(st) == SQLITE_ROW) { read_row(st, info); hr = S_OK; }
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_submit_put(td_db *db, const td_submit_info *info)
{
    /* a new row goes after every existing one; an existing row keeps its place */
    static const char sql[] =
        "INSERT INTO outgoing_queue(message_id, seq, submit_time, state, submit_flags, lock_pid) "
        "VALUES (?1, (SELECT IFNULL(MAX(seq), 0) + 1 FROM outgoing_queue), ?2, ?3, ?4, ?5) "
        "ON CONFLICT(message_id) DO UPDATE SET submit_time = ?2, state = ?3, submit_flags = ?4, "
        "lock_pid = ?5";
    sqlite3_stmt *st;
    HRESULT hr;

    if (!db || !info || !info->message || info->state == TD_SUBMIT_NONE) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)info->message);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)ft_to_int(info->submit_time));
        sqlite3_bind_int(st, 3, (int)info->state);
        sqlite3_bind_int(st, 4, (int)info->submit_flags);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)info->lock_pid);
        hr = sqlite3_step(st) == SQLITE_DONE ? S_OK : td_db_hr(sqlite3_errcode(db->h));
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_submit_remove(td_db *db, ULONGLONG message)
{
    static const char sql[] = "DELETE FROM outgoing_queue WHERE message_id = ?";
    sqlite3_stmt *st;
    HRESULT hr;

    if (!db) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)message);
        if (sqlite3_step(st) != SQLITE_DONE) hr = td_db_hr(sqlite3_errcode(db->h));
        else hr = sqlite3_changes(db->h) ? S_OK : MAPI_E_NOT_FOUND;
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_submit_list(td_db *db, ULONG state, td_submit_info **rows, ULONG *count)
{
    static const char sql[] = "SELECT message_id, seq, submit_time, state, submit_flags, lock_pid "
                              "FROM outgoing_queue WHERE ?1 = 0 OR state = ?1 ORDER BY seq";
    sqlite3_stmt *st;
    td_submit_info *r = NULL, *grown;
    ULONG n = 0, cap = 0;
    HRESULT hr = S_OK;
    int rc;

    if (!db || !rows || !count) return MAPI_E_INVALID_PARAMETER;
    *rows = NULL;
    *count = 0;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_int(st, 1, (int)state);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        {
            if (n == cap)
            {
                cap = cap ? cap * 2 : 16;
                if (!(grown = mc_realloc(r, (SIZE_T)cap * sizeof(*r)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
                r = grown;
            }
            read_row(st, &r[n++]);
        }
        if (SUCCEEDED(hr) && rc != SQLITE_DONE) hr = td_db_hr(rc);
        sqlite3_reset(st);
    }
    LeaveCriticalSection(&db->lock);
    if (FAILED(hr)) { mc_free(r); return hr; }
    *rows = r;
    *count = n;
    return S_OK;
}

HRESULT td_db_find_delivered_object(td_db *db, const WCHAR *message_id, ULONGLONG *object_id)
{
    /* a received message: PR_INTERNET_MESSAGE_ID (0x1035, PT_UNICODE stored as UTF-16LE
     * without terminator) on an object that also has PR_MESSAGE_DELIVERY_TIME (0x0E06), so the
     * sender's own copy in Sent Items (same Message-ID, no delivery time) never counts. The
     * terms prop_id = 4149 AND type = 31 match the partial index properties_by_message_id
     * (schema v5), so this is an index lookup however big the store is. */
    static const char sql[] =
        "SELECT o.id FROM properties p JOIN objects o ON o.id = p.object_id "
        "WHERE p.prop_id = 4149 AND p.type = 31 AND p.value = ?1 AND o.type = 5 "
        "AND EXISTS (SELECT 1 FROM properties d WHERE d.object_id = p.object_id AND d.prop_id = 3590) LIMIT 1";
    sqlite3_stmt *st;
    HRESULT hr;
    int rc;

    if (!db || !message_id || !object_id) return MAPI_E_INVALID_PARAMETER;
    *object_id = 0;
    EnterCriticalSection(&db->lock);
    if (!(st = td_db_stmt(db, sql))) hr = td_db_hr(sqlite3_errcode(db->h));
    else
    {
        sqlite3_bind_blob(st, 1, message_id, (int)(wcslen(message_id) * sizeof(WCHAR)), SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) { *object_id = (ULONGLONG)sqlite3_column_int64(st, 0); hr = S_OK; }
        else hr = rc == SQLITE_DONE ? S_OK : td_db_hr(rc);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    LeaveCriticalSection(&db->lock);
    return hr;
}

HRESULT td_db_find_delivered(td_db *db, const WCHAR *message_id, BOOL *found)
{
    ULONGLONG id = 0;
    HRESULT hr;

    if (!found) return MAPI_E_INVALID_PARAMETER;
    hr = td_db_find_delivered_object(db, message_id, &id);
    *found = SUCCEEDED(hr) && id != 0;
    return hr;
}
