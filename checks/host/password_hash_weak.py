"""Passwords are stored with a weak hash (MD5, DES) or will be.

MLPS 2.0 level 3 (8.1.4.7 b, 8.1.4.8 b) expects authentication data stored with integrity and
confidentiality; an MD5-crypt or DES hash falls to a cracker in hours. The check reads
``/etc/shadow`` (root; only each hash's scheme is kept, never the hash) and reports each account
whose password hash is DES, MD5 or another scheme not in SHA-256, SHA-512, yescrypt or
bcrypt; and, once per host, ``ENCRYPT_METHOD`` in ``/etc/login.defs`` naming something else
(new passwords use it when pam_unix names no method), or pam_unix on the password stack with
``md5``, ``bigcrypt`` or ``descrypt``.

Commands run (read-only): the account files loop (under sudo, shared by the account checks)
and the PAM files loop (shared by the PAM checks).

Sample evidence::

    account olduser has a md5 password hash
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._accounts import COMMAND, LOGIN_DEFS, accounts
from checks.host._pamstack import COMMAND as PAM_COMMAND
from checks.host._pamstack import PASSWORD_STACKS, modules, pam_files
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    OnsiteTarget,
    Severity,
)

STRONG = ("sha256", "sha512", "yescrypt", "bcrypt")
WEAK_FLAGS = ("md5", "bigcrypt", "descrypt")


class PasswordHashWeak(Check):
    id = "host.password-hash-weak"
    title = "Passwords stored with a weak hash (MD5 or DES)"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-916", "MLPS-8.1.4.7b", "MLPS-8.1.4.8b")
    remediation = (
        "Set ENCRYPT_METHOD SHA512 (or YESCRYPT) in /etc/login.defs and use sha512 or "
        "yescrypt on pam_unix's password line, then have each listed account set a new "
        "password (passwd -e NAME forces it at the next login)."
    )
    commands = ("sudo " + COMMAND, PAM_COMMAND)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = accounts(target, ctx)
        method = found.login_defs.get("ENCRYPT_METHOD", "DES" if found.login_defs else "")
        if method and method.upper() not in ("SHA256", "SHA512", "YESCRYPT", "BCRYPT"):
            yield self.finding(
                target,
                f"{LOGIN_DEFS}: ENCRYPT_METHOD {method} (new passwords get a weak hash)",
                location="login.defs ENCRYPT_METHOD",
            )
        files = pam_files(target, ctx)
        for path in PASSWORD_STACKS:
            for line in modules(files, path, "password"):
                if line.module == "pam_unix" and (weak := line.flags & set(WEAK_FLAGS)):
                    yield self.finding(
                        target,
                        f"{path}: pam_unix {' '.join(sorted(weak))} (new passwords get a weak "
                        "hash)",
                        location=f"pam_unix hash {path}",
                    )
        for user in found.users:
            if user.usable_password and user.scheme != "empty" and user.scheme not in STRONG:
                yield self.finding(
                    target,
                    f"account {user.name} has a {user.scheme} password hash",
                    location=f"account {user.name}",
                )
