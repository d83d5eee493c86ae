# lib.sh - what every integration test shares: TAP output, a private
# temporary run directory, mailserv and mailcli started from the build,
# and the final check that nothing (IPC object, file, process) is left.
# A test file sources this, runs its cases, and ends with `finish`.
#
# IPCMAIL_IPC=sysv|posix picks the server's backend (default sysv): the
# same tests run against both, through the ipc_* probes below.

set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
# Tests that forge records in python3 import tests/integration/forge.py.
export PYTHONPATH="${top_srcdir:-$top_builddir}/tests/integration${PYTHONPATH:+:$PYTHONPATH}"
MAILSERV=$top_builddir/mailserv
MAILCLI=$top_builddir/mailcli
T=$(mktemp -d /tmp/ipcmail-test.XXXXXX)
DIR=$T/run
export MAILSERV_DIR=$DIR XDG_DATA_HOME=$T/data HOME=$T/home
mkdir -p "$HOME"
IPC=${IPCMAIL_IPC:-sysv}
SERVER_PID=
KEYPAT=
DIRID=
# posix_turn: wait for the POSIX turn.  Root's POSIX queue bytes
# (RLIMIT_MSGQUEUE, per user) are one budget for all its processes: a
# test that fills a POSIX store leaves none to a test beside it (make -j2
# check), so the tests that use POSIX queues take turns (flock; the lock
# goes when this shell exits).
posix_turn() {
	exec {POSIX_TURN_FD}>>"$top_builddir/tests/posix.turn" &&
	    flock "$POSIX_TURN_FD"
}
[ "$IPC" = posix ] && posix_turn
# POSIX queues can be listed only with the mqueue file system mounted.
if [ "$IPC" = posix ] && ! mountpoint -q /dev/mqueue 2>/dev/null &&
    [ "$(id -u)" = 0 ]; then
	mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue 2>/dev/null
fi
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

# Sessions in tmux.  have_tmux: a private tmux server, its socket under
# $T, which tm drives; 1 if tmux is not installed.  need_tmux WHAT: the
# same, but without tmux the whole test is skipped (WHAT needs it).
# screen NAME prints NAME's pane (SCREEN_OPTS: more capture-pane
# options, "-S -" for the history, -e for the escape sequences).
# on_screen NAME RE [N]: wait (SCREEN_TRIES x 10 ms, 10 s by default)
# until the pane has N lines matching the extended regex RE (one by
# default); not_on_screen NAME RE: RE still absent after half a second.
have_tmux() {
	command -v tmux >/dev/null || return 1
	export TMUX_TMPDIR=$T/tmux
	mkdir -p "$TMUX_TMPDIR"
}
need_tmux() {
	have_tmux && return 0
	skip "$1 need tmux (apt-get install tmux)"
	finish
}
tm() { tmux -L ipcmail "$@"; }
screen() { tm capture-pane -p ${SCREEN_OPTS:-} -t "$1"; }
on_screen() {
	local i
	for i in $(seq 1 "${SCREEN_TRIES:-1000}"); do
		[ "$(screen "$1" 2>/dev/null | grep -cE -- "$2")" -ge "${3:-1}" ] &&
		    return 0
		sleep 0.01
	done
	return 1
}
not_on_screen() {
	sleep 0.5
	! screen "$1" 2>/dev/null | grep -qE -- "$2"
}

