"""The inventory: the YAML file that declares a campaign, validated into typed models.

:func:`load_inventory` turns a file into an :class:`Inventory` or raises one
:class:`~scanner.core.errors.UserError` listing every problem as
``file:line: field: what. Fix: how``.
Checks that need more than the file itself (scope of each asset, the authorization window,
credential files, check ids in profiles) are in :func:`preflight`, run before any packet is sent.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
import unicodedata
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scanner.core.errors import UserError
from scanner.core.models import MANAGEMENT_ASSET, AssetKind, Exposure, Mode, Privilege, Severity
from scanner.inventory.credlists import CredentialListError, read_list
from scanner.inventory.yamlsource import Loc, Source, dotted, load, parse

IDENT = r"^[a-z0-9][a-z0-9_-]{0,62}$"
HOSTNAME = re.compile(
    r"^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    re.IGNORECASE,
)
SECTORS = (
    "energy",
    "water",
    "finance",
    "transport",
    "telecom",
    "portal",
    "datacenter",
    "cloud",
    "healthcare",
    "government",
    "other",
)


def _utc(value: Any, end_of_day: bool) -> Any:
    # A bare date means the whole day; a naive time is taken as UTC, never as local time.
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.max if end_of_day else time.min, tzinfo=UTC)
    return value


StartTime = Annotated[datetime, BeforeValidator(lambda v: _utc(v, end_of_day=False))]
EndTime = Annotated[datetime, BeforeValidator(lambda v: _utc(v, end_of_day=True))]


class Model(BaseModel):
    """Inventory models forbid unknown keys: a typo must not silently disable a setting."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: Characters a reference may hold besides letters, digits and marks of any script: it names
#: notice files (``REF-0001.en.html``) unless ``notice_prefix`` is set, so nothing a file system,
#: a shell or a terminal gives a meaning to (the CJK brackets are those of Chinese document
#: numbers, tortoise-shell, lenticular and fullwidth round).
REFERENCE_PUNCTUATION = " -_.()[]#+\u3014\u3015\u3010\u3011\uff08\uff09"
REFERENCE_LIMIT = 64  # notice numbers (PREFIX-0001) are stored in 80 characters


def _reference(value: str) -> str:
    """An authorization reference that is safe as the start of a file name, else a ValueError
    saying what is wrong and how to fix it."""
    fix = (
        "Fix: write the document number with letters, digits, spaces and "
        f"{' '.join(REFERENCE_PUNCTUATION.strip())} only (or set campaign.notice_prefix, "
        "which then names the notice files)."
    )
    bad = sorted(
        {
            c
            for c in value
            if not (c.isalnum() or unicodedata.category(c)[0] == "M" or c in REFERENCE_PUNCTUATION)
        }
    )
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        what = "a path separator" if {"/", "\\"} & set(bad) else "characters"
        raise ValueError(f"{value!r} holds {what} not safe in a notice file name ({shown}). {fix}")
    if ".." in value or value != value.strip(" .") or "  " in value:
        raise ValueError(
            f"{value!r} would make an unsafe notice file name ('..', or a leading or trailing "
            f"space or dot). {fix}"
        )
    if len(value) > REFERENCE_LIMIT:
        raise ValueError(
            f"{value!r} is longer than {REFERENCE_LIMIT} characters. Fix: shorten it, or set "
            "campaign.notice_prefix."
        )
    return value


class Authorization(Model):
    """The written authorization the inspection runs under."""

    reference: str = Field(
        min_length=1,
        description="Document number of the authorization. It starts the notice numbers and "
        "file names unless `notice_prefix` is set: letters, digits, spaces and "
        f"`{' '.join(REFERENCE_PUNCTUATION.strip())}` only, no `..`, at most "
        f"{REFERENCE_LIMIT} characters.",
    )
    issued_by: str = Field(min_length=1, description="Who signed it.")
    valid_from: StartTime = Field(description="First moment a run is allowed (date or time, UTC).")
    valid_until: EndTime = Field(description="Last moment a run is allowed (a date: end of day).")

    @field_validator("reference")
    @classmethod
    def _safe_reference(cls, value: str) -> str:
        return _reference(value)

    @model_validator(mode="after")
    def _ordered(self) -> Authorization:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be later than valid_from")
        return self


