"""The command line: a thin Typer layer. Commands parse options, call one core function,
render the result and choose the exit code. Only this package draws to the terminal."""

from __future__ import annotations

import sys

import typer

from .. import __version__
from ..errors import ExitCode, OdauditError
from . import common

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


def _register() -> None:
    # Imported here so that a broken optional command cannot stop `--help` of the others.
    from . import crawl, diff, rubric, score, trend

    app.command("crawl")(crawl.crawl)
    app.command("score")(score.score)
    app.command("diff")(diff.diff)
    app.command("trend")(trend.trend)
    app.add_typer(rubric.app, name="rubric")


_register()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps errors to one-line messages and documented exit codes."""
    try:
        rc = app(args=argv, prog_name="odaudit", standalone_mode=False)
        # Without standalone mode, click hands back typer.Exit's code instead of exiting.
        if isinstance(rc, int) and rc:
            if rc == ExitCode.INTERRUPTED:
                # Typer turns Ctrl-C into a silent Exit(130) before it reaches the handler below;
                # no command exits 130 itself (crawl raises an OdauditError with its own message).
                common.error("interrupted; finished work is kept (rerun the same command to resume a crawl)")
            sys.exit(rc)
    except SystemExit:
        raise
    except OdauditError as exc:
        common.error(" ".join(exc.message.splitlines()))  # one line, whatever the message carries
        if common.STATE.debug:
            raise
        sys.exit(int(exc.exit_code))
    except (KeyboardInterrupt, typer.Abort):
        common.error("interrupted; finished work is kept (rerun the same command to resume a crawl)")
        sys.exit(int(ExitCode.INTERRUPTED))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(int(ExitCode.USAGE))
        if common.STATE.debug:
            raise
        common.error(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        sys.exit(int(ExitCode.INTERNAL))


def _is_usage_error(exc: BaseException) -> bool:
    # Typer raises click's usage errors (NoSuchOption, BadParameter, …); recent Typer releases
    # vendor click, so match the class by name rather than importing one particular copy.
    return any(c.__name__ == "ClickException" for c in type(exc).__mro__) and hasattr(exc, "show")
