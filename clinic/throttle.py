"""
Admin sign-in throttling (docs/decisions/007-login-throttling.md).

Failed sign-ins are counted per username *and* client address together, in the
shared cache, over a fixed window of CLINIC_LOGIN_LOCKOUT_SECONDS. Once a pair reaches
CLINIC_LOGIN_FAILURE_LIMIT, its further attempts are refused with 429 until the
window ends: a guesser gets a handful of tries per window, while the real staff
member is never locked out for good, and is not locked out at all from another
address (a clinic behind one proxy address is not locked out by one typist).
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse


def client_address(request):
    if settings.CLINIC_BEHIND_PROXY:
        # The last entry is the one our own proxy appended; earlier ones are
        # whatever the client claimed.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(username, address):
    digest = hashlib.sha256(
        f"{(username or '').strip().casefold()}|{address}".encode()
    ).hexdigest()
    return f"login-failures:{digest}", f"login-window:{digest}"


def seconds_locked(username, address):
    """Seconds until this pair may try again; 0 when it is not locked."""
    count_key, window_key = _keys(username, address)
    found = caches["default"].get_many([count_key, window_key])
    if found.get(count_key, 0) < settings.CLINIC_LOGIN_FAILURE_LIMIT:
        return 0
    return max(1, int(found.get(window_key, time.time()) - time.time()) + 1)


def record_failure(sender, credentials, request=None, **kwargs):
    """user_login_failed receiver: count the failure in this pair's window."""
    if request is None:
        return
    cache = caches["default"]
    count_key, window_key = _keys(credentials.get("username"), client_address(request))
    window = settings.CLINIC_LOGIN_LOCKOUT_SECONDS
    cache.add(window_key, time.time() + window, timeout=window)
    cache.add(count_key, 0, timeout=window)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add() and incr()
        cache.set(count_key, 1, timeout=window)


def record_success(sender, request=None, user=None, **kwargs):
    """user_logged_in receiver: a correct password clears the pair's failures."""
    if request is None or user is None:
        return
    caches["default"].delete_many(_keys(user.get_username(), client_address(request)))


class LoginThrottleMiddleware:
    """Refuses sign-in attempts from a locked pair before the password is checked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path == reverse("admin:login"):
            wait = seconds_locked(request.POST.get("username"), client_address(request))
            if wait:
                return self.refuse(wait)
        return self.get_response(request)

    @staticmethod
    def refuse(wait):
        body = loader.render_to_string("429.html", {"minutes": -(-wait // 60)})
        response = HttpResponse(body, status=429)
        response["Retry-After"] = str(wait)
        response["Cache-Control"] = "no-store"
        return response
