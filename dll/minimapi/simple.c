/*
 * simple.c - Simple MAPI (mapi.h: mapilogon.md, mapilogoff.md, mapisendmail.md,
 * mapisendmailw.md, mapiresolvename.md, mapifindnext.md, mapireadmail.md, mapisavemail.md,
 * mapideletemail.md, mapifreebuffer.md) on top of minimapi's own Extended MAPI: a Simple MAPI
 * session handle (LHANDLE) wraps an IMAPISession of MAPILogonEx (the named profile, or
 * MAPI_USE_DEFAULT); lhSession 0 logs on for the duration of the call where the page allows it.
 * Messages live in the default store: MAPISendMail creates them in the Outbox and submits them
 * (then flushes the spooler's upload queue, so the message has left when the call returns);
 * with MAPI_DIALOG it saves them in Drafts (the Inbox's PR_IPM_DRAFTS_ENTRYID) and returns
 * MAPI_E_USER_ABORT: there is no dialog, so the user never sent it ("the user canceled one of
 * the dialog boxes; no message was sent"), the same code Wine's Extended MAPI bridge returns
 * against minimapi (session.c: ShowForm answers MAPI_E_USER_CANCEL).
 * FindNext/ReadMail/SaveMail/DeleteMail work on the Inbox (the receive folder).
 *
 * Message IDs are strings (mapifindnext.md: at most 64 characters, 512 with MAPI_LONG_MSGID):
 * the message's entry ID in upper-case hex, where a run of bytes equal to the Inbox's entry ID
 * at the same offsets is written "=NN" (NN: the run's length in hex, 1..FF). Tandem's entry IDs
 * share their header with the folder's, so an ID takes about 24 characters.
 * Results (MapiMessage, MapiRecipDesc) are one MAPIAllocateBuffer block with MAPIAllocateMore
 * children: one MAPIFreeBuffer frees them (Simple and Extended MAPI share that export).
 * Return codes are Simple MAPI's own (mapi.h), never HRESULTs. No user interface: MAPIAddress,
 * MAPIDetails and MAPISendDocuments return MAPI_E_NOT_SUPPORTED; MAPI_LOGON_UI, MAPI_DIALOG on
 * MAPIResolveName and MAPI_PASSWORD_UI change nothing.
 */
#include "minimapi_private.h"
#include <mapi.h>

/* mapisendmailw.md, mapimessagew.md, mapirecipdescw.md, mapifiledescw.md (not in MinGW's mapi.h) */
typedef struct
{
    ULONG ulReserved, ulRecipClass;
    PWSTR lpszName, lpszAddress;
    ULONG ulEIDSize;
    PVOID lpEntryID;
} MapiRecipDescW;
typedef struct
{
    ULONG ulReserved, flFlags, nPosition;
    PWSTR lpszPathName, lpszFileName;
    PVOID lpFileType;
} MapiFileDescW;
typedef struct
{
    ULONG ulReserved;
    PWSTR lpszSubject, lpszNoteText, lpszMessageType, lpszDateReceived, lpszConversationID;
    FLAGS flFlags;
    MapiRecipDescW *lpOriginator;
    ULONG nRecipCount;
    MapiRecipDescW *lpRecips;
    ULONG nFileCount;
    MapiFileDescW *lpFiles;
} MapiMessageW;
#ifndef MAPI_E_UNICODE_NOT_SUPPORTED
#define MAPI_E_UNICODE_NOT_SUPPORTED 27
#endif
#ifndef MAPI_FORCE_UNICODE
#define MAPI_FORCE_UNICODE 0x00040000
#endif

#define SMAPI_ID_SHORT 64       /* buffer of a message ID (mapifindnext.md) */
#define SMAPI_ID_LONG  512      /* with MAPI_LONG_MSGID */

/* ---- session handles -------------------------------------------------------------------- */

typedef struct smapi_session
{
    struct smapi_session *next;
    IMAPISession *session;
} smapi_session;

MM_DEFINE_STATIC_CS(smapi_cs);
static smapi_session *smapi_sessions;

/* What one call works with; store, Inbox and its entry ID are opened on first use. */
typedef struct smapi_ctx
{
    IMAPISession *session;      /* AddRef'd */
    BOOL temporary;             /* lhSession 0: logged off at the end of the call */
    IMsgStore *store;
    IMAPIFolder *inbox;
    ULONG cb_inbox;
    ENTRYID *inbox_id;          /* MAPI block */
} smapi_ctx;

static ULONG code_from_hr(HRESULT hr)
{
    if (SUCCEEDED(hr)) return SUCCESS_SUCCESS;
    if (hr == MAPI_E_NOT_ENOUGH_MEMORY || hr == E_OUTOFMEMORY) return MAPI_E_INSUFFICIENT_MEMORY;
    return MAPI_E_FAILURE;
}

static ULONG logon(const WCHAR *profile, ULONG flags, IMAPISession **out)
{
    HRESULT hr;
    if (FAILED(MAPIInitialize(NULL))) return MAPI_E_FAILURE;
    hr = MAPILogonEx(0, profile && *profile ? (LPTSTR)profile : NULL, NULL,
                     MAPI_UNICODE | MAPI_EXTENDED | MAPI_NEW_SESSION
                     | (profile && *profile ? 0 : MAPI_USE_DEFAULT), out);
    if (FAILED(hr))
    {
        MC_TRACE(MM_CH, "MAPILogonEx %#lx\n", hr);
        MAPIUninitialize();
        return hr == MAPI_E_NOT_ENOUGH_MEMORY ? MAPI_E_INSUFFICIENT_MEMORY : MAPI_E_LOGIN_FAILURE;
    }
    if (flags & MAPI_FORCE_DOWNLOAD) mm_session_flush_iface(*out, FLUSH_DOWNLOAD);
    return SUCCESS_SUCCESS;
}

static void logoff(IMAPISession *session)
{
    session->lpVtbl->Logoff(session, 0, 0, 0);
    session->lpVtbl->Release(session);
    MAPIUninitialize();
}

/* lhSession 0 logs on with the default profile when `implicit_ok`; else MAPI_E_INVALID_SESSION. */
static ULONG ctx_open(smapi_ctx *ctx, LHANDLE lh, BOOL implicit_ok)
{
    smapi_session *s;

    memset(ctx, 0, sizeof(*ctx));
    if (!lh)
    {
        if (!implicit_ok) return MAPI_E_INVALID_SESSION;
        ctx->temporary = TRUE;
        return logon(NULL, 0, &ctx->session);
    }
    EnterCriticalSection(&smapi_cs);
    for (s = smapi_sessions; s && (LHANDLE)s != lh; s = s->next) ;
    if (s)
    {
        ctx->session = s->session;
        ctx->session->lpVtbl->AddRef(ctx->session);
    }
    LeaveCriticalSection(&smapi_cs);
    return s ? SUCCESS_SUCCESS : MAPI_E_INVALID_SESSION;
}

static void ctx_close(smapi_ctx *ctx)
{
    if (ctx->inbox) ctx->inbox->lpVtbl->Release(ctx->inbox);
    if (ctx->store) ctx->store->lpVtbl->Release(ctx->store);
    MAPIFreeBuffer(ctx->inbox_id);
    if (ctx->session)
    {
        if (ctx->temporary) logoff(ctx->session);
        else ctx->session->lpVtbl->Release(ctx->session);
    }
    memset(ctx, 0, sizeof(*ctx));
}

