/* Connect mode (handshakes/s: upgrade, then a clean close, in a loop per slot) and idle mode
 * (open C connections, hold them, close them), for connection cost and memory per connection. */
#include "loadgen.h"
#include <string.h>

extern uint8_t *payload_template; /* modes.c */

static inline int in_window(uint64_t t) {
  return t >= atomic_load_explicit(&G.measure_ns, memory_order_relaxed) &&
         t < atomic_load_explicit(&G.end_ns, memory_order_relaxed);
}

void connect_on_open(conn *c) {
  uint64_t now = now_ns();
  if (in_window(now)) hist_record(&c->w->lat, now - c->t_begin); /* handshake time */
  conn_close_start(c);
}

void connect_on_closed(conn *c) {
  /* A full cycle (connect, upgrade, close handshake, TCP close) done inside the window. */
  if (in_window(now_ns())) c->w->msgs++;
}

void connect_worker(worker *w) {
  if (wait_start(w) < 0) return;
  uint64_t end = atomic_load(&G.end_ns);
  for (int i = 0; i < w->n; i++) conn_start(&w->conns[i]);
  while (!failed() && now_ns() < end) {
    worker_poll(w, 5);
    /* Restart finished slots here, not inside the close callback, where the old
     * connection's read loop is still on the stack. */
    for (int i = 0; i < w->n && !failed(); i++)
      if (w->conns[i].state == CS_DONE) {
        conn_reset(&w->conns[i]);
        conn_start(&w->conns[i]);
      }
  }
  /* Let the cycles in progress finish; bounded. */
  uint64_t deadline = now_ns() + 3000000000ull;
  int busy;
  do {
    busy = 0;
    for (int i = 0; i < w->n; i++) busy += w->conns[i].state != CS_DONE;
    if (busy) worker_poll(w, 5);
  } while (busy && !failed() && now_ns() < deadline);
  if (!failed()) close_all(w, 1); /* whatever is still open did not finish in time */
}

void idle_worker(worker *w) {
  if (open_connections(w) < 0 || wait_start(w) < 0) return;
  uint64_t end = atomic_load(&G.end_ns);
  while (!failed() && now_ns() < end) worker_poll(w, 50); /* answers pings, notices drops */
  if (!failed()) close_all(w, 5.0 + w->n / 1000.0); /* thousands of closes at once take a while */
}

/* Storm mode: every connection connects at once (no cap on pending connects: the server's
 * accept backlog takes what it can, as after a deploy or a network blip), sends one message when
 * its handshake completes and counts as done when the echo arrives. Handshake time (connect() to
 * the 101) goes into the histogram; the time from the first connect() to the last echo is the
 * storm's duration (storm_ms). */
void storm_on_open(conn *c) {
  hist_record(&c->w->lat, now_ns() - c->t_begin);
  conn_send(c, cfg.binary ? 0x2 : 0x1, payload_template, cfg.size);
  c->sent = 1;
}

void storm_on_message(conn *c, int op, const uint8_t *p, size_t len) {
  if (c->sent != 1 || c->recvd != 0) { c->w->other_msgs++; return; }
  if (op != (cfg.binary ? 0x2 : 0x1) || len != cfg.size || memcmp(p, payload_template, len) != 0) {
    fail("storm: the echo on connection %d is not the message sent (opcode %d, %zu bytes)", c->id, op, len);
    return;
  }
  c->recvd = 1;
  c->w->msgs++;
  c->w->storm_last_ns = now_ns();
  mode_opened(c);
}

void storm_worker(worker *w) {
  for (int i = 0; i < w->n; i++) conn_start(&w->conns[i]);
  while (!failed() && w->opened < w->n && !atomic_load(&G.start_ns)) worker_poll(w, 5);
  if (wait_start(w) < 0) return;
  uint64_t end = atomic_load(&G.end_ns);
  while (!failed() && now_ns() < end) worker_poll(w, 50);
  if (!failed()) close_all(w, 5.0 + w->n / 1000.0);
}
