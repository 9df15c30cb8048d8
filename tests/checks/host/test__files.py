"""checks/host/_files.py: several files read with one command and split back, on recorded
output of the lab hosts, cut output and garbage."""

from __future__ import annotations

import pytest

from checks.host._files import cat_command, parse_files
from checks.host.audit_logging_missing import COMMAND as AUDIT_COMMAND
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, command_result, recorded, survives


def test_round_trip_with_tail_and_unreadable() -> None:
    out = (
        "#=scanner-file=# /etc/a\nx = 1\n\n#=scanner-unreadable=# /etc/b\n"
        "#=scanner-file=# /etc/c\n\n#=scanner-tail=#\njournal-dir\n#=scanner-end=#\n"
    )
    files, tail = parse_files(command_result(out), "test files")
    assert files.texts == {"/etc/a": "x = 1\n", "/etc/c": ""}
    assert files.unreadable == ("/etc/b",)
    assert tail == "journal-dir"
    assert files.existing("/etc/c") == ["/etc/c"] and files.existing() == ["/etc/a", "/etc/c"]


def test_recorded_audit_files() -> None:
    weak, tail = parse_files(recorded("weak", "audit-files"), "the log configuration")
    assert list(weak.texts) == ["/etc/systemd/journald.conf"] and tail == ""
    hardened, tail = parse_files(recorded("hardened", "audit-files"), "the log configuration")
    assert "/etc/audit/auditd.conf" in hardened.texts and hardened.unreadable == ()
    assert "journal-dir" in tail.split()


@pytest.mark.parametrize(
    "out",
    [
        "",
        "garbage\x00\xff",
        "#=scanner-file=# /etc/a\nx = 1\n",  # cut before the end mark
        "#=scanner-end=#\n",  # no tail mark: the loop did not run
        "sudo: a password is required\n",
    ],
)
def test_incomplete_output_is_inconclusive(out: str) -> None:
    with pytest.raises(Inconclusive, match="did not complete"):
        parse_files(command_result(out, truncated=True, stderr="sudo: a password is required"), "x")


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_output(text: str) -> None:
    assert survives(lambda t: parse_files(command_result(t), "x"), text) is None
    # inside a complete listing, hostile content is one file's text, kept as it came
    wrapped = f"#=scanner-file=# /etc/x\n{text}\n#=scanner-tail=#\n#=scanner-end=#\n"
    parsed = survives(lambda t: parse_files(command_result(t), "x"), wrapped)
    assert parsed is not None and list(parsed[0].texts) == ["/etc/x"]


def test_root_command_is_one_program_for_sudo() -> None:
    assert cat_command(["/etc/a"], root=True).startswith("sh -c 'for f in /etc/a; do")
    assert AUDIT_COMMAND.startswith("sh -c ")
