/*
 * test_minimapi_addrbook.c - one-off entry IDs ([MS-OXCDATA] 2.2.5.1, one-off-entry-identifiers.md)
 * and the address book (iaddrbook-createoneoff.md, iaddrbook-resolvename.md,
 * iaddrbook-openentry.md, iaddrbook-compareentryids.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "minimapi_private.h"

static const BYTE muid_one_off[16] =
    {0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19, 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02};

/* An Outlook-made one-off: flags word 0x9001 (UNICODE | L bit | NO_RICH_INFO), unaligned UTF-16. */
static const BYTE outlook_oneoff[] =
{
    0, 0, 0, 0,
    0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19, 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02,
    0x00, 0x00, 0x01, 0x90,
    'B', 0, 0xe9, 0, 'a', 0, 0, 0,                          /* "Béa" */
    'S', 0, 'M', 0, 'T', 0, 'P', 0, 0, 0,
    'b', 0, '@', 0, 'x', 0, '.', 0, 'o', 0, 'r', 0, 'g', 0, 0, 0,
};

static void test_parse_outlook(void **state)
{
    mm_oneoff o;
    assert_int_equal(mm_oneoff_parse(sizeof(outlook_oneoff), (const ENTRYID *)outlook_oneoff, &o), S_OK);
    assert_true(o.unicode);
    assert_true(o.no_rich_info);
    assert_int_equal(o.flags, 0x9001);
    assert_true(!wcscmp(o.name, L"B\xe9""a"));
    assert_true(!wcscmp(o.type, L"SMTP"));
    assert_true(!wcscmp(o.address, L"b@x.org"));
    mm_oneoff_free(&o);
    /* truncated: the last string has no terminator */
    assert_int_equal(mm_oneoff_parse(sizeof(outlook_oneoff) - 2, (const ENTRYID *)outlook_oneoff, &o),
                     MAPI_E_INVALID_ENTRYID);
}

static void test_make_unicode_and_ansi(void **state)
{
    ENTRYID *eid;
    ULONG cb;
    mm_oneoff o;
    const BYTE *p;

    assert_int_equal(mm_oneoff_make(L"B\xe9""a", L"SMTP", L"b@x.org", MAPI_UNICODE | MAPI_SEND_NO_RICH_INFO,
                                    &cb, &eid), S_OK);
    p = (const BYTE *)eid;
    assert_memory_equal(p, "\0\0\0\0", 4);
    assert_memory_equal(p + 4, muid_one_off, 16);
    assert_int_equal(p[20] | p[21] << 8, 0);
    assert_int_equal(p[22] | p[23] << 8, MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO);
    /* same strings as Outlook's */
    assert_int_equal(cb, sizeof(outlook_oneoff));
    assert_memory_equal(p + 24, outlook_oneoff + 24, cb - 24);
    MAPIFreeBuffer(eid);

    assert_int_equal(mm_oneoff_make(L"Bob", L"SMTP", L"bob@x.org", 0, &cb, &eid), S_OK);
    p = (const BYTE *)eid;
    assert_int_equal(p[22] | p[23] << 8, 0);
    assert_int_equal(cb, 24 + 4 + 5 + 10);
    assert_memory_equal(p + 24, "Bob\0SMTP\0bob@x.org\0", 4 + 5 + 10);
    assert_int_equal(mm_oneoff_parse(cb, eid, &o), S_OK);
    assert_false(o.unicode);
    assert_false(o.no_rich_info);
    assert_true(!wcscmp(o.name, L"Bob") && !wcscmp(o.type, L"SMTP") && !wcscmp(o.address, L"bob@x.org"));
    mm_oneoff_free(&o);
    MAPIFreeBuffer(eid);
}

