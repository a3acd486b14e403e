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
