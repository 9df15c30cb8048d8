"""checks/host/_firewall.py: nftables and iptables-save rulesets, ufw's switch and the live
ruleset summary, on the lab's recorded nftables.conf, hand-written rulesets and garbage."""

from __future__ import annotations

import pytest

from checks.host._firewall import (
    IPT_LIVE,
    NFT_LIVE,
    input_filter_chains,
    iptables_input_filtering,
    live_ruleset,
    ufw_enabled,
)
from tests.checks.host.lab_onsite import (
    HOSTILE,
    Replay,
    command_result,
    onsite_target,
    recorded,
    survives,
)

HARDENED_CONF = """#!/usr/sbin/nft -f
table inet filter {
    chain input {
        type filter hook input priority filter; policy drop;
        tcp dport { 22, 443 } accept  # a set: braces inside the chain
    }
    chain output { type filter hook output priority filter; policy accept; }
}
"""


def test_recorded_nftables_conf() -> None:
    assert input_filter_chains(recorded("hardened", "nftables-conf").text) == ["filter/input"]


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


def test_chain_names_from_the_host_are_cleaned() -> None:
    text = "table ip t\x1b[2J { chain " + "c" * 500 + " { hook input; policy drop; } }"
    [name] = input_filter_chains(text)
    assert len(name) <= 80 and "\x1b" not in name


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_rulesets_filter_nothing(text: str) -> None:
    assert survives(input_filter_chains, text) == []
    assert survives(iptables_input_filtering, text) in (None, False)
    assert survives(ufw_enabled, text) is False


def test_iptables_save() -> None:
    policy = "# Generated\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n"
    assert iptables_input_filtering(policy) is True
    rule = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 23 -j REJECT\nCOMMIT\n"
    assert iptables_input_filtering(rule) is True
    # iptables-services' default /etc/sysconfig/iptables (RHEL 7, CentOS, Kylin): a last rule
    # with no match before its target
    catch_all = (
        "*filter\n:INPUT ACCEPT [0:0]\n"
        "-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n"
    )
    assert iptables_input_filtering(catch_all) is True
    assert iptables_input_filtering("*filter\n-A INPUTX -j DROP\nCOMMIT\n") is False
    nat = "*nat\n:INPUT DROP [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"
    assert iptables_input_filtering(nat) is False
    assert iptables_input_filtering("") is False  # no tables at all
    assert iptables_input_filtering("<html>not iptables</html>\n") is None
    assert iptables_input_filtering("*filter\n:INPUT DROP [0:0]\ngarbage here\n") is None


def test_ufw_switch() -> None:
    assert ufw_enabled("# comment\nENABLED=yes\nLOGLEVEL=low\n")
    assert ufw_enabled('ENABLED = "yes"\n')
    assert not ufw_enabled("ENABLED=no\n") and not ufw_enabled("# ENABLED=yes\n")


def test_live_ruleset_summary() -> None:
    replay = Replay(
        {
            NFT_LIVE: command_result(HARDENED_CONF),
            IPT_LIVE: command_result(
                "", stderr="sudo: iptables-save: command not found\n", status=1
            ),
        }
    )
    live = live_ruleset(onsite_target(), replay.ctx)
    assert replay.asked == [(NFT_LIVE, True), (IPT_LIVE, True)]
    assert live.filtering is True
    assert live.summary == (
        "nft: input filtered by filter/input; "
        "iptables-save: not readable (sudo: iptables-save: command not found)"
    )


def test_live_ruleset_unknown_when_nothing_is_readable() -> None:
    replay = Replay(
        {
            NFT_LIVE: command_result(HARDENED_CONF, truncated=True),
            IPT_LIVE: command_result("<html>\n"),
        }
    )
    live = live_ruleset(onsite_target(), replay.ctx)
    assert live.filtering is None
    assert live.summary == "nft: not readable (exit status 0); iptables-save: output not understood"
