"""The zh-TW renderings of the checks' evidence and the scoring's notes, as templates.

The checks keep writing their evidence in English (findings.csv is a stable machine format, and
the English is what the code and its tests speak); a report translates it when it renders, with
`odaudit.report.i18n.localise(text, lang)`. An evidence text is a list of phrases joined by `; `
(outside brackets); each phrase is matched whole against PHRASES, first match wins, and written
with its zh-TW template, the placeholders filled with the same groups. A group's name says what
its text is:

* `name_`: a phrase itself, rendered by the same rules (nested evidence: a reason, a message);
* `O_name`, `K_name`, `F_name`, `S_name`, `C_name`: a word of odaudit's own vocabulary (an outcome,
  an error kind, a metadata field, a sub-index list, a check id), looked up in WORDS;
* any other: portal text, a measured value, a number or an identifier, written as it is. Text
  from outside odaudit (a header, a server's or a library's message, a file's column names) is
  quoted 「…」 by the templates, so a reader sees where odaudit's words end.

A phrase no template matches is written as it is: never dropped, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: odaudit's own words inside phrases: outcomes, fetch error kinds, metadata fields, sub-indexes
WORDS: dict[str, dict[str, str]] = {
    "O": {"pass": "通過", "fail": "未通過", "warn": "警告", "skip": "略過", "error": "錯誤"},
    "K": {"timeout": "逾時", "connect": "無法連線", "read": "讀取中斷", "too_many_redirects": "轉址過多",
          "scheme": "不支援的網址協定", "invalid_url": "網址無效", "too_slow": "下載過慢", "http": "HTTP 錯誤",
          "blocked": "遭封鎖", "error": "錯誤", "not_recorded": "未錄製", "not_sampled": "未抽樣",
          "missing": "遺失", "altered": "遭變更", "link": "為連結", "name": "名稱不符"},
    "F": {"description": "說明", "主要欄位說明": "主要欄位說明", "publisher": "提供機關", "contact name": "聯絡人姓名",
          "contact phone/e-mail": "聯絡電話／電子郵件", "published date": "上架日期", "modified date": "詮釋資料更新日期",
          "cost": "計費方式", "service category": "服務分類", "update frequency": "更新頻率", "licence": "授權方式",
          "fields": "主要欄位說明"},
    "S": {"readiness": "政策基礎", "implementation": "資料現況", "impact": "影響力"},
    "D": {"drift": "偏移", "info": "資訊", "unusable": "無法使用", "ok": "正常", "export": "整批匯出檔", "encoding": "編碼",
          "api": "API", "vocabulary": "詞彙", "dates": "日期", "ckan": "CKAN", "pages": "網頁"},
    "A": {"yes": "是", "no": "否", "unanswered": "未作答"},
    "L": {"old": "舊", "new": "新"},
    "Q": {"exists": "存在", "online": "線上取得", "machine_readable": "機器可讀", "bulk": "整批下載", "free": "免費",
          "open_licence": "開放授權", "up_to_date": "最新", "sustained": "定期更新", "findable": "易於尋找", "linked": "關聯資料"},
    "C": {"link": "連結檢測", "downloadable": "直接下載檢測", "format": "格式檢測", "encoding": "編碼檢測",
          "structure": "結構檢測", "fields": "欄位檢測", "machine_readable": "機器可讀檢測", "stars": "星等檢測",
          "licence": "授權檢測", "free": "免費檢測", "freshness": "即時性檢測", "metadata": "詮釋資料檢測",
          "badge": "標章檢測", "consistency": "一致性檢測"},
}

#: fetch error kinds (model ErrorKind) that head a reason: `timeout: …`
_KINDS = "timeout|connect|read|too_many_redirects|scheme|invalid_url|too_slow|http|blocked|not_recorded|not_sampled"
_OUTCOMES = "pass|fail|warn|skip|error"

#: (pattern, zh-TW template); each pattern matches a whole phrase
PHRASES: list[tuple[str, str]] = [
    # why a resource was not looked at (checks/base.py NOT_FETCHED, body_skip, reachability)
    (r"not recorded by the crawl", "不在爬取紀錄中"),
    (r"not recorded by the crawl: (?P<m_>.+)", "不在爬取紀錄中：{m_}"),
    (r"not in the offline recording: (?P<u>.+)", "離線錄製檔沒有 {u}"),
    (r"not in the crawl's --sample", "不在此次爬取的 --sample 抽樣內"),
    (r"not in the crawl's --sample: (?P<m_>.+)", "不在此次爬取的 --sample 抽樣內：{m_}"),
    (r"blocked: the server refused this client, not the data \(not measured; try from another network\)",
     "遭封鎖：伺服器拒絕的是本工具而非資料（未量測；請改從其他網路重試）"),
    (r"blocked: the server refused this client, not the data \(not measured; try from another network\): (?P<m_>.+)",
     "遭封鎖：伺服器拒絕的是本工具而非資料（未量測；請改從其他網路重試）：{m_}"),
    (r"link not reachable", "連結無法連線"),
    (r"link not reachable: (?P<w_>.+)", "連結無法連線：{w_}"),
    (r"no body stored", "未儲存內容"),
    (r"an HTML page was served instead of the data", "伺服器回傳 HTML 網頁而非資料"),
    (r"empty body", "內容為空"),
    (r"no HTTP response recorded", "沒有記錄到 HTTP 回應"),
    (r"304 Not Modified: the body of the previous crawl was reused", "HTTP 304（未變更）：沿用上次爬取的內容"),
    (r"HTTP 401: login required", "HTTP 401：需要登入"),
    (r"data behind a login is not open", "須登入才能取得的資料不算開放"),
    (rf"(?P<K_k>{_KINDS}): (?P<m_>.+)", "{K_k}：{m_}"),
    (rf"(?P<K_k>{_KINDS})", "{K_k}"),
    (rf"(?P<s>\d{{3}}) (?P<K_k>{_KINDS})", "{s} {K_k}"),
    # messages of a fetch that got no answer (http/client.py, http/urls.py); the library's own words quoted
    (r"(?P<e>[A-Za-z]+) after (?P<t>[\d.]+) s: (?P<u>\S+)", "{e}：{t} 秒後無回應：{u}"),
    (r"read timed out after (?P<t>[\d.]+) s \((?P<n>\d+) bytes read\)", "讀取逾時：{t} 秒（已讀 {n} 位元組）"),
    (r"connection broken after (?P<n>\d+) bytes: (?P<e>.+)", "讀取 {n} 位元組後連線中斷：「{e}」"),
    (r"connection broken: (?P<e>.+)", "連線中斷：「{e}」"),
    (r"cannot connect: (?P<e>.+)", "無法連線：「{e}」"),
    (r"cannot decode (?P<w>\S+): (?P<e>.+)", "無法解碼 {w}：「{e}」"),
    (r"response not complete within (?P<t>[\d.]+) s \((?P<n>\d+) bytes of body read\)", "{t} 秒內未完成回應（已讀 {n} 位元組）"),
    (r"more than (?P<n>\d+) redirects", "轉址超過 {n} 次"),
    (r"redirect loop back to (?P<u>.+)", "轉址迴圈，回到 {u}"),
    (r"bad redirect Location (?P<l>.+?): (?P<e>.+)", "轉址的 Location 無效 「{l}」：「{e}」"),
    (r"invalid host name: (?P<e>.+)", "主機名稱無效：「{e}」"),
    (r"refused non-HTTP URL scheme (?P<s>'[^']*'): (?P<u>.+)", "拒絕非 HTTP 的網址協定 {s}：{u}"),
    (r"invalid URL (?P<u>.+?): (?P<e>.+)", "網址無效 {u}：「{e}」"),
    (r"URL without a host: (?P<u>.+)", "網址沒有主機名稱：{u}"),
    (r"HTTP (?P<s>\d+) after (?P<n>\d+) attempts", "嘗試 {n} 次後仍為 HTTP {s}"),
    (r"HTTP (?P<s>\d+); the server asked to wait (?P<t>\d+) s, (?P<e>.+)", "HTTP {s}：伺服器要求等待 {t} 秒，「{e}」"),
    # link
    (r"(?P<n>\d+) redirects?: (?P<chain>.+)", "轉址 {n} 次：{chain}"),
    (r"final URL (?P<u>.+)", "最終網址 {u}"),
    (r"after (?P<n>\d+) attempt\(s\)", "共嘗試 {n} 次"),
    # downloadable
    (r"direct (?P<f_>.+?) file", "可直接下載的 {f_} 檔案"),
    (r"(?P<n>[\d,]+) bytes", "{n} 位元組"),
    (r"an HTML page \((?P<t_>.*)\)", "HTML 網頁（{t_}）"),
    (r"<title>(?P<t>.*)</title>", "網頁標題「{t}」"),
    (r"HTML without a title", "沒有標題的 HTML"),
    (r"declared 檔案格式 (?P<v>.+)", "宣告的檔案格式 {v}"),
    (r"Content-Type (?P<v>.+)", "Content-Type 「{v}」"),
    (r"Content-Disposition (?P<v>.+)", "Content-Disposition 「{v}」"),
    (r"charset=(?P<v>.+)", "charset=「{v}」"),
    # format (checks/format.py verdict) and what the sniffer saw (inspect/sniff.py)
    (r"(?P<r>\S+) satisfies declared (?P<d>\S+)", "{r} 符合宣告的 {d}"),
    (r"(?P<r>\S+) satisfies declared (?P<d>\S+) \(a service response\)", "{r} 符合宣告的 {d}（服務回應）"),
    (r"declared value (?P<v>'.*') is not a format name", "宣告值 {v} 不是格式名稱"),
    (r"nothing to compare: declared format unknown \(其他 or empty\)", "無從比較：宣告格式不明（其他或空白）"),
    (r"real format is (?P<r>\S+)", "實際格式為 {r}"),
    (r"near miss: declared (?P<d>\S+), real (?P<r>\S+)", "相近但不符：宣告 {d}，實際 {r}"),
    (r"plain text without a delimiter \(a one-column CSV cannot be told apart\)", "沒有分隔符號的純文字（無法與單欄 CSV 區分）"),
    (r"unrecognised binary data", "無法辨識的二進位資料"),
    (r"declared (?P<d>[^\s,:]+)", "宣告 {d}"),
    (r"declared (?P<d>\S+), real (?P<r>\S+)", "宣告 {d}，實際 {r}"),
    (r"inside: (?P<f>.+)", "內含 {f}"),
    (r"(?P<n>\d+) members?: (?P<names>.+)", "{n} 個成員：{names}"),
    (r"(?P<f>[A-Z0-9]+) \((?P<m_>\d+ members?: .+)\)", "{f}（{m_}）"),
    # encoding
    (r"(?P<f>\S+) is a binary format: no text encoding to compare", "{f} 為二進位格式：沒有文字編碼可比較"),
    (r"(?P<c>\S+) is in the declared (?P<d>\S+) family", "{c} 屬於宣告的 {d} 編碼家族"),
    (r"strict UTF-8 fails at byte (?P<n>\d+) \((?P<b>[^)]*)\)", "以嚴格 UTF-8 解碼在第 {n} 位元組失敗（{b}）"),
    (r"decodes fully as (?P<c>\S+)", "可完整以 {c} 解碼"),
    (r"declared (?P<d>\S+), bytes are (?P<r>\S+)", "宣告 {d}，位元組實為 {r}"),
    (r"declared 其他: cannot compare", "宣告「其他」：無法比較"),
    (r"declared nothing: cannot compare", "未宣告編碼：無法比較"),
    (r"only ASCII bytes: valid UTF-8 and Big5 alike", "只有 ASCII 位元組：同時是有效的 UTF-8 與 Big5"),
    (r"only ASCII bytes", "只有 ASCII 位元組"),
    (r"XML declaration says encoding=(?P<e>\S+)", "XML 宣告的編碼為 {e}"),
    (r"UTF-8 with BOM \(EF BB BF\)", "含 BOM 的 UTF-8（EF BB BF）"),
    (r"starts with a byte-order mark", "以 BOM 開頭"),
    (r"several encodings declared", "宣告了多種編碼"),
    # fields
    (r"header and 主要欄位說明 agree", "表頭與主要欄位說明一致"),
    (r"ZIP member (?P<m>.+)", "ZIP 成員 {m}"),
    (r"missing from header: (?P<l>.+)", "表頭缺少「{l}」"),
    (r"extra columns: (?P<l>.+)", "多出的欄位「{l}」"),
    (r"no columns in an? (?P<f>\S+)", "{f} 沒有欄位"),
    (r"no table header to compare", "沒有表頭可比較"),
    (r"主要欄位說明 lists no fields", "主要欄位說明未列出任何欄位"),
    (r"header: (?P<l>.+)", "表頭「{l}」"),
    (r"(?P<a>\d+)/(?P<b>\d+) declared fields in header", "表頭含宣告的 {b} 個欄位中的 {a} 個"),
    # consistency
    (r"no contradictions found while parsing the metadata", "解析詮釋資料時未發現矛盾"),
    (r"資料量 not declared", "未宣告資料量"),
    (r"not tabular: no row count to compare with 資料量", "非表格：沒有列數可與資料量比較"),
    (r"no row count measured", "未量測到列數"),
    (r"資料量 (?P<v>'.*') is not a number", "資料量 {v} 不是數字"),
    (r"資料量 (?P<d>\d+) but at least (?P<r>\d+) rows seen \((?P<n_>.*)\)", "資料量 {d}，但至少有 {r} 列（{n_}）"),
    (r"only (?P<r>\d+) rows seen \((?P<n_>.*)\)", "只看到 {r} 列（{n_}）"),
    (r"資料量 matches the data rows", "資料量與資料列數相符"),
    (r"資料量 (?P<d>\d+), data has (?P<r>\d+) rows \(within 10%\)", "資料量 {d}，資料有 {r} 列（差距在 10% 內）"),
    (r"資料量 (?P<d>\d+), data has (?P<r>\d+) rows", "資料量 {d}，資料有 {r} 列"),
    (r"(?P<n>\d+) `;` inside URLs re-joined \((?P<a>\d+) pieces -> (?P<b>\d+) URLs\)", "網址中的 {n} 個分號已接回（{a} 段 → {b} 個網址）"),
    (r"(?P<f>[^\s:;]+): (?P<k>[a-z]+_[a-z_]+)", "{f}：{k}"),
    (r"(?P<f>[^\s:;]+): (?P<k>[a-z]+_[a-z_]+) \((?P<d_>.*)\)", "{f}：{k}（{d_}）"),
    # metadata
    (r"all scored fields present", "計分欄位皆齊全"),
    (r"missing or weak: (?P<i_>.+)", "缺少或不足：{i_}"),
    (r"(?P<F_f>[^()]+?) \(-(?P<p>\d+)\)", "{F_f}（-{p}）"),
    (r"(?P<F_f>[^()]+?) \(-(?P<p>\d+): (?P<w_>.+)\)", "{F_f}（-{p}：{w_}）"),
    (r"category boilerplate", "僅有分類的制式文字"),
    (r"only (?P<n>\d+) characters", "只有 {n} 個字"),
    (r"not a recognised licence", "不是可辨識的授權"),
    # stars and machine_readable
    (r"(?P<f>\S+) \((?P<h_>[^)]*)\): (?P<n>\d)★ in the ckanext-qa table", "{f}（{h_}）：ckanext-qa 評等表中為 {n}★"),
    (r"(?P<f>\S+) \((?P<h_>[^)]*)\) is structured, machine-readable", "{f}（{h_}）為結構化、機器可讀的資料"),
    (r"(?P<f>\S+) \((?P<h_>[^)]*)\) is not structured data", "{f}（{h_}）不是結構化資料"),
    (r"sniffed from the bytes", "依內容位元組判讀"),
    (r"sniffed: ZIP of (?P<f>\S+)", "判讀為內含 {f} 的 ZIP"),
    (r"from the URL extension", "依網址副檔名"),
    (r"from the declared 檔案格式", "依宣告的檔案格式"),
    (r"could not understand the file format", "無法判讀檔案格式"),
    (r"non-proprietary format", "非專屬格式"),
    (r"proprietary format", "專屬格式"),
    (r"licence (?P<v>'.*') not open → 0 \(ckanext-qa: open licence required\)", "授權 {v} 非開放 → 0（ckanext-qa：須為開放授權）"),
    (r"licence not applied \((?P<w_>.*)\)", "未計入授權（{w_}）"),
    (r"link broken \((?P<m_>[^)]*)\) → 0 \(ckanext-qa score_if_link_broken\)", "連結失效（{m_}）→ 0（ckanext-qa score_if_link_broken）"),
    (r"external dataset: no portal metadata", "外部資料集：沒有平臺詮釋資料"),
    (r"dataset not found online", "資料集未在線上找到"),
    (r"portal metadata not fetched \((?P<e>.*)\)", "未取得平臺詮釋資料（{e}）"),
    # structure
    (r"(?P<f>\S+) is not a tabular or structured text format", "{f} 不是表格或結構化文字格式"),
    (r"(?P<f>\S+) with no tabular member is not a tabular or structured text format", "不含表格成員的 {f}，不是表格或結構化文字格式"),
    (r"no errors", "沒有錯誤"),
    (r"does not parse", "無法解析"),
    (r"engine (?P<e>\S+)", "解析引擎 {e}"),
    (r"engine (?P<e>\S+), encoding (?P<c>\S+)", "解析引擎 {e}，編碼 {c}"),
    (r"first sheet", "第一個工作表"),
    (r"records: <(?P<t>[^>]+)> elements", "紀錄為「<{t}>」元素"),
    (r"well-formed (?P<f>\S+)", "格式正確的 {f}"),
    (r"first: (?P<x_>.+)", "前幾例：{x_}"),
    (r"(?P<a_>.+?) \| (?P<b_>.+)", "{a_} | {b_}"),
    (r"(?P<k>[a-z]+-[a-z-]+) at row (?P<r>\d+) field (?P<f>\d+) \((?P<d_>.*)\)", "{k}：第 {r} 列第 {f} 欄（{d_}）"),
    (r"(?P<k>[a-z]+-[a-z-]+) at row (?P<r>\d+) \((?P<d_>.*)\)", "{k}：第 {r} 列（{d_}）"),
    (r"(?P<k>[a-z]+-[a-z-]+) at row (?P<r>\d+) field (?P<f>\d+)", "{k}：第 {r} 列第 {f} 欄"),
    (r"(?P<k>[a-z]+-[a-z-]+) at row (?P<r>\d+)", "{k}：第 {r} 列"),
    (r"(?P<v>'.*') is not (?P<t>\"?[a-z]+/[a-z]+\"?)", "{v} 不是 {t}"),
    (r"source-error: truncated spreadsheet cannot be read", "source-error：截斷的試算表無法讀取"),
    (r"1 of (?P<n>\d+) tabular members checked", "只檢查了 {n} 個表格成員中的 1 個"),
    # badge
    (r"no badge claimed", "未宣稱品質標章"),
    (r"no badge claimed \(無\)", "未宣稱品質標章（無）"),
    (r"品質檢測 (?P<v>'.*') not understood \(README: adding a vocabulary value\)", "品質檢測 {v} 無法理解（見 README 的新增詞彙值一節）"),
    (r"exempt from the quality check \((?P<v>.*)\)", "免受品質檢測（{v}）"),
    (r"claimed (?P<c>[^\s(]+)", "宣稱 {c}"),
    (r"claimed (?P<c>[^\s(]+) \((?P<n_>.*)\)", "宣稱 {c}（{n_}）"),
    (r"(?P<a>\S+)'s API/OAS requirement not verified", "{a} 的 API／OAS 要求未驗證"),
    (r"judged as (?P<b>\S+)", "以 {b} 判定"),
    (r"highest level met: (?P<m_>.+)", "達到的最高等級：{m_}"),
    (r"broken: (?P<x_>.+)", "未達成：{x_}"),
    (r"nothing broken, but unverified: (?P<x_>.+)", "沒有未達成的要求，但未驗證：{x_}"),
    (r"all (?P<t>\S+) requirements met \((?P<l>.*)\)", "{t} 的要求全部達成（{l}）"),
    (rf"(?P<C_c>[a-z_]+) (?P<O_o>{_OUTCOMES}) on (?P<w>\S+)", "{C_c}在 {w} {O_o}"),
    (rf"(?P<C_c>[a-z_]+) (?P<O_o>{_OUTCOMES}) on (?P<w>\S+) \((?P<d_>.*)\)", "{C_c}在 {w} {O_o}（{d_}）"),
    (r"(?P<C_c>[a-z_]+): no finding", "{C_c}：沒有檢測結果"),
    # freshness
    (r"(?P<f>\S+): irregular, no expected age", "{f}：不定期，沒有應有的更新間隔"),
    (r"(?P<f>\S+): declared static, never stale", "{f}：宣告不更新，不會過期"),
    (r"更新頻率 not stated", "未宣告更新頻率"),
    (r"更新頻率 (?P<v>'.*') not understood", "更新頻率 {v} 無法理解"),
    (r"newest: (?P<x_>.+)", "最新：{x_}"),
    (r"no date to compare", "沒有日期可比較"),
    (r"real time counted as hourly", "即時以每小時計"),
    (r"#(?P<i>\d+) declared modified (?P<t>.+)", "#{i} 宣告的更新時間 {t}"),
    (r"#(?P<i>\d+) data (?P<c>.+?) (?P<t>\d{4}-\d\d-\d\d.*)", "#{i} 資料欄位「{c}」{t}"),
    (r"(?P<l>.+) (?P<t>\d{4}-\d\d-\d\d[^a-z]*) is in the future: ignored", "{l} {t} 在未來：不採用"),
    (r"#(?P<i>\d+) data dates not measured \(body (?P<K_k>\S+)\)", "#{i} 資料日期未量測（內容{K_k}）"),
    (r"#(?P<i>\d+) data dates unavailable \((?P<e>\w+)\)", "#{i} 資料日期無法取得（{e}）"),
    (r"#(?P<i>\d+) (?P<n>\d+) dates? in (?P<c>.+) after the crawl ignored \(latest (?P<t>.+)\)",
     "#{i} 欄位「{c}」有 {n} 個晚於爬取時間的日期，不採用（最晚 {t}）"),
    # licence and free
    (r"授權方式 is empty", "授權方式空白"),
    (r"授權方式 (?P<v>'.*') not understood: judge by hand, or add it \(README: adding a vocabulary value\)",
     "授權方式 {v} 無法理解：請人工判斷，或新增此詞彙值（見 README）"),
    (r"授權方式 (?P<v>'.*') → (?P<i>\S+)", "授權方式 {v} → {i}"),
    (r"授權方式 (?P<v>'.*') → (?P<i>\S+) \((?P<n_>.*)\)", "授權方式 {v} → {i}（{n_}）"),
    (r"(?P<l>CC BY [\d.]+) compatible", "與 {l} 相容"),
    (r"version not stated", "未標明版本"),
    (r"NC/ND terms are not open \(Open Definition\)", "NC／ND 條款不算開放（依開放定義）"),
    (r"not a recognised open licence", "不是可辨識的開放授權"),
    (r"no licence stated → 0 \(ckanext-qa: open licence required\)", "未標明授權 → 0（ckanext-qa：須為開放授權）"),
    (r"unrecognised 更新頻率", "無法辨識的更新頻率"),
    (r"unrecognised v2 updateFrequency", "無法辨識的 v2 updateFrequency"),
    (r"regularupdate=0", "regularupdate=0（不定期）"),
    (r"trailing text ignored: (?P<t>.+)", "忽略其後的文字「{t}」"),
    (r"not understood", "無法理解"),
    (r"below (?P<x>\S+)", "未達 {x}"),
    (r"計費方式 is empty: cost unknown", "計費方式空白：費用不明"),
    (r"計費方式 (?P<v>'.*') not understood", "計費方式 {v} 無法理解"),
    # what the scoring adds (scoring/automate.py: the record behind `exists`; scoring/coverage.py: not a measurement)
    (r"listed on the portal \(dataset record fetched\)", "列於平臺上（已取得資料集詮釋資料）"),
    (r"not in the portal's catalog export", "不在平臺的整批匯出清單中"),
    (r"not measured: (?P<r_>.+)", "未量測：{r_}"),
    (rf"the check said (?P<O_o>{_OUTCOMES}): (?P<e_>.*)", "檢測原本的結果為{O_o}：{e_}"),
    (r"not in the --sample", "不在 --sample 抽樣內"),
    (r"not recorded in the replay", "不在重播錄製檔內"),
    (r"blocked: the server refused this client", "遭封鎖：伺服器拒絕本工具"),
    (r"a stand-in served by the replay recording, not the agency's file", "重播錄製檔提供的替代檔，並非機關的檔案"),
    (r"a conversion made for the replay recording, not the file as published", "為重播錄製檔製作的轉換檔，並非發布的原檔"),
    # the scoring's notes (scoring/engine.py, tree.py)
    (r"(?P<n>\d+) of (?P<m>\d+) items unanswered", "{m} 題中 {n} 題未評分"),
    (r"unanswered", "未作答"),
    (r"incomplete: unanswered items in (?P<S_s>.+)", "無法計算：{S_s}有未評分的題目"),
    (r"not assessed \(weight 0\)", "未評估（權重 0）"),
    # what explains a change of score (diff/deltas.py), a finding's old and new value, a side's warning
    (r"(?P<Q_q>[a-z_]+) (?P<A_a>yes|no|unanswered)→(?P<A_b>yes|no|unanswered)", "{Q_q}：{A_a}→{A_b}"),
    (r"(?P<Q_q>[a-z_]+) (?P<A_a>yes|no|unanswered)→(?P<A_b>yes|no|unanswered) \((?P<w_>.*)\)", "{Q_q}：{A_a}→{A_b}（{w_}）"),
    (rf"(?P<C_c>[a-z_]+) (?P<O_a>{_OUTCOMES})→(?P<O_b>{_OUTCOMES})(?P<r>(?: #\d+)?)", "{C_c} {O_a}→{O_b}{r}"),
    (rf"(?P<O_o>{_OUTCOMES})", "{O_o}"),
    (rf"(?P<O_o>{_OUTCOMES}): (?P<m_>.*)", "{O_o}：{m_}"),
    (r"(?P<L_l>old|new): (?P<w_>.+)", "{L_l}：{w_}"),
    (r"#(?P<n>\d+): (?P<w_>.+)", "#{n}：{w_}"),
    (r"(?P<n>\d+) columns?", "{n} 欄"),
    (r"HTML page", "HTML 網頁"),
    (r"(?P<f>[A-Z0-9]+) file", "{f} 檔案"),
    (r"no date", "沒有日期"),
    (r"ascii", "ASCII"),
    (r"no response", "沒有回應"),
    (r"(?P<n>\d+) issues?", "{n} 個問題"),
    (r"missing", "缺漏"),
    (r"charged", "收費"),
    (r"unclear", "不明"),
    (r"unknown", "不明"),
    (r"free", "免費"),
    (r"the old and new rubrics differ \((?P<n>\d+) difference\(s\)\); both sides are scored with (?P<s>.+)", "新舊評分表不同（{n} 處）；兩邊皆以 {s} 計分"),
    (r"the (?P<L_l>old|new) snapshot is (?P<s>\S+): datasets it lacks count as added or removed", "{L_l}快照狀態為 {s}：它缺少的資料集算作新增或移除"),
    (r"(?P<n>\d+) dataset\(s\) rescored \((?P<l>.*)\)", "{n} 個資料集分數改變（{l}）"),
    (r"(?P<n>\d+) added", "新增 {n} 個"),
    (r"(?P<n>\d+) removed", "移除 {n} 個"),
    (r"(?P<n>\d+) added \((?P<y>\d+) yes\)", "新增 {n} 個（{y} 個答「是」）"),
    (r"(?P<n>\d+) removed \((?P<y>\d+) yes\)", "移除 {n} 個（{y} 個答「是」）"),
    (r"(?P<n>\d+) yes→not yes \((?P<l>.*)\)", "{n} 個由「是」變為非「是」（{l}）"),
    (r"(?P<n>\d+) →yes \((?P<l>.*)\)", "{n} 個變為「是」（{l}）"),
    (r"category (?P<c>\S+) (?P<d>[+-][\d.]+)", "類別 {c} {d}"),
    (r"\+(?P<n>\d+) more categories", "另有 {n} 個類別"),
    (r"\+(?P<n>\d+) more", "另有 {n} 項"),
    (r"judged items: the same rubric on both sides", "研究者評分的題目：兩邊使用同一份評分表"),
    # the order of the snapshots of a trend (trend/engine.py `crawl_order`); "; " splits each warning in two phrases
    (r"the snapshots were not given in crawl order", "快照並未依擷取順序給定"),
    (r"they are taken in crawl order: (?P<s>.+)", "已改依擷取順序處理：{s}"),
    (r"several snapshots have the same crawl time \((?P<t>.*)\)", "數個快照的擷取時間相同（{t}）"),
    (r"they are taken in the order given", "依給定的順序處理"),
    (r"(?P<S_s>readiness|implementation|impact) (?P<d>[+-][\d.]+) × (?P<w>[\d.]+)", "{S_s} {d} × {w}"),
    (r"datasets (?P<a>\d+)→(?P<b>\d+)", "資料集 {a}→{b}"),
    (r"quality (?P<a>\S+)→(?P<b>\S+)", "品質 {a}→{b}"),
    (r"open (?P<a>\S+)→(?P<b>\S+)", "開放 {a}→{b}"),
    # the crawl's portal probe (doctor.py): what changed and what odaudit did about it
    (r"(?P<v>\S+): (?P<n>\d+) values? odaudit does not understand: (?P<l>.+)", "{v}：{n} 個 odaudit 無法理解的值：{l}"),
    (r"the badge check warns 'not understood' instead of judging the badge", "標章檢測改為警告「無法理解」，不判定標章"),
    (r"the freshness check skips those datasets \(no expected age\)", "即時性檢測略過這些資料集（沒有應有的更新間隔）"),
    (r"the licence check skips those datasets: a researcher answers open_licence by hand", "授權檢測略過這些資料集：由研究者人工回答 open_licence"),
    (r"the format check has nothing to compare \(warn\)", "格式檢測無從比較（警告）"),
    (r"the real format is still sniffed", "仍會判讀實際格式"),
    (r"listed in the report as not understood", "報告中列為無法理解"),
    (r"column (?P<m>.+) seems renamed to (?P<n>.+) \(similarity (?P<s>[\d.]+)\)", "欄位 {m} 似乎改名為 {n}（相似度 {s}）"),
    (r"column (?P<m>.+) is missing", "欄位 {m} 不見了"),
    (r"new column (?P<c>.+)", "新欄位 {c}"),
    (r"kept in every dataset record's raw.export", "保留在每筆資料集紀錄的 raw.export 中"),
    (r"no check reads it", "沒有檢測讀取它"),
    (r"column (?P<c>.+) is named (?P<a>.+), its older name", "欄位 {c} 使用舊名 {a}"),
    (r"read under that name", "依該名稱讀取"),
    (r"the export has no UTF-8 byte order mark \(BOM\)", "整批匯出檔沒有 UTF-8 的 BOM"),
    (r"read as UTF-8 all the same", "仍以 UTF-8 讀取"),
    (r"the export is not UTF-8: decoded as (?P<c>\S+)", "整批匯出檔不是 UTF-8：以 {c} 解碼"),
    (r"not read by odaudit", "odaudit 不讀取"),
    (r"meta\.(?P<k>\S+) is read as missing", "meta.{k} 視為缺漏"),
    (r"meta\.(?P<k>\S+) is read as missing, else from the API's (?P<a>\S+)", "meta.{k} 視為缺漏，若 API 有 {a} 則取其值"),
    (r"each resource's (?P<k>\S+) comes from the API where it answers, else stays empty", "每個資源的 {k} 取自 API（有回應時），否則留空"),
    (r"ignored", "忽略"),
    (r"ignored \(kept in raw\.api\)", "忽略（保留在 raw.api 中）"),
    # the scoring's warnings (scoring/engine.py, ratings.py)
    (r"the rubric names catalog (?P<a>'.*') but the snapshot was crawled with (?P<b>'.*')", "評分表指定清單 {a}，但快照是以清單 {b} 爬取"),
    (r"not found on the portal \(neither its export nor its API knows the id; check the catalog\): (?P<l>.+)",
     "平臺上找不到（整批匯出檔與 API 都沒有此代號；請檢查清單）：{l}"),
    (r"the snapshot is (?P<s>\S+): datasets not crawled are scored from manual answers only", "快照狀態為 {s}：未爬取的資料集只依人工答案計分"),
    (r"(?P<p>.+): columns not used: (?P<l>.+)", "{p}：未使用的欄位「{l}」"),
    (r"(?P<p>.+): (?P<n>\d+) rows without a rating \(skipped items\) are not counted", "{p}：{n} 列沒有評分（略過的題目），不計入"),
]

_COMPILED = [(re.compile(p), tmpl) for p, tmpl in PHRASES]


def split_phrases(text: str) -> list[str]:
    """`a; b (c; d); e` → [a, b (c; d), e]: a `; ` inside brackets belongs to its phrase."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "(（[":
            depth += 1
        elif ch in ")）]" and depth:  # an unmatched closing bracket is text, not a level
            depth -= 1
        elif ch == ";" and depth == 0 and text.startswith("; ", i):
            parts.append(text[start:i])
            start = i + 2
    return [*parts, text[start:]]


def _word(kind: str, value: str) -> str:
    table = WORDS[kind]
    if kind == "S":  # a list of sub-index ids
        return "、".join(table.get(v.strip(), v.strip()) for v in value.split(","))
    return table.get(value, value)


def _fill(match: re.Match[str], template: str, again: Callable[[str], str]) -> str:
    values = {}
    for name, value in match.groupdict().items():
        value = value or ""
        if name.endswith("_"):
            values[name] = again(value)
        elif name[1:2] == "_" and name[0] in WORDS:
            values[name] = _word(name[0], value)
        else:
            values[name] = value
    return template.format(**values)


def phrase_zh(phrase: str) -> str:
    """One phrase in zh-TW; unchanged when no template matches it."""
    for pattern, template in _COMPILED:
        m = pattern.fullmatch(phrase)
        if m:
            return _fill(m, template, evidence_zh)
    return phrase


def evidence_zh(text: str) -> str:
    """An evidence text or note in zh-TW, phrase by phrase (joined by `；`)."""
    if not text:
        return text
    return "；".join(phrase_zh(p) for p in split_phrases(text))
