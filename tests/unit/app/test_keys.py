"""The authority's signing key: generated into files (private 0600, never overwritten), read
back with clear errors, optionally under a passphrase."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.app.keys import fingerprint, generate, load_private, read_public
from scanner.core.errors import UserError


def test_generate_writes_a_private_key_only_its_owner_reads_and_a_public_one(
    tmp_path: Path,
) -> None:
    made = generate(tmp_path / "authority")
    assert os.stat(made.private).st_mode & 0o777 == 0o600
    assert made.public == tmp_path / "authority.pub"
    assert b"PRIVATE KEY" in made.private.read_bytes()
    assert b"PUBLIC KEY" in made.public.read_bytes()
    key = load_private(made.private)
    assert (
        fingerprint(key.public_key()) == made.fingerprint == fingerprint(read_public(made.public))
    )
    signature = key.sign(b"manifest")
    read_public(made.public).verify(signature, b"manifest")


def test_generate_never_overwrites(tmp_path: Path) -> None:
    generate(tmp_path / "k")
    before = (tmp_path / "k").read_bytes()
    with pytest.raises(UserError, match="already exists"):
        generate(tmp_path / "k")
    (tmp_path / "k").unlink()
    with pytest.raises(UserError, match=r"k\.pub already exists"):
        generate(tmp_path / "k")
    assert not (tmp_path / "k").exists() and before


def test_a_key_readable_by_others_or_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    made = generate(tmp_path / "k")
    os.chmod(made.private, 0o644)
    with pytest.raises(UserError, match="chmod 600"):
        load_private(made.private)
    os.chmod(made.private, 0o600)
    public_as_private = made.public.rename(tmp_path / "pub-as-private")
    os.chmod(public_as_private, 0o600)
    with pytest.raises(UserError, match="not a PEM private key"):
        load_private(public_as_private)
    with pytest.raises(UserError, match="cannot read"):
        load_private(tmp_path / "missing")
    with pytest.raises(UserError, match="not a PEM public key"):
        read_public(made.private)
    assert public_as_private.exists()


def test_a_passphrase_protects_the_private_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EV18_PASSPHRASE", "correct horse battery")
    made = generate(tmp_path / "k", passphrase_env="EV18_PASSPHRASE")
    assert b"ENCRYPTED" in made.private.read_bytes()
    load_private(made.private, passphrase_env="EV18_PASSPHRASE")
    with pytest.raises(UserError, match="encrypted"):
        load_private(made.private)
    monkeypatch.setenv("EV18_PASSPHRASE", "wrong")
    with pytest.raises(UserError, match="passphrase is wrong"):
        load_private(made.private, passphrase_env="EV18_PASSPHRASE")
    monkeypatch.delenv("EV18_PASSPHRASE")
    with pytest.raises(UserError, match="not set"):
        load_private(made.private, passphrase_env="EV18_PASSPHRASE")
