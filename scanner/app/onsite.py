"""``scanner commands``: what the on-site audit runs on a host, for all checks or one inventory.

The commands themselves (:func:`scanner.app.catalogue.onsite_commands`) come from the checks'
declared commands; an inventory adds who logs in where and how root commands run (sudo, su).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.core.errors import UserError
from scanner.core.models import AssetKind, Mode, Privilege
from scanner.engine.compiled import load_registry
from scanner.engine.plan import select_checks
from scanner.engine.registry import LoadedCheck, discover
from scanner.inventory.schema import LoadedInventory, load_inventory


@dataclass(frozen=True)
class OnsiteAudit:
    """The checks whose commands are listed, and the logins of an inventory's on-site assets.

    Attributes:
        checks: the checks (every loaded check without an inventory; else the on-site checks
            of the profile, or of every profile).
        logins: one line per on-site asset: who logs in where, and how root commands run.
    """

    checks: list[LoadedCheck]
    logins: list[str]


def onsite_audit(inventory: Path | None, profile: str | None) -> OnsiteAudit:
    """The on-site audit of every check, or of ``inventory``'s ``profile`` (all profiles when
    None)."""
    if inventory is None:
        if profile is not None:
            raise UserError("--profile needs --inventory.")
        return OnsiteAudit(discover().sorted(), [])
    inv = load_inventory(inventory)
    return OnsiteAudit(_profile_checks(inv, profile), _logins(inv))


def _profile_checks(inv: LoadedInventory, profile: str | None) -> list[LoadedCheck]:
    """The checks of ``profile`` (of every profile when None)."""
    registry = load_registry(inv)
    names = [profile] if profile is not None else sorted(inv.model.profiles)
    chosen = {c.id: c for name in names for c in select_checks(inv, registry, name)}
    return [chosen[i] for i in sorted(chosen) if chosen[i].meta.mode == Mode.ONSITE]


def _logins(inv: LoadedInventory) -> list[str]:
    """One line per on-site asset: who logs in where, and how root commands run."""
    lines = []
    for entity in inv.model.entities:
        for asset in entity.assets:
            if asset.kind != AssetKind.ONSITE or asset.credentials is None:
                continue
            cred = inv.model.credentials[asset.credentials]
            how = {
                Privilege.SUDO: "root commands run as `sudo -n -- COMMAND`",
                Privilege.SUDO_PASSWORD: "root commands run as `sudo -k -S -p PROMPT -- COMMAND`, "
                f"the password from ${cred.sudo_password_env} on stdin when sudo prompts",
                Privilege.SU: "root commands run as `su -c 'COMMAND' root`, root's password "
                f"from ${cred.su_password_env} on stdin",
                None: "no privilege: root commands run as the login user",
            }[cred.privilege]
            lines.append(f"{entity.id}/{asset.id}: {cred.username}@{asset.value} ({how})")
    return lines
