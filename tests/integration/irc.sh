#!/bin/bash
# irc.sh - the IRC door, in raw IRC from a python client on DIR/irc.sock
# (tests/integration/ircclient.py): registration with and without CAP
# (server-time, message-tags, echo-message), 001-005 and 422, PING, the
# nick bound to the uid (a second account cannot take another's, on the
# socket and on loopback TCP with --irc-port), JOIN with names and a
# backlog with server-time, TOPIC, MODE, LIST, WHO, WHOIS, NAMES, AWAY,
# other members' JOIN, PART, KICK and TOPIC live, 333 with who set the
# topic and when (kept across a kill -9),
# the refusals' numerics (403, 404, 405, 442, 473, 401, 432, 433, 451,
# 421, 417), room lines both ways with mailcli, 1:1 mail from IRC to an
# offline user read with mailcli, mail waiting delivered on connect with
# its time, a long message as several lines of at most 512 bytes, walls
# as NOTICEs, `who` and --status marking IRC, and hostile input: garbage,
# a 100 KB line, no CRLF, invalid UTF-8, CTCP and DCC, a flood under
# --rate, a client that never reads; AWAY as ipcmail's away (mailcli
# who, kept across a kill -9, mailcli away shown as 301), mesg n and
# ignore holding for IRC sessions; --no-irc.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")" && pwd)
cli() { run_cli -d "$DIR" "$@"; }
PORT=$((20000 + $$ % 20000))

# cases FILE: run the python cases in FILE (as root); each prints
# "PASS desc" or "FAIL desc" (then "# ..." lines).
cases() {
	local out
	out=$(cd "$SRC" && timeout 120 python3 "$@" 2>&1)
	report "$out"
}
# report TEXT: PASS/FAIL lines into TAP.
report() {
	local l
	while IFS= read -r l; do
		case $l in
		PASS\ *) ok "${l#PASS }" ;;
		FAIL\ *) not_ok "${l#FAIL }" ;;
		*) echo "# $l" ;;
		esac
	done <<<"$1"
}

start_server --rate 120 --max-joined 3 --irc-port "$PORT" || exit 1
check "mailserv listens on DIR/irc.sock, a socket of mode 0666" \
    test "$(stat -c %A "$DIR/irc.sock")" = srw-rw-rw-

# irctest.py: what every case script below shares: t() prints a case
# for report, sock is the door, cli runs mailcli.
cat >"$T/irctest.py" <<PY
import subprocess
def t(desc, cond, *why):
    print(("PASS " if cond else "FAIL ") + desc)
    if not cond:
        for w in why: print("# " + str(w))
sock = "$DIR/irc.sock"
cli = lambda *a: subprocess.run(["$MAILCLI", "-d", "$DIR"] + list(a), capture_output=True, text=True, stdin=subprocess.DEVNULL)
PY

cat >"$T/reg.py" <<PY
import sys, time
from ircclient import Irc
from irctest import t, sock

# Without CAP.
c = Irc(path=sock)
c.send("NICK alice"); c.send("USER alice 0 * :Alice")
w = c.expect(" 001 ")
t("registration without CAP: 001 to alice", w is not None and w.split()[2] == "alice", c.seen)
rest = c.expect(" 422 ")
seen = " ".join(c.seen)
t("... 002, 003, 004 and 005, then 422 (no MOTD)", all(" %s alice" % n in seen for n in ("002", "003", "004", "005")) and rest is not None, c.seen)
isup = [l for l in c.seen if " 005 " in l][0]
t("005 names CHANTYPES=# NICKLEN CHANNELLEN CASEMAPPING=ascii", all(k in isup for k in ("CHANTYPES=#", "NICKLEN=32", "CHANNELLEN=32", "CASEMAPPING=ascii")), isup)
c.send("PING :tok123")
w = c.expect("PONG")
t("PING is answered with PONG and its token", w is not None and w.endswith(":tok123"), w)
c.send("FROBNICATE x")
t("an unknown command: 421", c.expect(" 421 ") is not None)
c.close()

