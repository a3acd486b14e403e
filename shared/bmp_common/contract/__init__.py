"""The Swagger 2.0 contract shipped in this package, loaded once per process."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).with_name("swagger.yaml")


@lru_cache(maxsize=1)
def _parsed() -> dict:
    with CONTRACT_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_contract() -> dict:
    """A private copy: validators annotate the dict they are given (``x-scope``)."""
    return copy.deepcopy(_parsed())


@lru_cache(maxsize=1)
def contract_json() -> bytes:
    return json.dumps(_parsed(), ensure_ascii=False).encode()


def operations() -> dict[tuple[str, str], dict]:
    """``{(METHOD, "/v1/path/{param}"): operation}`` for every operation of the contract."""
    spec = _parsed()
    base = spec.get("basePath", "").rstrip("/")
    found = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                found[(method.upper(), base + path)] = operation
    return found
