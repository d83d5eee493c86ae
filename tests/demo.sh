#!/bin/bash
# demo.sh - the README's demo, unattended: mailserv and three mailcli
# sessions (in a detached tmux, so no terminal is needed), live
# delivery, mail to an offline user, every process killed with SIGKILL,
# ipcs showing the mail still queued in the kernel, a restart, the
# mail read by the third user, and a room: the three join #lunch and
# talk, one leaves and comes back to the backlog.  It leaves nothing running and nothing behind.
#
# usage: tests/demo.sh [BUILDDIR]
set -u
B=${1:-$(cd "$(dirname "$0")/.." && pwd)}
MAILSERV=$B/mailserv
MAILCLI=$B/mailcli
[ -x "$MAILSERV" ] && [ -x "$MAILCLI" ] || {
	echo "demo: build first (no $MAILSERV)" >&2; exit 1; }
command -v tmux >/dev/null || {
	echo "demo: needs tmux (apt-get install tmux)" >&2; exit 1; }

T=$(mktemp -d /tmp/ipcmail-demo.XXXXXX)
DIR=$T/run
export XDG_DATA_HOME=$T/data TMUX_TMPDIR=$T
tm() { tmux -L demo "$@"; }
# tm_stop: end the tmux server and wait until it is gone (a session
# made while it is still exiting fails: "server exited unexpectedly").
tm_stop() {
	tm kill-server 2>/dev/null
	for _ in $(seq 1 300); do
		tm list-sessions >/dev/null 2>&1 || return 0
		sleep 0.01
	done
}
cleanup() {
	tm_stop
	pkill -KILL -f -- "$DIR" 2>/dev/null
	[ -d "$DIR" ] && "$MAILSERV" -d "$DIR" --purge >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
run() { printf '$ %s\n' "$*"; "$@"; }
pane() {	# pane NAME: what that user's terminal shows
	echo "---- $1's terminal ----"
	tm capture-pane -p -t "$1" |
	    awk '{ line[NR] = $0 } NF { last = NR } END { for (i = 1; i <= last; i++) print line[i] }'
	echo "----"
}
wait_screen() {
	for _ in $(seq 1 300); do
		tm capture-pane -p -t "$1" | grep -q -- "$2" && return 0
		sleep 0.01
	done
	echo "demo: $1 never showed '$2'" >&2
	missed=$((missed + 1))
	return 1
}
missed=0
server_start() {
	"$MAILSERV" -d "$DIR" 2>>"$T/mailserv.log" &
	SERVER=$!
	# Its "serving" line, not the FIFO: a killed server leaves one.
	for _ in $(seq 1 300); do
		grep -q "mailserv\[$SERVER\]: serving" "$T/mailserv.log" && return
		sleep 0.01
	done
}
ourkeys() {
	local dev ino
	dev=$(stat -c %d "$DIR/mailserv.key"); ino=$(stat -c %i "$DIR/mailserv.key")
	printf '0x..%02x%04x' $((dev & 0xff)) $((ino & 0xffff))
}

say "1. start mailserv on $DIR"
server_start
sed 's/^/   mailserv: /' "$T/mailserv.log"

say "2. alice and bob log in (interactive sessions); carol stays offline"
for u in alice bob; do
	tm new-session -d -s $u -x 90 -y 12 "$MAILCLI -d $DIR -u $u; sleep 60"
	wait_screen $u 'mailcli>'
done
run "$MAILCLI" -d "$DIR" who

say "3. bob types a message to alice: it appears live in her session"
tm send-keys -t alice "send bob hi bo"       # alice is typing too
wait_screen alice 'send bob hi bo'
tm send-keys -t bob "send alice lunch at noon? 🍜" Enter
wait_screen alice 'lunch at noon'
pane alice
echo "(alice's half-typed line is still there; she finishes it)"
tm send-keys -t alice "b" Enter
wait_screen bob 'hi bob'
pane bob

say "4. alice leaves mail for carol, who is offline: it waits in the kernel"
tm send-keys -t alice "send carol the report is in /srv/reports, 한국어 OK" Enter
wait_screen alice 'Sent to carol'
run "$MAILSERV" -d "$DIR" --status

say "5. kill -9 every process: mailserv and both sessions"
pids=$(pgrep -f -- "$MAILSERV -d $DIR|$MAILCLI -d $DIR" | tr '\n' ' ')
run kill -KILL $pids
wait "$SERVER" 2>/dev/null
sleep 0.2
echo "still running: $(pgrep -f -- "$DIR" | grep -v "^$" | wc -l) processes"
tm_stop

say "6. ipcs: the mail is still queued in the kernel"
keys=$(ourkeys)
run ipcs -q | sed -n '1,3p'
ipcs -q | grep -E "^$keys " || true

say "7. restart mailserv: it adopts the queued mail"
server_start
grep "mailserv\[$SERVER\]" "$T/mailserv.log" | sed 's/^/   mailserv: /'

say "8. carol logs in and reads her mail"
tm new-session -d -s carol -x 90 -y 14 "$MAILCLI -d $DIR -u carol; sleep 60"
wait_screen carol 'mailcli>'
tm send-keys -t carol "read" Enter
wait_screen carol 'Id: '
tm send-keys -t carol "quit" Enter
wait_screen carol 'quit'
pane carol
echo "(saved to $XDG_DATA_HOME/ipcmail/carol.mbox, an mbox file mail -f can open)"
tm_stop

say "9. a room: alice, bob and carol join #lunch and talk"
for u in alice bob carol; do
	tm new-session -d -s $u -x 90 -y 16 "$MAILCLI -d $DIR -u $u; sleep 60"
	wait_screen $u 'mailcli>'
	tm send-keys -t $u "join #lunch" Enter
	wait_screen $u 'Joined #lunch'
done
tm send-keys -t alice "topic #lunch noon, the usual place" Enter
tm send-keys -t alice "send #lunch who is in?" Enter
wait_screen carol 'who is in?'
tm send-keys -t bob "send #lunch me" Enter
wait_screen carol 'bob (..:..): me'
pane carol

say "10. carol leaves; alice and bob go on; carol comes back to the backlog"
tm send-keys -t carol "leave #lunch" Enter
wait_screen carol 'Left #lunch'
tm send-keys -t alice "send #lunch carol left, table for two" Enter
wait_screen bob 'table for two'
tm send-keys -t bob "send #lunch ok, see you there" Enter
wait_screen alice 'see you there'
tm send-keys -t carol "join #lunch" Enter
wait_screen carol 'see you there'
pane carol
run "$MAILCLI" -d "$DIR" -u alice rooms
for u in alice bob carol; do tm send-keys -t $u "quit" Enter; done
tm_stop

say "11. clean up: stop mailserv, purge its objects"
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null
tail -n 1 "$T/mailserv.log" | sed 's/^/   mailserv: /'
run "$MAILSERV" -d "$DIR" --purge
left=$(ipcs | grep -cE "^$keys " || true)
echo "IPC objects of this demo left in the kernel: $left"
[ "$missed" = 0 ] || echo "demo: $missed steps did not show what they should (above)" >&2
[ "$left" = 0 ] && [ "$missed" = 0 ]
