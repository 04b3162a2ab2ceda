/*
 * submit.c - the store's side of sending: IMessage::SubmitMessage's work, the routing decision
 * between the coupled transport and the spooler, the outgoing queue table and the spooler-only
 * IMsgStore methods (GetOutgoingQueue, SetLockState, FinishedMsg, NotifyNewMail) plus
 * AbortSubmit. Docs: imessage-submitmessage.md, sending-messages-by-using-mapi.md,
 * sending-messages-message-store-provider-tasks.md, imsgstore-getoutgoingqueue.md,
 * imsgstore-setlockstate.md, imsgstore-finishedmsg.md, imsgstore-abortsubmit.md,
 * imsgstore-notifynewmail.md, imapisupport-preparesubmit.md, imapisupport-expandrecips.md,
 * imapisupport-spoolernotify.md, imapisupport-dosentmail.md; spi-digest §1, §2.
 *
 * Invariants:
 * - A message is submitted exactly when it has a row in the db's outgoing_queue; MSGFLAG_SUBMIT
 *   in its stored PR_MESSAGE_FLAGS changes in the same transaction as that row (DECISIONS 7).
 * - The routing decision reads that row (the submit state), never the folder the message is
 *   in (sending-messages-by-using-mapi.md): a submitted message is refused a second submit, and
 *   a message in the queue is never handed to the coupled transport.
 * - A message the coupled transport is sending has state TD_SUBMIT_COUPLED and is not in the
 *   queue table; if the send does not finish (failure, retry, a crash) it goes to the queue.
 * - A row in TD_SUBMIT_SENT is not a submitted message: FinishedMsg committed (the message is
 *   sent) and its sent-mail disposition (DoSentMail) is pending; the row is the record that a
 *   crash before the disposition leaves for the next logon to complete.
 * - Queue tables are per database file in the process: the client's and the spooler's store
 *   objects may sit on different td_store objects over the same file.
 */
#include "submit.h"

/* ---- the routing decision ---------------------------------------------------------------- */

td_route td_route_decide(const td_route_in *in)
{
    if (in->from_spooler)
    {
        /* The spooler's SubmitMessage after preprocessing (spi-digest §1.3 step 6) is only
         * valid for a message it holds in the queue; it stays with the spooler, which sends it
         * to the transports itself: a message the spooler holds never also takes the coupled
         * path. */
        if (in->state != TD_SUBMIT_QUEUED || !in->locked) return TD_ROUTE_REFUSE;
        return TD_ROUTE_QUEUE;
    }
    if (in->state != TD_SUBMIT_NONE) return TD_ROUTE_REFUSE;     /* queued, locked or sending */
    if (in->needs_preprocessing) return TD_ROUTE_QUEUE_PREPROCESS;
    if (in->coupled && in->all_handled) return TD_ROUTE_COUPLED;
    return TD_ROUTE_QUEUE;
}

/* ---- small helpers ----------------------------------------------------------------------- */

/* A lock dies with the process that took it ("lock state need not survive", §1.6). */
static BOOL lock_alive(const td_submit_info *info)
{
    HANDLE h;
    BOOL alive;

    if (!(info->submit_flags & SUBMITFLAG_LOCKED)) return FALSE;
    if (info->lock_pid == GetCurrentProcessId()) return TRUE;
    if (!(h = OpenProcess(SYNCHRONIZE, FALSE, info->lock_pid))) return FALSE;
    alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    CloseHandle(h);
    return alive;
}

/* The process `pid` still runs (0: nobody). */
static BOOL pid_alive(ULONG pid)
{
    HANDLE h;
    BOOL alive;

    if (!pid) return FALSE;
    if (pid == GetCurrentProcessId()) return TRUE;
    if (!(h = OpenProcess(SYNCHRONIZE, FALSE, pid))) return FALSE;
    alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    CloseHandle(h);
    return alive;
}

static ULONG effective_flags(const td_submit_info *info)
{
    return lock_alive(info) ? info->submit_flags : info->submit_flags & ~(ULONG)SUBMITFLAG_LOCKED;
}

/* Submit times strictly increase in the process, so the queue's order by PR_CLIENT_SUBMIT_TIME
 * is the order of the SubmitMessage calls (imessage-submitmessage.md). */
static FILETIME submit_now(void)
{
    static SRWLOCK time_lock = SRWLOCK_INIT;
    static ULONGLONG last;
    FILETIME ft;
    ULONGLONG t;

    GetSystemTimeAsFileTime(&ft);
    t = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    AcquireSRWLockExclusive(&time_lock);
    if (t <= last) t = last + 1;
    last = t;
    ReleaseSRWLockExclusive(&time_lock);
    ft.dwHighDateTime = (DWORD)(t >> 32);
    ft.dwLowDateTime = (DWORD)t;
    return ft;
}

static IMAPISupport *store_support(td_store *s)
{
    IMAPISupport *sup;
    EnterCriticalSection(&s->lock);
    if ((sup = s->sup)) sup->lpVtbl->AddRef(sup);
    LeaveCriticalSection(&s->lock);
    return sup;
}

static HRESULT message_id_of(td_store *s, ULONG cb, const ENTRYID *eid, ULONGLONG *id)
{
    td_eid dec;
    HRESULT hr;

    memset(&dec, 0, sizeof(dec));
    if (!eid || !cb) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = td_store_resolve_eid(s, cb, eid, &dec))) return hr;
    if (dec.kind != TD_EID_MESSAGE) hr = MAPI_E_INVALID_ENTRYID;
    else *id = dec.object_id;
    td_eid_clear(&dec);
    return hr;
}

/* ---- outgoing queue tables --------------------------------------------------------------- */

