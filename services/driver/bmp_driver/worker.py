"""The driver's Celery worker: it runs the out-of-band steps of its IDCs and reports every result.

Task ``bmp.driver.run_step(idc_id, message, followed_by?)`` (queue ``driver.<idc_id>``) decodes
a ``StepDispatch`` and the run that follows it (bmp_common.messages.steps), decrypts the BMC
password in memory only, runs each action through the backend named by
``params.bmc.interface``, and sends ``bmp.scheduler.step_result`` with the results, in one
message. One call at a time per BMC (a lock per address and port), at most
``BMP_DRIVER_CONCURRENCY`` steps at once per IDC. A message that cannot be decoded is logged
and dropped: there is no step to answer.

Redelivery (acks_late): a step already finished by this process is answered again from memory
instead of power-cycling the server a second time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

from kombu.exceptions import OperationalError

from bmp_common import env
from bmp_common.celery import make_celery
from bmp_common.messages.steps import (
    DRIVER_RUN_STEP_TASK,
    StepDispatch,
    receive_run,
    send_step_results,
)
from bmp_driver import config
from bmp_driver.actions import Outcome, run_action
from bmp_driver.backends import (
    AUTO,
    INTERFACES,
    REDFISH,
    make_backend,
    redfish_options,
    resolve_interface,
)
from bmp_driver.backends.base import ERROR, BmcCredentials

log = logging.getLogger(__name__)

app = make_celery("driver")

FINISHED_TTL = 600.0  # seconds a finished step is remembered for redeliveries
FINISHED_MAX = 4096

_guard = threading.Lock()
_bmc_locks: dict[tuple[str, int], threading.Lock] = {}
_idc_slots: dict[str, threading.BoundedSemaphore] = {}
_finished: OrderedDict[tuple[int, int], tuple[float, Outcome]] = OrderedDict()


class BadStep(ValueError):
    """The step cannot be run as sent (its params); answered with a failed result."""


def ensure_settings() -> None:
    """Django settings for ``bmp_common.crypto`` when no Django project is loaded (the worker)."""
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure(BMP_ENCRYPTION_KEY=env.env_str("BMP_ENCRYPTION_KEY", required=True))


def bmc_from_params(params: dict) -> tuple[str, BmcCredentials]:
    """The backend name and the credentials (password decrypted) of ``params["bmc"]``."""
    from bmp_common.crypto import SecretDecryptionError, decrypt_secret

    bmc = params.get("bmc")
    if not isinstance(bmc, dict):
        raise BadStep("params.bmc is missing (address, port, username, password_encrypted)")
    address, port, username = bmc.get("address"), bmc.get("port", 623), bmc.get("username")
    interface = bmc.get("interface") or "native"
    if not isinstance(address, str) or not address:
        raise BadStep("params.bmc.address must be the BMC's IP address")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise BadStep("params.bmc.port must be a UDP port number")
    if not isinstance(username, str) or not username:
        raise BadStep("params.bmc.username must be the BMC user name")
    if interface not in INTERFACES:
        raise BadStep(f"params.bmc.interface must be one of {', '.join(INTERFACES)}")
    encrypted = bmc.get("password_encrypted")
    if not isinstance(encrypted, str) or not encrypted:
        raise BadStep("params.bmc.password_encrypted is missing")
    ensure_settings()
    try:
        password = decrypt_secret(encrypted)
    except SecretDecryptionError:
        raise BadStep(
            "the BMC password cannot be decrypted with this driver's BMP_ENCRYPTION_KEY"
        ) from None
    return interface, BmcCredentials(address, port, username, password)


@contextlib.contextmanager
def bmc_turn(key: tuple[str, int], idc_id: str) -> Iterator[None]:
    """Wait for this BMC to be free, then for a free slot of the IDC."""
    with _guard:
        lock = _bmc_locks.setdefault(key, threading.Lock())
        slots = _idc_slots.setdefault(idc_id, threading.BoundedSemaphore(config.concurrency()))
    with lock, slots:
        yield


def _recall(step: tuple[int, int]) -> Outcome | None:
    now = time.monotonic()
    with _guard:
        while _finished and next(iter(_finished.values()))[0] < now - FINISHED_TTL:
            _finished.popitem(last=False)
        found = _finished.get(step)
    return found[1] if found else None


def _remember(step: tuple[int, int], outcome: Outcome) -> None:
    with _guard:
        _finished[step] = (time.monotonic(), outcome)
        _finished.move_to_end(step)
        while len(_finished) > FINISHED_MAX:
            _finished.popitem(last=False)


def execute(idc_id: str, dispatch: StepDispatch) -> Outcome:
    """The outcome of one dispatched step; unexpected errors become a failed outcome too."""
    if dispatch.idc_id != idc_id:
        return Outcome.failed(
            ERROR,
            f"step {dispatch.step_id} is for IDC {dispatch.idc_id!r} but reached the driver of "
            f"IDC {idc_id!r}",
        )
    step = (dispatch.step_id, dispatch.attempt)
    try:
        interface, credentials = bmc_from_params(dispatch.params)
        options = {}
        if interface in (REDFISH, AUTO):
            try:
                options = redfish_options(dispatch.params["bmc"])
            except ValueError as exc:
                raise BadStep(str(exc)) from None
        with bmc_turn(credentials.key, idc_id):
            earlier = _recall(step)
            if earlier is not None:
                log.info("step %s attempt %s ran already here: answering again", *step)
                return earlier
            used = resolve_interface(
                interface,
                credentials,
                **{k: v for k, v in options.items() if k in ("scheme", "verify", "allow_http")},
            )
            backend = make_backend(used, credentials, **options)
            with backend.held_session():
                outcome = run_action(backend, dispatch.action, dispatch.params)
            # For the job's timeline (the scheduler takes them out of the step's result).
            outcome.data["bmc_calls"] = backend.calls
            if interface == AUTO:  # the platform keeps the answer on the device
                outcome.data["bmc_interface"] = used
        _remember(step, outcome)
        return outcome
    except BadStep as exc:
        return Outcome.failed(ERROR, f"{dispatch.action} failed: {exc}")
    except Exception:
        log.exception("driver step %s (%s) failed unexpectedly", dispatch.step_id, dispatch.action)
        return Outcome.failed(ERROR, f"the driver failed to run {dispatch.action} (see its log)")


@app.task(
    name=DRIVER_RUN_STEP_TASK,
    # Only the report can fail on the broker; the re-run answers from memory (see _recall).
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def run_step(idc_id=None, message=None, followed_by=None, **unexpected) -> None:
    run = receive_run(idc_id, message, followed_by, unexpected, worker="driver", log=log)
    answered = []
    for dispatch in run:
        outcome = _run_one(idc_id, dispatch)
        answered.append((dispatch, outcome))
        if outcome.error:
            break  # the rest of the run has not begun for the scheduler: it dispatches again
    if answered:
        send_step_results(app, answered)


def _run_one(idc_id: str, dispatch: StepDispatch) -> Outcome:
    started = time.monotonic()
    outcome = execute(idc_id, dispatch)
    took = time.monotonic() - started
    step = (dispatch.step_id, dispatch.attempt, dispatch.action)
    if outcome.error:
        log.warning(
            "driver step %s attempt %s %s failed (%s, %.1f s): %s",
            *step,
            outcome.error,
            took,
            outcome.data.get("message"),
        )
    else:
        shown = {key: value for key, value in outcome.data.items() if key != "bmc_calls"}
        log.info("driver step %s attempt %s %s: ok %s (%.1f s)", *step, shown, took)
    return outcome
