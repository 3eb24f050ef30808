"""`History`: the outcome of every dataset × resource × check across many snapshots, folded in one
snapshot at a time, in memory that grows with what failed or changed, not with snapshots × size.

Per unit (dataset, resource, check) it keeps, vectorised, the first outcome seen and where the unit
was first and last seen. A unit that never failed and never changed outcome needs nothing more:
its history is that one outcome wherever it was present. Only when a unit fails or changes
("hot") does it get a row of the outcome matrix, one byte per snapshot, rebuilt from what was kept.
The rare unit that was absent and came back before it got hot keeps a list of where it was seen.

Units are integers (owner × 256 + check, see `CHECK_SLOTS`) over a vocabulary of owners (resources,
and datasets for dataset-level checks) that grows with the portal, not with the number of findings.
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

HISTORY_COLUMNS = ("dataset", "resource", "url", "check", "outcome", "since", "streak", "first_failed", "last_passed", "history")


#: a unit is owner × 256 + check (owner: the resource, or the dataset for a dataset-level check)
CHECK_SLOTS = 256
_RANK = np.array([WORST.get(c, 5) for c in range(len(OUTCOMES))])


@dataclass
class Observation:
    """One snapshot's findings (any string dtype: they are factorised, not converted row by row)
    and the URL of each resource and the page of each dataset."""

    findings: pd.DataFrame
    urls: dict[str, str]
    pages: dict[str, str]


def observe(findings: pd.DataFrame, urls: dict[str, str], pages: dict[str, str]) -> Observation:
    """A side's findings as an observation. `urls`: resource key → URL; `pages`: dataset key →
    page (the URL shown for dataset-level findings)."""
    return Observation(findings, urls, pages)


def _lookup(keys: np.ndarray, table: dict[str, str]) -> np.ndarray:
    """table[key] for each key ("" where it has none)."""
    return np.array([table.get(k, "") for k in keys.tolist()], dtype=object)


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(row codes, distinct values as objects): hashing in C, one Python object per distinct value."""
    codes, uniques = pd.factorize(column)
    return codes, np.asarray(uniques, dtype=object)


