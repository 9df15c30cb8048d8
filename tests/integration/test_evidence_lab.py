"""End to end: a real run against the lab, its notice, the signed evidence bundle, and tampering.

The run inspects the weak web host (nginx serving a ``.env`` with ``DB_PASSWORD=...``, Redis on
6380 guarded by ``foobared``, which the intrusive default-password check sends), the weak on-site
host over SSH (``sudo cat /etc/shadow``), and a loopback web server of this test whose page
shows the password of one of the inventory's credentials in free text. None of those secrets may
be anywhere in the bundle or in the store's exchanges; every change to the bundle is detected.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from reports.render import FORMATS, LANGUAGES
from scanner.app.evidence import MANIFEST, SIGNATURE, SIGNER, verify_bundle
from scanner.app.keys import fingerprint, public_pem
from scanner.app.notices import SUFFIX
from scanner.engine.registry import discover
from tests.conftest import REPO
from tests.helpers import write
from tests.hostile_http import html_page, site_server
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

pytestmark = pytest.mark.lab

#: A credential's password, planted in the loopback site's page (no pattern would catch it:
#: only the run's knowledge of its own secrets does).
PLANTED = "Zq8-planted-credential-71"
PLANTED_ENV = "EV18_PLANTED_PASSWORD"
#: What the lab's weak nginx serves in /.env and the weak Redis's password.
LAB_SECRETS = ("lab-fixture-not-a-secret", "foobared")


def scanner(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


@dataclass(frozen=True)
class Exported:
    """The bundle of the lab run's notice, and what made it."""

    bundle: Path
    key: Path
    db: str
    number: str
    tmp: Path


