"""TLS checks vs ``testssl.sh --fast``: time, and the same protocol and certificate conclusions.

Endpoints: the lab's seven TLS endpoints (weak 127.0.10.1:443, hardened 127.0.10.2:443, and the
tls host 127.0.10.4 on 443 expired, 8443 not yet valid, 9443 legacy, 10443 name mismatch, 11443
expiring soon).

- ours: the nine TLS checks on every endpoint through the engine's own ``Executor`` (workers 16,
  4 per host, 30 s per check), one fresh ``RunServices`` per round, the lab CA declared in
  ``tls.cert-untrusted``'s ``extra_ca_files``: one sslyze scan per endpoint, endpoints
  concurrently, as a run does. Median of ``--rounds`` rounds (default 3).
- testssl: ``testssl --fast --quiet --warnings off --color 0 --add-ca STATE/ca.pem --jsonfile``
  per endpoint, one after another by default (``--jobs N`` runs N at once), once.

Prints each side's wall time and the ratio ours/testssl (target <= 0.05; testssl.sh takes about a
minute per endpoint, so the default run lasts about ten minutes), the per-endpoint times, and per
endpoint the conclusions of both: accepted protocol versions, expired, not yet valid, expiring
within 30 days, untrusted (chain; testssl's "failed (expired)" and "failed (not yet valid)"
count as a trusted chain, since ours reports dates apart), host name mismatch, weak key
(RSA < 2048), weak signature (SHA-1/MD5), marking every disagreement. Cipher-suite verdicts
are listed for information only: Debian's testssl.sh uses the system OpenSSL 3, which cannot
offer NULL, anonymous, RC4 or export suites, so it reports "not offered" for suites it could not
test.

testssl.sh comes from the Debian package ``testssl.sh`` (command ``testssl``). **If it is missing,
this script installs it with ``apt-get install -y --no-install-recommends testssl.sh``** (then
``apt-get update`` and again if that fails), as root. It needs the lab: if ``tests/lab/lab.py`` says
it is not running, the script starts it and stops it at the end. Traffic goes only to
127.0.10.0/24. Prints figures; asserts nothing.

Usage (as root): ``.venv/bin/python bench/tls_vs_testssl.py [--rounds N] [--jobs N]
[--only NAME ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import load_lab, peak_rss_mb

from checks.tls._facts import TlsFacts
from checks.tls.cert_expired import CertExpired
from checks.tls.cert_expiring_soon import CertExpiringSoon
from checks.tls.cert_hostname_mismatch import CertHostnameMismatch
from checks.tls.cert_not_yet_valid import CertNotYetValid
from checks.tls.cert_untrusted import CertUntrusted
from checks.tls.legacy_protocol import LegacyProtocol
from checks.tls.weak_cipher import WeakCipher
from checks.tls.weak_key import WeakKey
from checks.tls.weak_signature import WeakSignature
from scanner.core.models import AssetKind, Attempt, Exposure, UrlTarget
from scanner.engine.check import Check
from scanner.engine.context import RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import Job
from scanner.engine.registry import LoadedCheck
from scanner.scope.guard import ScopeGuard
from scanner.transport.ratelimit import TokenBucket

TARGET_RATIO = 0.05
ENDPOINTS = {
    "weak": ("127.0.10.1", 443),
    "hardened": ("127.0.10.2", 443),
    "expired": ("127.0.10.4", 443),
    "notyet": ("127.0.10.4", 8443),
    "legacy": ("127.0.10.4", 9443),
    "mismatch": ("127.0.10.4", 10443),
    "expiring": ("127.0.10.4", 11443),
}
CHECKS: tuple[type[Check], ...] = (
    LegacyProtocol,
    WeakCipher,
    CertExpired,
    CertNotYetValid,
    CertExpiringSoon,
    CertUntrusted,
    CertHostnameMismatch,
    WeakKey,
    WeakSignature,
)
PROTOCOL_IDS = {
    "SSLv2": "SSL 2.0",
    "SSLv3": "SSL 3.0",
    "TLS1": "TLS 1.0",
    "TLS1_1": "TLS 1.1",
    "TLS1_2": "TLS 1.2",
    "TLS1_3": "TLS 1.3",
}
CERT_VERDICTS = (
    "expired",
    "not_yet_valid",
    "expiring",
    "untrusted",
    "mismatch",
    "weak_key",
    "weak_sig",
)
BY_CHECK = {
    "tls.cert-expired": "expired",
    "tls.cert-not-yet-valid": "not_yet_valid",
    "tls.cert-expiring-soon": "expiring",
    "tls.cert-untrusted": "untrusted",
    "tls.cert-hostname-mismatch": "mismatch",
    "tls.weak-key": "weak_key",
    "tls.weak-signature": "weak_sig",
}


def loaded(cls: type[Check]) -> LoadedCheck:
    module = sys.modules[cls.__module__]
    return LoadedCheck(
        cls=cls, meta=cls.meta(module.__doc__ or ""), origin="bench", module=cls.__module__
    )


def url(name: str) -> str:
    address, port = ENDPOINTS[name]
    return f"https://{address}:{port}/"


# -- ours --------------------------------------------------------------------------------------


def run_ours(names: list[str], ca_pem: Path) -> tuple[float, dict[str, dict[str, Any]]]:
    """One round: (wall seconds, per endpoint our conclusions)."""
    services = RunServices(
        guard=ScopeGuard(["127.0.10.0/24"]),
        bucket=TokenBucket(1000),
        settings={"tls.cert-untrusted": {"extra_ca_files": [str(ca_pem)]}},
    )
    targets = [
        UrlTarget(
            entity_id="bench",
            asset_id=name,
            kind=AssetKind.URL,
            address=ENDPOINTS[name][0],
            url=url(name),
            exposure=Exposure.INTERNET,
        )
        for name in names
    ]
    # Check-major, as the plan orders a host's jobs: the first jobs of a host reach different
    # endpoints, so its endpoints are scanned concurrently (within the per-host cap).
    jobs = [Job(loaded(cls), target) for cls in CHECKS for target in targets]
    attempts: list[Attempt] = []
    started = time.monotonic()
    Executor(services, Limits(workers=16, per_host=4, check_timeout=30.0)).execute(
        jobs, attempts.extend
    )
    wall = time.monotonic() - started
    services.close()
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        out[name] = {"protocols": set(), "errors": [], "weak_ciphers": {}, "scan_s": 0.0}
        out[name].update(dict.fromkeys(CERT_VERDICTS, False))
    for attempt in attempts:
        row = out[attempt.asset_id]
        if attempt.status.value == "error":
            row["errors"].append(f"{attempt.check_id}: {attempt.reason}")
        for finding in attempt.findings:
            if finding.check_id in BY_CHECK:
                row[BY_CHECK[finding.check_id]] = True
            if finding.check_id == "tls.weak-cipher":
                row["weak_ciphers"] = dict(finding.detail)
    for name in names:
        address, port = ENDPOINTS[name]
        facts = services.facts.get(("tls", address, port, address), lambda: None)
        if isinstance(facts, TlsFacts):
            out[name]["protocols"] = set(facts.protocols)
            out[name]["scan_s"] = facts.seconds
    return wall, out


# -- testssl -----------------------------------------------------------------------------------


def ensure_testssl() -> str:
    """The testssl command, installed from Debian's testssl.sh package when missing."""
    found = shutil.which("testssl") or shutil.which("testssl.sh")
    if found:
        return found
    print("testssl.sh missing: apt-get install -y --no-install-recommends testssl.sh", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "testssl.sh"]
    if subprocess.run(install, env=env, check=False, timeout=900).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=False, timeout=900)
        subprocess.run(install, env=env, check=True, timeout=900)
    found = shutil.which("testssl") or shutil.which("testssl.sh")
    if not found:
        raise SystemExit("testssl.sh installed but no testssl command on PATH")
    return found


