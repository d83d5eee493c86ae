#!/bin/bash
# rooms.sh - chat rooms from the README's commands: room names and exit
# codes (3 invalid, 7 not allowed and no such room), join with topic,
# members and the backlog, multi-target send, topic and its lock,
# history and read, inbox's and the login's unread lines (a member
# offline during 30 lines), leave (the last one removes the room), the
# limits (--max-rooms, --max-joined, members by --max-users, --max-body,
# --backlog), and three interactive sessions in tmux: a line reaches
# every online session of every member within 100 ms, above the prompt,
# the typed line intact, the sender's other session too.
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
# lines FILE: how many room lines FILE shows.
lines() { grep -cE '^\[#[a-z0-9._-]+\] [a-z_][a-z0-9_-]* \([0-9]{2}:[0-9]{2}\): ' "$1"; }
# err_has TEXT: mailcli's stderr says so.
err_has() { grep -qF -- "$1" "$T/err"; }

start_server

# Names.
expect 3 "join '#Bad' (upper case) exits 3, invalid name" -u alice join '#Bad'
check "... and says what room names are" err_has "rooms are '#' then 1 to 31"
expect 3 "join of a name without '#' exits 3" -u alice join ops
expect 3 "join of '#' alone exits 3" -u alice join '#'
expect 3 "join of a name starting with '-' exits 3" -u alice join '#-ops'
expect 3 "join of a 32-character name after '#' exits 3" -u alice join "#$(printf 'a%.0s' $(seq 1 32))"
expect 0 "join of a 31-character name after '#' works" -u alice join "#$(printf 'b%.0s' $(seq 1 31))"
expect 0 "... and leave of it" -u alice leave "#$(printf 'b%.0s' $(seq 1 31))"

# Join creates; the creator owns it.
expect 0 "alice joins #ops, which is created" -u alice join '#ops'
check "... and join lists its members" grep -qx '#ops: members: alice' "$T/out"
cli -u alice members '#ops'
check "members marks alice as the owner, offline" grep -qE '^alice +offline +\(owner\)$' "$T/out"
expect 0 "bob joins #ops" -u bob join '#ops'
check "... and sees both members" grep -qx '#ops: members: alice, bob' "$T/out"

# Not allowed, no such room: 7, each with its message.
expect 7 "send to a room by a non-member exits 7" -u carol send '#ops' hi
check "... naming the room and the reason" err_has "cannot send to #ops: carol is not a member"
expect 7 "read #ops by a non-member exits 7" -u carol read '#ops'
expect 7 "leave of a room one is not in exits 7" -u carol leave '#ops'
check "... naming the room and the reason" err_has "cannot leave #ops: carol is not a member"
expect 7 "history of a room that does not exist exits 7" -u carol history '#nowhere'
check "... saying: no such room" err_has "no such room #nowhere"
expect 7 "send to a room that does not exist exits 7" -u alice send '#nowhere' x
check "... saying: no such room" err_has "no such room #nowhere"
expect 7 "members of a room that does not exist exits 7" -u alice members '#nowhere'
expect 7 "topic of a room that does not exist exits 7" -u alice topic '#nowhere'

# Multi-target send: one message to each.
expect 0 "send bob,carol,#ops 'lunch?' exits 0" -u alice send 'bob,carol,#ops' 'lunch?'
cli -u bob inbox
check "bob has the mail" grep -qE '^ +1  alice .* lunch\?$' "$T/out"
check "bob's inbox lists #ops with 1 new line" grep -qE '^#ops +1 new$' "$T/out"
cli -u carol inbox
check "carol has the mail" grep -qE '^ +1  alice .* lunch\?$' "$T/out"
cli -u alice history '#ops'
check "the room has the line, in the live format" \
    grep -qE '^\[#ops\] alice \([0-9]{2}:[0-9]{2}\): lunch\?$' "$T/out"
same "... once" 1 "$(lines "$T/out")"
expect 3 "send bob,#Bad x exits 3" -u alice send 'bob,#Bad' x
cli -u bob inbox
check "... and sends nothing, not even to the valid target" \
    test "$(grep -c 'alice' "$T/out")" = 1
expect 7 "send bob,#nowhere y exits 7 ..." -u alice send 'bob,#nowhere' y
cli -u bob inbox
check "... after sending to bob" grep -qE 'alice .* y$' "$T/out"
echo "from stdin" | timeout 20 "$MAILCLI" -d "$DIR" -u alice send '#ops' >/dev/null 2>&1
cli -u alice history '#ops' 1
check "send '#ops' without TEXT takes the body from stdin" grep -qE '\): from stdin$' "$T/out"

