"""What ships inside the odaudit package: catalogs, rubrics and the offline demo recording.

They live in `odaudit/data/` so that an installed odaudit (a wheel, pipx) finds them from any
directory, not only from a checkout. A name (`ocf-2017`, `demo-datagovtw`, `demo`) selects a
bundled file; anything that looks like a path is taken as a path.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGS = DATA_DIR / "catalogs"
RUBRICS = DATA_DIR / "rubrics"
RECORDINGS = DATA_DIR / "recordings"

#: Short names of bundled recordings, besides their folder names.
RECORDING_ALIASES = {"demo": "datagovtw-demo"}


def looks_like_path(ref: str) -> bool:
    """A reference with a folder separator or a YAML suffix, or one that exists, is a path."""
    p = Path(ref)
    return "/" in ref or "\\" in ref or p.suffix in (".yaml", ".yml") or p.exists()


def names(folder: Path, suffix: str = ".yaml") -> list[str]:
    if suffix:
        return sorted(p.stem for p in folder.glob(f"*{suffix}"))
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def resolve(ref: str, folder: Path, what: str, *, suffix: str = ".yaml", aliases: dict[str, str] | None = None) -> Path:
    """`ref` as a path when it looks like one, else the bundled file of that name."""
    if looks_like_path(ref):
        return Path(ref)
    name = (aliases or {}).get(ref, ref)
    bundled = folder / f"{name}{suffix}"
    if bundled.exists():
        return bundled
    known = ", ".join(names(folder, suffix) + sorted(aliases or {}))
    raise InputError(f"{ref}: no such {what} file or bundled {what} (bundled: {known or 'none'})")


def rubric_path(ref: str) -> Path:
    return resolve(ref, RUBRICS, "rubric")


def recording_path(ref: str | Path) -> Path:
    return resolve(str(ref), RECORDINGS, "recording", suffix="", aliases=RECORDING_ALIASES)
