#!/bin/bash
# package.sh - ipcmail installed as an administrator would: build the
# Debian package from a copy of this tree, install it with apt-get,
# start mailserv as its systemd unit would (no systemd runs as PID 1
# here: the unit's ExecStart, as its User, in the RuntimeDirectory it
# would make), then two real accounts use /usr/bin/mailcli under their
# own uids; then apt-get purge, and nothing may be left: no process,
# no IPC object, no run directory, no spool, no user.  Whatever
# happens, a trap purges the package and removes the accounts.
#
# Needs root, dpkg-buildpackage, debhelper and a host without ipcmail:
# else it skips, saying why (fails instead with
# IPCMAIL_PACKAGE_TEST=required, as .ci/run sets).  The package is built
# with DEB_BUILD_OPTIONS=nocheck: this suite is the package's test.
# Skipped in a sanitizer build (the package is built without them).
. "$(dirname "$0")/../integration/lib.sh"
unset MAILSERV_DIR

PKG=ipcmail
SYSUSER=ipcmail
RUNDIR=/run/ipcmail
SPOOL=/var/spool/ipcmail
UNIT=/lib/systemd/system/mailserv.service
# Two accounts of the test's own (alice and bob may be real people);
# the comment marks them as the test's.
A=ipcmt-alice
B=ipcmt-bob
MARK="ipcmail package test"
NCASES=31

# IPCMAIL_PACKAGE_TEST=required (.ci/run): a reason to skip is a failure.
skip_all() {
	local i
	if [ "${IPCMAIL_PACKAGE_TEST:-}" = required ]; then
		not_ok "the Debian package test must run here, but: $1"
		finish
	fi
	for i in $(seq 1 $NCASES); do skip "the Debian package: $1"; done
	finish
}
why=
if [ -n "${IPCMAIL_SANITIZED:-}" ]; then
	# The package is built from source, without sanitizers: once is enough.
	for i in $(seq 1 $NCASES); do skip "the Debian package: run by the plain build, not the sanitizer one"; done
	finish
elif [ "$(id -u)" != 0 ]; then why="needs root (apt-get install, useradd)"
elif [ -n "${DEB_HOST_ARCH:-}" ] || [ -n "${IPCMAIL_PACKAGE_BUILD:-}" ]; then
	why="inside a package build"
else
	for c in dpkg-buildpackage dh apt-get useradd userdel setpriv runuser; do
		command -v "$c" >/dev/null || { why="no $c (apt-get install debhelper devscripts)"; break; }
	done
fi
[ -z "$why" ] || skip_all "$why"
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
	skip_all "$PKG is installed on this host: not touching it"
fi
if getent passwd "$SYSUSER" >/dev/null || [ -e "$RUNDIR" ] || [ -e "$SPOOL" ]; then
	skip_all "this host has a user $SYSUSER, $RUNDIR or $SPOOL of its own"
fi
for u in "$A" "$B"; do
	if getent passwd "$u" >/dev/null &&
	    [ "$(getent passwd "$u" | cut -d: -f5)" != "$MARK" ]; then
		skip_all "this host has a user $u that is not the test's"
	fi
done
# One package test at a time on a host.
exec {LOCK_FD}>/run/lock/ipcmail-package-test.lock
flock -n "$LOCK_FD" || skip_all "another package test is running"