static void test_addrbook_createoneoff_openentry(void **state)
{
    IAddrBook *ab;
    ENTRYID *e1, *e2, *e3;
    ULONG cb1, cb2, cb3, type = 0, result = 7, count;
    IMailUser *mu;
    SPropValue *props;
    static const SizedSPropTagArray(6, tags) =
        {6, {PR_DISPLAY_NAME_W, PR_ADDRTYPE_A, PR_EMAIL_ADDRESS_W, PR_SEARCH_KEY, PR_OBJECT_TYPE,
             PR_ENTRYID}};

    assert_int_equal(mm_addrbook_create(NULL, &ab), S_OK);
    assert_int_equal(ab->lpVtbl->CreateOneOff(ab, (LPTSTR)"Bob", (LPTSTR)"SMTP", (LPTSTR)"bob@x.org",
                                              0, &cb1, &e1), S_OK);
    assert_int_equal(ab->lpVtbl->CreateOneOff(ab, (LPTSTR)L"Robert", (LPTSTR)L"SMTP",
                                              (LPTSTR)L"BOB@X.ORG", MAPI_UNICODE, &cb2, &e2), S_OK);
    assert_int_equal(ab->lpVtbl->CreateOneOff(ab, (LPTSTR)"Al", (LPTSTR)"SMTP", (LPTSTR)"al@x.org",
                                              0, &cb3, &e3), S_OK);
    assert_int_equal(ab->lpVtbl->CompareEntryIDs(ab, cb1, e1, cb2, e2, 0, &result), S_OK);
    assert_int_equal(result, TRUE);
    assert_int_equal(ab->lpVtbl->CompareEntryIDs(ab, cb1, e1, cb3, e3, 0, &result), S_OK);
    assert_int_equal(result, FALSE);
    assert_int_equal(ab->lpVtbl->CreateOneOff(ab, NULL, NULL, (LPTSTR)"x", 0, &cb3, &e3),
                     MAPI_E_INVALID_PARAMETER);

    assert_int_equal(ab->lpVtbl->OpenEntry(ab, cb2, e2, NULL, 0, &type, (IUnknown **)&mu), S_OK);
    assert_int_equal(type, MAPI_MAILUSER);
    assert_int_equal(mu->lpVtbl->GetProps(mu, (SPropTagArray *)&tags, MAPI_UNICODE, &count, &props), S_OK);
    assert_int_equal(count, 6);
    assert_true(!wcscmp(props[0].Value.lpszW, L"Robert"));
    assert_string_equal(props[1].Value.lpszA, "SMTP");
    assert_true(!wcscmp(props[2].Value.lpszW, L"BOB@X.ORG"));
    assert_int_equal(props[3].Value.bin.cb, sizeof("SMTP:BOB@X.ORG"));
    assert_memory_equal(props[3].Value.bin.lpb, "SMTP:BOB@X.ORG", sizeof("SMTP:BOB@X.ORG"));
    assert_int_equal(props[4].Value.l, MAPI_MAILUSER);
    assert_int_equal(props[5].Value.bin.cb, cb2);
    assert_memory_equal(props[5].Value.bin.lpb, e2, cb2);
    MAPIFreeBuffer(props);
    assert_int_equal(mu->lpVtbl->SetProps(mu, 0, NULL, NULL), MAPI_E_NO_ACCESS);
    mu->lpVtbl->Release(mu);

    /* not a one-off */
    assert_int_equal(ab->lpVtbl->OpenEntry(ab, sizeof(outlook_oneoff) - 8, (ENTRYID *)(outlook_oneoff + 8),
                                           NULL, 0, &type, (IUnknown **)&mu), MAPI_E_UNKNOWN_ENTRYID);
    MAPIFreeBuffer(e1);
    MAPIFreeBuffer(e2);
    MAPIFreeBuffer(e3);
    ab->lpVtbl->Release(ab);
}

/* An ADRLIST of n rows, each {PR_DISPLAY_NAME_A, PR_RECIPIENT_TYPE} per the ADRLIST rules. */
static ADRLIST *make_list(ULONG n, const char **names)
{
    ADRLIST *l;
    ULONG i;
    assert_int_equal(MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&l), S_OK);
    l->cEntries = n;
    for (i = 0; i < n; i++)
    {
        SPropValue *v;
        assert_int_equal(MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&v), S_OK);
        memset(v, 0, 2 * sizeof(SPropValue));
        v[0].ulPropTag = PR_DISPLAY_NAME_A;
        MAPIAllocateMore(strlen(names[i]) + 1, v, (void **)&v[0].Value.lpszA);
        strcpy(v[0].Value.lpszA, names[i]);
        v[1].ulPropTag = PR_RECIPIENT_TYPE;
        v[1].Value.l = MAPI_TO;
        l->aEntries[i].ulReserved1 = 0;
        l->aEntries[i].cValues = 2;
        l->aEntries[i].rgPropVals = v;
    }
    return l;
}

static void free_list(ADRLIST *l)
{
    ULONG i;
    for (i = 0; i < l->cEntries; i++) MAPIFreeBuffer(l->aEntries[i].rgPropVals);
    MAPIFreeBuffer(l);
}

static const SPropValue *find(const ADRENTRY *e, ULONG tag)
{
    return mc_props_find(e->cValues, e->rgPropVals, tag);
}