def run_testssl(
    command: str, name: str, ca_pem: Path, workdir: Path
) -> tuple[float, list[dict[str, str]]]:
    """(seconds, JSON records) of one ``testssl --fast`` run on endpoint ``name``."""
    out = workdir / f"{name}.json"
    argv = [
        command,
        "--fast",
        "--quiet",
        "--warnings",
        "off",
        "--color",
        "0",
        "--add-ca",
        str(ca_pem),
        "--jsonfile",
        str(out),
        url(name),
    ]
    started = time.monotonic()
    subprocess.run(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        timeout=1200,
        cwd=workdir,
    )
    seconds = time.monotonic() - started
    records = json.loads(out.read_text(encoding="utf-8")) if out.exists() else []
    return seconds, records


def testssl_conclusions(records: list[dict[str, str]]) -> dict[str, Any]:
    """The same verdicts as ours, read from testssl's JSON records (None: testssl did not get
    that far, e.g. its scan was interrupted)."""
    by_id = {r.get("id", ""): r.get("finding", "") for r in records}
    now = datetime.now(UTC)

    def stamp(key: str) -> datetime | None:
        try:
            return datetime.strptime(by_id[key], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except (KeyError, ValueError):
            return None

    def verdict(key: str, decide: Any) -> bool | None:
        return bool(decide(by_id[key])) if key in by_id else None

    not_before, not_after = stamp("cert_notBefore"), stamp("cert_notAfter")
    protocols = {
        ours for tid, ours in PROTOCOL_IDS.items() if by_id.get(tid, "").startswith("offered")
    }
    return {
        "protocols": protocols if all(t in by_id for t in PROTOCOL_IDS) else None,
        "expired": None if not_after is None else not_after < now,
        "not_yet_valid": None if not_before is None else not_before > now,
        "expiring": None if not_after is None else 0 <= (not_after - now).days < 30,
        # Ours judges the chain apart from its dates (tls.cert-expired and tls.cert-not-yet-valid
        # report those); testssl fails the chain for them too: count that as a dated chain.
        "untrusted": verdict(
            "cert_chain_of_trust",
            lambda f: not f.startswith(("passed", "failed (expired)", "failed (not yet valid)")),
        ),
        "mismatch": verdict("cert_trust", lambda f: not f.lower().startswith("ok")),
        "weak_key": verdict("cert_keySize", _weak_key),
        "weak_sig": verdict(
            "cert_signatureAlgorithm", lambda f: "SHA1" in f.upper() or "MD5" in f.upper()
        ),
        "ciphers": {
            k.removeprefix("cipherlist_"): v
            for k, v in by_id.items()
            if k.startswith("cipherlist_")
        },
        "fatal": [r.get("finding", "") for r in records if r.get("severity") == "FATAL"],
        "raw": {
            k: by_id.get(k) for k in ("cert_trust", "cert_chain_of_trust", "cert_expirationStatus")
        },
    }


def _weak_key(finding: str) -> bool:
    """``RSA 1024 bits`` -> True (RSA/DSA under 2048 bits)."""
    parts = finding.split()
    return (
        len(parts) > 1
        and parts[0] in ("RSA", "DSA")
        and parts[1].isdigit()
        and int(parts[1]) < 2048
    )


# -- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1, help="testssl runs at once (default 1)")
    parser.add_argument("--only", nargs="+", choices=list(ENDPOINTS), default=list(ENDPOINTS))
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root (the lab and apt-get need it)")
    lab = load_lab()
    started_lab = not lab.is_running()
    state = lab.start(python=sys.executable)
    before = [(p.pid, p.starttime) for p in state.processes]
    try:
        return compare(args, state.ca_pem, ensure_testssl())
    finally:
        after = lab.load_state()
        if after is None or [(p.pid, p.starttime) for p in after.processes] != before:
            print("WARNING: the lab was restarted during the benchmark: figures may be off")
        if started_lab and not state.already_running:
            lab.stop()


def compare(args: argparse.Namespace, ca_pem: Path, command: str) -> int:
    names: list[str] = args.only
    rounds = [run_ours(names, ca_pem) for _ in range(max(1, args.rounds))]
    ours_wall = statistics.median(w for w, _ in rounds)
    ours = rounds[-1][1]
    print(
        f"ours: {len(names)} endpoints x {len(CHECKS)} TLS checks, median of {len(rounds)} "
        f"rounds: {ours_wall:.2f} s (rounds: {', '.join(f'{w:.2f}' for w, _ in rounds)}); "
        f"peak RSS {peak_rss_mb():.0f} MB",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="testssl-") as tmp:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            theirs_raw = dict(
                zip(
                    names,
                    pool.map(lambda n: run_testssl(command, n, ca_pem, Path(tmp)), names),
                    strict=True,
                )
            )
        testssl_wall = time.monotonic() - started
    theirs = {n: testssl_conclusions(records) for n, (_s, records) in theirs_raw.items()}
    ratio = ours_wall / testssl_wall if testssl_wall else float("nan")
    print(f"testssl --fast: {len(names)} endpoints, {args.jobs} at a time: {testssl_wall:.1f} s")
    print(
        f"ratio ours/testssl: {ratio:.4f} (target <= {TARGET_RATIO}) "
        f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}"
    )
    print()
    print(f"{'endpoint':<22} {'ours scan s':>11} {'testssl s':>10} {'ratio':>7}")
    for name in names:
        address, port = ENDPOINTS[name]
        mine_s, their_s = ours[name]["scan_s"], theirs_raw[name][0]
        where = f"{address}:{port}"
        print(f"{where:<22} {mine_s:>11.2f} {their_s:>10.1f} {mine_s / their_s:>7.4f}")
    print()
    disagreements = unknown = 0
    for name in names:
        address, port = ENDPOINTS[name]
        mine, their = ours[name], theirs[name]
        print(f"{name} {address}:{port}")
        if their["fatal"] or not theirs_raw[name][1]:
            print(f"  testssl failed: {their['fatal'] or 'no JSON output'}")
        for error in mine["errors"]:
            print(f"  ours error: {error}")
        theirs_protocols = their["protocols"]
        rows = [
            (
                "protocols",
                ", ".join(sorted(mine["protocols"])),
                "n/a" if theirs_protocols is None else ", ".join(sorted(theirs_protocols)),
            )
        ]
        rows += [
            (v, str(mine[v]), "n/a" if their[v] is None else str(their[v])) for v in CERT_VERDICTS
        ]
        for what, a, b in rows:
            mark = "" if a == b else "(testssl: no verdict)" if b == "n/a" else "<-- DIFFERS"
            disagreements += mark == "<-- DIFFERS"
            unknown += b == "n/a"
            print(f"  {what:<14} ours: {a:<36} testssl: {b:<36} {mark}")
        if any(a != b for _w, a, b in rows):
            print(f"  testssl's own words: {their['raw']}")
        weak = "; ".join(f"{k}: {len(v)}" for k, v in mine["weak_ciphers"].items()) or "none"
        offered = [k for k, v in their["ciphers"].items() if v.startswith("offered")]
        print(
            f"  (info) weak cipher categories, ours: {weak}; testssl cipherlists offered: "
            f"{', '.join(offered) or 'none'}"
        )
    print()
    print(
        f"protocol and certificate conclusions: {disagreements} disagreement(s), {unknown} "
        f"without a testssl verdict, over {len(names)} endpoints x {1 + len(CERT_VERDICTS)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
