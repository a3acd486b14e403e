"""Tables, the config file and the two languages of bmpctl's own words."""

from __future__ import annotations

import stat

import pytest

from bmp_ctl import config, output, texts, wait

SAY = texts.Texts(texts.EN_US)

IDCS = {
    "pageNumber": 1,
    "pageSize": 2,
    "totalCount": 3,
    "idcs": [
        {"id": 1, "idcId": "idc-a", "name": "北京一", "nameEn": "bj1", "level": "T3"},
        {"id": 2, "idcId": "idc-b", "name": "lab", "nameEn": "lab", "level": "T4"},
    ],
}


def test_a_list_is_a_table_of_sensible_columns_aligned_for_chinese():
    assert output.as_table(IDCS, SAY).splitlines() == [
        "idcId  name    level",
        "idc-a  北京一  T3",
        "idc-b  lab     T4",
        "page 1 of 2, 3 in all",
    ]


def test_columns_can_be_chosen_or_all():
    assert output.as_table(IDCS, SAY, ["nameEn", "id"]).splitlines()[:2] == [
        "nameEn  id",
        "bj1     1",
    ]
    assert output.as_table(IDCS, SAY, ["all"]).splitlines()[0].split() == [
        "id",
        "idcId",
        "name",
        "nameEn",
        "level",
    ]


def test_an_item_is_a_field_value_table_and_an_empty_list_says_so():
    shown = output.as_table({"idc": {"idcId": "idc-a", "tags": ["x"]}}, SAY).splitlines()
    assert shown == ["FIELD  VALUE", "idcId  idc-a", 'tags   ["x"]']
    empty = {"pageNumber": 1, "pageSize": 20, "totalCount": 0, "idcs": []}
    assert output.as_table(empty, texts.Texts(texts.ZH_CN)).splitlines() == [
        "（无）",
        "第 1/1 页，共 0 条",
    ]


def test_instances_show_their_id_name_and_status_first():
    row = {
        "instanceId": "i-1",
        "instanceName": "web",
        "hostname": "h",
        "status": "running",
        "statusName": "Running",
        "sn": "LAB-0001",
        "progress": {},
        "idcId": "idc-a",
    }
    assert output.default_columns([row], "instances")[:4] == [
        "instanceId",
        "instanceName",
        "status",
        "sn",
    ]


def test_json_and_yaml_keep_chinese_as_it_is():
    assert '"name": "北京一"' in output.render(IDCS, "json", SAY)
    assert "name: 北京一" in output.render(IDCS, "yaml", SAY)


def test_the_config_file_follows_xdg_and_is_written_for_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("BMP_API_URL", "BMP_API_KEY", "BMP_API_PROFILE", "BMP_LANG"):
        monkeypatch.delenv(name, raising=False)
    path = config.write_file(config.Settings("http://h:8802", "k-1", "console", "zh_CN"))
    assert path == tmp_path / "xdg" / "bmp" / "config"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.settings() == config.Settings("http://h:8802", "k-1", "console", "zh_CN")
    monkeypatch.setenv("BMP_API_KEY", "k-2")
    assert config.settings().key == "k-2"

    path.chmod(0o644)
    with pytest.raises(config.ConfigError) as raised:
        config.settings()
    assert raised.value.key == "config open"


def test_without_xdg_the_file_is_under_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.config_path() == tmp_path / ".config" / "bmp" / "config"


def test_both_languages_have_every_text():
    assert [key for key, entry in texts.TEXTS.items() if set(entry) != set(texts.LANGUAGES)] == []


@pytest.mark.parametrize(
    ("value", "language"),
    [("zh_CN.UTF-8", "zh_CN"), ("zh", "zh_CN"), ("en_US.UTF-8", "en_US"), ("C", "en_US")],
)
def test_locale_names_choose_a_language(value, language):
    assert texts.normalise(value) == language


def test_the_progress_bar_counts_steps_and_bytes():
    assert wait.fraction({"step": 1, "steps": 4}, False) == 0
    assert wait.fraction({"step": 3, "steps": 4, "bytes": 50, "total": 100}, False) == 0.625
    assert wait.fraction({}, True) == 1
    assert wait.bar(0.5) == "[" + "#" * 12 + "-" * 12 + "]  50%"


def test_values_alone_for_a_shell_variable():
    assert output.render(IDCS, "value", SAY, ["idcId"]) == "idc-a\nidc-b"
    assert output.render(IDCS, "value", SAY) == "idc-a\t北京一\tT3\nidc-b\tlab\tT4"
    assert output.render({"idcId": "idc-c"}, "value", SAY) == "idc-c"
    assert (
        output.render({"idc": {"idcId": "idc-a", "level": "T3"}}, "value", SAY, ["level"]) == "T3"
    )