/* spi-digest §2.2: the required columns, in that order. */
static const SizedSPropTagArray(11, queue_columns) = {11, {PR_CLIENT_SUBMIT_TIME, PR_DISPLAY_BCC_W,
    PR_DISPLAY_CC_W, PR_DISPLAY_TO_W, PR_ENTRYID, PR_MESSAGE_FLAGS, PR_MESSAGE_SIZE, PR_PRIORITY,
    PR_SENDER_NAME_W, PR_SUBJECT_W, PR_SUBMIT_FLAGS}};

typedef struct queue_table
{
    td_db *db;                  /* the file whose queue it shows (not a reference: s holds one) */
    td_store *s;                /* AddRef'd: entry IDs */
    mc_table *t;                /* AddRef'd */
    struct queue_table *next;
} queue_table;

static SRWLOCK queue_lock = SRWLOCK_INIT;
static queue_table *queue_tables;

/* The queue row of message `info->message` into t (or its removal when not queued). */
static HRESULT queue_row(td_store *s, mc_table *t, const td_submit_info *info)
{
    mc_propbag *bag = mc_propbag_new();
    SPropValue *row = NULL, v;
    ENTRYID *eid = NULL;
    ULONG cb = 0, n = 0, i;
    HRESULT hr;

    if (!bag) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_store_object_eid(s, TD_EID_MESSAGE, info->message, &cb, &eid))) goto done;
    if (info->state != TD_SUBMIT_QUEUED)
    {
        v.ulPropTag = PR_ENTRYID;
        v.Value.bin.cb = cb;
        v.Value.bin.lpb = (BYTE *)eid;
        hr = mc_table_delete_row(t, &v);
        if (hr == MAPI_E_NOT_FOUND) hr = S_OK;
        goto done;
    }
    if (FAILED(hr = td_db_props_load(s->db, info->message, bag))) goto done;
    if (!(row = mc_calloc(mc_propbag_count(bag) + 8, sizeof(*row)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    row[n].ulPropTag = PR_ENTRYID;
    row[n].Value.bin.cb = cb;
    row[n++].Value.bin.lpb = (BYTE *)eid;
    row[n].ulPropTag = PR_CLIENT_SUBMIT_TIME;
    row[n++].Value.ft = info->submit_time;
    row[n].ulPropTag = PR_SUBMIT_FLAGS;
    row[n++].Value.l = (LONG)effective_flags(info);
    row[n].ulPropTag = PR_SPOOLER_STATUS;     /* pidtagspoolerstatus: settable, restrictable */
    row[n++].Value.l = S_OK;
    if (!mc_propbag_get(bag, PR_PRIORITY))
    {
        row[n].ulPropTag = PR_PRIORITY;
        row[n++].Value.l = PRIO_NORMAL;
    }
    for (i = 0; i < mc_propbag_count(bag); i++)
    {
        const SPropValue *p = mc_propbag_at(bag, i);
        if (mc_props_find(n, row, PROP_TAG(PT_UNSPECIFIED, PROP_ID(p->ulPropTag)))) continue;
        if (mc_prop_payload_size(p) > TD_MAX_TABLE_VALUE) continue;
        row[n++] = *p;
    }
    hr = mc_table_modify_row(t, n, row);
done:
    mc_free(row);
    mc_free(eid);
    mc_propbag_free(bag);
    return hr;
}

/* The queue changed for message `id`: every open queue table over the same file follows. */
static void queue_changed(td_store *s, ULONGLONG id)
{
    td_submit_info info;
    queue_table *q;

    if (FAILED(td_db_submit_get(s->db, id, &info))) info.state = TD_SUBMIT_NONE;
    info.message = id;
    AcquireSRWLockShared(&queue_lock);
    for (q = queue_tables; q; q = q->next)
        if (q->db == s->db) queue_row(q->s, q->t, &info);
    ReleaseSRWLockShared(&queue_lock);
}

static void queue_view_released(void *ctx)
{
    queue_table *q = ctx, **p;

    AcquireSRWLockExclusive(&queue_lock);
    for (p = &queue_tables; *p; p = &(*p)->next)
        if (*p == q) { *p = q->next; break; }
    ReleaseSRWLockExclusive(&queue_lock);
    mc_table_release(q->t);
    td_store_release(q->s);
    mc_free(q);
}

HRESULT td_submit_outgoing_queue(td_store *s, IMAPISupport *sup, IMAPITable **out)
{
    static const SizedSSortOrderSet(1, by_time) = {1, 0, 0, {{PR_CLIENT_SUBMIT_TIME, TABLE_SORT_ASCEND}}};
    td_submit_info *rows = NULL;
    queue_table *q = NULL;
    mc_notifier notifier;
    ULONG n = 0, i;
    HRESULT hr;

    memset(&notifier, 0, sizeof(notifier));
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(q = mc_calloc(1, sizeof(*q)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    td_store_addref(s);
    q->s = s;
    q->db = s->db;
    if (FAILED(hr = mc_table_new(&s->alloc, PR_ENTRYID, (SPropTagArray *)&queue_columns, &q->t))) goto fail;
    if (FAILED(hr = mc_table_set_default_sort(q->t, (SSortOrderSet *)&by_time))) goto fail;
    /* table Advise goes through IMAPISupport::Subscribe (spi-digest §4.10) */
    if (sup && SUCCEEDED(mc_notifier_from_support(sup, &notifier)))
    {
        hr = mc_table_set_notifier(q->t, &notifier);
        mc_notifier_clear(&notifier);
        if (FAILED(hr)) goto fail;
    }
    /* register first, then fill: a change in between reaches the table either way */
    AcquireSRWLockExclusive(&queue_lock);
    q->next = queue_tables;
    queue_tables = q;
    ReleaseSRWLockExclusive(&queue_lock);
    if (SUCCEEDED(hr = td_db_submit_list(s->db, TD_SUBMIT_QUEUED, &rows, &n)))
        for (i = 0; i < n && SUCCEEDED(hr); i++) hr = queue_row(s, q->t, &rows[i]);
    mc_free(rows);
    if (SUCCEEDED(hr)) hr = mc_table_open_view(q->t, queue_view_released, q, out);
    if (FAILED(hr))
    {
        queue_view_released(q);
        return hr;
    }
    return S_OK;
fail:
    if (q->t) mc_table_release(q->t);
    td_store_release(s);
    mc_free(q);
    return hr;
}

/* ---- the submit state of one message, changed in one transaction ------------------------- */

/* Set (state != NONE) or remove the row and PR_MESSAGE_FLAGS' SUBMIT bit (plus `clear`) in one
 * transaction; `extra` (may be NULL) is stored with them. The open message `msg` (may be NULL)
 * learns the new flags and version. */
/* A sent message left `parent`: deleted (del), moved to `dest`, or changed where it is. */
static void td_submit_announce(td_store *s, ULONGLONG parent, ULONGLONG id, ULONGLONG dest, BOOL del)
{
    if (del) td_store_announce(s, fnevObjectDeleted, MAPI_MESSAGE, parent, id, 0, 0);
    else if (dest && dest != parent) td_store_announce(s, fnevObjectMoved, MAPI_MESSAGE, dest, id, parent, id);
    else td_store_announce(s, fnevObjectModified, MAPI_MESSAGE, parent, id, 0, 0);
}

static HRESULT put_state(td_store *s, IMessage *msg, const td_submit_info *info, ULONG clear,
                         const SPropValue *extra)
{
    mc_propbag *bag = mc_propbag_new();
    LONGLONG version = 0;
    ULONG flags;
    SPropValue v;
    HRESULT hr;

    if (!bag) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_begin(s->db))) { mc_propbag_free(bag); return hr; }
    if (FAILED(hr = td_db_props_load(s->db, info->message, bag))) goto done;
    flags = (ULONG)mc_propbag_get_long(bag, PR_MESSAGE_FLAGS, 0);
    if (info->state == TD_SUBMIT_QUEUED || info->state == TD_SUBMIT_COUPLED) flags |= MSGFLAG_SUBMIT;
    else flags &= ~(ULONG)MSGFLAG_SUBMIT;
    flags &= ~clear;
    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = (LONG)flags;
    if (FAILED(hr = td_db_prop_set(s->db, info->message, &v))) goto done;
    if (extra && FAILED(hr = td_db_prop_set(s->db, info->message, extra))) goto done;
    if (info->state != TD_SUBMIT_NONE) hr = td_db_submit_put(s->db, info);
    else if ((hr = td_db_submit_remove(s->db, info->message)) == MAPI_E_NOT_FOUND) hr = S_OK;
    if (SUCCEEDED(hr)) hr = td_db_object_touch(s->db, info->message, 0, &version);
done:
    if (FAILED(hr)) td_db_rollback(s->db);
    else hr = td_db_commit(s->db);
    mc_propbag_free(bag);
    if (SUCCEEDED(hr) && msg) message_set_state(msg, flags, version);
    return hr;
}

BOOL td_submit_flags(td_store *s, ULONGLONG id, ULONG *flags)
{
    td_submit_info info;
    if (!id || FAILED(td_db_submit_get(s->db, id, &info)) || info.state == TD_SUBMIT_SENT) return FALSE;
    *flags = effective_flags(&info);
    return TRUE;
}

HRESULT td_submit_check_open(td_store *s, ULONGLONG id, ULONG flags, BOOL *writable)
{
    td_submit_info info;

    if (FAILED(td_db_submit_get(s->db, id, &info)) || info.state == TD_SUBMIT_SENT)
        return S_OK;                                                  /* not submitted */
    if (lock_alive(&info)) return MAPI_E_NO_ACCESS;                   /* imsgstore-setlockstate.md */
    if ((flags & MAPI_MODIFY) && !(flags & MAPI_BEST_ACCESS)) return MAPI_E_SUBMITTED;
    *writable = FALSE;
    return S_OK;
}

HRESULT td_submit_open_for_spooler(td_store *s, ULONGLONG id, IMessage **out)
{
    HRESULT hr = message_open(s, id, s->writable, out);
    if (SUCCEEDED(hr)) message_set_spooler(*out);
    return hr;
}

/* ---- SubmitMessage ------------------------------------------------------------------------ */

typedef struct stamp
{
    FILETIME now;
    ULONG n_recips;
    WCHAR *name, *email;
    ENTRYID *eid;
    ULONG cb_eid;
    char *search_key;
} stamp;

static HRESULT count_recips(td_msgdata *m, void *ctx)
{
    *(ULONG *)ctx = m->n_recips;
    return S_OK;
}

static void set_wstr(mc_propbag *b, ULONG tag, const WCHAR *w, BOOL only_if_absent)
{
    SPropValue v;
    if (!w || (only_if_absent && mc_propbag_get(b, PROP_TAG(PT_UNSPECIFIED, PROP_ID(tag))))) return;
    v.ulPropTag = tag;
    v.Value.lpszW = (WCHAR *)w;
    mc_propbag_set(b, &v);
}

static void set_bin(mc_propbag *b, ULONG tag, const void *data, ULONG cb, BOOL only_if_absent)
{
    SPropValue v;
    if (!data || (only_if_absent && mc_propbag_get(b, tag))) return;
    v.ulPropTag = tag;
    v.Value.bin.cb = cb;
    v.Value.bin.lpb = (BYTE *)data;
    mc_propbag_set(b, &v);
}

/* What the store sets on submit (spi-digest §1.3 steps 2-4, issue 6 point 6): MSGFLAG_UNSENT,
 * PR_RESPONSIBILITY FALSE on every row, PR_CLIENT_SUBMIT_TIME, the sender from the profile. */
static HRESULT apply_stamp(td_msgdata *m, void *ctx)
{
    stamp *st = ctx;
    SPropValue v;
    ULONG i;
    BOOL own_representing;

    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = mc_propbag_get_long(m->props, PR_MESSAGE_FLAGS, 0) | MSGFLAG_UNSENT;
    mc_propbag_set(m->props, &v);
    v.ulPropTag = PR_CLIENT_SUBMIT_TIME;
    v.Value.ft = st->now;
    mc_propbag_set(m->props, &v);
    if (!mc_propbag_get(m->props, PR_MESSAGE_CLASS_W) && !mc_propbag_get(m->props, PR_MESSAGE_CLASS_A))
        set_wstr(m->props, PR_MESSAGE_CLASS_W, L"IPM", FALSE);   /* spi-digest §2.6 */
    for (i = 0; i < m->n_recips; i++)
    {
        v.ulPropTag = PR_RESPONSIBILITY;
        v.Value.b = FALSE;
        mc_propbag_set(m->recips[i], &v);
    }
    st->n_recips = m->n_recips;
    if (!st->email) return S_OK;
    /* "sent representing" is the client's to set (delegates); without it, the sender */
    own_representing = !mc_propbag_get(m->props, PROP_TAG(PT_UNSPECIFIED, PROP_ID(PR_SENT_REPRESENTING_NAME_W))) &&
                       !mc_propbag_get(m->props, PROP_TAG(PT_UNSPECIFIED, PROP_ID(PR_SENT_REPRESENTING_EMAIL_ADDRESS_W)));
    set_wstr(m->props, PR_SENDER_NAME_W, st->name, FALSE);
    set_wstr(m->props, PR_SENDER_EMAIL_ADDRESS_W, st->email, FALSE);
    set_wstr(m->props, PR_SENDER_ADDRTYPE_W, L"SMTP", FALSE);
    set_bin(m->props, PR_SENDER_ENTRYID, st->eid, st->cb_eid, FALSE);
    set_bin(m->props, PR_SENDER_SEARCH_KEY, st->search_key, (ULONG)strlen(st->search_key) + 1, FALSE);
    if (own_representing)
    {
        set_wstr(m->props, PR_SENT_REPRESENTING_NAME_W, st->name, FALSE);
        set_wstr(m->props, PR_SENT_REPRESENTING_EMAIL_ADDRESS_W, st->email, FALSE);
        set_wstr(m->props, PR_SENT_REPRESENTING_ADDRTYPE_W, L"SMTP", FALSE);
        set_bin(m->props, PR_SENT_REPRESENTING_ENTRYID, st->eid, st->cb_eid, FALSE);
        set_bin(m->props, PR_SENT_REPRESENTING_SEARCH_KEY, st->search_key, (ULONG)strlen(st->search_key) + 1, FALSE);
    }
    return S_OK;
}

/* The account from the profile: the service section's PR_DISPLAY_NAME / PR_EMAIL_ADDRESS. */
static void read_identity(td_store *s, IMAPISupport *sup, stamp *st)
{
    IProfSect *sect = NULL;
    td_config cfg;
    ENTRYID *eid = NULL;
    ULONG cb = 0, i;

    memset(&cfg, 0, sizeof(cfg));
    if (!sup || FAILED(sup->lpVtbl->OpenProfileSection(sup, NULL, 0, &sect))) return;
    if (SUCCEEDED(td_config_read_for_provider(&s->alloc, sup, sect, &cfg)) && cfg.email)
    {
        char *a = mc_w2a(cfg.email);
        st->email = cfg.email;
        cfg.email = NULL;
        st->name = cfg.display_name ? cfg.display_name : mc_wcsdup(st->email);
        cfg.display_name = NULL;
        /* PR_SEARCH_KEY of an address: "ADDRTYPE:ADDRESS" upper-cased, with its terminator
         * (pidtagsearchkey-canonical-property.md) */
        if (a && (st->search_key = mc_malloc(strlen(a) + 6)))
        {
            strcpy(st->search_key, "SMTP:");
            strcat(st->search_key, a);
            for (i = 0; st->search_key[i]; i++)
                if (st->search_key[i] >= 'a' && st->search_key[i] <= 'z') st->search_key[i] -= 'a' - 'A';
        }
        mc_free(a);
        if (!st->search_key) { mc_free(st->email); st->email = NULL; }
        else if (SUCCEEDED(sup->lpVtbl->CreateOneOff(sup, (LPTSTR)st->name, (LPTSTR)L"SMTP", (LPTSTR)st->email,
                                                      MAPI_UNICODE, &cb, &eid)) && eid)
        {
            if ((st->eid = mc_malloc(cb))) { memcpy(st->eid, eid, cb); st->cb_eid = cb; }
            s->alloc.free_buffer(eid);
        }
    }
    td_config_clear(&cfg);
    sect->lpVtbl->Release(sect);
}

static void stamp_clear(stamp *st)
{
    mc_free(st->name);
    mc_free(st->email);
    mc_free(st->eid);
    mc_free(st->search_key);
}

/* Every recipient's address type is one the coupled transport sends to. */
typedef struct handled_ctx { td_coupled_transport *xp; BOOL all; BOOL pending; } handled_ctx;

static HRESULT check_handled(td_msgdata *m, void *ctx)
{
    handled_ctx *h = ctx;
    ULONG i;

    h->all = m->n_recips > 0;
    h->pending = FALSE;
    for (i = 0; i < m->n_recips; i++)
    {
        const SPropValue *resp = mc_propbag_get(m->recips[i], PR_RESPONSIBILITY);
        WCHAR *type;
        /* PT_BOOLEAN: mc_propbag_get_long would ask for PT_LONG and never see it */
        if (resp && PROP_TYPE(resp->ulPropTag) == PT_BOOLEAN && resp->Value.b) continue;
        h->pending = TRUE;
        if (!h->xp) { h->all = FALSE; continue; }
        type = mc_propbag_get_wstr(m->recips[i], PROP_ID(PR_ADDRTYPE_W));
        if (!type || !h->xp->handles(h->xp->ctx, type)) h->all = FALSE;
        mc_free(type);
    }
    return S_OK;
}

static ULONG message_flags(td_store *s, IMessage *msg)
{
    SizedSPropTagArray(1, tags) = {1, {PR_MESSAGE_FLAGS}};
    SPropValue *v = NULL;
    ULONG n = 0, flags = 0;

    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, 0, &n, &v)) && v &&
        v[0].ulPropTag == PR_MESSAGE_FLAGS)
        flags = (ULONG)v[0].Value.l;
    if (v) s->alloc.free_buffer(v);
    return flags;
}

