/*
 * addrbook.c - IAddrBook, MAPI's integrated address book (iaddrbookimapiprop.md,
 * iaddrbook-*.md, one-off-entry-identifiers.md). No address book provider is loaded yet, so
 * the book knows one kind of entry: one-off recipients (oneoff.c). What it does:
 *   CreateOneOff        one-off entry IDs, Unicode or ANSI per MAPI_UNICODE;
 *   ResolveName         a recipient whose PR_EMAIL_ADDRESS (with or without PR_ADDRTYPE) or
 *                       PR_DISPLAY_NAME is or contains an SMTP address becomes a one-off;
 *                       any other stays unresolved (MAPI_E_NOT_FOUND); a display name holding
 *                       several addresses is ambiguous (MAPI_E_AMBIGUOUS_RECIP);
 *   OpenEntry           an IMailUser for a one-off (mailuser.c);
 *   CompareEntryIDs     one-offs are the same recipient when address type and address match
 *                       (case-insensitively);
 *   PrepareRecips       nothing to add: S_OK.
 * Everything else (containers, dialogs, the PAB, search path) returns MAPI_E_NO_SUPPORT with a
 * FIXME trace. MAPI_DIALOG is accepted and no dialog is shown (there is no UI).
 */
#include "minimapi_private.h"

typedef struct addrbook
{
    IAddrBook IAddrBook_iface;
    LONG ref;
    IUnknown *session;          /* AddRef'd */
    mc_last_error err;
} addrbook;

static inline addrbook *impl_from_IAddrBook(IAddrBook *iface)
{
    return CONTAINING_RECORD(iface, addrbook, IAddrBook_iface);
}

static HRESULT ab_fixme(void *iface, const char *method, const char *why)
{
    MC_FIXME("(%p) %s: %s\n", iface, method, why);
    return MAPI_E_NO_SUPPORT;
}
#define AB_FIXME(why) ab_fixme(iface, __func__, why)

/* ---- SMTP addresses -------------------------------------------------------------------- */

static BOOL is_local_char(WCHAR c)
{
    return c > 0x20 && c != 0x7f && !wcschr(L"<>()[]\\,;:\"@", c);
}

/* "local@domain": an RFC 5321 dot-atom local part and a domain of labels (a single label such
 * as "localhost" is accepted: it is the project's default address domain). */
BOOL mm_is_smtp_address(const WCHAR *s, ULONG len)
{
    ULONG at = len, i;
    for (i = 0; i < len; i++)
        if (s[i] == '@') { if (at != len) return FALSE; at = i; }
    if (at == len || at == 0 || at + 1 >= len) return FALSE;
    for (i = 0; i < at; i++) if (!is_local_char(s[i])) return FALSE;
    if (s[0] == '.' || s[at - 1] == '.') return FALSE;
    for (i = at + 1; i < len; i++)
    {
        WCHAR c = s[i];
        if (!(iswalnum(c) || c == '-' || c == '.')) return FALSE;
        if (c == '.' && (i == at + 1 || i + 1 == len || s[i - 1] == '.')) return FALSE;
    }
    return TRUE;
}

static WCHAR *dup_range(const WCHAR *s, ULONG len)
{
    WCHAR *r;
    while (len && iswspace(*s)) { s++; len--; }
    while (len && iswspace(s[len - 1])) len--;
    if (len >= 2 && ((s[0] == '"' && s[len - 1] == '"') || (s[0] == '\'' && s[len - 1] == '\'')))
    {
        s++;
        len -= 2;
    }
    if (!(r = mc_malloc((len + 1) * sizeof(WCHAR)))) return NULL;
    memcpy(r, s, len * sizeof(WCHAR));
    r[len] = 0;
    return r;
}

/* Skip "mailto:" / "smtp:" in front of an address. */
static const WCHAR *skip_scheme(const WCHAR *s, ULONG *len)
{
    if (*len > 7 && !_wcsnicmp(s, L"mailto:", 7)) { *len -= 7; return s + 7; }
    if (*len > 5 && !_wcsnicmp(s, L"smtp:", 5)) { *len -= 5; return s + 5; }
    return s;
}

