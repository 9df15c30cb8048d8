"""A finding's location is made inert when the finding is built, and a clean location keeps
its fingerprint (the golden demo run proves it for every real check; this pins the rule)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from scanner.core.models import Finding, Severity, fingerprint
from scanner.core.text import inert

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "/usr/bin/\x1b[2J\x1b]0;owned\x07\x9b31m\u202eexe.hs"


def finding(location: str) -> Finding:
    return Finding("host.suid-files", "ent", "web", location, Severity.HIGH, "setuid root")


def test_a_hostile_location_is_escaped() -> None:
    f = finding(HOSTILE)
    assert f.location == "/usr/bin/\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\x202eexe.hs"
    # Its fingerprint is the escaped spelling's: the one stored, printed and on notices.
    assert f.fingerprint == fingerprint("ent", "web", "host.suid-files", f.location)


@given(st.text(max_size=3000))
def test_any_location_is_inert_and_never_cut(location: str) -> None:
    f = finding(location)
    assert not UNSAFE.search(f.location)
    assert len(f.location) >= len(location)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs")), max_size=3000))
def test_a_clean_location_keeps_its_fingerprint(location: str) -> None:
    assert inert(location) == location
    assert finding(location).fingerprint == fingerprint("ent", "web", "host.suid-files", location)


def test_a_known_location_keeps_its_recorded_fingerprint() -> None:
    # SHA-256 of (entity, asset, check, location) joined by U+001F, recorded by hand.
    assert (
        finding("/usr/bin/passwd").fingerprint
        == "29e5e7a0724a349e0c20f909f95d0a5b47dc91809e3bde574451e1b861b7068b"
    )
