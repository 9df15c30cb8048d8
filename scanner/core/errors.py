"""Errors with a meaning of their own: a problem the user can fix (the CLI exits 2 without a
traceback), the two outcomes a check or a transport may raise on purpose, and the one family of
network failures the transports raise."""

from __future__ import annotations

from typing import Self


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


class TransportError(OSError):
    """The network or the peer failed an exchange: refused, reset, broken, or not the protocol
    expected (recorded as a ``connectivity`` error).

    The transports (:mod:`scanner.transport`) raise this family in place of their libraries'
    exceptions (requests, paramiko), keeping the original as ``__cause__``, so the engine
    classifies failures without knowing those libraries. Its message is the original's, and
    :attr:`origin` the original's type name, so what users read is what they read before the
    translation. It is an OSError, as the sockets' own errors (and requests') are, so code
    handling network failures as OSError handles it too.

    Attributes:
        origin: the type name of the library exception this stands for (else this class's),
            shown in an error attempt's reason.
    """

    def __init__(self, message: str, *, origin: str = "") -> None:
        super().__init__(message)
        self.origin = origin or type(self).__name__

    @classmethod
    def of(cls, cause: BaseException) -> Self:
        """This error standing for ``cause`` (set as its ``__cause__``)."""
        error = cls(str(cause), origin=type(cause).__name__)
        error.__cause__ = cause
        return error


class TransportTimeout(TransportError, TimeoutError):
    """The peer did not answer in time (recorded as a ``timeout`` error)."""


class EndpointStalled(TransportTimeout):
    """The endpoint took the connection, then kept the check waiting until its deadline (it
    sent nothing, or dripped): the run treats it as unresponsive from then on.

    Attributes:
        endpoint: the (address, port) that stalled.
    """

    def __init__(self, message: str, *, endpoint: tuple[str, int], origin: str = "") -> None:
        super().__init__(message, origin=origin)
        self.endpoint = endpoint


class EndpointUnresponsive(TimeoutError):
    """Not tried: the endpoint stalled an earlier check of this run (its reason says which and
    how), so this check ends at once as could-not-verify instead of waiting a deadline too."""


class AuthRefused(TransportError, PermissionError):
    """The peer refused the credentials offered (recorded as an ``auth_failed`` error)."""
