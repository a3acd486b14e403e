"""Reading instances: who may see which, and the list filters."""

from __future__ import annotations

from django.db.models import F, Prefetch, Q, QuerySet, Sum

from bmp_common.errors import PERMISSION_DENIED, BmpError
from bmp_openapi.accounts.models import User
from bmp_openapi.catalog.models import DeviceType, Image
from bmp_openapi.core import suffixes
from bmp_openapi.core.scoping import sees_fleet
from bmp_openapi.devices.selectors import sn_contains
from bmp_openapi.idcs.models import Idc
from bmp_openapi.instances.error_codes import (
    INSTANCE_NOT_FOUND,
    READ_ONLY_SHARE,
    SHARER_NOT_FOUND,
)
from bmp_openapi.instances.models import Instance, InstanceCount, InstanceNameSuffix
from bmp_openapi.projects.models import Permission, SharingProject
from bmp_openapi.projects.selectors import project_get_owned

EXACT_FILTERS = {
    "instanceId": "instance_id",
    "deviceTypeId": "device_type__device_type_id",
    "status": "status",
    "deviceId": "device__device_id",
    "idcId": "idc__idc_id",
    "projectId": "project__project_id",
    "ilo_ip": "device__ilo_ip",
    "ipv4": "device__private_ipv4",
    "ipv6": "device__private_ipv6",
}
FILTERS = (*EXACT_FILTERS, "instanceName", "sn")
# The filters InstanceCount answers the count of (its group columns).
COUNTED_FILTERS = ("idcId", "deviceTypeId", "status")
# A tenant's answer leaves the BMC address out: matching on it would tell it.
FLEET_ONLY_FILTERS = ("ilo_ip",)


def _visible(actor) -> QuerySet[Instance]:
    """Staff on the operator portal see every instance; everyone else their own and shared."""
    queryset = Instance.objects.select_related(
        "project",
        "user",
        "idc",
        "device",
        "device_type",
        "image",
        "image__os",
        "system_volume_raid",
    ).prefetch_related("device_type__volumes__raid_links__raid")
    if sees_fleet(actor):
        return queryset
    return queryset.filter(Q(user=actor) | _shared_with(actor))


def _shared_with(user, **share_filters) -> Q:
    """The instances shares give ``user``: every instance of a project shared whole, and the
    listed instances of a project shared in part while they are still in that project."""
    shares = SharingProject.objects.filter(shared_user=user, **share_filters)
    # Read now (a user has few shares): as subqueries in an OR, MariaDB reads every instance
    # to test each; as lists, it merges the three indexes (user, project, primary key).
    whole = list(shares.filter(whole_project=True).values_list("project", flat=True))
    listed = list(
        shares.filter(whole_project=False, instances__project=F("project")).values_list(
            "instances", flat=True
        )
    )
    return Q(project__in=whole) | Q(pk__in=listed)


def name_contains(text: str) -> Q:
    """Instances whose name contains ``text`` (ignoring case), through their name suffixes."""
    return suffixes.contains(InstanceNameSuffix, text, column="instance_name")


def instance_list(*, actor, filters: dict) -> QuerySet[Instance]:
    if not sees_fleet(actor) and any(filters.get(name) for name in FLEET_ONLY_FILTERS):
        raise BmpError(PERMISSION_DENIED)
    queryset = _visible(actor)
    for name, lookup in EXACT_FILTERS.items():
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name]})
    if filters.get("instanceName"):
        queryset = queryset.filter(name_contains(filters["instanceName"]))
    if filters.get("sn"):
        queryset = queryset.filter(sn_contains(filters["sn"], device="device__"))
    return queryset


def instance_list_count(*, actor, filters: dict) -> int | None:
    """instance_list's count, from InstanceCount when the filters are all among its group
    columns (the filters that keep most instances: a COUNT(*) would read them all); None when
    the list must count its rows (a filter that selects few, or a tenant's scope)."""
    if not sees_fleet(actor):
        return None
    if any(filters.get(name) for name in FILTERS if name not in COUNTED_FILTERS):
        return None
    groups = InstanceCount.objects.all()
    # As the list's joins: a deleted IDC's or type's id still finds its instances.
    if filters.get("idcId"):
        groups = groups.filter(
            idc_key__in=Idc.all_objects.filter(idc_id=filters["idcId"]).values("pk")
        )
    if filters.get("deviceTypeId"):
        types = DeviceType.all_objects.filter(device_type_id=filters["deviceTypeId"])
        groups = groups.filter(device_type_key__in=types.values("pk"))
    if filters.get("status"):
        groups = groups.filter(status=filters["status"])
    return groups.aggregate(total=Sum("live_rows"))["total"] or 0


def instance_get(*, actor, instance_id: str) -> Instance:
    instance = _visible(actor).filter(instance_id=instance_id).first()
    if instance is None:
        raise BmpError(INSTANCE_NOT_FOUND, instance_id=instance_id)
    return instance


