/*
 * mapicore.h - the static library both DLLs share (tandem32.dll and minimapi.dll).
 *
 * What lives here is MAPI value-level machinery that every object needs, written once:
 * the allocator triple, property values (size, deep copy, compare, ANSI/Unicode conversion),
 * property bags with GetProps/GetPropList/SetProps/DeleteProps semantics, MAPIERROR blocks,
 * an in-memory table (the ITableData model: rows kept by an index column, any number of
 * IMAPITable views over them) and notifications (copies, a notifier abstraction over
 * IMAPISupport, and an asynchronous notification engine minimapi can use as its own).
 *
 * Rules: memory handed to a caller comes from the caller-visible allocator (mc_alloc) as one
 * root block with AllocateMore children; memory kept inside an object is ours (HeapAlloc) and
 * never mixes with caller memory. Everything here is thread-safe where it keeps state.
 * This library links nothing from mapi32.dll.
 */
#ifndef TANDEM_MAPICORE_H
#define TANDEM_MAPICORE_H

#include <windows.h>
#include <mapix.h>
#include <mapispi.h>
#include <mapiutil.h>
#include "tandem/mapiext.h"

/* ---- allocators -------------------------------------------------------------------------- */

/* The three routines MAPI hands to a provider's init function (or GetMemAllocRoutines). */
typedef struct mc_alloc
{
    LPALLOCATEBUFFER allocate_buffer;
    LPALLOCATEMORE   allocate_more;
    LPFREEBUFFER     free_buffer;
} mc_alloc;

/* Internal (non-caller) memory: process heap. mc_free(NULL) is a no-op. */
void *mc_malloc(SIZE_T size);
void *mc_calloc(SIZE_T count, SIZE_T size);   /* zeroed; NULL on overflow */
void *mc_realloc(void *p, SIZE_T size);
void  mc_free(void *p);
WCHAR *mc_wcsdup(const WCHAR *s);
char  *mc_strdup(const char *s);

/* Allocate `size` bytes as a child of `parent` (parent NULL -> a new root block). */
HRESULT mc_alloc_more(const mc_alloc *a, void *parent, ULONG size, void **out);

/* MAPI's block model (root + AllocateMore children, one FreeBuffer) on the process heap: for
 * internal copies made by code that otherwise builds caller memory. Never hand these out. */
const mc_alloc *mc_heap_alloc(void);

/* ---- strings ------------------------------------------------------------------------------ */

/* UTF-16 <-> code-page strings (CP_ACP for PT_STRING8). Results are internal memory. */
WCHAR *mc_a2w(const char *s);
char  *mc_w2a(const WCHAR *s);
/* Same, into caller memory under `parent` (AllocateMore). */
HRESULT mc_a2w_more(const mc_alloc *a, void *parent, const char *s, WCHAR **out);
HRESULT mc_w2a_more(const mc_alloc *a, void *parent, const WCHAR *s, char **out);

/* ---- property values ---------------------------------------------------------------------- */

/* TRUE if the property type (without MV_INSTANCE) is one MAPI defines, MV forms included. */
BOOL mc_prop_type_valid(ULONG type);

/* Bytes of payload a deep copy of *v needs beyond the SPropValue itself (strings with their
 * terminators, binaries, GUIDs, MV arrays and their elements). */
ULONG mc_prop_payload_size(const SPropValue *v);

/* Deep copy *src into *dst; payload from AllocateMore(parent). parent NULL -> internal heap
 * memory, released with mc_prop_free_internal(). */
HRESULT mc_prop_copy(const mc_alloc *a, void *parent, SPropValue *dst, const SPropValue *src);
void    mc_prop_free_internal(SPropValue *v);   /* frees the payload of an internal copy */

/* Copy n values into one new root block (*out). n == 0 -> *out NULL, S_OK. */
HRESULT mc_props_dup(const mc_alloc *a, ULONG n, const SPropValue *src, SPropValue **out);

/* Convert a string value to the requested string type (PT_UNICODE/PT_STRING8 and their MV
 * forms): *dst gets the converted value with its payload under `parent`. Other types copy. */
