#!/bin/sh
# posix/rooms-persist.sh - the same tests as ../rooms-persist.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../rooms-persist.sh"
