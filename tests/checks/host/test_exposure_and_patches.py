"""host.firewall-inactive, host.pending-security-updates and host.unexpected-listening-service
over the real on-site lab hosts, plus their parsers on garbage and truncated output.

The lab hosts share this machine's network namespace: the live firewall ruleset and the
listening sockets they show are the machine's. The firewall check decides on the hosts' own
boot-time configuration (their /etc copies), so its outcome is the lab's; the listening-socket
check sees the machine's own wildcard listeners on both hosts (e.g. 0.0.0.0:2024), which the
lab does not make (every lab daemon binds one 127.0.10.x address), so those are filtered here.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from checks.host.firewall_inactive import (
    enabled_units,
    input_filter_chains,
    iptables_input_filtering,
)
from checks.host.pending_security_updates import apt_updates, newest_list, rpm_advisories
from checks.host.unexpected_listening_service import (
    Socket,
    parse_proc,
    parse_ss,
    reachable,
)
from scanner.api import Inconclusive
from scanner.app.runs import execute_run
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.checks.host.test_ssh_root_login import onsite_inventory
from tests.helpers import write
from tests.lab import lab

CHECKS = (
    "host.firewall-inactive",
    "host.pending-security-updates",
    "host.unexpected-listening-service",
)
WILDCARD = ("0.0.0.0", "::", "*")


def _run(state: lab.LabState, tmp: Path, settings: str = "") -> tuple[list[Any], list[Any]]:
    """One run of the three checks over both on-site hosts (each declares 22/tcp)."""
    text = onsite_inventory(state, tmp, known_hosts=state.known_hosts).read_text()
    text = text.replace(
        "credentials: audit\n", "credentials: audit\n        expected_services: [22/tcp]\n"
    ).replace("    modes: [onsite]", f"    checks: [{', '.join(CHECKS)}]\n    ports: '22'")
    inv = load_inventory(write(tmp / "inv.yaml", text + settings))
    store = Store.open(f"sqlite:///{tmp / 'scanner.db'}")
    result = execute_run(inv, "remote", store)
    return store.attempts.findings(result.run_id), store.attempts.of_run(result.run_id)


def _detail(finding: dict[str, Any]) -> dict[str, Any]:
    detail = finding.detail
    return json.loads(detail) if isinstance(detail, str) else dict(detail or {})


@pytest.fixture(scope="module")
def lab_run(
    lab_state: lab.LabState, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Any], list[Any]]:
    # the weak host's extra listener is not among LAB_HOSTS' endpoints the lab waits for
    deadline = time.monotonic() + 5
    while not lab.tcp_accepts(lab.ONSITE_WEAK_ADDR, lab.ONSITE_EXTRA_PORT):
        assert time.monotonic() < deadline, "the weak host's extra listener is not up"
        time.sleep(0.1)
    return _run(lab_state, tmp_path_factory.mktemp("exposure"))


def _lab_made(finding: dict[str, Any]) -> bool:
    """False for a listening-socket finding about the machine's own wildcard listeners."""
    if finding.check_id != "host.unexpected-listening-service":
        return True
    return not set(_detail(finding)["addresses"]) & set(WILDCARD)


@pytest.mark.lab
def test_weak_host_findings(lab_run: tuple[list[Any], list[Any]]) -> None:
    findings, _ = lab_run
    got = {(f.check_id, f.location, f.severity): f.evidence for f in findings
           if f.asset_id == "weak" and f.check_id in CHECKS and _lab_made(f)}  # fmt: skip
    version = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", lab.ONSITE_APT_PACKAGE],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert set(got) == {
        ("host.firewall-inactive", "firewall", "medium"),
        ("host.pending-security-updates", "security updates", "high"),
        ("host.unexpected-listening-service", "9099/tcp", "low"),
    }
    assert got[("host.firewall-inactive", "firewall", "medium")].startswith(
        "no firewall is enabled at boot: /etc/nftables.conf absent; ufw not enabled "
        "(/etc/ufw/ufw.conf absent); firewalld.service not enabled; live ruleset: nft: "
    )  # the live part is this machine's (often: nft not installed) and is not asserted
    assert re.fullmatch(
        re.escape(
            f"apt-get -s upgrade: 1 pending security update: netbase {version} -> "
            f"{version}+lab1 (Debian-Security:12/bookworm-security); package lists last updated "
        )
        + r"\d+\.\d (hours|days) ago",  # since the lab started
        got[("host.pending-security-updates", "security updates", "high")],
    )
    assert got[("host.unexpected-listening-service", "9099/tcp", "low")] == (
        "9099/tcp is listening on 127.0.10.5 (process python3) but the asset declares only 22/tcp"
    )