static HRESULT ctx_store(smapi_ctx *ctx)
{
    static const SizedSPropTagArray(2, cols) = { 2, { PR_ENTRYID, PR_DEFAULT_STORE } };
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;

    if (ctx->store) return S_OK;
    if (FAILED(hr = ctx->session->lpVtbl->GetMsgStoresTable(ctx->session, 0, &table))) return hr;
    hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    table->lpVtbl->Release(table);
    if (FAILED(hr)) return hr;
    hr = MAPI_E_NOT_FOUND;
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *v = rows->aRow[i].lpProps;
        if (v[0].ulPropTag != PR_ENTRYID || v[1].ulPropTag != PR_DEFAULT_STORE || !v[1].Value.b)
            continue;
        hr = ctx->session->lpVtbl->OpenMsgStore(ctx->session, 0, v[0].Value.bin.cb,
                                                (ENTRYID *)v[0].Value.bin.lpb, NULL,
                                                MDB_NO_DIALOG | MAPI_BEST_ACCESS, &ctx->store);
        break;
    }
    FreeProws(rows);
    return hr;
}

static HRESULT ctx_inbox(smapi_ctx *ctx)
{
    ULONG type;
    HRESULT hr;

    if (ctx->inbox) return S_OK;
    if (FAILED(hr = ctx_store(ctx))) return hr;
    if (FAILED(hr = ctx->store->lpVtbl->GetReceiveFolder(ctx->store, NULL, 0, &ctx->cb_inbox,
                                                         &ctx->inbox_id, NULL)))
        return hr;
    return ctx->store->lpVtbl->OpenEntry(ctx->store, ctx->cb_inbox, ctx->inbox_id, NULL,
                                         MAPI_BEST_ACCESS, &type, (IUnknown **)&ctx->inbox);
}

/* One binary property of an object as a MAPI block (*out NULL when absent). */
static HRESULT get_bin(IMAPIProp *obj, ULONG tag, SPropValue **out)
{
    SizedSPropTagArray(1, tags) = { 1, { tag } };
    ULONG n;
    HRESULT hr = obj->lpVtbl->GetProps(obj, (SPropTagArray *)&tags, 0, &n, out);
    if (FAILED(hr)) return hr;
    if ((*out)->ulPropTag != tag)
    {
        MAPIFreeBuffer(*out);
        *out = NULL;
        return MAPI_E_NOT_FOUND;
    }
    return S_OK;
}

static HRESULT open_folder(smapi_ctx *ctx, IMAPIProp *holder, ULONG tag, IMAPIFolder **out)
{
    SPropValue *v = NULL;
    ULONG type;
    HRESULT hr;
    if (FAILED(hr = get_bin(holder, tag, &v))) return hr;
    hr = ctx->store->lpVtbl->OpenEntry(ctx->store, v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb,
                                       NULL, MAPI_MODIFY, &type, (IUnknown **)out);
    MAPIFreeBuffer(v);
    return hr;
}

/* ---- message IDs ------------------------------------------------------------------------ */

static BOOL id_encode(const smapi_ctx *ctx, ULONG cb, const BYTE *eid, char *out, ULONG size)
{
    const BYTE *ref = (const BYTE *)ctx->inbox_id;
    ULONG i = 0, len = 0;
    while (i < cb)
    {
        ULONG run = 0;
        while (i + run < cb && i + run < ctx->cb_inbox && run < 0xff && eid[i + run] == ref[i + run])
            run++;
        if (len + 4 > size) return FALSE;
        if (run >= 2)
        {
            len += sprintf(out + len, "=%02lX", run);
            i += run;
        }
        else len += sprintf(out + len, "%02X", eid[i++]);
    }
    out[len] = 0;
    return TRUE;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The entry ID of a message ID as a MAPI block; MAPI_E_INVALID_ENTRYID when malformed. */
static HRESULT id_decode(const smapi_ctx *ctx, const char *id, ULONG *cb, ENTRYID **out)
{
    const BYTE *ref = (const BYTE *)ctx->inbox_id;
    ULONG len = strlen(id), n = 0, i;
    BYTE *eid;
    HRESULT hr;

    if (!len || len >= SMAPI_ID_LONG) return MAPI_E_INVALID_ENTRYID;
    if (FAILED(hr = MAPIAllocateBuffer(len / 2 + ctx->cb_inbox + 1, (void **)&eid))) return hr;
    for (i = 0; i < len;)
    {
        BOOL run = id[i] == '=';
        int hi, lo;
        if (i + run + 2 > len || (hi = hex_digit(id[i + run])) < 0
            || (lo = hex_digit(id[i + run + 1])) < 0)
            goto bad;
        if (run)
        {
            ULONG k = hi * 16 + lo;
            if (!k || n + k > ctx->cb_inbox) goto bad;
            memcpy(eid + n, ref + n, k);
            n += k;
            i += 3;
        }
        else
        {
            eid[n++] = hi * 16 + lo;
            i += 2;
        }
    }
    *cb = n;
    *out = (ENTRYID *)eid;
    return S_OK;
bad:
    MAPIFreeBuffer(eid);
    return MAPI_E_INVALID_ENTRYID;
}

/* The message of a message ID, with MAPI_BEST_ACCESS; MAPI_E_INVALID_MESSAGE for anything that
 * does not name a message of the store. */
static ULONG open_message(smapi_ctx *ctx, const char *id, ULONG access, IMessage **out,
                          ULONG *cb_eid, ENTRYID **eid_out)
{
    ENTRYID *eid = NULL;
    ULONG cb, type = 0;
    IUnknown *unk = NULL;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = ctx_inbox(ctx))) return code_from_hr(hr);
    if (!id || FAILED(id_decode(ctx, id, &cb, &eid))) return MAPI_E_INVALID_MESSAGE;
    hr = ctx->store->lpVtbl->OpenEntry(ctx->store, cb, eid, NULL, access, &type, &unk);
    if (FAILED(hr) || type != MAPI_MESSAGE)
    {
        if (unk) unk->lpVtbl->Release(unk);
        MAPIFreeBuffer(eid);
        return hr == MAPI_E_NOT_ENOUGH_MEMORY ? MAPI_E_INSUFFICIENT_MEMORY : MAPI_E_INVALID_MESSAGE;
    }
    *out = (IMessage *)unk;
    if (eid_out)
    {
        *cb_eid = cb;
        *eid_out = eid;
    }
    else MAPIFreeBuffer(eid);
    return SUCCESS_SUCCESS;
}

/* ---- building a message (MAPISendMail, MAPISaveMail) -------------------------------------- */

/* "TYPE:address" splits into its parts when TYPE is a plain address type ("SMTP:a@b"). */
static void split_address(WCHAR *address, WCHAR **type, WCHAR **addr)
{
    WCHAR *colon = wcschr(address, ':'), *p;
    *type = NULL;
    *addr = address;
    if (!colon || colon == address) return;
    for (p = address; p < colon; p++)
        if (!iswalnum(*p) && *p != '-' && *p != '_') return;
    *colon = 0;
    *type = address;
    *addr = colon + 1;
}

static HRESULT add_string(SPropValue *row, ULONG *n, ULONG tag, const WCHAR *s)
{
    ULONG cb = (lstrlenW(s) + 1) * sizeof(WCHAR);
    SPropValue *v = &row[(*n)++];
    v->ulPropTag = tag;
    if (FAILED(MAPIAllocateMore(cb, row, (void **)&v->Value.lpszW))) return MAPI_E_NOT_ENOUGH_MEMORY;
    memcpy(v->Value.lpszW, s, cb);
    return S_OK;
}

