/*
 * report.c - mailbench's figures: the rows every measurement fills in,
 * the ratios of ipcmail's paths to the raw SysV queue of the same run
 * and placement, the targets judged on them, and the two ways
 * of printing it all (tables, or JSON with --json).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "bench.h"
#include "xmalloc.h"

#define REPORT_BASE	"sysv-mq 128 B"	/* what every ratio divides by */
#define REPORT_DOOR	"ipcmail IRC door 1:1 paced spool-off"
#define REPORT_EXIM_IPC	"exim4 delivery via mailcli deliver"
#define REPORT_EXIM_MBOX "exim4 delivery to an mbox"
#define REPORT_MEM_ROOMS "mailserv memory 1000 sessions 100 rooms x 500 lines"

struct report_ratio {
	int		place;
	char		name[96];
	double		value;
};

struct report_target {
	int		place;
	const char	*what;
	int		met;		/* 1, 0, or -1: not measurable */
	char		text[512];
};

static const char *const report_section_names[] = {
	"raw", "ipcmail", "oneshot", "peer"
};

/* report_add - a new row, every figure "not measured". */
struct report_row *
report_add(struct report *rep, enum report_section sec, int place,
    const char *fmt, ...)
{
	struct report_row	*row;
	va_list			 ap;

	if (rep->nrows == rep->cap) {
		rep->cap = rep->cap == 0 ? 64 : rep->cap * 2;
		rep->rows = xreallocarray(rep->rows, rep->cap,
		    sizeof *rep->rows);
	}
	row = &rep->rows[rep->nrows++];
	memset(row, 0, sizeof *row);
	row->section = sec;
	row->place = place;
	row->p50_us = row->p99_us = row->rate = row->cpu_us = NAN;
	va_start(ap, fmt);
	vsnprintf(row->name, sizeof row->name, fmt, ap);
	va_end(ap);
	return (row);
}

/* report_find - the measured row of that name and placement, or NULL. */
struct report_row *
report_find(struct report *rep, int place, const char *name)
{
	size_t	i;

	for (i = 0; i < rep->nrows; i++)
		if (rep->rows[i].place == place &&
		    strcmp(rep->rows[i].name, name) == 0)
			return (rep->rows[i].failed ? NULL : &rep->rows[i]);
	return (NULL);
}

/*
 * report_floor_cpu - CPU us the IPC of one delivered message needs at
 * this run's raw rates, nothing else done: the store's one SysV send
 * and receive (REPORT_BASE) and four FIFO records (the send, the push
 * to the recipient, its done, the sender's "sent").  NAN if unknown.
 */
static double
report_floor_cpu(struct report *rep, int place)
{
	struct report_row	*base = report_find(rep, place, REPORT_BASE);
	struct report_row	*fifo = report_find(rep, place, "fifo 128 B");

	if (base == NULL || fifo == NULL)
		return (NAN);
	return (base->cpu_us + 4 * fifo->cpu_us);
}

void
report_fail(struct report *rep, struct report_row *row, const char *why)
{
	char	buf[sizeof row->note];

	snprintf(buf, sizeof buf, "FAILED: %s", why);
	memcpy(row->note, buf, sizeof row->note);
	row->p50_us = row->p99_us = row->rate = row->cpu_us = NAN;
	row->failed = 1;
	rep->failures++;
}

void
report_free(struct report *rep)
{
	free(rep->rows);
	memset(rep, 0, sizeof *rep);
}

/* --- ratios and targets ------------------------------------------- */

static void
report_ratio(struct report_ratio **v, size_t *n, int place, double value,
    const char *fmt, ...)
{
	va_list	ap;

	if (isnan(value) || isinf(value))
		return;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].place = place;
	(*v)[*n].value = value;
	va_start(ap, fmt);
	vsnprintf((*v)[*n].name, sizeof (*v)[*n].name, fmt, ap);
	va_end(ap);
	(*n)++;
}

static int
report_is_tput(const struct report_row *row)
{
	return (row->section == SEC_IPCMAIL && !isnan(row->rate) &&
	    (strncmp(row->name, "online spool-", 13) == 0 ||
	    strncmp(row->name, "offline spool-", 14) == 0 ||
	    strncmp(row->name, "offline drain", 13) == 0));
}

