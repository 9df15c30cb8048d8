"""authorization.reference names notice files: anything unsafe in a file name is refused with
a file:line error and a fix (issue 13, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.core.errors import UserError
from scanner.inventory.schema import load_inventory
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL


def _load(tmp_path: Path, reference: str) -> str:
    text = MINIMAL.replace("reference: T-1", f"reference: {reference}")
    return load_inventory(write(tmp_path / "inv.yaml", text)).model.campaign.authorization.reference


@pytest.mark.parametrize(
    ("reference", "what"),
    [
        ("'../../x'", "a path separator"),
        ("'a/b'", "a path separator"),
        ("'a\\b'", "a path separator"),
        ('"x\\e[2J"', "'\\x1b'"),
        ('"x\\x9b31m"', "'\\x9b'"),
        ('"x\\u202eexe"', "'\\u202e'"),
        ("'a..b'", "'..'"),
        ("'.hidden'", "leading or trailing"),
        ("'T-1 '", "leading or trailing"),
        ("'T_1%'", "'%'"),
        ("'a:b'", "':'"),
        ("'a*b'", "'*'"),
        ("'" + "A" * 65 + "'", "longer than 64"),
    ],
)
def test_unsafe_references_are_refused(tmp_path: Path, reference: str, what: str) -> None:
    with pytest.raises(UserError) as info:
        _load(tmp_path, reference)
    message = str(info.value)
    assert "inv.yaml:5: campaign.authorization.reference: " in message
    assert what in message and "Fix: " in message
    assert "\x1b" not in message and "\x9b" not in message and "\u202e" not in message


@pytest.mark.parametrize(
    "reference",
    ["T-1", "DEMO-AUTH-2026-017", "公网安\u30142026\u301517号", "GA (2026) 17", "NR_1.2", "Ä#3+x"],
)
def test_document_numbers_stay_valid(tmp_path: Path, reference: str) -> None:
    assert _load(tmp_path, f"'{reference}'") == reference