PID= SYSUID=
cleanup() {
	[ -z "$PID" ] || kill -KILL "$PID" 2>/dev/null
	if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'ok\|config-files'; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq \
		    -o DPkg::Lock::Timeout=120 "$PKG" >/dev/null 2>&1 ||
		    dpkg --purge "$PKG" >/dev/null 2>&1
	fi
	for u in "$A" "$B"; do
		if getent passwd "$u" >/dev/null; then
			pkill -KILL -u "$u" 2>/dev/null
			userdel -r "$u" 2>/dev/null
		fi
	done
	# What a purge that failed may have left of the package's own.
	if getent passwd "$SYSUSER" >/dev/null; then
		pkill -KILL -u "$SYSUSER" 2>/dev/null
		userdel "$SYSUSER" 2>/dev/null
	fi
	getent group "$SYSUSER" >/dev/null && groupdel "$SYSUSER" 2>/dev/null
	rm -rf "$RUNDIR" "$SPOOL"
	# The IPC objects of its uid, now nobody's (the uid was free when
	# the test began: the package made it).
	if [ -n "$SYSUID" ] && ! getent passwd "$SYSUID" >/dev/null; then
		local kind id
		for kind in q m s; do
			for id in $(ipcs -$kind -c | awk -v u="$SYSUID" \
			    '$1 ~ /^[0-9]+$/ && ($3 == u || $5 == u) { print $1 }'); do
				ipcrm -$kind "$id" 2>/dev/null
			done
		done
		find /dev/shm /dev/mqueue -maxdepth 1 -uid "$SYSUID" -delete 2>/dev/null
	fi
}
trap 'cleanup; rm -rf "$T" /run/lock/ipcmail-package-test.lock; exit 1' INT TERM HUP
trap 'cleanup; rm -f /run/lock/ipcmail-package-test.lock' EXIT

# as USER CMD...: CMD run by USER, as a login would (own HOME, no
# environment of ours), with a hang guard.
as() {
	local u=$1; shift
	runuser -u "$u" -- env -i HOME="/home/$u" USER="$u" LOGNAME="$u" \
	    PATH=/usr/bin:/bin LANG=C timeout 20 "$@"
}

# 1. Build the package from a copy of the tracked tree.
mkdir -p "$T/build/src"
src=${top_srcdir:-$top_builddir}
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z | tar --null -T - -cf -) | tar -C "$T/build/src" -xf -
else
	make -s -C "$top_builddir" distdir distdir="$T/build/src" >/dev/null
