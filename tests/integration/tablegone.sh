#!/bin/bash
# tablegone.sh - the online table comes back.  The lock alone, the
# table alone, and both are removed under a running mailserv (SysV:
# ipcrm -s / ipcrm -m; POSIX: unlinked from /dev/shm, as sem_unlink and
# shm_unlink do); each time mailserv notices within its 2 s check,
# makes both again, enters every logged-in session anew and logs it,
# and `who` lists the users again without a restart.  (With POSIX,
# readers never use the lock, so `who` works on while it is gone.)
. "$(dirname "$0")/lib.sh"

start_server
dirid

# objects: the table's and the lock's kernel identities, one line.
objects() {
	if [ "$IPC" = posix ]; then
		stat -c %i "/dev/shm/ipcmail.$DIRID.table" \
		    "/dev/shm/sem.ipcmail.$DIRID.lock" 2>/dev/null | tr '\n' ' '
	else
		our_ipcs -m | awk '{ printf "m%s ", $2 }'
		our_ipcs -s | awk '{ printf "s%s ", $2 }'
	fi
}

# remove lock|table: remove that object under the running server.
remove() {
	if [ "$IPC" = posix ]; then
		case $1 in
		lock)	rm "/dev/shm/sem.ipcmail.$DIRID.lock" ;;
		table)	rm "/dev/shm/ipcmail.$DIRID.table" ;;
		esac
	else
		case $1 in
		lock)	ipcrm -s "$(our_ipcs -s | awk '{ print $2 }')" ;;
		table)	ipcrm -m "$(our_ipcs -m | awk '{ print $2 }')" ;;
		esac
	fi
}

# both_listed: who lists dave and erin.
both_listed() {
	"$MAILCLI" -d "$DIR" who >"$T/who" 2>&1 &&
	    grep -q '^dave ' "$T/who" && grep -q '^erin ' "$T/who"
}

online dave
DAVE=$ONLINE_PID DAVE_FD=$ONLINE_FD
online erin
ERIN=$ONLINE_PID ERIN_FD=$ONLINE_FD
wait_for both_listed
check "who lists dave and erin" both_listed

n=0
for what in lock table "lock table"; do
	before=$(objects)
	for w in $what; do remove "$w"; done
	n=$((n + 1))
	start=$(date +%s%N)
	check "the $what removed under mailserv: it makes the table again within 5 s" \
	    wait_for sh -c "test \"\$(grep -c 'online table made again: 2 sessions entered' '$T/server.log')\" = $n"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	check "... within its 2 s check interval ($ms ms)" test "$ms" -le 3000
	case $what in
	lock)	gone="the online table's lock" ;;
	*)	gone="the online table " ;;
	esac
	check "... it logged which object was removed and both sessions entered" \
	    grep -q "warning: $gone.* was removed under mailserv" "$T/server.log"
	check "... who lists dave and erin again" wait_for both_listed
	check "... the table and the lock are both there again" ipc_table_present
	after=$(objects)
	check "... made anew ($before-> $after)" test "$before" != "$after"
done
if [ "$IPC" = posix ]; then
	same "... the new lock is mode 644 again" 644 \
	    "$(stat -c %a "/dev/shm/sem.ipcmail.$DIRID.lock")"
else
	same "... the new lock is mode 644 again" 644 \
	    "$(our_ipcs -s | awk '{ print $4 }')"
fi

# The new table is kept like the old one: a logout leaves it.
exec {DAVE_FD}>&-
reap "$DAVE"
check "a logout after the table came back leaves who" \
    wait_for sh -c "! '$MAILCLI' -d '$DIR' who | grep -q '^dave '"
run_cli -d "$DIR" who
same "... and erin is still listed" "0 erin" "$rc $(awk '{ print $1 }' "$T/out")"
exec {ERIN_FD}>&-
reap "$ERIN"

finish
