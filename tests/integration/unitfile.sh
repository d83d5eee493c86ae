#!/bin/bash
# unitfile.sh - the systemd unit mailserv.service: systemd-analyze
# verify passes (its ExecStart pointed at this build's mailserv, which
# is not installed), it runs mailserv as ipcmail in the foreground with
# the IPC objects shared and kept, and its exposure stays low.  Without
# systemd-analyze the test skips.
. "$(dirname "$0")/lib.sh"

UNIT=$top_builddir/mailserv.service
if ! command -v systemd-analyze >/dev/null; then
	for i in 1 2 3 4 5; do skip "the systemd unit (no systemd-analyze: apt-get install systemd)"; done
	finish
fi
mkdir -p "$T/unit"
sed "s|^ExecStart=.*|ExecStart=$MAILSERV|" "$UNIT" >"$T/unit/mailserv.service"
# The man pages are not installed from a build tree (tests/package
# verifies the installed unit with them).
if systemd-analyze verify --man=no "$T/unit/mailserv.service" >"$T/verify" 2>&1 &&
    [ ! -s "$T/verify" ]; then
	ok "systemd-analyze verify passes, without a word"
else
	not_ok "systemd-analyze verify passes"; diag "$T/verify"
fi
# key UNIT KEY: the value of the last KEY= line.
key() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
check "it runs mailserv in the foreground, its options from the file only" \
    sh -c "[ '$(key Type)' = simple ] && echo '$(key ExecStart)' | grep -qx '/.*/sbin/mailserv'"
same "as the system user ipcmail, in /run/ipcmail (0755, kept across restarts)" \
    "ipcmail ipcmail 0755 yes" \
    "$(key User) $(key RuntimeDirectory) $(key RuntimeDirectoryMode) $(key RuntimeDirectoryPreserve)"
same "IPC shared with the users and kept (PrivateIPC=no, RemoveIPC=no); SIGTERM; restart on failure" \
    "no no SIGTERM on-failure" \
    "$(key PrivateIPC) $(key RemoveIPC) $(key KillSignal) $(key Restart)"
systemd-analyze security --offline=true "$T/unit/mailserv.service" >"$T/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for mailserv.service: \([0-9.]*\).*/\1/p' "$T/security")
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }'; then
	ok "systemd-analyze security: exposure $score (at most 1.5)"
else
	not_ok "systemd-analyze security: exposure '$score' (at most 1.5)"
	diag "$T/security"
fi
finish
