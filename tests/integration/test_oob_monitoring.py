"""Out-of-band monitoring over real processes: lab BMCs log events, bmp-oob-agent polls them
(native RMCP+), bmp-oob-alert turns them into faults, openapi sends the messages and the mails
(to an SMTP server this test runs) and answers the devices' health. The consoles reach it
through their BFFs (console-api, operation-api) under /oob-alert/, as the session's user."""

from __future__ import annotations

import ast
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab.platform import free_port, wait_for, wait_http

from .browser import OPERATION_CSRF_COOKIE, OPERATOR_ROLE, Browser, new_user
from .conftest import Lab

POLL_INTERVAL = 2.0
# How long a wait gives up after: far above a round on a loaded machine (1.6 s for the 7
# devices here, ten times that on a busy CI runner). What a test promises "within N polls" it
# counts in the agent's rounds (_agent_rounds), never in seconds.
GIVE_UP_S = 60
UNREACHABLE_POLLS = 2
OOB = "/oob-alert/v1/oob-alert"  # where the consoles' nginx sends them: the BFFs


class Inbox:
    """aiosmtpd handler: every mail the server takes."""

    def __init__(self):
        self.mails: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(envelope.content.decode("utf-8", errors="replace"))
        return "250 OK"


class OobAlert:
    def __init__(self, base: str, key: str):
        self.base, self.key = base, key

    def request(self, method: str, path: str, body=None, *, key: str | None = "", headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if key is not None:
            request.add_header("Authorization", f"Bearer {key or self.key}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                raw = answer.read()
                kind = answer.headers.get("Content-Type", "")
                return answer.status, (json.loads(raw) if "json" in kind else raw)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def get(self, path: str, **kwargs):
        status, body = self.request("GET", path, **kwargs)
        assert status == 200, (path, status, body)
        return body["result"]

    def faults(self, sn: str) -> dict[str, dict]:
        rows = self.get(f"/v1/oob-alert/logs?sn={sn}&isAll=1")["detail"]
        return {row["alert_name"]: row for row in rows}


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def oob(lab: Lab, smtp):
    platform = lab.platform
    inbox, smtp_port = smtp
    platform.manage("bmp_oob_alert.settings", "migrate", "--noinput")
    alert_port = free_port()
    platform.env.update(
        BMP_OOB_ALERT_PORT=str(alert_port),
        BMP_OOB_UNREACHABLE_POLLS=str(UNREACHABLE_POLLS),
        BMP_OOB_POLL_INTERVAL=str(POLL_INTERVAL),
        BMP_OOB_AUTH_CACHE_S="1",
        BMP_IDC_IDS=lab.idc_id,
    )
    platform.start("bmp-openapi-console")
    platform.start("bmp-oob-alert")
    wait_http(f"http://127.0.0.1:{alert_port}/health", "oob-alert")
    # The mail settings: the test's SMTP server (its test mail is the first it gets).
    lab.api.post(
        "/messages/dialMail",
        {
            "server_addr": "127.0.0.1",
            "server_port": str(smtp_port),
            "admin_addr": "bmp@example.com",
            "admin_pass": "unused-no-auth",
            "to": "ops@example.com",
        },
    )
    inbox.mails.clear()
    # An instance, so that its device has an owner (the admin), and an operator.
    instance_id = lab.create("oob-owned")[0]
    instance = lab.wait_status(instance_id, ("running",), timeout=120)
    operator_name = f"op{secrets.token_hex(3)}"
    lab.api.post(
        "/users",
        {"userName": operator_name, "password": "Op-Pass-2026x", "roleId": OPERATOR_ROLE},
    )
    platform.start("bmp-oob-agent")
    client = OobAlert(f"http://127.0.0.1:{alert_port}", lab.api._key)
    # The first poll takes each log as it is (history), then monitoring begins.
    wait_for(
        lambda: (
            all(
                row["polled_at"]
                for row in client.get("/v1/oob-alert/device/status?isAll=1")["detail"]
            )
            and len(client.get("/v1/oob-alert/device/status?isAll=1")["detail"]) == 7
        ),
        60,
        "the baseline poll of the 7 devices",
        interval=0.5,
    )
    return client, instance, inbox


def _messages(platform, sn: str) -> list[tuple]:
    where = f"m.message_type = 'oob-monitor' AND m.sn = '{sn}'"  # the lab's own SN
    query = (
        "SELECT u.user_name, m.message_sub_type FROM web_message m JOIN user u ON u.id = m.user_id"
    )
    return platform.sql(f"{query} WHERE {where}")


@dataclass(frozen=True)
class Round:
    """One poll of the IDC by bmp-oob-agent, from its log (wall-clock seconds)."""

    started: float
    ended: float
    applied: dict  # what oob-alert made of the reports: {"ok", "stale", "baseline", "faults"}


ROUND_LINE = re.compile(r"^IDC \S+: \d+ devices, .* records read, (\{.*\}), ([\d.]+) s$")


def _agent_rounds(platform) -> list[Round]:
    rounds = []
    for line in (platform.logs / "bmp-oob-agent.log").read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the start-up line is plain text
        match = ROUND_LINE.match(record.get("message", ""))
        if match:
            ended = datetime.fromisoformat(record["time"]).timestamp()
            applied = ast.literal_eval(match.group(1))
            rounds.append(Round(ended - float(match.group(2)), ended, applied))
    return rounds


def test_injected_faults_become_a_log_health_messages_and_mails(lab, oob):
    client, instance, inbox = oob
    sn = instance["sn"]
    server = lab.fleet.by_sn(sn)
    assert client.faults(sn) == {}  # the history before monitoring began is not a fault
    injected = time.time()
    server.node.add_named_event("Memory", "Uncorrectable ECC")
    server.node.add_named_event("Power Supply", "Failure detected")
    faults = wait_for(lambda: len(f := client.faults(sn)) == 2 and f, GIVE_UP_S, "two faults")

    # Within two polls: the round whose report made the second fault is at most the second
    # round to begin after the events (one already under way may find them too). Counted in
    # the agent's rounds, not seconds, so a loaded machine's slower rounds do not fail it.
    def rounds_to_both():
        rounds = [r for r in _agent_rounds(lab.platform) if r.ended > injected]
        made = [r for r in rounds if r.applied.get("faults")]
        return sum(r.applied["faults"] for r in made) >= 2 and (rounds, made)

    # The agent logs its round once oob-alert has answered: a moment after the faults show.
    rounds, made = wait_for(rounds_to_both, GIVE_UP_S, "the agent's round")
    assert sum(r.applied["faults"] for r in made) == 2, rounds
    began_after = [r for r in rounds if injected <= r.started and r.ended <= made[-1].ended]
    assert len(began_after) <= 2, rounds
    memory, power = faults["memory-uncorrectable-ecc"], faults["power-supply-failure-detected"]
    assert (memory["alert_level"], memory["alert_type"], memory["count"]) == (
        "Critical",
        "内存故障",
        1,
    )
    assert (power["alert_level"], power["alert_type"], power["count"]) == (
        "Critical",
        "电力故障",
        1,
    )
    assert "Memory #0x60 | Uncorrectable ECC | Asserted" in memory["alert_content"]
    assert memory["status"] == 0  # not handled

    # Health: oob-alert's rows and openapi's device and instance answers.
    row = client.get(f"/v1/oob-alert/device/status?sn={sn}")["detail"][0]
    assert (row["mem_status"], row["power_status"], row["cpu_status"]) == (1, 1, 0)
    health = wait_for(
        lambda: (h := lab.device(sn)["health"])["memory"] == "fault" and h,
        GIVE_UP_S,
        "openapi health",
    )
    assert health == {
        "cpu": "ok",
        "memory": "fault",
        "disk": "ok",
        "nic": "ok",
        "power": "fault",
        "other": "ok",
    }
    assert lab.instance(instance["instanceId"])["health"]["power"] == "fault"

    # One oob-monitor message each for the owner (admin) and the operator; one mail per pushed
    # rule (both push).
    messages = wait_for(
        lambda: len(m := _messages(lab.platform, sn)) == 2 and m, GIVE_UP_S, "messages"
    )
    assert sorted(name for name, _ in messages)[0] == "admin"
    assert wait_for(lambda: len(inbox.mails) == 2, GIVE_UP_S, "two mails")
    subjects = "\n".join(inbox.mails)
    assert "memory-uncorrectable-ecc" in subjects and "power-supply-failure-detected" in subjects

    # Another poll or two add nothing (waited for in rounds: a loaded machine polls later).
    polled = len(_agent_rounds(lab.platform))
    wait_for(lambda: len(_agent_rounds(lab.platform)) >= polled + 2, GIVE_UP_S, "two rounds")
    again = client.faults(sn)
    assert {name: f["count"] for name, f in again.items()} == {
        "memory-uncorrectable-ecc": 1,
        "power-supply-failure-detected": 1,
    }
    assert len(_messages(lab.platform, sn)) == 2 and len(inbox.mails) == 2

    # Handled: who and when; the health follows.
    status, body = client.request("POST", "/v1/oob-alert/logs/deal", {"logid": memory["logid"]})
    assert status == 200, body
    handled = client.faults(sn)["memory-uncorrectable-ecc"]
    assert (handled["status"], handled["handled_by"]) == (1, "admin") and handled["handled_time"]
    wait_for(lambda: lab.device(sn)["health"]["memory"] == "ok", GIVE_UP_S, "memory ok again")


def test_a_cleared_log_is_read_from_its_new_start(lab, oob):
    client, instance, _ = oob
    sn = instance["sn"]
    server = lab.fleet.by_sn(sn)
    server.node.clear_sel()
    server.node.add_named_event("Processor", "IERR")
    fault = wait_for(lambda: client.faults(sn).get("processor-ierr"), GIVE_UP_S, "the CPU fault")
    assert fault["count"] == 1 and fault["alert_level"] == "Critical"


def test_a_wrong_password_becomes_one_unreachable_fault(lab, oob):
    client, instance, _ = oob
    other = next(s for s in lab.enrolled if s.sn != instance["sn"])
    other.set_wrong_password(True)
    logins, since = other.bmc.stats["logins"], time.time()
    fault = wait_for(
        lambda: client.faults(other.sn).get("bmc-unreachable"), GIVE_UP_S, "the unreachable fault"
    )
    assert fault["count"] == 1 and "USERNAME_OR_PASSWORD_ERROR" in fault["alert_content"]
    # Two polls more, counted on the BMC (a fixed sleep holds fewer polls on a loaded machine).
    wait_for(
        lambda: other.bmc.stats["logins"] - logins >= UNREACHABLE_POLLS + 2, GIVE_UP_S, "polls"
    )
    assert client.faults(other.sn)["bmc-unreachable"]["count"] == 1  # one fault, not one a poll
    polls = other.bmc.stats["logins"] - logins
    rounds = [r for r in _agent_rounds(lab.platform) if r.ended > since]
    assert polls <= len(rounds) + 1, rounds  # one refused login per round, no retries
    row = client.get(f"/v1/oob-alert/device/status?sn={other.sn}")["detail"][0]
    assert row["other_status"] == 1 and row["bmc_failures"] >= UNREACHABLE_POLLS
    other.set_wrong_password(False)


def test_the_routes_want_an_api_key_not_a_cookie(lab, oob):
    client, _, _ = oob
    status, body = client.request(
        "GET",
        "/v1/oob-alert/logs",
        key=None,
        headers={"Cookie": "X-Jdcloud-Username=admin"},
    )
    assert status == 401, body
    status, _ = client.request("GET", "/v1/oob-alert/rules", key="not-a-key")
    assert status == 401
    rules = client.get("/v1/oob-alert/rules?isAll=1")
    assert rules["total_count"] == 29
    assert client.get("/v1/oob-alert/rules/alert-level-list") == ["Critical", "Warning"]
    # Rules: switched off, then back to their defaults.
    status, _ = client.request(
        "POST", "/v1/oob-alert/rules/change-use", {"rule_id": 12, "use_status": 0}
    )
    assert status == 200
    assert (
        client.get("/v1/oob-alert/rules?alert_name=memory-uncorrectable")["detail"][0]["use_status"]
        == 0
    )
    client.request("POST", "/v1/oob-alert/rules/reset", {"rule_ids": ""})
    assert (
        client.get("/v1/oob-alert/rules?alert_name=memory-uncorrectable")["detail"][0]["use_status"]
        == 1
    )
    # Excel export of the three lists.
    for path in ("/v1/oob-alert/logs", "/v1/oob-alert/rules", "/v1/oob-alert/device/status"):
        status, raw = client.request("GET", f"{path}?exportType=1")
        assert status == 200 and raw[:2] == b"PK", path


# -- through the consoles' BFFs ----------------------------------------------------------------


@pytest.fixture(scope="module")
def portals(lab, oob):
    """console-api and operation-api, started once oob-alert's address is known."""
    platform = lab.platform
    platform.start("bmp-console-api")
    platform.start("bmp-operation-api")
    console = f"http://127.0.0.1:{platform.console_api_port}"
    operation = f"http://127.0.0.1:{platform.operation_api_port}"
    wait_http(f"{console}/health", "console-api")
    wait_http(f"{operation}/health", "operation-api")
    return console, operation


@pytest.fixture(scope="module")
def tenant(lab, portals):
    """A tenant with a running instance made through the console, and its server."""
    browser = Browser(portals[0])
    assert browser.login(*new_user(lab)).status == 200
    project_id = browser.get("/project").result["projects"][0]["projectId"]
    created = browser.request(
        "PUT",
        "/instance",
        {
            "idcId": lab.idc_id,
            "projectId": project_id,
            "deviceTypeId": lab.device_type_id,
            "imageId": lab.image_id,
            "systemVolumeRaidId": NO_RAID_ID,
            "instanceName": "oob-watched",
            "password": "Root-Pass-2026",
            "count": 1,
        },
    )
    [instance_id] = created.result["instanceIds"]
    browser.instance = lab.wait_status(instance_id, ("running",), timeout=120)
    browser.user_id = browser.get("/user").result["user"]["userId"]
    return browser


def _operator(lab, portals) -> Browser:
    browser = Browser(portals[1], csrf_cookie=OPERATION_CSRF_COOKIE)
    assert browser.login(*new_user(lab, OPERATOR_ROLE)).status == 200
    return browser


def _xlsx(browser: Browser, path: str) -> bytes:
    with browser.opener.open(browser.base_url + path, timeout=120) as answer:
        assert answer.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in answer.headers["Content-Disposition"]
        return answer.read()


def test_a_tenant_sees_its_servers_faults_in_the_console_and_no_one_elses(lab, oob, tenant):
    client, _, _ = oob
    sn = tenant.instance["sn"]
    idc_id = tenant.instance["idcId"]
    lab.fleet.by_sn(sn).node.add_named_event("Memory", "Uncorrectable ECC")
    wait_for(lambda: "memory-uncorrectable-ecc" in client.faults(sn), GIVE_UP_S, "fault")

    # The instance detail's hardware tab, as upstream's console asks (sn and idcId; page_num).
    health = tenant.get(f"{OOB}/device/status?sn={sn}&idcId={idc_id}").result
    assert [row["sn"] for row in health["detail"]] == [sn]
    assert health["detail"][0]["mem_status"] == 1 and health["detail"][0]["cpu_status"] == 0
    log = tenant.get(f"{OOB}/consolelogs?sn={sn}&page_num=1&page_size=20").result
    # (the server may hold an earlier test's fault as well: the lab has 7)
    assert "memory-uncorrectable-ecc" in [row["alert_name"] for row in log["detail"]]
    assert log["total_count"] >= 1 and {row["sn"] for row in log["detail"]} == {sn}
    # Its export, and the log's column choices (kept per user by oob-alert).
    assert _xlsx(tenant, f"{OOB}/consolelogs?sn={sn}&exportType=1&isAll=1")[:2] == b"PK"
    columns = {"page_key": "alarmLogList", "page_value": {"alert_name": {"selected": True}}}
    assert tenant.request("POST", f"{OOB}/custom/set-custom-info", columns).result
    kept = tenant.get(f"{OOB}/custom/get-custom-info?page_key=alarmLogList").result
    assert kept == columns["page_value"]

    # Another tenant: neither the server's health nor its faults, nor the whole fleet's.
    other = Browser(tenant.base_url)
    assert other.login(*new_user(lab)).status == 200
    assert other.get(f"{OOB}/device/status?sn={sn}").result["detail"] == []
    assert other.get(f"{OOB}/device/status?isAll=1").result["total_count"] == 0
    assert other.get(f"{OOB}/consolelogs?sn={sn}").result["total_count"] == 0
    assert other.get(f"{OOB}/custom/get-custom-info?page_key=alarmLogList").result == {}
    # The tenant sees their own server only, and the operators' routes are not in the console.
    assert tenant.get(f"{OOB}/device/status?isAll=1").result["total_count"] == 1
    for method, path in (("GET", "/logs"), ("POST", "/logs/deal"), ("GET", "/rules")):
        assert tenant.request(method, OOB + path, {}).status == 404, path
    # A query oob-alert does not know is its 400, relayed in the console's envelope.
    bad = tenant.get(f"{OOB}/consolelogs?sn={sn}&color=red")
    assert bad.status == 400 and bad.error["status"] == "INVALID_ARGUMENT", bad.body


def test_an_operator_handles_a_fault_and_switches_a_rule_through_the_portal(
    lab, oob, tenant, portals
):
    client, _, _ = oob
    sn = tenant.instance["sn"]
    operator = _operator(lab, portals)
    # Every device's health, and the fault log of the fleet.
    status = operator.get(f"{OOB}/device/status?isAll=1").result
    assert status["total_count"] == 7
    faults = operator.get(f"{OOB}/logs?sn={sn}&deal_status=0&isAll=1").result["detail"]
    fault = next(f for f in faults if f["alert_name"] == "memory-uncorrectable-ecc")
    assert fault["status"] == 0
    for path in ("/logs", "/rules", "/device/status"):
        assert _xlsx(operator, f"{OOB}{path}?exportType=1")[:2] == b"PK", path

    # Handled: by whom, as openapi names the session's operator.
    me = operator.get("/user/local").result["user"]["userName"]
    assert operator.request("POST", f"{OOB}/logs/deal", {"logid": fault["logid"]}).result == {
        "success": True
    }
    handled = client.faults(sn)["memory-uncorrectable-ecc"]
    assert (handled["status"], handled["handled_by"]) == (1, me)
    still_open = operator.get(f"{OOB}/logs?sn={sn}&deal_status=0").result["detail"]
    assert fault["logid"] not in [f["logid"] for f in still_open]

    # Rules: levels and parts, one switched off and back, push, then the defaults again.
    assert operator.get(f"{OOB}/rules/alert-level-list").result == ["Critical", "Warning"]
    assert operator.get(f"{OOB}/rules/alert-spec-list").result
    rules = operator.get(f"{OOB}/rules?alert_name=memory-uncorrectable-ecc").result["detail"]
    rule_id = rules[0]["rule_id"]
    body = {"rule_id": rule_id, "use_status": 0}
    assert operator.request("POST", f"{OOB}/rules/change-use", body).status == 200
    body = {"rule_id": rule_id, "push_status": 0}
    assert operator.request("POST", f"{OOB}/rules/change-push", body).status == 200
    rule, *_ = client.get("/v1/oob-alert/rules?alert_name=memory-uncorrectable-ecc")["detail"]
    assert (rule["use_status"], rule["push_status"]) == (0, 0)
    body = {"rule_ids": str(rule_id)}
    assert operator.request("POST", f"{OOB}/rules/reset", body).status == 200
    rule, *_ = client.get("/v1/oob-alert/rules?alert_name=memory-uncorrectable-ecc")["detail"]
    assert (rule["use_status"], rule["push_status"]) == (1, 1)
    # Unsafe methods need the portal's CSRF token, as every BFF route.
    refused = operator.request("POST", f"{OOB}/rules/reset", {"rule_ids": ""}, csrf=False)
    assert refused.status == 403


def test_without_a_session_the_oob_routes_answer_402(portals):
    for base, path in (
        (portals[0], f"{OOB}/consolelogs?sn=x"),
        (portals[0], f"{OOB}/device/status"),
        (portals[1], f"{OOB}/logs"),
        (portals[1], f"{OOB}/rules"),
    ):
        answer = Browser(base).get(path)
        assert answer.status == 402, (path, answer.body)
        assert answer.error["message"] == "user not login"


def test_oob_alert_takes_bmpuserid_only_with_the_system_key(lab, oob, tenant):
    client, _, _ = oob
    system_key = (Path(lab.platform.env["BMP_DATA_DIR"]) / "system-api-key").read_text().strip()
    sn = tenant.instance["sn"]
    logs = f"/v1/oob-alert/logs?sn={sn}"
    # The system key for a user openapi knows: that user's view (a tenant: their server only).
    as_tenant = {"bmpUserId": tenant.user_id}
    status, body = client.request(
        "GET", "/v1/oob-alert/device/status?isAll=1", key=system_key, headers=as_tenant
    )
    assert status == 200 and [row["sn"] for row in body["result"]["detail"]] == [sn]
    # ... for nobody openapi knows, or a malformed id: refused.
    for user_id in ("user-does-not-exist", "../admin", ""):
        status, _ = client.request("GET", logs, key=system_key, headers={"bmpUserId": user_id})
        assert status == 401, user_id
    # Without bmpUserId it is oob-agent's key: the agent routes only.
    status, _ = client.request("GET", logs, key=system_key)
    assert status == 403
    # bmpUserId without the system key: refused, with no key or beside a user's own key.
    status, _ = client.request("GET", logs, key=None, headers=as_tenant)
    assert status == 401
    status, _ = client.request("GET", logs, headers=as_tenant)  # the admin's key
    assert status == 401
