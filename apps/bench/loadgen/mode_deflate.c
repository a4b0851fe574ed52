/* What the modes send and check with --json (JSON payloads, compressed when permessage-deflate is
 * agreed; see pmd.h). The modes' logic (in flight, timing, acks, drain) stays in modes.c and
 * mode_conn.c; these are the hooks they call instead of their raw payloads.
 *
 * echo: connection c's message s is pool entry (131 c + s) mod N, sent from the pool's
 *   precompressed copy when our messages take no context over; its echo must equal that entry.
 * broadcast: message s is entry s mod N with "<seq><send time ns>" (hex) in its tag, compressed
 *   when sent; a receiver checks the tag's sequence (order, loss) and every byte around the tag.
 * idle: each connection sends one message and counts as open once its echo came back. */
#include "pmd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pool_n;

static int pool_index(const conn *c, uint64_t seq) {
  return (int)(((uint64_t)c->id * 131u + seq) % (uint64_t)pool_n);
}

void json_setup(void) {
  /* Distinct messages: 1024 up to 8 KiB each, fewer above (8 MiB in all, at least 16). */
  size_t n = (8u << 20) / cfg.size;
  pool_n = n > 1024 ? 1024 : n < 16 ? 16 : (int)n;
  json_pool_init(cfg.size, pool_n, 0x9e3779b9u);
}

void json_echo_send(conn *c, uint64_t seq) {
  int i = pool_index(c, seq);
  pmd_send(c, cfg.binary ? 0x2 : 0x1, json_msg(i), cfg.size, i);
}

int json_echo_ok(conn *c, uint64_t seq, const uint8_t *p) {
  return memcmp(p, json_msg(pool_index(c, seq)), cfg.size) == 0;
}

void json_bcast_send(conn *sender, uint64_t seq, uint64_t now) {
  static __thread uint8_t *m;
  if (!m) m = malloc(cfg.size);
  memcpy(m, json_msg((int)(seq % (uint64_t)pool_n)), cfg.size);
  char tag[JSON_TAG_LEN + 1];
  snprintf(tag, sizeof tag, "%016llx%016llx", (unsigned long long)seq, (unsigned long long)now);
  memcpy(m + JSON_TAG_AT, tag, JSON_TAG_LEN);
  pmd_send(sender, cfg.binary ? 0x2 : 0x1, m, cfg.size, -1); /* compressed as it is sent, like a client */
}

int json_bcast_ok(const uint8_t *p, uint64_t seq) {
  const uint8_t *m = json_msg((int)(seq % (uint64_t)pool_n));
  size_t after = JSON_TAG_AT + JSON_TAG_LEN;
  return memcmp(p, m, JSON_TAG_AT) == 0 && memcmp(p + after, m + after, cfg.size - after) == 0;
}

void json_idle_open(conn *c) {
  json_echo_send(c, 0);
  c->sent = 1;
}

void json_idle_on_message(conn *c, int op, const uint8_t *p, size_t len) {
  if (c->sent != 1 || c->recvd != 0) { c->w->other_msgs++; return; }
  if (op != (cfg.binary ? 0x2 : 0x1) || len != cfg.size || !json_echo_ok(c, 0, p)) {
    fail("idle: the echo on connection %d is not the message sent (opcode %d, %zu bytes)", c->id, op, len);
    return;
  }
  c->recvd = 1;
  c->w->opened++;
  atomic_fetch_add(&G.opened, 1);
}
