"""The hand-written contract is valid Swagger 2.0 and keeps the rules that make it fuzzable."""

from swagger_spec_validator.validator20 import validate_spec

from bmp_common.contract import load_contract, operations


def test_contract_is_valid_swagger_2():
    validate_spec(load_contract())


def test_operation_ids_are_unique_and_present():
    ids = [op["operationId"] for op in operations().values()]

    assert len(ids) == len(set(ids))
    assert all(ids)


def test_every_operation_documents_the_error_envelope():
    for (method, path), op in operations().items():
        assert op["responses"]["default"] == {"$ref": "#/responses/Error"}, (method, path)


def _string_parameters(spec):
    for name, parameter in spec.get("parameters", {}).items():
        yield name, parameter
    for path, item in spec["paths"].items():
        for parameter in item.get("parameters", []):
            yield path, parameter
        for method, op in item.items():
            if method == "parameters":
                continue
            for parameter in op.get("parameters", []):
                if "$ref" not in parameter:
                    yield op["operationId"], parameter


def test_every_string_parameter_is_bounded():
    # schemathesis generates what the contract allows: the contract must say what we enforce.
    for owner, parameter in _string_parameters(load_contract()):
        if parameter.get("type") == "string" and not parameter.get("x-lenient"):
            assert {"maxLength", "enum"} & set(parameter), (owner, parameter["name"])


def test_every_operation_says_which_profiles_serve_it():
    for (method, path), op in operations().items():
        profiles = op.get("x-bmp-profiles")
        assert profiles and set(profiles) <= {"operation", "console"}, (method, path)