/* The coupled store finishing alone (spi-digest §1.3 7(a), §1.5): in one transaction the
 * message leaves the submit state, is marked sent (MSGFLAG_UNSENT cleared,
 * PR_PROVIDER_SUBMIT_TIME) and gets its sent-mail disposition. */
static HRESULT finish_coupled(td_store *s, IMessage *msg, ULONGLONG id)
{
    SizedSPropTagArray(2, tags) = {2, {PR_SENTMAIL_ENTRYID, PR_DELETE_AFTER_SUBMIT}};
    SPropValue *v = NULL, sent;
    td_submit_info info;
    td_obj_info obj;
    ULONGLONG dest = 0;
    ULONG n = 0;
    BOOL del = FALSE;
    HRESULT hr;

    if (FAILED(hr = td_db_object_get(s->db, id, &obj))) return hr;
    if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, 0, &n, &v)) && v)
    {
        td_eid dec;
        memset(&dec, 0, sizeof(dec));
        if (v[0].ulPropTag == PR_SENTMAIL_ENTRYID &&
            SUCCEEDED(td_store_resolve_eid(s, v[0].Value.bin.cb, (ENTRYID *)v[0].Value.bin.lpb, &dec)) &&
            dec.kind == TD_EID_FOLDER)
            dest = dec.object_id;
        td_eid_clear(&dec);
        del = v[1].ulPropTag == PR_DELETE_AFTER_SUBMIT && v[1].Value.b;
    }
    if (v) s->alloc.free_buffer(v);

    memset(&info, 0, sizeof(info));
    info.message = id;
    info.state = TD_SUBMIT_NONE;
    sent.ulPropTag = PR_PROVIDER_SUBMIT_TIME;
    GetSystemTimeAsFileTime(&sent.Value.ft);
    if (FAILED(hr = td_db_begin(s->db))) return hr;
    hr = put_state(s, msg, &info, MSGFLAG_UNSENT, &sent);
    if (SUCCEEDED(hr) && del) hr = td_db_object_delete(s->db, id);
    else if (SUCCEEDED(hr) && dest && dest != obj.parent) hr = td_db_object_move(s->db, id, dest);
    if (FAILED(hr)) { td_db_rollback(s->db); return hr; }
    if (FAILED(hr = td_db_commit(s->db))) return hr;
    td_submit_announce(s, obj.parent, id, dest, del);
    return S_OK;
}

