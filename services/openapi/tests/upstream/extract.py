"""Writes definitions.yaml from upstream BMP's published Swagger file (a one-off; kept to redo it).

    python services/openapi/tests/upstream/extract.py bmp-openapi/swagger.json definitions.yaml
    python services/openapi/tests/upstream/extract.py bmp-openapi-console/swagger.json console.yaml

Only facts are kept: for each upstream operation, the type of its answer's ``result``; for each
definition reachable from those, each field's JSON type. A type is a JSON type (string, integer,
number, boolean, object), a definition's name (an object of that shape), or a one-item list
(an array of that type).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent


def type_of(schema: dict) -> str | list:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if schema.get("type") == "array":
        return [type_of(schema.get("items", {}))]
    return schema.get("type", "object")


def named(kind) -> set[str]:
    if isinstance(kind, list):
        return named(kind[0])
    return set() if kind in {"string", "integer", "number", "boolean", "object"} else {kind}


def extract(spec: dict) -> dict:
    operations = {}
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            answer = operation["responses"]["200"]
            answer = (
                spec["responses"][answer["$ref"].rsplit("/", 1)[1]] if "$ref" in answer else answer
            )
            result = answer.get("schema", {}).get("properties", {}).get("result")
            if result is not None:
                operations[operation["operationId"]] = type_of(result)
    definitions, pending = {}, set().union(*(named(kind) for kind in operations.values()))
    while pending:
        name = pending.pop()
        fields = {
            field: type_of(schema)
            for field, schema in spec["definitions"][name].get("properties", {}).items()
        }
        definitions[name] = dict(sorted(fields.items()))
        pending |= set().union(*(named(kind) for kind in fields.values())) - set(definitions)
    return {
        "operations": dict(sorted(operations.items())),
        "definitions": dict(sorted(definitions.items())),
    }


def as_rows(table: dict) -> str:
    """One line per operation and per definition field."""

    def flow(kind) -> str:
        if isinstance(kind, list):
            return f"[{flow(kind[0])}]"
        return kind if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", kind) else json.dumps(kind)

    lines = ["operations:"]
    lines += [f"  {name}: {flow(kind)}" for name, kind in table["operations"].items()]
    lines.append("definitions:")
    for name, fields in table["definitions"].items():
        lines.append(f"  {name}:" + ("" if fields else " {}"))
        lines += [f"    {flow(field)}: {flow(kind)}" for field, kind in fields.items()]
    return "\n".join(lines) + "\n"


HEADER = """\
# Upstream BMP's response types, as facts: jd-opensource/Baremetal_Manage_Platform,
# {source} at d25ddb1 (2025-01-16), written by extract.py.
# operations: the type of each operation's `result`; definitions: each field's JSON type.
# A type is a JSON type, a definition's name (an object of that shape), or [type] (an array).
# test_upstream_types.py checks our contract declares each of them for every operation we serve.
"""


if __name__ == "__main__":
    source, output = Path(sys.argv[1]), sys.argv[2]
    table = extract(json.loads(source.read_text(encoding="utf-8")))
    header = HEADER.format(source=f"{source.parent.name}/{source.name}")
    (HERE / output).write_text(header + as_rows(table), encoding="utf-8")
