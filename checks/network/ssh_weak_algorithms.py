"""SSH server offers weak key exchange, host key, cipher or MAC algorithms.

Old algorithms weaken every session: 1024-bit Diffie-Hellman groups and SHA-1 key exchange are
within reach of well-funded attackers (Logjam), CBC-mode ciphers and 3DES/RC4 leak plaintext
(CVE-2008-5161, Sweet32), MD5 and truncated MACs are forgeable, and DSA or short RSA host keys
let the server be impersonated. The check connects to each service discovery names ``ssh``,
sends its identification and reads the server's first ``SSH_MSG_KEXINIT``: what the server
*offers*, not what a client would pick. It reports one finding listing the weak names per
category. When an RSA host key is offered it opens a second connection, negotiates an RSA host
key and reports it when shorter than the ``min_rsa_bits`` setting (default 2048). Nothing beyond
the key exchange is sent; no credentials. A port that does not speak SSH is not applicable.

Weak: kex ``diffie-hellman-group1-sha1``, ``diffie-hellman-group14-sha1``,
``diffie-hellman-group-exchange-sha1``, ``gss-*sha1*``; host keys ``ssh-dss`` and short RSA;
ciphers ``*-cbc``, ``3des-*``, ``arcfour*``, ``blowfish-*``, ``cast128-*``, ``none``; MACs
``hmac-md5*``, ``hmac-sha1``, ``hmac-sha1-96``, their ``-etm`` forms, ``umac-64*``, ``none``.

Sample evidence::

    weak algorithms offered by SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10: kex:
    diffie-hellman-group1-sha1, diffie-hellman-group14-sha1; hostkey: ssh-dss, ssh-rsa (1024 bits);
    cipher: aes128-cbc, 3des-cbc; mac: hmac-sha1, hmac-md5
"""

from __future__ import annotations

import fnmatch
import struct
import time
from collections.abc import Iterator

import paramiko

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Connection,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

OUR_BANNER = b"SSH-2.0-scanner_probe\r\n"
MAX_PACKET = 256 * 1024
SSH_MSG_KEXINIT = 20
#: The KEXINIT name-lists, in wire order (RFC 4253 section 7.1).
LISTS = (
    "kex",
    "hostkey",
    "cipher_c2s",
    "cipher_s2c",
    "mac_c2s",
    "mac_s2c",
    "compression_c2s",
    "compression_s2c",
    "language_c2s",
    "language_s2c",
)
WEAK: dict[str, tuple[str, ...]] = {
    "kex": (
        "diffie-hellman-group1-sha1",
        "diffie-hellman-group14-sha1",
        "diffie-hellman-group-exchange-sha1",
        "gss-*sha1*",
    ),
    "hostkey": ("ssh-dss*",),
    "cipher": (
        "*-cbc",
        "*-cbc@*",
        "3des-*",
        "arcfour*",
        "blowfish-*",
        "cast128-*",
        "none",
    ),
    "mac": (
        "hmac-md5*",
        "hmac-sha1",
        "hmac-sha1-96",
        "hmac-sha1-etm@openssh.com",
        "hmac-sha1-96-etm@openssh.com",
        "umac-64*",
        "none",
    ),
}
RSA_KEY_TYPES = ["rsa-sha2-512", "rsa-sha2-256"]


def parse_kexinit(payload: bytes) -> dict[str, list[str]]:
    """The ten name-lists of an SSH_MSG_KEXINIT payload; ValueError when it is not one."""
    if not payload or payload[0] != SSH_MSG_KEXINIT:
        raise ValueError("not an SSH_MSG_KEXINIT packet")
    offset = 1 + 16  # message number, cookie
    lists: dict[str, list[str]] = {}
    for name in LISTS:
        if offset + 4 > len(payload):
            raise ValueError("KEXINIT truncated")
        (length,) = struct.unpack_from(">I", payload, offset)
        offset += 4
        if offset + length > len(payload):
            raise ValueError("KEXINIT name-list overruns the packet")
        text = payload[offset : offset + length].decode("ascii", "replace")
        lists[name] = [n for n in text.split(",") if n]
        offset += length
    return lists


