"""The scope guard's refusals of one run on this process, waiting to be stored.

Check threads append (the guard's ``on_refusal``); the thread that writes attempt batches takes
what is new and stores it in the same transaction as the batch
(:meth:`scanner.store.attempts.Attempts.record`), so a refusal is as durable as the attempts
around it: a SIGKILL loses at most those of the last moments, never all of a run's.
"""

from __future__ import annotations

import threading

from scanner.core.models import Refusal


class RefusalLog:
    """Refusals appended by any thread, taken once each by the writer.

    ``keep`` also keeps every refusal for :attr:`history` (a local run reports them all at its
    end); a worker, which serves many tasks, keeps none once stored.
    """

    def __init__(self, *, keep: bool = True) -> None:
        self._lock = threading.Lock()
        self._pending: list[Refusal] = []
        self._history: list[Refusal] | None = [] if keep else None

    def append(self, refusal: Refusal) -> None:
        """Record a refusal (the scope guard's callback)."""
        with self._lock:
            self._pending.append(refusal)
            if self._history is not None:
                self._history.append(refusal)

    def take(self) -> list[Refusal]:
        """The refusals not taken yet, oldest first (each is returned once)."""
        with self._lock:
            taken, self._pending = self._pending, []
        return taken

    @property
    def history(self) -> list[Refusal]:
        """Every refusal appended (empty without ``keep``)."""
        with self._lock:
            return list(self._history or ())
