"""The commands are the contract's operations, with the contract's fields, types and enums."""

from __future__ import annotations

import pytest

from bmp_common.contract import HTTP_METHODS, contract_for
from bmp_ctl import cli, texts
from bmp_ctl.commands import BODY, BOOLEAN, INTEGER, JSON, LIST, PATH, QUERY, load_tags
from bmp_ctl.wait import WAITABLE

SAY = texts.Texts(texts.EN_US)


@pytest.fixture(scope="module")
def tags():
    return load_tags("operation")


@pytest.fixture(scope="module")
def parser(tags):
    return cli.build_parser(tags, SAY)


def _operation_ids(profile: str) -> set[str]:
    return {
        op["operationId"]
        for item in contract_for(profile)["paths"].values()
        for method, op in item.items()
        if method in HTTP_METHODS
    }


@pytest.mark.parametrize("profile", ["operation", "console"])
def test_every_operation_of_the_profile_is_a_command_under_its_tag(profile):
    tags = load_tags(profile)
    commands = {op: tag.name for tag in tags.values() for op in tag.commands}
    assert set(commands) == _operation_ids(profile)
    assert commands["describeIdcs"] == "idc"
    assert commands["createProjectInstance"] == "instance"


def test_options_carry_the_contracts_places_types_enums_and_required_ness(tags):
    create = {o.name: o for o in tags["instance"].commands["createProjectInstance"].options}
    assert (create["idcId"].where, create["idcId"].required) == (BODY, True)
    assert create["hostname"].required is False
    assert create["bootMode"].choices == ("UEFI", "Legacy/BIOS")
    assert (create["count"].kind, create["installBmpAgent"].kind) == (INTEGER, BOOLEAN)
    assert create["systemPartition"].kind == JSON  # an array of objects
    assert "bmpLanguage" not in create and "traceId" not in create  # the client's own headers
    listing = {o.name: o for o in tags["instance"].commands["describeProjectInstances"].options}
    assert listing["pageSize"].where == QUERY and listing["pageSize"].kind == INTEGER
    assert "Creation failed" in listing["status"].choices
    batch = {o.name: o for o in tags["instance"].commands["startInstances"].options}
    assert (batch["instanceIds"].kind, batch["instanceIds"].item_kind) == (LIST, "string")
    start = {o.name: o for o in tags["instance"].commands["startProjectInstance"].options}
    assert (start["instance_id"].where, start["instance_id"].required) == (PATH, True)


def test_no_contract_field_is_shadowed_by_bmpctls_own_options(tags):
    own = {"body", "wait", "timeout", "interval", "output", "lang", "columns", "help"}
    clashes = {
        (command.operation_id, option.name)
        for tag in tags.values()
        for command in tag.commands.values()
        for option in command.options
        if option.name in own
    }
    assert clashes == set()


def test_waitable_operations_exist_in_the_contract():
    assert set(WAITABLE) <= _operation_ids("operation")


def test_options_become_the_calls_path_query_and_body(tags, parser):
    args = parser.parse_args(
        [
            *("instance", "createProjectInstance", "--idcId", "idc-1", "--projectId", "p-1"),
            *("--deviceTypeId", "dt-1", "--imageId", "im-1", "--systemVolumeRaidId", "r-1"),
            *("--instanceName", "web", "--count", "2", "--installBmpAgent", "true"),
            *("--systemPartition", '[{"format": "xfs", "point": "/", "size": 10240}]'),
            *("--Idempotency-Key", "k-1"),
        ]
    )
    arguments = cli.request_of(args.command, args, SAY)
    assert arguments == {
        "path": {},
        "query": {},
        "body": {
            "idcId": "idc-1",
            "projectId": "p-1",
            "deviceTypeId": "dt-1",
            "imageId": "im-1",
            "systemVolumeRaidId": "r-1",
            "instanceName": "web",
            "count": 2,
            "installBmpAgent": True,
            "systemPartition": [{"format": "xfs", "point": "/", "size": 10240}],
        },
        "idempotency_key": "k-1",
    }
    args = parser.parse_args(["idc", "describeIdcs", "--pageSize", "5", "--isAll", "1"])
    assert cli.request_of(args.command, args, SAY) == {
        "path": {},
        "query": {"pageSize": 5, "isAll": "1"},
    }


def test_body_json_is_the_base_and_options_override_its_fields(parser, tmp_path):
    body = tmp_path / "idc.json"
    body.write_text('{"name": "一号机房", "nameEn": "one", "level": "T3"}')
    args = parser.parse_args(["idc", "createIdc", "--body", f"@{body}", "--level", "T4"])
    assert cli.request_of(args.command, args, SAY)["body"] == {
        "name": "一号机房",
        "nameEn": "one",
        "level": "T4",
    }
    args = parser.parse_args(["idc", "modifyIdc", "--idc_id", "idc-1", "--body", '{"level": "T2"}'])
    assert cli.request_of(args.command, args, SAY) == {
        "path": {"idc_id": "idc-1"},
        "query": {},
        "body": {"level": "T2"},
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["idc", "createIdc", "--name", "x"], "missing required fields: --nameEn, --level"),
        (["idc", "createIdc", "--body", "{nope"], "--body is not JSON: "),
        (["idc", "createIdc", "--body", "[1]"], "--body must be a JSON object"),
        (["idc", "createIdc", "--body", "@/nonexistent.json"], "--body file /nonexistent.json"),
        (["instance", "createProjectInstance", "--systemPartition", "x"], "--systemPartition: "),
    ],
)
def test_a_body_that_cannot_be_sent_is_a_usage_error(parser, argv, message):
    args = parser.parse_args(argv)
    with pytest.raises(cli.UsageError) as raised:
        cli.request_of(args.command, args, SAY)
    assert raised.value.message.startswith(message)


def test_help_comes_from_the_contract(parser, capsys):
    with pytest.raises(SystemExit):
        parser.parse_args(["instance", "stopProjectInstance", "--help"])
    shown = capsys.readouterr().out
    assert "Powers a running instance off." in shown
    assert "PUT /v1/project/instances/{instance_id}/stop" in shown
    assert "--instance_id TEXT" in shown and "--wait" in shown


def test_chinese_help_and_argparse_errors(tags, capsys):
    say = texts.Texts(texts.ZH_CN)
    say.install_argparse()
    try:
        parser = cli.build_parser(tags, say)
        with pytest.raises(SystemExit) as raised:
            parser.parse_args(["idc", "describeIdcs", "--pageSize", "x"])
    finally:
        texts.Texts(texts.EN_US).install_argparse()
    assert raised.value.code == 2
    assert "错误：参数 --pageSize：无效的 int 值：'x'" in capsys.readouterr().err
