"""The in-site inbox through the API: a caller sees and changes only their own messages."""

from datetime import UTC, datetime

import pytest
from django.test import override_settings

from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ADMIN_USER_NAME, ROLE_USER
from bmp_openapi.accounts.models import User
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.idcs.models import Idc
from bmp_openapi.inbox.models import Message
from bmp_openapi.inbox.services import message_send


@pytest.fixture
def admin_user(admin):
    return User.objects.get(user_name=ADMIN_USER_NAME)


def send(user, message_type="operation", sub_type="CreateInstances", content="done", **refs):
    return message_send(
        user=user,
        message_type=message_type,
        message_sub_type=sub_type,
        content=content,
        **refs,
    ).message_id


def listing(api, query="", **headers):
    answer = api.get(f"/v1/messages{query}", **headers)
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


def test_the_list_shows_only_my_messages_newest_first(admin_api, admin_user, make_user):
    other, _ = make_user("bob")
    first = send(admin_user, content="instance i-1 created", instance_id="i-1", result="succ")
    send(other, content="not mine")
    second = send(admin_user, "oob-monitor", "电力故障", content="PSU lost", sn="SN-9")

    page = listing(admin_api)

    assert page["totalCount"] == 2
    assert [m["message_id"] for m in page["messages"]] == [second, first]
    created = page["messages"][1]
    assert created["user_id"] == admin_user.user_id and created["user_name"] == "admin"
    assert (created["message_type"], created["message_sub_type"]) == (
        "operation",
        "CreateInstances",
    )
    assert (created["instance_id"], created["result"], created["detail"]) == (
        "i-1",
        "succ",
        "instance i-1 created",
    )
    assert created["has_read"] == 0
    assert abs(created["finish_time"] - datetime.now(UTC).timestamp()) < 60


def test_display_names_follow_the_request_language(admin_api, admin_user):
    send(admin_user, "oob-monitor", "电力故障")

    english = listing(admin_api, HTTP_BMPLANGUAGE="en_US")["messages"][0]
    chinese = listing(admin_api, HTTP_BMPLANGUAGE="zh_CN")["messages"][0]

    assert (english["message_type_name"], english["message_sub_type_name"]) == (
        "oob-monitor",
        "Power Fault",
    )
    assert (chinese["message_type_name"], chinese["message_sub_type_name"]) == (
        "故障消息",
        "电力故障",
    )
    assert english["message_sub_type"] == chinese["message_sub_type"] == "电力故障"


def test_filters_take_values_and_display_names(admin_api, admin_user):
    started = send(admin_user, "operation", "StartInstances", content="web-01 started")
    stopped = send(admin_user, "operation", "StopInstances", content="web-02 stopped")
    alert = send(admin_user, "inbond-alert", "bmp.cpu.util", content="CPU of web-01 at 95%")
    admin_api.put("/v1/messages/doRead", {"messageIds": [stopped]}, format="json")

    def ids(query):
        return {m["message_id"] for m in listing(admin_api, query)["messages"]}

    assert ids("?messageType=operation") == {started, stopped}
    assert ids("?messageType=报警消息") == {alert}
    assert ids("?messageSubType=StartInstances,关机") == {started, stopped}
    assert ids("?messageSubType=CPU Usage") == {alert}
    assert ids("?hasRead=0") == {started, alert}
    assert ids("?hasRead=1") == {stopped}
    assert ids("?detail=WEB-01") == {started, alert}
    assert ids("?detail=web-01&messageType=operation") == {started}
    assert ids("?messageType=no-such-type") == set()


def test_the_list_pages(admin_api, admin_user):
    for number in range(25):
        send(admin_user, content=f"message {number}")

    first = listing(admin_api)
    second = listing(admin_api, "?pageNumber=2&pageSize=20")
    everything = listing(admin_api, "?isAll=1")

    assert (first["totalCount"], len(first["messages"]), len(second["messages"])) == (25, 20, 5)
    assert len(everything["messages"]) == 25


