/*
 * mapimime.c - the MAPI side of Internet mail: IMessage <-> mime_message (issue 5 points 1-2).
 * Only the public IMessage/IAttach/IMAPITable methods are used, so the same code reads a
 * client's message in the coupled path and the spooler's message in SubmitMessage, and fills
 * the spooler's new message in StartMessage. Property pages: pidtag*-canonical-property.md for
 * each tag below; one-off entry IDs per MS-OXCDATA 2.2.5.1; search keys per
 * pidtagsearchkey-canonical-property.md ("ADDRTYPE:ADDRESS", upper case).
 *
 * Sender identity: From is PR_SENT_REPRESENTING_* (the person the message is for), Sender is
 * PR_SENDER_* when it names another address. When reading, From fills PR_SENT_REPRESENTING_*
 * and Sender (or From when absent) fills PR_SENDER_*.
 */
#include <assert.h>
#include <stdlib.h>
#include "mapimime.h"

const BYTE td_muid_one_off[16] = MAPI_ONE_OFF_UID;

/* ---- strings ------------------------------------------------------------------------------ */

char *td_utf8_from_wide(const WCHAR *s)
{
    int n;
    char *r;
    if (!s) return NULL;
    n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
    if (n <= 0 || !(r = mc_malloc(n))) return NULL;
    WideCharToMultiByte(CP_UTF8, 0, s, -1, r, n, NULL, NULL);
    return r;
}

WCHAR *td_wide_from_utf8(const char *s, size_t len)
{
    int n;
    WCHAR *r;
    if (!s || len > 0x3fffffff) return NULL;
    n = len ? MultiByteToWideChar(CP_UTF8, 0, s, (int)len, NULL, 0) : 0;
    if ((len && n <= 0) || !(r = mc_malloc((n + 1) * sizeof(WCHAR)))) return NULL;
    if (n) MultiByteToWideChar(CP_UTF8, 0, s, (int)len, r, n);
    r[n] = 0;
    return r;
}

/* ---- one-off entry IDs and search keys ---------------------------------------------------- */

HRESULT td_oneoff_make(const mc_alloc *a, void *parent, const WCHAR *name, const WCHAR *addrtype,
                       const WCHAR *address, ULONG *cb, ENTRYID **out)
{
    size_t ln, lt, la;
    ULONG size;
    BYTE *p;
    HRESULT hr;

    if (!a || !cb || !out || !addrtype || !address) return MAPI_E_INVALID_PARAMETER;
    if (!name) name = address;
    ln = wcslen(name) + 1;
    lt = wcslen(addrtype) + 1;
    la = wcslen(address) + 1;
    size = 24 + (ULONG)(ln + lt + la) * sizeof(WCHAR);
    if (FAILED(hr = mc_alloc_more(a, parent, size, (void **)&p))) return hr;
    memset(p, 0, 4);
    memcpy(p + 4, td_muid_one_off, 16);
    p[20] = p[21] = 0;                                          /* version */
    p[22] = MAPI_ONE_OFF_NO_RICH_INFO & 0xff;                   /* flags, little-endian */
    p[23] = (MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO) >> 8;
    memcpy(p + 24, name, ln * sizeof(WCHAR));
    memcpy(p + 24 + ln * sizeof(WCHAR), addrtype, lt * sizeof(WCHAR));
    memcpy(p + 24 + (ln + lt) * sizeof(WCHAR), address, la * sizeof(WCHAR));
    *cb = size;
    *out = (ENTRYID *)p;
    return S_OK;
}

/* The next NUL-terminated UTF-16 string at *pos, copied; advances *pos. */
static WCHAR *oneoff_wstring(const BYTE *p, ULONG cb, ULONG *pos)
{
    ULONG i = *pos, n;
    WCHAR *r;

    while (i + 1 < cb && (p[i] || p[i + 1])) i += 2;
    if (i + 1 >= cb) return NULL;
    n = (i - *pos) / 2;
    if (!(r = mc_malloc((n + 1) * sizeof(WCHAR)))) return NULL;
    memcpy(r, p + *pos, n * sizeof(WCHAR));     /* entry IDs may be unaligned */
    r[n] = 0;
    *pos = i + 2;
    return r;
}

HRESULT td_oneoff_parse(ULONG cb, const ENTRYID *eid, WCHAR **name, WCHAR **addrtype, WCHAR **address)
{
    const BYTE *p = (const BYTE *)eid;
    WCHAR *s[3] = { NULL, NULL, NULL };
    ULONG pos = 24, i, start;
    BOOL wide;

    if (name) *name = NULL;
    if (addrtype) *addrtype = NULL;
    if (address) *address = NULL;
    if (!p || cb < 24 || memcmp(p + 4, td_muid_one_off, 16)) return MAPI_E_INVALID_ENTRYID;
    wide = (p[22] | (p[23] << 8)) & MAPI_ONE_OFF_UNICODE;
    for (i = 0; i < 3; i++)
    {
        start = pos;
        if (wide) s[i] = oneoff_wstring(p, cb, &pos);
        else
        {
            ULONG j = pos;
            while (j < cb && p[j]) j++;
            if (j < cb)
            {
                char *t = mc_malloc(j - start + 1);
                if (t)
                {
                    memcpy(t, p + start, j - start);
                    t[j - start] = 0;
                    s[i] = mc_a2w(t);
                    mc_free(t);
                }
                pos = j + 1;
            }
        }
        if (!s[i])
        {
            while (i--) mc_free(s[i]);
            return MAPI_E_INVALID_ENTRYID;
        }
    }
    if (name) *name = s[0]; else mc_free(s[0]);
    if (addrtype) *addrtype = s[1]; else mc_free(s[1]);
    if (address) *address = s[2]; else mc_free(s[2]);
    return S_OK;
}

