"""The contract is valid Swagger 2.0, is what /swagger.json serves, and matches the routes."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from bmp_common.contract import contract_for, load_contract, operations


def test_swagger_json_serves_the_contract(api):
    answer = api.get("/swagger.json")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    served = json.loads(answer.content)
    assert served["swagger"] == "2.0"
    assert served == contract_for("operation")
    assert served["definitions"] == load_contract()["definitions"]


def test_the_console_publishes_only_what_it_serves(api, settings):
    settings.BMP_CONTRACT_PROFILE = "console"

    served = json.loads(api.get("/swagger.json").content)

    assert "post" not in served["paths"]["/idcs"]
    assert "/jobs" not in served["paths"]
    assert "get" in served["paths"]["/idcs"]


def test_swagger_ui_loads_the_contract_with_local_assets(api):
    page = api.get("/swagger/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/swagger.json" in html
    assert "swagger-ui-bundle.js" in html
    asset = next(
        part.split('"')[0]
        for part in html.split('src="')[1:]
        if "swagger-ui-bundle.js" in part.split('"')[0]
    )
    assert asset.startswith("/static/")
    bundle = api.get(asset)
    assert bundle.status_code == 200


def code_routes(profile: str) -> set[tuple[str, str]]:
    generator = SchemaGenerator(urlconf=f"bmp_openapi.urls_{profile}")
    schema = generator.get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/v1/") and path != "/v1/health"
        for method in item
    }


def contract_routes(profile: str) -> set[tuple[str, str]]:
    return {
        (method, path)
        for (method, path), op in operations().items()
        if profile in op["x-bmp-profiles"] and path != "/v1/health"
    }


@pytest.mark.parametrize("profile", ["operation", "console"])
def test_each_profile_serves_exactly_its_contract_operations(profile):
    assert code_routes(profile) == contract_routes(profile)
