"""What every ``scanner`` command shares: the consoles, the --db option, and UserError handling.

Every user-fixable problem is a :class:`~scanner.core.errors.UserError`: printed as one paragraph,
exit code 2, no traceback unless ``--debug``.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from scanner.core.errors import UserError
from scanner.core.text import clean
from scanner.core.timings import Timings

F = TypeVar("F", bound=Callable[..., Any])
#: Characters of one error message printed (an inventory with many problems lists them all).
MESSAGE_LIMIT = 20000
# Wide when piped (a log file, CI): 80 columns would fold every finding into a tower.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)

DB_OPTION = click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="Store URL (default: $SCANNER_DB or sqlite:///scanner.db).",
)


def user_errors(func: F) -> F:
    """Turn UserError into a one-paragraph message and exit 2 (traceback with --debug)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            if click.get_current_context().find_root().params.get("debug"):
                traceback.print_exc()
            # A message may quote what a target or a file said: printed inert, never obeyed.
            err.print(f"[bold red]error:[/] {escape(clean(str(exc), MESSAGE_LIMIT))}")
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def process_timings() -> Timings:
    """Timings measured from this process's start (Linux: ``/proc/self/stat``; elsewhere from
    now), with the start-up so far (interpreter, imports) as its first phase."""
    now = time.monotonic()
    age = 0.0
    try:
        # Field 22 is the start time in clock ticks since boot; the name (field 2) may hold
        # spaces, so count from the closing parenthesis.
        stat = Path("/proc/self/stat").read_text(encoding="ascii")
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    timings = Timings(origin=now - max(0.0, age))
    timings.add("start-up", timings.origin, now)
    return timings
