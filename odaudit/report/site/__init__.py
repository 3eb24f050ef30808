"""The published site of a score report (DIR/site/): static, bilingual, self-contained HTML.

`view` computes plain data once from a ScoreResult; `pagedata` what each page adds; `build` renders
the Jinja2 templates (templates/) for both languages and copies static/ (CSS, a little JavaScript
for sorting and filtering tables; every page reads without it). Nothing is loaded from the network.
"""

from __future__ import annotations

from .build import evidence_text, write_site

__all__ = ["evidence_text", "write_site"]
