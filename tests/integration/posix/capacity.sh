#!/bin/sh
# posix/capacity.sh - the same tests as ../capacity.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../capacity.sh"
