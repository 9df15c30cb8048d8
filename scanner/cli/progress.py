"""Run progress on a terminal (rich), and nothing when output is not a terminal.

A pipelined run plans in parts (what needs no port scan first, each host once discovered), so
the bar's total grows while the run goes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from scanner.core.models import Attempt, AttemptStatus


class RichProgress:
    """A progress bar with running counts of failures and errors, drawn on stderr."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("run {task.fields[run]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[fails]} fail, {task.fields[errors]} error"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None
        self._fails = 0
        self._errors = 0

    def started(self, run_id: int, jobs: int) -> None:
        """Show the bar."""
        self._progress.start()
        self._task = self._progress.add_task("run", total=jobs, run=run_id, fails=0, errors=0)

    def planned(self, jobs: int) -> None:
        """Grow the bar's total: a host's discovery planned more checks."""
        if self._task is not None:
            total = self._progress.tasks[self._progress.task_ids.index(self._task)].total or 0
            self._progress.update(self._task, total=total + jobs)

    def attempts(self, batch: Sequence[Attempt]) -> None:
        """Advance the bar."""
        self._fails += sum(a.status == AttemptStatus.FAIL for a in batch)
        self._errors += sum(a.status == AttemptStatus.ERROR for a in batch)
        if self._task is not None:
            self._progress.update(
                self._task, advance=len(batch), fails=self._fails, errors=self._errors
            )

    def finished(self) -> None:
        """Remove the bar."""
        self._progress.stop()
