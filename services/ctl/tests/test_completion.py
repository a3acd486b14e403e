"""The completion scripts, run by a real bash and a real zsh."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

PROBE = """
complete_words() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMPREPLY=()
    {function}
    printf '%s\\n' "${{COMPREPLY[@]}}"; echo "--"
}}
complete_words bmpctl id
complete_words bmpctl -o json idc describeI
complete_words bmpctl instance describeProjectInstances --status Creat
complete_words bmpctl instance startProjectInstance --wa
complete_words bmpctl --output y
complete_words bmpctl completion ''
"""
EXPECTED = [
    ["idc"],
    ["describeIdcs", "describeIdc"],
    ["Creation\\ failed"],
    ["--wait"],
    ["yaml"],
    ["bash", "zsh"],
]


def _script(shell: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bmp_ctl", "completion", shell],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def _answers(stdout: str) -> list[list[str]]:
    return [chunk.strip().splitlines() for chunk in stdout.split("--\n")[:-1]]


def test_bash_completes_tags_operations_options_and_enum_values(tmp_path):
    script = tmp_path / "bmpctl.bash"
    script.write_text(_script("bash"))
    probe = f"source {script}\n" + PROBE.format(function="_bmpctl")
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert done.stderr == ""
    assert _answers(done.stdout) == EXPECTED


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (run-tests.sh does)")
def test_zsh_loads_the_script_and_completes_through_bashcompinit(tmp_path):
    script = tmp_path / "bmpctl.zsh"
    script.write_text(_script("zsh"))
    # zsh's print would read the backslash; printf with %s does not.
    probe = f"source {script}\n" + PROBE.format(function="_bmpctl_zsh")
    done = subprocess.run(
        ["zsh", "-f", "-c", probe], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert done.stderr == ""
    assert _answers(done.stdout) == EXPECTED
