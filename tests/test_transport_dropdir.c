/*
 * test_transport_dropdir.c - the transport's drop-directory channel (dropdir.h): address
 * validation and normalization (every bad case of issue 6 point 4), atomic writes into existing
 * mailboxes only, pickup order, and the owner's delivery record (duplicates dropped, a record
 * cut by a crash, the store lookup that closes crash window 3).
 */
#include "test_tandem_fakes.h"
#include "transport/dropdir.h"

static ULONG count_files(const WCHAR *dir, const WCHAR *pattern)
{
    WIN32_FIND_DATAW fd;
    WCHAR *p = td_wsprintf(L"%ls\\%ls", dir, pattern);
    HANDLE h = FindFirstFileW(p, &fd);
    ULONG n = 0;
    if (h != INVALID_HANDLE_VALUE)
    {
        do n++; while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    mc_free(p);
    return n;
}

static void normalize_good(void **state)
{
    static const struct { const WCHAR *in, *out; } good[] =
    {
        { L"bob@example.org", L"bob@example.org" },
        { L"Bob.Smith@Example.ORG", L"bob.smith@example.org" },
        { L"a+tag@x-y.example", L"a+tag@x-y.example" },
        { L"tester@localhost", L"tester@localhost" },
        { L"o'neil_{x}~=^`!#$%&@d.e", L"o'neil_{x}~=^`!#$%&@d.e" },
    };
    ULONG i;
    for (i = 0; i < ARRAYSIZE(good); i++)
    {
        WCHAR *out = NULL;
        assert_int_equal(td_drop_normalize(good[i].in, &out), S_OK);
        assert_true(!wcscmp(out, good[i].out));
        mc_free(out);
    }
}

static void normalize_bad(void **state)
{
    static const WCHAR *bad[] =
    {
        L"", L"bob", L"@example.org", L"bob@", L"bob@@example.org", L"a@b@c",
        /* paths out of the mailbox */
        L"..@example.org", L".@example.org", L"..\\..\\windows@x.org", L"../x@example.org",
        L"bob@..", L"bob@example.org\\..\\alice@example.org", L"a/b@example.org", L"a\\b@example.org",
        L"bob@exa/mple.org", L"bob@exa\\mple.org", L"c:x@example.org", L"bob@c:", L"\\\\server\\share@x.org",
        /* dots and blanks Windows strips or reads differently */
        L".bob@example.org", L"bob.@example.org", L"b..ob@example.org", L"bob@example.org.",
        L"bob@.example.org", L"bob@example..org", L"bob @example.org", L" bob@example.org",
        L"bob@example.org ", L"bob@-example.org", L"bob@example-.org",
        /* device names */
        L"CON.x@example.org", L"con@", L"nul.a@b.c", L"NUL@", L"prn.q@x.y", L"aux.1@x.y", L"com1.a@x.y",
        L"COM9.z@x.y", L"lpt1.a@x.y", L"LPT0.a@x.y", L"conin$.a@x.y", L"conout$.b@x.y", L"clock$.c@d.e",
        L"CON", L"NUL", L"COM1",
        /* a local part whose first atom is a device name, even where Windows would not read the
         * whole name as one ("con@example" before the first dot): refused, to be safe */
        L"con@example.org", L"Nul@x.y",
        /* wildcards, quotes, reserved characters */
        L"b*b@example.org", L"b?b@example.org", L"b|b@example.org", L"\"bob\"@example.org",
        L"<bob@example.org>", L"b:b@example.org", L"bob@exa*mple.org", L"bob@[127.0.0.1]",
        /* control characters and non-ASCII */
        L"bo\x0001b@example.org", L"bob\t@example.org", L"bob@exam\x001fple.org", L"bo\x007f@x.org",
        L"bob\r\n@example.org", L"b\x00e9@example.org", L"bob@ex\x00e4mple.org", L"bob@\x0430.ru",
    };
    WCHAR long_local[80], long_addr[300], long_label[80];
    ULONG i;

    for (i = 0; i < ARRAYSIZE(bad); i++)
    {
        WCHAR *out = (WCHAR *)0x1;
        HRESULT hr = td_drop_normalize(bad[i], &out);
        if (hr != MAPI_E_INVALID_PARAMETER) print_error("accepted bad address #%lu\n", (unsigned long)i);
        assert_int_equal(hr, MAPI_E_INVALID_PARAMETER);
        assert_null(out);
    }
    /* over-long: local part > 64, address > 254, label > 63 */
    for (i = 0; i < 65; i++) long_local[i] = 'a';
    wcscpy(long_local + 65, L"@x.org");
    assert_int_equal(td_drop_normalize(long_local, (WCHAR **)&bad[0]), MAPI_E_INVALID_PARAMETER);
    wcscpy(long_addr, L"a@");
    for (i = 2; i < 255; i++) long_addr[i] = (i % 10) ? 'b' : '.';
    long_addr[255] = 0;
    assert_int_equal(td_drop_normalize(long_addr, (WCHAR **)&bad[0]), MAPI_E_INVALID_PARAMETER);
    wcscpy(long_label, L"a@");
    for (i = 2; i < 66; i++) long_label[i] = 'c';
    wcscpy(long_label + 66, L".org");
    assert_int_equal(td_drop_normalize(long_label, (WCHAR **)&bad[0]), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_drop_normalize(NULL, (WCHAR **)&bad[0]), MAPI_E_INVALID_PARAMETER);
}

static void post_and_pickup(void **state)
{
    WCHAR *root = test_mkdtemp(), *sub = td_wsprintf(L"%ls\\drop\\deeper", root), *box;
    td_dropdir *bob = NULL, *alice = NULL, *bob2 = NULL;
    td_drop_item item;
    static const char m1[] = "Message-ID: <1@x>\r\n\r\none\r\n", m2[] = "Message-ID: <2@x>\r\n\r\ntwo\r\n";

    /* the owner's logon creates the root (all of it) and its mailbox */
    assert_int_equal(td_drop_open(sub, L"Bob@Example.org", &bob), S_OK);
    assert_true(td_drop_owns_mailbox(bob));
    box = td_wsprintf(L"%ls\\bob@example.org", sub);
    assert_true(GetFileAttributesW(box) & FILE_ATTRIBUTE_DIRECTORY);
    /* a second owner of the same mailbox: busy while the first is logged on */
    assert_int_equal(td_drop_open(sub, L"bob@example.org", &bob2), MAPI_E_BUSY);
    assert_null(bob2);
    /* a sender without a mailbox of its own */
    assert_int_equal(td_drop_open(sub, NULL, &alice), S_OK);
    assert_false(td_drop_owns_mailbox(alice));
    assert_int_equal(td_drop_pending(alice), 0);

    assert_int_equal(td_drop_post(alice, L"BOB@example.org", m1, strlen(m1)), S_OK);
    Sleep(20);
    assert_int_equal(td_drop_post(alice, L"bob@example.org", m2, strlen(m2)), S_OK);
    assert_int_equal(count_files(box, L"*.eml"), 2);
    assert_int_equal(count_files(box, L"*.tmp"), 0);       /* nothing half-written stays */
    /* nobody owns these: nothing written anywhere */
    assert_int_equal(td_drop_post(alice, L"carol@example.org", m1, strlen(m1)), MAPI_E_NOT_FOUND);
    assert_int_equal(td_drop_post(alice, L"..\\bob@example.org", m1, strlen(m1)), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(td_drop_post(alice, L"nul.x@example.org", m1, strlen(m1)), MAPI_E_INVALID_PARAMETER);
    assert_int_equal(count_files(sub, L"*"), 3);            /* ".", "..", bob's mailbox */

    /* pickup: oldest first; begin/commit deletes */
    assert_int_equal(td_drop_pending(bob), 2);
    assert_int_equal(td_drop_next(bob, &item), S_OK);
    assert_int_equal(item.len, strlen(m1));
    assert_memory_equal(item.data, m1, item.len);
    assert_int_equal(td_drop_begin(bob, &item, "<1@x>"), S_OK);
    assert_int_equal(td_drop_key_state(bob, "<1@x>"), 'P');
    assert_int_equal(td_drop_commit(bob, &item), S_OK);
    assert_int_equal(td_drop_key_state(bob, "<1@x>"), 'D');
    td_drop_item_clear(&item);
    assert_int_equal(td_drop_pending(bob), 1);

    /* a resend of message 1 (same Message-ID) is dropped */
    assert_int_equal(td_drop_post(alice, L"bob@example.org", m1, strlen(m1)), S_OK);
    assert_int_equal(td_drop_pending(bob), 2);
    assert_int_equal(td_drop_next(bob, &item), S_OK);
    assert_memory_equal(item.data, m2, item.len);
    assert_int_equal(td_drop_begin(bob, &item, "<2@x>"), S_OK);
    assert_int_equal(td_drop_commit(bob, &item), S_OK);
    td_drop_item_clear(&item);
    assert_int_equal(td_drop_next(bob, &item), S_OK);
    assert_int_equal(td_drop_begin(bob, &item, "<1@x>"), S_FALSE);
    td_drop_item_clear(&item);
    assert_int_equal(td_drop_pending(bob), 0);
    assert_int_equal(td_drop_next(bob, &item), MAPI_E_NOT_FOUND);

    /* the record survives the logon: a new owner knows both keys */
    td_drop_close(bob);
    assert_int_equal(td_drop_open(sub, L"bob@example.org", &bob), S_OK);
    assert_int_equal(td_drop_key_state(bob, "<1@x>"), 'D');
    assert_int_equal(td_drop_key_state(bob, "<2@x>"), 'D');
    assert_int_equal(td_drop_key_state(bob, "<3@x>"), 0);

    td_drop_close(bob);
    td_drop_close(alice);
    mc_free(box);
    mc_free(sub);
    test_rmdir(root);
}

static int lookup_calls;
static HRESULT WINAPI_lookup(void *ctx, const char *key, BOOL *found)
{
    lookup_calls++;
    *found = !strcmp(key, "<in-store@x>");
    return S_OK;
}

static void crash_windows(void **state)
{
    WCHAR *root = test_mkdtemp(), *box = td_wsprintf(L"%ls\\eve@x.org", root), *idx;
    td_dropdir *eve = NULL;
    td_drop_item item;
    HANDLE h;
    DWORD done;
    /* a record cut by a crash: "D" of <a>, "P" of <b> and <in-store>, a torn last line */
    static const char record[] = "D <a@x>\r\nP <b@x>\r\nP <in-store@x>\r\nD <c@";
    static const char msg[] = "Subject: x\r\n\r\nx\r\n";

    assert_true(CreateDirectoryW(box, NULL));
    idx = td_wsprintf(L"%ls\\delivered.idx", box);
    h = CreateFileW(idx, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    assert_true(h != INVALID_HANDLE_VALUE);
    WriteFile(h, record, sizeof(record) - 1, &done, NULL);
    CloseHandle(h);
    /* a dead sender's temporary file, old enough to go */
    {
        WCHAR *tmp = td_wsprintf(L"%ls\\0000000000000000-000000000000.tmp", box);
        FILETIME old = { 0, 0x01000000 };
        h = CreateFileW(tmp, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
        SetFileTime(h, NULL, NULL, &old);
        CloseHandle(h);
        mc_free(tmp);
    }

    assert_int_equal(td_drop_open(root, L"eve@x.org", &eve), S_OK);
    assert_int_equal(count_files(box, L"*.tmp"), 0);
    assert_int_equal(td_drop_key_state(eve, "<a@x>"), 'D');
    assert_int_equal(td_drop_key_state(eve, "<b@x>"), 'P');
    assert_int_equal(td_drop_key_state(eve, "<c@"), 0);        /* the torn line is not read */

    /* window 3 with the store's lookup: it is in the store -> recorded, file dropped */
    td_drop_set_lookup(eve, WINAPI_lookup, NULL);
    assert_int_equal(td_drop_post(eve, L"eve@x.org", msg, strlen(msg)), S_OK);
    assert_int_equal(td_drop_next(eve, &item), S_OK);
    assert_int_equal(td_drop_begin(eve, &item, "<in-store@x>"), S_FALSE);
    assert_int_equal(lookup_calls, 1);
    assert_int_equal(td_drop_key_state(eve, "<in-store@x>"), 'D');
    td_drop_item_clear(&item);
    /* window 2: pending but not in the store -> delivered again */
    assert_int_equal(td_drop_post(eve, L"eve@x.org", msg, strlen(msg)), S_OK);
    assert_int_equal(td_drop_next(eve, &item), S_OK);
    assert_int_equal(td_drop_begin(eve, &item, "<b@x>"), S_OK);
    assert_int_equal(td_drop_commit(eve, &item), S_OK);
    td_drop_item_clear(&item);
    /* a file without a Message-ID is known by its name */
    assert_int_equal(td_drop_post(eve, L"eve@x.org", msg, strlen(msg)), S_OK);
    assert_int_equal(td_drop_next(eve, &item), S_OK);
    assert_int_equal(td_drop_begin(eve, &item, NULL), S_OK);
    assert_true(!strncmp(item.key, "file:", 5));
    td_drop_item_clear(&item);      /* abandoned: stays for the next pickup */
    assert_int_equal(td_drop_pending(eve), 1);
    td_drop_close(eve);

    /* after the torn line the record goes on with whole lines */
    assert_int_equal(td_drop_open(root, L"eve@x.org", &eve), S_OK);
    assert_int_equal(td_drop_key_state(eve, "<b@x>"), 'D');
    assert_int_equal(td_drop_key_state(eve, "<in-store@x>"), 'D');
    td_drop_close(eve);
    mc_free(idx);
    mc_free(box);
    test_rmdir(root);
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        T(normalize_good),
        T(normalize_bad),
        T(post_and_pickup),
        T(crash_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
