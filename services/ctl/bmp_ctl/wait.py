"""``--wait``: follow the job an instance action started until it ends, its steps as a progress bar.

openapi shows a running job on the instance itself (``describeProjectInstance``): ``jobStatus``
is set while a job runs for it (queued, submitted, running) and empty once it has ended;
``progress`` is the step running now (``{"action", "step", "steps", "attempt", "bytes",
"total"}``, the scheduler's live view); at the end ``status`` is what the platform observed and
``reason`` (``reasonName``, and ``reasonMessage`` for staff) says why a job failed. A deleted
instance answers 404. So the instance is polled, on both profiles, and nothing else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bmp_common.contract.client import OpenapiError

DESCRIBE = "describeProjectInstance"
# The actions that start a job, and where the instances they act on are named.
PATH_ID, BODY_IDS, RESULT_IDS = "path", "body", "result"
WAITABLE = {
    "createProjectInstance": RESULT_IDS,
    "startProjectInstance": PATH_ID,
    "stopProjectInstance": PATH_ID,
    "restartProjectInstance": PATH_ID,
    "reinstallProjectInstance": PATH_ID,
    "resetProjectInstancePasswd": PATH_ID,
    "deleteProjectInstance": PATH_ID,
    "startInstances": BODY_IDS,
    "stopInstances": BODY_IDS,
    "restartInstances": BODY_IDS,
    "resetProjectInstancesPasswd": BODY_IDS,
    "deleteInstances": BODY_IDS,
}
ID_FIELDS = ("instanceIds", "instance_ids")
BAR_WIDTH = 24
DESTROYED = "destroyed"

# Exit codes of a wait.
OK, FAILED, TIMED_OUT = 0, 1, 4


def instance_ids(operation_id: str, path: dict, body: dict | None, result) -> list[str]:
    where = WAITABLE[operation_id]
    if where == PATH_ID:
        return [path["instance_id"]]
    source = body if where == BODY_IDS else result
    for name in ID_FIELDS:
        if isinstance(source, dict) and isinstance(source.get(name), list):
            return [str(value) for value in source[name]]
    return []


@dataclass
class Watch:
    instance_id: str
    shown: tuple = ()
    progress: dict = field(default_factory=dict)
    status: str = ""
    job_status: str = ""
    ended: bool = False
    outcome: int = OK
    line: str = ""


def fraction(progress: dict, ended: bool) -> float:
    if ended:
        return 1.0
    steps = progress.get("steps") or 0
    step = progress.get("step") or 0
    if not steps or not step:
        return 0.0
    within = 0.0
    if progress.get("total"):
        within = min(1.0, (progress.get("bytes") or 0) / progress["total"])
    return max(0.0, min(1.0, (step - 1 + within) / steps))


def bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "[" + "#" * filled + "-" * (BAR_WIDTH - filled) + f"] {round(share * 100):3d}%"


class Waiter:
    def __init__(self, client, caller, texts, stream, *, interval=1.0, timeout=3600.0, clock=None):
        self.client = client
        self.caller = caller
        self.texts = texts
        self.stream = stream
        self.interval = interval
        self.timeout = timeout
        self.clock = clock or time.monotonic
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.drawn = 0  # lines drawn last on a terminal

    # -- looking ---------------------------------------------------------------------------

    def _look(self, watch: Watch) -> None:
        try:
            instance = self.client.call(
                DESCRIBE, caller=self.caller, path={"instance_id": watch.instance_id}
            )["instance"]
        except OpenapiError as error:
            if error.code == 404:  # deleted: the job of a delete ended well
                watch.ended, watch.outcome = True, OK
                watch.line = self.texts("wait.gone", instance=watch.instance_id)
                return
            raise
        watch.status = instance["status"]
        watch.job_status = instance.get("jobStatus", "")
        watch.progress = instance.get("progress") or {}
        if watch.job_status:
            watch.line = self._running_line(watch)
            return
        watch.ended = True
        if instance.get("reason") and watch.status != DESTROYED:
            watch.outcome = FAILED
            words = [instance.get("reasonName") or instance["reason"]]
            if instance.get("reasonName") and instance["reasonName"] != instance["reason"]:
                words[0] = f"{instance['reason']} ({instance['reasonName']})"
            if instance.get("reasonMessage"):
                words.append(instance["reasonMessage"])
            watch.line = self.texts(
                "wait.failed",
                instance=watch.instance_id,
                status=instance.get("statusName") or watch.status,
                reason=": ".join(words),
            )
        else:
            watch.outcome = OK
            watch.line = self.texts(
                "wait.done",
                instance=watch.instance_id,
                status=instance.get("statusName") or watch.status,
            )

    def _running_line(self, watch: Watch) -> str:
        progress = watch.progress
        words = [watch.instance_id, bar(fraction(progress, False))]
        if progress.get("steps"):
            words.append(self.texts("wait.step", step=progress["step"], steps=progress["steps"]))
        if progress.get("action"):
            words.append(str(progress["action"]))
        elif watch.job_status in ("queued", "submitted"):
            words.append(self.texts("wait.queued"))
        else:
            words.append(watch.status or self.texts("wait.waiting"))
        if (progress.get("attempt") or 1) > 1:
            words.append(self.texts("wait.attempt", attempt=progress["attempt"]))
        return "  ".join(words)

    # -- drawing ---------------------------------------------------------------------------

    def _draw(self, watches: list[Watch]) -> None:
        if self.tty:
            if self.drawn:
                self.stream.write(f"\x1b[{self.drawn}F")
            for watch in watches:
                line = watch.line
                if watch.ended:
                    share = 1.0 if watch.outcome == OK else fraction(watch.progress, False)
                    line = f"{bar(share)}  {line}"
                self.stream.write("\x1b[2K" + line + "\n")
            self.drawn = len(watches)
        else:  # a log: one line when a step, an attempt or the outcome changes
            for watch in watches:
                key = (
                    watch.ended,
                    watch.progress.get("step"),
                    watch.progress.get("action"),
                    watch.progress.get("attempt"),
                    watch.job_status if not watch.progress else "",
                )
                if key != watch.shown:
                    watch.shown = key
                    self.stream.write(watch.line + "\n")
        self.stream.flush()

    # -- the loop --------------------------------------------------------------------------

    def wait(self, ids: list[str]) -> int:
        watches = [Watch(instance_id) for instance_id in ids]
        deadline = self.clock() + self.timeout
        while True:
            for watch in watches:
                if not watch.ended:
                    self._look(watch)
            self._draw(watches)
            if all(watch.ended for watch in watches):
                return max(watch.outcome for watch in watches)
            if self.clock() >= deadline:
                for watch in watches:
                    if not watch.ended:
                        self.stream.write(
                            self.texts(
                                "wait.timeout",
                                instance=watch.instance_id,
                                status=watch.status,
                                seconds=round(self.timeout),
                            )
                            + "\n"
                        )
                return TIMED_OUT
            time.sleep(self.interval)
