"""oob-alert's routes: upstream's 16 (``/v1/oob-alert/*``, ``/describeInstanceMonitor/``,
``/inner/*``), query names as upstream, behind openapi's API keys and roles; plus the agent's
routes (``/v1/oob-alert/agent/*``, system key only)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from bmp_common.errors import BmpError
from bmp_oob_alert.auth import AgentOnly, StaffOnly, UsersOnly
from bmp_oob_alert.faults import export, selectors, services
from bmp_oob_alert.faults.error_codes import INSTANCE_NOT_FOUND
from bmp_oob_alert.faults.models import CustomInfo, MonitoredDevice
from bmp_oob_alert.faults.serializers import device_status_row, fault_row, rule_row

MAX_PAGE_SIZE = 1000


class OobApi(APIView):
    permission_classes = (UsersOnly,)
    query_fields: tuple[str, ...] = ()
    paged = False

    def query(self, request) -> dict:
        allowed = set(self.query_fields)
        if self.paged:
            allowed |= {"page_num", "page_size", "isAll", "exportType"}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise serializers.ValidationError(
                {name: ["unknown query parameter"] for name in unknown}
            )
        return {name: request.query_params.get(name, "").strip() for name in allowed}

    def page(self, query: dict, rows_queryset, render, *, export_as=None):
        if query.get("exportType") and export_as is not None:
            filename, columns = export_as
            return export.xlsx_response(filename, columns, [render(row) for row in rows_queryset])
        total = rows_queryset.count()
        try:
            number = max(1, int(query.get("page_num") or 1))
            size = min(MAX_PAGE_SIZE, max(1, int(query.get("page_size") or 20)))
        except ValueError:
            raise serializers.ValidationError({"page_num": ["not a number"]}) from None
        if query.get("isAll") == "1":
            rows, number, size = list(rows_queryset), 1, total
        else:
            rows = list(rows_queryset[(number - 1) * size : number * size])
        return Response(
            {
                "detail": [render(row) for row in rows],
                "page_number": number,
                "page_size": size,
                "total_count": total,
            }
        )


DEVICE_COLUMNS = [
    ("idc_name", "IDC"),
    ("sn", "SN"),
    ("brand", "Brand"),
    ("model", "Model"),
    ("manage_status", "Manage status"),
    ("cpu_status", "CPU"),
    ("mem_status", "Memory"),
    ("disk_status", "Disk"),
    ("nic_status", "NIC"),
    ("power_status", "Power"),
    ("other_status", "Other"),
]
LOG_COLUMNS = [
    ("logid", "Log ID"),
    ("sn", "SN"),
    ("idc_name", "IDC"),
    ("alert_name", "Fault"),
    ("alert_desc", "Description"),
    ("alert_type", "Type"),
    ("alert_part", "Component"),
    ("alert_level", "Level"),
    ("alert_content", "Record"),
    ("event_time", "First time"),
    ("collect_time", "Last time"),
    ("count", "Count"),
    ("status", "Handled"),
    ("handled_by", "Handled by"),
    ("handled_time", "Handled time"),
]
RULE_COLUMNS = [
    ("rule_id", "Rule ID"),
    ("alert_name", "Name"),
    ("alert_spec", "Component"),
    ("alert_type", "Type"),
    ("alert_condition", "Condition"),
    ("alert_threshold", "Threshold"),
    ("alert_level", "Level"),
    ("alert_desc", "Description"),
    ("push_status", "Push"),
    ("use_status", "Enabled"),
]


class DeviceStatusApi(OobApi):
    """GET /v1/oob-alert/device/status: component health per device."""

    paged = True
    query_fields = ("idc_id", "sn")

    def get(self, request):
        query = self.query(request)
        devices = selectors.device_list(
            principal=request.user, idc_id=query["idc_id"], sn=query["sn"]
        )
        return self.page(
            query, devices, device_status_row, export_as=("device_status", DEVICE_COLUMNS)
        )


class LogsApi(OobApi):
    """GET /v1/oob-alert/logs: the fault log (operators' portal)."""

    paged = True
    query_fields = ("idc_id", "sn", "level", "spec", "start_time", "end_time", "deal_status")

    def get(self, request):
        query = self.query(request)
        faults = selectors.fault_list(principal=request.user, filters=query)
        return self.page(query, faults, fault_row, export_as=("fault_logs", LOG_COLUMNS))


class ConsoleLogsApi(OobApi):
    """GET /v1/oob-alert/consolelogs?sn=: one device's faults of pushed rules (console)."""

    paged = True
    query_fields = ("sn",)

    def get(self, request):
        query = self.query(request)
        if not query["sn"]:
            raise serializers.ValidationError({"sn": ["required"]})
        faults = selectors.fault_list(principal=request.user, filters={**query, "console": True})
        return self.page(query, faults, fault_row, export_as=("fault_logs", LOG_COLUMNS))


class LogDealApi(OobApi):
    """POST /v1/oob-alert/logs/deal {logid}: mark a fault handled."""

    permission_classes = (StaffOnly,)

    class InputSerializer(serializers.Serializer):
        logid = serializers.IntegerField(min_value=1)

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.fault_handle(logid=body.validated_data["logid"], actor=request.user)
        return Response({"success": True})


class AlertSpecListApi(OobApi):
    def get(self, request):
        self.query(request)
        return Response(selectors.rule_parts())


class AlertLevelListApi(OobApi):
    def get(self, request):
        self.query(request)
        return Response(selectors.rule_levels())


class RulesApi(OobApi):
    """GET /v1/oob-alert/rules: the fault rules."""

    permission_classes = (StaffOnly,)
    paged = True
    query_fields = ("alert_name", "alert_spec", "alert_level")

    def get(self, request):
        query = self.query(request)
        return self.page(
            query,
            selectors.rule_list(filters=query),
            rule_row,
            export_as=("fault_rules", RULE_COLUMNS),
        )


class ChangePushApi(OobApi):
    permission_classes = (StaffOnly,)

    class InputSerializer(serializers.Serializer):
        rule_id = serializers.IntegerField(min_value=1)
        push_status = serializers.ChoiceField(choices=[0, 1])

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.rule_push_set(
            rule_id=body.validated_data["rule_id"],
            push=bool(body.validated_data["push_status"]),
            actor=request.user,
        )
        return Response({"success": True})


class ChangeUseApi(OobApi):
    permission_classes = (StaffOnly,)

    class InputSerializer(serializers.Serializer):
        rule_id = serializers.IntegerField(min_value=1)
        use_status = serializers.ChoiceField(choices=[0, 1])

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.rule_use_set(
            rule_id=body.validated_data["rule_id"],
            use=bool(body.validated_data["use_status"]),
            actor=request.user,
        )
        return Response({"success": True})


class RulesResetApi(OobApi):
    """POST /v1/oob-alert/rules/reset {rule_ids: "1,2,3"} (empty: every rule)."""

    permission_classes = (StaffOnly,)

    class InputSerializer(serializers.Serializer):
        rule_ids = serializers.RegexField(
            r"^\s*(\d+\s*(,\s*\d+\s*)*)?$", required=False, allow_blank=True, max_length=1024
        )

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        text = body.validated_data.get("rule_ids", "")
        ids = [int(part) for part in text.split(",") if part.strip()]
        services.rules_reset(rule_ids=ids or None, actor=request.user)
        return Response({"success": True})


class SetCustomInfoApi(OobApi):
    class InputSerializer(serializers.Serializer):
        page_key = serializers.CharField(max_length=64)
        page_value = serializers.DictField()

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.custom_info_set(user_id=request.user.user_id, **body.validated_data)
        return Response({"success": True})


class GetCustomInfoApi(OobApi):
    query_fields = ("page_key", "reload")

    def get(self, request):
        query = self.query(request)
        row = CustomInfo.objects.filter(
            user_id=request.user.user_id, page_key=query["page_key"]
        ).first()
        return Response(row.page_value if row is not None else {})


class InstanceMonitorApi(OobApi):
    """GET /describeInstanceMonitor/?instanceID= (and /inner/…): the instance's hardware as
    its BMC reports it (FRU) and the health of its components."""

    query_fields = ("instanceID",)

    def get(self, request):
        query = self.query(request)
        instance_id = query["instanceID"]
        if not instance_id:
            raise serializers.ValidationError({"instanceID": ["param instanceID is blank"]})
        device = MonitoredDevice.objects.filter(instance_id=instance_id).first()
        if device is None or not request.user.sees(device.device_id):
            raise BmpError(INSTANCE_NOT_FOUND, instance_id=instance_id)
        return Response(
            {
                "instanceID": instance_id,
                "sn": device.sn,
                "fru": device.fru,
                "health": device_status_row(device)["health"],
                "lastMonitorTime": device.polled_at.isoformat() if device.polled_at else "",
            }
        )


class PowerStatusReportApi(OobApi):
    """GET /inner/trigPowerStatusReport: how many devices' BMCs answer and how many do not."""

    permission_classes = (StaffOnly,)

    def get(self, request):
        self.query(request)
        devices = MonitoredDevice.objects.all()
        return Response(
            {
                "devices": devices.count(),
                "unreachable": devices.filter(failures__gt=0).count(),
            }
        )


class DailyReportApi(OobApi):
    """GET /inner/trigDailyReport: open faults by level and component."""

    permission_classes = (StaffOnly,)

    def get(self, request):
        self.query(request)
        from django.db.models import Count

        from bmp_oob_alert.faults.models import FaultLog

        rows = (
            FaultLog.objects.filter(handled=False)
            .values("level", "parts")
            .annotate(faults=Count("id"))
            .order_by("level", "parts")
        )
        return Response({"open": list(rows)})


# -- oob-agent -------------------------------------------------------------------------------


class AgentCursorsApi(OobApi):
    """GET /v1/oob-alert/agent/cursors?idc_id=: where each device's last poll stopped."""

    permission_classes = (AgentOnly,)
    query_fields = ("idc_id",)

    def get(self, request):
        query = self.query(request)
        devices = MonitoredDevice.objects.filter(idc_id=query["idc_id"])
        return Response(
            {
                "cursors": {
                    d.device_id: {
                        "cursor": services._cursor(d),
                        "fru_known": bool(d.fru),
                    }
                    for d in devices
                }
            }
        )


class AgentReportsApi(OobApi):
    """POST /v1/oob-alert/agent/reports {reports: [...]}: poll results of some devices."""

    permission_classes = (AgentOnly,)

    def post(self, request):
        reports = request.data.get("reports")
        if not isinstance(reports, list) or len(reports) > 500:
            raise serializers.ValidationError({"reports": ["a list of at most 500 reports"]})
        return Response(services.reports_apply(reports=reports))


class AgentRosterApi(OobApi):
    """POST /v1/oob-alert/agent/roster {idc_id, device_ids}: the IDC's devices now; the others
    (deleted in openapi) lose their faults."""

    permission_classes = (AgentOnly,)

    class InputSerializer(serializers.Serializer):
        idc_id = serializers.CharField(max_length=64)
        device_ids = serializers.ListField(child=serializers.CharField(max_length=64))

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"removed": services.roster_apply(**body.validated_data)})
