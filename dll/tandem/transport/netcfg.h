/*
 * netcfg.h - the network channels' settings in the TANDEM service's profile section (issue 7
 * point 4): the 0x679x tags (strings in PT_UNICODE or PT_STRING8) and the two passwords in
 * the profile's secure range 0x67F0-0x67FF, kept as CryptProtectData blobs (PT_BINARY), never
 * as text. ServiceEntry(CONFIGURE) takes the passwords as strings at the same IDs and stores
 * only the protected form (td_netcfg_configure); TransportLogon reads everything
 * (td_netcfg_read). README.md's configuration table lists them.
 *
 * No SMTP host = the drop directory sends; no inbound protocol = the drop directory receives.
 */
#ifndef TANDEM_NETCFG_H
#define TANDEM_NETCFG_H

#include "tandem_private.h"
#include "net.h"

#define PR_TD_SMTP_HOST_W        PROP_TAG(PT_UNICODE, 0x6791)
#define PR_TD_SMTP_PORT          PROP_TAG(PT_LONG,    0x6792)
#define PR_TD_SMTP_SECURITY      PROP_TAG(PT_LONG,    0x6793)
#define PR_TD_SMTP_USER_W        PROP_TAG(PT_UNICODE, 0x6794)
#define PR_TD_IN_PROTOCOL        PROP_TAG(PT_LONG,    0x6795)
#define PR_TD_IN_HOST_W          PROP_TAG(PT_UNICODE, 0x6796)
#define PR_TD_IN_PORT            PROP_TAG(PT_LONG,    0x6797)
#define PR_TD_IN_SECURITY        PROP_TAG(PT_LONG,    0x6798)
#define PR_TD_IN_USER_W          PROP_TAG(PT_UNICODE, 0x6799)
#define PR_TD_ALLOW_PLAIN_PASSWORD PROP_TAG(PT_BOOLEAN, 0x679A)
#define PR_TD_LEAVE_ON_SERVER    PROP_TAG(PT_BOOLEAN, 0x679B)
#define PR_TD_TRUSTED_THUMBPRINT_W PROP_TAG(PT_UNICODE, 0x679C)
#define PR_TD_NET_TIMEOUT        PROP_TAG(PT_LONG,    0x679D)
/* secure range: PT_BINARY CryptProtectData blobs as stored; PT_UNICODE/PT_STRING8 to CONFIGURE */
#define PR_TD_SMTP_PASSWORD      PROP_TAG(PT_BINARY,  0x67F0)
#define PR_TD_IN_PASSWORD        PROP_TAG(PT_BINARY,  0x67F1)

enum td_security { TD_SEC_NONE = 0, TD_SEC_STARTTLS = 1, TD_SEC_TLS = 2 };
enum td_inbound { TD_IN_NONE = 0, TD_IN_POP3 = 1, TD_IN_IMAP = 2 };

/* One server. Strings UTF-8, internal memory. */
typedef struct td_server
{
    char *host;
    unsigned short port;
    int security;           /* enum td_security */
    char *user;             /* NULL: no authentication */
    char *password;         /* clear text in memory only while logged on */
} td_server;

typedef struct td_netcfg
{
    td_server smtp;         /* smtp.host NULL: no SMTP */
    int in_protocol;        /* enum td_inbound */
    td_server in;
    BOOL allow_plain;       /* passwords may cross an unencrypted connection */
    BOOL leave_on_server;   /* POP3: never DELE */
    BYTE thumb[32];         /* trusted certificate, thumb_len 0/20/32 */
    ULONG thumb_len;
    DWORD timeout_ms;       /* every connect/read/write; default TD_NET_DEFAULT_TIMEOUT_S */
} td_netcfg;

#define TD_NET_DEFAULT_TIMEOUT_S 30

void    td_netcfg_clear(td_netcfg *c);
/* Read from a profile section (the service's). Missing values take their defaults. */
HRESULT td_netcfg_read(const mc_alloc *a, IProfSect *sect, td_netcfg *c);
/* ServiceEntry(CONFIGURE): validate the network properties among props and write them into the
 * service section (passwords protected). S_OK also when there are none. MAPI_E_UNCONFIGURED
 * with *why (internal memory) for a bad value; nothing is written then. */
HRESULT td_netcfg_configure(IProfSect *svc, ULONG n, const SPropValue *props, WCHAR **why);
/* TRUE for a property ID td_netcfg_configure handles. */
BOOL    td_netcfg_is_ours(ULONG prop_id);

/* Connect to a server with its security mode (implicit TLS at once). On failure *why gets a
 * text (internal memory). */
HRESULT td_server_connect(const td_netcfg *cfg, const td_server *s, td_net **out, WCHAR **why);
/* STARTTLS's second half (after the server said go ahead). */
HRESULT td_server_start_tls(const td_netcfg *cfg, const td_server *s, td_net *c, WCHAR **why);
/* May a password be sent on c now? FALSE with *why when not. */
BOOL    td_server_may_send_password(const td_netcfg *cfg, const td_server *s, td_net *c, WCHAR **why);

/* UTF-8 printf into new internal memory. */
char   *td_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TANDEM_NETCFG_H */
