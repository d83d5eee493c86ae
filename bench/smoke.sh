#!/bin/sh
# bench/smoke.sh - `make check` runs mailbench once with --quick
# --peers, as a smoke test (TAP): it must exit 0, print every row of
# every placement (the peers' as "n/a" where ngircd is not installed),
# the ratios and the targets, and leave no kernel object, POSIX name,
# file or process behind (mailbench --objects lists each thing it made,
# and each is checked).  It never looks at a figure: timings on a
# shared machine are neither a pass nor a fail.

set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
BENCH=$top_builddir/mailbench
T=$(mktemp -d /tmp/mailbench-smoke.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
# mailbench's POSIX rows and mailserv draw on root's POSIX queue bytes,
# one budget per user: take the POSIX tests' turn (posix_turn in
# tests/integration/lib.sh).
mkdir -p "$top_builddir/tests"
exec 9>>"$top_builddir/tests/posix.turn"
flock 9
n=0
nfail=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); nfail=$((nfail + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /' "$@"; }

# rows NAME WANT: the table row NAME is printed WANT times (once per
# placement).  A row is its name at the start of a line, then spaces.
rows() {
	got=$(grep -c "^$1  " "$T/out")
	if [ "$got" = "$2" ]; then ok "row '$1' printed $2 times"
	else not_ok "row '$1' printed $got times, wanted $2"; fi
}

timeout 600 "$BENCH" --quick --peers --objects "$T/objects" >"$T/out" \
    2>"$T/err"
rc=$?
if [ "$rc" = 0 ]; then ok "mailbench --quick --peers exits 0"
else not_ok "mailbench --quick --peers exits 0 (exit $rc)"; diag "$T/err"; fi
if grep -q FAILED "$T/out"; then
	not_ok "no figure failed"; grep FAILED "$T/out" | diag
else ok "no figure failed"; fi

for size in 128 4096; do
	for mech in pipe fifo unix-stream unix-seqpacket sysv-mq posix-mq \
	    shm+sysv-sem shm+posix-sem; do
		rows "$mech $size B" 2
	done
done
rows "fdatasync 128 B append" 2
for spool in spool-off spool-on; do
	rows "live delivery $spool" 2
	for k in "1 sender" "4 senders" "16 senders"; do
		rows "online $spool $k" 2
		rows "offline $spool $k" 2
	done
	for k in "1 reader" "4 readers" "16 readers"; do
		rows "offline drain $spool $k" 2
	done
	for k in "1 member" "10 members" "100 members"; do
		rows "room $spool $k" 2
	done
	# 1000 members: spool off only (the flat-cost target's row)
	if [ "$spool" = spool-off ]; then rows "room $spool 1000 members" 2
	else rows "room $spool 1000 members" 0; fi
	for place in same split; do
		rows "one-shot mailcli send $spool ($place)" 1
	done
done
rows "login+logout" 2
for k in 10 100 1000; do
	rows "live delivery $k online" 2
	rows "who read $k online" 2
	rows "who attach+read+detach $k online" 2
done
rows "one-shot mail -s + MTA" 1
# The peers (issue 16): measured where ngircd is installed, "n/a" with
# how to install it otherwise; ipcmail's twins and its rooms rows too.
for spool in spool-off spool-on; do
	rows "ipcmail live 1:1 paced $spool" 2
done
rows "ngircd PRIVMSG 1:1 paced" 2
for k in 1 10 100; do
	rows "ngircd channel fan-out $k paced" 2
	rows "ipcmail room fan-out $k paced" 2
done
rows "ngircd memory 1000 clients" 2
rows "mailserv memory 1000 sessions" 2
rows "mailserv memory 1000 sessions 100 rooms x 500 lines" 2
# mailserv's IRC door (issue 17), beside ngircd's 1:1 row
rows "ipcmail IRC door 1:1 paced spool-off" 2
if grep -q "^ipcmail IRC door 1:1 paced spool-off  *[0-9]" "$T/out"; then
	ok "the IRC door's row was measured"
else not_ok "the IRC door's row was measured"
	grep "^ipcmail IRC door" "$T/out" | diag; fi
if grep -q "^mailserv memory 1000 sessions 100 rooms x 500 lines  *VmRSS [0-9]" \
    "$T/out"; then ok "mailserv's memory with the rooms was measured"
else not_ok "mailserv's memory with the rooms was measured"
	grep "^mailserv memory" "$T/out" | diag; fi
# exim's delivery path: measured where exim4 is installed (and mailbench
# runs as root), "n/a" with how to install it otherwise.
rows "exim4 delivery via mailcli deliver" 1
rows "exim4 delivery to an mbox" 1
if [ -x /usr/sbin/exim4 ] && [ "$(id -u)" = 0 ]; then
	if grep -q "^exim4 delivery via mailcli deliver  *[0-9]" "$T/out" &&
	    grep -q "^exim4 delivery to an mbox  *[0-9]" "$T/out"; then
		ok "exim4 is installed and its delivery path was measured"
	else not_ok "exim4 is installed but its delivery path was not measured"
		grep "^exim4" "$T/out" | diag; fi
	if grep -q "^exim4 delivery via mailcli deliver: msgs/s / exim4 delivery to an mbox msgs/s " \
	    "$T/out"; then ok "the ratio of exim's two deliveries is printed"
	else not_ok "the ratio of exim's two deliveries is printed"; fi
elif [ ! -x /usr/sbin/exim4 ]; then
	if grep -q "^exim4 delivery via mailcli deliver  *n/a (exim4 is not installed: apt-get install exim4-daemon-light)" "$T/out"; then
		ok "without exim4 its rows say how to install it"
	else not_ok "without exim4 its rows say how to install it"; fi
else ok "exim4's rows need root # SKIP not root"; fi
if [ -x /usr/sbin/ngircd ]; then
	if grep -q "^ngircd PRIVMSG 1:1 paced  *[0-9]" "$T/out"; then
		ok "ngircd is installed and was measured"
	else not_ok "ngircd is installed but was not measured"
		grep "^ngircd" "$T/out" | diag; fi
else
	if grep -q "^ngircd PRIVMSG 1:1 paced  *n/a (ngircd is not installed: apt-get install ngircd)" "$T/out"; then
		ok "without ngircd its rows say how to install it"
	else not_ok "without ngircd its rows say how to install it"; fi
fi
rows "one-shot /bin/true (floor)" 1
rows "one-shot mailcli --version (floor)" 1
for place in same split; do
	if grep -q "^== ratios to raw sysv-mq 128 B (and to the peers), placement $place ==" \
	    "$T/out"; then ok "ratios printed for placement $place"
	else not_ok "ratios printed for placement $place"; fi
done
got=$(grep -c '^\[\(met\|NOT met\|n/a\)\] ' "$T/out")
if [ "$got" = 26 ]; then ok "13 targets judged per placement"
else not_ok "13 targets judged per placement ($got lines)"; fi

# Everything mailbench made is gone.
if [ -s "$T/objects" ]; then ok "mailbench listed what it made"
else not_ok "mailbench listed what it made"; fi
ipc_ids() { ipcs "$1" | awk '$2 ~ /^[0-9]+$/ { print $2 }'; }
ipc_ids -q >"$T/msq"
ipc_ids -m >"$T/shm"
ipc_ids -s >"$T/sem"
left=
while read -r kind what; do
	case $kind in
	msq | shm | sem)
		grep -qx "$what" "$T/$kind" && left="$left $kind:$what" ;;
	dir)
		[ -e "$what" ] && left="$left $what" ;;
	mq)
		[ -e "/dev/mqueue$what" ] && left="$left mq:$what" ;;
	shm-name)
		[ -e "/dev/shm$what" ] && left="$left shm:$what" ;;
	sem-name)
		[ -e "/dev/shm/sem.${what#/}" ] && left="$left sem:$what" ;;
	name)
		for f in "/dev/shm$what" "/dev/shm/sem.${what#/}" \
		    "/dev/mqueue$what"; do
			[ -e "$f" ] && left="$left $f"
		done ;;
	esac
