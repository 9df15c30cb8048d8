"""SSH host keys pinned in the store: approved once, out of band, then trusted by every run.

A pin is one row of ``host_keys`` (host as the inventory writes it, port, key type, the key,
its fingerprint, who approved it and when). ``scanner hostkeys approve`` adds pins only after the
operator confirmed the fingerprint; runs read them once at the start (:func:`load_pins`) and
:class:`~scanner.transport.ssh.SshSession` checks the presented key against them and the
credential's known_hosts. A pin is never replaced silently: a different key for the same host
and type must be revoked first, so a changed key always reaches a person.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping

import paramiko

from scanner.core.errors import UserError
from scanner.store import Store
from scanner.store.hostkeys import Pin
from scanner.transport.ssh import TrustedKey

#: Pins of a run: (host, port) -> the keys pinned for it.
Pins = Mapping[tuple[str, int], tuple[TrustedKey, ...]]


def trusted(pin: Pin) -> TrustedKey:
    """A pin as a key SshSession checks against."""
    key = paramiko.PKey.from_type_string(pin.key_type, base64.b64decode(pin.key_base64))
    when = time.strftime("%Y-%m-%d", time.gmtime(pin.approved_at))
    return TrustedKey(key, f"pinned in the store by {pin.approved_by} on {when}")


def list_pins(store: Store, host: str | None = None) -> list[Pin]:
    """Every pin (of ``host`` only, when given), by host, port and key type."""
    return store.host_keys.pins(host)


def load_pins(store: Store) -> dict[tuple[str, int], tuple[TrustedKey, ...]]:
    """All pins as a run uses them (read once when the run starts)."""
    pins: dict[tuple[str, int], tuple[TrustedKey, ...]] = {}
    for pin in list_pins(store):
        pins[(pin.host, pin.port)] = (*pins.get((pin.host, pin.port), ()), trusted(pin))
    return pins


def pin_key(
    store: Store, host: str, port: int, key: paramiko.PKey, approved_by: str, note: str = ""
) -> Pin:
    """Pin ``key`` for ``host``; the existing pin if it is the same key; a UserError if another
    key of the same type is pinned (revoke it first, after confirming the change)."""
    pin = Pin(
        host,
        port,
        key.get_name(),
        key.get_base64(),
        key.fingerprint,
        approved_by,
        time.time(),
        note,
    )
    for old in list_pins(store, host):
        if old.port == port and old.key_type == pin.key_type:
            if old.key_base64 == pin.key_base64:
                return old
            raise UserError(
                f"{host} port {port} already has a pinned {old.key_type} key {old.fingerprint} "
                f"(approved by {old.approved_by}), not {pin.fingerprint}. Fix: if the entity "
                f"confirms the key was replaced, `scanner hostkeys revoke {host} --fingerprint "
                f"{old.fingerprint}` and approve again."
            )
    store.host_keys.add(pin)
    return pin


def revoke(store: Store, host: str, *, fingerprint: str | None, port: int | None = None) -> int:
    """Remove ``host``'s pins (only the one with ``fingerprint`` when given); how many went."""
    if fingerprint is not None:
        fingerprint = normalize_fingerprint(fingerprint)
    return store.host_keys.revoke(host, fingerprint=fingerprint, port=port)


def normalize_fingerprint(value: str) -> str:
    """``SHA256:...`` from what an operator pastes (``ssh-ed25519 SHA256:...``, trailing ``=``
    or spaces); a UserError for anything else (MD5 fingerprints included)."""
    text = value.strip().split()[-1] if value.strip() else ""
    if not text.startswith("SHA256:") or len(text) < 20:
        raise UserError(
            f"--fingerprint {value!r} is not an SSH SHA256 fingerprint. Fix: give it as "
            "`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it on the host, e.g. "
            "SHA256:uXq2..."
        )
    return text.rstrip("=")
