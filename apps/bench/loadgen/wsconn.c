/* RFC 6455 client protocol for the load generator: connect, opening handshake (random key,
 * verified 101 and Sec-WebSocket-Accept), masked frames with random masks, server frame
 * parsing (7/16/64-bit lengths, fragmented messages, ping -> pong) and the closing handshake. */
#include "loadgen.h"
#include "pmd.h"
#include "sha1.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MESSAGE (64u << 20) /* refuse absurd server frames instead of allocating them */

static void buf_reserve(buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra) cap *= 2;
  uint8_t *p = realloc(b->p, cap);
  if (!p) { fprintf(stderr, "loadgen: out of memory\n"); exit(3); }
  b->p = p;
  b->cap = cap;
}

void conn_init(conn *c, worker *w, int id) {
  memset(c, 0, sizeof *c);
  c->fd = -1;
  c->id = id;
  c->w = w;
  c->port = cfg.port2 && (id & 1) ? cfg.port2 : cfg.port; /* the broadcast sender, id 0: the first */
}

void conn_reset(conn *c) {
  c->in.len = c->out.len = c->out.off = c->frag.len = 0;
  c->frag_op = c->polling_out = c->sio = 0;
  c->state = CS_IDLE;
}

static void set_poll_out(conn *c, int on) {
  if (c->polling_out == on) return;
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->polling_out = on;
}

void conn_close_fd(conn *c) {
  tls_free(c);
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

void conn_drop(conn *c, const char *what) {
  /* A server that drops or refuses connections invalidates the run: say which and why. */
  static const char *when[] = {"before connecting", "while connecting", "during the handshake",
                               "while open", "while closing", "after closing", "during the TLS handshake"};
  if (!failed())
    fail("connection %d to %s:%d, %s: %s (%llu messages received on it)", c->id, cfg.host, c->port,
         when[c->state], what, (unsigned long long)(c->recvd > c->next_seq ? c->recvd : c->next_seq));
  conn_close_fd(c);
  c->state = CS_DONE;
}

static void conn_finish(conn *c) {
  conn_close_fd(c);
  c->state = CS_DONE;
  mode_on_closed(c);
}

void conn_start(conn *c) {
  uint8_t key_raw[16];
  char key[25];
  if (getrandom(key_raw, sizeof key_raw, 0) != sizeof key_raw)
    for (int i = 0; i < 16; i++) key_raw[i] = (uint8_t)rng_next(&c->w->rng);
  base64_encode(key_raw, sizeof key_raw, key);
  ws_accept_key(key, 24, c->accept);

  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) { conn_drop(c, "could not get a socket (raise the fd limit?)"); return; }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
  inet_pton(AF_INET, cfg.host, &sa.sin_addr);
  c->t_begin = now_ns();
  c->state = CS_CONNECTING;
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
    char why[128];
    snprintf(why, sizeof why, "connect failed: %s%s", strerror(errno),
             errno == ECONNREFUSED ? " (is the server running?)" : "");
    conn_drop(c, why);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  epoll_ctl(c->w->epfd, EPOLL_CTL_ADD, c->fd, &ev);
  c->polling_out = 1;
  /* The request is queued now and written once connect() completes. */
  buf_reserve(&c->out, 512);
  c->out.len += (size_t)snprintf((char *)c->out.p + c->out.len, 512,
                                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                                 "Sec-WebSocket-Version: 13\r\n\r\n",
                                 cfg.path, cfg.host, c->port, key);
  if (cfg.deflate) c->out.len = pmd_offer(c->out.p, c->out.len);
}

static void mask_bytes(uint8_t *p, size_t len, uint32_t mask) {
  uint64_t m64 = (uint64_t)mask | (uint64_t)mask << 32; /* byte order is memory order: memcpy */
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    v ^= m64;
    memcpy(p + i, &v, 8);
  }
  const uint8_t *mb = (const uint8_t *)&mask;
  for (; i < len; i++) p[i] ^= mb[i & 3];
}

