/*
 * wtest.c - harness implementation for wine-tests (see wtest.h).
 */
#include "wtest.h"
#include <stdarg.h>
#include <shlobj.h>

static LONG passed, failed, skipped;
static const char *context = "";

void wt_context(const char *name) { context = name ? name : ""; }

int wt_ok(int cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    if (cond)
    {
        InterlockedIncrement(&passed);
        return 1;
    }
    InterlockedIncrement(&failed);
    fprintf(stdout, "%s:%d: %s%sTest failed: ", file, line, context, *context ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fflush(stdout);
    return 0;
}

void wt_skip(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    InterlockedIncrement(&skipped);
    fprintf(stdout, "%s:%d: Tests skipped: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fflush(stdout);
}

void wt_trace(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static WCHAR temp_dir[MAX_PATH];

static void remove_tree(const WCHAR *dir)
{
    WCHAR pattern[MAX_PATH], path[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h;
    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    h = FindFirstFileW(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE) return;
    do
    {
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L"..")) continue;
        swprintf(path, MAX_PATH, L"%ls\\%ls", dir, fd.cFileName);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        {
            remove_tree(path);
            RemoveDirectoryW(path);
        }
        else
            DeleteFileW(path);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
}

const WCHAR *wt_temp_dir(void)
{
    if (!temp_dir[0])
    {
        WCHAR base[MAX_PATH], exe[MAX_PATH], *name, *dot;
        GetTempPathW(MAX_PATH, base);
        GetModuleFileNameW(NULL, exe, MAX_PATH);
        name = wcsrchr(exe, L'\\') ? wcsrchr(exe, L'\\') + 1 : exe;
        if ((dot = wcsrchr(name, L'.'))) *dot = 0;
        swprintf(temp_dir, MAX_PATH, L"%lstandem-%ls", base, name);
        CreateDirectoryW(temp_dir, NULL);
        remove_tree(temp_dir);
    }
    return temp_dir;
}

int main(void)
{
    wt_run();
    fprintf(stdout, "%ld passed, %ld failed", passed, failed);
    if (skipped) fprintf(stdout, ", %ld skipped", skipped);
    fprintf(stdout, "\n");
    return failed ? 1 : 0;
}

void wt_pump(DWORD ms)
{
    DWORD start = GetTickCount();
    MSG msg;
    do
    {
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageW(&msg);
        Sleep(10);
    } while (GetTickCount() - start < ms);
}
