"""A snapshot's records as flat pandas tables, read once, streaming (whole-portal snapshots
hold 50,000 datasets and over a million findings).

Each table is also kept in the columnar store (odaudit.columnar: Parquet outside the snapshot,
keyed by its manifest), so a snapshot read before is not parsed again: the functions below build
the frames, the decorator serves them from the store."""

from __future__ import annotations

import io
import re
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..columnar import cached, sealed_key
from ..errors import SnapshotError
from ..model.findings import FINDING_COLUMNS
from ..store import DATASETS, RESOURCES, Snapshot, read_jsonl
from .platform import PRESENCE_COLUMNS, adapter_of, presence

DATASET_COLUMNS = (
    "key", "kind", "id", "name", "category", "url", "fetch_status", "title", "agency",
    "frequency", "licence", "cost", "published", "modified", "badge", "n_resources", "sampled",
)
RESOURCE_COLUMNS = ("key", "dataset", "index", "format", "url", "status", "error", "bytes", "provenance", "provenance_note")


def _s(v: object) -> str:
    return "" if v is None else str(v)


#: a frame of datasets.jsonl built by the other table's reading of the file, kept until asked for
#: (both tables come from one pass over the records; a whole portal's are 50,000 JSON documents)
#: (a Snapshot is a dataclass, compared by value and unhashable: kept by identity, dropped with it)
_SPARE: dict[int, tuple[weakref.ref[Snapshot], dict[str, pd.DataFrame]]] = {}


def _dataset_frames(snap: Snapshot, wanted: str) -> pd.DataFrame:
    """The `wanted` table of datasets.jsonl ("datasets" or "presence"); the other one, read in
    the same pass, is kept for its own call (unless that one is answered by the columnar store)."""
    ref, spare = _SPARE.get(id(snap), (None, {}))
    if ref is not None and ref() is snap and wanted in spare:
        return spare.pop(wanted)
    adapter = adapter_of(snap.manifest)
    rows, present = [], []
    for r in read_jsonl(snap.root / DATASETS):
        meta = r.get("meta") or {}
        fetch = r.get("fetch") or {}
        rows.append((
            r["key"], _s(r.get("kind")), _s(r.get("id")), _s(r.get("name")), _s(r.get("category")), _s(r.get("url")),
            _s(fetch.get("status")), _s(meta.get("title")), _s(meta.get("agency")),
            _s(meta.get("frequency")), _s(meta.get("licence")), _s(meta.get("cost")), _s(meta.get("published")),
            _s(meta.get("modified")), _s(meta.get("badge")), len(r.get("resources") or ()),
            r.get("sampled", True) is not False,  # False only for datasets outside a --sample
        ))
        present.append((r["key"], _s(r.get("kind")), _s(fetch.get("status")), ";".join(map(str, fetch.get("sources") or ())),
                        *presence(meta, adapter)))
    frames = {"datasets": pd.DataFrame.from_records(rows, columns=list(DATASET_COLUMNS)),
              "presence": pd.DataFrame.from_records(present, columns=["key", "kind", "fetch_status", "sources", *PRESENCE_COLUMNS])
              .astype(dict.fromkeys(PRESENCE_COLUMNS, bool))}
    key = id(snap)
    _SPARE[key] = (weakref.ref(snap, lambda _: _SPARE.pop(key, None)), {k: v for k, v in frames.items() if k != wanted})
    return frames[wanted]


@cached("datasets", lambda snap: DATASETS)
def dataset_table(snap: Snapshot) -> pd.DataFrame:
    return _dataset_frames(snap, "datasets")


@cached("presence", lambda snap: DATASETS)
def presence_table(snap: Snapshot) -> pd.DataFrame:
    """Per dataset record: its kind, fetch status, metadata sources (`;`-joined) and which metadata
    fields it carries (the platform section's field shares: scoring/platform.py)."""
    return _dataset_frames(snap, "presence")


@cached("resources", lambda snap: RESOURCES)
def resource_table(snap: Snapshot) -> pd.DataFrame:
    fast = _arrow_resource_table(snap.root / RESOURCES)
    return fast if fast is not None else _python_resource_table(snap.root / RESOURCES)


