"""`odaudit rubric init|import|export|merge|check`: create, import, export, merge and lint rubric files."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ..atomic import atomic_write_text
from ..errors import IncompleteError, InputError
from . import common

app = typer.Typer(help="Create, import and check rubric YAML files.", no_args_is_help=True)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        atomic_write_text(out, text)
    except OSError as exc:
        raise IncompleteError(f"{exc.filename or out}: {exc.strerror or exc}; nothing was written") from None
    common.stderr.print(f"wrote {out}", markup=False, highlight=False)


def _refuse_existing(out: Path | None, *, force: bool, update_hint: bool) -> None:
    """A rubric is a researcher's work: never overwritten unless asked."""
    if out is None or force or not out.exists():
        return
    if out.is_dir():
        raise InputError(f"{out}: is a directory; give a rubric file name")
    how = "--update merges the new automated answers into it, keeping every manual answer; " if update_hint else ""
    raise InputError(f"{out}: exists (a rubric being filled in?); {how}--force overwrites it; or choose another --out")


@app.command("init")
def init(
    snapshot: Path = typer.Argument(..., help="Snapshot directory from `odaudit crawl`."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Rubric file to write (default: stdout)."),
    method: str = typer.Option("flat", "--method", help="flat (OCF 2014-2016) or odb (ODB chaining)."),
    name: str | None = typer.Option(None, "--name", help="Rubric name (default: the catalog's)."),
    catalog: str | None = typer.Option(None, "--catalog", help="What to write as `catalog:` (default: the snapshot's catalog: its bundled name, `all` for the whole portal, else the path of the snapshot's catalog.yaml)."),
    update: bool = typer.Option(False, "--update", help="--out exists: refresh its automated answers and evidence, keep every manual answer, reason, judgment, comment and link, and print what changed."),
    force: bool = typer.Option(False, "--force", help="--out exists: overwrite it."),
) -> None:
    """Write a rubric template prefilled with the snapshot's automated answers and evidence.

    \b
    An existing --out is never overwritten unless asked: --update merges, --force overwrites.
    Examples:
      odaudit rubric init snapshots/2026 --out rubrics/2026.yaml
      odaudit rubric init snapshots/2027 --out rubrics/2026.yaml --update
    """
    from ..catalog import load_catalog
    from ..scoring.engine import score_snapshot
    from ..scoring.prefill import catalog_reference, prefilled_rubric
    from ..scoring.rubric import rubric_from_dict
    from ..scoring.update import dataset_refs, merge
    from ..store import Snapshot

    if method not in ("flat", "odb"):
        raise InputError(f"--method {method}: use flat or odb")
    if update and force:
        raise InputError("give --update or --force, not both")
    if update and (out is None or not out.exists()):
        raise InputError(f"--update: {out if out is not None else '(no --out)'}: no such rubric to update")
    _refuse_existing(out, force=force or update, update_hint=True)
    snap = Snapshot.open(snapshot, allow_partial=True)
    catalog_ref = catalog
    cat = load_catalog(snap.catalog_path())
    ref = catalog_ref or catalog_reference(snap, out.parent if out else Path.cwd())
    probe = rubric_from_dict({"name": name or cat.name, "catalog": ref, "method": method,
                              "weights": {"readiness": 0, "implementation": 1, "impact": 0}})
    result = score_snapshot(snap, probe, cat)
    text = prefilled_rubric(result, name=name or cat.name, catalog_ref=ref, method=method)
    if update:
        assert out is not None
        merged = merge(out, text, dataset_refs(result))
        for note in merged.notes:
            common.warn(note)
        for change in merged.changes:
            common.stderr.print(f"changed: {change}", markup=False, highlight=False)
        if merged.added:
            common.stderr.print(f"added empty manual entries for {len(merged.added)} datasets: {', '.join(merged.added)}",
                                markup=False, highlight=False)
        if merged.listed:
            common.warn(f"datasets that need manual answers, not added because `datasets:` is not the last key: {', '.join(merged.listed)}")
        common.stderr.print(f"{len(merged.changes)} automated answers changed; every manual answer kept", markup=False, highlight=False)
        text = merged.text
    _emit(text, out)


@app.command("import")
def import_(
    sheet: Path = typer.Argument(..., help="A reviewer sheet from `rubric export` (.xlsx or .csv), a long survey sheet (place, question id, response, justification), or a wide survey sheet as UTF-8 CSV (headers like '3. 是否為機器可讀')."),
    catalog: str | None = typer.Option(None, "--catalog", help="Bundled catalog name or catalog YAML path (default: ocf-2017; odb-2014 for a long ODB sheet; a reviewer sheet names its own)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Rubric file to write (default: stdout)."),
    name: str | None = typer.Option(None, "--name", help="Rubric name (default: <catalog>-<sheet name>)."),
    place: str | None = typer.Option(None, "--place", help="Long sheet: the place (country) whose answers to import."),
    force: bool = typer.Option(False, "--force", help="--out exists: overwrite it."),
) -> None:
    """Convert a sheet into a rubric: a reviewer sheet back into the rubric it was exported from
    (with the reviewer's answers), or a survey sheet into a rubric whose answers are all manual.

    \b
    Examples:
      odaudit rubric import survey-2016.csv --catalog ocf-2017 --out rubrics/2016.yaml
      odaudit rubric import sheets/reviewer-a.xlsx --out rubrics/reviewer-a.yaml
      odaudit rubric import odb-raw.csv --place Argentina --out rubrics/argentina.yaml
    """
    from ..scoring import longsheet, sheets

    _refuse_existing(out, force=force, update_hint=False)
    if sheets.is_reviewer_sheet(sheet):
        _import_reviewer(sheet, out, catalog=catalog, name=name, place=place)
        return
    from ..catalog import DEFAULT_CATALOG, load_catalog, resolve_catalog_path

    long_form = longsheet.is_long_sheet(sheet)
    if place is not None and not long_form:
        raise InputError(f"--place: {sheet} is not a long sheet (place, question id, response, justification)")
    default = longsheet.DEFAULT_CATALOG if long_form else DEFAULT_CATALOG
    path = resolve_catalog_path(catalog or default)
    cat = load_catalog(path)
    is_path = catalog is not None and (Path(catalog).suffix in (".yaml", ".yml") or Path(catalog).exists())
    ref = os.path.relpath(path.resolve(), (out.parent if out else Path.cwd()).resolve()) if is_path else (catalog or default)
    if long_form:
        result = longsheet.import_long(sheet, cat, catalog_ref=ref, place=place, name=name)
    else:
        from ..scoring.importer import import_survey

        result = import_survey(sheet, cat, catalog_ref=ref, name=name)
    for c in result.columns:
        common.stderr.print(f"column {c.index + 1} {c.header!r} -> {c.role}", markup=False, highlight=False)
    for u in result.unmatched:
        common.warn(u)
    for w in result.warnings:
        common.warn(w)
    common.stderr.print(f"{result.matched} of {result.rows} rows matched catalog {cat.name}", markup=False, highlight=False)
    _emit(result.text, out)


def _import_reviewer(sheet: Path, out: Path | None, *, catalog: str | None, name: str | None, place: str | None) -> None:
    from ..scoring.sheets import import_reviewer_sheet
    from ..scoring.writer import rubric_yaml

    if place is not None or name is not None:
        raise InputError(f"{sheet}: a reviewer sheet carries its rubric's name and catalog; --place and --name do not apply")
    rub, facts = import_reviewer_sheet(sheet, out=out)
    if catalog is not None:
        from ..catalog import load_catalog, resolve_catalog_path

        given = load_catalog(resolve_catalog_path(catalog)).name
        own = facts["catalog"].name if facts["catalog"] is not None else rub.catalog
        if given != own:
            raise InputError(f"--catalog {catalog}: the sheet is of catalog {own}, not {given}")
    text = rubric_yaml(rub, notes=[f"Imported from the reviewer sheet {sheet.name} by `odaudit rubric import`."])
    common.stderr.print(f"{facts['answers']} manual answers on {facts['datasets']} datasets, {facts['items']} judged items",
                        markup=False, highlight=False)
    _emit(text, out)


@app.command("export")
def export(
    rubric: Path = typer.Argument(..., help="Rubric YAML file (or a bundled rubric by name)."),
    out: Path = typer.Option(..., "--out", "-o", help="Reviewer sheet to write: X.xlsx, or X.csv (with X.judged.csv and X.rubric.csv beside it)."),
    snapshot: Path | None = typer.Option(None, "--snapshot", help="Snapshot whose automated answers and evidence prefill the sheet."),
    force: bool = typer.Option(False, "--force", help="--out exists: overwrite it."),
) -> None:
    """Write the sheet a reviewer works in: one row per dataset, the automated answers and their
    evidence prefilled and protected, columns for the reviewer's answers and reasons, and the
    readiness and impact items on a sheet of their own. `rubric import` reads it back.

    \b
    Examples:
      odaudit rubric export ocf-2017 --out sheets/reviewer-a.xlsx
      odaudit rubric export rubrics/2026.yaml --snapshot snapshots/2026 --out sheets/reviewer-a.csv
    """
    from ..scoring import sheets
    from ..scoring.rubric import load_rubric

    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(f"--out {out}: name an .xlsx or a .csv file")
    targets = [out] if suffix == ".xlsx" else list(sheets.csv_paths(out).values())
    for t in targets:
        _refuse_existing(t, force=force, update_hint=False)
    rub = load_rubric(rubric)
    catalog = rub.resolve_catalog()
    result = None
    if snapshot is not None:
        from ..scoring.engine import score_snapshot
        from ..store import Snapshot

        result = score_snapshot(Snapshot.open(snapshot, allow_partial=True), rub, catalog)
    tables = sheets.reviewer_sheet(rub, catalog, result)
    try:
        written = sheets.write_xlsx(tables, out) if suffix == ".xlsx" else sheets.write_csv(tables, out)
    except OSError as exc:
        raise IncompleteError(f"{exc.filename or out}: {exc.strerror or exc}; nothing was written") from None
    for p in written:
        common.stderr.print(f"wrote {p}", markup=False, highlight=False)
    common.stderr.print(f"{len(tables[0].rows)} datasets, {len(tables[1].rows)} judged items", markup=False, highlight=False)


@app.command("merge")
def merge(
    rubrics: list[Path] = typer.Argument(..., help="Two or more reviewers' rubric files of the same catalog (reviewers are named by their file names)."),
    out: Path = typer.Option(..., "--out", "-o", help="Merged rubric to write; OUT.agreement.csv and OUT.disagreements.csv are written beside it."),
    resolve: str = typer.Option("unresolved", "--resolve", help="How a disagreement is settled: majority, first (the first rubric given that answers it) or unresolved (left unanswered and listed)."),
    adjudicator: Path | None = typer.Option(None, "--adjudicator", help="An adjudicator's rubric: its answer settles a disagreement where it gives one (else --resolve applies)."),
    name: str | None = typer.Option(None, "--name", help="Name of the merged rubric (default: <first rubric's name>-merged)."),
    force: bool = typer.Option(False, "--force", help="--out or its CSVs exist: overwrite them."),
) -> None:
    """Merge reviewers' rubrics into one, with their agreement (percent and Krippendorff's alpha)
    per question and overall, and every disagreement with each reviewer's answer and reason.

    \b
    Example:
      odaudit rubric merge rubrics/a.yaml rubrics/b.yaml --resolve majority --out rubrics/merged.yaml
    """
    from ..scoring.merge import (
        AGREEMENT_COLUMNS,
        DISAGREEMENT_COLUMNS,
        agreement_frame,
        merge_rubrics,
        reviewer_names,
    )
    from ..scoring.rubric import load_rubric
    from ..scoring.sheets import relative_catalog
    from ..scoring.writer import rubric_yaml

    stem = out.with_suffix("")
    agreement_csv, disagreements_csv = Path(f"{stem}.agreement.csv"), Path(f"{stem}.disagreements.csv")
    for p in (out, agreement_csv, disagreements_csv):
        _refuse_existing(p, force=force, update_hint=False)
    loaded = [load_rubric(p) for p in rubrics]
    named = list(zip(reviewer_names(rubrics), loaded, strict=True))
    adj = (reviewer_names([adjudicator])[0], load_rubric(adjudicator)) if adjudicator is not None else None
    first = loaded[0]
    ref = None
    if not first.whole_portal and (first.catalog.endswith((".yaml", ".yml")) or "/" in first.catalog):
        ref = relative_catalog(first.catalog, str(first.catalog_path().resolve()), out)
    result = merge_rubrics(named, rule=resolve, adjudicator=adj, name=name, catalog_ref=ref)
    d = result.disagreements
    for (unit, question), g in d.groupby(["unit", "question"], sort=False):
        said = "; ".join(f"{who} {ans}" + (f" ({why})" if why else "") for who, ans, why in zip(g["reviewer"], g["answer"], g["reason"], strict=True))
        settled = g["resolution"].iloc[0] + (f": {g['merged'].iloc[0]}" if g["merged"].iloc[0] else "")
        common.stderr.print(f"disagreement: {unit} {question}: {said} -> {settled}", markup=False, highlight=False)
    for u in result.unresolved:
        common.warn(f"unresolved, left unanswered: {u}")
    notes = [f"Merged by `odaudit rubric merge` from {', '.join(str(p) for p in rubrics)}"
             + (f" with adjudicator {adjudicator}" if adjudicator else "") + f"; disagreements settled by: {result.rubric.merged.resolve}.",
             f"Agreement per question: {agreement_csv.name}; every disagreement: {disagreements_csv.name}."]
    text = rubric_yaml(result.rubric, notes=notes, answer_notes=result.answer_notes)
    _write_csv(agreement_csv, agreement_frame(result.agreement), AGREEMENT_COLUMNS)
    _write_csv(disagreements_csv, result.disagreements, DISAGREEMENT_COLUMNS)
    _emit(text, out)
    overall = next(a for a in result.agreement if a.question == "all")
    pa = "—" if overall.percent_agreement is None else f"{overall.percent_agreement:.1f} %"
    al = "undefined" if overall.alpha is None else f"{overall.alpha:.3f}"
    common.stderr.print(f"{len(named)} reviewers; answers: {overall.items} units answered by two or more, agreement {pa}, "
                        f"alpha {al}; {len(result.unresolved)} unresolved; wrote {agreement_csv} and {disagreements_csv}",
                        markup=False, highlight=False)


def _write_csv(path: Path, frame, columns: tuple[str, ...]) -> None:
    from ..atomic import CSV_ENCODING, atomic_open
    from ..report.safe import neutralise

    try:
        with atomic_open(path, "w", encoding=CSV_ENCODING) as fh:
            neutralise(frame.loc[:, list(columns)]).to_csv(fh, index=False, lineterminator="\n")
    except OSError as exc:
        raise IncompleteError(f"{exc.filename or path}: {exc.strerror or exc}; nothing was written") from None


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
