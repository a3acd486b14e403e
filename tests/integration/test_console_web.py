"""The tenants' web console in a real browser (chromium, driven by Playwright) over the real
platform: openapi, console-api, the console's nginx and a lab of virtual servers.

A tenant logs in, adds an SSH key and an API key, creates an instance on a lab server through
the wizard and watches it become running on its page, stops and starts it, all without
reloading; the language goes to English and back; a session that ends sends the browser to the
login page and, after login, back where it was. Every page is shot in both languages (the
folder is printed), with no untranslated text and no critical accessibility violation.
"""

from __future__ import annotations

import base64
import re
import subprocess
import urllib.request

import pytest
from playwright import sync_api as playwright_api

from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab.platform import free_port, wait_for, wait_http

from .browser import Browser, new_user
from .web_browser import build_consoles, check_page, choose, confirm, log_in, settle

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def console_web(lab):
    """The console as deployed: nginx with the built files, console-api behind /console-web/."""
    build_consoles()
    platform = lab.platform
    port = free_port()
    # Where console-api finds oob-alert (started by the hardware test only).
    platform.env["BMP_OOB_ALERT_PORT"] = str(free_port())
    platform.start("bmp-openapi-console")
    platform.start("bmp-console-api")
    platform.start("bmp-console-web", env={"BMP_CONSOLE_WEB_PORT": str(port)})
    wait_http(f"http://127.0.0.1:{platform.openapi_console_port}/health", "openapi-console")
    wait_http(f"http://127.0.0.1:{platform.console_api_port}/health", "console-api")
    wait_http(f"http://127.0.0.1:{port}/console-web/health", "console-web")
    return f"http://127.0.0.1:{port}"


# The instance page's other tabs, loaded when opened.
DETAIL_TABS = {
    "zh_CN": (("hardware", "硬件监控"), ("performance", "性能监控"), ("log", "操作日志")),
    "en_US": (
        ("hardware", "Hardware monitoring"),
        ("performance", "Performance monitoring"),
        ("log", "Operation log"),
    ),
}


def status_of(page) -> str:
    return page.get_by_test_id("instance-status").get_attribute("data-status") or ""


def wait_status(page, status: str, timeout: float = 120_000) -> None:
    page.wait_for_function(
        "(s) => document.querySelector('[data-testid=instance-status]')?.dataset.status === s",
        arg=status,
        timeout=timeout,
    )


def ssh_public_key(tmp_path) -> str:
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tina@laptop", "-f", str(key)],
        check=True,
    )
    return (tmp_path / "id_ed25519.pub").read_text().strip()


# Installed in the page before it loads: records every status and step text the instance page
# shows, and when the document was made (a reload would make a new one).
WATCH_STATUSES = """
window.__seen = [];
window.__loaded = performance.timeOrigin;
const note = () => {
  const tag = document.querySelector('[data-testid=instance-status]');
  if (!tag) return;
  const step = document.querySelector('[data-testid=instance-progress]');
  const now = [tag.dataset.status, step ? step.innerText.split('\\n')[0] : ''].join(' | ');
  if (window.__seen.at(-1) !== now) window.__seen.push(now);
};
document.addEventListener('DOMContentLoaded', () => new MutationObserver(note).observe(
  document.body, {subtree: true, childList: true, attributes: true, characterData: true}));
"""


MOUNT_POINT_RULE = "swap, / or an absolute path of letters, digits, . _ and - (at most 255)"
USER_DATA = "#cloud-config\nruncmd:\n  - echo 你好 > /root/hello\n"


