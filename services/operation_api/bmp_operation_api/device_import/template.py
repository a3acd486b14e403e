"""Upstream's device import template (``device_import.xlsx``): its columns, and the file itself.

Row 1 says how to fill it in, row 2 names the columns (Chinese or English: both are read), the
devices start at row 3. Required columns are in red, as upstream's. Upstream's template also
carried an example row, which imported itself when the operator forgot to delete it; ours has
none (the example is in row 1's note instead).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from bmp_common.i18n import ZH_CN


@dataclass(frozen=True)
class TemplateColumn:
    field: str  # createDevice's field (CreateDeviceSpec)
    zh: str
    en: str
    required: bool


# Upstream's eleven columns, in upstream's order.
COLUMNS = (
    TemplateColumn("sn", "SN", "SN", True),
    TemplateColumn("cabinet", "机柜编码", "Cabinet", True),
    TemplateColumn("uPosition", "所在U位", "U Position", True),
    TemplateColumn("mac1", "MAC1（eth0）", "MAC1 (eth0)", True),
    TemplateColumn("mask", "子网掩码（eth0）", "Subnet Mask (eth0)", True),
    TemplateColumn("privateIpv4", "内网IPv4（eth0）", "Private IPv4 (eth0)", True),
    TemplateColumn("privateIpv6", "内网IPv6（eth0）", "Private IPv6 (eth0)", False),
    TemplateColumn("gateway", "网关", "Gateway", True),
    TemplateColumn("iloIp", "带外IP", "Out-of-band IP", True),
    TemplateColumn("iloUser", "带外登录账号", "Out-of-band User", False),
    TemplateColumn("iloPassword", "带外登录密码", "Out-of-band Password", False),
)
HEADER_ROW = 2  # where upstream's template names the columns; devices follow

NOTE = {
    ZH_CN: (
        "为了准确快速的导入服务器，请先仔细阅读以下要求：\n"
        "1. 编辑下方信息时，禁止修改或增加新的字段信息，否则会导致导入失败；\n"
        "2. 红色字体为必填字段，其它为非必填字段；\n"
        "3. 从第 3 行起每行一台设备，一次最多 1000 台，例如：\n"
        "   SN-0001 | T4-L3-123 | 6-8 | e3:3a:1a:45:67:89 | 255.255.255.0 | 192.168.1.123 | "
        "| 192.168.1.1 | 192.168.2.123 | admin | ******"
    ),
    "en_US": (
        "Read this before importing servers:\n"
        "1. Do not change, add or remove columns below, or the import fails;\n"
        "2. Columns in red are required, the others optional;\n"
        "3. One device per row from row 3, at most 1000 per import, for example:\n"
        "   SN-0001 | T4-L3-123 | 6-8 | e3:3a:1a:45:67:89 | 255.255.255.0 | 192.168.1.123 | "
        "| 192.168.1.1 | 192.168.2.123 | admin | ******"
    ),
}


def header(column: TemplateColumn, language: str) -> str:
    return column.zh if language == ZH_CN else column.en


def template_xlsx(language: str) -> bytes:
    """The template, with headers and the note in ``language`` (a few kB)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "设备列表" if language == ZH_CN else "Devices"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    note = sheet.cell(row=1, column=1, value=NOTE.get(language, NOTE["en_US"]))
    note.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 110
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=header(column, language))
        cell.font = Font(bold=True, color="FFFF0000" if column.required else "FF000000")
        sheet.column_dimensions[cell.column_letter].width = 20
    # Text cells: an SN or a U position like "6-8" must not turn into a number or a date.
    for index in range(1, len(COLUMNS) + 1):
        letter = sheet.cell(row=HEADER_ROW, column=index).column_letter
        sheet.column_dimensions[letter].number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
