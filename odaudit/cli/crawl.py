"""`odaudit crawl`: the only command that touches the network."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import typer
from rich.table import Table

from ..catalog import resolve_catalog_path
from ..errors import ExitCode, InputError, OdauditError
from ..http import FetchOptions
from ..portals import datagovtw
from . import common
from .options import json_option, out_option, print_summary, quiet_option, workers_option


def _size(text: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    try:
        if t and t[-1] in units:
            return int(float(t[:-1]) * units[t[-1]])
        return int(t)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a size like 100M, 2G or 5000000") from None


def crawl(
    catalog: str = typer.Option(None, "--catalog", "-c", help="Catalog YAML file or bundled name (default: ocf-2017)."),
    all_: bool = typer.Option(False, "--all", help="Crawl the whole portal via its bulk export (metadata for all datasets)."),
    sample: int = typer.Option(None, "--sample", min=0, help="With --all: fetch resources of N datasets drawn with --seed."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --sample draw (same seed, same sample)."),
    out: Path = out_option(required=False, help="Snapshot directory (default: snapshots/<catalog>-<date>). An unfinished crawl there is resumed; a finished snapshot is an archive and is refused."),
    since: Path = typer.Option(None, "--since", help="A previous snapshot to use as this crawl's cache: conditional requests, and bodies the servers say are unchanged are reused (the previous snapshot is only read)."),
    portal: str = typer.Option(datagovtw.DEFAULT_PORTAL, "--portal", help="Portal base URL."),
    adapter: str = typer.Option("auto", "--adapter", help="Portal type: datagovtw or ckan (default auto: data.gov.tw by its host, CKAN when /api/3/action/status_show answers as CKAN, else data.gov.tw's interface)."),
    max_bytes: str = typer.Option("100M", "--max-bytes", help="Cap on decoded bytes stored per resource; bigger ones are kept truncated and marked."),
    probe_bytes: str = typer.Option("0", "--probe-bytes", help="Fetch only the first N bytes (e.g. 1M) of files whose declared or announced size exceeds --max-bytes (a Range request, or a read that stops early); their structure and freshness findings are partial (0 = off; recorded in the manifest)."),
    per_host: int = typer.Option(4, "--per-host", min=1, help="Simultaneous requests per host."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, help="Simultaneous requests overall."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="Connect/read timeout in seconds."),
    total_timeout: float = typer.Option(300.0, "--total-timeout", min=0.1, help="Time limit for one whole response, body included."),
    retries: int = typer.Option(3, "--retries", min=0, help="Retries on timeouts, 429 and 5xx (backoff with jitter, Retry-After honoured)."),
    use_api: bool = typer.Option(True, "--api/--no-api", help="Also read each dataset's v2 API record (per-resource details)."),
    check_workers: int = workers_option("Processes running checks during the crawl or --recheck (default: CPU count - 1, at least 1; 0 = in-process, without the check limits). --check-workers is its former name.", "--check-workers"),
    check_timeout: float = typer.Option(600.0, "--check-timeout", min=0, help="Seconds the checks of one resource may take; a check over it becomes an error finding (0 = no limit; recorded in the manifest)."),
    check_memory: int = typer.Option(2048, "--check-memory", min=0, help="MB of memory a check process may use beyond its start (Linux; 0 = no limit; recorded in the manifest)."),
    row_limit: int = typer.Option(None, "--row-limit", min=1, help="Validate at most N rows per table (recorded in the manifest)."),
    replay: str = typer.Option(None, "--replay", help="Serve HTTP from a recording folder instead of the network, or the bundled recording `demo` (offline demo and tests)."),
    bodies: str = typer.Option(None, "--bodies", help="Store bodies in this folder, shared with other snapshots (reference-counted), instead of OUT/bodies. With --recheck: read the snapshot's bodies from this folder or fsspec URL (s3://, gs://, file://) instead."),
    recheck: str = typer.Option(None, "--recheck", help="Re-run today's checks on an existing snapshot (a path or file:// URL), offline; the new findings are kept beside the old ones."),
    scheduler: str = typer.Option(None, "--scheduler", help="With --recheck: run the checks on the Dask cluster of this scheduler (tcp://HOST:8786), each within the check limits (--check-workers 0: without); the workers read the bodies at the same path, or from the --bodies URL."),
    allow_missing_bodies: bool = typer.Option(False, "--allow-missing-bodies", help="With --recheck: check a snapshot whose bodies are missing or altered anyway; their body checks say 'not measured'."),
    quiet: bool = quiet_option("nor the summary; warnings are kept in manifest.json"),
    as_json: bool = json_option(),
) -> None:
    """Snapshot a catalog's datasets from the portal, fetch every resource and check it.

    \b
    Examples:
      odaudit crawl --catalog ocf-2017 --out snapshots/2026
      odaudit crawl --catalog ocf-2017 --out snapshots/2027 --since snapshots/2026
      odaudit crawl --all --sample 500 --seed 1 --out snapshots/portal-2026
      odaudit crawl --catalog demo-datagovtw --replay demo --out snapshots/demo
      odaudit crawl --recheck snapshots/2026
      odaudit crawl --recheck /shared/snapshots/2026 --scheduler tcp://10.0.0.5:8786
      odaudit crawl --recheck snapshots/2026 --bodies s3://bucket/bodies --scheduler tcp://10.0.0.5:8786
      odaudit crawl --catalog ocf-2017 --out snapshots/2027 --bodies snapshots/bodies
      odaudit crawl --portal https://demo.ckan.org --all --sample 100 --out snapshots/ckan-demo
    Exit codes: 0 complete, 2 bad usage or input (a recheck of a snapshot with missing or altered bodies), 3 could not complete (rerun to resume), 130 interrupted.
    """
    common.STATE.quiet = quiet
    from ..crawl import CrawlOptions, default_check_workers, run_crawl

    workers = default_check_workers() if check_workers is None else check_workers
    limits = common.check_limits(check_timeout, check_memory)
    if allow_missing_bodies and recheck is None:
        raise InputError("--allow-missing-bodies goes with --recheck")
    if scheduler is not None and recheck is None:
        raise InputError("--scheduler goes with --recheck (a crawl stays on one machine, for its per-host politeness)")
    if recheck is not None:
        _recheck(_snapshot_path(recheck), workers=workers, row_limit=row_limit, limits=limits, allow_missing_bodies=allow_missing_bodies,
                 quiet=quiet, as_json=as_json, scheduler=scheduler, bodies=bodies)
        return
    if bodies is not None and "://" in bodies:
        raise InputError(f"--bodies {bodies}: a crawl stores its bodies in a folder (a URL goes with --recheck)")
    if all_ and catalog:
        raise InputError("give either --catalog or --all, not both")
    if sample is not None and not all_:
        raise InputError("--sample goes with --all")
    catalog_path = None if all_ else resolve_catalog_path(catalog)
    if out is None:
        stem = "all" if all_ else catalog_path.stem  # type: ignore[union-attr]
        out = Path("snapshots") / f"{stem}-{datetime.now(UTC):%Y-%m-%d}"
    fetch = _fetch_options(max_bytes, probe_bytes, per_host=per_host, concurrency=concurrency, timeout=timeout,
                           total_timeout=total_timeout, attempts=retries + 1)
    opts = CrawlOptions(out=out, portal=portal.rstrip("/"), adapter=adapter.strip().lower(), catalog_path=catalog_path, all=all_, sample=sample,
                        seed=seed, use_api=use_api, check_workers=workers, row_limit=row_limit, replay=replay, since=since,
                        bodies=Path(bodies) if bodies is not None else None,
                        fetch=fetch, check_limits=limits)
    with common.progress(quiet) as report:
        try:
            result = run_crawl(opts, on_progress=report)
        except KeyboardInterrupt:  # before the dataset loop (catalog, bulk export): the journal is kept
            raise OdauditError(f"interrupted; finished work is kept in {out} (rerun the same command to resume)",
                               exit_code=ExitCode.INTERRUPTED) from None
    m = result.manifest
    if result.already_complete:
        if not quiet:
            common.stderr.print(f"{out}: already complete (finished the clean-up of a run that was stopped at its end)", markup=False)
        return
    if as_json:
        print_summary(True, "", _summary_data(out, result))
    elif not quiet:
        _summary(out, result)
    for w in result.warnings:
        common.warn(w)
    if result.interrupted:  # an error, not typer.Exit(130): main prints it (see cli/root.py)
        raise OdauditError(f"interrupted; {m['counts']['datasets']} datasets kept in {out} (rerun the same command to resume)",
                           exit_code=ExitCode.INTERRUPTED)
    if m["status"] != "complete":
        common.error(f"crawl incomplete: {out} is partial (rerun the same command to resume)")
        raise typer.Exit(int(ExitCode.INCOMPLETE))


def _fetch_options(max_bytes: str, probe_bytes: str, *, timeout: float, **kw: int | float) -> FetchOptions:
    probe = _size(probe_bytes)
    if probe >= _size(max_bytes):
        raise InputError(f"--probe-bytes {probe_bytes} must be smaller than --max-bytes {max_bytes} (or 0, off)")
    return FetchOptions(max_bytes=_size(max_bytes), probe_bytes=probe, connect_timeout=timeout, read_timeout=timeout, **kw)


def _snapshot_path(text: str) -> Path:
    """--recheck's snapshot: a path, or a file:// URL of one. Other storage (s3://) is refused: the
    new findings are written beside the snapshot's, atomically, which needs a file system."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return Path(text)
    if scheme.lower() != "file":
        raise InputError(f"--recheck {text}: only a path or a file:// URL (the new findings are written beside the snapshot's; "
                         "its bodies may be elsewhere: --bodies URL)")
    host, slash, path = rest.partition("/")
    if host not in ("", "localhost") or not slash:
        raise InputError(f"--recheck {text}: a file:// URL names a path on this machine (file:///PATH)")
    return Path(unquote("/" + path))


