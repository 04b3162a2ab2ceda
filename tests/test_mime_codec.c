/*
 * test_mime_codec.c - the Internet-mail codec (dll/tandem/mime, issue 5): parsing real-world and
 * malformed mail, writing within the RFC limits, no header injection, the limits of
 * mime_limits.h, and write -> parse round trips. Runs under cmocka/Wine and natively
 * (test_mime_harness.h).
 */
#include "test_mime_harness.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static char *write_msg(mime_message *m)
{
    mime_write_options o = { 42, NULL };
    char *out = NULL;
    size_t n;
    int rc = mime_write(m, &o, &out, &n);

    CHECK(rc == MIME_OK, "mime_write returned %d (%s)", rc, mime_strerror(rc));
    CHECK(strlen(out) == n, "output has a NUL at %lu of %lu", (unsigned long)strlen(out),
          (unsigned long)n);
    return out;
}

/* Every line ends with CRLF, none is longer than `max`; returns the number of lines. */
static size_t check_lines(const char *s, size_t max)
{
    size_t lines = 0;

    while (*s) {
        const char *e = strstr(s, "\r\n");
        const char *lf = strchr(s, '\n'), *cr = strchr(s, '\r');
        CHECK(e != NULL, "last line without CRLF: \"%.40s\"", s);
        CHECK(lf == e + 1 && cr == e, "bare CR or LF in line \"%.*s\"", (int)(e - s), s);
        CHECK((size_t)(e - s) <= max, "line of %lu characters: \"%.*s\"", (unsigned long)(e - s),
              (int)(e - s), s);
        lines++;
        s = e + 2;
    }
    return lines;
}

/* Number of header lines (before the first empty line) that start with `name`. */
static int header_lines(const char *s, const char *name)
{
    size_t nl = strlen(name);
    int count = 0;

    while (*s && strncmp(s, "\r\n", 2)) {
        if (!strncmp(s, name, nl))
            count++;
        s = strstr(s, "\r\n");
        if (!s)
            break;
        s += 2;
    }
    return count;
}

static int count_str(const char *s, const char *needle)
{
    int n = 0;

    while ((s = strstr(s, needle))) {
        n++;
        s += strlen(needle);
    }
    return n;
}

static mime_message *roundtrip(mime_message *m)
{
    char *text = write_msg(m);
    mime_message *back = NULL;

    check_lines(text, 998);
    PARSE(text, &back);
    free(text);
    return back;
}

/* ---- parsing ------------------------------------------------------------------------------- */

TEST(parse_simple)
{
    mime_message *m;

    PARSE("From: Alice Example <alice@example.com>\r\n"
          "To: bob@example.com\r\n"
          "Subject: Hello\r\n"
          "Date: Tue, 3 Jan 2023 10:00:00 +0100\r\n"
          "Message-ID: <1@example.com>\r\n"
          "\r\n"
          "Hi Bob\r\n", &m);
    CHECK_STR(m->from.name, "Alice Example");
    CHECK_STR(m->from.address, "alice@example.com");
    CHECK_INT(m->to.count, 1);
    CHECK_STR(m->to.items[0].address, "bob@example.com");
    CHECK_STR(m->to.items[0].name, NULL);
    CHECK_STR(m->subject, "Hello");
    CHECK_STR(m->message_id, "<1@example.com>");
    CHECK_INT(mime_unix_from_filetime(m->date), 1672736400);
    CHECK_STR(m->body_text, "Hi Bob\r\n");
    CHECK_STR(m->body_html, NULL);
    CHECK_INT(m->attachment_count, 0);
    CHECK(m->headers && strstr(m->headers, "Subject: Hello"), "raw headers kept");
    mime_message_free(m);
}

TEST(parse_lf_only_and_8bit_headers)
{
    mime_message *m;

    /* LF line ends, a raw UTF-8 subject, a raw windows-1252 name. */
    PARSE("From: J\xfcrgen <j@example.com>\n"
          "Subject: Gr\xc3\xbc\xc3\x9f" "e\n"
          "\n"
          "line1\nline2\n", &m);
    CHECK_STR(m->subject, "Gr\xc3\xbc\xc3\x9f" "e");
    CHECK_STR(m->from.name, "J\xc3\xbcrgen");
    CHECK_STR(m->body_text, "line1\r\nline2\r\n");
    mime_message_free(m);
}

