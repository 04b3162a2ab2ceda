/*
 * benchmapi.h - profile set-up shared by the MAPI-client benchmarks (bench_store, bench_send,
 * bench_contents): a profile with the TANDEM service configured with the given properties, its
 * removal, and a session on it with its default store and Inbox open.
 * Public MAPI only, like any client.
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

/* A session on the profile (MAPI_NEW_SESSION | MAPI_NO_MAIL), its default store opened with
 * MDB_WRITE and the store's Inbox (receive folder); FALSE when a step failed (what was opened
 * is left for bench_logoff, which releases everything and logs off). */
typedef struct bench_session
{
    IMAPISession *session;
    IMsgStore *mdb;
    IMAPIFolder *inbox;
} bench_session;
BOOL bench_logon(const char *profile, bench_session *s);
void bench_logoff(bench_session *s);

#endif
