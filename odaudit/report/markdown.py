"""report.md and appendix.md: what a citizen reads first, then the method, quantity, quality,
scores, agencies, badges, overrides and every answer's evidence. Only renders a ScoreResult."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from functools import partial

import pandas as pd

from ..scoring.model import ScoreResult
from ..scoring.questions import QUESTIONS
from . import platform, review
from .charts import CHART_FILES
from .i18n import localise, t, word, yes_no
from .numbers import fmt, pct
from .safe import PROSE_LIMIT, code, md, md_link

#: a finding's outcomes (odaudit.model.findings), each with its words in the catalog
OUTCOMES = frozenset({"pass", "fail", "warn", "skip", "error"})
#: report.md shows at most this many rows per long table and points to the CSV for the rest
TABLE_LIMIT = 200
#: appendix.md covers at most this many datasets (catalog order); answers.csv has them all
APPENDIX_LIMIT = 1000


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, limit: int | None = None, total: int | None = None,
          file: str = "", lang: str = "en") -> list[str]:
    """A markdown table; cells must already be escaped."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    n = 0
    for row in rows:
        if limit is not None and n >= limit:
            break
        out.append("| " + " | ".join(str(c) for c in row) + " |")
        n += 1
    if total is not None and limit is not None and total > limit and file:
        out += ["", t("more_rows", lang, n=total - limit, file=file)]
    return out + [""]


def _dataset_link(row: pd.Series) -> str:
    return md_link(row["name"], row["page"]) if row["page"] else md(row["name"])


def anchor(key: str) -> str:
    """The id of a dataset's section in appendix.md (`ds-tw-41568`): made of the key alone (never of
    server text), ASCII letters, digits and `-`, so every markdown renderer keeps it. A key that
    would lose characters gets a hash of itself, so two keys never share an anchor."""
    slug = re.sub(r"[^A-Za-z0-9-]", "-", key)
    if not re.fullmatch(r"[a-z]+:[A-Za-z0-9-]+", key):
        slug += "-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    return "ds-" + slug


def _evidence_link(row: pd.Series, in_appendix: set[str]) -> str:
    """A dataset named in report.md links to its evidence in appendix.md (the portal page is one
    click further, in its heading); past the appendix's limit, to the portal page."""
    if row["key"] in in_appendix:
        return f"[{md(row['name']) or code(row['key'])}](appendix.md#{anchor(row['key'])})"
    return _dataset_link(row)


