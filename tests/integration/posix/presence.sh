#!/bin/sh
# posix/presence.sh - the same tests as ../presence.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../presence.sh"
