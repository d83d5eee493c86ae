#!/bin/sh
# posix/rooms.sh - the same tests as ../rooms.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../rooms.sh"
