"""Reading an import file and checking every row of it, before anything is imported.

``read_rows`` turns the workbook into ``Row``s (Excel's row numbers, cells as text);
``check_rows`` returns every problem of every row, as ``Problem(row, column, value, reason)``:
a missing required cell, a malformed SN, MAC or address, addressing that does not fit together
(the address not a host of its subnet, the gateway outside it), and the same SN / MAC / IPv4 /
IPv6 / BMC IP twice in the file or already used by an enrolled device. The rules are openapi's
(``parts/device.yaml`` and ``bmp_openapi.devices.network``), said per row so that the operator
can fix the whole file at once; openapi checks them again when it imports.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bmp_common.i18n import ZH_CN
from bmp_operation_api.device_import.template import COLUMNS, HEADER_ROW, TemplateColumn, header

SN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
MAC = re.compile(r"^[0-9A-Fa-f][02468ACEace]([:-][0-9A-Fa-f]{2}){5}$")
# Whitespace to JavaScript or Python, or NUL: a text cell needs one character that is neither.
_INVISIBLE = "\x00\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501
NETMASKS = frozenset(str(ipaddress.IPv4Network(f"0.0.0.0/{bits}").netmask) for bits in range(8, 31))
DEFAULT_BMC_PORT = 623
LIMITS = {"sn": 64, "cabinet": 64, "uPosition": 64, "iloUser": 64, "iloPassword": 128}


class NotATemplate(ValueError):
    """The file is not an .xlsx, or not the import template (its column names differ)."""


@dataclass
class Row:
    number: int  # Excel's row number, as the operator sees it
    cells: dict[str, str]  # field -> text ("" when empty)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # the column's header in the request's language ("" for the whole row)
    value: str
    reason: str


@dataclass
class Enrolled:
    """What live devices already use: SNs everywhere, the rest within the IDC."""

    sns: dict[str, str] = field(default_factory=dict)  # value -> device id
    macs: dict[str, str] = field(default_factory=dict)
    ipv4s: dict[str, str] = field(default_factory=dict)
    ipv6s: dict[str, str] = field(default_factory=dict)
    bmcs: dict[str, str] = field(default_factory=dict)  # "ip:port" -> device id

    def add(self, device: dict, idc_id: str) -> None:
        device_id = device.get("deviceId", "")
        self.sns[device["sn"]] = device_id
        if device.get("idcId") != idc_id:
            return
        for mac in (device.get("mac1"), device.get("mac2")):
            if mac:
                self.macs[normalise_mac(mac)] = device_id
        if device.get("privateIpv4"):
            self.ipv4s[device["privateIpv4"]] = device_id
        if device.get("privateIpv6"):
            self.ipv6s[_ipv6_key(device["privateIpv6"])] = device_id
        if device.get("iloIp"):
            port = device.get("iloPort") or DEFAULT_BMC_PORT
            self.bmcs[f"{device['iloIp']}:{port}"] = device_id


def normalise_mac(value: str) -> str:
    return value.replace("-", ":").lower()


def _ipv6_key(value: str) -> str:
    try:
        return str(ipaddress.IPv6Address(value))
    except ValueError:
        return value


def _text(value) -> str:
    """A cell as text: an integer typed as a number (an SN like 1234567) without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_matches(cells: tuple, column: TemplateColumn, index: int) -> bool:
    given = _text(cells[index] if index < len(cells) else None).replace(" ", "").lower()
    names = {column.zh, column.en}
    return given in {name.replace(" ", "").lower() for name in names}


