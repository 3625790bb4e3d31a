"""
The public page cache (docs/decisions/006-page-cache.md).

Anonymous GET and HEAD requests for public pages are answered from the shared cache
(Redis when REDIS_URL is set, otherwise the folder every gunicorn worker shares). The
views know nothing about it: this middleware stores what they render and serves it
back until something changes.

Invalidation is one site-wide *generation*: any save or delete of content, tags,
facts or reviews replaces it (signals registered in `ClinicConfig.ready()`), and an
entry stored under an older generation is never served. Scheduled pages go live
without a save, so no entry outlives the next scheduled publish time.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    patch_cache_control,
)

GENERATION_KEY = "pagecache:generation"
SCHEDULE_KEY = "pagecache:next-publish"
# Longer query strings are not worth a cache entry (and would let anyone fill it).
MAX_CACHED_QUERY = 200
# A response varying on anything else is not the same page for every visitor.
HARMLESS_VARY = {"cookie", "accept-encoding"}
# Requests carrying these cookies may see something personal (staff previews,
# flash messages): they always reach the view.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def cache():
    return caches["default"]


def invalidate(instance=None, **kwargs):
    """Retire every cached page (a signal receiver, or call it directly).

    Outside a transaction the generation changes at once. Inside one it changes
    when the transaction commits, once however many rows changed: before the
    commit no other process can see the new rows, so an earlier change would only
    cost a cache write per saved row (an import saves dozens per document)."""
    note_publish_time(instance)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _new_generation()
    elif not any(func is _new_generation for _, func, _ in connection.run_on_commit):
        transaction.on_commit(_new_generation)


def _new_generation():
    generation = secrets.token_hex(8)
    cache().set(GENERATION_KEY, generation, timeout=None)
    return generation


def current_generation(value):
    return value if value is not None else _new_generation()


def _next_publish_at():
    """Three indexed MIN queries over (status, published_at)."""
    from articles.models import Article, Treatment
    from faq.models import Question

    times = [
        model.objects.scheduled().aggregate(at=Min("published_at"))["at"]
        for model in (Treatment, Article, Question)
    ]
    return min((t for t in times if t is not None), default=None)


def note_publish_time(instance):
    """Keep the remembered next publish time no later than this page's, without a
    query. A time that turns out too early (the page was rescheduled or deleted)
    only ends some cache entries early, after which it is looked up again."""
    remembered = cache().get(SCHEDULE_KEY)
    if remembered is None:
        cache().set(SCHEDULE_KEY, (_next_publish_at(),), timeout=None)
        return
    if getattr(instance, "is_scheduled", False):
        at = remembered[0]
        if at is None or instance.published_at < at:
            cache().set(SCHEDULE_KEY, (instance.published_at,), timeout=None)


def forget_publish_time():
    cache().delete(SCHEDULE_KEY)


def next_publish_at(now):
    """The earliest publish time still ahead, of any kind of page, or None. Looked up
    (three queries) only when none is remembered or the remembered one has passed:
    a scheduled page has just gone live."""
    remembered = cache().get(SCHEDULE_KEY)
    if remembered is not None and (remembered[0] is None or remembered[0] > now):
        return remembered[0]
    at = _next_publish_at()
    cache().set(SCHEDULE_KEY, (at,), timeout=None)
    return at


def page_key(request):
    raw = "|".join(
        (request.scheme, request.get_host(), request.get_full_path())
    ).encode()
    return "pagecache:page:" + hashlib.sha256(raw).hexdigest()


def _quoted_etag(content):
    return f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'


class PageCacheMiddleware:
    """Serve and store anonymous public pages; see the module docstring.

    It sits right after SecurityMiddleware and WhiteNoise, so a hit skips every
    other middleware. Everything those add on the way out (CSP and the other
    security headers, ETag, Content-Length, Vary) is already on the stored response,
    so a hit sends the same headers as a miss; a hit answers If-None-Match itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.excluded = ("/" + settings.ADMIN_PATH, "/healthz", settings.STATIC_URL)

    def __call__(self, request):
        seconds = settings.CLINIC_PAGE_CACHE_SECONDS
        if not (seconds and self.may_use_cache(request)):
            response = self.get_response(request)
            self.invalidate_after_staff_write(request, response)
            return response

        key = page_key(request)
        found = cache().get_many([GENERATION_KEY, key])
        generation = current_generation(found.get(GENERATION_KEY))
        entry = found.get(key)
        now = timezone.now()
        if entry and entry["generation"] == generation and entry["expires"] > now:
            response = self.rebuild(entry)
            return get_conditional_response(
                request, etag=response["ETag"], response=response
            )

        response = self.get_response(request)
        if request.method == "GET" and self.may_store(request, response):
            self.store(key, generation, response, now, seconds)
            response["X-Page-Cache"] = "miss"
        return response

    def may_use_cache(self, request):
        if request.method not in ("GET", "HEAD"):
            return False
        if any(name in request.COOKIES for name in PERSONAL_COOKIES):
            return False
        if "HTTP_AUTHORIZATION" in request.META:
            return False
        if len(request.META.get("QUERY_STRING", "")) > MAX_CACHED_QUERY:
            return False
        return not request.path.startswith(self.excluded)

    def may_store(self, request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        directives = {
            d.split("=")[0].strip().lower()
            for d in cc_delim_re.split(response.get("Cache-Control", ""))
        }
        if directives & {"private", "no-cache", "no-store"}:
            return False
        vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
        return vary - {""} <= HARMLESS_VARY

    def store(self, key, generation, response, now, seconds):
        if not response.has_header("ETag"):
            response["ETag"] = _quoted_etag(response.content)
        # Browsers and proxies revalidate every time (cheap: a 304 from the cache),
        # so an edit is visible on the next load.
        patch_cache_control(response, max_age=0, must_revalidate=True)
        expires = now + timedelta(seconds=seconds)
        scheduled = next_publish_at(now)
        if scheduled is not None and scheduled < expires:
            expires = scheduled
        lifetime = (expires - now).total_seconds()
        if lifetime < 1:
            return
        entry = {
            "generation": generation,
            "expires": expires,
            "status": response.status_code,
            "headers": [(k, v) for k, v in response.items() if k != "X-Page-Cache"],
            "content": response.content,
        }
        cache().set(key, entry, timeout=int(lifetime) + 1)

    @staticmethod
    def rebuild(entry):
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response

    @staticmethod
    def invalidate_after_staff_write(request, response):
        """Belt and braces for writes no model signal sees (QuerySet.update() in a
        bulk admin action): any successful staff write retires the cached pages."""
        if request.method in ("GET", "HEAD", "OPTIONS") or response.status_code >= 400:
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            forget_publish_time()
            invalidate()
