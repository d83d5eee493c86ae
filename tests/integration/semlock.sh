#!/bin/bash
# semlock.sh - the online table's lock belongs to mailserv.  Another
# user cannot take it, raise it or set it (the kernel refuses: EACCES),
# nor remove it or the table, and `who` and logins meanwhile answer at
# normal speed.  A process of mailserv's own uid that takes it and is
# killed holding it: with SysV, SEM_UNDO gives it back; with POSIX,
# whose named semaphores are not undone, the server waits a bounded
# time and recovers it.  Either way nobody deadlocks.  And with SysV,
# nobody keeping the table attached does not stop the next mailserv.
. "$(dirname "$0")/lib.sh"

SEMHOLD=$top_builddir/tests/semhold
KEY=$DIR/mailserv.key
start_server
dirid

# timed ARGS...: run_cli ARGS; its wall time in $ms.
timed() {
	local start
	start=$(date +%s%N)
	run_cli "$@"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
}

# timed_login NAME: an interactive session as NAME; $ms until who lists
# it (at most 5 s).
timed_login() {
	local start
	start=$(date +%s%N)
	online "$1"
	wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^$1 '"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
}

# lock_value: the lock's value: SysV from mailserv --status; POSIX
# from the semaphore's file (glibc keeps the value in its first 32 bits).
lock_value() {
	if [ "$IPC" = posix ]; then
		od -An -tu4 -N4 "/dev/shm/sem.ipcmail.$DIRID.lock" | tr -d ' '
	else
		"$MAILSERV" -d "$DIR" --status 2>/dev/null |
		    sed -n 's/^table lock (sem).* value \([0-9]*\).*/\1/p'
	fi
}

# lock_mode: the lock's permission bits, from the kernel.
lock_mode() {
	if [ "$IPC" = posix ]; then
		stat -c %a "/dev/shm/sem.ipcmail.$DIRID.lock"
	else
		our_ipcs -s | awk '{ print $4 }'
	fi
}

online alice
ALICE=$ONLINE_PID ALICE_FD=$ONLINE_FD
wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^alice '"
same "the lock is mode 644: others may look, only mailserv may change it" \
    644 "$(lock_mode)"

why=$(other_uid_why)
if [ -z "$why" ]; then
	AS_NOBODY="runuser -u $OTHER_USER --"
	# nobody runs copies (the build tree may be closed to it), and may
	# reach the key file, no more.
	NSEMHOLD=$(other_copy tests/semhold)
	NCLI=$(other_copy mailcli)
	chmod 0755 "$T"
	if [ "$IPC" = posix ]; then
		$AS_NOBODY timeout 5 "$NSEMHOLD" posix "$KEY" >"$T/hold" 2>&1
		same "as nobody, sem_open of the lock for sem_wait fails" 1 $?
		check "... refused by the kernel (EACCES)" \
		    grep -q "semhold: sem_open: Permission denied" "$T/hold"
		$AS_NOBODY rm -f "/dev/shm/sem.ipcmail.$DIRID.lock" 2>/dev/null
		$AS_NOBODY rm -f "/dev/shm/ipcmail.$DIRID.table" 2>/dev/null
	else
		for op in -1 +1 set; do
			$AS_NOBODY timeout 5 "$NSEMHOLD" sysv "$KEY" "$op" >"$T/hold" 2>&1
			same "as nobody, ${op/set/semctl SETVAL} on the lock fails" 1 $?
			check "... refused by the kernel (EACCES)" \
			    grep -qE "semhold: (semop|semctl SETVAL): Permission denied" "$T/hold"
		done
		$AS_NOBODY ipcrm -s "$(our_ipcs -s | awk '{ print $2 }')" 2>/dev/null
		$AS_NOBODY ipcrm -m "$(our_ipcs -m | awk '{ print $2 }')" 2>/dev/null
	fi
	check "as nobody, removing the lock or the table is refused" \
	    ipc_table_present
	same "... and the lock is at rest (0 for SysV, 1 for POSIX)" \
	    "$([ "$IPC" = posix ] && echo 1 || echo 0)" "$(lock_value)"
	# Meanwhile nobody keeps trying; everyone is served at once.
	# (SysV: -1 as a reader once took it, and +1 as mailserv raises it.)
	$AS_NOBODY sh -c "while :; do for op in -1 +1; do
	    timeout 1 '$NSEMHOLD' $IPC '$KEY' \$op >/dev/null 2>&1; done;
	    sleep 0.05; done" 2>/dev/null &
	TRIER=$!
	timed -d "$DIR" who
	same "while nobody keeps trying, who answers" "0 alice" \
	    "$rc $(awk '{ print $1 }' "$T/out")"
	check "... at normal speed ($ms ms)" test "$ms" -le 500
	start=$(date +%s%N)
	$AS_NOBODY timeout 20 "$NCLI" -d "$DIR" who >"$T/out" 2>"$T/err"
	rc=$? ms=$(( ($(date +%s%N) - start) / 1000000 ))
	same "nobody's own who reads the table (read permission suffices)" \
	    "0 alice" "$rc $(awk '{ print $1 }' "$T/out")"
	check "... at normal speed ($ms ms)" test "$ms" -le 500
	timed_login bob
	BOB=$ONLINE_PID BOB_FD=$ONLINE_FD
	check "... and a login reaches who at normal speed ($ms ms)" \
	    test "$ms" -le 1000
	exec {BOB_FD}>&-
	reap "$BOB"
	kill "$TRIER"		# runuser passes SIGTERM on to its shell
	wait "$TRIER" 2>/dev/null
	chmod 0700 "$T"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		[ "$IPC" = posix ] && [ "$i" -gt 9 ] && break
		skip "another uid: $why"
	done
