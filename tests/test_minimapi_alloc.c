/*
 * test_minimapi_alloc.c - minimapi's MAPIAllocateBuffer/MAPIAllocateMore/MAPIFreeBuffer
 * (mapiallocatebuffer.md, mapiallocatemore.md, mapifreebuffer.md; spi-digest §6): roots and
 * their chains, the live-root count, alignment, bad input; the default IMalloc; the
 * reference count of MAPIInitialize/MAPIUninitialize.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "minimapi_private.h"

static void test_root_and_children(void **state)
{
    LONG before = mm_live_blocks();
    void *root = NULL, *child = NULL, *grandchild = NULL, *other = NULL;
    int i;

    assert_int_equal(MAPIAllocateBuffer(100, &root), S_OK);
    assert_non_null(root);
    assert_int_equal(mm_live_blocks(), before + 1);
    memset(root, 0xab, 100);
    for (i = 0; i < 50; i++)
    {
        assert_int_equal(MAPIAllocateMore(i * 7 + 1, root, &child), S_OK);
        memset(child, i, i * 7 + 1);
    }
    /* A child as parent hangs the block on the same root. */
    assert_int_equal(MAPIAllocateMore(33, child, &grandchild), S_OK);
    assert_int_equal(mm_live_blocks(), before + 1);        /* only roots count */
    assert_int_equal(MAPIAllocateBuffer(0, &other), S_OK);  /* zero bytes is a valid block */
    assert_int_equal(mm_live_blocks(), before + 2);
    /* Freeing a child is ignored: it lives as long as its root. */
    assert_int_equal(MAPIFreeBuffer(child), S_OK);
    assert_int_equal(mm_live_blocks(), before + 2);
    assert_int_equal(MAPIFreeBuffer(root), S_OK);
    assert_int_equal(mm_live_blocks(), before + 1);
    assert_int_equal(MAPIFreeBuffer(other), S_OK);
    assert_int_equal(mm_live_blocks(), before);
}

static void test_alignment(void **state)
{
    void *blocks[40];
    int i;
    assert_int_equal(MAPIAllocateBuffer(3, &blocks[0]), S_OK);
    for (i = 1; i < 40; i++)
        assert_int_equal(MAPIAllocateMore(i, blocks[0], &blocks[i]), S_OK);
    for (i = 0; i < 40; i++)
        assert_int_equal((ULONG_PTR)blocks[i] % 16, 0);
    MAPIFreeBuffer(blocks[0]);
}

static void test_bad_input(void **state)
{
    LONG before = mm_live_blocks();
    void *p = (void *)1;

    assert_int_equal(MAPIAllocateBuffer(10, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(MAPIAllocateMore(10, NULL, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(MAPIFreeBuffer(NULL), S_OK);
    /* MAPIAllocateMore without a parent makes a root (as Outlook's MAPI does). */
    assert_int_equal(MAPIAllocateMore(8, NULL, &p), S_OK);
    assert_int_equal(mm_live_blocks(), before + 1);
    MAPIFreeBuffer(p);
    assert_int_equal(mm_live_blocks(), before);
}

static DWORD WINAPI churn(void *arg)
{
    int i, j;
    for (i = 0; i < 2000; i++)
    {
        void *root, *c;
        if (MAPIAllocateBuffer(16, &root)) return 1;
        for (j = 0; j < 5; j++)
            if (MAPIAllocateMore(24, root, &c)) return 1;
        MAPIFreeBuffer(root);
    }
    return 0;
}

static void test_threads(void **state)
{
    LONG before = mm_live_blocks();
    HANDLE threads[4];
    DWORD code;
    int i;
    for (i = 0; i < 4; i++) threads[i] = CreateThread(NULL, 0, churn, NULL, 0, NULL);
    WaitForMultipleObjects(4, threads, TRUE, INFINITE);
    for (i = 0; i < 4; i++)
    {
        GetExitCodeThread(threads[i], &code);
        assert_int_equal(code, 0);
        CloseHandle(threads[i]);
    }
    assert_int_equal(mm_live_blocks(), before);
}

static void test_default_malloc(void **state)
{
    IMalloc *m = MAPIGetDefaultMalloc();
    IMalloc *q = NULL;
    void *p;

    assert_non_null(m);
    assert_ptr_equal(m, mm_get_malloc());
    assert_int_equal(m->lpVtbl->QueryInterface(m, &IID_IMalloc, (void **)&q), S_OK);
    assert_ptr_equal(q, m);
    q->lpVtbl->Release(q);
    p = m->lpVtbl->Alloc(m, 64);
    assert_non_null(p);
    assert_true(m->lpVtbl->GetSize(m, p) >= 64);
    p = m->lpVtbl->Realloc(m, p, 128);
    assert_non_null(p);
    m->lpVtbl->Free(m, p);
}

static void test_initialize(void **state)
{
    MAPIINIT_0 init = {MAPI_INIT_VERSION, MAPI_MULTITHREAD_NOTIFICATIONS};
    MAPIINIT_0 bad_flags = {MAPI_INIT_VERSION, 0x4000};
    MAPIINIT_0 bad_version = {7, 0};
    IProfAdmin *admin = (IProfAdmin *)1;

    assert_false(mm_initialized());
    assert_int_equal(MAPIAdminProfiles(0, &admin), MAPI_E_NOT_INITIALIZED);
    assert_null(admin);
    assert_int_equal(MAPIInitialize(&bad_flags), MAPI_E_UNKNOWN_FLAGS);
    assert_int_equal(MAPIInitialize(&bad_version), MAPI_E_INVALID_PARAMETER);
    assert_false(mm_initialized());
    assert_int_equal(MAPIInitialize(NULL), S_OK);
    assert_int_equal(MAPIInitialize(&init), S_OK);
    MAPIUninitialize();
    assert_true(mm_initialized());      /* counted: one MAPIInitialize still open */
    MAPIUninitialize();
    assert_false(mm_initialized());
    MAPIUninitialize();                 /* one too many: ignored */
    assert_false(mm_initialized());
    assert_int_equal(MAPIInitialize(NULL), S_OK);
    assert_true(mm_initialized());
    MAPIUninitialize();
}

static void test_utility_exports(void **state)
{
    SRowSet *rows;
    void *props;
    assert_int_equal(ScInitMapiUtil(0), S_OK);
    DeinitMapiUtil();
    assert_int_equal(MAPIAllocateBuffer(CbNewSRowSet(2), (void **)&rows), S_OK);
    rows->cRows = 2;
    assert_int_equal(MAPIAllocateBuffer(sizeof(SPropValue), &props), S_OK);
    rows->aRow[0].lpProps = props;
    rows->aRow[0].cValues = 1;
    assert_int_equal(MAPIAllocateBuffer(sizeof(SPropValue), &props), S_OK);
    rows->aRow[1].lpProps = props;
    rows->aRow[1].cValues = 1;
    FreeProws(rows);
    FreeProws(NULL);
    assert_int_equal(HrThisThreadAdviseSink(NULL, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(HrQueryAllRows(NULL, NULL, NULL, NULL, 0, NULL), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(DllGetClassObject(&IID_IUnknown, &IID_IUnknown, &props), CLASS_E_CLASSNOTAVAILABLE);
}

static int check_no_blocks(void **state)
{
    return mm_live_blocks() == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(test_root_and_children),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_default_malloc),
        cmocka_unit_test(test_initialize),
        cmocka_unit_test(test_utility_exports),
    };
    return cmocka_run_group_tests(tests, NULL, check_no_blocks);
}
