#!/bin/sh
# posix/rooms-private.sh - the same tests as ../rooms-private.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../rooms-private.sh"
