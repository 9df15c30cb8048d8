"""Evidence bundles: one signed, tamper-evident archive per rectification notice, and the check
of a run's attempt chain in the store (docs/evidence.md says what they prove and what not).

:func:`export_notice` writes a zip archive holding the notice in every format and language,
each item with its finding and the attempt behind it (its canonical record, its raw exchanges),
the run's whole attempt chain (every link's digest, so the head can be recomputed from a part of
the run), the authorization and scope excerpt of the run's inventory, the tool's version and the
code hashes of the checks, a manifest of every member's SHA-256, and a detached Ed25519
signature of the manifest by the authority's key. :func:`verify_bundle` checks all of it and
names the first thing that does not match; :func:`verify_run_chain` checks a run's chain against
the attempts the store holds now.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reports.render import FORMATS, LANGUAGES, render_notice
from scanner import __version__
from scanner.app.keys import fingerprint, load_private, load_public, public_pem, read_public
from scanner.app.notices import SUFFIX, document_path
from scanner.app.timestamp import request_token, token_problem, token_time
from scanner.core.documents import Notice
from scanner.core.errors import UserError
from scanner.core.evidence import (
    EXCHANGE_LIMIT,
    Exchange,
    attempt_digest,
    chain_genesis,
    chain_link,
    sha256_hex,
)
from scanner.core.secrets import scrub_text
from scanner.core.text import clean, inert
from scanner.engine.registry import Registry, discover
from scanner.inventory.schema import LoadedInventory
from scanner.notices.build import build_notice, run_inventory
from scanner.store import Store

BUNDLE_FORMAT = "scanner-evidence-bundle/1"
MANIFEST, SIGNATURE, SIGNER = "manifest.json", "manifest.sig", "signer.pub"
#: The RFC 3161 time-stamp token of the manifest, when a timestamp authority was asked.
TIMESTAMP = "manifest.tsr"
#: The members the manifest does not list: itself, its signature, the signer's public key, and
#: the optional timestamp of the manifest.
ENVELOPE = frozenset({MANIFEST, SIGNATURE, SIGNER, TIMESTAMP})
#: Bounds on a bundle being verified: it may come from anyone.
MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 64 << 20
MAX_TOTAL_BYTES = 256 << 20
#: Links checked against the store at a time (their attempts' records and exchanges in memory).
CHAIN_SLICE = 500
#: Every member's time stamp inside the archive: the manifest carries the real times, and equal
#: inputs make equal archives.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CLOCK = (
    "Times are the scanning machine's clock (UTC epoch seconds), as it was when each exchange "
    "happened; no trusted timestamp authority has countersigned them."
)


@dataclass(frozen=True)
class ExportedBundle:
    """An evidence bundle written.

    Attributes:
        path: the archive.
        number: the notice.
        run_id: the run it was issued after.
        members: how many files the archive holds.
        attempts: how many attempts it carries in full.
        chain_head / chain_length: the run's chain when exported.
        signer: the fingerprint of the key that signed it.
        timestamp: the time a timestamp authority countersigned, else empty.
    """

    path: Path
    number: str
    run_id: int
    members: int
    attempts: int
    chain_head: str
    chain_length: int
    signer: str
    timestamp: str = ""


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_bundle` found.

    Attributes:
        ok: everything matched.
        problem: the first thing that did not, else empty.
        number / run_id: the notice and run the manifest names (empty / 0 when unreadable).
        chain_head / chain_length: the chain the bundle carries.
        members: how many members the manifest lists.
        signer: the fingerprint of the key the signature was checked with.
        key_given: True when the key came from ``--key`` (else the bundle's own ``signer.pub``,
            which proves integrity but not who signed).
        timestamp: the time the bundle's RFC 3161 token states, else empty.
        timestamp_checked: True when that token was checked against ``--tsa-ca``.
    """

    ok: bool
    problem: str = ""
    number: str = ""
    run_id: int = 0
    chain_head: str = ""
    chain_length: int = 0
    members: int = 0
    signer: str = ""
    key_given: bool = False
    timestamp: str = ""
    timestamp_checked: bool = False


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify_run_chain` found of a run's chain in the store.

    Attributes:
        run_id: the run.
        links: how many links the chain has.
        head: its head (the genesis value when empty).
        problem: the first mismatch, else empty.
    """

    run_id: int
    links: int
    head: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the chain matches the stored attempts."""
        return not self.problem


class _Mismatch(Exception):
    """The first thing in a bundle that does not match (its message names it)."""


def verify_run_chain(store: Store, run_id: int) -> ChainCheck:
    """Check run ``run_id``'s chain against the attempts the store holds now: every link's
    digest recomputed from its attempt as stored, every head from the one before, and every
    attempt of the run in the chain. Removing the newest attempts together with their links is
    the one change this cannot see: compare the head with one kept elsewhere (a bundle's)."""
    store.runs.get(run_id)  # a UserError for a run that does not exist
    chain = store.attempts.chain(run_id)
    head = chain_genesis(run_id)
    if not chain:
        stored = store.attempts.count(run_id)
        problem = (
            f"run {run_id} has {stored} attempts and no chain: they were stored before the "
            "evidence chain existed (migration 0011)"
            if stored
            else ""
        )
        return ChainCheck(run_id, 0, head, problem)
    # In slices: a run's exchanges may be far larger than memory should hold at once.
    for start in range(0, len(chain), CHAIN_SLICE):
        links = chain[start : start + CHAIN_SLICE]
        records = store.attempts.records(run_id, [link.attempt_id for link in links])
        for expected, link in enumerate(links, start + 1):
            problem = _link_problem(expected, link.seq, link.attempt_id, link.digest, records)
            if not problem and chain_link(head, link.digest) != link.head:
                problem = f"link {link.seq}: its head does not follow from the link before it"
            if problem:
                return ChainCheck(run_id, len(chain), chain[-1].head, problem)
            head = link.head
    unchained = store.attempts.unchained(run_id)
    if unchained:
        return ChainCheck(
            run_id,
            len(chain),
            head,
            f"attempt {unchained[0]} of run {run_id} is not in the chain (added outside the "
            f"store's record, or its link was removed); {len(unchained)} such attempts",
        )
    return ChainCheck(run_id, len(chain), head)


def _link_problem(
    expected: int, seq: int, attempt_id: int, digest: str, records: Mapping[int, Any]
) -> str:
    """What is wrong with one link against the attempt as stored, or empty."""
    record = records.get(attempt_id)
    if seq != expected:
        return f"link {expected} is missing (the chain goes on at {seq})"
    if record is None:
        return f"link {seq}: attempt {attempt_id} is no longer in the store"
    if attempt_digest(record) != digest:
        return (
            f"link {seq}: attempt {attempt_id} ({record['check_id']} on "
            f"{record['entity_id']}/{record['asset_id']}) differs from what was stored"
        )
    return ""


def export_notice(
    store: Store,
    number: str,
    out: Path,
    key_path: Path,
    *,
    passphrase_env: str | None = None,
    tsa: str | None = None,
    registry: Registry | None = None,
    now: float | None = None,
) -> ExportedBundle:
    """Write the evidence bundle of notice ``number`` to ``out``, signed with the private key
    in ``key_path`` and, with ``tsa`` (an RFC 3161 authority's URL), timestamped. Refuses
    (UserError) when the run's chain in the store does not match its attempts, or when a
    secret the run knows of would end up in the bundle."""
    key = load_private(key_path, passphrase_env=passphrase_env)
    now = time.time() if now is None else now
    registry = registry or discover()
    notice_id = store.notices.id_of(number)
    notice = build_notice(store, notice_id, registry)
    run_id = notice.run_id
    checked = verify_run_chain(store, run_id)
    if checked.problem or not checked.links:
        raise UserError(
            f"refusing to export notice {number}: the attempt chain of run {run_id} cannot "
            f"vouch for its attempts ({checked.problem or 'the run has no attempts'}). Fix: "
            "investigate the store; a new run (`scanner verify --notice`) has a chain of its own."
        )
    inv = run_inventory(store, run_id)
    notice = replace(
        notice,
        items=tuple(replace(i, evidence=scrub_text(i.evidence)) for i in notice.items),
    )
    members: dict[str, bytes] = {}
    for lang in LANGUAGES:
        for fmt in FORMATS:
            name = document_path(Path("."), f"{number}.{lang}.{SUFFIX[fmt]}").name
            members[f"notice/{name}"] = render_notice(notice, fmt, lang)
    items, attempt_ids = _items(store, notice)
    records = store.attempts.records(run_id, attempt_ids)
    exchanges = store.attempts.exchanges(attempt_ids)
    chain = store.attempts.chain(run_id)
    links = {link.attempt_id: link for link in chain}
    for attempt_id in sorted(attempt_ids):
        link = links[attempt_id]
        members[f"attempts/{attempt_id}.json"] = _json(
            {
                "record": records[attempt_id],
                "link": {"seq": link.seq, "digest": link.digest, "head": link.head},
                "exchanges": [_exchange_json(x, i) for i, x in enumerate(exchanges[attempt_id], 1)],
            }
        )
    members["items.json"] = _json({"notice": number, "run_id": run_id, "items": items})
    members["chain.json"] = _json(
        {
            "run_id": run_id,
            "genesis": chain_genesis(run_id),
            "links": [[c.seq, c.attempt_id, c.digest, c.head, c.at] for c in chain],
            "head": chain[-1].head,
        }
    )
    members["inventory.json"] = _json(_inventory_excerpt(store, inv, run_id, notice.entity_id))
    members["run.json"] = _json(_run_facts(store, run_id))
    members["tool.json"] = _json(_tool_facts(registry, records, notice))
    members["README.txt"] = _readme(number).encode()
    _refuse_known_secrets(inv, members, exchanges)
    manifest = _json(
        {
            "format": BUNDLE_FORMAT,
            "notice": number,
            "entity_id": notice.entity_id,
            "run_id": run_id,
            "created_at": now,
            "created_at_utc": datetime.fromtimestamp(now, UTC).isoformat(),
            "clock": _CLOCK,
            "timestamp_authority": tsa,
            "chain_head": chain[-1].head,
            "chain_length": len(chain),
            "members": {
                name: {"sha256": sha256_hex(data), "size": len(data)}
                for name, data in sorted(members.items())
            },
        }
    )
    signature = base64.b64encode(key.sign(manifest)) + b"\n"
    public = key.public_key()
    envelope = {MANIFEST: manifest, SIGNATURE: signature, SIGNER: public_pem(public)}
    if tsa:
        envelope[TIMESTAMP] = request_token(sha256_hex(manifest), tsa)
    _write_zip(out, {**members, **envelope})
    return ExportedBundle(
        out,
        number,
        run_id,
        len(members) + len(envelope),
        len(attempt_ids),
        chain[-1].head,
        len(chain),
        fingerprint(public),
        token_time(envelope[TIMESTAMP]) if tsa else "",
    )


def _items(store: Store, notice: Notice) -> tuple[list[dict[str, Any]], set[int]]:
    """Each item of ``notice`` with its finding in the notice's run and the attempt behind it."""
    items: list[dict[str, Any]] = []
    attempt_ids: set[int] = set()
    for item in notice.items:
        issue = store.issues.get(item.issue_id)
        finding = store.attempts.finding(notice.run_id, issue.fingerprint)
        if finding is not None:
            attempt_ids.add(finding.attempt_id)
        items.append(
            {
                "rank": item.rank,
                "issue_id": item.issue_id,
                "fingerprint": issue.fingerprint,
                "check_id": item.check_id,
                "entity_id": issue.entity_id,
                "asset_id": item.asset_id,
                "location": item.location,
                "severity": item.severity,
                "level": item.level,
                "score": item.score,
                "deadline": item.deadline.isoformat(),
                "evidence": scrub_text(finding.evidence if finding else item.evidence),
                "detail": finding.detail if finding else None,
                "attempt_id": finding.attempt_id if finding else None,
                "attempt": f"attempts/{finding.attempt_id}.json" if finding else None,
            }
        )
    return items, attempt_ids


def _exchange_json(x: Exchange, seq: int) -> dict[str, Any]:
    """An exchange in a bundle: its record, its bytes (base64) and a readable transcript."""
    return {
        **x.record(seq),
        "sent_base64": base64.b64encode(x.sent).decode(),
        "received_base64": base64.b64encode(x.received).decode(),
        "transcript": _transcript(x),
    }


def _transcript(x: Exchange) -> str:
    """The conversation as text, each turn marked ``>`` (sent) or ``<`` (received), control
    characters as escapes; a cut marked."""
    parts, at = [], {">": 0, "<": 0}
    streams = {">": x.sent, "<": x.received}
    turns = x.turns or ((">", len(x.sent)), ("<", len(x.received)))
    for direction, size in turns:
        chunk = streams[direction][at[direction] : at[direction] + size]
        at[direction] += size
        text = inert(chunk.decode("utf-8", "backslashreplace").replace("\r\n", "\n"))
        parts.append("\n".join(f"{direction} {line}" for line in text.split("\n")))
    if x.cut:
        parts.append(
            f"[cut here: {x.sent_total} bytes were sent and {x.received_total} received; an "
            f"attempt keeps at most {EXCHANGE_LIMIT} bytes of all its exchanges]"
        )
    return "\n".join(parts)


def _inventory_excerpt(
    store: Store, inv: LoadedInventory, run_id: int, entity_id: str
) -> dict[str, Any]:
    """The authorization, scope, profile and the notice's entity, as the run's inventory had
    them (credentials are references only; their secrets were never in the inventory)."""
    model = inv.model
    run = store.runs.get(run_id)
    entity = next((e for e in model.entities if e.id == entity_id), None)
    profile = model.profiles.get(run.profile)
    return {
        "inventory_sha256": store.runs.inventory_sha256(run_id),
        "campaign": {
            "name": model.campaign.name,
            "authority": model.campaign.authority,
            "legal_regime": model.campaign.legal_regime,
            "notice_prefix": model.campaign.notice_prefix,
        },
        "authorization": model.campaign.authorization.model_dump(mode="json"),
        "scope": model.scope.model_dump(mode="json"),
        "profile": {"name": run.profile, **(profile.model_dump(mode="json") if profile else {})},
        "entity": entity.model_dump(mode="json") if entity else None,
    }


def _run_facts(store: Store, run_id: int) -> dict[str, Any]:
    run = store.runs.get(run_id)
    return {
        "run_id": run.id,
        "campaign": run.campaign,
        "profile": run.profile,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "scanner_version": store.runs.scanner_version(run_id),
        "attempts": run.counts,
        "findings": run.findings,
        "refusals": [
            {"target": r.target, "reason": r.reason, "check_id": r.check_id, "at": r.at}
            for r in store.attempts.refusals(run_id)
        ],
        "clock": _CLOCK,
    }


def _tool_facts(
    registry: Registry, records: Mapping[int, Mapping[str, Any]], notice: Notice
) -> dict[str, Any]:
    """The exporting tool's version and, per check of the notice, the code hashes that ran (as
    the attempts recorded them) and the code installed now."""
    ran: dict[str, set[str]] = {}
    for record in records.values():
        ran.setdefault(str(record["check_id"]), set()).add(str(record["check_sha256"]))
    checks = {}
    for check_id in sorted({i.check_id for i in notice.items} | set(ran)):
        loaded = registry.checks.get(check_id)
        checks[check_id] = {
            "ran_code_sha256": sorted(ran.get(check_id, ())),
            "installed_code_sha256": loaded.code_sha256 if loaded else None,
            "module": loaded.module if loaded else None,
            "origin": loaded.origin if loaded else None,
        }
    return {"tool": "ci-inspection-scanner", "exported_by_version": __version__, "checks": checks}


def _readme(number: str) -> str:
    return (
        f"Evidence bundle of rectification notice {number} ({BUNDLE_FORMAT}).\n\n"
        "Check it with: scanner evidence verify THIS.zip --key AUTHORITY.pub\n\n"
        "manifest.json lists the SHA-256 of every other member; manifest.sig is the Ed25519\n"
        "signature of manifest.json's exact bytes (base64); signer.pub is the public key that\n"
        "made it (compare its fingerprint with the authority's published one). chain.json is\n"
        "the run's hash chain over its attempts; attempts/*.json hold the attempts behind the\n"
        "items with their raw exchanges (secrets replaced by ***). " + _CLOCK + "\n"
    )


def _refuse_known_secrets(
    inv: LoadedInventory, members: Mapping[str, bytes], exchanges: Mapping[int, list[Exchange]]
) -> None:
    """A last sweep: no password of the run's credentials (from their environment variables,
    when set here) may be in any member or any exchange's bytes."""
    secrets = [
        os.environ[c.password_env]
        for c in inv.model.credentials.values()
        if c.password_env and len(os.environ.get(c.password_env, "")) >= 4
    ]
    if not secrets:
        return
    raw = [(name, data) for name, data in members.items() if not name.endswith(".pdf")]
    raw += [
        (f"attempts/{aid}.json", x.sent + x.received) for aid, xs in exchanges.items() for x in xs
    ]
    for name, data in raw:
        if any(s.encode() in data for s in secrets):
            raise UserError(
                f"refusing to export: {name} would contain a credential's password. Fix: report "
                "this as a bug; the exchange was stored before its secret was replaced."
            )


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _write_zip(out: Path, members: Mapping[str, bytes]) -> None:
    """Write the archive atomically (a temporary file renamed over ``out``)."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"--out {out}: the folder {folder} does not exist. Fix: create it first.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=folder)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write there ({exc.strerror}).") from None
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            first = [n for n in (MANIFEST, SIGNATURE, SIGNER, TIMESTAMP) if n in members]
            order = [*first, *sorted(set(members) - ENVELOPE)]
            for name in order:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, members[name])
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def verify_bundle(
    path: Path, key: Path | None = None, *, tsa_ca: Path | None = None
) -> Verification:
    """Check bundle ``path``: its members against the manifest, the manifest's signature (by
    ``key``, a public key file, else by the bundle's own ``signer.pub``), its timestamp (against
    the authority's CA certificate ``tsa_ca``, when given), the chain, and every attempt
    against its link. Returns the first mismatch; a UserError only when ``key`` or ``tsa_ca``
    itself cannot be used."""
    given = read_public(key) if key is not None else None
    found: dict[str, Any] = {"key_given": given is not None}
    step = "the archive"
    try:
        members = _read_members(path)
        manifest = _manifest(members)
        found.update(
            number=clean(str(manifest.get("notice", "")), 200),
            chain_head=clean(str(manifest.get("chain_head", "")), 200),
            members=len(manifest["members"]),
        )
        step = "the manifest"
        found.update(
            run_id=int(manifest.get("run_id", 0) or 0),
            chain_length=int(manifest.get("chain_length", 0) or 0),
        )
        _check_members(members, manifest["members"])
        found["signer"] = _check_signature(members, given)
        found.update(_check_timestamp(members, manifest, tsa_ca))
        step = "the chain or an attempt"
        _check_chain(members, manifest)
    except _Mismatch as exc:
        return Verification(ok=False, problem=str(exc), **found)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
        # A bundle made by hand (signed by its own key) may hold anything in its JSON: a shape
        # the checks above did not expect is a mismatch too, never a crash.
        problem = f"{step} is malformed ({type(exc).__name__})"
        return Verification(ok=False, problem=problem, **found)
    return Verification(ok=True, **found)


def _read_members(path: Path) -> dict[str, bytes]:
    """The archive's members, bounded; names must be plain relative paths, each once."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise _Mismatch(f"{path} does not exist") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise _Mismatch(f"{path} is not a readable zip archive ({exc})") from None
    members: dict[str, bytes] = {}
    total = 0
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _Mismatch(f"the archive has {len(infos)} members (at most {MAX_MEMBERS})")
        for info in infos:
            name = info.filename
            shown = clean(name, 200)
            pure = PurePosixPath(name)
            if name in members:
                raise _Mismatch(f"member {shown} appears twice in the archive")
            if (
                pure.is_absolute()
                or ".." in pure.parts
                or "\\" in name
                or name != inert(name)
                or info.is_dir()
            ):
                raise _Mismatch(f"member {shown} is not a plain file name")
            if info.file_size > MAX_MEMBER_BYTES or total + info.file_size > MAX_TOTAL_BYTES:
                raise _Mismatch(f"member {shown} is larger than a bundle member may be")
            try:
                with archive.open(info) as handle:
                    data = handle.read(MAX_MEMBER_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise _Mismatch(f"member {shown} cannot be read ({exc})") from None
            if len(data) > MAX_MEMBER_BYTES:
                raise _Mismatch(f"member {shown} is larger than a bundle member may be")
            total += len(data)
            members[name] = data
    return members


def _manifest(members: Mapping[str, bytes]) -> dict[str, Any]:
    for name in (MANIFEST, SIGNATURE, SIGNER):
        if name not in members:
            raise _Mismatch(f"{name} is missing")
    manifest = _parse(MANIFEST, members[MANIFEST])
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise _Mismatch(f"{MANIFEST} is not a manifest of {BUNDLE_FORMAT}")
    listed = manifest.get("members")
    if not isinstance(listed, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in listed.values()
    ):
        raise _Mismatch(f"{MANIFEST}: its members are not a table of name -> sha256")
    return manifest


def _parse(name: str, data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise _Mismatch(f"{name} is not valid JSON") from None


def _check_members(members: Mapping[str, bytes], listed: Mapping[str, Any]) -> None:
    for name in sorted(listed):
        if name in ENVELOPE:
            raise _Mismatch(f"{MANIFEST} lists {name}, which it cannot vouch for")
        if name not in members:
            raise _Mismatch(f"member {clean(name, 200)} is listed in the manifest but missing")
        entry = listed[name]
        if sha256_hex(members[name]) != entry["sha256"] or len(members[name]) != entry.get(
            "size", len(members[name])
        ):
            raise _Mismatch(f"member {clean(name, 200)} does not match its manifest digest")
    for name in sorted(members):
        if name not in listed and name not in ENVELOPE:
            raise _Mismatch(f"member {clean(name, 200)} is not in the manifest")


def _check_signature(members: Mapping[str, bytes], given: Ed25519PublicKey | None) -> str:
    # Both envelope members must be exactly as export writes them: the manifest covers neither,
    # so a byte that a lenient parser would skip must still count as a change.
    try:
        signature = base64.b64decode(members[SIGNATURE].removesuffix(b"\n"), validate=True)
    except (binascii.Error, ValueError):
        raise _Mismatch(f"{SIGNATURE} is not a base64 signature") from None
    if members[SIGNATURE] != base64.b64encode(signature) + b"\n":
        raise _Mismatch(f"{SIGNATURE} is not in the form export writes (base64, one line)")
    try:
        embedded = load_public(members[SIGNER], SIGNER)
    except UserError:
        raise _Mismatch(f"{SIGNER} is not an Ed25519 public key") from None
    if members[SIGNER] != public_pem(embedded):
        raise _Mismatch(f"{SIGNER} is not in the form export writes (one PEM public key)")
    key = given or embedded
    try:
        key.verify(signature, members[MANIFEST])
    except InvalidSignature:
        if given is not None:
            raise _Mismatch(
                f"the signature of {MANIFEST} was not made by the key given ({fingerprint(given)})"
                f"; the bundle names {fingerprint(embedded)} as its signer"
            ) from None
        raise _Mismatch(f"the signature of {MANIFEST} does not match it ({SIGNER})") from None
    if given is not None and fingerprint(given) != fingerprint(embedded):
        raise _Mismatch(f"{SIGNER} is not the key given, though the signature verifies")
    return fingerprint(key)


def _check_timestamp(
    members: Mapping[str, bytes], manifest: Mapping[str, Any], tsa_ca: Path | None
) -> dict[str, Any]:
    """The bundle's timestamp: present exactly when the manifest names an authority, and with
    ``tsa_ca`` a token for the manifest's digest under that CA."""
    token = members.get(TIMESTAMP)
    if manifest.get("timestamp_authority") and token is None:
        raise _Mismatch(f"{TIMESTAMP} is missing, though the manifest names a timestamp authority")
    if token is None:
        if tsa_ca is not None:
            raise _Mismatch("the bundle has no trusted timestamp (--tsa-ca was given)")
        return {}
    if not manifest.get("timestamp_authority"):
        raise _Mismatch(f"{TIMESTAMP} is there, though the manifest names no timestamp authority")
    if tsa_ca is not None:
        problem = token_problem(token, sha256_hex(members[MANIFEST]), tsa_ca)
        if problem:
            raise _Mismatch(problem)
    return {"timestamp": token_time(token), "timestamp_checked": tsa_ca is not None}


def _check_chain(members: Mapping[str, bytes], manifest: Mapping[str, Any]) -> None:
    """The chain from its genesis to the manifest's head, and each attempt against its link."""
    if "chain.json" not in members:
        raise _Mismatch("chain.json is missing")
    chain = _parse("chain.json", members["chain.json"])
    try:
        run_id = int(chain["run_id"])
        links = [(int(s), int(a), str(d), str(h)) for s, a, d, h, *_ in chain["links"]]
    except (KeyError, TypeError, ValueError):
        raise _Mismatch("chain.json is not a chain of links") from None
    if run_id != manifest.get("run_id"):
        raise _Mismatch(f"chain.json is the chain of run {run_id}, not of the manifest's run")
    head = chain_genesis(run_id)
    if chain.get("genesis") != head:
        raise _Mismatch(f"chain.json: its genesis is not run {run_id}'s")
    by_attempt: dict[int, tuple[int, str, str]] = {}
    for expected, (seq, attempt_id, digest, link_head) in enumerate(links, 1):
        if seq != expected:
            raise _Mismatch(f"chain.json: link {expected} is out of order (found link {seq})")
        try:
            head = chain_link(head, digest)
        except ValueError:
            raise _Mismatch(f"chain.json: link {seq} has no valid digest") from None
        if head != link_head:
            raise _Mismatch(f"chain.json: link {seq}'s head does not follow from the links before")
        by_attempt[attempt_id] = (seq, digest, link_head)
    if head != chain.get("head") or head != manifest.get("chain_head"):
        raise _Mismatch("chain.json: its links end at another head than the manifest names")
    if len(links) != manifest.get("chain_length"):
        raise _Mismatch("chain.json: its length is not the manifest's")
    for name in sorted(n for n in members if n.startswith("attempts/")):
        _check_attempt(name, _parse(name, members[name]), by_attempt, run_id)
    _check_items(members)


def _check_items(members: Mapping[str, bytes]) -> None:
    """Every item names an attempt the bundle carries."""
    items = _parse("items.json", members.get("items.json", b"null"))
    if not isinstance(items, dict) or not isinstance(items.get("items"), list):
        raise _Mismatch("items.json is missing or not a list of items")
    for item in items["items"]:
        wanted = item.get("attempt") if isinstance(item, dict) else None
        if wanted is not None and wanted not in members:
            raise _Mismatch(f"items.json: item {item.get('rank')} names {wanted}, not in bundle")


def _check_attempt(
    name: str, content: Any, by_attempt: Mapping[int, tuple[int, str, str]], run_id: int
) -> None:
    try:
        record, exchanges = content["record"], content["exchanges"]
        attempt_id = int(record["id"])
    except (KeyError, TypeError, ValueError):
        raise _Mismatch(f"{name} is not an attempt with its record") from None
    if record.get("run_id") != run_id:
        raise _Mismatch(f"{name}: an attempt of another run")
    if attempt_id not in by_attempt:
        raise _Mismatch(f"{name}: attempt {attempt_id} is not in the run's chain")
    seq, digest, _ = by_attempt[attempt_id]
    try:
        recomputed = attempt_digest(record)
    except (TypeError, ValueError):
        raise _Mismatch(f"{name}: its record cannot be hashed") from None
    if recomputed != digest:
        raise _Mismatch(f"{name}: attempt {attempt_id} does not match link {seq} of the chain")
    recorded: Sequence[Any] = record.get("exchanges") or []
    if not isinstance(exchanges, list) or len(exchanges) != len(recorded):
        raise _Mismatch(f"{name}: its exchanges are not those its record names")
    for kept, expected in zip(exchanges, recorded, strict=True):
        for side in ("sent", "received"):
            try:
                data = base64.b64decode(kept[f"{side}_base64"], validate=True)
            except (KeyError, TypeError, binascii.Error, ValueError):
                raise _Mismatch(
                    f"{name}: exchange {expected.get('seq')} has no {side} bytes"
                ) from None
            if hashlib.sha256(data).hexdigest() != expected.get(f"{side}_sha256"):
                raise _Mismatch(
                    f"{name}: the {side} bytes of exchange {expected.get('seq')} differ from "
                    "its record"
                )


def open_members(path: Path) -> dict[str, bytes]:
    """A bundle's members (for tests and tools that show them); a UserError when unreadable."""
    try:
        return _read_members(path)
    except _Mismatch as exc:
        raise UserError(str(exc)) from None


__all__ = [
    "BUNDLE_FORMAT",
    "ChainCheck",
    "ExportedBundle",
    "Verification",
    "export_notice",
    "open_members",
    "verify_bundle",
    "verify_run_chain",
]
