#!/bin/sh
# posix/display.sh - the same tests as ../display.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../display.sh"
