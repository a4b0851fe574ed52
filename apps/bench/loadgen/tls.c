/* TLS for the load generator (--tls): OpenSSL client sessions over the same non-blocking sockets,
 * so wss:// servers are driven by the same epoll loop and the same RFC 6455 code as ws:// ones.
 * The server certificate is not verified: the harness made it a moment ago, and what is measured
 * is the server's cost of TLS, not the client's trust decisions. One SSL_CTX is shared by every
 * worker thread (OpenSSL >= 1.1 makes that safe); each connection has its own SSL. */
#include "loadgen.h"
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

static SSL_CTX *ctx;
static atomic_int reported;

int tls_init(void) {
  ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return -1;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  /* Writes may complete in part, and retries may pass a buffer that has since moved (realloc). */
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* Read whatever the socket has, not one record header and then its body (two read(2)s per
   * record): small echoes come in small records. Buffered records are then invisible to epoll,
   * which is why on_readable drains tls_pending. */
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);
  return 0;
}

int tls_begin(conn *c) {
  SSL *ssl = SSL_new(ctx);
  if (!ssl || SSL_set_fd(ssl, c->fd) != 1) { if (ssl) SSL_free(ssl); return -1; }
  SSL_set_tlsext_host_name(ssl, "localhost");
  SSL_set_connect_state(ssl);
  c->ssl = ssl;
  return 0;
}

static void why_failed(SSL *ssl, int ret, char *why, size_t n) {
  int err = SSL_get_error(ssl, ret);
  unsigned long e = ERR_get_error();
  char detail[160] = "";
  if (e) ERR_error_string_n(e, detail, sizeof detail);
  else if (err == SSL_ERROR_SYSCALL) snprintf(detail, sizeof detail, "%s", errno ? strerror(errno) : "EOF");
  snprintf(why, n, "TLS failed (SSL error %d%s%s)", err, detail[0] ? ": " : "", detail);
  ERR_clear_error();
}

int tls_handshake(conn *c, char *why, size_t n) {
  SSL *ssl = c->ssl;
  int ret = SSL_do_handshake(ssl);
  if (ret == 1) {
    if (!atomic_exchange(&reported, 1))
      fprintf(stderr, "loadgen: TLS %s %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    return TLS_DONE;
  }
  int err = SSL_get_error(ssl, ret);
  if (err == SSL_ERROR_WANT_READ) return TLS_WANT_READ;
  if (err == SSL_ERROR_WANT_WRITE) return TLS_WANT_WRITE;
  why_failed(ssl, ret, why, n);
  return TLS_FAILED;
}

ssize_t tls_read(conn *c, uint8_t *p, size_t len, int *want_write) {
  SSL *ssl = c->ssl;
  int ret = SSL_read(ssl, p, (int)(len > 0x40000000 ? 0x40000000 : len));
  if (ret > 0) return ret;
  int err = SSL_get_error(ssl, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    *want_write = err == SSL_ERROR_WANT_WRITE;
    errno = EAGAIN;
    return -1;
  }
  ERR_clear_error();
  if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0)) return 0; /* the peer closed */
  errno = err == SSL_ERROR_SYSCALL && errno ? errno : EIO;
  return -1;
}

ssize_t tls_write(conn *c, const uint8_t *p, size_t len) {
  SSL *ssl = c->ssl;
  int ret = SSL_write(ssl, p, (int)(len > 0x40000000 ? 0x40000000 : len));
  if (ret > 0) return ret;
  int err = SSL_get_error(ssl, ret);
  ERR_clear_error();
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) { errno = EAGAIN; return -1; }
  errno = err == SSL_ERROR_SYSCALL && errno ? errno : EPIPE;
  return -1;
}

/* Decrypted bytes, or received records not yet decrypted (read-ahead): either way, epoll will
 * not report them again. */
int tls_pending(conn *c) { return c->ssl ? SSL_has_pending(c->ssl) : 0; }

void tls_free(conn *c) {
  if (c->ssl) SSL_free(c->ssl);
  c->ssl = NULL;
}
