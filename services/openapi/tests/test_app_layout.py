"""Every resource app of openapi has the file set docs/adding-a-resource.md lists, so a reader
finds an app's writes, reads, endpoints and errors in the same places in every app."""

from __future__ import annotations

import ast
from pathlib import Path

APPS = Path(__file__).resolve().parents[1] / "bmp_openapi"
# Each is a module (``services.py``) or a package (``services/``); serializers sit beside
# ``apis.py`` or inside the ``apis/`` package.
FILES = ("models", "selectors", "services", "apis", "serializers", "urls", "error_codes")
# Apps of the framework, not resources: they serve no routes of their own.
FRAMEWORK_APPS = {"core", "idempotency"}
# What an app lacks, and why (the same list is in docs/adding-a-resource.md).
LACKS = {
    # Read-only questions about other apps' rows: no table, no write, no error of its own, and
    # its one serializer is the nested FilterSerializer.
    "resources": {"models", "services", "error_codes", "serializers"},
    # The trail is written by the API layer (core.api) through audit.services and read here:
    # nothing of it can be refused with an error of its own.
    "audit": {"error_codes"},
}


def _apps() -> list[Path]:
    return sorted(path.parent for path in APPS.glob("*/apps.py"))


def _has(app: Path, name: str) -> bool:
    places = [app / f"{name}.py", app / name / "__init__.py"]
    if name == "serializers":
        places.append(app / "apis" / "serializers.py")
    return any(place.exists() for place in places)


def test_every_resource_app_has_the_file_set():
    missing = {
        app.name: sorted(
            name for name in FILES if not _has(app, name) and name not in LACKS.get(app.name, ())
        )
        for app in _apps()
        if app.name not in FRAMEWORK_APPS
    }
    assert {app: names for app, names in missing.items() if names} == {}


def test_what_an_app_lacks_is_still_lacking():
    # An app that gained the file leaves LACKS (and the doc's list).
    assert {
        app: sorted(name for name in names if _has(APPS / app, name))
        for app, names in LACKS.items()
    } == {app: [] for app in LACKS}


def test_the_framework_apps_serve_no_routes():
    assert sorted(app for app in FRAMEWORK_APPS if _has(APPS / app, "urls")) == []


def test_writes_and_reads_are_not_spread_over_differently_named_modules():
    strays = sorted(
        str(path.relative_to(APPS))
        for path in APPS.rglob("*.py")
        if path.stem.endswith(("_services", "_selectors", "_serializers", "_apis"))
    )
    assert strays == []


def test_write_services_take_typed_keyword_arguments_not_the_request():
    # A public service takes one keyword argument per field (docs/adding-a-resource.md,
    # "Keyword arguments"), never the request's dict under a catch-all name.
    catch_alls = {"data", "payload", "values", "request"}
    found = []
    for path in sorted(APPS.glob("*/services*")):
        for module in [path] if path.suffix == ".py" else sorted(path.glob("*.py")):
            for node in ast.walk(ast.parse(module.read_text())):
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    arguments = node.args.args + node.args.kwonlyargs
                    found += [
                        f"{module.relative_to(APPS)}:{node.name}({arg.arg})"
                        for arg in arguments
                        if arg.arg in catch_alls
                    ]
    assert found == []