HRESULT td_submit_message(td_store *s, IMessage *msg)
{
    td_coupled_transport xp;
    BOOL coupled, spooler = message_is_spooler(msg);
    IMAPISupport *sup = store_support(s);
    td_submit_info before, info;
    handled_ctx handled;
    td_route_in in;
    td_route route;
    ULONG xflags = 0, n_recips = 0, flags;
    ULONGLONG id;
    stamp st;
    HRESULT hr;

    memset(&st, 0, sizeof(st));
    memset(&xp, 0, sizeof(xp));
    memset(&in, 0, sizeof(in));
    message_with_work(msg, count_recips, &n_recips);
    if (!n_recips) { hr = MAPI_E_NO_RECIPIENTS; goto done; }
    if ((id = message_id(msg)) && SUCCEEDED(td_db_submit_get(s->db, id, &before)) && !spooler)
    {
        hr = MAPI_E_SUBMITTED;
        goto done;
    }

    if (!spooler)
    {
        /* once per session, before the first PrepareSubmit (imapisupport-spoolernotify.md) */
        if (sup && !InterlockedExchange(&s->ready_to_send, TRUE))
            sup->lpVtbl->SpoolerNotify(sup, NOTIFY_READYTOSEND, NULL);
        st.now = submit_now();
        read_identity(s, sup, &st);
        message_with_work(msg, apply_stamp, &st);
    }
    /* save, then PrepareSubmit for a resend (imessage-submitmessage.md, DECISIONS 5) */
    if (FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE))) goto done;
    id = message_id(msg);
    flags = message_flags(s, msg);
    if (!spooler && sup)
    {
        if (flags & MSGFLAG_RESEND)
        {
            ULONG pflags = 0;
            if (FAILED(hr = sup->lpVtbl->PrepareSubmit(sup, msg, &pflags))) goto done;
        }
        hr = sup->lpVtbl->ExpandRecips(sup, msg, &xflags);
        if (hr == MAPI_E_NO_SUPPORT) { MC_FIXME("ExpandRecips not supported by MAPI"); xflags = 0; hr = S_OK; }
        if (FAILED(hr)) goto done;
        /* what PrepareSubmit and ExpandRecips changed is kept */
        if (FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE))) goto done;
    }

    coupled = !spooler && td_coupling_find(&s->guid, &xp);
    handled.xp = coupled ? &xp : NULL;
    message_with_work(msg, check_handled, &handled);

    /* decide and record in one transaction: the state read is the state changed */
    if (FAILED(hr = td_db_begin(s->db))) goto done;
    if (FAILED(td_db_submit_get(s->db, id, &before))) before.state = TD_SUBMIT_NONE;
    in.coupled = coupled;
    in.needs_preprocessing = (xflags & NEEDS_PREPROCESSING) != 0;
    in.all_handled = handled.all && !(xflags & NEEDS_SPOOLER);
    in.state = before.state;
    in.locked = before.state != TD_SUBMIT_NONE && lock_alive(&before);
    in.from_spooler = spooler;
    route = td_route_decide(&in);
    info = before;
    info.message = id;
    switch (route)
    {
    case TD_ROUTE_REFUSE:
        hr = MAPI_E_SUBMITTED;
        break;
    case TD_ROUTE_QUEUE_PREPROCESS:
    case TD_ROUTE_QUEUE:
    case TD_ROUTE_COUPLED:
        if (!spooler)
        {
            info.submit_time = st.now;
            info.submit_flags = route == TD_ROUTE_QUEUE_PREPROCESS ? SUBMITFLAG_PREPROCESS : 0;
            /* TD_SUBMIT_COUPLED names the sending process: a crash leaves it to recovery */
            info.lock_pid = route == TD_ROUTE_COUPLED ? GetCurrentProcessId() : 0;
        }
        else info.submit_flags &= ~(ULONG)SUBMITFLAG_PREPROCESS;   /* preprocessed (§1.3 step 6) */
        info.state = route == TD_ROUTE_COUPLED ? TD_SUBMIT_COUPLED : TD_SUBMIT_QUEUED;
        hr = put_state(s, msg, &info, 0, NULL);
        break;
    }
    if (FAILED(hr)) { td_db_rollback(s->db); goto done; }
    if (FAILED(hr = td_db_commit(s->db))) goto done;
    MC_TRACE("submit", "message %I64u route %d", id, (int)route);

    if (route == TD_ROUTE_COUPLED)
    {
        BOOL retry = FALSE;
        HRESULT send_hr = xp.send(xp.ctx, msg, &retry);

        msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE);   /* PR_RESPONSIBILITY of the rows sent */
        message_with_work(msg, check_handled, &handled);
        MC_TRACE("submit", "message %I64u coupled send %#lx retry %d pending %d", id, (unsigned long)send_hr,
                 retry, handled.pending);
        if (SUCCEEDED(send_hr) && !retry && !handled.pending)
            hr = finish_coupled(s, msg, id);
        else
        {
            /* what the pair could not finish goes to the spooler (§1.3 7(b)); rows already
             * sent keep PR_RESPONSIBILITY TRUE */
            info.state = TD_SUBMIT_QUEUED;
            info.lock_pid = 0;
            hr = put_state(s, msg, &info, 0, NULL);
        }
    }
    queue_changed(s, id);
    if (SUCCEEDED(hr)) message_spend(msg);
