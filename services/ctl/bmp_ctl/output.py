"""A result as JSON, YAML, a table, or bare values for a shell variable.

Table: a list (or an answer holding one list, as every ``describe…s`` does: ``{"idcs": [...],
"totalCount": …}``) is one row per item, with a few columns chosen from the item's plain fields
(its own id, its name, its status, …) unless ``--columns`` names them; anything else is a
field/value table. Widths count Chinese characters as two columns. ``value``: the same columns
without header or footer, tab-separated, one row a line (``id=$(bmpctl … -o value --columns
idcId)``); of one item, the ``--columns`` fields on one line, else every field's value a line.
"""

from __future__ import annotations

import json
import math
import unicodedata

import yaml

MAX_COLUMNS = 7
MAX_CELL = 60
# Plain fields worth a column, after the item's own id and name, in this order.
PREFERRED = (
    "status",
    "sn",
    "manageStatus",
    "privateIpv4",
    "idcName",
    "deviceTypeName",
    "imageName",
    "osType",
    "osVersion",
    "task",
    "action",
    "level",
    "shortname",
    "userName",
    "email",
    "roleName",
    "createdTime",
)


def as_json(result) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


def as_yaml(result) -> str:
    return yaml.safe_dump(result, allow_unicode=True, sort_keys=False, default_flow_style=False)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    text = text.replace("\n", " ")
    if _width(text) > MAX_CELL:
        while _width(text) > MAX_CELL - 1:
            text = text[:-1]
        text += "…"
    return text


def _plain(value) -> bool:
    return not isinstance(value, dict | list)


def _singular(key: str) -> str:
    """``idcs`` → ``idc``, ``deviceTypes`` → ``deviceType``, ``oss`` → ``os``."""
    if key.endswith("ies"):
        return key[:-3] + "y"
    return key[:-1] if key.endswith("s") else key


def default_columns(rows: list[dict], list_key: str = "") -> list[str]:
    plain = [key for key, value in rows[0].items() if _plain(value)]
    stem = _singular(list_key).lower()
    chosen: list[str] = []

    def take(key: str) -> None:
        if key in plain and key not in chosen and len(chosen) < MAX_COLUMNS:
            chosen.append(key)

    # The item's own id (idcId for idcs), else the first id; then its name(s).
    own = [key for key in plain if key.lower() in (f"{stem}id", f"{stem}_id")]
    for key in own or [key for key in plain if key.endswith("Id") and key != "id"][:1]:
        take(key)
    for key in plain:
        if key.lower() in ("name", f"{stem}name", "title", "key"):
            take(key)
    for key in PREFERRED:
        take(key)
    if len(chosen) < 3:  # a small item: its first plain fields
        for key in plain:
            take(key)
    return chosen


def _list_in(result) -> tuple[str, list] | None:
    if isinstance(result, list):
        return "", result
    if isinstance(result, dict):
        lists = [(key, value) for key, value in result.items() if isinstance(value, list)]
        if len(lists) == 1 and all(isinstance(item, dict) for item in lists[0][1]):
            return lists[0]
    return None


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths, strict=False)
        ).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])


def as_table(result, texts, columns: list[str] | None = None) -> str:
    found = _list_in(result)
    if found is None:
        if isinstance(result, dict) and len(result) == 1:
            (only,) = result.values()
            if isinstance(only, dict):  # describeIdc: {"idc": {...}}
                result = only
        if not isinstance(result, dict):
            return _cell(result)
        rows = [[key, _cell(value)] for key, value in result.items()]
        return _grid([texts("table.field"), texts("table.value")], rows)
    list_key, items = found
    if not items:
        text = texts("table.empty")
    else:
        if columns == ["all"]:
            columns = [key for key, value in items[0].items() if _plain(value)]
        columns = columns or default_columns(items, list_key)
        rows = [[_cell(item.get(column)) for column in columns] for item in items]
        text = _grid([column for column in columns], rows)
    if isinstance(result, dict) and {"pageNumber", "pageSize", "totalCount"} <= set(result):
        size = result["pageSize"] or 1
        pages = max(1, math.ceil(result["totalCount"] / size))
        footer = texts(
            "table.page", page=result["pageNumber"], pages=pages, total=result["totalCount"]
        )
        text += "\n" + footer
    return text


def as_values(result, columns: list[str] | None = None) -> str:
    found = _list_in(result)
    if found is not None:
        list_key, items = found
        if not items:
            return ""
        if columns == ["all"]:
            columns = [key for key, value in items[0].items() if _plain(value)]
        columns = columns or default_columns(items, list_key)
        return "\n".join(
            "\t".join(_value(item.get(column)) for column in columns) for item in items
        )
    if isinstance(result, dict) and len(result) == 1:
        (only,) = result.values()
        if isinstance(only, dict):
            result = only
    if not isinstance(result, dict):
        return _value(result)
    if columns and columns != ["all"]:
        return "\t".join(_value(result.get(column)) for column in columns)
    return "\n".join(_value(value) for value in result.values())


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def render(result, output: str, texts, columns: list[str] | None = None) -> str:
    if output == "value":
        return as_values(result, columns)
    if output == "json":
        return as_json(result)
    if output == "yaml":
        return as_yaml(result).rstrip("\n")
    return as_table(result, texts, columns)