class Campaign(Model):
    """The inspection campaign and the authority running it."""

    name: str = Field(min_length=1, description="Campaign name, shown on notices.")
    authority: str = Field(min_length=1, description="Issuing authority of the notices.")
    authorization: Authorization
    notice_prefix: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$",
        description="Prefix of notice numbers (default: the authorization reference).",
    )
    legal_regime: Literal["prc", "generic"] = Field(
        "prc", description="Which legal basis notices cite: PRC law and MLPS 2.0, or generic."
    )


def _scope_entry(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        if not HOSTNAME.match(value):
            raise ValueError(
                f"{value!r} is neither an IP address, a CIDR range nor a host name "
                "(a leading '*.' allows subdomains)"
            ) from None
    return value


class Scope(Model):
    """What the scanner may touch. Deny wins over allow; nothing else is ever contacted.

    Every address a name resolves to must lie in an allowed range, unless the name is listed in
    ``resolve_anywhere``. Loopback, link-local (169.254.0.0/16, fe80::/10) and cloud metadata
    addresses (169.254.169.254, fd00:ec2::254, 100.100.100.200...) are refused unless an allowed
    range inside them names them (0.0.0.0/0 does not)."""

    allow: list[str] = Field(
        min_length=1,
        description=(
            "Allowed IPs, CIDRs and host names. A name's DNS answers must lie in allowed ranges "
            "too. Loopback, link-local and cloud metadata addresses need an allowed range inside "
            "them (0.0.0.0/0 is not enough)."
        ),
    )
    deny: list[str] = Field(default_factory=list, description="Never contacted, even if allowed.")
    resolve_anywhere: list[str] = Field(
        default_factory=list,
        description=(
            "Allowed host names (exact, no '*.') whose DNS answers may lie outside the allowed "
            "ranges; never in a denied range, loopback, link-local or cloud metadata."
        ),
    )

    @field_validator("allow", "deny")
    @classmethod
    def _entries(cls, value: list[str]) -> list[str]:
        return [_scope_entry(v) for v in value]

    @model_validator(mode="after")
    def _anywhere_names_are_allowed(self) -> Scope:
        patterns = [p.lower().rstrip(".") for p in self.allow]
        for name in self.resolve_anywhere:
            plain = name.lower().rstrip(".")
            if name.startswith("*.") or not HOSTNAME.match(name) or _is_network(name):
                raise ValueError(f"resolve_anywhere: {name!r} is not one exact host name")
            if not any(fnmatch.fnmatchcase(plain, p) for p in patterns):
                raise ValueError(
                    f"resolve_anywhere: {name!r} is not an allowed name (add it to scope.allow)"
                )
        return self


def _is_network(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


class RateLimits(Model):
    """How hard the scanner may press on the targets and this machine."""

    connections_per_second: float = Field(
        50, gt=0, le=10000, description="Global cap on new connections and requests per second."
    )
    workers: int = Field(16, ge=1, le=256, description="Checks running at once, all hosts.")
    per_host: int = Field(4, ge=1, le=64, description="Checks running at once against one host.")
    check_timeout: float = Field(30, gt=0, le=3600, description="Deadline of one check, seconds.")
    ot_connections_per_second: float = Field(
        2, gt=0, le=1000, description="Cap on new connections per second to ot assets."
    )
    ot_packets_per_second: int = Field(
        100, ge=1, le=100000, description="nmap --max-rate for ot assets (packets per second)."
    )
    discovery_timeout: float = Field(
        600, gt=0, le=86400, description="Deadline of discovery (nmap) for one batch, seconds."
    )
    max_services_per_host: int = Field(
        200,
        ge=1,
        le=65535,
        description="A host with more open ports (a tarpit) is recorded once, not inspected "
        "port by port.",
    )


class Contact(Model):
    """A person at the entity who receives notices."""

    name: str = Field(min_length=1)
    role: str = ""
    email: str = ""
    phone: str = ""


class Credential(Model):
    """How to log in to on-site hosts. Secrets are never written in the inventory itself."""

    username: str = Field(min_length=1)
    key_file: Path | None = Field(None, description="Private key file (relative to the inventory).")
    password_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding the password.",
    )
    known_hosts: Path | None = Field(
        None,
        description="known_hosts file to verify host keys (optional for hosts whose keys are "
        "pinned in the store with `scanner hostkeys approve`).",
    )
    sudo: bool = Field(
        False, description="Run root-only reads with `sudo -n` (a NOPASSWD sudoers rule)."
    )
    sudo_password_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding the login user's sudo password: "
        "root-only reads run with `sudo -k -S`, the password sent on the channel's stdin when "
        "sudo prompts (never on a command line); one attempt per host, a rejected password "
        "is not retried.",
    )
    su_password_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding root's password, for hosts "
        "without sudo: root-only reads run with `su -c`, the password on stdin; one attempt.",
    )
    use_agent: bool = Field(False, description="Also offer keys from a running ssh-agent.")

    @model_validator(mode="after")
    def _some_secret(self) -> Credential:
        if self.key_file is None and self.password_env is None and not self.use_agent:
            raise ValueError("give key_file, password_env or use_agent")
        if self.su_password_env is not None and (self.sudo or self.sudo_password_env):
            raise ValueError(
                "su_password_env is for hosts without sudo: give either sudo (or "
                "sudo_password_env) or su_password_env. Fix: keep the one the host uses"
            )
        return self

    @property
    def privilege(self) -> Privilege | None:
        """How root-only reads run: sudo -n, sudo -S with a password, su -c; None: not at all."""
        if self.su_password_env:
            return Privilege.SU
        if self.sudo_password_env:
            return Privilege.SUDO_PASSWORD
        return Privilege.SUDO if self.sudo else None

    @property
    def privilege_env(self) -> str | None:
        """The environment variable holding the privilege's password (None for sudo -n)."""
        return self.su_password_env or self.sudo_password_env


