/* permessage-deflate (RFC 7692), client side, with zlib; see pmd.h for what and why.
 *
 * Contexts: with context takeover a connection owns its zlib streams (made on first use, as a
 * browser would). Without it, one compressor per window size and one inflater per thread serve
 * every connection, reset after each message. Our compressor is what a browser uses (Chromium:
 * level Z_DEFAULT_COMPRESSION, memLevel 8); the inflater always has a 15-bit window, which
 * decodes data compressed with any smaller one. */
#include "pmd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define MAX_PLAIN (64u << 20)       /* refuse to inflate past this (as for frames) */
#define POOL_LEVEL Z_DEFAULT_COMPRESSION
#define CACHE_BYTES (32u << 20)     /* per thread: inflated messages kept for reuse */

typedef struct pmd_conn {
  int client_takeover; /* we may keep our compression window: no client_no_context_takeover */
  int server_takeover; /* the server keeps its window: so must our inflater */
  int client_bits;     /* client_max_window_bits answered (15 when it was not) */
  z_stream *def, *inf; /* this connection's own contexts, with takeover only */
} pmd_conn;

/* ---- counters: one block per thread, summed at the end ---- */

typedef struct stats {
  uint64_t sent_msgs, sent_plain, sent_wire;
  uint64_t recv_msgs, recv_compressed, recv_plain, recv_wire, inflated, reused;
  struct stats *next;
} stats;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static stats *all_stats;
static __thread stats *my;
static atomic_int agreed, declined;
static char first_answer[256];
static pmd_conn first_params;

static stats *st(void) {
  if (my) return my;
  my = calloc(1, sizeof *my);
  pthread_mutex_lock(&lock);
  my->next = all_stats;
  all_stats = my;
  pthread_mutex_unlock(&lock);
  return my;
}

/* ---- buffers and zlib ---- */

static void reserve(buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra) cap *= 2;
  b->p = realloc(b->p, cap);
  if (!b->p) { fprintf(stderr, "loadgen: out of memory\n"); exit(3); }
  b->cap = cap;
}

static void zfatal(const char *what, int r) {
  fprintf(stderr, "loadgen: zlib %s failed (%d)\n", what, r);
  exit(3);
}

static z_stream *new_deflater(int bits) {
  z_stream *z = calloc(1, sizeof *z);
  /* zlib refuses a raw 8-bit window; with 9 it never emits a distance above 512 - 262 = 250,
   * so its output is valid for a peer that agreed to 8. */
  int r = deflateInit2(z, POOL_LEVEL, Z_DEFLATED, -(bits < 9 ? 9 : bits), 8, Z_DEFAULT_STRATEGY);
  if (r != Z_OK) zfatal("deflateInit2", r);
  return z;
}

static z_stream *new_inflater(void) {
  z_stream *z = calloc(1, sizeof *z);
  int r = inflateInit2(z, -15);
  if (r != Z_OK) zfatal("inflateInit2", r);
  return z;
}

/* Compresses one message with Z_SYNC_FLUSH into `out`; returns its length without the
 * 00 00 ff ff the flush ends with (RFC 7692 §7.2.1). */
static size_t compress_msg(z_stream *z, const uint8_t *in, size_t len, buf *out) {
  out->len = 0;
  z->next_in = (Bytef *)in;
  z->avail_in = (uInt)len;
  do {
    reserve(out, len / 2 + 64);
    z->next_out = out->p + out->len;
    z->avail_out = (uInt)(out->cap - out->len);
    int r = deflate(z, Z_SYNC_FLUSH);
    if (r != Z_OK && r != Z_BUF_ERROR) zfatal("deflate", r);
    out->len = out->cap - z->avail_out;
  } while (z->avail_out == 0 || z->avail_in > 0);
  if (out->len < 4 || memcmp(out->p + out->len - 4, "\0\0\xff\xff", 4) != 0) zfatal("sync flush", -1);
  return out->len - 4;
}

static const uint8_t TAIL[4] = {0x00, 0x00, 0xff, 0xff};