/* The SMTP address in a display name: "a@b", "Name <a@b>", "Name a@b".
 * S_OK with *name / *address (internal memory), MAPI_E_NOT_FOUND, MAPI_E_AMBIGUOUS_RECIP. */
HRESULT mm_smtp_from_display(const WCHAR *text, WCHAR **name, WCHAR **address)
{
    const WCHAR *lt = wcschr(text, '<'), *found = NULL, *token = NULL;
    ULONG found_len = 0, token_len = 0, n_found = 0;
    const WCHAR *p = text;

    *name = *address = NULL;
    if (lt)
    {
        const WCHAR *gt = wcschr(lt, '>'), *a = lt + 1;
        ULONG len;
        if (!gt || wcschr(gt + 1, '<')) return wcschr(gt ? gt + 1 : lt + 1, '@') ? MAPI_E_AMBIGUOUS_RECIP
                                                                             : MAPI_E_NOT_FOUND;
        len = gt - a;
        a = skip_scheme(a, &len);
        if (!mm_is_smtp_address(a, len)) return MAPI_E_NOT_FOUND;
        if (!(*address = dup_range(a, len)) || !(*name = dup_range(text, lt - text)))
            goto oom;
        if (!**name)
        {
            mc_free(*name);
            if (!(*name = mc_wcsdup(*address))) goto oom;
        }
        return S_OK;
    }
    while (*p)
    {
        const WCHAR *start, *tok;
        ULONG len;
        while (*p && (iswspace(*p) || *p == ',' || *p == ';')) p++;
        start = p;
        while (*p && !iswspace(*p) && *p != ',' && *p != ';') p++;
        len = p - start;
        tok = skip_scheme(start, &len);
        if (len && mm_is_smtp_address(tok, len))
        {
            if (n_found++) return MAPI_E_AMBIGUOUS_RECIP;
            found = tok;
            found_len = len;
            token = start;
            token_len = p - start;
        }
    }
    if (!found) return MAPI_E_NOT_FOUND;
    if (!(*address = dup_range(found, found_len))) goto oom;
    {
        /* the display name is the text around the address, or the address itself */
        ULONG n = lstrlenW(text), i, j = 0;
        WCHAR *rest = mc_malloc((n + 1) * sizeof(WCHAR));
        if (!rest) goto oom;
        for (i = 0; i < n; i++)
        {
            if (text + i >= token && text + i < token + token_len) continue;
            rest[j++] = text[i];
        }
        rest[j] = 0;
        *name = dup_range(rest, j);
        mc_free(rest);
        if (!*name) goto oom;
        if (!**name)
        {
            mc_free(*name);
            if (!(*name = mc_wcsdup(*address))) goto oom;
        }
    }
    return S_OK;
oom:
    mc_free(*name);
    mc_free(*address);
    *name = *address = NULL;
    return MAPI_E_NOT_ENOUGH_MEMORY;
}

/* ---- ResolveName ---------------------------------------------------------------------- */

static WCHAR *row_str(const ADRENTRY *e, ULONG prop_id)
{
    /* mc_props_find matches either string width */
    const SPropValue *v = mc_props_find(e->cValues, e->rgPropVals, PROP_TAG(PT_UNICODE, prop_id));
    if (!v) return NULL;
    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE)
        return v->Value.lpszW ? mc_wcsdup(v->Value.lpszW) : NULL;
    return v->Value.lpszA ? mc_a2w(v->Value.lpszA) : NULL;
}

