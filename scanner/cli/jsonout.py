"""The one way the CLI prints JSON: readable Unicode, but nothing a terminal would obey.

``json.dumps`` escapes C0 control characters only. DEL, the C1 controls (U+0080-U+009F: U+009B
is a CSI on many terminals) and the bidi overrides go out raw with ``ensure_ascii=False``, so a
location or banner from a hostile host could drive the terminal of whoever reads the JSON.
:func:`dumps` writes those as ``\\uXXXX`` escapes too: the JSON decodes to the same values.
"""

from __future__ import annotations

import json
import re
from typing import Any

import click

# json.dumps already escapes C0 inside strings; outside them it writes only ASCII punctuation,
# spaces and newlines. So every match is inside a string, where \uXXXX means the same character.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def dumps(data: Any, **options: Any) -> str:
    """``data`` as indented JSON, Unicode kept, control characters escaped."""
    text = json.dumps(data, indent=2, ensure_ascii=False, **options)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def echo_json(data: Any, **options: Any) -> None:
    """Print ``data`` as JSON on stdout (see :func:`dumps`)."""
    click.echo(dumps(data, **options))
