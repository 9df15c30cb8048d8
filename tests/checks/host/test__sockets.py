"""checks/host/_sockets.py: listening sockets from ``ss`` and ``/proc/net``, and which of them
others can reach, on the lab hosts' recorded output, hand-written output and garbage."""

from __future__ import annotations

import pytest

from checks.host._sockets import Socket, parse_proc, parse_ss, reachable
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, recorded, survives

SS = """tcp   LISTEN 0      128        0.0.0.0:2024       0.0.0.0:*
tcp   LISTEN 0      128     127.0.10.5:9099       0.0.0.0:*    users:(("python3",pid=12,fd=3))
udp   UNCONN 0      0    127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=9,fd=13))
tcp   LISTEN 0      128           [::]:22            [::]:*    users:(("sshd",pid=5,fd=4),("sshd",pid=6,fd=4))
"""  # noqa: E501 - ss's own line lengths


def test_recorded_ss_and_proc() -> None:
    sockets = parse_ss(recorded("weak", "ss").text)
    assert Socket("tcp", "127.0.10.5", 9099, ("python3",)) in sockets
    assert Socket("tcp", "127.0.10.5", 22, ("sshd",)) in sockets
    assert Socket("tcp", "127.0.10.5", 9099) in parse_proc(recorded("weak", "proc-tcp").text, "tcp")
    assert all(s.protocol == "udp" for s in parse_proc(recorded("weak", "proc-udp6").text, "udp6"))


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


def test_process_names_are_bounded() -> None:
    line = 'tcp LISTEN 0 128 0.0.0.0:1 0.0.0.0:* users:(("' + "p" * 100 + '",pid=1,fd=3))\n'
    assert parse_ss(line) == [Socket("tcp", "0.0.0.0", 1)]  # a name past 64 characters is dropped


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


@pytest.mark.parametrize("text", HOSTILE[1:], ids=range(1, len(HOSTILE)))
def test_hostile_output_is_inconclusive(text: str) -> None:
    if text.strip():
        assert survives(parse_ss, text) is None
        assert survives(lambda t: parse_proc(t, "tcp"), text) is None
    else:  # only blank lines: nothing listed (the check calls that inconclusive itself)
        assert survives(parse_ss, text) == []


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
