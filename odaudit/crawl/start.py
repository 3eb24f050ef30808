"""Opening a crawl's output folder: refuse what is not ours, resume what was interrupted, start anew."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_json, atomic_write_text
from ..catalog import Catalog, catalog_sha256
from ..errors import IncompleteError, InputError
from ..http import Fetcher
from ..portals import AUTO, DEFAULT_ADAPTER, adapter_for_host, ckan, get_adapter
from ..store import CATALOG_COPY, JOURNAL, JOURNAL_TRASH, MANIFEST, RUN_FILE, Snapshot, new_manifest
from ..store.bodies import remove_tree
from ..store.folders import real
from . import options
from .options import CrawlOptions
from .plan import whole_portal_catalog_text

#: the most a status_show answer may be (real ones are a few hundred bytes)
STATUS_MAX_BYTES = 1024 * 1024


def whole_catalog(opts: CrawlOptions, export_url: str, listing: str = "bulk export") -> str:
    return whole_portal_catalog_text(opts.portal, export_url, opts.sample, opts.seed, listing)


def recorded_adapter(out: Path) -> str | None:
    """The adapter of the snapshot or unfinished crawl in `out` (None when there is none)."""
    for path, inside in ((out / JOURNAL / RUN_FILE, "manifest"), (out / MANIFEST, "")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        m = doc.get(inside) if inside else doc
        if isinstance(m, dict):
            return str(m.get("adapter") or DEFAULT_ADAPTER)  # made before adapters were recorded: data.gov.tw
    return None


def resolve_adapter(opts: CrawlOptions, fetcher: Fetcher) -> tuple[str, str]:
    """The adapter of this crawl and how it was chosen (the manifest's `adapter_detection`).
    `--adapter NAME` is taken as given; otherwise a known host (data.gov.tw), else the crawl being
    resumed in --out, else the portal is asked: `/api/3/action/status_show` answering CKAN's
    envelope means CKAN, anything else keeps data.gov.tw's interface (as before adapters)."""
    if opts.adapter != AUTO:
        get_adapter(opts.adapter)  # an unknown name is refused here, before anything is written
        return opts.adapter, "given (--adapter)"
    known = adapter_for_host(opts.portal)
    if known:
        return known, "known host"
    recorded = recorded_adapter(opts.out)
    if recorded:
        return recorded, f"as recorded in {opts.out}"
    url = ckan.status_url(opts.portal)
    res, data = fetcher.get_bytes(url, max_bytes=STATUS_MAX_BYTES)
    if res.status == 200 and ckan.is_ckan_status(data):
        return ckan.NAME, f"{url} answered as CKAN"
    why = res.error["message"] if res.error else f"HTTP {res.status}"
    return DEFAULT_ADAPTER, f"{url} did not answer as CKAN ({why}); data.gov.tw's interface assumed (force one with --adapter)"


def catalog_identity(opts: CrawlOptions, catalog: Catalog | None, export_url: str,
                     listing: str = "bulk export") -> tuple[str, str]:
    """The catalog's name and hash, as the manifest records them."""
    if opts.all:
        return "all", hashlib.sha256(whole_catalog(opts, export_url, listing).encode()).hexdigest()
    assert opts.catalog_path is not None and catalog is not None
    return catalog.name, catalog_sha256(opts.catalog_path)


def finished(out: Path, cat_name: str, cat_sha: str) -> dict[str, Any] | None:
    """The manifest of a finished snapshot in `out`. A finished snapshot is an archive: a crawl of
    another catalog into it is refused, and so is one of the same catalog, unless only the clean-up
    of a run killed at its very end is left (then the manifest is returned, for the caller to
    finish that clean-up)."""
    if not (out / MANIFEST).exists():
        return None
    m = Snapshot.open(out, verify=False).manifest  # refuses another format version rather than overwrite it
    if m.get("status") != "complete":
        return None
    cat = m.get("catalog") or {}
    if cat.get("sha256") == cat_sha and cat.get("name") == cat_name and ((out / JOURNAL).exists() or (out / JOURNAL_TRASH).exists()):
        return m
    raise InputError(f"{out}: a finished snapshot (catalog {cat.get('name')!r}, crawled {m.get('started_at', '?')}) is an "
                     f"archive and is never changed; crawl into a new --out (add --since {out} to reuse it as a cache)")


def check_out_dir(out: Path) -> None:
    """Refuse an --out that is not a folder of ours; make sure we can write there."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists() and not (out / JOURNAL).exists():
        raise InputError(f"{out}: directory is not empty and not an odaudit snapshot; choose another --out")
    if (out / JOURNAL).is_symlink():  # a resume deletes journal files: never through a link
        raise InputError(f"{out / JOURNAL}: is a symbolic link; odaudit never writes or deletes through links (remove it)")


def check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise IncompleteError(f"{out}: cannot write here ({exc.strerror})") from None


def start_or_resume(out: Path, opts: CrawlOptions, cat_name: str, cat_sha: str, resuming: bool,
                    export_url: str, adapter: tuple[str, str] = (DEFAULT_ADAPTER, "default"),
                    listing: str = "bulk export") -> dict[str, Any]:
    """The run's journal/run.json: the one of the interrupted crawl to resume, or a new one."""
    run_path = out / JOURNAL / RUN_FILE
    remove_tree(out / JOURNAL_TRASH)  # left by a run killed while cleaning up
    if resuming and run_path.exists():
        run = json.loads(run_path.read_text(encoding="utf-8"))
        _check_same_crawl(out, run["manifest"], opts, cat_name, cat_sha, adapter[0])
        return run
    for name in ("datasets", "resources", "findings"):
        (out / JOURNAL / f"{name}.jsonl").unlink(missing_ok=True)
    if opts.all:
        atomic_write_text(out / CATALOG_COPY, whole_catalog(opts, export_url, listing))
    elif opts.catalog_path is not None:
        shutil.copyfile(opts.catalog_path, out / CATALOG_COPY)
    if opts.since is not None:
        _check_since(opts.since, out, adapter[0])
    manifest = new_manifest(portal=opts.portal, catalog_name=cat_name, catalog_sha256=cat_sha,
                            options=opts.as_manifest(), started_at=options.utc_now())
    manifest["adapter"], manifest["adapter_detection"] = adapter
    run = {"manifest": manifest, "export": None}
    atomic_write_json(run_path, run)
    return run


def _check_same_crawl(out: Path, m: dict[str, Any], opts: CrawlOptions, cat_name: str, cat_sha: str,
                      adapter: str) -> None:
    """A resume continues the crawl that was started, with the same catalog, portal, adapter and cache."""
    was = str(m.get("adapter") or DEFAULT_ADAPTER)
    if was != adapter:
        raise InputError(f"{out}: an unfinished crawl with the {was} adapter is here; rerun it with --adapter {was}, "
                         "or choose another --out")
    if m["catalog"]["sha256"] != cat_sha or m["catalog"]["name"] != cat_name:
        raise InputError(f"{out}: an unfinished crawl of catalog {m['catalog']['name']!r} is here; "
                         "rerun it with the same catalog, or choose another --out")
    if m["portal"] != opts.portal:
        raise InputError(f"{out}: an unfinished crawl of {m['portal']} is here; rerun it with --portal {m['portal']}")
    since = (m.get("options") or {}).get("since")
    if opts.since is not None and str(opts.since) != since:
        raise InputError(f"{out}: an unfinished crawl {'with --since ' + since if since else 'without --since'} "
                         "is here; rerun it as it was started, or choose another --out")


def _check_since(since: Path, out: Path, adapter: str) -> None:
    """The cache must be another, readable snapshot (opening it verifies its sealed files) of the
    same kind of portal: its keys are the adapter's."""
    if real(since) == real(out):
        raise InputError(f"--since {since}: is the --out folder itself; give the previous snapshot")
    m = Snapshot.open(since, allow_partial=True).manifest
    was = str(m.get("adapter") or DEFAULT_ADAPTER)
    if was != adapter:
        raise InputError(f"--since {since}: is a snapshot made with the {was} adapter, this crawl uses {adapter}; "
                         "give a snapshot of the same portal")