def instance_get_writable(*, actor, instance_id: str) -> Instance:
    """An instance the caller may act on: theirs, shared with write, or any for staff here."""
    instance = instance_get(actor=actor, instance_id=instance_id)
    if instance.user_id == actor.pk or sees_fleet(actor):
        return instance
    writable = (
        Instance.objects.filter(pk=instance.pk)
        .filter(_shared_with(actor, permission=Permission.WRITE))
        .exists()
    )
    if not writable:
        raise BmpError(READ_ONLY_SHARE, instance_id=instance_id)
    return instance


def instance_sharer_ids(instance: Instance) -> list[str]:
    """The users a share lets see ``instance``: those its whole project is shared with, and
    those it is listed for (live events go to them as well as to its owner)."""
    return instances_sharer_ids([instance])[instance.pk]


def instances_sharer_ids(instances: list[Instance]) -> dict[int, list[str]]:
    """``instance_sharer_ids`` of each of ``instances`` (by primary key): one query for the
    shares of their projects, and one for the instances listed by those shared in part (if
    any: most projects have none)."""
    pks = {instance.pk for instance in instances}
    # In no particular order: the users' streams are a set (live_events.publish_many).
    shares = SharingProject.objects.filter(
        project_id__in={instance.project_id for instance in instances}
    ).order_by()
    shares = list(shares.values_list("pk", "project_id", "whole_project", "shared_user__user_id"))
    partial = [share_pk for share_pk, _, whole_project, _ in shares if not whole_project]
    listing: dict[int, list[int]] = {}
    if partial:
        listed_rows = SharingProject.instances.through.objects.filter(
            sharingproject_id__in=partial, instance_id__in=pks
        ).order_by()
        for share_pk, instance_pk in listed_rows.values_list("sharingproject_id", "instance_id"):
            listing.setdefault(share_pk, []).append(instance_pk)
    whole: dict[int, list[str]] = {}
    listed: dict[int, list[str]] = {}
    for share_pk, project_pk, whole_project, user_id in shares:
        if whole_project:
            whole.setdefault(project_pk, []).append(user_id)
        else:
            for instance_pk in listing.get(share_pk, ()):
                listed.setdefault(instance_pk, []).append(user_id)
    return {
        instance.pk: list(
            dict.fromkeys([*whole.get(instance.project_id, []), *listed.get(instance.pk, [])])
        )
        for instance in instances
    }


def visible_instance_ids(actor) -> QuerySet:
    """Ids of the instances the caller may see (the device reads' scope)."""
    return _visible(actor).values("instance_id")


# Up to this many instance ids found by name are handed over as a list, not a subquery.
NAMED_AS_LIST = 1000


def instance_name_search(text: str):
    """Ids of live instances whose name contains ``text`` (the device list's filter). Read
    here when they are few: as a subquery, MariaDB reads the devices in the list's order and
    looks each one's instance up, as it cannot tell how few names contain the text."""
    named = (
        Instance.objects.filter(name_contains(text))
        .order_by()
        .values_list("instance_id", flat=True)
    )
    found = list(named[: NAMED_AS_LIST + 1])
    return found if len(found) <= NAMED_AS_LIST else named


def project_instances_for_sharer(
    *, actor, project_id: str, sharer_name: str, instance_name: str = "", instance_id: str = ""
) -> tuple[list[Instance], set[str]]:
    """describeInstancesByProjectIdAndOwnerNameAndSharerName: the instances of a project the
    caller owns (404 / 403 otherwise), and the ids of those shared with ``sharer_name``."""
    project = project_get_owned(project_id=project_id, actor=actor)
    sharer = User.objects.filter(user_name=sharer_name).first()
    if sharer is None:
        raise BmpError(SHARER_NOT_FOUND, user_name=sharer_name)
    instances = Instance.objects.filter(project=project)
    if instance_name:
        instances = instances.filter(instance_name__icontains=instance_name)
    if instance_id:
        instances = instances.filter(instance_id__icontains=instance_id)
    shared = set(instances.filter(_shared_with(sharer)).values_list("instance_id", flat=True))
    return list(instances.only("instance_id", "instance_name")), shared


# What a device answer says of the instance on it (devices.apis.serializers, _instance_summary):
# the rest of the row (user data, the encrypted password, the RAID layout) is not read.
INSTANCE_SUMMARY_COLUMNS = (
    "instance_id",
    "instance_name",
    "status",
    "reason",
    "description",
    "created_at",
    "locked",
    "image_id",
)


def instances_by_id(*, instance_ids) -> dict[str, Instance]:
    """The live instances named, with their image: for the instance summary device answers
    carry (the caller already sees the devices, so it may see what runs on them)."""
    # The images in a query of their own, not joined: with the join, MariaDB may drive from the
    # image table (a handful of rows) and read every instance of the image through its foreign
    # key, 100,000 rows for a page of 20 (seen right after a bulk import, before InnoDB's
    # statistics caught up: 80 ms of SQL per device page). A deleted image still names itself.
    found = (
        Instance.objects.filter(instance_id__in=set(instance_ids))
        .only(*INSTANCE_SUMMARY_COLUMNS)
        .prefetch_related(Prefetch("image", queryset=Image.all_objects.only("image_name")))
        .order_by()  # a dict: no order to sort for
    )
    return {instance.instance_id: instance for instance in found}
