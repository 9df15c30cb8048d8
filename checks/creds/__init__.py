"""Credential checks: weak and default passwords, tried lockout-aware (docs/credentials.md)."""
