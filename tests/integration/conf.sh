#!/bin/bash
# conf.sh - mailserv --config FILE: the file's options take effect, the
# command line's win over them, and a bad line, a bad value or a
# missing file is refused (exit 1) with the file and the line named.
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
C=$T/mailserv.conf

cat >"$C" <<CONF
# the test's configuration
max-body = 10      # bytes

spool = $T/confspool
CONF
start_server --config "$C"
printf '12345678901\n' >"$T/body"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/body" >"$T/out" 2>"$T/err"
same "the file's max-body = 10 refuses an 11-byte body (exit 5)" 5 "$?"
check "the file's spool = DIR is the spool" test -e "$T/confspool/spool.log"
check "... and --config shows it in --status" sh -c \
    "'$MAILSERV' --config '$C' -d '$DIR' --status | grep -q '$T/confspool/spool.log'"
stop_server
rm -rf "$T/confspool"

start_server --config "$C" --max-body 100 --spool "$T/clispool"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/body" >"$T/out" 2>"$T/err"
same "--max-body 100 on the command line wins over the file's 10" 0 "$?"
check "--spool on the command line wins over the file's" sh -c \
    "test -s '$T/clispool/spool.log' && test ! -e '$T/confspool'"
stop_server
rm -rf "$T/clispool"

printf 'no-spool = yes\nverbose = no\n' >"$C"
start_server --config "$C" --spool "$T/clispool2"
check "the file's no-spool = yes and the command line's --spool: the command line's" \
    test -e "$T/clispool2/spool.log"
stop_server
rm -rf "$T/clispool2"

# bad FILE LINE MESSAGE DESC: mailserv refuses FILE, exit 1, saying
# FILE:LINE: MESSAGE.
bad() {
	timeout 10 "$MAILSERV" --config "$C" -d "$DIR" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = 1 ] && grep -qF "mailserv: $C:$1: $2" "$T/err"; then
		ok "$3"
	else
		not_ok "$3 (exit $rc)"; diag "$T/err"
	fi
}
printf '# fine\nrate = 5\n\nbogus = 1\n' >"$C"
bad 4 "unknown key 'bogus'" "an unknown key: exit 1 naming file and line 4"
printf 'rate = 5\nquota lots\n' >"$C"
bad 2 "'quota lots' is not \"key = value\"" "a line without '=': exit 1 naming line 2"
printf '\nquota = lots\n' >"$C"
bad 2 "quota: 'lots' is not a number" "a bad value: exit 1 naming line 2"
printf 'ipc = svr4\n' >"$C"
bad 1 "--ipc: 'svr4' is not sysv or posix" "a bad --ipc value: exit 1 naming line 1"
printf 'purge = yes\n' >"$C"
bad 1 "'purge' is for the command line only" "an action in the file is refused"
check "... and nothing was purged or served" test ! -e "$DIR/mailserv.pid"
rm -f "$C"
timeout 10 "$MAILSERV" --config "$C" -d "$DIR" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -qF "mailserv: $C: No such file or directory" "$T/err"; then
	ok "a missing --config file: exit 1 naming it"
else
	not_ok "a missing --config file: exit 1 naming it (exit $rc)"; diag "$T/err"
fi
finish
