/*
 * test_table_xproc.c - tables follow changes made by another process on the same store
 * (issue 4 point 4; tablenotification.md). This process keeps a contents table and a hierarchy
 * table of the Inbox open with Advise(fnevTableModified); a second process (a copy of this
 * program logged on to the same profile) adds, renames, deletes and moves messages and creates
 * a folder, one step at a time. After each step a model of each table built only from the
 * notifications (TABLE_ROW_ADDED / MODIFIED after the row named by propPrior, DELETED by
 * propIndex) must equal what QueryRows returns, and a table opened right after the step must
 * already show it. A sink advised on the whole store (IMsgStore::Advise with no entry ID) gets
 * the fnevObject* notification of each change, with the object's type and folders
 * (objectnotification.md), for the other process's changes and for this session's own.
 */
#include <stdlib.h>
#include <wchar.h>
#include "wtest.h"
#include "wtmapi.h"

#define GO_EVENT   "Local\\tandem-wt-table-xproc-go"
#define DONE_EVENT "Local\\tandem-wt-table-xproc-done"
#define STEPS 3

/* ---- the second process ------------------------------------------------------------------- */

static HRESULT save_new(IMAPIFolder *folder, const WCHAR *subject)
{
    IMessage *msg = NULL;
    SPropValue v[2];
    HRESULT hr = folder->lpVtbl->CreateMessage(folder, NULL, 0, &msg);
    if (FAILED(hr)) return hr;
    v[0].ulPropTag = PR_SUBJECT_W;
    v[0].Value.lpszW = (WCHAR *)subject;
    v[1].ulPropTag = PR_MESSAGE_CLASS_W;
    v[1].Value.lpszW = (WCHAR *)L"IPM.Note";
    if (SUCCEEDED(hr = msg->lpVtbl->SetProps(msg, 2, v, NULL))) hr = msg->lpVtbl->SaveChanges(msg, 0);
    msg->lpVtbl->Release(msg);
    return hr;
}

/* The entry ID of the message with `subject` in `folder` (one MAPIAllocateBuffer block). */
static SBinary *find_message(IMAPIFolder *folder, const WCHAR *subject)
{
    static const SizedSPropTagArray(2, cols) = {2, {PR_ENTRYID, PR_SUBJECT_W}};
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SBinary *out = NULL;
    ULONG i;

    if (FAILED(folder->lpVtbl->GetContentsTable(folder, MAPI_UNICODE, &t))) return NULL;
    if (SUCCEEDED(t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0)) &&
        SUCCEEDED(t->lpVtbl->QueryRows(t, 1000, 0, &rows)))
    {
        for (i = 0; i < rows->cRows && !out; i++)
            if (rows->aRow[i].lpProps[1].ulPropTag == PR_SUBJECT_W && !wcscmp(rows->aRow[i].lpProps[1].Value.lpszW, subject) &&
                SUCCEEDED(MAPIAllocateBuffer(sizeof(*out) + rows->aRow[i].lpProps[0].Value.bin.cb, (void **)&out)))
            {
                out->cb = rows->aRow[i].lpProps[0].Value.bin.cb;
                out->lpb = (BYTE *)(out + 1);
                memcpy(out->lpb, rows->aRow[i].lpProps[0].Value.bin.lpb, out->cb);
            }
        for (i = 0; i < rows->cRows; i++) MAPIFreeBuffer(rows->aRow[i].lpProps);
        MAPIFreeBuffer(rows);
    }
    t->lpVtbl->Release(t);
    return out;
}

static HRESULT rename_message(IMsgStore *mdb, IMAPIFolder *folder, const WCHAR *from, const WCHAR *to)
{
    SBinary *eid = find_message(folder, from);
    IMessage *msg = NULL;
    ULONG type;
    SPropValue v;
    HRESULT hr;

    if (!eid) return MAPI_E_NOT_FOUND;
    hr = mdb->lpVtbl->OpenEntry(mdb, eid->cb, (ENTRYID *)eid->lpb, NULL, MAPI_MODIFY, &type, (IUnknown **)&msg);
    MAPIFreeBuffer(eid);
    if (FAILED(hr)) return hr;
    v.ulPropTag = PR_SUBJECT_W;
    v.Value.lpszW = (WCHAR *)to;
    if (SUCCEEDED(hr = msg->lpVtbl->SetProps(msg, 1, &v, NULL))) hr = msg->lpVtbl->SaveChanges(msg, 0);
    msg->lpVtbl->Release(msg);
    return hr;
}

