"""What every part of the lab shares: its error, the daemons' environment, and small helpers for
files, system users and commands.

Like the whole lab package this is stdlib only: ``lab.py stop`` and ``status`` run under the
system ``python3``, without the project's venv.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[2]

DAEMON_ENV: Final[Mapping[str, str]] = MappingProxyType(
    {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
)


class LabError(RuntimeError):
    """The lab could not do what was asked; the message says why and what to do."""


def user_ids(user: str, group: str | None = None) -> tuple[int, int]:
    """(uid, gid) of a system user (and group); LabError if the package is not installed."""
    try:
        uid = pwd.getpwnam(user).pw_uid
        gid = grp.getgrnam(group).gr_gid if group else pwd.getpwnam(user).pw_gid
    except KeyError as exc:
        raise LabError(f"system user/group missing: {exc}; run `lab.py install`") from exc
    return uid, gid


def make_dir(path: Path, mode: int = 0o755, owner: str | None = None) -> Path:
    """Make ``path`` (and parents) with ``mode``, owned by ``owner`` if given."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    if owner:
        os.chown(path, *user_ids(owner))
    return path


def write_file(path: Path, text: str, mode: int = 0o644, owner: str | None = None) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file, then rename), mode, owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    if owner:
        os.chown(tmp, *user_ids(owner))
    os.replace(tmp, path)
    return path


def run_tool(argv: Sequence[str], what: str, timeout: float = 60.0) -> str:
    """Run a command; its stdout, or LabError with the end of its stderr."""
    try:
        res = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{what} failed: {exc}") from exc
    if res.returncode != 0:
        raise LabError(f"{what} failed (exit {res.returncode}): {res.stderr.strip()[-800:]}")
    return res.stdout


def read_or_make_secret(path: Path, factory: str = "token") -> str:
    """Read a secret file, creating it (mode 0600, root) with a random value if missing."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_hex(12) if factory == "hex" else secrets.token_urlsafe(18)
    write_file(path, value + "\n", mode=0o600)
    return value


def log_tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a daemon's log, indented for an error message."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:]) or "    (empty log)"


def say(msg: str) -> None:
    """A progress message on stderr."""
    print(f"lab: {msg}", file=sys.stderr, flush=True)


def require_root() -> None:
    """LabError unless running as root."""
    if os.geteuid() != 0:
        raise LabError("the lab must run as root (daemons bind ports < 1024 and switch users)")
