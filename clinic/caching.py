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
import threading
from collections import OrderedDict
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
    # Only a page scheduled for later can make the remembered time late; the rest
    # need no cache read (an import sends a dozen signals per document).
    if not getattr(instance, "is_scheduled", False):
        return
    remembered = cache().get(SCHEDULE_KEY)
    if remembered is None:
        cache().set(SCHEDULE_KEY, (_next_publish_at(),), timeout=None)
        return
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


def fresh_entry(key):
    """(generation, entry, now): the entry stored under `key` if it was stored under
    the current generation and has not expired, else None. One cache round trip."""
    found = cache().get_many([GENERATION_KEY, key])
    generation = current_generation(found.get(GENERATION_KEY))
    entry = found.get(key)
    now = timezone.now()
    if not (
        entry
        and entry["generation"] == generation
        and (entry["expires"] is None or entry["expires"] > now)
    ):
        entry = None
    return generation, entry, now


def remember(name, compute):
    """The value of `compute()`, shared by every worker until content changes (a new
    generation) or a scheduled page goes live: for values the same for every
    visitor that cost more than reading them back."""
    key = f"pagecache:value:{name}"
    generation, entry, now = fresh_entry(key)
    if entry:
        return entry["value"]
    value = compute()
    expires = next_publish_at(now)
    cache().set(
        key,
        {"generation": generation, "expires": expires, "value": value},
        timeout=None,
    )
    return value


def page_key(request):
    return environ_key(request.scheme, request.get_host(), request.META)


def environ_key(scheme, host, environ):
    """The cache key of a page: scheme, host, raw path and query string. Built from
    the WSGI environ so that the WSGI fast path (`PageCacheApp`) and the middleware
    compute the same key for the same request."""
    raw = "|".join(
        (
            scheme,
            host,
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
    ).encode("utf-8", "surrogateescape")
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
        generation, entry, now = fresh_entry(key)
        if entry:
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


class PageCacheApp:
    """WSGI wrapper that answers page-cache hits before Django builds a request, runs
    middleware or sends request signals (clinic/wsgi.py). Everything else, misses
    included, goes to Django, where PageCacheMiddleware stores pages and applies the
    same rules; when in doubt this path steps aside and lets Django decide.

    It serves only what the middleware stored for this exact scheme, host, path and
    query, with the headers the full stack sent (CSP, HSTS, ETag ...). It never
    serves a request the stack would treat differently: non-GET/HEAD, a session or
    messages cookie, an Authorization header, plain HTTP while HTTPS is enforced,
    the admin, static files or /healthz. A host not in ALLOWED_HOSTS has no entry,
    so Django answers it with its usual 400."""

    # Pages kept per worker process, so a hit reads only the shared generation.
    MEMO_SIZE = 256

    def __init__(self, application):
        self.application = application
        self._outer_headers = {}
        self._memo = OrderedDict()
        self._memo_lock = threading.Lock()

    def entry(self, key):
        """(generation, entry) for `key`: the generation always from the shared
        cache (an edit on any worker or server retires pages at once), the page from
        this worker's memo when it was stored under that same generation."""
        generation = cache().get(GENERATION_KEY)
        if generation is None:
            return None, None
        with self._memo_lock:
            memo = self._memo.get(key)
            if memo is not None and memo["generation"] == generation:
                self._memo.move_to_end(key)
                return generation, memo
        found = cache().get(key)
        if found is not None and found["generation"] == generation:
            with self._memo_lock:
                self._memo[key] = found
                while len(self._memo) > self.MEMO_SIZE:
                    self._memo.popitem(last=False)
        return generation, found

    def outer_headers(self, scheme):
        """The headers SecurityMiddleware adds outside the page cache (HSTS on
        HTTPS, nosniff, Referrer-Policy, COOP), computed once per scheme by Django's
        own middleware so the two can never drift apart."""
        if scheme not in self._outer_headers:
            from django.middleware.security import SecurityMiddleware

            class Request:
                def is_secure(self):
                    return scheme == "https"

            response = SecurityMiddleware(lambda request: None).process_response(
                Request(), HttpResponse()
            )
            plain = set(HttpResponse().headers)
            self._outer_headers[scheme] = [
                (k, v) for k, v in response.items() if k not in plain
            ]
        return self._outer_headers[scheme]

    def __call__(self, environ, start_response):
        hit = self.lookup(environ)
        if hit is None:
            return self.application(environ, start_response)
        entry, not_modified, scheme = hit
        headers = [
            *entry["headers"],
            *self.outer_headers(scheme),
            ("X-Page-Cache", "hit"),
        ]
        if not_modified:
            start_response("304 Not Modified", [
                (k, v) for k, v in headers if k.lower() not in NOT_MODIFIED_DROPS
            ])  # fmt: skip
            return [b""]
        start_response(f"{entry['status']} OK", headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else entry["content"]]

    def lookup(self, environ):
        """(entry, not_modified, scheme) for a servable hit, else None."""
        if not settings.CLINIC_PAGE_CACHE_SECONDS:
            return None
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if "HTTP_AUTHORIZATION" in environ or "HTTP_HOST" not in environ:
            return None
        cookies = environ.get("HTTP_COOKIE", "")
        if any(f"{name}=" in cookies for name in PERSONAL_COOKIES):
            return None
        if len(environ.get("QUERY_STRING", "")) > MAX_CACHED_QUERY:
            return None
        path = environ.get("PATH_INFO", "")
        excluded = ("/" + settings.ADMIN_PATH, "/healthz", settings.STATIC_URL)
        if path.startswith(excluded):
            return None
        scheme = environ.get("wsgi.url_scheme", "http")
        proxy = settings.SECURE_PROXY_SSL_HEADER
        if proxy and environ.get(proxy[0]) == proxy[1]:
            scheme = "https"
        if settings.SECURE_SSL_REDIRECT and scheme != "https":
            return None
        key = environ_key(scheme, environ["HTTP_HOST"], environ)
        generation, entry = self.entry(key)
        if not (
            entry
            and entry["generation"] == generation
            and entry["expires"] > timezone.now()
        ):
            return None
        etag = dict(entry["headers"]).get("ETag")
        wanted = environ.get("HTTP_IF_NONE_MATCH", "")
        not_modified = bool(etag and wanted) and (
            wanted.strip() == "*" or etag in {t.strip() for t in wanted.split(",")}
        )
        return entry, not_modified, scheme


# A 304 carries the validators and caching headers, not the body's length or type.
NOT_MODIFIED_DROPS = {"content-length", "content-type"}