HRESULT mc_prop_convert(const mc_alloc *a, void *parent, SPropValue *dst, const SPropValue *src,
                        ULONG wanted_type);

/* Find a value by tag in an array; a PT_UNSPECIFIED tag matches by ID alone; a string tag
 * matches the other string width too. NULL when absent. */
const SPropValue *mc_props_find(ULONG n, const SPropValue *v, ULONG tag);

/* The string order of sorts, categories and relational restrictions: the LCMapStringW
 * (LOCALE_INVARIANT, LCMAP_SORTKEY | NORM_IGNORECASE) sort key of the UTF-16 text (PT_STRING8
 * widened through CP_ACP; NULL is ""), compared as bytes. Writes it to buf (cb bytes) and
 * returns its length, or returns the length needed when it does not fit (0: out of memory). */
ULONG mc_string_sortkey(const void *s, BOOL wide, BYTE *buf, ULONG cb);

/* Total order for sorting and relational restrictions: <0, 0, >0. Values of different types
 * order by type. Strings in the string order above (case-insensitive, linguistic); binaries
 * by length then bytes (MAPI's rule), integers and times numerically. */
int  mc_prop_compare(const SPropValue *a, const SPropValue *b);
BOOL mc_prop_equal(const SPropValue *a, const SPropValue *b);   /* exact, type and value */
/* mc_prop_compare of element `i` of the MV value `mv` (or of `mv` itself when i == ~0u) with the
 * single value `single` of the same base type (string widths mix). */
int  mc_prop_compare_elem(const SPropValue *mv, ULONG i, const SPropValue *single);

/* Tag arrays. */
HRESULT mc_tags_dup(const mc_alloc *a, const SPropTagArray *src, SPropTagArray **out);
BOOL    mc_tags_contain(const SPropTagArray *t, ULONG tag);        /* by ID and type */
BOOL    mc_tags_contain_id(const SPropTagArray *t, ULONG tag);     /* by ID alone */

/* ---- MAPIERROR ---------------------------------------------------------------------------- */

/* One AllocateBuffer block with its strings as children; strings Unicode iff MAPI_UNICODE is
 * in `flags`. `component` and `text` are UTF-16 (converted for ANSI callers). */
HRESULT mc_make_mapierror(const mc_alloc *a, ULONG flags, const WCHAR *component,
                          const WCHAR *text, ULONG low_level_error, LPMAPIERROR *out);

/* Per-object "last error" record for GetLastError: set by a method that fails with a reason
 * worth telling; read by GetLastError. Thread-safe. */
typedef struct mc_last_error
{
    CRITICAL_SECTION lock;
    HRESULT hr;
    WCHAR *text;        /* internal memory */
} mc_last_error;
void    mc_last_error_init(mc_last_error *e);
void    mc_last_error_destroy(mc_last_error *e);
HRESULT mc_last_error_set(mc_last_error *e, HRESULT hr, const WCHAR *fmt, ...); /* returns hr */
/* GetLastError body: hr == the recorded one -> its text; any other hr -> a generic text
 * describing hr (mc_hresult_name), never NULL. MAPI_E_INVALID_PARAMETER for NULL out. */
HRESULT mc_last_error_get(mc_last_error *e, const mc_alloc *a, const WCHAR *component,
                          HRESULT hr, ULONG flags, LPMAPIERROR *out);
const WCHAR *mc_hresult_name(HRESULT hr);   /* L"MAPI_E_NOT_FOUND" etc., or L"" */

/* ---- property bag ------------------------------------------------------------------------- */

/* A set of properties kept in internal memory, in insertion order, one value per property ID.
 * Not locked: the owning object locks around calls. */
typedef struct mc_propbag mc_propbag;