/* report_peer_ratios - ipcmail's rows over their peers' (--peers). */
static size_t
report_peer_ratios(struct report *rep, int p, struct report_ratio **v,
    size_t n)
{
	static const char *const tags[] = { "spool-off", "spool-on" };
	struct report_row	*irc, *row, *mem;
	char			 name[64];
	size_t			 k;

	if ((irc = report_find(rep, p, "ngircd PRIVMSG 1:1 paced")) != NULL &&
	    !isnan(irc->p50_us)) {
		for (k = 0; k < 2; k++) {
			snprintf(name, sizeof name, "ipcmail live 1:1 paced %s",
			    tags[k]);
			if ((row = report_find(rep, p, name)) == NULL ||
			    isnan(row->p50_us))
				continue;
			report_ratio(v, &n, p, row->p50_us / irc->p50_us,
			    "%s: p50 / ngircd PRIVMSG p50", name);
			report_ratio(v, &n, p, row->p99_us / irc->p99_us,
			    "%s: p99 / ngircd PRIVMSG p99", name);
			report_ratio(v, &n, p, row->cpu_us / irc->cpu_us,
			    "%s: CPU per message / ngircd's per line", name);
		}
		if ((row = report_find(rep, p, REPORT_DOOR)) != NULL &&
		    !isnan(row->p50_us)) {
			report_ratio(v, &n, p, row->p50_us / irc->p50_us,
			    "%s: p50 / ngircd PRIVMSG p50", row->name);
			report_ratio(v, &n, p, row->p99_us / irc->p99_us,
			    "%s: p99 / ngircd PRIVMSG p99", row->name);
			report_ratio(v, &n, p, row->cpu_us / irc->cpu_us,
			    "%s: CPU per line / ngircd's", row->name);
		}
	}
	for (k = 0; k < 3; k++) {
		snprintf(name, sizeof name, "ngircd channel fan-out %d paced",
		    k == 0 ? 1 : k == 1 ? 10 : 100);
		irc = report_find(rep, p, name);
		snprintf(name, sizeof name, "ipcmail room fan-out %d paced",
		    k == 0 ? 1 : k == 1 ? 10 : 100);
		row = report_find(rep, p, name);
		if (irc == NULL || row == NULL || isnan(irc->p50_us) ||
		    isnan(row->p50_us))
			continue;
		report_ratio(v, &n, p, row->p50_us / irc->p50_us, "%s: p50 / "
		    "ngircd channel's p50", name);
		report_ratio(v, &n, p, row->cpu_us / irc->cpu_us, "%s: CPU "
		    "per delivered line / ngircd's", name);
	}
	irc = report_find(rep, p, "ngircd memory 1000 clients");
	mem = report_find(rep, p, "mailserv memory 1000 sessions");
	if (irc != NULL && mem != NULL && irc->per_kib > 0)
		report_ratio(v, &n, p, mem->per_kib / irc->per_kib,
		    "mailserv KiB per session / ngircd KiB per client");
	mem = report_find(rep, p, REPORT_MEM_ROOMS);
	if (irc != NULL && mem != NULL && irc->rss_kib > 0)
		report_ratio(v, &n, p, mem->rss_kib / irc->rss_kib, "mailserv "
		    "VmRSS with 100 rooms x 500 lines / ngircd VmRSS with 1000 "
		    "clients");
	return (n);
}

