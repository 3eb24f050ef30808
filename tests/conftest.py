import sys
from pathlib import Path

# tests/portal.py (the fake data.gov.tw) is imported as `portal` by tests and benchmarks.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal import fake_portal, real_portal  # noqa: E402,F401  (pytest fixtures)
