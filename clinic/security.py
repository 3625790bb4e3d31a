"""
Security the settings alone cannot give: the Content-Security-Policy and
Permissions-Policy headers, a clear 503 when SQLite's write lock cannot be had, and
uploads kept in memory only.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db import OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("clinic")

# Seconds a client is asked to wait after a 503; a little more than the SQLite busy
# timeout, which is how long the write already waited.
RETRY_AFTER = "10"


def csp_header(policy):
    return "; ".join(
        " ".join([directive, *sources]) for directive, sources in policy.items()
    )


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not send. It wraps the page cache, so
    cached pages get the same headers as fresh ones; a view may set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        admin = request.path.startswith("/" + settings.ADMIN_PATH)
        policy = (
            settings.CONTENT_SECURITY_POLICY_ADMIN
            if admin
            else settings.CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", csp_header(policy))
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def is_database_locked(exception):
    # SQLite's wording; PostgreSQL waits for row locks instead of failing.
    return isinstance(exception, OperationalError) and "is locked" in str(exception)


class DatabaseBusyMiddleware:
    """A write that waited the whole SQLite busy timeout for the write lock gets a
    503 with Retry-After instead of a 500. Its transaction has already rolled back,
    so nothing is half-written; reads never need the lock and keep working."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_locked(exception):
            return None
        logger.warning("503 for %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = RETRY_AFTER
        add_never_cache_headers(response)
        return response


class MemoryOnlyUploadHandler(MemoryFileUploadHandler):
    """Keeps uploaded files in memory and refuses a request too large for that, so
    no upload is ever written to a temporary file (Django's default handler spills
    large files to disk). The refusal is Django's 400 for oversized requests."""

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        super().handle_raw_input(input_data, META, content_length, boundary, encoding)
        if not self.activated:
            raise RequestDataTooBig(
                "Upload exceeds settings.FILE_UPLOAD_MAX_MEMORY_SIZE."
            )
