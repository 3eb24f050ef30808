"""`odaudit notices REPORT_DIR --out DIR --from ADDRESS [--snapshot DIR] [--days N]`."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import InputError
from . import common
from .options import json_option, out_option, print_summary, quiet_option


def notices(
    report: Path = typer.Argument(..., help="A report folder of `odaudit score` (with findings.csv, datasets.csv, resources.csv, agencies.csv)."),
    out: Path = out_option("Folder for the notices: AGENCY.md and AGENCY.eml per agency, index.csv, manifest.json."),
    from_: str = typer.Option(..., "--from", help="The researchers' address the notices come from and disputes go to, e.g. 'OCF <odaudit@example.org>'."),
    snapshot: Path | None = typer.Option(None, "--snapshot", help="The snapshot the report scored, if it is no longer where the report's manifest says (contacts come from its metadata)."),
    days: int = typer.Option(30, "--days", min=1, help="Days the agencies have to dispute (said in the notice)."),
    quiet: bool = quiet_option("warnings are kept in index.csv"),
    as_json: bool = json_option(),
) -> None:
    """Write one notice per agency whose resources fail a check: the failing resources with the
    evidence, what would make each pass, the portal page and how to dispute, in Traditional Chinese
    and English, as markdown and as an e-mail (.eml) addressed to the metadata's contact.

    \b
    odaudit never sends them. The folder is replaced whole, and must be empty, new or an earlier
    `odaudit notices`.
    Example:
      odaudit notices reports/2026 --from "Researchers <odaudit@example.org>" --out notices/2026
    """
    common.STATE.quiet = quiet
    from ..notices import publish_notices
    from ..notices.render import sender
    from ..store.folders import FolderLock, check_report_out

    try:
        addr = sender(from_)
    except ValueError:
        raise InputError(f"--from {from_!r}: give an e-mail address, e.g. 'Researchers <odaudit@example.org>'") from None
    if out.resolve() == report.resolve():
        raise InputError(f"--out {out}: is the report folder itself; choose another --out")
    with FolderLock(out):
        check_report_out(out, "notices")  # before any work: a snapshot or another command's report is never written over
        done = publish_notices(report, out, sender=addr, days=days, snapshot=snapshot)
    for w in done.warnings:
        common.warn(w)
    print_summary(as_json, f"{done.notices} notices ({len(done.files)} files) in {out}; none was sent",
                  {"notices": done.notices, "files": len(done.files), "out": str(out), "sent": 0, "warnings": done.warnings})
