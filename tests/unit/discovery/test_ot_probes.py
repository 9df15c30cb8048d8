"""The identification probes that speak an industrial protocol send only what a check declares:
each probe's bytes, named by its protocol client, are the kind listed for it, and some check
declares that kind (so docs/ot-safety.md covers them)."""

from __future__ import annotations

from collections.abc import Callable

from checks.protocols import dnp3, enip, iec104, modbus, opcua, s7
from scanner.discovery.identify import OT_PROBES, PROBES
from scanner.engine.registry import discover

KINDS: dict[str, Callable[[bytes], str]] = {
    "modbus": modbus.kind,
    "s7": s7.kind,
    "iec104": iec104.kind,
    "enip": enip.kind,
    "opcua": opcua.kind,
    "dnp3": dnp3.kind,
}


def test_every_ot_probe_is_a_declared_read_only_request() -> None:
    declared = {k for c in discover(entry_points=False).sorted() for k in c.meta.requests}
    assert set(OT_PROBES) == set(KINDS)
    for name, kind in OT_PROBES.items():
        assert KINDS[name](PROBES[name].payload) == kind, name
        assert kind in declared, kind


def test_no_check_declares_an_unknown_kind() -> None:
    for check in discover(entry_points=False).sorted():
        assert not any(k.endswith(".unknown") for k in check.meta.requests), check.id
