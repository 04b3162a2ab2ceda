/*
 * bench_mime.c - throughput of the Internet-mail codec (issue 5, point 8): parsing and writing
 * a ~100 KB message with attachments, each as a ratio to a plain memory copy of the same bytes
 * timed in the same run (so the numbers mean the same on any machine). Not a test: it prints.
 * Usage: bench_mime.exe [iterations]   (default 200)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

#include "mime.h"

static double now_seconds(void)
{
#ifdef _WIN32
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
#endif
}

static unsigned rng = 12345;
static unsigned next_random(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

/* A realistic message: both bodies, an inline image, a PDF-like binary, a CSV, a forward. */
static mime_message *sample(void)
{
    mime_message *m = mime_message_new(), *inner;
    mime_attachment *a;
    static unsigned char binary[30000], image[12000];
    static char text[12000], html[16000], csv[15000];
    size_t i, n;

    for (i = 0; i < sizeof(binary); i++)
        binary[i] = (unsigned char)next_random();
    for (i = 0; i < sizeof(image); i++)
        image[i] = (unsigned char)next_random();
    for (n = 0; n + 80 < sizeof(text);)
        n += (size_t)sprintf(text + n, "Line %u of the text body, with a little \xc3\xa9 accent.\r\n",
                             next_random() % 1000);
    for (n = 0; n + 100 < sizeof(html);)
        n += (size_t)sprintf(html + n, "<p>Paragraph %u with <b>markup</b> and \xe2\x82\xac.</p>\r\n",
                             next_random() % 1000);
    for (n = 0; n + 40 < sizeof(csv);)
        n += (size_t)sprintf(csv + n, "%u;%u;%u;item\r\n", next_random() % 100000,
                             next_random() % 100, next_random() % 10);
    mime_set_address(m, &m->from, "J\xc3\xbcrgen M\xc3\xbcller", "juergen@example.com");
    for (i = 0; i < 10; i++) {
        char addr[64];
        sprintf(addr, "user%u@example.com", (unsigned)i);
        mime_add_address(m, &m->to, "Recipient Name", addr);
    }
    mime_set_subject(m, "RE: Quarterly numbers \xe2\x80\x94 Gr\xc3\xbc\xc3\x9f" "e");
    m->date = mime_filetime_from_unix(1700000000);
    mime_set_string(m, &m->message_id, "<bench@example.com>");
    mime_set_bytes(m, &m->body_text, &m->body_text_len, text, strlen(text));
    mime_set_bytes(m, &m->body_html, &m->body_html_len, html, strlen(html));
    a = mime_add_attachment(m);
    mime_set_string(m, &a->filename, "logo.png");
    mime_set_string(m, &a->mime_type, "image/png");
    mime_set_string(m, &a->content_id, "logo@x");
    a->disposition = MIME_DISPOSITION_INLINE;
    mime_set_attachment_data(m, a, image, sizeof(image));
    a = mime_add_attachment(m);
    mime_set_string(m, &a->filename, "r\xc3\xa9sum\xc3\xa9.pdf");
    mime_set_string(m, &a->mime_type, "application/pdf");
    mime_set_attachment_data(m, a, binary, sizeof(binary));
    a = mime_add_attachment(m);
    mime_set_string(m, &a->filename, "numbers.csv");
    mime_set_string(m, &a->mime_type, "text/csv");
    mime_set_attachment_data(m, a, csv, strlen(csv));
    a = mime_add_attachment(m);
    inner = mime_attachment_new_message(m, a);
    mime_set_string(m, &a->mime_type, "message/rfc822");
    mime_set_subject(inner, "forwarded");
    mime_set_address(inner, &inner->from, NULL, "other@example.com");
    mime_set_bytes(inner, &inner->body_text, &inner->body_text_len, text, 2000);
    return m;
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 200, i;
    mime_parse_options popt = { mime_default_charset(), NULL };
    mime_write_options wopt = { 1, NULL };
    mime_message *m = sample();
    char *wire, *copy;
    size_t len;
    double t0, t_copy, t_parse, t_write;
    unsigned long sink = 0;

    if (iterations <= 0 || !m || mime_write(m, &wopt, &wire, &len)) {
        fprintf(stderr, "bench_mime: setup failed\n");
        return 1;
    }
    copy = malloc(len);

    /* Baseline: copying the message's bytes. Repeated 20 times per iteration so its timing is
     * well above the clock's resolution; normalized below. */
    t0 = now_seconds();
    for (i = 0; i < iterations * 20; i++) {
        memcpy(copy, wire, len);
        sink += (unsigned char)copy[(size_t)i % len];
        wire[0] ^= 0;   /* keep the copies from being merged */
    }
    t_copy = (now_seconds() - t0) / 20;

    t0 = now_seconds();
    for (i = 0; i < iterations; i++) {
        mime_message *p;
        if (mime_parse(wire, len, &popt, &p)) {
            fprintf(stderr, "bench_mime: parse failed\n");
            return 1;
        }
        sink += p->attachment_count;
        mime_message_free(p);
    }
    t_parse = now_seconds() - t0;

    t0 = now_seconds();
    for (i = 0; i < iterations; i++) {
        char *out;
        size_t n;
        if (mime_write(m, &wopt, &out, &n)) {
            fprintf(stderr, "bench_mime: write failed\n");
            return 1;
        }
        sink += (unsigned long)n;
        free(out);
    }
    t_write = now_seconds() - t0;

    printf("message: %lu bytes, %d iterations (checksum %lu)\n", (unsigned long)len, iterations,
           sink & 0xff);
    printf("memcpy: %.0f MB/s (baseline)\n", len * (double)iterations / t_copy / 1e6);
    printf("parse:  %.1f MB/s = memcpy time x %.1f\n", len * (double)iterations / t_parse / 1e6,
           t_parse / t_copy);
    printf("write:  %.1f MB/s = memcpy time x %.1f\n", len * (double)iterations / t_write / 1e6,
           t_write / t_copy);
    free(copy);
    free(wire);
    mime_message_free(m);
    return 0;
}
