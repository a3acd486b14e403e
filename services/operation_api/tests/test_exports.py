"""Every export column that names a field names one openapi's list item has."""

from __future__ import annotations

import pytest

from bmp_common.bff.excel import Export
from bmp_common.contract.client import profile_contract
from bmp_console_api.audit.apis import AuditLogsApi
from bmp_console_api.catalog.apis import IdcsApi
from bmp_console_api.inbox.apis import MESSAGES as CONSOLE_MESSAGES
from bmp_console_api.instances.apis import InstancesApi
from bmp_console_api.monitoring.apis import ALERTS as CONSOLE_ALERTS
from bmp_console_api.monitoring.apis import RULES as CONSOLE_RULES
from bmp_console_api.projects.apis import ProjectsApi
from bmp_operation_api import exports

CONSOLE = {
    "describeProjectInstances": InstancesApi.export,
    "describeUserProjects": ProjectsApi.export,
    "describeIdcs": IdcsApi.export,
    "getMessageList": CONSOLE_MESSAGES[""].export,
    "describeAuditLogs": AuditLogsApi.export,
    "describeRules": CONSOLE_RULES["describeRules"].export,
    "describeAlerts": CONSOLE_ALERTS["describeAlerts"].export,
}
CASES = [("console", op, export) for op, export in CONSOLE.items()] + [
    ("operation", op, export) for op, export in exports.BY_OPERATION.items()
]


def _item_properties(profile: str, operation_id: str, items: str) -> set[str]:
    spec = profile_contract(profile).spec
    definitions = spec["definitions"]

    def resolved(schema: dict) -> dict:
        while "$ref" in schema:
            schema = definitions[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    answer = next(
        operation["responses"]["200"]["schema"]
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and operation.get("operationId") == operation_id
    )
    result = resolved(resolved(answer)["properties"]["result"])
    return set(resolved(result["properties"][items]["items"])["properties"])


@pytest.mark.parametrize(("profile", "operation_id", "export"), CASES)
def test_export_columns_name_fields_of_the_list(profile, operation_id, export: Export):
    fields = _item_properties(profile, operation_id, export.items)
    named = {c.value for c in export.columns if isinstance(c.value, str)}
    assert named <= fields, named - fields
    assert all(c.zh and c.en for c in export.columns)
