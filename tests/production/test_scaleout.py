"""Two app servers, one PostgreSQL, one Redis: an edit saved through one server is
visible through the other at once, cached pages included."""

import os
import uuid
from urllib.parse import quote

import pytest

from tests.conftest import skip_or_fail
from tests.factories import make_article
from tests.production.servers import Browser, Server, fetch, form_fields, production_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REDIS_URL = os.environ.get("CLINIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def database_url(db):
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def shared_redis(settings):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(
            f"Redis is not reachable at {REDIS_URL} ({exc}); install and start "
            "redis-server, or set CLINIC_TEST_REDIS_URL"
        )
    prefix = f"scaleout-{uuid.uuid4().hex[:8]}"
    # The test process writes through the same cache as the servers, so its saves
    # retire their pages exactly as a third app server's would.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.mark.django_db(transaction=True)
def test_an_edit_through_one_server_shows_through_the_other_at_once(
    settings, shared_redis, static_root, tmp_path
):
    from django.contrib.auth.models import User

    User.objects.create_superuser("admin", "admin@example.org", "scale out 2 servers")
    article = make_article(title="Original title", tags=["scars"])
    env = production_env(
        tmp_path,
        static_root,
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        REDIS_URL=REDIS_URL,
        CLINIC_CACHE_PREFIX=shared_redis,
    )
    page = article.get_absolute_url()
    with Server(env, workers=1, threads=2) as a, Server(env, workers=1, threads=2) as b:
        assert a.port != b.port
        for server in (a, b):
            for path in (page, "/", "/articles/"):
                fetch(server.url(path))
        cached = fetch(b.url(page))
        assert cached.headers["x-page-cache"] == "hit"
        assert "Original title" in cached.text()

        # A staff member edits the title in server A's admin ...
        staff = Browser(a)
        staff.sign_in("admin", "scale out 2 servers")
        change = f"/admin/articles/article/{article.pk}/change/"
        fields = {}
        for name, value in form_fields(staff.get(change).text(), "article_form"):
            fields.setdefault(name, []).append(value)
        fields["title"] = ["Edited through A"]
        fields["_save"] = ["Save"]
        assert staff.request("POST", change, fields).status == 302

        # ... and server B shows it on the very next request, lists included.
        for path in (page, "/", "/articles/"):
            response = fetch(b.url(path))
            assert response.status == 200, path
            assert "Edited through A" in response.text(), path
            assert "Original title" not in response.text(), path

        # An edit from a third process (the ORM here) reaches both servers too.
        article.refresh_from_db()
        article.title = "Edited by a script"
        article.save()
        for server in (a, b):
            assert "Edited by a script" in fetch(server.url(page)).text()
