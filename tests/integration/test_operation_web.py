"""The operators' web console in a real browser (chromium, driven by Playwright) over the real
platform: openapi, operation-api, oob-alert, the console's nginx and a lab of virtual servers.

The generated admin logs in, adds an IDC and a device type, sees the lab's devices, takes one
off sale and puts it on sale again; uploads an image (its progress and hashes shown), binds it
to the lab's device type, and watches, step by step, the job that installs it on a tenant's new
instance; sets the mail settings, the test mail reaching an SMTP server the test runs; logs
out. A BMC fault of a lab server shows in the fault log and is marked handled; a session that
ends sends the browser to the login page and back. Every page is shot in both languages (the
folder is printed; BMP_TEST_SCREENSHOTS keeps them), with no untranslated text and no critical
accessibility violation.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import os
import re
import secrets
import tarfile
import urllib.request

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from playwright import sync_api as playwright_api

from bmp_common.messages.jobs import CREATE_INSTANCES, NO_RAID_ID, PUTAWAY_DEVICE
from bmp_lab.platform import free_port, wait_for, wait_http

from .browser import Browser, new_user
from .web_browser import (
    OPERATION_KEY_PREFIXES,
    build_consoles,
    check_page,
    choose,
    confirm,
    key_pattern,
    log_in,
    settle,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEYS = key_pattern(OPERATION_KEY_PREFIXES)
OOB_POLL_INTERVAL = 2.0
# Seconds per step of the lab's agents in the install an operator watches (slow_agents).
AGENT_STEP_DELAY = 1.0


@pytest.fixture(scope="module")
def operation_web(lab):
    """The console as deployed: nginx with the built files, operation-api behind
    /operation-web/ and /oob-alert/, oob-alert and its agent watching the lab's BMCs."""
    build_consoles()
    platform = lab.platform
    port = free_port()
    platform.env.setdefault("BMP_OOB_ALERT_PORT", str(free_port()))
    platform.manage("bmp_oob_alert.settings", "migrate", "--noinput")
    platform.env.update(
        BMP_OOB_POLL_INTERVAL=str(OOB_POLL_INTERVAL),
        BMP_OOB_AUTH_CACHE_S="1",
        BMP_IDC_IDS=lab.idc_id,
    )
    platform.start("bmp-openapi-console")
    platform.start("bmp-oob-alert")
    platform.start("bmp-operation-api")
    platform.start("bmp-operation-web", env={"BMP_OPERATION_WEB_PORT": str(port)})
    wait_http(f"http://127.0.0.1:{platform.openapi_console_port}/health", "openapi-console")
    wait_http(f"http://127.0.0.1:{platform.env['BMP_OOB_ALERT_PORT']}/health", "oob-alert")
    platform.start("bmp-oob-agent")
    wait_http(f"http://127.0.0.1:{platform.operation_api_port}/health", "operation-api")
    wait_http(f"http://127.0.0.1:{port}/operation-web/health", "operation-web")
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def admin(lab) -> tuple[str, str]:
    """The admin the platform generated at its first start (its credentials file)."""
    lines = (lab.platform.var / "data" / "credentials").read_text().splitlines()
    credentials = dict(line.split("=", 1) for line in lines if "=" in line)
    return credentials["BMP_ADMIN_USER"], credentials["BMP_ADMIN_PASSWORD"]


def device_row(page, sn: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=sn, exact=True))


def wait_row_status(page, sn: str, status: str, timeout: float = 90) -> None:
    """The list is read again (Refresh) until the device's status tag says `status`."""

    def shown() -> bool:
        tag = device_row(page, sn).locator("[data-status]")
        if tag.count() and tag.first.get_attribute("data-status") == status:
            return True
        page.get_by_role("button", name="Refresh").click()
        settle(page)
        return False

    wait_for(shown, timeout, f"{sn} {status} in the device list", interval=1)


