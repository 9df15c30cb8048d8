"""The gettext catalogs of the reports, and the languages they exist in.

The zh-CN catalogs in ``locale/zh_CN/LC_MESSAGES/*.po`` are compiled in memory with Babel when
first needed, so no binary ``.mo`` file is kept in the repository; English needs no catalog
(msgid = English). Check titles and remediation texts are translated through the same catalogs
(``checks.po``), except those that come with their own translations on the document
(:attr:`scanner.core.documents.Notice.translations`: the management checklist's questions, whose
translations are written in their YAML files); :func:`translator` looks those up after the
catalogs. ``scripts/extract_messages.py`` regenerates the catalogs.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("zh-CN", "en")
LOCALE = Path(__file__).resolve().parent / "locale"


def choose(value: str, choices: Sequence[str], what: str) -> None:
    """A ValueError naming the choices when ``value`` is not one of them."""
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}: choose one of {', '.join(choices)}")


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalog; it is translated where it is shown."""
    return message


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext catalogs of ``lang``, compiled in memory from its ``.po`` files."""
    choose(lang, LANGUAGES, "language")
    folder = LOCALE / lang.replace("-", "_") / "LC_MESSAGES"
    merged: gettext.NullTranslations = gettext.NullTranslations()
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang.replace("-", "_"), domain=po.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
        buffer.seek(0)
        compiled = gettext.GNUTranslations(buffer)
        if type(merged) is gettext.NullTranslations:
            merged = compiled
        else:
            merged.add_fallback(compiled)
    return merged


def translator(lang: str, texts: Mapping[str, str] | None = None) -> Callable[[str], str]:
    """Translate into ``lang``: the catalogs first, then ``texts`` (English -> ``lang``), the
    translations a document brought for texts the catalogs do not have."""
    catalog = translations(lang).gettext
    if not texts:
        return catalog
    extra = dict(texts)

    def translate(message: str) -> str:
        text = catalog(message)
        return extra.get(message, text) if text == message else text

    return translate
