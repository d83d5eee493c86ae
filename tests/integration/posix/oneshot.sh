#!/bin/sh
# posix/oneshot.sh - the same tests as ../oneshot.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../oneshot.sh"
