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


@pytest.fixture
def run_commit_hooks(monkeypatch):
    """pytest-django wraps each test in a transaction that never commits, so
    `transaction.on_commit` hooks (revisions, checks) would never run. Run them when
    the code under test commits: at once outside its own atomic blocks, and when its
    outermost atomic block exits. Rolled-back blocks drop their hooks, as in Django.
    """
    from django.db import transaction
    from django.db.backends.base.base import BaseDatabaseWrapper

    def app_blocks(conn):
        return [b for b in conn.atomic_blocks if not b._from_testcase]

    original_on_commit = BaseDatabaseWrapper.on_commit
    original_exit = transaction.Atomic.__exit__

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and not app_blocks(self):
            return func()
        return original_on_commit(self, func, robust)

    def atomic_exit(self, exc_type, exc_value, traceback):
        conn = transaction.get_connection(self.using)
        result = original_exit(self, exc_type, exc_value, traceback)
        if not self._from_testcase and conn.in_atomic_block and not app_blocks(conn):
            pending, conn.run_on_commit = conn.run_on_commit, []
            if exc_type is None:
                for _, func, _ in pending:
                    func()
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", atomic_exit)


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