class Asset(Model):
    """One thing to inspect: exactly one of host, network, url or onsite."""

    id: str = Field(pattern=IDENT, description="Stable id within the entity.")
    host: str | None = Field(None, description="An IP address or DNS name.")
    network: str | None = Field(None, description="A CIDR range; each live address is inspected.")
    url: str | None = Field(None, pattern=r"^https?://", description="A web endpoint.")
    onsite: str | None = Field(None, description="A host audited over SSH (address or name).")
    credentials: str | None = Field(None, description="Credentials reference (onsite assets).")
    exposure: Exposure = Field(Exposure.INTERNAL, description="internet, internal or ot.")
    tags: list[str] = Field(default_factory=list, description="Free tags; `ot` selects OT-safe.")
    expected_services: list[Annotated[str, Field(pattern=r"^\d{1,5}/(tcp|udp)$")]] = Field(
        default_factory=list, description="Services that should be there, e.g. 22/tcp."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Asset:
        given = [k for k in ("host", "network", "url", "onsite") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "an asset needs exactly one of host, network, url or onsite"
                + (f" (it has {', '.join(given)})" if given else "")
            )
        if self.network is not None:
            ipaddress.ip_network(self.network, strict=False)  # ValueError names the problem
        if self.onsite is not None and not self.credentials:
            raise ValueError("an onsite asset needs a credentials reference")
        return self

    @property
    def kind(self) -> AssetKind:
        """Which of host, network, url or onsite this asset is."""
        for kind in AssetKind:
            if getattr(self, kind.value, None) is not None:  # CHECKLIST is no asset field
                return kind
        raise AssertionError("validated asset without a kind")

    @property
    def value(self) -> str:
        """The address, range, URL or on-site host as written."""
        return str(getattr(self, self.kind.value))


class Entity(Model):
    """The accountable organisation that receives a notice."""

    id: str = Field(pattern=IDENT)
    name: str = Field(min_length=1)
    sector: Literal[SECTORS] = Field(description="One of: " + ", ".join(SECTORS))  # type: ignore[valid-type]
    cii_operator: bool = Field(
        False, description="Operator of critical information infrastructure."
    )
    mlps_level: int = Field(2, ge=1, le=5, description="MLPS 2.0 protection level, 1 to 5.")
    contacts: list[Contact] = Field(default_factory=list)
    assets: list[Asset] = Field(min_length=1)
    checklist: Path | None = Field(
        None,
        description="Management checklist answers file (relative to the inventory); "
        "see docs/checklist.md.",
    )

    @field_validator("assets")
    @classmethod
    def _unique_assets(cls, value: list[Asset]) -> list[Asset]:
        _unique([a.id for a in value], "asset id")
        if MANAGEMENT_ASSET in {a.id for a in value}:
            raise ValueError(
                f"asset id {MANAGEMENT_ASSET!r} is reserved for the entity's management "
                "checklist; rename the asset"
            )
        return value


#: TCP ports discovered on ot assets by default: remote management, then industrial protocols
#: (S7comm 102, Modbus 502, FINS 9600, DNP3 20000, EtherNet/IP 44818, IEC 104 2404, OPC UA 4840,
#: Niagara Fox 1911/4911, ProConOS 20547, PCWorx 1962, MELSEC 5007, HART-IP 5094, GE SRTP 18245).
ICS_TCP_PORTS = (
    "21,22,23,80,102,443,502,1911,1962,2404,4840,4911,5007,5094,9600,18245,18246,20000,20547,44818"
)

PORTS = re.compile(r"^(top-\d{1,5}|all|\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*)$")


WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
DURATION = re.compile(r"^(\d{1,6})(s|m|h|d)$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def cron_iter(expression: str, start: datetime, *, backwards: bool = False) -> croniter:
    """croniter for an inventory's cron expression: 5 fields, or 6 with seconds first."""
    # Seconds first, as Quartz and Spring write them; a 7th field would be the year.
    return croniter(expression, start, is_prev=backwards, second_at_beginning=True)


def duration_seconds(value: str) -> int:
    """Seconds of a duration like ``90s``, ``30m``, ``6h`` or ``2d``."""
    match = DURATION.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a duration; write a number and s, m, h or d, e.g. 6h")
    return int(match[1]) * SECONDS[match[2]]


class Schedule(Model):
    """When a profile runs by itself under `scanner schedule run` (see docs/scheduling.md)."""

    cron: str = Field(
        description="Cron expression of the due times: minute hour day-of-month month "
        'day-of-week (e.g. "0 22 * * 1"), or 6 fields with seconds first.'
    )
    timezone: str = Field(
        "UTC",
        description="IANA time zone of the cron expression and the window, e.g. Asia/Shanghai.",
    )
    window: str | None = Field(
        None,
        description='Local times runs may start and checks may run, "HH:MM-HH:MM" (may cross '
        "midnight, e.g. 22:00-05:00). Checks not started when it closes are left for --resume.",
    )
    catch_up: Literal["skip", "once"] = Field(
        "once",
        description="Due times missed (scheduler down or busy): `once` runs the latest of them "
        "if it is at most catch_up_within late; `skip` records them as missed.",
    )
    catch_up_within: str = Field(
        "6h", description="How late a missed due time may still run under `once`: 90s, 30m, 6h, 2d."
    )
    verify_at_deadline: bool = Field(
        False,
        description="Rescan each notice of this profile's runs when its items' deadline passes "
        "(as `scanner verify --notice`).",
    )

    @field_validator("cron", mode="before")
    @classmethod
    def _cron(cls, value: Any) -> str:
        text = " ".join(str(value).split())
        try:
            cron_iter(text, datetime(2026, 1, 1, tzinfo=UTC))
        except (CroniterError, ValueError) as exc:
            raise ValueError(
                f"{text!r} is not a cron expression ({exc}); write 5 fields: minute hour "
                "day-of-month month day-of-week, e.g. '0 22 * * 1' (Mondays 22:00), or 6 with "
                "seconds first"
            ) from None
        return text

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone; write a name like Asia/Shanghai, "
                "Europe/Berlin or UTC"
            ) from None
        return value

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        if value is None:
            return None
        match = WINDOW.match(str(value).replace(" ", ""))
        if not match or match.group(1, 2) == match.group(3, 4):
            raise ValueError(
                f"{value!r} is not a window; write two different local times as "
                '"HH:MM-HH:MM" in quotes, e.g. "22:00-05:00"'
            )
        return match[0]

    @field_validator("catch_up_within", mode="before")
    @classmethod
    def _within(cls, value: Any) -> str:
        duration_seconds(str(value))
        return str(value)

    @property
    def zone(self) -> ZoneInfo:
        """The time zone."""
        return ZoneInfo(self.timezone)

    @property
    def window_times(self) -> tuple[time, time] | None:
        """The window's opening and closing local times, or None without a window."""
        if self.window is None:
            return None
        start, end = self.window.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def catch_up_seconds(self) -> int:
        """catch_up_within in seconds."""
        return duration_seconds(self.catch_up_within)


class Profile(Model):
    """Which checks a run executes, and how discovery looks for services."""

    description: str = ""
    modes: list[Mode] = Field(default_factory=list, description="remote, onsite, checklist.")
    families: list[str] = Field(default_factory=list, description="Check families to run.")
    checks: list[str] = Field(default_factory=list, description="Extra check ids to run.")
    exclude: list[str] = Field(default_factory=list, description="Check ids never to run.")
    ports: str = Field(
        "top-1000", description="TCP ports to discover: top-N, all, or a list like 22,80,8000-8100."
    )
    udp_ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=list, description="UDP ports to discover, e.g. [161]."
    )
    version_detection: bool = Field(
        False,
        description="Run nmap's service version detection (-sV --version-light; never on ot "
        "assets): products, versions and CPEs that net.vulnerable-version matches. Slower.",
    )
    ot_ports: str = Field(
        "ics",
        description="TCP ports to discover on ot assets: `ics` (management and industrial "
        "protocol ports, see docs/ot-safety.md), or a list like 502,102.",
    )
    schedule: Schedule | None = Field(
        None, description="When `scanner schedule run` starts this profile by itself."
    )

    @field_validator("ports", "ot_ports")
    @classmethod
    def _ports(cls, value: str) -> str:
        value = str(value).strip()
        if value == "ics":
            return value
        if not PORTS.match(value):
            raise ValueError("write top-N, all, or ports and ranges like 22,80,8000-8100")
        for part in re.findall(r"\d+", value.removeprefix("top-")):
            if not 1 <= int(part) <= 65535:
                raise ValueError(f"port {part} is outside 1-65535")
        return value

    def nmap_ports(self, *, ot: bool = False) -> tuple[str, str]:
        """The nmap option and value selecting TCP ports: ``("--top-ports", "1000")``..."""
        ports = self.ot_ports if ot else self.ports
        if ports == "ics":
            return "-p", ICS_TCP_PORTS
        if ports.startswith("top-"):
            return "--top-ports", ports.removeprefix("top-")
        return "-p", "1-65535" if ports == "all" else ports


