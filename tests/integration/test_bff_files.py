"""The BFFs' files over the real processes: Excel export (console-api), device import from the
Excel template and image upload (operation-api), with openapi, Redis and the lab's platform.

A test is a browser (cookies, the CSRF cookie echoed in X-CSRFToken); the large upload is
generated while it is sent, and the BFF's memory is read from /proc (VmHWM, the peak RSS).
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import secrets
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab.enrol import LAB_DEVICE_TYPE, LAB_OS
from bmp_lab.platform import RUN_SERVICE, free_port, wait_for, wait_http

from .browser import OPERATOR_ROLE, Browser, new_user

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OPERATION_CSRF = "bmp_operation_csrftoken"
MIB = 1024 * 1024
GIB = 1024 * MIB
SMALL_LIMIT = 8 * MIB


# -- processes -------------------------------------------------------------------------------


def spawn_operation_api(platform, name: str, port: int, **env: str) -> str:
    """operation-api as the local runtime runs a BFF (gunicorn, gthread), one worker."""
    argv = [
        f"{sys.prefix}/bin/gunicorn",
        "bmp_operation_api.wsgi:application",
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread"),
        *("--threads", "8", "--timeout", "60", "--no-control-socket"),
        *("--access-logfile", "-", "--error-logfile", "-"),
    ]
    platform.spawn(
        name,
        argv,
        env={
            "DJANGO_SETTINGS_MODULE": "bmp_operation_api.settings",
            "BMP_OPENAPI_URL": f"http://127.0.0.1:{platform.openapi_port}",
            **env,
        },
    )
    wait_http(f"http://127.0.0.1:{port}/health", name)
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def operation(lab):
    port = lab.platform.operation_api_port
    env = {"BMP_IMAGE_UPLOAD_MAX_BYTES": str(SMALL_LIMIT)}
    return spawn_operation_api(lab.platform, "bmp-operation-api", port, **env)


def operator_browser(lab, base_url: str) -> Browser:
    browser = Browser(base_url, csrf_cookie=OPERATION_CSRF)
    browser.set_cookie("X-Jdcloud-Language", "en_US")
    answer = browser.login(*new_user(lab, OPERATOR_ROLE))
    assert answer.status == 200, answer.body
    return browser


@pytest.fixture
def operator(lab, operation) -> Browser:
    return operator_browser(lab, operation)


@pytest.fixture
def images_dir(lab) -> Path:
    return Path(lab.platform.env["BMP_DATA_DIR"]) / "images"


def fetch(browser: Browser, path: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(browser.base_url + path)
    try:
        with browser.opener.open(request, timeout=120) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_form(browser: Browser, path: str, fields: dict, files: dict):
    """A multipart/form-data POST (``files``: field -> (name, bytes)), as the console sends."""
    boundary = f"bmp{secrets.token_hex(12)}"
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        )
        body.write(f"{value}\r\n".encode())
    for name, (file_name, content) in files.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return browser.request_raw("POST", path, body.getvalue(), headers)


def _request_raw(self, method, path, data, headers):
    import json

    request = urllib.request.Request(self.base_url + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    request.add_header("X-CSRFToken", self.cookie(self.csrf_cookie) or "")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with self.opener.open(request, timeout=600) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


Browser.request_raw = _request_raw


# -- Excel export (console-api) --------------------------------------------------------------


@pytest.fixture(scope="module")
def paged_console(lab):
    """A console-api that reads openapi's lists 2 items a page, so an export spans pages."""
    platform = lab.platform
    if "bmp-openapi-console" not in platform.processes:
        platform.start("bmp-openapi-console")
    wait_http(f"http://127.0.0.1:{platform.openapi_console_port}/health", "openapi-console")
    port = free_port()
    name = "bmp-console-api-export"
    lab.platform.spawn(
        name,
        ["bash", str(RUN_SERVICE), "bmp-console-api"],
        env={"BMP_CONSOLE_API_PORT": str(port), "BMP_BFF_EXPORT_PAGE_SIZE": "2"},
    )
    wait_http(f"http://127.0.0.1:{port}/health", name)
    yield f"http://127.0.0.1:{port}"
    lab.platform.kill(name)


