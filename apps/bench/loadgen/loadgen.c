/* wspipe load generator: a C WebSocket client (RFC 6455) that drives a server on loopback in
 * one of four modes (echo, broadcast, connect, idle) and prints one JSON line of results; on one
 * port or split over two (--port2: two nodes of one cluster), over plain WebSocket or socket.io.
 * Written in C with epoll, one thread per CPU it may use, so it stays far faster than the
 * Node servers it measures; its own CPU use is reported so that can be checked. */
#include "loadgen.h"
#include "pmd.h"
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

config cfg = {.host = "127.0.0.1", .path = "/", .conns = 1, .depth = 1, .size = 32, .seconds = 5,
              .warmup = 0, .inflight = 8, .connect_timeout = 30};
globals G;
worker *workers;

#define MAX_PENDING_CONNECTS 128 /* per worker: keeps accept backlogs from overflowing */

void fail(const char *fmt, ...) {
  pthread_mutex_lock(&G.err_lock);
  if (!G.error[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(G.error, sizeof G.error, fmt, ap);
    va_end(ap);
  }
  atomic_store(&G.failed, 1);
  pthread_mutex_unlock(&G.err_lock);
}

void worker_poll(worker *w, int timeout_ms) {
  struct epoll_event evs[256];
  int n = epoll_wait(w->epfd, evs, 256, timeout_ms);
  for (int i = 0; i < n; i++) {
    if (!evs[i].data.ptr) { /* the wake-up eventfd (broadcast acks from other workers) */
      uint64_t v;
      if (read(w->wake_fd, &v, sizeof v) < 0) { /* nothing to do: it is only a wake-up */ }
      continue;
    }
    conn_event(evs[i].data.ptr, evs[i].events);
  }
}

int open_connections(worker *w) {
  int started = 0;
  while (!failed() && w->opened < w->n) {
    while (started < w->n && started - w->opened < MAX_PENDING_CONNECTS) conn_start(&w->conns[started++]);
    worker_poll(w, 10);
    if (atomic_load(&G.start_ns)) break; /* main gave up waiting (it reports why) */
  }
  return failed() ? -1 : 0;
}

int wait_start(worker *w) {
  for (;;) {
    if (failed()) return -1;
    uint64_t start = atomic_load(&G.start_ns);
    if (start && now_ns() >= start) return 0;
    worker_poll(w, 1);
  }
}

void close_all(worker *w, double seconds) {
  uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
  for (int i = 0; i < w->n; i++) conn_close_start(&w->conns[i]);
  int open;
  do {
    open = 0;
    for (int i = 0; i < w->n; i++) open += w->conns[i].state != CS_DONE && w->conns[i].state != CS_IDLE;
    if (open) worker_poll(w, 5);
  } while (open && !failed() && now_ns() < deadline);
  for (int i = 0; i < w->n && !failed(); i++) {
    conn *c = &w->conns[i];
    if (c->state == CS_DONE || c->state == CS_IDLE) continue;
    w->unclean_closes++; /* the server never answered our close frame */
    conn_close_fd(c);
    c->state = CS_DONE;
  }
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen MODE --port N [options]\n"
          "  MODE: echo | broadcast | connect | idle | storm\n"
          "  (storm: all -c connections connect at once, each sends one message; time until every echo)\n"
          "  --host A         server address (default 127.0.0.1)\n"
          "  -c, --conns N    connections (broadcast: receivers; default 1)\n"
          "  -d, --depth N    echo: messages in flight per connection (default 1)\n"
          "  -s, --size N     payload bytes (default 32)\n"
          "  --binary         binary frames (default text)\n"
          "  -t, --seconds T  measured duration (default 5)\n"
          "  --warmup W       seconds run before measuring (default 0)\n"
          "  --threads N      worker threads (default: CPUs in the affinity mask)\n"
          "  --rate R         broadcast: send R messages/s (default: saturate)\n"
          "  --inflight K     broadcast, saturating: max messages not yet received by all (default 8)\n"
          "  --fragments N    echo: send each message as N frames (server reassembly / fragment echo)\n"
          "  --connect-timeout S  give up opening connections after S seconds (default 30)\n"
          "  --tls            wss://: TLS (OpenSSL) on every connection; the certificate is not verified\n"
          "  --port2 N        connections with odd ids to this port (broadcast: half the receivers;\n"
          "                   the sender stays on --port); results split by port\n"
          "  --socketio       broadcast: speak socket.io (engine.io v4 over WebSocket), events 42[\"m\",..]\n"
          "  --json           JSON chat/trading payloads of exactly --size bytes (echo, broadcast, idle:\n"
          "                   idle sends one message per connection and waits for its echo)\n"
          "  --deflate        offer permessage-deflate (needs --json); --inflate-all: no inflate cache\n"
          "  --pause-us U     echo, -d 1: wait U us after each echo before the next message (probes)\n"
          "  --rtt-log FILE   echo: write every measured answer to FILE, one line each:\n"
          "                   receive time (CLOCK_MONOTONIC ns), round trip (ns), connection id\n"
          "  (echo: SIGINT or SIGTERM ends the measured window early; the results still print)\n");
  exit(2);
}

