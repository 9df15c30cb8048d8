"""Reading vulnerability feed files as streams: OSV, NVD CVE JSON 2.0, the CISA KEV catalogue.

Inspection machines are often offline, so feeds come as files the inspector brings (see
docs/vulnerabilities.md). :func:`detect` names a file's kind from its first events (a zip is an
OSV ecosystem export); :func:`entries` yields its rows for the store one record at a time, with
ijson's C parser, so an NVD year file (hundreds of megabytes) is never held whole: memory is one
CVE record plus the store's batch. A zip member is read only up to :data:`MAX_MEMBER_BYTES`.

Bad input is a :class:`~scanner.core.errors.UserError` naming the file, the record and the
field, with a fix; the import it belongs to is rolled back.
"""

from __future__ import annotations

import gzip
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol, cast

import ijson

from scanner.core.errors import UserError
from scanner.store.feeds import (
    UNLISTED,
    Advisory,
    CpeRange,
    Cve,
    FeedEntry,
    Kev,
    PlatformMatch,
)
from scanner.vulns.platform import parse_cpe

#: An OSV record (a single file or a zip member) larger than this is refused.
MAX_MEMBER_BYTES = 8 * 1024 * 1024
#: Members of one OSV zip read at most (Debian's export has some 60,000).
MAX_MEMBERS = 2_000_000
#: Top-level parser events read to tell a file's kind.
DETECT_EVENTS = 20_000
#: Fields are cut to these lengths before they are stored.
ID_LIMIT, VERSION_LIMIT, TEXT_LIMIT = 100, 200, 500
CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
#: NVD's range fields of a CPE match, in CpeRange's and PlatformMatch's order.
BOUND_KEYS = (
    "versionStartIncluding",
    "versionStartExcluding",
    "versionEndIncluding",
    "versionEndExcluding",
)
#: Alternatives kept of one group of a platform condition (NVD lists hundreds of processor
#: models under some firmware flaws; every vulnerable match of the configuration repeats them).
MAX_PLATFORM_MATCHES = 100

GZIP_MAGIC = b"\x1f\x8b"
#: Deepest JSON nesting read (real feeds nest about a dozen levels), and the window in bytes
#: over which it is counted.
MAX_DEPTH, DEPTH_WINDOW = 512, 1024


@dataclass
class Tally:
    """What an import learned while it streamed: the feed's own date and its record count."""

    version: str = ""
    entries: int = 0

    def date(self, value: str) -> None:
        """Keep the newest of the feed's dates (ISO 8601 strings compare in time order once
        normalised to UTC)."""
        iso = _iso(value)
        if iso and iso > self.version:
            self.version = iso


@dataclass(frozen=True)
class FeedFile:
    """One file to import: its path, kind (osv, nvd, kev) and the source it belongs to."""

    path: Path
    kind: str
    source: str
    header: dict[str, Any]


def detect(path: Path, source: str | None = None) -> FeedFile:
    """What ``path`` holds: an OSV zip or record, an NVD CVE 2.0 file, or the KEV catalogue."""
    if not path.is_file():
        raise UserError(f"{path}: no such file. Fix: give the path of a downloaded feed file.")
    if zipfile.is_zipfile(path):
        return FeedFile(path, "osv", source or _zip_source(path), {})
    header: dict[str, Any] = {}
    with _open(path) as fh:
        try:
            for count, (prefix, event, value) in enumerate(ijson.parse(fh, use_float=True)):
                if count > DETECT_EVENTS:
                    break
                if prefix in ("format", "timestamp", "catalogVersion", "dateReleased", "id"):
                    header[prefix] = value
                if prefix == "affected" or (prefix == "" and event == "start_array"):
                    return FeedFile(path, "osv", source or _osv_source(path), header)
                if prefix in ("vulnerabilities.item.cve", "vulnerabilities.item.cveID"):
                    break
                if (
                    event == "map_key"
                    and prefix == "vulnerabilities.item"
                    and value
                    in (
                        "cve",
                        "cveID",
                    )
                ):
                    header["_item"] = value
                    break
        except (ijson.JSONError, OSError, EOFError) as exc:
            raise UserError(_not_json(path, exc)) from None
    if header.get("format") == "NVD_CVE" or header.get("_item") == "cve":
        return FeedFile(path, "nvd", source or "nvd", header)
    if "catalogVersion" in header or header.get("_item") == "cveID":
        return FeedFile(path, "kev", source or "kev", header)
    raise UserError(
        f"{path}: not a feed the scanner reads (neither an OSV record or zip, an NVD CVE JSON "
        "2.0 file, nor the CISA KEV catalogue). Fix: import the files docs/vulnerabilities.md "
        "names (NVD's JSON 2.0 feeds, not the retired 1.1 ones)."
    )


