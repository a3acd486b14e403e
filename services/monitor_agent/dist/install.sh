#!/bin/sh
# Installs the agent into this guest: install.sh PROXY_URL CREDENTIAL
# (run from the unpacked bundle: bmp_monitor_agent/, bmp-monitor-agent.service, bmpd.init).
set -eu
proxy_url="$1"
credential="$2"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p /opt/bmp/monitor-agent /etc/bmp-agent
cp -R "$here/bmp_monitor_agent" /opt/bmp/monitor-agent/
cp "$here/bmp-monitor-agent.sh" /opt/bmp/monitor-agent/ # the heartbeat where python3 is not
chmod 755 /opt/bmp/monitor-agent/bmp-monitor-agent.sh
umask 077
printf '%s\n' "$credential" >/etc/bmp-agent/credential
cat >/etc/bmp-agent/agent.json <<JSON
{"proxy_url": "$proxy_url", "credential_file": "/etc/bmp-agent/credential", "interval_s": 60}
JSON
if [ -x /usr/bin/python3 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  cp "$here/bmp-monitor-agent.service" /etc/systemd/system/
  systemctl daemon-reload
  systemctl enable --now bmp-monitor-agent.service
else
  cp "$here/bmpd.init" /etc/init.d/bmpd
  chmod 755 /etc/init.d/bmpd
  if command -v chkconfig >/dev/null 2>&1; then chkconfig --add bmpd; fi
  if command -v update-rc.d >/dev/null 2>&1; then update-rc.d bmpd defaults; fi
  /etc/init.d/bmpd start
fi
