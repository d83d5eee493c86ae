/*
 * stat.c - the clocks mailbench reads and what it makes of samples.
 * Wall time is CLOCK_MONOTONIC, shared by every process of the host, so
 * a stamp taken in one process can be compared with a clock read in
 * another.  CPU time is the kernel's per-process CPU clock (task-clock;
 * perf's hardware counters are not available on these machines), read
 * for another process through clock_getcpuclockid().
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int64_t
stat_read(clockid_t id)
{
	struct timespec	ts;

	if (clock_gettime(id, &ts) == -1)
		return (-1);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* stat_now - monotonic nanoseconds. */
int64_t
stat_now(void)
{
	return (stat_read(CLOCK_MONOTONIC));
}

/* stat_cpu - CPU nanoseconds used by this process (user + system). */
int64_t
stat_cpu(void)
{
	return (stat_read(CLOCK_PROCESS_CPUTIME_ID));
}

/* stat_cpu_of - CPU nanoseconds used so far by process pid; -1 if gone. */
int64_t
stat_cpu_of(pid_t pid)
{
	clockid_t	id;

	if (clock_getcpuclockid(pid, &id) != 0)
		return (-1);
	return (stat_read(id));
}

static int
stat_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

void
stat_sort(int64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, stat_cmp);
}

/* stat_pct_us - the p-th percentile (nearest rank) of sorted ns, in µs. */
double
stat_pct_us(const int64_t *v, size_t n, double p)
{
	double	x = p / 100.0 * (double)n;
	size_t	rank = (size_t)x;

	if (n == 0)
		return (NAN);
	if ((double)rank < x)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return ((double)v[rank - 1] / 1000.0);
}

double
stat_mean_us(const int64_t *v, size_t n)
{
	double	sum = 0;
	size_t	i;

	if (n == 0)
		return (NAN);
	for (i = 0; i < n; i++)
		sum += (double)v[i];
	return (sum / (double)n / 1000.0);
}

/* stat_fmt_count - 1234567 as "1,234,567". */
void
stat_fmt_count(char *buf, size_t len, double v)
{
	char	raw[32], out[48];
	size_t	n, i, o = 0;

	snprintf(raw, sizeof raw, "%.0f", v);
	n = 0;
	while (raw[n] != '\0')
		n++;
	for (i = 0; i < n && o < sizeof out - 1; i++) {
		if (i > 0 && (n - i) % 3 == 0 && raw[i - 1] != '-')
			out[o++] = ',';
		out[o++] = raw[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
}

/* stat_load - the 1-minute load average: was anything else running? */
double
stat_load(void)
{
	FILE	*f;
	double	 v = -1;

	if ((f = fopen("/proc/loadavg", "re")) != NULL) {
		if (fscanf(f, "%lf", &v) != 1)
			v = -1;
		fclose(f);
	}
	return (v);
}

/*
 * stat_busy - CPU time (ns) every process of the host has used so far,
 * from /proc/stat, and how much of it was ours (this process and every
 * child it has waited for, which with mailbench is all of them).
 */
int
stat_busy(int64_t *all, int64_t *ours)
{
	unsigned long long	 v[8];
	struct rusage		 self, kids;
	FILE			*f;
	long			 hz = sysconf(_SC_CLK_TCK);
	int			 n;

	if ((f = fopen("/proc/stat", "re")) == NULL)
		return (-1);
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8 || hz <= 0 || getrusage(RUSAGE_SELF, &self) == -1 ||
	    getrusage(RUSAGE_CHILDREN, &kids) == -1)
		return (-1);
	/* user nice system (idle iowait) irq softirq steal */
	*all = (int64_t)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
	    (1000000000 / hz);
	*ours = ((int64_t)self.ru_utime.tv_sec + self.ru_stime.tv_sec +
	    kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1000000000 +
	    ((int64_t)self.ru_utime.tv_usec + self.ru_stime.tv_usec +
	    kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) * 1000;
	return (0);
}

/*
 * stat_vm - a process's resident size and its high-water mark, in KiB,
 * from /proc/PID/status (VmRSS, VmHWM).  -1 if it cannot be read.
 */
int
stat_vm(pid_t pid, double *rss, double *hwm)
{
	char	path[64], line[256];
	FILE	*f;
	long	v;
	int	got = 0;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "VmRSS: %ld", &v) == 1) {
			*rss = (double)v;
			got |= 1;
		} else if (sscanf(line, "VmHWM: %ld", &v) == 1) {
			*hwm = (double)v;
			got |= 2;
		}
	}
	fclose(f);
	return (got == 3 ? 0 : -1);
}
