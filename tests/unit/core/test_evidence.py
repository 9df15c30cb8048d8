"""The exchange log (bounded, cut marked, secrets replaced), the scrubber, and the chain."""

from __future__ import annotations

import pytest

from scanner.core.evidence import (
    EXCHANGE_LIMIT,
    ExchangeLog,
    Wire,
    attempt_digest,
    chain_genesis,
    chain_heads,
    chain_link,
)
from scanner.core.models import Finding, Severity
from scanner.core.secrets import scrub


def test_the_log_keeps_at_most_the_limit_and_marks_the_cut() -> None:
    log = ExchangeLog()
    first = log.open("tcp", "127.0.0.1:1", "127.0.0.2:2")
    log.sent(first, b"GET\r\n")
    log.received(first, b"x" * (EXCHANGE_LIMIT - 10))
    log.received(first, b"y" * 100)
    second = log.open("tcp", "127.0.0.1:3", "127.0.0.2:4")
    log.sent(second, b"more")
    one, two = log.exchanges()
    assert len(one.sent) + len(one.received) + len(two.sent) == EXCHANGE_LIMIT
    assert one.received.endswith(b"y" * 5) and one.received_total == EXCHANGE_LIMIT + 90
    assert one.cut and not two.sent and two.sent_total == 4 and two.cut
    assert one.turns == ((">", 5), ("<", EXCHANGE_LIMIT - 5))


def test_the_log_keeps_a_bounded_number_of_exchanges() -> None:
    log = ExchangeLog(max_exchanges=3)
    for _ in range(5):
        log.add("udp", "a", "b", "", b"q", b"r")
    assert len(log.exchanges()) == 3 and log.dropped == 2


def test_known_secrets_and_patterns_are_replaced_and_lengths_follow() -> None:
    log = ExchangeLog()
    log.add(
        "http",
        "a",
        "b",
        "GET /login?password=hunter22",
        b"POST /login HTTP/1.1\r\nAuthorization: Basic dXNlcjpodW50ZXIy\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=abcdef; HttpOnly\r\n\r\nyour key is S3cr3t-Known!",
    )
    [x] = log.exchanges(known=["S3cr3t-Known!"])
    assert x.label == "GET /login?password=***"
    assert b"Authorization: ***\r\n" in x.sent and b"dXNlcjpodW50ZXIy" not in x.sent
    assert b"Set-Cookie: sid=***; HttpOnly" in x.received
    assert x.received.endswith(b"your key is ***")
    assert sum(n for d, n in x.turns if d == "<") == len(x.received)
    assert sum(n for d, n in x.turns if d == ">") == len(x.sent)
    assert not x.cut  # replacing a secret is not a cut


def test_a_known_secret_cut_in_half_by_the_limit_is_replaced_too() -> None:
    log = ExchangeLog(limit=20)
    handle = log.open("tcp", "a", "b")
    log.received(handle, b"0123456789 Zq8-secret-value")
    [x] = log.exchanges(known=["Zq8-secret-value"])
    assert x.cut and b"Zq8" not in x.received and x.received.endswith(b"***")


@pytest.mark.parametrize(
    ("raw", "kept", "gone"),
    [
        (b"APP_KEY=base64:abc\nDB_PASSWORD=p4ss\nDB_HOST=db\n", b"DB_HOST=db", b"p4ss"),
        (b'{"api_token": "t0ken", "user": "u"}', b'"user": "u"', b"t0ken"),
        (b"root:$6$salt$hashhash:19000:0:99999:7:::\nbin:*:19000::::::\n", b"bin:*:", b"hashhash"),
        (b"*2\r\n$4\r\nAUTH\r\n$8\r\nfoobared\r\n", b"AUTH", b"foobared"),
        (b"*3\r\n$4\r\nAUTH\r\n$2\r\nme\r\n$6\r\nsecret\r\n", b"AUTH", b"secret"),
        (b"USER anonymous\r\nPASS me@example.org\r\n", b"USER anonymous", b"me@example.org"),
        (b"a1 LOGIN alice Wond3rland\r\n", b"a1 LOGIN alice", b"Wond3rland"),
        (
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNz\n-----END OPENSSH PRIVATE KEY-----\n",
            b"BEGIN OPENSSH PRIVATE KEY",
            b"b3BlbnNz",
        ),
        (b"Cookie: a=1; b=2\r\n", b"Cookie: ", b"a=1"),
    ],
)
def test_scrub_replaces_the_secret_and_keeps_the_rest(raw: bytes, kept: bytes, gone: bytes) -> None:
    cleaned = scrub(raw)
    assert gone not in cleaned and kept in cleaned and b"***" in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "/etc/passwd: toor:x:0:0:",  # a file named, not a password field
        "AUTH TLS answered '234 Proceed'",
        "Administration login exposed to the internet",
        "PasswordAuthentication yes",
        "password requisite pam_pwquality.so retry=3",
    ],
)
def test_scrub_leaves_evidence_that_holds_no_secret(text: str) -> None:
    assert scrub(text.encode()) == text.encode()


def test_findings_get_the_same_redaction() -> None:
    f = Finding(
        "web.x", "e", "a", "/", Severity.LOW, "DB_PASSWORD=hunter22 seen", {"raw": "token=abc123"}
    )
    assert f.evidence == "DB_PASSWORD=*** seen" and f.detail == {"raw": "token=***"}


def test_the_chain_changes_with_any_edit_or_reorder() -> None:
    records = [{"id": i, "status": "pass"} for i in range(4)]
    digests = [attempt_digest(r) for r in records]
    heads = chain_heads(7, digests)
    assert heads[0] == chain_link(chain_genesis(7), digests[0])
    assert chain_genesis(7) != chain_genesis(8)
    assert chain_heads(7, [digests[1], digests[0], *digests[2:]])[-1] != heads[-1]
    assert chain_heads(7, digests[:2] + digests[3:])[-1] != heads[-1]
    edited = attempt_digest({"id": 2, "status": "fail"})
    assert chain_heads(7, [*digests[:2], edited, digests[3]])[-1] != heads[-1]
    # canonical: the order of keys does not matter, their values do
    assert attempt_digest({"b": 1, "a": [1.5, "x"]}) == attempt_digest({"a": [1.5, "x"], "b": 1})


def test_a_wire_keeps_no_more_than_a_log_would_and_says_what_passed() -> None:
    body = b"z" * (3 * EXCHANGE_LIMIT)
    wire = Wire.bounded("http", "a", "b", "GET /", b"GET / HTTP/1.1\r\n\r\n", body, 1.0, 2.0)
    assert len(wire.received) == EXCHANGE_LIMIT and wire.received_total == len(body)
    log = ExchangeLog()
    log.add_wire(wire)
    [x] = log.exchanges()
    assert x.cut and x.received_total == len(body) and x.sent_total == 18
    assert len(x.sent) + len(x.received) == EXCHANGE_LIMIT
    assert (x.started_at, x.ended_at) == (1.0, 2.0)


@pytest.mark.parametrize(
    "setting",
    [
        b"labdev ALL=(ALL) NOPASSWD: ALL",  # sudoers tags: what the sudo checks report
        b"%admin ALL=(ALL) PASSWD: /usr/bin/systemctl",
        b"passwd:         files systemd",  # nsswitch.conf's database line
    ],
)
def test_settings_named_like_secrets_are_kept(setting: bytes) -> None:
    assert scrub(setting) == setting
