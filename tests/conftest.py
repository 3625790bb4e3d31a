"""
Shared fixtures. Tests that need a real service (PostgreSQL, Chromium) skip locally
with a message saying what to install; under CI=true the same situation fails, so a
green CI never hides a missing service.
"""

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(message):
    """Skip on a developer's machine; fail under CI, where the service is required."""
    if IN_CI:
        pytest.fail(f"{message} (CI=true: this service is required)", pytrace=False)
    pytest.skip(message)


def using_postgres():
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    # PostgreSQL-only tests belong to the PostgreSQL pass of the suite; on SQLite
    # they are deselected (not skipped): they run, for real, in that pass.
    if using_postgres():
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Templates resolve {% static %} without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    """Each test gets its own empty cache, so cached pages never leak between tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    from django.core.cache import caches

    caches["default"].clear()
    yield
    caches["default"].clear()


def make_staff(username, group_name=None, **extra):
    user = User.objects.create_user(
        username=username,
        password="correct horse battery staple",
        is_staff=True,
        **extra,
    )
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return make_staff("editor", "Editors")


@pytest.fixture
def publisher(db):
    return make_staff("publisher", "Publishers")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client
