/*
 * message.c - a message (IMessage : IMAPIProp), transacted: it works on an in-memory copy of
 * its content (td_msgdata) that SaveChanges writes in one database transaction (or, for an
 * embedded message, hands to its attachment). Docs: imessageimapiprop.md, imessage-*.md,
 * imapiprop-savechanges.md, pidtagmessageflags-canonical-property.md; spi-digest §1.4, §4.7.
 * SubmitMessage hands its work to submit.c (issue 6); a submitted message is spent.
 */
#include "submit.h"

typedef struct message
{
    IMessage IMessage_iface;
    LONG ref;
    td_transacted tr;           /* the IMAPIProp part shared with attachments (transact.c) */
    td_store *s;                /* AddRef'd */
    IAttach *owner;             /* embedded messages: the attachment (AddRef'd) */
    CRITICAL_SECTION lock;      /* guards work, id, version, saved */
    ULONGLONG id;               /* 0 until a new message is saved; 0 for embedded ones */
    ULONGLONG folder;
    BOOL writable;
    BOOL assoc;
    BOOL saved;                 /* saved at least once: UNSENT/RESEND/FROMME are read-only */
    BOOL saves_left;            /* FALSE after SaveChanges without KEEP_OPEN_*: only Release */
    BOOL spooler;               /* opened (or locked) by the spooler (submit.c) */
    LONGLONG version;           /* objects.version when loaded or last saved */
    FILETIME created;
    td_msgdata *work;
    mc_last_error err;
    BOOL open_for_write;        /* counted by td_db_writer_open: DeleteMessages refuses it */
} message;

static const IMessageVtbl message_vtbl;

static inline message *impl_from_IMessage(IMessage *iface)
{
    return CONTAINING_RECORD(iface, message, IMessage_iface);
}

static const SizedSPropTagArray(2, message_objects) = {2, {PR_MESSAGE_RECIPIENTS, PR_MESSAGE_ATTACHMENTS}};

/* PR_MESSAGE_FLAGS bits a client may set (spi-digest §1.4): all but SUBMIT, HASATTACH and
 * ASSOCIATED before the first save; afterwards only the receipt-pending bits (READ through
 * SetReadFlag). */
#define FLAGS_BEFORE_SAVE (~(ULONG)(MSGFLAG_SUBMIT | MSGFLAG_HASATTACH | MSGFLAG_ASSOCIATED))
#define FLAGS_AFTER_SAVE  ((ULONG)(MSGFLAG_RN_PENDING | MSGFLAG_NRN_PENDING))

static BOOL is_computed(ULONG tag)
{
    switch (PROP_ID(tag))
    {
    case PROP_ID(PR_ENTRYID): case PROP_ID(PR_PARENT_ENTRYID): case PROP_ID(PR_RECORD_KEY):
    case PROP_ID(PR_INSTANCE_KEY): case PROP_ID(PR_OBJECT_TYPE): case PROP_ID(PR_STORE_ENTRYID):
    case PROP_ID(PR_STORE_RECORD_KEY): case PROP_ID(PR_STORE_SUPPORT_MASK): case PROP_ID(PR_MDB_PROVIDER):
    case PROP_ID(PR_ACCESS): case PROP_ID(PR_ACCESS_LEVEL): case PROP_ID(PR_MESSAGE_SIZE):
    case PROP_ID(PR_HASATTACH): case PROP_ID(PR_CREATION_TIME): case PROP_ID(PR_LAST_MODIFICATION_TIME):
    case PROP_ID(PR_MESSAGE_RECIPIENTS): case PROP_ID(PR_MESSAGE_ATTACHMENTS): case PROP_ID(PR_MSG_STATUS):
    case PROP_ID(PR_DISPLAY_TO): case PROP_ID(PR_DISPLAY_CC): case PROP_ID(PR_DISPLAY_BCC):
    case PROP_ID(PR_SUBMIT_FLAGS):
        return TRUE;
    }
    return FALSE;
}

static SCODE check_set(ULONG tag, void *ctx)
{
    (void)ctx;
    if (is_computed(tag)) return MAPI_E_COMPUTED;
    if (PROP_ID(tag) == PROP_ID(PR_MESSAGE_FLAGS) && PROP_TYPE(tag) != PT_LONG) return MAPI_E_UNEXPECTED_TYPE;
    return S_OK;
}

static inline message *impl_from_transacted(td_transacted *t)
{
    return CONTAINING_RECORD(t, message, tr);
}

static mc_propbag *work(td_transacted *t, td_bigvals **big)
{
    message *This = impl_from_transacted(t);
    *big = &This->work->big;
    return This->work->props;
}

static void computed(td_transacted *t, td_vals *vals)
{
    message *This = impl_from_transacted(t);
    ULONG flags = (ULONG)mc_propbag_get_long(This->work->props, PR_MESSAGE_FLAGS, 0);
    td_store_common_vals(This->s, vals, TD_EID_MESSAGE, This->id, This->owner ? 0 : This->folder,
                         MAPI_MESSAGE, This->writable);
    td_vals_bool(vals, PR_HASATTACH, This->work->n_atts > 0);
    flags = (flags & ~(ULONG)(MSGFLAG_HASATTACH | MSGFLAG_ASSOCIATED)) |
            (This->work->n_atts ? MSGFLAG_HASATTACH : 0) | (This->assoc ? MSGFLAG_ASSOCIATED : 0);
    td_vals_long(vals, PR_MESSAGE_FLAGS, (LONG)flags);
    td_vals_long(vals, PR_MESSAGE_SIZE, (LONG)td_msgdata_size(This->work));
    if (!mc_propbag_get(This->work->props, PR_MSG_STATUS)) td_vals_long(vals, PR_MSG_STATUS, 0);
    td_vals_time(vals, PR_CREATION_TIME, This->created);
    {
        ULONG submit_flags;
        if (!This->owner && td_submit_flags(This->s, This->id, &submit_flags))
            td_vals_long(vals, PR_SUBMIT_FLAGS, (LONG)submit_flags);
    }
}

