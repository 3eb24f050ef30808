"""How deeply a JSON-like value nests, measured without recursion; and a cut for the worst case.

Python's json and pickle recurse once or twice per level of nesting, so a value nested a few
hundred levels deep (about 1 KB from a hostile server) raises RecursionError when the crawl
journals it or hands it to a check worker, and the crawl ends. Portal answers are refused at
parse time when they nest deeper than their adapter allows (a few levels is normal);
`clip` is the safety net for anything else that reaches a journal or a worker.
"""

from __future__ import annotations

from typing import Any

#: Deepest nesting a journaled or pickled record may have. Far above any record the crawl
#: makes (a dataset record holds the API answer three levels down, and the adapter refuses
#: answers over 64 levels), far below where pickle (near 500 levels, at Python's default
#: recursion limit) and json (near 1000) give up.
MAX_RECORD_DEPTH = 100


def exceeds(value: Any, limit: int) -> bool:
    """Whether lists and dicts in `value` nest more than `limit` levels (a scalar is level 0)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, level = stack.pop()
        if isinstance(v, dict):
            children: Any = v.values()
        elif isinstance(v, list | tuple):
            children = v
        else:
            continue
        if level + 1 > limit:
            return True
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list | tuple))
    return False


def clip(value: Any, limit: int = MAX_RECORD_DEPTH) -> Any:
    """`value` itself when it nests at most `limit` levels; else a copy in which each list or
    dict below that level is replaced by a text saying it was cut (deterministic, so the same
    record always gives the same journal line and the same findings)."""
    if not exceeds(value, limit):
        return value
    marker = f"(nested deeper than {limit} levels: cut by odaudit)"
    root: list[Any] = [None]
    # (source container, level it sits at, parent copy, key in the parent)
    stack: list[tuple[Any, int, Any, Any]] = [(value, 1, root, 0)]
    while stack:
        v, level, parent, key = stack.pop()
        if level > limit:
            parent[key] = marker
            continue
        if isinstance(v, dict):
            copy: Any = dict.fromkeys(v)
            items: Any = v.items()
        else:
            copy = [None] * len(v)
            items = enumerate(v)
        parent[key] = copy
        for k, child in items:
            if isinstance(child, dict | list | tuple):
                stack.append((child, level + 1, copy, k))
            else:
                copy[k] = child
    return root[0]
