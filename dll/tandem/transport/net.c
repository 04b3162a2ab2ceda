/*
 * net.c - one TCP connection with timeouts, bounded buffers, a line reader and SChannel TLS
 * (net.h states the invariants). Docs: acquirecredentialshandle (schannel),
 * initializesecuritycontext (schannel), encryptmessage/decryptmessage (schannel),
 * certgetcertificatechain, certverifycertificatechainpolicy, select (winsock2).
 */
#define SECURITY_WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdarg.h>
#include <stdio.h>
#include <wincrypt.h>
#include <security.h>
#include <schannel.h>
#include <bcrypt.h>
#include "net.h"

struct td_net
{
    SOCKET s;
    DWORD timeout_ms;
    BOOL tls;
    CredHandle cred;
    CtxtHandle ctx;
    BOOL have_cred, have_ctx;
    SecPkgContext_StreamSizes sizes;
    char *raw;              /* TLS records received, not yet decrypted */
    size_t raw_len;
    char *buf;              /* plain bytes received, not yet consumed: buf[pos..len) */
    size_t pos, len;
    char *out;              /* one encrypted record being sent */
    char err[256];
    char thumb[65];
};

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;
static BOOL wsa_ok;

static BOOL CALLBACK wsa_start(INIT_ONCE *once, void *param, void **ctx)
{
    WSADATA d;
    wsa_ok = WSAStartup(MAKEWORD(2, 2), &d) == 0;
    return TRUE;
}

HRESULT td_net_init(void)
{
    InitOnceExecuteOnce(&wsa_once, wsa_start, NULL, NULL);
    return wsa_ok ? S_OK : MAPI_E_NETWORK_ERROR;
}

