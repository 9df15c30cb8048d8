"""checks/creds/_policy.py: masking, the candidates a service gets, and the guessing loop's
rules (per connection, reconnecting, stopping, an exhausted budget) on a scripted session.

The sessions here are fakes on purpose: the loop's rules are tested apart from any protocol;
every protocol is tested against its real daemon in the other files of this folder."""

from __future__ import annotations

import pytest

from checks.creds._policy import (
    COMMON_PASSWORDS,
    VENDOR_DEFAULTS,
    Guess,
    candidates,
    community_candidates,
    guess_logins,
    masked,
)
from scanner.api import CheckContext, Inconclusive
from tests.checks.creds import services
from tests.helpers import service_target

FAR = 1e12


def ctx_of(**policy: object) -> CheckContext:
    return CheckContext(services(**policy), "test.check", FAR, attempt_key="k")


def test_masked_shows_the_first_character_and_the_length_only() -> None:
    assert masked("raspberry") == "r******** (9 characters)"
    assert masked("abc") == "*** (3 characters)"  # too short to show a character
    assert masked("") == "(empty)"


def test_candidates_vendor_defaults_then_lists_then_common_passwords() -> None:
    ctx = ctx_of(entries=(("root", "Winter2026!"), ("", "Summer2026!")))
    got = candidates(ctx, "postgresql")
    assert got[:3] == [
        Guess("postgres", "postgres"),
        Guess("root", "Winter2026!"),
        Guess("postgres", "Summer2026!"),
    ]
    assert got[3:] == [Guess("postgres", p) for p in COMMON_PASSWORDS if p != "postgres"]
    assert candidates(ctx_of(builtin=False), "ssh") == []
    assert candidates(ctx_of(), "ssh")[: len(VENDOR_DEFAULTS["ssh"])] == [
        Guess(a, p) for a, p in VENDOR_DEFAULTS["ssh"]
    ]
    assert "public" not in community_candidates(ctx_of(entries=(("", "public"),)))


def test_a_setting_with_control_characters_never_reaches_a_protocol() -> None:
    services_ = services()
    services_.settings = {"test.check": {"accounts": ["ok", "evil\r\nDELE x"]}}
    ctx = CheckContext(services_, "test.check", FAR)
    assert {g.account for g in candidates(ctx, "ftp")} == {"ftp", "admin", "ok"}


class Scripted:
    """A fake connection: accepts the one login given, closes after ``closes_after``."""

    opened = 0

    def __init__(self, good: Guess | None, closes_after: int = 99) -> None:
        Scripted.opened += 1
        self.good, self.left, self.sent = good, closes_after, 0

    @property
    def alive(self) -> bool:
        return self.left > 0

    def takes(self, guess: Guess) -> bool:
        return True

    def try_login(self, guess: Guess) -> bool:
        self.left -= 1
        self.sent += 1
        return guess == self.good

    def close(self) -> None:
        return None


TARGET = service_target("127.0.0.1", 2222, "thing")


def test_stops_at_the_first_accepted_login_and_reconnects_per_policy() -> None:
    Scripted.opened = 0
    guesses = [Guess("a", str(n)) for n in range(3)] + [Guess("b", "x"), Guess("b", "y")]
    ctx = ctx_of(per_connection=2)
    outcome = guess_logins(ctx, TARGET, "thing", guesses, lambda: Scripted(Guess("b", "x")))
    assert outcome.accepted == Guess("b", "x") and outcome.tried == 4
    assert Scripted.opened == 2  # 2 logins per connection
    assert outcome.exhausted == ()


def test_a_server_that_closes_sooner_gets_a_new_connection() -> None:
    Scripted.opened = 0
    guesses = [Guess("a", "1"), Guess("b", "1"), Guess("c", "1")]
    outcome = guess_logins(
        ctx_of(per_connection=5), TARGET, "thing", guesses, lambda: Scripted(None, closes_after=1)
    )
    assert outcome.accepted is None and outcome.tried == 3 and Scripted.opened == 3


def test_each_account_stops_at_its_budget_and_a_spent_budget_is_inconclusive() -> None:
    ctx = ctx_of(max_attempts=2)
    guesses = [Guess("a", str(n)) for n in range(5)]
    outcome = guess_logins(ctx, TARGET, "thing", guesses, lambda: Scripted(None))
    assert outcome.tried == 2 and outcome.exhausted == ("a",)
    with pytest.raises(Inconclusive, match=r"not tried: a .*used up before this check"):
        guess_logins(ctx, TARGET, "thing", guesses, lambda: Scripted(None))
