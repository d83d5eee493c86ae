#!/bin/sh
# posix/control.sh - the same tests as ../control.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../control.sh"
