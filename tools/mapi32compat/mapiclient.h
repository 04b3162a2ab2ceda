/*
 * mapiclient.h - small steps every one of our MAPI clients takes (the demo, tandem.exe, the
 * wine-tests, the benchmarks), written against the public MAPI API only.
 */
#ifndef TANDEM_MAPICLIENT_H
#define TANDEM_MAPICLIENT_H

#include <windows.h>
#include <mapix.h>

/* The session's spooler status object (the status table's MAPI_SPOOLER row, opened through
 * IMAPISession::OpenEntry); MAPI_E_NOT_FOUND when the table has no such row. */
HRESULT mapiclient_spooler_status(IMAPISession *session, IMAPIStatus **out);
/* IMAPIStatus::FlushQueues on it with `flags` | FLUSH_FORCE | FLUSH_NO_UI: returns when the
 * spooler has done the work. */
HRESULT mapiclient_flush(IMAPISession *session, ULONG flags);

#endif
