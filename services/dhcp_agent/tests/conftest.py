import pytest

from bmp_dhcp_agent.hosts import HostTable


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Host tables of this test live in their own folder."""
    monkeypatch.setenv("BMP_DHCP_STATE_DIR", str(tmp_path / "dhcp"))
    return tmp_path / "dhcp"


@pytest.fixture
def table(tmp_path):
    with HostTable(tmp_path / "hosts.sqlite3") as table:
        yield table
