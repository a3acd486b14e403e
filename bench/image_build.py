"""Build time of the service images, cold and after one Python file changes.

    python bench/image_build.py [--services openapi,monitor-proxy,...] [--engine buildah|docker]
        [--cold] [--npm]

Builds a copy of the committed tree (``git archive HEAD``, so the checkout is never touched) with
``./bmp-build-image.sh build``, into a registry of its own (localhost/bmp-bench). The consoles'
built files (``services/*_web/dist``) are copied from the checkout, as CI's web stage leaves
them (used if up to date with the copy's sources, else rebuilt); ``--npm`` leaves them out (the
build then runs ``npm ci`` and two ``vite build``s). ``--cold`` starts from an empty build
cache (a new BMP_BUILD_CACHE folder; the local bases and this registry's images removed) so
that mmdebstrap, the .debs' fetch, the bases, ``pip wheel`` and bmp-deps run too, as on a fresh
machine; without it the host's cache is used, as on a CI runner that kept /var/cache/bmp-build.
Then nothing changes and everything is built again (``warm_s``: what a CI run with a kept cache
and image store pays), then one line is added to a Python file of bmp_common (shared by every
image) and everything is built again. Ends with one line:
``images=N cold_s=… warm_s=… rebuild_s=… total_mb=…`` (total_mb: the images' sizes as the engine
reports them, shared layers counted once per image).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = "localhost/bmp-bench"
TAG = "bench"
DEFAULT_SERVICES = (
    "openapi,console-api,operation-api,scheduler,tftp,image,rsyslog,oob-alert,driver,"
    "dhcp-agent,oob-agent,pronoea,monitor-proxy,console-web,operation-web"
)
# Made by the script, never run: not counted among the images.
HELPER_IMAGES = ("/bmp-deps:", "/bmp-web-dist:")
LOCAL_BASES = (
    "localhost/bmp-base-debian:bookworm",
    "localhost/bmp-base-python:3.11",
    "localhost/bmp-base-nginx:1.22",
)


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Our own commands and Debian's tools, from a fixed argument list."""
    return subprocess.run(args, check=kwargs.pop("check", False), **kwargs)  # noqa: S603


def build(tree: Path, services: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    result = run(
        [str(tree / "bmp-build-image.sh"), "build", *services],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return time.monotonic() - started


def sizes_mb(tree: Path, env: dict[str, str]) -> dict[str, float]:
    listed = run(
        [str(tree / "bmp-build-image.sh"), "images"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = {}
    for line in listed.splitlines():
        # "NAME:TAG  299 MB" (buildah) or "NAME:TAG\t299MB" (docker)
        name, number, unit = re.fullmatch(r"(\S+)\s+([\d.]+)\s*([kKMG]?B)", line.strip()).groups()
        sizes[name] = float(number) * {"B": 1e-6, "kB": 1e-3, "KB": 1e-3, "MB": 1}.get(unit, 1e3)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", default=DEFAULT_SERVICES)
    parser.add_argument("--engine", default="buildah", choices=("buildah", "docker"))
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--npm", action="store_true", help="build the consoles in the copy")
    args = parser.parse_args()
    services = args.services.split(",")

    with tempfile.TemporaryDirectory(prefix="bmp-image-bench-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        if not args.npm:
            for app in ("console_web", "operation_web"):
                dist = ROOT / "services" / app / "dist"
                if dist.is_dir():
                    run(["cp", "-a", str(dist), str(tree / "services" / app)], check=True)
        env = {
            **os.environ,
            "BMP_BUILD_ENGINE": args.engine,
            "BMP_REGISTRY": REGISTRY,
            "TAG": TAG,
            "BMP_VENV": os.environ.get("BMP_VENV", str(Path(sys.executable).parents[1])),
        }
        if args.cold:
            env["BMP_BUILD_CACHE"] = str(Path(tmp) / "cache")
            listed = run(
                ["buildah", "images", "--format", "{{.Name}}:{{.Tag}}"],
                capture_output=True,
                text=True,
            ).stdout.split()
            ours = [name for name in listed if name.startswith(f"{REGISTRY}/")]
            for name in [*ours, *LOCAL_BASES]:
                run(["buildah", "rmi", "--force", name], capture_output=True)
        cold = build(tree, services, env)
        print(f"first build: {cold:.1f}s", flush=True)
        warm = build(tree, services, env)
        print(f"again, nothing changed: {warm:.1f}s", flush=True)
        changed = tree / "shared" / "bmp_common" / "ids.py"
        changed.write_text(changed.read_text() + "\n# bench: a changed line\n")
        rebuild = build(tree, services, env)
        print(f"rebuild after a change in bmp_common: {rebuild:.1f}s", flush=True)
        sizes = sizes_mb(tree, env)
        for name, size in sorted(sizes.items()):
            print(f"  {name}: {size:.0f} MB")
    images = [name for name in sizes if not any(helper in name for helper in HELPER_IMAGES)]
    total = sum(sizes[name] for name in images)
    print(
        f"images={len(images)} cold_s={cold:.0f} warm_s={warm:.0f} rebuild_s={rebuild:.0f}"
        f" total_mb={total:.0f}"
    )


if __name__ == "__main__":
    main()
