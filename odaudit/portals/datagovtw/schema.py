"""What data.gov.tw publishes: the export's columns, the API's keys, the normalised metadata's keys, its URLs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from ...errors import ExitCode, OdauditError

NAME = "datagovtw"


DEFAULT_PORTAL = "https://data.gov.tw"


#: The bulk export's columns, in the order the portal writes them. Note the doubled 資 in
#: 資資料集上架方式: that is the real column name.
EXPORT_COLUMNS: tuple[str, ...] = (
    "資料集識別碼",
    "資料集名稱",
    "資料提供屬性",
    "服務分類",
    "品質檢測",
    "檔案格式",
    "資料下載網址",
    "編碼格式",
    "資資料集上架方式",
    "資料集描述",
    "主要欄位說明",
    "提供機關",
    "更新頻率",
    "授權方式",
    "相關網址",
    "計費方式",
    "提供機關聯絡人姓名",
    "提供機關聯絡人電話",
    "上架日期",
    "詮釋資料更新時間",
    "備註",
    "資料量",
)


ID_COLUMN = "資料集識別碼"


#: Per-resource columns (`;`-joined, aligned by position) -> key of a declared resource.
#: 資料資源更新時間 appears in some exports; 資源描述 is carried by converted legacy records.
RESOURCE_COLUMNS: dict[str, str] = {
    "檔案格式": "format",
    "資料下載網址": "url",
    "編碼格式": "encoding",
    "資料量": "rows",
    "資料資源更新時間": "modified",
    "資源描述": "description",
}


#: Columns that may appear beyond the 22 without being "unknown".
OPTIONAL_COLUMNS: tuple[str, ...] = ("資料資源更新時間", "資源描述")


#: The keys of a dataset record's "meta" (docs/snapshot-format.md), in order.
META_KEYS: tuple[str, ...] = (
    "title", "description", "agency", "agency_oid", "contact_name", "contact_phone",
    "contact_email", "frequency", "licence", "cost", "published", "modified", "badge",
    "fields", "fields_text", "service_category", "provision", "upload_method",
    "related_url", "notes",
)


#: Keys of one declared resource.
RESOURCE_KEYS: tuple[str, ...] = ("format", "encoding", "rows", "url", "description", "modified", "fields")


# meta key -> (export columns, first present wins; v2 API keys, first non-empty wins)
DATASET_FIELDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("title", ("資料集名稱",), ("title",)),
    ("description", ("資料集描述",), ("description",)),
    ("agency", ("提供機關",), ()),  # API: publisherOID "OID|name"
    ("contact_name", ("提供機關聯絡人姓名",), ("publisherContactName",)),
    ("contact_phone", ("提供機關聯絡人電話",), ("publisherContactPhone",)),
    ("contact_email", (), ("publisherContactEmail",)),
    ("frequency", ("更新頻率",), ("updateFrequency",)),
    ("licence", ("授權方式",), ("license",)),
    ("cost", ("計費方式",), ("cost",)),
    ("published", ("上架日期",), ("publishedDate",)),
    ("modified", ("詮釋資料更新時間",), ("modifiedDate",)),
    ("badge", ("品質檢測",), ("dataQuality",)),
    ("fields_text", ("主要欄位說明",), ()),
    ("service_category", ("服務分類",), ("categoryService",)),
    ("provision", ("資料提供屬性",), ()),
    ("upload_method", ("資資料集上架方式", "資料集上架方式", "資料集類型"), ("type",)),
    ("related_url", ("相關網址",), ("relatedUrl",)),
    ("notes", ("備註",), ("notes",)),
)


# API values that are codes rather than the export's words: used only when the export has
# nothing, and then noted.
_CODED_API_KEYS = {"license", "cost", "categoryService", "type", "updateFrequency"}


# Fields whose export and API values are compared (after normalisation) when both exist.
_COMPARED = ("title", "published", "modified")


_DATE_KEYS = ("published", "modified")


# v2 distribution[] keys per declared-resource key, first non-empty wins. The CKAN-style
# keys (format, url, name, …) are what third-party scripts report for `result.resources` and
# `result.resource`; they come after the v2 names so a v2 item is read as before.
API_RESOURCE_KEYS: dict[str, tuple[str, ...]] = {
    "format": ("resourceFormat", "format"),
    "url": ("resourceDownloadUrl", "resourceAccessUrl", "resourceUrl", "downloadURL", "downloadUrl", "url",
            "resource_url", "accessURL"),
    "encoding": ("resourceCharacterEncoding", "resourceEncoding", "encoding", "characterEncoding"),
    "description": ("resourceDescription", "description", "name", "title"),
    "modified": ("resourceModifiedDate", "resourceModified", "resourceUpdateDate", "resourceModifyDate",
                 "last_modified", "modified"),
    "rows": ("resourceAmount", "resourceCount", "resourceRecordCount"),
}


API_FIELD_KEYS = ("resourceField",)


#: Where a v2 answer's resource list has been seen, in the order they are looked for: the
#: documented `distribution`, then the shapes third-party scripts report. The name of the one
#: found is the dataset record's `api_shape`.
API_RESOURCE_SHAPES: tuple[str, ...] = ("distribution", "distributions", "resources", "resource")


#: Deepest nesting of lists and objects accepted in a v2 API answer. Real answers nest at most
#: 6 levels (distribution[] -> resourceField[] -> field); a deeper one is refused as a whole.
MAX_API_DEPTH = 64


_SCHEME_RE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")


_DATE_RE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:(?:[ T]+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)


_CONTACT_RE = re.compile(r"^([^(（]*?)\s*[(（]\s*(.*?)\s*[)）]\s*$", re.S)


class PortalError(OdauditError, ValueError):
    """A portal answer that is unusable as a whole. The message names the source.

    `kind` says what went wrong: ``empty``, ``encoding``, ``not_export``, ``invalid_json``,
    ``too_deep``, ``not_object``, ``not_success``, ``no_result``.
    """

    exit_code = ExitCode.INCOMPLETE

    def __init__(self, message: str, *, source: str = "", line: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.kind = kind


def export_url(portal: str = DEFAULT_PORTAL) -> str:
    return f"{portal.rstrip('/')}/api/front/dataset/export?format=csv"


def dataset_api_url(portal: str, dataset_id: str) -> str:
    return f"{portal.rstrip('/')}/api/v2/rest/dataset/{quote(str(dataset_id).strip(), safe='')}"


def dataset_page_url(portal: str, dataset_id: str) -> str:
    return f"{portal.rstrip('/')}/dataset/{quote(str(dataset_id).strip(), safe='')}"


def row_title(row: Any) -> str:
    """The dataset's name as an export row gives it (資料集名稱)."""
    return str(row.raw.get("資料集名稱", ""))
