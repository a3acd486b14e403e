"""The chain of steps of each task (upstream section 4.3, adapted), built from a JobSubmit.

One function per task returns ``StepSpec``s in order. Timeouts and policies are upstream's
(section 4.2), multiplied by ``BMP_SCHEDULER_TIMEOUT_SCALE``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from django.conf import settings

from bmp_common.messages import actions, jobs
from bmp_common.messages.actions import DHCP_ACTIONS, DRIVER_ACTIONS
from bmp_common.messages.jobs import NO_RAID_NAMES, JobSubmit
from bmp_scheduler.workflow import agent_params
from bmp_scheduler.workflow.choices import (
    POLICY_FAIL,
    POLICY_SKIP,
    TARGET_AGENT,
    TARGET_DHCP,
    TARGET_DRIVER,
)

DEFAULT_TIMEOUT_S = 180.0
# (timeout seconds, policy) where upstream's CommandAction differs from the default.
ACTION_LIMITS: dict[str, tuple[float, str]] = {
    actions.PING: (1800.0, POLICY_FAIL),  # 30 min to PXE-boot into the LiveOS
    actions.WRITE_IMAGE: (1500.0, POLICY_FAIL),
    actions.WRITE_IMAGE_TAR: (1500.0, POLICY_FAIL),
    actions.MAKE_PARTITIONS: (1500.0, POLICY_FAIL),
    actions.CLEAN_BLOCK_DEVICE: (1500.0, POLICY_FAIL),
    actions.MAKE_RAID: (360.0, POLICY_FAIL),
    actions.CLEAN_RAID: (360.0, POLICY_FAIL),
    actions.COLLECT_HARDWARE_INFO: (600.0, POLICY_SKIP),
    # The monitoring agent is an extra: a system it cannot go into (no python3, the bundle
    # unreachable) is still installed, and the step's error says why it has no agent.
    actions.INSTALL_MONITOR_AGENT: (300.0, POLICY_SKIP),
}


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
        actions.DHCP_ADD_SUBNET,
        {"subnet": subnet, "subnet_mask": mask, "routes": node.get("gateway", "")},
    )


def _into_liveos(node: dict) -> list[StepSpec]:
    """Reserve the address, PXE-boot the server, wait for its agent."""
    return [
        _dhcp_host(actions.DHCP_ADD_HOST, node),
        _driver(actions.SET_PXE_BOOT, node),
        step(actions.PING),
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
        steps.append(step(actions.CLEAN_BLOCK_DEVICE))
    if _has_raid(spec) or agent_params.data_volumes(spec):
        # also for data volumes of no RAID: the agent finds their disks, so that the system
        # (InitNode's root disk) never goes on one of them
        steps.append(step(actions.MAKE_RAID, agent_params.make_raid(spec)))
    steps.append(step(actions.INIT_NODE, agent_params.init_node(spec)))
    if image.get("format") == "qcow2":
        steps.append(step(actions.WRITE_IMAGE, agent_params.write_image(spec)))
    else:
        steps += [
            step(actions.MAKE_PARTITIONS, agent_params.make_partitions(spec)),
            step(actions.FORMAT_PARTITIONS, agent_params.format_partitions(spec)),
            step(actions.MOUNT_PARTITIONS, agent_params.mount_partitions(spec)),
            step(actions.WRITE_IMAGE_TAR, agent_params.write_image(spec)),
        ]
    password = spec.get("password_encrypted") or ""
    steps += [
        step(actions.SET_PASSWORD, agent_params.set_password(spec), skip=not password),
        step(actions.SET_CLOUDINIT_CONF, agent_params.set_cloudinit_conf(spec)),
        step(actions.SET_META_DATA, agent_params.set_meta_data(submit)),
    ]
    if spec.get("install_bmp_agent"):
        # Not the last agent step: that one releases the target, which a skipped failure of
        # this one would not.
        steps.append(step(actions.INSTALL_MONITOR_AGENT, agent_params.install_monitor_agent(spec)))
    steps += [
        step(actions.SET_NETWORK, agent_params.set_network(node)),
        step(actions.SET_USER_DATA, agent_params.set_user_data(spec)),
        _dhcp_host(actions.DHCP_DELETE_HOST, node),
        _driver(actions.SET_DISK_BOOT, node),
        _driver(actions.POWER_CYCLE, node),
        _driver(actions.POWER_STATUS, node),
    ]
    return _release_target_at_end(steps)


def create_chain(submit: JobSubmit) -> list[StepSpec]:
    return _install(submit, reinstall=False)


def reinstall_chain(submit: JobSubmit) -> list[StepSpec]:
    return _install(submit, reinstall=True)


def delete_chain(submit: JobSubmit) -> list[StepSpec]:
    node, spec = submit.node, submit.spec
    steps = [*_into_liveos(node), step(actions.CLEAN_BLOCK_DEVICE)]
    if _has_raid(spec):
        steps.append(step(actions.CLEAN_RAID, agent_params.clean_raid()))
    return [
        *steps,
        _dhcp_host(actions.DHCP_DELETE_HOST, node),
        _driver(actions.POWER_OFF, node),
        _driver(actions.POWER_STATUS, node),
    ]


def reset_password_chain(submit: JobSubmit) -> list[StepSpec]:
    node, spec = submit.node, submit.spec
    return _release_target_at_end(
        [
            *_into_liveos(node),
            step(actions.INIT_NODE, agent_params.init_node(spec)),
            step(actions.SET_PASSWORD, agent_params.set_password(spec)),
            _dhcp_host(actions.DHCP_DELETE_HOST, node),
            _driver(actions.POWER_OFF, node),
            _driver(actions.POWER_STATUS, node),
        ]
    )


def _power_chain(action: str):
    def chain(submit: JobSubmit) -> list[StepSpec]:
        return [_driver(action, submit.node), _driver(actions.POWER_STATUS, submit.node)]

    chain.__name__ = f"{action.lower()}_chain"
    return chain


def collect_chain(submit: JobSubmit) -> list[StepSpec]:
    node, spec = submit.node, submit.spec
    allow_override = bool(spec.get("allow_override"))
    steps = [_dhcp_subnet(node), *_into_liveos(node)]
    if allow_override:
        steps.append(step(actions.CLEAN_RAID, agent_params.clean_raid()))
    return [
        *steps,
        step(actions.COLLECT_DISK_LOCATIONS, agent_params.collect_disk_locations(allow_override)),
        step(actions.COLLECT_HARDWARE_INFO),
        _dhcp_host(actions.DHCP_DELETE_HOST, node),
        _driver(actions.POWER_OFF, node),
        _driver(actions.POWER_STATUS, node),
    ]


def putaway_chain(submit: JobSubmit) -> list[StepSpec]:
    return [
        _dhcp_subnet(submit.node),
        _driver(actions.CHECK_INIT_CONFIG, submit.node, privilege="administrator"),
    ]


CHAINS = {
    jobs.CREATE_INSTANCES: create_chain,
    jobs.REINSTALL_INSTANCE: reinstall_chain,
    jobs.DELETE_INSTANCE: delete_chain,
    jobs.RESET_PASSWORD: reset_password_chain,
    jobs.START_INSTANCES: _power_chain(actions.POWER_ON),
    jobs.STOP_INSTANCES: _power_chain(actions.POWER_OFF),
    jobs.RESTART_INSTANCES: _power_chain(actions.POWER_CYCLE),
    jobs.COLLECT_HARDWARE_INFO: collect_chain,
    jobs.PUTAWAY_DEVICE: putaway_chain,
}


def build_chain(submit: JobSubmit) -> list[StepSpec]:
    return CHAINS[submit.task](submit)
