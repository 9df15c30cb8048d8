"""Fixtures of the host check tests: one audit of both on-site lab hosts per session, shared by
every test_<check>.py (each asserts its own check's findings and attempts)."""

from __future__ import annotations

import time

import pytest

from tests.checks.host.lab_onsite import Audit, audit
from tests.lab import lab


@pytest.fixture(scope="session")
def onsite_audit(lab_state: lab.LabState, tmp_path_factory: pytest.TempPathFactory) -> Audit:
    """Every on-site check over both hosts, each declaring ``22/tcp`` as its one service."""
    current = lab.load_state(lab_state.state_dir) or lab_state  # the lab's tests restart it
    # the weak host's extra listener is not among the endpoints the lab waits for
    deadline = time.monotonic() + 5
    while not lab.tcp_accepts(lab.ONSITE_WEAK_ADDR, lab.ONSITE_EXTRA_PORT):
        assert time.monotonic() < deadline, "the weak host's extra listener is not up"
        time.sleep(0.1)
    return audit(current, tmp_path_factory.mktemp("onsite"), expected_services=["22/tcp"])
