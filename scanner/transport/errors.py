"""Where the network libraries' exceptions become the transport family of
:mod:`scanner.core.errors` (TransportError, TransportTimeout, AuthRefused).

The transports translate at their boundary with :func:`translated_errors`; the engine also passes
whatever a check raised through :func:`translate`, for checks that still drive a library
themselves over a scope-checked socket (an SSH key exchange on ``conn.sock``). Other exceptions,
a requests.InvalidURL included, stay what they are: a defect, not the network's failure.

Neither library is imported here: an exception of one can exist only once that library is
imported (by the transport that uses it), so a library not in ``sys.modules`` raised nothing to
translate, and a command that sends nothing (``scanner validate``) never loads either.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from scanner.core.errors import AuthRefused, TransportError, TransportTimeout


def _family() -> list[tuple[type[BaseException], type[TransportError]]]:
    """Library exceptions and what they become, first match wins (a requests.ConnectTimeout is
    a Timeout and a ConnectionError; a paramiko.AuthenticationException an SSHException), for
    the libraries imported so far."""
    family: list[tuple[type[BaseException], type[TransportError]]] = []
    if "requests" in sys.modules:
        import requests  # noqa: PLC0415  # imported already: a dictionary look-up

        family += [(requests.Timeout, TransportTimeout), (requests.ConnectionError, TransportError)]
    if "paramiko" in sys.modules:
        import paramiko  # noqa: PLC0415  # same

        family += [
            (paramiko.AuthenticationException, AuthRefused),
            (paramiko.SSHException, TransportError),
        ]
    return family


def translate(exc: BaseException) -> BaseException:
    """The transport family's error standing for ``exc``, or ``exc`` itself if it is not a
    network library's failure."""
    for kind, family in _family():
        if isinstance(exc, kind):
            return family.of(exc)
    return exc


@contextmanager
def translated_errors() -> Iterator[None]:
    """Raise a network library's failure inside the block as the transport family."""
    try:
        yield
    except Exception as exc:
        family = translate(exc)
        if family is exc:
            raise
        raise family from exc
