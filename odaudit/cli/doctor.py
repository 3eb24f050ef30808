"""`odaudit doctor`: has the portal changed under odaudit? A handful of requests, one screen."""

from __future__ import annotations

import json

import typer
from rich.markup import escape

from ..http import FetchOptions
from ..portals import datagovtw
from . import common

_STYLE = {"info": "dim", "drift": "yellow", "unusable": "bold red"}
_VERDICT_TEXT = {
    "ok": "ok: the portal answers as odaudit expects; crawl away",
    "drift": "drift: the portal has changed; odaudit copes as said below (read it before a yearly crawl)",
    "unusable": "unusable: odaudit cannot crawl this portal as it is",
}


def doctor(
    portal: str = typer.Option(datagovtw.DEFAULT_PORTAL, "--portal", help="Portal base URL."),
    sample: int = typer.Option(5, "--sample", min=0, help="Datasets whose API answers are probed (drawn with --seed)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --sample draw (same seed, same datasets)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout instead of the screen."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="Connect/read timeout in seconds."),
    retries: int = typer.Option(1, "--retries", min=0, help="Retries on timeouts, 429 and 5xx."),
) -> None:
    """Probe a portal with a handful of requests and say whether odaudit still reads it right.

    \b
    Requests, one at a time (--sample + 3 in all): CKAN's status_show,
    the bulk export, the dataset API of --sample datasets, one dataset page.
    Compared with what the adapter expects:
      export columns: missing, renamed (with the likely match), new;
      the export's encoding, delimiter and BOM;
      the API's envelope, keys and the shape of its resource list;
      品質檢測, 更新頻率, 授權方式, 檔案格式 values odaudit does not understand;
      date formats;
      a CKAN portal (its version, whether search works): not crawlable yet.
    Run it before a yearly crawl (README: "Before a yearly crawl").

    \b
    Examples:
      odaudit doctor
      odaudit doctor --sample 20 --seed 7
      odaudit doctor --portal http://127.0.0.1:8000 --json > doctor.json
    Exit codes: 0 ok, 1 drift, 2 unusable (or bad usage), 3 the portal could not be reached.
    """
    from ..doctor import EXIT_CODES, run_doctor
    from ..errors import InputError
    from ..http import Fetcher

    if not portal.lower().startswith(("http://", "https://")):
        raise InputError(f"--portal {portal!r}: not an http(s) URL (e.g. https://data.gov.tw)")

    options = FetchOptions(per_host=1, concurrency=1, connect_timeout=timeout, read_timeout=timeout,
                           total_timeout=max(300.0, timeout), attempts=retries + 1)
    with Fetcher(options) as fetcher:
        if as_json:
            result = run_doctor(portal, fetcher, sample=sample, seed=seed)
        else:
            with common.stderr.status(f"probing {portal} …"):
                result = run_doctor(portal, fetcher, sample=sample, seed=seed)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _screen(result)
    raise typer.Exit(EXIT_CODES[result["verdict"]])


def _screen(result: dict) -> None:
    """One screen: the verdict, then each observation (worst first) and what odaudit does."""
    out = common.stdout
    requests = result.get("requests")
    out.print(f"odaudit doctor: {result['portal']}" + (f"  ({requests} requests)" if requests else ""), markup=False)
    verdict = result["verdict"]
    out.print(f"[{'bold green' if verdict == 'ok' else _STYLE[verdict]}]verdict: {escape(_VERDICT_TEXT[verdict])}[/]")
    order = {"unusable": 0, "drift": 1, "info": 2}
    for o in sorted(result["observations"], key=lambda o: order[o["severity"]]):  # stable: areas stay in order
        style = _STYLE[o["severity"]]
        out.print(f"[{style}]{o['severity']:<8}[/] {o['area']:<10} {escape(o['what'])}")
        out.print(f"{'':<20}→ {escape(o['action'])}", style="dim" if o["severity"] == "info" else None)
    if any(o["area"] == "vocabulary" for o in result["observations"]):
        out.print("To teach odaudit a vocabulary value: README, \"Adding a vocabulary value\".", markup=False)
