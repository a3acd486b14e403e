"""Live events (``bmp_common.live_events``): an instance's change goes, after the commit, to its
owner's stream and to the streams of the users it is shared with: the whole project, or that
instance listed in a partial share; nobody else's."""

from __future__ import annotations

import json

from bmp_common import live_events

from ..catalog.data import ok
from .test_instance_access_and_batches import default_project, tenant
from .test_instance_lifecycle import finish_instance_job
from .test_instance_share_and_move import create_in, share


def statuses_seen(user) -> dict[str, list[str]]:
    """instance id -> the statuses its events carried, in the user's stream."""
    seen: dict[str, list[str]] = {}
    stream = live_events.user_stream(user.user.user_id)
    for _id, fields in live_events.connection().xrange(stream):
        if fields["event"] != live_events.INSTANCE:
            continue  # (the job's message to the owner)
        data = json.loads(fields["data"])
        seen.setdefault(data["instanceId"], []).append(data["status"])
    return seen


def test_shared_users_receive_the_events_of_what_is_shared_with_them(
    stock, make_user, django_capture_on_commit_callbacks
):
    tina, tom, jerry, spike = (tenant(make_user, n) for n in ("tina", "tom", "jerry", "spike"))
    project = default_project(tina)
    web, db = create_in(tina, stock, project, "web"), create_in(tina, stock, project, "db")
    ok(share(tina, project, tom, instanceIDs="all"))
    ok(share(tina, project, jerry, instanceIDs=db))

    with django_capture_on_commit_callbacks(execute=True):
        finish_instance_job(web, power="on")
    with django_capture_on_commit_callbacks(execute=True):
        finish_instance_job(db, power="on")

    assert statuses_seen(tina)[web][-1] == statuses_seen(tina)[db][-1] == "running"
    assert statuses_seen(tom)[web] == statuses_seen(tina)[web]
    assert statuses_seen(tom)[db] == statuses_seen(tina)[db]
    assert set(statuses_seen(jerry)) == {db}
    assert statuses_seen(spike) == {}


def test_the_message_of_a_jobs_end_goes_to_its_owner_only(
    stock, make_user, django_capture_on_commit_callbacks
):
    """The owner's message bell hears of it; the users the instance is shared with do not (the
    message is in the owner's inbox only)."""
    tina, tom = tenant(make_user, "tina"), tenant(make_user, "tom")
    project = default_project(tina)
    web = create_in(tina, stock, project, "web")
    ok(share(tina, project, tom, instanceIDs="all"))

    with django_capture_on_commit_callbacks(execute=True):
        finish_instance_job(web, power="on")

    def messages(user):
        stream = live_events.user_stream(user.user.user_id)
        return [
            json.loads(fields["data"])
            for _id, fields in live_events.connection().xrange(stream)
            if fields["event"] == live_events.MESSAGE
        ]

    [message] = messages(tina)
    listed = ok(tina.get("/v1/messages?pageSize=10"))["messages"]
    assert [m["message_id"] for m in listed] == [message["messageId"]]
    assert message["instanceId"] == web
    assert message["content"] == listed[0]["content"]
    assert message["userId"] == tina.user.user_id
    assert messages(tom) == []


def test_a_share_ended_stops_the_events(stock, make_user, django_capture_on_commit_callbacks):
    tina, tom = tenant(make_user, "tina"), tenant(make_user, "tom")
    project = default_project(tina)
    web = create_in(tina, stock, project, "web")
    ok(share(tina, project, tom, instanceIDs="all"))
    body = {"ownerID": tina.user.user_id, "sharerID": tom.user.user_id}
    ok(tina.put(f"/v1/user/projects/{project}/cancelShare", body))

    with django_capture_on_commit_callbacks(execute=True):
        finish_instance_job(web, power="on")

    assert statuses_seen(tina)[web][-1] == "running"
    assert statuses_seen(tom) == {}
