"""Request bodies the catalog's tests start from, and the seeded RAID level ids."""

NO_RAID = "r-qytwf9r5h0yn9x4evjkyr0n1cwyb"
RAID0 = "r-sfykwibcvcyztuez3mk1klyha9nn"
RAID1 = "r-wtzluqacgzzxgunnabdkpnpjew3d"
RAID10 = "r-l6pounvfife0njlinhk6ztf2xyio"
RAID5 = "r-493obv9i0fyubxfgnuatrffj5qy0"

NEW_OS = {
    "osName": "CentOS 7.9 64-bit",
    "osType": "CentOS",
    "osVersion": "7.9",
    "architecture": "x86_64",
    "bits": 64,
    "sysUser": "root",
}

NEW_IMAGE = {
    "imageName": "centos-7.9-base",
    "architecture": "x86_64",
    "osType": "CentOS",
    "Version": "7.9",
    "format": "tar",
    "boot_mode": "UEFI,Legacy/BIOS",
    "filename": "v1.7.0-centos-7.9-2022070716.tar.xz",
    "url": "{host}/v1.7.0-centos-7.9-2022070716.tar.xz",
    "hash": "760711BA6AE6E386D46314CAF775CA14",
    "source": "common",
    "systemPartition": [
        {"format": "xfs", "point": "/", "size": 51200},
        {"format": "swap", "point": "swap", "size": 10240},
    ],
}

SYSTEM_VOLUME = {
    "volumeName": "system",
    "volumeType": "system",
    "diskType": "SSD",
    "interfaceType": "SATA",
    "volumeSize": "480",
    "volumeUnit": "GB",
    "volumeAmount": 2,
    "raidCan": "RAID",
    "raid": f"{RAID1},{RAID0}",
}
DATA_VOLUME = {
    "volumeName": "data1",
    "volumeType": "data",
    "diskType": "HDD",
    "interfaceType": "SAS",
    "volumeSize": "1.92",
    "volumeUnit": "TB",
    "volumeAmount": 4,
    "raidCan": "RAID",
    "raid": RAID5,
}

NEW_DEVICE_TYPE = {
    "name": "标准计算型",
    "deviceType": "cps.c.normal",
    "deviceSeries": "computer",
    "architecture": "x86_64",
    "height": 2,
    "description": "two sockets",
    "cpuSpec": "common",
    "cpuAmount": 2,
    "cpuCores": 20,
    "cpuManufacturer": "Intel",
    "cpuModel": "Xeon Gold 6248",
    "cpuFrequency": "2.5",
    "memSpec": "common",
    "memType": "DDR4",
    "memSize": 32,
    "memAmount": 12,
    "memFrequency": 2933,
    "nicAmount": 2,
    "nicRate": 25,
    "interfaceMode": "bond",
    "volumes": [SYSTEM_VOLUME, DATA_VOLUME],
}


def ok(answer):
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]
