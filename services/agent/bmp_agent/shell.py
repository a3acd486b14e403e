"""Running the LiveOS's disk tools: argument lists only (no shell), output captured.

Secrets never reach argv: a caller that must hand one over uses ``stdin``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

from bmp_agent.errors import StepError

log = logging.getLogger(__name__)


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def require(tool: str, code: str = "TOOL_MISSING") -> str:
    path = shutil.which(tool)
    if path is None:
        raise StepError(code, f"{tool} is not installed in this LiveOS")
    return path


def run(
    argv: list[str],
    *,
    code: str = "COMMAND_FAILED",
    check: bool = True,
    stdin: bytes | None = None,
    timeout: float = 600.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv``; a non-zero exit raises StepError(code) with the tool's stderr."""
    require(argv[0])
    log.debug("run %s", " ".join(argv))
    try:
        done = subprocess.run(  # noqa: S603 (argv list, no shell)
            argv,
            input=stdin.decode() if stdin is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StepError(code, f"{argv[0]} did not finish in {timeout:.0f} s") from None
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise StepError(
            code, f"{' '.join(argv[:3])} failed ({done.returncode}): {' | '.join(detail)}"
        )
    return done
