"""The agent gateway's endpoints: parse, call one service or selector, render."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bmp_common import errors, flight
from bmp_common.errors import BmpError
from bmp_common.messages.steps import STEP_FAILED, STEP_OK
from bmp_scheduler.gateway import error_codes, ipxe, selectors, services
from bmp_scheduler.gateway.addresses import client_address

MAC = re.compile(r"^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$")
MAX_RESULTS = 100  # more than any chain has agent steps


class GatewayApi(APIView):
    """Agents authenticate with their boot's ticket or session token in the body, not with an
    API key, and call from their machine's reserved address."""

    authentication_classes = ()
    permission_classes = (AllowAny,)


def _mac(request) -> str:
    mac = (request.query_params.get("mac") or "").strip().lower()
    if not MAC.match(mac):
        raise BmpError(errors.INVALID_ARGUMENT, detail="mac: a MAC address is required")
    return mac.replace("-", ":")


class AgentApi(GatewayApi):
    """The agent's endpoints: HTTPS only, since every body carries the ticket or session token
    and an answer to the ticket carries the session token (iPXE's script, which carries none,
    stays on plain HTTP)."""

    def initial(self, request, *args, **kwargs):
        if not request.is_secure():
            raise BmpError(error_codes.AGENT_HTTPS_REQUIRED, url=settings.BMP_GATEWAY_URL)
        super().initial(request, *args, **kwargs)


class IpxeScriptApi(GatewayApi):
    """GET /v1/boot/ipxe?mac=: the LiveOS for a machine booting into it, else the local disk.
    No token: the LiveOS script loads it as a second initrd (agent.cpio)."""

    def get(self, request):
        mac = _mac(request)
        job = selectors.job_booting_liveos(mac=mac)
        if job is None:
            script = ipxe.LOCAL_DISK_SCRIPT
        else:
            script = ipxe.liveos_script(sn=job.sn, mac=mac)
        _fetched(mac, "ipxe script", {"boots": "liveos" if job is not None else "local disk"})
        return HttpResponse(script, content_type="text/plain; charset=utf-8")


class AgentTokenArchiveApi(GatewayApi):
    """GET /v1/boot/agent.cpio?mac=: a boot ticket as an initramfs archive, a fresh one each
    time until the agent exchanged it (the one before dies), to the machine's reserved address
    only (403 otherwise)."""

    def get(self, request):
        mac = _mac(request)
        try:
            archive = services.agent_token_archive(mac=mac, source=client_address(request))
        except BmpError:
            _fetched(mac, "agent.cpio", {"status": 403})
            raise
        _fetched(mac, "agent.cpio", {"status": 200})
        response = HttpResponse(archive, content_type="application/octet-stream")
        response["Cache-Control"] = "no-store"
        return response


def _fetched(mac: str, file: str, detail: dict) -> None:
    """The flight recorder's note of a boot file the gateway served (by MAC: the gateway is
    the boot's HTTP server for these two)."""
    entry = flight.entry(flight.HTTP, flight.FILE_FETCHED, {"file": file, **detail})
    flight.record_node([(mac, entry)])


class AgentIdentitySerializer(serializers.Serializer):
    sn = serializers.CharField(max_length=128)
    token = serializers.CharField(max_length=256)
    # Random per start of the agent: another one means the LiveOS restarted and forgot its work.
    boot_id = serializers.CharField(max_length=64, required=False, default="")


class WorkingSerializer(serializers.Serializer):
    step_id = serializers.IntegerField(min_value=1)
    attempt = serializers.IntegerField(min_value=1)


class HeartbeatApi(AgentApi):
    """POST /v1/agent/heartbeat: the agent's sign of life; an idle agent gets its step, if due."""

    class InputSerializer(AgentIdentitySerializer):
        working = WorkingSerializer(required=False)  # absent: the agent is idle
        progress = serializers.DictField(required=False)

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        source = client_address(request)
        return Response(services.agent_heartbeat(**body.validated_data, source=source))


class StepResultSerializer(serializers.Serializer):
    step_id = serializers.IntegerField(min_value=1)
    attempt = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=[STEP_OK, STEP_FAILED])
    data = serializers.DictField(required=False, default=dict)
    error = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True, default=None
    )


class ResultApi(AgentApi):
    """POST /v1/agent/result: the result of one attempt of a step; answers with the next."""

    class InputSerializer(AgentIdentitySerializer, StepResultSerializer):
        pass

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        source = client_address(request)
        return Response(services.agent_result(**body.validated_data, source=source))


class ResultsApi(AgentApi):
    """POST /v1/agent/results: results of steps run in order, oldest first; answers with the
    next steps and how many results were recorded."""

    class InputSerializer(AgentIdentitySerializer):
        results = StepResultSerializer(many=True, allow_empty=False, max_length=MAX_RESULTS)

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        source = client_address(request)
        return Response(services.agent_results(**body.validated_data, source=source))
