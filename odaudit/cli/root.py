"""The Typer app and its commands, and `run`, which maps errors to one-line messages and
documented exit codes. `odaudit.cli.main` imports this module only once its Ctrl-C handler is
installed (see cli/__init__.py)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

import typer

from .. import __version__
from ..errors import ExitCode, OdauditError
from . import INTERRUPTED, common

app = typer.Typer(
    name="odaudit",
    help="Audit the quality of government open data (data.gov.tw first): crawl, check, score, diff, trend.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"odaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    common.STATE.debug = debug
    common.STATE.quiet = False  # a command's --quiet sets it; not carried over between in-process calls


def _register() -> None:
    # Imported here so that a broken optional command cannot stop `--help` of the others.
    from . import crawl, diff, doctor, notices, rubric, score, trend

    app.command("doctor")(doctor.doctor)
    app.command("crawl")(crawl.crawl)
    app.command("score")(score.score)
    app.command("diff")(diff.diff)
    app.command("trend")(trend.trend)
    app.command("notices")(notices.notices)
    app.add_typer(rubric.app, name="rubric")


_register()


def run(argv: list[str] | None, *, on_work: Callable[[bool], None] | None = None) -> int:
    """Run one command and return its exit code. `on_work(True)` is called as the command starts
    and `on_work(False)` once it has ended (the entry point switches its Ctrl-C handling there)."""
    try:
        if on_work is not None:
            on_work(True)
        try:
            return _dispatch(argv)
        finally:
            if on_work is not None:
                on_work(False)
    except KeyboardInterrupt:  # landed while an error was being reported
        common.error(INTERRUPTED)
        return int(ExitCode.INTERRUPTED)


def _dispatch(argv: list[str] | None) -> int:
    """Map errors to one-line messages and documented exit codes."""
    # The crawl records every retry (a resource's `attempts`); stamina's own log line for each
    # would reach the terminal through logging's last-resort handler. The CLI owns the terminal,
    # so it says so here; library users keep stamina's instrumentation as they set it.
    logging.getLogger("stamina").setLevel(logging.ERROR)
    try:
        rc = app(args=argv, prog_name="odaudit", standalone_mode=False)
        # Without standalone mode, click hands back typer.Exit's code instead of exiting.
        if isinstance(rc, int) and rc:
            if rc == ExitCode.INTERRUPTED:
                # Typer turns Ctrl-C into a silent Exit(130) before it reaches the handler below;
                # no command exits 130 itself (crawl raises an OdauditError with its own message).
                common.error(INTERRUPTED)
            return rc
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except OdauditError as exc:
        common.error(" ".join(exc.message.splitlines()))  # one line, whatever the message carries
        if common.STATE.debug:
            raise
        return int(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        common.error(INTERRUPTED)
        return int(ExitCode.INTERRUPTED)
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        if _is_usage_error(exc):
            common.stderr.print(_usage_text(exc), end="")
            return int(ExitCode.USAGE)
        if common.STATE.debug:
            raise
        common.error(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        return int(ExitCode.INTERNAL)


def _usage_text(exc: Exception) -> str:
    # click writes usage errors straight to stderr; capture them so they pass the console's filter
    # like everything else (they quote the user's arguments, which may hold control characters).
    buf = io.StringIO()
    exc.show(file=buf)  # type: ignore[attr-defined]
    return buf.getvalue()


def _is_usage_error(exc: BaseException) -> bool:
    # Typer raises click's usage errors (NoSuchOption, BadParameter, …); recent Typer releases
    # vendor click, so match the class by name rather than importing one particular copy.
    return any(c.__name__ == "ClickException" for c in type(exc).__mro__) and hasattr(exc, "show")