/* report_ratios - every ipcmail figure over the raw SysV queue's. */
static size_t
report_ratios(struct report *rep, struct report_ratio **v)
{
	struct report_row	*base, *row;
	size_t			 i, n = 0;
	int			 p;

	*v = NULL;
	for (p = 0; p < BENCH_NPLACE; p++)
		n = report_peer_ratios(rep, p, v, n);
	base = report_find(rep, -1, REPORT_EXIM_MBOX);
	row = report_find(rep, -1, REPORT_EXIM_IPC);
	if (base != NULL && row != NULL) {
		report_ratio(v, &n, -1, row->rate / base->rate, "%s: msgs/s / "
		    "%s msgs/s", row->name, base->name);
		report_ratio(v, &n, -1, row->p50_us / base->p50_us, "%s: p50 / "
		    "%s p50", row->name, base->name);
		report_ratio(v, &n, -1, row->cpu_us / base->cpu_us, "%s: CPU "
		    "per message / %s's", row->name, base->name);
	}
	for (p = 0; p < BENCH_NPLACE; p++) {
		if ((base = report_find(rep, p, REPORT_BASE)) == NULL)
			continue;
		for (i = 0; i < rep->nrows; i++) {
			row = &rep->rows[i];
			if (row->place != p || row->failed ||
			    row->section == SEC_RAW)
				continue;
			if (strncmp(row->name, "live delivery", 13) == 0 ||
			    strncmp(row->name, "who ", 4) == 0)
				report_ratio(v, &n, p, row->p50_us /
				    base->p50_us, "%s: p50 / raw round trip "
				    "p50", row->name);
			if (strncmp(row->name, "live delivery", 13) == 0)
				report_ratio(v, &n, p, row->p99_us /
				    base->p99_us, "%s: p99 / raw round trip "
				    "p99", row->name);
			if (report_is_tput(row)) {
				report_ratio(v, &n, p, row->rate / base->rate,
				    "%s: msgs/s / raw one-way msgs/s",
				    row->name);
				report_ratio(v, &n, p, row->cpu_us /
				    base->cpu_us, "%s: CPU per message / raw "
				    "CPU per message", row->name);
			}
			if (strcmp(row->name, "login+logout") == 0 ||
			    strncmp(row->name, "one-shot mailcli", 16) == 0)
				report_ratio(v, &n, p, 1e6 / row->rate /
				    base->p50_us, "%s: time per operation / "
				    "raw round trip p50", row->name);
		}
	}
	return (n);
}

static struct report_target *
report_target(struct report_target **v, size_t *n, int place,
    const char *what)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	(*v)[*n].place = place;
	(*v)[*n].what = what;
	(*v)[*n].met = -1;
	return (&(*v)[(*n)++]);
}

/* report_best - the fastest measured row whose name starts so. */
static struct report_row *
report_best(struct report *rep, int place, const char *prefix,
    const char *suffix)
{
	struct report_row	*row, *best = NULL;
	size_t			 i, lp = strlen(prefix), ls = strlen(suffix), ln;

	for (i = 0; i < rep->nrows; i++) {
		row = &rep->rows[i];
		ln = strlen(row->name);
		if (row->place != place || row->failed || isnan(row->rate) ||
		    strncmp(row->name, prefix, lp) != 0 || ln < ls ||
		    strcmp(row->name + ln - ls, suffix) != 0)
			continue;
		if (best == NULL || row->rate > best->rate)
			best = row;
	}
	return (best);
}

static void
report_live_target(struct report_target *t, struct report_row *base,
    struct report_row *live)
{
	if (base == NULL || live == NULL)
		snprintf(t->text, sizeof t->text, "not measured");
	else {
		t->met = live->p50_us <= 2.5 * base->p50_us;
		snprintf(t->text, sizeof t->text, "%.1f us = %.2fx of %.2f us",
		    live->p50_us, live->p50_us / base->p50_us, base->p50_us);
	}
}

