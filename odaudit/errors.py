"""One place for exit codes and the error types the CLI maps onto them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: `diff` only: differences found (like diff(1)).
    DIFFERENCES = 1
    #: Bad usage or bad input: a malformed catalog, rubric or snapshot, a missing file.
    USAGE = 2
    #: The work could not be completed: network or disk trouble, interrupted.
    INCOMPLETE = 3
    #: A bug in odaudit itself (an unexpected exception); the message asks for --debug.
    INTERNAL = 4
    #: Ctrl-C (128 + SIGINT), as shells expect.
    INTERRUPTED = 130


class OdauditError(Exception):
    """An error with a one-line message meant for the user, and its exit code."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InputError(OdauditError):
    """Malformed user input (catalog, rubric, snapshot, sheet). Message starts with `file:line:`."""

    exit_code = ExitCode.USAGE


class SnapshotError(InputError):
    """A snapshot that cannot be read: missing files, bad hashes, unknown format version."""


class IncompleteError(OdauditError):
    """The work could not be completed (network, disk); what was done is kept."""

    exit_code = ExitCode.INCOMPLETE
