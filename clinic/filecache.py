"""The folder cache that every gunicorn worker on one machine shares, when there is
no Redis. Django's FileBasedCache lists the whole folder on every set() to decide
whether to cull; with thousands of cached pages that listing costs more than
rendering the page. Here the check runs on about one set() in CULL_CHECK_EVERY, so
the folder may overshoot MAX_ENTRIES by a few dozen files between checks."""

import random

from django.core.cache.backends.filebased import FileBasedCache

CULL_CHECK_EVERY = 50


class SharedFileCache(FileBasedCache):
    def _cull(self):
        if random.randrange(CULL_CHECK_EVERY) == 0:
            super()._cull()
