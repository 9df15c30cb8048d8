"""The lab's certificates: a lab CA, the hardened host's certificate it signs, the weak host's
self-signed one, and the tls host's five certificates, one TLS weakness each.

The hardened host's certificate verifies against ``STATE/ca.pem`` (SAN ``IP:127.0.10.2``); the
weak host's is self-signed, so nothing can verify it. The tls host's are all signed by the lab
CA, so each shows exactly one fault: expired, not yet valid, RSA-1024 with SHA-1, a name of
another host, or expiring within days. ``openssl ca`` with ``-startdate`` / ``-enddate`` makes
certificates with dates in the past or the future. Keys and certificates are kept across
restarts so fingerprints stay stable; the expiring one is made again when it gets too close.
"""

from __future__ import annotations

import calendar
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

from tests.lab.hosts import HARDENED_ADDR, TLS_ADDR, WEAK_ADDR
from tests.lab.system import make_dir, run_tool, write_file

_CA_CNF = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
O = Inspection Lab
CN = Inspection Lab CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

_LEAF_CNF = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_leaf
[dn]
O = Inspection Lab
CN = {address}
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:{address}
subjectKeyIdentifier = hash
"""

_OPENSSL_REQ: Final = ("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-sha256")


def make_host_certs(state_dir: Path) -> None:
    """Lab CA (STATE/ca.pem), hardened cert signed by it, self-signed weak cert (kept if
    present, so fingerprints stay stable across restarts)."""
    tls = make_dir(state_dir / "tls")
    ca_pem, ca_key = state_dir / "ca.pem", tls / "ca.key"
    if not (ca_pem.exists() and ca_key.exists()):
        cnf = write_file(tls / "ca.cnf", _CA_CNF)
        run_tool(
            [
                *_OPENSSL_REQ,
                "-x509",
                "-config",
                str(cnf),
                "-keyout",
                str(ca_key),
                "-out",
                str(ca_pem),
                "-days",
                "3650",
            ],
            "openssl (lab CA)",
        )
        for p in (tls / "hardened.crt", tls / "weak.crt"):
            p.unlink(missing_ok=True)
    hard_crt, hard_key = tls / "hardened.crt", tls / "hardened.key"
    if not (hard_crt.exists() and hard_key.exists()):
        cnf = write_file(tls / "hardened.cnf", _LEAF_CNF.format(address=HARDENED_ADDR))
        csr = tls / "hardened.csr"
        run_tool(
            [
                *_OPENSSL_REQ,
                "-new",
                "-config",
                str(cnf),
                "-keyout",
                str(hard_key),
                "-out",
                str(csr),
            ],
            "openssl (hardened CSR)",
        )
        run_tool(
            [
                *("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_pem)),
                *("-CAkey", str(ca_key), "-set_serial", str(secrets.randbits(63))),
                *("-days", "365", "-sha256", "-extfile", str(cnf), "-extensions", "v3_leaf"),
                *("-out", str(hard_crt)),
            ],
            "openssl (sign hardened certificate)",
        )
    weak_crt, weak_key = tls / "weak.crt", tls / "weak.key"
    if not (weak_crt.exists() and weak_key.exists()):
        cnf = write_file(tls / "weak.cnf", _LEAF_CNF.format(address=WEAK_ADDR))
        run_tool(
            [
                *_OPENSSL_REQ,
                "-x509",
                "-config",
                str(cnf),
                "-keyout",
                str(weak_key),
                "-out",
                str(weak_crt),
                "-days",
                "365",
            ],
            "openssl (weak self-signed certificate)",
        )
    for key in (ca_key, hard_key, weak_key):
        os.chmod(key, 0o600)
    for crt in (ca_pem, hard_crt, weak_crt):
        os.chmod(crt, 0o644)


_TLS_CA_CNF = """\
[ca]
default_ca = lab
[lab]
database = {base}/index.txt
new_certs_dir = {base}/newcerts
serial = {base}/serial
policy = anything
unique_subject = no
copy_extensions = none
[anything]
organizationName = optional
commonName = supplied
"""


@dataclass(frozen=True)
class TlsLabCert:
    """One certificate of the tls host. Dates are openssl ca's YYYYMMDDHHMMSSZ; empty dates mean
    "from yesterday to TLS_EXPIRING_DAYS from now" (the expiring certificate)."""

    cn: str
    san: str
    bits: int = 2048
    digest: str = "sha256"
    start: str = "20240101000000Z"
    end: str = "20390101000000Z"


#: The tls host's certificates by file name (STATE/tls-lab/NAME.crt), all signed by the lab CA.
TLS_LAB_CERTS: Final[Mapping[str, TlsLabCert]] = MappingProxyType(
    {
        "expired": TlsLabCert(
            TLS_ADDR, f"IP:{TLS_ADDR}", start="20200101000000Z", end="20210101000000Z"
        ),
        "notyet": TlsLabCert(
            TLS_ADDR, f"IP:{TLS_ADDR}", start="20400101000000Z", end="20410101000000Z"
        ),
        "legacy": TlsLabCert(TLS_ADDR, f"IP:{TLS_ADDR}", bits=1024, digest="sha1"),
        "mismatch": TlsLabCert("www.other.invalid", "DNS:www.other.invalid"),
        "expiring": TlsLabCert(TLS_ADDR, f"IP:{TLS_ADDR}", start="", end=""),
    }
)
#: The expiring certificate is made again at start when fewer days than this are left.
TLS_EXPIRING_MIN_DAYS: Final = 7
TLS_EXPIRING_DAYS: Final = 10


def _openssl_date(epoch: float) -> str:
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(epoch))


def _cert_not_after(crt: Path) -> float:
    """notAfter of a PEM certificate, in seconds since the epoch (UTC)."""
    out = run_tool(
        ["openssl", "x509", "-noout", "-enddate", "-in", str(crt)], "openssl x509 -enddate"
    )
    stamp = out.strip().split("=", 1)[1]
    return float(calendar.timegm(time.strptime(stamp, "%b %d %H:%M:%S %Y %Z")))


def make_tls_lab_certs(state_dir: Path) -> Path:
    """The tls host's certificates (STATE/tls-lab/NAME.{crt,key}), signed by the lab CA with
    ``openssl ca`` (explicit start and end dates). Kept across restarts; all made again when the
    lab CA changed, and the expiring one when fewer than TLS_EXPIRING_MIN_DAYS days are left."""
    base = make_dir(state_dir / "tls-lab", 0o755)
    ca_pem, ca_key = state_dir / "ca.pem", state_dir / "tls" / "ca.key"
    seen_ca = base / "signed-by.pem"
    if not seen_ca.exists() or seen_ca.read_bytes() != ca_pem.read_bytes():
        for name in TLS_LAB_CERTS:
            (base / f"{name}.crt").unlink(missing_ok=True)
        write_file(seen_ca, ca_pem.read_text(encoding="utf-8"))
    make_dir(base / "newcerts", 0o700)
    index = base / "index.txt"
    if not index.exists():
        write_file(index, "", mode=0o600)
    ca_cnf = write_file(base / "ca.cnf", _TLS_CA_CNF.format(base=base))
    now = time.time()
    for name, spec in TLS_LAB_CERTS.items():
        crt, key = base / f"{name}.crt", base / f"{name}.key"
        start, end = spec.start, spec.end
        if not start:
            start, end = _openssl_date(now - 86400), _openssl_date(now + TLS_EXPIRING_DAYS * 86400)
            if crt.exists() and _cert_not_after(crt) < now + TLS_EXPIRING_MIN_DAYS * 86400:
                crt.unlink()
        if crt.exists() and key.exists():
            continue
        cnf = write_file(
            base / f"{name}.cnf",
            _LEAF_CNF.format(address=spec.cn).replace(f"= IP:{spec.cn}", f"= {spec.san}"),
        )
        csr = base / f"{name}.csr"
        run_tool(
            [
                *("openssl", "req", "-new", "-newkey", f"rsa:{spec.bits}", "-nodes"),
                *("-config", str(cnf), "-keyout", str(key), "-out", str(csr)),
            ],
            f"openssl req ({name})",
        )
        run_tool(
            [
                *("openssl", "ca", "-batch", "-notext", "-preserveDN", "-rand_serial"),
                *("-config", str(ca_cnf), "-cert", str(ca_pem), "-keyfile", str(ca_key)),
                *("-md", spec.digest, "-startdate", start, "-enddate", end),
                *("-extfile", str(cnf), "-extensions", "v3_leaf"),
                *("-in", str(csr), "-out", str(crt)),
            ],
            f"openssl ca ({name})",
        )
        os.chmod(key, 0o600)
        os.chmod(crt, 0o644)
    return base
