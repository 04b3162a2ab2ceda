/*
 * smtp.h - the SMTP client (RFC 5321 with ESMTP; issue 7 point 1): one session sends one
 * message to a list of recipients and reports per recipient what the server said.
 *
 * Extensions used when the server offers them: SIZE (the size is declared and a message the
 * server cannot take is refused before DATA), 8BITMIME (BODY=8BITMIME for 8-bit content),
 * PIPELINING (MAIL and every RCPT in one write), SMTPUTF8 (for non-ASCII addresses; without
 * it such recipients are refused here), STARTTLS (required with security STARTTLS), AUTH
 * PLAIN or LOGIN (with a user; never on an unencrypted connection unless allowed).
 */
#ifndef TANDEM_SMTP_H
#define TANDEM_SMTP_H

#include "netcfg.h"

typedef struct td_smtp_rcpt
{
    const char *address;    /* UTF-8 addr-spec */
    int code;               /* the server's final reply code for this recipient (0 = none) */
    char enhanced[16];      /* "5.1.1" when the reply carried an enhanced status code */
    char *reply;            /* the reply's text (internal memory), NULL when none */
} td_smtp_rcpt;

/* Send `data` (RFC 5322, CRLF line ends) from `from` to the recipients.
 *   S_OK: a transaction took place; each recipient's code says: 2xx delivered, 5xx refused for
 *         good, 4xx refused for now (a DATA refusal is copied to every accepted recipient).
 *   MAPI_E_LOGON_FAILED: the server refused the user name or password (*why says so).
 *   MAPI_E_NO_ACCESS: TLS was required and refused, or the certificate is not trusted, or the
 *         password would have crossed an unencrypted connection.
 *   MAPI_E_NETWORK_ERROR / MAPI_E_TIMEOUT: the server could not be reached or the connection
 *         was lost before the message was accepted: nothing was delivered (a loss after the
 *         final dot but before the reply may have delivered: the Message-ID dedups).
 * *why (internal memory) gets a text for PR_STATUS_STRING on failure. */
HRESULT td_smtp_send(const td_netcfg *cfg, const char *helo, const char *from, td_smtp_rcpt *rcpts, size_t n,
                     const char *data, size_t len, WCHAR **why);
void    td_smtp_rcpt_clear(td_smtp_rcpt *r);

#endif /* TANDEM_SMTP_H */
