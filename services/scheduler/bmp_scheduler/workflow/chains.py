"""The chain of steps of each task (upstream section 4.3, adapted), built from a JobSubmit.

One function per task returns ``StepSpec``s in order. Timeouts and policies are upstream's
(section 4.2), multiplied by ``BMP_SCHEDULER_TIMEOUT_SCALE``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from django.conf import settings

from bmp_common.messages import jobs
from bmp_common.messages.jobs import JobSubmit
from bmp_scheduler.workflow import agent_params
from bmp_scheduler.workflow.choices import (
    POLICY_FAIL,
    POLICY_SKIP,
    TARGET_AGENT,
    TARGET_DHCP,
    TARGET_DRIVER,
)

DRIVER_ACTIONS = frozenset(
    {
        "SetPXEBoot",
        "SetDISKBoot",
        "PowerOn",
        "PowerOff",
        "PowerReset",
        "PowerCycle",
        "PowerStatus",
        "CheckInitConfig",
    }
)
DHCP_ACTIONS = frozenset(
    {"DHCPConfigAddHost", "DHCPConfigDelHost", "DHCPConfigAddSubnet", "DHCPConfigDelSubnet"}
)

DEFAULT_TIMEOUT_S = 180.0
# (timeout seconds, policy) where upstream's CommandAction differs from the default.
ACTION_LIMITS: dict[str, tuple[float, str]] = {
    "Ping": (1800.0, POLICY_FAIL),  # 30 min to PXE-boot into the LiveOS
    "WriteImage": (1500.0, POLICY_FAIL),
    "WriteImageTar": (1500.0, POLICY_FAIL),
    "MakePartitions": (1500.0, POLICY_FAIL),
    "CleanBlockDevice": (1500.0, POLICY_FAIL),
    "MakeRaid": (360.0, POLICY_FAIL),
    "CleanRaid": (360.0, POLICY_FAIL),
    "CollectHardwareInfo": (600.0, POLICY_SKIP),
}

NO_RAID_NAMES = frozenset({"NO RAID", "NORAID", ""})


@dataclasses.dataclass(frozen=True)
class StepSpec:
    action: str
    target: str
    params: dict[str, Any]
    timeout_s: float
    policy: str
    skip: bool = False  # created already ``skipped`` (SetPassword without a password)


def target_of(action: str) -> str:
    if action in DRIVER_ACTIONS:
        return TARGET_DRIVER
    if action in DHCP_ACTIONS:
        return TARGET_DHCP
    return TARGET_AGENT


def step(action: str, params: dict[str, Any] | None = None, *, skip: bool = False) -> StepSpec:
    timeout_s, policy = ACTION_LIMITS.get(action, (DEFAULT_TIMEOUT_S, POLICY_FAIL))
    return StepSpec(
        action=action,
        target=target_of(action),
        params=params or {},
        timeout_s=timeout_s * settings.BMP_SCHEDULER_TIMEOUT_SCALE,
        policy=policy,
        skip=skip,
    )


# -- parameters of out-of-band and DHCP steps ----------------------------------------------


def _driver(action: str, node: dict, **extra) -> StepSpec:
    return step(action, {"bmc": node.get("bmc", {}), **extra})


def _dhcp_host(action: str, node: dict) -> StepSpec:
    return step(action, {"ip": node.get("private_ipv4", ""), "mac": node.get("mac1", "")})


def _dhcp_subnet(node: dict) -> StepSpec:
    ip, mask = node.get("private_ipv4", ""), node.get("mask", "")
    try:
        subnet = str(ipaddress.IPv4Network(f"{ip}/{mask}", strict=False).network_address)
    except ValueError:
        subnet = ""  # the dhcp-agent refuses it and the step fails with a readable error
    return step(
        "DHCPConfigAddSubnet",
        {"subnet": subnet, "subnet_mask": mask, "routes": node.get("gateway", "")},
    )


def _into_liveos(node: dict) -> list[StepSpec]:
    """Reserve the address, PXE-boot the server, wait for its agent."""
    return [
        _dhcp_host("DHCPConfigAddHost", node),
        _driver("SetPXEBoot", node),
        step("Ping"),
    ]


def _is_raid(raid_id: str, name: str) -> bool:
    return bool(raid_id) and (name or "").upper() not in NO_RAID_NAMES


def _has_raid(spec: dict) -> bool:
    """A RAID level to build: the system volume's, or one chosen for a data volume."""
    raid = spec.get("raid") or {}
    return _is_raid(raid.get("raid_id", ""), raid.get("name", "")) or any(
        _is_raid(volume.get("raid_id", ""), volume.get("raid_name", ""))
        for volume in spec.get("volume_raids") or []
    )


