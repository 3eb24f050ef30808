"""Checks in worker processes, each resource within a time limit and each worker within a memory limit.

Used by the crawl, `crawl --recheck` and `diff`'s re-check. A job is a call such as
`run_checks(dataset, resources, …)`; `BoundedPool.submit` returns a `concurrent.futures.Future`.

How a limit is enforced:

* **time**: each worker receives `run_checks`'s stage marks (checks/limits.py) through a `_SlotGuard`
  and writes a few numbers into memory it shares with its parent: which dataset of the job, which
  resource, which stage (a check, or a body fact inside it), and when that resource's time runs
  out (the limit minus what its earlier stages took). A supervisor thread in the parent kills a
  worker whose deadline has passed, starts a new one, and runs the same job again with that stage
  *stopped*: the checks that needed it get an `error` finding "check stopped: over the N s time limit
  (…)", every other check and resource its normal findings. A job is never killed twice at the same
  stage: a job still over its limit with that stage stopped (time spent outside any check) fails
  with `CheckStopped`, and its caller reports every check of the dataset as stopped.
* **memory**: the worker limits its own address space (`RLIMIT_AS`: its size at start plus the
  limit; Linux only, elsewhere no memory limit). An allocation over it raises `MemoryError` inside
  the check, which reports "check stopped: over the N MB memory limit (…)". Libraries do not always
  let that MemoryError through (frictionless turns an exception while opening a file into "invalid
  file"; expat into a parse error), so a body fact during which the process's peak address space
  came within an eighth of the limit is reported as over it too, whatever it returned. The worker
  is then replaced, and a job that hit the limit in a worker that had run other jobs before is run
  again in a new one, so the outcome does not depend on what ran before it. A worker that dies (a
  signal) is replaced and its job retried once; dying again at the same stage stops that stage.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot stop one task; a check stuck in a hostile
body held its worker for as long as the body took (20 minutes for a 1.5 KB XLSX). Why not pebble: its
per-task timeout kills a task but cannot say where the task was, so finding the guilty resource
would take one re-run per resource, and it would be one more dependency; the stage marks make the
first kill precise. Time limits are wall-clock and so depend on the machine: they are meant to be far
above what any normal body takes.

Workers ignore SIGINT (Ctrl-C is the parent's business) and exit when their parent dies (kill -9, OOM
killer): a thread watches the parent and, on Linux, the kernel sends them SIGKILL (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any

from .checks.limits import FACT_STAGES, FACT_TEXT, WHOLE, Guard, Key, OverLimit

#: default per-resource time limit (seconds) and per-worker memory limit (MB)
DEFAULT_TIME = 600.0
DEFAULT_MEMORY = 2048
#: stage value written while the worker is between checks (its time is bounded too)
UNSTAGED = -1
#: slot layout (doubles shared with the parent); SEQ is odd while the worker writes
SEQ, BUSY, DS, RES, STAGE, DEADLINE = range(6)
#: longest wait of the supervisor between two looks at the deadlines (seconds)
POLL = 0.25


@dataclass(frozen=True)
class CheckLimits:
    """Per-resource wall-clock limit (seconds) and per-worker memory limit (MB); None: no limit."""

    time_s: float | None = DEFAULT_TIME
    memory_mb: int | None = DEFAULT_MEMORY

    def as_manifest(self) -> dict[str, Any]:
        return {"check_timeout": self.time_s, "check_memory": self.memory_mb}

    def time_text(self) -> str:
        t = self.time_s or 0
        return f"check stopped: over the {int(t) if float(t).is_integer() else t} s time limit"


#: what a run without workers records: nothing bounds an in-process check
UNBOUNDED = {"check_timeout": None, "check_memory": None}


class CheckStopped(Exception):
    """A job over its limit outside any one check; `limit` and `text` as in `OverLimit`."""

    def __init__(self, limit: str, text: str) -> None:
        super().__init__(text)
        self.limit, self.text = limit, text

    def __reduce__(self) -> tuple[type[CheckStopped], tuple[str, str]]:
        # the default rebuilds an exception from its args, here (text,): one argument short
        return CheckStopped, (self.limit, self.text)

    def stopped(self) -> dict[Key, tuple[str, str]]:
        """A guard's `stopped` map that stops every check of a one-dataset job."""
        return {(0, WHOLE, WHOLE): (self.limit, self.text)}


