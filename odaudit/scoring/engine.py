"""`score_tables`: a snapshot's tables + rubric + catalog → ScoreResult (`score_snapshot` reads the
tables of a snapshot first). No other I/O; no rendering."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..catalog import ALL_CATALOG, Catalog, load_catalog
from ..errors import InputError
from ..inspect.understood import not_understood_counted
from ..model import Progress
from ..store import Snapshot
from . import coverage, platform, summary
from .automate import NO, UNKNOWN, YES
from .estimate import Estimate, estimate
from .measured import measure_snapshot, stored_key
from .methods import dataset_points, is_open
from .model import FindingsView, ScoreResult
from .questions import QUESTION_IDS
from .rubric import Rubric
from .tables import (
    DATASET_COLUMNS,
    RESOURCE_COLUMNS,
    SnapshotTables,
    empty_findings,
)
from .tree import build_tree

_YN = np.array(["unanswered", "no", "yes"], dtype=object)  # index by value + 1 (-1, 0, 1)


def catalog_frame(catalog: Catalog) -> pd.DataFrame:
    rows = []
    for c, d, pos, key in catalog.keyed_entries():
        rows.append((key, d.id or "", d.name, c.id, d.kind, d.url or "", pos))
    return pd.DataFrame.from_records(rows, columns=["key", "id", "name", "category", "kind", "url", "position"])


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def resolve_manual(rubric: Rubric, frame: pd.DataFrame) -> dict[str, str]:
    """Rubric dataset keys → snapshot keys. Accepts a key, a portal id or a unique dataset name."""
    keys = set(frame["key"])
    by_id = {i: k for i, k in zip(frame["id"], frame["key"], strict=True) if i}
    names: dict[str, set[str]] = {}
    for n, k in zip(frame["name"], frame["key"], strict=True):
        names.setdefault(n, set()).add(k)
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for ref in rubric.datasets:
        if ref in keys:
            key = ref
        elif ref in by_id:
            key = by_id[ref]
        elif len(names.get(ref, ())) == 1:
            key = next(iter(names[ref]))
        elif ref in names:
            raise InputError(f"{rubric.where('datasets', ref)}: dataset name {ref!r} is ambiguous; use its key ({', '.join(sorted(names[ref]))})")
        else:
            raise InputError(f"{rubric.where('datasets', ref)}: dataset {ref!r} is not in the catalog (use a portal id, a key such as tw:41568, or the catalog's name)")
        if key in seen:
            raise InputError(f"{rubric.where('datasets', ref)}: dataset {key} already answered under {seen[key]!r}")
        seen[key] = ref
        out[ref] = key
    return out


def _require_manual_answers(rubric: Rubric, frame: pd.DataFrame, manual: dict[str, str]) -> None:
    """Without a snapshot only the rubric's own answers count: refuse rather than report a
    dataset nobody answered as a silent 0."""
    answered = {key for ref, key in manual.items() if any(a.answer is not None for a in rubric.datasets[ref].answers.values())}
    unique = frame.drop_duplicates("key")
    missing = [f"{k} {n}" for k, n in zip(unique["key"], unique["name"], strict=True) if k not in answered]
    if missing:
        where = rubric.path or "the rubric"
        shown = "; ".join(missing[:5]) + (f"; … (+{len(missing) - 5})" if len(missing) > 5 else "")
        raise InputError(f"{where}: without a snapshot only the rubric's answers count, and {len(missing)} of "
                         f"{len(unique)} datasets have none, so they would score 0 ({shown}); score a snapshot "
                         "(odaudit score SNAPSHOT --rubric …) or answer them in the rubric")


def _catalog_name(rubric: Rubric) -> str:
    """The name of the catalog the rubric names; a catalog file is read for its `name:` (the
    path `rubric init` writes for a snapshot's own catalog.yaml says nothing by itself)."""
    if not rubric.catalog.endswith((".yaml", ".yml")):
        return rubric.catalog
    try:
        return load_catalog(rubric.catalog_path()).name
    except InputError:
        return Path(rubric.catalog).stem


def _not_understood(snap_ds: pd.DataFrame, resources: pd.DataFrame) -> list[dict[str, Any]]:
    """The snapshot's 品質檢測 / 更新頻率 / 授權方式 values (per dataset) and 檔案格式 values (per
    resource) that odaudit does not understand, counted (inspect/understood.py decides)."""
    columns = [("品質檢測", snap_ds["badge"]), ("更新頻率", snap_ds["frequency"]), ("授權方式", snap_ds["licence"]),
               ("檔案格式", resources["format"])]
    return not_understood_counted(triple for vocab, column in columns for triple in _counted(vocab, column))


def _counted(vocabulary: str, column: pd.Series) -> list[tuple[str, object, int]]:
    values = column.tolist()
    try:
        return [(vocabulary, v, n) for v, n in Counter(values).items()]
    except TypeError:  # an unhashable value (the v2 API's updateFrequency object): one by one
        return [(vocabulary, v, 1) for v in values]


@dataclass
class _Inputs:
    """What the scoring reads from a snapshot (empty tables without one)."""

    datasets: pd.DataFrame
    resources: pd.DataFrame
    findings: pd.DataFrame
    whole: bool
    portal: str
    info: dict[str, str] = field(default_factory=dict)
    doctor: dict[str, Any] = field(default_factory=dict)
    vocabulary: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _read_inputs(snapshot: SnapshotTables | None, rubric: Rubric, catalog: Catalog) -> _Inputs:
    if snapshot is None:
        snap_ds = _empty(DATASET_COLUMNS)
        snap_ds["n_resources"] = snap_ds["n_resources"].astype(int)
        snap_ds["sampled"] = snap_ds["sampled"].astype(bool)
        return _Inputs(snap_ds, _empty(RESOURCE_COLUMNS), empty_findings(), False, catalog.portal.rstrip("/"))
    snap_ds, resources, findings = snapshot.datasets, snapshot.resources, snapshot.findings
    manifest = snapshot.manifest
    warnings = []
    cat_name = str((manifest.get("catalog") or {}).get("name", ""))
    whole = cat_name == ALL_CATALOG or bool((manifest.get("options") or {}).get("all"))
    if not whole and cat_name and _catalog_name(rubric) != cat_name:
        warnings.append(f"the rubric names catalog {rubric.catalog!r} but the snapshot was crawled with {cat_name!r}")
    unknown = snap_ds[snap_ds["fetch_status"] == "not_found"]
    if len(unknown):
        warnings.append("not found on the portal (neither its export nor its API knows the id; check the catalog): "
                        + ", ".join(f"{i} ({n})" if n else str(i) for i, n in zip(unknown["id"], unknown["name"], strict=True)))
    if manifest.get("status") != "complete":
        warnings.append(f"the snapshot is {manifest.get('status', 'unfinished')}: datasets not crawled are scored from manual answers only")
    info = {
        "catalog": cat_name, "started_at": str(manifest.get("started_at", "")), "finished_at": str(manifest.get("finished_at", "")),
        "status": str(manifest.get("status", "")), "rules_version": str(manifest.get("rules_version", "")),
        "tool_version": str(manifest.get("tool_version", "")), "root": snapshot.root,
        "replay": str((manifest.get("options") or {}).get("replay") or ""),
        # crawl --probe-bytes: 0 (off) when absent, as in snapshots made before the option
        "probe_bytes": int((manifest.get("options") or {}).get("probe_bytes") or 0),
    }
    doctor = manifest.get("doctor") if isinstance(manifest.get("doctor"), dict) else {}
    return _Inputs(snap_ds, resources, findings, whole, str(manifest.get("portal") or catalog.portal).rstrip("/"),
                   info, doctor, _not_understood(snap_ds, resources), warnings)


def _dataset_frame(cat: pd.DataFrame, snap_ds: pd.DataFrame, portal: str) -> pd.DataFrame:
    """The datasets to score: the catalog's entries, plus snapshot datasets outside the catalog."""
    extra = snap_ds[~snap_ds["key"].isin(cat["key"])]
    extra_rows = pd.DataFrame({"key": extra["key"], "id": extra["id"], "name": extra["name"], "category": extra["category"],
                               "kind": extra["kind"], "url": extra["url"], "position": 0})
    frame = pd.concat([cat, extra_rows], ignore_index=True) if len(extra_rows) else cat.copy()
    info = snap_ds.drop(columns=["id", "name", "category", "url"]).rename(columns={"kind": "snap_kind"})
    frame = frame.merge(info, on="key", how="left", sort=False)
    frame["in_snapshot"] = frame["snap_kind"].notna()
    for col in DATASET_COLUMNS:
        if col in frame and col not in ("n_resources", "sampled"):
            frame[col] = frame[col].fillna("").astype(object)
    frame["n_resources"] = frame["n_resources"].fillna(0).astype(int)
    frame["sampled"] = frame["sampled"].where(frame["sampled"].notna(), True).astype(bool)
    frame["kind"] = np.where(frame["in_snapshot"], frame["snap_kind"].fillna(""), frame["kind"])
    frame = frame.drop(columns="snap_kind")
    frame["page"] = np.where((frame["kind"] == "portal") & (frame["id"] != ""), portal + "/dataset/" + frame["id"], frame["url"])
    return frame


def _categories(catalog: Catalog, frame: pd.DataFrame, whole: bool) -> list[tuple[str, str]]:
    categories = [(c.id, c.name) for c in catalog.categories]
    known = {c for c, _ in categories}
    for cid in sorted(set(frame["category"]) - known):
        categories.append((cid, cid or ("whole portal" if whole else "uncategorised")))
    if whole:  # a whole-portal crawl's catalog lists no datasets: keep only the categories in use
        used = set(frame["category"])
        categories = [c for c in categories if c[0] in used]
    return categories


@dataclass
class _Answers:
    """The final answers, key × question, and where each came from."""

    final: np.ndarray
    source: np.ndarray
    reason: np.ndarray
    links: np.ndarray
    overrides: pd.DataFrame


def _apply_manual(rubric: Rubric, manual: dict[str, str], keys: pd.Index, measured: pd.DataFrame, automated: np.ndarray) -> _Answers:
    """Measured answers for automated datasets, then the rubric's answers over them; an override of
    a measurement (or a disagreement with one) is recorded for the report."""
    final = np.where(automated[:, None], measured.to_numpy(), UNKNOWN).astype("int8")
    source = np.where(final != UNKNOWN, "auto", "unanswered").astype(object)
    reason = np.full(final.shape, "", dtype=object)
    links = np.full(final.shape, "", dtype=object)
    qpos = {q: i for i, q in enumerate(QUESTION_IDS)}
    kpos = {k: i for i, k in enumerate(keys)}
    override_rows = []
    for ref, key in sorted(manual.items(), key=lambda kv: kv[1]):
        r = kpos[key]
        for q, ans in rubric.datasets[ref].answers.items():
            if ans.answer is None:
                continue
            c = qpos[q]
            value = YES if ans.answer else NO
            m = int(measured.iat[r, c])
            if automated[r] or (m != UNKNOWN and m != value):
                override_rows.append((key, q, _YN[m + 1], _YN[value + 1], ans.reason, bool(automated[r]), m != UNKNOWN and m != value))
            final[r, c] = value
            source[r, c] = "manual"
            reason[r, c] = ans.reason
            links[r, c] = " ".join(ans.evidence)
    overrides = pd.DataFrame.from_records(override_rows, columns=["key", "question", "measured", "manual", "reason", "override", "disagrees"])
    overrides["measured"] = overrides["measured"].replace("unanswered", "")
    return _Answers(final, source, reason, links, overrides)


def _answer_table(keys: pd.Index, ans: _Answers, measured: pd.DataFrame, pts: pd.DataFrame, cited: pd.DataFrame) -> pd.DataFrame:
    """The long answer table: key × question, in key order then checklist order."""
    n = len(keys)
    m = measured.to_numpy().ravel()
    answers = pd.DataFrame({
        "key": np.repeat(keys.to_numpy(), len(QUESTION_IDS)),
        "question": np.tile(np.array(QUESTION_IDS, dtype=object), n),
        "answer": np.where(ans.final.ravel() == UNKNOWN, "", _YN[ans.final.ravel() + 1]),
        "source": ans.source.ravel(),
        "measured": np.where(m == UNKNOWN, "", _YN[m + 1]),
        "points": pts.to_numpy().ravel(),
        "reason": ans.reason.ravel(),
        "links": ans.links.ravel(),
    })
    # each cited (key, question) pair to its cell of the key-major, checklist-ordered table
    n_q = len(QUESTION_IDS)
    cites = np.full(n * n_q, "", dtype=object)
    if len(cited):
        row = keys.get_indexer(cited["key"])
        col = pd.Index(QUESTION_IDS).get_indexer(cited["question"])
        ok = (row >= 0) & (col >= 0)
        cites[row[ok] * n_q + col[ok]] = cited["cite"].to_numpy(object)[ok]
    answers["cites"] = cites
    return answers


def score_snapshot(
    snapshot: Snapshot | None,
    rubric: Rubric,
    catalog: Catalog,
    *,
    on_progress: Progress | None = None,
    blocked_as_broken: bool = False,
    on_findings: Callable[[FindingsView], None] | None = None,
) -> ScoreResult:
    """Score a snapshot (or, with ``snapshot=None``, a rubric whose answers are all manual);
    `on_findings` as in `score_tables`."""
    progress = on_progress or (lambda stage, done, total: None)
    tables = None
    if snapshot is not None:
        progress("read", 0, 1)
        tables = SnapshotTables.read(snapshot)
        progress("read", 1, 1)
    return score_tables(tables, rubric, catalog, on_progress=progress, blocked_as_broken=blocked_as_broken, on_findings=on_findings)


def score_tables(
    snapshot: SnapshotTables | None,
    rubric: Rubric,
    catalog: Catalog,
    *,
    on_progress: Progress | None = None,
    blocked_as_broken: bool = False,
    on_findings: Callable[[FindingsView], None] | None = None,
) -> ScoreResult:
    """Score a snapshot's tables (or, with ``snapshot=None``, a rubric whose answers are all manual).

    `on_findings(view)` is called as soon as what findings.csv and findings.jsonld are made of is
    known (before the scoring proper), so that they can be written meanwhile."""
    progress = on_progress or (lambda stage, done, total: None)
    src = _read_inputs(snapshot, rubric, catalog)
    snap_ds = src.datasets.drop_duplicates("key")
    frame = _dataset_frame(catalog_frame(catalog), snap_ds, src.portal)
    categories = _categories(catalog, frame, src.whole)
    frame["category_name"] = frame["category"].map(dict(categories))
    order = _report_order(frame, categories)

    keys = pd.Index(frame["key"].drop_duplicates())
    findings = _count_blocked_as_broken(src.findings, src.resources) if blocked_as_broken else src.findings
    store_key = stored_key(snapshot.measure_key if snapshot is not None else None, blocked_as_broken)
    view = FindingsView(findings, frame.loc[order, ["key", "name", "page"]].drop_duplicates("key"), src.resources, store_key)
    if on_findings is not None:
        on_findings(view)
    progress("measure", 0, 1)
    res_cov = coverage.resource_coverage(src.resources, blocked_as_broken=blocked_as_broken)
    unmeasured = pd.Index(res_cov.loc[res_cov["coverage"] != coverage.MEASURED, "dataset"].unique())
    measurements = coverage.measurement_view(findings, res_cov)
    got = measure_snapshot(snap_ds, measurements, unmeasured, key=store_key)
    measured = got.answers.reindex(keys).fillna(UNKNOWN).astype("int8")
    progress("measure", 1, 1)
    by_key = frame.drop_duplicates("key").set_index("key")
    in_snap = by_key["in_snapshot"].reindex(keys).to_numpy(bool)
    automated = (by_key["kind"].reindex(keys).to_numpy() == "portal") & in_snap

    manual = resolve_manual(rubric, frame)
    if snapshot is None:
        _require_manual_answers(rubric, frame, manual)
    ans = _apply_manual(rubric, manual, keys, measured, automated)
    answered_bool = pd.DataFrame(ans.final == YES, index=keys, columns=list(QUESTION_IDS))
    pts = dataset_points(answered_bool, rubric.question_points, rubric.method,
                         penalty=rubric.odb.outdated_penalty, penalty_when=rubric.odb.penalty_when)
    per_key = pd.DataFrame({
        "score": pts.sum(axis=1).to_numpy(), "open": is_open(answered_bool).to_numpy(),
        "yes": (ans.final == YES).sum(axis=1), "unanswered": (ans.final == UNKNOWN).sum(axis=1),
        "manual": (ans.source == "manual").sum(axis=1), "automated": automated,
        "quality": summary.quality_flags(measured).to_numpy() & in_snap,
        "quality_measured": summary.quality_known(measured).to_numpy() & in_snap,
    }, index=keys)
    for q in ("online", "machine_readable"):
        per_key[f"m_{q}"] = measured[q].to_numpy() == YES
    frame = frame.join(per_key, on="key")
    frame = frame.join(coverage.dataset_coverage(frame, res_cov, has_snapshot=snapshot is not None), on="key")
    progress("evidence", 0, 1)
    answers = _answer_table(keys, ans, measured, pts, got.cited)
    progress("evidence", 1, 1)

    frame = frame.loc[order].reset_index(drop=True)  # the joins above kept the frame's index
    return ScoreResult(
        rubric_name=rubric.name, rubric_title=rubric.title or rubric.name, method=rubric.method,
        penalty_when=rubric.odb.penalty_when, outdated_penalty=rubric.odb.outdated_penalty,
        points=dict(rubric.question_points), catalog=catalog, portal=src.portal, snapshot=src.info, whole_portal=src.whole,
        nodes=build_tree(rubric, categories, frame[["category", "score"]]), datasets=frame, answers=answers,
        evidence=got.evidence, resources=src.resources, findings=findings, overrides=ans.overrides,
        quality=_quality_table(got.quality, frame, snapshot, src.whole),
        quality_adjusted=summary.quality_adjusted(frame, int(snap_ds.shape[0])),
        agencies=summary.agency_table(frame),
        badges=summary.badge_table(frame, measurements),
        formats=summary.format_table(src.resources),
        years=summary.year_table(frame),
        warnings=src.warnings,
        coverage=summary.coverage_summary(frame, res_cov),
        resource_coverage=res_cov,
        blocked_as_broken=blocked_as_broken,
        estimate=_sample_estimate(frame, snapshot, src.whole),
        doctor=src.doctor,
        not_understood=src.vocabulary,
        merged=rubric.merged,
        platform=_platform(rubric, snapshot, src),
        findings_view=view,
    )


def _report_order(frame: pd.DataFrame, categories: list[tuple[str, str]]) -> pd.Index:
    """The index of `frame` in the report's order: by category (in `categories` order), catalog position, key."""
    cat_rank = {cid: i for i, (cid, _) in enumerate(categories)}
    order = frame[["category", "position", "key"]].assign(_c=frame["category"].map(cat_rank))
    return order.sort_values(["_c", "position", "key"], kind="stable").index


def _platform(rubric: Rubric, snapshot: SnapshotTables | None, src: _Inputs) -> platform.PlatformResult:
    """The platform section (scoring/platform.py): the rubric's platform answers and what the snapshot measures."""
    manifest = snapshot.manifest if snapshot is not None else {}
    return platform.assess(rubric.platform, portal=src.portal, adapter=platform.adapter_of(manifest), has_snapshot=snapshot is not None,
                           whole=src.whole, manifest=manifest, presence_frame=snapshot.presence if snapshot is not None else None,
                           datasets=src.datasets, resources=src.resources)


def _count_blocked_as_broken(findings: pd.DataFrame, resources: pd.DataFrame) -> pd.DataFrame:
    """`--blocked-as-broken`: the auditor counts a refusal of this client as a failure of the data,
    so the `link` finding of a blocked resource fails (the report states the choice)."""
    blocked = set(resources.loc[resources["error"] == "blocked", "key"])
    if not blocked or findings.empty:
        return findings
    rows = (findings["check"].astype(object) == "link") & findings["resource"].isin(blocked)
    out = findings.copy()
    for col in ("outcome", "check"):
        out[col] = out[col].astype(object)
    out.loc[rows, "outcome"] = "fail"
    out.loc[rows, "evidence"] = "counted as broken (--blocked-as-broken): " + out.loc[rows, "evidence"].astype(str)
    for col in ("check", "outcome"):
        out[col] = out[col].astype("category")
    return out


def _quality_table(q: pd.DataFrame, frame: pd.DataFrame, snapshot: SnapshotTables | None, whole: bool) -> pd.DataFrame:
    """The quality table (summary.quality_table), with confidence intervals for a sampled whole-portal crawl."""
    if whole and snapshot is not None and (snapshot.manifest.get("options") or {}).get("sample") is not None:
        q = summary.with_intervals(q, int(frame["in_snapshot"].sum()))
    return q


def _sample_estimate(frame: pd.DataFrame, snapshot: SnapshotTables | None, whole: bool) -> Estimate | None:
    """For a whole-portal snapshot with `--sample`: the portal's quality share, estimated."""
    if snapshot is None or not whole:
        return None
    opts = snapshot.manifest.get("options") or {}
    if opts.get("sample") is None:
        return None
    d = frame[frame["in_snapshot"]].drop_duplicates("key")
    sampled = d[d["sampled"].astype(bool)]
    return estimate(int(sampled["quality"].sum()), int(sampled["quality_measured"].sum()),
                    sample=len(sampled), population=len(d))
