"""Shared terminal helpers: stderr console, quiet mode, progress. Results go to stdout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class State:
    debug: bool = False


STATE = State()


def error(message: str) -> None:
    # One line, plain, on stderr; never a traceback unless --debug.
    stderr.print(f"[bold red]odaudit: error:[/] {escape(message)}")


def warn(message: str) -> None:
    stderr.print(f"[yellow]odaudit: warning:[/] {escape(message)}")


class ProgressReporter:
    """Adapts the core's `on_progress(stage, done, total)` callback to a rich progress bar."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._progress is None:
            return
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(stage, total=total or None)
        self._progress.update(task, completed=done, total=total or None)


@contextmanager
def progress(quiet: bool) -> Iterator[ProgressReporter]:
    if quiet:
        yield ProgressReporter(None)
        return
    bar = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=False,
    )
    with bar:
        yield ProgressReporter(bar)


def check_limits(timeout: float, memory: int):  # -> odaudit.bounded.CheckLimits
    """--check-timeout / --check-memory (0 = no limit) as the limits of the check workers."""
    from ..bounded import CheckLimits

    return CheckLimits(time_s=timeout or None, memory_mb=memory or None)