/* Inflates payload + 00 00 ff ff (§7.2.2) into `out`; NULL or zlib's complaint. */
static const char *inflate_msg(z_stream *z, const uint8_t *p, size_t len, buf *out, int *ended) {
  out->len = 0;
  *ended = 0;
  for (int part = 0; part < 2; part++) {
    z->next_in = (Bytef *)(part ? TAIL : p);
    z->avail_in = (uInt)(part ? sizeof TAIL : len);
    do {
      reserve(out, out->cap - out->len < 1024 ? (out->cap ? out->cap : 4096) : 0);
      z->next_out = out->p + out->len;
      z->avail_out = (uInt)(out->cap - out->len);
      int r = inflate(z, Z_SYNC_FLUSH);
      out->len = out->cap - z->avail_out;
      if (out->len > MAX_PLAIN) return "inflates to more than 64 MiB";
      if (r == Z_STREAM_END) { *ended = 1; return NULL; } /* BFINAL: the rest is ignored (§7.2.3.4) */
      if (r == Z_BUF_ERROR && z->avail_out > 0) break;     /* all input used */
      if (r != Z_OK && r != Z_BUF_ERROR) return z->msg ? z->msg : "invalid data";
    } while (z->avail_in > 0 || z->avail_out == 0);
  }
  return NULL;
}

/* ---- per thread: shared contexts, scratch, the pool's compressed forms ---- */

static __thread z_stream *shared_def[16]; /* no takeover, by window bits */
static __thread z_stream *shared_inf;
static __thread buf tx, rx;

static struct { uint8_t **z; size_t *len; atomic_int ready; } pool_z[16];