#: what resource_table reads of a record, as Arrow's JSON reader is told to expect it
_RESOURCE_SCHEMA = pa.schema([
    ("key", pa.string()), ("dataset_key", pa.string()), ("index", pa.int64()), ("declared", pa.struct([("format", pa.string())])),
    ("url", pa.string()), ("status", pa.int64()), ("error", pa.struct([("kind", pa.string())])), ("bytes", pa.int64()),
    ("provenance", pa.struct([("kind", pa.string()), ("note", pa.string())])),
])
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def _arrow_resource_table(path: Path) -> pd.DataFrame | None:
    """resource_table's frame parsed by Arrow (in C++, several times faster than a JSON document per
    line in Python), or None whenever the file is anything but plain: a torn last line, a surrogate
    escape, a value of another type than `_RESOURCE_SCHEMA` says, a record without a key. Then the
    Python reading decides, with its own errors and line numbers."""
    import pyarrow.compute as pc
    import pyarrow.json as pj

    try:
        data = path.read_bytes()
        if not data or not data.endswith(b"\n") or _SURROGATE.search(data):
            return None
        table = pj.read_json(pa.BufferReader(data), parse_options=pj.ParseOptions(
            explicit_schema=_RESOURCE_SCHEMA, unexpected_field_behavior="ignore", newlines_in_values=False))
    except (OSError, pa.ArrowException):
        return None
    if table.num_rows != data.count(b"\n") or table.column("key").null_count:
        return None

    def text(col: Any) -> np.ndarray:
        return pc.fill_null(col.cast(pa.string()), "").to_numpy(zero_copy_only=False).astype(object)
    declared, error, prov = (table.column(c).combine_chunks() for c in ("declared", "error", "provenance"))
    fmt = text(pc.struct_field(declared, "format"))
    uniques, codes = np.unique(fmt, return_inverse=True)  # Python's strip and upper, once per distinct value
    fmt = np.array([str(u).strip().upper() for u in uniques], dtype=object)[codes] if len(uniques) else fmt
    def number(name: str) -> np.ndarray:
        return pc.fill_null(table.column(name), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    columns = (text(table.column("key")), text(table.column("dataset_key")), number("index"), fmt, text(table.column("url")),
               text(table.column("status")), text(pc.struct_field(error, "kind")), number("bytes"),
               text(pc.struct_field(prov, "kind")), text(pc.struct_field(prov, "note")))
    return pd.DataFrame(dict(zip(RESOURCE_COLUMNS, columns, strict=True)))


def _python_resource_table(path: Path) -> pd.DataFrame:
    rows = []
    for r in read_jsonl(path):
        err = r.get("error") or {}
        prov = r.get("provenance") if isinstance(r.get("provenance"), dict) else {}
        declared = r.get("declared") if isinstance(r.get("declared"), dict) else {}
        rows.append((
            r["key"], _s(r.get("dataset_key")), int(r.get("index") or 0), _s(declared.get("format")).strip().upper(),
            _s(r.get("url")), _s(r.get("status")), _s(err.get("kind") if isinstance(err, dict) else err), int(r.get("bytes") or 0),
            _s(prov.get("kind")), _s(prov.get("note")),
        ))
    return pd.DataFrame.from_records(rows, columns=list(RESOURCE_COLUMNS))


def findings_frame(source: str | io.StringIO, where: str) -> pd.DataFrame:
    """findings.csv text (a path, or a buffer holding the header and rows) as a table of strings,
    check and outcome as categoricals."""
    df = pd.read_csv(source, dtype=object, keep_default_na=False, na_filter=False, encoding="utf-8", engine="c", on_bad_lines="error")
    if list(df.columns) != list(FINDING_COLUMNS):
        raise SnapshotError(f"{where}:1: unexpected findings header {','.join(map(str, df.columns))!r}")
    for col in ("check", "outcome"):
        df[col] = df[col].astype("category")
    return df


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in FINDING_COLUMNS})


@cached("findings", lambda snap: snap.current_findings().file)
def finding_table(snap: Snapshot) -> pd.DataFrame:
    """The snapshot's findings (its newest rules': see `Snapshot.current_findings`)."""
    path = snap.findings_path()
    if not path.exists():
        return empty_findings()
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\r\n")
    if header.split(",") != list(FINDING_COLUMNS):
        raise SnapshotError(f"{path}:1: unexpected findings header {header!r}")
    return findings_frame(str(path), str(path))


@dataclass
class SnapshotTables:
    """What scoring reads of a snapshot: its records as tables, and its manifest. Scoring takes
    these, not a directory, so that `diff` and `trend` can score today's findings of a snapshot
    (computed in memory) beside its stored records without writing anything anywhere."""

    datasets: pd.DataFrame
    resources: pd.DataFrame
    findings: pd.DataFrame
    manifest: dict[str, Any]
    #: where the snapshot is (named in the report)
    root: str = ""
    #: which metadata fields each record carries (presence_table); None when not read
    presence: pd.DataFrame | None = None
    #: the store key of what is computed from these tables alone (scoring/measured.py) when they
    #: are exactly a sealed snapshot's files; None otherwise (re-checked findings, an overlay)
    measure_key: str | None = None

    @classmethod
    def read(cls, snap: Snapshot, *, findings: pd.DataFrame | None = None, manifest: dict[str, Any] | None = None) -> SnapshotTables:
        """The snapshot's tables; `findings` (and the `manifest` that describes them) replace its stored ones."""
        stored = findings is None and manifest is None
        key = sealed_key(snap, (DATASETS, RESOURCES, snap.current_findings().file)) if stored else None
        return cls(dataset_table(snap), resource_table(snap), finding_table(snap) if findings is None else findings,
                   snap.manifest if manifest is None else manifest, str(snap.root), presence_table(snap), key)
