/* SHA-1 and base64: just enough for the WebSocket handshake (RFC 6455 §4.2.2).
 * Written here so the C tools build with nothing but the system's `cc`. */
#ifndef WSB_SHA1_H
#define WSB_SHA1_H
#include <stddef.h>
#include <stdint.h>

void sha1(const uint8_t *data, size_t len, uint8_t out[20]);
/* Writes base64 of `len` bytes plus a NUL; `out` needs 4*ceil(len/3)+1 bytes. */
void base64_encode(const uint8_t *in, size_t len, char *out);
/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(sha1(key + GUID)); out needs 29 bytes. */
void ws_accept_key(const char *key, size_t key_len, char out[29]);

#endif
