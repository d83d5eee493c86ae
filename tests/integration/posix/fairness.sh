#!/bin/sh
# posix/fairness.sh - the same tests as ../fairness.sh, against mailserv --ipc=posix.
IPCMAIL_IPC=posix
export IPCMAIL_IPC
exec "$(dirname "$0")/../fairness.sh"