mc_propbag *mc_propbag_new(void);
void        mc_propbag_free(mc_propbag *b);
ULONG       mc_propbag_count(const mc_propbag *b);
const SPropValue *mc_propbag_at(const mc_propbag *b, ULONG i);   /* i < count */
/* Lookup by tag (PT_UNSPECIFIED matches any type; string widths match each other). */
const SPropValue *mc_propbag_get(const mc_propbag *b, ULONG tag);
HRESULT     mc_propbag_set(mc_propbag *b, const SPropValue *v);   /* deep copy, replaces by ID */
BOOL        mc_propbag_delete(mc_propbag *b, ULONG tag);          /* by ID; TRUE if it was there */
void        mc_propbag_clear(mc_propbag *b);
HRESULT     mc_propbag_copy(mc_propbag *dst, const mc_propbag *src);   /* replaces dst's content */
/* Convenience readers: a string property in either width as UTF-16 (internal memory, caller
 * frees with mc_free) or NULL; a PT_LONG or `def`; a PT_BINARY (pointer into the bag). */
WCHAR      *mc_propbag_get_wstr(const mc_propbag *b, ULONG prop_id);
LONG        mc_propbag_get_long(const mc_propbag *b, ULONG tag, LONG def);
const SBinary *mc_propbag_get_bin(const mc_propbag *b, ULONG tag);

/* IMAPIProp::GetProps over a bag. `computed` (may be NULL, n_computed values) are values the
 * object computes; they override the bag. tags NULL -> every property (computed ones too),
 * strings in the width MAPI_UNICODE asks for; PT_UNSPECIFIED is filled with the real type;
 * missing -> PT_ERROR/MAPI_E_NOT_FOUND and MAPI_W_ERRORS_RETURNED; string width converted as
 * requested. `hidden(tag)` (may be NULL) hides properties from a NULL-tags request (secure
 * profile properties). tags->cValues == 0 -> MAPI_E_INVALID_PARAMETER. */
typedef BOOL (*mc_hidden_fn)(ULONG tag);
HRESULT mc_getprops(const mc_alloc *a, const mc_propbag *b, const SPropValue *computed,
                    ULONG n_computed, const SPropTagArray *tags, ULONG flags,
                    mc_hidden_fn hidden, ULONG *count, SPropValue **out);
/* IMAPIProp::GetPropList: bag + computed + extra tags (e.g. PT_OBJECT tags), no duplicates. */
HRESULT mc_getproplist(const mc_alloc *a, const mc_propbag *b, const SPropValue *computed,
                       ULONG n_computed, const SPropTagArray *extra, ULONG flags,
                       mc_hidden_fn hidden, SPropTagArray **out);

/* IMAPIProp::SetProps over a bag. `check(tag, ctx)` (may be NULL) returns S_OK to accept a
 * property or the SCODE to report in the problem array (MAPI_E_COMPUTED, MAPI_E_NO_ACCESS...).
 * PR_NULL and PT_ERROR entries are skipped; PT_OBJECT or an MV value with zero entries ->
 * MAPI_E_INVALID_PARAMETER (nothing changed); invalid types -> problem MAPI_E_INVALID_TYPE.
 * problems may be NULL; otherwise it gets one block or NULL when there was no problem. */
typedef SCODE (*mc_check_fn)(ULONG tag, void *ctx);
HRESULT mc_setprops(const mc_alloc *a, mc_propbag *b, ULONG n, const SPropValue *props,
                    mc_check_fn check, void *ctx, SPropProblemArray **problems);
/* IMAPIProp::DeleteProps over a bag; absent tags are not a problem; check as above. */
HRESULT mc_deleteprops(const mc_alloc *a, mc_propbag *b, const SPropTagArray *tags,
                       mc_check_fn check, void *ctx, SPropProblemArray **problems);

/* ---- SRowSet helpers ---------------------------------------------------------------------- */

void mc_free_rows(const mc_alloc *a, SRowSet *rows);    /* each row then the set (FreeProws) */

/* ---- restrictions -------------------------------------------------------------------------- */

/* srestriction.md; MinGW's mapidefs.h lacks it. Uses res.resComment's layout. */
#ifndef RES_ANNOTATION
#define RES_ANNOTATION ((ULONG) 0x0000000C)
#endif

/* Restrictions nest at most this deep (the top level is 1); deeper trees are
 * MAPI_E_TOO_COMPLEX (imapitable-restrict.md). */
