#!/bin/sh
# posix/overflow.sh - the same tests as ../overflow.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../overflow.sh"
