"""Ctrl-C at any moment of a command's life: one line on stderr and exit 130, never a traceback.

While the interpreter loads typer, rich, pydantic and pandas (about half a second), while the
command runs, and while the process shuts down after the work is done. Each child runs
`odaudit rubric check` on a FIFO that nobody writes: the command blocks there for ever, so
every SIGINT is sent while odaudit is alive, whatever the machine's speed. The moments are
measured from the child's import of the `odaudit` package (PYTHONVERBOSE prints it), which is
where odaudit's own code begins; before that the Python interpreter itself is starting up,
and a Ctrl-C there is Python's business, not odaudit's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MESSAGE = "odaudit: error: interrupted; finished work is kept"
TRACEBACK = "Traceback (most recent call last)"
ODAUDIT_SCRIPT = Path(sys.executable).with_name("odaudit")
#: Seconds after `import odaudit` when the SIGINT is sent: during the imports (all but the
#: last, on any machine we know) and, with a blocked command, during the work.
MOMENTS = (0.02, 0.05, 0.1, 0.2, 0.35)


def interrupt_early(cmd: list[str], fifo: Path, delay: float) -> tuple[int, str]:
    env = {**os.environ, "PYTHONVERBOSE": "1"}
    proc = subprocess.Popen([*cmd, "rubric", "check", str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen = b""
    try:
        while b"import 'odaudit' #" not in seen:  # the package's own line, not odaudit.cli's
            line = proc.stderr.readline()  # type: ignore[union-attr]
            assert line, f"the child ended before importing odaudit: {seen[-2000:]!r}"
            seen += line
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, (seen + err).decode("utf-8", "replace")


def assert_interrupted(code: int, stderr: str) -> None:
    assert TRACEBACK not in stderr, stderr[stderr.find(TRACEBACK):][:3000]
    assert code == 130, stderr[-3000:]
    # One message (PYTHONVERBOSE's own lines may run into it, so count rather than split lines).
    assert stderr.count("odaudit:") == 1 and MESSAGE in stderr, stderr[-3000:]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "rubric.yaml"
    os.mkfifo(path)
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.parametrize("delay", MOMENTS)
def test_ctrl_c_while_starting_python_m(fifo: Path, delay: float) -> None:
    assert_interrupted(*interrupt_early([sys.executable, "-m", "odaudit"], fifo, delay))


@pytest.mark.skipif(not ODAUDIT_SCRIPT.exists() or not hasattr(os, "mkfifo"), reason="needs the installed console script")
def test_ctrl_c_while_starting_console_script(fifo: Path) -> None:
    """The `odaudit` command pip installs (pyproject [project.scripts]) imports odaudit.cli
    directly, not through __main__: the same guarantee holds, a few times over."""
    assert shutil.which(str(ODAUDIT_SCRIPT))
    for delay in (*MOMENTS, *MOMENTS[:3]):
        assert_interrupted(*interrupt_early([str(ODAUDIT_SCRIPT)], fifo, delay))


SLOW_SHUTDOWN = """
import atexit, sys, time
import odaudit.scoring.lint as lint

real = lint.check_rubric

def check_rubric(*args, **kwargs):
    # Stands for slow exit work (joining check workers, flushing): an exit handler registered
    # while the command runs, so it runs once the command has returned.
    atexit.register(time.sleep, 3)
    return real(*args, **kwargs)

lint.check_rubric = check_rubric
from odaudit.cli import main
sys.argv = ["odaudit", *sys.argv[1:]]
main()
"""


def test_ctrl_c_during_shutdown_after_the_work_is_done(tmp_path: Path) -> None:
    rubric = Path(__file__).resolve().parent.parent / "odaudit" / "data" / "rubrics" / "ocf-2017.yaml"
    for _ in range(2):
        proc = subprocess.Popen([sys.executable, "-c", SLOW_SHUTDOWN, "rubric", "check", str(rubric)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            result = proc.stdout.readline()  # type: ignore[union-attr]
            assert ": ok: rubric ocf-2017" in result  # the work is done and reported
            started = time.monotonic()
            time.sleep(0.3)  # the command has returned; the process is in its (3 s) exit handlers
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert time.monotonic() - started < 2.5  # it stopped rather than finishing the slow exit
        assert_interrupted(proc.returncode, err)