/* The recipients as a resolved ADRLIST (recipients.md: MAPI_ORIG entries are skipped). */
static ULONG resolve_recips(smapi_ctx *ctx, const MapiMessageW *m, ULONG_PTR ui, ADRLIST **out)
{
    IAddrBook *ab = NULL;
    ADRLIST *list = NULL;
    ULONG i, count = 0, code = SUCCESS_SUCCESS;
    HRESULT hr;

    *out = NULL;
    for (i = 0; i < m->nRecipCount; i++) if (m->lpRecips[i].ulRecipClass != MAPI_ORIG) count++;
    if (!count) return SUCCESS_SUCCESS;
    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(count), (void **)&list)))
        return MAPI_E_INSUFFICIENT_MEMORY;
    memset(list, 0, CbNewADRLIST(count));
    for (i = 0; i < m->nRecipCount; i++)
    {
        const MapiRecipDescW *r = &m->lpRecips[i];
        ADRENTRY *e = &list->aEntries[list->cEntries];
        SPropValue *row;
        ULONG n = 0;

        if (r->ulRecipClass == MAPI_ORIG) continue;
        if (FAILED(MAPIAllocateBuffer(5 * sizeof(SPropValue), (void **)&row))) goto nomem;
        memset(row, 0, 5 * sizeof(SPropValue));
        e->rgPropVals = row;
        list->cEntries++;
        row[n].ulPropTag = PR_RECIPIENT_TYPE;
        row[n++].Value.l = r->ulRecipClass;
        if (r->lpszName && *r->lpszName
            && FAILED(add_string(row, &n, PR_DISPLAY_NAME_W, r->lpszName)))
            goto nomem;
        if (r->lpszAddress && *r->lpszAddress)
        {
            WCHAR *copy = mc_wcsdup(r->lpszAddress), *type, *addr;
            if (!copy) goto nomem;
            split_address(copy, &type, &addr);
            hr = add_string(row, &n, PR_EMAIL_ADDRESS_W, addr);
            if (SUCCEEDED(hr) && type) hr = add_string(row, &n, PR_ADDRTYPE_W, type);
            mc_free(copy);
            if (FAILED(hr)) goto nomem;
        }
        if (r->ulEIDSize && r->lpEntryID)
        {
            row[n].ulPropTag = PR_ENTRYID;
            row[n].Value.bin.cb = r->ulEIDSize;
            if (FAILED(MAPIAllocateMore(r->ulEIDSize, row, (void **)&row[n].Value.bin.lpb))) goto nomem;
            memcpy(row[n++].Value.bin.lpb, r->lpEntryID, r->ulEIDSize);
        }
        e->cValues = n;
        if (n == 1)
        {
            code = MAPI_E_UNKNOWN_RECIPIENT;   /* neither a name, an address nor an entry ID */
            goto done;
        }
    }
    if (FAILED(hr = ctx->session->lpVtbl->OpenAddressBook(ctx->session, ui, NULL, AB_NO_DIALOG, &ab)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    hr = ab->lpVtbl->ResolveName(ab, ui, MAPI_UNICODE, NULL, list);
    ab->lpVtbl->Release(ab);
    if (hr == MAPI_E_AMBIGUOUS_RECIP) code = MAPI_E_AMBIGUOUS_RECIPIENT;
    else if (hr == MAPI_E_NOT_FOUND) code = MAPI_E_UNKNOWN_RECIPIENT;
    else code = code_from_hr(hr);
    goto done;
nomem:
    code = MAPI_E_INSUFFICIENT_MEMORY;
done:
    if (code == SUCCESS_SUCCESS) *out = list;
    else FreePadrlist(list);
    return code;
}

/* PR_ATTACH_MIME_TAG from the extension: the registry's "Content Type" of HKCR\.ext (where
 * Windows keeps it), else application/octet-stream. */
static void mime_tag(const WCHAR *ext, WCHAR *out, DWORD chars)
{
    DWORD cb = (chars - 1) * sizeof(WCHAR), type;
    HKEY key;
    wcscpy(out, L"application/octet-stream");
    if (!ext || !*ext || RegOpenKeyExW(HKEY_CLASSES_ROOT, ext, 0, KEY_READ, &key)) return;
    memset(out, 0, chars * sizeof(WCHAR));
    if (RegQueryValueExW(key, L"Content Type", NULL, &type, (BYTE *)out, &cb) || type != REG_SZ
        || !*out)
        wcscpy(out, L"application/octet-stream");
    RegCloseKey(key);
}

static ULONG add_attachment(IMessage *msg, const MapiFileDescW *f)
{
    const WCHAR *name, *ext, *p;
    WCHAR mime[128];
    SPropValue props[7];
    IAttach *att = NULL;
    IStream *stream = NULL;
    ULONG num, code = SUCCESS_SUCCESS, n = 0;
    HANDLE file;
    BYTE buf[16384];
    DWORD got;

    if (!f->lpszPathName || !*f->lpszPathName) return MAPI_E_ATTACHMENT_NOT_FOUND;
    file = CreateFileW(f->lpszPathName, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE)
    {
        DWORD err = GetLastError();
        return err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND
               ? MAPI_E_ATTACHMENT_NOT_FOUND : MAPI_E_ATTACHMENT_OPEN_FAILURE;
    }
    name = f->lpszFileName && *f->lpszFileName ? f->lpszFileName : f->lpszPathName;
    for (p = name; *p; p++) if (*p == '\\' || *p == '/' || *p == ':') name = p + 1;
    ext = wcsrchr(name, '.');
    mime_tag(ext, mime, ARRAYSIZE(mime));
    if (FAILED(msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att)))
    {
        code = MAPI_E_ATTACHMENT_WRITE_FAILURE;
        goto done;
    }
    props[n].ulPropTag = PR_ATTACH_METHOD;            props[n++].Value.l = ATTACH_BY_VALUE;
    props[n].ulPropTag = PR_ATTACH_LONG_FILENAME_W;   props[n++].Value.lpszW = (WCHAR *)name;
    props[n].ulPropTag = PR_ATTACH_FILENAME_W;        props[n++].Value.lpszW = (WCHAR *)name;
    props[n].ulPropTag = PR_DISPLAY_NAME_W;           props[n++].Value.lpszW = (WCHAR *)name;
    props[n].ulPropTag = PR_ATTACH_MIME_TAG_W;        props[n++].Value.lpszW = mime;
    props[n].ulPropTag = PR_RENDERING_POSITION;       props[n++].Value.l = (LONG)f->nPosition;
    if (ext)
    {
        props[n].ulPropTag = PR_ATTACH_EXTENSION_W;
        props[n++].Value.lpszW = (WCHAR *)ext;
    }
    if (FAILED(att->lpVtbl->SetProps(att, n, props, NULL))
        || FAILED(att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, &IID_IStream, 0,
                                            MAPI_CREATE | MAPI_MODIFY, (IUnknown **)&stream)))
    {
        code = MAPI_E_ATTACHMENT_WRITE_FAILURE;
        goto done;
    }
    for (;;)
    {
        ULONG written;
        if (!ReadFile(file, buf, sizeof(buf), &got, NULL))
        {
            code = MAPI_E_ATTACHMENT_OPEN_FAILURE;
            goto done;
        }
        if (!got) break;
        if (FAILED(stream->lpVtbl->Write(stream, buf, got, &written)) || written != got)
        {
            code = MAPI_E_ATTACHMENT_WRITE_FAILURE;
            goto done;
        }
    }
    if (FAILED(stream->lpVtbl->Commit(stream, STGC_DEFAULT))
        || FAILED(att->lpVtbl->SaveChanges(att, 0)))
        code = MAPI_E_ATTACHMENT_WRITE_FAILURE;
done:
    if (stream) stream->lpVtbl->Release(stream);
    if (att) att->lpVtbl->Release(att);
    CloseHandle(file);
    return code;
}

/* A new message in `folder` with the content of `m`; `unknown_code` is what an unresolvable
 * recipient returns. Not saved: the caller saves or submits it. */
