#!/bin/bash
# capacity.sh - mailserv reports what its store can hold, from what the
# kernel gives new queues, and uses it: in a private IPC namespace (the
# only place a test may change an IPC sysctl) with kernel.msgmnb raised
# to 1 MiB (SysV) or fs.mqueue.msg_max to 256 and no RLIMIT_MSGQUEUE
# (POSIX), the capacity it reports grows accordingly and a 1 MiB body
# round-trips byte-exact.  Needs root and unshare -i; skips otherwise.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! unshare -im true 2>/dev/null; then
	for i in 1 2 3 4 5 6; do skip "capacity in a private IPC namespace (needs root and unshare -i)"; done
	finish
fi

# The host's figure, for comparison.
start_server
host=$(sed -n 's/.*store capacity: \([0-9]*\) queues x \([0-9]*\) bytes = \([0-9]*\) bytes.*/\1 \2 \3/p' "$T/server.log" | head -1)
check "mailserv logs its store's capacity at start ($host)" test -n "$host"
"$MAILSERV" -d "$DIR" --status >"$T/status"
set -- $host
check "... and --status shows it" \
    grep -q "^live: capacity: $1 queues x $2 bytes = $3 bytes" "$T/status"
stop_server

NS=$T/ns
BODY=1048576
if [ "$IPC" = sysv ]; then
	RAISE="sysctl -q -w kernel.msgmnb=1048576"
	WANT="[0-9]+ queues x 1048576 bytes"
elif unshare -im bash -c 'ulimit -q unlimited' 2>/dev/null; then
	RAISE="sysctl -q -w fs.mqueue.msg_max=256 && ulimit -q unlimited"
	WANT="[0-9]+ queues x 2097152 bytes"
else
	# RLIMIT_MSGQUEUE cannot be raised here (no CAP_SYS_RESOURCE):
	# mailserv takes what keeps 8 queues under it, 12 parts, and a
	# body of 12 parts (too large for a queue of 10) round-trips.
	echo "# RLIMIT_MSGQUEUE cannot be raised here: a body of 12 parts, not 1 MiB"
	RAISE="sysctl -q -w fs.mqueue.msg_max=256"
	WANT="[0-9]+ queues x 98304 bytes"
	BODY=96000
fi
head -c $((BODY * 3 / 4)) /dev/urandom | base64 -w 76 | head -c $((BODY - 1)) >"$T/1m"
echo >>"$T/1m"
# The namespace's own mqueue mount, to see what is left in it.
cat >"$T/ns.sh" <<EOF
$RAISE || exit 90
mount -t mqueue none /dev/mqueue 2>/dev/null
"$MAILSERV" -d "$NS" --ipc=$IPC --max-body $BODY --quota 4194304 2>"$T/ns.log" &
pid=\$!
for i in \$(seq 1 500); do grep -q serving "$T/ns.log" && break; sleep 0.01; done
timeout 30 "$MAILCLI" -d "$NS" -u bob send alice <"$T/1m" >/dev/null 2>"$T/ns.err"
echo "send \$?"
"$MAILSERV" -d "$NS" --status >"$T/ns.status" 2>&1
timeout 30 "$MAILCLI" -d "$NS" -u alice read >"$T/ns.out" 2>>"$T/ns.err"
echo "read \$?"
kill -TERM \$pid; wait \$pid
sed -n 's/^ipcmail run directory //p' "$NS/mailserv.key" >"$T/ns.dirid"
"$MAILSERV" -d "$NS" --ipc=$IPC --purge >/dev/null 2>&1
echo "sysv left: \$(ipcs -q | grep -c '^0x')"
echo "mqueue left: \$(ls /dev/mqueue | wc -l)"
EOF
unshare -im bash "$T/ns.sh" >"$T/ns.res" 2>&1
nsrc=$?
if [ "$nsrc" = 90 ]; then
	for i in 1 2 3 4 5 6; do skip "the private namespace refused the sysctl"; done
	finish
fi
diag "$T/ns.res"
check "in a private IPC namespace with the limit raised, the capacity grows" \
    grep -qE "store capacity: $WANT" "$T/ns.log"
check "... and --status shows it there" grep -qE "^live: capacity: $WANT" "$T/ns.status"
same "a body of $BODY bytes is accepted there" "send 0" "$(grep '^send' "$T/ns.res")"
sed '1,4d' "$T/ns.out" >"$T/ns.got"
check "... and read back byte-exact" cmp -s "$T/1m" "$T/ns.got"
same "nothing is left in the namespace" "sysv left: 0 mqueue left: 0" \
    "$(grep left "$T/ns.res" | tr '\n' ' ' | sed 's/ $//')"
check "... nor of its run directory in /dev/shm (shared with the host)" \
    test -s "$T/ns.dirid" -a -z "$(ls /dev/shm | grep -F -f "$T/ns.dirid")"
diag "$T/ns.err"
finish
