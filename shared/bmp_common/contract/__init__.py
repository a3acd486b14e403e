"""The Swagger 2.0 contract shipped in this package, loaded once per process.

One document, written by hand: ``swagger.yaml`` holds the envelope, the shared parameters and
definitions; ``parts/<tag>.yaml`` holds the paths and definitions of one tag, so that the app
owning a resource owns its part. They are merged at load (a key defined twice is an error) and
served and tested as one document.

Every write (POST, PUT, PATCH, DELETE) takes the ``Idempotency-Key`` header and may answer its
409s: the loader adds the shared parameter and response to each, so no part repeats them.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).with_name("swagger.yaml")
PARTS_DIR = Path(__file__).with_name("parts")
MERGED_SECTIONS = ("paths", "definitions", "parameters", "responses")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
WRITE_METHODS = frozenset({"put", "post", "delete", "patch"})
IDEMPOTENCY_KEY = {"$ref": "#/parameters/idempotencyKey"}
IDEMPOTENCY_CONFLICT = {"$ref": "#/responses/IdempotencyConflict"}


class ContractError(ValueError):
    pass


# libyaml's safe loader when PyYAML was built with it: ten times faster than the pure-Python one,
# which a command-line client (bmpctl) that loads the contract at each start would feel.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LOADER) or {}  # noqa: S506 (a safe loader)


@lru_cache(maxsize=1)
def _parsed() -> dict:
    spec = _read(CONTRACT_PATH)
    for part_path in sorted(PARTS_DIR.glob("*.yaml")):
        part = _read(part_path)
        unknown = set(part) - set(MERGED_SECTIONS)
        if unknown:
            raise ContractError(f"{part_path.name}: only {MERGED_SECTIONS} may appear: {unknown}")
        for section in MERGED_SECTIONS:
            target = spec.setdefault(section, {})
            for key, value in (part.get(section) or {}).items():
                if key in target:
                    raise ContractError(f"{part_path.name}: {section}/{key} is defined twice")
                target[key] = value
    _with_idempotency_keys(spec)
    return spec


def _with_idempotency_keys(spec: dict) -> None:
    for item in spec.get("paths", {}).values():
        for method, operation in item.items():
            if method in WRITE_METHODS:
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
                operation.setdefault("responses", {}).setdefault("409", dict(IDEMPOTENCY_CONFLICT))


def load_contract() -> dict:
    """A private copy: validators annotate the dict they are given (``x-scope``)."""
    return copy.deepcopy(_parsed())


def contract_for(profile: str | None) -> dict:
    """The contract as one profile serves it: only operations whose ``x-bmp-profiles`` name it.

    A service with profiles (openapi: operation, console) publishes only what it serves, so a
    client generated from its /swagger.json has no operation that would answer 405.
    """
    spec = load_contract()
    if profile is None:
        return spec
    for path in list(spec["paths"]):
        item = spec["paths"][path]
        for method in [m for m in item if m in HTTP_METHODS]:
            if profile not in item[method].get("x-bmp-profiles", ()):
                del item[method]
        if not any(m in HTTP_METHODS for m in item):
            del spec["paths"][path]
    return spec


@lru_cache(maxsize=4)
def contract_json(profile: str | None = None) -> bytes:
    return json.dumps(contract_for(profile), ensure_ascii=False).encode()


def operations() -> dict[tuple[str, str], dict]:
    """``{(METHOD, "/v1/path/{param}"): operation}`` for every operation of the contract."""
    spec = _parsed()
    base = spec.get("basePath", "").rstrip("/")
    found = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                found[(method.upper(), base + path)] = operation
    return found
