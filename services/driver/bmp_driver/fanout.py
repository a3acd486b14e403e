"""Many BMCs at once: the power state of a whole rack or IDC from a thread pool.

Each BMC gets its own RMCP+ session (python-ipmi releases the GIL while it waits on the
socket), so the wall time is about ``len(bmcs) / concurrency`` round trips, not the sum.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bmp_driver.backends import make_backend
from bmp_driver.backends.base import BmcCredentials, CallPolicy, DriverError


def power_status_many(
    credentials_list: list[BmcCredentials],
    concurrency: int = 64,
    *,
    interface: str = "native",
    policy: CallPolicy | None = None,
) -> list[str | DriverError]:
    """The power state ("on"/"off") of each BMC, in order; a ``DriverError`` where it failed."""

    def one(credentials: BmcCredentials) -> str | DriverError:
        try:
            return make_backend(interface, credentials, policy).power_status()
        except DriverError as exc:
            return exc

    if not credentials_list:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(credentials_list)))) as pool:
        return list(pool.map(one, credentials_list))