done <"$T/objects"
if [ -z "$left" ]; then ok "no object, name or directory left behind"
else not_ok "left behind:$left"; fi
if pgrep -f -- "$BENCH" >/dev/null ||
    pgrep -f -- "mailcli -d /tmp/mailbench\." >/dev/null ||
    pgrep -f -- "--config /tmp/mailbench-irc\." >/dev/null ||
    pgrep -f -- "/tmp/mailbench-exim\." >/dev/null; then
	not_ok "no process left behind"
	pgrep -af -- "$BENCH|mailcli -d /tmp/mailbench\.|/tmp/mailbench-(irc|exim)\." |
	    diag
else ok "no process left behind"; fi

# The other ways in: --help documents every option, --version, --json.
"$BENCH" --help >"$T/help" 2>&1
rc=$?
missing=
for opt in --quick --json --only --placement --cpus --mta --peers \
    --server-log --objects --help --version; do
	grep -q -- "$opt" "$T/help" || missing="$missing $opt"
done
if [ "$rc" = 0 ] && [ -z "$missing" ]; then ok "--help documents every option"
else not_ok "--help documents every option (exit $rc, missing:$missing)"; fi
if "$BENCH" --version | grep -q '^mailbench '; then ok "--version"
else not_ok "--version"; fi
timeout 600 "$BENCH" --quick --json --placement same >"$T/json" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && grep -q '"rows": \[' "$T/json" &&
    grep -q '"targets": \[' "$T/json"; then ok "--json exits 0 with rows and targets"
else not_ok "--json (exit $rc)"; diag "$T/err"; fi
if command -v python3 >/dev/null; then
	if python3 -m json.tool "$T/json" >/dev/null 2>&1; then
		ok "--json output parses"
	else not_ok "--json output parses"; fi
else ok "--json output parses # SKIP no python3"; fi

echo "1..$n"
exit 0
