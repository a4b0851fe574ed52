/* Echo and broadcast modes, and the dispatch of connection events to the current mode.
 * Connect and idle modes are in mode_conn.c. */
#include "loadgen.h"
#include "pmd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void connect_on_open(conn *c);
void connect_on_closed(conn *c);
void connect_worker(worker *w);
void idle_worker(worker *w);
void storm_worker(worker *w);
void storm_on_open(conn *c);
void storm_on_message(conn *c, int op, const uint8_t *p, size_t len);

uint8_t *payload_template; /* filler bytes every echo payload carries after its tag */
#define ECHO_TAG 24               /* "%08x%016llx": connection id, sequence number */

static void rtt_log_add(worker *w, uint64_t at, uint64_t rtt, int id);

static inline int in_window(uint64_t t) {
  return t >= atomic_load_explicit(&G.measure_ns, memory_order_relaxed) &&
         t < atomic_load_explicit(&G.end_ns, memory_order_relaxed);
}

/* ---- echo: D messages in flight per connection, each echoed payload verified ---- */

static void echo_tag(char tag[ECHO_TAG + 1], const conn *c, uint64_t seq) {
  snprintf(tag, ECHO_TAG + 1, "%08x%016llx", (unsigned)c->id, (unsigned long long)seq);
}

/* Sends the message as cfg.fragments frames: first with the opcode, then continuations. */
static void echo_send_fragmented(conn *c, const char *tag, size_t tl) {
  static __thread uint8_t *scratch;
  if (!scratch) scratch = malloc(cfg.size + 1);
  memcpy(scratch, payload_template, cfg.size);
  memcpy(scratch, tag, tl);
  size_t part = cfg.size / (size_t)cfg.fragments, off = 0;
  for (int i = 0; i < cfg.fragments; i++) {
    size_t len = i == cfg.fragments - 1 ? cfg.size - off : part;
    conn_send_fragment(c, i == cfg.fragments - 1, i == 0 ? (cfg.binary ? 0x2 : 0x1) : 0x0, scratch + off, len);
    off += len;
  }
}

static void echo_send(conn *c, uint64_t now) {
  char tag[ECHO_TAG + 1];
  size_t n = cfg.size, tl = n < ECHO_TAG ? n : ECHO_TAG;
  echo_tag(tag, c, c->sent);
  if (cfg.json) json_echo_send(c, c->sent); /* mode_deflate.c */
  else if (cfg.fragments > 1) echo_send_fragmented(c, tag, tl);
  else { /* the fast path: build the payload straight into the output buffer */
    uint8_t *p = conn_frame_begin(c, cfg.binary ? 0x2 : 0x1, n);
    memcpy(p, payload_template, n);
    memcpy(p, tag, tl);
    conn_frame_end(c, p, n);
  }
  c->sent_at[c->sent % (uint64_t)cfg.depth] = now;
  c->sent++;
  c->w->inflight++;
}

static void echo_on_message(conn *c, int op, const uint8_t *p, size_t len) {
  uint64_t now = now_ns();
  char tag[ECHO_TAG + 1];
  size_t tl = cfg.size < ECHO_TAG ? cfg.size : ECHO_TAG;
  echo_tag(tag, c, c->recvd);
  if (c->recvd >= c->sent) { c->w->other_msgs++; return; } /* nothing of ours is outstanding */
  if (op != (cfg.binary ? 0x2 : 0x1) || len != cfg.size || (cfg.json ? !json_echo_ok(c, c->recvd, p) : memcmp(p, tag, tl) != 0 ||
      (len > tl && memcmp(p + tl, payload_template + tl, len - tl) != 0))) {
    fail("echo mismatch on connection %d: expected message %llu (%s, %zu bytes), got opcode %d, %zu bytes",
         c->id, (unsigned long long)c->recvd, cfg.binary ? "binary" : "text", cfg.size, op, len);
    return;
  }
  uint64_t rtt = now - c->sent_at[c->recvd % (uint64_t)cfg.depth];
  c->recvd++;
  c->w->inflight--;
  if (in_window(now)) {
    hist_record(&c->w->lat, rtt);
    c->w->msgs++;
    c->w->bytes += len;
    if (cfg.rtt_log) rtt_log_add(c->w, now, rtt, c->id);
  }
  if (now >= atomic_load_explicit(&G.end_ns, memory_order_relaxed)) return;
  if (cfg.pause_ns) c->due_ns = now + cfg.pause_ns; /* sent by echo_send_due after the pause */
  else echo_send(c, now);
}