/* The pool's messages compressed alone with a `bits` window (built once, on first use). */
static void pooled(int bits, int i, const uint8_t **z, size_t *len) {
  if (!atomic_load_explicit(&pool_z[bits].ready, memory_order_acquire)) {
    pthread_mutex_lock(&lock);
    if (!atomic_load(&pool_z[bits].ready)) {
      int n = json_pool_count();
      z_stream *d = new_deflater(bits);
      buf b = {0};
      pool_z[bits].z = calloc((size_t)n, sizeof(uint8_t *));
      pool_z[bits].len = calloc((size_t)n, sizeof(size_t));
      for (int k = 0; k < n; k++) {
        size_t zl = compress_msg(d, json_msg(k), cfg.size, &b);
        deflateReset(d);
        pool_z[bits].z[k] = malloc(zl ? zl : 1);
        memcpy(pool_z[bits].z[k], b.p, zl);
        pool_z[bits].len[k] = zl;
      }
      deflateEnd(d);
      free(d);
      free(b.p);
      atomic_store_explicit(&pool_z[bits].ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(&lock);
  }
  *z = pool_z[bits].z[i];
  *len = pool_z[bits].len[i];
}

/* Inflated messages by their compressed bytes (see pmd.h): direct-mapped on a hash. */
typedef struct {
  uint64_t h;
  size_t zlen, plen, zcap, pcap;
  uint8_t *z, *plain;
} centry;
static __thread centry *cache;
static __thread size_t cache_mask;

static uint64_t hash(const uint8_t *p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n, v;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    memcpy(&v, p + i, 8);
    h = (h ^ v) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  for (; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h ^ (h >> 29);
}

static centry *cache_slot(uint64_t h) {
  if (!cache) {
    size_t slots = 64;
    while (slots < 4096 && slots * 2 * (cfg.size + cfg.size / 2 + 64) <= CACHE_BYTES) slots *= 2;
    cache = calloc(slots, sizeof *cache);
    cache_mask = slots - 1;
  }
  return &cache[h & cache_mask];
}

static void cache_store(centry *e, uint64_t h, const uint8_t *z, size_t zlen, const uint8_t *plain, size_t plen) {
  if (e->zcap < zlen) e->z = realloc(e->z, e->zcap = zlen);
  if (e->pcap < plen) e->plain = realloc(e->plain, e->pcap = plen);
  memcpy(e->z, z, zlen);
  memcpy(e->plain, plain, plen);
  e->h = h;
  e->zlen = zlen;
  e->plen = plen;
}

/* ---- the handshake ---- */

size_t pmd_offer(uint8_t *req, size_t len) {
  static const char offer[] = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
  memcpy(req + len - 2, offer, sizeof offer - 1); /* replaces the blank line that ends the head */
  return len - 2 + sizeof offer - 1;
}

static int window_bits(const char *v) {
  if (!v) return -1;
  char *end;
  long n = strtol(v, &end, 10);
  return *end == 0 && end != v && n >= 8 && n <= 15 ? (int)n : -1;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
  return s;
}

/* Checks one answered element (RFC 7692 §7.1); NULL or why it is not acceptable. */
static const char *parse_answer(char *ext, pmd_conn *d) {
  char *save, *name = trim(strtok_r(ext, ";", &save));
  if (strcasecmp(name, "permessage-deflate") != 0) return "answered with an extension we did not offer";
  int seen[4] = {0};
  for (char *param = strtok_r(NULL, ";", &save); param; param = strtok_r(NULL, ";", &save)) {
    char *value = strchr(param, '=');
    if (value) {
      *value++ = 0;
      value = trim(value);
      size_t vl = strlen(value);
      if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') { value[vl - 1] = 0; value++; } /* quoted-string */
    }
    param = trim(param);
    int k = !strcasecmp(param, "server_no_context_takeover") ? 0 : !strcasecmp(param, "client_no_context_takeover") ? 1
          : !strcasecmp(param, "server_max_window_bits") ? 2 : !strcasecmp(param, "client_max_window_bits") ? 3 : -1;
    if (k < 0) return "answered permessage-deflate with an unknown parameter";
    if (seen[k]++) return "answered permessage-deflate with a parameter twice";
    if (k < 2 && value) return "answered a context-takeover parameter with a value";
    if (k == 0) d->server_takeover = 0;
    if (k == 1) d->client_takeover = 0;
    if (k >= 2 && window_bits(value) < 0) return "answered a window-bits parameter without a value in 8..15";
    if (k == 3) d->client_bits = window_bits(value); /* our offer allowed it (§7.1.2.2) */
  }
  return NULL;
}

int pmd_accept(conn *c, const char *head) {
  char exts[1024] = "";
  size_t n = 0;
  for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, "Sec-WebSocket-Extensions:", 25) != 0) continue;
    const char *v = line + 27, *eol = strstr(v, "\r\n");
    size_t vl = eol ? (size_t)(eol - v) : strlen(v);
    if (n + vl + 2 >= sizeof exts) { conn_drop(c, "answered with an oversized Sec-WebSocket-Extensions"); return -1; }
    n += (size_t)snprintf(exts + n, sizeof exts - n, "%s%.*s", n ? "," : "", (int)vl, v);
  }
  char *answer = trim(exts);
  if (!*answer) { /* declined: the connection stays uncompressed */
    atomic_fetch_add(&declined, 1);
    return 0;
  }
  char copy[1024];
  snprintf(copy, sizeof copy, "%s", answer);
  pmd_conn d = {.client_takeover = 1, .server_takeover = 1, .client_bits = 15};
  char *save, *ext = strtok_r(copy, ",", &save);
  const char *why = parse_answer(ext, &d);
  if (!why && strtok_r(NULL, ",", &save)) why = "answered with more than the one extension offered";
  if (why) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s: \"%.100s\"", why, answer);
    conn_drop(c, msg);
    return -1;
  }
  c->pmd = malloc(sizeof d);
  *c->pmd = d;
  if (atomic_fetch_add(&agreed, 1) == 0) {
    pthread_mutex_lock(&lock);
    snprintf(first_answer, sizeof first_answer, "%s", answer);
    first_params = d;
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

/* ---- messages ---- */

void pmd_send(conn *c, int op, const uint8_t *plain, size_t len, int pool) {
  stats *s = st();
  s->sent_msgs++;
  s->sent_plain += len;
  pmd_conn *d = c->pmd;
  if (!d) {
    conn_send(c, op, plain, len);
    s->sent_wire += len;
    return;
  }
  const uint8_t *z;
  size_t zlen;
  if (!d->client_takeover && pool >= 0) pooled(d->client_bits, pool, &z, &zlen);
  else {
    z_stream *ctx = d->client_takeover ? (d->def ? d->def : (d->def = new_deflater(d->client_bits)))
                                       : (shared_def[d->client_bits] ? shared_def[d->client_bits]
                                                                     : (shared_def[d->client_bits] = new_deflater(d->client_bits)));
    zlen = compress_msg(ctx, plain, len, &tx);
    if (!d->client_takeover) deflateReset(ctx);
    z = tx.p;
  }
  uint8_t *p = conn_frame_begin(c, 0x40 | op, zlen); /* RSV1: this message is compressed (§6) */
  memcpy(p, z, zlen);
  conn_frame_end(c, p, zlen);
  s->sent_wire += zlen;
}

void pmd_message(conn *c, int op, int compressed, const uint8_t *p, size_t len) {
  stats *s = st();
  s->recv_msgs++;
  s->recv_wire += len;
  if (!compressed) {
    s->recv_plain += len;
    mode_on_message(c, op, p, len);
    return;
  }
  s->recv_compressed++;
  pmd_conn *d = c->pmd;
  int reuse = !d->server_takeover && !cfg.inflate_all;
  uint64_t h = 0;
  centry *e = NULL;
  if (reuse) {
    h = hash(p, len);
    e = cache_slot(h);
    if (e->h == h && e->zlen == len && e->plain && memcmp(e->z, p, len) == 0) {
      s->reused++;
      s->recv_plain += e->plen;
      mode_on_message(c, op, e->plain, e->plen);
      return;
    }
  }
  z_stream *z = d->server_takeover ? (d->inf ? d->inf : (d->inf = new_inflater()))
                                   : (shared_inf ? shared_inf : (shared_inf = new_inflater()));
  int ended;
  const char *why = inflate_msg(z, p, len, &rx, &ended);
  if (why) {
    char msg[128];
    snprintf(msg, sizeof msg, "sent a compressed message that does not inflate: %s", why);
    conn_drop(c, msg);
    return;
  }
  if (!d->server_takeover) inflateReset(z);
  else if (ended) { /* the stream ended (BFINAL): a fresh one, primed with the window */
    uint8_t dict[32768];
    uInt dl = sizeof dict;
    inflateGetDictionary(z, dict, &dl);
    inflateReset(z);
    inflateSetDictionary(z, dict, dl);
  }
  s->inflated++;
  s->recv_plain += rx.len;
  if (reuse) cache_store(e, h, p, len, rx.p, rx.len);
  mode_on_message(c, op, rx.p, rx.len);
}

/* ---- results ---- */

static double ratio(uint64_t plain, uint64_t wire) { return wire ? (double)plain / (double)wire : 0; }

void pmd_print_json(void) {
  stats t = {0};
  for (stats *s = all_stats; s; s = s->next) {
    t.sent_msgs += s->sent_msgs; t.sent_plain += s->sent_plain; t.sent_wire += s->sent_wire;
    t.recv_msgs += s->recv_msgs; t.recv_compressed += s->recv_compressed; t.recv_plain += s->recv_plain;
    t.recv_wire += s->recv_wire; t.inflated += s->inflated; t.reused += s->reused;
  }
  int ok = atomic_load(&agreed);
  printf(",\"deflate\":{\"offered\":%s,\"agreed\":%d,\"declined\":%d,\"answer\":\"", cfg.deflate ? "true" : "false",
         ok, atomic_load(&declined));
  for (const char *q = first_answer; *q; q++) {
    if (*q == '"' || *q == '\\') putchar('\\');
    putchar(*q >= 0x20 ? *q : ' ');
  }
  printf("\"");
  if (ok)
    printf(",\"client_takeover\":%s,\"server_takeover\":%s,\"client_max_window_bits\":%d",
           first_params.client_takeover ? "true" : "false", first_params.server_takeover ? "true" : "false",
           first_params.client_bits);
  printf(",\"sent\":{\"messages\":%llu,\"plain_bytes\":%llu,\"wire_bytes\":%llu,\"ratio\":%.3f}"
         ",\"received\":{\"messages\":%llu,\"compressed\":%llu,\"plain_bytes\":%llu,\"wire_bytes\":%llu,"
         "\"ratio\":%.3f,\"inflated\":%llu,\"reused\":%llu}}",
         (unsigned long long)t.sent_msgs, (unsigned long long)t.sent_plain, (unsigned long long)t.sent_wire,
         ratio(t.sent_plain, t.sent_wire), (unsigned long long)t.recv_msgs, (unsigned long long)t.recv_compressed,
         (unsigned long long)t.recv_plain, (unsigned long long)t.recv_wire, ratio(t.recv_plain, t.recv_wire),
         (unsigned long long)t.inflated, (unsigned long long)t.reused);
  fprintf(stderr, "loadgen deflate: %d agreed (%s), %d declined; sent %.2fx, received %.2fx (%llu of %llu inflated, %llu reused)\n",
          ok, first_answer[0] ? first_answer : "-", atomic_load(&declined), ratio(t.sent_plain, t.sent_wire),
          ratio(t.recv_plain, t.recv_wire), (unsigned long long)t.inflated, (unsigned long long)t.recv_compressed,
          (unsigned long long)t.reused);
}
