"""The typed vocabulary shared by the engine and the checks: enums and frozen result records.

Attributes are documented on each class. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from scanner.core.evidence import Exchange
from scanner.core.secrets import scrub, scrub_text
from scanner.core.text import EVIDENCE_LIMIT, clean, inert


class Severity(StrEnum):
    """How bad a weakness is in itself, before exposure and criticality weigh in."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: critical 4 ... info 0."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Mode(StrEnum):
    """Where a check inspects from."""

    REMOTE = "remote"  # from the network, against what the entity exposes
    ONSITE = "onsite"  # authenticated audit of a host over SSH
    CHECKLIST = "checklist"  # answers recorded by the inspector during the visit


class Exposure(StrEnum):
    """Where an asset can be reached from; weighs in the risk of its issues."""

    INTERNET = "internet"
    INTERNAL = "internal"
    OT = "ot"


class AssetKind(StrEnum):
    """What an asset is: exactly one per asset in the inventory."""

    HOST = "host"  # one address or DNS name
    NETWORK = "network"  # a CIDR range; each live address becomes a host target
    URL = "url"  # a web endpoint
    ONSITE = "onsite"  # a host audited over SSH with a credentials reference
    # Never declared in an inventory: the entity itself, as the management checklist asks about
    # it. Its targets carry the reserved asset id MANAGEMENT_ASSET and one answer each.
    CHECKLIST = "checklist"


#: The asset id of an entity's management checklist targets (reserved: no inventory asset has it).
MANAGEMENT_ASSET = "management"


class AttemptStatus(StrEnum):
    """Outcome of one check on one target in one run."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    ERROR = "error"  # inconclusive: the check could not tell (never counted as pass)
    SKIPPED = "skipped"  # not run on purpose (intrusive without opt-in, host down, ...)
    NOT_APPLICABLE = "not_applicable"  # the thing it inspects is not there


class AnswerValue(StrEnum):
    """An inspector's answer to one management checklist question."""

    YES = "yes"  # the requirement is met: a pass
    NO = "no"  # not met: a finding
    PARTIAL = "partial"  # partly met: a finding, one severity level lower
    NOT_APPLICABLE = "not_applicable"  # the requirement does not concern this entity


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer recorded on site, as the management checklist check reads it.

    Attributes:
        value: yes, no, partial or not_applicable.
        inspector: who recorded it.
        day: the day it was recorded (ISO date).
        evidence: references to what the inspector saw (document numbers, photos...).
        note: the inspector's remark, or empty.
        source: ``file:line`` of the answer, so a reader of a finding can find it.
    """

    value: AnswerValue
    inspector: str
    day: str
    evidence: tuple[str, ...] = ()
    note: str = ""
    source: str = ""


class ErrorReason(StrEnum):
    """Why an attempt ended in ``error``; decides what an inspector does about it."""

    CHECK_BUG = "check_bug"  # the check raised: a defect in the check, with traceback
    TIMEOUT = "timeout"  # the check ran past its deadline
    CONNECTIVITY = "connectivity"  # refused, reset, unreachable
    OUT_OF_SCOPE = "out_of_scope"  # the scope guard refused a connection the check needed
    INCONCLUSIVE = "inconclusive"  # the check ran but the target's answer could not decide it
    AUTH_FAILED = "auth_failed"  # credentials refused (on-site)


class Privilege(StrEnum):
    """How an on-site attempt's root-only commands ran (``None`` on an attempt: it ran none).

    The worst of an attempt's commands is recorded: refused, then none, then the method.
    """

    SUDO = "sudo"  # sudo -n: a NOPASSWD rule
    SUDO_PASSWORD = "sudo_password"  # noqa: S105 - a method; sudo -S, password on stdin
    SU = "su"  # su -c, root's password on stdin (hosts without sudo)
    NONE = "none"  # no privilege declared: they ran as the login user
    REFUSED = "refused"  # the declared method was refused (a password rejected or required)

    @property
    def lacking(self) -> bool:
        """True when root-only reads did not run as root (none or refused)."""
        return self in (Privilege.NONE, Privilege.REFUSED)

    @property
    def rank(self) -> int:
        """Which of two privileges an attempt records: the higher (refused 2, none 1, else 0)."""
        return {Privilege.REFUSED: 2, Privilege.NONE: 1}.get(self, 0)


@dataclass(frozen=True, slots=True)
class Service:
    """One open port found by discovery.

    Attributes:
        address: the IP address it answered on.
        port: the port number.
        protocol: ``tcp`` or ``udp``.
        name: the service name (nmap's, or the scanner's own probe's), e.g. ``redis``.
        product: product and version text when known, else empty.
        cpe: the application's CPE when nmap's version detection gave one
            (``cpe:/a:openbsd:openssh:9.2p1``), else empty.
        os_cpe: the operating system's CPE nmap gave beside it (``cpe:/o:linux:linux_kernel``,
            ``cpe:/o:microsoft:windows``), else empty: what NVD's platform conditions are
            checked against.
    """

    address: str
    port: int
    protocol: str
    name: str
    product: str = ""
    cpe: str = ""
    os_cpe: str = ""

    @property
    def location(self) -> str:
        """Stable location of anything found on this service: ``6379/tcp``."""
        return f"{self.port}/{self.protocol}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What one check runs against; the base of one record per kind of target.

    The plan builds the kind a check's ``applies_to`` asks for (see
    :meth:`scanner.engine.check.AppliesTo.target_types`): a :class:`ServiceTarget` for a
    discovered service, a :class:`UrlTarget` for a web endpoint, a :class:`HostTarget` (an
    :class:`OnsiteTarget` for an on-site asset) for a whole host, a :class:`ChecklistTarget` for
    one management checklist question. The engine, the store and the wire treat them alike
    through these shared attributes.

    Attributes:
        entity_id: the accountable entity.
        asset_id: the asset within the entity.
        kind: the asset's kind.
        exposure: internet, internal or ot.
        tags: the asset's tags.
    """

    entity_id: str
    asset_id: str
    kind: AssetKind
    exposure: Exposure = Exposure.INTERNAL
    tags: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        """Stable location of this target within its asset; the kind (``host``, ``onsite``,
        ``checklist``) unless a subclass knows better. Part of fingerprints: never change it."""
        return self.kind.value

    @property
    def ot(self) -> bool:
        """True for operational-technology assets: they get the OT-safe treatment."""
        return self.exposure == Exposure.OT or "ot" in self.tags

    @property
    def display(self) -> str:
        """Short human label: ``entity/asset location``."""
        return f"{self.entity_id}/{self.asset_id} {self.location}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressedTarget(Target):
    """A target the scanner connects to: the base of host, service and URL targets.

    Attributes:
        address: the IP address to connect to (resolved and scope-checked); empty for a URL
            whose name did not resolve.
        hostname: the DNS name when the asset was declared by name, else empty.
        several: the asset's name has several addresses, so each location names its address
            (as inside a range): one attempt per address, none hiding another.
    """

    address: str = ""
    hostname: str = ""
    several: bool = False

    @property
    def per_address(self) -> bool:
        """Whether locations name the address: inside a range, or of a many-address name."""
        return self.kind == AssetKind.NETWORK or self.several

    @property
    def host(self) -> str:
        """The name to present to the target (TLS SNI, Host header): the DNS name or address."""
        return self.hostname or self.address


