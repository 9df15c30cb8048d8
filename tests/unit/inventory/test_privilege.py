"""A credential's privilege (sudo, sudo_password_env, su_password_env, none): the schema, clear
errors for a contradiction or an unset variable, and what ``scanner commands`` says of each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner.app.compile import preflight
from scanner.app.onsite import onsite_audit
from scanner.core.errors import UserError
from scanner.core.models import Privilege
from scanner.engine.compiled import load_registry
from scanner.inventory.schema import load_inventory
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL


def _inventory(tmp_path: Path, privilege: str) -> Path:
    key = write(tmp_path / "key", "not a key\n")
    text = MINIMAL.replace(
        "      - id: web\n        host: 127.0.10.1\n",
        "      - id: db\n        onsite: 127.0.10.7\n        credentials: audit\n",
    ).replace("    modes: [remote]", "    modes: [onsite]")
    text += f"credentials:\n  audit:\n    username: audit\n    key_file: {key}\n{privilege}"
    return write(tmp_path / "inv.yaml", text)


@pytest.mark.parametrize(
    ("lines", "privilege", "how"),
    [
        ("    sudo: true\n", Privilege.SUDO, "`sudo -n -- COMMAND`"),
        ("    sudo_password_env: AUDIT_SUDO\n", Privilege.SUDO_PASSWORD, "$AUDIT_SUDO on stdin"),
        ("    su_password_env: ROOT_PW\n", Privilege.SU, "`su -c 'COMMAND' root`"),
        ("", None, "no privilege: root commands run as the login user"),
    ],
)
def test_each_privilege(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: str, privilege: Privilege, how: str
) -> None:
    monkeypatch.setenv("AUDIT_SUDO", "sudo-secret")
    monkeypatch.setenv("ROOT_PW", "root-secret")
    path = _inventory(tmp_path, lines)
    inv = load_inventory(path)
    assert inv.model.credentials["audit"].privilege == privilege
    preflight(inv, load_registry(inv), profile=None, now=datetime(2026, 11, 29, tzinfo=UTC))
    [login] = onsite_audit(path, None).logins
    assert login.startswith("ent/db: audit@127.0.10.7") and how in login
    assert "sudo-secret" not in login and "root-secret" not in login


def test_su_and_sudo_together_are_refused(tmp_path: Path) -> None:
    path = _inventory(tmp_path, "    sudo: true\n    su_password_env: ROOT_PW\n")
    with pytest.raises(UserError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "inv.yaml:" in message and "su_password_env is for hosts without sudo" in message


@pytest.mark.parametrize("key", ["sudo_password_env", "su_password_env"])
def test_an_unset_variable_is_a_preflight_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.delenv("LAB_UNSET_PW", raising=False)
    inv = load_inventory(_inventory(tmp_path, f"    {key}: LAB_UNSET_PW\n"))
    with pytest.raises(UserError) as info:
        preflight(inv, load_registry(inv), profile=None, now=datetime(2026, 11, 29, tzinfo=UTC))
    message = str(info.value)
    assert f"credentials.audit.{key}" in message and "LAB_UNSET_PW is not set" in message


def test_a_variable_name_is_checked(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="sudo_password_env"):
        load_inventory(_inventory(tmp_path, "    sudo_password_env: not a name\n"))