class Deadlines(Model):
    """Days an entity has to rectify an item, by risk level."""

    high: int = Field(7, ge=1, le=3650)
    medium: int = Field(30, ge=1, le=3650)
    low: int = Field(90, ge=1, le=3650)


class RiskModel(Model):
    """How an issue's risk score (0-10) and level come about; see docs/risk.md.

    score = min(10, severity score x exposure factor + KEV bonus + CII bonus + MLPS bonus), then
    the level by the thresholds. A finding with a CVSS base score uses it where it is higher
    than the severity score; the KEV bonus is added for a vulnerability known to be exploited.
    """

    severity_score: dict[str, float] = Field(
        default_factory=lambda: {
            "critical": 9.0,
            "high": 7.0,
            "medium": 5.0,
            "low": 3.0,
            "info": 1.0,
        },
        description="Base score of each check severity.",
    )
    exposure_factor: dict[str, float] = Field(
        default_factory=lambda: {"internet": 1.0, "ot": 0.9, "internal": 0.7},
        description="Multiplier by the asset's exposure.",
    )
    cii_bonus: float = Field(0.5, ge=0, le=5, description="Added for CII operators.")
    kev_bonus: float = Field(
        2.0,
        ge=0,
        le=5,
        description="Added for a vulnerability known to be exploited (in CISA's KEV catalogue).",
    )
    mlps_bonus: dict[int, float] = Field(
        default_factory=lambda: {1: 0.0, 2: 0.0, 3: 0.5, 4: 1.0, 5: 1.5},
        description="Added by the entity's MLPS level.",
    )
    high_from: float = Field(7.0, gt=0, le=10, description="Scores from here are high.")
    medium_from: float = Field(4.5, gt=0, le=10, description="Scores from here are medium.")

    @model_validator(mode="after")
    def _complete(self) -> RiskModel:
        if self.medium_from >= self.high_from:
            raise ValueError("medium_from must be lower than high_from")
        for name, given, needed in (
            ("severity_score", self.severity_score, [s.value for s in Severity]),
            ("exposure_factor", self.exposure_factor, [e.value for e in Exposure]),
        ):
            if sorted(given) != sorted(needed):
                raise ValueError(f"{name} needs exactly the keys {', '.join(needed)}")
        return self


