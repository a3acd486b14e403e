"""One poll of an IDC: every device's SEL (after its cursor) and, once, its FRU.

- The devices and their BMC credentials come from openapi (``describeOobTargets``, the
  ``system`` key), the password Fernet-encrypted as the scheduler hands it to the driver; it
  is decrypted here, in memory, and goes to the BMC through the driver's backends (native
  RMCP+, or ipmitool with the password in its environment): never argv, never a shell.
- The cursors come from oob-alert, which keeps them in its database and moves each in the same
  transaction as the faults its records make, refusing a report read from a stale cursor: a
  restarted agent neither repeats nor skips records. The agent keeps nothing.
- One BMC session per device per poll (the native backend's ``held_session``); at most
  ``concurrency`` devices at once. A poll whose SEL has not grown and was not cleared since
  the cursor (Get SEL Info's last-add and last-erase times, and its record count: the times
  are whole seconds, and a record logged in the second of the last one read moves only the
  count) reads no record.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import urllib3

from bmp_common import flight
from bmp_common.contract.client import KeyFile, OpenapiClient
from bmp_common.sel import event_text
from bmp_driver.backends import (
    AUTO,
    REDFISH,
    make_backend,
    redfish_options,
    resolve_interface,
)
from bmp_driver.backends.base import BmcCredentials, CallPolicy, DriverError

log = logging.getLogger(__name__)

NEW_CURSOR = {"baselined": False, "after": None, "last_add": 0, "last_erase": 0, "entries": 0}
REPORT_BATCH = 200
TARGET_FACTS = (
    "deviceId",
    "sn",
    "idcId",
    "idcName",
    "brand",
    "model",
    "manageStatus",
    "iloIp",
    "instanceId",
    "userId",
)


class AlertUnavailable(Exception):
    pass


class AlertClient:
    """oob-alert's agent routes, with the system key."""

    def __init__(self, base_url: str, *, key_file, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.key = KeyFile(key_file)
        self.http = urllib3.PoolManager(
            maxsize=4, retries=False, timeout=urllib3.Timeout(connect=3.0, read=timeout)
        )

    def _call(self, method: str, path: str, body=None) -> dict:
        headers = {"Authorization": f"Bearer {self.key.token()}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            answer = self.http.request(method, self.base_url + path, body=payload, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            raise AlertUnavailable(f"oob-alert unreachable: {type(exc).__name__}") from None
        if answer.status != 200:
            raise AlertUnavailable(f"oob-alert answered {answer.status}: {answer.data[:200]!r}")
        return json.loads(answer.data)["result"]

    def cursors(self, idc_id: str) -> dict:
        return self._call("GET", f"/v1/oob-alert/agent/cursors?idc_id={idc_id}")["cursors"]

    def roster(self, idc_id: str, device_ids: list[str]) -> int:
        body = {"idc_id": idc_id, "device_ids": device_ids}
        return self._call("POST", "/v1/oob-alert/agent/roster", body)["removed"]

    def report(self, reports: list[dict]) -> dict:
        return self._call("POST", "/v1/oob-alert/agent/reports", {"reports": reports})


@dataclass
class PollStats:
    devices: int = 0
    reachable: int = 0
    unreachable: int = 0
    records: int = 0  # SEL records read from the BMCs
    applied: dict = field(default_factory=dict)
    seconds: float = 0.0


def _to_flight_recorder(sn: str, events: list) -> None:
    """New SEL records for the timeline of the job that may be running on the server (by SN:
    the oob agent knows no job); not the baseline read, which is history."""
    if sn and events:
        flight.record_node(
            (
                f"sn:{sn}",
                flight.entry(
                    flight.SEL,
                    flight.SEL_RECORD,
                    {
                        "recordId": event.record_id,
                        "sensor": event.sensor_name or f"0x{event.sensor_number:02x}",
                        "sensorType": event.sensor_type,
                        "event": event_text(
                            event.sensor_type, event.event_type, event.event_data[0] & 0x0F
                        ),
                    },
                ),
            )
            for event in events[-32:]
        )


def poll_device(
    target: dict, state: dict | None, *, policy: CallPolicy, decrypt
) -> tuple[dict, int]:
    """One device: (its report for oob-alert, how many records were read)."""
    state = state or {}
    cursor = dict(state.get("cursor") or NEW_CURSOR)
    report = {"target": {key: target.get(key, "") for key in TARGET_FACTS}, "cursor": cursor}
    bmc = target["bmc"]
    read_count = 0
    try:
        password = decrypt(bmc["password_encrypted"]) if bmc.get("password_encrypted") else ""
        credentials = BmcCredentials(bmc["address"], int(bmc["port"]), bmc["username"], password)
        interface, options = bmc.get("interface") or "native", {}
        if interface in (REDFISH, AUTO):
            options = redfish_options(bmc)  # the system by SN, the IDC's CA bundle
            interface = resolve_interface(
                interface,
                credentials,
                **{k: v for k, v in options.items() if k in ("scheme", "verify", "allow_http")},
            )
        backend = make_backend(interface, credentials, policy, **options)
        with backend.held_session():
            info = backend.sel_info()
            # The count too: an event logged in the second of the last one read leaves
            # last_add as it was (SEL times are whole seconds).
            unchanged = cursor["baselined"] and (info.last_add, info.last_erase, info.entries) == (
                cursor["last_add"],
                cursor["last_erase"],
                cursor.get("entries", 0),
            )
            events, found = [], True
            if not unchanged:
                cleared = cursor["baselined"] and info.last_erase != cursor["last_erase"]
                after = None if cleared or not cursor["baselined"] else cursor["after"]
                read = backend.sel_read(after)
                events, found = read.events, read.found or cleared
                read_count = len(events)
                if not cursor["baselined"]:
                    events = events[-1:]  # the baseline: only where the log ends matters
            fru = None
            if not state.get("fru_known"):
                try:
                    fru = backend.fru_inventory().to_wire()
                except DriverError as exc:
                    log.info("FRU of %s not read: %s", target["sn"], exc)
        _to_flight_recorder(target.get("sn", ""), events if cursor["baselined"] else [])
        report.update(
            ok=True,
            sel_info={
                "entries": info.entries,
                "last_add": info.last_add,
                "last_erase": info.last_erase,
            },
            events=[event.to_wire() for event in events],
            found=found,
            fru=fru,
        )
    except DriverError as exc:
        report.update(ok=False, error=f"{exc.code}: {exc}")
    except Exception as exc:  # a bad target must not stop the IDC's poll
        log.warning("poll of %s failed: %s", target.get("sn"), type(exc).__name__)
        report.update(ok=False, error=f"ERROR: {type(exc).__name__}")
    return report, read_count


def poll_idc(
    idc_id: str,
    *,
    openapi: OpenapiClient,
    alert: AlertClient,
    decrypt,
    concurrency: int = 64,
    policy: CallPolicy | None = None,
) -> PollStats:
    started = time.monotonic()
    policy = policy or CallPolicy(timeout=2.0, attempts=2, backoff=0.2, deadline=10.0)
    targets = openapi.call("describeOobTargets", query={"idcId": idc_id})["targets"]
    alert.roster(idc_id, [target["deviceId"] for target in targets])
    states = alert.cursors(idc_id)
    stats = PollStats(devices=len(targets))
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = list(
            pool.map(
                lambda t: poll_device(t, states.get(t["deviceId"]), policy=policy, decrypt=decrypt),
                targets,
            )
        )
    reports = [report for report, _ in results]
    stats.records = sum(count for _, count in results)
    stats.reachable = sum(1 for report in reports if report["ok"])
    stats.unreachable = stats.devices - stats.reachable
    for start in range(0, len(reports), REPORT_BATCH):
        applied = alert.report(reports[start : start + REPORT_BATCH])
        for key, value in applied.items():
            stats.applied[key] = stats.applied.get(key, 0) + value
    stats.seconds = time.monotonic() - started
    return stats
