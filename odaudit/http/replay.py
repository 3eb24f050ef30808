"""Replay recorded HTTP responses through the normal crawl code path, offline.

A recording is a folder with `index.json` and the bodies it names:

    {"format": "odaudit-recording", "version": 1, "recorded": "2018-03-16",
     "responses": [{"url": "https://data.gov.tw/api/…", "status": 200,
                    "headers": {"Content-Type": "text/html"}, "body": "bodies/export.csv"}]}

`odaudit crawl --replay DIR` swaps the network transport for this one; everything else
(fetcher, limits, snapshot, checks) is the code that crawls the live portal. A URL that is
not in the recording is recorded as a `not_recorded` fetch error, never invented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from ..errors import InputError
from .errors import NotRecorded

RECORDING_FORMAT = "odaudit-recording"


class ReplayTransport(httpx.BaseTransport):
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        index = self.folder / "index.json"
        try:
            doc = json.loads(index.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{index}: no such recording index") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{index}: not valid JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != RECORDING_FORMAT:
            raise InputError(f"{index}: not an odaudit recording (format must be {RECORDING_FORMAT!r})")
        self._responses: dict[str, dict[str, Any]] = {}
        for i, r in enumerate(doc.get("responses", [])):
            try:
                key = str(httpx.URL(r["url"]))
            except (KeyError, TypeError, httpx.InvalidURL, UnicodeError) as exc:
                raise InputError(f"{index}: responses[{i}]: bad or missing url ({exc})") from None
            self._responses[key] = r
        self.recorded = str(doc.get("recorded", ""))

    def provenance(self, url: str) -> dict[str, str] | None:
        """What the recording says a body is (`provenance` and `note` of its entry): `recorded` (as
        published at that URL), `stand_in` (a real file served in place of one never archived) or
        `converted` (real rows converted to another format). None for a URL not recorded."""
        try:
            entry = self._responses.get(str(httpx.URL(url)))
        except (httpx.InvalidURL, UnicodeError):
            return None
        if entry is None:
            return None
        return {"source": "replay", "kind": str(entry.get("provenance") or "recorded"), "note": str(entry.get("note") or "")}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        entry = self._responses.get(str(request.url))
        if entry is None:
            raise NotRecorded(f"not in the offline recording: {request.url}", request=request)
        body = b""
        if entry.get("body"):
            path = (self.folder / entry["body"]).resolve()
            if self.folder.resolve() not in path.parents:
                raise NotRecorded(f"recording body outside its folder: {entry['body']}", request=request)
            body = path.read_bytes()
        headers = dict(entry.get("headers", {}))
        return httpx.Response(int(entry.get("status", 200)), headers=headers, content=body, request=request)
