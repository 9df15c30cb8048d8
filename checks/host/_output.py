"""What a command run on an audited host printed, read the same way by every host check.

A command that must be seen to finish ends its output with :data:`END` (``echo`` after the real
work): without it the output was cut at the size limit or the deadline, or the shell never ran
the command, and :func:`complete` raises ``Inconclusive`` so a check never judges half a
listing. :func:`stderr_reason` says in one line why a command failed, for ``Inconclusive``
reasons and evidence.
"""

from __future__ import annotations

from scanner.api import CommandResult, Inconclusive, one_line

END = "#=scanner-end=#"


def complete(text: str, what: str, truncated: bool) -> list[str]:
    """The non-blank lines before the end mark; ``Inconclusive`` naming ``what`` when it is
    missing."""
    body, sep, _ = text.rpartition(END)
    if not sep:
        cut = " (cut at the output limit or the deadline)" if truncated else ""
        raise Inconclusive(f"{what} did not complete{cut}: its output has no end mark")
    return [line for line in body.splitlines() if line.strip()]


def stderr_reason(result: CommandResult, *, last: bool = False, limit: int = 120) -> str:
    """The first (``last``: the last) line of ``result``'s stderr, cleaned and cut to ``limit``
    characters; its exit status when it printed nothing there."""
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    if not text:
        return f"exit status {result.exit_status}"
    return one_line(text[-1 if last else 0], limit)
