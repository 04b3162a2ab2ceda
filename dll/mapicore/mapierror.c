/*
 * mapierror.c - MAPIERROR blocks and the per-object "last error" record behind every
 * GetLastError method (mapierror.md, imapiprop-getlasterror.md, imapitable-getlasterror.md).
 */
#include <stdio.h>
#include <stdarg.h>
#include "mapicore.h"

/* A string into the MAPIERROR block, Unicode or ANSI as the caller asked. */
static HRESULT error_string(const mc_alloc *a, void *parent, ULONG flags, const WCHAR *s,
                            LPTSTR *out)
{
    ULONG len;
    HRESULT hr;

    *out = NULL;
    if (!s)
        return S_OK;
    if (!(flags & MAPI_UNICODE))
        return mc_w2a_more(a, parent, s, (char **)out);
    len = (lstrlenW(s) + 1) * sizeof(WCHAR);
    if ((hr = mc_alloc_more(a, parent, len, (void **)out)) == S_OK)
        memcpy(*out, s, len);
    return hr;
}

HRESULT mc_make_mapierror(const mc_alloc *a, ULONG flags, const WCHAR *component,
                          const WCHAR *text, ULONG low_level_error, LPMAPIERROR *out)
{
    MAPIERROR *err = NULL;
    HRESULT hr;

    if (!a || !out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if ((hr = mc_alloc_more(a, NULL, sizeof(*err), (void **)&err)) != S_OK)
        goto done;
    memset(err, 0, sizeof(*err));
    err->ulVersion = MAPI_ERROR_VERSION;
    err->ulLowLevelError = low_level_error;
    err->ulContext = 0;
    if ((hr = error_string(a, err, flags, text, &err->lpszError)) != S_OK)
        goto done;
    if ((hr = error_string(a, err, flags, component, &err->lpszComponent)) != S_OK)
        goto done;
    *out = err;
    err = NULL;
done:
    if (err)
        a->free_buffer(err);
    return hr;
}

void mc_last_error_init(mc_last_error *e)
{
    InitializeCriticalSection(&e->lock);
    e->hr = S_OK;
    e->text = NULL;
}

void mc_last_error_destroy(mc_last_error *e)
{
    mc_free(e->text);
    e->text = NULL;
    DeleteCriticalSection(&e->lock);
}

HRESULT mc_last_error_set(mc_last_error *e, HRESULT hr, const WCHAR *fmt, ...)
{
    WCHAR buf[512];
    WCHAR *text = NULL;
    va_list args;

    if (!e)
        return hr;
    if (fmt)
    {
        va_start(args, fmt);
        _vsnwprintf(buf, ARRAYSIZE(buf) - 1, fmt, args);
        va_end(args);
        buf[ARRAYSIZE(buf) - 1] = 0;
        text = mc_wcsdup(buf);
    }
    EnterCriticalSection(&e->lock);
    mc_free(e->text);
    e->text = text;
    e->hr = hr;
    LeaveCriticalSection(&e->lock);
    return hr;
}

HRESULT mc_last_error_get(mc_last_error *e, const mc_alloc *a, const WCHAR *component,
                          HRESULT hr, ULONG flags, LPMAPIERROR *out)
{
    WCHAR generic[128];
    WCHAR *text = NULL;
    const WCHAR *name;
    HRESULT ret;

    if (!out || !a)
        return MAPI_E_INVALID_PARAMETER;
    if (flags & ~(ULONG)MAPI_UNICODE)
        return MAPI_E_UNKNOWN_FLAGS;
    if (e)
    {
        EnterCriticalSection(&e->lock);
        if (e->hr == hr && e->text)
            text = mc_wcsdup(e->text);
        LeaveCriticalSection(&e->lock);
    }
    if (!text)
    {
        /* Nothing recorded for this code: describe the code itself, never return NULL. */
        name = mc_hresult_name(hr);
        if (*name)
            _snwprintf(generic, ARRAYSIZE(generic) - 1, L"%ls (0x%08lx)", name, (unsigned long)hr);
        else
            _snwprintf(generic, ARRAYSIZE(generic) - 1, L"Error 0x%08lx", (unsigned long)hr);
        generic[ARRAYSIZE(generic) - 1] = 0;
    }
    ret = mc_make_mapierror(a, flags, component, text ? text : generic, 0, out);
    mc_free(text);
    return ret;
}

const WCHAR *mc_hresult_name(HRESULT hr)
{
#define N(x) case x: return L###x
    switch (hr)
    {
    N(S_OK);
    N(MAPI_E_CALL_FAILED);
    N(MAPI_E_NOT_ENOUGH_MEMORY);
    N(MAPI_E_INVALID_PARAMETER);
    N(MAPI_E_INTERFACE_NOT_SUPPORTED);
    N(MAPI_E_NO_ACCESS);
    N(MAPI_E_NO_SUPPORT);
    N(MAPI_E_BAD_CHARWIDTH);
    N(MAPI_E_STRING_TOO_LONG);
    N(MAPI_E_UNKNOWN_FLAGS);
    N(MAPI_E_INVALID_ENTRYID);
    N(MAPI_E_INVALID_OBJECT);
    N(MAPI_E_OBJECT_CHANGED);
    N(MAPI_E_OBJECT_DELETED);
    N(MAPI_E_BUSY);
    N(MAPI_E_NOT_ENOUGH_DISK);
    N(MAPI_E_NOT_ENOUGH_RESOURCES);
    N(MAPI_E_NOT_FOUND);
    N(MAPI_E_VERSION);
    N(MAPI_E_LOGON_FAILED);
    N(MAPI_E_SESSION_LIMIT);
    N(MAPI_E_USER_CANCEL);
    N(MAPI_E_UNABLE_TO_ABORT);
    N(MAPI_E_NETWORK_ERROR);
    N(MAPI_E_DISK_ERROR);
    N(MAPI_E_TOO_COMPLEX);
    N(MAPI_E_BAD_COLUMN);
    N(MAPI_E_EXTENDED_ERROR);
    N(MAPI_E_COMPUTED);
    N(MAPI_E_CORRUPT_DATA);
    N(MAPI_E_UNCONFIGURED);
    N(MAPI_E_FAILONEPROVIDER);
    N(MAPI_E_UNKNOWN_CPID);
    N(MAPI_E_UNKNOWN_LCID);
    N(MAPI_E_PASSWORD_CHANGE_REQUIRED);
    N(MAPI_E_PASSWORD_EXPIRED);
    N(MAPI_E_INVALID_WORKSTATION_ACCOUNT);
    N(MAPI_E_INVALID_ACCESS_TIME);
    N(MAPI_E_ACCOUNT_DISABLED);
    N(MAPI_E_END_OF_SESSION);
    N(MAPI_E_UNKNOWN_ENTRYID);
    N(MAPI_E_MISSING_REQUIRED_COLUMN);
    N(MAPI_W_NO_SERVICE);
    N(MAPI_E_BAD_VALUE);
    N(MAPI_E_INVALID_TYPE);
    N(MAPI_E_TYPE_NO_SUPPORT);
    N(MAPI_E_UNEXPECTED_TYPE);
    N(MAPI_E_TOO_BIG);
    N(MAPI_E_DECLINE_COPY);
    N(MAPI_E_UNEXPECTED_ID);
    N(MAPI_W_ERRORS_RETURNED);
    N(MAPI_E_UNABLE_TO_COMPLETE);
    N(MAPI_E_TIMEOUT);
    N(MAPI_E_TABLE_EMPTY);
    N(MAPI_E_TABLE_TOO_BIG);
    N(MAPI_E_INVALID_BOOKMARK);
    N(MAPI_W_POSITION_CHANGED);
    N(MAPI_W_APPROX_COUNT);
    N(MAPI_E_WAIT);
    N(MAPI_E_CANCEL);
    N(MAPI_E_NOT_ME);
    N(MAPI_W_CANCEL_MESSAGE);
    N(MAPI_E_CORRUPT_STORE);
    N(MAPI_E_NOT_IN_QUEUE);
    N(MAPI_E_NO_SUPPRESS);
    N(MAPI_E_COLLISION);
    N(MAPI_E_NOT_INITIALIZED);
    N(MAPI_E_NON_STANDARD);
    N(MAPI_E_NO_RECIPIENTS);
    N(MAPI_E_SUBMITTED);
    N(MAPI_E_HAS_FOLDERS);
    N(MAPI_E_HAS_MESSAGES);
    N(MAPI_E_FOLDER_CYCLE);
    N(MAPI_W_PARTIAL_COMPLETION);
    N(MAPI_E_AMBIGUOUS_RECIP);
    }
#undef N
    return L"";
}
