/*
 * provdll.c - loading and unloading provider and service DLLs by the names profiles carry
 * (pidtagproviderdllname-canonical-property.md, pidtagservicedllname-canonical-property.md,
 * starting-a-service-provider.md; spi-digest §5.4).
 *
 * A DLL whose DllCanUnloadNow answers S_FALSE when minimapi is done with it still has live
 * objects: it is kept loaded on the `lingering` list and counted for IMiniMapiDiagnostics
 * until a later poll finds it free.
 */
#include "minimapi_private.h"

typedef HRESULT (WINAPI *can_unload_fn)(void);

MM_DEFINE_STATIC_CS(dll_cs);
static HMODULE *lingering;
static ULONG lingering_count;

WCHAR *mm_dll_real_name(const WCHAR *name)
{
    const WCHAR *dot;
    WCHAR *real;
    size_t len, pos;

    if (!name) return NULL;
    len = wcslen(name);
    if (!(real = mc_calloc(len + 3, sizeof(WCHAR)))) return NULL;
    dot = wcschr(name, '.');
    pos = dot ? (size_t)(dot - name) : len;
    memcpy(real, name, pos * sizeof(WCHAR));
    real[pos] = '3';
    real[pos + 1] = '2';
    memcpy(real + pos + 2, name + pos, (len - pos) * sizeof(WCHAR));
    real[len + 2] = 0;
    return real;
}

HMODULE mm_dll_load(const WCHAR *name)
{
    WCHAR *real = mm_dll_real_name(name), *dir = NULL, *path = NULL;
    HMODULE mod = NULL;
    DWORD err = ERROR_MOD_NOT_FOUND;

    if (!real)
    {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    /* A bare name: minimapi's own folder first (the build output and an installation keep
     * provider DLLs beside minimapi.dll), then the normal search. */
    if (!wcschr(real, '\\') && !wcschr(real, '/') && (dir = mm_module_dir()))
    {
        size_t len = wcslen(dir) + wcslen(real) + 2;
        if ((path = mc_calloc(len, sizeof(WCHAR))))
        {
            _snwprintf(path, len, L"%ls\\%ls", dir, real);
            if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES)
                mod = LoadLibraryExW(path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
        }
    }
    if (!mod)
    {
        mod = LoadLibraryW(real);
        err = GetLastError();
    }
    MC_TRACE(MM_CH, "%ls -> %ls: %p\n", name, path && mod ? path : real, mod);
    mc_free(path);
    mc_free(dir);
    mc_free(real);
    if (!mod) SetLastError(err);
    return mod;
}

static BOOL dll_busy(HMODULE mod)
{
    can_unload_fn can_unload = (can_unload_fn)(void *)GetProcAddress(mod, "DllCanUnloadNow");
    return can_unload && can_unload() == S_FALSE;
}

void mm_dll_unload(HMODULE mod)
{
    HMODULE *grown;

    if (!mod) return;
    if (!dll_busy(mod))
    {
        FreeLibrary(mod);
        return;
    }
    MC_TRACE("warn", "DLL %p still has live objects, kept loaded\n", mod);
    EnterCriticalSection(&dll_cs);
    if ((grown = mc_realloc(lingering, (lingering_count + 1) * sizeof(*grown))))
    {
        lingering = grown;
        lingering[lingering_count++] = mod;
    }
    LeaveCriticalSection(&dll_cs);
}

ULONG mm_dll_leaked_objects(void)
{
    ULONG i, count = 0;

    EnterCriticalSection(&dll_cs);
    for (i = 0; i < lingering_count;)
    {
        if (dll_busy(lingering[i]))
        {
            count++;
            i++;
            continue;
        }
        FreeLibrary(lingering[i]);
        lingering[i] = lingering[--lingering_count];
    }
    LeaveCriticalSection(&dll_cs);
    return count;
}
