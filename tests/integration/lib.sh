# lib.sh - what every integration test shares: TAP output, a private
# temporary run directory, mailserv and mailcli started from the build,
# and the final check that nothing (IPC object, file, process) is left.
# A test file sources this, runs its cases, and ends with `finish`.

set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MAILSERV=$top_builddir/mailserv
MAILCLI=$top_builddir/mailcli
T=$(mktemp -d /tmp/ipcmail-test.XXXXXX)
DIR=$T/run
export MAILSERV_DIR=$DIR XDG_DATA_HOME=$T/data HOME=$T/home
mkdir -p "$HOME"
SERVER_PID=
KEYPAT=
ntest=0
nfail=0

ok() { ntest=$((ntest + 1)); echo "ok $ntest - $*"; }
not_ok() { ntest=$((ntest + 1)); nfail=$((nfail + 1)); echo "not ok $ntest - $*"; }
skip() { ntest=$((ntest + 1)); echo "ok $ntest - $* # SKIP"; }
diag() { sed 's/^/# /' "$@"; }

# check DESC CMD...: the command succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run_cli ARGS...: mailcli with a hang guard; stdout in $T/out,
# stderr in $T/err, exit status in $rc.
run_cli() {
	timeout 20 "$MAILCLI" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
}

# expect RC DESC ARGS...: mailcli ARGS exits with RC.
expect() {
	local want=$1 desc=$2; shift 2
	run_cli "$@"
	if [ "$rc" = "$want" ]; then ok "$desc"
	else not_ok "$desc (exit $rc, wanted $want)"; diag "$T/err"; fi
}

# same DESC WANT GOT
same() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1"; echo "#   wanted: $2"; echo "#   got:    $3"; fi
}

# wait_for CMD...: poll up to 5 s for the command to succeed.
wait_for() {
	local i
	for i in $(seq 1 500); do
		"$@" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}

# keypattern: the ftok() keys of this run directory (any proj id).
keypattern() {
	[ -e "$DIR/mailserv.key" ] || return 0
	local dev ino
	dev=$(stat -c %d "$DIR/mailserv.key")
	ino=$(stat -c %i "$DIR/mailserv.key")
	KEYPAT=$(printf '0x..%02x%04x' $((dev & 0xff)) $((ino & 0xffff)))
}

# our_ipcs [-q|-m|-s]: the IPC objects at this run directory's keys.
our_ipcs() {
	[ -n "$KEYPAT" ] || keypattern
	[ -n "$KEYPAT" ] || return 0
	ipcs "${1:--a}" | grep -E "^$KEYPAT " || true
}

start_server() {
	"$MAILSERV" -d "$DIR" "$@" 2>>"$T/server.log" &
	SERVER_PID=$!
	# Not the FIFO's existence: a killed server leaves its FIFO behind.
	if ! wait_for grep -q "mailserv\[$SERVER_PID\]: serving" "$T/server.log"; then
		echo "# mailserv did not start:"; diag "$T/server.log"
		return 1
	fi
	keypattern
}

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_STATUS=$?
	SERVER_PID=
}

kill_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# finish: stop, purge, and check that nothing is left behind.
finish() {
	local left
	stop_server
	[ -n "$KEYPAT" ] || keypattern
	if [ -d "$DIR" ]; then
		"$MAILSERV" -d "$DIR" --purge >/dev/null 2>"$T/purge.err" ||
		    diag "$T/purge.err"
	fi
	left=$(our_ipcs)
	if [ -z "$left" ] && [ ! -e "$DIR" ]; then
		ok "nothing left behind (no IPC object at our keys, no run directory)"
	else
		not_ok "nothing left behind"; echo "$left" | sed 's/^/# /'
		ls -la "$DIR" 2>/dev/null | sed 's/^/# /'
	fi
	if pgrep -f -- "$T" >/dev/null; then
		not_ok "no process of this test still running"
		pgrep -af -- "$T" | sed 's/^/# /'
		pkill -KILL -f -- "$T"
	else
		ok "no process of this test still running"
	fi
	if [ "$nfail" -gt 0 ] && [ -s "$T/server.log" ]; then
		echo "# server log:"; diag "$T/server.log"
	fi
	rm -rf "$T"
	echo "1..$ntest"
	exit 0
}
trap 'pkill -KILL -f -- "$T" 2>/dev/null; rm -rf "$T"' INT TERM
