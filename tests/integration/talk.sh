#!/bin/bash
# talk.sh - conversation mode, compose and mentions in a real terminal
# (tmux): talk sends plain lines, runs /commands, shows the other's
# lines without the prefix, leaves with /end and with Ctrl-D, keeps
# history; one-shot talk is a usage error; send without text opens a
# scripted $EDITOR (a live line during it shown after) or reads lines
# until '.', Ctrl-C abandons, an empty body is not sent; a room line
# naming the reader is highlighted and rings the bell once (bell
# on|off|mentions kept in $XDG_CONFIG_HOME, a malformed file warned
# about), plain with NO_COLOR.
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
err_has() { grep -qF -- "$1" "$T/err"; }

need_tmux "talk tests"
export XDG_CONFIG_HOME=$T/config
# on_screen_e TMUXNAME RE: on_screen, with the escape sequences.
on_screen_e() { SCREEN_OPTS=-e on_screen "$@"; }
# session TMUXNAME USER [ENV...]: an interactive mailcli in tmux.
session() {
	local name=$1 user=$2
	shift 2
	tm new-session -d -s "$name" -x 160 -y 50 \
	    "env $* $MAILCLI -d $DIR -u $user; sleep 30"
	on_screen "$name" '^mailcli>'
}
inbox_has() { "$MAILCLI" -d "$DIR" -u "$1" inbox | grep -qF -- "$2"; }

start_server
cli -u alice join '#ops'
cli -u bob join '#ops'

expect 1 "one-shot talk is a usage error (exit 1)" -u bob talk alice
check "... saying it needs a session" err_has "talk needs an interactive session"

# Conversation mode.
session bob bob
session alice alice
tm send-keys -t bob "talk alice" Enter
check "talk alice: the prompt becomes 'alice> '" on_screen bob '^alice> ?$'
tm send-keys -t bob "hello there, alice" Enter
check "a plain line goes to alice" on_screen alice '^\[[0-9]+\] bob \(..:..\): hello there, alice$'
check "... and the prompt stays 'alice> '" on_screen bob '^alice> ?$'
cli -u alice send bob "hi bob, how are you"
check "alice's line shows without the [N] prefix" on_screen bob '^alice \(..:..\): hi bob, how are you$'
cli -u carol send bob "from carol"
check "a line from someone else shows as usual" on_screen bob '^\[[0-9]+\] carol \(..:..\): from carol$'
tm send-keys -t bob "/who" Enter
check "/who runs who" on_screen bob '^alice +pts/'
tm send-keys -t bob "/away gone for lunch" Enter
check "/away TEXT runs away" on_screen bob '^You are away: gone for lunch$'
tm send-keys -t bob "/away" Enter
tm send-keys -t bob "/wh" Tab
check "completion of a /command" on_screen bob '^alice> /who ?$'
tm send-keys -t bob C-u
tm send-keys -t bob Up Up Up
check "history: Up brings back an earlier line" on_screen bob '^alice> /away gone for lunch$'
tm send-keys -t bob C-u "/end" Enter
check "/end leaves: the plain prompt again" on_screen bob '^mailcli> ?$'
tm send-keys -t bob "talk #ops" Enter
check "talk #ops: the prompt '#ops> '" on_screen bob '^#ops> ?$'
tm send-keys -t bob "a line for the room" Enter
check "... plain lines go to the room" on_screen alice '^\[#ops\] bob \(..:..\): a line for the room$'
cli -u alice send '#ops' "room line from alice"
check "... the room's lines show without the room prefix" on_screen bob '^alice \(..:..\): room line from alice$'
tm send-keys -t bob "/talk alice" Enter
check "/talk carol switches: the prompt 'alice> '" on_screen bob '^alice> ?$'
tm send-keys -t bob C-d
check "Ctrl-D on an empty line leaves conversation mode" on_screen bob '^No longer talking to alice\.$'
check "... and the session is still there" on_screen bob '^mailcli> ?$'
tm send-keys -t bob "who" Enter
check "... running commands" on_screen bob '^bob +pts/'

# Compose with the . convention; Ctrl-C abandons; empty not sent.
tm send-keys -t bob C-l "send alice" Enter
check "send without text reads lines" on_screen bob "a line holding only '\.' sends it"
tm send-keys -t bob "first line of the body" Enter "second line" Enter "." Enter
check "'.' sends them" on_screen bob '^Sent to alice\.$'
# alice's session showed it live, so it is in her mbox.
mbox_has() { grep -A1 -F -- "$1" "$XDG_DATA_HOME/ipcmail/alice.mbox" 2>/dev/null | grep -qF -- "$2"; }
check "... alice has both lines" wait_for mbox_has 'first line of the body' 'second line'

tm send-keys -t bob C-l "send alice" Enter
on_screen bob "a line holding only"
tm send-keys -t bob "never to be sent" Enter C-c
check "Ctrl-C abandons" on_screen bob '^Message abandoned: nothing sent\.$'
check "... nothing sent" sh -c "! grep -q 'never to be sent' '$XDG_DATA_HOME/ipcmail/alice.mbox'"
tm send-keys -t bob C-l "send alice" Enter
on_screen bob "a line holding only"
tm send-keys -t bob "." Enter
check "an empty body is not sent" on_screen bob '^Empty message: nothing sent\.$'

