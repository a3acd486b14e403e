"""Per-profile URL patterns: a path is served on a profile with only the methods allowed there."""

from __future__ import annotations

from django.urls import path

from bmp_openapi.core.rbac import PROFILES


def api(route: str, view_class, name: str):
    """One entry of an app's ``ROUTES``."""
    return route, view_class, name


def build_urlpatterns(profile: str, routes) -> list:
    assert profile in PROFILES, profile
    served = [
        (route, view_class, name, methods)
        for route, view_class, name in routes
        if (methods := [m for m, rule in view_class.rules.items() if rule.served_on(profile)])
        or _swallowed(route, profile, routes)
    ]
    # Methods not served here answer 405, and the schema generator does not list them.
    return [
        path(route, view_class.as_view(http_method_names=methods), name=name)
        for route, view_class, name, methods in served
    ]


def _swallowed(route: str, profile: str, routes) -> bool:
    """A literal path only the other profile serves, which a pattern served here would take
    for one of its values (deviceTypes/volumesRaids for deviceTypes/<device_type_id>): it is
    kept, with no method, so that it answers 405 instead of meaning something else."""
    if "<" in route:
        return False
    return any(
        "<" in other and path(other, view_class.as_view()).resolve(route) is not None
        for other, view_class, _ in routes
        if any(rule.served_on(profile) for rule in view_class.rules.values())
    )
