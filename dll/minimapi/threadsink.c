/*
 * threadsink.c - advise sinks called on one thread: HrThisThreadAdviseSink
 * (hrthisthreadadvisesink.md) and the delivery of client notifications on the first thread
 * that called MAPIInitialize unless MAPI_MULTITHREAD_NOTIFICATIONS was given (mapiinit_0.md).
 *
 * A wrapper belongs to a thread, which owns one hidden message-only window (created on first
 * use, destroyed by Windows with the thread). The wrapper's OnNotify, on any thread, copies the
 * notifications (internal memory) and posts them to that window; the window procedure calls the
 * wrapped sink's OnNotify while the owning thread processes its messages - inside any MAPI call
 * that pumps, or in the thread's own message loop. A posted delivery holds a reference on the
 * wrapper, so the wrapped sink lives until the last queued notification has been delivered.
 */
#include "minimapi_private.h"

#define WM_MM_NOTIFY (WM_APP + 0x4d4d)

typedef struct threadsink
{
    IMAPIAdviseSink IMAPIAdviseSink_iface;
    LONG ref;
    IMAPIAdviseSink *inner;
    HWND window;                /* the owning thread's window */
} threadsink;

typedef struct posted
{
    ULONG n;
    NOTIFICATION *notifs;       /* mc_heap_alloc block */
} posted;

static DWORD tls_window = TLS_OUT_OF_INDEXES;
static HWND init_window;        /* the first MAPIInitialize thread's, without MULTITHREAD */
static BOOL multithread;
static LONG init_done;

static inline threadsink *impl_from_IMAPIAdviseSink(IMAPIAdviseSink *iface)
{
    return CONTAINING_RECORD(iface, threadsink, IMAPIAdviseSink_iface);
}

static LRESULT CALLBACK window_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    if (msg == WM_MM_NOTIFY)
    {
        threadsink *This = (threadsink *)wp;
        posted *p = (posted *)lp;
        This->inner->lpVtbl->OnNotify(This->inner, p->n, p->notifs);
        mc_heap_alloc()->free_buffer(p->notifs);
        mc_free(p);
        This->IMAPIAdviseSink_iface.lpVtbl->Release(&This->IMAPIAdviseSink_iface);
        return 0;
    }
    return DefWindowProcW(hwnd, msg, wp, lp);
}

/* The calling thread's window (created once per thread). */
static HWND thread_window(void)
{
    static const WCHAR class_name[] = L"MiniMAPI notifications";
    static LONG registered;
    HWND hwnd;

    if (tls_window == TLS_OUT_OF_INDEXES)
    {
        DWORD idx = TlsAlloc();
        if (idx == TLS_OUT_OF_INDEXES) return NULL;
        if (InterlockedCompareExchange((LONG *)&tls_window, (LONG)idx, (LONG)TLS_OUT_OF_INDEXES)
            != (LONG)TLS_OUT_OF_INDEXES)
            TlsFree(idx);
    }
    if ((hwnd = TlsGetValue(tls_window))) return hwnd;
    if (!InterlockedExchange(&registered, 1))
    {
        WNDCLASSW wc;
        memset(&wc, 0, sizeof(wc));
        wc.lpfnWndProc = window_proc;
        wc.hInstance = mm_instance ? mm_instance : GetModuleHandleW(NULL);
        wc.lpszClassName = class_name;
        RegisterClassW(&wc);
    }
    hwnd = CreateWindowExW(0, class_name, NULL, 0, 0, 0, 0, 0, HWND_MESSAGE, NULL,
                           mm_instance ? mm_instance : GetModuleHandleW(NULL), NULL);
    if (hwnd) TlsSetValue(tls_window, hwnd);
    return hwnd;
}

static HRESULT STDMETHODCALLTYPE threadsink_QueryInterface(IMAPIAdviseSink *iface, REFIID iid,
                                                           void **out)
{
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPIAdviseSink))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE threadsink_AddRef(IMAPIAdviseSink *iface)
{
    return InterlockedIncrement(&impl_from_IMAPIAdviseSink(iface)->ref);
}

static ULONG STDMETHODCALLTYPE threadsink_Release(IMAPIAdviseSink *iface)
{
    threadsink *This = impl_from_IMAPIAdviseSink(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        This->inner->lpVtbl->Release(This->inner);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static ULONG STDMETHODCALLTYPE threadsink_OnNotify(IMAPIAdviseSink *iface, ULONG n,
                                                   LPNOTIFICATION notifs)
{
    threadsink *This = impl_from_IMAPIAdviseSink(iface);
    posted *p;

    MC_TRACE(MM_CH, "(%p, %lu)\n", This, n);
    if (!n || !notifs) return 0;
    if (!(p = mc_malloc(sizeof(*p)))) return 0;
    p->n = n;
    if (FAILED(mc_notifications_dup(mc_heap_alloc(), n, notifs, &p->notifs)))
    {
        mc_free(p);
        return 0;
    }
    iface->lpVtbl->AddRef(iface);
    if (!PostMessageW(This->window, WM_MM_NOTIFY, (WPARAM)This, (LPARAM)p))
    {
        /* the thread is gone: nobody to deliver to */
        mc_heap_alloc()->free_buffer(p->notifs);
        mc_free(p);
        iface->lpVtbl->Release(iface);
    }
    return 0;
}

static const IMAPIAdviseSinkVtbl threadsink_vtbl =
{
    threadsink_QueryInterface,
    threadsink_AddRef,
    threadsink_Release,
    threadsink_OnNotify,
};

static HRESULT threadsink_create(IMAPIAdviseSink *inner, HWND window, IMAPIAdviseSink **out)
{
    threadsink *This;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPIAdviseSink_iface.lpVtbl = &threadsink_vtbl;
    This->ref = 1;
    This->inner = inner;
    inner->lpVtbl->AddRef(inner);
    This->window = window;
    mc_object_created();
    *out = &This->IMAPIAdviseSink_iface;
    return S_OK;
}

HRESULT WINAPI HrThisThreadAdviseSink(LPMAPIADVISESINK sink, LPMAPIADVISESINK *out)
{
    HWND window;

    MC_TRACE(MM_CH, "(%p, %p)\n", sink, out);
    if (!sink || !out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(window = thread_window())) return MAPI_E_CALL_FAILED;
    return threadsink_create(sink, window, out);
}

void mm_notifications_init(ULONG init_flags)
{
    if (InterlockedExchange(&init_done, 1)) return;     /* only the first MAPIInitialize */
    multithread = (init_flags & MAPI_MULTITHREAD_NOTIFICATIONS) != 0;
    if (!multithread) init_window = thread_window();
}

HRESULT mm_notification_sink(IMAPIAdviseSink *sink, IMAPIAdviseSink **out)
{
    if (multithread || !init_window)
    {
        sink->lpVtbl->AddRef(sink);
        *out = sink;
        return S_OK;
    }
    return threadsink_create(sink, init_window, out);
}
