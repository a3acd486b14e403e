"""Helpers of the project tests."""

from django.test import override_settings

from bmp_common.testing.contract import ContractClient

CONSOLE = {
    "BMP_OPENAPI_PROFILE": "console",
    "BMP_CONTRACT_PROFILE": "console",
    "ROOT_URLCONF": "bmp_openapi.urls_console",
}


class Caller:
    """A user's contract-checking client, on the operation profile or the console."""

    def __init__(self, user, token, *, console=False, headers=None):
        self.user = user
        self.console = console
        self.client = ContractClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", **(headers or {}))

    def __getattr__(self, method):  # get, post, put, delete
        call = getattr(self.client, method)

        def request(*args, **kwargs):
            kwargs.setdefault("format", "json")
            if not self.console:
                return call(*args, **kwargs)
            with override_settings(**CONSOLE):
                return call(*args, **kwargs)

        return request


def ok(answer):
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


def error(answer, status):
    assert answer.status_code == status, answer.content
    return answer.json()["error"]["message"]