static void test_resolvename(void **state)
{
    static const char *names[] = {"bob@x.org", "Alice Smith <Alice@Example.COM>", "\"Carol\" mailto:carol@c.net",
                                  "just a name", "a@b.c, d@e.f"};
    IAddrBook *ab;
    LONG live = mm_live_blocks();
    ADRLIST *l = make_list(5, names);
    const SPropValue *v;
    mm_oneoff o;

    assert_int_equal(mm_addrbook_create(NULL, &ab), S_OK);
    /* one unresolvable and one ambiguous row: either error is allowed; the rest are resolved */
    {
        HRESULT hr = ab->lpVtbl->ResolveName(ab, 0, MAPI_UNICODE, NULL, l);
        assert_true(hr == MAPI_E_AMBIGUOUS_RECIP || hr == MAPI_E_NOT_FOUND);
    }
    v = find(&l->aEntries[0], PR_ADDRTYPE_W);
    assert_non_null(v);
    assert_true(!wcscmp(v->Value.lpszW, L"SMTP"));
    assert_true(!wcscmp(find(&l->aEntries[0], PR_EMAIL_ADDRESS_W)->Value.lpszW, L"bob@x.org"));
    assert_true(!wcscmp(find(&l->aEntries[0], PR_DISPLAY_NAME_W)->Value.lpszW, L"bob@x.org"));
    assert_int_equal(find(&l->aEntries[0], PR_RECIPIENT_TYPE)->Value.l, MAPI_TO);
    v = find(&l->aEntries[0], PR_SEARCH_KEY);
    assert_memory_equal(v->Value.bin.lpb, "SMTP:BOB@X.ORG", sizeof("SMTP:BOB@X.ORG"));
    v = find(&l->aEntries[0], PR_ENTRYID);
    assert_non_null(v);
    assert_int_equal(mm_oneoff_parse(v->Value.bin.cb, (ENTRYID *)v->Value.bin.lpb, &o), S_OK);
    assert_true(!wcscmp(o.address, L"bob@x.org"));
    mm_oneoff_free(&o);

    assert_true(!wcscmp(find(&l->aEntries[1], PR_DISPLAY_NAME_W)->Value.lpszW, L"Alice Smith"));
    assert_true(!wcscmp(find(&l->aEntries[1], PR_EMAIL_ADDRESS_W)->Value.lpszW, L"Alice@Example.COM"));
    v = find(&l->aEntries[1], PR_SEARCH_KEY);
    assert_memory_equal(v->Value.bin.lpb, "SMTP:ALICE@EXAMPLE.COM", sizeof("SMTP:ALICE@EXAMPLE.COM"));
    assert_true(!wcscmp(find(&l->aEntries[2], PR_DISPLAY_NAME_W)->Value.lpszW, L"Carol"));
    assert_true(!wcscmp(find(&l->aEntries[2], PR_EMAIL_ADDRESS_W)->Value.lpszW, L"carol@c.net"));
    assert_null(find(&l->aEntries[3], PR_ENTRYID));
    assert_null(find(&l->aEntries[4], PR_ENTRYID));
    free_list(l);

    /* ANSI output, and the two errors one at a time */
    l = make_list(1, names + 1);
    assert_int_equal(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), S_OK);
    assert_string_equal(find(&l->aEntries[0], PR_EMAIL_ADDRESS_A)->Value.lpszA, "Alice@Example.COM");
    assert_string_equal(find(&l->aEntries[0], PR_ADDRTYPE_A)->Value.lpszA, "SMTP");
    /* already resolved rows are left alone */
    assert_int_equal(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), S_OK);
    free_list(l);
    l = make_list(1, names + 3);
    assert_int_equal(ab->lpVtbl->ResolveName(ab, 0, 0, NULL, l), MAPI_E_NOT_FOUND);
    free_list(l);
    l = make_list(1, names + 4);
    assert_int_equal(ab->lpVtbl->ResolveName(ab, 0, MAPI_DIALOG, NULL, l), MAPI_E_AMBIGUOUS_RECIP);
    free_list(l);
    ab->lpVtbl->Release(ab);
    assert_int_equal(mm_live_blocks(), live);
}

static void test_smtp_syntax(void **state)
{
    static const WCHAR *good[] = {L"a@b", L"bob@localhost", L"first.last+tag@sub.example.org"};
    static const WCHAR *bad[] = {L"", L"@b", L"a@", L"a@@b", L"a b@c", L".a@b", L"a.@b", L"a@b..c", L"a@.b",
                                 L"a@b.", L"a@b_c"};
    ULONG i;
    for (i = 0; i < ARRAYSIZE(good); i++) assert_true(mm_is_smtp_address(good[i], lstrlenW(good[i])));
    for (i = 0; i < ARRAYSIZE(bad); i++) assert_false(mm_is_smtp_address(bad[i], lstrlenW(bad[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] =
    {
        cmocka_unit_test(test_parse_outlook),
        cmocka_unit_test(test_make_unicode_and_ansi),
        cmocka_unit_test(test_addrbook_createoneoff_openentry),
        cmocka_unit_test(test_resolvename),
        cmocka_unit_test(test_smtp_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
