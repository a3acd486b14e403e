"""Reads of projects. A user sees the projects they own and those shared with them, nothing else:
another user's project is answered as if it did not exist (404)."""

from __future__ import annotations

from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When

from bmp_common.errors import BmpError
from bmp_openapi.accounts.choices import ROLE_ADMIN
from bmp_openapi.accounts.models import User
from bmp_openapi.core import events
from bmp_openapi.projects.error_codes import NOT_OWNER, PROJECT_NOT_FOUND, USER_NOT_FOUND
from bmp_openapi.projects.models import Project, SharingProject

OWNED = 1  # the caller owns the project
SHARED = 2  # the project is shared with the caller


def _shared_with(user: User) -> QuerySet:
    return SharingProject.objects.filter(shared_user=user).values("project")


def _visible(actor: User, owned: int = 0) -> QuerySet[Project]:
    mine = Q(user=actor)
    shared = Q(pk__in=_shared_with(actor))
    scope = {OWNED: mine, SHARED: shared}.get(owned, mine | shared)
    return (
        Project.objects.filter(scope)
        .select_related("user")
        .prefetch_related(
            Prefetch("shares", queryset=SharingProject.objects.select_related("shared_user"))
        )
        # The caller's default project first, as upstream lists it.
        .annotate(
            default_first=Case(When(user=actor, is_default=True, then=Value(0)), default=Value(1))
        )
    )


def project_list(*, actor: User, filters: dict) -> QuerySet[Project]:
    queryset = _visible(actor, filters.get("owned") or 0)
    if filters.get("projectName"):
        queryset = queryset.filter(project_name=filters["projectName"])
    return queryset.order_by("default_first", "created_at", "id")


def project_get(*, project_id: str, actor: User) -> Project:
    """A project the caller owns or that is shared with them."""
    project = _visible(actor).filter(project_id=project_id).first()
    if project is None:
        raise BmpError(PROJECT_NOT_FOUND, project_id=project_id)
    return project


def project_get_owned(*, project_id: str, actor: User) -> Project:
    """A project the caller owns: 404 if they cannot see it, 403 if it is only shared with them."""
    project = project_get(project_id=project_id, actor=actor)
    if project.user_id != actor.pk:
        raise BmpError(NOT_OWNER, project_id=project_id)
    return project


def project_get_movable(*, project_id: str, actor: User) -> Project:
    """A project the caller may give away: their own, or any project for the admin."""
    if actor.role.role_id != ROLE_ADMIN:
        return project_get_owned(project_id=project_id, actor=actor)
    project = Project.objects.select_related("user").filter(project_id=project_id).first()
    if project is None:
        raise BmpError(PROJECT_NOT_FOUND, project_id=project_id)
    return project


def visible_shares(project: Project, actor: User) -> list[SharingProject]:
    """The owner sees every share of the project; a user it is shared with sees their own."""
    shares = list(project.shares.all())
    if project.user_id == actor.pk:
        return shares
    return [share for share in shares if share.shared_user_id == actor.pk]


def instance_counts(projects: list[Project], actor: User) -> dict[int, int]:
    """How many instances of each project ``actor`` sees."""
    counts: dict[int, int] = {}
    answers = events.answers(
        events.project_instance_counts, Project, projects=projects, actor=actor
    )
    for counted in answers:
        for pk, count in counted.items():
            counts[pk] = counts.get(pk, 0) + count
    return counts


def shared_instance_ids(shares: list[SharingProject]) -> dict[int, list[str]]:
    """The instances each share gives (by share pk): all of a project shared whole, else the
    listed ones still in the project."""
    whole = {share.project_id for share in shares if share.whole_project}
    of_project: dict[int, list[str]] = {}
    for answer in events.answers(events.project_instance_ids, Project, projects=whole):
        of_project.update(answer)
    listed: dict[int, list[str]] = {}
    rows = (
        SharingProject.instances.through.objects.filter(
            sharingproject__in=[share.pk for share in shares if not share.whole_project],
            instance__project=F("sharingproject__project"),
            instance__delete_marker=0,
        )
        .order_by("instance__created_at", "instance__id")
        .values_list("sharingproject", "instance__instance_id")
    )
    for share_pk, instance_id in rows:
        listed.setdefault(share_pk, []).append(instance_id)
    return {
        share.pk: of_project.get(share.project_id, [])
        if share.whole_project
        else listed.get(share.pk, [])
        for share in shares
    }


def project_default_id(*, user: User) -> str:
    """The public id of the user's default project ("" if they have none)."""
    project = Project.objects.filter(user=user, is_default=True).only("project_id").first()
    return project.project_id if project else ""


def user_get(*, user_id: str) -> User:
    user = User.objects.filter(user_id=user_id).first()
    if user is None:
        raise BmpError(USER_NOT_FOUND, user_id=user_id)
    return user
