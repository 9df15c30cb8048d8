"""Legal regimes as data: which texts a notice cites, for its own basis and for each reference.

A regime is a YAML file beside this module (``prc.yaml``, ``generic.yaml``). It maps reference ids
(``CSL-21``, ``MLPS-8.1.4.2``, ``CWE-319`` ...) to citation text per language, exactly or through
patterns, and lists the provisions the notice itself rests on. Keeping this as data lets a
campaign cite another legal system without touching templates or code. An id the regime does not
know is cited verbatim.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    """One provision the notice itself rests on, with what it requires, per language."""

    ref: str
    requirement: Mapping[str, str]


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

    def citation(self, ref: str) -> Citation:
        """How this regime cites ``ref``: exact entry, then the first matching pattern, else
        the id verbatim (not legal)."""
        exact = self.references.get(ref)
        if exact is not None:
            return exact
        for pattern in self.patterns:
            m = pattern.match.match(ref)
            if m is None:
                continue
            fields = {k: v for k, v in m.groupdict().items() if v is not None}
            fields.update({f"{k}_zh": zh_number(int(v)) for k, v in fields.items() if v.isdigit()})
            text = {lang: t.format(**fields) for lang, t in pattern.text.items()}
            return Citation(ref, text, pattern.legal)
        return Citation(ref, {}, legal=False)

    def cite(self, ref: str, lang: str) -> str:
        """The citation text of ``ref`` in ``lang``."""
        return self.citation(ref)(lang)

    def legal_basis(self, references: Iterable[str]) -> tuple[str, ...]:
        """The ids among ``references`` that this regime cites as law, in their order."""
        return tuple(ref for ref in references if self.citation(ref).legal)


def _texts(raw: Mapping[str, Any], where: str) -> dict[str, str]:
    texts = {k: v for k, v in raw.items() if k not in {"ref", "match", "legal"}}
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
        BasisClause(raw["ref"], _texts(raw, f"{path}: basis {raw['ref']}"))
        for raw in data.get("basis") or ()
    )
    return Regime(
        name=str(data["name"]),
        title=_texts(data["title"], f"{path}: title"),
        basis=basis,
        references=references,
        patterns=patterns,
        penalty=data.get("penalty"),
    )
