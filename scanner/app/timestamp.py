"""Optional trusted timestamps for evidence bundles: RFC 3161, through the ``openssl ts`` tool.

Without one a bundle's times are the scanning machine's clock. With ``--tsa URL`` the exporter
asks that timestamp authority to countersign the SHA-256 of the bundle's manifest; its reply (a
time-stamp token) travels as ``manifest.tsr``. ``verify --tsa-ca FILE`` then checks the token
against the manifest and the authority's CA certificate, so the bundle is shown to have existed
at that time, whatever the scanning machine's clock said.

The token is made and checked by ``openssl ts`` (the ``cryptography`` package has no RFC 3161
support): arguments are fixed, inputs are files in a private temporary folder, outputs bounded.
The authority is the inspecting authority's own service, not a target: it is not scope-checked,
and nothing about the run is sent to it but one digest.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import requests

from scanner.core.errors import UserError
from scanner.core.text import one_line

#: The most a timestamp authority's reply may be.
REPLY_LIMIT = 64 << 10
_TIMEOUT = 30.0


def _openssl() -> str:
    found = shutil.which("openssl")
    if found is None:
        raise UserError(
            "a trusted timestamp needs the openssl command, which is not on PATH. Fix: "
            "apt-get install openssl, or leave out --tsa / --tsa-ca."
        )
    return found


def _run(args: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        # fixed arguments, inputs and outputs in a folder of our own
        return subprocess.run(
            [_openssl(), *args], capture_output=True, timeout=_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise UserError(f"openssl did not finish {what} within {_TIMEOUT:g} s.") from None


def request_token(digest: str, url: str) -> bytes:
    """A time-stamp token for the SHA-256 ``digest`` (hex) from the authority at ``url``."""
    with tempfile.TemporaryDirectory(prefix="scanner-tsa-") as tmp:
        query = Path(tmp) / "request.tsq"
        made = _run(
            ["ts", "-query", "-digest", digest, "-sha256", "-cert", "-out", str(query)],
            "making the timestamp request",
        )
        if made.returncode != 0:
            raise UserError(f"openssl could not make a timestamp request: {_said(made)}")
        try:
            with requests.Session() as session:
                session.trust_env = False  # no proxy or netrc from the environment
                reply = session.post(
                    url,
                    data=query.read_bytes(),
                    headers={"Content-Type": "application/timestamp-query"},
                    timeout=_TIMEOUT,
                    stream=True,
                )
                body = reply.raw.read(REPLY_LIMIT + 1, decode_content=True)
        except (requests.RequestException, OSError) as exc:
            raise UserError(
                f"--tsa {url}: the timestamp authority cannot be reached ({one_line(str(exc))}). "
                "Fix: check the URL, or export without --tsa."
            ) from None
        if reply.status_code != 200 or len(body) > REPLY_LIMIT:
            raise UserError(
                f"--tsa {url}: the timestamp authority answered {reply.status_code} with "
                f"{len(body)} bytes, not a timestamp reply. Fix: check the URL."
            )
        answer = Path(tmp) / "reply.tsr"
        answer.write_bytes(body)
        granted = _run(["ts", "-reply", "-in", str(answer), "-text"], "reading the reply")
        text = granted.stdout.decode("utf-8", "replace")
        if granted.returncode != 0 or not re.search(r"Status: Granted", text):
            raise UserError(
                f"--tsa {url}: the timestamp authority did not grant a timestamp "
                f"({one_line(text or _said(granted), 300)})."
            )
        return body


def token_time(token: bytes) -> str:
    """The time the token states (``Dec  4 19:14:44 2026 GMT``), or empty when unreadable."""
    with tempfile.TemporaryDirectory(prefix="scanner-tsa-") as tmp:
        path = Path(tmp) / "token.tsr"
        path.write_bytes(token)
        shown = _run(["ts", "-reply", "-in", str(path), "-text"], "reading the timestamp")
    found = re.search(r"^Time stamp: (.+)$", shown.stdout.decode("utf-8", "replace"), re.M)
    return one_line(found.group(1), 60) if found else ""


def token_problem(token: bytes, digest: str, ca_file: Path) -> str:
    """Why ``token`` does not vouch for ``digest`` under the CA in ``ca_file``; empty if it
    does."""
    if not ca_file.is_file():
        raise UserError(f"--tsa-ca {ca_file}: no such file. Fix: pass the authority's CA (PEM).")
    with tempfile.TemporaryDirectory(prefix="scanner-tsa-") as tmp:
        path = Path(tmp) / "token.tsr"
        path.write_bytes(token)
        checked = _run(
            ["ts", "-verify", "-digest", digest, "-in", str(path), "-CAfile", str(ca_file)],
            "checking the timestamp",
        )
    if checked.returncode == 0 and b"Verification: OK" in checked.stdout:
        return ""
    return f"manifest.tsr does not vouch for this manifest under {ca_file} ({_said(checked)})"


def _said(proc: subprocess.CompletedProcess[bytes]) -> str:
    return one_line((proc.stderr or proc.stdout).decode("utf-8", "replace"), 300)
