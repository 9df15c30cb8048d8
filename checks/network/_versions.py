"""Products and versions a service announces: its SSH identification line, the greeting or
header other services send unasked (``announced_product``), or what nmap's version detection made
of it (product text and CPE).

``SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`` names the upstream product and version (NVD's
``openbsd:openssh`` at ``9.2p1``) and, in its comment, the distribution package revision
(Debian's source package ``openssh`` at ``9.2p1-2+deb12u3``, release 12 from ``+deb12``).
The banner is read once per service and run (the identification line only, RFC 4253 section
4.2, at most 8 KiB; nothing else is sent). nmap (profile ``version_detection``) gives the same
as ``cpe:/a:openbsd:openssh:9.2p1`` and the text ``OpenSSH 9.2p1 Debian 2+deb12u3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from scanner.api import (
    CheckContext,
    Inconclusive,
    NotApplicable,
    Service,
    ServiceTarget,
    one_line,
)

OUR_BANNER = b"SSH-2.0-scanner_probe\r\n"
BANNER = re.compile(r"^SSH-(?P<proto>\d+\.\d+)-(?P<software>\S+)(?: (?P<comment>.*))?$")
#: Software part of a banner -> (NVD vendor, NVD product, Debian source package), version.
PRODUCTS = (
    (re.compile(r"^OpenSSH_(?P<version>[0-9][0-9A-Za-z.]*)$"), "openbsd", "openssh", "openssh"),
    (
        re.compile(r"^dropbear_(?P<version>[0-9][0-9.]*)$", re.IGNORECASE),
        "dropbear_ssh_project",
        "dropbear_ssh",
        "dropbear",
    ),
)
#: A Debian banner comment: ``Debian-2+deb12u3`` (release 12); Ubuntu's has no release number.
DEBIAN = re.compile(r"^Debian-(?P<revision>[0-9A-Za-z.+~]+)$")
DEBIAN_RELEASE = re.compile(r"\+deb(?P<release>\d+)u\d+")
#: nmap's version text of a Debian package: ``9.2p1 Debian 2+deb12u3``.
NMAP_DEBIAN = re.compile(r"\bDebian (?P<revision>[0-9A-Za-z.+~]+)")
#: NVD vendor and product -> Debian source package, for a distribution revision nmap reports
#: and for settling with an on-site audit.
DEBIAN_SOURCES = {
    ("openbsd", "openssh"): "openssh",
    ("dropbear_ssh_project", "dropbear_ssh"): "dropbear",
    ("nginx", "nginx"): "nginx",
    ("f5", "nginx"): "nginx",
    ("apache", "http_server"): "apache2",
    ("beasts", "vsftpd"): "vsftpd",
    ("proftpd", "proftpd"): "proftpd-dfsg",
    ("isc", "bind"): "bind9",
    ("postfix", "postfix"): "postfix",
    ("exim", "exim"): "exim4",
    ("redis", "redis"): "redis",
    ("eclipse", "mosquitto"): "mosquitto",
    ("mariadb", "mariadb"): "mariadb",
}

#: What other services announce without being asked, by the kind of announcement: the pattern
#: of the product and version in it -> (NVD vendor, NVD product, Debian source package). Only
#: products whose announcement carries a version; ``Server: nginx`` alone names none.
ANNOUNCED = {
    "http": (  # the Server header
        (re.compile(r"^nginx/(?P<version>\d[0-9.]*)"), "nginx", "nginx", "nginx"),
        (re.compile(r"^openresty/(?P<version>\d[0-9.]*)"), "openresty", "openresty", ""),
        (re.compile(r"^Apache/(?P<version>\d[0-9.]*)"), "apache", "http_server", "apache2"),
        (re.compile(r"^lighttpd/(?P<version>\d[0-9.]*)"), "lighttpd", "lighttpd", "lighttpd"),
        (
            re.compile(r"^Microsoft-IIS/(?P<version>\d[0-9.]*)"),
            "microsoft",
            "internet_information_services",
            "",
        ),
    ),
    "ftp": (  # the 220 greeting
        (re.compile(r"\(vsFTPd (?P<version>\d[0-9.]*)\)"), "beasts", "vsftpd", "vsftpd"),
        (
            re.compile(r"\bProFTPD (?P<version>\d[0-9.]*[a-z]?)\b"),
            "proftpd",
            "proftpd",
            "proftpd-dfsg",
        ),
    ),
    "smtp": (  # the 220 greeting
        (re.compile(r"\bExim (?P<version>\d[0-9.]*)\b"), "exim", "exim", "exim4"),
    ),
    "mysql": (  # the handshake's server version: 5.5.5- is MariaDB's compatibility prefix
        (
            re.compile(r"^(?:5\.5\.5-)?(?P<version>\d+\.\d+\.\d+)-MariaDB\b"),
            "mariadb",
            "mariadb",
            "mariadb",
        ),
        (re.compile(r"^(?P<version>\d+\.\d+\.\d+)(?:-|$)"), "oracle", "mysql", ""),
    ),
}
#: How evidence names each kind of announcement.
LABELS = {
    "http": "Server",
    "ftp": "FTP greeting",
    "smtp": "SMTP greeting",
    "mysql": "MySQL handshake",
}
#: A Debian package revision in a MariaDB version (``10.11.19-MariaDB-0+deb12u1``).
MARIADB_DEBIAN = re.compile(r"-MariaDB-(?P<revision>[0-9][0-9A-Za-z.+~]*\+deb\d+u\d+)\b")


@dataclass(frozen=True)
class Product:
    """What a banner says runs: NVD's vendor and product and the upstream version; with a
    distribution revision, its OSV ecosystem (``Debian:12``), source package and version
    (without epoch); else those are empty."""

    banner: str
    vendor: str
    product: str
    version: str
    ecosystem: str = ""
    package: str = ""
    package_version: str = ""


def ssh_product(banner: str) -> Product | None:
    """The product an SSH identification line names, None for software not in PRODUCTS.

    >>> ssh_product("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3").ecosystem
    'Debian:12'
    """
    match = BANNER.match(banner)
    if match is None:
        return None
    for pattern, vendor, product, package in PRODUCTS:
        found = pattern.match(match["software"])
        if found is None:
            continue
        version = found["version"]
        debian = DEBIAN.match((match["comment"] or "").strip())
        revision = debian["revision"] if debian else ""
        product_of = _product(banner, vendor, product, version, package, revision)
        return product_of if product_of.ecosystem else Product(banner, vendor, product, version)
    return None


def announced_product(kind: str, text: str) -> Product | None:
    """The product an announcement of ``kind`` (a key of ANNOUNCED) names with its version, with
    the Debian package revision where the announcement carries one (MariaDB's does); None when
    it names no known product with a version.

    >>> announced_product("mysql", "5.5.5-10.11.19-MariaDB-0+deb12u1").package_version
    '10.11.19-0+deb12u1'
    >>> announced_product("http", "nginx") is None
    True
    """
    said = f"{LABELS.get(kind, kind)}: {one_line(text, 200)}"
    for pattern, vendor, product, package in ANNOUNCED.get(kind, ()):
        found = pattern.search(text)
        if found is None:
            continue
        debian = MARIADB_DEBIAN.search(text) if kind == "mysql" else None
        revision = debian["revision"] if debian else ""
        return _product(said, vendor, product, found["version"].rstrip("."), package, revision)
    return None


#: The SSH banner is read on ``ssh``, the announcements of ANNOUNCED on theirs (``_announced``);
#: the others are matched when nmap's version detection gave a CPE (profile
#: ``version_detection``).
SERVICES = (
    "ssh",
    "ftp",
    "http",
    "https",
    "http-proxy",
    "smtp",
    "submission",
    "imap",
    "pop3",
    "domain",
    "mysql",
    "postgresql",
    "ldap",
    "telnet",
    "redis",
    "mongodb",
    "mqtt",
    "ms-wbt-server",
    "vnc",
    "microsoft-ds",
    "snmp",
    "ntp",
)
#: nmap's CPE names that NVD spells otherwise: (vendor, product) -> NVD's names to match.
NVD_NAMES = {
    ("igor_sysoev", "nginx"): (("f5", "nginx"), ("nginx", "nginx")),
    ("nginx", "nginx"): (("f5", "nginx"), ("nginx", "nginx")),
    ("vsftpd", "vsftpd"): (("beasts", "vsftpd"),),
    ("redislabs", "redis"): (("redis", "redis"),),
}


def nvd_names(product: Product) -> tuple[tuple[str, str], ...]:
    """The NVD vendor and product names to match ``product`` against."""
    key = (product.vendor, product.product)
    return NVD_NAMES.get(key, (key,))


def nmap_product(service: Service) -> Product | None:
    """The product nmap's version detection named, from its CPE (``cpe:/a:VENDOR:PRODUCT:
    VERSION``) and, for a Debian package revision, its version text; None without a CPE that
    has a version.

    >>> nmap_product(Service("192.0.2.1", 22, "tcp", "ssh", "OpenSSH 9.2p1 Debian 2+deb12u3",
    ...                      "cpe:/a:openbsd:openssh:9.2p1")).package_version
    '9.2p1-2+deb12u3'
    """
    if not service.cpe.startswith("cpe:/a:"):
        return None
    parts = [unquote(p) for p in service.cpe.removeprefix("cpe:/a:").split(":")]
    if len(parts) < 3 or not parts[2]:
        return None
    vendor, product, version = parts[0].lower(), parts[1].lower(), parts[2]
    if len(parts) > 3 and parts[3] and parts[3] not in ("-", "*"):
        version += parts[3]  # CPE 2.2 may split 9.2p1 as 9.2:p1 too
    said = one_line(f"nmap: {service.product or '?'} ({service.cpe})", 255)
    package = next(
        (DEBIAN_SOURCES[n] for n in NVD_NAMES.get((vendor, product), ()) if n in DEBIAN_SOURCES),
        DEBIAN_SOURCES.get((vendor, product), ""),
    )
    debian = NMAP_DEBIAN.search(service.product)
    return _product(said, vendor, product, version, package, debian["revision"] if debian else "")


def _product(
    said: str, vendor: str, product: str, version: str, package: str, revision: str
) -> Product:
    """The product, with its Debian ecosystem and package version when ``revision`` (a Debian
    package revision, ``2+deb12u3``) names its release and the package is known."""
    release = DEBIAN_RELEASE.search(revision) if revision else None
    if release and package:
        return Product(
            said,
            vendor,
            product,
            version,
            f"Debian:{release['release']}",
            package,
            f"{version}-{revision}",
        )
    return Product(said, vendor, product, version, package=package)


def ssh_banner(target: ServiceTarget, ctx: CheckContext) -> str:
    """The service's SSH identification line (cleaned, at most 255 characters)."""

    def read() -> str:
        data = b""
        with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
            conn.send(OUR_BANNER)
            while not re.search(rb"(^|\n)SSH-[^\n]*\n", data) and len(data) < 8192:
                try:
                    chunk = conn.recv(4096, timeout=min(5.0, ctx.remaining()))
                except TimeoutError:
                    break
                if not chunk:
                    break
                data += chunk
        lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
        banner = next((line for line in lines if line.startswith(b"SSH-")), b"")
        if not banner:
            if not data:
                raise Inconclusive("the port accepted a connection but sent no SSH banner")
            raise NotApplicable(f"the service does not speak SSH: {one_line(lines[0], 120)!r}")
        return one_line(banner, 255)

    return ctx.collect(("ssh-banner", target.address, target.service.port), read)