# Before registration.
c = Irc(path=sock)
c.send("JOIN #ops")
t("a command before registration: 451", c.expect(" 451 ") is not None, c.seen)
# With CAP: nothing until CAP END.
c.send("CAP LS 302")
w = c.expect("CAP * LS")
t("CAP LS 302 lists server-time, message-tags and echo-message", w is not None and all(k in w for k in ("server-time", "message-tags", "echo-message")), w)
c.send("NICK alice"); c.send("USER alice 0 * :Alice")
t("... no 001 while CAP is negotiated", c.expect(" 001 ", 0.5) is None, c.seen)
c.send("CAP REQ :server-time bogus-cap")
t("CAP REQ of an unknown capability: NAK", c.expect("CAP alice NAK") is not None or any("NAK" in l for l in c.seen), c.seen)
c.send("CAP REQ :server-time message-tags")
t("CAP REQ server-time message-tags: ACK", c.expect("ACK") is not None, c.seen)
c.send("CAP END")
t("CAP END: 001", c.expect(" 001 alice") is not None, c.seen)
c.send("NICK ali\x01ce")
t("an invalid nick: 432", c.expect(" 432 ") is not None, c.seen)
c.close()

# Root may take any name.
c = Irc(path=sock)
t("root (mailserv's uid) may take the nick zed", c.register("zed") is not None and " 001 zed " in c.seen[-1], c.seen)
c.close()
PY
cases "$T/reg.py"

# The second account: its own name, on the socket and on loopback TCP.
if why=$(other_uid_why) && [ -z "$why" ]; then
	chmod 0755 "$T"
	cp "$SRC/ircclient.py" "$T/ircclient.py"
	cat >"$T/other.py" <<PY
import socket, sys
sys.path.insert(0, "$T")
from ircclient import Irc
from irctest import t
for how, c in (("the socket", lambda: Irc(path="$DIR/irc.sock")),
               ("127.0.0.1:$PORT", lambda: Irc(port=$PORT)),
               ("[::1]:$PORT", lambda: Irc(port=$PORT, family=socket.AF_INET6))):
    try:
        c = c()
    except OSError as e:
        t("connect on " + how, False, e)
        continue
    c.send("NICK alice"); c.send("USER alice 0 * :A")
    w = c.expect(" 433 ")
    t("on %s, $OTHER_USER asking for alice gets 433" % how, w is not None and "alice" in w, c.seen)
    w = c.expect(" 001 ")
    t("... and is registered as $OTHER_USER, its own name" , w is not None and w.split()[2] == "$OTHER_USER", c.seen)
    c.send("NICK bob")
    t("... a later NICK bob: 433, the name stays", c.expect(" 433 $OTHER_USER bob") is not None, c.seen)
    c.send("WHOIS $OTHER_USER")
    w = c.expect(" 311 ")
    t("... WHOIS shows it under its name", w is not None and "$OTHER_USER" in w, c.seen)
    c.close()
PY
	report "$(runuser -u "$OTHER_USER" -- timeout 60 python3 "$T/other.py" 2>&1)"
else
	skip "a second uid cannot take another's nick ($why)"
fi

# Rooms: backlog with server-time, names, topic, modes, list, who.
cli -u bob join '#ops'
cli -u bob send '#ops' 'first line from bob'
cli -u bob send '#ops' 'second line from bob'
cli -u bob topic '#ops' 'ops talk'
cli -u bob join '#priv'
cli -u bob private '#priv' on
cli -u bob send dave 'waiting line one
waiting line two'
long=$(python3 -c "print(' '.join('word%04d' % i for i in range(300)))")
cat >"$T/rooms.py" <<PY
import subprocess, time, re
from ircclient import Irc
from irctest import t, sock, cli

