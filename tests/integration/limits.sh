#!/bin/bash
# limits.sh - one user cannot deny the others (issue 11): the per-sender
# limit (--sender-quota) against a filler who writes to made-up names,
# kept across a kill -9 of mailserv; --recipients=accounts; sessions
# per user (--max-sessions), the places of the online table kept for
# users not yet online, and sessions of any kind per user.  The
# attacker is the user nobody.
. "$(dirname "$0")/lib.sh"

why=$(other_uid_why)
[ -n "$why" ] || id daemon >/dev/null 2>&1 || why="no user daemon"
if [ -n "$why" ]; then
	skip "the limits need other uids: $why"
	finish
fi
chmod 0755 "$T"
# Other uids run a copy: the build tree may be closed to them.
OCLI=$(other_copy mailcli)
cli() { run_cli -d "$DIR" "$@"; }
# as_nobody ARGS...: mailcli as nobody (so named nobody), like run_cli.
as_nobody() {
	runuser -u nobody -- timeout 20 "$OCLI" -d "$DIR" "$@" \
	    >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}
head -c 46080 /dev/urandom | base64 -w 0 | head -c 61439 >"$T/body"
echo >>"$T/body"		# 60 KiB
# What it counts against the sender: its bytes (SysV), or its 8 parts
# of 8 KiB (POSIX: a queue slot costs its full size).
[ "$IPC" = posix ] && COST=65536 || COST=61440
# fill: nobody sends the 60 KiB body to x1 ... x64 until refused;
# FILLED: how many were accepted; rc and $T/err: the refusal.
fill() {
	local i
	FILLED=0
	for i in $(seq 1 64); do
		runuser -u nobody -- timeout 20 "$OCLI" -d "$DIR" send "x$i" \
		    <"$T/body" >/dev/null 2>"$T/err"
		rc=$?
		[ "$rc" = 0 ] || return
		FILLED=$((FILLED + 1))
	done
}

# ---- the per-sender limit --------------------------------------------
start_server
fill
same "nobody's filler is refused with exit 4 (after $FILLED messages)" 4 "$rc"
check "... by the sender quota, not because the store is full" \
    grep -q "you have too much unread mail waiting at others ($((FILLED * COST)) bytes)" "$T/err"
check "... having stored some first" test "$FILLED" -ge 1
"$MAILSERV" -d "$DIR" --status >"$T/status" 2>&1
check "--status names nobody among the senders with mail waiting" \
    grep -q "^live: sender quota: .* most: nobody $((FILLED * COST)) bytes in $FILLED" "$T/status"
timeout 20 "$OCLI" -d "$DIR" -u alice send bob <"$T/body" 2>"$T/err"
same "another user's 60 KiB message is then accepted" 0 $?
cli -u bob read
sed '1,4d' "$T/out" >"$T/got"
check "... and read intact by its recipient" cmp -s "$T/body" "$T/got"
as_nobody send nobody "a note to myself"
same "mail to oneself is not mail at others: accepted" 0 "$rc"
as_nobody inbox
check "... (and is there)" grep -q "a note to myself" "$T/out"

# The tally comes back from the store's index after a crash.
kill_server
start_server
runuser -u nobody -- timeout 20 "$OCLI" -d "$DIR" send x64 \
    <"$T/body" >/dev/null 2>"$T/err"
same "after kill -9 and a restart, nobody is still refused (exit 4)" 4 $?
check "... by the sender quota" grep -q "you have too much unread mail waiting at others" "$T/err"
for i in $(seq 1 "$FILLED"); do
	cli -u "x$i" read
done
runuser -u nobody -- timeout 20 "$OCLI" -d "$DIR" send x64 \
    <"$T/body" >/dev/null 2>"$T/err"
same "once the recipients have read, nobody may send again" 0 $?
cli -u x64 delete 1
check "... and a deleted message counts no more" \
    sh -c "'$MAILSERV' -d '$DIR' --status | grep -q '^live: sender quota: .* 0 senders have mail waiting'"
stop_server
"$MAILSERV" -d "$DIR" --purge >/dev/null 2>&1
KEYPAT= DIRID=

start_server --sender-quota 140000
fill
same "--sender-quota 140000 lets two 60 KiB messages in, not three" "2:4" "$FILLED:$rc"
stop_server
"$MAILSERV" -d "$DIR" --purge >/dev/null 2>&1
KEYPAT= DIRID=

# ---- real recipients -------------------------------------------------
start_server --recipients=accounts
cli -u alice send zz9-no-such "hello?"
same "--recipients=accounts refuses a made-up name (exit 3)" 3 "$rc"
check "... saying so" grep -q "no such user zz9-no-such on this host" "$T/err"
cli -u alice send nobody "hello, account"
same "... and accepts a local account" 0 "$rc"
as_nobody inbox
check "... which finds it" grep -q "hello, account" "$T/out"
stop_server
"$MAILSERV" -d "$DIR" --recipients=some >/dev/null 2>&1
same "--recipients=some is a usage error (exit 1)" 1 $?

