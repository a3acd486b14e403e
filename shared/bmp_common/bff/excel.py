"""Excel export of a list route: ``GET <list>?exportType=xlsx`` answers an .xlsx download.

A list route declares what its export holds, and that is all it does: the columns (a header
in each language, and the value of a row's cell), the answer's list key and the file's name.
On an ``OperationApi`` it is one line::

    class DevicesApi(OperationApi):
        operations = {"get": "describeDevices"}
        export = Export("device_list", "devices", DEVICE_COLUMNS)

    DEVICE_COLUMNS = (
        Column("SN", "SN", "sn"),                       # a field of the item
        Column("机房名称", "IDC", lambda d, lang: ...),  # or a function of (item, language)
    )

``exportType`` is upstream's switch (its consoles send ``1``; ``xlsx`` says the same). The
list's other query parameters filter the export as they filter the page; ``pageNumber``,
``pageSize`` and ``isAll`` are the exporter's. A ``BffApi`` list that is not one operation
calls ``xlsx_response(request, export, rows)`` with its own iterable of items.

How a large list stays out of memory: openapi's pages are fetched one after another
(``BMP_BFF_EXPORT_PAGE_SIZE`` items each), every row goes straight into openpyxl's write-only
worksheet (which writes the sheet's XML to a temporary file as rows arrive), the workbook is
zipped into another temporary file, and that file is streamed to the browser in chunks and
deleted when the answer is done. At most ``BMP_BFF_EXPORT_MAX_ROWS`` rows (refused with 400
above, before any file is made: narrow the filter). Headers follow the request's language
(the ``X-Jdcloud-Language`` cookie), else the session user's, else the default.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bmp_common import errors
from bmp_common.errors import BmpError
from bmp_common.i18n import LANGUAGES, ZH_CN, default_language, header_language

log = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Upstream's consoles send exportType=1; "xlsx" names the only format there is.
EXPORT_TYPES = frozenset({"xlsx", "1"})
# The exporter's own paging; the browser's values are ignored for an export.
PAGING = frozenset({"pageNumber", "pageSize", "isAll", "exportType"})
# Characters XML 1.0 (and so Excel) cannot hold; openpyxl refuses a cell with one.
_ILLEGAL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])

Value = str | Callable[[dict, str], object]


@dataclass(frozen=True)
class Column:
    """One column: its header in Chinese and in English, and its cell's value, a field name
    of the item or a function of (item, language)."""

    zh: str
    en: str
    value: Value

    def header(self, language: str) -> str:
        return self.zh if language == ZH_CN else self.en

    def cell(self, item: dict, language: str):
        value = (
            item.get(self.value, "") if isinstance(self.value, str) else self.value(item, language)
        )
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int | float):
            return value
        return str(value).translate(_ILLEGAL)


@dataclass(frozen=True)
class Export:
    """What a list's export holds: the file name's stem, the answer's list key, the columns."""

    name: str
    items: str
    columns: tuple[Column, ...]


def wants_export(request) -> bool:
    """The GET asks for the file (``exportType``); a value other than upstream's is a 400."""
    kind = request.query_params.get("exportType", "")
    if not kind:
        return False
    if kind not in EXPORT_TYPES:
        raise BmpError(errors.INVALID_ARGUMENT, detail="exportType: xlsx")
    return True


def export_language(request) -> str:
    chosen = header_language(request)
    if chosen:
        return chosen
    user = getattr(request, "bmp_session_user", None)
    if user is not None and user.language in LANGUAGES:
        return user.language
    return default_language()


def openapi_rows(call: Callable[[dict], dict], export: Export, query: dict) -> Iterator[dict]:
    """The items of a paged openapi list, one page in memory at a time.

    ``call(query)`` is one page's result. The first page's ``totalCount`` is checked against
    ``BMP_BFF_EXPORT_MAX_ROWS`` before anything is written.
    """
    query = {k: v for k, v in query.items() if k not in PAGING}
    size = settings.BMP_BFF_EXPORT_PAGE_SIZE
    limit = settings.BMP_BFF_EXPORT_MAX_ROWS
    number, seen = 1, 0
    while True:
        page = call({**query, "pageNumber": number, "pageSize": size})
        if number == 1 and page.get("totalCount", 0) > limit:
            raise BmpError(
                errors.INVALID_ARGUMENT,
                detail=f"exportType: {page['totalCount']} rows, at most {limit}: narrow the filter",
            )
        items = page.get(export.items) or []
        for item in items:
            if seen >= limit:
                return  # rows added since the first page: the export stops at the limit
            seen += 1
            yield item
        if len(items) < size or seen >= page.get("totalCount", 0):
            return
        number += 1


def xlsx_response(request, export: Export, rows: Iterable[dict]) -> FileResponse:
    """An .xlsx of ``rows`` as a download, built on disk and streamed from there."""
    language = export_language(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    bold = Font(bold=True)
    header = []
    for column in export.columns:
        cell = WriteOnlyCell(sheet, value=column.header(language))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    # A temporary file without a name (deleted when closed): FileResponse closes it when the
    # last chunk has gone, or when the browser goes away.
    stored = tempfile.TemporaryFile(prefix="bmp-export-", suffix=".xlsx")
    try:
        for item in rows:
            sheet.append([column.cell(item, language) for column in export.columns])
            count += 1
        workbook.save(stored)
        stored.seek(0)
    except BaseException:
        stored.close()
        _discard(workbook)
        raise
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    log.info("export %s: %d rows", export.name, count)
    return FileResponse(
        stored, as_attachment=True, filename=f"{export.name}_{stamp}.xlsx", content_type=XLSX_TYPE
    )


def _discard(workbook: Workbook) -> None:
    """Removes the sheet files openpyxl was writing (it removes them itself only on save)."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        try:
            if not sheet.closed:
                sheet.close()  # ends its row writer, which would write to the file later
            writer.cleanup()
        except (OSError, ValueError, StopIteration) as exc:
            log.warning("export: a temporary sheet file was left: %s", exc)


def unix_time(field: str) -> Callable[[dict, str], str]:
    """A column showing ``field`` (Unix seconds) as ``YYYY-MM-DD HH:MM:SS`` UTC ("" for 0)."""

    def show(item: dict, _language: str) -> str:
        seconds = item.get(field) or 0
        if not seconds:
            return ""
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")

    return show


def text(zh_en: dict[object, tuple[str, str]], field: str) -> Callable[[dict, str], str]:
    """A column showing ``field`` through a value → (zh, en) table (the value if unknown)."""

    def show(item: dict, language: str) -> str:
        value = item.get(field, "")
        names = zh_en.get(value)
        if names is None:
            return "" if value is None else str(value)
        return names[0] if language == ZH_CN else names[1]

    return show


def joined(field: str, sep: str = ";") -> Callable[[dict, str], str]:
    """A column showing the list ``field`` as one cell (a rule's trigger descriptions)."""

    def show(item: dict, _language: str) -> str:
        return sep.join(str(value) for value in item.get(field) or [])

    return show


def minutes(field: str) -> Callable[[dict, str], str]:
    """A column showing ``field`` (minutes) as upstream's exports do: "5分钟" / "5min"."""

    def show(item: dict, language: str) -> str:
        count = item.get(field) or 0
        return f"{count}分钟" if language == ZH_CN else f"{count}min"

    return show


__all__ = [
    "XLSX_TYPE",
    "Column",
    "Export",
    "export_language",
    "joined",
    "minutes",
    "openapi_rows",
    "text",
    "unix_time",
    "wants_export",
    "xlsx_response",
]
