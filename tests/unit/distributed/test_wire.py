"""Tasks on the wire: references only, signed with the shared key; anything else is Forged."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from scanner.core.errors import UserError
from scanner.distributed.wire import KEY_ENV, Forged, Task, open_task, seal, task_key

KEY = b"k" * 40
TASK = Task(7, "ab" * 32, "ent", "site", ("key1", "key2"))


def test_a_sealed_task_opens_with_the_same_key_only() -> None:
    message = json.loads(json.dumps(seal(TASK, KEY)))  # as the broker carries it
    assert open_task(message, KEY) == TASK
    with pytest.raises(Forged, match="another key"):
        open_task(message, b"x" * 40)


@pytest.mark.parametrize(
    "alter",
    [
        lambda m: {**m, "body": m["body"].replace('"site"', '"plc"')},  # another asset
        lambda m: {**m, "mac": m["mac"][:-1] + ("0" if m["mac"][-1] != "0" else "1")},
        lambda m: {"body": m["body"]},  # unsigned
        lambda m: {**m, "checks_dirs": ["/srv/evil"]},  # an extra field beside the body
        lambda m: {"run": 7, "jobs": [], "checks_dirs": ["/srv/evil"]},  # the old format
        lambda m: {**m, "mac": "é" * 64},  # not hex: still a refusal, not a crash
        lambda m: None,
    ],
)
def test_an_altered_or_unsigned_message_is_forged(alter: object) -> None:
    assert callable(alter)
    with pytest.raises(Forged):
        open_task(alter(seal(TASK, KEY)), KEY)


def sign(body: dict[str, object]) -> dict[str, str]:
    """``body`` signed as the coordinator would, whatever its shape."""
    text = json.dumps(body)
    return {"body": text, "mac": hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()}


GOOD = {"v": 1, "run": 7, "sha256": "s", "entity": "ent", "asset": "site", "keys": ["k"]}


@pytest.mark.parametrize(
    "body",
    [
        {**GOOD, "checks_dirs": ["/srv/evil"]},  # signed, but a field a task never has
        {**GOOD, "jobs": [{"check": "x", "target": {}}]},
        {**GOOD, "v": 2},
        {**GOOD, "run": True},
        {**GOOD, "run": "7"},
        {**GOOD, "keys": []},
        {**GOOD, "keys": [1]},
        {k: v for k, v in GOOD.items() if k != "sha256"},
    ],
)
def test_a_signed_body_of_another_shape_is_forged(body: dict[str, object]) -> None:
    assert open_task(sign(GOOD), KEY).keys == ("k",)
    with pytest.raises(Forged):
        open_task(sign(body), KEY)


def test_no_key_or_a_short_one_is_a_user_error_saying_how_to_make_one() -> None:
    for environ in ({}, {KEY_ENV: "short"}):
        with pytest.raises(UserError, match=f"{KEY_ENV} .*secrets.token_hex"):
            task_key(environ)
    assert task_key({KEY_ENV: "z" * 32}) == b"z" * 32