def test_an_instance_list_export_opens_in_openpyxl_and_holds_every_row(lab, paged_console):
    browser = Browser(paged_console)
    browser.set_cookie("X-Jdcloud-Language", "en_US")
    assert browser.login(*new_user(lab)).status == 200
    project_id = browser.get("/project").body["result"]["projects"][0]["projectId"]
    created = browser.request(
        "PUT",
        "/instance",
        {
            "idcId": lab.idc_id,
            "projectId": project_id,
            "deviceTypeId": lab.device_type_id,
            "imageId": lab.image_id,
            "systemVolumeRaidId": NO_RAID_ID,
            "instanceName": "exported",
            "password": "Root-Pass-2026",
            "count": 3,
        },
    )
    assert created.status == 200, created.body
    instance_ids = created.body["result"]["instanceIds"]

    status, headers, data = fetch(browser, "/instance?exportType=xlsx")
    assert status == 200, data[:500]
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in headers["Content-Disposition"]
    assert "instance_list_" in headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Instance Name/ID", "Status", "Instance Type")
    # "name/id", names numbered when several are created at once (exported-1, ...).
    assert sorted(row[0].split("/")[1] for row in rows[1:]) == sorted(instance_ids)
    assert all(row[0].startswith("exported-") for row in rows[1:])
    assert all(row[2] for row in rows[1:])  # the device type's name

    # Filters apply to the export as to a page; the language cookie picks the headers.
    browser.set_cookie("X-Jdcloud-Language", "zh_CN")
    one = instance_ids[0]
    status, _, data = fetch(browser, f"/instance?exportType=1&instanceId={one}")
    assert status == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "实例名称/ID"
    assert [row[0].split("/")[1] for row in rows[1:]] == [one]
    # Other lists upstream exports: projects (the default project), in Chinese.
    status, _, data = fetch(browser, "/project?exportType=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "项目名称"
    assert rows[1][1] == project_id and rows[1][2] == "拥有者"
    # An unknown export type is the browser's mistake.
    assert browser.get("/instance?exportType=pdf").status == 400


# -- device import (operation-api) -----------------------------------------------------------


def device_row(index: int, net: int) -> list:
    return [
        f"IMP{net}-{index:04d}",
        "R01",
        str(index % 42 + 1),
        f"02:{net:02x}:00:00:{index >> 8:02x}:{index & 0xFF:02x}",
        "255.255.0.0",
        f"10.{net}.{index // 250}.{index % 250 + 2}",
        "",
        f"10.{net}.255.254",
        f"172.{net}.{index // 250}.{index % 250 + 2}",
        "admin",
        "bmc-password",
    ]


def import_file(operator: Browser, rows: list[list]) -> bytes:
    """The BFF's template, filled in."""
    status, _, template = fetch(operator, "/devices/template")
    assert status == 200
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def new_idc(lab) -> str:
    name = f"imp-{secrets.token_hex(3)}"
    body = {"name": name, "nameEn": name, "shortname": name, "level": "T4", "address": "x"}
    return lab.api.post("/idcs", body)["idcId"]


def devices_of(lab, idc_id: str) -> list[dict]:
    return lab.api.get(f"/devices?idcId={idc_id}&isAll=1")["devices"]


def test_the_template_has_upstreams_columns(operator):
    status, headers, data = fetch(operator, "/devices/template")
    assert status == 200
    assert 'filename="device_import.xlsx"' in headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    header = [cell.value for cell in sheet[2]]
    assert header == [
        "SN",
        "Cabinet",
        "U Position",
        "MAC1 (eth0)",
        "Subnet Mask (eth0)",
        "Private IPv4 (eth0)",
        "Private IPv6 (eth0)",
        "Gateway",
        "Out-of-band IP",
        "Out-of-band User",
        "Out-of-band Password",
    ]


def test_an_import_of_1000_good_rows_imports_1000(lab, operator):
    idc_id = new_idc(lab)
    data = import_file(operator, [device_row(i, 61) for i in range(1000)])
    started = time.monotonic()
    status, body = post_form(
        operator, "/devices/upload", {"idcId": idc_id}, {"deviceFile": ("devices.xlsx", data)}
    )
    took = time.monotonic() - started
    assert status == 200, body
    assert body["result"]["count"] == 1000
    print(f"\nimport of 1000 rows: {took:.2f} s")
    devices = devices_of(lab, idc_id)
    assert len(devices) == 1000
    assert {d["sn"] for d in devices} == {f"IMP61-{i:04d}" for i in range(1000)}


def test_an_import_with_one_bad_row_imports_none_and_names_the_row(lab, operator):
    idc_id = new_idc(lab)
    rows = [device_row(i, 62) for i in range(1000)]
    rows[600][0] = rows[10][0]  # the SN of Excel row 13 again, in row 603
    data = import_file(operator, rows)
    status, body = post_form(
        operator, "/devices/upload", {"idcId": idc_id}, {"deviceFile": ("devices.xlsx", data)}
    )
    assert status == 400, body
    assert body["error"]["rows"] == [
        {"row": 603, "column": "SN", "value": "IMP62-0010", "reason": "also in row 13"}
    ]
    assert "row 603" in body["error"]["message"]
    assert devices_of(lab, idc_id) == []


def test_every_bad_row_is_reported_and_enrolled_values_are_refused(lab, operator):
    idc_id = new_idc(lab)
    first = import_file(operator, [device_row(i, 63) for i in range(3)])
    status, body = post_form(
        operator, "/devices/upload", {"idcId": idc_id}, {"deviceFile": ("a.xlsx", first)}
    )
    assert status == 200, body
    rows = [device_row(i, 63) for i in range(3, 8)]
    rows[0][0] = "IMP63-0001"  # row 3: an SN already enrolled
    rows[1][5] = "10.63.0.255"  # row 4: fine (a /16)
    rows[2][7] = "10.64.0.1"  # row 5: the gateway outside the subnet
    rows[3][2] = ""  # row 6: no U position
    rows[4][8] = "172.63.0.999"  # row 7: not an address
    status, body = post_form(
        operator,
        "/devices/upload",
        {"idcId": idc_id},
        {"deviceFile": ("b.xlsx", import_file(operator, rows))},
    )
    assert status == 400, body
    found = {(p["row"], p["column"]) for p in body["error"]["rows"]}
    assert found == {(3, "SN"), (5, "Gateway"), (6, "U Position"), (7, "Out-of-band IP")}
    enrolled = next(p for p in body["error"]["rows"] if p["row"] == 3)
    assert enrolled["reason"].startswith("already used by device d-")
    assert len(devices_of(lab, idc_id)) == 3


def test_an_import_gives_the_device_type_and_refuses_an_unknown_one(lab, operator):
    idc_id = new_idc(lab)
    device_type = {**LAB_DEVICE_TYPE, "idcId": idc_id, "deviceType": f"imp.{secrets.token_hex(2)}"}
    device_type_id = lab.api.post("/deviceTypes", device_type)["deviceTypeId"]
    data = import_file(operator, [device_row(i, 65) for i in range(5)])
    status, body = post_form(
        operator,
        "/devices/upload",
        {"idcId": idc_id, "deviceTypeId": "dt-missing"},
        {"deviceFile": ("devices.xlsx", data)},
    )
    assert status == 400, body
    assert "dt-missing" in body["error"]["message"]
    assert devices_of(lab, idc_id) == []
    status, body = post_form(
        operator,
        "/devices/upload",
        {"idcId": idc_id, "deviceTypeId": device_type_id},
        {"deviceFile": ("devices.xlsx", data)},
    )
    assert status == 200, body
    assert body["result"]["associated"] == 5
    assert {d["deviceTypeId"] for d in devices_of(lab, idc_id)} == {device_type_id}


def test_a_file_that_is_not_the_template_is_refused(lab, operator):
    idc_id = new_idc(lab)
    status, body = post_form(
        operator, "/devices/upload", {"idcId": idc_id}, {"deviceFile": ("x.xlsx", b"PK\x03\x04")}
    )
    assert status == 400
    assert "not an .xlsx" in body["error"]["message"]


# -- image upload (operation-api) ------------------------------------------------------------


def image_fields(name: str) -> dict:
    return {
        "imageName": name,
        "architecture": "x86_64",
        "osType": LAB_OS["osType"],
        "version": LAB_OS["osVersion"],
        "bootMode": "UEFI",
    }


class StreamedUpload:
    """A multipart upload of ``size`` generated bytes, hashed as they are sent."""

    def __init__(self, browser: Browser, file_name: str, size: int, fields: dict):
        self.browser = browser
        self.size = size
        self.boundary = f"bmp{secrets.token_hex(12)}"
        head = io.BytesIO()
        for name, value in fields.items():
            head.write(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        head.write(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="imageFile"; '
            f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        self.head = head.getvalue()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.sha256 = hashlib.sha256()
        self.block = os.urandom(MIB)

    @property
    def length(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def request_head(self) -> bytes:
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.browser.jar)
        token = self.browser.cookie(self.browser.csrf_cookie)
        return (
            "POST /images/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary={self.boundary}\r\n"
            f"Content-Length: {self.length}\r\nCookie: {cookies}\r\nX-CSRFToken: {token}\r\n"
            "Accept: application/json\r\n\r\n"
        ).encode()

    def chunks(self, limit: int | None = None):
        sent, counter = 0, 0
        end = self.size if limit is None else min(limit, self.size)
        while sent < end:
            piece = counter.to_bytes(8, "big") + self.block[8:]
            piece = piece[: end - sent]
            self.sha256.update(piece)
            sent += len(piece)
            counter += 1
            yield piece

    def send(self) -> tuple[int, dict]:
        import json

        url = self.browser.base_url.removeprefix("http://")
        host, port = url.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=600)
        connection.putrequest("POST", "/images/upload", skip_host=False)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={self.boundary}")
        connection.putheader("Content-Length", str(self.length))
        connection.putheader("Cookie", "; ".join(f"{c.name}={c.value}" for c in self.browser.jar))
        connection.putheader("X-CSRFToken", self.browser.cookie(self.browser.csrf_cookie))
        connection.putheader("Accept", "application/json")
        connection.endheaders()
        connection.send(self.head)
        for piece in self.chunks():
            connection.send(piece)
        connection.send(self.tail)
        answer = connection.getresponse()
        body = json.loads(answer.read())
        connection.close()
        return answer.status, body


def group_peak_rss_kib(leader_pid: int) -> dict[int, int]:
    """VmHWM (peak resident memory, KiB) of every process in the leader's process group."""
    peaks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) != leader_pid:  # pgrp
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[int(entry.name)] = int(line.split()[1])
    return peaks


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_1_gib_upload_is_streamed_hashed_and_registered_in_little_memory(lab, images_dir):
    platform = lab.platform
    name = "bmp-operation-api-upload"
    base = spawn_operation_api(platform, name, free_port(), BMP_IMAGE_UPLOAD_MAX_BYTES=str(2 * GIB))
    try:
        browser = operator_browser(lab, base)
        browser.get("/health")  # the worker has called openapi: the contract is loaded
        at_rest = group_peak_rss_kib(platform.processes[name].pid)
        before = set(leftovers(images_dir))
        upload = StreamedUpload(browser, "big-linux.tar.xz", GIB, image_fields("big-linux"))
        started = time.monotonic()
        status, body = upload.send()
        took = time.monotonic() - started
        assert status == 200, body
        result = body["result"]
        peaks = group_peak_rss_kib(platform.processes[name].pid)
        peak_mib = max(peaks.values()) / 1024
        print(
            f"\n1 GiB upload: {took:.1f} s ({GIB / MIB / took:.0f} MiB/s), "
            f"BFF peak RSS per process (MiB): {sorted(v // 1024 for v in peaks.values())}, "
            f"before the upload: {sorted(v // 1024 for v in at_rest.values())}"
        )
        assert peak_mib < 150, peaks
        assert result["sha256"] == upload.sha256.hexdigest()
        assert result["size"] == GIB
        stored = images_dir / result["filename"]
        assert stored.stat().st_size == GIB
        assert set(leftovers(images_dir)) - before == {result["filename"]}
        image = lab.api.get(f"/images/{result['imageId']}")["image"]
        assert image["hash"] == upload.sha256.hexdigest()
        assert image["url"] == "{host}/" + result["filename"]
        assert image["format"] == "tar"
        stored.unlink()  # 1 GiB less on the disk
    finally:
        platform.kill(name)


def test_a_small_upload_is_served_by_the_image_folder(lab, operator, images_dir):
    content = os.urandom(300_000)
    status, body = post_form(
        operator,
        "/images/upload",
        image_fields(f"small-{secrets.token_hex(3)}"),
        {"imageFile": ("Small Disk.qcow2", content)},
    )
    assert status == 200, body
    result = body["result"]
    assert result["format"] == "qcow2"
    assert result["sha256"] == hashlib.sha256(content).hexdigest()
    assert result["md5"] == hashlib.md5(content, usedforsecurity=False).hexdigest()
    assert result["filename"].endswith("_Small_Disk.qcow2")
    assert (images_dir / result["filename"]).read_bytes() == content


def test_an_interrupted_upload_leaves_nothing_behind(lab, operator, images_dir):
    before = leftovers(images_dir)
    upload = StreamedUpload(operator, "cut.tar.gz", 7 * MIB, image_fields("cut-linux"))
    host, port = operator.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(upload.request_head() + upload.head)
        for piece in upload.chunks(limit=4 * MIB):
            connection.sendall(piece)
        # The file is being written in the image folder itself, under a temporary name ...
        wait_for(
            lambda: any(n.startswith(".upload-") for n in leftovers(images_dir)),
            10,
            "the upload's temporary file",
        )
    # ... and the client goes away: nothing is left, and no image is registered.
    wait_for(lambda: leftovers(images_dir) == before, 15, "the temporary file removed")
    assert lab.api.get("/images", imageName="cut-linux")["images"] == []


def test_an_upload_over_the_limit_or_of_another_type_leaves_nothing(lab, operator, images_dir):
    before = leftovers(images_dir)
    # Declared within the limit's slack, but the file itself is over BMP_IMAGE_UPLOAD_MAX_BYTES.
    upload = StreamedUpload(operator, "over.qcow2", SMALL_LIMIT + MIB // 2, image_fields("over"))
    status, body = upload.send()
    assert status == 413, body
    assert "BMP_IMAGE_UPLOAD_MAX_BYTES" in body["error"]["message"]
    # Declared over the limit: refused before the body is read.
    big = StreamedUpload(operator, "huge.qcow2", 4 * SMALL_LIMIT, image_fields("huge"))
    host, port = operator.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(big.request_head())
        answer = connection.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    for file_name in ("notes.txt", "disk.raw", "image.tar"):
        status, body = post_form(
            operator, "/images/upload", image_fields("typed"), {"imageFile": (file_name, b"x")}
        )
        assert status == 400, (file_name, body)
    assert leftovers(images_dir) == before
    assert lab.api.get("/images", imageName="over")["images"] == []


def test_an_image_openapi_refuses_is_not_kept(lab, operator, images_dir):
    before = leftovers(images_dir)
    # The lab's image has this name already: openapi answers 409, and the file goes.
    status, body = post_form(
        operator, "/images/upload", image_fields("lab-linux"), {"imageFile": ("a.qcow2", b"x")}
    )
    assert status == 409, body
    # A detail the contract refuses (an unknown architecture): refused before the file is named.
    fields = {**image_fields("arch"), "architecture": "sparc"}
    status, body = post_form(operator, "/images/upload", fields, {"imageFile": ("a.qcow2", b"x")})
    assert status == 400, body
    assert "architecture" in body["error"]["message"]
    missing = image_fields("nameless")
    del missing["imageName"]
    status, body = post_form(operator, "/images/upload", missing, {"imageFile": ("a.qcow2", b"x")})
    assert status == 400, body
    assert leftovers(images_dir) == before


def test_an_upload_needs_the_csrf_token_before_anything_is_stored(lab, operator, images_dir):
    before = leftovers(images_dir)
    status, body = post_form(
        Browser(operator.base_url, csrf_cookie=OPERATION_CSRF),
        "/images/upload",
        image_fields("anon"),
        {"imageFile": ("a.qcow2", b"x" * 1000)},
    )
    assert status == 402
    token = operator.csrf_cookie
    operator.csrf_cookie = "no-such-cookie"  # the header goes out empty
    try:
        status, body = post_form(
            operator, "/images/upload", image_fields("nocsrf"), {"imageFile": ("a.qcow2", b"x")}
        )
    finally:
        operator.csrf_cookie = token
    assert status == 403, body
    assert leftovers(images_dir) == before
