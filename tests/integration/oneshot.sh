#!/bin/bash
# oneshot.sh - every one-shot command of mailcli against a real
# mailserv: send, inbox, read, delete, reply, wall, who; bodies as
# bytes (UTF-8, 64 KiB), the mbox file, limits and their exit codes.
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }
MBOX=$XDG_DATA_HOME/ipcmail/alice.mbox

start_server

expect 0 "send with TEXT exits 0" -d "$DIR" -u bob send alice hello   world
same "... and prints nothing on stdout" "" "$(cat "$T/out")"
printf 'first line\nsecond line\n' |
    timeout 20 "$MAILCLI" -d "$DIR" -u carol send alice >"$T/out" 2>"$T/err"
same "send with the body on stdin exits 0" 0 $?

cli -u alice inbox
same "inbox exits 0" 0 "$rc"
same "inbox prints one line per unread message and nothing else" 2 "$(wc -l <"$T/out")"
check "inbox line: number, sender, date, first line" \
    grep -qE '^ +1  bob +[A-Z][a-z]{2} +[0-9]+ [0-9]{2}:[0-9]{2}  hello world$' "$T/out"
check "inbox shows the first line of a multi-line body" \
    grep -qE '^ +2  carol .*  first line$' "$T/out"

cli -u alice read 1
same "read 1 exits 0" 0 "$rc"
check "read prints From:, Date:, Id: (a uuid), a blank line, the body" \
    test "$(sed -n 1p "$T/out")" = "From: bob" -a \
    "$(sed -n 5p "$T/out")" = "hello world" -a -z "$(sed -n 4p "$T/out")" -a \
    "$(wc -l <"$T/out")" = 5
check "... the Date: line is an RFC 5322 date" \
    grep -qE '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$' "$T/out"
check "... the Id: line is a uuid" \
    grep -qE '^Id: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "$T/out"
id=$(sed -n 's/^Id: //p' "$T/out")
check "the message is in alice's mbox (default under XDG_DATA_HOME)" \
    grep -q "^X-Ipcmail-Id: $id$" "$MBOX"
cli -u alice inbox
same "a read message leaves the inbox" 1 "$(wc -l <"$T/out")"
cli -u alice read 2
same "read of a number past the inbox exits 1" 1 "$rc"
check "... saying there is no such message" grep -q "no message 2" "$T/err"

expect 0 "reply N TEXT sends to the sender of message N" -d "$DIR" -u alice reply 1 thanks carol
cli -u carol inbox
check "... carol has the reply" grep -qE '^ +1  alice .*  thanks carol$' "$T/out"

cli -u alice delete 1
same "delete 1 exits 0" 0 "$rc"
cli -u alice inbox
same "a deleted message leaves the inbox" 0 "$(wc -l <"$T/out")"
check "a deleted message is not saved to the mbox" test "$(grep -c '^From carol ' "$MBOX")" = 0
expect 1 "delete of a number that does not exist exits 1" -d "$DIR" -u alice delete 7
expect 1 "delete with a non-number exits 1" -d "$DIR" -u alice delete x
check "... saying it is not a message number" grep -qF "'x' is not a message number" "$T/err"
for n in 0 -1 1x 99999999999999999999; do
	expect 1 "read $n: not a message number, exit 1" -d "$DIR" -u alice read "$n"
done
expect 1 "history with a bad line count exits 1" -d "$DIR" -u alice history '#ops' 0
check "... saying what the count may be" grep -qF "'0' is not a number of lines (1 to 1000000)" "$T/err"
for w in x -1 86401; do
	expect 1 "--wait $w: not a number of seconds, exit 1" -d "$DIR" -u bob --wait "$w" inbox
done
check "... saying so" grep -qF "mailcli: --wait 86401: not a number of seconds (0 to 86400)" "$T/err"

for i in 1 2 3; do cli -u bob send alice "msg $i"; done
cli -u alice read --all
same "read --all exits 0" 0 "$rc"
same "read --all prints every unread message" 3 "$(grep -c '^From: bob$' "$T/out")"
cli -u alice inbox
same "after read --all the inbox is empty" "" "$(cat "$T/out")"
cli -u alice read
same "read with nothing unread exits 0" 0 "$rc"

# Bodies are bytes: UTF-8 round-trips exactly.
printf '안녕하세요, 앨리스! 🎉📬\nzweite Zeile — ünïcødé\n' >"$T/utf8"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/utf8"
cli -u alice read
sed '1,4d' "$T/out" >"$T/got"
check "a UTF-8 body (Korean, emoji) round-trips byte-exact" cmp -s "$T/utf8" "$T/got"

# ... and so does any byte, NUL included.
printf 'before\0after \001\377\n' >"$T/nul"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/nul"
cli -u alice read
sed '1,4d' "$T/out" >"$T/got"
check "a body with NUL and non-UTF-8 bytes round-trips byte-exact" cmp -s "$T/nul" "$T/got"

# A 64 KiB body spans several 16 KiB queues and comes back whole.
head -c 49152 /dev/urandom | base64 -w 0 | head -c 65535 >"$T/big"
echo >>"$T/big"
same "the 64 KiB test body is 65536 bytes" 65536 "$(wc -c <"$T/big")"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/big" 2>"$T/err"
same "a 64 KiB body is accepted" 0 $?
if [ "$IPC" = posix ]; then
	# (the message read just before may still be on its way out)
	if wait_for sh -c "'$MAILSERV' -d '$DIR' --status >'$T/status' &&
	    grep -q '9 of 10 messages /ipcmail\..*\.m\.alice\$' '$T/status'"; then
		ok "... as 9 parts in alice's mailbox queue"
	else
		not_ok "... as 9 parts in alice's mailbox queue"
		diag "$T/status"
	fi
