"""score_deltas.csv: how every score moved between two scored sides, and why.

Each level is explained by the one below it: the barometer by its sub-indexes, implementation by
its categories, a category by the datasets rescored in it, a dataset by the questions whose answers
changed and the finding changes behind those answers. Pure: no I/O, no rendering.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..scoring.model import Node
from ..scoring.questions import QUESTION_IDS
from .compare import EPS, QUALITY_KINDS, QUESTION_CHECKS, QUESTION_TEXT, SCORE_DELTA_COLUMNS, Side, agency_table, as_number, delta_of, percent_text, rounded

Row = tuple[str, str, str, float | None, float | None, float | None, str]


def _short_resource(res: str) -> str:
    return f"#{res.rsplit('#', 1)[1]}" if "#" in res else ""


def changed_answers(old: Side, new: Side) -> pd.Index:
    """Keys scored on both sides whose answers (or their sources) differ."""
    ci = old.answers.index.intersection(new.answers.index)
    if not len(ci):
        return ci
    a = old.answers.loc[ci].to_numpy(object)
    b = new.answers.loc[ci].to_numpy(object)
    sa = old.sources.loc[ci].to_numpy(object)
    sb = new.sources.loc[ci].to_numpy(object)
    return ci[((a != b) | (sa != sb)).any(axis=1)]


def dataset_explanations(old: Side, new: Side, changes: pd.DataFrame, keys: Iterable[str], *, cites: int = 3) -> dict[str, str]:
    """For each dataset: the questions whose answers changed and the finding changes behind them."""
    keys = [k for k in keys if k in old.answers.index and k in new.answers.index]
    if not keys:
        return {}
    by_ds: dict[str, list[tuple[str, str, str, str]]] = {}
    record: dict[str, list[str]] = {}
    wanted = set(keys)
    if not changes.empty:
        sub = changes[changes["dataset"].isin(wanted)]
        q = sub[sub["kind"].isin(QUALITY_KINDS)]
        for ds, res, check, o, n in zip(q["dataset"], q["resource"], q["field"], q["old"], q["new"], strict=True):
            by_ds.setdefault(ds, []).append((check, res, o.split(":", 1)[0] or "absent", n.split(":", 1)[0] or "absent"))
        cat = sub[sub["field"] == "fetch.status"]
        for ds, fld, o, n in zip(cat["dataset"], cat["field"], cat["old"], cat["new"], strict=True):
            record.setdefault(ds, []).append(f"{fld} {o}→{n}")
    fo = old.datasets.set_index("key")["frequency"].to_dict()
    fn = new.datasets.set_index("key")["frequency"].to_dict()
    ao, an = old.answers.loc[keys].to_numpy(object), new.answers.loc[keys].to_numpy(object)
    so, sn = old.sources.loc[keys].to_numpy(object), new.sources.loc[keys].to_numpy(object)
    out: dict[str, str] = {}
    for r, key in enumerate(keys):
        parts = []
        for c, qid in enumerate(QUESTION_IDS):
            x, y = ao[r, c] or "unanswered", an[r, c] or "unanswered"
            if x == y:
                continue
            checks = QUESTION_CHECKS.get(qid, ())
            cited = [t for t in by_ds.get(key, []) if t[0] in checks]
            why = [f"{ch} {o}→{n} {_short_resource(res)}".strip() for ch, res, o, n in cited[:cites]]
            if len(cited) > cites:
                why.append(f"+{len(cited) - cites} more")
            if qid in ("exists", "findable"):
                why += record.get(key, [])
            if qid == "sustained" and fo.get(key, "") != fn.get(key, ""):
                why.append(f"更新頻率 {fo.get(key, '')}→{fn.get(key, '')}")
            if "manual" in (so[r, c], sn[r, c]):
                why.append("manual answer")
            parts.append(f"{qid} {x}→{y}" + (f" ({'; '.join(why)})" if why else ""))
        if parts:
            out[key] = "; ".join(parts)
    return out


def _dataset_rows(old: Side, new: Side, changes: pd.DataFrame) -> tuple[list[Row], dict[str, float]]:
    """Datasets whose score moved or whose answers changed, plus those added or removed;
    and each rescored dataset's delta, which explains the categories."""
    so = old.datasets.drop_duplicates("key").set_index("key")
    sn = new.datasets.drop_duplicates("key").set_index("key")
    common = so.index.intersection(sn.index)
    a_sc = so.loc[common, "score"].to_numpy(float)
    b_sc = sn.loc[common, "score"].to_numpy(float)
    moved = common[~(np.abs(b_sc - a_sc) <= EPS)]  # NaN on either side counts as moved
    keys = sorted(set(moved) | set(changed_answers(old, new)))
    expl = dataset_explanations(old, new, changes, keys)
    ds_delta: dict[str, float] = {}
    rows: list[Row] = []
    names = {**so["name"].to_dict(), **sn["name"].to_dict()}
    for key in keys:
        a, b = as_number(so.at[key, "score"]), as_number(sn.at[key, "score"])
        ds_delta[key] = (b - a) if a is not None and b is not None else 0.0
        rows.append(("dataset", key, str(names[key]), rounded(a), rounded(b), delta_of(a, b), expl.get(key, "")))
    for key in sn.index.difference(so.index):
        rows.append(("dataset", key, str(names[key]), None, rounded(as_number(sn.at[key, "score"])), None, "added"))
    for key in so.index.difference(sn.index):
        rows.append(("dataset", key, str(names[key]), rounded(as_number(so.at[key, "score"])), None, None, "removed"))
    rows.sort(key=lambda x: x[1])
    return rows, ds_delta


