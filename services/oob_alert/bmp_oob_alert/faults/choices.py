"""Constants of the fault log: components, levels, the unreachable-BMC fault."""

# A rule's ``owned`` (upstream's values) -> the component whose health it affects.
COMPONENT_OF_OWNED = {
    "cpu": "cpu",
    "mem": "memory",
    "disk": "disk",
    "nic": "nic",
    "power": "power",
    "other": "other",
}
COMPONENTS = ("cpu", "memory", "disk", "nic", "power", "other")
HEALTH_OK, HEALTH_FAULT = "ok", "fault"
LEVELS = ("Critical", "Warning")

# Not a SEL rule: the poller could not read the BMC N times in a row.
UNREACHABLE = {
    "name": "bmc-unreachable",
    "parts": "BMC",
    "fault_type": "其他故障",
    "level": "Critical",
    "desc": "BMC无法访问(bmc-unreachable)",
    "owned": "other",
}
