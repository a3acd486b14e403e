"""message_send: how other apps (task results, alerts, faults) put a message in an inbox."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from bmp_openapi.inbox.models import Message
from bmp_openapi.inbox.services import message_send


@pytest.fixture
def alice(make_user):
    return make_user("alice")[0]


def test_a_message_lands_unread_in_the_users_inbox(alice):
    message = message_send(
        user=alice,
        message_type="operation",
        message_sub_type="ReinstallInstance",
        content="Reinstalling web-01 failed",
        instance_id="i-1",
        instance_name="web-01",
        resource_type="instance",
        result="fail",
    )

    stored = Message.objects.get(message_id=message.message_id)
    assert stored.message_id.startswith("m-") and len(stored.message_id) == 30
    assert stored.user == alice and stored.has_read is False
    assert (stored.content, stored.detail) == ("Reinstalling web-01 failed",) * 2
    assert (stored.instance_id, stored.instance_name, stored.resource_type, stored.result) == (
        "i-1",
        "web-01",
        "instance",
        "fail",
    )


def test_a_fault_keeps_its_own_fields(alice):
    seen = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)

    message = message_send(
        user=alice,
        message_type="oob-monitor",
        message_sub_type="内存故障",
        content="Memory: Uncorrectable ECC",
        detail="web-01/SN-1",
        sn="SN-1",
        fault_type="内存故障",
        logid="log-7",
        alert_time=seen,
        alert_count=1,
    )

    stored = Message.objects.get(pk=message.pk)
    assert (stored.detail, stored.content) == ("web-01/SN-1", "Memory: Uncorrectable ECC")
    assert (stored.sn, stored.fault_type, stored.logid, stored.alert_count) == (
        "SN-1",
        "内存故障",
        "log-7",
        1,
    )
    assert stored.alert_time == seen


def test_oversized_text_is_cut_not_lost(alice):
    message = message_send(
        user=alice,
        message_type="inbond-alert",
        message_sub_type="bmp.disk.util",
        content="x" * 10_000,
        rule_name="r" * 500,
    )

    stored = Message.objects.get(pk=message.pk)
    assert (len(stored.content), len(stored.detail), len(stored.rule_name)) == (4096, 4096, 128)


@pytest.mark.parametrize(
    ("message_type", "sub_type"),
    [("nonsense", "CreateInstances"), ("operation", "电力故障"), ("system", "")],
)
def test_unknown_types_are_a_programming_error(alice, message_type, sub_type):
    with pytest.raises(ValueError, match="unknown message type"):
        message_send(user=alice, message_type=message_type, message_sub_type=sub_type, content="")

    assert not Message.objects.exists()


def test_unknown_refs_are_a_programming_error(alice):
    with pytest.raises(TypeError, match="colour"):
        message_send(
            user=alice,
            message_type="system",
            message_sub_type="LicenseNearTimeout",
            content="",
            colour="red",
        )


def test_the_message_goes_with_the_callers_transaction(alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        message_send(
            user=alice,
            message_type="operation",
            message_sub_type="PutawayDevice",
            content="SN-1 put away",
        )
        raise RuntimeError("the put-away itself failed")

    assert not Message.objects.exists()