@pytest.fixture(scope="module")
def exported(
    lab_state: lab.LabState, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exported]:
    tmp = tmp_path_factory.mktemp("evidence")
    page = f"<html><body>Welcome back. Your service password is {PLANTED}.</body></html>"
    with site_server(lambda method, path, raw: html_page(page)) as url:
        text = (
            MINIMAL.replace("  allow: [127.0.10.0/24]", "  allow: [127.0.10.0/24, 127.0.0.1/32]")
            .replace(
                "      - id: web\n        host: 127.0.10.1\n",
                "      - id: web\n        host: 127.0.10.1\n"
                f"      - id: planted\n        url: {url}\n"
                f"      - id: weak\n        onsite: {lab.ONSITE_WEAK_ADDR}\n"
                "        credentials: audit\n",
            )
            .replace(
                "    modes: [remote]",
                "    modes: [remote]\n    checks: [host.empty-password]\n    ports: 80,6380",
            )
        )
        text += (
            "checks:\n  intrusive: [net.redis-default-password]\n"
            f"credentials:\n  audit:\n    username: {lab.AUDIT_USER}\n"
            f"    key_file: {lab_state.audit_key}\n    known_hosts: {lab_state.known_hosts}\n"
            "    sudo: true\n"
            f"  planted:\n    username: service\n    password_env: {PLANTED_ENV}\n"
        )
        inventory = write(tmp / "inv.yaml", text)
        db = f"sqlite:///{tmp / 'scanner.db'}"
        env = {PLANTED_ENV: PLANTED}
        ran = scanner("run", str(inventory), "--profile", "remote", "--json", "--db", db, env=env)
        assert ran.returncode == 0, ran.stderr
    issued = scanner("notices", "--db", db, "--format", "json", "--out", str(tmp / "out"))
    assert issued.returncode == 0, issued.stderr
    [number] = {p.name.split(".")[0] for p in (tmp / "out").iterdir()}
    made = scanner("keys", "generate", "--out", str(tmp / "authority"))
    assert made.returncode == 0, made.stderr
    bundle = tmp / "bundle.zip"
    done = scanner(
        "evidence",
        "export",
        number,
        "--out",
        str(bundle),
        "--key",
        str(tmp / "authority"),
        "--db",
        db,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    yield Exported(bundle, tmp / "authority", db, number, tmp)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, content: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    return path


def resign(content: dict[str, bytes], key: Ed25519PrivateKey) -> dict[str, bytes]:
    """``content`` with its manifest listing the members as they are, signed by ``key``."""
    manifest = json.loads(content[MANIFEST])
    manifest["members"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in content.items()
        if name not in (MANIFEST, SIGNATURE, SIGNER)
    }
    raw = json.dumps(manifest).encode()
    return {
        **content,
        MANIFEST: raw,
        SIGNATURE: base64.b64encode(key.sign(raw)) + b"\n",
        SIGNER: public_pem(key.public_key()),
    }


def authority_key(e: Exported) -> Ed25519PrivateKey:
    key = load_pem_private_key(e.key.read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def test_the_bundle_verifies_with_the_authority_key(exported: Exported) -> None:
    proc = scanner("evidence", "verify", str(exported.bundle), "--key", f"{exported.key}.pub")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verified" in proc.stdout and "signed by the key given" in proc.stdout
    own = scanner("evidence", "verify", str(exported.bundle))
    assert own.returncode == 0 and "pass --key" in own.stdout
    assert os.stat(exported.key).st_mode & 0o777 == 0o600
    chain = scanner("evidence", "chain", "--db", exported.db)
    assert chain.returncode == 0, chain.stdout
    head = json.loads(members(exported.bundle)[MANIFEST])["chain_head"]
    assert head in chain.stdout


def test_the_bundle_holds_the_notice_the_exchanges_and_the_authorization(
    exported: Exported,
) -> None:
    content = members(exported.bundle)
    for lang in LANGUAGES:
        for fmt in FORMATS:
            assert f"notice/{exported.number}.{lang}.{SUFFIX[fmt]}" in content
    items = json.loads(content["items.json"])["items"]
    assert items and all(i["attempt"] in content for i in items)
    by_check = {i["check_id"]: json.loads(content[i["attempt"]]) for i in items}
    # Redis on 6380: the AUTH exchange, its password replaced; the nginx .env, its values too
    redis = by_check["net.redis-default-password"]["exchanges"][0]
    assert redis["kind"] == "tcp" and redis["destination"] == "127.0.10.1:6380"
    assert redis["source"].startswith("127.") and redis["started_at"] <= redis["ended_at"]
    assert b"AUTH\r\n$8\r\n***" in base64.b64decode(redis["sent_base64"])
    env = next(x for x in by_check["web.env-exposed"]["exchanges"] if x["label"].endswith("/.env"))
    assert env["kind"] == "http" and "DB_PASSWORD=***" in env["transcript"]
    assert "DB_HOST=127.0.0.1" in env["transcript"]  # what is no secret stays
    # on site: the command and its output over SSH
    shadow = by_check["host.empty-password"]["exchanges"]
    assert any(x["kind"] == "ssh" and "cat /etc/shadow" in x["label"] for x in shadow)
    assert any("guest::" in x["transcript"] for x in shadow)
    # the authorization and scope the run had, the tool and the code of its checks
    inventory = json.loads(content["inventory.json"])
    assert inventory["authorization"]["reference"] == "T-1"
    assert inventory["scope"]["allow"] == ["127.0.10.0/24", "127.0.0.1/32"]
    assert "credentials" not in inventory
    tool = json.loads(content["tool.json"])
    installed = discover().checks["web.env-exposed"].code_sha256
    assert tool["checks"]["web.env-exposed"]["ran_code_sha256"] == [installed]
    manifest = json.loads(content[MANIFEST])
    assert set(manifest["members"]) == set(content) - {MANIFEST, SIGNATURE, SIGNER}
    assert manifest["timestamp_authority"] is None and "clock" in manifest


def test_no_secret_is_anywhere_in_the_bundle_or_the_store(exported: Exported) -> None:
    content = members(exported.bundle)
    decoded = [
        base64.b64decode(x[f"{side}_base64"])
        for name, data in content.items()
        if name.startswith("attempts/")
        for x in json.loads(data)["exchanges"]
        for side in ("sent", "received")
    ]
    assert any(PLANTED.encode() not in d and b"Your service password is ***" in d for d in decoded)
    for secret in (PLANTED, *LAB_SECRETS):
        raw = secret.encode()
        assert not [n for n, d in content.items() if raw in d], secret
        assert not [d for d in decoded if raw in d], secret
    db = sqlite3.connect(exported.db.removeprefix("sqlite:///"))
    stored = db.execute("SELECT sent, received, label FROM exchanges").fetchall()
    findings = db.execute("SELECT evidence, detail FROM findings").fetchall()
    db.close()
    assert stored
    for secret in (PLANTED, *LAB_SECRETS):
        assert not [r for r in stored if secret.encode() in r[0] + r[1] + r[2].encode()]
        assert not [f for f in findings if secret in f[0] + str(f[1])]


def test_a_changed_byte_in_any_member_is_detected(exported: Exported, tmp_path: Path) -> None:
    content = members(exported.bundle)
    pub = exported.key.with_name(exported.key.name + ".pub")
    for name, data in content.items():
        for at in {0, len(data) // 2, len(data) - 1}:
            changed = bytearray(data)
            changed[at] ^= 0x01
            path = rewrite(tmp_path / "changed.zip", {**content, name: bytes(changed)})
            found = verify_bundle(path, pub)
            assert not found.ok, (name, at)
            if name not in (MANIFEST, SIGNATURE, SIGNER):
                assert name in found.problem, (name, found.problem)


def test_a_removed_member_is_detected(exported: Exported, tmp_path: Path) -> None:
    content = members(exported.bundle)
    for name in content:
        path = rewrite(tmp_path / "removed.zip", {k: v for k, v in content.items() if k != name})
        found = verify_bundle(path)
        assert not found.ok and name in found.problem, (name, found.problem)


def test_a_reordered_chain_is_detected_even_when_re_signed(
    exported: Exported, tmp_path: Path
) -> None:
    content = members(exported.bundle)
    chain = json.loads(content["chain.json"])
    links = chain["links"]
    assert len(links) > 3
    pub = exported.key.with_name(exported.key.name + ".pub")
    key = authority_key(exported)  # even whoever holds the key cannot reorder unseen
    swapped = [*links]
    swapped[1], swapped[2] = swapped[2], swapped[1]
    renumbered = [[i + 1, *link[1:]] for i, link in enumerate(swapped)]
    for order, expect in ((swapped, "out of order"), (renumbered, "does not follow")):
        forged = {**content, "chain.json": json.dumps({**chain, "links": order}).encode()}
        found = verify_bundle(rewrite(tmp_path / "reordered.zip", resign(forged, key)), pub)
        assert not found.ok and expect in found.problem, found.problem
    # Dropping a link (an attempt left out of the run) breaks every head after it.
    dropped = {**chain, "links": [[i + 1, *lk[1:]] for i, lk in enumerate(links[:1] + links[2:])]}
    forged = {**content, "chain.json": json.dumps(dropped).encode()}
    found = verify_bundle(rewrite(tmp_path / "dropped.zip", resign(forged, key)), pub)
    assert not found.ok and "chain.json" in found.problem
    # An attempt edited and its manifest re-signed: its record no longer matches its link.
    name = next(n for n in content if n.startswith("attempts/"))
    attempt = json.loads(content[name])
    attempt["record"]["status"] = "pass"
    forged = {**content, name: json.dumps(attempt).encode()}
    found = verify_bundle(rewrite(tmp_path / "edited.zip", resign(forged, key)), pub)
    assert not found.ok and "does not match link" in found.problem


def test_a_bundle_signed_with_another_key_is_detected(exported: Exported, tmp_path: Path) -> None:
    content = members(exported.bundle)
    other = Ed25519PrivateKey.generate()
    path = rewrite(tmp_path / "other.zip", resign(content, other))
    pub = exported.key.with_name(exported.key.name + ".pub")
    found = verify_bundle(path, pub)
    assert not found.ok and "not made by the key given" in found.problem
    proc = scanner("evidence", "verify", str(path), "--key", str(pub))
    assert proc.returncode == 1 and "NOT VERIFIED" in proc.stdout
    # Without --key the bundle is intact, but it names the other key: not the authority's.
    alone = verify_bundle(path)
    assert alone.ok and alone.signer == fingerprint(other.public_key()) != found.signer


def test_an_attempt_changed_or_removed_in_the_store_is_detected(exported: Exported) -> None:
    for n, statement in enumerate(
        (
            "UPDATE attempts SET status = 'pass' WHERE id = (SELECT MIN(attempt_id) FROM findings)",
            "UPDATE findings SET evidence = 'nothing' WHERE id = (SELECT MIN(id) FROM findings)",
            "UPDATE exchanges SET received = X'00' WHERE id = (SELECT MIN(id) FROM exchanges)",
            "DELETE FROM attempt_chain WHERE seq = 2",
        )
    ):
        copy = exported.tmp / f"tampered{n}.db"
        source = sqlite3.connect(exported.db.removeprefix("sqlite:///"))
        db = sqlite3.connect(copy)
        source.backup(db)
        source.close()
        db.execute(statement)
        db.commit()
        db.close()
        proc = scanner("evidence", "chain", "--db", f"sqlite:///{copy}")
        assert proc.returncode == 1 and "NOT VERIFIED" in proc.stdout, (statement, proc.stdout)
        refused = scanner(
            "evidence",
            "export",
            exported.number,
            "--out",
            str(exported.tmp / "no.zip"),
            "--key",
            str(exported.key),
            "--db",
            f"sqlite:///{copy}",
        )
        assert refused.returncode == 2 and "refusing to export" in refused.stderr
