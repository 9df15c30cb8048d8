"""Jobs as JSON for the broker: a check id and its target, rebuilt into a Job by the worker.

The coordinator sends the targets it planned rather than asking each worker to plan again, so a
worker runs exactly the jobs the coordinator expects (same attempt keys), whatever its own DNS
answers. Targets are frozen dataclasses of strings, numbers, enums, tuples and nested frozen
dataclasses; they are encoded field by field, with their record's name under ``"type"``
(``"service"``, ``"url"``...), and decoded by its type hints, so a field added to a target
record travels without a change here.

A target without ``"type"`` is the format of versions that had one Target class with every
field (sent by a coordinator not yet upgraded): it is read as the record its fields describe.
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from scanner.core.models import (
    Answer,
    AssetKind,
    ChecklistTarget,
    Exposure,
    HostTarget,
    OnsiteTarget,
    Service,
    ServiceTarget,
    Target,
    UrlTarget,
)

#: The ``"type"`` of each target record on the wire.
TYPES: dict[str, type[Target]] = {
    "service": ServiceTarget,
    "url": UrlTarget,
    "host": HostTarget,
    "onsite": OnsiteTarget,
    "checklist": ChecklistTarget,
}
_NAMES = {cls: name for name, cls in TYPES.items()}


def encode_target(target: Target) -> dict[str, Any]:
    """``target`` as JSON-ready data."""
    encoded: dict[str, Any] = _encode(target)  # a dataclass encodes as a dict
    return {"type": _NAMES[type(target)], **encoded}


def decode_target(data: dict[str, Any]) -> Target:
    """The target that :func:`encode_target` encoded (or an earlier version's, see the module
    docstring); ValueError or TypeError if malformed."""
    if "type" not in data:
        legacy: _Legacy = _decode(_Legacy, data)
        return legacy.target()
    fields = dict(data)
    name = fields.pop("type")
    if name not in TYPES:
        raise ValueError(f"unknown target type {name!r} (known: {', '.join(TYPES)})")
    target: Target = _decode(TYPES[name], fields)
    return target


@dataclass(frozen=True)
class _Legacy:
    """The one Target class of earlier versions, every kind's fields in one record."""

    entity_id: str
    asset_id: str
    kind: AssetKind
    address: str = ""
    hostname: str = ""
    exposure: Exposure = Exposure.INTERNAL
    tags: tuple[str, ...] = ()
    service: Service | None = None
    url: str = ""
    services: tuple[Service, ...] = ()
    expected_services: tuple[str, ...] = ()
    credentials: str = ""
    answer: Answer | None = None

    def target(self) -> Target:
        """The record these fields describe, as the plan of that version made them; its fields
        keep their names and types."""
        cls: type[Target]
        if self.answer is not None:
            cls = ChecklistTarget
        elif self.url:
            cls = UrlTarget
        elif self.service is not None:
            cls = ServiceTarget
        elif self.kind == AssetKind.ONSITE:
            cls = OnsiteTarget
        else:
            cls = HostTarget
        return cls(**{f.name: getattr(self, f.name) for f in dataclasses.fields(cls)})


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
