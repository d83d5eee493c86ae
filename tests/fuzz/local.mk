# tests/fuzz/local.mk - `make fuzz`: libFuzzer harnesses of the
# parsers that read bytes nobody vouches for: the FIFO record stream
# (fuzz_record), the stored-part decoder (fuzz_part), a room's stored
# snapshot and lines (fuzz_room), the IRC door's lines (fuzz_irc), and
# the files a
# crash may leave half written: the spool's log (fuzz_spool) and the
# reader's mbox (fuzz_mbox).  They are
# built with clang straight from the common/ sources, since
# libipcmail.a is gcc's, and each runs FUZZ_SECONDS on seeds written by
# fuzz_seeds.  Not part of `make check`.  The last run's figures stay in
# tests/fuzz/fuzz.log, where tests/stress/stress.sh reads them.
#
#   make fuzz                    60 s per harness
#   make fuzz FUZZ_SECONDS=600   longer
#   make fuzz FUZZ_CC=clang-15   another clang

FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_CFLAGS = -g -O1 -std=gnu11 -Wall -Wextra -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CPPFLAGS = -I$(top_srcdir)/common
FUZZ_HDRS = $(top_srcdir)/common/proto.h $(top_srcdir)/common/record.h \
	$(top_srcdir)/common/mail.h $(top_srcdir)/common/name.h \
	$(top_srcdir)/common/log.h $(top_srcdir)/common/xmalloc.h \
	$(top_srcdir)/common/io.h $(top_srcdir)/common/rfc5322.h
FUZZ_RECORD_SRCS = $(top_srcdir)/tests/fuzz/fuzz_record.c \
	$(top_srcdir)/common/record.c
FUZZ_MAIL_SRCS = $(top_srcdir)/common/mail.c $(top_srcdir)/common/name.c \
	$(top_srcdir)/common/rfc5322.c $(top_srcdir)/common/plural.c \
	$(top_srcdir)/common/record.c $(top_srcdir)/common/xmalloc.c \
	$(top_srcdir)/common/log.c $(top_srcdir)/common/io.c
FUZZ_ROOM_SRCS = $(top_srcdir)/tests/fuzz/fuzz_room.c \
	$(top_srcdir)/common/roomrec.c $(FUZZ_MAIL_SRCS)
FUZZ_FILE_LIB_SRCS = $(top_srcdir)/common/roomrec.c $(top_srcdir)/common/spool.c \
	$(top_srcdir)/common/idset.c $(top_srcdir)/common/idmap.c \
	$(top_srcdir)/common/idlist.c $(top_srcdir)/common/mbox.c \
	$(FUZZ_MAIL_SRCS)
FUZZ_FILES_SRCS = $(top_srcdir)/tests/fuzz/fuzz_files.c $(FUZZ_FILE_LIB_SRCS)
FUZZ_FILES_HDRS = $(top_srcdir)/common/spool.h $(top_srcdir)/common/idset.h \
	$(top_srcdir)/common/idmap.h $(top_srcdir)/common/idlist.h \
	$(top_srcdir)/common/mbox.h
FUZZ_PROGS = tests/fuzz/fuzz_record tests/fuzz/fuzz_part tests/fuzz/fuzz_room \
	tests/fuzz/fuzz_irc \
	tests/fuzz/fuzz_spool tests/fuzz/fuzz_mbox tests/fuzz/fuzz_rfc5322 \
	tests/fuzz/fuzz_seeds