@pytest.mark.parametrize(
    ("query", "field"),
    [("hasRead=2", "hasRead"), ("pageSize=0", "pageSize"), ("colour=red", "colour")],
)
def test_bad_list_queries_are_400(admin_api, query, field):
    answer = admin_api.get(f"/v1/messages?{query}")

    assert answer.status_code == 400
    assert field in answer.json()["error"]["message"]


def test_get_by_id_gives_the_neighbours_in_my_inbox(admin_api, admin_user, make_user):
    other, _ = make_user("bob")
    oldest = send(admin_user)
    send(other)
    middle = send(admin_user)
    send(other)
    newest = send(admin_user)

    def neighbours(message_id):
        answer = admin_api.get(f"/v1/messages/getMessageById?messageId={message_id}")
        assert answer.status_code == 200, answer.content
        result = answer.json()["result"]
        assert result["message"]["message_id"] == message_id
        return result["nextMessageId"], result["prevMessageId"]

    assert neighbours(middle) == (newest, oldest)
    assert neighbours(oldest) == (middle, "")
    assert neighbours(newest) == ("", middle)


def test_get_by_id_names_the_idc_in_the_request_language(admin_api, admin_user):
    idc = Idc.objects.create(idc_id="idc-1", name="北京一区", name_en="beijing-1", level="T4")
    message_id = send(admin_user, idc_id=idc.idc_id, project_id="project-gone")

    def message(language):
        url = f"/v1/messages/getMessageById?messageId={message_id}"
        return admin_api.get(url, HTTP_BMPLANGUAGE=language).json()["result"]["message"]

    assert message("en_US")["idc_name"] == "beijing-1"
    assert message("zh_CN")["idc_name"] == "北京一区"
    assert message("en_US")["project_name"] == ""


def test_someone_elses_message_is_404_in_the_request_language(admin_api, make_user):
    other, _ = make_user("bob")
    theirs = send(other)

    answer = admin_api.get(
        f"/v1/messages/getMessageById?messageId={theirs}", HTTP_BMPLANGUAGE="zh_CN"
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"消息 {theirs} 不存在"


@pytest.mark.parametrize("query", ["", "?messageId=", "?messageId=m%20x", "?messageId=" + "m" * 65])
def test_get_by_id_needs_a_valid_message_id(admin_api, query):
    answer = admin_api.get(f"/v1/messages/getMessageById{query}")

    assert answer.status_code == 400
    assert "messageId" in answer.json()["error"]["message"]


def test_reading_marks_my_messages_read(admin_api, admin_user):
    first, second = send(admin_user), send(admin_user)
    assert admin_api.get("/v1/messages/hasUnreadMessage").json()["result"] == {"hasUnread": True}

    answer = admin_api.put("/v1/messages/doRead", {"messageIds": [first, second]}, format="json")

    assert answer.json()["result"] == {"success": True}
    assert set(Message.objects.values_list("has_read", flat=True)) == {True}
    assert admin_api.get("/v1/messages/hasUnreadMessage").json()["result"] == {"hasUnread": False}


def test_reading_someone_elses_message_is_404_and_changes_nothing(admin_api, admin_user, make_user):
    other, _ = make_user("bob")
    mine, theirs = send(admin_user), send(other)

    answer = admin_api.put(
        "/v1/messages/doRead", {"messageIds": [mine, theirs, "m-nope"]}, format="json"
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"These messages do not exist: {theirs}, m-nope"
    assert not Message.objects.filter(has_read=True).exists()


def test_deleting_hides_my_messages(admin_api, admin_user):
    gone, kept = send(admin_user), send(admin_user)

    answer = admin_api.delete("/v1/messages/delete", {"messageIds": [gone]}, format="json")

    assert answer.json()["result"] == {"success": True}
    assert [m["message_id"] for m in listing(admin_api)["messages"]] == [kept]
    assert admin_api.get(f"/v1/messages/getMessageById?messageId={gone}").status_code == 404
    assert Message.all_objects.filter(message_id=gone, deleted_at__isnull=False).exists()
    again = admin_api.delete("/v1/messages/delete", {"messageIds": [gone]}, format="json")
    assert again.status_code == 404


def test_deleting_someone_elses_message_is_404_and_deletes_nothing(
    admin_api, admin_user, make_user
):
    other, _ = make_user("bob")
    mine, theirs = send(admin_user), send(other)

    answer = admin_api.delete("/v1/messages/delete", {"messageIds": [mine, theirs]}, format="json")

    assert answer.status_code == 404
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "messageIds"),
        ({"messageIds": []}, "messageIds"),
        ({"messageIds": "m-1"}, "messageIds"),
        ({"messageIds": ["m 1"]}, "messageIds"),
        ({"messageIds": [1]}, "messageIds"),
        ({"messageIds": ["m-1"], "all": True}, "all"),
    ],
)
def test_bad_message_ids_are_400_and_change_nothing(admin_api, admin_user, body, field):
    send(admin_user)

    for method in (admin_api.put, admin_api.delete):
        path = "/v1/messages/doRead" if method == admin_api.put else "/v1/messages/delete"
        answer = method(path, body, format="json")

        assert answer.status_code == 400
        assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert Message.objects.filter(has_read=False).count() == 1


