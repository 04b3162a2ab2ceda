/*
 * status.c - minimapi's own status objects: the MAPI subsystem's and the spooler's rows of the
 * session's status table (status-tables.md, mapi-status-objects.md, imapistatusimapiprop.md,
 * imapistatus-validatestate.md, imapistatus-flushqueues.md; spi-digest §4.11), and the status
 * entry IDs every row of that table carries in PR_ENTRYID.
 *
 * An object reads its row from the session when asked (GetProps), so it always shows the row
 * as it is now; it is read-only (IMAPIProp without writes). It holds a reference on the session.
 * Methods: ValidateState (both; CONFIG_CHANGED makes the spooler ask its transports for their
 * address types again), FlushQueues (the spooler only: FLUSH_UPLOAD, FLUSH_DOWNLOAD,
 * FLUSH_FORCE, FLUSH_NO_UI, FLUSH_ASYNC_OK; without FLUSH_ASYNC_OK it returns when the pass is
 * done), SettingsDialog and ChangePassword MAPI_E_NO_SUPPORT (no user interface, no password),
 * as their bits in PR_RESOURCE_METHODS say.
 */
#include "minimapi_private.h"

/* {6D4D4D53-5441-5455-5300-4D494E494D41}: "MMSTATUS" - minimapi's status objects. */
const MAPIUID mm_muid_status =
    {{0x53, 0x4d, 0x4d, 0x6d, 0x41, 0x54, 0x55, 0x54, 0x53, 0x00, 0x4d, 0x49, 0x4e, 0x49, 0x4d, 0x41}};

/* imapistatus-validatestate.md */
#define VALIDATE_FLAGS (SUPPRESS_UI | REFRESH_XP_HEADER_CACHE | PROCESS_XP_HEADER_CACHE \
                        | FORCE_XP_CONNECT | FORCE_XP_DISCONNECT | CONFIG_CHANGED \
                        | ABORT_XP_HEADER_OPERATION | SHOW_XP_SESSION_UI)
/* imapistatus-flushqueues.md */
#define FLUSH_FLAGS (FLUSH_UPLOAD | FLUSH_DOWNLOAD | FLUSH_FORCE | FLUSH_NO_UI | FLUSH_ASYNC_OK)

void mm_status_eid(ULONG kind, const MAPIUID *section, BYTE out[MM_STATUS_EID_SIZE])
{
    memset(out, 0, MM_STATUS_EID_SIZE);
    memcpy(out + 4, &mm_muid_status, sizeof(MAPIUID));
    memcpy(out + 20, &kind, sizeof(kind));
    if (section) memcpy(out + 24, section, sizeof(MAPIUID));
}

BOOL mm_status_eid_parse(ULONG cb, const ENTRYID *eid, ULONG *kind, MAPIUID *section)
{
    const BYTE *b = (const BYTE *)eid;
    ULONG k;

    if (!eid || cb != MM_STATUS_EID_SIZE || memcmp(b + 4, &mm_muid_status, sizeof(MAPIUID)))
        return FALSE;
    memcpy(&k, b + 20, sizeof(k));
    if (k > MM_STATUS_AB) return FALSE;
    if (kind) *kind = k;
    if (section) memcpy(section, b + 24, sizeof(MAPIUID));
    return TRUE;
}

typedef struct status
{
    IMAPIStatus IMAPIStatus_iface;
    LONG ref;
    IMAPISession *session_iface;    /* our reference */
    mm_session *session;
    ULONG kind;                     /* MM_STATUS_SUBSYSTEM, MM_STATUS_SPOOLER or MM_STATUS_AB */
    mc_last_error err;
} status;

static inline status *impl_from_IMAPIStatus(IMAPIStatus *iface)
{
    return CONTAINING_RECORD(iface, status, IMAPIStatus_iface);
}

