/*
 * changes.c - what a logon does with the store's change feed (db.h): every change to a message
 * or a folder, made by any session of any process on the same file, updates this logon's
 * tables (tables.c) and becomes an object notification (objectnotification.md) for the sinks
 * advised through this logon (IMsgStore::Advise, IMSLogon::Advise: td_store_advise).
 *
 * Who hears an event follows handling-message-store-notification.md (notify_object).
 * fnevNewMail comes through the feed too: IMsgStore::NotifyNewMail (the spooler's or a
 * transport's delivery, submit.c) announces it, and every logon on the store - in this process
 * and in others - notifies its store advisees (notify_new_mail).
 * A logon through which nothing is advised does not notify, so two logons of one session do
 * not both notify the session's sinks unless both have advisees.
 */
#include "store.h"
#include "entryid.h"

void td_store_announce(td_store *s, ULONG event, ULONG type, ULONGLONG parent, ULONGLONG id,
                       ULONGLONG old_parent, ULONGLONG old_id)
{
    td_change c;

    c.kind = type == MAPI_FOLDER ? TD_CHANGE_FOLDER : TD_CHANGE_MESSAGE;
    c.flags = 0;
    c.event = event;
    c.parent = parent;
    c.id = id;
    c.old_parent = old_parent;
    c.old_id = old_id;
    td_db_announce(s->db, &c);
}

void td_store_announce_read(td_store *s, ULONGLONG folder, ULONGLONG msg)
{
    td_change c;

    memset(&c, 0, sizeof(c));
    c.kind = TD_CHANGE_MESSAGE;
    c.flags = TD_CHANGE_COUNTS;
    c.event = fnevObjectModified;
    c.parent = folder;
    c.id = msg;
    td_db_announce(s->db, &c);
}

/* Notify `n` under `eid` (a NOTIFKEY of its bytes). */
static void notify_key(IMAPISupport *sup, ULONG cb, const ENTRYID *eid, NOTIFICATION *n)
{
    NOTIFKEY *key;
    ULONG flags = 0;

    if (!cb || !eid || !(key = mc_malloc(sizeof(NOTIFKEY) + cb))) return;
    key->cb = cb;
    memcpy(key->ab, eid, cb);
    sup->lpVtbl->Notify(sup, key, 1, n, &flags);
    mc_free(key);
}

/* fnevObjectModified for folder `id` whose computed counts (PR_CONTENT_COUNT,
 * PR_CONTENT_UNREAD, PR_SUBFOLDERS) may have changed: to the store and the folder. */
static void notify_folder_modified(td_store *s, IMAPISupport *sup, ULONGLONG id)
{
    ENTRYID *eid = NULL, *parent = NULL;
    ULONG cb = 0, cb_parent = 0;
    td_obj_info info;
    NOTIFICATION n;

    if (!id || FAILED(td_db_object_get(s->db, id, &info)) || info.type != MAPI_FOLDER) return;
    if (SUCCEEDED(td_store_object_eid(s, TD_EID_FOLDER, id, &cb, &eid)) &&
        (!info.parent || SUCCEEDED(td_store_object_eid(s, TD_EID_FOLDER, info.parent, &cb_parent, &parent))))
    {
        memset(&n, 0, sizeof(n));
        n.ulEventType = fnevObjectModified;
        n.info.obj.cbEntryID = cb;
        n.info.obj.lpEntryID = eid;
        n.info.obj.ulObjType = MAPI_FOLDER;
        n.info.obj.cbParentID = cb_parent;
        n.info.obj.lpParentID = parent;
        notify_key(sup, s->cb_wrapped, s->wrapped, &n);
        notify_key(sup, cb, eid, &n);
    }
    mc_free(eid);
    mc_free(parent);
}

/* fnevNewMail of message `c->id` to the store's advisees (imsgstore-notifynewmail.md,
 * newmail_notification.md): its entry ID and folder's, its class and PR_MESSAGE_FLAGS as they
 * are now, strings in Unicode. */