a = Irc(path=sock)
a.register("alice", cap=True, caps="server-time message-tags")
a.drain()
a.send("JOIN #ops")
j = a.expect(" 366 ")
seen = list(a.seen)
t("JOIN #ops: JOIN, 332 topic, 333, 353 names with bob, 366", any(l.endswith("JOIN #ops") for l in seen) and any(" 332 alice #ops :ops talk" in l for l in seen) and any(" 333 alice #ops bob" in l for l in seen) and any(" 353 " in l and "@bob" in l for l in seen) and j is not None, seen)
b1 = a.expect("first line from bob"); b2 = a.expect("second line from bob")
t("... then the backlog as PRIVMSG from bob with @time= tags", b1 is not None and b2 is not None and re.match(r"^@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z :bob!bob@\S+ PRIVMSG #ops :first", b1) is not None, b1, b2)
a.send("TOPIC #ops")
t("TOPIC #ops: 332", a.expect(" 332 alice #ops :ops talk") is not None, a.seen[-3:])
a.send("MODE #ops")
t("MODE #ops: 324 (not private)", a.expect(" 324 alice #ops +") is not None, a.seen[-3:])
a.send("MODE #ops b")
t("MODE #ops b (asked at join): 368", a.expect(" 368 ") is not None)
a.send("NAMES #ops")
w = a.expect(" 353 ")
t("NAMES: 353 with @bob and alice, 366", w is not None and "@bob" in w and "alice" in w and a.expect(" 366 ") is not None, w)
a.send("LIST")
t("LIST: 321, 322 #ops 2 :ops talk, 323", a.expect(" 322 alice #ops 2 :ops talk") is not None and a.expect(" 323 ") is not None, a.seen[-4:])
a.send("WHO #ops")
w = a.expect(" 352 alice #ops alice ")
t("WHO #ops: 352 per member, alice here (H), 315", w is not None and " H " in w and a.expect(" 315 ") is not None, a.seen[-4:])

# Lines both ways.
a.send("PRIVMSG #ops :hello from irc")
time.sleep(0.3)
r = cli("-u", "bob", "history", "#ops")
t("a PRIVMSG to #ops is a room line mailcli shows", "[#ops] alice" in r.stdout and "hello from irc" in r.stdout, r.stdout, r.stderr)
t("... not echoed to the sender without echo-message", a.expect("hello from irc", 0.5) is None)
cli("-u", "bob", "send", "#ops", "bob says hi live")
w = a.expect("bob says hi live")
t("a mailcli line to #ops reaches IRC live, with @time", w is not None and w.startswith("@time=") and ":bob!" in w, w)
a.send("PRIVMSG #ops :\x01ACTION waves\x01")
time.sleep(0.3)
r = cli("-u", "bob", "history", "#ops")
t("CTCP ACTION is the line '* alice waves', no \\\\1", "* alice waves" in r.stdout and "\x01" not in r.stdout, r.stdout)
a.send("PRIVMSG #ops :\x01VERSION\x01")
a.send("PRIVMSG bob :\x01DCC SEND x 1 2 3\x01")
t("CTCP VERSION: a NOTICE, not relayed", a.expect("CTCP requests are not relayed") is not None)
t("DCC: a NOTICE, not relayed", a.expect("DCC is not supported") is not None)
a.send(b"PRIVMSG #ops :bad \xff\xfe utf8 \x1b[31mred")
time.sleep(0.3)
r = cli("-u", "bob", "history", "#ops")
t("invalid UTF-8 and ESC from IRC: stored as '?', escape dropped", "bad ?? utf8 [31mred" in r.stdout and "\x1b" not in r.stdout, r.stdout)
r = cli("-u", "bob", "history", "#ops")
t("... and neither VERSION nor DCC was stored", "VERSION" not in r.stdout and "DCC" not in r.stdout)

# 1:1.
a.send("PRIVMSG carol :hi carol from irc")
time.sleep(0.3)
r = cli("-u", "carol", "read")
t("PRIVMSG carol (offline) is mail carol reads with mailcli read", "From: alice" in r.stdout and "hi carol from irc" in r.stdout, r.stdout, r.stderr)
cli("-u", "bob", "send", "alice", "live one to one")
w = a.expect("live one to one")
t("mail to alice reaches her IRC session live as PRIVMSG from bob", w is not None and ":bob!bob@localhost PRIVMSG alice :live one to one" in w, w)
cli("-u", "bob", "send", "alice", "$long")
got = []
while True:
    w = a.line(1)
    if w is None: break
    if "PRIVMSG alice" in w: got.append(w)