TEST(parse_encoded_words)
{
    mime_message *m;

    PARSE("Subject: =?ISO-8859-1?Q?Caf=E9?= =?utf-8?b?IGFuZCDwn5iA?=\r\n"
          "  plain =?UTF-8?Q?=E2=82?= =?UTF-8?Q?=AC?=\r\n"
          "From: =?utf-8?q?M=C3=BCller=2C_Hans?= <h@example.com>\r\n"
          "To: \"=?utf-8?B?w4lsaXNl?=\" <e@example.com>\r\n"
          "\r\n", &m);
    /* adjacent words joined without the blank, the euro sign split across two words */
    CHECK_STR(m->subject, "Caf\xc3\xa9 and \xf0\x9f\x98\x80  plain \xe2\x82\xac");
    CHECK_STR(m->from.name, "M\xc3\xbcller, Hans");
    CHECK_STR(m->to.items[0].name, "\xc3\x89lise");
    mime_message_free(m);
}

TEST(parse_charsets)
{
    mime_message *m;

    PARSE("Subject: =?koi8-r?B?8NLJ18XU?=\r\n"
          "Content-Type: text/plain; charset=\"windows-1251\"\r\n"
          "Content-Transfer-Encoding: 8bit\r\n"
          "\r\n"
          "\xcf\xf0\xe8\xe2\xe5\xf2", &m);
    CHECK_STR(m->subject, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
    CHECK_STR(m->body_text, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
    mime_message_free(m);

    /* An unknown charset falls back to UTF-8-or-windows-1252. */
    PARSE("Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n\x80uro", &m);
    CHECK_STR(m->body_text, "\xe2\x82\xac" "uro");
    mime_message_free(m);

    /* Shift_JIS and ISO-2022-JP bodies. */
    PARSE("Content-Type: text/plain; charset=shift_jis\r\n\r\n\x82\xa0", &m);
    CHECK_STR(m->body_text, "\xe3\x81\x82");
    mime_message_free(m);
    PARSE("Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\x1b$B$\"\x1b(B", &m);
    CHECK_STR(m->body_text, "\xe3\x81\x82");
    mime_message_free(m);
}

TEST(parse_addresses)
{
    mime_message *m;

    PARSE("To: \"Doe, John\" <john@example.com>, jane@example.com (Jane Roe),\r\n"
          " Team: a@example.com, B <b@example.com>;, undisclosed-recipients:;,\r\n"
          " <@route.example:c@example.com>, \"quoted \\\"x\\\"\" <d@example.com\r\n"
          "Cc: e@example.com\r\n"
          "Cc: f@example.com\r\n"
          "\r\n", &m);
    CHECK_INT(m->to.count, 6);
    CHECK_STR(m->to.items[0].name, "Doe, John");
    CHECK_STR(m->to.items[1].name, "Jane Roe");
    CHECK_STR(m->to.items[1].address, "jane@example.com");
    CHECK_STR(m->to.items[2].address, "a@example.com");
    CHECK_STR(m->to.items[3].name, "B");
    CHECK_STR(m->to.items[4].address, "c@example.com");
    CHECK_STR(m->to.items[5].name, "quoted \"x\"");
    CHECK_STR(m->to.items[5].address, "d@example.com");
    CHECK_INT(m->cc.count, 2);
    mime_message_free(m);
}

TEST(parse_structure)
{
    mime_message *m;

    PARSE("Subject: structure\r\n"
          "Content-Type: multipart/mixed; boundary=outer\r\n"
          "\r\n"
          "--outer\r\n"
          "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
          "\r\n"
          "--alt\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Transfer-Encoding: quoted-printable\r\n"
          "\r\n"
          "caf=C3=A9 soft=\r\n"
          "break\r\n"
          "--alt\r\n"
          "Content-Type: multipart/related; boundary=rel; type=\"text/html\"\r\n"
          "\r\n"
          "--rel\r\n"
          "Content-Type: text/html; charset=utf-8\r\n"
          "\r\n"
          "<img src=\"cid:img1@x\">\r\n"
          "--rel\r\n"
          "Content-Type: image/png\r\n"
          "Content-ID: <img1@x>\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "\r\n"
          "iVBORw0K\r\n"
          "--rel--\r\n"
          "--alt--\r\n"
          "--outer\r\n"
          "Content-Type: application/octet-stream; name=\"=?utf-8?q?r=C3=A9sum=C3=A9?=.bin\"\r\n"
          "Content-Disposition: attachment\r\n"
          "Content-Transfer-Encoding: base64\r\n"
          "\r\n"
          "AAEC/w=\r\n"                 /* bad padding: the whole bytes are kept */
          "--outer\r\n"
          "Content-Type: message/rfc822\r\n"
          "\r\n"
          "Subject: inner\r\n"
          "From: x@example.com\r\n"
          "\r\n"
          "inner body\r\n"
          "--outer\r\n"
          "Content-Type: text/plain\r\n"
          "Content-Disposition: attachment; filename*0*=utf-8''%E2%82%AC;\r\n"
          " filename*1=\"uro.txt\"\r\n"
          "\r\n"
          "no closing boundary\r\n", &m);
    CHECK_STR(m->body_text, "caf\xc3\xa9 soft" "break");   /* the CRLF belongs to the delimiter */
    CHECK_STR(m->body_html, "<img src=\"cid:img1@x\">");
    CHECK_INT(m->attachment_count, 4);
    CHECK_STR(m->attachments[0].mime_type, "image/png");
    CHECK_STR(m->attachments[0].content_id, "img1@x");
    CHECK_INT(m->attachments[0].disposition, MIME_DISPOSITION_INLINE);
    CHECK_INT(m->attachments[0].size, 6);
    CHECK(!memcmp(m->attachments[0].data, "\x89PNG\r\n", 6), "png bytes");
    CHECK_STR(m->attachments[1].filename, "r\xc3\xa9sum\xc3\xa9.bin");
    CHECK_INT(m->attachments[1].size, 4);
    CHECK(!memcmp(m->attachments[1].data, "\x00\x01\x02\xff", 4), "base64 bytes");
    CHECK_INT(m->attachments[1].disposition, MIME_DISPOSITION_ATTACHMENT);
    CHECK(m->attachments[2].message != NULL, "message/rfc822 is embedded");
    CHECK_STR(m->attachments[2].message->subject, "inner");
    CHECK_STR(m->attachments[2].message->body_text, "inner body");
    CHECK_STR(m->attachments[3].filename, "\xe2\x82\xac" "uro.txt");
    CHECK_INT(m->attachments[3].size, 21);
    mime_message_free(m);
}

TEST(parse_flags_and_ids)
{
    mime_message *m;

    PARSE("Subject: RE: the plan\r\n"
          "Importance: high\r\n"
          "Priority: non-urgent\r\n"
          "Sensitivity: Company-Confidential\r\n"
          "Disposition-Notification-To: Alice <alice@example.com>\r\n"
          "In-Reply-To: <a@x> (comment)\r\n"
          "References: <a@x>\r\n <b@y>   <c@z>\r\n"
          "Received: from mx by host; Wed, 4 Jan 2023 08:00:00 -0000\r\n"
          "\r\n", &m);
    CHECK_STR(m->subject_prefix, "RE: ");
    CHECK_STR(m->normalized_subject, "the plan");
    CHECK_INT(m->importance, MIME_IMPORTANCE_HIGH);
    CHECK_INT(m->priority, MIME_PRIORITY_NONURGENT);
    CHECK_INT(m->sensitivity, MIME_SENSITIVITY_CONFIDENTIAL);
    CHECK_INT(m->read_receipt, 1);
    CHECK_STR(m->receipt_to.address, "alice@example.com");
    CHECK_STR(m->in_reply_to, "<a@x>");
    CHECK_STR(m->references, "<a@x> <b@y> <c@z>");
    CHECK_INT(mime_unix_from_filetime(m->received), 1672819200);
    mime_message_free(m);

    PARSE("X-Priority: 5 (Lowest)\r\nSubject: Fwd:no blank\r\n\r\n", &m);
    CHECK_INT(m->importance, MIME_IMPORTANCE_LOW);
    CHECK_STR(m->subject_prefix, "");
    mime_message_free(m);
}

TEST(parse_dates)
{
    static const struct { const char *text; long long unix_time; } dates[] = {
        { "Tue, 3 Jan 2023 10:00:00 +0000", 1672740000 },
        { "3 Jan 2023 10:00 GMT", 1672740000 },
        { "Tue, 03 Jan 23 05:00:00 EST", 1672740000 },
        { "Tue Jan  3 10:00:00 2023", 1672740000 },
        { "Tue, 3 Jan 2023 10:00:00 +0000 (UTC)", 1672740000 },
        { "Thu, 1 Jan 1970 00:00:00 +0000", 0 },
        { "31 Dec 1999 23:59:60 +0000", 946684799 },
    };
    size_t i;

    for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        int64_t ft = mime_parse_date(dates[i].text, strlen(dates[i].text));
        CHECK(ft != 0 && mime_unix_from_filetime(ft) == dates[i].unix_time,
              "\"%s\": expected %lld, got %lld", dates[i].text, dates[i].unix_time,
              (long long)mime_unix_from_filetime(ft));
    }
    CHECK_INT(mime_parse_date("garbage", 7), 0);
    CHECK_INT(mime_parse_date("", 0), 0);
    CHECK_INT(mime_filetime_from_unix(0), 116444736000000000LL);
}

TEST(parse_tolerates_garbage)
{
    static const char *const inputs[] = {
        "",
        "\r\n",
        "no header at all",
        "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\nbody",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\nno delimiter here",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n",
        "Content-Type: message/rfc822\r\n\r\n",
        "Subject: =?utf-8?B?\r\n\r\n",
        "Subject: =?utf-8?X?abc?=\r\nFrom: <\r\nTo: ,,,;;;::: <<>>\r\n\r\n",
        "Content-Type: text/plain; charset*0*=utf-8''; charset*99=x\r\n\r\n",
        "Content-Transfer-Encoding: base64\r\n\r\n====",
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=4\r\n=ZZ=",
        "From \r\n",
        "Date: 99 Foo 99999 99:99:99 +9999\r\n\r\n",
    };
    size_t i;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        mime_message *m;
        PARSE(inputs[i], &m);
        mime_message_free(m);
    }
}

