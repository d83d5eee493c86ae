#!/bin/bash
# mta.sh - mail between the host's MTA and ipcmail, against a real Exim
# (its own configuration, spool and log; see eximlib.sh): mail(1) and
# sendmail reach an ipcmail inbox with subject and sender address; with
# mailserv stopped exim defers (75) and delivers once it is back; over
# --max-body bounces (65); a redelivery is stored once; non-ASCII
# subjects and bodies round-trip; an outsider's subject and From: reach
# a terminal only through the display filter; `send user@host` and a reply go out
# through sendmail(8); and `mailcli deliver`'s exit codes and bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/eximlib.sh"

why=$(exim_why)
if [ -n "$why" ]; then
	skip "the MTA tests: $why"
	rm -rf "$T"
	echo "1..$ntest"
	exit 0
fi
H=$T/b
DIR=$H/srv/run
export MAILSERV_DIR=$DIR
EXIMS_BEFORE=$(pgrep -x exim4)
exim_setup b b.test
cli() { timeout 20 "$MAILCLI" -d "$DIR" "$@"; }
# inbox_n USER: how many messages wait for USER.
inbox_n() { cli -u "$1" inbox | wc -l; }

nobody_server b --mail-domain b.test --max-body 4000 || { finish; }
SERVER_PID=$NOBODY_PID

# --- from the MTA into ipcmail -----------------------------------------
printf 'set sendmail=%s\n' "$H/bin/sendmail" >"$T/mailrc"
echo "the disk is 91% full" | MAILRC=$T/mailrc timeout 20 mail -s 'disk report' bob
check "mail -s 'disk report' bob reaches bob's ipcmail inbox" \
    wait_for sh -c "timeout 5 '$MAILCLI' -d '$DIR' -u bob inbox | grep -q 'disk report'"
line=$(cli -u bob inbox)
case $line in
*root@b.test*"disk report"*) ok "inbox shows the sender's address and the subject" ;;
*) not_ok "inbox shows the sender's address and the subject"; echo "# $line" ;;
esac
cli -u bob read 1 >"$T/read"
check "read shows From: with the outside address (never a bare name)" \
    grep -q '^From: .*root@b\.test' "$T/read"
check "... Subject: disk report" grep -qx 'Subject: disk report' "$T/read"
check "... the message's own Date: and an Id:" sh -c \
    "grep -q '^Date: [A-Z][a-z][a-z], ' '$T/read' && grep -q '^Id: ' '$T/read'"
check "... and the body" grep -qx 'the disk is 91% full' "$T/read"
check "the mbox keeps the original headers (Received, Message-Id)" sh -c \
    "grep -q '^Received: ' '$T/data/ipcmail/bob.mbox' &&
     grep -qi '^Message-Id: ' '$T/data/ipcmail/bob.mbox' &&
     grep -q '^Subject: disk report' '$T/data/ipcmail/bob.mbox'"

# A message that names a local user in From: still shows an address.
printf 'From: alice\nSubject: forged\n\nI am alice\n' |
    timeout 20 "$H/bin/sendmail" -oi bob
cli -u bob read 1 >"$T/read"
check "a From: naming a local user shows qualified (alice@b.test), not as local mail" \
    grep -qx 'From: alice@b.test' "$T/read"

# --- mailserv down: exim defers, and delivers when it is back -----------
nobody_stop "$SERVER_PID"; SERVER_PID=
printf 'Subject: while down\n\nqueued\n' | timeout 20 "$H/bin/sendmail" -oi bob
check "with mailserv stopped, exim defers the delivery (exit 75)" sh -c \
    "exim_log() { cat '$H/log/mainlog'; }; exim_log | grep -q '== bob@b.test.*returned 75'"
check "... and keeps the message in its queue" \
    sh -c "'$H/bin/exim' -bpc | grep -qx 1"
nobody_server b --mail-domain b.test --max-body 4000; SERVER_PID=$NOBODY_PID
timeout 30 "$H/bin/exim" -qff
check "once mailserv is back, a queue run delivers it" \
    wait_for sh -c "timeout 5 '$MAILCLI' -d '$DIR' -u bob inbox | grep -q 'while down'"
check "... and exim's queue is empty" sh -c "'$H/bin/exim' -bpc | grep -qx 0"

# --- over --max-body: a bounce (65) ------------------------------------
n0=$(inbox_n bob)
{ printf 'Subject: big\n\n'; head -c 6000 /dev/zero | tr '\0' 'x'; echo; } |
    timeout 20 "$H/bin/sendmail" -oi bob
check "a message over --max-body fails for good (exit 65: exim bounces it)" \
    sh -c "cat '$H/log/mainlog' | grep -q '\*\* bob@b.test.*returned 65'"
same "... and nothing of it is stored" "$n0" "$(inbox_n bob)"

