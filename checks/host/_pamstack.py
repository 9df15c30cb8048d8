"""The PAM stacks of an audited host, read with one command shared by the PAM checks (login
lockout, password history, su restriction, second factor, hash algorithm).

:func:`modules` lists the active lines of one type (``auth``, ``password`` ...) of a stack file,
following ``@include`` and ``include``/``substack`` of the files read, as PAM does; a module is
named without its path and ``.so`` and comes with its ``key=value`` arguments and bare flags.
Commented lines never count. :func:`binding` says whether a line's control makes its module's
failure fail the stack; :func:`reached` cuts a stack where a module's success ends it (lines
after ``password sufficient pam_unix.so`` never run when the password change succeeds).
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.host._files import Files, cat_command, parse_files
from scanner.api import CheckContext, Inconclusive, OnsiteTarget

PAM_D = "/etc/pam.d/"
STACKS = tuple(
    PAM_D + name
    for name in (
        "common-auth",
        "common-password",
        "common-account",
        "system-auth",
        "password-auth",
        "su",
        "sshd",
        "login",
    )
)
FAILLOCK_CONF = "/etc/security/faillock.conf"
PWHISTORY_CONF = "/etc/security/pwhistory.conf"
COMMAND = cat_command((*STACKS, FAILLOCK_CONF, PWHISTORY_CONF))
#: The stacks where the login (``auth``) and password-change (``password``) rules live:
#: Debian and SUSE ``common-*``, Red Hat ``system-auth`` and ``password-auth``.
AUTH_STACKS = (PAM_D + "common-auth", PAM_D + "system-auth", PAM_D + "password-auth")
PASSWORD_STACKS = (PAM_D + "common-password", PAM_D + "system-auth", PAM_D + "password-auth")


@dataclass(frozen=True)
class Line:
    """One active PAM line: its file, control, module name and arguments."""

    path: str
    control: str
    module: str
    args: dict[str, str]
    flags: frozenset[str]


def _split(line: str) -> tuple[str, str, str] | None:
    """(type, control, rest) of a PAM line, or None."""
    words = line.split(None, 1)
    if len(words) < 2:
        return None
    kind, rest = words[0].lstrip("-"), words[1].strip()
    if rest.startswith("["):  # a [value=action ...] control may hold spaces
        control, _, rest = rest.partition("]")
        return kind, control + "]", rest.strip()
    parts = rest.split(None, 1)
    return kind, parts[0], parts[1] if len(parts) > 1 else ""


def modules(files: Files, path: str, kind: str, depth: int = 0) -> list[Line]:
    """The active ``kind`` lines of ``path`` (includes followed, at most 5 deep)."""
    if path not in files.texts or depth > 5:
        return []
    found: list[Line] = []
    for raw in files.texts[path].splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("@include"):
            found += modules(files, PAM_D + line.split()[-1], kind, depth + 1)
            continue
        split = _split(line)
        if split is None or split[0] != kind:
            continue
        _, control, rest = split
        words = rest.split()
        if not words:
            continue
        if control in ("include", "substack"):
            found += modules(files, PAM_D + words[0], kind, depth + 1)
            continue
        name = words[0].rsplit("/", 1)[-1].removesuffix(".so")
        args = {k: v for k, _, v in (w.partition("=") for w in words[1:] if "=" in w)}
        flags = frozenset(w for w in words[1:] if "=" not in w)
        found.append(Line(path, control, name, args, flags))
    return found


def binding(control: str) -> bool:
    """Whether a PAM ``control`` makes its module's failure fail the stack (``required``,
    ``requisite``, or ``[...]`` with ``default`` or ``auth_err`` set to ``die``/``bad``);
    ``sufficient`` and ``optional`` never do."""
    if control in ("required", "requisite"):
        return True
    actions = dict(w.partition("=")[::2] for w in control.strip("[]").split())
    return any(actions.get(key) in ("die", "bad") for key in ("default", "auth_err"))


def reached(lines: list[Line], module: str) -> tuple[list[Line], list[Line]]:
    """``lines`` split after the first line of ``module`` whose success ends the stack
    (``sufficient``, or ``[...]`` with ``success=done``): the lines a successful run reaches,
    and those it never reaches."""
    for index, line in enumerate(lines):
        if line.module == module and (
            line.control == "sufficient" or "success=done" in line.control.strip("[]").split()
        ):
            return lines[: index + 1], lines[index + 1 :]
    return lines, []


def settings(files: Files, path: str) -> dict[str, str]:
    """``key = value`` (and bare ``key``) lines of a module's configuration file."""
    values: dict[str, str] = {}
    for raw in files.texts.get(path, "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def pam_files(target: OnsiteTarget, ctx: CheckContext) -> Files:
    """The PAM files read (one command per host and run); ``Inconclusive`` when a stack
    exists but cannot be read, or when no known stack exists."""
    files, _ = parse_files(ctx.ssh_run(target, COMMAND), "the PAM configuration")
    if files.unreadable:
        raise Inconclusive(f"cannot read {', '.join(files.unreadable)}")
    if not any(p in files.texts for p in (*AUTH_STACKS, *PASSWORD_STACKS)):
        raise Inconclusive(f"none of {', '.join(AUTH_STACKS)} exists: unknown PAM layout")
    return files
