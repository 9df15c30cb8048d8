"""Host-key approval: what must be true before a key is pinned, and revoking pins."""

from __future__ import annotations

from pathlib import Path

import paramiko
import pytest

from scanner.app.hostkeys import list_pins
from scanner.app.pinning import (
    PresentedKey,
    confirm_key,
    pin_presented,
    read_presented_key,
    revoke_pins,
)
from scanner.core.errors import UserError
from scanner.store import Store
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL

PRESENTED = PresentedKey("ent", "box", "box.example", "127.0.10.9", paramiko.RSAKey.generate(1024))


def test_expected_fingerprint_must_match() -> None:
    confirm_key(PRESENTED, PRESENTED.key.fingerprint, None)
    with pytest.raises(UserError, match=r"not pinned: box\.example presents"):
        confirm_key(PRESENTED, "SHA256:" + "x" * 43, None)


def test_without_fingerprint_only_a_yes_on_a_terminal_pins() -> None:
    with pytest.raises(UserError, match="confirm the fingerprint out of band"):
        confirm_key(PRESENTED, None, None)
    asked: list[str] = []

    def declines(question: str) -> bool:
        asked.append(question)
        return False

    with pytest.raises(UserError, match="was not confirmed"):
        confirm_key(PRESENTED, None, declines)
    assert PRESENTED.key.fingerprint in asked[0]
    confirm_key(PRESENTED, None, lambda q: True)


def test_pin_and_revoke(db_url: str) -> None:
    store = Store.open(db_url)
    pin = pin_presented(store, PRESENTED, "chief", "ticket 7")
    assert (pin.host, pin.approved_by) == ("box.example", "chief")
    assert [p.fingerprint for p in list_pins(store)] == [PRESENTED.key.fingerprint]
    with pytest.raises(UserError, match="exactly one"):
        revoke_pins(store, "box.example", fingerprint=None, everything=False)
    assert revoke_pins(store, "box.example", fingerprint=None, everything=True) == 1
    with pytest.raises(UserError, match="no pin matched"):
        revoke_pins(store, "box.example", fingerprint=None, everything=True)


def test_only_onsite_assets_are_read(tmp_path: Path) -> None:
    inv = write(tmp_path / "inv.yaml", MINIMAL)
    with pytest.raises(UserError, match="is not an on-site asset") as info:
        read_presented_key(inv, "web")
    assert "on-site assets: none" in str(info.value)