# --- a redelivery of the same Message-ID is stored once -----------------
for i in 1 2; do
	printf 'Message-ID: <same.1@example.org>\nSubject: twice\n\nonce\n' |
	    timeout 20 "$H/bin/sendmail" -oi bob
done
same "the same Message-ID delivered twice is stored once" 1 \
    "$(cli -u bob inbox | grep -c twice)"
check "... mailserv answered the second copy as sent" \
    grep -q 'bob -> bob: .* sent again, stored once' "$H/server.log"
printf 'Message-ID: <same.1@example.org>\nSubject: twice\n\nonce\n' |
    timeout 20 "$H/bin/sendmail" -oi alice
same "... but the same message for another recipient is its own" 1 \
    "$(cli -u alice inbox | grep -c twice)"

# --- non-ASCII subject and body ----------------------------------------
subj='Prüfung – 日本語 😀'
body='Grüße, 안녕하세요 ✓'
enc=$(printf '%s' "$subj" | base64 -w0)
printf 'Subject: =?UTF-8?B?%s?=\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n%s\n' \
    "$enc" "$body" | timeout 20 "$H/bin/sendmail" -oi carol
cli -u carol read >"$T/read"
same "an RFC 2047 subject is shown decoded" "Subject: $subj" \
    "$(grep '^Subject: ' "$T/read")"
same "... and the UTF-8 body arrives byte-exact" "$body" "$(tail -n 1 "$T/read")"

# --- out through sendmail(8) -------------------------------------------
cli -u alice read --all >/dev/null
expect 0 "send -s hi bob@b.test hands the message to the MTA (exit 0)" \
    -d "$DIR" --sendmail "$H/bin/sendmail" -u alice send -s hi bob@b.test hello bob
check "... bob has it in his ipcmail inbox, From alice@b.test" \
    wait_for sh -c "timeout 5 '$MAILCLI' -d '$DIR' -u bob inbox | grep -q 'alice@b.test .* hi'"
n=$(cli -u bob inbox | grep 'alice@b.test' | awk '{print $1}')
expect 0 "bob replies to it (exit 0)" -d "$DIR" --sendmail "$H/bin/sendmail" \
    -u bob reply "$n" hello alice
cli -u alice read >"$T/read"
check "... the reply goes out to alice@b.test and reaches her, Subject Re: hi" \
    sh -c "grep -qx 'Subject: Re: hi' '$T/read' && grep -q 'bob@b.test' '$T/read' &&
           grep -qx 'hello alice' '$T/read'"
check "... with In-Reply-To the first message's id" \
    grep -q '^In-Reply-To: <.*@b.test>' "$T/data/ipcmail/alice.mbox"

# A fake sendmail: what mailcli gives it, exactly.
cat >"$T/fake-sendmail" <<'FAKE'
#!/bin/sh
printf '%s\n' "$@" >"$FAKE_DIR/args"
cat >"$FAKE_DIR/msg"
exit "${FAKE_RC:-0}"
FAKE
chmod 0755 "$T/fake-sendmail"
export FAKE_DIR=$T
printf 'line one\n.\nline three\n' | IPCMAIL_SENDMAIL=$T/fake-sendmail \
    timeout 20 "$MAILCLI" -d "$DIR" -u alice send -s "$(printf 'a\nBcc: eve@evil.example')" carol@example.org
same "sendmail is called as sendmail -oi -- ADDRESS (IPCMAIL_SENDMAIL)" \
    "-oi -- carol@example.org" "$(tr '\n' ' ' <"$T/args" | sed 's/ $//')"
hdr=$(sed '/^$/q' "$T/msg")
check "the message has From: alice@b.test (mailserv --mail-domain), To, Date, Message-ID" \
    sh -c "printf '%s\n' \"\$1\" | grep -qx 'From: alice@b.test' &&
           printf '%s\n' \"\$1\" | grep -qx 'To: carol@example.org' &&
           printf '%s\n' \"\$1\" | grep -q '^Date: ' &&
           printf '%s\n' \"\$1\" | grep -q '^Message-ID: <.*@b.test>$'" sh "$hdr"
check "... MIME-Version, Content-Type UTF-8, 8bit" \
    sh -c "printf '%s\n' \"\$1\" | grep -qx 'MIME-Version: 1.0' &&
           printf '%s\n' \"\$1\" | grep -qx 'Content-Type: text/plain; charset=UTF-8' &&
           printf '%s\n' \"\$1\" | grep -qx 'Content-Transfer-Encoding: 8bit'" sh "$hdr"
check "a subject with a newline adds no header (no Bcc: line)" \
    sh -c "! printf '%s\n' \"\$1\" | grep -q '^Bcc:' &&
           printf '%s\n' \"\$1\" | grep -qx 'Subject: a Bcc: eve@evil.example'" sh "$hdr"
