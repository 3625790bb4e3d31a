import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.client import encode_multipart
from django.urls import reverse

from clinic.security import DatabaseBusyMiddleware
from tests.factories import (
    public_page_urls,
)

ROOT = Path(__file__).resolve().parents[2]


def page_urls():
    return [
        *public_page_urls("acne"),
        reverse("search:search") + "?q=acne",
        "/no-such-page/",
        "/healthz",
        reverse("admin:login"),
    ]


def assert_security_headers(response, url):
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp.split("style-src")[0], url
    assert "script-src 'self'" in csp, url
    assert "unsafe-eval" not in csp, url
    assert "frame-ancestors 'none'" in csp, url
    assert "object-src 'none'" in csp, url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", url
    assert "camera=()" in response["Permissions-Policy"], url
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


@pytest.mark.django_db
def test_every_page_type_sends_the_security_headers_fresh_and_cached(client):
    for url in page_urls():
        for attempt in ("fresh", "cached"):
            response = client.get(url)
            assert response.status_code in (200, 404), url
            assert_security_headers(response, f"{url} ({attempt})")


@pytest.mark.django_db
def test_public_policy_forbids_inline_script_and_style(client):
    csp = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"


@pytest.mark.django_db
def test_admin_policy_relaxes_styles_only(client):
    csp = client.get(reverse("admin:login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src"] == "'self'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)


def test_site_templates_have_no_inline_script_or_style():
    """The public CSP has no 'unsafe-inline': anything inline would be blocked."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "admin" in path.relative_to(ROOT / "templates").parts:
            continue
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not offenders, "\n".join(offenders)


def test_https_settings_add_hsts_secure_cookies_and_upgrade():
    env = production_env(DJANGO_HTTPS="1", DJANGO_BEHIND_PROXY="1")
    out = run_python(
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER,"
        " 'upgrade-insecure-requests' in s.CONTENT_SECURITY_POLICY)",
        env,
    )
    assert out.split() == [
        "31536000",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
    ]


def test_cookies_are_httponly_and_samesite():
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


@pytest.mark.django_db
def test_admin_login_cookie_flags(client):
    response = client.get(reverse("admin:login"))
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def production_env(**extra):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "1",
        "DJANGO_SECRET_KEY": "x" * 20 + "production-like-secret-key-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def run_python(code, env):
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = production_env(
        CLINIC_VAR_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/9"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_admin_lives_at_the_configured_path(tmp_path):
    out = run_python(
        "from django.test import Client; from django.urls import reverse; "
        "c = Client(); print(reverse('admin:login'), "
        "c.get('/staff-only/login/').status_code, c.get('/admin/login/').status_code)",
        production_env(
            # Debug only for plain static names (no collectstatic manifest here).
            DJANGO_DEBUG="1",
            DJANGO_HTTPS="0",
            DJANGO_ALLOWED_HOSTS="testserver",
            DJANGO_ADMIN_PATH="staff-only",
            CLINIC_PAGE_CACHE_SECONDS="0",
            CLINIC_VAR_DIR=str(tmp_path),
        ),
    )
    # 200 for the admin's login page; /admin/ is an ordinary 404.
    assert out.split() == ["/staff-only/login/", "200", "404"]


def multipart_request(size):
    body = encode_multipart("BoUnDaRy", {"file": _named_file("notes.txt", b"x" * size)})
    return RequestFactory().generic(
        "POST", "/upload/", body, content_type="multipart/form-data; boundary=BoUnDaRy"
    )


def _named_file(name, data):
    from io import BytesIO

    handle = BytesIO(data)
    handle.name = name
    return handle


def test_uploads_stay_in_memory(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    request = multipart_request(settings.FILE_UPLOAD_MAX_MEMORY_SIZE - 1024)
    upload = request.FILES["file"]
    assert isinstance(upload, InMemoryUploadedFile)
    assert list(tmp_path.iterdir()) == []


def test_oversized_upload_is_refused_not_spooled_to_disk(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    request = multipart_request(4096)
    with pytest.raises(RequestDataTooBig):
        request.FILES  # noqa: B018
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_oversized_post_is_a_400_response(client, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        reverse("admin:login"), {"file": _named_file("big.txt", b"x" * 4096)}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_uploads_are_never_served(client):
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    assert client.get("/media/anything.txt").status_code == 404


def test_database_locked_becomes_a_503_with_retry_after(rf):
    def view(request):
        raise OperationalError("database is locked")

    middleware = DatabaseBusyMiddleware(view)
    response = middleware.process_exception(
        rf.post("/x/"), OperationalError("database is locked")
    )
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "no-cache" in response["Cache-Control"]
    assert b"Nothing was changed" in response.content


def test_other_database_errors_stay_500s(rf):
    middleware = DatabaseBusyMiddleware(lambda r: HttpResponse())
    error = OperationalError("no such table: x")
    assert middleware.process_exception(rf.post("/x/"), error) is None
