#!/bin/sh
# stress-posix.sh - the same figures as stress.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/stress.sh"
