"""Where the network libraries' exceptions become the transport family of
:mod:`scanner.core.errors` (TransportError, TransportTimeout, AuthRefused).

The transports translate at their boundary with :func:`translated_errors`; the engine also passes
whatever a check raised through :func:`translate`, for checks that still drive a library
themselves over a scope-checked socket (an SSH key exchange on ``conn.sock``). Other exceptions,
a requests.InvalidURL included, stay what they are: a defect, not the network's failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import paramiko
import requests

from scanner.core.errors import AuthRefused, TransportError, TransportTimeout

#: Library exceptions and what they become, first match wins (a requests.ConnectTimeout is a
#: Timeout and a ConnectionError; a paramiko.AuthenticationException an SSHException).
_FAMILY: tuple[tuple[type[BaseException], type[TransportError]], ...] = (
    (requests.Timeout, TransportTimeout),
    (requests.ConnectionError, TransportError),
    (paramiko.AuthenticationException, AuthRefused),
    (paramiko.SSHException, TransportError),
)


def translate(exc: BaseException) -> BaseException:
    """The transport family's error standing for ``exc``, or ``exc`` itself if it is not a
    network library's failure."""
    for kind, family in _FAMILY:
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
