"""The target records: one per kind, each with the location fingerprints and attempt keys use."""

from __future__ import annotations

import dataclasses

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

REDIS = Service("192.0.2.7", 6379, "tcp", "redis")
WEB = Service("192.0.2.7", 8443, "tcp", "https")
ANSWER = Answer(AnswerValue.NO, "Li", "2026-11-29")


@pytest.mark.parametrize(("target", "location"), [
    (ServiceTarget(entity_id="e", asset_id="a", kind=AssetKind.HOST, address="192.0.2.7",
                   service=REDIS), "6379/tcp"),
    (ServiceTarget(entity_id="e", asset_id="a", kind=AssetKind.ONSITE, address="192.0.2.7",
                   service=REDIS), "6379/tcp"),
    # a range holds many hosts: the location says which one
    (ServiceTarget(entity_id="e", asset_id="a", kind=AssetKind.NETWORK, address="192.0.2.7",
                   service=REDIS), "192.0.2.7:6379/tcp"),
    (UrlTarget(entity_id="e", asset_id="a", kind=AssetKind.URL, url="https://x.example/app/"),
     "https://x.example/app/"),
    # a URL made for a discovered web service is located by the service
    (UrlTarget(entity_id="e", asset_id="a", kind=AssetKind.HOST, address="192.0.2.7",
               url="https://192.0.2.7:8443/", service=WEB), "8443/tcp"),
    (UrlTarget(entity_id="e", asset_id="a", kind=AssetKind.NETWORK, address="192.0.2.7",
               url="https://192.0.2.7:8443/", service=WEB), "192.0.2.7:8443/tcp"),
    (HostTarget(entity_id="e", asset_id="a", kind=AssetKind.HOST, address="192.0.2.7"), "host"),
    (HostTarget(entity_id="e", asset_id="a", kind=AssetKind.NETWORK, address="192.0.2.7"),
     "192.0.2.7"),
    (OnsiteTarget(entity_id="e", asset_id="a", kind=AssetKind.ONSITE, address="192.0.2.7",
                  credentials="root-key"), "onsite"),
    (ChecklistTarget(entity_id="e", asset_id="management", kind=AssetKind.CHECKLIST,
                     answer=ANSWER), "checklist"),
])  # fmt: skip
def test_each_kind_has_its_stable_location(target: Target, location: str) -> None:
    assert target.location == location
    assert target.display == f"e/{target.asset_id} {location}"


def test_an_onsite_target_is_a_host_target_with_its_credential() -> None:
    onsite = OnsiteTarget(
        entity_id="e",
        asset_id="a",
        kind=AssetKind.ONSITE,
        address="192.0.2.7",
        hostname="db1.example",
        credentials="root-key",
    )
    assert isinstance(onsite, HostTarget) and isinstance(onsite, Target)
    assert onsite.host == "db1.example"  # the name presented (SNI, SSH host key lookup)
    assert dataclasses.replace(onsite, hostname="").host == "192.0.2.7"


def test_ot_from_exposure_or_tag() -> None:
    plain = HostTarget(entity_id="e", asset_id="a", kind=AssetKind.HOST, address="192.0.2.7")
    assert not plain.ot
    assert dataclasses.replace(plain, exposure=Exposure.OT).ot
    assert dataclasses.replace(plain, tags=("ot",)).ot


def test_targets_are_frozen_and_keyword_only() -> None:
    target = ServiceTarget(
        entity_id="e", asset_id="a", kind=AssetKind.HOST, address="192.0.2.7", service=REDIS
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.address = "192.0.2.8"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ServiceTarget("e", "a", AssetKind.HOST)  # type: ignore[call-arg]
