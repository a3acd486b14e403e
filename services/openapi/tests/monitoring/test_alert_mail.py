"""A rule that asks for mail sends the owner an alert mail (and a recovery mail) through the
platform's mail settings, after the commit."""

from __future__ import annotations

import pytest

from bmp_openapi.accounts.models import User

from ..catalog.data import ok
from ..inbox.test_mail_api import FakeSmtpServer, dial_body
from .conftest import alert_item, rule_body


@pytest.fixture
def smtp_server(settings):
    settings.BMP_MAIL_ALLOWED_HOSTS = ["127.0.0.1"]
    server = FakeSmtpServer()
    yield server
    server.close()


def test_the_owner_gets_an_alert_mail_and_a_recovery_mail(
    admin_api, pronoea, instances, smtp_server, django_capture_on_commit_callbacks
):
    ok(admin_api.post("/v1/messages/dialMail", dial_body(smtp_server.port), format="json"))
    User.objects.filter(user_name="admin").update(email="owner@example.com")
    body = rule_body(instances)
    body["noticeOption"]["noticeWay"] = [2]
    rule_id = ok(admin_api.post("/v1/monitorRule/addRule", body, format="json"))["ruleId"]
    sent_before = len(smtp_server.mails)  # dialMail's test mail

    with django_capture_on_commit_callbacks(execute=True):
        ok(
            pronoea.post(
                "/v1/monitorAlert/addAlert", {"alerts": [alert_item(rule_id, instances[0])]}
            )
        )
    with django_capture_on_commit_callbacks(execute=True):
        recovery = alert_item(rule_id, instances[0], recover=True, value="10.00")
        ok(pronoea.post("/v1/monitorAlert/addAlert", {"alerts": [recovery]}))

    alert_mail, recovery_mail = smtp_server.mails[sent_before:]
    assert alert_mail[1] == ["owner@example.com"]
    assert "Subject: inbond-alert-CPU Usage" in alert_mail[2]
    assert "alert value:93.50%" in alert_mail[2]
    assert "recovered" in recovery_mail[2]
