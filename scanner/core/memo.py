"""Collect once, use many times: a per-run, thread-safe memo of collected facts.

Data collection is kept apart from evaluation: ten checks that read one page, one TLS scan or one
``sshd -T`` output cause one collection. Concurrent callers of the same key wait for the first;
a failed collection is remembered too, so a dead endpoint is not retried by every check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Values (or the exception) produced once per key."""

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[bool, Any]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, produce: Callable[[], T]) -> T:
        """The value for ``key``, produced by ``produce()`` on first use; its error re-raised."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                try:
                    self._values[key] = (True, produce())
                except Exception as exc:
                    self._values[key] = (False, exc)
            ok, value = self._values[key]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)