class Report:
    def __init__(self, r: ScoreResult, lang: str) -> None:
        self.r = r
        self.lang = lang
        self.cats = [n for n in r.nodes if n.level == "category"]
        self.unique = r.datasets.drop_duplicates("key")
        self.in_appendix = set(self.unique["key"].head(APPENDIX_LIMIT))

    def tr(self, key: str, **kw: object) -> str:
        return t(key, self.lang, **kw)

    def status(self, status: str) -> str:
        """A snapshot's status in words (`complete`, `partial`); an unknown one as written."""
        return self.tr(f"status_{status}") if status in ("complete", "partial") else md(status)

    # -- sections ------------------------------------------------------------
    def header(self) -> list[str]:
        r = self.r
        snap = (self.tr("snap_line", time=md(r.snapshot["started_at"]), status=self.status(r.snapshot["status"]), portal=md(r.portal))
                if r.has_snapshot else self.tr("no_snap"))
        lines = [f"# {md(r.rubric_title)}: {self.tr('title')}", "",
                 self.tr("meta_line", catalog=md(r.catalog.title), rubric=md(r.rubric_name), method=r.method, snap=snap), ""]
        if r.warnings:
            lines += [f"## {self.tr('warnings')}", ""] + [f"- {md(localise(w, self.lang))}" for w in r.warnings] + [""]
        return lines

    def summary(self) -> list[str]:
        r, tr = self.r, self.tr
        bar = r.barometer
        impl = r.node("implementation")
        lines = [f"## {tr('summary')}", ""]
        if r.has_snapshot:
            lines += ["- " + line for line in self.coverage_lines()]
        if bar.score is not None:
            lines.append("- " + tr("s_barometer", score=fmt(bar.score)))
        else:
            unanswered = sum(1 for n in r.nodes if n.level == "item" and n.score is None)
            lines.append("- " + tr("s_barometer_none", n=unanswered, impl=fmt(impl.score)))
        n = len(self.unique)
        lines.append("- " + tr("s_datasets", n=f"{n:,}", c=sum(1 for c in self.cats if c.leaves), open=f"{int(self.unique['open'].sum()):,}"))
        if r.has_snapshot:
            q = r.quality_adjusted
            share = pct(q["quality"] / q["measured"]) if q["measured"] else "—"
            lines.append("- " + tr("s_quality", q=f"{q['quality']:,}", m=f"{q['measured']:,}", u=f"{q['not_measured']:,}", share=share))
            if r.estimate is not None and r.estimate.share is not None:
                e = r.estimate
                lines.append("- " + tr("s_estimate", n=f"{e.sample:,}", N=f"{e.population:,}", m=f"{e.measured:,}", share=pct(e.share),
                                       lo=pct(e.ci_low), hi=pct(e.ci_high), method=e.method))
        scored = sorted((c for c in self.cats if c.score is not None), key=lambda c: (c.score, c.id))
        if len(scored) >= 2:
            k = min(3, len(scored) // 2)
            lines.append("- " + tr("s_weak", list=", ".join(f"{md(c.name)} ({fmt(c.score)})" for c in scored[:k])) + " "
                         + tr("s_strong", list=", ".join(f"{md(c.name)} ({fmt(c.score)})" for c in scored[::-1][:k])))
        a = r.answers
        lines.append("- " + tr("s_manual", m=int((a["source"] == "manual").sum()), o=int(r.overrides["override"].sum()),
                                d=int(r.overrides["disagrees"].sum()), u=int((a["source"] == "unanswered").sum())))
        if len(a):
            lines.append("- " + tr("s_unanswered_points", p=fmt(100 * (a["source"] == "unanswered").mean())))
        return lines + [""]

    def coverage_lines(self) -> list[str]:
        """What was measured, first: no figure below may read as measured when it was not."""
        r, tr = self.r, self.tr
        c = r.coverage
        parts = [tr("s_coverage_part", n=f"{n:,}", why=tr(f"cov_{code}")) for code, n in c["resources_not_measured"]]
        why = tr("s_coverage_why", parts=tr("list_sep").join(parts)) if parts else ""
        lines = [tr("s_coverage", r=f"{c['resources']:,}", rm=f"{c['resources_measured']:,}", why=why, d=f"{c['datasets']:,}",
                    dm=f"{c['datasets_measured']:,}", dp=f"{c['datasets_partial']:,}", dn=f"{c['datasets_not_measured']:,}")]
        res = r.resources
        blocked = int((res["error"] == "blocked").sum()) if len(res) else 0
        if blocked:
            lines.append(tr("s_blocked_broken" if r.blocked_as_broken else "s_blocked", n=f"{blocked:,}"))
        standins = int(res["provenance"].isin(("stand_in", "converted")).sum()) if len(res) else 0
        if standins:
            lines.append(tr("s_replay", replay=code(str(r.snapshot.get("replay") or "")), k=standins))
        return lines

    def method(self) -> list[str]:
        r, tr = self.r, self.tr
        lines = [f"## {tr('method')}", "", f"### {tr('selection')}", "", md(r.catalog.method, PROSE_LIMIT), ""]
        if r.catalog.source:
            lines += [md(r.catalog.source, PROSE_LIMIT), ""]
        info = {c.id: c for c in r.catalog.categories}
        rows = [(md(cid), md(info[cid].tier) if cid in info else "", md(n.name), n.leaves, md(info[cid].rationale) if cid in info else "")
                for n in self.cats for cid in [n.id.split("/", 1)[1]]]
        lines += table([tr("id"), tr("tier"), tr("category"), tr("datasets"), tr("rationale")], rows)
        lines += [f"### {tr('questions')}", ""]
        rows = [(q.number, f"`{q.id}`", md(q.zh if self.lang == "zh-TW" else q.en), fmt(r.points[q.id], 0), tr(f"rule_{q.id}"))
                for q in QUESTIONS]
        lines += table(["#", tr("id"), tr("question"), tr("points"), tr("answered_from")], rows)
        if r.method == "flat":
            lines += [tr("m_flat"), ""]
        else:
            reading = tr("r_odbr" if r.penalty_when == "odb-r" else "r_any", penalty=fmt(r.outdated_penalty, 0))
            lines += [tr("m_odb", bonus=fmt(r.points["up_to_date"], 0), penalty=fmt(r.outdated_penalty, 0), reading=reading + " "), ""]
        lines += [tr("open_def"), "", tr("rule_any"), ""]
        if r.has_snapshot and r.snapshot.get("probe_bytes"):
            lines += [tr("m_probe", n=f"{r.snapshot['probe_bytes']:,}"), ""]
        w = {n.id: n.weight for n in r.nodes if n.level == "subindex"}
        lines += [f"### {tr('tree')}", "", tr("tree_text", r=fmt(w["readiness"], 2), i=fmt(w["implementation"], 2), p=fmt(w["impact"], 2)), ""]
        rows = [(tr(n.level), f"`{code(n.id)}`", tr(n.id) if n.level == "subindex" else md(n.name), fmt(n.weight, 4), pct(n.total_weight))
                for n in r.nodes if n.level == "subindex" or (n.level in ("component", "item") and n.weight > 0)]
        lines += table(["", tr("id"), tr("component"), tr("weight"), tr("barometer")], rows)
        a = r.answers
        items = [n for n in r.nodes if n.level == "item"]
        lines += [f"### {tr('who')}", "", tr("who_text", auto=int((a["source"] == "auto").sum()), total=len(a),
                                            manual=int((a["source"] == "manual").sum()), un=int((a["source"] == "unanswered").sum()),
                                            ja=sum(1 for i in items if i.score is not None), jt=len(items)), ""]
        lines += [f"### {tr('platform_method_h')}", "", tr("platform_method"), ""]
        return lines + self.portal_check()

    def portal_check(self) -> list[str]:
        """The crawl's own `doctor` verdict (manifest `doctor`), under the method."""
        r, tr = self.r, self.tr
        if not r.has_snapshot:
            return []
        lines = [f"### {tr('portal_check')}", ""]
        verdict = r.doctor.get("verdict")
        if not verdict:
            return lines + [tr("doctor_none"), ""]
        no_api = [tr("doctor_no_api")] if not (r.doctor.get("api") or {}).get("answered") else []
        if verdict == "ok":
            return lines + [" ".join([tr("doctor_ok"), *no_api]), ""]
        changed = [o for o in r.doctor.get("observations") or [] if isinstance(o, dict) and o.get("severity") != "info"]
        return lines + [tr("doctor_drift", verdict=code(verdict)), ""] + [
            f"- **{md(word('D', str(o.get('severity', '')), self.lang))}** ({md(word('D', str(o.get('area', '')), self.lang))}) "
            f"{md(localise(str(o.get('what', '')), self.lang))} → {md(localise(str(o.get('action', '')), self.lang))}"
            for o in changed] + [""] + ([*no_api, ""] if no_api else [])

    def vocabulary(self) -> list[str]:
        r, tr = self.r, self.tr
        if not r.has_snapshot:
            return []
        lines = [f"## {tr('vocabulary')}", "", tr("vocabulary_text"), ""]
        if not r.not_understood:
            return lines + [tr("vocabulary_none"), ""]
        rows = ((md(v["vocabulary"]), md(v["value"]),
                 f"{v['count']} {tr('unit_resources' if v['vocabulary'] == '檔案格式' else 'unit_datasets')}") for v in r.not_understood)
        return lines + table([tr("vocabulary_col"), tr("value"), tr("count_of")], rows, limit=TABLE_LIMIT)

    def quantity(self) -> list[str]:
        r, tr = self.r, self.tr
        if not r.has_snapshot:
            return []
        agencies = r.agencies["agency"].nunique() if len(r.agencies) else 0
        lines = [f"## {tr('quantity')}", ""]
        if r.whole_portal:
            lines += [tr("quantity_whole", portal=md(r.portal)), ""]
        lines += [tr("quantity_text", d=len(self.unique[self.unique["in_snapshot"]]), r=len(r.resources), a=agencies), ""]
        fm = r.formats
        lines += table([tr("format"), tr("resources"), tr("share")],
                       ((md(f), int(c), pct(c / max(len(r.resources), 1))) for f, c in zip(fm["format"], fm["resources"], strict=True)),
                       limit=25, total=len(fm), file="resources.csv", lang=self.lang)
        y = r.years
        lines += table([tr("year"), tr("published_n"), tr("quality_n"), tr("cumulative")],
                       zip([tr("unknown_year") if x == "(unknown)" else x for x in y["year"]], y["datasets"], y["quality_datasets"],
                           y["cumulative"], strict=True))
        return lines

    def quality(self) -> list[str]:
        r, tr = self.r, self.tr
        if not r.has_snapshot:
            return []
        q = r.quality
        lines = [f"## {tr('quality')}", "", tr("quality_text"), ""]
        ci = "ci_low" in q
        shares = [pct(x) + (f" ({pct(lo)} – {pct(hi)})" if ci and not pd.isna(lo) else "")
                  for x, lo, hi in zip(q["datasets_share"], q.get("ci_low", q["datasets_share"]), q.get("ci_high", q["datasets_share"]), strict=True)]
        if ci:
            lines += [tr("quality_ci"), ""]
        lines += table([tr("check"), tr("ds_eval"), tr("ds_pass"), tr("share"), tr("not_measured_n"), tr("res_eval"), tr("res_pass"), tr("share"),
                        tr("outcome_skip"), tr("outcome_error")],
                       ((f"`{c}`", de, dp, sh, dn, re_, rp, pct(rs), sk, er) for c, de, dp, sh, dn, re_, rp, rs, sk, er in zip(
                           q["check"], q["datasets_evaluated"], q["datasets_passing"], shares, q["datasets_not_measured"],
                           q["resources_evaluated"], q["resources_passing"], q["resources_share"], q["skip"], q["error"], strict=True)))
        qa = r.quality_adjusted
        lines += [tr("qa_text", q=qa["quality"], m=qa["measured"], u=qa["not_measured"]), ""]
        lines += table([tr("raw_n"), tr("measured_n"), tr("not_measured_n"), tr("quality_n"), tr("share")],
                       [(qa["datasets"], qa["measured"], qa["not_measured"], qa["quality"],
                         pct(qa["quality"] / qa["measured"]) if qa["measured"] else "—")])
        lines += [f"![{tr('chart_quality')}]({CHART_FILES[1]})", ""]
        return lines

    def scores(self) -> list[str]:
        r, tr = self.r, self.tr
        lines = [f"## {tr('scores')}", ""]
        subs = [n for n in r.nodes if n.level in ("barometer", "subindex")]
        lines += table([tr("subindex"), tr("weight"), tr("score"), tr("note")],
                       ((tr(n.id), fmt(n.weight, 2), fmt(n.score), md(localise(n.note, self.lang))) for n in subs))
        judged = [n for n in r.nodes if n.level in ("component", "item")]
        if judged:
            lines += table([tr("component"), tr("id"), tr("weight"), tr("score"), tr("evidence")],
                           ((("**" + md(n.name) + "**") if n.level == "component" else md(n.name), f"`{code(n.id)}`", fmt(n.weight, 3),
                             fmt(n.score) if n.score is not None else tr("score_na"),
                             md(n.evidence) + "".join(" " + md_link("↗", u) for u in n.links) if n.level == "item" else md(localise(n.note, self.lang)))
                            for n in judged))
        lines += table([tr("id"), tr("category"), tr("datasets"), tr("weight"), tr("score")],
                       ((md(n.id.split("/", 1)[1]), md(n.name), n.leaves, fmt(n.weight, 4), fmt(n.score)) for n in self.cats))
        lines += [f"![{tr('chart_categories')}]({CHART_FILES[0]})", ""]
        d = r.datasets
        rows = ((md(c), _evidence_link(row, self.in_appendix), tr(f"kind_{row['kind']}") if row["kind"] in ("portal", "external", "missing") else md(row["kind"]),
                 fmt(row["score"]), tr("yes") if row["open"] else tr("no"), int(row["manual"]), int(row["unanswered"]))
                for c, (_, row) in zip(d["category"], d.head(TABLE_LIMIT).iterrows(), strict=False))
        lines += table([tr("category"), tr("dataset"), tr("note"), tr("score"), tr("open"), tr("manual"), tr("unanswered")], rows,
                       limit=TABLE_LIMIT, total=len(d), file="datasets.csv", lang=self.lang)
        return lines

    def agencies(self) -> list[str]:
        r, tr = self.r, self.tr
        if not r.has_snapshot or r.agencies.empty:
            return []
        a = r.agencies
        lines = [f"## {tr('agencies')}", "", tr("stars_rule"), ""]
        rows = ((md(ag) or tr("unknown_agency"), d, dm, res, q, pct(qs), o, fmt(ms), pct(us), "★" * int(s) if s else tr("not_rated"))
                for ag, d, dm, res, q, qs, o, ms, us, s in zip(
                    a["agency"].head(TABLE_LIMIT), a["datasets"], a["datasets_measured"], a["resources"], a["quality_datasets"],
                    a["quality_share"], a["open_datasets"], a["mean_score"], a["unanswered_share"], a["stars"], strict=False))
        lines += table([tr("agency"), tr("datasets"), tr("measured_n"), tr("resources"), tr("quality_n"), tr("share"), tr("open_n"),
                        tr("mean_score"), tr("unanswered_share"), tr("stars")],
                       rows, limit=TABLE_LIMIT, total=len(a), file="agencies.csv", lang=self.lang)
        lines += [f"![{tr('chart_agencies')}]({CHART_FILES[2]})", ""]
        return lines

    def badges(self) -> list[str]:
        r, tr = self.r, self.tr
        if not r.has_snapshot or r.badges.empty:
            return []
        b = r.badges
        lines = [f"## {tr('badges')}", "", tr("badge_text"), ""]
        lines += table([tr("badge"), tr("datasets"), tr("badge_pass"), tr("badge_fail"), tr("m_online"), tr("m_mr"), tr("quality_n")],
                       ((md(x), d, p, f, o, m, q) for x, d, p, f, o, m, q in zip(b["badge"], b["datasets"], b["badge_pass"], b["badge_fail"],
                                                                                b["online"], b["machine_readable"], b["quality_datasets"], strict=True)))
        f = r.findings
        if not f.empty:
            bad = f[(f["check"].astype(object) == "badge") & (f["outcome"].astype(object) == "fail")]
            if len(bad):
                page = self.unique.set_index("key")
                lines += [tr("badge_fail_list"), ""]
                rows = []
                for key, ev in zip(bad["dataset"].head(50), bad["evidence"].head(50), strict=False):
                    row = page.loc[key] if key in page.index else None
                    link = md_link(row["name"], row["page"]) if row is not None else md(key)
                    rows.append((link, md(row["badge"] if row is not None else ""), md(localise(ev, self.lang))))
                lines += table([tr("dataset"), tr("badge"), tr("evidence")], rows, limit=50, total=len(bad), file="findings.csv", lang=self.lang)
        return lines

    def overrides(self) -> list[str]:
        r, tr = self.r, self.tr
        o = r.overrides
        lines = [f"## {tr('overrides')}", ""]
        if o.empty:
            return lines + [tr("no_overrides"), ""]
        names = self.unique.set_index("key")
        rows = ((md_link(names.at[k, "name"], names.at[k, "page"]), f"`{q}`", yes_no(m, self.lang), yes_no(a, self.lang), md(reason),
                 tr("yes") if ov else tr("no"), tr("yes") if dis else tr("no"))
                for k, q, m, a, reason, ov, dis in zip(o["key"], o["question"], o["measured"], o["manual"], o["reason"], o["override"], o["disagrees"], strict=True))
        return lines + table([tr("dataset"), tr("question"), tr("measured"), tr("manual"), tr("reason"), tr("override"), tr("disagrees")],
                             rows, limit=TABLE_LIMIT, total=len(o), file="answers.csv", lang=self.lang)

    def unanswered(self) -> list[str]:
        r, tr = self.r, self.tr
        lines = [f"## {tr('unanswered')}", ""]
        items = [n for n in r.nodes if n.level == "item" and n.score is None]
        lines += [tr("unanswered_items"), ""]
        lines += ([f"- `{code(n.id)}` {md(n.name)}" for n in items] or [tr("none_text")]) + [""]
        d = self.unique[self.unique["unanswered"] > 0]
        lines += [tr("unanswered_ds", n=len(d)), ""]
        a, shown = r.answers, d.head(TABLE_LIMIT)
        a = a[(a["source"] == "unanswered").to_numpy() & a["key"].isin(shown["key"]).to_numpy()]  # only the rows the table shows
        missing = a.groupby("key", sort=False)["question"].agg(lambda qs: ", ".join(f"`{code(q)}`" for q in qs))
        rows = ((_evidence_link(row, self.in_appendix), missing.get(row["key"], "")) for _, row in shown.iterrows())
        lines += table([tr("dataset"), tr("question")], rows, limit=TABLE_LIMIT, total=len(d), file="answers.csv", lang=self.lang)
        return lines

    def files(self, charts: list[str]) -> list[str]:
        tr = self.tr
        lines = [f"## {tr('files')}", "", tr("appendix_link"), "", tr("files_text"), ""]
        lines += [f"- [{f}]({f})" for f in ("datasets.csv", "resources.csv", "findings.csv", "scores.csv", "agencies.csv", "answers.csv",
                                            "platform.csv")]
        lines += [f"- [{f}]({f})" for f, t in (("agreement.csv", self.r.merged), ("ratings.csv", self.r.ratings),
                                               ("disputes.csv", self.r.disputes)) if t is not None]
        lines += [f"- [{c}]({c})" for c in charts]
        return lines + [""]

    def render(self, charts: list[str]) -> str:
        tab = partial(table, lang=self.lang)
        parts = [self.header(), self.summary(), self.method(), self.quantity(), self.quality(), self.vocabulary(), self.scores(),
                 review.agreement(self.r, self.tr, tab), review.ratings(self.r, self.tr, tab),
                 self.agencies(), platform.section(self.r.platform, self.lang, whole=self.r.whole_portal, table=tab),
                 self.badges(), self.overrides(), review.disputes(self.r, self.tr, tab), self.unanswered(), self.files(charts)]
        return "\n".join(line for part in parts for line in part).rstrip("\n") + "\n"


def render_report(r: ScoreResult, lang: str, charts: list[str]) -> str:
    return Report(r, lang).render(charts)


def _answer_evidence(r: ScoreResult, keys: list[str], lang: str) -> dict[tuple[str, str], list[str]]:
    ev = r.evidence
    if ev.empty:
        return {}
    ev = ev[ev["key"].isin(set(keys))]
    out: dict[tuple[str, str], list[str]] = {}

    @functools.cache  # a few checks × outcomes × resource numbers, and evidence that repeats
    def head(c: str, res: str, o: str) -> str:
        res_id = "#" + res.rsplit("#", 1)[-1] if "#" in res else ""
        return " ".join(x for x in (f"`{code(c)}`", t(f"outcome_{o}", lang) if o in OUTCOMES else md(o), md(res_id)) if x)

    said = functools.lru_cache(maxsize=65536)(lambda e: md(localise(e, lang)))
    columns = (ev[c].to_numpy(object).tolist() for c in ("key", "question", "check", "resource", "outcome", "evidence"))
    for k, q, c, res, o, e in zip(*columns, strict=True):
        out.setdefault((k, q), []).append(f"{head(c, res, o)}: {said(e)}")
    return out


def render_appendix(r: ScoreResult, lang: str) -> str:
    unique = r.datasets.drop_duplicates("key")
    shown = unique.head(APPENDIX_LIMIT)
    keys = shown["key"].tolist()
    evidence = _answer_evidence(r, keys, lang)
    a = r.answers[r.answers["key"].isin(set(keys))]
    cols = ("question", "answer", "source", "measured", "points", "reason", "links")
    values = {c: a[c].to_numpy(object).tolist() for c in cols}  # taken out of the frame once, not per dataset
    by_key = {k: {c: [values[c][i] for i in at] for c in cols} for k, at in a.groupby("key", sort=False).indices.items()} if len(a) else {}
    lines = [f"# {md(r.rubric_title)}: {t('appendix', lang)}", "", t("appendix_intro", lang), ""]
    if len(unique) > APPENDIX_LIMIT:
        lines += [t("appendix_capped", lang, k=APPENDIX_LIMIT, n=len(unique)), ""]
    qtext = {q.id: (q.zh if lang == "zh-TW" else q.en) for q in QUESTIONS}
    for _, row in shown.iterrows():
        key = row["key"]
        lines += [f'<a id="{anchor(key)}"></a>', "", f"## {_dataset_link(row)}", "",
                  f"`{code(key)}` · {md(row['category'])} {md(row['category_name'])} · {t('score', lang)} **{fmt(row['score'])}**"
                  + (f" · {md(row['agency'])}" if row["agency"] else ""), ""]
        rows = []
        for q, ans, src, meas, pts, reason, links, in zip(*(by_key[key][c] for c in ("question", "answer", "source", "measured", "points", "reason", "links")), strict=True):
            if src == "manual":
                ev = md(reason) + "".join(" " + md_link("↗", u) for u in links.split())
                if meas:
                    ev += f" ({t('measured', lang)}: {yes_no(meas, lang)})"
            else:
                cited = evidence.get((key, q), [])
                ev = "<br>".join(cited)  # all of it: the appendix is where a reader checks an answer
            rows.append((f"`{q}` {md(qtext[q])}", yes_no(ans, lang), t(f"src_{src}", lang), fmt(pts), ev or t("none", lang)))
        lines += table([t("question", lang), t("answer", lang), t("source", lang), t("points", lang), t("evidence", lang)], rows)
    return "\n".join(lines).rstrip("\n") + "\n"