/* ---- limits (mime_limits.h) -------------------------------------------------------------------- */

static int parse_status(const char *data, size_t n)
{
    mime_message *m = NULL;
    int rc = mime_parse(data, n, NULL, &m);

    mime_message_free(m);
    return rc;
}

TEST(limit_depth)
{
    char *buf = malloc(100000);
    size_t n = 0;
    int i;

    for (i = 0; i < MIME_MAX_DEPTH + 5; i++)
        n += (size_t)sprintf(buf + n, "Content-Type: message/rfc822\r\n\r\n");
    CHECK_INT(parse_status(buf, n), MIME_E_TOO_DEEP);
    n = 0;
    for (i = 0; i < MIME_MAX_DEPTH + 5; i++)
        n += (size_t)sprintf(buf + n, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n",
                             i, i);
    CHECK_INT(parse_status(buf, n), MIME_E_TOO_DEEP);
    n = 0;
    for (i = 0; i < MIME_MAX_DEPTH - 2; i++)
        n += (size_t)sprintf(buf + n, "Content-Type: message/rfc822\r\n\r\n");
    CHECK_INT(parse_status(buf, n), MIME_OK);
    free(buf);
}

TEST(limit_parts_and_headers)
{
    size_t cap = 2 * 1024 * 1024, n = 0;
    char *buf = malloc(cap);
    int i;

    n += (size_t)sprintf(buf, "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
    for (i = 0; i < MIME_MAX_PARTS + 1; i++)
        n += (size_t)sprintf(buf + n, "--b\r\n\r\nx\r\n");
    CHECK_INT(parse_status(buf, n), MIME_E_TOO_MANY_PARTS);

    n = 0;
    for (i = 0; i < MIME_MAX_HEADERS + 1; i++)
        n += (size_t)sprintf(buf + n, "X-H: %d\r\n", i);
    CHECK_INT(parse_status(buf, n), MIME_E_TOO_MANY_HEADERS);

    n = (size_t)sprintf(buf, "Subject: ");
    memset(buf + n, 'a', MIME_MAX_HEADER_BLOCK);
    n += MIME_MAX_HEADER_BLOCK;
    CHECK_INT(parse_status(buf, n), MIME_E_HEADER_TOO_LARGE);
    free(buf);

    /* Past the message bound: refused before reading. */
    CHECK_INT(parse_status("", (size_t)MIME_MAX_MESSAGE + 1), MIME_E_TOO_LARGE);
}

TEST(limit_addresses_truncated)
{
    size_t cap = MIME_MAX_ADDRESSES * 8 + 100, n = 0;
    char *buf = malloc(cap);
    mime_message *m;
    int i;

    n += (size_t)sprintf(buf, "To: ");
    for (i = 0; i < MIME_MAX_ADDRESSES + 10; i++)
        n += (size_t)sprintf(buf + n, "a@b,");
    n += (size_t)sprintf(buf + n, "\r\n\r\n");
    PARSE(buf, &m);
    CHECK_INT(m->to.count, MIME_MAX_ADDRESSES);
    mime_message_free(m);
    free(buf);
}

/* ---- writing --------------------------------------------------------------------------------- */

static mime_message *sample(void)
{
    mime_message *m = mime_message_new();
    mime_attachment *a;
    static const unsigned char bin[] = { 0, 1, 2, 0xff, '\r', '\n', '\n', '\r', 0x80 };

    CHECK(m != NULL, "mime_message_new");
    mime_set_address(m, &m->from, "J\xc3\xbcrgen M\xc3\xbcller", "juergen@example.com");
    mime_add_address(m, &m->to, "Doe, John", "john@example.com");
    mime_add_address(m, &m->to, NULL, "plain@example.com");
    mime_add_address(m, &m->cc, "\xe5\xbc\xa0\xe4\xbc\x9f", "zhang@example.cn");
    mime_add_address(m, &m->bcc, "Hidden", "hidden@example.com");
    mime_set_subject(m, "RE: Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x80\x94 a long subject that "
                        "certainly needs folding because it goes on and on and on");
    m->date = mime_filetime_from_unix(1672740000);
    mime_set_bytes(m, &m->body_text, &m->body_text_len, "Hello\r\n\xc3\xa9t\xc3\xa9\r\n", 14);
    mime_set_bytes(m, &m->body_html, &m->body_html_len, "<p>Hello <img src=\"cid:logo\"></p>", 33);
    a = mime_add_attachment(m);
    mime_set_string(m, &a->filename, "logo.png");
    mime_set_string(m, &a->mime_type, "image/png");
    mime_set_string(m, &a->content_id, "logo");
    a->disposition = MIME_DISPOSITION_INLINE;
    mime_set_attachment_data(m, a, "\x89PNG\r\n\x1a\n", 8);
    a = mime_add_attachment(m);
    mime_set_string(m, &a->filename, "d\xc3\xa9j\xc3\xa0 vu \xe2\x80\x94 a rather long file name "
                                     "that needs RFC 2231 continuations.bin");
    mime_set_string(m, &a->mime_type, "application/octet-stream");
    mime_set_attachment_data(m, a, bin, sizeof(bin));
    return m;
}

TEST(write_structure_and_limits)
{
    mime_message *m = sample();
    char *text = write_msg(m);

    check_lines(text, 78);
    CHECK(strstr(text, "\r\nMIME-Version: 1.0\r\n") != NULL, "MIME-Version written");
    CHECK(count_str(text, "multipart/mixed") == 1, "one multipart/mixed");
    CHECK(count_str(text, "multipart/alternative") == 1, "one multipart/alternative");
    CHECK(count_str(text, "multipart/related") == 1, "one multipart/related");
    CHECK(strstr(text, "Content-ID: <logo>") != NULL, "Content-ID written");
    CHECK(strstr(text, "=?UTF-8?") != NULL, "encoded words used");
    CHECK(strstr(text, "filename*0*=utf-8''") != NULL, "RFC 2231 continuation used");
    CHECK(header_lines(text, "Bcc") == 0, "Bcc is never written");
    CHECK(header_lines(text, "Message-ID: <") == 1, "a Message-ID was created");
    CHECK(m->message_id != NULL, "the created Message-ID is kept in the model");
    {
        /* Created once: a second write keeps it. */
        char *id = strdup(m->message_id), *again = write_msg(m);
        CHECK_STR(m->message_id, id);
        free(again);
        free(id);
    }
    free(text);
    mime_message_free(m);
}

TEST(write_roundtrip)
{
    mime_message *m = sample(), *b = roundtrip(m);
    size_t i;

    CHECK_STR(b->subject, m->subject);
    CHECK_STR(b->subject_prefix, "RE: ");
    CHECK_STR(b->from.name, m->from.name);
    CHECK_STR(b->from.address, m->from.address);
    CHECK_INT(b->to.count, 2);
    CHECK_STR(b->to.items[0].name, "Doe, John");
    CHECK_STR(b->to.items[1].name, NULL);
    CHECK_STR(b->cc.items[0].name, m->cc.items[0].name);
    CHECK_INT(b->bcc.count, 0);
    CHECK_INT(b->date, m->date);
    CHECK_STR(b->message_id, m->message_id);
    CHECK_STR(b->body_text, m->body_text);
    CHECK_STR(b->body_html, m->body_html);
    CHECK_INT(b->attachment_count, 2);
    for (i = 0; i < 2; i++) {
        CHECK_STR(b->attachments[i].filename, m->attachments[i].filename);
        CHECK_STR(b->attachments[i].mime_type, m->attachments[i].mime_type);
        CHECK_STR(b->attachments[i].content_id, m->attachments[i].content_id);
        CHECK_INT(b->attachments[i].disposition, m->attachments[i].disposition);
        CHECK_INT(b->attachments[i].size, m->attachments[i].size);
        CHECK(!memcmp(b->attachments[i].data, m->attachments[i].data, m->attachments[i].size),
              "attachment %lu bytes differ", (unsigned long)i);
    }
    mime_message_free(m);
    mime_message_free(b);
}

TEST(write_bodies_exact)
{
    static const char *const bodies[] = {
        "no line break at the end",
        "ends with one\r\n",
        "\r\n\r\nblank lines first",
        "trailing blanks   \r\nand tabs\t\r\n",
        "--looks like a boundary\r\n.\r\nFrom the start\r\n",
        "=?utf-8?q?not_a_word?= = sign",
        "",
        "a very long line xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xe4\xb8\x96\xe7\x95\x8c",
    };
    size_t i;
    int html;

    for (html = 0; html < 2; html++) {
        for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
            mime_message *m = mime_message_new(), *b;
            char **f = html ? &m->body_html : &m->body_text;
            size_t *l = html ? &m->body_html_len : &m->body_text_len;
            mime_set_bytes(m, f, l, bodies[i], strlen(bodies[i]));
            if (i % 2) {    /* odd ones inside a multipart */
                mime_attachment *a = mime_add_attachment(m);
                mime_set_string(m, &a->mime_type, "text/plain");
                mime_set_attachment_data(m, a, bodies[i], strlen(bodies[i]));
            }
            b = roundtrip(m);
            CHECK_STR(html ? b->body_html : b->body_text, bodies[i]);
            if (i % 2) {
                CHECK_INT(b->attachment_count, 1);
                CHECK_INT(b->attachments[0].size, strlen(bodies[i]));
            }
            mime_message_free(m);
            mime_message_free(b);
        }
    }
}