/* PR_DISPLAY_TO/CC/BCC from the recipient rows ("; "-separated display names). */
static void set_display_lists(td_msgdata *m)
{
    static const ULONG tags[3] = {PR_DISPLAY_TO_W, PR_DISPLAY_CC_W, PR_DISPLAY_BCC_W};
    ULONG t, i;

    for (t = 0; t < 3; t++)
    {
        SIZE_T len = 1;
        WCHAR *s;
        SPropValue v;

        for (i = 0; i < m->n_recips; i++)
            if ((ULONG)mc_propbag_get_long(m->recips[i], PR_RECIPIENT_TYPE, MAPI_TO) == t + 1)
            {
                WCHAR *n = mc_propbag_get_wstr(m->recips[i], PROP_ID(PR_DISPLAY_NAME_W));
                if (n) len += wcslen(n) + 2;
                mc_free(n);
            }
        if (!(s = mc_calloc(len, sizeof(WCHAR)))) continue;
        for (i = 0; i < m->n_recips; i++)
            if ((ULONG)mc_propbag_get_long(m->recips[i], PR_RECIPIENT_TYPE, MAPI_TO) == t + 1)
            {
                WCHAR *n = mc_propbag_get_wstr(m->recips[i], PROP_ID(PR_DISPLAY_NAME_W));
                if (n)
                {
                    if (s[0]) wcscat(s, L"; ");
                    wcscat(s, n);
                }
                mc_free(n);
            }
        v.ulPropTag = tags[t];
        v.Value.lpszW = s;
        mc_propbag_set(m->props, &v);
        mc_free(s);
    }
}

static HRESULT create(td_store *s, message **out)
{
    message *This;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMessage_iface.lpVtbl = (IMessageVtbl *)&message_vtbl;   /* the headers declare lpVtbl non-const */
    This->ref = 1;
    td_store_addref(s);
    This->s = s;
    This->saves_left = TRUE;
    InitializeCriticalSection(&This->lock);
    This->tr.s = s;
    This->tr.lock = &This->lock;
    This->tr.work = work;
    This->tr.computed = computed;
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = This;
    return S_OK;
}

/* Keep the process-wide count of messages open for writing in step with this one. */
static void note_writer(message *This)
{
    BOOL open = This->writable && This->saves_left && This->id && !This->owner;

    if (open == This->open_for_write) return;
    if (open && FAILED(td_db_writer_open(This->s->db, This->id))) return;
    if (!open) td_db_writer_close(This->s->db, This->id);
    This->open_for_write = open;
}

HRESULT message_open(td_store *s, ULONGLONG id, BOOL writable, IMessage **out)
{
    td_obj_info info;
    message *This;
    HRESULT hr;

    if (FAILED(hr = td_db_object_get(s->db, id, &info))) return hr;
    if (FAILED(hr = create(s, &This))) return hr;
    This->id = id;
    This->folder = info.parent;
    This->writable = writable;
    This->assoc = (info.flags & MSGFLAG_ASSOCIATED) != 0;
    This->saved = TRUE;
    This->version = info.version;
    This->created = info.created;
    if (FAILED(hr = td_msgdata_load(s->db, id, &This->work)))
    {
        This->IMessage_iface.lpVtbl->Release(&This->IMessage_iface);
        return hr;
    }
    note_writer(This);
    *out = &This->IMessage_iface;
    return S_OK;
}

/* Whether `folder` lies under the IPM subtree (interpersonal messages), walking its parents. */
static BOOL in_ipm_subtree(td_store *s, ULONGLONG folder)
{
    td_obj_info info;
    ULONG depth;

    /* the standard folders below the IPM subtree are never moved (CopyFolder refuses): no
     * lookup for them (a read transaction per CreateMessage is a good part of a save) */
    if (folder && (folder == s->special[TD_ROLE_INBOX] || folder == s->special[TD_ROLE_OUTBOX] ||
                   folder == s->special[TD_ROLE_SENTMAIL] || folder == s->special[TD_ROLE_WASTEBASKET] ||
                   folder == s->special[TD_ROLE_DRAFTS]))
        return TRUE;
    /* the depth bound only guards against a damaged parent chain */
    for (depth = 0; folder && depth < 1024; depth++)
    {
        if (folder == s->special[TD_ROLE_IPM_SUBTREE]) return TRUE;
        if (FAILED(td_db_object_get(s->db, folder, &info))) return FALSE;
        folder = info.parent;
    }
    return FALSE;
}

HRESULT message_new(td_store *s, ULONGLONG folder, BOOL assoc, IMessage **out)
{
    message *This;
    SPropValue v;
    HRESULT hr;

    if (FAILED(hr = create(s, &This))) return hr;
    This->folder = folder;
    This->writable = TRUE;
    This->assoc = assoc;
    GetSystemTimeAsFileTime(&This->created);
    if (!(This->work = td_msgdata_new()))
    {
        This->IMessage_iface.lpVtbl->Release(&This->IMessage_iface);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED | (assoc ? MSGFLAG_ASSOCIATED : 0);
    mc_propbag_set(This->work->props, &v);
    /* A message's class is required (pidtagmessageclass-canonical-property.md) and the store
     * may set required properties at CreateMessage (imapifolder-createmessage.md, notes to
     * implementers). A normal message in an IPM folder starts as "IPM.Note", as Exchange and
     * PST stores do; clients that know better set their own. Wine's MAPISendMail bridge reads
     * the class of the message it created before ShowForm. */
    if (!assoc && in_ipm_subtree(s, folder))
    {
        v.ulPropTag = PR_MESSAGE_CLASS_W;
        v.Value.lpszW = (WCHAR *)L"IPM.Note";
        mc_propbag_set(This->work->props, &v);
    }
    *out = &This->IMessage_iface;
    return S_OK;
}

HRESULT message_embedded(td_store *s, IAttach *owner, td_msgdata *data, BOOL writable, IMessage **out)
{
    message *This;
    HRESULT hr;

    if (FAILED(hr = create(s, &This))) { td_msgdata_free(data); return hr; }
    owner->lpVtbl->AddRef(owner);
    This->owner = owner;
    This->writable = writable;
    This->work = data;
    GetSystemTimeAsFileTime(&This->created);
    *out = &This->IMessage_iface;
    return S_OK;
}

void message_put_attach(IMessage *iface, td_attdata *data)
{
    message *This = impl_from_IMessage(iface);
    EnterCriticalSection(&This->lock);
    if (FAILED(td_msgdata_put_att(This->work, data))) td_attdata_free(data);
    LeaveCriticalSection(&This->lock);
}

/* Stream commits land in the working copy (saved by SaveChanges like any SetProps). */
static HRESULT commit_stream(IUnknown *owner, ULONG tag, const BYTE *data, ULONG cb)
{
    return td_transacted_commit_stream(&impl_from_IMessage((IMessage *)owner)->tr, tag, data, cb);
}

static HRESULT commit_stream_big(IUnknown *owner, ULONG tag, ULONG size, LONGLONG stage)
{
    return td_transacted_commit_stream_big(&impl_from_IMessage((IMessage *)owner)->tr, tag, size, stage);
}

/* ---- IUnknown ---------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE message_QueryInterface(IMessage *iface, REFIID riid, void **out)
{
    MC_TRACE("message", "%p", iface);
    if (!out || !riid) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IMAPIProp) || IsEqualGUID(riid, &IID_IMessage))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE message_AddRef(IMessage *iface)
{
    return InterlockedIncrement(&impl_from_IMessage(iface)->ref);
}

static ULONG STDMETHODCALLTYPE message_Release(IMessage *iface)
{
    message *This = impl_from_IMessage(iface);
    ULONG ref = InterlockedDecrement(&This->ref);

    MC_TRACE("message", "%p -> %lu", iface, (unsigned long)ref);
    if (ref) return ref;
    /* an unsaved new message was never written: it simply vanishes */
    if (This->open_for_write) td_db_writer_close(This->s->db, This->id);
    td_msgdata_free(This->work);
    if (This->owner) This->owner->lpVtbl->Release(This->owner);
    td_store_release(This->s);
    DeleteCriticalSection(&This->lock);
    mc_last_error_destroy(&This->err);
    mc_free(This);
    mc_object_destroyed();
    return 0;
}

