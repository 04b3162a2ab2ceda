/*
 * wtest.h - the small harness of Tandem's conformance tests (wine-tests/).
 * Tests use only the public MAPI API, so the same source can run on Windows against
 * Outlook's MAPI. Each test file defines wt_run(), which calls its test functions.
 * ok(cond, fmt, ...) records a check; the program prints "N passed, N failed" and exits
 * non-zero when any check failed.
 */
#ifndef TANDEM_WTEST_H
#define TANDEM_WTEST_H

#include <windows.h>
#include <stdio.h>

void wt_run(void);                      /* provided by each test file */

int  wt_ok(int cond, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void wt_skip(const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void wt_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Name the group of checks that follow (printed with failures). */
void wt_context(const char *name);

#define ok(cond, ...)  wt_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define skip(...)      wt_skip(__FILE__, __LINE__, __VA_ARGS__)
#define trace(...)     wt_trace(__VA_ARGS__)

/* Process this thread's window messages for `ms` (at least one pass): without
 * MAPI_MULTITHREAD_NOTIFICATIONS MAPI calls a client's sinks on the thread that called
 * MAPIInitialize first, from its messages (mapiinit_0.md). */
void wt_pump(DWORD ms);

/* A fresh folder under %TEMP% for this test program, emptied at start; path in UTF-16. */
const WCHAR *wt_temp_dir(void);

#endif