text = " ".join(l.split(" PRIVMSG alice :", 1)[1] for l in got)
t("a %d-byte message reaches IRC as %d PRIVMSG lines, each at most 512 bytes" % (len("$long"), len(got)), len(got) >= 5 and all(len(l.split(" ", 1)[1]) + 2 <= 512 for l in got), [len(l) for l in got])
t("... none cut: the words are all there, in order", text.split() == "$long".split(), text[:200])
r = cli("-u", "bob", "send", "-s", "the subject", "alice", "with a subject")
w1 = a.expect("Subject: the subject"); w2 = a.expect("with a subject")
t("mail with a subject: its subject line, then its text", w1 is not None and w2 is not None, r.stderr, a.seen[-3:])
cli("-u", "bob", "wall", "the wall text")
w = a.expect("the wall text")
t("a wall is a NOTICE", w is not None and " NOTICE alice :" in w, w)

# Waiting mail, on connect.
d = Irc(path=sock)
d.register("dave", cap=True, caps="server-time")
w1 = d.expect("waiting line one"); w2 = d.expect("waiting line two")
t("mail waiting for dave comes on connect as PRIVMSG lines, with @time", w1 is not None and w2 is not None and w1.startswith("@time=") and "PRIVMSG dave" in w1, w1, w2)
w = d.expect(lambda l: l.startswith("PING :ipcmail-shown-"), 1)
t("... followed by a PING, which a client answers once it has read them", w is not None or any(l.startswith("PING :ipcmail-shown-") for l in d.seen), d.seen[-3:])
time.sleep(0.3)
r = cli("-u", "dave", "inbox")
t("... and, answered, is done with: no longer waiting for mailcli (doc/irc.md)", "waiting line" not in r.stdout, r.stdout)
d.close()
# A client that dies before it answered the PING: the mail shown is not
# done with, and comes again at the next connect; then it is.
cli("-u", "bob", "send", "dave", "shown, never confirmed")
n = Irc(path=sock, autopong=False)
n.register("dave", cap=True, caps="server-time")
t("mail shown to a client that does not answer the PING", n.expect("shown, never confirmed") is not None, n.seen[-3:])
n.drain(0.3)
n.close()
time.sleep(0.3)
r = cli("-u", "dave", "inbox")
t("... is still waiting once it is gone (never lost to a dead client)", "shown, never confirmed" in r.stdout, r.stdout)
d = Irc(path=sock)
d.register("dave", cap=True, caps="server-time")
t("... and is shown again at the next connect", d.expect("shown, never confirmed") is not None, d.seen[-3:])
d.drain(0.3)
time.sleep(0.3)
r = cli("-u", "dave", "inbox")
t("... and once answered, done with", "shown, never confirmed" not in r.stdout, r.stdout)
d.close()
# Without server-time: the time in front.
cli("-u", "bob", "send", "erin", "for erin")
e = Irc(path=sock)
e.register("erin")
w = e.expect("for erin")
t("without server-time, old lines carry [HH:MM] in front", w is not None and re.search(r":\[\d\d:\d\d\] for erin", w) is not None, w)

# Away.
e.send("AWAY :at lunch")
t("AWAY text: 306", e.expect(" 306 ") is not None)
a.send("PRIVMSG erin :are you there")
t("PRIVMSG to an away nick: 301 with the text", a.expect(" 301 alice erin :at lunch") is not None, a.seen[-3:])
a.send("WHOIS erin")
w = a.expect(" 317 alice erin ")
t("WHOIS erin: 311, 301, 317 (idle, signon), 318", w is not None and any(" 301 alice erin :at lunch" in l for l in a.seen[-6:]) and a.expect(" 318 ") is not None, a.seen[-6:])
a.send("WHO erin")
t("WHO erin: G (gone)", a.expect(lambda l: " 352 " in l and " erin G " in l) is not None, a.seen[-3:])
e.send("AWAY")
t("AWAY alone: 305", e.expect(" 305 ") is not None)
a.send("WHOIS nosuchuser")
t("WHOIS of a user not online: 401, 318", a.expect(" 401 alice nosuchuser") is not None and a.expect(" 318 ") is not None)

