/* permessage-deflate (RFC 7692) for the load generator, and the JSON payloads it compresses.
 *
 * pmd.c: the client side of the extension with zlib: a browser-like offer
 * ("permessage-deflate; client_max_window_bits"), the server's answer parsed and checked,
 * outgoing messages compressed (context takeover unless the server asked
 * client_no_context_takeover; client_max_window_bits honoured), the 00 00 ff ff tail stripped and
 * put back (§7.2), RSV1 on the first frame, incoming RSV1 messages inflated before the mode sees
 * them, and the bytes on the wire counted both ways (compression ratio).
 * json.c: a seeded generator of chat and trading JSON messages of an exact size, and their pool.
 * mode_deflate.c: what echo, broadcast and idle send and check when --json is given.
 *
 * Keeping the load generator cheap (it must never be what limits a run): when our messages may
 * not take context over, they are compressed once, at start, per window size (the pool); and an
 * incoming compressed message whose bytes equal ones already inflated on this thread (a server
 * without server context takeover compresses equal messages to equal bytes, and a broadcast
 * sends the same bytes to every receiver) is not inflated again: the bytes are compared and the
 * inflated copy reused (`--inflate-all` turns this off). With context takeover every message is
 * compressed / inflated in the connection's own zlib context. */
#ifndef WSB_PMD_H
#define WSB_PMD_H
#include "loadgen.h"

/* ---- pmd.c ---- */

/* The offer: appends one header to the request of `len` bytes in `req` (room for 128 more);
 * returns the new length. */
size_t pmd_offer(uint8_t *req, size_t len);
/* The server's 101 head (NUL-terminated): records the agreement; -1 after dropping the
 * connection for an invalid answer. A server that does not accept leaves the connection plain. */
int pmd_accept(conn *c, const char *head);
/* RSV bits a frame of this connection may have (0x40 once the extension is agreed). */
static inline int pmd_rsv(const conn *c) { return c->pmd ? 0x40 : 0; }
/* A complete data message (compressed: RSV1 on its first frame): inflated if compressed, then
 * given to mode_on_message. */
void pmd_message(conn *c, int op, int compressed, const uint8_t *p, size_t len);
/* Sends a data message: compressed with RSV1 when the extension is agreed, plain otherwise.
 * `pool` >= 0: the plain bytes are json_msg(pool), whose precompressed form may be used. */
void pmd_send(conn *c, int op, const uint8_t *plain, size_t len, int pool);
/* The "deflate" member of the results JSON (starts with a comma), and a line on stderr. */
void pmd_print_json(void);

/* ---- json.c ---- */

/* Messages start with {"tag":"<32 hex>" : mode_deflate.c writes sequence numbers and times there. */
#define JSON_TAG_AT 8
#define JSON_TAG_LEN 32
#define JSON_MIN_SIZE 128

/* Builds the pool: `count` different messages of exactly `size` bytes from a fixed seed. */
void json_pool_init(size_t size, int count, uint32_t seed);
int json_pool_count(void);
const uint8_t *json_msg(int i);

/* ---- mode_deflate.c (hooks of modes.c and mode_conn.c when cfg.json) ---- */

void json_setup(void);
void json_echo_send(conn *c, uint64_t seq);
int json_echo_ok(conn *c, uint64_t seq, const uint8_t *p); /* the echo of message seq (size checked) */
void json_bcast_send(conn *sender, uint64_t seq, uint64_t now);
int json_bcast_ok(const uint8_t *p, uint64_t seq); /* the body around the tag is message seq's */
void json_idle_open(conn *c);                      /* idle: one message per connection... */
void json_idle_on_message(conn *c, int op, const uint8_t *p, size_t len); /* ...counted open once echoed */

#endif
