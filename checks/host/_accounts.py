"""The account databases of an audited host, read with one root command shared by every account
check: ``/etc/passwd``, ``/etc/shadow``, ``/etc/group``, ``/etc/gshadow``, ``/etc/login.defs``,
``/etc/default/useradd``, and the host's clock (``date +%s``, for ages in days).

:func:`accounts` parses them; lines that are not the file's shape are skipped (they match no
account), text from the host is cleaned where it becomes evidence. Password hashes are never
kept beyond their scheme (``$6$``, ``$1$``, ``DES``, locked, empty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.host._files import cat_command, parse_files
from scanner.api import CheckContext, Inconclusive, OnsiteTarget, one_line

PASSWD, SHADOW, GROUP, GSHADOW = "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"
LOGIN_DEFS, USERADD = "/etc/login.defs", "/etc/default/useradd"
COMMAND = cat_command(
    (PASSWD, SHADOW, GROUP, GSHADOW, LOGIN_DEFS, USERADD), tail="date +%s", root=True
)
#: Shells that cannot start an interactive session.
NO_LOGIN = ("nologin", "false", "sync", "shutdown", "halt", "true")


@dataclass(frozen=True)
class Account:
    """One /etc/passwd entry, with its /etc/shadow fields (``None`` where shadow has none).

    Attributes:
        scheme: the password field's kind: ``locked`` (``!``/``*`` prefix), ``empty``, ``none``
            (no shadow entry), ``des`` (13 characters), ``md5`` (``$1$``), ``sha256``
            (``$5$``), ``sha512`` (``$6$``), ``yescrypt`` (``$y$``), ``bcrypt`` (``$2?$``),
            ``other``.
    """

    name: str
    uid: int
    gid: int
    shell: str
    scheme: str
    last_change: int | None  # days since 1970
    min_days: int | None
    max_days: int | None
    inactive: int | None
    expire: int | None

    @property
    def login_shell(self) -> bool:
        """Whether the shell can start a session (not nologin, false ...)."""
        return bool(self.shell) and self.shell.rsplit("/", 1)[-1] not in NO_LOGIN

    @property
    def usable_password(self) -> bool:
        """Whether a password can log the account in (a hash that is not locked, or empty)."""
        return self.scheme not in ("locked", "none")


@dataclass(frozen=True)
class Accounts:
    """The host's accounts, groups, login.defs and useradd defaults, and its date in days."""

    users: tuple[Account, ...]
    groups: tuple[tuple[str, int], ...]
    login_defs: dict[str, str]
    useradd: dict[str, str]
    today: int
    present: frozenset[str]  # which of the files exist

    @property
    def uid_min(self) -> int:
        value = self.login_defs.get("UID_MIN", "1000")
        return int(value) if value.isdigit() else 1000


def scheme(field: str) -> str:
    """The kind of a shadow password field (never the hash itself)."""
    if field.startswith(("!", "*")):
        return "locked"
    if not field:
        return "empty"
    if len(field) == 13 and re.fullmatch(r"[./0-9A-Za-z]{13}", field):
        return "des"
    for prefix, name in (("$1$", "md5"), ("$5$", "sha256"), ("$6$", "sha512"), ("$y$", "yescrypt")):
        if field.startswith(prefix):
            return name
    if re.match(r"^\$2[abxy]?\$", field):
        return "bcrypt"
    return "other"


def _number(value: str) -> int | None:
    return int(value) if re.fullmatch(r"\d{1,9}", value) else None


def _keywords(text: str, sep: str | None) -> dict[str, str]:
    """``KEY VALUE`` (login.defs: ``sep`` None) or ``KEY=VALUE`` lines; the last one wins."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1) if sep is None else line.split(sep, 1)
        if len(parts) == 2:
            values[parts[0].strip()] = one_line(parts[1].strip().strip('"'), 100)
    return values


def parse(text_files: dict[str, str], tail: str) -> Accounts:
    """:class:`Accounts` from the files read and the tail (the host's ``date +%s``)."""
    if PASSWD not in text_files:
        raise Inconclusive(f"{PASSWD} could not be read")
    if SHADOW not in text_files:
        raise Inconclusive(f"{SHADOW} could not be read (root or sudo needed)")
    clock = next((ln for ln in tail.split() if ln.isdigit()), None)
    if clock is None:
        raise Inconclusive("the host's clock (date +%s) could not be read")
    shadow: dict[str, list[str]] = {}
    for line in text_files[SHADOW].splitlines():
        fields = line.split(":")
        if len(fields) >= 8 and fields[0]:
            shadow.setdefault(fields[0], fields)
    users = []
    for line in text_files[PASSWD].splitlines():
        f = line.split(":")
        if len(f) != 7 or not f[0] or not f[2].isdigit() or not f[3].isdigit():
            continue
        s = shadow.get(f[0])
        users.append(
            Account(
                name=one_line(f[0], 64),
                uid=int(f[2]),
                gid=int(f[3]),
                shell=one_line(f[6], 100),
                scheme="none" if s is None else scheme(s[1]),
                last_change=None if s is None else _number(s[2]),
                min_days=None if s is None else _number(s[3]),
                max_days=None if s is None else _number(s[4]),
                inactive=None if s is None else _number(s[6]),
                expire=None if s is None else _number(s[7]),
            )
        )
    groups = tuple(
        (one_line(f[0], 64), int(f[2]))
        for line in text_files.get(GROUP, "").splitlines()
        for f in [line.split(":")]
        if len(f) == 4 and f[0] and f[2].isdigit()
    )
    return Accounts(
        users=tuple(users),
        groups=groups,
        login_defs=_keywords(text_files.get(LOGIN_DEFS, ""), None),
        useradd=_keywords(text_files.get(USERADD, ""), "="),
        today=int(clock) // 86400,
        present=frozenset(text_files),
    )


def accounts(target: OnsiteTarget, ctx: CheckContext) -> Accounts:
    """The host's accounts (one root command per host and run, shared by the account checks)."""
    files, tail = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the account files")
    if blocked := [p for p in files.unreadable if p in (PASSWD, SHADOW)]:
        raise Inconclusive(f"cannot read {', '.join(blocked)} (root or sudo needed)")
    return parse(files.texts, tail)