# A second Unix account, for the tests of identity and permissions.
# Programs it runs are copies in $T/bin: the build tree may sit where
# that account cannot enter (a clone under a 0700 home directory, or
# in a mktemp -d), and the copies go with $T.  The test makes $T
# itself searchable (chmod 0755 "$T") while the other account works.
OTHER_USER=nobody
# other_uid_why: why the tests of a second uid cannot run here, or
# nothing when they can.
other_uid_why() {
	if [ "$(id -u)" != 0 ]; then echo "needs root to run as $OTHER_USER"
	elif ! id "$OTHER_USER" >/dev/null 2>&1; then echo "no user $OTHER_USER"
	elif ! command -v runuser >/dev/null; then echo "no runuser(1)"
	fi
}
# other_copy PROG: the path of a copy of PROG (mailcli, mailserv, or a
# program of the build tree such as tests/semhold) that another uid
# may run, made on first use.
other_copy() {
	local name
	name=$(basename "$1")
	if [ ! -x "$T/bin/$name" ]; then
		mkdir -p "$T/bin" && chmod 0755 "$T/bin" &&
		    cp "$top_builddir/$1" "$T/bin/$name" &&
		    chmod 0755 "$T/bin/$name" || return 1
	fi
	echo "$T/bin/$name"
}
# other_pythonpath: a PYTHONPATH under which another uid imports
# forge.py (a copy, with the proto.h it reads beside it, as in the tree).
other_pythonpath() {
	local src=${top_srcdir:-$top_builddir}
	if [ ! -f "$T/py/tests/integration/forge.py" ]; then
		mkdir -p "$T/py/tests/integration" "$T/py/common" &&
		    cp "$src/tests/integration/forge.py" "$T/py/tests/integration/" &&
		    cp "$src/common/proto.h" "$T/py/common/" &&
		    chmod -R a+rX "$T/py" || return 1
	fi
	echo "$T/py/tests/integration"
}
# as_other PROG ARGS...: run PROG's copy as $OTHER_USER, with a hang
# guard; its exit status.
as_other() {
	local prog
	prog=$(other_copy "$1") || return 126
	shift
	runuser -u "$OTHER_USER" -- timeout 20 "$prog" "$@"
}

# key_pattern FILE: the ftok() keys made from FILE, any proj id, as a
# pattern of ipcs's key column (ftok keeps the low 8 bits of the device
# and the low 16 of the inode).
key_pattern() {
	local dev ino
	dev=$(stat -c %d "$1" 2>/dev/null) || return 1
	ino=$(stat -c %i "$1" 2>/dev/null) || return 1
	printf '0x..%02x%04x' $((dev & 0xff)) $((ino & 0xffff))
}

# keypattern: the ftok() keys of this run directory.
keypattern() {
	[ -e "$DIR/mailserv.key" ] || return 0
	KEYPAT=$(key_pattern "$DIR/mailserv.key")
}

# our_ipcs [-q|-m|-s]: the IPC objects at this run directory's keys.
our_ipcs() {
	[ -n "$KEYPAT" ] || keypattern
	[ -n "$KEYPAT" ] || return 0
	ipcs "${1:--a}" | grep -E "^$KEYPAT " || true
}

# dirid: the run directory's random id, which names its POSIX objects.
dirid() {
	[ -n "$DIRID" ] || DIRID=$(sed -n 's/^ipcmail run directory //p' \
	    "$DIR/mailserv.key" 2>/dev/null)
}

# ipc_table_present: the online table and its lock exist.
ipc_table_present() {
	if [ "$IPC" = posix ]; then
		dirid
		test -e "/dev/shm/ipcmail.$DIRID.table" -a \
		    -e "/dev/shm/sem.ipcmail.$DIRID.lock"
	else
		test -n "$(our_ipcs -m)" -a -n "$(our_ipcs -s)"
	fi
}

# ipc_table_absent: neither the table nor its lock exists.
ipc_table_absent() {
	if [ "$IPC" = posix ]; then
		dirid
		test ! -e "/dev/shm/ipcmail.$DIRID.table" -a \
		    ! -e "/dev/shm/sem.ipcmail.$DIRID.lock"
	else
		test -z "$(our_ipcs -m)" -a -z "$(our_ipcs -s)"
	fi
}

# ipc_queued: kernel messages (parts) in the store, from --status.
ipc_queued() {
	"$MAILSERV" -d "$DIR" --status 2>/dev/null |
	    awk '/^mail store  / { print $3; exit }'
}

# ipc_queue_count: kernel queues the store uses.
ipc_queue_count() {
	"$MAILSERV" -d "$DIR" --status 2>/dev/null |
	    awk '/^mail store  / { print $7; exit }'
}

# ipc_queued_bytes: bytes queued in the store's kernel queues.
ipc_queued_bytes() {
	if [ "$IPC" = posix ]; then
		dirid
		cat /dev/mqueue/ipcmail."$DIRID".m.* 2>/dev/null |
		    sed -n 's/^QSIZE:\([0-9]*\).*/\1/p' |
		    awk '{ n += $1 } END { print n + 0 }'
	else
		our_ipcs -q | awk '{ n += $5 } END { print n + 0 }'
	fi
}

