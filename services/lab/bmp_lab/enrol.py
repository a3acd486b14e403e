"""Enrol a running lab fleet into a BMP platform through its /v1 API, as an operator would.

    python -m bmp_lab enrol --api http://127.0.0.1:8801 --state-dir var/run/lab [--wait]

Creates (or finds by name) the IDC `lab`, the OS "Lab Linux", the image `lab-linux`, the device
type `lab.vm` with one NO RAID system volume and the image bound to it; imports the fleet's
servers that are not enrolled yet (BMC 127.0.0.1:<port per node>, the lab's user and password),
associates the device type and mounts them (a PutawayDevice job each). Running it again enrols
nothing new. The admin API key is read from a file, never from the command line; the last line
printed is `idc_id=<id>` for scripts.

Standard library only (urllib): it runs wherever the fleet runs.
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bmp_common.messages.jobs import NO_RAID_ID, NO_RAID_NAME
from bmp_lab.fleet import BRIDGE_NETWORK, PASSWORD_FILE, private_ipv4, read_state

KEY_VARIABLE = "BMP_ADMIN_API_KEY"

LAB_OS = {
    "osName": "Lab Linux",
    "osType": "Linux",
    "osVersion": "1.0",
    "architecture": "x86_64",
    "bits": 64,
    "sysUser": "root",
}
LAB_IMAGE = {
    "imageName": "lab-linux",
    "architecture": "x86_64",
    "osType": LAB_OS["osType"],
    "Version": LAB_OS["osVersion"],
    "format": "tar",
    "boot_mode": "UEFI,Legacy/BIOS",
    "filename": "lab-linux.tar.xz",
    "url": "{host}/lab-linux.tar.xz",
    # The simulated agent writes nothing, so any well-formed digest will do: this is MD5("").
    "hash": "d41d8cd98f00b204e9800998ecf8427e",
    "description": "The bmp-lab virtual servers' image (nothing is written).",
    "systemPartition": [
        {"format": "xfs", "point": "/", "size": 51200},
        {"format": "swap", "point": "swap", "size": 4096},
    ],
}
LAB_DEVICE_TYPE = {
    "name": "lab.vm",
    "deviceType": "lab.vm",
    "deviceSeries": "computer",
    "architecture": "x86_64",
    "height": 1,
    "description": "bmp-lab virtual server",
    "cpuSpec": "common",
    "cpuAmount": 2,
    "cpuCores": 16,
    "cpuManufacturer": "Intel",
    "cpuModel": "Xeon Gold 6338",
    "cpuFrequency": "2.0",
    "memSpec": "common",
    "memType": "DDR4",
    "memSize": 32,
    "memAmount": 8,
    "memFrequency": 3200,
    "nicAmount": 2,
    "nicRate": 25,
    "interfaceMode": "bond",
    "boot_mode": "UEFI,Legacy/BIOS",
    "isNeedRaid": "2",
    "volumes": [
        {
            "volumeName": "system",
            "volumeType": "system",
            "diskType": "SSD",
            "interfaceType": "NVME",
            "volumeSize": "960",
            "volumeUnit": "GB",
            "volumeAmount": 1,
            "raidCan": NO_RAID_NAME,
            "raid": NO_RAID_ID,  # lab disks need no controller
        }
    ],
}
IMPORT_BATCH = 1000  # createDevice's maxItems
CHECKING = "putawaying"  # the PutawayDevice job still runs


class EnrolError(Exception):
    """Something the operator must fix; the message says what (and never holds a secret).

    ``status`` is the HTTP status of a refused call (None when the API did not answer).
    """

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Api:
    """A small client of the /v1 API: Bearer key, JSON bodies, the project's envelope."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.timeout = timeout

    def call(self, method: str, path: str, body: dict | None = None, **query) -> dict:
        url = f"{self.base_url}/v1{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http only)
        request.add_header("Authorization", f"Bearer {self._key}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return json.loads(answer.read())["result"]
        except urllib.error.HTTPError as error:
            raise EnrolError(f"{method} /v1{path}: {_error_text(error)}", error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise EnrolError(f"cannot reach the API at {self.base_url}: {reason}") from None

    def get(self, path: str, **query) -> dict:
        return self.call("GET", path, **query)

    def post(self, path: str, body: dict) -> dict:
        return self.call("POST", path, body)

    def put(self, path: str, body: dict | None = None) -> dict:
        return self.call("PUT", path, body if body is not None else {})

    def delete(self, path: str) -> dict:
        return self.call("DELETE", path)


def _error_text(error: urllib.error.HTTPError) -> str:
    raw = error.read()
    try:
        details = json.loads(raw)["error"]
        return f"{details.get('status') or error.code} ({error.code}): {details['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code} {error.reason}: {raw[:200].decode(errors='replace')}"


# -- inputs ----------------------------------------------------------------------------------


def default_key_file() -> Path:
    """Where bmp_bootstrap wrote the admin credentials (the same rule as the bootstrap's)."""
    explicit = os.environ.get("BMP_CREDENTIALS_FILE")
    if explicit:
        return Path(explicit)
    data_dir = os.environ.get("BMP_DATA_DIR") or str(Path.cwd() / "var" / "data")
    return Path(data_dir) / "credentials"


def read_api_key(path: Path) -> str:
    """The key from a credentials file (a BMP_ADMIN_API_KEY= line) or a file holding only it."""
    try:
        lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except OSError as error:
        raise EnrolError(f"cannot read the API key file {path}: {error.strerror}") from None
    for line in lines:
        if line.startswith(f"{KEY_VARIABLE}="):
            return line.split("=", 1)[1].strip().strip("'\"")
    if len(lines) == 1 and "=" not in lines[0]:
        return lines[0]
    raise EnrolError(f"no {KEY_VARIABLE}= line in {path}")


def read_fleet(state_dir: Path) -> tuple[dict, str]:
    """The fleet's state file and its BMC password (from the 0600 file the state names)."""
    try:
        state = read_state(state_dir)
    except FileNotFoundError:
        raise EnrolError(f"no running lab fleet: {state_dir}/lab-state.json is missing") from None
    password_path = Path(state.get("password_file") or state_dir / PASSWORD_FILE)
    try:
        password = password_path.read_text().strip()
    except OSError as error:
        message = f"cannot read the BMC password {password_path}: {error.strerror}"
        raise EnrolError(message) from None
    return state, password


def device_spec(
    node: dict, username: str, password: str, network: ipaddress.IPv4Network = BRIDGE_NETWORK
) -> dict:
    """The createDevice item of one lab server, at the address the fleet gave it (a state file
    of an older fleet names none: the bridge's addressing)."""
    index = node["index"]
    return {
        "sn": node["sn"],
        "cabinet": "lab",
        "uPosition": str(index),
        "mac1": node["mac"],
        "privateIpv4": node.get("private_ipv4") or private_ipv4(network, index),
        "mask": str(network.netmask),
        "gateway": str(network.network_address + 1),
        "iloIp": node["bmc"]["address"],
        "iloPort": node["bmc"]["port"],
        # A server with a Redfish BMC names it (its bmc is then the emulator's TCP port).
        "bmcInterface": node.get("bmc_interface") or "native",
        "iloUser": node["bmc"].get("username") or username,
        "iloPassword": password,
        "brand": "bmp-lab",
        "model": "virtual",
        "architecture": "x86_64",
        "description": "bmp-lab virtual server",
    }


# -- the catalog (found by name, else created) -------------------------------------------------


def ensure_idc(api: Api, name: str) -> tuple[str, bool]:
    found = api.get("/idcs", name=name, isAll=1)["idcs"]
    if found:
        return found[0]["idcId"], False
    body = {"name": name, "nameEn": name, "shortname": name, "level": "T4", "address": "bmp-lab"}
    return api.post("/idcs", body)["idcId"], True


def ensure_os(api: Api) -> tuple[str, bool]:
    found = api.get("/oss", osName=LAB_OS["osName"])["oss"]
    if found:
        return found[0]["osId"], False
    return api.post("/oss", LAB_OS)["osId"], True


def ensure_image(api: Api) -> tuple[str, bool]:
    name = LAB_IMAGE["imageName"]
    images = api.get("/images", imageName=name, isAll=1)["images"]  # a substring match
    for image in images:
        if image["imageName"] == name:
            return image["imageId"], False
    return api.post("/images", LAB_IMAGE)["imageId"], True


def ensure_device_type(api: Api, idc_id: str) -> tuple[str, bool]:
    code = LAB_DEVICE_TYPE["deviceType"]
    found = api.get("/deviceTypes", idcId=idc_id, deviceType=code, isAll=1)["deviceTypes"]
    if found:
        return found[0]["deviceTypeId"], False
    return api.post("/deviceTypes", {**LAB_DEVICE_TYPE, "idcId": idc_id})["deviceTypeId"], True


def ensure_image_bound(api: Api, device_type_id: str, image_id: str) -> bool:
    images = api.get("/images", imageId=image_id, deviceTypeId=device_type_id)["images"]
    if images and images[0]["isBind"]:
        return False
    body = {"deviceTypeId": device_type_id, "imageIds": [image_id]}
    api.post("/deviceTypes/associatedImage", body)
    return True


# -- the devices -----------------------------------------------------------------------------


def idc_devices(api: Api, idc_id: str) -> dict[str, dict]:
    """The IDC's live devices by SN."""
    return {d["sn"]: d for d in api.get("/devices", idcId=idc_id, isAll=1)["devices"]}


def import_devices(api: Api, idc_id: str, specs: list[dict]) -> None:
    for start in range(0, len(specs), IMPORT_BATCH):
        api.post("/devices", {"idcId": idc_id, "devices": specs[start : start + IMPORT_BATCH]})


def wait_put_away(api: Api, idc_id: str, sns: set[str], timeout: float) -> dict[str, dict]:
    """Polls until no device of `sns` is still being put away; returns them by SN."""
    deadline = time.monotonic() + timeout
    while True:
        devices = {sn: d for sn, d in idc_devices(api, idc_id).items() if sn in sns}
        pending = sorted(sn for sn, d in devices.items() if d["manageStatus"] == CHECKING)
        if not pending:
            return devices
        if time.monotonic() >= deadline:
            shown = ", ".join(pending[:5]) + (" ..." if len(pending) > 5 else "")
            raise EnrolError(
                f"{len(pending)} device(s) still being put away after {timeout:.0f} s: {shown} "
                "(are bmp-scheduler, bmp-driver and bmp-dhcp-agent running for this IDC?)"
            )
        time.sleep(1.0)


def enrol(
    api: Api,
    state: dict,
    password: str,
    *,
    idc_name: str = "lab",
    wait: bool = False,
    timeout: float = 300.0,
    say: Callable[[str], None] = print,
) -> dict:
    """Enrols the fleet described by `state`; returns what it did (ids and counts)."""

    def tell(what: str, ident: str, created: bool) -> None:
        say(f"{what}: {'created' if created else 'found'} {ident}")

    idc_id, created = ensure_idc(api, idc_name)
    tell(f"IDC {idc_name}", idc_id, created)
    ca = (state.get("redfish") or {}).get("ca")
    if ca:  # the driver verifies the lab's Redfish BMCs against the lab's CA
        api.put(f"/idcs/{idc_id}", {"bmcCaBundle": Path(ca).read_text()})
        say(f"IDC {idc_name}: trusts the lab's Redfish CA {ca}")
    os_id, created = ensure_os(api)
    tell(f"OS {LAB_OS['osName']}", os_id, created)
    image_id, created = ensure_image(api)
    tell(f"image {LAB_IMAGE['imageName']}", image_id, created)
    device_type_id, created = ensure_device_type(api, idc_id)
    tell(f"device type {LAB_DEVICE_TYPE['deviceType']}", device_type_id, created)
    if ensure_image_bound(api, device_type_id, image_id):
        say(f"image {image_id} bound to device type {device_type_id}")

    nodes = state["nodes"]
    known = idc_devices(api, idc_id)
    network = ipaddress.IPv4Network(state.get("network") or BRIDGE_NETWORK)
    new = [
        device_spec(n, state["username"], password, network) for n in nodes if n["sn"] not in known
    ]
    if new:
        import_devices(api, idc_id, new)
        say(f"imported {len(new)} device(s): {_span([s['sn'] for s in new])}")
        known = idc_devices(api, idc_id)

    mounted: list[str] = []
    for node in nodes:
        device = known[node["sn"]]
        if not device["deviceTypeId"]:
            body = {"deviceId": device["deviceId"], "deviceTypeId": device_type_id}
            api.put("/devices/deviceType/associate", body)
        if device["manageStatus"] == "putawayfail":
            say(f"{device['sn']} failed its put-away checks ({device['reason']}): mounting again")
        if device["manageStatus"] in ("in", "putawayfail"):
            api.put("/devices/mount", {"deviceId": device["deviceId"]})
            mounted.append(device["sn"])
    if mounted:
        say(f"mounted {len(mounted)} device(s) (PutawayDevice jobs): {_span(mounted)}")
    already = len(nodes) - len(mounted)
    say(
        f"{len(nodes)} lab server(s): {len(new)} imported, {len(mounted)} mounted, "
        f"{already} already enrolled"
    )

    report = {
        "idc_id": idc_id,
        "device_type_id": device_type_id,
        "image_id": image_id,
        "imported": [s["sn"] for s in new],
        "mounted": mounted,
    }
    if wait:
        say(f"waiting up to {timeout:.0f} s for the put-away checks ...")
        done = wait_put_away(api, idc_id, {n["sn"] for n in nodes}, timeout)
        failed = sorted(sn for sn, d in done.items() if d["manageStatus"] == "putawayfail")
        report["failed"] = failed
        on_sale = sum(d["manageStatus"] == "putaway" for d in done.values())
        say(f"put away: {on_sale}, failed: {len(failed)}")
        for sn in failed:
            say(f"  {sn}: {done[sn]['reason']} {done[sn].get('reasonName', '')}".rstrip())
    return report


def _span(sns: list[str]) -> str:
    return sns[0] if len(sns) == 1 else f"{sns[0]} .. {sns[-1]}"


def run_enrol(args) -> int:
    """The `python -m bmp_lab enrol` command."""
    try:
        api_key = read_api_key(args.key_file or default_key_file())
        state, password = read_fleet(args.state_dir)
        if not _pid_alive(state.get("pid")):
            print(f"bmp-lab: warning: the fleet's process {state.get('pid')} is not running")
        api = Api(args.api, api_key)
        report = enrol(
            api,
            state,
            password,
            idc_name=args.idc_name,
            wait=args.wait,
            timeout=args.timeout,
        )
    except EnrolError as error:
        print(f"bmp-lab enrol: {error}", file=sys.stderr, flush=True)
        return 1
    print(f"idc_id={report['idc_id']}", flush=True)
    return 1 if report.get("failed") else 0


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True