static void parse_args(int argc, char **argv) {
  static const struct option opts[] = {
      {"host", 1, 0, 'H'}, {"port", 1, 0, 'p'}, {"conns", 1, 0, 'c'}, {"depth", 1, 0, 'd'},
      {"size", 1, 0, 's'}, {"binary", 0, 0, 'b'}, {"seconds", 1, 0, 't'}, {"warmup", 1, 0, 'w'},
      {"threads", 1, 0, 'T'}, {"rate", 1, 0, 'r'}, {"inflight", 1, 0, 'i'},
      {"connect-timeout", 1, 0, 'C'}, {"fragments", 1, 0, 'F'}, {"verbose", 0, 0, 'v'}, {"tls", 0, 0, 'L'},
      {"port2", 1, 0, 'P'}, {"socketio", 0, 0, 'S'}, {"json", 0, 0, 'J'}, {"deflate", 0, 0, 'Z'},
      {"inflate-all", 0, 0, 'I'}, {"pause-us", 1, 0, 'U'}, {"rtt-log", 1, 0, 'R'}, {0, 0, 0, 0}};
  if (argc < 2) usage();
  const char *m = argv[1];
  if (!strcmp(m, "echo")) cfg.mode = MODE_ECHO;
  else if (!strcmp(m, "broadcast")) cfg.mode = MODE_BROADCAST;
  else if (!strcmp(m, "connect")) cfg.mode = MODE_CONNECT;
  else if (!strcmp(m, "idle")) cfg.mode = MODE_IDLE;
  else if (!strcmp(m, "storm")) cfg.mode = MODE_STORM;
  else usage();
  optind = 2;
  int o;
  while ((o = getopt_long(argc, argv, "c:d:s:t:v", opts, NULL)) != -1) {
    switch (o) {
      case 'H': cfg.host = optarg; break;
      case 'p': cfg.port = atoi(optarg); break;
      case 'c': cfg.conns = atoi(optarg); break;
      case 'd': cfg.depth = atoi(optarg); break;
      case 's': cfg.size = (size_t)atol(optarg); break;
      case 'b': cfg.binary = 1; break;
      case 't': cfg.seconds = atof(optarg); break;
      case 'w': cfg.warmup = atof(optarg); break;
      case 'T': cfg.threads = atoi(optarg); break;
      case 'r': cfg.rate = atof(optarg); break;
      case 'i': cfg.inflight = atoi(optarg); break;
      case 'C': cfg.connect_timeout = atof(optarg); break;
      case 'F': cfg.fragments = atoi(optarg); break;
      case 'v': cfg.verbose = 1; break;
      case 'L': cfg.tls = 1; break;
      case 'P': cfg.port2 = atoi(optarg); break;
      case 'S': cfg.socketio = 1; break;
      case 'J': cfg.json = 1; break;
      case 'Z': cfg.deflate = 1; break;
      case 'I': cfg.inflate_all = 1; break;
      case 'U': cfg.pause_ns = (uint64_t)(atof(optarg) * 1000); break;
      case 'R': cfg.rtt_log = optarg; break;
      default: usage();
    }
  }
  if (cfg.port <= 0 || cfg.port > 65535) { fprintf(stderr, "loadgen: --port is required\n"); usage(); }
  if (cfg.conns < 1 || cfg.depth < 1 || cfg.inflight < 1 || cfg.seconds <= 0 || cfg.seconds > 3600 ||
      cfg.warmup < 0 || cfg.size > (64u << 20) || cfg.fragments < 0 || (size_t)cfg.fragments > cfg.size) {
    fprintf(stderr, "loadgen: an option is out of range\n");
    usage();
  }
  /* socket.io wraps every payload in its own event frame (sio.c): the JSON hooks do not. */
  if ((cfg.deflate && !cfg.json) ||
      (cfg.json && (cfg.mode == MODE_CONNECT || cfg.fragments > 1 || cfg.size < JSON_MIN_SIZE || cfg.socketio))) {
    fprintf(stderr, "loadgen: --deflate needs --json; --json needs echo, broadcast or idle, --size >= %d, no --fragments,"
                    " no --socketio\n", JSON_MIN_SIZE);
    exit(2);
  }
  if (cfg.mode == MODE_BROADCAST && cfg.size < 32) {
    fprintf(stderr, "loadgen: broadcast needs --size >= 32 (sequence + timestamp tag)\n");
    exit(2);
  }
  if ((cfg.pause_ns || cfg.rtt_log) && (cfg.mode != MODE_ECHO || (cfg.pause_ns && cfg.depth != 1))) {
    fprintf(stderr, "loadgen: --pause-us needs echo with -d 1; --rtt-log needs echo\n");
    exit(2);
  }
  if (cfg.port2 < 0 || cfg.port2 > 65535) { fprintf(stderr, "loadgen: --port2 is out of range\n"); usage(); }
  if (cfg.socketio && (cfg.mode != MODE_BROADCAST || cfg.binary)) {
    fprintf(stderr, "loadgen: --socketio is for text broadcast only\n");
    exit(2);
  }
  if (cfg.socketio) cfg.path = "/socket.io/?EIO=4&transport=websocket";
  if (cfg.threads <= 0) {
    cpu_set_t set;
    cfg.threads = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  }
}