def entries(feed: FeedFile, tally: Tally) -> Iterator[FeedEntry]:
    """The rows of ``feed``, one record at a time, counting records and dates in ``tally``."""
    if feed.kind == "osv":
        yield from _osv_file(feed.path, tally)
    elif feed.kind == "nvd":
        tally.date(str(feed.header.get("timestamp", "")))
        yield from _nvd(feed.path, tally)
    else:
        tally.date(str(feed.header.get("dateReleased", "")))
        yield from _kev(feed.path, tally)


# --- OSV --------------------------------------------------------------------------------------


def _osv_file(path: Path, tally: Tally) -> Iterator[FeedEntry]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for number, info in enumerate(archive.infolist()):
                if number >= MAX_MEMBERS:
                    raise UserError(f"{path}: more than {MAX_MEMBERS} members. Fix: split it.")
                if info.is_dir() or not info.filename.endswith(".json"):
                    continue
                where = f"{path}!{info.filename}"
                with archive.open(info) as member:
                    data = member.read(MAX_MEMBER_BYTES + 1)
                yield from _osv_records(_load(data, where), where, tally)
        return
    with _open(path) as fh:
        data = fh.read(MAX_MEMBER_BYTES + 1)
    yield from _osv_records(_load(data, str(path)), str(path), tally)


def _load(data: bytes, where: str) -> Any:
    if len(data) > MAX_MEMBER_BYTES:
        raise UserError(
            f"{where}: an OSV record larger than {MAX_MEMBER_BYTES} bytes. Fix: check the file "
            "is an OSV advisory (or give the export as its zip)."
        )
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UserError(f"{where}: not valid JSON ({exc}). Fix: download the file again.") from None


def _osv_records(value: Any, where: str, tally: Tally) -> Iterator[FeedEntry]:
    records = value if isinstance(value, list) else value.get("vulns", [value])
    for index, record in enumerate(records):
        at = f"{where}[{index}]" if isinstance(value, list) else where
        yield from osv_record(record, at, tally)


def osv_record(record: Any, where: str, tally: Tally) -> Iterator[Advisory]:
    """The affected ranges of one OSV record (schema 1.x): one row per range and package."""
    if not isinstance(record, dict):
        raise UserError(f"{where}: an OSV record must be a JSON object. Fix: check the file.")
    ident = _text(record, "id", where, required=True)[:ID_LIMIT]
    tally.entries += 1
    tally.date(str(record.get("modified", "")))
    aliases = tuple(
        dict.fromkeys(
            str(a)[:ID_LIMIT]
            for key in ("aliases", "upstream", "related")
            for a in _list(record, key, where)
            if isinstance(a, str) and CVE_ID.match(a)
        )
    )
    if CVE_ID.match(ident) and ident not in aliases:
        aliases = (ident, *aliases)
    summary = str(record.get("summary") or record.get("details") or "")[:TEXT_LIMIT]
    for number, affected in enumerate(_list(record, "affected", where)):
        at = f"{where}: affected[{number}]"
        package = affected.get("package") if isinstance(affected, dict) else None
        if not isinstance(package, dict):
            raise UserError(f"{at}.package: missing. Fix: each affected entry names a package.")
        ecosystem = _text(package, "ecosystem", f"{at}.package", required=True)[:ID_LIMIT]
        name = _text(package, "name", f"{at}.package", required=True)[:VERSION_LIMIT]
        for introduced, fixed, last in _intervals(affected, at):
            yield Advisory(
                ident,
                aliases,
                ecosystem,
                name,
                introduced[:VERSION_LIMIT],
                fixed[:VERSION_LIMIT],
                last[:VERSION_LIMIT],
                summary,
            )


