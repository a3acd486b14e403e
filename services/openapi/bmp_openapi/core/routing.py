"""Per-profile URL patterns: a path is served on a profile with only the methods allowed there."""

from __future__ import annotations

from django.urls import path

from bmp_openapi.core.rbac import PROFILES


def api(route: str, view_class, name: str):
    """One entry of an app's ``ROUTES``."""
    return route, view_class, name


def build_urlpatterns(profile: str, routes) -> list:
    assert profile in PROFILES, profile
    patterns = []
    for route, view_class, name in routes:
        methods = [method for method, rule in view_class.rules.items() if rule.served_on(profile)]
        if methods:
            # Methods not served here answer 405, and the schema generator does not list them.
            patterns.append(path(route, view_class.as_view(http_method_names=methods), name=name))
    return patterns
