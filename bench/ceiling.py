"""The ceiling for bench/serve_bench.py: the least a Django page can cost here. A
minimal Django project in one module whose view returns a prebuilt 20 KB page,
served by the same gunicorn settings as clinic:

    gunicorn bench.ceiling:application --config gunicorn.conf.py
"""

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

PAGE_BYTES = 20 * 1024

settings.configure(
    DEBUG=False,
    SECRET_KEY="ceiling-benchmark-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
    USE_TZ=True,
)

_head = (
    b"<!doctype html><html lang='en'><head><title>Ceiling</title></head><body><main>"
)
_tail = b"</main></body></html>"
_filler = b"<p>" + b"Lorem ipsum dolor sit amet, skin and collagen. " * 8 + b"</p>\n"
PAGE = (_head + _filler * (PAGE_BYTES // len(_filler) + 1))[
    : PAGE_BYTES - len(_tail)
] + _tail


def page(request):
    return HttpResponse(PAGE)


def healthz(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("", page), path("healthz", healthz)]

django.setup()
application = get_wsgi_application()
