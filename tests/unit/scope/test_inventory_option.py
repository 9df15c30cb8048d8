"""``scope.resolve_anywhere``: the one explicit way to let an allowed name resolve out of ranges."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from scanner.inventory.schema import Scope


def test_resolve_anywhere_names_exact_allowed_names() -> None:
    scope = Scope(allow=["127.0.10.0/24", "*.portal.lab"], resolve_anywhere=["www.portal.lab"])
    assert scope.resolve_anywhere == ["www.portal.lab"]
    assert Scope(allow=["127.0.10.0/24"]).resolve_anywhere == []


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["other.lab"], "not an allowed name"),
        (["*.portal.lab"], "not one exact host name"),
        (["127.0.10.1"], "not one exact host name"),
        (["bad name"], "not one exact host name"),
    ],
)
def test_resolve_anywhere_refuses_what_is_not_an_allowed_name(names: list[str], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Scope(allow=["127.0.10.0/24", "*.portal.lab"], resolve_anywhere=names)
