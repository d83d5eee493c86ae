#!/bin/bash
# presence.sh - away, mesg and ignore from the README's commands, kept
# by mailserv: who shows login time, idle time and status read from the
# online table (set from another session of the same user), the away
# notice to a sender, an away text cut at 120 bytes on a character
# boundary and shown escaped on a terminal, mesg n holding live mail,
# room lines and walls (not the administrator's) with the counts on
# mesg y, ignore (mail, rooms, walls; the sender not told), another uid
# refused, and all of it across kill -9 and a reboot simulation.
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
err_has() { grep -qF -- "$1" "$T/err"; }
out_has() { grep -qE -- "$1" "$T/out"; }

need_tmux "presence tests"
session() {	# session TMUXNAME USER
	tm new-session -d -s "$1" -x 160 -y 50 \
	    "$MAILCLI -d $DIR -u $2; sleep 30"
	on_screen "$1" '^mailcli>'
}
# who_line USER: bob's lines of a one-shot who, in $T/out.
who_lines() { cli who; grep -E "^$1 " "$T/out" >"$T/who.$1"; }

start_server
cli -u alice join '#ops'
cli -u bob join '#ops'
cli -u carol join '#ops'
session bob1 bob
session bob2 bob
session alice alice

# who: name, tty, login time, idle ("." under a minute), no status.
who_lines bob
same "who shows both of bob's sessions" 2 "$(wc -l <"$T/who.bob")"
check "... each with tty, login time and idle '.' and no status" \
    grep -qE '^bob +pts/[0-9]+ +[A-Z][a-z]{2} +[0-9]+ [0-9]{2}:[0-9]{2} +\.  \(pid [0-9]+\)$' "$T/who.bob"

# away from one session: both sessions show it, in who.
tm send-keys -t bob1 "away gone for lunch" Enter
check "away TEXT in a session says so" on_screen bob1 '^You are away: gone for lunch$'
who_lines bob
same "who shows 'away: TEXT' on both of bob's sessions" 2 \
    "$(grep -c '  away: gone for lunch$' "$T/who.bob")"
tm send-keys -t bob2 "who" Enter
check "... and bob's other session's who too" on_screen bob2 'bob .*  away: gone for lunch$'

# The away notice: on stderr, exit 0, the mail sent as before.
expect 0 "send to an away user exits 0" -u alice send bob "are you there"
check "... and tells the sender 'bob is away: TEXT' on stderr" err_has "bob is away: gone for lunch"
check "... nothing on stdout" test ! -s "$T/out"
check "... the mail reached bob live" on_screen bob1 'alice \(..:..\): are you there$'
tm send-keys -t alice "send bob hello" Enter
check "in a session the notice shows as a *** line" on_screen alice '^\*\*\* bob is away: gone for lunch$'
check "... and the send went" on_screen alice '^Sent to bob\.$'
expect 0 "one-shot away without TEXT: back" -u bob away
who_lines bob
check "who shows no status once back" sh -c "! grep -q 'away' '$T/who.bob'"
expect 0 "send to bob once back" -u alice send bob "back?"
check "... tells nothing" test ! -s "$T/err"

# Over 120 bytes: cut on a character boundary, with a note.
long=$(printf 'a%.0s' $(seq 1 119))é
expect 0 "away with 121 bytes (119 a and a 2-byte é) exits 0" -u bob away "$long"
check "... with a note that it was cut" err_has "the away text is cut to 119 bytes (at most 120)"
who_lines bob
check "... who shows the 119 a, the é not cut in half" \
    grep -qE "  away: a{119}\$" "$T/who.bob"
expect 0 "away with exactly 120 bytes (118 a and é)" -u bob away "$(printf 'a%.0s' $(seq 1 118))é"
check "... is not cut" test ! -s "$T/err"
who_lines bob
check "... and shows whole" grep -qE "  away: a{118}é\$" "$T/who.bob"

# An away text with escape sequences: shown escaped on a terminal.
expect 0 "away with an OSC title and a CSI sequence" -u bob away "$(printf 'x\033]2;pwned\007y\033[2Jz')"
tm send-keys -t alice "who" Enter
check "who on a terminal shows them escaped (^[, ^G)" \
    on_screen alice 'away: x\^\[\]2;pwned\^Gy\^\[\[2Jz$'
cli who
check "... and piped, as they were sent" grep -qF "$(printf 'x\033]2;pwned\007y')" "$T/out"
cli -u bob away

# Do not disturb.
tm send-keys -t bob2 "mesg n" Enter
tm send-keys -t bob2 "mesg" Enter
check "mesg shows 'is n' after mesg n" on_screen bob2 '^is n$'
who_lines bob
same "who shows 'dnd' on both of bob's sessions" 2 "$(grep -c '  dnd$' "$T/who.bob")"
tm send-keys -t bob1 C-l
expect 0 "mail to a dnd user exits 0" -u alice send bob "held one"
check "... telling the sender it waits" \
    err_has "bob does not want to be disturbed: your message waits in bob's inbox"
