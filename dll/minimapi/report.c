/*
 * report.c - what MAPI does for a message at the end of its journey: delivery and non-delivery
 * reports (imapisupport-statusrecips.md, mapi-report-messages.md, required-report-message-properties.md,
 * recipient-properties-for-delivery-status-reports.md) and the sent-mail disposition
 * (imapisupport-dosentmail.md; spi-digest §1.5, DECISIONS 3).
 *
 * A report is a new message in the receive folder that the originating store registers for its
 * class (REPORT.<original class>.NDR / .DR; Inbox by default), with the failed (or delivered)
 * recipients only, PR_ORIGINAL_SUBJECT and the subject prefixed "Undeliverable: " /
 * "Delivered: ". The store is told with NotifyNewMail, as for any arrival.
 */
#include "minimapi_private.h"

static const SizedSPropTagArray(6, orig_tags) =
{
    6, {PR_SUBJECT_W, PR_MESSAGE_CLASS_W, PR_ORIGINATOR_DELIVERY_REPORT_REQUESTED,
        PR_CLIENT_SUBMIT_TIME, PR_ENTRYID, PR_DISPLAY_TO_W}
};

static const WCHAR *str_or(const SPropValue *v, ULONG tag, const WCHAR *def)
{
    return v->ulPropTag == tag && v->Value.lpszW ? v->Value.lpszW : def;
}