/* Delete the message, or move it to `dest` when given. */
static HRESULT delete_or_move(IMAPIFolder *folder, const WCHAR *subject, IMAPIFolder *dest)
{
    SBinary *eid = find_message(folder, subject);
    ENTRYLIST list;
    HRESULT hr;

    if (!eid) return MAPI_E_NOT_FOUND;
    list.cValues = 1;
    list.lpbin = eid;
    if (dest) hr = folder->lpVtbl->CopyMessages(folder, &list, NULL, dest, 0, NULL, MESSAGE_MOVE);
    else hr = folder->lpVtbl->DeleteMessages(folder, &list, 0, NULL, 0);
    MAPIFreeBuffer(eid);
    return hr;
}

static IMAPIFolder *open_inbox(IMsgStore *mdb)
{
    ENTRYID *eid = NULL;
    ULONG cb = 0, type;
    IMAPIFolder *f = NULL;

    if (FAILED(mdb->lpVtbl->GetReceiveFolder(mdb, (LPTSTR)"IPM.Note", 0, &cb, &eid, NULL))) return NULL;
    if (FAILED(mdb->lpVtbl->OpenEntry(mdb, cb, eid, NULL, MAPI_MODIFY, &type, (IUnknown **)&f))) f = NULL;
    MAPIFreeBuffer(eid);
    return f;
}

static IMAPIFolder *subfolder(IMAPIFolder *parent, const WCHAR *name)
{
    IMAPIFolder *f = NULL;
    if (FAILED(parent->lpVtbl->CreateFolder(parent, FOLDER_GENERIC, (LPTSTR)name, NULL, NULL,
                                            MAPI_UNICODE | OPEN_IF_EXISTS, &f)))
        return NULL;
    return f;
}

/* The steps; exit code 0 when each step's changes were saved, 100 + step otherwise. */
static int child(const char *profile)
{
    HANDLE go = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, GO_EVENT);
    HANDLE done = OpenEventA(EVENT_MODIFY_STATE, FALSE, DONE_EVENT);
    IMAPISession *session = NULL;
    IMsgStore *mdb = NULL;
    IMAPIFolder *inbox = NULL, *elsewhere = NULL, *fresh = NULL;
    wt_profile p;
    int code = 0, step;

    if (!go || !done || FAILED(MAPIInitialize(NULL))) return 99;
    memset(&p, 0, sizeof(p));
    snprintf(p.name, sizeof(p.name), "%s", profile);
    if (!wt_store_open(&p, &session, &mdb) || !(inbox = open_inbox(mdb)) || !(elsewhere = subfolder(inbox, L"Elsewhere")))
        code = 98;
    for (step = 1; step <= STEPS && !code; step++)
    {
        HRESULT hr = S_OK;
        if (WaitForSingleObject(go, 60000) != WAIT_OBJECT_0) { code = 97; break; }
        ResetEvent(go);
        switch (step)
        {
        case 1:
            if (SUCCEEDED(hr = save_new(inbox, L"b")) && SUCCEEDED(hr = save_new(inbox, L"d")))
                hr = save_new(inbox, L"f");
            break;
        case 2:
            if (SUCCEEDED(hr = rename_message(mdb, inbox, L"d", L"a")) && SUCCEEDED(hr = delete_or_move(inbox, L"b", NULL)))
                hr = save_new(inbox, L"e");
            break;
        case 3:
            if (SUCCEEDED(hr = delete_or_move(inbox, L"f", elsewhere)))
                hr = (fresh = subfolder(inbox, L"Fresh")) ? S_OK : MAPI_E_CALL_FAILED;
            break;
        }
        if (FAILED(hr)) code = 100 + step;
        SetEvent(done);
    }
    if (fresh) fresh->lpVtbl->Release(fresh);
    if (elsewhere) elsewhere->lpVtbl->Release(elsewhere);
    if (inbox) inbox->lpVtbl->Release(inbox);
    wt_store_close(&session, &mdb);
    MAPIUninitialize();
    CloseHandle(go);
    CloseHandle(done);
    return code;
}

/* ---- a table model kept by notifications only --------------------------------------------- */

#define MAX_ROWS 64
typedef struct model_row { BYTE key[16]; ULONG cb; WCHAR name[32]; } model_row;

