/*
 * progress.c - tandem.exe's IMAPIProgress (imapiprogressiunknown.md, imapiprogress-progress.md):
 * a text bar on stderr, redrawn when the percentage changes. GetFlags answers MAPI_TOP_LEVEL,
 * so callers pass item counts; SetLimits keeps what the caller sets, as the page describes.
 */
#include <stdio.h>

#define INITGUID
#define USES_IID_IMAPIProgress
#include <windows.h>
#include <initguid.h>
#include <mapiguid.h>

#include "progress.h"

typedef struct progress
{
    IMAPIProgress IMAPIProgress_iface;
    LONG ref;
    ULONG min, max, flags;
    const char *label;
    int draw, last, drawn;
} progress;

static inline progress *impl_from_IMAPIProgress(IMAPIProgress *iface)
{
    return CONTAINING_RECORD(iface, progress, IMAPIProgress_iface);
}

static HRESULT STDMETHODCALLTYPE progress_QueryInterface(IMAPIProgress *iface, REFIID riid, void **out)
{
    if (!out) return E_INVALIDARG;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMAPIProgress)) {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE progress_AddRef(IMAPIProgress *iface)
{
    return InterlockedIncrement(&impl_from_IMAPIProgress(iface)->ref);
}

static ULONG STDMETHODCALLTYPE progress_Release(IMAPIProgress *iface)
{
    progress *This = impl_from_IMAPIProgress(iface);
    ULONG ref = InterlockedDecrement(&This->ref);
    if (!ref) HeapFree(GetProcessHeap(), 0, This);
    return ref;
}

static HRESULT STDMETHODCALLTYPE progress_Progress(IMAPIProgress *iface, ULONG value, ULONG count, ULONG total)
{
    progress *This = impl_from_IMAPIProgress(iface);
    char bar[41];
    int pct, i, fill;

    /* top level: count of total items; otherwise value within [min, max] */
    if (total) pct = (int)((unsigned long long)count * 100 / total);
    else if (This->max > This->min) pct = (int)((unsigned long long)(value - This->min) * 100 / (This->max - This->min));
    else pct = 0;
    if (pct > 100) pct = 100;
    if (!This->draw || pct == This->last) return S_OK;
    This->last = pct;
    fill = pct * 40 / 100;
    for (i = 0; i < 40; i++) bar[i] = i < fill ? '#' : '.';
    bar[40] = 0;
    if (total) fprintf(stderr, "\r%s [%s] %3d%% %lu/%lu", This->label, bar, pct, (unsigned long)count, (unsigned long)total);
    else fprintf(stderr, "\r%s [%s] %3d%%", This->label, bar, pct);
    fflush(stderr);
    This->drawn = 1;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE progress_GetFlags(IMAPIProgress *iface, ULONG *flags)
{
    if (!flags) return MAPI_E_INVALID_PARAMETER;
    *flags = impl_from_IMAPIProgress(iface)->flags;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE progress_GetMax(IMAPIProgress *iface, ULONG *max)
{
    if (!max) return MAPI_E_INVALID_PARAMETER;
    *max = impl_from_IMAPIProgress(iface)->max;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE progress_GetMin(IMAPIProgress *iface, ULONG *min)
{
    if (!min) return MAPI_E_INVALID_PARAMETER;
    *min = impl_from_IMAPIProgress(iface)->min;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE progress_SetLimits(IMAPIProgress *iface, ULONG *min, ULONG *max, ULONG *flags)
{
    progress *This = impl_from_IMAPIProgress(iface);
    if (min) This->min = *min;
    if (max) This->max = *max;
    if (flags) This->flags = *flags;
    return S_OK;
}

static const IMAPIProgressVtbl progress_vtbl =
{
    progress_QueryInterface,
    progress_AddRef,
    progress_Release,
    progress_Progress,
    progress_GetFlags,
    progress_GetMax,
    progress_GetMin,
    progress_SetLimits,
};

IMAPIProgress *progress_create(const char *label, int draw)
{
    progress *This = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*This));

    if (!This) return NULL;
    This->IMAPIProgress_iface.lpVtbl = (IMAPIProgressVtbl *)&progress_vtbl;
    This->ref = 1;
    This->min = 1;
    This->max = 1000;
    This->flags = MAPI_TOP_LEVEL;
    This->label = label;
    This->draw = draw;
    This->last = -1;
    return &This->IMAPIProgress_iface;
}

void progress_done(IMAPIProgress *p)
{
    progress *This = impl_from_IMAPIProgress(p);
    if (This->drawn) fprintf(stderr, "\n");
}