/* One report message for the given rows of the ADRLIST. */
static HRESULT make_report(IMsgStore *store, const SPropValue *orig, const ADRLIST *list,
                           const BOOL *take, BOOL ndr)
{
    const WCHAR *subject = str_or(&orig[0], PR_SUBJECT_W, L"");
    const WCHAR *klass = str_or(&orig[1], PR_MESSAGE_CLASS_W, L"IPM.Note");
    WCHAR *report_class = NULL, *report_subject = NULL;
    ULONG cb_folder = 0, type = 0, n = 0, i, len;
    ENTRYID *folder_id = NULL;
    LPTSTR explicit_class = NULL;
    IMAPIFolder *folder = NULL;
    IMessage *msg = NULL;
    ADRLIST *copy = NULL;
    SPropValue v[12];
    SPropValue *saved = NULL;
    FILETIME now;
    HRESULT hr;

    GetSystemTimeAsFileTime(&now);
    len = lstrlenW(klass) + 16;
    if (!(report_class = mc_malloc(len * sizeof(WCHAR)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    swprintf(report_class, len, L"REPORT.%ls.%ls", klass, ndr ? L"NDR" : L"DR");
    len = lstrlenW(subject) + 32;
    if (!(report_subject = mc_malloc(len * sizeof(WCHAR)))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    swprintf(report_subject, len, L"%ls%ls", ndr ? L"Undeliverable: " : L"Delivered: ", subject);

    hr = store->lpVtbl->GetReceiveFolder(store, (LPTSTR)report_class, MAPI_UNICODE, &cb_folder,
                                         &folder_id, &explicit_class);
    if (FAILED(hr)) goto done;
    hr = store->lpVtbl->OpenEntry(store, cb_folder, folder_id, NULL, MAPI_MODIFY, &type,
                                  (IUnknown **)&folder);
    if (FAILED(hr)) goto done;
    if (FAILED(hr = folder->lpVtbl->CreateMessage(folder, NULL, 0, &msg))) goto done;

    memset(v, 0, sizeof(v));
    v[n].ulPropTag = PR_MESSAGE_CLASS_W;   v[n++].Value.lpszW = report_class;
    v[n].ulPropTag = PR_SUBJECT_W;         v[n++].Value.lpszW = report_subject;
    v[n].ulPropTag = PR_ORIGINAL_SUBJECT_W; v[n++].Value.lpszW = (WCHAR *)subject;
    v[n].ulPropTag = PR_REPORT_TEXT_W;
    v[n++].Value.lpszW = ndr ? (WCHAR *)L"Your message did not reach some or all of the intended recipients."
                             : (WCHAR *)L"Your message was delivered to the following recipients.";
    v[n].ulPropTag = PR_REPORT_TIME;       v[n++].Value.ft = now;
    v[n].ulPropTag = PR_MESSAGE_DELIVERY_TIME; v[n++].Value.ft = now;
    v[n].ulPropTag = PR_SENDER_NAME_W;     v[n++].Value.lpszW = (WCHAR *)L"MAPI Spooler";
    v[n].ulPropTag = PR_REPORT_NAME_W;     v[n++].Value.lpszW = (WCHAR *)L"MAPI Spooler";
    if (orig[3].ulPropTag == PR_CLIENT_SUBMIT_TIME)
    {
        v[n].ulPropTag = PR_ORIGINAL_SUBMIT_TIME;
        v[n++].Value.ft = orig[3].Value.ft;
    }
    if (orig[4].ulPropTag == PR_ENTRYID)
    {
        v[n].ulPropTag = PR_ORIGINAL_ENTRYID;
        v[n++].Value.bin = orig[4].Value.bin;
    }
    if (orig[5].ulPropTag == PR_DISPLAY_TO_W)
    {
        v[n].ulPropTag = PR_ORIGINAL_DISPLAY_TO_W;
        v[n++].Value.lpszW = orig[5].Value.lpszW;
    }
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, n, v, NULL))) goto done;

    /* the recipients of the report: the rows it is about, copied (ModifyRecipients keeps ours) */
    for (i = 0, n = 0; i < list->cEntries; i++) if (take[i]) n++;
    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&copy))) goto done;
    copy->cEntries = 0;
    for (i = 0; i < list->cEntries; i++)
    {
        ADRENTRY *e;
        if (!take[i]) continue;
        e = &copy->aEntries[copy->cEntries];
        e->ulReserved1 = 0;
        e->cValues = 0;
        e->rgPropVals = NULL;
        copy->cEntries++;
        if (FAILED(hr = mc_props_dup(&mm_alloc, list->aEntries[i].cValues, list->aEntries[i].rgPropVals,
                                     &e->rgPropVals)))
            goto done;
        e->cValues = list->aEntries[i].cValues;
    }
    if (FAILED(hr = msg->lpVtbl->ModifyRecipients(msg, 0, copy))) goto done;
    if (FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READONLY))) goto done;
    {
        static const SizedSPropTagArray(1, eid_tag) = {1, {PR_ENTRYID}};
        ULONG cnt = 0;
        if (SUCCEEDED(msg->lpVtbl->GetProps(msg, (SPropTagArray *)&eid_tag, 0, &cnt, &saved))
            && cnt == 1 && saved[0].ulPropTag == PR_ENTRYID)
        {
            NOTIFICATION notif;
            memset(&notif, 0, sizeof(notif));
            notif.ulEventType = fnevNewMail;
            notif.info.newmail.cbEntryID = saved[0].Value.bin.cb;
            notif.info.newmail.lpEntryID = (ENTRYID *)saved[0].Value.bin.lpb;
            notif.info.newmail.cbParentID = cb_folder;
            notif.info.newmail.lpParentID = folder_id;
            notif.info.newmail.ulFlags = MAPI_UNICODE;
            notif.info.newmail.lpszMessageClass = (LPTSTR)report_class;
            store->lpVtbl->NotifyNewMail(store, &notif);
        }
    }
done:
    MAPIFreeBuffer(saved);
    if (copy) FreePadrlist(copy);
    if (msg) msg->lpVtbl->Release(msg);
    if (folder) folder->lpVtbl->Release(folder);
    MAPIFreeBuffer(folder_id);
    MAPIFreeBuffer(explicit_class);
    mc_free(report_subject);
    mc_free(report_class);
    return hr;
}

