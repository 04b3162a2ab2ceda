/*
 * dllmain.c - the thin DLL around minimapi_core: DllMain only records the module handle (it
 * runs under the loader lock, often from inside mapi32's own DllMain, so it does nothing else).
 * The exports are listed in the generated .def file (CMakeLists.txt).
 */
#include "minimapi_private.h"

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    if (reason == DLL_PROCESS_ATTACH)
    {
        mm_instance = instance;
        DisableThreadLibraryCalls(instance);
    }
    return TRUE;
}
