/*
 * net.h - the network channels' connection: a TCP connection to one server (Winsock) with
 * optional TLS through SChannel, and a line reader (issue 7 points 3 and 5).
 *
 * Invariants:
 *   - every connect, read and write waits at most the connection's timeout (select() on a
 *     non-blocking socket); a slow or dead server costs at most that long per step;
 *   - memory per connection is bounded: one receive buffer of TD_NET_BUF bytes (decrypted
 *     data), one of TD_NET_BUF bytes of TLS records, and a line is at most TD_NET_MAX_LINE
 *     bytes (a longer line is a protocol error, MAPI_E_CORRUPT_DATA);
 *   - only IPv4 loopback and resolvable host names are reached; nothing listens.
 *
 * TLS: SChannel (AcquireCredentialsHandle / InitializeSecurityContext / EncryptMessage /
 * DecryptMessage), with SCH_CRED_MANUAL_CRED_VALIDATION: the server's certificate is checked
 * here, against the Windows trust store (CertGetCertificateChain +
 * CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL) with the host name), unless the
 * profile trusts one certificate by its SHA-1 (20 bytes) or SHA-256 (32 bytes) thumbprint, in
 * which case only that exact certificate is accepted.
 *
 * Errors: MAPI_E_NETWORK_ERROR (cannot connect, connection lost, TLS failure),
 * MAPI_E_TIMEOUT (a step took longer than the timeout), MAPI_E_CORRUPT_DATA (line too long),
 * MAPI_E_NO_ACCESS (the certificate is not trusted). A text for PR_STATUS_STRING is kept
 * (td_net_error). Not thread-safe: one connection, one user.
 */
#ifndef TANDEM_NET_H
#define TANDEM_NET_H

#include "tandem_private.h"

#define TD_NET_BUF          (64 * 1024)
#define TD_NET_MAX_LINE     (16 * 1024)

typedef struct td_net td_net;

/* Winsock for the process (WSAStartup once; the DLL never calls WSACleanup while loaded). */
HRESULT td_net_init(void);

/* Connect to host:port within timeout_ms (resolution and TCP handshake). On failure *out may
 * still be set to a closed connection that holds the reason (td_net_error): td_net_close it. */
HRESULT td_net_connect(const char *host, unsigned short port, DWORD timeout_ms, td_net **out);
/* TLS handshake on the connection (implicit TLS right after connect, or after STARTTLS).
 * thumbprint: NULL/0 checks the chain; else 20 or 32 bytes of the trusted certificate's hash. */
HRESULT td_net_start_tls(td_net *c, const char *host, const BYTE *thumbprint, ULONG thumb_len);
BOOL    td_net_is_tls(const td_net *c);
void    td_net_close(td_net *c);

HRESULT td_net_write(td_net *c, const void *data, size_t len);
HRESULT td_net_printf(td_net *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line without its CRLF (or LF), NUL-terminated, valid until the next read. */
HRESULT td_net_read_line(td_net *c, char **line, size_t *len);
/* Exactly n bytes into dst (IMAP literals). */
HRESULT td_net_read_bytes(td_net *c, char *dst, size_t n);
/* TRUE when a whole line or bytes are waiting, or arrive within wait_ms (IMAP IDLE). */
BOOL    td_net_wait_readable(td_net *c, DWORD wait_ms);

/* The last failure's text (valid until the next call on c). */
const char *td_net_error(const td_net *c);
/* The hex thumbprint (SHA-256) of the server's certificate seen by the last handshake, or "". */
const char *td_net_peer_thumbprint(const td_net *c);

/* Hex text ("AB:CD.." or "abcd..", blanks and colons ignored) -> bytes. 0 when not 20/32. */
ULONG   td_net_parse_thumbprint(const WCHAR *text, BYTE out[32]);

/* Base64 of bytes into a NUL-terminated malloc'ed string (AUTH), NULL on failure. */
char   *td_net_base64(const void *data, size_t len);

#endif /* TANDEM_NET_H */
