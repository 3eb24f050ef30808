import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

# The columnar store (odaudit/columnar.py) of every test run, and of the odaudit processes the
# tests start, goes to a private folder, never to the user's cache.
os.environ["ODAUDIT_CACHE_DIR"] = _CACHE = tempfile.mkdtemp(prefix="odaudit-test-cache-")
atexit.register(shutil.rmtree, _CACHE, True)

# tests/portal.py (the fake data.gov.tw) is imported as `portal` by tests and benchmarks.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal import fake_portal, real_portal  # noqa: E402,F401  (pytest fixtures)
