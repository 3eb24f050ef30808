"""Stages of `run_checks`, for a runner that bounds each check in time and memory (odaudit/bounded.py).

`run_checks` marks where it is: each check of the registry on each resource (or on the dataset), and
inside it each costly fact of a body (format detection, encoding detection, the table scan). A
`Guard` receives these marks. The runner's guard tells its parent process where the checks are and
how long the current resource has taken, so the parent can stop a check over its time limit by
killing the worker; the same job is then run again with that stage *stopped*: entering it raises
`OverLimit` at once, and the checks that needed it report an `error` finding that names the limit,
while every other check and resource gets its normal findings.

This base class bounds nothing: it only raises for stopped stages (and turns a `MemoryError` into
`OverLimit` when the runner set a memory limit).
"""

from __future__ import annotations

from collections.abc import Mapping

#: resource ordinal of the dataset-level checks
DATASET = -1
#: stage ids of the body facts (checks are numbered by their place in the registry)
FACT_STAGES = {"sniff": 100, "encoding": 101, "table": 102}
FACT_TEXT = {"sniff": "detecting the format", "encoding": "detecting the encoding", "table": "reading the body as a table"}
#: a stopped key (dataset, WHOLE, WHOLE): every check of that dataset is stopped
WHOLE = -2

Key = tuple[int, int, int]


class OverLimit(Exception):
    """A stage of the checks that a bounded run stopped; `limit` is "time", "memory" or "process"."""

    def __init__(self, limit: str, text: str) -> None:
        super().__init__(text)
        self.limit = limit
        self.text = text

    @property
    def measured(self) -> str:
        return {"time": "time limit", "memory": "memory limit"}.get(self.limit, "process died")


class Guard:
    """Receives the stage marks of `run_checks` (see the module docstring)."""

    def __init__(self, stopped: Mapping[Key, tuple[str, str]] | None = None, memory_mb: int | None = None) -> None:
        #: (dataset ordinal, resource ordinal, stage) → (limit, text) of the stages not to run again
        self.stopped = dict(stopped or {})
        #: the memory limit in force in this process (None: none)
        self.memory_mb = memory_mb
        #: a MemoryError was seen (the process should not be reused: its heap may be fragmented)
        self.memory_error = False
        self.ds = 0

    def dataset(self, ordinal: int) -> None:
        """The job's `ordinal`-th dataset is checked next (a job may check several)."""
        self.ds = ordinal

    def whole(self) -> OverLimit | None:
        """An OverLimit when every check of the current dataset is stopped."""
        hit = self.stopped.get((self.ds, WHOLE, WHOLE))
        return OverLimit(*hit) if hit else None

    def enter(self, res: int, stage: int, what: str) -> None:
        hit = self.stopped.get((self.ds, res, stage))
        if hit is not None:
            raise OverLimit(hit[0], f"{hit[1]} ({what})")

    def leave(self) -> None:
        pass

    def translate(self, exc: Exception, what: str) -> Exception:
        """The exception a check reports: a MemoryError under a memory limit says which limit."""
        if isinstance(exc, MemoryError) and self.memory_mb:
            self.memory_error = True
            return OverLimit("memory", f"check stopped: over the {self.memory_mb} MB memory limit ({what})")
        return exc
