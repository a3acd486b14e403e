"""Excel export of the three lists (``?exportType=…``), kept small and separate so it can move
to the shared BFF export later."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, columns: list[tuple[str, str]], rows: list[dict]) -> HttpResponse:
    """One sheet: a header of ``columns`` titles, then one line per row (values by key)."""
    book = Workbook()
    sheet = book.active
    sheet.append([title for _, title in columns])
    for row in rows:
        sheet.append([_cell(row.get(key)) for key, _ in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _cell(value):
    if isinstance(value, dict | list):
        return str(value)
    return value
