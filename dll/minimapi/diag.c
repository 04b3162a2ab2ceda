/*
 * diag.c - IMiniMapiDiagnostics (idl/tandem.idl): minimapi's accounting for tests and
 * `tandem check`, reached by QueryInterface on IMAPISession and IProfAdmin.
 * The object holds a reference on the object it was obtained from.
 */
#include "minimapi_private.h"

typedef struct diag
{
    IMiniMapiDiagnostics IMiniMapiDiagnostics_iface;
    LONG ref;
    IUnknown *owner;
} diag;

static inline diag *impl_from_IMiniMapiDiagnostics(IMiniMapiDiagnostics *iface)
{
    return CONTAINING_RECORD(iface, diag, IMiniMapiDiagnostics_iface);
}

static HRESULT STDMETHODCALLTYPE diag_QueryInterface(IMiniMapiDiagnostics *iface, REFIID iid,
                                                     void **out)
{
    diag *This = impl_from_IMiniMapiDiagnostics(iface);
    if (!out) return E_POINTER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMiniMapiDiagnostics))
    {
        *out = &This->IMiniMapiDiagnostics_iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE diag_AddRef(IMiniMapiDiagnostics *iface)
{
    return InterlockedIncrement(&impl_from_IMiniMapiDiagnostics(iface)->ref);
}

static ULONG STDMETHODCALLTYPE diag_Release(IMiniMapiDiagnostics *iface)
{
    diag *This = impl_from_IMiniMapiDiagnostics(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        This->owner->lpVtbl->Release(This->owner);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE diag_GetCounters(IMiniMapiDiagnostics *iface, ULONG *live_blocks,
                                                  ULONG *live_objects, ULONG *provider_objects)
{
    LONG objects;

    MC_TRACE(MM_CH, "(%p)\n", iface);
    if (!live_blocks || !live_objects || !provider_objects) return E_POINTER;
    *live_blocks = (ULONG)mm_live_blocks();
    /* Not counting this object and the one it was obtained from. */
    objects = InterlockedCompareExchange(&mc_live_objects, 0, 0) - 2;
    *live_objects = objects > 0 ? (ULONG)objects : 0;
    *provider_objects = mm_dll_leaked_objects();
    return S_OK;
}

static const IMiniMapiDiagnosticsVtbl diag_vtbl =
{
    diag_QueryInterface,
    diag_AddRef,
    diag_Release,
    diag_GetCounters,
};

HRESULT mm_diag_create(IUnknown *owner, IUnknown **out)
{
    diag *This;
    if (!(This = mc_calloc(1, sizeof(*This)))) return E_OUTOFMEMORY;
    This->IMiniMapiDiagnostics_iface.lpVtbl = &diag_vtbl;
    This->ref = 1;
    This->owner = owner;
    owner->lpVtbl->AddRef(owner);
    mc_object_created();
    *out = (IUnknown *)&This->IMiniMapiDiagnostics_iface;
    return S_OK;
}
