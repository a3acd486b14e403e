"""Who may call what, on which profile: one rule per operation, declared on the API class.

Profiles: ``operation`` (port 8801, the operator portal and API clients) and ``console``
(port 8802, the tenant console). A rule lists, per profile, the roles allowed; an empty set
means the operation is not served on that profile at all (405 on that path).
"""

from __future__ import annotations

from dataclasses import dataclass

from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER

OPERATION = "operation"
CONSOLE = "console"
PROFILES = (OPERATION, CONSOLE)

STAFF = frozenset({ROLE_ADMIN, ROLE_OPERATOR})
EVERYONE = frozenset({ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER})
ADMINS = frozenset({ROLE_ADMIN})
NOBODY = frozenset()


@dataclass(frozen=True)
class Rule:
    operation: frozenset[str]
    console: frozenset[str]

    def roles(self, profile: str) -> frozenset[str]:
        return self.operation if profile == OPERATION else self.console

    def served_on(self, profile: str) -> bool:
        return bool(self.roles(profile))


# Platform inventory (IDCs, OSs, images, device types, RAIDs, devices): staff manage it on the
# operation profile; on the console everyone may read it and nobody may change it.
INVENTORY_READ = Rule(operation=STAFF, console=EVERYONE)
INVENTORY_WRITE = Rule(operation=STAFF, console=NOBODY)
# Users and roles: the owner (admin) only.
ADMIN_ONLY = Rule(operation=ADMINS, console=NOBODY)
ADMIN_READ = Rule(operation=ADMINS, console=ADMINS)
# The caller's own things (profile, keys, SSH keys, projects, messages): everyone who may use
# the profile. The operation profile is for staff only, as upstream.
OWN = Rule(operation=STAFF, console=EVERYONE)
# Operations only the console serves (its extras): everyone there.
CONSOLE_ONLY = Rule(operation=NOBODY, console=EVERYONE)
# Platform administration views (jobs, the monitoring drift check): staff, operation profile
# only.
STAFF_ONLY = Rule(operation=STAFF, console=NOBODY)
# The audit trail: staff read all of it; on the console everyone reads the entries of the
# instances they see (audit.selectors scopes the rows).
AUDIT_READ = Rule(operation=STAFF, console=EVERYONE)
# Operations no user calls: pronoea's alert webhook (an ``alert`` key, console profile) and the
# monitor-proxy's agent check (the monitoring token, operation profile). Their APIs name the
# methods those callers may use (``BmpApi.alert_methods``, ``service_methods``); every user
# role is refused.
NO_USER = frozenset({"no-user-role"})
ALERT_WEBHOOK = Rule(operation=NOBODY, console=NO_USER)
MONITORING_INTERNAL = Rule(operation=NO_USER, console=NOBODY)
