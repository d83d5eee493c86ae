#!/bin/bash
# spooldir.sh - mailserv names a spool a reboot would wipe: on tmpfs or
# ramfs it warns at every start and in --status ("the spool is on
# tmpfs: mail does not survive a reboot"), on a disk it says nothing.
# Another run directory's default spool is DIR/spool.  The test runs
# in a mount namespace of its own (unshare -m), where it mounts the
# tmpfs and the ramfs; without root it skips.
if [ -z "${SPOOLDIR_UNSHARED:-}" ] && [ "$(id -u)" = 0 ] &&
    command -v unshare >/dev/null &&
    unshare -m --propagation private true 2>/dev/null; then
	SPOOLDIR_UNSHARED=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

WARN="the spool is on tmpfs: mail does not survive a reboot"
RWARN="the spool is on ramfs: mail does not survive a reboot"
if [ -z "${SPOOLDIR_UNSHARED:-}" ]; then
	for i in 1 2 3 4 5 6 7 8; do skip "tmpfs and ramfs spools (needs root and unshare -m)"; done
	finish
fi

status() { "$MAILSERV" -d "$DIR" "$@" --status >"$T/status" 2>&1; }

start_server
check "another run directory's default spool is DIR/spool" test -e "$DIR/spool/spool.log"
stop_server
if [ "$(stat -f -c %T "$DIR/spool")" = tmpfs ]; then
	skip "no warning for a spool on a disk ($T is on tmpfs here)"
	skip "... nor in --status"
else
	check "no warning for a spool on a disk" sh -c "! grep -q 'does not survive' '$T/server.log'"
	status
	check "... nor in --status" sh -c "! grep -q 'does not survive' '$T/status'"
fi

mkdir -p "$T/tmpfs" "$T/ramfs"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$T/tmpfs" &&
    mount -t ramfs -o mode=0700 ramfs "$T/ramfs" ||
    { not_ok "mount tmpfs and ramfs in the test's namespace"; finish; }
: >"$T/server.log"
start_server --spool "$T/tmpfs/spool"
check "a spool on tmpfs: a warning at start" grep -qF "mailserv[$SERVER_PID]: warning: $WARN ($T/tmpfs/spool)" "$T/server.log"
status --spool "$T/tmpfs/spool"
check "... and in --status" grep -qF "warning: $WARN ($T/tmpfs/spool)" "$T/status"
stop_server
start_server --spool "$T/tmpfs/spool"
same "... at every start" 2 "$(grep -cF "$WARN" "$T/server.log")"
stop_server
start_server --spool "$T/ramfs/spool"
check "a spool on ramfs: a warning at start" grep -qF "$RWARN ($T/ramfs/spool)" "$T/server.log"
status --spool "$T/ramfs/spool"
check "... and in --status" grep -qF "warning: $RWARN" "$T/status"
stop_server
"$MAILSERV" -d "$DIR" --spool "$T/ramfs/spool" --purge >/dev/null 2>&1
umount "$T/tmpfs" "$T/ramfs"
finish
