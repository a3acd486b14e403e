"""Writes of device types. A device type belongs to an IDC; its name and its spec code
(``deviceType``) are unique among the IDC's live device types."""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.unset import UNSET, Unset, assign_given
from bmp_openapi.catalog.error_codes import (
    ARCHITECTURE_MISMATCH,
    BOND_NEEDS_TWO_NICS,
    DEVICE_TYPE_CODE_TAKEN,
    DEVICE_TYPE_IN_USE,
    DEVICE_TYPE_NAME_TAKEN,
    GPU_ALL_OR_NONE,
    IDC_NOT_FOUND,
)
from bmp_openapi.catalog.fields import canonical_boot_mode
from bmp_openapi.catalog.models import DeviceType, DeviceTypeImage, DeviceTypeImagePartition
from bmp_openapi.catalog.services.common import in_use_error
from bmp_openapi.catalog.services.volumes import checked_volumes, create_volumes
from bmp_openapi.core import events
from bmp_openapi.idcs.models import Idc


def default_boot_mode(architecture: str) -> str:
    """Upstream's default: x86_64 machines boot Legacy/BIOS, the others UEFI."""
    return "Legacy/BIOS" if architecture == "x86_64" else "UEFI"


def in_use(device_type: DeviceType):
    """The label of the first thing still using ``device_type``, or None."""
    return events.first_answer(events.device_type_in_use, DeviceType, device_type=device_type)


def _refuse_if_in_use(device_type: DeviceType) -> None:
    label = in_use(device_type)
    if label is not None:
        raise in_use_error(DEVICE_TYPE_IN_USE, label, device_type_id=device_type.device_type_id)


def _locked_idc(idc_id: str) -> Idc:
    """The IDC, locked: deleting it waits for this transaction (and sees the device type)."""
    idc = Idc.objects.select_for_update().filter(idc_id=idc_id).first()
    if idc is None:
        raise BmpError(IDC_NOT_FOUND, idc_id=idc_id)
    return idc


def _check_combinations(device_type: DeviceType) -> None:
    if device_type.interface_mode == "bond" and device_type.nic_amount != 2:
        raise BmpError(BOND_NEEDS_TWO_NICS)
    gpu = (
        device_type.gpu_amount > 0,
        bool(device_type.gpu_manufacturer),
        bool(device_type.gpu_model),
    )
    if any(gpu) and not all(gpu):
        raise BmpError(GPU_ALL_OR_NONE)


def _check_unique(device_type: DeviceType) -> None:
    live = DeviceType.objects.filter(idc=device_type.idc).exclude(pk=device_type.pk)
    idc_id = device_type.idc.idc_id
    if live.filter(name=device_type.name).exists():
        raise BmpError(DEVICE_TYPE_NAME_TAKEN, idc_id=idc_id, name=device_type.name)
    if live.filter(device_type=device_type.device_type).exists():
        raise BmpError(DEVICE_TYPE_CODE_TAKEN, idc_id=idc_id, device_type=device_type.device_type)


def _save(device_type: DeviceType, **kwargs) -> None:
    _check_unique(device_type)
    with unique_or_conflict(
        DEVICE_TYPE_NAME_TAKEN, idc_id=device_type.idc.idc_id, name=device_type.name
    ):
        device_type.save(**kwargs)


def _check_bound_images(device_type: DeviceType) -> None:
    links = DeviceTypeImage.objects.filter(device_type=device_type).select_related("image__os")
    for link in links:
        if link.image.os.architecture != device_type.architecture:
            raise BmpError(
                ARCHITECTURE_MISMATCH,
                image_id=link.image.image_id,
                image_architecture=link.image.os.architecture,
                device_type_id=device_type.device_type_id,
                architecture=device_type.architecture,
            )


