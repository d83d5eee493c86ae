#!/bin/sh
# posix/irssi.sh - the same tests as ../irssi.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../irssi.sh"