static HRESULT STDMETHODCALLTYPE status_QueryInterface(IMAPIStatus *iface, REFIID iid, void **out)
{
    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IMAPIProp)
        || IsEqualIID(iid, &IID_IMAPIStatus))
    {
        *out = iface;
        iface->lpVtbl->AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE status_AddRef(IMAPIStatus *iface)
{
    return InterlockedIncrement(&impl_from_IMAPIStatus(iface)->ref);
}

static ULONG STDMETHODCALLTYPE status_Release(IMAPIStatus *iface)
{
    status *This = impl_from_IMAPIStatus(iface);
    LONG ref = InterlockedDecrement(&This->ref);
    if (!ref)
    {
        This->session_iface->lpVtbl->Release(This->session_iface);
        mc_last_error_destroy(&This->err);
        mc_free(This);
        mc_object_destroyed();
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE status_GetLastError(IMAPIStatus *iface, HRESULT hr, ULONG flags,
                                                     LPMAPIERROR *out)
{
    return mc_last_error_get(&impl_from_IMAPIStatus(iface)->err, &mm_alloc, MM_COMPONENT, hr,
                             flags, out);
}

static HRESULT STDMETHODCALLTYPE status_SaveChanges(IMAPIStatus *iface, ULONG flags)
{
    return MAPI_E_NO_ACCESS;    /* read-only */
}

static HRESULT STDMETHODCALLTYPE status_GetProps(IMAPIStatus *iface, LPSPropTagArray tags,
                                                 ULONG flags, ULONG *count, LPSPropValue *out)
{
    status *This = impl_from_IMAPIStatus(iface);
    mc_propbag *b;
    HRESULT hr;

    MC_TRACE(MM_CH, "(%p, %p, %#lx)\n", This, tags, flags);
    if (!count || !out) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = mm_session_status_props(This->session, This->kind, &b))) return hr;
    hr = mc_getprops(&mm_alloc, b, NULL, 0, tags, flags, NULL, count, out);
    mc_propbag_free(b);
    return hr;
}

static HRESULT STDMETHODCALLTYPE status_GetPropList(IMAPIStatus *iface, ULONG flags,
                                                    LPSPropTagArray *out)
{
    status *This = impl_from_IMAPIStatus(iface);
    mc_propbag *b;
    HRESULT hr;

    if (!out) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(hr = mm_session_status_props(This->session, This->kind, &b))) return hr;
    hr = mc_getproplist(&mm_alloc, b, NULL, 0, NULL, flags, NULL, out);
    mc_propbag_free(b);
    return hr;
}