TEST(write_no_header_injection)
{
    mime_message *m = mime_message_new(), *b;
    mime_attachment *a;
    char *text;

    mime_set_subject(m, "hi\r\nBcc: victim@example.com\r\n\r\n--x\r\nContent-Type: text/html");
    mime_set_address(m, &m->from, "Eve\r\nReply-To: eve@evil.example", "eve@example.com\r\nX: y");
    mime_add_address(m, &m->to, "A\nB", "a@example.com>, evil@evil.example");
    mime_add_address(m, &m->to, "\"quoted\" \\ name", "x y\"z@example.com");
    mime_set_string(m, &m->message_id, "<id@x>\r\nBcc: victim@example.com");
    mime_set_string(m, &m->in_reply_to, "<a@b>\r\n\r\nbody");
    a = mime_add_attachment(m);
    mime_set_string(m, &a->filename, "evil\r\nContent-Type: text/html\r\n\r\n.exe");
    mime_set_string(m, &a->mime_type, "text/plain\r\nX-Evil: 1");
    mime_set_string(m, &a->content_id, "cid\r\n\r\n--boundary");
    mime_set_attachment_data(m, a, "x", 1);
    mime_set_bytes(m, &m->body_text, &m->body_text_len, "a\0b", 3);
    text = write_msg(m);
    check_lines(text, 78);
    CHECK(header_lines(text, "Bcc") == 0, "no Bcc line in\n%s", text);
    CHECK(header_lines(text, "Reply-To") == 0, "no Reply-To line in\n%s", text);
    CHECK(header_lines(text, "X:") == 0, "no X line");
    CHECK(!strstr(text, "\r\nX-Evil"), "no X-Evil line");
    CHECK(!strstr(text, "\r\nContent-Type: text/html"), "no injected part header");
    CHECK_INT(count_str(text, "\r\nContent-Type:"), 3);   /* mixed, text, attachment */
    b = NULL;
    PARSE(text, &b);
    CHECK_INT(b->to.count, 2);   /* the '>' and ',' in an address add no recipient */
    CHECK_INT(b->attachment_count, 1);
    CHECK_STR(b->attachments[0].mime_type, "application/octet-stream");
    CHECK(strchr(b->subject, '\r') == NULL && strchr(b->subject, '\n') == NULL, "subject %s",
          b->subject);
    CHECK_STR(b->body_text, "ab");
    free(text);
    mime_message_free(m);
    mime_message_free(b);
}

