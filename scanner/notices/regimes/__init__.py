"""Legal regimes as data: which texts a notice cites, for its own basis and for each reference.

A regime is a YAML file beside this module (``prc.yaml``, ``generic.yaml``). It maps reference ids
(``CSL-21``, ``MLPS-8.1.4.2``, ``CWE-319`` ...) to citation text per language, exactly or through
patterns, and lists the provisions the notice itself rests on. Keeping this as data lets a
campaign cite another legal system without touching templates or code. An id the regime does not
know is cited verbatim.

Laws change and renumber their articles. A regime's ``laws`` name, for each law it cites, every
version with its adoption and effective dates; checks and basis entries cite articles by their
number in the law's first listed version (``CSL-21``: Article 21 of the 2016 Cybersecurity
Law), and each later version maps those numbers to its own (``21: 23``). A notice cites the
text in force on its date (:meth:`Regime.cite` with ``on``), and :meth:`Regime.problems` names
every cited article the version in force does not account for, so renumbering is checked
rather than assumed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).resolve().parent

_DIGITS = "零一二三四五六七八九"


def names() -> tuple[str, ...]:
    """Every regime that has a data file, sorted."""
    return tuple(sorted(p.stem for p in FOLDER.glob("*.yaml")))


def zh_number(n: int) -> str:
    """``n`` (0-9999) in Chinese numerals as legal texts write article numbers: 21 -> 二十一."""
    if not 0 <= n < 10000:
        raise ValueError(f"zh_number: {n} is out of range 0-9999")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += _DIGITS[digit] + unit
            zero = False
        else:
            zero = bool(out)
    return out


@dataclass(frozen=True)
class Citation:
    """A reference id with its citation text in every language and whether it is law."""

    ref: str
    text: Mapping[str, str]
    legal: bool

    def __call__(self, lang: str) -> str:
        """The citation in ``lang``, the id itself where the regime has no text for it."""
        return self.text.get(lang, self.ref)


@dataclass(frozen=True)
class Pattern:
    """A family of reference ids cited by one template text per language."""

    match: re.Pattern[str]
    text: Mapping[str, str]
    legal: bool


@dataclass(frozen=True)
class BasisClause:
    """One provision the notice itself rests on, with what it requires, per language (and, by
    law version, where a later version changed the text)."""

    ref: str
    requirement: Mapping[str, str]
    versions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LawVersion:
    """One version of a law the regime cites.

    Attributes:
        law: the reference prefix (``CSL``).
        version: its name (``2016``, ``2025``).
        adopted: the day it was adopted or amended.
        effective: the day it came into force.
        label: per language, how a citation names it (`` (as amended 2025)``).
        articles: the reference version's article numbers -> this version's; ``None`` in the
            reference version itself (its numbers are the references').
        confirmed: the entries of ``articles`` read from the amending text itself (the others
            derived from it; see the data file's notes).
        source: where the data comes from.
    """

    law: str
    version: str
    adopted: dt.date
    effective: dt.date
    label: Mapping[str, str]
    articles: Mapping[int, int] | None
    confirmed: frozenset[int]
    source: str

    def number(self, article: int) -> int | None:
        """This version's number of the reference version's ``article`` (None: unknown)."""
        return article if self.articles is None else self.articles.get(article)


@dataclass(frozen=True)
class Regime:
    """A legal regime: what it is called, the notice's own basis, citations for references.

    Attributes:
        name: the file's stem (``prc``, ``generic``).
        title: per language, the phrase a notice opens with ("pursuant to ...").
        basis: the provisions the notice itself rests on.
        references: exact citations by reference id.
        patterns: citations for families of ids.
        penalty: the reference cited for what follows when items are not rectified in time.
    """

    name: str
    title: Mapping[str, str]
    basis: tuple[BasisClause, ...]
    references: Mapping[str, Citation]
    patterns: tuple[Pattern, ...]
    penalty: str | None = None
    laws: Mapping[str, tuple[LawVersion, ...]] = field(default_factory=dict)

    def version_on(self, law: str, day: dt.date) -> LawVersion | None:
        """The version of ``law`` in force on ``day`` (None: no versions known, or none yet)."""
        found = None
        for version in self.laws.get(law, ()):
            if version.effective <= day:
                found = version
        return found

    def article_on(self, ref: str, day: dt.date) -> tuple[LawVersion, int | None] | None:
        """For an article reference of a versioned law (``CSL-21``): the version in force on
        ``day`` and its number for that article (None: the data does not know it)."""
        m = re.fullmatch(r"([A-Z]+)-(\d+)", ref)
        if m is None or m.group(1) not in self.laws:
            return None
        version = self.version_on(m.group(1), day)
        return None if version is None else (version, version.number(int(m.group(2))))

    def problems(self, refs: Iterable[str], day: dt.date) -> list[str]:
        """What cannot be cited correctly on ``day``: each article of a versioned law that the
        version then in force does not number, or a law not yet in force."""
        out = []
        for ref in dict.fromkeys(refs):
            law = ref.split("-", 1)[0]
            if law in self.laws and re.fullmatch(r"[A-Z]+-\d+", ref):
                found = self.article_on(ref, day)
                if found is None:
                    out.append(f"{ref}: no version of {law} was in force on {day.isoformat()}")
                elif found[1] is None:
                    out.append(
                        f"{ref}: the {law} {found[0].version} text (in force from "
                        f"{found[0].effective.isoformat()}) has no known number for this "
                        f"article; add it to the {self.name} regime's laws"
                    )
        return out

    def citation(self, ref: str, on: dt.date | None = None) -> Citation:
        """How this regime cites ``ref``: exact entry, then the first matching pattern, else
        the id verbatim (not legal). ``on``: cite the text in force that day (a versioned law's
        article by that version's number, with the version's label)."""
        exact = self.references.get(ref)
        if exact is not None:
            return exact
        cited: str = ref
        label: Mapping[str, str] = {}
        if on is not None and (found := self.article_on(ref, on)) is not None:
            version, number = found
            if number is not None:
                cited, label = f"{version.law}-{number}", version.label
        for pattern in self.patterns:
            m = pattern.match.match(cited)
            if m is None:
                continue
            fields = {k: v for k, v in m.groupdict().items() if v is not None}
            fields.update({f"{k}_zh": zh_number(int(v)) for k, v in fields.items() if v.isdigit()})
            text = {
                lang: t.format(**fields, version=label.get(lang, ""))
                for lang, t in pattern.text.items()
            }
            return Citation(ref, text, pattern.legal)
        return Citation(ref, {}, legal=False)

    def cite(self, ref: str, lang: str, on: dt.date | None = None) -> str:
        """The citation text of ``ref`` in ``lang`` (as in force on ``on``, when given)."""
        return self.citation(ref, on)(lang)

    def basis_on(self, day: dt.date) -> tuple[BasisClause, ...]:
        """The notice's basis with each requirement as worded in the version in force on
        ``day``."""
        out = []
        for clause in self.basis:
            law = clause.ref.split("-", 1)[0]
            version = self.version_on(law, day)
            text = clause.versions.get(version.version) if version else None
            out.append(BasisClause(clause.ref, text or clause.requirement, clause.versions))
        return tuple(out)

    def legal_basis(self, references: Iterable[str]) -> tuple[str, ...]:
        """The ids among ``references`` that this regime cites as law, in their order."""
        return tuple(ref for ref in references if self.citation(ref).legal)


def _texts(raw: Mapping[str, Any], where: str) -> dict[str, str]:
    texts = {k: v for k, v in raw.items() if k not in {"ref", "match", "legal", "versions"}}
    for lang, text in texts.items():
        if not isinstance(text, str):
            raise ValueError(f"{where}: {lang} must be a string, not {type(text).__name__}")
    return texts


@functools.cache
def load(name: str) -> Regime:
    """The regime ``name`` from its data file; an unknown name is a ValueError naming the
    choices."""
    if name not in names():
        raise ValueError(f"unknown legal regime {name!r}: choose one of {', '.join(names())}")
    path = FOLDER / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("name") != name:
        raise ValueError(
            f"{path}: name is {data.get('name')!r}, expected {name!r} (the file's stem)"
        )
    references = {
        ref: Citation(ref, _texts(raw, f"{path}: {ref}"), bool(raw.get("legal", False)))
        for ref, raw in (data.get("references") or {}).items()
    }
    patterns = tuple(
        Pattern(
            re.compile(raw["match"]),
            _texts(raw, f"{path}: {raw['match']}"),
            bool(raw.get("legal", False)),
        )
        for raw in data.get("patterns") or ()
    )
    basis = tuple(
        BasisClause(
            raw["ref"],
            _texts(raw, f"{path}: basis {raw['ref']}"),
            {
                str(v): _texts(t, f"{path}: basis {raw['ref']} version {v}")
                for v, t in (raw.get("versions") or {}).items()
            },
        )
        for raw in data.get("basis") or ()
    )
    laws = {law: _versions(path, law, raw) for law, raw in (data.get("laws") or {}).items()}
    return Regime(
        name=str(data["name"]),
        title=_texts(data["title"], f"{path}: title"),
        basis=basis,
        references=references,
        patterns=patterns,
        penalty=data.get("penalty"),
        laws=laws,
    )


def _versions(path: Path, law: str, raw: Any) -> tuple[LawVersion, ...]:
    """A law's versions from the data file, oldest first; ValueError naming the field."""
    out = []
    for i, v in enumerate(raw.get("versions") or ()):
        where = f"{path}: laws.{law}.versions[{i}]"
        try:
            adopted, effective = v["adopted"], v["effective"]
            articles = v.get("articles")
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{where}: missing {exc} (adopted and effective dates)") from None
        if not isinstance(adopted, dt.date) or not isinstance(effective, dt.date):
            raise ValueError(f"{where}: adopted and effective must be dates (YYYY-MM-DD)")
        if (articles is None) != (i == 0):
            raise ValueError(
                f"{where}: the first version has no articles map (its numbers are the "
                "references'); every later one maps them to its own"
            )
        out.append(
            LawVersion(
                law=law,
                version=str(v["version"]),
                adopted=adopted,
                effective=effective,
                label=_texts(v.get("label") or {}, f"{where}.label"),
                articles=None
                if articles is None
                else {int(k): int(n) for k, n in articles.items()},
                confirmed=frozenset(int(n) for n in v.get("confirmed") or ()),
                source=str(v.get("source", "")),
            )
        )
    if [o.effective for o in out] != sorted(o.effective for o in out):
        raise ValueError(f"{path}: laws.{law}.versions must be listed oldest first")
    return tuple(out)