def _service_location(per_address: bool, service: Service) -> str:
    """``6379/tcp``; inside a range (or a name with several addresses), which host too:
    ``127.0.10.1:6379/tcp``."""
    if per_address:
        return f"{service.address}:{service.location}"
    return service.location


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTarget(AddressedTarget):
    """One discovered service of a host: what a check that applies to services gets.

    Attributes:
        service: the service discovery found (its port, protocol and name).
    """

    service: Service

    @property
    def location(self) -> str:
        """``6379/tcp``, or ``127.0.10.1:6379/tcp`` inside a range."""
        return _service_location(self.per_address, self.service)


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlTarget(AddressedTarget):
    """A web endpoint: a URL asset's, or one made for a discovered web service of a host.

    Attributes:
        url: the URL to inspect.
        service: the discovered web service the URL was made for, else None (a URL asset).
    """

    url: str
    service: Service | None = None

    @property
    def location(self) -> str:
        """The service's location for a URL made from a discovered service, else the URL."""
        if self.service is not None:
            return _service_location(self.per_address, self.service)
        return self.url


@dataclass(frozen=True, slots=True, kw_only=True)
class HostTarget(AddressedTarget):
    """A whole host: a host asset, or one live address of a range.

    Attributes:
        services: every service discovery found on the address.
        expected_services: the asset's declared expected services (``22/tcp`` ...).
    """

    services: tuple[Service, ...] = ()
    expected_services: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        """The address inside a range (which host of it) or of a name with several addresses,
        else the kind (``host``)."""
        if self.per_address:
            return self.address
        return self.kind.value


@dataclass(frozen=True, slots=True, kw_only=True)
class OnsiteTarget(HostTarget):
    """A host audited over SSH: a host target with the reference of its login credential.

    Attributes:
        credentials: the credentials reference of the on-site asset (empty: none declared).
    """

    credentials: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistTarget(Target):
    """An entity asked one management checklist question (asset id :data:`MANAGEMENT_ASSET`).

    Attributes:
        answer: the answer recorded on site to the question the check asks.
    """

    answer: Answer


