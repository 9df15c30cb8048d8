"""The authority's signing key for evidence bundles: Ed25519, generated and read from files.

``scanner keys generate --out PATH`` writes the private key to PATH (PKCS#8 PEM, mode 0600,
optionally encrypted with a passphrase from an environment variable) and the public key to
``PATH.pub`` (SubjectPublicKeyInfo PEM), which the authority publishes or hands to whoever
checks its bundles. The private key is never stored in the database, never printed, and read
only for the moment of signing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.core.errors import UserError


@dataclass(frozen=True)
class GeneratedKey:
    """A key pair written to files.

    Attributes:
        private: the private key file (mode 0600).
        public: the public key file (``PRIVATE.pub``).
        fingerprint: the public key's fingerprint, ``SHA256:...``.
    """

    private: Path
    public: Path
    fingerprint: str


def fingerprint(key: Ed25519PublicKey) -> str:
    """``SHA256:`` and the unpadded base64 of the SHA-256 of the raw public key (as OpenSSH
    prints key fingerprints)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def public_pem(key: Ed25519PublicKey) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _passphrase(passphrase_env: str | None, path: Path) -> bytes | None:
    if passphrase_env is None:
        return None
    value = os.environ.get(passphrase_env)
    if not value:
        raise UserError(
            f"{path}: the passphrase variable ${passphrase_env} is not set or empty. Fix: "
            f"export {passphrase_env}=..., or leave out --passphrase-env."
        )
    return value.encode()


def generate(out: Path, *, passphrase_env: str | None = None) -> GeneratedKey:
    """Write a new Ed25519 key pair to ``out`` and ``out.pub``; never overwrites either."""
    public_path = out.with_name(out.name + ".pub")
    for path in (out, public_path):
        if path.exists() or path.is_symlink():
            raise UserError(
                f"{path} already exists; the scanner never overwrites a key. Fix: choose "
                "another --out, or move the old key away first."
            )
    passphrase = _passphrase(passphrase_env, out)
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    try:
        # O_EXCL: a file (or link) that appeared meanwhile is not written through; 0600 from
        # the start, so the key is never readable by others even for a moment.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private)
        os.chmod(out, 0o600)  # whatever the umask did
        fd = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(public_pem(key.public_key()))
    except OSError as exc:
        raise UserError(
            f"--out {out}: cannot write the key ({exc.strerror}). Fix: choose a writable folder."
        ) from None
    return GeneratedKey(out, public_path, fingerprint(key.public_key()))


def load_private(path: Path, *, passphrase_env: str | None = None) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path``; a UserError naming the fix for anything else
    (missing, readable by others, another key type, wrong passphrase)."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"--key {path}: cannot read the private key ({exc.strerror}). Fix: pass the file "
            "`scanner keys generate --out PATH` wrote."
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UserError(
            f"--key {path}: the private key is readable by other users (mode "
            f"{stat.S_IMODE(mode):04o}). Fix: chmod 600 {path}."
        )
    try:
        key = serialization.load_pem_private_key(data, _passphrase(passphrase_env, path))
    except TypeError:
        raise UserError(
            f"--key {path}: the key is encrypted. Fix: pass --passphrase-env NAME with the "
            "passphrase in $NAME."
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise UserError(
            f"--key {path}: not a PEM private key, or the passphrase is wrong. Fix: pass the "
            "file `scanner keys generate` wrote (not PATH.pub) with its passphrase."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(
            f"--key {path}: a {type(key).__name__}, not an Ed25519 key. Fix: make one with "
            "`scanner keys generate --out PATH`."
        )
    return key


def load_public(data: bytes, where: str) -> Ed25519PublicKey:
    """The Ed25519 public key in PEM ``data`` (read from ``where``, for the error)."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise UserError(
            f"{where}: not a PEM public key. Fix: pass the PATH.pub `scanner keys generate` wrote."
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise UserError(f"{where}: a {type(key).__name__}, not an Ed25519 public key.")
    return key


def read_public(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in file ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(
            f"--key {path}: cannot read the public key ({exc.strerror}). Fix: pass the PATH.pub "
            "file of the authority's key."
        ) from None
    return load_public(data, f"--key {path}")
