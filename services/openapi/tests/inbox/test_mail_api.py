"""The SMTP settings (admin only): saved encrypted, shown masked, tested against a local server.

The tests only ever contact 127.0.0.1: a tiny SMTP server written here, a port nobody listens
on, and a listener that never answers.
"""

import base64
import email
import socket
import threading
from email import policy

import pytest

from bmp_common.crypto import decrypt_secret
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.inbox import smtp
from bmp_openapi.inbox.models import MailSettings
from bmp_openapi.inbox.services import mail_host_allowed
from bmp_openapi.inbox.smtp import TEST_SUBJECT

SMTP_USER = "bmp@example.com"
SMTP_PASSWORD = "Smtp-Pass-1"


class FakeSmtpServer:
    """Enough SMTP for smtplib on 127.0.0.1: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT."""

    def __init__(self, *, refused=()):
        self.refused = set(refused)
        self.logins: list[str] = []
        self.connections = 0
        self.mails: list[tuple[str, list[str], str]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                connection.settimeout(5)
                self._session(connection)

    def _session(self, connection):
        reader = connection.makefile("rb")

        def reply(text):
            connection.sendall(text.encode() + b"\r\n")

        reply("220 fake ESMTP")
        sender, recipients = "", []
        for raw in reader:
            verb, _, argument = raw.decode().rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                reply("250-fake\r\n250 AUTH PLAIN")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(argument.split(" ")[1]).decode().split("\0")
                self.logins.append(user)
                good = (user, password) == (SMTP_USER, SMTP_PASSWORD)
                reply("235 welcome" if good else "535 bad credentials")
            elif verb == "MAIL":
                sender, recipients = argument.split(":", 1)[1].strip("<> "), []
                reply("250 ok")
            elif verb == "RCPT":
                recipient = argument.split(":", 1)[1].strip("<> ")
                if recipient in self.refused:
                    reply("550 no such mailbox")
                else:
                    recipients.append(recipient)
                    reply("250 ok")
            elif verb == "DATA":
                reply("354 go ahead")
                lines = []
                for line in reader:
                    if line == b".\r\n":
                        break
                    lines.append(line.decode())
                self.mails.append((sender, recipients, "".join(lines)))
                reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                reply("250 ok")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("502 not implemented")


@pytest.fixture(autouse=True)
def only_local_mail_servers(settings):
    settings.BMP_MAIL_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.BMP_MAIL_DIAL_TIMEOUT = 2


@pytest.fixture
def smtp_server():
    server = FakeSmtpServer(refused={"nobody@example.com"})
    yield server
    server.close()


def dial_body(port, **changes):
    return {
        "server_addr": "127.0.0.1",
        "server_port": str(port),
        "admin_addr": SMTP_USER,
        "admin_pass": SMTP_PASSWORD,
        "to": "ops@example.com, oncall@example.com",
        **changes,
    }


def dial(api, body, **headers):
    return api.post("/v1/messages/dialMail", body, format="json", **headers)


def mail_detail(api):
    answer = api.get("/v1/messages/mailDetail")
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


def test_the_settings_start_empty_with_alerts_mailed(admin_api):
    assert mail_detail(admin_api) == {
        "server_addr": "",
        "server_port": "",
        "admin_addr": "",
        "admin_pass": "",
        "to": "",
        "is_push": "1",
        "is_pass": "",
    }


def test_dial_sends_a_test_mail_and_saves_the_settings(admin_api, smtp_server):
    answer = dial(admin_api, dial_body(smtp_server.port))

    assert answer.status_code == 200, answer.content
    assert answer.json()["result"] == {"success": True}
    [(sender, recipients, data)] = smtp_server.mails
    assert (sender, recipients) == (SMTP_USER, ["ops@example.com", "oncall@example.com"])
    assert email.message_from_string(data, policy=policy.default)["Subject"] == TEST_SUBJECT
    assert smtp_server.logins == [SMTP_USER]
    assert mail_detail(admin_api) == {
        "server_addr": "127.0.0.1",
        "server_port": str(smtp_server.port),
        "admin_addr": SMTP_USER,
        "admin_pass": "******",
        "to": "ops@example.com,oncall@example.com",
        "is_push": "1",
        "is_pass": "1",
    }


def test_the_password_is_stored_encrypted_and_never_shown(admin_api, smtp_server):
    answer = dial(admin_api, dial_body(smtp_server.port))

    stored = MailSettings.objects.get().admin_pass_encrypted
    assert SMTP_PASSWORD not in stored
    assert decrypt_secret(stored) == SMTP_PASSWORD
    assert SMTP_PASSWORD not in answer.content.decode()
    assert SMTP_PASSWORD not in admin_api.get("/v1/messages/mailDetail").content.decode()


def test_the_mask_keeps_the_stored_password(admin_api, smtp_server):
    dial(admin_api, dial_body(smtp_server.port))
    before = MailSettings.objects.get().admin_pass_encrypted

    answer = dial(admin_api, dial_body(smtp_server.port, admin_pass="******", to="a@example.com"))

    assert answer.status_code == 200, answer.content
    assert smtp_server.logins == [SMTP_USER, SMTP_USER]
    row = MailSettings.objects.get()
    assert (row.admin_pass_encrypted, row.to) == (before, "a@example.com")


@pytest.mark.parametrize("change", ["server", "port", "user"])
def test_the_mask_never_sends_the_stored_password_elsewhere(
    admin_api, smtp_server, settings, change
):
    settings.BMP_MAIL_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    dial(admin_api, dial_body(smtp_server.port))
    before = MailSettings.objects.get()
    other = FakeSmtpServer()
    try:
        changes = {
            "server": {"server_addr": "localhost"},
            "port": {"server_port": str(other.port)},
            "user": {"admin_addr": "thief@example.com"},
        }[change]
        body = dial_body(smtp_server.port, admin_pass="******", **changes)

        answer = dial(admin_api, body)

        assert answer.status_code == 400
        assert answer.json()["error"]["message"] == (
            f"Invalid argument: admin_pass: the stored password is only sent to "
            f"127.0.0.1:{smtp_server.port} as {SMTP_USER}; type the password for another "
            "server, port or user"
        )
        assert (other.connections, smtp_server.connections) == (0, 1)
        row = MailSettings.objects.get()
        assert (row.server_addr, row.server_port, row.admin_addr) == (
            before.server_addr,
            before.server_port,
            before.admin_addr,
        )
    finally:
        other.close()


def test_another_server_with_its_own_password_is_dialled(admin_api, smtp_server):
    dial(admin_api, dial_body(smtp_server.port))
    other = FakeSmtpServer()
    try:
        answer = dial(admin_api, dial_body(other.port))
    finally:
        other.close()

    assert answer.status_code == 200, answer.content
    assert other.logins == [SMTP_USER]


def test_a_wrong_password_is_400_and_the_settings_are_kept_as_failing(admin_api, smtp_server):
    answer = dial(admin_api, dial_body(smtp_server.port, admin_pass="wrong"))

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "The mail settings were saved but do not work: "
        f"the server refused the user name {SMTP_USER} or its password"
    )
    assert "wrong" not in answer.content.decode()
    assert smtp_server.logins == [SMTP_USER, "bmp"]  # the address, then its local part
    assert smtp_server.mails == []
    detail = mail_detail(admin_api)
    assert (detail["is_pass"], detail["admin_addr"]) == ("0", SMTP_USER)
    assert decrypt_secret(MailSettings.objects.get().admin_pass_encrypted) == "wrong"


