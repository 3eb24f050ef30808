"""Report sections about who judged and who answered back: the reviewers' agreement (a merged
rubric), the public's ratings (`score --ratings`) and the publishers' disputes (`score --disputes`).
Each renders a table computed in the core (scoring/agreement.py, ratings.py, disputes.py)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..scoring.agreement import reliability
from ..scoring.model import ScoreResult
from .safe import code, md, md_link


def _f(x: object, digits: int = 1) -> str:
    return "—" if x is None or (isinstance(x, float) and pd.isna(x)) else f"{float(x):.{digits}f}"  # type: ignore[arg-type]


def agreement(r: ScoreResult, tr: Callable[..., str], table: Callable[..., list[str]]) -> list[str]:
    m = r.merged
    if m is None:
        return []
    lines = [f"## {tr('agreement')}", "", tr("agreement_who", n=len(m.reviewers), names=md(", ".join(m.reviewers)),
                                             rule=md(m.resolve), u=m.unresolved), ""]
    rows = ((md(a.question) if a.question in ("all", "judged") else f"`{code(a.question)}`", a.items, a.reviewers,
             "—" if a.percent_agreement is None else f"{a.percent_agreement:.1f} %", _f(a.alpha, 3), tr(f"rel_{reliability(a.alpha)}"))
            for a in m.agreement)
    lines += table([tr("question"), tr("agree_units"), tr("reviewers"), tr("agree_pct"), "α", tr("reliability")], rows)
    by = {a.question: a for a in m.agreement}
    answers, judged = by.get("all"), by.get("judged")
    manual = int((r.answers["source"] == "manual").sum())
    lines += [tr("agreement_means", answers=_f(answers.alpha if answers else None, 3), a_rel=tr(f"rel_{reliability(answers.alpha if answers else None)}"),
                 judged=_f(judged.alpha if judged else None, 3), j_rel=tr(f"rel_{reliability(judged.alpha if judged else None)}"),
                 m=manual, total=len(r.answers), ready=f"{100 * r.node('readiness').weight:.0f}" if _has(r, "readiness") else "0",
                 impact=f"{100 * r.node('impact').weight:.0f}" if _has(r, "impact") else "0"), ""]
    return lines


def _has(r: ScoreResult, node_id: str) -> bool:
    return any(n.id == node_id for n in r.nodes)


def ratings(r: ScoreResult, tr: Callable[..., str], table: Callable[..., list[str]]) -> list[str]:
    t = r.ratings
    if t is None:
        return []
    lines = [f"## {tr('ratings')}", "", tr("ratings_text", n=int(t["n"].sum())), ""]
    rows = ((f"`{code(i)}`", md(n), _f(res), _f(mean), int(k), _f(sd), f"{_f(lo, 0)}–{_f(hi, 0)}" if k else "—", md(g) or "—")
            for i, n, res, mean, k, sd, lo, hi, g in zip(t["item"], t["name"], t["researchers"], t["public_mean"], t["n"], t["sd"],
                                                         t["min"], t["max"], t["groups"], strict=True))
    return lines + table([tr("id"), tr("item"), tr("researchers"), tr("public_mean"), "n", tr("spread_sd"), tr("range"), tr("groups")], rows)


def disputes(r: ScoreResult, tr: Callable[..., str], table: Callable[..., list[str]]) -> list[str]:
    d = r.disputes
    if d is None:
        return []
    lines = [f"## {tr('disputes')}", ""]
    if d.empty:
        return lines + [tr("no_disputes"), ""]
    acc = int((d["decision"] == "accepted").sum())
    lines += [tr("disputes_text", n=len(d), a=acc, r=int((d["decision"] == "rejected").sum()), p=len(d) - acc - int((d["decision"] == "rejected").sum())), ""]
    pages = r.datasets.drop_duplicates("key").set_index("key")["page"]
    rows = ((md(i), md_link(n or k, pages.get(k, "")) if pages.get(k, "") else md(n or k), md(" ".join(x for x in (res, chk) if x)),
             md(claim) + (" — " + md(ev) if ev else "") + "".join(" " + md_link("↗", u) for u in links.split()),
             md(by), tr(f"decision_{dec}"), md(reason), md(effect))
            for i, k, n, res, chk, claim, ev, links, by, dec, reason, effect in zip(
                d["id"], d["dataset"], d["name"], d["resource"], d["check"], d["claim"], d["evidence"], d["links"], d["by"],
                d["decision"], d["reason"], d["effect"], strict=True))
    return lines + table([tr("id"), tr("dataset"), tr("disputed"), tr("claim"), tr("disputed_by"), tr("decision"), tr("reason"), tr("effect")], rows)