#define MC_RES_MAX_DEPTH 64

/* Validate a restriction tree: restriction types, relational operators, fuzzy levels and
 * property types known, RES_SUBRESTRICTION only on PR_MESSAGE_RECIPIENTS or
 * PR_MESSAGE_ATTACHMENTS (else MAPI_E_TOO_COMPLEX), no NULL sub-restriction or value the
 * evaluator would follow (else MAPI_E_INVALID_PARAMETER), depth <= MC_RES_MAX_DEPTH. */
HRESULT mc_restriction_validate(const SRestriction *r);
/* Evaluate against one row. Sub-restrictions (RES_SUBRESTRICTION) are false here. */
BOOL    mc_restriction_match(const SRestriction *r, ULONG n, const SPropValue *row);
/* RES_SUBRESTRICTION for one row (ssubrestriction.md): TRUE when at least one row of the
 * row's sub-object table (`sub_object` PR_MESSAGE_RECIPIENTS or PR_MESSAGE_ATTACHMENTS)
 * matches `res`. */
typedef BOOL (*mc_subrestriction_fn)(void *ctx, ULONG n, const SPropValue *row, ULONG sub_object,
                                     const SRestriction *res);
/* mc_restriction_match with sub-restrictions evaluated by `sub` (NULL: false). */
BOOL    mc_restriction_match_sub(const SRestriction *r, ULONG n, const SPropValue *row,
                                 mc_subrestriction_fn sub, void *ctx);

/* ---- notifications ------------------------------------------------------------------------- */

/* Deep copy of n notifications of any event type (notification.md and the *_NOTIFICATION pages:
 * entry IDs, MAPIERROR, message class, tag arrays, property values, rows, extended data) into
 * one root block with AllocateMore children, like ScCopyNotifications. */
HRESULT mc_notifications_dup(const mc_alloc *a, ULONG n, const NOTIFICATION *src,
                             NOTIFICATION **out);

/* Where an object sends its notifications: MAPI's engine through IMAPISupport (tandem32),
 * minimapi's engine, or mapicore's own (mc_notify_engine below). The three calls have the
 * meaning of IMAPISupport::Subscribe/Unsubscribe/Notify (imapisupport-subscribe.md,
 * imapisupport-notify.md): subscribe keeps a reference on the sink until unsubscribe; notify
 * copies the structures before it returns and delivers them asynchronously (the caller may
 * hold its own locks while calling notify, so notify must not call sinks synchronously).
 * addref/release (may be NULL) manage a reference on ctx for each holder of a copy. */
typedef struct mc_notifier
{
    HRESULT (*subscribe)(void *ctx, const NOTIFKEY *key, ULONG mask, IMAPIAdviseSink *sink,
                         ULONG *conn);
    HRESULT (*unsubscribe)(void *ctx, ULONG conn);
    HRESULT (*notify)(void *ctx, const NOTIFKEY *key, ULONG n, NOTIFICATION *notifs);
    void *ctx;
    void (*addref)(void *ctx);
    void (*release)(void *ctx);
} mc_notifier;

/* A notifier over IMAPISupport::Subscribe/Unsubscribe/Notify. It holds a reference on `sup`
 * (give it back with mc_notifier_clear). Connection numbers: low 32 bits (DECISIONS.md 1). */
HRESULT mc_notifier_from_support(IMAPISupport *sup, mc_notifier *out);
void    mc_notifier_clear(mc_notifier *n);      /* release(ctx) if set; zeroes *n */

/* mapicore's own notification engine: one worker thread per engine and a FIFO queue, so
 * notifications are delivered in the order they were sent, free-threaded (on the worker, in the
 * manner of MAPI_MULTITHREAD_NOTIFICATIONS), after the call that raised them returned. notify
 * deep-copies what it is given. A sink subscribed with NOTIFY_SYNC, or a notify called with
 * NOTIFY_SYNC in *flags (internal use only, never for client sinks), is called on the notifying
 * thread before notify returns; a synchronous sink returning CALLBACK_DISCONTINUE stops the
 * synchronous deliveries of that call and sets NOTIFY_CANCELED in *flags.
 * unsubscribe returns only when no delivery to that connection is running (unless called from
 * inside that delivery), then releases the sink. destroy drops what is still queued, waits for
 * the worker (or, called from the worker itself, lets it finish on its own) and releases every
 * sink. Connection numbers are non-zero and never reused by one engine. */