static ULONG build_message(smapi_ctx *ctx, IMAPIFolder *folder, const MapiMessageW *m,
                           ULONG msg_flags, ULONG_PTR ui, IMessage **out)
{
    SPropValue props[6], *sent = NULL;
    ADRLIST *recips = NULL;
    IMessage *msg = NULL;
    ULONG code, n = 0, i;
    HRESULT hr;

    *out = NULL;
    if ((code = resolve_recips(ctx, m, ui, &recips))) return code;
    if (FAILED(hr = folder->lpVtbl->CreateMessage(folder, NULL, 0, &msg)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    props[n].ulPropTag = PR_MESSAGE_CLASS_W;
    props[n++].Value.lpszW = m->lpszMessageType && *m->lpszMessageType ? m->lpszMessageType
                                                                      : (WCHAR *)L"IPM.Note";
    props[n].ulPropTag = PR_MESSAGE_FLAGS;
    props[n++].Value.l = msg_flags;
    if (m->lpszSubject)
    {
        props[n].ulPropTag = PR_SUBJECT_W;
        props[n++].Value.lpszW = m->lpszSubject;
    }
    if (m->lpszNoteText)
    {
        props[n].ulPropTag = PR_BODY_W;
        props[n++].Value.lpszW = m->lpszNoteText;
    }
    if (m->flFlags & MAPI_RECEIPT_REQUESTED)
    {
        props[n].ulPropTag = PR_READ_RECEIPT_REQUESTED;
        props[n++].Value.b = TRUE;
    }
    /* a copy in Sent Items once sent (pr_sentmail_entryid: the client sets it) */
    if (SUCCEEDED(get_bin((IMAPIProp *)ctx->store, PR_IPM_SENTMAIL_ENTRYID, &sent)))
    {
        props[n].ulPropTag = PR_SENTMAIL_ENTRYID;
        props[n++].Value.bin = sent->Value.bin;
    }
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, n, props, NULL))
        || (recips && FAILED(hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_ADD, recips))))
    {
        code = code_from_hr(hr);
        goto done;
    }
    for (i = 0; i < m->nFileCount; i++)
        if ((code = add_attachment(msg, &m->lpFiles[i]))) goto done;
done:
    MAPIFreeBuffer(sent);
    FreePadrlist(recips);
    if (code && msg) msg->lpVtbl->Release(msg);     /* never saved: gone */
    else *out = msg;
    return code;
}

/* The structure checks every page shares (a count with a NULL array is malformed). */
static ULONG check_message(const MapiMessageW *m)
{
    ULONG i;
    if (!m) return MAPI_E_FAILURE;
    if (m->nRecipCount && !m->lpRecips) return MAPI_E_INVALID_RECIPS;
    if (m->nFileCount && !m->lpFiles) return MAPI_E_ATTACHMENT_NOT_FOUND;
    for (i = 0; i < m->nRecipCount; i++)
        if (m->lpRecips[i].ulRecipClass > MAPI_BCC) return MAPI_E_BAD_RECIPTYPE;
    return SUCCESS_SUCCESS;
}

