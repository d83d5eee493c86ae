#!/bin/sh
# posix/reconnect.sh - the same tests as ../reconnect.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../reconnect.sh"