/* ---- IMAPIProp --------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE message_GetLastError(IMessage *iface, HRESULT hResult,
        ULONG ulFlags, LPMAPIERROR *lppMAPIError)
{
    message *This = impl_from_IMessage(iface);

    MC_TRACE("message", "%p %#lx", iface, (unsigned long)hResult);
    if (!lppMAPIError) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~MAPI_UNICODE) return MAPI_E_UNKNOWN_FLAGS;
    return mc_last_error_get(&This->err, &This->s->alloc, TD_COMPONENT, hResult, ulFlags, lppMAPIError);
}

static HRESULT STDMETHODCALLTYPE message_SaveChanges(IMessage *iface, ULONG ulFlags)
{
    message *This = impl_from_IMessage(iface);
    td_db *db = This->s->db;
    BOOL is_new;
    ULONG flags;
    SPropValue v;
    HRESULT hr = S_OK;

    MC_TRACE("message", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(ULONG)(KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE | FORCE_SAVE | MAPI_DEFERRED_ERRORS |
                           SPAMFILTER_ONSAVE | ITEMPROC_FORCE | NON_EMS_XP_SAVE))
        return MAPI_E_UNKNOWN_FLAGS;
    if ((ulFlags & KEEP_OPEN_READONLY) && (ulFlags & KEEP_OPEN_READWRITE)) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable || !This->saves_left) return MAPI_E_NO_ACCESS;

    EnterCriticalSection(&This->lock);
    is_new = !This->saved;
    /* the store's part of PR_MESSAGE_FLAGS (§1.4): UNMODIFIED goes at the second save */
    flags = (ULONG)mc_propbag_get_long(This->work->props, PR_MESSAGE_FLAGS, 0);
    if (!is_new) flags &= ~(ULONG)MSGFLAG_UNMODIFIED;
    flags = (flags & ~(ULONG)(MSGFLAG_HASATTACH | MSGFLAG_ASSOCIATED)) |
            (This->work->n_atts ? MSGFLAG_HASATTACH : 0) | (This->assoc ? MSGFLAG_ASSOCIATED : 0);
    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = (LONG)flags;
    mc_propbag_set(This->work->props, &v);
    set_display_lists(This->work);
    if (!mc_propbag_get(This->work->props, PR_SEARCH_KEY))
    {
        GUID g;
        CoCreateGuid(&g);
        v.ulPropTag = PR_SEARCH_KEY;
        v.Value.bin.cb = sizeof(g);
        v.Value.bin.lpb = (BYTE *)&g;
        mc_propbag_set(This->work->props, &v);
    }

    if (This->owner)
    {
        /* embedded: the content goes to the attachment's working copy */
        td_msgdata *copy = td_msgdata_dup(This->work);
        if (!copy) hr = MAPI_E_NOT_ENOUGH_MEMORY;
        else attach_set_embedded(This->owner, copy);
        goto done;
    }

    if (FAILED(hr = td_db_begin(db))) goto done;
    if (is_new)
        hr = td_db_object_create(db, This->folder, MAPI_MESSAGE, This->assoc ? MSGFLAG_ASSOCIATED : 0, 0, &This->id);
    else
    {
        td_obj_info info;
        if (FAILED(hr = td_db_object_get(db, This->id, &info)))
            hr = hr == MAPI_E_NOT_FOUND ? MAPI_E_OBJECT_DELETED : hr;
        else if (info.version != This->version && !(ulFlags & FORCE_SAVE))
            hr = mc_last_error_set(&This->err, MAPI_E_OBJECT_CHANGED,
                                   L"The message was changed by someone else since it was opened");
    }
    if (SUCCEEDED(hr))
    {
        /* PR_MESSAGE_SIZE and the times as the table and other openers see them */
        FILETIME now;
        GetSystemTimeAsFileTime(&now);
        v.ulPropTag = PR_LAST_MODIFICATION_TIME;
        v.Value.ft = now;
        mc_propbag_set(This->work->props, &v);
        v.ulPropTag = PR_CREATION_TIME;
        v.Value.ft = This->created;
        mc_propbag_set(This->work->props, &v);
        v.ulPropTag = PR_HASATTACH;
        v.Value.b = This->work->n_atts > 0;
        mc_propbag_set(This->work->props, &v);
        v.ulPropTag = PR_MESSAGE_SIZE;
        v.Value.l = (LONG)td_msgdata_size(This->work);
        mc_propbag_set(This->work->props, &v);
        hr = td_msgdata_save(db, This->id, This->work, is_new);
    }
    /* a new object starts at version 1 with these flags: nothing to touch */
    if (SUCCEEDED(hr) && is_new) This->version = 1;
    else if (SUCCEEDED(hr)) hr = td_db_object_touch(db, This->id, This->assoc ? MSGFLAG_ASSOCIATED : 0, &This->version);
    if (FAILED(hr))
    {
        td_db_rollback(db);
        if (is_new) This->id = 0;
        goto done;
    }
    if (FAILED(hr = td_db_commit(db)))
    {
        if (is_new) This->id = 0;
        goto done;
    }
    td_store_announce(This->s, is_new ? fnevObjectCreated : fnevObjectModified, MAPI_MESSAGE, This->folder, This->id, 0, 0);
