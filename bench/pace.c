/*
 * pace.c - the sending schedule of the paced rows (ngircd's and their
 * ipcmail twins) and the shared slab their clients write samples into.
 * A paced client sends its k-th line at start + k * PACE_GAP_NS plus
 * an offset of its own (idx of n spread over one gap), so no client
 * ever sends two lines within one second: ngircd's flood limit (256
 * bytes a second, 3 commands a read, per client) is never reached.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <stdio.h>

#include "bench.h"

/* pace_slab - n samples in memory shared with the children to come. */
struct pace_slab *
pace_slab(size_t n)
{
	struct pace_slab	*sl;
	size_t			 len = sizeof *sl + n * sizeof sl->v[0];

	sl = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (sl == MAP_FAILED)
		return (NULL);
	memset(sl, 0, sizeof *sl);
	sl->n = (int64_t)n;
	sl->len = len;
	return (sl);
}

void
pace_slab_free(struct pace_slab *sl)
{
	if (sl != NULL)
		munmap(sl, sl->len);
}

/* pace_due - when client idx of n sends its k-th line. */
int64_t
pace_due(const struct pace_slab *sl, int idx, int n, int k)
{
	return (sl->start + (int64_t)k * PACE_GAP_NS +
	    (int64_t)idx * (PACE_GAP_NS / (n > 0 ? n : 1)));
}

/* pace_sleep_until - sleep to the monotonic time t (ns). */
void
pace_sleep_until(int64_t t)
{
	struct timespec	ts;

	ts.tv_sec = t / 1000000000;
	ts.tv_nsec = t % 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL) == EINTR)
		;
}

/*
 * pace_samples - the slab's samples sorted into p50/p99 of the row; -1
 * (with the row failed) if some are missing.
 */
int
pace_samples(struct report *rep, struct report_row *row,
    struct pace_slab *sl, size_t n)
{
	char	why[96];
	size_t	i, k = 0;

	for (i = 0; i < n; i++)
		if (sl->v[i] >= 0)
			sl->v[k++] = sl->v[i];
	if (k != n) {
		snprintf(why, sizeof why, "%zu of %zu samples missing", n - k,
		    n);
		report_fail(rep, row, why);
		return (-1);
	}
	stat_sort(sl->v, k);
	row->p50_us = stat_pct_us(sl->v, k, 50);
	row->p99_us = stat_pct_us(sl->v, k, 99);
	row->n = (long long)k;
	return (0);
}


/*
 * pace_result - a paced row's figures from its slab: nl lines to m
 * receivers each (the slab holds nl * m arrivals, line by line; 1 for
 * a 1:1 row, whose every sample is a line), a line's sample being its
 * last receiver's arrival; deliveries (lines x m) a second over t_ns,
 * and cpu_ns per delivery.  0, or -1 with the row failed.
 */
int
pace_result(struct report *rep, struct report_row *row, struct pace_slab *sl,
    size_t nl, size_t m, int64_t t_ns, int64_t cpu_ns)
{
	int64_t	worst, v;
	size_t	i, k;

	for (i = 0; m > 1 && i < nl; i++) {
		worst = -1;
		for (k = 0; k < m; k++) {
			if ((v = sl->v[i * m + k]) < 0) {
				worst = -1;
				break;
			}
			if (v > worst)
				worst = v;
		}
		sl->v[i] = worst;
	}
	if (pace_samples(rep, row, sl, nl) == -1)
		return (-1);
	row->rate = (double)(nl * m) / ((double)t_ns / 1e9);
	row->cpu_us = (double)cpu_ns / (double)(nl * m) / 1000.0;
	return (0);
}
