# bench/local.mk - mailbench, ipcmail's benchmark (issue 5): the raw IPC
# baselines and ipcmail's own paths in one run.  `make bench` runs it in
# full; `make check` runs it once with --quick as a smoke test
# (bench/smoke.sh), which checks that it ran and printed every row,
# never a figure.  See doc/performance.md.

noinst_PROGRAMS = mailbench
mailbench_SOURCES = \
	bench/bench.h bench/mailbench.c bench/mailpath.c bench/raw.c \
	bench/report.c bench/run.c bench/stat.c bench/pace.c bench/peer.c \
	bench/ircc.c bench/exim.c
mailbench_LDADD = libmailserv.a libmailcli.a libipcmail.a \
	$(READLINE_LIBS) $(UUID_LIBS) -lrt -lpthread

TESTS += bench/smoke.sh
EXTRA_DIST += bench/smoke.sh doc/performance.md

bench: mailbench mailcli
	./mailbench --peers
.PHONY: bench
