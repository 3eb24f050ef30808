"""One message catalog (odaudit/report/i18n.py), zh-TW reports without English prose, `--lang`
spellings, and the markdown fixes of issue 11 (code spans, links into the appendix, full evidence).

The corpus of evidence and notes is made by real crawls: the bundled offline demo (a replay of real
data.gov.tw records and bodies), the real portal fixture (tests/fixtures/portal/) on FakePortal, and
FakePortal's failure modes (404, timeout, redirects, an HTML page for a CSV, a cut body)."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from portal import FakePortal, real_portal_fixture

from odaudit.cli import main
from odaudit.crawl import CrawlOptions, run_crawl
from odaudit.http import FetchOptions
from odaudit.report.i18n import localise, t
from odaudit.scoring.questions import QUESTIONS

FIXTURES = Path(__file__).parent / "fixtures" / "bodies"
FAST = FetchOptions(attempts=2, backoff_initial=0.01, backoff_max=0.05, read_timeout=1.0, connect_timeout=1.0, total_timeout=2.0)

#: proper names odaudit's own zh-TW text may name (people, organisations, programs); nothing else
NAMES = frozenset({"odaudit", "Wilson", "Krippendorff", "Web", "Foundation", "Excel", "frictionless"})
_CODE = re.compile(r"(`+)(.+?)\1")
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
_URL = re.compile(r"(?:https?|file)://[^\s)|<>」，。；]+")
_HTML = re.compile(r"<[^>]*>|&[a-z]+;|&#\d+;")
_QUOTED = re.compile(r"「[^」]*」")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-/+:#@=~'’\\*]+")
#: characters that make a run of letters part of an identifier, a number, a path or a version
_IDENT = re.compile(r"[0-9_.\-/+:#@=~]")


def english_words(text: str, source: list[str]) -> list[str]:
    """The English prose words of a zh-TW markdown text.

    Exact rule. First removed: code spans (`` `…` ``), link targets (`](…)`), URLs (`http(s)://`,
    `file://`), HTML tags and entities, text the templates quote as source text (「…」: portal values,
    file headers and system messages as they were measured), and every `source` string (the portal's
    records, the catalog's and the rubric's text and the questionnaire's questions, which stay as
    published), longest first and as whole words. In what
    is left, a token is a run of letters, digits and `_ . - / + : # @ = ~ ' \\ *`; it counts as an
    English word when, with leading and trailing `. : ' * \\` stripped, it is letters only (and
    apostrophes), at least 2 letters, has a lower-case letter (all capitals are acronyms and format
    names: CSV, HTTP, ODB), no capital after its first letter (CamelCase is an identifier: ETag) and
    is not one of NAMES. Tokens with a digit or `_ . - / + : # @ = ~` inside are identifiers,
    versions or paths (utf-8-sig, OGDL-Taiwan-1.0, tw:41568, json+frictionless)."""
    for s in sorted(source, key=len, reverse=True):
        if s in text:  # whole words only: `JSON` from the portal must not cut `GeoJSON` to `Geo`
            text = re.sub(("(?<![A-Za-z])" if s[0].isascii() and s[0].isalpha() else "") + re.escape(s)
                          + ("(?![A-Za-z])" if s[-1].isascii() and s[-1].isalpha() else ""), " ", text)
    for pattern in (_CODE, _LINK_TARGET, _URL, _HTML, _QUOTED):
        text = pattern.sub(" ", text)
    words = []
    for tok in _TOKEN.findall(text):
        tok = tok.strip(".:'’*\\")
        if len(tok) < 2 or _IDENT.search(tok) or not re.fullmatch(r"[A-Za-z]+(?:['’][A-Za-z]+)*", tok):
            continue
        if tok.isupper() or any(c.isupper() for c in tok[1:]) or tok in NAMES:
            continue
        words.append(tok)
    return words


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def source_text(snap: Path, rubric: Path | None) -> list[str]:
    """Every string of the portal's records, the catalog and the rubric, as written and as the
    report writes it (markdown-escaped), of 3 characters or more (shorter ones would blank odaudit's own words)."""
    from odaudit.report.safe import md

    found = []
    for name in ("datasets.jsonl", "resources.jsonl"):
        for line in (snap / name).read_text(encoding="utf-8").splitlines():
            found += _strings(json.loads(line))
    found += _strings(yaml.safe_load((snap / "catalog.yaml").read_text(encoding="utf-8")))
    if rubric is not None:
        found += _strings(yaml.safe_load(rubric.read_text(encoding="utf-8")))
    found += [q.zh for q in QUESTIONS]  # the questionnaire's own wording (the OCF survey), quoted as published
    out = set()
    for s in found:
        for form in (s, md(s), md(s, None)):
            if len(form.strip()) >= 3:
                out.add(form.strip())
    return sorted(out)


def odaudit(*args: object) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess: exit code, stdout and stderr as a user sees them."""
    return subprocess.run([sys.executable, "-m", "odaudit", *map(str, args)], capture_output=True, text=True, timeout=300)


def run_main(*args: object) -> None:
    """The CLI in-process (`odaudit.cli.main`), for the runs whose output files are what is tested."""
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert exc.code in (0, None), args


def write_catalog(path: Path, ids: list[str]) -> Path:
    lines = ["name: i18n", "title: 在地化測試清單", "method: 測試用的資料集", "categories:", "- id: '1'", "  name: 一", "  datasets:"]
    lines += [f"  - {{name: '資料集 {i}', id: '{i}'}}" for i in ids]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def failure_portal_crawl(out: Path) -> None:
    """FakePortal's failure modes (as tests/test_crawl_e2e.py serves them), crawled."""
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        urls = [
            h.serve("/ok.csv", b"a,b\n1,2\n", content_type="text/csv"),
            h.serve("/slow.csv", b"a\n1\n", content_type="text/csv", delay=3),
            h.serve("/missing.csv", b"not found", status=404, content_type="text/html"),
            h.redirect_chain("/moved.csv", "/ok.csv", hops=2),
            h.serve("/page.csv", b"<!DOCTYPE html><html><head><title>Error</title></head><body>Error</body></html>", content_type="text/csv"),
            h.serve("/cut.csv", b"a,b\n" + b"1,2\n" * 1000, content_type="text/csv", truncate=100),
            h.serve("/big5.csv", "名稱,數量\n臺北,1\n".encode("cp950"), content_type="text/csv"),
            h.serve("/data.json", b'[{"a": 1}, {"a": 2}]', content_type="application/json"),
            h.serve("/login.csv", b"login", status=401, content_type="text/html"),
            h.serve("/empty.csv", b"", content_type="text/csv"),
            h.redirect_loop("/loop.csv"),
            h.serve("/sheet.xlsx", (FIXTURES / "taitung_shelters.xlsx").read_bytes(), content_type="application/octet-stream"),
            h.serve("/doc.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"),
            h.serve("/bad.csv", b"a,b\n1,2,3\n4\n,,\n", content_type="text/csv"),
            h.serve("/tsv.csv", b"a\tb\n1\t2\n", content_type="text/tab-separated-values"),
        ]
        declared = {10: "XLS", 11: "CSV", 13: "TSV"}
        odd = {9: {"計費方式": "100元", "更新頻率": "每逢颱風", "品質檢測": "金"}, 10: {"資料量": "很多", "品質檢測": "鑽石"},
               11: {"更新頻率": "不定期", "計費方式": "看情況", "品質檢測": "銀"}, 12: {"授權方式": "CC BY-NC 4.0", "品質檢測": "白金"},
               13: {"授權方式": "", "更新頻率": "", "品質檢測": "無"}, 14: {"授權方式": "CC0", "更新頻率": "不更新"}}
        for n, url in enumerate(urls, 1):
            portal.add_dataset({"資料集識別碼": str(n), "資料集名稱": f"資料集 {n}", "檔案格式": declared.get(n, "CSV"), "資料下載網址": url,
                                "編碼格式": "UTF-8", "授權方式": "政府資料開放授權條款-第1版" if n % 2 else "依菸酒管理法相關規定",
                                "計費方式": "免費" if n % 3 else "", "更新頻率": "每1月", "資料量": "3", **odd.get(n, {})})
        run_crawl(CrawlOptions(out=out, portal=portal.base_url, catalog_path=write_catalog(out.parent / "fail.yaml", [str(i) for i in range(1, len(urls) + 1)]),
                               check_workers=0, fetch=FAST))


def real_portal_crawl(out: Path) -> None:
    spec = real_portal_fixture()
    with FakePortal.from_spec(spec) as portal:
        run_crawl(CrawlOptions(out=out, portal=portal.base_url, catalog_path=write_catalog(out.parent / "real.yaml", spec.ids()),
                               check_workers=0, fetch=FAST))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three snapshots (demo replay, real portal fixture, failure modes), each scored in zh-TW and en."""
    root = tmp_path_factory.mktemp("i18n")
    runs = {}
    run_main("crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", root / "demo", "-q")
    runs["demo"] = (root / "demo", "demo-datagovtw")
    real_portal_crawl(root / "real")
    runs["real"] = (root / "real", "demo-datagovtw")
    failure_portal_crawl(root / "fail")
    runs["fail"] = (root / "fail", "demo-datagovtw")
    reports = {}
    for name, (snap, rubric) in runs.items():
        for lang in ("zh-TW", "en"):
            out = root / f"{name}-{lang}"
            run_main("score", snap, "--rubric", rubric, "--out", out, "--lang", lang, "-q")
            reports[(name, lang)] = out
    return {"root": root, "runs": runs, "reports": reports}


def _column(path: Path, column: str) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row[column] for row in csv.DictReader(fh) if row[column]}


CHECKS = {"link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars", "licence", "free",
          "freshness", "metadata", "badge", "consistency"}


def test_every_evidence_and_note_of_the_crawls_has_a_zh_rendering(corpus) -> None:
    """Each distinct evidence text of findings.csv, and each note of scores.csv, of the three
    crawls: localise(text, "zh-TW") leaves no English prose word (the rule of `english_words`)."""
    from odaudit.report.safe import md

    evidence: dict[str, str] = {}
    notes: set[str] = set()
    for (_, lang), out in corpus["reports"].items():
        if lang == "zh-TW":
            with (out / "findings.csv").open(encoding="utf-8-sig", newline="") as fh:
                evidence.update({row["evidence"]: row["check"] for row in csv.DictReader(fh) if row["evidence"]})
            notes |= _column(out / "scores.csv", "note")
    assert set(evidence.values()) >= CHECKS and len(evidence) > 200 and notes  # a corpus of every check
    untranslated = {text: words for text in [*evidence, *sorted(notes)]
                    if (words := english_words(md(localise(text, "zh-TW"), None), []))}
    assert not untranslated, f"{len(untranslated)} texts keep English, e.g. {list(untranslated.items())[:5]}"


@pytest.mark.parametrize("run", ["demo", "real", "fail"])
def test_zh_tw_report_and_appendix_have_no_english_prose(corpus, run: str) -> None:
    """report.md and appendix.md in zh-TW: not one English prose word by the rule of `english_words`;
    the same rule finds the English edition full of them (the measure is not blind)."""
    from odaudit.bundled import rubric_path

    snap, rubric = corpus["runs"][run]
    source = source_text(snap, Path(rubric_path(rubric)))
    for name in ("report.md", "appendix.md"):
        zh = (corpus["reports"][(run, "zh-TW")] / name).read_text(encoding="utf-8")
        en = (corpus["reports"][(run, "en")] / name).read_text(encoding="utf-8")
        found = english_words(zh, source)
        assert found == [], f"{run} {name}: {len(found)} English words, e.g. {found[:20]}"
        assert len(english_words(en, source)) > 200


def test_findings_csv_keeps_the_checks_english_in_both_languages(corpus) -> None:
    for run in corpus["runs"]:
        zh, en = corpus["reports"][(run, "zh-TW")], corpus["reports"][(run, "en")]
        for name in ("findings.csv", "scores.csv", "answers.csv"):
            assert (zh / name).read_bytes() == (en / name).read_bytes(), name


def test_localise_keeps_english_unknown_phrases_and_portal_text() -> None:
    text = "授權方式 '政府資料開放授權條款-第1版' → OGDL-Taiwan-1.0 (CC BY 4.0 compatible)"
    assert localise(text, "en") == text
    assert localise(text, "zh-TW") == "授權方式 '政府資料開放授權條款-第1版' → OGDL-Taiwan-1.0（與 CC BY 4.0 相容）"
    assert localise(text, "zh_TW") == localise(text, "zh-TW")
    # nested phrases, and a phrase without a template is kept as written, never dropped
    assert localise("link not reachable: timeout: ReadTimeout after 1 s: http://x/a.csv; something new",
                    "zh-TW") == "連結無法連線：逾時：ReadTimeout：1 秒後無回應：http://x/a.csv；something new"
    assert localise("", "zh-TW") == ""


def test_lang_spellings_on_score_and_diff(corpus) -> None:
    root = corpus["root"]
    snap = corpus["runs"]["demo"][0]
    zh = (corpus["reports"][("demo", "zh-TW")] / "report.md").read_bytes()
    for spelling in ("zh_TW", "zh-tw"):
        out = root / f"lang-{spelling}"
        run_main("score", snap, "--rubric", "demo-datagovtw", "--out", out, "--lang", spelling, "-q")
        assert (out / "report.md").read_bytes() == zh
    run_main("score", snap, "--rubric", "demo-datagovtw", "--out", root / "lang-en", "--lang", "EN", "-q")
    assert (root / "lang-en" / "report.md").read_bytes() == (corpus["reports"][("demo", "en")] / "report.md").read_bytes()
    for command in (["score", snap, "--rubric", "demo-datagovtw"], ["diff", snap, snap, "--rubric", "demo-datagovtw"]):
        bad = odaudit(*command, "--out", root / "lang-fr", "--lang", "fr")
        assert bad.returncode == 2 and not (root / "lang-fr").exists()
        assert bad.stderr.strip() == "odaudit: error: --lang fr: use en or zh-TW (also written zh-tw, zh_TW)"
    run_main("diff", snap, snap, "--rubric", "demo-datagovtw", "--out", root / "diff-zh", "--lang", "zh_tw", "-q")
    text = (root / "diff-zh" / "diff.md").read_text(encoding="utf-8")
    assert text.startswith("# 變化比較")
    # the same thing has the same term as in the score report: 評分表, 計分法, 資料現況, 清單
    report = zh.decode()
    for term in ("評分表", "計分法"):
        assert term in text and term in report
    assert "資料現況" in text and "資料現況" in report
    for other in ("評分準則", "計分方法", "執行分項指數", "目錄"):
        assert other not in text


def test_score_prints_its_summary_line_in_the_report_language(corpus) -> None:
    snap = corpus["runs"]["demo"][0]
    done = odaudit("score", snap, "--rubric", "demo-datagovtw", "--out", corpus["root"] / "line-zh", "--lang", "zh-TW")
    assert done.returncode == 0
    assert done.stdout.startswith("demo-datagovtw（flat）：晴雨表總分無法計算（無法計算：政策基礎、影響力有未評分的題目）；資料現況 40.6；")
    assert english_words(done.stdout, []) == ["flat"]  # the method's name


def test_code_spans_hold_no_markdown_escapes(corpus) -> None:
    """A code span shows a backslash as it is: `machine_readable`, never `machine\\_readable`."""
    for out in corpus["reports"].values():
        for name in ("report.md", "appendix.md"):
            spans = [m.group(2) for m in _CODE.finditer((out / name).read_text(encoding="utf-8"))]
            assert spans and not [s for s in spans if "\\" in s.replace("\\|", "")], (out, name)
            assert "machine_readable" in spans


def test_dataset_tables_link_to_the_datasets_evidence_in_the_appendix(corpus) -> None:
    for lang in ("zh-TW", "en"):
        out = corpus["reports"][("demo", lang)]
        report, appendix = (out / "report.md").read_text(encoding="utf-8"), (out / "appendix.md").read_text(encoding="utf-8")
        anchors = re.findall(r'<a id="(ds-[A-Za-z0-9-]+)"></a>', appendix)
        keys = sorted(_column(out / "datasets.csv", "key"))
        assert len(anchors) == len(set(anchors)) == len(keys) == 47
        links = re.findall(r"\]\(appendix\.md#([^)]+)\)", report)
        assert set(links) == set(anchors)  # every dataset of the table, and only existing anchors
        head = "| " + " | ".join(t(k, lang) for k in ("category", "dataset", "note", "score", "open", "manual", "unanswered")) + " |"
        table = report.split(head + "\n")[1].split("\n\n")[0]
        rows = table.splitlines()[1:]  # after the |---| line
        assert len(rows) == 47 and all("](appendix.md#ds-" in r and "](http" not in r for r in rows)


def test_the_appendix_gives_every_finding_behind_an_answer(corpus) -> None:
    """The answer `online` cites every `link` finding of its dataset, however many (was: six, then `(+n)`)."""
    out = corpus["reports"][("demo", "en")]
    with (out / "findings.csv").open(encoding="utf-8-sig", newline="") as fh:  # report CSVs start with a BOM
        links: dict[str, int] = {}
        for row in csv.DictReader(fh):
            if row["check"] == "link":
                links[row["dataset"]] = links.get(row["dataset"], 0) + 1
    appendix = (out / "appendix.md").read_text(encoding="utf-8")
    sections = {m.group(1): m.group(2) for m in re.finditer(r"\n`([^`]+)` ·(.*?)(?=\n<a id=|\Z)", appendix, re.DOTALL)}
    key = max(links, key=lambda k: (links[k], k))
    assert links[key] > 6
    online = next(line for line in sections[key].splitlines() if line.startswith("| `online`"))
    assert online.count("`link` ") == links[key] and not re.search(r" \(\+\d+\) \|$", online)


def test_zh_tw_diff_has_no_english_prose(corpus, capsys: pytest.CaptureFixture[str]) -> None:
    """diff.md in zh-TW between two real crawls (the demo replay and the real portal fixture: a
    thousand changes of every kind): no English prose word, by the rule of `english_words`."""
    from odaudit.bundled import rubric_path

    (old, rubric), (new, _) = corpus["runs"]["demo"], corpus["runs"]["real"]
    source = source_text(old, Path(rubric_path(rubric))) + source_text(new, None)
    texts = {}
    for lang in ("zh-TW", "en"):
        out = corpus["root"] / f"diff-{lang}"
        with pytest.raises(SystemExit) as done:
            main(["diff", str(old), str(new), "--rubric", rubric, "--out", str(out), "--lang", lang, "-q"])
        assert done.value.code == 1  # differences
        texts[lang] = (out / "diff.md").read_text(encoding="utf-8")
        line = capsys.readouterr().out
        assert (" 項變更、47 個資料集分數改變（規則 " in line) if lang == "zh-TW" else (" datasets rescored (rules " in line)
    found = english_words(texts["zh-TW"], source)
    assert found == [], f"{len(found)} English words, e.g. {found[:20]}"
    assert len(english_words(texts["en"], source)) > 1000


def test_zh_tw_trend_has_no_english_prose(corpus, capsys: pytest.CaptureFixture[str]) -> None:
    """trend.md in zh-TW over the three crawls (`--lang zh_TW` spelled as people type it): no English
    prose word by the rule of `english_words`, and the summary line in Chinese; the English
    edition has prose, so the measure is not blind."""
    snaps = [corpus["runs"][k][0] for k in ("demo", "real", "fail")]
    source = [s for snap in snaps for s in source_text(snap, None)]
    texts = {}
    for lang in ("zh_TW", "en"):
        out = corpus["root"] / f"trend-{lang}"
        run_main("trend", *snaps, "--out", out, "--lang", lang, "-q", "--workers", "0")
        texts[lang] = (out / "trend.md").read_text(encoding="utf-8")
        line = capsys.readouterr().out
        assert ("個快照" in line and "個檔案寫入" in line) if lang == "zh_TW" else ("snapshots, " in line)
    found = english_words(texts["zh_TW"], source)
    assert found == [], f"{len(found)} English words, e.g. {found[:20]}"
    assert len(english_words(texts["en"], source)) > 50
    # the site: the zh-TW edition (at the top of the zh-TW run's site/, and in zh-TW/ of the English
    # run's) has no English prose either; <code> holds check ids and names, as the code spans do
    editions = {"zh-TW": [corpus["root"] / "trend-zh_TW" / "site", corpus["root"] / "trend-en" / "site" / "zh-TW"],
                "en": [corpus["root"] / "trend-en" / "site", corpus["root"] / "trend-zh_TW" / "site" / "en"]}
    for lang, folders in editions.items():
        pages = [p for f in folders for p in sorted(f.glob("*.html")) + sorted(f.glob("agency/*.html"))]
        assert len(pages) > 6, folders
        html = "\n".join(p.read_text(encoding="utf-8") for p in pages)
        html = re.sub(r'<code>.*?</code>|<a [^>]*lang="en"[^>]*>English</a>', " ", html, flags=re.S)  # the switch to the English edition
        found = english_words(html, source)
        if lang == "zh-TW":
            assert found == [], f"{len(found)} English words in the zh-TW site, e.g. {sorted(set(found))[:40]}"
        else:
            assert len(found) > 500


def _platform_parts(report: Path) -> tuple[str, str]:
    """The platform section of report.md and the main part of the site's platform page."""
    text = (report / "report.md").read_text(encoding="utf-8")
    head = "\n## 平臺本身\n" if "\n## 平臺本身\n" in text else "\n## The portal itself\n"
    section = text[text.index(head) + 1:]
    section = section[:section.index("\n## ", 1)]
    page = (report / "site" / "platform.html").read_text(encoding="utf-8")
    main_part = page[page.index("<main"):page.index("</main>")]
    return section, re.sub(r"<code>(.*?)</code>", r"`\1`", main_part)  # identifiers, as code spans are in markdown


def test_zh_tw_platform_section_and_page_have_no_english_prose(corpus) -> None:
    """The platform section (report.md) and the site's platform page in zh-TW, for the demo and the
    failure crawls scored with the bundled rubric (measured fields, unanswered judged questions) and
    with a rubric whose platform answers a researcher wrote (judged rows, a reviewer, a source, links):
    no English prose word; the English editions have prose, so the measure is not blind."""
    from odaudit.bundled import rubric_path

    root = corpus["root"]
    snap = corpus["runs"]["demo"][0]
    answered = root / "platform-rubric.yaml"
    run_main("rubric", "init", snap, "--out", answered)
    lines = answered.read_text(encoding="utf-8").split("\n")
    for i, ln in enumerate(lines):
        if ln.startswith(("  search: {", "  feedback: {", "  dataset_count: {")):
            q = ln.split(":")[0].strip()
            lines[i] = (f'  {q}: {{answer: {"yes" if q == "search" else "no"}, value: "{"51234" if q == "dataset_count" else ""}", '
                        'reason: "研究者於平臺首頁查看", reviewer: "研究者甲", source: "平臺首頁", evidence: ["https://data.gov.tw/"]}')
    answered.write_text("\n".join(lines), encoding="utf-8")
    cases = [(corpus["reports"][(run, "zh-TW")], corpus["reports"][(run, "en")], corpus["runs"][run][0], Path(rubric_path("demo-datagovtw")))
             for run in ("demo", "fail")]
    for lang in ("zh-TW", "en"):
        run_main("score", snap, "--rubric", answered, "--out", root / f"platform-{lang}", "--lang", lang, "-q")
    cases.append((root / "platform-zh-TW", root / "platform-en", snap, answered))
    for zh, en, snapshot, rubric in cases:
        source = source_text(snapshot, rubric)
        for part_zh, part_en in zip(_platform_parts(zh), _platform_parts(en), strict=True):
            assert "field_phone" in part_zh
            found = english_words(part_zh, source)
            assert found == [], f"{zh.name}: {len(found)} English words, e.g. {found[:20]}"
            assert len(english_words(part_en, source)) > 40
    assert "檢查者 研究者甲" in _platform_parts(root / "platform-zh-TW")[0]