def test_the_admin_adds_an_idc_and_a_device_type_and_sells_a_device(
    operation_web, lab, admin, page
):
    name, password = admin
    page.goto(operation_web + "/DeviceManagement/deviceList")
    # No session: the login page, which returns to the devices afterwards.
    page.wait_for_url(re.compile(r"/login\?redirect=(/|%2F)DeviceManagement(/|%2F)deviceList$"))
    log_in(page, name, password)
    page.wait_for_url("**/DeviceManagement/deviceList")
    settle(page)
    # Every lab device is listed, paged on the server.
    for sn in lab.device_ids:
        device_row(page, sn).wait_for()

    choose(page, "语言", "English")
    page.get_by_role("heading", name="Devices").wait_for()

    # An IDC.
    idc = f"room-{secrets.token_hex(3)}"
    page.get_by_role("menuitem", name="IDCs").click()
    settle(page)
    page.get_by_role("button", name="Add IDC").click()
    dialog = page.get_by_role("dialog", name="Add IDC")
    dialog.get_by_label("Name", exact=True).fill(idc)
    dialog.get_by_label("English name").fill(idc + "-en")
    dialog.get_by_label("Level").fill("T3")
    dialog.get_by_role("button", name="Create").click()
    page.get_by_role("link", name=idc, exact=True).wait_for()

    # A device type in it: custom CPU, the system volume's RAID chosen.
    spec = f"cps.t.{secrets.token_hex(3)}"
    page.get_by_role("menuitem", name="Device types").click()
    settle(page)
    page.get_by_role("button", name="Add device type").click()
    settle(page)
    choose(page, "IDC", idc)
    page.get_by_label("Name", exact=True).fill("ui-made")
    page.get_by_label("Spec code").fill(spec)
    page.get_by_label("Manufacturer", exact=True).fill("Intel")
    page.get_by_label("Model", exact=True).fill("Xeon Gold 6330")
    page.get_by_label("Frequency (GHz)").fill("2.0")
    # Until a RAID level is chosen the form says why it cannot be saved.
    page.get_by_text("Volume system: choose at least one RAID level.").wait_for()
    choose(page, "RAID levels", "RAID1", scope=page.get_by_test_id("volumes"))
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Create", exact=True).click()
    try:
        page.wait_for_url("**/ModelManagement/modelList", timeout=30_000)
    except playwright_api.TimeoutError:
        refused = page.locator(".el-form-item__error, .el-alert, .el-message").all_inner_texts()
        raise AssertionError(f"the device type was not saved: {refused}") from None
    settle(page)
    row = page.get_by_role("row").filter(has_text=spec)
    row.get_by_role("link", name="ui-made").wait_for()
    made = [d for d in lab.api.get("/deviceTypes?isAll=1")["deviceTypes"] if d["name"] == "ui-made"]
    assert [d["deviceType"] for d in made] == [spec]
    assert made[0]["volumes"][0]["raid"] == "RAID1"

    # A lab device off sale and on sale again (its checks run on the way).
    sn = sorted(lab.device_ids)[-1]
    page.get_by_role("menuitem", name="Devices").click()
    settle(page)
    wait_row_status(page, sn, "putaway")
    device_row(page, sn).get_by_role("button", name="Take off sale").click()
    confirm(page)
    wait_row_status(page, sn, "in")
    device_row(page, sn).get_by_role("button", name="Put on sale").click()
    confirm(page)
    wait_row_status(page, sn, "putaway", timeout=120)
    assert lab.device(sn)["manageStatus"] == "putaway"

    # That put-on-sale job's timeline: who asked, what the scheduler did, how it ended.
    page.get_by_role("menuitem", name="Jobs").click()
    settle(page)
    job = page.get_by_role("row").filter(has_text=sn).get_by_role("link", name=PUTAWAY_DEVICE)
    job.first.click()
    page.wait_for_url("**/JobManagement/jobDetail/*")
    timeline = page.get_by_test_id("job-timeline")
    created = timeline.get_by_role("row").filter(has=page.locator("[data-kind=job_created]"))
    created.get_by_text(f"Job PutawayDevice created by {name}").wait_for()
    ended = timeline.get_by_role("row").filter(has=page.locator("[data-kind=job_ended]"))
    ended.get_by_text("Job ended: Succeeded").wait_for()
    assert timeline.locator("[data-kind=step_end]").count() >= 1
    assert page.get_by_test_id("job-verdict").count() == 0

    # Log out: the console asks for a login again.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url("**/login")


