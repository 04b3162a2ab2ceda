/*
 * wtmapi.c - shared helpers of the conformance tests (public MAPI API only).
 */
#include "wtest.h"
#include "wtmapi.h"
#include <stdio.h>

/* IMiniMapiDiagnostics (idl/tandem.idl), declared here by hand so the conformance tests
 * depend on nothing of ours at build time. */
static const GUID IID_IMiniMapiDiagnostics_wt =
    {0x875b626e, 0x7188, 0x42af, {0x87, 0x84, 0x76, 0x6d, 0x32, 0xf7, 0x12, 0x4d}};
typedef struct diag_vtbl
{
    HRESULT (STDMETHODCALLTYPE *QueryInterface)(IUnknown *, REFIID, void **);
    ULONG (STDMETHODCALLTYPE *AddRef)(IUnknown *);
    ULONG (STDMETHODCALLTYPE *Release)(IUnknown *);
    HRESULT (STDMETHODCALLTYPE *GetCounters)(IUnknown *, ULONG *, ULONG *, ULONG *);
} diag_vtbl;

BOOL wt_counters(IUnknown *obj, ULONG *blocks, ULONG *objects, ULONG *provider_objects)
{
    IUnknown *diag = NULL;
    HRESULT hr;
    if (FAILED(obj->lpVtbl->QueryInterface(obj, &IID_IMiniMapiDiagnostics_wt, (void **)&diag)))
        return FALSE;
    hr = ((diag_vtbl *)diag->lpVtbl)->GetCounters(diag, blocks, objects, provider_objects);
    diag->lpVtbl->Release(diag);
    return hr == S_OK;
}

BOOL wt_file_exists(const WCHAR *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

void wt_profile_delete(IProfAdmin *admin, wt_profile *p)
{
    admin->lpVtbl->DeleteProfile(admin, (LPTSTR)p->name, 0);
}

void wt_profile_name(char *out, size_t size, const char *name)
{
    char exe[MAX_PATH], *base, *dot;

    GetModuleFileNameA(NULL, exe, sizeof(exe));
    base = strrchr(exe, '\\') ? strrchr(exe, '\\') + 1 : exe;
    if ((dot = strrchr(base, '.'))) *dot = 0;
    snprintf(out, size, "%s-%s", base, name);
}

BOOL wt_profile_create(IProfAdmin *admin, wt_profile *p, const char *name)
{
    IMsgServiceAdmin *svc = NULL;
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    SPropValue props[3];
    BOOL found = FALSE, result = FALSE;
    HRESULT hr;
    ULONG i;
    static const SizedSPropTagArray(2, cols) = {2, {PR_SERVICE_NAME_A, PR_SERVICE_UID}};

    wt_profile_name(p->name, sizeof(p->name), name);
    swprintf(p->store_path, MAX_PATH, L"%ls\\%hs.tandem", wt_temp_dir(), name);
    swprintf(p->display_name, 64, L"Store of %hs \x00e9t\x00e9", name);
    swprintf(p->email, 64, L"%hs@example.test", name);
    DeleteFileW(p->store_path);

    admin->lpVtbl->DeleteProfile(admin, (LPTSTR)p->name, 0);
    hr = admin->lpVtbl->CreateProfile(admin, (LPTSTR)p->name, NULL, 0, 0);
    if (!ok(hr == S_OK, "CreateProfile(%s) returned %#lx\n", name, hr)) goto done;
    hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)p->name, NULL, 0, 0, &svc);
    if (!ok(hr == S_OK, "AdminServices returned %#lx\n", hr)) goto done;
    hr = svc->lpVtbl->CreateMsgService(svc, (LPTSTR)"TANDEM", (LPTSTR)"Tandem", 0, 0);
    if (!ok(hr == S_OK, "CreateMsgService(TANDEM) returned %#lx\n", hr)) goto done;

    hr = svc->lpVtbl->GetMsgServiceTable(svc, 0, &table);
    if (!ok(hr == S_OK, "GetMsgServiceTable returned %#lx\n", hr)) goto done;
    hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (!ok(hr == S_OK, "HrQueryAllRows(service table) returned %#lx\n", hr)) goto done;
    for (i = 0; i < rows->cRows; i++)
    {
        SPropValue *v = rows->aRow[i].lpProps;
        if (v[0].ulPropTag == PR_SERVICE_NAME_A && !lstrcmpA(v[0].Value.lpszA, "TANDEM")
            && v[1].ulPropTag == PR_SERVICE_UID && v[1].Value.bin.cb == sizeof(MAPIUID))
        {
            memcpy(&p->service_uid, v[1].Value.bin.lpb, sizeof(MAPIUID));
            found = TRUE;
        }
    }
    if (!ok(found, "TANDEM not in the message service table (%lu rows)\n", rows->cRows)) goto done;

    props[0].ulPropTag = PR_PST_PATH_W;
    props[0].Value.lpszW = p->store_path;
    props[1].ulPropTag = PR_DISPLAY_NAME_W;
    props[1].Value.lpszW = p->display_name;
    props[2].ulPropTag = PR_EMAIL_ADDRESS_W;
    props[2].Value.lpszW = p->email;
    hr = svc->lpVtbl->ConfigureMsgService(svc, &p->service_uid, 0, 0, 3, props);
    if (!ok(hr == S_OK, "ConfigureMsgService returned %#lx\n", hr)) goto done;
    result = TRUE;

