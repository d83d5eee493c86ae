#!/bin/bash
# display.sh - no byte from another user acts on a reader's terminal.
# A hostile sender's CSI, OSC (ended by BEL and by ST), C1 (8-bit and
# UTF-8) and invalid UTF-8 reach an interactive reader in tmux (live
# mail and wall), a one-shot `read` and `inbox` on a pty, and `who` (a
# forged tty): all shown escaped, the screen not cleared, the pane's
# title unchanged, Korean and emoji as they are.  A piped `read` and
# the mbox keep the bytes exactly.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null; then
	skip "display tests need tmux (apt-get install tmux)"
	finish
fi
if ! command -v script >/dev/null || ! command -v python3 >/dev/null; then
	skip "display tests need script(1) (util-linux) and python3"
	finish
fi
# A private tmux server, on a socket in the test's directory.
tm() { tmux -u -S "$T/tmux.sock" "$@"; }
cli() { run_cli -d "$DIR" "$@"; }
# on_screen SESSION FIXED-TEXT: wait until the pane shows it.
on_screen() {
	local i
	for i in $(seq 1 500); do
		tm capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2" && return 0
		sleep 0.01
	done
	return 1
}
title() { tm display -p -t "$1" '#{pane_title}'; }
# on_pty FILE ARGS...: mailcli ARGS with a pty as stdout; what reached
# the terminal, byte for byte, in FILE.
on_pty() {
	local out=$1; shift
	timeout 20 script -qec "$MAILCLI -d $DIR $*" /dev/null \
	    </dev/null >"$out" 2>&1
}
# raw_controls FILE: how many bytes of FILE a terminal would obey: C0
# controls but newline and tab, DEL, C1 controls (raw or in UTF-8), and
# bytes that are not UTF-8 (a raw 0x9b is CSI to some terminals).
raw_controls() {
	python3 -c 'import sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape")
print(sum(1 for c in t if (ord(c) < 32 and c not in "\n\t") or
    0x7f <= ord(c) <= 0x9f or 0xdc80 <= ord(c) <= 0xdcff))' "$1"
}
# in_file FILE NEEDLE-FILE: NEEDLE-FILE's bytes appear in FILE, exactly.
in_file() {
	python3 -c 'import sys; sys.exit(open(sys.argv[2], "rb").read()
	    not in open(sys.argv[1], "rb").read())' "$1" "$2"
}

# What a hostile sender writes: clear the screen, set the title, set
# the clipboard (OSC 52, ended by ST), colour, 8-bit CSI, UTF-8 CSI,
# an overlong '/', a surrogate, and a cut-short sequence; then text
# that must show as it is.
printf 'hi \033]0;pwned\007\033[2J\033[31mRED\033[0m \033]52;c;cHduZWQ=\033\\ \233 \302\233 \300\257 \355\240\200 안녕 😀 \342\202\n' \
    >"$T/hostile"
shown='hi ^[]0;pwned^G^[[2J^[[31mRED^[[0m ^[]52;c;cHduZWQ=^[\ \x9b \x9b � � 안녕 😀 �'

start_server
tm new-session -d -s ref -x 200 -y 40 "sleep 60"
ref_title=$(title ref)
tm new-session -d -s alice -x 200 -y 40 \
    "$MAILCLI -d $DIR -u alice; sleep 60"
check "the interactive reader logs in (You have 0 new messages.)" \
    on_screen alice 'You have 0 new messages.'
on_screen alice 'mailcli>'

# Live mail.
"$MAILCLI" -d "$DIR" -u mallory send alice <"$T/hostile"
on_screen alice "mallory ("
check "a hostile live message is shown escaped on the reader's screen: every control in caret or \\x form, invalid UTF-8 as U+FFFD" \
    on_screen alice "$shown"
# The prompt is drawn again after the message: wait for it.
prompt_below() {
	tm capture-pane -p -t alice | grep -A1 -F 'hi ^[]0;pwned' |
	    grep -q '^mailcli>'
}
check "... the prompt is back below it" wait_for prompt_below
tm capture-pane -p -t alice >"$T/screen"
tm capture-pane -e -p -t alice >"$T/screen-e"
check "... Korean and emoji as they are" grep -qF '안녕 😀' "$T/screen"
check "... the screen was not cleared (the login line is still there)" \
    grep -qF 'You have 0 new messages.' "$T/screen"
check "... nothing took effect (capture-pane -e: no colour, no escape)" \
    test "$(raw_controls "$T/screen-e")" = 0
same "... the pane's title is unchanged" "$ref_title" "$(title alice)"
check "... and the reader's mbox keeps the original bytes" \
    wait_for in_file "$XDG_DATA_HOME/ipcmail/alice.mbox" "$T/hostile"

# Wall.
cli -u mallory wall "$(printf 'w \033]2;walled\033\\\033[H\033[J\033[7m\233m end')"
check "a hostile wall is shown escaped" \
    on_screen alice '*** wall from mallory: w ^[]2;walled^[\^[[H^[[J^[[7m\x9bm end'