def test_message_types_in_both_languages(admin_api):
    english = admin_api.get("/v1/messages/getMessageTypes").json()["result"]
    chinese = admin_api.get("/v1/messages/getMessageTypes", HTTP_BMPLANGUAGE="zh_CN").json()[
        "result"
    ]

    assert list(english) == ["operation", "system", "oob-monitor", "inbond-alert"]
    assert list(chinese) == ["操作消息", "系统消息", "故障消息", "报警消息"]
    assert "CreateInstances" in english["operation"] and "创建实例" in chinese["操作消息"]
    assert english["oob-monitor"][0] == "Power Fault"
    assert "CPU Usage" in english["inbond-alert"]


def test_statistic_counts_my_messages_per_type(admin_api, admin_user, make_user):
    other, _ = make_user("bob")
    read = send(admin_user)
    send(admin_user)
    send(admin_user, "oob-monitor", "硬盘故障")
    send(other)
    admin_api.put("/v1/messages/doRead", {"messageIds": [read]}, format="json")

    result = admin_api.get("/v1/messages/statistic", HTTP_BMPLANGUAGE="zh_CN").json()["result"]

    assert (result["totalCount"], result["unreadCount"]) == (3, 2)
    per_type = {row["messageType"]: row for row in result["messageTypes"]}
    assert (per_type["operation"]["totalCount"], per_type["operation"]["unreadCount"]) == (2, 1)
    assert per_type["oob-monitor"]["messageTypeName"] == "故障消息"
    assert per_type["system"]["totalCount"] == 0


def test_reads_and_deletes_are_audited(admin_api, admin_user):
    first, second = send(admin_user), send(admin_user)
    admin_api.put("/v1/messages/doRead", {"messageIds": [first]}, format="json")
    admin_api.delete("/v1/messages/delete", {"messageIds": [first, second]}, format="json")
    admin_api.delete("/v1/messages/delete", {"messageIds": [first]}, format="json")

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("ReadMessages", first, "success"),
        ("DeleteMessages", "", "success"),
        ("DeleteMessages", first, "fail"),
    ]


def test_a_tenant_reads_their_inbox_on_the_console(make_user):
    tenant, token = make_user("carol", role_id=ROLE_USER, source="console")
    message_id = send(tenant, "inbond-alert", "bmp.memory.util", content="memory at 91%")
    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    with override_settings(BMP_OPENAPI_PROFILE="console", ROOT_URLCONF="bmp_openapi.urls_console"):
        page = client.get("/v1/messages").json()["result"]
        read = client.put("/v1/messages/doRead", {"messageIds": [message_id]}, format="json")
        mail = client.get("/v1/messages/mailDetail")

    assert [m["message_id"] for m in page["messages"]] == [message_id]
    assert read.status_code == 200
    assert mail.status_code == 404  # the console serves no mail settings