class CredentialTests(Model):
    """The campaign's credential-test policy: whether weak and default passwords are tried,
    and how carefully (see docs/credentials.md)."""

    enabled: bool = Field(
        False,
        description="Opt in to every credential check (intrusive: they log in with guessed "
        "passwords). Never on ot assets.",
    )
    max_attempts: int = Field(
        3, ge=1, le=10, description="Logins per account per host per run (lockout-aware)."
    )
    pause: float = Field(
        1.0, ge=0.0, le=60.0, description="Seconds between two logins to the same service."
    )
    per_connection: int = Field(1, ge=1, le=6, description="Logins sent on one connection at most.")
    builtin: bool = Field(True, description="Try the built-in short list (vendor defaults).")
    lists: list[Path] = Field(
        default_factory=list,
        description="Files of account:password lines (relative to the inventory).",
    )


class ChecksConfig(Model):
    """Where extra checks come from, which intrusive checks are allowed, and check settings."""

    dirs: list[Path] = Field(default_factory=list, description="Folders of extra check modules.")
    intrusive: list[str] = Field(
        default_factory=list, description="Intrusive check ids this campaign opts in to."
    )
    settings: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per check id: settings handed to the check."
    )
    credentials: CredentialTests = Field(
        default_factory=CredentialTests, description="The credential-test policy."
    )


