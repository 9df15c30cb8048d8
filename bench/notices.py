"""Notices for a campaign: 1,000 entities and 100,000 issues, issued, written and summarised.

Seeds a store through the real path as ``bench/web_pages.py`` does (one run's attempts and
findings stored by ``store.attempts.record``, reconciled into issues), then times what an office
does after the run: issuing the round's notices (``app.notices.issue_run_notices``: the round,
numbers, ranked items and deadlines written, every notice built and written in JSON), issuing
them again (the second call re-reads them), and the campaign summary. Target: the notices of
1,000 entities under 60 s. It also counts the SQL statements each step sends (an N+1 shows as
statements growing with the entities).

Usage: ``.venv/bin/python bench/notices.py [--entities N] [--issues N] [--postgres]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import add_repo_root_to_path, peak_rss_mb

add_repo_root_to_path()

from sqlalchemy import event  # noqa: E402
from web_pages import seed  # noqa: E402

from scanner.app.notices import issue_run_notices, write_summary  # noqa: E402
from scanner.store import Store  # noqa: E402


@contextmanager
def counted(store: Store) -> Iterator[list[int]]:
    """Count the statements both of the store's engines execute inside the block."""
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    engines = {id(e): e for e in (store.engine, store.writer)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def timed(store: Store, label: str, step: Callable[[], object]) -> float:
    with counted(store) as seen:
        t0 = time.perf_counter()
        step()
        seconds = time.perf_counter() - t0
    print(f"{label}: {seconds:.1f} s, {seen[0]:,} SQL statements", flush=True)
    return seconds


def bench(store: Store, args: argparse.Namespace, out: Path) -> None:
    run_id = seed(store, args.entities, args.issues, notices=False)["run"]
    first = timed(
        store,
        f"notices of {args.entities} entities issued and written (JSON)",
        lambda: issue_run_notices(store, run_id, out / "first", ["json"], ["en"]),
    )
    timed(
        store,
        "the same notices re-read and written again",
        lambda: issue_run_notices(store, run_id, out / "again", ["json"], ["en"]),
    )
    timed(
        store,
        "campaign summary (JSON)",
        lambda: write_summary(store, run_id, out / "summary", ["json"], ["en"]),
    )
    verdict = "holds" if first < 60 or args.entities < 1000 else "missed"
    print(f"target: notices for 1,000 entities under 60 s: {first:.1f} s ({verdict})")
    print(f"peak memory {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if not (1 <= args.entities <= args.issues <= 2_000_000):
        parser.error("need 1 <= --entities <= --issues <= 2,000,000")
    with tempfile.TemporaryDirectory(prefix="bench-notices-") as tmp:
        if args.postgres:
            from tests.pg import Postgres  # noqa: PLC0415

            with Postgres() as server:
                bench(Store.open(server.create_database()), args, Path(tmp))
            return
        bench(Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}"), args, Path(tmp))


if __name__ == "__main__":
    main()