static HRESULT add_str(SPropValue *row, ULONG *n, ULONG prop_id, const WCHAR *s, BOOL unicode)
{
    SPropValue *v = &row[(*n)++];
    memset(v, 0, sizeof(*v));
    if (unicode)
    {
        ULONG cb = (lstrlenW(s) + 1) * sizeof(WCHAR);
        v->ulPropTag = PROP_TAG(PT_UNICODE, prop_id);
        if (FAILED(MAPIAllocateMore(cb, row, (void **)&v->Value.lpszW))) return MAPI_E_NOT_ENOUGH_MEMORY;
        memcpy(v->Value.lpszW, s, cb);
        return S_OK;
    }
    v->ulPropTag = PROP_TAG(PT_STRING8, prop_id);
    return mc_w2a_more(&mm_alloc, row, s, &v->Value.lpszA);
}

/* Replace one ADRENTRY's property array by a resolved one (a new MAPIAllocateBuffer block; the
 * old one is freed, per the ADRLIST rules of managing-memory-for-adrlist-and-srowset-structures.md). */
static HRESULT resolve_entry(ADRENTRY *e, const WCHAR *name, const WCHAR *type,
                             const WCHAR *address, BOOL unicode)
{
    static const ULONG replaced[] =
    {
        PROP_ID(PR_DISPLAY_NAME_W), PROP_ID(PR_ADDRTYPE_W), PROP_ID(PR_EMAIL_ADDRESS_W),
        PROP_ID(PR_ENTRYID), PROP_ID(PR_SEARCH_KEY), PROP_ID(PR_OBJECT_TYPE),
        PROP_ID(PR_DISPLAY_TYPE), PROP_ID(PR_TRANSMITABLE_DISPLAY_NAME_W),
    };
    ULONG cb_eid, n = 0, i, j, total = e->cValues + ARRAYSIZE(replaced);
    ENTRYID *eid = NULL;
    SPropValue *row = NULL;
    HRESULT hr;

    if (FAILED(hr = mm_oneoff_make(name, type, address, MAPI_UNICODE, &cb_eid, &eid))) return hr;
    if (FAILED(hr = MAPIAllocateBuffer(total * sizeof(SPropValue), (void **)&row))) goto done;
    for (i = 0; i < e->cValues; i++)
    {
        ULONG id = PROP_ID(e->rgPropVals[i].ulPropTag);
        BOOL skip = e->rgPropVals[i].ulPropTag == PR_NULL;
        for (j = 0; j < ARRAYSIZE(replaced) && !skip; j++) skip = id == replaced[j];
        if (skip) continue;
        if (FAILED(hr = mc_prop_copy(&mm_alloc, row, &row[n], &e->rgPropVals[i]))) goto done;
        n++;
    }
    if (FAILED(hr = add_str(row, &n, PROP_ID(PR_DISPLAY_NAME_W), name, unicode))
        || FAILED(hr = add_str(row, &n, PROP_ID(PR_TRANSMITABLE_DISPLAY_NAME_W), name, unicode))
        || FAILED(hr = add_str(row, &n, PROP_ID(PR_ADDRTYPE_W), type, unicode))
        || FAILED(hr = add_str(row, &n, PROP_ID(PR_EMAIL_ADDRESS_W), address, unicode)))
        goto done;
    memset(&row[n], 0, sizeof(row[n]));
    row[n].ulPropTag = PR_ENTRYID;
    if (FAILED(hr = MAPIAllocateMore(cb_eid, row, (void **)&row[n].Value.bin.lpb))) goto done;
    memcpy(row[n].Value.bin.lpb, eid, cb_eid);
    row[n++].Value.bin.cb = cb_eid;
    memset(&row[n], 0, sizeof(row[n]));
    row[n].ulPropTag = PR_SEARCH_KEY;
    if (FAILED(hr = mm_search_key(row, type, address, &row[n].Value.bin))) goto done;
    n++;
    memset(&row[n], 0, sizeof(row[n]));
    row[n].ulPropTag = PR_OBJECT_TYPE;
    row[n++].Value.l = MAPI_MAILUSER;
    memset(&row[n], 0, sizeof(row[n]));
    row[n].ulPropTag = PR_DISPLAY_TYPE;
    row[n++].Value.l = DT_MAILUSER;
    MAPIFreeBuffer(e->rgPropVals);
    e->rgPropVals = row;
    e->cValues = n;
    row = NULL;
done:
    MAPIFreeBuffer(row);
    MAPIFreeBuffer(eid);
    return hr;
}

