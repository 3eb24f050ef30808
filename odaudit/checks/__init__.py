"""Checks: pure functions from stored facts (records + body files) to findings.

Public API::

    RULES_VERSION   version of the rules; bump when any rule changes
    CHECK_IDS       every check id, in the documented order
    run_checks(dataset, resources, bodies, crawl_time, *, row_limit=None, guard=None) -> list[Finding]

`run_checks` never downloads anything, never reads the clock (the crawl time is the reference time),
and never raises because of a check: a check that crashes becomes an `error` finding for that check
(and resource). It is a top-level function, so it can run in a ProcessPoolExecutor.

The checks are listed in `REGISTRY` (one module each; see README.md in this folder for the rules).
`guard` (limits.py) receives the stage marks a bounded runner needs (odaudit/bounded.py) and stops
the stages a previous run of the same job went over a limit in.
"""

from __future__ import annotations

from typing import Any

from ..model.bodies import BodyStore
from ..model.findings import Finding
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
from .limits import DATASET, Guard, OverLimit

RULES_VERSION = "2026.12.5"

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
    if isinstance(exc, OverLimit):
        return ctx.finding(check_id, "error", exc.measured, "", short(exc.text), res)
    message = str(exc)
    if ctx.bodies is not None:  # keep findings independent of where the snapshot (or its store) lives
        message = message.replace(str(ctx.bodies.root) + "/", "bodies/")
    return ctx.finding(check_id, "error", type(exc).__name__, "", short(f"check crashed: {type(exc).__name__}: {message}"), res)


def _run_spec(ctx: Context, stage: int, spec: CheckSpec, res: dict[str, Any] | None) -> list[Finding]:
    what = f"the {spec.ids[-1]} check"
    try:
        ctx.guard.enter(ctx.ordinal(res) if res is not None else DATASET, stage, what)
        try:
            out = spec.run(ctx, res) if res is not None else spec.run(ctx)
        finally:
            ctx.guard.leave()
        if not isinstance(out, list) or not all(isinstance(f, Finding) for f in out):
            raise TypeError(f"{spec.run.__module__} returned {type(out).__name__}, not a list of findings")
        return out
    except Exception as exc:  # noqa: BLE001 - a crashing check must not stop the run
        exc = ctx.guard.translate(exc, what)
        return [_error(ctx, i, exc, res) for i in spec.ids]


def _all_stopped(ctx: Context, exc: OverLimit) -> list[Finding]:
    """Every finding of the dataset an `error` naming the limit (a job stopped as a whole)."""
    out: list[Finding] = []
    for spec in REGISTRY:
        for res in ([None] if spec.scope == "dataset" else ctx.resources):
            out.extend(_error(ctx, i, exc, res) for i in spec.ids)
    return out


def run_checks(dataset: dict[str, Any], resources: list[dict[str, Any]], bodies: str | BodyStore | None,
               crawl_time: str, *, row_limit: int | None = None, guard: Guard | None = None) -> list[Finding]:
    """All findings for one dataset and its resources (deterministic, no network, no clock).

    `bodies`: the body store (`Snapshot.body_store()`), or a snapshot directory holding its own
    `bodies/`. A body is used only once verified (bodies.BodyStore.path); one that is missing,
    altered or not a plain file of the store makes its resource's body checks skip, "not measured"."""
    ctx = Context(dataset, resources, bodies, crawl_time, row_limit, guard or Guard())
    whole = ctx.guard.whole()
    if whole is not None:
        return _all_stopped(ctx, whole)
    if ctx.kind == "missing":
        return [ctx.skip("link", "not found online")]
    no_meta = ctx.metadata_missing()
    skipped: set[str] = set()
    for stage, spec in enumerate(REGISTRY):
        if spec.metadata and no_meta:
            for i in spec.ids:
                if i not in skipped:
                    skipped.add(i)
                    ctx.findings.append(ctx.skip(i, no_meta))
            continue
        if spec.scope == "dataset":
            ctx.findings.extend(_run_spec(ctx, stage, spec, None))
            continue
        if not ctx.resources:
            if "link" in spec.ids:
                # No resource list because no metadata could be read (a private or unreachable
                # dataset) is not measured, not a dataset without resources.
                ctx.findings.append(ctx.skip("link", no_meta) if no_meta and ctx.kind == "portal" else
                                    ctx.finding("link", "fail", "0 resources", "≥1 resource", "the dataset declares no resource URL"))
            continue
        for res in ctx.resources:
            ctx.findings.extend(_run_spec(ctx, stage, spec, res))
    return list(ctx.findings)


__all__ = ["CHECK_IDS", "REGISTRY", "RULES_VERSION", "run_checks"]
