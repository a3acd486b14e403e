"""InstallMonitorAgent: the in-band monitoring agent into the installed system.

The image service serves the bundle (``bmp-monitor-agent.tar.gz`` and its ``.sha256``, built
from services/monitor_agent); this step fetches both, checks the checksum, and writes into the
target: the package under ``/opt/bmp/monitor-agent``, ``/etc/bmp-agent/agent.json`` (the
proxy's address) and ``/etc/bmp-agent/credential`` (0600, the instance's credential), then
enables the systemd unit as ``systemctl enable`` would (a link in
``multi-user.target.wants``), or, in a system without systemd, the SysV script ``bmpd``.

The credential comes in the step's params only (the gateway decrypts it for this step); it is
never logged nor returned. The agent runs on the guest's ``python3``; a system without one (a
busybox or other minimal image) gets the bundle's shell heartbeat instead,
``bmp-monitor-agent.sh``: no metrics, but the heartbeat and its software RAID arrays, so that a
degraded mirror still shows in the instance's detail. A system without even ``/bin/sh`` fails
the step with MONITOR_AGENT_NO_PYTHON (the chain goes on without the agent).
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
import urllib.error
import urllib.request
from pathlib import PurePosixPath

from bmp_agent import download
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps.guest import _target_etc, _write

HOME = "/opt/bmp/monitor-agent"
CONF_DIR = "/etc/bmp-agent"
UNIT = "bmp-monitor-agent.service"
UNIT_DIR = "/etc/systemd/system"
WANTS = f"{UNIT_DIR}/multi-user.target.wants"
SYSV = "/etc/init.d/bmpd"
PACKAGE_FILE = re.compile(r"^bmp_monitor_agent/[A-Za-z0-9_]+\.py$")
SHELL_AGENT = "bmp-monitor-agent.sh"
DIST_FILES = {UNIT, SHELL_AGENT, "bmpd.init", "install.sh"}
MAX_BUNDLE = 16 << 20  # the bundle is some tens of kB
PYTHONS = ("/usr/bin/python3", "/bin/python3")
SHELLS = ("/bin/sh",)
PYTHON_START = "ExecStart=/usr/bin/python3 -m bmp_monitor_agent -c /etc/bmp-agent/agent.json"
SYSTEMDS = ("/lib/systemd/systemd", "/usr/lib/systemd/systemd")


def _fetch_checksum(url: str, ctx: StepContext) -> str:
    try:
        with urllib.request.urlopen(url, timeout=ctx.http_timeout_s) as answer:  # noqa: S310
            text = answer.read(4096).decode("ascii", "replace")
    except urllib.error.HTTPError as exc:
        raise StepError("MONITOR_AGENT_DOWNLOAD_FAILED", f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise StepError("MONITOR_AGENT_DOWNLOAD_FAILED", f"{url}: {exc}") from None
    digest = text.split()[0].lower() if text.split() else ""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise StepError("MONITOR_AGENT_DOWNLOAD_FAILED", f"{url}: not a SHA-256 checksum")
    return digest


def fetch_bundle(url: str, ctx: StepContext) -> tuple[dict[str, bytes], str]:
    """The bundle's files by name, checked against its ``.sha256``; and that checksum."""
    try:
        url = download.resolve_url(url, ctx)
    except StepError as exc:
        raise StepError("MONITOR_AGENT_BUNDLE_URL_INVALID", exc.message) from None
    digest = _fetch_checksum(url + ".sha256", ctx)
    body = io.BytesIO()

    def keep(chunk: bytes) -> None:
        if body.tell() + len(chunk) > MAX_BUNDLE:
            raise StepError("MONITOR_AGENT_BUNDLE_INVALID", f"{url} is larger than {MAX_BUNDLE}")
        body.write(chunk)

    try:
        download.stream(url, ctx, download.Expected("sha256", digest), keep)
    except StepError as exc:
        code = exc.code.replace("IMAGE_", "MONITOR_AGENT_")
        raise StepError(code, exc.message) from None
    return _unpack(body.getvalue(), url), digest