HRESULT mm_resolve_names(ULONG flags, ADRLIST *list)
{
    BOOL unicode = (flags & MAPI_UNICODE) != 0, ambiguous = FALSE, missing = FALSE;
    ULONG i;
    HRESULT hr = S_OK;

    for (i = 0; i < list->cEntries; i++)
    {
        ADRENTRY *e = &list->aEntries[i];
        WCHAR *display = NULL, *type = NULL, *email = NULL, *name = NULL, *address = NULL;
        HRESULT r;

        if (!e->rgPropVals || mc_props_find(e->cValues, e->rgPropVals, PR_ENTRYID)) continue;
        display = row_str(e, PROP_ID(PR_DISPLAY_NAME_W));
        type = row_str(e, PROP_ID(PR_ADDRTYPE_W));
        email = row_str(e, PROP_ID(PR_EMAIL_ADDRESS_W));
        if (email && *email && type && *type && lstrcmpiW(type, L"SMTP"))
        {
            /* an explicit address of another type: a one-off of that type */
            r = (name = mc_wcsdup(display && *display ? display : email))
                && (address = mc_wcsdup(email)) ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
        }
        else if (email && *email && mm_is_smtp_address(email, lstrlenW(email)))
        {
            r = (name = mc_wcsdup(display && *display ? display : email))
                && (address = mc_wcsdup(email)) ? S_OK : MAPI_E_NOT_ENOUGH_MEMORY;
            mc_free(type);
            type = NULL;
        }
        else if (display)
        {
            r = mm_smtp_from_display(display, &name, &address);
            mc_free(type);
            type = NULL;
        }
        else
            r = MAPI_E_NOT_FOUND;
        if (r == S_OK)
            r = resolve_entry(e, name, type ? type : L"SMTP", address, unicode);
        if (r == MAPI_E_AMBIGUOUS_RECIP) ambiguous = TRUE;
        else if (r == MAPI_E_NOT_FOUND) missing = TRUE;
        else if (FAILED(r)) hr = r;
        MC_TRACE(MM_CH, "%ls -> %#lx\n", display ? display : L"(no name)", r);
        mc_free(display);
        mc_free(type);
        mc_free(email);
        mc_free(name);
        mc_free(address);
        if (FAILED(hr)) return hr;
    }
    if (ambiguous) return MAPI_E_AMBIGUOUS_RECIP;
    if (missing) return MAPI_E_NOT_FOUND;
    return S_OK;
}

