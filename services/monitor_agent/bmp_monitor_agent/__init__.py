"""bmp-monitor-agent: the in-guest monitoring agent (Python standard library only).

Every interval (60 s, aligned to the minute) it reads upstream's 21 ``bmp.*`` metrics from
/proc and /sys and posts them to the monitor-proxy, and posts a heartbeat; both carry the
instance's SN (from DMI) and its credential. Installed by ``install.sh`` with a systemd unit
or, without systemd, a SysV script.
"""

VERSION = "1.0.0"