tm capture-pane -p -t alice >"$T/screen"
tm capture-pane -e -p -t alice >"$T/screen-e"
check "... the screen was not cleared" \
    grep -qF 'You have 0 new messages.' "$T/screen"
check "... nothing took effect" test "$(raw_controls "$T/screen-e")" = 0
same "... the pane's title is unchanged" "$ref_title" "$(title alice)"
tm send-keys -t alice "quit" Enter

# A one-shot read on a terminal (a tmux pane).
"$MAILCLI" -d "$DIR" -u mallory send bob <"$T/hostile"
tm new-session -d -s bob -x 200 -y 40 \
    "$MAILCLI -d $DIR -u bob read; echo exit=\$?; sleep 60"
check "a one-shot read on a terminal shows the body escaped" \
    on_screen bob "$shown"
check "... and exits 0" on_screen bob 'exit=0'
tm capture-pane -e -p -t bob >"$T/screen-e"
check "... nothing took effect" test "$(raw_controls "$T/screen-e")" = 0
same "... the pane's title is unchanged" "$ref_title" "$(title bob)"
check "... the mbox keeps the original bytes" \
    in_file "$XDG_DATA_HOME/ipcmail/bob.mbox" "$T/hostile"

# What reaches a pty, byte for byte: inbox, then read.
printf 'first \233 line \302\233 \033]0;x\007 é\nsecond \033[2J\n' >"$T/hostile2"
"$MAILCLI" -d "$DIR" -u mallory send dave <"$T/hostile2"
on_pty "$T/pty-inbox" -u dave inbox
check "inbox on a pty shows the first line's C1 controls as \\x9b" \
    grep -qF 'first \x9b line \x9b' "$T/pty-inbox"
same "... no control byte reaches the pty but the CR of its newlines" 0 \
    "$(tr -d '\r' <"$T/pty-inbox" | raw_controls /dev/stdin)"
on_pty "$T/pty-read" -u dave read
check "read on a pty shows the body escaped" \
    grep -qF 'first \x9b line \x9b ^[]0;x^G é' "$T/pty-read"
check "... both lines" grep -qF 'second ^[[2J' "$T/pty-read"
same "... no control byte reaches the pty but the CR of its newlines" 0 \
    "$(tr -d '\r' <"$T/pty-read" | raw_controls /dev/stdin)"

# A piped read: the bytes as they were sent.
"$MAILCLI" -d "$DIR" -u mallory send carol <"$T/hostile"
cli -u carol read
same "a piped read exits 0" 0 "$rc"
check "... and gives the body byte for byte (cmp)" \
    cmp -s "$T/hostile" <(tail -c "$(stat -c %s "$T/hostile")" "$T/out")
check "... after the head's blank line" \
    test "$(head -c -"$(stat -c %s "$T/hostile")" "$T/out" | tail -c 2 | od -An -c | tr -d ' ')" = '\n\n'
check "... and the mbox keeps the original bytes" \
    in_file "$XDG_DATA_HOME/ipcmail/carol.mbox" "$T/hostile"

# who: a hostile client logs in with a tty full of escapes.
python3 - "$DIR" "$T/forged.ready" "$T/forged.done" >"$T/forge.out" 2>&1 <<'PY' &
import os, sys, time
from forge import hello, record
d, ready, done = sys.argv[1:4]
pid = os.getpid()
fifo = os.path.join(d, "clients", "eve.%d" % pid)
os.mkfifo(fifo, 0o600)
r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
srv = os.open(os.path.join(d, "mailserv.fifo"), os.O_WRONLY)
secret = os.urandom(16)
os.write(srv, record(1, pid, hello("eve", 1, b"pts/\x1b]0;pwned\x07\x9b\xc2\x9b"),
                     token=secret))
for _ in range(100):
    time.sleep(0.05)
    try:
        data = os.read(r, 4096)
        break
    except BlockingIOError:
        pass
key = data[40:56]
os.write(srv, record(4, pid, b"", token=key))    # REC_LIST: the key used
time.sleep(0.2)
open(ready, "w").close()
for _ in range(200):
    if os.path.exists(done):
        break
    time.sleep(0.05)
os.write(srv, record(8, pid, b"", token=key))    # REC_BYE
os.close(r)
os.unlink(fifo)
PY
forger=$!
wait_for test -e "$T/forged.ready"
wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^eve '"
on_pty "$T/pty-who" who
check "who on a pty lists the hostile client" grep -q '^eve ' "$T/pty-who"
same "... and no control byte of its tty reaches the pty" 0 \
    "$(tr -d '\r' <"$T/pty-who" | raw_controls /dev/stdin)"
cli who
check "mailserv keeps a tty's control and non-ASCII bytes as '?'" \
    grep -qF 'eve              pts/?]0;pwned????' "$T/out"
check "... and says so in its log" \
    grep -q "hello from pid $forger: its tty had control or non-ASCII bytes" "$T/server.log"
touch "$T/forged.done"
wait "$forger"

tm kill-server 2>/dev/null
finish