# Refusals.
a.send("PRIVMSG #nope :x")
t("PRIVMSG to no such room: 403", a.expect(" 403 alice #nope") is not None)
e.send("PRIVMSG #ops :x")
t("PRIVMSG to a room one is not in: 404", e.expect(" 404 erin #ops") is not None)
e.send("PART #ops")
t("PART of a room one is not in: 442", e.expect(" 442 erin #ops") is not None)
e.send("JOIN #priv")
t("JOIN of a private room: 473", e.expect(" 473 erin #priv") is not None, e.seen[-2:])
e.send("JOIN #Bad!")
t("JOIN of an invalid name: 479", e.expect(" 479 ") is not None)
e.send("JOIN #r1,#r2,#r3,#r4")
t("JOIN past --max-joined: 405", e.expect(" 405 erin #r4") is not None, e.seen[-4:])
e.send("PRIVMSG bad!nick :x")
t("PRIVMSG to an invalid nick: 401", e.expect(" 401 ") is not None)
e.send("MODE #r1 +s")
t("MODE +s by its owner: MODE echoed", e.expect("MODE #r1 +s") is not None, e.seen[-2:])
e.send("MODE #r1")
t("... MODE #r1 now says +s", e.expect(" 324 erin #r1 +s") is not None)
a.send("MODE #r1 -s")
t("MODE -s by a non-member: 442 or 482", a.expect(lambda l: " 442 " in l or " 482 " in l) is not None, a.seen[-2:])
e.send("PART #r1")
t("PART: echoed", e.expect("PART #r1") is not None)
e.send("QUIT :bye")
t("QUIT: ERROR, closed", e.expect("ERROR") is not None and e.line(1) is None)
a.close()

# A member comes back: its rooms are joined for it, with what it missed.
time.sleep(0.3)
cli("-u", "bob", "send", "#ops", "while alice was gone")
a = Irc(path=sock)
a.register("alice", cap=True, caps="server-time")
w = a.expect(lambda l: l.endswith("JOIN #ops"))
m = a.expect("while alice was gone")
t("alice reconnects: JOIN #ops comes by itself, then the line she missed", w is not None and m is not None and m.startswith("@time="), a.seen)
t("... and not the lines she had seen", not any("first line from bob" in l for l in a.seen), a.seen)
a.send("JOIN #ops")
t("... her client's own JOIN #ops then says nothing more", a.expect("JOIN #ops", 0.5) is None)
cli("-u", "bob", "join", "#later")
cli("-u", "alice", "join", "#later")
cli("-u", "bob", "send", "#later", "in a room joined from mailcli")
w = a.expect(lambda l: l.endswith("JOIN #later"))
t("a room alice joins from mailcli meanwhile: JOIN, then its line", w is not None and a.expect("in a room joined from mailcli") is not None, a.seen[-3:])
a.close()
PY
cases "$T/rooms.py"

# Live: what other members do in a room reaches its IRC members as an
# IRC server says it (JOIN, PART, KICK, TOPIC), and 333 says who set
# the topic and when.  alice (on IRC) makes #live and owns it.
cat >"$T/live.py" <<PY
import subprocess, time
from ircclient import Irc
from irctest import t, sock, cli
def topic_who(c, room):
    c.send("TOPIC " + room)
    w = c.expect(lambda l: (" 333 " in l or " 331 " in l) and " %s " % room in l)
    f = w.split() if w is not None else []
    return f[4:6] if len(f) == 6 and f[1] == "333" else None, w

a = Irc(path=sock)
a.register("alice")
a.send("JOIN #live")
a.expect(" 366 ")
a.drain()
r = cli("-u", "gus", "join", "#live")
w = a.expect(lambda l: " JOIN " in l)
t("a mailcli user joins: the IRC member gets ':gus!gus@localhost JOIN #live'", w == ":gus!gus@localhost JOIN #live", r.stderr, a.seen[-3:])
r = cli("-u", "gus", "topic", "#live", "set live by gus")
w = a.expect(lambda l: " TOPIC " in l)
t("... sets the topic: ':gus!gus@localhost TOPIC #live :set live by gus'", w == ":gus!gus@localhost TOPIC #live :set live by gus", r.stderr, a.seen[-3:])
who, w = topic_who(a, "#live")
t("... 333 says gus set it, at a time within 60 s of now", who is not None and who[0] == "gus" and who[1].isdigit() and abs(int(who[1]) - time.time()) < 60, w)
r = cli("-u", "gus", "leave", "#live")
w = a.expect(lambda l: " PART " in l)
t("... leaves: ':gus!gus@localhost PART #live'", w == ":gus!gus@localhost PART #live", r.stderr, a.seen[-3:])
cli("-u", "gus", "join", "#live")
a.expect(lambda l: " JOIN " in l)
r = cli("-u", "alice", "remove", "gus", "#live")
w = a.expect(lambda l: " KICK " in l)
t("... is removed by the owner: ':alice!alice@localhost KICK #live gus :removed by alice'", w == ":alice!alice@localhost KICK #live gus :removed by alice", r.stderr, a.seen[-3:])

