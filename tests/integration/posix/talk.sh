#!/bin/sh
# posix/talk.sh - the same tests as ../talk.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../talk.sh"
