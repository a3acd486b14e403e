"""Every action the agent knows: name -> function(params, context) -> data (or StepError)."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable

from bmp_agent import target
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps import (
    bootloader,
    data_volumes,
    disks,
    guest,
    image,
    inventory,
    monitor,
    partitions,
    raid,
)

log = logging.getLogger(__name__)

Step = Callable[[dict, StepContext], dict]

ACTIONS: dict[str, Step] = {
    "Ping": inventory.ping,
    "CollectHardwareInfo": inventory.collect_hardware_info,
    "CollectDiskLocations": inventory.collect_disk_locations,
    "CleanBlockDevice": disks.clean_block_device,
    "MakeRaid": data_volumes.make_raid,  # the data volumes, then the system's raid.make_raid
    "CleanRaid": lambda params, ctx: raid.clean_raid(params, ctx),
    "InitNode": disks.init_node,
    "MakePartitions": data_volumes.make_partitions,  # partitions.make_partitions, then data
    "FormatPartitions": partitions.format_partitions,
    "MountPartitions": partitions.mount_partitions,
    "WriteImageTar": image.write_image_tar,
    "WriteImage": image.write_image,
    "InstallBootloader": bootloader.install_bootloader,
    "SetPassword": guest.set_password,
    "SetHostname": guest.set_hostname,
    "SetKeypairs": guest.set_keypairs,
    "SetNetwork": guest.set_network,
    "SetMetaData": guest.set_meta_data,
    "SetUserData": guest.set_user_data,
    "SetCloudinitConf": guest.set_cloudinit_conf,
    "InstallMonitorAgent": monitor.install_monitor_agent,
}


def run_step(action: str, params: dict, ctx: StepContext) -> tuple[str, dict, str | None]:
    """(status, data, error code) of one step; a failure's ``data`` carries its message."""
    step = ACTIONS.get(action)
    if step is None:
        return "failed", {"message": f"this agent does not know {action}"}, "UNKNOWN_ACTION"
    ctx.progress.clear()
    try:
        data = step(params, ctx)
        if params.get("release_target"):  # the chain's last agent step: a power cycle follows
            data = {**data, "released": target.release(ctx)}
        status, error = "ok", None
    except StepError as exc:
        log.warning("%s failed: %s %s", action, exc.code, exc.message)
        data, status, error = {"message": exc.message, **exc.details}, "failed", exc.code
    except Exception as exc:  # a bug or an unexpected system state: report, keep running
        log.error("%s crashed:\n%s", action, traceback.format_exc())
        data, status, error = {"message": f"{type(exc).__name__}: {exc}"}, "failed", "AGENT_ERROR"
    os.sync()  # the platform may power-cycle the server as soon as it has the result
    return status, data, error
