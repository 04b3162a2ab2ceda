/*
 * malloc.c - the IMalloc minimapi hands to providers (MSProviderInit, ServiceEntry) and returns
 * from MAPIGetDefaultMalloc (mapigetdefaultmalloc.md). One static object over the process heap;
 * its reference count never destroys it, so it is not counted among live objects.
 */
#include "minimapi_private.h"

typedef struct mm_malloc
{
    IMalloc IMalloc_iface;
    LONG ref;
} mm_malloc;

static inline mm_malloc *impl_from_IMalloc(IMalloc *iface)
{
    return CONTAINING_RECORD(iface, mm_malloc, IMalloc_iface);
}

static HRESULT STDMETHODCALLTYPE malloc_QueryInterface(IMalloc *iface, REFIID iid, void **out)
{
    if (!out) return E_POINTER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMalloc))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE malloc_AddRef(IMalloc *iface)
{
    return InterlockedIncrement(&impl_from_IMalloc(iface)->ref);
}

static ULONG STDMETHODCALLTYPE malloc_Release(IMalloc *iface)
{
    LONG ref = InterlockedDecrement(&impl_from_IMalloc(iface)->ref);
    /* Static object: never freed; keep the count from going below one. */
    if (ref < 1) InterlockedIncrement(&impl_from_IMalloc(iface)->ref);
    return ref < 1 ? 1 : ref;
}

static void *STDMETHODCALLTYPE malloc_Alloc(IMalloc *iface, SIZE_T size)
{
    return HeapAlloc(GetProcessHeap(), 0, size);
}

static void *STDMETHODCALLTYPE malloc_Realloc(IMalloc *iface, void *p, SIZE_T size)
{
    if (!p) return HeapAlloc(GetProcessHeap(), 0, size);
    if (!size)
    {
        HeapFree(GetProcessHeap(), 0, p);
        return NULL;
    }
    return HeapReAlloc(GetProcessHeap(), 0, p, size);
}

static void STDMETHODCALLTYPE malloc_Free(IMalloc *iface, void *p)
{
    if (p) HeapFree(GetProcessHeap(), 0, p);
}

static SIZE_T STDMETHODCALLTYPE malloc_GetSize(IMalloc *iface, void *p)
{
    return p ? HeapSize(GetProcessHeap(), 0, p) : (SIZE_T)-1;
}

static int STDMETHODCALLTYPE malloc_DidAlloc(IMalloc *iface, void *p)
{
    if (!p) return -1;
    return HeapValidate(GetProcessHeap(), 0, p) ? 1 : 0;
}

static void STDMETHODCALLTYPE malloc_HeapMinimize(IMalloc *iface)
{
    HeapCompact(GetProcessHeap(), 0);
}

static const IMallocVtbl malloc_vtbl =
{
    malloc_QueryInterface,
    malloc_AddRef,
    malloc_Release,
    malloc_Alloc,
    malloc_Realloc,
    malloc_Free,
    malloc_GetSize,
    malloc_DidAlloc,
    malloc_HeapMinimize,
};

static mm_malloc the_malloc = {{&malloc_vtbl}, 1};

IMalloc *mm_get_malloc(void)
{
    return &the_malloc.IMalloc_iface;
}

/* mapigetdefaultmalloc.md: the returned pointer is not AddRef'd by MAPI's own
 * implementation either; callers do not release it. */
LPMALLOC WINAPI MAPIGetDefaultMalloc(void)
{
    MC_TRACE(MM_CH, "()\n");
    return &the_malloc.IMalloc_iface;
}
