"""Jobs as JSON for the broker: a check id and its target, rebuilt into a Job by the worker.

The coordinator sends the targets it planned rather than asking each worker to plan again, so a
worker runs exactly the jobs the coordinator expects (same attempt keys), whatever its own DNS
answers. Targets are frozen dataclasses of strings, numbers, enums, tuples and nested frozen
dataclasses; they are encoded field by field and decoded by their type hints, so a field added
to :class:`~scanner.core.models.Target` travels without a change here.
"""

from __future__ import annotations

import dataclasses
import types
from enum import Enum
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from scanner.core.models import Target


def encode_target(target: Target) -> dict[str, Any]:
    """``target`` as JSON-ready data."""
    encoded: dict[str, Any] = _encode(target)  # a dataclass encodes as a dict
    return encoded


def decode_target(data: dict[str, Any]) -> Target:
    """The Target that :func:`encode_target` encoded; ValueError or TypeError if malformed."""
    target: Target = _decode(Target, data)
    return target


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _decode(tp: Any, value: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in get_args(tp) if a is not type(None)]
        return _decode(options[0], value)
    if origin is tuple:
        item = get_args(tp)[0]
        return tuple(_decode(item, v) for v in value)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise TypeError(f"{tp.__name__}: expected an object, got {type(value).__name__}")
        hints = _hints(tp)
        unknown = set(value) - set(hints)
        if unknown:
            raise TypeError(f"{tp.__name__}: unknown fields {sorted(unknown)}")
        return tp(**{k: _decode(hints[k], v) for k, v in value.items()})
    return value
