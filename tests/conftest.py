"""Shared fixtures: the real test lab, and helpers to run one check or one whole inventory.

The lab is started once per session (or reused when already running) and stopped at the end only
if this session started it. Under CI (CI=true) a lab that cannot start fails the tests: a lab test
may never be skipped there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab import lab
from tests.pg import Postgres, postgres_or_skip

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def lab_state() -> Iterator[lab.LabState]:
    """The running lab; starts it if needed. Its on-site passwords (STATE/secrets/onsite.env:
    the sudo and su passwords the inventories' credentials name) are exported for the session,
    as ``make demo`` does."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the lab needs root, and under CI lab tests may not be skipped")
        pytest.skip("the lab needs root (run the suite as root, as `make test` does)")
    state = lab.start(python=sys.executable)
    os.environ.update(lab.onsite_env(state.state_dir))
    yield state
    if not state.already_running:
        lab.stop()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite store for one test."""
    return f"sqlite:///{tmp_path / 'scanner.db'}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL for the session (tests/pg.py), stopped at the end."""
    with postgres_or_skip() as server:
        yield server