class History:
    """Fold observations in crawl order (`add`), then `frame()` the hot units."""

    def __init__(self, n_snapshots: int) -> None:
        self.n = n_snapshots
        self.k = -1
        self.ids = np.zeros(0, "int64")  # unit number of each unit, in the order units were first seen
        self._sorted = np.zeros(0, "int64")  # positions into `ids`, sorted by unit number (for searchsorted)
        self.owners: dict[str, int] = {}
        self.owner_ds = np.zeros(0, object)
        self.owner_res = np.zeros(0, object)
        self.owner_url = np.zeros(0, object)
        self.checks: list[str] = []
        self.first_code = np.zeros(0, "int8")
        self.first = np.zeros(0, "int32")
        self.last = np.zeros(0, "int32")
        self.row = np.zeros(0, "int64")  # row of the outcome matrix, -1 while not hot
        self.matrix = np.zeros((0, n_snapshots), "int8")
        self.measured = np.zeros(0, object)  # per matrix row: the latest finding's
        self.evidence = np.zeros(0, object)
        self.hot = 0
        self.seen: dict[int, list[int]] = {}  # unit → snapshots it was seen in (not hot, came back after an absence)

    def _units(self, obs: Observation) -> tuple[np.ndarray, np.ndarray]:
        """(unit of each finding, outcome code of each finding); new owners and checks join the vocabulary."""
        f = obs.findings
        ds_codes, ds_values = _codes(f["dataset"])
        res_codes, res_values = _codes(f["resource"])
        # owner: the resource, or the dataset (its own checks) as "\x00" + key, so the two never collide
        owner_of = np.where(res_values[res_codes] != "", res_codes, -1 - ds_codes)
        pairs, first, o_codes = np.unique(owner_of, return_index=True, return_inverse=True)
        names = np.array([res_values[c] if c >= 0 else "\x00" + ds_values[-1 - c] for c in pairs.tolist()], dtype=object)
        ids = np.array([self.owners.get(n, -1) for n in names.tolist()], dtype="int64")
        fresh = ids < 0
        if fresh.any():
            start = len(self.owners)
            ids[fresh] = np.arange(start, start + int(fresh.sum()))
            self.owners.update(zip(names[fresh].tolist(), ids[fresh].tolist(), strict=True))
            rows = first[fresh]
            self.owner_ds = np.concatenate([self.owner_ds, ds_values[ds_codes[rows]]])
            self.owner_res = np.concatenate([self.owner_res, res_values[res_codes[rows]]])
            self.owner_url = np.concatenate([self.owner_url, np.full(int(fresh.sum()), "", object)])
        res = self.owner_res[ids]
        is_res = res != ""
        self.owner_url[ids[is_res]] = _lookup(res[is_res], obs.urls)  # the latest
        self.owner_url[ids[~is_res]] = _lookup(self.owner_ds[ids[~is_res]], obs.pages)
        c_codes, c_values = _codes(f["check"])
        for c in c_values.tolist():
            if c not in self.checks:
                self.checks.append(str(c))
        if len(self.checks) > CHECK_SLOTS:
            raise ValueError(f"more than {CHECK_SLOTS} check ids")
        slot = np.array([self.checks.index(c) for c in c_values.tolist()], dtype="int64")
        u_codes, u_values = _codes(f["outcome"])
        outcome = np.array([CODE.get(str(v), CODE["error"]) for v in u_values.tolist()], dtype="int8")
        return ids[o_codes].astype("int64") * CHECK_SLOTS + slot[c_codes], outcome[u_codes]

    def _find(self, unit: np.ndarray) -> np.ndarray:
        """Position of each unit number in `ids`, -1 for a unit not seen before."""
        if not len(self.ids):
            return np.full(len(unit), -1, "int64")
        keys = self.ids[self._sorted]
        at = np.minimum(np.searchsorted(keys, unit), len(keys) - 1)
        return np.where(keys[at] == unit, self._sorted[at], -1)

    def _grow(self, keys: np.ndarray, codes: np.ndarray) -> None:
        m = len(keys)
        self.ids = np.concatenate([self.ids, keys])
        self._sorted = np.argsort(self.ids, kind="stable")
        self.first_code = np.concatenate([self.first_code, codes])
        self.first = np.concatenate([self.first, np.full(m, self.k, "int32")])
        self.last = np.concatenate([self.last, np.full(m, self.k - 1, "int32")])
        self.row = np.concatenate([self.row, np.full(m, -1, "int64")])

    def _heat(self, units: np.ndarray) -> None:
        """Give `units` (not hot yet) rows of the matrix, filled with what they were until now."""
        if not len(units):
            return
        need = self.hot + len(units)
        if need > len(self.matrix):
            size = max(need, 2 * len(self.matrix), 1024)
            grown = np.zeros((size, self.n), "int8")
            grown[: self.hot] = self.matrix[: self.hot]
            self.matrix = grown
            self.measured = np.concatenate([self.measured, np.full(size - len(self.measured), "", object)])
            self.evidence = np.concatenate([self.evidence, np.full(size - len(self.evidence), "", object)])
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
        unit, code = self._units(obs)
        # one row per unit; several findings of one check for one unit: the worst counts
        order = np.lexsort((_RANK[code], unit))
        sorted_units = unit[order]
        rows = order[np.r_[True, sorted_units[1:] != sorted_units[:-1]]] if len(unit) else order
        unit, code = unit[rows], code[rows]
        pos = self._find(unit)
        new = pos < 0
        if new.any():
            start = len(self.ids)
            self._grow(unit[new], code[new])
            pos[new] = np.arange(start, len(self.ids))
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
        mrow = self.row[pos[hot]]
        self.matrix[mrow, k] = code[hot]
        picked = rows[hot]  # only the hot units' evidence becomes Python objects
        self.measured[mrow] = obs.findings["measured"].iloc[picked].to_numpy(object)
        self.evidence[mrow] = obs.findings["evidence"].iloc[picked].to_numpy(object)
        self.last[pos] = k

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
        ids = self.ids[units]
        owner, check = ids // CHECK_SLOTS, ids % CHECK_SLOTS
        out = pd.DataFrame({
            "dataset": self.owner_ds[owner], "resource": self.owner_res[owner], "url": self.owner_url[owner],
            "check": np.array(self.checks, dtype=object)[check], "outcome": symbols[latest], "since": t[n - streak], "streak": streak.astype(int),
            "first_failed": first_failed, "last_passed": last_passed, "history": history,
            "measured": self.measured[self.row[units]], "evidence": self.evidence[self.row[units]],
        })
        return out.sort_values(["dataset", "resource", "check"], kind="stable").reset_index(drop=True)