done:
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    if (svc) svc->lpVtbl->Release(svc);
    return result;
}

HRESULT wt_profile_configure(IProfAdmin *admin, const wt_profile *p, ULONG n, SPropValue *props)
{
    IMsgServiceAdmin *svc = NULL;
    HRESULT hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)p->name, NULL, 0, 0, &svc);
    if (FAILED(hr)) return hr;
    hr = svc->lpVtbl->ConfigureMsgService(svc, (MAPIUID *)&p->service_uid, 0, 0, n, props);
    svc->lpVtbl->Release(svc);
    return hr;
}

IProfSect *wt_service_section(IProfAdmin *admin, const wt_profile *p)
{
    IMsgServiceAdmin *svc = NULL;
    IProfSect *sect = NULL;
    HRESULT hr = admin->lpVtbl->AdminServices(admin, (LPTSTR)p->name, NULL, 0, 0, &svc);
    if (!ok(hr == S_OK, "AdminServices(%s) returned %#lx\n", p->name, hr)) return NULL;
    hr = svc->lpVtbl->OpenProfileSection(svc, (MAPIUID *)&p->service_uid, NULL, 0, &sect);
    ok(hr == S_OK && sect, "OpenProfileSection of the service returned %#lx\n", hr);
    svc->lpVtbl->Release(svc);
    return sect;
}

ENTRYID *wt_default_store_id(IMAPISession *session, ULONG *cb)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_DEFAULT_STORE}};
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    ENTRYID *eid = NULL;
    HRESULT hr;
    ULONG i;

    hr = session->lpVtbl->GetMsgStoresTable(session, 0, &table);
    if (!ok(hr == S_OK, "GetMsgStoresTable returned %#lx\n", hr)) goto done;
    hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (!ok(hr == S_OK, "HrQueryAllRows(store table) returned %#lx\n", hr)) goto done;
    for (i = 0; i < rows->cRows && !eid; i++)
    {
        SPropValue *v = rows->aRow[i].lpProps;
        if (v[1].ulPropTag == PR_DEFAULT_STORE && v[1].Value.b && v[0].ulPropTag == PR_ENTRYID)
        {
            if (MAPIAllocateBuffer(v[0].Value.bin.cb, (void **)&eid) == S_OK)
            {
                memcpy(eid, v[0].Value.bin.lpb, v[0].Value.bin.cb);
                *cb = v[0].Value.bin.cb;
            }
        }
    }
    ok(eid != NULL, "no default store among %lu rows of the message store table\n",
       rows->cRows);
done:
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    return eid;
}

BOOL wt_store_open(const wt_profile *p, IMAPISession **session, IMsgStore **mdb)
{
    ENTRYID *eid;
    ULONG cb;
    HRESULT hr;

    *session = NULL;
    *mdb = NULL;
    hr = MAPILogonEx(0, (LPTSTR)p->name, NULL, MAPI_EXTENDED | MAPI_NEW_SESSION | MAPI_NO_MAIL, session);
    if (!ok(hr == S_OK, "MAPILogonEx returned %#lx\n", hr)) return FALSE;
    if (!(eid = wt_default_store_id(*session, &cb))) return FALSE;
    hr = (*session)->lpVtbl->OpenMsgStore(*session, 0, cb, eid, NULL, MDB_WRITE | MDB_NO_DIALOG, mdb);
    MAPIFreeBuffer(eid);
    return ok(hr == S_OK, "OpenMsgStore returned %#lx\n", hr);
}

void wt_store_close(IMAPISession **session, IMsgStore **mdb)
{
    if (*mdb) (*mdb)->lpVtbl->Release(*mdb);
    *mdb = NULL;
    if (*session)
    {
        (*session)->lpVtbl->Logoff(*session, 0, 0, 0);
        (*session)->lpVtbl->Release(*session);
    }
    *session = NULL;
}

void wt_check_all_released(IUnknown *obj)
{
    ULONG blocks, objects, provider_objects;

    if (wt_counters(obj, &blocks, &objects, &provider_objects))
    {
        ok(blocks == 0, "%lu MAPI blocks still live\n", blocks);
        ok(provider_objects == 0, "%lu provider objects still live\n", provider_objects);
        ok(objects == 0, "%lu minimapi objects still live\n", objects);
    }
    else
        skip("this MAPI has no IMiniMapiDiagnostics: live counts not checked\n");
}

