"""A thread-safe token bucket: the run's global cap on new connections and requests per second."""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager
from typing import Protocol


class Bucket(Protocol):
    """What hands out connection tokens: this process's :class:`TokenBucket`, or one shared by
    every worker of a run (:mod:`scanner.distributed.limits`)."""

    def acquire(self, deadline: float) -> bool:
        """Take one token, waiting no later than ``deadline`` (monotonic); False if it cannot."""
        ...


class HostSlots(Protocol):
    """Per-host check slots shared by several processes (a distributed run's workers)."""

    def hold(self, host: str, limit: int) -> AbstractContextManager[None]:
        """Wait for one of ``host``'s ``limit`` slots and hold it for the block."""
        ...


class TokenBucket:
    """Hands out ``rate`` tokens per second with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 10)
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self, deadline: float) -> bool:
        """Take one token, waiting no later than ``deadline`` (monotonic); False if it cannot."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return True
                wait = (1 - self._tokens) / self.rate
            if now + wait > deadline:
                return False
            time.sleep(wait)