# Another IRC user: the same lines; its own echo once.
g = Irc(path=sock)
g.register("gus")
g.drain()
g.send("JOIN #live")
g.expect(" 366 ")
w = a.expect(lambda l: " JOIN " in l)
t("an IRC user joins: the other IRC member gets its JOIN", w == ":gus!gus@localhost JOIN #live", a.seen[-3:])
g.send("TOPIC #live :set live by gus on irc")
w = a.expect(lambda l: " TOPIC " in l)
t("... its TOPIC", w == ":gus!gus@localhost TOPIC #live :set live by gus on irc", a.seen[-3:])
g.send("PART #live")
w = a.expect(lambda l: " PART " in l)
t("... its PART", w == ":gus!gus@localhost PART #live", a.seen[-3:])
g.send("PING :end")
g.expect("PONG")
t("... and it got its own TOPIC and PART once each", sum(1 for l in g.seen if " TOPIC #live" in l) == 1 and sum(1 for l in g.seen if " PART #live" in l) == 1, g.seen[-6:])
who, w = topic_who(a, "#live")
t("... 333 then says gus set it (on IRC), within 60 s of now", who is not None and who[0] == "gus" and who[1].isdigit() and abs(int(who[1]) - time.time()) < 60, w)
open("$T/topic333", "w").write(" ".join(who or []))

# The member's own IRC session, when it joins or leaves from mailcli.
g.drain()
cli("-u", "gus", "join", "#own")
w = g.expect(lambda l: " JOIN " in l)
t("gus joins #own from mailcli: his IRC session gets his JOIN at once", w == ":gus!gus@localhost JOIN #own", g.seen[-3:])
cli("-u", "gus", "leave", "#own")
w = g.expect(lambda l: " PART " in l)
t("... leaves it from mailcli: his PART", w == ":gus!gus@localhost PART #own", g.seen[-3:])
g.close()
a.close()
PY
cases "$T/live.py"

# who and --status mark the IRC session.
cat >"$T/hold.py" <<PY
import sys, time
from ircclient import Irc
c = Irc(path="$DIR/irc.sock")
c.register("frank")
print("up", flush=True)
sys.stdin.read()
PY
mkfifo "$T/hold.in"
(cd "$SRC" && python3 "$T/hold.py" <"$T/hold.in" >"$T/hold.out" 2>&1) &
HOLD=$!
exec {HOLD_FD}>"$T/hold.in"
wait_for grep -q up "$T/hold.out"
cli who
check "mailcli who shows frank's IRC session, marked irc" grep -qE '^frank +irc ' "$T/out"
"$MAILSERV" -d "$DIR" --status >"$T/status" 2>&1
check "mailserv --status counts IRC connections" grep -q 'live: irc: 1 connection now' "$T/status"
exec {HOLD_FD}>&-
reap "$HOLD"

# Hostile input.
cat >"$T/hostile.py" <<PY
import os, socket, subprocess, time
from ircclient import Irc
from irctest import t, sock, cli
def alive():
    c = Irc(path=sock)
    ok = c.register("probe") is not None
    c.close()
    return ok

c = Irc(path=sock)
c.raw(os.urandom(4000).replace(b"\n", b"x") + b"\r\n" + b"\x00\x01\x02 \r\n:\r\n@\r\n")
c.register("gina")
t("garbage, then a registration: it registers", any(" 001 gina" in l for l in c.seen), c.seen[-3:])
c.raw(b"PRIVMSG bob :" + b"A" * 100000 + b"\r\n")
c.send("PING :after")
t("a 100 KB line: 417, and the next line is served", c.expect(" 417 ") is not None and c.expect("PONG") is not None, c.seen[-3:])
c.close()
c = Irc(path=sock)
c.raw(b"NICK half\r\nUSER half 0 * :x\r\nPRIVMSG bob :no end of line")
c.close()
t("a line without CRLF, then gone: the server serves on", alive())
# A flood under --rate 120.
c = Irc(path=sock)
c.register("flood")
c.send("JOIN #flood")
for i in range(300):
    c.send("PRIVMSG #flood :line %d" % i)
