/*
 * benchmapi.h - what the MAPI-client benchmarks share (bench_store, bench_stream, bench_send,
 * bench_contents):
 * a profile with the TANDEM service configured with the given properties, and its removal; a
 * session on its default store's Inbox; a clock and medians. Public MAPI only, like any client.
 */
#ifndef TANDEM_BENCHMAPI_H
#define TANDEM_BENCHMAPI_H

#include <windows.h>
#include <mapix.h>

/* Deletes a leftover profile of that name and the file at store_path, then creates the profile,
 * adds TANDEM and configures it with PR_PST_PATH_W = store_path plus the n given properties
 * (at most 7). FALSE when a step failed. */
BOOL bench_profile_create(const char *profile, const WCHAR *store_path, ULONG n,
                          const SPropValue *props);
/* Deletes the profile and its store file. */
void bench_profile_delete(const char *profile, const WCHAR *store_path);

/* A new session on `profile`, its default store opened read/write and the store's Inbox
 * (receive folder of ""); bench_logoff releases them (also after a failed bench_logon). */
typedef struct bench_session
{
    IMAPISession *session;
    IMsgStore *mdb;
    IMAPIFolder *inbox;
} bench_session;
BOOL bench_logon(const char *profile, bench_session *s);
void bench_logoff(bench_session *s);

/* Seconds from a steady clock; the median of v[0..n) (n at most 64). */
double bench_now(void);
double bench_median(const double *v, ULONG n);

#endif
