"""Validates every answer a test receives against the contract (bravado-core)."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from bravado_core.response import OutgoingResponse, get_response_spec, validate_response
from bravado_core.spec import Spec
from bravado_core.validate import validate_schema_object
from rest_framework.test import APIClient

from bmp_common.contract import load_contract


class ContractViolation(AssertionError):
    pass


class _Answer(OutgoingResponse):
    def __init__(self, response):
        self.content_type = response.get("Content-Type", "").split(";", 1)[0].strip()
        self.raw_bytes = response.content
        self.text = response.content.decode("utf-8", errors="replace")
        self.headers = {key: value for key, value in response.items()}

    def json(self, **kwargs):
        return json.loads(self.text)


@lru_cache(maxsize=1)
def contract_spec() -> Spec:
    return Spec.from_dict(
        load_contract(),
        config={"validate_responses": True, "use_models": False, "validate_swagger_spec": True},
    )


@lru_cache(maxsize=1)
def _routes():
    spec = contract_spec()
    base = (spec.spec_dict.get("basePath") or "").rstrip("/")
    routes = []
    for resource in spec.resources.values():
        for op in resource.operations.values():
            pattern = re.sub(r"\{[^/}]+\}", "[^/]+", base + op.path_name)
            routes.append((op.http_method.upper(), re.compile(f"^{pattern}$"), op))
    routes.sort(key=lambda route: route[2].path_name.count("{"))  # literal paths first
    return routes


def find_operation(method: str, path: str):
    for route_method, pattern, op in _routes():
        if route_method == method.upper() and pattern.match(path):
            return op
    return None


def validate_answer(method: str, path: str, response) -> None:
    """Raises ContractViolation unless ``response`` is what the contract promises."""
    answer = _Answer(response)
    if answer.content_type != "application/json":
        raise ContractViolation(f"{method} {path}: answered {answer.content_type!r}, not JSON")
    body = answer.json()
    if response.status_code >= 400:
        # Whatever the path, an error is the error envelope with code == HTTP status.
        error = contract_spec().spec_dict["definitions"]["ErrorResponse"]
        try:
            validate_schema_object(contract_spec(), error, body)
        except Exception as exc:
            raise ContractViolation(f"{method} {path}: not an error envelope: {exc}") from exc
        if body["error"]["code"] != response.status_code:
            raise ContractViolation(f"{method} {path}: error.code differs from HTTP status")
    op = find_operation(method, path)
    if op is None:
        if response.status_code < 400:
            raise ContractViolation(f"{method} {path}: succeeded but is not in the contract")
        return
    try:
        response_spec = get_response_spec(response.status_code, op)
        validate_response(response_spec, op, answer)
    except Exception as exc:
        raise ContractViolation(
            f"{method} {path} ({op.operation_id}) answered {response.status_code} "
            f"outside its contract: {exc}"
        ) from exc


class ContractClient(APIClient):
    """DRF's test client, checking each answer against the contract before returning it."""

    def request(self, **request):
        response = super().request(**request)
        path = request.get("PATH_INFO", "")
        # Documents (swagger.json, the UI, static files) are not API answers; errors always are.
        if path.startswith("/v1/") or response.status_code >= 400:
            validate_answer(request["REQUEST_METHOD"], path, response)
        return response
