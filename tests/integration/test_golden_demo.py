"""Nothing changes for users: the demo inventory's full profile against the lab gives the same
fingerprints, severities and attempt statuses as the golden list recorded before issue 12's
architecture move (``python -m tests.integration.golden_demo record`` rewrites it, on purpose
only)."""

from __future__ import annotations

import json

import pytest

from tests.integration.golden_demo import GOLDEN, observe
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_demo_run_matches_the_golden_list(lab_state: lab.LabState, db_url: str) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    observed = observe(db_url)
    assert observed["status"] == golden["status"]
    assert observed["findings"] == golden["findings"]
    assert observed["attempts"] == golden["attempts"]
