"""The LiveOS agent runs with only its own package (services/agent/liveos/build.sh copies
bmp_agent alone into the image), so it keeps its copies of the names it shares with the
platform. These tests pin each copy to bmp_common's: the scheduler's chains ask for actions by
bmp_common's names and read the agent's results by bmp_common's outcomes."""

from __future__ import annotations

import pytest

from bmp_agent.context import StepContext
from bmp_agent.steps import ACTIONS, raid, run_step
from bmp_common.messages.actions import AGENT_ACTIONS
from bmp_common.messages.jobs import NO_RAID_NAMES
from bmp_common.messages.steps import STEP_FAILED, STEP_OK


def test_the_agent_runs_exactly_the_actions_the_scheduler_sends_it():
    assert set(ACTIONS) == AGENT_ACTIONS


def test_the_agent_reports_outcomes_the_scheduler_reads(tmp_path):
    (tmp_path / "uptime").write_text("12.5 3.0\n")
    ctx = StepContext(work_dir=tmp_path, disks=[], proc_root=tmp_path, sys_root=tmp_path)
    assert run_step("Ping", {}, ctx)[0] == STEP_OK
    assert run_step("NoSuchAction", {}, ctx)[0] == STEP_FAILED


@pytest.mark.parametrize("name", sorted(NO_RAID_NAMES))
def test_every_no_raid_spelling_of_the_platform_builds_no_array(tmp_path, name):
    ctx = StepContext(work_dir=tmp_path, disks=[])
    assert raid.make_raid({"raid_name": name}, ctx)["raid_datas"] == []
