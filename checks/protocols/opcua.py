"""OPC UA binary (opc.tcp, port 4840): Hello, a secure channel with security policy None,
GetEndpoints, and for the anonymous check CreateSession, ActivateSession with an anonymous
identity token, one Read of the server's build information and CloseSession; nothing else.

:func:`kind` names a message from its own bytes (message type, and the service's encoding node
id), and :meth:`Channel.send` asks ``declare`` before it leaves, so Write, Call (methods),
AddNodes/DeleteNodes, subscriptions or history updates cannot be sent by mistake. Messages are
single chunks of at most 64 KiB; every length and array count is bounded before it is read.
"""

from __future__ import annotations

import secrets
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, Inconclusive, NotApplicable, one_line

REQUESTS_EXPOSED = MappingProxyType(
    {
        "opcua.hello": "HEL message: protocol version, buffer sizes, endpoint URL",
        "opcua.open-secure-channel": "OPN OpenSecureChannel (446), security policy None, mode None",
        "opcua.get-endpoints": "MSG GetEndpoints (428): the server's endpoints and token policies",
        "opcua.close-secure-channel": "CLO CloseSecureChannel (452)",
    }
)
REQUESTS_ANONYMOUS = MappingProxyType(
    {
        **REQUESTS_EXPOSED,
        "opcua.create-session": "MSG CreateSession (461), no client certificate",
        "opcua.activate-session": "MSG ActivateSession (467) with an AnonymousIdentityToken",
        "opcua.read": "MSG Read (631) of the Value of Server.ServerStatus.BuildInfo's variables",
        "opcua.close-session": "MSG CloseSession (473)",
    }
)
SERVICES = {
    428: "opcua.get-endpoints",
    461: "opcua.create-session",
    467: "opcua.activate-session",
    631: "opcua.read",
    473: "opcua.close-session",
}

Declare = Callable[[str, str], None]
NONE_POLICY = "http://opcfoundation.org/UA/SecurityPolicy#None"
MAX_MESSAGE = 65536
MAX_ITEMS = 64
WAIT = 3.0
MODES = {1: "None", 2: "Sign", 3: "SignAndEncrypt"}
TOKENS = {0: "anonymous", 1: "username", 2: "certificate", 3: "issued"}
#: Server.ServerStatus.BuildInfo's variables (namespace 0).
BUILD_INFO = {2261: "product_name", 2262: "product_uri", 2263: "manufacturer",
              2264: "software_version", 2265: "build_number"}  # fmt: skip


def _string(text: str | None) -> bytes:
    if text is None:
        return b"\xff\xff\xff\xff"
    raw = text.encode()
    return struct.pack("<i", len(raw)) + raw


def _bytes(raw: bytes | None) -> bytes:
    return b"\xff\xff\xff\xff" if raw is None else struct.pack("<i", len(raw)) + raw


def _node(identifier: int) -> bytes:
    return b"\x01\x00" + struct.pack("<H", identifier)  # four-byte encoding, namespace 0


