/*
 * netcfg.c - the network channels' settings: reading them at TransportLogon, writing them at
 * ServiceEntry(CONFIGURE) with the passwords protected by CryptProtectData
 * (cryptprotectdata.md: the blob can be opened only by the same Windows user), and opening a
 * connection to a configured server. netcfg.h lists the tags.
 */
#include <stdarg.h>
#include <stdio.h>
#include "netcfg.h"
#include "mapimime.h"
#include <wincrypt.h>

/* Mixed into the protection so a blob of another program's is not taken for ours. */
static const char entropy_text[] = "Tandem mail transport password";

void td_netcfg_clear(td_netcfg *c)
{
    td_server *s[2];
    int i;
    if (!c) return;
    s[0] = &c->smtp;
    s[1] = &c->in;
    for (i = 0; i < 2; i++)
    {
        mc_free(s[i]->host);
        mc_free(s[i]->user);
        if (s[i]->password)
        {
            SecureZeroMemory(s[i]->password, strlen(s[i]->password));
            mc_free(s[i]->password);
        }
    }
    memset(c, 0, sizeof(*c));
}

char *td_asprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *r;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(r = mc_malloc(n + 1))) return NULL;
    va_start(ap, fmt);
    vsnprintf(r, n + 1, fmt, ap);
    va_end(ap);
    return r;
}

static char *unprotect(const SBinary *bin)
{
    DATA_BLOB in, out, ent;
    char *r = NULL;

    in.cbData = bin->cb;
    in.pbData = bin->lpb;
    ent.cbData = sizeof(entropy_text) - 1;
    ent.pbData = (BYTE *)entropy_text;
    memset(&out, 0, sizeof(out));
    if (!CryptUnprotectData(&in, NULL, &ent, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &out)) return NULL;
    if ((r = mc_malloc(out.cbData + 1)))
    {
        memcpy(r, out.pbData, out.cbData);
        r[out.cbData] = 0;
    }
    SecureZeroMemory(out.pbData, out.cbData);
    LocalFree(out.pbData);
    return r;
}

static char *utf8_of(const SPropValue *v)
{
    WCHAR *w;
    char *r;
    if (PROP_TYPE(v->ulPropTag) == PT_UNICODE) return v->Value.lpszW && v->Value.lpszW[0] ? td_utf8_from_wide(v->Value.lpszW) : NULL;
    if (PROP_TYPE(v->ulPropTag) != PT_STRING8 || !v->Value.lpszA || !v->Value.lpszA[0]) return NULL;
    w = mc_a2w(v->Value.lpszA);
    r = w ? td_utf8_from_wide(w) : NULL;
    mc_free(w);
    return r;
}

