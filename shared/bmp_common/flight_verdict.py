"""The flight recorder's verdict: the likely cause of a failed or stalled job, from its timeline.

Rules, first match wins, each reading only the timeline (``bmp_common.flight`` entries, oldest
first) and the job's status: the BMC's answers first (nothing after them can be right when the
BMC refused the login), then the boot chain after the last PXE boot the BMC carried out — DHCP,
boot files, the agent — and last the step that failed. A job that succeeded has no verdict; a
running job has one only when it stalls at a boot stage for longer than ``stall_s``.
"""

from __future__ import annotations

import dataclasses

from bmp_common import flight
from bmp_common.messages.actions import PING, SET_PXE_BOOT
from bmp_common.messages.steps import USER_PRIVILEGE_ERROR, USERNAME_OR_PASSWORD_ERROR

# Upstream's driver status codes.
BMC_AUTH = USERNAME_OR_PASSWORD_ERROR
BMC_PRIVILEGE = USER_PRIVILEGE_ERROR
BMC_UNREACHABLE = "PING_ILOIP_ERROR"
PXE_STEP = SET_PXE_BOOT
WAIT_FOR_AGENT = PING
AGENT_SILENT = "AGENT_SILENT"
TIMEOUT = "TIMEOUT"
DHCP_ANSWERS = ("OFFER", "ACK")
REFUSED = (400, 403, 404, 405, "error")  # a file's status that is not a fetch

DEFAULT_STALL_S = 180.0
FINAL_STATUSES = ("failed", "cancelled")


@dataclasses.dataclass(frozen=True)
class Verdict:
    code: str
    message: str
    at: float | None = None  # the entry the verdict rests on, if one

    def to_wire(self) -> dict:
        return {"code": self.code, "message": self.message}


def _of(entries: list[dict], *kinds: str) -> list[dict]:
    return [item for item in entries if item.get("kind") in kinds]


def _detail(item: dict) -> dict:
    detail = item.get("detail")
    return detail if isinstance(detail, dict) else {}


def classify(
    entries: list[dict],
    *,
    status: str,
    now: float,
    stall_s: float = DEFAULT_STALL_S,
) -> Verdict | None:
    """The likely cause, or None (succeeded, running normally, or nothing recognisable)."""
    if status == "succeeded":
        return None
    failed = status in FINAL_STATUSES
    found = _bmc_verdict(entries, failed)
    if found is None:
        found = _boot_verdict(entries, failed=failed, now=now, stall_s=stall_s)
    if found is None and failed:
        found = _step_verdict(entries)
    return found


def _bmc_verdict(entries: list[dict], failed: bool) -> Verdict | None:
    calls = _of(entries, flight.BMC_CALL)
    refused = [c for c in calls if _detail(c).get("result") in (BMC_AUTH, BMC_PRIVILEGE)]
    if refused:
        detail = _detail(refused[-1])
        if detail.get("result") == BMC_AUTH:
            return Verdict(
                "bmc_auth",
                "BMC refused the password: correct the device's BMC user and password "
                "(not retried, to spare the account a lockout)",
                refused[-1]["time"],
            )
        return Verdict(
            "bmc_privilege",
            "BMC user lacks the privilege for "
            f"{detail.get('call') or 'this call'}: it needs an administrator (or operator) user",
            refused[-1]["time"],
        )
    if failed and calls and _detail(calls[-1]).get("result") == BMC_UNREACHABLE:
        return Verdict(
            "bmc_unreachable",
            "BMC did not answer: its address, the management network or the BMC itself "
            "(hung: a BMC cold reset helps)",
            calls[-1]["time"],
        )
    return None


def _last_pxe_boot(entries: list[dict]) -> float | None:
    """When the last SetPXEBoot that the BMC carried out (boot device PXE, power cycled or on)
    began: the server may boot, and ask for its files, before the step's result is recorded."""
    done = [
        item
        for item in _of(entries, flight.STEP_END)
        if _detail(item).get("action") == PXE_STEP and _detail(item).get("result") == "ok"
    ]
    if not done:
        return None
    begun = [
        item
        for item in _of(entries, flight.STEP_BEGIN)
        if _detail(item).get("action") == PXE_STEP and item["time"] <= done[-1]["time"]
    ]
    return begun[-1]["time"] if begun else done[-1]["time"]


