#!/bin/sh
# posix/irc.sh - the same tests as ../irc.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../irc.sh"