HRESULT td_netcfg_read(const mc_alloc *a, IProfSect *sect, td_netcfg *c)
{
    /* strings asked for as PT_UNSPECIFIED: whatever width was written comes back */
    SizedSPropTagArray(15, tags) = { 15, {
        PROP_TAG(PT_UNSPECIFIED, 0x6791), PR_TD_SMTP_PORT, PR_TD_SMTP_SECURITY,
        PROP_TAG(PT_UNSPECIFIED, 0x6794), PR_TD_IN_PROTOCOL, PROP_TAG(PT_UNSPECIFIED, 0x6796),
        PR_TD_IN_PORT, PR_TD_IN_SECURITY, PROP_TAG(PT_UNSPECIFIED, 0x6799), PR_TD_ALLOW_PLAIN_PASSWORD,
        PR_TD_LEAVE_ON_SERVER, PROP_TAG(PT_UNSPECIFIED, 0x679C), PR_TD_NET_TIMEOUT,
        PR_TD_SMTP_PASSWORD, PR_TD_IN_PASSWORD } };
    SPropValue *v = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    memset(c, 0, sizeof(*c));
    c->timeout_ms = TD_NET_DEFAULT_TIMEOUT_S * 1000;
    if (!sect) return S_OK;
    if (FAILED(hr = sect->lpVtbl->GetProps(sect, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &v))) return hr;
    for (i = 0; i < n; i++)
    {
        ULONG t = v[i].ulPropTag;
        if (PROP_TYPE(t) == PT_ERROR) continue;
        switch (PROP_ID(t))
        {
        case 0x6791: c->smtp.host = utf8_of(&v[i]); break;
        case 0x6794: c->smtp.user = utf8_of(&v[i]); break;
        case 0x6796: c->in.host = utf8_of(&v[i]); break;
        case 0x6799: c->in.user = utf8_of(&v[i]); break;
        case 0x679C:
        {
            WCHAR *w = PROP_TYPE(t) == PT_UNICODE ? mc_wcsdup(v[i].Value.lpszW)
                     : PROP_TYPE(t) == PT_STRING8 ? mc_a2w(v[i].Value.lpszA) : NULL;
            c->thumb_len = td_net_parse_thumbprint(w, c->thumb);
            mc_free(w);
            break;
        }
        default:
            if (t == PR_TD_SMTP_PORT) c->smtp.port = (unsigned short)v[i].Value.l;
            else if (t == PR_TD_SMTP_SECURITY) c->smtp.security = v[i].Value.l;
            else if (t == PR_TD_IN_PROTOCOL) c->in_protocol = v[i].Value.l;
            else if (t == PR_TD_IN_PORT) c->in.port = (unsigned short)v[i].Value.l;
            else if (t == PR_TD_IN_SECURITY) c->in.security = v[i].Value.l;
            else if (t == PR_TD_ALLOW_PLAIN_PASSWORD) c->allow_plain = v[i].Value.b != 0;
            else if (t == PR_TD_LEAVE_ON_SERVER) c->leave_on_server = v[i].Value.b != 0;
            else if (t == PR_TD_NET_TIMEOUT && v[i].Value.l > 0) c->timeout_ms = (DWORD)v[i].Value.l * 1000;
            else if (t == PR_TD_SMTP_PASSWORD) c->smtp.password = unprotect(&v[i].Value.bin);
            else if (t == PR_TD_IN_PASSWORD) c->in.password = unprotect(&v[i].Value.bin);
        }
    }
    a->free_buffer(v);
    /* default ports by protocol and security mode */
    if (c->smtp.host && !c->smtp.port) c->smtp.port = c->smtp.security == TD_SEC_TLS ? 465 : c->smtp.security == TD_SEC_STARTTLS ? 587 : 25;
    if (c->in.host && !c->in.port)
        c->in.port = c->in_protocol == TD_IN_IMAP ? (c->in.security == TD_SEC_TLS ? 993 : 143)
                                                  : (c->in.security == TD_SEC_TLS ? 995 : 110);
    if (!c->in.host) c->in_protocol = TD_IN_NONE;
    return S_OK;
}

BOOL td_netcfg_is_ours(ULONG id)
{
    return (id >= 0x6791 && id <= 0x679D) || id == 0x67F0 || id == 0x67F1;
}

static BOOL is_string(ULONG t) { return PROP_TYPE(t) == PT_UNICODE || PROP_TYPE(t) == PT_STRING8; }

