"""checks/host/_sshd.py: the SSH server's effective configuration, from ``sshd -T`` or, when it
cannot run, from sshd_config (first occurrence wins, Match blocks left out)."""

from __future__ import annotations

import pytest

from checks.host._sshd import SshdConfig, sshd_config
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, Replay, command_result, onsite_target

EFFECTIVE = "port 22\npermitrootlogin yes\nPasswordAuthentication YES\nmaxauthtries 10\n"
CONFIG = (
    "# PermitRootLogin yes\nPermitRootLogin no\nPermitRootLogin yes\n"
    "X11Forwarding yes\nMatch User backup\n  PasswordAuthentication yes\n"
)


def read(
    effective: str, config: str, *, sshd_t: int = 0, cat: int = 0
) -> tuple[Replay, SshdConfig]:
    ctx = Replay(
        {
            "sshd -T": command_result(effective, status=sshd_t),
            "cat /etc/ssh/sshd_config": command_result(config, status=cat),
        }
    )
    return ctx, sshd_config(onsite_target(), ctx.ctx)


def test_effective_configuration_first() -> None:
    ctx, config = read(EFFECTIVE, CONFIG)
    assert ctx.asked == [("sshd -T", True)]
    assert config.source == "sshd -T"
    assert config.get("PermitRootLogin", "no") == "yes"
    assert config.get("passwordauthentication", "no") == "yes"
    assert config.get("x11forwarding", "no") == "no"


def test_sshd_config_when_sshd_t_fails() -> None:
    ctx, config = read("", CONFIG, sshd_t=1)
    assert [c for c, _ in ctx.asked] == ["sshd -T", "cat /etc/ssh/sshd_config"]
    assert config.source == "/etc/ssh/sshd_config"
    assert config.values == {"permitrootlogin": "no", "x11forwarding": "yes"}


def test_neither_readable_is_inconclusive() -> None:
    with pytest.raises(Inconclusive, match="neither"):
        read("", "", sshd_t=1, cat=1)


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_configuration(text: str) -> None:
    ctx = Replay({"sshd -T": command_result(text + "\npermitrootlogin no\n")})
    config = sshd_config(onsite_target(), ctx.ctx)
    assert config.get("permitrootlogin", "?") == "no"
