"""`History`: the outcome of every dataset × resource × check across many snapshots, folded in one
snapshot at a time, in memory that grows with what failed or changed, not with snapshots × size.

Per unit (dataset, resource, check) it keeps, vectorised, the first outcome seen and where the unit
was first and last seen. A unit that never failed and never changed outcome needs nothing more:
its history is that one outcome wherever it was present. Only when a unit fails or changes
("hot") does it get a row of the outcome matrix, one byte per snapshot, rebuilt from what was kept.
The rare unit that was absent and came back before it got hot keeps a list of where it was seen.

Units follow the snapshot's keys: a resource is its dataset's resource at that position (as the
findings name it); several findings of one check for one unit count as the worst of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: outcome codes (0 = absent); the order of `WORST` decides which of several findings of a unit counts
OUTCOMES = ("-", "pass", "warn", "fail", "skip", "error")
CODE = {o: i for i, o in enumerate(OUTCOMES)}
ABSENT, FAIL = 0, CODE["fail"]
GOOD = (CODE["pass"], CODE["warn"])
WORST = {CODE["fail"]: 0, CODE["error"]: 1, CODE["warn"]: 2, CODE["pass"]: 3, CODE["skip"]: 4}
SEP = "\x1f"

HISTORY_COLUMNS = ("dataset", "resource", "url", "check", "outcome", "since", "streak", "first_failed", "last_passed", "history")


@dataclass
class Observation:
    """One snapshot's units: key, outcome code, and what to show of the latest finding."""

    key: np.ndarray
    code: np.ndarray
    url: np.ndarray
    measured: np.ndarray
    evidence: np.ndarray


def observe(findings: pd.DataFrame, urls: pd.Series, pages: pd.Series) -> Observation:
    """A side's findings as units. `urls`: resource key → URL; `pages`: dataset key → page (the
    URL shown for dataset-level findings)."""
    f = findings
    code = f["outcome"].astype(object).map(CODE).fillna(CODE["error"]).astype("int8").to_numpy()
    ds = f["dataset"].astype(object).to_numpy()
    res = f["resource"].astype(object).to_numpy()
    key = pd.Series(ds, dtype=object) + SEP + pd.Series(res, dtype=object) + SEP + f["check"].astype(object).reset_index(drop=True)
    frame = pd.DataFrame({"key": key.to_numpy(object), "code": code, "rank": pd.Series(code).map(WORST).to_numpy(),
                          "res": res, "ds": ds, "measured": f["measured"].astype(object).to_numpy(),
                          "evidence": f["evidence"].astype(object).to_numpy()})
    if frame["key"].duplicated().any():  # a check with several rows for one unit: the worst counts
        frame = frame.sort_values(["key", "rank"], kind="stable").drop_duplicates("key")
    url = np.where(frame["res"].to_numpy(object) != "", _lookup(frame["res"], urls), _lookup(frame["ds"], pages))
    return Observation(frame["key"].to_numpy(object), frame["code"].to_numpy("int8"), url.astype(object),
                       frame["measured"].to_numpy(object), frame["evidence"].to_numpy(object))


def _lookup(keys: pd.Series, table: pd.Series) -> np.ndarray:
    """table[key] for each key ("" where it has none); `table` has a unique index."""
    v = table.reindex(keys.to_numpy(object)).to_numpy(dtype=object)
    return np.where(pd.isna(v), "", v)


