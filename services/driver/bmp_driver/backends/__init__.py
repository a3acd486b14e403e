"""BMC backends: how the driver talks to a BMC. ``make_backend`` picks one by name.

``auto`` is not a backend: ``resolve_interface`` probes the BMC once (is there a Redfish
service root?) and names ``redfish`` or ``native``; the answer is remembered for the process
and reported with the step, so the platform keeps it on the device and asks no more.
"""

from __future__ import annotations

import threading

from bmp_common import env
from bmp_driver.backends.base import BmcBackend, BmcCredentials, CallPolicy
from bmp_driver.backends.ipmitool import IpmitoolBackend
from bmp_driver.backends.native import NativeBackend

AUTO = "auto"
REDFISH = "redfish"
BACKENDS: dict[str, type[BmcBackend] | None] = {
    "native": NativeBackend,  # python-ipmi, in-process RMCP+
    "ipmitool": IpmitoolBackend,  # the ipmitool binary, password by environment
    REDFISH: None,  # sushy (the driver extra), imported on first use
}
INTERFACES = (*BACKENDS, AUTO)

_probed: dict[tuple[str, int], str] = {}
_probe_guard = threading.Lock()


def _backend_class(name: str) -> type[BmcBackend]:
    if name == REDFISH and BACKENDS[REDFISH] is None:
        from bmp_driver.backends.redfish import RedfishBackend

        BACKENDS[REDFISH] = RedfishBackend
    return BACKENDS[name]


def make_backend(
    interface: str | None,
    credentials: BmcCredentials,
    policy: CallPolicy | None = None,
    **options,
) -> BmcBackend:
    """The backend named ``interface`` ("native" when empty) for one BMC. ``options`` that
    only Redfish understands (scheme, verify, allow_http, system) are dropped for IPMI."""
    name = interface or "native"
    if name not in BACKENDS:
        raise ValueError(f"unknown BMC interface {interface!r} (use one of {', '.join(BACKENDS)})")
    if name != REDFISH:
        for key in ("scheme", "verify", "allow_http", "system", "timeout"):
            options.pop(key, None)
    return _backend_class(name)(credentials, policy, **options)


def redfish_options(bmc: dict) -> dict:
    """How to reach the Redfish BMC of ``bmc`` (a step's ``params.bmc``, an oob target's):
    https verified against the system's CAs plus the IDC's CA bundle (``ca_bundle``, PEM);
    plain http only when ``scheme`` says http and this process allows it
    (``BMP_DRIVER_REDFISH_ALLOW_HTTP=1``); the system by ``sn``. ValueError if malformed."""
    scheme = bmc.get("scheme") or "https"
    if scheme not in ("https", "http"):
        raise ValueError("params.bmc.scheme must be https or http")
    options: dict = {"scheme": scheme, "system": bmc.get("sn") or None}
    options["allow_http"] = env.env_bool("BMP_DRIVER_REDFISH_ALLOW_HTTP", False)
    ca_bundle = bmc.get("ca_bundle")
    if ca_bundle:
        if not isinstance(ca_bundle, str) or "-----BEGIN CERTIFICATE-----" not in ca_bundle:
            raise ValueError("params.bmc.ca_bundle must be PEM certificates")
        from bmp_driver.backends.redfish import ca_bundle_file

        options["verify"] = ca_bundle_file(ca_bundle)
    return options


def resolve_interface(
    interface: str | None,
    credentials: BmcCredentials,
    *,
    scheme: str = "https",
    verify: bool | str = True,
    allow_http: bool = False,
    timeout: float = 3.0,
) -> str:
    """``interface``, or for ``auto`` what the BMC speaks: ``redfish`` when a Redfish service
    root answers at its address, else ``native`` IPMI. Probed once per BMC and process."""
    if interface != AUTO:
        return interface or "native"
    with _probe_guard:
        known = _probed.get(credentials.key)
    if known:
        return known
    from bmp_driver.backends.redfish import base_url, probe

    try:
        url = base_url(credentials, scheme, allow_http=allow_http)
    except Exception:  # plain http not allowed: not a Redfish BMC we may talk to
        found = "native"
    else:
        found = REDFISH if probe(url, verify=verify, timeout=timeout) else "native"
    with _probe_guard:
        _probed[credentials.key] = found
    return found


def forget_probes() -> None:
    """Tests: probe again."""
    with _probe_guard:
        _probed.clear()