same "... and the body follows, a lone '.' kept" "$(printf 'line one\n.\nline three')" \
    "$(sed '1,/^$/d' "$T/msg")"
printf 'Gr\xc3\xbc\xc3\x9fe\n' | IPCMAIL_SENDMAIL=$T/fake-sendmail \
    timeout 20 "$MAILCLI" -d "$DIR" -u alice send -s 'Grüße' carol@example.org
check "a non-ASCII subject goes out RFC 2047 encoded" \
    grep -qx 'Subject: =?UTF-8?B?R3LDvMOfZQ==?=' "$T/msg"
printf 'kept\n' | FAKE_RC=1 IPCMAIL_SENDMAIL=$T/fake-sendmail \
    timeout 20 "$MAILCLI" -d "$DIR" -u alice send carol@example.org >"$T/out" 2>"$T/err"
same "a sendmail that exits 1 makes send exit 8" 8 "$?"
check "... saying the host's mail system refused it" \
    grep -q "the host's mail system refused the message" "$T/err"
check "... and the sender's copy is kept in dead.letter" \
    grep -qx kept "$T/data/ipcmail/dead.letter"
expect 8 "no sendmail at the --sendmail path: exit 8" -d "$DIR" \
    --sendmail "$T/none" -u alice send carol@example.org text
check "... saying it cannot run it" grep -q "cannot run $T/none" "$T/err"
expect 3 "an address that is no address (-oQ@x, a space) is refused, exit 3" \
    -d "$DIR" --sendmail "$T/fake-sendmail" -u alice send '-oQ@x' text

# A reply to outside mail goes to its Reply-To:, with In-Reply-To.
cli -u frank read --all >/dev/null 2>&1
printf 'From: Xavier <x@example.org>\nReply-To: list@example.org\nMessage-ID: <rt.1@example.org>\nSubject: Re: plans\n\nsee list\n' |
    timeout 20 "$MAILCLI" -d "$DIR" deliver frank 2>/dev/null
IPCMAIL_SENDMAIL=$T/fake-sendmail timeout 20 "$MAILCLI" -d "$DIR" -u frank \
    reply 1 noted >/dev/null 2>&1
same "reply to outside mail goes out to its Reply-To: address" \
    "-oi -- list@example.org" "$(tr '\n' ' ' <"$T/args" | sed 's/ $//')"
check "... with In-Reply-To its Message-ID, and Re: only once" sh -c \
    "grep -qx 'In-Reply-To: <rt.1@example.org>' '$T/msg' &&
     grep -qx 'Subject: Re: plans' '$T/msg' && grep -qx 'To: list@example.org' '$T/msg'"

# A subject sent to a room stays out of the room's line.
cli -u alice join '#ops' >/dev/null 2>&1
cli -u alice send -s subj '#ops' room text >/dev/null 2>&1
cli -u alice history '#ops' >"$T/hist" 2>&1
check "send -s to a room: the line is its text, no meta block in it" sh -c \
    "grep -q 'room text' '$T/hist' && ! grep -q subj '$T/hist' &&
     ! LC_ALL=C grep -q \"\$(printf '\\001')\" '$T/hist'"
cli -u alice leave '#ops' >/dev/null 2>&1

# --- mailcli deliver: exit codes ----------------------------------------
msg() { printf 'Subject: %s\n\nbody\n' "$1"; }
deliver() { timeout 20 "$MAILCLI" -d "$DIR" deliver "$@" 2>"$T/err"; }
n0=$(inbox_n carol)
msg plain | deliver -f x@example.org carol
same "deliver USER exits 0" 0 "$?"
msg env | SENDER=y@example.org LOCAL_PART=carol deliver
same "a bare deliver takes LOCAL_PART and SENDER from the environment" 0 "$?"
msg env2 | env -u LOCAL_PART USER=carol SENDER=z@example.org \
    timeout 20 "$MAILCLI" -d "$DIR" deliver 2>"$T/err"
same "... or USER" 0 "$?"
check "... the sender shown is SENDER when From: is missing" \
    sh -c "timeout 5 '$MAILCLI' -d '$DIR' -u carol inbox | grep -q 'z@example.org .* env2'"
msg x | deliver Not-A-Name; same "an invalid ipcmail name exits 67" 67 "$?"
check "... with one line on stderr saying why" grep -q "not a valid ipcmail name" "$T/err"
msg x | deliver -q carol; same "an unknown option exits 64" 64 "$?"
msg x | deliver; same "no recipient at all exits 64" 64 "$?"
msg x | setpriv --reuid=daemon --regid=daemon --clear-groups \
    timeout 20 "$H/bin/mailcli" -d "$DIR" deliver carol 2>"$T/err"
