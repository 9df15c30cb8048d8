"""checks/host/_sshd.py: the SSH server's effective configuration, from ``sshd -T`` or, when it
cannot run, from sshd_config and its sshd_config.d drop-ins (Include followed in place, first
occurrence wins, Match blocks left out)."""

from __future__ import annotations

import pytest

from checks.host._sshd import FILES, SshdConfig, sshd_config
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, Replay, command_result, onsite_target
from tests.checks.host.test__mlps_recorded import cat_output

EFFECTIVE = "port 22\npermitrootlogin yes\nPasswordAuthentication YES\nmaxauthtries 10\n"
CONFIG = (
    "# PermitRootLogin yes\nPermitRootLogin no\nPermitRootLogin yes\n"
    "X11Forwarding yes\nMatch User backup\n  PasswordAuthentication yes\n"
)


def read(
    effective: str,
    config: str | None,
    *,
    sshd_t: int = 0,
    drop_ins: dict[str, str] | None = None,
    unreadable: tuple[str, ...] = (),
) -> tuple[Replay, SshdConfig]:
    files = {"/etc/ssh/sshd_config": config} if config is not None else {}
    ctx = Replay(
        {
            "sshd -T": command_result(effective, status=sshd_t),
            FILES: command_result(cat_output({**files, **(drop_ins or {})}, "", unreadable)),
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
    assert [c for c, _ in ctx.asked] == ["sshd -T", FILES]
    assert config.source == "/etc/ssh/sshd_config"
    assert config.values == {"permitrootlogin": "no", "x11forwarding": "yes"}


#: Red Hat 9's layout: sshd_config includes the drop-ins first; the installer's drop-in allows
#: root, 50-redhat.conf turns X11 forwarding on, and a drop-in's Match block ends at its file.
RHEL_MAIN = "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nX11Forwarding no\n"
RHEL_DROP_INS = {
    "/etc/ssh/sshd_config.d/01-permitrootlogin.conf": "PermitRootLogin yes\n",
    "/etc/ssh/sshd_config.d/50-redhat.conf": (
        "Include /etc/crypto-policies/back-ends/opensshserver.config\nX11Forwarding\tyes\n"
        "Match Group sftp\n  PasswordAuthentication yes\n"
    ),
}


def test_drop_ins_read_where_sshd_config_includes_them() -> None:
    _, config = read("", RHEL_MAIN, sshd_t=1, drop_ins=RHEL_DROP_INS)
    assert config.values == {"permitrootlogin": "yes", "x11forwarding": "yes"}
    assert config.source == (
        "/etc/ssh/sshd_config (with /etc/ssh/sshd_config.d/01-permitrootlogin.conf, "
        "/etc/ssh/sshd_config.d/50-redhat.conf)"
    )


def test_drop_ins_not_included_do_not_count() -> None:
    _, config = read("", "PermitRootLogin=no\n", sshd_t=1, drop_ins=RHEL_DROP_INS)
    assert config.values == {"permitrootlogin": "no"}
    assert config.source == "/etc/ssh/sshd_config"


def test_neither_readable_is_inconclusive() -> None:
    with pytest.raises(Inconclusive, match="neither"):
        read("", None, sshd_t=1)
    with pytest.raises(Inconclusive, match="root or sudo needed"):
        read("", None, sshd_t=1, unreadable=("/etc/ssh/sshd_config",))


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_configuration(text: str) -> None:
    ctx = Replay({"sshd -T": command_result(text + "\npermitrootlogin no\n")})
    config = sshd_config(onsite_target(), ctx.ctx)
    assert config.get("permitrootlogin", "?") == "no"