c.send("PING :end")
c.expect("PONG", 10)
rate = [l for l in c.seen if "sending too fast" in l]
drop = [l for l in c.seen if "too many lines at once" in l]
r = cli("-u", "flood", "history", "#flood", "1000")
n = r.stdout.count("[#flood] flood")
t("a flood of 300 PRIVMSGs: at most --rate 120 stored, the rest refused with a NOTICE", n <= 121 and n >= 50 and len(rate) > 0, n, len(rate))
t("... and past 200 lines at once, lines are dropped with a NOTICE", len(drop) > 0, len(drop))
for i in range(150):
    c.send("JOIN #j%d" % i)
c.send("PING :end2")
c.expect("PONG :end2", 10)
t("a flood of JOINs: refused past --max-joined (405), served", any(" 405 " in l for l in c.seen))
c.close()
t("... and the server serves others", alive())
# An IRC session has no key: a record on the FIFO under its pid and a
# zero key is no request of its.
import forge
f = Irc(path=sock)
f.register("forger")
w = Irc(path=sock)
w.register("witness")
fd = os.open("$DIR/mailserv.fifo", os.O_WRONLY | os.O_NONBLOCK)
os.write(fd, forge.record(7, os.getpid(), b"forged wall"))
os.close(fd)
t("a FIFO record under an IRC session's pid with a zero key is not its", w.expect("forged wall", 1) is None and f.expect("forged wall", 0.2) is None)
f.close(); w.close()
# A client that never reads.
r = cli("-u", "hank", "join", "#big")
t("hank makes #big", r.returncode == 0, r.stderr)
for i in range(20):
    cli("-u", "hank", "send", "#big", ("%02d" % i) + "y" * 60000)
c = Irc(path=sock)
c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
c.register("slow")
for i in range(8):
    c.send("JOIN #big"); c.send("PART #big")
time.sleep(1)
t("a client that never reads is dropped, the server serving on", alive())
log = open("$T/server.log").read()
t("... its log says why", "not reading its IRC lines" in log)
c.close()
PY
cases "$T/hostile.py"
grep -q 'IRC' "$T/server.log" >/dev/null
check "mailserv is still running" kill -0 "$SERVER_PID"

# Presence: IRC AWAY is ipcmail's away (mailcli who, kept across a
# kill -9); a mailcli away shows to IRC as 301; mesg n and ignore hold
# for IRC sessions.
# irc_hold NAME [AWAY]: an IRC session of NAME (marked away with AWAY),
# held open until its descriptor $IRC_FD is closed; $IRC_PID.
irc_hold() {
	rm -f "$T/ih.in" "$T/ih.out"
	cat >"$T/ih.py" <<PY
import sys
from ircclient import Irc
c = Irc(path="$DIR/irc.sock")
c.register("$1")
if "${2:-}":
    c.send("AWAY :${2:-}")
    print("306" if c.expect(" 306 ") is not None else "no 306", flush=True)
print("up", flush=True)
sys.stdin.read()
PY
	mkfifo "$T/ih.in"
	(cd "$SRC" && python3 "$T/ih.py" <"$T/ih.in" >"$T/ih.out" 2>&1) &
	IRC_PID=$!
	exec {IRC_FD}>"$T/ih.in"
	wait_for grep -q up "$T/ih.out" || { echo "# $1 on IRC:"; diag "$T/ih.out"; }
}
irc_hold ivy "gone fishing"
check "IRC AWAY :gone fishing: 306" grep -qx 306 "$T/ih.out"
cli who
check "... mailcli who shows ivy's IRC session 'away: gone fishing'" \
    grep -qE '^ivy +irc .*  away: gone fishing$' "$T/out"
kill_server
exec {IRC_FD}>&-
reap "$IRC_PID"
start_server --rate 120 --max-joined 3 --irc-port "$PORT" || exit 1
irc_hold ivy
cli who
check "... kept across a kill -9 of mailserv: ivy is still away" \
    grep -qE '^ivy +irc .*  away: gone fishing$' "$T/out"
