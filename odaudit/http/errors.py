"""What a fetch can end in, short of an answer."""

from __future__ import annotations

import httpx


class FetchFailure(Exception):
    """A fact about the URL (no answer, a refused redirect, …): recorded, never fatal. `kind` is
    the record's `error.kind` (see odaudit.model.ErrorKind)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class NotRecorded(httpx.TransportError):
    """Raised by the replay transport for a URL missing from the recording."""
