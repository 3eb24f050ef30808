"""Run one piece of a report's writing in a forked child while the parent writes another.

The two cores of a small machine write at once, and the child inherits what it writes from (the
score, the view, the templates, the staging folder) without pickling anything. The users:

* `score` writes the two files of a row per finding (findings.csv, findings.jsonld: most of a
  whole portal's 500 MB) in a child begun as soon as the findings are known, while it scores
  (report/findings_files.py); and once scored, the CSV tables in another child while it draws
  the charts and writes the markdown.
* A site has two editions (English and 繁體中文) with the same pages; they share nothing but the
  view they are rendered from, so the second is rendered in a child forked from the first (a
  whole-portal site is 100,000+ pages).

The files are the same bytes whichever process writes them.

* Only on Linux, where fork is safe for what the child does (render templates, write files) and
  the default start method; elsewhere, and when asked (`ODAUDIT_SITE_WORKERS=1`, a name from when
  only the site forked), the work runs in-process, one piece after the other.
* The child's result, the hashes of the files it staged (atomic.Staging) and any exception it
  raised (a full disk, say) come back through a pipe: the exception is raised in the parent as
  if the work had run there. If the parent fails or is interrupted first, the child is stopped
  and waited for before the error goes on, so no process outlives the command; a parent that is
  killed outright takes the child with it (Linux's parent-death signal), which would otherwise
  write on into a staging folder that the next run clears away.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from ..atomic import current_staging

ENV = "ODAUDIT_SITE_WORKERS"


def can_fork() -> bool:
    """True when a piece of the writing may run in a forked child."""
    if os.environ.get(ENV, "").strip() == "1" or not sys.platform.startswith("linux"):
        return False
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


class Forked:
    """`Forked(work, what)` starts `work()` in a child; `.result()` waits for it and returns its
    value. `what` names the work in an error ("the site's second edition")."""

    def __init__(self, work: Callable[[], Any], what: str = "the site's second edition") -> None:
        self.what = what
        ctx = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is left for the child to write again
            stream.flush()
        # The objects both processes inherit leave the collector's generations until the child is
        # done: a collection would otherwise write to every one of them and copy each shared page.
        gc.freeze()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(work, send, what, os.getpid()), daemon=True)
        self._proc.start()
        send.close()

    def result(self) -> Any:
        try:
            status, value, hashes = self._recv.recv()
        except EOFError:  # the child died without a word (killed, out of memory)
            self._proc.join()
            raise OSError(f"the process writing {self.what} ended with exit code {self._proc.exitcode}") from None
        except BaseException:  # interrupted while waiting (Ctrl-C): the child stops before the staging folder is cleared
            self.stop()
            raise
        finally:
            self._recv.close()
            gc.unfreeze()
        self._proc.join()
        staging = current_staging()
        if staging is not None:
            staging.hashes.update(hashes)
        if status == "error":
            raise value
        return value

    def stop(self) -> None:
        """Stop the child (the parent failed or was interrupted) and wait for it."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._recv.close()
        gc.unfreeze()


def _die_with_parent(parent: int) -> None:
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was set
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _child(work: Callable[[], Any], send: Any, what: str, parent: int) -> None:
    _die_with_parent(parent)
    try:
        status, value = "ok", work()
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        status, value = "error", exc
    staging = current_staging()
    try:
        send.send((status, value, dict(staging.hashes) if staging is not None else {}))
    except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled: send its words
        send.send(("error", OSError(f"writing {what} failed: {exc!r}"), {}))
    finally:
        send.close()
    # leave without running the parent's atexit handlers or flushing its buffers a second time
    os._exit(0)
