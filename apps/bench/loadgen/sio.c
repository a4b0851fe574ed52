/* socket.io client layer (socket.io protocol v5 over engine.io protocol v4, WebSocket transport
 * only: GET /socket.io/?EIO=4&transport=websocket, one engine.io packet per text frame).
 * The session: the server's open packet 0{...} -> we send 40 (CONNECT to the main namespace) ->
 * the server's 40{"sid":...} makes the connection count as open. Engine.io v4 heartbeats come
 * from the server: ping 2 -> pong 3. An event is 42["m","<payload>"]. */
#include "loadgen.h"
#include <string.h>

#define PREFIX_LEN (sizeof SIO_PREFIX - 1)
#define SUFFIX_LEN (sizeof SIO_SUFFIX - 1)

static void sio_send_text(conn *c, const char *s) { conn_send(c, 0x1, (const uint8_t *)s, strlen(s)); }

/* A short printable copy of a packet for an error message. */
static const char *excerpt(const uint8_t *p, size_t len) {
  static __thread char out[64];
  size_t n = len < sizeof out - 1 ? len : sizeof out - 1;
  for (size_t i = 0; i < n; i++) out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
  out[n] = 0;
  return out;
}

int sio_unwrap(conn *c, int op, const uint8_t **pp, size_t *lenp) {
  const uint8_t *p = *pp;
  size_t len = *lenp;
  if (op != 0x1 || len == 0) {
    fail("socket.io: connection %d got a %s frame of %zu bytes, not an engine.io text packet", c->id,
         op == 0x2 ? "binary" : "text", len);
    return 0;
  }
  switch (p[0]) {
    case '0': /* open: {"sid":..,"pingInterval":..}; join the main namespace */
      if (c->sio != 0) { fail("socket.io: connection %d got a second open packet", c->id); return 0; }
      c->sio = 1;
      sio_send_text(c, "40");
      return 0;
    case '2': /* ping (optionally with data, echoed back) */
      c->w->pings++;
      if (len == 1) sio_send_text(c, "3");
      else {
        uint8_t *q = conn_frame_begin(c, 0x1, len);
        memcpy(q, p, len);
        q[0] = '3';
        conn_frame_end(c, q, len);
      }
      return 0;
    case '6': return 0; /* noop */
    case '1':
      fail("socket.io: connection %d got engine.io close", c->id);
      return 0;
    case '4': break;
    default:
      fail("socket.io: connection %d got an unknown engine.io packet \"%s\"", c->id, excerpt(p, len));
      return 0;
  }
  /* engine.io message: a socket.io packet */
  if (len >= 2 && p[1] == '0') { /* CONNECT ack: 40{"sid":...} */
    if (c->sio != 1) { fail("socket.io: connection %d got an unexpected CONNECT", c->id); return 0; }
    c->sio = 2;
    mode_opened(c);
    return 0;
  }
  if (len >= 2 && (p[1] == '1' || p[1] == '4')) {
    fail("socket.io: connection %d %s: \"%s\"", c->id, p[1] == '1' ? "disconnected by the server" : "refused",
         excerpt(p, len));
    return 0;
  }
  if (c->sio == 2 && len >= PREFIX_LEN + SUFFIX_LEN && memcmp(p, SIO_PREFIX, PREFIX_LEN) == 0 &&
      memcmp(p + len - SUFFIX_LEN, SIO_SUFFIX, SUFFIX_LEN) == 0) {
    *pp = p + PREFIX_LEN;
    *lenp = len - PREFIX_LEN - SUFFIX_LEN;
    return 1;
  }
  c->w->other_msgs++; /* another event, an ack: not ours */
  return 0;
}

uint8_t *sio_frame_begin(conn *c, size_t len) {
  uint8_t *p = conn_frame_begin(c, 0x1, len + SIO_OVERHEAD);
  memcpy(p, SIO_PREFIX, PREFIX_LEN);
  return p + PREFIX_LEN;
}

void sio_frame_end(conn *c, uint8_t *payload, size_t len) {
  memcpy(payload + len, SIO_SUFFIX, SUFFIX_LEN);
  conn_frame_end(c, payload - PREFIX_LEN, len + SIO_OVERHEAD);
}