/* report_peer_targets - issue 16's targets in placement p. */
static void
report_peer_targets(struct report *rep, struct report_target **v,
    size_t *n, int p)
{
	struct report_target	*t;
	struct report_row	*irc, *off, *on, *row, *mem;

	t = report_target(v, n, p, "1:1 live delivery p50 <= 0.8x ngircd's "
	    "PRIVMSG p50 (paced, spool off; where we want to be: 0.5x)");
	irc = report_find(rep, p, "ngircd PRIVMSG 1:1 paced");
	off = report_find(rep, p, "ipcmail live 1:1 paced spool-off");
	on = report_find(rep, p, "ipcmail live 1:1 paced spool-on");
	if (irc == NULL || off == NULL || isnan(irc->p50_us) ||
	    isnan(off->p50_us))
		snprintf(t->text, sizeof t->text, "not measured (--peers, "
		    "with ngircd installed)");
	else {
		t->met = off->p50_us <= 0.8 * irc->p50_us;
		snprintf(t->text, sizeof t->text, "%.1f us = %.2fx of ngircd's "
		    "%.1f us (0.5x would be %.1f us)", off->p50_us,
		    off->p50_us / irc->p50_us, irc->p50_us, 0.5 * irc->p50_us);
		if (on != NULL && !isnan(on->p50_us))
			snprintf(t->text + strlen(t->text), sizeof t->text -
			    strlen(t->text), "; spool on: %.1f us = %.2fx",
			    on->p50_us, on->p50_us / irc->p50_us);
	}

	t = report_target(v, n, p, "room fan-out to 100 members: last member "
	    "p50 <= 0.5x ngircd's channel, CPU per line per member <= "
	    "ngircd's");
	irc = report_find(rep, p, "ngircd channel fan-out 100 paced");
	row = report_find(rep, p, "ipcmail room fan-out 100 paced");
	if (irc == NULL || row == NULL || isnan(irc->p50_us) ||
	    isnan(row->p50_us))
		snprintf(t->text, sizeof t->text, "not measured (--peers, "
		    "with ngircd installed)");
	else {
		t->met = row->p50_us <= 0.5 * irc->p50_us &&
		    row->cpu_us <= irc->cpu_us;
		snprintf(t->text, sizeof t->text, "%.0f us = %.2fx of ngircd's "
		    "%.0f us to the last of 100; CPU %.2f us a delivered line "
		    "= %.2fx of ngircd's %.2f", row->p50_us, row->p50_us /
		    irc->p50_us, irc->p50_us, row->cpu_us, row->cpu_us /
		    irc->cpu_us, irc->cpu_us);
	}

	t = report_target(v, n, p, "room fan-out cost flat (within 20%) from "
	    "10 to 1000 members (CPU per delivery, unpaced, spool off)");
	off = report_find(rep, p, "room spool-off 10 members");
	on = report_find(rep, p, "room spool-off 1000 members");
	row = report_find(rep, p, "room spool-off 100 members");
	if (off == NULL || on == NULL || isnan(off->cpu_us) ||
	    isnan(on->cpu_us))
		snprintf(t->text, sizeof t->text, "not measured");
	else {
		t->met = on->cpu_us <= 1.2 * off->cpu_us;
		snprintf(t->text, sizeof t->text, "CPU a delivery, 10 -> 1000 "
		    "members: %.2f -> %.2f us, %+.0f%%", off->cpu_us,
		    on->cpu_us, 100 * (on->cpu_us / off->cpu_us - 1));
		if (row != NULL && !isnan(row->cpu_us))
			snprintf(t->text + strlen(t->text), sizeof t->text -
			    strlen(t->text), " (100 members: %.2f us, %+.0f%%)",
			    row->cpu_us, 100 * (row->cpu_us / off->cpu_us - 1));
	}

	t = report_target(v, n, p, "durability without a latency tax: live "
	    "delivery p50 spool on <= 1.2x spool off");
	off = report_find(rep, p, "live delivery spool-off");
	on = report_find(rep, p, "live delivery spool-on");
	if (off == NULL || on == NULL)
		snprintf(t->text, sizeof t->text, "not measured");
	else {
		t->met = on->p50_us <= 1.2 * off->p50_us;
		snprintf(t->text, sizeof t->text, "%.1f us = %.2fx of %.1f us",
		    on->p50_us, on->p50_us / off->p50_us, off->p50_us);
	}

	t = report_target(v, n, p, "memory: mailserv VmRSS with 1000 "
	    "sessions and 100 rooms x 500 lines <= 64 MiB, per session <= "
	    "ngircd's per client");
	mem = report_find(rep, p, "mailserv memory 1000 sessions");
	row = report_find(rep, p, REPORT_MEM_ROOMS);
	irc = report_find(rep, p, "ngircd memory 1000 clients");
	if (mem == NULL || mem->rss_kib <= 0 || row == NULL ||
	    row->rss_kib <= 0)
		snprintf(t->text, sizeof t->text, "not measured");
	else if (irc == NULL || irc->per_kib <= 0) {
		snprintf(t->text, sizeof t->text, "VmRSS %.1f MiB (VmHWM %.1f) "
		    "with the rooms, %.1f MiB without; %.1f KiB a session; "
		    "ngircd not measured (--peers)", row->rss_kib / 1024,
		    row->hwm_kib / 1024, mem->rss_kib / 1024, mem->per_kib);
	} else {
		t->met = row->rss_kib <= 64 * 1024 &&
		    row->hwm_kib <= 64 * 1024 &&
		    mem->per_kib <= irc->per_kib;
		snprintf(t->text, sizeof t->text, "VmRSS %.1f MiB (VmHWM %.1f) "
		    "with the rooms, %.1f MiB without; %.1f KiB a session "
		    "against ngircd's %.1f KiB a client (%.2fx)",
		    row->rss_kib / 1024, row->hwm_kib / 1024,
		    mem->rss_kib / 1024, mem->per_kib, irc->per_kib,
		    mem->per_kib / irc->per_kib);
	}
}