def _clean_detail(value: Any, depth: int = 0) -> Any:
    """Detail values cleaned like evidence: strings bounded, inert and scrubbed of secrets,
    containers capped."""
    if isinstance(value, str | bytes):
        return clean(_scrubbed(value, 500), 500)
    if depth > 4:
        return clean(repr(value), 200)
    if isinstance(value, dict):
        return {
            clean(str(k), 100): _clean_detail(v, depth + 1) for k, v in list(value.items())[:100]
        }
    if isinstance(value, list | tuple):
        return [_clean_detail(v, depth + 1) for v in value[:200]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return clean(repr(value), 200)


def _scrubbed(value: str | bytes, limit: int) -> str | bytes:
    """The first ``4 * limit`` characters of ``value`` (all :func:`clean` would look at) with
    the secrets :func:`~scanner.core.secrets.scrub` recognises as ``***``: the one redaction of
    findings and of the raw exchanges kept as evidence."""
    if isinstance(value, bytes):
        return scrub(value[: 4 * limit])
    return scrub_text(value[: 4 * limit])


def fingerprint(entity_id: str, asset_id: str, check_id: str, location: str) -> str:
    """Identity of a weakness across runs: stable inputs only, never volatile evidence."""
    raw = "\x1f".join((entity_id, asset_id, check_id, location))
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed observation of one check on one target.

    Attributes:
        check_id: the check that observed it.
        entity_id: the entity accountable for it.
        asset_id: the asset it was observed on.
        location: where on the asset: port/protocol, URL path, config key, account name; its
            control characters shown as escapes (:func:`~scanner.core.text.inert`).
        severity: the check's severity, or a finding-specific one (e.g. raised for ``ot``).
        evidence: what the target sent or showed, bounded and stripped of control characters.
        detail: small structured facts for reports (offered algorithms, header values...).
    """

    check_id: str
    entity_id: str
    asset_id: str
    location: str
    severity: Severity
    evidence: str
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One place makes every piece of evidence safe, whoever built the finding. The location
        # is escaped but never cut: it is part of the fingerprint, which stays the same for any
        # location without control characters (a file named with escapes gets the fingerprint
        # of its escaped spelling, the one stored, printed and shown on notices).
        object.__setattr__(self, "location", inert(self.location))
        object.__setattr__(self, "evidence", clean(_scrubbed(self.evidence, EVIDENCE_LIMIT)))
        object.__setattr__(self, "detail", _clean_detail(self.detail))

    @property
    def fingerprint(self) -> str:
        """See :func:`fingerprint`."""
        return fingerprint(self.entity_id, self.asset_id, self.check_id, self.location)


@dataclass(frozen=True, slots=True)
class CredentialTries:
    """How many logins a credential check tried on one account of one service (never which
    passwords): what the run counts and the notice shows the entity.

    Attributes:
        address: the address the service was reached at.
        port: its port (UDP for SNMP).
        service: the service name (``ssh``, ``ftp``, ``postgresql``...).
        account: the account (user name; for SNMP the literal ``community``).
        tries: logins sent for this account (each failed or the last one accepted).
    """

    address: str
    port: int
    service: str
    account: str
    tries: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one check on one target in one run.

    Attributes:
        check_id: the check.
        entity_id: the entity.
        asset_id: the asset.
        location: the target's location (``6379/tcp``, a URL, ``host``).
        status: pass, fail, error, skipped or not_applicable.
        reason: why, in a sentence, for anything but a plain pass or fail.
        error_reason: the kind of error, for ``error`` attempts.
        traceback: the traceback of a check that raised, else empty.
        started_at: wall-clock start, seconds since the epoch.
        duration: seconds the check ran.
        findings: what a ``fail`` observed.
        check_sha256: the code hash of the check that ran (its version, for evidence).
        exchanges: what the check sent and received (bounded, secrets replaced).
        privilege: how its root-only commands ran on an on-site host (None: it ran none).
        credential_tries: for a credential check, the logins it sent, per account.
    """

    check_id: str
    entity_id: str
    asset_id: str
    location: str
    status: AttemptStatus
    reason: str = ""
    error_reason: ErrorReason | None = None
    traceback: str = ""
    started_at: float = 0.0
    duration: float = 0.0
    findings: tuple[Finding, ...] = ()
    check_sha256: str = ""
    exchanges: tuple[Exchange, ...] = ()
    privilege: Privilege | None = None
    credential_tries: tuple[CredentialTries, ...] = ()

    @property
    def key(self) -> str:
        """Identity of this attempt within a run, used to resume without duplicates."""
        return fingerprint(self.entity_id, self.asset_id, self.check_id, self.location)


@dataclass(frozen=True, slots=True)
class Refusal:
    """An outbound action the scope guard refused.

    Attributes:
        target: the address, name or URL that was refused.
        reason: why, naming the scope rule.
        check_id: the check that asked, or empty for the engine itself.
        at: wall-clock time, seconds since the epoch.
    """

    target: str
    reason: str
    check_id: str = ""
    at: float = 0.0


def is_ip(value: str) -> bool:
    """True when ``value`` is a literal IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class HostScan:
    """What discovery saw of one address.

    Attributes:
        address: the IP address.
        answered: True when the host answered at all (an open or closed port, or a ping reply).
        services: the open services found.
    """

    address: str
    answered: bool
    services: tuple[Service, ...]