uint8_t *conn_frame_begin(conn *c, int opcode, size_t len) {
  buf_reserve(&c->out, len + 14);
  uint8_t *h = c->out.p + c->out.len;
  size_t hl = 2;
  h[0] = (uint8_t)(0x80 | opcode);
  if (len < 126) h[1] = (uint8_t)(0x80 | len);
  else if (len < 65536) { h[1] = 0x80 | 126; h[2] = (uint8_t)(len >> 8); h[3] = (uint8_t)len; hl = 4; }
  else {
    h[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    hl = 10;
  }
  uint32_t mask = (uint32_t)rng_next(&c->w->rng);
  memcpy(h + hl, &mask, 4);
  c->out.len += hl + 4;
  return c->out.p + c->out.len;
}

void conn_frame_end(conn *c, uint8_t *payload, size_t len) {
  uint32_t mask;
  memcpy(&mask, payload - 4, 4);
  mask_bytes(payload, len, mask);
  c->out.len += len;
}

void conn_send(conn *c, int opcode, const uint8_t *payload, size_t len) {
  uint8_t *p = conn_frame_begin(c, opcode, len);
  if (len) memcpy(p, payload, len);
  conn_frame_end(c, p, len);
}

void conn_send_fragment(conn *c, int fin, int opcode, const uint8_t *payload, size_t len) {
  uint8_t *p = conn_frame_begin(c, opcode, len);
  size_t hl = (len < 126 ? 2 : len < 65536 ? 4 : 10) + 4;
  if (!fin) p[-(long)hl] &= 0x7f; /* clear FIN: more fragments follow */
  if (len) memcpy(p, payload, len);
  conn_frame_end(c, p, len);
}

void conn_flush(conn *c) {
  if (c->state == CS_TLS) return; /* the request waits for the TLS session */
  while (c->fd >= 0 && c->out.off < c->out.len) {
    ssize_t n = c->ssl ? tls_write(c, c->out.p + c->out.off, c->out.len - c->out.off)
                       : write(c->fd, c->out.p + c->out.off, c->out.len - c->out.off);
    if (n > 0) { c->out.off += (size_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) { set_poll_out(c, 1); return; }
    char why[96];
    snprintf(why, sizeof why, "dropped by the server (write: %s)", strerror(errno));
    conn_drop(c, why);
    return;
  }
  c->out.off = c->out.len = 0;
  if (c->fd >= 0 && c->state != CS_CONNECTING) set_poll_out(c, 0);
}

void conn_close_start(conn *c) {
  if (c->state != CS_OPEN) return;
  uint8_t code[2] = {1000 >> 8, 1000 & 0xff};
  conn_send(c, 0x8, code, 2);
  c->state = CS_CLOSING;
  conn_flush(c);
}

/* Validates the server's 101; returns header length, 0 if incomplete, -1 after a drop. */
static long parse_handshake(conn *c) {
  uint8_t *end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4);
  if (!end) {
    if (c->in.len > 8192) { conn_drop(c, "sent an oversized handshake response"); return -1; }
    return 0;
  }
  *end = 0; /* headers become a C string; the byte is consumed with the header anyway */
  char *h = (char *)c->in.p;
  if (strncmp(h, "HTTP/1.1 101", 12) != 0) {
    char why[160];
    char *eol = strstr(h, "\r\n");
    if (eol) *eol = 0;
    snprintf(why, sizeof why, "refused the upgrade: \"%.100s\"", h);
    conn_drop(c, why);
    return -1;
  }
  const char *accept = NULL;
  for (char *line = strstr(h, "\r\n"); line; line = strstr(line + 2, "\r\n"))
    if (strncasecmp(line + 2, "Sec-WebSocket-Accept:", 21) == 0) { accept = line + 23; break; }
  while (accept && *accept == ' ') accept++;
  if (!accept || strncmp(accept, c->accept, 28) != 0) {
    conn_drop(c, "answered with a wrong or missing Sec-WebSocket-Accept");
    return -1;
  }
  if (cfg.deflate && pmd_accept(c, h) < 0) return -1;
  return (long)(end - c->in.p) + 4;
}

/* Handles one complete server frame; returns 0 to go on, -1 when the connection ended. */
static int handle_frame(conn *c, int fin, int op, int rsv1, const uint8_t *p, size_t len) {
  if (op >= 0x8) {
    if (!fin || len > 125 || rsv1) { conn_drop(c, "sent an invalid control frame"); return -1; }
    if (op == 0x9) { conn_send(c, 0xA, p, len); return 0; } /* ping -> pong, same payload */
    if (op == 0xA) return 0;
    if (op != 0x8) { conn_drop(c, "sent an unknown control opcode"); return -1; }
    if (c->state == CS_CLOSING) { conn_finish(c); return -1; } /* our close was answered */
    uint16_t code = len >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 1005;
    char why[64];
    snprintf(why, sizeof why, "closed by the server (close code %u)", code);
    conn_drop(c, why);
    return -1;
  }
  if (op == 0x0) {
    if (!c->frag_op) { conn_drop(c, "sent a continuation with no message started"); return -1; }
    if (rsv1) { conn_drop(c, "set RSV1 on a continuation frame (RFC 7692 §6.1)"); return -1; }
    buf_reserve(&c->frag, len);
    memcpy(c->frag.p + c->frag.len, p, len);
    c->frag.len += len;
    if (!fin) return 0;
    if (c->pmd) pmd_message(c, c->frag_op, c->msg_rsv1, c->frag.p, c->frag.len);
    else mode_on_message(c, c->frag_op, c->frag.p, c->frag.len);
    c->frag_op = 0;
    c->frag.len = 0;
    return 0;
  }
  if (op != 0x1 && op != 0x2) { conn_drop(c, "sent an unknown data opcode"); return -1; }
  if (c->frag_op) { conn_drop(c, "started a message inside a fragmented one"); return -1; }
  c->msg_rsv1 = rsv1;
  if (fin && c->pmd) { pmd_message(c, op, rsv1, p, len); return 0; }
  if (fin) { mode_on_message(c, op, p, len); return 0; }
  c->frag_op = op;
  c->frag.len = 0;
  buf_reserve(&c->frag, len);
  memcpy(c->frag.p, p, len);
  c->frag.len = len;
  return 0;
}

/* Parses as many whole frames as the input holds; keeps the partial rest. */
static void parse_frames(conn *c) {
  size_t pos = 0;
  while (c->fd >= 0 && c->in.len - pos >= 2) {
    const uint8_t *h = c->in.p + pos;
    size_t avail = c->in.len - pos, hl = 2;
    uint64_t len = h[1] & 0x7f;
    if (h[1] & 0x80) { conn_drop(c, "sent a masked frame (servers must not mask)"); return; }
    if (h[0] & 0x70 & ~pmd_rsv(c)) { conn_drop(c, "set RSV bits without an extension"); return; }
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t)h[2] << 8 | h[3];
      hl = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = len << 8 | h[2 + i];
      hl = 10;
    }
    if (len > MAX_MESSAGE) { conn_drop(c, "sent a frame larger than 64 MiB"); return; }
    if (avail < hl + len) {
      buf_reserve(&c->in, hl + len - avail); /* room for the rest of this frame */
      break;
    }
    pos += hl + (size_t)len;
    if (handle_frame(c, h[0] >> 7, h[0] & 0x0f, h[0] & 0x40, h + hl, (size_t)len) < 0) return;
  }
  if (pos && c->fd >= 0) {
    memmove(c->in.p, c->in.p + pos, c->in.len - pos);
    c->in.len -= pos;
  }
}

