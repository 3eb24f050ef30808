"""`odaudit notices REPORT_DIR --out DIR`: one notice per agency with failing findings, in Traditional
Chinese and English, as markdown and as an RFC 5322 message (.eml) addressed to the contacts in the
datasets' metadata. odaudit never sends them: researchers read them, then send them themselves.

The folder is owned and replaced whole like a report (odaudit/outdir.py): `manifest.json` says
`odaudit notices` wrote it from which report and snapshot. `index.csv` lists every agency of the
report: its notice, its addressees, and how much failed (agencies with nothing failing get no notice).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..atomic import CSV_ENCODING, atomic_open, atomic_write_bytes, atomic_write_text, sha256_file
from ..report.safe import neutralise
from ..store.folders import REPORT_MANIFEST, input_snapshot, replacing
from .render import notice_markdown, notice_message, recipients
from .source import Source, read_source

__all__ = ["INDEX_COLUMNS", "Published", "publish_notices", "read_source"]
INDEX_COLUMNS = ("agency", "notice", "to", "datasets", "resources", "findings", "note")


@dataclass
class Published:
    files: list[Path]
    notices: int
    warnings: list[str] = field(default_factory=list)


def file_stem(agency: str) -> str:
    """A stable, safe file name for an agency: its name's letters and digits, and a short hash."""
    text = unicodedata.normalize("NFC", agency)
    slug = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")[:60] or "no-agency"
    return f"{slug}-{hashlib.sha256(agency.encode()).hexdigest()[:8]}"


def write_notices(src: Source, out: Path, *, sender, days: int) -> Published:
    rows, files, warnings = [], [], []
    for agency in src.agencies:
        stem = file_stem(agency.name)
        body = notice_markdown(agency, src, days=days)
        to, bad = recipients(agency)
        atomic_write_text(out / f"{stem}.md", body)
        atomic_write_bytes(out / f"{stem}.eml", notice_message(agency, src, body, sender_addr=sender, to=to))
        files += [out / f"{stem}.md", out / f"{stem}.eml"]
        note = "" if to else "no e-mail address in the metadata: the .eml has no To"
        if bad:
            note = (note + "; " if note else "") + "unusable addresses: " + ", ".join(bad)
        if note:
            warnings.append(f"{agency.name or '(no agency)'}: {note}")
        rows.append((agency.name, f"{stem}.md", ", ".join(a.addr_spec for a in to), len(agency.datasets), agency.resources,
                     agency.findings, note))
    rows += [(a, "", "", 0, 0, 0, "nothing failing") for a in src.passing]
    index = pd.DataFrame.from_records(rows, columns=list(INDEX_COLUMNS))
    with atomic_open(out / "index.csv", "w", encoding=CSV_ENCODING) as fh:
        neutralise(index).to_csv(fh, index=False, lineterminator="\n")
    return Published([*files, out / "index.csv"], len(src.agencies), warnings)


def publish_notices(report: Path, out: Path, *, sender, days: int, snapshot: Path | None = None) -> Published:
    """Read the report, then write the notices into a staging folder swapped in for `out` whole.
    The caller holds the folder lock."""
    src = read_source(report, snapshot)
    inputs = {"report": {"path": str(report), "manifest_sha256": sha256_file(report / REPORT_MANIFEST)},
              "snapshot": input_snapshot(src.snapshot)}
    with replacing(out, command="notices", inputs=inputs, options={"from": str(sender), "days": days}) as staging:
        done = write_notices(src, staging, sender=sender, days=days)
    done.files = sorted([out / p.relative_to(staging) for p in done.files] + [out / REPORT_MANIFEST])
    return done
