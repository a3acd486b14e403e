"""Reading the device import template and checking its rows (no process needed)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from bmp_operation_api.device_import.checks import (
    Enrolled,
    NotATemplate,
    TooManyRows,
    check_rows,
    device_spec,
    read_rows,
)
from bmp_operation_api.device_import.template import COLUMNS, template_xlsx

GOOD = ["SN-1", "R1", "6-8", "E4-3A-1A-45-67-89", "255.255.255.0", "10.0.0.5", "", "10.0.0.1",
        "10.1.0.5", "admin", "pw"]  # fmt: skip


def workbook(*rows, language="en_US") -> io.BytesIO:
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(language)))
    for row in rows:
        book.worksheets[0].append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def problems(*rows, enrolled=None, language="en_US"):
    found = read_rows(workbook(*rows), max_rows=1000)
    return [
        (p.row, p.column, p.reason) for p in check_rows(found, enrolled or Enrolled(), language)
    ]


def changed(**cells) -> list:
    row = list(GOOD)
    for field, value in cells.items():
        row[[c.field for c in COLUMNS].index(field)] = value
    return row


@pytest.mark.parametrize("language", ["en_US", "zh_CN"])
def test_the_template_reads_back_in_either_language(language):
    rows = read_rows(workbook(GOOD, [None] * 11, GOOD, language=language), max_rows=10)
    assert [row.number for row in rows] == [3, 5]  # Excel's numbers; blank rows skipped
    spec = device_spec(rows[0])
    assert spec["mac1"] == "e4:3a:1a:45:67:89"
    assert "privateIpv6" not in spec


def test_a_numeric_sn_cell_is_read_as_text():
    [row] = read_rows(workbook(changed(sn=1234567)), max_rows=10)
    assert row.cells["sn"] == "1234567"


def test_every_problem_of_every_row_is_reported():
    found = problems(
        GOOD,
        changed(sn="SN-1", mac1="e4:3a:1a:45:67:8a", privateIpv4="10.0.0.6", iloIp="10.1.0.6"),
        changed(
            sn="SN 3",
            mac1="01:00:00:00:00:01",
            mask="255.255.255.1",
            privateIpv4="",
            iloIp="10.1.0.7",
        ),
        changed(
            sn="SN-4",
            mac1="e4:3a:1a:45:67:8b",
            privateIpv4="10.0.0.0",
            gateway="10.0.1.1",
            iloIp="10.1.0.8",
            privateIpv6="fe80::1/64",
        ),
    )
    assert found == [
        (4, "SN", "also in row 3"),
        (5, "Private IPv4 (eth0)", "required, but empty"),
        (5, "SN", "an SN is letters, digits, '.', '_' and '-', starting with a letter or digit"),
        (5, "MAC1 (eth0)", "not a unicast MAC (e.g. e4:3a:1a:45:67:89)"),
        (5, "Subnet Mask (eth0)", "a netmask from 255.0.0.0 to 255.255.255.252"),
        (6, "Private IPv6 (eth0)", "not an IPv6 address (without a prefix length)"),
        (6, "Private IPv4 (eth0)", "is the network or broadcast address of 10.0.0.0/24"),
        (6, "Gateway", "is outside the subnet 10.0.0.0/24"),
    ]


def test_values_enrolled_devices_hold_are_refused():
    enrolled = Enrolled()
    enrolled.add(
        {"deviceId": "d-1", "sn": "SN-1", "idcId": "other", "mac1": "E4:3A:1A:45:67:89"}, "idc"
    )
    enrolled.add(
        {
            "deviceId": "d-2",
            "sn": "X",
            "idcId": "idc",
            "mac2": "e4-3a-1a-45-67-89",
            "iloIp": "10.1.0.5",
            "iloPort": 623,
        },
        "idc",
    )
    assert problems(GOOD, enrolled=enrolled, language="zh_CN") == [
        (3, "SN", "已被设备 d-1 使用"),
        (3, "MAC1（eth0）", "已被设备 d-2 使用"),
        (3, "带外IP", "已被设备 d-2 使用"),
    ]


def test_the_bmc_password_is_never_echoed():
    [row, twin] = read_rows(workbook(GOOD, changed(iloPassword="x" * 129)), max_rows=10)
    found = check_rows([row, twin], Enrolled(), "en_US")
    password = next(p for p in found if p.column == "Out-of-band Password")
    assert password.value == ""


def test_too_many_rows_and_foreign_files_are_refused():
    rows = [changed(sn=f"SN-{i}") for i in range(4)]
    with pytest.raises(TooManyRows):
        read_rows(workbook(*rows), max_rows=3)
    with pytest.raises(NotATemplate):
        read_rows(io.BytesIO(b"not a zip"), max_rows=3)
    other = openpyxl.Workbook()
    other.active.append(["Name", "Value"])
    out = io.BytesIO()
    other.save(out)
    out.seek(0)
    with pytest.raises(NotATemplate):
        read_rows(out, max_rows=3)