def _intervals(affected: dict[str, Any], at: str) -> Iterator[tuple[str, str, str]]:
    """(introduced, fixed, last_affected) of each affected interval of one package: its
    ECOSYSTEM and SEMVER ranges' events in order, or else its listed versions."""
    ranged = False
    for number, version_range in enumerate(_list(affected, "ranges", at)):
        if not isinstance(version_range, dict) or version_range.get("type") == "GIT":
            continue  # commit ranges say nothing about installed package versions
        ranged = True
        introduced = ""
        for event in _list(version_range, "events", f"{at}.ranges[{number}]"):
            if not isinstance(event, dict) or len(event) != 1:
                raise UserError(
                    f"{at}.ranges[{number}].events: each event has exactly one of introduced, "
                    "fixed, last_affected, limit. Fix: check the file."
                )
            ((kind, value),) = event.items()
            version = str(value)
            if kind == "introduced":
                if introduced:  # an open interval before this one: affected, no fix
                    yield introduced, "", ""
                introduced = version
            elif kind == "fixed" and introduced:
                yield introduced, version, ""
                introduced = ""
            elif kind == "last_affected" and introduced:
                yield introduced, "", version
                introduced = ""
        if introduced:
            yield introduced, "", ""
    if not ranged:
        for version in _list(affected, "versions", at):
            yield str(version), "", str(version)


