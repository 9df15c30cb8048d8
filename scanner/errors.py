"""Errors a user can fix: each says what and where, and the CLI exits 2 without a traceback."""

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