typedef struct mc_notify_engine mc_notify_engine;

HRESULT mc_notify_engine_create(mc_notify_engine **out);
void    mc_notify_engine_destroy(mc_notify_engine *e);
HRESULT mc_notify_engine_subscribe(mc_notify_engine *e, const NOTIFKEY *key, ULONG mask,
                                   ULONG flags, IMAPIAdviseSink *sink, ULONG *conn);
HRESULT mc_notify_engine_unsubscribe(mc_notify_engine *e, ULONG conn);
/* flags may be NULL; in: NOTIFY_SYNC; out: NOTIFY_CANCELED. Subscriptions match by key bytes
 * and by (ulEventType & mask); each sink gets the matching notifications of one call together. */
HRESULT mc_notify_engine_notify(mc_notify_engine *e, const NOTIFKEY *key, ULONG n,
                                const NOTIFICATION *notifs, ULONG *flags);
/* Wait until the queue is empty and no delivery runs (tests, orderly shutdown). Must not be
 * called from a sink. S_OK, or MAPI_E_TIMEOUT after `timeout_ms` (INFINITE allowed). */
HRESULT mc_notify_engine_wait_idle(mc_notify_engine *e, DWORD timeout_ms);
/* A notifier over the engine (no reference is kept: the engine outlives its users). */
void    mc_notify_engine_notifier(mc_notify_engine *e, mc_notifier *out);

/* ---- in-memory tables (ITableData model) -------------------------------------------------- */

/* ssortorder.md and pidtaginstancenum (MS-OXPROPS); MinGW's headers lack them. */
#ifndef TABLE_SORT_CATEG_MAX
#define TABLE_SORT_CATEG_MAX ((ULONG) 0x00000004)
#define TABLE_SORT_CATEG_MIN ((ULONG) 0x00000008)
#endif
#ifndef PR_INSTANCE_NUM
#define PR_INSTANCE_NUM PROP_TAG(PT_LONG, 0x674E)
#endif