/* report_targets - the targets, judged on this run's figures. */
static size_t
report_targets(struct report *rep, const struct bench_opts *o,
    struct report_target **v)
{
	static const char *const senders[] = { "1 sender", "4 senders",
	    "16 senders" };
	static const char *const crowds[] = { "10", "100", "1000" };
	struct report_target	*t;
	struct report_row	*base, *row, *best, *b2, *live, *mta, *worst;
	struct report_row	*bare;
	double			 fl;
	char			 name[64];
	size_t			 n = 0, k;
	int			 p;

	*v = NULL;
	mta = report_find(rep, -1, "one-shot mail -s + MTA");
	bare = report_find(rep, -1, "one-shot /bin/true (floor)");
	for (p = 0; p < BENCH_NPLACE; p++) {
		if (!(o->place_mask & (1 << p)) || !o->do_ipcmail)
			continue;
		base = report_find(rep, p, REPORT_BASE);
		live = report_find(rep, p, "live delivery spool-off");

		t = report_target(v, &n, p, "live delivery p50 <= 2.5x raw "
		    "SysV round trip p50 (spool off)");
		report_live_target(t, base, live);
		t = report_target(v, &n, p, "live delivery p50 <= 2.5x raw "
		    "SysV round trip p50 (spool on)");
		report_live_target(t, base, report_find(rep, p,
		    "live delivery spool-on"));

		t = report_target(v, &n, p, "throughput, spool off >= 40% "
		    "of raw SysV one-way msgs/s at 128 B");
		best = report_best(rep, p, "online spool-off", "");
		b2 = report_best(rep, p, "offline spool-off", "");
		if (best == NULL || (b2 != NULL && b2->rate > best->rate))
			best = b2;
		if (base == NULL || best == NULL)
			snprintf(t->text, sizeof t->text, "not measured");
		else {
			t->met = best->rate >= 0.4 * base->rate;
			snprintf(t->text, sizeof t->text, "best is %s: %.0f "
			    "msgs/s = %.1f%% of %.0f", best->name, best->rate,
			    100 * best->rate / base->rate, base->rate);
			fl = report_floor_cpu(rep, p);
			if (p == BENCH_SAME && !isnan(fl))
				snprintf(t->text + strlen(t->text),
				    sizeof t->text - strlen(t->text), "; one "
				    "CPU doing only the IPC of a delivered "
				    "message (see CPU) reaches %.0f msgs/s = "
				    "%.1f%%", 1e6 / fl, 100 * (1e6 / fl) /
				    base->rate);
		}

		t = report_target(v, &n, p, "throughput, durable spool on, "
		    "16 senders >= 100,000 msgs/s");
		best = report_best(rep, p, "online spool-on", "16 senders");
		b2 = report_best(rep, p, "offline spool-on", "16 senders");
		if (best == NULL || (b2 != NULL && b2->rate > best->rate))
			best = b2;
		if (best == NULL)
			snprintf(t->text, sizeof t->text, "not measured");
		else {
			t->met = best->rate >= 100000;
			snprintf(t->text, sizeof t->text, "best is %s: %.0f "
			    "msgs/s", best->name, best->rate);
		}

		t = report_target(v, &n, p, "CPU per delivered message <= 3x "
		    "raw SysV (online, spool off, 1 sender)");
		row = report_find(rep, p, "online spool-off 1 sender");
		if (base == NULL || row == NULL)
			snprintf(t->text, sizeof t->text, "not measured");
		else {
			t->met = row->cpu_us <= 3 * base->cpu_us;
			snprintf(t->text, sizeof t->text, "%.2f us = %.1fx of "
			    "%.3f us", row->cpu_us, row->cpu_us / base->cpu_us,
			    base->cpu_us);
			for (k = 1; k < 3; k++) {
				snprintf(name, sizeof name, "online spool-off "
				    "%s", senders[k]);
				if ((row = report_find(rep, p, name)) == NULL)
					continue;
				snprintf(t->text + strlen(t->text),
				    sizeof t->text - strlen(t->text),
				    "; %s: %.2f us = %.1fx", senders[k],
				    row->cpu_us, row->cpu_us / base->cpu_us);
			}
			fl = report_floor_cpu(rep, p);
			if (!isnan(fl))
				snprintf(t->text + strlen(t->text),
				    sizeof t->text - strlen(t->text), "; the "
				    "IPC alone (store: SysV send+receive; FIFO: "
				    "send, push, done, sent) costs %.2f us = "
				    "%.1fx at this run's raw rates", fl,
				    fl / base->cpu_us);
		}

		t = report_target(v, &n, p, "cost per message flat (within "
		    "20%) from 2 to 1000 online sessions (worst of 10, 100, "
		    "1000)");
		worst = NULL;
		for (k = 0; k < 3; k++) {
			snprintf(name, sizeof name, "live delivery %s online",
			    crowds[k]);
			if ((row = report_find(rep, p, name)) == NULL) {
				worst = NULL;
				break;
			}
			if (worst == NULL || row->p50_us > worst->p50_us)
				worst = row;
		}
		if (live == NULL || worst == NULL)
			snprintf(t->text, sizeof t->text, "not measured");
		else {
			t->met = worst->p50_us <= 1.2 * live->p50_us;
			snprintf(t->text, sizeof t->text, "live p50 with 2 online "
			    "%.1f us; worst %s: %.1f us, %+.0f%%", live->p50_us,
			    worst->name, worst->p50_us, 100 * (worst->p50_us /
			    live->p50_us - 1));
		}

		t = report_target(v, &n, p, "who over 1000 sessions < 50 us "
		    "(attach+read+detach, p50)");
		row = report_find(rep, p, "who attach+read+detach 1000 online");
		if (row == NULL)
			snprintf(t->text, sizeof t->text, "not measured");
		else {
			t->met = row->p50_us < 50;
			snprintf(t->text, sizeof t->text, "%.1f us", row->p50_us);
			if ((row = report_find(rep, p,
			    "who read 1000 online")) != NULL)
				snprintf(t->text + strlen(t->text),
				    sizeof t->text - strlen(t->text),
				    " (the read alone: %.1f us)", row->p50_us);
		}

		t = report_target(v, &n, p, "one-shot mailcli send (spool on) "
		    ">= 50% of the rate of /bin/true forked, run and waited "
		    "for");
		row = report_find(rep, p, "one-shot mailcli send spool-on");
		if (row == NULL || bare == NULL || isnan(bare->rate))
			snprintf(t->text, sizeof t->text, "not measured");
		else {
			t->met = row->rate >= 0.5 * bare->rate;
			snprintf(t->text, sizeof t->text, "%.0f msgs/s = %.1f%% "
			    "of /bin/true's %.0f a second", row->rate, 100 *
			    row->rate / bare->rate, bare->rate);
			if (mta != NULL && !isnan(mta->rate))
				snprintf(t->text + strlen(t->text),
				    sizeof t->text - strlen(t->text), "; mail "
				    "-s + MTA: %.1f msgs/s (%.0fx)", mta->rate,
				    row->rate / mta->rate);
		}

		report_peer_targets(rep, v, &n, p);
	}
	return (n);
}

