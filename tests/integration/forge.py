"""forge.py - ipcmail protocol records made by hand, for the tests that
write straight to mailserv's FIFO (forged, lying or broken records).
The magic and version are read from common/proto.h, so a protocol bump
needs no change here; wire_sum is common/record.c's record_wire_sum."""
import os
import re
import struct

_PROTO_H = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "common", "proto.h")
with open(_PROTO_H) as _f:
    _TEXT = _f.read()
MAGIC = int(re.search(r"#define PROTO_MAGIC\s+(0x[0-9a-fA-F]+)", _TEXT).group(1), 16)
VERSION = int(re.search(r"#define PROTO_VERSION\s+(\d+)", _TEXT).group(1))
HDR = "=IHHIIII16s"     # magic version type len sum pid pad token
_M64 = (1 << 64) - 1


def wire_sum(data, h=0xcbf29ce484222325):
    """64-bit FNV-1a over little-endian 8-byte words, then the tail."""
    n = len(data) - len(data) % 8
    for (w,) in struct.iter_unpack("<Q", data[:n]):
        h = ((h ^ w) * 0x100000001b3) & _M64
    for b in data[n:]:
        h = ((h ^ b) * 0x100000001b3) & _M64
    return h


def hello(name, flags=0, tty=b""):
    """A hello's payload (struct proto_hello): name, tty (none by
    default: any bytes, as a hostile client may send), flags."""
    if isinstance(name, str):
        name = name.encode()
    return struct.pack("=33s32s3xI", name, tty, flags)


def record(rtype, pid, payload, token=bytes(16), claim=None, sum32=None,
           version=VERSION):
    """One record: header and payload.  claim: the length the header
    states (default the true one); sum32: a checksum to put instead of
    the right one; version: another protocol version's header."""
    claim = len(payload) if claim is None else claim
    if sum32 is None:
        hdr = struct.pack(HDR, MAGIC, version, rtype, claim, 0, pid, 0, token)
        h = wire_sum(payload, wire_sum(hdr))
        sum32 = (h ^ (h >> 32)) & 0xffffffff
    return struct.pack(HDR, MAGIC, version, rtype, claim, sum32, pid, 0,
                       token) + payload
