/* Connect mode (handshakes/s: upgrade, then a clean close, in a loop per slot) and idle mode
 * (open C connections, hold them, close them), for connection cost and memory per connection. */
#include "loadgen.h"

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