# ipc_wipe: remove every kernel object of the run directory, as a
# reboot would (or ipcrm, for SysV).
ipc_wipe() {
	local kind id
	if [ "$IPC" = posix ]; then
		dirid
		rm -f /dev/mqueue/ipcmail."$DIRID".* /dev/shm/ipcmail."$DIRID".* \
		    /dev/shm/sem.ipcmail."$DIRID".*
	else
		for kind in q m s; do	# ids are per kind
			for id in $(our_ipcs -$kind | awk '{print $2}'); do
				ipcrm -$kind "$id"
			done
		done
	fi
}

# ftok_twin: another run directory's key file (a test or benchmark
# running beside this one under /tmp) with this run directory's ftok
# keys: ftok keeps only 16 bits of the inode, so two can collide.
ftok_twin() {
	local f
	[ -n "$KEYPAT" ] || return 1
	for f in $(find /tmp -maxdepth 4 -name mailserv.key 2>/dev/null); do
		[ "$f" != "$DIR/mailserv.key" ] || continue
		if [ "$(key_pattern "$f")" = "$KEYPAT" ]; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

# ipc_leftovers: any kernel object of the run directory, of any backend.
# SysV objects at our keys while another run directory with the same
# keys exists are that one's (mailserv keeps apart what it finds
# there), and are only noted on stderr.
ipc_leftovers() {
	local sysv twin
	dirid
	sysv=$(our_ipcs)
	if [ -n "$sysv" ] && twin=$(ftok_twin); then
		echo "# SysV objects at our keys are $twin's (an ftok" \
		    "collision): not counted" >&2
		sysv=
	fi
	[ -z "$sysv" ] || echo "$sysv"
	if [ -n "$DIRID" ]; then
		ls /dev/shm /dev/mqueue 2>/dev/null | grep -F "$DIRID" || true
	fi
}

start_server() {
	[ "$IPC" = sysv ] || set -- --ipc="$IPC" "$@"
	"$MAILSERV" -d "$DIR" "$@" 2>>"$T/server.log" &
	SERVER_PID=$!
	# Not the FIFO's existence: a killed server leaves its FIFO behind.
	if ! wait_for grep -q "mailserv\[$SERVER_PID\]: serving" "$T/server.log"; then
		echo "# mailserv did not start:"; diag "$T/server.log"
		return 1
	fi
	keypattern
}

# online NAME [ARGS...]: an interactive mailcli as NAME (ARGS: more
# options), reading the FIFO $T/in.NAME, which this shell holds open on
# descriptor $ONLINE_FD (close it to end the session's input), writing
# to $T/NAME.out; $ONLINE_PID is its pid.
online() {
	local name=$1
	shift
	mkfifo "$T/in.$name"
	"$MAILCLI" -d "$DIR" -u "$name" "$@" <"$T/in.$name" \
	    >"$T/$name.out" 2>&1 &
	ONLINE_PID=$!
	exec {ONLINE_FD}>"$T/in.$name"
}

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_STATUS=$?
	SERVER_PID=
}

# reap PID: the exit status of a client expected to end by itself; one
# that has not ended within 5 s is killed (status 137), not waited for.
reap() {
	wait_for sh -c "! kill -0 $1 2>/dev/null" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
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
	dirid
	if [ -d "$DIR" ]; then
		"$MAILSERV" -d "$DIR" --purge >/dev/null 2>"$T/purge.err" ||
		    diag "$T/purge.err"
	fi
	left=$(ipc_leftovers)
	if [ -z "$left" ] && [ ! -e "$DIR" ]; then
		ok "nothing left behind ($IPC: no IPC object of ours, no run directory)"
	else
		not_ok "nothing left behind"; echo "$left" | sed 's/^/# /'
		ls -la "$DIR" 2>/dev/null | sed 's/^/# /'
	fi
	# A session whose terminal just hung up may still be on its way
	# out: it has 2 s (reconnect.sh holds it to that), then it is left.
	for i in $(seq 1 20); do
		pgrep -f -- "$T" >/dev/null || break
		sleep 0.1
	done
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