def _scores(nid: str, no: dict[str, Node], nn: dict[str, Node]) -> tuple[float | None, float | None]:
    return (as_number(no[nid].score) if nid in no else None, as_number(nn[nid].score) if nid in nn else None)


def _category_rows(old: Side, new: Side, ds_delta: dict[str, float]) -> tuple[list[Row], dict[str, float | None]]:
    """Each category, explained by its rescored, added and removed datasets."""
    no, nn = old.node_map(), new.node_map()
    mo = old.memberships.groupby("category", sort=False)["key"].agg(list).to_dict()
    mn = new.memberships.groupby("category", sort=False)["key"].agg(list).to_dict()
    cat_ids = [n.id for n in new.nodes if n.level == "category"] + [n.id for n in old.nodes if n.level == "category" and n.id not in nn]
    rows: list[Row] = []
    cat_delta: dict[str, float | None] = {}
    for nid in cat_ids:
        a, b = _scores(nid, no, nn)
        name = (nn.get(nid) or no[nid]).name
        cid = nid.split("/", 1)[1]
        ko, kn = set(mo.get(cid, ())), set(mn.get(cid, ()))
        moved = [(k, ds_delta[k]) for k in ko & kn if k in ds_delta and abs(ds_delta[k]) > EPS]
        moved.sort(key=lambda x: (-abs(x[1]), x[0]))
        parts = []
        if moved:
            top = ", ".join(f"{k} {d:+.1f}" for k, d in moved[:3])
            parts.append(f"{len(moved)} dataset(s) rescored ({top}{', …' if len(moved) > 3 else ''})")
        if kn - ko:
            parts.append(f"{len(kn - ko)} added")
        if ko - kn:
            parts.append(f"{len(ko - kn)} removed")
        cat_delta[cid] = delta_of(a, b)
        rows.append(("category", nid, name, rounded(a), rounded(b), delta_of(a, b), "; ".join(parts)))
    return rows, cat_delta


