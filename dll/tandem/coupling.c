/*
 * coupling.c - the registry of coupled transports logged on in this process (coupling.h).
 * A short list under one lock; the store copies an entry (with a reference on ctx) before it
 * calls into the transport, so no lock is held while sending.
 */
#include "coupling.h"

typedef struct coupling
{
    ULONG cookie;
    GUID store;
    td_coupled_transport xp;
    struct coupling *next;
} coupling;

static SRWLOCK coupling_lock = SRWLOCK_INIT;
static coupling *couplings;
static ULONG next_cookie = 1;

HRESULT td_coupling_register(const GUID *store_guid, const td_coupled_transport *xp, ULONG *cookie)
{
    coupling *c;

    if (!store_guid || !xp || !xp->send || !xp->handles || !cookie) return MAPI_E_INVALID_PARAMETER;
    if (!(c = mc_calloc(1, sizeof(*c)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    c->store = *store_guid;
    c->xp = *xp;
    if (xp->addref) xp->addref(xp->ctx);
    AcquireSRWLockExclusive(&coupling_lock);
    c->cookie = next_cookie++;
    if (!next_cookie) next_cookie = 1;
    c->next = couplings;        /* the newest first: it takes precedence */
    couplings = c;
    *cookie = c->cookie;
    ReleaseSRWLockExclusive(&coupling_lock);
    return S_OK;
}

void td_coupling_unregister(ULONG cookie)
{
    coupling **p, *found = NULL;

    AcquireSRWLockExclusive(&coupling_lock);
    for (p = &couplings; *p; p = &(*p)->next)
        if ((*p)->cookie == cookie)
        {
            found = *p;
            *p = found->next;
            break;
        }
    ReleaseSRWLockExclusive(&coupling_lock);
    if (!found) return;
    if (found->xp.release) found->xp.release(found->xp.ctx);
    mc_free(found);
}

BOOL td_coupling_find(const GUID *store_guid, td_coupled_transport *out)
{
    coupling *c;
    BOOL ok = FALSE;

    memset(out, 0, sizeof(*out));
    AcquireSRWLockShared(&coupling_lock);
    for (c = couplings; c; c = c->next)
        if (IsEqualGUID(&c->store, store_guid))
        {
            *out = c->xp;
            if (out->addref) out->addref(out->ctx);
            ok = TRUE;
            break;
        }
    ReleaseSRWLockShared(&coupling_lock);
    return ok;
}

void td_coupling_done(td_coupled_transport *xp)
{
    if (xp && xp->release) xp->release(xp->ctx);
    if (xp) memset(xp, 0, sizeof(*xp));
}
