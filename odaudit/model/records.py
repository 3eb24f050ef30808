"""The two record types of a snapshot, as the JSON-lines files hold them (docs/snapshot-format.md).

They stay dicts on disk and in memory (they are journaled, pickled to check workers and read by
pandas), typed here so that a key read anywhere is a key declared once.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class FetchStatus(TypedDict):
    #: ok | not_in_export | not_found | forbidden | error | not_online | external
    status: str
    sources: list[str]
    error: str


class DatasetRecord(TypedDict):
    key: str
    #: portal | external | missing
    kind: str
    id: str
    name: str
    category: str
    url: str
    catalog_entries: list[dict[str, str]]
    raw: dict[str, Any]
    meta: dict[str, Any]
    parse_issues: list[dict[str, str]]
    resources: list[str]
    fetch: FetchStatus
    #: False only for datasets outside the --sample of a whole-portal crawl
    sampled: NotRequired[bool]
    #: which list of the dataset API answer the resources came from (distribution, resources, …)
    api_shape: NotRequired[str]


class ResourceRecord(TypedDict):
    key: str
    dataset_key: str
    index: int
    declared: dict[str, str]
    url: str
    request_url: str
    final_url: str
    redirects: list[dict[str, Any]]
    status: int | None
    content_type: str
    content_length: str
    content_encoding: str
    content_disposition: str
    last_modified: str
    etag: str
    bytes: int
    truncated: bool
    sha256: str | None
    body: str | None
    elapsed_ms: int
    attempts: int
    not_modified: bool
    fetched: bool
    error: dict[str, str] | None
    #: replayed bodies: what the recording says the body is (recorded, stand_in, converted)
    provenance: NotRequired[dict[str, str] | None]