HRESULT td_search_key_make(const mc_alloc *a, void *parent, const WCHAR *addrtype,
                           const WCHAR *address, SBinary *out)
{
    WCHAR *w = td_wsprintf(L"%ls:%ls", addrtype, address);
    char *k;
    int n;
    HRESULT hr;

    if (!w) return MAPI_E_NOT_ENOUGH_MEMORY;
    CharUpperW(w);
    n = WideCharToMultiByte(CP_ACP, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0) { mc_free(w); return MAPI_E_INVALID_PARAMETER; }
    if (SUCCEEDED(hr = mc_alloc_more(a, parent, n, (void **)&k)))
    {
        WideCharToMultiByte(CP_ACP, 0, w, -1, k, n, NULL, NULL);
        out->cb = n;
        out->lpb = (BYTE *)k;
    }
    mc_free(w);
    return hr;
}

/* ---- reading an IMessage ------------------------------------------------------------------ */

/* Read a property through OpenProperty(IID_IStream), for values GetProps refused as too big
 * (MAPI_E_NOT_ENOUGH_MEMORY, imapiprop-getprops.md). New internal memory, 2 extra zero
 * bytes so a UTF-16 string is terminated. */
static HRESULT read_stream(IMAPIProp *obj, ULONG tag, BYTE **data, ULONG *len)
{
    IStream *st = NULL;
    BYTE *buf = NULL, *nb;
    ULONG size = 0, cap = 0, got;
    HRESULT hr;

    *data = NULL;
    *len = 0;
    hr = obj->lpVtbl->OpenProperty(obj, tag, &IID_IStream, 0, 0, (IUnknown **)&st);
    if (FAILED(hr)) return hr;
    for (;;)
    {
        if (cap - size < 4096 + 2)
        {
            if (cap > 0x7fffffff / 2 - 8192) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            if (!(nb = mc_realloc(buf, cap = cap * 2 + 8192))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; break; }
            buf = nb;
        }
        got = 0;
        hr = st->lpVtbl->Read(st, buf + size, cap - size - 2, &got);
        if (FAILED(hr)) break;
        size += got;
        if (!got) { hr = S_OK; break; }
    }
    st->lpVtbl->Release(st);
    if (FAILED(hr)) { mc_free(buf); return hr; }
    if (!buf && !(buf = mc_calloc(1, 2))) return MAPI_E_NOT_ENOUGH_MEMORY;
    buf[size] = buf[size + 1] = 0;
    *data = buf;
    *len = size;
    return S_OK;
}

/* A string value (either width) of a GetProps result, or a big one through a stream: new
 * internal UTF-16. */
static WCHAR *get_wstr(IMAPIProp *obj, const SPropValue *v)
{
    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE) return mc_wcsdup(v->Value.lpszW);
    if (PROP_TYPE(v->ulPropTag) == PT_STRING8) return mc_a2w(v->Value.lpszA);
    if (PROP_TYPE(v->ulPropTag) == PT_ERROR && v->Value.err == MAPI_E_NOT_ENOUGH_MEMORY)
    {
        BYTE *data;
        ULONG len;
        if (SUCCEEDED(read_stream(obj, PROP_TAG(PT_UNICODE, PROP_ID(v->ulPropTag)), &data, &len)))
            return (WCHAR *)data;
    }
    return NULL;
}

static BOOL get_bin(IMAPIProp *obj, const SPropValue *v, BYTE **data, ULONG *len, BOOL *owned)
{
    *owned = FALSE;
    if (PROP_TYPE(v->ulPropTag) == PT_BINARY)
    {
        *data = v->Value.bin.lpb;
        *len = v->Value.bin.cb;
        return TRUE;
    }
    if (PROP_TYPE(v->ulPropTag) == PT_ERROR && v->Value.err == MAPI_E_NOT_ENOUGH_MEMORY &&
        SUCCEEDED(read_stream(obj, PROP_TAG(PT_BINARY, PROP_ID(v->ulPropTag)), data, len)))
    {
        *owned = TRUE;
        return TRUE;
    }
    return FALSE;
}

static int set_utf8(mime_message *m, char **field, const WCHAR *w)
{
    char *s;
    int st;
    if (!w) return MIME_OK;
    if (!(s = td_utf8_from_wide(w))) return MIME_E_NOMEM;
    st = mime_set_string(m, field, s);
    mc_free(s);
    return st;
}

/* The SMTP address of (name, addrtype, address, entryid): the address when the type is SMTP
 * (or unknown but it has an '@'), else the one in a one-off entry ID. */
static void smtp_identity(const WCHAR *name, const WCHAR *type, const WCHAR *addr, const SBinary *eid,
                          WCHAR **out_name, WCHAR **out_addr)
{
    *out_name = name ? mc_wcsdup(name) : NULL;
    *out_addr = NULL;
    if (addr && ((type && !_wcsicmp(type, L"SMTP")) || (!type && wcschr(addr, '@'))))
        *out_addr = mc_wcsdup(addr);
    else if (eid)
    {
        WCHAR *n = NULL, *t = NULL, *a = NULL;
        if (SUCCEEDED(td_oneoff_parse(eid->cb, (const ENTRYID *)eid->lpb, &n, &t, &a)) && !_wcsicmp(t, L"SMTP"))
        {
            *out_addr = a;
            a = NULL;
            if (!*out_name) { *out_name = n; n = NULL; }
        }
        mc_free(n);
        mc_free(t);
        mc_free(a);
    }
}

static int add_identity(mime_message *m, mime_address *field, mime_address_list *list,
                        const WCHAR *name, const WCHAR *addr)
{
    char *n = td_utf8_from_wide(name), *a = td_utf8_from_wide(addr);
    int st = (name && !n) || (addr && !a) ? MIME_E_NOMEM
           : field ? mime_set_address(m, field, n, a) : mime_add_address(m, list, n, a);
    mc_free(n);
    mc_free(a);
    return st;
}