done:
    if (xp.send) td_coupling_done(&xp);
    if (sup) sup->lpVtbl->Release(sup);
    stamp_clear(&st);
    return hr;
}

/* ---- AbortSubmit, SetLockState, FinishedMsg, NotifyNewMail ---------------------------------- */

HRESULT td_submit_abort(td_store *s, ULONG cb, const ENTRYID *eid)
{
    td_submit_info info;
    ULONGLONG id = 0;
    HRESULT hr;

    if (FAILED(hr = message_id_of(s, cb, eid, &id))) return hr;
    if (FAILED(hr = td_db_begin(s->db))) return hr;
    if (FAILED(td_db_submit_get(s->db, id, &info)) || info.state == TD_SUBMIT_SENT)
        hr = MAPI_E_NOT_IN_QUEUE;                       /* sent, finished, or never submitted */
    else if (info.state != TD_SUBMIT_QUEUED || lock_alive(&info))
        hr = MAPI_E_UNABLE_TO_ABORT;                    /* the spooler or the pair holds it */
    else
    {
        /* the store resets the submit state (pidtagmessageflags-canonical-property.md) */
        info.state = TD_SUBMIT_NONE;
        hr = put_state(s, NULL, &info, 0, NULL);
    }
    if (FAILED(hr)) { td_db_rollback(s->db); return hr; }
    if (FAILED(hr = td_db_commit(s->db))) return hr;
    queue_changed(s, id);
    return S_OK;
}