# Compose with a scripted $EDITOR; a live line meanwhile shown after.
cat >"$T/editor" <<EOF
#!/bin/sh
: > "$T/editing"
while [ ! -e "$T/go" ]; do sleep 0.05; done
printf 'written by the editor\nline two\n' > "\$1"
EOF
chmod +x "$T/editor"
session bobed bob EDITOR="$T/editor"
tm send-keys -t bobed "send alice" Enter
check "send without text runs \$EDITOR" wait_for test -e "$T/editing"
cli -u alice send bob "live during the editor"
check "... a live line is held while the editor runs" not_on_screen bobed 'live during the editor'
touch "$T/go"
check "... and shown when it exits" on_screen bobed 'alice \(..:..\): live during the editor$'
check "... the body sent" on_screen bobed '^Sent to alice\.$'
check "... alice has what the editor wrote" wait_for mbox_has 'written by the editor' 'line two'

printf '#!/bin/sh\n: > "$1"\n' >"$T/empty-editor"
chmod +x "$T/empty-editor"
tm send-keys -t bobed "quit" Enter
rm -f "$T/editing" "$T/go"
session bobvis bob VISUAL="$T/empty-editor" EDITOR="$T/editor"
tm send-keys -t bobvis "send alice" Enter
check "\$VISUAL before \$EDITOR, and its empty body is not sent" on_screen bobvis '^Empty message: nothing sent\.$'
check "... \$EDITOR not run" test ! -e "$T/editing"
tm send-keys -t bobvis "quit" Enter

# Mentions: highlighted, the bell once; plain elsewhere.
tm send-keys -t bob C-l
cli -u alice send '#ops' "bob: are you there?"
check "a room line naming bob is highlighted (bold)" \
    on_screen_e bob "$(printf '\033\\[1m')\\[#ops\\] alice \\(..:..\\): bob: are you there\\?"
tm capture-pane -p -t bob >"$T/screen"
check "... the line's text on the screen" grep -q 'alice (..:..): bob: are you there?' "$T/screen"
cli -u alice send '#ops' "a line for no one"
on_screen bob 'a line for no one'
check "a line without bob is not highlighted" \
    sh -c "tm() { tmux -L ipcmail \"\$@\"; }; ! tmux -L ipcmail capture-pane -p -e -t bob | grep 'a line for no one' | grep -qF '$(printf '\033[1m')'"
cli -u alice send '#ops' "ask @bob, not bobby"
check "@bob is a mention too" on_screen_e bob "$(printf '\033\\[1m')\\[#ops\\] alice \\(..:..\\): ask @bob"
# The bell: tmux counts it as a bell in the window.
tm set-option -g -t bob monitor-bell on 2>/dev/null
tm set-window-option -g -t bob bell-action any 2>/dev/null
tm new-window -d -t bob: -n other 'sleep 30'
tm select-window -t bob:1 2>/dev/null
tm select-window -t bob:other 2>/dev/null
cli -u alice send '#ops' "bob, the bell"
on_screen bob:0 'bob, the bell'
check "a mention rings the bell (tmux flags the window)" \
    sh -c "tmux -L ipcmail list-windows -t bob -F '#{window_index} #{window_bell_flag}' | grep -qx '0 1'"
tm select-window -t bob:0
tm select-window -t bob:other
cli -u alice send '#ops' "no mention here"
on_screen bob:0 'no mention here'
check "a line without a mention does not (bell mentions)" \
    sh -c "tmux -L ipcmail list-windows -t bob -F '#{window_index} #{window_bell_flag}' | grep -qx '0 0'"
tm select-window -t bob:0
tm send-keys -t bob:0 "bell off" Enter
check "bell off" on_screen bob:0 '^bell off$'
tm select-window -t bob:other
cli -u alice send '#ops' "bob, quiet now"
on_screen bob:0 'bob, quiet now'
check "... then a mention does not ring" \
    sh -c "tmux -L ipcmail list-windows -t bob -F '#{window_index} #{window_bell_flag}' | grep -qx '0 0'"
check "... and is still highlighted" on_screen_e bob:0 "$(printf '\033\\[1m')\\[#ops\\] alice \\(..:..\\): bob, quiet now"
tm kill-window -t bob:other
cli -u bob bell
same "the setting is kept for the next session" "bell off" "$(cat "$T/out")"
check "... in \$XDG_CONFIG_HOME/ipcmail/bob.conf" grep -qx 'bell = off' "$T/config/ipcmail/bob.conf"
expect 0 "one-shot bell on" -u bob bell on
cli -u bob bell
same "... kept" "bell on" "$(cat "$T/out")"
expect 1 "bell loud is a usage error" -u bob bell loud
echo "bell = loud" >"$T/config/ipcmail/bob.conf"
cli -u bob bell
check "a malformed file: a warning" err_has "bob.conf: line 1: bell is on, off or mentions, not 'loud': using the defaults"
same "... and the default" "bell mentions" "$(cat "$T/out")"
printf 'garbage\n' >"$T/config/ipcmail/bob.conf"
cli -u bob bell
check "a line that is not key = value: a warning" err_has "line 1 is not \"key = value\""
rm -f "$T/config/ipcmail/bob.conf"

# NO_COLOR: the mention plain.
session bobnc bob NO_COLOR=1
cli -u alice send '#ops' "bob: plain please"
on_screen bobnc 'bob: plain please'
check "with NO_COLOR a mention is not highlighted" \
    sh -c "! tmux -L ipcmail capture-pane -p -e -t bobnc | grep 'plain please' | grep -qF '$(printf '\033[1m')'"

for s in bob alice bobnc; do tm send-keys -t "$s" "quit" Enter; done
wait_for sh -c "! pgrep -f -- '$MAILCLI -d $DIR -u' >/dev/null"
tm kill-server 2>/dev/null
stop_server
finish
