"""What the device-type and image forms offer (upstream's ``/filterList`` and ``/oss/filter``):
CPU and memory presets, architectures with their labels, boot modes, RAID rules. The values are
those openapi's contract accepts; the labels are what the forms show."""

from __future__ import annotations

from functools import lru_cache

from bmp_common.contract import contract_for
from bmp_common.i18n import ZH_CN
from bmp_common.messages.jobs import NO_RAID_NAME

# (manufacturer, model, sockets, cores per socket, GHz): upstream's preset list.
CPUS = (
    ("Intel", "E5-2620V4", 2, 8, "2.1"),
    ("Intel", "E5-2650V4", 2, 12, "2.2"),
    ("Intel", "E5-2683V4", 2, 16, "2.1"),
    ("Intel", "Silver 4116", 2, 12, "2.1"),
    ("Intel", "Silver 4210", 2, 10, "2.2"),
    ("Intel", "Gold 5218", 2, 16, "2.3"),
    ("Intel", "Gold 6146", 2, 12, "3.2"),
    ("Intel", "Gold 6148", 2, 20, "2.4"),
    ("Intel", "GOLD 6267", 2, 24, "2.6"),
    ("Intel", "Platinum 8338", 2, 32, "2.6"),
    ("AMD", "EPYC-7H12", 2, 64, "2.6"),
    ("AMD", "EPYC-7642", 2, 48, "2.3"),
    ("Ampere®", "Altra® Q80-30", 2, 80, "3.0"),
    ("Kunpeng", "920-7260", 2, 64, "2.60"),
)
# (total GB, GB per module, modules, type, MHz): upstream's preset list.
MEMORIES = (
    (128, 16, 8, "DDR3", 1600),
    (192, 16, 12, "DDR4", 2400),
    (256, 32, 8, "DDR4", 2666),
    (384, 32, 12, "DDR4", 2933),
    (512, 32, 16, "DDR4", 2933),
    (768, 64, 12, "DDR4", 3200),
    (1024, 64, 16, "DDR4", 3200),
)
ARCHITECTURE_LABELS = {
    "x86_64": "x86_64",
    "aarch64": "ARM64(aarch64)",
    "loongarch64": "LoongArch™",
}
# A volume's RAID choice (``raidCan``) → the RAID levels it offers, by name.
RAID_RULES = {
    NO_RAID_NAME: (NO_RAID_NAME,),
    "RAID": ("RAID0", "RAID1", "RAID5", "RAID10"),
    "单盘RAID0": ("RAID0",),
}
RAID_RULE_LABELS_EN = {"单盘RAID0": "RAID0-stripping"}


@lru_cache(maxsize=1)
def _definitions() -> dict:
    return contract_for("operation")["definitions"]


def enum_of(definition: str, field: str) -> list[str]:
    return list(_definitions()[definition]["properties"][field]["enum"])


def cpu_presets(language: str) -> list[dict]:
    cores = "物理核" if language == ZH_CN else "cores"
    return [
        {
            "value": number,
            "label": f"{maker} {model}({amount}*{per}{cores},{ghz}GHz)",
            "info": {
                "cpuManufacturer": maker,
                "cpuModel": model,
                "cpuAmount": amount,
                "cpuCores": per,
                "cpuFrequency": ghz,
            },
        }
        for number, (maker, model, amount, per, ghz) in enumerate(CPUS, start=1)
    ]


def memory_presets() -> list[dict]:
    return [
        {
            "value": number,
            "label": f"{total}GB({size}GB*{amount}){kind} {mhz}MHz",
            "info": {"memType": kind, "memFrequency": mhz, "memSize": size, "memAmount": amount},
        }
        for number, (total, size, amount, kind, mhz) in enumerate(MEMORIES, start=1)
    ]


def raid_rules(raids: list[dict], language: str) -> dict:
    """``raidCan`` → {label: {level: raidId}}, with the RAID ids openapi knows."""
    ids = {raid["name"].upper(): raid["raidId"] for raid in raids}
    rules = {}
    for rule, levels in RAID_RULES.items():
        label = rule if language == ZH_CN else RAID_RULE_LABELS_EN.get(rule, rule)
        rules[rule] = {
            "label": label,
            "raids": {level: ids[level] for level in levels if level in ids},
        }
    return rules


def architectures() -> dict[str, str]:
    return {value: ARCHITECTURE_LABELS.get(value, value) for value in enum_of("Os", "architecture")}
