/*
 * coupling.h - how the store and the transport of tandem32.dll find each other in a process:
 * the tightly coupled pair of tightly-coupled-message-store-providers.md and spi-digest §1.2.
 * There is no MAPI protocol between the two halves; this is ours.
 *
 * The transport registers when IXPProvider::TransportLogon succeeds for a store (keyed by the
 * store's GUID, PR_TD_STORE_GUID of the profile) and unregisters in TransportLogoff. A session
 * opened with MAPI_NO_MAIL never logs transports on, so it never registers one. The store's
 * IMessage::SubmitMessage asks td_coupling_find for the store it submits in; with a coupled
 * transport that handles every recipient's address type and no preprocessing needed, it sends
 * through `send` and finishes the message itself; otherwise the message goes to the outgoing
 * queue for the spooler (spi-digest §1.1).
 */
#ifndef TANDEM_COUPLING_H
#define TANDEM_COUPLING_H

#include "tandem_private.h"

typedef struct td_coupled_transport
{
    void *ctx;
    /* TRUE when the transport sends to this address type (as in IXPLogon::AddressTypes). */
    BOOL    (*handles)(void *ctx, const WCHAR *addrtype);
    /* Send `msg` as IXPLogon::SubmitMessage + EndMessage would: every recipient row with
     * PR_RESPONSIBILITY FALSE and an address type it handles is sent (or given an NDR through
     * StatusRecips) and set TRUE with ModifyRecipients; rows that could not be sent now keep
     * FALSE and *retry becomes TRUE. The store saves the message afterwards. Called on the
     * client's thread; the message is the client's own open message. */
    HRESULT (*send)(void *ctx, IMessage *msg, BOOL *retry);
    void    (*addref)(void *ctx);      /* may be NULL */
    void    (*release)(void *ctx);     /* may be NULL */
} td_coupled_transport;

/* Transport side. *cookie (non-zero) is for td_coupling_unregister. The structure is copied
 * and ctx addref'ed. A later registration for the same store takes precedence. */
HRESULT td_coupling_register(const GUID *store_guid, const td_coupled_transport *xp, ULONG *cookie);
void    td_coupling_unregister(ULONG cookie);

/* Store side: the transport registered for this store (ctx addref'ed; give it back with
 * td_coupling_done), or FALSE when none is logged on in this process. */
BOOL    td_coupling_find(const GUID *store_guid, td_coupled_transport *out);
void    td_coupling_done(td_coupled_transport *xp);

#endif /* TANDEM_COUPLING_H */