def read_rows(file, *, max_rows: int) -> list[Row]:
    """The devices of an import file (blank rows skipped). Raises ``NotATemplate``, or
    ``TooManyRows`` past ``max_rows`` (read no further than that)."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise NotATemplate(f"not an .xlsx file ({type(exc).__name__})") from None
    except Exception as exc:  # zipfile.BadZipFile and friends: a broken upload
        raise NotATemplate(f"not an .xlsx file ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        width = len(COLUMNS)
        rows = sheet.iter_rows(min_row=1, max_col=width, values_only=True)
        header_at = 0
        for number, cells in enumerate(rows, start=1):
            if all(_header_matches(cells, c, i) for i, c in enumerate(COLUMNS)):
                header_at = number
                break
            if number >= HEADER_ROW + 3:
                break
        if not header_at:
            names = ", ".join(c.en for c in COLUMNS)
            raise NotATemplate(f"no row names the template's columns ({names})")
        found: list[Row] = []
        for number, cells in enumerate(rows, start=header_at + 1):
            texts = [_text(cell) for cell in cells]
            if not any(texts):
                continue
            if len(found) >= max_rows:
                raise TooManyRows(max_rows)
            texts += [""] * (width - len(texts))
            found.append(Row(number, {c.field: texts[i] for i, c in enumerate(COLUMNS)}))
        return found
    finally:
        workbook.close()


class TooManyRows(ValueError):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"more than {limit} devices")


# -- the checks ------------------------------------------------------------------------------

REASONS = {
    "missing": ("必填项为空", "required, but empty"),
    "too_long": ("超过 {limit} 个字符", "longer than {limit} characters"),
    "blank": ("只有空白字符", "only blanks"),
    "sn": (
        "SN 只能包含字母、数字、“.”“_”“-”，且以字母或数字开头",
        "an SN is letters, digits, '.', '_' and '-', starting with a letter or digit",
    ),
    "mac": (
        "不是单播 MAC 地址（如 e4:3a:1a:45:67:89）",
        "not a unicast MAC (e.g. e4:3a:1a:45:67:89)",
    ),
    "mask": (
        "子网掩码须在 255.0.0.0 到 255.255.255.252 之间",
        "a netmask from 255.0.0.0 to 255.255.255.252",
    ),
    "ipv4": ("不是 IPv4 地址", "not an IPv4 address"),
    "ipv6": ("不是 IPv6 地址（不带前缀长度）", "not an IPv6 address (without a prefix length)"),
    "not_host": (
        "是子网 {subnet} 的网络地址或广播地址",
        "is the network or broadcast address of {subnet}",
    ),
    "gateway_outside": ("不在子网 {subnet} 内", "is outside the subnet {subnet}"),
    "is_gateway": ("与网关相同", "is the gateway's address"),
    "nul": ("含有 NUL 字符", "holds a NUL character"),
    "twice": ("与第 {first} 行重复", "also in row {first}"),
    "enrolled": ("已被设备 {device_id} 使用", "already used by device {device_id}"),
}


def reason(key: str, language: str, **params) -> str:
    zh, en = REASONS[key]
    return (zh if language == ZH_CN else en).format(**params)


class _RowChecker:
    def __init__(self, row: Row, language: str, problems: list[Problem]):
        self.row = row
        self.language = language
        self.problems = problems
        self.bad: set[str] = set()

    def flag(self, field_name: str, key: str, **params) -> None:
        column = next(c for c in COLUMNS if c.field == field_name)
        self.bad.add(field_name)
        self.problems.append(
            Problem(
                row=self.row.number,
                column=header(column, self.language),
                value="" if field_name == "iloPassword" else self.row.cells[field_name],
                reason=reason(key, self.language, **params),
            )
        )

    def check(self) -> None:
        cells = self.row.cells
        for column in COLUMNS:
            value = cells[column.field]
            if not value:
                if column.required:
                    self.flag(column.field, "missing")
                continue
            limit = LIMITS.get(column.field)
            if limit and len(value) > limit:
                self.flag(column.field, "too_long", limit=limit)
        if cells["sn"] and "sn" not in self.bad and not SN.match(cells["sn"]):
            self.flag("sn", "sn")
        for name in ("cabinet", "uPosition"):
            if cells[name] and name not in self.bad and not cells[name].strip(_INVISIBLE):
                self.flag(name, "blank")
        if cells["mac1"] and not MAC.match(cells["mac1"]):
            self.flag("mac1", "mac")
        if cells["mask"] and cells["mask"] not in NETMASKS:
            self.flag("mask", "mask")
        for name in ("privateIpv4", "gateway", "iloIp"):
            if cells[name] and not _is_ipv4(cells[name]):
                self.flag(name, "ipv4")
        if cells["privateIpv6"] and not _is_ipv6(cells["privateIpv6"]):
            self.flag("privateIpv6", "ipv6")
        for name in ("iloUser", "iloPassword"):
            if "\x00" in cells[name]:
                self.flag(name, "nul")
        self.check_addressing()

    def check_addressing(self) -> None:
        """As openapi's ``check_addressing``: the address is a host of its subnet, the gateway
        is another host of it."""
        cells = self.row.cells
        if self.bad & {"privateIpv4", "mask", "gateway"} or not all(
            cells[name] for name in ("privateIpv4", "mask", "gateway")
        ):
            return
        address = ipaddress.IPv4Address(cells["privateIpv4"])
        gateway = ipaddress.IPv4Address(cells["gateway"])
        subnet = ipaddress.IPv4Network(f"{address}/{cells['mask']}", strict=False)
        ends = (subnet.network_address, subnet.broadcast_address)
        if address in ends:
            self.flag("privateIpv4", "not_host", subnet=subnet)
        if gateway not in subnet:
            self.flag("gateway", "gateway_outside", subnet=subnet)
        elif gateway in ends:
            self.flag("gateway", "not_host", subnet=subnet)
        elif address == gateway:
            self.flag("privateIpv4", "is_gateway")


def _is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return len(value) <= 45


# Identities no two devices share: field -> (how a value is compared, the Enrolled map).
IDENTITIES = {
    "sn": (str, "sns"),
    "mac1": (normalise_mac, "macs"),
    "privateIpv4": (str, "ipv4s"),
    "privateIpv6": (_ipv6_key, "ipv6s"),
    "iloIp": (lambda ip: f"{ip}:{DEFAULT_BMC_PORT}", "bmcs"),
}


def check_rows(rows: list[Row], enrolled: Enrolled, language: str) -> list[Problem]:
    """Every problem of every row, in row order."""
    problems: list[Problem] = []
    checkers = []
    for row in rows:
        checker = _RowChecker(row, language, problems)
        checker.check()
        checkers.append(checker)
    first_seen: dict[str, dict[str, int]] = {name: {} for name in IDENTITIES}
    for checker in checkers:
        for name, (key_of, live) in IDENTITIES.items():
            value = checker.row.cells[name]
            if not value or name in checker.bad:
                continue
            key = key_of(value)
            seen = first_seen[name]
            if key in seen:
                checker.flag(name, "twice", first=seen[key])
                continue
            seen[key] = checker.row.number
            owner = getattr(enrolled, live).get(key)
            if owner is not None:
                checker.flag(name, "enrolled", device_id=owner)
    problems.sort(key=lambda problem: problem.row)
    return problems


def device_spec(row: Row) -> dict:
    """createDevice's item for a good row (empty optional cells left out)."""
    spec = {}
    for column in COLUMNS:
        value = row.cells[column.field]
        if value:
            spec[column.field] = normalise_mac(value) if column.field == "mac1" else value
    return spec