/* ---- IAddrBook ------------------------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE addrbook_QueryInterface(IAddrBook *iface, REFIID iid, void **out)
{
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPIProp)
        || IsEqualIID(iid, &IID_IAddrBook))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE addrbook_AddRef(IAddrBook *iface)
{
    return InterlockedIncrement(&impl_from_IAddrBook(iface)->ref);
}

static ULONG STDMETHODCALLTYPE addrbook_Release(IAddrBook *iface)
{
    addrbook *This = impl_from_IAddrBook(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        if (This->session) This->session->lpVtbl->Release(This->session);
        mc_last_error_destroy(&This->err);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE addrbook_GetLastError(IAddrBook *iface, HRESULT hr, ULONG flags,
                                                       LPMAPIERROR *out)
{
    return mc_last_error_get(&impl_from_IAddrBook(iface)->err, &mm_alloc, MM_COMPONENT, hr, flags,
                             out);
}

static HRESULT STDMETHODCALLTYPE addrbook_SaveChanges(IAddrBook *iface, ULONG flags)
{
    return AB_FIXME("the address book has no properties to save");
}

static HRESULT STDMETHODCALLTYPE addrbook_GetProps(IAddrBook *iface, LPSPropTagArray tags,
                                                   ULONG flags, ULONG *count, LPSPropValue *out)
{
    SPropValue v;
    mc_propbag *b;
    HRESULT hr;
    if (!count || !out) return MAPI_E_INVALID_PARAMETER;
    if (!(b = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PR_OBJECT_TYPE;
    v.Value.l = MAPI_ADDRBOOK;
    mc_propbag_set(b, &v);
    hr = mc_getprops(&mm_alloc, b, NULL, 0, tags, flags, NULL, count, out);
    mc_propbag_free(b);
    return hr;
}

static HRESULT STDMETHODCALLTYPE addrbook_GetPropList(IAddrBook *iface, ULONG flags,
                                                      LPSPropTagArray *out)
{
    SPropValue v;
    mc_propbag *b;
    HRESULT hr;
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (!(b = mc_propbag_new())) return MAPI_E_NOT_ENOUGH_MEMORY;
    memset(&v, 0, sizeof(v));
    v.ulPropTag = PR_OBJECT_TYPE;
    v.Value.l = MAPI_ADDRBOOK;
    mc_propbag_set(b, &v);
    hr = mc_getproplist(&mm_alloc, b, NULL, 0, NULL, flags, NULL, out);
    mc_propbag_free(b);
    return hr;
}

static HRESULT STDMETHODCALLTYPE addrbook_OpenProperty(IAddrBook *iface, ULONG tag, LPCIID iid,
                                                       ULONG options, ULONG flags, LPUNKNOWN *out)
{
    if (out) *out = NULL;
    return AB_FIXME("no object properties on the address book");
}

static HRESULT STDMETHODCALLTYPE addrbook_SetProps(IAddrBook *iface, ULONG n, LPSPropValue props,
                                                   LPSPropProblemArray *problems)
{
    return AB_FIXME("the address book's own properties are read-only");
}

static HRESULT STDMETHODCALLTYPE addrbook_DeleteProps(IAddrBook *iface, LPSPropTagArray tags,
                                                      LPSPropProblemArray *problems)
{
    return AB_FIXME("the address book's own properties are read-only");
}

static HRESULT STDMETHODCALLTYPE addrbook_CopyTo(IAddrBook *iface, ULONG n_iids, LPCIID iids,
                                                 LPSPropTagArray exclude, ULONG ui,
                                                 LPMAPIPROGRESS progress, LPCIID iid, LPVOID dest,
                                                 ULONG flags, LPSPropProblemArray *problems)
{
    return AB_FIXME("CopyTo");
}

static HRESULT STDMETHODCALLTYPE addrbook_CopyProps(IAddrBook *iface, LPSPropTagArray include,
                                                    ULONG ui, LPMAPIPROGRESS progress, LPCIID iid,
                                                    LPVOID dest, ULONG flags,
                                                    LPSPropProblemArray *problems)
{
    return AB_FIXME("CopyProps");
}

static HRESULT STDMETHODCALLTYPE addrbook_GetNamesFromIDs(IAddrBook *iface, LPSPropTagArray *tags,
                                                          LPGUID guid, ULONG flags, ULONG *count,
                                                          LPMAPINAMEID **names)
{
    return AB_FIXME("no named properties");
}

static HRESULT STDMETHODCALLTYPE addrbook_GetIDsFromNames(IAddrBook *iface, ULONG count,
                                                          LPMAPINAMEID *names, ULONG flags,
                                                          LPSPropTagArray *tags)
{
    return AB_FIXME("no named properties");
}

static HRESULT STDMETHODCALLTYPE addrbook_OpenEntry(IAddrBook *iface, ULONG cb, LPENTRYID eid,
                                                    LPCIID iid, ULONG flags, ULONG *type,
                                                    LPUNKNOWN *out)
{
    MC_TRACE(MM_CH, "(%p, %lu, %p, %#lx)\n", iface, cb, eid, flags);
    if (!type || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!eid) return AB_FIXME("no address book containers (root container)");
    if (!mm_oneoff_is(cb, eid)) return MAPI_E_UNKNOWN_ENTRYID;
    return mm_mailuser_open_oneoff(cb, eid, iid, type, out);
}

HRESULT mm_oneoff_compare(ULONG cb1, const ENTRYID *e1, ULONG cb2, const ENTRYID *e2,
                          ULONG *result)
{
    mm_oneoff a, b;
    HRESULT hr;

    *result = FALSE;
    if (FAILED(hr = mm_oneoff_parse(cb1, e1, &a))) return hr;
    if (FAILED(hr = mm_oneoff_parse(cb2, e2, &b)))
    {
        mm_oneoff_free(&a);
        return hr;
    }
    *result = !lstrcmpiW(a.type, b.type) && !lstrcmpiW(a.address, b.address);
    mm_oneoff_free(&a);
    mm_oneoff_free(&b);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE addrbook_CompareEntryIDs(IAddrBook *iface, ULONG cb1, LPENTRYID e1,
                                                          ULONG cb2, LPENTRYID e2, ULONG flags,
                                                          ULONG *result)
{
    MC_TRACE(MM_CH, "(%p)\n", iface);
    if (!e1 || !e2 || !result) return MAPI_E_INVALID_PARAMETER;
    *result = FALSE;
    if (mm_oneoff_is(cb1, e1) && mm_oneoff_is(cb2, e2)) return mm_oneoff_compare(cb1, e1, cb2, e2, result);
    if (mm_oneoff_is(cb1, e1) || mm_oneoff_is(cb2, e2)) return S_OK;
    return MAPI_E_UNKNOWN_ENTRYID;
}

static HRESULT STDMETHODCALLTYPE addrbook_Advise(IAddrBook *iface, ULONG cb, LPENTRYID eid,
                                                 ULONG mask, LPMAPIADVISESINK sink, ULONG *conn)
{
    return AB_FIXME("no address book provider raises notifications");
}

static HRESULT STDMETHODCALLTYPE addrbook_Unadvise(IAddrBook *iface, ULONG conn)
{
    return AB_FIXME("no address book provider raises notifications");
}

static HRESULT STDMETHODCALLTYPE addrbook_CreateOneOff(IAddrBook *iface, LPTSTR name, LPTSTR type,
                                                       LPTSTR address, ULONG flags, ULONG *cb,
                                                       LPENTRYID *eid)
{
    MC_TRACE(MM_CH, "(%p, %#lx)\n", iface, flags);
    return mm_oneoff_create(name, type, address, flags, cb, eid);
}

static HRESULT STDMETHODCALLTYPE addrbook_NewEntry(IAddrBook *iface, ULONG_PTR ui, ULONG flags,
                                                   ULONG cb_container, LPENTRYID container,
                                                   ULONG cb_template, LPENTRYID template_id,
                                                   ULONG *cb_new, LPENTRYID *new_eid)
{
    return AB_FIXME("no address book user interface");
}

static HRESULT STDMETHODCALLTYPE addrbook_ResolveName(IAddrBook *iface, ULONG_PTR ui, ULONG flags,
                                                      LPTSTR title, LPADRLIST list)
{
    MC_TRACE(MM_CH, "(%p, %#lx, %p)\n", iface, flags, list);
    if (!list) return MAPI_E_INVALID_PARAMETER;
    /* iaddrbook-resolvename.md lists no MAPI_E_UNKNOWN_FLAGS: other flags (AB_UNICODEUI,
     * MAPI_CACHE_ONLY, MAPI_DIALOG) change nothing here. */
    return mm_resolve_names(flags, list);
}