HRESULT mm_report_status_recips(IMsgStore *store, IMessage *orig, ADRLIST *list)
{
    SPropValue *props = NULL;
    BOOL *ndr = NULL, *dr = NULL, any_ndr = FALSE, any_dr = FALSE, dr_wanted;
    ULONG n = 0, i;
    HRESULT hr;

    if (!orig || !list) return MAPI_E_INVALID_PARAMETER;
    if (!store) return MAPI_E_CALL_FAILED;
    hr = orig->lpVtbl->GetProps(orig, (SPropTagArray *)&orig_tags, MAPI_UNICODE, &n, &props);
    if (FAILED(hr)) return hr;
    dr_wanted = props[2].ulPropTag == PR_ORIGINATOR_DELIVERY_REPORT_REQUESTED && props[2].Value.b;
    if (!(ndr = mc_calloc(list->cEntries + 1, sizeof(BOOL)))
        || !(dr = mc_calloc(list->cEntries + 1, sizeof(BOOL))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    /* recipient-properties-for-delivery-status-reports.md: PR_DELIVER_TIME marks a delivered
     * recipient, PR_NDR_REASON_CODE a failed one. */
    for (i = 0; i < list->cEntries; i++)
    {
        const ADRENTRY *e = &list->aEntries[i];
        BOOL failed = mc_props_find(e->cValues, e->rgPropVals, PR_NDR_REASON_CODE) != NULL;
        BOOL delivered = mc_props_find(e->cValues, e->rgPropVals, PR_DELIVER_TIME) != NULL;
        if (failed || !delivered) any_ndr = ndr[i] = TRUE;
        else if (dr_wanted) any_dr = dr[i] = TRUE;
    }
    if (any_ndr && FAILED(hr = make_report(store, props, list, ndr, TRUE))) goto done;
    if (any_dr && FAILED(hr = make_report(store, props, list, dr, FALSE))) goto done;
    /* success: the list is ours to free (imapisupport-statusrecips.md) */
    FreePadrlist(list);
done:
    mc_free(ndr);
    mc_free(dr);
    MAPIFreeBuffer(props);
    return hr;
}

HRESULT mm_report_do_sent_mail(IMsgStore *store, IMessage *msg)
{
    static const SizedSPropTagArray(4, tags) =
        {4, {PR_DELETE_AFTER_SUBMIT, PR_SENTMAIL_ENTRYID, PR_PARENT_ENTRYID, PR_ENTRYID}};
    SPropValue *v = NULL;
    IMAPIFolder *parent = NULL, *sent = NULL;
    ULONG n = 0, type;
    BOOL del, move;
    ENTRYLIST list;
    HRESULT hr;

    if (!msg) return MAPI_E_INVALID_PARAMETER;
    hr = msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, 0, &n, &v);
    /* DoSentMail releases the message whatever happens (imapisupport-dosentmail.md) */
    msg->lpVtbl->Release(msg);
    if (FAILED(hr)) return hr;
    del = v[0].ulPropTag == PR_DELETE_AFTER_SUBMIT && v[0].Value.b;
    move = v[1].ulPropTag == PR_SENTMAIL_ENTRYID;
    if ((!del && !move) || v[2].ulPropTag != PR_PARENT_ENTRYID || v[3].ulPropTag != PR_ENTRYID)
        goto done;          /* nothing asked: it stays where it is */
    if (!store) { hr = MAPI_E_CALL_FAILED; goto done; }
    hr = store->lpVtbl->OpenEntry(store, v[2].Value.bin.cb, (ENTRYID *)v[2].Value.bin.lpb, NULL,
                                  MAPI_MODIFY, &type, (IUnknown **)&parent);
    if (FAILED(hr)) goto done;
    list.cValues = 1;
    list.lpbin = &v[3].Value.bin;
    if (del)
        hr = parent->lpVtbl->DeleteMessages(parent, &list, 0, NULL, 0);
    else
    {
        hr = store->lpVtbl->OpenEntry(store, v[1].Value.bin.cb, (ENTRYID *)v[1].Value.bin.lpb, NULL,
                                      MAPI_MODIFY, &type, (IUnknown **)&sent);
        if (SUCCEEDED(hr))
            hr = parent->lpVtbl->CopyMessages(parent, &list, NULL, sent, 0, NULL, MESSAGE_MOVE);
    }
done:
    if (sent) sent->lpVtbl->Release(sent);
    if (parent) parent->lpVtbl->Release(parent);
    MAPIFreeBuffer(v);
    return hr;
}