class Inventory(Model):
    """A whole campaign: who inspects whom, within what scope, with which checks."""

    campaign: Campaign
    scope: Scope
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    credentials: dict[str, Credential] = Field(default_factory=dict)
    entities: list[Entity] = Field(min_length=1)
    profiles: dict[str, Profile] = Field(min_length=1)
    deadlines: Deadlines = Field(default_factory=Deadlines)
    risk: RiskModel = Field(default_factory=RiskModel)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)

    @field_validator("entities")
    @classmethod
    def _unique_entities(cls, value: list[Entity]) -> list[Entity]:
        _unique([e.id for e in value], "entity id")
        return value

    @model_validator(mode="after")
    def _credential_refs(self) -> Inventory:
        for entity in self.entities:
            for asset in entity.assets:
                if asset.credentials and asset.credentials not in self.credentials:
                    known = ", ".join(sorted(self.credentials)) or "none are declared"
                    raise ValueError(
                        f"asset {entity.id}/{asset.id} refers to credentials "
                        f"{asset.credentials!r}, which is not declared (known: {known})"
                    )
        return self


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ValueError(f"{what} {value!r} is used twice; ids must be unique")
        seen.add(value)


class LoadedInventory:
    """An inventory together with the file it came from, for errors that name lines."""

    def __init__(self, model: Inventory, source: Source) -> None:
        self.model = model
        self.source = source

    @property
    def path(self) -> Path:
        """The inventory file."""
        return self.source.path

    def resolve_path(self, path: Path) -> Path:
        """A path written in the inventory, relative to the inventory's folder."""
        return path if path.is_absolute() else (self.path.parent / path)

    def where(self, loc: Loc) -> str:
        """``file:line`` of a location in the inventory."""
        return self.source.where(loc)


def load_inventory(path: Path) -> LoadedInventory:
    """Read and validate an inventory file; raise one UserError listing every problem."""
    return _validated(load(path, what="inventory"))


def inventory_from_text(text: str, path: Path) -> LoadedInventory:
    """Validate inventory ``text`` kept from ``path`` (a run's stored copy)."""
    return _validated(parse(text, path))


def _validated(source: Source) -> LoadedInventory:
    path = source.path
    if not isinstance(source.data, dict):
        raise UserError(
            f"{path}:1: the inventory must be a YAML mapping with campaign, scope, entities "
            "and profiles. Fix: start from targets.example.yaml."
        )
    try:
        model = Inventory.model_validate(source.data)
    except ValidationError as exc:
        raise UserError(_explain(source, exc)) from None
    return LoadedInventory(model, source)


