/* JSON payloads that compress like real ones: batches of chat messages or order-book updates
 * (random ids, prices, timestamps, short texts), the shapes of packages/server/bench/deflate/
 * corpus.mjs, from a fixed seed. Each message is exactly the requested size: events are added
 * while they fit, and a last "note" of random words fills the rest. At 1 KiB they compress about
 * 2.2x at zlib level 1 without context takeover, not 50x like a repeated letter.
 *
 * Layout: {"tag":"<32 hex>","type":"batch","kind":"chat","events":[...],"note":"..."}
 * The tag (JSON_TAG_AT, JSON_TAG_LEN) is where broadcast writes its sequence number and send
 * time; in the pool it holds the message's index. */
#include "pmd.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t **pool;
static int pool_n;
static uint32_t seed;

static uint32_t rnd(void) { /* xorshift32, as corpus.mjs */
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}
static double frac(void) { return rnd() / 4294967296.0; }
static int below(int n) { return (int)(frac() * n); }

static const char *words[] = {
    "the", "a", "to", "of", "and", "in", "is", "it", "you", "that", "for", "on", "with", "as", "are", "this",
    "be", "at", "or", "have", "from", "but", "not", "by", "deploy", "build", "test", "merge", "review", "ship",
    "price", "order", "book", "trade", "market", "limit", "stop", "fill", "cancel", "chart", "hello", "thanks",
    "sure", "tomorrow", "meeting", "lunch", "coffee", "great", "idea", "done", "issue", "ticket", "release",
    "staging"};
static const char *names[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
                              "mallory", "oscar"};
static const char *rooms[] = {"general", "random", "dev", "trading", "support"};
static const char *symbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT"};
#define PICK(a) (a[below((int)(sizeof a / sizeof a[0]))])

typedef struct { char *p; size_t len, cap; } sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if ((size_t)n < b->cap - b->len) { b->len += (size_t)n; return; }
    b->cap = b->cap * 2 + (size_t)n;
    b->p = realloc(b->p, b->cap);
  }
}

static void hex(sbuf *b, int n) {
  for (int i = 0; i < n; i++) put(b, "%c", "0123456789abcdef"[below(16)]);
}

static uint64_t ts = 1764780000000ull;

static void chat_event(sbuf *b) {
  put(b, "{\"type\":\"message\",\"room\":\"%s\",\"id\":\"msg_", PICK(rooms));
  hex(b, 16);
  put(b, "\",\"user\":{\"id\":%d,\"name\":\"%s\",\"avatar\":\"https://cdn.example.com/u/", below(100000), PICK(names));
  hex(b, 8);
  put(b, ".png\"},\"text\":\"");
  int n = 4 + below(20);
  for (int i = 0; i < n; i++) put(b, "%s%s", i ? " " : "", PICK(words));
  ts += (uint64_t)below(5000);
  put(b, "\",\"ts\":%llu,\"edited\":%s,\"reactions\":[", (unsigned long long)ts, frac() < 0.1 ? "true" : "false");
  if (frac() < 0.3) put(b, "{\"emoji\":\"+1\",\"count\":%d}", 1 + below(5));
  put(b, "]}");
}

static void levels(sbuf *b, double p) {
  int n = 3 + below(5);
  put(b, "[");
  for (int i = 0; i < n; i++) {
    double px = p * (1 + (frac() - 0.5) / 100);
    put(b, "%s[\"%.2f\",\"%.4f\"]", i ? "," : "", px, frac() * 5);
  }
  put(b, "]");
}

static void trade_event(sbuf *b) {
  double p = 1000 + frac() * 60000;
  ts += (uint64_t)below(100);
  put(b, "{\"e\":\"depthUpdate\",\"E\":%llu,\"s\":\"%s\",\"U\":%llu,\"u\":%llu,\"b\":", (unsigned long long)ts,
      PICK(symbols), (unsigned long long)(frac() * 1e10), (unsigned long long)(frac() * 1e10));
  levels(b, p);
  put(b, ",\"a\":");
  levels(b, p);
  put(b, "}");
}

/* One message of exactly `size` bytes (size >= JSON_MIN_SIZE). */
static uint8_t *message(size_t size, int index) {
  int chat = frac() < 0.5;
  sbuf m = {malloc(size + 256), 0, size + 256}, ev = {malloc(4096), 0, 4096};
  put(&m, "{\"tag\":\"%032x\",\"type\":\"batch\",\"kind\":\"%s\",\"events\":[", (unsigned)index, chat ? "chat" : "book");
  const size_t tail = sizeof "],\"note\":\"\"}" - 1 + 8; /* the closing, and a note of at least 8 bytes */
  for (int first = 1;; first = 0) {
    ev.len = 0;
    if (chat) chat_event(&ev); else trade_event(&ev);
    if (m.len + !first + ev.len + tail > size) break;
    put(&m, "%s%.*s", first ? "" : ",", (int)ev.len, ev.p);
  }
  put(&m, "],\"note\":\"");
  size_t room = size - m.len - 2; /* the note's text: random words, the last one cut to fit */
  size_t start = m.len;
  while (m.len - start < room) put(&m, "%s%s", m.len > start ? " " : "", PICK(words));
  m.len = start + room;
  m.p[m.len - 1] = m.p[m.len - 1] == ' ' ? '.' : m.p[m.len - 1]; /* no trailing space */
  memcpy(m.p + m.len, "\"}", 2);
  m.len += 2;
  free(ev.p);
  if (m.len != size) { fprintf(stderr, "loadgen: json: built %zu bytes, not %zu\n", m.len, size); exit(3); }
  return (uint8_t *)m.p;
}

void json_pool_init(size_t size, int count, uint32_t s) {
  seed = s ? s : 0x9e3779b9u;
  pool_n = count;
  pool = calloc((size_t)count, sizeof *pool);
  for (int i = 0; i < count; i++) pool[i] = message(size, i);
}

int json_pool_count(void) { return pool_n; }
const uint8_t *json_msg(int i) { return pool[i]; }
