/*
 * config.c - the TANDEM service's configuration as kept in profile sections (the property
 * list is in tandem_private.h), and small path and string helpers shared by the service
 * entry and the providers.
 */
#include <stdarg.h>
#include <stdio.h>
#include "tandem_private.h"

void td_config_clear(td_config *c)
{
    if (!c) return;
    mc_free(c->path);
    mc_free(c->display_name);
    mc_free(c->email);
    mc_free(c->drop_root);
    memset(c, 0, sizeof(*c));
}

WCHAR *td_props_get_wstr(ULONG n, const SPropValue *v, ULONG prop_id)
{
    ULONG i;
    for (i = 0; i < n; i++)
    {
        if (PROP_ID(v[i].ulPropTag) != prop_id) continue;
        if (PROP_TYPE(v[i].ulPropTag) == PT_UNICODE && v[i].Value.lpszW)
            return mc_wcsdup(v[i].Value.lpszW);
        if (PROP_TYPE(v[i].ulPropTag) == PT_STRING8 && v[i].Value.lpszA)
            return mc_a2w(v[i].Value.lpszA);
    }
    return NULL;
}

HRESULT td_config_read(const mc_alloc *a, IProfSect *sect, td_config *c)
{
    /* PT_UNSPECIFIED would do, but we ask for Unicode explicitly so that ANSI-written values
     * come back converted by the profile section. */
    SizedSPropTagArray(5, tags) = { 5, { PR_PST_PATH_W, PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W,
                                         PR_TD_DROP_ROOT_W, PR_TD_STORE_GUID } };
    SPropValue *v = NULL;
    ULONG n = 0, i;
    HRESULT hr;

    if (!a || !sect || !c) return MAPI_E_INVALID_PARAMETER;
    hr = sect->lpVtbl->GetProps(sect, (SPropTagArray *)&tags, MAPI_UNICODE, &n, &v);
    if (FAILED(hr)) return hr;
    for (i = 0; i < n; i++)
    {
        WCHAR **dst = NULL;
        switch (v[i].ulPropTag)
        {
        case PR_PST_PATH_W:      dst = &c->path; break;
        case PR_DISPLAY_NAME_W:  dst = &c->display_name; break;
        case PR_EMAIL_ADDRESS_W: dst = &c->email; break;
        case PR_TD_DROP_ROOT_W:  dst = &c->drop_root; break;
        case PR_TD_STORE_GUID:
            if (v[i].Value.bin.cb == sizeof(GUID) && v[i].Value.bin.lpb)
            {
                memcpy(&c->store_guid, v[i].Value.bin.lpb, sizeof(GUID));
                c->has_guid = TRUE;
            }
            break;
        }
        if (dst && !*dst && v[i].Value.lpszW && v[i].Value.lpszW[0])
            *dst = mc_wcsdup(v[i].Value.lpszW);
    }
    /* a profile implementation that ignores MAPI_UNICODE may hand back only the ANSI forms */
    if (!c->path) c->path = td_props_get_wstr(n, v, PROP_ID(PR_PST_PATH_W));
    if (!c->display_name) c->display_name = td_props_get_wstr(n, v, PROP_ID(PR_DISPLAY_NAME_W));
    if (!c->email) c->email = td_props_get_wstr(n, v, PROP_ID(PR_EMAIL_ADDRESS_W));
    if (!c->drop_root) c->drop_root = td_props_get_wstr(n, v, PROP_ID(PR_TD_DROP_ROOT_W));
    a->free_buffer(v);
    return S_OK;
}

HRESULT td_config_read_for_provider(const mc_alloc *a, IMAPISupport *sup, IProfSect *provider_sect,
                                    td_config *c)
{
    SizedSPropTagArray(1, tags) = { 1, { PR_SERVICE_UID } };
    IProfSect *svc = NULL;
    SPropValue *v = NULL;
    ULONG n = 0;
    HRESULT hr;

    if (!a || !sup || !provider_sect || !c) return MAPI_E_INVALID_PARAMETER;
    hr = provider_sect->lpVtbl->GetProps(provider_sect, (SPropTagArray *)&tags, 0, &n, &v);
    if (SUCCEEDED(hr) && n == 1 && v[0].ulPropTag == PR_SERVICE_UID &&
        v[0].Value.bin.cb == sizeof(MAPIUID))
    {
        MAPIUID uid;
        memcpy(&uid, v[0].Value.bin.lpb, sizeof(uid));
        if (SUCCEEDED(sup->lpVtbl->OpenProfileSection(sup, &uid, 0, &svc)))
        {
            hr = td_config_read(a, svc, c);
            svc->lpVtbl->Release(svc);
            if (FAILED(hr)) goto done;
        }
    }
    /* anything not in the service section may sit in the provider's own section */
    hr = td_config_read(a, provider_sect, c);

done:
    if (v) a->free_buffer(v);
    return hr;
}

WCHAR *td_full_path(const WCHAR *path)
{
    DWORD n;
    WCHAR *r;

    if (!path || !path[0]) return NULL;
    n = GetFullPathNameW(path, 0, NULL, NULL);
    if (!n || !(r = mc_malloc(n * sizeof(WCHAR)))) return NULL;
    if (!GetFullPathNameW(path, n, r, NULL)) { mc_free(r); return NULL; }
    return r;
}

BOOL td_path_folder_exists(const WCHAR *path, WCHAR **folder)
{
    WCHAR *full = td_full_path(path), *sep;
    DWORD attr;
    BOOL ok = FALSE;

    if (folder) *folder = NULL;
    if (!full) return FALSE;
    sep = wcsrchr(full, L'\\');
    if (wcsrchr(full, L'/') > sep) sep = wcsrchr(full, L'/');
    if (sep)
    {
        /* keep the separator of a root ("C:\") */
        if (sep == full || sep[-1] == L':') sep[1] = 0;
        else *sep = 0;
        attr = GetFileAttributesW(full);
        ok = attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY);
    }
    if (folder) *folder = full;
    else mc_free(full);
    return ok;
}

WCHAR *td_wsprintf(const WCHAR *fmt, ...)
{
    va_list ap;
    int n;
    WCHAR *r;

    va_start(ap, fmt);
    n = _vscwprintf(fmt, ap);
    va_end(ap);
    if (n < 0 || !(r = mc_malloc((n + 1) * sizeof(WCHAR)))) return NULL;
    va_start(ap, fmt);
    _vsnwprintf(r, n + 1, fmt, ap);
    va_end(ap);
    r[n] = 0;
    return r;
}

HINSTANCE td_instance;