def _release_target_at_end(steps: list[StepSpec]) -> list[StepSpec]:
    """The last agent step that runs unmounts the installed system when it succeeds, so the
    power cycle that follows finds clean file systems (no journal to replay on first boot)."""
    for at in range(len(steps) - 1, -1, -1):
        if steps[at].target == TARGET_AGENT and not steps[at].skip:
            params = {**steps[at].params, "release_target": True}
            steps[at] = dataclasses.replace(steps[at], params=params)
            break
    return steps


# -- chains ----------------------------------------------------------------------------------


def _install(submit: JobSubmit, *, reinstall: bool) -> list[StepSpec]:
    node, spec = submit.node, submit.spec
    image = spec.get("image") or {}
    steps = _into_liveos(node)
    if reinstall and not spec.get("keep_data"):
        steps.append(step("CleanBlockDevice"))
    if _has_raid(spec):
        steps.append(step("MakeRaid", agent_params.make_raid(spec)))
    steps.append(step("InitNode", agent_params.init_node(spec)))
    if image.get("format") == "qcow2":
        steps.append(step("WriteImage", agent_params.write_image(spec)))
    else:
        steps += [
            step("MakePartitions", agent_params.make_partitions(spec)),
            step("FormatPartitions", agent_params.format_partitions(spec)),
            step("MountPartitions", agent_params.mount_partitions(spec)),
            step("WriteImageTar", agent_params.write_image(spec)),
        ]
    password = spec.get("password_encrypted") or ""
    steps += [
        step("SetPassword", agent_params.set_password(spec), skip=not password),
        step("SetCloudinitConf", agent_params.set_cloudinit_conf(spec)),
        step("SetMetaData", agent_params.set_meta_data(submit)),
        step("SetNetwork", agent_params.set_network(node)),
        step("SetUserData", agent_params.set_user_data(spec)),
        _dhcp_host("DHCPConfigDelHost", node),
        _driver("SetDISKBoot", node),
        _driver("PowerCycle", node),
        _driver("PowerStatus", node),
    ]
    return _release_target_at_end(steps)


def create_chain(submit: JobSubmit) -> list[StepSpec]:
    return _install(submit, reinstall=False)


def reinstall_chain(submit: JobSubmit) -> list[StepSpec]:
    return _install(submit, reinstall=True)


def delete_chain(submit: JobSubmit) -> list[StepSpec]:
    node, spec = submit.node, submit.spec
    steps = [*_into_liveos(node), step("CleanBlockDevice")]
    if _has_raid(spec):
        steps.append(step("CleanRaid", agent_params.clean_raid()))
    return [
        *steps,
        _dhcp_host("DHCPConfigDelHost", node),
        _driver("PowerOff", node),
        _driver("PowerStatus", node),
    ]


def reset_password_chain(submit: JobSubmit) -> list[StepSpec]:
    node, spec = submit.node, submit.spec
    return _release_target_at_end(
        [
            *_into_liveos(node),
            step("InitNode", agent_params.init_node(spec)),
            step("SetPassword", agent_params.set_password(spec)),
            _dhcp_host("DHCPConfigDelHost", node),
            _driver("PowerOff", node),
            _driver("PowerStatus", node),
        ]
    )


def _power_chain(action: str):
    def chain(submit: JobSubmit) -> list[StepSpec]:
        return [_driver(action, submit.node), _driver("PowerStatus", submit.node)]

    chain.__name__ = f"{action.lower()}_chain"
    return chain


def collect_chain(submit: JobSubmit) -> list[StepSpec]:
    node, spec = submit.node, submit.spec
    allow_override = bool(spec.get("allow_override"))
    steps = [_dhcp_subnet(node), *_into_liveos(node)]
    if allow_override:
        steps.append(step("CleanRaid", agent_params.clean_raid()))
    return [
        *steps,
        step("CollectDiskLocations", agent_params.collect_disk_locations(allow_override)),
        step("CollectHardwareInfo"),
        _dhcp_host("DHCPConfigDelHost", node),
        _driver("PowerOff", node),
        _driver("PowerStatus", node),
    ]


def putaway_chain(submit: JobSubmit) -> list[StepSpec]:
    return [
        _dhcp_subnet(submit.node),
        _driver("CheckInitConfig", submit.node, privilege="administrator"),
    ]


CHAINS = {
    jobs.CREATE_INSTANCES: create_chain,
    jobs.REINSTALL_INSTANCE: reinstall_chain,
    jobs.DELETE_INSTANCE: delete_chain,
    jobs.RESET_PASSWORD: reset_password_chain,
    jobs.START_INSTANCES: _power_chain("PowerOn"),
    jobs.STOP_INSTANCES: _power_chain("PowerOff"),
    jobs.RESTART_INSTANCES: _power_chain("PowerCycle"),
    jobs.COLLECT_HARDWARE_INFO: collect_chain,
    jobs.PUTAWAY_DEVICE: putaway_chain,
}


def build_chain(submit: JobSubmit) -> list[StepSpec]:
    return CHAINS[submit.task](submit)