static void rtt_log_add(worker *w, uint64_t at, uint64_t rtt, int id) {
  if (w->rtt_n + 3 > w->rtt_cap) {
    w->rtt_cap = w->rtt_cap ? w->rtt_cap * 2 : 3 * 4096;
    w->rtt_log = realloc(w->rtt_log, w->rtt_cap * sizeof(uint64_t));
    if (!w->rtt_log) { fail("out of memory for the --rtt-log samples"); return; }
  }
  w->rtt_log[w->rtt_n++] = at;
  w->rtt_log[w->rtt_n++] = rtt;
  w->rtt_log[w->rtt_n++] = (uint64_t)id;
}

/* --pause-us: the connections whose pause after their last echo is over send their next message. */
static void echo_send_due(worker *w) {
  uint64_t now = now_ns();
  for (int i = 0; i < w->n; i++) {
    conn *c = &w->conns[i];
    if (!c->due_ns || c->due_ns > now) continue;
    c->due_ns = 0;
    if (now >= atomic_load_explicit(&G.end_ns, memory_order_relaxed)) continue;
    echo_send(c, now);
    conn_flush(c);
  }
}

static void echo_worker(worker *w) {
  for (int i = 0; i < w->n; i++) w->conns[i].sent_at = calloc((size_t)cfg.depth, sizeof(uint64_t));
  if (open_connections(w) < 0 || wait_start(w) < 0) return;
  uint64_t now = now_ns();
  for (int i = 0; i < w->n; i++) {
    for (int d = 0; d < cfg.depth; d++) echo_send(&w->conns[i], now);
    conn_flush(&w->conns[i]);
  }
  /* end_ns is read on every turn: a stop signal moves it (loadgen.c). */
  while (!failed() && now_ns() < atomic_load(&G.end_ns)) {
    worker_poll(w, cfg.pause_ns ? 1 : 5);
    if (cfg.pause_ns) echo_send_due(w);
  }
  /* Let the last echoes come back, so the close is clean; bounded. */
  uint64_t deadline = now_ns() + 5000000000ull;
  while (!failed() && w->inflight && now_ns() < deadline) worker_poll(w, 5);
  if (!failed() && w->inflight)
    fail("%llu echoes still missing 5 s after the end of the run", (unsigned long long)w->inflight);
  if (!failed()) close_all(w, 3);
}

/* ---- broadcast: one sender, cfg.conns receivers; the server sends to all but the source ---- */

static uint64_t bc_sent, bc_acked, bc_last_progress; /* sender side, only touched by worker 0 */

