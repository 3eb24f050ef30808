"""Text from portals and servers made safe to show: on a terminal, in markdown, CSV and SVG.

Portal text is anything a stranger typed: a title may hold ESC (terminal escape sequences that
retitle the window or clear the screen), NUL, or a right-to-left override (U+202E) that makes
`txt.exe` read as `exe.txt`. Snapshots keep such text exactly as received; what odaudit prints
or publishes shows these characters as visible escapes instead (`\\x1b`, `\\u202e`), so the
reader sees that they were there and nothing acts on them. Escapes use Python's notation;
a backslash is left as it is, so a title that literally reads `\\x1b` looks the same.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, the bidi controls (Unicode's Bidi_Control: ALM, LRM, RLM,
#: LRE…RLO, LRI…PDI), the line and paragraph separators, lone surrogates (which no UTF-8 file
#: can hold) and the noncharacters U+FFFE / U+FFFF.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
ELLIPSIS = "…"


def escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    """`text` with every unsafe character but those in `keep` written as an escape (`\\x1b`)."""
    if UNSAFE.search(text) is None:  # the common case: nothing to do
        return text
    return UNSAFE.sub(lambda m: m.group() if m.group() in keep else escape_char(m.group()), text)


def clip(text: str, limit: int | None) -> str:
    """At most `limit` characters: longer text is cut and ends with an ellipsis."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS
