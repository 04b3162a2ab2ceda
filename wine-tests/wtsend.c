/*
 * wtsend.c - helpers of the sending tests (wtsend.h); public MAPI API only.
 */
#include <wchar.h>
#include "mapiclient.h"
#include "wtest.h"
#include "wtsend.h"

BOOL ws_profile(IProfAdmin *admin, ws_user *u, const char *name, const WCHAR *drop_root)
{
    SPropValue v;
    HRESULT hr;

    memset(u, 0, sizeof(*u));
    if (!wt_profile_create(admin, &u->p, name)) return FALSE;
    v.ulPropTag = PR_TD_DROP_ROOT_W;
    v.Value.lpszW = (WCHAR *)drop_root;
    hr = wt_profile_configure(admin, &u->p, 1, &v);
    return ok(hr == S_OK, "configuring the drop root of %s returned %#lx\n", name, hr);
}

void ws_profile_names(ws_user *u, const char *name)
{
    memset(u, 0, sizeof(*u));
    wt_profile_name(u->p.name, sizeof(u->p.name), name);
    /* not wt_temp_dir(): its first call empties the folder the parent's stores are in */
    swprintf(u->p.email, 64, L"%hs@example.test", name);
}

HRESULT ws_logon(ws_user *u, ULONG flags)
{
    ENTRYID *eid;
    ULONG cb = 0;
    HRESULT hr;

    hr = MAPILogonEx(0, (LPTSTR)u->p.name, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION | flags, &u->session);
    if (FAILED(hr)) { u->session = NULL; return hr; }
    if (!(eid = wt_default_store_id(u->session, &cb))) return MAPI_E_NOT_FOUND;
    hr = u->session->lpVtbl->OpenMsgStore(u->session, 0, cb, eid, NULL, MDB_WRITE | MDB_NO_DIALOG, &u->mdb);
    MAPIFreeBuffer(eid);
    if (FAILED(hr)) u->mdb = NULL;
    return hr;
}

void ws_logoff(ws_user *u)
{
    if (u->mdb) u->mdb->lpVtbl->Release(u->mdb);
    if (u->session)
    {
        u->session->lpVtbl->Logoff(u->session, 0, 0, 0);
        u->session->lpVtbl->Release(u->session);
    }
    u->mdb = NULL;
    u->session = NULL;
}

IMAPIFolder *ws_folder(ws_user *u, ULONG tag)
{
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, type = 0;
    HRESULT hr;

    if (tag) hr = HrGetOneProp((IMAPIProp *)u->mdb, tag, &v);
    else hr = u->mdb->lpVtbl->GetReceiveFolder(u->mdb, (LPTSTR)"IPM", 0, &cb, &eid, NULL);
    if (SUCCEEDED(hr))
    {
        if (v) { cb = v->Value.bin.cb; eid = (ENTRYID *)v->Value.bin.lpb; }
        hr = u->mdb->lpVtbl->OpenEntry(u->mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f);
    }
    if (v) MAPIFreeBuffer(v);
    else MAPIFreeBuffer(eid);
    return SUCCEEDED(hr) ? f : NULL;
}