done:
    if (SUCCEEDED(hr))
    {
        This->saved = TRUE;
        if (ulFlags & KEEP_OPEN_READONLY) This->writable = TRUE;   /* "may stay read/write" */
        else if (!(ulFlags & KEEP_OPEN_READWRITE)) This->saves_left = FALSE;
        note_writer(This);
    }
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE message_GetProps(IMessage *iface, LPSPropTagArray lpPropTagArray,
        ULONG ulFlags, ULONG *lpcValues, LPSPropValue *lppPropArray)
{
    message *This = impl_from_IMessage(iface);

    MC_TRACE("message", "%p %#lx", iface, (unsigned long)ulFlags);
    return td_transacted_getprops(&This->tr, lpPropTagArray, ulFlags, lpcValues, lppPropArray);
}

static HRESULT STDMETHODCALLTYPE message_GetPropList(IMessage *iface, ULONG ulFlags,
        LPSPropTagArray *lppPropTagArray)
{
    message *This = impl_from_IMessage(iface);

    MC_TRACE("message", "%p", iface);
    return td_transacted_getproplist(&This->tr, (SPropTagArray *)&message_objects, ulFlags, lppPropTagArray);
}

static HRESULT STDMETHODCALLTYPE message_GetRecipientTable(IMessage *iface, ULONG ulFlags, LPMAPITABLE *lppTable);
static HRESULT STDMETHODCALLTYPE message_GetAttachmentTable(IMessage *iface, ULONG ulFlags, LPMAPITABLE *lppTable);

static HRESULT STDMETHODCALLTYPE message_OpenProperty(IMessage *iface, ULONG ulPropTag,
        LPCIID lpiid, ULONG ulInterfaceOptions, ULONG ulFlags, LPUNKNOWN *lppUnk)
{
    message *This = impl_from_IMessage(iface);
    ULONG type = PROP_TYPE(ulPropTag);

    MC_TRACE("message", "%p %#lx %#lx", iface, (unsigned long)ulPropTag, (unsigned long)ulFlags);
    if (!lpiid || !lppUnk) return MAPI_E_INVALID_PARAMETER;
    *lppUnk = NULL;
    if (type == PT_UNSPECIFIED) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_CREATE | MAPI_MODIFY | MAPI_DEFERRED_ERRORS | STGM_DIRECT | STGM_TRANSACTED))
        return MAPI_E_UNKNOWN_FLAGS;
    if (ulPropTag == PR_MESSAGE_RECIPIENTS || ulPropTag == PR_MESSAGE_ATTACHMENTS)
    {
        if (!IsEqualGUID(lpiid, &IID_IMAPITable)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
        /* ulInterfaceOptions holds the table's flags: MAPI_UNICODE */
        return ulPropTag == PR_MESSAGE_RECIPIENTS ?
               message_GetRecipientTable(iface, ulInterfaceOptions & MAPI_UNICODE, (IMAPITable **)lppUnk) :
               message_GetAttachmentTable(iface, ulInterfaceOptions & MAPI_UNICODE, (IMAPITable **)lppUnk);
    }
    if (!IsEqualGUID(lpiid, &IID_IStream)) return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (type != PT_BINARY && type != PT_STRING8 && type != PT_UNICODE) return MAPI_E_NO_SUPPORT;
    if ((ulFlags & MAPI_CREATE) && !(ulFlags & MAPI_MODIFY)) return MAPI_E_INVALID_PARAMETER;
    if ((ulFlags & MAPI_MODIFY) && !This->writable) return MAPI_E_NO_ACCESS;
    if (is_computed(ulPropTag) && (ulFlags & MAPI_MODIFY)) return MAPI_E_COMPUTED;
    return td_transacted_open_stream(&This->tr, (IUnknown *)iface, commit_stream, commit_stream_big, ulPropTag,
                                     ulFlags, TRUE, (IStream **)lppUnk);
}

