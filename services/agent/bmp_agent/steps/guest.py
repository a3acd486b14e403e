"""Configuration of the installed system, written into the mounted target: password, hostname,
SSH keys, network (netplan) and the cloud-init NoCloud seed. Secrets are never logged."""

from __future__ import annotations

import base64
import binascii
import os
import re
import time
from pathlib import Path

from bmp_agent import target, yamlish
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError

SEED_DIR = "/var/lib/cloud/seed/nocloud"
# netplan refuses keys it does not know; the platform's document carries these for upstream
_NOT_NETPLAN = {"netmask"}


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    """Atomic, durable write (the server is power-cycled right after the last step)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.bmp-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _target_etc(ctx: StepContext) -> Path:
    target.ensure_mounted(ctx)  # after WriteImage, a release, or in a fresh LiveOS (reset)
    etc = ctx.in_target("/etc")
    if not etc.is_dir():
        raise StepError("TARGET_NOT_INSTALLED", f"{etc} does not exist: no system in the target")
    return etc


# What the platform sends: a SHA-512 crypt hash, "$6$[rounds=N$]<salt>$<86 characters>".
SHA512_CRYPT = re.compile(r"^\$6\$(rounds=\d+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$")


def set_password(params: dict, ctx: StepContext) -> dict:
    """Write the platform's crypt hash into the target's /etc/shadow. The agent is never given
    the password itself, and takes nothing but a SHA-512 crypt hash."""
    username = str(params.get("username") or "root")
    password_hash = str(params.get("password_hash") or "")
    if not password_hash:
        raise StepError("PASSWORD_MISSING", "SetPassword got no password hash")
    if not SHA512_CRYPT.match(password_hash):
        raise StepError("PASSWORD_HASH_INVALID", "SetPassword takes a SHA-512 crypt hash only")
    shadow = _target_etc(ctx) / "shadow"
    try:
        lines = shadow.read_text().splitlines()
    except OSError:
        raise StepError("SHADOW_MISSING", "the target has no /etc/shadow") from None
    today = str(int(time.time() // 86400))
    for index, line in enumerate(lines):
        fields = line.split(":")
        if fields[0] == username and len(fields) >= 3:
            fields[1], fields[2] = password_hash, today
            lines[index] = ":".join(fields)
            break
    else:
        raise StepError("USER_NOT_FOUND", f"user {username!r} is not in the target's /etc/shadow")
    _write(shadow, "\n".join(lines) + "\n", mode=0o640)
    return {"username": username, "scheme": "sha512-crypt"}


def apply_hostname(ctx: StepContext, hostname: str) -> None:
    etc = _target_etc(ctx)
    _write(etc / "hostname", hostname + "\n")
    hosts = etc / "hosts"
    lines = [
        ln
        for ln in (hosts.read_text().splitlines() if hosts.exists() else [])
        if not ln.startswith("127.0.1.1")
    ]
    if not any(ln.startswith("127.0.0.1") for ln in lines):
        lines.insert(0, "127.0.0.1\tlocalhost")
    lines.insert(
        1, f"127.0.1.1\t{hostname.split('.')[0]}" + (f" {hostname}" if "." in hostname else "")
    )
    _write(hosts, "\n".join(lines) + "\n")


def set_hostname(params: dict, ctx: StepContext) -> dict:
    hostname = str(params.get("hostname") or "").strip()
    if not hostname or any(c.isspace() for c in hostname):
        raise StepError("HOSTNAME_INVALID", f"not a host name: {hostname!r}")
    apply_hostname(ctx, hostname)
    return {"hostname": hostname}


def apply_keys(ctx: StepContext, keys: list[str], user_home: str = "/root") -> int:
    ssh = ctx.in_target(user_home) / ".ssh"
    ssh.mkdir(parents=True, exist_ok=True)
    os.chmod(ssh, 0o700)
    path = ssh / "authorized_keys"
    present = path.read_text().splitlines() if path.exists() else []
    merged = present + [k for k in keys if k and k not in present]
    _write(path, "\n".join(merged) + "\n", mode=0o600)
    return len(merged)


def set_keypairs(params: dict, ctx: StepContext) -> dict:
    raw = params.get("public_key") or params.get("public_keys") or []
    keys = [k.strip() for k in (raw.splitlines() if isinstance(raw, str) else raw) if k.strip()]
    if not keys:
        raise StepError("KEY_MISSING", "SetKeypairs got no public key")
    _target_etc(ctx)
    return {"authorized_keys": apply_keys(ctx, keys)}


def _seed(ctx: StepContext, name: str) -> Path:
    return ctx.in_target(SEED_DIR) / name


def set_meta_data(params: dict, ctx: StepContext) -> dict:
    """The NoCloud meta-data; the host name and SSH keys are also applied directly, so the
    installed system is right even before (or without) cloud-init."""
    meta = dict(params.get("meta_data") or {})
    _target_etc(ctx)
    _write(_seed(ctx, "meta-data"), yamlish.dump(meta))
    applied = {}
    if meta.get("local-hostname"):
        apply_hostname(ctx, str(meta["local-hostname"]))
        applied["hostname"] = meta["local-hostname"]
    keys = [str(k).strip() for k in meta.get("public-keys") or [] if str(k).strip()]
    if keys:
        applied["authorized_keys"] = apply_keys(ctx, keys)
    return {"meta_data": f"{SEED_DIR}/meta-data", **applied}


def decode_user_data(value: str) -> str:
    """Upstream sends user data base64-encoded; text that is not base64 is taken as it is."""
    if not value:
        return "#cloud-config\n{}\n"
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return value


def set_user_data(params: dict, ctx: StepContext) -> dict:
    _target_etc(ctx)
    text = decode_user_data(str(params.get("user_data") or ""))
    _write(_seed(ctx, "user-data"), text if text.endswith("\n") else text + "\n")
    return {"user_data": f"{SEED_DIR}/user-data", "bytes": len(text.encode())}


def _clean_network(value: object) -> object:
    """Drop empty values and keys netplan does not know."""
    if isinstance(value, dict):
        out = {k: _clean_network(v) for k, v in value.items() if k not in _NOT_NETPLAN}
        return {k: v for k, v in out.items() if v not in ("", None, [], {})}
    if isinstance(value, list):
        return [_clean_network(v) for v in value if v not in ("", None)]
    return value


def set_network(params: dict, ctx: StepContext) -> dict:
    network = _clean_network(params.get("network") or {})
    if not isinstance(network, dict) or (not network.get("ethernets") and not network.get("bonds")):
        raise StepError("NETWORK_INVALID", "SetNetwork got no ethernets or bonds")
    network.setdefault("version", 2)
    _target_etc(ctx)
    _write(_seed(ctx, "network-config"), yamlish.dump(network))
    _write(ctx.in_target("/etc/netplan/50-bmp.yaml"), yamlish.dump({"network": network}), 0o600)
    return {"network_config": f"{SEED_DIR}/network-config", "netplan": "/etc/netplan/50-bmp.yaml"}


def set_cloudinit_conf(params: dict, ctx: StepContext) -> dict:
    pwauth = str(params.get("ssh_pwauth", "yes")).lower() in ("yes", "true", "1")
    conf = {
        "datasource_list": ["NoCloud", "None"],
        "datasource": {"NoCloud": {"seedfrom": f"file://{SEED_DIR}/"}},
        "disable_root": False,
        "ssh_pwauth": pwauth,
        "preserve_hostname": False,
    }
    _target_etc(ctx)
    ctx.in_target(SEED_DIR).mkdir(parents=True, exist_ok=True)
    _write(ctx.in_target("/etc/cloud/cloud.cfg.d/99-bmp.cfg"), yamlish.dump(conf))
    return {"cloud_cfg": "/etc/cloud/cloud.cfg.d/99-bmp.cfg", "ssh_pwauth": pwauth}
