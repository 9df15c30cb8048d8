"""host.stale-account on the on-site lab hosts: the weak host's olduser expired 100 days ago and
has no INACTIVE default; the hardened host has no such account and INACTIVE=30 in
/etc/default/useradd."""

from __future__ import annotations

import re

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.stale-account"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    # olduser expires 100 days before the day the lab wrote the fixture (the lab may have been
    # started days before this test runs)
    found = onsite_audit.failed(ID)
    [stale] = [evidence for loc, _, evidence in found if loc == "account olduser"]
    assert re.fullmatch(
        r"account olduser expired (\d+) days ago \(\d{4}-\d\d-\d\d\) and is still unlocked", stale
    ), stale
    assert found - {("account olduser", "low", stale)} == {
        (
            "useradd INACTIVE",
            "low",
            "/etc/default/useradd: no INACTIVE: accounts whose password expired are never disabled",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
