/*
 * memory.c - MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer (mapiallocatebuffer.md,
 * mapiallocatemore.md, mapifreebuffer.md; spi-digest §6).
 *
 * A block is a header followed by the caller's bytes, 16-byte aligned. A root block (from
 * MAPIAllocateBuffer) heads a singly linked chain of its children (from MAPIAllocateMore);
 * freeing the root frees the chain. Invariants: a child's `root` points at its root, a root's
 * `root` at itself; only roots are counted in live_roots; the chain is changed under
 * chain_lock only.
 */
#include "minimapi_private.h"

#define MM_BLOCK_MAGIC_ROOT  0x544f4f52u   /* "ROOT" */
#define MM_BLOCK_MAGIC_CHILD 0x444c4843u   /* "CHLD" */
#define MM_BLOCK_MAGIC_FREED 0x45455246u   /* "FREE" */

typedef struct mm_block
{
    void *base;                 /* what HeapAlloc returned */
    struct mm_block *root;
    struct mm_block *next;      /* next child in the root's chain */
    ULONG magic;
    ULONG size;
} mm_block;

/* Header size rounded up to the alignment, so the payload stays 16-byte aligned. */
#define MM_HEADER_SIZE ((sizeof(mm_block) + 15) & ~(size_t)15)

static LONG live_roots;
MM_DEFINE_STATIC_CS(chain_lock);

const mc_alloc mm_alloc = {MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer};

LONG mm_live_blocks(void)
{
    return InterlockedCompareExchange(&live_roots, 0, 0);
}

static mm_block *block_new(ULONG size)
{
    SIZE_T total = (SIZE_T)size + MM_HEADER_SIZE + 15;
    BYTE *base, *aligned;
    mm_block *b;

    if (total < size) return NULL;
    base = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, total);
    if (!base) return NULL;
    aligned = (BYTE *)(((ULONG_PTR)base + 15) & ~(ULONG_PTR)15);
    b = (mm_block *)aligned;
    b->base = base;
    b->size = size;
    return b;
}

static inline void *block_payload(mm_block *b)
{
    return (BYTE *)b + MM_HEADER_SIZE;
}

static inline mm_block *block_from_payload(void *p)
{
    return (mm_block *)((BYTE *)p - MM_HEADER_SIZE);
}

SCODE WINAPI MAPIAllocateBuffer(ULONG size, LPVOID *out)
{
    mm_block *b;

    MC_TRACE(MM_CH, "(%lu, %p)\n", size, out);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (!(b = block_new(size))) return MAPI_E_NOT_ENOUGH_MEMORY;
    b->root = b;
    b->next = NULL;
    b->magic = MM_BLOCK_MAGIC_ROOT;
    InterlockedIncrement(&live_roots);
    *out = block_payload(b);
    return S_OK;
}

SCODE WINAPI MAPIAllocateMore(ULONG size, LPVOID parent, LPVOID *out)
{
    mm_block *p, *root, *b;

    MC_TRACE(MM_CH, "(%lu, %p, %p)\n", size, parent, out);
    if (!out) return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    /* A NULL parent makes a root, as Outlook's MAPI does. */
    if (!parent) return MAPIAllocateBuffer(size, out);
    p = block_from_payload(parent);
    if (p->magic != MM_BLOCK_MAGIC_ROOT && p->magic != MM_BLOCK_MAGIC_CHILD)
        return MAPI_E_INVALID_PARAMETER;
    if (!(b = block_new(size))) return MAPI_E_NOT_ENOUGH_MEMORY;
    b->magic = MM_BLOCK_MAGIC_CHILD;
    EnterCriticalSection(&chain_lock);
    root = p->root;
    b->root = root;
    b->next = root->next;
    root->next = b;
    LeaveCriticalSection(&chain_lock);
    *out = block_payload(b);
    return S_OK;
}

ULONG WINAPI MAPIFreeBuffer(LPVOID buffer)
{
    mm_block *b, *child, *next;

    MC_TRACE(MM_CH, "(%p)\n", buffer);
    if (!buffer) return S_OK;
    b = block_from_payload(buffer);
    if (b->magic == MM_BLOCK_MAGIC_CHILD)
    {
        /* Children live as long as their root (mapifreebuffer.md). */
        MC_TRACE(MM_CH, "%p is a child block, freed with its root\n", buffer);
        return S_OK;
    }
    if (b->magic != MM_BLOCK_MAGIC_ROOT)
    {
        MC_TRACE("warn", "%p is not a MAPI block (or was freed twice)\n", buffer);
        return S_OK;
    }
    EnterCriticalSection(&chain_lock);
    child = b->next;
    b->next = NULL;
    b->magic = MM_BLOCK_MAGIC_FREED;
    LeaveCriticalSection(&chain_lock);
    for (; child; child = next)
    {
        next = child->next;
        child->magic = MM_BLOCK_MAGIC_FREED;
        HeapFree(GetProcessHeap(), 0, child->base);
    }
    HeapFree(GetProcessHeap(), 0, b->base);
    InterlockedDecrement(&live_roots);
    return S_OK;
}
