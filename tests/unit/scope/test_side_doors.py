"""The scope guard's side doors (issue 13, item 2): each test was a way past it before the fix.

Resolvers here are stand-ins (a table), so no name is looked up and nothing is contacted.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.core.models import Refusal
from scanner.scope.guard import OutOfScope, ScopeGuard


def fake_dns(table: dict[str, list[str]]) -> Callable[[str], list[str]]:
    return lambda name: table[name]


LAB = ["127.0.10.0/24"]


def fullwidth(text: str) -> str:
    """``text`` in fullwidth characters (U+FF01..U+FF5E), which NFKC folds back to ASCII."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    "answer",
    [
        "::ffff:127.0.10.9",  # IPv4-mapped: Linux connects to 127.0.10.9
        "::ffff:7f00:a09",  # the same, in hex
        "::127.0.10.9",  # IPv4-compatible
        "64:ff9b::7f00:a09",  # NAT64 well-known prefix
        "64:ff9b:1::7f00:a09",  # NAT64 local-use prefix
        "2002:7f00:a09::1",  # 6to4
    ],
)
def test_an_embedded_ipv4_address_is_judged_as_that_address(answer: str) -> None:
    # An allowed name whose AAAA answer carries a denied IPv4 address (the reproduced redirect).
    guard = ScopeGuard(
        [*LAB, "portal.lab"],
        ["127.0.10.9"],
        resolve_anywhere=["portal.lab"],
        resolver=fake_dns({"portal.lab": [answer]}),
    )
    with pytest.raises(OutOfScope, match=r"denied range 127\.0\.10\.9"):
        guard.resolve("portal.lab")
    with pytest.raises(OutOfScope, match="denied range"):
        guard.resolve(answer)


def test_a_mapped_address_of_an_allowed_host_is_allowed() -> None:
    guard = ScopeGuard(LAB)
    assert guard.address_problem("::ffff:127.0.10.1") is None
    assert guard.address_problem("::ffff:127.0.99.1") is not None
    assert ScopeGuard(["::ffff:127.0.10.0/120"]).address_problem("127.0.10.1") is None


def test_answers_of_an_allowed_name_must_lie_in_allowed_ranges() -> None:
    refusals: list[Refusal] = []
    guard = ScopeGuard(
        [*LAB, "portal.lab"],
        resolver=fake_dns({"portal.lab": ["127.0.10.1", "198.51.100.9"]}),
        on_refusal=refusals.append,
    )
    with pytest.raises(
        OutOfScope, match=r"portal\.lab resolves to 198\.51\.100\.9 is not in any allowed"
    ):
        guard.resolve("portal.lab")
    assert refusals[0].target == "portal.lab"


def test_resolve_anywhere_lets_one_name_out_but_never_to_reserved_addresses() -> None:
    table = {
        "portal.lab": ["198.51.100.9"],
        "meta.lab": ["169.254.169.254"],
        "self.lab": ["127.0.0.1"],
        "zero.lab": ["0.0.0.0"],
        "v6self.lab": ["::1"],
    }
    names = list(table)
    guard = ScopeGuard([*LAB, *names], resolve_anywhere=names, resolver=fake_dns(table))
    assert guard.resolve("portal.lab") == ["198.51.100.9"]
    for name in ("meta.lab", "self.lab", "zero.lab", "v6self.lab"):
        with pytest.raises(OutOfScope, match="refused unless an allowed range inside"):
            guard.resolve(name)
    other = ScopeGuard([*LAB, "*.lab"], resolver=fake_dns({"x.lab": ["198.51.100.9"]}))
    with pytest.raises(OutOfScope):  # a wildcard allow is not an explicit resolve_anywhere
        other.resolve("x.lab")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "0.0.0.0",
        "169.254.169.254",
        "169.254.170.2",
        "169.254.1.1",
        "100.100.100.200",
        "192.0.0.192",
        "::1",
        "::",
        "fe80::1%lo",
        "fd00:ec2::254",
        "::ffff:169.254.169.254",
        "2002:a9fe:a9fe::",
    ],
)
def test_everything_allowed_still_refuses_the_scanners_own_machine_and_metadata(
    address: str,
) -> None:
    guard = ScopeGuard(["0.0.0.0/0", "::/0"])
    assert guard.address_problem(address) is not None
    assert guard.address_problem("198.51.100.7") is None