static HRESULT STDMETHODCALLTYPE addrbook_Address(IAddrBook *iface, ULONG_PTR *ui, LPADRPARM params,
                                                  LPADRLIST *list)
{
    return AB_FIXME("no address book user interface");
}

static HRESULT STDMETHODCALLTYPE addrbook_Details(IAddrBook *iface, ULONG *ui, LPFNDISMISS dismiss,
                                                  LPVOID dismiss_ctx, ULONG cb, LPENTRYID eid,
                                                  LPFNBUTTON button, LPVOID button_ctx,
                                                  LPTSTR button_text, ULONG flags)
{
    return AB_FIXME("no address book user interface");
}

static HRESULT STDMETHODCALLTYPE addrbook_RecipOptions(IAddrBook *iface, ULONG_PTR ui, ULONG flags,
                                                       LPADRENTRY recip)
{
    return AB_FIXME("no recipient options user interface");
}

static HRESULT STDMETHODCALLTYPE addrbook_QueryDefaultRecipOpt(IAddrBook *iface, LPTSTR type,
                                                               ULONG flags, ULONG *count,
                                                               LPSPropValue *options)
{
    return AB_FIXME("no per-recipient options");
}

static HRESULT STDMETHODCALLTYPE addrbook_GetPAB(IAddrBook *iface, ULONG *cb, LPENTRYID *eid)
{
    return AB_FIXME("no personal address book");
}