static HRESULT fail(td_net *c, HRESULT hr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static HRESULT fail(td_net *c, HRESULT hr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    MC_TRACE("net", "%s", c->err);
    return hr;
}

const char *td_net_error(const td_net *c) { return c ? c->err : "no connection"; }
const char *td_net_peer_thumbprint(const td_net *c) { return c ? c->thumb : ""; }
BOOL td_net_is_tls(const td_net *c) { return c && c->tls; }

/* Wait until the socket is readable (write FALSE) or writable, at most the timeout. */
static HRESULT wait_socket(td_net *c, BOOL write, DWORD ms)
{
    fd_set set, ex;
    struct timeval tv;
    int r;

    FD_ZERO(&set);
    FD_SET(c->s, &set);
    FD_ZERO(&ex);
    FD_SET(c->s, &ex);
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    r = select(0, write ? NULL : &set, write ? &set : NULL, &ex, &tv);
    if (r == 0) return fail(c, MAPI_E_TIMEOUT, "the server did not answer within %lu ms", (unsigned long)ms);
    if (r < 0 || FD_ISSET(c->s, &ex))
        return fail(c, MAPI_E_NETWORK_ERROR, "connection error %d", WSAGetLastError());
    return S_OK;
}

HRESULT td_net_connect(const char *host, unsigned short port, DWORD timeout_ms, td_net **out)
{
    struct addrinfo hints, *ai = NULL, *p;
    char service[8];
    td_net *c;
    u_long nb = 1;
    HRESULT hr = MAPI_E_NETWORK_ERROR;

    *out = NULL;
    if (!host || !host[0] || !port) return MAPI_E_INVALID_PARAMETER;
    if (FAILED(td_net_init())) return MAPI_E_NETWORK_ERROR;
    if (!(c = mc_calloc(1, sizeof(*c)))) return MAPI_E_NOT_ENOUGH_MEMORY;
    c->s = INVALID_SOCKET;
    c->timeout_ms = timeout_ms ? timeout_ms : 30000;
    if (!(c->buf = mc_malloc(TD_NET_BUF)) || !(c->raw = mc_malloc(TD_NET_BUF)))
    {
        td_net_close(c);
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    snprintf(service, sizeof(service), "%u", port);
    if (getaddrinfo(host, service, &hints, &ai) || !ai)
    {
        fail(c, MAPI_E_NETWORK_ERROR, "the server name %s cannot be resolved", host);
        goto done;
    }
    for (p = ai; p; p = p->ai_next)
    {
        int r;
        c->s = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (c->s == INVALID_SOCKET) continue;
        ioctlsocket(c->s, FIONBIO, &nb);        /* non-blocking from here on */
        r = connect(c->s, p->ai_addr, (int)p->ai_addrlen);
        if (r == 0 || WSAGetLastError() == WSAEWOULDBLOCK)
        {
            int soerr = 0, l = sizeof(soerr);
            if (r == 0 || (SUCCEEDED(hr = wait_socket(c, TRUE, c->timeout_ms))
                           && !getsockopt(c->s, SOL_SOCKET, SO_ERROR, (char *)&soerr, &l) && !soerr))
            {
                BOOL one = TRUE;
                setsockopt(c->s, IPPROTO_TCP, TCP_NODELAY, (char *)&one, sizeof(one));
                hr = S_OK;
                break;
            }
            if (hr != MAPI_E_TIMEOUT) hr = fail(c, MAPI_E_NETWORK_ERROR, "%s port %u refused the connection", host, port);
            else fail(c, hr, "%s port %u did not accept the connection within %lu ms", host, port, (unsigned long)c->timeout_ms);
        }
        else hr = fail(c, MAPI_E_NETWORK_ERROR, "cannot connect to %s port %u (%d)", host, port, WSAGetLastError());
        closesocket(c->s);
        c->s = INVALID_SOCKET;
    }

done:
    if (ai) freeaddrinfo(ai);
    if (FAILED(hr))
    {
        /* the caller reads the reason through a closed connection object: keep it */
        *out = c;
        closesocket(c->s);
        c->s = INVALID_SOCKET;
        return hr;
    }
    *out = c;
    return S_OK;
}

void td_net_close(td_net *c)
{
    if (!c) return;
    if (c->have_ctx) DeleteSecurityContext(&c->ctx);
    if (c->have_cred) FreeCredentialsHandle(&c->cred);
    if (c->s != INVALID_SOCKET) closesocket(c->s);
    mc_free(c->raw);
    mc_free(c->buf);
    mc_free(c->out);
    mc_free(c);
}

/* ---- raw socket I/O ---------------------------------------------------------------------- */

static HRESULT send_all(td_net *c, const char *p, size_t len)
{
    HRESULT hr;
    if (c->s == INVALID_SOCKET) return fail(c, MAPI_E_NETWORK_ERROR, "not connected");
    while (len)
    {
        int n = send(c->s, p, len > 0x10000 ? 0x10000 : (int)len, 0);
        if (n > 0) { p += n; len -= n; continue; }
        if (WSAGetLastError() != WSAEWOULDBLOCK)
            return fail(c, MAPI_E_NETWORK_ERROR, "the connection was lost while sending (%d)", WSAGetLastError());
        if (FAILED(hr = wait_socket(c, TRUE, c->timeout_ms))) return hr;
    }
    return S_OK;
}

/* Append what arrives (at most `room` bytes) at dst; *got > 0 on S_OK. */
static HRESULT recv_some(td_net *c, char *dst, size_t room, size_t *got)
{
    HRESULT hr;
    *got = 0;
    if (c->s == INVALID_SOCKET) return fail(c, MAPI_E_NETWORK_ERROR, "not connected");
    if (!room) return fail(c, MAPI_E_CORRUPT_DATA, "receive buffer full");
    for (;;)
    {
        int n = recv(c->s, dst, (int)room, 0);
        if (n > 0) { *got = n; return S_OK; }
        if (n == 0) return fail(c, MAPI_E_NETWORK_ERROR, "the server closed the connection");
        if (WSAGetLastError() != WSAEWOULDBLOCK)
            return fail(c, MAPI_E_NETWORK_ERROR, "the connection was lost (%d)", WSAGetLastError());
        if (FAILED(hr = wait_socket(c, FALSE, c->timeout_ms))) return hr;
    }
}

/* ---- TLS --------------------------------------------------------------------------------- */

static void hex(const BYTE *b, ULONG n, char *out)
{
    ULONG i;
    for (i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static BOOL sha256(const BYTE *data, ULONG len, BYTE out[32])
{
    BCRYPT_ALG_HANDLE alg = NULL;
    BCRYPT_HASH_HANDLE h = NULL;
    BOOL ok = FALSE;

    if (BCryptOpenAlgorithmProvider(&alg, BCRYPT_SHA256_ALGORITHM, NULL, 0)) return FALSE;
    if (!BCryptCreateHash(alg, &h, NULL, 0, NULL, 0, 0) && !BCryptHashData(h, (BYTE *)data, len, 0)
        && !BCryptFinishHash(h, out, 32, 0))
        ok = TRUE;
    if (h) BCryptDestroyHash(h);
    BCryptCloseAlgorithmProvider(alg, 0);
    return ok;
}

/* The server's certificate: the pinned thumbprint when given, else the Windows trust store. */
static HRESULT check_certificate(td_net *c, const char *host, const BYTE *thumb, ULONG thumb_len)
{
    PCCERT_CONTEXT cert = NULL;
    PCCERT_CHAIN_CONTEXT chain = NULL;
    BYTE h256[32], h1[20];
    DWORD cb = sizeof(h1);
    HRESULT hr;

    if (QueryContextAttributesW(&c->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &cert) != SEC_E_OK || !cert)
        return fail(c, MAPI_E_NO_ACCESS, "the server sent no certificate");
    if (sha256(cert->pbCertEncoded, cert->cbCertEncoded, h256)) hex(h256, 32, c->thumb);
    if (thumb_len)
    {
        BOOL match = FALSE;
        if (thumb_len == 32) match = c->thumb[0] && !memcmp(thumb, h256, 32);
        else if (thumb_len == 20 && CertGetCertificateContextProperty(cert, CERT_SHA1_HASH_PROP_ID, h1, &cb))
            match = cb == 20 && !memcmp(thumb, h1, 20);
        hr = match ? S_OK : fail(c, MAPI_E_NO_ACCESS,
            "the certificate of %s (SHA-256 %s) is not the one the profile trusts", host, c->thumb);
    }
    else
    {
        CERT_CHAIN_PARA para;
        CERT_CHAIN_POLICY_PARA policy;
        CERT_CHAIN_POLICY_STATUS status;
        SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl;
        WCHAR *whost = mc_a2w(host);

        memset(&para, 0, sizeof(para));
        para.cbSize = sizeof(para);
        memset(&ssl, 0, sizeof(ssl));
        ssl.cbSize = sizeof(ssl);
        ssl.dwAuthType = AUTHTYPE_SERVER;
        ssl.pwszServerName = whost;
        memset(&policy, 0, sizeof(policy));
        policy.cbSize = sizeof(policy);
        policy.pvExtraPolicyPara = &ssl;
        memset(&status, 0, sizeof(status));
        status.cbSize = sizeof(status);
        if (!CertGetCertificateChain(NULL, cert, NULL, cert->hCertStore, &para, 0, NULL, &chain))
            hr = fail(c, MAPI_E_NO_ACCESS, "the certificate chain of %s cannot be built (%lu)", host, GetLastError());
        else if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &policy, &status))
            hr = fail(c, MAPI_E_NO_ACCESS, "the certificate of %s cannot be checked (%lu)", host, GetLastError());
        else if (status.dwError)
            hr = fail(c, MAPI_E_NO_ACCESS, "the certificate of %s is not trusted (error %#lx; SHA-256 %s)",
                      host, (unsigned long)status.dwError, c->thumb);
        else hr = S_OK;
        if (chain) CertFreeCertificateChain(chain);
        mc_free(whost);
    }
    CertFreeCertificateContext(cert);
    return hr;
}

HRESULT td_net_start_tls(td_net *c, const char *host, const BYTE *thumb, ULONG thumb_len)
{
    SCHANNEL_CRED cred;
    SecBuffer inb[2], outb[1];
    SecBufferDesc in_desc, out_desc;
    SECURITY_STATUS ss;
    ULONG req = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                ISC_REQ_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM, attrs = 0;
    WCHAR *whost = NULL;
    BOOL first = TRUE;
    HRESULT hr = S_OK;

    if (c->tls) return S_OK;
    if (c->pos != c->len) return fail(c, MAPI_E_NETWORK_ERROR, "the server sent data before the TLS handshake");
    memset(&cred, 0, sizeof(cred));
    cred.dwVersion = SCHANNEL_CRED_VERSION;
    cred.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    cred.grbitEnabledProtocols = SP_PROT_TLS1_2_CLIENT;
    ss = AcquireCredentialsHandleW(NULL, (WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &cred, NULL, NULL,
                                   &c->cred, NULL);
    if (ss != SEC_E_OK) return fail(c, MAPI_E_NETWORK_ERROR, "SChannel is not available (%#lx)", (unsigned long)ss);
    c->have_cred = TRUE;
    whost = mc_a2w(host);
    c->raw_len = 0;

    for (;;)
    {
        inb[0].BufferType = SECBUFFER_TOKEN;
        inb[0].pvBuffer = c->raw;
        inb[0].cbBuffer = (ULONG)c->raw_len;
        inb[1].BufferType = SECBUFFER_EMPTY;
        inb[1].pvBuffer = NULL;
        inb[1].cbBuffer = 0;
        in_desc.ulVersion = SECBUFFER_VERSION;
        in_desc.cBuffers = 2;
        in_desc.pBuffers = inb;
        outb[0].BufferType = SECBUFFER_TOKEN;
        outb[0].pvBuffer = NULL;
        outb[0].cbBuffer = 0;
        out_desc.ulVersion = SECBUFFER_VERSION;
        out_desc.cBuffers = 1;
        out_desc.pBuffers = outb;

        ss = InitializeSecurityContextW(&c->cred, first ? NULL : &c->ctx, whost, req, 0, 0,
                                        first ? NULL : &in_desc, 0, first ? &c->ctx : NULL, &out_desc, &attrs, NULL);
        if (first && (ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED)) c->have_ctx = TRUE;
        first = FALSE;
        if (outb[0].pvBuffer && outb[0].cbBuffer)
        {
            hr = send_all(c, outb[0].pvBuffer, outb[0].cbBuffer);
            FreeContextBuffer(outb[0].pvBuffer);
            if (FAILED(hr)) goto done;
        }
        if (ss == SEC_E_INCOMPLETE_MESSAGE || (ss == SEC_I_CONTINUE_NEEDED && c->raw_len == 0)
            || (ss == SEC_I_CONTINUE_NEEDED && inb[1].BufferType != SECBUFFER_EXTRA))
        {
            size_t got;
            if (ss == SEC_I_CONTINUE_NEEDED) c->raw_len = 0;   /* all consumed */
            if (FAILED(hr = recv_some(c, c->raw + c->raw_len, TD_NET_BUF - c->raw_len, &got))) goto done;
            c->raw_len += got;
            continue;
        }
        if (ss == SEC_I_CONTINUE_NEEDED)
        {
            /* unread records follow the consumed ones */
            memmove(c->raw, c->raw + c->raw_len - inb[1].cbBuffer, inb[1].cbBuffer);
            c->raw_len = inb[1].cbBuffer;
            continue;
        }
        if (ss != SEC_E_OK)
        {
            hr = fail(c, MAPI_E_NETWORK_ERROR, "the TLS handshake with %s failed (%#lx)", host, (unsigned long)ss);
            goto done;
        }
        if (inb[1].BufferType == SECBUFFER_EXTRA && inb[1].cbBuffer)
        {
            memmove(c->raw, c->raw + c->raw_len - inb[1].cbBuffer, inb[1].cbBuffer);
            c->raw_len = inb[1].cbBuffer;
        }
        else c->raw_len = 0;
        break;
    }
    if (QueryContextAttributesW(&c->ctx, SECPKG_ATTR_STREAM_SIZES, &c->sizes) != SEC_E_OK)
    {
        hr = fail(c, MAPI_E_NETWORK_ERROR, "TLS stream sizes unknown");
        goto done;
    }
    if (c->sizes.cbMaximumMessage > TD_NET_BUF / 2) c->sizes.cbMaximumMessage = TD_NET_BUF / 2;
    if (!(c->out = mc_malloc(c->sizes.cbHeader + c->sizes.cbMaximumMessage + c->sizes.cbTrailer)))
    {
        hr = MAPI_E_NOT_ENOUGH_MEMORY;
        goto done;
    }
    if (FAILED(hr = check_certificate(c, host, thumb, thumb_len))) goto done;
    c->tls = TRUE;

done:
    mc_free(whost);
    return hr;
}

/* Decrypt what is in raw into buf; read more records until at least one plain byte. */
static HRESULT fill_tls(td_net *c)
{
    for (;;)
    {
        SecBuffer b[4];
        SecBufferDesc d;
        SECURITY_STATUS ss;
        size_t got;
        HRESULT hr;
        int i;

        if (c->raw_len)
        {
            b[0].BufferType = SECBUFFER_DATA;
            b[0].pvBuffer = c->raw;
            b[0].cbBuffer = (ULONG)c->raw_len;
            for (i = 1; i < 4; i++) { b[i].BufferType = SECBUFFER_EMPTY; b[i].pvBuffer = NULL; b[i].cbBuffer = 0; }
            d.ulVersion = SECBUFFER_VERSION;
            d.cBuffers = 4;
            d.pBuffers = b;
            ss = DecryptMessage(&c->ctx, &d, 0, NULL);
            if (ss == SEC_E_OK)
            {
                SecBuffer *data = NULL, *extra = NULL;
                for (i = 0; i < 4; i++)
                {
                    if (b[i].BufferType == SECBUFFER_DATA && !data) data = &b[i];
                    if (b[i].BufferType == SECBUFFER_EXTRA && !extra) extra = &b[i];
                }
                if (data && data->cbBuffer)
                {
                    if (c->len + data->cbBuffer > TD_NET_BUF)
                        return fail(c, MAPI_E_CORRUPT_DATA, "receive buffer full");
                    memcpy(c->buf + c->len, data->pvBuffer, data->cbBuffer);
                    c->len += data->cbBuffer;
                }
                if (extra && extra->cbBuffer)
                {
                    memmove(c->raw, c->raw + c->raw_len - extra->cbBuffer, extra->cbBuffer);
                    c->raw_len = extra->cbBuffer;
                }
                else c->raw_len = 0;
                if (data && data->cbBuffer) return S_OK;
                continue;
            }
            if (ss == SEC_I_CONTEXT_EXPIRED) return fail(c, MAPI_E_NETWORK_ERROR, "the server closed the TLS session");
            if (ss != SEC_E_INCOMPLETE_MESSAGE)
                return fail(c, MAPI_E_NETWORK_ERROR, "TLS decryption failed (%#lx)", (unsigned long)ss);
        }
        if (FAILED(hr = recv_some(c, c->raw + c->raw_len, TD_NET_BUF - c->raw_len, &got))) return hr;
        c->raw_len += got;
    }
}

/* At least one more byte in buf[pos..len). */
static HRESULT fill(td_net *c)
{
    size_t got;
    HRESULT hr;

    if (c->pos)
    {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    if (c->tls) return fill_tls(c);
    if (FAILED(hr = recv_some(c, c->buf + c->len, TD_NET_BUF - c->len, &got))) return hr;
    c->len += got;
    return S_OK;
}

HRESULT td_net_write(td_net *c, const void *data, size_t len)
{
    const char *p = data;
    if (!c->tls) return send_all(c, p, len);
    while (len)
    {
        ULONG n = len > c->sizes.cbMaximumMessage ? c->sizes.cbMaximumMessage : (ULONG)len;
        SecBuffer b[4];
        SecBufferDesc d;
        SECURITY_STATUS ss;
        HRESULT hr;

        b[0].BufferType = SECBUFFER_STREAM_HEADER;
        b[0].pvBuffer = c->out;
        b[0].cbBuffer = c->sizes.cbHeader;
        b[1].BufferType = SECBUFFER_DATA;
        b[1].pvBuffer = c->out + c->sizes.cbHeader;
        b[1].cbBuffer = n;
        b[2].BufferType = SECBUFFER_STREAM_TRAILER;
        b[2].pvBuffer = c->out + c->sizes.cbHeader + n;
        b[2].cbBuffer = c->sizes.cbTrailer;
        b[3].BufferType = SECBUFFER_EMPTY;
        b[3].pvBuffer = NULL;
        b[3].cbBuffer = 0;
        d.ulVersion = SECBUFFER_VERSION;
        d.cBuffers = 4;
        d.pBuffers = b;
        memcpy(b[1].pvBuffer, p, n);
        if ((ss = EncryptMessage(&c->ctx, 0, &d, 0)) != SEC_E_OK)
            return fail(c, MAPI_E_NETWORK_ERROR, "TLS encryption failed (%#lx)", (unsigned long)ss);
        if (FAILED(hr = send_all(c, c->out, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer))) return hr;
        p += n;
        len -= n;
    }
    return S_OK;
}

HRESULT td_net_printf(td_net *c, const char *fmt, ...)
{
    char line[TD_NET_MAX_LINE];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof(line)) return fail(c, MAPI_E_INVALID_PARAMETER, "command too long");
    return td_net_write(c, line, n);
}

HRESULT td_net_read_line(td_net *c, char **line, size_t *len)
{
    size_t scanned = 0;
    HRESULT hr;

    for (;;)
    {
        char *start = c->buf + c->pos, *nl = memchr(start + scanned, '\n', c->len - c->pos - scanned);
        if (nl)
        {
            size_t n = nl - start;
            if (n > TD_NET_MAX_LINE) return fail(c, MAPI_E_CORRUPT_DATA, "the server sent a line longer than %d bytes", TD_NET_MAX_LINE);
            if (n && start[n - 1] == '\r') start[--n] = 0;
            else *nl = 0;
            start[n] = 0;
            c->pos = nl + 1 - c->buf;
            *line = start;
            if (len) *len = n;
            return S_OK;
        }
        scanned = c->len - c->pos;
        if (scanned > TD_NET_MAX_LINE)
            return fail(c, MAPI_E_CORRUPT_DATA, "the server sent a line longer than %d bytes", TD_NET_MAX_LINE);
        if (FAILED(hr = fill(c))) return hr;
    }
}

HRESULT td_net_read_bytes(td_net *c, char *dst, size_t n)
{
    HRESULT hr;
    while (n)
    {
        size_t have = c->len - c->pos;
        if (!have)
        {
            if (FAILED(hr = fill(c))) return hr;
            continue;
        }
        if (have > n) have = n;
        memcpy(dst, c->buf + c->pos, have);
        c->pos += have;
        dst += have;
        n -= have;
    }
    return S_OK;
}

BOOL td_net_wait_readable(td_net *c, DWORD wait_ms)
{
    fd_set set;
    struct timeval tv;

    if (c->pos < c->len || c->raw_len) return TRUE;
    if (c->s == INVALID_SOCKET) return FALSE;
    FD_ZERO(&set);
    FD_SET(c->s, &set);
    tv.tv_sec = wait_ms / 1000;
    tv.tv_usec = (wait_ms % 1000) * 1000;
    return select(0, &set, NULL, NULL, &tv) > 0;
}

ULONG td_net_parse_thumbprint(const WCHAR *text, BYTE out[32])
{
    ULONG n = 0;
    int half = -1;

    if (!text) return 0;
    for (; *text; text++)
    {
        int v;
        if (*text == ':' || *text == ' ' || *text == '-') continue;
        if (*text >= '0' && *text <= '9') v = *text - '0';
        else if (*text >= 'a' && *text <= 'f') v = *text - 'a' + 10;
        else if (*text >= 'A' && *text <= 'F') v = *text - 'A' + 10;
        else return 0;
        if (half < 0) half = v;
        else
        {
            if (n == 32) return 0;
            out[n++] = (BYTE)(half << 4 | v);
            half = -1;
        }
    }
    return half < 0 && (n == 20 || n == 32) ? n : 0;
}

char *td_net_base64(const void *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const BYTE *p = data;
    char *out = mc_malloc((len + 2) / 3 * 4 + 1), *o = out;
    size_t i;

    if (!out) return NULL;
    for (i = 0; i + 2 < len; i += 3)
    {
        *o++ = tab[p[i] >> 2];
        *o++ = tab[(p[i] & 3) << 4 | p[i + 1] >> 4];
        *o++ = tab[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
        *o++ = tab[p[i + 2] & 63];
    }
    if (i < len)
    {
        *o++ = tab[p[i] >> 2];
        if (i + 1 < len)
        {
            *o++ = tab[(p[i] & 3) << 4 | p[i + 1] >> 4];
            *o++ = tab[(p[i + 1] & 15) << 2];
        }
        else
        {
            *o++ = tab[(p[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = 0;
    return out;
}