static ULONG send_mail(LHANDLE lh, ULONG_PTR ui, const MapiMessageW *m, FLAGS flags)
{
    IMAPIFolder *folder = NULL;
    IMessage *msg = NULL;
    smapi_ctx ctx;
    ULONG code, i, count = 0;
    HRESULT hr;

    if ((code = check_message(m))) return code;
    for (i = 0; i < m->nRecipCount; i++) if (m->lpRecips[i].ulRecipClass != MAPI_ORIG) count++;
    /* mapisendmail.md: without MAPI_DIALOG there must be at least one recipient */
    if (!(flags & MAPI_DIALOG) && !count) return MAPI_E_INVALID_RECIPS;
    if ((code = ctx_open(&ctx, lh, TRUE))) return code;
    if (FAILED(hr = ctx_inbox(&ctx))
        || FAILED(hr = (flags & MAPI_DIALOG)
                       ? open_folder(&ctx, (IMAPIProp *)ctx.inbox, PR_IPM_DRAFTS_ENTRYID, &folder)
                       : open_folder(&ctx, (IMAPIProp *)ctx.store, PR_IPM_OUTBOX_ENTRYID, &folder)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    if ((code = build_message(&ctx, folder, m, MSGFLAG_UNSENT | MSGFLAG_FROMME, ui, &msg))) goto done;
    if (flags & MAPI_DIALOG)
    {
        /* No dialog to show: the draft is kept in Drafts and, as the user never sent it,
         * MAPI_E_USER_ABORT ("no message was sent") - see the header comment. */
        hr = msg->lpVtbl->SaveChanges(msg, 0);
        code = FAILED(hr) ? code_from_hr(hr) : MAPI_E_USER_ABORT;
        goto done;
    }
    if (FAILED(hr = msg->lpVtbl->SubmitMessage(msg, 0)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    /* The message leaves before the call returns: a temporary session ends right after. */
    mm_session_flush_iface(ctx.session, FLUSH_UPLOAD);
done:
    if (msg) msg->lpVtbl->Release(msg);
    if (folder) folder->lpVtbl->Release(folder);
    ctx_close(&ctx);
    MC_TRACE(MM_CH, "-> %lu\n", code);
    return code;
}

/* ---- ANSI <-> UTF-16 ---------------------------------------------------------------------- */

static void free_message_w(MapiMessageW *w)
{
    ULONG i;
    mc_free(w->lpszSubject);
    mc_free(w->lpszNoteText);
    mc_free(w->lpszMessageType);
    for (i = 0; w->lpRecips && i < w->nRecipCount; i++)
    {
        mc_free(w->lpRecips[i].lpszName);
        mc_free(w->lpRecips[i].lpszAddress);
    }
    for (i = 0; w->lpFiles && i < w->nFileCount; i++)
    {
        mc_free(w->lpFiles[i].lpszPathName);
        mc_free(w->lpFiles[i].lpszFileName);
    }
    mc_free(w->lpRecips);
    mc_free(w->lpFiles);
}

#define CONVERT(dst, src) do { if ((src) && !((dst) = mc_a2w(src))) return FALSE; } while (0)

/* A UTF-16 copy of the fields send/save read (internal memory: free_message_w). */
static BOOL message_to_w(const MapiMessage *a, MapiMessageW *w)
{
    ULONG i;
    memset(w, 0, sizeof(*w));
    w->flFlags = a->flFlags;
    CONVERT(w->lpszSubject, a->lpszSubject);
    CONVERT(w->lpszNoteText, a->lpszNoteText);
    CONVERT(w->lpszMessageType, a->lpszMessageType);
    if (a->nRecipCount && a->lpRecips)
    {
        if (!(w->lpRecips = mc_calloc(a->nRecipCount, sizeof(*w->lpRecips)))) return FALSE;
        w->nRecipCount = a->nRecipCount;
        for (i = 0; i < a->nRecipCount; i++)
        {
            w->lpRecips[i].ulRecipClass = a->lpRecips[i].ulRecipClass;
            w->lpRecips[i].ulEIDSize = a->lpRecips[i].ulEIDSize;
            w->lpRecips[i].lpEntryID = a->lpRecips[i].lpEntryID;
            CONVERT(w->lpRecips[i].lpszName, a->lpRecips[i].lpszName);
            CONVERT(w->lpRecips[i].lpszAddress, a->lpRecips[i].lpszAddress);
        }
    }
    else w->nRecipCount = a->nRecipCount;   /* a count without an array: check_message says so */
    if (a->nFileCount && a->lpFiles)
    {
        if (!(w->lpFiles = mc_calloc(a->nFileCount, sizeof(*w->lpFiles)))) return FALSE;
        w->nFileCount = a->nFileCount;
        for (i = 0; i < a->nFileCount; i++)
        {
            w->lpFiles[i].flFlags = a->lpFiles[i].flFlags;
            w->lpFiles[i].nPosition = a->lpFiles[i].nPosition;
            CONVERT(w->lpFiles[i].lpszPathName, a->lpFiles[i].lpszPathName);
            CONVERT(w->lpFiles[i].lpszFileName, a->lpFiles[i].lpszFileName);
        }
    }
    else w->nFileCount = a->nFileCount;
    return TRUE;
}

/* ---- MAPILogon / MAPILogoff ------------------------------------------------------------- */

ULONG WINAPI MAPILogon(ULONG_PTR ui, LPSTR profile_a, LPSTR password, FLAGS flags, ULONG reserved,
                       LPLHANDLE out)
{
    smapi_session *s;
    WCHAR *profile = NULL;
    ULONG code;

    MC_TRACE(MM_CH, "(%s, %#lx, %p)\n", profile_a ? profile_a : "(null)", flags, out);
    if (!out) return MAPI_E_FAILURE;
    *out = 0;
    if (profile_a && *profile_a && !(profile = mc_a2w(profile_a))) return MAPI_E_INSUFFICIENT_MEMORY;
    if (!(s = mc_calloc(1, sizeof(*s))))
    {
        mc_free(profile);
        return MAPI_E_INSUFFICIENT_MEMORY;
    }
    /* MAPI_NEW_SESSION or not, each logon gets its own session (as MAPILogonEx does). */
    code = logon(profile, flags, &s->session);
    mc_free(profile);
    if (code)
    {
        mc_free(s);
        return code;
    }
    EnterCriticalSection(&smapi_cs);
    s->next = smapi_sessions;
    smapi_sessions = s;
    LeaveCriticalSection(&smapi_cs);
    *out = (LHANDLE)s;
    return SUCCESS_SUCCESS;
}

ULONG WINAPI MAPILogoff(LHANDLE lh, ULONG_PTR ui, FLAGS flags, ULONG reserved)
{
    smapi_session **p, *s = NULL;

    MC_TRACE(MM_CH, "(%#Ix)\n", lh);
    EnterCriticalSection(&smapi_cs);
    for (p = &smapi_sessions; *p; p = &(*p)->next)
        if ((LHANDLE)*p == lh)
        {
            s = *p;
            *p = s->next;
            break;
        }
    LeaveCriticalSection(&smapi_cs);
    if (!s) return MAPI_E_INVALID_SESSION;
    logoff(s->session);
    mc_free(s);
    return SUCCESS_SUCCESS;
}

/* ---- MAPISendMail(W) ---------------------------------------------------------------------- */

ULONG WINAPI MAPISendMailW(LHANDLE lh, ULONG_PTR ui, const MapiMessageW *message, FLAGS flags,
                           ULONG reserved)
{
    MC_TRACE(MM_CH, "(%#Ix, %p, %#lx)\n", lh, message, flags);
    return send_mail(lh, ui, message, flags);
}

ULONG WINAPI MAPISendMail(LHANDLE lh, ULONG_PTR ui, lpMapiMessage message, FLAGS flags,
                          ULONG reserved)
{
    MapiMessageW w;
    ULONG code;

    MC_TRACE(MM_CH, "(%#Ix, %p, %#lx)\n", lh, message, flags);
    if (!message) return MAPI_E_FAILURE;
    if (!message_to_w(message, &w)) code = MAPI_E_INSUFFICIENT_MEMORY;
    else code = send_mail(lh, ui, &w, flags);
    free_message_w(&w);
    return code;
}

/* ---- results: MapiRecipDesc / MapiMessage in one block -------------------------------------- */

static ULONG str_out(void *root, const WCHAR *s, LPSTR *out)
{
    *out = NULL;
    if (!s) return SUCCESS_SUCCESS;
    return FAILED(mc_w2a_more(&mm_alloc, root, s, out)) ? MAPI_E_INSUFFICIENT_MEMORY : SUCCESS_SUCCESS;
}

/* name, "TYPE:address" and entry ID of a recipient from its properties */
static ULONG recip_out(void *root, MapiRecipDesc *r, ULONG cls, ULONG n, const SPropValue *v,
                       ULONG name_tag, ULONG type_tag, ULONG addr_tag, ULONG eid_tag)
{
    const SPropValue *name = mc_props_find(n, v, name_tag), *type = mc_props_find(n, v, type_tag),
                     *addr = mc_props_find(n, v, addr_tag), *eid = mc_props_find(n, v, eid_tag);
    ULONG code;

    memset(r, 0, sizeof(*r));
    r->ulRecipClass = cls;
    if ((code = str_out(root, name ? name->Value.lpszW : NULL, &r->lpszName))) return code;
    if (addr)
    {
        const WCHAR *t = type ? type->Value.lpszW : L"SMTP";
        ULONG len = lstrlenW(t) + lstrlenW(addr->Value.lpszW) + 2;
        WCHAR *full = mc_malloc(len * sizeof(WCHAR));
        if (!full) return MAPI_E_INSUFFICIENT_MEMORY;
        swprintf(full, len, L"%ls:%ls", t, addr->Value.lpszW);
        code = str_out(root, full, &r->lpszAddress);
        mc_free(full);
        if (code) return code;
    }
    if (eid && eid->Value.bin.cb)
    {
        if (FAILED(MAPIAllocateMore(eid->Value.bin.cb, root, &r->lpEntryID)))
            return MAPI_E_INSUFFICIENT_MEMORY;
        memcpy(r->lpEntryID, eid->Value.bin.lpb, eid->Value.bin.cb);
        r->ulEIDSize = eid->Value.bin.cb;
    }
    return SUCCESS_SUCCESS;
}

ULONG WINAPI MAPIResolveName(LHANDLE lh, ULONG_PTR ui, LPSTR name, FLAGS flags, ULONG reserved,
                             lpMapiRecipDesc *out)
{
    MapiRecipDescW in;
    MapiMessageW m;
    ADRLIST *list = NULL;
    MapiRecipDesc *r = NULL;
    WCHAR *wname = NULL, *copy = NULL, *type, *addr;
    smapi_ctx ctx;
    ULONG code;

    MC_TRACE(MM_CH, "(%#Ix, %s, %#lx)\n", lh, name ? name : "(null)", flags);
    if (!out) return MAPI_E_FAILURE;
    *out = NULL;
    if (!name) return MAPI_E_FAILURE;
    if (!*name) return MAPI_E_UNKNOWN_RECIPIENT;
    if (!(wname = mc_a2w(name)) || !(copy = mc_wcsdup(wname)))
    {
        mc_free(wname);
        return MAPI_E_INSUFFICIENT_MEMORY;
    }
    /* "SMTP:a@b" is an address; anything else a name (which may hold an address) */
    memset(&in, 0, sizeof(in));
    in.ulRecipClass = MAPI_TO;
    split_address(copy, &type, &addr);
    if (type) in.lpszAddress = wname;
    else in.lpszName = wname;
    memset(&m, 0, sizeof(m));
    m.nRecipCount = 1;
    m.lpRecips = &in;
    if ((code = ctx_open(&ctx, lh, TRUE))) goto done;
    if ((code = resolve_recips(&ctx, &m, ui, &list))) goto done;
    if (FAILED(MAPIAllocateBuffer(sizeof(*r), (void **)&r)))
    {
        code = MAPI_E_INSUFFICIENT_MEMORY;
        goto done;
    }
    code = recip_out(r, r, MAPI_TO, list->aEntries[0].cValues, list->aEntries[0].rgPropVals,
                     PR_DISPLAY_NAME_W, PR_ADDRTYPE_W, PR_EMAIL_ADDRESS_W, PR_ENTRYID);
done:
    if (code)
    {
        MAPIFreeBuffer(r);
        r = NULL;
    }
    *out = r;
    FreePadrlist(list);
    ctx_close(&ctx);
    mc_free(wname);
    mc_free(copy);
    return code;
}

/* ---- MAPIFindNext ------------------------------------------------------------------------- */

static BOOL class_matches(const WCHAR *cls, const char *wanted)
{
    WCHAR *w;
    ULONG len;
    BOOL match;
    if (!wanted || !*wanted) wanted = "IPM";       /* interpersonal messages */
    if (!cls || !(w = mc_a2w(wanted))) return FALSE;
    len = lstrlenW(w);
    match = !wcsnicmp(cls, w, len) && (!cls[len] || cls[len] == '.');
    mc_free(w);
    return match;
}

ULONG WINAPI MAPIFindNext(LHANDLE lh, ULONG_PTR ui, LPSTR type, LPSTR seed, FLAGS flags,
                          ULONG reserved, LPSTR id_out)
{
    static const SizedSPropTagArray(3, cols) =
        { 3, { PR_ENTRYID, PR_MESSAGE_CLASS_W, PR_MESSAGE_FLAGS } };
    /* oldest first: the order is always that of arrival, so MAPI_GUARANTEE_FIFO holds too */
    static const SizedSSortOrderSet(1, order) =
        { 1, 0, 0, { { PR_MESSAGE_DELIVERY_TIME, TABLE_SORT_ASCEND } } };
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    ENTRYID *seed_id = NULL;
    ULONG cb_seed = 0, i, start = 0, code;
    smapi_ctx ctx;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%#Ix, %s, %s, %#lx)\n", lh, type ? type : "(null)", seed ? seed : "(null)", flags);
    if (!id_out) return MAPI_E_FAILURE;
    if ((code = ctx_open(&ctx, lh, FALSE))) return code;
    if (FAILED(hr = ctx_inbox(&ctx))
        || FAILED(hr = ctx.inbox->lpVtbl->GetContentsTable(ctx.inbox, MAPI_UNICODE, &table))
        || FAILED(hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, (SSortOrderSet *)&order,
                                      0, &rows)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    if (seed && *seed)
    {
        if (FAILED(id_decode(&ctx, seed, &cb_seed, &seed_id)))
        {
            code = MAPI_E_INVALID_MESSAGE;
            goto done;
        }
        for (i = 0; i < rows->cRows; i++)
        {
            const SPropValue *e = &rows->aRow[i].lpProps[0];
            if (e->ulPropTag == PR_ENTRYID && e->Value.bin.cb == cb_seed
                && !memcmp(e->Value.bin.lpb, seed_id, cb_seed))
                break;
        }
        if (i == rows->cRows)
        {
            code = MAPI_E_INVALID_MESSAGE;
            goto done;
        }
        start = i + 1;
    }
    code = MAPI_E_NO_MESSAGES;
    for (i = start; i < rows->cRows; i++)
    {
        const SPropValue *v = rows->aRow[i].lpProps;
        if (v[0].ulPropTag != PR_ENTRYID) continue;
        if (!class_matches(v[1].ulPropTag == PR_MESSAGE_CLASS_W ? v[1].Value.lpszW : NULL, type))
            continue;
        if ((flags & MAPI_UNREAD_ONLY) && v[2].ulPropTag == PR_MESSAGE_FLAGS
            && (v[2].Value.l & MSGFLAG_READ))
            continue;
        code = id_encode(&ctx, v[0].Value.bin.cb, v[0].Value.bin.lpb, id_out,
                         flags & MAPI_LONG_MSGID ? SMAPI_ID_LONG : SMAPI_ID_SHORT)
               ? SUCCESS_SUCCESS : MAPI_E_FAILURE;
        break;
    }
done:
    MAPIFreeBuffer(seed_id);
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    ctx_close(&ctx);
    return code;
}

/* ---- MAPIReadMail ------------------------------------------------------------------------- */

/* A string property, read through a stream when GetProps had it too big (PT_ERROR
 * MAPI_E_NOT_ENOUGH_MEMORY); internal memory, NULL when absent. */
static WCHAR *read_text(IMessage *msg, const SPropValue *v, ULONG tag)
{
    IStream *stream = NULL;
    WCHAR *text = NULL;
    ULONG cap = 0, len = 0, got;

    if (v->ulPropTag == tag) return mc_wcsdup(v->Value.lpszW);
    if (v->ulPropTag != CHANGE_PROP_TYPE(tag, PT_ERROR) || v->Value.err != MAPI_E_NOT_ENOUGH_MEMORY)
        return NULL;
    if (FAILED(msg->lpVtbl->OpenProperty(msg, tag, &IID_IStream, 0, 0, (IUnknown **)&stream)))
        return NULL;
    for (;;)
    {
        if (cap - len < 4096)
        {
            WCHAR *grown = mc_realloc(text, (cap = cap * 2 + 8192) * sizeof(WCHAR));
            if (!grown) break;
            text = grown;
        }
        if (FAILED(stream->lpVtbl->Read(stream, text + len, (cap - len - 1) * sizeof(WCHAR), &got))
            || !got)
            break;
        len += got / sizeof(WCHAR);
    }
    stream->lpVtbl->Release(stream);
    if (text) text[len] = 0;
    return text;
}

/* A fresh temporary file holding `data` (one of the two) or the stream's content. */
static ULONG temp_file(IStream *stream, const WCHAR *text, WCHAR path[MAX_PATH])
{
    WCHAR dir[MAX_PATH];
    BYTE buf[16384];
    ULONG got, code = SUCCESS_SUCCESS;
    DWORD written;
    HANDLE file;

    if (!GetTempPathW(MAX_PATH, dir) || !GetTempFileNameW(dir, L"smp", 0, path))
        return MAPI_E_ATTACHMENT_WRITE_FAILURE;
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) return MAPI_E_ATTACHMENT_WRITE_FAILURE;
    if (text)
    {
        char *a = mc_w2a(text);
        if (!a || !WriteFile(file, a, strlen(a), &written, NULL)) code = MAPI_E_ATTACHMENT_WRITE_FAILURE;
        mc_free(a);
    }
    else
        while (SUCCEEDED(stream->lpVtbl->Read(stream, buf, sizeof(buf), &got)) && got)
            if (!WriteFile(file, buf, got, &written, NULL) || written != got)
            {
                code = MAPI_E_DISK_FULL;
                break;
            }
    CloseHandle(file);
    if (code) DeleteFileW(path);
    return code;
}

static ULONG file_out(void *root, MapiFileDesc *f, ULONG position, const WCHAR *path,
                      const WCHAR *name)
{
    ULONG code;
    memset(f, 0, sizeof(*f));
    f->nPosition = position;
    if ((code = str_out(root, path, &f->lpszPathName))) return code;
    return str_out(root, name, &f->lpszFileName);
}

static ULONG read_attachments(IMessage *msg, MapiMessage *out, BOOL body_file, const WCHAR *body)
{
    static const SizedSPropTagArray(5, cols) =
        { 5, { PR_ATTACH_NUM, PR_ATTACH_METHOD, PR_ATTACH_LONG_FILENAME_W, PR_ATTACH_FILENAME_W,
               PR_RENDERING_POSITION } };
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    WCHAR path[MAX_PATH];
    ULONG code = SUCCESS_SUCCESS, i, max;
    HRESULT hr;

    if (FAILED(hr = msg->lpVtbl->GetAttachmentTable(msg, MAPI_UNICODE, &table))
        || FAILED(hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    max = rows->cRows + (body_file ? 1 : 0);
    if (!max) goto done;
    if (FAILED(MAPIAllocateMore(max * sizeof(MapiFileDesc), out, (void **)&out->lpFiles)))
    {
        code = MAPI_E_INSUFFICIENT_MEMORY;
        goto done;
    }
    /* mapireadmail.md, MAPI_BODY_AS_FILE: the text is the first attachment */
    if (body_file)
    {
        if ((code = temp_file(NULL, body ? body : L"", path))
            || (code = file_out(out, &out->lpFiles[out->nFileCount++], (ULONG)-1, path, NULL)))
            goto done;
    }
    for (i = 0; i < rows->cRows; i++)
    {
        const SPropValue *v = rows->aRow[i].lpProps;
        const WCHAR *name = v[2].ulPropTag == PR_ATTACH_LONG_FILENAME_W ? v[2].Value.lpszW
                          : v[3].ulPropTag == PR_ATTACH_FILENAME_W ? v[3].Value.lpszW : NULL;
        IAttach *att = NULL;
        IStream *stream = NULL;

        if (v[0].ulPropTag != PR_ATTACH_NUM || v[1].ulPropTag != PR_ATTACH_METHOD
            || v[1].Value.l != ATTACH_BY_VALUE)
            continue;   /* only files are Simple MAPI attachments */
        if (FAILED(msg->lpVtbl->OpenAttach(msg, v[0].Value.l, NULL, 0, &att))) continue;
        if (SUCCEEDED(att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0,
                                                (IUnknown **)&stream)))
        {
            code = temp_file(stream, NULL, path);
            if (!code)
                code = file_out(out, &out->lpFiles[out->nFileCount++],
                                v[4].ulPropTag == PR_RENDERING_POSITION ? (ULONG)v[4].Value.l
                                                                        : (ULONG)-1,
                                path, name);
            stream->lpVtbl->Release(stream);
        }
        att->lpVtbl->Release(att);
        if (code) goto done;
    }
done:
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    return code;
}

static ULONG read_recipients(IMessage *msg, MapiMessage *out)
{
    static const SizedSPropTagArray(5, cols) =
        { 5, { PR_RECIPIENT_TYPE, PR_DISPLAY_NAME_W, PR_ADDRTYPE_W, PR_EMAIL_ADDRESS_W, PR_ENTRYID } };
    IMAPITable *table = NULL;
    SRowSet *rows = NULL;
    ULONG code = SUCCESS_SUCCESS, i;
    HRESULT hr;

    if (FAILED(hr = msg->lpVtbl->GetRecipientTable(msg, MAPI_UNICODE, &table))
        || FAILED(hr = HrQueryAllRows(table, (SPropTagArray *)&cols, NULL, NULL, 0, &rows)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    if (!rows->cRows) goto done;
    if (FAILED(MAPIAllocateMore(rows->cRows * sizeof(MapiRecipDesc), out, (void **)&out->lpRecips)))
    {
        code = MAPI_E_INSUFFICIENT_MEMORY;
        goto done;
    }
    for (i = 0; i < rows->cRows && !code; i++)
    {
        const SRow *row = &rows->aRow[i];
        ULONG cls = row->lpProps[0].ulPropTag == PR_RECIPIENT_TYPE ? row->lpProps[0].Value.l : MAPI_TO;
        code = recip_out(out, &out->lpRecips[out->nRecipCount++], cls & ~MAPI_P1, row->cValues,
                         row->lpProps, PR_DISPLAY_NAME_W, PR_ADDRTYPE_W, PR_EMAIL_ADDRESS_W,
                         PR_ENTRYID);
    }
done:
    if (rows) FreeProws(rows);
    if (table) table->lpVtbl->Release(table);
    return code;
}

ULONG WINAPI MAPIReadMail(LHANDLE lh, ULONG_PTR ui, LPSTR id, FLAGS flags, ULONG reserved,
                          lpMapiMessage *out)
{
    static const SizedSPropTagArray(11, tags) =
    {
        11, { PR_SUBJECT_W, PR_BODY_W, PR_MESSAGE_CLASS_W, PR_MESSAGE_DELIVERY_TIME,
              PR_CLIENT_SUBMIT_TIME, PR_MESSAGE_FLAGS, PR_READ_RECEIPT_REQUESTED,
              PR_SENDER_NAME_W, PR_SENDER_ADDRTYPE_W, PR_SENDER_EMAIL_ADDRESS_W,
              PR_SENDER_ENTRYID }
    };
    SPropValue *v = NULL;
    MapiMessage *m = NULL;
    IMessage *msg = NULL;
    WCHAR *body = NULL;
    ULONG n, code, msg_flags = 0;
    smapi_ctx ctx;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%#Ix, %s, %#lx)\n", lh, id ? id : "(null)", flags);
    if (!out) return MAPI_E_FAILURE;
    *out = NULL;
    if ((code = ctx_open(&ctx, lh, FALSE))) return code;
    if ((code = open_message(&ctx, id, MAPI_BEST_ACCESS, &msg, NULL, NULL))) goto done;
    if (FAILED(hr = msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &v))
        || FAILED(hr = MAPIAllocateBuffer(sizeof(*m), (void **)&m)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    memset(m, 0, sizeof(*m));
    if (v[5].ulPropTag == PR_MESSAGE_FLAGS) msg_flags = v[5].Value.l;
    if (!(msg_flags & MSGFLAG_READ)) m->flFlags |= MAPI_UNREAD;     /* as it was before this call */
    if (!(msg_flags & MSGFLAG_UNSENT)) m->flFlags |= MAPI_SENT;
    if (v[6].ulPropTag == PR_READ_RECEIPT_REQUESTED && v[6].Value.b) m->flFlags |= MAPI_RECEIPT_REQUESTED;
    if ((code = str_out(m, v[0].ulPropTag == PR_SUBJECT_W ? v[0].Value.lpszW : NULL, &m->lpszSubject)))
        goto done;
    /* mapimessage.md: lpszMessageType is NULL for interpersonal messages (IPM.Note) */
    if (v[2].ulPropTag == PR_MESSAGE_CLASS_W && wcsicmp(v[2].Value.lpszW, L"IPM.Note")
        && (code = str_out(m, v[2].Value.lpszW, &m->lpszMessageType)))
        goto done;
    /* mapimessage.md: "YYYY/MM/DD HH:MM", local time */
    {
        const SPropValue *t = v[3].ulPropTag == PR_MESSAGE_DELIVERY_TIME ? &v[3]
                            : v[4].ulPropTag == PR_CLIENT_SUBMIT_TIME ? &v[4] : NULL;
        FILETIME local;
        SYSTEMTIME st;
        if (t && FileTimeToLocalFileTime(&t->Value.ft, &local) && FileTimeToSystemTime(&local, &st))
        {
            if (FAILED(MAPIAllocateMore(20, m, (void **)&m->lpszDateReceived)))
            {
                code = MAPI_E_INSUFFICIENT_MEMORY;
                goto done;
            }
            snprintf(m->lpszDateReceived, 20, "%04u/%02u/%02u %02u:%02u", st.wYear, st.wMonth,
                     st.wDay, st.wHour, st.wMinute);
        }
    }
    if (FAILED(MAPIAllocateMore(sizeof(MapiRecipDesc), m, (void **)&m->lpOriginator)))
    {
        code = MAPI_E_INSUFFICIENT_MEMORY;
        goto done;
    }
    if ((code = recip_out(m, m->lpOriginator, MAPI_ORIG, n, v, PR_SENDER_NAME_W,
                          PR_SENDER_ADDRTYPE_W, PR_SENDER_EMAIL_ADDRESS_W, PR_SENDER_ENTRYID))
        || (code = read_recipients(msg, m)))
        goto done;
    /* MAPI_ENVELOPE_ONLY: header only - no text, no files */
    if (!(flags & MAPI_ENVELOPE_ONLY))
    {
        body = read_text(msg, &v[1], PR_BODY_W);
        if (!(flags & MAPI_BODY_AS_FILE) && (code = str_out(m, body ? body : L"", &m->lpszNoteText)))
            goto done;
        if (!(flags & MAPI_SUPPRESS_ATTACH) || (flags & MAPI_BODY_AS_FILE))
        {
            if (flags & MAPI_SUPPRESS_ATTACH)
            {
                /* the body file only */
                WCHAR path[MAX_PATH];
                if ((code = temp_file(NULL, body ? body : L"", path))
                    || FAILED(MAPIAllocateMore(sizeof(MapiFileDesc), m, (void **)&m->lpFiles))
                    || (code = file_out(m, &m->lpFiles[m->nFileCount++], (ULONG)-1, path, NULL)))
                {
                    if (!code) code = MAPI_E_INSUFFICIENT_MEMORY;
                    goto done;
                }
            }
            else if ((code = read_attachments(msg, m, (flags & MAPI_BODY_AS_FILE) != 0, body)))
                goto done;
        }
    }
    /* mapireadmail.md: read unless MAPI_PEEK */
    if (!(flags & MAPI_PEEK)) msg->lpVtbl->SetReadFlag(msg, 0);
done:
    if (code)
    {
        MAPIFreeBuffer(m);
        m = NULL;
    }
    *out = m;
    mc_free(body);
    MAPIFreeBuffer(v);
    if (msg) msg->lpVtbl->Release(msg);
    ctx_close(&ctx);
    return code;
}

/* ---- MAPISaveMail / MAPIDeleteMail --------------------------------------------------------- */

/* Deletes the message from its parent folder; releases *msg first (a message still open is
 * left alone by DeleteMessages: MAPI_W_PARTIAL_COMPLETION, which fails here). */
static ULONG delete_message(smapi_ctx *ctx, IMessage **msg, ULONG cb, ENTRYID *eid)
{
    IMAPIFolder *parent = NULL;
    SBinary bin = { cb, (BYTE *)eid };
    ENTRYLIST list = { 1, &bin };
    HRESULT hr;

    hr = open_folder(ctx, (IMAPIProp *)*msg, PR_PARENT_ENTRYID, &parent);
    (*msg)->lpVtbl->Release(*msg);
    *msg = NULL;
    if (FAILED(hr)) return code_from_hr(hr);
    hr = parent->lpVtbl->DeleteMessages(parent, &list, 0, NULL, 0);
    parent->lpVtbl->Release(parent);
    if (hr == MAPI_W_PARTIAL_COMPLETION) return MAPI_E_FAILURE;
    return hr == MAPI_E_NOT_FOUND ? MAPI_E_INVALID_MESSAGE : code_from_hr(hr);
}

/* mapisavemail.md: an empty ID saves a new message in the Inbox; a given one is replaced by
 * the saved message (written as a new message, then the old one deleted), whose ID is written
 * back into lpszMessageID. */
ULONG WINAPI MAPISaveMail(LHANDLE lh, ULONG_PTR ui, lpMapiMessage message, FLAGS flags,
                          ULONG reserved, LPSTR id)
{
    MapiMessageW w;
    IMessage *old = NULL, *msg = NULL;
    ENTRYID *old_id = NULL;
    SPropValue *eid = NULL, props[1];
    ULONG cb_old = 0, code, msg_flags;
    smapi_ctx ctx;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%#Ix, %p, %#lx, %s)\n", lh, message, flags, id ? id : "(null)");
    memset(&ctx, 0, sizeof(ctx));
    memset(&w, 0, sizeof(w));
    if (!message || !id) return MAPI_E_FAILURE;
    if (*id && !lh) return MAPI_E_INVALID_SESSION;
    if (!message_to_w(message, &w))
    {
        code = MAPI_E_INSUFFICIENT_MEMORY;
        goto done;
    }
    if ((code = check_message(&w)) || (code = ctx_open(&ctx, lh, TRUE))) goto done;
    if (FAILED(hr = ctx_inbox(&ctx)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    if (*id && (code = open_message(&ctx, id, 0, &old, &cb_old, &old_id))) goto done;
    msg_flags = (w.flFlags & MAPI_UNREAD ? 0 : MSGFLAG_READ) | (w.flFlags & MAPI_SENT ? 0 : MSGFLAG_UNSENT);
    if ((code = build_message(&ctx, ctx.inbox, &w, msg_flags, ui, &msg))) goto done;
    props[0].ulPropTag = PR_MESSAGE_DELIVERY_TIME;
    GetSystemTimeAsFileTime(&props[0].Value.ft);
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, 1, props, NULL))
        || FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READONLY))
        || FAILED(hr = get_bin((IMAPIProp *)msg, PR_ENTRYID, &eid)))
    {
        code = code_from_hr(hr);
        goto done;
    }
    if (old && (code = delete_message(&ctx, &old, cb_old, old_id))) goto done;
    code = id_encode(&ctx, eid->Value.bin.cb, eid->Value.bin.lpb, id,
                     flags & MAPI_LONG_MSGID ? SMAPI_ID_LONG : SMAPI_ID_SHORT)
           ? SUCCESS_SUCCESS : MAPI_E_FAILURE;
done:
    MAPIFreeBuffer(eid);
    MAPIFreeBuffer(old_id);
    if (msg) msg->lpVtbl->Release(msg);
    if (old) old->lpVtbl->Release(old);
    ctx_close(&ctx);
    free_message_w(&w);
    return code;
}

ULONG WINAPI MAPIDeleteMail(LHANDLE lh, ULONG_PTR ui, LPSTR id, FLAGS flags, ULONG reserved)
{
    IMessage *msg = NULL;
    ENTRYID *eid = NULL;
    ULONG cb = 0, code;
    smapi_ctx ctx;

    MC_TRACE(MM_CH, "(%#Ix, %s)\n", lh, id ? id : "(null)");
    if ((code = ctx_open(&ctx, lh, FALSE))) return code;
    if (!(code = open_message(&ctx, id, 0, &msg, &cb, &eid)))
        code = delete_message(&ctx, &msg, cb, eid);
    MAPIFreeBuffer(eid);
    if (msg) msg->lpVtbl->Release(msg);
    ctx_close(&ctx);
    return code;
}

/* ---- no user interface ---------------------------------------------------------------------- */

ULONG WINAPI MAPIAddress(LHANDLE lh, ULONG_PTR ui, LPSTR caption, ULONG edit_fields, LPSTR labels,
                         ULONG n_recips, lpMapiRecipDesc recips, FLAGS flags, ULONG reserved,
                         LPULONG n_new, lpMapiRecipDesc *new_recips)
{
    MC_FIXME("no address book dialog\n");
    return MAPI_E_NOT_SUPPORTED;
}

ULONG WINAPI MAPIDetails(LHANDLE lh, ULONG_PTR ui, lpMapiRecipDesc recip, FLAGS flags, ULONG reserved)
{
    MC_FIXME("no details dialog\n");
    return MAPI_E_NOT_SUPPORTED;
}

ULONG WINAPI MAPISendDocuments(ULONG_PTR ui, LPSTR delim, LPSTR paths, LPSTR names, ULONG reserved)
{
    MC_FIXME("MAPISendDocuments always shows a dialog\n");
    return MAPI_E_NOT_SUPPORTED;
}
