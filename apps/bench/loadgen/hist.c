#include "hist.h"

#define SUB (1u << HIST_SUB_BITS)

static unsigned bucket_of(uint64_t v) {
  if (v < 2 * SUB) return (unsigned)v;          /* exact below 128 ns */
  unsigned msb = 63 - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - HIST_SUB_BITS;         /* keeps the top 7 bits: 64..127 */
  unsigned idx = shift * SUB + (unsigned)(v >> shift);
  return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* Midpoint of a bucket, so quantiles are unbiased within the bucket's width. */
static double bucket_value(unsigned idx) {
  if (idx < 2 * SUB) return idx;
  unsigned shift = idx / SUB - 1;
  uint64_t m = idx - shift * SUB;
  return (double)(m << shift) + (double)(1ull << shift) / 2.0;
}

void hist_record(hist *h, uint64_t ns) {
  h->counts[bucket_of(ns)]++;
  h->total++;
  if (ns > h->max) h->max = ns;
}

void hist_merge(hist *into, const hist *from) {
  for (unsigned i = 0; i < HIST_BUCKETS; i++) into->counts[i] += from->counts[i];
  into->total += from->total;
  if (from->max > into->max) into->max = from->max;
}

double hist_quantile(const hist *h, double q) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)(q * (double)h->total + 0.999999);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      double v = bucket_value(i);
      return v > (double)h->max ? (double)h->max : v;
    }
  }
  return (double)h->max;
}
