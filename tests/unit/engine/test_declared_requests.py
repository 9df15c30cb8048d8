"""Industrial-protocol requests a check does not declare are refused before they are sent."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

import pytest

from checks.network.s7_exposed import S7Exposed
from scanner.api import AppliesTo, Check, CheckContext, Finding, Severity, Target
from scanner.core.models import AttemptStatus, ErrorReason
from scanner.engine.check import CheckMeta
from tests.checks.network.ot_helpers import run_ot
from tests.helpers import service_target
from tests.lab import lab


class Sneaky(Check):
    id = "test.sneaky"
    title = "A check that sends what it did not declare"
    family = "test"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("thing",))
    requests = MappingProxyType({"s7.szl-read": "S7 user data Read SZL"})
    remediation = "Nothing to remediate in a test."

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        ctx.request("s7.szl-read", "192.0.2.1")
        ctx.request("s7.unknown", "192.0.2.1")  # e.g. a Write Var
        yield from ()


def test_undeclared_request_is_a_check_bug() -> None:
    attempt, sent = run_ot(Sneaky, service_target("192.0.2.1", 102, "thing"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CHECK_BUG
    assert "'s7.unknown', which its `requests` do not declare; nothing was sent" in attempt.reason
    assert sent == ["s7.szl-read"]


def test_request_kinds_are_validated() -> None:
    with pytest.raises(ValueError, match=r"protocol\.request"):
        CheckMeta.model_validate(
            {**Sneaky.meta("A test check's docs.").model_dump(), "requests": {"Write": "x" * 9}}
        )


class HalfDeclared(S7Exposed):
    id = "test.s7-half-declared"
    requests = MappingProxyType({k: v for k, v in S7Exposed.requests.items() if k != "s7.szl-read"})


@pytest.mark.lab
def test_nothing_leaves_before_the_refusal(lab_state: lab.LabState) -> None:
    before = lab.served_requests(lab_state.state_dir, "ot-s7")
    attempt, sent = run_ot(HalfDeclared, service_target(lab.OT_PLANT_ADDR, 102, "s7"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CHECK_BUG
    assert sent == ["s7.cotp-connect", "s7.setup-communication"]
    after = lab.served_requests(lab_state.state_dir, "ot-s7")
    assert after[len(before) :] == [("s7", "0xf0")]  # the setup only: no SZL read arrived