static void on_readable(conn *c) {
  /* Bounded, to be fair to others; but never leave decrypted bytes inside OpenSSL, where epoll
   * cannot see them. */
  for (int reads = 0; (reads < 8 || tls_pending(c)) && c->fd >= 0; reads++) {
    buf_reserve(&c->in, 16384);
    int want_write = 0;
    ssize_t n = c->ssl ? tls_read(c, c->in.p + c->in.len, c->in.cap - c->in.len, &want_write)
                       : read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len);
    if (n == 0) {
      conn_drop(c, c->state == CS_CLOSING ? "closed TCP without answering our close frame"
                                          : "dropped by the server (EOF)");
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        if (want_write) set_poll_out(c, 1);
        break;
      }
      char why[96];
      snprintf(why, sizeof why, "dropped by the server (read: %s)", strerror(errno));
      conn_drop(c, why);
      return;
    }
    c->in.len += (size_t)n;
    if (c->state == CS_HANDSHAKE) {
      long hl = parse_handshake(c);
      if (hl <= 0) continue;
      memmove(c->in.p, c->in.p + hl, c->in.len - (size_t)hl);
      c->in.len -= (size_t)hl;
      c->state = CS_OPEN;
      mode_on_open(c);
    }
    if (c->state == CS_OPEN || c->state == CS_CLOSING) parse_frames(c);
    if (!c->ssl && (size_t)n < 16384) break; /* short read: the socket is drained (TLS: a short record) */
  }
  if (c->fd >= 0) conn_flush(c); /* one write per read batch */
}

void conn_event(conn *c, uint32_t events) {
  if (c->state == CS_CONNECTING) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
      char why[128];
      snprintf(why, sizeof why, "connect failed: %s%s", strerror(err),
               err == ECONNREFUSED ? " (is the server running?)" : "");
      conn_drop(c, why);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    if (cfg.tls) {
      if (tls_begin(c) < 0) { conn_drop(c, "could not start a TLS session"); return; }
      c->state = CS_TLS;
    } else {
      c->state = CS_HANDSHAKE;
      conn_flush(c);
      return;
    }
  }
  if (c->state == CS_TLS) {
    char why[256];
    switch (tls_handshake(c, why, sizeof why)) {
      case TLS_WANT_READ: set_poll_out(c, 0); return;
      case TLS_WANT_WRITE: set_poll_out(c, 1); return;
      case TLS_FAILED: conn_drop(c, why); return;
    }
    c->state = CS_HANDSHAKE; /* TLS is up: now the HTTP upgrade, through it */
    conn_flush(c);
    if (tls_pending(c)) on_readable(c);
    return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
  if (c->fd >= 0 && (events & EPOLLOUT)) conn_flush(c);
}
