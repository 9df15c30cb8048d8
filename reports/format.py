"""The one interface every output format implements.

A format renders rectification notices; one that also renders campaign summaries or closure
letters says so by implementing :class:`SummaryFormat` or :class:`ClosureFormat` too. The formats
are found in one registry (:data:`reports.formats.REGISTRY`): a new format is one module under
``reports/formats/`` and one line there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from typing import ClassVar

from scanner.core.documents import Notice, Summary


class Format(ABC):
    """An output format of notices.

    Attributes:
        name: what ``--format`` calls it (``html``, ``md`` ...).
        extension: the file name suffix of its files, without the dot.
    """

    name: ClassVar[str]
    extension: ClassVar[str]

    @abstractmethod
    def render_notice(self, notice: Notice, lang: str) -> bytes:
        """``notice`` in this format, its texts in ``lang`` (already checked to be known)."""


class SummaryFormat(Format):
    """A format that also renders the campaign summary."""

    @abstractmethod
    def render_summary(self, summary: Summary, lang: str) -> bytes:
        """``summary`` in this format, its texts in ``lang``."""


class ClosureFormat(Format):
    """A format that also renders closure letters."""

    @abstractmethod
    def render_closure(self, notice: Notice, lang: str, day: date) -> bytes:
        """The closure letter of ``notice`` dated ``day``; a ValueError while an item is open
        (:func:`reports.closure.closure_context` decides)."""
