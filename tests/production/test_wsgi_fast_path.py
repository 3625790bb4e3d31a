"""The WSGI fast path (clinic.caching.PageCacheApp) answers page-cache hits before
Django builds a request; these tests call the real WSGI application."""

from io import BytesIO
from wsgiref.util import setup_testing_defaults

import pytest

from clinic import caching
from clinic.publishing import Status
from clinic.wsgi import application
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's request signals close database connections; the test's transaction
    lives on one. Disconnect them as Django's own test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(path, method="GET", **environ):
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "HTTP_HOST": "testserver",
        "wsgi.input": BytesIO(b""),
        **environ,
    }
    setup_testing_defaults(env)
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers

    body = b"".join(application(env, start_response))
    return captured["status"], dict(captured["headers"]), body


def test_second_request_is_answered_by_the_fast_path_with_the_same_headers(
    django_assert_num_queries,
):
    url = make_article(title="Fast path").get_absolute_url()
    status, miss_headers, miss_body = call(url)
    assert status.startswith("200") and miss_headers["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        status, hit_headers, hit_body = call(url)
    assert status == "200 OK"
    assert hit_headers["X-Page-Cache"] == "hit"
    assert hit_body == miss_body
    same = {k: v for k, v in hit_headers.items() if k != "X-Page-Cache"}
    assert same == {k: v for k, v in miss_headers.items() if k != "X-Page-Cache"}
    assert "Content-Security-Policy" in same


def test_fast_path_answers_if_none_match_with_304_and_head_without_body():
    url = make_article().get_absolute_url()
    _, headers, _ = call(url)
    status, _, body = call(url, HTTP_IF_NONE_MATCH=headers["ETag"])
    assert status == "304 Not Modified" and body == b""
    status, head_headers, body = call(url, method="HEAD")
    assert status == "200 OK" and body == b""
    assert head_headers["Content-Length"] == headers["Content-Length"]


def test_an_edit_is_visible_at_once_through_the_fast_path():
    article = make_article(title="Before")
    url = article.get_absolute_url()
    call(url)
    assert call(url)[1]["X-Page-Cache"] == "hit"
    article.title = "After the edit"
    article.save()
    status, headers, body = call(url)
    assert headers["X-Page-Cache"] == "miss"
    assert b"After the edit" in body


def test_unpublished_page_is_never_served_from_the_fast_path():
    article = make_article()
    url = article.get_absolute_url()
    call(url)
    article.status = Status.DRAFT
    article.save()
    assert call(url)[0].startswith("404")


@pytest.mark.parametrize(
    "environ",
    [
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_COOKIE": "messages=abc"},
        {"HTTP_AUTHORIZATION": "Basic eDp5"},
    ],
)
def test_personal_requests_always_reach_django(environ, monkeypatch):
    url = make_article().get_absolute_url()
    call(url)
    assert call(url)[1]["X-Page-Cache"] == "hit"
    monkeypatch.setattr(
        caching.PageCacheMiddleware, "may_use_cache", lambda self, request: False
    )
    assert "X-Page-Cache" not in call(url, **environ)[1]


def test_plain_http_is_not_served_when_https_is_enforced(settings):
    url = make_article().get_absolute_url()
    call(url)
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": url, "HTTP_HOST": "testserver"}
    setup_testing_defaults(env)
    assert application.lookup(env) is not None
    settings.SECURE_SSL_REDIRECT = True
    # Left to Django, whose SecurityMiddleware redirects to HTTPS.
    assert application.lookup(env) is None
    env["wsgi.url_scheme"] = "https"
    env["SERVER_PORT"] = "443"
    assert application.lookup(env) is None  # no entry stored for https yet


def test_an_unknown_host_gets_djangos_400_not_a_cached_page():
    url = make_article().get_absolute_url()
    call(url)
    assert call(url, HTTP_HOST="evil.example")[0].startswith("400")


def test_a_page_remembered_by_this_worker_is_retired_by_an_edit_elsewhere():
    article = make_article(title="Remembered")
    url = article.get_absolute_url()
    call(url)
    assert call(url)[1]["X-Page-Cache"] == "hit"  # now in this worker's memo
    # Another worker or server saves: only the shared generation changes here.
    caching._new_generation()
    assert call(url)[1]["X-Page-Cache"] == "miss"
