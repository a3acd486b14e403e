"""Step actions: what the scheduler's chains ask and what the driver, the dhcp-agent and the
LiveOS agent run, spelt as upstream's CommandAction names.

The scheduler sends a step to the worker of its action (``DRIVER_ACTIONS`` to the driver,
``DHCP_ACTIONS`` to the dhcp-agent, every other to the LiveOS agent). The LiveOS agent runs
inside the LiveOS with only its own package, so it keeps its own copy of ``AGENT_ACTIONS``
(``bmp_agent.steps.ACTIONS``); services/agent/tests/test_shared_names.py pins the two equal.
"""

from __future__ import annotations

# -- names -----------------------------------------------------------------------------------

# Out of band, through the BMC (the driver).
SET_PXE_BOOT = "SetPXEBoot"
SET_DISK_BOOT = "SetDISKBoot"
POWER_ON = "PowerOn"
POWER_OFF = "PowerOff"
POWER_RESET = "PowerReset"
POWER_CYCLE = "PowerCycle"
POWER_STATUS = "PowerStatus"
CHECK_INIT_CONFIG = "CheckInitConfig"
DRIVER_ACTIONS = frozenset(
    {
        SET_PXE_BOOT,
        SET_DISK_BOOT,
        POWER_ON,
        POWER_OFF,
        POWER_RESET,
        POWER_CYCLE,
        POWER_STATUS,
        CHECK_INIT_CONFIG,
    }
)

# The IDC's DHCP server (the dhcp-agent).
DHCP_ADD_HOST = "DHCPConfigAddHost"
DHCP_DELETE_HOST = "DHCPConfigDelHost"
DHCP_ADD_SUBNET = "DHCPConfigAddSubnet"
DHCP_DELETE_SUBNET = "DHCPConfigDelSubnet"
DHCP_ACTIONS = frozenset({DHCP_ADD_HOST, DHCP_DELETE_HOST, DHCP_ADD_SUBNET, DHCP_DELETE_SUBNET})

# In band, inside the LiveOS (the agent, or the lab's simulated one).
PING = "Ping"
COLLECT_HARDWARE_INFO = "CollectHardwareInfo"
COLLECT_DISK_LOCATIONS = "CollectDiskLocations"
CLEAN_BLOCK_DEVICE = "CleanBlockDevice"
MAKE_RAID = "MakeRaid"
CLEAN_RAID = "CleanRaid"
INIT_NODE = "InitNode"
MAKE_PARTITIONS = "MakePartitions"
FORMAT_PARTITIONS = "FormatPartitions"
MOUNT_PARTITIONS = "MountPartitions"
WRITE_IMAGE_TAR = "WriteImageTar"
WRITE_IMAGE = "WriteImage"
INSTALL_BOOTLOADER = "InstallBootloader"
SET_PASSWORD = "SetPassword"  # noqa: S105 (an action)
SET_HOSTNAME = "SetHostname"
SET_KEYPAIRS = "SetKeypairs"
SET_NETWORK = "SetNetwork"
SET_META_DATA = "SetMetaData"
SET_USER_DATA = "SetUserData"
SET_CLOUDINIT_CONF = "SetCloudinitConf"
# Ours (upstream put its agent in through user data): the in-band monitoring agent into the
# installed system, when the instance was created with installBmpAgent.
INSTALL_MONITOR_AGENT = "InstallMonitorAgent"
AGENT_ACTIONS = frozenset(
    {
        PING,
        COLLECT_HARDWARE_INFO,
        COLLECT_DISK_LOCATIONS,
        CLEAN_BLOCK_DEVICE,
        MAKE_RAID,
        CLEAN_RAID,
        INIT_NODE,
        MAKE_PARTITIONS,
        FORMAT_PARTITIONS,
        MOUNT_PARTITIONS,
        WRITE_IMAGE_TAR,
        WRITE_IMAGE,
        INSTALL_BOOTLOADER,
        SET_PASSWORD,
        SET_HOSTNAME,
        SET_KEYPAIRS,
        SET_NETWORK,
        SET_META_DATA,
        SET_USER_DATA,
        SET_CLOUDINIT_CONF,
        INSTALL_MONITOR_AGENT,
    }
)
