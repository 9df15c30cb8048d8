"""The Check base class, its metadata model, and the exceptions a check may raise on purpose.

A check is a class with metadata as class attributes and one method, :meth:`Check.run`, that
yields findings. Yielding nothing is a pass. Raising :class:`NotApplicable` or
:class:`Inconclusive` says so explicitly; any other exception is recorded by the engine as an
``error`` attempt with its traceback, never as a pass.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scanner.core.errors import Inconclusive, NotApplicable
from scanner.core.models import (
    AssetKind,
    ChecklistTarget,
    Finding,
    HostTarget,
    Mode,
    OnsiteTarget,
    ServiceTarget,
    Severity,
    Target,
    UrlTarget,
)

__all__ = [
    "ARGS_SUFFIX",
    "ROOT_PREFIX",
    "AppliesTo",
    "Check",
    "CheckMeta",
    "Inconclusive",
    "NotApplicable",
    "UndeclaredCommand",
    "UndeclaredRequest",
    "declares",
]

if TYPE_CHECKING:
    from scanner.engine.context import CheckContext

#: Check ids are namespaced and stable: ``net.redis-no-auth``.
CHECK_ID = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*[a-z0-9]$")

#: Reference kinds a check may cite; the notice maps them to a legal regime. An MLPS clause may
#: name its item by letter: ``MLPS-8.1.4.1b`` is GB/T 22239-2019 8.1.4.1 b).
REFERENCE = re.compile(
    r"^(CWE-\d+|CVE-\d{4}-\d{4,}|CSL-\d+|MLPS-\d+(?:\.\d+)*[a-g]?|DSL-\d+|PIPL-\d+|https://\S+)$"
)


def known_references(value: tuple[str, ...]) -> tuple[str, ...]:
    """``value`` unchanged if every reference has a known form, else ValueError naming it."""
    for ref in value:
        if not REFERENCE.match(ref):
            raise ValueError(
                f"reference {ref!r} is not one of CWE-n, CVE-y-n, CSL-n, MLPS-x.y (item letter "
                "allowed: MLPS-x.yb), DSL-n, PIPL-n or an https URL"
            )
    return value


#: A declared command that needs root starts with this (``"sudo sshd -T"``): the transport runs
#: it under ``sudo -n --`` when the credential allows sudo, as the login user otherwise.
ROOT_PREFIX = "sudo "
#: A declared command ending in this takes arguments: ``"dpkg -S ..."``.
ARGS_SUFFIX = " ..."


class UndeclaredCommand(Exception):
    """A check asked to run a shell command its ``commands`` do not declare: a defect in the
    check (recorded as a ``check_bug`` error attempt), refused before anything is sent."""

    def __init__(self, check_id: str, command: str, *, root: bool, why: str = "") -> None:
        wanted = f"{ROOT_PREFIX}{command}" if root else command
        super().__init__(
            f"check {check_id} ran `{command}`{' as root' if root else ''}"
            f"{f' ({why})' if why else ''}, which its `commands` do not declare; nothing was "
            f"run. Fix: declare {wanted!r} in the check's `commands` (or an entry ending in "
            f"{ARGS_SUFFIX!r} for arguments)."
        )
        self.check_id, self.command, self.root = check_id, command, root


class UndeclaredRequest(Exception):
    """A check was about to send an industrial-protocol request its ``requests`` do not declare:
    a defect in the check (recorded as a ``check_bug`` error attempt), refused before the request
    leaves. ``kind`` is what the protocol client read from the bytes it was about to send."""

    def __init__(self, check_id: str, kind: str) -> None:
        super().__init__(
            f"check {check_id} was about to send the request {kind!r}, which its `requests` do "
            "not declare; nothing was sent. Fix: declare it in the check's `requests` (and only "
            "if it is read-only: see docs/ot-safety.md)."
        )
        self.check_id, self.kind = check_id, kind


#: A request kind: ``protocol.request`` (``s7.szl-read``, ``opcua.get-endpoints``).
REQUEST_KIND = re.compile(r"^[a-z0-9]+\.[a-z0-9][a-z0-9-]*$")


def declares(commands: Iterable[str], command: str, *, root: bool) -> str | None:
    """Whether ``commands`` allow running ``command`` (as root when ``root``): ``None`` if they
    do, else why not.

    An entry matches the same command exactly, or, when it ends in ``" ..."``, the part before
    it followed by arguments. Arguments must be plain shell words as :func:`shlex.join` writes
    them, so text read from the target can never turn into shell syntax (``;``, ``$(...)``).
    """
    prefix = ROOT_PREFIX if root else ""
    for entry in commands:
        if not entry.startswith(prefix) or (not root and entry.startswith(ROOT_PREFIX)):
            continue
        body = entry.removeprefix(prefix)
        if body == command:
            return None
        if body.endswith(ARGS_SUFFIX):
            head = body.removesuffix(ARGS_SUFFIX) + " "
            if command.startswith(head) and command != head:
                args = command.removeprefix(head)
                try:
                    quoted = shlex.join(shlex.split(args))
                except ValueError:
                    quoted = ""
                if quoted != args:
                    return f"its arguments {args!r} are not shell-quoted words (use shlex.join)"
                return None
    return ""


@dataclass(frozen=True, slots=True)
class AppliesTo:
    """What a check runs against.

    Attributes:
        kinds: asset kinds the check runs on once per asset (``url``: once per URL).
        services: service names (``redis``, ``telnet``...): the check runs once per discovered
            service of that name on host, network and on-site assets.
    """

    kinds: tuple[AssetKind, ...] = ()
    services: tuple[str, ...] = ()

    def target_types(self) -> tuple[type[Target], ...]:
        """The target records the plan hands a check that applies to this: a check's ``run``
        is annotated with (a union of) them. An ``onsite`` kind gets an OnsiteTarget, which
        is a HostTarget too, so a check for ``host`` and ``onsite`` takes a HostTarget."""
        types: list[type[Target]] = [_KIND_TARGETS[kind] for kind in self.kinds]
        if self.services:
            types.append(ServiceTarget)
        return tuple(dict.fromkeys(types))


#: The target record each asset kind a check applies to yields (a range's live addresses are
#: host targets).
_KIND_TARGETS: dict[AssetKind, type[Target]] = {
    AssetKind.HOST: HostTarget,
    AssetKind.NETWORK: HostTarget,
    AssetKind.ONSITE: OnsiteTarget,
    AssetKind.URL: UrlTarget,
    AssetKind.CHECKLIST: ChecklistTarget,
}


class CheckMeta(BaseModel):
    """Validated metadata of a check; built from the class attributes when the check loads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CHECK_ID.pattern)
    title: str = Field(min_length=5, max_length=120)
    family: str = Field(pattern=r"^[a-z]+$")
    mode: Mode
    severity: Severity
    kinds: tuple[AssetKind, ...]
    services: tuple[str, ...]
    intrusive: bool
    credentials: bool = False
    references: tuple[str, ...]
    remediation: str = Field(min_length=10)
    description: str = Field(min_length=10)
    commands: tuple[str, ...] = ()
    requests: dict[str, str] = Field(default_factory=dict)

    @field_validator("requests")
    @classmethod
    def _request_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, what in value.items():
            if not REQUEST_KIND.match(kind) or len(what.strip()) < 5:
                raise ValueError(
                    f"request {kind!r} must be named protocol.request and say what it is"
                )
        return value

    @field_validator("references")
    @classmethod
    def _known_reference_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return known_references(value)

    @field_validator("commands")
    @classmethod
    def _plain_commands(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for command in value:
            body = command.removeprefix(ROOT_PREFIX)
            if not body.strip() or body != body.strip() or re.search(r"[\x00-\x1f\x7f]", body):
                raise ValueError(
                    f"command {command!r} is empty, padded or has control characters or newlines"
                )
            if body.startswith("-") or body.split()[0] == "sudo":
                raise ValueError(
                    f"command {command!r} calls sudo itself: declare a root command as "
                    f"{ROOT_PREFIX!r} + the command and pass root=True to ctx.ssh_run"
                )
        return value

    @field_validator("credentials")
    @classmethod
    def _guessing_is_intrusive(cls, value: bool, info: Any) -> bool:
        if value and not info.data.get("intrusive"):
            raise ValueError("a credential check (credentials = True) must be intrusive")
        return value

    @field_validator("services")
    @classmethod
    def _applies_somewhere(cls, value: tuple[str, ...], info: Any) -> tuple[str, ...]:
        if not value and not info.data.get("kinds"):
            raise ValueError("applies_to names neither asset kinds nor services")
        return value


class Check:
    """Base class of every check. Subclasses set the metadata and implement :meth:`run`.

    The class docstring's first line is not used: the *module* docstring is the check's user
    documentation (bandit's convention), so one short file holds code and docs together.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    family: ClassVar[str]
    mode: ClassVar[Mode] = Mode.REMOTE
    severity: ClassVar[Severity]
    applies_to: ClassVar[AppliesTo]
    intrusive: ClassVar[bool] = False
    #: The check guesses passwords (it must be intrusive too): ``checks.credentials.enabled``
    #: opts in to it, and every login it sends goes through ``ctx.credential_try``.
    credentials: ClassVar[bool] = False
    references: ClassVar[tuple[str, ...]] = ()
    remediation: ClassVar[str]
    #: Every shell command the check runs on an on-site host, exactly as passed to
    #: ``ctx.ssh_run``; a root command (``root=True``) starts with ``"sudo "``, and an entry
    #: ending in ``" ..."`` takes arguments. ``ctx.ssh_run`` refuses anything else.
    commands: ClassVar[tuple[str, ...]] = ()
    #: Every industrial-protocol request the check sends, by kind (``"s7.szl-read"``) with what
    #: it is (function code, service). The protocol clients name each request from the bytes
    #: they are about to send and ``ctx.request`` refuses any kind not declared here;
    #: docs/ot-safety.md lists them (``scanner ot-requests``).
    requests: ClassVar[Mapping[str, str]] = {}

    # ``target: Any`` here so that each check can annotate the record it gets (ServiceTarget,
    # UrlTarget...): the plan guarantees it from ``applies_to``, which a parameter type of the
    # base class cannot express without making every check generic.
    def run(self, target: Any, ctx: CheckContext) -> Iterable[Finding]:
        """Inspect ``target`` (the record of :meth:`AppliesTo.target_types`) and yield a finding
        per weakness observed; nothing is a pass."""
        raise NotImplementedError

    def finding(
        self,
        target: Target,
        evidence: bytes | str,
        *,
        location: str | None = None,
        severity: Severity | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Finding:
        """Build a finding of this check on ``target``; evidence is cleaned by :class:`Finding`."""
        if isinstance(evidence, bytes):
            evidence = evidence.decode("utf-8", "backslashreplace")
        return Finding(
            check_id=self.id,
            entity_id=target.entity_id,
            asset_id=target.asset_id,
            location=location or target.location,
            severity=severity or self.severity,
            evidence=evidence,
            detail=detail or {},
        )

    @classmethod
    def meta(cls, description: str) -> CheckMeta:
        """Validate and return this check's metadata; raises pydantic's ValidationError."""
        applies = getattr(cls, "applies_to", AppliesTo())
        return CheckMeta(
            id=getattr(cls, "id", ""),
            title=getattr(cls, "title", ""),
            family=getattr(cls, "family", ""),
            mode=cls.mode,
            severity=getattr(cls, "severity", None),
            kinds=applies.kinds,
            services=applies.services,
            intrusive=cls.intrusive,
            credentials=cls.credentials,
            references=cls.references,
            remediation=getattr(cls, "remediation", ""),
            description=description,
            commands=tuple(cls.commands),
            requests=dict(cls.requests),
        )
