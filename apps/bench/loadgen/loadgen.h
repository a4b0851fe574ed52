/* Shared types of the wspipe load generator: configuration, connections, worker threads.
 * Threading model: one worker per CPU it may run on, each with its own epoll and its own
 * connections; workers only share a few atomics (phase times, broadcast delivery counts). */
#ifndef WSB_LOADGEN_H
#define WSB_LOADGEN_H
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "hist.h"

enum mode { MODE_ECHO, MODE_BROADCAST, MODE_CONNECT, MODE_IDLE, MODE_STORM };

typedef struct {
  enum mode mode;
  const char *host;
  int port;
  int port2;            /* 0, or: connections with odd ids (broadcast: half the receivers) go here */
  int socketio;         /* speak socket.io v5 over engine.io v4 (WebSocket transport) */
  const char *path;     /* request path of the upgrade */
  int conns;            /* echo/connect/idle: connections; broadcast: receivers */
  int depth;            /* echo: messages in flight per connection */
  size_t size;          /* payload bytes */
  int binary;
  double seconds, warmup;
  int threads;
  double rate;          /* broadcast: messages/s from the sender; 0 = saturate */
  int inflight;         /* broadcast: max messages sent but not yet received by every receiver */
  int fragments;        /* echo: send each message as this many frames (tests reassembly) */
  double connect_timeout;
  int verbose;
  int tls;              /* wss://: every connection does a TLS handshake first (tls.c) */
  int deflate, json, inflate_all; /* pmd.h: offer permessage-deflate; JSON payloads; no inflate cache */
  uint64_t pause_ns;    /* echo: wait this long after an echo before the next message (probes) */
  const char *rtt_log;  /* echo: write every measured answer here ("receive_ns rtt_ns connection") */
} config;

typedef struct {
  uint8_t *p;
  size_t len, cap, off; /* off: bytes already written (output buffers only) */
} buf;

enum conn_state { CS_IDLE, CS_CONNECTING, CS_HANDSHAKE, CS_OPEN, CS_CLOSING, CS_DONE, CS_TLS };

struct worker;
typedef struct conn {
  int fd, id, port;
  enum conn_state state;
  void *ssl;           /* OpenSSL's SSL with --tls, else NULL */
  int sio;             /* socket.io: 0 awaits engine.io's open, 1 the namespace's connect, 2 ready */
  struct worker *w;
  buf in, out, frag;   /* frag: a fragmented server message being reassembled */
  int frag_op, polling_out;
  char accept[29];     /* the Sec-WebSocket-Accept the server must answer with */
  uint64_t t_begin;    /* ns: connect() time, for handshake latency */
  /* per-mode state */
  uint64_t sent, recvd; /* echo: next sequence to send / expect; broadcast: messages received */
  uint64_t next_seq;    /* broadcast receiver: next sequence expected from the sender */
  uint64_t *sent_at;    /* echo: send timestamps, ring of `depth` (echoes come back in order) */
  uint64_t due_ns;      /* echo with --pause-us: when the next message is sent (0: none waiting) */
  int is_sender;
  struct pmd_conn *pmd; /* permessage-deflate agreed (pmd.c), else NULL */
  int msg_rsv1;         /* the message being received had RSV1 on its first frame */
} conn;

typedef struct worker {
  int idx, epfd, wake_fd;
  pthread_t thread;
  conn *conns;         /* this worker's connections (or connect-mode slots) */
  int n;
  uint64_t rng;
  hist lat;            /* echo RTT, broadcast delivery latency, connect handshake time */
  hist lat2;           /* broadcast with --port2: delivery latency of the receivers on port2 */
  uint64_t msgs2, bytes2, pings; /* port2 receivers' share of msgs/bytes; socket.io pings answered */
  uint64_t msgs, bytes, other_msgs, missed, unclean_closes, sender_received;
  uint64_t inflight;   /* echo: messages sent and not yet echoed */
  int opened, closed;  /* this worker's completed handshakes / clean closes */
  uint64_t storm_last_ns; /* storm: when this worker's last echo arrived */
  uint64_t *rtt_log;   /* echo with --rtt-log: triples (receive ns, rtt ns, connection id) */
  size_t rtt_n, rtt_cap;
} worker;