typedef struct model
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    CRITICAL_SECTION cs;
    ULONG name_tag;
    model_row rows[MAX_ROWS];
    ULONG n;
    LONG events;            /* notifications received */
    BOOL broken;            /* a notification named a row the model does not have */
    BOOL reload;            /* TABLE_RELOAD: the model must be read again */
    BOOL elsewhere;         /* a notification came on another thread than MAPIInitialize's */
} model;

static DWORD main_thread;   /* called MAPIInitialize (without MAPI_MULTITHREAD_NOTIFICATIONS) */

static LONG find_key(const model *m, const SPropValue *key)
{
    ULONG i;
    if (PROP_TYPE(key->ulPropTag) != PT_BINARY) return -1;
    for (i = 0; i < m->n; i++)
        if (m->rows[i].cb == key->Value.bin.cb && !memcmp(m->rows[i].key, key->Value.bin.lpb, m->rows[i].cb)) return (LONG)i;
    return -1;
}

static void remove_at(model *m, ULONG i)
{
    memmove(&m->rows[i], &m->rows[i + 1], (m->n - i - 1) * sizeof(m->rows[0]));
    m->n--;
}

static void set_row(model_row *r, const SPropValue *key, const SRow *row, ULONG name_tag)
{
    ULONG i;
    memset(r, 0, sizeof(*r));
    r->cb = min(key->Value.bin.cb, (ULONG)sizeof(r->key));
    memcpy(r->key, key->Value.bin.lpb, r->cb);
    for (i = 0; row && i < row->cValues; i++)
        if (row->lpProps[i].ulPropTag == name_tag)
            lstrcpynW(r->name, row->lpProps[i].Value.lpszW, ARRAYSIZE(r->name));
}

/* tablenotification.md: propPrior is PR_NULL (or absent) for "at the top". */
static void insert_after(model *m, const TABLE_NOTIFICATION *tn)
{
    LONG prior = -1;
    ULONG at;

    if (tn->propPrior.ulPropTag != PR_NULL && PROP_TYPE(tn->propPrior.ulPropTag) == PT_BINARY && tn->propPrior.Value.bin.cb)
    {
        if ((prior = find_key(m, &tn->propPrior)) < 0) { m->broken = TRUE; return; }
    }
    if (m->n == MAX_ROWS) { m->broken = TRUE; return; }
    at = (ULONG)(prior + 1);
    memmove(&m->rows[at + 1], &m->rows[at], (m->n - at) * sizeof(m->rows[0]));
    set_row(&m->rows[at], &tn->propIndex, &tn->row, m->name_tag);
    m->n++;
}

static HRESULT STDMETHODCALLTYPE model_QueryInterface(IMAPIAdviseSink *iface, REFIID iid, void **out)
{
    *out = iface;
    iface->lpVtbl->AddRef(iface);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE model_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&((model *)iface)->ref);
}

static ULONG STDMETHODCALLTYPE model_Release(IMAPIAdviseSink *iface)
{
    return InterlockedDecrement(&((model *)iface)->ref);
}

static ULONG STDMETHODCALLTYPE model_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notifs)
{
    model *m = (model *)iface;
    ULONG i;
    LONG at;

    EnterCriticalSection(&m->cs);
    if (GetCurrentThreadId() != main_thread) m->elsewhere = TRUE;
    for (i = 0; i < n; i++)
    {
        const TABLE_NOTIFICATION *tn = &notifs[i].info.tab;
        if (notifs[i].ulEventType != fnevTableModified) continue;
        switch (tn->ulTableEvent)
        {
        case TABLE_ROW_ADDED:
            if (find_key(m, &tn->propIndex) >= 0) m->broken = TRUE;
            else insert_after(m, tn);
            break;
        case TABLE_ROW_MODIFIED:
            if ((at = find_key(m, &tn->propIndex)) < 0) { m->broken = TRUE; break; }
            remove_at(m, (ULONG)at);
            insert_after(m, tn);
            break;
        case TABLE_ROW_DELETED:
            if ((at = find_key(m, &tn->propIndex)) < 0) { m->broken = TRUE; break; }
            remove_at(m, (ULONG)at);
            break;
        case TABLE_RELOAD:
            m->reload = TRUE;
            break;
        }
        InterlockedIncrement(&m->events);
    }
    LeaveCriticalSection(&m->cs);
    return 0;
}

