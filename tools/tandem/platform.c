/*
 * platform.c - the tool's few platform services: UTF-8 command-line arguments, reading a whole
 * file, binary stdout, time. On Windows (the real target) paths and arguments go through the
 * wide API so any file name works; native builds use plain stdio.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <shellapi.h>
#else
#include <unistd.h>
#endif

#include "tandem.h"

void error_line(const char *fmt, ...)
{
    va_list ap;

    fputs("tandem: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static FILE *open_read(const char *path)
{
#ifdef _WIN32
    int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
    WCHAR *w;
    FILE *f;

    if (n <= 0 || !(w = malloc((size_t)n * sizeof(WCHAR))))
        return NULL;
    MultiByteToWideChar(CP_UTF8, 0, path, -1, w, n);
    f = _wfopen(w, L"rb");
    free(w);
    return f;
#else
    return fopen(path, "rb");
#endif
}

int read_file(const char *path, size_t limit, char **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = open_read(path);
    strbuf b = { 0 };
    char chunk[65536];
    size_t n;

    *data = NULL;
    *len = 0;
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > limit) {
            snprintf(err, errlen, "file larger than %lu bytes", (unsigned long)limit);
            fclose(f);
            sb_free(&b);
            return -1;
        }
        sb_put(&b, chunk, n);
    }
    if (ferror(f) || b.failed) {
        snprintf(err, errlen, "%s", b.failed ? "out of memory" : "read error");
        fclose(f);
        sb_free(&b);
        return -1;
    }
    fclose(f);
    sb_put(&b, "", 0);
    if (b.failed) {
        snprintf(err, errlen, "out of memory");
        sb_free(&b);
        return -1;
    }
    *data = b.data;
    *len = b.len;
    return 0;
}

int write_stdout(const void *p, size_t n)
{
#ifdef _WIN32
    /* No LF -> CRLF translation: the output is CRLF already (mail) or plain LF (JSON). */
    _setmode(_fileno(stdout), _O_BINARY);
#endif
    if (n && fwrite(p, 1, n, stdout) != n)
        return -1;
    return fflush(stdout) ? -1 : 0;
}

void utf8_args(int *argc, char ***argv)
{
#ifdef _WIN32
    int n, i;
    WCHAR **w = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out;

    if (!w)
        return;
    if (!(out = calloc((size_t)n + 1, sizeof(char *)))) {
        LocalFree(w);
        return;
    }
    for (i = 0; i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
        if (len <= 0 || !(out[i] = malloc((size_t)len))) {
            LocalFree(w);
            return;   /* keep the C runtime's arguments (leaking what was converted) */
        }
        WideCharToMultiByte(CP_UTF8, 0, w[i], -1, out[i], len, NULL, NULL);
    }
    LocalFree(w);
    *argc = n;
    *argv = out;
#else
    (void)argc;
    (void)argv;
#endif
}

int64_t now_unix(void)
{
    return (int64_t)time(NULL);
}

uint64_t run_unique(void)
{
    uint64_t v = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
#ifdef _WIN32
    LARGE_INTEGER pc;
    QueryPerformanceCounter(&pc);
    v ^= (uint64_t)pc.QuadPart ^ ((uint64_t)GetCurrentProcessId() << 32);
#else
    v ^= (uint64_t)clock() ^ ((uint64_t)getpid() << 32);
#endif
    return v;
}