expect 0 "a second one" -u carol send bob "held two"
expect 0 "a room line while bob is dnd" -u alice send '#ops' "room while dnd"
expect 0 "a wall from alice while bob is dnd" -u alice wall "wall from alice"
check "none of them is shown live to bob" \
    not_on_screen bob1 'held one|held two|room while dnd|wall from alice'
check "... alice's own session had the room line and the wall" \
    on_screen alice 'wall from alice'
expect 0 "the administrator (root as root) walls" -u root wall "wall from root"
check "... and that wall reaches the dnd user" on_screen bob1 '\*\*\* wall from root: wall from root$'
tm send-keys -t bob1 "mesg y" Enter
check "mesg y prints what came meanwhile as counts" \
    on_screen bob1 '^2 new messages, #ops: 1 new line$'
check "... the mail waits in the inbox" sh -c "$MAILCLI -d $DIR -u bob inbox | grep -q 'held two'"
tm send-keys -t bob1 "mesg" Enter
check "mesg shows 'is y' then" on_screen bob1 '^is y$'
expect 0 "mail once mesg y" -u alice send bob "live again"
check "... is live again" on_screen bob1 'alice \(..:..\): live again$'
cli -u bob read --all >/dev/null
cli -u bob read '#ops' >/dev/null
expect 1 "mesg x is a usage error (1)" -u bob mesg x

# Ignore: nothing from carol reaches bob; carol is not told.
expect 0 "bob ignores carol" -u bob ignore carol
expect 3 "ignore of an invalid name exits 3" -u bob ignore 'Carol!'
expect 1 "ignoring oneself is refused (1)" -u bob ignore bob
expect 3 "unignore of one not ignored exits 3" -u bob unignore dave
cli -u bob ignore
same "ignore lists carol" "carol" "$(cat "$T/out")"
tm send-keys -t bob1 C-l
expect 0 "carol's mail to bob exits 0" -u carol send bob "spam 1"
check "... with nothing said to carol" test ! -s "$T/err"
expect 0 "carol's line to #ops" -u carol send '#ops' "spam line"
expect 0 "carol's wall" -u carol wall "spam wall"
check "none reaches bob live" not_on_screen bob1 'spam'
check "... the room line reaches alice" on_screen alice 'carol \(..:..\): spam line$'
cli -u bob inbox
check "bob's inbox has nothing from carol" sh -c "! grep -q carol '$T/out'"
cli -u bob history '#ops' 3
check "bob's room history shows '[ignored line]' in its place" out_has '^\[#ops\] carol \(..:..\): \[ignored line\]$'
cli -u alice history '#ops' 3
check "... alice's shows the line" out_has 'carol \(..:..\): spam line$'

# Another uid cannot change bob's presence.
why=$(other_uid_why)
if [ -n "$why" ]; then
	skip "another uid cannot set bob's away ($why)"
else
	chmod 0755 "$T"
	as_other mailcli -d "$DIR" -u bob away "not me" >/dev/null 2>&1
	same "another uid's away as bob is refused (exit 3)" 3 "$?"
	chmod 0700 "$T"
fi

# Kept across kill -9, then a reboot simulation.
expect 0 "bob is away again" -u bob away "on holiday"
tm send-keys -t bob1 "mesg n" Enter
wait_for sh -c "$MAILCLI -d $DIR who | grep -q '  dnd$'"
for s in bob1 bob2 alice; do tm send-keys -t "$s" "quit" Enter; done
wait_for sh -c "! pgrep -f -- '$MAILCLI -d $DIR -u' >/dev/null"
tm kill-server 2>/dev/null
survived() {
	cli -u bob mesg
	check "$1: mesg n kept" out_has '^is n$'
	cli -u bob ignore
	same "$1: the ignore list kept" "carol" "$(cat "$T/out")"
	expect 0 "$1: send to bob" -u alice send bob "after $1"
	check "$1: the away text kept" err_has "bob is away: on holiday"
	check "$1: ... and dnd" err_has "bob does not want to be disturbed"
	expect 0 "$1: carol's mail" -u carol send bob "spam after $1"
	cli -u bob inbox
	check "$1: carol's mail is still dropped" sh -c "! grep -q 'spam after' '$T/out'"
}
kill_server
start_server
survived "after kill -9"
stop_server
ipc_wipe
start_server
survived "after a reboot simulation"
cli -u bob unignore carol
expect 0 "after unignore carol's mail goes to bob" -u carol send bob "welcome back"
cli -u bob inbox
check "... and is in the inbox" grep -q 'welcome back' "$T/out"
stop_server
finish
