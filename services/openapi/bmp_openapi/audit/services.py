"""Writing the audit trail."""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction
from django.utils import timezone

from bmp_common.ids import new_id
from bmp_openapi.audit.choices import RESULT_FAIL, RESULT_SUCCESS
from bmp_openapi.audit.models import AuditLog

log = logging.getLogger(__name__)

ID_LENGTH = 64  # the id columns of AuditLog


def audit_record(
    *,
    user,
    operation: str,
    resource_id: str = "",
    apikey_id: str = "",
    response=None,
    error: str = "",
    fail_code: str = "",
    **ids,
) -> None:
    """Records ``operation`` by ``user`` (through the API key ``apikey_id``) with the result
    ``response`` carries (an API write), or failed with ``error`` when it says why (the end of
    a job, with its reason code ``fail_code``: what tenants are shown of it).

    Runs after the answer is rendered, outside the write's transaction: a failed write is
    recorded as failed, with the error message the caller saw.
    """
    failed = bool(error) or (response is not None and response.status_code >= 400)
    reason = error[:1024]
    if response is not None and failed and isinstance(getattr(response, "data", None), dict):
        reason = str(response.data.get("error", {}).get("message", ""))[:1024]
        # Messages quote what the caller sent: no lone surrogate may reach the database.
        reason = reason.encode("utf-8", "replace").decode("utf-8")
    now = timezone.now()
    # Ids come from the path as the caller typed them: keep what fits the columns.
    ids = {key: str(value)[:ID_LENGTH] for key, value in ids.items()}
    try:
        # A savepoint: a failed audit write must not poison the caller's transaction.
        with transaction.atomic():
            AuditLog.objects.create(
                logid=new_id("log"),
                operation=operation,
                user_id=user.user_id,
                user_name=user.user_name,
                apikey_id=apikey_id,
                resource_id=(resource_id or "")[:ID_LENGTH],
                result=RESULT_FAIL if failed else RESULT_SUCCESS,
                fail_reason=reason,
                fail_code=fail_code[:ID_LENGTH] if failed else "",
                operate_time=getattr(response, "started_at", None) or now,
                finish_time=now,
                **ids,
            )
    except DatabaseError:
        # The write itself is done (or failed) already; losing its audit line must be loud.
        log.exception("audit entry for %s by %s could not be written", operation, user.user_id)
