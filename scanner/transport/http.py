"""The one HTTP helper: per-host sessions, scope-checked redirects, capped bodies, one fetch
per URL.

Checks never build their own clients. :class:`HttpClient` (one per host and run) follows redirects
itself so that every hop passes the scope guard, streams bodies with a size cap and a total
deadline, ignores proxy settings from the environment (a proxy would carry traffic out of scope),
and caches plain GETs so that ten checks reading one page cause one request. Each response carries
its exchanges (:class:`~scanner.core.evidence.Wire`: the request and the response as parsed,
one per hop), so every check it is handed records them as its own evidence.

What it returns, :class:`~scanner.transport.response.HttpResponse`, lives apart, so that the
check API names it without importing requests.
"""

from __future__ import annotations

import http.cookiejar
import io
import socket
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from scanner.core.errors import EndpointStalled, Inconclusive
from scanner.core.evidence import Wire
from scanner.core.evidence import endpoint as address_text
from scanner.core.memo import Memo
from scanner.scope.guard import OutOfScope, ScopeGuard, Unresolvable
from scanner.transport.errors import translated_errors
from scanner.transport.net import remaining
from scanner.transport.response import BODY_LIMIT, HttpResponse

#: The deadline of the request running on this thread, read by every socket operation.
_deadline = threading.local()


class _DeadlineSocket:
    """A socket whose every read and write waits no later than the current request's deadline.

    urllib3 sets one timeout per socket operation, so a server that drips a byte a second (in the
    headers or the body) would never trip it. Wrapping the connected socket makes the *total*
    time of a request bounded by the check's deadline.
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._timeout: float | None = sock.gettimeout()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def _bound(self) -> None:
        at = getattr(_deadline, "at", None)
        if at is None:
            return
        left = at - time.monotonic()
        if left <= 0:
            raise TimeoutError("the check's deadline passed during the HTTP exchange")
        self._sock.settimeout(left if self._timeout is None else min(left, self._timeout))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._bound()
        return int(self._sock.recv_into(buffer, nbytes, flags))

    def recv(self, size: int, flags: int = 0) -> bytes:
        self._bound()
        return bytes(self._sock.recv(size, flags))

    def send(self, data: bytes, flags: int = 0) -> int:
        self._bound()
        self._endpoints()
        return int(self._sock.send(data, flags))

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self._bound()
        self._endpoints()
        self._sock.sendall(data, flags)

    def _endpoints(self) -> None:
        # Which socket carried the request (pooled connections are reused): for its evidence.
        try:
            _deadline.endpoints = (self._sock.getsockname(), self._sock.getpeername())
        except OSError:
            _deadline.endpoints = None

    def makefile(self, mode: str = "rb", buffering: int | None = None, **_: Any) -> Any:
        # http.client reads the response through a file over the socket: make it read via us.
        self._sock._io_refs += 1
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)


def _pin(conn: urllib3.connection.HTTPConnection) -> None:
    """Connect to the address the scope guard checked for this request, not to whatever the
    name resolves to now: a second lookup could answer differently (DNS rebinding) and carry the
    request out of scope. The Host header, SNI and certificate name still use the URL's name."""
    pinned = getattr(_deadline, "addresses", None)
    if pinned:
        conn._dns_host = pinned[0]  # urllib3's own field: the address connect() dials


class _DeadlineHTTPConnection(urllib3.connection.HTTPConnection):
    def connect(self) -> None:
        _pin(self)
        super().connect()
        self.sock = _DeadlineSocket(self.sock)


class _DeadlineHTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        _pin(self)
        super().connect()
        self.sock = _DeadlineSocket(self.sock)


class _DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _DeadlineHTTPPool,
            "https": _DeadlineHTTPSPool,
        }


REDIRECTS = (301, 302, 303, 307, 308)

# The scanner inspects certificates with its TLS checks; web checks must still read pages served
# with bad certificates, so verification is off here on purpose and the warning is noise.
warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)


