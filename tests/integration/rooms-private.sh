#!/bin/bash
# rooms-private.sh - a private room refuses a non-member on every
# command (exit 7, the room and the reason named) and is not listed to
# him; its owner alone invites, removes and changes it; mailserv's uid
# and root under their own names may do anything to any room; and at
# the kernel level a second Unix account cannot read what holds the
# history (the queues and the spool are mailserv's, mode 0600 / 0700),
# nor act in a room as someone else.
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
lines() { grep -cE '^\[#[a-z0-9._-]+\] [a-z_][a-z0-9_-]* \([0-9]{2}:[0-9]{2}\): ' "$1"; }
err_has() { grep -qF -- "$1" "$T/err"; }

start_server
cli -u alice join '#sec'
cli -u bob join '#sec'
cli -u alice topic '#sec' 'the plan'
cli -u alice send '#sec' 'top secret'
expect 7 "private on by a member who is not the owner: 7" -u bob private '#sec' on
check "... naming the room and the reason" err_has "cannot change the privacy of #sec: only its owner (alice) may"
expect 0 "the owner makes #sec private" -u alice private '#sec' on

# A non-member, on every command.
expect 7 "join of a private room uninvited: 7" -u dave join '#sec'
check "... saying it is private" err_has "cannot join #sec: it is private"
for c in "history #sec" "read #sec" "members #sec" "topic #sec" \
    "topic #sec mine" "topic #sec --lock" "leave #sec" "private #sec off" \
    "invite dave #sec" "remove bob #sec" "send #sec hello"; do
	# shellcheck disable=SC2086
	expect 7 "a non-member's '$c' is refused with 7" -u dave $c
done
check "... and the refusals name the room" err_has "#sec"
cli -u dave rooms
check "rooms does not list a private room to a non-member" sh -c "! grep -q '#sec' '$T/out'"
cli -u bob rooms
check "... but does to a member, marked private" grep -qE '^#sec +2 members, 0 online, private  the plan$' "$T/out"
cli -u alice history '#sec'
same "the refused send stored nothing" 1 "$(lines "$T/out")"

# The owner's rights: invite, remove; a member has none of them.
expect 7 "invite by a member who is not the owner: 7" -u bob invite carol '#sec'
expect 7 "remove by a member who is not the owner: 7" -u bob remove alice '#sec'
expect 3 "invite of an invalid user name: 3" -u alice invite 'Carol' '#sec'
expect 0 "the owner invites carol" -u alice invite carol '#sec'
expect 0 "carol, invited, joins" -u carol join '#sec'
check "... and sees the backlog" grep -q ': top secret$' "$T/out"
expect 0 "the owner removes carol" -u alice remove carol '#sec'
expect 7 "then carol may not read it" -u carol history '#sec'
expect 7 "... nor join again: the invitation was used" -u carol join '#sec'
expect 1 "remove of a non-member: 1, saying so" -u alice remove carol '#sec'
check "... saying so" err_has "carol is not a member of #sec"

# Administrators: root and mailserv's uid under their own names.
expect 0 "root (mailserv's uid here) reads a private room it is not in" -u root history '#sec'
expect 0 "... and may make it public" -u root private '#sec' off
expect 0 "... and private again" -u root private '#sec' on
expect 7 "root acting as dave (-u dave) has only dave's rights" -u dave history '#sec'

# Forged and broken room records on the FIFO: from no session they
# are dropped and logged; from a session, each is refused with an
# error; the server keeps serving and the room keeps its lines.
if command -v python3 >/dev/null; then
	python3 - "$DIR" >"$T/forge" 2>&1 <<'PY'
import os, struct, sys, time
from forge import hello, record
d = sys.argv[1]
REC_ROOM, REC_ERROR = 9, 66
def room(op, name, user=b"", text=b"", n=0):
    return struct.pack("=II33s33s2x1024s", op, n, name, user, text)
