"""Approving and revoking SSH host-key pins: the operator's side of :mod:`scanner.app.hostkeys`.

``approve`` reaches only on-site assets of the inventory, through its scope guard and
authorization window, and reads the host key without logging in (:func:`read_presented_key`).
The key is pinned only when its fingerprint equals the one the operator got from the entity out
of band, or after an explicit confirmation on a terminal (:func:`confirm_key`); never on its own.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paramiko

from scanner.app.compile import preflight
from scanner.app.hostkeys import pin_key, revoke
from scanner.core.errors import UserError
from scanner.core.models import AssetKind
from scanner.core.text import one_line
from scanner.engine.compiled import load_registry
from scanner.inventory.schema import LoadedInventory, load_inventory
from scanner.store import Store
from scanner.store.hostkeys import Pin
from scanner.transport.net import open_tcp
from scanner.transport.ssh import SSH_PORT, fingerprint, read_host_key

#: How long reading a host key may take (connect and key exchange).
APPROVE_TIMEOUT = 20.0


@dataclass(frozen=True)
class PresentedKey:
    """The host key an on-site asset presented.

    Attributes:
        entity_id: the asset's entity.
        asset_id: the asset.
        host: the host as the inventory writes it (what the pin is for).
        address: the scope-checked address the key was read from.
        key: the key.
    """

    entity_id: str
    asset_id: str
    host: str
    address: str
    key: paramiko.PKey

    @property
    def shown(self) -> str:
        """The key's type and fingerprint as ``ssh-keygen -l`` shows them."""
        return fingerprint(self.key)


def read_presented_key(inventory: Path, target: str) -> PresentedKey:
    """Read, without logging in, the host key of the on-site asset ``target`` (ENTITY/ASSET,
    ASSET or its host as written) of the inventory, after its preflight."""
    inv = load_inventory(inventory)
    _, addresses = preflight(inv, load_registry(inv), profile=None)
    entity_id, asset_id, host = _onsite_asset(inv, target)
    address = addresses[(entity_id, asset_id)][0]
    deadline = time.monotonic() + APPROVE_TIMEOUT
    try:
        sock = open_tcp(address, SSH_PORT, deadline)
        key = read_host_key(sock, host, deadline)
    except Exception as exc:  # any failure to read the key is the operator's to fix
        raise UserError(
            f"cannot read the host key of {entity_id}/{asset_id} ({host}, {address} port "
            f"{SSH_PORT}): {one_line(str(exc) or type(exc).__name__)}. Fix: check that sshd "
            "runs there and the scanner may reach it."
        ) from None
    return PresentedKey(entity_id, asset_id, host, address, key)


def confirm_key(
    presented: PresentedKey, expected: str | None, confirm: Callable[[str], bool] | None
) -> None:
    """A UserError unless the key's fingerprint equals ``expected`` (normalized), or, without
    one, ``confirm`` (a question asked on a terminal; None when there is none) says yes."""
    key = presented.key
    if expected is not None:
        if key.fingerprint != expected:
            raise UserError(
                f"not pinned: {presented.host} presents {key.fingerprint}, not the {expected} you "
                "gave. Fix: ask the entity to read the fingerprint again on the host's console; "
                "if they differ, do not log in: something may be intercepting the connection."
            )
    elif confirm is None:
        raise UserError(
            "not pinned: confirm the fingerprint out of band first. Fix: ask the entity to run "
            "`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host and pass the result "
            "with --fingerprint (or run this command on a terminal to confirm interactively)."
        )
    elif not confirm(f"Is {key.fingerprint} the fingerprint the entity read on the host?"):
        raise UserError("not pinned: the fingerprint was not confirmed.")


def pin_presented(store: Store, presented: PresentedKey, approver: str | None, note: str) -> Pin:
    """Pin the confirmed key, approved by ``approver`` (default: the user running this)."""
    return pin_key(
        store, presented.host, SSH_PORT, presented.key, approver or getpass.getuser(), note
    )


def revoke_pins(store: Store, host: str, *, fingerprint: str | None, everything: bool) -> int:
    """Remove the pin of ``host`` with ``fingerprint``, or ``everything`` pinned for it; how
    many went. A UserError unless exactly one of them is given, or when nothing matched."""
    if (fingerprint is None) == (not everything):
        raise UserError("give exactly one of --fingerprint SHA256:... or --all.")
    removed = revoke(store, host, fingerprint=fingerprint)
    if not removed:
        raise UserError(
            f"no pin matched {host}{f' {fingerprint}' if fingerprint else ''}. Fix: see "
            "`scanner hostkeys list`."
        )
    return removed


def _onsite_asset(inv: LoadedInventory, target: str) -> tuple[str, str, str]:
    """(entity id, asset id, host as written) of the on-site asset named by ``target``."""
    found = []
    for entity in inv.model.entities:
        for asset in entity.assets:
            if asset.kind != AssetKind.ONSITE:
                continue
            if target in (f"{entity.id}/{asset.id}", asset.id, asset.value):
                found.append((entity.id, asset.id, asset.value))
    if len(found) == 1:
        return found[0]
    onsite = [
        f"{e.id}/{a.id} ({a.value})"
        for e in inv.model.entities
        for a in e.assets
        if a.kind == AssetKind.ONSITE
    ]
    if found:
        raise UserError(
            f"{target!r} names several on-site assets: "
            f"{', '.join(f'{e}/{a}' for e, a, _ in found)}. Fix: give ENTITY/ASSET."
        )
    raise UserError(
        f"{inv.path}: {target!r} is not an on-site asset of the inventory (on-site assets: "
        f"{', '.join(onsite) or 'none'}). Fix: give ENTITY/ASSET, ASSET or its host as written."
    )
