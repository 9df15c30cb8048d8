"""Errors with a meaning of their own: a problem the user can fix (the CLI exits 2 without a
traceback), and the two outcomes a check or a transport may raise on purpose."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or environment, told in one paragraph with the fix.

    The CLI prints ``str(error)`` and exits with :attr:`exit_code`; the traceback is shown only
    with ``--debug``.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotApplicable(Exception):
    """Raised by a check when the thing it inspects is not there (recorded as not_applicable)."""


class Inconclusive(Exception):
    """Raised by a check or a transport when the target's answer cannot decide it (recorded as
    an error attempt, never as a pass)."""
