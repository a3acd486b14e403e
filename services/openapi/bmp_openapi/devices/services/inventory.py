"""Import, edit and delete devices. BMC passwords are encrypted before they reach the model."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bmp_common.crypto import encrypt_secret
from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.unset import UNSET, Unset, given
from bmp_openapi.devices import states
from bmp_openapi.devices.choices import DEFAULT_BMC_PORT
from bmp_openapi.devices.error_codes import DUPLICATE_IN_REQUEST, DUPLICATE_LIVE, DUPLICATE_RACE
from bmp_openapi.devices.models import Device, DeviceVolumeDisk, Disk, Interface
from bmp_openapi.devices.network import check_addressing
from bmp_openapi.devices.services.bmc import (
    CREDENTIAL_FIELDS,
    INTERFACE_FIELDS,
    credential_columns_reset,
)
from bmp_openapi.devices.services.lifecycle import device_check, device_lock, device_transition
from bmp_openapi.idcs.error_codes import IDC_NOT_FOUND
from bmp_openapi.idcs.models import Idc
from bmp_openapi.oob.services import health_forget

# API field -> column, for the plain fields of import and modify.
PLAIN_FIELDS = {
    "sn": "sn",
    "cabinet": "cabinet",
    "uPosition": "u_position",
    "brand": "brand",
    "model": "model",
    "architecture": "architecture",
    "description": "description",
    "iloIp": "ilo_ip",
    "iloPort": "ilo_port",
    "bmcInterface": "bmc_interface",
    "iloUser": "ilo_user",
    "mac1": "mac1",
    "mac2": "mac2",
    "privateIpv4": "private_ipv4",
    "privateIpv6": "private_ipv6",
    "mask": "mask",
    "gateway": "gateway",
}
SECRET_FIELDS = {"iloPassword": "ilo_password_encrypted"}
# API field -> the keyword argument of device_modify.
API_COLUMNS = {**PLAIN_FIELDS, "iloPassword": "ilo_password"}
ADDRESSING = ("privateIpv4", "mask", "gateway", "mac1", "mac2")

# Identities no two live devices share: (API fields, whether per IDC). Fields of one entry share
# a namespace: a MAC is taken whether it is some device's first or second NIC.
IDENTITIES = (
    (("sn",), False),
    (("mac1", "mac2"), True),
    (("privateIpv4",), True),
    (("privateIpv6",), True),
)
CHUNK = 500  # values per IN (...): far below every database's limit on parameters


def _check_unique_in_request(devices: list[dict]) -> None:
    for fields, _ in IDENTITIES:
        first_seen: dict[str, str] = {}
        for index, spec in enumerate(devices):
            for field in fields:
                value = spec.get(field)
                if not value:
                    continue
                where = f"devices[{index}].{field}"
                if value in first_seen:
                    raise BmpError(
                        DUPLICATE_IN_REQUEST, field=where, value=value, first=first_seen[value]
                    )
                first_seen[value] = where


def _bmc_address(spec: dict) -> str:
    if not spec.get("iloIp"):
        return ""
    return f"{spec['iloIp']}:{spec.get('iloPort') or DEFAULT_BMC_PORT}"


def _check_bmc_addresses(idc: Idc, devices: list[dict], *, prefix, exclude_pk=None) -> None:
    """A BMC address (IP and port) is one device's, in the request and among the live devices."""
    first_seen: dict[str, str] = {}
    for index, spec in enumerate(devices):
        address = _bmc_address(spec)
        if not address:
            continue
        where = prefix(index) + "iloIp"
        if address in first_seen:
            raise BmpError(
                DUPLICATE_IN_REQUEST, field=where, value=address, first=first_seen[address]
            )
        first_seen[address] = where
    ips = sorted({spec["iloIp"] for spec in devices if spec.get("iloIp")})
    owners: dict[str, str] = {}
    for start in range(0, len(ips), CHUNK):
        rows = Device.objects.filter(idc=idc, ilo_ip__in=ips[start : start + CHUNK])
        if exclude_pk is not None:
            rows = rows.exclude(pk=exclude_pk)
        for row in rows.values("ilo_ip", "ilo_port", "device_id"):
            owners[f"{row['ilo_ip']}:{row['ilo_port']}"] = row["device_id"]
    for address, where in first_seen.items():
        if address in owners:
            raise BmpError(DUPLICATE_LIVE, field=where, value=address, device_id=owners[address])


def _check_unique_live(idc: Idc, devices: list[dict], *, prefix, exclude_pk=None) -> None:
    """409 naming the first field whose value a live device (other than ``exclude_pk``) has."""
    for fields, per_idc in IDENTITIES:
        columns = [PLAIN_FIELDS[field] for field in fields]
        values = sorted({spec[f] for spec in devices for f in fields if spec.get(f)})
        owners: dict[str, str] = {}
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            query = Q()
            for column in columns:
                query |= Q(**{f"{column}__in": chunk})
            rows = Device.objects.filter(query)
            if per_idc:
                rows = rows.filter(idc=idc)
            if exclude_pk is not None:
                rows = rows.exclude(pk=exclude_pk)
            for row in rows.values(*columns, "device_id"):
                for column in columns:
                    owners.setdefault(row[column], row["device_id"])
        if not owners:
            continue
        for index, spec in enumerate(devices):
            for field in fields:
                value = spec.get(field)
                if value and value in owners:
                    raise BmpError(
                        DUPLICATE_LIVE,
                        field=prefix(index) + field,
                        value=value,
                        device_id=owners[value],
                    )


