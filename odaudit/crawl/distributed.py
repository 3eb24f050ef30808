"""The re-check's work units on a Dask distributed cluster: `crawl --recheck SNAPSHOT --scheduler ADDRESS`.

`DaskExecutor` is an `Executor` of crawl/rechecker.py: the Rechecker cuts each side into `Chunk`s
(datasets with their resource lines) and submits `check_chunk` here; the results are taken in
submission order, so the findings are the same bytes as a local re-check's whatever order the
workers finish in. Only the check stage (and the verification of the bodies before it,
`body_problems`) runs on the cluster: this process reads the records and writes the findings
(atomically, beside the earlier ones). The crawl itself
never runs here: per-host politeness (--per-host, Retry-After) needs one process that sees every
request to a host.

What runs where, and what the workers need:

* the workers read the bodies themselves: at the body store's path as this process sees it (made
  absolute), so the store must be on storage every worker mounts at the same path (NFS, a cluster
  file system); or, given `--bodies URL`, through fsspec (odaudit/store/remote_bodies.py: each
  worker copies a body to its own temporary folder, verified, for the checks' time). The snapshot
  folder (records, manifest, the findings written) is local to this process either way;
* every worker must run the same odaudit (version and rules) as this process: checked when
  connecting (`_about`), since different code would give different findings;
* the check limits: with limits (`--check-workers` not 0), each unit runs on its worker in a
  one-process `BoundedPool` (odaudit/bounded.py), so --check-timeout and --check-memory are
  enforced there exactly as locally: a resource over its time is killed and reported, the memory
  limit is the child's own address space. That child is forked from the Dask worker, which must
  therefore not be a daemonic process (a nanny's worker is one unless the worker is started with
  DASK_DISTRIBUTED__WORKER__DAEMON=False); checked when connecting. Without limits (`--check-workers
  0`) a unit runs in the worker's own thread: nothing stops a check stuck in a hostile body, and
  Dask's own memory limit of the worker (its nanny) is the only one;
* a worker that dies mid-unit (a signal, the machine lost): Dask runs the unit again on another
  worker, up to its `distributed.scheduler.allowed-failures`; then the recheck stops (exit 3) and
  nothing is written.

Why Dask rather than Ray: pure-Python wheels on PyPI (`pip install "odaudit[distributed]"`), a
`LocalCluster` on loopback for the tests, no daemon to install (`dask scheduler` and `dask worker`
are plain processes), and fsspec, through which object storage would come, is Dask's own storage
layer (`--bodies s3://…` comes through it).
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..bounded import UNBOUNDED, BoundedPool, CheckLimits
from ..checks import RULES_VERSION
from ..errors import IncompleteError, InputError
from ..model.bodies import BodyProblem, BodyStore, verify_bodies
from ..store.remote_bodies import RemoteBodyStore
from .rechecker import CHUNK, Result, for_workers

#: Dask's own default port and the schemes of its comms that reach another machine
DEFAULT_PORT = 8786
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
#: seconds to reach the scheduler, and then for a first worker to be there (unless Dask's
#: distributed.comm.timeouts.connect is set, e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=3s)
CONNECT_TIMEOUT = 10.0
#: units per worker thread: enough to even out slow and fast chunks, few enough to keep the overhead low
UNITS_PER_THREAD = 4
#: resources per unit of the body verification at most
VERIFY_CHUNK = 5000


def parse_address(text: str) -> str:
    """`[scheme://]host[:port]` as a Dask address (tcp and port 8786 by default); InputError if malformed."""
    raw = text.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep:
        scheme, rest = "tcp", raw
    bad = InputError(f"--scheduler {text!r}: not a Dask scheduler address (like tcp://HOST:{DEFAULT_PORT})")
    if scheme.lower() not in SCHEMES or not rest or any(c in rest for c in "/?#@ "):
        raise bad
    try:
        parts = urlsplit(f"{scheme.lower()}://{rest}")
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise bad from None
    host = parts.hostname
    if not host:
        raise bad
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def _about() -> dict[str, Any]:
    """What a worker runs (compared with this process's when connecting)."""
    return {"odaudit": __version__, "rules": RULES_VERSION, "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
            "daemon": bool(multiprocessing.current_process().daemon)}


def _on_worker(fn: Callable[..., Result], args: tuple[Any, ...], limits: CheckLimits | None) -> Any:
    """One unit on a worker (a CheckStopped raised there reaches the client as itself)."""
    if limits is None:
        return fn(*args)
    methods = multiprocessing.get_all_start_methods()
    pool = BoundedPool(1, limits, mp_context=multiprocessing.get_context("fork" if "fork" in methods else None))
    try:
        return pool.submit(fn, *args).result()
    finally:
        pool.shutdown(wait=True)


class _Pending:
    """A submitted unit; `result()` gives its result or raises what the Rechecker expects."""

    def __init__(self, executor: DaskExecutor, future: Any) -> None:
        self.executor, self.future = executor, future

    def result(self) -> Result:
        from distributed.scheduler import KilledWorker

        try:
            value = self.future.result()
        except KilledWorker:
            raise IncompleteError(f"{self.executor.address}: the Dask workers running a part of the re-check died, and "
                                  "died again each time Dask ran it anew; nothing was written") from None
        except (OSError, TimeoutError) as exc:
            raise IncompleteError(f"{self.executor.address}: lost the Dask scheduler ({exc}); nothing was written") from None
        return value  # type: ignore[no-any-return]


class DaskExecutor:
    """The re-check's units on the Dask cluster whose scheduler is at `address` (see the module
    doc). `limits`: the check limits each unit runs within on its worker; None, unbounded."""

    def __init__(self, address: str, limits: CheckLimits | None, *, timeout: float | None = None) -> None:
        self.address = parse_address(address)
        self.limits = limits
        self.bounded = limits is not None
        try:
            import dask
            import distributed
        except ImportError:
            raise InputError("--scheduler needs Dask: pip install 'odaudit[distributed]'") from None
        # Dask logs to stderr; its warnings (an event loop slow under load, a worker being replaced)
        # are not the user's business and would break odaudit's one line per error
        logging.getLogger("distributed").setLevel(logging.ERROR)
        if timeout is None:  # Dask's own setting when someone set it (its default, 30 s, is long for a mistyped port)
            configured = dask.config.get("distributed.comm.timeouts.connect")
            timeout = CONNECT_TIMEOUT if configured == "30s" else dask.utils.parse_timedelta(configured)
        self._pending: list[Any] = []
        self.client: Any = None
        try:
            self.client = distributed.Client(self.address, timeout=timeout, set_as_default=False)
            self.client.wait_for_workers(1, timeout=timeout)
            about = self.client.run(_about)
        except (OSError, TimeoutError) as exc:
            self.shutdown()
            raise IncompleteError(f"{self.address}: cannot reach a Dask scheduler with workers ({_reason(exc)}); "
                                  "nothing was rechecked") from None
        except Exception as exc:  # noqa: BLE001 - e.g. a worker without odaudit cannot unpickle _about
            self.shutdown()
            raise IncompleteError(f"{self.address}: a Dask worker cannot run odaudit ({type(exc).__name__}: {exc}); "
                                  f"install odaudit {__version__} on every worker") from None
        self.threads = max(1, sum(self.client.nthreads().values()))
        self._refuse_unlike(about)

    def _refuse_unlike(self, about: dict[str, dict[str, Any]]) -> None:
        mine = _about()
        for worker, theirs in sorted(about.items()):
            for key in ("odaudit", "rules", "python"):
                if theirs.get(key) != mine[key]:
                    self.shutdown()
                    raise IncompleteError(f"{self.address}: Dask worker {worker} runs {key} {theirs.get(key)}, this odaudit "
                                          f"{mine[key]}: its findings could differ; run the same odaudit on every worker")
            if self.bounded and theirs.get("daemon"):
                self.shutdown()
                raise IncompleteError(f"{self.address}: Dask worker {worker} is a daemonic process and cannot start the process "
                                      "that enforces --check-timeout and --check-memory: start the workers with "
                                      "DASK_DISTRIBUTED__WORKER__DAEMON=False, or pass --check-workers 0 (no check limits)")

    def manifest(self) -> dict[str, Any]:
        """How the recheck ran, for its manifest entry (the address is left out: it says nothing about the findings)."""
        return {**(self.limits.as_manifest() if self.limits else UNBOUNDED), "executor": "dask"}

    def chunk_size(self, datasets: int) -> int:
        return max(1, min(CHUNK, -(-datasets // (self.threads * UNITS_PER_THREAD))))

    def submit(self, fn: Callable[..., Result], *args: Any) -> _Pending:
        # pure=False: two units are never merged by Dask, even with equal arguments
        fut = self.client.submit(_on_worker, fn, args, self.limits, pure=False)
        self._pending.append(fut)
        return _Pending(self, fut)

    def body_problems(self, store: BodyStore | RemoteBodyStore, records: list[dict[str, Any]],
                      on_progress: Callable[[int, int], None] | None = None) -> list[tuple[str, BodyProblem]]:
        """`verify_bodies` on the workers (the bodies are read and hashed there, not here): the
        same problems in the same (record) order."""
        store = for_workers(store)
        # what verify_bodies reads of a record, and no more (a record can be large, or deeply nested)
        with_body = [{"key": r.get("key", ""), "body": r["body"], "sha256": r.get("sha256"), "bytes": r.get("bytes")}
                     for r in records if r.get("body")]
        step = max(1, min(VERIFY_CHUNK, -(-len(with_body) // (self.threads * UNITS_PER_THREAD))))
        units = [(min(lo + step, len(with_body)), self._submit(verify_bodies, store, with_body[lo:lo + step]))
                 for lo in range(0, len(with_body), step)]
        problems: list[tuple[str, BodyProblem]] = []
        for done, unit in units:
            problems += unit.result()  # type: ignore[arg-type]
            if on_progress is not None:
                on_progress(done, len(with_body))
        return problems

    def _submit(self, fn: Callable[..., Any], *args: Any) -> _Pending:
        fut = self.client.submit(_on_worker, fn, args, None, pure=False)  # reading and hashing: no check limits
        self._pending.append(fut)
        return _Pending(self, fut)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Drop the units not taken yet (a unit running on a worker finishes there, unused) and disconnect."""
        if self.client is None:
            return
        try:
            if cancel_futures and self._pending:
                self.client.cancel(self._pending)
            self.client.close(timeout=5 if wait else 1)
        except Exception:  # noqa: BLE001,S110 - disconnecting from a scheduler already gone
            pass
        self.client, self._pending = None, []


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
