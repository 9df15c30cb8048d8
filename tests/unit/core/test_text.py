"""Anything a target sends is made inert: no control characters, bounded length."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from scanner.core.text import clean, one_line

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@given(st.binary(max_size=5000), st.integers(min_value=2, max_value=3000))
def test_clean_bytes_is_safe_and_bounded(data: bytes, limit: int) -> None:
    out = clean(data, limit)
    assert not UNSAFE.search(out) and len(out) <= limit


@given(st.text(max_size=3000))
def test_one_line_has_no_line_breaks(text: str) -> None:
    out = one_line(text)
    assert "\n" not in out and "\r" not in out and not UNSAFE.search(out)


def test_escapes_are_visible() -> None:
    assert clean(b"\x1b[2Jhi\r\n") == "\\x1b[2Jhi\\x0d\n"