/* The sender's tag: "%016llx%016llx" sequence, send time (ns); valid as text and as binary. */
static void bcast_pump(worker *w, uint64_t now) {
  conn *s = &w->conns[0];
  uint32_t receivers = (uint32_t)cfg.conns;
  while (bc_acked < bc_sent && atomic_load_explicit(&G.ack_ring[bc_acked & G.ack_mask], memory_order_acquire) == receivers) {
    atomic_store_explicit(&G.ack_ring[bc_acked & G.ack_mask], 0, memory_order_relaxed);
    bc_acked++;
    bc_last_progress = now;
  }
  if (bc_acked == bc_sent) bc_last_progress = now;
  else if (now - bc_last_progress > 5000000000ull) {
    fail("broadcast stalled: for 5 s no message reached all %d receivers (sent %llu, delivered to all %llu)",
         cfg.conns, (unsigned long long)bc_sent, (unsigned long long)bc_acked);
    return;
  }
  if (now >= atomic_load(&G.end_ns) || s->state != CS_OPEN) return;
  uint64_t limit;
  if (cfg.rate > 0) {
    limit = (uint64_t)((double)(now - atomic_load(&G.start_ns)) * cfg.rate / 1e9) + 1;
    if (bc_sent - bc_acked > G.ack_mask) {
      fail("broadcast: the server is more than %llu messages behind the %.0f/s rate",
           (unsigned long long)G.ack_mask, cfg.rate);
      return;
    }
  } else limit = bc_acked + (uint64_t)cfg.inflight;
  int batch = 0;
  while (bc_sent < limit && batch++ < 1024) {
    if (cfg.json) { json_bcast_send(s, bc_sent++, now_ns()); continue; } /* mode_deflate.c */
    uint8_t *p = cfg.socketio ? sio_frame_begin(s, cfg.size) : conn_frame_begin(s, cfg.binary ? 0x2 : 0x1, cfg.size);
    memset(p, 'x', cfg.size);
    char tag[33];
    snprintf(tag, sizeof tag, "%016llx%016llx", (unsigned long long)bc_sent, (unsigned long long)now_ns());
    memcpy(p, tag, 32);
    if (cfg.socketio) sio_frame_end(s, p, cfg.size);
    else conn_frame_end(s, p, cfg.size);
    bc_sent++;
  }
  atomic_store(&G.bcast_sent, bc_sent);
  conn_flush(s);
}

static int hexval(const uint8_t *p, int n, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) {
    uint8_t ch = p[i];
    int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
    if (d < 0) return -1;
    v = v << 4 | (uint64_t)d;
  }
  *out = v;
  return 0;
}

static void bcast_on_message(conn *c, int op, const uint8_t *p, size_t len) {
  uint64_t now = now_ns(), seq, sent_ns;
  worker *w = c->w;
  if (c->is_sender) { w->sender_received++; return; } /* broadcast-except-source: unexpected */
  const uint8_t *t = p + (cfg.json ? JSON_TAG_AT : 0);
  if (len != cfg.size || op != (cfg.binary ? 0x2 : 0x1) || hexval(t, 16, &seq) || hexval(t + 16, 16, &sent_ns)) {
    w->other_msgs++; /* e.g. a chat server's join notice: not ours, not counted */
    return;
  }
  if (seq < c->next_seq) {
    fail("broadcast: receiver %d got message %llu after %llu (duplicate or reordered)", c->id,
         (unsigned long long)seq, (unsigned long long)c->next_seq - 1);
    return;
  }
  if (cfg.json && !json_bcast_ok(p, seq)) {
    fail("broadcast: receiver %d got message %llu with a body that is not the one sent", c->id, (unsigned long long)seq);
    return;
  }
  w->missed += seq - c->next_seq;
  c->next_seq = seq + 1;
  if (in_window(now)) {
    hist_record(&w->lat, now - sent_ns);
    w->msgs++;
    w->bytes += len;
    if (cfg.port2 && c->port == cfg.port2) { /* the same again for the port2 receivers alone */
      hist_record(&w->lat2, now - sent_ns);
      w->msgs2++;
      w->bytes2 += len;
    }
  }
  /* This receiver now has recvd+1 messages: count it in that slot; the last one in wakes the sender. */
  uint64_t k = c->recvd++;
  uint32_t before = atomic_fetch_add_explicit(&G.ack_ring[k & G.ack_mask], 1, memory_order_acq_rel);
  if (before + 1 == (uint32_t)cfg.conns && w->idx != G.sender_worker) {
    uint64_t one = 1;
    if (write(workers[G.sender_worker].wake_fd, &one, sizeof one) < 0) { /* already signalled */ }
  }
}