pid = 99998
fifo = os.path.join(d, "clients", "mallory.%d" % pid)
os.mkfifo(fifo, 0o622)
r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
srv = os.open(os.path.join(d, "mailserv.fifo"), os.O_WRONLY)
token = os.urandom(16)
# No session: a join of #sec with a made-up key.
os.write(srv, record(REC_ROOM, pid, room(1, b"#sec"), token=os.urandom(16)))
os.write(srv, record(1, pid, hello("mallory"), token=token))
time.sleep(0.3)
key = os.read(r, 4096)[40:56]
bad = [
    room(1, b"#sec")[:10],                      # truncated
    room(1, b"#sec") + b"xx",                   # too long
    room(1, b"#" + b"a" * 32),                  # name without its NUL
    room(1, b"#Sec"),                           # invalid name
    room(99, b"#sec"),                          # unknown operation
    room(10, b"#sec", user=b"b" * 33),          # user without its NUL
    room(5, b"#sec", text=b"t" * 1024),         # topic without its NUL
    room(6, b"#sec", n=7),                      # lock with n = 7
]
errors = 0
for p in bad:
    os.write(srv, record(REC_ROOM, pid, p, token=key))
    time.sleep(0.05)
    data = os.read(r, 8192)
    if len(data) >= 8 and struct.unpack("=H", data[6:8])[0] == REC_ERROR:
        errors += 1
print("errors", errors, "of", len(bad))
os.write(srv, record(8, pid, b"", token=key))
os.close(r)
os.unlink(fifo)
PY
	check "8 broken room records from a session: each refused with an error" \
	    grep -qx "errors 8 of 8" "$T/forge"
	diag "$T/forge"
	check "a room record from no session is dropped and logged" \
	    grep -q "room record from pid 99998 without a valid session: dropped" "$T/server.log"
	check "... and a malformed one is logged" \
	    grep -q "malformed room record (10 bytes) from mallory" "$T/server.log"
	cli -u alice history '#sec'
	check "the server still serves, and the room keeps its line" grep -q ': top secret$' "$T/out"
	cli -u alice members '#sec'
	check "... and mallory is no member of it" sh -c "! grep -q mallory '$T/out'"
else
	skip "forged room records (no python3)"
fi

# A second Unix account.
why=$(other_uid_why)
if [ -n "$why" ]; then
	skip "a second uid's view of a private room: $why"
else
	chmod 0755 "$T"
	as_other mailcli -d "$DIR" -u "$OTHER_USER" history '#sec' >"$T/out" 2>"$T/err"
	same "$OTHER_USER's history of the private room: 7" 7 $?
	as_other mailcli -d "$DIR" -u "$OTHER_USER" join '#sec' >"$T/out" 2>"$T/err"
	same "$OTHER_USER's join: 7" 7 $?
	as_other mailcli -d "$DIR" -u alice send '#sec' 'as alice' >"$T/out" 2>"$T/err"
	same "$OTHER_USER may not act as alice in a room (exit 3)" 3 $?
	cli -u alice history '#sec'
	check "... nothing was sent in her name" sh -c "! grep -q 'as alice' '$T/out'"
	as_other mailcli -d "$DIR" -u alice read '#sec' >"$T/out" 2>"$T/err"
	same "... nor read her unread lines (exit 3)" 3 $?
	if [ "$IPC" = posix ]; then
		dirid
		q=$(ls /dev/mqueue | grep -F "ipcmail.$DIRID.m.#sec" | head -1)
		check "the room's history has a queue of its own (/$q)" test -n "$q"
		as_other tests/ipcpeek mq "/$q" >"$T/peek"
		same "the kernel refuses $OTHER_USER the queue that holds the room's history (EACCES)" 0 $?
		diag "$T/peek"
	else
		n=0 refused=0
		for id in $(our_ipcs -q | awk '$6 > 0 { print $2 }'); do
			n=$((n + 1))
			as_other tests/ipcpeek msgq "$id" >>"$T/peek" && refused=$((refused + 1))
		done
		check "the store's queues hold the room's messages ($n with messages)" test "$n" -gt 0
		same "the kernel refuses $OTHER_USER every one of them (EACCES)" "$n" "$refused"
		diag "$T/peek"
	fi
	as_other cat "$DIR/spool/spool.log" >/dev/null 2>&1
	check "... and the spool that holds it behind the kernel" test $? -ne 0
	cli -u alice history '#sec'
	same "the room's history is whole after those tries" 1 "$(lines "$T/out")"
	chmod 0700 "$T"
fi
finish
