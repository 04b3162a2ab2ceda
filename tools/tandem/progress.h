/*
 * progress.h - an IMAPIProgress object (imapiprogressiunknown.md) that draws a bar on stderr,
 * for tandem.exe's long work (import). MAPI_TOP_LEVEL: Progress() gets the item count and total.
 */
#ifndef TANDEM_PROGRESS_H
#define TANDEM_PROGRESS_H

#include <windows.h>
#include <mapix.h>

/* draw 0: the object counts but prints nothing (not a terminal, --quiet). */
IMAPIProgress *progress_create(const char *label, int draw);
/* Ends the bar's line when one was drawn. */
void progress_done(IMAPIProgress *p);

#endif
