/* Log-linear latency histogram (HdrHistogram-style, ~1.6% resolution), in nanoseconds.
 * Fixed size and allocation-free on the hot path; one per worker thread, merged at the end. */
#ifndef WSB_HIST_H
#define WSB_HIST_H
#include <stdint.h>

#define HIST_SUB_BITS 6                 /* 64 sub-buckets per power of two */
#define HIST_BUCKETS (48 * (1 << HIST_SUB_BITS))

typedef struct {
  uint64_t counts[HIST_BUCKETS];
  uint64_t total, max;
} hist;

void hist_record(hist *h, uint64_t ns);
void hist_merge(hist *into, const hist *from);
/* Value (ns) at quantile q in [0,1]; 0 when empty. */
double hist_quantile(const hist *h, double q);

#endif
