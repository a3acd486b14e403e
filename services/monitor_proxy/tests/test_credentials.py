"""The credential cache: a checked credential is trusted until it expires or is revoked; a
refused one is never cached."""

from __future__ import annotations

import pytest

from bmp_common.json_wsgi import HttpError
from bmp_monitor_proxy.credentials import Agent, CredentialCache


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def cache():
    cache = CredentialCache(openapi_url="http://unused", token="t", ttl_s=60, clock=Clock())
    answers = {("SN1", "good"): Agent("bmp-1", "SN1")}

    def check(sn, credential):  # openapi's answer, as the real check gives it
        cache.asked = getattr(cache, "asked", 0) + 1
        if (sn, credential) not in answers:
            raise HttpError(401, "the agent's credential is not valid")
        return answers[(sn, credential)]

    cache._check = check
    return cache


def test_a_good_credential_is_asked_once(cache):
    assert cache.agent(sn="SN1", credential="good") == Agent("bmp-1", "SN1")
    assert cache.agent(sn="SN1", credential="good") == Agent("bmp-1", "SN1")
    assert cache.asked == 1


def test_after_the_ttl_it_is_asked_again(cache):
    cache.agent(sn="SN1", credential="good")
    cache.clock.now += 61
    cache.agent(sn="SN1", credential="good")
    assert cache.asked == 2


def test_a_revocation_forgets_it(cache):
    cache.agent(sn="SN1", credential="good")
    cache.forget(instance_id="bmp-1", sn="SN1")
    cache.agent(sn="SN1", credential="good")
    assert cache.asked == 2


def test_a_refusal_is_not_cached(cache):
    for _ in range(2):
        with pytest.raises(HttpError) as refused:
            cache.agent(sn="SN1", credential="bad")
        assert refused.value.code == 401
    assert cache.asked == 2


def test_no_credential_is_refused_without_asking(cache):
    with pytest.raises(HttpError):
        cache.agent(sn="SN1", credential="")
    assert getattr(cache, "asked", 0) == 0