/* Process-wide state; times are CLOCK_MONOTONIC ns, 0 until known. */
typedef struct {
  atomic_int opened;          /* connections whose handshake completed (since start) */
  atomic_int failed;          /* set once; workers stop on it */
  atomic_uint_fast64_t start_ns, measure_ns, end_ns; /* start_ns is published last */
  atomic_int stop_asked;      /* SIGINT/SIGTERM: the run ends now (end_ns moves), results still print */
  int total;                  /* connections to open (broadcast: receivers + the sender) */
  /* broadcast: the sender's progress, for the other workers' drain */
  atomic_uint_fast64_t bcast_sent;
  atomic_int sender_done;
  /* broadcast: ring of "receivers that have received >= k messages" counters */
  _Atomic uint32_t *ack_ring;
  uint64_t ack_mask;
  int sender_worker;
  uint64_t storm_t0_ns;       /* storm: when the workers started connecting */
  pthread_mutex_t err_lock;
  char error[512];
} globals;

extern config cfg;
extern globals G;
extern worker *workers;

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rng_next(uint64_t *s) { /* xorshift64*: cheap, good enough for masks */
  uint64_t x = *s;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

/* Records the first fatal error (printed in the JSON and on stderr) and stops all workers. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int failed(void) { return atomic_load_explicit(&G.failed, memory_order_relaxed); }

/* wsconn.c: the RFC 6455 client side of one connection. */
void conn_init(conn *c, worker *w, int id);
void conn_start(conn *c);                 /* non-blocking connect + handshake */
void conn_event(conn *c, uint32_t events);
void conn_send(conn *c, int opcode, const uint8_t *payload, size_t len);
uint8_t *conn_frame_begin(conn *c, int opcode, size_t len); /* caller fills len bytes... */
void conn_frame_end(conn *c, uint8_t *payload, size_t len);  /* ...then this masks them */
void conn_send_fragment(conn *c, int fin, int opcode, const uint8_t *payload, size_t len);
void conn_flush(conn *c);
void conn_close_start(conn *c);           /* send close 1000; completes on the server's close */
void conn_reset(conn *c);                 /* after CS_DONE: ready for conn_start again */
void conn_drop(conn *c, const char *what); /* fails the run: the server broke the protocol */

void conn_close_fd(conn *c);              /* closes the socket (and its TLS session) */

/* tls.c: OpenSSL client sessions for --tls. */
enum { TLS_DONE, TLS_WANT_READ, TLS_WANT_WRITE, TLS_FAILED };
int tls_init(void);
int tls_begin(conn *c);                   /* after connect(): a client session on c->fd */
int tls_handshake(conn *c, char *why, size_t n);
ssize_t tls_read(conn *c, uint8_t *p, size_t len, int *want_write); /* like read(2) */
ssize_t tls_write(conn *c, const uint8_t *p, size_t len);          /* like write(2) */
int tls_pending(conn *c);                 /* decrypted bytes waiting inside OpenSSL */
void tls_free(conn *c);

/* Hooks implemented by the modes (modes.c); called by wsconn.c. */
void mode_on_open(conn *c);
void mode_on_message(conn *c, int opcode, const uint8_t *p, size_t len);
void mode_on_closed(conn *c);             /* clean close finished (fd already closed) */

/* modes.c: counts a connection as open (socket.io: once its namespace connect is acknowledged). */
void mode_opened(conn *c);

/* sio.c: socket.io v5 over engine.io v4 on top of a WebSocket connection. An event is the text
 * frame 42["m","<payload>"]; the payload must need no JSON escaping (the modes' tags do not). */
#define SIO_PREFIX "42[\"m\",\""
#define SIO_SUFFIX "\"]"
#define SIO_OVERHEAD (sizeof SIO_PREFIX - 1 + sizeof SIO_SUFFIX - 1)
/* Handles one server frame; 1 (with *p, *len narrowed to the payload) for an "m" event, else 0. */
int sio_unwrap(conn *c, int op, const uint8_t **p, size_t *len);
uint8_t *sio_frame_begin(conn *c, size_t len);           /* caller fills len payload bytes... */
void sio_frame_end(conn *c, uint8_t *payload, size_t len); /* ...then this closes and masks */

/* Worker loop helpers (loadgen.c). */
void worker_poll(worker *w, int timeout_ms);
int open_connections(worker *w);  /* 0 when all of w's connections are open */
int wait_start(worker *w);        /* barrier: all workers' connections open, times published */
void close_all(worker *w, double seconds);
void *mode_worker(void *arg);                       /* modes.c: the worker thread body */

#endif