enum
{
    M_SUBJECT, M_BODY, M_HTML, M_CPID,
    M_SENDER_NAME, M_SENDER_ADDR, M_SENDER_TYPE, M_SENDER_EID,
    M_REP_NAME, M_REP_ADDR, M_REP_TYPE, M_REP_EID,
    M_SUBMIT_TIME, M_MSGID, M_INREPLYTO, M_REFERENCES,
    M_IMPORTANCE, M_PRIORITY, M_SENSITIVITY, M_RECEIPT, M_REPLY_ENTRIES,
    M_COUNT
};

static HRESULT read_recipients(const mc_alloc *a, IMessage *msg, mime_message *m)
{
    SizedSPropTagArray(5, cols) = { 5, { PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W, PR_ADDRTYPE_W,
                                         PR_RECIPIENT_TYPE, PR_ENTRYID } };
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;
    int st = MIME_OK;

    if (FAILED(hr = msg->lpVtbl->GetRecipientTable(msg, MAPI_UNICODE, &t))) return hr;
    if (FAILED(hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0))) goto done;
    while (SUCCEEDED(hr = t->lpVtbl->QueryRows(t, 64, 0, &rows)) && rows->cRows && st == MIME_OK)
    {
        for (i = 0; i < rows->cRows && st == MIME_OK; i++)
        {
            const SPropValue *v = rows->aRow[i].lpProps;
            ULONG n = rows->aRow[i].cValues;
            const SPropValue *name = mc_props_find(n, v, PR_DISPLAY_NAME_W);
            const SPropValue *addr = mc_props_find(n, v, PR_EMAIL_ADDRESS_W);
            const SPropValue *type = mc_props_find(n, v, PR_ADDRTYPE_W);
            const SPropValue *rt = mc_props_find(n, v, PR_RECIPIENT_TYPE);
            const SPropValue *eid = mc_props_find(n, v, PR_ENTRYID);
            WCHAR *wn, *wa;
            mime_address_list *list;

            smtp_identity(name ? name->Value.lpszW : NULL, type ? type->Value.lpszW : NULL,
                          addr ? addr->Value.lpszW : NULL, eid ? &eid->Value.bin : NULL, &wn, &wa);
            switch (rt ? (rt->Value.l & ~MAPI_SUBMITTED) : MAPI_TO)
            {
            case MAPI_CC: list = &m->cc; break;
            case MAPI_BCC: list = &m->bcc; break;
            default: list = &m->to; break;
            }
            if (wa || wn) st = add_identity(m, NULL, list, wn, wa);
            mc_free(wn);
            mc_free(wa);
        }
        mc_free_rows(a, rows);
        rows = NULL;
    }
    if (rows) mc_free_rows(a, rows);
    if (SUCCEEDED(hr) && st != MIME_OK) hr = mime_hresult(st);
done:
    t->lpVtbl->Release(t);
    return hr;
}

static HRESULT read_message(const mc_alloc *a, IMessage *msg, mime_message *m, int depth);

static HRESULT read_attachment(const mc_alloc *a, IMessage *msg, LONG num, mime_message *m, int depth)
{
    SizedSPropTagArray(7, tags) = { 7, { PR_ATTACH_METHOD, PR_ATTACH_LONG_FILENAME_W, PR_ATTACH_FILENAME_W,
                                         PR_ATTACH_MIME_TAG_W, PR_ATTACH_CONTENT_ID_W, PR_DISPLAY_NAME_W,
                                         PR_ATTACH_DATA_BIN } };
    IAttach *att = NULL;
    SPropValue *v = NULL;
    ULONG n = 0;
    mime_attachment *ma;
    WCHAR *fname = NULL;
    int st = MIME_OK;
    HRESULT hr;

    if (FAILED(hr = msg->lpVtbl->OpenAttach(msg, num, NULL, 0, &att))) return hr;
    if (FAILED(hr = att->lpVtbl->GetProps(att, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &v))) goto done;
    hr = S_OK;
    if (!(ma = mime_add_attachment(m))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
    fname = get_wstr((IMAPIProp *)att, &v[1]);
    if (!fname) fname = get_wstr((IMAPIProp *)att, &v[2]);
    if (v[0].ulPropTag == PR_ATTACH_METHOD && v[0].Value.l == ATTACH_EMBEDDED_MSG)
    {
        IMessage *sub = NULL;
        mime_message *nested;
        if (!fname) fname = get_wstr((IMAPIProp *)att, &v[5]);
        st = set_utf8(m, &ma->filename, fname);
        if (st == MIME_OK) st = mime_set_string(m, &ma->mime_type, "message/rfc822");
        if (st != MIME_OK) { hr = mime_hresult(st); goto done; }
        if (depth + 1 >= MIME_MAX_DEPTH) { hr = MAPI_E_CORRUPT_DATA; goto done; }
        if (!(nested = mime_attachment_new_message(m, ma))) { hr = MAPI_E_NOT_ENOUGH_MEMORY; goto done; }
        if (FAILED(hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, 0, (IUnknown **)&sub)))
            goto done;
        hr = read_message(a, sub, nested, depth + 1);
        sub->lpVtbl->Release(sub);
        goto done;
    }
    {
        WCHAR *mt = get_wstr((IMAPIProp *)att, &v[3]), *cid = get_wstr((IMAPIProp *)att, &v[4]);
        BYTE *data = NULL;
        ULONG len = 0;
        BOOL owned = FALSE;

        st = set_utf8(m, &ma->filename, fname);
        if (st == MIME_OK) st = set_utf8(m, &ma->mime_type, mt);
        if (st == MIME_OK && !mt) st = mime_set_string(m, &ma->mime_type, "application/octet-stream");
        if (st == MIME_OK) st = set_utf8(m, &ma->content_id, cid);
        ma->disposition = cid ? MIME_DISPOSITION_INLINE : MIME_DISPOSITION_ATTACHMENT;
        if (st == MIME_OK && get_bin((IMAPIProp *)att, &v[6], &data, &len, &owned))
            st = mime_set_attachment_data(m, ma, data, len);
        if (owned) mc_free(data);
        mc_free(mt);
        mc_free(cid);
        if (st != MIME_OK) hr = mime_hresult(st);
    }

done:
    mc_free(fname);
    if (v) a->free_buffer(v);
    att->lpVtbl->Release(att);
    return hr;
}

