/* A trivial WebSocket echo server in C: one thread, epoll, no allocation on the hot path beyond
 * growing per-connection buffers. It is the reference row of the benchmarks: it shows how fast
 * the load generator can go when the server costs almost nothing, so the Node servers' numbers
 * are known to measure the servers, not the load generator.
 * Protocol: HTTP/1.1 upgrade (SHA-1 + base64 accept), unmasks client frames and echoes them with
 * the same FIN/opcode (so fragments come back as fragments), ping -> pong, close -> close.
 * All echoes produced by one read are written with one write() ("batching writes per read").
 * It trusts its client (the load generator) far more than a real server may. */
#define _GNU_SOURCE
#include "sha1.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct { uint8_t *p; size_t len, cap, off; } buf;
typedef struct { int fd, upgraded, closing, polling_out; buf in, out; } client;

static int epfd;

static void reserve(buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 16384;
  while (cap < b->len + extra) cap *= 2;
  b->p = realloc(b->p, cap);
  if (!b->p) { perror("echo-server: realloc"); exit(1); }
  b->cap = cap;
}

static void drop(client *c) {
  close(c->fd); /* also removes it from epoll */
  free(c->in.p);
  free(c->out.p);
  free(c);
}

/* Writes what is queued; returns -1 if the client is gone (and freed). */
static int flush_out(client *c) {
  while (c->out.off < c->out.len) {
    ssize_t n = write(c->fd, c->out.p + c->out.off, c->out.len - c->out.off);
    if (n > 0) { c->out.off += (size_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!c->polling_out) {
        /* Stop reading until the client drains what it was sent: backpressure. */
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->polling_out = 1;
      }
      return 0;
    }
    drop(c);
    return -1;
  }
  c->out.off = c->out.len = 0;
  if (c->closing) { drop(c); return -1; } /* close frame sent: the server closes TCP first */
  if (c->polling_out) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->polling_out = 0;
  }
  return 0;
}

/* Returns bytes consumed by the upgrade request, 0 if incomplete, -1 if it is unusable. */
static long handshake(client *c) {
  uint8_t *end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4);
  if (!end) return c->in.len > 8192 ? -1 : 0;
  *end = 0;
  const char *key = NULL;
  for (char *l = strstr((char *)c->in.p, "\r\n"); l; l = strstr(l + 2, "\r\n"))
    if (strncasecmp(l + 2, "Sec-WebSocket-Key:", 18) == 0) { key = l + 20; break; }
  if (!key) return -1;
  while (*key == ' ') key++;
  size_t klen = strcspn(key, "\r\n ");
  char accept[29];
  ws_accept_key(key, klen, accept);
  reserve(&c->out, 160);
  c->out.len += (size_t)sprintf((char *)c->out.p + c->out.len,
                                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  return (long)(end - c->in.p) + 4;
}

/* Echoes every complete frame in c->in into c->out; returns bytes consumed, -1 on a bad frame. */
static long echo_frames(client *c) {
  size_t pos = 0;
  while (c->in.len - pos >= 2 && !c->closing) {
    uint8_t *h = c->in.p + pos;
    size_t avail = c->in.len - pos, hl = 2;
    uint64_t len = h[1] & 0x7f;
    if (!(h[1] & 0x80)) return -1; /* clients must mask */
    if (len == 126) { if (avail < 4) break; len = (uint64_t)h[2] << 8 | h[3]; hl = 4; }
    else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = len << 8 | h[2 + i];
      hl = 10;
    }
    if (len > (256u << 20)) return -1;
    if (avail < hl + 4 + len) { reserve(&c->in, hl + 4 + len - avail); break; }
    int op = h[0] & 0x0f;
    const uint8_t *mask = h + hl, *src = h + hl + 4;
    pos += hl + 4 + len;
    if (op == 0xA) continue; /* pong: nothing to do */
    reserve(&c->out, len + 10);
    uint8_t *o = c->out.p + c->out.len;
    o[0] = op == 0x9 ? (uint8_t)(0x80 | 0xA) : h[0]; /* ping -> pong; data keeps FIN + opcode */
    size_t ohl = 2;
    if (len < 126) o[1] = (uint8_t)len;
    else if (len < 65536) { o[1] = 126; o[2] = (uint8_t)(len >> 8); o[3] = (uint8_t)len; ohl = 4; }
    else { o[1] = 127; for (int i = 0; i < 8; i++) o[2 + i] = (uint8_t)(len >> (56 - 8 * i)); ohl = 10; }
    uint8_t *dst = o + ohl;
    /* Unmask while copying, 8 bytes at a time (mask bytes repeat every 4). */
    uint32_t m32;
    memcpy(&m32, mask, 4);
    uint64_t m64 = (uint64_t)m32 | (uint64_t)m32 << 32;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
      uint64_t v;
      memcpy(&v, src + i, 8);
      v ^= m64;
      memcpy(dst + i, &v, 8);
    }
    for (; i < len; i++) dst[i] = src[i] ^ mask[i & 3];
    c->out.len += ohl + len;
    if (op == 0x8) c->closing = 1; /* echo the close (its code included), then close TCP */
  }
  return (long)pos;
}

static void on_readable(client *c) {
  for (int reads = 0; reads < 16; reads++) {
    reserve(&c->in, 65536);
    size_t room = c->in.cap - c->in.len;
    ssize_t n = read(c->fd, c->in.p + c->in.len, room);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { drop(c); return; }
    if (n < 0) break;
    c->in.len += (size_t)n;
    if ((size_t)n < room) break; /* short read: the socket is drained */
  }
  long used = 0;
  if (!c->upgraded) {
    used = handshake(c);
    if (used < 0) { drop(c); return; }
    if (used == 0) return;
    c->upgraded = 1;
  }
  memmove(c->in.p, c->in.p + used, c->in.len - (size_t)used);
  c->in.len -= (size_t)used;
  long n = echo_frames(c);
  if (n < 0) { drop(c); return; }
  memmove(c->in.p, c->in.p + n, c->in.len - (size_t)n);
  c->in.len -= (size_t)n;
  flush_out(c); /* one write for everything this read produced */
}

int main(int argc, char **argv) {
  int port = 0;
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
  signal(SIGPIPE, SIG_IGN);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr); /* loopback only */
  socklen_t sl = sizeof sa;
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4096) < 0 ||
      getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
    perror("echo-server: listen");
    return 1;
  }
  printf("listening on ws://127.0.0.1:%d/\n", ntohs(sa.sin_port));
  fflush(stdout);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
  struct epoll_event evs[512];
  for (;;) { /* runs until killed: the harness owns its lifetime */
    int n = epoll_wait(epfd, evs, 512, -1);
    for (int i = 0; i < n; i++) {
      client *c = evs[i].data.ptr;
      if (!c) {
        for (int k = 0; k < 256; k++) { /* accept a bounded batch per wake-up */
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          client *nc = calloc(1, sizeof *nc);
          nc->fd = fd;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      if (c->polling_out) flush_out(c); /* reading resumes once the output is flushed */
      else on_readable(c);
    }
  }
}