# Topic and its lock.
expect 0 "a member sets the topic" -u bob topic '#ops' 'lunch at noon'
cli -u carol topic '#ops'
check "anyone sees a public room's topic" grep -qx '#ops: topic: lunch at noon' "$T/out"
expect 7 "a non-member may not set it (7)" -u carol topic '#ops' mine
expect 7 "a member who is not the owner may not lock it (7)" -u bob topic '#ops' --lock
check "... saying only the owner may" err_has "only its owner (alice) may"
expect 0 "the owner locks it" -u alice topic '#ops' --lock
expect 7 "then a member may not set it (7)" -u bob topic '#ops' 'bob was here'
check "... saying the owner locked it" err_has "its owner (alice) locked it"
expect 0 "the owner still may" -u alice topic '#ops' 'lunch at one'
expect 0 "and unlocks it" -u alice topic '#ops' --unlock
expect 0 "then the member may again" -u bob topic '#ops' 'lunch at two'
cli -u alice rooms
check "rooms: name, members, online, topic" \
    grep -qE '^#ops +2 members, 0 online  lunch at two$' "$T/out"
expect 5 "a topic past 1023 bytes exits 5" -u bob topic '#ops' "$(head -c 1100 /dev/zero | tr '\0' x)"

# Backlog on join: the last 20, in order, with topic and members.
for i in $(seq 1 25); do cli -u alice send '#ops' "line $i"; done
expect 0 "carol joins after 25 lines" -u carol join '#ops'
check "join shows the topic" grep -qx '#ops: topic: lunch at two' "$T/out"
check "join shows the members" grep -qx '#ops: members: alice, bob, carol' "$T/out"
same "join shows the last 20 lines" 20 "$(lines "$T/out")"
same "... oldest first: line 6 to line 25" "line 6 line 25" \
    "$(grep -E '^\[#ops\]' "$T/out" | sed -n '1p;$p' | sed 's/.*: //' | tr '\n' ' ' | sed 's/ $//')"
cli -u carol inbox
check "after join nothing of #ops is unread" sh -c "! grep -q '^#ops' '$T/out'"

# history and read.
cli -u bob history '#ops' 5
same "history #ops 5: the last 5 lines" 5 "$(lines "$T/out")"
check "... ending with line 25" sh -c "tail -1 '$T/out' | grep -q ': line 25$'"
cli -u bob history '#ops'
same "history #ops: the last 20 by default" 20 "$(lines "$T/out")"
cli -u bob inbox
check "history leaves the lines unread: #ops 27 new" grep -qE '^#ops +27 new$' "$T/out"
cli -u bob read '#ops'
same "read #ops: the 27 unread lines" 27 "$(lines "$T/out")"
cli -u bob inbox
check "then none is unread" sh -c "! grep -q '^#ops' '$T/out'"
expect 1 "history #ops 0 is a usage error (1)" -u bob history '#ops' 0

# Leave: the last member's leave removes the room with its history.
expect 0 "join #tmp" -u alice join '#tmp'
cli -u alice send '#tmp' 'soon gone'
before=$(ipc_queued)
expect 0 "its last member leaves" -u alice leave '#tmp'
expect 7 "then #tmp is no such room (7)" -u alice history '#tmp'
cli -u alice rooms
check "... not in rooms" sh -c "! grep -q '^#tmp' '$T/out'"
check "... and its line and state left the kernel store" \
    wait_for sh -c "test \$($MAILSERV -d $DIR --status | awk '/^mail store  / { print \$3; exit }') -lt $before"
expect 0 "a new #tmp starts empty" -u bob join '#tmp'
check "... without the old line" sh -c "! grep -q 'soon gone' '$T/out'"
cli -u bob members '#tmp'
check "... owned by its new creator" grep -qE '^bob +offline +\(owner\)$' "$T/out"
cli -u bob leave '#tmp'

# The owner leaves: the longest member owns the room.
cli -u dave join '#hand'
cli -u erin join '#hand'
cli -u dave leave '#hand'
cli -u erin members '#hand'
check "when the owner leaves, the next member owns the room" grep -qE '^erin .*\(owner\)$' "$T/out"
cli -u erin leave '#hand'

# The live format is the same for live lines, backlog and history, and
# three interactive sessions get a line at once.
if ! have_tmux; then
	skip "interactive room tests need tmux (apt-get install tmux)"
