"""Progress bars for the long commands (demo, audit verify): on stderr, only on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from homecare.audit import VerifyProgress
from homecare.cli.output import console

__all__ = ["Bar", "progress_bar"]


class Bar:
    """Adapts the library's progress callbacks to one rich task (or to nothing)."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task

    def phase(self, description: str, completed: int, total: int | None) -> None:
        """For `homecare.demo.run_demo`: a named phase, `completed` of `total` steps."""
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, description=description, completed=completed, total=total
            )

    def replay(self, step: VerifyProgress) -> None:
        """For `homecare.audit.verify`: log positions replayed, and events per second."""
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                completed=step.position,
                total=max(step.total, 1),
                rate=f"{step.events_per_second:,.0f} events/s",
            )


@contextmanager
def progress_bar(description: str, *, enabled: bool) -> Iterator[Bar]:
    """A bar on stderr when `enabled` and stderr is a terminal; otherwise a silent Bar."""
    err = console(stderr=True)
    if not enabled or not err.is_terminal:
        yield Bar(None, None)
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        yield Bar(progress, progress.add_task(description, total=None, rate=""))