/* Table data: rows identified by the value of `index_tag` (unique per row), kept in insertion
 * order. Views (IMAPITable) see changes at once and get table notifications. Thread-safe.
 *
 * What a view does (spi-digest.md §4.9):
 * - Sorting: any number of columns, ascending or descending, missing values last; strings in
 *   the string order of mc_string_sortkey (the same as mc_prop_compare's); ties
 *   keep insertion order. An MV column without MV_INSTANCE sorts as an ordered tuple.
 * - Categories: the first cCategories sort columns (at most 16) make heading rows with
 *   PR_ROW_TYPE, PR_DEPTH, PR_INSTANCE_KEY, PR_CONTENT_COUNT (leaf rows below),
 *   PR_CONTENT_UNREAD (those without MSGFLAG_READ in PR_MESSAGE_FLAGS) and their category
 *   values; leaf rows get PR_ROW_TYPE TBL_LEAF_ROW and PR_DEPTH = number of categories.
 *   Categories at depth < cExpanded start expanded. A TABLE_SORT_CATEG_MAX/MIN entry right
 *   after a category column orders that column's categories by the maximum/minimum of its
 *   column over their leaf rows, ascending unless a later sort key on the same column is
 *   descending. Empty categories disappear (TBL_EMPTY_CATEGORY is never shown).
 *   A TABLE_SORT_COMBINE entry (not the first, itself a category column, after a category
 *   column; else MAPI_E_INVALID_PARAMETER) joins its column to the previous category column's
 *   level: one heading per distinct combination of values, carrying every one of them; the
 *   combined column orders ascending within the level unless a later sort key on it is
 *   descending. cExpanded counts category columns: a combined level starts expanded when all
 *   its columns are within cExpanded.
 * - MV_INSTANCE: one column (in SetColumns and/or SortTable, the same property) may carry
 *   MVI_FLAG; the view then has one row per value, each with its own PR_INSTANCE_KEY and with
 *   PR_INSTANCE_NUM = the value's index (0 for a row without values, which appears once); the
 *   column comes back single-valued (PROP_TAG(base type, id)); restrictions and sorts on it
 *   see that one value. A second MV_INSTANCE column is MAPI_E_TOO_COMPLEX. A modified row
 *   keeps the instance keys of the values it kept; SortTable, Restrict and a SetColumns that
 *   changes the expansion rebuild the view and give the instance rows new keys.
 * - GetCollapseState/SetCollapseState: the state is valid for the same view with the same
 *   sort order (else MAPI_E_UNABLE_TO_COMPLETE); malformed state: MAPI_E_INVALID_PARAMETER.
 *   On views that are not categorized both are MAPI_E_NO_SUPPORT.
 * - Bookmarks: at most 1024 per view; a bookmark of another view, a freed one or a made-up
 *   one is MAPI_E_INVALID_BOOKMARK.
 * - Notifications: TABLE_ROW_ADDED/MODIFIED/DELETED (propIndex/propPrior are PR_INSTANCE_KEY,
 *   propPrior PR_NULL for the first row), headings appearing, changing and disappearing with
 *   their categories, TABLE_CHANGED when a category moves (its aggregate changed),
 *   TABLE_RELOAD for mc_table_delete_all, TABLE_SORT_DONE / TABLE_RESTRICT_DONE /
 *   TABLE_SETCOL_DONE after SortTable / Restrict / SetColumns with TBL_ASYNC (done at once).
 *   Nothing for rows restricted out or collapsed. Delivered through the table's notifier
 *   (mc_table_set_notifier) or, without one, through an engine of the table's own
 *   (mc_notify_engine); always after the change returned. */
typedef struct mc_table mc_table;

HRESULT mc_table_new(const mc_alloc *a, ULONG index_tag, const SPropTagArray *default_columns,
                     mc_table **out);
void    mc_table_addref(mc_table *t);
void    mc_table_release(mc_table *t);          /* views hold their own references */
/* Add or replace the row whose index value equals the one in `props` (which must carry
 * index_tag). Replacing keeps its position. Views get TABLE_ROW_ADDED / TABLE_ROW_MODIFIED. */
HRESULT mc_table_modify_row(mc_table *t, ULONG n, const SPropValue *props);
/* Delete the row with this index value; MAPI_E_NOT_FOUND if none. Views: TABLE_ROW_DELETED. */
HRESULT mc_table_delete_row(mc_table *t, const SPropValue *index);
HRESULT mc_table_delete_all(mc_table *t);       /* views: TABLE_RELOAD */
ULONG   mc_table_row_count(mc_table *t);
/* Open a new IMAPITable view: its own columns, sort, restriction, cursor and bookmarks.
 * Every row a view returns carries PR_INSTANCE_KEY when asked for (unique per row and view
 * lifetime). `on_release` (may be NULL) is called with `ctx` when the view is destroyed, so the
 * object that opened it can drop a reference it kept for the view. */
HRESULT mc_table_open_view(mc_table *t, void (*on_release)(void *ctx), void *ctx,
                           IMAPITable **out);
/* Without MAPI_UNICODE in `flags`: the string columns of a view mc_table_open_view opened in
 * PT_STRING8 (rows are converted). */
HRESULT mc_view_string_columns(IMAPITable *view, ULONG flags);
/* Send the views' notifications through `n` (copied; addref'ed if it has addref; NULL = the
 * table's own engine). Each view subscribes under a NOTIFKEY of its own. MAPI_E_BUSY while a
 * view has an Advise in force. */
HRESULT mc_table_set_notifier(mc_table *t, const mc_notifier *n);
/* Keep the rows in this order at all times (a plain sort: no categories, no MV_INSTANCE), as a
 * store keeps an index: views opened later start in this order without sorting, and any view
 * sorted this way (with or without a restriction) takes its order from it. Costs one pointer
 * per row and a binary search per change. MAPI_E_INVALID_PARAMETER for other sorts. */
