"""Names that cross a service boundary are spelt once, in bmp_common.messages: a Celery task
name, a step action, a job's task, the seeded NO RAID level. Everywhere else imports them, so a
rename cannot leave one side speaking the old name."""

from __future__ import annotations

import ast
from pathlib import Path

from bmp_common.messages import actions, jobs, steps

REPOSITORY = Path(__file__).resolve().parents[3]
SHARED_NAMES = (
    {
        value
        for module in (jobs, steps)
        for name, value in vars(module).items()
        if name.endswith("_TASK")
    }
    | actions.DRIVER_ACTIONS
    | actions.DHCP_ACTIONS
    | actions.AGENT_ACTIONS
    | set(jobs.TASKS)
    | {jobs.NO_RAID_ID, jobs.NO_RAID_NAME}
)
# Copies that stay, and why.
ALLOWED = {
    # The LiveOS agent runs with only its own package (liveos/build.sh copies bmp_agent alone):
    # services/agent/tests/test_shared_names.py pins its copies equal to these.
    "services/agent/bmp_agent/steps/__init__.py": actions.AGENT_ACTIONS,
    "services/agent/bmp_agent/steps/raid.py": {jobs.NO_RAID_NAME},
    # Upstream's audit operations and message types, openapi's own names, which upstream spells
    # as its job tasks.
    "services/openapi/bmp_openapi/audit/choices.py": set(jobs.TASKS),
    "services/openapi/bmp_openapi/inbox/choices.py": set(jobs.TASKS),
    "services/openapi/bmp_openapi/devices/apis/actions.py": set(jobs.TASKS),
    "services/openapi/bmp_openapi/instances/apis/instances.py": set(jobs.TASKS),
    "services/openapi/bmp_openapi/instances/apis/batch.py": set(jobs.TASKS),
    # Redfish's own ResetType "PowerCycle" (DMTF's word, which our action happens to share).
    "services/driver/bmp_driver/backends/redfish.py": {actions.POWER_CYCLE},
    "services/lab/bmp_lab/redfish.py": {actions.POWER_CYCLE},
    # The level's English display name.
    "services/openapi/bmp_openapi/catalog/choices.py": {jobs.NO_RAID_NAME},
}


def _spellings() -> list[str]:
    found = []
    # The platform's code, and the suites and benchmarks that drive it from outside (tests/,
    # bench/). A service's own unit tests (services/*/tests) may spell what they pin.
    for root in ("services", "shared", "tests", "bench"):
        for path in sorted((REPOSITORY / root).rglob("*.py")):
            relative = path.relative_to(REPOSITORY)
            unit_tests = root in ("services", "shared") and "tests" in relative.parts
            if unit_tests or relative.parent.parts[-2:] == ("bmp_common", "messages"):
                continue
            allowed = ALLOWED.get(str(relative), set())
            found += [
                f"{relative}:{node.lineno}: {node.value}"
                for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.Constant)
                and node.value in SHARED_NAMES
                and node.value not in allowed
            ]
    return found


def test_names_that_cross_a_service_boundary_are_spelt_only_in_bmp_common():
    assert _spellings() == []
