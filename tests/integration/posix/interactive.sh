#!/bin/sh
# posix/interactive.sh - the same tests as ../interactive.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../interactive.sh"
