"""Tasks on the broker: references only, authenticated with an HMAC over their body.

Whoever can write to the broker can put a message in the queue, so a message says nothing
about what to run. A :class:`Task` names a run, the SHA-256 of the inventory it started with,
one asset and the attempt keys of that asset the coordinator wants (the batch); the worker
derives the jobs from the run's stored inventory and discovery and refuses a key its own plan
does not have. Check folders, targets and credentials never travel.

A message is ``{"body": <canonical JSON>, "mac": <hex HMAC-SHA-256 of body>}`` under the key
both sides read from ``SCANNER_TASK_KEY``. :func:`open_task` checks the tag (constant-time)
before it parses anything, then the body's exact shape: a message without a valid tag, with
an unknown field or a field of the wrong type is :class:`Forged`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from scanner.core.errors import UserError

#: The environment variable holding the key the coordinator and workers share.
KEY_ENV = "SCANNER_TASK_KEY"
#: Shortest key accepted, in characters (``secrets.token_hex(32)`` gives 64).
MIN_KEY = 32
#: The body's format; a body of another version is refused.
VERSION = 1
_MAKE_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


class Forged(Exception):
    """A message that is not a task signed with this key: unsigned, altered or malformed."""


@dataclass(frozen=True)
class Task:
    """One asset's attempt batch of one run, by reference."""

    run: int
    sha256: str  # the run's inventory, so that a worker on another store refuses it
    entity: str
    asset: str
    keys: tuple[str, ...]  # attempt keys of this asset's planned jobs


def task_key(environ: Mapping[str, str] = os.environ) -> bytes:
    """The shared key from ``SCANNER_TASK_KEY``; a UserError saying how to make one if it is
    missing or short."""
    value = environ.get(KEY_ENV, "")
    if len(value) < MIN_KEY:
        problem = "is not set" if not value else f"is shorter than {MIN_KEY} characters"
        raise UserError(
            f"{KEY_ENV} {problem}: the coordinator and every worker sign and check each task "
            f"with it. Fix: make one with `{_MAKE_KEY}` and set the same value in the "
            "environment of `scanner run --broker` and of every `scanner worker`."
        )
    return value.encode()


def seal(task: Task, key: bytes) -> dict[str, str]:
    """``task`` as a message: its body and the body's HMAC."""
    body = json.dumps({"v": VERSION, **asdict(task)}, sort_keys=True, separators=(",", ":"))
    return {"body": body, "mac": _mac(body, key)}


def open_task(message: Any, key: bytes) -> Task:
    """The task a message carries if ``key`` signed it; :class:`Forged` otherwise."""
    if not isinstance(message, dict) or set(message) != {"body", "mac"}:
        raise Forged("not a signed task (expected exactly a body and its mac)")
    body, mac = message["body"], message["mac"]
    if not isinstance(body, str) or not isinstance(mac, str):
        raise Forged("body and mac must be text")
    if not hmac.compare_digest(_mac(body, key).encode(), mac.encode()):
        raise Forged("the mac does not match the body (altered, or signed with another key)")
    try:
        data = json.loads(body)
    except ValueError:
        raise Forged("the body is not JSON") from None
    return _parse(data)


def _parse(data: Any) -> Task:
    expected = {"v", "run", "sha256", "entity", "asset", "keys"}
    if not isinstance(data, dict) or set(data) != expected:
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise Forged(f"the body's fields are {got}, not {sorted(expected)}")
    if data["v"] != VERSION:
        raise Forged(f"body version {data['v']!r}, this worker reads {VERSION}")
    run, keys = data["run"], data["keys"]
    texts = [data["sha256"], data["entity"], data["asset"]]
    if (
        not isinstance(run, int)
        or isinstance(run, bool)
        or not all(isinstance(t, str) for t in texts)
        or not isinstance(keys, list)
        or not keys
        or not all(isinstance(k, str) for k in keys)
    ):
        raise Forged("a field of the body has the wrong type")
    return Task(run, data["sha256"], data["entity"], data["asset"], tuple(keys))


def _mac(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