else
	session() {	# session TMUXNAME USER
		tm new-session -d -s "$1" -x 120 -y 40 \
		    "$MAILCLI -d $DIR -u $2; sleep 30"
	}
	# bob is offline during 30 lines: his login says so.
	for i in $(seq 1 30); do cli -u alice send '#ops' "while away $i"; done
	session bob bob
	check "login: 'You have N new messages.' then '#ops: 30 new lines'" \
	    on_screen bob '^You have [0-9]+ new messages?\.$'
	tm capture-pane -p -t bob >"$T/screen"
	check "... '#ops: 30 new lines' on the line after it" \
	    sh -c "grep -A1 -E '^You have [0-9]+ new messages?\.$' '$T/screen' | grep -qx '#ops: 30 new lines'"
	on_screen bob '^mailcli>'
	tm send-keys -t bob "read #ops" Enter
	check "read #ops in the session shows them" on_screen bob ': while away 30$'
	tm send-keys -t bob "inbox" Enter
	on_screen bob 'No new messages\.'
	tm capture-pane -p -t bob >"$T/screen"
	check "... and then they are read (inbox has no #ops line)" \
	    sh -c "! grep -qE '^#ops +[0-9]+ new' '$T/screen'"
	tm send-keys -t bob C-l
	session bob2 bob
	session carol carol
	session alice alice
	on_screen bob2 '^mailcli>'
	on_screen carol '^mailcli>'
	on_screen alice '^mailcli>'
	tm send-keys -t bob "send #ops hal"
	on_screen bob 'mailcli> send #ops hal$'
	start=$(date +%s%N)
	cli -u alice send '#ops' "live to the room"
	on_screen bob '^\[#ops\] alice \(..:..\): live to the room$'
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	if [ -n "${IPCMAIL_SANITIZED:-}" ]; then
		check "a room line reaches a member's session promptly (${ms} ms; sanitizer build, bound 1000 ms)" \
		    test "$ms" -le 1000
	else
		check "a room line reaches a member's session within 100 ms of send (${ms} ms, send process included)" \
		    test "$ms" -le 100
	fi
	check "... bob's other session too" on_screen bob2 '^\[#ops\] alice \(..:..\): live to the room$'
	check "... carol's" on_screen carol '^\[#ops\] alice \(..:..\): live to the room$'
	check "... and the sender's own interactive session" \
	    on_screen alice '^\[#ops\] alice \(..:..\): live to the room$'
	tm capture-pane -p -t bob >"$T/screen"
	check "the line is above the prompt, bob's typed line intact" \
	    sh -c "grep -A1 'live to the room' '$T/screen' | grep -qx 'mailcli> send #ops hal'"
	tm send-keys -t bob "f done" Enter
	check "the typed line is sent whole" on_screen bob '^Sent to #ops\.$'
	check "... and reaches carol" on_screen carol '^\[#ops\] bob \(..:..\): half done$'
	check "... and bob's other session" on_screen bob2 '^\[#ops\] bob \(..:..\): half done$'
	tm send-keys -t carol "join #lu" Tab
	cli -u alice join '#lunch'
	tm send-keys -t carol C-u "history #l" Tab
	check "tab completes a room name" on_screen carol 'mailcli> history #lunch ?$'
	tm send-keys -t carol C-u "leave #lunch" Enter
	check "leave of a room one is not in, in the session: 7's message" \
	    on_screen carol 'cannot leave #lunch: carol is not a member'
	cli -u alice leave '#lunch'
	cli -u carol members '#ops'
	check "members marks the members online now" grep -qE '^carol +online$' "$T/out"
	cli -u dave rooms
	check "rooms counts the members online now" grep -qE '^#ops +3 members, 3 online' "$T/out"
	for s in bob bob2 carol alice; do tm send-keys -t "$s" "quit" Enter; done
	wait_for sh -c "! pgrep -f -- '$MAILCLI -d $DIR -u' >/dev/null"
	tm kill-server 2>/dev/null
fi
stop_server

# Limits, each with its message and exit code.
start_server --max-rooms 3 --max-joined 2 --max-users 2 --max-body 100 --backlog 3
expect 0 "with --max-rooms 3 and #ops there, a second room is made" -u alice join '#two'
expect 0 "... and a third" -u bob join '#three'
expect 4 "... but not a fourth: exit 4" -u alice join '#four'
check "... saying so" err_has "there are 3 rooms (at most 3, mailserv --max-rooms)"
expect 4 "with --max-joined 2, alice in 2 rooms may not join a third (exit 4)" -u alice join '#three'
check "... saying so" err_has "alice is in 2 rooms already (at most 2, mailserv --max-joined)"
expect 0 "carol joins #three" -u carol join '#three'
expect 4 "with --max-users 2, a room of 2 members refuses a third (exit 4)" -u dave join '#three'
check "... saying so" err_has "it has 2 members (at most 2, mailserv --max-users)"
expect 5 "a line past --max-body exits 5" -u alice send '#two' "$(head -c 200 /dev/zero | tr '\0' x)"
for i in 1 2 3 4 5; do cli -u alice send '#two' "b$i"; done
cli -u dave join '#two'
same "--backlog 3: join shows 3 lines" 3 "$(lines "$T/out")"
stop_server
start_server --backlog 0
cli -u erin join '#two'
same "--backlog 0: join shows none" 0 "$(lines "$T/out")"
cli -u erin history '#two'
same "... while history still has them" 5 "$(lines "$T/out")"
stop_server
start_server --recipients=accounts
expect 0 "with --recipients=accounts, a room is a recipient (erin is no account)" -u erin send '#two' 'accounts mode'
expect 7 "... and a room that does not exist is 7, no such room, not 3" -u erin send '#ghost' x
finish
