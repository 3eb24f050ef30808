"""`rubric init`: a rubric template prefilled with a snapshot's automated answers and their
evidence (as YAML comments), plus empty manual entries for datasets that need them."""

from __future__ import annotations

import os
from pathlib import Path

from ..catalog import ALL_CATALOG, BUNDLED_DIR, catalog_sha256
from ..store import Snapshot
from .model import ScoreResult
from .questions import QUESTIONS
from .template import comment, manual_block, render

#: The automated answers are a block of comments between these two lines, at the end of the file:
#: `rubric init --update` replaces that block and nothing else (see update.py).
AUTO_BEGIN = "# odaudit:automated-answers:begin (written by `odaudit rubric init`; `--update` rewrites this block: keep your notes elsewhere)"
AUTO_END = "# odaudit:automated-answers:end"


def catalog_reference(snap: Snapshot, rubric_dir: Path) -> str:
    """What `rubric init` writes as `catalog:`, so that `rubric check` finds the very catalog
    the snapshot was crawled with: `all` for a whole-portal snapshot; the bundled name when the
    snapshot's catalog is that bundled catalog, byte for byte; else the path of the snapshot's
    own catalog.yaml, relative to the rubric file's folder."""
    name = str((snap.manifest.get("catalog") or {}).get("name") or "")
    if name == ALL_CATALOG or (snap.manifest.get("options") or {}).get("all"):
        return ALL_CATALOG
    copy = snap.catalog_path()
    bundled = BUNDLED_DIR / f"{name}.yaml"
    if name and bundled.is_file() and catalog_sha256(bundled) == catalog_sha256(copy):
        return name
    try:
        return Path(os.path.relpath(copy.resolve(), rubric_dir.resolve())).as_posix()
    except ValueError:  # another drive (Windows): no relative path
        return copy.resolve().as_posix()


def platform_evidence(result: ScoreResult) -> list[str]:
    """What the snapshot shows for the platform questions, as comments of the automated block (so
    `--update` refreshes them); the researcher's answers in `platform:` are never touched."""
    p = result.platform
    if p is None:
        return []
    lines = ["# Platform (see platform.csv of `odaudit score`): what the snapshot shows; answer the judged questions under `platform:`."]
    for row in p.rows:
        if row.evidence:
            lines.append(f"# platform {row.question} ({row.basis}): {comment(row.evidence)}")
    return lines


def prefilled_rubric(result: ScoreResult, *, name: str, catalog_ref: str, method: str = "flat") -> str:
    a = result.answers
    by_key = {k: g for k, g in a.groupby("key", sort=False)}
    blocks: list[str] = []
    auto: list[str] = [
        "# Automated answers, from the snapshot's findings: `question: answer (findings)`. To override one,",
        "# add an entry under `datasets:` with a reason, e.g.",
        '#   "41568": {answers: {machine_readable: {answer: yes, reason: "the XML is a flat table; checked by hand"}}}',
    ]
    unique = result.datasets.drop_duplicates("key")
    shown = 0
    for _, row in unique.iterrows():
        g = by_key[row["key"]]
        head = f"{row['category']} {row['category_name']} · {row['name']}" + (f" · {row['page']}" if row["page"] else "")
        if row["automated"]:
            if result.whole_portal:
                continue
            shown += 1
            auto.append(f"# {comment(head)} · {row['key']} · score {row['score']:.1f} ({result.method})")
            for q, ans, cites in zip(g["question"], g["answer"], g["cites"], strict=True):
                auto.append(f"#   {q}: {ans or 'unanswered'}" + (f" ({comment(cites)})" if cites else ""))
        else:
            kind = {"external": "off the portal", "missing": "not online"}.get(row["kind"], "not in the snapshot")
            notes = [head, f"{kind}: scored from manual answers only; answer each with a reason (unanswered counts as no)"]
            measured = [f"{q}={m}" for q, m in zip(g["question"], g["measured"], strict=True) if m]
            if measured:
                notes.append("measured: " + ", ".join(measured))
            key = row["key"][3:] if row["key"].startswith("tw:") else row["key"]
            blocks += manual_block(key, row["name"], {x.id: (None, "", []) for x in QUESTIONS}, notes)
    source = (f"# From snapshot {comment(str(result.snapshot.get('root', '')))}, crawled "
              f"{comment(str(result.snapshot.get('started_at', '')))} ({comment(str(result.snapshot.get('status', '')))}).")
    auto.insert(0, source)
    if result.whole_portal:
        auto.append(f"# Whole-portal snapshot: the automated answers of {len(unique)} datasets are in answers.csv of `odaudit score`.")
    notes = ["Template made by `odaudit rubric init`.",
             "Fill in the readiness and impact scores and answer the datasets that are off the portal or not online.",
             "`odaudit rubric init SNAPSHOT --out THIS-FILE --update` refreshes the automated answers and keeps yours."]
    auto[1:1] = platform_evidence(result)
    text = render(name=name, title=f"{result.catalog.title}", catalog=catalog_ref, method=method, notes=notes, datasets=blocks,
                  with_platform=True)
    return text + "\n".join([AUTO_BEGIN, *auto, AUTO_END]) + "\n"