class History:
    """Fold `Observation`s in crawl order (`add`), then `frame()` the hot units."""

    def __init__(self, n_snapshots: int) -> None:
        self.n = n_snapshots
        self.k = -1
        self.index = pd.Index([], dtype=object)
        self.first_code = np.zeros(0, "int8")
        self.first = np.zeros(0, "int32")
        self.last = np.zeros(0, "int32")
        self.row = np.zeros(0, "int64")  # row of the outcome matrix, -1 while not hot
        self.url = np.zeros(0, object)
        self.measured = np.zeros(0, object)
        self.evidence = np.zeros(0, object)
        self.matrix = np.zeros((0, n_snapshots), "int8")
        self.hot = 0
        self.seen: dict[int, list[int]] = {}  # unit → snapshots it was seen in (not hot, came back after an absence)

    def _grow(self, keys: np.ndarray, codes: np.ndarray) -> None:
        m = len(keys)
        self.index = self.index.append(pd.Index(keys, dtype=object))
        self.first_code = np.concatenate([self.first_code, codes])
        self.first = np.concatenate([self.first, np.full(m, self.k, "int32")])
        self.last = np.concatenate([self.last, np.full(m, self.k - 1, "int32")])
        self.row = np.concatenate([self.row, np.full(m, -1, "int64")])
        for name in ("url", "measured", "evidence"):
            setattr(self, name, np.concatenate([getattr(self, name), np.full(m, "", object)]))

    def _heat(self, units: np.ndarray) -> None:
        """Give `units` (not hot yet) rows of the matrix, filled with what they were until now."""
        if not len(units):
            return
        need = self.hot + len(units)
        if need > len(self.matrix):
            grown = np.zeros((max(need, 2 * len(self.matrix), 1024), self.n), "int8")
            grown[: self.hot] = self.matrix[: self.hot]
            self.matrix = grown
        rows = np.arange(self.hot, need)
        self.row[units] = rows
        self.hot = need
        cols = np.arange(self.n)
        lo, hi = self.first[units][:, None], self.last[units][:, None]
        self.matrix[rows] = np.where((cols >= lo) & (cols <= hi), self.first_code[units][:, None], ABSENT)
        for u, r in zip(units.tolist(), rows.tolist(), strict=True):
            seen = self.seen.pop(u, None)
            if seen is not None:
                self.matrix[r] = ABSENT
                self.matrix[r, seen] = self.first_code[u]

    def add(self, obs: Observation) -> None:
        self.k += 1
        k = self.k
        pos = self.index.get_indexer(obs.key)
        new = pos < 0
        if new.any():
            start = len(self.index)
            self._grow(obs.key[new], obs.code[new])
            pos[new] = np.arange(start, len(self.index))
        code = obs.code
        cold = self.row[pos] < 0
        heat = cold & ((code != self.first_code[pos]) | (code == FAIL))
        stay = cold & ~heat
        track = stay & (self.last[pos] < k - 1)  # came back after an absence, still cold
        if self.seen:
            track |= stay & np.isin(pos, np.fromiter(self.seen, dtype="int64"))
        for u in pos[track].tolist():
            self.seen.setdefault(u, list(range(self.first[u], self.last[u] + 1))).append(k)
        self._heat(pos[heat])
        hot = self.row[pos] >= 0
        self.matrix[self.row[pos[hot]], k] = code[hot]
        self.last[pos] = k
        self.url[pos], self.measured[pos], self.evidence[pos] = obs.url, obs.measured, obs.evidence

    def frame(self, times: list[str]) -> pd.DataFrame:
        """resource_history.csv rows (HISTORY_COLUMNS) of the hot units, sorted, plus the latest
        finding's measured value and evidence (for reports)."""
        units = np.flatnonzero(self.row >= 0)
        if not len(units):
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in (*HISTORY_COLUMNS, "measured", "evidence")})
        h = self.matrix[self.row[units], : self.k + 1]
        n = h.shape[1]
        latest = h[:, -1]
        rev = (h == latest[:, None])[:, ::-1]
        streak = np.where(rev.all(axis=1), n, rev.argmin(axis=1))
        t = np.array(times[:n], dtype=object)
        failed = h == FAIL
        good = np.isin(h, GOOD)
        first_failed = np.where(failed.any(axis=1), t[failed.argmax(axis=1)], "")
        last_passed = np.where(good.any(axis=1), t[n - 1 - good[:, ::-1].argmax(axis=1)], "")
        symbols = np.array(OUTCOMES, dtype=object)
        history = [" ".join(row) for row in symbols[h].tolist()]
        parts = pd.Series(self.index[units].to_numpy(object)).str.split(SEP, n=2, expand=True, regex=False)
        out = pd.DataFrame({
            "dataset": parts[0].to_numpy(object), "resource": parts[1].to_numpy(object), "url": self.url[units],
            "check": parts[2].to_numpy(object), "outcome": symbols[latest], "since": t[n - streak], "streak": streak.astype(int),
            "first_failed": first_failed, "last_passed": last_passed, "history": history,
            "measured": self.measured[units], "evidence": self.evidence[units],
        })
        return out.sort_values(["dataset", "resource", "check"], kind="stable").reset_index(drop=True)