def test_a_range_inside_a_reserved_block_allows_it_explicitly() -> None:
    assert ScopeGuard(["127.0.0.0/8"]).address_problem("127.0.0.1") is None
    assert ScopeGuard(["169.254.169.254"]).address_problem("169.254.169.254") is None
    link_local = ScopeGuard(["169.254.0.0/16"])
    assert link_local.address_problem("169.254.1.1") is None
    assert link_local.address_problem("169.254.169.254") is not None  # metadata: name it


def test_nmap_excludes_the_reserved_blocks_no_range_allows() -> None:
    excluded = ScopeGuard(["0.0.0.0/0", *LAB], ["198.51.100.0/24"]).denied_networks()
    assert {"198.51.100.0/24", "169.254.169.254/32", "0.0.0.0/8", "fe80::/10"} <= set(excluded)
    assert "127.0.0.0/8" not in excluded and {"127.0.0.0/21", "127.0.11.0/24"} <= set(excluded)
    assert not any(n.startswith("127.0.10.") for n in excluded)


@pytest.mark.parametrize(
    "spelling",
    [
        fullwidth("localhost"),
        fullwidth("LOCALHOST"),
        "LocalHost.",
        "localhost。",
        "local\u00adhost",
    ],
)
def test_denied_names_are_matched_after_unicode_normalization(spelling: str) -> None:
    looked_up: list[str] = []

    def resolver(name: str) -> list[str]:
        looked_up.append(name)
        return ["127.0.0.1"]

    guard = ScopeGuard(["127.0.0.0/8"], ["localhost"], resolver=resolver)
    with pytest.raises(OutOfScope, match="matches denied name localhost"):
        guard.resolve(spelling)
    assert looked_up == []


def test_names_are_resolved_in_their_normalized_form() -> None:
    looked_up: list[str] = []

    def resolver(name: str) -> list[str]:
        looked_up.append(name)
        return ["127.0.10.1"]

    guard = ScopeGuard(LAB, resolver=resolver)
    guard.resolve(fullwidth("PORTAL") + ".lab.")
    guard.resolve("portal.LAB")
    guard.resolve("bücher.lab")
    assert looked_up == ["portal.lab", "xn--bcher-kva.lab"]  # one lookup per name, ASCII form


@pytest.mark.parametrize(
    "bad", ["a_b.lab", "two words.lab", "a..lab", "127.0.0.1%lo", "-x.lab", ""]
)
def test_a_name_that_cannot_be_normalized_is_refused_with_the_reason(bad: str) -> None:
    refusals: list[Refusal] = []
    guard = ScopeGuard(["0.0.0.0/0"], resolver=fake_dns({}), on_refusal=refusals.append)
    with pytest.raises(OutOfScope, match="not a valid host name"):
        guard.resolve(bad)
    assert refusals and "not a valid host name" in refusals[0].reason


@pytest.mark.parametrize(
    ("spelling", "meaning"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f.0.10.1", "127.0.10.1"),
        ("0177.0.012.01", "127.0.10.1"),
        ("2130708993", "127.0.10.1"),
        ("0x7f000a01", "127.0.10.1"),
        ("127.0.2561", "127.0.10.1"),
        (fullwidth("127") + ".0." + fullwidth("10.1"), "127.0.10.1"),
        ("127.0.10.1.", "127.0.10.1"),
    ],
)
def test_numeric_spellings_are_read_as_the_address_they_mean(spelling: str, meaning: str) -> None:
    guard = ScopeGuard(["127.0.0.0/8"], [meaning], resolver=fake_dns({}))
    with pytest.raises(OutOfScope, match="denied range"):
        guard.resolve(spelling)  # never looked up as a name: the table is empty
    assert ScopeGuard([meaning]).resolve(spelling) == [meaning]


def test_a_range_wholly_inside_a_reserved_block_is_refused_before_the_run() -> None:
    everything = ScopeGuard(["0.0.0.0/0"])
    problem = str(everything.network_problem("169.254.169.254/32"))
    assert problem.startswith("range 169.254.169.254/32 is reserved: ")
    assert "link-local" in str(everything.network_problem("169.254.0.0/24"))
    assert "loopback" in str(everything.network_problem("127.0.0.0/16"))
    assert everything.network_problem("198.51.100.0/24") is None
    assert everything.network_problem("0.0.0.0/0") is None  # swept with reserved blocks excluded
    assert ScopeGuard(LAB).network_problem("127.0.10.0/28") is None