def _zip_source(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist()[:50]:
            if info.filename.endswith(".json") and info.file_size <= MAX_MEMBER_BYTES:
                with archive.open(info) as member:
                    return _source_of(_load(member.read(MAX_MEMBER_BYTES + 1), str(path)))
    raise UserError(f"{path}: a zip without OSV records (.json). Fix: check the download.")


def _osv_source(path: Path) -> str:
    with _open(path) as fh:
        return _source_of(_load(fh.read(MAX_MEMBER_BYTES + 1), str(path)))


def _source_of(value: Any) -> str:
    """``osv:<ecosystem>`` of the first affected package (``Debian:12`` -> ``osv:Debian``)."""
    records = (
        value
        if isinstance(value, list)
        else (value.get("vulns", [value]) if isinstance(value, dict) else [])
    )
    for record in records:
        for affected in (record.get("affected") or []) if isinstance(record, dict) else []:
            ecosystem = (affected.get("package") or {}).get("ecosystem")
            if isinstance(ecosystem, str) and ecosystem:
                return "osv:" + ecosystem.split(":", 1)[0][:ID_LIMIT]
    return "osv"


# --- NVD --------------------------------------------------------------------------------------


def _nvd(path: Path, tally: Tally) -> Iterator[FeedEntry]:
    with _open(path) as fh:
        try:
            for index, item in enumerate(ijson.items(fh, "vulnerabilities.item", use_float=True)):
                yield from nvd_item(item, f"{path}: vulnerabilities[{index}]", tally)
        except (ijson.JSONError, OSError, EOFError) as exc:  # OSError: a broken gzip stream
            raise UserError(_not_json(path, exc)) from None


def nvd_item(item: Any, where: str, tally: Tally) -> Iterator[FeedEntry]:
    """One CVE of an NVD CVE JSON 2.0 file: its row, and one per vulnerable CPE match."""
    cve = item.get("cve") if isinstance(item, dict) else None
    if not isinstance(cve, dict):
        raise UserError(f"{where}.cve: missing. Fix: import NVD CVE JSON 2.0 files.")
    ident = _text(cve, "id", f"{where}.cve", required=True)
    if not CVE_ID.match(ident):
        raise UserError(f"{where}.cve.id: {ident[:40]!r} is not a CVE id. Fix: check the file.")
    tally.entries += 1
    score, vector = _cvss(cve.get("metrics"))
    summary = next(
        (
            str(d.get("value", ""))
            for d in _list(cve, "descriptions", where)
            if isinstance(d, dict) and d.get("lang") == "en"
        ),
        "",
    )
    yield Cve(ident, score, vector[:VERSION_LIMIT], summary[:TEXT_LIMIT])
    for config in _list(cve, "configurations", where):
        yield from _configuration(ident, config, where)


def _configuration(cve: str, config: Any, where: str) -> Iterator[CpeRange]:
    """The vulnerable CPE matches of one configuration. Its nodes are alternatives, unless the
    configuration's ``operator`` is ``AND`` (an application vulnerable only on some platform:
    a node of vulnerable application matches, and one of the operating systems or hardware,
    ``vulnerable: false``): then each vulnerable match requires every other node, kept as its
    platform condition. Negated nodes are left out (a condition the matcher cannot check)."""
    if not isinstance(config, dict):
        return
    nodes = [n for n in _list(config, "nodes", where) if isinstance(n, dict)]
    conjunction = str(config.get("operator", "OR")).upper() == "AND"
    for number, node in enumerate(nodes):
        if node.get("negate"):
            continue
        matches = [m for m in _list(node, "cpeMatch", where) if isinstance(m, dict)]
        others = (
            tuple(g for n, other in enumerate(nodes) if n != number for g in _groups(other, where))
            if conjunction
            else ()
        )
        every = str(node.get("operator", "OR")).upper() == "AND"
        for match in matches:
            if not match.get("vulnerable"):
                continue
            requires = others
            if every:  # a node of matches all required: the others are conditions too
                requires += tuple(_group([m]) for m in matches if m is not match)
            found = cpe_range(cve, match, requires)
            if found is not None:
                yield found


def _groups(node: dict[str, Any], where: str) -> tuple[tuple[PlatformMatch, ...], ...]:
    """A node as groups of a platform condition: one group of alternatives (``OR``), or one
    group per match (``AND``); none for a negated node."""
    if node.get("negate"):
        return ()
    matches = [m for m in _list(node, "cpeMatch", where) if isinstance(m, dict)]
    if str(node.get("operator", "OR")).upper() == "AND":
        return tuple(_group([m]) for m in matches)
    return (_group(matches),) if matches else ()


def _group(matches: list[dict[str, Any]]) -> tuple[PlatformMatch, ...]:
    """Alternatives of a platform condition, at most :data:`MAX_PLATFORM_MATCHES` (beyond, one
    :data:`~scanner.store.feeds.UNLISTED` stands for the rest: such a group can be met by a
    platform not kept, so a platform outside it leaves the match unverified, not dropped)."""
    kept = [
        PlatformMatch(str(m.get("criteria", ""))[:VERSION_LIMIT] or UNLISTED, *_bounds(m))
        for m in matches[:MAX_PLATFORM_MATCHES]
    ]
    if len(matches) > MAX_PLATFORM_MATCHES:
        kept.append(PlatformMatch(UNLISTED))
    return tuple(kept)


def cpe_range(
    cve: str, match: dict[str, Any], requires: tuple[tuple[PlatformMatch, ...], ...] = ()
) -> CpeRange | None:
    """A vulnerable ``cpeMatch`` as a row: vendor, product, the version or range, and the
    platform condition it ``requires`` (an ``AND`` configuration's other nodes)."""
    criteria = str(match.get("criteria", ""))
    cpe = parse_cpe(criteria) if criteria.startswith("cpe:2.3:") else None
    if cpe is None:
        return None
    vendor, product, version = cpe.vendor, cpe.product, cpe.version  # 9.2 update p1: 9.2p1
    start_incl, start_excl, end_incl, end_excl = _bounds(match)
    return CpeRange(
        cve,
        vendor[:VERSION_LIMIT],
        product[:VERSION_LIMIT],
        version[:VERSION_LIMIT],
        start_incl,
        start_excl,
        end_incl,
        end_excl,
        requires,
    )


def _bounds(match: dict[str, Any]) -> tuple[str, str, str, str]:
    """A CPE match's range fields (:data:`BOUND_KEYS`), empty when absent."""
    start_incl, start_excl, end_incl, end_excl = (
        str(match.get(key) or "")[:VERSION_LIMIT] for key in BOUND_KEYS
    )
    return start_incl, start_excl, end_incl, end_excl


def _cvss(metrics: Any) -> tuple[float | None, str]:
    """The newest CVSS version's base score and vector, NVD's own (Primary) first."""
    if not isinstance(metrics, dict):
        return None, ""
    for key in ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"):
        found = [m for m in metrics.get(key) or [] if isinstance(m, dict)]
        found.sort(key=lambda m: m.get("type") != "Primary")
        for metric in found:
            data = metric.get("cvssData") or {}
            score = data.get("baseScore")
            if isinstance(score, int | float) and 0 <= score <= 10:
                return float(score), str(data.get("vectorString", ""))
    return None, ""


# --- KEV --------------------------------------------------------------------------------------


def _kev(path: Path, tally: Tally) -> Iterator[FeedEntry]:
    with _open(path) as fh:
        try:
            for index, item in enumerate(ijson.items(fh, "vulnerabilities.item")):
                where = f"{path}: vulnerabilities[{index}]"
                if not isinstance(item, dict):
                    raise UserError(f"{where}: not an object. Fix: check the file.")
                ident = _text(item, "cveID", where, required=True)
                if not CVE_ID.match(ident):
                    raise UserError(f"{where}.cveID: {ident[:40]!r} is not a CVE id.")
                tally.entries += 1
                yield Kev(
                    ident,
                    str(item.get("vulnerabilityName", ""))[:TEXT_LIMIT],
                    str(item.get("dateAdded", ""))[:20],
                    str(item.get("knownRansomwareCampaignUse", ""))[:20],
                )
        except (ijson.JSONError, OSError, EOFError) as exc:
            raise UserError(_not_json(path, exc)) from None


# --- shared -----------------------------------------------------------------------------------


def _open(path: Path) -> IO[bytes]:
    """``path`` for reading, decompressed as it is read when gzipped (NVD's ``.json.gz``), its
    nesting depth bounded (:class:`DepthLimited`)."""
    try:
        with path.open("rb") as fh:
            gzipped = fh.read(2) == GZIP_MAGIC
        # closed by the caller's ``with`` on the wrapper
        raw: Reader = (
            gzip.open(path, "rb") if gzipped else path.open("rb")  # noqa: SIM115
        )
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror}). Fix: check the path.") from None
    return cast(IO[bytes], DepthLimited(raw, path))  # read() and close() are all ijson uses


