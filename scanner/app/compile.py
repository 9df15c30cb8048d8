"""Preflight and compiling: an inventory and a profile become the :class:`CompiledRun` a run reads.

Everything that can be found wrong without sending a packet (authorization window, scope of every
asset, unresolvable names, unknown check ids, missing key files, checklist answers files) is found
by :func:`preflight`, as one UserError listing every problem; :func:`compile_run` then selects the
profile's checks and freezes the result, so each stage of the run receives it rather than the raw
inventory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from scanner.core.errors import UserError
from scanner.core.models import AssetKind
from scanner.discovery.nmap import environment_problem
from scanner.engine.answers import checklist_problems
from scanner.engine.compiled import AssetKey, CompiledRun, limits_of, load_registry
from scanner.engine.plan import check_id_problems, profile_problems, select_checks
from scanner.engine.registry import Registry
from scanner.inventory.schema import LoadedInventory, authorization_problem, preflight_paths
from scanner.inventory.yamlsource import Loc, dotted
from scanner.scope.guard import OutOfScope, ScopeGuard, Unresolvable


def compile_run(
    inv: LoadedInventory,
    profile_name: str,
    *,
    extra_dirs: Iterable[Path] = (),
    registry: Registry | None = None,
    now: datetime | None = None,
    resolved: Mapping[str, Sequence[str]] | None = None,
) -> CompiledRun:
    """Preflight ``inv`` for ``profile_name`` and compile it (checks of ``registry``, else of
    the inventory's folders and ``extra_dirs``); a UserError listing every problem.
    ``resolved``: the names a stored run resolved already (a resumed run, a worker), reused
    instead of asking DNS again."""
    registry = registry if registry is not None else load_registry(inv, extra_dirs)
    guard, addresses = preflight(inv, registry, profile=profile_name, now=now, resolved=resolved)
    return CompiledRun(
        inv=inv,
        profile_name=profile_name,
        profile=inv.model.profiles[profile_name],
        checks=tuple(select_checks(inv, registry, profile_name)),
        addresses={key: tuple(addrs) for key, addrs in addresses.items()},
        guard=guard,
        limits=limits_of(inv),
        resolutions=guard.resolutions(),
    )


def preflight(
    inv: LoadedInventory,
    registry: Registry,
    *,
    profile: str | None,
    now: datetime | None = None,
    resolved: Mapping[str, Sequence[str]] | None = None,
) -> tuple[ScopeGuard, dict[AssetKey, list[str]]]:
    """Every problem found before a packet is sent, as one UserError; else the scope guard and
    each asset's scope-checked addresses (a range maps to itself, expanded by discovery)."""
    problems: list[str] = [f"  {p}" for p in registry.problems]
    auth = authorization_problem(inv, now or datetime.now(UTC))
    if auth:
        problems.append(f"  {auth}")
    problems += preflight_paths(inv)
    problems += check_id_problems(inv, registry)
    problems += checklist_problems(inv, registry)  # the entities' checklist answers files
    if profile is not None:
        if profile not in inv.model.profiles:
            problems.append(
                f"  {inv.path}: there is no profile {profile!r} (profiles: "
                f"{', '.join(sorted(inv.model.profiles))}). Fix: pass one of those to --profile."
            )
        else:
            problems += profile_problems(inv, registry, profile)
            env = environment_problem(inv.model.profiles[profile])
            if env:
                problems.append(f"  {env}")
    else:
        for name in inv.model.profiles:
            problems += profile_problems(inv, registry, name)
    scope = inv.model.scope
    guard = ScopeGuard(
        scope.allow, scope.deny, resolve_anywhere=scope.resolve_anywhere, resolved=resolved
    )
    addresses = _asset_addresses(inv, guard, problems)
    if problems:
        count = len(problems)
        raise UserError(
            "\n".join(
                [
                    f"{inv.path}: {count} problem{'s' if count > 1 else ''} before the run:",
                    *problems,
                ]
            )
        )
    return guard, addresses


def _asset_addresses(
    inv: LoadedInventory, guard: ScopeGuard, problems: list[str]
) -> dict[AssetKey, list[str]]:
    """Each asset's scope-checked addresses; scope and name problems are appended."""
    addresses: dict[AssetKey, list[str]] = {}
    for e_index, entity in enumerate(inv.model.entities):
        for a_index, asset in enumerate(entity.assets):
            loc: Loc = ("entities", e_index, "assets", a_index, asset.kind.value)
            try:
                if asset.kind == AssetKind.NETWORK:
                    problem = guard.network_problem(asset.value)
                    if problem:
                        raise OutOfScope(problem)
                    addresses[(entity.id, asset.id)] = [asset.value]
                elif asset.kind == AssetKind.URL:
                    addresses[(entity.id, asset.id)] = guard.check_url(asset.value)
                else:
                    addresses[(entity.id, asset.id)] = guard.resolve(asset.value)
            except OutOfScope as exc:
                problems.append(
                    f"  {inv.where(loc)}: {dotted(loc)}: {asset.value} is outside the declared "
                    f"scope ({exc}). Fix: correct the asset, or extend scope.allow if the "
                    "authorization covers it."
                )
            except Unresolvable as exc:
                problems.append(
                    f"  {inv.where(loc)}: {dotted(loc)}: {exc}. Fix: correct the name, or "
                    "declare the asset by address."
                )
    return addresses


def checks_dirs(dirs: Iterable[Path]) -> list[Path]:
    """Extra check folders given on the command line, each checked to be a folder."""
    dirs = list(dirs)
    for d in dirs:
        if not d.is_dir():
            raise UserError(f"--checks-dir {d}: not a folder. Fix: point it at check modules.")
    return dirs