/* Room for cfg.conns sockets plus slack; the hard limit is the ceiling we may reach. */
static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = (rlim_t)cfg.conns + 64;
  if (rl.rlim_cur >= want) return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < want) {
    fprintf(stderr, "loadgen: fd limit %llu is below the %d connections asked for\n",
            (unsigned long long)rl.rlim_cur, cfg.conns);
    exit(2);
  }
}

static double cpu_seconds(struct rusage *r, int sys) {
  struct timeval tv = sys ? r->ru_stime : r->ru_utime;
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Sleeps until the time in `*t` (ns; re-read, a stop signal moves it) unless a worker fails first. */
static void sleep_until(atomic_uint_fast64_t *t) {
  while (!failed()) {
    uint64_t now = now_ns(), until = atomic_load(t);
    if (now >= until) return;
    uint64_t left = until - now;
    struct timespec ts = {0, (long)(left > 10000000 ? 10000000 : left)};
    nanosleep(&ts, NULL);
  }
}

void print_results(double wall, struct rusage *r0, struct rusage *r1);

/* Echo: SIGINT/SIGTERM end the run now, as if -t had been reached (a harness that cannot know the
 * length in advance, e.g. probes beside another client's big messages, stops it this way). */
static void on_stop(int sig) {
  (void)sig;
  atomic_store(&G.stop_asked, 1);
  if (atomic_load(&G.start_ns)) atomic_store(&G.end_ns, now_ns()); /* else main applies it */
}

/* --rtt-log: every worker's measured answers, one line each. */
static void write_rtt_log(void) {
  FILE *f = fopen(cfg.rtt_log, "w");
  if (!f) { fail("cannot write --rtt-log %s", cfg.rtt_log); return; }
  for (int t = 0; t < cfg.threads; t++)
    for (size_t i = 0; i + 2 < workers[t].rtt_n; i += 3)
      fprintf(f, "%llu %llu %llu\n", (unsigned long long)workers[t].rtt_log[i],
              (unsigned long long)workers[t].rtt_log[i + 1], (unsigned long long)workers[t].rtt_log[i + 2]);
  if (fclose(f) != 0) fail("cannot write --rtt-log %s", cfg.rtt_log);
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  if (cfg.mode == MODE_ECHO) {
    struct sigaction sa = {.sa_handler = on_stop};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
  }
  G.total = cfg.conns + (cfg.mode == MODE_BROADCAST ? 1 : 0);
  raise_fd_limit();
  if (cfg.tls && tls_init() < 0) { fprintf(stderr, "loadgen: cannot create the TLS context\n"); exit(2); }
  pthread_mutex_init(&G.err_lock, NULL);
  if (cfg.threads > G.total) cfg.threads = G.total;

  workers = calloc((size_t)cfg.threads, sizeof *workers);
  for (int t = 0; t < cfg.threads; t++) {
    worker *w = &workers[t];
    w->idx = t;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake_fd, &ev);
    w->rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)now_ns() * (uint64_t)(t + 1)) ^ (uint64_t)getpid();
    /* connection i belongs to worker i % threads; connection 0 (the broadcast sender) to 0 */
    w->n = G.total / cfg.threads + (t < G.total % cfg.threads);
    w->conns = calloc((size_t)w->n, sizeof(conn));
    for (int i = 0; i < w->n; i++) conn_init(&w->conns[i], w, t + i * cfg.threads);
  }
  G.storm_t0_ns = now_ns();
  for (int t = 0; t < cfg.threads; t++) pthread_create(&workers[t].thread, NULL, mode_worker, &workers[t]);

  uint64_t t0 = now_ns();
  if (cfg.mode != MODE_CONNECT) {
    uint64_t deadline = t0 + (uint64_t)(cfg.connect_timeout * 1e9);
    while (!failed() && atomic_load(&G.opened) < G.total) {
      if (now_ns() > deadline) {
        fail("only %d of %d connections completed the handshake within %.0f s", atomic_load(&G.opened),
             G.total, cfg.connect_timeout);
        break;
      }
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
    if (!failed())
      fprintf(stderr, "loadgen: all %d connections up after %.2f s\n", G.total, (double)(now_ns() - t0) / 1e9);
  }
  /* Broadcast: let the server finish registering receivers before the first message. */
  uint64_t start = now_ns() + (cfg.mode == MODE_BROADCAST ? 300000000ull : 0);
  atomic_store(&G.measure_ns, start + (uint64_t)(cfg.warmup * 1e9));
  atomic_store(&G.end_ns, start + (uint64_t)((cfg.warmup + cfg.seconds) * 1e9));
  atomic_store(&G.start_ns, start);
  if (atomic_load(&G.stop_asked)) atomic_store(&G.end_ns, start); /* a stop during the connects */

  struct rusage r0, r1;
  sleep_until(&G.measure_ns);
  getrusage(RUSAGE_SELF, &r0);
  uint64_t m0 = now_ns();
  /* These two lines let a harness sample the server's CPU over the same window. */
  if (!failed()) fprintf(stderr, "loadgen: measuring\n");
  sleep_until(&G.end_ns);
  getrusage(RUSAGE_SELF, &r1);
  if (!failed()) fprintf(stderr, "loadgen: measured\n");
  double wall = (double)(now_ns() - m0) / 1e9;
  for (int t = 0; t < cfg.threads; t++) pthread_join(workers[t].thread, NULL);
  if (cfg.rtt_log) write_rtt_log();
  print_results(wall, &r0, &r1);
  return failed() ? 1 : 0;
}