@transaction.atomic(durable=True)
def device_type_create(
    *,
    idc_id: str,
    name: str,
    spec_code: str,
    device_series: str,
    architecture: str,
    height: int,
    cpu_spec: str,
    cpu_amount: int,
    cpu_cores: int,
    cpu_manufacturer: str,
    cpu_model: str,
    cpu_frequency: str,
    mem_spec: str,
    mem_type: str,
    mem_size: int,
    mem_amount: int,
    mem_frequency: int,
    nic_amount: int,
    nic_rate: int,
    interface_mode: str,
    description: str = "",
    gpu_amount: int = 0,
    gpu_manufacturer: str = "",
    gpu_model: str = "",
    is_need_raid: str = "1",
    boot_mode: str = "",
    volumes: list[dict],
    actor,
) -> DeviceType:
    """``spec_code`` is upstream's ``deviceType``; ``boot_mode`` "" is the architecture's
    default; ``volumes`` are the request's volume objects."""
    device_type = DeviceType(
        device_type_id=new_id("dt"),
        idc=_locked_idc(idc_id),
        name=name,
        device_type=spec_code,
        device_series=device_series,
        architecture=architecture,
        height=height,
        description=description,
        cpu_spec=cpu_spec,
        cpu_amount=cpu_amount,
        cpu_cores=cpu_cores,
        cpu_manufacturer=cpu_manufacturer,
        cpu_model=cpu_model,
        cpu_frequency=cpu_frequency,
        mem_spec=mem_spec,
        mem_type=mem_type,
        mem_size=mem_size,
        mem_amount=mem_amount,
        mem_frequency=mem_frequency,
        nic_amount=nic_amount,
        nic_rate=nic_rate,
        interface_mode=interface_mode,
        gpu_amount=gpu_amount,
        gpu_manufacturer=gpu_manufacturer,
        gpu_model=gpu_model,
        is_need_raid=is_need_raid,
        boot_mode=canonical_boot_mode(boot_mode or default_boot_mode(architecture)),
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _check_combinations(device_type)
    checked = checked_volumes(volumes)
    _save(device_type)
    create_volumes(device_type, checked, actor)
    return device_type


@transaction.atomic(durable=True)
def device_type_modify(
    *,
    device_type: DeviceType,
    idc_id: str | Unset = UNSET,
    name: str | Unset = UNSET,
    spec_code: str | Unset = UNSET,
    device_series: str | Unset = UNSET,
    architecture: str | Unset = UNSET,
    height: int | Unset = UNSET,
    description: str | Unset = UNSET,
    cpu_spec: str | Unset = UNSET,
    cpu_amount: int | Unset = UNSET,
    cpu_cores: int | Unset = UNSET,
    cpu_manufacturer: str | Unset = UNSET,
    cpu_model: str | Unset = UNSET,
    cpu_frequency: str | Unset = UNSET,
    mem_spec: str | Unset = UNSET,
    mem_type: str | Unset = UNSET,
    mem_size: int | Unset = UNSET,
    mem_amount: int | Unset = UNSET,
    mem_frequency: int | Unset = UNSET,
    nic_amount: int | Unset = UNSET,
    nic_rate: int | Unset = UNSET,
    interface_mode: str | Unset = UNSET,
    gpu_amount: int | Unset = UNSET,
    gpu_manufacturer: str | Unset = UNSET,
    gpu_model: str | Unset = UNSET,
    is_need_raid: str | Unset = UNSET,
    boot_mode: str | Unset = UNSET,
    volumes: list[dict] | Unset = UNSET,
    actor,
) -> DeviceType:
    """Changes what is given; new ``volumes`` replace the old ones."""
    locked = DeviceType.objects.select_for_update().select_related("idc").get(pk=device_type.pk)
    changed = assign_given(
        locked,
        name=name,
        device_type=spec_code,
        device_series=device_series,
        architecture=architecture,
        height=height,
        description=description,
        cpu_spec=cpu_spec,
        cpu_amount=cpu_amount,
        cpu_cores=cpu_cores,
        cpu_manufacturer=cpu_manufacturer,
        cpu_model=cpu_model,
        cpu_frequency=cpu_frequency,
        mem_spec=mem_spec,
        mem_type=mem_type,
        mem_size=mem_size,
        mem_amount=mem_amount,
        mem_frequency=mem_frequency,
        nic_amount=nic_amount,
        nic_rate=nic_rate,
        interface_mode=interface_mode,
        gpu_amount=gpu_amount,
        gpu_manufacturer=gpu_manufacturer,
        gpu_model=gpu_model,
        is_need_raid=is_need_raid,
        boot_mode=boot_mode if boot_mode is UNSET else canonical_boot_mode(boot_mode),
    )
    moves = idc_id is not UNSET and idc_id != locked.idc.idc_id
    if moves or volumes is not UNSET:
        _refuse_if_in_use(locked)
    if moves:
        locked.idc = _locked_idc(idc_id)
        changed.append("idc")
    _check_combinations(locked)
    if architecture is not UNSET:
        _check_bound_images(locked)
    checked = None if volumes is UNSET else checked_volumes(volumes)
    locked.updated_by = actor.user_name
    _save(locked, update_fields=[*changed, "updated_by", "updated_at"])
    if checked is not None:
        locked.volumes.all().delete()
        create_volumes(locked, checked, actor)
    if boot_mode is not UNSET:
        DeviceTypeImagePartition.objects.filter(device_type=locked).update(
            boot_mode=locked.boot_mode
        )
    return locked


@transaction.atomic(durable=True)
def device_type_delete(*, device_type: DeviceType, actor) -> None:
    locked = DeviceType.objects.select_for_update().get(pk=device_type.pk)
    _refuse_if_in_use(locked)
    DeviceTypeImagePartition.objects.filter(device_type=locked).delete()
    DeviceTypeImage.objects.filter(device_type=locked).delete()
    locked.mark_deleted(actor=actor.user_name)