static HRESULT STDMETHODCALLTYPE message_SetProps(IMessage *iface, ULONG cValues,
        LPSPropValue lpPropArray, LPSPropProblemArray *lppProblems)
{
    message *This = impl_from_IMessage(iface);
    ULONG old_flags;
    HRESULT hr;

    MC_TRACE("message", "%p %lu", iface, (unsigned long)cValues);
    if (lppProblems) *lppProblems = NULL;
    if (!lpPropArray) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    EnterCriticalSection(&This->lock);
    old_flags = (ULONG)mc_propbag_get_long(This->work->props, PR_MESSAGE_FLAGS, 0);
    hr = mc_setprops(&This->s->alloc, This->work->props, cValues, lpPropArray, check_set, This, lppProblems);
    if (SUCCEEDED(hr))
    {
        ULONG allowed = This->saved ? FLAGS_AFTER_SAVE : FLAGS_BEFORE_SAVE;
        ULONG want = (ULONG)mc_propbag_get_long(This->work->props, PR_MESSAGE_FLAGS, 0);
        SPropValue v;
        v.ulPropTag = PR_MESSAGE_FLAGS;
        v.Value.l = (LONG)((want & allowed) | (old_flags & ~allowed));
        mc_propbag_set(This->work->props, &v);
    }
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE message_DeleteProps(IMessage *iface,
        LPSPropTagArray lpPropTagArray, LPSPropProblemArray *lppProblems)
{
    message *This = impl_from_IMessage(iface);

    MC_TRACE("message", "%p", iface);
    if (lppProblems) *lppProblems = NULL;
    if (!lpPropTagArray) return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    return td_transacted_deleteprops(&This->tr, lpPropTagArray, check_set, This, lppProblems);
}

/* Recipients and attachments of a CopyTo into another message, through its interfaces. */
static HRESULT copy_children(message *This, IMessage *dest, BOOL recips, BOOL atts)
{
    td_msgdata *snap;
    HRESULT hr = S_OK;
    ULONG i, j;

    EnterCriticalSection(&This->lock);
    snap = td_msgdata_dup(This->work);
    LeaveCriticalSection(&This->lock);
    if (!snap) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (recips)
    {
        ADRLIST *list = NULL;
        ULONG n = snap->n_recips;
        if (SUCCEEDED(hr = mc_alloc_more(&This->s->alloc, NULL, CbNewADRLIST(n ? n : 1), (void **)&list)))
        {
            list->cEntries = 0;
            for (i = 0; i < n && SUCCEEDED(hr); i++)
            {
                mc_propbag *b = snap->recips[i];
                SPropValue *row = NULL;
                ULONG k = 0, count = mc_propbag_count(b);
                SPropValue *tmp = mc_calloc(count + 1, sizeof(*tmp));
                if (!tmp) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
                for (j = 0; j < count; j++)
                    if (PROP_ID(mc_propbag_at(b, j)->ulPropTag) != PROP_ID(PR_ROWID)) tmp[k++] = *mc_propbag_at(b, j);
                hr = mc_props_dup(&This->s->alloc, k, tmp, &row);
                mc_free(tmp);
                if (SUCCEEDED(hr))
                {
                    list->aEntries[list->cEntries].cValues = k;
                    list->aEntries[list->cEntries].rgPropVals = row;
                    list->aEntries[list->cEntries++].ulReserved1 = 0;
                }
            }
            if (SUCCEEDED(hr)) hr = dest->lpVtbl->ModifyRecipients(dest, 0, list);
            for (i = 0; i < list->cEntries; i++) This->s->alloc.free_buffer(list->aEntries[i].rgPropVals);
            This->s->alloc.free_buffer(list);
        }
    }
    for (i = 0; atts && SUCCEEDED(hr) && i < snap->n_atts; i++)
    {
        IAttach *src = NULL, *dst = NULL;
        ULONG num = 0;
        td_attdata *copy = td_attdata_dup(snap->atts[i]);

        if (!copy) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
        if (FAILED(hr = attach_open(This->s, &This->IMessage_iface, copy, FALSE, FALSE, &src))) break;
        if (SUCCEEDED(hr = dest->lpVtbl->CreateAttach(dest, NULL, 0, &num, &dst)))
        {
            hr = src->lpVtbl->CopyTo(src, 0, NULL, NULL, 0, NULL, &IID_IAttachment, dst, 0, NULL);
            if (SUCCEEDED(hr)) hr = dst->lpVtbl->SaveChanges(dst, 0);
            dst->lpVtbl->Release(dst);
        }
        src->lpVtbl->Release(src);
    }
    td_msgdata_free(snap);
    return hr;
}

static HRESULT copy_common(message *This, const SPropTagArray *exclude, const SPropTagArray *include,
                           LPCIID iid, void *dest_obj, ULONG flags, BOOL children, SPropProblemArray **problems)
{
    IMAPIProp *dest = NULL;
    IMessage *dmsg = NULL;
    mc_propbag *snap;
    HRESULT hr;

    if (FAILED(hr = td_dest_prop(iid, dest_obj, &dest))) return hr;
    if ((IUnknown *)dest == (IUnknown *)&This->IMessage_iface) { dest->lpVtbl->Release(dest); return MAPI_E_NO_ACCESS; }
    if (!(snap = mc_propbag_new())) { dest->lpVtbl->Release(dest); return MAPI_E_NOT_ENOUGH_MEMORY; }
    EnterCriticalSection(&This->lock);
    hr = mc_propbag_copy(snap, This->work->props);
    LeaveCriticalSection(&This->lock);
    /* the store keeps its own PR_MESSAGE_FLAGS bits and computed values */
    mc_propbag_delete(snap, PR_HASATTACH);
    mc_propbag_delete(snap, PR_MESSAGE_SIZE);
    mc_propbag_delete(snap, PR_DISPLAY_TO_W);
    mc_propbag_delete(snap, PR_DISPLAY_CC_W);
    mc_propbag_delete(snap, PR_DISPLAY_BCC_W);
    mc_propbag_delete(snap, PR_CREATION_TIME);
    mc_propbag_delete(snap, PR_LAST_MODIFICATION_TIME);
    if (SUCCEEDED(hr))
        hr = td_transacted_copy(&This->tr, (IMAPIProp *)&This->IMessage_iface, snap, exclude, include, dest, flags,
                                problems);
    if (SUCCEEDED(hr) && SUCCEEDED(dest->lpVtbl->QueryInterface(dest, &IID_IMessage, (void **)&dmsg)))
    {
        BOOL r = children ? !(exclude && mc_tags_contain(exclude, PR_MESSAGE_RECIPIENTS))
                          : include && mc_tags_contain(include, PR_MESSAGE_RECIPIENTS);
        BOOL a = children ? !(exclude && mc_tags_contain(exclude, PR_MESSAGE_ATTACHMENTS))
                          : include && mc_tags_contain(include, PR_MESSAGE_ATTACHMENTS);
        if (r || a)
        {
            HRESULT hr2 = copy_children(This, dmsg, r, a);
            if (FAILED(hr2)) hr = hr2;
        }
        dmsg->lpVtbl->Release(dmsg);
    }
    if (SUCCEEDED(hr) && (flags & MAPI_MOVE) && This->writable)
    {
        ULONG i;
        EnterCriticalSection(&This->lock);
        for (i = mc_propbag_count(snap); i-- > 0; )
        {
            ULONG tag = mc_propbag_at(snap, i)->ulPropTag;
            BOOL moved = include ? mc_tags_contain(include, tag) : !(exclude && mc_tags_contain(exclude, tag));
            if (moved && !is_computed(tag) && PROP_ID(tag) != PROP_ID(PR_MESSAGE_FLAGS))
                mc_propbag_delete(This->work->props, tag);
        }
        LeaveCriticalSection(&This->lock);
    }
    mc_propbag_free(snap);
    dest->lpVtbl->Release(dest);
    return hr;
}

static HRESULT STDMETHODCALLTYPE message_CopyTo(IMessage *iface, ULONG ciidExclude,
        LPCIID rgiidExclude, LPSPropTagArray lpExcludeProps, ULONG ulUIParam,
        LPMAPIPROGRESS lpProgress, LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags,
        LPSPropProblemArray *lppProblems)
{
    message *This = impl_from_IMessage(iface);

    MC_TRACE("message", "%p %#lx", iface, (unsigned long)ulFlags);
    if (lppProblems) *lppProblems = NULL;
    if (!lpDestObj || (ciidExclude && !rgiidExclude)) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    if (td_iid_excluded(ciidExclude, rgiidExclude, &IID_IMessage) ||
        td_iid_excluded(ciidExclude, rgiidExclude, &IID_IMAPIProp))
        return S_OK;
    return copy_common(This, lpExcludeProps, NULL, lpInterface, lpDestObj, ulFlags, TRUE, lppProblems);
}

static HRESULT STDMETHODCALLTYPE message_CopyProps(IMessage *iface,
        LPSPropTagArray lpIncludeProps, ULONG ulUIParam, LPMAPIPROGRESS lpProgress,
        LPCIID lpInterface, LPVOID lpDestObj, ULONG ulFlags, LPSPropProblemArray *lppProblems)
{
    message *This = impl_from_IMessage(iface);

    MC_TRACE("message", "%p", iface);
    if (lppProblems) *lppProblems = NULL;
    if (!lpDestObj || !lpIncludeProps) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MAPI_MOVE | MAPI_NOREPLACE | MAPI_DIALOG | MAPI_DECLINE_OK | MAPI_UNICODE))
        return MAPI_E_UNKNOWN_FLAGS;
    return copy_common(This, NULL, lpIncludeProps, lpInterface, lpDestObj, ulFlags, FALSE, lppProblems);
}

