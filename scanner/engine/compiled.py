"""A run's inventory compiled once: what discovery, the plan and execution read instead of it.

:class:`CompiledRun` is built after preflight (:func:`scanner.app.compile.compile_run`): the
profile and its selected checks, each asset's scope-checked addresses, the scope guard that
checked them, and the executor's limits. :class:`Discovered` is what discovery hands the plan: the
hosts that answered and the live addresses of every asset. :func:`load_registry` and
:func:`limits_of` derive a run's checks and limits from its inventory, for a coordinator and a
worker alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from scanner.core.models import AssetKind, Attempt, Exposure, HostScan, Mode
from scanner.engine.executor import Limits
from scanner.engine.registry import LoadedCheck, Registry
from scanner.engine.registry import discover as discover_checks
from scanner.inventory.schema import LoadedInventory, Profile
from scanner.scope.guard import ScopeGuard

#: (entity id, asset id), the key of an asset across a run.
AssetKey = tuple[str, str]
#: (entity id, asset id, check id): what a restricted rescan keeps to.
Triple = tuple[str, str, str]


@dataclass(frozen=True)
class CompiledRun:
    """What one run of one profile needs from its inventory, checked by preflight.

    Attributes:
        inv: the inventory (its entities and assets are what the plan walks).
        profile_name: the profile's name.
        profile: the profile (ports, discovery options).
        checks: the checks the profile selects (only those of ``only`` for a rescan).
        addresses: each asset's scope-checked addresses; a range maps to itself (discovery
            expands it to its live addresses).
        guard: the scope guard preflight checked the assets with (verdicts only; a run's
            services record refusals with a guard of their own).
        limits: the executor's limits from the inventory's ``rate_limits``.
        only: the triples a restricted rescan runs, or None for the whole profile.
        resolutions: every name preflight resolved (normalized) and the addresses it kept:
            the run keeps them, so no later stage or worker asks DNS for them again.
    """

    inv: LoadedInventory
    profile_name: str
    profile: Profile
    checks: tuple[LoadedCheck, ...]
    addresses: Mapping[AssetKey, tuple[str, ...]]
    guard: ScopeGuard
    limits: Limits
    only: frozenset[Triple] | None = None
    resolutions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def restricted_to(self, only: Iterable[Triple]) -> CompiledRun:
        """The same run kept to ``only``: its checks and assets, nothing else."""
        keep = frozenset(only)
        check_ids = {check for _, _, check in keep}
        assets = {(entity, asset) for entity, asset, _ in keep}
        return replace(
            self,
            checks=tuple(c for c in self.checks if c.id in check_ids),
            addresses={k: v for k, v in self.addresses.items() if k in assets},
            only=keep,
        )

    @cached_property
    def sha256(self) -> str:
        """The inventory text's digest: a resumed run must have the same."""
        return hashlib.sha256(self.inv.source.text.encode()).hexdigest()

    @property
    def remote(self) -> bool:
        """Whether any selected check works from the network (and so needs discovery)."""
        return any(c.meta.mode == Mode.REMOTE for c in self.checks)

    @cached_property
    def kinds(self) -> Mapping[AssetKey, AssetKind]:
        """Each asset's kind."""
        return {(e.id, a.id): a.kind for e in self.inv.model.entities for a in e.assets}

    @cached_property
    def ot_assets(self) -> frozenset[AssetKey]:
        """The ot assets: exposure ``ot`` or tagged ``ot``."""
        return frozenset(
            (e.id, a.id)
            for e in self.inv.model.entities
            for a in e.assets
            if a.exposure == Exposure.OT or "ot" in a.tags
        )


@dataclass(frozen=True)
class Discovered:
    """What discovery found, as the plan reads it.

    Attributes:
        scans: by address, whether the host answered and the services it offers.
        addresses: each asset's addresses, a range's replaced by its live addresses.
        skipped: attempts discovery decided itself (a host answering on every port), stored
            and counted with the run's others.
    """

    scans: Mapping[str, HostScan]
    addresses: Mapping[AssetKey, tuple[str, ...]]
    skipped: tuple[Attempt, ...] = ()


def load_registry(inv: LoadedInventory, extra_dirs: Iterable[Path] = ()) -> Registry:
    """All checks: built-in, entry points, the inventory's folders and ``extra_dirs``."""
    dirs = [inv.resolve_path(d) for d in inv.model.checks.dirs if inv.resolve_path(d).is_dir()]
    return discover_checks([*dirs, *extra_dirs])


def limits_of(inv: LoadedInventory) -> Limits:
    """The executor's limits from the inventory's ``rate_limits``."""
    limits = inv.model.rate_limits
    return Limits(limits.workers, limits.per_host, limits.check_timeout)