same "a uid that is not carol's, mailserv's or root's may not deliver for carol: 77" 77 "$?"
msg x | setpriv --reuid=nobody --regid=nogroup --clear-groups \
    timeout 20 "$H/bin/mailcli" -d "$DIR" deliver carol 2>"$T/err"
same "mailserv's uid may" 0 "$?"
msg x | timeout 20 "$MAILCLI" -d "$T/none" deliver carol 2>"$T/err"
same "no mailserv: exit 75 (the MTA keeps it and retries)" 75 "$?"
n1=$(inbox_n carol)

# --- exit 0 means durable: a crash and a reboot right after keep it ---
printf 'Message-ID: <durable.1@example.org>\nSubject: durable\n\nkept\n' |
    deliver -f x@example.org erin
same "deliver exits 0 ..." 0 "$?"
kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
ipc_wipe
nobody_server b --mail-domain b.test --max-body 4000; SERVER_PID=$NOBODY_PID
same "... and after a kill -9 of mailserv and every kernel object gone, the message is there (from the spool)" \
    1 "$(cli -u erin inbox | grep -c durable)"

# --- what an outsider wrote reaches a terminal through the filter -----
if command -v script >/dev/null; then
	s64=$(printf 'red \302\23331m \033]0;pwn\007 alert' | base64 -w0)
	f64=$(printf 'Ev\302\233il' | base64 -w0)
	printf 'From: =?UTF-8?B?%s?= <evil@example.org>\nSubject: =?UTF-8?B?%s?=\n\nhi\n' \
	    "$f64" "$s64" | deliver dave
	timeout 20 script -qec "$MAILCLI -d $DIR -u dave inbox" /dev/null \
	    </dev/null >"$T/pty" 2>&1
	timeout 20 script -qec "$MAILCLI -d $DIR -u dave read" /dev/null \
	    </dev/null >>"$T/pty" 2>&1
	raw=$(python3 -c 'import sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape")
print(sum(1 for c in t if (ord(c) < 32 and c not in "\r\n\t") or
    0x7f <= ord(c) < 0xa0 or 0xdc80 <= ord(c) <= 0xdcff))' "$T/pty")
	same "on a terminal, an outside subject and From: reach it only through the filter (no raw control)" 0 "$raw"
	check "... the C1 CSI shown as \\x9b in both, ESC and BEL made spaces" sh -c \
	    "grep -qF 'Ev\\x9bil <evil@example.org>' '$T/pty' &&
	     grep -qF 'Subject: red \\x9b31m  ]0;pwn  alert' '$T/pty'"
else
	skip "the terminal filter on outside mail: no script(1)"
fi

# --- bad input -----------------------------------------------------------
deliver carol </dev/null; same "an empty stdin exits 65" 65 "$?"
check "... saying so" grep -q "empty message" "$T/err"
head -c 10485760 /dev/urandom | deliver carol; same "10 MiB of binary exits 65" 65 "$?"
{ yes 'X-Header: never ending' | head -n 20000; } | deliver carol
same "headers that never end exit 65" 65 "$?"
check "... saying so" grep -q "does not end" "$T/err"
printf 'Subject: nul\n\nbefore\0after\n' | deliver carol
same "a NUL byte exits 65" 65 "$?"
{ printf 'Subject: '; head -c 1200 /dev/zero | tr '\0' 'y'; printf '\n\nx\n'; } | deliver carol
same "a header line over 998 bytes exits 65" 65 "$?"
same "nothing of any refused message is stored" "$n1" "$(inbox_n carol)"
long=$(head -c 191 /dev/zero | tr '\0' 's')
printf 'Subject: %s\n\nx\n' "$long" | deliver carol
same "a 200-byte header line is a message like any (exit 0)" 0 "$?"
cli -u carol read --all >"$T/read"
check "... stored whole: its 191-byte subject intact" grep -qx "Subject: $long" "$T/read"
same "the good deliveries all arrived" $((n1 - n0 + 1)) "$(grep -c '^Id: ' "$T/read")"

# --- exim's own daemon: none started by installing, none by us ---------
# (Other tests may run their own exims meanwhile: only ours count.)
same "the tests left no exim of theirs running" "" \
    "$(pgrep -f -- "$H/exim.conf" | tr '\n' ' ')"
gone=
for p in $EXIMS_BEFORE; do kill -0 "$p" 2>/dev/null || gone="$gone $p"; done
same "... and every exim that ran before them (the host's own) still runs" "" "$gone"
check "the host's /etc/exim4 has no trusted_configs of ours" \
    sh -c "! grep -qs '$T' /etc/exim4/trusted_configs"
# The run directory is nobody's: nobody purges it.
nobody_stop "$SERVER_PID"; SERVER_PID=
setpriv --reuid=nobody --regid=nogroup --clear-groups "$H/bin/mailserv" \
    -d "$DIR" --purge >/dev/null 2>"$T/purge.err" || diag "$T/purge.err"
finish