def spreadsheet(page, base: str, rows: list[list]) -> bytes:
    """The console's template (as its link downloads it), filled in."""
    template = page.request.get(base + "/operation-web/devices/template")
    assert template.status == 200, template.text()
    workbook = openpyxl.load_workbook(io.BytesIO(template.body()))
    for row in rows:
        workbook.worksheets[0].append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_row(index: int) -> list:
    # SN, cabinet, U, MAC1, mask, IPv4, IPv6, gateway, BMC address, BMC user, BMC password.
    return [
        f"UI-{index:03d}",
        "R01",
        str(index + 1),
        f"02:71:00:00:00:{index:02x}",
        "255.255.0.0",
        f"10.71.0.{index + 2}",
        "",
        "10.71.255.254",
        f"172.71.0.{index + 2}",
        "admin",
        "bmc-password",
    ]


def test_devices_are_imported_from_the_excel_template(operation_web, lab, admin, page):
    """5 devices from the template into a new IDC; a file with a bad row is refused whole, the
    row named."""
    name, password = admin
    idc = f"imp-{secrets.token_hex(3)}"
    lab.api.post("/idcs", {"name": idc, "nameEn": idc, "level": "T4"})
    page.goto(operation_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/DeviceManagement/deviceList")
    choose(page, "语言", "English")
    page.get_by_role("heading", name="Devices").wait_for()

    bad = [import_row(i) for i in range(5)]
    bad[3][0] = bad[1][0]  # the SN of Excel row 4 again in row 6 (the template has 2 header rows)
    page.get_by_role("button", name="Add devices").click()
    dialog = page.get_by_role("dialog", name="Add devices")
    choose(page, "IDC", idc, scope=dialog)
    files = dialog.get_by_test_id("device-file")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = spreadsheet(page, operation_web, bad)
    files.set_input_files(files=[{"name": "bad.xlsx", "mimeType": xlsx, "buffer": data}])
    dialog.get_by_role("button", name="Submit").click()
    refused = dialog.get_by_test_id("refused-rows")
    refused.get_by_role("cell", name="also in row 4").wait_for()
    assert refused.get_by_role("cell", name="6", exact=True).count() == 1
    idc_id = next(i["idcId"] for i in lab.api.get("/idcs?isAll=1")["idcs"] if i["name"] == idc)
    assert lab.api.get(f"/devices?idcId={idc_id}&isAll=1")["devices"] == []

    good = spreadsheet(page, operation_web, [import_row(i) for i in range(5)])
    files.set_input_files(files=[{"name": "good.xlsx", "mimeType": xlsx, "buffer": good}])
    dialog.get_by_role("button", name="Submit").click()
    dialog.get_by_text("5 devices added.").wait_for()
    dialog.get_by_role("button", name="Close", exact=True).click()
    page.get_by_role("link", name="UI-004", exact=True).wait_for()
    sns = {d["sn"] for d in lab.api.get(f"/devices?idcId={idc_id}&isAll=1")["devices"]}
    assert sns == {f"UI-{i:03d}" for i in range(5)}


@pytest.fixture(scope="module")
def console_api(operation_web, lab) -> str:
    """The tenants' BFF, where the tenant of these tests creates an instance."""
    lab.platform.start("bmp-console-api")
    url = f"http://127.0.0.1:{lab.platform.console_api_port}"
    wait_http(url + "/health", "console-api")
    return url


def image_file() -> bytes:
    """A root file system's archive, as the upload takes one: a .tar.xz of a few MiB (random,
    so that xz cannot make it small and the upload takes a moment)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:xz", preset=0) as archive:
        for name, data in (("etc/hostname", b"accepted\n"), ("opt/payload", os.urandom(3 << 20))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


# Installed in the page before it loads: every job status and count of ended steps the job page
# shows, and when the document was made (a reload would make a new one).
WATCH_JOB = """
window.__job = [];
window.__loaded = performance.timeOrigin;
const note = () => {
  const tag = document.querySelector('[data-testid=job-status]');
  if (!tag) return;
  const ended = document.querySelectorAll('[data-testid=job-timeline] [data-kind=step_end]');
  const now = `${tag.dataset.status} ${ended.length}`;
  if (window.__job.at(-1) !== now) window.__job.push(now);
};
document.addEventListener('DOMContentLoaded', () => new MutationObserver(note).observe(
  document.body, {subtree: true, childList: true, attributes: true, characterData: true}));
"""


def test_an_uploaded_image_is_installed_and_the_operator_watches_its_job(
    operation_web, console_api, lab, admin, page, slow_agents
):
    name, password = admin
    page.add_init_script(WATCH_JOB)
    page.goto(operation_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/DeviceManagement/deviceList")
    loaded = page.evaluate("() => window.__loaded")
    choose(page, "语言", "English")
    page.get_by_role("heading", name="Devices").wait_for()

    # An image file uploaded: the bar fills, then the hashes the BFF computed on the way.
    image_name = f"accept-{secrets.token_hex(3)}"
    data = image_file()
    page.get_by_role("menuitem", name="Images").click()
    settle(page)
    page.get_by_role("button", name="Import image").click()
    dialog = page.get_by_role("dialog", name="Import image")
    dialog.get_by_test_id("image-file").set_input_files(
        files=[{"name": f"{image_name}.tar.xz", "mimeType": "application/x-xz", "buffer": data}]
    )
    # The name is proposed from the file's.
    assert dialog.get_by_label("Name", exact=True).input_value() == image_name
    choose(page, "OS", "Linux", scope=dialog)
    dialog.get_by_label("Version").fill("1.0")
    dialog.get_by_role("button", name="Submit").click()
    bar = dialog.get_by_role("progressbar", name="Upload progress")
    bar.wait_for()
    dialog.get_by_text("Uploaded and registered").wait_for(timeout=120_000)
    assert bar.get_attribute("aria-valuenow") == "100"
    sha256 = hashlib.sha256(data).hexdigest()
    assert dialog.get_by_test_id("uploaded-sha256").inner_text() == sha256
    assert (
        dialog.get_by_test_id("uploaded-md5").inner_text()
        == hashlib.md5(data, usedforsecurity=False).hexdigest()
    )
    dialog.get_by_role("button", name="Close", exact=True).click()
    dialog.wait_for(state="hidden")
    settle(page)  # the list, read again once the image was registered

    # Registered: listed, and openapi records the file's SHA-256 (what the agent checks).
    page.get_by_role("link", name=image_name, exact=True).click()
    page.wait_for_url("**/ImageManagement/imageDetail/*")
    image_id = page.url.rsplit("/", 1)[1]
    image = lab.api.get(f"/images/{image_id}")["image"]
    assert (image["imageName"], image["hash"], image["format"]) == (image_name, sha256, "tar")

    # Bound to the lab's device type.
    device_type = lab.api.get(f"/deviceTypes/{lab.device_type_id}")["deviceType"]
    page.get_by_role("button", name="Bind device types").click()
    binding = page.get_by_role("dialog", name="Bind device types")
    option = f"{device_type['name']} ({device_type['idcName']})"
    choose(page, "Device types", option, scope=binding)
    page.keyboard.press("Escape")  # the list closes; the dialog stays
    binding.get_by_role("button", name="OK").click()
    bound = page.get_by_role("row").filter(has_text=device_type["deviceType"])
    bound.get_by_role("button", name="Unbind").wait_for()

    # A tenant installs it on a new instance (through its BFF, as its console does).
    tenant = Browser(console_api)
    assert tenant.login(*new_user(lab)).status == 200
    project_id = tenant.get("/project").result["projects"][0]["projectId"]
    created = tenant.request(
        "PUT",
        "/instance",
        {
            "idcId": lab.idc_id,
            "projectId": project_id,
            "deviceTypeId": lab.device_type_id,
            "imageId": image_id,
            "systemVolumeRaidId": NO_RAID_ID,
            "instanceName": "from-an-uploaded-image",
            "password": "Root-Pass-2026",
            "count": 1,
        },
    )
    [instance_id] = created.result["instanceIds"]
    job = wait_for(
        lambda: next(iter(lab.api.get(f"/jobs?instanceId={instance_id}")["jobs"]), None),
        30,
        "the install's job",
    )

    # The operator finds the job and watches its steps end, on one page that is never reloaded.
    page.get_by_role("menuitem", name="Jobs").click()
    settle(page)
    page.get_by_role("textbox", name="SN").fill(job["sn"])
    page.get_by_role("textbox", name="Task").fill(CREATE_INSTANCES)
    page.get_by_role("button", name="Search").click()
    settle(page)
    page.get_by_role("row").filter(has_text=job["sn"]).get_by_role(
        "link", name=CREATE_INSTANCES
    ).click()
    page.wait_for_url(f"**/JobManagement/jobDetail/{job['jobId']}")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=job-status]')?.dataset.status === 'succeeded'",
        timeout=240_000,
    )
    timeline = page.get_by_test_id("job-timeline")
    ended = timeline.get_by_role("row").filter(has=page.locator("[data-kind=job_ended]"))
    ended.get_by_text("Job ended: Succeeded").wait_for()
    seen = [entry.split(" ") for entry in page.evaluate("() => window.__job")]
    running = [int(count) for status, count in seen if status == "running"]
    final = int(seen[-1][1])
    assert running, f"the job was never seen running: {seen}"
    assert min(running) < final and len({*running, final}) >= 2, (
        f"no step was seen ending while the page was watched: {seen}"
    )
    # (A step the slowed agent overran may have been tried again: the job still succeeded, and
    # the page names no likely cause of a failure.)
    assert page.get_by_test_id("job-verdict").count() == 0
    assert page.evaluate("() => window.__loaded") == loaded, "the page was reloaded"
    instance = tenant.get(f"/instance/{instance_id}").result["instance"]
    assert (instance["status"], instance["imageId"]) == ("running", image_id)


class Mailbox:
    """aiosmtpd's handler: every mail the test's SMTP server takes, parsed."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((list(envelope.rcpt_tos), mail))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on this machine (no TLS, no login: dialMail sends the password to a
    loopback server only if it asks for one)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def test_mail_settings_send_a_test_mail_then_the_admin_logs_out(
    operation_web, lab, admin, page, smtp_server
):
    mailbox, port = smtp_server
    name, password = admin
    page.goto(operation_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/DeviceManagement/deviceList")
    choose(page, "语言", "English")
    page.get_by_role("heading", name="Devices").wait_for()
    page.get_by_role("menuitem", name="Mail settings").click()
    settle(page)

    page.get_by_label("SMTP server").fill("127.0.0.1")
    page.get_by_label("Port").fill(str(port))
    page.get_by_label("Sender address").fill("bmp@ops.example.com")
    page.get_by_label("Sender password", exact=True).fill("smtp-" + secrets.token_hex(6))
    page.get_by_label("Test mail to").fill("noc@ops.example.com")
    page.get_by_role("button", name="Save and send a test mail").click()
    page.get_by_text("Test mail sent to noc@ops.example.com").wait_for()
    page.get_by_test_id("mail-state").get_by_text("Test mail delivered").wait_for()

    # The server took exactly the test mail, for the address typed.
    wait_for(lambda: mailbox.mails, 10, "the test mail at the SMTP server")
    [(recipients, mail)] = mailbox.mails
    assert recipients == ["noc@ops.example.com"]
    assert mail["From"] == "bmp@ops.example.com"
    assert mail["To"] == "noc@ops.example.com"
    assert mail["Subject"] == "BMP: mail settings test / 邮件设置测试"
    assert "test its mail settings" in mail.get_content()
    # Saved as tested: what the page shows again after a reload.
    page.reload()
    settle(page)
    assert page.get_by_label("SMTP server").input_value() == "127.0.0.1"
    assert page.get_by_label("Port").input_value() == str(port)
    page.get_by_test_id("mail-state").get_by_text("Test mail delivered").wait_for()

    # Whether in-site messages are also mailed: switched (from its label), kept by openapi.
    push = page.get_by_role("switch", name="Also mail in-site messages")
    was_on = push.get_attribute("aria-checked") == "true"
    page.get_by_text("Also mail in-site messages", exact=True).click()
    wanted = "0" if was_on else "1"
    wait_for(
        lambda: lab.api.get("/messages/mailDetail")["is_push"] == wanted, 10, "the switch kept"
    )
    assert push.get_attribute("aria-checked") == ("false" if was_on else "true")

    # Log out: the console asks for a login again, and stays asking.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url("**/login")
    page.goto(operation_web + "/MessageNotification/messageSettings")
    page.wait_for_url(
        re.compile(r"/login\?redirect=(/|%2F)MessageNotification(/|%2F)messageSettings$")
    )


def test_an_ended_session_sends_to_login_and_back(operation_web, admin, page):
    name, password = admin
    page.goto(operation_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/DeviceManagement/deviceList")
    page.get_by_role("menuitem", name="机房管理").click()
    settle(page)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    request = urllib.request.Request(
        operation_web + "/operation-web/logout", data=b"{}", method="POST"
    )
    request.add_header(
        "Cookie",
        f"bmp_ironic_operation={cookies['bmp_ironic_operation']}; "
        f"bmp_operation_csrftoken={cookies['bmp_operation_csrftoken']}",
    )
    request.add_header("X-CSRFToken", cookies["bmp_operation_csrftoken"])
    request.add_header("Content-Type", "application/json")
    urllib.request.urlopen(request, timeout=10).close()
    # The next call answers 402: the login page, saying why, then back to the IDCs.
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/login\?redirect=(/|%2F)IdcManagement(/|%2F)idcList&expired=1$"))
    log_in(page, name, password)
    page.wait_for_url("**/IdcManagement/idcList")
    page.get_by_role("heading", name="机房管理").wait_for()


def test_a_bmc_fault_is_marked_handled(operation_web, lab, admin, page):
    """A fault a lab server's BMC logs shows in the fault log and the hardware status; the
    operator marks it handled."""
    name, password = admin
    sn = sorted(lab.device_ids)[0]
    page.goto(operation_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/DeviceManagement/deviceList")
    choose(page, "语言", "English")
    page.goto(operation_web + "/MonitorManagement/hardwareStatus")
    settle(page)

    def polled() -> bool:
        if page.get_by_role("cell", name=sn, exact=True).count():
            return True
        page.get_by_role("button", name="Refresh").click()
        return False

    wait_for(polled, 60, "oob-alert knows the lab's servers", interval=1)
    # Once the agent has read the log as it was (history, not faults), a new event.
    page.wait_for_timeout(int(3 * OOB_POLL_INTERVAL * 1000))
    lab.fleet.by_sn(sn).node.add_named_event("Memory", "Uncorrectable ECC")
    page.get_by_role("menuitem", name="Fault log").click()
    settle(page)
    row = page.get_by_role("row").filter(has_text=sn).filter(has_text="Open")

    def fault_shown() -> bool:
        if row.count():
            return True
        page.get_by_role("button", name="Refresh").click()
        settle(page)
        return False

    wait_for(fault_shown, 4 * OOB_POLL_INTERVAL + 30, "the fault in the fault log", interval=1)
    row.first.get_by_role("button", name="Mark handled").click()
    confirm(page)
    page.get_by_role("row").filter(has_text=sn).filter(has_text="Handled").first.wait_for()


def test_the_instance_on_a_device_is_operated_and_its_charts_shown(operation_web, lab, admin, page):
    """The instance on a sold device: stopped from the device's page (its menu offers only what
    its status allows), reinstalled from the device list (an image and the system volume's RAID
    proposed, the password typed twice) and running again; then its charts on the in-band
    monitoring page, chosen by IDC and user (no pronoea runs here: the charts stay empty under
    openapi's refusal)."""
    name, password = admin
    [instance_id] = lab.create("ui-operated")
    instance = lab.wait_status(instance_id, ("running",))
    sn, device_id = instance["sn"], instance["deviceId"]
    page.goto(operation_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/DeviceManagement/deviceList")
    choose(page, "语言", "English")
    page.get_by_role("heading", name="Devices").wait_for()

    page.goto(operation_web + f"/DeviceManagement/deviceDetail/{device_id}")
    settle(page)
    # The menu comes with the device's instance, the page's last answer: a loaded CI's is slow.
    instance_menu = page.get_by_role("button", name="Instance", exact=True)
    instance_menu.wait_for(timeout=60_000)
    instance_menu.click()
    start = page.get_by_role("menuitem", name="Start", exact=True)
    start.wait_for()
    assert start.get_attribute("aria-disabled") == "true"
    page.get_by_role("menuitem", name="Stop", exact=True).click()
    page.get_by_role("dialog").get_by_text("Stop: ui-operated?").wait_for()
    confirm(page)
    lab.wait_status(instance_id, ("stopped",))

    page.get_by_role("menuitem", name="Devices").click()
    settle(page)
    device_row(page, sn).get_by_role("button", name="Instance", exact=True).click()
    # The image and the RAID level are proposed from the device type's answers.
    with (
        page.expect_response(lambda r: "/images/queryImagesByDeviceType" in r.url),
        page.expect_response(lambda r: "/deviceTypes/queryDeviceType/" in r.url),
    ):
        page.get_by_role("menuitem", name="Reinstall", exact=True).click()
    dialog = page.get_by_role("dialog", name="Reinstall instance ui-operated")
    assert dialog.get_by_label("Instance name").input_value() == "ui-operated"
    dialog.get_by_label("Root password").fill("Root-Pass-2027")
    dialog.get_by_label("Repeat the password").fill("Root-Pass-2027")
    with page.expect_request(lambda r: r.url.endswith("/instances/reinstallInstance")) as sent:
        dialog.get_by_role("button", name="Reinstall").click()
    body = sent.value.post_data_json
    assert body["instanceId"] == instance_id and body["imageId"] and body["systemVolumeRaidId"]
    assert body["password"] == "Root-Pass-2027" and "sshKeyId" not in body, body
    lab.wait_status(instance_id, ("running",))

    idc_name = lab.api.get(f"/idcs/{lab.idc_id}")["idc"]["name"]
    page.get_by_role("menuitem", name="Resource monitoring").click()
    settle(page)
    choose(page, "IDC", idc_name)
    choose(page, "User", name)
    choose(page, "Instance", f"ui-operated ({instance_id}) · {sn}")
    page.get_by_text(f"Instance ui-operated of {name}, on device {sn}").wait_for()
    page.get_by_role("img", name="CPU usage").wait_for()
    page.get_by_role("img", name="Processes").wait_for()
    page.get_by_role("alert").first.wait_for()
    page.get_by_text("NIC", exact=True).click()
    page.get_by_role("img", name="Network in").wait_for()

    # The device's own performance tab draws the same charts.
    page.goto(operation_web + f"/DeviceManagement/deviceDetail/{device_id}")
    settle(page)
    page.get_by_role("tab", name="Performance monitoring").click()
    page.get_by_role("img", name="CPU usage").wait_for()


PAGES = (
    ("devices", "/DeviceManagement/deviceList"),
    ("device-detail", "/DeviceManagement/deviceDetail/{device}"),
    ("idcs", "/IdcManagement/idcList"),
    ("idc-detail", "/IdcManagement/idcDetail/{idc}"),
    ("device-types", "/ModelManagement/modelList"),
    ("device-type-add", "/ModelManagement/modelAdd"),
    ("device-type-edit", "/ModelManagement/modelEdit/{device_type}"),
    ("device-type-copy", "/ModelManagement/addModelTemplate/{device_type}"),
    ("device-type-detail", "/ModelManagement/modelDetail/{device_type}"),
    ("images", "/ImageManagement/imageList"),
    ("image-detail", "/ImageManagement/imageDetail/{image}"),
    ("roles", "/RoleManagement/roleList"),
    ("users", "/UserManagement/userList"),
    ("personal-profile", "/PersonalCenter/myProfile"),
    ("personal-security", "/PersonalCenter/securitySettings"),
    ("personal-apikeys", "/PersonalCenter/apiKeyApi"),
    ("messages", "/MessageNotification/myMessage"),
    ("mail-settings", "/MessageNotification/messageSettings"),
    ("hardware-status", "/MonitorManagement/hardwareStatus"),
    ("fault-log", "/MonitorManagement/faultLog"),
    ("fault-rules", "/MonitorManagement/faultRules"),
    ("resource-monitor", "/InBandMonitoringManagement/resourceMonitor"),
    ("alarm-rules", "/InBandMonitoringManagement/allAlarmRulesList"),
    ("alarm-history", "/InBandMonitoringManagement/historyAlarmInfo"),
    ("audit-log", "/AuditLog/list"),
    ("jobs", "/JobManagement/jobList"),
    ("job-detail", "/JobManagement/jobDetail/{job}"),
    ("not-found", "/no/such/page"),
)
DEVICE_TABS = {
    "zh_CN": (("disks", "磁盘"), ("hardware", "硬件监控"), ("log", "操作日志")),
    "en_US": (("disks", "Disks"), ("hardware", "Hardware monitoring"), ("log", "Operation log")),
}


@pytest.mark.parametrize("language", ["zh_CN", "en_US"])
def test_every_page_in_both_languages(operation_web, lab, admin, chromium, shots, language):
    """A screenshot of each page, no untranslated key, no critical axe-core violation."""
    name, password = admin
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies(
        [{"name": "X-Jdcloud-Language", "value": language, "url": operation_web + "/"}]
    )
    page = context.new_page()
    folder = shots / language.replace("_", "-")
    ids = {
        "device": lab.device_ids[sorted(lab.device_ids)[0]],
        "idc": lab.idc_id,
        "device_type": lab.device_type_id,
        "image": lab.image_id,
        # A put-on-sale job of the lab's enrolment: its timeline has steps and an end.
        "job": lab.api.get("/jobs?task=PutawayDevice&pageSize=1")["jobs"][0]["jobId"],
    }
    try:
        page.goto(operation_web + "/login")
        settle(page)
        check_page(page, folder, "login", KEYS)
        log_in(page, name, password, language)
        page.wait_for_url("**/DeviceManagement/deviceList")
        for shot, path in PAGES:
            page.goto(operation_web + path.format(**ids))
            settle(page)
            check_page(page, folder, shot, KEYS)
            if shot == "device-detail":
                for tab, label in DEVICE_TABS[language]:
                    page.get_by_role("tab", name=label).click()
                    settle(page)
                    check_page(page, folder, f"device-detail-{tab}", KEYS)
    finally:
        context.close()
