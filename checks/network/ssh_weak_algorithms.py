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
from collections.abc import Iterator

from checks.protocols.ssh import MAX_PACKET, parse_kexinit, read_kexinit
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    probe_server,
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


class SshWeakAlgorithms(Check):
    id = "net.ssh-weak-algorithms"
    title = "SSH server offers weak algorithms"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=("ssh",))
    references = ("CWE-327", "CWE-326", "CVE-2008-5161", "MLPS-8.1.4.8a", "CSL-21")
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
            try:
                return probe_server(conn, key_types=RSA_KEY_TYPES).key_bits
            except (Inconclusive, NotApplicable):
                return None  # e.g. only SHA-1 "ssh-rsa" signatures, which paramiko refuses