HRESULT mc_table_set_default_sort(mc_table *t, const SSortOrderSet *sort);
/* RES_SUBRESTRICTION in Restrict and FindRow of the table's views: `fn(ctx, index, sub_object,
 * res)` gets the index value of a row (PR_INSTANCE_KEY for a store's contents tables) and
 * says whether a row of its recipient or attachment table matches `res` (ssubrestriction.md).
 * Without one (tables whose rows have no sub-objects) Restrict and FindRow answer
 * MAPI_E_TOO_COMPLEX for a restriction holding one; category headings never match. `fn` is called with the table's lock held: it must not wait for a lock
 * that is held by code calling mc_table_* functions, nor call into the table. fn NULL removes
 * the handler. Views already restricted are not re-evaluated. */
typedef BOOL (*mc_table_subrestriction_fn)(void *ctx, const SPropValue *index, ULONG sub_object,
                                           const SRestriction *res);
HRESULT mc_table_set_subrestriction(mc_table *t, mc_table_subrestriction_fn fn, void *ctx);
/* Tests: wait until the table's own engine (if it has one) delivered everything queued. */
HRESULT mc_table_wait_notifications(mc_table *t, DWORD timeout_ms);

/* ---- row sources: tables whose rows stay where they are kept ------------------------------
 *
 * A table may take its rows from a source (a store's folder in its database) instead of rows
 * added with mc_table_modify_row. A view then asks the source for what it shows - the row
 * count, pages of rows after or before a position, the position of a row - whenever the source
 * can answer the view's sort and restriction (a query); the view keeps the cursor and the
 * bookmarks as positions in the source's order (tablesrc.c). For any other view (categories,
 * MV_INSTANCE, a sort or restriction the source declines) the table asks the source once for
 * every row (fill) and from then on also keeps them in memory like any other table.
 *
 * Rows of a source carry PR_INSTANCE_KEY (8 bytes: the row id, little-endian) and the table's
 * index column is PR_INSTANCE_KEY, so a row has the same instance key in both kinds of view.
 * Order: a query orders rows exactly as an in-memory view with the same sort would, taking
 * rows in ascending row-id order as the insertion order (ties). */
typedef struct mc_srckey
{
    ULONGLONG id;           /* the row id (what PR_INSTANCE_KEY holds) */
    LONGLONG v;             /* the source's own: e.g. the sort value */
    BOOL has_v;
} mc_srckey;

typedef struct mc_srcrow
{
    mc_srckey key;
    ULONG n;
    SPropValue *props;      /* one mc_heap_alloc() root block (the engine frees it) */
} mc_srcrow;

typedef HRESULT (*mc_row_values_fn)(void *ctx, ULONGLONG id, ULONG n, const SPropValue *values);

