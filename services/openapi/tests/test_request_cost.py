"""What every request pays, and that what makes it cheaper changes no answer and no check.

- An authenticated call reads the key (with its user and role) once; describeLocalUser adds
  one read of the user's counts. Nothing about a key or a user is kept between requests: the
  key lookup keeps its SQL only (``bmp_common.db.Statement``) and the users' queryset built once
  (``_users_queryset``) is never evaluated, so a deleted key, a deleted user or a changed role
  counts from the next request.
- Answer serializers copy their declared fields shallowly (``AnswerSerializer``): the answer is
  the one DRF's deep copies give, and no copy is shared between serializers.
"""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from bmp_common.api.serializers import AnswerSerializer
from bmp_common.ids import token_digest
from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.models import ApiKey, Role, User
from bmp_openapi.accounts.selectors import (
    _live_apikeys,
    _users,
    _users_queryset,
    acting_user,
    apikey_by_token,
    user_get,
)
from bmp_openapi.core.api import query_names


def _queries(client, path: str) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    return answer, len(captured.captured_queries)


def test_describe_local_user_reads_the_key_once_and_the_user_once(admin_api):
    admin_api.get("/v1/local/users")  # the connection and Django's first-request work

    answer, queries = _queries(admin_api, "/v1/local/users")

    assert answer.status_code == 200
    assert queries == 2  # the key with its user and role; the user with its counts


def test_the_built_once_querysets_hold_no_rows(admin_api):
    for _ in range(3):
        assert admin_api.get("/v1/local/users").status_code == 200

    assert _users_queryset()._result_cache is None


def test_a_deleted_key_fails_on_the_next_request(api, make_user):
    _, token = make_user("kim")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/v1/local/users").status_code == 200

    ApiKey.objects.filter(user__user_name="kim").delete()

    assert api.get("/v1/local/users").status_code == 401


def test_a_deleted_user_fails_on_the_next_request(api, make_user):
    user, token = make_user("kim")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/v1/local/users").status_code == 200

    User.objects.filter(pk=user.pk).update(delete_marker=user.pk)

    assert api.get("/v1/local/users").status_code == 401


def test_a_changed_role_counts_from_the_next_request(api, make_user):
    user, token = make_user("kim", role_id=ROLE_OPERATOR)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/v1/devices").status_code == 200

    User.objects.filter(pk=user.pk).update(role=Role.objects.get(role_id=ROLE_USER))

    # A tenant may not use the operation profile at all.
    assert api.get("/v1/devices").status_code == 403
    assert api.get("/v1/local/users").status_code == 403


def test_user_counts_follow_the_rows(api, make_user, admin):
    _, token = make_user("kim", role_id=ROLE_ADMIN)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    before = api.get("/v1/local/users").json()["result"]["user"]["projectCount"]

    answer = api.post("/v1/user/projects", {"projectName": "second"}, format="json")

    assert answer.status_code == 200, answer.content
    assert api.get("/v1/local/users").json()["result"]["user"]["projectCount"] == before + 1


def test_query_names_are_the_filter_serializers_fields():
    class Filters(serializers.Serializer):
        a = serializers.CharField(required=False)
        b = serializers.IntegerField(required=False)

    assert query_names(Filters) == frozenset(Filters().fields) == {"a", "b"}


# AnswerSerializer


class _Nested(serializers.Serializer):
    x = serializers.CharField()


class _Answer(AnswerSerializer):
    name = serializers.CharField(source="user_name")
    size = serializers.IntegerField()
    label = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField())
    nested = _Nested()

    def get_label(self, row):
        return f"{self.context['prefix']}{row['user_name']}"


ROW = {"user_name": "kim", "size": 3, "tags": ["a", "b"], "nested": {"x": "y"}}


def test_an_answer_is_the_one_drf_deep_copies_give(monkeypatch):
    ours = _Answer(ROW, context={"prefix": "@"}).data
    monkeypatch.setattr(_Answer, "get_fields", serializers.Serializer.get_fields)
    drf = _Answer(ROW, context={"prefix": "@"}).data

    assert (
        ours
        == drf
        == {
            "name": "kim",
            "size": 3,
            "label": "@kim",
            "tags": ["a", "b"],
            "nested": {"x": "y"},
        }
    )


def test_each_answer_serializer_has_its_own_bound_fields():
    first, second = _Answer(ROW, context={"prefix": "1"}), _Answer(ROW, context={"prefix": "2"})

    for name in ("name", "label", "tags", "nested"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert getattr(_Answer._declared_fields[name], "parent", None) is None  # never bound
    # Fields that hold fields are deep-copied: their children belong to the copy.
    assert first.fields["tags"].child.parent is first.fields["tags"]
    assert first.fields["nested"].fields["x"].parent is first.fields["nested"]
    assert (first.data["label"], second.data["label"]) == ("1kim", "2kim")


@pytest.mark.parametrize("many", [False, True])
def test_a_list_answer_renders_each_row_with_one_child(many):
    rows = [ROW, {**ROW, "user_name": "lee"}] if many else ROW

    data = _Answer(rows, many=many, context={"prefix": ">"}).data

    expected = copy.deepcopy(rows)
    labels = [f">{row['user_name']}" for row in (expected if many else [expected])]
    assert [row["label"] for row in (data if many else [data])] == labels


# The prepared key lookup


def _columns(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def test_the_prepared_key_lookup_builds_what_the_orm_builds(make_user):
    _, token = make_user("kim", read_only=True)
    expected = _live_apikeys().get(token_digest=token_digest(token))

    with CaptureQueriesContext(connection) as captured:
        found = apikey_by_token(token)
        user, role = found.user, found.user.role  # joined: no query of their own

    assert len(captured.captured_queries) == 1
    assert type(found) is ApiKey and type(user) is User and type(role) is Role
    assert _columns(found) == _columns(expected)  # datetimes aware, read_only a bool
    assert found.read_only is True and found.created_at.tzinfo is not None
    assert _columns(user) == _columns(expected.user)
    assert _columns(role) == _columns(expected.user.role)
    assert not found._state.adding and found._state.db == "default"


def test_the_prepared_key_lookup_finds_nothing_for_unknown_or_deleted(make_user):
    user, token = make_user("kim")

    assert apikey_by_token("not-a-key") is None
    User.objects.filter(pk=user.pk).update(delete_marker=user.pk)
    assert apikey_by_token(token) is None


def test_the_prepared_acting_user_is_the_live_user_with_the_role(make_user):
    user, _ = make_user("kim")
    expected = User.objects.select_related("role").get(user_id=user.user_id)

    with CaptureQueriesContext(connection) as captured:
        found = acting_user(user.user_id)
        role = found.role

    assert len(captured.captured_queries) == 1
    assert _columns(found) == _columns(expected)
    assert _columns(role) == _columns(expected.role)
    assert acting_user("user-nobody") is None
    User.objects.filter(pk=user.pk).update(delete_marker=user.pk)
    assert acting_user(user.user_id) is None


def test_the_prepared_user_get_carries_the_counts_the_orm_gives(admin_api, admin):
    ok = admin_api.post("/v1/user/projects", {"projectName": "second"}, format="json")
    assert ok.status_code == 200, ok.content
    me = User.objects.get(user_name="admin")
    expected = _users().get(user_id=me.user_id)

    found = user_get(user_id=me.user_id)

    assert _columns(found) == _columns(expected)
    assert _columns(found.role) == _columns(expected.role)
    counts = ("instance_count", "project_count", "default_project_name")
    assert [getattr(found, name) for name in counts] == [getattr(expected, name) for name in counts]
    assert found.project_count == 2 and found.default_project_name