static HRESULT read_attachments(const mc_alloc *a, IMessage *msg, mime_message *m, int depth)
{
    SizedSPropTagArray(1, cols) = { 1, { PR_ATTACH_NUM } };
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    HRESULT hr;
    ULONG i;

    hr = msg->lpVtbl->GetAttachmentTable(msg, 0, &t);
    if (hr == MAPI_E_NO_SUPPORT) return S_OK;
    if (FAILED(hr)) return hr;
    if (FAILED(hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0))) goto done;
    while (SUCCEEDED(hr = t->lpVtbl->QueryRows(t, 32, 0, &rows)) && rows->cRows)
    {
        for (i = 0; i < rows->cRows && SUCCEEDED(hr); i++)
        {
            const SPropValue *num = mc_props_find(rows->aRow[i].cValues, rows->aRow[i].lpProps, PR_ATTACH_NUM);
            if (num) hr = read_attachment(a, msg, num->Value.l, m, depth);
        }
        mc_free_rows(a, rows);
        rows = NULL;
        if (FAILED(hr)) break;
    }
    if (rows) mc_free_rows(a, rows);
done:
    t->lpVtbl->Release(t);
    return hr;
}

/* Reply-To from PR_REPLY_RECIPIENT_ENTRIES (a FLATENTRYLIST of one-off entry IDs). */
static int read_reply_to(mime_message *m, const SBinary *bin)
{
    ULONG count, pos = 8, i;
    int st = MIME_OK;

    if (bin->cb < 8) return MIME_OK;
    memcpy(&count, bin->lpb, 4);
    for (i = 0; i < count && pos + 4 <= bin->cb && st == MIME_OK; i++)
    {
        ULONG cb;
        WCHAR *n = NULL, *t = NULL, *ad = NULL;
        memcpy(&cb, bin->lpb + pos, 4);
        pos += 4;
        if (cb > bin->cb - pos) break;
        if (SUCCEEDED(td_oneoff_parse(cb, (const ENTRYID *)(bin->lpb + pos), &n, &t, &ad)) && !_wcsicmp(t, L"SMTP"))
            st = add_identity(m, NULL, &m->reply_to, n, ad);
        mc_free(n);
        mc_free(t);
        mc_free(ad);
        pos += (cb + 3) & ~3u;
    }
    return st;
}

