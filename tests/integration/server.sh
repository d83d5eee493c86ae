#!/bin/bash
# server.sh - mailserv's contract: help, version, usage errors, one
# server per run directory, --status, --purge, graceful stop (mail
# kept, FIFO and online table removed) and run-directory safety.
. "$(dirname "$0")/lib.sh"

"$MAILSERV" --help >"$T/out" 2>&1
check "mailserv --help documents --status" grep -q -- '--status' "$T/out"
check "mailserv --help documents the exit codes" grep -q 'Exit status' "$T/out"
"$MAILSERV" --version >"$T/out" 2>&1
check "mailserv --version prints the version" grep -qE '^mailserv \(ipcmail\) [0-9]' "$T/out"
"$MAILSERV" --bogus >/dev/null 2>&1
same "mailserv with an unknown option exits 1" 1 $?
"$MAILSERV" --max-users zero >/dev/null 2>&1
same "mailserv --max-users zero exits 1" 1 $?
"$MAILSERV" -d relative/dir >/dev/null 2>&1
same "mailserv refuses a relative run directory (exit 1)" 1 $?

"$MAILCLI" --help >"$T/out" 2>&1
check "mailcli --help documents the exit codes" grep -q '5 message too large' "$T/out"
"$MAILCLI" --version >"$T/out" 2>&1
check "mailcli --version prints the version" grep -qE '^mailcli \(ipcmail\) [0-9]' "$T/out"

expect 2 "mailcli without a run directory exits 2" -d "$DIR" -u bob inbox
check "... and names the run directory" grep -q "$DIR" "$T/err"

start_server
check "mailserv creates the FIFO with mode 0622" \
    test "$(stat -c %a "$DIR/mailserv.fifo")" = 622
check "the clients directory is sticky and mode 1733" \
    test "$(stat -c %a "$DIR/clients")" = 1733
check "mailserv publishes the online table ($IPC shm + semaphore)" ipc_table_present

timeout 10 "$MAILSERV" -d "$DIR" >"$T/out" 2>"$T/err"
same "a second mailserv on the same directory exits 3" 3 $?
check "... saying another mailserv serves it" grep -q "already serving $DIR" "$T/err"

expect 0 "send works" -d "$DIR" -u bob send alice "kept across stops"
"$MAILSERV" -d "$DIR" --status >"$T/out" 2>&1
check "--status names the running server" grep -q "mailserv running (pid $SERVER_PID)" "$T/out"
check "--status names the backend" grep -q "running (pid $SERVER_PID), $IPC backend" "$T/out"
check "--status lists the store's queue with its message" \
    grep -qE '^(mail store shard +0x[0-9a-f]{8} +[0-9]+ 0600 .* 1 message,|mailbox queue .* 0600 .* 1 of 10 messages /ipcmail\.)' "$T/out"
check "--status lists the online table" grep -q '^online table (shm)' "$T/out"
check "--status lists the semaphore" grep -q '^table lock (sem)' "$T/out"
check "--status lists the registration FIFO" grep -q "^registration FIFO .*$DIR/mailserv.fifo" "$T/out"