# The topic's setter and time (live.py) are kept across it too.
cat >"$T/topic.py" <<PY
from ircclient import Irc
c = Irc(path="$DIR/irc.sock")
c.register("bob")
c.send("TOPIC #live")
w = c.expect(lambda l: (" 333 " in l or " 331 " in l) and " #live " in l)
print(" ".join(w.split()[4:6]) if w is not None and " 333 " in w else "none: %s" % w)
PY
(cd "$SRC" && timeout 30 python3 "$T/topic.py") >"$T/topic333.after" 2>&1
before=$(cat "$T/topic333" 2>/dev/null) after=$(cat "$T/topic333.after")
check "... and so is who set a topic and when: 333 as before the kill" \
    test -n "$before" -a "$before" = "$after"
[ "$before" = "$after" ] || echo "# 333 before: '$before', after: '$after'"
exec {IRC_FD}>&-
reap "$IRC_PID"

cli -u jack away "out to sea"
cli -u kim mesg n
cli -u lou ignore alice
cat >"$T/pres.py" <<PY
import subprocess, time
from ircclient import Irc
from irctest import t, sock, cli
i = Irc(path=sock); i.register("ivy"); i.drain()
i.send("AWAY")
t("IRC AWAY alone: 305", i.expect(" 305 ") is not None, i.seen[-2:])
r = cli("who")
t("... mailcli who shows ivy back, no status", any(l.startswith("ivy ") and "away" not in l for l in r.stdout.splitlines()), r.stdout)
i.close()

j = Irc(path=sock); j.register("jack"); j.drain()
a = Irc(path=sock); a.register("alice"); a.drain()
a.send("PRIVMSG jack :are you there")
t("mailcli away 'out to sea': a PRIVMSG to jack gets 301 with it", a.expect(" 301 alice jack :out to sea") is not None, a.seen[-3:])
t("... and no NOTICE besides (the 301 says it)", a.expect("is away", 0.5) is None, a.seen[-3:])
a.send("WHOIS jack")
w = a.expect(" 318 alice jack ")
t("... WHOIS jack: 301 with it", w is not None and any(" 301 alice jack :out to sea" in l for l in a.seen[-6:]), a.seen[-6:])
a.send("WHO jack")
t("... WHO jack: G", a.expect(lambda l: " 352 " in l and " jack G " in l) is not None, a.seen[-3:])
j.send("AWAY")
j.expect(" 305 ")
r = cli("who")
t("jack's IRC AWAY alone clears his mailcli away", any(l.startswith("jack ") and "away" not in l for l in r.stdout.splitlines()), r.stdout)
j.close()

k = Irc(path=sock); k.register("kim"); k.drain()
a.send("PRIVMSG kim :held for kim")
w = a.expect("does not want to be disturbed")
t("mesg n (mailcli) and a PRIVMSG kim from IRC: the sender is told it waits", w is not None and " NOTICE alice :" in w, a.seen[-3:])
t("... not pushed live to kim's IRC session", k.expect("held for kim", 1) is None, k.seen[-3:])
r = cli("-u", "kim", "inbox")
t("... it waits in kim's inbox", "alice" in r.stdout, r.stdout, r.stderr)
r = cli("-u", "kim", "read")
t("... and reads with mailcli read", "held for kim" in r.stdout, r.stdout, r.stderr)
k.close()

l = Irc(path=sock); l.register("lou"); l.drain()
a.send("PRIVMSG lou :you ignore me")
t("ignore alice (mailcli): a PRIVMSG lou from her IRC session does not reach lou's", l.expect("you ignore me", 1) is None, l.seen[-3:])
r = cli("-u", "lou", "read")
t("... nor waits as mail", "you ignore me" not in r.stdout, r.stdout)
l.close(); a.close()
PY
cases "$T/pres.py"
cli -u kim mesg y
cli -u lou unignore alice

stop_server
check "a stop removes DIR/irc.sock" test ! -e "$DIR/irc.sock"
start_server --no-irc || exit 1
check "--no-irc: no DIR/irc.sock" test ! -e "$DIR/irc.sock"
finish