def _recheck(path: Path, *, workers: int, row_limit: int | None, limits: object, allow_missing_bodies: bool,
             quiet: bool, as_json: bool, scheduler: str | None, bodies: str | None) -> None:
    from ..checks import RULES_VERSION
    from ..crawl import recheck as do_recheck

    with common.progress(quiet) as report:
        res = do_recheck(path, workers=workers, row_limit=row_limit, limits=limits,  # type: ignore[arg-type]
                         allow_missing_bodies=allow_missing_bodies, on_progress=report, scheduler=scheduler,
                         bodies=bodies)
    if res["body_problems"]:
        common.warn(f"{len(res['body_problems'])} resource bodies missing or altered: their body checks say 'not measured'", always=True)
    what = f"added as {res['file']}; the earlier findings are kept" if res["changed"] else "the same as already recorded; nothing added"
    text = f"rechecked {path}: {res['findings']} findings with rules {RULES_VERSION} ({what})"
    if as_json:
        print_summary(True, text, {"rechecked": str(path), "findings": res["findings"], "rules_version": RULES_VERSION,
                                   "changed": res["changed"], "file": res["file"], "body_problems": len(res["body_problems"])})
    elif not quiet:
        common.stderr.print(text, markup=False)


def _summary_data(out: Path, result: object) -> dict[str, object]:
    m = result.manifest  # type: ignore[attr-defined]
    c = m["counts"]
    return {"out": str(out), "status": m["status"], "resumed": result.resumed, "catalog": m["catalog"]["name"],  # type: ignore[attr-defined]
            "portal": m["portal"], "datasets": c["datasets"], "resources": c["resources"], "bodies": c["bodies"],
            "resource_fetch": c.get("resource_fetch", {}), "findings": c["findings"], "rules_version": m.get("rules_version"),
            "started_at": m["started_at"], "finished_at": m.get("finished_at"), "warnings": result.warnings}  # type: ignore[attr-defined]


def _summary(out: Path, result: object) -> None:
    m = result.manifest  # type: ignore[attr-defined]
    c = m["counts"]
    t = Table(title=f"odaudit crawl: {out}", show_header=False, box=None)
    t.add_row("status", m["status"] + (f" (resumed after {result.resumed} datasets)" if result.resumed else ""))  # type: ignore[attr-defined]
    t.add_row("catalog", f"{m['catalog']['name']}  portal {m['portal']}")
    t.add_row("datasets", str(c["datasets"]))
    t.add_row("resources", str(c["resources"]) + f"  ({c['bodies']} bodies stored)")
    fetch = ", ".join(f"{k} {v}" for k, v in c.get("resource_fetch", {}).items())
    t.add_row("fetch outcomes", fetch or "-")
    not_found = [w.split(": ", 1)[1] for w in result.warnings if w.startswith("not found on the portal")]  # type: ignore[attr-defined]
    if not_found:
        t.add_row("not found on the portal", "; ".join(not_found))
    t.add_row("findings", f"{c['findings']} (rules {m.get('rules_version', '?')})")
    t.add_row("time", f"{m['started_at']} → {m.get('finished_at', '')}")
    common.stderr.print(t)
