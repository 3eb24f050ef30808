"""Checks: pure functions from stored facts (records + body files) to findings.

Public API::

    RULES_VERSION   version of the rules; bump when any rule changes
    CHECK_IDS       every check id, in the documented order
    run_checks(dataset, resources, bodies_root, crawl_time, *, row_limit=None) -> list[Finding]

`run_checks` never downloads anything, never reads the clock (the crawl time is the reference time),
and never raises because of a check: a check that crashes becomes an `error` finding for that check
(and resource). It is a top-level function, so it can run in a ProcessPoolExecutor.

The checks are listed in `REGISTRY` (one module each; see README.md in this folder for the rules).
"""

from __future__ import annotations

from typing import Any

from ..findings import Finding
from . import (
    badge,
    consistency,
    downloadable,
    encoding,
    fields,
    format,
    free,
    freshness,
    licence,
    link,
    metadata,
    stars,
    structure,
)
from .base import CheckSpec, Context, short

RULES_VERSION = "2026.12.1"

#: Order matters: `badge` reads the findings of the checks before it.
REGISTRY: tuple[CheckSpec, ...] = (
    CheckSpec(("link",), "resource", link.check),
    CheckSpec(("downloadable",), "resource", downloadable.check),
    CheckSpec(("format",), "resource", format.check),
    CheckSpec(("encoding",), "resource", encoding.check),
    CheckSpec(("structure",), "resource", structure.check),
    CheckSpec(("fields",), "resource", fields.check, metadata=True),
    CheckSpec(stars.IDS, "resource", stars.check),
    CheckSpec(("licence",), "dataset", licence.check, metadata=True),
    CheckSpec(("free",), "dataset", free.check, metadata=True),
    CheckSpec(("freshness",), "dataset", freshness.check, metadata=True),
    CheckSpec(("metadata",), "dataset", metadata.check, metadata=True),
    CheckSpec(("consistency",), "dataset", consistency.check_dataset, metadata=True),
    CheckSpec(("consistency",), "resource", consistency.check_rows, metadata=True),
    CheckSpec(("badge",), "dataset", badge.check, metadata=True),
)

#: Every check id, in the documented order (README.md); the registry runs `badge` last because it
#: reads the others' findings.
CHECK_IDS: tuple[str, ...] = (
    "link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars",
    "licence", "free", "freshness", "metadata", "badge", "consistency",
)


def _error(ctx: Context, check_id: str, exc: BaseException, res: dict[str, Any] | None) -> Finding:
    message = str(exc)
    if ctx.bodies_root is not None:  # keep findings independent of where the snapshot lives
        message = message.replace(str(ctx.bodies_root) + "/", "")
    return ctx.finding(check_id, "error", type(exc).__name__, "", short(f"check crashed: {type(exc).__name__}: {message}"), res)


def _run_spec(ctx: Context, spec: CheckSpec, res: dict[str, Any] | None) -> list[Finding]:
    try:
        out = spec.run(ctx, res) if res is not None else spec.run(ctx)
        if not isinstance(out, list) or not all(isinstance(f, Finding) for f in out):
            raise TypeError(f"{spec.run.__module__} returned {type(out).__name__}, not a list of findings")
        return out
    except Exception as exc:  # noqa: BLE001 - a crashing check must not stop the run
        return [_error(ctx, i, exc, res) for i in spec.ids]


def run_checks(dataset: dict[str, Any], resources: list[dict[str, Any]], bodies_root: str | None,
               crawl_time: str, *, row_limit: int | None = None) -> list[Finding]:
    """All findings for one dataset and its resources (deterministic, no network, no clock)."""
    ctx = Context(dataset, resources, bodies_root, crawl_time, row_limit)
    if ctx.kind == "missing":
        return [ctx.skip("link", "not found online")]
    no_meta = ctx.metadata_missing()
    skipped: set[str] = set()
    for spec in REGISTRY:
        if spec.metadata and no_meta:
            for i in spec.ids:
                if i not in skipped:
                    skipped.add(i)
                    ctx.findings.append(ctx.skip(i, no_meta))
            continue
        if spec.scope == "dataset":
            ctx.findings.extend(_run_spec(ctx, spec, None))
            continue
        if not ctx.resources:
            if "link" in spec.ids:
                ctx.findings.append(ctx.finding("link", "fail", "0 resources", "≥1 resource", "the dataset declares no resource URL"))
            continue
        for res in ctx.resources:
            ctx.findings.extend(_run_spec(ctx, spec, res))
    return list(ctx.findings)


__all__ = ["CHECK_IDS", "REGISTRY", "RULES_VERSION", "run_checks"]
