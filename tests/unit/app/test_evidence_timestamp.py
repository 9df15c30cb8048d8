"""The optional RFC 3161 timestamp of a bundle, from a real timestamp authority on loopback
(``openssl ts -reply`` behind a small HTTP server, with a CA and a TSA certificate made here):
granted and checked against the CA; another CA, a changed or missing token, and a token asked
for but absent are each mismatches; an unreachable authority is a clear error."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.app.evidence import TIMESTAMP, export_notice, verify_bundle
from scanner.core.errors import UserError
from tests.unit.app.test_evidence import _exported

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

CONFIG = """[ req ]
distinguished_name = dn
[ dn ]
[ ca_ext ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
[ tsa_ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
[ tsa ]
default_tsa = lab_tsa
[ lab_tsa ]
serial = {dir}/serial
signer_cert = {dir}/tsa.crt
certs = {dir}/ca.crt
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
crypto_device = builtin
other_policies = 1.2.3.4.2
"""


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)


def _authority(folder: Path, name: str) -> Path:
    """A CA and a timestamping certificate it signed, in ``folder``; the config's path."""
    folder.mkdir()
    config = folder / "ts.cnf"
    config.write_text(CONFIG.format(dir=folder))
    (folder / "serial").write_text("01\n")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        folder / "ca.key",
        "-out",
        folder / "ca.crt",
        "-subj",
        f"/CN={name} CA",
        "-days",
        "2",
        "-config",
        config,
        "-extensions",
        "ca_ext",
    )
    _openssl(
        "req",
        "-new",
        *ec,
        "-keyout",
        folder / "tsa.key",
        "-out",
        folder / "tsa.csr",
        "-subj",
        f"/CN={name}",
        "-config",
        config,
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        folder / "tsa.csr",
        "-CA",
        folder / "ca.crt",
        "-CAkey",
        folder / "ca.key",
        "-CAcreateserial",
        "-out",
        folder / "tsa.crt",
        "-days",
        "2",
        "-extfile",
        config,
        "-extensions",
        "tsa_ext",
    )
    return config


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """The authority's URL on loopback, its CA certificate, and another CA's."""
    tmp = tmp_path_factory.mktemp("tsa")
    config = _authority(tmp / "lab", "Lab TSA")
    _authority(tmp / "other", "Other TSA")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = min(int(self.headers.get("Content-Length", "0")), 1 << 16)
            with tempfile.TemporaryDirectory() as work:
                query, reply = Path(work) / "q.tsq", Path(work) / "r.tsr"
                query.write_bytes(self.rfile.read(size))
                _openssl("ts", "-reply", "-queryfile", query, "-config", config, "-out", reply)
                body = reply.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield (
            f"http://127.0.0.1:{server.server_address[1]}/",
            tmp / "lab/ca.crt",
            tmp / "other/ca.crt",
        )
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def _rewrite(path: Path, source: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for name in old.namelist():
            data = change.get(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return path


def test_a_timestamped_bundle_is_checked_against_the_authority(
    tsa: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, ca, other_ca = tsa
    store, number, key = _exported(tmp_path)
    made = export_notice(store, number, tmp_path / "b.zip", key, tsa=url)
    assert made.timestamp.endswith("GMT")
    found = verify_bundle(made.path, tmp_path / "key.pub", tsa_ca=ca)
    assert found.ok and found.timestamp_checked and found.timestamp == made.timestamp, found
    unchecked = verify_bundle(made.path)
    assert unchecked.ok and not unchecked.timestamp_checked and unchecked.timestamp
    other = verify_bundle(made.path, tsa_ca=other_ca)
    assert not other.ok and "does not vouch" in other.problem
    with zipfile.ZipFile(made.path) as archive:
        token = archive.read(TIMESTAMP)
    for at in (0, len(token) // 2, len(token) - 1):
        changed = bytearray(token)
        changed[at] ^= 0x01
        path = _rewrite(tmp_path / "changed.zip", made.path, {TIMESTAMP: bytes(changed)})
        assert not verify_bundle(path, tsa_ca=ca).ok, at
    removed = _rewrite(tmp_path / "removed.zip", made.path, {TIMESTAMP: None})
    assert "manifest.tsr is missing" in verify_bundle(removed).problem


def test_a_bundle_without_a_timestamp_fails_when_one_is_required(
    tsa: tuple[str, Path, Path], tmp_path: Path
) -> None:
    _, ca, _ = tsa
    store, number, key = _exported(tmp_path)
    made = export_notice(store, number, tmp_path / "b.zip", key)
    assert verify_bundle(made.path).ok
    found = verify_bundle(made.path, tsa_ca=ca)
    assert not found.ok and "no trusted timestamp" in found.problem
    with pytest.raises(UserError, match="cannot be reached"):
        export_notice(store, number, tmp_path / "c.zip", key, tsa="http://127.0.0.1:9/")
    assert not (tmp_path / "c.zip").exists()
