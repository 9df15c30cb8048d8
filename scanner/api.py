"""The public API for check modules: everything a check may import from the engine.

Checks import from here and nowhere else in ``scanner``, so the engine can change behind it.
"""

from scanner.core.hosts import url_host
from scanner.core.models import (
    AddressedTarget,
    AssetKind,
    ChecklistTarget,
    Exposure,
    Finding,
    HostTarget,
    Mode,
    OnsiteTarget,
    Service,
    ServiceTarget,
    Severity,
    Target,
    UrlTarget,
)
from scanner.core.text import clean, one_line
from scanner.engine.check import AppliesTo, Check, Inconclusive, NotApplicable
from scanner.engine.context import CheckContext
from scanner.engine.credentials import CredentialPolicy
from scanner.transport.net import Connection, DeadlineExceeded
from scanner.transport.response import HttpResponse
from scanner.transport.ssh import (
    CommandResult,
    HostKeyChanged,
    SshPasswordProbe,
    SshServerProbe,
    probe_server,
)
from scanner.vulns.match import Installed, Matcher, PackageVuln, StaleFeed, UpstreamVuln
from scanner.vulns.platform import ecosystem_cpe

__all__ = [
    "AddressedTarget",
    "AppliesTo",
    "AssetKind",
    "Check",
    "CheckContext",
    "ChecklistTarget",
    "CommandResult",
    "Connection",
    "CredentialPolicy",
    "DeadlineExceeded",
    "Exposure",
    "Finding",
    "HostKeyChanged",
    "HostTarget",
    "HttpResponse",
    "Inconclusive",
    "Installed",
    "Matcher",
    "Mode",
    "NotApplicable",
    "OnsiteTarget",
    "PackageVuln",
    "Service",
    "ServiceTarget",
    "Severity",
    "SshPasswordProbe",
    "SshServerProbe",
    "StaleFeed",
    "Target",
    "UpstreamVuln",
    "UrlTarget",
    "clean",
    "ecosystem_cpe",
    "one_line",
    "probe_server",
    "url_host",
]