TEST(write_embedded_and_flags)
{
    mime_message *m = mime_message_new(), *inner, *b;
    mime_attachment *a = mime_add_attachment(m);

    mime_set_address(m, &m->from, NULL, "outer@example.com");
    mime_set_address(m, &m->sender, "Assistant", "assistant@example.com");
    mime_add_address(m, &m->reply_to, "Replies", "replies@example.com");
    mime_set_subject(m, "FW: forwarded");
    mime_set_string(m, &m->references, "<a@x> <b@y>");
    m->importance = MIME_IMPORTANCE_LOW;
    m->priority = MIME_PRIORITY_URGENT;
    m->sensitivity = MIME_SENSITIVITY_PRIVATE;
    m->read_receipt = 1;
    inner = mime_attachment_new_message(m, a);
    mime_set_string(m, &a->mime_type, "message/rfc822");
    mime_set_subject(inner, "inner \xe2\x9c\x93");
    mime_set_address(inner, &inner->from, NULL, "inner@example.com");
    mime_set_bytes(inner, &inner->body_text, &inner->body_text_len, "inner text", 10);
    b = roundtrip(m);
    CHECK_STR(b->sender.address, "assistant@example.com");
    CHECK_STR(b->reply_to.items[0].name, "Replies");
    CHECK_STR(b->references, "<a@x> <b@y>");
    CHECK_INT(b->importance, MIME_IMPORTANCE_LOW);
    CHECK_INT(b->priority, MIME_PRIORITY_URGENT);
    CHECK_INT(b->sensitivity, MIME_SENSITIVITY_PRIVATE);
    CHECK_INT(b->read_receipt, 1);
    CHECK_STR(b->receipt_to.address, "outer@example.com");
    CHECK_INT(b->attachment_count, 1);
    CHECK(b->attachments[0].message != NULL, "embedded message read back");
    CHECK_STR(b->attachments[0].message->subject, "inner \xe2\x9c\x93");
    CHECK_STR(b->attachments[0].message->body_text, "inner text");
    CHECK_STR(b->attachments[0].message->message_id, NULL);   /* only the root gets one */
    mime_message_free(m);
    mime_message_free(b);
}

