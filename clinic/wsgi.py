"""WSGI entry point: `gunicorn clinic.wsgi` (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

application = get_wsgi_application()

# Page-cache hits are answered here, before Django builds a request (clinic/caching.py).
from clinic.caching import PageCacheApp  # noqa: E402

application = PageCacheApp(application)