def _boot_verdict(entries: list[dict], *, failed: bool, now: float, stall_s: float):
    pxe_at = _last_pxe_boot(entries)
    if pxe_at is None:
        return None
    after = [item for item in entries if item["time"] >= pxe_at]
    packets = _of(after, flight.DHCP_PACKET)
    files = _of(after, flight.FILE_FETCHED)
    heartbeats = [
        item for item in _of(entries, flight.HEARTBEATS) if _detail(item).get("last", 0) >= pxe_at
    ]
    # An agent step's end is a sign of the agent unless the scheduler ended it for want of one.
    agent_ended = [
        item
        for item in _of(after, flight.STEP_END)
        if _detail(item).get("target") == "agent" and _detail(item).get("error") != TIMEOUT
    ]
    if heartbeats or agent_ended:
        return _agent_verdict(after, failed)
    # The boot chain stopped before the agent: the stage it stopped at names the cause, once
    # the job failed (Ping timed out) or the stage has lasted longer than stall_s.
    waited = now - pxe_at
    if not failed and waited < stall_s:
        return None
    seconds = f"{waited:.0f} s" if not failed else f"{_ended_at(entries, now) - pxe_at:.0f} s"
    answered = [p for p in packets if _detail(p).get("type") in DHCP_ANSWERS]
    fetched_ok = [f for f in files if _detail(f).get("status") not in REFUSED]
    if fetched_ok:
        return Verdict(
            "no_heartbeat",
            f"boot files fetched ({_names(fetched_ok)}), no heartbeat in {seconds}: "
            "LiveOS kernel or initrd does not boot on this hardware, or the LiveOS cannot "
            "reach the gateway",
            fetched_ok[-1]["time"],
        )
    if files:
        return Verdict(
            "boot_file_refused",
            f"the server asked for boot files ({_names(files)}) and was refused: "
            "a missing file, or a request from an address other than its reservation",
            files[-1]["time"],
        )
    if answered:
        return Verdict(
            "no_tftp",
            f"DHCP answered, no TFTP request in {seconds}: next-server unreachable or firewall",
            answered[-1]["time"],
        )
    if packets:
        return Verdict(
            "dhcp_unanswered",
            f"DHCP {_detail(packets[-1]).get('type', 'DISCOVER')} from this MAC got no answer: "
            "no reservation for it (DHCP host missing) or another DHCP server on the segment",
            packets[-1]["time"],
        )
    return Verdict(
        "no_dhcp",
        f"PXE set and power cycled, no DHCP DISCOVER from this MAC in {seconds}: "
        "boot order, VLAN or relay",
        pxe_at,
    )


def _agent_verdict(after: list[dict], failed: bool) -> Verdict | None:
    if not failed:
        return None
    ends = _of(after, flight.STEP_END)
    failure = next((e for e in reversed(ends) if _detail(e).get("result") != "ok"), None)
    if failure is None:
        return None
    detail = _detail(failure)
    if detail.get("error") == AGENT_SILENT:
        return Verdict(
            "agent_silent",
            f"the agent stopped calling during {detail.get('action')}: the LiveOS crashed, "
            "rebooted or lost its network",
            failure["time"],
        )
    if detail.get("target") == "agent":
        return Verdict(
            "agent_step_failed",
            f"{detail.get('action')} failed on the server: "
            f"{detail.get('message') or detail.get('error')}",
            failure["time"],
        )
    return None


def _step_verdict(entries: list[dict]) -> Verdict | None:
    ends = _of(entries, flight.STEP_END)
    failure = next((e for e in reversed(ends) if _detail(e).get("result") != "ok"), None)
    if failure is None:
        return None
    detail = _detail(failure)
    if detail.get("error") == TIMEOUT:
        return Verdict(
            "step_timeout",
            f"{detail.get('action')} got no result within its timeout "
            f"({detail.get('target')} not answering)",
            failure["time"],
        )
    return Verdict(
        "step_failed",
        f"{detail.get('action')} failed: {detail.get('message') or detail.get('error')}",
        failure["time"],
    )


def _ended_at(entries: list[dict], now: float) -> float:
    ended = _of(entries, flight.JOB_ENDED)
    return ended[-1]["time"] if ended else now


def _names(files: list[dict]) -> str:
    names = list(dict.fromkeys(str(_detail(f).get("file", "?")) for f in files))
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
