import time

import pytest
from django.urls import reverse

from tests.conftest import make_staff

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Each failed sign-in hashes a password: keep five of them well under a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    return make_staff("ana")


def sign_in(client, username, password, address="203.0.113.5", **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/"},
        REMOTE_ADDR=address,
        **extra,
    )


def fail(client, times, username="ana", address="203.0.113.5"):
    for _ in range(times):
        assert sign_in(client, username, "wrong", address).status_code == 200


def test_five_failures_lock_the_pair_even_for_the_right_password(client, staff):
    fail(client, 5)
    response = sign_in(client, "ana", PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many sign-in attempts" in response.content


def test_four_failures_do_not_lock(client, staff):
    fail(client, 4)
    assert sign_in(client, "ana", PASSWORD).status_code == 302


def test_lock_is_per_user_and_address_together(client, staff):
    make_staff("ben")
    fail(client, 5, "ana", "203.0.113.5")
    # The same person from another address, and a colleague behind the same
    # address, still sign in.
    assert sign_in(client, "ana", PASSWORD, "198.51.100.7").status_code == 302
    client.logout()
    assert sign_in(client, "ben", PASSWORD, "203.0.113.5").status_code == 302


def test_username_case_does_not_dodge_the_lock(client, staff):
    fail(client, 5, "ANA")
    assert sign_in(client, "ana", PASSWORD).status_code == 429


def test_lock_expires(client, staff, settings):
    settings.CLINIC_LOGIN_LOCKOUT_SECONDS = 2
    fail(client, 5)
    locked = sign_in(client, "ana", PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) <= 3
    time.sleep(int(locked["Retry-After"]) + 0.2)
    assert sign_in(client, "ana", PASSWORD).status_code == 302


def test_success_clears_earlier_failures(client, staff):
    fail(client, 4)
    assert sign_in(client, "ana", PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)
    assert sign_in(client, "ana", PASSWORD).status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_the_key(client, staff, settings):
    settings.CLINIC_BEHIND_PROXY = True
    for _ in range(5):
        sign_in(
            client,
            "ana",
            "wrong",
            "127.0.0.1",
            HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.5",
        )
    locked = sign_in(
        client, "ana", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert locked.status_code == 429
    # A client cannot escape by claiming another address in front of the proxy's.
    spoofed = sign_in(
        client,
        "ana",
        PASSWORD,
        "127.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5",
    )
    assert spoofed.status_code == 429
    other = sign_in(
        client, "ana", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert other.status_code == 302
