"""The catalog's entries for the site of `odaudit trend` (odaudit/trend/site.py and the
templates trend_*.html.j2), in English and Traditional Chinese (Taiwan).

Part of the one catalog: odaudit/report/i18n.py merges them into its table (`t()` and `has()`
know them like any other key); kept apart only because i18n.py is near the module size limit.
Labels the trend site shares with the other reports (datasets, resources, trend_*, …) stay where
they are; the keys here are the site's `site_t_*` and the trend.md sentences added with it, and
none may repeat a key of i18n.py (tests/test_trend_site.py).
"""

from __future__ import annotations

TREND_SITE: dict[str, tuple[str, str]] = {
    "site_t_title": ("Open data over time", "開放資料的歷年變化"),
    "site_t_nav_broken": ("Longest broken", "失效最久"),
    "site_t_footer": ("Made by odaudit trend · rules `{rules}` · rubric `{rubric}` · method `{method}`",
                      "由 odaudit 趨勢分析產生 · 檢測規則 `{rules}` · 評分表 `{rubric}` · 計分法 `{method}`"),
    "site_t_span": ("{n} snapshots, crawled {first} → {last}", "{n} 個快照，擷取於 {first} → {last}"),
    # the overview's minute (links kept: see build.tm)
    "site_t_s_quantity": ("**Datasets**: {d0} → {d1} ({dg}); **passing the quality bar**: {q0} → {q1} ({qg}), first snapshot to last.",
                          "**資料集**：{d0} → {d1}（{dg}）；**通過品質門檻**：{q0} → {q1}（{qg}），從第一個快照到最後一個。"),
    "site_t_s_broken": ("{n} resources' links fail in the latest snapshot, {always} of them in every snapshot: {link}.",
                        "最新快照中有 {n} 個資源的連結失效，其中 {always} 個在每個快照都失效：{link}。"),
    "site_t_s_agencies": ("Mean dataset score from the first snapshot to the last: {up} agencies improved, {down} declined ({link}); each agency's page shows the resources and findings behind its change.",
                          "第一個到最後一個快照的資料集平均分數：{up} 個提供機關進步、{down} 個退步（{link}）；各機關的頁面列出變化背後的資源與檢測結果。"),
    "site_t_s_one": ("One snapshot: nothing to compare yet.", "只有一個快照：尚無從比較。"),
    "site_t_snapshots": ("The snapshots, in crawl order", "各快照（依擷取順序）"),
    "site_t_reason": ("Findings used", "採用的檢測結果"),
    "site_t_chart_alt": ("Datasets and datasets passing the quality bar, per crawl: {points}", "各次擷取的資料集數與通過品質門檻的資料集數：{points}"),
    "site_t_indexes": ("The barometer and its sub-indexes per snapshot", "各快照的晴雨表總分與分項指數"),
    # the longest-broken page
    "site_t_broken_intro": ("Resources whose link check fails in the latest snapshot, longest first. **Streak**: the snapshots in a row the link has failed; **since**: the crawl that began the run; **history**: the outcome in each snapshot, in crawl order.",
                            "最新快照中連結檢測未通過的資源，依失效時間由長到短排列。**連續**：連結連續失效的快照數；**起始**：開始失效的那次擷取；**歷程**：依擷取順序的各次結果。"),
    "site_t_broken_n": ("{n} links fail in the latest snapshot; {always} of them in every snapshot.", "最新快照中有 {n} 個連結失效，其中 {always} 個在每個快照都失效。"),
    "site_t_broken_more": ("The {k} longest broken are listed here; all {n} are on their agencies' pages and in resource_history.csv.",
                           "此處列出失效最久的 {k} 個；全部 {n} 個見各提供機關的頁面與 resource_history.csv。"),
    "site_t_no_broken": ("No resource's link fails in the latest snapshot.", "最新快照中沒有連結失效的資源。"),
    # agencies
    "site_t_agencies_intro": ("Mean dataset score of each agency in the first and the last snapshot (agencies in both), with the evidence: datasets, share passing the quality bar, and the links of its datasets broken now, broken since after the first snapshot, and fixed. Each agency's page lists those resources with their findings.",
                              "各提供機關在第一個與最後一個快照的資料集平均分數（兩者皆有者），並附證據：資料集數、通過品質門檻比例，以及其資料集目前失效、在第一個快照之後才失效與已修復的連結數。各機關的頁面逐一列出這些資源與其檢測結果。"),
    "site_t_no_change": ("No agency's mean score changed.", "沒有提供機關的平均分數改變。"),
    "site_t_all_agencies": ("Every agency, first snapshot → last", "所有提供機關（第一個快照 → 最後一個）"),
    "site_t_absent": ("not in the snapshot", "不在快照中"),
    # one agency
    "site_t_agency_lead": ("How this agency's datasets fared over {n} snapshots, and every check of its datasets that failed in some snapshot or changed outcome, with the evidence.",
                           "此機關的資料集在 {n} 個快照中的表現，以及其資料集中曾在任一快照未通過或結果改變的每一項檢測與其證據。"),
    "site_t_agency_series": ("Over the snapshots", "各快照的數值"),
    "site_t_agency_chart": ("{agency}: datasets and datasets passing the quality bar", "{agency}：資料集與通過品質門檻的資料集"),
    "site_t_units": ("The resources and findings behind the change", "變化背後的資源與檢測結果"),
    "site_t_units_text": ("{n} checks failed in some snapshot or changed outcome; those failing now come first. The URL, the check, the outcome in each snapshot and the evidence of the latest finding:",
                          "共 {n} 項檢測曾在某個快照未通過或結果改變；目前未通過者列在前面。網址、檢測項目、各快照的結果與最新一次檢測的證據："),
    "site_t_no_units": ("No check of its datasets failed or changed outcome in any snapshot.", "其資料集的檢測在各快照中皆未曾未通過，結果也未曾改變。"),
    "site_t_outcome": ("Now", "目前"),
    "site_t_first_failed": ("First failed", "首次未通過"),
    "site_t_last_passed": ("Last passed", "最後通過"),
    "site_o_absent": ("absent", "不存在"),
    # trend.md (trend/render.py): the evidence under each improving or declining agency
    "trend_behind": ("Behind {agency}: the links of its datasets broken now or fixed (history in crawl order; latest evidence):",
                     "{agency} 的變化背後：其資料集目前失效或已修復的連結（依擷取順序的歷程；最新證據）："),
}
