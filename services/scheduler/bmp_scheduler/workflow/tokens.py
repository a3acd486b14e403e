"""Agent credentials: one boot ticket at a time per boot of a job's server into the LiveOS,
handed out over plain HTTP, then exchanged over HTTPS for the session token the agent works with.

The ticket travels in ``agent.cpio``, which iPXE fetches over plain HTTP (it cannot verify our
CA): anyone on the provisioning segment may read it. So it buys one thing only, over TLS, from
the reserved address: a session token (Ironic's agent-token model: the real credential is handed
once, over the verified channel).

- **Issued** when a SetPXEBoot attempt begins (``issue``): every boot into the LiveOS, a retried
  job's too, gets a fresh ticket, and the ticket and session token of the boot before die.
- **Claimed** (``claim``): the gateway hands a ticket out in ``agent.cpio``, to the address the
  DHCP reservation gives the server; the iPXE script carries none. Each fetch until the ticket is
  exchanged hands out a fresh one (a new nonce) and kills the one handed out before: an answer
  that reached iPXE too late (a storm, a timeout) does not strand the server, its retry gets a
  good ticket, and only the ticket handed out last is ever good. A spoofer of the reserved
  address gains nothing by it: it could read the ticket off the wire anyway, and could beat the
  server to the fetch before. Once exchanged, the ticket is never handed out again.
- **Exchanged** (``exchange``): an agent call that presents the ticket gets a fresh session
  token in its answer; the session token handed out before it, if any, dies. The ticket stays
  good until the session token is used once, so an answer lost on the way does not strand the
  agent; the first call with the session token kills the ticket (``retire_ticket``). One
  single-row UPDATE each, once per boot: heartbeats after that write nothing.
- **Good** (``job_for``) while the job runs, they are the current boot's, the ticket
  was claimed, and they have not expired (``BMP_AGENT_TOKEN_TTL_S`` after the ticket's issue,
  however long the job hangs, and however often the ticket is handed out again).
- **Revoked** when the job ends.

ticket = HMAC-SHA256(BMP_SECRET_KEY, "<job_id>:<boot>:<nonce>"), the nonce random per hand-out
(it is derived, never stored: the database alone gives no ticket away); session token = 32
random bytes. Only their SHA-256 digests are kept, which reveal nothing an attacker could use.
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

from bmp_common.db import Arg, Statement
from bmp_common.ids import token_digest
from bmp_scheduler.workflow.choices import JOB_RUNNING
from bmp_scheduler.workflow.models import Job

# The Job fields a token change writes.
FIELDS = (
    "token_nonce",
    "token_digest",
    "token_boot",
    "token_claimed_at",
    "token_expires_at",
    "session_digest",
)


def derive(job: Job, nonce: str | None = None) -> str:
    """The ticket of ``job``'s current boot with ``nonce`` (by default the one stored)."""
    message = f"{job.job_id}:{job.token_boot}:{job.token_nonce if nonce is None else nonce}"
    mac = hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue(job: Job) -> None:
    """A fresh ticket for the next boot of ``job``'s server; the previous boot's ticket and
    session token are dead (the caller saves FIELDS)."""
    job.token_boot += 1
    job.token_nonce = secrets.token_hex(16)
    job.token_digest = token_digest(derive(job))
    job.session_digest = ""
    job.token_claimed_at = None
    job.token_expires_at = timezone.now() + timedelta(seconds=settings.BMP_AGENT_TOKEN_TTL_S)


def revoke(job: Job) -> None:
    """No ticket and no session token any more (the caller saves FIELDS)."""
    job.token_nonce = job.token_digest = job.session_digest = ""
    job.token_claimed_at = job.token_expires_at = None


def claimable(jobs, now=None):
    """``jobs`` narrowed to those whose ticket of the current boot may be handed out (again):
    issued, unexpired at ``now`` (a datetime or a Statement's Arg; default: now), and not
    exchanged yet (no agent call presented it)."""
    return jobs.exclude(token_digest="").filter(
        session_digest="", token_expires_at__gt=timezone.now() if now is None else now
    )


