/*
 * trace.c - run-time trace channels (mapicore.h, "tracing"), modelled on Wine's debug channels.
 * TANDEM_TRACE is read once, on first use, so a trace check costs one flag test afterwards.
 */
#include <stdio.h>
#include <stdarg.h>
#include "mapicore.h"

static INIT_ONCE trace_once = INIT_ONCE_STATIC_INIT;
static char trace_channels[256];    /* ",chan1,chan2," for whole-word lookup; "" = silent */
static BOOL trace_all;

static BOOL CALLBACK trace_read_env(INIT_ONCE *once, void *param, void **ctx)
{
    char value[sizeof(trace_channels) - 2];
    DWORD n = GetEnvironmentVariableA("TANDEM_TRACE", value, sizeof(value));
    char *p;

    if (n == 0 || n >= sizeof(value))
        return TRUE;
    for (p = value; *p; p++)
        if (*p == ' ' || *p == ';')
            *p = ',';
    snprintf(trace_channels, sizeof(trace_channels), ",%s,", value);
    trace_all = strstr(trace_channels, ",all,") != NULL;
    return TRUE;
}

BOOL mc_trace_enabled(const char *channel)
{
    char key[64];

    InitOnceExecuteOnce(&trace_once, trace_read_env, NULL, NULL);
    if (trace_all)
        return TRUE;
    if (!trace_channels[0] || !channel)
        return FALSE;
    snprintf(key, sizeof(key), ",%s,", channel);
    return strstr(trace_channels, key) != NULL;
}

void mc_trace(const char *channel, const char *func, const char *fmt, ...)
{
    char line[1024];
    int n;
    va_list args;

    n = snprintf(line, sizeof(line), "%04lx:%s:%s ", (unsigned long)GetCurrentThreadId(),
                 channel ? channel : "", func ? func : "");
    if (n < 0 || n >= (int)sizeof(line))
        n = 0;
    va_start(args, fmt);
    vsnprintf(line + n, sizeof(line) - n, fmt, args);
    va_end(args);
    /* One fputs per line so lines of concurrent threads don't interleave. */
    n = strlen(line);
    if (n == 0 || line[n - 1] != '\n')
    {
        if (n < (int)sizeof(line) - 1)
            strcat(line, "\n");
        else
            line[n - 1] = '\n';
    }
    fputs(line, stderr);
}
