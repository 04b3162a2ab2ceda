/*
 * mapi32compat.c - MAPI utility functions for clients linked against mapi32, resolved at run
 * time by name.
 *
 * Why: MinGW-w64's x64 import library names mapi32's utility functions undecorated
 * (HrQueryAllRows), as Windows' mapi32.dll exports them, but Wine 8's x64 mapi32.dll exports
 * them only in their stdcall-decorated form (HrQueryAllRows@24). A program that imports the
 * plain name then aborts under Wine on the first call ("unimplemented function"). Defining
 * the functions here takes them out of the import library's hands: each looks up the plain
 * name first (Windows, Outlook's MAPI) and the decorated one second (Wine). Source code that
 * calls them stays the portable MAPI client code it was. Only what clients of ours use is
 * here; add a line when a client needs another.
 */
#include <windows.h>
#include <mapix.h>
#include <mapiutil.h>
#include <mapi.h>

static FARPROC mapi32_proc(const char *plain, const char *decorated)
{
    HMODULE mod = GetModuleHandleA("mapi32.dll");
    FARPROC proc;
    if (!mod) mod = LoadLibraryA("mapi32.dll");
    if (!mod) return NULL;
    proc = GetProcAddress(mod, plain);
    if (!proc) proc = GetProcAddress(mod, decorated);
    return proc;
}

#define RESOLVE(type, var, plain, decorated) \
    static type var; \
    if (!var) var = (type)(void *)mapi32_proc(plain, decorated)

STDAPI_(void) FreeProws(LPSRowSet rows)
{
    typedef void (WINAPI *fn_t)(LPSRowSet);
    RESOLVE(fn_t, fn, "FreeProws", "FreeProws@4");
    if (fn) fn(rows);
}

STDAPI_(void) FreePadrlist(LPADRLIST list)
{
    typedef void (WINAPI *fn_t)(LPADRLIST);
    RESOLVE(fn_t, fn, "FreePadrlist", "FreePadrlist@4");
    if (fn) fn(list);
}

STDAPI HrQueryAllRows(LPMAPITABLE table, LPSPropTagArray tags, LPSRestriction res,
                      LPSSortOrderSet sort, LONG max_rows, LPSRowSet *rows)
{
    typedef HRESULT (WINAPI *fn_t)(LPMAPITABLE, LPSPropTagArray, LPSRestriction,
                                   LPSSortOrderSet, LONG, LPSRowSet *);
    RESOLVE(fn_t, fn, "HrQueryAllRows", "HrQueryAllRows@24");
    return fn ? fn(table, tags, res, sort, max_rows, rows) : MAPI_E_CALL_FAILED;
}

STDAPI HrGetOneProp(LPMAPIPROP obj, ULONG tag, LPSPropValue *value)
{
    typedef HRESULT (WINAPI *fn_t)(LPMAPIPROP, ULONG, LPSPropValue *);
    RESOLVE(fn_t, fn, "HrGetOneProp", "HrGetOneProp@12");
    return fn ? fn(obj, tag, value) : MAPI_E_CALL_FAILED;
}

STDAPI HrSetOneProp(LPMAPIPROP obj, LPSPropValue value)
{
    typedef HRESULT (WINAPI *fn_t)(LPMAPIPROP, LPSPropValue);
    RESOLVE(fn_t, fn, "HrSetOneProp", "HrSetOneProp@8");
    return fn ? fn(obj, value) : MAPI_E_CALL_FAILED;
}

STDAPI_(LPSPropValue) PpropFindProp(LPSPropValue props, ULONG count, ULONG tag)
{
    typedef LPSPropValue (WINAPI *fn_t)(LPSPropValue, ULONG, ULONG);
    RESOLVE(fn_t, fn, "PpropFindProp", "PpropFindProp@12");
    return fn ? fn(props, count, tag) : NULL;
}

/* MAPISendMailW: Wine and Windows export it; MinGW-w64's i686 import library lacks it and no
 * MinGW header declares it (mapisendmailw.md). The message is a MapiMessageW, passed through
 * untouched, so it is typed opaquely here. */
ULONG WINAPI MAPISendMailW(LHANDLE session, ULONG_PTR ui_param, void *message, FLAGS flags,
                           ULONG reserved)
{
    typedef ULONG (WINAPI *fn_t)(LHANDLE, ULONG_PTR, void *, FLAGS, ULONG);
    RESOLVE(fn_t, fn, "MAPISendMailW", "MAPISendMailW@20");
    return fn ? fn(session, ui_param, message, flags, reserved) : MAPI_E_NOT_SUPPORTED;
}