static HRESULT STDMETHODCALLTYPE status_OpenProperty(IMAPIStatus *iface, ULONG tag, LPCIID iid,
                                                     ULONG options, ULONG flags, LPUNKNOWN *out)
{
    if (out) *out = NULL;
    MC_FIXME("(%p): no property of a status object needs a stream\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE status_SetProps(IMAPIStatus *iface, ULONG n, LPSPropValue props,
                                                 LPSPropProblemArray *problems)
{
    return MAPI_E_NO_ACCESS;
}

static HRESULT STDMETHODCALLTYPE status_DeleteProps(IMAPIStatus *iface, LPSPropTagArray tags,
                                                    LPSPropProblemArray *problems)
{
    return MAPI_E_NO_ACCESS;
}

static HRESULT STDMETHODCALLTYPE status_CopyTo(IMAPIStatus *iface, ULONG n_iids, LPCIID iids,
                                               LPSPropTagArray exclude, ULONG ui,
                                               LPMAPIPROGRESS progress, LPCIID iid, LPVOID dest,
                                               ULONG flags, LPSPropProblemArray *problems)
{
    MC_FIXME("(%p): CopyTo of a status object\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE status_CopyProps(IMAPIStatus *iface, LPSPropTagArray include,
                                                  ULONG ui, LPMAPIPROGRESS progress, LPCIID iid,
                                                  LPVOID dest, ULONG flags,
                                                  LPSPropProblemArray *problems)
{
    MC_FIXME("(%p): CopyProps of a status object\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE status_GetNamesFromIDs(IMAPIStatus *iface, LPSPropTagArray *tags,
                                                        LPGUID guid, ULONG flags, ULONG *count,
                                                        LPMAPINAMEID **names)
{
    return MAPI_E_NO_SUPPORT;   /* no named properties */
}

static HRESULT STDMETHODCALLTYPE status_GetIDsFromNames(IMAPIStatus *iface, ULONG count,
                                                        LPMAPINAMEID *names, ULONG flags,
                                                        LPSPropTagArray *tags)
{
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE status_ValidateState(IMAPIStatus *iface, ULONG ui, ULONG flags)
{
    status *This = impl_from_IMAPIStatus(iface);
    MC_TRACE(MM_CH, "(%p, %#lx)\n", This, flags);
    if (flags & ~VALIDATE_FLAGS) return MAPI_E_UNKNOWN_FLAGS;
    return mm_session_validate_state(This->session, This->kind, flags);
}

static HRESULT STDMETHODCALLTYPE status_SettingsDialog(IMAPIStatus *iface, ULONG ui, ULONG flags)
{
    MC_FIXME("(%p): no settings user interface\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE status_ChangePassword(IMAPIStatus *iface, LPTSTR old_pass,
                                                       LPTSTR new_pass, ULONG flags)
{
    MC_FIXME("(%p): MAPI itself has no password\n", iface);
    return MAPI_E_NO_SUPPORT;
}

static HRESULT STDMETHODCALLTYPE status_FlushQueues(IMAPIStatus *iface, ULONG ui, ULONG cb,
                                                    LPENTRYID transport, ULONG flags)
{
    status *This = impl_from_IMAPIStatus(iface);

    MC_TRACE(MM_CH, "(%p, %lu, %p, %#lx)\n", This, cb, transport, flags);
    if (This->kind != MM_STATUS_SPOOLER)
    {
        MC_FIXME("(%p): FlushQueues on the subsystem's status object\n", This);
        return MAPI_E_NO_SUPPORT;
    }
    if (flags & ~FLUSH_FLAGS) return MAPI_E_UNKNOWN_FLAGS;
    if (transport || cb)
    {
        /* imapistatus-flushqueues.md: one transport's queues; the spooler flushes all. */
        MC_FIXME("(%p): flushing one transport only\n", This);
        return MAPI_E_NO_SUPPORT;
    }
    return mm_session_flush_queues(This->session, flags);
}

static const IMAPIStatusVtbl status_vtbl =
{
    status_QueryInterface,
    status_AddRef,
    status_Release,
    status_GetLastError,
    status_SaveChanges,
    status_GetProps,
    status_GetPropList,
    status_OpenProperty,
    status_SetProps,
    status_DeleteProps,
    status_CopyTo,
    status_CopyProps,
    status_GetNamesFromIDs,
    status_GetIDsFromNames,
    status_ValidateState,
    status_SettingsDialog,
    status_ChangePassword,
    status_FlushQueues,
};

HRESULT mm_status_create(mm_session *session, ULONG kind, IMAPIStatus **out)
{
    status *This;

    *out = NULL;
    if (kind != MM_STATUS_SUBSYSTEM && kind != MM_STATUS_SPOOLER && kind != MM_STATUS_AB) return MAPI_E_INVALID_ENTRYID;
    if (!(This = mc_calloc(1, sizeof(*This)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    This->IMAPIStatus_iface.lpVtbl = &status_vtbl;
    This->ref = 1;
    This->session = session;
    This->session_iface = mm_session_iface(session);
    This->session_iface->lpVtbl->AddRef(This->session_iface);
    This->kind = kind;
    mc_last_error_init(&This->err);
    mc_object_created();
    *out = &This->IMAPIStatus_iface;
    return S_OK;
}
