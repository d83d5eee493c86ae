#!/bin/bash
# rooms-persist.sh - rooms are held by the kernel store and the spool
# like mail: after kill -9 of every process and a restart, and after a
# reboot simulation (every kernel object removed), the rooms, their
# members, owners, topics, locks, private flags, invitations, every
# member's read position and the history are all back, nothing lost or
# doubled; history keeps --room-history lines and the older age out of
# the store and the spool (a wipe does not bring them back).
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
lines() { grep -cE '^\[#[a-z0-9._-]+\] [a-z_][a-z0-9_-]* \([0-9]{2}:[0-9]{2}\): ' "$1"; }
# state: what every command shows of the rooms, in one file.
state() {
	{
		cli -u alice rooms; cat "$T/out"
		cli -u alice members '#ops'; cat "$T/out"
		cli -u alice members '#sec'; cat "$T/out"
		cli -u alice topic '#ops'; cat "$T/out"
		cli -u alice history '#ops' 100; sed 's/ ([0-9:]*)//' "$T/out"
		cli -u alice history '#sec' 100; sed 's/ ([0-9:]*)//' "$T/out"
		cli -u bob inbox; grep '^#' "$T/out"
		cli -u carol inbox; grep '^#' "$T/out"
	} >"$1"
}
# the checks of what must have survived, after each kind of loss.
survived() {
	local how=$1
	state "$T/after"
	check "$how: rooms, members, topics, history and unread counts are all as before" \
	    cmp -s "$T/before" "$T/after"
	[ -z "$(cmp "$T/before" "$T/after" 2>&1)" ] || diff "$T/before" "$T/after" | sed 's/^/# /'
	expect 7 "$how: the topic lock holds (bob may not set it)" -u bob topic '#ops' nope
	expect 7 "$how: #sec is still private (dave may not join)" -u dave join '#sec'
	expect 7 "$how: ... nor see its history" -u dave history '#sec'
	expect 7 "$how: alice still owns #sec (bob may not make it public)" -u bob private '#sec' off
}

start_server
cli -u alice join '#ops'
cli -u bob join '#ops'
cli -u carol join '#ops'
cli -u alice join '#sec'
cli -u bob join '#sec'
cli -u alice topic '#ops' 'ops: be nice'
cli -u alice topic '#ops' --lock
cli -u alice private '#sec' on
cli -u alice invite erin '#sec'
for i in $(seq 1 12); do cli -u bob send '#ops' "ops line $i"; done
for i in 1 2 3; do cli -u alice send '#sec' "secret $i"; done
cli -u carol read '#ops'
for i in 13 14; do cli -u alice send '#ops' "ops line $i"; done
state "$T/before"
check "before: carol has 2 unread lines of #ops" grep -qx '#ops                 2 new' "$T/before"
check "before: bob has 2 unread lines of #ops and 3 of #sec" \
    sh -c "grep -qx '#ops                 2 new' '$T/before' && grep -qx '#sec                 3 new' '$T/before'"
check "before: the history holds 14 lines of #ops" \
    test "$(grep -c '^\[#ops\] ' "$T/before")" = 14

# kill -9 of every process (the one-shot clients have all ended).
kill_server
start_server
survived "after kill -9 and restart"
expect 0 "the invitation survived: erin joins #sec" -u erin join '#sec'
cli -u erin leave '#sec'

# A reboot: every kernel object gone, the spool restores all.
stop_server
ipc_wipe
check "the reboot simulation leaves no kernel object" test -z "$(ipc_leftovers)"
start_server
survived "after a reboot simulation (ipcrm of everything)"
cli -u bob send '#ops' 'after the reboot'
cli -u alice history '#ops' 1
check "lines go on after the reboot" grep -q ': after the reboot$' "$T/out"
cli -u carol inbox
check "... counted new for carol (3 new)" grep -qE '^#ops +3 new$' "$T/out"

# History bound: --room-history 10.  The store keeps 10 and the oldest
# age out of both the store and the spool.
stop_server
start_server --room-history 10
cli -u alice history '#ops' 100
same "with --room-history 10, a room over it keeps its last 10 lines" 10 "$(lines "$T/out")"
for i in $(seq 1 15); do cli -u bob send '#ops' "bounded $i"; done
cli -u alice history '#ops' 100
same "after 15 more lines, still 10" 10 "$(lines "$T/out")"
same "... the newest 10 (bounded 6 to bounded 15)" "bounded 6 bounded 15" \
    "$(sed -n '1p;$p' "$T/out" | sed 's/.*: //' | tr '\n' ' ' | sed 's/ $//')"
"$MAILSERV" -d "$DIR" --status >"$T/status"
check "--status shows the rooms, their lines held once and the aging" \
    grep -qE '^live: rooms: 2 rooms .*, 13 lines of history held once each .*aged out past --room-history 10' "$T/status"
if [ "$IPC" = posix ]; then
	check "--status names each room's queue by its role" \
	    grep -qE '^room queue +.*/ipcmail\.[-0-9a-f]+\.m\.#ops' "$T/status"
fi
check "the spool holds only what is kept: 15 messages (13 lines, 2 room states)" \
    grep -qE '^live: spool: 15 messages' "$T/status"
cli -u carol inbox
check "unread counts stop at what is kept (carol: 10 new)" grep -qE '^#ops +10 new$' "$T/out"
kill_server
ipc_wipe
start_server --room-history 10
cli -u alice history '#ops' 100
same "after kill -9 and a wipe, the spool gives back the same 10, no aged line" \
    "bounded 6 bounded 15 10" \
    "$(sed -n '1p;$p' "$T/out" | sed 's/.*: //' | tr '\n' ' ')$(lines "$T/out")"
finish
