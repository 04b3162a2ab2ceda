/*
 * entry.c - the DLL's own entry points: DllMain and DllCanUnloadNow. The MAPI entry points
 * live with their objects (MSProviderInit in store/msprovider.c, XPProviderInit in
 * transport/xpprovider.c, ServiceEntry in service.c); tandem32.def exports them undecorated.
 */
#include "tandem_private.h"
#include "store/submit.h"
#include "transport/xp.h"

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    if (reason == DLL_PROCESS_ATTACH)
    {
        td_instance = instance;
        DisableThreadLibraryCalls(instance);
        td_xp_delivery_lookup = td_store_delivery_lookup;   /* the store closes dropdir.h's window 3 */
        td_xp_delivered_object = td_store_delivered_object; /* IMAP read state (inbound.h) */
    }
    return TRUE;
}

/* S_OK once every COM object the DLL handed out is gone (mc_live_objects). */
HRESULT WINAPI DllCanUnloadNow(void)
{
    return mc_live_objects == 0 ? S_OK : S_FALSE;
}
