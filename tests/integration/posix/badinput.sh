#!/bin/sh
# posix/badinput.sh - the same tests as ../badinput.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../badinput.sh"