static IMAPIAdviseSinkVtbl model_vtbl = {model_QueryInterface, model_AddRef, model_Release, model_OnNotify};

/* The table's rows as QueryRows gives them from the top (column 0: instance key). */
static ULONG read_rows(IMAPITable *t, model_row *out, ULONG name_tag)
{
    SRowSet *rows = NULL;
    ULONG i, n = 0;

    if (FAILED(t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, 0, NULL)) || FAILED(t->lpVtbl->QueryRows(t, MAX_ROWS, 0, &rows)))
        return ~0u;
    for (i = 0; i < rows->cRows && n < MAX_ROWS; i++)
        set_row(&out[n++], &rows->aRow[i].lpProps[0], &rows->aRow[i], name_tag);
    for (i = 0; i < rows->cRows; i++) MAPIFreeBuffer(rows->aRow[i].lpProps);
    MAPIFreeBuffer(rows);
    return n;
}

static void model_init(model *m, IMAPITable *t, ULONG name_tag)
{
    memset(m, 0, sizeof(*m));
    m->IMAPIAdviseSink_iface.lpVtbl = &model_vtbl;
    m->ref = 1;
    m->name_tag = name_tag;
    InitializeCriticalSection(&m->cs);
    m->n = read_rows(t, m->rows, name_tag);
    if (m->n == ~0u) m->n = 0;
}

/* Does the model (from notifications) match the table? Waits up to `ms` for it to. `names`:
 * the expected display column, top to bottom, joined by '|' (NULL: don't check the names). */
static BOOL model_matches(model *m, IMAPITable *t, const WCHAR *names, DWORD ms)
{
    DWORD start = GetTickCount();
    model_row now[MAX_ROWS];
    WCHAR joined[MAX_ROWS * 33];
    BOOL same = FALSE;
    ULONG n, i;

    do
    {
        n = read_rows(t, now, m->name_tag);
        EnterCriticalSection(&m->cs);
        if (m->reload) { memcpy(m->rows, now, sizeof(now)); m->n = n; m->reload = FALSE; }
        same = !m->broken && n == m->n;
        for (i = 0; same && i < n; i++)
            same = now[i].cb == m->rows[i].cb && !memcmp(now[i].key, m->rows[i].key, now[i].cb) && !wcscmp(now[i].name, m->rows[i].name);
        joined[0] = 0;
        for (i = 0; i < m->n; i++)
        {
            if (i) wcscat(joined, L"|");
            wcscat(joined, m->rows[i].name);
        }
        if (names && wcscmp(joined, names)) same = FALSE;
        LeaveCriticalSection(&m->cs);
        if (!same) wt_pump(50);
    } while (!same && GetTickCount() - start < ms);
    if (!same) trace("model (%s): %ls; table holds %lu rows\n", m->broken ? "broken" : "intact", joined, n);
    return same;
}

/* ---- object notifications (objectnotification.md) ------------------------------------------ */

#define MAX_EVENTS 64
typedef struct obj_event { ULONG event, type; BYTE eid[128], parent[128], old_parent[128]; ULONG cb, cb_parent, cb_old_parent; } obj_event;

typedef struct obj_sink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    CRITICAL_SECTION cs;
    obj_event ev[MAX_EVENTS];
    LONG n;
} obj_sink;

static ULONG STDMETHODCALLTYPE obj_OnNotify(IMAPIAdviseSink *iface, ULONG n, LPNOTIFICATION notifs)
{
    obj_sink *o = (obj_sink *)iface;
    ULONG i;

    EnterCriticalSection(&o->cs);
    for (i = 0; i < n && o->n < MAX_EVENTS; i++)
    {
        const OBJECT_NOTIFICATION *on = &notifs[i].info.obj;
        obj_event *e = &o->ev[o->n];
        memset(e, 0, sizeof(*e));
        e->event = notifs[i].ulEventType;
        if (e->event & (fnevObjectCreated | fnevObjectModified | fnevObjectDeleted | fnevObjectMoved | fnevObjectCopied))
        {
            e->type = on->ulObjType;
            e->cb = min(on->cbEntryID, (ULONG)sizeof(e->eid));
            if (on->lpEntryID) memcpy(e->eid, on->lpEntryID, e->cb);
            e->cb_parent = min(on->cbParentID, (ULONG)sizeof(e->parent));
            if (on->lpParentID) memcpy(e->parent, on->lpParentID, e->cb_parent);
            e->cb_old_parent = min(on->cbOldParentID, (ULONG)sizeof(e->old_parent));
            if (on->lpOldParentID) memcpy(e->old_parent, on->lpOldParentID, e->cb_old_parent);
        }
        o->n++;
    }
    LeaveCriticalSection(&o->cs);
    return 0;
}