def _columns(data: dict) -> dict:
    """The columns ``data`` (API names) sets, the secrets encrypted."""
    columns = {column: data[field] for field, column in PLAIN_FIELDS.items() if field in data}
    for field, column in SECRET_FIELDS.items():
        if field in data:
            columns[column] = encrypt_secret(data[field]) if data[field] else ""
    return columns


@transaction.atomic(durable=True)
def device_import(*, idc_id: str, devices: list[dict], actor) -> list[Device]:
    """Imports a batch into an IDC, all or nothing: every device is checked before any is
    written. The devices are stocked (``in``), not collected, with no device type."""
    # The IDC's row lock serialises imports and edits of one IDC (and its deletion), so the
    # uniqueness checks below are not raced; the unique constraints back them anyway.
    idc = Idc.objects.select_for_update().filter(idc_id=idc_id).first()
    if idc is None:
        raise BmpError(IDC_NOT_FOUND, idc_id=idc_id)
    for index, spec in enumerate(devices):
        check_addressing(spec, prefix=f"devices[{index}].")
    _check_unique_in_request(devices)
    _check_unique_live(idc, devices, prefix=lambda index: f"devices[{index}].")
    _check_bmc_addresses(idc, devices, prefix=lambda index: f"devices[{index}].")
    rows = [
        Device(
            device_id=new_id("d"),
            idc=idc,
            created_by=actor.user_name,
            updated_by=actor.user_name,
            **_columns(spec),
        )
        for spec in devices
    ]
    with unique_or_conflict(DUPLICATE_RACE):
        Device.objects.bulk_create(rows, batch_size=CHUNK)
    if any(row.pk is None for row in rows):  # a database that returns no ids from an insert
        ids = dict(
            Device.objects.filter(idc=idc, device_id__in=[r.device_id for r in rows]).values_list(
                "device_id", "pk"
            )
        )
        for row in rows:
            row.pk = ids[row.device_id]
    return rows


def _current(device: Device) -> dict:
    return {field: getattr(device, column) for field, column in PLAIN_FIELDS.items()}


@transaction.atomic(durable=True)
def device_modify(
    *,
    device_id: str,
    cabinet: str | Unset = UNSET,
    u_position: str | Unset = UNSET,
    brand: str | Unset = UNSET,
    model: str | Unset = UNSET,
    architecture: str | Unset = UNSET,
    description: str | Unset = UNSET,
    ilo_ip: str | Unset = UNSET,
    ilo_port: int | Unset = UNSET,
    bmc_interface: str | Unset = UNSET,
    ilo_user: str | Unset = UNSET,
    ilo_password: str | Unset = UNSET,
    mac1: str | Unset = UNSET,
    mac2: str | Unset = UNSET,
    private_ipv4: str | Unset = UNSET,
    private_ipv6: str | Unset = UNSET,
    mask: str | Unset = UNSET,
    gateway: str | Unset = UNSET,
    actor,
) -> Device:
    """Changes what an operator knows of a device; refused once it is sold (``created``). The
    SN and the IDC are for good."""
    changes = given(
        cabinet=cabinet,
        u_position=u_position,
        brand=brand,
        model=model,
        architecture=architecture,
        description=description,
        ilo_ip=ilo_ip,
        ilo_port=ilo_port,
        bmc_interface=bmc_interface,
        ilo_user=ilo_user,
        ilo_password=ilo_password,
        mac1=mac1,
        mac2=mac2,
        private_ipv4=private_ipv4,
        private_ipv6=private_ipv6,
        mask=mask,
        gateway=gateway,
    )
    # The request's view of the change: an import's checks apply, naming its fields.
    spec = {field: changes[name] for field, name in API_COLUMNS.items() if name in changes}
    device = device_lock(device_id=device_id)
    device_check(device, states.MODIFY)
    idc = Idc.objects.select_for_update().get(pk=device.idc_id)  # see device_import
    if any(field in spec for field in ADDRESSING):
        check_addressing({**_current(device), **spec})
    _check_unique_live(idc, [spec], prefix=lambda _: "", exclude_pk=device.pk)
    if "iloIp" in spec or "iloPort" in spec:
        merged = {**_current(device), **spec}
        _check_bmc_addresses(idc, [merged], prefix=lambda _: "", exclude_pk=device.pk)
    columns = _columns(spec)
    if any(field in spec for field in CREDENTIAL_FIELDS):
        columns.update(credential_columns_reset())
    if any(field in spec for field in INTERFACE_FIELDS):
        columns["bmc_interface_detected"] = ""  # another BMC, or another choice: probe again
    with unique_or_conflict(DUPLICATE_RACE):
        device_transition(
            device=device, action=states.MODIFY, actor_name=actor.user_name, **columns
        )
    return device


@transaction.atomic(durable=True)
def device_delete(*, device_id: str, actor) -> None:
    """Soft-deletes a device that is stocked, failed to mount, or removed; with its disks,
    NICs and disk links."""
    device = device_lock(device_id=device_id)
    device_transition(device=device, action=states.DELETE, actor_name=actor.user_name)
    now = timezone.now()
    DeviceVolumeDisk.objects.filter(device=device).delete()
    for model in (Disk, Interface):
        model.objects.filter(device=device).update(
            delete_marker=F("pk"), deleted_at=now, updated_by=actor.user_name
        )
    device.mark_deleted(actor=actor.user_name)
    health_forget(device_id=device.device_id)
