# eximlib.sh - a private Exim for the MTA tests (sourced after lib.sh).
# Each exim here runs with a configuration of its own (exim -C) from
# $T, with its own spool and log.  Debian's exim takes -C from root only
# for files listed in /etc/exim4/trusted_configs: every exim runs in a
# private mount namespace where a copy of /etc/exim4 with that line is
# bound over /etc/exim4, so the host's configuration is never touched
# (not even for a moment, and not after a crash).

# exim_why: why no exim test can run here, or nothing.
exim_why() {
	if [ "$(id -u)" != 0 ]; then echo "needs root (exim -C, unshare -m)"
	elif [ ! -x /usr/sbin/exim4 ]; then echo "no exim4 (apt-get install exim4-daemon-light)"
	elif ! id Debian-exim >/dev/null 2>&1; then echo "no Debian-exim user"
	elif ! command -v setpriv >/dev/null; then echo "no setpriv(1)"
	elif ! unshare -m --propagation private true 2>/dev/null; then
		echo "unshare -m does not work here"
	fi
}

# exim_setup NAME DOMAIN OTHER_IP: $T/NAME/ with exim.conf (DOMAIN is
# local, delivered through `mailcli -d $T/NAME/run deliver` run as
# nobody, the uid of that host's mailserv, in $T/NAME/srv/run, srv being
# nobody's; every other domain goes to
# OTHER_IP:25 over SMTP), spool, log, etc (the /etc/exim4 copy), and
# bin/exim and bin/sendmail, wrappers that run this exim.
exim_setup() {
	local name=$1 domain=$2 other=${3:-127.0.0.9} h=$T/$1
	mkdir -p "$h/spool" "$h/log" "$h/etc" "$h/bin" "$h/srv"
	chown Debian-exim:Debian-exim "$h/spool" "$h/log"
	chown nobody "$h/srv"
	chmod 0755 "$T" "$h" "$h/bin" "$h/srv"
	cp -a /etc/exim4/. "$h/etc/"
	echo "$h/exim.conf" >"$h/etc/trusted_configs"
	cp "$MAILCLI" "$MAILSERV" "$h/bin/" && chmod 0755 "$h/bin/"*
	cat >"$h/exim.conf" <<CONF
primary_hostname = $domain
qualify_domain = $domain
domainlist local_domains = $domain
spool_directory = $h/spool
log_file_path = $h/log/%slog
pid_file_path = $h/exim.pid
keep_environment =
acl_smtp_rcpt = acl_rcpt
message_size_limit = 32M
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =

begin acl
acl_rcpt:
  accept domains = +local_domains
         local_parts = alice : bob : carol
  deny   message = not here

begin routers
ipcmail:
  driver = accept
  domains = +local_domains
  local_parts = alice : bob : carol
  transport = ipcmail
outside:
  driver = manualroute
  domains = ! +local_domains
  route_list = * $other
  self = send
  transport = remote_smtp

begin transports
ipcmail:
  driver = pipe
  command = $h/bin/mailcli -d $h/srv/run deliver
  user = nobody
  group = nogroup
  home_directory = /
  current_directory = /
  temp_errors = 75
  message_prefix =
  message_suffix =
  return_path_add
  log_output
  return_fail_output
remote_smtp:
  driver = smtp
  port = 25
  hosts_try_fastopen =

begin retry
* * F,1h,1m
CONF
	cat >"$h/bin/exim" <<WRAP
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount --bind "\$0" /etc/exim4 && exec /usr/sbin/exim4 -C "\$@"' "$h/etc" "$h/exim.conf" "\$@"
WRAP
	# As sendmail(8): deliver at once, in the foreground (-odi).
	cat >"$h/bin/sendmail" <<WRAP
#!/bin/sh
exec "$h/bin/exim" -odi "\$@"
WRAP
	chmod 0755 "$h/bin/exim" "$h/bin/sendmail"
}

# nobody_server NAME ARGS...: NAME's mailserv, run as nobody (the uid
# its exim delivers as), in $T/NAME/srv/run; its pid in NOBODY_PID.
nobody_server() {
	local name=$1 h=$T/$1; shift
	[ "$IPC" = sysv ] || set -- --ipc="$IPC" "$@"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$h/bin/mailserv" -d "$h/srv/run" "$@" 2>>"$h/server.log" &
	NOBODY_PID=$!
	if ! wait_for grep -q "mailserv\[$NOBODY_PID\]: serving" "$h/server.log"; then
		echo "# mailserv of $name did not start:"; diag "$h/server.log"
		return 1
	fi
}

# nobody_stop PID: stop a mailserv nobody_server started.
nobody_stop() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# exim_log NAME: that exim's main log.
exim_log() { cat "$T/$1/log/mainlog" 2>/dev/null; }
