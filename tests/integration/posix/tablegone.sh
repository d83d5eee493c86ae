#!/bin/sh
# posix/tablegone.sh - the same tests as ../tablegone.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../tablegone.sh"