HRESULT td_submit_set_lock(td_store *s, IMessage *msg, ULONG state)
{
    td_submit_info info;
    ULONGLONG id;
    HRESULT hr;

    if (!msg || (state != MSG_LOCKED && state != MSG_UNLOCKED)) return MAPI_E_INVALID_PARAMETER;
    if (!(id = message_id(msg))) return MAPI_E_INVALID_PARAMETER;
    /* "changes made before the call are kept" (imsgstore-setlockstate.md) */
    if (FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE))) return hr;
    if (FAILED(hr = td_db_begin(s->db))) return hr;
    if (FAILED(td_db_submit_get(s->db, id, &info)) || info.state != TD_SUBMIT_QUEUED)
        hr = MAPI_E_NOT_IN_QUEUE;
    else if (state == MSG_LOCKED && lock_alive(&info) && info.lock_pid != GetCurrentProcessId())
        hr = MAPI_E_NO_ACCESS;          /* another process's spooler holds it */
    else
    {
        if (state == MSG_LOCKED) { info.submit_flags |= SUBMITFLAG_LOCKED; info.lock_pid = GetCurrentProcessId(); }
        else { info.submit_flags &= ~(ULONG)SUBMITFLAG_LOCKED; info.lock_pid = 0; }
        hr = td_db_submit_put(s->db, &info);   /* the lock is not a change of the message */
    }
    if (FAILED(hr)) { td_db_rollback(s->db); return hr; }
    if (FAILED(hr = td_db_commit(s->db))) return hr;
    message_set_spooler(msg);
    queue_changed(s, id);
    return S_OK;
}

