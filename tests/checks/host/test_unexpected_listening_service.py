"""host.unexpected-listening-service on the on-site lab hosts (each declaring 22/tcp).

The lab hosts share this machine's network namespace, so the sockets they list are the
machine's: the weak host's extra listener (127.0.10.5:9099) is the lab's, but both hosts also
see the machine's own wildcard listeners (e.g. 0.0.0.0:2024), which the lab does not make
(every lab daemon binds one 127.0.10.x address), so those are filtered here.
"""

from __future__ import annotations

import pytest

from scanner.store.attempts import FindingRow
from tests.checks.host.lab_onsite import Audit, detail

pytestmark = pytest.mark.lab

ID = "host.unexpected-listening-service"
WILDCARD = {"0.0.0.0", "::", "*"}


def lab_made(found: dict[str, FindingRow]) -> dict[str, FindingRow]:
    """The findings that are not about the machine's own wildcard listeners."""
    return {loc: f for loc, f in found.items() if not set(detail(f)["addresses"]) & WILDCARD}


def test_weak_host_extra_listener(onsite_audit: Audit) -> None:
    found = lab_made(onsite_audit.found(ID, "weak"))
    assert {(loc, f.severity) for loc, f in found.items()} == {("9099/tcp", "low")}
    assert found["9099/tcp"].evidence == (
        "9099/tcp is listening on 127.0.10.5 (process python3) but the asset declares only 22/tcp"
    )
    assert detail(found["9099/tcp"]) == {"addresses": ["127.0.10.5"], "processes": ["python3"]}
    assert onsite_audit.attempt(ID, "weak").status == "fail"


def test_hardened_host_has_no_lab_made_listener(onsite_audit: Audit) -> None:
    assert lab_made(onsite_audit.found(ID, "hardened")) == {}
    # pass, or fail only for the machine's own wildcard listeners (filtered above)
    assert onsite_audit.attempt(ID, "hardened").status in ("pass", "fail")
