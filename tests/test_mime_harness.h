/*
 * test_mime_harness.h - lets the codec's unit tests (test_mime_*.c) run in two places from one
 * source: cross-compiled with cmocka under Wine (ctest), and natively on Linux under
 * AddressSanitizer/UBSan without cmocka (dll/tandem/mime/fuzz/run.sh defines MIME_NATIVE_TESTS).
 *
 * A test is TEST(name) { ... }; checks are CHECK(cond, fmt, ...) and the helpers below; each
 * failing check says what was expected and what came back, then ends the test.
 */
#ifndef TEST_MIME_HARNESS_H
#define TEST_MIME_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

#ifdef MIME_NATIVE_TESTS

static jmp_buf test_jump;
static const char *test_current;

static void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    printf("FAIL %s (%s:%d): ", test_current, file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    longjmp(test_jump, 1);
}

#define TEST(name) static void name(void **state)
#define CHECK(cond, ...) \
    do { if (!(cond)) test_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define T(name) { #name, name }
#define TESTS_BEGIN(group) \
    int main(void) { \
        static const struct { const char *name; void (*fn)(void **); } tests[] = {
#define TESTS_END \
        }; \
        volatile size_t i, failed = 0; \
        size_t n = sizeof(tests) / sizeof(tests[0]); \
        setvbuf(stdout, NULL, _IONBF, 0); \
        for (i = 0; i < n; i++) { \
            test_current = tests[i].name; \
            if (!setjmp(test_jump)) { \
                tests[i].fn(NULL); \
                printf("ok   %s\n", tests[i].name); \
            } else { \
                failed++; \
            } \
        } \
        printf("%lu passed, %lu failed\n", (unsigned long)(n - failed), (unsigned long)failed); \
        return failed ? 1 : 0; \
    }

#else /* cmocka */

#include <cmocka.h>

#define TEST(name) static void name(void **state)
#define CHECK(cond, ...) \
    do { if (!(cond)) { print_error(__VA_ARGS__); print_error("\n"); \
                        fail_msg("%s:%d: check failed: %s", __FILE__, __LINE__, #cond); } } while (0)
#define T(name) cmocka_unit_test(name)
#define TESTS_BEGIN(group) \
    int main(void) { \
        static const struct CMUnitTest tests[] = {
#define TESTS_END \
        }; \
        return cmocka_run_group_tests(tests, NULL, NULL); \
    }

#endif

/* ---- helpers shared by the codec tests ------------------------------------------------------ */

#define CHECK_STR(got, want) \
    do { const char *g_ = (got), *w_ = (want); \
         CHECK((g_ == NULL && w_ == NULL) || (g_ && w_ && !strcmp(g_, w_)), \
               "expected \"%s\", got \"%s\"", w_ ? w_ : "(null)", g_ ? g_ : "(null)"); } while (0)
#define CHECK_INT(got, want) \
    do { long long g_ = (long long)(got), w_ = (long long)(want); \
         CHECK(g_ == w_, "%s: expected %lld, got %lld", #got, w_, g_); } while (0)

/* Parses a NUL-terminated message with the platform's charset converter; fails the test on
 * a parse error. */
#define PARSE(text, out) \
    do { mime_parse_options o_ = { mime_default_charset(), NULL }; \
         int rc_ = mime_parse((text), strlen(text), &o_, (out)); \
         CHECK(rc_ == MIME_OK, "mime_parse returned %d (%s)", rc_, mime_strerror(rc_)); } while (0)

#endif