else
	check "... it is stored in more than one queue" \
	    test "$(ipc_queue_count)" -ge 4
fi
cli -u alice read
sed '1,4d' "$T/out" >"$T/got"
check "... and read back byte-exact" cmp -s "$T/big" "$T/got"

head -c 65537 /dev/zero | tr '\0' x >"$T/toobig"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/toobig" >/dev/null 2>"$T/err"
same "a body over 64 KiB exits 5" 5 $?
check "... with a clear message" grep -q "too large" "$T/err"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice </dev/null >/dev/null 2>"$T/err"
same "an empty body exits 1" 1 $?
check "... saying nothing was sent" grep -q "empty message" "$T/err"
cli -u alice inbox
same "neither the oversized nor the empty message was stored" "" "$(cat "$T/out")"

expect 3 "an invalid recipient name exits 3" -d "$DIR" -u bob send Bob hi
expect 3 "an invalid -u name exits 3" -d "$DIR" -u 9lives inbox
expect 3 "a 33-character name exits 3" -d "$DIR" -u aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa inbox
expect 1 "an unknown command exits 1" -d "$DIR" -u bob frobnicate
check "... naming the command" grep -q "unknown command 'frobnicate'" "$T/err"
expect 1 "send without a recipient exits 1" -d "$DIR" -u bob send

cli who
same "who with nobody online exits 0 and prints nothing" "0:" "$rc:$(cat "$T/out")"
expect 0 "wall exits 0 (live only, not stored)" -d "$DIR" -u bob wall lunch is ready
cli -u bob inbox
same "wall stores nothing" "" "$(cat "$T/out")"

# The mbox opens in a standard reader.
if command -v python3 >/dev/null; then
	python3 - "$MBOX" >"$T/py" 2>&1 <<'PY'
import mailbox, sys
box = mailbox.mbox(sys.argv[1], create=False)
msgs = list(box)
print(len(msgs), msgs[0]["From"], msgs[0]["X-Ipcmail-Id"] is not None)
PY
	check "the mbox parses as mbox with every saved message" \
	    grep -qE '^7 bob True$' "$T/py"
else
	skip "mbox parse check (no python3)"
fi
if command -v mail >/dev/null; then
	printf 'q\n' | timeout 10 mail -f "$MBOX" >"$T/mail" 2>&1
	check "mail -f opens the mbox" grep -q 'bob' "$T/mail"
else
	skip "mail -f check (no mail(1) installed)"
fi
cli -u alice --mbox "$T/other.mbox" read
check "--mbox FILE overrides where mail is saved" true
cli -u bob send alice "to another file"
cli -u alice --mbox "$T/other.mbox" read
check "--mbox FILE gets the message" grep -q '^to another file$' "$T/other.mbox"

stop_server
# Limits: a per-mailbox quota; one full mailbox does not block others.
start_server --quota 70000
head -c 40000 /dev/zero | tr '\0' q >"$T/40k"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send carol <"$T/40k"
same "a message under the quota is accepted" 0 $?
timeout 20 "$MAILCLI" -d "$DIR" -u bob send carol <"$T/40k" >/dev/null 2>"$T/err"
same "past the mailbox quota send exits 4" 4 $?
check "... saying the mailbox is full" grep -q "mailbox of carol is full" "$T/err"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send dave <"$T/40k"
same "another mailbox still accepts mail" 0 $?
stop_server
# Limits: a per-sender rate.
start_server --rate 3
for i in 1 2 3; do cli -u bob send dave "burst $i"; done
same "sends within --rate are accepted" 0 "$rc"
cli -u bob send dave "one too many"
same "past --rate send exits 6" 6 "$rc"
check "... saying the sender is too fast" grep -q "sending too fast (at most 3 messages a minute)" "$T/err"
cli -u erin send dave "another sender"
same "another sender is not held back" 0 "$rc"
stop_server
"$MAILSERV" -d "$DIR" --purge >/dev/null
# The whole store full: nothing is half stored.  Without the spool the
# kernel store is the bound (with it, overflow.sh: the mail waits there).
if [ "$IPC" = posix ]; then
	# A POSIX mailbox queue holds 10 parts: 64 KiB (9 parts) fits once.
	start_server --no-spool
	head -c 60000 /dev/zero | tr '\0' s >"$T/60k"
	timeout 20 "$MAILCLI" -d "$DIR" -u bob send erin <"$T/60k"
	same "a 60 KB message fills most of a POSIX mailbox queue" 0 $?
	timeout 20 "$MAILCLI" -d "$DIR" -u bob send erin <"$T/60k" >/dev/null 2>"$T/err"
	same "with the mailbox queue full send exits 4" 4 $?
	check "... saying the store has no room" grep -q "mail store is full" "$T/err"
	same "... and no part of the refused message stays queued" 8 "$(ipc_queued)"
	timeout 20 "$MAILCLI" -d "$DIR" -u bob send frank <"$T/60k"
	same "another mailbox has its own queue" 0 $?
else
	start_server --no-spool --shards 2 --max-body 16000 --quota 100000
	head -c 15000 /dev/zero | tr '\0' s >"$T/15k"
	for u in erin frank; do timeout 20 "$MAILCLI" -d "$DIR" -u bob send $u <"$T/15k"; done
	timeout 20 "$MAILCLI" -d "$DIR" -u bob send gina <"$T/15k" >/dev/null 2>"$T/err"
	same "with every queue full send exits 4" 4 $?
	check "... saying the store is full" grep -q "mail store is full" "$T/err"
	"$MAILSERV" -d "$DIR" --status >"$T/status"
	check "... and no part of the refused message stays queued" \
	    grep -q "^mail store  *4 parts queued in 2 queues, [0-9]* bytes: 2 complete messages" "$T/status"
fi

finish