typedef struct mc_rowsource_vtbl
{
    /* A query for this sort (cCategories 0; no MV_INSTANCE column) and restriction (may be
     * NULL): S_OK and *query, or MAPI_E_TOO_COMPLEX when the source cannot answer it. */
    HRESULT (*open_query)(void *ctx, const SSortOrderSet *sort, const SRestriction *res,
                          void **query);
    void    (*close_query)(void *ctx, void *query);
    HRESULT (*count)(void *ctx, void *query, ULONG *n);
    /* Up to `n` rows in the query's order (backward: in reverse order, nearest first), after
     * the position `from` (NULL: from the first row, or backward from the last), the row at
     * `from` itself included when `inclusive`, the first `skip` of them left out. Without
     * `with_props` only the keys (props NULL). *got rows filled; on failure none are. */
    HRESULT (*fetch)(void *ctx, void *query, const mc_srckey *from, BOOL inclusive,
                     BOOL backward, ULONG skip, ULONG n, BOOL with_props, mc_srcrow *rows,
                     ULONG *got);
    /* Number of rows of the query before position `key`. */
    HRESULT (*ordinal)(void *ctx, void *query, const mc_srckey *key, ULONG *ord);
    /* Is row `id` in the query now, and its position key. */
    HRESULT (*locate)(void *ctx, void *query, ULONGLONG id, mc_srckey *key, BOOL *present);
    /* The current row `id` (MAPI_E_NOT_FOUND when it is not in the table any more). */
    HRESULT (*get_row)(void *ctx, ULONGLONG id, mc_srcrow *row);
    /* Every row, added with mc_table_modify_row (the table is locked by the caller). */
    HRESULT (*fill)(void *ctx, mc_table *t);
    void    (*release)(void *ctx);  /* the table is gone */
    /* Optional (may be NULL): every column a row of the source may carry, for
     * QueryColumns(TBL_ALL_COLUMNS) while the rows are not in memory; *tags mc_malloc'ed. The
     * engine keeps the answer until mc_table_source_changed or mc_table_source_reload. */
    HRESULT (*columns)(void *ctx, SPropTagArray **tags);
    /* Optional: every row's values of the columns `tags` (matched by property ID; the values
     * as get_row gives them, missing ones left out): fn(fn_ctx, id, n, values) once or more
     * per row, values valid during the call; the first failure of fn ends it and is returned.
     * MAPI_E_TOO_COMPLEX, before any call of fn, when a column cannot be read this way. With
     * it, a table that must hold its rows keeps only the columns its views use ("lean rows")
     * and reads the rest from get_row when it returns a row. */
    HRESULT (*fill_columns)(void *ctx, const SPropTagArray *tags, mc_row_values_fn fn, void *fn_ctx);
    /* Optional: get_row for rows[0..n)'s key ids at once (a row no longer there: props NULL);
     * QueryRows over lean rows reads a page's whole rows with it. */
    HRESULT (*get_rows)(void *ctx, ULONG n, mc_srcrow *rows);
} mc_rowsource_vtbl;

typedef struct mc_rowsource
{
    const mc_rowsource_vtbl *vtbl;
    void *ctx;
} mc_rowsource;

/* Make `t` (new, no rows, index column PR_INSTANCE_KEY) a table over `src`; src->release is
 * called with the last reference to the table. */
HRESULT mc_table_set_source(mc_table *t, const mc_rowsource *src);
/* Row `id` of the source may have been added, changed or removed: views get their
 * TABLE_ROW_ADDED / TABLE_ROW_MODIFIED / TABLE_ROW_DELETED, rows kept in memory follow. */
HRESULT mc_table_source_changed(mc_table *t, ULONGLONG id);
/* Rows of the source may have changed without a call above (changes were lost): every view asks
 * the source again (rows held in memory are read again) and gets TABLE_RELOAD; cursors go to
 * the beginning of memory views, bookmarks of source views keep their positions. */
HRESULT mc_table_source_reload(mc_table *t);
/* Tests and benchmarks: 1 if the view reads through the source, 0 if from memory. */
BOOL    mc_table_view_uses_source(IMAPITable *view);
/* Tests: the table keeps every row in memory from now on (as when a view needs it). */
HRESULT mc_table_materialize(mc_table *t);

/* ---- object counting (for DllCanUnloadNow and leak checks) -------------------------------- */

/* Each DLL keeps one counter of live COM objects; mapicore's own objects (table views) count
 * in the counter of the DLL they are linked into. */
extern LONG mc_live_objects;
static inline void mc_object_created(void)   { InterlockedIncrement(&mc_live_objects); }
static inline void mc_object_destroyed(void) { InterlockedDecrement(&mc_live_objects); }

/* ---- tracing ------------------------------------------------------------------------------ */

/* Channels are enabled at run time by TANDEM_TRACE (comma-separated channel names, or "all");
 * silent by default. Output goes to stderr. */
BOOL mc_trace_enabled(const char *channel);
void mc_trace(const char *channel, const char *func, const char *fmt, ...);
#define MC_TRACE(ch, ...) do { if (mc_trace_enabled(ch)) mc_trace(ch, __func__, __VA_ARGS__); } while (0)
#define MC_FIXME(...) MC_TRACE("fixme", __VA_ARGS__)

#endif /* TANDEM_MAPICORE_H */
