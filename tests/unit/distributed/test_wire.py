"""Targets cross the broker as JSON unchanged, and an earlier version's flat Target still reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.core.models import (
    Answer,
    AnswerValue,
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
from scanner.distributed.wire import decode_target, encode_target

REDIS = Service("127.0.10.1", 6379, "tcp", "redis", "Redis 7")
WEB = Service("127.0.10.1", 443, "tcp", "https")
ANSWER = Answer(AnswerValue.PARTIAL, "Li", "2026-11-29", ("doc 7",), "note", "answers.yaml:3")
COMMON: dict[str, Any] = {
    "entity_id": "e",
    "asset_id": "a",
    "exposure": Exposure.OT,
    "tags": ("ot", "plc"),
}
TARGETS = [
    ServiceTarget(**COMMON, kind=AssetKind.NETWORK, address="127.0.10.1", service=REDIS),
    UrlTarget(**COMMON, kind=AssetKind.URL, address="127.0.10.1", url="https://x.example/"),
    UrlTarget(
        **COMMON,
        kind=AssetKind.HOST,
        address="127.0.10.1",
        hostname="x.example",
        url="https://x.example:443/",
        service=WEB,
    ),
    HostTarget(
        **COMMON,
        kind=AssetKind.HOST,
        address="127.0.10.1",
        services=(REDIS, WEB),
        expected_services=("22/tcp",),
    ),
    OnsiteTarget(
        **COMMON,
        kind=AssetKind.ONSITE,
        address="127.0.10.1",
        services=(REDIS,),
        credentials="root-key",
    ),
    ChecklistTarget(**COMMON, kind=AssetKind.CHECKLIST, answer=ANSWER),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: type(t).__name__)
def test_targets_travel_as_json_unchanged(target: Target) -> None:
    wire = json.loads(json.dumps(encode_target(target)))
    got = decode_target(wire)
    assert got == target and type(got) is type(target)
    with pytest.raises(TypeError, match="unknown fields"):
        decode_target({**wire, "surprise": 1})


def test_an_unknown_target_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown target type 'printer'"):
        decode_target({**encode_target(TARGETS[0]), "type": "printer"})


def legacy(target: Target, **extra: Any) -> dict[str, Any]:
    """``target`` as the one flat Target of earlier versions encoded it: every field, all kinds."""
    flat: dict[str, Any] = {
        "address": "",
        "hostname": "",
        "service": None,
        "url": "",
        "services": [],
        "expected_services": [],
        "credentials": "",
        "answer": None,
    }
    flat.update({k: v for k, v in encode_target(target).items() if k != "type"})
    flat.update(extra)
    return json.loads(json.dumps(flat))  # type: ignore[no-any-return]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: type(t).__name__)
def test_an_earlier_versions_flat_target_reads_as_its_record(target: Target) -> None:
    # what the old plan filled in besides the record's own fields travelled too: ignored
    extra = {} if isinstance(target, ChecklistTarget) else {"expected_services": ["22/tcp"]}
    got = decode_target(legacy(target, **extra))
    assert type(got) is type(target)
    assert got.location == target.location
    if not extra:
        assert got == target


def test_an_earlier_versions_flat_target_with_unknown_fields_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown fields"):
        decode_target(legacy(TARGETS[0], surprise=1))
