"""A browser for the BFF tests (console-api, operation-api): it keeps cookies, reads the
portal's CSRF cookie and sends it back in X-CSRFToken, and sees what a console would see
(status, envelope, headers, the server-sent events)."""

from __future__ import annotations

import http.cookiejar
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

TENANT_ROLE = "role-user-uuid-01"
OPERATOR_ROLE = "role-operator-uuid-01"
ADMIN_ROLE = "role-admin-uuid-01"
CONSOLE_CSRF_COOKIE = "bmp_console_csrftoken"
OPERATION_CSRF_COOKIE = "bmp_operation_csrftoken"


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict

    @property
    def error(self) -> dict:
        return self.body["error"]

    @property
    def result(self):
        assert self.status == 200, (self.status, self.body)
        return self.body["result"]


class Browser:
    """A portal in a browser: cookies kept, the CSRF cookie echoed in X-CSRFToken."""

    def __init__(self, base_url: str, *, csrf_cookie: str = CONSOLE_CSRF_COOKIE):
        self.base_url = base_url
        self.csrf_cookie = csrf_cookie
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def set_cookie(self, name: str, value: str) -> None:
        cookie = http.cookiejar.Cookie(
            version=0,
            name=name,
            value=value,
            port=None,
            port_specified=False,
            domain="127.0.0.1",
            domain_specified=False,
            domain_initial_dot=False,
            path="/",
            path_specified=True,
            secure=False,
            expires=None,
            discard=False,
            comment=None,
            comment_url=None,
            rest={},
        )
        self.jar.set_cookie(cookie)

    def request(self, method: str, path: str, body=None, *, csrf: bool = True, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        token = self.cookie(self.csrf_cookie)
        if csrf and token:
            request.add_header("X-CSRFToken", token)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with self.opener.open(request, timeout=30) as answer:
                return Answer(answer.status, json.loads(answer.read()), dict(answer.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, json.loads(error.read()), dict(error.headers))

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def login(self, username: str, password: str, **kwargs) -> Answer:
        if self.cookie(self.csrf_cookie) is None:
            self.get("/health")  # every answer sets the CSRF cookie
        body = {"username": username, "password": password}
        return self.request("POST", "/login", body, **kwargs)


def new_user(lab, role_id: str = TENANT_ROLE, **profile) -> tuple[str, str]:
    """A new user of ``role_id`` made by the lab's admin: (name, password)."""
    name = f"u{secrets.token_hex(4)}"
    password = f"Pw-{secrets.token_urlsafe(9)}1a"
    body = {"userName": name, "password": password, "roleId": role_id, **profile}
    lab.api.post("/users", body)
    return name, password


def read_events(response, until, timeout: float = 120) -> list[dict]:
    """Server-sent events from ``response`` until ``until(events)`` holds."""
    events, current = [], {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = response.readline().decode()
        if line == "":
            break
        line = line.rstrip("\n")
        if line == "":
            if "data" in current:
                events.append({**current, "data": json.loads(current["data"])})
                if until(events):
                    return events
            current = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            current[field] = value.lstrip(" ")
    raise AssertionError(f"the stream ended or timed out; events so far: {events}")


def open_events(browser: Browser, last_event_id: str = ""):
    request = urllib.request.Request(browser.base_url + "/events")
    request.add_header("Accept", "text/event-stream")
    if last_event_id:
        request.add_header("Last-Event-ID", last_event_id)
    return browser.opener.open(request, timeout=130)