def test_a_tenant_uses_the_console_without_reloading(
    console_web, lab, page, shots, tmp_path, slow_agents
):
    name, password = new_user(lab)
    page.add_init_script(WATCH_STATUSES)
    page.goto(console_web + "/instance/list")
    loaded = page.evaluate("() => window.__loaded")
    # No session: the login page, which returns to the list afterwards.
    page.wait_for_url(re.compile(r"/login\?redirect=/instance/list$"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    log_in(page, name, password)
    page.wait_for_url("**/instance/list")
    settle(page)

    # English, from the header; the BFF's answers follow the cookie.
    choose(page, "语言", "English")
    page.get_by_role("heading", name="Instances").wait_for()
    assert page.locator("html").get_attribute("lang") == "en-US"

    # An SSH key, and an API key whose secret is shown once.
    page.get_by_role("menuitem", name="Personal centre").click()
    page.get_by_role("tab", name="SSH keys").click()
    page.get_by_role("button", name="Add SSH key").click()
    dialog = page.get_by_role("dialog", name="Add SSH key")
    dialog.get_by_label("Name").fill("laptop")
    dialog.get_by_label("Public key").fill(ssh_public_key(tmp_path))
    dialog.get_by_role("button", name="Create").click()
    page.get_by_role("cell", name="laptop", exact=True).wait_for()
    page.get_by_role("cell", name=re.compile(r"^SHA256:")).wait_for()  # its fingerprint
    page.get_by_role("tab", name="API keys").click()
    page.get_by_role("button", name="Create API key").click()
    dialog = page.get_by_role("dialog", name="Create API key")
    dialog.get_by_label("Name").fill("ci-reader")
    dialog.get_by_text("Read-only (the key may only read)").click()
    dialog.get_by_role("button", name="Create").click()
    token = page.get_by_label("The new API key").input_value()
    assert len(token) >= 20
    page.get_by_role("button", name="I have saved it").click()
    page.get_by_role("cell", name="ci-reader").wait_for()
    assert token not in page.inner_text("body")  # shown once, never again

    # The wizard: the lab's IDC, device type and image are chosen for us; a name and password.
    page.get_by_role("menuitem", name="Instances").click()
    page.get_by_role("button", name="Create instances").click()
    settle(page)
    page.get_by_role("radio", name=lab_device_type_name(lab)).wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("combobox", name="Image").wait_for()
    # The image's partitions, and one more: a mount point the contract refuses is refused here.
    page.get_by_label("Mount point").nth(1).wait_for()
    page.get_by_role("button", name="Add a partition").click()
    page.get_by_label("Mount point").nth(2).fill("data dir")
    page.get_by_role("button", name="Next").click()
    page.get_by_text(MOUNT_POINT_RULE).wait_for()
    page.get_by_label("Mount point").nth(2).fill("/data")
    page.get_by_role("button", name="Next").click()
    name_field = page.get_by_label("Name", exact=True)
    try:
        name_field.wait_for()
    except playwright_api.TimeoutError:
        page.screenshot(path=shots / "wizard-stuck.png", full_page=True)
        refused = page.locator(".el-form-item__error, .el-alert").all_inner_texts()
        raise AssertionError(f"the wizard did not go on: {refused}") from None
    name_field.fill("web-from-console")
    page.get_by_label("Root password").fill("Root-Pass-2026")
    page.get_by_label("User data").fill(USER_DATA)
    page.get_by_role("button", name="Next").click()
    with page.expect_request(
        lambda r: r.method == "PUT" and r.url.endswith("/console-web/instance")
    ) as created:
        page.get_by_role("button", name="Create", exact=True).click()
    body = created.value.post_data_json
    assert body["systemPartition"] == [
        {"format": "xfs", "point": "/", "size": 51200},  # the lab image's
        {"format": "swap", "point": "swap", "size": 4096},
        {"format": "xfs", "point": "/data", "size": 10240},
    ], body
    assert base64.b64decode(body["userData"]).decode() == USER_DATA
    page.wait_for_url("**/instance/detail/*")
    instance_id = page.url.rsplit("/", 1)[1]

    # It installs and becomes running on this page, step by step, with no reload.
    wait_status(page, "running")
    seen = page.evaluate("() => window.__seen")
    assert any(s.startswith("creating") for s in seen), seen
    assert any("Step " in s for s in seen), f"no step progress shown: {seen}"
    check_page(page, shots / "en-US", "instance-detail-running")

    # Stop, then start: each asks first, and the status follows live.
    page.get_by_role("button", name="Stop", exact=True).click()
    confirm(page)
    wait_status(page, "stopped")
    page.get_by_role("button", name="Start", exact=True).click()
    confirm(page)
    wait_status(page, "running")
    seen = page.evaluate("() => window.__seen")
    statuses = [s.split(" | ")[0] for s in seen]
    assert "stopping" in statuses and "stopped" in statuses and "starting" in statuses, seen

    # Reinstall (a stopped instance): the image and RAID it has are proposed, a new password
    # typed twice, a warning first; it installs again and runs.
    page.get_by_role("button", name="Stop", exact=True).click()
    confirm(page)
    wait_status(page, "stopped")
    page.get_by_role("button", name="Reinstall", exact=True).click()
    dialog = page.get_by_role("dialog", name="Reinstall instance web-from-console")
    dialog.get_by_label("Root password").fill("Root-Pass-2027")
    dialog.get_by_label("Repeat the password").fill("Root-Pass-2027")
    dialog.get_by_role("button", name="Reinstall").click()
    confirm(page)
    wait_status(page, "reinstalling", timeout=30_000)
    wait_status(page, "running")
    assert page.evaluate("() => window.__loaded") == loaded, "the page was reloaded"

    # The list shows it; back to Chinese, then log out.
    page.get_by_role("link", name="Instances").click()
    page.get_by_role("link", name="web-from-console").wait_for()
    choose(page, "Language", "中文")
    page.get_by_role("heading", name="实例").wait_for()
    assert lab.instance(instance_id)["instanceName"] == "web-from-console"
    page.get_by_test_id("user-menu").click()
    page.get_by_role("menuitem", name="退出登录").click()
    page.wait_for_url("**/login")
    page.goto(console_web + "/instance/list")
    page.wait_for_url(re.compile(r"/login\?redirect=/instance/list$"))


def lab_device_type_name(lab) -> str:
    return lab.api.get(f"/deviceTypes/{lab.device_type_id}")["deviceType"]["name"]


def test_an_ended_session_sends_to_login_and_back(console_web, lab, page):
    name, password = new_user(lab)
    page.goto(console_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/instance/list")
    page.get_by_role("menuitem", name="项目").click()
    settle(page)
    # The session ends on the server (as at its 12 hours): its cookie is now worth nothing.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    request = urllib.request.Request(console_web + "/console-web/logout", data=b"{}", method="POST")
    request.add_header(
        "Cookie",
        f"bmp_console_api={cookies['bmp_console_api']}; "
        f"bmp_console_csrftoken={cookies['bmp_console_csrftoken']}",
    )
    request.add_header("X-CSRFToken", cookies["bmp_console_csrftoken"])
    request.add_header("Content-Type", "application/json")
    urllib.request.urlopen(request, timeout=10).close()
    # The next call answers 402: the login page, saying why, then back to the projects.
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/login\?redirect=(/|%2F)management&expired=1$"))
    page.get_by_text("登录已失效，请重新登录。").wait_for()
    log_in(page, name, password)
    page.wait_for_url("**/management")
    page.get_by_role("heading", name="项目").wait_for()


@pytest.fixture(scope="module")
def tenant_with_instance(console_web, lab):
    """A tenant with a running instance in its first project, and the message its creation
    left: (name, password, instance id, message id, the project {projectId, projectName})."""
    name, password = new_user(lab)
    bff = Browser(console_web + "/console-web")
    assert bff.login(name, password).status == 200
    project = bff.get("/project").result["projects"][0]
    project_id = project["projectId"]
    created = bff.request(
        "PUT",
        "/instance",
        {
            "idcId": lab.idc_id,
            "projectId": project_id,
            "deviceTypeId": lab.device_type_id,
            "imageId": lab.image_id,
            "systemVolumeRaidId": NO_RAID_ID,
            "instanceName": "shown-in-every-language",
            "password": "Root-Pass-2026",
            "count": 1,
        },
    )
    [instance_id] = created.result["instanceIds"]
    lab.wait_status(instance_id, ("running",))
    message_id = wait_for(
        lambda: next(iter(bff.get("/messages?pageSize=1").result["messages"]), {}).get(
            "message_id"
        ),
        30,
        "the message of the creation",
    )
    return name, password, instance_id, message_id, project


PAGES = (
    ("instance-list", "/instance/list"),
    ("instance-detail", "/instance/detail/{instance}"),
    ("instance-create", "/instance/create"),
    ("projects", "/management"),
    ("project-detail", "/management/detail/{project}"),
    ("personal-profile", "/user?tab=profile"),
    ("personal-security", "/user?tab=security"),
    ("personal-sshkeys", "/user?tab=sshkeys"),
    ("personal-apikeys", "/user?tab=apikeys"),
    ("messages", "/message/list"),
    ("message-detail", "/message/detail/{message}"),
    ("alarm-rules", "/instance/rules/list"),
    ("alarm-rule-create", "/instance/rules/create"),
    ("alarm-history", "/instance/history/list"),
    ("not-found", "/no/such/page"),
)


@pytest.mark.parametrize("language", ["zh_CN", "en_US"])
def test_every_page_in_both_languages(console_web, chromium, shots, tenant_with_instance, language):
    """A screenshot of each page, no untranslated key, no critical axe-core violation."""
    name, password, instance_id, message_id, project = tenant_with_instance
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies(
        [{"name": "X-Jdcloud-Language", "value": language, "url": console_web + "/"}]
    )
    page = context.new_page()
    folder = shots / language.replace("_", "-")
    try:
        page.goto(console_web + "/login")
        settle(page)
        check_page(page, folder, "login")
        log_in(page, name, password, language)
        page.wait_for_url("**/instance/list")
        for shot, path in PAGES:
            where = path.format(
                instance=instance_id, message=message_id, project=project["projectId"]
            )
            page.goto(console_web + where)
            settle(page)
            check_page(page, folder, shot)
            if shot == "instance-detail":
                for tab, label in DETAIL_TABS[language]:
                    page.get_by_role("tab", name=label).click()
                    settle(page)
                    check_page(page, folder, f"instance-detail-{tab}")
    finally:
        context.close()


def test_a_tenant_writes_an_alarm_rule(console_web, lab, page, tenant_with_instance):
    """Create a rule on the instance, see it normal, disable it, delete it (only then)."""
    name, password, instance_id, _message_id, _project = tenant_with_instance
    page.goto(console_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/instance/list")
    choose(page, "语言", "English")
    page.get_by_role("menuitem", name="Alarm rules").click()
    page.get_by_role("button", name="Create alarm rule").click()
    settle(page)  # the instances to choose from have loaded
    page.get_by_label("Rule name").fill("cpu hot")
    choose(page, "Instances", "shown-in-every-language")
    page.keyboard.press("Escape")
    threshold = page.get_by_role("group", name="Trigger 1").get_by_role(
        "spinbutton", name="Threshold"
    )
    threshold.fill("85.5")  # (off a number input's step: the browser must not refuse it)
    threshold.press("Tab")  # an input-number takes its value when it loses the focus
    playwright_api.expect(page.get_by_label("Rule name")).to_have_value("cpu hot")
    page.get_by_role("button", name="Save").click()
    try:
        page.wait_for_url("**/instance/rules/list", timeout=30_000)
    except playwright_api.TimeoutError:
        refused = page.locator(".el-form-item__error, .el-alert").all_inner_texts()
        raise AssertionError(f"the rule was not saved: {refused}") from None
    row = page.get_by_role("row").filter(has_text="cpu hot")
    row.get_by_text("Normal").wait_for()
    row.get_by_role("button", name="Disable").click()
    confirm(page)
    row.get_by_text("Disabled").wait_for()
    row.get_by_role("button", name="Delete").click()
    confirm(page)
    page.get_by_role("row").filter(has_text="cpu hot").wait_for(state="detached")
    assert instance_id


def test_a_project_page_moves_an_instance_and_the_list_filters_on_it(
    console_web, page, tenant_with_instance
):
    """From the project list to a project's page: describe it, move its instance into another
    project; the instance list, filtered on a project by the server, follows."""
    name, password, instance_id, _message_id, project = tenant_with_instance
    page.goto(console_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/instance/list")
    choose(page, "语言", "English")
    page.get_by_role("menuitem", name="Projects").click()
    page.get_by_role("button", name="Create project").click()
    dialog = page.get_by_role("dialog", name="Create project")
    dialog.get_by_label("Project name").fill("staging")
    dialog.get_by_role("button", name="Create").click()
    page.get_by_role("link", name="staging").wait_for()

    page.get_by_role("link", name=project["projectName"], exact=True).click()
    page.wait_for_url(f"**/management/detail/{project['projectId']}")
    settle(page)
    row = page.get_by_role("row").filter(has_text=instance_id)
    row.get_by_role("link", name="shown-in-every-language").wait_for()
    page.get_by_role("button", name="Edit description").click()
    dialog = page.get_by_role("dialog", name="Edit description")
    dialog.get_by_role("textbox").fill("the web servers")
    dialog.get_by_role("button", name="OK").click()
    playwright_api.expect(page.get_by_test_id("project-description")).to_have_text(
        "the web servers"
    )

    row.locator(".el-checkbox").click()
    page.get_by_role("button", name="Move the selected to another project").click()
    choose(page, "Into project", "staging")
    page.get_by_role("dialog", name=re.compile("^Transfer from project")).get_by_role(
        "button", name="Transfer"
    ).click()
    confirm(page)
    row.wait_for(state="detached")
    assert lab_instance_project(console_web, name, password, instance_id) == "staging"

    # The instance list, filtered on a project: the server answers with that project's only.
    page.get_by_role("menuitem", name="Instances").click()
    settle(page)
    with page.expect_request(lambda r: "projectId=" in r.url) as asked:
        choose(page, "Project", project["projectName"])
    assert f"projectId={project['projectId']}" in asked.value.url
    page.get_by_role("link", name="shown-in-every-language").wait_for(state="detached")
    page.locator(".el-table__empty-text").filter(has_text="No data").wait_for()
    choose(page, "Project", "staging")
    page.get_by_role("link", name="shown-in-every-language").wait_for()


def lab_instance_project(console_web, name: str, password: str, instance_id: str) -> str:
    bff = Browser(console_web + "/console-web")
    assert bff.login(name, password).status == 200
    return bff.get(f"/instance/{instance_id}").result["instance"]["projectName"]


OOB_POLL_INTERVAL = 2.0


@pytest.fixture(scope="module")
def oob_monitoring(lab, console_web):
    """oob-alert and oob-agent watching the lab's BMCs (tests/integration/test_oob_monitoring.py
    says more), on the port console-api was given."""
    platform = lab.platform
    platform.manage("bmp_oob_alert.settings", "migrate", "--noinput")
    platform.env.update(
        BMP_OOB_POLL_INTERVAL=str(OOB_POLL_INTERVAL),
        BMP_OOB_AUTH_CACHE_S="1",
        BMP_IDC_IDS=lab.idc_id,
    )
    platform.start("bmp-oob-alert")
    wait_http(f"http://127.0.0.1:{platform.env['BMP_OOB_ALERT_PORT']}/health", "oob-alert")
    platform.start("bmp-oob-agent")


def test_a_bmc_fault_shows_in_the_hardware_tab(
    console_web, lab, page, tenant_with_instance, oob_monitoring
):
    """A fault the lab's BMC logs for the tenant's server appears on its instance's page."""
    name, password, instance_id, _message_id, _project = tenant_with_instance
    sn = lab.instance(instance_id)["sn"]
    # Once the agent has read the log as it was (history, not faults), a new event.
    bff = Browser(console_web + "/console-web")
    assert bff.login(name, password).status == 200
    bff.base_url = console_web  # /oob-alert/ is beside /console-web/, to the same BFF

    def polled() -> bool:
        rows = bff.get(f"/oob-alert/v1/oob-alert/device/status?sn={sn}").result["detail"]
        return bool(rows and rows[0]["polled_at"])  # (none until oob-alert knows the device)

    wait_for(polled, 60, "the first poll of the server's BMC", interval=0.5)
    lab.fleet.by_sn(sn).node.add_named_event("Memory", "Uncorrectable ECC")
    page.goto(console_web + "/login")
    log_in(page, name, password)
    page.wait_for_url("**/instance/list")
    choose(page, "语言", "English")
    page.goto(console_web + f"/instance/detail/{instance_id}")
    settle(page)
    page.get_by_role("tab", name="Hardware monitoring").click()
    refresh = page.get_by_role("button", name="Refresh")

    def fault_shown() -> bool:
        # The fault's row and the part's health are two answers of oob-alert: one refresh may
        # catch the row before the health, the next shows both.
        if (
            page.get_by_role("cell", name="memory-uncorrectable-ecc").count()
            and page.locator("[data-part=memory]").inner_text() == "Fault"
        ):
            return True
        refresh.click()
        return False

    wait_for(fault_shown, 4 * OOB_POLL_INTERVAL + 20, "the fault in the hardware tab", interval=1)
    assert page.locator("[data-part=cpu]").inner_text() == "Normal"
