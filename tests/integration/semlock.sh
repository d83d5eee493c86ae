#!/bin/bash
# semlock.sh - a reader killed while it holds the online table's lock:
# with SysV, SEM_UNDO gives the lock back; with POSIX, whose named
# semaphores are not undone, readers and the server wait a bounded time
# and the server recovers the lock.  Either way nobody deadlocks: who
# answers, logins go on, and the lock works again afterwards.
. "$(dirname "$0")/lib.sh"

SEMHOLD=$top_builddir/tests/semhold
start_server

# hold_and_die: a reader takes the lock and is killed holding it.
hold_and_die() {
	"$SEMHOLD" "$IPC" "$DIR/mailserv.key" >"$T/hold" 2>&1 &
	HOLDER=$!
	wait_for grep -q held "$T/hold"
	kill -KILL "$HOLDER"
	wait "$HOLDER" 2>/dev/null
}

hold_and_die
check "a test reader took the $IPC lock and was killed holding it" grep -q held "$T/hold"
start=$(date +%s%N)
run_cli -d "$DIR" who
ms=$(( ($(date +%s%N) - start) / 1000000 ))
same "who still answers" 0 "$rc"
check "... within 2 s ($ms ms)" test "$ms" -le 2000

online alice
ALICE=$ONLINE_PID ALICE_FD=$ONLINE_FD
start=$(date +%s%N)
wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^alice '"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a login after the holder's death reaches who within 3 s ($ms ms)" test "$ms" -le 3000
if [ "$IPC" = posix ]; then
	check "the server recovered the dead reader's lock" \
	    grep -q "a reader died holding it; recovered" "$T/server.log"
else
	check "SEM_UNDO gave the lock back: the server never waited" \
	    test "$(grep -c 'not free after' "$T/server.log")" = 0
fi
start=$(date +%s%N)
run_cli -d "$DIR" who
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "the lock works again: who takes it at once ($ms ms)" test "$ms" -le 500
exec {ALICE_FD}>&-
reap "$ALICE"
same "the session ends normally" 0 $?

finish