def _unpack(data: bytes, url: str) -> dict[str, bytes]:
    """Regular files of the names a bundle has, nothing else (no links, no paths out)."""
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar:
                name = str(PurePosixPath(member.name))
                if not member.isfile() or not (PACKAGE_FILE.match(name) or name in DIST_FILES):
                    raise StepError(
                        "MONITOR_AGENT_BUNDLE_INVALID", f"{url}: unexpected entry {member.name!r}"
                    )
                extracted = tar.extractfile(member)
                files[name] = extracted.read() if extracted else b""
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise StepError("MONITOR_AGENT_BUNDLE_INVALID", f"{url}: {exc}") from None
    if "bmp_monitor_agent/__main__.py" not in files or UNIT not in files:
        raise StepError("MONITOR_AGENT_BUNDLE_INVALID", f"{url}: no agent package or unit in it")
    return files


def _write_bytes(path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.bmp-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _link(path, to: str) -> None:
    """``path`` -> ``to`` (a path as the installed system sees it), replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    os.symlink(to, path)


def _exists(ctx: StepContext, paths: tuple[str, ...]) -> bool:
    # lexists: /usr/bin/python3 is a link the LiveOS cannot follow (it points into the target)
    return any(os.path.lexists(ctx.in_target(path)) for path in paths)


def install_monitor_agent(params: dict, ctx: StepContext) -> dict:
    url = str(params.get("bundle_url") or "")
    proxy_url = str(params.get("proxy_url") or "")
    credential = str(params.get("credential") or "")
    if not url:
        raise StepError("MONITOR_AGENT_BUNDLE_MISSING", "InstallMonitorAgent got no bundle_url")
    if not proxy_url.startswith(("http://", "https://")):
        raise StepError("MONITOR_AGENT_PROXY_INVALID", f"not an http(s) URL: {proxy_url!r}")
    if not credential or any(c.isspace() for c in credential):
        raise StepError("MONITOR_AGENT_CREDENTIAL_MISSING", "InstallMonitorAgent got no credential")
    _target_etc(ctx)
    python = _exists(ctx, PYTHONS)
    if not python and not _exists(ctx, SHELLS):
        raise StepError(
            "MONITOR_AGENT_NO_PYTHON",
            "the installed system has neither /usr/bin/python3 nor /bin/sh for the agent",
        )
    files, digest = fetch_bundle(url, ctx)
    if SHELL_AGENT not in files:
        raise StepError("MONITOR_AGENT_BUNDLE_INVALID", f"{url}: no {SHELL_AGENT} in it")

    home = ctx.in_target(HOME)
    for name, data in sorted(files.items()):
        if name.startswith("bmp_monitor_agent/"):
            _write_bytes(home / name, data, 0o644)
    _write_bytes(home / SHELL_AGENT, files[SHELL_AGENT], 0o755)
    conf = ctx.in_target(CONF_DIR)
    conf.mkdir(parents=True, exist_ok=True)
    os.chmod(conf, 0o700)
    _write_bytes(conf / "credential", credential.encode() + b"\n", 0o600)
    settings = {
        "proxy_url": proxy_url,
        "credential_file": f"{CONF_DIR}/credential",
        "interval_s": int(params.get("interval_s") or 60),
    }
    _write(conf / "agent.json", json.dumps(settings, indent=1) + "\n", 0o600)

    unit = files[UNIT]
    if not python:
        shell_start = f"ExecStart=/bin/sh {HOME}/{SHELL_AGENT} {CONF_DIR}/agent.json"
        unit = unit.replace(PYTHON_START.encode(), shell_start.encode())
    if _exists(ctx, SYSTEMDS):
        _write_bytes(ctx.in_target(f"{UNIT_DIR}/{UNIT}"), unit, 0o644)
        _link(ctx.in_target(f"{WANTS}/{UNIT}"), f"{UNIT_DIR}/{UNIT}")
        service = "systemd"
    else:
        _write_bytes(ctx.in_target(SYSV), files["bmpd.init"], 0o755)
        for level in "2345":
            _link(ctx.in_target(f"/etc/rc{level}.d/S90bmpd"), "../init.d/bmpd")
        for level in "016":
            _link(ctx.in_target(f"/etc/rc{level}.d/K10bmpd"), "../init.d/bmpd")
        service = "sysv"
    return {
        "home": HOME,
        "config": f"{CONF_DIR}/agent.json",
        "service": service,
        "agent": "python3" if python else "sh",
        "bundle_sha256": digest,
        "files": sum(1 for name in files if name.startswith("bmp_monitor_agent/")),
    }
