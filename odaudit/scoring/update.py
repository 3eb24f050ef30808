"""`rubric init --update`: refresh a rubric's automated answers and keep everything a researcher wrote.

A rubric is a researcher's work of weeks. The merge is done on the text, not by re-serialising
YAML, so every answer, reason, judgment, comment and link stays byte for byte where it was:

* the block of automated answers (between `AUTO_BEGIN` and `AUTO_END`, comments only) is
  replaced by the fresh one; a rubric without that block (made before it existed) gets one at
  its end, and its old comments are left alone;
* datasets that need manual answers and have no entry yet get an empty entry, appended to the
  `datasets:` mapping when that is the file's last key (else they are only listed);
* the result must load and must hold exactly the manual answers and judgments of the original:
  if it does not, nothing is written.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .model import ScoreResult
from .prefill import AUTO_BEGIN, AUTO_END
from .rubric import Rubric, load_rubric

_HEAD = re.compile(r"^# .* · (?P<key>(?:tw|ext|none):[^ ]+) · score ")
_ANSWER = re.compile(r"^#   (?P<q>[a-z_]+): (?P<a>yes|no|unanswered)\b")
_DATASETS = re.compile(r"^datasets:[ \t]*(?P<empty>\{\})?[ \t]*(#.*)?$")
_TOP_KEY = re.compile(r"^[^\s#-][^:]*:")


@dataclass
class Update:
    text: str
    #: "tw:41568 machine_readable: unanswered → yes", one per automated answer that moved
    changes: list[str] = field(default_factory=list)
    #: keys of datasets that got an empty manual entry
    added: list[str] = field(default_factory=list)
    #: keys of datasets that need manual answers but could not be added (listed for the user)
    listed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _block(text: str) -> tuple[int, int] | None:
    """Line span [begin, end] of the automated block, or None."""
    lines = text.split("\n")
    begin = next((i for i, ln in enumerate(lines) if ln.startswith(AUTO_BEGIN.split(" (")[0])), None)
    if begin is None:
        return None
    end = next((i for i in range(begin, len(lines)) if lines[i].startswith(AUTO_END)), None)
    return None if end is None else (begin, end)


def automated_answers(lines: list[str]) -> dict[str, dict[str, str]]:
    """{key: {question: answer}} read back from automated-answer comment lines."""
    out: dict[str, dict[str, str]] = {}
    key = ""
    for ln in lines:
        ln = ln.strip() if ln.lstrip().startswith("#") else ln
        if m := _HEAD.match(ln):
            key = m["key"]
            out[key] = {}
        elif key and (m := _ANSWER.match(ln)):
            out[key][m["q"]] = m["a"]
    return out


def _manual_entries(fresh: str) -> dict[str, list[str]]:
    """The manual entries of a fresh template: {key as written: its lines (notes included)}."""
    lines = fresh.split("\n")
    start = next(i for i, ln in enumerate(lines) if _DATASETS.match(ln))
    span = _block(fresh)
    stop = span[0] if span else len(lines)
    entries: dict[str, list[str]] = {}
    pending: list[str] = []
    current: str | None = None
    for ln in lines[start + 1:stop]:
        if re.match(r"^  [\"'].*[\"']:\s*$", ln):
            current = ln.strip()[1:-2]
            entries[current] = pending + [ln]
            pending = []
        elif ln.startswith("  #") and (current is None or not ln.startswith("    ")):
            pending.append(ln)
            current = None
        elif current is not None:
            entries[current].append(ln)
    return entries


def merge(path: Path, fresh: str, keys_of: dict[str, str]) -> Update:
    """Merge the fresh template `fresh` into the rubric at `path`.

    `keys_of` maps every way the fresh template's manual entries may already be named in the
    rubric (key, portal id, catalog name) to their snapshot key, so an entry the researcher keyed
    by id is recognised as the same dataset.
    """
    old = load_rubric(path)  # must be valid: a broken file is the researcher's to fix first
    text = path.read_text(encoding="utf-8")
    up = Update(text)
    fresh_span = _block(fresh)
    assert fresh_span is not None
    fresh_lines = fresh.split("\n")
    new_block = fresh_lines[fresh_span[0]:fresh_span[1] + 1]
    lines = text.split("\n")
    span = _block(text)
    if span is None:
        old_auto = automated_answers(lines)  # comments of a template made before the block existed
        if lines and lines[-1] == "":
            lines.pop()
        lines += new_block + [""]
        up.notes.append(f"{path} had no block of automated answers: one was added at its end "
                        "(the comments of the earlier template were left as they were)")
    else:
        old_auto = automated_answers(lines[span[0]:span[1] + 1])
        lines[span[0]:span[1] + 1] = new_block
    new_auto = automated_answers(new_block)
    for key in sorted(set(old_auto) | set(new_auto)):
        if key not in new_auto:
            up.changes.append(f"{key}: no longer answered automatically")
        elif key not in old_auto:
            if old_auto:
                up.changes.append(f"{key}: newly answered automatically")
        else:
            up.changes += [f"{key} {q}: {old_auto[key][q]} → {a}" for q, a in new_auto[key].items()
                           if old_auto[key].get(q, a) != a]

    known = {keys_of.get(ref, ref) for ref in old.datasets}
    missing = {k: v for k, v in _manual_entries(fresh).items() if keys_of.get(k, k) not in known}
    if missing:
        lines = _append_entries(lines, missing, up)
    up.text = "\n".join(lines)
    _verify(path, old, up.text)
    return up


def _append_entries(lines: list[str], entries: dict[str, list[str]], up: Update) -> list[str]:
    """Add manual entries at the end of `datasets:` when it is the file's last key."""
    start = next((i for i, ln in enumerate(lines) if _DATASETS.match(ln)), None)
    span = _block("\n".join(lines))
    stop = span[0] if span else len(lines)
    if start is None or any(_TOP_KEY.match(ln) for ln in lines[start + 1:stop]):
        up.listed = sorted(entries)
        return lines
    body = [ln for e in entries.values() for ln in e]
    if _DATASETS.match(lines[start])["empty"]:  # type: ignore[index]
        lines[start] = lines[start].replace("{}", "", 1)  # `datasets: {}` becomes a block mapping; a comment stays
    insert_at = stop
    while insert_at > start + 1 and lines[insert_at - 1].strip() == "":
        insert_at -= 1
    up.added = sorted(entries)
    return lines[:insert_at] + body + lines[insert_at:]