TEST(write_refuses_unwritable)
{
    mime_message *m = mime_message_new();
    char *long_addr = malloc(MIME_MAX_TOKEN + 10), *out = NULL;
    size_t n;

    memset(long_addr, 'a', MIME_MAX_TOKEN + 9);
    long_addr[MIME_MAX_TOKEN + 9] = 0;
    mime_add_address(m, &m->to, NULL, long_addr);
    CHECK_INT(mime_write(m, NULL, &out, &n), MIME_E_INVALID_ARG);
    CHECK(out == NULL, "no output on error");
    free(long_addr);
    mime_message_free(m);
}

TEST(write_long_header_words)
{
    mime_message *m = mime_message_new(), *b;
    char subject[3000];
    char *text;
    size_t i;

    /* One 2000-character word: encoded words keep every line short. */
    for (i = 0; i < 2000; i++)
        subject[i] = (char)('a' + i % 26);
    subject[2000] = 0;
    mime_set_subject(m, subject);
    mime_set_address(m, &m->from, subject, "x@example.com");
    text = write_msg(m);
    check_lines(text, 78);
    PARSE(text, &b);
    CHECK_STR(b->subject, subject);
    CHECK_STR(b->from.name, subject);
    free(text);
    mime_message_free(m);
    mime_message_free(b);
}

