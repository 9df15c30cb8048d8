"""The public API for check modules: everything a check may import from the engine.

Checks import from here and nowhere else in ``scanner``, so the engine can change behind it.
"""

from scanner.check import AppliesTo, Check, Inconclusive, NotApplicable
from scanner.context import CheckContext
from scanner.http import HttpResponse
from scanner.models import AssetKind, Exposure, Finding, Mode, Service, Severity, Target
from scanner.net import Connection, DeadlineExceeded
from scanner.ssh import CommandResult, HostKeyChanged
from scanner.text import clean, one_line

__all__ = [
    "AppliesTo",
    "AssetKind",
    "Check",
    "CheckContext",
    "CommandResult",
    "Connection",
    "DeadlineExceeded",
    "Exposure",
    "Finding",
    "HostKeyChanged",
    "HttpResponse",
    "Inconclusive",
    "Mode",
    "NotApplicable",
    "Service",
    "Severity",
    "Target",
    "clean",
    "one_line",
]
