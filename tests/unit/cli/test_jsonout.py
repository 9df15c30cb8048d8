"""The CLI's JSON: the same values, but no control character a terminal would obey."""

from __future__ import annotations

import json
import re

from scanner.cli.jsonout import dumps

HOSTILE = "a\x1b[2J\x1b]0;t\x07\x9b31m\x85\x7f\u202e\u2028z"


def test_control_characters_are_escaped_and_the_values_unchanged() -> None:
    data = {"location": HOSTILE, "名前": "检查 ✓", "n": [1, None, True]}
    text = dumps(data)
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u202e]", text)
    assert "\\u009b" in text and "\\u001b" in text and "\\u202e" in text
    assert "检查 ✓" in text  # readable Unicode stays as it is
    assert json.loads(text) == data


def test_plain_data_prints_as_before() -> None:
    data = [{"location": "6379/tcp", "evidence": "line one\nline two", "t": "é"}]
    assert dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)