def test_a_refused_recipient_is_400(admin_api, smtp_server):
    answer = dial(admin_api, dial_body(smtp_server.port, to="ops@example.com,nobody@example.com"))

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].endswith(
        "the server refused the recipients nobody@example.com"
    )
    assert mail_detail(admin_api)["is_pass"] == "0"


def test_a_closed_port_is_400_in_the_request_language(admin_api):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # free again once closed: nobody listens there

    answer = dial(admin_api, dial_body(port), HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        f"邮件设置已保存，但无法使用：127.0.0.1:{port} 拒绝连接"
    )


def test_a_silent_server_times_out_quickly(admin_api, settings):
    settings.BMP_MAIL_DIAL_TIMEOUT = 0.3
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never greets
        answer = dial(admin_api, dial_body(silent.getsockname()[1]))

    assert answer.status_code == 400
    assert "did not answer within 0.3 s" in answer.json()["error"]["message"]


def test_a_server_the_platform_may_not_contact_is_403_and_saves_nothing(admin_api):
    answer = dial(admin_api, dial_body(25, server_addr="smtp.example.com"))

    assert answer.status_code == 403
    assert "smtp.example.com" in answer.json()["error"]["message"]
    assert mail_detail(admin_api)["server_addr"] == ""


def test_allowed_mail_hosts(settings):
    settings.BMP_MAIL_ALLOWED_HOSTS = ["*"]
    assert mail_host_allowed("smtp.example.com")
    settings.BMP_MAIL_ALLOWED_HOSTS = ["SMTP.example.com"]
    assert mail_host_allowed("smtp.EXAMPLE.com") and not mail_host_allowed("other.example.com")
    del settings.BMP_MAIL_ALLOWED_HOSTS  # unset: the loopback interface only
    assert mail_host_allowed("127.0.0.1") and mail_host_allowed("localhost")
    assert not mail_host_allowed("smtp.example.com")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"server_addr": None}, "server_addr"),
        ({"server_addr": "smtp example.com"}, "server_addr"),
        ({"server_addr": " 127.0.0.1"}, "server_addr"),
        ({"server_port": 25}, "server_port"),
        ({"server_port": "0"}, "server_port"),
        ({"server_port": "65536"}, "server_port"),
        ({"admin_addr": "bmp"}, "admin_addr"),
        ({"admin_pass": ""}, "admin_pass"),
        ({"to": ""}, "to"),
        ({"to": "ops@example.com;x@example.com"}, "to"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(admin_api, changes, field):
    body = {key: value for key, value in dial_body(2525, **changes).items() if value is not None}

    answer = dial(admin_api, body)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert mail_detail(admin_api)["server_addr"] == ""


def test_alert_mails_can_be_turned_off(admin_api):
    answer = admin_api.post("/v1/messages/saveIsPushMail", {"is_push": "0"}, format="json")

    assert answer.json()["result"] == {"success": True}
    assert mail_detail(admin_api)["is_push"] == "0"


@pytest.mark.parametrize("body", [{"is_push": 0}, {"is_push": "yes"}, {}, {"isPush": "0"}])
def test_a_bad_push_flag_is_400(admin_api, body):
    answer = admin_api.post("/v1/messages/saveIsPushMail", body, format="json")

    assert answer.status_code == 400
    assert mail_detail(admin_api)["is_push"] == "1"


def test_mail_settings_are_for_the_admin_only(api, make_user):
    _, token = make_user("olivia")  # an operator
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert api.get("/v1/messages/mailDetail").status_code == 403
    assert (
        api.post("/v1/messages/saveIsPushMail", {"is_push": "0"}, format="json").status_code == 403
    )


def test_mail_writes_are_audited_without_the_password(admin_api, smtp_server):
    dial(admin_api, dial_body(smtp_server.port))
    dial(admin_api, dial_body(smtp_server.port, admin_pass="wrong"))
    admin_api.post("/v1/messages/saveIsPushMail", {"is_push": "0"}, format="json")

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "result", "fail_reason")
    )

    assert [(operation, result) for operation, result, _ in entries] == [
        ("DialMail", "success"),
        ("DialMail", "fail"),
        ("SaveIsPushMail", "success"),
    ]
    assert "refused the user name" in entries[1][2]
    assert all("wrong" not in reason and SMTP_PASSWORD not in reason for *_, reason in entries)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("10.0.0.5", False),
     ("smtp.example.com", False)],
)  # fmt: skip
def test_a_password_crosses_the_network_only_over_tls(host, loopback):
    # Without TLS the password is sent only to this machine (the local server above has none).
    assert smtp._is_loopback(host) is loopback
