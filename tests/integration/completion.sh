#!/bin/bash
# completion.sh - bash completion of mailcli (data/completion/mailcli):
# sourced into this bash, it completes commands and options, a user
# after send or kick from the names online now, which it reads with
# this build's `mailcli who`, and a room from `mailcli rooms`.
. "$(dirname "$0")/lib.sh"

# shellcheck source=/dev/null
. "${top_srcdir:-$top_builddir}/data/completion/mailcli"
export PATH=$top_builddir:$PATH

# complete_line WORDS...: COMPREPLY for the last word, sorted, one line.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMPREPLY=()
	_mailcli
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

if complete -p mailcli 2>/dev/null | grep -q ' _mailcli mailcli$'; then
	ok "sourcing it makes _mailcli complete mailcli"
else
	not_ok "sourcing it makes _mailcli complete mailcli"
fi
same "mailcli r<TAB>: read, remove, reply, rooms" "read remove reply rooms" "$(complete_line mailcli r)"
same "mailcli -d DIR w<TAB>: wall, who" "wall who" "$(complete_line mailcli -d "$DIR" w)"
same "mailcli --ver<TAB>: --verbose, --version" "--verbose --version" "$(complete_line mailcli --ver)"

start_server
fds=
for u in alice alfred bob; do online "$u"; fds="$fds $ONLINE_FD"; pids="${pids:-} $ONLINE_PID"; done
wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^bob '" &&
    wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^alfred '" &&
    wait_for sh -c "'$MAILCLI' -d '$DIR' who | grep -q '^alice '"
same "mailcli -d DIR send al<TAB>: the users online (alfred, alice)" \
    "alfred alice" "$(complete_line mailcli -d "$DIR" send al)"
same "mailcli --dir=DIR kick b<TAB>: bob" "bob" "$(complete_line mailcli --dir="$DIR" kick b)"
"$MAILCLI" -d "$DIR" -u alice join '#ops' >/dev/null 2>&1
"$MAILCLI" -d "$DIR" -u alice join '#lunch' >/dev/null 2>&1
same "mailcli -d DIR history #o<TAB>: the rooms, the # escaped" '\#ops' \
    "$(complete_line mailcli -d "$DIR" history '#o')"
same "mailcli -d DIR invite bob #<TAB>: every room" '\#lunch \#ops' \
    "$(complete_line mailcli -d "$DIR" invite bob '#')"
same "mailcli -d DIR read #l<TAB>: #lunch" '\#lunch' \
    "$(complete_line mailcli -d "$DIR" read '#l')"
same "MAILSERV_DIR, no -d: send <TAB>: all three" "alfred alice bob" \
    "$(complete_line mailcli -u carol send '')"
same "no name completed after send USER" "" "$(complete_line mailcli -d "$DIR" send alice al)"
for fd in $fds; do exec {fd}>&-; done
# Their input ended: the sessions quit (before mailserv stops, which a
# session would ride through, reconnecting).
for p in $pids; do reap "$p"; done
stop_server
finish
