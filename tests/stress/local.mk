# tests/stress/local.mk - the reliability figures (doc/reliability.md).
# tests/stress/stress.sh runs in `make check` in its short form (a TAP
# test of well under a minute), on each backend, and in `make stress`
# in its long form (at least 200 clients x 500 messages, about half an
# hour on two CPUs), which prints the table and keeps it in
# tests/stress/stress-long.md (stress-long-posix.md for
# `make stress STRESS_IPC=posix`).

TESTS += tests/stress/stress.sh tests/stress/stress-posix.sh
EXTRA_DIST += tests/stress/stress.sh tests/stress/stress-posix.sh \
	doc/reliability.md

STRESS_IPC = sysv

stress: all
	@STRESS=long IPCMAIL_IPC='$(STRESS_IPC)' \
	    top_builddir='$(abs_top_builddir)' \
	    top_srcdir='$(abs_top_srcdir)' \
	    bash $(top_srcdir)/tests/stress/stress.sh
.PHONY: stress