static IMAPIAdviseSinkVtbl obj_vtbl = {model_QueryInterface, model_AddRef, model_Release, obj_OnNotify};

/* Wait up to `ms` for an `event` about an object of `type` whose parent is `parent` (any, when
 * NULL) and, when given, whose old parent is `old_parent`; TRUE when one came. */
static BOOL obj_seen(obj_sink *o, IMAPISession *session, ULONG event, ULONG type, const SBinary *parent,
                     const SBinary *old_parent, DWORD ms)
{
    DWORD start = GetTickCount();
    LONG i;
    ULONG same;

    do
    {
        EnterCriticalSection(&o->cs);
        for (i = 0; i < o->n; i++)
        {
            obj_event *e = &o->ev[i];
            if (e->event != event || e->type != type) continue;
            if (parent && (FAILED(session->lpVtbl->CompareEntryIDs(session, e->cb_parent, (ENTRYID *)e->parent, parent->cb,
                                                                  (ENTRYID *)parent->lpb, 0, &same)) || !same))
                continue;
            if (old_parent && (FAILED(session->lpVtbl->CompareEntryIDs(session, e->cb_old_parent, (ENTRYID *)e->old_parent,
                                                                      old_parent->cb, (ENTRYID *)old_parent->lpb, 0, &same)) || !same))
                continue;
            if (!e->cb) continue;
            e->event = 0;       /* counted once */
            LeaveCriticalSection(&o->cs);
            return TRUE;
        }
        LeaveCriticalSection(&o->cs);
        wt_pump(50);
    } while (GetTickCount() - start < ms);
    return FALSE;
}

static SBinary *folder_eid(IMAPIFolder *f)
{
    SPropValue *v = NULL;
    SBinary *out = NULL;
    if (SUCCEEDED(HrGetOneProp((IMAPIProp *)f, PR_ENTRYID, &v)) &&
        SUCCEEDED(MAPIAllocateBuffer(sizeof(*out) + v->Value.bin.cb, (void **)&out)))
    {
        out->cb = v->Value.bin.cb;
        out->lpb = (BYTE *)(out + 1);
        memcpy(out->lpb, v->Value.bin.lpb, out->cb);
    }
    MAPIFreeBuffer(v);
    return out;
}

/* ---- this process -------------------------------------------------------------------------- */

static const SizedSPropTagArray(3, contents_cols) = {3, {PR_INSTANCE_KEY, PR_SUBJECT_W, PR_ENTRYID}};
static const SizedSPropTagArray(3, hierarchy_cols) = {3, {PR_INSTANCE_KEY, PR_DISPLAY_NAME_W, PR_ENTRYID}};
static const SizedSSortOrderSet(1, by_subject) = {1, 0, 0, {{PR_SUBJECT_W, TABLE_SORT_ASCEND}}};
static const SizedSSortOrderSet(1, by_name) = {1, 0, 0, {{PR_DISPLAY_NAME_W, TABLE_SORT_ASCEND}}};

static IMAPITable *open_table(IMAPIFolder *f, BOOL hierarchy)
{
    IMAPITable *t = NULL;
    HRESULT hr = hierarchy ? f->lpVtbl->GetHierarchyTable(f, MAPI_UNICODE, &t) : f->lpVtbl->GetContentsTable(f, MAPI_UNICODE, &t);
    if (!ok(hr == S_OK, "Get%sTable returned %#lx\n", hierarchy ? "Hierarchy" : "Contents", hr)) return NULL;
    hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)(hierarchy ? (const void *)&hierarchy_cols : (const void *)&contents_cols), 0);
    ok(hr == S_OK, "SetColumns returned %#lx\n", hr);
    hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)(hierarchy ? (const void *)&by_name : (const void *)&by_subject), 0);
    ok(hr == S_OK, "SortTable returned %#lx\n", hr);
    return t;
}

