"""A BMC that refuses the credentials sees one login per step, whatever the action or backend.

Real BMCs lock an account after a few failed logins, so every action that talks to the BMC
(the job chains' power and boot steps, the put-away credential check) must give up at the
first refusal. The lab BMC counts the logins it saw (RAKP 1 messages).
"""

from __future__ import annotations

import pytest

from bmp_driver.actions import ACTIONS, run_action
from bmp_driver.backends import make_backend
from bmp_driver.backends.base import CallPolicy

from .conftest import QUICK_TIMING, credentials

# Three tries on a timeout and a visible backoff: a retry of the refusal would show.
RETRYING = CallPolicy(timeout=1, attempts=3, backoff=0.05, deadline=10)

REFUSALS = {
    "wrong password": ("admin", "USERNAME_OR_PASSWORD_ERROR"),
    "unknown user": ("nobody", "USERNAME_OR_PASSWORD_ERROR"),
    "privilege below administrator": ("admin", "USER_PRIVILEGE_ERROR"),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_every_action_logs_in_once_and_fails_with_the_refusals_code(
    interface, server, password, refusal
):
    username, code = REFUSALS[refusal]
    server.set_wrong_password(refusal == "wrong password")
    if refusal == "privilege below administrator":
        server.set_privilege("operator")
    backend = make_backend(interface, credentials(server, password, username=username), RETRYING)

    seen = {}
    for action in ACTIONS:
        before = server.bmc.stats["logins"]
        with backend.held_session():
            outcome = run_action(backend, action, {}, QUICK_TIMING)
        seen[action] = (outcome.error, server.bmc.stats["logins"] - before)

    assert seen == {action: (code, 1) for action in ACTIONS}
    assert server.power == "off"  # nothing was done