/* --- tables -------------------------------------------------------- */

static void
report_cell(char *buf, size_t len, double v, int count)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (count)
		stat_fmt_count(buf, len, v);
	else if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

static void
report_line(const struct report_row *row, int namew, int with_note)
{
	char	p50[32], p99[32], rate[32], cpu[32];

	report_cell(p50, sizeof p50, row->p50_us, 0);
	report_cell(p99, sizeof p99, row->p99_us, 0);
	report_cell(rate, sizeof rate, row->rate, 1);
	report_cell(cpu, sizeof cpu, row->cpu_us, 0);
	if (isnan(row->p50_us) && isnan(row->rate) && row->note[0] != '\0') {
		printf("%-*s  %s\n", namew, row->name, row->note);
		return;
	}
	printf("%-*s %9s %9s %12s %10s", namew, row->name, p50, p99, rate,
	    cpu);
	if (with_note && row->note[0] != '\0')
		printf("  %s", row->note);
	printf("\n");
}

static void
report_header(const char *first, int namew)
{
	printf("%-*s %9s %9s %12s %10s\n", namew, first, "p50 us",
	    "p99 us", "msgs/s", "cpu us/msg");
}

static int
report_has(struct report *rep, enum report_section sec)
{
	size_t	i;

	for (i = 0; i < rep->nrows; i++)
		if (rep->rows[i].section == sec)
			return (1);
	return (0);
}