def _never_stalled(address: str, port: int) -> None:
    """The default gate: every endpoint may be tried."""


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """A cookie policy that keeps no cookie and sends none: the jar of requests sent with
    cookies of their own stays empty, so no request of any check carries a login's cookies."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class HttpClient:
    """One host's HTTP session for one run, shared by every check that talks to that host.

    ``admit(addresses, deadline)`` is asked before every request and every redirect hop, with
    the addresses the scope guard checked for it, and the request waits for its answer: True
    lets it go, False (no slot before the deadline) is a TimeoutError. The run's services decide
    which rate limits apply by where the request goes (an ot asset's limit included).

    ``via`` is the address of the check's target: a request to a name that resolved to it (and
    to others) goes to it, so a web check of a service discovered on one of a name's addresses
    inspects that address, not the name's first one. Hops elsewhere use their first address.

    ``gate(address, port)`` is asked before each request: it raises for an endpoint that stalled
    an earlier check of the run. A request that the endpoint keeps until the deadline (silence,
    or a drip) raises EndpointStalled, which the engine remembers for that endpoint.

    Cookies a host sets are kept in the session's jar and sent back, as a browser would, except
    for requests sent with ``cookies`` of their own (a login form's): those carry exactly the
    cookies given, and what they answer is kept nowhere, so a session a credential check opened
    never makes another check's requests logged in.
    """

    def __init__(
        self,
        guard: ScopeGuard,
        user_agent: str,
        admit: Callable[[Sequence[str], float], bool],
        *,
        via: str = "",
        gate: Callable[[str, int], None] = _never_stalled,
    ) -> None:
        self._guard = guard
        self._via = via
        self._gate = gate
        self._admit = admit
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies, netrc or CA bundles from the environment
        self._session.verify = False
        self._session.headers["User-Agent"] = user_agent
        # Requests with cookies of their own go through a session that keeps no cookie, over
        # the same adapters (so the same pooled connections).
        self._apart = requests.Session()
        self._apart.trust_env = False
        self._apart.verify = False
        self._apart.headers["User-Agent"] = user_agent
        self._apart.cookies.set_policy(_NoCookies())
        for scheme in ("http://", "https://"):
            adapter = _DeadlineAdapter()
            self._session.mount(scheme, adapter)
            self._apart.mount(scheme, adapter)
        self._memo = Memo()
        self._lock = threading.Lock()
        self.requests_sent = 0
        self.sent: Counter[tuple[str, str]] = Counter()  # (method, URL) -> requests

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()
        self._apart.close()

    def get(
        self,
        url: str,
        deadline: float,
        *,
        check_id: str = "",
        max_bytes: int = BODY_LIMIT,
        follow: bool = True,
    ) -> HttpResponse:
        """GET ``url`` once per run (remembered, errors too), following in-scope redirects."""
        return self._memo.get(
            (follow, max_bytes, url),
            lambda: self.fetch(
                "GET", url, deadline, check_id=check_id, max_bytes=max_bytes, follow=follow
            ),
        )

    def fetch(
        self,
        method: str,
        url: str,
        deadline: float,
        *,
        check_id: str = "",
        max_bytes: int = BODY_LIMIT,
        follow: bool = False,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request (no cache), following redirects in scope when ``follow`` (a 303
        turns it into a GET without ``body``). ``cookies``: send exactly these, none of the
        session's, and keep none it answers (see the class)."""
        hops: list[tuple[str, int]] = []
        wires: list[Wire] = []
        seen = {url}
        while True:
            response = self._one(method, url, deadline, check_id, max_bytes, headers, body, cookies)
            wires += response.wire
            location = response.header("Location")
            if not (follow and response.status in REDIRECTS and location) or len(hops) >= 10:
                return _with(response, hops, wires)
            nxt = urljoin(url, location)
            if nxt in seen:  # a loop: stop at the hop that closes it
                return _with(response, hops, wires)
            try:
                self._guard.check_url(nxt, check_id=check_id)
            except (OutOfScope, Unresolvable):  # the guard's refusals; its own bug must surface
                return _with(response, hops, wires, refused=nxt)
            hops.append((url, response.status))
            seen.add(nxt)
            url = nxt
            if response.status == 303:
                method, body = "GET", None

    def _one(
        self,
        method: str,
        url: str,
        deadline: float,
        check_id: str,
        max_bytes: int,
        headers: Mapping[str, str] | None,
        body: bytes | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        addresses = self._guard.check_url(url, check_id=check_id)
        if self._via in addresses:  # the target's own address first: it is the one dialled
            addresses = [self._via, *(a for a in addresses if a != self._via)]
        if not self._admit(addresses, deadline):
            raise TimeoutError("rate limit: no request slot before the check's deadline")
        timeout = min(10.0, remaining(deadline))
        with self._lock:
            self.requests_sent += 1
            self.sent[(method, url)] += 1
        endpoint = (addresses[0], _port(url))
        self._gate(*endpoint)  # an endpoint that stalled an earlier check is not waited on again
        _deadline.at, _deadline.addresses, _deadline.endpoints = deadline, addresses, None
        try:
            with translated_errors():  # requests' connection errors and timeouts
                return self._exchange(
                    method, url, timeout, max_bytes, deadline, headers, body, cookies
                )
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise _stalled(endpoint, f"the server stalled: {exc}") from None
        except TimeoutError as exc:
            if time.monotonic() >= deadline:  # it kept the request until the deadline: a drip
                what = f"the deadline passed during the exchange: {exc}"
                raise _stalled(endpoint, what) from None
            raise
        except urllib3.exceptions.DecodeError as exc:
            raise Inconclusive(f"the response body could not be decoded: {exc}") from None
        except urllib3.exceptions.ProtocolError as exc:
            raise ConnectionError(f"the connection broke during the response: {exc}") from None
        finally:
            _deadline.at, _deadline.addresses, _deadline.endpoints = None, None, None

    def _exchange(
        self,
        method: str,
        url: str,
        timeout: float,
        max_bytes: int,
        deadline: float,
        headers: Mapping[str, str] | None,
        data: bytes | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        started = time.time()
        outgoing = dict(headers or {})
        session = self._session
        if cookies is not None:
            session = self._apart
            if cookies:
                outgoing["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            opened = session.request(
                method,
                url,
                stream=True,
                allow_redirects=False,
                timeout=(timeout, timeout),
                headers=outgoing,
                data=data,
            )
        except ValueError as exc:
            # requests parses a redirect's Location even when it does not follow it: a server
            # answering "Location: http://[" is the target's doing, not a bug of the check
            if isinstance(exc, requests.RequestException):  # InvalidURL: the URL we were given
                raise
            raise Inconclusive(
                f"{url} answered with a Location header that is not a URL ({exc})"
            ) from None
        with opened as resp:
            body = bytearray()
            truncated = False
            # Small decoded reads keep a compression bomb to one chunk's worth of memory.
            for chunk in resp.raw.stream(16384, decode_content=True):
                body += chunk
                if len(body) > max_bytes:
                    del body[max_bytes:]
                    truncated = True
                    break
                if time.monotonic() >= deadline:
                    truncated = True
                    break
            received = tuple((str(k), str(v)) for k, v in resp.raw.headers.items())
            wire = _wire(resp, url, received, bytes(body), started)
            return HttpResponse(
                url=url,
                status=resp.status_code,
                headers=received,
                body=bytes(body),
                truncated=truncated,
                wire=(wire,),
            )


def _wire(
    resp: requests.Response,
    url: str,
    received: tuple[tuple[str, str], ...],
    body: bytes,
    started: float,
) -> Wire:
    """The request and response of one hop as messages (HTTP/1.1 text, the body decoded)."""
    request = resp.request
    head = [f"{request.method} {request.path_url} HTTP/1.1", f"Host: {urlsplit(url).netloc}"]
    head += [f"{k}: {v}" for k, v in request.headers.items()]
    sent = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace")
    if isinstance(request.body, bytes):
        sent += request.body
    elif isinstance(request.body, str):
        sent += request.body.encode()
    version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(resp.raw.version, "HTTP/1.1")
    lines = [f"{version} {resp.status_code} {resp.reason or ''}".rstrip()]
    lines += [f"{k}: {v}" for k, v in received]
    got = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body
    ends = getattr(_deadline, "endpoints", None) or (("", 0), ("", 0))
    return Wire.bounded(
        "http",
        address_text(ends[0]),
        address_text(ends[1]),
        f"{request.method} {url}",
        sent,
        got,
        started,
        time.time(),
    )


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def _stalled(endpoint: tuple[str, int], what: str) -> EndpointStalled:
    return EndpointStalled(
        f"{endpoint[0]} port {endpoint[1]} stalled: {what}", endpoint=endpoint, origin="Timeout"
    )


def _with(
    response: HttpResponse,
    hops: list[tuple[str, int]],
    wires: list[Wire],
    refused: str = "",
) -> HttpResponse:
    return HttpResponse(
        url=response.url,
        status=response.status,
        headers=response.headers,
        body=response.body,
        truncated=response.truncated,
        redirects=tuple(hops),
        refused_redirect=refused,
        wire=tuple(wires),
    )