IMAPIFolder *wt_open_folder(IMsgStore *mdb, ULONG tag)
{
    SPropValue *v = NULL;
    IMAPIFolder *f = NULL;
    ULONG type;

    if (HrGetOneProp((IMAPIProp *)mdb, tag, &v) == S_OK)
        mdb->lpVtbl->OpenEntry(mdb, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, NULL, MAPI_MODIFY, &type,
                               (IUnknown **)&f);
    MAPIFreeBuffer(v);
    ok(f != NULL, "folder %#lx did not open\n", tag);
    return f;
}

IMAPIFolder *wt_new_folder(IMAPIFolder *parent, const char *name)
{
    IMAPIFolder *f = NULL;
    HRESULT hr = parent->lpVtbl->CreateFolder(parent, FOLDER_GENERIC, (LPTSTR)name, NULL, NULL, 0, &f);
    ok(hr == S_OK && f, "CreateFolder(%s) %#lx\n", name, hr);
    return f;
}

wt_this_thread_fn wt_this_thread_advise_sink(void)
{
    HMODULE mod = GetModuleHandleA("mapi32.dll");
    FARPROC proc = NULL;

    if (!mod) mod = LoadLibraryA("mapi32.dll");
    if (mod && !(proc = GetProcAddress(mod, "HrThisThreadAdviseSink")))
        proc = GetProcAddress(mod, "HrThisThreadAdviseSink@8");
    return (wt_this_thread_fn)(void *)proc;
}

/* ---- a new-mail sink ------------------------------------------------------------------------ */

/* IID_IMAPIAdviseSink (mapiguid.h), here to need no GUID library */
static const GUID iid_advise_sink = {0x00020302, 0, 0, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};

static HRESULT STDMETHODCALLTYPE msink_QueryInterface(IMAPIAdviseSink *iface, REFIID iid, void **out)
{
    if (!IsEqualGUID(iid, &IID_IUnknown) && !IsEqualGUID(iid, &iid_advise_sink))
    {
        *out = NULL;
        return E_NOINTERFACE;
    }
    *out = iface;
    iface->lpVtbl->AddRef(iface);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE msink_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&CONTAINING_RECORD(iface, wt_mail_sink, IMAPIAdviseSink_iface)->ref);
}

static ULONG STDMETHODCALLTYPE msink_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&CONTAINING_RECORD(iface, wt_mail_sink, IMAPIAdviseSink_iface)->ref);
}

static ULONG STDMETHODCALLTYPE msink_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notifs)
{
    wt_mail_sink *s = CONTAINING_RECORD(iface, wt_mail_sink, IMAPIAdviseSink_iface);
    ULONG i;
    LONG k;

    for (i = 0; i < n; i++)
    {
        if (notifs[i].ulEventType != fnevNewMail) continue;
        k = InterlockedIncrement(&s->newmail) - 1;
        if (k < WT_MAIL_MAX && notifs[i].info.newmail.cbEntryID <= sizeof(s->eid[0]))
        {
            s->cb[k] = notifs[i].info.newmail.cbEntryID;
            memcpy(s->eid[k], notifs[i].info.newmail.lpEntryID, s->cb[k]);
        }
        SetEvent(s->event);
    }
    return 0;
}

static IMAPIAdviseSinkVtbl msink_vtbl = { msink_QueryInterface, msink_AddRef, msink_Release, msink_OnNotify };

void wt_mail_sink_init(wt_mail_sink *s)
{
    memset(s, 0, sizeof(*s));
    s->IMAPIAdviseSink_iface.lpVtbl = &msink_vtbl;
    s->ref = 1;
    s->event = CreateEventW(NULL, FALSE, FALSE, NULL);
}

void wt_mail_sink_free(wt_mail_sink *s)
{
    if (s->event) CloseHandle(s->event);
    s->event = NULL;
}

BOOL wt_mail_sink_wait(wt_mail_sink *s, LONG count, DWORD ms)
{
    DWORD start = GetTickCount();
    MSG msg;

    while (s->newmail < count && GetTickCount() - start < ms)
    {
        MsgWaitForMultipleObjects(1, &s->event, FALSE, 50, QS_ALLINPUT);
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
    }
    return s->newmail >= count;
}

void wt_mail_sink_subject(wt_mail_sink *s, ULONG i, IMsgStore *mdb, WCHAR *out, ULONG size)
{
    IMessage *m = NULL;
    SPropValue *v = NULL;
    ULONG type = 0;

    if (size) out[0] = 0;
    if (i >= WT_MAIL_MAX || !s->cb[i] ||
        mdb->lpVtbl->OpenEntry(mdb, s->cb[i], (ENTRYID *)s->eid[i], NULL, 0, &type, (IUnknown **)&m) != S_OK)
        return;
    if (HrGetOneProp((IMAPIProp *)m, PR_SUBJECT_W, &v) == S_OK) lstrcpynW(out, v->Value.lpszW, (int)size);
    MAPIFreeBuffer(v);
    m->lpVtbl->Release(m);
}