fi

# hold_and_die: a process of mailserv's own uid takes the lock (SysV:
# raises it, as mailserv does while it writes), then is killed.
"$SEMHOLD" "$IPC" "$KEY" >"$T/hold" 2>&1 &
HOLDER=$!
wait_for grep -q held "$T/hold"
check "a process of mailserv's uid took the $IPC lock" grep -q held "$T/hold"
timed -d "$DIR" who
same "who answers while it holds the lock" 0 "$rc"
check "... at normal speed ($ms ms)" test "$ms" -le 500
kill -KILL "$HOLDER"
wait "$HOLDER" 2>/dev/null

timed_login carol
CAROL=$ONLINE_PID CAROL_FD=$ONLINE_FD
if [ "$IPC" = posix ]; then
	check "a login after the holder's death reaches who within 1 s ($ms ms)" \
	    test "$ms" -le 1000
	check "the server recovered the dead holder's lock" \
	    grep -q "mailserv's uid died holding it; recovered" "$T/server.log"
else
	check "a login after the holder's death reaches who at once ($ms ms)" \
	    test "$ms" -le 1000
	check "SEM_UNDO gave the lock back: it is at rest again" \
	    test "$(lock_value)" = 0
	check "... and the server never failed to raise it" \
	    test "$(grep -c 'cannot be raised\|cannot be lowered' "$T/server.log")" = 0
fi
timed -d "$DIR" who
check "the lock works again: who answers at once ($ms ms)" test "$ms" -le 500
exec {CAROL_FD}>&- {ALICE_FD}>&-
reap "$CAROL"
reap "$ALICE"
same "the sessions end normally" 0 $?

# SysV: nobody keeps the table attached (as any reader may) while
# mailserv is killed; the next mailserv still removes it and starts.
if [ "$IPC" = sysv ] && [ -n "${AS_NOBODY:-}" ]; then
	chmod 0755 "$T"
	$AS_NOBODY timeout 60 "$NSEMHOLD" shm "$KEY" >"$T/attach" 2>&1 &
	ATTACHER=$!
	wait_for grep -q held "$T/attach"
	check "as nobody, the table is attached read-only" grep -q held "$T/attach"
	kill_server
	if start_server; then
		ok "a mailserv restarted after kill -9 starts though nobody keeps the old table attached"
	else
		not_ok "a mailserv restarted after kill -9 starts though nobody keeps the old table attached"
	fi
	check "... it removed that table, saying so" \
	    grep -q "of a dead mailserv (pid [0-9]*), though 1 processes still have it attached" "$T/server.log"
	run_cli -d "$DIR" who
	same "... and who works" 0 "$rc"
	kill "$ATTACHER"
	wait "$ATTACHER" 2>/dev/null
	chmod 0700 "$T"
elif [ "$IPC" = sysv ]; then
	for i in 1 2 3 4; do skip "another uid (needs root and user nobody)"; done
fi

finish