static void
report_table(struct report *rep, enum report_section sec, int place,
    const char *title, const char *first, int namew)
{
	size_t	i;
	int	any = 0;

	for (i = 0; i < rep->nrows; i++)
		any += rep->rows[i].section == sec &&
		    rep->rows[i].place == place;
	if (!any)
		return;
	printf("\n== %s ==\n", title);
	report_header(first, namew);
	for (i = 0; i < rep->nrows; i++)
		if (rep->rows[i].section == sec && rep->rows[i].place == place)
			report_line(&rep->rows[i], namew, 1);
}

/* report_print - the tables, the ratios and the targets. */
void
report_print(struct report *rep, const struct bench_opts *o)
{
	struct report_ratio	*ratio;
	struct report_target	*t;
	char			 title[200];
	size_t			 nr, nt, i;
	int			 p;

	for (p = 0; p < BENCH_NPLACE; p++) {
		if (!(o->place_mask & (1 << p)))
			continue;
		snprintf(title, sizeof title, "raw baselines, placement %s: "
		    "round trip and one-way, payload copied in and out",
		    o->place[p].name);
		report_table(rep, SEC_RAW, p, title, "mechanism", 24);
		snprintf(title, sizeof title, "ipcmail paths, placement %s",
		    o->place[p].name);
		report_table(rep, SEC_IPCMAIL, p, title, "path", 36);
		snprintf(title, sizeof title, "ipcmail and its peers, placement "
		    "%s: paced (see --help), same payload", o->place[p].name);
		report_table(rep, SEC_PEER, p, title, "row", 36);
	}
	report_table(rep, SEC_PEER, -1, "exim4's delivery path", "row", 36);
	if (report_has(rep, SEC_ONESHOT)) {
		printf("\n== one-shot path: a process per message ==\n");
		report_header("path (placement)", 36);
	}
	for (i = 0; i < rep->nrows; i++) {
		struct report_row	row = rep->rows[i];

		if (row.section != SEC_ONESHOT)
			continue;
		if (row.place >= 0)
			snprintf(row.name, sizeof row.name, "%.40s (%s)",
			    rep->rows[i].name, o->place[row.place].name);
		report_line(&row, 36, 1);
	}

	nr = report_ratios(rep, &ratio);
	for (p = 0; p < BENCH_NPLACE; p++) {
		if (!(o->place_mask & (1 << p)) || !o->do_ipcmail)
			continue;
		printf("\n== ratios to raw %s (and to the peers), placement "
		    "%s ==\n", REPORT_BASE, o->place[p].name);
		for (i = 0; i < nr; i++)
			if (ratio[i].place == p)
				printf("%-76s %8.2fx\n", ratio[i].name,
				    ratio[i].value);
	}
	for (i = 0; i < nr; i++) {
		if (ratio[i].place != -1)
			continue;
		if (i == 0 || ratio[i - 1].place != -1)
			printf("\n== ratios of exim4's delivery path (no "
			    "placement) ==\n");
		printf("%-76s %8.2fx\n", ratio[i].name, ratio[i].value);
	}
	free(ratio);

	nt = report_targets(rep, o, &t);
	if (nt > 0)
		printf("\n== targets (issues 5 and 16) ==\n");
	for (i = 0; i < nt; i++)
		printf("[%s] %-5s %s: %s\n", t[i].met == 1 ? "met" :
		    t[i].met == 0 ? "NOT met" : "n/a", o->place[t[i].place].name,
		    t[i].what, t[i].text);
	free(t);
	printf("\nload average (1 min) at the end: %.2f\n", o->load[1]);
	if (o->foreign >= 0)
		printf("other processes used %.1f s of CPU during the %.1f s "
		    "run (%.1f%% of %d CPUs)%s\n", o->foreign, o->elapsed,
		    100 * o->foreign / (o->elapsed * o->ncpu), o->ncpu,
		    o->foreign > 0.05 * o->elapsed * o->ncpu ? ": WARNING, "
		    "the figures are disturbed" : "");
	if (rep->failures > 0)
		printf("\n%d figures FAILED (see the rows marked FAILED)\n",
		    rep->failures);
}

/* --- JSON ---------------------------------------------------------- */

static void
report_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void
report_json_num(const char *key, double v)
{
	printf(", \"%s\": ", key);
	if (isnan(v) || isinf(v))
		printf("null");
	else
		printf("%.6g", v);
}

