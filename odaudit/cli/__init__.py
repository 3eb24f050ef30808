"""The command line: a thin Typer layer. Commands parse options, call one core function,
render the result and choose the exit code. Only this package draws to the terminal.

This module stays light on purpose: the console script and `python -m odaudit` import it and
call `main()` before anything heavy is loaded, so Ctrl-C is answered by odaudit's own one-line
message and exit 130 from the first line of odaudit code to the last, not only once typer,
rich, pydantic and pandas are imported (about half a second). The commands live in `root`.
"""

from __future__ import annotations

# Only modules the interpreter has loaded already (or builtins): every import here runs before
# the handler is installed.
import atexit
import os
import signal
import sys

#: Printed by the interrupt handler as it ends the process, and by `root.run` for a Ctrl-C
#: that reaches a command (same words, so the user sees one message whenever they press it).
INTERRUPTED = "interrupted; finished work is kept (rerun the same command to resume a crawl)"
_INTERRUPTED_LINE = f"odaudit: error: {INTERRUPTED}\n".encode()
_EXIT_INTERRUPTED = 130  # ExitCode.INTERRUPTED, without importing anything at startup
#: The exit code `main()` ends the process with, once the command is done.
_exit_code: int | None = None


def _quit(signum: int, frame: object) -> None:
    """SIGINT while nothing is running (imports, shutdown): nothing to save, so end right here.

    os.write and os._exit: a handler runs between any two bytecodes, possibly inside a buffered
    write to stderr or inside interpreter shutdown, where raising KeyboardInterrupt prints a
    traceback and Python may end with -SIGINT and no message."""
    try:
        os.write(2, _INTERRUPTED_LINE)
    finally:
        os._exit(_EXIT_INTERRUPTED)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps errors to one-line messages and documented exit codes.

    `main()` (no argv, as the console script and `python -m odaudit` call it) owns the process:
    Ctrl-C at any moment exits 130 with one line. `main(argv)` is for in-process callers
    (tests): it leaves their SIGINT handler alone and raises SystemExit for a non-zero exit code."""
    # SIG_IGN is inherited from whoever started us (`nohup`, a background job): respect it.
    guard = argv is None and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    if guard:
        try:
            signal.signal(signal.SIGINT, _quit)
        except ValueError:  # not the main thread: signals are not ours to handle
            guard = False
        else:
            atexit.register(_end)  # registered first, so it runs last of all exit handlers
    from .root import run  # the heavy imports, under _quit

    code = run(argv, on_work=_work_phase if guard else None)
    if guard:
        global _exit_code
        _exit_code = code
    if code:  # 0 returns normally, as it always has for in-process callers
        sys.exit(code)


def _work_phase(on: bool) -> None:
    # While a command runs, Ctrl-C raises KeyboardInterrupt so that the crawl can keep its
    # journal and stop its workers; before and after, _quit ends the process.
    signal.signal(signal.SIGINT, signal.default_int_handler if on else _quit)


def _end() -> None:
    """The last exit handler: end the process here, with the command's exit code.

    By now threads are joined and every other exit handler has run. What Python would do next
    (flush, switch signal handling off, tear the modules down) leaves a window in which Ctrl-C
    kills the process with -SIGINT and no message; so flush and leave, still under _quit."""
    if _exit_code is None:  # an exception escaped (--debug): Python reports it and ends as usual
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`odaudit … | head`): nothing more to say
            pass
    os._exit(_exit_code)


def __getattr__(name: str) -> object:
    # `from odaudit.cli import app` (tests, Typer's CliRunner) imports the commands on demand.
    if name == "app":
        from .root import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
