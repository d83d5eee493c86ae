#!/bin/sh
# posix/server.sh - the same tests as ../server.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../server.sh"
