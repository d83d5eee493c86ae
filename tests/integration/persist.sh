#!/bin/bash
# persist.sh - mail lives in the kernel: it survives mailserv and every
# mailcli being killed with SIGKILL, `ipcs` shows it queued, and a
# restarted mailserv serves it again, byte-exact.
. "$(dirname "$0")/lib.sh"

cli() { run_cli -d "$DIR" "$@"; }

start_server
head -c 49152 /dev/urandom | base64 -w 0 | head -c 65535 >"$T/big"
echo >>"$T/big"
cli -u bob send alice "before the crash"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/big"
cli -u alice send bob "for bob"
cli -u alice inbox
same "two messages wait for alice" 2 "$(wc -l <"$T/out")"

# An online session, so there is a client to kill as well.
online carol
CAROL=$ONLINE_PID CAROL_FD=$ONLINE_FD
wait_for grep -q "new message" "$T/carol.out"
kill -KILL "$CAROL"
kill_server
wait "$CAROL" 2>/dev/null
exec {CAROL_FD}>&-

queued=$(ipc_queued)
check "after kill -9 of every process, the kernel still queues the mail ($queued parts)" \
    test "$queued" -ge 10
qbytes=$(ipc_queued_bytes)
check "... holding more than 64 KiB ($qbytes bytes)" test "$qbytes" -gt 65536
expect 2 "with no server, mailcli exits 2" -d "$DIR" -u alice inbox

start_server
check "a restarted mailserv adopts the 3 stored messages" \
    grep -q "3 messages in the store" "$T/server.log"
check "... and replaces the online table the dead one left" \
    grep -q "removing stale online table" "$T/server.log"
cli -u alice inbox
same "alice's inbox after the crash" 2 "$(wc -l <"$T/out")"
check "... in arrival order" grep -qE '^ +1  bob .*before the crash$' "$T/out"
cli -u alice read 2
sed '1,4d' "$T/out" >"$T/got"
check "the 64 KiB message survives byte-exact" cmp -s "$T/big" "$T/got"
cli -u bob read
check "bob's message survives" grep -q '^for bob$' "$T/out"

stop_server
start_server
cli -u alice inbox
same "a graceful stop and restart keeps the last message" 1 "$(wc -l <"$T/out")"
cli -u alice read
check "... and it reads back" grep -q '^before the crash$' "$T/out"
cli -u alice inbox
same "every message is read: the store is empty" "" "$(cat "$T/out")"
check "... and so are the kernel queues" test "$(ipc_queued)" = 0

# A reboot, simulated: the server dies and every IPC object goes
# (ipcrm); the durable spool brings the mail back.
cli -u bob send alice "survives a reboot"
timeout 20 "$MAILCLI" -d "$DIR" -u bob send alice <"$T/big"
check "the spool holds the accepted mail on disk" test -s "$DIR/spool/spool.log"
check "... in a private directory (0700)" test "$(stat -c %a "$DIR/spool")" = 700
kill_server
ipc_wipe
same "every kernel object of the run directory is gone" "" "$(ipc_leftovers)"
start_server
check "the restarted mailserv restores the mail from the spool" \
    grep -q "spool: 2 messages restored to the kernel store" "$T/server.log"
cli -u alice inbox
same "alice's inbox after the reboot" 2 "$(wc -l <"$T/out")"
cli -u alice read 2
sed '1,4d' "$T/out" >"$T/got"
check "the restored 64 KiB message is byte-exact" cmp -s "$T/big" "$T/got"
cli -u alice read
check "the restored short message reads back" grep -q '^survives a reboot$' "$T/out"
stop_server
start_server
cli -u alice inbox
same "read mail is not restored again (the spool logged it done)" "" "$(cat "$T/out")"

# The kernel objects vanish under a running server (ipcrm, RemoveIPC):
# a read still delivers, from the spool, and new mail still goes in.
cli -u bob send alice "before the objects vanish"
online dave
DAVE=$ONLINE_PID DAVE_FD=$ONLINE_FD
wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^dave '"
ipc_wipe
check "the online table, removed under the server, is made again within 5 s" \
    wait_for sh -c "'$MAILCLI' -d '$DIR' who 2>/dev/null | grep -q '^dave '"
check "... and the server says so" grep -q "online table made again: 1 session entered" "$T/server.log"
exec {DAVE_FD}>&-
reap "$DAVE"
cli -u alice read
same "a read after the objects vanished under the server succeeds" 0 "$rc"
check "... with the message" grep -q '^before the objects vanish$' "$T/out"
cli -u bob send alice "after the objects vanished"
same "new mail is accepted after the objects vanished" 0 "$rc"
cli -u alice read
check "... and reads back" grep -q '^after the objects vanished$' "$T/out"

# A sender that lost the answer sends again under the same id
# (mailcli --id): stored once, whether mailserv was alive, killed and
# restarted in between, or the reader already had the first copy.
ID=$(cat /proc/sys/kernel/random/uuid)
cli -u bob --id "$ID" send alice "once only"
cli -u bob --id "$ID" send alice "once only"
same "a send repeated under the same id exits 0" 0 "$rc"
cli -u alice inbox
same "... and is stored once" 1 "$(grep -c 'once only' "$T/out")"
kill_server
start_server
cli -u bob --id "$ID" send alice "once only"
cli -u alice inbox
same "... also after a kill -9 and restart of mailserv" 1 "$(grep -c 'once only' "$T/out")"
cli -u alice read
stop_server
start_server
cli -u bob --id "$ID" send alice "once only"
same "a copy of a message already read is answered as sent" 0 "$rc"
cli -u alice inbox
same "... and is not delivered again, after a restart either" "" "$(cat "$T/out")"
"$MAILSERV" -d "$DIR" --status >"$T/status"
check "mailserv --status counts the copies it did not store" \
    grep -q '1 copy sent again answered without storing' "$T/status"
cli -u bob --id 00000000-0000-0000-0000-000000000000 send alice "null id"
same "the null id is refused (exit 1)" 1 "$rc"
cli -u bob --id not-a-uuid send alice "bad id"
same "--id that is not a uuid is a usage error (exit 1)" 1 "$rc"
check "... saying so" grep -q "not a uuid" "$T/err"

# Without the spool, a reboot loses what was unread: the documented cost.
stop_server
start_server --no-spool
cli -u bob send alice "kernel only"
kill_server
ipc_wipe
start_server --no-spool
cli -u alice inbox
same "with --no-spool, a reboot loses the unread mail" "" "$(cat "$T/out")"

finish
