"""How the TLS checks write dates and hash names in evidence."""

from __future__ import annotations

from datetime import datetime


def when(moment: datetime) -> str:
    """``2026-12-09 15:22:03 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def hash_label(name: str) -> str:
    """``sha1`` -> ``SHA-1``, ``md5`` -> ``MD5``, ``sha256`` -> ``SHA-256``."""
    upper = name.upper()
    return (
        upper.replace("SHA", "SHA-", 1) if upper.startswith("SHA") and "-" not in upper else upper
    )
