"""`odaudit rubric init|import|check`: create, import and lint rubric YAML files."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ..atomic import atomic_write_text
from . import common

app = typer.Typer(help="Create, import and check rubric YAML files.", no_args_is_help=True)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        atomic_write_text(out, text)
        common.stderr.print(f"wrote {out}", markup=False, highlight=False)


@app.command("init")
def init(
    snapshot: Path = typer.Argument(..., help="Snapshot directory from `odaudit crawl`."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Rubric file to write (default: stdout)."),
    method: str = typer.Option("flat", "--method", help="flat (OCF 2014-2016) or odb (ODB chaining)."),
    name: str | None = typer.Option(None, "--name", help="Rubric name (default: the catalog's)."),
    catalog: str | None = typer.Option(None, "--catalog", help="What to write as `catalog:` (default: the snapshot's catalog: its bundled name, `all` for the whole portal, else the path of the snapshot's catalog.yaml)."),
) -> None:
    """Write a rubric template prefilled with the snapshot's automated answers and evidence."""
    from ..catalog import load_catalog
    from ..errors import InputError
    from ..scoring.engine import score_snapshot
    from ..scoring.prefill import catalog_reference, prefilled_rubric
    from ..scoring.rubric import rubric_from_dict
    from ..snapshot import Snapshot

    if method not in ("flat", "odb"):
        raise InputError(f"--method {method}: use flat or odb")
    snap = Snapshot.open(snapshot, allow_partial=True)
    catalog_ref = catalog
    cat = load_catalog(snap.catalog_path())
    ref = catalog_ref or catalog_reference(snap, out.parent if out else Path.cwd())
    probe = rubric_from_dict({"name": name or cat.name, "catalog": ref, "method": method,
                              "weights": {"readiness": 0, "implementation": 1, "impact": 0}})
    result = score_snapshot(snap, probe, cat)
    _emit(prefilled_rubric(result, name=name or cat.name, catalog_ref=ref, method=method), out)


@app.command("import")
def import_(
    sheet: Path = typer.Argument(..., help="Survey sheet as UTF-8 CSV (headers like '3. 是否為機器可讀')."),
    catalog: str | None = typer.Option(None, "--catalog", help="Bundled catalog name or catalog YAML path (default: ocf-2017)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Rubric file to write (default: stdout)."),
    name: str | None = typer.Option(None, "--name", help="Rubric name (default: <catalog>-<sheet name>)."),
) -> None:
    """Convert a survey spreadsheet into a rubric whose answers are all manual."""
    from ..catalog import DEFAULT_CATALOG, load_catalog, resolve_catalog_path
    from ..scoring.importer import import_survey

    path = resolve_catalog_path(catalog)
    cat = load_catalog(path)
    is_path = catalog is not None and (Path(catalog).suffix in (".yaml", ".yml") or Path(catalog).exists())
    ref = os.path.relpath(path.resolve(), (out.parent if out else Path.cwd()).resolve()) if is_path else (catalog or DEFAULT_CATALOG)
    result = import_survey(sheet, cat, catalog_ref=ref, name=name)
    for c in result.columns:
        common.stderr.print(f"column {c.index + 1} {c.header!r} -> {c.role}", markup=False, highlight=False)
    for u in result.unmatched:
        common.warn(u)
    for w in result.warnings:
        common.warn(w)
    common.stderr.print(f"{result.matched} of {result.rows} rows matched catalog {cat.name}", markup=False, highlight=False)
    _emit(result.text, out)


@app.command("check")
def check(rubric: Path = typer.Argument(..., help="Rubric YAML to lint.")) -> None:
    """Validate a rubric (schema, weights, reasons, dataset keys) without scoring."""
    from ..scoring.lint import check_rubric
    from ..scoring.rubric import load_rubric

    rub = load_rubric(rubric)
    summary = check_rubric(rub, rub.resolve_catalog())
    of = (f"of {summary.datasets_in_catalog} datasets" if summary.datasets_in_catalog is not None
          else "datasets (whole portal: `odaudit score` matches them with the snapshot's)")
    common.stdout.print(
        f"{rubric}: ok: rubric {summary.name}, method {summary.method}, catalog {summary.catalog}; "
        f"{summary.manual_answers} manual answers on {summary.datasets_answered} {of}; "
        f"{summary.items_answered} of {summary.items_total} judged items answered",
        markup=False, highlight=False,
    )