# ---- sessions per user -----------------------------------------------
# N interactive mailcli as nobody, all reading one FIFO that this shell
# holds open (nothing is written: they wait at their prompt).
mkdir -m 0777 "$T/sess"
mkfifo -m 0666 "$T/hold"
# sessions N: start them; HOLD_PID is the runuser that runs them.
sessions() {
	runuser -u nobody -- bash -c '
		for i in $(seq 1 "$1"); do
			( "$2" -d "$3" <"$4/hold" >"$4/sess/out.$i" 2>&1
			  echo $? >"$4/sess/rc.$i" ) &
		done
		wait' sessions "$1" "$OCLI" "$DIR" "$T" &
	HOLD_PID=$!
	exec {HOLD_FD}>"$T/hold"
}
# ended RC N: wait up to 30 s until N sessions have ended with status
# RC (70 of them take a while to start on a loaded machine).
ended() {
	local i
	for i in $(seq 1 300); do
		[ "$(cat "$T"/sess/rc.* 2>/dev/null | grep -cx "$1")" -ge "$2" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}
# other_user: an interactive mailcli of the user daemon (unprivileged,
# with no session yet), on the same held input (not holding it open).
other_user() {
	runuser -u daemon -- "$OCLI" -d "$DIR" <"$T/hold" \
	    >"$T/sess/daemon.out" 2>&1 {HOLD_FD}>&- &
	OTHER_PID=$!
}
# release: end every session (their input ends) and wait for them.
release() {
	exec {HOLD_FD}>&-
	wait_for sh -c "! kill -0 $HOLD_PID 2>/dev/null" ||
	    pkill -KILL -f -- "^$OCLI -d $DIR\$"
	wait "$HOLD_PID" 2>/dev/null
	rm -f "$T"/sess/*
}
online_count() {
	"$OCLI" -d "$DIR" who 2>/dev/null | awk -v n="$1" '$1 == n' | wc -l
}
has_online() { [ "$(online_count "$1")" = "$2" ]; }

start_server
sessions 70
ended 1 62
same "70 sessions of nobody: 62 refused with exit 1" 62 \
    "$(cat "$T"/sess/rc.* 2>/dev/null | grep -cx 1)"
check "... saying too many sessions for nobody (at most 8)" \
    test "$(grep -l 'too many sessions for nobody (at most 8)' "$T"/sess/out.* | wc -l)" = 62
wait_for has_online nobody 8
same "... 8 stay online" 8 "$(online_count nobody)"
"$MAILSERV" -d "$DIR" --status >"$T/status" 2>&1
check "--status shows nobody's 8 sessions" \
    grep -q '^live: sessions per user: at most 8 each, .* most: nobody 8' "$T/status"
other_user
check "another user's interactive session still logs in" \
    wait_for has_online daemon 1
as_nobody inbox
same "a one-shot command of nobody takes no place: it works meanwhile" 0 "$rc"
release
reap "$OTHER_PID"
same "every session ended with its input" 0 "$(pgrep -fc -- "^$OCLI -d $DIR\$")"
stop_server

# The last places of the table are for users not yet online.
start_server --max-users 16 --max-sessions 70
sessions 20
ended 1 6
wait_for has_online nobody 14
same "--max-users 16: nobody gets 14 places of 16 (2 kept)" 14 "$(online_count nobody)"
check "... the others refused: the last 2 places are kept" \
    test "$(grep -l 'too many users online (at most 16; the last 2 places are kept for users not yet online)' "$T"/sess/out.* | wc -l)" = 6
other_user
check "... so another user still logs in" \
    wait_for has_online daemon 1
release
reap "$OTHER_PID"
stop_server

# ---- sessions of any kind --------------------------------------------
# One-shot sessions take no place in the table, but mailserv keeps at
# most 4096 sessions of any kind.  nobody asks for 4100 (hellos from
# reply FIFOs it reads and then never uses): it gets 512, and the others
# still get theirs.
start_server
runuser -u nobody -- env PYTHONPATH="$(other_pythonpath)" \
    python3 - "$DIR" 4100 "$T/many.stop" \
    >"$T/sess/many" 2>&1 <<'PY' &
import os, resource, struct, sys, time
from forge import hello, record
d, n, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
srv = os.open(os.path.join(d, "mailserv.fifo"), os.O_WRONLY)
fds = []
for i in range(n):
    pid = 4000000 + i
    fifo = os.path.join(d, "clients", "nobody.%d" % pid)
    os.mkfifo(fifo, 0o622)
    fds.append((os.open(fifo, os.O_RDONLY | os.O_NONBLOCK), fifo))
    os.write(srv, record(1, pid, hello("nobody"), token=os.urandom(16)))
got = {}
deadline = time.time() + 60
while len(got) < n and time.time() < deadline:
    for fd, fifo in fds:
        if fd in got:
            continue
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            continue
        if len(data) >= 40:
            got[fd] = data
    time.sleep(0.05)
welcome = sum(1 for v in got.values() if struct.unpack("=H", v[6:8])[0] == 64)
refused = sum(1 for v in got.values() if struct.unpack("=H", v[6:8])[0] == 66
              and b"too many sessions for nobody (at most 512 at once" in v)
print("welcome %d refused %d" % (welcome, refused), flush=True)
while not os.path.exists(stop):
    time.sleep(0.05)
for fd, fifo in fds:
    os.close(fd)
    try:
        os.unlink(fifo)
    except OSError:
        pass
PY
MANY_PID=$!
# 4100 hellos and answers take a few seconds, more on a loaded machine.
for i in $(seq 1 600); do
	grep -q '^welcome' "$T/sess/many" && break
	sleep 0.1
done
same "nobody asking for 4100 sessions gets 512, the rest refused" \
    "welcome 512 refused 3588" "$(cat "$T/sess/many")"
cli -u alice inbox
same "... and another user's command still gets a session" 0 "$rc"
runuser -u daemon -- timeout 20 "$OCLI" -d "$DIR" inbox >/dev/null 2>&1
same "... an unprivileged one's too" 0 $?
touch "$T/many.stop"
reap "$MANY_PID"
stop_server

finish
