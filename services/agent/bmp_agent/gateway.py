"""The agent gateway's endpoints, over HTTPS with the standard library.

The gateway must prove it is ours before a byte of the request leaves: its certificate must
chain to the CA the LiveOS embeds (``AgentConfig.gateway_ca``) and name the address or host of
``bmp.gateway``. The TLS handshake fails otherwise, before the body (which holds the token) is
sent. Redirects are not followed and no proxy is used: the token goes to that URL or nowhere.

The token sent is the boot ticket (``AgentConfig.token``) until an answer carries ``token``, the
session token: the agent sends that one from then on (the gateway kills the ticket the first
time it sees it) and keeps it in ``AgentConfig.session_file``, read back by a restarted agent.

Results go through ``POST /v1/agent/results`` (several in one request), as the lab's simulated
agent sends them; the gateway's single-result endpoint is left to agents of older LiveOS images.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from bmp_agent.config import AgentConfig

log = logging.getLogger(__name__)


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
        self._token = _read_session(config.session_file) or config.token
        # CERT_REQUIRED and check_hostname (an IP in the URL must be an IP SAN): the defaults.
        context = ssl.create_default_context(cafile=str(config.gateway_ca))
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=context),
            _NoRedirect(),
        )

    def _post(self, path: str, body: dict) -> list[dict]:
        payload = {"sn": self.config.sn, "token": self._token, "boot_id": self.boot_id}
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
        result = answer.get("result") or {}
        if isinstance(result.get("token"), str) and result["token"]:
            self._use_session(result["token"])
        return list(result.get("steps") or [])

    def _use_session(self, session: str) -> None:
        """From now on the session token; kept in the session file (0600, in a 0700 folder on
        tmpfs) for a restarted agent. A file that cannot be written costs only that."""
        self._token = session
        path = self.config.session_file
        if path is None:
            return
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(session)
        except OSError as exc:
            # Never the token: the path and the reason only.
            log.warning("session token not kept in %s: %s", path, exc.strerror)

    def heartbeat(self, working: dict | None = None, progress: dict | None = None) -> list[dict]:
        body: dict = {}
        if working is not None:
            body["working"] = working
        if progress:
            body["progress"] = progress
        return self._post("/v1/agent/heartbeat", body)

    def results(self, batch: list[dict]) -> list[dict]:
        """Results of steps run in order (``step_id``, ``attempt``, ``status``, ``data``,
        ``error``), oldest first, in one request; the answer is the plan from the next step."""
        return self._post("/v1/agent/results", {"results": batch})


def _read_session(path: Path | None) -> str:
    """The session token a previous run of the agent kept, or "" (none yet: use the ticket)."""
    if path is None:
        return ""
    try:
        return path.read_text().strip()
    except OSError:
        return ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer (GatewayRefused), never a second request somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
