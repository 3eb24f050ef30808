"""The platform section's words (scoring/platform.py), part of the one catalog of odaudit/report/i18n.py:
that module merges them into its `_T`, and every report reads them through `i18n.t`."""

from __future__ import annotations

PLATFORM_T: dict[str, tuple[str, str]] = {
    "platform": ("The portal itself", "平臺本身"),
    "platform_intro": (
        "The portal assessed as a platform, with the questions of the 2017 platform survey of Taiwan's 2014–2016 Open "
        "Government Report. The field shares are measured from the snapshot's dataset records; a dataset whose metadata "
        "could not be read is counted as not measured, never as missing. The other questions are a researcher's judgment "
        "in the rubric (`platform:`): odaudit never answers them. This section has its own score and does not enter the barometer.",
        "以 2014–2016 開放政府報告（2017 年出版）平臺盤點的問題，評估平臺本身。欄位比例由快照的資料集紀錄量測；"
        "詮釋資料無法讀取的資料集算作「未量測」，不算作缺少。其餘問題由研究者在評分規準（`platform:`）中判斷，"
        "odaudit 不代答。本節另計分數，不列入晴雨表。"),
    "platform_score": ("Platform score: {score} of 100 (the mean of {m} questions, equal weights; the dataset count is not scored).",
                       "平臺分數：{score}（滿分 100；{m} 題的平均，權重相同；資料集數量不計分）。"),
    "platform_score_partial": ("Platform score: not complete, {k} of {m} questions answered or measured (their mean: {score}).",
                               "平臺分數：尚未完整，{m} 題中 {k} 題已作答或已量測（其平均：{score}）。"),
    "platform_score_none": ("Platform score: none of the {m} questions is answered or measured.", "平臺分數：{m} 題皆未作答、未量測。"),
    "platform_portal": ("Portal: {portal} (adapter `{adapter}`).", "平臺：{portal}（轉接器 `{adapter}`）。"),
    "platform_method_h": ("The platform section", "平臺一節"),
    "platform_method": (
        "Platform section: the 2017 platform survey's questions. Each metadata field is the share of the portal's datasets "
        "whose record carries it (n of N: N counts the datasets whose metadata was read from a source that can carry that "
        "field; the others are not measured). The dataset count is measured by a whole-portal crawl; a catalog crawl is a "
        "selection and does not know it. Licence terms, the open-data declaration, a way to request data, search, feedback "
        "and showcases are judged by a researcher in the rubric; what the snapshot shows (the licences the datasets name) "
        "is evidence beside the answer. Its score is the mean of the questions' scores (yes 100, no 0, a field its share "
        "times 100), with equal weights, apart from the barometer; platform.csv holds every row.",
        "平臺一節：2017 年平臺盤點的問題。每個詮釋資料欄位的數值，是平臺資料集的紀錄中載有該欄位的比例"
        "（N 個中的 n 個：N 為詮釋資料已自可載有該欄位的來源讀取的資料集，其餘為未量測）。"
        "資料集數量由全平臺爬取量測；依清單爬取只是選取部分資料集，無從得知。授權條款、資料開放宣告、提資料需求管道、"
        "搜尋、回饋與應用範例由研究者在評分規準中判斷；快照所見（資料集載明的授權）列為答案旁的證據。"
        "分數為各題分數的平均（是 100、否 0、欄位為其比例乘以 100），權重相同，與晴雨表分開；每一列見 platform.csv。"),
    # table headers
    "pf_answer": ("Answer", "答案"),
    "pf_basis": ("From", "來源"),
    "pf_value": ("Value", "數值"),
    "pf_evidence": ("Evidence", "證據"),
    "pf_source": ("Who, from what", "作答者與出處"),
    # how a row was answered
    "pb_measured": ("measured", "實測"),
    "pb_judged": ("researcher", "研究者"),
    "pb_unanswered": ("unanswered", "未作答"),
    "pb_not_measured": ("not measured", "未量測"),
    # values and evidence
    "pf_share": ("{share} ({n} of {N} datasets)", "{share}（{N} 個資料集中 {n} 個）"),
    "pf_share_none": ("no dataset measured", "無資料集可量測"),
    "pf_unmeasured": ("{u} datasets not measured (metadata not read, or not in its sources)",
                      "{u} 個資料集未量測（詮釋資料未讀取，或其來源不含此欄位）"),
    "pf_count_whole": ("{n} datasets in this whole-portal crawl", "本次全平臺爬取共 {n} 個資料集"),
    "pf_count_manifest": ("{n} datasets, the portal's total recorded by the crawl", "{n} 個資料集（爬取時記錄的平臺總數）"),
    "pf_count_selection": ("not known: a catalog crawl is a selection", "無從得知：依清單爬取只是選取部分資料集"),
    "pf_licence_named": ("{n} of {N} datasets name a licence: {top}", "{N} 個資料集中 {n} 個載明授權：{top}"),
    "pf_licence_none": ("{n} of {N} datasets name a licence", "{N} 個資料集中 {n} 個載明授權"),
    "pf_reviewer": ("reviewer {who}", "檢查者 {who}"),
    "pf_from": ("from {src}", "出處 {src}"),
    "pf_rubric_value": ("the rubric's value: {v}", "評分規準所填：{v}"),
    # the questions (the 2017 survey's columns are given beside them, as published)
    "pq_licence_terms": ("Licence terms stated", "有授權條款"),
    "pq_declaration": ("Open-data declaration", "政府網站資料開放宣告"),
    "pq_request_channel": ("A way to request data", "提資料需求管道"),
    "pq_dataset_count": ("Dataset count", "資料集數量"),
    "pq_showcases": ("Showcases of reuse", "應用範例"),
    "pq_search": ("Search", "搜尋功能"),
    "pq_feedback": ("Feedback", "回饋機制"),
    "pq_field_title": ("Field: dataset title", "欄位：資料集名稱"),
    "pq_field_description": ("Field: description", "欄位：資料集描述"),
    "pq_field_columns": ("Field: column descriptions", "欄位：主要欄位說明"),
    "pq_field_format": ("Field: file format", "欄位：檔案格式"),
    "pq_field_licence": ("Field: licence", "欄位：授權方式"),
    "pq_field_licence_url": ("Field: licence URL", "欄位：授權說明網址"),
    "pq_field_cost": ("Field: cost", "欄位：計費方式"),
    "pq_field_agency": ("Field: agency", "欄位：提供機關名稱"),
    "pq_field_contact": ("Field: contact person", "欄位：機關聯絡人"),
    "pq_field_phone": ("Field: contact phone", "欄位：聯絡人電話"),
    "site_platform": ("Platform", "平臺"),
}
