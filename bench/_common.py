"""Helpers shared by the benchmark scripts (not a benchmark itself).

Peak memory is read with ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (KiB on Linux), so each
benchmark measures in its own process and its peak is not mixed with another's.
"""

from __future__ import annotations

import importlib
import resource
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / (1024 * 1024)


def current_rss_mb() -> float:
    """Current resident set size of this process, in MB (Linux; 0 elsewhere)."""
    try:
        text = Path("/proc/self/statm").read_text(encoding="ascii")
    except OSError:
        return 0.0
    pages = int(text.split()[1])
    return pages * resource.getpagesize() / (1024 * 1024)


def load_lab() -> ModuleType:
    """``tests.lab.lab``, importable once the repository root is on sys.path."""
    add_repo_root_to_path()
    return importlib.import_module("tests.lab.lab")


def add_repo_root_to_path() -> None:
    """Make ``tests.lab`` importable when a script runs as ``python bench/NAME.py``."""
    root = str(REPO_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)
