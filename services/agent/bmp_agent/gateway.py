"""The agent gateway's endpoints, over HTTPS with the standard library.

The gateway must prove it is ours before a byte of the request leaves: its certificate must
chain to the CA the LiveOS embeds (``AgentConfig.gateway_ca``) and name the address or host of
``bmp.gateway``. The TLS handshake fails otherwise, before the body (which holds the token) is
sent. Redirects are not followed and no proxy is used: the token goes to that URL or nowhere.
"""

from __future__ import annotations

import json
import secrets
import ssl
import urllib.error
import urllib.request

from bmp_agent.config import AgentConfig


class TokenRevoked(Exception):
    """401: this boot's token is wrong or revoked; the agent stops."""


class GatewayUnavailable(Exception):
    """Network error or a 5xx: try again later."""


class GatewayUntrusted(GatewayUnavailable):
    """The gateway's certificate did not verify against our CA: nothing was sent. Retried like
    an outage (the real gateway may come back at that address); the token never leaves."""


class GatewayRefused(Exception):
    """A 4xx other than 401: retrying the same body will not help."""


class GatewayClient:
    def __init__(self, config: AgentConfig, timeout_s: float = 15.0) -> None:
        self.config = config
        self.timeout_s = timeout_s
        # New with every start of the agent: what it did (root disk, partitions, mounts) lives
        # in this process, so a scheduler that sees another boot_id redoes those steps.
        self.boot_id = secrets.token_hex(8)
        # CERT_REQUIRED and check_hostname (an IP in the URL must be an IP SAN): the defaults.
        context = ssl.create_default_context(cafile=str(config.gateway_ca))
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=context),
            _NoRedirect(),
        )

    def _post(self, path: str, body: dict) -> list[dict]:
        payload = {"sn": self.config.sn, "token": self.config.token, "boot_id": self.boot_id}
        payload.update(body)
        request = urllib.request.Request(  # noqa: S310 (scheme checked in config.load)
            self.config.gateway + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise TokenRevoked() from None
            if exc.code >= 500:
                raise GatewayUnavailable(f"{path}: HTTP {exc.code}") from None
            raise GatewayRefused(f"{path}: HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ssl.SSLCertVerificationError):
                raise GatewayUntrusted(
                    f"{self.config.gateway} is not the gateway of our CA "
                    f"({exc.reason.verify_message}): nothing sent"
                ) from None
            raise GatewayUnavailable(f"{path}: {exc.reason}") from None
        except (OSError, ValueError) as exc:
            raise GatewayUnavailable(f"{path}: {exc}") from None
        return list((answer.get("result") or {}).get("steps") or [])

    def heartbeat(self, working: dict | None = None, progress: dict | None = None) -> list[dict]:
        body: dict = {}
        if working is not None:
            body["working"] = working
        if progress:
            body["progress"] = progress
        return self._post("/v1/agent/heartbeat", body)

    def result(self, step: dict, status: str, data: dict, error: str | None) -> list[dict]:
        body = {
            "step_id": step["step_id"],
            "attempt": step["attempt"],
            "status": status,
            "data": data,
            "error": error,
        }
        return self._post("/v1/agent/result", body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer (GatewayRefused), never a second request somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
