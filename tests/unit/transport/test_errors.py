"""The network libraries' exceptions become one family the engine classifies, with the reasons
users read unchanged."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import paramiko
import pytest
import requests

from scanner.api import AppliesTo, Check, CheckContext, Finding, Severity, Target
from scanner.core.errors import AuthRefused, TransportError, TransportTimeout
from scanner.core.models import ErrorReason
from scanner.engine.executor import classify, describe
from scanner.scope.guard import ScopeGuard
from scanner.transport.errors import translate, translated_errors
from scanner.transport.http import HttpClient
from scanner.transport.ssh import SshSession
from tests.helpers import run_check, service_target


@pytest.mark.parametrize(("raised", "family", "reason"), [
    (requests.ConnectTimeout("slow"), TransportTimeout, ErrorReason.TIMEOUT),
    (requests.ReadTimeout("stalled"), TransportTimeout, ErrorReason.TIMEOUT),
    (requests.ConnectionError("refused"), TransportError, ErrorReason.CONNECTIVITY),
    (paramiko.SSHException("no banner"), TransportError, ErrorReason.CONNECTIVITY),
    (paramiko.AuthenticationException("no"), AuthRefused, ErrorReason.AUTH_FAILED),
    (paramiko.BadAuthenticationType("no", ["publickey"]), AuthRefused, ErrorReason.AUTH_FAILED),
])  # fmt: skip
def test_library_failures_become_the_family(
    raised: Exception, family: type[TransportError], reason: ErrorReason
) -> None:
    error = translate(raised)
    assert type(error) is family and error.__cause__ is raised
    assert classify(error) == reason
    assert str(error) == str(raised)  # the message users read is the library's
    assert describe(error) == f"{type(raised).__name__}: {raised}"


@pytest.mark.parametrize(
    "raised", [requests.exceptions.InvalidURL("bad"), KeyError("k"), OSError(2, "No such file")]
)
def test_anything_else_is_left_alone(raised: Exception) -> None:
    assert translate(raised) is raised
    with pytest.raises(type(raised)), translated_errors():
        raise raised


def test_the_family_is_an_oserror_like_the_sockets_own() -> None:
    assert issubclass(TransportTimeout, TimeoutError) and issubclass(AuthRefused, PermissionError)
    assert issubclass(TransportError, OSError)


class DrivesParamiko(Check):
    """A check that runs a library itself over a socket the engine gave it."""

    id = "test.drives-paramiko"
    title = "A check with its own SSH handshake"
    family = "test"
    severity = Severity.LOW
    applies_to = AppliesTo(services=("ssh",))
    remediation = "Nothing to do here, this is a test."

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        raise paramiko.SSHException("Error reading SSH protocol banner")


def test_a_checks_own_library_failure_is_classified_with_its_reason_unchanged() -> None:
    attempt = run_check(DrivesParamiko, service_target("127.0.0.1", 22, "ssh"))
    assert attempt.error_reason == ErrorReason.CONNECTIVITY
    assert attempt.reason == "SSHException: Error reading SSH protocol banner"
    assert not attempt.traceback


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_http_raises_the_family_with_requests_error_as_cause() -> None:
    client = HttpClient(ScopeGuard(["127.0.0.1"]), "test", lambda _a, _d: True)
    with pytest.raises(TransportError) as info:
        client.get(f"http://127.0.0.1:{closed_port()}/", time.monotonic() + 5)
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert info.value.origin == "ConnectionError"
    assert classify(info.value) == ErrorReason.CONNECTIVITY


def test_ssh_raises_the_family_when_the_peer_does_not_speak_ssh() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        peer.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        peer.close()  # not a banner, then EOF
        with pytest.raises(TransportError) as info:
            SshSession(client, "127.0.0.1", [], time.monotonic() + 5)
        client.close()
    assert isinstance(info.value.__cause__, paramiko.SSHException)
    assert classify(info.value) == ErrorReason.CONNECTIVITY