class Reader(Protocol):
    """What DepthLimited reads from: a binary file, plain or gzipped."""

    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


class DepthLimited:
    """A binary file whose JSON nesting may not pass :data:`MAX_DEPTH`.

    ijson's C parser keeps the path of every open level (``vulnerabilities.item.item...``), so
    memory grows with the square of the depth: a few hundred kilobytes of ``[`` would take
    gigabytes. Real feeds nest a dozen levels. The net count of brackets is taken over every
    :data:`DEPTH_WINDOW` bytes (brackets inside strings count too, which only errs towards
    refusing), so the parser never sees more than ``MAX_DEPTH + DEPTH_WINDOW`` levels.
    """

    def __init__(self, raw: Reader, path: Path) -> None:
        self._raw, self._path, self._depth = raw, path, 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        for start in range(0, len(data), DEPTH_WINDOW):
            part = data[start : start + DEPTH_WINDOW]
            self._depth += part.count(b"[") + part.count(b"{") - part.count(b"]") - part.count(b"}")
            if self._depth > MAX_DEPTH:
                raise UserError(
                    f"{self._path}: JSON nested deeper than {MAX_DEPTH} levels: not a feed. Fix: "
                    "download the file again from the source docs/vulnerabilities.md names."
                )
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> DepthLimited:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text(obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if isinstance(value, str) and value:
        return value
    if required:
        raise UserError(f"{where}.{key}: missing or not a string. Fix: check the file.")
    return ""


def _list(obj: Any, key: str, where: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise UserError(f"{where}.{key}: must be a list. Fix: check the file.")
    return value


def _not_json(path: Path, exc: Exception) -> str:
    return f"{path}: not valid JSON ({str(exc)[:200]}). Fix: download the file again (whole)."


def _iso(value: str) -> str:
    """``value`` (ISO 8601, or KEV's ``2024-07-01``) as UTC ``YYYY-MM-DDTHH:MM:SSZ``; empty if
    it is not a date."""
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
