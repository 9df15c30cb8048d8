"""User-supplied credential lists (``checks.credentials.lists``): reading them with file:line
errors.

A list is a UTF-8 text file, one entry a line: ``account:password`` (the first colon splits, so
a password may hold colons), or ``:password`` for a password to try on each of a service's usual
accounts (for SNMP: a community). Blank lines and lines starting with ``#`` are skipped. A list
holds at most :data:`MAX_ENTRIES` entries of at most :data:`MAX_LINE` characters: the policy
lets only a few logins per account anyway, so a huge dictionary is a mistake, not a plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

MAX_ENTRIES: Final = 1000
MAX_LINE: Final = 256
MAX_BYTES: Final = 1 << 20


class CredentialListError(ValueError):
    """Problems in one list, each ``file:line: what. Fix: how``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_list(path: Path) -> tuple[tuple[str, str], ...]:
    """The (account, password) entries of the list at ``path``, in file order; raises
    CredentialListError naming every bad line (or the unreadable file)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CredentialListError(
            [
                f"{path}: cannot read the credential list ({exc.strerror}). Fix: point "
                "checks.credentials.lists at a readable file."
            ]
        ) from None
    if len(data) > MAX_BYTES:
        raise CredentialListError(
            [
                f"{path}: larger than {MAX_BYTES} bytes. Fix: keep a short list (the policy allows "
                "only a few logins per account)."
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CredentialListError(
            [f"{path}:{line}: not UTF-8 text. Fix: save the list as UTF-8."]
        ) from None
    entries: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        entry = raw.rstrip("\r")
        if not entry.strip() or entry.lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        problem = _problem(entry)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        account, password = entry.split(":", 1)
        entries.append((account, password))
        if len(entries) > MAX_ENTRIES:
            problems.append(f"{where}: more than {MAX_ENTRIES} entries. Fix: shorten the list.")
            break
    if problems:
        raise CredentialListError(problems)
    return tuple(entries)


def _problem(entry: str) -> str:
    """What is wrong with one entry (never quoting it: it may be a password), or ""."""
    if len(entry) > MAX_LINE:
        return f"longer than {MAX_LINE} characters. Fix: shorten it."
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in entry):
        return "holds control characters. Fix: remove them."
    if ":" not in entry:
        return (
            "no colon. Fix: write account:password, or :password for a password to try on "
            "the service's usual accounts."
        )
    account, password = entry.split(":", 1)
    if account != account.strip():
        return "the account has spaces around it. Fix: remove them."
    if not password:
        return (
            "empty password. Fix: give a password after the colon (empty passwords are what "
            "host.empty-password finds)."
        )
    return ""