fi
(cd "$T/build/src" && IPCMAIL_PACKAGE_BUILD=1 DEB_BUILD_OPTIONS=nocheck \
    dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
deb=$(ls "$T"/build/"$PKG"_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then ok "dpkg-buildpackage -us -uc -b builds $(basename "$deb")"
else not_ok "dpkg-buildpackage -us -uc -b builds the package"; tail -30 "$T/build.log" | diag; finish; fi
if command -v lintian >/dev/null; then
	lintian --fail-on error "$T"/build/*.changes >"$T/lintian" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && ! grep -q '^E:' "$T/lintian"; then
		ok "lintian: no errors ($(grep -c '^W:' "$T/lintian") warnings)"
	else not_ok "lintian: no errors"; diag "$T/lintian"; fi
else
	skip "lintian is not installed"
fi

# 2. Install it as an administrator would.
(cd "$T/build" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o DPkg::Lock::Timeout=120 "./$(basename "$deb")") >"$T/install.log" 2>&1
same "apt-get install ./$(basename "$deb") succeeds" 0 "$?"
check "it installs mailcli, mailserv, their man pages, the unit and the completion" \
    test -x /usr/bin/mailcli -a -x /usr/sbin/mailserv \
    -a -f /usr/share/man/man1/mailcli.1.gz -a -f /usr/share/man/man8/mailserv.8.gz \
    -a -f "$UNIT" -a -f /usr/share/bash-completion/completions/mailcli
check "/etc/ipcmail/mailserv.conf is a conffile" sh -c \
    "dpkg-query -W -f='\${Conffiles}' $PKG | grep -q '^ /etc/ipcmail/mailserv.conf '"
pw=$(getent passwd "$SYSUSER")
SYSUID=$(echo "$pw" | cut -d: -f3)
check "postinst made the system user $SYSUSER (uid $SYSUID, no login shell)" sh -c \
    "[ -n '$SYSUID' ] && [ '$SYSUID' -lt 1000 ] && echo '$pw' | grep -q ':/usr/sbin/nologin$'"
same "... and the spool $SPOOL, 0700, its own" "700 $SYSUSER" "$(stat -c '%a %U' "$SPOOL" 2>/dev/null)"
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify "$UNIT" >"$T/verify" 2>&1
	if [ $? = 0 ] && [ ! -s "$T/verify" ]; then ok "systemd-analyze verify $UNIT passes"
	else not_ok "systemd-analyze verify $UNIT passes"; diag "$T/verify"; fi
else
	skip "no systemd-analyze"
fi

# 3. Start mailserv as the unit would.
ukey() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
user=$(ukey User) group=$(ukey Group) rtmode=$(ukey RuntimeDirectoryMode)
umask_=$(ukey UMask) exec_start=$(ukey ExecStart)
env_=$(sed -n 's/^Environment=//p' "$UNIT")
install -d -o "$user" -g "$group" -m "${rtmode:-0755}" "/run/$(ukey RuntimeDirectory)"
# shellcheck disable=SC2086
setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs \
    --inh-caps=-all --bounding-set=-all -- \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $env_ \
    sh -c "umask ${umask_:-0022}; exec $exec_start" 2>"$T/mailserv.log" &
PID=$!
if wait_for grep -q "mailserv\[$PID\]: serving $RUNDIR" "$T/mailserv.log"; then
	ok "the unit's ExecStart ($exec_start) serves $RUNDIR as $user"
else
	not_ok "the unit's ExecStart serves $RUNDIR"; diag "$T/mailserv.log"
fi
check "... with the spool $SPOOL, not a tmpfs warning" sh -c \
    "grep -q 'spool $SPOOL' '$T/mailserv.log' && ! grep -q 'does not survive' '$T/mailserv.log'"

# 4. Two real accounts.
for u in "$A" "$B"; do
	pkill -KILL -u "$u" 2>/dev/null; userdel -r "$u" 2>/dev/null
	useradd -m -c "$MARK" -s /bin/sh "$u" || not_ok "useradd -m $u"
done
# Bob online, reading from a FIFO this shell holds open.
mkfifo "$T/bob.in"
runuser -u "$B" -- env -i HOME="/home/$B" USER="$B" LOGNAME="$B" \
    PATH=/usr/bin:/bin LANG=C /usr/bin/mailcli <"$T/bob.in" >"$T/bob.out" 2>&1 &
BOBPID=$!
exec {BOB_FD}>"$T/bob.in"
wait_for sh -c "/usr/bin/mailcli who | grep -q '^$B '"
as "$A" /usr/bin/mailcli who >"$T/who" 2>&1
check "$A sees $B online, with no option and no configuration" grep -q "^$B " "$T/who"
as "$A" /usr/bin/mailcli send "$B" "live hello from alice" >"$T/out" 2>&1
same "$A sends to $B (online)" 0 "$?"
check "... who sees it live in his session" wait_for grep -q "live hello from alice" "$T/bob.out"
echo quit >&"$BOB_FD"
exec {BOB_FD}>&-
reap "$BOBPID"
as "$A" /usr/bin/mailcli send "$B" "stored hello from alice" >"$T/out" 2>&1
same "$A sends to $B (offline now)" 0 "$?"
as "$B" /usr/bin/mailcli -u "$A" inbox >"$T/out" 2>"$T/err"
same "$B cannot read $A's mail (-u $A: exit 3)" 3 "$?"
as "$A" /usr/bin/mailcli -u "$B" read >"$T/out" 2>"$T/err"
same "$A cannot read $B's mail (-u $B: exit 3)" 3 "$?"
as "$A" /usr/bin/mailcli -u "$B" send "$A" "forged" >"$T/out" 2>"$T/err"
same "$A cannot send as $B (exit 3)" 3 "$?"
as "$B" /usr/bin/mailcli read --all >"$T/out" 2>&1
check "$B reads the stored mail from $A" grep -q "stored hello from alice" "$T/out"
check "... saved in his own mbox, which $A cannot read" sh -c \
    "f=\$(find /home/$B -name '*.mbox' | head -1); [ -n \"\$f\" ] &&
     grep -q 'stored hello' \"\$f\" && ! runuser -u $A -- cat \"\$f\" >/dev/null 2>&1"
check "$A cannot read the spool" sh -c "! runuser -u $A -- ls $SPOOL >/dev/null 2>&1"
as "$B" /usr/bin/mailcli send "$A" "hello back from bob" >"$T/out" 2>&1
as "$A" /usr/bin/mailcli read >"$T/out" 2>&1
check "$A reads $B's reply" grep -q "hello back from bob" "$T/out"
# Mail nobody reads: the purge must take it out of the kernel.
as "$A" /usr/bin/mailcli send "$B" "never read" >"$T/out" 2>&1
# Both online at once, for --status.
sessions=
for u in "$A" "$B"; do
	mkfifo "$T/$u.in"
	runuser -u "$u" -- env -i HOME="/home/$u" USER="$u" LOGNAME="$u" \
	    PATH=/usr/bin:/bin LANG=C /usr/bin/mailcli <"$T/$u.in" >"$T/$u.out" 2>&1 &
	sessions="$sessions $!"
done
exec {AFD}>"$T/$A.in" {BFD}>"$T/$B.in"
wait_for sh -c "/usr/bin/mailcli who | grep -q '^$A ' && /usr/bin/mailcli who | grep -q '^$B '"
/usr/sbin/mailserv --status >"$T/status" 2>&1
check "mailserv --status as root shows both online" \
    grep -qE "^online users +2 of [0-9]+: ($A $B|$B $A)$" "$T/status"
exec {AFD}>&- {BFD}>&-
for p in $sessions; do reap "$p"; done
# ipcobjects: the IPC objects of the system user, one a line.
ipcobjects() {
	{ ipcs -q -c; ipcs -m -c; ipcs -s -c; } | awk -v u="$SYSUID" -v n="$SYSUSER" \
	    '$1 ~ /^[0-9]+$/ && ($3 == u || $5 == u || $3 == n || $5 == n)'
	find /dev/shm /dev/mqueue -maxdepth 1 -uid "$SYSUID" 2>/dev/null
}
check "before the purge, $SYSUSER owns the IPC objects: the online table, its lock, the unread mail's queue" \
    test "$(ipcobjects | wc -l)" -ge 3

# 5. Purge: nothing left.
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 \
    "$PKG" >"$T/purge.log" 2>&1
same "apt-get purge -y $PKG succeeds" 0 "$?"
check "... the package is gone" sh -c "! dpkg-query -W -f='\${Status}' $PKG 2>/dev/null | grep -q ."
check "... no mailserv process left (prerm stopped it)" sh -c "! kill -0 $PID 2>/dev/null"
kill -KILL "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
same "... no IPC object of $SYSUSER's (uid $SYSUID)" "" "$(ipcobjects)"
check "... no run directory $RUNDIR, no spool $SPOOL" test ! -e "$RUNDIR" -a ! -e "$SPOOL"
check "... no user or group $SYSUSER" sh -c "! getent passwd $SYSUSER && ! getent group $SYSUSER"
check "... no process of uid $SYSUID" sh -c "! pgrep -u $SYSUID >/dev/null"
for u in "$A" "$B"; do pkill -KILL -u "$u" 2>/dev/null; userdel -r "$u" 2>/dev/null; done
check "the test's accounts are removed" sh -c "! getent passwd $A && ! getent passwd $B && test ! -e /home/$A -a ! -e /home/$B"
if [ "$nfail" -gt 0 ]; then
	echo "# mailserv's log:"; diag "$T/mailserv.log"
	echo "# bob's session:"; diag "$T/bob.out"
fi
finish