tests/fuzz/fuzz_record: $(FUZZ_RECORD_SRCS) $(FUZZ_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    $(FUZZ_CPPFLAGS) -o $@ $(FUZZ_RECORD_SRCS)

tests/fuzz/fuzz_part: $(top_srcdir)/tests/fuzz/fuzz_part.c \
    $(FUZZ_MAIL_SRCS) $(FUZZ_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    $(FUZZ_CPPFLAGS) $(UUID_CFLAGS) -o $@ \
	    $(top_srcdir)/tests/fuzz/fuzz_part.c $(FUZZ_MAIL_SRCS) \
	    $(UUID_LIBS)

tests/fuzz/fuzz_rfc5322: $(top_srcdir)/tests/fuzz/fuzz_rfc5322.c \
    $(FUZZ_MAIL_SRCS) $(FUZZ_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    $(FUZZ_CPPFLAGS) $(UUID_CFLAGS) -o $@ \
	    $(top_srcdir)/tests/fuzz/fuzz_rfc5322.c $(FUZZ_MAIL_SRCS) \
	    $(UUID_LIBS)

tests/fuzz/fuzz_room: $(FUZZ_ROOM_SRCS) $(FUZZ_HDRS) \
    $(top_srcdir)/common/roomrec.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    $(FUZZ_CPPFLAGS) $(UUID_CFLAGS) -o $@ $(FUZZ_ROOM_SRCS) \
	    $(UUID_LIBS)

tests/fuzz/fuzz_irc: $(top_srcdir)/tests/fuzz/fuzz_irc.c \
    $(top_srcdir)/common/ircline.c $(top_srcdir)/common/ircline.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    $(FUZZ_CPPFLAGS) -o $@ $(top_srcdir)/tests/fuzz/fuzz_irc.c \
	    $(top_srcdir)/common/ircline.c

tests/fuzz/fuzz_spool: $(FUZZ_FILES_SRCS) $(FUZZ_HDRS) $(FUZZ_FILES_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_SPOOL \
	    $(FUZZ_CPPFLAGS) $(UUID_CFLAGS) -o $@ $(FUZZ_FILES_SRCS) \
	    $(UUID_LIBS)

tests/fuzz/fuzz_mbox: $(FUZZ_FILES_SRCS) $(FUZZ_HDRS) $(FUZZ_FILES_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    $(FUZZ_CPPFLAGS) $(UUID_CFLAGS) -o $@ $(FUZZ_FILES_SRCS) \
	    $(UUID_LIBS)

tests/fuzz/fuzz_seeds: $(top_srcdir)/tests/fuzz/fuzz_seeds.c \
    $(FUZZ_FILES_SRCS) $(FUZZ_HDRS) $(FUZZ_FILES_HDRS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) \
	    $(UUID_CFLAGS) -o $@ $(top_srcdir)/tests/fuzz/fuzz_seeds.c \
	    $(FUZZ_FILE_LIB_SRCS) $(UUID_LIBS)

# The probe first, so a missing clang or libFuzzer runtime is named
# before anything is compiled.
fuzz:
	@$(SHELL) $(top_srcdir)/tests/fuzz/fuzz.sh probe '$(FUZZ_CC)'
	@$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_PROGS)
	@FUZZ_CC='$(FUZZ_CC)' $(SHELL) $(top_srcdir)/tests/fuzz/fuzz.sh \
	    run tests/fuzz $(FUZZ_SECONDS)

fuzz-clean:
	rm -rf $(FUZZ_PROGS) tests/fuzz/corpus tests/fuzz/seeds \
	    tests/fuzz/artifacts tests/fuzz/fuzz_record.out \
	    tests/fuzz/fuzz_part.out tests/fuzz/fuzz_room.out tests/fuzz/fuzz_irc.out \
	    tests/fuzz/fuzz_spool.out \
	    tests/fuzz/fuzz_mbox.out tests/fuzz/fuzz_rfc5322.out \
	    tests/fuzz/fuzz.log

.PHONY: fuzz fuzz-clean

EXTRA_DIST += tests/fuzz/fuzz.sh tests/fuzz/fuzz_record.c \
	tests/fuzz/fuzz_part.c tests/fuzz/fuzz_room.c tests/fuzz/fuzz_irc.c \
	tests/fuzz/fuzz_files.c \
	tests/fuzz/fuzz_seeds.c \
	tests/fuzz/fuzz_rfc5322.c

# The valgrind test is an integration test (TAP, sources lib.sh, runs
# in `make check`), but it belongs to the hostile-input and leak work
# of this directory; it is listed here so Makefile.am's list stays the
# lead's.
TESTS += tests/integration/valgrind.sh
EXTRA_DIST += tests/integration/valgrind.sh
