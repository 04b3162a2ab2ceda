/*
 * benchmapi.h - profile set-up shared by the MAPI-client benchmarks (bench_store, bench_send):
 * a profile with the TANDEM service configured with the given properties, and its removal.
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

#endif