/* A table opened now shows `names` at once (the other process's commit is applied at open). */
static void fresh_table_shows(IMAPIFolder *f, BOOL hierarchy, const WCHAR *names)
{
    IMAPITable *t = open_table(f, hierarchy);
    model_row rows[MAX_ROWS];
    WCHAR joined[MAX_ROWS * 33] = L"";
    ULONG n, i;

    if (!t) return;
    n = read_rows(t, rows, hierarchy ? PR_DISPLAY_NAME_W : PR_SUBJECT_W);
    for (i = 0; n != ~0u && i < n; i++)
    {
        if (i) wcscat(joined, L"|");
        wcscat(joined, rows[i].name);
    }
    ok(!wcscmp(joined, names), "a %s table opened after the step shows \"%ls\", expected \"%ls\"\n",
       hierarchy ? "hierarchy" : "contents", joined, names);
    t->lpVtbl->Release(t);
}

void wt_run(void)
{
    static const WCHAR *contents_after[STEPS] = {L"b|d|f", L"a|e|f", L"a|e"};
    static const WCHAR *folders_after[STEPS] = {L"Elsewhere", L"Elsewhere", L"Elsewhere|Fresh"};
    IProfAdmin *admin = NULL;
    IMAPISession *session = NULL;
    IMsgStore *mdb = NULL;
    IMAPIFolder *inbox = NULL, *elsewhere = NULL;
    IMAPITable *contents = NULL, *hierarchy = NULL;
    model cm, hm;
    obj_sink os;
    SBinary *inbox_id = NULL, *elsewhere_id = NULL;
    ULONG cconn = 0, hconn = 0, oconn = 0;
    HANDLE go = NULL, done = NULL, proc = NULL;
    wt_profile p;
    char args[100];
    int step;
    DWORD code = 999;
    HRESULT hr;

    if (__argc >= 3 && !strcmp(__argv[1], "child")) exit(child(__argv[2]));
    memset(&cm, 0, sizeof(cm));
    memset(&hm, 0, sizeof(hm));
    memset(&os, 0, sizeof(os));
    os.IMAPIAdviseSink_iface.lpVtbl = &obj_vtbl;
    os.ref = 1;
    InitializeCriticalSection(&os.cs);
    main_thread = GetCurrentThreadId();
    hr = MAPIInitialize(NULL);
    if (!ok(hr == S_OK, "MAPIInitialize returned %#lx\n", hr)) return;
    hr = MAPIAdminProfiles(0, &admin);
    if (!ok(hr == S_OK, "MAPIAdminProfiles returned %#lx\n", hr)) goto end;
    if (!wt_profile_create(admin, &p, "wt_table_xproc") || !wt_store_open(&p, &session, &mdb)) goto end;
    if (!ok((inbox = open_inbox(mdb)) != NULL, "the Inbox cannot be opened\n") ||
        !ok((elsewhere = subfolder(inbox, L"Elsewhere")) != NULL, "CreateFolder failed\n"))
        goto end;

    wt_context("tables advised before the other process starts");
    if (!(contents = open_table(inbox, FALSE)) || !(hierarchy = open_table(inbox, TRUE))) goto end;
    model_init(&cm, contents, PR_SUBJECT_W);
    model_init(&hm, hierarchy, PR_DISPLAY_NAME_W);
    hr = contents->lpVtbl->Advise(contents, fnevTableModified, &cm.IMAPIAdviseSink_iface, &cconn);
    ok(hr == S_OK && cconn, "Advise on the contents table returned %#lx\n", hr);
    hr = hierarchy->lpVtbl->Advise(hierarchy, fnevTableModified, &hm.IMAPIAdviseSink_iface, &hconn);
    ok(hr == S_OK && hconn, "Advise on the hierarchy table returned %#lx\n", hr);
    ok(cm.n == 0 && hm.n == 1, "the Inbox starts with %lu messages and %lu subfolders\n", cm.n, hm.n);
    inbox_id = folder_eid(inbox);
    elsewhere_id = folder_eid(elsewhere);
    if (!ok(inbox_id && elsewhere_id, "PR_ENTRYID of the folders cannot be read\n")) goto end;
    /* imsgstore-advise.md: a NULL entry ID advises on the whole store */
    hr = mdb->lpVtbl->Advise(mdb, 0, NULL, fnevObjectCreated | fnevObjectModified | fnevObjectDeleted |
                             fnevObjectMoved | fnevObjectCopied, &os.IMAPIAdviseSink_iface, &oconn);
    ok(hr == S_OK && oconn, "IMsgStore::Advise returned %#lx\n", hr);

    go = CreateEventA(NULL, TRUE, FALSE, GO_EVENT);
    done = CreateEventA(NULL, FALSE, FALSE, DONE_EVENT);
    if (!ok(go && done, "CreateEvent failed: %lu\n", GetLastError())) goto end;
    {
        char exe[MAX_PATH], cmd[MAX_PATH + 200];
        STARTUPINFOA si;
        PROCESS_INFORMATION pi;
        GetModuleFileNameA(NULL, exe, MAX_PATH);
        snprintf(args, sizeof(args), "child %s", p.name);
        snprintf(cmd, sizeof(cmd), "\"%s\" %s", exe, args);
        memset(&si, 0, sizeof(si));
        si.cb = sizeof(si);
        if (!ok(CreateProcessA(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi), "CreateProcess failed: %lu\n", GetLastError()))
            goto end;
        CloseHandle(pi.hThread);
        proc = pi.hProcess;
    }

    for (step = 1; step <= STEPS; step++)
    {
        char ctx[64];
        LONG before = cm.events;
        snprintf(ctx, sizeof(ctx), "step %d in the other process", step);
        wt_context(ctx);
        SetEvent(go);
        if (!ok(WaitForSingleObject(done, 60000) == WAIT_OBJECT_0, "the other process did not finish step %d\n", step)) break;
        ok(model_matches(&cm, contents, contents_after[step - 1], 10000),
           "the contents table's notifications do not lead to its rows (\"%ls\" expected)\n", contents_after[step - 1]);
        ok(cm.events > before, "no table notification arrived for step %d\n", step);
        ok(model_matches(&hm, hierarchy, folders_after[step - 1], 10000),
           "the hierarchy table's notifications do not lead to its rows (\"%ls\" expected)\n", folders_after[step - 1]);
        fresh_table_shows(inbox, FALSE, contents_after[step - 1]);
        fresh_table_shows(inbox, TRUE, folders_after[step - 1]);
        switch (step)
        {
        case 1:
            /* handling-message-store-notification.md: the folder's counts changed */
            ok(obj_seen(&os, session, fnevObjectModified, MAPI_FOLDER, NULL, NULL, 10000),
               "fnevObjectModified for the Inbox (PR_CONTENT_COUNT) did not arrive\n");
            ok(obj_seen(&os, session, fnevObjectCreated, MAPI_MESSAGE, inbox_id, NULL, 10000) &&
               obj_seen(&os, session, fnevObjectCreated, MAPI_MESSAGE, inbox_id, NULL, 10000) &&
               obj_seen(&os, session, fnevObjectCreated, MAPI_MESSAGE, inbox_id, NULL, 10000),
               "three fnevObjectCreated for messages in the Inbox did not arrive\n");
            break;
        case 2:
            ok(obj_seen(&os, session, fnevObjectModified, MAPI_MESSAGE, inbox_id, NULL, 10000),
               "fnevObjectModified for the renamed message did not arrive\n");
            ok(obj_seen(&os, session, fnevObjectDeleted, MAPI_MESSAGE, inbox_id, NULL, 10000),
               "fnevObjectDeleted for the deleted message did not arrive\n");
            ok(obj_seen(&os, session, fnevObjectCreated, MAPI_MESSAGE, inbox_id, NULL, 10000),
               "fnevObjectCreated for the new message did not arrive\n");
            break;
        case 3:
            ok(obj_seen(&os, session, fnevObjectMoved, MAPI_MESSAGE, elsewhere_id, inbox_id, 10000),
               "fnevObjectMoved (Inbox -> Elsewhere) did not arrive\n");
            ok(obj_seen(&os, session, fnevObjectCreated, MAPI_FOLDER, inbox_id, NULL, 10000),
               "fnevObjectCreated for the new folder did not arrive\n");
            break;
        }
    }
    wt_context("the moved message");
    fresh_table_shows(elsewhere, FALSE, L"f");
    ok(WaitForSingleObject(proc, 60000) == WAIT_OBJECT_0, "the other process did not end\n");
    GetExitCodeProcess(proc, &code);
    ok(code == 0, "the other process ended with %lu\n", code);

    wt_context("this session's own changes");
    {
        LONG before = os.n;
        ok(save_new(elsewhere, L"z") == S_OK, "saving a message in this process failed\n");
        ok(obj_seen(&os, session, fnevObjectCreated, MAPI_MESSAGE, elsewhere_id, NULL, 10000),
           "fnevObjectCreated for this session's message did not arrive\n");
        {
            /* imsgstore-advise.md: advised on one message, a sink hears about that message */
            obj_sink one;
            SBinary *z = find_message(elsewhere, L"z");
            ULONG conn = 0;
            memset(&one, 0, sizeof(one));
            one.IMAPIAdviseSink_iface.lpVtbl = &obj_vtbl;
            one.ref = 1;
            InitializeCriticalSection(&one.cs);
            ok(z != NULL, "the new message is not in the contents table\n");
            if (z)
            {
                hr = mdb->lpVtbl->Advise(mdb, z->cb, (ENTRYID *)z->lpb, fnevObjectModified | fnevObjectMoved, &one.IMAPIAdviseSink_iface, &conn);
                ok(hr == S_OK && conn, "IMsgStore::Advise on a message returned %#lx\n", hr);
                ok(rename_message(mdb, elsewhere, L"z", L"z") == S_OK, "saving the message again failed\n");
                ok(obj_seen(&one, session, fnevObjectModified, MAPI_MESSAGE, elsewhere_id, NULL, 10000),
                   "the sink advised on the message got no fnevObjectModified\n");
                if (conn) mdb->lpVtbl->Unadvise(mdb, conn);
                MAPIFreeBuffer(z);
                wt_pump(100);      /* notifications posted before Unadvise release the sink */
            }
            ok(one.ref == 1, "the message's sink is still held (%ld)\n", one.ref);
            DeleteCriticalSection(&one.cs);
        }
        ok(delete_or_move(elsewhere, L"z", inbox) == S_OK, "moving it failed\n");
        ok(obj_seen(&os, session, fnevObjectMoved, MAPI_MESSAGE, inbox_id, elsewhere_id, 10000),
           "fnevObjectMoved (Elsewhere -> Inbox) for this session's move did not arrive\n");
        ok(model_matches(&cm, contents, L"a|e|z", 10000), "the contents table did not follow this session's move\n");
        ok(os.n >= before + 2, "%ld object notifications for two changes\n", os.n - before);
    }

    /* mapiinit_0.md: without MAPI_MULTITHREAD_NOTIFICATIONS on the MAPIInitialize thread */
    ok(!cm.elsewhere && !hm.elsewhere, "a table notification was delivered on another thread\n");

    wt_context("Unadvise");
    hr = mdb->lpVtbl->Unadvise(mdb, oconn);
    ok(hr == S_OK, "IMsgStore::Unadvise returned %#lx\n", hr);
    oconn = 0;
    hr = contents->lpVtbl->Unadvise(contents, cconn);
    ok(hr == S_OK, "Unadvise returned %#lx\n", hr);
    hr = hierarchy->lpVtbl->Unadvise(hierarchy, hconn);
    ok(hr == S_OK, "Unadvise returned %#lx\n", hr);
    cconn = hconn = 0;

end:
    if (proc)
    {
        if (WaitForSingleObject(proc, 0) != WAIT_OBJECT_0) TerminateProcess(proc, 888);
        CloseHandle(proc);
    }
    if (contents) contents->lpVtbl->Release(contents);
    if (hierarchy) hierarchy->lpVtbl->Release(hierarchy);
    if (elsewhere) elsewhere->lpVtbl->Release(elsewhere);
    if (inbox) inbox->lpVtbl->Release(inbox);
    if (oconn) mdb->lpVtbl->Unadvise(mdb, oconn);
    wt_pump(100);
    MAPIFreeBuffer(inbox_id);
    MAPIFreeBuffer(elsewhere_id);
    ok(cm.ref <= 1 && hm.ref <= 1 && os.ref <= 1, "the sinks are still held (%ld, %ld, %ld)\n", cm.ref, hm.ref, os.ref);
    DeleteCriticalSection(&os.cs);
    if (cm.IMAPIAdviseSink_iface.lpVtbl) DeleteCriticalSection(&cm.cs);
    if (hm.IMAPIAdviseSink_iface.lpVtbl) DeleteCriticalSection(&hm.cs);
    if (go) CloseHandle(go);
    if (done) CloseHandle(done);
    wt_store_close(&session, &mdb);
    if (admin)
    {
        wt_profile_delete(admin, &p);
        wt_check_all_released((IUnknown *)admin);
        admin->lpVtbl->Release(admin);
    }
    MAPIUninitialize();
}
