"""Property: however an address or name is spelled, the guard allows it only if it reaches scope.

Spellings: inet_aton forms (decimal, octal, hex, 1 to 4 parts: ``127.1``, ``2130706433``), IPv6
(compressed, expanded, upper case, IPv4-mapped, -compatible, NAT64, 6to4, zone ids), trailing
dots, ideographic full stops, fullwidth characters, mixed case, soft hyphens, and ``localhost``
spelled all those ways. The oracle is independent of the guard: what the C library reads a string
as (``getaddrinfo`` with ``AI_NUMERICHOST``, which never sends a packet) and plain integer
arithmetic for the IPv4 address an IPv6 address carries.

Nothing here is resolved through DNS or contacted: the guard's resolver is a table that answers
``localhost`` and ``*.localhost`` with 127.0.0.1 (as /etc/hosts and systemd-resolved
do) and reads only numeric strings otherwise.
"""

from __future__ import annotations

import ipaddress
import socket

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.core.models import is_ip
from scanner.scope.guard import OutOfScope, ScopeGuard, Unresolvable

ALLOWED = ipaddress.IPv4Network("127.0.10.0/24")
DENIED = ipaddress.IPv4Address("127.0.10.9")
OWN = ipaddress.IPv4Address("127.0.0.1")
INTERESTING = [
    "127.0.10.1",
    "127.0.10.9",
    "127.0.10.255",
    "127.0.0.1",
    "127.0.99.1",
    "0.0.0.0",
    "169.254.169.254",
    "100.100.100.200",
    "192.0.2.1",
    "255.255.255.255",
]


def numeric_answers(text: str) -> list[str]:
    """What the C library reads ``text`` as, without any lookup ([] when it is not numeric)."""
    try:
        infos = socket.getaddrinfo(
            text, None, flags=socket.AI_NUMERICHOST, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError, ValueError):
        return []
    return [str(info[4][0]) for info in infos]


def table_resolver(name: str) -> list[str]:
    """Answers as the system resolver would give them for loopback names, else numeric only."""
    try:  # socket.getaddrinfo encodes a str host with Python's IDNA 2003 codec first
        ascii_name = name.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        raise Unresolvable(f"{name!r}: not encodable") from None
    if ascii_name == "localhost" or ascii_name.endswith(".localhost"):
        return ["127.0.0.1"]  # as this machine's /etc/hosts answers
    answers = numeric_answers(name)
    if not answers:
        raise Unresolvable(f"{name}: not in the test's table")
    return answers


