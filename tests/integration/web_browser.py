"""A real browser for the web consoles' tests: Playwright driving Debian's chromium
(/usr/bin/chromium; Playwright downloads no browser), with what every page check needs: wait
until a page has settled, no untranslated i18n key on it, no critical accessibility violation
(axe-core, from the consoles' node_modules), and a screenshot per page and language."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("BMP_TEST_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BUILD = ROOT / "deploy" / "local" / "console-web-build.sh"

# What a message key looks like when vue-i18n finds no text for it: "instance.list.title".
KEY_PREFIXES = (
    "app",
    "nav",
    "common",
    "instance",
    "project",
    "personal",
    "message",
    "monitor",
    "notFound",
)
# The operators' console's own (tests/integration/test_operation_web.py).
OPERATION_KEY_PREFIXES = (
    "app",
    "nav",
    "common",
    "notFound",
    "rules",
    "idc",
    "deviceType",
    "image",
    "device",
    "role",
    "user",
    "mail",
    "audit",
    "oob",
    "inband",
    "job",
)


def key_pattern(prefixes: tuple[str, ...]) -> re.Pattern:
    return re.compile(rf"\b(?:{'|'.join(prefixes)})\.[A-Za-z_$]+(?:\.[A-Za-z_$]+)*\b")


UNTRANSLATED = key_pattern(KEY_PREFIXES)


def build_consoles() -> None:
    """The consoles' files and node_modules (axe-core), as `bmp-deploy.sh start` builds them."""
    subprocess.run([str(BUILD)], check=True, cwd=ROOT, timeout=900)


def launch(playwright):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    # As root (CI containers) chromium's sandbox cannot start.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)


def settle(page, timeout: float = 15_000) -> None:
    """The page's heading is shown and no list or dialog is still loading."""
    page.locator("h1").first.wait_for(state="visible", timeout=timeout)
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.el-loading-mask')]"
        ".some(e => e.offsetParent !== null)",
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # the last answers rendered


def untranslated_keys(page, pattern: re.Pattern = UNTRANSLATED) -> list[str]:
    return sorted(set(pattern.findall(page.inner_text("body"))))


def critical_violations(page) -> list[dict]:
    """axe-core's critical findings on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] == "critical"
    ]


def check_page(page, shots: Path, name: str, keys_like: re.Pattern = UNTRANSLATED) -> None:
    """Screenshot, no untranslated key, no critical accessibility violation."""
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    keys = untranslated_keys(page, keys_like)
    assert not keys, f"{name}: untranslated keys shown: {keys}"
    violations = critical_violations(page)
    assert not violations, f"{name}: critical accessibility violations:\n" + json.dumps(
        violations, indent=1
    )


LOGIN_WORDS = {"zh_CN": ("用户名", "密码", "登录"), "en_US": ("User name", "Password", "Sign in")}


@pytest.fixture(scope="module")
def chromium():
    with playwright_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(request, tmp_path_factory):
    """One folder per console of the run (or under BMP_TEST_SCREENSHOTS, to keep them, e.g. as
    CI artifacts): console-web, operation-web."""
    console = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    kept = os.environ.get("BMP_TEST_SCREENSHOTS")
    folder = Path(kept) / console if kept else tmp_path_factory.mktemp(f"{console}-shots")
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture
def page(chromium):
    # A Chinese browser: the consoles start in Chinese (upstream's default).
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, name: str, password: str, language: str = "zh_CN") -> None:
    user_label, password_label, button = LOGIN_WORDS[language]
    page.get_by_label(user_label).fill(name)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=button).click()


def choose(page, combobox: str, option: str, scope=None) -> None:
    """Picks ``option`` in the Element Plus select named ``combobox`` (within ``scope``)."""
    # (Element Plus's input is a zero-width box in the select's frame: the frame takes clicks;
    # its list fades in, so the option is clicked once it is still.)
    box = (scope or page).get_by_role("combobox", name=combobox)
    frame = box.locator("xpath=ancestor::div[contains(@class, 'el-select__wrapper')]")
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        frame.click()
        try:
            choice.wait_for(state="visible", timeout=3000)
            page.wait_for_timeout(300)
            choice.click(timeout=3000)
            return
        except playwright_api.TimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option} in {combobox}")


def confirm(page) -> None:
    page.get_by_role("dialog").get_by_role("button", name="OK").click()
