"""sslyze's own connections go through the run's rate limit and scope guard, one token each:
the rate a TLS scan presses on an endpoint is the run's, not sslyze's."""

from __future__ import annotations

import threading

import pytest
from sslyze.server_setting import ServerNetworkLocation

from checks.tls import _scan
from checks.tls.legacy_protocol import LegacyProtocol
from scanner.core.models import AttemptStatus
from scanner.engine.context import RunServices
from scanner.transport.ratelimit import TokenBucket
from tests.checks.tls.lab_tls import ENDPOINTS, url
from tests.helpers import LOOPBACK_ONLY, run_check, url_target
from tests.lab import lab


class CountingBucket(TokenBucket):
    """A token bucket that counts the tokens handed out."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate)
        self.taken = 0
        self._count_lock = threading.Lock()

    def acquire(self, deadline: float) -> bool:
        granted = super().acquire(deadline)
        if granted:
            with self._count_lock:
                self.taken += 1
        return granted


@pytest.mark.lab
def test_every_sslyze_connection_takes_a_token(
    lab_state: lab.LabState, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, int]] = []
    real = _scan._direct_open

    def counting(server_location: ServerNetworkLocation, network_timeout: int) -> object:
        opened.append((str(server_location.ip_address), server_location.port))
        return real(server_location, network_timeout)

    monkeypatch.setattr(_scan, "_direct_open", counting)
    bucket = CountingBucket(2000)
    services = RunServices(guard=LOOPBACK_ONLY, bucket=bucket)
    address, port = ENDPOINTS["legacy"]
    attempt = run_check(
        LegacyProtocol, url_target(url("legacy"), address), services=services, timeout=60
    )
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    assert len(opened) > 100  # sslyze really tried the versions and suites one by one
    assert set(opened) == {(address, port)}
    # one token for the guard's own probe connection, one for each of sslyze's
    assert bucket.taken == len(opened) + 1


def test_sslyze_opens_nothing_for_an_endpoint_no_check_scans() -> None:
    location = ServerNetworkLocation(hostname="127.0.0.1", port=9, ip_address="127.0.0.1")
    with pytest.raises(ConnectionRefusedError, match="no TLS check is scanning"):
        _scan._counted_open(location, 1)
