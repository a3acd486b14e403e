"""Many BMCs at once: the power state of a whole rack or IDC.

Native IPMI runs every session on one thread and one socket (``backends.rmcpplus``): a session
is a state machine driven by the replies, so a thousand BMCs cost what their crypto costs, not
a thread each blocked on every round trip. Other interfaces (ipmitool, Redfish) run one backend
call per BMC on a thread pool, so the wall time is about ``len(bmcs) / concurrency`` calls.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bmp_driver.backends import make_backend, rmcpplus
from bmp_driver.backends.base import BmcCredentials, CallPolicy, DriverError

# Sessions in flight at once on the native path, at most: fewer when the socket's receive
# buffer cannot hold that many replies (see backends.rmcpplus).
NATIVE_CONCURRENCY = 1024


def power_status_many(
    credentials_list: list[BmcCredentials],
    concurrency: int = 64,
    *,
    interface: str = "native",
    policy: CallPolicy | None = None,
) -> list[str | DriverError]:
    """The power state ("on"/"off") of each BMC, in order; a ``DriverError`` where it failed.
    ``concurrency``: threads for ipmitool and Redfish; native IPMI keeps up to
    ``NATIVE_CONCURRENCY`` sessions open at once instead."""
    if not credentials_list:
        return []
    if (interface or "native") == "native":
        return rmcpplus.power_status_many(credentials_list, NATIVE_CONCURRENCY, policy=policy)

    def one(credentials: BmcCredentials) -> str | DriverError:
        try:
            return make_backend(interface, credentials, policy).power_status()
        except DriverError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(credentials_list)))) as pool:
        return list(pool.map(one, credentials_list))