static void notify_new_mail(td_store *s, IMAPISupport *sup, const td_change *c)
{
    ENTRYID *eid = NULL, *parent = NULL;
    ULONG cb = 0, cb_parent = 0, n = 0;
    SPropValue *row = NULL;
    const SPropValue *cls, *flags;
    NOTIFICATION note;

    if (FAILED(td_store_object_eid(s, TD_EID_MESSAGE, c->id, &cb, &eid)) ||
        FAILED(td_store_object_eid(s, TD_EID_FOLDER, c->parent, &cb_parent, &parent)) ||
        FAILED(td_store_contents_row(s, c->id, TD_TABLE_CONTENTS, NULL, &n, &row)))
        goto done;
    cls = mc_props_find(n, row, PR_MESSAGE_CLASS_W);
    flags = mc_props_find(n, row, PR_MESSAGE_FLAGS);
    memset(&note, 0, sizeof(note));
    note.ulEventType = fnevNewMail;
    note.info.newmail.cbEntryID = cb;
    note.info.newmail.lpEntryID = eid;
    note.info.newmail.cbParentID = cb_parent;
    note.info.newmail.lpParentID = parent;
    note.info.newmail.ulFlags = MAPI_UNICODE;
    note.info.newmail.lpszMessageClass = (LPTSTR)(cls ? cls->Value.lpszW : L"IPM.Note");
    note.info.newmail.ulMessageFlags = flags ? (ULONG)flags->Value.l : 0;
    notify_key(sup, s->cb_wrapped, s->wrapped, &note);
done:
    if (row) mc_heap_alloc()->free_buffer(row);
    mc_free(eid);
    mc_free(parent);
}

/* The object notification of change `c`, to whom handling-message-store-notification.md says:
 * every event to the store's advisees; deleted, moved and modified objects also to their own
 * advisees, a copied one to the original's; never to the parent folder's. A change to a
 * folder's contents or subfolders is also fnevObjectModified of that folder (its computed
 * counts), to the store and the folder. */
static void notify_object(td_store *s, const td_change *c)
{
    BYTE kind = c->kind == TD_CHANGE_FOLDER ? TD_EID_FOLDER : TD_EID_MESSAGE;
    ENTRYID *eid = NULL, *parent = NULL, *old = NULL, *old_parent = NULL;
    ULONG cb = 0, cb_parent = 0, cb_old = 0, cb_old_parent = 0;
    BOOL counts = c->event != fnevObjectModified || (c->flags & TD_CHANGE_COUNTS);
    IMAPISupport *sup;
    NOTIFICATION n;

    switch (c->event)
    {
    case fnevObjectCreated: case fnevObjectModified: case fnevObjectDeleted:
    case fnevObjectMoved: case fnevObjectCopied: case fnevNewMail:
        break;
    default:
        return;
    }
    if (!InterlockedCompareExchange(&s->advises, 0, 0)) return;
    EnterCriticalSection(&s->lock);
    if ((sup = s->sup)) sup->lpVtbl->AddRef(sup);
    LeaveCriticalSection(&s->lock);
    if (!sup) return;
    if (c->event == fnevNewMail)
    {
        notify_new_mail(s, sup, c);
        sup->lpVtbl->Release(sup);
        return;
    }

    if (FAILED(td_store_object_eid(s, kind, c->id, &cb, &eid))) goto done;
    if (c->parent && FAILED(td_store_object_eid(s, TD_EID_FOLDER, c->parent, &cb_parent, &parent))) goto done;
    if (c->event == fnevObjectMoved || c->event == fnevObjectCopied)
    {
        if (FAILED(td_store_object_eid(s, kind, c->event == fnevObjectCopied ? c->old_id : c->id, &cb_old, &old)) ||
            (c->old_parent && FAILED(td_store_object_eid(s, TD_EID_FOLDER, c->old_parent, &cb_old_parent, &old_parent))))
            goto done;
    }
    memset(&n, 0, sizeof(n));
    n.ulEventType = c->event;
    n.info.obj.cbEntryID = cb;
    n.info.obj.lpEntryID = eid;
    n.info.obj.ulObjType = c->kind == TD_CHANGE_FOLDER ? MAPI_FOLDER : MAPI_MESSAGE;
    n.info.obj.cbParentID = cb_parent;
    n.info.obj.lpParentID = parent;
    n.info.obj.cbOldID = cb_old;
    n.info.obj.lpOldID = old;
    n.info.obj.cbOldParentID = cb_old_parent;
    n.info.obj.lpOldParentID = old_parent;

    notify_key(sup, s->cb_wrapped, s->wrapped, &n);
    if (c->event == fnevObjectCopied) notify_key(sup, cb_old, old, &n);
    else if (c->event != fnevObjectCreated) notify_key(sup, cb, eid, &n);
    if (counts)
    {
        notify_folder_modified(s, sup, c->parent);
        if (c->event == fnevObjectMoved && c->old_parent != c->parent) notify_folder_modified(s, sup, c->old_parent);
    }
done:
    mc_free(eid);
    mc_free(parent);
    mc_free(old);
    mc_free(old_parent);
    sup->lpVtbl->Release(sup);
}

void td_store_on_change(void *ctx, const td_change *c)
{
    td_store *s = ctx;

    td_store_tables_changed(s, c);
    if (c->kind != TD_CHANGE_RESYNC) notify_object(s, c);
}
