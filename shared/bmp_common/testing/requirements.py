"""What a test needs from the machine: present, or the test fails saying how to get it.

Never a skip: on a fresh machine ``run-tests.sh`` installs every tool the suites use, so a
missing one is a broken set-up that must be seen, not a test quietly not run.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_root(why: str) -> None:
    if os.geteuid() != 0:
        pytest.fail(f"needs root ({why}); run-tests.sh runs as root", pytrace=False)


def require_tools(*tools: str, install: str) -> None:
    """Fail unless every program in ``tools`` is on PATH; ``install`` says how to get them."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: {install}", pytrace=False)