@pytest.mark.lab
def test_hardened_host_clean_and_no_errors(lab_run: tuple[list[Any], list[Any]]) -> None:
    findings, attempts = lab_run
    assert [f for f in findings if f.asset_id == "hardened" and f.check_id in CHECKS
            and _lab_made(f)] == []  # fmt: skip
    statuses = {(a.asset_id, a.check_id): a.status for a in attempts
                if a.check_id in CHECKS}  # fmt: skip
    assert statuses[("hardened", "host.firewall-inactive")] == "pass"
    assert statuses[("hardened", "host.pending-security-updates")] == "pass"
    # pass, or fail only for the machine's own wildcard listeners (filtered above)
    assert statuses[("hardened", "host.unexpected-listening-service")] in ("pass", "fail")
    assert [a for a in attempts if a.check_id in CHECKS and a.status == "error"] == []


@pytest.mark.lab
def test_old_package_lists_cannot_tell(lab_state: lab.LabState, tmp_path: Path) -> None:
    # The lab writes fresh lists at start; a limit of 0 days makes them "too old" once a
    # second has passed since (the age is measured with whole seconds of the host's clock).
    lists = lab_state.state_dir / "hosts" / "onsite-hardened" / "apt-lists"
    newest = max(p.stat().st_mtime for p in lists.iterdir() if p.is_file())
    time.sleep(max(0.0, min(2.0, newest + 1.5 - time.time())))
    settings = "checks:\n  settings:\n    host.pending-security-updates:\n"
    settings += "      max_list_age_days: 0\n"
    _, attempts = _run(lab_state, tmp_path, settings)
    by_asset = {a.asset_id: a for a in attempts
                if a.check_id == "host.pending-security-updates"}  # fmt: skip
    assert by_asset["hardened"].status == "error"
    assert re.fullmatch(
        r"Inconclusive: apt sees no pending security update but cannot tell: package lists "
        r"last updated \d+\.\d (hours|days) ago \(older than the 0 days allowed\)",
        by_asset["hardened"].reason,
    )
    # updates found in old lists are still pending updates
    assert by_asset["weak"].status == "fail"


# --- parsers ----------------------------------------------------------------------------


HARDENED_CONF = """#!/usr/sbin/nft -f
table inet filter {
    chain input {
        type filter hook input priority filter; policy drop;
        tcp dport { 22, 443 } accept  # a set: braces inside the chain
    }
    chain output { type filter hook output priority filter; policy accept; }
}
"""


def test_nftables_input_chains() -> None:
    assert input_filter_chains(HARDENED_CONF) == ["filter/input"]
    stock = "table inet filter {\n chain input {\n  type filter hook input priority 0;\n }\n}\n"
    assert input_filter_chains(stock) == []  # Debian's stock file: accepts everything
    rule = "table ip t { chain c { type filter hook input priority 0; ct state invalid drop } }"
    assert input_filter_chains(rule) == ["t/c"]
    commented = "table ip t { chain c { type filter hook input priority 0; # policy drop\n} }"
    assert input_filter_chains(commented) == []
    out = "table ip t { chain o { type filter hook output priority 0; policy drop; } }"
    assert input_filter_chains(out) == []
    # truncated mid-chain: what was read still counts; garbage finds nothing
    assert input_filter_chains(HARDENED_CONF[:120]) == ["filter/input"]
    assert input_filter_chains("\x00\xff{{{ chain") == []


def test_iptables_save() -> None:
    policy = "# Generated\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n"
    assert iptables_input_filtering(policy) is True
    rule = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 23 -j REJECT\nCOMMIT\n"
    assert iptables_input_filtering(rule) is True
    nat = "*nat\n:INPUT DROP [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"
    assert iptables_input_filtering(nat) is False
    assert iptables_input_filtering("") is False  # no tables at all
    assert iptables_input_filtering("<html>not iptables</html>\n") is None
    assert iptables_input_filtering("*filter\n:INPUT DROP [0:0]\ngarbage here\n") is None


def test_enabled_units() -> None:
    listing = (
        "/etc/systemd/system/multi-user.target.wants\n"
        "/etc/systemd/system/multi-user.target.wants/ufw.service\n"
        "/etc/systemd/system/sysinit.target.wants/nftables.service\n"
    )
    assert enabled_units(listing) == {"ufw.service", "nftables.service"}


APT_WEAK = """NOTE: This is only a simulation!
Reading package lists...
The following packages will be upgraded:
  curl netbase
2 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.
Inst netbase [6.4] (6.4+lab1 Debian-Security:12/bookworm-security [all])
Inst curl [7.88.1-10] (7.88.1-10+deb12u5 Debian:12.6/stable [amd64])
Conf netbase (6.4+lab1 Debian-Security:12/bookworm-security [all])
Conf curl (7.88.1-10+deb12u5 Debian:12.6/stable [amd64])
"""


