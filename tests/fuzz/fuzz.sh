#!/bin/sh
# fuzz.sh - the driver behind `make fuzz` (tests/fuzz/local.mk).
#
#   fuzz.sh probe CC            can CC build and link a libFuzzer
#                               harness with ASan and UBSan?
#   fuzz.sh run DIR SECONDS     write the seed corpora, run each
#                               harness in DIR for SECONDS, print and
#                               keep (DIR/fuzz.log) executions and
#                               crashes per harness
#
# Each run starts from the seeds alone, so its figures do not depend
# on earlier runs.  A crash stops that harness; its input is kept in
# DIR/artifacts/ and the run fails.
set -u

probe() {
	cc=$1
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "make fuzz: $cc not found: install the Debian packages" \
		    "clang and libclang-rt-14-dev, or set FUZZ_CC" >&2
		exit 1
	fi
	t=$(mktemp -d /tmp/ipcmail-fuzzprobe.XXXXXX)
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$t/probe.c"
	if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$t/probe" \
	    "$t/probe.c" >"$t/err" 2>&1; then
		echo "make fuzz: $cc cannot link -fsanitize=fuzzer,address,undefined" \
		    "(libFuzzer runtime missing: install the Debian package" \
		    "libclang-rt-14-dev, matching your clang):" >&2
		sed 's/^/  /' "$t/err" >&2
		rm -rf "$t"
		exit 1
	fi
	rm -rf "$t"
}

# run_one NAME MAXLEN: one harness; appends its line to $log.
run_one() {
	name=$1 maxlen=$2
	out=$dir/$name.out
	"$dir/$name" -max_total_time="$secs" -print_final_stats=1 \
	    -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$dir/artifacts/$name-" \
	    "$dir/corpus/$name" "$dir/seeds/$name" >"$out" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$out" | tail -1 | sed 's/cov: //')
	corp=$(find "$dir/corpus/$name" -type f | wc -l)
	crashes=$(find "$dir/artifacts" -name "$name-*" -type f | wc -l)
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1	# died without an artifact: count it, show why
	fi
	[ -n "$execs" ] || execs=0
	printf '%-12s seconds %s  executions %s  crashes %s  coverage %s  corpus %s\n' \
	    "$name" "$secs" "$execs" "$crashes" "${cov:-?}" "$corp" >>"$log"
	total_execs=$((total_execs + execs))
	total_crashes=$((total_crashes + crashes))
	if [ "$crashes" -gt 0 ]; then
		echo "$name failed (exit $rc); the end of its output:"
		tail -40 "$out"
		ls "$dir/artifacts/$name-"* 2>/dev/null
	fi
}

run() {
	dir=$1 secs=$2
	log=$dir/fuzz.log
	rm -rf "$dir/corpus" "$dir/seeds" "$dir/artifacts"
	for h in fuzz_record fuzz_part fuzz_room fuzz_irc fuzz_spool fuzz_mbox fuzz_rfc5322; do
		mkdir -p "$dir/corpus/$h" "$dir/seeds/$h"
	done
	mkdir -p "$dir/artifacts"
	"$dir/fuzz_seeds" "$dir/seeds/fuzz_record" "$dir/seeds/fuzz_part" \
	    "$dir/seeds/fuzz_spool" "$dir/seeds/fuzz_mbox" \
	    "$dir/seeds/fuzz_room" || exit 1
	# What irssi says when it connects, and a tagged line.
	printf 'CAP LS 302\r\nNICK alice\r\nUSER alice 0 * :A\r\nCAP REQ :server-time\r\nCAP END\r\nJOIN #ops\r\nPRIVMSG #ops :\001ACTION waves\001\r\n' \
	    >"$dir/seeds/fuzz_irc/irssi"
	printf '@time=2026-01-01T00:00:00.000Z;+x=y :bob!bob@h PRIVMSG alice :h\303\251llo\nPING :x\r\n' \
	    >"$dir/seeds/fuzz_irc/tags"
	{
		echo "# make fuzz FUZZ_SECONDS=$secs, $(date -u '+%Y-%m-%d %H:%M UTC')," \
		    "$(uname -srm), $(nproc) CPU"
		echo "# $("${FUZZ_CC:-clang}" --version 2>/dev/null | head -1)"
	} >"$log.new"
	log=$log.new
	total_execs=0
	total_crashes=0
	# A stream of two full records; a part is at most PART_MAX.
	run_one fuzz_record 8192
	run_one fuzz_part 8192
	run_one fuzz_room 16384	# a snapshot of some members
	run_one fuzz_irc 20000	# past one line of the longest, tags and all
	run_one fuzz_spool 16384	# a few messages; the replay, not the size
	run_one fuzz_mbox 16384
	run_one fuzz_rfc5322 16384	# a message as an MTA hands it
	echo "total        executions $total_execs  crashes $total_crashes" >>"$log"
	mv "$log" "$dir/fuzz.log"
	cat "$dir/fuzz.log"
	[ "$total_crashes" -eq 0 ]
}

case ${1:-} in
probe)	probe "${2:-clang}" ;;
run)	run "$2" "$3" ;;
*)	echo "usage: fuzz.sh probe CC | run DIR SECONDS" >&2; exit 1 ;;
esac