static HRESULT read_message(const mc_alloc *a, IMessage *msg, mime_message *m, int depth)
{
    SizedSPropTagArray(M_COUNT, tags) = { M_COUNT, {
        PR_SUBJECT_W, PR_BODY_W, PR_HTML, PR_INTERNET_CPID,
        PR_SENDER_NAME_W, PR_SENDER_EMAIL_ADDRESS_W, PR_SENDER_ADDRTYPE_W, PR_SENDER_ENTRYID,
        PR_SENT_REPRESENTING_NAME_W, PR_SENT_REPRESENTING_EMAIL_ADDRESS_W, PR_SENT_REPRESENTING_ADDRTYPE_W,
        PR_SENT_REPRESENTING_ENTRYID,
        PR_CLIENT_SUBMIT_TIME, PR_INTERNET_MESSAGE_ID_W, PR_IN_REPLY_TO_ID_W, PR_INTERNET_REFERENCES_W,
        PR_IMPORTANCE, PR_PRIORITY, PR_SENSITIVITY, PR_READ_RECEIPT_REQUESTED, PR_REPLY_RECIPIENT_ENTRIES } };
    IMAPIProp *obj = (IMAPIProp *)msg;
    SPropValue *v = NULL;
    ULONG n = 0;
    WCHAR *s = NULL, *sn = NULL, *sa = NULL, *rn = NULL, *ra = NULL;
    int st = MIME_OK;
    HRESULT hr;

    if (FAILED(hr = msg->lpVtbl->GetProps(msg, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &v))) return hr;
    if (n != M_COUNT) { hr = MAPI_E_CALL_FAILED; goto done; }

    s = get_wstr(obj, &v[M_SUBJECT]);
    if (s) { char *u = td_utf8_from_wide(s); st = u ? mime_set_subject(m, u) : MIME_E_NOMEM; mc_free(u); }
    mc_free(s);
    if (st == MIME_OK && (s = get_wstr(obj, &v[M_BODY])))
    {
        char *u = td_utf8_from_wide(s);
        st = u ? mime_set_bytes(m, &m->body_text, &m->body_text_len, u, strlen(u)) : MIME_E_NOMEM;
        mc_free(u);
        mc_free(s);
    }
    if (st == MIME_OK)
    {
        BYTE *data;
        ULONG len;
        BOOL owned;
        if (get_bin(obj, &v[M_HTML], &data, &len, &owned))
        {
            UINT cp = v[M_CPID].ulPropTag == PR_INTERNET_CPID ? (UINT)v[M_CPID].Value.l : CP_UTF8;
            if (cp == CP_UTF8 || !len)
                st = mime_set_bytes(m, &m->body_html, &m->body_html_len, (const char *)data, len);
            else
            {
                /* the codec's model is UTF-8: convert from the HTML's code page */
                int wn = MultiByteToWideChar(cp, 0, (const char *)data, (int)len, NULL, 0);
                WCHAR *w = wn > 0 ? mc_malloc((wn + 1) * sizeof(WCHAR)) : NULL;
                char *u = NULL;
                if (w)
                {
                    MultiByteToWideChar(cp, 0, (const char *)data, (int)len, w, wn);
                    w[wn] = 0;
                    u = td_utf8_from_wide(w);
                }
                st = u ? mime_set_bytes(m, &m->body_html, &m->body_html_len, u, strlen(u))
                       : mime_set_bytes(m, &m->body_html, &m->body_html_len, (const char *)data, len);
                mc_free(w);
                mc_free(u);
            }
            if (owned) mc_free(data);
        }
    }

    /* From = the represented person, Sender = the one who sent it when that differs */
    smtp_identity(PROP_TYPE(v[M_SENDER_NAME].ulPropTag) == PT_UNICODE ? v[M_SENDER_NAME].Value.lpszW : NULL,
                  PROP_TYPE(v[M_SENDER_TYPE].ulPropTag) == PT_UNICODE ? v[M_SENDER_TYPE].Value.lpszW : NULL,
                  PROP_TYPE(v[M_SENDER_ADDR].ulPropTag) == PT_UNICODE ? v[M_SENDER_ADDR].Value.lpszW : NULL,
                  v[M_SENDER_EID].ulPropTag == PR_SENDER_ENTRYID ? &v[M_SENDER_EID].Value.bin : NULL, &sn, &sa);
    smtp_identity(PROP_TYPE(v[M_REP_NAME].ulPropTag) == PT_UNICODE ? v[M_REP_NAME].Value.lpszW : NULL,
                  PROP_TYPE(v[M_REP_TYPE].ulPropTag) == PT_UNICODE ? v[M_REP_TYPE].Value.lpszW : NULL,
                  PROP_TYPE(v[M_REP_ADDR].ulPropTag) == PT_UNICODE ? v[M_REP_ADDR].Value.lpszW : NULL,
                  v[M_REP_EID].ulPropTag == PR_SENT_REPRESENTING_ENTRYID ? &v[M_REP_EID].Value.bin : NULL, &rn, &ra);
    if (st == MIME_OK)
    {
        if (ra) st = add_identity(m, &m->from, NULL, rn, ra);
        else if (sa) st = add_identity(m, &m->from, NULL, sn, sa);
    }
    if (st == MIME_OK && ra && sa && _wcsicmp(ra, sa)) st = add_identity(m, &m->sender, NULL, sn, sa);

    if (v[M_SUBMIT_TIME].ulPropTag == PR_CLIENT_SUBMIT_TIME)
        m->date = ((int64_t)v[M_SUBMIT_TIME].Value.ft.dwHighDateTime << 32) | v[M_SUBMIT_TIME].Value.ft.dwLowDateTime;
    if (st == MIME_OK && v[M_MSGID].ulPropTag == PR_INTERNET_MESSAGE_ID_W)
        st = set_utf8(m, &m->message_id, v[M_MSGID].Value.lpszW);
    if (st == MIME_OK && v[M_INREPLYTO].ulPropTag == PR_IN_REPLY_TO_ID_W)
        st = set_utf8(m, &m->in_reply_to, v[M_INREPLYTO].Value.lpszW);
    if (st == MIME_OK && v[M_REFERENCES].ulPropTag == PR_INTERNET_REFERENCES_W)
        st = set_utf8(m, &m->references, v[M_REFERENCES].Value.lpszW);
    if (v[M_IMPORTANCE].ulPropTag == PR_IMPORTANCE) m->importance = v[M_IMPORTANCE].Value.l;
    if (v[M_PRIORITY].ulPropTag == PR_PRIORITY) m->priority = v[M_PRIORITY].Value.l;
    if (v[M_SENSITIVITY].ulPropTag == PR_SENSITIVITY) m->sensitivity = v[M_SENSITIVITY].Value.l;
    if (v[M_RECEIPT].ulPropTag == PR_READ_RECEIPT_REQUESTED && v[M_RECEIPT].Value.b) m->read_receipt = 1;
    if (st == MIME_OK && v[M_REPLY_ENTRIES].ulPropTag == PR_REPLY_RECIPIENT_ENTRIES)
        st = read_reply_to(m, &v[M_REPLY_ENTRIES].Value.bin);
    if (st != MIME_OK) { hr = mime_hresult(st); goto done; }

    if (FAILED(hr = read_recipients(a, msg, m))) goto done;
    hr = read_attachments(a, msg, m, depth);

done:
    mc_free(sn);
    mc_free(sa);
    mc_free(rn);
    mc_free(ra);
    if (v) a->free_buffer(v);
    return hr;
}

HRESULT td_mapimime_from_message(const mc_alloc *a, IMessage *msg, mime_message **out)
{
    mime_message *m;
    HRESULT hr;

    if (!a || !msg || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(m = mime_message_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = read_message(a, msg, m, 0)))
    {
        mime_message_free(m);
        return hr;
    }
    *out = m;
    return S_OK;
}

HRESULT td_mapimime_write(const mc_alloc *a, IMessage *msg, char **bytes, size_t *len, WCHAR **created_id)
{
    mime_message *m = NULL;
    mime_write_options opt;
    FILETIME ft;
    BOOL had_id;
    HRESULT hr;
    int st;

    if (created_id) *created_id = NULL;
    if (!bytes || !len) return MAPI_E_INVALID_PARAMETER;
    *bytes = NULL;
    *len = 0;
    if (FAILED(hr = td_mapimime_from_message(a, msg, &m))) return hr;
    had_id = m->message_id != NULL;
    memset(&opt, 0, sizeof(opt));
    GetSystemTimeAsFileTime(&ft);
    opt.unique = ((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime) ^ ((uint64_t)GetCurrentProcessId() << 40)
               ^ (uint64_t)(ULONG_PTR)m;
    if ((st = mime_write(m, &opt, bytes, len)) != MIME_OK) hr = mime_hresult(st);
    else if (!had_id && m->message_id && created_id
             && !(*created_id = td_wide_from_utf8(m->message_id, strlen(m->message_id))))
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr) && *bytes) { free(*bytes); *bytes = NULL; *len = 0; }
    mime_message_free(m);
    return hr;
}