HRESULT td_submit_finished(td_store *s, IMAPISupport *sup, ULONG cb, const ENTRYID *eid)
{
    td_submit_info info;
    IMessage *msg = NULL;
    SPropValue sent;
    ULONGLONG id = 0;
    HRESULT hr;

    if (FAILED(hr = message_id_of(s, cb, eid, &id))) return hr;
    if (FAILED(td_db_submit_get(s->db, id, &info)) || info.state != TD_SUBMIT_QUEUED) return MAPI_E_NOT_IN_QUEUE;
    /* DECISIONS 3: unlock, leave the queue, reset the submit state - one transaction, which is
     * also the moment the message counts as sent (DECISIONS 7) - then DoSentMail. The same
     * transaction records the disposition as pending (TD_SUBMIT_SENT, this process): a process
     * that dies before DoSentMail is done leaves the message to td_submit_recover, which
     * completes the disposition, instead of leaving it unsubmitted in the Outbox. */
    info.state = TD_SUBMIT_SENT;
    info.submit_flags = 0;
    info.lock_pid = GetCurrentProcessId();
    sent.ulPropTag = PR_PROVIDER_SUBMIT_TIME;
    GetSystemTimeAsFileTime(&sent.Value.ft);
    if (FAILED(hr = put_state(s, NULL, &info, MSGFLAG_UNSENT, &sent))) return hr;
    queue_changed(s, id);
    if (SUCCEEDED(hr = message_open(s, id, s->writable, &msg)))
    {
        message_set_spooler(msg);
        /* DoSentMail applies the sent-mail disposition (§1.5) and releases the message */
        hr = sup->lpVtbl->DoSentMail(sup, 0, msg);
    }
    /* done (or failed for good): nothing is pending any more. A deleted message took its row
     * with it (ON DELETE CASCADE); a move keeps the object id. */
    td_db_submit_remove(s->db, id);
    return hr;
}

/* The new message goes out through the change feed (changes.c makes the fnevNewMail of every
 * logon on this store, in this process and in others), so every session that advised the store
 * hears of it, not only the one whose spooler delivered. The message must be one of this
 * store's (imsgstore-notifynewmail.md: the entry ID of the new message). */
HRESULT td_submit_notify_new_mail(td_store *s, IMAPISupport *sup, const NOTIFICATION *n)
{
    td_change c;
    td_obj_info info;
    td_eid eid;
    HRESULT hr;

    (void)sup;
    if (!n || n->ulEventType != fnevNewMail || !n->info.newmail.lpEntryID || !n->info.newmail.cbEntryID)
        return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = td_store_resolve_eid(s, n->info.newmail.cbEntryID, n->info.newmail.lpEntryID, &eid)))
        return hr;
    if (eid.kind != TD_EID_MESSAGE) hr = MAPI_E_INVALID_ENTRYID;
    else if (SUCCEEDED(hr = td_db_object_get(s->db, eid.object_id, &info)) && info.type != MAPI_MESSAGE)
        hr = MAPI_E_INVALID_ENTRYID;
    if (SUCCEEDED(hr))
    {
        memset(&c, 0, sizeof(c));
        c.kind = TD_CHANGE_MESSAGE;
        c.event = fnevNewMail;
        c.parent = info.parent;
        c.id = eid.object_id;
        td_db_announce(s->db, &c);
    }
    td_eid_clear(&eid);
    return hr;
}

/* ---- crash recovery and the delivery lookup (DECISIONS 7) ------------------------------------ */

/* A FinishedMsg whose process died before DoSentMail was done (TD_SUBMIT_SENT): apply the
 * disposition DoSentMail applies (spi-digest §1.5: delete per PR_DELETE_AFTER_SUBMIT, else move
 * to PR_SENTMAIL_ENTRYID) in one transaction with the row's removal. DoSentMail may have done
 * it already: a message already deleted has no row, one already in the sent-mail folder stays
 * there. The store does it itself because the IMAPISupport of a logon in progress has no store
 * to hand to DoSentMail yet, as the coupled recovery (finish_coupled) does. */
