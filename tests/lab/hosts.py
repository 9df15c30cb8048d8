"""The lab's hosts and their services: what runs where, and the posture each service shows.

The integration tests (and anyone demonstrating the scanner) need real targets: a deliberately
**weak** host, a **hardened** host that gets the same services right, an **ot** host speaking
Modbus/TCP, two **ot-plant** hosts speaking S7comm, IEC 104, DNP3, BACnet/IP, EtherNet/IP and
OPC UA (``tests/lab/ot.py``), a **tls** host with one TLS weakness per port, and four **on-site**
hosts (weak, hardened, and two derived from hardened: ``MaxSessions 1``, and su without sudo) to
audit over SSH. ``status`` prints this table; tests take addresses and ports from it.

Each host is its own loopback address: 127.x.y.z is routed to ``lo`` without any setup, and every
daemon binds that address only, never a wildcard (check with ``ss -ltnup``). This machine may run
listeners of its own on 0.0.0.0 that answer on every 127.x address too: tests assert on the ports
the lab started, and the scanner's unexpected-service check sees those listeners (declare or
exclude them in a test inventory).

Scanning these hosts is quick: ``nmap -sS`` of all 65,535 TCP ports plus UDP 161 on seven hosts
takes about 3 s, the top 1,000 ports well under 1 s; ``nmap -sV`` spends minutes on telnet and
Modbus (no quick probe matches them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

WEAK_ADDR: Final = "127.0.10.1"
HARDENED_ADDR: Final = "127.0.10.2"
OT_ADDR: Final = "127.0.10.3"
OT_PLANT_ADDR: Final = "127.0.10.30"
OT_PLANT2_ADDR: Final = "127.0.10.31"
TLS_ADDR: Final = "127.0.10.4"
ONSITE_WEAK_ADDR: Final = "127.0.10.5"
ONSITE_HARDENED_ADDR: Final = "127.0.10.6"
ONSITE_MAXSESS1_ADDR: Final = "127.0.10.7"
ONSITE_SU_ADDR: Final = "127.0.10.8"
CREDS_WEAK_ADDR: Final = "127.0.10.20"
CREDS_HARDENED_ADDR: Final = "127.0.10.21"


@dataclass(frozen=True)
class Service:
    """One network service of a lab host."""

    name: str
    port: int
    protocol: Literal["tcp", "udp"]
    daemon: str
    posture: str


@dataclass(frozen=True)
class Host:
    """One lab host: a loopback address and the services bound to it."""

    name: str
    address: str
    role: str
    services: tuple[Service, ...]

    def service(self, name: str) -> Service:
        """Return the service called ``name`` (KeyError if the host has none)."""
        for svc in self.services:
            if svc.name == name:
                return svc
        raise KeyError(f"{self.name} has no service {name!r}")

    @property
    def tcp_ports(self) -> tuple[int, ...]:
        return tuple(s.port for s in self.services if s.protocol == "tcp")

    @property
    def udp_ports(self) -> tuple[int, ...]:
        return tuple(s.port for s in self.services if s.protocol == "udp")


#: A listener the weak host runs besides sshd, undeclared (host.unexpected-listening-service):
#: a stdlib TCP server inside the host's namespace, as nobody, that sends one line and closes.
ONSITE_EXTRA_PORT: Final = 9099

LAB_HOSTS: Final[Mapping[str, Host]] = MappingProxyType(
    {
        "weak": Host(
            name="weak",
            address=WEAK_ADDR,
            role="every service configured badly",
            services=(
                Service("ftp", 21, "tcp", "vsftpd-weak", "anonymous login allowed, no TLS"),
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-weak",
                    "password and root login; RSA-1024 and DSA host keys; "
                    "group1/group14-sha1 kex, CBC/3DES ciphers, SHA1/MD5 MACs",
                ),
                Service("telnet", 23, "tcp", "inetd", "cleartext telnet (inetutils telnetd)"),
                Service(
                    "http",
                    80,
                    "tcp",
                    "nginx",
                    "no redirect to HTTPS; Server header with version; /files/ listing",
                ),
                Service(
                    "https",
                    443,
                    "tcp",
                    "nginx",
                    "self-signed certificate; TLS 1.0-1.3 at SECLEVEL=0; no HSTS "
                    "or security headers; Server header with version",
                ),
                Service("snmp", 161, "udp", "snmpd-weak", "communities public (ro), private (rw)"),
                Service("mqtt", 1883, "tcp", "mosquitto-weak", "anonymous clients allowed"),
                Service("redis", 6379, "tcp", "redis-weak", "protected-mode no, no password"),
                Service("redis", 6380, "tcp", "redis-weak-6380", "requirepass foobared (default)"),
                Service(
                    "postgresql",
                    5432,
                    "tcp",
                    "postgres-weak",
                    "listens on the host's address; ssl off; password (SCRAM) from any address",
                ),
                Service("vnc", 5900, "tcp", "xvnc-weak", "TigerVNC Xvnc, security type None"),
                Service(
                    "microsoft-ds",
                    445,
                    "tcp",
                    "smbd-weak",
                    "Samba, guest access to a read-only share, signing not required",
                ),
            ),
        ),
        "hardened": Host(
            name="hardened",
            address=HARDENED_ADDR,
            role="the same services configured well",
            services=(
                Service("ftp", 21, "tcp", "vsftpd-hardened", "no anonymous; TLS required"),
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-hardened",
                    "public key only, no root login, ed25519 host key, modern algorithms",
                ),
                Service("http", 80, "tcp", "nginx", "301 to https://127.0.10.2/, no version"),
                Service(
                    "https",
                    443,
                    "tcp",
                    "nginx",
                    "lab-CA certificate (SAN IP:127.0.10.2); TLS 1.2/1.3; HSTS, "
                    "X-Content-Type-Options, X-Frame-Options, CSP",
                ),
                Service("snmp", 161, "udp", "snmpd-hardened", "one random ro community"),
                Service("mqtt", 1883, "tcp", "mosquitto-hardened", "password file, no anonymous"),
                Service("redis", 6379, "tcp", "redis-hardened", "requirepass (random)"),
            ),
        ),
        "ot": Host(
            name="ot",
            address=OT_ADDR,
            role="industrial controller",
            services=(
                Service(
                    "modbus",
                    502,
                    "tcp",
                    "modbus",
                    "Modbus/TCP (pymodbus): holding registers and device identification, "
                    "no authentication (as the protocol)",
                ),
            ),
        ),
        "ot-plant": Host(
            name="ot-plant",
            address=OT_PLANT_ADDR,
            role="a plant's controllers: six industrial protocols, no authentication",
            services=(
                Service("s7", 102, "tcp", "ot-s7", "S7comm (python-snap7): SZL identification"),
                Service("iec104", 2404, "tcp", "ot-iec104", "IEC 104 (c104): station 47"),
                Service("dnp3", 20000, "tcp", "ot-dnp3", "DNP3 outstation 10 (dnp3py)"),
                Service("bacnet", 47808, "udp", "ot-bacnet", "BACnet/IP device 1234 (bacpypes3)"),
                Service("enip", 44818, "tcp", "ot-enip", "EtherNet/IP (cpppo): List Identity"),
                Service("opcua", 4840, "tcp", "ot-opcua", "OPC UA (asyncua): mode None, anonymous"),
            ),
        ),
        "ot-plant-2": Host(
            name="ot-plant-2",
            address=OT_PLANT2_ADDR,
            role="S7comm on a non-standard port; OPC UA accepting user names only",
            services=(
                Service("s7", 10102, "tcp", "ot-s7-moved", "S7comm (python-snap7) moved"),
                Service(
                    "opcua",
                    4840,
                    "tcp",
                    "ot-opcua-users",
                    "OPC UA (asyncua): mode None, user name tokens only (no anonymous)",
                ),
            ),
        ),
        "tls": Host(
            name="tls",
            address=TLS_ADDR,
            role="one TLS weakness per port (its own nginx, certificates from the lab CA)",
            services=(
                Service("https", 443, "tcp", "nginx-tls", "expired certificate (2020-2021)"),
                Service("https", 8443, "tcp", "nginx-tls", "not yet valid certificate (2040-2041)"),
                Service(
                    "https",
                    9443,
                    "tcp",
                    "nginx-tls",
                    "RSA-1024 key, SHA-1 signature; TLS 1.0-1.2 at SECLEVEL=0 with CBC, "
                    "anonymous and NULL cipher suites",
                ),
                Service(
                    "https", 10443, "tcp", "nginx-tls", "certificate for www.other.invalid only"
                ),
                Service("https", 11443, "tcp", "nginx-tls", "certificate expiring in 7-10 days"),
            ),
        ),
        "onsite-weak": Host(
            name="onsite-weak",
            address=ONSITE_WEAK_ADDR,
            role="on-site audit target configured badly (own /etc, /home, /root in a mount"
            " namespace; hostname onsite-weak)",
            services=(
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-onsite-weak",
                    "key login for the lab audit user; root login, password auth, empty "
                    "passwords, MaxAuthTries 10, X11 forwarding; host: extra UID 0 (toor), "
                    "empty password (guest), PASS_MAX_DAYS 99999, world-writable file in /etc, "
                    "logs kept 4 weeks, no auditd, volatile journal and no syslog config, no "
                    "pwquality (PAM or pwquality.conf), no time sync enabled, SUID "
                    "/usr/local/sbin/lab-suid, no firewall "
                    "configured, one pending security update (netbase, lab apt lists), an "
                    "undeclared listener on 9099/tcp",
                ),
                Service(
                    "unknown",
                    ONSITE_EXTRA_PORT,
                    "tcp",
                    "listener-onsite-weak",
                    "a service the asset does not declare (python3 inside the host's namespace,"
                    " sends one line)",
                ),
            ),
        ),
        "onsite-hardened": Host(
            name="onsite-hardened",
            address=ONSITE_HARDENED_ADDR,
            role="on-site audit target configured well (own /etc, /home, /root in a mount"
            " namespace; hostname onsite-hardened)",
            services=(
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-onsite-hardened",
                    "key login for the lab audit user; no root login, public key only, "
                    "MaxAuthTries 3; host: PASS_MAX_DAYS 90, pam_pwquality with minlen 12 and 3 "
                    "classes, systemd-timesyncd enabled (NTP=127.0.0.1, never run), logs kept "
                    "26 weeks, auditd config, persistent journal, nftables default-drop input "
                    "enabled at boot (never loaded), no pending security update (lab apt lists); "
                    "MaxSessions 2, sudo asking the audit user's password",
                ),
            ),
        ),
        "onsite-maxsess1": Host(
            name="onsite-maxsess1",
            address=ONSITE_MAXSESS1_ADDR,
            role="on-site audit target derived from onsite-hardened (its files, own identity;"
            " hostname onsite-maxsess1)",
            services=(
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-onsite-maxsess1",
                    "onsite-hardened's configuration with MaxSessions 1 (one channel at a time)"
                    " and sudo asking the audit user's password",
                ),
            ),
        ),
        "onsite-su": Host(
            name="onsite-su",
            address=ONSITE_SU_ADDR,
            role="on-site audit target derived from onsite-hardened, without sudo for the "
            "audit user (hostname onsite-su)",
            services=(
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-onsite-su",
                    "onsite-hardened's configuration with MaxSessions 2, no sudo rule for the "
                    "audit user: root through su with root's password (pam_wheel, group sugroup)",
                ),
            ),
        ),
        "creds-weak": Host(
            name="creds-weak",
            address=CREDS_WEAK_ADDR,
            role="one weak account per service, for the credential checks (own /etc in a mount"
            " namespace for sshd and vsftpd; see tests/lab/creds.py)",
            services=(
                Service(
                    "ftp", 21, "tcp", "vsftpd-creds-weak", "local user 'user', password changeme"
                ),
                Service("ssh", 22, "tcp", "sshd-creds-weak", "account 'pi', password raspberry"),
                Service("telnet", 23, "tcp", "inetd-creds-weak", "supervisor / zyad1234"),
                Service("http", 80, "tcp", "nginx-creds", "basic auth admin / changeme"),
                Service("snmp", 161, "udp", "snmpd-creds-weak", "community manager (ro)"),
                Service("mqtt", 1883, "tcp", "mosquitto-creds-weak", "admin / changeme"),
                Service("mysql", 3306, "tcp", "mariadb-creds-weak", "MariaDB, admin / changeme"),
                Service("postgresql", 5432, "tcp", "postgres-creds-weak", "postgres / changeme"),
            ),
        ),
        "creds-hardened": Host(
            name="creds-hardened",
            address=CREDS_HARDENED_ADDR,
            role="the same accounts with long random passwords (STATE/secrets/creds-hardened.*)",
            services=(
                Service("ftp", 21, "tcp", "vsftpd-creds-hardened", "local user, random password"),
                Service("ssh", 22, "tcp", "sshd-creds-hardened", "password logins, random"),
                Service("telnet", 23, "tcp", "inetd-creds-hardened", "/bin/login, random"),
                Service("http", 80, "tcp", "nginx-creds", "basic auth, random password"),
                Service("snmp", 161, "udp", "snmpd-creds-hardened", "one random community"),
                Service("mqtt", 1883, "tcp", "mosquitto-creds-hardened", "random password"),
                Service("mysql", 3306, "tcp", "mariadb-creds-hardened", "MariaDB, random"),
                Service("postgresql", 5432, "tcp", "postgres-creds-hardened", "random password"),
            ),
        ),
    }
)


def endpoints() -> list[tuple[Host, Service]]:
    """Every (host, service) pair of the lab, in table order."""
    return [(h, s) for h in LAB_HOSTS.values() for s in h.services]
