"""Upstream's clients work unchanged: every field of upstream's answers, with upstream's type.

For every operation a profile of ours serves that upstream's spec for that profile also has (by
operationId), the schema of our answer's ``result`` must declare each field of upstream's type
for it, recursively, with the same JSON type: definitions.yaml is upstream's bmp-openapi (our
operation profile), console.yaml its bmp-openapi-console (our console profile). Upstream's
fields must also be required (only operation staff see the fleet-only ones), and the contract
client validates every answer the tests get against our schema: so the answers carry them.
Where we offer more, it is an additional field: upstream's keep their name and type.

known_divergences.yaml lists, per profile, what still differs; it may only shrink: a new
divergence fails, and so does a listed one that is gone (remove it from the list).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bmp_common.contract import contract_for

HERE = Path(__file__).parent
PROFILES = ("operation", "console")


def _load(name: str):
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


UPSTREAM = {"operation": _load("definitions.yaml"), "console": _load("console.yaml")}
KNOWN = _load("known_divergences.yaml")
RBAC_ROWS = HERE.parent / "rbac" / "rows" / "reads.yaml"
JSON_TYPES = {"string", "integer", "number", "boolean", "object"}


class Schemas:
    def __init__(self, spec: dict):
        self.spec = spec

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            node = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def properties(self, schema: dict) -> dict:
        schema = self.resolve(schema)
        found = dict(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            found.update(self.properties(part))
        return found

    def required(self, schema: dict) -> set[str]:
        schema = self.resolve(schema)
        found = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            found |= self.required(part)
        return found

    def json_type(self, schema: dict) -> str | None:
        schema = self.resolve(schema)
        if "type" in schema:
            return schema["type"]
        return "object" if "properties" in schema or "allOf" in schema else None


def divergences(spec: dict, upstream: dict) -> set[str]:
    schemas = Schemas(spec)
    found: set[str] = set()

    def compare(kind, ours: dict, where: str, seen: frozenset) -> None:
        if isinstance(kind, list):
            if schemas.json_type(ours) != "array":
                found.add(f"{where}: {schemas.json_type(ours)}, not array")
                return
            compare(kind[0], schemas.resolve(ours).get("items", {}), f"{where}[]", seen)
            return
        expected = kind if kind in JSON_TYPES else "object"
        actual = schemas.json_type(ours)
        if actual != expected:
            found.add(f"{where}: {actual}, not {expected}")
            return
        if kind in JSON_TYPES or kind in seen:
            return
        declared = schemas.properties(ours)
        for field, field_kind in upstream["definitions"][kind].items():
            if field not in declared:
                found.add(f"{where}.{field}: missing ({type_name(field_kind)})")
            else:
                compare(field_kind, declared[field], f"{where}.{field}", seen | {kind})

    for operation_id, item in served(spec, upstream).items():
        answer = schemas.resolve(item["responses"]["200"]).get("schema", {})
        result = schemas.properties(answer).get("result")
        if result is None:
            found.add(f"{operation_id}: no result")
            continue
        compare(
            upstream["operations"][operation_id], result, f"{operation_id}: result", frozenset()
        )
    return found


def optional_fields(spec: dict, upstream: dict) -> set[str]:
    """``Definition.field`` of each upstream field our contract declares but does not require:
    an answer may then leave it out."""
    schemas = Schemas(spec)
    found: set[str] = set()

    def walk(kind, ours: dict, seen: frozenset) -> None:
        if isinstance(kind, list):
            walk(kind[0], schemas.resolve(ours).get("items", {}), seen)
            return
        if kind in JSON_TYPES or kind in seen:
            return
        declared, required = schemas.properties(ours), schemas.required(ours)
        for field, field_kind in upstream["definitions"][kind].items():
            if field not in required:
                found.add(f"{kind}.{field}")
            if field in declared:
                walk(field_kind, declared[field], seen | {kind})

    for operation_id, item in served(spec, upstream).items():
        answer = schemas.resolve(item["responses"]["200"]).get("schema", {})
        result = schemas.properties(answer).get("result")
        if result is not None:
            walk(upstream["operations"][operation_id], result, frozenset())
    return found


def fleet_only() -> set[str]:
    """Upstream's fields that only operation staff get (the rows table of the RBAC tests): the
    others' answers leave them out, by design (upstream shows them to anyone)."""
    table = yaml.safe_load(RBAC_ROWS.read_text(encoding="utf-8"))["fleet_only_fields"]
    upstream_names = {"device": "Device", "disk": "Disk", "idc": "Idc", "instance": "Instance"}
    return {
        f"{upstream_names[kind]}.{field}"
        for kind, fields in table.items()
        for field in fields
        if kind in upstream_names
    }


def type_name(kind) -> str:
    if isinstance(kind, list):
        return f"array of {type_name(kind[0])}"
    return kind if kind in JSON_TYPES else "object"


def served(spec: dict, upstream: dict) -> dict:
    """Our operations that upstream has, by operationId."""
    return {
        operation["operationId"]: operation
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and operation.get("operationId") in upstream["operations"]
    }


def test_most_of_upstreams_operations_are_compared():
    # Sanity of the comparison itself: it finds the operations both sides have.
    assert len(served(contract_for("operation"), UPSTREAM["operation"])) >= 100
    assert len(served(contract_for("console"), UPSTREAM["console"])) >= 60


@pytest.mark.parametrize("profile", PROFILES)
def test_every_upstream_response_field_is_declared_with_upstream_type(profile):
    found = divergences(contract_for(profile), UPSTREAM[profile])
    known = set(KNOWN[profile] or ())

    new = sorted(found - known)
    fixed = sorted(known - found)
    assert not new, "answers diverge from upstream's types:\n" + "\n".join(new)
    assert not fixed, "fixed: remove these from known_divergences.yaml:\n" + "\n".join(fixed)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_upstream_field_is_in_every_answer_unless_only_staff_may_see_it(profile):
    # Required in the contract, so the contract client fails a test whose answer lacks it.
    optional = optional_fields(contract_for(profile), UPSTREAM[profile])
    missing = sorted(optional - fleet_only() - set(KNOWN[f"{profile}_optional"] or ()))

    assert not missing, "declared, not required:\n" + "\n".join(missing)


def test_a_changed_type_is_caught():
    spec = contract_for("operation")
    spec["definitions"]["AuditLog"]["properties"]["operateTime"] = {"type": "string"}
    del spec["definitions"]["Idc"]["properties"]["nameEn"]

    found = divergences(spec, UPSTREAM["operation"])

    assert found == {
        "describeAuditLogs: result.auditLogs[].operateTime: string, not integer",
        "describeIdcs: result.idcs[].nameEn: missing (string)",
        "describeIdc: result.idc.nameEn: missing (string)",
    }
