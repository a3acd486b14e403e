# bmp-rsyslog: the LiveOS agents' log lines (RFC 5424/3164 syslog over UDP), one file per node
# address and program: <log dir>/<address>/<program>-<year>-<month>-<day>.log (upstream's
# layout). The host's own 127.0.0.1 is dropped, as upstream does. Nothing else is loaded (no
# imuxsock, no imklog): rsyslogd runs as an unprivileged user with only this file (-f).
#
# One template for both runtimes, rendered by replacing the @...@ names:
# deploy/local/run-service.sh (local runtime) and dockerfiles/rsyslog.Dockerfile (at build time).
global(workDirectory="@BMP_RSYSLOG_WORK_DIR@")
module(load="imudp")
template(name="bmpNodeFile" type="string"
  string="@BMP_RSYSLOG_LOG_DIR@/%fromhost-ip%/%programname%-%$year%-%$month%-%$day%.log")
ruleset(name="bmpNodes") {
  if $fromhost-ip == "127.0.0.1" then stop
  action(type="omfile" dynaFile="bmpNodeFile" createDirs="on" dirCreateMode="0750"
    fileCreateMode="0640")
}
input(type="imudp" address="@BMP_RSYSLOG_ADDRESS@" port="@BMP_RSYSLOG_PORT@" ruleset="bmpNodes")