def _explain(source: Source, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        loc = _data_loc(err["loc"])
        problems.append(f"  {source.where(loc)}: {dotted(loc)}: {_message(err, loc)}")
    count = len(problems)
    head = f"{source.path}: {count} problem{'s' if count > 1 else ''} in the inventory:"
    return "\n".join([head, *problems])


def _data_loc(loc: tuple[Any, ...]) -> Loc:
    # Pydantic puts validator names (e.g. "function-after[...]") into locations; drop them.
    return tuple(p for p in loc if isinstance(p, int) or not str(p).startswith("function-"))


def _message(err: Any, loc: Loc) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f" Allowed keys here: {', '.join(allowed)}." if allowed else ""
        if loc and loc[-1] in ("password", "secret", "token"):
            hint = " Secrets are never written in the inventory: use password_env or key_file."
        return f"unknown key {loc[-1]!r}. Fix: remove it or correct its spelling.{hint}"
    if kind == "missing":
        return f"required, but missing. Fix: add {loc[-1]!r} here."
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        return msg if ". Fix: " in msg else f"{msg}. Fix: correct this value."
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"{msg}{shown}. Fix: correct this value."


def _allowed_keys(loc: Loc) -> list[str]:
    """The keys the model accepts at ``loc`` (a mapping's location), for unknown-key hints."""
    annotation: Any = Inventory
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif get_origin(annotation) in (list, dict):
            annotation = get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    # Optional[X] -> X, Annotated[X, ...] -> X
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) not in (list, dict) and args and len(args) == 1:
        return _unwrap(args[0])
    return annotation


def preflight_paths(inv: LoadedInventory) -> list[str]:
    """Problems with files and variables the inventory names: key files, known_hosts, dirs."""
    problems = []
    for name, cred in inv.model.credentials.items():
        for key in ("key_file", "known_hosts"):
            value = getattr(cred, key)
            if value is not None and not inv.resolve_path(value).is_file():
                loc: Loc = ("credentials", name, key)
                problems.append(
                    f"  {inv.where(loc)}: {dotted(loc)}: {inv.resolve_path(value)} does not "
                    "exist. Fix: point it at a readable file (relative to the inventory)."
                )
        for key in ("password_env", "sudo_password_env", "su_password_env"):
            variable = getattr(cred, key)
            if variable and variable not in os.environ:
                loc = ("credentials", name, key)
                problems.append(
                    f"  {inv.where(loc)}: {dotted(loc)}: the environment variable "
                    f"{variable} is not set. Fix: export it before the run."
                )
    for index, listed in enumerate(inv.model.checks.credentials.lists):
        loc = ("checks", "credentials", "lists", index)
        try:
            read_list(inv.resolve_path(listed))
        except CredentialListError as exc:
            problems += [f"  {inv.where(loc)}: {dotted(loc)}: {p}" for p in exc.problems]
    for index, folder in enumerate(inv.model.checks.dirs):
        if not inv.resolve_path(folder).is_dir():
            loc = ("checks", "dirs", index)
            problems.append(
                f"  {inv.where(loc)}: {dotted(loc)}: {inv.resolve_path(folder)} is not a folder. "
                "Fix: point it at a folder of check modules."
            )
    return problems


def authorization_problem(inv: LoadedInventory, now: datetime) -> str | None:
    """Why a run at ``now`` is outside the authorization window, or None when it is inside."""
    auth = inv.model.campaign.authorization
    loc: Loc = ("campaign", "authorization")
    if now < auth.valid_from:
        return (
            f"{inv.where((*loc, 'valid_from'))}: the authorization {auth.reference} is not valid "
            f"before {auth.valid_from.isoformat()} (now {now.isoformat(timespec='seconds')}). "
            "Fix: wait for the window, or record the new authorization in the inventory."
        )
    if now > auth.valid_until:
        return (
            f"{inv.where((*loc, 'valid_until'))}: the authorization {auth.reference} expired "
            f"{auth.valid_until.isoformat()} (now {now.isoformat(timespec='seconds')}). "
            "Fix: obtain a renewed authorization and record it in the inventory."
        )
    return None