static HRESULT STDMETHODCALLTYPE addrbook_SetPAB(IAddrBook *iface, ULONG cb, LPENTRYID eid)
{
    return AB_FIXME("no personal address book");
}

static HRESULT STDMETHODCALLTYPE addrbook_GetDefaultDir(IAddrBook *iface, ULONG *cb, LPENTRYID *eid)
{
    return AB_FIXME("no address book containers");
}

static HRESULT STDMETHODCALLTYPE addrbook_SetDefaultDir(IAddrBook *iface, ULONG cb, LPENTRYID eid)
{
    return AB_FIXME("no address book containers");
}

static HRESULT STDMETHODCALLTYPE addrbook_GetSearchPath(IAddrBook *iface, ULONG flags,
                                                        LPSRowSet *path)
{
    return AB_FIXME("no address book containers");
}

static HRESULT STDMETHODCALLTYPE addrbook_SetSearchPath(IAddrBook *iface, ULONG flags,
                                                        LPSRowSet path)
{
    return AB_FIXME("no address book containers");
}

static HRESULT STDMETHODCALLTYPE addrbook_PrepareRecips(IAddrBook *iface, ULONG flags,
                                                        LPSPropTagArray tags, LPADRLIST list)
{
    /* One-off rows already carry every property the book could add. */
    MC_TRACE(MM_CH, "(%p, %#lx)\n", iface, flags);
    return list ? S_OK : MAPI_E_INVALID_PARAMETER;
}

static const IAddrBookVtbl addrbook_vtbl =
{
    addrbook_QueryInterface,
    addrbook_AddRef,
    addrbook_Release,
    addrbook_GetLastError,
    addrbook_SaveChanges,
    addrbook_GetProps,
    addrbook_GetPropList,
    addrbook_OpenProperty,
    addrbook_SetProps,
    addrbook_DeleteProps,
    addrbook_CopyTo,
    addrbook_CopyProps,
    addrbook_GetNamesFromIDs,
    addrbook_GetIDsFromNames,
    addrbook_OpenEntry,
    addrbook_CompareEntryIDs,
    addrbook_Advise,
    addrbook_Unadvise,
    addrbook_CreateOneOff,
    addrbook_NewEntry,
    addrbook_ResolveName,
    addrbook_Address,
    addrbook_Details,
    addrbook_RecipOptions,
    addrbook_QueryDefaultRecipOpt,
    addrbook_GetPAB,
    addrbook_SetPAB,
    addrbook_GetDefaultDir,
    addrbook_SetDefaultDir,
    addrbook_GetSearchPath,
    addrbook_SetSearchPath,
    addrbook_PrepareRecips,
};

HRESULT mm_addrbook_create(IUnknown *session, IAddrBook **out)
{
    addrbook *This;

    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IAddrBook_iface.lpVtbl = &addrbook_vtbl;
    This->ref = 1;
    This->session = session;
    if (session) session->lpVtbl->AddRef(session);
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IAddrBook_iface;
    return S_OK;
}