class Reader:
    """A bounded reader over one message body; IndexError-free (ValueError when short)."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data, self.i = data, offset

    def take(self, size: int) -> bytes:
        if size < 0 or self.i + size > len(self.data):
            raise ValueError("message truncated")
        chunk = self.data[self.i : self.i + size]
        self.i += size
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def i32(self) -> int:
        return int(struct.unpack("<i", self.take(4))[0])

    def bytestring(self) -> bytes | None:
        size = self.i32()
        return None if size < 0 else self.take(size)

    def string(self) -> str:
        raw = self.bytestring()
        return "" if raw is None else one_line(raw.decode("utf-8", "replace"), 256)

    def count(self) -> int:
        size = self.i32()
        if size > MAX_ITEMS:
            raise ValueError(f"array of {size} items exceeds {MAX_ITEMS}")
        return max(size, 0)

    def node(self) -> bytes:
        """A NodeId, returned as its raw encoding."""
        start, form = self.i, self.u8()
        sizes = {0: 1, 1: 3, 2: 6, 4: 18}
        if form & 0x3F in sizes:
            self.take(sizes[form & 0x3F])
        elif form & 0x3F in (3, 5):
            self.take(2)
            self.bytestring()
        else:
            raise ValueError(f"NodeId encoding {form:#04x} not supported")
        return self.data[start : self.i]

    def localized(self) -> str:
        mask = self.u8()
        if mask & 1:
            self.string()
        return self.string() if mask & 2 else ""

    def diagnostics(self) -> None:
        mask = self.u8()
        for bit in (0x01, 0x02, 0x04, 0x08):
            if mask & bit:
                self.take(4)
        if mask & 0x10:
            self.string()
        if mask & 0x20:
            self.take(4)
        if mask & 0x40:
            self.diagnostics()

    def response_header(self) -> int:
        """Skip a ResponseHeader; its ServiceResult."""
        self.take(12)
        result = self.u32()
        self.diagnostics()
        for _ in range(self.count()):
            self.string()
        self.node()
        if self.u8() & 1:
            self.bytestring()
        return result


def kind(message: bytes) -> str:
    """The request kind a message is, from its bytes (``opcua.unknown`` otherwise)."""
    if len(message) < 8 or message[3:4] != b"F":
        return "opcua.unknown"
    try:
        if message[:3] == b"HEL":
            return "opcua.hello"
        if message[:3] == b"OPN":
            r = Reader(message, 12)
            r.string(), r.bytestring(), r.bytestring(), r.take(8)
            return "opcua.open-secure-channel" if r.node() == _node(446) else "opcua.unknown"
        if message[:3] in (b"MSG", b"CLO"):
            node = Reader(message, 24).node()
            if message[:3] == b"CLO":
                return "opcua.close-secure-channel" if node == _node(452) else "opcua.unknown"
            if len(node) == 4 and node[:2] == b"\x01\x00":
                return SERVICES.get(struct.unpack_from("<H", node, 2)[0], "opcua.unknown")
    except ValueError:
        pass
    return "opcua.unknown"


class Refused(Exception):
    """The server answered a service request with a bad status (``status``)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"status {status:#010x}")
        self.status = status


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of a server.

    Attributes:
        url: the endpoint URL. mode: None, Sign or SignAndEncrypt. policy: the security policy.
        tokens: the user identity token types it accepts, with their policy ids.
        application_uri / product_uri / application_name: the server's description.
    """

    url: str
    mode: str
    policy: str
    tokens: tuple[tuple[str, str], ...]
    application_uri: str
    product_uri: str
    application_name: str


@dataclass
class Channel:
    """One secure channel with security policy None over a connection."""

    conn: Connection
    declare: Declare
    address: str
    url: str
    channel_id: int = 0
    token_id: int = 0
    sequence: int = 1
    request_id: int = 1
    auth_token: bytes = b"\x00\x00"

    def send(self, message_type: bytes, body: bytes) -> None:
        if message_type == b"HEL":
            head = b""
        elif message_type == b"OPN":
            head = struct.pack("<I", 0) + _string(NONE_POLICY) + _bytes(None) + _bytes(None)
        else:
            head = struct.pack("<II", self.channel_id, self.token_id)
        if message_type != b"HEL":
            head += struct.pack("<II", self.sequence, self.request_id)
            self.sequence += 1
            self.request_id += 1
        message = message_type + b"F" + struct.pack("<I", 8 + len(head) + len(body)) + head + body
        self.declare(kind(message), self.address)
        self.conn.send(message)

    def receive(self, what: str) -> tuple[bytes, Reader]:
        """One message: its type and a reader past its security headers."""
        head = read_answer(self.conn, 8, what, WAIT)
        if len(head) < 8 or head[:3] not in (b"ACK", b"ERR", b"OPN", b"MSG"):
            raise NotApplicable(f"not an OPC UA answer: {one_line(head[:32])!r}")
        size = struct.unpack_from("<I", head, 4)[0]
        if not 8 <= size <= MAX_MESSAGE or head[3:4] != b"F":
            raise NotApplicable(f"OPC UA message of {size} bytes (or chunked) not read")
        body = read_exact(self.conn, size - 8, WAIT)
        if len(body) < size - 8:
            raise Inconclusive(f"the OPC UA answer to {what} was cut short")
        r = Reader(head + body, 8)
        if head[:3] == b"MSG":
            r.take(16)  # channel id, token id, sequence number, request id
        if head[:3] == b"ERR":
            r.u32()
            raise Inconclusive(f"the server refused {what}: {r.string() or 'no reason'}")
        return head[:3], r

    def request_header(self) -> bytes:
        stamp = int((time.time() + 11644473600) * 10_000_000)
        return (
            self.auth_token
            + struct.pack("<qII", stamp, self.request_id, 0)
            + b"\xff\xff\xff\xff"
            + struct.pack("<I", 5000)
            + b"\x00\x00\x00"
        )

    def open(self) -> None:
        hello = struct.pack("<IIIII", 0, 65536, 65536, MAX_MESSAGE, 1) + _string(self.url)
        self.send(b"HEL", hello)
        kind_, _ = self.receive("Hello")
        if kind_ != b"ACK":
            raise NotApplicable("the server did not acknowledge Hello")
        body = _node(446) + self.request_header() + struct.pack("<III", 0, 0, 1) + _bytes(b"")
        self.send(b"OPN", body + struct.pack("<I", 600_000))
        kind_, r = self.receive("OpenSecureChannel")
        self.channel_id = struct.unpack_from("<I", r.take(4))[0]
        r.string(), r.bytestring(), r.bytestring(), r.take(8)
        if kind_ != b"OPN" or r.node() != _node(449):
            raise Inconclusive("the server did not open a secure channel with policy None")
        if r.response_header():
            raise Inconclusive("the server refused a secure channel with policy None")
        r.take(4)
        self.channel_id, self.token_id = r.u32(), r.u32()

    def call(self, service: int, body: bytes, what: str, *, refusable: bool = False) -> Reader:
        """Send one service request; a reader past the response's header. A ServiceFault or a
        bad ServiceResult is Inconclusive, or :class:`Refused` when ``refusable``."""
        self.send(b"MSG", _node(service) + self.request_header() + body)
        _, r = self.receive(what)
        node = r.node()
        result = r.response_header()
        if node == _node(397) or result & 0x80000000:
            if refusable:
                raise Refused(result)
            raise Inconclusive(f"the server refused {what} (status {result:#010x})")
        return r

    def endpoints(self) -> list[Endpoint]:
        r = self.call(428, _string(self.url) + b"\xff" * 8, "GetEndpoints")
        found = []
        for _ in range(r.count()):
            url = r.string()
            app_uri, product_uri, app_name = r.string(), r.string(), r.localized()
            r.take(4)
            r.string(), r.string()
            for _ in range(r.count()):
                r.string()
            r.bytestring()
            mode, policy = MODES.get(r.u32(), "?"), r.string()
            tokens = []
            for _ in range(r.count()):
                policy_id, token = r.string(), TOKENS.get(r.u32(), "?")
                r.string(), r.string(), r.string()
                tokens.append((token, policy_id))
            r.string(), r.u8()
            found.append(Endpoint(url, mode, policy, tuple(tokens), app_uri, product_uri, app_name))
        return found

    def anonymous_session(self, policy_id: str) -> dict[str, str]:
        """CreateSession, ActivateSession as anonymous (:class:`Refused` when refused), a Read
        of the build information, CloseSession; the build information read."""
        client = _string("urn:scanner:inspection") * 2 + b"\x02" + _string("scanner")
        client += struct.pack("<I", 1) + b"\xff" * 12
        body = client + _string(None) + _string(self.url) + _string("inspection")
        body += _bytes(secrets.token_bytes(32)) + _bytes(None) + struct.pack("<dI", 30000.0, 0)
        r = self.call(461, body, "CreateSession")
        r.node()
        self.auth_token = r.node()
        token = _node(321) + b"\x01"
        inner = _string(policy_id)
        body = b"\xff" * 8 + b"\xff" * 4 + b"\xff" * 4
        body += token + struct.pack("<i", len(inner)) + inner + b"\xff" * 8
        try:
            self.call(467, body, "ActivateSession with an anonymous token", refusable=True)
        except Refused:
            self.call(473, b"\x01", "CloseSession")
            raise
        nodes = b"".join(
            _node(n) + struct.pack("<I", 13) + b"\xff" * 4 + b"\x00\x00" + b"\xff" * 4
            for n in BUILD_INFO
        )
        r = self.call(631, struct.pack("<di", 0.0, 3) + struct.pack("<i", len(BUILD_INFO)) + nodes,
                      "Read of the build information")  # fmt: skip
        info: dict[str, str] = {}
        try:
            for name in list(BUILD_INFO.values())[: r.count()]:
                mask = r.u8()
                if mask & 1:
                    variant = r.u8()
                    if variant != 12:
                        break
                    info[name] = r.string()
                for bit, size in ((0x02, 4), (0x04, 8), (0x10, 2), (0x08, 8), (0x20, 2)):
                    if mask & bit:
                        r.take(size)
        except ValueError:
            pass  # keep what was read
        self.call(473, b"\x01", "CloseSession")
        return info

    def close(self) -> None:
        self.send(b"CLO", _node(452) + self.request_header())
