"""Safe, stable file names for the site's pages.

A dataset key such as `tw:41568` holds a colon (not allowed in Windows file names, and a scheme
separator in a relative URL); agency names are Chinese, and any portal text may hold `/`, `..`
or control characters. A page name keeps only `[A-Za-z0-9._-]` of its key (`tw-41568`), at most
SLUG_LIMIT characters; a key with nothing ASCII left (an agency name) is named by a hash of the
key; and where two keys would share a name, both get the hash appended. The same keys always give
the same names, whatever their order.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

SLUG_LIMIT = 60
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def digest(key: str, n: int = 10) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def base_slug(key: str, prefix: str = "") -> str:
    if prefix:
        return prefix + digest(key)
    s = _UNSAFE.sub("-", key).strip("-.")[:SLUG_LIMIT].strip("-.")
    return s or "k" + digest(key)


def slug_map(keys: Iterable[str], prefix: str = "") -> dict[str, str]:
    """key → page name (without `.html`) for every distinct key. With a `prefix`, every name is
    `prefix` + a hash of the key (for names that are not ASCII: agencies)."""
    first = {k: base_slug(k, prefix) for k in sorted(set(keys))}
    # compared case-folded: macOS and Windows file systems would make Tw-1 and tw-1 one file
    taken = Counter(s.casefold() for s in first.values())
    return {k: s if taken[s.casefold()] == 1 else f"{s}-{digest(k)}" for k, s in first.items()}
