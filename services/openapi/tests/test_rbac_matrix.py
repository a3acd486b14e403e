"""The RBAC matrix: every contract operation, role and profile behaves as rbac/*.yaml says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.test import override_settings

from bmp_common.contract import operations
from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER


def load_matrix() -> dict:
    matrix = {}
    for part in sorted(Path(__file__).with_name("rbac").glob("*.yaml")):
        for operation_id, rule in yaml.safe_load(part.read_text()).items():
            assert operation_id not in matrix, f"{operation_id} twice ({part.name})"
            matrix[operation_id] = rule
    return matrix


MATRIX = load_matrix()
ROLES = {"admin": ROLE_ADMIN, "operator": ROLE_OPERATOR, "user": ROLE_USER}
PROFILES = ("operation", "console")
OPERATIONS = {op["operationId"]: (method, path) for (method, path), op in operations().items()}


def test_the_matrix_covers_exactly_the_contract():
    assert set(MATRIX) == set(OPERATIONS)


def test_the_matrix_agrees_with_the_contract_profiles():
    by_id = {op["operationId"]: op for op in operations().values()}
    for operation_id, rule in MATRIX.items():
        if rule == "public":
            continue
        assert set(rule) == set(by_id[operation_id]["x-bmp-profiles"]), operation_id


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "no-such-id", path)


@pytest.fixture
def keys(make_user):
    """One key per role and profile: keys belong to the portal they were made for."""
    return {
        (role, profile): make_user(f"{role}-{profile}", role_id=role_id, source=profile)[1]
        for role, role_id in ROLES.items()
        for profile in PROFILES
    }


CASES = [
    (operation_id, profile, role)
    for operation_id, rule in sorted(MATRIX.items())
    if rule != "public"
    for profile in PROFILES
    for role in ROLES
]


@pytest.mark.parametrize(("operation_id", "profile", "role"), CASES)
def test_rbac(operation_id, profile, role, keys):
    method, path = OPERATIONS[operation_id]
    allowed = MATRIX[operation_id].get(profile)
    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {keys[(role, profile)]}")

    with override_settings(BMP_OPENAPI_PROFILE=profile, ROOT_URLCONF=f"bmp_openapi.urls_{profile}"):
        answer = client.generic(method, concrete(path), "{}", content_type="application/json")

    if allowed is None:
        # 405 where the path serves other methods on this profile, 404 where it serves none.
        assert answer.status_code in (404, 405), answer.content
    elif role in allowed:
        assert answer.status_code not in (401, 403, 405), answer.content
    else:
        assert answer.status_code == 403, answer.content
        assert answer.json()["error"]["status"] == "PERMISSION_DENIED"
