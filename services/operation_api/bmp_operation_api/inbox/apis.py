"""In-site messages, and the mail settings the platform sends them with (SMTP server, a test
mail, whether messages are also mailed)."""

from __future__ import annotations

from bmp_operation_api import exports
from bmp_operation_api.relay import relay

MESSAGES = {
    "": relay({"get": "getMessageList"}, export=exports.MESSAGES),
    "hasUnreadMessage": relay({"get": "hasUnreadMessage"}),
    "statistic": relay({"get": "getMessageStatistic"}),
    "doRead": relay({"put": "readMessage"}),
    "delete": relay({"delete": "deleteMessage"}),
    "getMessageById": relay({"get": "getMessageById"}),
    "getMessageTypes": relay({"get": "getMessageTypes"}),
    # POST {server_addr, server_port, admin_addr, admin_pass, to}: saved once a test mail went.
    "dialMail": relay({"post": "dialMail"}),
    "saveIsPushMail": relay({"post": "saveIsPushMail"}),
    # The SMTP settings (the password masked).
    "describeMail": relay({"get": "mailDetail"}),
}
