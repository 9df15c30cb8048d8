"""HTTP requests connect to the address the scope guard checked, never to a second lookup.

The guard's resolver is a stand-in (no DNS server can serve arbitrary names here): it knows
``portal.lab.invalid``, which the system resolver does not. If urllib3 resolved the name again
the request would fail (or, with a rebinding DNS server, go wherever the second answer points);
pinned, it reaches the lab's weak web server with the URL's name in the Host header.
"""

from __future__ import annotations

import time

import pytest

from scanner.scope.guard import ScopeGuard
from scanner.transport.http import HttpClient
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_request_goes_to_the_checked_address(lab_state: lab.LabState) -> None:
    seen: list[str] = []

    def resolver(name: str) -> list[str]:
        seen.append(name)
        return {"portal.lab.invalid": [lab.WEAK_ADDR]}[name]

    client = HttpClient(
        ScopeGuard(["127.0.10.0/24"], resolver=resolver), "test", lambda _a, _d: True
    )
    try:
        response = client.get("http://portal.lab.invalid/", time.monotonic() + 10, follow=False)
    finally:
        client.close()
    assert response.status < 500
    assert seen == ["portal.lab.invalid"]


def test_name_resolving_out_of_scope_is_refused_before_connecting() -> None:
    guard = ScopeGuard(["127.0.10.0/24"], resolver=lambda _: ["127.0.99.1"])
    client = HttpClient(guard, "test", lambda _a, _d: True)
    with pytest.raises(Exception, match=r"127\.0\.99\.1"):
        client.get("http://elsewhere.lab.invalid/", time.monotonic() + 5, follow=False)
    client.close()
