#!/bin/bash
# irssi.sh - irssi itself (the Debian package) in tmux with a private
# --home, pointed at DIR/irc.sock and nothing else: it registers (CAP,
# server-time), joins #ops and shows its backlog, shows a line a mailcli
# user sends to the room, and its own line reaches that user's mailcli
# on a terminal; a 1:1 message from irssi reaches mailcli live; a
# mailcli user's join and leave show in irssi live (its nicks too);
# /away is ipcmail's away, shown by mailcli who.  Then
# mailserv is killed with SIGKILL and started again: irssi reconnects by
# itself (its server_reconnect_time, set to 2 s here), rejoins, and no
# line is lost or shown twice.
. "$(dirname "$0")/lib.sh"

if ! command -v irssi >/dev/null; then
	skip "irssi tests need irssi (apt-get install irssi)"
	finish
fi
need_tmux "irssi tests"
mkdir -p "$T/irssi"
SCREEN_OPTS="-S -200"	# on_screen looks at 200 lines of history too
cli() { run_cli -d "$DIR" "$@"; }
# on_screen_long: on_screen for 15 s (a reconnect of irssi's own).
on_screen_long() { SCREEN_TRIES=1500 on_screen "$@"; }
# count SESSION TEXT: how many lines of the pane's history show TEXT.
count() { tm capture-pane -p -t "$1" -S -500 | grep -cF -- "$2"; }

cat >"$T/irssi/config" <<CONF
servers = ( { address = "$DIR/irc.sock"; chatnet = "ipcmail";
    autoconnect = "yes"; } );
chatnets = { ipcmail = { type = "IRC"; }; };
channels = ( { name = "#ops"; chatnet = "ipcmail"; autojoin = "yes"; } );
settings = {
  core = { real_name = "Alice"; user_name = "alice"; nick = "alice";
    server_reconnect_time = "2"; };
  "fe-common/core" = { autolog = "no"; };
};
CONF

start_server || exit 1
cli -u bob join '#ops'
cli -u bob send '#ops' 'backlog line from bob'
tm new-session -d -s bob -x 120 -y 30 "$MAILCLI -d $DIR -u bob; sleep 30"
on_screen bob '^mailcli>'
tm new-session -d -s irssi -x 120 -y 40 \
    "TERM=screen irssi --home=$T/irssi; sleep 30"
check "irssi connects to DIR/irc.sock and registers as alice" \
    on_screen irssi 'Welcome to ipcmail, alice'
check "... with server-time" on_screen irssi 'Capabilities acknowledged: server-time'
tm send-keys -t irssi "/window 2" Enter
check "irssi joins #ops and shows bob among its nicks" on_screen irssi '\[@bob\]'
check "... and the backlog" on_screen irssi '<@bob> backlog line from bob'
tm send-keys -t bob "send #ops line from mailcli" Enter
check "a line bob sends from mailcli shows in irssi" \
    on_screen irssi '<@bob> line from mailcli'
tm send-keys -t irssi "line from irssi" Enter
check "irssi's own line reaches bob's mailcli terminal" \
    on_screen bob '\[#ops\] alice \([0-9:]+\): line from irssi'
tm send-keys -t irssi "/msg bob one to one from irssi" Enter
check "a /msg bob from irssi reaches bob's mailcli live" \
    on_screen bob 'alice.*one to one from irssi'
# A mailcli user's join reaches irssi live: in the window and its nicks.
# Mail to alice, who has no mailcli online: irssi shows it (in a query
# window of its own), answers the PING that follows as IRC clients do,
# and the mail is then done with (doc/irc.md).
cli -u bob send alice "one to one for irssi"
tm send-keys -t irssi "/window 3" Enter
check "mail to alice shows in irssi" on_screen irssi 'one to one for irssi'
check "... and is done with once irssi has answered the PING after it" \
    wait_for sh -c "! '$MAILCLI' -d '$DIR' -u alice inbox | grep -q 'one to one for irssi'"
tm send-keys -t irssi "/window 2" Enter
cli -u carol join '#ops'
check "carol joins #ops from mailcli: irssi shows it at once" \
    on_screen irssi 'carol \[carol@localhost\] has joined #ops'
tm send-keys -t irssi "/names" Enter
check "... and carol is among its nicks" on_screen irssi '\[ carol\]'
cli -u carol leave '#ops'
check "... her leave too" \
    on_screen irssi 'carol \[carol@localhost\] has left #ops'
cli who
check "mailcli who shows alice on irc" grep -qE '^alice +irc ' "$T/out"
# who_has REGEX: a one-shot who shows REGEX (tried for up to 5 s).
who_has() {
	wait_for sh -c "'$MAILCLI' -d '$DIR' who 2>&1 | grep -qE -- \"\$1\"" \
	    sh "$1"
}
tm send-keys -t irssi "/away gone" Enter
check "irssi's /away gone: mailcli who shows alice 'away: gone' (ipcmail's away)" \
    who_has '^alice +irc .*  away: gone$'
tm send-keys -t irssi "/away" Enter
check "irssi's /away alone: mailcli who shows alice without a status" \
    who_has '^alice +irc .*\)$'

# SIGKILL: irssi reconnects by itself; nothing lost or twice.
sleep 0.5
kill_server
# Its status window (1) tells of the connection.
tm send-keys -t irssi "/window 1" Enter
check "irssi sees the connection go" on_screen_long irssi 'Connection lost|Disconnected|Reconnecting'
start_server || exit 1
i=0
while [ "$(count irssi 'Welcome to ipcmail, alice')" -lt 2 ] && [ $i -lt 1500 ]; do
	sleep 0.01; i=$((i + 1))
done
same "irssi reconnects by itself: a second welcome" 2 "$(count irssi 'Welcome to ipcmail, alice')"
tm send-keys -t irssi "/window 2" Enter
wait_for cli -u bob members '#ops'
i=0
while ! grep -qE '^alice +online' "$T/out" && [ $i -lt 1000 ]; do
	sleep 0.02; i=$((i + 1)); cli -u bob members '#ops'
done
tm send-keys -t bob "send #ops after the restart" Enter
check "a line after the restart shows in irssi" \
    on_screen_long irssi '<@bob> after the restart'
same "... once" 1 "$(count irssi 'after the restart')"
same "the backlog line was shown once, not again at the rejoin" 1 \
    "$(count irssi 'backlog line from bob')"
same "bob's line before the kill was shown once" 1 \
    "$(count irssi 'line from mailcli')"
cli -u bob history '#ops'
same "the room holds each line once" 1 "$(grep -c 'line from irssi' "$T/out")"

tm kill-server 2>/dev/null
finish
