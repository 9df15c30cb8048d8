"""Fixtures of the web application's tests: a seeded store, served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.store import Store
from tests.web.site import Served, seed, serving


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The application over a seeded SQLite store (one per test module)."""
    folder: Path = tmp_path_factory.mktemp("web")
    store = Store.open(f"sqlite:///{folder / 'scanner.db'}")
    ids = seed(store)
    with serving(store) as url:
        yield Served(url, store, ids)
    store.close()