static double us(double ns) { return ns / 1000.0; }

void print_results(double wall, struct rusage *r0, struct rusage *r1) {
  static const char *names[] = {"echo", "broadcast", "connect", "idle", "storm"};
  hist *lat = calloc(1, sizeof(hist));
  hist *lat2 = calloc(1, sizeof(hist));
  uint64_t msgs = 0, bytes = 0, other = 0, missed = 0, unclean = 0, sender_rx = 0, msgs2 = 0, pings = 0;
  for (int t = 0; t < cfg.threads; t++) {
    worker *w = &workers[t];
    hist_merge(lat, &w->lat);
    hist_merge(lat2, &w->lat2);
    msgs2 += w->msgs2; pings += w->pings;
    msgs += w->msgs; bytes += w->bytes; other += w->other_msgs; missed += w->missed;
    unclean += w->unclean_closes; sender_rx += w->sender_received;
  }
  if (failed()) wall = cfg.seconds; /* rates of a failed run are not meaningful anyway */
  double user = cpu_seconds(r1, 0) - cpu_seconds(r0, 0), sys = cpu_seconds(r1, 1) - cpu_seconds(r0, 1);
  uint64_t errors = missed + unclean + (failed() ? 1 : 0);
  double rate = wall > 0 ? (double)msgs / wall : 0;

  printf("{\"mode\":\"%s\",\"ok\":%s,\"error\":", names[cfg.mode], errors ? "false" : "true");
  if (G.error[0]) {
    putchar('"');
    for (const char *p = G.error; *p; p++) {
      if (*p == '"' || *p == '\\') putchar('\\');
      putchar(*p >= 0x20 ? *p : ' ');
    }
    putchar('"');
  } else printf("null");
  printf(",\"host\":\"%s\",\"port\":%d,\"threads\":%d,\"connections\":%d,\"seconds\":%.3f,\"warmup\":%.3f",
         cfg.host, cfg.port, cfg.threads, cfg.conns, wall, cfg.warmup);
  if (cfg.mode == MODE_ECHO || cfg.mode == MODE_BROADCAST)
    printf(",\"size\":%zu,\"binary\":%s,\"messages\":%llu,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f", cfg.size,
           cfg.binary ? "true" : "false", (unsigned long long)msgs, rate, wall > 0 ? (double)bytes / wall / 1e6 : 0);
  if (cfg.mode == MODE_ECHO) printf(",\"depth\":%d", cfg.depth);
  if (cfg.mode == MODE_BROADCAST)
    printf(",\"receivers\":%d,\"inflight\":%d,\"rate\":%.1f,\"deliveries_per_s\":%.1f,\"sent\":%llu,"
           "\"sender_received\":%llu",
           cfg.conns, cfg.inflight, cfg.rate, rate, (unsigned long long)atomic_load(&G.bcast_sent),
           (unsigned long long)sender_rx);
  if (cfg.port2) {
    /* Receivers (ids 1..N; broadcast) or connections (ids 0..N-1) with odd ids are on port2. */
    int on2 = cfg.mode == MODE_BROADCAST ? (cfg.conns + 1) / 2 : cfg.conns / 2;
    hist *first = calloc(1, sizeof(hist)); /* the first port's receivers: all minus port2's */
    hist_merge(first, lat);
    for (size_t b = 0; b < HIST_BUCKETS; b++) first->counts[b] -= lat2->counts[b];
    first->total -= lat2->total;
    printf(",\"port2\":%d,\"by_port\":[", cfg.port2);
    for (int k = 0; k < 2; k++) {
      hist *h = k ? lat2 : first;
      uint64_t n = k ? msgs2 : msgs - msgs2;
      printf("%s{\"port\":%d,\"connections\":%d,\"messages\":%llu,\"msgs_per_s\":%.1f,"
             "\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"samples\":%llu}}",
             k ? "," : "", k ? cfg.port2 : cfg.port, k ? on2 : cfg.conns - on2, (unsigned long long)n,
             wall > 0 ? (double)n / wall : 0, us(hist_quantile(h, 0.5)), us(hist_quantile(h, 0.99)),
             us(hist_quantile(h, 0.999)), (unsigned long long)h->total);
    }
    putchar(']');
    free(first);
  }
  if (cfg.socketio) printf(",\"socketio\":true,\"pings\":%llu", (unsigned long long)pings);
  if (cfg.mode == MODE_CONNECT)
    printf(",\"handshakes\":%llu,\"handshakes_per_s\":%.1f", (unsigned long long)msgs, rate);
  if (cfg.mode == MODE_IDLE) printf(",\"connections_held\":%d", atomic_load(&G.opened));
  if (cfg.mode == MODE_STORM) {
    uint64_t last = 0;
    for (int t = 0; t < cfg.threads; t++)
      if (workers[t].storm_last_ns > last) last = workers[t].storm_last_ns;
    printf(",\"echoed\":%d,\"storm_ms\":%.3f", atomic_load(&G.opened),
           last > G.storm_t0_ns ? (double)(last - G.storm_t0_ns) / 1e6 : 0);
  }
  if (cfg.mode != MODE_IDLE) /* storm: handshake time */
    printf(",\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"samples\":%llu}",
           us(hist_quantile(lat, 0.5)), us(hist_quantile(lat, 0.99)), us(hist_quantile(lat, 0.999)),
           us((double)lat->max), (unsigned long long)lat->total);
  printf(",\"other_messages\":%llu,\"missed\":%llu,\"unclean_closes\":%llu,\"errors\":%llu",
         (unsigned long long)other, (unsigned long long)missed, (unsigned long long)unclean,
         (unsigned long long)errors);
  /* CLOCK_MONOTONIC, like V8's profile timestamps: lets a profile be cut to this window. */
  printf(",\"window_mono_ns\":[%llu,%llu]", (unsigned long long)atomic_load(&G.measure_ns),
         (unsigned long long)atomic_load(&G.end_ns));
  if (cfg.json) pmd_print_json();
  printf(",\"loadgen_cpu\":{\"user_s\":%.3f,\"sys_s\":%.3f,\"cores\":%.3f,\"ns_per_msg\":%.0f}}\n", user, sys,
         wall > 0 ? (user + sys) / wall : 0, msgs ? (user + sys) * 1e9 / (double)msgs : 0);
  fflush(stdout);

  if (G.error[0]) fprintf(stderr, "loadgen: error: %s\n", G.error);
  fprintf(stderr, "loadgen %s: %llu in %.2f s = %.0f/s, p50 %.1f us, p99 %.1f us, loadgen CPU %.2f cores%s\n",
          names[cfg.mode], (unsigned long long)msgs, wall, rate, us(hist_quantile(lat, 0.5)),
          us(hist_quantile(lat, 0.99)), wall > 0 ? (user + sys) / wall : 0, errors ? " [ERRORS]" : "");
  free(lat);
  free(lat2);
}