static HRESULT STDMETHODCALLTYPE message_GetNamesFromIDs(IMessage *iface,
        LPSPropTagArray *lppPropTags, LPGUID lpPropSetGuid, ULONG ulFlags, ULONG *lpcPropNames,
        LPMAPINAMEID **lpppPropNames)
{
    message *This = impl_from_IMessage(iface);
    return td_store_get_names_from_ids(This->s, lppPropTags, lpPropSetGuid, ulFlags, lpcPropNames, lpppPropNames);
}

static HRESULT STDMETHODCALLTYPE message_GetIDsFromNames(IMessage *iface, ULONG cPropNames,
        LPMAPINAMEID *lppPropNames, ULONG ulFlags, LPSPropTagArray *lppPropTags)
{
    message *This = impl_from_IMessage(iface);
    return td_store_get_ids_from_names(This->s, cPropNames, lppPropNames, ulFlags, lppPropTags);
}

/* ---- recipient and attachment table rows (also RES_SUBRESTRICTION, tables.c) ------------- */

void td_sub_rows_free(td_sub_rows *r)
{
    ULONG i;

    for (i = 0; r->rows && i < r->n; i++) mc_free(r->rows[i]);
    mc_free(r->rows);
    mc_free(r->counts);
    memset(r, 0, sizeof(*r));
}

