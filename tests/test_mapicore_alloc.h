/*
 * test_mapicore_alloc.h - a counting MAPI allocator for mapicore's unit tests, chained like
 * MAPI's own (mapiallocatebuffer.md, mapiallocatemore.md): AllocateMore links a child to its
 * root, FreeBuffer on the root frees the whole chain. `test_live_blocks` counts every block
 * alive, so a test can assert it leaked nothing; FreeBuffer on a child or on a block that is
 * not ours fails the test.
 */
#ifndef TEST_MAPICORE_ALLOC_H
#define TEST_MAPICORE_ALLOC_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "mapicore.h"

#define TEST_BLOCK_MAGIC_ROOT  0x524f4f54u
#define TEST_BLOCK_MAGIC_CHILD 0x4348494cu

typedef struct test_block
{
    ULONG magic;
    struct test_block *children;    /* root: its children; child: next sibling */
    struct test_block *next;
    ULONG size;
    ULONGLONG pad;                  /* keeps the payload 16-byte aligned on x64 */
} test_block;

static LONG test_live_blocks;
static ULONG test_fail_after = ~0u;     /* fail the n-th allocation from now (0 = next) */

static inline BOOL test_should_fail(void)
{
    if (test_fail_after == ~0u)
        return FALSE;
    if (test_fail_after == 0)
        return TRUE;
    test_fail_after--;
    return FALSE;
}

static SCODE WINAPI test_AllocateBuffer(ULONG size, LPVOID *out)
{
    test_block *b;

    if (!out)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    if (test_should_fail() || !(b = calloc(1, sizeof(*b) + size + 1)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    b->magic = TEST_BLOCK_MAGIC_ROOT;
    b->size = size;
    memset(b + 1, 0xcc, size);      /* callers must not rely on zeroed memory */
    test_live_blocks++;
    *out = b + 1;
    return S_OK;
}

static SCODE WINAPI test_AllocateMore(ULONG size, LPVOID parent, LPVOID *out)
{
    test_block *root, *b;

    if (!out || !parent)
        return MAPI_E_INVALID_PARAMETER;
    *out = NULL;
    root = (test_block *)parent - 1;
    assert_int_equal(root->magic, TEST_BLOCK_MAGIC_ROOT);  /* parent must be a root */
    if (test_should_fail() || !(b = calloc(1, sizeof(*b) + size + 1)))
        return MAPI_E_NOT_ENOUGH_MEMORY;
    b->magic = TEST_BLOCK_MAGIC_CHILD;
    b->size = size;
    memset(b + 1, 0xcc, size);
    b->next = root->children;
    root->children = b;
    test_live_blocks++;
    *out = b + 1;
    return S_OK;
}

static ULONG WINAPI test_FreeBuffer(LPVOID p)
{
    test_block *root, *c, *next;

    if (!p)
        return 0;
    root = (test_block *)p - 1;
    assert_int_equal(root->magic, TEST_BLOCK_MAGIC_ROOT);  /* only roots are freed */
    for (c = root->children; c; c = next)
    {
        next = c->next;
        c->magic = 0;
        free(c);
        test_live_blocks--;
    }
    root->magic = 0;
    free(root);
    test_live_blocks--;
    return 0;
}

static const mc_alloc test_alloc = { test_AllocateBuffer, test_AllocateMore, test_FreeBuffer };

/* Is `p` (inside) a root block of ours? */
static inline BOOL test_is_root(const void *p)
{
    return p && ((const test_block *)p - 1)->magic == TEST_BLOCK_MAGIC_ROOT;
}

static inline int test_setup_alloc(void **state)
{
    test_live_blocks = 0;
    test_fail_after = ~0u;
    return 0;
}

/* Every test ends with no caller block alive and no COM object of ours alive. */
static inline int test_teardown_alloc(void **state)
{
    assert_int_equal(test_live_blocks, 0);
    assert_int_equal(mc_live_objects, 0);
    return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup_alloc, test_teardown_alloc)

#endif /* TEST_MAPICORE_ALLOC_H */
