"""Reading tabular bodies once: frictionless semantics, bounded memory, and a fast CSV path.

`scan_delimited(path, fmt, codec, ...)`, `scan_spreadsheet`, `scan_json`, `scan_xml` and
`scan_inline` return a `TableScan`: labels, row and field counts, error counts by frictionless error
type (baseline check: blank-label, duplicate-label, blank-row, extra-cell, missing-cell, type-error,
source-error, encoding-error, …), the first few errors, and the newest date found in date-like
columns (for the freshness check).

Engines
-------
* **CSV/TSV, fast path** (`odaudit-csv`): frictionless opens the file and does all the detection it
  always does (dialect via csv.Sniffer, header row, schema inference on the first 100 rows, header
  errors); then the rows are read by the columnar reader (columnar.py: pyarrow's streaming CSV reader
  in 1 MiB blocks, blank rows and type errors found per column, rows of the wrong width re-read by the
  csv module) or, where that reader is not sure to read the body as the csv module does, by the stdlib
  reader (csvfast.py: the same `csv` dialect in chunks of 20,000, checked column by column with
  cells.py). Both have frictionless's own cell readers decide every cell a cheap ASCII pattern cannot
  prove valid (results memoised per distinct value). Error types, counts and row/field numbers are
  those of frictionless `validate` (tests/test_checks_structure.py, tests/test_structure_columnar.py
  compare them), but there is no error limit: every row is counted and only the first errors are kept.
* **frictionless** (`frictionless`, rows.py): everything else frictionless reads (XLS, XLSX, ODS, CSV
  dialects the fast path does not cover): its row stream, counting `row.errors`, again without an
  error limit. Spreadsheets are read over their real extent (odaudit/inspect/sheets.py).
* **JSON / XML tables** (documents.py): a JSON array of flat objects (or of arrays), possibly under
  one wrapping object, or an XML document whose repeated record elements hold only leaf children, is
  turned into rows and validated by frictionless as inline data. Up to 16 MB; larger XML is only
  checked for well-formedness, streamed.

Memory is bounded by the block or chunk size, the memo tables (100,000 values per column) and the kept
examples, not by the file size. `row_limit` stops after that many data rows. Dated columns are
tracked by datecols.py.
"""

from __future__ import annotations

from .common import STRUCTURAL_ERRORS, DateStat, TableScan, describe_error, temp_dir
from .documents import extract_member, json_table, scan_json, scan_xml, xml_table
from .scan import scan_delimited, scan_inline, scan_spreadsheet

__all__ = ["STRUCTURAL_ERRORS", "DateStat", "TableScan", "describe_error", "extract_member", "json_table", "scan_delimited", "scan_inline",
           "scan_json", "scan_spreadsheet", "scan_xml", "temp_dir", "xml_table"]
