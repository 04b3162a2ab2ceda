/*
 * tablesrc.h - a view's reading side over a row source (tablesrc.c), used by table.c only.
 *
 * A source view keeps no rows: its cursor and bookmarks are positions in the source's order
 * (before the row with a given key, the beginning or the end), and every read asks the source.
 * Ordinals (QueryPosition, SeekRow's count, GetRowCount) are computed when asked for and kept
 * until the next change of the source's rows. The caller (table.c) holds the table's lock.
 */
#ifndef TANDEM_TABLESRC_H
#define TANDEM_TABLESRC_H

#include "mapicore.h"

typedef struct mc_srcview mc_srcview;

/* A source view for this sort and restriction: MAPI_E_TOO_COMPLEX when the source declines. */
HRESULT mc_srcview_open(const mc_rowsource *src, const SSortOrderSet *sort,
                        const SRestriction *res, mc_srcview **out);
void    mc_srcview_free(mc_srcview *sv);

HRESULT mc_srcview_count(mc_srcview *sv, ULONG *count);
/* QueryPosition: the cursor's ordinal. */
HRESULT mc_srcview_position(mc_srcview *sv, ULONG *row);
/* QueryRows: up to |count| rows forward (count > 0) or backward (count < 0) from the cursor,
 * in view order; the cursor moves as IMAPITable::QueryRows says. Free with
 * mc_srcview_free_rows. */
HRESULT mc_srcview_read(mc_srcview *sv, LONG count, BOOL advance, mc_srcrow **rows, ULONG *n);
void    mc_srcview_free_rows(mc_srcrow *rows, ULONG n);
HRESULT mc_srcview_seek(mc_srcview *sv, BOOKMARK origin, LONG rows, LONG *sought);
HRESULT mc_srcview_seek_approx(mc_srcview *sv, ULONG numerator, ULONG denominator);
/* RES_SUBRESTRICTION through `sub` (the table's owner; may be NULL: false). */
HRESULT mc_srcview_find(mc_srcview *sv, const SRestriction *res, BOOKMARK origin, BOOL backward,
                        mc_subrestriction_fn sub, void *sub_ctx);
HRESULT mc_srcview_bookmark(mc_srcview *sv, BOOKMARK *out);
HRESULT mc_srcview_free_bookmark(mc_srcview *sv, BOOKMARK bk);

/* Row `id` may have changed. Without `announce` the view only forgets its cached ordinals.
 * With it: *event 0 (nothing to announce), TABLE_ROW_ADDED, TABLE_ROW_MODIFIED (*row: the row
 * now, *has_prior and *prior: the row before it in view order) or TABLE_ROW_DELETED. */
HRESULT mc_srcview_changed(mc_srcview *sv, ULONGLONG id, BOOL announce, ULONG *event,
                           mc_srcrow *row, BOOL *has_prior, ULONGLONG *prior);
/* The query asked again (the source's rows changed in ways not reported one by one): cursor and
 * bookmarks keep their positions, cached ordinals are forgotten. On failure the old query stays. */
HRESULT mc_srcview_reload(mc_srcview *sv, const SSortOrderSet *sort, const SRestriction *res);
/* Before an Advise: learn the row count now, so the next change can tell adds from edits. */
void    mc_srcview_prepare_notify(mc_srcview *sv);

#endif