def weak_algorithms(lists: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per category (kex, hostkey, cipher, mac), the offered names that match the weak list."""
    offered = {
        "kex": lists["kex"],
        "hostkey": lists["hostkey"],
        "cipher": list(dict.fromkeys(lists["cipher_c2s"] + lists["cipher_s2c"])),
        "mac": list(dict.fromkeys(lists["mac_c2s"] + lists["mac_s2c"])),
    }
    found: dict[str, list[str]] = {}
    for category, names in offered.items():
        bad = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in WEAK[category])]
        if bad:
            found[category] = bad
    return found


def conn_budget(conn: Connection) -> float:
    """Seconds left before the connection's deadline (at least a little)."""
    return max(0.1, conn.deadline - time.monotonic())


def read_kexinit(conn: Connection) -> tuple[str, bytes]:
    """Send our identification, then read the server's banner line and first binary packet."""
    conn.send(OUR_BANNER)
    buf = b""
    banner = b""
    first = b""
    try:
        for _ in range(20):  # RFC 4253 allows lines before the banner; never loop unbounded
            while b"\n" not in buf and len(buf) < 8192:
                chunk = conn.recv(4096, timeout=min(10.0, conn_budget(conn)))
                if not chunk:
                    break
                buf += chunk
            line, sep, buf = buf.partition(b"\n")
            if line.startswith(b"SSH-"):
                banner = line.rstrip(b"\r")
                break
            first = first or line.rstrip(b"\r")
            if not sep:
                break
    except TimeoutError as exc:
        if not first:
            raise Inconclusive("the port accepted a connection but sent no SSH banner") from exc
    if not banner:
        raise NotApplicable(f"the service does not speak SSH: {one_line(first, 120)!r}")
    return banner.decode("ascii", "replace"), read_packet(conn, buf)


def read_packet(conn: Connection, buf: bytes) -> bytes:
    """The payload of the server's first binary packet (``buf``: what was read past the banner)."""
    while len(buf) < 5:
        chunk = conn.recv(4096)
        if not chunk:
            raise Inconclusive("the server closed the connection before its KEXINIT")
        buf += chunk
    (length,) = struct.unpack_from(">I", buf)
    if not 1 < length <= MAX_PACKET:
        raise NotApplicable(f"implausible SSH packet length {length} after the banner")
    while len(buf) < 4 + length:
        chunk = conn.recv(min(65536, 4 + length - len(buf)))
        if not chunk:
            raise Inconclusive("the server closed the connection inside its KEXINIT")
        buf += chunk
    padding = buf[4]
    return buf[5 : 4 + length - padding]


class SshWeakAlgorithms(Check):
    id = "net.ssh-weak-algorithms"
    title = "SSH server offers weak algorithms"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=("ssh",))
    references = ("CWE-327", "CWE-326", "CVE-2008-5161", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Restrict sshd_config's KexAlgorithms, HostKeyAlgorithms, Ciphers and MACs to modern "
        "algorithms (curve25519/sntrup, ed25519 or RSA of at least 3072 bits, AES-GCM/CTR or "
        "ChaCha20-Poly1305, SHA-2 ETM MACs), remove DSA and short RSA host keys, and upgrade "
        "servers that cannot."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=MAX_PACKET * 2) as conn:
            banner, payload = read_kexinit(conn)
        try:
            lists = parse_kexinit(payload)
        except ValueError as exc:
            raise Inconclusive(f"{banner}: unreadable KEXINIT ({exc})") from exc
        found = weak_algorithms(lists)
        if any(k in RSA_KEY_TYPES or k == "ssh-rsa" for k in lists["hostkey"]):
            bits = self._rsa_bits(target, ctx)
            if bits is not None and bits < int(ctx.setting("min_rsa_bits", 2048)):
                found.setdefault("hostkey", []).append(f"ssh-rsa ({bits} bits)")
        if not found:
            return
        listed = "; ".join(f"{category}: {', '.join(names)}" for category, names in found.items())
        yield self.finding(target, f"weak algorithms offered by {banner}: {listed}", detail=found)

    def _rsa_bits(self, target: ServiceTarget, ctx: CheckContext) -> int | None:
        """Size of the server's RSA host key, or None when no SHA-2 RSA signature is agreed."""
        with ctx.connect(target.address, target.service.port, read_limit=MAX_PACKET) as conn:
            transport = paramiko.Transport(conn.sock)
            try:
                transport.get_security_options().key_types = RSA_KEY_TYPES
                budget = ctx.remaining()
                transport.banner_timeout = min(10.0, budget / 2)
                try:
                    transport.start_client(timeout=max(0.1, budget - 0.5))
                except paramiko.SSHException:
                    return None  # e.g. only SHA-1 "ssh-rsa" signatures, which paramiko refuses
                if transport.host_key is None:
                    return None  # the key exchange did not finish in time
                return int(transport.get_remote_server_key().get_bits())
            finally:
                transport.close()