# -- the worker side ---------------------------------------------------------------------------------


class _SlotGuard(Guard):
    """Writes where `run_checks` is, and the current resource's deadline, into the shared slot."""

    def __init__(self, slot: Any, limits: CheckLimits, stopped: dict[Key, tuple[str, str]],
                 memory: tuple[int, int] | None) -> None:
        super().__init__(stopped, memory[0] if memory else None)
        #: peak address space (bytes) past which a body fact counts as over the memory limit
        self.near_limit = memory[1] if memory else 0
        self.slot = slot
        self.limit = limits.time_s or math.inf
        #: open stages, outermost first: (resource, stage, started, deadline)
        self.stack: list[tuple[int, int, float, float]] = []
        #: seconds the outermost stages of each (dataset, resource) have taken so far
        self.spent: dict[tuple[int, int], float] = {}
        self._write(UNSTAGED, UNSTAGED, time.monotonic() + self.limit)

    def _write(self, res: int, stage: int, deadline: float) -> None:
        s = self.slot
        s[SEQ] += 1
        s[BUSY], s[DS], s[RES], s[STAGE], s[DEADLINE] = 1, self.ds, res, stage, deadline
        s[SEQ] += 1

    def dataset(self, ordinal: int) -> None:
        super().dataset(ordinal)
        self._write(UNSTAGED, UNSTAGED, time.monotonic() + self.limit)

    def enter(self, res: int, stage: int, what: str) -> None:
        super().enter(res, stage, what)  # raises for a stopped stage
        now = time.monotonic()
        deadline = self.stack[0][3] if self.stack else now + self.limit - self.spent.get((self.ds, res), 0.0)
        self.stack.append((res, stage, now, deadline))
        self._write(res, stage, deadline)

    def leave(self) -> None:
        res, stage, started, _ = self.stack.pop()
        now = time.monotonic()
        if self.stack:
            r, s, _, d = self.stack[-1]
            self._write(r, s, d)
        else:
            self.spent[(self.ds, res)] = self.spent.get((self.ds, res), 0.0) + now - started
            self._write(UNSTAGED, UNSTAGED, now + self.limit)
        if self.near_limit and stage in _FACTS and _peak_bytes() >= self.near_limit:
            self.memory_error = True
            raise OverLimit("memory", f"check stopped: over the {self.memory_mb} MB memory limit ({_FACTS[stage]})")


#: stage id → what a body fact does
_FACTS = {FACT_STAGES[name]: text for name, text in FACT_TEXT.items()}


