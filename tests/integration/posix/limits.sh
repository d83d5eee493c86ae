#!/bin/sh
# posix/limits.sh - the same tests as ../limits.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../limits.sh"
