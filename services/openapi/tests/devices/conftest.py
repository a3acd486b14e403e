"""What the device tests share: an IDC, device types, and a valid device spec per number."""

import pytest

from bmp_common.ids import new_id
from bmp_openapi.catalog.models import DeviceType, Raid, Volume, VolumeRaid
from bmp_openapi.idcs.models import Idc


def spec(number: int, **changes) -> dict:
    """A valid createDevice item, unique per ``number`` (0..39999)."""
    high, low = divmod(number, 200)
    return {
        "sn": f"SN{number:06d}",
        "cabinet": f"A{high:02d}",
        "uPosition": str(low % 42 + 1),
        "mac1": f"0c:42:a1:{high:02x}:{low:02x}:01",
        "mac2": f"0c:42:a1:{high:02x}:{low:02x}:02",
        "privateIpv4": f"10.0.{high + 1}.{low + 10}",
        "mask": "255.255.0.0",
        "gateway": "10.0.0.1",
        "iloIp": f"10.1.{high + 1}.{low + 10}",
        "iloUser": "root",
        "iloPassword": f"Bmc-Pass-{number}",
        **changes,
    }


def create_idc(api, name="北京一区", name_en="beijing-1") -> str:
    answer = api.post("/v1/idcs", {"name": name, "nameEn": name_en, "level": "T4"}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]["idcId"]


def import_devices(api, idc_id: str, devices: list[dict], **headers):
    return api.post("/v1/devices", {"idcId": idc_id, "devices": devices}, format="json", **headers)


@pytest.fixture
def idc_id(admin_api) -> str:
    return create_idc(admin_api)


@pytest.fixture
def make_device_type(db):
    def make(idc_id: str, name: str = "c.normal", **changes) -> DeviceType:
        fields = {
            "device_type_id": new_id("dt"),
            "idc": Idc.objects.get(idc_id=idc_id),
            "name": name,
            "device_type": f"cps.{name}",
            "device_series": "computer",
            "architecture": "x86_64",
            "height": 2,
            "cpu_spec": "common",
            "cpu_amount": 2,
            "cpu_cores": 16,
            "cpu_manufacturer": "Intel",
            "cpu_model": "6338",
            "cpu_frequency": "2.0",
            "mem_spec": "common",
            "mem_type": "DDR4",
            "mem_size": 32,
            "mem_amount": 16,
            "mem_frequency": 3200,
            "nic_amount": 2,
            "nic_rate": 25,
            "interface_mode": "bond",
            "boot_mode": "UEFI",
            **changes,
        }
        return DeviceType.objects.create(**fields)

    return make


@pytest.fixture
def make_volume(db):
    def make(device_type, name="system", raids=("RAID1",), **changes) -> Volume:
        fields = {
            "volume_id": new_id("vl"),
            "device_type": device_type,
            "volume_name": name,
            "volume_type": "system",
            "disk_type": "SSD",
            "interface_type": "SATA",
            "volume_size": "480",
            "volume_unit": "GB",
            "volume_amount": 2,
            "raid_can": "RAID",
            **changes,
        }
        volume = Volume.objects.create(**fields)
        for raid_name in raids:
            raid = Raid.objects.filter(name=raid_name).first() or Raid.objects.create(
                raid_id=new_id("r"), name=raid_name
            )
            VolumeRaid.objects.create(volume=volume, device_type=device_type, raid=raid)
        return volume

    return make