def test_apt_simulation() -> None:
    updates = apt_updates(APT_WEAK)
    assert [(u.package, u.installed, u.candidate, u.security) for u in updates] == [
        ("netbase", "6.4", "6.4+lab1", True),
        ("curl", "7.88.1-10", "7.88.1-10+deb12u5", False),
    ]
    ubuntu = "1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
    ubuntu += "Inst libssl3 [3.0.2-0ubuntu1.10] (3.0.2-0ubuntu1.12 Ubuntu:22.04/jammy-security, "
    ubuntu += "Ubuntu:22.04/jammy-updates [amd64]) []\n"
    [update] = apt_updates(ubuntu)
    assert update.security and update.candidate == "3.0.2-0ubuntu1.12"
    none = (
        "Calculating upgrade...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
    )
    assert apt_updates(none) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no summary line"),
        ("\x00garbage\xff", "no summary line"),
        (APT_WEAK[: APT_WEAK.index("Inst curl")], "announced 2 installs but listed 1"),  # cut
        (APT_WEAK.replace("Inst curl [7.88.1-10] (", "Inst curl ["), "unreadable line"),
    ],
)
def test_apt_garbage_is_inconclusive(text: str, reason: str) -> None:
    with pytest.raises(Inconclusive, match=reason):
        apt_updates(text)


def test_list_ages_and_rpm_advisories() -> None:
    listing = "1700000000.5 lock\n1690000000.25 x_Release\n1695000000.0 x_Packages\njunk\n"
    assert newest_list(listing) == 1695000000.0  # lock is not a list
    assert newest_list("") is None and newest_list("lock only\n") is None
    dnf = "FEDORA-2024-1a2b Important/Sec. openssl-3.1.1-4.fc39.x86_64\n"
    assert rpm_advisories(dnf) == [dnf.strip()]
    assert rpm_advisories("") == []
    with pytest.raises(Inconclusive, match="unreadable line"):
        rpm_advisories("Error: something went wrong here today\n")


SS = """tcp   LISTEN 0      128        0.0.0.0:2024       0.0.0.0:*
tcp   LISTEN 0      128     127.0.10.5:9099       0.0.0.0:*    users:(("python3",pid=12,fd=3))
udp   UNCONN 0      0    127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=9,fd=13))
tcp   LISTEN 0      128           [::]:22            [::]:*    users:(("sshd",pid=5,fd=4),("sshd",pid=6,fd=4))
"""  # noqa: E501 - ss's own line lengths


def test_ss_parsing_and_reachability() -> None:
    sockets = parse_ss(SS)
    assert sockets == [
        Socket("tcp", "0.0.0.0", 2024),
        Socket("tcp", "127.0.10.5", 9099, ("python3",)),
        Socket("udp", "127.0.0.53%lo", 53, ("systemd-resolve",)),
        Socket("tcp", "::", 22, ("sshd",)),
    ]
    own = "127.0.10.5"
    assert [reachable(s.address, own) for s in sockets] == [True, True, False, True]
    assert not reachable("127.0.10.1", own)  # another loopback address: local only
    assert not reachable("::1", own) and not reachable("::ffff:127.0.0.1", own)
    assert reachable("192.0.2.23", own) and reachable("fe80::1%eth0", own)
    with pytest.raises(Inconclusive, match="not an IP address"):
        reachable("localhost", own)


@pytest.mark.parametrize(
    "text",
    [
        "garbage that is not ss\n",
        "tcp LISTEN 0 128 127.0.10.5:http 0.0.0.0:*\n",  # a service name, not -n output
        SS[: SS.index(":9099") + 2] + "\n",  # cut mid-line
    ],
)
def test_ss_garbage_is_inconclusive(text: str) -> None:
    with pytest.raises(Inconclusive):
        parse_ss(text)


def test_proc_net_tables() -> None:
    tcp = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
        "   0: 050A007F:238B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  65534\n"
        "   1: 050A007F:0016 0100007F:C350 01 00000000:00000000 00:00000000 00000000  0\n"
    )
    assert parse_proc(tcp, "tcp") == [Socket("tcp", "127.0.10.5", 9099)]
    tcp6 = (
        "  sl  local_address                         remote_address                        st\n"
        "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000     0\n"
    )
    assert parse_proc(tcp6, "tcp6") == [Socket("tcp", "::", 22)]
    udp = "  sl  local_address\n  12: 00000000:0044 00000000:0000 07 00000000:00000000 0\n"
    assert parse_proc(udp, "udp") == [Socket("udp", "0.0.0.0", 68)]
    with pytest.raises(Inconclusive, match="unreadable line"):
        parse_proc(tcp + "   2: 050A00", "tcp")
