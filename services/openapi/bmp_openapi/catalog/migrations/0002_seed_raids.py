"""Seed the RAID levels with upstream's ids: clients, saved requests and the portals use them.

Upstream's soft-deleted RAID51H is not seeded. Operating systems and images are not seeded
either: upstream's presets point at files on JD's servers, so operators register their own.
"""

from django.db import migrations

from bmp_common.messages.jobs import NO_RAID_ID, NO_RAID_NAME

RAIDS = [
    (
        NO_RAID_ID,
        NO_RAID_NAME,
        "Every physical disk is presented as a logical disk of its own: no striping, no "
        "redundancy.",
        "每块物理磁盘单独呈现为一个逻辑盘：不分条，不提供数据冗余。",
    ),
    (
        "r-sfykwibcvcyztuez3mk1klyha9nn",
        "RAID0",
        "Data is striped across the disks and read and written in parallel: the fastest level, "
        "with no redundancy. At least 2 disks.",
        "数据分条分布在多块磁盘上并行读写：速度最快，但没有冗余。至少 2 块盘。",
    ),
    (
        "r-wtzluqacgzzxgunnabdkpnpjew3d",
        "RAID1",
        "Mirroring: every block is written to two disks, so half the capacity is usable and a "
        "disk may fail without data loss. At least 2 disks.",
        "镜像：每个数据块写入两块磁盘，可用容量减半，坏一块盘不丢数据。至少 2 块盘。",
    ),
    (
        "r-l6pounvfife0njlinhk6ztf2xyio",
        "RAID10",
        "A stripe (RAID0) of mirrors (RAID1): fast and redundant, half the capacity usable. "
        "At least 4 disks.",
        "由镜像（RAID1）组成的分条（RAID0）：既快又有冗余，可用容量减半。至少 4 块盘。",
    ),
    (
        "r-493obv9i0fyubxfgnuatrffj5qy0",
        "RAID5",
        "Striping with distributed parity: one disk's capacity holds parity, and any one disk "
        "may fail without data loss. At least 3 disks.",
        "带分布式校验的分条：一块盘的容量用于校验，任意一块盘损坏不丢数据。至少 3 块盘。",
    ),
]


def seed_raids(apps, schema_editor):
    Raid = apps.get_model("catalog", "Raid")
    for raid_id, name, description_en, description_zh in RAIDS:
        Raid.all_objects.update_or_create(
            raid_id=raid_id,
            defaults={
                "name": name,
                "description_en": description_en,
                "description_zh": description_zh,
                "created_by": "system",
                "updated_by": "system",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed_raids, migrations.RunPython.noop)]
