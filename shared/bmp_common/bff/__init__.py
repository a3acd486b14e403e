"""What both BFFs (``console_api``, ``operation_api``) are built from.

A BFF is a thin Django project: ``settings.py`` does
``globals().update(bff_settings("console_api", portal=CONSOLE))``, its ``urls.py`` adds
``bff_urlpatterns()`` (login, logout, health, /custom/*, /events) to its own routes, and each of
its views is a ``BffApi`` that calls openapi through ``self.openapi(...)`` (the contract client,
as the session's user). Modules:

- ``portals``: the two portals' constants (role that may log in, cookie names, Redis keys).
- ``settings``: the Django settings of a BFF (sessions in Redis, CSRF, no database).
- ``middleware``: request id and language in, ``X-Jdcloud-*`` headers out, Secure cookies.
- ``sessions``: login, logout, the session's user, the login rate limit.
- ``views``: ``BffApi`` and the routes every BFF serves.
- ``errors`` / ``exceptions``: the BFF's own error specs and its one exception handler.
- ``live``: the ``/events`` server-sent-events stream (openapi writes, ``bmp_common.live_events``).
"""
