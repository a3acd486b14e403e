"""/proc/mdstat as kernels print it (samples from Debian 12's 6.1 and the lab's QEMU guests):
each array's level, members, state and whether it is degraded; sent with the heartbeat."""

from __future__ import annotations

import json

from bmp_monitor_agent import mdstat
from bmp_monitor_agent.agent import Agent, Settings
from bmp_monitor_agent.fake import FakeHost

HEALTHY_MIRROR = """\
Personalities : [raid1] [linear] [multipath] [raid0] [raid6] [raid5] [raid4] [raid10]
md0 : active raid1 sdb1[1] sda1[0]
      1047552 blocks super 1.2 [2/2] [UU]

unused devices: <none>
"""

# The QEMU guest of issue 15 after one of its two disks was taken away.
DEGRADED_MIRROR = """\
Personalities : [raid1]
md127 : active raid1 vda2[0]
      1046528 blocks super 1.2 [2/1] [U_]

unused devices: <none>
"""

MIXED = """\
Personalities : [raid1] [raid0] [raid6] [raid5] [raid4] [raid10]
md2 : active raid5 sde1[3] sdd1[1] sdc1[0]
      2095104 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/3] [UUU]
      bitmap: 0/1 pages [0KB], 65536KB chunk

md1 : active raid1 sdc2[2] sda2[0] sdb2[1](F)
      8379392 blocks super 1.2 [2/1] [U_]
      [=>...................]  recovery =  8.5% (716800/8379392) finish=0.6min speed=204800K/sec

md0 : active raid0 nvme1n1p2[1] nvme0n1p2[0]
      2093056 blocks super 1.2 512k chunks

md126 : active (auto-read-only) raid1 sdf1[1] sdg1[0]
      523264 blocks super 1.2 [2/2] [UU]
        resync=PENDING

md127 : inactive sdh[1](S) sdi[0](S)
      2093056 blocks super 1.2

unused devices: <none>
"""


def brief(arrays):
    return [(a["name"], a["level"], a["state"], a["devices"], a["degraded"]) for a in arrays]


def test_a_healthy_mirror():
    (array,) = mdstat.parse(HEALTHY_MIRROR)
    assert array == {
        "name": "md0",
        "level": "raid1",
        "state": "active",
        "devices": ["sda1", "sdb1"],
        "failed": [],
        "spares": [],
        "wanted": 2,
        "up": 2,
        "sync": "",
        "degraded": False,
    }


def test_a_mirror_missing_a_disk_is_degraded():
    (array,) = mdstat.parse(DEGRADED_MIRROR)
    assert (array["wanted"], array["up"], array["degraded"]) == (2, 1, True)
    assert brief([array]) == [("md127", "raid1", "active", ["vda2"], True)]


def test_every_kind_of_array():
    arrays = mdstat.parse(MIXED)
    assert brief(arrays) == [
        ("md2", "raid5", "active", ["sdc1", "sdd1", "sde1"], False),
        ("md1", "raid1", "active", ["sda2", "sdb2", "sdc2"], True),
        ("md0", "raid0", "active", ["nvme0n1p2", "nvme1n1p2"], False),
        ("md126", "raid1", "active (auto-read-only)", ["sdg1", "sdf1"], False),
        ("md127", "", "inactive", ["sdi", "sdh"], True),
    ]
    md1 = arrays[1]
    assert (md1["failed"], md1["sync"]) == (["sdb2"], "recovery 8.5%")
    assert arrays[4]["spares"] == ["sdi", "sdh"]


def test_no_md_driver_no_arrays(tmp_path):
    assert mdstat.read(tmp_path) == []
    assert mdstat.parse("Personalities : \nunused devices: <none>\n") == []


def test_the_heartbeat_carries_the_arrays(tmp_path):
    """The heartbeat's body, as the proxy gets it (a real HTTP server here)."""
    import http.server
    import threading

    got = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            got.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = FakeHost(tmp_path, sn="SN-RAID")
        (host.proc / "mdstat").write_text(DEGRADED_MIRROR)
        url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/agent/"
        agent = Agent(Settings(proxy_url=url, credential="c", proc=host.proc, sys=host.sys))
        assert agent.heartbeat(1, 1718313720) == 200
        assert agent.heartbeat(2, 1718313780) == 200
    finally:
        server.shutdown()
        server.server_close()
    (path, running), (_, stopping) = got
    assert path == "/api/v1/agent/heartbeat"
    assert brief(running["software_raid"]) == [("md127", "raid1", "active", ["vda2"], True)]
    assert "software_raid" not in stopping
