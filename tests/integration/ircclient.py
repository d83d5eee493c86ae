"""ircclient.py - a raw IRC client for tests/integration/irc.sh: lines
out exactly as given, lines in as they come, with timeouts, on
DIR/irc.sock or a loopback TCP port."""
import socket
import time


class Irc:
    def __init__(self, path=None, port=None, family=socket.AF_INET,
                 autopong=True):
        """autopong: answer the server's PING as every IRC client does
        (mailserv takes the PONG as word that the lines before it were
        read); False for a client that never answers."""
        self.autopong = autopong
        if path is not None:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(path)
        else:
            self.s = socket.socket(family, socket.SOCK_STREAM)
            self.s.connect(("127.0.0.1" if family == socket.AF_INET
                            else "::1", port))
        self.buf = b""
        self.seen = []

    def send(self, line):
        if isinstance(line, str):
            line = line.encode()
        self.s.sendall(line + b"\r\n")

    def raw(self, data):
        self.s.sendall(data)

    def line(self, timeout=5.0):
        """The next line (str, without CR LF), or None at timeout/EOF.
        With autopong, a PING from the server is answered and skipped
        (it is still in self.seen)."""
        end = time.time() + timeout
        while True:
            l = self._line(end)
            if l is None or not self.autopong:
                return l
            w = l.split(" ")
            if l.startswith(":") and len(w) > 1:
                w = w[1:]
            if w[0] != "PING":
                return l
            self.send("PONG " + " ".join(w[1:]))

    def _line(self, end):
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                return None
            if not d:
                return None
            self.buf += d
        l, self.buf = self.buf.split(b"\n", 1)
        l = l.rstrip(b"\r").decode("utf-8", "replace")
        self.seen.append(l)
        return l

    def expect(self, pred, timeout=5.0):
        """Lines until one satisfies pred (a str: a substring); it, or
        None.  The lines read are in self.seen."""
        if isinstance(pred, str):
            sub = pred
            pred = lambda l: sub in l
        end = time.time() + timeout
        while True:
            l = self.line(max(0.0, end - time.time()))
            if l is None:
                return None
            if pred(l):
                return l

    def drain(self, timeout=0.3):
        out = []
        while True:
            l = self.line(timeout)
            if l is None:
                return out
            out.append(l)

    def register(self, nick, cap=False, caps=""):
        if cap:
            self.send("CAP LS 302")
        self.send("NICK " + nick)
        self.send("USER %s 0 * :test" % nick)
        if cap:
            if caps:
                self.send("CAP REQ :" + caps)
            self.send("CAP END")
        return self.expect(" 001 ")

    def close(self):
        self.s.close()
