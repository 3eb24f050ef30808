"""Human-edited YAML: load as YAML 1.2, validate with pydantic, report `file:line:col: message`.

ruamel.yaml keeps YAML 1.2 semantics (so the country code `NO` stays a string) and the
position of every node, which lets a pydantic error `loc` be turned back into a line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import InputError

M = TypeVar("M", bound=BaseModel)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file into ruamel's position-aware tree; syntax errors become InputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"{where}: {_one_line(problem)}") from None
    except YAMLError as exc:
        # A ReaderError (a control character, say) has a character offset, not a mark.
        pos = getattr(exc, "position", None)
        where = str(path)
        if isinstance(pos, int) and 0 <= pos <= len(text):
            line = text.count("\n", 0, pos) + 1
            where = f"{path}:{line}:{pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"
        detail = re.sub(r'\s*in "<unicode string>", position \d+', "", str(exc))
        raise InputError(f"{where}: invalid YAML ({_one_line(detail)})") from None
    except (IndexError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        # ruamel's own bugs on some malformed text (e.g. "-_" raises IndexError in its scanner):
        # still a malformed input file, not odaudit's crash
        raise InputError(f"{path}: invalid YAML (the parser stopped: {type(exc).__name__}: {_one_line(str(exc))})") from None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def position(tree: Any, loc: tuple[int | str, ...]) -> tuple[int, int] | None:
    """1-based (line, col) of the node at `loc` in a ruamel tree, or of its nearest ancestor."""
    node = tree
    best: tuple[int, int] | None = None
    if isinstance(node, CommentedMap | CommentedSeq):
        best = (node.lc.line + 1, node.lc.col + 1)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line, col = node.lc.value(part) if not isinstance(node[part], CommentedMap | CommentedSeq) else node.lc.key(part)
            best = (line + 1, col + 1)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = node.lc.item(part)
            best = (line + 1, col + 1)
            node = node[part]
        else:
            break
    return best


def where(path: Path, tree: Any, loc: tuple[int | str, ...]) -> str:
    pos = position(tree, loc)
    return f"{path}:{pos[0]}:{pos[1]}" if pos else f"{path}"


def validate(path: Path, tree: Any, model: type[M]) -> M:
    """Validate a loaded tree against a pydantic model; the first error becomes InputError."""
    if tree is None:
        raise InputError(f"{path}:1:1: the file is empty")
    try:
        plain = to_plain(tree)
    except TooLarge as exc:
        raise InputError(f"{path}: {exc}") from None
    try:
        return model.model_validate(plain)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if isinstance(p, int | str))
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(f"{where(path, tree, loc)}: {dotted}: {err['msg']}{more}") from None


#: Far more values than any catalog or rubric has. YAML aliases share one node, so a few lines of
#: nested `&anchor` / `*alias` ("billion laughs") expand into 10^9 values when copied.
MAX_NODES = 1_000_000


class TooLarge(ValueError):
    """The tree expands into more than MAX_NODES values."""


def to_plain(node: Any, *, max_nodes: int = MAX_NODES) -> Any:
    """ruamel's commented containers to plain dicts and lists (keys as str).

    Raises TooLarge past `max_nodes` values (counting every expansion of an alias)."""
    count = 0

    def plain(n: Any) -> Any:
        nonlocal count
        count += 1
        if count > max_nodes:
            raise TooLarge(f"more than {max_nodes:,} values once its YAML aliases (*name) are expanded; "
                           "not a catalog or rubric")
        if isinstance(n, dict):
            return {str(k): plain(v) for k, v in n.items()}
        if isinstance(n, list):
            return [plain(v) for v in n]
        return n

    return plain(node)


def load_model(path: Path, model: type[M]) -> tuple[M, Any]:
    tree = load_yaml(path)
    return validate(path, tree, model), tree
