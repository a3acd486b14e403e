"""The contract is valid Swagger 2.0, is what /swagger.json serves, and matches the routes."""

import json

from drf_spectacular.generators import SchemaGenerator

from bmp_common.contract import load_contract, operations


def test_swagger_json_serves_the_contract(api):
    answer = api.get("/swagger.json")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    served = json.loads(answer.content)
    assert served["swagger"] == "2.0"
    assert served == load_contract()


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


def code_routes() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/v1/")
        for method in item
    }


def test_code_routes_and_contract_operations_are_the_same_set():
    contract = set(operations())

    assert code_routes() == contract
