#!/bin/bash
# control.sh - the control socket DIR/mailserv.sock: live figures in
# --status that match what was done, kick, --stop, and SO_PEERCRED
# refusing every uid but mailserv's and root's.
. "$(dirname "$0")/lib.sh"

start_server
check "the control socket exists" test -S "$DIR/mailserv.sock"
check "... mode 0666: SO_PEERCRED, not the file mode, decides who talks" \
    test "$(stat -c %a "$DIR/mailserv.sock")" = 666

for i in 1 2 3; do run_cli -d "$DIR" -u bob send alice "note $i"; done
run_cli -d "$DIR" -u alice read 1
online carol
CAROL=$ONLINE_PID CAROL_FD=$ONLINE_FD
wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^carol '"

"$MAILSERV" -d "$DIR" --status >"$T/out" 2>&1
check "--status gives live figures from the running server" \
    grep -q "^live: mailserv pid $SERVER_PID, up .*, $IPC backend" "$T/out"
check "... sessions: the one logged in" grep -q '^live: sessions: 1 logged in' "$T/out"
check "... messages: 2 stored, 3 accepted, 1 delivered" \
    grep -q '^live: messages: 2 stored now (12 bytes), 3 accepted and 1 delivered' "$T/out"
check "... the queue depths" grep -qE '^live: queue .*: 2 (of 10 )?messages' "$T/out"
check "... the spool" grep -q '^live: spool: 2 messages' "$T/out"

why=$(other_uid_why)
if [ -z "$why" ]; then
	chmod 0755 "$T"
	as_other mailserv -d "$DIR" --status >"$T/out" 2>&1
	check "another uid gets no live figures" test "$(grep -c '^live: mailserv pid' "$T/out")" = 0
	check "... the server refused it by SO_PEERCRED" \
	    grep -q "control socket: refused pid [0-9]* (uid $(id -u nobody))" "$T/server.log"
	as_other mailcli -d "$DIR" kick carol >"$T/out" 2>"$T/err"
	same "another uid may not kick (exit 1)" 1 $?
	check "... permission denied" grep -q "permission denied" "$T/err"
	as_other mailserv -d "$DIR" --stop >/dev/null 2>&1
	same "another uid may not --stop (exit 2)" 2 $?
	check "... and mailserv runs on" kill -0 "$SERVER_PID"
	chmod 0700 "$T"
else
	for i in 1 2 3 4 5 6; do skip "another uid: $why"; done
fi

run_cli -d "$DIR" kick carol
same "kick exits 0" 0 "$rc"
check "... and says how many sessions it ended" grep -q 'kicked 1 session of carol' "$T/out"
check "the kicked session is told why" wait_for grep -q 'logged out by the administrator' "$T/carol.out"
check "... and ends" wait_for sh -c "! kill -0 $CAROL"
reap "$CAROL"
same "... with exit 1, not 2 (mailserv is still there)" 1 $?
check "... not saying mailserv has gone away" \
    test "$(grep -c 'gone away' "$T/carol.out")" = 0
exec {CAROL_FD}>&-
run_cli -d "$DIR" who
same "who no longer lists carol" 0 "$(grep -c '^carol ' "$T/out")"

kill -USR1 "$SERVER_PID"
check "SIGUSR1 logs the live figures" wait_for grep -q "mailserv\[$SERVER_PID\]: live: messages: " "$T/server.log"

# --reconnect 0: the session ends when mailserv stops (by default it
# waits for the next one: reconnect.sh).
online dave --reconnect 0
DAVE=$ONLINE_PID DAVE_FD=$ONLINE_FD
wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^dave '"
"$MAILSERV" -d "$DIR" --stop >"$T/out" 2>&1
same "--stop exits 0" 0 $?
reap "$DAVE"
same "an online session with --reconnect 0 ends with exit 2 when mailserv stops" 2 $?
check "... saying mailserv is stopping" grep -q 'mailcli: mailserv is stopping' "$T/dave.out"
exec {DAVE_FD}>&-
check "... once mailserv has stopped" grep -q "mailserv (pid $SERVER_PID) stopped" "$T/out"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
check "... removing its socket and FIFO" test ! -e "$DIR/mailserv.sock" -a ! -e "$DIR/mailserv.fifo"
"$MAILSERV" -d "$DIR" --stop >/dev/null 2>"$T/err"
same "--stop with no server exits 2" 2 $?
check "... saying so" grep -q "no mailserv serves $DIR" "$T/err"

finish
