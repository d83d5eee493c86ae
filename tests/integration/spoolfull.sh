#!/bin/bash
# spoolfull.sh - a spool that cannot be written: the sender hears "not
# sent" (exit 4), the message is taken back out of the kernel store, a
# retry under the same id fails the same way while the disk is full and
# is stored once when there is room again, and the log replays to the
# same mail after a restart; a room's line likewise refused and not in
# its history.  The spool lives on a 256 KiB tmpfs that a
# file fills up; without root or tmpfs the test skips.  --spool-minfree 0:
# here the disk itself runs out, not mailserv's reserve (overflow.sh).
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
SP=$T/sp

mkdir -p "$SP"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=256k,mode=0700 tmpfs "$SP" 2>/dev/null; then
	for i in 1 2 3 4 5 6 7; do skip "spool on a full disk (needs root and tmpfs)"; done
	finish
fi
trap 'umount "$SP" 2>/dev/null; pkill -KILL -f -- "$T" 2>/dev/null; rm -rf "$T"' INT TERM

start_server --spool "$SP/spool" --spool-minfree 0
cli -u bob send alice "before the disk is full"
same "a send with room on the spool's disk exits 0" 0 "$rc"
# Fill the disk: what is left of the 256 KiB.  The message is larger
# than a page, so it cannot fit in the spool file's last one.
dd if=/dev/zero of="$SP/fill" bs=4k 2>/dev/null
{ echo "while the disk is full"; head -c 6000 /dev/zero | tr '\0' x; echo; } >"$T/body"
ID=$(cat /proc/sys/kernel/random/uuid)
send_body() {
	timeout 20 "$MAILCLI" -d "$DIR" -u bob --id "$ID" send alice \
	    <"$T/body" >"$T/out" 2>"$T/err"
	rc=$?
}
send_body
same "with the spool's disk full a send exits 4" 4 "$rc"
check "... saying the spool cannot be written" grep -q "mail spool cannot be written" "$T/err"
cli -u alice inbox
same "... and the message was taken back out of the store" 1 "$(wc -l <"$T/out")"
send_body
same "the same id sent again while the disk is still full fails again" 4 "$rc"
rm -f "$SP/fill"
send_body
same "once there is room, the same id is sent" 0 "$rc"
stop_server
start_server --spool "$SP/spool" --spool-minfree 0
cli -u alice inbox
same "after a restart the spool's log replays to both messages, once each" \
    "2 1 1" "$(wc -l <"$T/out") $(grep -c 'before the disk' "$T/out") $(grep -c 'while the disk' "$T/out")"
# A room's line on the full disk: refused, and not in the history.
cli -u bob join '#full'
cli -u bob send '#full' 'a line with room'
dd if=/dev/zero of="$SP/fill" bs=4k 2>/dev/null
{ echo "a room line while the disk is full"; head -c 6000 /dev/zero | tr '\0' x; echo; } >"$T/line"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send '#full' <"$T/line" >"$T/out" 2>"$T/err"
same "with the spool's disk full a room line exits 4" 4 "$?"
cli -u bob history '#full'
check "... and is not in the room's history (only the line before)" \
    sh -c "grep -q 'a line with room' '$T/out' && ! grep -q 'while the disk is full' '$T/out'"
check "... nor in its index (no line the store lacks)" \
    sh -c "! grep -q 'a line cannot be read' '$T/server.log'"
rm -f "$SP/fill"
cli -u bob send '#full' 'room again'
cli -u bob history '#full'
same "once there is room, lines go on" 2 "$(grep -c '^\[#full\]' "$T/out")"
stop_server
umount "$SP"
finish
