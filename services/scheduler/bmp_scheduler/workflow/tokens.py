"""Agent tokens: one per boot of a job's server into the LiveOS, handed out once, then only
good for the agent that got it.

- **Issued** when a SetPXEBoot attempt begins (``issue``): every boot into the LiveOS, a retried
  job's too, gets a fresh token, and the token of the boot before dies with it.
- **Claimed** once (``claim``): the gateway hands it out in ``agent.cpio``, to the address the
  DHCP reservation gives the server, and never again; the iPXE script carries none.
- **Good** (``job_for``) while the job runs, it is the current boot's, it was claimed, and it has
  not expired (``BMP_AGENT_TOKEN_TTL_S`` after its issue, however long the job hangs).
- **Revoked** when the job ends.

token = HMAC-SHA256(BMP_SECRET_KEY, "<job_id>:<boot>:<nonce>"), the nonce random per issue: it is
derived, never stored; only its SHA-256 digest is kept, which reveals nothing an attacker could use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bmp_common.ids import token_digest
from bmp_scheduler.workflow.choices import JOB_RUNNING
from bmp_scheduler.workflow.models import Job

# The Job fields a token change writes.
FIELDS = ("token_nonce", "token_digest", "token_boot", "token_claimed_at", "token_expires_at")


def derive(job: Job) -> str:
    message = f"{job.job_id}:{job.token_boot}:{job.token_nonce}".encode()
    mac = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue(job: Job) -> None:
    """A fresh token for the next boot of ``job``'s server; the previous one is dead (the
    caller saves FIELDS)."""
    job.token_boot += 1
    job.token_nonce = secrets.token_hex(16)
    job.token_digest = token_digest(derive(job))
    job.token_claimed_at = None
    job.token_expires_at = timezone.now() + timedelta(seconds=settings.BMP_AGENT_TOKEN_TTL_S)


def revoke(job: Job) -> None:
    """No token any more (the caller saves FIELDS)."""
    job.token_nonce = job.token_digest = ""
    job.token_claimed_at = job.token_expires_at = None


def claimable(jobs):
    """``jobs`` narrowed to those whose token of the current boot is still to be handed out."""
    return jobs.exclude(token_digest="").filter(
        token_claimed_at__isnull=True, token_expires_at__gt=timezone.now()
    )


def claim(job: Job) -> str | None:
    """The token of ``job``'s current boot, marked handed out; None when someone got it
    already (or it changed or expired since ``job`` was read). One conditional UPDATE: of two
    requests at once, exactly one gets it."""
    unclaimed = claimable(Job.objects.filter(pk=job.pk, status=JOB_RUNNING))
    if not unclaimed.filter(token_nonce=job.token_nonce).update(token_claimed_at=timezone.now()):
        return None
    return derive(job)


def valid(token: str, *, via: str = "") -> Q:
    """The condition on a job (``via``: the path to it, e.g. "job__") that its current,
    claimed, unexpired token is ``token``."""
    return Q(
        **{
            f"{via}token_digest": token_digest(token),
            f"{via}token_claimed_at__isnull": False,
            f"{via}token_expires_at__gt": timezone.now(),
        }
    )


def job_for(*, sn: str, token: str, lock: bool = False) -> Job | None:
    """The running job this agent token belongs to, for that SN; None if invalid or revoked.

    ``lock``: the row is locked until the transaction ends (the engine's one lock)."""
    if not token or not sn:
        return None
    jobs = Job.objects.select_for_update() if lock else Job.objects
    matching = jobs.filter(valid(token), sn=sn, status=JOB_RUNNING)
    return matching.defer("node", "spec").first()  # what openapi submitted: not needed here
