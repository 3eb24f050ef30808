"""Shared terminal helpers: stderr console, quiet mode, progress. Results go to stdout."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.segment import Segment
from rich.text import Text

from ..text import visible


class SafeConsole(Console):
    """A console that cannot be steered by the text it prints.

    Everything odaudit prints passes through `render` (and strings through `render_str`
    first): control and bidi characters in it (ESC, NUL, U+202E, … from portal titles, export
    headers, paths) come out as visible escapes (`\\x1b`), whoever built the text and however.
    Markup and emoji codes are off, so a path like `snap[red]` or `snap[/]` prints as written;
    styles are given as Text styles instead."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, soft_wrap=True, **kwargs)  # type: ignore[arg-type]

    def render_str(self, text: str, **kwargs: object) -> Text:  # type: ignore[override]
        # Before rich sees the text: rich itself silently drops BEL, BS, VT, FF and CR.
        return super().render_str(visible(text, keep="\n"), **kwargs)  # type: ignore[arg-type]

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for seg in super().render(renderable, options):
            # Control segments are rich's own cursor moves (the progress bar); keep them.
            yield seg if seg.control else Segment(visible(seg.text, keep="\n"), seg.style, seg.control)


stdout = SafeConsole()
stderr = SafeConsole(stderr=True)


@dataclass
class State:
    debug: bool = False
    #: --quiet: no progress, summaries or warnings (warnings are kept in the files written:
    #: the manifest, report.md, diff.md); errors are always shown
    quiet: bool = False


STATE = State()


def language(value: str) -> str:
    """`--lang` of every command that has it, normalised in one place (report/i18n.py)."""
    from ..errors import InputError
    from ..report.i18n import normalise_lang

    try:
        return normalise_lang(value)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def error(message: str) -> None:
    # One line, plain, on stderr; never a traceback unless --debug.
    stderr.print(Text.assemble(("odaudit: error:", "bold red"), " ", visible(message, keep="\n")))


def warn(message: str, *, always: bool = False) -> None:
    """A warning on stderr; --quiet silences it (the manifest or report keeps it) unless `always`:
    for what the user must see even then (findings that are not measurements)."""
    if always or not STATE.quiet:
        stderr.print(Text.assemble(("odaudit: warning:", "yellow"), " ", visible(message, keep="\n")))


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
    """A progress bar on stderr while a terminal watches; none with --quiet or when stderr is a
    file or a pipe (logs and CI keep only the messages, as csvkit and rich's own defaults do)."""
    if quiet or not stderr.is_terminal:
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
