"""The row-and-field matrix (rbac/rows/reads.yaml): which rows and fields each caller reads.

The fleet: one IDC with BMC and switch credentials, a device type, three devices put away, each
with a disk behind the controller and a plain one. Tenant A and tenant B each create an instance
from their console (so each takes a device of their own); the third device stays free. A shares
its project read-only with a third console user, "sharee". Every answer is checked against the
contract by the client, on the caller's profile.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bmp_common import flight
from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.models import User
from bmp_openapi.accounts.services import apikey_create
from bmp_openapi.catalog.models import Volume
from bmp_openapi.devices.models import Device, Disk
from bmp_openapi.instances.models import Instance

from .instances.conftest import Stock
from .instances.test_instance_lifecycle import finish_instance_job
from .projects.helpers import Caller, ok

TABLE = yaml.safe_load(Path(__file__).with_name("rbac").joinpath("rows", "reads.yaml").read_text())
CALLERS = TABLE["callers"]
READS = TABLE["reads"]

IDC_CREDENTIALS = {
    "iloUser": "idc-bmc-user",
    "iloPassword": "Idc-Bmc-Pass-1",
    "switchUser1": "idc-switch-user-1",
    "switchPassword1": "Switch-Pass-1",
    "switchUser2": "idc-switch-user-2",
    "switchPassword2": "Switch-Pass-2",
}


class Fleet:
    """The fleet, its callers, and which id each name of the table stands for."""

    def __init__(self, admin, admin_api, make_user):
        stock = Stock(admin_api, 3)
        ok(admin_api.put(f"/v1/idcs/{stock.idc_id}", IDC_CREDENTIALS, format="json"))
        tokens = {"admin": admin.api_key}
        users = {}
        for name, role_id, source in (
            ("operator", ROLE_OPERATOR, "operation"),
            ("tenantA", ROLE_USER, "console"),
            ("tenantB", ROLE_USER, "console"),
            ("sharee", ROLE_USER, "console"),
        ):
            # distinctive names: the leak checks look for them in answers
            users[name], tokens[name] = make_user(f"rows-{name}", role_id=role_id, source=source)
        admin_user = User.objects.get(role__role_id=ROLE_ADMIN)
        for name, user, source in (
            ("operatorReadOnly", users["operator"], "operation"),
            ("tenantAReadOnly", users["tenantA"], "console"),
        ):
            tokens[name] = apikey_create(user=user, name="ro", source=source, read_only=True)[1]
        tokens["adminOnConsole"] = apikey_create(user=admin_user, name="c", source="console")[1]
        tokens["consoleBffAsB"] = make_user("rows-bff", key_type="system")[1]
        self.clients = {name: self._client(name, tokens[name], users) for name in CALLERS}

        a, b = self.clients["tenantA"], self.clients["tenantB"]
        instance_a = self._create_instance(a, stock)
        finish_instance_job(instance_a, power="on")
        instance_b = self._create_instance(b, stock)
        bmc_b = Instance.objects.get(instance_id=instance_b).device.ilo_ip
        finish_instance_job(
            instance_b,
            "failed",
            reason="BmcUnreachable",
            message=f"ipmitool got no answer from the BMC at {bmc_b}:623",
        )
        # What the scheduler's flight recorder holds of B's failed create: the driver's text,
        # which names B's BMC (only staff may read it).
        flight.record(
            Instance.objects.get(instance_id=instance_b).job_id,
            flight.BMC,
            flight.STEP_END,
            {
                "action": "SetPXEBoot",
                "target": "driver",
                "attempt": 1,
                "result": "failed",
                "error": "PING_ILOIP_ERROR",
                "message": f"ipmitool got no answer from the BMC at {bmc_b}:623",
            },
        )
        project_a = Instance.objects.get(instance_id=instance_a).project.project_id
        share = {
            "ownerID": users["tenantA"].user_id,
            "sharerID": users["sharee"].user_id,
            "permission": "read",
        }
        ok(a.put(f"/v1/user/projects/{project_a}/share", share, format="json"))

        device_a = Instance.objects.get(instance_id=instance_a).device
        device_b = Instance.objects.get(instance_id=instance_b).device
        (device_free,) = Device.objects.exclude(pk__in=[device_a.pk, device_b.pk])
        for device in Device.objects.all():
            for number, kind in enumerate(("controller", "panfu")):
                Disk.objects.create(
                    disk_id=f"disk-{device.sn}-{number}",
                    device=device,
                    name=f"sd{'ab'[number]}",
                    types=kind,
                    size="480",
                    size_unit="GB",
                    pd_type="SATA",
                    media_type="SSD",
                    serial_number=f"DISK-SERIAL-{device.sn}-{number}",
                )
        self.ids = {
            "deviceA": device_a.device_id,
            "deviceB": device_b.device_id,
            "deviceFree": device_free.device_id,
            "instanceA": instance_a,
            "instanceB": instance_b,
            "jobA": Instance.objects.get(instance_id=instance_a).job_id,
            "jobB": Instance.objects.get(instance_id=instance_b).job_id,
            "idc": stock.idc_id,
            "deviceType": stock.device_type_id,
            "systemVolume": Volume.objects.get(
                device_type__device_type_id=stock.device_type_id, volume_type="system"
            ).volume_id,
        }
        # Values only the fleet's operators may read, wherever they appear in an answer.
        devices = Device.objects.all()
        self.fleet_secrets = {
            *(device.mac1 for device in devices),
            *(device.mac2 for device in devices if device.mac2),
            *(device.ilo_ip for device in devices),
            *(disk.serial_number for disk in Disk.objects.all()),
            *(value for key, value in IDC_CREDENTIALS.items() if "User" in key),
            device_free.device_id,
            device_free.sn,
        }
        # What each tenant's things would show of them: ids and names.
        self.tenant_traces = {
            tenant: {
                users[caller].user_id,
                users[caller].user_name,
                instance,
                device.device_id,
                device.sn,
            }
            for tenant, caller, instance, device in (
                ("A", "tenantA", instance_a, device_a),
                ("B", "tenantB", instance_b, device_b),
            )
        }

    @staticmethod
    def _client(name, token, users):
        acting_for = {"HTTP_BMPUSERID": users["tenantB"].user_id}
        headers = acting_for if name == "consoleBffAsB" else {}
        console = CALLERS[name]["profile"] == "console"
        return Caller(None, token, console=console, headers=headers)

    @staticmethod
    def _create_instance(tenant, stock) -> str:
        project = ok(tenant.get("/v1/user/projects"))["projects"][0]["projectId"]
        created = ok(tenant.post("/v1/project/instances", stock.create_body(project)))
        (instance_id,) = created["instanceIds"]
        return instance_id

    def name_of(self, value: str) -> str:
        return {v: k for k, v in self.ids.items()}.get(value, value)


@pytest.fixture
def fleet(admin, admin_api, make_user):
    return Fleet(admin, admin_api, make_user)


def rows_of(result, where) -> list[dict]:
    found = []
    for path in where if isinstance(where, list) else [where]:
        part = result[path] if path else result
        found.extend(part if isinstance(part, list) else [part])
    return found


def field_problems(rows: list[dict], fleet_only: list[str], *, fleet: bool) -> list[str]:
    problems = []
    for row in rows:
        shown = sorted(set(fleet_only) & set(row))
        if fleet and shown != sorted(fleet_only):
            problems.append(f"missing {sorted(set(fleet_only) - set(row))}")
        if not fleet and shown:
            problems.append(f"shows {shown}")
    return problems


def leak_problems(fleet: Fleet, caller: dict, body: str, asked: str = "") -> list[str]:
    """Values the answer shows that the caller may not know (but the id it asked for: a 404
    may repeat it)."""
    if caller.get("fleet"):
        return []
    forbidden = set(fleet.fleet_secrets)
    for tenant, traces in fleet.tenant_traces.items():
        if tenant not in caller["sees"]:
            forbidden |= traces
    forbidden.discard(asked)
    # A whole value: not a part of a longer name, address or number (10.1.1.1 of 10.1.1.10).
    return [
        f"leaks {token}"
        for token in sorted(forbidden)
        if re.search(rf"(?<![\w.-]){re.escape(token)}(?![\w-]|\.\w)", body)
    ]


def check(fleet: Fleet, read: dict, name: str) -> list[str]:
    """What is wrong with what ``name`` gets from ``read`` (nothing: an empty list)."""
    caller, expected = CALLERS[name], read["see"][name]
    fleet_only = TABLE["fleet_only_fields"].get(read.get("kind"), [])
    client = fleet.clients[name]
    ids = fleet.ids
    problems = []
    if "each" in read:
        for each in read["each"]:
            answer = client.get(read["path"].format(**ids, each=ids[each]))
            wanted = 200 if each in expected else 404
            if answer.status_code != wanted:
                problems.append(f"{each}: {answer.status_code}, not {wanted}")
                continue
            problems += leak_problems(fleet, caller, answer.content.decode(), ids[each])
            if wanted == 200:
                rows = rows_of(answer.json()["result"], read["rows"])
                keys = {fleet.name_of(row[read["key"]]) for row in rows}
                if keys != {each}:
                    problems.append(f"{each}: rows of {sorted(keys)}")
                problems += field_problems(rows, fleet_only, fleet=bool(caller.get("fleet")))
        return problems
    answer = client.get(read["path"].format(**ids))
    if answer.status_code != 200:
        return [f"status {answer.status_code}: {answer.content[:200]}"]
    problems += leak_problems(fleet, caller, answer.content.decode())
    result = answer.json()["result"]
    if "value" in read:
        if result[read["value"]] != expected:
            problems.append(f"{read['value']} = {result[read['value']]}, not {expected}")
        return problems
    rows = rows_of(result, read["rows"])
    got = sorted(fleet.name_of(row[read["key"]]) for row in rows)
    if got != sorted(expected):
        problems.append(f"rows {got}, not {sorted(expected)}")
    return problems + field_problems(rows, fleet_only, fleet=bool(caller.get("fleet")))


def test_the_table_names_every_caller_for_every_read():
    for operation_id, read in READS.items():
        assert set(read["see"]) == set(CALLERS), operation_id


@pytest.mark.parametrize("operation_id", sorted(READS))
def test_rows_and_fields(operation_id, fleet):
    read = READS[operation_id]
    problems = {name: check(fleet, read, name) for name in CALLERS}
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/devices", "iloIp={iloIp}"),
        ("/v1/devices", "userId={userId}"),
        ("/v1/devices", "userName=rows-tenantA"),
        ("/v1/project/instances", "ilo_ip={iloIp}"),
    ],
)
def test_a_tenant_may_not_filter_on_what_it_may_not_read(fleet, path, query):
    device_a = Device.objects.get(device_id=fleet.ids["deviceA"])
    values = {"iloIp": device_a.ilo_ip, "userId": device_a.user_id}
    url = f"{path}?{query.format(**values)}"

    refused = fleet.clients["tenantA"].get(url)
    served = fleet.clients["operator"].get(url)

    assert refused.status_code == 403, refused.content
    assert refused.json()["error"]["status"] == "PERMISSION_DENIED"
    assert served.status_code == 200, served.content
    rows = served.json()["result"]
    assert rows["totalCount"] == 1


def test_the_share_list_shows_a_project_to_its_owner_only(fleet):
    """describeInstancesByProjectIdAndOwnerNameAndSharerName, on A's project (shared read-only
    with sharee): A's callers get its instances; a sharee is refused (403), the others do not
    see it (404; the operator portal does not serve the read)."""
    project_a = Instance.objects.get(instance_id=fleet.ids["instanceA"]).project.project_id
    path = (
        "/v1/project/instances/share/describeInstances"
        f"?projectId={project_a}&sharerName=rows-sharee"
    )
    wanted = {name: 404 for name in CALLERS}
    wanted.update(tenantA=200, tenantAReadOnly=200, sharee=403)

    problems = {}
    for name, status in wanted.items():
        answer = fleet.clients[name].get(path)
        found = [] if answer.status_code == status else [f"{answer.status_code}, not {status}"]
        found += leak_problems(fleet, CALLERS[name], answer.content.decode(), project_a)
        if status == 200:
            rows = answer.json()["result"]["instances"]
            got = [(fleet.name_of(row["instanceId"]), row["hasShared"]) for row in rows]
            if got != [("instanceA", True)]:
                found.append(f"rows {got}")
        if found:
            problems[name] = found

    assert problems == {}


def test_only_the_owner_moves_an_instance(fleet):
    """moveUserInstances of A's instance into B's project: every caller but A's writable key
    is refused, and the instance stays where it was."""
    instance_a = Instance.objects.get(instance_id=fleet.ids["instanceA"])
    instance_b = Instance.objects.get(instance_id=fleet.ids["instanceB"])
    body = {
        "instanceIDs": instance_a.instance_id,
        "ownerProjectID": instance_a.project.project_id,
        "ownerID": instance_a.user.user_id,
        "moverProjectID": instance_b.project.project_id,
        "moverID": instance_b.user.user_id,
    }
    refused = {name: 404 for name in CALLERS if name != "tenantA"}
    refused.update(tenantAReadOnly=403, sharee=403)

    statuses = {
        name: fleet.clients[name].put("/v1/user/projects/move/instances", body).status_code
        for name in refused
    }

    assert statuses == refused
    instance_a.refresh_from_db()
    assert instance_a.project.project_id == body["ownerProjectID"]
