#!/bin/sh
# posix/semlock.sh - the same tests as ../semlock.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../semlock.sh"