HRESULT td_msgdata_attach_rows(const td_msgdata *m, td_sub_rows *out)
{
    SPropValue **rows = NULL;
    ULONG *counts = NULL, i, j, n;
    HRESULT hr = S_OK;

    n = m->n_atts;
    rows = mc_calloc(n + 1, sizeof(*rows));
    counts = mc_calloc(n + 1, sizeof(*counts));
    for (i = 0; rows && counts && i < n; i++)
    {
        td_attdata *a = m->atts[i];
        ULONG c = mc_propbag_count(a->props), k = 0;
        if (!(rows[i] = mc_calloc(c + 4, sizeof(SPropValue)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
        rows[i][k].ulPropTag = PR_ATTACH_NUM;
        rows[i][k++].Value.l = (LONG)a->num;
        rows[i][k].ulPropTag = PR_RECORD_KEY;   /* persistent and unique within the message */
        rows[i][k].Value.bin.cb = sizeof(a->num);
        rows[i][k++].Value.bin.lpb = (BYTE *)&a->num;
        if (!mc_propbag_get(a->props, PR_RENDERING_POSITION))
        {
            rows[i][k].ulPropTag = PR_RENDERING_POSITION;
            rows[i][k++].Value.l = -1;
        }
        for (j = 0; j < c; j++)
        {
            const SPropValue *v = mc_propbag_at(a->props, j);
            if (mc_prop_payload_size(v) <= TD_MAX_TABLE_VALUE && PROP_ID(v->ulPropTag) != PROP_ID(PR_ATTACH_NUM) &&
                PROP_ID(v->ulPropTag) != PROP_ID(PR_RECORD_KEY))
                rows[i][k++] = *v;
        }
        counts[i] = k;
    }
    if (!rows || !counts) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    out->n = n;
    out->counts = counts;
    out->rows = rows;
    if (FAILED(hr)) td_sub_rows_free(out);
    return hr;
}

HRESULT td_msgdata_recip_rows(const td_msgdata *m, td_sub_rows *out)
{
    SPropValue **rows = NULL;
    ULONG *counts = NULL, i, j, n;
    HRESULT hr = S_OK;

    n = m->n_recips;
    rows = mc_calloc(n + 1, sizeof(*rows));
    counts = mc_calloc(n + 1, sizeof(*counts));
    for (i = 0; rows && counts && i < n; i++)
    {
        mc_propbag *b = m->recips[i];
        ULONG c = mc_propbag_count(b);
        if (!(rows[i] = mc_calloc(c + 1, sizeof(SPropValue)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
        for (j = 0; j < c; j++) rows[i][j] = *mc_propbag_at(b, j);
        counts[i] = c;
    }
    if (!rows || !counts) hr = MAPI_E_NOT_ENOUGH_MEMORY;
    out->n = n;
    out->counts = counts;
    out->rows = rows;
    if (FAILED(hr)) td_sub_rows_free(out);
    return hr;
}

/* ---- IMessage ---------------------------------------------------------------------------- */

/* GetRecipientTable / GetAttachmentTable: a snapshot table of the working copy's rows. */
static HRESULT sub_table(IMessage *iface, BOOL recips, ULONG ulFlags, LPMAPITABLE *lppTable)
{
    static const SizedSPropTagArray(5, att_columns) = {5, {PR_ATTACH_NUM, PR_INSTANCE_KEY, PR_RECORD_KEY,
        PR_RENDERING_POSITION, PR_ATTACH_METHOD}};
    static const SizedSPropTagArray(7, recip_columns) = {7, {PR_ROWID, PR_DISPLAY_NAME_W, PR_RECIPIENT_TYPE,
        PR_ADDRTYPE_W, PR_EMAIL_ADDRESS_W, PR_ENTRYID, PR_INSTANCE_KEY}};
    message *This = impl_from_IMessage(iface);
    td_sub_rows r;
    HRESULT hr;

    MC_TRACE("message", "%p %s", iface, recips ? "recipients" : "attachments");
    if (!lppTable) return MAPI_E_INVALID_PARAMETER;
    *lppTable = NULL;
    if (ulFlags & ~(ULONG)(MAPI_UNICODE | MAPI_DEFERRED_ERRORS)) return MAPI_E_UNKNOWN_FLAGS;
    EnterCriticalSection(&This->lock);
    if (SUCCEEDED(hr = recips ? td_msgdata_recip_rows(This->work, &r) : td_msgdata_attach_rows(This->work, &r)))
    {
        hr = td_table_strings(This->s, ulFlags, td_snapshot_table(This->s, recips ? PR_ROWID : PR_ATTACH_NUM,
                              recips ? (SPropTagArray *)&recip_columns : (SPropTagArray *)&att_columns,
                              r.n, r.counts, r.rows, lppTable), lppTable);
        td_sub_rows_free(&r);
    }
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE message_GetAttachmentTable(IMessage *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    return sub_table(iface, FALSE, ulFlags, lppTable);
}

static HRESULT STDMETHODCALLTYPE message_OpenAttach(IMessage *iface, ULONG ulAttachmentNum,
        LPCIID lpInterface, ULONG ulFlags, LPATTACH *lppAttach)
{
    message *This = impl_from_IMessage(iface);
    td_attdata *copy = NULL;
    HRESULT hr = MAPI_E_NOT_FOUND;
    ULONG i;

    MC_TRACE("message", "%p %lu", iface, (unsigned long)ulAttachmentNum);
    if (!lppAttach) return MAPI_E_INVALID_PARAMETER;
    *lppAttach = NULL;
    if (ulFlags & ~(ULONG)(MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS)) return MAPI_E_UNKNOWN_FLAGS;
    if (lpInterface && !IsEqualGUID(lpInterface, &IID_IAttachment) && !IsEqualGUID(lpInterface, &IID_IMAPIProp) &&
        !IsEqualGUID(lpInterface, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if ((ulFlags & MAPI_MODIFY) && !(ulFlags & MAPI_BEST_ACCESS) && !This->writable) return MAPI_E_NO_ACCESS;
    EnterCriticalSection(&This->lock);
    for (i = 0; i < This->work->n_atts; i++)
        if (This->work->atts[i]->num == ulAttachmentNum)
        {
            hr = (copy = td_attdata_dup(This->work->atts[i])) ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
            break;
        }
    LeaveCriticalSection(&This->lock);
    if (FAILED(hr)) return hr;
    return attach_open(This->s, iface, copy, This->writable && (ulFlags & (MAPI_MODIFY | MAPI_BEST_ACCESS)),
                       FALSE, lppAttach);
}

static HRESULT STDMETHODCALLTYPE message_CreateAttach(IMessage *iface, LPCIID lpInterface,
        ULONG ulFlags, ULONG *lpulAttachmentNum, LPATTACH *lppAttach)
{
    message *This = impl_from_IMessage(iface);
    td_attdata *a;
    HRESULT hr;

    MC_TRACE("message", "%p", iface);
    if (!lpulAttachmentNum || !lppAttach) return MAPI_E_INVALID_PARAMETER;
    *lppAttach = NULL;
    if (ulFlags & ~(ULONG)MAPI_DEFERRED_ERRORS) return MAPI_E_UNKNOWN_FLAGS;
    if (lpInterface && !IsEqualGUID(lpInterface, &IID_IAttachment) && !IsEqualGUID(lpInterface, &IID_IMAPIProp) &&
        !IsEqualGUID(lpInterface, &IID_IUnknown))
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    EnterCriticalSection(&This->lock);
    a = td_attdata_new(This->work->next_attnum++);   /* unique while the message is open */
    LeaveCriticalSection(&This->lock);
    if (!a) return MAPI_E_NOT_ENOUGH_MEMORY;
    *lpulAttachmentNum = a->num;
    hr = attach_open(This->s, iface, a, TRUE, TRUE, lppAttach);
    return hr;
}

static HRESULT STDMETHODCALLTYPE message_DeleteAttach(IMessage *iface, ULONG ulAttachmentNum,
        ULONG ulUIParam, LPMAPIPROGRESS lpProgress, ULONG ulFlags)
{
    message *This = impl_from_IMessage(iface);
    BOOL found;

    MC_TRACE("message", "%p %lu", iface, (unsigned long)ulAttachmentNum);
    if (ulFlags & ~(ULONG)ATTACH_DIALOG) return MAPI_E_UNKNOWN_FLAGS;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    EnterCriticalSection(&This->lock);
    found = td_msgdata_remove_att(This->work, ulAttachmentNum);
    LeaveCriticalSection(&This->lock);
    return found ? S_OK : MAPI_E_NOT_FOUND;
}

static HRESULT STDMETHODCALLTYPE message_GetRecipientTable(IMessage *iface, ULONG ulFlags,
        LPMAPITABLE *lppTable)
{
    return sub_table(iface, TRUE, ulFlags, lppTable);
}

static HRESULT STDMETHODCALLTYPE message_ModifyRecipients(IMessage *iface, ULONG ulFlags,
        LPADRLIST lpMods)
{
    message *This = impl_from_IMessage(iface);
    td_msgdata *m;
    HRESULT hr = S_OK;
    ULONG i, j;

    MC_TRACE("message", "%p %#lx", iface, (unsigned long)ulFlags);
    if (!lpMods) return MAPI_E_INVALID_PARAMETER;
    if (ulFlags & ~(ULONG)(MODRECIP_ADD | MODRECIP_MODIFY | MODRECIP_REMOVE)) return MAPI_E_UNKNOWN_FLAGS;
    if (!!(ulFlags & MODRECIP_ADD) + !!(ulFlags & MODRECIP_MODIFY) + !!(ulFlags & MODRECIP_REMOVE) > 1)
        return MAPI_E_INVALID_PARAMETER;
    if (!This->writable) return MAPI_E_NO_ACCESS;
    for (i = 0; i < lpMods->cEntries; i++)
    {
        if (lpMods->aEntries[i].cValues && !lpMods->aEntries[i].rgPropVals) return MAPI_E_INVALID_PARAMETER;
        for (j = 0; j < lpMods->aEntries[i].cValues; j++)
            if (PROP_TYPE(lpMods->aEntries[i].rgPropVals[j].ulPropTag) == PT_NULL ||
                PROP_TYPE(lpMods->aEntries[i].rgPropVals[j].ulPropTag) == PT_OBJECT)
                return MAPI_E_INVALID_PARAMETER;
    }

    EnterCriticalSection(&This->lock);
    /* work on a copy: on error nothing changes */
    if (!(m = td_msgdata_dup(This->work))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    if (!ulFlags)
    {
        for (i = 0; i < m->n_recips; i++) mc_propbag_free(m->recips[i]);
        m->n_recips = 0;
    }
    for (i = 0; i < lpMods->cEntries && SUCCEEDED(hr); i++)
    {
        const ADRENTRY *e = &lpMods->aEntries[i];
        const SPropValue *rowid = mc_props_find(e->cValues, e->rgPropVals, PR_ROWID);
        mc_propbag *b;
        ULONG k;

        if (ulFlags & (MODRECIP_MODIFY | MODRECIP_REMOVE))
        {
            if (!rowid) { hr = MAPI_E_INVALID_PARAMETER; break; }
            for (k = 0; k < m->n_recips; k++)
                if (mc_propbag_get_long(m->recips[k], PR_ROWID, -1) == rowid->Value.l) break;
            if (k == m->n_recips) { hr = MAPI_E_NOT_FOUND; break; }
            mc_propbag_free(m->recips[k]);
            if (ulFlags & MODRECIP_REMOVE)
            {
                memmove(&m->recips[k], &m->recips[k + 1], (m->n_recips - k - 1) * sizeof(*m->recips));
                m->n_recips--;
                continue;
            }
            /* MODRECIP_MODIFY: the row is replaced wholesale, same PR_ROWID */
            if (!(m->recips[k] = mc_propbag_new())) { hr = MAPI_E_NOT_ENOUGH_MEMORY; m->n_recips--; break; }
            b = m->recips[k];
        }
        else
        {
            if (!(b = mc_propbag_new())) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            if (FAILED(hr = td_msgdata_add_recip(m, b))) { mc_propbag_free(b); break; }
        }
        for (j = 0; j < e->cValues && SUCCEEDED(hr); j++)
        {
            const SPropValue *v = &e->rgPropVals[j];
            if (PROP_TYPE(v->ulPropTag) == PT_ERROR || PROP_ID(v->ulPropTag) == PROP_ID(PR_ROWID)) continue;
            hr = mc_propbag_set(b, v);
        }
        if (SUCCEEDED(hr))
        {
            SPropValue id;
            id.ulPropTag = PR_ROWID;
            id.Value.l = rowid && (ulFlags & MODRECIP_MODIFY) ? rowid->Value.l : (LONG)m->next_rowid++;
            hr = mc_propbag_set(b, &id);
        }
    }
    if (SUCCEEDED(hr))
    {
        td_msgdata *old = This->work;
        This->work = m;
        m = old;
    }
    td_msgdata_free(m);
done:
    LeaveCriticalSection(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE message_SubmitMessage(IMessage *iface, ULONG ulFlags)
{
    message *This = impl_from_IMessage(iface);
    HRESULT hr;

    MC_TRACE("message", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(ULONG)FORCE_SUBMIT) return MAPI_E_UNKNOWN_FLAGS;
    /* an embedded or associated message is never sent; a read-only or spent one can't be */
    if (This->owner || This->assoc || !This->writable || !This->saves_left) return MAPI_E_NO_ACCESS;
    hr = td_submit_message(This->s, iface);
    if (hr == MAPI_E_NO_RECIPIENTS)
        hr = mc_last_error_set(&This->err, hr, L"The message has no recipients");
    return hr;
}

/* ---- what the submit path (submit.c) needs of a message ----------------------------------- */

static message *our_message(IMessage *iface)
{
    return iface && iface->lpVtbl == &message_vtbl ? impl_from_IMessage(iface) : NULL;
}

HRESULT message_with_work(IMessage *iface, HRESULT (*fn)(td_msgdata *m, void *ctx), void *ctx)
{
    message *This = our_message(iface);
    HRESULT hr;

    if (!This) return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    hr = fn(This->work, ctx);
    LeaveCriticalSection(&This->lock);
    return hr;
}

ULONGLONG message_id(IMessage *iface)
{
    message *This = our_message(iface);
    ULONGLONG id;

    if (!This || This->owner) return 0;
    EnterCriticalSection(&This->lock);
    id = This->id;
    LeaveCriticalSection(&This->lock);
    return id;
}

BOOL message_is_spooler(IMessage *iface)
{
    message *This = our_message(iface);
    return This && This->spooler;
}

void message_set_spooler(IMessage *iface)
{
    message *This = our_message(iface);
    if (This) This->spooler = TRUE;
}

void message_set_state(IMessage *iface, ULONG msgflags, LONGLONG version)
{
    message *This = our_message(iface);
    SPropValue v;

    if (!This) return;
    EnterCriticalSection(&This->lock);
    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = (LONG)msgflags;
    mc_propbag_set(This->work->props, &v);
    This->version = version;
    LeaveCriticalSection(&This->lock);
}

void message_spend(IMessage *iface)
{
    message *This = our_message(iface);
    if (!This) return;
    EnterCriticalSection(&This->lock);
    This->writable = FALSE;
    This->saves_left = FALSE;
    LeaveCriticalSection(&This->lock);
}

static HRESULT STDMETHODCALLTYPE message_SetReadFlag(IMessage *iface, ULONG ulFlags)
{
    message *This = impl_from_IMessage(iface);
    ULONG flags;
    SPropValue v;
    HRESULT hr = S_OK;

    MC_TRACE("message", "%p %#lx", iface, (unsigned long)ulFlags);
    if (ulFlags & ~(ULONG)(SUPPRESS_RECEIPT | CLEAR_READ_FLAG | MAPI_DEFERRED_ERRORS | GENERATE_RECEIPT_ONLY |
                           CLEAR_RN_PENDING | CLEAR_NRN_PENDING))
        return MAPI_E_UNKNOWN_FLAGS;
    if (((ulFlags & SUPPRESS_RECEIPT) && (ulFlags & GENERATE_RECEIPT_ONLY)) ||
        ((ulFlags & CLEAR_READ_FLAG) && (ulFlags & (SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY))))
        return MAPI_E_INVALID_PARAMETER;
    EnterCriticalSection(&This->lock);
    flags = (ULONG)mc_propbag_get_long(This->work->props, PR_MESSAGE_FLAGS, 0);
    if (!(ulFlags & GENERATE_RECEIPT_ONLY))
    {
        if (ulFlags & CLEAR_READ_FLAG) flags &= ~(ULONG)MSGFLAG_READ;
        else if (!(ulFlags & (CLEAR_RN_PENDING | CLEAR_NRN_PENDING))) flags |= MSGFLAG_READ;
    }
    if (ulFlags & CLEAR_RN_PENDING) flags &= ~(ULONG)MSGFLAG_RN_PENDING;
    if (ulFlags & CLEAR_NRN_PENDING) flags &= ~(ULONG)MSGFLAG_NRN_PENDING;
    v.ulPropTag = PR_MESSAGE_FLAGS;
    v.Value.l = (LONG)flags;
    mc_propbag_set(This->work->props, &v);
    /* the read state is stored at once for a saved message (imessage-setreadflag.md) */
    if (This->id && SUCCEEDED(hr = td_db_prop_set(This->s->db, This->id, &v)))
        td_store_announce_read(This->s, This->folder, This->id);
    LeaveCriticalSection(&This->lock);
    return hr;
}

static const IMessageVtbl message_vtbl =
{
    message_QueryInterface,
    message_AddRef,
    message_Release,
    message_GetLastError,
    message_SaveChanges,
    message_GetProps,
    message_GetPropList,
    message_OpenProperty,
    message_SetProps,
    message_DeleteProps,
    message_CopyTo,
    message_CopyProps,
    message_GetNamesFromIDs,
    message_GetIDsFromNames,
    message_GetAttachmentTable,
    message_OpenAttach,
    message_CreateAttach,
    message_DeleteAttach,
    message_GetRecipientTable,
    message_ModifyRecipients,
    message_SubmitMessage,
    message_SetReadFlag,
};
