"""Passwords in store and broker URLs never reach a message (scanner.core.secrets)."""

from __future__ import annotations

import pytest

from scanner.core.secrets import hide_password, redact

SECRET = "S3cretPW"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://audit:S3cretPW@127.0.0.1:5432/x", "postgresql://audit:***@127.0.0.1:5432/x"),
        ("postgresql+psycopg://audit:S3cretPW@db/x", "postgresql+psycopg://audit:***@db/x"),
        ("redis://:S3cretPW@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("amqp://audit:S3cretPW@127.0.0.1:5672//", "amqp://audit:***@127.0.0.1:5672//"),
        ("redis://audit:S3c@ret/PW@127.0.0.1/0", "redis://audit:***@127.0.0.1/0"),
        ("redis://audit:S3c%40retPW@h/0", "redis://audit:***@h/0"),
        (
            "postgresql://audit@db/x?password=S3cretPW&sslmode=require",
            "postgresql://audit@db/x?password=***&sslmode=require",
        ),
        (
            "rediss://h:6380/0?ssl_cert_reqs=required&PASSWORD=S3cretPW",
            "rediss://h:6380/0?ssl_cert_reqs=required&PASSWORD=***",
        ),
        ("notaurl:S3cretPW@x", "notaurl:***@x"),
        ("S3cretPW@x", "***@x"),
    ],
)
def test_hide_password(url: str, shown: str) -> None:
    assert hide_password(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///scanner.db",
        "sqlite:////home/a@b/scanner.db",
        "postgresql://audit@127.0.0.1:5432/x",
        "redis://127.0.0.1:6379/0",
    ],
)
def test_a_url_without_password_is_unchanged(url: str) -> None:
    assert hide_password(url) == url


def test_redact_removes_the_password_from_a_driver_message() -> None:
    url = "postgresql://audit:S3c%40retPW@127.0.0.1:1/x"
    message = "could not parse 'postgresql://audit:S3c%40retPW@127.0.0.1:1/x' (S3c@retPW)"
    assert "S3c" not in redact(message, url)
    assert redact("connection refused", url) == "connection refused"


def test_a_short_password_withholds_the_message() -> None:
    assert "ab" not in redact("password ab rejected", "redis://:ab@h/0")
