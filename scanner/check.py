"""The Check base class, its metadata model, and the exceptions a check may raise on purpose.

A check is a class with metadata as class attributes and one method, :meth:`Check.run`, that
yields findings. Yielding nothing is a pass. Raising :class:`NotApplicable` or
:class:`Inconclusive` says so explicitly; any other exception is recorded by the engine as an
``error`` attempt with its traceback, never as a pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scanner.models import AssetKind, Finding, Mode, Severity, Target

if TYPE_CHECKING:
    from scanner.context import CheckContext

#: Check ids are namespaced and stable: ``net.redis-no-auth``.
CHECK_ID = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*[a-z0-9]$")

#: Reference kinds a check may cite; the notice maps them to a legal regime.
REFERENCE = re.compile(
    r"^(CWE-\d+|CVE-\d{4}-\d{4,}|CSL-\d+|MLPS-[0-9.]+|DSL-\d+|PIPL-\d+|https://\S+)$"
)


class NotApplicable(Exception):
    """Raised by a check when the thing it inspects is not there (recorded as not_applicable)."""


class Inconclusive(Exception):
    """Raised by a check when the target's answer cannot decide it (recorded as error)."""


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
    references: tuple[str, ...]
    remediation: str = Field(min_length=10)
    description: str = Field(min_length=10)

    @field_validator("references")
    @classmethod
    def _known_reference_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for ref in value:
            if not REFERENCE.match(ref):
                raise ValueError(
                    f"reference {ref!r} is not one of CWE-n, CVE-y-n, CSL-n, MLPS-x.y, DSL-n, "
                    "PIPL-n or an https URL"
                )
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
    references: ClassVar[tuple[str, ...]] = ()
    remediation: ClassVar[str]

    def run(self, target: Target, ctx: CheckContext) -> Iterable[Finding]:
        """Inspect ``target`` and yield a finding per weakness observed; nothing is a pass."""
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
            severity=getattr(cls, "severity", None),  # type: ignore[arg-type]
            kinds=applies.kinds,
            services=applies.services,
            intrusive=cls.intrusive,
            references=cls.references,
            remediation=getattr(cls, "remediation", ""),
            description=description,
        )
