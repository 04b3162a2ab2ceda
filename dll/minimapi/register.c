/*
 * register.c - DllRegisterServer / DllUnregisterServer: minimapi as the machine's Extended MAPI
 * implementation. Wine's mapi32.dll (and Windows' MAPI stub) load the DLL named by
 *   HKLM\Software\Clients\Mail\<default value of HKLM\Software\Clients\Mail>\DLLPathEx
 * Registering writes HKLM\Software\Clients\Mail\MiniMAPI\DLLPathEx = this DLL's full path and
 * makes "MiniMAPI" the default mail client, remembering the previous default in the value
 * PreviousDefault of our key ("" when there was none) so unregistering can restore it.
 * DLLPath (the Simple MAPI provider) is set to the same path: minimapi exports Simple MAPI
 * (simple.c), so Wine's mapi32 forwards MAPISendMail & co. to it by their plain names. (Without
 * DLLPath, Wine's MAPISendMail falls back to its own Extended MAPI bridge, which also works
 * against minimapi.) Unregistering deletes our key, both values with it.
 */
#include "minimapi_private.h"

#define MAIL_KEY L"Software\\Clients\\Mail"
#define OUR_NAME L"MiniMAPI"
#define OUR_KEY MAIL_KEY L"\\" OUR_NAME

static LONG read_sz(HKEY key, const WCHAR *name, WCHAR *buf, DWORD chars)
{
    DWORD type, cb = (chars - 1) * sizeof(WCHAR);
    LONG err;
    memset(buf, 0, chars * sizeof(WCHAR));
    err = RegQueryValueExW(key, name, NULL, &type, (BYTE *)buf, &cb);
    if (!err && type != REG_SZ && type != REG_EXPAND_SZ) err = ERROR_INVALID_DATA;
    return err;
}

static LONG write_sz(HKEY key, const WCHAR *name, const WCHAR *value)
{
    return RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value,
                          (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
}

HRESULT WINAPI DllRegisterServer(void)
{
    WCHAR path[MAX_PATH], previous[256];
    HKEY mail = NULL, ours = NULL;
    HRESULT hr = S_OK;
    DWORD len;
    LONG err;

    MC_TRACE(MM_CH, "()\n");
    len = GetModuleFileNameW(mm_instance, path, MAX_PATH);
    if (!len || len >= MAX_PATH) return HRESULT_FROM_WIN32(GetLastError());
    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, MAIL_KEY, 0, NULL, 0, KEY_ALL_ACCESS, NULL,
                               &mail, NULL))
        || (err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, OUR_KEY, 0, NULL, 0, KEY_ALL_ACCESS, NULL,
                                  &ours, NULL)))
    {
        hr = HRESULT_FROM_WIN32(err);
        goto done;
    }
    if ((err = write_sz(ours, L"DLLPathEx", path)) || (err = write_sz(ours, L"DLLPath", path)))
    {
        hr = HRESULT_FROM_WIN32(err);
        goto done;
    }
    /* Remember the previous default once; registering twice keeps the first record. */
    if (read_sz(mail, NULL, previous, ARRAYSIZE(previous))) previous[0] = 0;
    if (lstrcmpiW(previous, OUR_NAME))
        write_sz(ours, L"PreviousDefault", previous);
    if ((err = write_sz(mail, NULL, OUR_NAME))) hr = HRESULT_FROM_WIN32(err);
done:
    if (ours) RegCloseKey(ours);
    if (mail) RegCloseKey(mail);
    return hr;
}

HRESULT WINAPI DllUnregisterServer(void)
{
    WCHAR current[256], previous[256];
    HKEY mail = NULL, ours = NULL;
    HRESULT hr = S_OK;
    LONG err;

    MC_TRACE(MM_CH, "()\n");
    if ((err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, MAIL_KEY, 0, KEY_ALL_ACCESS, &mail)))
        return err == ERROR_FILE_NOT_FOUND ? S_OK : HRESULT_FROM_WIN32(err);
    previous[0] = 0;
    if (!RegOpenKeyExW(HKEY_LOCAL_MACHINE, OUR_KEY, 0, KEY_READ, &ours))
    {
        if (read_sz(ours, L"PreviousDefault", previous, ARRAYSIZE(previous))) previous[0] = 0;
        RegCloseKey(ours);
    }
    if (!read_sz(mail, NULL, current, ARRAYSIZE(current)) && !lstrcmpiW(current, OUR_NAME))
    {
        if (previous[0]) err = write_sz(mail, NULL, previous);
        else err = RegDeleteValueW(mail, NULL);
        if (err && err != ERROR_FILE_NOT_FOUND) hr = HRESULT_FROM_WIN32(err);
    }
    err = RegDeleteTreeW(mail, OUR_NAME);
    if (err && err != ERROR_FILE_NOT_FOUND && SUCCEEDED(hr)) hr = HRESULT_FROM_WIN32(err);
    RegCloseKey(mail);
    return hr;
}