def claim(job: Job) -> str | None:
    """A fresh ticket of ``job``'s current boot, marked handed out: the one handed out before,
    if any, dies, and the expiry stays. None when the ticket was exchanged, changed or expired
    since ``job`` was read (another fetch's fresh ticket counts as a change).

    One conditional UPDATE on the nonce read: of two requests at once, exactly one ticket is
    good (the other request's UPDATE matches no row, or kills the first's ticket)."""
    nonce = secrets.token_hex(16)
    ticket = derive(job, nonce)
    digest, now = token_digest(ticket), timezone.now()
    current = Job.objects.filter(pk=job.pk, status=JOB_RUNNING, token_nonce=job.token_nonce)
    if not claimable(current).update(token_nonce=nonce, token_digest=digest, token_claimed_at=now):
        return None
    job.token_nonce, job.token_digest, job.token_claimed_at = nonce, digest, now
    return ticket


def _by_credential(jobs):
    """``jobs`` narrowed to the running job of agent ``sn`` whose current boot's session token,
    or ticket while the session token has not been used, has the digest ``digest``: claimed
    and unexpired at ``now`` (the Args of a Statement)."""
    return jobs.filter(
        Q(token_digest=Arg("digest")) | Q(session_digest=Arg("digest")),
        sn=Arg("sn"),
        status=JOB_RUNNING,
        token_claimed_at__isnull=False,
        token_expires_at__gt=Arg("now", Job._meta.get_field("token_expires_at")),
    )


# Every heartbeat and every result reads the agent's job: compiled once (bmp_common.db).
# What openapi submitted (node, spec) is not needed here.
_JOB_OF = Statement(lambda: _by_credential(Job.objects.defer("node", "spec")).order_by("pk")[:1])
_JOB_OF_LOCKED = Statement(
    lambda: _by_credential(Job.objects.select_for_update().defer("node", "spec")).filter(
        pk=Arg("pk")
    )
)


def job_for(*, sn: str, token: str, lock: bool = False) -> Job | None:
    """The running job this agent credential (ticket or session token) belongs to, for that
    SN; None if invalid or revoked.

    ``lock``: the row is locked until the transaction ends (the engine's one lock). It is
    found with a plain read, then locked by its primary key and checked again (a job that
    ended or moved to another boot while we waited no longer matches): as a locking read,
    MariaDB walked the primary key in order (``first()``'s ORDER BY id) and locked every job
    row it passed, so an agent's results waited for the locks of other jobs' steps (1.8 s a
    request at the median in a 200-server storm) and deadlocked with them."""
    if not token or not sn:
        return None
    credential = {"digest": token_digest(token), "sn": sn, "now": timezone.now()}
    job = _JOB_OF.first(**credential)
    if job is None or not lock:
        return job
    return _JOB_OF_LOCKED.first(pk=job.pk, **credential)


def exchange(job: Job, presented: str) -> str | None:
    """What presenting ``presented`` (valid for ``job``) changes: the ticket buys a fresh
    session token, returned (to go in the answer, over HTTPS) after the one handed out before
    it is revoked; the session token, the first time, kills the ticket (None returned).

    Each is one conditional UPDATE on the digest presented: a ticket that died meanwhile (the
    session token was used, a new boot began, the job ended) buys nothing."""
    presented_digest = token_digest(presented)
    if presented_digest == job.session_digest:
        if job.token_digest:  # the first call with the session token: the ticket dies
            Job.objects.filter(pk=job.pk, session_digest=presented_digest).update(token_digest="")
            job.token_digest = ""
        return None
    session = secrets.token_urlsafe(32)
    session_digest = token_digest(session)
    if not Job.objects.filter(pk=job.pk, token_digest=presented_digest).update(
        session_digest=session_digest
    ):
        return None
    job.session_digest = session_digest
    return session
