"""The documentation keeps up with the code: every configuration key is in both languages'
configuration reference, and every relative link of the docs points at a file that exists.

A key counts as read by the code when it is:
- a ``BMP_*`` string given to an environment reader in a service or ``bmp_common`` (``env_str``,
  ``env_int``, ``env_bool``, ``env_list``, ``os.environ.get``, ``os.getenv``, ``os.environ[...]``
  and the services' own ``_env_*`` helpers), tests and test helpers left out;
- a ``${BMP_*:-…}`` or ``${BMP_*:?…}`` read in the deployment scripts, the compose file or the
  build scripts of the LiveOS, GuestOS and monitoring agent;
- a key of ``.env``, commented out or not.
"""

from __future__ import annotations

import ast
import functools
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = {
    "en": ROOT / "docs" / "configuration.md",
    "zh": ROOT / "docs" / "zh" / "configuration.md",
}
KEY = re.compile(r"^BMP_[A-Z0-9_]+$")
READER = re.compile(r"^(env_\w+|_env\w*|get|getenv|pop|setdefault)$")
SHELL_READ = re.compile(r"\$\{(BMP_[A-Z0-9_]+):?[-?]")
DOTENV_KEY = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _is_test_code(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return (
        "tests" in parts
        or "testing" in parts
        or "node_modules" in parts
        or path.name.startswith("test_")
        or path.name == "conftest.py"
    )


def python_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for base in ("shared", "services"):
        for path in sorted((ROOT / base).rglob("*.py")):
            if _is_test_code(path):
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                key = None
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    name = getattr(func, "id", None) or getattr(func, "attr", "")
                    if READER.match(name) and isinstance(node.args[0], ast.Constant):
                        key = node.args[0].value
                elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                    if ast.unparse(node.value).endswith("environ"):
                        key = node.slice.value
                if isinstance(key, str) and KEY.match(key):
                    found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def shell_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.sh", "deploy/docker-compose.yml"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    # run-tests.sh and .ci/ configure the test run, not the platform.
    return [ROOT / name for name in listed if name not in {"run-tests.sh"}]


def shell_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in shell_files():
        if _is_test_code(path) or not path.exists():
            continue
        for key in SHELL_READ.findall(path.read_text()):
            found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def dotenv_keys() -> set[str]:
    return set(DOTENV_KEY.findall((ROOT / ".env").read_text()))


@functools.cache
def keys_read() -> dict[str, set[str]]:
    found = python_keys()
    for key, where in shell_keys().items():
        found.setdefault(key, set()).update(where)
    for key in dotenv_keys():
        found.setdefault(key, set()).add(".env")
    return found


def test_the_scan_finds_the_keys_it_is_meant_to():
    """A guard on the scan itself: a key of each kind of read is found."""
    found = keys_read()

    assert "shared/bmp_common/env.py" in found["BMP_DATABASE_URL"]  # env_str
    assert "services/ctl/bmp_ctl/config.py" in found["BMP_API_KEY"]  # os.environ.get
    assert "services/scheduler/bmp_scheduler/settings.py" in found["BMP_AGENT_TOKEN_TTL_S"]
    assert "deploy/local/run-service.sh" in found["BMP_SCHEDULER_CONCURRENCY"]  # ${…:-}
    assert "bmp-build-image.sh" in found["BMP_BUILD_ENGINE"]
    assert {"COMPOSE_PROJECT_NAME", "BASE_REGISTRY", "BMP_DB_HOST"} <= dotenv_keys()
    assert "BMP_BFF_OPENAPI_URL" not in found  # a Django setting's name, not an environment key


@pytest.mark.parametrize("language", sorted(REFERENCES))
def test_every_configuration_key_is_in_the_reference(language):
    text = REFERENCES[language].read_text()

    missing = {key: sorted(where) for key, where in keys_read().items() if f"`{key}`" not in text}

    assert not missing, (
        f"{REFERENCES[language].relative_to(ROOT)} lacks these keys (with where they are read): "
        f"{missing}"
    )


def _documents() -> list[Path]:
    return [
        ROOT / "README.md",
        ROOT / "dockerfiles" / "README.md",
        *sorted((ROOT / "docs").rglob("*.md")),
    ]


def test_every_relative_link_of_the_docs_points_at_a_file_that_exists():
    broken = []
    for document in _documents():
        for target in LINK.findall(document.read_text()):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # another site, mail, or a heading of the same page
            path = target.split("#", 1)[0]
            if not (document.parent / path).exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")

    assert not broken, broken


def test_both_languages_have_the_same_documents():
    english = {p.name for p in (ROOT / "docs").glob("*.md")}
    chinese = {p.name for p in (ROOT / "docs" / "zh").glob("*.md")}

    assert {"deployment.md", "configuration.md", "troubleshooting.md"} <= english & chinese


DEPLOY_COMMAND = re.compile(r"\./bmp-deploy\.sh (?:(?:-t|--tag) \S+ )?([a-z][a-z-]*)")
BUILD_COMMAND = re.compile(r"\./bmp-build-image\.sh ([a-z][a-z-]*)")
BMPCTL_COMMAND = re.compile(r"\bbmpctl ([a-z][A-Za-z]+) ([a-z][A-Za-z]+)")


def _documented(pattern: re.Pattern) -> dict[tuple[str, ...] | str, set[str]]:
    found: dict = {}
    for document in _documents():
        for match in pattern.finditer(document.read_text()):
            key = match.groups() if len(match.groups()) > 1 else match.group(1)
            found.setdefault(key, set()).add(str(document.relative_to(ROOT)))
    return found


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def test_every_documented_script_command_exists():
    deploy_help = _run(str(ROOT / "bmp-deploy.sh"), "--help").stdout
    build_help = _run(str(ROOT / "bmp-build-image.sh"), "--help").stdout
    deploy_commands = set(re.findall(r"^ {4}([a-z][a-z-]+)", deploy_help, re.MULTILINE))
    build_commands = set(re.findall(r"bmp-build-image\.sh ([a-z]+)", build_help))
    assert {"start", "backup", "restore"} <= deploy_commands and "save" in build_commands

    unknown = {
        f"bmp-deploy.sh {command}": where
        for command, where in _documented(DEPLOY_COMMAND).items()
        if command not in deploy_commands
    } | {
        f"bmp-build-image.sh {command}": where
        for command, where in _documented(BUILD_COMMAND).items()
        if command not in build_commands
    }

    assert not unknown, unknown


def test_every_documented_bmpctl_command_exists():
    """bmpctl's commands are the contract's operations, by tag (bmp_ctl reads them from it)."""
    from bmp_common.contract import load_contract

    operations = {
        (tag, operation["operationId"])
        for item in load_contract()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
        for tag in operation.get("tags", [])
    }

    missing = {
        f"bmpctl {tag} {operation}": sorted(where)
        for (tag, operation), where in _documented(BMPCTL_COMMAND).items()
        if (tag, operation) not in operations
    }

    assert not missing, missing