HRESULT td_netcfg_configure(IProfSect *svc, ULONG n, const SPropValue *props, WCHAR **why)
{
    SPropValue *out = NULL;
    DATA_BLOB *blobs = NULL;
    ULONG i, k = 0;
    BYTE thumb[32];
    HRESULT hr = S_OK;

    *why = NULL;
    if (!n) return S_OK;
    if (!(out = mc_calloc(n, sizeof(*out))) || !(blobs = mc_calloc(n, sizeof(*blobs))))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    for (i = 0; i < n; i++)
    {
        ULONG t = props[i].ulPropTag, id = PROP_ID(t), type = PROP_TYPE(t);
        BOOL ok;

        if (!td_netcfg_is_ours(id) || type == PT_ERROR) continue;
        switch (id)
        {
        case 0x6791: case 0x6794: case 0x6796: case 0x6799:
            ok = is_string(t) && (type == PT_UNICODE ? props[i].Value.lpszW != NULL : props[i].Value.lpszA != NULL);
            break;
        case 0x679C:
            ok = is_string(t);
            if (ok)
            {
                WCHAR *w = type == PT_UNICODE ? mc_wcsdup(props[i].Value.lpszW) : mc_a2w(props[i].Value.lpszA);
                ok = w && (!w[0] || td_net_parse_thumbprint(w, thumb));
                mc_free(w);
            }
            break;
        case 0x6792: case 0x6797:
            ok = type == PT_LONG && props[i].Value.l >= 0 && props[i].Value.l <= 65535;
            break;
        case 0x6793: case 0x6798:
            ok = type == PT_LONG && props[i].Value.l >= TD_SEC_NONE && props[i].Value.l <= TD_SEC_TLS;
            break;
        case 0x6795:
            ok = type == PT_LONG && props[i].Value.l >= TD_IN_NONE && props[i].Value.l <= TD_IN_IMAP;
            break;
        case 0x679D:
            ok = type == PT_LONG && props[i].Value.l >= 0 && props[i].Value.l <= 3600;
            break;
        case 0x679A: case 0x679B:
            ok = type == PT_BOOLEAN;
            break;
        default:    /* passwords: given as text, stored protected */
            ok = is_string(t) && (type == PT_UNICODE ? props[i].Value.lpszW != NULL : props[i].Value.lpszA != NULL);
            if (ok)
            {
                DATA_BLOB in, ent;
                char *utf8 = utf8_of(&props[i]);
                in.pbData = (BYTE *)(utf8 ? utf8 : "");
                in.cbData = utf8 ? (DWORD)strlen(utf8) : 0;
                ent.cbData = sizeof(entropy_text) - 1;
                ent.pbData = (BYTE *)entropy_text;
                ok = CryptProtectData(&in, L"Tandem", &ent, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &blobs[k]);
                if (utf8) { SecureZeroMemory(utf8, strlen(utf8)); mc_free(utf8); }
                if (!ok)
                {
                    *why = td_wsprintf(L"The password cannot be protected (CryptProtectData failed, %lu)", GetLastError());
                    hr = MAPI_E_UNCONFIGURED;
                    goto done;
                }
                out[k].ulPropTag = PROP_TAG(PT_BINARY, id);
                out[k].Value.bin.cb = blobs[k].cbData;
                out[k].Value.bin.lpb = blobs[k].pbData;
                k++;
                continue;
            }
            break;
        }
        if (!ok)
        {
            *why = td_wsprintf(L"Property %08lx has a wrong type or value for Tandem's network settings", (unsigned long)t);
            hr = MAPI_E_UNCONFIGURED;
            goto done;
        }
        out[k++] = props[i];
    }
    if (k && FAILED(hr = svc->lpVtbl->SetProps(svc, k, out, NULL)))
        *why = td_wsprintf(L"The network settings cannot be written to the profile (%#lx)", (unsigned long)hr);

done:
    if (blobs)
        for (i = 0; i < n; i++)
            if (blobs[i].pbData) LocalFree(blobs[i].pbData);
    mc_free(blobs);
    mc_free(out);
    return hr;
}

static WCHAR *net_why(td_net *c, const char *what, const td_server *s)
{
    WCHAR *text = td_wide_from_utf8(td_net_error(c), strlen(td_net_error(c)));
    WCHAR *r = td_wsprintf(L"%hs %hs:%u: %ls", what, s->host, s->port, text ? text : L"");
    mc_free(text);
    return r;
}

HRESULT td_server_connect(const td_netcfg *cfg, const td_server *s, td_net **out, WCHAR **why)
{
    td_net *c = NULL;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = td_net_connect(s->host, s->port, cfg->timeout_ms, &c)))
    {
        *why = c ? net_why(c, "Cannot reach", s) : td_wsprintf(L"Cannot reach %hs:%u (%#lx)", s->host, s->port, (unsigned long)hr);
        td_net_close(c);
        return hr;
    }
    if (s->security == TD_SEC_TLS && FAILED(hr = td_server_start_tls(cfg, s, c, why)))
    {
        td_net_close(c);
        return hr;
    }
    *out = c;
    return S_OK;
}

HRESULT td_server_start_tls(const td_netcfg *cfg, const td_server *s, td_net *c, WCHAR **why)
{
    HRESULT hr = td_net_start_tls(c, s->host, cfg->thumb_len ? cfg->thumb : NULL, cfg->thumb_len);
    if (FAILED(hr)) *why = net_why(c, "TLS with", s);
    return hr;
}

BOOL td_server_may_send_password(const td_netcfg *cfg, const td_server *s, td_net *c, WCHAR **why)
{
    if (td_net_is_tls(c) || cfg->allow_plain) return TRUE;
    *why = td_wsprintf(L"%hs:%u offers no encryption and the profile does not allow sending the password "
                       L"unencrypted (set security to STARTTLS or TLS)", s->host, s->port);
    return FALSE;
}