static HRESULT finish_disposition(td_store *s, ULONGLONG id)
{
    mc_propbag *bag = mc_propbag_new();
    const SPropValue *sentmail, *del_v;
    td_obj_info obj;
    ULONGLONG dest = 0;
    BOOL del;
    HRESULT hr;

    if (!bag) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = td_db_object_get(s->db, id, &obj)))
    {
        /* already deleted: only the row is left */
        if (hr == MAPI_E_NOT_FOUND && (hr = td_db_submit_remove(s->db, id)) == MAPI_E_NOT_FOUND) hr = S_OK;
        goto done;
    }
    if (FAILED(hr = td_db_props_load(s->db, id, bag))) goto done;
    del_v = mc_propbag_get(bag, PR_DELETE_AFTER_SUBMIT);
    del = del_v && del_v->ulPropTag == PR_DELETE_AFTER_SUBMIT && del_v->Value.b;
    if ((sentmail = mc_propbag_get(bag, PR_SENTMAIL_ENTRYID)) && sentmail->ulPropTag == PR_SENTMAIL_ENTRYID)
    {
        td_eid dec;
        memset(&dec, 0, sizeof(dec));
        if (SUCCEEDED(td_store_resolve_eid(s, sentmail->Value.bin.cb, (ENTRYID *)sentmail->Value.bin.lpb, &dec)) &&
            dec.kind == TD_EID_FOLDER)
            dest = dec.object_id;
        td_eid_clear(&dec);
    }
    if (FAILED(hr = td_db_begin(s->db))) goto done;
    if ((hr = td_db_submit_remove(s->db, id)) == MAPI_E_NOT_FOUND) hr = S_OK;
    if (SUCCEEDED(hr) && del) hr = td_db_object_delete(s->db, id);
    else if (SUCCEEDED(hr) && dest && dest != obj.parent) hr = td_db_object_move(s->db, id, dest);
    if (FAILED(hr)) td_db_rollback(s->db);
    else hr = td_db_commit(s->db);
    if (SUCCEEDED(hr)) td_submit_announce(s, obj.parent, id, dest, del);
done:
    mc_propbag_free(bag);
    return hr;
}

HRESULT td_submit_recover(td_store *s)
{
    td_submit_info *rows = NULL;
    ULONG n = 0, i, recovered = 0;
    HRESULT hr;

    if (!s->writable) return S_OK;
    /* sent by a dead spooler, disposition pending (td_submit_finished) */
    if (FAILED(hr = td_db_submit_list(s->db, TD_SUBMIT_SENT, &rows, &n))) return hr;
    for (i = 0; i < n; i++)
    {
        if (pid_alive(rows[i].lock_pid)) continue;  /* its DoSentMail may still be running */
        hr = finish_disposition(s, rows[i].message);
        MC_TRACE("submit", "recovered sent message %I64u (disposition): %#lx", rows[i].message, (unsigned long)hr);
        if (SUCCEEDED(hr)) recovered++;
    }
    mc_free(rows);
    rows = NULL;
    n = 0;
    if (FAILED(hr = td_db_submit_list(s->db, TD_SUBMIT_COUPLED, &rows, &n))) return hr;
    for (i = 0; i < n; i++)
    {
        td_submit_info info = rows[i];
        handled_ctx handled;
        IMessage *msg = NULL;

        if (pid_alive(info.lock_pid)) continue;     /* still being sent by a live process */
        memset(&handled, 0, sizeof(handled));
        if (FAILED(message_open(s, info.message, TRUE, &msg))) continue;
        message_set_spooler(msg);
        message_with_work(msg, check_handled, &handled);
        /* Every row the pair finished was saved with PR_RESPONSIBILITY TRUE right after the
         * send: all TRUE = the send completed, only the finishing transaction was lost. Any
         * FALSE row goes to the spooler, which sends it again with the same Message-ID (saved
         * before the first file was written); a receiver that already has it drops the copy
         * (dropdir.h). */
        if (!handled.pending) hr = finish_coupled(s, msg, info.message);
        else
        {
            info.state = TD_SUBMIT_QUEUED;
            info.lock_pid = 0;
            info.submit_flags &= ~(ULONG)SUBMITFLAG_LOCKED;
            hr = put_state(s, msg, &info, 0, NULL);
        }
        msg->lpVtbl->Release(msg);
        MC_TRACE("submit", "recovered message %I64u (%s): %#lx", info.message,
                 handled.pending ? "queued" : "finished", (unsigned long)hr);
        if (SUCCEEDED(hr)) { recovered++; queue_changed(s, info.message); }
    }
    mc_free(rows);
    return recovered ? S_OK : S_FALSE;
}

/* The delivered message with Message-ID `key` in the store file at `path`: its object id. */
static HRESULT delivered_object(const WCHAR *path, const char *key, ULONGLONG *object_id)
{
    WCHAR *id = NULL;
    td_db *db = NULL;
    GUID guid;
    HRESULT hr;

    *object_id = 0;
    if (!path || !key || key[0] != '<') return MAPI_E_NOT_FOUND;     /* "file:" keys: unknown */
    if (FAILED(hr = td_db_probe(path, &guid, NULL))) return hr;
    /* the owner's store is open in this process (the spooler's logon): td_db_open shares it */
    if (FAILED(hr = td_db_open(path, &guid, NULL, &db, NULL))) return hr;
    if (!(id = mc_malloc((strlen(key) + 1) * sizeof(WCHAR)))) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    else
    {
        size_t i;
        for (i = 0; key[i]; i++) id[i] = (BYTE)key[i];   /* keys are printable ASCII (dropdir.c) */
        id[i] = 0;
        hr = td_db_find_delivered_object(db, id, object_id);
    }
    mc_free(id);
    td_db_release(db);
    return hr;
}

HRESULT td_store_delivery_lookup(void *ctx, const char *key, BOOL *found)
{
    ULONGLONG id = 0;
    HRESULT hr = delivered_object(ctx, key, &id);
    *found = SUCCEEDED(hr) && id != 0;
    return hr;
}

HRESULT td_store_delivered_object(const WCHAR *path, const char *message_id, ULONGLONG *object_id)
{
    return delivered_object(path, message_id, object_id);
}
