/*
 * alloc.c - memory and string helpers of mapicore (mapicore.h, "allocators" and "strings").
 * Internal memory is the process heap; caller memory always goes through the mc_alloc triple
 * MAPI handed to the provider (allocating-and-freeing-memory-in-mapi.md), never mixed.
 */
#include "mapicore.h"
#include <assert.h>

/* Each DLL that links mapicore gets its own counter (see mapicore.h). */
LONG mc_live_objects = 0;

void *mc_malloc(SIZE_T size)
{
    return HeapAlloc(GetProcessHeap(), 0, size ? size : 1);
}

void *mc_calloc(SIZE_T count, SIZE_T size)
{
    SIZE_T total;

    if (size && count > ((SIZE_T)-1) / size)
        return NULL;
    total = count * size;
    return HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, total ? total : 1);
}

void *mc_realloc(void *p, SIZE_T size)
{
    if (!p)
        return mc_malloc(size);
    return HeapReAlloc(GetProcessHeap(), 0, p, size ? size : 1);
}

void mc_free(void *p)
{
    if (p)
        HeapFree(GetProcessHeap(), 0, p);
}

WCHAR *mc_wcsdup(const WCHAR *s)
{
    WCHAR *r;
    SIZE_T n;

    if (!s)
        return NULL;
    n = (lstrlenW(s) + 1) * sizeof(WCHAR);
    if ((r = mc_malloc(n)))
        memcpy(r, s, n);
    return r;
}

char *mc_strdup(const char *s)
{
    char *r;
    SIZE_T n;

    if (!s)
        return NULL;
    n = lstrlenA(s) + 1;
    if ((r = mc_malloc(n)))
        memcpy(r, s, n);
    return r;
}

HRESULT mc_alloc_more(const mc_alloc *a, void *parent, ULONG size, void **out)
{
    SCODE sc;

    if (!a || !out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (parent)
        sc = a->allocate_more(size, parent, out);
    else
        sc = a->allocate_buffer(size, out);
    if (sc == S_OK && !*out)
        sc = MAPI_E_NOT_ENOUGH_MEMORY;
    if (sc != S_OK)
        *out = NULL;
    return sc;
}

/* ---- strings ------------------------------------------------------------------------------ */

WCHAR *mc_a2w(const char *s)
{
    WCHAR *r;
    int n;

    if (!s)
        return NULL;
    n = MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0);
    if (n <= 0 || !(r = mc_malloc(n * sizeof(WCHAR))))
        return NULL;
    MultiByteToWideChar(CP_ACP, 0, s, -1, r, n);
    return r;
}

char *mc_w2a(const WCHAR *s)
{
    char *r;
    int n;

    if (!s)
        return NULL;
    n = WideCharToMultiByte(CP_ACP, 0, s, -1, NULL, 0, NULL, NULL);
    if (n <= 0 || !(r = mc_malloc(n)))
        return NULL;
    WideCharToMultiByte(CP_ACP, 0, s, -1, r, n, NULL, NULL);
    return r;
}

HRESULT mc_a2w_more(const mc_alloc *a, void *parent, const char *s, WCHAR **out)
{
    HRESULT hr;
    int n;

    if (!a || !s || !out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    n = MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0);
    if (n <= 0)
        return MAPI_E_BAD_CHARWIDTH;
    hr = mc_alloc_more(a, parent, n * sizeof(WCHAR), (void **)out);
    if (hr == S_OK)
        MultiByteToWideChar(CP_ACP, 0, s, -1, *out, n);
    return hr;
}

HRESULT mc_w2a_more(const mc_alloc *a, void *parent, const WCHAR *s, char **out)
{
    HRESULT hr;
    int n;

    if (!a || !s || !out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    n = WideCharToMultiByte(CP_ACP, 0, s, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return MAPI_E_BAD_CHARWIDTH;
    hr = mc_alloc_more(a, parent, n, (void **)out);
    if (hr == S_OK)
        WideCharToMultiByte(CP_ACP, 0, s, -1, *out, n, NULL, NULL);
    return hr;
}

/* ---- SRowSet ------------------------------------------------------------------------------ */

/* FreeProws: each row's value array is its own block, then the set (imapitable-queryrows.md). */
void mc_free_rows(const mc_alloc *a, SRowSet *rows)
{
    ULONG i;

    if (!a || !rows)
        return;
    for (i = 0; i < rows->cRows; i++)
        a->free_buffer(rows->aRow[i].lpProps);
    a->free_buffer(rows);
}

/* ---- internal chained blocks ------------------------------------------------------------------ */

/* MAPI's allocation model (one root, AllocateMore children, one FreeBuffer) on the process heap,
 * for internal copies built by the same code that builds caller memory (mc_notifications_dup in
 * the notification engine). A header before each block links a root to its children. */
typedef struct heap_block
{
    struct heap_block *next;    /* root: first child; child: next sibling */
    ULONG is_root;
    ULONGLONG pad;              /* keeps the payload 16-byte aligned */
} heap_block;

static SCODE WINAPI heap_AllocateBuffer(ULONG size, LPVOID *out)
{
    heap_block *b;

    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    if (!(b = mc_calloc(1, sizeof(*b) + size)))
    {
        *out = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    b->is_root = TRUE;
    *out = b + 1;
    return S_OK;
}

static SCODE WINAPI heap_AllocateMore(ULONG size, LPVOID parent, LPVOID *out)
{
    heap_block *root, *b;

    if (!out || !parent)
        return MAPI_E_INVALID_PARAMETER;
    root = (heap_block *)parent - 1;
    assert(root->is_root);
    if (!(b = mc_calloc(1, sizeof(*b) + size)))
    {
        *out = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    b->next = root->next;
    root->next = b;
    *out = b + 1;
    return S_OK;
}

static ULONG WINAPI heap_FreeBuffer(LPVOID p)
{
    heap_block *root, *c, *next;

    if (!p)
        return 0;
    root = (heap_block *)p - 1;
    assert(root->is_root);
    for (c = root->next; c; c = next)
    {
        next = c->next;
        mc_free(c);
    }
    mc_free(root);
    return 0;
}

static const mc_alloc heap_alloc = { heap_AllocateBuffer, heap_AllocateMore, heap_FreeBuffer };

const mc_alloc *mc_heap_alloc(void)
{
    return &heap_alloc;
}
