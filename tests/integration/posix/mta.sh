#!/bin/sh
# posix/mta.sh - the same tests as ../mta.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../mta.sh"
