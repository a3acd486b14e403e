"""Per-job agent tokens: derived, never stored; only their digest is kept, until the job ends.

token = HMAC-SHA256(BMP_SECRET_KEY, "<job_id>:<nonce>"). The nonce is random per issue, so a
retried job gets a new token, and the stored digest (SHA-256 of the token) reveals nothing an
attacker could use. The iPXE script derives the token again when the server boots.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

from bmp_common.ids import token_digest
from bmp_scheduler.workflow.choices import JOB_RUNNING
from bmp_scheduler.workflow.models import Job


def derive(job: Job) -> str:
    message = f"{job.job_id}:{job.token_nonce}".encode()
    mac = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue(job: Job) -> None:
    """Give ``job`` a fresh token (the caller saves the job)."""
    job.token_nonce = secrets.token_hex(16)
    job.token_digest = token_digest(derive(job))


def revoke(job: Job) -> None:
    job.token_digest = ""


def current(job: Job) -> str | None:
    """The job's token for the iPXE script, or None when it has none (revoked or no agent)."""
    return derive(job) if job.token_digest else None


def job_for(*, sn: str, token: str, lock: bool = False) -> Job | None:
    """The running job this agent token belongs to, for that SN; None if invalid or revoked.

    ``lock``: the row is locked until the transaction ends (the engine's one lock)."""
    if not token or not sn:
        return None
    jobs = Job.objects.select_for_update() if lock else Job.objects
    matching = jobs.filter(token_digest=token_digest(token), sn=sn, status=JOB_RUNNING)
    return matching.defer("node", "spec").first()  # what openapi submitted: not needed here