static void bcast_worker(worker *w) {
  int sender = w->idx == G.sender_worker;
  if (sender) w->conns[0].is_sender = 1;
  if (open_connections(w) < 0 || wait_start(w) < 0) return;
  uint64_t end = atomic_load(&G.end_ns), now;
  while (!failed() && (now = now_ns()) < end) {
    if (sender) bcast_pump(w, now);
    worker_poll(w, sender && cfg.rate > 0 ? 1 : 5);
  }
  if (sender) {
    bcast_pump(w, now_ns()); /* acks only: past the end nothing more is sent */
    atomic_store(&G.sender_done, 1);
  }
  /* Drain: every receiver must get every message sent; bounded. */
  uint64_t deadline = now_ns() + 5000000000ull;
  int behind;
  do {
    behind = 0;
    uint64_t total = atomic_load(&G.bcast_sent);
    for (int i = 0; i < w->n; i++)
      if (!w->conns[i].is_sender && w->conns[i].next_seq < total) behind++;
    behind += !atomic_load(&G.sender_done);
    if (behind) worker_poll(w, 5);
  } while (behind && !failed() && now_ns() < deadline);
  if (!failed() && behind)
    fail("broadcast: %d receivers still missing messages 5 s after the end", behind);
  if (!failed()) close_all(w, 3);
}

/* ---- dispatch ---- */

void mode_opened(conn *c) {
  c->w->opened++;
  atomic_fetch_add(&G.opened, 1);
  if (cfg.mode == MODE_CONNECT) connect_on_open(c);
}

/* The WebSocket handshake is done; a socket.io connection opens later (sio.c). */
void mode_on_open(conn *c) {
  if (cfg.socketio) return;
  if (cfg.mode == MODE_IDLE && cfg.json) json_idle_open(c); /* open once echoed (mode_deflate.c) */
  else if (cfg.mode == MODE_STORM) storm_on_open(c);        /* open once echoed (mode_conn.c) */
  else mode_opened(c);
}

void mode_on_message(conn *c, int op, const uint8_t *p, size_t len) {
  if (cfg.socketio && !sio_unwrap(c, op, &p, &len)) return;
  if (cfg.mode == MODE_ECHO) echo_on_message(c, op, p, len);
  else if (cfg.mode == MODE_BROADCAST) bcast_on_message(c, op, p, len);
  else if (cfg.mode == MODE_IDLE && cfg.json) json_idle_on_message(c, op, p, len);
  else if (cfg.mode == MODE_STORM) storm_on_message(c, op, p, len);
  else c->w->other_msgs++;
}

void mode_on_closed(conn *c) {
  c->w->closed++;
  if (cfg.mode == MODE_CONNECT) connect_on_closed(c);
}

void *mode_worker(void *arg) {
  worker *w = arg;
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  void setup(void);
  pthread_once(&once, setup);
  switch (cfg.mode) {
    case MODE_ECHO: echo_worker(w); break;
    case MODE_BROADCAST: bcast_worker(w); break;
    case MODE_CONNECT: connect_worker(w); break;
    case MODE_IDLE: idle_worker(w); break;
    case MODE_STORM: storm_worker(w); break;
  }
  return NULL;
}

/* Shared data of the modes, made once before any worker runs. */
void setup(void) {
  payload_template = malloc(cfg.size + 1);
  for (size_t i = 0; i < cfg.size; i++)  /* text: letters; binary: every byte value */
    payload_template[i] = cfg.binary ? (uint8_t)(i * 167 + 13) : (uint8_t)('a' + i % 26);
  if (cfg.json) json_setup();
  if (cfg.mode == MODE_BROADCAST) {
    uint64_t ring = 1;
    uint64_t need = cfg.rate > 0 ? (1u << 20) : 2 * (uint64_t)cfg.inflight + 16;
    while (ring < need) ring <<= 1;
    G.ack_ring = calloc(ring, sizeof *G.ack_ring);
    G.ack_mask = ring - 1;
    G.sender_worker = 0;
  }
}