def _verify(path: Path, old: Rubric, text: str) -> None:
    """The merged text must load, and hold exactly what the researcher wrote (plus empty entries)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=path.parent, encoding="utf-8", delete=False) as fh:
        fh.write(text)
        tmp = Path(fh.name)
    try:
        try:
            merged = load_rubric(tmp)
        except InputError as exc:
            raise InputError(f"{path}: the merged rubric would not load ({exc.message.replace(str(tmp), str(path))}); "
                             "nothing was written (use --force to start over)") from None
    finally:
        tmp.unlink(missing_ok=True)
    before, after = old.model_dump(mode="json"), merged.model_dump(mode="json")
    for ref in set(after["datasets"]) - set(before["datasets"]):
        answers = after["datasets"].pop(ref).get("answers") or {}
        if any(a.get("answer") is not None for a in answers.values()):
            raise InputError(f"{path}: the merge would add an answer for {ref}; nothing was written")
    if after != before:
        raise InputError(f"{path}: the merge would change what the rubric says; nothing was written (use --force to start over)")


def dataset_refs(result: ScoreResult) -> dict[str, str]:
    """Every name a rubric may give a dataset (as `score` resolves them: snapshot key, portal id,
    unique catalog name) → its snapshot key."""
    refs: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    for key, ds_id, name in zip(result.datasets["key"], result.datasets["id"], result.datasets["name"], strict=True):
        refs[key] = key
        if ds_id:
            refs[str(ds_id)] = key
        names.setdefault(name, set()).add(key)
    for name, keys in names.items():
        if len(keys) == 1:
            refs.setdefault(name, next(iter(keys)))
    return refs