def _peak_bytes() -> int:
    """The peak address space of this process (VmPeak), 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _die_with_parent(parent: int) -> None:
    """Exit when the parent is gone, even while a check holds the interpreter in C code."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _limit_memory(mb: int | None) -> tuple[int, int] | None:
    """Cap this process's address space at its present size + `mb`. Returns (mb, the peak address
    space past which a fact counts as over the limit), or None when no limit could be set."""
    if not mb:
        return None
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = size + mb * 2**20
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ImportError, OSError, ValueError):
        return None
    near = want - max(8 * 2**20, mb * 2**20 // 8)
    # a peak inherited from the parent (fork copies it) above that would flag every fact: then only
    # MemoryErrors that reach the checks count
    return mb, (near if _peak_bytes() < near else 0)


def _preload() -> None:
    """Import the table libraries before the memory limit: their own start (openpyxl imports numpy,
    whose OpenBLAS reserves buffers per thread) is not a check's allocation, and must not fail."""
    for name in ("frictionless", "openpyxl", "ezodf"):
        try:
            __import__(name)
        except ImportError:
            pass


def _worker_main(conn: Any, slot: Any, limits: CheckLimits, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the whole group
    _die_with_parent(parent)
    if limits.memory_mb:
        _preload()
    memory = _limit_memory(limits.memory_mb)
    jobs = 0
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if msg is None:
            os._exit(0)
        job_id, fn, args, kwargs, stopped = msg
        guard = _SlotGuard(slot, limits, stopped, memory)
        try:
            ok, payload = True, fn(*args, guard=guard, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - the parent decides; the worker goes on
            ok, payload = False, exc
        memory = guard.memory_error or isinstance(payload, MemoryError)
        slot[SEQ] += 1
        slot[BUSY] = 0
        slot[SEQ] += 1
        try:
            conn.send((job_id, ok, payload, memory, jobs == 0))
        except Exception as exc:  # noqa: BLE001 - e.g. a result that does not pickle
            conn.send((job_id, False, RuntimeError(f"the result could not be sent: {exc!r}"), memory, jobs == 0))
        jobs += 1
        if memory:  # a heap that hit the limit is not reused
            os._exit(0)


# -- the parent side ------------------------------------------------------------------------------------


@dataclass
class _Job:
    id: int
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: Future[Any]
    started: bool = False
    stopped: dict[Key, tuple[str, str]] = field(default_factory=dict)
    deaths: set[Key] = field(default_factory=set)
    #: run it again in a worker that has run nothing before (it hit the memory limit in a used one)
    fresh: bool = False


@dataclass
class _Worker:
    proc: Any
    conn: Any
    slot: Any
    job: _Job | None = None
    jobs: int = 0


def _read_slot(slot: Any) -> tuple[int, int, int, float] | None:
    """(dataset, resource, stage, deadline) of a busy worker, None when idle or being written."""
    seq = slot[SEQ]
    busy, ds, res, stage, deadline = slot[BUSY], slot[DS], slot[RES], slot[STAGE], slot[DEADLINE]
    if int(seq) % 2 or slot[SEQ] != seq or not busy:
        return None
    return int(ds), int(res), int(stage), deadline


def _signal_name(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit status {exitcode}"


class BoundedPool:
    """A process pool whose jobs are bounded by `limits` (see the module docstring)."""

    def __init__(self, workers: int, limits: CheckLimits, *, mp_context: Any = None) -> None:
        self.limits = limits
        self._ctx = mp_context or multiprocessing.get_context()
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._next = 0
        self._closing = self._cancel = False
        #: one byte in the wake pipe at most: thousands of submits must not fill it (and block)
        self._wake_pending = False
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._workers = [self._spawn() for _ in range(max(1, workers))]
        self._thread = threading.Thread(target=self._supervise, name="check-supervisor", daemon=True)
        self._thread.start()

    # -- public -----------------------------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn(*args, guard=…, **kwargs)` in a worker (`fn` must accept `guard`)."""
        fut: Future[Any] = Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("the check pool is shut down")
            self._queue.append(_Job(self._next, fn, args, kwargs, fut))
            self._next += 1
        self._wake()
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking jobs; `cancel_futures` drops the queued ones and kills the running ones."""
        with self._lock:
            self._closing = True
            if cancel_futures:
                self._cancel = True
                for job in self._queue:
                    job.future.cancel()
                self._queue.clear()
        self._wake()
        if cancel_futures and not wait:  # Ctrl-C: the workers go now, not when the supervisor looks
            for w in list(self._workers):
                w.proc.kill()
        if wait:
            self._thread.join()

    def __enter__(self) -> BoundedPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True, cancel_futures=exc[0] is not None)

    # -- supervisor thread ------------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe()
        slot = self._ctx.RawArray("d", 6)
        proc = self._ctx.Process(target=_worker_main, args=(child_end, slot, self.limits, os.getpid()),
                                 name="odaudit-check", daemon=True)
        proc.start()
        child_end.close()  # only the worker holds its end: its death reads as EOF here
        return _Worker(proc, parent_end, slot)

    def _wake(self) -> None:
        with self._lock:
            if self._wake_pending:
                return
            self._wake_pending = True
            try:
                self._wake_w.send_bytes(b"")
            except OSError:
                pass

    def _supervise(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._cancel or (self._closing and not self._queue and not any(w.job for w in self._workers)):
                        return
                    sends = self._assign()
                for w, job in sends:
                    self._send(w, job)
                objs = [self._wake_r, *(w.conn for w in self._workers), *(w.proc.sentinel for w in self._workers)]
                ready = set(wait(objs, timeout=self._timeout()))
                with self._lock:
                    self._wake_pending = False  # a submit from now on sends a new byte
                while self._wake_r.poll():
                    self._wake_r.recv_bytes()
                for w in list(self._workers):
                    if w.conn in ready or w.proc.sentinel in ready:
                        self._collect(w)
                self._enforce_deadlines()
        finally:
            self._stop_workers()

    def _assign(self) -> list[tuple[_Worker, _Job]]:
        """Idle workers take queued jobs (called with the lock held)."""
        sends = []
        for i, w in enumerate(self._workers):
            while w.job is None and self._queue:
                job = self._queue.popleft()
                if not job.started:
                    if not job.future.set_running_or_notify_cancel():
                        continue
                    job.started = True
                if job.fresh and w.jobs:
                    w.proc.kill()
                    w.proc.join()
                    w = self._workers[i] = self._spawn()
                w.job = job
                sends.append((w, job))
        return sends

    def _send(self, w: _Worker, job: _Job) -> None:
        try:
            w.conn.send((job.id, job.fn, job.args, job.kwargs, dict(job.stopped)))
        except (BrokenPipeError, ConnectionResetError, EOFError):
            pass  # the worker died: _collect sees it and retries the job
        except Exception as exc:  # noqa: BLE001 - e.g. arguments that do not pickle
            w.job = None
            job.future.set_exception(exc)

    def _timeout(self) -> float:
        now, soonest = time.monotonic(), POLL
        for w in self._workers:
            st = _read_slot(w.slot) if w.job else None
            if st is not None:
                soonest = min(soonest, st[3] - now)
        return max(0.01, soonest)

    def _collect(self, w: _Worker) -> None:
        reply = None
        try:
            if w.conn.poll():
                reply = w.conn.recv()
        except (EOFError, OSError):
            reply = None
        if reply is not None and w.job is not None and reply[0] == w.job.id:
            job, w.job = w.job, None
            w.jobs += 1
            self._finish(job, reply)
            return
        w.proc.join(timeout=1)
        if w.proc.is_alive():
            return
        job, last = w.job, _read_slot(w.slot)
        self._replace(w)
        if job is not None:
            self._died(job, last, _signal_name(w.proc.exitcode))

    def _finish(self, job: _Job, reply: tuple[Any, ...]) -> None:
        _, ok, payload, memory, fresh = reply
        if memory and not fresh:
            job.fresh = True
            self._requeue(job)
        elif ok:
            job.future.set_result(payload)
        else:
            job.future.set_exception(payload)

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for w in list(self._workers):
            st = _read_slot(w.slot) if w.job else None
            if st is None or now <= st[3] or w.conn.poll():  # a reply already sent is taken, not lost
                continue
            job = w.job
            w.proc.kill()
            w.proc.join()
            self._replace(w)
            assert job is not None
            self._stop(job, st, ("time", self.limits.time_text()))

    def _died(self, job: _Job, last: tuple[int, int, int, float] | None, how: str) -> None:
        key = self._key(job, last)
        if key not in job.deaths:
            job.deaths.add(key)
            self._requeue(job)  # once more: it may have been something else (the OOM killer)
            return
        why = ("process", f"check stopped: its process died ({how})")
        self._stop(job, last, why)

    def _key(self, job: _Job, st: tuple[int, int, int, float] | None) -> Key:
        if st is None:
            return (0, WHOLE, WHOLE)
        ds, res, stage, _ = st
        return (ds, WHOLE, WHOLE) if stage == UNSTAGED else (ds, res, stage)

    def _stop(self, job: _Job, st: tuple[int, int, int, float] | None, why: tuple[str, str]) -> None:
        key = self._key(job, st)
        if key in job.stopped:  # over the limit again with that stage stopped: outside any check
            job.future.set_exception(CheckStopped(*why))
            return
        job.stopped[key] = why
        self._requeue(job)

    def _requeue(self, job: _Job) -> None:
        with self._lock:
            if self._cancel:
                job.future.set_exception(CancelledError())
                return
            self._queue.appendleft(job)

    def _replace(self, w: _Worker) -> None:
        w.conn.close()
        with self._lock:
            stop = self._cancel
        i = self._workers.index(w)
        if stop:
            self._workers.pop(i)
        else:
            self._workers[i] = self._spawn()

    def _stop_workers(self) -> None:
        for w in self._workers:
            if w.job is not None or self._cancel:
                w.proc.kill()
            else:
                try:
                    w.conn.send(None)
                except OSError:
                    w.proc.kill()
        for w in self._workers:
            w.proc.join(timeout=5)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()
            w.conn.close()
            if w.job is not None and not w.job.future.done():
                w.job.future.set_exception(CancelledError())
        self._workers = []