/* ---- filling an IMessage ------------------------------------------------------------------ */

/* Property values under construction: strings converted to UTF-16 in one heap block chain. */
typedef struct prop_list
{
    SPropValue v[48];
    ULONG n;
    void *root;             /* mc_heap_alloc() root for the payloads */
    HRESULT hr;
} prop_list;

static void *pl_more(prop_list *pl, ULONG size)
{
    void *p = NULL;
    if (FAILED(pl->hr)) return NULL;
    if (!pl->root)
    {
        if (FAILED(pl->hr = mc_alloc_more(mc_heap_alloc(), NULL, 8, &pl->root))) return NULL;
    }
    if (FAILED(pl->hr = mc_alloc_more(mc_heap_alloc(), pl->root, size, &p))) return NULL;
    return p;
}

static SPropValue *pl_add(prop_list *pl, ULONG tag)
{
    assert(pl->n < ARRAYSIZE(pl->v));
    pl->v[pl->n].ulPropTag = tag;
    pl->v[pl->n].dwAlignPad = 0;
    return &pl->v[pl->n++];
}

static WCHAR *pl_wstr(prop_list *pl, const char *utf8, size_t len)
{
    WCHAR *w, *r;
    size_t n;
    if (!utf8 || FAILED(pl->hr)) return NULL;
    if (!(w = td_wide_from_utf8(utf8, len))) { pl->hr = MAPI_E_NOT_ENOUGH_MEMORY; return NULL; }
    n = (wcslen(w) + 1) * sizeof(WCHAR);
    if ((r = pl_more(pl, (ULONG)n))) memcpy(r, w, n);
    mc_free(w);
    return r;
}

static void pl_str(prop_list *pl, ULONG tag, const char *utf8)
{
    WCHAR *w;
    if (utf8 && (w = pl_wstr(pl, utf8, strlen(utf8)))) pl_add(pl, tag)->Value.lpszW = w;
}

static void pl_long(prop_list *pl, ULONG tag, LONG l) { pl_add(pl, tag)->Value.l = l; }

static void pl_time(prop_list *pl, ULONG tag, int64_t t)
{
    SPropValue *v = pl_add(pl, tag);
    v->Value.ft.dwLowDateTime = (DWORD)t;
    v->Value.ft.dwHighDateTime = (DWORD)((uint64_t)t >> 32);
}

/* Name, SMTP address, type, one-off entry ID and search key of one address. */
static void pl_identity(prop_list *pl, const mime_address *ad, ULONG tag_name, ULONG tag_addr,
                        ULONG tag_type, ULONG tag_eid, ULONG tag_key)
{
    WCHAR *name, *addr;
    SPropValue *v;

    if (!ad->address && !ad->name) return;
    addr = ad->address ? pl_wstr(pl, ad->address, strlen(ad->address)) : NULL;
    name = ad->name ? pl_wstr(pl, ad->name, strlen(ad->name)) : addr;
    if (FAILED(pl->hr)) return;
    if (name) pl_add(pl, tag_name)->Value.lpszW = name;
    if (!addr) return;
    pl_add(pl, tag_addr)->Value.lpszW = addr;
    pl_add(pl, tag_type)->Value.lpszW = (WCHAR *)L"SMTP";
    v = pl_add(pl, tag_eid);
    if (FAILED(pl->hr = td_oneoff_make(mc_heap_alloc(), pl->root, name, L"SMTP", addr, &v->Value.bin.cb,
                                       (ENTRYID **)&v->Value.bin.lpb)))
        return;
    v = pl_add(pl, tag_key);
    pl->hr = td_search_key_make(mc_heap_alloc(), pl->root, L"SMTP", addr, &v->Value.bin);
}

static void pl_clear(prop_list *pl)
{
    if (pl->root) mc_heap_alloc()->free_buffer(pl->root);
    memset(pl, 0, sizeof(*pl));
}

static HRESULT set_props(const mc_alloc *a, IMAPIProp *obj, prop_list *pl)
{
    SPropProblemArray *problems = NULL;
    HRESULT hr;
    if (FAILED(pl->hr)) return pl->hr;
    if (!pl->n) return S_OK;
    hr = obj->lpVtbl->SetProps(obj, pl->n, pl->v, &problems);
    /* a store may refuse single properties (computed ones): those are its business */
    if (problems) a->free_buffer(problems);
    return hr;
}

