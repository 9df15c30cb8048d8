"""HTML forms and visible text, read with the standard library's HTML parser.

What the login-form check needs of a page: its forms (action, method, fields with their
initial values, the password fields), its ``<base href>``, and the visible text (what an error
message like "Invalid password" is). :func:`read_page` parses at most :data:`MAX_HTML`
characters and keeps bounded counts of everything (forms, fields, text pieces, their lengths),
so a hostile page costs at most that much. ``html.parser`` is lenient: broken markup gives what
a browser would mostly see, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Characters of a page that are parsed (the rest is ignored).
MAX_HTML = 262144
MAX_FORMS = 20
MAX_FIELDS = 100
#: Visible text pieces kept, and characters of each.
MAX_TEXTS = 2000
MAX_TEXT = 200
#: Characters kept of an attribute (a name, a value, an action).
MAX_ATTR = 2048

#: Input types that carry a user name (a missing or unknown type is text, as in a browser).
TEXT_TYPES = frozenset({"text", "email", "tel", ""})
#: Input types a browser never sends by themselves.
UNSENT_TYPES = frozenset({"submit", "image", "button", "reset", "file"})
#: Elements whose content is not visible text.
_INVISIBLE = frozenset({"script", "style", "template", "noscript", "textarea", "title"})


@dataclass(frozen=True)
class Field:
    """One control of a form.

    Attributes:
        name: its ``name`` (a control without one is never sent).
        type: the input type, lower case (``text``, ``password``, ``hidden``...; ``select``
            and ``textarea`` for those elements, ``submit`` for a button).
        value: its initial value (a select's selected or first option).
        checked: for a checkbox or radio button, whether it starts checked.
    """

    name: str
    type: str
    value: str = ""
    checked: bool = False


@dataclass
class Form:
    """One ``<form>``: where it goes and its controls, in document order.

    Attributes:
        action: the ``action`` attribute as written ('' when absent: the page itself).
        method: ``get`` or ``post`` (lower case; anything else is ``get``, as in a browser).
        fields: its controls.
    """

    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    @property
    def passwords(self) -> list[Field]:
        """Its password inputs."""
        return [f for f in self.fields if f.type == "password"]


@dataclass(frozen=True)
class Page:
    """What was read of one HTML page.

    Attributes:
        forms: its forms, in document order.
        base: the first ``<base href>``, else ''.
        texts: its visible text pieces (whitespace collapsed), in document order.
    """

    forms: tuple[Form, ...]
    base: str
    texts: tuple[str, ...]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.base = ""
        self.texts: list[str] = []
        self._form: Form | None = None
        self._hidden = 0  # depth inside invisible elements
        # the open <select>: its name and options as (value, selected); the open option's text
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "")[:MAX_ATTR] for k, v in attrs}
        if tag in _INVISIBLE:
            self._hidden += 1
        if tag == "base" and not self.base and a.get("href"):
            self.base = a["href"].strip()
        elif tag == "form":
            self._form = None
            if len(self.forms) < MAX_FORMS:
                method = a.get("method", "").strip().lower()
                action = a.get("action", "").strip()
                self._form = Form(action, "post" if method == "post" else "get")
                self.forms.append(self._form)
        elif tag == "input":
            kind = a.get("type", "").strip().lower()
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            self._add(Field(a.get("name", ""), kind, value, "checked" in a))
        elif tag == "button":
            kind = a.get("type", "submit").strip().lower()
            kind = "submit" if kind == "submit" else kind
            self._add(Field(a.get("name", ""), kind, a.get("value", "")))
        elif tag == "textarea":
            self._add(Field(a.get("name", ""), "textarea"))
        elif tag == "select":
            self._select = (a.get("name", ""), [])
        elif tag == "option" and self._select is not None and len(self._select[1]) < MAX_FIELDS:
            self._end_option()
            self._select[1].append((a.get("value", ""), "selected" in a))
            # an option without a value attribute sends its text
            self._option = None if "value" in a else []

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE and self._hidden:
            self._hidden -= 1
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None:
            self._end_option()
            name, options = self._select
            first = options[0][0] if options else ""
            chosen = next((v for v, selected in options if selected), first)
            self._add(Field(name, "select", chosen))
            self._select = None

    def _end_option(self) -> None:
        if self._option is not None and self._select is not None and self._select[1]:
            text = " ".join("".join(self._option).split())[:MAX_ATTR]
            self._select[1][-1] = (text, self._select[1][-1][1])
        self._option = None

    def handle_data(self, data: str) -> None:
        if self._select is not None:  # an option's text (a value when it has none)
            if self._option is not None and len(self._option) < 64:
                self._option.append(data)
            return
        if self._hidden or len(self.texts) >= MAX_TEXTS:
            return
        text = " ".join(data.split())[:MAX_TEXT]
        if text:
            self.texts.append(text)

    def _add(self, control: Field) -> None:
        if self._form is not None and len(self._form.fields) < MAX_FIELDS:
            self._form.fields.append(control)


def read_page(html: str) -> Page:
    """The forms, base and visible text of ``html`` (its first :data:`MAX_HTML` characters)."""
    reader = _Reader()
    reader.feed(html[:MAX_HTML])
    reader.close()
    return Page(tuple(reader.forms), reader.base, tuple(reader.texts))