HRESULT ws_compose(ws_user *u, IMAPIFolder *folder, const WCHAR *subject, ULONG n, const ws_recip *r,
                   BOOL attach, ULONG n_extra, const SPropValue *extra, IMessage **out)
{
    IMAPIFolder *outbox = folder ? NULL : ws_folder(u, PR_IPM_OUTBOX_ENTRYID);
    IAddrBook *ab = NULL;
    IMessage *msg = NULL;
    IAttach *att = NULL;
    ADRLIST *list = NULL;
    SPropValue *sent = NULL, v[16];
    ULONG k = 0, i;
    HRESULT hr;

    *out = NULL;
    if (!folder && !(folder = outbox)) return MAPI_E_NOT_FOUND;
    if (FAILED(hr = folder->lpVtbl->CreateMessage(folder, NULL, 0, &msg))) goto done;
    v[k].ulPropTag = PR_MESSAGE_CLASS_W;
    v[k++].Value.lpszW = (WCHAR *)L"IPM.Note";
    v[k].ulPropTag = PR_SUBJECT_W;
    v[k++].Value.lpszW = (WCHAR *)subject;
    v[k].ulPropTag = PR_BODY_W;
    v[k++].Value.lpszW = (WCHAR *)L"Hello from the Tandem tests.\r\n";
    if (SUCCEEDED(HrGetOneProp((IMAPIProp *)u->mdb, PR_IPM_SENTMAIL_ENTRYID, &sent)))
    {
        v[k] = *sent;
        v[k++].ulPropTag = PR_SENTMAIL_ENTRYID;
    }
    for (i = 0; i < n_extra && k < ARRAYSIZE(v); i++) v[k++] = extra[i];
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, k, v, NULL))) goto done;

    if (FAILED(hr = u->session->lpVtbl->OpenAddressBook(u->session, 0, NULL, AB_NO_DIALOG, &ab))) goto done;
    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&list))) goto done;
    memset(list, 0, CbNewADRLIST(n));
    for (i = 0; i < n; i++)
    {
        SPropValue *p;
        if (FAILED(hr = MAPIAllocateBuffer(3 * sizeof(SPropValue), (void **)&p))) goto done;
        list->aEntries[i].rgPropVals = p;
        list->cEntries++;
        p[0].ulPropTag = PR_RECIPIENT_TYPE;
        p[0].Value.l = MAPI_TO;
        if (!wcscmp(r[i].type, L"SMTP"))
        {
            /* a bare SMTP address: ResolveName makes the one-off */
            p[1].ulPropTag = PR_DISPLAY_NAME_W;
            p[1].Value.lpszW = (WCHAR *)r[i].address;
            list->aEntries[i].cValues = 2;
        }
        else
        {
            ULONG cb = 0;
            ENTRYID *eid = NULL;
            if (FAILED(hr = ab->lpVtbl->CreateOneOff(ab, (LPTSTR)r[i].name, (LPTSTR)r[i].type, (LPTSTR)r[i].address,
                                                     MAPI_UNICODE, &cb, &eid))) goto done;
            p[1].ulPropTag = PR_DISPLAY_NAME_W;
            p[1].Value.lpszW = (WCHAR *)r[i].name;
            p[2].ulPropTag = PR_ENTRYID;
            p[2].Value.bin.cb = cb;
            p[2].Value.bin.lpb = (BYTE *)eid;
            MAPIAllocateMore(cb, p, (void **)&p[2].Value.bin.lpb);
            memcpy(p[2].Value.bin.lpb, eid, cb);
            MAPIFreeBuffer(eid);
            list->aEntries[i].cValues = 3;
        }
    }
    if (FAILED(hr = ab->lpVtbl->ResolveName(ab, 0, MAPI_UNICODE, NULL, list))) goto done;
    if (FAILED(hr = msg->lpVtbl->ModifyRecipients(msg, 0, list))) goto done;
    if (attach)
    {
        static const char text[] = "attachment bytes\r\n";
        ULONG num = 0;
        if (FAILED(hr = msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att))) goto done;
        v[0].ulPropTag = PR_ATTACH_METHOD;
        v[0].Value.l = ATTACH_BY_VALUE;
        v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_W;
        v[1].Value.lpszW = (WCHAR *)L"notes.txt";
        v[2].ulPropTag = PR_ATTACH_DATA_BIN;
        v[2].Value.bin.cb = sizeof(text) - 1;
        v[2].Value.bin.lpb = (BYTE *)text;
        if (FAILED(hr = att->lpVtbl->SetProps(att, 3, v, NULL))) goto done;
        if (FAILED(hr = att->lpVtbl->SaveChanges(att, 0))) goto done;
    }
    *out = msg;
    msg = NULL;
done:
    if (list) FreePadrlist(list);
    if (ab) ab->lpVtbl->Release(ab);
    if (att) att->lpVtbl->Release(att);
    if (msg) msg->lpVtbl->Release(msg);
    MAPIFreeBuffer(sent);
    if (outbox) outbox->lpVtbl->Release(outbox);
    return hr;
}

HRESULT ws_send(ws_user *u, const WCHAR *subject, ULONG n, const ws_recip *r, BOOL attach)
{
    IMessage *msg = NULL;
    HRESULT hr = ws_compose(u, NULL, subject, n, r, attach, 0, NULL, &msg);
    if (SUCCEEDED(hr)) hr = msg->lpVtbl->SubmitMessage(msg, 0);
    if (msg) msg->lpVtbl->Release(msg);
    return hr;
}

HRESULT ws_flush(ws_user *u)
{
    return mapiclient_flush(u->session, FLUSH_UPLOAD | FLUSH_DOWNLOAD);
}

SRowSet *ws_rows(ws_user *u, ULONG tag, const SPropTagArray *cols)
{
    IMAPIFolder *f = ws_folder(u, tag);
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;

    if (!f) return NULL;
    if (SUCCEEDED(f->lpVtbl->GetContentsTable(f, MAPI_UNICODE, &t)))
    {
        if (FAILED(HrQueryAllRows(t, (SPropTagArray *)cols, NULL, NULL, 0, &rows))) rows = NULL;
        t->lpVtbl->Release(t);
    }
    f->lpVtbl->Release(f);
    return rows;
}

ULONG ws_count(ws_user *u, ULONG tag, const WCHAR *subject)
{
    static const SizedSPropTagArray(1, cols) = {1, {PR_SUBJECT_W}};
    SRowSet *rows = ws_rows(u, tag, (SPropTagArray *)&cols);
    ULONG n = 0, i;

    if (!rows) return ~0u;
    for (i = 0; i < rows->cRows; i++)
        if (!subject || (rows->aRow[i].lpProps[0].ulPropTag == PR_SUBJECT_W
                         && !wcscmp(rows->aRow[i].lpProps[0].Value.lpszW, subject)))
            n++;
    FreeProws(rows);
    return n;
}

HANDLE ws_start_child(const char *args)
{
    char exe[MAX_PATH], cmd[MAX_PATH + 100];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;

    GetModuleFileNameA(NULL, exe, MAX_PATH);
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", exe, args);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessA(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return NULL;
    CloseHandle(pi.hThread);
    return pi.hProcess;
}