def destination(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The host packets to ``address`` end up at, by integer arithmetic."""
    ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    if ip.version == 4:
        return ip
    value = int(ip)
    low = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if value >> 32 == 0xFFFF or (value >> 32 == 0 and value > 1):  # mapped, compatible
        return low
    if value >> 32 == 0x0064FF9B << 64 or value >> 80 == 0x0064FF9B0001:  # NAT64
        return low
    if value >> 112 == 0x2002:  # 6to4
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return ip


def in_scope(address: str) -> bool:
    place = destination(address)
    return place.version == 4 and (place in ALLOWED or place == OWN) and place != DENIED


def guard() -> ScopeGuard:
    # 127.0.0.1 is allowed by address but the name localhost is denied: a spelling of the name
    # (or of a subdomain, RFC 6761) that slips past the deny would reach it.
    return ScopeGuard(
        [str(ALLOWED), str(OWN)], [str(DENIED), "localhost", "*.localhost"], resolver=table_resolver
    )


def named_guard(answer: str) -> ScopeGuard:
    """A guard whose allowed name portal.lab answers ``answer`` (an entity's DNS, a redirect)."""
    return ScopeGuard([str(ALLOWED), "portal.lab"], [str(DENIED)], resolver=lambda _name: [answer])


# -- spellings ----------------------------------------------------------------------------------
ipv4 = st.one_of(
    st.sampled_from(INTERESTING).map(lambda a: int(ipaddress.IPv4Address(a))),
    st.integers(int(ALLOWED.network_address), int(ALLOWED.broadcast_address)),
    st.integers(0, 2**32 - 1),
)


@st.composite
def number(draw: st.DrawFn, value: int) -> str:
    radix = draw(st.sampled_from(["dec", "oct", "hex"]))
    if radix == "dec":
        return str(value)
    if radix == "oct":
        return "0" * draw(st.integers(1, 3)) + (oct(value)[2:] if value else "")
    digits = hex(value)[2:].rjust(draw(st.integers(1, 10)), "0")
    return draw(st.sampled_from(["0x", "0X"])) + draw(st.sampled_from([digits, digits.upper()]))


@st.composite
def aton_form(draw: st.DrawFn, value: int) -> str:
    octets = list(value.to_bytes(4, "big"))
    parts = draw(st.integers(1, 4))
    head = octets[: parts - 1]
    tail = int.from_bytes(bytes(octets[parts - 1 :]), "big")
    return ".".join([*(draw(number(o)) for o in head), draw(number(tail))])


@st.composite
def ipv6_form(draw: st.DrawFn, value: int) -> str:
    dotted = str(ipaddress.IPv4Address(value))
    kind = draw(st.sampled_from(["mapped", "mapped-hex", "compatible", "nat64", "nat64-local"]))
    if kind == "mapped":
        text = draw(st.sampled_from(["::ffff:", "0:0:0:0:0:ffff:", "::FFFF:", "0::ffff:"])) + dotted
    elif kind == "mapped-hex":
        text = ipaddress.IPv6Address((0xFFFF << 32) | value).exploded
    elif kind == "compatible":
        text = "::" + dotted
    elif kind == "nat64":
        text = "64:ff9b::" + dotted
    else:
        text = str(ipaddress.IPv6Address((0x0064FF9B0001 << 80) | value))
    return text


@st.composite
def six_to_four(draw: st.DrawFn, value: int) -> str:
    rest = draw(st.integers(0, 2**80 - 1))
    return str(ipaddress.IPv6Address((0x2002 << 112) | (value << 80) | rest))


def decorate(text: str, data: st.DataObject) -> str:
    """The same string in spellings the normalizers must see through."""
    if data.draw(st.booleans()):
        text = "".join(c.upper() if data.draw(st.booleans()) and c.isalpha() else c for c in text)
    if data.draw(st.booleans()):  # fullwidth characters (NFKC folds them back)
        text = "".join(
            chr(ord(c) + 0xFEE0) if data.draw(st.booleans()) and "!" <= c <= "~" else c
            for c in text
        )
    if data.draw(st.booleans()):
        text = text.replace(".", data.draw(st.sampled_from([".", "\u3002", "\uff0e"])))
    if data.draw(st.booleans()):
        text += data.draw(st.sampled_from([".", "\u3002", "%lo", "%1", "%eth0"]))
    return text


localhost_spellings = st.builds(
    lambda prefix, name, dots: prefix + name + dots,
    st.sampled_from(["", "a.", "www."]),
    st.sampled_from(["localhost", "local\u00adhost", "LOCALHOST", "LocalHost"]),
    st.sampled_from(["", "."]),
)


def assert_never_out_of_scope(spelling: str) -> None:
    try:
        answers = guard().resolve(spelling)
    except (OutOfScope, Unresolvable):
        return
    for answer in answers:  # what a check would connect to
        assert in_scope(answer), f"{spelling!r} allowed, reaches {answer}"
    for answer in numeric_answers(spelling):  # what the C library would connect to
        assert in_scope(answer), f"{spelling!r} allowed, libc reads it as {answer}"


def assert_refused(spelling: str) -> None:
    try:
        answers = guard().resolve(spelling)
    except (OutOfScope, Unresolvable):
        return
    raise AssertionError(f"{spelling!r} allowed: {answers}")


def assert_answer_never_out_of_scope(answer: str) -> None:
    try:
        named_guard(answer).resolve("portal.lab")
    except (OutOfScope, Unresolvable):
        return
    reached = numeric_answers(answer) or ([answer] if is_ip(answer) else [])
    assert reached, f"portal.lab allowed with an answer libc cannot read: {answer!r}"
    for address in reached:
        assert in_scope(address) and ipaddress.ip_address(address.split("%")[0]) != OWN, (
            f"portal.lab allowed with answer {answer!r}, reaches {address}"
        )


@settings(max_examples=400, deadline=None)
@given(value=ipv4, data=st.data())
def test_no_spelling_of_an_ipv4_address_gets_out(value: int, data: st.DataObject) -> None:
    form = data.draw(
        st.one_of(aton_form(value), ipv6_form(value), six_to_four(value)), label="form"
    )
    spelling = decorate(form, data)
    assert_never_out_of_scope(spelling)
    assert_answer_never_out_of_scope(spelling)
    if not in_scope(str(ipaddress.IPv4Address(value))):  # spelled faithfully: must be refused
        assert_refused(spelling)


@settings(max_examples=200, deadline=None)
@given(name=localhost_spellings, data=st.data())
def test_no_spelling_of_localhost_gets_out(name: str, data: st.DataObject) -> None:
    assert_refused(decorate(name, data))


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.ip_addresses().map(str),
        st.text(alphabet="0123456789abcdefxX.:%lo\u3002\uff10\uff11ffff", max_size=40),
        st.text(max_size=20),
    )
)
def test_no_string_at_all_gets_out(text: str) -> None:
    assert_never_out_of_scope(text)
    assert_answer_never_out_of_scope(text)