def _index_rows(old: Side, new: Side, cat_delta: dict[str, float | None]) -> list[Row]:
    """The barometer, explained by its sub-indexes; implementation by its categories."""
    no, nn = old.node_map(), new.node_map()
    sub_rows: list[Row] = []
    for sid in ("readiness", "implementation", "impact"):
        a, b = _scores(sid, no, nn)
        if sid == "implementation":
            moved = sorted(((cid, d) for cid, d in cat_delta.items() if d), key=lambda x: (-abs(x[1] or 0.0), x[0]))
            why = "; ".join(f"category {cid or '(none)'} {d:+.2f}" for cid, d in moved[:5])
            if len(moved) > 5:
                why += f"; +{len(moved) - 5} more categories"
        else:
            node = nn.get(sid) or no.get(sid)
            why = (node.note if node is not None and (a is None or b is None) else
                   "judged items: the same rubric on both sides" if a is not None else "")
        sub_rows.append(("subindex", sid, sid, rounded(a), rounded(b), delta_of(a, b), why))
    a, b = as_number(no["barometer"].score), as_number(nn["barometer"].score)
    if a is not None and b is not None:
        why = "; ".join(f"{sid} {d:+.2f} × {nn[sid].weight:g}" for _, sid, _, _, _, d, _ in sub_rows if d)
    else:
        why = nn["barometer"].note or no["barometer"].note
    return [("barometer", "barometer", "barometer", rounded(a), rounded(b), delta_of(a, b), why), *sub_rows]


def _question_rows(old: Side, new: Side) -> list[Row]:
    """Each question: the share of scored datasets answering yes, and who won or lost a yes."""
    rows: list[Row] = []
    ci = old.answers.index.intersection(new.answers.index)
    added = new.answers.index.difference(old.answers.index)
    removed = old.answers.index.difference(new.answers.index)
    for qid in QUESTION_IDS:
        ya, yb = old.answers[qid] == "yes", new.answers[qid] == "yes"
        a = 100 * float(ya.mean()) if len(ya) else None
        b = 100 * float(yb.mean()) if len(yb) else None
        x, y = old.answers.loc[ci, qid], new.answers.loc[ci, qid]
        lost = ci[(x == "yes").to_numpy() & (y != "yes").to_numpy()]
        won = ci[(x != "yes").to_numpy() & (y == "yes").to_numpy()]
        parts = []
        for label, ks in (("yes→not yes", lost), ("→yes", won)):
            if len(ks):
                ks = sorted(ks)
                parts.append(f"{len(ks)} {label} ({', '.join(ks[:3])}{', …' if len(ks) > 3 else ''})")
        if len(added):
            parts.append(f"{len(added)} added ({int((new.answers.loc[added, qid] == 'yes').sum())} yes)")
        if len(removed):
            parts.append(f"{len(removed)} removed ({int((old.answers.loc[removed, qid] == 'yes').sum())} yes)")
        rows.append(("question", qid, QUESTION_TEXT[qid], rounded(a), rounded(b), delta_of(a, b), "; ".join(parts)))
    return rows


def _agency_rows(old: Side, new: Side) -> list[Row]:
    rows: list[Row] = []
    for r in agency_table(old, new).itertuples(index=False):
        parts = [f"datasets {r.datasets_old}→{r.datasets_new}"]
        if r.quality_share_old is not None or r.quality_share_new is not None:
            parts.append(f"quality {percent_text(r.quality_share_old)}→{percent_text(r.quality_share_new)}")
        parts.append(f"open {percent_text(r.open_share_old)}→{percent_text(r.open_share_new)}")
        rows.append(("agency", r.agency, r.agency or "(none)", r.mean_score_old, r.mean_score_new, r.mean_score_delta, "; ".join(parts)))
    return rows


def score_deltas(old: Side, new: Side, changes: pd.DataFrame) -> pd.DataFrame:
    """score_deltas.csv: barometer, sub-indexes, categories, questions, agencies, changed datasets."""
    ds_rows, ds_delta = _dataset_rows(old, new, changes)  # first: the other levels are explained by them
    cat_rows, cat_delta = _category_rows(old, new, ds_delta)
    rows = _index_rows(old, new, cat_delta) + cat_rows + _question_rows(old, new) + _agency_rows(old, new) + ds_rows
    return pd.DataFrame.from_records(rows, columns=list(SCORE_DELTA_COLUMNS))