# Identity: another uid may use only its own login name.
why=$(other_uid_why)
if [ -z "$why" ]; then
	chmod 0755 "$T"
	as_other mailcli -d "$DIR" -u alice inbox \
	    >"$T/out" 2>"$T/err"
	same "another uid claiming someone else's name is refused (exit 3)" 3 $?
	check "... because the server checked who owns its reply FIFO" \
	    grep -q "uid $(id -u nobody) may not use the name alice" "$T/err"
	as_other mailcli -d "$DIR" -u nobody inbox \
	    >"$T/out" 2>"$T/err"
	same "another uid may use its own login name" 0 $?
	if [ "$IPC" = posix ]; then
		# A trap: another user makes dave's queue first, open to all.
		dirid
		as_other tests/semhold mq \
		    "/ipcmail.$DIRID.m.dave"
		run_cli -d "$DIR" -u bob send dave "for dave's eyes only"
		same "mail for a mailbox whose queue someone else made is still sent" 0 "$rc"
		check "... the server leaves that queue alone" \
		    grep -q "m.dave belongs to uid $(id -u nobody) with mode 0666" "$T/server.log"
		check "... and nothing went into it" \
		    grep -q "^QSIZE:0 " "/dev/mqueue/ipcmail.$DIRID.m.dave"
		check "... the mail went to a queue of the server's own, under a random name" \
		    sh -c "ls -l /dev/mqueue/ipcmail.$DIRID.m.dave.* | grep -q '^-rw------- 1 root'"
		run_cli -d "$DIR" -u dave read
		check "... where dave reads it" grep -q "for dave's eyes only" "$T/out"
		run_cli -d "$DIR" -u bob send dave "after a restart too"
		stop_server
		start_server
		run_cli -d "$DIR" -u dave read
		check "... also after a restart (the registry keeps the name)" \
		    grep -q "after a restart too" "$T/out"
		rm -f "/dev/mqueue/ipcmail.$DIRID.m.dave"
	fi
	chmod 0700 "$T"
else
	for i in 1 2 3; do skip "identity checks: $why"; done
fi

"$MAILSERV" -d "$DIR" --purge >"$T/out" 2>"$T/err"
same "--purge refuses while mailserv runs (exit 3)" 3 $?
expect 0 "... and the mail is still there" -d "$DIR" -u alice inbox
same "... inbox shows it" 1 "$(wc -l <"$T/out")"

stop_server
same "SIGTERM stops mailserv with exit 0" 0 "$SERVER_STATUS"
check "graceful stop removes the FIFO" test ! -e "$DIR/mailserv.fifo"
check "graceful stop removes the online table and its lock" ipc_table_absent
check "graceful stop keeps the mail queue in the kernel" test "$(ipc_queued)" = 1
expect 2 "mailcli with the server stopped exits 2" -d "$DIR" -u alice inbox
check "... saying mailserv is not running in DIR" grep -q "not running in $DIR" "$T/err"
expect 2 "mailcli who with the server stopped exits 2" -d "$DIR" who

"$MAILSERV" -d "$DIR" --status >"$T/out" 2>&1
check "--status without a server still reports the kernel objects" \
    grep -q '^mail store  *1 part queued in 1 queue' "$T/out"
check "--status says no mailserv runs" grep -q 'no mailserv running' "$T/out"

"$MAILSERV" -d "$DIR" --purge >"$T/out" 2>&1
same "--purge without a server exits 0" 0 $?
check "--purge removed every object and the run directory" \
    test -z "$(ipc_leftovers)" -a ! -e "$DIR"

# -d beats MAILSERV_DIR.
MAILSERV_DIR=$T/elsewhere run_cli -d "$DIR" -u bob inbox
check "-d beats MAILSERV_DIR (the error names the -d directory)" grep -q "$DIR" "$T/err"

# Run-directory safety.
mkdir -p "$T/real"
ln -s "$T/real" "$T/link"
timeout 10 "$MAILSERV" -d "$T/link" >/dev/null 2>"$T/err"
same "mailserv refuses a run directory that is a symlink (exit 2)" 2 $?
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open"
timeout 10 "$MAILSERV" -d "$T/open" >/dev/null 2>"$T/err"
same "mailserv refuses a world-writable run directory (exit 2)" 2 $?
check "... and says why" grep -q "writable by group or others" "$T/err"
run_cli -d "$T/open" -u bob inbox
same "mailcli refuses a world-writable run directory (exit 1)" 1 "$rc"
if id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	mkdir "$T/theirs"
	chown nobody "$T/theirs"
	timeout 10 "$MAILSERV" -d "$T/theirs" >/dev/null 2>"$T/err"
	same "mailserv refuses a run directory another user made (exit 2)" 2 $?
else
	skip "run directory of another user (needs root and user nobody)"
fi

finish
