#!/bin/bash
# mta-twohost.sh - two hosts exchange ipcmail mail over real SMTP: two
# network namespaces, a.test and b.test, joined by a veth pair that
# exists only inside them (addresses of 198.18.0.0/15, the range kept
# for network tests, on that pair only), each with its own exim
# listening on its veth address and its own mailserv (run as nobody)
# and run directory.  alice on a.test sends to bob@b.test, bob reads it
# and replies, alice reads the reply.  Every process and namespace the
# test made is gone at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/eximlib.sh"

NSA=ipcmail-a-$$
NSB=ipcmail-b-$$
IPA=198.18.77.1
IPB=198.18.77.2
why=$(exim_why)
if [ -z "$why" ]; then
	if ! command -v ip >/dev/null; then why="no ip(8) (iproute2)"
	elif ! ip netns add "$NSA" 2>/dev/null; then why="ip netns does not work here"
	elif ! ip netns add "$NSB" 2>/dev/null; then
		ip netns del "$NSA"; why="ip netns does not work here"
	elif ! ip -n "$NSA" link add va type veth peer name vb netns "$NSB" 2>/dev/null; then
		ip netns del "$NSA"; ip netns del "$NSB"; why="no veth pairs here"
	fi
fi
if [ -n "$why" ]; then
	skip "two hosts over SMTP: $why"
	rm -rf "$T"
	echo "1..$ntest"
	exit 0
fi

PID_A= PID_B=
# teardown: every exim, mailserv and namespace of this test.
teardown() {
	local h p
	for h in a b; do
		p=$(head -n 1 "$T/$h/exim.pid" 2>/dev/null)
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	done
	nobody_stop "$PID_A"; PID_A=
	nobody_stop "$PID_B"; PID_B=
	for h in a b; do
		[ -d "$T/$h/srv/run" ] && setpriv --reuid=nobody --regid=nogroup \
		    --clear-groups "$T/$h/bin/mailserv" -d "$T/$h/srv/run" \
		    --purge >/dev/null 2>&1
	done
	for h in a b; do
		p=$(head -n 1 "$T/$h/exim.pid" 2>/dev/null)
		[ -n "$p" ] && wait_for sh -c "! kill -0 $p 2>/dev/null"
	done
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
}
trap 'teardown; pkill -KILL -f -- "$T" 2>/dev/null; rm -rf "$T"' INT TERM

ip -n "$NSA" addr add "$IPA/30" dev va && ip -n "$NSB" addr add "$IPB/30" dev vb &&
    ip -n "$NSA" link set va up && ip -n "$NSB" link set vb up &&
    ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up
check "two namespaces joined by a veth pair, $IPA and $IPB" \
    sh -c "ip -n $NSA addr show va | grep -q 'inet $IPA/' &&
           ip -n $NSB addr show vb | grep -q 'inet $IPB/'"
check "... the pair is not in the host's namespace" \
    sh -c "! ip link show va >/dev/null 2>&1 && ! ip link show vb >/dev/null 2>&1"

exim_setup a a.test "$IPB"
exim_setup b b.test "$IPA"
ip netns exec "$NSA" "$T/a/bin/exim" -bd -oX "$IPA.25" -oP "$T/a/exim.pid"
ip netns exec "$NSB" "$T/b/bin/exim" -bd -oX "$IPB.25" -oP "$T/b/exim.pid"
check "each exim listens on its own veth address" \
    wait_for sh -c "ip netns exec $NSA ss -ltn | grep -q '$IPA:25' &&
                    ip netns exec $NSB ss -ltn | grep -q '$IPB:25'"
start_in() { # start_in NS HOST: HOST's mailserv inside NS
	local ns=$1 h=$2
	[ "$IPC" = sysv ] && set -- || set -- --ipc="$IPC"
	ip netns exec "$ns" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$T/$h/bin/mailserv" -d "$T/$h/srv/run" --mail-domain "$h.test" "$@" \
	    2>>"$T/$h/server.log" &
	eval "PID_$(echo "$h" | tr a-z A-Z)=\$!"
	wait_for grep -q "serving" "$T/$h/server.log"
}
check "a mailserv for each host" sh -c 'true' && start_in "$NSA" a && start_in "$NSB" b ||
    not_ok "the mailservs did not start"
cli_on() { # cli_on NS HOST ARGS...: mailcli of HOST, inside NS
	local ns=$1 h=$2; shift 2
	timeout 30 ip netns exec "$ns" "$MAILCLI" -d "$T/$h/srv/run" \
	    --sendmail "$T/$h/bin/sendmail" "$@"
}

cli_on "$NSA" a -u alice send -s hi bob@b.test "hello bob, from a.test" 2>"$T/err"
same "alice on a.test: send -s hi bob@b.test exits 0" 0 "$?"
check "bob on b.test has it in his ipcmail inbox, from alice@a.test" \
    wait_for sh -c "timeout 5 '$MAILCLI' -d '$T/b/srv/run' -u bob inbox |
                    grep -q 'alice@a.test .* hi'"
check "... it came over SMTP from a.test's exim" \
    grep -q "<= [^ ]* H=(a.test) \[$IPA\] P=esmtp" "$T/b/log/mainlog"
cli_on "$NSB" b -u bob reply 1 "hello alice, from b.test" 2>"$T/err"
same "bob replies to message 1 (exit 0)" 0 "$?"
cli_on "$NSB" b -u bob read 1 >"$T/read"
check "bob reads it: From alice@a.test, Subject hi, the body" \
    sh -c "grep -qx 'From: alice@a.test' '$T/read' && grep -qx 'Subject: hi' '$T/read' &&
           grep -qx 'hello bob, from a.test' '$T/read'"
check "alice on a.test has the reply" \
    wait_for sh -c "timeout 5 '$MAILCLI' -d '$T/a/srv/run' -u alice inbox |
                    grep -q 'bob@b.test .* Re: hi'"
cli_on "$NSA" a -u alice read 1 >"$T/read"
check "alice reads it: From bob@b.test, Subject Re: hi, the body" \
    sh -c "grep -qx 'From: bob@b.test' '$T/read' && grep -qx 'Subject: Re: hi' '$T/read' &&
           grep -qx 'hello alice, from b.test' '$T/read'"
check "... it came over SMTP from b.test's exim" \
    grep -q "<= [^ ]* H=(b.test) \[$IPB\] P=esmtp" "$T/a/log/mainlog"

[ "$nfail" = 0 ] || { diag "$T/a/log/mainlog"; diag "$T/b/log/mainlog"; diag "$T/err"; }
daemons="$(head -n 1 "$T/a/exim.pid") $(head -n 1 "$T/b/exim.pid")"
teardown
check "every exim of the test is gone (both daemons, $daemons)" \
    wait_for sh -c "! ps -o pid= -p '${daemons// /,}' >/dev/null"
check "both namespaces are gone (the veth pair with them)" \
    sh -c "! ip netns list | grep -q -e '$NSA' -e '$NSB'"
DIR=$T/a/srv/run
finish
