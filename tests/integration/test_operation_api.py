"""operation-api over the real processes: openapi (operation profile), the BFF (gunicorn, as the
local runtime starts it), Redis, and for the instance actions the scheduler and lab servers.

A test is an operator's browser (``browser.Browser``): cookies kept, the CSRF cookie echoed.
"""

from __future__ import annotations

import io
import json
import secrets
import urllib.error
import urllib.request

import openpyxl
import pytest

from bmp_common.messages.jobs import NO_RAID_NAME
from bmp_lab.enrol import LAB_DEVICE_TYPE
from bmp_lab.hardware import DISK_COUNT, DISK_SIZE_GB
from bmp_lab.platform import wait_http

from .browser import (
    ADMIN_ROLE,
    OPERATION_CSRF_COOKIE,
    OPERATOR_ROLE,
    Browser,
    new_user,
    open_events,
    read_events,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def operation(lab):
    """operation-api on the lab's platform (openapi's operation profile is already up)."""
    lab.platform.start("bmp-operation-api")
    wait_http(f"http://127.0.0.1:{lab.platform.operation_api_port}/health", "operation-api")
    return f"http://127.0.0.1:{lab.platform.operation_api_port}"


def portal(url: str) -> Browser:
    return Browser(url, csrf_cookie=OPERATION_CSRF_COOKIE)


@pytest.fixture(scope="module")
def operator(lab):
    return new_user(lab, OPERATOR_ROLE)


@pytest.fixture(scope="module")
def admin(lab):
    return new_user(lab, ADMIN_ROLE)


def logged_in(url: str, user: tuple[str, str]) -> Browser:
    browser = portal(url)
    answer = browser.login(*user)
    assert answer.status == 200, answer.body
    return browser


# -- login, session, CSRF, language ----------------------------------------------------------


def test_an_operator_logs_in_and_sees_the_fleet(operation, operator, lab):
    browser = logged_in(operation, operator)
    me = browser.get("/user/local")
    assert me.result["user"]["userName"] == operator[0]
    assert me.headers["X-Jdcloud-Username"] == operator[0]
    devices = browser.get(f"/devices/queryDevices?idcId={lab.idc_id}&isAll=1").result
    assert {d["sn"] for d in devices["devices"]} >= set(lab.device_ids)
    assert browser.get("/roles/roleInfo/current").result["role"]["roleId"] == OPERATOR_ROLE


def test_a_tenant_is_refused_at_operation_login(operation, lab):
    answer = portal(operation).login(*new_user(lab))
    assert answer.status == 401
    assert answer.error["status"] == "LOGIN_FAILED"


def test_without_a_session_every_route_answers_402(operation):
    browser = portal(operation)
    for path in ("/idc", "/devices/queryDevices", "/users", "/auditLogs", "/filterList"):
        answer = browser.get(path)
        assert answer.status == 402, (path, answer.body)
        assert answer.error["message"] == "user not login"
    try:
        urllib.request.urlopen(operation + "/events", timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 402
    else:
        raise AssertionError("/events answered without a session")


def test_unsafe_methods_need_the_csrf_token(operation, operator):
    browser = logged_in(operation, operator)
    body = {"name": "csrf", "nameEn": "csrf", "level": "T3"}
    refused = browser.request("PUT", "/idc", body, csrf=False)
    assert refused.status == 403
    assert refused.error["status"] == "CSRF_FAILED"
    names = [idc["name"] for idc in browser.get("/idc?isAll=1").result["idcs"]]
    assert "csrf" not in names
    fresh = portal(operation)
    fresh.get("/health")
    assert fresh.login(*operator, csrf=False).status == 403


def test_errors_come_in_the_users_language(operation, operator):
    browser = logged_in(operation, operator)
    english = browser.get("/idc/idc-does-not-exist")
    browser.set_cookie("X-Jdcloud-Language", "zh_CN")
    chinese = browser.get("/idc/idc-does-not-exist")
    assert english.status == chinese.status == 404
    assert english.error["message"].isascii()
    assert not chinese.error["message"].isascii()  # openapi's message, in Chinese
    wrong = browser.request("POST", "/idc/VerifyUser", {"password": "not-my-password"})
    assert wrong.error["message"] == "密码错误"  # the BFF's own message
    browser.request("POST", "/logout")
    assert browser.get("/idc").error["message"] == "用户未登录"


# -- IDCs: credentials behind a password re-check --------------------------------------------


def test_idc_credentials_are_shown_only_after_the_password_again(operation, operator, lab):
    browser = logged_in(operation, operator)
    body = {
        "name": f"idc-{secrets.token_hex(3)}",
        "nameEn": "reveal",
        "level": "T3",
        "iloUser": "bmc-admin",
        "iloPassword": "Bmc-Secret-1",
        "switchUser1": "sw-admin",
        "switchPassword1": "Sw-Secret-1",
    }
    idc_id = browser.request("PUT", "/idc", body).result["idcId"]

    plain = browser.get(f"/idc/{idc_id}").result["idc"]
    assert plain["name"] == body["name"]
    assert not {"iloUser", "iloPassword", "switchUser1", "switchPassword1"} & set(plain)
    listed = browser.get("/idc?isAll=1").result["idcs"]
    assert all("iloUser" not in idc for idc in listed)
    asked = browser.get(f"/idc/{idc_id}?show=iloPassword")
    assert asked.status == 403
    assert asked.error["status"] == "PASSWORD_RECHECK_NEEDED"

    wrong = browser.request("POST", "/idc/VerifyUser", {"password": "not-my-password"})
    assert wrong.status == 400
    assert wrong.error["status"] == "PASSWORD_WRONG"
    assert browser.get(f"/idc/{idc_id}?show=iloPassword").status == 403
    someone_else = new_user(lab, OPERATOR_ROLE)
    other_body = {"username": someone_else[0], "password": someone_else[1]}
    other = browser.request("POST", "/idc/VerifyUser", other_body)
    assert other.status == 400

    right = browser.request("POST", "/idc/VerifyUser", {"password": operator[1]})
    assert right.result == {"success": True}
    shown = browser.get(f"/idc/{idc_id}?show=iloPassword").result["idc"]
    assert shown["iloUser"] == "bmc-admin"
    assert shown["switchUser1"] == "sw-admin"
    # openapi never answers a password: the portal learns that one is set, not what it is.
    assert shown["iloPassword"] == shown["switchPassword1"] == "******"
    assert "Bmc-Secret-1" not in json.dumps(shown)
    # Another browser of the same operator has not typed the password: nothing shown there.
    assert logged_in(operation, operator).get(f"/idc/{idc_id}?show=1").status == 403
    assert browser.request("DELETE", f"/idc/{idc_id}").result == {"success": True}


# -- devices, device types, images ------------------------------------------------------------


def test_a_device_added_by_form_is_listed_bound_and_deleted(operation, operator, lab):
    browser = logged_in(operation, operator)
    sn = f"FORM{secrets.token_hex(4).upper()}"
    n = secrets.randbelow(200) + 10
    spec = {
        "sn": sn,
        "cabinet": "A01",
        "uPosition": "U10",
        "mac1": f"02:00:5e:10:{n:02x}:01",
        "privateIpv4": f"198.51.100.{n}",
        "mask": "255.255.255.0",
        "gateway": "198.51.100.1",
        "iloIp": f"192.0.2.{n}",
        "iloUser": "admin",
        "iloPassword": "Bmc-Pass-1",
    }
    created = browser.request("POST", "/devices", {"idcId": lab.idc_id, "devices": [spec]})
    [device_id] = created.result["deviceIds"]

    found = browser.get(f"/devices/queryDevices?sn={sn}").result
    assert [d["deviceId"] for d in found["devices"]] == [device_id]
    assert found["devices"][0]["iloIp"] == spec["iloIp"]

    bind = {"deviceId": device_id, "deviceTypeId": lab.device_type_id}
    assert browser.request("PUT", "/devices/deviceType/associate", bind).result["success"]
    device = browser.get(f"/devices/queryDevice/{device_id}").result["device"]
    assert device["deviceTypeId"] == lab.device_type_id
    note = browser.request("PUT", f"/devices/{device_id}", {"description": "rack A, left"})
    assert note.result["success"]

    assert browser.request("DELETE", f"/devices/{device_id}").result["success"]
    assert browser.get(f"/devices/queryDevices?sn={sn}").result["devices"] == []


def test_an_operator_associates_a_devices_disks_with_a_types_volumes(operation, operator, lab):
    """The device page's "associate disks" on a device taken off sale and collected: a device
    type of its IDC whose RAID volumes fit the lab's controller disks (the lab's own type wants
    plain block devices, which the lab servers do not report); per volume, the disks that fit
    it, saved for all volumes at once (the type bound with them) and shown in the device's
    disk detail; a disk not of the device is refused, naming it, and changes nothing. The
    device goes back to the lab's type and on sale."""
    browser = logged_in(operation, operator)
    sn = sorted(lab.device_ids)[0]  # on sale, not sold yet
    device_id = lab.device_ids[sn]
    # Its disks are known once its hardware is collected, which a device in stock may be.
    assert browser.request("PUT", "/devices/unPutaway", {"deviceId": device_id}).status == 200
    lab.wait_device(sn, "manageStatus", ("in",))
    collect = browser.request("POST", "/devices/collect", {"sn": sn, "allowOverride": True})
    assert collect.status == 200, collect.body
    assert lab.wait_device(sn, "collectStatus", ("1", "4"), timeout=90)["collectStatus"] == "1"

    raid0 = next(r["raidId"] for r in browser.get("/raids").result["raids"] if r["name"] == "RAID0")
    volume = {
        "volumeType": "system",
        "diskType": "SSD",
        "interfaceType": "SATA",
        "volumeSize": str(DISK_SIZE_GB),
        "volumeUnit": "GB",
        "volumeAmount": 2,  # RAID0 of two: the lab's four disks serve two volumes
        "raidCan": "RAID",
        "raid": raid0,
    }
    name = f"raid-{secrets.token_hex(3)}"
    spec = {
        **LAB_DEVICE_TYPE,
        "idcId": lab.idc_id,
        "name": name,
        "deviceType": f"cps.{name}",
        "isNeedRaid": "1",
        "volumes": [
            {**volume, "volumeName": "system"},
            {**volume, "volumeName": "data", "volumeType": "data"},
        ],
    }
    made = browser.request("PUT", "/deviceTypes", spec)
    assert made.status == 200, made.body
    type_id = made.result["deviceTypeId"]
    volumes = browser.get(f"/deviceTypes/queryDeviceType/{type_id}").result["deviceType"]["volumes"]
    disks = browser.get(f"/devices/{device_id}/disksDetail").result["disks"]
    assert len(disks) == DISK_COUNT

    chosen = {}
    for one in volumes:
        query = f"deviceId={device_id}&deviceTypeId={type_id}&volumeId={one['volumeId']}"
        fit = browser.get(f"/devices/disks/describeAssociateDisks?{query}")
        assert fit.status == 200, fit.body
        ids = [disk["diskId"] for disk in fit.result]
        assert sorted(ids) == sorted(d["diskId"] for d in disks)  # all four fit, none chosen
        assert not any(disk["selected"] for disk in fit.result)
        taken = {disk for ones in chosen.values() for disk in ones}
        chosen[one["volumeId"]] = [disk for disk in ids if disk not in taken][:2]
    body = {
        "deviceId": device_id,
        "deviceTypeId": type_id,
        "volumes": [{"volumeId": v, "diskId": d} for v, d in chosen.items()],
    }
    saved = browser.request("PUT", "/devices/disks/associateDisks", body)
    assert saved.status == 200 and saved.result["success"], saved.body
    device = browser.get(f"/devices/queryDevice/{device_id}").result["device"]
    assert device["deviceTypeId"] == type_id
    after = browser.get(f"/devices/{device_id}/disksDetail").result
    shown = {v["volumeId"]: sorted(d["diskId"] for d in v["disks"]) for v in after["volumes"]}
    assert shown == {v: sorted(d) for v, d in chosen.items()}

    [first, *_] = body["volumes"]
    stranger = {**first, "diskId": ["no-such-disk", *first["diskId"][1:]]}
    refused = browser.request(
        "PUT", "/devices/disks/associateDisks", {**body, "volumes": [stranger]}
    )
    assert refused.status == 400, refused.body
    assert "no-such-disk" in refused.error["message"]
    again = browser.get(f"/devices/{device_id}/disksDetail").result
    assert {
        v["volumeId"]: sorted(d["diskId"] for d in v["disks"]) for v in again["volumes"]
    } == shown

    # Back to the lab's type (its links to the other type's volumes go) and on sale.
    bind = {"deviceId": device_id, "deviceTypeId": lab.device_type_id}
    assert browser.request("PUT", "/devices/deviceType/associate", bind).result["success"]
    assert browser.request("DELETE", f"/deviceTypes/{type_id}").result["success"]
    assert browser.request("PUT", "/devices/putaway", {"deviceId": device_id}).status == 200
    lab.wait_device(sn, "manageStatus", ("putaway",), timeout=120)


def test_the_device_type_form_presets_and_a_copy(operation, operator, lab):
    browser = logged_in(operation, operator)
    presets = browser.get("/filterList").result
    assert presets["cpu"][0]["info"]["cpuManufacturer"] == "Intel"
    assert presets["architecture"]["aarch64"] == "ARM64(aarch64)"
    assert presets["raidRules"][NO_RAID_NAME]["raids"][NO_RAID_NAME]

    name = f"copy-{secrets.token_hex(3)}"
    copied = browser.request(
        "POST",
        f"/deviceTypes/{lab.device_type_id}/copy",
        {"name": name, "deviceType": f"cps.{name}"},
    )
    new_id = copied.result["deviceTypeId"]
    original = browser.get(f"/deviceTypes/queryDeviceType/{lab.device_type_id}").result
    copy = browser.get(f"/deviceTypes/queryDeviceType/{new_id}").result["deviceType"]
    assert copy["name"] == name
    assert copy["cpuModel"] == original["deviceType"]["cpuModel"]

    def shape(volumes):
        return sorted((v["volumeName"], v["raidId"], v["volumeAmount"]) for v in volumes)

    assert shape(copy["volumes"]) == shape(original["deviceType"]["volumes"])
    assert browser.request("DELETE", f"/deviceTypes/{new_id}").result["success"]

    images = browser.get(f"/images/queryImagesByDeviceType?deviceTypeId={lab.device_type_id}")
    assert lab.image_id in {i["imageId"] for group in images.result.values() for i in group}


# -- instances on sold devices -----------------------------------------------------------------


def test_an_operator_stops_and_locks_an_instance_on_a_sold_device(operation, operator, lab):
    [instance_id] = lab.create("ops-watched")
    lab.wait_status(instance_id, ("running",))
    browser = logged_in(operation, operator)
    stream = open_events(browser)  # the operators' stream: every instance of the fleet

    stopped = browser.request("POST", f"/instances/stop/{instance_id}")
    assert stopped.result["success"], stopped.body

    def seen_stopped(events):
        return any(
            e["data"]["instanceId"] == instance_id and e["data"]["status"] == "stopped"
            for e in events
        )

    events = read_events(stream, seen_stopped)
    stream.close()
    assert all(e["event"] == "instance" for e in events)
    mine = [e["data"]["status"] for e in events if e["data"]["instanceId"] == instance_id]
    assert "stopping" in mine

    assert browser.request("POST", f"/instances/lock/{instance_id}").result["success"]
    instance = browser.get(f"/instances/{instance_id}").result["instance"]
    assert instance["locked"] == "locked"
    refused = browser.request("DELETE", f"/instances/{instance_id}")
    assert refused.status == 409, refused.body
    assert "unlock" in refused.error["message"]
    assert browser.request("POST", f"/instances/unlock/{instance_id}").result["success"]
    assert browser.request("POST", f"/instances/start/{instance_id}").result["success"]
    lab.wait_status(instance_id, ("running",))


# -- in-band monitoring -----------------------------------------------------------------------

RULE = {
    "ruleName": "load high",
    "dimension": "instance",
    "resource": "instance",
    "triggerOption": [
        {
            "metric": "bmp.avg.load5",
            "period": 5,
            "calculation": "max",
            "operation": "gte",
            "threshold": 16,
            "times": 2,
            "noticeLevel": 3,
        }
    ],
    "noticeOption": {
        "noticePeriod": 30,
        "effectiveIntervalStart": "08:00:00",
        "effectiveIntervalEnd": "20:00:00",
        "noticeCondition": [1, 2],
        "noticeWay": [1],
    },
}


def test_an_operator_reads_every_users_alarm_rules_and_keeps_their_own(operation, operator, lab):
    [instance_id] = lab.create("ops-monitored")
    # The lab's admin (another user) watches it through openapi; the operator sees that rule.
    theirs = lab.api.post("/monitorRule/addRule", {**RULE, "instanceIds": [instance_id]})["ruleId"]
    admin_name = lab.api.get("/local/users")["user"]["userName"]
    browser = logged_in(operation, operator)
    listed = browser.get("/monitorRule/describeRules?pageSize=100").result["rules"]
    [rule] = [r for r in listed if r["ruleId"] == theirs]
    assert rule["userName"] == admin_name != operator[0]
    assert rule["instanceIds"] == [instance_id]
    rows = xlsx_rows(browser, f"/monitorRule/describeRules?exportType=xlsx&ruleId={theirs}")
    assert rows[0][:3] == ("User Name", "Rule Name", "Rule ID")
    [row] = rows[1:]
    assert row[:5] == (admin_name, "load high", theirs, rule["resourceName"], 1)
    assert row[5] == rule["triggerDescription"][0] and row[6] == rule["statusName"]

    # The operator's own rule: made, disabled and deleted (upstream's portal sent DELETE to
    # its edit handler; this one deletes).
    mine = browser.request("POST", "/monitorRule/addRule", {**RULE, "instanceIds": [instance_id]})
    rule_id = mine.result["ruleId"]
    assert browser.request("PUT", "/monitorRule/disableRule", {"ruleId": rule_id}).status == 200
    assert browser.request("DELETE", "/monitorRule/deleteRule", {"ruleId": rule_id}).status == 200
    gone = browser.get(f"/monitorRule/describeRule?ruleId={rule_id}")
    assert gone.status == 404, gone.body

    # Alerts (none yet) export with the operator portal's columns; charts and agents need the
    # monitoring services this platform does not run: openapi's 503 in the envelope.
    assert browser.get("/monitorAlert/describeAlerts").result["totalCount"] == 0
    rows = xlsx_rows(browser, "/monitorAlert/describeAlerts?exportType=xlsx")
    assert rows[0][:4] == ("User Name", "Alarm time", "Resource Type", "Alarm Resources ID")
    assert len(rows) == 1
    for path in (
        f"/monitorData?metricName=bmp.avg.load5&instanceId={instance_id}",
        f"/monitorProxy/desrcibeAgentStatus?instanceId={instance_id}",
        f"/monitorProxy/desrcibeTags?instanceId={instance_id}&tagName=nic",
    ):
        down = browser.get(path)
        assert down.status == 503, (path, down.body)
        assert down.error["status"] == "UNAVAILABLE"


# -- users, roles, API keys -------------------------------------------------------------------


def test_an_admin_manages_users_and_roles(operation, admin, operator):
    browser = logged_in(operation, admin)
    name = f"u{secrets.token_hex(4)}"
    body = {"userName": name, "password": "Pw-New-User-2026", "roleId": OPERATOR_ROLE}
    user_id = browser.request("PUT", "/users", body).result["userId"]
    found = browser.get(f"/users?userName={name}").result["users"]
    assert [u["userId"] for u in found] == [user_id]
    changed = browser.request("POST", f"/users/{user_id}", {"description": "night shift"})
    assert changed.result["success"]
    assert browser.get(f"/users/{user_id}").result["user"]["description"] == "night shift"
    assert browser.request("DELETE", f"/users/{user_id}").result["success"]
    assert browser.get(f"/users/{user_id}").status == 404

    role = {"roleNameEn": f"auditor-{secrets.token_hex(2)}", "roleNameCn": "审计员"}
    role_id = browser.request("PUT", "/roles", role).result["roleId"]
    assert browser.get(f"/roles/{role_id}").result["role"]["roleNameCn"] == "审计员"
    renamed = browser.request("PUT", f"/roles/{role_id}", {"roleNameCn": "审计"})
    assert renamed.result["success"]
    assert role_id in {r["roleId"] for r in browser.get("/roles?isAll=1").result["roles"]}
    assert browser.request("DELETE", f"/roles/{role_id}").result["success"]

    # An operator may not: openapi keeps users and roles to the admin.
    refused = logged_in(operation, operator).request("PUT", "/users", {**body, "userName": "x1"})
    assert refused.status == 403


def test_an_api_key_shows_its_secret_once(operation, operator, lab):
    browser = logged_in(operation, operator)
    made = browser.request("PUT", "/apikey", {"name": "ci-key", "readOnly": 1, "type": "user"})
    token, apikey_id = made.result["token"], made.result["apikeyId"]
    # The token works, as its owner, on openapi itself ...
    openapi = f"http://127.0.0.1:{lab.platform.openapi_port}"
    request = urllib.request.Request(f"{openapi}/v1/local/users")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["result"]["user"]["userName"] == operator[0]
    # ... and is never shown again.
    keys = browser.get("/apikey")
    assert apikey_id in {k["apiKeyId"] for k in keys.result["apikeys"]}
    assert token not in json.dumps(keys.body)
    assert {k["token"] for k in keys.result["apikeys"]} == {"******"}
    assert browser.request("DELETE", f"/apikey/{apikey_id}").result["success"]
    assert apikey_id not in {k["apiKeyId"] for k in browser.get("/apikey").result["apikeys"]}


# -- mail settings, audit trail ---------------------------------------------------------------


def test_mail_push_switch_and_the_audit_trail(operation, operator, admin):
    browser = logged_in(operation, admin)
    assert browser.request("POST", "/messages/saveIsPushMail", {"is_push": "1"}).result["success"]
    assert browser.get("/messages/describeMail").result["is_push"] == "1"
    assert browser.request("POST", "/messages/saveIsPushMail", {"is_push": "0"}).result["success"]
    assert browser.get("/messages/describeMail").result["is_push"] == "0"
    assert browser.get("/messages/hasUnreadMessage").status == 200

    # What the operator did through the portal is in the trail, under the operator's name.
    mine = logged_in(operation, operator)
    assert mine.request("PUT", "/user/local", {"description": "on call"}).result["success"]
    trail = mine.get(f"/auditLogs?username={operator[0]}&isAll=1").result["auditLogs"]
    assert "ModifyLocalUser" in {e["operation"] for e in trail}
    assert {e["userName"] for e in trail} == {operator[0]}
    assert browser.get("/auditLogs/types").status == 200


# -- Excel exports ---------------------------------------------------------------------------


def xlsx_rows(browser: Browser, path: str) -> list[tuple]:
    request = urllib.request.Request(browser.base_url + path)
    with browser.opener.open(request, timeout=120) as answer:
        assert answer.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        data = answer.read()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("path", "items", "header", "field"),
    [
        ("/devices/queryDevices", "devices", "SN", "sn"),
        ("/idc", "idcs", "Name", "name"),
        ("/users", "users", "User Name", "userName"),
    ],
)
def test_the_operator_lists_export_to_excel(operation, admin, path, items, header, field):
    browser = logged_in(operation, admin)
    browser.set_cookie("X-Jdcloud-Language", "en_US")
    listed = browser.get(f"{path}?isAll=1").body["result"][items]

    rows = xlsx_rows(browser, f"{path}?exportType=xlsx")

    column = rows[0].index(header)
    assert len(rows) - 1 == len(listed) > 0
    assert sorted(row[column] for row in rows[1:]) == sorted(item[field] for item in listed)