/* One ADRLIST row per address (ADRLIST rules: each row its own AllocateBuffer block). */
static HRESULT add_recipient_rows(const mc_alloc *a, ADRLIST *list, const mime_address_list *l, LONG type)
{
    size_t i;
    HRESULT hr = S_OK;

    for (i = 0; i < l->count && SUCCEEDED(hr); i++)
    {
        const mime_address *ad = &l->items[i];
        ADRENTRY *e = &list->aEntries[list->cEntries];
        SPropValue *v;
        WCHAR *name = NULL, *addr = NULL;
        ULONG n = 0;

        if (!ad->address) continue;     /* a group name without members: nobody to deliver to */
        if (FAILED(hr = a->allocate_buffer(9 * sizeof(SPropValue), (void **)&v))) break;
        memset(v, 0, 9 * sizeof(SPropValue));
        e->ulReserved1 = 0;
        e->rgPropVals = v;
        e->cValues = 0;
        list->cEntries++;
        {
            WCHAR *wa = td_wide_from_utf8(ad->address, strlen(ad->address));
            WCHAR *wn = ad->name ? td_wide_from_utf8(ad->name, strlen(ad->name)) : NULL;
            if (!wa || (ad->name && !wn)) hr = MAPI_E_NOT_ENOUGH_MEMORY;
            if (SUCCEEDED(hr)) hr = mc_alloc_more(a, v, (ULONG)(wcslen(wa) + 1) * sizeof(WCHAR), (void **)&addr);
            if (SUCCEEDED(hr)) wcscpy(addr, wa);
            if (SUCCEEDED(hr) && wn && SUCCEEDED(hr = mc_alloc_more(a, v, (ULONG)(wcslen(wn) + 1) * sizeof(WCHAR), (void **)&name)))
                wcscpy(name, wn);
            mc_free(wa);
            mc_free(wn);
        }
        if (FAILED(hr)) break;
        if (!name) name = addr;
        v[n].ulPropTag = PR_DISPLAY_NAME_W;  v[n++].Value.lpszW = name;
        v[n].ulPropTag = PR_EMAIL_ADDRESS_W; v[n++].Value.lpszW = addr;
        v[n].ulPropTag = PR_ADDRTYPE_W;      v[n++].Value.lpszW = (WCHAR *)L"SMTP";
        v[n].ulPropTag = PR_RECIPIENT_TYPE;  v[n++].Value.l = type;
        v[n].ulPropTag = PR_OBJECT_TYPE;     v[n++].Value.l = MAPI_MAILUSER;
        v[n].ulPropTag = PR_DISPLAY_TYPE;    v[n++].Value.l = DT_MAILUSER;
        v[n].ulPropTag = PR_ENTRYID;
        if (FAILED(hr = td_oneoff_make(a, v, name, L"SMTP", addr, &v[n].Value.bin.cb, (ENTRYID **)&v[n].Value.bin.lpb)))
            break;
        n++;
        v[n].ulPropTag = PR_SEARCH_KEY;
        if (FAILED(hr = td_search_key_make(a, v, L"SMTP", addr, &v[n].Value.bin))) break;
        n++;
        e->cValues = n;
    }
    return hr;
}

static void free_adrlist(const mc_alloc *a, ADRLIST *list)
{
    ULONG i;
    if (!list) return;
    for (i = 0; i < list->cEntries; i++)
        if (list->aEntries[i].rgPropVals) a->free_buffer(list->aEntries[i].rgPropVals);
    a->free_buffer(list);
}

static HRESULT write_recipients(const mc_alloc *a, const mime_message *m, IMessage *msg)
{
    size_t total = m->to.count + m->cc.count + m->bcc.count;
    ADRLIST *list = NULL;
    HRESULT hr;

    if (!total) return S_OK;
    if (total > 0xffff) return MAPI_E_CORRUPT_DATA;
    if (FAILED(hr = a->allocate_buffer(CbNewADRLIST(total), (void **)&list))) return hr;
    memset(list, 0, CbNewADRLIST(total));
    if (SUCCEEDED(hr = add_recipient_rows(a, list, &m->to, MAPI_TO))
        && SUCCEEDED(hr = add_recipient_rows(a, list, &m->cc, MAPI_CC))
        && SUCCEEDED(hr = add_recipient_rows(a, list, &m->bcc, MAPI_BCC))
        && list->cEntries)
        hr = msg->lpVtbl->ModifyRecipients(msg, MODRECIP_ADD, list);
    free_adrlist(a, list);
    return hr;
}

static HRESULT write_message(const mc_alloc *a, const mime_message *m, int64_t delivery_time,
                             IMessage *msg, int depth);

static HRESULT write_attachment(const mc_alloc *a, const mime_attachment *ma, IMessage *msg, int depth)
{
    IAttach *att = NULL;
    ULONG num = 0;
    prop_list pl;
    HRESULT hr;

    memset(&pl, 0, sizeof(pl));
    if (FAILED(hr = msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att))) return hr;
    pl_long(&pl, PR_RENDERING_POSITION, -1);
    if (ma->message)
    {
        IMessage *sub = NULL;
        pl_long(&pl, PR_ATTACH_METHOD, ATTACH_EMBEDDED_MSG);
        pl_str(&pl, PR_DISPLAY_NAME_W, ma->message->subject ? ma->message->subject : ma->filename);
        pl_str(&pl, PR_ATTACH_MIME_TAG_W, "message/rfc822");
        if (FAILED(hr = set_props(a, (IMAPIProp *)att, &pl))) goto done;
        if (depth + 1 >= MIME_MAX_DEPTH) { hr = MAPI_E_CORRUPT_DATA; goto done; }
        hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_OBJ, &IID_IMessage, 0, MAPI_CREATE | MAPI_MODIFY,
                                       (IUnknown **)&sub);
        if (FAILED(hr)) goto done;
        hr = write_message(a, ma->message, 0, sub, depth + 1);
        if (SUCCEEDED(hr)) hr = sub->lpVtbl->SaveChanges(sub, 0);
        sub->lpVtbl->Release(sub);
    }
    else
    {
        SPropValue *v;
        const char *name = ma->filename;
        pl_long(&pl, PR_ATTACH_METHOD, ATTACH_BY_VALUE);
        if (name)
        {
            const char *ext = strrchr(name, '.');
            pl_str(&pl, PR_ATTACH_LONG_FILENAME_W, name);
            pl_str(&pl, PR_DISPLAY_NAME_W, name);
            if (ext && ext != name) pl_str(&pl, PR_ATTACH_EXTENSION_W, ext);
        }
        pl_str(&pl, PR_ATTACH_MIME_TAG_W, ma->mime_type);
        pl_str(&pl, PR_ATTACH_CONTENT_ID_W, ma->content_id);
        if (ma->disposition == MIME_DISPOSITION_INLINE && ma->content_id)
            pl_add(&pl, PR_ATTACHMENT_HIDDEN)->Value.b = TRUE;
        if (ma->size > 0x7fffffff) { hr = MAPI_E_CORRUPT_DATA; goto done; }
        v = pl_add(&pl, PR_ATTACH_DATA_BIN);
        v->Value.bin.cb = (ULONG)ma->size;
        v->Value.bin.lpb = ma->data ? ma->data : (BYTE *)"";
        if (FAILED(hr = set_props(a, (IMAPIProp *)att, &pl))) goto done;
    }
    if (SUCCEEDED(hr)) hr = att->lpVtbl->SaveChanges(att, 0);

