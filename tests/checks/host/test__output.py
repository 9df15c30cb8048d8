"""checks/host/_output.py: the end mark that shows a command completed, and the one-line reason
a command failed."""

from __future__ import annotations

import pytest

from checks.host._output import END, complete, stderr_reason
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, command_result, survives


def test_lines_before_the_end_mark() -> None:
    assert complete(f"/a\n\n  \n/b\n{END}\nafter\n", "x", False) == ["/a", "/b"]
    assert complete(END, "x", False) == []


def test_no_end_mark_is_inconclusive() -> None:
    with pytest.raises(Inconclusive, match=r"^find did not complete: its output has no end mark"):
        complete("/usr/bin/su\n/usr/bi", "find", False)
    with pytest.raises(Inconclusive, match=r"cut at the output limit or the deadline"):
        complete("/usr/bin/su\n/usr/bi", "find", True)


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_output_without_end_mark(text: str) -> None:
    assert survives(lambda t: complete(t, "x", False), text) is None


def test_stderr_reason() -> None:
    failed = command_result("", stderr="sudo: a password is required\nsecond line\n", status=1)
    assert stderr_reason(failed) == "sudo: a password is required"
    assert stderr_reason(failed, last=True) == "second line"
    assert stderr_reason(command_result("", status=127)) == "exit status 127"
    hostile = command_result("", stderr="\x1b[31m" + "e" * 10_000 + "\x07", status=1)
    reason = stderr_reason(hostile, limit=50)
    assert len(reason) <= 50 and "\x1b" not in reason and "\x07" not in reason
