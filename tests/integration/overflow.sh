#!/bin/bash
# overflow.sh - mail the kernel store has no room for waits in the spool:
# 100 messages of 30 KiB to five users through a 2-shard store (32 KiB
# of SysV queues; a POSIX mailbox queue holds 2 of them) are all
# accepted; the kernel holds what fits and --status says the rest waits
# in the spool; each user reads all 20 of theirs in order, byte-exact,
# across a kill -9 of mailserv midway, nothing lost or duplicated.  Past
# --spool-max, or the spool's disk reserve, a send is refused "mail store
# is full" (exit 4).
. "$(dirname "$0")/lib.sh"

OPTS="--shards 2 --max-body 32000 --quota 1000000 --rate 0"
USERS="u1 u2 u3 u4 u5"
mkdir -p "$T/b"
for i in $(seq 1 20); do
	for u in $USERS; do
		{ echo "to $u, number $i"
		  head -c 23000 /dev/urandom | base64 -w 76 | head -c 30690
		  echo; } >"$T/b/$u.$i"
	done
done

start_server $OPTS
sent=0
for i in $(seq 1 20); do
	for u in $USERS; do
		timeout 20 "$MAILCLI" -d "$DIR" -u bob send "$u" <"$T/b/$u.$i" \
		    >/dev/null 2>>"$T/send.err" && sent=$((sent + 1))
	done
done
same "100 messages of 30 KiB are all accepted (exit 0)" 100 "$sent"
diag "$T/send.err"

queued=$(ipc_queued)
qbytes=$(ipc_queued_bytes)
check "the kernel holds what fits ($queued parts, $qbytes bytes)" \
    test "$queued" -gt 0 -a "$qbytes" -gt 30000
if [ "$IPC" = sysv ]; then
	check "... in the 2 shard queues ipcs -q shows, full to 32 KiB" \
	    test "$(our_ipcs -q | wc -l)" = 2 -a "$qbytes" -le 32768
fi
"$MAILSERV" -d "$DIR" --status >"$T/status"
kernel=$(sed -n 's/^live: messages: \([0-9]*\) stored now.*/\1/p' "$T/status")
waiting=$(sed -n 's/^live: overflow: \([0-9]*\) messages, \([0-9]*\) bytes wait in the spool.*/\1 \2/p' "$T/status")
check "--status: $kernel in the kernel store, the rest wait in the spool ($waiting)" \
    test -n "$kernel" -a -n "$waiting" -a "$kernel" -gt 0 -a \
    "$((kernel + ${waiting%% *}))" = 100 -a "${waiting#* }" -ge $(((100 - kernel) * 30000))
check "--status reports the store's capacity" \
    grep -qE '^live: capacity: [0-9]+ queues x [0-9]+ bytes = [0-9]+ bytes' "$T/status"

# Read everything, in order; kill -9 mailserv when u3 is halfway.
good=0 bad=
for u in $USERS; do
	for i in $(seq 1 20); do
		if [ "$u.$i" = u3.11 ]; then
			kill_server
			start_server $OPTS
			check "after kill -9 the restart finds the mail waiting in the spool" \
			    grep -qE 'spool: [0-9]+ messages wait there for room' "$T/server.log"
		fi
		timeout 20 "$MAILCLI" -d "$DIR" -u "$u" read >"$T/out" 2>"$T/err"
		sed '1,4d' "$T/out" >"$T/got"
		if cmp -s "$T/b/$u.$i" "$T/got"; then good=$((good + 1))
		else bad="$bad $u.$i"; fi
	done
done
same "each user reads all 20 of theirs in order, byte-exact${bad:+ (not:$bad)}" 100 "$good"
left=0
for u in $USERS; do
	timeout 20 "$MAILCLI" -d "$DIR" -u "$u" inbox >"$T/out" 2>&1
	left=$((left + $(wc -l <"$T/out")))
done
same "nothing is left or duplicated: every inbox is empty" 0 "$left"
"$MAILSERV" -d "$DIR" --status >"$T/status"
check "... and nothing waits in the spool" \
    grep -q '^live: overflow: 0 messages, 0 bytes' "$T/status"
same "... nor in the kernel" 0 "$(ipc_queued)"
check "mail moved from the spool into the kernel as readers made room" \
    grep -q "moved from the spool into the kernel store" "$T/server.log"
stop_server

# The spool's own bounds.
start_server $OPTS --spool-max 100000
n=0
for i in 1 2 3; do
	timeout 20 "$MAILCLI" -d "$DIR" -u bob send u1 <"$T/b/u1.$i" \
	    >/dev/null 2>&1 && n=$((n + 1))
done
same "under --spool-max 100000, three messages of 30 KB are accepted" 3 "$n"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send u1 <"$T/b/u1.4" >/dev/null 2>"$T/err"
same "the fourth would pass --spool-max: send exits 4" 4 $?
check "... saying the mail store is full (the spool's bound)" \
    grep -q "mail store is full (the spool holds [0-9]* bytes of mail, at most 100000)" "$T/err"
timeout 20 "$MAILCLI" -d "$DIR" -u u1 read >/dev/null 2>&1
timeout 20 "$MAILCLI" -d "$DIR" -u bob send u1 <"$T/b/u1.4" >/dev/null 2>"$T/err"
same "once a reader takes one, there is room again" 0 $?
stop_server
start_server $OPTS --spool-minfree 1000000000000000
timeout 20 "$MAILCLI" -d "$DIR" -u bob send u1 "small" >/dev/null 2>"$T/err"
same "with less free disk than --spool-minfree keeps, send exits 4" 4 $?
check "... saying the spool's file system keeps its reserve" \
    grep -q "mail store is full (the spool's file system has [0-9]* bytes free and keeps 1000000000000000)" "$T/err"
stop_server
start_server $OPTS --no-spool
n=0
for i in 1 2 3; do
	timeout 20 "$MAILCLI" -d "$DIR" -u bob send u2 <"$T/b/u2.$i" \
	    >/dev/null 2>"$T/err" && n=$((n + 1))
done
check "with --no-spool the kernel store is the bound: refused when full ($n of 3)" \
    test "$n" -lt 3
check "... saying the mail store is full" grep -q "mail store is full" "$T/err"
stop_server
finish