done:
    pl_clear(&pl);
    att->lpVtbl->Release(att);
    return hr;
}

static HRESULT write_message(const mc_alloc *a, const mime_message *m, int64_t delivery_time,
                             IMessage *msg, int depth)
{
    prop_list pl;
    SPropValue *v;
    HRESULT hr;
    size_t i;

    memset(&pl, 0, sizeof(pl));
    pl_str(&pl, PR_MESSAGE_CLASS_W, "IPM.Note");
    if (m->subject)
    {
        pl_str(&pl, PR_SUBJECT_W, m->subject);
        pl_str(&pl, PR_SUBJECT_PREFIX_W, m->subject_prefix ? m->subject_prefix : "");
        pl_str(&pl, PR_NORMALIZED_SUBJECT_W, m->normalized_subject ? m->normalized_subject : m->subject);
    }
    if (m->body_text)
    {
        WCHAR *w = pl_wstr(&pl, m->body_text, m->body_text_len);
        if (w) pl_add(&pl, PR_BODY_W)->Value.lpszW = w;
    }
    if (m->body_html)
    {
        v = pl_add(&pl, PR_HTML);
        v->Value.bin.cb = (ULONG)m->body_html_len;
        v->Value.bin.lpb = (BYTE *)m->body_html;
        pl_long(&pl, PR_INTERNET_CPID, CP_UTF8);
    }
    /* From: the represented person; Sender (when given) the one who sent it */
    pl_identity(&pl, &m->from, PR_SENT_REPRESENTING_NAME_W, PR_SENT_REPRESENTING_EMAIL_ADDRESS_W,
                PR_SENT_REPRESENTING_ADDRTYPE_W, PR_SENT_REPRESENTING_ENTRYID, PR_SENT_REPRESENTING_SEARCH_KEY);
    pl_identity(&pl, (m->sender.address || m->sender.name) ? &m->sender : &m->from, PR_SENDER_NAME_W,
                PR_SENDER_EMAIL_ADDRESS_W, PR_SENDER_ADDRTYPE_W, PR_SENDER_ENTRYID, PR_SENDER_SEARCH_KEY);
    if (m->date) pl_time(&pl, PR_CLIENT_SUBMIT_TIME, m->date);
    if (m->received) pl_time(&pl, PR_MESSAGE_DELIVERY_TIME, m->received);
    else if (delivery_time) pl_time(&pl, PR_MESSAGE_DELIVERY_TIME, delivery_time);
    pl_str(&pl, PR_INTERNET_MESSAGE_ID_W, m->message_id);
    pl_str(&pl, PR_IN_REPLY_TO_ID_W, m->in_reply_to);
    pl_str(&pl, PR_INTERNET_REFERENCES_W, m->references);
    if (m->headers)
    {
        WCHAR *w = pl_wstr(&pl, m->headers, m->headers_len);
        if (w) pl_add(&pl, PR_TRANSPORT_MESSAGE_HEADERS_W)->Value.lpszW = w;
    }
    if (m->importance != MIME_UNSET) pl_long(&pl, PR_IMPORTANCE, m->importance);
    if (m->priority != MIME_UNSET) pl_long(&pl, PR_PRIORITY, m->priority);
    if (m->sensitivity != MIME_UNSET) pl_long(&pl, PR_SENSITIVITY, m->sensitivity);
    if (m->read_receipt) pl_add(&pl, PR_READ_RECEIPT_REQUESTED)->Value.b = TRUE;

    if (FAILED(hr = set_props(a, (IMAPIProp *)msg, &pl))) goto done;
    if (FAILED(hr = write_recipients(a, m, msg))) goto done;
    for (i = 0; i < m->attachment_count && SUCCEEDED(hr); i++)
        hr = write_attachment(a, &m->attachments[i], msg, depth);

done:
    pl_clear(&pl);
    return hr;
}

HRESULT td_mapimime_to_message(const mc_alloc *a, const mime_message *m, int64_t delivery_time,
                               IMessage *msg)
{
    if (!a || !m || !msg) return MAPI_E_INVALID_PARAMETER;
    return write_message(a, m, delivery_time, msg, 0);
}

HRESULT td_mapimime_parse(const mc_alloc *a, const void *bytes, size_t len, int64_t delivery_time,
                          IMessage *msg, mime_message **parsed)
{
    mime_parse_options opt;
    mime_message *m = NULL;
    HRESULT hr;
    int st;

    if (parsed) *parsed = NULL;
    if (!a || (!bytes && len) || !msg) return MAPI_E_INVALID_PARAMETER;
    memset(&opt, 0, sizeof(opt));
    opt.charset = mime_default_charset();
    if ((st = mime_parse(bytes, len, &opt, &m)) != MIME_OK) return mime_hresult(st);
    hr = write_message(a, m, delivery_time, msg, 0);
    if (SUCCEEDED(hr) && parsed) *parsed = m;
    else mime_message_free(m);
    return hr;
}