void
report_json(struct report *rep, const struct bench_opts *o)
{
	struct report_ratio	*ratio;
	struct report_target	*t;
	size_t			 nr, nt, i;
	int			 p, first = 1;

	printf("{\n  \"program\": \"mailbench\", \"version\": ");
	report_json_str(PACKAGE_VERSION);
	printf(", \"mode\": \"%s\",\n  \"machine\": {\"cpus\": %d, "
	    "\"cpu_model\": ", o->quick ? "quick" : "full", o->ncpu);
	report_json_str(o->cpu_model);
	printf(", \"kernel\": ");
	report_json_str(o->kernel);
	printf(", \"clocksource\": ");
	report_json_str(o->clocksource);
	printf(", \"msgmnb\": %ld, \"msgmax\": %ld, \"mq_msg_max\": %ld, "
	    "\"mq_msgsize_max\": %ld", o->msgmnb, o->msgmax, o->mq_msg_max,
	    o->mq_msgsize_max);
	report_json_num("load_start", o->load[0]);
	report_json_num("load_end", o->load[1]);
	report_json_num("elapsed_s", o->elapsed);
	report_json_num("foreign_cpu_s", o->foreign);
	printf("},\n");
	printf("  \"placements\": [");
	for (p = 0; p < BENCH_NPLACE; p++) {
		if (!(o->place_mask & (1 << p)))
			continue;
		printf("%s{\"name\": \"%s\", \"cpu_a\": %d, \"cpu_b\": %d, "
		    "\"usable\": %s}", first ? "" : ", ", o->place[p].name,
		    o->place[p].cpu_a, o->place[p].cpu_b,
		    o->place[p].usable ? "true" : "false");
		first = 0;
	}
	printf("],\n  \"rows\": [\n");
	for (i = 0; i < rep->nrows; i++) {
		printf("    {\"section\": \"%s\", \"placement\": ",
		    report_section_names[rep->rows[i].section]);
		if (rep->rows[i].place >= 0)
			report_json_str(o->place[rep->rows[i].place].name);
		else
			printf("null");
		printf(", \"name\": ");
		report_json_str(rep->rows[i].name);
		if (rep->rows[i].size > 0)
			printf(", \"size\": %zu", rep->rows[i].size);
		report_json_num("p50_us", rep->rows[i].p50_us);
		report_json_num("p99_us", rep->rows[i].p99_us);
		report_json_num("msgs_per_s", rep->rows[i].rate);
		report_json_num("cpu_us_per_msg", rep->rows[i].cpu_us);
		if (rep->rows[i].rss_kib > 0) {
			report_json_num("vmrss_kib", rep->rows[i].rss_kib);
			report_json_num("vmhwm_kib", rep->rows[i].hwm_kib);
			report_json_num("kib_per_session", rep->rows[i].per_kib);
		}
		printf(", \"n\": %lld, \"failed\": %s, \"note\": ",
		    rep->rows[i].n, rep->rows[i].failed ? "true" : "false");
		report_json_str(rep->rows[i].note);
		printf("}%s\n", i + 1 < rep->nrows ? "," : "");
	}
	printf("  ],\n  \"ratios\": [\n");
	nr = report_ratios(rep, &ratio);
	for (i = 0; i < nr; i++) {
		printf("    {\"placement\": ");
		if (ratio[i].place >= 0)
			printf("\"%s\"", o->place[ratio[i].place].name);
		else
			printf("null");
		printf(", \"name\": ");
		report_json_str(ratio[i].name);
		report_json_num("value", ratio[i].value);
		printf("}%s\n", i + 1 < nr ? "," : "");
	}
	free(ratio);
	printf("  ],\n  \"targets\": [\n");
	nt = report_targets(rep, o, &t);
	for (i = 0; i < nt; i++) {
		printf("    {\"placement\": \"%s\", \"target\": ",
		    o->place[t[i].place].name);
		report_json_str(t[i].what);
		printf(", \"met\": %s, \"figure\": ", t[i].met == 1 ? "true" :
		    t[i].met == 0 ? "false" : "null");
		report_json_str(t[i].text);
		printf("}%s\n", i + 1 < nt ? "," : "");
	}
	free(t);
	printf("  ],\n  \"failures\": %d\n}\n", rep->failures);
}
