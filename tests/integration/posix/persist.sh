#!/bin/sh
# posix/persist.sh - the same tests as ../persist.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../persist.sh"