/* A file name longer than MIME_MAX_FILENAME (read from RFC 2047 words, or set on the model) is
 * cut at a character boundary with its extension kept, and what was read is written again (the
 * fuzzer found a 1,000-byte name that parsed but that the writer refused). */
TEST(long_file_names_fit)
{
    mime_message *m, *b;
    mime_attachment *a;
    char *text, *name = malloc(4000);
    size_t i, n = 0, len;

    n += (size_t)sprintf(name, "Content-Type: application/octet-stream; name=\"");
    for (i = 0; i < 40; i++)
        n += (size_t)sprintf(name + n, "=?utf-8?q?r=C3=A9sum=C3=A9_=E2=82=AC?= ");
    n += (size_t)sprintf(name + n, "=?utf-8?q?end.pdf?=\"\r\n\r\nbody\r\n");
    PARSE(name, &m);
    CHECK_INT(m->attachment_count, 1);
    len = strlen(m->attachments[0].filename);
    CHECK(len <= MIME_MAX_FILENAME && len > MIME_MAX_FILENAME - 8, "name cut near the limit");
    CHECK_STR(m->attachments[0].filename + len - 4, ".pdf");
    CHECK(((unsigned char)m->attachments[0].filename[len - 5] & 0xC0) != 0xC0 &&
          (((unsigned char)m->attachments[0].filename[len - 5] & 0x80) == 0 ||
           ((unsigned char)m->attachments[0].filename[len - 6] & 0x80) != 0), "cut on a character boundary");
    b = roundtrip(m);
    CHECK_STR(b->attachments[0].filename, m->attachments[0].filename);
    mime_message_free(b);
    mime_message_free(m);

    m = mime_message_new();
    a = mime_add_attachment(m);
    memset(name, 'x', 3000);
    strcpy(name + 3000, ".docx");
    mime_set_string(m, &a->filename, name);
    mime_set_attachment_data(m, a, "abc", 3);
    text = write_msg(m);
    PARSE(text, &b);
    len = strlen(b->attachments[0].filename);
    CHECK_INT(len, MIME_MAX_FILENAME);
    CHECK_STR(b->attachments[0].filename + len - 5, ".docx");
    free(text);
    free(name);
    mime_message_free(b);
    mime_message_free(m);
}

TESTS_BEGIN(mime_codec)
    T(parse_simple),
    T(parse_lf_only_and_8bit_headers),
    T(parse_encoded_words),
    T(parse_charsets),
    T(parse_addresses),
    T(parse_structure),
    T(parse_flags_and_ids),
    T(parse_dates),
    T(parse_tolerates_garbage),
    T(limit_depth),
    T(limit_parts_and_headers),
    T(limit_addresses_truncated),
    T(write_structure_and_limits),
    T(write_roundtrip),
    T(write_bodies_exact),
    T(write_no_header_injection),
    T(write_embedded_and_flags),
    T(write_refuses_unwritable),
    T(write_long_header_words),
    T(long_file_names_fit),
TESTS_END
