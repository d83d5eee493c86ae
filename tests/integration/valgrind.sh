#!/bin/bash
# valgrind.sh - mailserv under valgrind's memcheck while real mailcli
# commands use it: small and 64 KiB sends, inbox, read, delete, wall, a room,
# a live push to an interactive session, garbage and a HELLO flood on
# the FIFO; then a SIGTERM, and a second run that adopts the mail the
# first one left.  Each run must end with 0 errors and 0 bytes
# definitely lost.  Skipped without valgrind, and for a sanitizer build
# (AddressSanitizer and valgrind cannot share a process).
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
alive() { kill -0 "$SERVER_PID" 2>/dev/null; }
serving() { grep -q "mailserv\[$SERVER_PID\]: serving" "$T/server.log"; }

# skip_all REASON: the whole file is skipped, TAP style.
skip_all() {
	rm -rf "$T"
	echo "1..0 # SKIP $*"
	exit 0
}

command -v valgrind >/dev/null ||
    skip_all "valgrind is not installed (Debian package valgrind)"
grep -qa __asan_init "$MAILSERV" &&
    skip_all "mailserv is built with AddressSanitizer, which valgrind cannot run"

# vg_start N: mailserv under memcheck, log in $T/vg.N.log, on the
# backend lib.sh picked (IPCMAIL_IPC).  valgrind can make it 20 to 50
# times slower: wait up to 60 s for its "serving" line, not the 5 s of
# start_server.
vg_start() {
	local i opts=
	VG_LOG=$T/vg.$1.log
	[ "$IPC" = sysv ] || opts=--ipc=$IPC
	valgrind --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --num-callers=30 --log-file="$VG_LOG" \
	    "$MAILSERV" -d "$DIR" $opts 2>>"$T/server.log" &
	SERVER_PID=$!
	for i in $(seq 1 600); do
		serving && break
		alive || break
		sleep 0.1
	done
	if ! serving; then
		echo "# mailserv under valgrind did not start:"
		diag "$T/server.log" "$VG_LOG"
		return 1
	fi
	keypattern
}

# vg_stop DESC: SIGTERM, then read the verdict from the log.
vg_stop() {
	local desc=$1 errors lost i
	kill -TERM "$SERVER_PID" 2>/dev/null
	# A bounded wait: a stuck server is a failure, not a hung suite.
	for i in $(seq 1 600); do
		alive || break
		sleep 0.1
	done
	if alive; then
		not_ok "$desc: mailserv stops within 60 s of SIGTERM"
		kill -KILL "$SERVER_PID"
	fi
	wait "$SERVER_PID"
	status=$?
	SERVER_PID=
	same "$desc: valgrind and mailserv exit 0 (99 means memcheck errors)" \
	    0 "$status"
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$VG_LOG" |
	    tr -d , | tail -1)
	same "$desc: memcheck reports 0 errors" 0 "${errors:-no summary}"
	if grep -q "All heap blocks were freed" "$VG_LOG"; then
		lost=0
	else
		lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' \
		    "$VG_LOG" | tr -d , | tail -1)
	fi
	same "$desc: 0 bytes definitely lost" 0 "${lost:-no leak summary}"
	if [ "$status" != 0 ] || [ "${errors:-x}" != 0 ] ||
	    [ "${lost:-x}" != 0 ]; then
		diag "$VG_LOG"
	fi
}

if ! vg_start 1; then
	not_ok "mailserv starts under valgrind"
	finish
fi
ok "mailserv starts under valgrind"

cli -u bob send alice "a small one"
same "send a small body" 0 "$rc"
head -c 49152 /dev/urandom | base64 -w 0 | head -c 65535 >"$T/big"
echo >>"$T/big"
timeout 60 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/big" >"$T/out" 2>"$T/err"
same "send a 64 KiB body" 0 "$?"
cli -u alice inbox
same "inbox lists both" 2 "$(wc -l <"$T/out")"
cli -u alice --mbox "$T/alice.mbox" read 2
sed '1,4d' "$T/out" >"$T/got"
check "read the 64 KiB message back byte-exact" cmp -s "$T/big" "$T/got"
cli -u alice delete 1
same "delete the small one" 0 "$rc"
cli -u alice inbox
same "... and the inbox is empty" "" "$(cat "$T/out")"

# An interactive session: login, live push, wall, logout.
online carol --mbox "$T/carol.mbox"
CAROL=$ONLINE_PID CAROL_FD=$ONLINE_FD
if wait_for grep -q "new message" "$T/carol.out"; then
	cli -u bob send carol "live to carol"
	cli -u bob wall "hello everyone"
	same "wall to everyone online" 0 "$rc"
	for i in $(seq 1 100); do
		grep -q "hello everyone" "$T/carol.out" && break
		sleep 0.1
	done
	check "an interactive session gets live mail and the wall" \
	    grep -q "live to carol" "$T/carol.out"
else
	not_ok "an interactive session opens"
	diag "$T/carol.out"
fi
echo quit >&"$CAROL_FD"
exec {CAROL_FD}>&-
wait "$CAROL"
same "... and quits cleanly" 0 "$?"

# Rooms: made, talked in, read, changed, left and removed.
cli -u alice join '#vg'
cli -u bob join '#vg'
cli -u alice topic '#vg' 'under valgrind'
cli -u alice private '#vg' on
cli -u alice invite carol '#vg'
for i in 1 2 3; do cli -u bob send '#vg' "room line $i"; done
cli -u alice read '#vg'
same "room lines are read back" 3 "$(grep -c 'room line' "$T/out")"
cli -u alice history '#vg' 2
cli -u dave history '#vg'
same "a private room refuses a non-member" 7 "$rc"
cli -u alice rooms
cli -u alice members '#vg'
cli -u bob leave '#vg'
cli -u alice leave '#vg'
same "the last member's leave removes the room" 0 "$rc"

head -c 3000 /dev/urandom >"$DIR/mailserv.fifo"
cli -u bob send dave "after garbage"
same "after 3000 random bytes on the FIFO the server still serves" 0 "$rc"

# A HELLO flood: hellos for pids with no reply FIFO, and 20 real
# clients at once.
if command -v python3 >/dev/null; then
	python3 - "$DIR/mailserv.fifo" <<'PY'
import os, sys
from forge import hello, record
fd = os.open(sys.argv[1], os.O_WRONLY)
for i in range(100):
    os.write(fd, record(1, 900000 + i, hello(b"flood%d" % i),
                        token=bytes([1 + i % 250]) * 16))
os.close(fd)
PY
	check "100 forged hellos are survived" alive
else
	skip "forged hellos (no python3)"
fi
for i in $(seq 1 20); do
	timeout 60 "$MAILCLI" -d "$DIR" -u "user$i" inbox >/dev/null 2>&1 &
done
fails=0
for job in $(jobs -p); do
	[ "$job" = "$SERVER_PID" ] && continue
	wait "$job" || fails=$((fails + 1))
done
same "20 clients at once are all served" 0 "$fails"
cli -u bob send erin "left in the store"
same "a message is left in the store" 0 "$rc"
vg_stop "first run"

# The second run adopts what the first left: the store scan at start.
if vg_start 2; then
	cli -u erin read
	check "a restarted mailserv under valgrind serves the stored mail" \
	    grep -q "left in the store" "$T/out"
	cli -u dave read
	same "... all of it" 0 "$rc"
	vg_stop "second run"
else
	not_ok "mailserv restarts under valgrind"
fi

finish
